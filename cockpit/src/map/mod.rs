//! The province map: real boundaries as meshes, coloured by the current topic's headline
//! measure (choropleth), with borders, labels, hover tooltips and click-to-drill. The
//! camera eases to the region in focus and fits it into the map area the panels leave.
//!
//! Fills are Bevy meshes (one draw each, recoloured in place); borders and labels are
//! painted by egui over them, anti-aliased at a constant width in screen points. So the
//! map needs no line pipeline of its own and no multisampling: every fill edge that shows
//! lies under a border (see `draw_borders`), which keeps the browser's first frame to the
//! fewest shader programs.

pub mod geometry;

use bevy::asset::RenderAssetUsages;
use bevy::camera::visibility::RenderLayers;
use bevy::camera::CameraOutputMode;
use bevy::ecs::system::SystemParam;
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;
use bevy::render::render_resource::BlendState;
use bevy_egui::{egui, EguiContextSettings, EguiContexts, EguiGlobalSettings, EguiPrimaryContextPass, EguiZoomFactor, PrimaryEguiContext};
use szjy_model::cube::Lookup;
use szjy_model::interpret::format_value;
use szjy_model::region::{Adcode, Level, RegionTree, PROVINCE};

use crate::shared::figures;
use crate::shared::map_classes::{CentreValue, Classes};
use crate::shared::map_state::{CameraSettled, Choropleth, MapArea};
use crate::shared::scene::{Centre, MapScale};
use crate::shared::schedule::MapSystems;
use crate::shared::schedule::ViewSystems;
use crate::shared::screen::Screen;
use crate::shared::settings::{Mode, Settings};
use crate::shared::theme::Theme;
use crate::shared::view::{View, ViewCommand};
use crate::shared::wall_frame::Seams;
use crate::shared::wall_state::WallSeams;
use geometry::MapGeometry;

/// The map's boundaries, loaded once.
#[derive(Resource)]
pub struct Shapes(pub MapGeometry);

/// One region's fill.
#[derive(Component)]
pub struct RegionFill {
    pub adcode: Adcode,
    pub level: Level,
    pub parent: Adcode,
}

#[derive(Component)]
pub struct MapCamera;

/// The region under the pointer, if any.
#[derive(Resource, Default)]
pub struct Hovered(pub Option<Adcode>);

pub struct MapPlugin;

impl Plugin for MapPlugin {
    fn build(&self, app: &mut App) {
        let shapes = MapGeometry::shandong();
        app.insert_resource(Shapes(shapes))
            .init_resource::<Choropleth>()
            .init_resource::<Hovered>()
            .init_resource::<CameraSettled>()
            .insert_resource(MapArea(egui::Rect::NOTHING))
            .add_systems(Startup, (spawn_cameras, spawn_regions))
            .add_systems(Update, (colour_regions, fit_camera).after(ViewSystems).in_set(MapSystems))
            .add_systems(
                EguiPrimaryContextPass,
                map_overlay.after(crate::shared::schedule::PanelSystems).in_set(crate::shared::schedule::NeedsFonts),
            );
    }
}

fn spawn_cameras(mut commands: Commands, mut egui_settings: ResMut<EguiGlobalSettings>, settings: Res<crate::shared::settings::Settings>) {
    // The map camera fills the window; egui draws on top through its own camera, so the
    // panels never clip the map's render and the map never needs a viewport.
    egui_settings.auto_create_primary_context = false;
    commands.spawn((MapCamera, Camera2d, Msaa::Off));
    let mut egui_context = EguiContextSettings::default();
    if !settings.pointer_input() {
        let input = &mut egui_context.input_system_settings;
        input.run_write_window_pointer_moved_messages = false;
        input.run_write_pointer_button_messages = false;
        input.run_write_window_touch_messages_system = false;
        input.run_write_mouse_wheel_messages_system = false;
    }
    commands.spawn((
        PrimaryEguiContext,
        egui_context,
        Camera2d,
        Msaa::Off,
        RenderLayers::none(),
        Camera {
            order: 1,
            output_mode: CameraOutputMode::Write { blend_state: Some(BlendState::ALPHA_BLENDING), clear_color: ClearColorConfig::None },
            clear_color: ClearColorConfig::Custom(Color::NONE),
            ..default()
        },
    ));
}

