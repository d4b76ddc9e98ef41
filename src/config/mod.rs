//! Config: every environment variable the server reads, its default, validated once at start-up.
//!
//! | variable                   | default                    | meaning |
//! |----------------------------|----------------------------|---------|
//! | `HOST`                     | `0.0.0.0`                  | address to listen on |
//! | `PORT`                     | `8080`                     | port to listen on (`0` picks a free one) |
//! | `MAX_CONNECTIONS_PER_ADDRESS` | `64`                    | open connections (WebSockets included) one client address may hold, 0–100000; `0` = no cap; off with `TRUST_PROXY=true` (behind a proxy every connection comes from the proxy) |
//! | `HEADER_READ_TIMEOUT`      | `10`                       | seconds a client has to send a request's headers (also how long an idle keep-alive connection stays open), 1–300 |
//! | `DATABASE_URL`             | `sqlite://data/discock.db` | `sqlite://relative/path`, `sqlite:///absolute/path`, or `postgres://user:password@host:5432/dbname` (`postgresql://` too); `?sslmode=` and `sslrootcert=` choose TLS, see [`SslMode`] |
//! | `DATABASE_POOL_SIZE`       | `8`                        | PostgreSQL connections per instance, 1–128 (SQLite keeps its own fixed pool and ignores it) |
//! | `DATABASE_CONNECT_TIMEOUT` | `30`                       | seconds start-up keeps retrying an unreachable PostgreSQL; `0` tries once |
//! | `REDIS_URL`                | unset                      | `redis://…`, or `rediss://…` for TLS with a certificate from a public authority (`#insecure` skips every check: unsafe); carries messages between instances; unset for a single instance |
//! | `SECRET_KEY`               | generated at start-up      | keys session-token and CSRF hashes; ≥ 32 characters |
//! | `BCRYPT_COST`              | `12`                       | bcrypt work factor, 4–31 |
//! | `DEFAULT_ROOM`             | `Общий чат`                | name of the room created on first start |
//! | `COOKIE_SECURE`            | `auto`                     | `auto` (HTTPS or `X-Forwarded-Proto: https`), `true`, `false` |
//! | `RATE_LIMIT_MESSAGES`      | `30/10`                    | messages a user may send per N seconds (`N/SECONDS` or `off`) |
//! | `RATE_LIMIT_ROOMS`         | `10/3600`                  | rooms a user may create per N seconds |
//! | `RATE_LIMIT_LOGIN`         | `5/300`                    | failed logins per account and per client address |
//! | `RATE_LIMIT_REGISTER`      | `5/3600`                   | registrations per client address |
//! | `RATE_LIMIT_AVATARS`       | `5/60`                     | avatar uploads a user may make per N seconds |
//! | `MAX_CONNECTIONS_PER_USER` | `20`                       | open WebSockets per user on one instance (`off`: no cap) |
//! | `TRUST_PROXY`              | `false`                    | take the client address from `X-Real-IP` / `X-Forwarded-For` (only behind a proxy that sets them) |
//! | `SESSION_IDLE_DAYS`        | `30`                       | a session unused for this many days ends, 1–3650 (at most `SESSION_MAX_DAYS`) |
//! | `SESSION_MAX_DAYS`         | `90`                       | a session ends this many days after its login however much it is used, 1–3650 |
//! | `METRICS_TOKEN`            | unset                      | bearer token for `GET /metrics`; unset or empty: the endpoint does not exist (404) |
//! | `RUST_LOG`                 | `info`                     | log filter (read by `main`, not here) |
//! | `LOG_FORMAT`               | `text`                     | `text` or `json` (one object per line), see [`LogFormat`] (read by `main` before the rest) |

mod database;
mod limits;
mod logging;
mod redis;
mod sessions;

use std::net::IpAddr;
use std::time::Duration;

use crate::domain::RoomName;

pub use database::{
    redact_url, DatabaseConfig, PostgresTls, PostgresUrl, SslMode, DEFAULT_CONNECT_TIMEOUT, DEFAULT_POOL_SIZE,
};
pub use limits::{
    ConnectionLimits, LimitsConfig, Rate, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
};
pub use logging::LogFormat;
pub use redis::RedisSettings;
pub use sessions::SessionLifetime;

use database::parse_database_url;
use sessions::days;

