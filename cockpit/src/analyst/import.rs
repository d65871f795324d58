//! 导入报表 (desktop, native; in the 数据来源 window): pick a return — a workbook, a CSV or
//! a Parquet file, from a list of the folder's files — and its source, and send it.
//! Following a server, it goes to the ingest route under `--token` (which needs the ingest
//! role) and lands as a batch; with a local cube, `analytics ingest` validates it without
//! adding it to the cube. Either way the result says what was accepted and quarantined,
//! with the first reasons.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bevy_egui::egui;
use szjy_model::lang::Lang;
use szjy_model::protocol::{IngestReport, QuarantinedRow};

use crate::shared::settings::Settings;
use crate::shared::text::text;
use crate::shared::theme::Theme;

/// The file kinds a return may come as (what `analytics ingest` reads).
pub const RETURN_EXTENSIONS: &[&str] = &["xlsx", "xls", "csv", "parquet"];

/// What the form holds between frames.
pub struct ImportForm {
    pub source: String,
    pub path: String,
    /// The folder listed under the path field.
    pub folder: PathBuf,
    pub outcome: Arc<Mutex<Option<ImportOutcome>>>,
    pub busy: Arc<std::sync::atomic::AtomicBool>,
    /// The folder's listing and when it was read: read again when the folder changes or
    /// it is older than [`LISTING_FRESH`], not each frame.
    listed: Option<(PathBuf, std::time::Instant, Vec<PathBuf>, Vec<PathBuf>)>,
}

/// How long a folder's listing is shown before it is read again.
const LISTING_FRESH: std::time::Duration = std::time::Duration::from_secs(2);

impl ImportForm {
    pub fn new(folder: PathBuf) -> Self {
        ImportForm {
            source: szjy_model::schema::SOURCES[0].name.to_string(),
            path: String::new(),
            folder,
            outcome: Arc::default(),
            busy: Arc::default(),
            listed: None,
        }
    }
}

/// How an import ended.
#[derive(Clone, Debug)]
pub enum ImportOutcome {
    /// The server took it as a batch.
    Landed(IngestReport),
    /// `analytics ingest` validated it (a local cube: nothing was added).
    Checked {
        rows_in: u64,
        accepted: u64,
        quarantined: u64,
        replaced: u64,
        sample: Vec<QuarantinedRow>,
    },
    Failed(String),
}

/// The outcome in lines: the counts, then the first reasons.
pub fn outcome_lines(outcome: &ImportOutcome, lang: Lang) -> Vec<String> {
    let counts = |rows_in: u64, accepted: u64, quarantined: u64, replaced: u64| {
        lang.pick(
            format!("读入{rows_in}行：入库{accepted}行，未通过校验{quarantined}行，替换已有{replaced}行"),
            format!("{rows_in} rows read: {accepted} accepted, {quarantined} quarantined, {replaced} replaced earlier rows"),
        )
    };
    let reasons = |sample: &[QuarantinedRow]| {
        sample.iter().map(|r| lang.pick(format!("第{}行：{}", r.row, r.reason), format!("row {}: {}", r.row, r.reason))).collect::<Vec<_>>()
    };
    match outcome {
        ImportOutcome::Landed(report) if report.already_ingested => vec![lang.pick(
            format!("此文件已作为批次{}导入，未重复入库", report.batch),
            format!("These bytes were ingested before as batch {}: nothing was added", report.batch),
        )],
        ImportOutcome::Landed(report) => {
            let mut lines = vec![
                lang.pick(
                    format!("已作为批次{}入库，数据版本{}", report.batch, report.version),
                    format!("Landed as batch {}, cube version {}", report.batch, report.version),
                ),
                counts(report.rows_in, report.accepted, report.quarantined, report.replaced),
            ];
            lines.extend(reasons(&report.quarantine_sample));
            lines
        }
        ImportOutcome::Checked { rows_in, accepted, quarantined, replaced, sample } => {
            let mut lines = vec![text(lang, "import_checked_locally").to_string(), counts(*rows_in, *accepted, *quarantined, *replaced)];
            lines.extend(reasons(sample));
            lines
        }
        ImportOutcome::Failed(why) => vec![lang.pick(format!("未能导入：{why}"), format!("Not imported: {why}"))],
    }
}