fn spawn_regions(
    mut commands: Commands,
    shapes: Res<Shapes>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<ColorMaterial>>,
) {
    for region in &shapes.0.regions {
        let (vertices, indices) = geometry::triangulate(&region.shape);
        let positions: Vec<[f32; 3]> = vertices.iter().map(|v| [v[0], v[1], 0.0]).collect();
        let mesh = Mesh::new(PrimitiveTopology::TriangleList, RenderAssetUsages::RENDER_WORLD)
            .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, positions)
            .with_inserted_indices(Indices::U32(indices));
        // Counties lie above their city, so a drilled-down city shows its counties.
        let z = if region.level == Level::County { 1.0 } else { 0.0 };
        commands.spawn((
            RegionFill { adcode: region.adcode, level: region.level, parent: region.parent },
            Mesh2d(meshes.add(mesh)),
            MeshMaterial2d(materials.add(ColorMaterial::from_color(Color::NONE))),
            Transform::from_xyz(0.0, 0.0, z),
            Visibility::Hidden,
        ));
    }
}

/// Which regions the map colours for a focus: the cities of the province, or the
/// counties of a city.
pub fn coloured_regions(focus: Adcode) -> Vec<Adcode> {
    RegionTree::shandong().children(focus).map(|r| r.adcode).collect()
}

fn colour_regions(
    screen: Screen,
    mut choropleth: ResMut<Choropleth>,
    mut fills: Query<(&RegionFill, &MeshMaterial2d<ColorMaterial>, &mut Visibility)>,
    mut materials: ResMut<Assets<ColorMaterial>>,
    mut clear: ResMut<ClearColor>,
) {
    let _cost = crate::shared::profile::own_cost("colour_regions");
    let Screen { view, store, scenes, themes } = &screen;
    if !(view.is_changed() || store.is_changed() || themes.is_changed()) {
        return;
    }
    let theme = screen.theme();
    clear.0 = theme.background.bevy();
    let focus = view.map_focus();
    let regions = coloured_regions(focus);
    let measure = scenes.0[view.topic].map_measure.clone();
    let (period, values, gaps) = match store.cube() {
        Some(cube) => {
            let category = view.category.as_deref();
            let (period, values) = figures::map_values(cube, &measure, regions.iter().copied(), view.month, category);
            let gaps = figures::map_gaps(cube, &measure, regions.iter().copied(), period, category, view.lang);
            (Some(period), values, gaps)
        }
        None => (None, Vec::new(), Vec::new()),
    };
    let shown: Vec<f64> = values.iter().filter_map(|(_, v)| v.value()).collect();
    let scale = scenes.0[view.topic].map_scale;
    let centre = match (scale, store.cube(), period) {
        (MapScale::Diverging(centre), Some(cube), Some(period)) => {
            map_centre(centre, cube, &measure, focus, period, view.category.as_deref(), view.lang)
        }
        _ => None,
    };
    let classes = Classes::of(&measure, scale, &shown, centre, theme.sequential.len());
    let category = szjy_model::catalogue::measure(&measure)
        .and_then(|def| figures::applied_category(def, view.category.as_deref()))
        .map(str::to_string);
    let (values, gaps) = (values.into_iter().collect(), gaps.into_iter().collect());
    *choropleth = Choropleth { measure, period, classes, values, gaps, category, scale };

    for (fill, material, mut visibility) in &mut fills {
        let coloured = choropleth.values.get(&fill.adcode);
        // Around a drilled-down city, the other cities stay as quiet context.
        let context = focus != PROVINCE && fill.level == Level::City && fill.adcode != focus;
        let color = match coloured {
            Some(lookup) => choropleth.fill(lookup, theme).bevy(),
            None if context => theme.context.bevy(),
            None => Color::NONE,
        };
        *visibility = if coloured.is_some() || context { Visibility::Visible } else { Visibility::Hidden };
        if let Some(mut m) = materials.get_mut(&material.0) {
            m.color = color;
        }
    }
}

