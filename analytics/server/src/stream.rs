//! The update stream (Server-Sent Events): clients learn of each new cube version as it
//! is published.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use szjy_model::protocol::VERSION_EVENT;

use crate::{ApiResult, Server};

/// `version` at connect, then at each new version, until the server stops. Each stream
/// holds one of `limits.max_update_streams` places while open; beyond them, 503.
pub(crate) async fn updates(
    State(server): State<Arc<Server>>,
) -> ApiResult<Sse<impl Stream<Item = std::result::Result<Event, Infallible>>>> {
    let slot = server.streams.take()?;
    let (receiver, stopping) = (server.current.subscribe(), server.stopping.subscribe());
    let stream = futures_util::stream::unfold((receiver, stopping, true, slot), |(mut receiver, mut stopping, first, slot)| async move {
        if !first {
            tokio::select! {
                changed = receiver.changed() => changed.ok()?,
                _ = stopping.wait_for(|stop| *stop) => return None,
            }
        }
        let info = receiver.borrow_and_update().info();
        let event = Event::default().event(VERSION_EVENT).data(serde_json::to_string(&info).ok()?);
        Some((Ok(event), (receiver, stopping, false, slot)))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
