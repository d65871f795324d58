//! Pulls from the provincial platform's database as the server's batches: each configured
//! source on its schedule, retried with backoff when it fails, and on demand
//! (`POST /api/admin/pull/{source}`, admin token). A pull streams without the writer lock
//! (it may take minutes), then lands like an ingest under it: a batch number, journalled,
//! its rows in `batches/`, the next version built and published, the outcome audited, and
//! then its record (`<batch>.pull.json`, the watermark the next pull starts from). A pull
//! that fails keeps the published version and says why in the audit log and in
//! `GET /api/pulls`, where a source overdue by more than `pull_grace_s` is late (数据延迟).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::audit::AuditEntry;
use crate::auth::{Role, Tokens};
use crate::journal::{batch_name, failpoint, Record, Step};
use crate::proxy::Client;
use crate::{ApiError, ApiResult, Server};
use szjy_engine::build::QUARANTINE_DIR;
use szjy_engine::ingest::IngestContext;
use szjy_engine::keys::PersonHasher;
use szjy_model::protocol::PullState;
use szjy_pull::schedule::Schedule;
use szjy_pull::{batches, PullConfig, PullOutcome};

/// Who the audit log names for a scheduled pull.
pub const SCHEDULER: &str = "scheduler";

/// The configured pulls and what the server knows of each.
pub struct Pulls {
    pub config: PullConfig,
    states: Mutex<BTreeMap<String, PullState>>,
    /// Sources being pulled now: a second pull of one waits for none, it is refused.
    running: Mutex<HashSet<String>>,
}

impl Pulls {
    /// Reads the configuration; each source's last success is its newest pull audited
    /// without an error (a pull that found nothing new keeps no record, but is audited).
    pub fn open(path: &Path, audit: &crate::audit::Audit) -> anyhow::Result<Pulls> {
        let config = PullConfig::load(path).map_err(anyhow::Error::msg)?;
        let entries = audit.entries()?;
        let mut states = BTreeMap::new();
        for pull in &config.sources {
            let landed =
                entries.iter().filter(|e| e.action == "pull" && e.error.is_none() && e.source.as_deref() == Some(pull.source.as_str()));
            let last_success = landed.map(|e| e.at).max();
            states.insert(
                pull.source.clone(),
                PullState { source: pull.source.clone(), schedule: pull.schedule.clone(), last_success, ..Default::default() },
            );
        }
        Ok(Pulls { config, states: Mutex::new(states), running: Mutex::new(HashSet::new()) })
    }

    /// Every source's state at `now`: its next scheduled pull and whether it is late.
    /// `started` stands for the last success of a source never pulled.
    pub fn states(&self, now: DateTime<Utc>, started: DateTime<Utc>, grace: chrono::Duration) -> Vec<PullState> {
        let states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        states
            .values()
            .map(|state| {
                let schedule = Schedule::parse(&state.schedule).unwrap_or(Schedule::Manual);
                let since = state.last_success.unwrap_or(started).fixed_offset();
                let mut state = state.clone();
                state.next_due = schedule.next_after(now.fixed_offset()).map(|t| t.with_timezone(&Utc));
                state.late = schedule.is_late(since, now.fixed_offset(), grace);
                state
            })
            .collect()
    }

    fn update(&self, source: &str, change: impl FnOnce(&mut PullState)) {
        let mut states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(state) = states.get_mut(source) {
            change(state);
        }
    }
}

/// What a pull answers: its batch (none when no row was accepted), counts, the
/// watermark range and the resulting version.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PullReport {
    pub batch: String,
    pub source: String,
    pub rows_in: u64,
    pub accepted: u64,
    pub quarantined: u64,
    pub watermark_from: Option<String>,
    pub watermark_to: Option<String>,
    pub rows_per_s: f64,
    pub version: u64,
    pub data_version: String,
}

/// The wait before retry `attempt` (0 the first): doubling from `first`, at most `max`.
pub fn backoff(attempt: u32, first: Duration, max: Duration) -> Duration {
    first.saturating_mul(1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX)).min(max)
}

pub(super) async fn pull_now(
    State(server): State<Arc<Server>>,
    Extension(client): Extension<Client>,
    UrlPath(source): UrlPath<String>,
    headers: HeaderMap,
) -> ApiResult<Json<PullReport>> {
    let who = server.tokens.authorize(&headers, Role::Admin)?;
    let job_server = server.clone();
    // The job runs to its outcome even if the client hangs up.
    let job = tokio::spawn(async move { pull(&job_server, &who, Some(client), &source).await });
    job.await.map_err(|e| ApiError::internal(anyhow::anyhow!("the pull job failed: {e}")))?.map(Json)
}

pub(super) async fn pull_states(State(server): State<Arc<Server>>, headers: HeaderMap) -> ApiResult<Json<Vec<PullState>>> {
    let analyst = Tokens::presented(&headers).then(|| server.tokens.authorize(&headers, Role::Analyst)).transpose()?.is_some();
    let Some(pulls) = &server.pulls else { return Ok(Json(Vec::new())) };
    let grace = chrono::Duration::seconds(server.config.pull_grace_s as i64);
    let mut states = pulls.states(Utc::now(), server.started, grace);
    if !analyst {
        for state in &mut states {
            state.last_error = None;
        }
    }
    Ok(Json(states))
}

