//! End-to-end: the real cockpit binary renders real frames (Mesa's software Vulkan under
//! Xvfb when there is no GPU) of a cube the real analytics pipeline built, and the PNGs
//! are checked: probe pixels inside every coloured region have the colour of that
//! region's class, nothing keeps an old theme's background, and each image matches its
//! stored reference (`tests/reference/`; `SZJY_UPDATE_REFERENCES=1` rewrites them).
//!
//! All views of the desktop suite come from one cockpit process (one start-up); only the
//! "started in the light theme" view needs a process of its own. The wall's views come
//! from one process per wall shape, and are checked from the boxes the cockpit reports it
//! laid out: type large enough for the room, nothing cut or overlapping, no text on a
//! spliced wall's seams.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use serde::Deserialize;
use szjy_model::cube::Cube;
use szjy_model::lifecycle::{Action, Status};
use szjy_model::period::Period;

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
fn analytics_bin() -> PathBuf {
    let analytics = Path::new(env!("CARGO_BIN_EXE_cockpit")).with_file_name(format!("analytics{}", std::env::consts::EXE_SUFFIX));
    assert!(analytics.exists(), "{} is missing: build the workspace (cargo build -p analytics)", analytics.display());
    analytics
}

fn cube() -> &'static Path {
    static CUBE: OnceLock<PathBuf> = OnceLock::new();
    CUBE.get_or_init(|| {
        let analytics = analytics_bin();
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

/// A private runtime folder for the renderer (Mesa wants one, mode 0700).
fn runtime_dir() -> PathBuf {
    let runtime = work_dir().join("xdg");
    std::fs::create_dir_all(&runtime).unwrap();
    #[cfg(unix)]
    std::fs::set_permissions(&runtime, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    runtime
}

/// Runs the cockpit under Xvfb with these arguments (plus the test cube).
fn cockpit(args: &[&str]) {
    let mut all = vec!["--cube", cube().to_str().unwrap()];
    all.extend_from_slice(args);
    cockpit_without_cube(&all);
}

fn cockpit_without_cube(args: &[&str]) {
    cockpit_on_screen("3840x2160", args);
}

/// Runs the cockpit under an Xvfb screen of this size.
fn cockpit_on_screen(screen: &str, args: &[&str]) {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let out = Command::new("xvfb-run")
        .args(["-a", "-s", &format!("-screen 0 {screen}x24"), env!("CARGO_BIN_EXE_cockpit")])
        .args(["--root", root().to_str().unwrap(), "--period", "2025-12"])
        .args(args)
        .env("XDG_RUNTIME_DIR", runtime_dir())
        .output()
        .expect("xvfb-run runs (scripts/setup-debian.sh installs it)");
    assert!(out.status.success(), "cockpit {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// The suite's cases, smallest window first (the suite only grows the window). The view
/// commands accumulate from case to case.
const SUITE: &[(&str, &str)] = &[
    ("overview", "1920x1080:topic:overview"),
    ("supply_demand", "1920x1080:topic:supply_demand"),
    ("shortage", "1920x1080:topic:shortage"),
    ("subsidy", "1920x1080:topic:subsidy"),
    ("enterprise", "1920x1080:topic:enterprise"),
    ("service_zones", "1920x1080:topic:service_zones"),
    ("alerts", "1920x1080:topic:alerts"),
    ("policy", "1920x1080:topic:policy"),
    ("qingdao", "1920x1080:topic:overview,region:370200"),
    ("filtered", "1920x1080:topic:enterprise,up,filters,category:ind:C"),
    ("light-switched", "1920x1080:topic:overview,filters,category:,theme:light-office"),
    ("overview-4k", "3840x2160:theme:dark-wall,topic:overview"),
];

/// Renders the suite once; every test reads its images.
fn suite() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = work_dir().join("suite");
        std::fs::create_dir_all(&dir).unwrap();
        let mut args = vec!["--suite".to_string(), dir.to_str().unwrap().to_string(), "--theme".into(), "dark-wall".into()];
        for (name, case) in SUITE {
            args.extend(["--case".to_string(), format!("{name}={case}")]);
        }
        cockpit(&args.iter().map(String::as_str).collect::<Vec<_>>());
        dir
    })
}

struct Shot {
    width: u32,
    height: u32,
    pixels: Vec<[u8; 3]>,
}

impl Shot {
    fn open(path: &Path) -> Shot {
        let image = image::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).to_rgb8();
        let (width, height) = image.dimensions();
        Shot { width, height, pixels: image.pixels().map(|p| p.0).collect() }
    }

    fn at(&self, x: u32, y: u32) -> [u8; 3] {
        self.pixels[(y * self.width + x) as usize]
    }

    fn count(&self, colour: [u8; 3]) -> usize {
        self.pixels.iter().filter(|p| **p == colour).count()
    }

    fn distinct_colours(&self) -> usize {
        let mut set = self.pixels.clone();
        set.sort_unstable();
        set.dedup();
        set.len()
    }
}

#[derive(Deserialize)]
struct Probes {
    background: String,
    map: MapSnapshot,
    probes: Vec<Probe>,
}

#[derive(Deserialize)]
struct MapSnapshot {
    measure: String,
    period: Option<Period>,
    category: Option<String>,
    values: BTreeMap<u32, Option<f64>>,
}

#[derive(Deserialize)]
struct Probe {
    adcode: u32,
    x: u32,
    y: u32,
    rgb: String,
}

fn rgb(hex: &str) -> [u8; 3] {
    let byte = |i: usize| u8::from_str_radix(&hex[1 + 2 * i..3 + 2 * i], 16).unwrap();
    [byte(0), byte(1), byte(2)]
}

fn case(name: &str) -> (Shot, Probes) {
    let dir = suite();
    let probes: Probes = serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap()).unwrap();
    (Shot::open(&dir.join(format!("{name}.png"))), probes)
}

