//! The words of a text as search sees them: runs of letters and digits, folded (Unicode lower
//! case, «ё» read as «е») and stemmed with Snowball — Russian for Cyrillic words, English for
//! Latin ones — so «Кошки», «кошкой» and «КОШКА» are all the term «кошк», and "Cats" is "cat".
//! The SQLite index, the parsed query and the highlighting all take their terms from here, so
//! they agree on every one. (PostgreSQL stems with its own Snowball dictionaries of the same
//! two languages, configured in its migration to split and fold words the same way.)

use std::ops::Range;
use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};

static RUSSIAN: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::Russian));
static ENGLISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// One word of a text: where it is and its search term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Byte range of the word in the text.
    pub span: Range<usize>,
    /// The folded, stemmed word.
    pub term: String,
}

/// Whether `c` belongs to a word: letters and digits of any script. Everything else
/// (spaces, punctuation, symbols, emoji) separates words.
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Byte ranges of the words of `text`, in order.
pub fn spans(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let (start, _) = chars.by_ref().find(|(_, c)| is_word_char(*c))?;
        let mut end = text.len();
        while let Some(&(at, c)) = chars.peek() {
            if !is_word_char(c) {
                end = at;
                break;
            }
            chars.next();
        }
        Some(start..end)
    })
}

/// The words of `text` with their terms, in order.
pub fn words(text: &str) -> impl Iterator<Item = Word> + '_ {
    spans(text).map(|span| Word { term: term(&text[span.clone()]), span })
}

/// A word in lower case with «ё» as «е»: what a term is before stemming.
pub fn fold(word: &str) -> String {
    word.to_lowercase().replace('ё', "е")
}

/// The search term of one word (a run of [`is_word_char`]s): folded, then stemmed by its
/// script. Words mixing scripts or holding digits are only folded.
pub fn term(word: &str) -> String {
    stem(fold(word))
}

/// Stems a folded word by its script.
pub fn stem(folded: String) -> String {
    if folded.chars().all(|c| ('\u{0400}'..='\u{04FF}').contains(&c) && c.is_alphabetic()) {
        RUSSIAN.stem(&folded).into_owned()
    } else if folded.chars().all(|c| c.is_ascii_alphabetic()) {
        ENGLISH.stem(&folded).into_owned()
    } else {
        folded
    }
}

/// The terms of `text` separated by single spaces: what the SQLite index keeps of a message.
pub fn terms_line(text: &str) -> String {
    let mut line = String::with_capacity(text.len());
    for word in words(text) {
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word.term);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        words(text).map(|w| w.term).collect()
    }

    #[test]
    fn russian_word_forms_share_one_term() {
        let forms = terms("кошка кошки кошкой Кошке КОШКУ");
        assert!(forms.iter().all(|t| t == &forms[0]), "{forms:?}");
    }

    #[test]
    fn yo_and_ye_are_one_letter_in_either_case() {
        assert_eq!(term("Ёлка"), term("елка"));
        assert_eq!(term("ЕЛКИ"), term("ёлки"));
        assert_eq!(term("всё"), term("все"));
    }

    #[test]
    fn english_words_are_stemmed_in_english() {
        assert_eq!(term("Cats"), "cat");
        assert_eq!(term("running"), term("runs"));
    }

    #[test]
    fn words_are_runs_of_letters_and_digits_with_their_byte_spans() {
        let text = "«Привет», bob@example.com — e-mail 2026!";
        let found: Vec<&str> = spans(text).map(|s| &text[s]).collect();
        assert_eq!(found, ["Привет", "bob", "example", "com", "e", "mail", "2026"]);
    }

    #[test]
    fn mixed_words_are_folded_but_not_stemmed() {
        assert_eq!(term("COVID19"), "covid19");
        assert_eq!(term("ДомA"), "домa");
    }

    #[test]
    fn the_index_line_is_the_terms_in_order() {
        assert_eq!(terms_line("  Чёрные кошки!  "), format!("{} {}", term("черные"), term("кошки")));
        assert_eq!(terms_line("!!! …"), "");
    }
}
