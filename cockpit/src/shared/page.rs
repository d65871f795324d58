//! The page the browser build runs in: its canvas, its loading box (where start-up errors
//! show) and addresses relative to it.

use bevy::prelude::*;

/// The canvas index.html gives the cockpit.
pub const CANVAS_SELECTOR: &str = "#cockpit";
/// The page's loading indicator, removed once the first view with data is drawn.
pub const LOADING_ELEMENT_ID: &str = "loading";

/// Puts `message` in the page's loading box (the cockpit could not start, or has no data).
pub fn show_error(message: &str) {
    error!("{message}");
    if let Some(element) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(LOADING_ELEMENT_ID)) {
        element.set_text_content(Some(&format!("无法加载驾驶舱 · The cockpit cannot start: {message}")));
        let _ = element.set_attribute("class", "error");
    }
}

/// `path` relative to the page's address (the page may be served under a prefix).
pub fn page_relative(path: &str) -> String {
    let base = web_sys::window().and_then(|w| w.document()).and_then(|d| d.base_uri().ok().flatten()).unwrap_or_default();
    let folder = base.split(['?', '#']).next().unwrap_or_default();
    let folder = &folder[..folder.rfind('/').map_or(0, |slash| slash + 1)];
    format!("{folder}{path}")
}
