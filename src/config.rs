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
//! | `MAX_CONNECTIONS_PER_USER` | `20`                       | open WebSockets per user on one instance (`off`: no cap) |
//! | `TRUST_PROXY`              | `false`                    | take the client address from `X-Real-IP` / `X-Forwarded-For` (only behind a proxy that sets them) |
//! | `SESSION_IDLE_DAYS`        | `30`                       | a session unused for this many days ends, 1–3650 (at most `SESSION_MAX_DAYS`) |
//! | `SESSION_MAX_DAYS`         | `90`                       | a session ends this many days after its login however much it is used, 1–3650 |
//! | `RUST_LOG`                 | `info`                     | log filter (read by `main`, not here) |

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::domain::RoomName;

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
    /// How often a WebSocket is pinged and its session checked again (so a session that
    /// expired or was deleted loses its sockets within this time). 30 s; not an environment
    /// variable: tests shorten it instead of waiting.
    pub ws_ping_every: Duration,
}

/// A rate: `count` events per `per`, as a token bucket (GCRA) that starts full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: std::num::NonZeroU32,
    pub per: Duration,
}

impl Rate {
    /// Parses `N/SECONDS` (`30/10`: 30 per 10 seconds); `off` is `None`.
    pub fn parse(raw: &str, name: &str) -> Result<Option<Rate>, ConfigError> {
        if raw.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let bad = || ConfigError(format!("{name} must be N/SECONDS (such as 30/10) or off, got {raw:?}"));
        let (count, per) = raw.split_once('/').ok_or_else(bad)?;
        let count: u32 = count.trim().parse().map_err(|_| bad())?;
        let per: u64 = per.trim().parse().map_err(|_| bad())?;
        match (std::num::NonZeroU32::new(count), per) {
            (Some(count), 1..=86_400) => Ok(Some(Rate { count, per: Duration::from_secs(per) })),
            _ => Err(bad()),
        }
    }

    /// The time one event's token takes to come back.
    pub fn interval(&self) -> Duration {
        self.per / self.count.get()
    }
}

/// Limits against flooding; `None` is off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitsConfig {
    pub messages: Option<Rate>,
    pub rooms: Option<Rate>,
    pub login: Option<Rate>,
    pub register: Option<Rate>,
    pub connections_per_user: Option<usize>,
    /// Whether `X-Real-IP` / `X-Forwarded-For` name the client (behind a trusted proxy only).
    pub trust_proxy: bool,
}

impl LimitsConfig {
    fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let rate = |name: &str, default: &str| Rate::parse(&get(name).unwrap_or_else(|| default.into()), name);
        let connections_per_user = match get("MAX_CONNECTIONS_PER_USER") {
            None => Some(20),
            Some(v) if v.eq_ignore_ascii_case("off") => None,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=10_000).contains(&n) => Some(n),
                _ => {
                    return Err(ConfigError(format!(
                        "MAX_CONNECTIONS_PER_USER must be a whole number from 1 to 10000 or off, got {v:?}"
                    )))
                }
            },
        };
        let trust_proxy = match get("TRUST_PROXY").as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("false" | "0" | "no") => false,
            Some("true" | "1" | "yes") => true,
            Some(other) => return Err(ConfigError(format!("TRUST_PROXY must be true or false, got {other:?}"))),
        };
        Ok(LimitsConfig {
            messages: rate("RATE_LIMIT_MESSAGES", "30/10")?,
            rooms: rate("RATE_LIMIT_ROOMS", "10/3600")?,
            login: rate("RATE_LIMIT_LOGIN", "5/300")?,
            register: rate("RATE_LIMIT_REGISTER", "5/3600")?,
            connections_per_user,
            trust_proxy,
        })
    }
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
            .field("ws_ping_every", &self.ws_ping_every)
            .finish()
    }
}

/// `MAX_CONNECTIONS_PER_ADDRESS` when unset: far more than one person's browser tabs (each
/// holds a WebSocket and a few HTTP connections), far fewer than the thousands a single host
/// could otherwise open to exhaust file descriptors and memory.
pub const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS: usize = 64;
/// `HEADER_READ_TIMEOUT` when unset: a browser sends its headers in one packet, so ten seconds
/// is generous even on a poor mobile link, while a slowloris client trickling bytes holds a
/// connection for no longer than that.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Limits the HTTP server applies to each client (see `crate::server`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Open connections one client address may hold at once (an IPv6 client's /64 counts as
    /// one address); `None` = no cap.
    pub per_address: Option<usize>,
    /// Time a client has to send a request's headers, counted from the connection's start or
    /// the end of the previous response.
    pub header_read_timeout: Duration,
}

