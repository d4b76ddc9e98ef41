//! The languages the product speaks and their message catalogues: which language a request is
//! answered in, and the text for a key in that language. The catalogues are the JSON files in
//! `static/i18n/` — the same files the browser loads — compiled into the binary.
//!
//! A catalogue is one flat JSON object: key → text, or key → an object of CLDR plural forms
//! (`one`, `few`, `many`, `other`) chosen by a `count` argument. `{name}` in a text is replaced
//! by the argument of that name. Plural rules come from CLDR (`intl_pluralrules` here,
//! `Intl.PluralRules` in the browser), so both sides pick the same form.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::LazyLock;

use intl_pluralrules::{PluralCategory, PluralRuleType, PluralRules};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A language the UI and the server's answers are available in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// The default: the product's first users speak Russian.
    #[default]
    Ru,
    En,
}

impl Lang {
    /// Every supported language, the default first.
    pub const ALL: [Lang; 2] = [Lang::Ru, Lang::En];

    /// The BCP 47 code (`ru`, `en`), as in `<html lang>`, cookies and the API.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    /// A supported language from its code; any region or script subtag is ignored
    /// (`en-GB` → English), case does not matter.
    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next().unwrap_or_default();
        Lang::ALL.into_iter().find(|lang| lang.code().eq_ignore_ascii_case(primary))
    }

    /// The supported language the browser prefers most, from an `Accept-Language` header
    /// (`en-US,en;q=0.9,ru;q=0.8`): the highest `q` wins, the earlier on a tie; `q=0` and
    /// unsupported languages are skipped; None when nothing supported is asked for.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(Lang, f32)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::parse) else { continue };
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(_, best_q)| q > best_q) {
                best = Some((lang, q));
            }
        }
        best.map(|(lang, _)| lang)
    }

    fn catalogue(self) -> &'static Catalogue {
        &CATALOGUES[self as usize]
    }
}

impl Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// One language's texts, parsed once.
pub struct Catalogue {
    lang: Lang,
    entries: HashMap<String, Entry>,
    plurals: PluralRules,
}

/// A text, or its plural forms by CLDR category name.
enum Entry {
    Text(String),
    Plural(HashMap<String, String>),
}

/// The JSON source of each language's catalogue, served to the browser as well.
pub const SOURCES: [(Lang, &str); 2] =
    [(Lang::Ru, include_str!("../static/i18n/ru.json")), (Lang::En, include_str!("../static/i18n/en.json"))];

static CATALOGUES: LazyLock<[Catalogue; 2]> = LazyLock::new(|| {
    SOURCES.map(|(lang, json)| {
        Catalogue::parse(lang, json).unwrap_or_else(|e| panic!("static/i18n/{lang}.json is broken: {e}"))
    })
});

impl Catalogue {
    /// Parses a catalogue's JSON; an entry must be a string or an object of strings that has
    /// an `other` form.
    pub fn parse(lang: Lang, json: &str) -> Result<Catalogue, String> {
        let raw: HashMap<String, Value> = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let mut entries = HashMap::with_capacity(raw.len());
        for (key, value) in raw {
            let entry = match value {
                Value::String(text) => Entry::Text(text),
                Value::Object(forms) => {
                    let forms: HashMap<String, String> = forms
                        .into_iter()
                        .map(|(k, v)| match v {
                            Value::String(s) => Ok((k, s)),
                            _ => Err(format!("{key}.{k} is not a string")),
                        })
                        .collect::<Result<_, _>>()?;
                    if !forms.contains_key("other") {
                        return Err(format!("{key} has no \"other\" plural form"));
                    }
                    Entry::Plural(forms)
                }
                _ => return Err(format!("{key} is neither a text nor plural forms")),
            };
            entries.insert(key, entry);
        }
        let langid: unic_langid::LanguageIdentifier = lang.code().parse().map_err(|e| format!("{e:?}"))?;
        let plurals = PluralRules::create(langid, PluralRuleType::CARDINAL)?;
        Ok(Catalogue { lang, entries, plurals })
    }

