//! Where a user lives: their city as stored (a canonical city of the shipped table, or text as
//! typed), who may see it, and the part of it everyone else is shown.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::City;
use crate::cities::{self, CityId};

/// Who may see a user's city: everyone (`city`, the default), only its country (`country`), or
/// nobody (`hidden`). The user always sees their own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CityPrivacy {
    #[default]
    City,
    Country,
    Hidden,
}

impl CityPrivacy {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            CityPrivacy::City => "city",
            CityPrivacy::Country => "country",
            CityPrivacy::Hidden => "hidden",
        }
    }

    /// A stored value back; anything unknown (written by a newer version, say) hides the city,
    /// so a choice this version does not understand never shows more than was chosen.
    pub fn from_stored(raw: &str) -> CityPrivacy {
        match raw {
            "city" => CityPrivacy::City,
            "country" => CityPrivacy::Country,
            _ => CityPrivacy::Hidden,
        }
    }
}

/// A country as its ISO 3166-1 alpha-2 code (`"RU"`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Country([u8; 2]);

impl Country {
    /// Two ASCII capital letters, else `None`.
    pub fn parse(raw: &str) -> Option<Country> {
        match raw.as_bytes() {
            &[a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => Some(Country([a, b])),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &str {
        // Two ASCII letters, checked when made.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl std::fmt::Debug for Country {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Country {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Country {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Country::parse(&raw).ok_or_else(|| serde::de::Error::custom("a country is two capital letters"))
    }
}

/// A user's city as stored: its name and, when it is a city of the shipped table, its id (the
/// name is then the table's Russian name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Home {
    pub city: City,
    pub city_id: Option<CityId>,
}

impl Home {
    /// A canonical city of the table.
    pub fn canonical(city: &cities::City) -> Home {
        Home { city: City::from_trusted(city.name.to_string()), city_id: Some(city.id) }
    }

    /// The city with this id, `None` when the table has none.
    pub fn by_id(id: CityId) -> Option<Home> {
        cities::table().get(id).map(Home::canonical)
    }

    /// Text as typed: the canonical city when it names one unambiguously (see
    /// [`cities::Cities::link`]), else the text itself.
    pub fn typed(city: City) -> Home {
        match cities::table().link(city.as_str()) {
            Some(found) => Home::canonical(found),
            None => Home { city, city_id: None },
        }
    }

    /// As read back from storage. An id the table no longer has (a city dropped from a newer
    /// table) reads as the stored text.
    pub fn stored(city: String, city_id: Option<i64>) -> Home {
        let city_id =
            city_id.and_then(|id| u32::try_from(id).ok()).map(CityId).filter(|id| cities::table().get(*id).is_some());
        Home { city: City::from_trusted(city), city_id }
    }

    /// The canonical city, when it is one.
    pub fn canonical_city(&self) -> Option<&'static cities::City> {
        self.city_id.and_then(|id| cities::table().get(id))
    }

    pub fn country(&self) -> Option<Country> {
        self.canonical_city().and_then(|c| Country::parse(c.country()))
    }

    pub fn timezone(&self) -> Option<Tz> {
        self.canonical_city().map(|c| c.timezone)
    }
}

/// What others are shown of a user's city under their [`CityPrivacy`]; every field `None` when
/// they hide it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    pub city: Option<City>,
    pub city_id: Option<CityId>,
    pub country: Option<Country>,
    pub timezone: Option<Tz>,
}

impl Place {
    pub fn of(home: &Home, privacy: CityPrivacy) -> Place {
        match privacy {
            CityPrivacy::City => Place {
                city: Some(home.city.clone()),
                city_id: home.city_id,
                country: home.country(),
                timezone: home.timezone(),
            },
            CityPrivacy::Country => Place { country: home.country(), ..Place::default() },
            CityPrivacy::Hidden => Place::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_privacy_level_shows_only_its_part_of_a_canonical_city() {
        let home = Home::by_id(CityId(498817)).expect("Saint Petersburg is in the table");
        assert_eq!(home.city.as_str(), "Санкт-Петербург");
        let city = Place::of(&home, CityPrivacy::City);
        assert_eq!(city.city_id, Some(CityId(498817)));
        assert_eq!(city.country.map(|c| c.as_str().to_owned()).as_deref(), Some("RU"));
        assert_eq!(city.timezone, Some(chrono_tz::Europe::Moscow));
        let country = Place::of(&home, CityPrivacy::Country);
        assert_eq!((country.city, country.city_id, country.timezone), (None, None, None));
        assert_eq!(country.country, city.country);
        assert_eq!(Place::of(&home, CityPrivacy::Hidden), Place::default());
    }

    #[test]
    fn free_text_links_when_unambiguous_and_stays_as_typed_otherwise() {
        let linked = Home::typed(City::parse("Питер").unwrap());
        assert_eq!((linked.city.as_str(), linked.city_id), ("Санкт-Петербург", Some(CityId(498817))));
        let typed = Home::typed(City::parse("Нарния").unwrap());
        assert_eq!((typed.city.as_str(), typed.city_id), ("Нарния", None));
        assert_eq!(Place::of(&typed, CityPrivacy::Country), Place::default());
    }

    #[test]
    fn a_stored_id_the_table_lacks_reads_as_free_text() {
        let home = Home::stored("Атлантида".into(), Some(4_000_000_000_000));
        assert_eq!(home.city_id, None);
        assert_eq!(CityPrivacy::from_stored("friends"), CityPrivacy::Hidden);
        assert_eq!(Country::parse("ru"), None);
    }
}
