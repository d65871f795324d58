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
//! | `GET /api/cube/internal` | analyst | the unsuppressed aggregate cube (never person-level rows) |
//! | `GET /api/audit` | analyst | the audit log |
//! | `POST /api/ingest?source=S&name=F` | ingest | a batch file (CSV or Parquet): validated like `analytics ingest`, bad rows quarantined, the cube rebuilt and announced |
//! | `POST /api/admin/rollback/{batch}` | admin | takes a batch out again and rebuilds |
//!
//! Tokens come as `Authorization: Bearer …`; an admin may do everything. The public cube
//! has its small cells suppressed; no route returns rows of a source.
//!
//! On disk, under the data folder: `versions/<n>/` (each build's cubes, quarantine and
//! reconciliation; the last `keep_versions` are kept), `batches/<source>/<batch>.<ext>`
//! (ingested batches, which every build reads after the base data), `rolled-back/`,
//! `reports/<batch>/` (a batch's own quarantine), and `audit.jsonl`.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

use anyhow::{bail, Context, Result};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::{watch, Mutex};

use super::build::{self, BuildConfig, Reuse, StagedSources, INTERNAL_CUBE, PUBLIC_CUBE_BIN, PUBLIC_CUBE_JSON, QUARANTINE_DIR};
use super::ingest::{self, InputFile, Staging, REASON_COL, ROW_COL};
use super::keys::PersonHasher;
use crate::cube::Cube;
pub use crate::protocol::VersionInfo;
use crate::lifecycle;
use crate::protocol::{LIFECYCLE_ROUTE, UPDATES_ROUTE, VERSION_EVENT, VERSION_ROUTE};
use crate::region::RegionTree;
use crate::schema;

/// Who may do what. An admin may do everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads the unsuppressed aggregate cube and the audit log.
    Analyst,
    /// Posts batches.
    Ingest,
    /// Rolls batches back.
    Admin,
}

impl Role {
    fn allows(self, needed: Role) -> bool {
        self == Role::Admin || self == needed
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TokenConfig {
    /// Who holds it; the audit log names them.
    pub name: String,
    pub role: Role,
    pub token: String,
}

/// `analytics serve`'s settings: a JSON file (`--config`), then `SZJY_*` variables, then
/// flags, each overriding the one before.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServeConfig {
    pub addr: SocketAddr,
    /// The base data: a folder of sources, as `analytics build --in` reads.
    pub input: PathBuf,
    /// The server's own folder: versions, batches, reports, audit log.
    pub data: PathBuf,
    /// The web bundle (`scripts/build-web.sh` writes it).
    pub web: PathBuf,
    pub tokens: Vec<TokenConfig>,
    pub keep_versions: usize,
    /// Suppression threshold of the public cube.
    pub k: u32,
    /// The early-warning configuration (`config/early-warning.ron`'s format); the built-in
    /// one if absent.
    pub warning_config: Option<PathBuf>,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            input: PathBuf::from("data/generated"),
            data: PathBuf::from("data/server"),
            web: PathBuf::from("web/dist"),
            tokens: Vec::new(),
            keep_versions: 10,
            k: crate::suppress::DEFAULT_K,
            warning_config: None,
        }
    }
}

impl ServeConfig {
    /// The config file if given, then the environment: `SZJY_ADDR`, `SZJY_INPUT`,
    /// `SZJY_DATA`, `SZJY_WEB` and `SZJY_TOKENS` (`name:role:token`, comma-separated).
    pub fn load(file: Option<&Path>) -> Result<ServeConfig> {
        let mut config = match file {
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
            config.tokens = parse_tokens(&tokens)?;
        }
        Ok(config)
    }
}

/// `name:role:token,…`
pub fn parse_tokens(text: &str) -> Result<Vec<TokenConfig>> {
    text.split(',')
        .filter(|t| !t.trim().is_empty())
        .map(|item| {
            let mut parts = item.trim().splitn(3, ':');
            let (Some(name), Some(role), Some(token)) = (parts.next(), parts.next(), parts.next()) else {
                bail!("SZJY_TOKENS: `{item}` is not name:role:token")
            };
            let role = serde_json::from_value(serde_json::Value::String(role.into())).with_context(|| format!("SZJY_TOKENS: `{role}` is not a role (analyst, ingest, admin)"))?;
            anyhow::ensure!(token.len() >= 16, "SZJY_TOKENS: the token of {name} is shorter than 16 characters");
            Ok(TokenConfig { name: name.into(), role, token: token.into() })
        })
        .collect()
}

