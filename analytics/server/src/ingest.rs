//! The routes that write: a batch ingest and a rollback. Each is refused before its body
//! is read unless the token allows it, and then runs as a job of its own that holds the
//! writer lock until its outcome is audited: a client that hangs up changes nothing.
//!
//! A batch's steps: upload streamed to `incoming/` (size, pauses and SHA-256 checked) →
//! a batch number, journalled → validated into its stored form (person keys hashed,
//! values masked in its report; the upload deleted) → journalled as staged → moved into
//! `batches/` → the next version built and published → the outcome audited.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::{Extension, Json};
use serde::Deserialize;

use crate::audit::AuditEntry;
use crate::auth::Role;
use crate::journal::{self, batch_name, failpoint, Record, Step};
use crate::proxy::Client;
use crate::{limits, ApiError, ApiResult, Server, VersionInfo};
use szjy_engine::build::QUARANTINE_DIR;
use szjy_engine::ingest as validation;
use szjy_model::protocol::{IngestReport, QuarantinedRow};
use szjy_model::schema::{self, SourceSchema};

#[derive(Deserialize)]
pub(super) struct IngestQuery {
    source: String,
    /// The uploaded file's name (for the audit log; its extension gives the format).
    name: Option<String>,
    /// `csv`, `parquet`, `xlsx` or `xls` when the name does not say.
    format: Option<String>,
}

/// A file name as a client gave it, fit to log and show: no folders, ID numbers masked,
/// bounded.
fn client_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    szjy_engine::redact::bounded(&szjy_engine::redact::mask_ids(base), 120).into_owned()
}

/// A validated request: who, from where, which source, what the file is called and its
/// format.
struct Request {
    who: String,
    client: Client,
    schema: &'static SourceSchema,
    file: String,
    extension: String,
}

pub(super) async fn ingest_batch(
    State(server): State<Arc<Server>>,
    Extension(client): Extension<Client>,
    Query(query): Query<IngestQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<IngestReport>> {
    // Who, before a byte of the body is read.
    let who = server.tokens.authorize(&headers, Role::Ingest)?;
    let refused = |error: ApiError, file: Option<&str>| refused(&server, &who, &client, &query.source, file, error);
    let request = match check_request(&server, &query, &headers, who.clone(), client) {
        Ok(request) => request,
        Err(error) => return Err(refused(error, query.name.as_deref())),
    };
    let limits = &server.config.limits;
    let upload_path = server.folders.incoming.join(format!("upload-{}.{}", unique(), request.extension));
    let upload = match limits::receive(body, &upload_path, limits.max_batch_bytes, Duration::from_secs(limits.body_idle_timeout_s)).await {
        Ok(upload) if upload.bytes == 0 => {
            let _ = std::fs::remove_file(&upload_path);
            return Err(refused(
                ApiError(StatusCode::BAD_REQUEST, format!("{}: the request has no body", request.file)),
                Some(&request.file),
            ));
        }
        Ok(upload) => upload,
        Err(error) => return Err(refused(error, Some(&request.file))),
    };
    // From here the job owns the batch: it runs to its outcome even if this request is
    // dropped (the client hung up). It validates without the writer lock (in the worker
    // process, while other batches build), then holds the lock until its outcome is
    // audited.
    let job_server = server.clone();
    let job = tokio::spawn(async move {
        let worker = job_server.clone();
        let (request, upload) = (Arc::new(request), Arc::new(upload));
        let (r, u) = (request.clone(), upload.clone());
        let validated = tokio::task::spawn_blocking(move || validate(&worker, &r, &upload_path, &u))
            .await
            .map_err(|e| ApiError::internal(anyhow::anyhow!("the ingest job failed: {e}")))?;
        let _writer = job_server.writer.clone().lock_owned().await;
        let worker = job_server.clone();
        tokio::task::spawn_blocking(move || worker.settled(|| land(&worker, &request, &upload, &validated)))
            .await
            .map_err(|e| ApiError::internal(anyhow::anyhow!("the ingest job failed: {e}")))?
    });
    job.await.map_err(|e| ApiError::internal(anyhow::anyhow!("the ingest job failed: {e}")))?.map(Json)
}

/// A name for an upload in `incoming/` that no other request has.
pub(crate) fn unique() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    format!("{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

fn check_request(server: &Server, query: &IngestQuery, headers: &HeaderMap, who: String, client: Client) -> ApiResult<Request> {
    let schema = schema::source(&query.source).ok_or_else(|| {
        let names: Vec<&str> = schema::SOURCES.iter().map(|s| s.name).collect();
        ApiError(
            StatusCode::BAD_REQUEST,
            format!("unknown source `{}`; one of: {}", szjy_engine::redact::bounded(&query.source, 60), names.join(", ")),
        )
    })?;
    let file =
        client_file_name(&query.name.clone().unwrap_or_else(|| format!("{}.{}", schema.name, query.format.as_deref().unwrap_or("csv"))));
    let extension =
        query.format.clone().or_else(|| Path::new(&file).extension().and_then(|e| e.to_str()).map(str::to_lowercase)).unwrap_or_default();
    if szjy_engine::ingest::FileKind::of(Path::new(&format!("upload.{extension}"))).is_none() {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            format!(
                "{file}: send CSV, Parquet or an Excel workbook (name it .csv, .parquet, .xlsx or .xls, or add format=csv|parquet|xlsx|xls)"
            ),
        ));
    }
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > server.config.limits.max_batch_bytes) {
        return Err(limits::too_large(server.config.limits.max_batch_bytes));
    }
    Ok(Request { who, client, schema, file, extension })
}

