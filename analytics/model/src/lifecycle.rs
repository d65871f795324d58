//! An alert's life after the model raises it: an analyst acknowledges it (已确认), assigns
//! it to someone (已指派) and closes it (已关闭), or reopens a closed one. Each step is an
//! event kept in an append-only JSON Lines log, with who took it and when; an alert's
//! state is the fold of its events, so the log is the whole history and survives
//! restarts. Alerts are named by [`crate::alert::Alert::id`], which stays the same for the
//! months an alert lasts and across cube versions.
//!
//! Polars-free: the server keeps the log (`analytics serve`, `/api/alerts/lifecycle`), and
//! the cockpit folds the events it is sent.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What an analyst does to an alert.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Action {
    Acknowledge,
    Assign { to: String },
    Close { note: String },
    Reopen,
}

/// One step of an alert's life, as the log keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub alert: String,
    #[serde(flatten)]
    pub action: Action,
    pub by: String,
    pub at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[default]
    Open,
    Acknowledged,
    Assigned,
    Closed,
}

/// Who did something, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub by: String,
    pub at: DateTime<Utc>,
}

/// An alert's state: the fold of its events.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertState {
    pub status: Status,
    pub acknowledged: Option<Stamp>,
    pub assigned_to: Option<String>,
    pub assigned: Option<Stamp>,
    pub closed: Option<Stamp>,
    pub note: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LifecycleError {
    #[error("alert {alert} is closed: reopen it first")]
    Closed { alert: String },
    #[error("alert {alert} is not closed")]
    NotClosed { alert: String },
    #[error("alert {alert} is already acknowledged")]
    AlreadyAcknowledged { alert: String },
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
}

impl AlertState {
    /// Whether `action` may follow this state: nothing but a reopen touches a closed
    /// alert, an alert is acknowledged once per opening, and names are not blank.
    pub fn check(&self, alert: &str, action: &Action) -> Result<(), LifecycleError> {
        let closed = self.status == Status::Closed;
        match action {
            Action::Reopen if !closed => Err(LifecycleError::NotClosed { alert: alert.to_string() }),
            Action::Reopen => Ok(()),
            _ if closed => Err(LifecycleError::Closed { alert: alert.to_string() }),
            Action::Acknowledge if self.acknowledged.is_some() => Err(LifecycleError::AlreadyAcknowledged { alert: alert.to_string() }),
            Action::Assign { to } if to.trim().is_empty() => Err(LifecycleError::Empty { field: "to" }),
            _ => Ok(()),
        }
    }

    fn apply(&mut self, event: &Event) {
        let stamp = Some(Stamp { by: event.by.clone(), at: event.at });
        match &event.action {
            Action::Acknowledge => {
                self.acknowledged = stamp;
                if self.status == Status::Open {
                    self.status = Status::Acknowledged;
                }
            }
            Action::Assign { to } => {
                self.assigned_to = Some(to.clone());
                self.assigned = stamp;
                self.status = Status::Assigned;
            }
            Action::Close { note } => {
                self.closed = stamp;
                self.note = Some(note.clone()).filter(|n| !n.is_empty());
                self.status = Status::Closed;
            }
            Action::Reopen => *self = AlertState::default(),
        }
    }
}

/// Every alert's state from its events, in log order.
pub fn fold<'a>(events: impl IntoIterator<Item = &'a Event>) -> BTreeMap<String, AlertState> {
    let mut states: BTreeMap<String, AlertState> = BTreeMap::new();
    for event in events {
        states.entry(event.alert.clone()).or_default().apply(event);
    }
    states
}

/// The log on disk: one event per line, appended and flushed to disk before the append
/// returns, so an acknowledged step is never lost to a crash.
pub struct Log {
    path: PathBuf,
    events: Vec<Event>,
}

impl Log {
    /// Opens (or starts) the log at `path`, naming the line of any event it cannot read.
    pub fn open(path: &Path) -> Result<Log, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(format!("reading {}: {e}", path.display())),
        };
        let events = text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(i, line)| serde_json::from_str(line).map_err(|e| format!("{}: line {}: {e}", path.display(), i + 1)))
            .collect::<Result<Vec<Event>, String>>()?;
        Ok(Log { path: path.to_path_buf(), events })
    }

    pub fn events(&self) -> &[Event] {
        &self.events
    }

    pub fn state(&self, alert: &str) -> AlertState {
        fold(self.events.iter().filter(|e| e.alert == alert)).remove(alert).unwrap_or_default()
    }

    /// Checks `event` against its alert's state, then writes it.
    pub fn append(&mut self, event: Event) -> Result<AlertState, String> {
        let mut state = self.state(&event.alert);
        state.check(&event.alert, &event.action).map_err(|e| e.to_string())?;
        let line = serde_json::to_string(&event).map_err(|e| e.to_string())? + "\n";
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| format!("opening {}: {e}", self.path.display()))?;
        file.write_all(line.as_bytes()).and_then(|_| file.sync_data()).map_err(|e| format!("writing {}: {e}", self.path.display()))?;
        state.apply(&event);
        self.events.push(event);
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: u32) -> DateTime<Utc> {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap().and_hms_opt(9, minute, 0).unwrap().and_utc()
    }

    fn event(action: Action, by: &str, minute: u32) -> Event {
        Event { alert: "registered_unemployment_rate/370102/2026-08".into(), action, by: by.into(), at: at(minute) }
    }

    #[test]
    fn a_life_is_kept_across_reopening_the_log() {
        let dir = std::env::temp_dir().join(format!("szjy-lifecycle-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("alert-lifecycle.jsonl");
        let _ = std::fs::remove_file(&path);
        let mut log = Log::open(&path).unwrap();
        log.append(event(Action::Acknowledge, "王敏", 1)).unwrap();
        let assigned = log.append(event(Action::Assign { to: "历下区人社局".into() }, "王敏", 2)).unwrap();
        assert_eq!((assigned.status, assigned.assigned_to.as_deref()), (Status::Assigned, Some("历下区人社局")));
        // Refused steps leave no trace.
        assert!(log.append(event(Action::Acknowledge, "李强", 3)).unwrap_err().contains("already acknowledged"));
        assert!(log.append(event(Action::Reopen, "李强", 3)).unwrap_err().contains("not closed"));
        log.append(event(Action::Close { note: "已开展专场招聘".into() }, "李强", 4)).unwrap();
        assert!(log.append(event(Action::Assign { to: "x".into() }, "李强", 5)).unwrap_err().contains("closed"));

        let reopened = Log::open(&path).unwrap();
        assert_eq!(reopened.events().len(), 3);
        let state = reopened.state("registered_unemployment_rate/370102/2026-08");
        assert_eq!(state.status, Status::Closed);
        assert_eq!(state.acknowledged, Some(Stamp { by: "王敏".into(), at: at(1) }));
        assert_eq!(state.closed, Some(Stamp { by: "李强".into(), at: at(4) }));
        assert_eq!(state.note.as_deref(), Some("已开展专场招聘"));
        // A reopened alert starts over.
        let mut log = reopened;
        assert_eq!(log.append(event(Action::Reopen, "王敏", 6)).unwrap(), AlertState::default());
        std::fs::write(&path, "{not json}\n").unwrap();
        assert!(Log::open(&path).err().unwrap().contains("line 1"));
    }
}
