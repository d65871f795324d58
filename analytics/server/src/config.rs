//! `analytics serve`'s settings: a JSON file (`--config`), then `SZJY_*` variables, then
//! flags, each overriding the one before.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::auth::{check_token, parse_tokens, TokenConfig};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServeConfig {
    pub addr: SocketAddr,
    /// The base data: a folder of sources, as `analytics build --in` reads.
    pub input: PathBuf,
    /// The server's own folder: versions, batches, reports, journal, audit log.
    pub data: PathBuf,
    /// The web bundle (`scripts/build-web.sh` writes it).
    pub web: PathBuf,
    /// Tokens fixed for the server's life. Prefer `tokens_file`, which can be changed
    /// while the server runs.
    pub tokens: Vec<TokenConfig>,
    /// A file of `name:role:token` lines (`#` starts a comment), read again whenever it
    /// changes: a token is revoked or rotated by editing it, without a restart.
    pub tokens_file: Option<PathBuf>,
    pub keep_versions: usize,
    /// Suppression threshold of the public cube.
    pub k: u32,
    /// The early-warning configuration (`config/early-warning.ron`'s format); the built-in
    /// one if absent.
    pub warning_config: Option<PathBuf>,
    /// Who delivers each source and when a month is complete (`config/sources.ron`'s
    /// format); the built-in one if absent.
    pub sources_config: Option<PathBuf>,
    /// The numbers in the measures' definitions (`config/measure-rules.ron`'s format); the
    /// built-in ones if absent.
    pub rules_config: Option<PathBuf>,
    pub limits: Limits,
    /// Where the server's log goes, rotated by size; standard error when absent.
    pub log: Option<LogConfig>,
    /// Behind a reverse proxy that terminates TLS: the proxies' addresses, whose
    /// `X-Forwarded-For` and `X-Forwarded-Proto` headers are believed (docs/operations.md).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The day of ingest, after which no event may be dated; absent: `SZJY_TODAY` or the
    /// clock. Set it to rebuild old data as it was, or in tests.
    pub today: Option<chrono::NaiveDate>,
    /// The program that validates uploads, each in a process of its own (`analytics
    /// ingest --json`); default: this program. Tests that run the server inside another
    /// program name the `analytics` binary here.
    pub ingest_worker: Option<PathBuf>,
    /// The pulls from the platform's database (`config/pulls.example.ron`'s format): each
    /// source on its schedule and on demand (docs/pull.md).
    pub pulls: Option<PathBuf>,
    /// How often a scheduled pull that failed is tried again.
    pub pull_retries: u32,
    /// The first wait before a retry, in seconds; each next one doubles, up to 30 min.
    pub pull_backoff_s: u64,
    /// A source is late (数据延迟) when a scheduled pull after its last success is
    /// overdue by more than this, in seconds.
    pub pull_grace_s: u64,
}

/// What one client may make the server hold: bounds on bodies, uploads, connections and
/// streams. Beyond them a request is answered (413, 408 or 503) rather than served.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// The largest batch upload (`POST /api/ingest`), in bytes. Uploads are streamed to
    /// disk, so this bounds disk use, not memory.
    pub max_batch_bytes: u64,
    /// The largest body of any other request (alert steps), in bytes.
    pub max_request_bytes: usize,
    /// The most rows a Parquet batch may declare.
    pub max_parquet_rows: u64,
    /// The most bytes a Parquet batch may decompress to (the row groups' declared sizes):
    /// a small file can declare gigabytes.
    pub max_parquet_uncompressed_bytes: u64,
    /// Open connections at once; more are answered 503 and closed.
    pub max_connections: usize,
    /// Update streams (`GET /api/updates`) at once; more are answered 503.
    pub max_update_streams: usize,
    /// Seconds a client has to send a request's headers.
    pub header_timeout_s: u64,
    /// Seconds an upload may pause before it is abandoned.
    pub body_idle_timeout_s: u64,
    /// Seconds the ingest worker may take to validate one batch.
    pub max_validation_s: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_batch_bytes: 1 << 30,
            max_request_bytes: 64 << 10,
            max_parquet_rows: 20_000_000,
            max_parquet_uncompressed_bytes: 8 << 30,
            // Walls and browsers each hold an update stream; the bench serves 1,000. The
            // process's open-file limit must exceed this (the server warns if it does not).
            max_connections: 4096,
            max_update_streams: 2048,
            header_timeout_s: 10,
            body_idle_timeout_s: 30,
            max_validation_s: 900,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    pub path: PathBuf,
    /// A file is rotated when it reaches this size.
    #[serde(default = "LogConfig::default_max_bytes")]
    pub max_bytes: u64,
    /// Rotated files kept (`server.log.1` … `.N`); older ones are deleted.
    #[serde(default = "LogConfig::default_keep")]
    pub keep: usize,
}

