//! The name index: every city's Russian and English names and aliases, folded
//! ([`super::fold`]), in one sorted list searched by binary search — by prefix for
//! [`Cities::search`](super::Cities::search), exactly for [`Cities::link`](super::Cities::link).
//! The folded keys live in one string (an arena), so the index is two allocations however many
//! names there are, and a search allocates only its folded query and its answer.

use std::cmp::Ordering;
use std::ops::Range;

/// One name of one city.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Where the folded key starts in the arena (bytes).
    start: u32,
    /// The folded key's length in bytes.
    len: u32,
    /// The city's position in the table (the table is sorted by id, so this orders as ids do).
    city: u32,
    /// The city's population, kept beside the key so ranking never leaves the index.
    population: u32,
}

/// The sorted, deduplicated (key, city) list.
#[derive(Debug, Default)]
pub(super) struct NameIndex {
    arena: String,
    entries: Vec<Entry>,
}

/// Adds names while the table is parsed; [`IndexBuilder::finish`] sorts them.
#[derive(Debug, Default)]
pub(super) struct IndexBuilder {
    arena: String,
    entries: Vec<Entry>,
}

impl IndexBuilder {
    /// Adds `name` as a key of the city at `city` (its position in the table). Names that fold
    /// to nothing are not keys.
    pub(super) fn add(&mut self, name: &str, city: u32, population: u32) {
        let start = self.arena.len();
        super::fold::fold_into(&mut self.arena, name);
        let len = self.arena.len() - start;
        if len > 0 {
            self.entries.push(Entry { start: start as u32, len: len as u32, city, population });
        }
    }

    /// The index: keys in byte order (then by city), each (key, city) pair once.
    pub(super) fn finish(self) -> NameIndex {
        let IndexBuilder { arena, mut entries } = self;
        let key = |e: &Entry| &arena.as_bytes()[e.start as usize..(e.start + e.len) as usize];
        entries.sort_unstable_by(|a, b| key(a).cmp(key(b)).then(a.city.cmp(&b.city)));
        entries.dedup_by(|b, a| a.city == b.city && key(a) == key(b));
        entries.shrink_to_fit();
        NameIndex { arena, entries }
    }
}

/// A candidate's place in the answer, packed so that smaller is better: exact keys first, then
/// the more populous, then the smaller id (bit 63: not exact; bits 31–62: population, inverted;
/// bits 0–30: the city's position).
type Rank = u64;

const CITY_BITS: u32 = 31;
const CITY_MASK: u64 = (1 << CITY_BITS) - 1;

fn rank(exact: bool, population: u32, city: u32) -> Rank {
    (u64::from(!exact) << 63) | (u64::from(u32::MAX - population) << CITY_BITS) | (u64::from(city) & CITY_MASK)
}

impl NameIndex {
    fn key(&self, e: &Entry) -> &[u8] {
        &self.arena.as_bytes()[e.start as usize..(e.start + e.len) as usize]
    }

    /// The entries whose key starts with `prefix` (folded): one contiguous run, exact key first.
    fn prefixed(&self, prefix: &[u8]) -> Range<usize> {
        let start = self.entries.partition_point(|e| self.key(e) < prefix);
        let end = start + self.entries[start..].partition_point(|e| self.key(e).starts_with(prefix));
        start..end
    }

    /// The positions of the `limit` best cities having a key that starts with `folded`
    /// (see [`Rank`]), each city once. A bounded selection: with a one-letter query thousands
    /// of keys match, and each costs one comparison against the worst kept so far.
    pub(super) fn search(&self, folded: &str, limit: usize) -> Vec<u32> {
        if folded.is_empty() || limit == 0 {
            return Vec::new();
        }
        let mut best: Vec<Rank> = Vec::with_capacity(limit + 1);
        for e in &self.entries[self.prefixed(folded.as_bytes())] {
            let candidate = rank(e.len as usize == folded.len(), e.population, e.city);
            if best.len() == limit && best.last().is_some_and(|&worst| candidate >= worst) {
                continue;
            }
            // A city has several keys (names, aliases): keep its best one.
            if let Some(kept) = best.iter().position(|&r| r & CITY_MASK == u64::from(e.city)) {
                if candidate >= best[kept] {
                    continue;
                }
                best.remove(kept);
            }
            let at = best.partition_point(|&r| r < candidate);
            best.insert(at, candidate);
            best.truncate(limit);
        }
        best.into_iter().map(|r| (r & CITY_MASK) as u32).collect()
    }