/// Every probe pixel has its region's class colour (±2 per channel for rounding).
fn check_probes(name: &str, shot: &Shot, probes: &Probes, at_least: usize) {
    assert!(probes.probes.len() >= at_least, "{name}: only {} probe points", probes.probes.len());
    for p in &probes.probes {
        let (got, want) = (shot.at(p.x, p.y), rgb(&p.rgb));
        let close = got.iter().zip(want).all(|(a, b)| a.abs_diff(b) <= 2);
        assert!(close, "{name}: region {} at ({}, {}) is {got:?}, its class colour is {want:?}", p.adcode, p.x, p.y);
    }
}

/// At most 0.5 % of pixels may differ from the stored reference by more than 8/255.
fn check_reference(name: &str, shot: &Shot) {
    check_shot_against(suite(), name, name, shot);
}

/// A suite's rendered view `case` against the reference `name`.
fn check_reference_in(dir: &Path, name: &str, case: &str) {
    check_shot_against(dir, name, case, &Shot::open(&dir.join(format!("{case}.png"))));
}

fn check_shot_against(dir: &Path, name: &str, case: &str, shot: &Shot) {
    let reference = root().join("tests/reference").join(format!("{name}.png"));
    if std::env::var_os("SZJY_UPDATE_REFERENCES").is_some() {
        std::fs::create_dir_all(reference.parent().unwrap()).unwrap();
        std::fs::copy(dir.join(format!("{case}.png")), &reference).unwrap();
        return;
    }
    let expected = Shot::open(&reference);
    assert_eq!((expected.width, expected.height), (shot.width, shot.height), "{name}: size");
    let off = expected.pixels.iter().zip(&shot.pixels).filter(|(a, b)| a.iter().zip(b.iter()).any(|(x, y)| x.abs_diff(*y) > 8)).count();
    let share = off as f64 / shot.pixels.len() as f64;
    assert!(
        share <= 0.005,
        "{name}: {:.2}% of pixels differ from {} (rendered: {})",
        share * 100.0,
        reference.display(),
        dir.join(format!("{case}.png")).display()
    );
}

#[test]
fn every_topic_renders_its_map_classes_and_matches_its_reference() {
    // Probes expected: of 16 cities a few are too small or too covered by labels to
    // probe; in the small test cube most cities' zone visits are below k and hidden.
    for (topic, at_least) in [
        ("overview", 10),
        ("supply_demand", 10),
        ("shortage", 10),
        ("subsidy", 10),
        ("enterprise", 10),
        ("service_zones", 2),
        ("alerts", 10),
        ("policy", 10),
    ] {
        let (shot, probes) = case(topic);
        assert_eq!((shot.width, shot.height), (1920, 1080), "{topic}");
        check_probes(topic, &shot, &probes, at_least);
        // Anti-aliased text and charts make many colours; a blank or clipped frame few.
        assert!(shot.distinct_colours() > 300, "{topic}: {} distinct colours", shot.distinct_colours());
        check_reference(topic, &shot);
    }
}

