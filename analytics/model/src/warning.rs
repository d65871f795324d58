//! 预警: the early-warning indicator system's configuration.
//!
//! The indicators, their thresholds (黄 / 橙 / 红), their weights in the composite index and
//! the support measures (就业帮扶) each key group should get when an indicator triggers all
//! live in a configuration file (`config/early-warning.ron`, embedded as the default). The
//! cube carries the configuration it was evaluated with (`szjy_engine::warning`), so
//! clients show the same names and thresholds the alerts were raised with. Events the
//! models raise (layoff reports, suspect payments, zones behind their targets) are
//! configured here too, for their names, levels and support measures.

use serde::{Deserialize, Serialize};

use crate::alert::{Alert, AlertLevel};
use crate::catalogue;
use crate::lang::Lang;

/// The composite index's measure in the cube.
pub const INDEX_MEASURE: &str = "warning_index";
/// The most severe alert within a region in a month (0 none, 1 黄, 2 橙, 3 红): what the
/// map shows, so a red county never hides under a calm average.
pub const LEVEL_MEASURE: &str = "warning_level";

/// The default configuration, shipped with the program.
pub const DEFAULT_CONFIG: &str = include_str!("../../../config/early-warning.ron");

/// Ids of the event indicators the build raises; the configuration must declare them.
pub mod events {
    /// An employer cut its insured headcount by the layoff-reporting rule.
    pub const LAYOFF_REPORT: &str = "layoff_report";
    /// Suspected duplicate subsidy payments.
    pub const DUPLICATE_PAYMENTS: &str = "duplicate_payments";
    /// Personal subsidies paid to recipients without any registration.
    pub const UNREGISTERED_PAYMENTS: &str = "unregistered_payments";
    /// A service zone is behind the pace needed to meet its yearly targets.
    pub const ZONE_BEHIND_TARGET: &str = "zone_behind_target";
    pub const ALL: [&str; 4] = [LAYOFF_REPORT, DUPLICATE_PAYMENTS, UNREGISTERED_PAYMENTS, ZONE_BEHIND_TARGET];
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WarningConfig {
    pub indicators: Vec<Indicator>,
    /// Composite index (0–100) at or above which a region as a whole is at each level.
    pub composite: Thresholds,
    /// Support measures per key group (重点群体就业帮扶).
    pub groups: Vec<GroupSupport>,
}

/// The indicator families of the 失业预测预警 scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 宏观经济
    Macro,
    /// 监测企业
    Enterprise,
    /// 人力资源市场
    Market,
    /// 失业
    Unemployment,
    /// 资金执行
    Fund,
    /// 服务区
    Service,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    pub id: String,
    pub category: Category,
    pub name_zh: String,
    pub name_en: String,
    /// The value's unit, e.g. `%`, `个百分点`.
    pub unit_zh: String,
    pub unit_en: String,
    pub rule: Rule,
    pub trigger: Trigger,
    /// Weight in the composite index (0: not part of it, as for events).
    pub weight: f64,
    /// Key groups (codes of `codes::KEY_GROUPS`) whose support measures an alert of this
    /// indicator pushes.
    pub groups: Vec<String>,
    /// Where the thresholds come from: the document they follow, or 试点设定.
    pub basis_zh: String,
    pub basis_en: String,
}

/// How an indicator's value is read from the cube's totals of a region and month. A
/// quarterly measure is read at the last complete quarter, a year-to-date one at January
/// to the month.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Rule {
    /// The measure itself.
    Level { measure: String },
    /// Percent change against the same period a year earlier (同比); it raises alerts only
    /// when the absolute change is at least `min_change` (small bases swing wildly).
    ChangeYoY { measure: String, min_change: f64 },
    /// `part ÷ whole × 100`.
    Share { part: String, whole: String },
    /// Loss in percent: `−change ÷ stock a month earlier × 100` (a job-loss rate from
    /// a net change and its headcount).
    LossRate { change: String, stock: String },
    /// Points the year-to-date execution of `measure` (a percent of the year's budget) is
    /// behind the calendar: `month ÷ 12 × 100 − value`.
    CalendarLag { measure: String },
    /// Raised by the build's models; see [`events`].
    Event,
}

impl Indicator {
    pub fn name(&self, lang: Lang) -> &str {
        lang.pick(&self.name_zh, &self.name_en)
    }

    pub fn unit(&self, lang: Lang) -> &str {
        lang.pick(&self.unit_zh, &self.unit_en)
    }

    /// Where the thresholds come from.
    pub fn basis(&self, lang: Lang) -> &str {
        lang.pick(&self.basis_zh, &self.basis_en)
    }
}

