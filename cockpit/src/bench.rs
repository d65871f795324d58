//! Benchmarks of the running cockpit (`bench/cockpit.sh` runs them):
//! - `--bench SECONDS` drives it through every topic and drill-down while timing frames
//!   and the cockpit's own systems, and prints percentiles, the time from start to the
//!   first frame with data, frames from a drill-down to its redrawn map, and how resident
//!   memory moved between the first and the last tenth of the run.
//! - `--soak SWITCHES` switches topic every frame and prints entity, asset, glyph-atlas
//!   and memory figures after 10 switches and after SWITCHES (a test runs it with 200).
//!
//! Frame times are wall-clock (`Time<Real>`: the virtual clock caps a frame at 250 ms).
//! Numbers on a software renderer measure the CPU side only; `bench/cockpit.sh` runs it.

use std::collections::BTreeMap;
use std::time::Duration;

use bevy::platform::time::Instant;

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use szjy_model::region::{RegionTree, PROVINCE};

use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

use crate::shared::map_state::Choropleth;
use crate::shared::profile::take_own_costs;
use crate::shared::schedule::ViewSystems;
use crate::shared::screen::Readiness;
use crate::shared::settings::Settings;
use crate::shared::store::{CubeStore, LoadStatus};
use crate::shared::view::ViewCommand;

/// Frames between view changes: each change recolours the map and recomputes the panels'
/// contents; the frames between show a still view, which is what a wall does most.
const STEP_FRAMES: usize = 5;
/// Switches after which the soak takes its first reading: several rounds of the topics,
/// because egui rebuilds its glyph atlas once it is 80 % full (then at a size that holds
/// every glyph shown); a leak is growth after that, not the one rebuild.
const SOAK_BASELINE: usize = 40;

#[derive(Resource)]
struct Bench {
    length: Duration,
    started: Option<Instant>,
    /// Wall-clock frame times and the cockpit's own CPU time per frame, ms: all its
    /// systems together, and each system.
    frames: Vec<f32>,
    own: Vec<f32>,
    own_by_system: BTreeMap<&'static str, Vec<f32>>,
    /// Whether each frame's own-cost sample includes a view change.
    changed: Vec<bool>,
    issued_last_frame: bool,
    step: usize,
    rss_early_kib: Option<u64>,
    /// A drill-down awaiting its redrawn map: (target city, frame it was issued).
    drill: Option<(u32, usize)>,
    drill_frames: Vec<usize>,
}

#[derive(Resource)]
struct Soak {
    switches: usize,
    done: usize,
    baseline: Option<String>,
}

pub struct BenchPlugin {
    /// `--bench SECONDS`.
    pub seconds: Option<f32>,
    /// `--soak SWITCHES`.
    pub soak_switches: Option<usize>,
}

impl Plugin for BenchPlugin {
    fn build(&self, app: &mut App) {
        let (bench_seconds, soak_switches) = (self.seconds, self.soak_switches);
        if let Some(seconds) = bench_seconds {
            app.insert_resource(Bench {
                length: Duration::from_secs_f32(seconds),
                started: None,
                frames: Vec::new(),
                own: Vec::new(),
                own_by_system: BTreeMap::new(),
                changed: Vec::new(),
                issued_last_frame: false,
                step: 0,
                rss_early_kib: None,
                drill: None,
                drill_frames: Vec::new(),
            })
            .add_systems(Update, (drive.before(ViewSystems), watch_drill.after(ViewSystems).after(crate::shared::schedule::MapSystems)));
        }
        if let Some(switches) = soak_switches {
            app.insert_resource(Soak { switches, done: 0, baseline: None })
                .add_systems(EguiPrimaryContextPass, soak.after(crate::shared::schedule::PanelSystems));
        }
        if bench_seconds.is_some() || soak_switches.is_some() {
            app.add_systems(Update, exit_if_the_cube_failed);
        }
    }
}

/// A measured run without data measures nothing: it ends with the reason (an unattended
/// run would otherwise spin on the loading screen for ever). It lets the renderer finish
/// starting first: leaving during its first frames crashed the software Vulkan driver's
/// teardown (exit 139 instead of 1, seen once in the test suite).
fn exit_if_the_cube_failed(store: Res<CubeStore>, mut frames: Local<u32>, mut exit: MessageWriter<AppExit>) {
    let LoadStatus::Failed(message) = &store.status else { return };
    *frames += 1;
    if *frames == FRAMES_BEFORE_EXIT {
        error!("nothing to measure: {message}");
        exit.write(AppExit::from_code(1));
    }
}

/// Updates a failed measured run waits before it exits.
const FRAMES_BEFORE_EXIT: u32 = 30;

fn drive(
    time: Res<Time<Real>>,
    readiness: Readiness,
    settings: Res<Settings>,
    mut bench: ResMut<Bench>,
    mut commands: MessageWriter<ViewCommand>,
    mut exit: MessageWriter<AppExit>,
) {
    // The cockpit's own systems ran since the last reading: that is one frame's cost.
    let own = take_own_costs();
    if !readiness.loaded() {
        return;
    }
    let bench = &mut *bench;
    let run_started = *bench.started.get_or_insert_with(|| {
        println!("BENCH first_frame_with_data_s={:.2}", settings.started.elapsed().as_secs_f64());
        Instant::now()
    });
    let elapsed = run_started.elapsed();
    bench.frames.push(time.delta_secs() * 1000.0);
    bench.own.push(own.values().sum());
    let frame = bench.frames.len();
    for (system, ms) in own {
        // A system that skipped frames (e.g. ran only on a change) counts 0 there.
        let samples = bench.own_by_system.entry(system).or_default();
        samples.resize(frame - 1, 0.0);
        samples.push(ms);
    }
    if bench.rss_early_kib.is_none() && elapsed >= bench.length / 10 {
        bench.rss_early_kib = rss_kib();
    }
    // The sample just taken covers the systems that ran after last frame's command.
    bench.changed.push(std::mem::take(&mut bench.issued_last_frame));
    if bench.frames.len().is_multiple_of(STEP_FRAMES) {
        bench.issued_last_frame = true;
        // Topics in turn; every third step drills into the next city, then back up.
        let cities: Vec<u32> = RegionTree::shandong().children(PROVINCE).map(|r| r.adcode).collect();
        bench.step += 1;
        let command = match bench.step % 3 {
            0 => {
                let city = cities[(bench.step / 3) % cities.len()];
                bench.drill = Some((city, bench.frames.len()));
                ViewCommand::Select(city)
            }
            1 => ViewCommand::StepTopic(1),
            _ => ViewCommand::Up,
        };
        commands.write(command);
    }
    if elapsed >= bench.length {
        report(bench);
        exit.write(AppExit::Success);
    }
}