    /// Every key, for checking the catalogues against each other.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// The plural forms a key has (empty for a plain text).
    pub fn plural_forms(&self, key: &str) -> Vec<&str> {
        match self.entries.get(key) {
            Some(Entry::Plural(forms)) => forms.keys().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// The CLDR plural categories this language uses for whole numbers.
    pub fn required_plural_forms(&self) -> &'static [&'static str] {
        match self.lang {
            Lang::Ru => &["one", "few", "many", "other"],
            Lang::En => &["one", "other"],
        }
    }

    fn category(&self, count: i64) -> &'static str {
        match self.plurals.select(count) {
            Ok(PluralCategory::ZERO) => "zero",
            Ok(PluralCategory::ONE) => "one",
            Ok(PluralCategory::TWO) => "two",
            Ok(PluralCategory::FEW) => "few",
            Ok(PluralCategory::MANY) => "many",
            Ok(PluralCategory::OTHER) | Err(_) => "other",
        }
    }

    /// The text for `key` with `args` filled in; a plural entry picks its form by the `count`
    /// argument. A missing key answers the key itself (tests keep that from shipping).
    pub fn text(&self, key: &str, args: &[(&str, &dyn Display)]) -> String {
        let template = match self.entries.get(key) {
            Some(Entry::Text(text)) => text.as_str(),
            Some(Entry::Plural(forms)) => {
                let count = args
                    .iter()
                    .find(|(name, _)| *name == "count")
                    .and_then(|(_, v)| v.to_string().parse::<i64>().ok())
                    .unwrap_or(0);
                forms.get(self.category(count)).or_else(|| forms.get("other")).map(String::as_str).unwrap_or(key)
            }
            None => {
                tracing::warn!(%key, lang = %self.lang, "missing catalogue key");
                key
            }
        };
        fill(template, args)
    }
}

