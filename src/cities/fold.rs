//! Folding a city name or a query into the form the index compares: lower case, `ё` as `е`,
//! common Latin diacritics dropped (`é` → `e`), and everything that is not a letter or a digit
//! dropped — spaces, hyphens, dots, apostrophes — so «Санкт-Петербург», «санкт петербург» and
//! «санктпетербург» are one key, as are «Н. Новгород» and «н.новгород». `й` stays `й`: it is a
//! letter of its own in Russian, not a marked `и`.

/// `text` folded (see the module's doc).
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(&mut out, text);
    out
}

/// Appends `text`, folded, to `out` (no allocation beyond `out`'s growth).
pub fn fold_into(out: &mut String, text: &str) {
    for c in text.chars() {
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            }
            continue;
        }
        for lower in c.to_lowercase() {
            match lower {
                'ё' => out.push('е'),
                c if c.is_alphanumeric() => out.push(strip_latin_mark(c)),
                // Separators, punctuation, and combining marks left by a decomposed letter.
                _ => {}
            }
        }
    }
}

/// The base letter of a lower-case Latin letter with a diacritic; any other character as is.
fn strip_latin_mark(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'ď' | 'đ' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => 'g',
        'ĥ' | 'ħ' => 'h',
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => 'i',
        'ĵ' => 'j',
        'ķ' => 'k',
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => 'l',
        'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => 'o',
        'ŕ' | 'ŗ' | 'ř' => 'r',
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => 's',
        'ţ' | 'ť' | 'ŧ' | 'ț' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => 'u',
        'ŵ' => 'w',
        'ý' | 'ÿ' | 'ŷ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn spaces_hyphens_dots_and_apostrophes_are_dropped() {
        assert_eq!(fold("Санкт-Петербург"), "санктпетербург");
        assert_eq!(fold("санкт петербург"), "санктпетербург");
        assert_eq!(fold("  САНКТ — ПЕТЕРБУРГ "), "санктпетербург");
        assert_eq!(fold("Н. Новгород"), "нновгород");
        assert_eq!(fold("L'Aquila"), "laquila");
        assert_eq!(fold("Ho Chi Minh City"), "hochiminhcity");
        assert_eq!(fold("Kam’yanets’"), "kamyanets");
    }

    #[test]
    fn yo_becomes_ye_but_short_i_stays() {
        assert_eq!(fold("Королёв"), "королев");
        assert_eq!(fold("ЁЛКИ"), "елки");
        assert_eq!(fold("Йошкар-Ола"), "йошкарола");
        assert_eq!(fold("Майкоп"), "майкоп");
    }

    #[test]
    fn latin_diacritics_are_folded_to_their_base_letter() {
        assert_eq!(fold("Zürich"), "zurich");
        assert_eq!(fold("Kraków"), "krakow");
        assert_eq!(fold("Łódź"), "lodz");
        assert_eq!(fold("Šiauliai"), "siauliai");
        assert_eq!(fold("İstanbul"), "istanbul");
    }

    #[test]
    fn a_decomposed_letter_loses_its_combining_mark() {
        assert_eq!(fold("Cafe\u{301}"), "cafe");
    }

    #[test]
    fn punctuation_alone_folds_to_nothing() {
        assert_eq!(fold(" - . ' "), "");
        assert_eq!(fold(""), "");
    }
}