/// One published cube version, with its public forms serialised once.
struct Published {
    number: u64,
    built_at: DateTime<Utc>,
    public: Cube,
    internal: Cube,
    public_json: Bytes,
    public_bin: Bytes,
}

impl Published {
    fn info(&self) -> VersionInfo {
        VersionInfo { version: self.number, data_version: self.public.data_version.clone(), as_of: self.public.as_of, built_at: self.built_at }
    }

    fn etag(&self) -> HeaderValue {
        HeaderValue::from_str(&format!("\"{}-{}\"", self.number, self.public.data_version)).expect("an ASCII tag")
    }
}

/// One line of `audit.jsonl`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub who: String,
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
}

/// What an ingest answers: the batch's reconciliation, the first quarantined rows
/// (row number and reason only: never the rows' contents) and the resulting version.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IngestReport {
    pub batch: String,
    pub source: String,
    pub file: String,
    pub rows_in: u64,
    pub accepted: u64,
    pub quarantined: u64,
    pub quarantine_sample: Vec<QuarantinedRow>,
    pub version: u64,
    pub data_version: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct QuarantinedRow {
    pub row: u64,
    pub reason: String,
}

struct Folders {
    versions: PathBuf,
    batches: PathBuf,
    rolled_back: PathBuf,
    incoming: PathBuf,
    reports: PathBuf,
    audit: PathBuf,
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
            lifecycle: data.join("alert-lifecycle.jsonl"),
        }
    }
}

struct Server {
    config: ServeConfig,
    folders: Folders,
    /// (name, role, SHA-256 of the token): tokens are compared by digest.
    tokens: Vec<(String, Role, [u8; 32])>,
    current: watch::Sender<Arc<Published>>,
    /// Set when the server stops: update streams end, so the graceful shutdown does not
    /// wait for clients that never hang up.
    stopping: watch::Sender<bool>,
    /// Ingests and rollbacks one at a time: each builds the next version.
    writer: Mutex<()>,
    next_batch: AtomicU64,
    /// The last build's validated sources: a rebuild validates only the changed source
    /// (empty after a restart, which publishes without building, or a failed build).
    staged: std::sync::Mutex<StagedSources>,
    /// Alerts' acknowledgements, assignments and closings (`alert-lifecycle.jsonl`).
    lifecycle: std::sync::Mutex<lifecycle::Log>,
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A request's failure, answered as JSON `{"error": …}` with its status.
#[derive(Debug)]
pub struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}"))
    }
}

type ApiResult<T> = std::result::Result<T, ApiError>;

impl Server {
    /// Opens the data folder and publishes its newest complete version, building the
    /// first one when there is none.
    fn open(config: ServeConfig) -> Result<Server> {
        let folders = Folders::new(&config.data);
        for dir in [&folders.versions, &folders.batches, &folders.rolled_back, &folders.incoming, &folders.reports] {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let tokens = config.tokens.iter().map(|t| (t.name.clone(), t.role, digest(&t.token))).collect();
        let next_batch = AtomicU64::new(last_batch_number(&folders)? + 1);
        let (published, staged) = match newest_version(&folders.versions)? {
            Some(number) => (load_version(&folders.versions, number)?, StagedSources::default()),
            None => build_version(&config, &folders, 1, None)?,
        };
        let (current, _) = watch::channel(Arc::new(published));
        let (stopping, _) = watch::channel(false);
        let lifecycle = std::sync::Mutex::new(lifecycle::Log::open(&folders.lifecycle).map_err(anyhow::Error::msg)?);
        Ok(Server { config, folders, tokens, current, stopping, writer: Mutex::new(()), next_batch, staged: std::sync::Mutex::new(staged), lifecycle })
    }

    fn published(&self) -> Arc<Published> {
        self.current.borrow().clone()
    }

    /// The caller's name if their token allows `needed`.
    fn authorize(&self, headers: &HeaderMap, needed: Role) -> ApiResult<String> {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| ApiError(StatusCode::UNAUTHORIZED, "this needs a token (Authorization: Bearer …)".into()))?;
        let hash = digest(token.trim());
        let (name, role, _) = self.tokens.iter().find(|(_, _, h)| *h == hash).ok_or_else(|| ApiError(StatusCode::UNAUTHORIZED, "unknown token".into()))?;
        if !role.allows(needed) {
            return Err(ApiError(StatusCode::FORBIDDEN, format!("{name} ({role:?}) may not do this: it needs the {needed:?} role")));
        }
        Ok(name.clone())
    }

