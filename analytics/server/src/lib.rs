//! `analytics serve`: the data server for wall displays, analysts and web viewers.
//!
//! | route | who | what |
//! |---|---|---|
//! | `GET /` | anyone | the web cockpit (the WASM bundle folder; `.br` files first) |
//! | `GET /api/version` | anyone | the current cube version |
//! | `GET /api/versions` | anyone | the versions kept (newest first) |
//! | `GET /api/cube` | anyone | the public cube: JSON, or the compact binary form with `?format=bin` |
//! | `GET /api/regions/{adcode}` | anyone | the public cube's slice for a region and what lies within it |
//! | `GET /api/updates` | anyone | Server-Sent Events: `version` at connect and at each new version |
//! | `GET /api/alerts/lifecycle` | anyone | alerts' states (who and when for analysts; alerts naming an employer only for them) |
//! | `POST /api/alerts/lifecycle` | analyst | a step in an alert's life |
//! | `GET /api/cube/internal` | analyst | the unsuppressed aggregate cube (never person-level rows); audited |
//! | `GET /api/audit` | analyst | the audit log |
//! | `GET /api/submissions` | analyst | 报送情况: per source and month who reported, and the latest batches' outcomes |
//! | `POST /api/ingest?source=S&name=F` | ingest | a batch file (CSV or Parquet): validated like `analytics ingest`, bad rows quarantined, the cube rebuilt and announced |
//! | `POST /api/admin/rollback/{batch}` | admin | takes a batch out again and rebuilds |
//!
//! Tokens come as `Authorization: Bearer …` and are checked before a body is read; an
//! admin may do everything. The public cube has its small cells suppressed; no route
//! returns rows of a source.
//!
//! The modules by concern: [`config`] (settings and limits), [`auth`] (tokens and roles),
//! [`proxy`] (a TLS proxy's headers), [`limits`] (connections, uploads, streams),
//! [`versions`] (cube versions on disk), [`journal`] (write-ahead steps and recovery),
//! [`audit`] (outcomes), [`jsonl`] (the two logs' appends), [`routes`] (what is read),
//! [`stream`] (the update stream), [`ingest`] (what is written: ingests and rollbacks as
//! jobs of their own), [`log`] (the size-rotated log file).
//!
//! On disk, under the data folder: `versions/<n>/` (each build's cubes, quarantine and
//! reconciliation; the last `keep_versions` are kept), `batches/<source>/<batch>.parquet`
//! (ingested batches in their validated form — person keys hashed, no ID numbers — which
//! every build reads after the base data), `rolled-back/`, `reports/<batch>/` (a batch's
//! own quarantine, values masked), `incoming/` (uploads being received), `journal.jsonl`
//! and `audit.jsonl`.

pub mod audit;
pub mod auth;
pub mod config;
pub mod ingest;
pub mod journal;
pub mod jsonl;
pub mod limits;
pub mod log;
pub mod proxy;
pub mod pulls;
pub mod routes;
pub mod stream;
pub mod versions;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use tokio::sync::{watch, Mutex};

pub use audit::AuditEntry;
pub use auth::{parse_tokens, Role, TokenConfig};
pub use config::{Limits, LogConfig, ServeConfig};
pub use pulls::PullReport;
use szjy_engine::build::{Reuse, StagedSources};
use szjy_model::lifecycle;
pub use szjy_model::protocol::VersionInfo;
pub use szjy_model::protocol::{IngestReport, QuarantinedRow};
use versions::{build_version, load_version, newest_version, prune_versions, Published};

pub struct Folders {
    pub versions: PathBuf,
    pub batches: PathBuf,
    pub rolled_back: PathBuf,
    pub incoming: PathBuf,
    pub reports: PathBuf,
    audit: PathBuf,
    journal: PathBuf,
    lifecycle: PathBuf,
}

impl Folders {
    fn new(data: &Path) -> Folders {
        Folders {
            versions: data.join("versions"),
            batches: data.join("batches"),
            rolled_back: data.join("rolled-back"),
            incoming: data.join("incoming"),
            reports: data.join("reports"),
            audit: data.join("audit.jsonl"),
            journal: data.join("journal.jsonl"),
            lifecycle: data.join("alert-lifecycle.jsonl"),
        }
    }
}

