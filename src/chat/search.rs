//! Searching messages: `GET /api/search` as a chat operation — read the search text, check
//! the caller and the room, and find the newest matching messages with their excerpts.

use serde::Serialize;

use super::ChatError;
use crate::domain::{Message, MessageId, RoomId};
use crate::search::query::MAX_LIMIT;
use crate::search::{Highlight, SearchQuery};
use crate::state::AppState;

/// A search as asked.
#[derive(Debug, Default)]
pub struct Search {
    /// The search text (see [`SearchQuery::parse`]).
    pub q: String,
    /// Only this room; it must exist.
    pub room_id: Option<RoomId>,
    /// Only messages older than this one: the next page.
    pub before: Option<MessageId>,
    /// At least 1; more than [`MAX_LIMIT`] gives [`MAX_LIMIT`]; the default without it.
    pub limit: Option<u64>,
}

/// One result: the message as everywhere else, and its excerpt.
#[derive(Debug, Clone, Serialize)]
pub struct Found {
    #[serde(flatten)]
    pub message: Message,
    pub highlight: Highlight,
}

/// The newest messages matching a search, newest first, for the holder of a session (its
/// stored hash). The session, the room and the search are one store call, like a history page.
pub async fn search(state: &AppState, session_hash: String, search: Search) -> Result<Vec<Found>, ChatError> {
    let mut query = SearchQuery::parse(&search.q)?;
    query.limit = match search.limit {
        None => query.limit,
        Some(0) => return Err(ChatError::BadLimit),
        Some(n) => n.min(u64::from(MAX_LIMIT)) as u32,
    };
    query.room_id = search.room_id;
    query.before = search.before;
    let lifetime = state.config.sessions;
    state
        .db
        .call(move |s| {
            let viewer = match super::reader(s, &session_hash, &lifetime)? {
                Ok(viewer) => viewer,
                Err(refused) => return Ok(Err(refused)),
            };
            if let Some(room) = query.room_id {
                if !s.get_room(room)?.is_some_and(|r| r.visible_to(viewer)) {
                    return Ok(Err(ChatError::RoomNotFound(room)));
                }
            }
            let found = s.search(&query, viewer)?;
            Ok(Ok(found.into_iter().map(|(message, highlight)| Found { message, highlight }).collect()))
        })
        .await?
}