    fn audit(&self, entry: &AuditEntry) -> Result<()> {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&self.folders.audit).with_context(|| format!("opening {}", self.folders.audit.display()))?;
        let mut line = serde_json::to_vec(entry)?;
        line.push(b'\n');
        file.write_all(&line)?;
        file.sync_data()?;
        Ok(())
    }

    /// Builds the next version from the base data and the batches (validating again only
    /// `changed`, the source whose batches changed), publishes it and drops versions
    /// beyond `keep_versions`.
    fn rebuild(&self, changed: &str) -> Result<Arc<Published>> {
        let number = self.published().number + 1;
        // Taken out: a build that fails leaves the cache empty, and the next one is full.
        let previous = std::mem::take(&mut *self.staged.lock().expect("staged sources lock"));
        let reuse = (!previous.is_empty()).then_some(Reuse { previous: &previous, changed });
        let (published, staged) = build_version(&self.config, &self.folders, number, reuse)?;
        *self.staged.lock().expect("staged sources lock") = staged;
        let published = Arc::new(published);
        self.current.send_replace(published.clone());
        prune_versions(&self.folders.versions, self.config.keep_versions.max(1))?;
        Ok(published)
    }
}

fn numbered_dirs(dir: &Path) -> Result<Vec<u64>> {
    let mut numbers: Vec<u64> = std::fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    numbers.sort_unstable();
    Ok(numbers)
}

fn newest_version(versions: &Path) -> Result<Option<u64>> {
    Ok(numbered_dirs(versions)?.into_iter().rev().find(|n| {
        let dir = versions.join(n.to_string());
        [PUBLIC_CUBE_JSON, PUBLIC_CUBE_BIN, INTERNAL_CUBE].iter().all(|f| dir.join(f).exists())
    }))
}

fn prune_versions(versions: &Path, keep: usize) -> Result<()> {
    let numbers = numbered_dirs(versions)?;
    for n in numbers.iter().take(numbers.len().saturating_sub(keep)) {
        std::fs::remove_dir_all(versions.join(n.to_string()))?;
    }
    Ok(())
}

/// Batch names are `b000001`, `b000002`, …: sorted by name is sorted by arrival.
fn batch_name(number: u64) -> String {
    format!("b{number:06}")
}

fn last_batch_number(folders: &Folders) -> Result<u64> {
    let mut last = 0;
    for root in [&folders.batches, &folders.rolled_back] {
        for source in std::fs::read_dir(root)?.flatten().filter(|e| e.path().is_dir()) {
            for file in std::fs::read_dir(source.path())?.flatten() {
                let name = file.file_name();
                let number = name.to_str().and_then(|n| n.strip_prefix('b')).and_then(|n| n.split('.').next()).and_then(|n| n.parse().ok());
                last = last.max(number.unwrap_or(0));
            }
        }
    }
    Ok(last)
}

fn load_version(versions: &Path, number: u64) -> Result<Published> {
    let dir = versions.join(number.to_string());
    let read = |name: &str| std::fs::read(dir.join(name)).with_context(|| format!("reading {}", dir.join(name).display()));
    let (public_json, public_bin) = (read(PUBLIC_CUBE_JSON)?, read(PUBLIC_CUBE_BIN)?);
    let public = Cube::from_binary(&public_bin, &dir.join(PUBLIC_CUBE_BIN).display().to_string())?;
    let internal = Cube::load(&dir.join(INTERNAL_CUBE))?;
    let built_at = std::fs::metadata(dir.join(PUBLIC_CUBE_BIN))?.modified().map(DateTime::<Utc>::from).unwrap_or_else(|_| DateTime::<Utc>::from(SystemTime::now()));
    Ok(Published { number, built_at, public, internal, public_json: public_json.into(), public_bin: public_bin.into() })
}

