//! The drill's timeline: register the users and create the rooms through the balancer, connect
//! every client and wait until all have joined, send for `duration`, SIGKILL the victim instance
//! at `kill_at`, then drain (everything in flight acknowledged), settle (every client at its
//! rooms' final seq) and hand the outcomes to the audit.

use std::collections::HashMap;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::COOKIE;
use tokio::sync::{watch, Semaphore};
use tokio::time::Instant;

use discock_bench::api;

use crate::check::{self, Audit};
use crate::client::{Client, Mode, Outcome, Setup, Shared};

/// How long the balancer may take to answer `/health`, and every client to join.
const READY_WITHIN: Duration = Duration::from_secs(60);
/// After the load: how long to get everything in flight acknowledged, then every client to
/// reach its rooms' final seq.
const DRAIN_WITHIN: Duration = Duration::from_secs(60);
const SETTLE_WITHIN: Duration = Duration::from_secs(30);
/// Registrations at once (bcrypt runs on the instances' blocking threads).
const REGISTER_AT_ONCE: usize = 8;

/// What one drill does.
#[derive(Clone, Debug)]
pub struct Options {
    /// The load balancer, `host:port`.
    pub lb: String,
    pub clients: usize,
    pub rooms: usize,
    pub rooms_per_client: usize,
    /// Messages per second each client sends.
    pub rate: f64,
    pub duration: Duration,
    pub kill_at: Duration,
    /// The instance to kill: its process id, and its name as the balancer reports it.
    pub victim_pid: i32,
    pub victim: String,
    /// Before its first reconnect attempt, each client waits a random time up to this.
    pub jitter: Duration,
}

/// What the drill saw, for the report.
pub struct Outcomes {
    pub options: Options,
    pub clients: Vec<Outcome>,
    pub audit: Audit,
    /// When, after the load started, the victim was killed; and the wall-clock time (UTC), to
    /// compare with the balancer's log.
    pub killed_at: Duration,
    pub killed_clock: String,
    /// Whether drain and settle finished in time.
    pub drained: bool,
    pub settled: bool,
    pub elapsed: Duration,
}

pub async fn run(options: Options) -> Result<Outcomes, String> {
    let began = Instant::now();
    let base = format!("http://{}", options.lb);
    let http = api::client()?;
    healthy(&http, &base).await?;

    eprintln!("failover: registering {} users, creating {} rooms…", options.clients, options.rooms);
    let users = register_all(&http, &base, options.clients).await?;
    let mut rooms = Vec::new();
    for r in 0..options.rooms {
        rooms.push(api::create_room(&http, &base, &users[0].0, &format!("drill {r}")).await?);
    }

    let shared = Arc::new(Shared::default());
    let (mode, modes) = watch::channel(Mode::Idle);
    let every = Duration::from_secs_f64(1.0 / options.rate);
    let tasks: Vec<_> = users
        .iter()
        .enumerate()
        .map(|(index, (session, user_id))| {
            let setup = Setup {
                index,
                lb: options.lb.clone(),
                session: session.clone(),
                user_id: *user_id,
                rooms: (0..options.rooms_per_client).map(|j| rooms[(index + j) % rooms.len()]).collect(),
                every,
                jitter: options.jitter,
            };
            tokio::spawn(Client::new(setup, shared.clone(), modes.clone()).run())
        })
        .collect();
    let deadline = Instant::now() + READY_WITHIN;
    while shared.ready.load(Relaxed) < options.clients {
        if Instant::now() > deadline {
            return Err(format!(
                "only {} of {} clients joined their rooms within {READY_WITHIN:?}",
                shared.ready.load(Relaxed),
                options.clients
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    eprintln!(
        "failover: {} clients joined; sending for {:?}, SIGKILL to {} (pid {}) at {:?}…",
        options.clients, options.duration, options.victim, options.victim_pid, options.kill_at
    );
    let load = Instant::now();
    let _ = mode.send(Mode::Send);
    tokio::time::sleep_until(load + options.kill_at).await;
    // SAFETY: kill(2) with a pid the caller named; it has no memory-safety preconditions.
    if unsafe { libc::kill(options.victim_pid, libc::SIGKILL) } != 0 {
        return Err(format!("SIGKILL to pid {}: {}", options.victim_pid, std::io::Error::last_os_error()));
    }
    let killed_at = load.elapsed();
    let killed_clock = chrono::Utc::now().format("%H:%M:%S%.3f").to_string();
    tokio::time::sleep_until(load + options.duration).await;

    eprintln!("failover: draining…");
    let _ = mode.send(Mode::Drain);
    let drained = wait_until(DRAIN_WITHIN, || shared.in_flight.load(Relaxed) == 0).await;
    let mut targets = HashMap::new();
    for &room in &rooms {
        targets.insert(room, check::room_seq(&http, &base, &users[0].0, room).await?);
    }
    let _ = mode.send(Mode::Settle(Arc::new(targets)));
    let settled = wait_until(SETTLE_WITHIN, || shared.settled.load(Relaxed) == options.clients).await;
    let _ = mode.send(Mode::Stop);
    let mut clients = Vec::new();
    for task in tasks {
        clients.push(task.await.map_err(|e| format!("a client task failed: {e}"))?);
    }

    eprintln!("failover: auditing…");
    let audit = check::audit(&http, &base, &users[0].0, &rooms, &clients).await?;
    Ok(Outcomes { options, clients, audit, killed_at, killed_clock, drained, settled, elapsed: began.elapsed() })
}

/// Waits until the balancer answers `GET /health` with 200.
async fn healthy(http: &reqwest::Client, base: &str) -> Result<(), String> {
    let deadline = Instant::now() + READY_WITHIN;
    loop {
        match http.get(format!("{base}/health")).send().await {
            Ok(resp) if resp.status().is_success() => return Ok(()),
            _ if Instant::now() > deadline => return Err(format!("{base}/health did not answer 200 in time")),
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// Polls `done` every 20 ms for at most `within`; whether it came true.
async fn wait_until(within: Duration, done: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while !done() {
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    true
}

/// Registers `drill_0` … and returns each one's session and user id, in order.
async fn register_all(http: &reqwest::Client, base: &str, count: usize) -> Result<Vec<(String, i64)>, String> {
    let gate = Arc::new(Semaphore::new(REGISTER_AT_ONCE));
    let tasks: Vec<_> = (0..count)
        .map(|i| {
            let (http, base, gate) = (http.clone(), base.to_owned(), gate.clone());
            tokio::spawn(async move {
                let _permit = gate.acquire().await.map_err(|e| e.to_string())?;
                let session = api::register(&http, &base, &format!("drill_{i}")).await?;
                let id = me(&http, &base, &session).await?;
                Ok::<_, String>((session, id))
            })
        })
        .collect();
    let mut users = Vec::with_capacity(count);
    for task in tasks {
        users.push(task.await.map_err(|e| format!("a registration task failed: {e}"))??);
    }
    Ok(users)
}

/// `GET /api/me`: the signed-in user's id.
async fn me(http: &reqwest::Client, base: &str, session: &str) -> Result<i64, String> {
    let resp = http
        .get(format!("{base}/api/me"))
        .header(COOKIE, format!("discock_session={session}"))
        .send()
        .await
        .map_err(|e| format!("GET /api/me: {e}"))?;
    let me: serde_json::Value = resp.json().await.map_err(|e| format!("GET /api/me: {e}"))?;
    me["id"].as_i64().ok_or_else(|| format!("GET /api/me: no id in {me}"))
}