/// On the desk every text that shows lies within its panel's width: tables, tiles and
/// lists fit their columns rather than running under the next panel (lists may scroll, so
/// a row half in view at a list's foot is allowed).
#[test]
fn no_desk_text_runs_past_its_panel() {
    let mut faults = Vec::new();
    for (name, _) in SUITE {
        let report: WallReport = serde_json::from_str(&std::fs::read_to_string(suite().join(format!("{name}.json"))).unwrap()).unwrap();
        for t in &report.text.text {
            let (r, c) = (t.rect, t.clip);
            let in_view = r[3] > c[1] && r[1] < c[3];
            if in_view && (r[0] < c[0] - 1.0 || r[2] > c[2] + 1.0) {
                faults.push(format!("{name}: {:?} at {r:?} runs past {c:?}", t.text));
            }
        }
    }
    assert!(faults.is_empty(), "{} faults:\n{}", faults.len(), faults.join("\n"));
}

#[test]
fn drilling_down_colours_the_citys_counties() {
    let (shot, probes) = case("qingdao");
    check_probes("qingdao", &shot, &probes, 3);
    assert!(
        probes.probes.iter().all(|p| p.adcode / 100 == 3702),
        "probes are Qingdao's counties: {:?}",
        probes.probes.iter().map(|p| p.adcode).collect::<Vec<_>>()
    );
    check_reference("qingdao", &shot);
}

#[test]
fn the_wall_renders_at_3840_by_2160() {
    let (shot, probes) = case("overview-4k");
    assert_eq!((shot.width, shot.height), (3840, 2160));
    check_probes("overview-4k", &shot, &probes, 10);
    check_reference("overview-4k", &shot);
}

#[test]
fn the_filter_panel_filters_the_map_by_one_category() {
    let (shot, probes) = case("filtered");
    let (plain_shot, plain) = case("enterprise");
    // The map shows manufacturing's cells of the cube, not the totals.
    let map = &probes.map;
    assert_eq!((map.measure.as_str(), map.category.as_deref()), ("insured_net_change", Some("ind:C")));
    let cube = Cube::load(cube()).unwrap();
    let period = map.period.expect("a period");
    for (adcode, value) in &map.values {
        assert_eq!(*value, cube.get(&map.measure, *adcode, period, "ind:C").value(), "city {adcode}");
    }
    let shown = map.values.values().filter(|v| v.is_some()).count();
    assert!(shown >= 10, "only {shown} cities have a manufacturing value");
    assert_ne!(map.values, plain.map.values, "the filtered map shows other values than the totals");
    check_probes("filtered", &shot, &probes, 10);
    // The panel covers the window's left edge, where the page background shows without it.
    let background = rgb(&probes.background);
    assert_eq!(plain_shot.at(3, 540), background);
    assert_ne!(shot.at(3, 540), background, "no filter panel at the left edge");
    check_reference("filtered", &shot);
}

#[test]
fn switching_theme_at_run_time_renders_what_starting_in_it_renders() {
    let (switched, probes) = case("light-switched");
    check_probes("light-switched", &switched, &probes, 10);
    // No pixel keeps the dark theme's background.
    let (_, dark) = case("overview");
    assert_eq!(switched.count(rgb(&dark.background)), 0, "pixels still have the dark background");
    // A process that starts in the light theme renders the same image.
    let started = work_dir().join("light-start.png");
    cockpit(&["--theme", "light-office", "--screenshot", started.to_str().unwrap(), "--size", "1920x1080"]);
    let started = Shot::open(&started);
    // A stale colour shows as pixels far apart; the software rasteriser may round a line
    // joint differently by a level (seen: 1 pixel of 2 million, off by 1).
    let far = started.pixels.iter().zip(&switched.pixels).filter(|(a, b)| a.iter().zip(b.iter()).any(|(x, y)| x.abs_diff(*y) > 2)).count();
    assert_eq!(far, 0, "{far} pixels differ: something kept a colour of the old theme");
}

#[test]
fn bad_arguments_are_clear_errors() {
    let run = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_cockpit")).arg("--root").arg(root()).args(args).output().unwrap();
    let out = run(&["--topic", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no topic `nope`"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["--suite", "/tmp", "--case", "a=3840x2160", "--case", "b=1920x1080"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("order cases by size"));
}

#[test]
fn a_measured_run_without_its_cube_ends_with_the_reason() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let missing = work_dir().join("no-such-cube.bin");
    // Under `timeout`: the failure this guards against is a run that never ends (124).
    let out = Command::new("timeout")
        .args(["120", "xvfb-run", "-a", "-s", "-screen 0 1280x1024x24", env!("CARGO_BIN_EXE_cockpit")])
        .args(["--root", root().to_str().unwrap(), "--cube", missing.to_str().unwrap(), "--soak", "10", "--size", "640x360"])
        .env("XDG_RUNTIME_DIR", runtime_dir())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("nothing to measure") && stderr.contains("no such cube"), "{stderr}");
}

