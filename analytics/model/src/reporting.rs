//! What each source is expected to deliver (`config/sources.ron`): which regions report
//! it, how long after a month it is complete, and whether 数据截至 waits for it. From these
//! declarations the build earns the cube's as-of ([`earned_month`]) instead of taking the
//! largest date it sees.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportingConfig {
    pub sources: Vec<Declaration>,
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
