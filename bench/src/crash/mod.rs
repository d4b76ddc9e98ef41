//! The crash test: the real `discock` binary on a fresh SQLite database, several clients sending
//! continuously, and the server killed with SIGKILL at random (seeded) moments and restarted on
//! the same database, again and again. The clients behave like real ones — they count a message
//! as delivered only when its stored copy comes back, and resend the rest with the same
//! `client_id` after reconnecting. At the end the server is stopped and the database audited:
//! every acknowledged message stored exactly once and as acknowledged, every room's seq gapless
//! (messages and the event log agree), `PRAGMA integrity_check` ok.
//!
//! Layout: `server` (the child process), `client` (a resending client), `check` (the audit);
//! this file runs them and writes the report.

mod check;
mod client;
mod server;

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;

pub use check::Audit;
use client::{Client, Mode, Shared};
use server::ServerSpec;

use crate::api;

/// How long a (re)started server may take to listen.
const START_WITHIN: Duration = Duration::from_secs(30);
/// How long the clients get, after the last restart, to have everything acknowledged.
const DRAIN_WITHIN: Duration = Duration::from_secs(60);

/// What one run does.
#[derive(Clone, Debug)]
pub struct Options {
    /// The server binary (built beforehand: nothing here compiles it).
    pub binary: PathBuf,
    pub kills: u32,
    /// Seeds the kill moments: the same seed gives the same schedule (the traffic, timed by the
    /// machine, differs from run to run).
    pub seed: u64,
    pub users: usize,
    /// Sending connections; connection `i` logs in as user `i % users`.
    pub clients: usize,
    /// Messages each client keeps in flight (sent, not yet acknowledged).
    pub window: usize,
    /// Each server lives a uniformly random time in this range (after it starts listening)
    /// before it is killed.
    pub min_uptime: Duration,
    pub max_uptime: Duration,
    /// Keep the temp folder (database and server log) and print where it is.
    pub keep: bool,
}

impl Options {
    /// The defaults of the `crashtest` command, for the given binary and seed.
    pub fn new(binary: PathBuf, seed: u64) -> Options {
        Options {
            binary,
            kills: 20,
            seed,
            users: 3,
            clients: 6,
            window: 8,
            min_uptime: Duration::from_millis(50),
            max_uptime: Duration::from_millis(1500),
            keep: false,
        }
    }
}

/// What one run measured and found.
#[derive(Debug)]
pub struct Report {
    pub options: Options,
    pub kills: u32,
    /// Messages sent for the first time.
    pub sent: u64,
    /// Sends of a message already sent, after a reconnect (or a `server_error`).
    pub resent: u64,
    /// Sum over the kills of the messages in flight at the moment of the kill.
    pub in_flight_at_kills: u64,
    /// Distinct messages acknowledged.
    pub acknowledged: u64,
    /// Messages never acknowledged, although the last server ran for up to `DRAIN_WITHIN`.
    pub unacknowledged: u64,
    /// Acknowledgements contradicting what was sent or acknowledged before.
    pub client_violations: Vec<String>,
    pub audit: Audit,
    /// Per restart: spawn → accepting connections.
    pub ready: Vec<Duration>,
    /// Per restart that saw one before the next kill: spawn → first acknowledgement.
    pub first_ack: Vec<Duration>,
    pub elapsed: Duration,
    /// Where the database and the server log were kept, with `keep`.
    pub kept: Option<PathBuf>,
}

impl Report {
    /// Everything that went wrong, one line each; empty when the run passed.
    pub fn violations(&self) -> Vec<String> {
        let mut lines = self.client_violations.clone();
        if self.unacknowledged > 0 {
            lines.push(format!(
                "{} messages still unacknowledged {DRAIN_WITHIN:?} after the last restart",
                self.unacknowledged
            ));
        }
        if self.audit.violations() > 0 {
            lines.push(format!(
                "audit: {} lost, {} duplicated, {} mismatched, {} unexpected, {} seq gaps, {} event-log mismatches, \
                 {} foreign-key violations, integrity_check {:?}",
                self.audit.lost,
                self.audit.duplicates,
                self.audit.mismatched,
                self.audit.unexpected,
                self.audit.gaps,
                self.audit.log_mismatches,
                self.audit.foreign_key_violations,
                self.audit.integrity
            ));
            lines.extend(self.audit.problems.iter().cloned());
        }
        lines
    }

