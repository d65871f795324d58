//! The browser build's part of the page: the state snapshot the page (and the browser
//! test) reads, the loading indicator, the font fetch, and errors shown on the page.
//!
//! `window.cockpitState` holds a JSON text, rewritten whenever what is on screen changes:
//! the view (topic, region, month, language), the data (cube version, whether the link to
//! the server is down and since when), and once the map is still, the theme and the map
//! (its measure and values, and for each coloured region a canvas pixel inside it with
//! the colour it must have). The page never parses pixels to know what the cockpit shows.

use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use bevy_egui::egui;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};

use crate::capture::{ProbeFile, ProbeInputs};
use crate::data::{CubeStore, LoadStatus};
use crate::fonts::{CjkFont, FontsReady, CJK_FONT_URL};
use crate::map::{CameraSettled, Choropleth, MapArea};
use crate::scene::Scenes;
use crate::view::View;

/// The canvas index.html gives the cockpit.
pub const CANVAS_SELECTOR: &str = "#cockpit";
/// The page's loading indicator, removed once the first view with data is drawn.
const LOADING_ELEMENT_ID: &str = "loading";
/// The global the state snapshot is written to.
const STATE_GLOBAL: &str = "cockpitState";

pub struct WebPlugin;

impl Plugin for WebPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Last, (hide_loading_indicator, publish_state.run_if(on_screen_changed)));
    }
}

#[derive(Serialize)]
struct PageState<'a> {
    topic: &'a str,
    region: u32,
    month: String,
    lang: &'static str,
    /// Whether the cube is loaded, the fonts are in and the map has settled.
    ready: bool,
    /// The cube's data version, and the server's version number for it.
    data_version: Option<&'a str>,
    version: Option<u64>,
    /// Set while the server cannot be reached: since when (RFC 3339) and why.
    stale_since: Option<String>,
    stale_reason: Option<&'a str>,
    /// Canvas pixels per CSS pixel (the probes are in canvas pixels).
    scale_factor: f32,
    /// The part of the page the map has, `[left, top, right, bottom]` in egui points (CSS
    /// pixels, except in wall mode, where egui zooms the 1920×1080 design).
    map_area: [f32; 4],
    /// When this state was published, in ms since the page's navigation started
    /// (`performance.now()`): the first `ready` state times the first map with data.
    since_page_load_ms: f64,
    /// Once ready: the theme, its background colour, the map's values and the probes.
    #[serde(flatten)]
    map: Option<ProbeFile>,
}

fn on_screen_changed(
    view: Res<View>,
    store: Res<CubeStore>,
    choropleth: Res<Choropleth>,
    settled: Res<CameraSettled>,
    fonts: Res<FontsReady>,
    area: Res<MapArea>,
) -> bool {
    view.is_changed() || store.is_changed() || choropleth.is_changed() || settled.is_changed() || fonts.is_changed() || area.is_changed()
}

#[allow(clippy::too_many_arguments)]
fn publish_state(
    view: Res<View>,
    scenes: Res<Scenes>,
    store: Res<CubeStore>,
    settled: Res<CameraSettled>,
    fonts: Res<FontsReady>,
    probes: ProbeInputs,
    area: Res<MapArea>,
    window: Query<&Window, With<PrimaryWindow>>,
) {
    let ready = store.status == LoadStatus::Ready && fonts.0 && settled.0;
    let link = store.link.as_ref();
    let state = PageState {
        topic: &scenes.0[view.topic].id,
        region: view.region,
        month: view.month.to_string(),
        lang: if view.zh() { "zh" } else { "en" },
        ready,
        data_version: store.cube().map(|c| c.data_version.as_str()),
        version: link.and_then(|l| l.version.as_ref()).map(|v| v.version),
        stale_since: link.and_then(|l| l.down_since.as_ref()).map(|(at, _)| at.to_rfc3339()),
        stale_reason: link.and_then(|l| l.down_since.as_ref()).map(|(_, why)| why.as_str()),
        scale_factor: window.single().map_or(1.0, |w| w.scale_factor()),
        map_area: [area.0.left(), area.0.top(), area.0.right(), area.0.bottom()].map(|v| if v.is_finite() { v } else { 0.0 }),
        since_page_load_ms: page_clock_ms(),
        // Probes only once the camera is still: before, they would point at moving shapes.
        map: if ready { probes.snapshot().ok() } else { None },
    };
    let Ok(json) = serde_json::to_string(&state) else { return };
    if let Some(page) = web_sys::window() {
        let _ = js_sys::Reflect::set(&page, &JsValue::from_str(STATE_GLOBAL), &JsValue::from_str(&json));
    }
}

/// `performance.now()`: ms since the page's navigation started.
fn page_clock_ms() -> f64 {
    // Through Reflect rather than web-sys's `Performance` binding: that feature would
    // rebuild web-sys and everything above it for one number.
    let Some(page) = web_sys::window() else { return 0.0 };
    let performance = js_sys::Reflect::get(&page, &JsValue::from_str("performance")).unwrap_or(JsValue::UNDEFINED);
    let now = js_sys::Reflect::get(&performance, &JsValue::from_str("now")).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    now.and_then(|now| now.call0(&performance).ok()).and_then(|t| t.as_f64()).unwrap_or(0.0)
}

fn hide_loading_indicator(store: Res<CubeStore>, fonts: Res<FontsReady>, mut hidden: Local<bool>) {
    if *hidden {
        return;
    }
    let message = match &store.status {
        LoadStatus::Failed(message) => Some(message.as_str()),
        _ => None,
    };
    if message.is_none() && !(store.status == LoadStatus::Ready && fonts.0) {
        return;
    }
    *hidden = true;
    match message {
        Some(message) => show_error(message),
        None => {
            if let Some(element) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(LOADING_ELEMENT_ID)) {
                element.remove();
            }
        }
    }
}

/// Puts `message` in the page's loading box (the cockpit could not start, or has no data).
pub fn show_error(message: &str) {
    error!("{message}");
    if let Some(element) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(LOADING_ELEMENT_ID)) {
        element.set_text_content(Some(&format!("无法加载驾驶舱 · The cockpit cannot start: {message}")));
        let _ = element.set_attribute("class", "error");
    }
}

/// Fetches the CJK font from beside the page into `font`, then calls `wake`: egui takes
/// it on the next frame.
pub fn fetch_font(font: CjkFont, wake: impl Fn() + 'static) {
    let url = page_relative(CJK_FONT_URL);
    wasm_bindgen_futures::spawn_local(async move {
        let fetched = async {
            let response = reqwest::get(&url).await?.error_for_status()?;
            response.bytes().await
        };
        match fetched.await {
            Ok(bytes) => {
                crate::fonts::store(&font.0, egui::FontData::from_owned(bytes.to_vec()));
                wake();
            }
            // egui has no font without it: say why on the page.
            Err(e) => show_error(&format!("{url}: cannot load the CJK font: {e}")),
        }
    });
}

/// `path` relative to the page's address (the page may be served under a prefix).
fn page_relative(path: &str) -> String {
    let base = web_sys::window().and_then(|w| w.document()).and_then(|d| d.base_uri().ok().flatten()).unwrap_or_default();
    let folder = base.split(['?', '#']).next().unwrap_or_default();
    let folder = &folder[..folder.rfind('/').map_or(0, |slash| slash + 1)];
    format!("{folder}{path}")
}
