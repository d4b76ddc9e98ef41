//! Mentions: finding the `@username` candidates in a message's text. Which of them are real
//! users is the store's answer (looked up by their case-folded keys when the text is stored).

use crate::domain::{fold_case, Username};

/// Candidates a text holds at most: more `@` than this are not all looked up.
pub const MAX_CANDIDATES: usize = 20;

/// The case-folded usernames `text` may mention, first mention first, each once.
///
/// A mention is `@` not preceded by a letter, digit or username punctuation (so `anna@mail.ru`
/// mentions nobody), followed by a valid username. Trailing `.`, `-` and `_` may be punctuation
/// of the sentence (`@anna.`), so the name without them is a candidate as well.
pub fn candidates(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut push = |name: &str| {
        if found.len() < MAX_CANDIDATES && Username::parse(name).is_ok() {
            let key = fold_case(name);
            if !found.contains(&key) {
                found.push(key);
            }
        }
    };
    let mut prev: Option<char> = None;
    for (at, c) in text.char_indices() {
        if c == '@' && !prev.is_some_and(is_name_char) {
            let rest = &text[at + 1..];
            let end = rest.find(|ch: char| !is_name_char(ch)).unwrap_or(rest.len());
            let name = &rest[..end];
            push(name);
            let trimmed = name.trim_end_matches(['.', '-', '_']);
            if trimmed != name {
                push(trimmed);
            }
        }
        prev = Some(c);
    }
    found
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.')
}

#[cfg(test)]
mod tests {
    use super::candidates;

    #[test]
    fn mentions_are_found_case_folded_once_each_in_order() {
        assert_eq!(candidates("@Anna и @Борис, привет! @anna"), ["anna", "борис"]);
    }

    #[test]
    fn sentence_punctuation_after_a_name_yields_the_name_without_it_too() {
        assert_eq!(candidates("спроси @ivan."), ["ivan.", "ivan"]);
        assert_eq!(candidates("(@maria)"), ["maria"]);
    }

    #[test]
    fn email_addresses_short_names_and_bare_at_signs_mention_nobody() {
        assert!(candidates("anna@mail.ru @ @@ @ab a@b").is_empty());
    }

    #[test]
    fn a_text_full_of_mentions_yields_a_bounded_list() {
        let text: String = (0..100).map(|i| format!("@user{i} ")).collect();
        assert_eq!(candidates(&text).len(), super::MAX_CANDIDATES);
    }
}
