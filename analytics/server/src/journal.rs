//! The write-ahead journal of ingests and rollbacks (`journal.jsonl`). Each step that
//! changes the data folder is recorded and synced before it is taken; the audit log holds
//! outcomes. On start, every journalled batch without an outcome is settled
//! ([`recover`]): published if its version was written (a restart publishes the newest
//! complete version), otherwise taken out again — so a batch has exactly one outcome
//! whatever stopped the server, kill -9 included. Batch numbers come from the journal,
//! so they never repeat.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::audit::{Audit, AuditEntry};
use crate::jsonl::append_line;
use crate::versions::{numbered_dirs, version_complete};
use crate::Folders;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "kebab-case")]
pub enum Step {
    /// The upload is saved under `incoming/` and has its number.
    Received,
    /// The validated batch is about to enter `batches/`, and `version` to be built.
    Staged { version: u64, rows_in: u64, accepted: u64, quarantined: u64 },
    /// The batch is about to leave `batches/`, and `version` to be built without it.
    RollbackStarted { version: u64 },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Record {
    pub at: DateTime<Utc>,
    pub batch: String,
    pub source: String,
    /// The name the client gave the file.
    pub file: String,
    pub who: String,
    pub content_sha256: String,
    #[serde(flatten)]
    pub step: Step,
}

impl Record {
    pub fn new(batch: &str, source: &str, file: &str, who: &str, content_sha256: &str, step: Step) -> Record {
        Record {
            at: DateTime::<Utc>::from(SystemTime::now()),
            batch: batch.into(),
            source: source.into(),
            file: file.into(),
            who: who.into(),
            content_sha256: content_sha256.into(),
            step,
        }
    }
}

pub struct Journal {
    path: PathBuf,
    writer: Mutex<()>,
}

/// Batch names are `b000001`, `b000002`, …: sorted by name is sorted by arrival.
pub fn batch_name(number: u64) -> String {
    format!("b{number:06}")
}

pub fn batch_number(name: &str) -> Option<u64> {
    name.strip_prefix('b').and_then(|n| n.split('.').next()).and_then(|n| n.parse().ok())
}

impl Journal {
    pub fn new(path: PathBuf) -> Journal {
        Journal { path, writer: Mutex::new(()) }
    }

    /// Appends and syncs a record: the step it names may be taken afterwards.
    pub fn record(&self, record: &Record) -> Result<()> {
        let _writing = self.writer.lock().expect("journal lock");
        append_line(&self.path, &serde_json::to_vec(record)?)
    }

    /// Every record, oldest first; a torn last line is cut (it was never a record).
    pub fn records(&self) -> Result<Vec<Record>> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).with_context(|| format!("reading {}", self.path.display())),
        };
        let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        if keep < bytes.len() {
            tracing::warn!(file = %self.path.display(), "cutting the journal's torn last line");
            std::fs::OpenOptions::new().write(true).open(&self.path)?.set_len(keep as u64)?;
        }
        let text = std::str::from_utf8(&bytes[..keep]).context("the journal is not UTF-8")?;
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .enumerate()
            .map(|(i, l)| serde_json::from_str(l).with_context(|| format!("{} line {}", self.path.display(), i + 1)))
            .collect()
    }

    /// The highest batch number ever given.
    pub fn last_batch_number(&self) -> Result<u64> {
        Ok(self.records()?.iter().filter_map(|r| batch_number(&r.batch)).max().unwrap_or(0))
    }
}

/// What [`recover`] did, for the log and the tests.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Recovered {
    pub published: Vec<String>,
    pub rolled_back: Vec<String>,
    pub rollbacks_finished: Vec<String>,
    pub rollbacks_undone: Vec<String>,
}