/// A plain HTTP GET (the test needs no client library): status line and body.
fn http_get(addr: &str, path: &str) -> Option<(String, Vec<u8>)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let split = response.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    Some((head.lines().next()?.to_string(), response[split + 4..].to_vec()))
}

#[test]
fn the_cockpit_follows_the_data_server() {
    // The real `analytics serve` on the test data, on a free port of loopback.
    cube();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let server_dir = work_dir().join("server");
    let mut server = Command::new(analytics_bin())
        .args(["serve", "--in", work_dir().join("data").to_str().unwrap(), "--data", server_dir.to_str().unwrap(), "--addr", &addr])
        .env("SZJY_TOKENS", format!("ana:analyst:{ANALYST_TOKEN},clerk:ingest:{INGEST_TOKEN}"))
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    struct Stop(std::process::Child);
    impl Drop for Stop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let started = std::time::Instant::now();
    while http_get(&addr, "/api/version").is_none() {
        assert!(server.try_wait().unwrap().is_none(), "analytics serve exited");
        assert!(started.elapsed().as_secs() < 600, "analytics serve did not answer within 10 minutes");
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    let _server = Stop(server);
    let (status, body) = http_get(&addr, "/api/version").unwrap();
    assert!(status.ends_with("200 OK"), "{status}");
    let served: serde_json::Value = serde_json::from_slice(&body).unwrap();

    // The cockpit shows the served cube: the map's values are the server's cells.
    let shot = work_dir().join("remote.png");
    cockpit_without_cube(&["--server", &format!("http://{addr}"), "--screenshot", shot.to_str().unwrap(), "--size", "1920x1080"]);
    let probes: Probes = serde_json::from_str(&std::fs::read_to_string(shot.with_extension("json")).unwrap()).unwrap();
    let served_cube = Cube::load(&server_dir.join("versions/1/cube.public.bin")).unwrap();
    assert_eq!(served["data_version"].as_str(), Some(served_cube.data_version.as_str()));
    let period = probes.map.period.expect("a period");
    assert!(probes.map.values.len() >= 16, "every city is coloured: {:?}", probes.map.values.keys());
    for (adcode, value) in &probes.map.values {
        assert_eq!(*value, served_cube.get(&probes.map.measure, *adcode, period, szjy_model::cube::TOTAL).value(), "city {adcode}");
    }
    check_probes("remote", &Shot::open(&shot), &probes, 10);
    // The server's 数据更新于 widens the header's right side: the tabs move to a row of
    // their own rather than run under the controls.
    let report: WallReport = serde_json::from_str(&std::fs::read_to_string(shot.with_extension("json")).unwrap()).unwrap();
    let header: Vec<&TextBox> = report.text.text.iter().filter(|t| t.rect[1] < 90.0).collect();
    assert!(header.iter().any(|t| t.text.contains("数据更新于")), "the header says when the data was published");
    for (i, a) in header.iter().enumerate() {
        for b in &header[i + 1..] {
            let (w, h) = (a.rect[2].min(b.rect[2]) - a.rect[0].max(b.rect[0]), a.rect[3].min(b.rect[3]) - a.rect[1].max(b.rect[1]));
            assert!(w <= 0.0 || h <= 0.0, "{:?} at {:?} overlaps {:?} at {:?}", a.text, a.rect, b.text, b.rect);
        }
    }

    // The cockpit's lifecycle client steps an alert on the server under the token's name;
    // a step that does not fit is refused with the server's reason.
    let internal = Cube::load(&server_dir.join("versions/1/cube.internal.bin")).unwrap();
    let alert = internal.alerts.first().expect("the test cube has alerts").id();
    let step = |action: Action| {
        let (send, receive) = std::sync::mpsc::channel();
        cockpit::data::remote::post_lifecycle(&format!("http://{addr}"), ANALYST_TOKEN, alert.clone(), action, move |answer| {
            send.send(answer).unwrap()
        });
        receive.recv_timeout(std::time::Duration::from_secs(60)).expect("an answer")
    };
    let state = step(Action::Acknowledge).expect("acknowledged");
    assert_eq!((state.status, state.acknowledged.map(|s| s.by)), (Status::Acknowledged, Some("ana".to_string())));
    let refused = step(Action::Acknowledge).unwrap_err();
    assert!(refused.contains("already acknowledged"), "{refused}");

    // 导入报表: the cockpit's upload lands a return as a batch under the ingest token, and
    // the server answers with its counts and the first reason; the same return checked
    // without a server goes through `analytics ingest`, which adds nothing.
    let return_file = work_dir().join("目标.csv");
    std::fs::write(&return_file, "year,city,new_urban_jobs_target\n2025,370100,180000\n2025,371200,1000\n").unwrap();
    let (send, receive) = std::sync::mpsc::channel();
    let bytes = std::fs::read(&return_file).unwrap();
    let query = [("source", "employment_targets"), ("name", "目标.csv")];
    cockpit::data::remote::post_file(
        &format!("http://{addr}"),
        szjy_model::protocol::INGEST_ROUTE,
        &query,
        INGEST_TOKEN,
        bytes,
        move |answer| {
            send.send(answer).unwrap();
        },
    );
    let report: szjy_model::protocol::IngestReport = receive.recv_timeout(std::time::Duration::from_secs(300)).unwrap().expect("landed");
    assert_eq!((report.rows_in, report.accepted, report.quarantined, report.version), (2, 1, 1, 2), "{report:?}");
    assert!(report.quarantine_sample[0].reason.contains("city"), "{:?}", report.quarantine_sample);
    let lines =
        cockpit::analyst::import::outcome_lines(&cockpit::analyst::import::ImportOutcome::Landed(report), szjy_model::lang::Lang::Zh);
    assert_eq!(lines[1], "读入2行：入库1行，未通过校验1行，替换已有1行", "{lines:?}");
    let checked = cockpit::analyst::import::check_locally(&analytics_bin(), "employment_targets", &return_file, "目标.csv");
    let lines = cockpit::analyst::import::outcome_lines(&checked, szjy_model::lang::Lang::Zh);
    assert_eq!(lines[1], "读入2行：入库1行，未通过校验1行，替换已有0行", "{lines:?}");
    assert!(lines[2].starts_with("第2行：") && lines[2].contains("city"), "{lines:?}");
}

const ANALYST_TOKEN: &str = "analyst-token-for-the-cockpit-test";
const INGEST_TOKEN: &str = "ingest-token-for-the-cockpit-test";

#[test]
fn two_hundred_topic_switches_leave_no_entities_assets_or_glyphs_behind() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let out = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x1024x24", env!("CARGO_BIN_EXE_cockpit")])
        .args(["--root", root().to_str().unwrap(), "--cube", cube().to_str().unwrap(), "--soak", "200", "--size", "960x540"])
        .env("XDG_RUNTIME_DIR", runtime_dir())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    // "SOAK switches=N entities=… meshes=… materials=… images=… glyph_atlas=… rss_kib=…"
    let counts = |switches: &str| -> String {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("SOAK switches={switches} ")))
            .unwrap_or_else(|| panic!("no reading after {switches}: {stdout}"));
        line.split_whitespace().filter(|f| !f.starts_with("rss_kib=") && !f.starts_with("switches=")).collect::<Vec<_>>().join(" ")
    };
    assert_eq!(counts("200"), counts("40"), "counts grew between 40 and 200 switches");
}