/// Everything the server needs to know about its environment, already checked.
///
/// `Debug` hides passwords in URLs, so a config can be logged.
#[derive(Clone)]
pub struct Config {
    /// Address the listener binds.
    pub host: IpAddr,
    /// Port the listener binds; 0 lets the OS choose (tests).
    pub port: u16,
    /// What one client may ask of the HTTP server, so a few clients cannot take it over.
    pub connections: ConnectionLimits,
    /// Where the data lives.
    pub database: DatabaseConfig,
    /// Key for hashing session tokens and deriving CSRF tokens.
    pub secret_key: SecretKey,
    /// bcrypt work factor for new password hashes.
    pub bcrypt_cost: u32,
    /// Name of the room every deployment starts with.
    pub default_room: RoomName,
    /// When cookies get the `Secure` attribute.
    pub cookie_secure: CookieSecure,
    /// Redis that carries stored messages to the other instances; `None` runs a single instance.
    /// Starts with `redis://` or `rediss://` (TLS, the certificate checked against the webpki
    /// roots and the host name; `rediss://…#insecure` checks nothing); may contain a password,
    /// so log it through [`redact_url`].
    pub redis_url: Option<String>,
    /// Namespace of the Redis keys and channel, so deployments (and tests) can share a Redis.
    pub redis_prefix: String,
    /// How much one user or one address may do; see [`LimitsConfig`].
    pub limits: LimitsConfig,
    /// How long a login lasts: ended sessions are refused and their sockets closed.
    pub sessions: SessionLifetime,
    /// The bearer token `GET /metrics` requires; `None` turns the endpoint off.
    pub metrics_token: Option<MetricsToken>,
    /// How often a WebSocket is pinged and its session checked again (so a session that
    /// expired or was deleted loses its sockets within this time). 30 s; not an environment
    /// variable: tests shorten it instead of waiting.
    pub ws_ping_every: Duration,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("connections", &self.connections)
            .field("database", &self.database)
            .field("secret_key", &self.secret_key)
            .field("bcrypt_cost", &self.bcrypt_cost)
            .field("default_room", &self.default_room)
            .field("cookie_secure", &self.cookie_secure)
            .field("redis_url", &self.redis_url.as_deref().map(redact_url))
            .field("limits", &self.limits)
            .field("sessions", &self.sessions)
            .field("metrics_token", &self.metrics_token)
            .field("ws_ping_every", &self.ws_ping_every)
            .finish()
    }
}

/// The server secret and whether it came from the environment.
#[derive(Clone)]
pub struct SecretKey {
    /// Raw key bytes.
    pub bytes: Vec<u8>,
    /// False when generated at start-up: sessions and CSRF tokens then die with the process.
    pub from_env: bool,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretKey").field("from_env", &self.from_env).finish_non_exhaustive()
    }
}

/// `METRICS_TOKEN`: the secret a Prometheus server presents as `Authorization: Bearer …`.
#[derive(Clone, PartialEq, Eq)]
pub struct MetricsToken(pub String);

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(…)")
    }
}

/// `COOKIE_SECURE`: whether the session cookie is marked `Secure`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CookieSecure {
    /// Secure when the request arrived over HTTPS (`X-Forwarded-Proto: https` behind a proxy).
    Auto,
    Always,
    Never,
}

/// [`Config::ws_ping_every`] unless a test shortens it.
pub const DEFAULT_WS_PING_EVERY: Duration = Duration::from_secs(30);

/// A configuration value that cannot be used; the message is the one line printed at exit.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

impl Config {
    /// Where the fan-out finds Redis, when several instances are configured.
    pub fn redis(&self) -> Option<RedisSettings> {
        self.redis_url.as_ref().map(|url| RedisSettings { url: url.clone(), prefix: self.redis_prefix.clone() })
    }

