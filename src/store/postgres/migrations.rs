//! The PostgreSQL schema: the versioned migrations in `migrations/postgres/`, applied under an
//! advisory lock so that instances starting together do not race, and the lock keys.

use chrono::Utc;
use postgres::Client;

use super::connect::internal;
use crate::store::StoreError;

/// Versioned schema changes, applied in order, each once. Numbers may have gaps: each one not
/// recorded yet is applied, so a lower number merged after a higher one was applied still runs.
pub(super) const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/postgres/001_initial.sql")),
    (2, include_str!("../migrations/postgres/002_room_events.sql")),
    (3, include_str!("../migrations/postgres/003_rate_limits.sql")),
    (4, include_str!("../migrations/postgres/004_session_last_seen.sql")),
    (5, include_str!("../migrations/postgres/005_user_language.sql")),
    (6, include_str!("../migrations/postgres/006_message_features.sql")),
    (7, include_str!("../migrations/postgres/007_message_search.sql")),
    (8, include_str!("../migrations/postgres/008_read_states.sql")),
    (9, include_str!("../migrations/postgres/009_direct_messages.sql")),
    (10, include_str!("../migrations/postgres/010_blocks.sql")),
    (11, include_str!("../migrations/postgres/011_profiles.sql")),
    (12, include_str!("../migrations/postgres/012_avatars.sql")),
    (13, include_str!("../migrations/postgres/013_room_mutes.sql")),
    (14, include_str!("../migrations/postgres/014_canonical_cities.sql")),
    (15, include_str!("../migrations/postgres/015_city_rooms.sql")),
    (16, include_str!("../migrations/postgres/016_search_index_without_pending_list.sql")),
    (17, include_str!("../migrations/postgres/017_change_messages.sql")),
];

/// `pg_advisory_xact_lock` keys ("discock" in ASCII, then a number), held for one
/// transaction so that instances starting together do not race.
const MIGRATION_LOCK: i64 = 0x6469_7363_6f63_6b01;
pub(super) const DEFAULT_ROOM_LOCK: i64 = 0x6469_7363_6f63_6b02;

/// Brings the schema up to date, one migration per transaction.
pub(super) fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let newest_known = MIGRATIONS.last().map_or(0, |(v, _)| *v);
    loop {
        let mut tx = client.transaction().map_err(internal)?;
        // Two instances may start at once against one empty database: the second waits here
        // until the first has committed, then finds the migration applied.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).map_err(internal)?;
        tx.batch_execute(
            "SET LOCAL client_min_messages = warning;
             CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL);",
        )
        .map_err(internal)?;
        let applied: Vec<i64> = tx
            .query("SELECT version FROM schema_migrations", &[])
            .and_then(|rows| rows.iter().map(|r| r.try_get(0)).collect())
            .map_err(internal)?;
        let current = applied.iter().copied().max().unwrap_or(0);
        let Some((version, sql)) = MIGRATIONS.iter().find(|(v, _)| !applied.contains(v)) else {
            tx.commit().map_err(internal)?;
            if current > newest_known {
                tracing::warn!(current, newest_known, "the PostgreSQL schema is newer than this build");
            }
            return Ok(());
        };
        tx.batch_execute(sql).map_err(internal)?;
        tx.execute("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", &[version, &Utc::now()])
            .map_err(internal)?;
        tx.commit().map_err(internal)?;
        tracing::info!(version, "applied PostgreSQL migration");
    }
}
