//! Screenshots: `--screenshot FILE` renders one view; `--suite DIR --case NAME=WxH:commands`
//! renders many views from one process (the tests use it: one start-up for all cases).
//! Each capture waits until the cube is loaded, the fonts are in egui and the camera has
//! settled, then a few frames more so egui's layout (which measures text on the first
//! pass) is final. Beside each PNG a `.json` lists probe points: for every coloured
//! region, a pixel inside it away from borders and labels, with the colour its class
//! must have, so tests check the rendered map against the cube; and what was laid out:
//! every text egui drew (its box, size and whether it was cut), the panels' rectangles
//! beside what their content took, and a spliced wall's seams.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::window::PrimaryWindow;
use geo::{Contains, Distance, Euclidean};
use serde::Serialize;
use szjy_model::cube::Lookup;
use szjy_model::period::Period;

use bevy_egui::{egui, EguiFullOutput, EguiPostUpdateSet, PrimaryEguiContext};

use crate::map::{MapCamera, Shapes};
use crate::shared::laid_out::{Bounds, LaidOut};
use crate::shared::map_state::{Choropleth, MapArea};
use crate::shared::screen::Readiness;
use crate::shared::theme::Themes;
use crate::shared::view::{View, ViewCommand};
use crate::shared::wall_state::WallSeams;

/// One view to capture: where, at what window size, after which view commands.
#[derive(Clone, Debug)]
pub struct Case {
    pub path: PathBuf,
    pub size: Option<UVec2>,
    pub script: Vec<ViewCommand>,
}

/// The cases, in order (set from the command line).
#[derive(Resource, Default, Clone, Debug)]
pub struct Cases(pub Vec<Case>);

/// Frames to wait once everything is ready.
const STEADY_FRAMES: u32 = 8;
const PENDING: u8 = 0;
const WRITTEN: u8 = 1;
const FAILED: u8 = 2;

#[derive(Resource)]
struct Capture {
    next: usize,
    /// Whether the current case's commands and size were applied.
    prepared: bool,
    steady_frames: u32,
    requested: bool,
    outcome: Arc<AtomicU8>,
}

pub struct CapturePlugin {
    /// The views to render, in order; none: an interactive run.
    pub cases: Vec<Case>,
}

impl Plugin for CapturePlugin {
    fn build(&self, app: &mut App) {
        if self.cases.is_empty() {
            return;
        }
        app.insert_resource(Cases(self.cases.clone()))
            .insert_resource(Capture {
                next: 0,
                prepared: false,
                steady_frames: 0,
                requested: false,
                outcome: Arc::new(AtomicU8::new(PENDING)),
            })
            .init_resource::<TextBoxes>()
            .add_systems(PostUpdate, collect_text.after(EguiPostUpdateSet::EndPass).before(EguiPostUpdateSet::ProcessOutput))
            .add_systems(Last, capture);
    }
}

/// Every text egui drew in its last pass, and its pixels per point.
#[derive(Resource, Clone, Debug, Default, Serialize)]
pub struct TextBoxes {
    pub pixels_per_point: f32,
    pub text: Vec<TextBox>,
}

/// One text as drawn: its box (points), its smallest font size (points), and whether it
/// was cut: clipped by its painter's rectangle or elided ("…").
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TextBox {
    pub text: String,
    pub rect: Bounds,
    pub size: f32,
    pub cut: bool,
    /// The rectangle its painter clips to.
    pub clip: Bounds,
}