fn build_version(config: &ServeConfig, folders: &Folders, number: u64, reuse: Option<Reuse>) -> Result<(Published, StagedSources)> {
    let started = std::time::Instant::now();
    let out = folders.versions.join(number.to_string());
    let cfg = BuildConfig {
        input: config.input.clone(),
        out: out.clone(),
        k: config.k,
        stage_on_disk: false,
        batches: Some(folders.batches.clone()),
        // Read at each build: an edited configuration applies from the next ingest on.
        warning: crate::warning::WarningConfig::from_file(config.warning_config.as_deref())?,
    };
    let validated_again = reuse.as_ref().map_or_else(|| "all sources".to_string(), |r| r.changed.to_string());
    let (_, staged) = build::build_reusing(&cfg, &|_, _, _| {}, reuse).with_context(|| format!("building version {number}"))?;
    tracing::info!(version = number, seconds = started.elapsed().as_secs_f64(), validated = validated_again, "cube version built");
    Ok((load_version(&folders.versions, number)?, staged))
}

// ---- routes ----

#[derive(Deserialize)]
struct FormatQuery {
    format: Option<String>,
}

/// JSON unless `?format=bin` or `Accept: application/octet-stream` asks for postcard.
fn wants_binary(query: &FormatQuery, headers: &HeaderMap) -> bool {
    query.format.as_deref() == Some("bin") || headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/octet-stream"))
}

fn cube_response(bytes: Bytes, binary: bool, etag: Option<HeaderValue>) -> Response {
    let content_type = if binary { "application/octet-stream" } else { "application/json" };
    let mut response = (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], bytes).into_response();
    let headers = response.headers_mut();
    // Revalidate every time: a new version may come at any moment; the ETag makes that cheap.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Some(etag) = etag {
        headers.insert(header::ETAG, etag);
    }
    response
}

fn not_modified(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    headers.get(header::IF_NONE_MATCH).is_some_and(|v| v == etag)
}

async fn version(State(server): State<Arc<Server>>) -> Json<VersionInfo> {
    Json(server.published().info())
}

async fn versions(State(server): State<Arc<Server>>) -> ApiResult<Json<Vec<u64>>> {
    let mut numbers = numbered_dirs(&server.folders.versions)?;
    numbers.reverse();
    Ok(Json(numbers))
}

async fn public_cube(State(server): State<Arc<Server>>, Query(query): Query<FormatQuery>, headers: HeaderMap) -> Response {
    let published = server.published();
    let etag = published.etag();
    if not_modified(&headers, &etag) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    let binary = wants_binary(&query, &headers);
    cube_response(if binary { published.public_bin.clone() } else { published.public_json.clone() }, binary, Some(etag))
}

async fn region_slice(State(server): State<Arc<Server>>, UrlPath(adcode): UrlPath<u32>, Query(query): Query<FormatQuery>, headers: HeaderMap) -> ApiResult<Response> {
    if RegionTree::shandong().get(adcode).is_none() {
        return Err(ApiError(StatusCode::NOT_FOUND, format!("{adcode} is not a Shandong adcode")));
    }
    let published = server.published();
    let slice = published.public.slice(adcode);
    let binary = wants_binary(&query, &headers);
    Ok(cube_response(if binary { slice.to_binary() } else { slice.to_json() }.into(), binary, Some(published.etag())))
}

async fn internal_cube(State(server): State<Arc<Server>>, Query(query): Query<FormatQuery>, headers: HeaderMap) -> ApiResult<Response> {
    server.authorize(&headers, Role::Analyst)?;
    let published = server.published();
    let binary = wants_binary(&query, &headers);
    let bytes = if binary { published.internal.to_binary() } else { published.internal.to_json() };
    Ok(cube_response(bytes.into(), binary, None))
}

async fn audit_log(State(server): State<Arc<Server>>, headers: HeaderMap) -> ApiResult<Json<Vec<AuditEntry>>> {
    server.authorize(&headers, Role::Analyst)?;
    let text = std::fs::read_to_string(&server.folders.audit).unwrap_or_default();
    let entries = text.lines().filter(|l| !l.trim().is_empty()).map(serde_json::from_str).collect::<std::result::Result<Vec<AuditEntry>, _>>().map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("audit log: {e}")))?;
    Ok(Json(entries))
}

