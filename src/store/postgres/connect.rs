//! Reaching the PostgreSQL server: the driver's config from a URL, start-up that retries until
//! the server comes up, and turning driver errors into `StoreError` (a refused TLS certificate
//! is final and says so, rather than being retried as "not reachable").

use std::time::{Duration, Instant};

use postgres::error::SqlState;
use postgres::Client;
use rustls::CertificateError;

use super::tls::Connector;
use crate::config::{redact_url, PostgresUrl};
use crate::store::{Conflict, StoreError};

/// Bound on one TCP connect, at start-up and for each new pooled connection.
const CONNECT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);
/// Start-up waits this long after the first failed connect, doubling up to `MAX_RETRY_DELAY`.
const FIRST_RETRY_DELAY: Duration = Duration::from_millis(200);
const MAX_RETRY_DELAY: Duration = Duration::from_secs(5);

/// Names from `001_initial.sql`, used to tell unique violations apart.
const USERNAME_UNIQUE: &str = "users_username_key_unique";
const ROOM_NAME_UNIQUE: &str = "rooms_name_key_unique";
pub(super) const CLIENT_ID_UNIQUE: &str = "messages_client_id";

/// The driver's config for `url`, with this server's timeouts unless the URL sets its own, and
/// the URL's TLS settings.
pub(super) fn client_config(url: &str) -> Result<PostgresUrl, StoreError> {
    let mut parsed = PostgresUrl::parse(url, "the PostgreSQL URL").map_err(|e| {
        // ConfigError's message never holds the password, but may lack the (redacted) URL.
        StoreError::Internal(format!("invalid PostgreSQL URL {}: {}", redact_url(url), e.0).into())
    })?;
    let config = &mut parsed.driver;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_ATTEMPT_TIMEOUT);
    }
    if config.get_tcp_user_timeout().is_none() {
        // A server that vanished without closing the socket fails the next query within this
        // time instead of the kernel's ~15 minutes of retransmissions.
        config.tcp_user_timeout(Duration::from_secs(20));
    }
    // Idle pooled connections to a vanished server are noticed within a minute, not two hours.
    config.keepalives_idle(Duration::from_secs(30));
    if config.get_application_name().is_none() {
        config.application_name("discock");
    }
    Ok(parsed)
}

/// `host:port` of every host the config names, for messages (no user, no password).
pub(super) fn describe_target(config: &postgres::Config) -> String {
    let ports = config.get_ports();
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
            match host {
                postgres::config::Host::Tcp(name) => format!("{name}:{port}"),
                #[cfg(unix)]
                postgres::config::Host::Unix(dir) => format!("{}/.s.PGSQL.{port}", dir.display()),
            }
        })
        .collect();
    hosts.join(", ")
}

/// Connects, retrying transient failures with exponential backoff until `patience` has passed.
pub(super) fn connect_with_retry(
    config: &postgres::Config,
    tls: &Connector,
    patience: Duration,
) -> Result<Client, StoreError> {
    let target = describe_target(config);
    let deadline = Instant::now() + patience;
    let mut delay = FIRST_RETRY_DELAY;
    let mut attempt: u32 = 1;
    loop {
        match config.connect(tls.clone()) {
            Ok(client) => {
                if attempt > 1 {
                    tracing::info!(attempt, "connected to PostgreSQL at {target}");
                }
                return Ok(client);
            }
            Err(e) if is_unavailable(&e) => {
                let now = Instant::now();
                if now >= deadline {
                    let attempts = if attempt == 1 { "1 attempt".to_owned() } else { format!("{attempt} attempts") };
                    return Err(StoreError::Unavailable(
                        format!(
                            "PostgreSQL at {target} not reachable after {} s ({attempts}): {}",
                            patience.as_secs(),
                            with_causes(&e)
                        )
                        .into(),
                    ));
                }
                let wait = delay.min(deadline - now);
                tracing::warn!(attempt, error = %with_causes(&e), retry_in_ms = wait.as_millis() as u64, "PostgreSQL at {target} not reachable yet");
                std::thread::sleep(wait);
                delay = (delay * 2).min(MAX_RETRY_DELAY);
                attempt += 1;
            }
            Err(e) => {
                let why = match tls_failure(&e) {
                    Some(rustls::Error::InvalidCertificate(
                        problem @ (CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }),
                    )) => format!(
                        "the server's TLS certificate was not trusted ({problem:?}): it was not issued for the \
                         host in the URL; connect by the name it was issued for (sslmode=verify-full compares them)"
                    ),
                    Some(rustls::Error::InvalidCertificate(problem)) => format!(
                        "the server's TLS certificate was not trusted ({problem:?}); if a private authority \
                         issued it, give that authority's PEM file as sslrootcert=/path/to/ca.pem in the URL"
                    ),
                    Some(other) => format!("the TLS handshake failed: {other}"),
                    None => format!("refused the connection: {}", with_causes(&e)),
                };
                return Err(StoreError::Internal(format!("PostgreSQL at {target}: {why}").into()));
            }
        }
    }
}