    /// The figures as a Markdown table, then the violations if any.
    pub fn markdown(&self) -> String {
        let o = &self.options;
        let a = &self.audit;
        let mut out = String::from("| crash test | |\n|---|---|\n");
        let mut row = |name: &str, value: String| {
            let _ = writeln!(out, "| {name} | {value} |");
        };
        row("seed", o.seed.to_string());
        row("kills (SIGKILL, then restart on the same database)", self.kills.to_string());
        row(
            "load",
            format!(
                "{} clients ({} users) × {} in flight, one room, SQLite WAL synchronous=NORMAL",
                o.clients, o.users, o.window
            ),
        );
        row(
            "uptime before each kill",
            format!("{}–{} ms, uniform", o.min_uptime.as_millis(), o.max_uptime.as_millis()),
        );
        row("messages sent", self.sent.to_string());
        row("in flight at the kills (sum)", self.in_flight_at_kills.to_string());
        row("resends after reconnecting, same client_id", self.resent.to_string());
        row("messages acknowledged", self.acknowledged.to_string());
        row("messages stored", a.stored.to_string());
        row(
            "committed before a kill, unacknowledged, answered from the store on resend",
            a.answered_from_store.to_string(),
        );
        row("acknowledged but lost", a.lost.to_string());
        row("duplicates", a.duplicates.to_string());
        row("stored differently from the acknowledgement", a.mismatched.to_string());
        row("stored but never sent, or without client_id", a.unexpected.to_string());
        row("never acknowledged", self.unacknowledged.to_string());
        row("seq gaps (room_events vs rooms.last_seq)", a.gaps.to_string());
        row("event-log mismatches (messages vs room_events)", a.log_mismatches.to_string());
        row("PRAGMA integrity_check", a.integrity.clone());
        row("PRAGMA foreign_key_check rows", a.foreign_key_violations.to_string());
        row("restart → listening, median / max", spread(&self.ready));
        row(
            &format!(
                "restart → first acknowledgement, median / max ({} of {} restarts)",
                self.first_ack.len(),
                self.ready.len()
            ),
            spread(&self.first_ack),
        );
        row("total time", format!("{:.1} s", self.elapsed.as_secs_f64()));
        let violations = self.violations();
        if violations.is_empty() {
            out.push_str("\nNo violations.\n");
        } else {
            out.push_str("\nViolations:\n");
            for line in violations {
                let _ = writeln!(out, "- {line}");
            }
        }
        if let Some(dir) = &self.kept {
            let _ = writeln!(out, "\nDatabase and server log kept in {}", dir.display());
        }
        out
    }
}

/// "median / max" of some durations, in milliseconds.
fn spread(durations: &[Duration]) -> String {
    if durations.is_empty() {
        return "–".into();
    }
    let mut sorted = durations.to_vec();
    sorted.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!("{:.0} ms / {:.0} ms", ms(sorted[sorted.len() / 2]), ms(sorted[sorted.len() - 1]))
}

/// SplitMix64: a few lines, seedable, good enough to spread kill moments.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn between(&mut self, low: Duration, high: Duration) -> Duration {
        let span = high.saturating_sub(low).as_micros() as u64;
        low + Duration::from_micros(if span == 0 { 0 } else { self.next() % (span + 1) })
    }
}