// ---------------------------------------------------------------------------------------
// The wall

const TOPICS: [&str; 8] = ["overview", "supply_demand", "shortage", "subsidy", "enterprise", "service_zones", "alerts", "policy"];
const THEMES: [&str; 3] = ["dark-wall", "light-office", "high-contrast"];
/// The banner's clock in wall captures, so images repeat.
const WALL_CLOCK: &str = "2026-12-04T09:30:00+08:00";
/// The spliced wall: 4 × 2 screens of 1920 × 1080 with 12 px bezels.
const SPLICED: (u32, u32, f32) = (4, 2, 12.0);

/// A wall shape's suite: every topic in both languages (and, where named, every theme) at
/// these sizes, from one process; the case names are `<size>-<theme>-<topic>-<lang>`.
fn wall_suite(name: &str, screen: &str, sizes: &[(&str, bool)], extra: &[&str]) -> PathBuf {
    let dir = work_dir().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let mut args: Vec<String> = vec!["--wall".into(), "--clock".into(), WALL_CLOCK.into(), "--suite".into(), dir.to_str().unwrap().into()];
    args.extend(extra.iter().map(|s| s.to_string()));
    for (size, all_themes) in sizes {
        let themes: &[&str] = if *all_themes { &THEMES } else { &THEMES[..1] };
        for theme in themes {
            for topic in TOPICS {
                for lang in ["zh", "en"] {
                    args.extend(["--case".into(), format!("{size}-{theme}-{topic}-{lang}={size}:theme:{theme},topic:{topic},lang:{lang}")]);
                }
            }
        }
    }
    let mut all = vec!["--cube", cube().to_str().unwrap()];
    all.extend(args.iter().map(String::as_str));
    cockpit_on_screen(screen, &all[..]);
    dir
}