/// The folders and the returns in `folder`, each sorted by name (hidden entries left out).
pub fn listing(folder: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let (mut folders, mut files) = (Vec::new(), Vec::new());
    for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.file_name().and_then(|n| n.to_str()).is_none_or(|n| n.starts_with('.')) {
            continue;
        }
        if path.is_dir() {
            folders.push(path);
        } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| RETURN_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str())) {
            files.push(path);
        }
    }
    folders.sort();
    files.sort();
    (folders, files)
}

/// The form: the source, the file (typed, or picked from the folder's list), 导入, and the
/// last outcome.
pub fn show(ui: &mut egui::Ui, form: &mut ImportForm, settings: &Settings, theme: &Theme, lang: Lang) {
    ui.label(egui::RichText::new(text(lang, if settings.server.is_some() { "import_hint_server" } else { "import_hint_local" })).small());
    ui.horizontal(|ui| {
        ui.label(text(lang, "source"));
        let current = szjy_model::schema::source(&form.source).map_or(form.source.clone(), |s| format!("{} {}", s.zh, s.name));
        egui::ComboBox::from_id_salt("import-source").selected_text(current).show_ui(ui, |ui| {
            for schema in szjy_model::schema::SOURCES {
                ui.selectable_value(&mut form.source, schema.name.to_string(), format!("{} {}", schema.zh, schema.name));
            }
        });
    });
    ui.horizontal(|ui| {
        ui.label(text(lang, "import_file"));
        ui.add(egui::TextEdit::singleline(&mut form.path).desired_width(420.0));
        let busy = form.busy.load(std::sync::atomic::Ordering::SeqCst);
        let ready = !busy && Path::new(&form.path).is_file();
        if ui.add_enabled(ready, egui::Button::new(text(lang, "import"))).clicked() {
            start(form, settings);
        }
        if busy {
            ui.spinner();
        }
    });
    // The folder's returns, to pick from (no system dialog: it works the same on every
    // desktop, and under a display server with no portal).
    egui::CollapsingHeader::new(format!("{} {}", text(lang, "import_folder"), form.folder.display())).id_salt("import-folder").show(
        ui,
        |ui| {
            let stale = form.listed.as_ref().is_none_or(|(folder, at, _, _)| *folder != form.folder || at.elapsed() > LISTING_FRESH);
            if stale {
                let (folders, files) = listing(&form.folder);
                form.listed = Some((form.folder.clone(), std::time::Instant::now(), folders, files));
            }
            let (_, _, folders, files) = form.listed.clone().expect("read just above");
            egui::ScrollArea::vertical().id_salt("import-listing").max_height(160.0).show(ui, |ui| {
                if let Some(parent) = form.folder.parent().map(Path::to_path_buf) {
                    if ui.selectable_label(false, "↑ ..").clicked() {
                        form.folder = parent;
                    }
                }
                for folder in folders {
                    let name = folder.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                    if ui.selectable_label(false, format!("{name}/")).clicked() {
                        form.folder = folder;
                    }
                }
                for file in files {
                    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                    let picked = form.path == file.display().to_string();
                    if ui.selectable_label(picked, name).clicked() {
                        form.path = file.display().to_string();
                    }
                }
            });
        },
    );
    if let Some(outcome) = form.outcome.lock().expect("outcome lock").as_ref() {
        let colour = match outcome {
            ImportOutcome::Failed(_) => theme.alert_orange.egui(),
            _ => theme.text.egui(),
        };
        for line in outcome_lines(outcome, lang) {
            ui.label(egui::RichText::new(line).color(colour));
        }
    }
}

/// Sends the picked file: to the server under the token, or to `analytics ingest`.
pub fn start(form: &ImportForm, settings: &Settings) {
    let (outcome, busy) = (form.outcome.clone(), form.busy.clone());
    busy.store(true, std::sync::atomic::Ordering::SeqCst);
    let finish = move |result: ImportOutcome| {
        *outcome.lock().expect("outcome lock") = Some(result);
        busy.store(false, std::sync::atomic::Ordering::SeqCst);
    };
    let path = PathBuf::from(&form.path);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    match (&settings.server, &settings.token) {
        (Some(base), Some(token)) => match std::fs::read(&path) {
            Ok(bytes) => crate::data::remote::post_file(
                base,
                szjy_model::protocol::INGEST_ROUTE,
                &[("source", form.source.as_str()), ("name", name.as_str())],
                token,
                bytes,
                move |answer: Result<IngestReport, String>| finish(answer.map_or_else(ImportOutcome::Failed, ImportOutcome::Landed)),
            ),
            Err(e) => finish(ImportOutcome::Failed(format!("{}: {e}", path.display()))),
        },
        (Some(_), None) => finish(ImportOutcome::Failed(text(Lang::Zh, "import_needs_token").into())),
        (None, _) => {
            let (analytics, source) = (settings.analytics_bin.clone(), form.source.clone());
            let spawned = std::thread::Builder::new()
                .name("cockpit-import".into())
                .spawn(move || finish(check_locally(&analytics, &source, &path, &name)));
            if let Err(e) = spawned {
                bevy::log::error!("the import thread did not start: {e}");
            }
        }
    }
}

