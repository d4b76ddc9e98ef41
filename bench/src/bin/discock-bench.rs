//! `discock-bench`: an open-loop load generator for Discock and the plain reference servers.
//!
//! Creates users and rooms (Discock only), opens R × C WebSockets, sends on a fixed schedule,
//! checks every delivery, and prints one Markdown table row per run (or per step).
//!
//! Layout:
//! - `options`: flags and the named workloads
//! - `discock_bench::api` (the library): the Discock HTTP calls (register, create room, history page)
//! - `ingest`: the closed-loop fill of one room (stored messages/s), before the workload
//! - `load`: connect + join, the reader that checks deliveries, the open-loop sender
//! - `stats`: counters, latency histograms, `/proc` readings

#[path = "discock-bench/ingest.rs"]
mod ingest;
#[path = "discock-bench/load.rs"]
mod load;
#[path = "discock-bench/options.rs"]
mod options;
#[path = "discock-bench/stats.rs"]
mod stats;

use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::time::{sleep_until, Instant};

use discock_bench::api;

use crate::load::{Endpoint, OwnMessages, Sender, SenderState};
use crate::options::{Options, Target};
use crate::stats::Stats;

/// A delivery ratio below this, or a p99 above `STEP_P99_LIMIT_US`, ends the step workload.
const STEP_MIN_DELIVERY: f64 = 0.999;
const STEP_P99_LIMIT_US: u64 = 100_000;
/// A generator using this much of its core is (nearly) the bottleneck itself.
const GENERATOR_SATURATED_PERCENT: f64 = 90.0;

