//! The operator's reads in PostgreSQL: `AdminStore`.

use chrono::{DateTime, Utc};

use super::connect::internal;
use super::PostgresStore;
use crate::domain::{MessageId, RoomId, UserId};
use crate::store::admin::{AdminStore, RoomSummary, SummaryKind, MESSAGE_IDS_OF_SQL, ROOM_SUMMARIES_SQL};
use crate::store::StoreError;

impl AdminStore for PostgresStore {
    fn message_ids_of(&self, user: UserId) -> Result<Vec<MessageId>, StoreError> {
        let mut conn = self.connection()?;
        let rows = conn.client().query(MESSAGE_IDS_OF_SQL, &[&user.0]).map_err(internal)?;
        rows.iter().map(|r| r.try_get(0).map(MessageId)).collect::<Result<_, _>>().map_err(internal)
    }

    fn room_summaries(&self) -> Result<Vec<RoomSummary>, StoreError> {
        let mut conn = self.connection()?;
        let rows = conn.client().query(ROOM_SUMMARIES_SQL, &[]).map_err(internal)?;
        rows.iter()
            .map(|r| {
                let (members, messages): (i64, i64) = (r.try_get(4)?, r.try_get(5)?);
                Ok(RoomSummary {
                    id: RoomId(r.try_get(0)?),
                    name: r.try_get(1)?,
                    kind: SummaryKind::of(r.try_get(2)?, r.try_get(3)?),
                    members: members.unsigned_abs(),
                    messages: messages.unsigned_abs(),
                    last_message_at: r.try_get::<_, Option<DateTime<Utc>>>(6)?,
                })
            })
            .collect::<Result<_, postgres::Error>>()
            .map_err(internal)
    }
}
