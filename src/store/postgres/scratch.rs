//! Scratch databases for tests that need a real PostgreSQL.

use postgres::{Client, NoTls};

/// The maintenance database the tests connect to; `DISCOCK_TEST_POSTGRES` overrides it
/// (same shape: `postgres://user@host:port/dbname`, no query string).
const ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A fresh, empty database, dropped (with any connections still open) when this is.
pub(crate) struct ScratchDb {
    /// `postgres://…/discock_scratch_<uuid>`.
    pub url: String,
    /// `host:port` of the server.
    pub server: String,
    pub name: String,
    admin_url: String,
}

fn admin_url() -> String {
    std::env::var("DISCOCK_TEST_POSTGRES").unwrap_or_else(|_| ADMIN_URL.to_owned())
}

fn admin_client(url: &str) -> Result<Client, postgres::Error> {
    let mut config: postgres::Config = url.parse()?;
    config.connect_timeout(std::time::Duration::from_secs(2));
    config.connect(NoTls)
}

/// Creates a scratch database; `None` (the caller skips) when PostgreSQL is not running
/// here, except under `CI=true`, where that fails the test.
pub(crate) fn database() -> Option<ScratchDb> {
    let admin_url = admin_url();
    let mut admin = match admin_client(&admin_url) {
        Ok(client) => client,
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true needs PostgreSQL at {admin_url}: {e}")
        }
        Err(e) => {
            eprintln!("skipped: PostgreSQL at {admin_url} is not reachable ({e})");
            return None;
        }
    };
    let name = format!("discock_scratch_{}", uuid::Uuid::new_v4().simple());
    admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("creating a scratch database");
    let (base, _) = admin_url.rsplit_once('/').expect("the admin URL ends in /dbname");
    let server = base.rsplit_once('@').map_or(base, |(_, s)| s).trim_start_matches("postgres://").to_owned();
    Some(ScratchDb { url: format!("{base}/{name}"), server, name, admin_url })
}

impl ScratchDb {
    /// This database's URL with the server replaced by `addr` (a proxy in front of it).
    pub(crate) fn url_via(&self, addr: std::net::SocketAddr) -> String {
        self.url.replacen(&self.server, &addr.to_string(), 1)
    }

    /// A direct client for arranging what the `Store` trait cannot.
    pub(crate) fn client(&self) -> Client {
        Client::connect(&self.url, NoTls).expect("connecting to the scratch database")
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = admin_client(&self.admin_url) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}
