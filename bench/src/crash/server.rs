//! The server under test as a child process: started on the same port and database every time,
//! killed with SIGKILL (no chance to flush or close anything), or stopped with SIGTERM at the end.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The session cookies stay valid across restarts only with the same key.
const SECRET_KEY: &str = "discock-crashtest-secret-key-0123456789abcdef";

/// How to start the server: always the same binary, address and database.
pub struct ServerSpec {
    pub binary: PathBuf,
    pub addr: SocketAddr,
    pub database: PathBuf,
    /// Every start appends its output here.
    pub log: PathBuf,
    /// The working directory: the temp folder, so no stray `.env` is read.
    pub dir: PathBuf,
}

/// A started server process; killed when dropped, so a failing run leaves no server behind.
pub struct Server {
    child: Option<Child>,
    started: Instant,
}

impl ServerSpec {
    /// Spawns the server with a clean environment: nothing of the caller's (`REDIS_URL`,
    /// `DATABASE_URL`, …) leaks into it.
    pub fn start(&self) -> Result<Server, String> {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .map_err(|e| format!("{}: {e}", self.log.display()))?;
        let log_err = log.try_clone().map_err(|e| format!("{}: {e}", self.log.display()))?;
        let child = Command::new(&self.binary)
            .env_clear()
            .env("HOST", self.addr.ip().to_string())
            .env("PORT", self.addr.port().to_string())
            .env("DATABASE_URL", format!("sqlite://{}", self.database.display()))
            .env("BCRYPT_COST", "4")
            .env("SECRET_KEY", SECRET_KEY)
            // The clients send as fast as the server stores, far beyond what one person may:
            // the rate limits would refuse most of it and measure nothing about crashes.
            .env("RATE_LIMIT_MESSAGES", "off")
            .env("RATE_LIMIT_REGISTER", "off")
            .env("RATE_LIMIT_LOGIN", "off")
            .env("RUST_LOG", "info")
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.binary.display()))?;
        Ok(Server { child: Some(child), started: Instant::now() })
    }

    /// The last lines of the server's log, for error messages.
    pub fn log_tail(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = File::open(&self.log) {
            let len = file.metadata().map(|m| m.len()).unwrap_or(0);
            let _ = file.seek(SeekFrom::Start(len.saturating_sub(2000)));
            let _ = file.read_to_string(&mut text);
        }
        text
    }
}

impl Server {
    /// Waits until the server accepts TCP connections; returns the time since it was spawned
    /// (start-up, including SQLite's recovery of the WAL left by the previous process).
    pub async fn listening(&mut self, spec: &ServerSpec, within: Duration) -> Result<Duration, String> {
        loop {
            if tokio::net::TcpStream::connect(spec.addr).await.is_ok() {
                return Ok(self.started.elapsed());
            }
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    return Err(format!(
                        "the server exited ({status}) before listening; log tail:\n{}",
                        spec.log_tail()
                    ));
                }
            }
            if self.started.elapsed() > within {
                return Err(format!(
                    "the server did not listen on {} within {within:?}; log tail:\n{}",
                    spec.addr,
                    spec.log_tail()
                ));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// When it was spawned.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// SIGKILL (what `Child::kill` sends on Unix), then reaps the process.
    pub fn kill(mut self) -> Result<(), String> {
        let Some(mut child) = self.child.take() else { return Ok(()) };
        child.kill().map_err(|e| format!("SIGKILL: {e}"))?;
        child.wait().map_err(|e| format!("waiting for the killed server: {e}"))?;
        Ok(())
    }

    /// SIGTERM, the server's graceful shutdown; SIGKILL if it has not exited within `grace`.
    pub async fn stop(mut self, grace: Duration) -> Result<(), String> {
        let Some(mut child) = self.child.take() else { return Ok(()) };
        let pid = libc::pid_t::try_from(child.id()).map_err(|e| e.to_string())?;
        // SAFETY: kill(2) on our own child, which has not been reaped yet, so the pid is still ours.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = Instant::now() + grace;
        loop {
            if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
                return if status.success() {
                    Ok(())
                } else {
                    Err(format!("the server exited with {status} on SIGTERM"))
                };
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("the server did not stop within {grace:?} of SIGTERM"));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
