//! The router, and the routes that read: versions, cubes, slices, the update stream, the
//! audit log and alerts' lifecycles. Writing routes live in [`crate::ingest`].

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::audit::AuditEntry;
use crate::auth::{Role, Tokens};
use crate::proxy::{self, Client};
use crate::stream::updates;
use crate::versions::numbered_dirs;
use crate::{ingest, pulls, ApiError, ApiResult, Server, VersionInfo};
use szjy_model::lifecycle;
use szjy_model::protocol::{INGEST_ROUTE, LIFECYCLE_ROUTE, PULLS_ROUTE, SUBMISSIONS_ROUTE, UPDATES_ROUTE, VERSION_ROUTE};
use szjy_model::region::RegionTree;
use szjy_model::submissions::{self, BatchOutcome, Submissions};

pub(super) fn router(server: Arc<Server>) -> Router {
    let web = server.config.web.clone();
    let small_bodies = DefaultBodyLimit::max(server.config.limits.max_request_bytes);
    let api = Router::new()
        .route(VERSION_ROUTE, get(version))
        .route("/api/versions", get(versions))
        .route("/api/cube", get(public_cube))
        .route("/api/cube/internal", get(internal_cube))
        .route("/api/regions/{adcode}", get(region_slice))
        .route(UPDATES_ROUTE, get(updates))
        .route("/api/audit", get(audit_log))
        .route(SUBMISSIONS_ROUTE, get(submissions_state))
        .route(LIFECYCLE_ROUTE, get(alert_states).post(alert_action))
        .route("/api/admin/rollback/{batch}", post(ingest::rollback))
        .route("/api/admin/pull/{source}", post(pulls::pull_now))
        .route(PULLS_ROUTE, get(pulls::pull_states))
        .layer(small_bodies)
        // The ingest route streams its body to disk under its own limit.
        .route(INGEST_ROUTE, post(ingest::ingest_batch).layer(DefaultBodyLimit::disable()))
        .layer(axum::middleware::from_fn_with_state(server.clone(), proxy::identify))
        .with_state(server);
    if web.join("index.html").exists() {
        api.fallback_service(tower_http::services::ServeDir::new(web).precompressed_br())
    } else {
        api.fallback(|| async {
            (StatusCode::NOT_FOUND, "The web cockpit is not built: run scripts/build-web.sh and give its folder as --web.")
        })
    }
}

#[derive(Deserialize)]
struct FormatQuery {
    format: Option<String>,
}