/// Every alert's lifecycle state. Analysts see who did what and when; without a token
/// only the status (open, acknowledged, assigned, closed) shows.
async fn alert_states(State(server): State<Arc<Server>>, headers: HeaderMap) -> ApiResult<Json<BTreeMap<String, lifecycle::AlertState>>> {
    let analyst = headers.contains_key(header::AUTHORIZATION).then(|| server.authorize(&headers, Role::Analyst)).transpose()?.is_some();
    let log = server.lifecycle.lock().expect("lifecycle lock");
    let mut states = lifecycle::fold(log.events());
    if !analyst {
        for state in states.values_mut() {
            *state = lifecycle::AlertState { status: state.status, ..Default::default() };
        }
    }
    Ok(Json(states))
}

/// A lifecycle step on an alert of the current cube, by the analyst whose token it carries.
#[derive(Debug, Deserialize)]
struct LifecycleRequest {
    alert: String,
    #[serde(flatten)]
    action: lifecycle::Action,
}

async fn alert_action(State(server): State<Arc<Server>>, headers: HeaderMap, Json(request): Json<LifecycleRequest>) -> ApiResult<Json<lifecycle::AlertState>> {
    let who = server.authorize(&headers, Role::Analyst)?;
    if !server.published().internal.alerts.iter().any(|a| a.id() == request.alert) {
        return Err(ApiError(StatusCode::NOT_FOUND, format!("no alert {} in the current cube", request.alert)));
    }
    let event = lifecycle::Event { alert: request.alert, action: request.action, by: who, at: DateTime::<Utc>::from(SystemTime::now()) };
    let mut log = server.lifecycle.lock().expect("lifecycle lock");
    log.append(event).map(Json).map_err(|e| ApiError(StatusCode::CONFLICT, e))
}

