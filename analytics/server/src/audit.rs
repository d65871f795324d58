//! The audit log (`audit.jsonl`): one line per outcome — every batch's (published in a
//! version, or failed and removed), every rollback, every refused post by a known caller,
//! every read of the unsuppressed cube. Lines are appended and synced before the answer
//! goes out, and no line holds an ID number ([`szjy_engine::redact`]).

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::SystemTime;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use szjy_engine::redact;

/// One line of `audit.jsonl`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub who: String,
    /// `ingest`, `rollback`, `refused` or `read-internal`.
    pub action: String,
    pub batch: Option<String>,
    pub source: Option<String>,
    pub file: Option<String>,
    pub rows_in: Option<u64>,
    pub accepted: Option<u64>,
    pub quarantined: Option<u64>,
    /// The cube version after the action (unchanged when nothing was added).
    pub version: u64,
    pub error: Option<String>,
    /// Rows of earlier files and batches this batch replaced (the same row identity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced: Option<u64>,
    /// The client's address (behind a trusted proxy, the one it forwarded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// SHA-256 of the uploaded bytes: a batch sent again is recognised by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_sha256: Option<String>,
    /// A database pull's watermark after it: where the next pull starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark: Option<String>,
}

impl AuditEntry {
    pub fn now(who: &str, action: &str, version: u64) -> AuditEntry {
        AuditEntry { at: DateTime::<Utc>::from(SystemTime::now()), who: who.into(), action: action.into(), version, ..Default::default() }
    }

    pub fn from(mut self, client: &crate::proxy::Client) -> AuditEntry {
        self.from = Some(client.addr.to_string());
        self
    }

    fn is_published_ingest(&self) -> bool {
        self.action == "ingest" && self.error.is_none() && self.accepted.unwrap_or(0) > 0
    }
}

pub struct Audit {
    path: PathBuf,
    /// Appends one at a time, so lines never interleave.
    writer: Mutex<()>,
}

impl Audit {
    pub fn new(path: PathBuf) -> Audit {
        Audit { path, writer: Mutex::new(()) }
    }

    /// Cuts a torn last line (the machine stopped mid-write), which was never an entry, so
    /// that the next entry starts on a line of its own.
    pub fn repair(&self) -> Result<()> {
        let Ok(bytes) = std::fs::read(&self.path) else { return Ok(()) };
        if bytes.last().is_some_and(|&b| b != b'\n') {
            let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            tracing::warn!(file = %self.path.display(), bytes = bytes.len() - keep, "cutting the audit log's torn last line");
            std::fs::OpenOptions::new().write(true).open(&self.path)?.set_len(keep as u64)?;
        }
        Ok(())
    }

    /// Appends and syncs one entry, its error message made fit to show.
    pub fn append(&self, entry: &AuditEntry) -> Result<()> {
        let mut entry = entry.clone();
        entry.error = entry.error.as_deref().map(redact::message);
        entry.file = entry.file.as_deref().map(redact::message);
        entry.source = entry.source.as_deref().map(redact::message);
        let _writing = self.writer.lock().expect("audit lock");
        crate::jsonl::append_line(&self.path, &serde_json::to_vec(&entry)?)
    }

    /// Every entry, oldest first. A torn last line (the machine stopped mid-write) is
    /// skipped, not fatal.
    pub fn entries(&self) -> Result<Vec<AuditEntry>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).with_context(|| format!("reading {}", self.path.display())),
        };
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let mut entries = Vec::with_capacity(lines.len());
        for (i, line) in lines.iter().enumerate() {
            match serde_json::from_str(line) {
                Ok(entry) => entries.push(entry),
                Err(_) if i + 1 == lines.len() => tracing::warn!(file = %self.path.display(), "the audit log's last line is torn; skipped"),
                Err(e) => return Err(e).with_context(|| format!("{} line {}", self.path.display(), i + 1)),
            }
        }
        Ok(entries)
    }

    /// The batches that have an outcome (published or failed), by name.
    pub fn batches_with_outcome(&self) -> Result<HashSet<String>> {
        Ok(self.entries()?.into_iter().filter(|e| e.action == "ingest" || e.action == "pull").filter_map(|e| e.batch).collect())
    }

    /// The batches in the data now, by source and their content's SHA-256: published and
    /// not rolled back since.
    pub fn landed_by_content(&self) -> Result<BTreeMap<(String, String), AuditEntry>> {
        let mut landed: BTreeMap<(String, String), AuditEntry> = BTreeMap::new();
        for entry in self.entries()? {
            if entry.is_published_ingest() {
                if let (Some(source), Some(hash)) = (entry.source.clone(), entry.content_sha256.clone()) {
                    landed.insert((source, hash), entry);
                }
            } else if entry.action == "rollback" && entry.error.is_none() {
                landed.retain(|_, l| l.batch != entry.batch);
            }
        }
        Ok(landed)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn entries_are_redacted_and_a_torn_line_is_skipped() {
        let dir = std::env::temp_dir().join(format!("szjy-audit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let audit = Audit::new(dir.join("audit.jsonl"));
        let _ = std::fs::remove_file(dir.join("audit.jsonl"));
        let mut entry = AuditEntry::now("bot", "ingest", 2);
        entry.batch = Some("b000001".into());
        entry.accepted = Some(3);
        entry.content_sha256 = Some("ab".into());
        entry.error = Some(format!("row 1: '370102199001011005' {}", "x".repeat(5000)));
        audit.append(&entry).unwrap();
        let text = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap();
        assert!(!text.contains("370102199001011005") && text.contains("3701**********1005") && text.len() < 1000, "{text}");
        std::fs::OpenOptions::new().append(true).open(dir.join("audit.jsonl")).unwrap().write_all(b"{\"at\": \"20").unwrap();
        assert_eq!(audit.entries().unwrap().len(), 1);
        audit.repair().unwrap();
        audit.append(&entry).unwrap();
        assert_eq!(audit.entries().unwrap().len(), 2, "the entry after a repaired tear reads back");
        // An ingest with an error has not landed; a clean one has, until rolled back.
        let mut ok = AuditEntry::now("bot", "ingest", 3);
        (ok.batch, ok.accepted, ok.content_sha256, ok.source) =
            (Some("b000002".into()), Some(5), Some("cd".into()), Some("job_seekers".into()));
        std::fs::write(dir.join("audit.jsonl"), "").unwrap();
        audit.append(&entry).unwrap();
        audit.append(&ok).unwrap();
        assert_eq!(audit.landed_by_content().unwrap().keys().map(|(_, h)| h.as_str()).collect::<Vec<_>>(), ["cd"]);
        let mut rollback = AuditEntry::now("root", "rollback", 4);
        rollback.batch = Some("b000002".into());
        audit.append(&rollback).unwrap();
        assert!(audit.landed_by_content().unwrap().is_empty());
        assert_eq!(audit.batches_with_outcome().unwrap().len(), 2);
    }
}
