//! What `analytics serve` and its clients (the cockpit, natively and in the browser)
//! exchange, without Polars: the routes, the version announcement, and a parser for the
//! update stream (Server-Sent Events) that takes the bytes as they arrive.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

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

#[cfg(test)]
mod tests {
    use super::*;

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