/// The value a diverging map is read against: the region the map is in, zero, or the
/// share of the year gone at the map's period. None where the cube has no value for it.
fn map_centre(
    centre: Centre,
    cube: &szjy_model::cube::Cube,
    measure: &str,
    focus: Adcode,
    period: szjy_model::period::Period,
    category: Option<&str>,
    lang: szjy_model::lang::Lang,
) -> Option<CentreValue> {
    let place = RegionTree::shandong().get(focus).map(|r| r.name(lang).to_string()).unwrap_or_default();
    let value = match centre {
        Centre::Parent => {
            let def = szjy_model::catalogue::measure(measure)?;
            let dim = figures::applied_category(def, category).unwrap_or(szjy_model::cube::TOTAL);
            cube.get(measure, focus, period, dim).value()?
        }
        Centre::Zero => 0.0,
        Centre::YearElapsed => period.share_of_year(),
    };
    Some(CentreValue { centre, value, place })
}

/// Kilometres per logical pixel and camera centre that fit `bounds` into `area` of a
/// window `window` pixels wide and high.
pub fn camera_goal(bounds: geo::Rect<f64>, area: egui::Rect, window: Vec2) -> (Vec2, f32) {
    const MARGIN: f32 = 0.92;
    let (w, h) = (bounds.width() as f32, bounds.height() as f32);
    let scale = (w / (area.width() * MARGIN)).max(h / (area.height() * MARGIN));
    let centre = Vec2::new(bounds.center().x as f32, bounds.center().y as f32);
    // The area's centre is off the window's centre by (dx, dy) pixels (y down).
    let (dx, dy) = (area.center().x - window.x / 2.0, area.center().y - window.y / 2.0);
    (centre - Vec2::new(dx * scale, -dy * scale), scale)
}

/// The map camera and what its fit depends on: the window's size and egui's zoom (the
/// map area is in egui points).
#[derive(SystemParam)]
struct CameraFit<'w, 's> {
    windows: Query<'w, 's, &'static Window>,
    egui_zoom: Query<'w, 's, &'static EguiZoomFactor, With<PrimaryEguiContext>>,
    camera: Query<'w, 's, (&'static mut Transform, &'static mut Projection), With<MapCamera>>,
}

fn fit_camera(
    view: Res<View>,
    area: Res<MapArea>,
    shapes: Res<Shapes>,
    time: Res<Time>,
    mut fit: CameraFit,
    mut settled: ResMut<CameraSettled>,
) {
    let _cost = crate::shared::profile::own_cost("fit_camera");
    let CameraFit { windows, egui_zoom, camera } = &mut fit;
    let (Ok(window), Ok((mut transform, mut projection))) = (windows.single(), camera.single_mut()) else { return };
    if !area.0.is_positive() {
        return;
    }
    // egui points → logical pixels (the wall zooms egui; see `wall`).
    let ui_scale = egui_zoom.single().map_or(1.0, |z| z.zoom_factor);
    let to_logical =
        |r: egui::Rect| egui::Rect::from_min_max((r.min.to_vec2() * ui_scale).to_pos2(), (r.max.to_vec2() * ui_scale).to_pos2());
    let Some(bounds) = shapes.0.bounds_of(view.map_focus()) else { return };
    let (goal, goal_scale) = camera_goal(bounds, to_logical(area.0), Vec2::new(window.width(), window.height()));
    let Projection::Orthographic(ortho) = projection.as_mut() else { return };
    // Ease towards the goal (about 90 % of the way in a third of a second).
    let t = 1.0 - (-time.delta_secs() * 7.0).exp();
    let current = transform.translation.truncate();
    let first_frame = ortho.scale == 1.0 && current == Vec2::ZERO;
    let (next, next_scale) =
        if first_frame { (goal, goal_scale) } else { (current.lerp(goal, t), ortho.scale + (goal_scale - ortho.scale) * t) };
    let close = next.distance(goal) < 0.05 * goal_scale && (next_scale - goal_scale).abs() < 0.001 * goal_scale;
    let (next, next_scale) = if close { (goal, goal_scale) } else { (next, next_scale) };
    // Settled only on a frame that starts at the goal: the frame that moves the camera
    // there has not yet propagated its transform, so screen positions computed in it (the
    // capture's and the page's probes) would still be the old ones.
    let unmoved = current == goal && ortho.scale == goal_scale;
    transform.translation = next.extend(transform.translation.z);
    ortho.scale = next_scale;
    settled.0 = close && unmoved;
}

