//! The city table on a small fixture in the real format, and on the embedded data.

use super::*;

const HEADER: &str = "id\tname_ru\tname_en\tcountry\tregion\tpopulation\tlat\tlon\ttimezone\taliases\n";

const FIXTURE: &str = "\
498817\tСанкт-Петербург\tSaint Petersburg\tRU\tRU.66\t5351935\t59.9386\t30.3141\tEurope/Moscow\tПитер|СПб|Ленинград
524901\tМосква\tMoscow\tRU\tRU.48\t10381222\t55.7522\t37.6156\tEurope/Moscow\tМск
548391\tКировск\tKirovsk\tRU\tRU.49\t29605\t67.6142\t33.6716\tEurope/Moscow\t
548392\tКировск\tKirovsk\tRU\tRU.42\t24678\t59.8756\t30.9826\tEurope/Moscow\t
554233\tКоролёв\tKorolyov\tRU\tRU.47\t139798\t55.9142\t37.8256\tEurope/Moscow\tПодлипки
1486209\tЕкатеринбург\tYekaterinburg\tRU\tRU.71\t1287140\t56.8519\t60.6122\tAsia/Yekaterinburg\tЕкб|Свердловск
2643743\t\tLondon\tGB\tGB.ENG\t8961989\t51.5085\t-0.1257\tEurope/London\t
5601538\tМосква\tMoscow\tUS\tUS.ID\t25435\t46.7324\t-117.0002\tAmerica/Los_Angeles\t
";

const REGIONS: &str = "key\tname_ru\tname_en
GB.ENG\t\tEngland
RU.42\tЛенинградская область\tLeningrad Oblast
RU.47\tМосковская область\tMoscow Oblast
RU.48\tМосква\tMoscow
RU.49\tМурманская область\tMurmansk Oblast
RU.66\tСанкт-Петербург\tSaint Petersburg
RU.71\tСвердловская область\tSverdlovsk Oblast
US.ID\t\tIdaho
";

fn fixture() -> Cities {
    Cities::parse(&format!("{HEADER}{FIXTURE}"), REGIONS).unwrap()
}

fn ids(found: Vec<&City>) -> Vec<u32> {
    found.into_iter().map(|c| c.id.0).collect()
}

fn parse_error(rows: &str) -> String {
    Cities::parse(&format!("{HEADER}{rows}"), REGIONS).unwrap_err().to_string()
}

#[test]
fn every_field_of_a_row_is_read() {
    let cities = fixture();
    assert_eq!(cities.len(), 8);
    let moscow = cities.get(CityId(524901)).unwrap();
    assert_eq!((&*moscow.name, &*moscow.name_en, moscow.country()), ("Москва", "Moscow", "RU"));
    assert_eq!((moscow.population, moscow.lat, moscow.lon), (10381222, 55.7522, 37.6156));
    assert_eq!(moscow.timezone_name(), "Europe/Moscow");
    assert_eq!(cities.region_name(moscow), Some("Москва"));
    assert!(cities.get(CityId(524902)).is_none());
}

#[test]
fn a_region_without_a_russian_name_is_named_in_english() {
    let cities = fixture();
    assert_eq!(cities.region_name(cities.get(CityId(5601538)).unwrap()), Some("Idaho"));
}

#[test]
fn a_city_without_a_russian_name_keeps_its_english_one() {
    let cities = fixture();
    let london = cities.get(CityId(2643743)).unwrap();
    assert_eq!(&*london.name, "London");
    assert_eq!(ids(cities.search("lond", 5)), [2643743]);
}

#[test]
fn a_prefix_finds_the_most_populous_city_first() {
    let cities = fixture();
    assert_eq!(ids(cities.search("моск", 10)), [524901, 5601538]);
    assert_eq!(ids(cities.search("Mosc", 1)), [524901]);
    assert_eq!(ids(cities.search("к", 10)), [554233, 548391, 548392]);
}

#[test]
fn an_exact_name_comes_before_longer_names_of_bigger_cities() {
    let cities = Cities::parse(
        &format!("{HEADER}1\tОрёл\tOryol\tRU\t\t300000\t52.9651\t36.0785\tEurope/Moscow\t\n2\tОрёлград\tOryolgrad\tRU\t\t900000\t0.0\t0.0\tUTC\t\n"),
        "key\tname_ru\tname_en\n",
    )
    .unwrap();
    assert_eq!(ids(cities.search("орел", 10)), [1, 2]);
    assert_eq!(ids(cities.search("оре", 10)), [2, 1]);
}

#[test]
fn hyphens_spaces_and_yo_do_not_matter_to_search() {
    let cities = fixture();
    for query in ["санкт петербург", "Санкт-Петербург", "САНКТПЕТЕРБУРГ", "санкт-пет", "saint petersburg"]
    {
        assert_eq!(ids(cities.search(query, 10)), [498817], "{query}");
    }
    assert_eq!(ids(cities.search("королев", 10)), [554233]);
    assert_eq!(ids(cities.search("Королёв", 10)), [554233]);
}

#[test]
fn aliases_are_searched_like_names_and_each_city_comes_once() {
    let cities = fixture();
    assert_eq!(ids(cities.search("пит", 10)), [498817]);
    assert_eq!(ids(cities.search("ленингр", 10)), [498817]);
    assert_eq!(ids(cities.search("с", 10)), [498817, 1486209], "СПб, Санкт-Петербург and Свердловск");
}

