//! What the run measures: per-room delivery counters, latency histograms, and the server's
//! CPU and memory read from `/proc`.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use hdrhistogram::Histogram;

/// Latencies are recorded in microseconds, up to an hour, with 3 significant digits.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("static histogram bounds are valid")
}

/// Counters of one room, shared by its sender and reader tasks.
#[derive(Default)]
pub struct RoomCounters {
    /// Connections that joined (expected receivers of each message).
    pub members: AtomicU64,
    /// Events whose frame was written: messages, and with a change mix, edits and reactions.
    pub sent: AtomicU64,
    /// `new_message`, `message_updated` and reaction frames received, duplicates included.
    pub received: AtomicU64,
    /// Same (sender, seq) seen again by a connection.
    pub duplicated: AtomicU64,
    /// A seq lower than one already seen from that sender.
    pub out_of_order: AtomicU64,
}

/// Histograms are sharded so that thousands of reader tasks rarely contend on one lock.
const SHARDS: usize = 32;

/// All shared measurement state. Clock: microseconds since the Unix epoch, derived from one
/// monotonic `Instant` so that send and receive stamps are comparable.
pub struct Stats {
    pub rooms: Vec<RoomCounters>,
    latency: Vec<Mutex<Histogram<u64>>>,
    /// Deliveries whose receive time fell inside the measurement window.
    pub window_deliveries: AtomicU64,
    /// Window bounds in clock microseconds; 0..0 before a window is set.
    pub window_start: AtomicU64,
    pub window_end: AtomicU64,
    /// Frames that were not understood, `error` frames, and connections the server closed.
    pub error_frames: AtomicU64,
    pub closed_by_server: AtomicU64,
    pub send_errors: AtomicU64,
    /// `mark_read` frames sent.
    pub marks: AtomicU64,
    base_instant: Instant,
    base_unix_us: u64,
}

impl Stats {
    pub fn new(rooms: usize) -> Stats {
        let base_unix_us = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(0);
        Stats {
            rooms: (0..rooms).map(|_| RoomCounters::default()).collect(),
            latency: (0..SHARDS).map(|_| Mutex::new(histogram())).collect(),
            window_deliveries: AtomicU64::new(0),
            window_start: AtomicU64::new(0),
            window_end: AtomicU64::new(0),
            error_frames: AtomicU64::new(0),
            closed_by_server: AtomicU64::new(0),
            send_errors: AtomicU64::new(0),
            marks: AtomicU64::new(0),
            base_instant: Instant::now(),
            base_unix_us,
        }
    }

    /// Clock reading for an instant (Unix microseconds).
    pub fn micros_at(&self, at: Instant) -> u64 {
        self.base_unix_us + at.saturating_duration_since(self.base_instant).as_micros() as u64
    }

    pub fn now_us(&self) -> u64 {
        self.micros_at(Instant::now())
    }

    /// Accounts one delivery of a message scheduled at `scheduled_us`, received at `now_us`.
    pub fn record_delivery(&self, shard: usize, scheduled_us: u64, now_us: u64) {
        let (start, end) = (self.window_start.load(Relaxed), self.window_end.load(Relaxed));
        if now_us >= start && now_us < end {
            self.window_deliveries.fetch_add(1, Relaxed);
        }
        // Latency is sampled for messages *scheduled* inside the window, however late they arrive.
        if scheduled_us >= start && scheduled_us < end {
            let mut h = self.latency[shard % SHARDS].lock().unwrap_or_else(|p| p.into_inner());
            h.saturating_record(now_us.saturating_sub(scheduled_us).max(1));
        }
    }

    /// Accounts one delivery that carries no send time (a reaction): it counts towards the
    /// window's deliveries but not towards latency.
    pub fn record_untimed_delivery(&self, now_us: u64) {
        let (start, end) = (self.window_start.load(Relaxed), self.window_end.load(Relaxed));
        if now_us >= start && now_us < end {
            self.window_deliveries.fetch_add(1, Relaxed);
        }
    }

    /// Starts a new window: clears the histograms and the window counter.
    pub fn reset_window(&self, start_us: u64, end_us: u64) {
        for h in &self.latency {
            h.lock().unwrap_or_else(|p| p.into_inner()).reset();
        }
        self.window_deliveries.store(0, Relaxed);
        self.window_start.store(start_us, Relaxed);
        self.window_end.store(end_us, Relaxed);
    }