/// Frames from a drill-down command to a choropleth of that city's counties (0: the
/// same frame's map already shows them, so the next presented frame does).
fn watch_drill(choropleth: Res<Choropleth>, mut bench: ResMut<Bench>) {
    let Some((city, issued)) = bench.drill else { return };
    let tree = RegionTree::shandong();
    if choropleth.values.keys().next().is_some_and(|county| tree.parent(*county).is_some_and(|p| p.adcode == city)) {
        let frames = bench.frames.len() - issued;
        bench.drill_frames.push(frames);
        bench.drill = None;
    }
}

fn percentiles(mut values: Vec<f32>) -> String {
    values.sort_by(f32::total_cmp);
    let pick = |q: f64| values.get(((values.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(f32::NAN);
    let mean = values.iter().sum::<f32>() / values.len().max(1) as f32;
    format!("mean={mean:.3} p50={:.3} p95={:.3} p99={:.3} max={:.3}", pick(0.5), pick(0.95), pick(0.99), pick(1.0))
}

fn report(bench: &Bench) {
    // The first second includes pipeline compilation and the camera's first fit.
    let mut total = 0.0;
    let skip = bench.frames.iter().take_while(|ms| {
        total += **ms;
        total < 1000.0
    });
    let skip = skip.count();
    println!("BENCH frames={} frame_ms {}", bench.frames.len() - skip, percentiles(bench.frames[skip..].to_vec()));
    // Own CPU time on frames that show a still view, and on frames that apply a change.
    let split = |samples: &[f32]| {
        let (mut still, mut change) = (Vec::new(), Vec::new());
        for (i, ms) in samples.iter().enumerate().skip(skip) {
            if bench.changed[i] {
                change.push(*ms)
            } else {
                still.push(*ms)
            }
        }
        (still, change)
    };
    let (still, change) = split(&bench.own);
    println!("BENCH own_systems_cpu_ms still_view frames={} {}", still.len(), percentiles(still));
    println!("BENCH own_systems_cpu_ms view_change frames={} {}", change.len(), percentiles(change));
    for (system, samples) in &bench.own_by_system {
        let mut samples = samples.clone();
        samples.resize(bench.frames.len(), 0.0);
        let (still, change) = split(&samples);
        println!("BENCH   system={system} still_view {} | view_change {}", percentiles(still), percentiles(change));
    }
    let drills = &bench.drill_frames;
    println!("BENCH drill_downs={} frames_to_redrawn_map max={}", drills.len(), drills.iter().max().copied().unwrap_or(0));
    if let (Some(early), Some(late)) = (bench.rss_early_kib, rss_kib()) {
        println!(
            "BENCH rss_early_mib={:.1} rss_end_mib={:.1} growth_mib={:.1} view_changes={}",
            early as f64 / 1024.0,
            late as f64 / 1024.0,
            (late as f64 - early as f64) / 1024.0,
            bench.step
        );
    }
}

/// What the soak counts: entities and assets that would pile up if something leaked.
#[derive(SystemParam)]
struct Counted<'w, 's> {
    entities: Query<'w, 's, Entity>,
    meshes: Res<'w, Assets<Mesh>>,
    materials: Res<'w, Assets<ColorMaterial>>,
    images: Res<'w, Assets<Image>>,
}

/// One topic switch per frame; readings after the baseline and at the end.
fn soak(
    mut contexts: EguiContexts,
    readiness: Readiness,
    counted: Counted,
    mut state: ResMut<Soak>,
    mut commands: MessageWriter<ViewCommand>,
    mut exit: MessageWriter<AppExit>,
) -> Result {
    let Counted { entities, meshes, materials, images } = &counted;
    if !readiness.loaded() {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let reading = || {
        let atlas = ctx.fonts(|f| f.font_image_size());
        format!(
            "entities={} meshes={} materials={} images={} glyph_atlas={}x{}",
            entities.iter().count(),
            meshes.len(),
            materials.len(),
            images.len(),
            atlas[0],
            atlas[1]
        )
    };
    if state.done == SOAK_BASELINE && state.baseline.is_none() {
        let baseline = reading();
        println!("SOAK switches={SOAK_BASELINE} {baseline} rss_kib={}", rss_kib().unwrap_or(0));
        state.baseline = Some(baseline);
    }
    if state.done == state.switches {
        println!("SOAK switches={} {} rss_kib={}", state.switches, reading(), rss_kib().unwrap_or(0));
        exit.write(AppExit::Success);
        return Ok(());
    }
    state.done += 1;
    commands.write(ViewCommand::StepTopic(1));
    Ok(())
}

/// Resident memory (Linux; None elsewhere).
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?.trim().trim_end_matches("kB").trim().parse().ok()
}