/// A port nothing listens on now. The server is started on it again after every kill, so it
/// must be fixed for the run (the server binds with SO_REUSEADDR, so TIME_WAIT does not block it).
fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| format!("finding a free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// Runs the crash test. Errors are failures to run it at all (no binary, the server does not
/// start); what it finds is in the report ([`Report::violations`]).
pub async fn run(options: Options) -> Result<Report, String> {
    if !options.binary.is_file() {
        return Err(format!(
            "no server binary at {}: run `cargo build --release` first (or pass --binary PATH)",
            options.binary.display()
        ));
    }
    if options.clients == 0 || options.users == 0 || options.window == 0 {
        return Err("--clients, --users and --window must be at least 1".into());
    }
    let began = Instant::now();
    let dir = tempfile::Builder::new()
        .prefix("discock-crashtest.")
        .tempdir()
        .map_err(|e| format!("creating a temp folder: {e}"))?;
    let spec = ServerSpec {
        binary: options.binary.clone(),
        addr: SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()?)),
        database: dir.path().join("crashtest.db"),
        log: dir.path().join("server.log"),
        dir: dir.path().to_path_buf(),
    };
    let mut rng = Rng(options.seed);

    let mut server = spec.start()?;
    server.listening(&spec, START_WITHIN).await?;
    let base = format!("http://{}", spec.addr);
    let http = api::client()?;
    let mut sessions = Vec::new();
    for user in 0..options.users {
        sessions.push(api::register(&http, &base, &format!("crash_{user}")).await?);
    }
    let room = api::default_room(&http, &base, &sessions[0]).await?;

    // Acknowledgements are timed from restarts only, not from this first start.
    let shared = Arc::new(Shared::default());
    let (mode, modes) = watch::channel(Mode::Send);
    let clients: Vec<_> = (0..options.clients)
        .map(|i| {
            let session = sessions[i % sessions.len()].clone();
            let client = Client::new(i, spec.addr, session, room, options.window, shared.clone(), modes.clone());
            tokio::spawn(client.run())
        })
        .collect();

    let mut ready = Vec::new();
    let mut first_ack = Vec::new();
    let mut in_flight_at_kills = 0;
    for _ in 0..options.kills {
        tokio::time::sleep(rng.between(options.min_uptime, options.max_uptime)).await;
        in_flight_at_kills += shared.in_flight.load(Relaxed);
        server.kill()?;
        first_ack.extend(shared.first_ack_after_start());
        server = spec.start()?;
        shared.restarted(server.started());
        ready.push(server.listening(&spec, START_WITHIN).await?);
    }

    // Let everything in flight be acknowledged by the last server, then stop it gracefully.
    let _ = mode.send(Mode::Drain);
    let drain_deadline = Instant::now() + DRAIN_WITHIN;
    while shared.in_flight.load(Relaxed) > 0 && Instant::now() < drain_deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first_ack.extend(shared.first_ack_after_start());
    let _ = mode.send(Mode::Stop);
    let mut acked = HashMap::new();
    let mut pending = HashSet::new();
    let mut client_violations = Vec::new();
    for client in clients {
        let outcome = client.await.map_err(|e| format!("a client task failed: {e}"))?;
        acked.extend(outcome.acked);
        pending.extend(outcome.pending);
        client_violations.extend(outcome.violations);
    }
    server.stop(Duration::from_secs(10)).await?;

    let database = spec.database.clone();
    let (audit, acked, pending) = tokio::task::spawn_blocking(move || {
        check::audit(&database, &acked, &pending).map(|audit| (audit, acked, pending))
    })
    .await
    .map_err(|e| format!("the audit failed: {e}"))??;

    let kept = options.keep.then(|| dir.keep());
    Ok(Report {
        kills: options.kills,
        sent: shared.sent.load(Relaxed),
        resent: shared.resent.load(Relaxed),
        in_flight_at_kills,
        acknowledged: acked.len() as u64,
        unacknowledged: pending.len() as u64,
        client_violations,
        audit,
        ready,
        first_ack,
        elapsed: began.elapsed(),
        kept,
        options,
    })
}
