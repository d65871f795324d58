//! `cockpit`: the 数智就业 comprehensive cockpit on the desktop, on a wall, or rendering
//! one view to a PNG.

use std::path::PathBuf;

use bevy::math::UVec2;
use clap::{Parser, ValueEnum};

use cockpit::shared::settings::{CaptureSpec, Mode, Settings, WallLayout};
use szjy_model::lang::Lang;
use szjy_model::period::Period;

/// 数智就业 综合驾驶舱 (comprehensive employment-monitoring cockpit).
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Wall mode: borderless full screen, scaled layout, topic carousel, no cursor.
    #[arg(long)]
    wall: bool,
    /// Wall: screens across × down of a spliced wall, e.g. 4x2.
    #[arg(long, value_parser = parse_size, default_value = "1x1")]
    wall_grid: UVec2,
    /// Wall: bezel width between screens, physical pixels.
    #[arg(long, default_value_t = 0)]
    bezel: u32,
    /// Wall: seconds per topic (0: no carousel).
    #[arg(long, default_value_t = 30.0)]
    carousel: f32,
    /// Wall: show this time (RFC 3339, e.g. 2026-12-04T09:30:00+08:00) instead of the
    /// clock's, so captures repeat.
    #[arg(long, value_parser = parse_time)]
    clock: Option<chrono::DateTime<chrono::Utc>>,
    /// Benchmark: cycle topics and drill-downs for this many seconds, print frame times
    /// and memory growth, exit (see bench/cockpit.sh).
    #[arg(long)]
    bench: Option<f32>,
    /// Soak: switch topic every frame this many times, print entity, asset, glyph-atlas
    /// and memory figures after 40 switches and at the end, exit.
    #[arg(long)]
    soak: Option<usize>,
    /// Open the analyst's query window at start.
    #[arg(long)]
    analyst: bool,
    /// Open the 数据来源 window at start (sources, months, definitions and their bases).
    #[arg(long)]
    sources: bool,
    /// Open the 报送情况 window at start (who reported each month, and the batches).
    #[arg(long)]
    submissions: bool,
    /// Import a return at start and open the 数据来源 window on the result:
    /// `SOURCE=FILE` (to the server under --token, or validated locally).
    #[arg(long, value_name = "SOURCE=FILE")]
    import: Option<String>,
    /// Render one view to this PNG file and exit.
    #[arg(long)]
    screenshot: Option<PathBuf>,
    /// Render several views from one process into this folder: see --case.
    #[arg(long)]
    suite: Option<PathBuf>,
    /// A view of the suite: NAME=WIDTHxHEIGHT[:COMMANDS], e.g.
    /// `shortage-4k=3840x2160:topic:shortage,theme:light-office` (commands as in --then).
    #[arg(long = "case", requires = "suite")]
    cases: Vec<String>,
    /// Window size in physical pixels, e.g. 1920x1080 or 3840x2160.
    #[arg(long, value_parser = parse_size)]
    size: Option<UVec2>,
    /// First topic (scene id, e.g. supply_demand).
    #[arg(long)]
    topic: Option<String>,
    /// First region (adcode: 370000 the province, 370200 Qingdao, 370211 Huangdao …).
    #[arg(long, default_value_t = szjy_model::region::PROVINCE)]
    region: u32,
    /// First month, YYYY-MM (default: the cube's latest).
    #[arg(long, value_parser = parse_month)]
    period: Option<Period>,
    /// View changes made once the first view is on screen (before the screenshot), e.g.
    /// `theme:light-office,region:370200`.
    #[arg(long)]
    then: Option<String>,
    /// Theme id (assets/themes: dark-wall, light-office, high-contrast).
    #[arg(long)]
    theme: Option<String>,
    #[arg(long, value_enum, default_value_t = Language::Zh)]
    lang: Language,
    /// The cube to show (default: data/cube/cube.public.bin, built on first run).
    #[arg(long)]
    cube: Option<PathBuf>,
    /// Follow the data server at this URL (`analytics serve`) instead of a cube file:
    /// new versions show as they are published; the last good data stays when it is away.
    #[arg(long, conflicts_with = "cube")]
    server: Option<String>,
    /// An analyst's token for `--server` (or SZJY_TOKEN): the alert list's acknowledge,
    /// assign and close steps go to the server under the token's name.
    #[arg(long, env = "SZJY_TOKEN", hide_env_values = true, requires = "server")]
    token: Option<String>,
    /// Repository root holding data/, scenes/ and assets/.
    #[arg(long, default_value = ".")]
    root: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum Language {
    Zh,
    En,
}

