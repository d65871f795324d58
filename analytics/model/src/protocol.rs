//! What `analytics serve` and its clients (the cockpit, natively and in the browser)
//! exchange, without Polars: the routes, the version announcement, and a parser for the
//! update stream (Server-Sent Events) that takes the bytes as they arrive.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::lang::Lang;

/// The current version (JSON).
pub const VERSION_ROUTE: &str = "/api/version";
/// The public cube in the compact binary form.
pub const CUBE_BINARY_ROUTE: &str = "/api/cube?format=bin";
/// The update stream: a `version` event at connect and at each new version.
pub const UPDATES_ROUTE: &str = "/api/updates";
/// Alerts' lifecycle: GET every alert's state (`BTreeMap<alert id, lifecycle::AlertState>`;
/// who and when only for an analyst's token), POST a step (`{"alert": id, "action":
/// "acknowledge" | "assign" (+ "to") | "close" (+ "note") | "reopen"}`, analyst token).
pub const LIFECYCLE_ROUTE: &str = "/api/alerts/lifecycle";
/// The database pulls' state (`Vec<PullState>`, one per configured source): when each
/// source was last pulled and whether it is late (数据延迟). Why a pull failed only for
/// an analyst's token (it names the platform's database).
pub const PULLS_ROUTE: &str = "/api/pulls";

/// A batch upload (ingest token): `?source=S&name=F`, the file as the body; answers an
/// [`IngestReport`].
pub const INGEST_ROUTE: &str = "/api/ingest";

/// 报送情况 (analysts): per source and month who reported, and each source's latest
/// batches with their outcome (`crate::submissions::Submissions`).
pub const SUBMISSIONS_ROUTE: &str = "/api/submissions";
/// The event name of a version announcement.
pub const VERSION_EVENT: &str = "version";

/// A published cube version.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct VersionInfo {
    /// Counts up by one per build.
    pub version: u64,
    /// The cube's content hash: equal content, equal `data_version`.
    pub data_version: String,
    /// 数据截至.
    pub as_of: NaiveDate,
    pub built_at: DateTime<Utc>,
}

/// A source pulled from the platform's database, as the server keeps it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct PullState {
    pub source: String,
    /// `daily 02:30`, `monthly 16 03:00` (Beijing time) or `manual`.
    pub schedule: String,
    /// When the last pull that landed started.
    pub last_success: Option<DateTime<Utc>>,
    pub last_attempt: Option<DateTime<Utc>>,
    /// Why the last attempt failed, when it did (analysts only).
    pub last_error: Option<String>,
    /// Failed attempts since the last success.
    pub failures: u32,
    pub next_due: Option<DateTime<Utc>>,
    /// 数据延迟: a scheduled pull after the last success is overdue by more than the
    /// retries' window.
    pub late: bool,
}

impl PullState {
    /// The source as people read it: 失业登记 / unemployment_registrations.
    pub fn source_label(&self, lang: Lang) -> String {
        let zh = crate::schema::source(&self.source).map_or(self.source.as_str(), |s| s.zh);
        lang.pick(zh, self.source.as_str()).to_string()
    }

    /// One line for the 数据来源 screen: the schedule, the last success, failures since,
    /// the next run (Beijing time).
    pub fn describe(&self, lang: Lang) -> String {
        let beijing = FixedOffset::east_opt(8 * 3600).expect("a valid offset");
        let at = |t: Option<DateTime<Utc>>| {
            t.map_or_else(|| lang.pick("无", "never").to_string(), |t| t.with_timezone(&beijing).format("%Y-%m-%d %H:%M").to_string())
        };
        let schedule = match self.schedule.as_str() {
            "manual" => lang.pick("按需", "on demand").to_string(),
            other => other.replacen("daily", lang.pick("每日", "daily"), 1).replacen("monthly", lang.pick("每月", "monthly"), 1),
        };
        let mut line = lang.pick(
            format!("{}：{schedule}；上次成功 {}", self.source_label(lang), at(self.last_success)),
            format!("{}: {schedule}; last success {}", self.source_label(lang), at(self.last_success)),
        );
        if self.failures > 0 {
            line.push_str(&lang.pick(format!("；此后失败{}次", self.failures), format!("; {} failed since", self.failures)));
        }
        if self.next_due.is_some() {
            line.push_str(&lang.pick(format!("；下次 {}", at(self.next_due)), format!("; next {}", at(self.next_due))));
        }
        if self.late {
            line.push_str(lang.pick("（数据延迟）", " (late)"));
        }
        line
    }
}