/// Labels, hover tooltip and clicks over the map area (egui, so text is the same font
/// and size as the panels, and clicks on panels never reach the map).
/// What the map's overlay paints from: its area, its boundaries and what it shows.
#[derive(SystemParam)]
struct MapShown<'w> {
    area: Res<'w, MapArea>,
    shapes: Res<'w, Shapes>,
    choropleth: Res<'w, Choropleth>,
    /// A spliced wall's seams, which labels keep off.
    seams: Res<'w, WallSeams>,
}

fn map_overlay(
    mut contexts: EguiContexts,
    screen: Screen,
    map: MapShown,
    camera: Query<(&Camera, &GlobalTransform), With<MapCamera>>,
    settings: Res<Settings>,
    mut hovered: ResMut<Hovered>,
    mut commands: MessageWriter<ViewCommand>,
) -> Result {
    let _cost = crate::shared::profile::own_cost("map_overlay");
    let MapShown { area, shapes, choropleth, seams } = &map;
    let view = &screen.view;
    let ctx = contexts.ctx_mut()?;
    let Ok((camera, camera_transform)) = camera.single() else { return Ok(()) };
    if !area.0.is_positive() {
        return Ok(());
    }
    let ui_scale = ctx.zoom_factor();
    let theme = screen.theme();
    let tree = RegionTree::shandong();
    let lang = view.lang;
    let to_screen = |x: f64, y: f64| -> Option<egui::Pos2> {
        let p = camera.world_to_viewport(camera_transform, Vec3::new(x as f32, y as f32, 0.0)).ok()?;
        Some(egui::pos2(p.x / ui_scale, p.y / ui_scale))
    };
    let to_world = |p: egui::Pos2| camera.viewport_to_world_2d(camera_transform, Vec2::new(p.x * ui_scale, p.y * ui_scale)).ok();

    egui::Area::new(egui::Id::new("map-area")).fixed_pos(area.0.min).order(egui::Order::Background).show(ctx, |ui| {
        let response = ui.allocate_rect(area.0, egui::Sense::click());
        let painter = ui.painter_at(area.0);
        draw_borders(&painter, &shapes.0, view.map_focus(), view.region, theme, ui_scale, &to_screen);
        // Each region's name and value at its label point (a wall has no hover), the
        // largest regions' first where two would collide.
        let font = egui::FontId::proportional(theme.sizes(settings.mode != Mode::Desktop).map_label);
        let mut labelled: Vec<(&Adcode, &Lookup, &geometry::RegionShape)> =
            choropleth.values.iter().filter_map(|(a, v)| Some((a, v, shapes.0.get(*a)?))).collect();
        labelled.sort_by(|a, b| {
            (b.2.bounds.width() * b.2.bounds.height()).total_cmp(&(a.2.bounds.width() * a.2.bounds.height())).then(a.0.cmp(b.0))
        });
        let mut labels = Vec::new();
        let mut owners = Vec::new();
        for (adcode, value, shape) in labelled {
            let (Some(region), Some(at)) = (tree.get(*adcode), to_screen(shape.label.x, shape.label.y)) else { continue };
            // Dark text on light fills, light text on dark ones, with a halo of the other.
            let (ink, halo) = if choropleth.fill(value, theme).is_light() {
                (egui::Color32::from_rgb(17, 17, 17), egui::Color32::from_white_alpha(150))
            } else {
                (egui::Color32::WHITE, egui::Color32::from_black_alpha(170))
            };
            // An alert map says the level in words, as its legend does.
            let figure = |v: f64| match choropleth.scale {
                MapScale::AlertLevels => choropleth.classes.label(choropleth.classes.class_of(v), lang),
                _ => format_value(&choropleth.measure, v, lang),
            };
            let marked = |v: f64| match choropleth.gaps.contains_key(adcode) {
                true => format!("{}{}", figure(v), figures::INCOMPLETE_MARK),
                false => figure(v),
            };
            let lines: Vec<String> = [Some(region.name(lang).to_string()), value.value().map(marked)].into_iter().flatten().collect();
            let label = MapLabel::new(&painter, &lines, font.clone(), at, ink, halo);
            labels.push(label);
            owners.push((shape, choropleth.fill(value, theme)));
        }
        // Whether a point of the screen lies on a labelled region of light fill (`None`:
        // on none, the sea or the background).
        let light_at = |p: egui::Pos2| {
            let w = to_world(p)?;
            let point = geo::Point::new(w.x as f64, w.y as f64);
            owners
                .iter()
                .find(|(shape, _)| geo::Contains::contains(&shape.bounds, &point) && geo::Contains::contains(&shape.shape, &point))
                .map(|(_, fill)| fill.is_light())
        };
        let wanted: Vec<egui::Rect> = labels.iter().map(|l| l.rect).collect();
        for ((label, placed), (_, fill)) in labels.into_iter().zip(place_labels(&wanted, area.0, &seams.0)).zip(&owners) {
            if let Some(placed) = placed {
                // A label whose ink is for its region's fill but which runs onto a fill of
                // the other lightness or off the map (a narrow region, a small map) stands
                // on a patch of its region's colour, so it keeps its contrast.
                let corners = [placed.left_top(), placed.right_top(), placed.left_bottom(), placed.right_bottom()];
                if corners.iter().any(|&c| light_at(c) != Some(fill.is_light())) {
                    painter.rect_filled(placed.expand(3.0), 4, fill.egui());
                }
                label.paint(&painter, placed.min);
            }
        }
        // Walls and unattended runs take no pointer input (see `Settings::pointer_input`).
        if !settings.pointer_input() {
            hovered.0 = None;
            return;
        }

        // The region under the pointer: the coloured ones, or a context city.
        let focus = view.map_focus();
        hovered.0 = response.hover_pos().and_then(to_world).and_then(|w| {
            let p = geo::Coord { x: w.x as f64, y: w.y as f64 };
            shapes
                .0
                .region_at(p, |r| choropleth.values.contains_key(&r.adcode))
                .or_else(|| shapes.0.region_at(p, |r| focus != PROVINCE && r.level == Level::City))
                .map(|r| r.adcode)
        });
        if let Some(adcode) = hovered.0 {
            let name = tree.get(adcode).map(|r| r.name(lang).to_string()).unwrap_or_default();
            let value = match choropleth.values.get(&adcode) {
                Some(Lookup::Value(v)) => format_value(&choropleth.measure, *v, lang),
                Some(Lookup::Suppressed) => crate::shared::text::text(lang, "suppressed").to_string(),
                Some(Lookup::Missing) => crate::shared::text::text(lang, "no_data").to_string(),
                None => String::new(),
            };
            let label = szjy_model::catalogue::measure(&choropleth.measure).map_or("", |m| m.name(lang));
            let period = choropleth.period.map(|p| p.label(lang)).unwrap_or_default();
            let gaps = choropleth.gaps.get(&adcode);
            response.clone().on_hover_ui_at_pointer(|ui| {
                ui.strong(name);
                if !value.is_empty() {
                    ui.label(lang.pick(format!("{label}（{period}）：{value}"), format!("{label} ({period}): {value}")));
                }
                if let Some(gaps) = gaps {
                    ui.label(format!("{} {gaps}", figures::INCOMPLETE_MARK));
                }
            });
            if response.clicked() {
                commands.write(ViewCommand::Select(adcode));
            }
        }
    });
    Ok(())
}

