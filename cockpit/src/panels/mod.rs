//! The page around the map, drawn with egui from the topic's scene: header (title, topic
//! tabs, period control, data-as-of date, demo badge), breadcrumb, the scene's panels in
//! two columns, and the legend. What is left between the columns is the map's area. On a
//! phone held upright there is no room for columns: the map fills the top and one panel
//! at a time shows below it, picked from a row of its titles.

mod chart;
mod filters;
mod kinds;
mod pager;
pub mod wall_page;

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy_egui::{egui, EguiContexts, EguiPrimaryContextPass};
use szjy_model::lang::Lang;
use szjy_model::region::{Level, RegionTree, PROVINCE};

use std::cell::{Cell, RefCell};

use crate::shared::clock::WallClock;
use crate::shared::figures::{self, Headline};
use crate::shared::laid_out::{LaidOut, PanelBox};
use crate::shared::lifecycle::{AlertStates, LifecycleRequest};
use crate::shared::map_state::{Choropleth, MapArea};
use crate::shared::scene::{Panel, Scenes};
use crate::shared::schedule::{NeedsFonts, PanelSystems, ViewSystems};
use crate::shared::screen::Screen;
use crate::shared::settings::{Mode, Settings};
use crate::shared::store::{CubeStore, LoadStatus};
use crate::shared::text::text;
use crate::shared::theme::{egui_style, Theme, Themes, TypeScale};
use crate::shared::view::{View, ViewCommand};
use crate::shared::wall_frame::{self, WallContent};
use crate::shared::wall_state::{Ticker, WallSeams};

pub struct PanelsPlugin;

impl Plugin for PanelsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<PanelContents>()
            .init_resource::<LaidOut>()
            // The caption reads what the map shows.
            .add_systems(Update, prepare_contents.after(ViewSystems).after(crate::shared::schedule::MapSystems))
            .add_systems(EguiPrimaryContextPass, (apply_theme, layout).chain().in_set(PanelSystems).in_set(NeedsFonts));
    }
}

/// What the current topic's panels show, in the scene's order. Computed from the cube
/// when the view, the cube or the scenes change; each frame only lays it out, so a still
/// view costs no cube lookups.
#[derive(Resource, Default)]
pub struct PanelContents {
    left: Vec<kinds::Content>,
    right: Vec<kinds::Content>,
    /// The wall's headline figures, each with the marks of its footnotes ("①").
    heroes: Vec<(Headline, String)>,
    /// The wall's footnotes, each starting with its mark: what the desk says on hover.
    footnotes: Vec<String>,
    /// The wall's caption under the map: the interpretation's first sentences that are not
    /// about a headline figure (those are on show already).
    caption: Vec<String>,
    /// The wall's alert ticker, all pages.
    ticker: Vec<kinds::TickerItem>,
}

fn prepare_contents(
    view: Res<View>,
    store: Res<CubeStore>,
    scenes: Res<Scenes>,
    settings: Res<Settings>,
    choropleth: Res<Choropleth>,
    mut contents: ResMut<PanelContents>,
) {
    let _cost = crate::shared::profile::own_cost("prepare_contents");
    if !(view.is_changed() || store.is_changed() || scenes.is_changed() || choropleth.is_changed()) {
        return;
    }
    let Some(cube) = store.cube() else {
        *contents = PanelContents::default();
        return;
    };
    let wall = settings.mode != Mode::Desktop;
    let scene = &scenes.0[view.topic];
    let (left, right) = scene.columns(wall);
    let prepare = |panels: &[Panel]| panels.iter().map(|p| kinds::prepare(cube, &view, &scenes, scene.topic, &p.kind)).collect();
    let category = view.category.as_deref();
    let mut headlines = Vec::new();
    let mut notes = Vec::new();
    for hero in scene.wall.hero.iter().filter(|_| wall) {
        let Some(headline) = figures::headline(cube, hero, view.region, view.month, category, view.lang) else { continue };
        notes.push(figures::footnotes(&headline, hero, view.month, &cube.rules, view.lang));
        headlines.push(headline);
    }
    let (marks, mut footnotes) = figures::mark_footnotes(notes);
    // Nobody can hover over the wall's map: its marks are explained once.
    if wall && !choropleth.gaps.is_empty() {
        footnotes.push(figures::map_marks_note(&choropleth.gaps, view.lang));
    }
    let heroes = headlines.into_iter().zip(marks).collect();
    let caption = if wall { caption(cube, scene, &view, &choropleth) } else { Vec::new() };
    let ticker = if wall { kinds::ticker_items(cube, &view) } else { Vec::new() };
    *contents = PanelContents { left: prepare(left), right: prepare(right), heroes, footnotes, caption, ticker };
}