/// One screen in every size but the LED's and the spliced wall's: 1920 × 1080 in every
/// theme, 3840 × 2160 in the wall's theme.
fn single_screens() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| wall_suite("wall", "3840x2160", &[("1920x1080", true), ("3840x2160", false)], &[]))
}

/// An LED wall of 5760 × 1080 (16:3).
fn led_wall() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| wall_suite("wall-led", "5760x1080", &[("5760x1080", false)], &[]))
}

fn spliced_wall() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let (x, y, bezel) = SPLICED;
    DIR.get_or_init(|| {
        wall_suite(
            "wall-spliced",
            "7680x2160",
            &[("7680x2160", false)],
            &["--wall-grid", &format!("{x}x{y}"), "--bezel", &bezel.to_string()],
        )
    })
}

#[derive(Deserialize)]
struct WallReport {
    laid_out: LaidOut,
    text: TextBoxes,
}

#[derive(Deserialize)]
struct LaidOut {
    panels: Vec<PanelBox>,
    key_figures: Vec<SizedBox>,
    charts: Vec<[f32; 4]>,
    blocks: Vec<[f32; 4]>,
}

#[derive(Deserialize)]
struct PanelBox {
    title: String,
    rect: [f32; 4],
    content: [f32; 4],
}

#[derive(Deserialize)]
struct SizedBox {
    size: f32,
}

#[derive(Deserialize)]
struct TextBoxes {
    pixels_per_point: f32,
    text: Vec<TextBox>,
}

#[derive(Deserialize)]
struct TextBox {
    text: String,
    rect: [f32; 4],
    size: f32,
    cut: bool,
    /// What the text is clipped to (its panel, or the part of a list scrolled into view).
    clip: [f32; 4],
}

/// Whether `inner` lies within `outer`, give or take `slack` points.
fn within(inner: [f32; 4], outer: [f32; 4], slack: f32) -> bool {
    inner[0] >= outer[0] - slack && inner[1] >= outer[1] - slack && inner[2] <= outer[2] + slack && inner[3] <= outer[3] + slack
}

/// The minimum heights at the wall's design size (1080 points high), in points.
const KEY_FIGURE: f32 = 48.0;
const BODY: f32 = 20.0;
const AXIS: f32 = 14.0;

/// What every wall view must be: returns what is wrong with it, one line each.
fn wall_faults(report: &WallReport, seams: &[(bool, f32)], half_bezel: f32) -> Vec<String> {
    let mut faults = Vec::new();
    let LaidOut { panels, key_figures, charts, blocks } = &report.laid_out;
    if key_figures.is_empty() {
        faults.push("no key figures".to_string());
    }
    for k in key_figures.iter().filter(|k| k.size < KEY_FIGURE) {
        faults.push(format!("a key figure of {} pt", k.size));
    }
    for p in panels.iter().filter(|p| !within(p.content, p.rect, 0.5)) {
        faults.push(format!("panel {} is cut: content {:?} in {:?}", p.title, p.content, p.rect));
    }
    let texts = &report.text.text;
    for t in texts {
        let in_chart = charts.iter().any(|c| within(t.rect, *c, 1.0));
        let least = if in_chart { AXIS } else { BODY };
        if t.size < least {
            faults.push(format!("{:?} at {} pt (at least {least})", t.text, t.size));
        }
        if t.cut {
            faults.push(format!("{:?} is cut", t.text));
        }
        if !blocks.iter().any(|b| within(t.rect, *b, 2.0)) {
            faults.push(format!("{:?} at {:?} is outside every block of the page", t.text, t.rect));
        }
        for (vertical, at) in seams {
            let (from, to) = if *vertical { (t.rect[0], t.rect[2]) } else { (t.rect[1], t.rect[3]) };
            if from < at + half_bezel && to > at - half_bezel {
                faults.push(format!("{:?} at {:?} lies on the seam at {at}", t.text, t.rect));
            }
        }
    }
    // Distinct texts never overlap (a halo is drawn as copies of the same text).
    for (i, a) in texts.iter().enumerate() {
        for b in texts[i + 1..].iter().filter(|b| b.text != a.text) {
            let (w, h) = (a.rect[2].min(b.rect[2]) - a.rect[0].max(b.rect[0]), a.rect[3].min(b.rect[3]) - a.rect[1].max(b.rect[1]));
            if w > 2.0 && h > 2.0 {
                faults.push(format!("{:?} overlaps {:?}", a.text, b.text));
            }
        }
    }
    faults
}

