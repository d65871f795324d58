//! The server's log file, rotated by size: `server.log` is renamed `server.log.1` (and
//! `.1` to `.2`, …) when it would pass `max_bytes`, and files beyond `keep` are deleted,
//! so a server left running for months holds at most `(keep + 1) × max_bytes` of log.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::config::LogConfig;

pub struct RotatingFile {
    path: PathBuf,
    max_bytes: u64,
    keep: usize,
    file: File,
    written: u64,
}

fn numbered(path: &Path, n: usize) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

impl RotatingFile {
    pub fn open(config: &LogConfig) -> std::io::Result<RotatingFile> {
        if let Some(dir) = config.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(&config.path)?;
        let written = file.metadata()?.len();
        Ok(RotatingFile { path: config.path.clone(), max_bytes: config.max_bytes.max(1024), keep: config.keep, file, written })
    }

    fn rotate(&mut self) -> std::io::Result<()> {
        self.file.flush()?;
        if self.keep == 0 {
            self.file = OpenOptions::new().create(true).write(true).truncate(true).open(&self.path)?;
        } else {
            let _ = std::fs::remove_file(numbered(&self.path, self.keep));
            for n in (1..self.keep).rev() {
                let from = numbered(&self.path, n);
                if from.exists() {
                    std::fs::rename(&from, numbered(&self.path, n + 1))?;
                }
            }
            std::fs::rename(&self.path, numbered(&self.path, 1))?;
            self.file = OpenOptions::new().create(true).append(true).open(&self.path)?;
        }
        self.written = 0;
        Ok(())
    }
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.written > 0 && self.written + buf.len() as u64 > self.max_bytes {
            self.rotate()?;
        }
        let n = self.file.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_stays_within_its_bound() {
        let dir = std::env::temp_dir().join(format!("szjy-log-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let config = LogConfig { path: dir.join("server.log"), max_bytes: 4096, keep: 2 };
        let mut log = RotatingFile::open(&config).unwrap();
        let line = [b'x'; 100];
        for _ in 0..1000 {
            log.write_all(&line).unwrap();
        }
        log.flush().unwrap();
        let mut files: Vec<String> =
            std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        files.sort();
        assert_eq!(files, ["server.log", "server.log.1", "server.log.2"]);
        let total: u64 = files.iter().map(|f| std::fs::metadata(dir.join(f)).unwrap().len()).sum();
        assert!(total <= 3 * 4096, "{total} bytes of log");
    }
}