/// `DATABASE_POOL_SIZE` when unset.
pub const DEFAULT_POOL_SIZE: u32 = 8;
/// `DATABASE_CONNECT_TIMEOUT` when unset.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// The database a deployment uses, from `DATABASE_URL`.
///
/// `Debug` hides the PostgreSQL password.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseConfig {
    /// An SQLite file; its folder is created at start-up.
    Sqlite { path: PathBuf },
    /// A PostgreSQL server, shared by every instance of the deployment.
    Postgres {
        /// `postgres://user:password@host:port/dbname` as given, TLS parameters included (read
        /// with [`PostgresUrl::parse`]); contains the password, so log only [`redact_url`] of it.
        url: String,
        /// Most connections this instance keeps open (`DATABASE_POOL_SIZE`).
        pool_size: u32,
        /// How long start-up keeps retrying an unreachable server (`DATABASE_CONNECT_TIMEOUT`);
        /// zero tries once.
        connect_timeout: Duration,
    },
}

impl std::fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseConfig::Sqlite { path } => f.debug_struct("Sqlite").field("path", path).finish(),
            DatabaseConfig::Postgres { url, pool_size, connect_timeout } => f
                .debug_struct("Postgres")
                .field("url", &redact_url(url))
                .field("pool_size", pool_size)
                .field("connect_timeout", connect_timeout)
                .finish(),
        }
    }
}

impl DatabaseConfig {
    /// Reads a database URL with the default pool size and connect timeout; `name` is what
    /// error messages call the value (`DATABASE_URL`, or a command-line flag).
    pub fn from_url(url: &str, name: &str) -> Result<Self, ConfigError> {
        parse_database_url(url, name, DEFAULT_POOL_SIZE, DEFAULT_CONNECT_TIMEOUT)
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

/// `COOKIE_SECURE`: whether the session cookie is marked `Secure`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CookieSecure {
    /// Secure when the request arrived over HTTPS (`X-Forwarded-Proto: https` behind a proxy).
    Auto,
    Always,
    Never,
}

/// How long sessions live (`SESSION_IDLE_DAYS`, `SESSION_MAX_DAYS`). A session is valid while
/// `now < created_at + max` and `now < last_seen_at + idle`; both are applied when a session is
/// checked, so lowering them ends existing sessions too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionLifetime {
    /// Unused for this long, a session ends.
    pub idle: Duration,
    /// This long after its login, a session ends however much it is used.
    pub max: Duration,
}

impl Default for SessionLifetime {
    fn default() -> Self {
        SessionLifetime { idle: days(30), max: days(90) }
    }
}

fn days(n: u64) -> Duration {
    Duration::from_secs(n * 24 * 3600)
}

/// [`Config::ws_ping_every`] unless a test shortens it.
pub const DEFAULT_WS_PING_EVERY: Duration = Duration::from_secs(30);

/// Where Redis is and which key namespace this deployment uses.
#[derive(Debug, Clone)]
pub struct RedisSettings {
    pub url: String,
    pub prefix: String,
}

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
                    && redis::Client::open(v.as_str()).is_ok() =>
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
            ws_ping_every: DEFAULT_WS_PING_EVERY,
        })
    }
}

/// `sqlite://relative/path`, `sqlite:///absolute/path`, `sqlite:path`, or `postgres://…` /
/// `postgresql://…`. `name` is what error messages call the value.
fn parse_database_url(
    url: &str,
    name: &str,
    pool_size: u32,
    connect_timeout: Duration,
) -> Result<DatabaseConfig, ConfigError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return parse_postgres_url(url, name, pool_size, connect_timeout);
    }
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).ok_or_else(|| {
        match url.split_once(':') {
            Some((scheme, _)) => ConfigError(format!(
                "{name} scheme {scheme:?} is not supported; use sqlite://path/to/file.db or postgres://user:password@host:5432/dbname"
            )),
            None => ConfigError(format!(
                "{name} must look like sqlite://data/discock.db or postgres://user:password@host:5432/dbname, got {url:?}"
            )),
        }
    })?;
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Err(ConfigError(format!(
            "{name} must name an SQLite file (in-memory databases lose every message at exit)"
        )));
    }
    Ok(DatabaseConfig::Sqlite { path: PathBuf::from(path) })
}