struct Server {
    config: ServeConfig,
    folders: Folders,
    tokens: auth::Tokens,
    audit: audit::Audit,
    journal: journal::Journal,
    current: watch::Sender<Arc<Published>>,
    /// Set when the server stops: update streams end, so the graceful shutdown does not
    /// wait for clients that never hang up.
    stopping: watch::Sender<bool>,
    /// Ingests and rollbacks one at a time: each builds the next version. Held by the
    /// job, not the request, so a client that hangs up cannot let a second one in.
    writer: Arc<Mutex<()>>,
    next_batch: AtomicU64,
    /// The last build's validated sources: a rebuild validates only the changed source
    /// (empty after a restart, which publishes without building, or a failed build).
    staged: std::sync::Mutex<StagedSources>,
    /// Alerts' acknowledgements, assignments and closings (`alert-lifecycle.jsonl`).
    lifecycle: std::sync::Mutex<lifecycle::Log>,
    streams: limits::StreamSlots,
    /// The `analytics` program that validates uploads ([`ServeConfig::ingest_worker`]).
    ingest_worker: PathBuf,
    /// Set when a failed ingest or rollback could not be settled (the disk is full, say):
    /// writes are refused until a restart settles it from the journal.
    unsettled: std::sync::atomic::AtomicBool,
    /// The configured database pulls ([`ServeConfig::pulls`]).
    pulls: Option<pulls::Pulls>,
    /// When this run started: a source never pulled is late from its first scheduled
    /// time after it.
    started: chrono::DateTime<chrono::Utc>,
}

/// A request's failure, answered as JSON `{"error": …}` with its status.
#[derive(Debug)]
pub struct ApiError(pub StatusCode, pub String);

impl ApiError {
    /// A failure of the server's own, logged in full; the answer names no path or detail
    /// of the machine, only a reference to find it in the log.
    fn internal(e: anyhow::Error) -> ApiError {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let reference = NEXT.fetch_add(1, Ordering::Relaxed);
        tracing::error!(reference, error = %szjy_engine::redact::message(&format!("{e:#}")), "internal error");
        ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("internal error (reference {reference} in the server log)"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": szjy_engine::redact::message(&self.1) }))).into_response()
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError::internal(e)
    }
}

type ApiResult<T> = std::result::Result<T, ApiError>;

impl Server {
    /// Opens the data folder, settles what an earlier run left unfinished, and publishes
    /// the newest complete version, building the first one when there is none.
    fn open(config: ServeConfig) -> Result<Server> {
        config.check()?;
        let folders = Folders::new(&config.data);
        for dir in [&folders.versions, &folders.batches, &folders.rolled_back, &folders.incoming, &folders.reports] {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let tokens = auth::Tokens::new(&config.tokens, config.tokens_file.clone())?;
        let audit = audit::Audit::new(folders.audit.clone());
        audit.repair()?;
        let journal = journal::Journal::new(folders.journal.clone());
        let recovered = journal::settle(&journal, &audit, &folders)?;
        journal::clear_leftovers(&folders)?;
        if recovered != journal::Recovered::default() {
            tracing::warn!(?recovered, "settled what the last run left unfinished");
        }
        let next_batch = AtomicU64::new(journal.last_batch_number()?.max(journal::last_batch_file_number(&folders)?) + 1);
        let (published, staged) = match newest_version(&folders.versions)? {
            Some(number) => match load_version(&folders.versions, number) {
                Ok(published) => (published, StagedSources::default()),
                // After an upgrade that changed the cube format: build the data again.
                Err(e) => {
                    tracing::warn!(version = number, error = %format!("{e:#}"), "the newest version cannot be read: building the next one");
                    build_version(&config, &folders, number + 1, None)?
                }
            },
            None => build_version(&config, &folders, 1, None)?,
        };
        let (current, _) = watch::channel(Arc::new(published));
        let (stopping, _) = watch::channel(false);
        let lifecycle = std::sync::Mutex::new(lifecycle::Log::open(&folders.lifecycle).map_err(anyhow::Error::msg)?);
        let streams = limits::StreamSlots::new(config.limits.max_update_streams);
        let ingest_worker = match &config.ingest_worker {
            Some(path) => path.clone(),
            None => {
                let this = std::env::current_exe().context("finding this program")?;
                let name = this.file_stem().and_then(|n| n.to_str()).unwrap_or_default();
                anyhow::ensure!(
                    name == "analytics",
                    "{} cannot validate uploads: set ingest_worker to the analytics program",
                    this.display()
                );
                this
            }
        };
        let pulls = config.pulls.as_deref().map(|path| pulls::Pulls::open(path, &audit)).transpose()?;
        Ok(Server {
            config,
            folders,
            tokens,
            audit,
            journal,
            current,
            stopping,
            writer: Arc::new(Mutex::new(())),
            next_batch,
            staged: std::sync::Mutex::new(staged),
            lifecycle,
            streams,
            ingest_worker,
            unsettled: std::sync::atomic::AtomicBool::new(false),
            pulls,
            started: chrono::Utc::now(),
        })
    }

    /// Runs a write job (under the writer lock) so that whatever it does — an error after
    /// its first journalled step, a panic — its batch ends with exactly one outcome: the
    /// journal is settled at once, as a restart would.
    fn settled<T>(&self, job: impl FnOnce() -> ApiResult<T>) -> ApiResult<T> {
        if self.unsettled.load(Ordering::SeqCst) {
            return Err(ApiError(
                StatusCode::SERVICE_UNAVAILABLE,
                "an interrupted ingest awaits a restart of the server to be settled".into(),
            ));
        }
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job))
            .unwrap_or_else(|_| Err(ApiError::internal(anyhow::anyhow!("the job panicked"))));
        if result.is_err() {
            // A failed build may have left the cache of validated sources behind.
            std::mem::take(&mut *self.staged.lock().unwrap_or_else(|p| p.into_inner()));
            if let Err(e) = journal::settle(&self.journal, &self.audit, &self.folders) {
                tracing::error!(error = %format!("{e:#}"), "a failed job could not be settled: writes wait for a restart");
                self.unsettled.store(true, Ordering::SeqCst);
            }
        }
        result
    }

