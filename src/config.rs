//! Config: every environment variable the server reads, its default, validated once at start-up.
//!
//! | variable         | default                    | meaning                                                    |
//! |------------------|----------------------------|------------------------------------------------------------|
//! | `HOST`           | `0.0.0.0`                  | address to listen on                                       |
//! | `PORT`           | `8080`                     | port to listen on (`0` picks a free one)                   |
//! | `DATABASE_URL`   | `sqlite://data/discock.db` | `sqlite://relative/path` or `sqlite:///absolute/path`      |
//! | `SECRET_KEY`     | generated at start-up      | keys session-token and CSRF hashes; ≥ 32 characters        |
//! | `BCRYPT_COST`    | `12`                       | bcrypt work factor, 4–31                                   |
//! | `DEFAULT_ROOM`   | `Общий чат`                | name of the room created on first start                    |
//! | `COOKIE_SECURE`  | `auto`                     | `auto` (HTTPS or `X-Forwarded-Proto: https`), `true`, `false` |
//! | `RUST_LOG`       | `info`                     | log filter (read by `main`, not here)                      |

use std::net::IpAddr;
use std::path::PathBuf;

use crate::domain::RoomName;

/// Everything the server needs to know about its environment, already checked.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address the listener binds.
    pub host: IpAddr,
    /// Port the listener binds; 0 lets the OS choose (tests).
    pub port: u16,
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
}

/// The database a deployment uses, from `DATABASE_URL`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseConfig {
    /// An SQLite file; its folder is created at start-up.
    Sqlite { path: PathBuf },
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

/// A configuration value that cannot be used; the message is the one line printed at exit.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

impl Config {
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
        let database = parse_database_url(&get("DATABASE_URL").unwrap_or_else(|| "sqlite://data/discock.db".into()))?;
        let secret_key = match get("SECRET_KEY") {
            Some(v) if v.len() < 32 => {
                return Err(ConfigError(format!(
                    "SECRET_KEY must be at least 32 characters long (got {}); generate one with `openssl rand -hex 32`",
                    v.len()
                )))
            }
            Some(v) => SecretKey { bytes: v.into_bytes(), from_env: true },
            None => SecretKey { bytes: crate::auth::random_bytes::<32>().to_vec(), from_env: false },
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
        Ok(Config { host, port, database, secret_key, bcrypt_cost, default_room, cookie_secure })
    }
}

/// `sqlite://relative/path`, `sqlite:///absolute/path` or `sqlite:path`.
fn parse_database_url(url: &str) -> Result<DatabaseConfig, ConfigError> {
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).ok_or_else(|| {
        match url.split_once(':') {
            Some((scheme, _)) => {
                ConfigError(format!("DATABASE_URL scheme {scheme:?} is not supported; use sqlite://path/to/file.db"))
            }
            None => ConfigError(format!("DATABASE_URL must look like sqlite://data/discock.db, got {url:?}")),
        }
    })?;
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Err(ConfigError(
            "DATABASE_URL must name an SQLite file (in-memory databases lose every message at exit)".into(),
        ));
    }
    Ok(DatabaseConfig::Sqlite { path: PathBuf::from(path) })
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
    fn defaults_apply_when_nothing_is_set() {
        let c = config(&[]).unwrap();
        assert_eq!(c.port, 8080);
        assert_eq!(c.host.to_string(), "0.0.0.0");
        assert_eq!(c.database, DatabaseConfig::Sqlite { path: "data/discock.db".into() });
        assert_eq!(c.bcrypt_cost, 12);
        assert_eq!(c.default_room.as_str(), "Общий чат");
        assert_eq!(c.cookie_secure, CookieSecure::Auto);
        assert!(!c.secret_key.from_env);
        assert_eq!(c.secret_key.bytes.len(), 32);
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
            ("DEFAULT_ROOM", "\u{7}"),
        ] {
            let err = config(&[(key, value)]).unwrap_err();
            assert!(err.0.contains(key), "{key}={value}: {err}");
        }
    }
}