/// Settles every journalled step without an outcome in the audit log: at start, and at
/// once after a write job fails.
pub fn settle(journal: &Journal, audit: &Audit, folders: &Folders) -> Result<Recovered> {
    let mut recovered = Recovered::default();
    let ingest_outcomes = audit.batches_with_outcome()?;
    let entries = audit.entries()?;
    // A rollback's outcome names its batch; the rollbacks of a batch are settled in order.
    let mut rollback_outcomes: BTreeMap<&str, usize> = BTreeMap::new();
    for e in entries.iter().filter(|e| e.action == "rollback") {
        *rollback_outcomes.entry(e.batch.as_deref().unwrap_or_default()).or_default() += 1;
    }
    // The last step of each batch's ingest, and each rollback.
    let mut ingests: BTreeMap<String, Record> = BTreeMap::new();
    let mut rollbacks: Vec<Record> = Vec::new();
    for record in journal.records()? {
        match record.step {
            Step::RollbackStarted { .. } => rollbacks.push(record),
            _ => {
                ingests.insert(record.batch.clone(), record);
            }
        }
    }
    let batch_file = |root: &Path, record: &Record| root.join(&record.source).join(format!("{}.parquet", record.batch));
    for (batch, record) in ingests.into_iter().filter(|(b, _)| !ingest_outcomes.contains(b.as_str())) {
        // A pull's batch has no uploaded bytes, so no content hash.
        let action = if record.content_sha256.is_empty() { "pull" } else { "ingest" };
        let mut entry = AuditEntry::now(&record.who, action, 0);
        (entry.batch, entry.source, entry.file, entry.content_sha256) =
            (Some(batch.clone()), Some(record.source.clone()), Some(record.file.clone()), Some(record.content_sha256.clone()));
        match record.step {
            // Published only if its version was written whole with the batch in the data (a
            // failed build deletes its version before it moves the batch out).
            Step::Staged { version, rows_in, accepted, quarantined }
                if version_complete(&folders.versions, version) && batch_file(&folders.batches, &record).exists() =>
            {
                (entry.version, entry.rows_in, entry.accepted, entry.quarantined) =
                    (version, Some(rows_in), Some(accepted), Some(quarantined));
                recovered.published.push(batch);
            }
            Step::Staged { version, .. } => {
                let file = batch_file(&folders.batches, &record);
                if file.exists() {
                    let failed = folders.rolled_back.join(&record.source);
                    std::fs::create_dir_all(&failed)?;
                    std::fs::rename(&file, failed.join(format!("{batch}.parquet.failed")))?;
                }
                let _ = std::fs::remove_dir_all(folders.versions.join(version.to_string()));
                entry.version = version.saturating_sub(1);
                entry.error =
                    Some(format!("the server stopped while building version {version}; the batch was taken out and nothing was published"));
                recovered.rolled_back.push(batch);
            }
            _ => {
                entry.version = newest_complete(&folders.versions)?;
                entry.error = Some("the server stopped before the batch was validated; nothing was added".into());
                recovered.rolled_back.push(batch);
            }
        }
        audit.append(&entry)?;
    }
    let mut started: BTreeMap<String, usize> = BTreeMap::new();
    for record in rollbacks {
        let Step::RollbackStarted { version } = record.step else { continue };
        let nth = started.entry(record.batch.clone()).or_default();
        *nth += 1;
        if *nth <= rollback_outcomes.get(record.batch.as_str()).copied().unwrap_or(0) {
            continue;
        }
        let mut entry = AuditEntry::now(&record.who, "rollback", version);
        (entry.batch, entry.source) = (Some(record.batch.clone()), Some(record.source.clone()));
        if version_complete(&folders.versions, version) {
            recovered.rollbacks_finished.push(record.batch.clone());
        } else {
            // Not built: the batch goes back where it was, and the data with it.
            let out = batch_file(&folders.rolled_back, &record);
            if out.exists() {
                std::fs::rename(&out, batch_file(&folders.batches, &record))?;
            }
            let pull_record =
                |root: &Path| root.join(&record.source).join(format!("{}{}", record.batch, szjy_pull::batches::RECORD_SUFFIX));
            if pull_record(&folders.rolled_back).exists() {
                std::fs::rename(pull_record(&folders.rolled_back), pull_record(&folders.batches))?;
            }
            let _ = std::fs::remove_dir_all(folders.versions.join(version.to_string()));
            entry.version = version.saturating_sub(1);
            entry.error = Some(format!("the server stopped while building version {version}; the rollback was undone and the batch stays"));
            recovered.rollbacks_undone.push(record.batch.clone());
        }
        audit.append(&entry)?;
    }
    Ok(recovered)
}

/// At start: deletes uploads never validated and versions never finished.
pub fn clear_leftovers(folders: &Folders) -> Result<()> {
    if let Ok(entries) = std::fs::read_dir(&folders.incoming) {
        for entry in entries.flatten() {
            let path = entry.path();
            let _ = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        }
    }
    for n in numbered_dirs(&folders.versions)? {
        if !version_complete(&folders.versions, n) {
            std::fs::remove_dir_all(folders.versions.join(n.to_string()))
                .with_context(|| format!("removing the unfinished version {n}"))?;
        }
    }
    Ok(())
}

fn newest_complete(versions: &Path) -> Result<u64> {
    Ok(numbered_dirs(versions)?.into_iter().rev().find(|&n| version_complete(versions, n)).unwrap_or(0))
}

/// Stops the process at a named step of an ingest or rollback when the test-only variable
/// `SZJY_FAILPOINT` names it, as kill -9 would: the recovery tests use it. Compiled into
/// debug builds only.
pub fn failpoint(step: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("SZJY_FAILPOINT").is_ok_and(|v| v == step) {
        eprintln!("failpoint {step}: aborting");
        std::process::abort();
    }
    #[cfg(not(debug_assertions))]
    let _ = step;
}

/// The highest batch number among the files (data folders from before the journal).
pub fn last_batch_file_number(folders: &Folders) -> Result<u64> {
    let mut last = 0;
    for root in [&folders.batches, &folders.rolled_back] {
        for source in std::fs::read_dir(root)?.flatten().filter(|e| e.path().is_dir()) {
            for file in std::fs::read_dir(source.path())?.flatten() {
                last = last.max(file.file_name().to_str().and_then(batch_number).unwrap_or(0));
            }
        }
    }
    Ok(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn batch_names_sort_by_arrival_and_parse_back() {
        let names: Vec<String> = [9, 10, 100_000].into_iter().map(batch_name).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert_eq!(batch_number("b000010.parquet"), Some(10));
        assert_eq!(batch_number("x"), None);
    }

    #[test]
    fn the_journal_survives_a_torn_line_and_numbers_go_on() {
        let dir = std::env::temp_dir().join(format!("szjy-journal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let journal = Journal::new(dir.join("journal.jsonl"));
        let _ = std::fs::remove_file(dir.join("journal.jsonl"));
        journal.record(&Record::new("b000007", "job_seekers", "a.csv", "bot", "00", Step::Received)).unwrap();
        std::fs::OpenOptions::new().append(true).open(dir.join("journal.jsonl")).unwrap().write_all(b"{\"at\":").unwrap();
        assert_eq!(journal.last_batch_number().unwrap(), 7);
        journal.record(&Record::new("b000008", "job_seekers", "a.csv", "bot", "00", Step::RollbackStarted { version: 3 })).unwrap();
        assert_eq!(journal.records().unwrap().len(), 2);
        assert_eq!(journal.records().unwrap()[1].step, Step::RollbackStarted { version: 3 });
    }
}
