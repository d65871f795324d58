//! `cockpit`: the 数智就业 comprehensive cockpit on the desktop, on a wall, or rendering
//! one view to a PNG.

use std::path::PathBuf;

use analytics::interpret::Lang;
use analytics::period::Period;
use bevy::math::UVec2;
use clap::{Parser, ValueEnum};
use cockpit::wall::WallLayout;
use cockpit::{Mode, Settings};

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
    /// Open the analyst's query window at start.
    #[arg(long)]
    analyst: bool,
    /// Render one view to this PNG file and exit.
    #[arg(long)]
    screenshot: Option<PathBuf>,
    /// Window size in physical pixels, e.g. 1920x1080 or 3840x2160.
    #[arg(long, value_parser = parse_size)]
    size: Option<UVec2>,
    /// First topic (scene id, e.g. supply_demand).
    #[arg(long)]
    topic: Option<String>,
    /// First region (adcode: 370000 the province, 370200 Qingdao, 370211 Huangdao …).
    #[arg(long, default_value_t = analytics::region::PROVINCE)]
    region: u32,
    /// First month, YYYY-MM (default: the cube's latest).
    #[arg(long, value_parser = parse_month)]
    period: Option<Period>,
    /// View changes made once the first view is on screen (before a screenshot), e.g.
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

fn parse_month(text: &str) -> Result<Period, String> {
    match text.parse::<Period>() {
        Ok(p @ Period::Month { .. }) => Ok(p),
        _ => Err(format!("`{text}` is not a month YYYY-MM")),
    }
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let mut settings = Settings::new(cli.root.clone());
    if cli.wall {
        settings.mode = Mode::Wall(WallLayout { grid: cli.wall_grid, bezel: cli.bezel, carousel_seconds: if cli.screenshot.is_some() { 0.0 } else { cli.carousel } });
    }
    if let Some(cube) = cli.cube {
        settings.cube_path = cube;
    }
    settings.size = cli.size.or(cli.screenshot.as_ref().map(|_| UVec2::new(1920, 1080)));
    settings.screenshot = cli.screenshot;
    settings.topic = cli.topic;
    settings.region = cli.region;
    settings.month = cli.period;
    settings.theme = cli.theme;
    settings.then = cli.then;
    settings.analyst_open = cli.analyst;
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
