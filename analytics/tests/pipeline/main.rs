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
mod pull;
mod server;

use std::path::PathBuf;

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("szjy-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