/// JSON unless `?format=bin` or `Accept: application/octet-stream` asks for postcard.
fn wants_binary(query: &FormatQuery, headers: &HeaderMap) -> bool {
    query.format.as_deref() == Some("bin")
        || headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/octet-stream"))
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

async fn region_slice(
    State(server): State<Arc<Server>>,
    UrlPath(adcode): UrlPath<String>,
    Query(query): Query<FormatQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let Some(adcode) = adcode.parse::<u32>().ok().filter(|&a| RegionTree::shandong().get(a).is_some()) else {
        return Err(ApiError(StatusCode::NOT_FOUND, format!("{} is not a Shandong adcode", szjy_engine::redact::bounded(&adcode, 20))));
    };
    let published = server.published();
    let slice = published.public.slice(adcode);
    let binary = wants_binary(&query, &headers);
    Ok(cube_response(if binary { slice.to_binary() } else { slice.to_json() }.into(), binary, Some(published.etag())))
}

/// The unsuppressed cube; each read is audited (who, which version).
async fn internal_cube(
    State(server): State<Arc<Server>>,
    Extension(client): Extension<Client>,
    Query(query): Query<FormatQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let who = server.tokens.authorize(&headers, Role::Analyst)?;
    let published = server.published();
    server.audit.append(&AuditEntry::now(&who, "read-internal", published.number).from(&client))?;
    let binary = wants_binary(&query, &headers);
    let bytes = if binary { published.internal.to_binary() } else { published.internal.to_json() };
    Ok(cube_response(bytes.into(), binary, None))
}

async fn audit_log(State(server): State<Arc<Server>>, headers: HeaderMap) -> ApiResult<Json<Vec<AuditEntry>>> {
    server.tokens.authorize(&headers, Role::Analyst)?;
    Ok(Json(server.audit.entries()?))
}

/// 报送情况: per source and month who reported (the published cube's coverage), and each
/// source's latest uploads and pulls with their outcome (the audit log). Analysts only:
/// file names and errors are for them.
async fn submissions_state(State(server): State<Arc<Server>>, headers: HeaderMap) -> ApiResult<Json<Submissions>> {
    server.tokens.authorize(&headers, Role::Analyst)?;
    let mut out = submissions::from_cube(&server.published().internal, ingest::day_of_ingest(&server)?);
    let entries = server.audit.entries()?;
    let rolled_back: std::collections::HashSet<&str> =
        entries.iter().filter(|e| e.action == "rollback" && e.error.is_none()).filter_map(|e| e.batch.as_deref()).collect();
    for source in out.sources.iter_mut() {
        source.batches = entries
            .iter()
            .rev()
            .filter(|e| e.source.as_deref() == Some(source.source.as_str()) && matches!(e.action.as_str(), "ingest" | "pull" | "refused"))
            .take(submissions::BATCHES_SHOWN)
            .map(|e| BatchOutcome {
                at: e.at,
                action: e.action.clone(),
                batch: e.batch.clone(),
                file: e.file.clone(),
                rows_in: e.rows_in,
                accepted: e.accepted,
                quarantined: e.quarantined,
                error: e.error.clone(),
                rolled_back: e.batch.as_deref().is_some_and(|b| rolled_back.contains(b)),
            })
            .collect();
    }
    Ok(Json(out))
}

/// Every alert's lifecycle state. Analysts see who did what and when; without a token
/// only the status (open, acknowledged, assigned, closed) of alerts the public cube shows:
/// an alert about one employer names it in its id, which the public cube leaves out.
async fn alert_states(State(server): State<Arc<Server>>, headers: HeaderMap) -> ApiResult<Json<BTreeMap<String, lifecycle::AlertState>>> {
    let analyst = Tokens::presented(&headers).then(|| server.tokens.authorize(&headers, Role::Analyst)).transpose()?.is_some();
    let log = server.lifecycle.lock().expect("lifecycle lock");
    let mut states = lifecycle::fold(log.events());
    if !analyst {
        let internal = &server.published().internal;
        let about_one_employer: std::collections::HashSet<String> =
            internal.alerts.iter().filter(|a| a.subject.is_some()).map(|a| a.id()).collect();
        states.retain(|id, _| !about_one_employer.contains(id) && !szjy_model::alert::Alert::id_names_subject(id));
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

async fn alert_action(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> ApiResult<Json<lifecycle::AlertState>> {
    // Who, before the body is read.
    let who = server.tokens.authorize(&headers, Role::Analyst)?;
    let bytes = axum::body::to_bytes(body, server.config.limits.max_request_bytes)
        .await
        .map_err(|_| ApiError(StatusCode::PAYLOAD_TOO_LARGE, "the request is too large".into()))?;
    let request: LifecycleRequest =
        serde_json::from_slice(&bytes).map_err(|e| ApiError(StatusCode::BAD_REQUEST, format!("not an alert step: {e}")))?;
    if !server.published().internal.alerts.iter().any(|a| a.id() == request.alert) {
        return Err(ApiError(StatusCode::NOT_FOUND, format!("no alert {} in the current cube", request.alert)));
    }
    let event = lifecycle::Event { alert: request.alert, action: request.action, by: who, at: DateTime::<Utc>::from(SystemTime::now()) };
    let mut log = server.lifecycle.lock().expect("lifecycle lock");
    log.append(event).map(Json).map_err(|e| ApiError(StatusCode::CONFLICT, e))
}
