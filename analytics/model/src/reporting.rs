//! What each source is expected to deliver (`config/sources.ron`): which regions report
//! it, how long after a month it is complete, and whether 数据截至 waits for it. From these
//! declarations the build earns the cube's as-of ([`earned_month`]) instead of taking the
//! largest date it sees.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::region::Level;
use crate::schema;

/// The built-in declarations (`config/sources.ron`).
pub const DEFAULT_CONFIG: &str = include_str!("../../../config/sources.ron");

/// Which regions are expected to report a source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reporter {
    Counties,
    Cities,
    Province,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declaration {
    pub source: String,
    pub reported_by: Reporter,
    /// Days after a month's last day until the month is complete.
    pub release_lag_days: u32,
    /// Whether 数据截至 waits for this source.
    pub for_as_of: bool,
    /// Whether every reporting region sends rows every month (an estimate per region and
    /// month, a filing), so a region-month without rows is missing rather than zero. For
    /// event records (registrations, payments) no rows can mean no events.
    #[serde(default)]
    pub every_month: bool,
}

impl Declaration {
    /// The level of the regions that report the source.
    pub fn level(&self) -> Level {
        match self.reported_by {
            Reporter::Counties => Level::County,
            Reporter::Cities => Level::City,
            Reporter::Province => Level::Province,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportingConfig {
    pub sources: Vec<Declaration>,
    /// A region's month of a source is incomplete when more than this share of its rows
    /// (per cent of accepted + quarantined) was quarantined; 0: any quarantined row. A few
    /// rejected rows in a county's hundreds do not make its figure one a leader should
    /// doubt; a county whose rows mostly failed does. Required: a configuration written
    /// before it existed is refused rather than read as 0.
    pub quarantine_tolerance_percent: f64,
}

impl Default for ReportingConfig {
    fn default() -> Self {
        ReportingConfig::parse(DEFAULT_CONFIG, "config/sources.ron (built in)").expect("the built-in source declarations are valid")
    }
}

impl ReportingConfig {
    /// Reads and checks declarations: every source of the schema exactly once, and the
    /// sources 数据截至 waits for dated by day (so they have months).
    pub fn parse(text: &str, origin: &str) -> Result<Self, String> {
        let config: ReportingConfig = ron::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
        for declared in &config.sources {
            let Some(schema) = schema::source(&declared.source) else {
                return Err(format!("{origin}: `{}` is not a source", declared.source));
            };
            if declared.for_as_of && schema.partition_date.is_none() {
                return Err(format!("{origin}: {} has no date by month, so 数据截至 cannot wait for it", declared.source));
            }
        }
        for schema in schema::SOURCES {
            let n = config.sources.iter().filter(|d| d.source == schema.name).count();
            if n != 1 {
                return Err(format!("{origin}: {} is declared {n} times (once is right)", schema.name));
            }
        }
        if !config.sources.iter().any(|d| d.for_as_of) {
            return Err(format!("{origin}: no source is marked for_as_of"));
        }
        if !(0.0..100.0).contains(&config.quarantine_tolerance_percent) {
            return Err(format!(
                "{origin}: quarantine_tolerance_percent {} is not a share from 0 to under 100",
                config.quarantine_tolerance_percent
            ));
        }
        Ok(config)
    }

    pub fn from_file(path: Option<&std::path::Path>) -> Result<Self, String> {
        let Some(path) = path else { return Ok(ReportingConfig::default()) };
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        ReportingConfig::parse(&text, &path.display().to_string())
    }

    pub fn declaration(&self, source: &str) -> Option<&Declaration> {
        self.sources.iter().find(|d| d.source == source)
    }

    /// Whether `quarantined` rows beside `accepted` ones leave a region's month incomplete:
    /// more than [`Self::quarantine_tolerance_percent`] of its rows.
    pub fn quarantine_leaves_incomplete(&self, quarantined: u64, accepted: u64) -> bool {
        quarantined > 0 && quarantined as f64 * 100.0 > self.quarantine_tolerance_percent * (quarantined + accepted) as f64
    }

    /// The tolerance rule in a sentence, for the 数据来源 screen.
    pub fn describe_tolerance(&self, lang: crate::lang::Lang) -> String {
        let percent = self.quarantine_tolerance_percent;
        lang.pick(
            format!(
                "某地区某月未通过校验的记录超过其记录的{percent}%、或应报未报时，该地区当月数据记为不全（试点设定，config/sources.ron）"
            ),
            format!(
                "A region's month is incomplete when more than {percent}% of its records failed validation, or when it sent none \
                 where it must (pilot setting, config/sources.ron)"
            ),
        )
    }

    /// The level of the regions that report `source` (counties for an undeclared one).
    pub fn level_of(&self, source: &str) -> Level {
        self.declaration(source).map_or(Level::County, Declaration::level)
    }

    /// The sources 数据截至 waits for.
    pub fn for_as_of(&self) -> impl Iterator<Item = &Declaration> {
        self.sources.iter().filter(|d| d.for_as_of)
    }
}

/// The day a month is complete: its last day plus the release lag.
pub fn release_day(year: i32, month: u32, lag_days: u32) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(year, month, 1).expect("a month");
    first + chrono::Months::new(1) - chrono::Duration::days(1) + chrono::Duration::days(lag_days as i64)
}

/// The last month (year, month) whose release day has passed by `today` for every source
/// 数据截至 waits for, and in which each of them has data (`months`: per source, the
/// months with accepted rows). `Err` names the sources that keep every month open.
pub fn earned_month(
    config: &ReportingConfig,
    months: &BTreeMap<String, BTreeSet<(i32, u32)>>,
    today: NaiveDate,
) -> Result<(i32, u32), String> {
    let empty = BTreeSet::new();
    let required: Vec<(&Declaration, &BTreeSet<(i32, u32)>)> =
        config.for_as_of().map(|d| (d, months.get(&d.source).unwrap_or(&empty))).collect();
    let (_, first) = required.first().expect("at least one source is for_as_of");
    first
        .iter()
        .rev()
        .copied()
        .find(|&(y, m)| required.iter().all(|(d, have)| have.contains(&(y, m)) && release_day(y, m, d.release_lag_days) <= today))
        .ok_or_else(|| {
            let missing: Vec<&str> = required.iter().filter(|(_, have)| have.is_empty()).map(|(d, _)| d.source.as_str()).collect();
            if missing.is_empty() {
                format!(
                    "no month is complete by {today}: no month has data in all of {} past its release lag",
                    required.iter().map(|(d, _)| d.source.as_str()).collect::<Vec<_>>().join(", ")
                )
            } else {
                format!("no month is complete: {} has no data", missing.join(", "))
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_built_in_declarations_cover_every_source() {
        let config = ReportingConfig::default();
        assert_eq!(config.sources.len(), schema::SOURCES.len());
        assert!(config.declaration("employment_registrations").is_some_and(|d| d.for_as_of));
        let twice = DEFAULT_CONFIG.replacen("(source: \"policy_rollouts\"", "(source: \"job_seekers\"", 1);
        assert!(ReportingConfig::parse(&twice, "test").unwrap_err().contains("declared 2 times"));
        let whole: String = DEFAULT_CONFIG
            .lines()
            .map(|l| if l.trim_start().starts_with("quarantine_tolerance_percent:") { "quarantine_tolerance_percent: 100.0," } else { l })
            .collect::<Vec<_>>()
            .join("\n");
        assert!(ReportingConfig::parse(&whole, "test").unwrap_err().contains("quarantine_tolerance_percent"));
    }

    #[test]
    fn a_month_is_incomplete_past_the_quarantine_tolerance() {
        let strict = ReportingConfig { quarantine_tolerance_percent: 0.0, ..ReportingConfig::default() };
        let one_percent = ReportingConfig { quarantine_tolerance_percent: 1.0, ..ReportingConfig::default() };
        assert!(!strict.quarantine_leaves_incomplete(0, 100));
        assert!(strict.quarantine_leaves_incomplete(1, 1000));
        // 1 of 100 rows is 1 %: within; 2 of 100 (2 of 102 in) is not; nothing accepted is.
        assert!(!one_percent.quarantine_leaves_incomplete(1, 99));
        assert!(one_percent.quarantine_leaves_incomplete(2, 100));
        assert!(one_percent.quarantine_leaves_incomplete(1, 0));
        assert!(one_percent.describe_tolerance(crate::lang::Lang::Zh).contains("超过其记录的1%"));
    }

    #[test]
    fn as_of_is_earned_not_the_largest_date() {
        let config = ReportingConfig::default();
        let required: Vec<String> = config.for_as_of().map(|d| d.source.clone()).collect();
        let mut months: BTreeMap<String, BTreeSet<(i32, u32)>> =
            required.iter().map(|s| (s.clone(), [(2026, 8), (2026, 9), (2026, 10)].into_iter().collect())).collect();
        // One stray November row in one source moves nothing.
        months.get_mut(&required[0]).unwrap().insert((2026, 11));
        assert_eq!(earned_month(&config, &months, day(2026, 12, 4)), Ok((2026, 10)));
        // Before October's release lag has passed, September is the last complete month.
        let lag = config.declaration(&required[0]).unwrap().release_lag_days;
        assert_eq!(release_day(2026, 10, lag), day(2026, 10, 31) + chrono::Duration::days(lag as i64));
        assert_eq!(earned_month(&config, &months, release_day(2026, 10, lag) - chrono::Duration::days(1)), Ok((2026, 9)));
        // A source late with October holds the cube at September.
        months.get_mut(&required[1]).unwrap().remove(&(2026, 10));
        assert_eq!(earned_month(&config, &months, day(2026, 12, 4)), Ok((2026, 9)));
        // A source with no data at all is named.
        months.get_mut(&required[2]).unwrap().clear();
        assert!(earned_month(&config, &months, day(2026, 12, 4)).unwrap_err().contains(&required[2]));
    }
}