/// The 数据延迟 badge: the sources later than their schedule, none when all are on time.
pub fn delay_badge(states: &[PullState], lang: Lang) -> Option<String> {
    let late: Vec<String> = states.iter().filter(|s| s.late).map(|s| s.source_label(lang)).collect();
    (!late.is_empty()).then(|| lang.pick(format!("数据延迟：{}", late.join("、")), format!("Data late: {}", late.join(", "))))
}

/// One event of a Server-Sent Events stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SseEvent {
    pub event: String,
    pub data: String,
}

/// Splits an SSE byte stream into events. Chunks may end anywhere, even inside a
/// character; comments (the server's keep-alives) are skipped.
#[derive(Default)]
pub struct SseParser {
    pending: Vec<u8>,
    event: String,
    data: Vec<String>,
}

impl SseParser {
    pub fn push(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        self.pending.extend_from_slice(chunk);
        let mut events = Vec::new();
        while let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                // A blank line ends an event.
                if !self.data.is_empty() {
                    let event = if self.event.is_empty() { "message".to_string() } else { std::mem::take(&mut self.event) };
                    events.push(SseEvent { event, data: self.data.join("\n") });
                }
                self.data.clear();
                self.event.clear();
                continue;
            }
            if line.starts_with(':') {
                continue;
            }
            let (field, value) = line.split_once(':').map_or((line, ""), |(f, v)| (f, v.strip_prefix(' ').unwrap_or(v)));
            match field {
                "event" => self.event = value.to_string(),
                "data" => self.data.push(value.to_string()),
                _ => {}
            }
        }
        events
    }
}

/// What an ingest answers: the batch's reconciliation, the first quarantined rows
/// (row number and reason only: never the rows' contents) and the resulting version.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IngestReport {
    pub batch: String,
    pub source: String,
    pub file: String,
    pub rows_in: u64,
    pub accepted: u64,
    pub quarantined: u64,
    pub quarantine_sample: Vec<QuarantinedRow>,
    /// Rows of earlier files and batches that this batch replaced: the same row identity
    /// ([`crate::schema::SourceSchema::key`]).
    #[serde(default)]
    pub replaced: u64,
    pub version: u64,
    pub data_version: String,
    /// The same bytes were ingested before, as `batch`: nothing was added this time.
    #[serde(default)]
    pub already_ingested: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct QuarantinedRow {
    pub row: u64,
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_pulls_make_a_badge_and_a_line_each() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let on_time = PullState { source: "job_postings".into(), schedule: "manual".into(), ..Default::default() };
        let late = PullState {
            source: "unemployment_registrations".into(),
            schedule: "daily 02:30".into(),
            last_success: Some(at("2026-12-03T18:31:00Z")),
            failures: 2,
            next_due: Some(at("2026-12-05T18:30:00Z")),
            late: true,
            ..Default::default()
        };
        assert_eq!(delay_badge(std::slice::from_ref(&on_time), Lang::Zh), None);
        assert_eq!(delay_badge(&[on_time.clone(), late.clone()], Lang::Zh).as_deref(), Some("数据延迟：失业登记"));
        assert_eq!(delay_badge(std::slice::from_ref(&late), Lang::En).as_deref(), Some("Data late: unemployment_registrations"));
        assert_eq!(
            late.describe(Lang::Zh),
            "失业登记：每日 02:30；上次成功 2026-12-04 02:31；此后失败2次；下次 2026-12-06 02:30（数据延迟）"
        );
        assert_eq!(on_time.describe(Lang::En), "job_postings: on demand; last success never");
    }

    #[test]
    fn events_come_out_whole_however_the_bytes_are_cut() {
        let stream = "event: version\ndata: {\"v\":1}\n\n:keep-alive\n\nevent: version\r\ndata: 第二\r\n\r\n".as_bytes();
        let expected =
            vec![SseEvent { event: "version".into(), data: "{\"v\":1}".into() }, SseEvent { event: "version".into(), data: "第二".into() }];
        for cut in 1..stream.len() {
            let mut parser = SseParser::default();
            let mut events = parser.push(&stream[..cut]);
            events.extend(parser.push(&stream[cut..]));
            assert_eq!(events, expected, "cut at byte {cut}");
        }
    }
}
