//! 预警 findings: the alerts a cube carries, their levels and their order.

use serde::{Deserialize, Serialize};

use crate::period::Period;
use crate::region::Adcode;

/// 预警等级: 黄 (yellow) < 橙 (orange) < 红 (red).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertLevel {
    Yellow,
    Orange,
    Red,
}

impl AlertLevel {
    pub const ALL: [AlertLevel; 3] = [AlertLevel::Yellow, AlertLevel::Orange, AlertLevel::Red];

    /// 1, 2, 3: the composite index counts a red alert fully, orange ⅔, yellow ⅓.
    pub fn rank(self) -> u8 {
        self as u8 + 1
    }
}

/// One early-warning finding for one month: an indicator of the warning configuration
/// ([`crate::warning`]) at or past a threshold in a region, or an event the models raise
/// (a layoff report, suspect payments, a zone behind its targets). Subjects are employers
/// or zones, never persons.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// The indicator's id in [`Cube::warning`].
    pub indicator: String,
    pub level: AlertLevel,
    pub region: Adcode,
    pub period: Period,
    /// The first month of the unbroken run of months this indicator has been at alert
    /// (any level) in this region, up to `period`; `period` itself for an event.
    pub since: Period,
    /// Employer or zone id, when the alert is about one.
    pub subject: Option<String>,
    /// The observed figure and the threshold of the level it reached, in the indicator's
    /// unit.
    pub value: f64,
    pub threshold: f64,
}

impl Alert {
    /// Identifies the alert across the months it lasts (and across cube versions), for
    /// its lifecycle: acknowledged, assigned and closed once, not each month.
    pub fn id(&self) -> String {
        match &self.subject {
            Some(subject) => format!("{}/{}/{}/{subject}", self.indicator, self.region, self.since),
            None => format!("{}/{}/{}", self.indicator, self.region, self.since),
        }
    }

    /// Whether an alert id ([`Alert::id`]) names a subject (an employer or a zone), which
    /// the public cube does not show.
    pub fn id_names_subject(id: &str) -> bool {
        id.splitn(4, '/').count() == 4
    }
}

/// The most pressing alert first: the most severe, then the longest-running, then by
/// region, indicator and subject (the alert list, the wall's ticker and the text agree).
pub fn most_pressing_first(a: &Alert, b: &Alert) -> std::cmp::Ordering {
    b.level
        .cmp(&a.level)
        .then(a.since.cmp(&b.since))
        .then(a.region.cmp(&b.region))
        .then(a.indicator.cmp(&b.indicator))
        .then(a.subject.cmp(&b.subject))
}

/// Alerts in a stable order: by month, region, indicator, subject.
pub fn sort_alerts(alerts: &mut [Alert]) {
    alerts.sort_by(|a, b| (a.period, a.region, &a.indicator, &a.subject).cmp(&(b.period, b.region, &b.indicator, &b.subject)));
}