fn parse_size(text: &str) -> Result<UVec2, String> {
    let (w, h) = text.split_once(['x', '×']).ok_or_else(|| format!("`{text}` is not WIDTHxHEIGHT"))?;
    let parse = |s: &str| s.trim().parse::<u32>().map_err(|_| format!("`{text}` is not WIDTHxHEIGHT"));
    let size = UVec2::new(parse(w)?, parse(h)?);
    if size.x == 0 || size.y == 0 {
        return Err(format!("`{text}`: sizes must be positive"));
    }
    Ok(size)
}

/// `NAME=WIDTHxHEIGHT[:COMMANDS]` → a capture into `dir/NAME.png`.
fn parse_case(text: &str, dir: &std::path::Path) -> Result<CaptureSpec, String> {
    let (name, rest) = text.split_once('=').ok_or_else(|| format!("`{text}` is not NAME=WIDTHxHEIGHT[:COMMANDS]"))?;
    let (size, then) = rest.split_once(':').unwrap_or((rest, ""));
    if name.is_empty() || name.contains(['/', '\\']) {
        return Err(format!("`{name}` is not a file name"));
    }
    Ok(CaptureSpec { path: dir.join(format!("{name}.png")), size: Some(parse_size(size)?), then: then.to_string() })
}

fn parse_month(text: &str) -> Result<Period, String> {
    match text.parse::<Period>() {
        Ok(p @ Period::Month { .. }) => Ok(p),
        _ => Err(format!("`{text}` is not a month YYYY-MM")),
    }
}

fn parse_time(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.to_utc())
        .map_err(|e| format!("`{text}` is not a time like 2026-12-04T09:30:00+08:00: {e}"))
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let mut settings = Settings::new(cli.root.clone());
    if cli.wall {
        let capturing = cli.screenshot.is_some() || cli.suite.is_some();
        settings.mode = Mode::Wall(WallLayout {
            grid: cli.wall_grid,
            bezel: cli.bezel,
            carousel_seconds: if capturing { 0.0 } else { cli.carousel },
            clock: cli.clock,
        });
    }
    if let Some(cube) = cli.cube {
        settings.cube_path = cube;
        settings.build_if_missing = false;
    }
    settings.server = cli.server;
    settings.token = cli.token;
    settings.size = cli.size.or((cli.screenshot.is_some() || cli.suite.is_some()).then_some(UVec2::new(1920, 1080)));
    if let Some(path) = cli.screenshot {
        settings.captures.push(CaptureSpec { path, size: None, then: cli.then.clone().unwrap_or_default() });
    }
    if let Some(dir) = cli.suite {
        // bevy_egui 0.42 keeps the previous frame's scissor rectangles for a frame after
        // a window shrinks, which wgpu rejects: suites only grow the window.
        let mut largest = UVec2::ZERO;
        for case in &cli.cases {
            match parse_case(case, &dir) {
                Ok(spec) if spec.size.is_some_and(|s| s.x < largest.x || s.y < largest.y) => {
                    eprintln!("cockpit: case `{case}` is smaller than an earlier one: order cases by size");
                    return std::process::ExitCode::from(2);
                }
                Ok(spec) => {
                    largest = largest.max(spec.size.unwrap_or(largest));
                    settings.captures.push(spec);
                }
                Err(message) => {
                    eprintln!("cockpit: {message}");
                    return std::process::ExitCode::from(2);
                }
            }
        }
    }
    settings.topic = cli.topic;
    settings.region = cli.region;
    settings.month = cli.period;
    settings.theme = cli.theme;
    settings.analyst_open = cli.analyst;
    settings.sources_open = cli.sources;
    settings.submissions_open = cli.submissions;
    if let Some(import) = &cli.import {
        let Some((source, file)) = import.split_once('=') else {
            eprintln!("--import takes SOURCE=FILE, e.g. employment_targets=目标.xlsx");
            std::process::exit(2);
        };
        settings.import = Some((source.to_string(), PathBuf::from(file)));
        settings.sources_open = true;
    }
    settings.bench_seconds = cli.bench;
    settings.soak_switches = cli.soak;
    settings.lang = match cli.lang {
        Language::Zh => Lang::Zh,
        Language::En => Lang::En,
    };
    match cockpit::app(settings) {
        Ok(mut app) => match app.run() {
            bevy::app::AppExit::Success => std::process::ExitCode::SUCCESS,
            bevy::app::AppExit::Error(code) => std::process::ExitCode::from(code.get()),
        },
        Err(message) => {
            eprintln!("cockpit: {message}");
            std::process::ExitCode::from(2)
        }
    }
}