    /// Reads the process environment (after `.env` was loaded by `main`).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Builds the config from any key → value lookup, so it can be tested without touching the process env.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |key: &str| lookup(key).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        let host = match get("HOST") {
            None => IpAddr::from([0, 0, 0, 0]),
            Some(v) => v.parse().map_err(|_| {
                ConfigError(format!("HOST must be an IP address such as 0.0.0.0 or 127.0.0.1, got {v:?}"))
            })?,
        };
        let port = match get("PORT") {
            None => 8080,
            Some(v) => {
                v.parse().map_err(|_| ConfigError(format!("PORT must be a number from 0 to 65535, got {v:?}")))?
            }
        };
        let per_address = match get("MAX_CONNECTIONS_PER_ADDRESS") {
            None => Some(DEFAULT_MAX_CONNECTIONS_PER_ADDRESS),
            Some(v) => match v.parse::<usize>() {
                Ok(0) => None,
                Ok(n) if n <= 100_000 => Some(n),
                _ => {
                    return Err(ConfigError(format!(
                        "MAX_CONNECTIONS_PER_ADDRESS must be a whole number from 0 (no cap) to 100000, got {v:?}"
                    )))
                }
            },
        };
        let header_read_timeout = match get("HEADER_READ_TIMEOUT") {
            None => DEFAULT_HEADER_READ_TIMEOUT,
            Some(v) => match v.parse::<u64>() {
                Ok(s) if (1..=300).contains(&s) => Duration::from_secs(s),
                _ => {
                    return Err(ConfigError(format!(
                        "HEADER_READ_TIMEOUT must be whole seconds from 1 to 300, got {v:?}"
                    )))
                }
            },
        };
        let connections = ConnectionLimits { per_address, header_read_timeout };
        let pool_size = match get("DATABASE_POOL_SIZE") {
            None => DEFAULT_POOL_SIZE,
            Some(v) => match v.parse::<u32>() {
                Ok(n) if (1..=128).contains(&n) => n,
                _ => {
                    return Err(ConfigError(format!(
                        "DATABASE_POOL_SIZE must be a whole number from 1 to 128, got {v:?}"
                    )))
                }
            },
        };
        let connect_timeout = match get("DATABASE_CONNECT_TIMEOUT") {
            None => DEFAULT_CONNECT_TIMEOUT,
            Some(v) => match v.parse::<u64>() {
                Ok(s) if s <= 3600 => Duration::from_secs(s),
                _ => {
                    return Err(ConfigError(format!(
                        "DATABASE_CONNECT_TIMEOUT must be whole seconds from 0 to 3600, got {v:?}"
                    )))
                }
            },
        };
        let database = parse_database_url(
            &get("DATABASE_URL").unwrap_or_else(|| "sqlite://data/discock.db".into()),
            "DATABASE_URL",
            pool_size,
            connect_timeout,
        )?;
        let secret_key = match get("SECRET_KEY") {
            Some(v) if v.len() < 32 => {
                return Err(ConfigError(format!(
                    "SECRET_KEY must be at least 32 characters long (got {}); generate one with `openssl rand -hex 32`",
                    v.len()
                )))
            }
            Some(v) => SecretKey { bytes: v.into_bytes(), from_env: true },
            None => SecretKey { bytes: crate::keys::random_bytes::<32>().to_vec(), from_env: false },
        };
        let bcrypt_cost = match get("BCRYPT_COST") {
            None => 12,
            Some(v) => match v.parse::<u32>() {
                Ok(c) if (4..=31).contains(&c) => c,
                _ => return Err(ConfigError(format!("BCRYPT_COST must be a whole number from 4 to 31, got {v:?}"))),
            },
        };
        let default_room = RoomName::parse(&get("DEFAULT_ROOM").unwrap_or_else(|| "Общий чат".into()))
            .map_err(|e| ConfigError(format!("DEFAULT_ROOM is not a valid room name: {e}")))?;
        let cookie_secure = match get("COOKIE_SECURE").as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("auto") => CookieSecure::Auto,
            Some("true" | "1" | "yes") => CookieSecure::Always,
            Some("false" | "0" | "no") => CookieSecure::Never,
            Some(other) => {
                return Err(ConfigError(format!("COOKIE_SECURE must be auto, true or false, got {other:?}")))
            }
        };
        let redis_url = match get("REDIS_URL") {
            None => None,
            Some(v)
                if (v.starts_with("redis://") || v.starts_with("rediss://"))
                    && ::redis::Client::open(v.as_str()).is_ok() =>
            {
                Some(v)
            }
            Some(v) => {
                return Err(ConfigError(format!(
                    "REDIS_URL must look like redis://[:password@]host:6379[/db], or rediss://… for TLS \
                     (the only fragment allowed is the unsafe #insecure), got {:?}",
                    redact_url(&v)
                )))
            }
        };
        let redis_prefix = get("REDIS_PREFIX").unwrap_or_else(|| "discock".into());
        if redis_prefix.len() > 64
            || !redis_prefix.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '.'))
        {
            return Err(ConfigError(format!(
                "REDIS_PREFIX must be up to 64 letters, digits or _ - : . characters, got {redis_prefix:?}"
            )));
        }
        let session_days = |key: &str, default: u64| match get(key) {
            None => Ok(days(default)),
            Some(v) => match v.parse::<u64>() {
                Ok(n) if (1..=3650).contains(&n) => Ok(days(n)),
                _ => Err(ConfigError(format!("{key} must be a whole number of days from 1 to 3650, got {v:?}"))),
            },
        };
        let sessions = SessionLifetime {
            idle: session_days("SESSION_IDLE_DAYS", 30)?,
            max: session_days("SESSION_MAX_DAYS", 90)?,
        };
        if sessions.idle > sessions.max {
            return Err(ConfigError(format!(
                "SESSION_IDLE_DAYS ({}) must not be more than SESSION_MAX_DAYS ({})",
                sessions.idle.as_secs() / 86_400,
                sessions.max.as_secs() / 86_400
            )));
        }
        // `get` already treats an empty value as unset: an empty token turns the endpoint off.
        let metrics_token = get("METRICS_TOKEN").map(MetricsToken);
        let limits = LimitsConfig::from_lookup(get)?;
        Ok(Config {
            host,
            port,
            connections,
            database,
            secret_key,
            bcrypt_cost,
            default_room,
            cookie_secure,
            redis_url,
            redis_prefix,
            limits,
            sessions,
            metrics_token,
            ws_ping_every: DEFAULT_WS_PING_EVERY,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Builds a config from `pairs` alone; the tests of every file in `config/` use it.
    pub(super) fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let c = config(&[]).unwrap();
        assert_eq!(c.port, 8080);
        assert_eq!(c.host.to_string(), "0.0.0.0");
        assert_eq!(c.database, DatabaseConfig::Sqlite { path: "data/discock.db".into() });
        assert_eq!(c.bcrypt_cost, 12);
        assert_eq!(c.default_room.as_str(), "Общий чат");
        assert_eq!(c.cookie_secure, CookieSecure::Auto);
        assert!(!c.secret_key.from_env);
        assert_eq!(c.sessions, SessionLifetime { idle: days(30), max: days(90) });
        assert_eq!(c.ws_ping_every, Duration::from_secs(30));
        assert_eq!(c.secret_key.bytes.len(), 32);
        assert_eq!(c.redis_url, None);
        assert_eq!(
            c.connections,
            ConnectionLimits { per_address: Some(64), header_read_timeout: Duration::from_secs(10) }
        );
    }

    #[test]
    fn debug_output_hides_database_and_redis_passwords() {
        let c =
            config(&[("DATABASE_URL", "postgres://app:s3cret@db/chat"), ("REDIS_URL", "redis://:hunter2@cache:6379")])
                .unwrap();
        let shown = format!("{c:?}");
        assert!(shown.contains("postgres://db/chat") && shown.contains("redis://cache:6379"), "{shown}");
        assert!(!shown.contains("s3cret") && !shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn the_metrics_token_is_off_when_unset_or_blank_and_never_shown() {
        assert_eq!(config(&[]).unwrap().metrics_token, None);
        assert_eq!(config(&[("METRICS_TOKEN", "  ")]).unwrap().metrics_token, None);
        let c = config(&[("METRICS_TOKEN", "scrape-me-please")]).unwrap();
        assert_eq!(c.metrics_token, Some(MetricsToken("scrape-me-please".into())));
        assert!(!format!("{c:?}").contains("scrape-me-please"));
    }

    #[test]
    fn invalid_values_are_refused_with_the_variable_named() {
        for (key, value) in [
            ("PORT", "eighty"),
            ("PORT", "70000"),
            ("HOST", "localhost:80"),
            ("BCRYPT_COST", "3"),
            ("BCRYPT_COST", "x"),
            ("SECRET_KEY", "short"),
            ("COOKIE_SECURE", "maybe"),
            ("DATABASE_URL", "mysql://x"),
            ("DATABASE_URL", "sqlite::memory:"),
            ("DATABASE_URL", "postgres://db:port/x"),
            ("MAX_CONNECTIONS_PER_ADDRESS", "-1"),
            ("MAX_CONNECTIONS_PER_ADDRESS", "100001"),
            ("HEADER_READ_TIMEOUT", "0"),
            ("HEADER_READ_TIMEOUT", "301"),
            ("HEADER_READ_TIMEOUT", "0.5"),
            ("DATABASE_URL", "postgres://db/x?sslmode=bogus"),
            ("DATABASE_POOL_SIZE", "0"),
            ("DATABASE_POOL_SIZE", "129"),
            ("DATABASE_POOL_SIZE", "many"),
            ("DATABASE_CONNECT_TIMEOUT", "-1"),
            ("DATABASE_CONNECT_TIMEOUT", "1.5"),
            ("DATABASE_CONNECT_TIMEOUT", "3601"),
            ("REDIS_URL", "localhost:6379"),
            ("DEFAULT_ROOM", "\u{7}"),
            ("SESSION_IDLE_DAYS", "0"),
            ("SESSION_IDLE_DAYS", "thirty"),
            ("SESSION_IDLE_DAYS", "91"),
            ("SESSION_MAX_DAYS", "0"),
            ("SESSION_MAX_DAYS", "3651"),
            ("SESSION_MAX_DAYS", "29"),
        ] {
            let err = config(&[(key, value)]).unwrap_err();
            assert!(err.0.contains(key), "{key}={value}: {err}");
        }
    }
}
