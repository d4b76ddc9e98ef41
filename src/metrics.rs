//! Metrics: every series `GET /metrics` exposes, held per app in one [`Metrics`] (its own
//! `prometheus_client` registry, never a process-wide one), and the small handles the services
//! count with. A handle is made once, with its counters already resolved, so counting on the
//! message path is one atomic add per batch or per fan-out; labels are looked up only for rare
//! events (a refused frame) and process figures are read from `/proc` at scrape time.
//!
//! The handles know nothing of HTTP, sockets or SQL; `crate::routes::metrics` serves the text.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeLabelValue, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::protocol::ErrorCode;

/// The `Content-Type` of the answer: the Prometheus text format, version 0.0.4.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Every series of one app, and the registry they are written from.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub hub: HubMetrics,
    pub writer: WriterMetrics,
    pub refused: RefusedFrames,
    pub limits: LimitHits,
    pub requests: RequestTimes,
    pub pool: PoolWaits,
    pub redis: RedisMetrics,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Makes every series and registers it under its `discock_` name.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("discock");
        let metrics = Metrics {
            hub: HubMetrics::default(),
            writer: WriterMetrics::default(),
            refused: RefusedFrames::default(),
            limits: LimitHits::default(),
            requests: RequestTimes::default(),
            pool: PoolWaits::default(),
            redis: RedisMetrics::default(),
            registry: Registry::default(),
        };
        metrics.hub.register(&mut registry);
        metrics.writer.register(&mut registry);
        metrics.refused.register(&mut registry);
        metrics.limits.register(&mut registry);
        metrics.requests.register(&mut registry);
        metrics.pool.register(&mut registry);
        metrics.redis.register(&mut registry);
        registry.register_collector(Box::new(ProcessCollector));
        Metrics { registry, ..metrics }
    }

    /// Every series in the Prometheus text format ([`CONTENT_TYPE`]).
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(8 * 1024);
        prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}

/// What the hub counts: connections, room memberships, frames handed to outboxes.
#[derive(Clone, Debug, Default)]
pub struct HubMetrics {
    /// Open WebSocket connections (registered with the hub).
    pub connections: Gauge,
    /// Connection–room memberships: one per connection per room it joined.
    pub memberships: Gauge,
    /// Frames put into a connection's outbox.
    pub deliveries: Counter,
    /// Connections closed because their outbox was full.
    pub lagging: Counter,
}

impl HubMetrics {
    fn register(&self, r: &mut Registry) {
        r.register("websocket_connections", "Open WebSocket connections", self.connections.clone());
        r.register("room_memberships", "Rooms joined, summed over open connections", self.memberships.clone());
        r.register("deliveries", "Frames handed to connection outboxes", self.deliveries.clone());
        r.register("lagging_connections", "Connections closed because their outbox was full", self.lagging.clone());
    }
}

/// What the group-commit writer counts.
#[derive(Clone, Debug)]
pub struct WriterMetrics {
    /// New messages committed (not the replays of a `client_id` already stored).
    pub messages_stored: Counter,
    /// Writes (messages, changes, read markers) per committed batch.
    pub batch_size: Histogram,
    /// Time one batch spends in the store's `write`, transaction and commit included.
    pub batch_seconds: Histogram,
}

impl Default for WriterMetrics {
    fn default() -> Self {
        WriterMetrics {
            messages_stored: Counter::default(),
            // 1, 2, 4 … 512 (the writer's largest batch).
            batch_size: Histogram::new(exponential_buckets(1.0, 2.0, 10)),
            // 100 µs … 3.3 s.
            batch_seconds: Histogram::new(exponential_buckets(0.0001, 2.0, 16)),
        }
    }
}

impl WriterMetrics {
    fn register(&self, r: &mut Registry) {
        r.register("messages_stored", "New messages committed to the store", self.messages_stored.clone());
        r.register("group_commit_batch_size", "Writes committed together in one transaction", self.batch_size.clone());
        r.register("group_commit_duration_seconds", "Time to write and commit one batch", self.batch_seconds.clone());
    }

    /// Counts one batch of `size` writes that took `took`, of which `stored` were new messages.
    pub fn batch(&self, size: usize, took: Duration, stored: usize) {
        self.batch_size.observe(size as f64);
        self.batch_seconds.observe(took.as_secs_f64());
        if stored > 0 {
            self.messages_stored.inc_by(stored as u64);
        }
    }
}

/// The `code` label of a refused frame: the `code` its `error` frame carried.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabel {
    code: CodeValue,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct CodeValue(ErrorCode);

