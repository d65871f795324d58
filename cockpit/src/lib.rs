//! 数智就业 综合驾驶舱: the Bevy cockpit. Each feature is a plugin owning its resources and
//! systems; they meet only in the shared [`view::View`] and the [`data::CubeStore`].
//!
//! ```text
//! DataSourcePlugin  cube file (or a first-run build, or `analytics serve`) → CubeStore
//! ViewPlugin        keys, clicks, carousel → ViewCommand → View
//! MapPlugin         boundaries → meshes; choropleth, borders, camera, picking, labels
//! PanelsPlugin      the scene's panels around the map (egui), header, legend, tooltips
//! AlertLifecyclePlugin  alerts' states (acknowledged, assigned, closed): server or local log
//! WallPlugin        wall mode: scaling, carousel, seams, alert ticker
//! AnalystPlugin     desktop: query window, CSV/PNG export, 数据来源 (sources, licences)
//! CapturePlugin     --screenshot / --suite: render views to PNGs (with probe points), exit
//! BenchPlugin       --bench / --soak: frame times, own CPU time, memory and counts
//! PacingPlugin      redraws only while something moves (walls run for days)
//! WebPlugin         the browser build: the page's state snapshot, loading indicator, font
//! ```

// The bottom layer: shared state, contracts between plugins, content and look.
pub mod shared;

// Feature plugins: each talks to the others only through `shared`.
pub mod alerts;
pub mod analyst;
pub mod data;
pub mod lean_render;
pub mod map;
pub mod pacing;
pub mod panels;
pub mod wall;

// Tools on top: screenshots and probes, benchmarks, the browser page's state snapshot.
pub mod bench;
pub mod capture;
#[cfg(target_arch = "wasm32")]
pub mod web;

#[cfg(test)]
mod ecs_tests;

/// The scene and theme files compiled in (build.rs), for the browser build.
pub mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

use std::path::PathBuf;

use bevy::prelude::*;
use bevy::window::{PresentMode, WindowMode, WindowResolution};
use bevy_egui::EguiPlugin;
use shared::settings::{Mode, Settings};
use szjy_model::period::Period;

/// The whole cockpit on top of Bevy's default plugins.
pub fn app(settings: Settings) -> Result<App, String> {
    #[cfg(not(target_arch = "wasm32"))]
    let (scenes, themes) = (
        shared::scene::Scenes::load_dir(&settings.scenes_dir).map_err(|e| e.to_string())?,
        shared::theme::Themes::load_dir(&settings.themes_dir)?,
    );
    #[cfg(target_arch = "wasm32")]
    let (scenes, themes) = (
        shared::scene::Scenes::from_sources(embedded::SCENES).map_err(|e| e.to_string())?,
        shared::theme::Themes::from_sources(embedded::THEMES)?,
    );
    let first_view = shared::view::View {
        topic: settings
            .topic
            .as_deref()
            .map_or(Ok(0), |id| scenes.index_of(id).ok_or_else(|| format!("no topic `{id}` in {}", settings.scenes_dir.display())))?,
        region: settings.region,
        month: settings.month.unwrap_or(Period::month(2000, 1)),
        theme: settings
            .theme
            .as_deref()
            .map_or(Ok(0), |id| themes.index_of(id).ok_or_else(|| format!("no theme `{id}` in {}", settings.themes_dir.display())))?,
        lang: settings.lang,
        playing: false,
        category: None,
        filters_open: false,
        indicator: None,
        highlight: None,
    };
    if szjy_model::region::RegionTree::shandong().get(settings.region).is_none() {
        return Err(format!("{} is not a Shandong adcode", settings.region));
    }

    let cases = settings
        .captures
        .iter()
        .map(|c| Ok(capture::Case { path: c.path.clone(), size: c.size, script: shared::view::parse_script(&c.then, &scenes, &themes)? }))
        .collect::<Result<Vec<_>, String>>()?;

    let mut window = Window {
        title: "数智就业 · 综合驾驶舱".into(),
        // Vsync paces the frames; the benchmark runs unpaced to measure what a frame costs.
        present_mode: if settings.bench_seconds.is_some() || settings.soak_switches.is_some() {
            PresentMode::AutoNoVsync
        } else {
            PresentMode::AutoVsync
        },
        ..default()
    };
    if let Some(size) = settings.size {
        // Screenshots and walls are laid out in physical pixels, whatever the desktop's
        // scale factor.
        window.resolution = WindowResolution::new(size.x, size.y).with_scale_factor_override(1.0);
    }
    #[cfg(target_arch = "wasm32")]
    {
        // index.html's canvas, sized by the page (a phone's too: see `panels`).
        window.canvas = Some(shared::page::CANVAS_SELECTOR.into());
        window.fit_canvas_to_parent = true;
    }
    if let Mode::Wall(_) = settings.mode {
        window.decorations = false;
        if settings.size.is_none() && !settings.capturing() {
            window.mode = WindowMode::BorderlessFullscreen(MonitorSelection::Primary);
        }
    }

    let mut app = App::new();
    app.insert_resource(settings.clone())
        .insert_resource(scenes)
        .insert_resource(themes)
        .insert_resource(first_view)
        .add_plugins(DefaultPlugins.set(WindowPlugin { primary_window: Some(window), ..default() }))
        .add_plugins(lean_render::LeanRenderPlugin)
        .add_plugins(EguiPlugin::default())
        .add_plugins((
            data::DataSourcePlugin { source: data_source(&settings) },
            shared::view::ViewPlugin,
            shared::fonts::FontsPlugin,
            map::MapPlugin,
            panels::PanelsPlugin,
            alerts::AlertLifecyclePlugin { log: local_lifecycle_log(&settings) },
            wall::WallPlugin { layout: if let Mode::Wall(layout) = &settings.mode { Some(layout.clone()) } else { None } },
            analyst::AnalystPlugin {
                // Desktop only; screenshots show it only when asked to.
                enabled: settings.mode == Mode::Desktop
                    && (!settings.capturing()
                        || settings.analyst_open
                        || settings.sources_open
                        || settings.submissions_open
                        || settings.import.is_some()),
                open_at_start: settings.analyst_open,
                sources_at_start: settings.sources_open,
                submissions_at_start: settings.submissions_open,
                import_at_start: settings.import.clone(),
                export_dir: settings.data_dir.join("exports"),
            },
            capture::CapturePlugin { cases },
            bench::BenchPlugin { seconds: settings.bench_seconds, soak_switches: settings.soak_switches },
            pacing::PacingPlugin { reactive: !settings.measuring() },
        ));
    #[cfg(target_arch = "wasm32")]
    app.add_plugins(web::WebPlugin);
    Ok(app)
}

/// The cube file (built on first run when it is the default one), or the server.
fn data_source(settings: &Settings) -> data::Source {
    match &settings.server {
        Some(url) => data::Source::Server { url: url.clone(), token: settings.token.clone() },
        None => data::Source::File {
            path: settings.cube_path.clone(),
            first_run: settings
                .build_if_missing
                .then(|| data::FirstRunBuild { analytics_bin: settings.analytics_bin.clone(), data_dir: settings.data_dir.clone() }),
        },
    }
}

/// The alert lifecycle's log beside a local cube (natively; following a server, the server
/// keeps it).
fn local_lifecycle_log(settings: &Settings) -> Option<PathBuf> {
    (settings.server.is_none() && cfg!(not(target_arch = "wasm32"))).then(|| settings.cube_path.with_file_name("alert-lifecycle.jsonl"))
}