#[test]
fn a_query_of_punctuation_or_a_zero_limit_finds_nothing() {
    let cities = fixture();
    assert!(cities.search(" - ", 10).is_empty());
    assert!(cities.search("", 10).is_empty());
    assert!(cities.search("москва", 0).is_empty());
}

#[test]
fn free_text_links_to_the_city_it_names_unambiguously() {
    let cities = fixture();
    let linked = |text: &str| cities.link(text).map(|c| c.id.0);
    assert_eq!(linked("Moscow"), Some(524901), "Moscow, Idaho is far smaller");
    assert_eq!(linked("  москва "), Some(524901));
    assert_eq!(linked("Питер"), Some(498817));
    assert_eq!(linked("спб"), Some(498817));
    assert_eq!(linked("ЕКБ"), Some(1486209));
    assert_eq!(linked("королев"), Some(554233));
    assert_eq!(linked("Кировск"), None, "two towns of about the same size");
    assert_eq!(linked("Моск"), None, "a prefix is not a name");
    assert_eq!(linked("Атлантида"), None);
    assert_eq!(linked("..."), None);
}

#[test]
fn moscow_is_634_km_from_saint_petersburg() {
    let cities = fixture();
    let (moscow, spb) = (cities.get(CityId(524901)).unwrap(), cities.get(CityId(498817)).unwrap());
    assert_eq!(distance_km(moscow, spb), 634);
    assert_eq!(distance_km(spb, moscow), 634);
    assert_eq!(distance_km(moscow, moscow), 0);
    assert_eq!(distance_km(moscow, cities.get(CityId(5601538)).unwrap()), 8375);
}

#[test]
fn the_api_view_names_the_region_and_the_time_zone() {
    let cities = fixture();
    let view = serde_json::to_value(cities.view(cities.get(CityId(1486209)).unwrap())).unwrap();
    assert_eq!(
        view,
        serde_json::json!({"id": 1486209, "name": "Екатеринбург", "name_en": "Yekaterinburg", "country": "RU",
            "region": "Свердловская область", "population": 1287140, "timezone": "Asia/Yekaterinburg"})
    );
}

#[test]
fn broken_rows_are_refused_with_their_line_number() {
    let e = parse_error("1\tА\tA\tRU\t\t1\t0.0\t0.0\tMars/Olympus\t\n");
    assert!(e.contains("line 2") && e.contains("timezone") && e.contains("Mars/Olympus"), "{e}");
    let e = parse_error("1\tА\tA\tRU\t\t1\t0.0\t0.0\tUTC\t\n2\tБ\tB\tRU\t\t1\t0.0\t0.0\tUTC\n");
    assert!(e.contains("line 3") && e.contains("9 fields"), "{e}");
    let e = parse_error("2\tА\tA\tRU\t\t1\t0.0\t0.0\tUTC\t\n1\tБ\tB\tRU\t\t1\t0.0\t0.0\tUTC\t\n");
    assert!(e.contains("line 3") && e.contains("ascending"), "{e}");
    let e = parse_error("1\tА\tA\tRU\tRU.99\t1\t0.0\t0.0\tUTC\t\n");
    assert!(e.contains("line 2") && e.contains("RU.99"), "{e}");
    let e = parse_error("1\tА\tA\tru\t\t1\t0.0\t0.0\tUTC\t\n");
    assert!(e.contains("country"), "{e}");
    let e = parse_error("1\tА\tA\tRU\t\t1\t91.0\t0.0\tUTC\t\n");
    assert!(e.contains("lat"), "{e}");
    let e = parse_error("1\tА\tA\tRU\t\t-5\t0.0\t0.0\tUTC\t\n");
    assert!(e.contains("population"), "{e}");
    let e = Cities::parse("id\tname\n", REGIONS).unwrap_err().to_string();
    assert!(e.contains("cities.tsv line 1") && e.contains("header"), "{e}");
}

#[test]
fn the_embedded_table_parses_and_knows_the_big_russian_cities() {
    let cities = table();
    assert!(cities.len() > 40_000, "{} cities", cities.len());
    let linked = |text: &str| cities.link(text).map(|c| c.id.0);
    assert_eq!(linked("Москва"), Some(524901));
    assert_eq!(linked("Moscow"), Some(524901));
    let only = |text: &str| cities.link_only(text).map(|c| c.id.0);
    assert_eq!(only("Moscow"), None, "Moscow, Idaho is a Moscow too");
    assert_eq!(only("Москва"), None, "and so are it and Москва of Tajikistan");
    assert_eq!((only("Питер"), only("Кировск")), (Some(498817), None));
    assert_eq!(linked("Кировск"), None);
    assert_eq!(linked("Королев"), Some(554233));
    assert_eq!(linked("Питер"), Some(498817));
    assert_eq!(linked("Санкт-Петербург"), Some(498817));
    assert_eq!(linked("спб"), Some(498817));
    assert_eq!(linked("ЕКБ"), Some(1486209));
    assert_eq!(ids(cities.search("моск", 1)), [524901]);
    assert_eq!(ids(cities.search("санкт петербург", 1)), [498817]);
    assert_eq!(ids(cities.search("saint petersburg", 1)), [498817]);
    assert_eq!(ids(cities.search("королев", 1)), [554233]);
    let moscow = cities.get(CityId(524901)).unwrap();
    assert_eq!((&*moscow.name, moscow.country(), moscow.timezone_name()), ("Москва", "RU", "Europe/Moscow"));
}