#[tokio::main]
async fn main() {
    let opts = match options::parse() {
        Ok(o) => o,
        Err(e) if e.is_empty() => {
            print!("{}", options::USAGE);
            return;
        }
        Err(e) => {
            eprintln!("error: {e}\n\n{}", options::USAGE);
            std::process::exit(2);
        }
    };
    if let Err(e) = run(opts).await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// What the setup produced and every phase reuses.
struct Setup {
    stats: Arc<Stats>,
    senders: Vec<Sender>,
    http: reqwest::Client,
    base: String,
    /// Session used for history reads (Discock only).
    history: Option<(String, i64)>,
    rss_per_conn_kib: Option<f64>,
}

async fn run(opts: Options) -> Result<(), String> {
    let conns = opts.rooms * opts.clients;
    let limit = stats::raise_nofile_limit();
    if limit > 0 && (limit as usize) < conns + 64 {
        eprintln!(
            "warning: open-file limit is {limit} but {conns} sockets are needed; run `ulimit -n {}` \
             (as root if the hard limit is lower) in the shells of both the bench and the server",
            conns + 1024
        );
    }
    let Some(mut setup) = setup(&opts).await? else { return Ok(()) };

    if let Some(every) = opts.mark_every {
        println!(
            "\nRead markers: every connection sends mark_read for the newest message it received, every {:.1} s \
             when it received one since (about {:.0} marks/s).",
            every.as_secs_f64(),
            (opts.rooms * opts.clients) as f64 / every.as_secs_f64()
        );
    }
    if opts.change_share > 0.0 {
        println!(
            "\nMix: {:.0} % of the events are changes to the sender's latest message instead of new \
             messages, alternately an edit (timed: its message_updated carries the send time) and a \
             reaction added or taken back (counted as delivered to every member, not timed).",
            opts.change_share * 100.0
        );
    }
    println!(
        "\n| workload | target | rooms × clients | senders/room | rate msg/s/sender | offered del/s | achieved del/s \
         | delivered % | p50 ms | p99 ms | p99.9 ms | max ms | lost | dup | out of order | server CPU-s / 1k del \
         | CPU %: server (kernel share) · generator | server RSS KiB / conn \
         | history p50 / p99 ms: store · queue · server · client (n) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");

    if opts.workload == "idle" || opts.senders == 0 {
        tokio::time::sleep(opts.duration).await;
        let closed = setup.stats.closed_by_server.load(Relaxed);
        println!(
            "| {} | {} | {} × {} | 0 | 0 | 0 | 0 | – | – | – | – | – | – | – | – | – | – | {} | – |",
            opts.workload,
            opts.label,
            opts.rooms,
            opts.clients,
            fmt_opt(setup.rss_per_conn_kib, 1)
        );
        if closed > 0 {
            println!("\n{closed} connections were closed by the server during the idle period");
        }
        return Ok(());
    }

    if opts.workload == "step" {
        let mut rate = opts.rates[0];
        let mut knee = None;
        let mut failed = None;
        for _ in 0..opts.max_steps {
            let r = phase(&opts, &mut setup, rate).await;
            print_row(&opts, rate, &r, setup.rss_per_conn_kib);
            if !r.passes() {
                failed = Some(r.busy);
                break;
            }
            knee = Some(rate);
            rate *= opts.step_factor;
        }
        match knee {
            Some(k) => println!(
                "\nknee: {k} msg/s per sender = {:.0} offered deliveries/s (the last step with p99 ≤ 100 ms and ≥ 99.9 % delivered)",
                k * (opts.rooms * opts.senders * opts.clients) as f64
            ),
            None => println!("\nknee: below the first step ({} msg/s per sender)", opts.rates[0]),
        }
        if let Some(busy) = failed {
            let pct = |p: Option<f64>| p.map_or_else(|| "–".to_string(), |p| format!("{p:.0} %"));
            println!(
                "At the first failing step the server used {} of its core and the generator {} of its own{}",
                pct(busy.server_percent()),
                pct(busy.generator_percent()),
                if busy.generator_percent().is_some_and(|p| p >= GENERATOR_SATURATED_PERCENT) {
                    ": the generator was saturated, so this knee is at most the server's."
                } else {
                    "."
                }
            );
        }
    } else {
        let mut bad = Vec::new();
        for &rate in &opts.rates {
            let r = phase(&opts, &mut setup, rate).await;
            print_row(&opts, rate, &r, setup.rss_per_conn_kib);
            bad.extend(r.bad_rooms.into_iter().map(|b| (rate, b)));
        }
        if !bad.is_empty() {
            println!("\nrooms with lost/duplicated/out-of-order deliveries (first 10):");
            for (rate, (room, lost, dup, ooo)) in bad.iter().take(10) {
                println!("- at {rate} msg/s, room index {room}: lost {lost}, dup {dup}, out of order {ooo}");
            }
        }
    }
    println!(
        "\nLatency runs from each message's scheduled send time to its receipt, for messages scheduled in the \
         measured window; achieved = deliveries received during the window / duration; lost = expected \
         (sent × members) minus delivered in order, once the drain timeout ({:.0} s) has passed.",
        opts.drain.as_secs_f64()
    );
    let s = &setup.stats;
    let (errors, closed, send_errors) =
        (s.error_frames.load(Relaxed), s.closed_by_server.load(Relaxed), s.send_errors.load(Relaxed));
    let marks = s.marks.load(Relaxed);
    if marks > 0 {
        println!("\nmark_read frames sent over the whole run: {marks}");
    }
    if errors + closed + send_errors > 0 {
        println!("\nerror frames: {errors}, connections closed by the server: {closed}, failed sends: {send_errors}");
    }
    Ok(())
}

/// Users, rooms, the ingest fill, connections; returns once every connection has joined, or
/// `None` after the fill for the ingest workload.
async fn setup(opts: &Options) -> Result<Option<Setup>, String> {
    let base = format!("http://{}", opts.addr());
    let http = api::client()?;
    let stats = Arc::new(Stats::new(opts.rooms));
    let run_tag = format!("{:x}", stats.now_us() / 1_000_000 % 0xff_ffff);

    let (sessions, room_ids): (Vec<Option<String>>, Vec<i64>) = match opts.target {
        Target::Plain => (vec![None], (1..=opts.rooms as i64).collect()),
        Target::Discock => {
            let t = std::time::Instant::now();
            let sessions: Vec<Result<String, String>> = futures_util::stream::iter(0..opts.users)
                .map(|i| {
                    let (http, base, name) = (http.clone(), base.clone(), format!("b{run_tag}_{i}"));
                    async move { api::register(&http, &base, &name).await }
                })
                .buffered(opts.register_concurrency)
                .collect()
                .await;
            let sessions: Vec<String> = sessions.into_iter().collect::<Result<_, _>>()?;
            eprintln!("registered {} users in {:.1} s", sessions.len(), t.elapsed().as_secs_f64());
            let owner = sessions[0].clone();
            let ids: Vec<Result<i64, String>> = futures_util::stream::iter(0..opts.rooms)
                .map(|r| {
                    let (http, base, owner, name) =
                        (http.clone(), base.clone(), owner.clone(), format!("bench-{run_tag}-{r}"));
                    async move { api::create_room(&http, &base, &owner, &name).await }
                })
                .buffered(8)
                .collect()
                .await;
            (sessions.into_iter().map(Some).collect(), ids.into_iter().collect::<Result<_, _>>()?)
        }
    };

    let endpoints: Vec<Arc<Endpoint>> = sessions
        .iter()
        .map(|s| {
            Arc::new(Endpoint {
                session: s.clone(),
                join_timeout: Duration::from_secs(if opts.target == Target::Plain { 2 } else { 10 }),
                join_reply_required: opts.target == Target::Discock,
            })
        })
        .collect();

    let mut history_room = opts.history_room;
    if opts.history_messages > 0 {
        let room_id = match (&opts.target, &sessions[0]) {
            (Target::Discock, Some(owner)) => {
                api::create_room(&http, &base, owner, &format!("bench-{run_tag}-history")).await?
            }
            _ => 1,
        };
        let r = fill_room(opts, &endpoints, room_id).await?;
        println!(
            "\n| ingest | target | senders × in flight | messages | seconds | stored msg/s | ack p50 / p99 ms \
             | server CPU-s / 1k msgs | CPU %: server (kernel share) · generator |"
        );
        println!("|---|---|---|---|---|---|---|---|---|");
        println!(
            "| {} | {} | {} × {} | {} | {:.1} | {:.0} | {} / {} | {} | {} |",
            opts.workload,
            opts.label,
            r.senders,
            r.window,
            r.messages,
            r.secs,
            r.per_second(),
            ms(r.ack.value_at_quantile(0.5)),
            ms(r.ack.value_at_quantile(0.99)),
            r.busy.per_1k_cell(r.messages),
            r.busy.cell()
        );
        println!(
            "\nStored = sent back to its sender as new_message, which the server does only after the commit \
             (the reference server stores nothing). Every sender's messages came back once each, in order."
        );
        history_room = history_room.or(Some(room_id));
    }
    if opts.workload == "ingest" {
        return Ok(None);
    }

    let rss0 = stats::rss_kib_of(&opts.server_pids);
    let t = std::time::Instant::now();
    let conns = opts.rooms * opts.clients;
    let mut joined = futures_util::stream::iter(0..conns)
        .map(|i| {
            let ep = endpoints[i % endpoints.len()].clone();
            let room_id = room_ids[i / opts.clients];
            // With several instances, neighbours in a room are on different ones.
            let addr = &opts.addrs[i % opts.addrs.len()];
            async move { (i, load::connect_and_join(&ep, addr, room_id).await) }
        })
        .buffer_unordered(opts.connect_concurrency);
    let mut senders = Vec::new();
    while let Some((i, res)) = joined.next().await {
        let j = res.map_err(|e| format!("connection {i}: {e}"))?;
        let (room, client) = (i / opts.clients, i % opts.clients);
        stats.rooms[room].members.fetch_add(1, Relaxed);
        // Marks spread evenly over one interval so that they do not come in lockstep.
        let marker = opts.mark_every.map(|every| {
            let first = tokio::time::Instant::now() + every.mul_f64((i as f64 / conns as f64) + 1.0);
            load::Marker::new(room_ids[room], every, first)
        });
        let seen = marker.as_ref().map(|m| m.seen.clone());
        if client < opts.senders {
            let mut state = SenderState::new(i as u64, room_ids[room]);
            state.marker = marker;
            let own = OwnMessages { sender: state.id, latest: state.latest.clone() };
            tokio::spawn(load::read_loop(j.stream, room, i, stats.clone(), Some(own), seen));
            senders.push(Sender { sink: j.sink, room, state });
        } else {
            tokio::spawn(load::read_loop(j.stream, room, i, stats.clone(), None, seen));
            match marker {
                Some(marker) => drop(tokio::spawn(load::mark_loop(j.sink, marker, stats.clone()))),
                // Dropping the write half does not close the socket: the reader's half keeps it
                // open, and answers the server's pings itself.
                None => drop(j.sink),
            }
        }
    }
    eprintln!("opened and joined {conns} connections in {:.1} s", t.elapsed().as_secs_f64());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rssn = stats::rss_kib_of(&opts.server_pids);
    let rss_per_conn_kib = match (rss0, rssn) {
        (Some(a), Some(b)) => Some((b as f64 - a as f64) / conns as f64),
        _ => None,
    };
    let history = match opts.target {
        Target::Discock => sessions[0].clone().map(|s| (s, history_room.unwrap_or(room_ids[0]))),
        Target::Plain => None,
    };
    Ok(Some(Setup { stats, senders, http, base, history, rss_per_conn_kib }))
}

/// Joins `--ingest-senders` connections to `room_id` and stores `--history-messages` through them.
async fn fill_room(opts: &Options, endpoints: &[Arc<Endpoint>], room_id: i64) -> Result<ingest::IngestResult, String> {
    let conns: Vec<Result<load::Joined, String>> = futures_util::stream::iter(0..opts.ingest_senders)
        .map(|i| {
            let ep = endpoints[i % endpoints.len()].clone();
            let addr = &opts.addrs[i % opts.addrs.len()];
            async move { load::connect_and_join(&ep, addr, room_id).await }
        })
        .buffer_unordered(opts.connect_concurrency)
        .collect()
        .await;
    let conns = conns.into_iter().collect::<Result<Vec<_>, _>>()?;
    eprintln!("storing {} messages into room {room_id} through {} connections…", opts.history_messages, conns.len());
    // Sender ids far above the workload's (which are connection indexes) keep the two apart.
    ingest::fill(
        conns,
        room_id,
        1 << 40,
        opts.history_messages,
        opts.ingest_window,
        &opts.server_pids,
        &opts.backing_pids,
    )
    .await
}

/// The figures of one phase (one rate).
struct PhaseResult {
    offered_per_s: f64,
    achieved_per_s: f64,
    expected: u64,
    delivered: u64,
    lost: u64,
    duplicated: u64,
    out_of_order: u64,
    latency: hdrhistogram::Histogram<u64>,
    /// Deliveries received inside the measured window.
    window_deliveries: u64,
    busy: stats::Busy,
    history: History,
    /// (room index, lost, dup, out of order) for each room where any is non-zero.
    bad_rooms: Vec<(usize, u64, u64, u64)>,
}

impl PhaseResult {
    fn ratio(&self) -> f64 {
        if self.expected == 0 {
            1.0
        } else {
            self.delivered as f64 / self.expected as f64
        }
    }

    fn passes(&self) -> bool {
        self.ratio() >= STEP_MIN_DELIVERY && self.latency.value_at_quantile(0.99) <= STEP_P99_LIMIT_US
    }
}

/// Per-room snapshot: (sent, received, dup, out of order).
fn snapshot(stats: &Stats) -> Vec<[u64; 4]> {
    stats
        .rooms
        .iter()
        .map(|r| {
            [r.sent.load(Relaxed), r.received.load(Relaxed), r.duplicated.load(Relaxed), r.out_of_order.load(Relaxed)]
        })
        .collect()
}

/// Sends at `rate` for warmup + duration, then drains, and measures.
async fn phase(opts: &Options, setup: &mut Setup, rate: f64) -> PhaseResult {
    let stats = setup.stats.clone();
    let period = Duration::from_secs_f64(1.0 / rate);
    let start = Instant::now() + Duration::from_millis(200);
    let warm_end = start + opts.warmup;
    let end = warm_end + opts.duration;
    let before = snapshot(&stats);
    stats.reset_window(stats.micros_at(warm_end.into_std()), stats.micros_at(end.into_std()));

    let n = setup.senders.len().max(1);
    let change_every = if opts.change_share > 0.0 { (1.0 / opts.change_share).round() as u64 } else { 0 };
    let handles: Vec<_> = setup
        .senders
        .drain(..)
        .enumerate()
        .map(|(j, s)| {
            // Spread the senders evenly over one period so that they do not fire in lockstep.
            let first = start + period.mul_f64(j as f64 / n as f64);
            tokio::spawn(load::send_loop(s, first, period, end, change_every, stats.clone()))
        })
        .collect();

    let history =
        tokio::spawn(history_loop(setup.http.clone(), setup.base.clone(), setup.history.clone(), warm_end, end));

    sleep_until(warm_end).await;
    let busy_start = stats::Busy::start(&opts.server_pids, &opts.backing_pids);
    sleep_until(end).await;
    let busy = stats::Busy::since(&busy_start);
    let window_deliveries = stats.window_deliveries.load(Relaxed);
    for h in handles {
        if let Ok(s) = h.await {
            setup.senders.push(s);
        }
    }
    let history = history.await.unwrap_or_else(|_| History::new());

    // Drain: wait until every expected delivery arrived, or the drain timeout.
    let deadline = Instant::now() + opts.drain;
    let counts = |stats: &Stats| {
        let after = snapshot(stats);
        let mut bad = Vec::new();
        let (mut expected, mut delivered, mut dup, mut ooo) = (0, 0, 0, 0);
        for (room, (a, b)) in after.iter().zip(&before).enumerate() {
            let members = stats.rooms[room].members.load(Relaxed);
            let d = [a[0] - b[0], a[1] - b[1], a[2] - b[2], a[3] - b[3]];
            let e = d[0] * members;
            let ok = d[1] - d[2] - d[3];
            expected += e;
            delivered += ok;
            dup += d[2];
            ooo += d[3];
            let lost = e.saturating_sub(ok);
            if lost + d[2] + d[3] > 0 {
                bad.push((room, lost, d[2], d[3]));
            }
        }
        (expected, delivered, dup, ooo, bad)
    };
    let (expected, delivered, dup, ooo, bad) = loop {
        let c = counts(&stats);
        if c.1 >= c.0 || Instant::now() >= deadline {
            break c;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    let members: u64 = stats.rooms.iter().map(|r| r.members.load(Relaxed)).sum::<u64>() / opts.rooms as u64;
    let secs = opts.duration.as_secs_f64();
    PhaseResult {
        offered_per_s: rate * setup.senders.len() as f64 * members as f64,
        achieved_per_s: window_deliveries as f64 / secs,
        expected,
        delivered,
        lost: expected.saturating_sub(delivered),
        duplicated: dup,
        out_of_order: ooo,
        latency: stats.latency(),
        window_deliveries,
        busy,
        history,
        bad_rooms: bad,
    }
}

/// Times `GET /api/messages/{room}` back to back (20 ms apart) between `from` and `until`:
/// as the client sees it, and as the server reports it in `Server-Timing`.
async fn history_loop(
    http: reqwest::Client,
    base: String,
    target: Option<(String, i64)>,
    from: Instant,
    until: Instant,
) -> History {
    let mut h = History::new();
    let Some((session, room)) = target else { return h };
    sleep_until(from).await;
    while Instant::now() < until {
        let t = std::time::Instant::now();
        match api::history_page(&http, &base, &session, room).await {
            Ok(server) => {
                h.client.saturating_record((t.elapsed().as_micros() as u64).max(1));
                if let Some(t) = server {
                    h.server.saturating_record(t.app_us.max(1));
                    h.store.saturating_record(t.db_us.max(1));
                    if let Some(q) = t.queue_us {
                        h.queue.saturating_record(q.max(1));
                    }
                }
            }
            Err(e) => {
                eprintln!("history: {e}");
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    h
}

/// History page latencies of one phase, microseconds.
struct History {
    client: hdrhistogram::Histogram<u64>,
    /// Server-Timing `app`: the handler, waiting for threads included.
    server: hdrhistogram::Histogram<u64>,
    /// Server-Timing `db`: inside the store.
    store: hdrhistogram::Histogram<u64>,
    /// Server-Timing `queue`: waiting for a blocking thread before the store call.
    queue: hdrhistogram::Histogram<u64>,
}

impl History {
    fn new() -> History {
        History {
            client: stats::histogram(),
            server: stats::histogram(),
            store: stats::histogram(),
            queue: stats::histogram(),
        }
    }
}

fn fmt_opt(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "–".to_string(), |v| format!("{v:.decimals$}"))
}

fn ms(us: u64) -> String {
    format!("{:.2}", us as f64 / 1000.0)
}

fn print_row(opts: &Options, rate: f64, r: &PhaseResult, rss: Option<f64>) {
    let l = &r.latency;
    let p50_p99 = |h: &hdrhistogram::Histogram<u64>| {
        if h.is_empty() {
            "–".to_string()
        } else {
            format!("{} / {}", ms(h.value_at_quantile(0.5)), ms(h.value_at_quantile(0.99)))
        }
    };
    let history = if r.history.client.is_empty() {
        "–".to_string()
    } else {
        format!(
            "{} · {} · {} · {} ({})",
            p50_p99(&r.history.store),
            p50_p99(&r.history.queue),
            p50_p99(&r.history.server),
            p50_p99(&r.history.client),
            r.history.client.len()
        )
    };
    let lat = |q: f64| if l.is_empty() { "–".to_string() } else { ms(l.value_at_quantile(q)) };
    println!(
        "| {} | {} | {} × {} | {} | {} | {:.0} | {:.0} | {:.3} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        opts.workload,
        opts.label,
        opts.rooms,
        opts.clients,
        opts.senders,
        rate,
        r.offered_per_s,
        r.achieved_per_s,
        r.ratio() * 100.0,
        lat(0.5),
        lat(0.99),
        lat(0.999),
        if l.is_empty() { "–".to_string() } else { ms(l.max()) },
        r.lost,
        r.duplicated,
        r.out_of_order,
        r.busy.per_1k_cell(r.window_deliveries),
        r.busy.cell(),
        fmt_opt(rss, 1),
        history
    );
}
