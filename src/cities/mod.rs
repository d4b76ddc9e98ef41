//! The canonical city table: every city people can say they live in (GeoNames, see
//! `data/DATA-LICENSE`), embedded in the binary and parsed once ([`table`]); looking a city up
//! by id, searching names by prefix ([`Cities::search`]), linking free text to a city
//! ([`Cities::link`]), the distance between two cities, and a city's local time ([`clock`]).
//!
//! Not to be confused with [`crate::domain::City`], the free text a person types as their city.
//!
//! - [`fold`]: how names and queries are compared (case, `ё`, separators, diacritics).
//! - `index`: the sorted name index behind search and linking.
//! - [`clock`]: local time and quiet hours in a time zone.

pub mod clock;
pub mod fold;
mod index;

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use self::index::{IndexBuilder, NameIndex};

/// A city's GeoNames id: stable across releases of the table, stored with a person's profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CityId(pub u32);

impl std::fmt::Display for CityId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// One canonical city.
#[derive(Debug, Clone)]
pub struct City {
    pub id: CityId,
    /// The Russian name (the English one where GeoNames has none in Russian).
    pub name: Box<str>,
    pub name_en: Box<str>,
    /// ISO 3166 alpha-2, upper case ASCII (see [`City::country`]).
    pub country: [u8; 2],
    pub population: u32,
    /// Degrees north.
    pub lat: f32,
    /// Degrees east.
    pub lon: f32,
    pub timezone: chrono_tz::Tz,
    /// The region (first-level division) in [`Cities`]' region list; see [`Cities::region_name`].
    region: Option<u32>,
}

impl City {
    /// The country code, "RU".
    pub fn country(&self) -> &str {
        // Checked to be two ASCII capitals when parsed.
        std::str::from_utf8(&self.country).unwrap_or("??")
    }

    /// The IANA name of the city's time zone, "Europe/Moscow".
    pub fn timezone_name(&self) -> &'static str {
        self.timezone.name()
    }
}

/// A region's names; either or both may be empty (GeoNames names some regions in neither).
#[derive(Debug, Clone)]
struct Region {
    name_ru: Box<str>,
    name_en: Box<str>,
}

/// The whole table, sorted by id, with its name index.
#[derive(Debug)]
pub struct Cities {
    cities: Vec<City>,
    regions: Vec<Region>,
    index: NameIndex,
}

/// Why the city data could not be read; the embedded data is checked by a unit test, so this
/// only meets data being changed.
#[derive(Debug, thiserror::Error)]
pub enum CitiesError {
    #[error("{file} line 1: the header is not {expected:?}")]
    Header { file: &'static str, expected: &'static str },
    #[error("{file} line {line}: {found} fields, expected {expected}")]
    FieldCount { file: &'static str, line: usize, found: usize, expected: usize },
    #[error("{file} line {line}: {field} {value:?} is not {expected}")]
    Field { file: &'static str, line: usize, field: &'static str, value: String, expected: &'static str },
    #[error("cities.tsv line {line}: id {id} does not follow the previous id (rows go by ascending id)")]
    Order { line: usize, id: u32 },
    #[error("cities.tsv line {line}: region {key:?} is not in regions.tsv")]
    UnknownRegion { line: usize, key: String },
    #[error("regions.tsv line {line}: region {key:?} is listed twice")]
    DuplicateRegion { line: usize, key: String },
}

const CITIES: &str = "cities.tsv";
const REGIONS: &str = "regions.tsv";
const CITIES_HEADER: &str = "id\tname_ru\tname_en\tcountry\tregion\tpopulation\tlat\tlon\ttimezone\taliases";
const REGIONS_HEADER: &str = "key\tname_ru\tname_en";

/// Most answers a search gives.
pub const MAX_SEARCH_LIMIT: usize = 50;
/// Longest query `GET /api/cities` takes, in characters (the longest city name is far shorter).
pub const MAX_QUERY_CHARS: usize = 100;

/// The lines of a TSV file after its header, numbered from 2, or the header's error.
fn rows<'a>(
    file: &'static str,
    text: &'a str,
    header: &'static str,
) -> Result<impl Iterator<Item = (usize, &'a str)>, CitiesError> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, first)) if first == header => {}
        _ => return Err(CitiesError::Header { file, expected: header }),
    }
    Ok(lines.map(|(n, line)| (n + 1, line)).filter(|(_, line)| !line.is_empty()))
}