impl Rule {
    /// The cube measure a drill-down shows as the indicator's trend.
    pub fn trend_measure(&self) -> Option<&str> {
        match self {
            Rule::Level { measure } | Rule::ChangeYoY { measure, .. } | Rule::CalendarLag { measure } => Some(measure),
            Rule::Share { part, .. } => Some(part),
            Rule::LossRate { change, .. } => Some(change),
            Rule::Event => None,
        }
    }
}

/// Which side of the thresholds is bad.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Trigger {
    /// At or above a threshold.
    Above(Thresholds),
    /// At or below a threshold.
    Below(Thresholds),
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    pub yellow: f64,
    pub orange: f64,
    pub red: f64,
}

impl Thresholds {
    pub fn of(&self, level: AlertLevel) -> f64 {
        match level {
            AlertLevel::Yellow => self.yellow,
            AlertLevel::Orange => self.orange,
            AlertLevel::Red => self.red,
        }
    }
}

impl Trigger {
    /// The highest level `value` reaches, and that level's threshold.
    pub fn level(&self, value: f64) -> Option<(AlertLevel, f64)> {
        let (t, reached): (&Thresholds, fn(f64, f64) -> bool) = match self {
            Trigger::Above(t) => (t, |v, x| v >= x),
            Trigger::Below(t) => (t, |v, x| v <= x),
        };
        AlertLevel::ALL.into_iter().rev().find(|&l| reached(value, t.of(l))).map(|l| (l, t.of(l)))
    }