impl LogConfig {
    fn default_max_bytes() -> u64 {
        16 << 20
    }
    fn default_keep() -> usize {
        5
    }
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            input: PathBuf::from("data/generated"),
            data: PathBuf::from("data/server"),
            web: PathBuf::from("web/dist"),
            tokens: Vec::new(),
            tokens_file: None,
            keep_versions: 10,
            k: szjy_engine::suppress::DEFAULT_K,
            warning_config: None,
            sources_config: None,
            rules_config: None,
            limits: Limits::default(),
            log: None,
            trusted_proxies: Vec::new(),
            today: None,
            ingest_worker: None,
            pulls: None,
            pull_retries: 3,
            pull_backoff_s: 60,
            pull_grace_s: 7200,
        }
    }
}

impl ServeConfig {
    /// The config file if given, then the environment: `SZJY_ADDR`, `SZJY_INPUT`,
    /// `SZJY_DATA`, `SZJY_WEB`, `SZJY_TOKENS` (`name:role:token`, comma-separated) and
    /// `SZJY_TOKENS_FILE`.
    pub fn load(file: Option<&Path>) -> Result<ServeConfig> {
        let mut config: ServeConfig = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
                serde_json::from_str(&text).with_context(|| format!("{}: not a server config", path.display()))?
            }
            None => ServeConfig::default(),
        };
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        if let Some(addr) = var("SZJY_ADDR") {
            config.addr = addr.parse().with_context(|| format!("SZJY_ADDR={addr} is not an address like 127.0.0.1:8080"))?;
        }
        for (name, field) in [("SZJY_INPUT", &mut config.input), ("SZJY_DATA", &mut config.data), ("SZJY_WEB", &mut config.web)] {
            if let Some(value) = var(name) {
                *field = PathBuf::from(value);
            }
        }
        if let Some(tokens) = var("SZJY_TOKENS") {
            config.tokens = parse_tokens(&tokens, "SZJY_TOKENS")?;
        }
        if let Some(file) = var("SZJY_TOKENS_FILE") {
            config.tokens_file = Some(PathBuf::from(file));
        }
        config.check()?;
        Ok(config)
    }

    /// The checks every way of configuring passes, the config file's tokens included.
    pub fn check(&self) -> Result<()> {
        for token in &self.tokens {
            check_token(token, "the config's tokens")?;
        }
        anyhow::ensure!(self.limits.max_connections >= 2, "limits.max_connections must be at least 2");
        anyhow::ensure!(self.limits.header_timeout_s >= 1 && self.limits.body_idle_timeout_s >= 1, "timeouts are at least 1 s");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    #[test]
    fn config_file_tokens_obey_the_minimum_length() {
        let mut config = ServeConfig::default();
        config.tokens.push(TokenConfig { name: "ana".into(), role: Role::Analyst, token: "short".into() });
        assert!(config.check().unwrap_err().to_string().contains("shorter than 16"));
        let json = r#"{"tokens": [{"name": "ana", "role": "analyst", "token": "short"}]}"#;
        let dir = std::env::temp_dir().join(format!("szjy-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("serve.json"), json).unwrap();
        assert!(ServeConfig::load(Some(&dir.join("serve.json"))).is_err());
    }
}