/// The sentence that reads the map's colours, then the interpretation's first sentences
/// not about the wall's headline figures.
fn caption(cube: &szjy_model::cube::Cube, scene: &crate::shared::scene::Scene, view: &View, choropleth: &Choropleth) -> Vec<String> {
    let on_show: Vec<&str> = scene.wall.hero.iter().flat_map(|h| [Some(h.measure.as_str()), h.progress.as_deref()]).flatten().collect();
    let paragraphs = szjy_model::interpret::paragraphs(cube, scene.topic, view.region, view.month, view.lang);
    let fresh = paragraphs.iter().filter(|p| !p.measure.is_some_and(|m| on_show.contains(&m))).map(|p| p.text.clone());
    let map = choropleth.describe(view.lang);
    let room = CAPTION_SENTENCES - usize::from(map.is_some());
    let mut sentences: Vec<String> = fresh.take(room).collect();
    if sentences.is_empty() {
        sentences = paragraphs.into_iter().take(room).map(|p| p.text).collect();
    }
    map.into_iter().chain(sentences).collect()
}

/// egui's style follows the view's theme. It is checked against the live style each
/// frame (not remembered), so nothing that resets egui's style can leave stale colours.
fn apply_theme(mut contexts: EguiContexts, view: Res<View>, themes: Res<Themes>, settings: Res<Settings>) -> Result {
    let _cost = crate::shared::profile::own_cost("apply_theme");
    let ctx = contexts.ctx_mut()?;
    let theme = &themes.all[view.theme];
    let sizes = theme.sizes(settings.mode != Mode::Desktop);
    let style = ctx.global_style();
    if style.visuals.window_fill == theme.panel.egui()
        && style.visuals.override_text_color == Some(theme.text.egui())
        && style.visuals.dark_mode == theme.dark
        && style.text_styles.get(&egui::TextStyle::Body).map(|f| f.size) == Some(sizes.body)
    {
        return Ok(());
    }
    ctx.set_theme(if theme.dark { egui::Theme::Dark } else { egui::Theme::Light });
    ctx.all_styles_mut(|style| egui_style(theme, &sizes, style));
    Ok(())
}

/// Everything a panel body needs.
pub struct PanelContext<'a> {
    pub store: &'a CubeStore,
    pub view: &'a View,
    pub theme: &'a Theme,
    pub scenes: &'a Scenes,
    /// Wall mode: no analyst chrome (buttons), larger type.
    pub wall: bool,
    /// Text sizes of this layout.
    pub sizes: TypeScale,
    /// The wall's page clock: which page a list too long for its panel shows.
    pub page: usize,
    /// The paging of the panel being drawn (a list that pages itself sets it).
    pub paging: &'a Cell<pager::Paging>,
    /// What the page laid out, for the tools' checks.
    pub report: &'a RefCell<LaidOut>,
    /// View commands a panel's body asks for (a click on an alert), written after layout.
    pub requests: &'a std::cell::RefCell<Vec<ViewCommand>>,
    pub alert_states: &'a AlertStates,
    /// Lifecycle steps the analyst took in the alert list, written after layout.
    pub lifecycle: &'a std::cell::RefCell<Vec<LifecycleRequest>>,
}

impl PanelContext<'_> {
    pub fn lang(&self) -> Lang {
        self.view.lang
    }

    /// The rules the cube on show was built with: the numbers of every 口径.
    pub fn rules(&self) -> &szjy_model::rules::MeasureRules {
        self.store.cube().map_or(szjy_model::rules::MeasureRules::builtin(), |cube| &cube.rules)
    }
}

/// What the page lays out besides the screen: the panels' contents, the map's legend,
/// the mode, the wall's seams and ticker, and the alerts' states.
#[derive(SystemParam)]
struct PageInputs<'w> {
    contents: Res<'w, PanelContents>,
    choropleth: Res<'w, Choropleth>,
    settings: Res<'w, Settings>,
    seams: Res<'w, WallSeams>,
    ticker: Option<Res<'w, Ticker>>,
    alert_states: Res<'w, AlertStates>,
    clock: Res<'w, WallClock>,
}

/// What the page leaves for the map and reports it laid out.
#[derive(SystemParam)]
struct PageOutputs<'w> {
    area: ResMut<'w, MapArea>,
    laid_out: ResMut<'w, LaidOut>,
}

