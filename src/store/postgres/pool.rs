//! The connection pool: r2d2's PostgreSQL manager with a statement cache on each connection,
//! and the logging of connections the pool fails to open.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use postgres::types::ToSql;
use postgres::{Client, GenericClient, Row, Statement};
use r2d2::ManageConnection;
use r2d2_postgres::PostgresConnectionManager;

use super::connect::with_causes;
use super::tls::Connector;

/// Pool connection failures are logged at most this often; the rest go to DEBUG.
const CONNECT_ERROR_LOG_EVERY: Duration = Duration::from_secs(10);

/// r2d2's manager from `r2d2_postgres`, with a per-connection statement cache on top. The
/// connector is the same for plain and TLS connections: the driver's sslmode decides.
pub(crate) struct Manager(pub(super) PostgresConnectionManager<Connector>);

/// By hand: the rustls connector has no `Debug`.
impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Manager").finish_non_exhaustive()
    }
}

impl ManageConnection for Manager {
    type Connection = PgConn;
    type Error = postgres::Error;

    fn connect(&self) -> Result<PgConn, postgres::Error> {
        self.0.connect().map(|client| PgConn { client: Some(client), prepared: Prepared::default() })
    }

    /// Runs on every checkout, so a connection the server dropped is replaced, not handed out.
    fn is_valid(&self, conn: &mut PgConn) -> Result<(), postgres::Error> {
        self.0.is_valid(conn.client())
    }

    fn has_broken(&self, conn: &mut PgConn) -> bool {
        self.0.has_broken(conn.client())
    }
}

/// One pooled connection and the statements prepared on it.
pub(crate) struct PgConn {
    /// Always `Some`, except while being dropped.
    client: Option<Client>,
    prepared: Prepared,
}

impl PgConn {
    /// The underlying client.
    pub(crate) fn client(&mut self) -> &mut Client {
        self.client.as_mut().expect("the client is only taken when the connection is dropped")
    }

    /// The client and the statement cache, borrowed apart so a transaction can use the cache.
    pub(super) fn split(&mut self) -> (&mut Client, &mut Prepared) {
        (self.client.as_mut().expect("the client is only taken when the connection is dropped"), &mut self.prepared)
    }
}

impl Drop for PgConn {
    /// Closing a `postgres::Client` blocks on its own runtime, which panics inside an async
    /// runtime (a store dropped by async code, say at the end of an async test); such a
    /// client is closed on a thread of its own instead.
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                std::thread::spawn(move || drop(client));
            }
        }
    }
}

/// Statements prepared on one connection, by their SQL. A statement stays valid as long as the
/// connection; r2d2 replaces connections after 30 minutes, which also bounds how long a
/// statement outlives a schema change made by another instance.
#[derive(Default)]
pub(super) struct Prepared(HashMap<&'static str, Statement>);

pub(super) type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

impl Prepared {
    pub(super) fn statement(
        &mut self,
        c: &mut impl GenericClient,
        sql: &'static str,
    ) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.0.get(sql) {
            return Ok(statement.clone());
        }
        let statement = c.prepare(sql)?;
        self.0.insert(sql, statement.clone());
        Ok(statement)
    }

    pub(super) fn query(
        &mut self,
        c: &mut impl GenericClient,
        sql: &'static str,
        p: Params,
    ) -> Result<Vec<Row>, postgres::Error> {
        let statement = self.statement(c, sql)?;
        c.query(&statement, p)
    }

    pub(super) fn query_opt(
        &mut self,
        c: &mut impl GenericClient,
        sql: &'static str,
        p: Params,
    ) -> Result<Option<Row>, postgres::Error> {
        let statement = self.statement(c, sql)?;
        c.query_opt(&statement, p)
    }

    pub(super) fn query_one(
        &mut self,
        c: &mut impl GenericClient,
        sql: &'static str,
        p: Params,
    ) -> Result<Row, postgres::Error> {
        let statement = self.statement(c, sql)?;
        c.query_one(&statement, p)
    }

    pub(super) fn execute(
        &mut self,
        c: &mut impl GenericClient,
        sql: &'static str,
        p: Params,
    ) -> Result<u64, postgres::Error> {
        let statement = self.statement(c, sql)?;
        c.execute(&statement, p)
    }
}

/// Logs pool connection failures at WARN, at most once per `CONNECT_ERROR_LOG_EVERY`: while
/// PostgreSQL is down the pool retries several times a second.
#[derive(Debug, Default)]
pub(super) struct LogConnectErrors {
    last_warned: Mutex<Option<Instant>>,
}

impl r2d2::HandleError<postgres::Error> for LogConnectErrors {
    fn handle_error(&self, error: postgres::Error) {
        let mut last = self.last_warned.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if last.is_none_or(|at| at.elapsed() >= CONNECT_ERROR_LOG_EVERY) {
            *last = Some(Instant::now());
            tracing::warn!(
                error = %with_causes(&error),
                "cannot open a PostgreSQL connection (repeats within 10 s are logged at DEBUG)"
            );
        } else {
            tracing::debug!(error = %with_causes(&error), "cannot open a PostgreSQL connection");
        }
    }
}