/// The day of ingest: the configured one (tests), else today in Beijing.
pub(crate) fn day_of_ingest(server: &Server) -> ApiResult<chrono::NaiveDate> {
    match server.config.today {
        Some(day) => Ok(day),
        None => validation::day_of_ingest().map_err(|e| ApiError::internal(e.into())),
    }
}

/// Audits a refused post by a known caller, and gives the error back.
fn refused(server: &Server, who: &str, client: &Client, source: &str, file: Option<&str>, error: ApiError) -> ApiError {
    let mut entry = AuditEntry::now(who, "refused", server.published().number).from(client);
    entry.source = Some(szjy_engine::redact::bounded(source, 60).into_owned());
    entry.file = file.map(client_file_name);
    entry.error = Some(format!("{} {}", error.0.as_u16(), error.1));
    if let Err(e) = server.audit.append(&entry) {
        return ApiError::internal(e);
    }
    error
}

/// An upload as the worker left it: its reconciliation, and its validated rows and
/// quarantine under a work folder in `incoming/`; or why it was refused.
struct Validated {
    work: PathBuf,
    outcome: ApiResult<validation::Reconciliation>,
}

impl Drop for Validated {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.work);
    }
}

/// The answer to a batch whose bytes landed before: the first batch's, nothing added.
fn already_ingested(server: &Server, request: &Request, upload: &limits::Upload) -> ApiResult<Option<IngestReport>> {
    let Some(first) = server.audit.landed_by_content()?.remove(&(request.schema.name.to_string(), upload.sha256.clone())) else {
        return Ok(None);
    };
    let published = server.published();
    let mut entry = AuditEntry::now(&request.who, "refused", published.number).from(&request.client);
    (entry.source, entry.file, entry.content_sha256) =
        (Some(request.schema.name.into()), Some(request.file.clone()), Some(upload.sha256.clone()));
    entry.error = Some(format!("already ingested as {}", first.batch.as_deref().unwrap_or("?")));
    server.audit.append(&entry)?;
    Ok(Some(IngestReport {
        batch: first.batch.unwrap_or_default(),
        source: request.schema.name.into(),
        file: request.file.clone(),
        rows_in: first.rows_in.unwrap_or(0),
        accepted: first.accepted.unwrap_or(0),
        quarantined: first.quarantined.unwrap_or(0),
        quarantine_sample: Vec::new(),
        replaced: first.replaced.unwrap_or(0),
        version: published.number,
        data_version: published.public.data_version.clone(),
        already_ingested: true,
    }))
}

