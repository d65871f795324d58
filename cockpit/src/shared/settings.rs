//! What the command line (or the page's address) decides, for every plugin to read when
//! the app is put together ([`crate::app`]) and while it runs.

use std::path::PathBuf;

use bevy::prelude::*;
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
    /// Open the 数据来源 window at start (desktop mode).
    pub sources_open: bool,
    /// Open the 报送情况 window at start (desktop mode).
    pub submissions_open: bool,
    /// A return to import at start (desktop mode): (source, file).
    pub import: Option<(String, PathBuf)>,
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
    Wall(WallLayout),
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
            sources_open: false,
            submissions_open: false,
            import: None,
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

#[derive(Clone, Debug, PartialEq)]
pub struct WallLayout {
    /// Screens across and down (a spliced wall), 1×1 for a single screen.
    pub grid: UVec2,
    /// Bezel width between screens, in physical pixels.
    pub bezel: u32,
    /// Seconds each topic shows; 0 turns the carousel off.
    pub carousel_seconds: f32,
    /// A fixed time for the banner's clock (captures); none: the system's.
    pub clock: Option<chrono::DateTime<chrono::Utc>>,
}

impl Default for WallLayout {
    fn default() -> Self {
        WallLayout { grid: UVec2::ONE, bezel: 0, carousel_seconds: 30.0, clock: None }
    }
}