/// An error with its causes on one line: the driver's own message is often just
/// "error connecting to server" or "db error", with the useful part in its source.
///
/// A server error is shown without its DETAIL and HINT: the DETAIL of a broken constraint
/// quotes the row or key ("Failing row contains (…)"), which may be what someone wrote, and
/// this text is logged.
pub(crate) fn with_causes(e: &postgres::Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(": ");
        match c.downcast_ref::<postgres::error::DbError>() {
            Some(db) => {
                text.push_str(&format!("{}: {} (SQLSTATE {})", db.severity(), db.message(), db.code().code()));
                if let Some(constraint) = db.constraint() {
                    text.push_str(&format!(", constraint {constraint}"));
                }
            }
            None => text.push_str(&c.to_string()),
        }
        cause = c.source();
    }
    text
}

/// The TLS error behind a failed handshake, if that is what failed: the certificate was
/// refused (by us) or the server refused the handshake. rustls's error travels inside the
/// `io::Error` the stream returned, which hides it from `source()`.
fn tls_failure(e: &postgres::Error) -> Option<&rustls::Error> {
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let inner = c.downcast_ref::<std::io::Error>().and_then(std::io::Error::get_ref);
        if let Some(tls) = c.downcast_ref::<rustls::Error>().or_else(|| inner.and_then(|i| i.downcast_ref())) {
            return Some(tls);
        }
        cause = c.source();
    }
    None
}

/// The server went away, is restarting or refuses more connections: worth a retry later.
/// A TLS refusal is not: the same certificate will be refused again.
fn is_unavailable(e: &postgres::Error) -> bool {
    if tls_failure(e).is_some() {
        return false;
    }
    if e.is_closed() {
        return true;
    }
    if let Some(code) = e.code() {
        let code = code.code();
        // 08xxx connection exceptions; 57P01 admin shutdown, 57P02 crash shutdown,
        // 57P03 cannot connect now (starting up); 53300 too many connections.
        return code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300");
    }
    // Transport failures (connect, read, write, connect timeout) carry the io::Error behind them.
    std::error::Error::source(e).is_some_and(|cause| cause.is::<std::io::Error>())
}

/// A driver error whose message carries its causes, so a start-up failure prints
/// "db error: ERROR: permission denied for schema public" rather than "db error".
#[derive(Debug)]
struct PgError(postgres::Error);

impl std::fmt::Display for PgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&with_causes(&self.0))
    }
}

/// No `source`: the message already holds the chain, and logging it twice helps nobody.
impl std::error::Error for PgError {}

pub(super) fn internal(e: postgres::Error) -> StoreError {
    if is_unavailable(&e) {
        StoreError::Unavailable(Box::new(PgError(e)))
    } else {
        StoreError::Internal(Box::new(PgError(e)))
    }
}

pub(super) fn constraint(e: &postgres::Error) -> Option<&str> {
    e.as_db_error().and_then(|d| d.constraint())
}

/// Maps a unique violation to the conflict its constraint means (`fallback` for any other
/// unique rule, as SQLite does), foreign-key violations to NotFound.
pub(super) fn write_error(e: postgres::Error, fallback: Conflict) -> StoreError {
    match e.code() {
        Some(code) if *code == SqlState::UNIQUE_VIOLATION => StoreError::Conflict(match constraint(&e) {
            Some(USERNAME_UNIQUE) => Conflict::Username,
            Some(ROOM_NAME_UNIQUE) => Conflict::RoomName,
            _ => fallback,
        }),
        Some(code) if *code == SqlState::FOREIGN_KEY_VIOLATION => StoreError::NotFound,
        _ => internal(e),
    }
}
