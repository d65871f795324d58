//! 报送情况 (key R): per dated source, its last twelve months, each saying how many of the
//! declared reporting regions sent rows and, past the month's release day, which did not;
//! under a server, each source's latest uploads and pulls with their outcome. The months
//! come from the cube (so a local cube shows them); the batches from the server's
//! `/api/submissions`, asked under the analyst's token.

use std::sync::{Arc, Mutex};

use bevy_egui::egui;
use szjy_model::lang::Lang;
use szjy_model::period::Period;
use szjy_model::submissions::{BatchOutcome, MonthState, SourceSubmissions, Submissions};

use crate::shared::text::text;
use crate::shared::theme::Theme;

/// How many silent regions a cell names on hover before it counts the rest.
const NAMES_ON_HOVER: usize = 12;

/// What the window shows, and what it last asked the server.
#[derive(Default)]
pub struct SubmissionsFeed {
    /// The server's answer (or why there is none), once it came.
    pub answer: Arc<Mutex<Option<Result<Submissions, String>>>>,
    /// The cube version it was asked for: asked again when the cube changes.
    pub asked_for: Option<String>,
    /// The months read from the cube on show, for its version and the day they were
    /// judged on: read again only when either changes, not each frame.
    pub local: Option<(String, chrono::NaiveDate, Submissions)>,
}

/// One month's cell: what it says, its state, and what hover adds.
#[derive(Clone, Debug, PartialEq)]
pub struct MonthCell {
    pub label: String,
    pub state: MonthState,
    pub hover: String,
}

/// A source's row: its name, a cell per column of [`columns`] (none where the source has
/// no such month: release lags differ), its batches newest first.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceRow {
    pub name: String,
    pub cells: Vec<Option<MonthCell>>,
    /// Each batch's line and whether it was refused.
    pub batches: Vec<(String, bool)>,
    pub rejected: usize,
}

/// The months the window's columns show, newest first (as the 数据来源 window lists
/// months: the month being chased is seen without scrolling): every source's, together.
pub fn columns(submissions: &Submissions) -> Vec<Period> {
    let mut months: Vec<Period> = submissions.sources.iter().flat_map(|s| s.months.iter().map(|m| m.month)).collect();
    months.sort_by_key(|m| std::cmp::Reverse(m.month_index()));
    months.dedup();
    months.truncate(szjy_model::submissions::MONTHS_SHOWN);
    months
}

/// The rows of the window, in the declarations' order, their cells under `columns`.
pub fn rows(submissions: &Submissions, columns: &[Period], lang: Lang) -> Vec<SourceRow> {
    submissions.sources.iter().map(|s| row(s, columns, lang)).collect()
}

fn row(source: &SourceSubmissions, columns: &[Period], lang: Lang) -> SourceRow {
    let zh = szjy_model::schema::source(&source.source).map_or(source.source.as_str(), |s| s.zh);
    let cells = columns
        .iter()
        .map(|column| source.months.iter().find(|m| m.month == *column))
        .map(|month| {
            month.map(|m| {
                let state = m.state(source.every_month);
                let label = match state {
                    MonthState::Complete => format!("{}/{}", m.reported, source.reporters),
                    MonthState::Late => lang.pick(format!("缺{}", m.silent.len()), format!("{} late", m.silent.len())),
                    MonthState::Quiet => format!("{}/{}", m.reported, source.reporters),
                };
                let silent = match state {
                    MonthState::Complete => String::new(),
                    MonthState::Late => lang.pick(
                        format!("\n逾期未报：{}", m.silent_names(NAMES_ON_HOVER, lang)),
                        format!("\nLate: {}", m.silent_names(NAMES_ON_HOVER, lang)),
                    ),
                    MonthState::Quiet => lang.pick(
                        format!("\n无记录（本月可能无此类事项）：{}", m.silent_names(NAMES_ON_HOVER, lang)),
                        format!("\nNo records (there may have been none to record): {}", m.silent_names(NAMES_ON_HOVER, lang)),
                    ),
                };
                let hover = lang.pick(
                    format!(
                        "{}：{}个地区中{}个已报送，入库{}条，未通过校验{}条；应报日期{}{silent}",
                        m.month.label(lang),
                        source.reporters,
                        m.reported,
                        m.accepted,
                        m.quarantined,
                        m.due
                    ),
                    format!(
                        "{}: {} of {} regions reported, {} rows accepted, {} quarantined; due {}{silent}",
                        m.month.label(lang),
                        m.reported,
                        source.reporters,
                        m.accepted,
                        m.quarantined,
                        m.due
                    ),
                );
                MonthCell { label, state, hover }
            })
        })
        .collect();
    SourceRow {
        name: lang.pick(format!("{zh} {}", source.source), source.source.clone()),
        cells,
        batches: source.batches.iter().map(|b| (batch_line(b, lang), b.rejected())).collect(),
        rejected: source.batches.iter().filter(|b| b.rejected()).count(),
    }
}

/// "07-20 09:30 报表.xlsx 拒收：缺少列…" / "07-18 16:00 流动.csv 入库238条，未通过校验2条".
pub fn batch_line(b: &BatchOutcome, lang: Lang) -> String {
    let at = b.at.with_timezone(&crate::shared::clock::beijing()).format("%m-%d %H:%M");
    let what = b.file.clone().or_else(|| b.batch.clone()).unwrap_or_else(|| b.action.clone());
    let undone = if b.rolled_back { lang.pick("（已撤回）", " (rolled back)") } else { "" };
    match &b.error {
        Some(error) => lang.pick(format!("{at} {what} 拒收：{error}"), format!("{at} {what} refused: {error}")),
        None => lang.pick(
            format!("{at} {what} 入库{}条，未通过校验{}条{undone}", b.accepted.unwrap_or(0), b.quarantined.unwrap_or(0)),
            format!("{at} {what}: {} accepted, {} quarantined{undone}", b.accepted.unwrap_or(0), b.quarantined.unwrap_or(0)),
        ),
    }
}

