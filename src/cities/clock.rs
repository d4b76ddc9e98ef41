//! A city's local time for people elsewhere: the clock on the wall there, its offset from UTC,
//! and whether it is a quiet hour (23:00–07:00), from the IANA time zone database compiled into
//! the binary (`chrono-tz`), so daylight saving changes come out right without host tzdata.

use chrono::{DateTime, Offset, TimeZone, Timelike, Utc};
use serde::Serialize;

/// The first hour of the night, when a message is likely to wake someone.
const QUIET_FROM: u32 = 23;
/// The first hour of the morning.
const QUIET_UNTIL: u32 = 7;

/// The time in a time zone at one instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocalTime {
    /// "HH:MM", 24-hour.
    pub time: String,
    /// Minutes east of UTC (Moscow: 180; New York in winter: -300).
    pub utc_offset: i32,
    /// Between 23:00 and 07:00 there.
    pub quiet: bool,
}

/// What the clock shows in `tz` at `at`.
pub fn local_time(tz: chrono_tz::Tz, at: DateTime<Utc>) -> LocalTime {
    let local = tz.from_utc_datetime(&at.naive_utc());
    let (hour, minute) = (local.hour(), local.minute());
    LocalTime {
        time: format!("{hour:02}:{minute:02}"),
        utc_offset: local.offset().fix().local_minus_utc() / 60,
        quiet: !(QUIET_UNTIL..QUIET_FROM).contains(&hour),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Tz;

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn berlin_moves_its_clock_forward_at_one_utc_on_the_last_sunday_of_march() {
        let before = local_time(Tz::Europe__Berlin, at("2026-03-29T00:59:00Z"));
        assert_eq!((before.time.as_str(), before.utc_offset), ("01:59", 60));
        let after = local_time(Tz::Europe__Berlin, at("2026-03-29T01:00:00Z"));
        assert_eq!((after.time.as_str(), after.utc_offset), ("03:00", 120));
    }

    #[test]
    fn new_york_is_five_hours_behind_in_winter_and_four_in_summer() {
        let winter = local_time(Tz::America__New_York, at("2026-01-15T17:30:00Z"));
        assert_eq!((winter.time.as_str(), winter.utc_offset, winter.quiet), ("12:30", -300, false));
        // Clocks go forward at 07:00 UTC on the second Sunday of March.
        let before = local_time(Tz::America__New_York, at("2026-03-08T06:59:00Z"));
        assert_eq!((before.time.as_str(), before.utc_offset), ("01:59", -300));
        let after = local_time(Tz::America__New_York, at("2026-03-08T07:00:00Z"));
        assert_eq!((after.time.as_str(), after.utc_offset), ("03:00", -240));
    }

    #[test]
    fn moscow_keeps_three_hours_ahead_all_year() {
        for instant in ["2026-01-15T12:00:00Z", "2026-07-15T12:00:00Z"] {
            let t = local_time(Tz::Europe__Moscow, at(instant));
            assert_eq!((t.time.as_str(), t.utc_offset), ("15:00", 180));
        }
    }

    #[test]
    fn quiet_hours_run_from_eleven_at_night_to_seven_in_the_morning() {
        let quiet = |utc: &str| local_time(Tz::UTC, at(utc)).quiet;
        assert!(!quiet("2026-05-01T22:59:00Z"));
        assert!(quiet("2026-05-01T23:00:00Z"));
        assert!(quiet("2026-05-02T00:00:00Z"));
        assert!(quiet("2026-05-02T06:59:00Z"));
        assert!(!quiet("2026-05-02T07:00:00Z"));
    }

    #[test]
    fn a_half_hour_zone_keeps_its_minutes() {
        let t = local_time(Tz::Asia__Kolkata, at("2026-05-01T00:00:00Z"));
        assert_eq!((t.time.as_str(), t.utc_offset), ("05:30", 330));
    }
}
