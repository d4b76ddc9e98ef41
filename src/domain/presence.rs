//! Presence: whether a person can be reached now — online, idle (their tabs are hidden or
//! untouched for a while) or offline — and how the states of their several connections, on
//! several instances, add up to one.

use serde::{Deserialize, Serialize};

use super::User;

/// A person's state. Ordered so that the state of several connections is their maximum: one
/// active tab makes a person online, however many idle ones they have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Offline,
    Idle,
    Online,
}

impl Presence {
    /// The name used in frames and in Redis.
    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Offline => "offline",
            Presence::Idle => "idle",
            Presence::Online => "online",
        }
    }

    pub fn parse(text: &str) -> Option<Presence> {
        [Presence::Offline, Presence::Idle, Presence::Online].into_iter().find(|p| p.as_str() == text)
    }

    /// The state shown for someone present in a room: they have a connection there, so they
    /// are at least idle, and online unless known to be idle (their state may not have been
    /// recorded yet when their join is announced).
    pub fn of_present(self) -> Presence {
        match self {
            Presence::Idle => Presence::Idle,
            _ => Presence::Online,
        }
    }
}

/// What a connection says of itself: active, or idle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    Online,
    Idle,
}

/// A user in a room's member list, with their presence there (`online` or `idle`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresentUser {
    #[serde(flatten)]
    pub user: User,
    pub presence: Presence,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_active_connection_makes_a_person_online_and_any_connection_makes_them_at_least_idle() {
        let states = [Presence::Idle, Presence::Online, Presence::Idle];
        assert_eq!(states.into_iter().max(), Some(Presence::Online));
        assert_eq!([Presence::Idle, Presence::Offline].into_iter().max(), Some(Presence::Idle));
        assert_eq!(std::iter::empty::<Presence>().max().unwrap_or(Presence::Offline), Presence::Offline);
    }

    #[test]
    fn presence_names_round_trip_and_unknown_names_are_refused() {
        for p in [Presence::Offline, Presence::Idle, Presence::Online] {
            assert_eq!(Presence::parse(p.as_str()), Some(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        assert_eq!(Presence::parse("away"), None);
        assert_eq!(Presence::Offline.of_present(), Presence::Online);
        assert_eq!(Presence::Idle.of_present(), Presence::Idle);
    }
}
