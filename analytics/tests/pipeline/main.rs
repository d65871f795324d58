//! End-to-end tests of the analytics engine, in one test binary (each binary links
//! Polars again, so there is one).

mod evaluation;
mod fixtures;
mod forecast_cli;
mod fuzz;
mod generated;
mod hardening;
mod ingest_errors;
mod interpretation;
mod official;
mod pull;
mod server;

use std::path::PathBuf;

pub fn temp_dir(name: &str) -> PathBuf {
    static CLEARED: std::sync::Once = std::sync::Once::new();
    CLEARED.call_once(clear_dead_runs);
    let dir = std::env::temp_dir().join(format!("szjy-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Holds that each row of `file` is in the quarantine text with its reason.
pub fn assert_quarantined(quarantine: &str, file: &str, expected: &[(u64, &str)]) {
    for (row, reason) in expected {
        let line = quarantine
            .lines()
            .find(|l| l.starts_with(&format!("{file},{row},")))
            .unwrap_or_else(|| panic!("row {row} not quarantined:\n{quarantine}"));
        assert!(line.contains(reason), "row {row}: expected {reason:?} in {line}");
    }
}

/// Every file under a folder, sorted.
pub fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if entry.path().is_dir() {
                stack.push(entry.path());
            } else {
                out.push(entry.path());
            }
        }
    }
    out.sort();
    out
}

/// Deletes what earlier runs of the tests (these and the cockpit's) left in the temporary
/// folder (`szjy-…-<pid>` of a process that has ended): a run leaves servers' data folders
/// of a few hundred MB, which would otherwise fill the disk run after run. A live
/// process's folders stay.
fn clear_dead_runs() {
    if !std::path::Path::new("/proc/self").exists() {
        return;
    }
    for entry in std::fs::read_dir(std::env::temp_dir()).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid = name.strip_prefix("szjy-").and_then(|rest| rest.rsplit('-').next()).and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid {
            if pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}
