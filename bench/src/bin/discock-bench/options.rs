//! Command-line flags and the named workloads they start from.

use std::time::Duration;

/// Which kind of server is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Discock itself: users, sessions and rooms are created through its HTTP API.
    Discock,
    /// A server with no auth and no HTTP API (the reference server, the Node peer):
    /// `ws://HOST/ws` directly, rooms 1..=R assumed to exist.
    Plain,
}

/// Everything one invocation runs with, after the workload defaults and the flags are merged.
#[derive(Clone, Debug)]
pub struct Options {
    /// The servers to load: connection `i` goes to `addrs[i % len]`, so with two instances of
    /// one deployment every room has members on both. HTTP (users, rooms, history) goes to the
    /// first.
    pub addrs: Vec<String>,
    pub target: Target,
    /// The server's name in the tables (default: the target kind).
    pub label: String,
    pub workload: String,
    pub rooms: usize,
    pub clients: usize,
    /// Sending clients per room (the first `senders` clients of each room send).
    pub senders: usize,
    /// Distinct users; connection `i` logs in as user `i % users`.
    pub users: usize,
    /// Messages per second per sending client (open loop), one measured phase per rate, on the
    /// same connections; the step workload starts from the first.
    pub rates: Vec<f64>,
    pub duration: Duration,
    pub warmup: Duration,
    pub drain: Duration,
    /// The server processes (one per instance): their CPU and RSS are summed.
    pub server_pids: Vec<u32>,
    /// Processes the servers depend on (the database's, Redis): their CPU is reported beside.
    pub backing_pids: Vec<u32>,
    pub history_room: Option<i64>,
    /// Stepwise search: multiply the rate by this after each passing step.
    pub step_factor: f64,
    pub max_steps: usize,
    pub register_concurrency: usize,
    pub connect_concurrency: usize,
    /// Messages stored into a room of their own before the run (the ingest measurement); the
    /// history timing then reads that room. 0 = none.
    pub history_messages: u64,
    pub ingest_senders: usize,
    pub ingest_window: usize,
    /// Share of each sender's events that change its own latest message instead of posting one:
    /// every `1/share`-th event, alternately an edit and a reaction added or taken back.
    pub change_share: f64,
    /// How often every connection marks the newest message it received read (`mark_read`);
    /// `None`: never.
    pub mark_every: Option<Duration>,
}

pub const USAGE: &str = "\
discock-bench: open-loop load generator for Discock and the reference servers

USAGE: discock-bench [FLAGS]

  --addr HOST:PORT[,…]      server to load (default 127.0.0.1:8080); nothing else is contacted.
                            Several (instances of one deployment): connection i goes to the
                            i-th modulo their number, so every room has members on each;
                            users, rooms and history go through the first
  --target discock|plain    discock: register users + create rooms over HTTP (default);
                            plain: ws://HOST:PORT/ws without auth, rooms 1..R
  --label NAME              the server's name in the tables (default discock or plain)
  --workload NAME           idle | small | medium | big | step | ingest (default small)
  --rooms R --clients C     rooms, connections per room
  --senders K               sending connections per room
  --users U                 distinct users (default R*C; fewer means users are reused)
  --rate S[,S…]             messages/s per sending connection; several = one phase each
                            (step: the starting rate)
  --duration SECS           measured sending time per run/step
  --warmup SECS             sending time before measuring starts
  --drain SECS              wait for outstanding deliveries after sending stops (default 5)
  --server-pid PID[,…]      read server CPU and RSS from /proc/PID (summed over several)
  --backing-pid PID[,…]     processes the server depends on (database, Redis): their CPU, and
                            that of their children at the start of each measurement, is
                            reported beside the server's
  --history-room ID         room for GET /api/messages timing (discock; default: the filled
                            room if --history-messages > 0, else the first room)
  --history-messages N      first store N messages into a room of their own, closed loop,
                            and report the ingest rate (default 1000000 for medium and ingest
                            on discock, 0 otherwise; ingest on plain targets uses room 1)
  --ingest-senders K        connections that fill it (default 16)
  --ingest-window W         messages in flight per filling connection (default 64)
  --change-share F          share of events that change the sender's latest message instead
                            of posting (alternately an edit and a reaction toggled); default
                            0.1 for medium on discock (the reactions mix), 0 otherwise
  --mark-read-every SECS     every connection marks the newest message it received read
                            (mark_read) this often, when it received a new one; 0 = never.
                            Default 1 for medium on discock, 0 otherwise
  --step-factor F           step workload: rate multiplier per step (default 1.25)
  --max-steps N             step workload: give up after N steps (default 20)
  --register-concurrency N  parallel registrations (default 8)
  --connect-concurrency N   parallel WebSocket handshakes (default 64)
