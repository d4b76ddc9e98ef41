//! Reaction emoji: what counts as one emoji (exactly one entry of Unicode's emoji list, skin
//! tones and ZWJ sequences included) and the one spelling each is stored under.

/// One emoji, in its fully-qualified form (with U+FE0F where Unicode asks for it), so "❤" and
/// "❤️" are the same reaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emoji(&'static str);

impl Emoji {
    /// The emoji `raw` is, if it is exactly one. Leading or trailing spaces, two emoji, text,
    /// a lone skin-tone modifier or a bare ZWJ are not one emoji.
    pub fn parse(raw: &str) -> Option<Emoji> {
        // Longer than any emoji sequence (the longest are family ZWJ sequences with skin tones).
        if raw.is_empty() || raw.len() > 64 {
            return None;
        }
        if let Some(e) = emojis::get(raw) {
            return Some(Emoji(e.as_str()));
        }
        // Without its variation selectors: "❤" for "❤️", or a selector too many.
        let bare: String = raw.chars().filter(|&c| c != '\u{fe0f}').collect();
        emojis::get(&bare).map(|e| Emoji(e.as_str())).or_else(|| {
            emojis::iter()
                .flat_map(|e| e.skin_tones().into_iter().flatten().chain(std::iter::once(e)))
                .find(|e| e.as_str().chars().filter(|&c| c != '\u{fe0f}').eq(bare.chars()))
                .map(|e| Emoji(e.as_str()))
        })
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Emoji;

    #[test]
    fn single_emoji_are_accepted_with_skin_tones_and_zwj_sequences() {
        for ok in ["👍", "👍🏽", "❤️", "🏳️‍🌈", "👨‍👩‍👧‍👦", "🧑🏿‍💻", "🇷🇺", "1️⃣", "😀"]
        {
            assert_eq!(Emoji::parse(ok).map(|e| e.as_str()), Some(ok), "{ok}");
        }
    }

    #[test]
    fn a_missing_variation_selector_reads_as_the_fully_qualified_emoji() {
        assert_eq!(Emoji::parse("\u{2764}").unwrap().as_str(), "\u{2764}\u{fe0f}");
        assert_eq!(Emoji::parse("\u{2764}").unwrap(), Emoji::parse("❤️").unwrap());
    }

    #[test]
    fn text_several_emoji_and_fragments_are_refused() {
        let too_long = "👍".repeat(20);
        for bad in
            ["", " ", "a", "ok", "👍👍", " 👍", "👍 ", "👍a", "\u{1f3fd}", "\u{200d}", "<b>", "🇷", too_long.as_str()]
        {
            assert!(Emoji::parse(bad).is_none(), "{bad:?}");
        }
    }
}
