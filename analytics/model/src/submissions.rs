//! 报送情况: per declared source and month, which reporting regions sent rows, which sent
//! none and whether that makes them late, and how the batches that came in fared. The
//! months come from the cube's coverage (so a local cube shows them too); the batches from
//! the server's audit log (`GET /api/submissions`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::cube::Cube;
use crate::lang::Lang;
use crate::period::Period;
use crate::region::{Adcode, Level, RegionTree};
use crate::reporting::release_day;

/// How many months a source's row shows, newest last.
pub const MONTHS_SHOWN: usize = 12;

/// How many of a source's latest batches are listed.
pub const BATCHES_SHOWN: usize = 20;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Submissions {
    /// The day the statuses were judged on (late: past a month's release day by then).
    pub today: NaiveDate,
    pub sources: Vec<SourceSubmissions>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceSubmissions {
    pub source: String,
    pub level: Level,
    /// How many regions are declared to report it.
    pub reporters: usize,
    /// Whether every reporting region sends rows every month (a region without rows is
    /// then late; for event records none can mean no events).
    pub every_month: bool,
    pub months: Vec<MonthSubmissions>,
    /// The latest batches (uploads and pulls), newest first; empty for a local cube.
    pub batches: Vec<BatchOutcome>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MonthSubmissions {
    pub month: Period,
    /// The month's release day: its last day plus the source's release lag.
    pub due: NaiveDate,
    /// Reporting regions with at least one accepted row.
    pub reported: usize,
    /// Reporting regions without one, ascending.
    pub silent: Vec<Adcode>,
    pub accepted: u64,
    pub quarantined: u64,
    /// Regions more of whose rows were quarantined than the tolerance allows.
    pub quarantined_in: Vec<Adcode>,
}

/// What a month's cell says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MonthState {
    /// Every reporting region sent rows.
    Complete,
    /// Some sent none of a source every region sends every month, past its release day.
    Late,
    /// Some sent none of event records (none can mean no events).
    Quiet,
}

impl MonthSubmissions {
    /// Late where a region that sends every month did not, or where nobody sent anything
    /// (no region has no events for a whole month).
    pub fn state(&self, every_month: bool) -> MonthState {
        match (self.silent.is_empty(), every_month || self.reported == 0) {
            (true, _) => MonthState::Complete,
            (false, true) => MonthState::Late,
            (false, false) => MonthState::Quiet,
        }
    }

    /// The silent regions by name ("历下区、市中区…"), at most `shown`, the rest counted.
    pub fn silent_names(&self, shown: usize, lang: Lang) -> String {
        let tree = RegionTree::shandong();
        let names: Vec<&str> = self.silent.iter().take(shown).filter_map(|r| tree.get(*r)).map(|r| r.name(lang)).collect();
        let joined = names.join(lang.pick("、", ", "));
        match self.silent.len().saturating_sub(shown) {
            0 => joined,
            n => lang.pick(format!("{joined}等{}个", self.silent.len()), format!("{joined} and {n} more")),
        }
    }
}

/// One batch as the audit log recorded it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchOutcome {
    pub at: DateTime<Utc>,
    /// `ingest` (an upload), `pull`, or `refused` (turned away before validation: too
    /// large, unreadable, sent before).
    pub action: String,
    pub batch: Option<String>,
    pub file: Option<String>,
    pub rows_in: Option<u64>,
    pub accepted: Option<u64>,
    pub quarantined: Option<u64>,
    /// Why it was refused; none for a batch that landed.
    pub error: Option<String>,
    /// Landed, then taken out again by an administrator.
    pub rolled_back: bool,
}

impl BatchOutcome {
    pub fn rejected(&self) -> bool {
        self.error.is_some()
    }
}

/// The months of every declared, dated source from the cube's coverage: the last
/// [`MONTHS_SHOWN`] due months up to the cube's 数据截至, judged on `today`. Batches are
/// left empty (the server adds them from its audit log).
pub fn from_cube(cube: &Cube, today: NaiveDate) -> Submissions {
    let tree = RegionTree::shandong();
    let sources = cube
        .reporting
        .sources
        .iter()
        .filter_map(|declared| {
            let mut months: Vec<MonthSubmissions> = cube
                .coverage
                .iter()
                .filter(|m| m.source == declared.source)
                .map(|m| MonthSubmissions {
                    month: m.month,
                    due: release_day(m.month.year(), m.month.last_month(), declared.release_lag_days),
                    reported: tree.at_level(declared.level()).count() - m.silent.len(),
                    silent: m.silent.clone(),
                    accepted: m.accepted,
                    quarantined: m.quarantined,
                    quarantined_in: m.quarantined_in.clone(),
                })
                .collect();
            if months.is_empty() {
                return None;
            }
            months.sort_by_key(|m| m.month.month_index());
            let keep = months.len().saturating_sub(MONTHS_SHOWN);
            months.drain(..keep);
            Some(SourceSubmissions {
                source: declared.source.clone(),
                level: declared.level(),
                reporters: tree.at_level(declared.level()).count(),
                every_month: declared.every_month,
                months,
                batches: Vec::new(),
            })
        })
        .collect();
    Submissions { today, sources }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cube::SourceMonth;

    #[test]
    fn months_say_who_reported_and_whether_silence_is_late() {
        let mut cube = Cube::new(NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(), true);
        let month = |m: u32, silent: Vec<Adcode>| SourceMonth {
            source: "mobile_population".into(),
            month: Period::month(2025, m),
            accepted: 136 - silent.len() as u64,
            quarantined: 0,
            unreadable: 0,
            missing: silent.clone(),
            quarantined_in: Vec::new(),
            silent,
        };
        cube.coverage = (1..=5).map(|m| month(m, vec![])).collect();
        cube.coverage.push(month(6, vec![370102, 370103, 370104]));
        cube.coverage.push(SourceMonth { source: "employment_registrations".into(), ..month(6, vec![370102]) });
        let s = from_cube(&cube, NaiveDate::from_ymd_opt(2025, 8, 1).unwrap());
        let mobile = s.sources.iter().find(|s| s.source == "mobile_population").unwrap();
        assert_eq!((mobile.reporters, mobile.every_month, mobile.months.len()), (136, true, 6));
        let june = mobile.months.last().unwrap();
        assert_eq!((june.reported, june.state(mobile.every_month)), (133, MonthState::Late));
        assert_eq!(june.due, NaiveDate::from_ymd_opt(2025, 7, 30).unwrap(), "30 days after 30 June");
        assert_eq!(june.silent_names(2, Lang::Zh), "历下区、市中区等3个");
        assert_eq!(mobile.months[0].state(true), MonthState::Complete);
        // Event records: a county without registrations is quiet, not late; a month in
        // which nobody sent any is late.
        let registrations = s.sources.iter().find(|s| s.source == "employment_registrations").unwrap();
        assert_eq!(registrations.months[0].state(registrations.every_month), MonthState::Quiet);
        let nobody = MonthSubmissions { reported: 0, ..registrations.months[0].clone() };
        assert_eq!(nobody.state(false), MonthState::Late);
        // Sources without months (undated ones) are not listed.
        assert!(s.sources.iter().all(|s| s.source != "service_zones"));
    }
}
