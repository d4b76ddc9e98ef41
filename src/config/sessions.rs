//! Session lifetimes: how long a login lasts (`SESSION_IDLE_DAYS`, `SESSION_MAX_DAYS`).

use std::time::Duration;

/// How long sessions live (`SESSION_IDLE_DAYS`, `SESSION_MAX_DAYS`). A session is valid while
/// `now < created_at + max` and `now < last_seen_at + idle`; both are applied when a session is
/// checked, so lowering them ends existing sessions too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionLifetime {
    /// Unused for this long, a session ends.
    pub idle: Duration,
    /// This long after its login, a session ends however much it is used.
    pub max: Duration,
}

impl Default for SessionLifetime {
    fn default() -> Self {
        SessionLifetime { idle: days(30), max: days(90) }
    }
}

pub(super) fn days(n: u64) -> Duration {
    Duration::from_secs(n * 24 * 3600)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::config;

    #[test]
    fn session_lifetimes_are_read_in_days() {
        let c = config(&[("SESSION_IDLE_DAYS", "7"), ("SESSION_MAX_DAYS", "14")]).unwrap();
        assert_eq!(c.sessions, SessionLifetime { idle: days(7), max: days(14) });
    }
}