/// `N` tab-separated fields of a line.
fn fields<'a, const N: usize>(file: &'static str, line: usize, row: &'a str) -> Result<[&'a str; N], CitiesError> {
    let parts: Vec<&str> = row.split('\t').collect();
    <[&str; N]>::try_from(parts.as_slice()).map_err(|_| CitiesError::FieldCount {
        file,
        line,
        found: parts.len(),
        expected: N,
    })
}

impl Cities {
    /// Reads the two TSV files (formats in `data/README.md`): every field checked, time zones
    /// against the IANA database, regions against `regions.tsv`, ids strictly ascending.
    pub fn parse(cities_tsv: &str, regions_tsv: &str) -> Result<Cities, CitiesError> {
        let mut regions = Vec::new();
        let mut region_keys: HashMap<&str, u32> = HashMap::new();
        for (line, row) in rows(REGIONS, regions_tsv, REGIONS_HEADER)? {
            let [key, name_ru, name_en] = fields(REGIONS, line, row)?;
            if region_keys.insert(key, regions.len() as u32).is_some() {
                return Err(CitiesError::DuplicateRegion { line, key: key.to_owned() });
            }
            regions.push(Region { name_ru: name_ru.into(), name_en: name_en.into() });
        }

        let mut cities: Vec<City> = Vec::with_capacity(cities_tsv.len() / 80);
        let mut index = IndexBuilder::default();
        for (line, row) in rows(CITIES, cities_tsv, CITIES_HEADER)? {
            let [id, name_ru, name_en, country, region, population, lat, lon, timezone, aliases] =
                fields(CITIES, line, row)?;
            let bad = |field: &'static str, value: &str, expected: &'static str| CitiesError::Field {
                file: CITIES,
                line,
                field,
                value: value.to_owned(),
                expected,
            };
            let id = CityId(id.parse().map_err(|_| bad("id", id, "a whole number"))?);
            if cities.last().is_some_and(|last| last.id >= id) {
                return Err(CitiesError::Order { line, id: id.0 });
            }
            let name_en = name_en.trim();
            if name_en.is_empty() {
                return Err(bad("name_en", name_en, "a name"));
            }
            // A city GeoNames names only in English keeps that name in Russian too.
            let name = if name_ru.trim().is_empty() { name_en } else { name_ru.trim() };
            let country: [u8; 2] = country
                .as_bytes()
                .try_into()
                .ok()
                .filter(|c: &[u8; 2]| c.iter().all(u8::is_ascii_uppercase))
                .ok_or_else(|| bad("country", country, "two capital letters"))?;
            let region = match region {
                "" => None,
                key => Some(
                    *region_keys.get(key).ok_or_else(|| CitiesError::UnknownRegion { line, key: key.to_owned() })?,
                ),
            };
            let population = population.parse().map_err(|_| bad("population", population, "a whole number"))?;
            let lat = degrees(lat, 90.0).ok_or_else(|| bad("lat", lat, "degrees within ±90"))?;
            let lon = degrees(lon, 180.0).ok_or_else(|| bad("lon", lon, "degrees within ±180"))?;
            let timezone =
                chrono_tz::Tz::from_str(timezone).map_err(|_| bad("timezone", timezone, "an IANA time zone"))?;

            let position = cities.len() as u32;
            index.add(name, position, population);
            index.add(name_en, position, population);
            for alias in aliases.split('|') {
                index.add(alias, position, population);
            }
            cities.push(City {
                id,
                name: name.into(),
                name_en: name_en.into(),
                country,
                population,
                lat,
                lon,
                timezone,
                region,
            });
        }
        cities.shrink_to_fit();
        Ok(Cities { cities, regions, index: index.finish() })
    }

    /// The city with this id.
    pub fn get(&self, id: CityId) -> Option<&City> {
        self.cities.binary_search_by_key(&id, |c| c.id).ok().map(|at| &self.cities[at])
    }

    /// The name of the city's region, in Russian where known, else in English; none when the
    /// city has no region or its region has no name.
    pub fn region_name(&self, city: &City) -> Option<&str> {
        let region = &self.regions[city.region? as usize];
        [&region.name_ru, &region.name_en].into_iter().map(|n| &**n).find(|n| !n.is_empty())
    }

