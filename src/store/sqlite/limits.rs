//! Shared rate limits in SQLite: `LimitStore`, one GCRA bucket per key in `rate_limits`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::rows::{internal, micros};
use super::SqliteStore;
use crate::store::{gcra, LimitStore, StoreError};

impl LimitStore for SqliteStore {
    fn rate_limit(
        &self,
        key: &str,
        interval: Duration,
        burst: u32,
        now: DateTime<Utc>,
        take: bool,
    ) -> Result<Option<Duration>, StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(internal)?;
        let stored: Option<i64> = tx
            .prepare_cached("SELECT tat FROM rate_limits WHERE key = ?1")
            .and_then(|mut s| s.query_row([key], |r| r.get(0)).optional())
            .map_err(internal)?;
        let interval = i64::try_from(interval.as_micros()).unwrap_or(i64::MAX);
        let answer = match gcra(stored, micros(now), interval, burst) {
            Ok(tat) => {
                if take {
                    tx.prepare_cached(
                        "INSERT INTO rate_limits (key, tat) VALUES (?1, ?2)
                         ON CONFLICT (key) DO UPDATE SET tat = excluded.tat",
                    )
                    .and_then(|mut s| s.execute(params![key, tat]))
                    .map_err(internal)?;
                }
                None
            }
            Err(wait) => Some(Duration::from_micros(wait.unsigned_abs())),
        };
        tx.commit().map_err(internal)?;
        Ok(answer)
    }

    fn purge_rate_limits(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let conn = self.conn()?;
        let purged = conn
            .prepare_cached("DELETE FROM rate_limits WHERE tat < ?1")
            .and_then(|mut s| s.execute([micros(now)]))
            .map_err(internal)?;
        Ok(purged as u64)
    }
}