fn layout(
    mut contexts: EguiContexts,
    screen: Screen,
    inputs: PageInputs,
    outputs: PageOutputs,
    mut commands: MessageWriter<ViewCommand>,
    mut lifecycle_writer: MessageWriter<LifecycleRequest>,
    mut phone_panel: Local<usize>,
) -> Result {
    let _cost = crate::shared::profile::own_cost("layout");
    let Screen { view, store, scenes, themes } = &screen;
    let PageInputs { contents, choropleth, settings, seams, ticker, alert_states, clock } = inputs;
    let PageOutputs { mut area, mut laid_out } = outputs;
    let ctx = contexts.ctx_mut()?.clone();
    let theme = &themes.all[view.theme];
    let wall = matches!(settings.mode, Mode::Wall(_));
    let (requests, lifecycle) = (RefCell::new(Vec::new()), RefCell::new(Vec::new()));
    let (paging, report) = (Cell::new(pager::Paging::default()), RefCell::new(LaidOut::default()));
    let sizes = theme.sizes(wall);
    let page = ticker.map_or(0, |t| t.page);
    let cx = PanelContext {
        store,
        view,
        theme,
        scenes,
        wall,
        sizes,
        page,
        paging: &paging,
        report: &report,
        requests: &requests,
        alert_states: &alert_states,
        lifecycle: &lifecycle,
    };
    let screen = ctx.content_rect();
    let mut root =
        egui::Ui::new(ctx.clone(), "cockpit".into(), egui::UiBuilder::new().layer_id(egui::LayerId::background()).max_rect(screen));
    if wall && store.status == LoadStatus::Ready {
        let scene = &scenes.0[view.topic];
        let content = WallContent {
            heroes: contents.heroes.len(),
            left: scene.wall.left.iter().map(|p| p.weight).collect(),
            right: scene.wall.right.iter().map(|p| p.weight).collect(),
            caption: contents.caption.len(),
            footnotes: contents.footnotes.len(),
            footnote_height: wall_frame::FOOTNOTE_LINE,
        };
        let mut frame = wall_frame::arrange(screen, &seams.0, &content);
        // A footnote longer than its cell is wide: rows as tall as the longest needs.
        let font = egui::FontId::proportional(cx.sizes.small);
        let needed = frame
            .footnotes
            .iter()
            .zip(&contents.footnotes)
            .map(|(rect, note)| {
                let lines = broken_lines(root.painter(), note, &font, rect.width());
                root.painter().layout_no_wrap(lines, font.clone(), egui::Color32::WHITE).size().y + 6.0
            })
            .fold(wall_frame::FOOTNOTE_LINE, f32::max);
        if needed > content.footnote_height {
            frame = wall_frame::arrange(screen, &seams.0, &WallContent { footnote_height: needed, ..content });
        }
        let page = wall_page::WallPage { frame: &frame, scene, contents: &contents, choropleth: &choropleth, clock: clock.beijing() };
        wall_page::paint(&mut root, &cx, &page);
        area.set_if_neq(MapArea(frame.map));
        *laid_out = report.take();
        commands.write_batch(requests.take());
        return Ok(());
    }

    // A wall waiting for its data shows only why: no tabs, no shortcuts, no pointer.
    if wall && store.status != LoadStatus::Ready {
        loading_screen(&mut root, &cx);
        area.set_if_neq(MapArea(egui::Rect::NOTHING));
        return Ok(());
    }

    let bar = egui::Frame::new()
        .fill(theme.panel.egui())
        .inner_margin(egui::Margin::symmetric(14, 8))
        .stroke(egui::Stroke::new(1.0, theme.panel_border.egui()));
    egui::Panel::top("header").frame(bar).resizable(false).show(&mut root, |ui| header(ui, &cx, &mut commands));

    if store.status != LoadStatus::Ready {
        loading_screen(&mut root, &cx);
        area.set_if_neq(MapArea(egui::Rect::NOTHING));
        return Ok(());
    }

    let scene = &scenes.0[view.topic];
    if view.filters_open && !is_phone(screen, wall) {
        let side = egui::Frame::new()
            .fill(theme.panel.egui())
            .inner_margin(egui::Margin::same(10))
            .stroke(egui::Stroke::new(1.0, theme.panel_border.egui()));
        egui::Panel::left("filters")
            .frame(side)
            .resizable(false)
            .exact_size(FILTER_PANEL_WIDTH)
            .show(&mut root, |ui| filters::filters(ui, &cx, &mut commands));
    }
    let side = egui::Frame::new().fill(theme.background.egui()).inner_margin(egui::Margin::same(8));
    if is_phone(screen, wall) {
        let panels: Vec<(&Panel, Option<&kinds::Content>)> = scene
            .left
            .iter()
            .enumerate()
            .map(|(i, p)| (p, contents.left.get(i)))
            .chain(scene.right.iter().enumerate().map(|(i, p)| (p, contents.right.get(i))))
            .collect();
        egui::Panel::bottom("phone-panel")
            .frame(side)
            .resizable(false)
            .exact_size(screen.height() * PHONE_PANEL_SHARE)
            .show(&mut root, |ui| phone_panel_picker(ui, &cx, &panels, &mut phone_panel));
    } else {
        let column_width = (screen.width() * 0.25).clamp(280.0, 560.0);
        egui::Panel::left("left")
            .frame(side)
            .resizable(false)
            .exact_size(column_width)
            .show(&mut root, |ui| column(ui, &cx, &scene.left, &contents.left));
        egui::Panel::right("right")
            .frame(side)
            .resizable(false)
            .exact_size(column_width)
            .show(&mut root, |ui| column(ui, &cx, &scene.right, &contents.right));
    }

    // Between the columns: breadcrumb on top, legend at the bottom (each as tall as its
    // content), the map in what is left.
    let clear = egui::Frame::new().inner_margin(egui::Margin::symmetric(12, 8));
    egui::Panel::top("breadcrumb")
        .frame(clear)
        .resizable(false)
        .show_separator_line(false)
        .show(&mut root, |ui| breadcrumb(ui, &cx, &mut commands));
    egui::Panel::bottom("legend")
        .frame(clear)
        .resizable(false)
        .show_separator_line(false)
        .show(&mut root, |ui| legend(ui, &cx, &choropleth));
    // Only a real change marks it changed (the page's state snapshot follows it).
    area.set_if_neq(MapArea(root.available_rect_before_wrap()));
    *laid_out = report.take();
    commands.write_batch(requests.take());
    lifecycle_writer.write_batch(lifecycle.take());
    Ok(())
}

