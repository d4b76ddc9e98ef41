//! The PostgreSQL implementation of `Store`: an r2d2 pool of synchronous `postgres` clients
//! (each keeping its prepared statements), start-up that waits for the server to come up, and
//! the versioned migrations in `migrations/postgres/`. Several instances may share one database.
//!
//! Blocking, like every `Store`: the `postgres` crate drives its own small runtime and panics
//! when called from async code, so reach it only through `Db` (or before serving).
//!
//! Connections are plain TCP on a private network, or TLS (rustls) to a managed server reached
//! over the internet, as the URL's `sslmode` says (`tls`; the modes are listed at
//! [`SslMode`](crate::config::SslMode)).
//!
//! One concern per file: `connect` (reaching the server, error mapping), `tls`, `pool`, `migrations`,
//! `rows` (row mapping), and one file per kind of data with its trait: `users`, `rooms`,
//! `messages`, `search`, `events`, `reads`, `blocks`, `profiles`, `avatars`, `dms`, `mutes`.

mod admin;
mod avatars;
mod batch;
mod blocks;
mod changes;
mod connect;
mod dms;
mod events;
mod limits;
mod messages;
mod migrations;
mod mutes;
mod pool;
mod profiles;
mod reads;
mod rooms;
mod rows;
mod search;
mod tls;
mod users;

use std::time::Duration;

use r2d2::{Pool, PooledConnection};
use r2d2_postgres::PostgresConnectionManager;

pub(crate) use self::connect::with_causes;
use self::connect::{client_config, connect_with_retry};
use self::migrations::migrate;
use self::pool::{LogConnectErrors, Manager};
use super::StoreError;
use crate::metrics::PoolWaits;

/// How long a call waits for a pooled connection before answering `Unavailable` (HTTP 503):
/// short, so requests fail fast while PostgreSQL is down instead of piling up.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(3);

/// How a store connects; [`PostgresStore::open`] fills in the defaults, tests shorten the waits.
#[derive(Clone, Debug)]
pub(crate) struct Options {
    /// Most connections kept open.
    pub pool_size: u32,
    /// How long start-up keeps retrying; zero tries once.
    pub connect_timeout: Duration,
    /// How long a call waits for a pooled connection.
    pub checkout_timeout: Duration,
    /// Where the pool reports its checkouts and timeouts.
    pub pool_waits: PoolWaits,
}

/// `Store` on a PostgreSQL database shared by every instance of a deployment.
pub struct PostgresStore {
    pool: Pool<Manager>,
    /// The message writer's connection (see [`PostgresStore::writer_connection`]).
    writer: Pool<Manager>,
}

impl PostgresStore {
    /// Connects to `url` (retrying with backoff until `connect_timeout` has passed), applies
    /// pending migrations and starts a pool of at most `pool_size` connections. Blocking.
    ///
    /// An unreachable server gives `StoreError::Unavailable` naming host and port (never the
    /// password); a server that answers but refuses (bad password, missing database) fails at
    /// once with `StoreError::Internal`.
    pub fn open(url: &str, pool_size: u32, connect_timeout: Duration) -> Result<Self, StoreError> {
        Self::open_measured(url, pool_size, connect_timeout, PoolWaits::default())
    }

    /// Like [`PostgresStore::open`], reporting the pool's waits into `pool_waits`.
    pub fn open_measured(
        url: &str,
        pool_size: u32,
        connect_timeout: Duration,
        pool_waits: PoolWaits,
    ) -> Result<Self, StoreError> {
        Self::open_with(url, &Options { pool_size, connect_timeout, checkout_timeout: CHECKOUT_TIMEOUT, pool_waits })
    }

    pub(crate) fn open_with(url: &str, options: &Options) -> Result<Self, StoreError> {
        let target = client_config(url)?;
        let tls = tls::connector(&target.tls)?;
        if target.tls.mode.uses_tls() {
            tracing::info!(sslmode = ?target.tls.mode, sslrootcert = ?target.tls.root_cert, "PostgreSQL over TLS");
        }
        let config = target.driver;
        let mut client = connect_with_retry(&config, &tls, options.connect_timeout)?;
        migrate(&mut client)?;
        drop(client);
        // Unchecked: the server was just reachable, and if it went away again the pool keeps
        // trying in the background while calls answer `Unavailable`.
        // Grows on demand up to `pool_size` and keeps one connection warm: several instances
        // (and test suites) share the server's `max_connections`, so none are held idle for
        // nothing. Connections idle for 10 minutes beyond that one are closed.
        let manager = || Manager(PostgresConnectionManager::new(config.clone(), tls.clone()));
        let pool = Pool::builder()
            .max_size(options.pool_size)
            .min_idle(Some(1))
            .connection_timeout(options.checkout_timeout)
            .error_handler(Box::new(LogConnectErrors::default()))
            .event_handler(Box::new(options.pool_waits.clone()))
            .build_unchecked(manager());
        // The message writer's own connection, beside the pool: its batches never wait for a
        // connection behind a burst of reads.
        let writer = Pool::builder()
            .max_size(1)
            .min_idle(Some(1))
            .connection_timeout(options.checkout_timeout)
            .error_handler(Box::new(LogConnectErrors::default()))
            .event_handler(Box::new(options.pool_waits.clone()))
            .build_unchecked(manager());
        Ok(PostgresStore { pool, writer })
    }

    /// The message writer's connection, kept apart from the pool the reads share.
    pub(super) fn writer_connection(&self) -> Result<PooledConnection<Manager>, StoreError> {
        self.writer.get().map_err(|e| StoreError::Unavailable(Box::new(e)))
    }

    /// A pooled connection for work outside the `Store` trait (the SQLite → PostgreSQL copy).
    pub(crate) fn connection(&self) -> Result<PooledConnection<Manager>, StoreError> {
        self.pool.get().map_err(|e| StoreError::Unavailable(Box::new(e)))
    }
}

#[cfg(test)]
pub(crate) mod scratch;
#[cfg(test)]
mod tests;