    /// All latency shards merged.
    pub fn latency(&self) -> Histogram<u64> {
        let mut all = histogram();
        for h in &self.latency {
            // Same bounds everywhere, so adding cannot fail.
            let _ = all.add(&*h.lock().unwrap_or_else(|p| p.into_inner()));
        }
        all
    }
}

/// CPU time a process has used so far, in seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CpuTimes {
    /// utime: running its own code.
    pub user: f64,
    /// stime: in the kernel on its behalf (system calls: socket reads and writes, the loopback
    /// TCP stack, SQLite's file I/O).
    pub system: f64,
}

impl CpuTimes {
    pub fn total(self) -> f64 {
        self.user + self.system
    }

    /// What was used between `self` and `later`.
    pub fn until(self, later: CpuTimes) -> CpuTimes {
        CpuTimes { user: later.user - self.user, system: later.system - self.system }
    }
}

/// utime and stime of a process (`None`: this process), from `/proc/<pid>/stat`.
pub fn cpu_times(pid: Option<u32>) -> Option<CpuTimes> {
    let path = pid.map_or_else(|| "/proc/self/stat".to_string(), |pid| format!("/proc/{pid}/stat"));
    parse_cpu_times(&std::fs::read_to_string(path).ok()?, clock_ticks())
}

fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 {
        ticks as f64
    } else {
        100.0
    }
}

fn parse_cpu_times(stat: &str, ticks: f64) -> Option<CpuTimes> {
    // The command name may contain spaces; fields resume after the last ')'.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3 overall, so utime (14) and stime (15) are at 11 and 12 here.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(CpuTimes { user: utime as f64 / ticks, system: stime as f64 / ticks })
}

/// Summed CPU times of several processes (`None` if any cannot be read, or none are given).
pub fn cpu_times_of(pids: &[u32]) -> Option<CpuTimes> {
    let mut sum = CpuTimes { user: 0.0, system: 0.0 };
    for &pid in pids {
        let t = cpu_times(Some(pid))?;
        sum.user += t.user;
        sum.system += t.system;
    }
    (!pids.is_empty()).then_some(sum)
}

/// How busy the server and this generator were over one measured window, as a share of one
/// core each (both are pinned to one). A generator near 100 % measures itself, not the server.
/// With several server processes (instances) the server's figures are their sum; the backing
/// processes (database, Redis) are counted apart.
#[derive(Clone, Copy, Debug)]
pub struct Busy {
    server: Option<CpuTimes>,
    backing: Option<CpuTimes>,
    generator: Option<CpuTimes>,
    wall: f64,
}

/// Readings taken at the start of a window; [`Busy::since`] closes it.
pub struct BusyStart {
    server_pids: Vec<u32>,
    server: Option<CpuTimes>,
    /// Each backing process's reading: one that exits during the window is left out.
    backing: Vec<(u32, CpuTimes)>,
    generator: Option<CpuTimes>,
    at: std::time::Instant,
}

/// `pids` and the processes they are the parents of now, each once: PostgreSQL's postmaster
/// among them brings every backend, however many connections the pools have opened by then.
fn with_children(pids: &[u32]) -> Vec<u32> {
    let mut all = pids.to_vec();
    let Ok(entries) = std::fs::read_dir("/proc") else { return all };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // After the parenthesised command name: the state, then the parent's pid.
        let parent = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
        if parent.is_some_and(|parent| pids.contains(&parent)) && !all.contains(&pid) {
            all.push(pid);
        }
    }
    all
}

impl Busy {
    pub fn start(server_pids: &[u32], backing_pids: &[u32]) -> BusyStart {
        BusyStart {
            server_pids: server_pids.to_vec(),
            server: cpu_times_of(server_pids),
            backing: with_children(backing_pids)
                .into_iter()
                .filter_map(|pid| Some((pid, cpu_times(Some(pid))?)))
                .collect(),
            generator: cpu_times(None),
            at: std::time::Instant::now(),
        }
    }

    pub fn since(start: &BusyStart) -> Busy {
        let later = |a: Option<CpuTimes>, b: Option<CpuTimes>| Some(a?.until(b?));
        let backing = (!start.backing.is_empty()).then(|| {
            start.backing.iter().filter_map(|&(pid, t0)| Some(t0.until(cpu_times(Some(pid))?))).fold(
                CpuTimes { user: 0.0, system: 0.0 },
                |a, b| CpuTimes { user: a.user + b.user, system: a.system + b.system },
            )
        });
        Busy {
            server: later(start.server, cpu_times_of(&start.server_pids)),
            backing,
            generator: later(start.generator, cpu_times(None)),
            wall: start.at.elapsed().as_secs_f64(),
        }
    }