/// Checks a PostgreSQL URL the way the store will connect with it, so a typo stops start-up
/// here with the variable named rather than later as a connection failure.
fn parse_postgres_url(
    url: &str,
    name: &str,
    pool_size: u32,
    connect_timeout: Duration,
) -> Result<DatabaseConfig, ConfigError> {
    PostgresUrl::parse(url, name)?;
    Ok(DatabaseConfig::Postgres { url: url.to_owned(), pool_size, connect_timeout })
}

/// `sslmode` in a PostgreSQL URL: how much TLS a connection insists on. The names are libpq's;
/// what each does here:
///
/// | mode | TLS | certificate check |
/// |---|---|---|
/// | `disable` | never | — |
/// | `prefer` (and unset) | never: plain TCP, as before TLS support existed | — |
/// | `require` | mandatory (a server that declines fails the connection) | none, unless `sslrootcert` is given: then as `verify-ca` |
/// | `verify-ca` | mandatory | chains to `sslrootcert` (required with this mode); host name not compared |
/// | `verify-full` | mandatory | chains to `sslrootcert` if given, else to the webpki roots (Mozilla's list); the certificate must name the host connected to |
///
/// libpq's `prefer` tries TLS and takes plain text when the server declines. That only stops a
/// passive listener, and whoever can tamper with the connection simply declines for the
/// server, so `prefer` stays plain rather than adding a handshake that proves nothing.
/// `verify-ca` without `sslrootcert` is refused: against public authorities it would accept
/// a certificate bought for any domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    /// Whether connections in this mode use TLS.
    pub fn uses_tls(self) -> bool {
        matches!(self, SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull)
    }
}

/// How connections to PostgreSQL are secured: the URL's `sslmode` and `sslrootcert`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostgresTls {
    pub mode: SslMode,
    /// A PEM file of the authorities to trust instead of the webpki roots (`sslrootcert=`),
    /// such as the CA a managed PostgreSQL hands out. Read when the store opens.
    pub root_cert: Option<PathBuf>,
}

/// A PostgreSQL URL as the store connects with it: the driver's settings, and the TLS settings
/// that libpq knows but the driver does not (it has no `verify-ca`, `verify-full` or
/// `sslrootcert`).
#[derive(Debug)]
pub struct PostgresUrl {
    /// Everything else in the URL. Its own sslmode is `disable` for the plain modes (so the
    /// driver never attempts TLS) and `require` for the TLS ones.
    pub driver: postgres::Config,
    pub tls: PostgresTls,
}

impl PostgresUrl {
    /// Reads `postgres://…` / `postgresql://…`; `name` is what error messages call the value.
    /// Errors never contain the password.
    pub fn parse(url: &str, name: &str) -> Result<PostgresUrl, ConfigError> {
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let (mut mode, mut root_cert) = (SslMode::Prefer, None);
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_encoding::percent_decode_str(value).decode_utf8_lossy();
            match key {
                "sslmode" => {
                    mode = match &*value {
                        "disable" => SslMode::Disable,
                        "prefer" => SslMode::Prefer,
                        "require" => SslMode::Require,
                        "verify-ca" => SslMode::VerifyCa,
                        "verify-full" => SslMode::VerifyFull,
                        other => {
                            return Err(ConfigError(format!(
                                "{name} has sslmode={other:?}; use disable, prefer, require, verify-ca or verify-full"
                            )))
                        }
                    }
                }
                "sslrootcert" if value.is_empty() => {
                    return Err(ConfigError(format!("{name} has an empty sslrootcert; give the path of a PEM file")))
                }
                "sslrootcert" => root_cert = Some(PathBuf::from(&*value)),
                _ => kept.push(pair),
            }
        }
        if root_cert.is_some() && !mode.uses_tls() {
            return Err(ConfigError(format!(
                "{name} names an sslrootcert, but sslmode={} connects without TLS; use sslmode=verify-full",
                if mode == SslMode::Disable { "disable" } else { "prefer (the default)" }
            )));
        }
        if mode == SslMode::VerifyCa && root_cert.is_none() {
            return Err(ConfigError(format!(
                "{name} has sslmode=verify-ca without sslrootcert: checking the authority but not the host name \
                 is only safe against a private authority, so name its PEM file with sslrootcert=/path/to/ca.pem, \
                 or use sslmode=verify-full"
            )));
        }
        let driver_url = if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) };
        let mut driver: postgres::Config = driver_url.parse().map_err(|e: postgres::Error| {
            // The driver's cause names the bad option, never its value; the URL is shown redacted.
            let cause = std::error::Error::source(&e).map(|c| format!(": {c}")).unwrap_or_default();
            ConfigError(format!("{name} is not a valid PostgreSQL URL ({}): {e}{cause}", redact_url(url)))
        })?;
        if driver.get_hosts().is_empty() {
            return Err(ConfigError(format!(
                "{name} must name the PostgreSQL host, as in postgres://user:password@host:5432/dbname (got {})",
                redact_url(url)
            )));
        }
        driver.ssl_mode(if mode.uses_tls() {
            postgres::config::SslMode::Require
        } else {
            postgres::config::SslMode::Disable
        });
        Ok(PostgresUrl { driver, tls: PostgresTls { mode, root_cert } })
    }
}