/// Replaces each `{name}` with its argument; unknown placeholders stay as written.
fn fill(template: &str, args: &[(&str, &dyn Display)]) -> String {
    if args.is_empty() || !template.contains('{') {
        return template.to_owned();
    }
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                match args.iter().find(|(n, _)| *n == name) {
                    Some((_, value)) => out.push_str(&value.to_string()),
                    None => out.push_str(&rest[start..start + end + 2]),
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The catalogue of a language.
pub fn catalogue(lang: Lang) -> &'static Catalogue {
    lang.catalogue()
}

/// The text for `key` in `lang`, with no arguments.
pub fn t(lang: Lang, key: &str) -> String {
    lang.catalogue().text(key, &[])
}

/// The text for `key` in `lang` with arguments (`count` chooses a plural form).
pub fn tf(lang: Lang, key: &str, args: &[(&str, &dyn Display)]) -> String {
    lang.catalogue().text(key, args)
}

/// Tera's `t(key="…", …)` function for one language: the key's text, other arguments filled
/// into its placeholders (`count` chooses a plural form). Unknown keys fail the render, so a
/// template cannot ship a key no catalogue has.
pub fn tera_function(lang: Lang) -> impl tera::Function {
    move |args: &HashMap<String, Value>| -> tera::Result<Value> {
        let key = args.get("key").and_then(Value::as_str).ok_or("t() needs key=\"…\"")?;
        if !lang.catalogue().entries.contains_key(key) {
            return Err(tera::Error::msg(format!("no catalogue has the key {key:?} in {lang}")));
        }
        let values: Vec<(&str, String)> = args
            .iter()
            .filter(|(name, _)| name.as_str() != "key")
            .map(|(name, v)| (name.as_str(), v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())))
            .collect();
        let dyn_args: Vec<(&str, &dyn Display)> = values.iter().map(|(n, v)| (*n, v as &dyn Display)).collect();
        Ok(Value::String(lang.catalogue().text(key, &dyn_args)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_language_is_read_from_its_code_whatever_the_region_or_case() {
        assert_eq!(Lang::parse("ru"), Some(Lang::Ru));
        assert_eq!(Lang::parse("EN-gb"), Some(Lang::En));
        assert_eq!(Lang::parse("en_US"), Some(Lang::En));
        assert_eq!(Lang::parse("de"), None);
        assert_eq!(Lang::parse(""), None);
    }

    #[test]
    fn accept_language_picks_the_most_wanted_supported_language() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9,ru;q=0.8"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("de-DE,de;q=0.9,ru;q=0.5,en;q=0.4"), Some(Lang::Ru));
        assert_eq!(Lang::from_accept_language("ru;q=0.3, en;q=0.7"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("en;q=0, ru;q=0.1"), Some(Lang::Ru));
        assert_eq!(Lang::from_accept_language("fr, de"), None);
        assert_eq!(Lang::from_accept_language(""), None);
    }

    #[test]
    fn russian_plurals_take_all_three_forms() {
        let ru = Catalogue::parse(
            Lang::Ru,
            r#"{"n": {"one": "{count} сообщение", "few": "{count} сообщения", "many": "{count} сообщений", "other": "{count} сообщения"}}"#,
        )
        .unwrap();
        let say = |n: i64| ru.text("n", &[("count", &n)]);
        assert_eq!(say(1), "1 сообщение");
        assert_eq!(say(2), "2 сообщения");
        assert_eq!(say(5), "5 сообщений");
        assert_eq!(say(11), "11 сообщений");
        assert_eq!(say(21), "21 сообщение");
        assert_eq!(say(22), "22 сообщения");
        assert_eq!(say(0), "0 сообщений");
    }

    #[test]
    fn english_plurals_take_one_and_other() {
        let en =
            Catalogue::parse(Lang::En, r#"{"n": {"one": "{count} message", "other": "{count} messages"}}"#).unwrap();
        assert_eq!(en.text("n", &[("count", &1)]), "1 message");
        assert_eq!(en.text("n", &[("count", &2)]), "2 messages");
        assert_eq!(en.text("n", &[("count", &0)]), "0 messages");
    }

    #[test]
    fn placeholders_are_filled_and_unknown_ones_stay() {
        assert_eq!(fill("Комнаты {room} нет", &[("room", &7)]), "Комнаты 7 нет");
        assert_eq!(fill("{a} and {b}", &[("a", &"x")]), "x and {b}");
        assert_eq!(fill("no closing {brace", &[("brace", &1)]), "no closing {brace");
    }

    #[test]
    fn a_plural_entry_without_other_is_refused() {
        assert!(Catalogue::parse(Lang::En, r#"{"n": {"one": "x"}}"#).is_err());
        assert!(Catalogue::parse(Lang::En, r#"{"n": 3}"#).is_err());
    }

    #[test]
    fn both_shipped_catalogues_parse_and_have_the_same_keys() {
        let ru: std::collections::BTreeSet<_> = catalogue(Lang::Ru).keys().collect();
        let en: std::collections::BTreeSet<_> = catalogue(Lang::En).keys().collect();
        let only_ru: Vec<_> = ru.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&ru).collect();
        assert!(only_ru.is_empty() && only_en.is_empty(), "only in ru: {only_ru:?}; only in en: {only_en:?}");
    }

    #[test]
    fn every_plural_entry_has_the_forms_its_language_needs() {
        for lang in Lang::ALL {
            let cat = catalogue(lang);
            for key in cat.keys() {
                let forms = cat.plural_forms(key);
                if forms.is_empty() {
                    continue;
                }
                for needed in cat.required_plural_forms() {
                    assert!(forms.contains(needed), "{lang}: {key} lacks the plural form {needed}");
                }
            }
        }
    }
}
