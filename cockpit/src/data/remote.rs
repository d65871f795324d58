//! The remote data source (`--server URL`): the public cube from `analytics serve`, kept
//! current through its update stream. When the server is away the last good cube stays
//! on screen, marked stale, and the client retries with backoff. [`follow`] is plain
//! async Rust on reqwest, the same natively and in the browser; only its timers, the
//! reading of a streamed body and where it runs differ: natively a thread of its own with
//! a small tokio runtime, in the browser the page's event loop (fetch, `setTimeout`).

use std::collections::BTreeMap;
use std::time::Duration;

use szjy_model::cube::Cube;
use szjy_model::lifecycle::AlertState;
use szjy_model::protocol::{
    PullState, SseParser, VersionInfo, CUBE_BINARY_ROUTE, LIFECYCLE_ROUTE, PULLS_ROUTE, UPDATES_ROUTE, VERSION_EVENT, VERSION_ROUTE,
};

/// What the follower reports to the app.
#[derive(Debug)]
pub enum RemoteEvent {
    /// A cube the client did not have (at start, or a new version).
    Cube(Box<Cube>, VersionInfo),
    /// Connected (again) and the cube on show is current.
    Current(VersionInfo),
    /// Every alert's lifecycle state (status only: the cockpit sends no token).
    AlertStates(BTreeMap<String, AlertState>),
    /// The server's database pulls: when each source was last pulled, and which are late.
    PullStates(Vec<PullState>),
    /// The server cannot be reached or the stream broke; retrying.
    Disconnected(String),
}

const FIRST_RETRY: Duration = Duration::from_secs(1);
const LONGEST_RETRY: Duration = Duration::from_secs(30);
/// The server sends a keep-alive every 15 s: silence this long means a dead link.
const SILENCE_LIMIT: Duration = Duration::from_secs(45);
/// Lateness changes with the clock, not only with versions: the pulls' states are asked
/// again this often while the stream is quiet.
const PULL_STATES_EVERY: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// Follows the server at `base` for ever, reporting through `report`.
pub async fn follow(base: String, report: impl Fn(RemoteEvent)) {
    let client = reqwest::Client::new();
    let base = base.trim_end_matches('/').to_string();
    let mut have: Option<String> = None;
    let mut retry = FIRST_RETRY;
    loop {
        let outcome = follow_once(&client, &base, &mut have, &mut retry, &report).await;
        report(RemoteEvent::Disconnected(outcome.err().unwrap_or_else(|| "the update stream ended".into())));
        sleep(retry).await;
        retry = (retry * 2).min(LONGEST_RETRY);
    }
}

async fn follow_once(
    client: &reqwest::Client,
    base: &str,
    have: &mut Option<String>,
    retry: &mut Duration,
    report: &impl Fn(RemoteEvent),
) -> Result<(), String> {
    let describe = |e: reqwest::Error| format!("{base}: {e}");
    if have.is_none() {
        // The first cube is fetched at once, beside the version, not after the stream's
        // first event: on a page the app's frames hold up every network step, so each
        // round trip saved shows the map sooner (index.html even preloads the cube).
        let version = async {
            let body = client
                .get(format!("{base}{VERSION_ROUTE}"))
                .send()
                .await
                .map_err(describe)?
                .error_for_status()
                .map_err(describe)?
                .bytes()
                .await
                .map_err(describe)?;
            serde_json::from_slice::<VersionInfo>(&body).map_err(|e| format!("{base}{VERSION_ROUTE}: {e}"))
        };
        let (info, cube) = futures_util::future::join(version, fetch_cube(client, base)).await;
        let (info, cube) = (info?, cube?);
        *retry = FIRST_RETRY;
        // A build that landed between the two answers: the cube is dropped, and the
        // stream's first event (the newest version) fetches it again.
        if cube.data_version == info.data_version {
            *have = Some(cube.data_version.clone());
            report(RemoteEvent::Cube(Box::new(cube), info));
            report_alert_states(client, base, report).await;
        }
    }
    report_pull_states(client, base, report).await;
    let mut pulls_asked = crate::shared::clock::utc_now();
    let response = client.get(format!("{base}{UPDATES_ROUTE}")).send().await.map_err(describe)?.error_for_status().map_err(describe)?;
    let mut stream = body_chunks(response);
    *retry = FIRST_RETRY;
    let mut parser = SseParser::default();
    loop {
        let chunk = with_timeout(SILENCE_LIMIT, stream.next_chunk())
            .await
            .ok_or_else(|| format!("{base}: no word from the server for {} s", SILENCE_LIMIT.as_secs()))?;
        let Some(chunk) = chunk.map_err(describe)? else { return Ok(()) };
        if crate::shared::clock::utc_now() - pulls_asked >= PULL_STATES_EVERY {
            report_pull_states(client, base, report).await;
            pulls_asked = crate::shared::clock::utc_now();
        }
        for event in parser.push(&chunk) {
            if event.event != VERSION_EVENT {
                continue;
            }
            let info: VersionInfo =
                serde_json::from_str(&event.data).map_err(|e| format!("{base}: a version event that does not parse: {e}"))?;
            if have.as_deref() == Some(info.data_version.as_str()) {
                report(RemoteEvent::Current(info));
            } else {
                let cube = fetch_cube(client, base).await?;
                *have = Some(cube.data_version.clone());
                report(RemoteEvent::Cube(Box::new(cube), info));
            }
            report_alert_states(client, base, report).await;
            report_pull_states(client, base, report).await;
            pulls_asked = crate::shared::clock::utc_now();
        }
    }
}