/// `version` at connect, then at each new version, until the server stops.
async fn updates(State(server): State<Arc<Server>>) -> Sse<impl Stream<Item = std::result::Result<Event, Infallible>>> {
    let (receiver, stopping) = (server.current.subscribe(), server.stopping.subscribe());
    let stream = futures_util::stream::unfold((receiver, stopping, true), |(mut receiver, mut stopping, first)| async move {
        if !first {
            tokio::select! {
                changed = receiver.changed() => changed.ok()?,
                _ = stopping.wait_for(|stop| *stop) => return None,
            }
        }
        let info = receiver.borrow_and_update().info();
        let event = Event::default().event(VERSION_EVENT).data(serde_json::to_string(&info).ok()?);
        Some((Ok(event), (receiver, stopping, false)))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

#[derive(Deserialize)]
struct IngestQuery {
    source: String,
    /// The uploaded file's name (for the audit log; its extension gives the format).
    name: Option<String>,
    /// `csv` or `parquet` when the name does not say.
    format: Option<String>,
}

async fn ingest_batch(State(server): State<Arc<Server>>, Query(query): Query<IngestQuery>, headers: HeaderMap, body: Bytes) -> ApiResult<Json<IngestReport>> {
    let who = server.authorize(&headers, Role::Ingest)?;
    let schema = schema::source(&query.source).ok_or_else(|| {
        let names: Vec<&str> = schema::SOURCES.iter().map(|s| s.name).collect();
        ApiError(StatusCode::BAD_REQUEST, format!("unknown source `{}`; one of: {}", query.source, names.join(", ")))
    })?;
    let file = query.name.clone().unwrap_or_else(|| format!("{}.{}", schema.name, query.format.as_deref().unwrap_or("csv")));
    let extension = query.format.clone().or_else(|| Path::new(&file).extension().and_then(|e| e.to_str()).map(str::to_lowercase)).unwrap_or_default();
    if extension != "csv" && extension != "parquet" {
        return Err(ApiError(StatusCode::BAD_REQUEST, format!("{file}: send CSV or Parquet (name it .csv or .parquet, or add format=csv|parquet)")));
    }
    if body.is_empty() {
        return Err(ApiError(StatusCode::BAD_REQUEST, format!("{file}: the request has no body")));
    }
    let _writer = server.writer.lock().await;
    let batch = batch_name(server.next_batch.fetch_add(1, Ordering::SeqCst));
    let worker = server.clone();
    tokio::task::spawn_blocking(move || ingest_blocking(&worker, schema, &who, &batch, &file, &extension, &body))
        .await
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .map(Json)
}

fn ingest_blocking(server: &Server, schema: &'static schema::SourceSchema, who: &str, batch: &str, file: &str, extension: &str, body: &[u8]) -> ApiResult<IngestReport> {
    let incoming = server.folders.incoming.join(format!("{batch}.{extension}"));
    std::fs::write(&incoming, body).map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("saving the batch: {e}")))?;
    let entry = |error: Option<String>, counts: Option<(u64, u64, u64)>, version: u64| AuditEntry {
        at: DateTime::<Utc>::from(SystemTime::now()),
        who: who.into(),
        action: "ingest".into(),
        batch: Some(batch.into()),
        source: Some(schema.name.into()),
        file: Some(file.into()),
        rows_in: counts.map(|c| c.0),
        accepted: counts.map(|c| c.1),
        quarantined: counts.map(|c| c.2),
        version,
        error,
    };
    // The same validation as `analytics ingest` and the build; this batch's bad rows go
    // to its own report folder.
    let report_dir = server.folders.reports.join(batch);
    let checked = InputFile::new(incoming.clone()).and_then(|f| ingest::check(schema, vec![f], &PersonHasher::from_env()));
    let staged = checked.and_then(|c| ingest::stage(&c, &report_dir.join(QUARANTINE_DIR), &Staging::Memory));
    let staged = match staged {
        Ok(staged) => staged,
        Err(e) => {
            // A structural problem (missing column, unreadable file): nothing is added.
            let _ = std::fs::remove_file(&incoming);
            let message = format!("{file}: {e}");
            server.audit(&entry(Some(message.clone()), None, server.published().number))?;
            return Err(ApiError(StatusCode::UNPROCESSABLE_ENTITY, message));
        }
    };
    let rec = staged.reconciliation;
    let counts = (rec.rows_in, rec.accepted, rec.quarantined);
    let quarantine_sample = quarantine_sample(&report_dir.join(QUARANTINE_DIR).join(format!("{}.csv", schema.name)));
    let published = if rec.accepted > 0 {
        let dir = server.folders.batches.join(schema.name);
        std::fs::create_dir_all(&dir).map_err(anyhow::Error::from)?;
        std::fs::rename(&incoming, dir.join(format!("{batch}.{extension}"))).map_err(anyhow::Error::from)?;
        match server.rebuild(schema.name) {
            Ok(published) => published,
            Err(e) => {
                // Leave the data as it was: the batch goes back out, kept for inspection.
                let failed = server.folders.rolled_back.join(schema.name);
                let _ = std::fs::create_dir_all(&failed);
                let _ = std::fs::rename(dir.join(format!("{batch}.{extension}")), failed.join(format!("{batch}.{extension}.failed")));
                server.audit(&entry(Some(format!("{e:#}")), Some(counts), server.published().number))?;
                return Err(e.into());
            }
        }
    } else {
        let _ = std::fs::remove_file(&incoming);
        server.published()
    };
    server.audit(&entry(None, Some(counts), published.number))?;
    Ok(IngestReport {
        batch: batch.into(),
        source: schema.name.into(),
        file: file.into(),
        rows_in: rec.rows_in,
        accepted: rec.accepted,
        quarantined: rec.quarantined,
        quarantine_sample,
        version: published.number,
        data_version: published.public.data_version.clone(),
    })
}

/// The first quarantined rows of a batch: row number and reason, not the row.
fn quarantine_sample(path: &Path) -> Vec<QuarantinedRow> {
    use polars::prelude::*;
    const SAMPLE: usize = 20;
    let Ok(df) = CsvReadOptions::default().with_infer_schema_length(Some(0)).try_into_reader_with_file_path(Some(path.to_path_buf())).and_then(|r| r.finish()) else {
        return Vec::new();
    };
    let (Ok(rows), Ok(reasons)) = (df.column(ROW_COL).and_then(|c| c.str().cloned()), df.column(REASON_COL).and_then(|c| c.str().cloned())) else { return Vec::new() };
    rows.iter()
        .zip(reasons.iter())
        .take(SAMPLE)
        .filter_map(|(row, reason)| Some(QuarantinedRow { row: row?.parse().ok()?, reason: reason?.to_string() }))
        .collect()
}

async fn rollback(State(server): State<Arc<Server>>, UrlPath(batch): UrlPath<String>, headers: HeaderMap) -> ApiResult<Json<VersionInfo>> {
    let who = server.authorize(&headers, Role::Admin)?;
    if !batch.starts_with('b') || batch.len() != 7 || !batch[1..].bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError(StatusCode::BAD_REQUEST, format!("`{batch}` is not a batch name like b000001")));
    }
    let _writer = server.writer.lock().await;
    let worker = server.clone();
    tokio::task::spawn_blocking(move || {
        let found = schema::SOURCES.iter().find_map(|s| {
            let dir = worker.folders.batches.join(s.name);
            ["csv", "parquet"].iter().map(|ext| dir.join(format!("{batch}.{ext}"))).find(|p| p.exists()).map(|p| (s.name, p))
        });
        let Some((source, path)) = found else {
            return Err(ApiError(StatusCode::NOT_FOUND, format!("no batch {batch} in the current data")));
        };
        let target = worker.folders.rolled_back.join(source);
        std::fs::create_dir_all(&target).map_err(anyhow::Error::from)?;
        std::fs::rename(&path, target.join(path.file_name().expect("a file name"))).map_err(anyhow::Error::from)?;
        let published = worker.rebuild(source)?;
        worker.audit(&AuditEntry {
            at: DateTime::<Utc>::from(SystemTime::now()),
            who,
            action: "rollback".into(),
            batch: Some(batch),
            source: Some(source.into()),
            file: None,
            rows_in: None,
            accepted: None,
            quarantined: None,
            version: published.number,
            error: None,
        })?;
        Ok(Json(published.info()))
    })
    .await
    .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
}

