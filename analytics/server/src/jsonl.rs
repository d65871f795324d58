//! Append-only JSON Lines files (the journal, the audit log): one record a line, synced.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

/// Appends one line and syncs it, or leaves the file as it was: a write that fails half
/// way (a full disk) is cut off again, so no torn line ends up inside the file.
pub fn append_line(path: &Path, line: &[u8]) -> Result<()> {
    let mut file =
        std::fs::OpenOptions::new().create(true).append(true).open(path).with_context(|| format!("opening {}", path.display()))?;
    let before = file.metadata()?.len();
    let written = file.write_all(line).and_then(|_| file.write_all(b"\n")).and_then(|_| file.sync_data());
    if let Err(e) = written {
        let _ = file.set_len(before);
        return Err(e).with_context(|| format!("appending to {}", path.display()));
    }
    Ok(())
}
