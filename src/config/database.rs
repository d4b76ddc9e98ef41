//! Database settings: `DATABASE_URL` (SQLite or PostgreSQL, with PostgreSQL's `sslmode` and
//! `sslrootcert`), the pool and connect-timeout defaults, and [`redact_url`] for logging URLs.

use std::path::PathBuf;
use std::time::Duration;

use super::ConfigError;

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

/// `sqlite://relative/path`, `sqlite:///absolute/path`, `sqlite:path`, or `postgres://…` /
/// `postgresql://…`. `name` is what error messages call the value.
pub(super) fn parse_database_url(
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
    use crate::config::tests::config;

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
    fn an_absolute_sqlite_path_keeps_its_leading_slash() {
        let c = config(&[("DATABASE_URL", "sqlite:///data/discock.db")]).unwrap();
        assert_eq!(c.database, DatabaseConfig::Sqlite { path: "/data/discock.db".into() });
    }
}
