//! When the server pulls a source: `daily HH:MM`, `monthly D HH:MM` (day of month; a
//! month without that day runs on its last day), or `manual`. Times are Beijing time,
//! as the platform's staff read them, whatever the machine's zone.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schedule {
    Manual,
    Daily(NaiveTime),
    Monthly { day: u32, at: NaiveTime },
}

/// Beijing time (UTC+8, no daylight saving).
pub fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("a valid offset")
}

impl Schedule {
    pub fn parse(text: &str) -> Result<Schedule, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let time =
            |s: &str| NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| format!("`{s}` is not a time like 02:30 (24-hour, Beijing time)"));
        match words.as_slice() {
            ["manual"] => Ok(Schedule::Manual),
            ["daily", at] => Ok(Schedule::Daily(time(at)?)),
            ["monthly", day, at] => {
                let day: u32 =
                    day.parse().ok().filter(|d| (1..=31).contains(d)).ok_or_else(|| format!("`{day}` is not a day of the month (1–31)"))?;
                Ok(Schedule::Monthly { day, at: time(at)? })
            }
            _ => Err(format!("`{text}` is not a schedule: `daily 02:30`, `monthly 16 03:00` or `manual`")),
        }
    }

    /// The first scheduled time strictly after `after`; none for a manual source.
    pub fn next_after(&self, after: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
        let local = after.with_timezone(&beijing()).naive_local();
        let at_local = |day: NaiveDate, at: NaiveTime| beijing().from_local_datetime(&day.and_time(at)).single();
        match *self {
            Schedule::Manual => None,
            Schedule::Daily(at) => {
                let today = at_local(local.date(), at)?;
                Some(if today > after { today } else { at_local(local.date() + Duration::days(1), at)? })
            }
            Schedule::Monthly { day, at } => {
                let in_month = |year: i32, month: u32| {
                    let last = last_day(year, month);
                    at_local(NaiveDate::from_ymd_opt(year, month, day.min(last))?, at)
                };
                let (year, month) = (local.year(), local.month());
                let this = in_month(year, month)?;
                if this > after {
                    return Some(this);
                }
                let (year, month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
                in_month(year, month)
            }
        }
    }

    /// Whether a source last pulled at `last` is late at `now`: a scheduled time after
    /// `last` has passed by more than `grace` (the retries' window).
    pub fn is_late(&self, last: DateTime<FixedOffset>, now: DateTime<FixedOffset>, grace: Duration) -> bool {
        self.next_after(last).is_some_and(|due| now > due + grace)
    }
}

fn last_day(year: i32, month: u32) -> u32 {
    let (y, m) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    NaiveDate::from_ymd_opt(y, m, 1).and_then(|d| d.pred_opt()).map_or(28, |d| d.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn schedules_run_at_their_next_time_in_beijing() {
        let daily = Schedule::parse("daily 02:30").unwrap();
        assert_eq!(daily.next_after(at("2026-12-05T01:00:00+08:00")), Some(at("2026-12-05T02:30:00+08:00")));
        assert_eq!(daily.next_after(at("2026-12-05T02:30:00+08:00")), Some(at("2026-12-06T02:30:00+08:00")));
        // 19:00 UTC on the 4th is 03:00 on the 5th in Beijing: the next run is the 6th.
        assert_eq!(daily.next_after(at("2026-12-04T19:00:00+00:00")), Some(at("2026-12-06T02:30:00+08:00")));
        let monthly = Schedule::parse("monthly 31 03:00").unwrap();
        assert_eq!(monthly.next_after(at("2027-02-01T00:00:00+08:00")), Some(at("2027-02-28T03:00:00+08:00")));
        assert_eq!(monthly.next_after(at("2026-12-31T04:00:00+08:00")), Some(at("2027-01-31T03:00:00+08:00")));
        assert_eq!(Schedule::parse("manual").unwrap().next_after(at("2026-12-05T00:00:00+08:00")), None);
        for bad in ["daily", "daily 24:00", "monthly 0 03:00", "weekly 03:00", "monthly 32 01:00"] {
            assert!(Schedule::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_source_is_late_once_a_scheduled_pull_has_passed_by_the_grace() {
        let daily = Schedule::parse("daily 02:30").unwrap();
        let last = at("2026-12-04T02:31:00+08:00");
        let grace = Duration::hours(2);
        assert!(!daily.is_late(last, at("2026-12-05T04:29:00+08:00"), grace));
        assert!(daily.is_late(last, at("2026-12-05T04:31:00+08:00"), grace));
        assert!(!Schedule::Manual.is_late(last, at("2027-12-05T00:00:00+08:00"), grace));
    }
}
