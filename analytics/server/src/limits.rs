//! What one client can make the server hold, bounded ([`Limits`]): connections (more are
//! answered 503 and closed), time to send headers, upload size and pauses (uploads are
//! streamed to disk, never held in memory), Parquet rows and decompressed bytes, and
//! update streams.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::StatusCode;
use axum::Router;
use futures_util::StreamExt;
use hyper_util::rt::{TokioIo, TokioTimer};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use crate::config::Limits;
use crate::ApiError;

/// How long a stopping server waits for open requests (update streams end at once).
const DRAIN: Duration = Duration::from_secs(30);

/// The answer to a connection beyond the cap, written before the request is read.
fn busy() -> String {
    let body = r#"{"error":"the server has too many connections; retry later"}"#;
    format!("HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 5\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}", body.len())
}

/// Serves `router` on `listener` until `shutdown` resolves: at most
/// `limits.max_connections` connections at once, each with `limits.header_timeout_s` to
/// send a request's headers (slow clients cannot hold a connection by trickling).
pub async fn serve(listener: TcpListener, router: Router, limits: &Limits, shutdown: impl Future<Output = ()>) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(Duration::from_secs(limits.header_timeout_s));
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, most likely: let connections close first.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tokio::spawn(refuse(stream, peer));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: axum::http::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(crate::proxy::Peer(peer));
            tower::ServiceExt::oneshot(router.clone(), request)
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%peer, error = %e, "connection ended");
            }
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(DRAIN) => tracing::warn!("requests still open after {DRAIN:?}: stopping anyway"),
    }
}

/// Answers 503 without reading the request, and closes.
async fn refuse(mut stream: TcpStream, peer: SocketAddr) {
    tracing::debug!(%peer, "connection refused: at the connection cap");
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let _ = stream.write_all(busy().as_bytes()).await;
        let _ = stream.shutdown().await;
        // Read what the client sent before closing: closing with unread data resets the
        // connection, and the client would see the reset rather than the 503.
        let mut sink = [0u8; 4096];
        while matches!(tokio::io::AsyncReadExt::read(&mut stream, &mut sink).await, Ok(n) if n > 0) {}
    })
    .await;
}

/// An upload saved to disk, with its size and SHA-256.
pub struct Upload {
    pub bytes: u64,
    pub sha256: String,
}

/// Streams a request body into `path`: at most `max_bytes` (413 beyond, the file
/// removed), with at most `idle` between chunks (408). A client that hangs up leaves
/// nothing behind.
pub async fn receive(body: Body, path: &Path, max_bytes: u64, idle: Duration) -> Result<Upload, ApiError> {
    let result = receive_into(body, path, max_bytes, idle).await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(path).await;
    }
    result
}

async fn receive_into(body: Body, path: &Path, max_bytes: u64, idle: Duration) -> Result<Upload, ApiError> {
    let internal = |e: std::io::Error| ApiError::internal(anyhow::anyhow!("saving an upload to {}: {e}", path.display()));
    let mut file = tokio::fs::File::create(path).await.map_err(internal)?;
    let mut stream = body.into_data_stream();
    let (mut bytes, mut hasher) = (0u64, Sha256::new());
    loop {
        let chunk = match tokio::time::timeout(idle, stream.next()).await {
            Err(_) => return Err(ApiError(StatusCode::REQUEST_TIMEOUT, format!("the upload paused for more than {} s", idle.as_secs()))),
            Ok(None) => break,
            Ok(Some(Err(e))) => return Err(ApiError(StatusCode::BAD_REQUEST, format!("the upload broke off: {e}"))),
            Ok(Some(Ok(chunk))) => chunk,
        };
        bytes += chunk.len() as u64;
        if bytes > max_bytes {
            return Err(too_large(max_bytes));
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(internal)?;
    }
    file.sync_all().await.map_err(internal)?;
    Ok(Upload { bytes, sha256: hex(&hasher.finalize()) })
}

pub fn too_large(max_bytes: u64) -> ApiError {
    ApiError(StatusCode::PAYLOAD_TOO_LARGE, format!("a batch may have at most {max_bytes} bytes (limits.max_batch_bytes)"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Places for update streams: a stream holds one while it is open.
pub struct StreamSlots(Arc<Semaphore>);

impl StreamSlots {
    pub fn new(n: usize) -> StreamSlots {
        StreamSlots(Arc::new(Semaphore::new(n)))
    }

    pub fn take(&self) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
        self.0
            .clone()
            .try_acquire_owned()
            .map_err(|_| ApiError(StatusCode::SERVICE_UNAVAILABLE, "too many update streams are open; retry later".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busy_answer_declares_its_length() {
        let text = busy();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("content-length: {}", body.len())), "{head}");
        assert!(serde_json::from_str::<serde_json::Value>(body).is_ok());
    }
}