/// Sentences of the interpretation a wall shows under the map.
const CAPTION_SENTENCES: usize = 2;

/// A screen narrower than this (points) and taller than wide is a phone held upright.
const PHONE_WIDTH: f32 = 700.0;
/// The share of a phone's height the one panel below the map takes.
const PHONE_PANEL_SHARE: f32 = 0.42;

fn is_phone(screen: egui::Rect, wall: bool) -> bool {
    !wall && screen.width() < PHONE_WIDTH && screen.height() > screen.width()
}

/// A phone: a row of the scene's panel titles, and the chosen panel under it.
fn phone_panel_picker(ui: &mut egui::Ui, cx: &PanelContext, panels: &[(&Panel, Option<&kinds::Content>)], chosen: &mut usize) {
    if panels.is_empty() {
        return;
    }
    // A topic with fewer panels than the last one starts at its first.
    if *chosen >= panels.len() {
        *chosen = 0;
    }
    ui.horizontal_wrapped(|ui| {
        for (i, (panel, _)) in panels.iter().enumerate() {
            if ui.selectable_label(i == *chosen, panel.title(cx.lang())).clicked() {
                *chosen = i;
            }
        }
    });
    ui.add_space(4.0);
    let rect = ui.available_rect_before_wrap();
    let (panel, content) = panels[*chosen];
    panel_frame(ui, cx, panel, content, rect);
    ui.allocate_rect(rect, egui::Sense::hover());
}

/// The analyst's filter panel, left of the scene's columns (points).
const FILTER_PANEL_WIDTH: f32 = 230.0;

/// The width the topic tabs take on one row: their words and each button's padding.
fn tabs_width(ui: &egui::Ui, cx: &PanelContext) -> f32 {
    let font = egui::FontId::proportional(cx.sizes.body * 1.05);
    let spacing = ui.spacing();
    let lang = cx.lang();
    cx.scenes
        .0
        .iter()
        .enumerate()
        .map(|(i, scene)| {
            let words = ui.painter().layout_no_wrap(format!("{} {}", i + 1, scene.title(lang)), font.clone(), egui::Color32::WHITE);
            words.size().x + 2.0 * spacing.button_padding.x + spacing.item_spacing.x
        })
        .sum()
}

