//! The clock the pictures are set in. The browser gets a time zone in which it is a little after
//! noon right now (a whole-hour `Etc/GMT±N` zone, so local now is between 12:00 and 13:00), and
//! the conversation's local times become real instants in that zone: the messages read «вчера,
//! 19:42» … «сегодня, 11:52» at whatever hour the command runs, and the pictures stay the same.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeDelta, Timelike, Utc};

use crate::conversation::Day;

/// The hour it is in the browser's zone while the pictures are taken.
const NOON: i64 = 12;

/// Where "today" and "yesterday" are, and which time zone makes them so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scene {
    /// Hours east of UTC, −11 … +12.
    offset_hours: i64,
    /// The local date of `now`.
    today: NaiveDate,
}

impl Scene {
    /// The scene for the real clock now.
    pub fn now() -> Scene {
        Scene::at(Utc::now())
    }

    /// The scene for `now`: the zone whose local hour at `now` is noon.
    pub fn at(now: DateTime<Utc>) -> Scene {
        let offset_hours = NOON - i64::from(now.hour());
        let today = (now + TimeDelta::hours(offset_hours)).date_naive();
        Scene { offset_hours, today }
    }

    /// The IANA name of the zone, for the browser (`Etc/GMT-3` is three hours *east* of UTC:
    /// POSIX signs).
    pub fn timezone_id(&self) -> String {
        match self.offset_hours {
            0 => "Etc/GMT".to_owned(),
            east if east > 0 => format!("Etc/GMT-{east}"),
            west => format!("Etc/GMT+{}", -west),
        }
    }

    /// The instant of a local time of day on one of the scene's days.
    pub fn instant(&self, day: Day, (h, m, s): (u32, u32, u32)) -> DateTime<Utc> {
        let date = match day {
            Day::Today => self.today,
            Day::Yesterday => self.today - Days::new(1),
        };
        let time = NaiveTime::from_hms_opt(h, m, s).expect("the conversation's times are valid times of day");
        date.and_time(time).and_utc() - TimeDelta::hours(self.offset_hours)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn it_is_noon_in_the_scenes_zone_whatever_the_hour_in_utc() {
        let scene = Scene::at(utc("2026-12-01T09:35:00Z"));
        assert_eq!(scene.timezone_id(), "Etc/GMT-3");
        assert_eq!(scene.instant(Day::Today, (12, 35, 0)), utc("2026-12-01T09:35:00Z"));

        let late = Scene::at(utc("2026-12-01T23:10:00Z"));
        assert_eq!(late.timezone_id(), "Etc/GMT+11");
        assert_eq!(late.instant(Day::Today, (12, 10, 0)), utc("2026-12-01T23:10:00Z"));

        assert_eq!(Scene::at(utc("2026-12-01T12:00:00Z")).timezone_id(), "Etc/GMT");
        assert_eq!(Scene::at(utc("2026-12-01T00:59:00Z")).timezone_id(), "Etc/GMT-12");
    }

    #[test]
    fn yesterday_is_the_local_day_before_today() {
        // 02:00 UTC is noon at UTC+10, on 1 December.
        let scene = Scene::at(utc("2026-12-01T02:00:00Z"));
        assert_eq!(scene.instant(Day::Yesterday, (19, 42, 8)), utc("2026-11-30T09:42:08Z"));
        // 20:00 UTC is noon at UTC−8, on 1 December there too.
        let scene = Scene::at(utc("2026-12-01T20:00:00Z"));
        assert_eq!(scene.instant(Day::Yesterday, (19, 42, 8)), utc("2026-12-01T03:42:08Z"));
    }
}
