//! End-to-end: the real cockpit binary renders real frames (Mesa's software Vulkan under
//! Xvfb when there is no GPU) of a cube the real analytics pipeline built, and the PNGs
//! are checked pixel by pixel.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// One cockpit at a time: each keeps both cores busy rendering in software.
static SERIAL: Mutex<()> = Mutex::new(());

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn work_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("szjy-cockpit-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A small cube built by the analytics CLI (the cockpit never builds cubes itself).
fn cube() -> &'static Path {
    static CUBE: OnceLock<PathBuf> = OnceLock::new();
    CUBE.get_or_init(|| {
        let analytics = Path::new(env!("CARGO_BIN_EXE_cockpit")).with_file_name(format!("analytics{}", std::env::consts::EXE_SUFFIX));
        assert!(analytics.exists(), "{} is missing: build the workspace (cargo build -p analytics)", analytics.display());
        let dir = work_dir();
        let run = |args: &[&str]| {
            let out = Command::new(&analytics).args(args).output().unwrap();
            assert!(out.status.success(), "analytics {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        };
        let (data, cube) = (dir.join("data"), dir.join("cube"));
        run(&["generate", "--scale", "150000", "--out", data.to_str().unwrap()]);
        run(&["build", "--in", data.to_str().unwrap(), "--out", cube.to_str().unwrap()]);
        cube.join("cube.public.bin")
    })
}

struct Shot {
    width: u32,
    height: u32,
    pixels: Vec<[u8; 3]>,
}

impl Shot {
    fn at(&self, x: u32, y: u32) -> [u8; 3] {
        self.pixels[(y * self.width + x) as usize]
    }

    /// Share of pixels with exactly one of these colours.
    fn share_of(&self, colours: &[[u8; 3]]) -> f64 {
        self.pixels.iter().filter(|p| colours.contains(p)).count() as f64 / self.pixels.len() as f64
    }

    fn distinct_colours(&self) -> usize {
        let mut set: Vec<[u8; 3]> = self.pixels.clone();
        set.sort_unstable();
        set.dedup();
        set.len()
    }
}

/// Runs the cockpit with `args` plus a screenshot of `size`; returns the image.
fn screenshot(name: &str, size: (u32, u32), args: &[&str]) -> Shot {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let png = work_dir().join(format!("{name}.png"));
    let size_arg = format!("{}x{}", size.0, size.1);
    let screen = format!("-screen 0 {}x{}x24", size.0.max(1280), size.1.max(1024));
    let runtime = work_dir().join("xdg");
    std::fs::create_dir_all(&runtime).unwrap();
    #[cfg(unix)]
    std::fs::set_permissions(&runtime, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let out = Command::new("xvfb-run")
        .args(["-a", "-s", &screen, env!("CARGO_BIN_EXE_cockpit")])
        .args(["--root", root().to_str().unwrap(), "--cube", cube().to_str().unwrap()])
        .args(["--screenshot", png.to_str().unwrap(), "--size", &size_arg])
        .args(args)
        .env("XDG_RUNTIME_DIR", &runtime)
        .output()
        .expect("xvfb-run runs (scripts/setup-debian.sh installs it)");
    assert!(out.status.success(), "cockpit {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    let image = image::open(&png).unwrap_or_else(|e| panic!("{}: {e}", png.display())).to_rgb8();
    let (width, height) = image.dimensions();
    Shot { width, height, pixels: image.pixels().map(|p| p.0).collect() }
}

const DARK_WALL_RAMP: [[u8; 3]; 5] = [[0x44, 0x01, 0x54], [0x3b, 0x52, 0x8b], [0x21, 0x91, 0x8c], [0x5e, 0xc9, 0x62], [0xfd, 0xe7, 0x25]];

#[test]
fn the_overview_shows_a_coloured_map_panels_and_text() {
    let shot = screenshot("overview", (1280, 720), &["--theme", "dark-wall", "--period", "2024-06"]);
    assert_eq!((shot.width, shot.height), (1280, 720));
    // The choropleth fills a good part of the middle with the theme's ramp colours.
    let map = shot.share_of(&DARK_WALL_RAMP);
    assert!(map > 0.05, "map fill covers {:.1}% of the image", map * 100.0);
    // At least three classes of the ramp are in use.
    let classes = DARK_WALL_RAMP.iter().filter(|c| shot.share_of(&[**c]) > 0.001).count();
    assert!(classes >= 3, "{classes} ramp classes visible");
    // Anti-aliased text and charts make many distinct colours; a blank or clipped frame has few.
    assert!(shot.distinct_colours() > 200, "{} distinct colours", shot.distinct_colours());
    // Panel backgrounds sit at the edges (the dark wall's panel colour #0d1b2e).
    assert_eq!(shot.at(4, 700), [0x07, 0x11, 0x1f], "left column background");
}

#[test]
fn drilling_down_shows_the_citys_counties() {
    let province = screenshot("province", (1280, 720), &["--topic", "overview", "--period", "2024-06"]);
    let qingdao = screenshot("qingdao", (1280, 720), &["--topic", "overview", "--period", "2024-06", "--region", "370200"]);
    let changed = province.pixels.iter().zip(&qingdao.pixels).filter(|(a, b)| a != b).count() as f64 / province.pixels.len() as f64;
    assert!(changed > 0.1, "drilling down changed {:.1}% of the pixels", changed * 100.0);
    // The small test cube hides many county counts (k = 5), but some counties show.
    let coloured = qingdao.share_of(&DARK_WALL_RAMP);
    assert!(coloured > 0.02, "Qingdao's counties cover {:.1}% of the image in ramp colours", coloured * 100.0);
}

#[test]
fn switching_theme_at_run_time_renders_what_starting_in_it_renders() {
    let started = screenshot("light-start", (1280, 720), &["--theme", "light-office", "--period", "2024-06"]);
    let switched = screenshot("light-switched", (1280, 720), &["--theme", "dark-wall", "--period", "2024-06", "--then", "theme:light-office"]);
    // A stale colour shows as pixels far apart. The software rasteriser may round a
    // line joint differently by one level (seen: 1 pixel of 921,600, off by 1).
    let far = started.pixels.iter().zip(&switched.pixels).filter(|(a, b)| a.iter().zip(b.iter()).any(|(x, y)| x.abs_diff(*y) > 2)).count();
    let near = started.pixels.iter().zip(&switched.pixels).filter(|(a, b)| a != b).count();
    assert_eq!(far, 0, "{far} pixels differ: something kept a colour of the old theme");
    assert!(near < 50, "{near} pixels differ slightly");
}

#[test]
fn bad_arguments_are_clear_errors() {
    let out = Command::new(env!("CARGO_BIN_EXE_cockpit")).args(["--root", root().to_str().unwrap(), "--topic", "nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no topic `nope`"), "{}", String::from_utf8_lossy(&out.stderr));
}
