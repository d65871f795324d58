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

pub mod alerts;
pub mod analyst;
pub mod bench;
pub mod capture;
pub mod data;
#[cfg(test)]
mod ecs_tests;
pub mod figures;
pub mod fonts;
pub mod lean_render;
pub mod map;
pub mod pacing;
pub mod panels;
pub mod query;
#[cfg(any(feature = "native", feature = "web"))]
pub mod remote;
pub mod scene;
pub mod theme;
pub mod view;
pub mod wall;
#[cfg(target_arch = "wasm32")]
pub mod web;

/// The scene and theme files compiled in (build.rs), for the browser build.
pub mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

use std::path::PathBuf;

use bevy::prelude::*;
use bevy::window::{PresentMode, WindowMode, WindowResolution};
use bevy_egui::EguiPlugin;
use szjy_model::lang::Lang;
use szjy_model::period::Period;
use szjy_model::region::{Adcode, PROVINCE};

/// Everything the command line decides.
#[derive(Resource, Clone, Debug)]
pub struct Settings {
    pub mode: Mode,
    /// The cube the cockpit shows (the public variant by default).
    pub cube_path: PathBuf,
    /// Where `analytics run` keeps the default data, when the cube must be built first.
    pub data_dir: PathBuf,
    /// Whether a missing cube is built (the default cube on first run) rather than an
    /// error (a cube named on the command line).
    pub build_if_missing: bool,
    pub analytics_bin: PathBuf,
    /// Follow `analytics serve` at this URL instead of reading a cube file.
    pub server: Option<String>,
    /// An analyst's token for the server: alert lifecycle steps go to it (native only).
    pub token: Option<String>,
    pub scenes_dir: PathBuf,
    pub themes_dir: PathBuf,
    /// Window size in physical pixels; `None`: the platform's default (or full screen).
    pub size: Option<UVec2>,
    /// The first view.
    pub topic: Option<String>,
    pub region: Adcode,
    pub month: Option<Period>,
    pub theme: Option<String>,
    pub lang: Lang,
    /// Views to render to PNG files, in order, before exiting (empty: run interactively).
    pub captures: Vec<CaptureSpec>,
    /// Open the analyst's query window at start (desktop mode).
    pub analyst_open: bool,
    /// Run the frame-time and memory benchmark for this many seconds, then exit.
    pub bench_seconds: Option<f32>,
    /// Switch topics this many times (one per frame), print counts, exit.
    pub soak_switches: Option<usize>,
    /// When the process started (`Settings::new` is the first thing `main` does), for the
    /// benchmark's "start to first frame with data".
    pub started: bevy::platform::time::Instant,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    /// Windowed, with the analyst's panels.
    Desktop,
    /// Borderless full screen for leadership walls.
    Wall(wall::WallLayout),
}

impl Settings {
    /// Defaults relative to a repository checkout (the README's commands run there).
    pub fn new(root: PathBuf) -> Settings {
        let exe_dir = std::env::current_exe().ok().and_then(|p| p.parent().map(|d| d.to_path_buf())).unwrap_or_default();
        Settings {
            mode: Mode::Desktop,
            cube_path: root.join("data/cube/cube.public.bin"),
            data_dir: root.join("data"),
            build_if_missing: true,
            analytics_bin: exe_dir.join(format!("analytics{}", std::env::consts::EXE_SUFFIX)),
            server: None,
            token: None,
            scenes_dir: root.join("scenes"),
            themes_dir: root.join("assets/themes"),
            size: None,
            topic: None,
            region: PROVINCE,
            month: None,
            theme: None,
            lang: Lang::Zh,
            captures: Vec::new(),
            analyst_open: false,
            bench_seconds: None,
            soak_switches: None,
            started: bevy::platform::time::Instant::now(),
        }
    }
}

/// One screenshot: the file, the window size for it, and view commands applied first
/// (e.g. `theme:light-office`; tests use them to check that run-time switching renders
/// the same image as starting there). See `view::parse_script`.
#[derive(Clone, Debug, PartialEq)]
pub struct CaptureSpec {
    pub path: PathBuf,
    pub size: Option<UVec2>,
    pub then: String,
}

impl Settings {
    /// Whether this run renders screenshots and exits.
    pub fn capturing(&self) -> bool {
        !self.captures.is_empty()
    }

    /// Whether the pointer reaches the panels and the map: not on walls (nobody points),
    /// nor in unattended runs (screenshots, benchmarks), where a pointer parked over a
    /// panel would add tooltips that depend on timing.
    pub fn pointer_input(&self) -> bool {
        self.mode == Mode::Desktop && !self.measuring()
    }

    /// Whether this run measures or captures (screenshots, benchmarks, soaks) rather than
    /// serving people.
    pub fn measuring(&self) -> bool {
        self.capturing() || self.bench_seconds.is_some() || self.soak_switches.is_some()
    }
}

/// The whole cockpit on top of Bevy's default plugins.
pub fn app(settings: Settings) -> Result<App, String> {
    #[cfg(not(target_arch = "wasm32"))]
    let (scenes, themes) =
        (scene::Scenes::load_dir(&settings.scenes_dir).map_err(|e| e.to_string())?, theme::Themes::load_dir(&settings.themes_dir)?);
    #[cfg(target_arch = "wasm32")]
    let (scenes, themes) =
        (scene::Scenes::from_sources(embedded::SCENES).map_err(|e| e.to_string())?, theme::Themes::from_sources(embedded::THEMES)?);
    let first_view = view::View {
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
        .map(|c| Ok(capture::Case { path: c.path.clone(), size: c.size, script: view::parse_script(&c.then, &scenes, &themes)? }))
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
        window.canvas = Some(web::CANVAS_SELECTOR.into());
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
        .insert_resource(capture::Cases(cases))
        .add_plugins(DefaultPlugins.set(WindowPlugin { primary_window: Some(window), ..default() }))
        .add_plugins(lean_render::LeanRenderPlugin)
        .add_plugins(EguiPlugin::default())
        .add_plugins((
            data::DataSourcePlugin,
            view::ViewPlugin,
            fonts::FontsPlugin,
            map::MapPlugin,
            panels::PanelsPlugin,
            alerts::AlertLifecyclePlugin,
            wall::WallPlugin,
            analyst::AnalystPlugin,
            capture::CapturePlugin,
            bench::BenchPlugin,
            pacing::PacingPlugin,
        ));
    #[cfg(target_arch = "wasm32")]
    app.add_plugins(web::WebPlugin);
    Ok(app)
}