/// Under the writer lock: gives a validated upload its batch number and its outcome.
fn land(server: &Server, request: &Request, upload: &limits::Upload, validated: &Validated) -> ApiResult<IngestReport> {
    let schema = request.schema;
    if let Some(report) = already_ingested(server, request, upload)? {
        return Ok(report);
    }
    let batch = batch_name(server.next_batch.fetch_add(1, Ordering::SeqCst));
    let record = |step: Step| Record::new(&batch, schema.name, &request.file, &request.who, &upload.sha256, step);
    server.journal.record(&record(Step::Received))?;
    failpoint("received");
    let outcome = |error: Option<String>, counts: Option<(u64, u64, u64)>, version: u64| {
        let mut entry = AuditEntry::now(&request.who, "ingest", version).from(&request.client);
        (entry.batch, entry.source, entry.file, entry.content_sha256) =
            (Some(batch.clone()), Some(schema.name.into()), Some(request.file.clone()), Some(upload.sha256.clone()));
        (entry.rows_in, entry.accepted, entry.quarantined) = (counts.map(|c| c.0), counts.map(|c| c.1), counts.map(|c| c.2));
        entry.error = error;
        entry
    };
    let rec = match &validated.outcome {
        Ok(rec) => rec.clone(),
        Err(error) => {
            server.audit.append(&outcome(Some(error.1.clone()), None, server.published().number))?;
            return Err(ApiError(error.0, error.1.clone()));
        }
    };
    // The batch's quarantine becomes its report; its accepted rows wait under its name.
    let stored = server.folders.incoming.join(format!("{batch}.parquet"));
    let report_dir = server.folders.reports.join(&batch).join(QUARANTINE_DIR);
    let quarantine = validated.work.join(QUARANTINE_DIR).join(format!("{}.csv", schema.name));
    if quarantine.exists() {
        std::fs::create_dir_all(&report_dir).map_err(anyhow::Error::from)?;
        std::fs::rename(&quarantine, report_dir.join(format!("{}.csv", schema.name))).map_err(anyhow::Error::from)?;
    }
    let accepted_rows = validated.work.join(schema.name).join("part-0.parquet");
    if rec.accepted > 0 {
        std::fs::rename(&accepted_rows, &stored).map_err(anyhow::Error::from)?;
    }
    failpoint("validated");
    let counts = (rec.rows_in, rec.accepted, rec.quarantined);
    let quarantine_sample = quarantine_sample(&report_dir.join(format!("{}.csv", schema.name)));
    let replaced_before = replaced_rows(&server.published().internal, schema.name);
    let published = if rec.accepted > 0 {
        let version = server.published().number + 1;
        server.journal.record(&record(Step::Staged { version, rows_in: counts.0, accepted: counts.1, quarantined: counts.2 }))?;
        let dir = server.folders.batches.join(schema.name);
        let kept = dir.join(format!("{batch}.parquet"));
        std::fs::create_dir_all(&dir).map_err(anyhow::Error::from)?;
        std::fs::rename(&stored, &kept).map_err(anyhow::Error::from)?;
        failpoint("staged");
        match server.rebuild(version, schema.name) {
            Ok(published) => published,
            Err(e) => {
                // Leave the data as it was: the half-built version goes first (recovery
                // reads a complete version as published), then the batch goes back out,
                // kept for inspection.
                let _ = std::fs::remove_dir_all(server.folders.versions.join(version.to_string()));
                let failed = server.folders.rolled_back.join(schema.name);
                let _ = std::fs::create_dir_all(&failed);
                let _ = std::fs::rename(&kept, failed.join(format!("{batch}.parquet.failed")));
                let error = ApiError::internal(e);
                server.audit.append(&outcome(
                    Some(format!("the build of version {version} failed ({})", error.1)),
                    Some(counts),
                    server.published().number,
                ))?;
                return Err(error);
            }
        }
    } else {
        server.published()
    };
    let replaced = replaced_rows(&published.internal, schema.name).saturating_sub(replaced_before);
    let mut entry = outcome(None, Some(counts), published.number);
    entry.replaced = Some(replaced);
    server.audit.append(&entry)?;
    Ok(IngestReport {
        batch,
        source: schema.name.into(),
        file: request.file.clone(),
        rows_in: rec.rows_in,
        accepted: rec.accepted,
        quarantined: rec.quarantined,
        quarantine_sample,
        replaced,
        version: published.number,
        data_version: published.public.data_version.clone(),
        already_ingested: false,
    })
}