fn header(ui: &mut egui::Ui, cx: &PanelContext, commands: &mut MessageWriter<ViewCommand>) {
    let theme = cx.theme;
    let width = ui.available_width();
    let title = egui::RichText::new(text(cx.lang(), "app_title")).size(cx.sizes.heading * 1.15).strong().color(theme.accent.egui());
    if width < PHONE_WIDTH {
        // A phone: the title, the data's state, the controls and the tabs, each a row.
        ui.label(title);
        ui.horizontal_wrapped(|ui| data_state(ui, cx));
        ui.horizontal(|ui| ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| view_controls(ui, cx, commands, false)));
        ui.horizontal_wrapped(|ui| topic_tabs(ui, cx, commands));
        return;
    }
    // The tabs share the title's row only where they fit beside the controls and the
    // data's state (whose width, which the server's 数据更新于 changes, is last frame's:
    // until it is known the tabs take a row of their own).
    let right_id = ui.id().with("header-right");
    let right_width: Option<f32> = ui.ctx().data(|d| d.get_temp(right_id));
    let title_width = ui
        .painter()
        .layout_no_wrap(title.text().to_string(), egui::FontId::proportional(cx.sizes.heading * 1.15), egui::Color32::WHITE)
        .size()
        .x;
    let one_row = right_width.is_some_and(|right| title_width + 18.0 + tabs_width(ui, cx) + 24.0 + right <= width);
    ui.horizontal(|ui| {
        ui.label(title);
        ui.add_space(18.0);
        if one_row {
            topic_tabs(ui, cx, commands);
        }
        let right = ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            data_state(ui, cx);
            view_controls(ui, cx, commands, true);
        });
        ui.ctx().data_mut(|d| d.insert_temp(right_id, right.response.rect.width()));
    });
    if !one_row {
        ui.horizontal_wrapped(|ui| topic_tabs(ui, cx, commands));
    }
}

/// Demo badge, link state and the data's as-of date.
fn data_state(ui: &mut egui::Ui, cx: &PanelContext) {
    let (theme, lang) = (cx.theme, cx.lang());
    let Some(cube) = cx.store.cube() else { return };
    if cube.demo_data {
        badge(ui, text(lang, "demo"), theme.alert_orange.egui(), theme).on_hover_text(text(lang, "demo_hint"));
    }
    link_badge(ui, cx);
    ui.label(egui::RichText::new(format!("{} {}", text(lang, "as_of"), cube.as_of)).color(theme.text_muted.egui()));
}

/// Language, theme, filters (where there is room for the filter panel) and the month,
/// right to left; on a wall only the month.
fn view_controls(ui: &mut egui::Ui, cx: &PanelContext, commands: &mut MessageWriter<ViewCommand>, filters: bool) {
    let lang = cx.lang();
    if cx.wall {
        if cx.store.months.is_some() {
            let month = cx.view.month.label(lang);
            ui.label(egui::RichText::new(month).size(cx.sizes.heading).strong());
        }
        return;
    }
    if ui.button(text(lang, "other_lang")).clicked() {
        commands.write(ViewCommand::ToggleLang);
    }
    if ui.button(text(lang, "theme")).on_hover_text(text(lang, "theme_hint")).clicked() {
        commands.write(ViewCommand::NextTheme);
    }
    // Months and filters exist once a cube is in (not on the loading screen).
    if cx.store.months.is_some() {
        if filters && ui.selectable_label(cx.view.filters_open, text(lang, "filters")).on_hover_text(text(lang, "filters_hint")).clicked() {
            commands.write(ViewCommand::ToggleFilters);
        }
        period_control(ui, cx, commands);
    }
}

/// Following a server: when the data on show was published, and a stale badge while the
/// server cannot be reached (the last good data stays on screen).
fn link_badge(ui: &mut egui::Ui, cx: &PanelContext) {
    let (theme, lang) = (cx.theme, cx.lang());
    let Some(link) = &cx.store.link else { return };
    if let Some(late) = szjy_model::protocol::delay_badge(&link.pulls, lang) {
        let lines: Vec<String> = link.pulls.iter().map(|p| p.describe(lang)).collect();
        badge(ui, &late, theme.alert_orange.egui(), theme).on_hover_text(lines.join("\n"));
    }
    // Shandong's clock, whatever the machine's zone.
    let beijing = crate::shared::clock::beijing();
    let updated = link.version.as_ref().map(|v| v.built_at.with_timezone(&beijing).format("%m-%d %H:%M").to_string()).unwrap_or_default();
    match &link.down_since {
        Some((_, reason)) => {
            badge(ui, &format!("{} · {} {updated}", text(lang, "stale"), text(lang, "updated_at")), theme.alert_red.egui(), theme)
                .on_hover_text(
                    lang.pick(format!("{reason}（{}）", text(lang, "retrying")), format!("{reason} ({})", text(lang, "retrying"))),
                );
        }
        None if link.version.is_some() => {
            let version = link
                .version
                .as_ref()
                .map(|v| format!("{} {} · {}", text(lang, "server_version"), v.version, v.data_version))
                .unwrap_or_default();
            ui.label(egui::RichText::new(format!("{} {updated}", text(lang, "updated_at"))).color(theme.text_muted.egui()))
                .on_hover_text(format!("{}\n{version}", cx.store.origin));
        }
        None => {}
    }
}

