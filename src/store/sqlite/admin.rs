//! The operator's reads in SQLite: `AdminStore`.

use super::rows::{internal, time};
use super::SqliteStore;
use crate::domain::{MessageId, RoomId, UserId};
use crate::store::admin::{AdminStore, RoomSummary, SummaryKind, MESSAGE_IDS_OF_SQL, ROOM_SUMMARIES_SQL};
use crate::store::StoreError;

impl AdminStore for SqliteStore {
    fn message_ids_of(&self, user: UserId) -> Result<Vec<MessageId>, StoreError> {
        let conn = self.conn()?;
        // SQLite reads `$1` as the first parameter too.
        conn.prepare(MESSAGE_IDS_OF_SQL)
            .and_then(|mut s| s.query_map([user.0], |r| r.get(0).map(MessageId))?.collect())
            .map_err(internal)
    }

    fn room_summaries(&self) -> Result<Vec<RoomSummary>, StoreError> {
        let conn = self.conn()?;
        conn.prepare(ROOM_SUMMARIES_SQL)
            .and_then(|mut s| {
                s.query_map([], |r| {
                    let (members, messages): (i64, i64) = (r.get(4)?, r.get(5)?);
                    Ok(RoomSummary {
                        id: RoomId(r.get(0)?),
                        name: r.get(1)?,
                        kind: SummaryKind::of(r.get(2)?, r.get(3)?),
                        members: members.unsigned_abs(),
                        messages: messages.unsigned_abs(),
                        last_message_at: r.get::<_, Option<i64>>(6)?.map(time),
                    })
                })?
                .collect()
            })
            .map_err(internal)
    }
}