/// The rows of a source's earlier files that later ones replaced, as a cube reports them.
fn replaced_rows(cube: &szjy_model::cube::Cube, source: &str) -> u64 {
    cube.sources.iter().find(|s| s.source == source).map_or(0, |s| s.replaced)
}

/// Validates an upload like `analytics ingest`, in a process of its own (the ingest
/// worker): a file crafted to crash or exhaust the Parquet reader takes that process down,
/// not the server. The worker checks the declared size (Parquet) and writes the accepted
/// rows in their stored form and the quarantine into a work folder; the upload (which may
/// hold raw ID numbers) is deleted. The worker runs in `incoming/` on relative names, so
/// its messages name no path of the server; they name the client's file.
fn validate(server: &Server, request: &Request, upload_path: &Path, upload: &limits::Upload) -> Validated {
    let work = upload_path.with_extension("work");
    let key = (request.schema.name.to_string(), upload.sha256.clone());
    let outcome = match server.audit.landed_by_content() {
        // Landed before: `land` answers it so under the lock; nothing to validate.
        Ok(landed) if landed.contains_key(&key) => Err(ApiError(StatusCode::CONFLICT, "already ingested".into())),
        Ok(_) => run_validation(server, request, upload_path, &work),
        Err(e) => Err(ApiError::internal(e)),
    };
    let _ = std::fs::remove_file(upload_path);
    Validated { work, outcome }
}

fn run_validation(server: &Server, request: &Request, upload_path: &Path, work: &Path) -> ApiResult<validation::Reconciliation> {
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let limits = &server.config.limits;
    let today = day_of_ingest(server)?;
    let mut command = std::process::Command::new(&server.ingest_worker);
    command
        .current_dir(&server.folders.incoming)
        .args(["ingest", "--json", "--source", request.schema.name, "--name", &request.file])
        .arg("--max-parquet-rows")
        .arg(limits.max_parquet_rows.to_string())
        .arg("--max-parquet-unpacked-bytes")
        .arg(limits.max_parquet_uncompressed_bytes.to_string())
        .arg("--out")
        .arg(name(work))
        .arg(name(upload_path))
        .env(validation::TODAY_ENV, today.to_string())
        .env("RUST_LOG", "error")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    let refused = |message: String| ApiError(StatusCode::UNPROCESSABLE_ENTITY, message);
    let line = run_worker(command, Duration::from_secs(limits.max_validation_s))
        .map_err(|message| refused(format!("{}: {message}", request.file)))?;
    match serde_json::from_str::<WorkerAnswer>(&line) {
        Ok(WorkerAnswer { reconciliation: Some(rec), .. }) => Ok(rec),
        Ok(WorkerAnswer { error: Some(message), .. }) => Err(refused(message.replace(&name(upload_path), &request.file))),
        _ => Err(ApiError::internal(anyhow::anyhow!("the ingest worker's answer is not one: {line}"))),
    }
}

/// What `analytics ingest --json` prints.
#[derive(Deserialize)]
struct WorkerAnswer {
    reconciliation: Option<validation::Reconciliation>,
    error: Option<String>,
}

/// Runs the ingest worker to its end or `timeout`, and gives its answer line.
fn run_worker(mut command: std::process::Command, timeout: Duration) -> Result<String, String> {
    use std::io::Read;
    let mut child = command.spawn().map_err(|e| format!("the ingest worker did not start: {e}"))?;
    // If memory runs out, the worker goes first, not the server.
    let _ = std::fs::write(format!("/proc/{}/oom_score_adj", child.id()), "1000");
    let mut stdout = child.stdout.take().expect("piped");
    // Read on a thread: a worker that fills the pipe must not block its own exit.
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let started = std::time::Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("reading the file took longer than {} s (limits.max_validation_s)", timeout.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("waiting for the ingest worker: {e}")),
        }
    };
    let text = reader.join().unwrap_or_default();
    match (status.code(), text.lines().last()) {
        (Some(0 | 2), Some(line)) => Ok(line.to_string()),
        _ => Err("the file could not be read: the reader failed on it (a damaged or deliberately malformed file)".into()),
    }
}