fn topic_tabs(ui: &mut egui::Ui, cx: &PanelContext, commands: &mut MessageWriter<ViewCommand>) {
    let lang = cx.lang();
    for (i, scene) in cx.scenes.0.iter().enumerate() {
        let selected = i == cx.view.topic;
        let label = egui::RichText::new(format!("{} {}", i + 1, scene.title(lang))).size(cx.sizes.body * 1.05);
        if ui.selectable_label(selected, label).clicked() {
            commands.write(ViewCommand::Topic(i));
        }
    }
}

pub(crate) fn badge(ui: &mut egui::Ui, label: &str, color: egui::Color32, theme: &Theme) -> egui::Response {
    egui::Frame::new()
        .fill(color)
        .corner_radius(4)
        .inner_margin(egui::Margin::symmetric(8, 2))
        .show(ui, |ui| ui.label(egui::RichText::new(label).strong().color(theme.background.egui())))
        .response
}

fn period_control(ui: &mut egui::Ui, cx: &PanelContext, commands: &mut MessageWriter<ViewCommand>) {
    let lang = cx.lang();
    // Right to left: the last added is leftmost.
    if ui.button("→").on_hover_text(text(lang, "next_month")).clicked() {
        commands.write(ViewCommand::StepMonth(1));
    }
    let month = cx.view.month.label(lang);
    ui.label(egui::RichText::new(month).strong());
    if ui.button("←").on_hover_text(text(lang, "previous_month")).clicked() {
        commands.write(ViewCommand::StepMonth(-1));
    }
    let play = if cx.view.playing { text(lang, "pause") } else { text(lang, "play") };
    if ui.button(play).clicked() {
        commands.write(ViewCommand::TogglePlay);
    }
}

fn breadcrumb(ui: &mut egui::Ui, cx: &PanelContext, commands: &mut MessageWriter<ViewCommand>) {
    let tree = RegionTree::shandong();
    let lang = cx.lang();
    ui.horizontal(|ui| {
        let path = tree.path(cx.view.region);
        for (i, region) in path.iter().enumerate() {
            if i > 0 {
                ui.label(egui::RichText::new(">").color(cx.theme.text_muted.egui()));
            }
            let name = region.name(lang);
            let last = i + 1 == path.len();
            let label = egui::RichText::new(name).size(cx.sizes.heading).strong();
            if last {
                ui.label(label.color(cx.theme.text.egui()));
            } else if ui.link(label).clicked() {
                commands.write(ViewCommand::Select(region.adcode));
            }
        }
        let scene = &cx.scenes.0[cx.view.topic];
        ui.label(egui::RichText::new(format!("· {}", scene.title(lang))).size(cx.sizes.heading).color(cx.theme.text_muted.egui()));
        if let Some(category) = &cx.view.category {
            let label = format!("{}：{}", text(lang, "filters"), crate::shared::figures::category_label(category, lang));
            badge(ui, &label, cx.theme.accent.egui(), cx.theme);
            if !cx.wall && ui.link(egui::RichText::new(text(lang, "clear_filter")).small()).clicked() {
                commands.write(ViewCommand::Category(None));
            }
        }
        if cx.view.region != PROVINCE {
            ui.label(egui::RichText::new(text(lang, "esc_up")).small().color(cx.theme.text_muted.egui()));
        } else {
            ui.label(egui::RichText::new(text(lang, "click_to_drill")).small().color(cx.theme.text_muted.egui()));
        }
    });
}