/// A region's label: its lines centred on each other, painted with a halo.
struct MapLabel {
    lines: Vec<std::sync::Arc<egui::Galley>>,
    rect: egui::Rect,
    ink: egui::Color32,
    halo: egui::Color32,
}

impl MapLabel {
    fn new(painter: &egui::Painter, lines: &[String], font: egui::FontId, at: egui::Pos2, ink: egui::Color32, halo: egui::Color32) -> Self {
        let lines: Vec<_> = lines.iter().map(|l| painter.layout_no_wrap(l.clone(), font.clone(), ink)).collect();
        let size = egui::vec2(lines.iter().map(|g| g.size().x).fold(0.0, f32::max), lines.iter().map(|g| g.size().y).sum());
        MapLabel { lines, rect: egui::Rect::from_center_size(at, size), ink, halo }
    }

    fn paint(self, painter: &egui::Painter, min: egui::Pos2) {
        let mut y = min.y;
        for galley in self.lines {
            let at = egui::pos2(min.x + (self.rect.width() - galley.size().x) / 2.0, y);
            y += galley.size().y;
            // Laid out once, drawn five times (four halo copies, then the ink).
            for offset in [egui::vec2(1.0, 1.0), egui::vec2(-1.0, -1.0), egui::vec2(1.0, -1.0), egui::vec2(-1.0, 1.0)] {
                painter.galley_with_override_text_color(at + offset, galley.clone(), self.halo);
            }
            painter.galley(at, galley, self.ink);
        }
    }
}