/// The window's body: the month grid, then the batches (or why there are none).
pub fn show(ui: &mut egui::Ui, submissions: &Submissions, batches_note: Option<&str>, theme: &Theme, lang: Lang) {
    ui.label(egui::RichText::new(text(lang, "submissions_hint")).small().color(theme.text_muted.egui()));
    let columns = columns(submissions);
    let rows = rows(submissions, &columns, lang);
    egui::ScrollArea::horizontal().id_salt("submissions-grid").show(ui, |ui| {
        egui::Grid::new("submissions").striped(true).show(ui, |ui| {
            ui.strong(text(lang, "source"));
            for month in &columns {
                ui.strong(month.label(lang));
            }
            ui.end_row();
            for row in &rows {
                ui.label(&row.name);
                for cell in &row.cells {
                    let Some(cell) = cell else {
                        ui.label("");
                        continue;
                    };
                    let colour = match cell.state {
                        MonthState::Complete => theme.good.egui(),
                        MonthState::Late => theme.alert_orange.egui(),
                        MonthState::Quiet => theme.text_muted.egui(),
                    };
                    ui.label(egui::RichText::new(&cell.label).color(colour)).on_hover_text(&cell.hover);
                }
                ui.end_row();
            }
        });
    });
    ui.heading(text(lang, "batches"));
    if let Some(note) = batches_note {
        ui.label(egui::RichText::new(note).color(theme.text_muted.egui()));
    }
    for row in rows.iter().filter(|r| !r.batches.is_empty()) {
        let title = if row.rejected > 0 {
            lang.pick(format!("{} · {}批被拒", row.name, row.rejected), format!("{} · {} rejected", row.name, row.rejected))
        } else {
            row.name.clone()
        };
        egui::CollapsingHeader::new(title).id_salt(("batches", &row.name)).default_open(row.rejected > 0).show(ui, |ui| {
            for (line, refused) in &row.batches {
                let colour = if *refused { theme.alert_orange.egui() } else { theme.text.egui() };
                ui.label(egui::RichText::new(line).color(colour));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use szjy_model::region::Level;
    use szjy_model::submissions::MonthSubmissions;

    #[test]
    fn a_late_month_names_who_is_late_and_a_rejected_batch_says_why() {
        let month = |m: u32, silent: Vec<u32>| MonthSubmissions {
            month: Period::month(2025, m),
            due: NaiveDate::from_ymd_opt(2025, m + 1, 15).unwrap(),
            reported: 16 - silent.len(),
            silent,
            accepted: 1200,
            quarantined: 3,
            quarantined_in: Vec::new(),
        };
        let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&chrono::Utc);
        let submissions = Submissions {
            today: NaiveDate::from_ymd_opt(2025, 8, 1).unwrap(),
            sources: vec![SourceSubmissions {
                source: "mobile_flows".into(),
                level: Level::City,
                reporters: 16,
                every_month: true,
                months: vec![month(5, vec![]), month(6, vec![370100, 370200])],
                batches: vec![
                    BatchOutcome {
                        at: at("2025-07-20T01:30:00Z"),
                        action: "ingest".into(),
                        batch: Some("b-000012".into()),
                        file: Some("流动.xlsx".into()),
                        rows_in: None,
                        accepted: None,
                        quarantined: None,
                        error: Some("missing column dest_city".into()),
                        rolled_back: false,
                    },
                    BatchOutcome {
                        at: at("2025-07-18T08:00:00Z"),
                        action: "ingest".into(),
                        batch: Some("b-000011".into()),
                        file: Some("流动6月.csv".into()),
                        rows_in: Some(240),
                        accepted: Some(238),
                        quarantined: Some(2),
                        error: None,
                        rolled_back: true,
                    },
                ],
            }],
        };
        // A second source whose months run on later: the columns hold every month, newest
        // first, and each cell stands under its own month.
        let mut submissions = submissions;
        let mut later = submissions.sources[0].clone();
        later.source = "mobile_population".into();
        later.months = vec![month(6, vec![]), month(7, vec![])];
        later.batches.clear();
        submissions.sources.push(later);
        let columns = columns(&submissions);
        assert_eq!(columns, [Period::month(2025, 7), Period::month(2025, 6), Period::month(2025, 5)]);
        let rows = rows(&submissions, &columns, Lang::Zh);
        assert_eq!(rows[0].name, "移动通信·流动矩阵 mobile_flows");
        let labels = |r: &SourceRow| r.cells.iter().map(|c| c.as_ref().map(|c| c.label.clone())).collect::<Vec<_>>();
        assert_eq!(labels(&rows[0]), [None, Some("缺2".into()), Some("16/16".into())]);
        assert_eq!(labels(&rows[1]), [Some("16/16".into()), Some("16/16".into()), None]);
        let june = rows[0].cells[1].as_ref().unwrap();
        assert_eq!(june.state, MonthState::Late);
        assert!(june.hover.contains("逾期未报：济南市、青岛市"), "{}", june.hover);
        assert_eq!(rows[0].rejected, 1);
        assert_eq!(rows[0].batches[0], ("07-20 09:30 流动.xlsx 拒收：missing column dest_city".to_string(), true));
        assert_eq!(rows[0].batches[1], ("07-18 16:00 流动6月.csv 入库238条，未通过校验2条（已撤回）".to_string(), false));
    }
}
