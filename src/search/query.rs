//! A search as a person types it: words (every one must match, in any form: «кошка» finds
//! «кошки»), `"quoted phrases"` (these words in this order, side by side), `from:username` (by
//! that author) and `in:room` (in the room of that name; `in:"общий чат"` when the name has
//! spaces) — plus the paging the API adds (`room_id`, `before`, `limit`).

use super::terms;
use crate::domain::{fold_case, DomainError, MessageId, RoomId};

/// The longest search text, in characters (after trimming).
pub const MAX_CHARS: usize = 200;
/// Results per page unless asked otherwise, and the most a page may hold.
pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 50;

/// Words that must appear side by side, in this order: a quoted phrase, or a single word
/// (one whose inner punctuation splits it, like `e-mail`, is a phrase of its parts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    /// The words folded ([`terms::fold`]) but not stemmed: PostgreSQL stems them itself.
    pub words: Vec<String>,
    /// Their terms ([`terms::term`]), as the SQLite index and the highlighting compare them.
    pub terms: Vec<String>,
}

/// What to look for and which page of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// Every one must match.
    pub phrases: Vec<Phrase>,
    /// `from:`: the case-folded username of the author.
    pub from: Option<String>,
    /// `in:`: the case-folded name of the room.
    pub room_name: Option<String>,
    /// Only this room (the API's `room_id`).
    pub room_id: Option<RoomId>,
    /// Only messages with a smaller id: the next page after a result.
    pub before: Option<MessageId>,
    /// At most this many results, 1 to [`MAX_LIMIT`].
    pub limit: u32,
}

#[derive(Clone, Copy)]
enum Filter {
    From,
    In,
}

impl SearchQuery {
    /// Reads a search text: [`DomainError::SearchEmpty`] when, trimmed, it is empty or says
    /// nothing to look for (no word, no `from:`, no `in:`), [`DomainError::SearchTooLong`]
    /// beyond [`MAX_CHARS`]. An unclosed quote runs to the end; `from:` or `in:` given twice:
    /// the last counts. The newest page of [`DEFAULT_LIMIT`] in every room.
    pub fn parse(raw: &str) -> Result<SearchQuery, DomainError> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(DomainError::SearchEmpty);
        }
        if text.chars().count() > MAX_CHARS {
            return Err(DomainError::SearchTooLong);
        }
        let mut query = SearchQuery {
            phrases: Vec::new(),
            from: None,
            room_name: None,
            room_id: None,
            before: None,
            limit: DEFAULT_LIMIT,
        };
        let mut rest = text;
        loop {
            rest = rest.trim_start();
            if rest.is_empty() {
                break;
            }
            if let Some(after) = rest.strip_prefix('"') {
                let (inside, next) = until_quote(after);
                query.push_phrase(inside);
                rest = next;
            } else if let Some((filter, after)) = filter_prefix(rest) {
                let (value, next) = filter_value(after);
                let value = value.trim();
                match filter {
                    Filter::From => {
                        let name = value.strip_prefix('@').unwrap_or(value);
                        if !name.is_empty() {
                            query.from = Some(fold_case(name));
                        }
                    }
                    Filter::In => {
                        if !value.is_empty() {
                            query.room_name = Some(fold_case(value));
                        }
                    }
                }
                rest = next;
            } else {
                let end = rest.find(|c: char| c.is_whitespace() || c == '"').unwrap_or(rest.len());
                query.push_phrase(&rest[..end]);
                rest = &rest[end..];
            }
        }
        if query.phrases.is_empty() && query.from.is_none() && query.room_name.is_none() {
            return Err(DomainError::SearchEmpty);
        }
        Ok(query)
    }

    /// Adds the words of `text` as one phrase; text without words adds nothing.
    fn push_phrase(&mut self, text: &str) {
        let words: Vec<String> = terms::spans(text).map(|span| terms::fold(&text[span])).collect();
        if words.is_empty() {
            return;
        }
        let terms = words.iter().map(|word| terms::stem(word.clone())).collect();
        self.phrases.push(Phrase { words, terms });
    }
}

/// The text up to the next `"` and what follows it; all of it when the quote is not closed.
fn until_quote(s: &str) -> (&str, &str) {
    match s.find('"') {
        Some(at) => (&s[..at], &s[at + 1..]),
        None => (s, ""),
    }
}

/// `from:` or `in:` (any case) at the start of `s`, and what follows the colon.
fn filter_prefix(s: &str) -> Option<(Filter, &str)> {
    [("from:", Filter::From), ("in:", Filter::In)].into_iter().find_map(|(prefix, filter)| {
        let head = s.get(..prefix.len())?;
        head.eq_ignore_ascii_case(prefix).then_some((filter, &s[prefix.len()..]))
    })
}

/// A filter's value: a quoted string, or everything up to the next space.
fn filter_value(s: &str) -> (&str, &str) {
    if let Some(after) = s.strip_prefix('"') {
        return until_quote(after);
    }
    let end = s.find(char::is_whitespace).unwrap_or(s.len());
    (&s[..end], &s[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phrases(query: &SearchQuery) -> Vec<Vec<&str>> {
        query.phrases.iter().map(|p| p.words.iter().map(String::as_str).collect()).collect()
    }

    #[test]
    fn words_phrases_and_filters_are_told_apart() {
        let query = SearchQuery::parse(r#"  Кошка "чёрный КОТ" from:@Алиса in:"Общий  чат" e-mail "#).unwrap();

        assert_eq!(phrases(&query), [vec!["кошка"], vec!["черный", "кот"], vec!["e", "mail"]]);
        assert_eq!(query.phrases[0].terms, [terms::term("кошки")]);
        assert_eq!(query.from.as_deref(), Some("алиса"));
        assert_eq!(query.room_name.as_deref(), Some("общий  чат"));
        assert_eq!((query.room_id, query.before, query.limit), (None, None, DEFAULT_LIMIT));
    }

    #[test]
    fn a_filter_without_quotes_ends_at_a_space_and_the_last_one_counts() {
        let query = SearchQuery::parse("IN:флуд привет from:bob FROM:carol").unwrap();

        assert_eq!(query.room_name.as_deref(), Some("флуд"));
        assert_eq!(query.from.as_deref(), Some("carol"));
        assert_eq!(phrases(&query), [vec!["привет"]]);
    }

    #[test]
    fn filters_alone_are_a_search_and_an_unclosed_quote_runs_to_the_end() {
        assert!(SearchQuery::parse("from:bob").unwrap().phrases.is_empty());
        assert_eq!(phrases(&SearchQuery::parse(r#"ну "вот и всё"#).unwrap()), [vec!["ну"], vec!["вот", "и", "все"]]);
    }

    #[test]
    fn nothing_to_look_for_is_refused() {
        for empty in ["", "   ", "!!! …", "\"\"", "from:", "in:\"\""] {
            assert_eq!(SearchQuery::parse(empty), Err(DomainError::SearchEmpty), "{empty:?}");
        }
    }

    #[test]
    fn two_hundred_characters_are_the_most() {
        assert!(SearchQuery::parse(&"я".repeat(MAX_CHARS)).is_ok());
        assert!(SearchQuery::parse(&format!("  {}  ", "я".repeat(MAX_CHARS))).is_ok(), "trimmed first");
        assert_eq!(SearchQuery::parse(&"я".repeat(MAX_CHARS + 1)), Err(DomainError::SearchTooLong));
    }
}
