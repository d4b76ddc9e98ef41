//! The canonical city table over HTTP: `GET /api/cities?q&limit` (prefix search: ranking,
//! folding of case, `ё`, hyphens and spaces, aliases) and `GET /api/cities/{id}`, open to people
//! who are not signed in, cacheable, and their refusals. The table is compiled into the server and
//! no stored data is read, so these run on SQLite only.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// `GET /api/cities?…` by someone not signed in: the status and the JSON body.
async fn cities(app: &TestApp, query: &str) -> (StatusCode, Value) {
    let response = app.client().get(app.url(&format!("/api/cities?{query}"))).send().await.unwrap();
    (response.status(), response.json().await.unwrap())
}

/// The ids of a search's answer.
async fn found(app: &TestApp, query: &str) -> Vec<i64> {
    let (status, body) = cities(app, query).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body.as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect()
}

/// The `q` parameter, percent-encoded.
fn q(text: &str) -> String {
    format!("q={}", url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>())
}

const MOSCOW: i64 = 524901;
const SAINT_PETERSBURG: i64 = 498817;
const KOROLYOV: i64 = 554233;

#[tokio::test]
async fn a_prefix_finds_the_biggest_city_first_for_someone_not_signed_in() {
    let app = spawn_app().await;
    let response = app.client().get(app.url(&format!("/api/cities?{}", q("моск")))).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "public, max-age=86400");
    let body: Vec<Value> = response.json().await.unwrap();
    assert_eq!(body.len(), 10, "the default limit");
    assert_eq!(
        body[0],
        json!({ "id": MOSCOW, "name": "Москва", "name_en": "Moscow", "country": "RU", "region": "Москва",
                "population": body[0]["population"], "timezone": "Europe/Moscow" })
    );
    assert!(body[0]["population"].as_u64().unwrap() > 10_000_000);
    let populations: Vec<u64> = body[1..].iter().map(|c| c["population"].as_u64().unwrap()).collect();
    assert!(populations.is_sorted_by(|a, b| a >= b), "then by population: {populations:?}");
}

#[tokio::test]
async fn hyphens_spaces_case_and_yo_do_not_change_what_is_found() {
    let app = spawn_app().await;
    for query in ["санкт петербург", "Санкт-Петербург", "САНКТ-ПЕТ", "saint petersburg", "Saint-Petersburg"]
    {
        assert_eq!(found(&app, &format!("{}&limit=1", q(query))).await, [SAINT_PETERSBURG], "{query}");
    }
    assert_eq!(found(&app, &format!("{}&limit=1", q("королев"))).await, [KOROLYOV]);
    assert_eq!(found(&app, &format!("{}&limit=1", q("Королёв"))).await, [KOROLYOV]);
}

#[tokio::test]
async fn a_colloquial_name_finds_its_city() {
    let app = spawn_app().await;
    assert_eq!(found(&app, &format!("{}&limit=1", q("Питер"))).await, [SAINT_PETERSBURG]);
    assert_eq!(found(&app, &format!("{}&limit=1", q("Ленинград"))).await, [SAINT_PETERSBURG]);
}

#[tokio::test]
async fn the_limit_is_a_whole_number_from_1_to_50() {
    let app = spawn_app().await;
    assert_eq!(found(&app, &format!("{}&limit=50", q("а"))).await.len(), 50);
    assert_eq!(found(&app, &format!("{}&limit=1", q("а"))).await.len(), 1);
    for limit in ["0", "51", "-1", "ten", "1.5", ""] {
        let (status, body) = cities(&app, &format!("{}&limit={limit}", q("а"))).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")), "{limit}");
        assert!(body["error"].as_str().is_some_and(|e| e.contains("50")), "{body}");
    }
}

#[tokio::test]
async fn a_missing_empty_or_punctuation_query_finds_nothing_and_a_long_one_is_refused() {
    let app = spawn_app().await;
    for query in ["", "q=", "q=%20-%20", "limit=5"] {
        assert_eq!(cities(&app, query).await, (StatusCode::OK, json!([])), "{query}");
    }
    assert_eq!(found(&app, &q(&"я".repeat(100))).await, Vec::<i64>::new());
    let (status, body) = cities(&app, &q(&"я".repeat(101))).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")));
}

#[tokio::test]
async fn one_city_is_read_by_id_and_an_unknown_or_malformed_id_is_refused() {
    let app = spawn_app().await;
    let client = app.client();
    let get = |path: &str| client.get(app.url(path)).send();

    let response = get(&format!("/api/cities/{SAINT_PETERSBURG}")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "public, max-age=86400");
    let city: Value = response.json().await.unwrap();
    assert_eq!(
        (&city["name"], &city["name_en"], &city["country"], &city["timezone"]),
        (&json!("Санкт-Петербург"), &json!("Saint Petersburg"), &json!("RU"), &json!("Europe/Moscow"))
    );

    let response = get("/api/cities/1").await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(response.json::<Value>().await.unwrap()["code"], "not_found");
    let response = get("/api/cities/moscow").await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.json::<Value>().await.unwrap()["code"], "bad_request");
}

#[tokio::test]
async fn a_signed_in_person_searches_the_same_table_and_reads_errors_in_their_language() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let body: Vec<Value> = anna.get(&format!("/api/cities?{}&limit=1", q("Moscow"))).await.json().await.unwrap();
    assert_eq!(body[0]["id"], MOSCOW);
    let refused: Value = anna.get("/api/cities/x").await.json().await.unwrap();
    assert_eq!(refused["error"], "Номер города должен быть целым числом");
}

/// The `<p class="credit">…</p>` of a page; panics when it has none.
fn city_credit(page: &str) -> &str {
    let start = page.find("<p class=\"credit\">").expect("the page credits the city data");
    let end = start + page[start..].find("</p>").expect("the credit paragraph ends");
    &page[start..end]
}

#[tokio::test]
async fn the_registration_form_and_the_settings_credit_geonames_under_cc_by_4_0_with_links() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let english = app.client().get(app.url("/register")).header("Accept-Language", "en").send().await.unwrap();
    let english = english.text().await.unwrap();

    let russian = app.client().get(app.url("/register")).send().await.unwrap().text().await.unwrap();
    let chat = anna.get("/chat").await.text().await.unwrap();

    for (page, said) in [(&russian, "Данные о городах:"), (&chat, "Данные о городах:"), (&english, "City data:")]
    {
        let credit = city_credit(page);
        assert!(credit.contains(said), "{credit}");
        for (href, text) in
            [("https://www.geonames.org/", "GeoNames"), ("https://creativecommons.org/licenses/by/4.0/", "CC BY 4.0")]
        {
            let link = format!("href=\"{href}\"");
            let at = credit.find(&link).unwrap_or_else(|| panic!("a link to {href}: {credit}"));
            let anchor = &credit[at..at + credit[at..].find("</a>").unwrap()];
            assert!(anchor.ends_with(&format!(">{text}")), "the link to {href} reads {text}: {anchor}");
        }
        assert!(credit.contains("rel=\"license noopener\""), "the licence link is marked as one: {credit}");
    }
}