    /// The cities (positions, with their population) having exactly the key `folded`.
    pub(super) fn exact(&self, folded: &str) -> impl Iterator<Item = (u32, u32)> + '_ {
        let range = self.prefixed(folded.as_bytes());
        let exact = self.entries[range.clone()]
            .iter()
            .position(|e| e.len as usize != folded.len())
            .map_or(range.end, |n| range.start + n);
        self.entries[range.start..exact].iter().map(|e| (e.city, e.population))
    }
}

/// The one city that free text names, among `matches` (position, population): the only one,
/// or the most populous when it has at least ten times the people of the next.
pub(super) fn unambiguous(matches: impl Iterator<Item = (u32, u32)>) -> Option<u32> {
    // (population, position), the largest first; on equal population the smaller id.
    let order = |a: &(u32, u32), b: &(u32, u32)| b.1.cmp(&a.1).then(a.0.cmp(&b.0));
    let mut first: Option<(u32, u32)> = None;
    let mut second: Option<(u32, u32)> = None;
    for m in matches {
        if first.is_none_or(|f| order(&m, &f) == Ordering::Less) {
            second = first;
            first = Some(m);
        } else if second.is_none_or(|s| order(&m, &s) == Ordering::Less) {
            second = Some(m);
        }
    }
    let (city, population) = first?;
    match second {
        None => Some(city),
        Some((_, next)) if population > 0 && u64::from(population) >= 10 * u64::from(next) => Some(city),
        Some(_) => None,
    }
}

/// The one city among `matches` (position, population) when there is exactly one.
pub(super) fn only(mut matches: impl Iterator<Item = (u32, u32)>) -> Option<u32> {
    let (city, _) = matches.next()?;
    // Each (key, city) pair is in the index once, so a second entry is another city.
    matches.next().is_none().then_some(city)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(names: &[(&str, u32, u32)]) -> NameIndex {
        let mut b = IndexBuilder::default();
        for &(name, city, population) in names {
            b.add(name, city, population);
        }
        b.finish()
    }

    #[test]
    fn a_prefix_finds_each_city_once_most_populous_first() {
        let i = index(&[("Москва", 0, 1000), ("Мск", 0, 1000), ("Мурманск", 1, 300), ("Майкоп", 2, 100)]);
        assert_eq!(i.search("м", 10), vec![0, 1, 2]);
        assert_eq!(i.search("м", 2), vec![0, 1]);
        assert_eq!(i.search("мс", 10), vec![0]);
        assert!(i.search("я", 10).is_empty());
    }

    #[test]
    fn an_exact_key_comes_before_a_more_populous_prefix_match() {
        let i = index(&[("Ростов-на-Дону", 0, 1000), ("Ростов", 1, 30), ("Ростов", 0, 1000)]);
        assert_eq!(i.search("ростов", 10), vec![0, 1], "both exact: by population");
        let i = index(&[("Ростов-на-Дону", 0, 1000), ("Ростов", 1, 30)]);
        assert_eq!(i.search("ростов", 10), vec![1, 0]);
    }

    #[test]
    fn equal_population_is_ordered_by_id() {
        let i = index(&[("Beta", 3, 10), ("Bravo", 1, 10), ("Bee", 2, 10)]);
        assert_eq!(i.search("b", 10), vec![1, 2, 3]);
    }

    #[test]
    fn a_city_with_several_matching_keys_takes_one_place_at_its_best_rank() {
        let i = index(&[("Abcd", 0, 5), ("Abc", 0, 5), ("Abcde", 0, 5), ("Abcdef", 1, 50)]);
        assert_eq!(i.search("abc", 2), vec![0, 1]);
        assert_eq!(i.search("abcd", 2), vec![0, 1]);
        assert_eq!(i.search("abcde", 2), vec![0, 1]);
        assert_eq!(i.search("abcdef", 2), vec![1]);
    }

    #[test]
    fn free_text_links_only_to_a_clear_winner() {
        assert_eq!(unambiguous([(4, 7)].into_iter()), Some(4));
        assert_eq!(unambiguous([(1, 25_000), (0, 12_000_000)].into_iter()), Some(0));
        assert_eq!(unambiguous([(0, 100), (1, 10)].into_iter()), Some(0), "exactly ten times is enough");
        assert_eq!(unambiguous([(0, 100), (1, 11)].into_iter()), None);
        assert_eq!(unambiguous([(0, 0), (1, 0)].into_iter()), None);
        assert_eq!(unambiguous([].into_iter()), None);
    }

    #[test]
    fn the_strict_rule_links_only_the_one_city_of_a_name() {
        assert_eq!(only([(4, 7)].into_iter()), Some(4));
        assert_eq!(only([(1, 25_000), (0, 12_000_000)].into_iter()), None, "a clear winner is not enough");
        assert_eq!(only([].into_iter()), None);
    }
}