/// The scene's panels stacked top to bottom, heights by weight.
fn column(ui: &mut egui::Ui, cx: &PanelContext, panels: &[Panel], contents: &[kinds::Content]) {
    let total: f32 = panels.iter().map(|p| p.weight).sum::<f32>().max(f32::EPSILON);
    let gap = 8.0;
    let full = ui.available_rect_before_wrap();
    let usable = full.height() - gap * (panels.len().saturating_sub(1)) as f32;
    let mut top = full.top();
    for (i, panel) in panels.iter().enumerate() {
        let height = usable * panel.weight / total;
        let rect = egui::Rect::from_min_size(egui::pos2(full.left(), top), egui::vec2(full.width(), height));
        panel_frame(ui, cx, panel, contents.get(i), rect);
        top += height + gap;
    }
    ui.allocate_rect(full, egui::Sense::hover());
}

pub(crate) fn panel_frame(ui: &mut egui::Ui, cx: &PanelContext, panel: &Panel, content: Option<&kinds::Content>, rect: egui::Rect) {
    let theme = cx.theme;
    // A panel showing the measure a clicked sentence describes is outlined.
    let lit = cx.view.highlight.as_deref().is_some_and(|m| panel.kind.measures().contains(&m));
    let border = if lit { egui::Stroke::new(2.5, theme.accent.egui()) } else { egui::Stroke::new(1.0, theme.panel_border.egui()) };
    ui.painter().rect(rect, 6, theme.panel.egui(), border, egui::StrokeKind::Inside);
    let inner = rect.shrink2(egui::vec2(12.0, 8.0));
    let mut child = ui.new_child(egui::UiBuilder::new().max_rect(inner).layout(egui::Layout::top_down(egui::Align::LEFT)));
    child.set_clip_rect(inner.intersect(ui.clip_rect()));
    let title = child.label(egui::RichText::new(panel.title(cx.lang())).size(cx.sizes.heading).strong().color(theme.accent.egui())).rect;
    // A list that pages itself says which page in the title's row, or, where a long title
    // leaves no room for it, in a row of its own under the title.
    let widest_paging = pager::Paging { page: 98, pages: 99, items: 999 }.label(cx.lang()).unwrap_or_default();
    let paging_width =
        child.painter().layout_no_wrap(widest_paging, egui::FontId::proportional(cx.sizes.small), theme.text.egui()).size().x;
    // (The desk scrolls its lists: it never pages.)
    let paging_row = if !cx.wall || !panel.kind.lists() || title.right() + 12.0 + paging_width <= inner.right() {
        egui::Rect::from_min_max(egui::pos2(title.right() + 12.0, title.top()), egui::pos2(inner.right(), title.bottom()))
    } else {
        let (row, _) = child.allocate_exact_size(egui::vec2(inner.width().max(0.0), cx.sizes.small * 1.4), egui::Sense::hover());
        row
    };
    child.add_space(4.0);
    cx.paging.set(pager::Paging::default());
    if let Some(content) = content {
        content.show(&mut child, cx);
    }
    let paging = cx.paging.get();
    if let Some(label) = paging.label(cx.lang()) {
        let row = paging_row;
        let mut ui = child.new_child(egui::UiBuilder::new().max_rect(row).layout(egui::Layout::right_to_left(egui::Align::Center)));
        ui.label(egui::RichText::new(label).small().color(theme.text_muted.egui()));
        child.expand_to_include_rect(ui.min_rect());
    }
    let title = panel.title(cx.lang()).to_string();
    cx.report.borrow_mut().panels.push(PanelBox {
        title,
        rect: inner.into(),
        content: child.min_rect().into(),
        pages: paging.pages.max(1),
    });
}

/// The choropleth's legend under the map.
pub(crate) fn legend(ui: &mut egui::Ui, cx: &PanelContext, choropleth: &Choropleth) {
    let (theme, lang) = (cx.theme, cx.lang());
    let Some(def) = szjy_model::catalogue::measure(&choropleth.measure) else { return };
    let period = choropleth.period.map(|p| p.label(lang)).unwrap_or_default();
    let (name, unit) = (def.name(lang), def.unit(lang));
    let name = match &choropleth.category {
        Some(category) => format!("{name} · {}", crate::shared::figures::category_label(category, lang)),
        None => name.to_string(),
    };
    let level = match RegionTree::shandong().get(cx.view.map_focus()).map(|r| r.level) {
        Some(Level::Province) => text(lang, "by_city"),
        _ => text(lang, "by_county"),
    };
    ui.horizontal(|ui| {
        let unit = if unit.is_empty() { String::new() } else { lang.pick(format!("（{unit}）"), format!(" ({unit})")) };
        ui.label(egui::RichText::new(format!("{name}{unit} · {period} · {level}")).strong()).on_hover_text(format!(
            "{}：{}\n{}：{}",
            text(lang, "definition"),
            def.definition(cx.rules(), lang),
            text(lang, "basis"),
            def.basis.describe(lang)
        ));
    });
    ui.horizontal_wrapped(|ui| {
        // The title gives the unit (and a diverging map's centre); the classes give
        // numbers.
        let classes = &choropleth.classes;
        if let Some(note) = classes.centre_note(&choropleth.measure, lang) {
            ui.label(lang.pick(format!("{note}："), format!("{note}:")));
        }
        let swatch = egui::vec2(cx.sizes.body * 1.4, cx.sizes.body);
        for (class, paint) in classes.paints.iter().enumerate() {
            legend_item(ui, cx, swatch, theme.paint(*paint).egui(), classes.label(class, lang));
            ui.add_space(8.0);
        }
        if choropleth.values.values().any(|v| v.value().is_none()) {
            legend_item(ui, cx, swatch, theme.no_data.egui(), text(lang, "no_data_or_hidden").to_string());
        }
    });
}

