//! Cube versions on disk: `versions/<n>/`, each a build's own output folder. A version is
//! complete when its three cubes exist (each is written to a temporary file and renamed);
//! the newest complete one is served after a restart.

use std::path::Path;
use std::time::SystemTime;

use anyhow::{Context, Result};
use axum::body::Bytes;
use axum::http::HeaderValue;
use chrono::{DateTime, Utc};
use szjy_engine::build::{self, BuildConfig, Reuse, StagedSources, INTERNAL_CUBE, PUBLIC_CUBE_BIN, PUBLIC_CUBE_JSON};
use szjy_model::cube::Cube;
use szjy_model::protocol::VersionInfo;

use crate::{Folders, ServeConfig};

/// One published cube version, with its public forms serialised once.
pub struct Published {
    pub number: u64,
    pub built_at: DateTime<Utc>,
    pub public: Cube,
    pub internal: Cube,
    pub public_json: Bytes,
    pub public_bin: Bytes,
}

impl Published {
    pub fn info(&self) -> VersionInfo {
        VersionInfo {
            version: self.number,
            data_version: self.public.data_version.clone(),
            as_of: self.public.as_of,
            built_at: self.built_at,
        }
    }

    pub fn etag(&self) -> HeaderValue {
        HeaderValue::from_str(&format!("\"{}-{}\"", self.number, self.public.data_version)).expect("an ASCII tag")
    }
}

/// Whether version `n` was written whole (its three cubes exist; each is written to a
/// temporary file and renamed).
pub fn version_complete(versions: &Path, n: u64) -> bool {
    let dir = versions.join(n.to_string());
    [PUBLIC_CUBE_JSON, PUBLIC_CUBE_BIN, INTERNAL_CUBE].iter().all(|f| dir.join(f).exists())
}

pub fn numbered_dirs(dir: &Path) -> Result<Vec<u64>> {
    let mut numbers: Vec<u64> = std::fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .flatten()
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    numbers.sort_unstable();
    Ok(numbers)
}

pub fn newest_version(versions: &Path) -> Result<Option<u64>> {
    Ok(numbered_dirs(versions)?.into_iter().rev().find(|&n| version_complete(versions, n)))
}

pub fn prune_versions(versions: &Path, keep: usize) -> Result<()> {
    let numbers = numbered_dirs(versions)?;
    for n in numbers.iter().take(numbers.len().saturating_sub(keep)) {
        std::fs::remove_dir_all(versions.join(n.to_string()))?;
    }
    Ok(())
}

pub fn load_version(versions: &Path, number: u64) -> Result<Published> {
    let dir = versions.join(number.to_string());
    let read = |name: &str| std::fs::read(dir.join(name)).with_context(|| format!("reading {}", dir.join(name).display()));
    let (public_json, public_bin) = (read(PUBLIC_CUBE_JSON)?, read(PUBLIC_CUBE_BIN)?);
    let public = Cube::from_binary(&public_bin, &dir.join(PUBLIC_CUBE_BIN).display().to_string())?;
    let internal = Cube::load(&dir.join(INTERNAL_CUBE))?;
    let built_at = std::fs::metadata(dir.join(PUBLIC_CUBE_BIN))?
        .modified()
        .map(DateTime::<Utc>::from)
        .unwrap_or_else(|_| DateTime::<Utc>::from(SystemTime::now()));
    Ok(Published { number, built_at, public, internal, public_json: public_json.into(), public_bin: public_bin.into() })
}

pub fn build_version(config: &ServeConfig, folders: &Folders, number: u64, reuse: Option<Reuse>) -> Result<(Published, StagedSources)> {
    let started = std::time::Instant::now();
    let out = folders.versions.join(number.to_string());
    let cfg = BuildConfig {
        input: config.input.clone(),
        out: out.clone(),
        k: config.k,
        stage_on_disk: false,
        batches: Some(folders.batches.clone()),
        // Read at each build: an edited configuration applies from the next ingest on.
        warning: szjy_model::warning::WarningConfig::from_file(config.warning_config.as_deref())?,
        today: config.today,
        reporting: szjy_model::reporting::ReportingConfig::from_file(config.sources_config.as_deref()).map_err(anyhow::Error::msg)?,
        rules: szjy_model::rules::MeasureRules::from_file(config.rules_config.as_deref()).map_err(anyhow::Error::msg)?,
    };
    let validated_again = reuse.as_ref().map_or_else(|| "all sources".to_string(), |r| r.changed.to_string());
    let (_, staged) = build::build_reusing(&cfg, &|_, _, _| {}, reuse).with_context(|| format!("building version {number}"))?;
    tracing::info!(version = number, seconds = started.elapsed().as_secs_f64(), validated = validated_again, "cube version built");
    Ok((load_version(&folders.versions, number)?, staged))
}