/// A URL fit for logs and error messages: the user name and password before `@` and any
/// `password=` query parameter are removed (`postgres://app:s3cret@db:5432/chat` becomes
/// `postgres://db:5432/chat`). When unsure where the credentials end it removes too much
/// rather than too little.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        // No authority part (`sqlite:path`), so nothing that could hold credentials…
        // unless it has query parameters.
        return strip_password_params(url);
    };
    // Query parameters first: a password given as `?password=a@b` must not survive the
    // `@` cut below.
    let rest = strip_password_params(rest);
    // Everything up to the last `@` may be credentials, even if it contains `/` or `?`
    // (passwords are often pasted without percent-encoding).
    let host_and_after = rest.rsplit_once('@').map_or(rest.as_str(), |(_, after)| after);
    format!("{scheme}://{host_and_after}")
}

/// Drops `password=` and `sslpassword=` from the query string, if there is one.
fn strip_password_params(s: &str) -> String {
    let Some((base, query)) = s.split_once('?') else { return s.to_owned() };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or_default();
            !key.eq_ignore_ascii_case("password") && !key.eq_ignore_ascii_case("sslpassword")
        })
        .collect();
    if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn rate_limits_default_to_the_documented_rates_and_read_n_per_seconds_or_off() {
        let c = config(&[]).unwrap().limits;
        let rate = |n, s| Some(Rate { count: std::num::NonZeroU32::new(n).unwrap(), per: Duration::from_secs(s) });
        assert_eq!(
            (c.messages, c.rooms, c.login, c.register),
            (rate(30, 10), rate(10, 3600), rate(5, 300), rate(5, 3600))
        );
        assert_eq!((c.connections_per_user, c.trust_proxy), (Some(20), false));

        let set = config(&[
            ("RATE_LIMIT_MESSAGES", "OFF"),
            ("RATE_LIMIT_LOGIN", " 2 / 60 "),
            ("MAX_CONNECTIONS_PER_USER", "off"),
            ("TRUST_PROXY", "true"),
        ])
        .unwrap()
        .limits;
        assert_eq!(
            (set.messages, set.login, set.connections_per_user, set.trust_proxy),
            (None, rate(2, 60), None, true)
        );
        assert_eq!(rate(30, 10).unwrap().interval(), Duration::from_millis(333) + Duration::from_nanos(333_333));

        for (name, value) in [
            ("RATE_LIMIT_MESSAGES", "30"),
            ("RATE_LIMIT_ROOMS", "0/10"),
            ("RATE_LIMIT_LOGIN", "5/0"),
            ("RATE_LIMIT_REGISTER", "x/y"),
            ("MAX_CONNECTIONS_PER_USER", "0"),
            ("TRUST_PROXY", "maybe"),
        ] {
            let err = config(&[(name, value)]).unwrap_err().to_string();
            assert!(err.contains(name), "{err}");
        }
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
    fn the_connection_cap_can_be_changed_or_turned_off_and_the_header_timeout_set() {
        let c = config(&[("MAX_CONNECTIONS_PER_ADDRESS", "2"), ("HEADER_READ_TIMEOUT", "1")]).unwrap();
        assert_eq!(
            c.connections,
            ConnectionLimits { per_address: Some(2), header_read_timeout: Duration::from_secs(1) }
        );
        assert_eq!(config(&[("MAX_CONNECTIONS_PER_ADDRESS", "0")]).unwrap().connections.per_address, None);
    }

    #[test]
    fn a_postgres_url_selects_postgresql_with_the_default_pool_and_timeout() {
        for url in ["postgres://app:pw@db.internal:5433/chat", "postgresql://app@db.internal/chat"] {
            let c = config(&[("DATABASE_URL", url)]).unwrap();
            assert_eq!(
                c.database,
                DatabaseConfig::Postgres { url: url.into(), pool_size: 8, connect_timeout: Duration::from_secs(30) }
            );
        }
    }

    #[test]
    fn pool_size_and_connect_timeout_are_read_for_postgresql() {
        let c = config(&[
            ("DATABASE_URL", "postgres://app@localhost/chat"),
            ("DATABASE_POOL_SIZE", "32"),
            ("DATABASE_CONNECT_TIMEOUT", "0"),
        ])
        .unwrap();
        assert_eq!(
            c.database,
            DatabaseConfig::Postgres {
                url: "postgres://app@localhost/chat".into(),
                pool_size: 32,
                connect_timeout: Duration::ZERO
            }
        );
    }

    #[test]
    fn sqlite_accepts_but_ignores_the_pool_size() {
        let c = config(&[("DATABASE_POOL_SIZE", "2")]).unwrap();
        assert_eq!(c.database, DatabaseConfig::Sqlite { path: "data/discock.db".into() });
    }

    #[test]
    fn a_redis_url_is_kept_when_it_names_redis() {
        for url in ["redis://cache:6379/0", "redis://:pw@cache.example:6380"] {
            let c = config(&[("REDIS_URL", url)]).unwrap();
            assert_eq!(c.redis_url.as_deref(), Some(url));
            assert_eq!(c.redis().unwrap().prefix, "discock");
        }
        assert!(config(&[]).unwrap().redis().is_none());
    }

    #[test]
    fn rediss_is_accepted_for_tls_and_other_schemes_or_fragments_are_refused() {
        for url in ["rediss://:pw@cache.example:6380", "rediss://cache.example:6380/2", "rediss://10.0.0.5#insecure"] {
            assert_eq!(config(&[("REDIS_URL", url)]).unwrap().redis_url.as_deref(), Some(url));
        }
        for url in ["rediss://:pw@cache:6380#nocheck", "redis+tls://:pw@cache:6380", "tls://:pw@cache:6380"] {
            let err = config(&[("REDIS_URL", url)]).unwrap_err();
            assert!(err.0.contains("REDIS_URL") && err.0.contains("rediss://") && !err.0.contains(":pw@"), "{err}");
        }
    }

    #[test]
    fn every_libpq_sslmode_is_accepted_and_decides_whether_the_driver_uses_tls() {
        use postgres::config::SslMode as Driver;
        for (query, mode, driver, root) in [
            ("", SslMode::Prefer, Driver::Disable, None),
            ("?sslmode=disable", SslMode::Disable, Driver::Disable, None),
            ("?sslmode=prefer&application_name=x", SslMode::Prefer, Driver::Disable, None),
            ("?sslmode=require", SslMode::Require, Driver::Require, None),
            ("?sslmode=require&sslrootcert=/etc/ca.pem", SslMode::Require, Driver::Require, Some("/etc/ca.pem")),
            (
                "?sslrootcert=/etc/ca%20dir/ca.pem&sslmode=verify-ca",
                SslMode::VerifyCa,
                Driver::Require,
                Some("/etc/ca dir/ca.pem"),
            ),
            ("?sslmode=verify-full", SslMode::VerifyFull, Driver::Require, None),
            (
                "?sslmode=verify-full&sslrootcert=ca.pem&connect_timeout=5",
                SslMode::VerifyFull,
                Driver::Require,
                Some("ca.pem"),
            ),
        ] {
            let url = format!("postgres://app:s3cret@db.example:5432/chat{query}");
            let c = config(&[("DATABASE_URL", &url)]).unwrap();
            assert_eq!(
                c.database,
                DatabaseConfig::Postgres { url: url.clone(), pool_size: 8, connect_timeout: Duration::from_secs(30) }
            );
            let parsed = PostgresUrl::parse(&url, "DATABASE_URL").unwrap();
            assert_eq!(parsed.tls, PostgresTls { mode, root_cert: root.map(PathBuf::from) }, "{url}");
            assert_eq!(parsed.driver.get_ssl_mode(), driver, "{url}");
            assert_eq!(parsed.driver.get_dbname(), Some("chat"), "{url}");
        }
        let kept =
            PostgresUrl::parse("postgres://db/chat?sslmode=verify-full&application_name=x&connect_timeout=7", "X")
                .unwrap();
        assert_eq!(
            (kept.driver.get_application_name(), kept.driver.get_connect_timeout()),
            (Some("x"), Some(&Duration::from_secs(7)))
        );
    }

    #[test]
    fn unknown_sslmodes_and_unsafe_or_useless_tls_combinations_are_refused() {
        for (query, says) in [
            ("sslmode=allow", "sslmode"),
            ("sslmode=VERIFY-FULL", "sslmode"),
            ("sslmode=verify-ca", "sslrootcert"),
            ("sslmode=disable&sslrootcert=/etc/ca.pem", "sslrootcert"),
            ("sslrootcert=/etc/ca.pem", "sslrootcert"),
            ("sslmode=verify-full&sslrootcert=", "sslrootcert"),
        ] {
            let err = config(&[("DATABASE_URL", &format!("postgres://app:s3cret@db/chat?{query}"))]).unwrap_err();
            assert!(
                err.0.contains("DATABASE_URL") && err.0.contains(says) && !err.0.contains("s3cret"),
                "{query}: {err}"
            );
        }
    }

    #[test]
    fn odd_redis_prefixes_are_refused_with_the_variable_named() {
        for prefix in ["has space", "{braces}", &"p".repeat(65)] {
            let err = config(&[("REDIS_PREFIX", prefix)]).unwrap_err();
            assert!(err.0.contains("REDIS_PREFIX"), "{err}");
        }
        assert_eq!(config(&[("REDIS_PREFIX", "test:abc-1")]).unwrap().redis_prefix, "test:abc-1");
    }

    #[test]
    fn a_bad_postgres_url_is_refused_without_echoing_its_password() {
        for url in ["postgres://app:s3cret@db:notaport/chat", "postgres://app:s3cret@/chat"] {
            let err = config(&[("DATABASE_URL", url)]).unwrap_err();
            assert!(err.0.contains("DATABASE_URL"), "{err}");
            assert!(!err.0.contains("s3cret"), "{err}");
        }
        let err = config(&[("REDIS_URL", "http://user:s3cret@cache")]).unwrap_err();
        assert!(err.0.contains("REDIS_URL") && !err.0.contains("s3cret"), "{err}");
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
    fn redacting_a_url_removes_user_password_and_password_parameters() {
        for (url, shown) in [
            ("postgres://app:s3cret@db:5432/chat", "postgres://db:5432/chat"),
            ("postgresql://app@db/chat?sslmode=disable", "postgresql://db/chat?sslmode=disable"),
            ("postgres://db/chat?password=s3cret&application_name=x", "postgres://db/chat?application_name=x"),
            ("postgres://app@db/chat?password=se@cret", "postgres://db/chat"),
            ("postgres://app:pa/ss?w@rd@db:5432/chat", "postgres://db:5432/chat"),
            ("redis://:hunter2@cache:6379/0", "redis://cache:6379/0"),
            ("sqlite://data/discock.db", "sqlite://data/discock.db"),
            ("sqlite:data/discock.db", "sqlite:data/discock.db"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }

    #[test]
    fn session_lifetimes_are_read_in_days() {
        let c = config(&[("SESSION_IDLE_DAYS", "7"), ("SESSION_MAX_DAYS", "14")]).unwrap();
        assert_eq!(c.sessions, SessionLifetime { idle: days(7), max: days(14) });
    }

    #[test]
    fn an_absolute_sqlite_path_keeps_its_leading_slash() {
        let c = config(&[("DATABASE_URL", "sqlite:///data/discock.db")]).unwrap();
        assert_eq!(c.database, DatabaseConfig::Sqlite { path: "/data/discock.db".into() });
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