/// `text` broken into lines of at most `width` points by the Chinese line-breaking rules
/// (`shared::line_break`), for a label that must not wrap again.
pub(crate) fn broken_lines(painter: &egui::Painter, text: &str, font: &egui::FontId, width: f32) -> String {
    // A couple of points spare for kerning, which the glyph widths leave out.
    let width = width - 2.0;
    painter.fonts_mut(|f| crate::shared::line_break::wrap_lines(text, width, &mut |c| f.glyph_width(font, c))).join("\n")
}

/// A label wrapped to the width left by the Chinese line-breaking rules.
pub(crate) fn wrapped_label(ui: &mut egui::Ui, text: &str, size: f32, colour: egui::Color32) -> egui::Response {
    let font = egui::FontId::proportional(size);
    let lines = broken_lines(ui.painter(), text, &font, ui.available_width());
    ui.add(egui::Label::new(egui::RichText::new(lines).size(size).color(colour)).wrap_mode(egui::TextWrapMode::Extend))
}

/// A legend entry: its swatch and words stay together on one line; an entry that does not
/// fit what is left of the row starts the next.
pub(crate) fn legend_item(ui: &mut egui::Ui, cx: &PanelContext, swatch_size: egui::Vec2, color: egui::Color32, label: String) {
    let font = ui.style().text_styles.get(&egui::TextStyle::Body).cloned().unwrap_or_else(|| egui::FontId::proportional(cx.sizes.body));
    let galley = ui.painter().layout_no_wrap(label.clone(), font, cx.theme.text.egui());
    let needed = swatch_size.x + ui.spacing().item_spacing.x + galley.size().x;
    // What is left of this row (a wrapping layout's available width is the whole row's).
    if needed > ui.max_rect().right() - ui.cursor().left() {
        ui.end_row();
    }
    ui.horizontal(|ui| {
        let (swatch, _) = ui.allocate_exact_size(swatch_size, egui::Sense::hover());
        ui.painter().rect_filled(swatch, 2, color);
        ui.add(egui::Label::new(label).wrap_mode(egui::TextWrapMode::Extend));
    });
}

fn loading_screen(root: &mut egui::Ui, cx: &PanelContext) {
    let lang = cx.lang();
    let rect = root.available_rect_before_wrap();
    let mut ui =
        root.new_child(egui::UiBuilder::new().max_rect(rect).layout(egui::Layout::centered_and_justified(egui::Direction::TopDown)));
    let message = match (&cx.store.status, cx.store.link.as_ref().and_then(|l| l.down_since.as_ref())) {
        (LoadStatus::Building, _) => text(lang, "building").to_string(),
        (LoadStatus::Failed(e), _) => format!("{}{}{e}", text(lang, "failed"), lang.pick("：", ": ")),
        (_, Some((_, reason))) => lang.pick(
            format!("{}：{reason}（{}）", text(lang, "failed"), text(lang, "retrying")),
            format!("{}: {reason} ({})", text(lang, "failed"), text(lang, "retrying")),
        ),
        _ => text(lang, "loading").to_string(),
    };
    ui.vertical_centered(|ui| {
        ui.add_space(rect.height() * 0.4);
        // A spinner asks for a frame after frame; the page has its own indicator, and
        // frames drawn there while the cube loads only slow the loading down.
        if !matches!(cx.store.status, LoadStatus::Failed(_)) && !cfg!(target_arch = "wasm32") {
            ui.spinner();
        }
        ui.label(egui::RichText::new(message).size(cx.sizes.heading));
    });
}