/// One pull of `source`: streamed without the writer lock, landed under it.
pub(crate) async fn pull(server: &Arc<Server>, who: &str, client: Option<Client>, source: &str) -> ApiResult<PullReport> {
    let Some(pulls) = &server.pulls else {
        return Err(ApiError(StatusCode::NOT_FOUND, "no pulls are configured (the server's `pulls`)".into()));
    };
    if pulls.config.source(source).is_none() {
        let names: Vec<&str> = pulls.config.sources.iter().map(|s| s.source.as_str()).collect();
        return Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("`{}` is not a configured pull; one of: {}", szjy_engine::redact::bounded(source, 60), names.join(", ")),
        ));
    }
    if !pulls.running.lock().unwrap_or_else(|p| p.into_inner()).insert(source.to_string()) {
        return Err(ApiError(StatusCode::CONFLICT, format!("a pull of {source} is running")));
    }
    let result = async {
        let started = Utc::now();
        pulls.update(source, |s| s.last_attempt = Some(started));
        let (worker, name) = (server.clone(), source.to_string());
        let fetched = tokio::task::spawn_blocking(move || fetch(&worker, &name))
            .await
            .map_err(|e| ApiError::internal(anyhow::anyhow!("the pull job failed: {e}")))?;
        let (outcome, work) = match fetched {
            Ok(fetched) => fetched,
            Err(error) => {
                let mut entry = AuditEntry::now(who, "pull", server.published().number);
                if let Some(client) = &client {
                    entry = entry.from(client);
                }
                (entry.source, entry.error) = (Some(source.into()), Some(error.1.clone()));
                server.audit.append(&entry)?;
                return Err(error);
            }
        };
        let _writer = server.writer.clone().lock_owned().await;
        let (worker, who) = (server.clone(), who.to_string());
        tokio::task::spawn_blocking(move || {
            let landed = worker.settled(|| land(&worker, &who, client.as_ref(), outcome, &work));
            let _ = std::fs::remove_dir_all(&work);
            landed
        })
        .await
        .map_err(|e| ApiError::internal(anyhow::anyhow!("the pull job failed: {e}")))?
    }
    .await;
    match &result {
        Ok(report) => pulls.update(source, |s| {
            s.last_success = s.last_attempt;
            (s.last_error, s.failures) = (None, 0);
            tracing::info!(source = %report.source, batch = %report.batch, rows = report.rows_in, "pulled");
        }),
        Err(error) => pulls.update(source, |s| {
            (s.last_error, s.failures) = (Some(error.1.clone()), s.failures + 1);
            tracing::warn!(source = %s.source, error = %error.1, "the pull failed; the published version stays");
        }),
    }
    pulls.running.lock().unwrap_or_else(|p| p.into_inner()).remove(source);
    result
}

/// Streams and validates a pull into a work folder under `incoming/`.
fn fetch(server: &Server, source: &str) -> ApiResult<(PullOutcome, PathBuf)> {
    let pulls = server.pulls.as_ref().expect("checked by the caller");
    let spec = pulls.config.source(source).expect("checked by the caller");
    let since = batches::last_watermark(&server.folders.batches, source).map_err(|e| ApiError::internal(anyhow::anyhow!(e)))?;
    let today = crate::ingest::day_of_ingest(server)?;
    let context = IngestContext::new(PersonHasher::from_env(), today);
    let work = server.folders.incoming.join(format!("pull-{}.work", crate::ingest::unique()));
    let mut progress = |rows: u64| tracing::info!(source, rows, "streaming");
    match szjy_pull::pull_source(&pulls.config, spec, since.as_deref(), &work, &context, &mut progress) {
        Ok(outcome) => Ok((outcome, work)),
        Err(e) => {
            let _ = std::fs::remove_dir_all(&work);
            // The database's own words may quote a value (an ID number): masked here, once,
            // for the answer, the audit log, the state and the server's log alike.
            Err(ApiError(StatusCode::BAD_GATEWAY, szjy_engine::redact::message(&e.to_string())))
        }
    }
}