impl EncodeLabelValue for CodeValue {
    /// The code's wire name, taken from its serde form so there is one list of names. Runs at
    /// scrape time only.
    fn encode(&self, encoder: &mut prometheus_client::encoding::LabelValueEncoder) -> Result<(), std::fmt::Error> {
        match serde_json::to_value(self.0) {
            Ok(serde_json::Value::String(name)) => encoder.write_str(&name),
            _ => encoder.write_str("unknown"),
        }
    }
}

/// Frames answered with an `error` frame, by its code.
#[derive(Clone, Debug, Default)]
pub struct RefusedFrames(Family<CodeLabel, Counter>);

impl RefusedFrames {
    fn register(&self, r: &mut Registry) {
        r.register("frames_refused", "Client frames answered with an error frame, by its code", self.0.clone());
    }

    /// Counts one refused frame.
    pub fn inc(&self, code: ErrorCode) {
        self.0.get_or_create(&CodeLabel { code: CodeValue(code) }).inc();
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: &'static str,
}

/// Requests refused (or, for typing, dropped) by a rate limit, one counter per limit, resolved
/// once so a hit costs one atomic add.
#[derive(Clone, Debug)]
pub struct LimitHits {
    family: Family<KindLabel, Counter>,
    pub message: Counter,
    pub room: Counter,
    pub avatar: Counter,
    pub typing: Counter,
    pub login: Counter,
    pub register: Counter,
    pub sockets: Counter,
}

impl Default for LimitHits {
    fn default() -> Self {
        let family = Family::<KindLabel, Counter>::default();
        let kind = |kind| family.get_or_create_owned(&KindLabel { kind });
        LimitHits {
            message: kind("message"),
            room: kind("room"),
            avatar: kind("avatar"),
            typing: kind("typing"),
            login: kind("login"),
            register: kind("register"),
            sockets: kind("sockets"),
            family,
        }
    }
}

impl LimitHits {
    fn register(&self, r: &mut Registry) {
        r.register("rate_limit_hits", "Requests refused by a rate limit, by limit", self.family.clone());
    }
}

/// How long the history and search requests take.
#[derive(Clone, Debug)]
pub struct RequestTimes {
    pub history: Histogram,
    pub search: Histogram,
}

impl Default for RequestTimes {
    fn default() -> Self {
        // 500 µs … 4 s.
        let buckets = || Histogram::new(exponential_buckets(0.0005, 2.0, 14));
        RequestTimes { history: buckets(), search: buckets() }
    }
}

impl RequestTimes {
    fn register(&self, r: &mut Registry) {
        r.register(
            "history_request_duration_seconds",
            "Time to answer GET /api/messages/{room_id}, errors included",
            self.history.clone(),
        );
        r.register(
            "search_request_duration_seconds",
            "Time to answer GET /api/search, errors included",
            self.search.clone(),
        );
    }
}

/// Observes the time from its making to its drop into a histogram, whichever way the timed
/// code returns.
pub struct Timer {
    histogram: Histogram,
    started: Instant,
}

impl Timer {
    pub fn start(histogram: &Histogram) -> Timer {
        Timer { histogram: histogram.clone(), started: Instant::now() }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.histogram.observe(self.started.elapsed().as_secs_f64());
    }
}

/// Waits for a database connection, as the pool (r2d2, for SQLite and PostgreSQL alike)
/// reports them: the time of each checkout, and the checkouts that gave up.
#[derive(Clone, Debug)]
pub struct PoolWaits {
    /// Time to get a connection from the pool, r2d2's check of it included.
    pub wait: Histogram,
    /// Checkouts that timed out (the call answered "database unavailable").
    pub timeouts: Counter,
}

impl Default for PoolWaits {
    fn default() -> Self {
        // 10 µs … 10.5 s (the longest checkout timeout is 10 s).
        PoolWaits { wait: Histogram::new(exponential_buckets(0.00001, 2.0, 21)), timeouts: Counter::default() }
    }
}

impl PoolWaits {
    fn register(&self, r: &mut Registry) {
        r.register("db_pool_wait_seconds", "Time to check a connection out of the database pool", self.wait.clone());
        r.register("db_pool_timeouts", "Checkouts from the database pool that timed out", self.timeouts.clone());
    }
}

impl r2d2::HandleEvent for PoolWaits {
    fn handle_checkout(&self, event: r2d2::event::CheckoutEvent) {
        self.wait.observe(event.duration().as_secs_f64());
    }

