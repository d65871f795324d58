//! Pulls kept as batches in a batches folder (`analytics pull --batches`, and the build's
//! `--batches`): each pull's accepted rows `<source>/<name>.parquet` beside its record
//! `<source>/<name>.pull.json` ([`PullOutcome`]), names in the order of the pulls. The
//! watermark a pull starts from is the newest record's: rolling a pull back (its two
//! files moved to `rolled-back/<source>/`) makes the next pull read its range again.
//! A later batch replaces the rows of earlier ones that share a row identity, so reading a
//! range twice counts its rows once. A full pull sets the source's earlier pulls aside
//! (`superseded/<source>/`): what the platform deleted or re-keyed since goes with them.

use std::path::{Path, PathBuf};

use crate::PullOutcome;

/// The ending of a pull's record beside its rows.
pub const RECORD_SUFFIX: &str = ".pull.json";
pub const ROLLED_BACK: &str = "rolled-back";
pub const SUPERSEDED: &str = "superseded";

/// The records of a source's pulls in the folder, oldest first, with their names.
pub fn records(batches: &Path, source: &str) -> Result<Vec<(String, PullOutcome)>, String> {
    let dir = batches.join(source);
    let Ok(entries) = std::fs::read_dir(&dir) else { return Ok(Vec::new()) };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(RECORD_SUFFIX)) else { continue };
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let outcome: PullOutcome = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        found.push((name.to_string(), outcome));
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(found)
}

/// The watermark the next pull of `source` starts from: the newest record's.
pub fn last_watermark(batches: &Path, source: &str) -> Result<Option<String>, String> {
    Ok(records(batches, source)?.pop().and_then(|(_, outcome)| outcome.watermark_to))
}

/// A name for the next pull, after every batch already in the folder:
/// `pull-20261205T021500Z-001`, `-002`… within one second. Names sort as the pulls came,
/// whether a file's whole name or its stem is compared.
pub fn next_name(batches: &Path, source: &str, now: chrono::DateTime<chrono::Utc>) -> String {
    let stem = format!("pull-{}", now.format("%Y%m%dT%H%M%SZ"));
    let taken = |name: &str| {
        let dir = batches.join(source);
        dir.join(format!("{name}.parquet")).exists() || dir.join(format!("{name}{RECORD_SUFFIX}")).exists()
    };
    (1..).map(|n| format!("{stem}-{n:03}")).find(|name| !taken(name)).expect("a free name")
}

/// Moves a pull's rows and record from one folder to another.
fn move_pull(from: &Path, to: &Path, name: &str) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    let rows = from.join(format!("{name}.parquet"));
    if rows.exists() {
        std::fs::rename(&rows, to.join(format!("{name}.parquet"))).map_err(|e| format!("{}: {e}", rows.display()))?;
    }
    let record = from.join(format!("{name}{RECORD_SUFFIX}"));
    std::fs::rename(&record, to.join(format!("{name}{RECORD_SUFFIX}"))).map_err(|e| format!("{}: {e}", record.display()))
}

/// Keeps a pull from `work` as batch `name`: its rows (when any) then its record, so a
/// record never stands without its rows. A full pull first sets the earlier pulls aside.
pub fn keep(batches: &Path, work: &Path, name: &str, outcome: &mut PullOutcome) -> Result<PathBuf, String> {
    let dir = batches.join(&outcome.source);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if outcome.watermark_from.is_none() {
        let aside = batches.join(SUPERSEDED).join(&outcome.source);
        for (earlier, _) in records(batches, &outcome.source)? {
            move_pull(&dir, &aside, &earlier)?;
            outcome.superseded.push(earlier);
        }
    }
    let rows = work.join(&outcome.source).join("part-0.parquet");
    if rows.exists() {
        let kept = dir.join(format!("{name}.parquet"));
        std::fs::rename(&rows, &kept).map_err(|e| format!("{}: {e}", kept.display()))?;
    }
    let record = dir.join(format!("{name}{RECORD_SUFFIX}"));
    let partial = dir.join(format!(".{name}{RECORD_SUFFIX}.partial"));
    let text = serde_json::to_string_pretty(outcome).map_err(|e| e.to_string())?;
    std::fs::write(&partial, text).map_err(|e| format!("{}: {e}", partial.display()))?;
    std::fs::rename(&partial, &record).map_err(|e| format!("{}: {e}", record.display()))?;
    Ok(record)
}

/// Rolls a pull back: its rows and record move to `rolled-back/<source>/`, and the pulls
/// it superseded come back. Answers the source it belonged to.
pub fn roll_back(batches: &Path, name: &str) -> Result<String, String> {
    for schema in szjy_model::schema::SOURCES {
        let dir = batches.join(schema.name);
        let Some((_, outcome)) = records(batches, schema.name)?.into_iter().find(|(n, _)| n == name) else { continue };
        move_pull(&dir, &batches.join(ROLLED_BACK).join(schema.name), name)?;
        let aside = batches.join(SUPERSEDED).join(schema.name);
        for earlier in &outcome.superseded {
            move_pull(&aside, &dir, earlier)?;
        }
        return Ok(schema.name.into());
    }
    Err(format!("no pull named {name} under {}", batches.display()))
}
