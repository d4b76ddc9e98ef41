//! The searches the benchmark asks, by kind: what people type into a chat's search box.

use crate::corpus::{Rng, Words, LEMMAS, PHRASES, RARE};

/// A kind of search, as the report names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One of the most common words (found in a large share of all messages).
    Common,
    /// A word found in about ten messages of a million.
    Rare,
    /// Two words of middling frequency, both required.
    TwoWords,
    /// A quoted set phrase.
    Phrase,
    /// `from:user` and a common word.
    From,
    /// `in:"room"` and a word.
    In,
}

impl Kind {
    pub const ALL: [Kind; 6] = [Kind::Common, Kind::Rare, Kind::TwoWords, Kind::Phrase, Kind::From, Kind::In];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Common => "common word",
            Kind::Rare => "rare word",
            Kind::TwoWords => "two words",
            Kind::Phrase => "phrase",
            Kind::From => "from: + word",
            Kind::In => "in: + word",
        }
    }
}

/// `count` searches, the kinds taking turns, drawn from `seed`.
pub fn searches(count: usize, users: &[String], rooms: &[String], seed: u64) -> Vec<(Kind, String)> {
    let mut rng = Rng::new(seed);
    let words = Words::new();
    let form = |rng: &mut Rng, ranks: std::ops::Range<usize>| -> String {
        let forms = LEMMAS[ranks.start + rng.below(ranks.len())];
        forms[rng.below(forms.len())].to_owned()
    };
    (0..count)
        .map(|n| {
            let kind = Kind::ALL[n % Kind::ALL.len()];
            let q = match kind {
                Kind::Common => form(&mut rng, 0..12),
                Kind::Rare => rng.pick(RARE).to_string(),
                Kind::TwoWords => format!("{} {}", form(&mut rng, 12..60), form(&mut rng, 12..60)),
                Kind::Phrase => format!("\"{}\"", rng.pick(PHRASES)),
                Kind::From => format!("from:{} {}", rng.pick(users), words.word(&mut rng)),
                Kind::In => format!("in:\"{}\" {}", rng.pick(rooms), form(&mut rng, 0..40)),
            };
            (kind, q)
        })
        .collect()
}