/// The first quarantined rows of a batch: row number and reason, not the row.
fn quarantine_sample(path: &Path) -> Vec<QuarantinedRow> {
    const SAMPLE: usize = 20;
    validation::quarantine_sample(path, SAMPLE).into_iter().map(|(row, reason)| QuarantinedRow { row, reason }).collect()
}

pub(super) async fn rollback(
    State(server): State<Arc<Server>>,
    Extension(client): Extension<Client>,
    UrlPath(batch): UrlPath<String>,
    headers: HeaderMap,
) -> ApiResult<Json<VersionInfo>> {
    let who = server.tokens.authorize(&headers, Role::Admin)?;
    if journal::batch_number(&batch).is_none_or(|_| batch.len() != 7) {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            format!("`{}` is not a batch name like b000001", szjy_engine::redact::bounded(&batch, 40)),
        ));
    }
    let job_server = server.clone();
    let job = tokio::spawn(async move {
        let _writer = job_server.writer.clone().lock_owned().await;
        let worker = job_server.clone();
        tokio::task::spawn_blocking(move || worker.settled(|| rollback_job(&worker, &who, &client, &batch)))
            .await
            .map_err(|e| ApiError::internal(anyhow::anyhow!("the rollback job failed: {e}")))?
    });
    job.await.map_err(|e| ApiError::internal(anyhow::anyhow!("the rollback job failed: {e}")))?.map(Json)
}

fn rollback_job(server: &Server, who: &str, client: &Client, batch: &str) -> ApiResult<VersionInfo> {
    let found = schema::SOURCES.iter().find_map(|s| {
        let path = server.folders.batches.join(s.name).join(format!("{batch}.parquet"));
        path.exists().then_some((s.name, path))
    });
    let Some((source, path)) = found else {
        return Err(ApiError(StatusCode::NOT_FOUND, format!("no batch {batch} in the current data")));
    };
    let version = server.published().number + 1;
    let landed = server.audit.landed_by_content()?;
    let sha = landed.iter().find(|(_, l)| l.batch.as_deref() == Some(batch)).map(|((_, h), _)| h.clone()).unwrap_or_default();
    server.journal.record(&Record::new(batch, source, "", who, &sha, Step::RollbackStarted { version }))?;
    let target = server.folders.rolled_back.join(source);
    std::fs::create_dir_all(&target).map_err(anyhow::Error::from)?;
    let out = target.join(format!("{batch}.parquet"));
    std::fs::rename(&path, &out).map_err(anyhow::Error::from)?;
    // A pull's record goes with its rows, so the next pull reads its range again.
    let record = path.with_file_name(format!("{batch}{}", szjy_pull::batches::RECORD_SUFFIX));
    let record_out = target.join(format!("{batch}{}", szjy_pull::batches::RECORD_SUFFIX));
    if record.exists() {
        std::fs::rename(&record, &record_out).map_err(anyhow::Error::from)?;
    }
    failpoint("rollback-moved");
    let mut entry = AuditEntry::now(who, "rollback", version).from(client);
    (entry.batch, entry.source) = (Some(batch.into()), Some(source.into()));
    match server.rebuild(version, source) {
        Ok(published) => {
            server.audit.append(&entry)?;
            Ok(published.info())
        }
        Err(e) => {
            // The batch goes back in: the data is what it was (the half-built version
            // first, as recovery reads a complete version as done).
            let _ = std::fs::remove_dir_all(server.folders.versions.join(version.to_string()));
            let _ = std::fs::rename(&out, &path);
            if record_out.exists() {
                let _ = std::fs::rename(&record_out, &record);
            }
            let error = ApiError::internal(e);
            (entry.version, entry.error) =
                (server.published().number, Some(format!("the build of version {version} failed ({}); the batch stays", error.1)));
            server.audit.append(&entry)?;
            Err(error)
        }
    }
}
