//! Limits on what one user, address or connection may do: rates (`RATE_LIMIT_*`), sockets per
//! user, `TRUST_PROXY`, and the HTTP server's per-client connection cap and header timeout.

use std::time::Duration;

use super::ConfigError;

/// A rate: `count` events per `per`, as a token bucket (GCRA) that starts full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: std::num::NonZeroU32,
    pub per: Duration,
}

impl Rate {
    /// Parses `N/SECONDS` (`30/10`: 30 per 10 seconds); `off` is `None`.
    pub fn parse(raw: &str, name: &str) -> Result<Option<Rate>, ConfigError> {
        if raw.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let bad = || ConfigError(format!("{name} must be N/SECONDS (such as 30/10) or off, got {raw:?}"));
        let (count, per) = raw.split_once('/').ok_or_else(bad)?;
        let count: u32 = count.trim().parse().map_err(|_| bad())?;
        let per: u64 = per.trim().parse().map_err(|_| bad())?;
        match (std::num::NonZeroU32::new(count), per) {
            (Some(count), 1..=86_400) => Ok(Some(Rate { count, per: Duration::from_secs(per) })),
            _ => Err(bad()),
        }
    }

    /// The time one event's token takes to come back.
    pub fn interval(&self) -> Duration {
        self.per / self.count.get()
    }
}

/// Limits against flooding; `None` is off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitsConfig {
    pub messages: Option<Rate>,
    pub rooms: Option<Rate>,
    pub login: Option<Rate>,
    pub register: Option<Rate>,
    /// Avatar uploads per user (each is decoded and resized: CPU work).
    pub avatars: Option<Rate>,
    pub connections_per_user: Option<usize>,
    /// Whether `X-Real-IP` / `X-Forwarded-For` name the client (behind a trusted proxy only).
    pub trust_proxy: bool,
}

impl LimitsConfig {
    pub(super) fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let rate = |name: &str, default: &str| Rate::parse(&get(name).unwrap_or_else(|| default.into()), name);
        let connections_per_user = match get("MAX_CONNECTIONS_PER_USER") {
            None => Some(20),
            Some(v) if v.eq_ignore_ascii_case("off") => None,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=10_000).contains(&n) => Some(n),
                _ => {
                    return Err(ConfigError(format!(
                        "MAX_CONNECTIONS_PER_USER must be a whole number from 1 to 10000 or off, got {v:?}"
                    )))
                }
            },
        };
        let trust_proxy = match get("TRUST_PROXY").as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("false" | "0" | "no") => false,
            Some("true" | "1" | "yes") => true,
            Some(other) => return Err(ConfigError(format!("TRUST_PROXY must be true or false, got {other:?}"))),
        };
        Ok(LimitsConfig {
            messages: rate("RATE_LIMIT_MESSAGES", "30/10")?,
            rooms: rate("RATE_LIMIT_ROOMS", "10/3600")?,
            login: rate("RATE_LIMIT_LOGIN", "5/300")?,
            register: rate("RATE_LIMIT_REGISTER", "5/3600")?,
            avatars: rate("RATE_LIMIT_AVATARS", "5/60")?,
            connections_per_user,
            trust_proxy,
        })
    }
}

/// `MAX_CONNECTIONS_PER_ADDRESS` when unset: far more than one person's browser tabs (each
/// holds a WebSocket and a few HTTP connections), far fewer than the thousands a single host
/// could otherwise open to exhaust file descriptors and memory.
pub const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS: usize = 64;
/// `HEADER_READ_TIMEOUT` when unset: a browser sends its headers in one packet, so ten seconds
/// is generous even on a poor mobile link, while a slowloris client trickling bytes holds a
/// connection for no longer than that.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Limits the HTTP server applies to each client (see `crate::server`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Open connections one client address may hold at once (an IPv6 client's /64 counts as
    /// one address); `None` = no cap.
    pub per_address: Option<usize>,
    /// Time a client has to send a request's headers, counted from the connection's start or
    /// the end of the previous response.
    pub header_read_timeout: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::config;

    #[test]
    fn rate_limits_default_to_the_documented_rates_and_read_n_per_seconds_or_off() {
        let c = config(&[]).unwrap().limits;
        let rate = |n, s| Some(Rate { count: std::num::NonZeroU32::new(n).unwrap(), per: Duration::from_secs(s) });
        assert_eq!(
            (c.messages, c.rooms, c.login, c.register),
            (rate(30, 10), rate(10, 3600), rate(5, 300), rate(5, 3600))
        );
        assert_eq!((c.connections_per_user, c.trust_proxy), (Some(20), false));
        assert_eq!(c.avatars, rate(5, 60));

        let set = config(&[
            ("RATE_LIMIT_MESSAGES", "OFF"),
            ("RATE_LIMIT_LOGIN", " 2 / 60 "),
            ("MAX_CONNECTIONS_PER_USER", "off"),
            ("TRUST_PROXY", "true"),
        ])
        .unwrap()
        .limits;
        assert_eq!(
            (set.messages, set.login, set.connections_per_user, set.trust_proxy),
            (None, rate(2, 60), None, true)
        );
        assert_eq!(rate(30, 10).unwrap().interval(), Duration::from_millis(333) + Duration::from_nanos(333_333));

        for (name, value) in [
            ("RATE_LIMIT_MESSAGES", "30"),
            ("RATE_LIMIT_ROOMS", "0/10"),
            ("RATE_LIMIT_LOGIN", "5/0"),
            ("RATE_LIMIT_REGISTER", "x/y"),
            ("MAX_CONNECTIONS_PER_USER", "0"),
            ("TRUST_PROXY", "maybe"),
        ] {
            let err = config(&[(name, value)]).unwrap_err().to_string();
            assert!(err.contains(name), "{err}");
        }
    }

    #[test]
    fn the_connection_cap_can_be_changed_or_turned_off_and_the_header_timeout_set() {
        let c = config(&[("MAX_CONNECTIONS_PER_ADDRESS", "2"), ("HEADER_READ_TIMEOUT", "1")]).unwrap();
        assert_eq!(
            c.connections,
            ConnectionLimits { per_address: Some(2), header_read_timeout: Duration::from_secs(1) }
        );
        assert_eq!(config(&[("MAX_CONNECTIONS_PER_ADDRESS", "0")]).unwrap().connections.per_address, None);
    }
}