/// Where each label goes, in order: at its wanted place, kept inside `area` and moved off
/// a spliced wall's seams; one that would overlap a label placed before it tries just
/// above, below, beside and diagonally off its place, and is left out when all of those
/// collide too (a wall cannot show overlapping words).
pub fn place_labels(wanted: &[egui::Rect], area: egui::Rect, seams: &Seams) -> Vec<Option<egui::Rect>> {
    let mut placed: Vec<egui::Rect> = Vec::new();
    wanted
        .iter()
        .map(|r| {
            let (dx, dy) = (r.width() / 2.0 + 2.0, r.height() / 2.0 + 2.0);
            let tries = [(0.0, 0.0), (0.0, -2.0), (0.0, 2.0), (-1.0, 0.0), (1.0, 0.0), (-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0), (1.0, 1.0)];
            let spot = tries
                .iter()
                .map(|(x, y)| seams.nudge(inside(r.translate(egui::vec2(x * dx, y * dy)), area)))
                .find(|c| area.contains_rect(*c) && !seams.crosses(*c) && !placed.iter().any(|p| p.intersects(*c)));
            placed.extend(spot);
            spot
        })
        .collect()
}

/// `r` moved the least to lie inside `area` (where it fits).
fn inside(r: egui::Rect, area: egui::Rect) -> egui::Rect {
    let dx = (area.left() - r.left()).max(0.0) + (area.right() - r.right()).min(0.0);
    let dy = (area.top() - r.top()).max(0.0) + (area.bottom() - r.bottom()).min(0.0);
    r.translate(egui::vec2(dx, dy))
}

