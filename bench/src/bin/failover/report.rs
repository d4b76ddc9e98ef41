//! The drill's Markdown: what ran, how long the failed-over clients took to come back, and what
//! the audit found; and the list of violations that makes the command fail.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use crate::drill::Outcomes;

impl Outcomes {
    /// Everything that went wrong, one line each; empty when the drill passed.
    pub fn violations(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let failed_over = self.clients.iter().filter(|c| !c.failovers.is_empty()).count();
        if failed_over == 0 {
            lines.push(format!("no client was on {}: nothing failed over", self.options.victim));
        }
        if !self.drained {
            let pending: usize = self.clients.iter().map(|c| c.pending.len()).sum();
            lines.push(format!("{pending} messages still unacknowledged after the drain"));
        }
        if !self.settled {
            lines.push("not every client reached its rooms' final seq in time".into());
        }
        let a = &self.audit;
        if a.violations() > 0 {
            lines.push(format!(
                "audit: {} acknowledged but lost, {} stored twice, {} stored otherwise than acknowledged, \
                 {} stored but unacknowledged, {} stored but never sent, {} seq problems, \
                 {} deliveries missed, {} wrong",
                a.lost,
                a.stored_twice,
                a.mismatched,
                a.stored_unacknowledged,
                a.unexpected,
                a.seq_problems,
                a.missed,
                a.wrong
            ));
            lines.extend(a.problems.iter().cloned());
        }
        let count: u64 = self.clients.iter().map(|c| c.violation_count).sum();
        if count > 0 {
            lines.push(format!("clients: {count} violations (duplicates, skipped seqs, refused frames…)"));
            lines.extend(self.clients.iter().flat_map(|c| c.violations.iter().cloned()).take(20));
        }
        lines
    }

    /// The figures as a Markdown table, then the violations if any.
    pub fn markdown(&self) -> String {
        let o = &self.options;
        let a = &self.audit;
        let clients = &self.clients;
        let sum = |f: fn(&crate::client::Outcome) -> u64| clients.iter().map(f).sum::<u64>();
        let failovers: Vec<_> = clients.iter().flat_map(|c| c.failovers.iter()).collect();
        let failed_over = clients.iter().filter(|c| !c.failovers.is_empty()).count();
        let members = clients.len() * o.rooms_per_client / o.rooms.max(1);

        let mut out = String::from("| failover drill | |\n|---|---|\n");
        let mut row = |name: &str, value: String| {
            let _ = writeln!(out, "| {name} | {value} |");
        };
        row(
            "load",
            format!(
                "{} clients (one user each) in {} rooms, {} rooms each ({} members per room), {} msg/s each ({:.0} msg/s offered)",
                clients.len(),
                o.rooms,
                o.rooms_per_client,
                members,
                o.rate,
                o.rate * clients.len() as f64
            ),
        );
        row(
            "timeline",
            format!(
                "{:.0} s of load, SIGKILL to instance {} at {:.1} s ({} UTC), then drain and settle; {:.1} s in all",
                o.duration.as_secs_f64(),
                o.victim,
                self.killed_at.as_secs_f64(),
                self.killed_clock,
                self.elapsed.as_secs_f64()
            ),
        );
        row("clients per instance before the kill", tally(clients.iter().map(|c| c.first_backend.as_str())));
        row(
            "clients whose socket dropped (failed over)",
            format!("{failed_over} (from {})", tally(failovers.iter().map(|f| f.from.as_str()))),
        );
        row("reconnected to", tally(failovers.iter().map(|f| f.to.as_str())));
        row(
            "reconnect attempts (failed ones)",
            format!(
                "{} ({})",
                failovers.iter().map(|f| u64::from(f.attempts)).sum::<u64>(),
                clients.iter().map(|c| u64::from(c.failed_attempts)).sum::<u64>()
            ),
        );
        row("first reconnect attempt after the drop, ms", format!("random 0–{}", o.jitter.as_millis()));
        let times = |f: fn(&crate::client::Failover) -> Option<Duration>| {
            failovers.iter().filter_map(|x| f(x)).collect::<Vec<_>>()
        };
        row(
            "drop → upgraded through the balancer, ms (min / p50 / p90 / p99 / max)",
            spread(&times(|f| Some(f.upgraded))),
        );
        row("**drop → first frame after resuming with `since`**, ms", spread(&times(|f| f.resumed)));
        row("drop → first acknowledgement after resuming, ms", spread(&times(|f| f.first_ack)));
        row("messages sent", sum(|c| c.sent).to_string());
        row(
            "in flight when their socket dropped",
            failovers.iter().map(|f| f.in_flight as u64).sum::<u64>().to_string(),
        );
        row("resent with the same `client_id`", sum(|c| c.resent).to_string());
        row(
            "of those, answered from the store (committed by the dead instance)",
            sum(|c| c.answered_from_store).to_string(),
        );
        row("messages acknowledged", a.acked.to_string());
        row("messages stored", a.stored.to_string());
        row("never acknowledged", clients.iter().map(|c| c.pending.len() as u64).sum::<u64>().to_string());
        row("**acknowledged but lost**", a.lost.to_string());
        row(
            "stored twice · stored otherwise than acknowledged · stored, never sent",
            format!("{} · {} · {}", a.stored_twice, a.mismatched, a.unexpected),
        );
        row("deliveries owed (messages × members) · received", format!("{} · {}", a.expected, a.delivered));
        row(
            "**deliveries missed · duplicated · out of order**",
            format!("{} · {} · {}", a.missed, sum(|c| c.duplicates), sum(|c| c.skipped) + a.wrong),
        );
        let violations = self.violations();
        if violations.is_empty() {
            out.push_str("\nNo violations: every acknowledged message is stored once and reached every member of its room once, in order.\n");
        } else {
            out.push_str("\nViolations:\n");
            for line in violations {
                let _ = writeln!(out, "- {line}");
            }
        }
        out
    }
}

/// "a: 120, b: 118" from names, in name order.
fn tally<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let mut counts = BTreeMap::new();
    for name in names {
        *counts.entry(name).or_insert(0) += 1;
    }
    if counts.is_empty() {
        return "–".into();
    }
    counts.iter().map(|(name, n)| format!("{name}: {n}")).collect::<Vec<_>>().join(", ")
}

/// "min / p50 / p90 / p99 / max (n)" in milliseconds, nearest rank.
fn spread(durations: &[Duration]) -> String {
    if durations.is_empty() {
        return "–".into();
    }
    let mut sorted = durations.to_vec();
    sorted.sort();
    let at = |p: f64| {
        let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1000.0
    };
    format!(
        "{:.0} / {:.0} / {:.0} / {:.0} / {:.0} ({} sockets)",
        sorted[0].as_secs_f64() * 1000.0,
        at(50.0),
        at(90.0),
        at(99.0),
        sorted[sorted.len() - 1].as_secs_f64() * 1000.0,
        sorted.len()
    )
}

#[cfg(test)]
mod tests {
    use super::{spread, tally};
    use std::time::Duration;

    #[test]
    fn the_spread_gives_nearest_rank_percentiles_in_milliseconds() {
        let ms: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(spread(&ms), "1 / 50 / 90 / 99 / 100 (100 sockets)");
        assert_eq!(spread(&[]), "–");
    }

    #[test]
    fn the_tally_counts_names_in_name_order() {
        assert_eq!(tally(["b", "a", "b"].into_iter()), "a: 1, b: 2");
    }
}