/// Batches may be large; everything else is small.
const MAX_BATCH_BYTES: usize = 1 << 30;

fn router(server: Arc<Server>) -> Router {
    let web = server.config.web.clone();
    let api = Router::new()
        .route(VERSION_ROUTE, get(version))
        .route("/api/versions", get(versions))
        .route("/api/cube", get(public_cube))
        .route("/api/cube/internal", get(internal_cube))
        .route("/api/regions/{adcode}", get(region_slice))
        .route(UPDATES_ROUTE, get(updates))
        .route("/api/audit", get(audit_log))
        .route(LIFECYCLE_ROUTE, get(alert_states).post(alert_action))
        .route("/api/ingest", post(ingest_batch).layer(DefaultBodyLimit::max(MAX_BATCH_BYTES)))
        .route("/api/admin/rollback/{batch}", post(rollback))
        .with_state(server);
    if web.join("index.html").exists() {
        api.fallback_service(tower_http::services::ServeDir::new(web).precompressed_br())
    } else {
        let message = format!("The web cockpit is not built: run scripts/build-web.sh (looked in {}).", web.display());
        api.fallback(move || async move { (StatusCode::NOT_FOUND, message) })
    }
}

/// A running server: its address, and a handle that stops it.
pub struct Running {
    pub addr: SocketAddr,
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
            let stopping = server.clone();
            axum::serve(listener, router(server)).with_graceful_shutdown(async move {
                let _ = stopped.await;
                stopping.stopping.send_replace(true);
            })
            .await
            .context("serving")
        })
    })?;
    Ok(Running { addr, stop: Some(stop), thread: Some(thread) })
}

/// `analytics serve`: serves until Ctrl-C.
pub fn run(config: ServeConfig) -> Result<()> {
    let addr = config.addr;
    if !addr.ip().is_loopback() {
        tracing::warn!(%addr, "serving beyond this machine: put TLS in front of it");
    }
    let running = spawn(config)?;
    println!("serving on http://{}  (Ctrl-C stops)", running.addr);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(tokio::signal::ctrl_c())?;
    running.stop()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_parse_with_their_roles_and_refuse_short_ones() {
        let tokens = parse_tokens("bot:ingest:0123456789abcdef,ana:analyst:fedcba9876543210").unwrap();
        assert_eq!(tokens.iter().map(|t| (t.name.as_str(), t.role)).collect::<Vec<_>>(), vec![("bot", Role::Ingest), ("ana", Role::Analyst)]);
        assert!(parse_tokens("bot:ingest:short").is_err());
        assert!(parse_tokens("bot:root:0123456789abcdef").unwrap_err().to_string().contains("not a role"));
        assert!(Role::Admin.allows(Role::Ingest) && !Role::Analyst.allows(Role::Ingest) && !Role::Ingest.allows(Role::Analyst));
    }

    #[test]
    fn batch_names_sort_by_arrival() {
        let names: Vec<String> = [9, 10, 100_000].into_iter().map(batch_name).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
    }
}