/// The texts among egui's shapes.
pub fn text_boxes(shapes: &[egui::epaint::ClippedShape]) -> Vec<TextBox> {
    fn visit(shape: &egui::Shape, clip: egui::Rect, out: &mut Vec<TextBox>) {
        match shape {
            egui::Shape::Vec(shapes) => shapes.iter().for_each(|s| visit(s, clip, out)),
            egui::Shape::Text(t) if !t.galley.job.text.trim().is_empty() => {
                let job = &t.galley.job;
                let size = job.sections.iter().map(|s| s.format.font_id.size).fold(f32::INFINITY, f32::min);
                let rect = shape.visual_bounding_rect();
                // A glyph's side bearing may reach a point past its box without being cut.
                let cut = t.galley.elided || !clip.expand(1.5).contains_rect(rect);
                out.push(TextBox { text: job.text.clone(), rect: rect.into(), size, cut, clip: clip.into() });
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for clipped in shapes {
        visit(&clipped.shape, clipped.clip_rect, &mut out);
    }
    out
}

fn collect_text(outputs: Query<&EguiFullOutput, With<PrimaryEguiContext>>, mut boxes: ResMut<TextBoxes>) {
    let Ok(EguiFullOutput(Some(full))) = outputs.single() else { return };
    *boxes = TextBoxes { pixels_per_point: full.pixels_per_point, text: text_boxes(&full.shapes) };
}

fn capture(
    mut commands: Commands,
    (mut state, cases): (ResMut<Capture>, Res<Cases>),
    readiness: Readiness,
    probes: ProbeInputs,
    mut windows: Query<&mut Window, With<PrimaryWindow>>,
    mut view_commands: MessageWriter<ViewCommand>,
    mut exit: MessageWriter<AppExit>,
) {
    if let Some(message) = readiness.failure() {
        error!("no screenshot: {message}");
        exit.write(AppExit::from_code(1));
        return;
    }
    let Some(case) = cases.0.get(state.next) else { return };
    match state.outcome.load(Ordering::Acquire) {
        WRITTEN => {
            state.next += 1;
            state.prepared = false;
            state.requested = false;
            state.steady_frames = 0;
            state.outcome.store(PENDING, Ordering::Release);
            if state.next == cases.0.len() {
                exit.write(AppExit::Success);
            }
            return;
        }
        FAILED => {
            exit.write(AppExit::from_code(1));
            return;
        }
        _ => {}
    }
    let ready = readiness.settled();
    state.steady_frames = if ready { state.steady_frames + 1 } else { 0 };
    if state.steady_frames < STEADY_FRAMES || state.requested {
        return;
    }
    if !state.prepared {
        // Switch now, then wait until the switched view is steady in turn.
        view_commands.write_batch(case.script.iter().cloned());
        if let (Some(size), Ok(mut window)) = (case.size, windows.single_mut()) {
            if window.physical_size() != size {
                window.resolution.set_physical_resolution(size.x, size.y);
            }
        }
        state.prepared = true;
        state.steady_frames = 0;
        return;
    }
    state.requested = true;
    let (path, outcome) = (case.path.clone(), state.outcome.clone());
    let probe_file = probes.write(&path.with_extension("json"));
    commands.spawn(Screenshot::primary_window()).observe(move |captured: On<ScreenshotCaptured>| {
        let saved = probe_file
            .clone()
            .and_then(|()| captured.image.clone().try_into_dynamic().map_err(|e| e.to_string()))
            .and_then(|image| image.to_rgb8().save(&path).map_err(|e| e.to_string()));
        let code = match saved {
            Ok(()) => {
                info!("screenshot written to {}", path.display());
                WRITTEN
            }
            Err(e) => {
                error!("cannot write {}: {e}", path.display());
                FAILED
            }
        };
        outcome.store(code, Ordering::Release);
    });
}

/// What the probe points are computed from.
#[derive(bevy::ecs::system::SystemParam)]
pub(crate) struct ProbeInputs<'w, 's> {
    view: Res<'w, View>,
    themes: Res<'w, Themes>,
    shapes: Res<'w, Shapes>,
    choropleth: Res<'w, Choropleth>,
    area: Res<'w, MapArea>,
    camera: Query<'w, 's, (&'static Camera, &'static GlobalTransform, &'static Projection), With<MapCamera>>,
    zoom: Query<'w, 's, &'static bevy_egui::EguiZoomFactor, With<bevy_egui::PrimaryEguiContext>>,
    laid_out: Res<'w, LaidOut>,
    text: Option<Res<'w, TextBoxes>>,
    seams: Option<Res<'w, WallSeams>>,
}

/// What the map shows and where: the `.json` beside each screenshot, and the browser
/// build's state snapshot.
#[derive(Serialize)]
pub(crate) struct ProbeFile {
    theme: String,
    background: String,
    /// The fill of regions without a value (missing or hidden).
    no_data: String,
    /// What the map shows, so a test can check it against the cube.
    map: MapSnapshot,
    probes: Vec<Probe>,
    /// What the page laid out (points).
    laid_out: LaidOut,
    /// Every text drawn (points), and points to pixels.
    text: TextBoxes,
    /// A spliced wall's seams (points; none on one screen).
    seams: crate::shared::wall_frame::Seams,
}

#[derive(Serialize)]
struct MapSnapshot {
    measure: String,
    period: Option<Period>,
    category: Option<String>,
    /// Each coloured region's value (None: hidden or missing), by adcode.
    values: BTreeMap<u32, Option<f64>>,
    /// How values are read, the classes and each region's paint (regions with a value).
    scale: crate::shared::scene::MapScale,
    classes: crate::shared::map_classes::Classes,
    paints: BTreeMap<u32, crate::shared::map_classes::Paint>,
    /// The sentence that says what the colours say (the wall's caption starts with it).
    description: Option<String>,
}

#[derive(Serialize)]
struct Probe {
    adcode: u32,
    x: u32,
    y: u32,
    rgb: String,
}

/// Pixels this far from a border and from any label are safe to probe.
const BORDER_CLEARANCE_PX: f32 = 6.0;
const LABEL_CLEARANCE_PX: f32 = 40.0;

impl ProbeInputs<'_, '_> {
    fn write(&self, path: &std::path::Path) -> Result<(), String> {
        let json = serde_json::to_vec_pretty(&self.snapshot()?).map_err(|e| e.to_string())?;
        std::fs::write(path, json).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The map on screen now: its values, and for every coloured region a pixel (window
    /// pixels) inside it, away from borders and labels, with the colour it must have.
    pub(crate) fn snapshot(&self) -> Result<ProbeFile, String> {
        let theme = &self.themes.all[self.view.theme];
        let Ok((camera, transform, projection)) = self.camera.single() else { return Err("no map camera".into()) };
        let Projection::Orthographic(ortho) = projection else { return Err("map camera is not orthographic".into()) };
        let km_per_px = ortho.scale;
        let zoom = self.zoom.single().map_or(1.0, |z| z.zoom_factor);
        let area = self.area.0;
        let to_screen = |c: geo::Coord<f64>| camera.world_to_viewport(transform, Vec3::new(c.x as f32, c.y as f32, 0.0)).ok();
        let labels: Vec<Vec2> =
            self.choropleth.values.keys().filter_map(|a| self.shapes.0.get(*a)).filter_map(|r| to_screen(r.label)).collect();
        let mut probes = Vec::new();
        let mut regions: Vec<_> = self.choropleth.values.iter().collect();
        regions.sort_by_key(|(adcode, _)| **adcode);
        for (adcode, lookup) in regions {
            let Lookup::Value(value) = lookup else { continue };
            let Some(region) = self.shapes.0.get(*adcode) else { continue };
            let colour = self.choropleth.colour(*value, theme);
            // The candidate on a grid over the region farthest from its boundary, among
            // those clear of every label and inside the map area.
            let (min, max) = (region.bounds.min(), region.bounds.max());
            let mut best: Option<(f32, Vec2)> = None;
            const STEPS: usize = 24;
            for i in 1..STEPS {
                for j in 1..STEPS {
                    let c = geo::Coord {
                        x: min.x + (max.x - min.x) * i as f64 / STEPS as f64,
                        y: min.y + (max.y - min.y) * j as f64 / STEPS as f64,
                    };
                    let point = geo::Point(c);
                    if !region.shape.contains(&point) {
                        continue;
                    }
                    let Some(screen) = to_screen(c) else { continue };
                    let in_area = area.contains(bevy_egui::egui::pos2(screen.x / zoom, screen.y / zoom));
                    if !in_area || labels.iter().any(|l| l.distance(screen) < LABEL_CLEARANCE_PX * zoom) {
                        continue;
                    }
                    // The nearest boundary segment, given up on as soon as the candidate
                    // is too near a border to qualify or to beat the best one so far.
                    let fails =
                        |clearance_px: f32| clearance_px < BORDER_CLEARANCE_PX * zoom || best.is_some_and(|(b, _)| clearance_px <= b);
                    let mut clearance_px = f32::INFINITY;
                    for segment in crate::map::geometry::rings(&region.shape).flat_map(|ring| ring.lines()) {
                        clearance_px = clearance_px.min(Euclidean.distance(&point, &segment) as f32 / km_per_px);
                        if fails(clearance_px) {
                            break;
                        }
                    }
                    if !fails(clearance_px) {
                        best = Some((clearance_px, screen));
                    }
                }
            }
            if let Some((_, at)) = best {
                probes.push(Probe { adcode: *adcode, x: at.x.round() as u32, y: at.y.round() as u32, rgb: hex(colour.0) });
            }
        }
        let map = MapSnapshot {
            measure: self.choropleth.measure.clone(),
            period: self.choropleth.period,
            category: self.choropleth.category.clone(),
            values: self.choropleth.values.iter().map(|(adcode, lookup)| (*adcode, lookup.value())).collect(),
            scale: self.choropleth.scale,
            classes: self.choropleth.classes.clone(),
            paints: self.choropleth.values.iter().filter_map(|(a, v)| Some((*a, self.choropleth.classes.paint_of(v.value()?)))).collect(),
            description: self.choropleth.describe(self.view.lang),
        };
        Ok(ProbeFile {
            theme: theme.id.clone(),
            background: hex(theme.background.0),
            no_data: hex(theme.no_data.0),
            map,
            probes,
            laid_out: self.laid_out.clone(),
            text: self.text.as_deref().cloned().unwrap_or_default(),
            seams: self.seams.as_deref().map(|s| s.0.clone()).unwrap_or_default(),
        })
    }
}

fn hex(rgb: [u8; 3]) -> String {
    format!("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2])
}