/// Checks every view of a wall suite; `seams` in window pixels.
fn check_wall(dir: &Path, expected: usize, seams_px: &[(bool, f32)], bezel_px: f32) {
    let mut faults = Vec::new();
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "json")) {
        let report: WallReport = serde_json::from_str(&std::fs::read_to_string(&entry).unwrap()).unwrap();
        let ppp = report.text.pixels_per_point;
        let seams: Vec<(bool, f32)> = seams_px.iter().map(|(v, at)| (*v, at / ppp)).collect();
        seen += 1;
        for fault in wall_faults(&report, &seams, bezel_px / 2.0 / ppp) {
            faults.push(format!("{}: {fault}", entry.file_stem().unwrap().to_string_lossy()));
        }
    }
    assert_eq!(seen, expected, "views in {}", dir.display());
    assert!(faults.is_empty(), "{} faults:\n{}", faults.len(), faults.join("\n"));
}

#[test]
fn the_wall_reads_from_across_the_room_with_nothing_cut_on_one_screen() {
    // 8 topics × 2 languages × (3 themes at 1920 × 1080 + 1 at 3840 × 2160).
    check_wall(single_screens(), 8 * 2 * 4, &[], 0.0);
    // The layout is the theme's colours only: every theme lays out the same boxes.
    let boxes = |theme: &str, topic: &str| -> Vec<([f32; 4], String)> {
        let path = single_screens().join(format!("1920x1080-{theme}-{topic}-zh.json"));
        let report: WallReport = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        report.text.text.into_iter().map(|t| (t.rect, t.text)).collect()
    };
    for topic in TOPICS {
        assert!(
            boxes("light-office", topic) == boxes("dark-wall", topic) && boxes("high-contrast", topic) == boxes("dark-wall", topic),
            "{topic}: the themes lay out differently"
        );
    }
}

#[test]
fn an_led_wall_uses_its_shape() {
    check_wall(led_wall(), 8 * 2, &[], 0.0);
    let report: WallReport =
        serde_json::from_str(&std::fs::read_to_string(led_wall().join("5760x1080-dark-wall-overview-zh.json")).unwrap()).unwrap();
    // Panels stand side by side rather than in one narrow column each side.
    let lefts: std::collections::BTreeSet<i32> = report.laid_out.panels.iter().map(|p| p.rect[0] as i32).collect();
    assert!(lefts.len() >= 3, "panel columns at {lefts:?}");
}

#[test]
fn no_text_lies_on_a_spliced_walls_seams() {
    let (x, y, bezel) = SPLICED;
    let (width, height) = (7680.0, 2160.0);
    let mut seams: Vec<(bool, f32)> = (1..x).map(|k| (true, width * k as f32 / x as f32)).collect();
    seams.extend((1..y).map(|k| (false, height * k as f32 / y as f32)));
    check_wall(spliced_wall(), 8 * 2, &seams, bezel);
}

#[test]
fn the_wall_matches_its_references() {
    for topic in TOPICS {
        for lang in ["zh", "en"] {
            let name = format!("1920x1080-dark-wall-{topic}-{lang}");
            check_reference_in(single_screens(), &format!("wall-{topic}-{lang}"), &name);
        }
    }
    check_reference_in(spliced_wall(), "wall-spliced-overview", "7680x2160-dark-wall-overview-zh");
}

#[derive(Deserialize)]
struct MapReading {
    map: MapWords,
    text: TextBoxes,
}

#[derive(Deserialize)]
struct MapWords {
    measure: String,
    values: BTreeMap<u32, Option<f64>>,
    paints: BTreeMap<u32, PaintSeen>,
    classes: ClassesSeen,
    description: Option<String>,
}

#[derive(Deserialize, Clone, Copy)]
struct PaintSeen {
    kind: PaintKind,
    step: usize,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Debug)]
#[serde(rename_all = "snake_case")]
enum PaintKind {
    Sequential,
    Diverging,
    Alert,
}

#[derive(Deserialize)]
struct ClassesSeen {
    centre: Option<CentreSeen>,
}

#[derive(Deserialize)]
struct CentreSeen {
    value: f64,
}