/// Under the writer lock: the pull's batch number, its rows in the data, the next
/// version, the audit entry, then the record that moves the watermark.
fn land(server: &Server, who: &str, client: Option<&Client>, mut outcome: PullOutcome, work: &Path) -> ApiResult<PullReport> {
    let source = outcome.source.clone();
    let r = outcome.reconciliation.clone();
    let origin = format!("{}:{}", outcome.database, outcome.table);
    let mut entry = AuditEntry::now(who, "pull", server.published().number);
    if let Some(client) = client {
        entry = entry.from(client);
    }
    (entry.source, entry.file) = (Some(source.clone()), Some(origin.clone()));
    (entry.rows_in, entry.accepted, entry.quarantined) = (Some(r.rows_in), Some(r.accepted), Some(r.quarantined));
    entry.watermark = outcome.watermark_to.clone();
    let report = |batch: String, published: &crate::versions::Published, outcome: PullOutcome| PullReport {
        batch,
        source: source.clone(),
        rows_in: r.rows_in,
        accepted: r.accepted,
        quarantined: r.quarantined,
        watermark_from: outcome.watermark_from,
        watermark_to: outcome.watermark_to,
        rows_per_s: outcome.rows_per_s,
        version: published.number,
        data_version: published.public.data_version.clone(),
    };
    // A rollback while this pull streamed moved the mark back: this pull started past the
    // rolled-back range, and landing it would leave that range unread for good.
    let mark = batches::last_watermark(&server.folders.batches, &source).map_err(|e| ApiError::internal(anyhow::anyhow!(e)))?;
    if mark != outcome.watermark_from {
        let message = format!("{source}: the batches changed while the pull ran (a rollback); nothing was kept, pull again");
        entry.error = Some(message.clone());
        server.audit.append(&entry)?;
        return Err(ApiError(StatusCode::CONFLICT, message));
    }
    // Nothing past the watermark: no batch, nothing to build.
    if r.rows_in == 0 {
        server.audit.append(&entry)?;
        return Ok(report(String::new(), &server.published(), outcome));
    }
    let batch = batch_name(server.next_batch.fetch_add(1, Ordering::SeqCst));
    entry.batch = Some(batch.clone());
    let record = |step: Step| Record::new(&batch, &source, &origin, who, "", step);
    server.journal.record(&record(Step::Received))?;
    let quarantine = work.join(QUARANTINE_DIR).join(format!("{source}.csv"));
    if quarantine.exists() {
        let dir = server.folders.reports.join(&batch).join(QUARANTINE_DIR);
        std::fs::create_dir_all(&dir).map_err(anyhow::Error::from)?;
        std::fs::rename(&quarantine, dir.join(format!("{source}.csv"))).map_err(anyhow::Error::from)?;
    }
    let published = if r.accepted > 0 {
        let version = server.published().number + 1;
        server.journal.record(&record(Step::Staged { version, rows_in: r.rows_in, accepted: r.accepted, quarantined: r.quarantined }))?;
        let dir = server.folders.batches.join(&source);
        std::fs::create_dir_all(&dir).map_err(anyhow::Error::from)?;
        let kept = dir.join(format!("{batch}.parquet"));
        std::fs::rename(work.join(&source).join("part-0.parquet"), &kept).map_err(anyhow::Error::from)?;
        failpoint("staged");
        match server.rebuild(version, &source) {
            Ok(published) => published,
            Err(e) => {
                let _ = std::fs::remove_dir_all(server.folders.versions.join(version.to_string()));
                let failed = server.folders.rolled_back.join(&source);
                let _ = std::fs::create_dir_all(&failed);
                let _ = std::fs::rename(&kept, failed.join(format!("{batch}.parquet.failed")));
                let error = ApiError::internal(e);
                entry.error = Some(format!("the build of version {version} failed ({})", error.1));
                server.audit.append(&entry)?;
                return Err(error);
            }
        }
    } else {
        server.published()
    };
    entry.version = published.number;
    server.audit.append(&entry)?;
    // Last: a record without its rows would move the watermark past them.
    batches::keep(&server.folders.batches, work, &batch, &mut outcome).map_err(|e| ApiError::internal(anyhow::anyhow!(e)))?;
    Ok(report(batch, &published, outcome))
}

/// Runs each scheduled source at its times until the server stops: a failed pull is
/// retried `pull_retries` times, waiting `backoff` between tries.
pub(crate) fn spawn_schedules(server: &Arc<Server>) {
    let Some(pulls) = &server.pulls else { return };
    for configured in &pulls.config.sources {
        let schedule = Schedule::parse(&configured.schedule).unwrap_or(Schedule::Manual);
        if schedule == Schedule::Manual {
            continue;
        }
        let (server, source) = (server.clone(), configured.source.clone());
        tokio::spawn(async move {
            let mut stopping = server.stopping.subscribe();
            loop {
                let now = Utc::now();
                let Some(due) = schedule.next_after(now.fixed_offset()) else { return };
                let wait = (due.with_timezone(&Utc) - now).to_std().unwrap_or_default();
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stopping.changed() => return,
                }
                for attempt in 0..=server.config.pull_retries {
                    if pull(&server, SCHEDULER, None, &source).await.is_ok() {
                        break;
                    }
                    if attempt == server.config.pull_retries {
                        break;
                    }
                    let first = Duration::from_secs(server.config.pull_backoff_s);
                    tokio::select! {
                        _ = tokio::time::sleep(backoff(attempt, first, Duration::from_secs(1800))) => {}
                        _ = stopping.changed() => return,
                    }
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_each_time_up_to_a_bound() {
        let (first, max) = (Duration::from_secs(60), Duration::from_secs(1800));
        let waits: Vec<u64> = (0..7).map(|a| backoff(a, first, max).as_secs()).collect();
        assert_eq!(waits, [60, 120, 240, 480, 960, 1800, 1800]);
        assert_eq!(backoff(40, first, max), max);
    }
}