/// A closed ring (first point repeated last, or not) cut at its near-reversals, where the
/// path turns back by more than about 140°: the open runs between them, and the corners
/// themselves. No near-reversal: no runs.
pub fn split_at_spikes(ring: &[egui::Pos2]) -> (Vec<Vec<egui::Pos2>>, Vec<egui::Pos2>) {
    let points = if ring.len() > 1 && ring.first() == ring.last() { &ring[..ring.len() - 1] } else { ring };
    let n = points.len();
    if n < 3 {
        return (Vec::new(), Vec::new());
    }
    let sharp: Vec<usize> = (0..n)
        .filter(|&i| {
            let (a, b, c) = (points[(i + n - 1) % n], points[i], points[(i + 1) % n]);
            let (u, v) = (b - a, c - b);
            let lengths = u.length() * v.length();
            lengths > 0.0 && u.dot(v) / lengths < -0.77
        })
        .collect();
    if sharp.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let mut runs = Vec::new();
    for (k, &from) in sharp.iter().enumerate() {
        let to = sharp[(k + 1) % sharp.len()];
        let len = if to > from { to - from } else { to + n - from };
        runs.push((0..=len).map(|j| points[(from + j) % n]).collect());
    }
    (runs, sharp.iter().map(|&i| points[i]).collect())
}

/// Border widths in egui points: cities bolder than the counties inside them, the
/// selected county boldest.
const CITY_BORDER: f32 = 2.0;
const COUNTY_BORDER: f32 = 1.0;
const SELECTED_BORDER: f32 = 3.0;