async fn fetch_cube(client: &reqwest::Client, base: &str) -> Result<Cube, String> {
    let url = format!("{base}{CUBE_BINARY_ROUTE}");
    let describe = |e: reqwest::Error| format!("{url}: {e}");
    let bytes = client.get(&url).send().await.map_err(describe)?.error_for_status().map_err(describe)?.bytes().await.map_err(describe)?;
    Cube::from_binary(&bytes, &url).map_err(|e| e.to_string())
}

/// The alerts' lifecycle states, with each version (and at each reconnection). A server
/// without the route, or a failed request, leaves the states as they were: they are an
/// annotation of the cube, not a reason to mark the link down.
async fn report_alert_states(client: &reqwest::Client, base: &str, report: &impl Fn(RemoteEvent)) {
    let url = format!("{base}{LIFECYCLE_ROUTE}");
    let Ok(response) = client.get(&url).send().await.and_then(|r| r.error_for_status()) else { return };
    let Ok(body) = response.bytes().await else { return };
    match serde_json::from_slice::<BTreeMap<String, AlertState>>(&body) {
        Ok(states) => report(RemoteEvent::AlertStates(states)),
        Err(e) => bevy::log::warn!("{url}: {e}"),
    }
}

/// The database pulls' states. A server without pulls answers an empty list; a failed
/// request leaves the states as they were (like the alerts' states).
async fn report_pull_states(client: &reqwest::Client, base: &str, report: &impl Fn(RemoteEvent)) {
    let url = format!("{base}{PULLS_ROUTE}");
    let Ok(response) = client.get(&url).send().await.and_then(|r| r.error_for_status()) else { return };
    let Ok(body) = response.bytes().await else { return };
    match serde_json::from_slice::<Vec<PullState>>(&body) {
        Ok(states) => report(RemoteEvent::PullStates(states)),
        Err(e) => bevy::log::warn!("{url}: {e}"),
    }
}

/// A response body read piece by piece as it arrives.
#[cfg(not(target_arch = "wasm32"))]
struct BodyChunks(reqwest::Response);

#[cfg(not(target_arch = "wasm32"))]
fn body_chunks(response: reqwest::Response) -> BodyChunks {
    BodyChunks(response)
}

#[cfg(not(target_arch = "wasm32"))]
impl BodyChunks {
    async fn next_chunk(&mut self) -> reqwest::Result<Option<bytes::Bytes>> {
        self.0.chunk().await
    }
}

/// In the browser reqwest offers the body only as a stream (fetch's `ReadableStream`).
#[cfg(target_arch = "wasm32")]
struct BodyChunks(std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>>>>);

#[cfg(target_arch = "wasm32")]
fn body_chunks(response: reqwest::Response) -> BodyChunks {
    BodyChunks(Box::pin(response.bytes_stream()))
}

#[cfg(target_arch = "wasm32")]
impl BodyChunks {
    async fn next_chunk(&mut self) -> reqwest::Result<Option<bytes::Bytes>> {
        use futures_util::StreamExt;
        self.0.next().await.transpose()
    }
}

#[cfg(not(target_arch = "wasm32"))]
async fn sleep(duration: Duration) {
    tokio::time::sleep(duration).await
}

#[cfg(target_arch = "wasm32")]
async fn sleep(duration: Duration) {
    gloo_timers::future::sleep(duration).await
}

/// None when `future` takes longer than `limit`.
#[cfg(not(target_arch = "wasm32"))]
async fn with_timeout<T>(limit: Duration, future: impl std::future::Future<Output = T>) -> Option<T> {
    tokio::time::timeout(limit, future).await.ok()
}

#[cfg(target_arch = "wasm32")]
async fn with_timeout<T>(limit: Duration, future: impl std::future::Future<Output = T>) -> Option<T> {
    use futures_util::future::{select, Either};
    match select(std::pin::pin!(future), std::pin::pin!(sleep(limit))).await {
        Either::Left((value, _)) => Some(value),
        Either::Right(((), _)) => None,
    }
}

