//! The Discock being photographed: the server library itself, built from this checkout and run in
//! this process on 127.0.0.1 (a free port) with a fresh SQLite database in a temporary folder,
//! which goes when the run ends.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use discock::{App, Config};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running server; `stop` ends it.
pub struct DemoServer {
    addr: SocketAddr,
    database: PathBuf,
    stop: oneshot::Sender<()>,
    serving: JoinHandle<()>,
    _folder: tempfile::TempDir,
}

impl DemoServer {
    pub async fn start() -> Result<DemoServer, String> {
        let folder = tempfile::tempdir().map_err(|e| format!("cannot make a temporary folder: {e}"))?;
        let database = folder.path().join("discock.db");
        let vars = [
            ("HOST", "127.0.0.1".to_owned()),
            ("PORT", "0".to_owned()),
            ("DATABASE_URL", format!("sqlite://{}", database.display())),
            // The database dies with the run: the cheapest password hashing, and a fixed key.
            ("BCRYPT_COST", "4".to_owned()),
            ("SECRET_KEY", "discock-screenshots-throwaway-key-0123456789".to_owned()),
            // The seed registers six people from one address and sends a conversation in a
            // second; every browser and socket comes from 127.0.0.1.
            ("RATE_LIMIT_MESSAGES", "off".to_owned()),
            ("RATE_LIMIT_ROOMS", "off".to_owned()),
            ("RATE_LIMIT_LOGIN", "off".to_owned()),
            ("RATE_LIMIT_REGISTER", "off".to_owned()),
            ("MAX_CONNECTIONS_PER_USER", "off".to_owned()),
            ("MAX_CONNECTIONS_PER_ADDRESS", "0".to_owned()),
        ];
        // Only these: nothing of the caller's environment (DATABASE_URL, REDIS_URL…) leaks in.
        let lookup = |key: &str| vars.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone());
        let config = Config::from_lookup(lookup).map_err(|e| format!("the demo server's settings: {}", e.0))?;
        let app = App::build(config).await.map_err(|e| format!("the demo server did not start: {e}"))?;
        let addr = app.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        let serving = tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        Ok(DemoServer { addr, database, stop, serving, _folder: folder })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Moves stored messages to the times the conversation gives them, straight in the database.
    ///
    /// Everything else the demo holds went through the HTTP API and the WebSocket, as a person's
    /// would; but the server stamps a message with its own clock, and no request can say
    /// "yesterday evening". So the conversation is sent for real and then its messages (and
    /// their entries in the room's event log) are moved back in time, before any browser
    /// loads them. `times` pairs message ids with their new times.
    pub fn backdate(&self, times: &[(i64, DateTime<Utc>)]) -> Result<(), String> {
        let failed = |e: rusqlite::Error| format!("moving the conversation back in time: {e}");
        let mut db = rusqlite::Connection::open(&self.database).map_err(failed)?;
        db.busy_timeout(Duration::from_secs(10)).map_err(failed)?;
        let tx = db.transaction().map_err(failed)?;
        for (id, at) in times {
            // Stored as UTC microseconds since the epoch (see the migrations).
            let micros = at.timestamp_micros();
            let moved =
                tx.execute("UPDATE messages SET created_at = ?1 WHERE id = ?2", (micros, id)).map_err(failed)?;
            if moved != 1 {
                return Err(format!("moving the conversation back in time: no message {id}"));
            }
            tx.execute("UPDATE room_events SET created_at = ?1 WHERE message_id = ?2", (micros, id)).map_err(failed)?;
        }
        tx.commit().map_err(failed)
    }

    /// Stops serving (closing every WebSocket) and waits for it.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(10), self.serving).await;
    }
}