/// Every city's border, the counties' of the city in focus, and the selected county's.
/// The fills of the regions the map shows meet along exactly these lines, so their
/// aliased mesh edges are always covered.
fn draw_borders(
    painter: &egui::Painter,
    shapes: &MapGeometry,
    focus: Adcode,
    selected: Adcode,
    theme: &Theme,
    ui_scale: f32,
    to_screen: &impl Fn(f64, f64) -> Option<egui::Pos2>,
) {
    let _cost = crate::shared::profile::own_cost("draw_borders");
    // The camera is orthographic, so map → screen is affine: three projections fix it,
    // instead of one (with the camera transform's inverse) per boundary point.
    let (Some(origin), Some(east), Some(north)) = (to_screen(0.0, 0.0), to_screen(1.0, 0.0), to_screen(0.0, 1.0)) else { return };
    let (per_km_east, per_km_north) = (east - origin, north - origin);
    // At least one physical pixel, so walls zoomed out still show the county lines.
    let width = |points: f32| points.max(1.0 / ui_scale);
    let stroke_rings = |region: &geometry::RegionShape, stroke: egui::Stroke| {
        for ring in geometry::rings(&region.shape) {
            let points: Vec<egui::Pos2> = ring.0.iter().map(|c| origin + per_km_east * c.x as f32 + per_km_north * c.y as f32).collect();
            let (runs, spikes) = split_at_spikes(&points);
            if spikes.is_empty() {
                painter.add(egui::Shape::closed_line(points, stroke));
                continue;
            }
            // A mitred join at a near-reversal shoots far past the corner; open runs
            // meeting in a dot end there.
            for run in runs {
                painter.add(egui::Shape::line(run, stroke));
            }
            for at in spikes {
                painter.circle_filled(at, stroke.width / 2.0, stroke.color);
            }
        }
    };
    let county = egui::Stroke::new(width(COUNTY_BORDER), theme.border_county.egui());
    for region in shapes.regions.iter().filter(|r| r.level == Level::County && r.parent == focus) {
        stroke_rings(region, county);
    }
    // City lines over county lines, where they share a boundary.
    let city = egui::Stroke::new(width(CITY_BORDER), theme.border_city.egui());
    for region in shapes.regions.iter().filter(|r| r.level == Level::City) {
        stroke_rings(region, city);
    }
    if let Some(region) = shapes.get(selected).filter(|r| r.level == Level::County) {
        stroke_rings(region, egui::Stroke::new(width(SELECTED_BORDER), theme.highlight.egui()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_camera_fits_the_region_into_the_map_area() {
        // A 100 × 50 km region into a 400 × 400 px area offset to the right of an
        // 800 × 400 px window: width limits the scale, and the region's centre lands on
        // the area's centre.
        let bounds = geo::Rect::new(geo::Coord { x: 0.0, y: 0.0 }, geo::Coord { x: 100.0, y: 50.0 });
        let area = egui::Rect::from_min_size(egui::pos2(400.0, 0.0), egui::vec2(400.0, 400.0));
        let (centre, scale) = camera_goal(bounds, area, Vec2::new(800.0, 400.0));
        assert!((scale - 100.0 / (400.0 * 0.92)).abs() < 1e-6);
        // Window centre (400, 200) is 200 px left of the area centre (600, 200).
        let region_centre_on_screen = 400.0 + (50.0 - centre.x) / scale;
        assert!((region_centre_on_screen - 600.0).abs() < 1e-3, "{region_centre_on_screen}");
    }

    #[test]
    fn rings_are_cut_at_their_spikes_and_nowhere_else() {
        let p = egui::pos2;
        let square = [p(0.0, 0.0), p(10.0, 0.0), p(10.0, 10.0), p(0.0, 10.0), p(0.0, 0.0)];
        assert_eq!(split_at_spikes(&square), (Vec::new(), Vec::new()));
        // A spike out of the square's top edge and back.
        let spiked = [p(0.0, 0.0), p(10.0, 0.0), p(10.0, 10.0), p(5.0, 10.0), p(5.2, 30.0), p(4.8, 10.0), p(0.0, 10.0)];
        let (runs, spikes) = split_at_spikes(&spiked);
        assert_eq!(spikes, vec![p(5.2, 30.0)]);
        // One run all the way round from the spike's tip back to it: every edge drawn.
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].len(), spiked.len() + 1);
        assert_eq!((runs[0].first(), runs[0].last()), (Some(&p(5.2, 30.0)), Some(&p(5.2, 30.0))));
    }

    #[test]
    fn labels_never_overlap_leave_the_map_or_sit_on_a_seam() {
        let seams = Seams::of(egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(3840.0, 1080.0)), UVec2::new(4, 2), 6.0);
        let at = |x: f32, y: f32| egui::Rect::from_min_size(egui::pos2(x, y), egui::vec2(80.0, 24.0));
        // The second overlaps the first and moves above it; the third sits on a seam and
        // moves off it; the fourth collides where it is and above, so goes below.
        let area = egui::Rect::from_min_size(egui::pos2(0.0, 40.0), egui::vec2(3840.0, 1040.0));
        let wanted = [at(100.0, 100.0), at(120.0, 100.0), at(930.0, 300.0), at(110.0, 105.0), at(3800.0, 1060.0)];
        let placed = place_labels(&wanted, area, &seams);
        assert_eq!(placed[0], Some(wanted[0]));
        assert_eq!(placed[1], Some(wanted[1].translate(egui::vec2(0.0, -28.0))));
        assert!(placed[2].is_some_and(|r| !seams.crosses(r)));
        assert_eq!(placed[3], Some(wanted[3].translate(egui::vec2(0.0, 28.0))));
        // One past the area's corner comes inside it.
        assert!(placed[4].is_some_and(|r| area.contains_rect(r)), "{:?}", placed[4]);
        let all: Vec<egui::Rect> = placed.iter().flatten().copied().collect();
        for (i, a) in all.iter().enumerate() {
            assert!(all[i + 1..].iter().all(|b| !a.intersects(*b)), "{all:?}");
        }
    }
}