/// Sends one alert lifecycle step to the server under an analyst's token, on a short-lived
/// thread (steps are rare clicks); `done` gets the alert's new state, or why it was refused.
#[cfg(not(target_arch = "wasm32"))]
pub fn post_lifecycle(
    base: &str,
    token: &str,
    alert: String,
    action: szjy_model::lifecycle::Action,
    done: impl FnOnce(Result<AlertState, String>) + Send + 'static,
) {
    let body = serde_json::to_value(&action).map(|mut body| {
        body["alert"] = serde_json::Value::String(alert);
        body.to_string()
    });
    match body {
        Ok(body) => as_analyst(format!("{}{LIFECYCLE_ROUTE}", base.trim_end_matches('/')), token, Payload::Json(body), done),
        Err(e) => done(Err(e.to_string())),
    }
}

/// Uploads a file to `route` with `query` under the token (an ingest), on a short-lived
/// thread; `done` gets the server's answer, or why not.
#[cfg(not(target_arch = "wasm32"))]
pub fn post_file<T: serde::de::DeserializeOwned + Send + 'static>(
    base: &str,
    route: &str,
    query: &[(&str, &str)],
    token: &str,
    bytes: Vec<u8>,
    done: impl FnOnce(Result<T, String>) + Send + 'static,
) {
    match reqwest::Url::parse_with_params(&format!("{}{route}", base.trim_end_matches('/')), query) {
        Ok(url) => as_analyst(url.to_string(), token, Payload::File(bytes), done),
        Err(e) => done(Err(format!("{base}{route}: {e}"))),
    }
}

/// Reads a JSON document from the server under an analyst's token on a short-lived thread
/// (asked when a window opens or the cube changes); `done` gets it, or why not.
#[cfg(not(target_arch = "wasm32"))]
pub fn get_as_analyst<T: serde::de::DeserializeOwned + Send + 'static>(
    base: &str,
    route: &str,
    token: &str,
    done: impl FnOnce(Result<T, String>) + Send + 'static,
) {
    as_analyst(format!("{}{route}", base.trim_end_matches('/')), token, Payload::None, done);
}

/// What a request under an analyst's token sends.
#[cfg(not(target_arch = "wasm32"))]
enum Payload {
    None,
    Json(String),
    File(Vec<u8>),
}

/// One request under an analyst's token (a GET, or a POST of JSON or of a file) on a
/// thread of its own; `done` gets the decoded answer, the server's `{"error": …}`, or why
/// the request failed.
#[cfg(not(target_arch = "wasm32"))]
fn as_analyst<T: serde::de::DeserializeOwned + Send + 'static>(
    url: String,
    token: &str,
    payload: Payload,
    done: impl FnOnce(Result<T, String>) + Send + 'static,
) {
    let token = token.to_string();
    let spawned = std::thread::Builder::new().name("cockpit-request".into()).spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
        done(runtime.block_on(async {
            let client = reqwest::Client::new();
            let request = match payload {
                Payload::None => client.get(&url),
                Payload::Json(body) => client.post(&url).header(reqwest::header::CONTENT_TYPE, "application/json").body(body),
                Payload::File(bytes) => client.post(&url).header(reqwest::header::CONTENT_TYPE, "application/octet-stream").body(bytes),
            };
            let response = request.bearer_auth(&token).send().await.map_err(|e| format!("{url}: {e}"))?;
            let status = response.status();
            let bytes = response.bytes().await.map_err(|e| format!("{url}: {e}"))?;
            if status.is_success() {
                serde_json::from_slice(&bytes).map_err(|e| format!("{url}: {e}"))
            } else {
                // The server answers {"error": …}.
                let reason = serde_json::from_slice::<serde_json::Value>(&bytes).ok().and_then(|v| v["error"].as_str().map(str::to_string));
                Err(reason.unwrap_or_else(|| format!("{url}: {status}")))
            }
        }));
    });
    if let Err(e) = spawned {
        bevy::log::error!("the request thread did not start: {e}");
    }
}

/// Runs [`follow`] on a thread of its own; events arrive on the returned channel, and
/// `wake` is called after each (a paced app sleeps until something wakes it).
#[cfg(not(target_arch = "wasm32"))]
pub fn spawn(base: String, wake: impl Fn() + Send + 'static) -> std::sync::mpsc::Receiver<RemoteEvent> {
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("cockpit-remote".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
            runtime.block_on(follow(base, move |event| {
                // The app is gone when nobody listens; the thread ends with the process.
                if send.send(event).is_ok() {
                    wake();
                }
            }));
        })
        .expect("the remote thread starts");
    receive
}

/// Runs [`follow`] on the page's event loop.
#[cfg(target_arch = "wasm32")]
pub fn spawn(base: String, wake: impl Fn() + 'static) -> std::sync::mpsc::Receiver<RemoteEvent> {
    let (send, receive) = std::sync::mpsc::channel();
    wasm_bindgen_futures::spawn_local(follow(base, move |event| {
        if send.send(event).is_ok() {
            wake();
        }
    }));
    receive
}
