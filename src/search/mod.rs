//! Message search as text: how a message's words become search terms ([`terms`]), what a
//! person's search says ([`query`]: words, `"phrases"`, `from:`, `in:`), and the excerpt of a
//! found message with its matches marked ([`highlight`]). Pure functions, no storage: the store
//! indexes and queries with them (`store::*::search`), the chat answers with them
//! (`chat::search`).

pub mod highlight;
pub mod query;
pub mod terms;

pub use highlight::{highlight, Highlight};
pub use query::{Phrase, SearchQuery};