    /// Cities with a name or alias starting with `query` (folded, see [`fold`]): those named
    /// exactly `query` first, then the most populous, then by id; each city once; at most
    /// `limit` (capped at [`MAX_SEARCH_LIMIT`]). A query that folds to nothing finds nothing.
    pub fn search(&self, query: &str, limit: usize) -> Vec<&City> {
        let folded = fold::fold(query);
        let found = self.index.search(&folded, limit.min(MAX_SEARCH_LIMIT));
        found.into_iter().map(|at| &self.cities[at as usize]).collect()
    }

    /// The canonical city that free text names: the only city having a name or alias equal to
    /// it once folded, or, of several, the most populous if it has at least ten times the
    /// people of the next («Moscow» is Москва, not Moscow, Idaho). Otherwise none: the text
    /// stays the person's own words.
    pub fn link(&self, text: &str) -> Option<&City> {
        let folded = fold::fold(text);
        if folded.is_empty() {
            return None;
        }
        index::unambiguous(self.index.exact(&folded)).map(|at| &self.cities[at as usize])
    }

    /// The canonical city that free text names when it names exactly one: the only city having
    /// a name or alias equal to it once folded, whatever the populations of the others
    /// («Moscow» names none: Москва and Moscow, Idaho). The rule for accounts that were kept
    /// as typed, linked without their owner's say (see [`Cities::link`] for text typed now).
    pub fn link_only(&self, text: &str) -> Option<&City> {
        let folded = fold::fold(text);
        if folded.is_empty() {
            return None;
        }
        index::only(self.index.exact(&folded)).map(|at| &self.cities[at as usize])
    }

    /// How many cities there are.
    pub fn len(&self) -> usize {
        self.cities.len()
    }

    /// Whether the table is empty (never, for the embedded one).
    pub fn is_empty(&self) -> bool {
        self.cities.is_empty()
    }

    /// Every city, by ascending id.
    pub fn iter(&self) -> impl Iterator<Item = &City> {
        self.cities.iter()
    }
}

/// A latitude or longitude within ±`max` degrees.
fn degrees(text: &str, max: f32) -> Option<f32> {
    text.parse::<f32>().ok().filter(|d| d.is_finite() && d.abs() <= max)
}

/// The city data compiled into the binary (`data/cities.tsv`).
pub const EMBEDDED_CITIES: &str = include_str!("data/cities.tsv");
/// The region names compiled into the binary (`data/regions.tsv`).
pub const EMBEDDED_REGIONS: &str = include_str!("data/regions.tsv");

/// The embedded table, parsed on first use (the server forces this at start-up).
pub fn table() -> &'static Cities {
    static TABLE: OnceLock<Cities> = OnceLock::new();
    TABLE.get_or_init(|| {
        Cities::parse(EMBEDDED_CITIES, EMBEDDED_REGIONS)
            // A unit test parses the same embedded files, so a release cannot carry broken data.
            .unwrap_or_else(|e| panic!("the embedded city table is broken: {e}"))
    })
}

/// Mean Earth radius (IUGG), km.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// The great-circle distance between two cities in whole kilometres (haversine).
pub fn distance_km(a: &City, b: &City) -> u32 {
    let (lat1, lat2) = (f64::from(a.lat).to_radians(), f64::from(b.lat).to_radians());
    let d_lat = lat2 - lat1;
    let d_lon = (f64::from(b.lon) - f64::from(a.lon)).to_radians();
    let h = (d_lat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (d_lon / 2.0).sin().powi(2);
    let km = 2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin();
    km.round() as u32
}

/// A city as the API shows it (`GET /api/cities`).
#[derive(Debug, Serialize)]
pub struct CityView<'a> {
    pub id: CityId,
    pub name: &'a str,
    pub name_en: &'a str,
    pub country: &'a str,
    /// The region's name, Russian else English; null when unknown.
    pub region: Option<&'a str>,
    pub population: u32,
    pub timezone: &'static str,
}

impl Cities {
    /// `city` as the API shows it.
    pub fn view<'a>(&'a self, city: &'a City) -> CityView<'a> {
        CityView {
            id: city.id,
            name: &city.name,
            name_en: &city.name_en,
            country: city.country(),
            region: self.region_name(city),
            population: city.population,
            timezone: city.timezone_name(),
        }
    }
}

#[cfg(test)]
mod tests;