/// Every wall map, read as a leader would: the worst region takes the bad end of its ramp
/// (diverging maps: the bad side whenever it is worse than the centre; alert maps: the
/// highest level shown), and the caption under the map, as drawn, counts the same regions
/// in the same words as the colours show.
#[test]
fn the_map_and_its_caption_say_what_the_colours_say() {
    use szjy_model::catalogue::{self, Direction};
    use szjy_model::region::RegionTree;
    let tree = RegionTree::shandong();
    for topic in TOPICS {
        for lang in ["zh", "en"] {
            let name = format!("1920x1080-dark-wall-{topic}-{lang}");
            let report: MapReading =
                serde_json::from_str(&std::fs::read_to_string(single_screens().join(format!("{name}.json"))).unwrap()).unwrap();
            let map = &report.map;
            let shown: Vec<(u32, f64)> = map.values.iter().filter_map(|(a, v)| Some((*a, (*v)?))).collect();
            assert!(shown.len() >= 2, "{name}: {} regions with a value", shown.len());
            let direction = catalogue::measure(&map.measure).unwrap().direction;
            let paint = |adcode: u32| map.paints[&adcode];
            let worst = match direction {
                Direction::LowerIsBetter => shown.iter().max_by(|a, b| a.1.total_cmp(&b.1)),
                Direction::HigherIsBetter => shown.iter().min_by(|a, b| a.1.total_cmp(&b.1)),
                Direction::Neutral => None,
            };
            if let Some(&(adcode, value)) = worst {
                let seen = paint(adcode);
                let steps = shown.iter().map(|(a, _)| paint(*a).step);
                match seen.kind {
                    PaintKind::Diverging => {
                        assert_eq!(Some(seen.step), steps.min(), "{name}: the worst region {adcode} is not at the bad end");
                        let centre = map.classes.centre.as_ref().expect("a diverging map has a centre").value;
                        let worse = if direction == Direction::LowerIsBetter { value > centre } else { value < centre };
                        assert!(!worse || seen.step < 2, "{name}: {adcode} ({value}) is worse than {centre} but not painted bad");
                    }
                    PaintKind::Alert => assert_eq!(Some(seen.step), steps.max(), "{name}: the worst region is not at the highest level"),
                    PaintKind::Sequential => {}
                }
            }
            let description = map.description.as_deref().unwrap_or_else(|| panic!("{name}: the map has no caption"));
            // The wall breaks lines itself (Chinese line-breaking rules): compare without them.
            let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
            let on_wall = report.text.text.iter().any(|t| squash(&t.text) == squash(description));
            assert!(on_wall, "{name}: the caption {description:?} is not on the wall");
            let zh = lang == "zh";
            let count = |kind: PaintKind, step: fn(usize) -> bool| {
                shown.iter().filter(|(a, _)| paint(*a).kind == kind && step(paint(*a).step)).count()
            };
            match paint(shown[0].0).kind {
                PaintKind::Alert => {
                    for (level, word_zh, word_en) in [(3, "红色", "red"), (2, "橙色", "orange"), (1, "黄色", "yellow")] {
                        let n = shown.iter().filter(|(a, _)| paint(*a).step == level).count();
                        let words = if zh { format!("{word_zh}{n}个") } else { format!("{n} {word_en}") };
                        assert_eq!(
                            n > 0,
                            description.contains(&words),
                            "{name}: {n} regions are {word_en}, the caption says {description:?}"
                        );
                    }
                }
                PaintKind::Diverging => {
                    let bad = count(PaintKind::Diverging, |s| s < 2);
                    let words = match (zh, bad) {
                        (true, 0) => "均未".to_string(),
                        (false, 0) => "none of".to_string(),
                        (true, k) => format!("中{k}个"),
                        (false, k) => format!("in {k} of"),
                    };
                    assert!(description.contains(&words), "{name}: {bad} regions are painted worse, the caption says {description:?}");
                    for (adcode, _) in shown.iter().filter(|(a, _)| paint(*a).step == 0) {
                        let region = tree.get(*adcode).unwrap();
                        let place = if zh { region.name_zh.as_str() } else { region.name_en.as_str() };
                        assert!(description.contains(place), "{name}: {place} is much worse, the caption leaves it out: {description:?}");
                    }
                }
                PaintKind::Sequential => {
                    let top = shown.iter().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap().0;
                    let bottom = shown.iter().min_by(|a, b| a.1.total_cmp(&b.1)).unwrap().0;
                    for adcode in [top, bottom] {
                        let region = tree.get(adcode).unwrap();
                        let place = if zh { region.name_zh.as_str() } else { region.name_en.as_str() };
                        assert!(description.contains(place), "{name}: the caption leaves out {place}: {description:?}");
                    }
                }
            }
        }
    }
}
