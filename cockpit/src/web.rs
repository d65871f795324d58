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
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};

use crate::capture::{ProbeFile, ProbeInputs};
use crate::shared::fonts::FontsReady;
use crate::shared::map_state::{CameraSettled, Choropleth, MapArea};
use crate::shared::page::{show_error, LOADING_ELEMENT_ID};
use crate::shared::scene::Scenes;
use crate::shared::screen::Readiness;
use crate::shared::store::{CubeStore, LoadStatus};
use crate::shared::view::View;

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

fn publish_state(
    view: Res<View>,
    scenes: Res<Scenes>,
    readiness: Readiness,
    probes: ProbeInputs,
    area: Res<MapArea>,
    window: Query<&Window, With<PrimaryWindow>>,
) {
    let ready = readiness.settled();
    let store = &readiness.store;
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
