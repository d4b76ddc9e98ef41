//! Shared rate limits in PostgreSQL: `LimitStore`, one GCRA bucket per key in `rate_limits`,
//! updated under the row's lock so that instances sharing the database share the bucket.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::connect::internal;
use super::PostgresStore;
use crate::store::{gcra, LimitStore, StoreError};

impl LimitStore for PostgresStore {
    fn rate_limit(
        &self,
        key: &str,
        interval: Duration,
        burst: u32,
        now: DateTime<Utc>,
        take: bool,
    ) -> Result<Option<Duration>, StoreError> {
        const ENSURE: &str = "INSERT INTO rate_limits (key, tat) VALUES ($1, 0) ON CONFLICT (key) DO NOTHING";
        const LOCK: &str = "SELECT tat FROM rate_limits WHERE key = $1 FOR UPDATE";
        const SAVE: &str = "UPDATE rate_limits SET tat = $2 WHERE key = $1";
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        let mut tx = client.transaction().map_err(internal)?;
        prepared.execute(&mut tx, ENSURE, &[&key]).map_err(internal)?;
        let stored: i64 = prepared.query_one(&mut tx, LOCK, &[&key]).and_then(|r| r.try_get(0)).map_err(internal)?;
        let interval = i64::try_from(interval.as_micros()).unwrap_or(i64::MAX);
        let answer = match gcra(Some(stored), now.timestamp_micros(), interval, burst) {
            Ok(tat) => {
                if take {
                    prepared.execute(&mut tx, SAVE, &[&key, &tat]).map_err(internal)?;
                }
                None
            }
            Err(wait) => Some(Duration::from_micros(wait.unsigned_abs())),
        };
        tx.commit().map_err(internal)?;
        Ok(answer)
    }

    fn purge_rate_limits(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut conn = self.connection()?;
        let (client, prepared) = conn.split();
        prepared.execute(client, "DELETE FROM rate_limits WHERE tat < $1", &[&now.timestamp_micros()]).map_err(internal)
    }
}