    fn published(&self) -> Arc<Published> {
        self.current.borrow().clone()
    }

    /// Builds version `number` from the base data and the batches (validating again only
    /// `changed`, the source whose batches changed), publishes it and drops versions
    /// beyond `keep_versions`.
    fn rebuild(&self, number: u64, changed: &str) -> Result<Arc<Published>> {
        // Taken out: a build that fails leaves the cache empty, and the next one is full.
        let previous = std::mem::take(&mut *self.staged.lock().expect("staged sources lock"));
        let reuse = (!previous.is_empty()).then_some(Reuse { previous: &previous, changed });
        let (published, staged) = build_version(&self.config, &self.folders, number, reuse)?;
        journal::failpoint("built");
        *self.staged.lock().expect("staged sources lock") = staged;
        let published = Arc::new(published);
        self.current.send_replace(published.clone());
        journal::failpoint("published");
        // Published: failing to delete old versions must not undo that.
        if let Err(e) = prune_versions(&self.folders.versions, self.config.keep_versions.max(1)) {
            tracing::warn!(error = %format!("{e:#}"), "old versions could not be deleted");
        }
        Ok(published)
    }
}

/// A running server: its address, and a handle that stops it.
pub struct Running {
    pub addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<()>>>,
}

impl Running {
    /// Stops accepting, lets open requests finish, and waits.
    pub fn stop(mut self) -> Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take() {
            Some(thread) => thread.join().map_err(|_| anyhow::anyhow!("the server thread panicked"))?,
            None => Ok(()),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// Opens the data folder (building the first version if needed), binds `config.addr`
/// (port 0 picks a free one) and serves on a thread of its own until stopped.
pub fn spawn(config: ServeConfig) -> Result<Running> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind(config.addr)).with_context(|| format!("binding {}", config.addr))?;
    let addr = listener.local_addr()?;
    let server = Arc::new(Server::open(config)?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new().name("analytics-serve".into()).spawn(move || {
        runtime.block_on(async move {
            pulls::spawn_schedules(&server);
            let limits = server.config.limits.clone();
            let stopping = server.clone();
            let shutdown = async move {
                let _ = stopped.await;
                stopping.stopping.send_replace(true);
            };
            limits::serve(listener, routes::router(server), &limits, shutdown).await;
            Ok(())
        })
    })?;
    Ok(Running { addr, stop: Some(stop), thread: Some(thread) })
}

/// The process's soft limit of open files (Linux), which bounds connections.
fn open_file_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    limits.lines().find(|l| l.starts_with("Max open files"))?.split_whitespace().nth(3)?.parse().ok()
}

/// `analytics serve`: serves until Ctrl-C or SIGTERM.
pub fn run(config: ServeConfig) -> Result<()> {
    let addr = config.addr;
    if !addr.ip().is_loopback() && config.trusted_proxies.is_empty() {
        tracing::warn!(%addr, "serving beyond this machine without a TLS proxy: see docs/operations.md");
    }
    if let Some(files) = open_file_limit().filter(|&n| n < config.limits.max_connections as u64 + 64) {
        tracing::warn!(
            open_files = files,
            max_connections = config.limits.max_connections,
            "the open-file limit is below limits.max_connections: raise it (LimitNOFILE=, ulimit -n) or lower the cap"
        );
    }
    let running = spawn(config)?;
    println!("serving on http://{}  (Ctrl-C stops)", running.addr);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = terminate.recv() => Ok(()),
        }
    })?;
    running.stop()
}