";

impl Options {
    /// The first server: where users, rooms and history reads go.
    pub fn addr(&self) -> &str {
        &self.addrs[0]
    }
}

/// A comma-separated list of process ids.
fn pids(v: &str) -> Result<Vec<u32>, std::num::ParseIntError> {
    v.split(',').map(str::trim).filter(|p| !p.is_empty()).map(str::parse).collect()
}

/// Parses `std::env::args`, starting from the defaults of `--workload`.
pub fn parse() -> Result<Options, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        return Err(String::new());
    }
    let mut pairs = Vec::new();
    let mut it = args.into_iter();
    while let Some(flag) = it.next() {
        if !flag.starts_with("--") {
            return Err(format!("unexpected argument `{flag}`"));
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        pairs.push((flag, value));
    }
    let workload =
        pairs.iter().rev().find(|(f, _)| f == "--workload").map(|(_, v)| v.clone()).unwrap_or_else(|| "small".into());
    // (rooms, clients, senders per room, rates, duration). Medium runs at the two rates its
    // targets name: 50,000 and 150,000 offered deliveries/s. Step raises the medium load.
    let (rooms, clients, senders, rates, duration): (usize, usize, usize, &[f64], f64) = match workload.as_str() {
        "idle" => (100, 100, 0, &[], 10.0),
        "small" => (1000, 10, 10, &[1.0], 20.0),
        "medium" => (100, 50, 10, &[1.0, 3.0], 20.0),
        "big" => (1, 2000, 10, &[1.0], 20.0),
        "step" => (100, 50, 10, &[0.4], 10.0),
        // Only the fill runs; rooms × clients are not used.
        "ingest" => (1, 1, 0, &[], 0.0),
        other => return Err(format!("unknown workload `{other}` (idle, small, medium, big, step, ingest)")),
    };
    let mut o = Options {
        addrs: vec!["127.0.0.1:8080".into()],
        target: Target::Discock,
        label: String::new(),
        workload,
        rooms,
        clients,
        senders,
        users: 0,
        rates: rates.to_vec(),
        duration: Duration::from_secs_f64(duration),
        warmup: Duration::from_secs(2),
        drain: Duration::from_secs(5),
        server_pids: Vec::new(),
        backing_pids: Vec::new(),
        history_room: None,
        step_factor: 1.25,
        max_steps: 20,
        register_concurrency: 8,
        connect_concurrency: 64,
        history_messages: u64::MAX,
        ingest_senders: 16,
        ingest_window: 64,
        change_share: f64::NAN,
        mark_every: None,
    };
    let mut mark_set = false;
    let mut senders_set = false;
    for (flag, v) in pairs {
        let bad = |e: &dyn std::fmt::Display| format!("{flag} {v}: {e}");
        let secs = |v: &str| -> Result<Duration, String> {
            let s: f64 = v.parse().map_err(|e| bad(&e))?;
            Duration::try_from_secs_f64(s).map_err(|e| bad(&e))
        };
        match flag.as_str() {
            "--addr" => o.addrs = v.split(',').map(|a| a.trim().to_owned()).filter(|a| !a.is_empty()).collect(),
            "--target" => {
                o.target = match v.as_str() {
                    "discock" => Target::Discock,
                    "plain" => Target::Plain,
                    _ => return Err(format!("--target must be discock or plain, not `{v}`")),
                }
            }
            "--workload" => {}
            "--label" => o.label = v,
            "--rooms" => o.rooms = v.parse().map_err(|e| bad(&e))?,
            "--clients" => o.clients = v.parse().map_err(|e| bad(&e))?,
            "--senders" => {
                o.senders = v.parse().map_err(|e| bad(&e))?;
                senders_set = true;
            }
            "--users" => o.users = v.parse().map_err(|e| bad(&e))?,
            "--rate" => {
                o.rates =
                    v.split(',').map(|r| r.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|e| bad(&e))?
            }
            "--duration" => o.duration = secs(&v)?,
            "--warmup" => o.warmup = secs(&v)?,
            "--drain" => o.drain = secs(&v)?,
            "--server-pid" => o.server_pids = pids(&v).map_err(|e| bad(&e))?,
            "--backing-pid" => o.backing_pids = pids(&v).map_err(|e| bad(&e))?,
            "--history-room" => o.history_room = Some(v.parse().map_err(|e| bad(&e))?),
            "--step-factor" => o.step_factor = v.parse().map_err(|e| bad(&e))?,
            "--max-steps" => o.max_steps = v.parse().map_err(|e| bad(&e))?,
            "--register-concurrency" => o.register_concurrency = v.parse().map_err(|e| bad(&e))?,
            "--connect-concurrency" => o.connect_concurrency = v.parse().map_err(|e| bad(&e))?,
            "--history-messages" => o.history_messages = v.parse().map_err(|e| bad(&e))?,
            "--ingest-senders" => o.ingest_senders = v.parse().map_err(|e| bad(&e))?,
            "--ingest-window" => o.ingest_window = v.parse().map_err(|e| bad(&e))?,
            "--change-share" => o.change_share = v.parse().map_err(|e| bad(&e))?,
            "--mark-read-every" => {
                let every = secs(&v)?;
                o.mark_every = (!every.is_zero()).then_some(every);
                mark_set = true;
            }
            _ => return Err(format!("unknown flag `{flag}`")),
        }
    }
    if o.workload != "idle" && !senders_set {
        o.senders = o.senders.min(o.clients);
    }
    if o.workload == "idle" || o.workload == "ingest" {
        o.senders = 0;
    }
    if o.label.is_empty() {
        o.label = match o.target {
            Target::Discock => "discock".into(),
            Target::Plain => "plain".into(),
        };
    }
    if o.history_messages == u64::MAX {
        let fills = o.workload == "ingest" || (o.workload == "medium" && o.target == Target::Discock);
        o.history_messages = if fills { 1_000_000 } else { 0 };
    }
    if o.change_share.is_nan() {
        o.change_share = if o.workload == "medium" && o.target == Target::Discock { 0.1 } else { 0.0 };
    }
    if !mark_set && o.workload == "medium" && o.target == Target::Discock {
        o.mark_every = Some(Duration::from_secs(1));
    }
    if o.mark_every.is_some() && o.target == Target::Plain {
        return Err("--mark-read-every needs --target discock: plain servers know no read markers".into());
    }
    if !(0.0..=0.5).contains(&o.change_share) {
        return Err("--change-share must be between 0 and 0.5".into());
    }
    if o.change_share > 0.0 && o.target == Target::Plain {
        return Err("--change-share needs --target discock: plain servers know no edits or reactions".into());
    }
    if o.workload == "ingest" && o.history_messages == 0 {
        return Err("the ingest workload needs --history-messages above 0".into());
    }
    if o.history_messages > 0 && (o.ingest_senders == 0 || o.ingest_window == 0) {
        return Err("--ingest-senders and --ingest-window must be at least 1".into());
    }
    if o.addrs.is_empty() {
        return Err("--addr needs at least one HOST:PORT".into());
    }
    if o.rooms == 0 || o.clients == 0 {
        return Err("--rooms and --clients must be at least 1".into());
    }
    if o.senders > o.clients {
        return Err(format!("--senders {} is more than --clients {}", o.senders, o.clients));
    }
    if o.senders > 0 && (o.rates.is_empty() || !o.rates.iter().all(|r| *r > 0.0 && r.is_finite())) {
        return Err("--rate must be a positive number of messages per second".into());
    }
    if o.users == 0 {
        o.users = o.rooms * o.clients;
    }
    o.register_concurrency = o.register_concurrency.max(1);
    o.connect_concurrency = o.connect_concurrency.max(1);
    Ok(o)
}
