//! The excerpt a search result shows: at most [`EXCERPT_CHARS`] characters of the message
//! around its first match, as plain text, with the spans that matched as offsets — never
//! markup, so a client renders it with text nodes and marks of its own.

use serde::Serialize;

use super::query::SearchQuery;
use super::terms;

/// The longest excerpt, in characters, not counting the «…» that mark a cut.
pub const EXCERPT_CHARS: usize = 160;
/// About how many characters of context an excerpt keeps before the first match.
const CONTEXT_BEFORE: usize = 40;
/// What stands for the text cut off before or after an excerpt.
const ELLIPSIS: char = '…';

/// A result's excerpt and where the search matched in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Highlight {
    /// Plain text: the message, or the part of it around the first match with `…` where it was
    /// cut; line breaks and tabs become spaces.
    pub text: String,
    /// `[start, end)` of each match in `text`, in UTF-16 code units (what JavaScript's `slice`
    /// takes), in order and not overlapping.
    pub matches: Vec<[usize; 2]>,
}

/// The excerpt of `content` for `query`: a word matches when its term equals the term of a
/// searched word; a phrase when its words' terms follow each other in order.
pub fn highlight(content: &str, query: &SearchQuery) -> Highlight {
    let words: Vec<terms::Word> = terms::words(content).collect();
    let mut found: Vec<(usize, usize)> = Vec::new();
    for phrase in &query.phrases {
        let n = phrase.terms.len();
        for run in words.windows(n) {
            if run.iter().zip(&phrase.terms).all(|(word, term)| &word.term == term) {
                found.push((run[0].span.start, run[n - 1].span.end));
            }
        }
    }
    found.sort_unstable();
    let mut spans: Vec<(usize, usize)> = Vec::with_capacity(found.len());
    for (start, end) in found {
        match spans.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => spans.push((start, end)),
        }
    }

    let (from, to) = window(content, spans.first().map(|s| s.0));
    let mut text = String::with_capacity(to - from + 8);
    if from > 0 {
        text.push(ELLIPSIS);
    }
    text.extend(content[from..to].chars().map(|c| if matches!(c, '\n' | '\r' | '\t') { ' ' } else { c }));
    if to < content.len() {
        text.push(ELLIPSIS);
    }
    let lead = usize::from(from > 0); // «…» is one UTF-16 unit
    let at = |byte: usize| lead + utf16_len(&content[from..byte]);
    let matches = spans
        .into_iter()
        .filter(|&(start, end)| start < to && end > from)
        .map(|(start, end)| [at(start.max(from)), at(end.min(to))])
        .collect();
    Highlight { text, matches }
}

/// The byte range of `content` an excerpt shows: all of it when short enough; otherwise
/// [`EXCERPT_CHARS`] characters starting a little before `first_match` (at a word's start),
/// ending at a space when one is near.
fn window(content: &str, first_match: Option<usize>) -> (usize, usize) {
    let boundaries: Vec<usize> = content.char_indices().map(|(at, _)| at).chain([content.len()]).collect();
    let chars = boundaries.len() - 1;
    if chars <= EXCERPT_CHARS {
        return (0, content.len());
    }
    let match_char = first_match.map_or(0, |byte| boundaries.partition_point(|&b| b < byte));
    let mut start = match_char.saturating_sub(CONTEXT_BEFORE).min(chars - EXCERPT_CHARS);
    // Start at a word rather than inside one, unless that would skip the match.
    if start > 0 {
        let is_word_at = |i: usize| content[boundaries[i]..].chars().next().is_some_and(terms::is_word_char);
        while start < match_char && is_word_at(start) && is_word_at(start - 1) {
            start += 1;
        }
        while start < match_char && content[boundaries[start]..].starts_with(char::is_whitespace) {
            start += 1;
        }
    }
    let mut end = (start + EXCERPT_CHARS).min(chars);
    if end < chars {
        // Cut at the last space of the window's final quarter, if there is one.
        let space = (end - EXCERPT_CHARS / 4..end)
            .rev()
            .find(|&i| content[boundaries[i]..].chars().next().is_some_and(char::is_whitespace));
        if let Some(space) = space.filter(|&s| s > match_char) {
            end = space;
        }
    }
    (boundaries[start], boundaries[end])
}

fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(h: &Highlight) -> Vec<String> {
        let units: Vec<u16> = h.text.encode_utf16().collect();
        h.matches.iter().map(|[s, e]| String::from_utf16(&units[*s..*e]).unwrap()).collect()
    }

    fn query(q: &str) -> SearchQuery {
        SearchQuery::parse(q).unwrap()
    }

    #[test]
    fn every_form_of_a_searched_word_is_marked_in_a_short_message() {
        let h = highlight("Кошки спят, а кошка ест.\nЁж тоже", &query("кошкой ежи"));

        assert_eq!(h.text, "Кошки спят, а кошка ест. Ёж тоже");
        assert_eq!(marked(&h), ["Кошки", "кошка", "Ёж"]);
    }

    #[test]
    fn a_phrase_is_marked_whole_and_only_where_its_words_follow_each_other() {
        let h = highlight("чёрная собака, чёрная кошка и кошка", &query(r#""черные кошки""#));

        assert_eq!(marked(&h), ["чёрная кошка"]);
    }

    #[test]
    fn offsets_count_utf16_units_so_emoji_before_a_match_count_twice() {
        let h = highlight("😀 cats", &query("cat"));

        assert_eq!(h.matches, [[3, 7]]);
    }

    #[test]
    fn a_long_message_is_cut_around_its_first_match_at_word_boundaries() {
        let content = format!("{} нужное слово {}", "начало ".repeat(40), "конец ".repeat(40));
        let h = highlight(&content, &query("нужное"));

        assert!(h.text.starts_with('…') && h.text.ends_with('…'), "{}", h.text);
        assert!(h.text.chars().count() <= EXCERPT_CHARS + 2);
        assert!(h.text.starts_with("…начало"), "starts at a word: {}", h.text);
        assert!(h.text.trim_end_matches('…').ends_with("конец"), "ends after a word: {}", h.text);
        assert_eq!(marked(&h), ["нужное"]);
    }

    #[test]
    fn markup_in_a_message_stays_plain_text() {
        let h = highlight("<b>жирный</b> текст", &query("жирный"));

        assert_eq!(h.text, "<b>жирный</b> текст");
        assert_eq!(marked(&h), ["жирный"]);
    }

    #[test]
    fn without_words_to_match_the_excerpt_is_the_start() {
        let content = "слово ".repeat(60);
        let h = highlight(&content, &query("from:alice"));

        assert!(h.text.starts_with("слово") && h.text.ends_with('…'));
        assert_eq!(h.matches, Vec::<[usize; 2]>::new());
    }
}