    /// Server CPU-seconds used in the window.
    pub fn server_seconds(&self) -> Option<f64> {
        self.server.map(CpuTimes::total)
    }

    /// CPU-seconds the backing processes used in the window.
    pub fn backing_seconds(&self) -> Option<f64> {
        self.backing.map(CpuTimes::total)
    }

    /// Share of one core the server used.
    pub fn server_percent(&self) -> Option<f64> {
        self.server.map(|t| 100.0 * t.total() / self.wall.max(1e-9))
    }

    /// Share of one core this generator used.
    pub fn generator_percent(&self) -> Option<f64> {
        self.generator.map(|t| 100.0 * t.total() / self.wall.max(1e-9))
    }

    /// Server CPU-seconds per 1,000 `units` (deliveries, stored messages), 4 decimals; with
    /// backing processes also theirs: `0.0050 (+0.0030 db/Redis)`. `–` when unknown.
    pub fn per_1k_cell(&self, units: u64) -> String {
        let per_1k = |cpu: f64| cpu / (units as f64 / 1000.0);
        let Some(server) = self.server_seconds().filter(|_| units > 0).map(per_1k) else { return "–".to_string() };
        match self.backing_seconds().map(per_1k) {
            Some(backing) => format!("{server:.4} (+{backing:.4} db/Redis)"),
            None => format!("{server:.4}"),
        }
    }

    /// `server % (kernel %) · generator %`, `–` where unknown; with backing processes
    /// `server % (kernel %) + backing % db/Redis · generator %`.
    pub fn cell(&self) -> String {
        let server = match (self.server, self.server_percent()) {
            (Some(t), Some(p)) => format!("{p:.0} ({:.0})", 100.0 * t.system / t.total().max(1e-9)),
            _ => "–".to_string(),
        };
        let backing = self
            .backing
            .map_or_else(String::new, |t| format!(" + {:.0} db/Redis", 100.0 * t.total() / self.wall.max(1e-9)));
        let generator = self.generator_percent().map_or_else(|| "–".to_string(), |p| format!("{p:.0}"));
        format!("{server}{backing} · {generator}")
    }
}

/// VmRSS of several processes together, in KiB (`None` if any cannot be read, or none are given).
pub fn rss_kib_of(pids: &[u32]) -> Option<u64> {
    let mut sum = 0;
    for &pid in pids {
        sum += rss_kib(pid)?;
    }
    (!pids.is_empty()).then_some(sum)
}

/// VmRSS of a process, in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Raises the soft RLIMIT_NOFILE to the hard limit; returns the resulting soft limit.
pub fn raise_nofile_limit() -> libc::rlim_t {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: `lim` is a valid, writable rlimit for the duration of both calls.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 0;
        }
        if lim.rlim_cur < lim.rlim_max {
            let want = libc::rlimit { rlim_cur: lim.rlim_max, rlim_max: lim.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &want) == 0 {
                lim.rlim_cur = lim.rlim_max;
            }
        }
    }
    lim.rlim_cur
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_times_are_read_after_a_command_name_with_spaces_and_parentheses() {
        let stat = "4242 (tokio (rt) x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 75 0 0 20 0 3 0";
        let t = parse_cpu_times(stat, 100.0).unwrap();
        assert_eq!(t, CpuTimes { user: 2.5, system: 0.75 });
        assert_eq!(t.total(), 3.25);
    }

    #[test]
    fn a_truncated_stat_line_gives_no_cpu_times() {
        assert_eq!(parse_cpu_times("4242 (discock) S 1 4242", 100.0), None);
        assert_eq!(parse_cpu_times("garbage", 100.0), None);
    }

    #[test]
    fn this_process_sees_its_own_user_time_grow_while_it_computes() {
        let before = cpu_times(None).expect("/proc/self/stat");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut x = 0u64;
        let used = loop {
            for i in 0..1_000_000u64 {
                x = x.wrapping_mul(31).wrapping_add(i);
            }
            std::hint::black_box(x);
            let used = before.until(cpu_times(None).unwrap());
            if used.user > 0.0 || std::time::Instant::now() > deadline {
                break used;
            }
        };
        assert!(used.user > 0.0, "10 s of computing showed no user time: {used:?}");
    }
}