    pub fn thresholds(&self) -> &Thresholds {
        match self {
            Trigger::Above(t) | Trigger::Below(t) => t,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupSupport {
    /// Code of `codes::KEY_GROUPS`, e.g. `高校毕业生`.
    pub group: String,
    pub name_en: String,
    pub measures_zh: Vec<String>,
    pub measures_en: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("warning configuration {origin}: {message}")]
    Parse { origin: String, message: String },
    #[error("warning configuration {origin}, indicator {indicator}: {message}")]
    Indicator { origin: String, indicator: String, message: String },
}

impl Default for WarningConfig {
    fn default() -> Self {
        WarningConfig::parse(DEFAULT_CONFIG, "config/early-warning.ron (built in)").expect("the built-in warning configuration is valid")
    }
}

impl WarningConfig {
    /// Reads and checks a configuration: every measure it names is in the catalogue,
    /// thresholds are ordered from yellow to red in the trigger's direction, weights are
    /// not negative, every event the build raises is declared and every key group named
    /// has support measures.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let config: WarningConfig =
            ron::from_str(text).map_err(|e| ConfigError::Parse { origin: origin.to_string(), message: e.to_string() })?;
        config.check(origin)?;
        Ok(config)
    }

    fn check(&self, origin: &str) -> Result<(), ConfigError> {
        let fail = |indicator: &str, message: String| ConfigError::Indicator {
            origin: origin.to_string(),
            indicator: indicator.to_string(),
            message,
        };
        let mut seen = std::collections::HashSet::new();
        for ind in &self.indicators {
            if !seen.insert(ind.id.as_str()) {
                return Err(fail(&ind.id, "declared twice".into()));
            }
            if ind.basis_zh.trim().is_empty() || ind.basis_en.trim().is_empty() {
                return Err(fail(&ind.id, "has no basis (the document its thresholds follow, or 试点设定)".into()));
            }
            let measures: Vec<&str> = match &ind.rule {
                Rule::Level { measure } | Rule::ChangeYoY { measure, .. } | Rule::CalendarLag { measure } => vec![measure],
                Rule::Share { part, whole } => vec![part, whole],
                Rule::LossRate { change, stock } => vec![change, stock],
                Rule::Event => {
                    if !events::ALL.contains(&ind.id.as_str()) {
                        return Err(fail(&ind.id, format!("is an Event, but the build raises only {}", events::ALL.join(", "))));
                    }
                    vec![]
                }
            };
            if let Some(unknown) = measures.iter().find(|m| catalogue::measure(m).is_none()) {
                return Err(fail(&ind.id, format!("measure {unknown:?} is not in the catalogue")));
            }
            let t = ind.trigger.thresholds();
            let ordered = match ind.trigger {
                Trigger::Above(_) => t.yellow <= t.orange && t.orange <= t.red,
                Trigger::Below(_) => t.yellow >= t.orange && t.orange >= t.red,
            };
            if !ordered || ![t.yellow, t.orange, t.red].iter().all(|x| x.is_finite()) {
                return Err(fail(
                    &ind.id,
                    format!(
                        "thresholds must run from yellow to red in the trigger's direction (got {} / {} / {})",
                        t.yellow, t.orange, t.red
                    ),
                ));
            }
            if ind.weight.is_nan() || ind.weight < 0.0 {
                return Err(fail(&ind.id, format!("weight {} is negative", ind.weight)));
            }
            if let Some(group) = ind.groups.iter().find(|g| !self.groups.iter().any(|s| &s.group == *g)) {
                return Err(fail(&ind.id, format!("key group {group:?} has no support measures in `groups`")));
            }
        }
        if let Some(missing) = events::ALL.iter().find(|e| !self.indicators.iter().any(|i| i.id == **e)) {
            return Err(fail(missing, "is raised by the build but not declared".into()));
        }
        Ok(())
    }

    /// [`WarningConfig::parse`] of a file, or the built-in configuration for `None`.
    pub fn from_file(path: Option<&std::path::Path>) -> Result<Self, ConfigError> {
        let Some(path) = path else { return Ok(WarningConfig::default()) };
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Parse { origin: origin.clone(), message: e.to_string() })?;
        WarningConfig::parse(&text, &origin)
    }

    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }

    pub fn group(&self, code: &str) -> Option<&GroupSupport> {
        self.groups.iter().find(|g| g.group == code)
    }

    /// The region's overall level for a composite index value.
    pub fn composite_level(&self, index: f64) -> Option<AlertLevel> {
        Trigger::Above(self.composite).level(index).map(|(level, _)| level)
    }

    /// The key groups that `alerts` push support to, each with the indicators behind it,
    /// in the configuration's group order.
    pub fn support_for<'a>(&'a self, alerts: impl IntoIterator<Item = &'a Alert>) -> Vec<(&'a GroupSupport, Vec<&'a Indicator>)> {
        let mut triggered: Vec<&Indicator> = Vec::new();
        for alert in alerts {
            if let Some(ind) = self.indicator(&alert.indicator) {
                if !triggered.iter().any(|t| t.id == ind.id) {
                    triggered.push(ind);
                }
            }
        }
        self.groups
            .iter()
            .filter_map(|g| {
                let by: Vec<&Indicator> = triggered.iter().copied().filter(|i| i.groups.contains(&g.group)).collect();
                (!by.is_empty()).then_some((g, by))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_configuration_is_valid_and_declares_every_event() {
        let config = WarningConfig::default();
        for event in events::ALL {
            assert_eq!(config.indicator(event).map(|i| &i.rule), Some(&Rule::Event), "{event}");
        }
        // Every key group of the scheme has support measures in both languages.
        for group in ["高校毕业生", "农民工", "登记失业人员", "就业困难人员"] {
            let g = config.group(group).unwrap_or_else(|| panic!("{group}"));
            assert!(!g.measures_zh.is_empty() && g.measures_zh.len() == g.measures_en.len(), "{group}");
        }
    }

    #[test]
    fn a_bad_configuration_names_the_indicator_and_the_problem() {
        let unordered = DEFAULT_CONFIG.replacen("yellow: 3.5, orange: 4.0, red: 4.5", "yellow: 4.5, orange: 4.0, red: 3.5", 1);
        assert_ne!(unordered, DEFAULT_CONFIG, "the test edits the unemployment-rate thresholds");
        let err = WarningConfig::parse(&unordered, "test.ron").unwrap_err().to_string();
        assert!(err.contains("test.ron") && err.contains("registered_unemployment_rate") && err.contains("yellow to red"), "{err}");
        let unknown = DEFAULT_CONFIG.replacen("measure: \"registered_unemployment_rate\"", "measure: \"no_such_measure\"", 1);
        let err = WarningConfig::parse(&unknown, "test.ron").unwrap_err().to_string();
        assert!(err.contains("no_such_measure") && err.contains("catalogue"), "{err}");
        let err = WarningConfig::parse("(indicators: [", "broken.ron").unwrap_err().to_string();
        assert!(err.contains("broken.ron"), "{err}");
        let unfounded = DEFAULT_CONFIG.replacen("basis_zh: \"试点设定\"", "basis_zh: \"\"", 1);
        let err = WarningConfig::parse(&unfounded, "test.ron").unwrap_err().to_string();
        assert!(err.contains("gdp_growth") && err.contains("has no basis"), "{err}");
    }

    #[test]
    fn levels_follow_the_trigger_direction() {
        let t = Thresholds { yellow: 1.0, orange: 2.0, red: 3.0 };
        let above = Trigger::Above(t);
        assert_eq!(above.level(0.99), None);
        assert_eq!(above.level(1.0), Some((AlertLevel::Yellow, 1.0)));
        assert_eq!(above.level(2.5), Some((AlertLevel::Orange, 2.0)));
        assert_eq!(above.level(7.0), Some((AlertLevel::Red, 3.0)));
        let below = Trigger::Below(Thresholds { yellow: 1.0, orange: 0.9, red: 0.8 });
        assert_eq!(below.level(1.01), None);
        assert_eq!(below.level(0.85), Some((AlertLevel::Orange, 0.9)));
        assert_eq!(below.level(0.5), Some((AlertLevel::Red, 0.8)));
    }
}