    fn handle_timeout(&self, _event: r2d2::event::TimeoutEvent) {
        self.timeouts.inc();
    }
}

/// What the Redis fan-out counts (zero on a single instance).
#[derive(Clone, Debug)]
pub struct RedisMetrics {
    /// Events published to the other instances.
    pub publishes: Counter,
    /// Events that could not be published (Redis down) or found the queue full.
    pub publish_failures: Counter,
    /// From queueing an event to Redis acknowledging its PUBLISH.
    pub publish_lag: Histogram,
    /// Catch-ups from the database after the subscription was cut and made again.
    pub resyncs: Counter,
    /// Room events never delivered on this instance: missing from Redis and the database, or
    /// behind a gap that held too many. Zero in a healthy deployment.
    pub skipped: Counter,
}

impl Default for RedisMetrics {
    fn default() -> Self {
        RedisMetrics {
            publishes: Counter::default(),
            publish_failures: Counter::default(),
            // 100 µs … 3.3 s.
            publish_lag: Histogram::new(exponential_buckets(0.0001, 2.0, 16)),
            resyncs: Counter::default(),
            skipped: Counter::default(),
        }
    }
}

impl RedisMetrics {
    fn register(&self, r: &mut Registry) {
        r.register("redis_publishes", "Events published to Redis for the other instances", self.publishes.clone());
        r.register(
            "redis_publish_failures",
            "Events not published: Redis unreachable or the publish queue full",
            self.publish_failures.clone(),
        );
        r.register(
            "redis_publish_lag_seconds",
            "Time from queueing an event to Redis acknowledging its publication",
            self.publish_lag.clone(),
        );
        r.register(
            "redis_resyncs",
            "Catch-ups from the database after the Redis subscription was lost",
            self.resyncs.clone(),
        );
        r.register(
            "room_events_skipped",
            "Room events given up on: missing from Redis and the database, or behind too long a gap",
            self.skipped.clone(),
        );
    }
}

/// CPU time and resident memory of the process, read from `/proc` at each scrape (absent on
/// systems without it).
#[derive(Debug)]
struct ProcessCollector;

/// Clock ticks per second in `/proc/*/stat`: the kernel's `USER_HZ`, 100 on every Linux
/// architecture this server is built for (x86-64, arm64).
const USER_HZ: f64 = 100.0;

impl Collector for ProcessCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok();
        if let Some(ticks) = stat.as_deref().and_then(cpu_ticks) {
            let cpu = ConstCounter::new(ticks as f64 / USER_HZ);
            let metric = encoder.encode_descriptor(
                "process_cpu_seconds",
                "User and system CPU time of the server process",
                None,
                cpu.metric_type(),
            )?;
            cpu.encode(metric)?;
        }
        let status = std::fs::read_to_string("/proc/self/status").ok();
        if let Some(bytes) = status.as_deref().and_then(resident_bytes) {
            let rss = ConstGauge::new(bytes);
            let metric = encoder.encode_descriptor(
                "process_resident_memory_bytes",
                "Resident memory of the server process",
                None,
                rss.metric_type(),
            )?;
            rss.encode(metric)?;
        }
        Ok(())
    }
}

/// utime + stime from `/proc/self/stat`: fields 14 and 15, counted after the command name,
/// which is in parentheses and may itself hold spaces or parentheses.
fn cpu_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11); // field 3 (state) is the first here
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// `VmRSS` from `/proc/self/status`, in bytes (the file says kB, meaning KiB).
fn resident_bytes(status: &str) -> Option<i64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: i64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_is_read_after_a_command_name_with_spaces_and_parentheses() {
        let stat = "4242 (discock (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 1 2 3";
        assert_eq!(cpu_ticks(stat), Some(300));
        assert_eq!(resident_bytes("Name:\tdiscock\nVmRSS:\t   2048 kB\n"), Some(2 * 1024 * 1024));
    }

    #[test]
    fn the_output_is_prometheus_text_with_every_series_named_discock() {
        let metrics = Metrics::new();
        metrics.hub.deliveries.inc_by(3);
        metrics.refused.inc(ErrorCode::UnknownType);
        metrics.limits.message.inc();
        metrics.writer.batch(2, Duration::from_millis(1), 2);
        let text = metrics.encode();
        assert!(text.contains("discock_deliveries_total 3\n"), "{text}");
        assert!(text.contains("discock_frames_refused_total{code=\"unknown_type\"} 1\n"), "{text}");
        assert!(text.contains("discock_rate_limit_hits_total{kind=\"message\"} 1\n"), "{text}");
        assert!(text.contains("discock_messages_stored_total 2\n"), "{text}");
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            let (series, value) = line.rsplit_once(' ').expect("name and value");
            assert!(series.starts_with("discock_"), "{line}");
            assert!(value.parse::<f64>().is_ok() || value == "+Inf", "{line}");
        }
    }
}