/// `analytics ingest --json` on the file, into a scratch folder removed afterwards.
pub fn check_locally(analytics: &Path, source: &str, path: &Path, name: &str) -> ImportOutcome {
    let scratch = std::env::temp_dir().join(format!("szjy-import-{}", std::process::id()));
    let output = std::process::Command::new(analytics)
        .args(["ingest", "--json", "--source", source, "--name", name, "--out"])
        .arg(&scratch)
        .arg(path)
        .output();
    let _ = std::fs::remove_dir_all(&scratch);
    let output = match output {
        Ok(output) => output,
        Err(e) => return ImportOutcome::Failed(format!("{}: {e}", analytics.display())),
    };
    parse_answer(&String::from_utf8_lossy(&output.stdout))
}

/// What `analytics ingest --json` printed, as an outcome.
pub fn parse_answer(stdout: &str) -> ImportOutcome {
    #[derive(serde::Deserialize)]
    struct Counts {
        rows_in: u64,
        accepted: u64,
        quarantined: u64,
        #[serde(default)]
        replaced: u64,
    }
    #[derive(serde::Deserialize)]
    struct Answer {
        reconciliation: Option<Counts>,
        #[serde(default)]
        quarantine_sample: Vec<QuarantinedRow>,
        error: Option<String>,
    }
    let Some(line) = stdout.lines().rev().find(|l| l.trim_start().starts_with('{')) else {
        return ImportOutcome::Failed("analytics ingest printed no answer".into());
    };
    match serde_json::from_str::<Answer>(line) {
        Ok(Answer { reconciliation: Some(c), quarantine_sample, .. }) => ImportOutcome::Checked {
            rows_in: c.rows_in,
            accepted: c.accepted,
            quarantined: c.quarantined,
            replaced: c.replaced,
            sample: quarantine_sample,
        },
        Ok(Answer { error: Some(error), .. }) => ImportOutcome::Failed(error),
        Ok(_) => ImportOutcome::Failed("analytics ingest gave neither counts nor an error".into()),
        Err(e) => ImportOutcome::Failed(format!("analytics ingest: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outcome_says_counts_then_reasons() {
        let answer = r#"{"reconciliation":{"source":"official_series","files":1,"rows_in":7,"accepted":5,"quarantined":2,"replaced":0},"quarantine_sample":[{"row":5,"reason":"发布数.xlsx!官方发布数据!C7: field period: '2025年3-6月' is not a period"}]}"#;
        let outcome = parse_answer(&format!("warning: a log line\n{answer}\n"));
        let lines = outcome_lines(&outcome, Lang::Zh);
        assert_eq!(lines[1], "读入7行：入库5行，未通过校验2行，替换已有0行");
        assert_eq!(lines[2], "第5行：发布数.xlsx!官方发布数据!C7: field period: '2025年3-6月' is not a period");
        let failed = parse_answer(r#"{"error":"报表.xlsx: sheet “就业登记”: its cells reach from A1 to XFD1048576"}"#);
        assert!(matches!(&failed, ImportOutcome::Failed(why) if why.contains("XFD1048576")));
        assert!(matches!(parse_answer(""), ImportOutcome::Failed(_)));
    }

    #[test]
    fn the_listing_shows_folders_and_returns_only() {
        let dir = std::env::temp_dir().join(format!("szjy-import-listing-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("十月")).unwrap();
        for name in ["报表.xlsx", "旧表.XLS", "notes.txt", ".~lock.报表.xlsx#", "b.csv"] {
            std::fs::write(dir.join(name), b"x").unwrap();
        }
        let (folders, files) = listing(&dir);
        let names = |paths: &[PathBuf]| paths.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect::<Vec<_>>();
        assert_eq!(names(&folders), ["十月"]);
        assert_eq!(names(&files), ["b.csv", "报表.xlsx", "旧表.XLS"]);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
