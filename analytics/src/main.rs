//! `analytics`: generate demo data, ingest and validate sources, build the cube.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use szjy_engine::suppress;
use szjy_engine::{build, generate, ingest};
use szjy_model::catalogue::Topic;
use szjy_model::cube::{Cube, TOTAL};
use szjy_model::interpret;
use szjy_model::lang::Lang;
use szjy_model::period::Period;
use szjy_model::region::{Level, RegionTree, PROVINCE};
use szjy_model::schema;
use szjy_server as serve;

/// 数智就业 employment monitoring: data, models and the cockpit cube.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate the synthetic demo sources (Parquet, hive-partitioned by year).
    Generate {
        /// Approximate total rows across all sources.
        #[arg(long, default_value_t = DEFAULT_SCALE)]
        scale: u64,
        #[arg(long, default_value_t = 20251)]
        seed: u64,
        #[arg(long, default_value = "data/generated")]
        out: PathBuf,
        /// Also write every partition as CSV.
        #[arg(long)]
        csv: bool,
        /// Share of rows made invalid on purpose, to exercise the quarantine.
        #[arg(long, default_value_t = 0.002)]
        dirty_rate: f64,
    },
    /// Validate files of one source; write accepted rows as Parquet and rejects to a
    /// quarantine CSV; print the reconciliation.
    Ingest {
        /// Source name, e.g. employment_registrations.
        #[arg(long)]
        source: String,
        /// CSV (UTF-8 or GBK) or Parquet files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, default_value = "data/ingested")]
        out: PathBuf,
        /// Name the files so in the quarantine and messages (one per file; default: their
        /// paths).
        #[arg(long = "name")]
        names: Vec<String>,
        /// Refuse a Parquet file whose footer declares more rows than this.
        #[arg(long)]
        max_parquet_rows: Option<u64>,
        /// Refuse a Parquet file that declares it decompresses to more bytes than this.
        #[arg(long)]
        max_parquet_unpacked_bytes: Option<u64>,
        /// Print the reconciliation, or the error, as one JSON object (what the data
        /// server reads when it validates an upload in a process of its own).
        #[arg(long)]
        json: bool,
    },
    /// Build the cube from a data folder.
    Build {
        #[arg(long = "in", default_value = "data/generated")]
        input: PathBuf,
        #[arg(long, default_value = "data/cube")]
        out: PathBuf,
        /// Public cube: hide person counts below k.
        #[arg(long, default_value_t = suppress::DEFAULT_K)]
        k: u32,
        /// Stage validated rows on disk rather than in memory (for inputs larger than
        /// memory; slower).
        #[arg(long)]
        stage_on_disk: bool,
        /// Batches that arrived after the data folder: `<batches>/<source>/*` (pulls,
        /// ingested files), read after it in name order; a later row replaces an earlier
        /// one with its identity.
        #[arg(long)]
        batches: Option<PathBuf>,
        /// The early-warning indicators and thresholds (default: the built-in
        /// config/early-warning.ron).
        #[arg(long)]
        warning_config: Option<PathBuf>,
        /// Who delivers each source and when a month is complete, which 数据截至 is earned
        /// from (default: the built-in config/sources.ron).
        #[arg(long)]
        sources_config: Option<PathBuf>,
        /// The numbers in the measures' definitions: windows, targets, thresholds, score
        /// weights (default: the built-in config/measure-rules.ron).
        #[arg(long)]
        rules_config: Option<PathBuf>,
    },
    /// Print a summary of a cube.
    Summary {
        #[arg(long, default_value = "data/cube/cube.public.bin")]
        cube: PathBuf,
    },
    /// Write an Excel template of a source's return (.xlsx): headers, formats, drop-down
    /// lists of the codes and an instructions sheet, for a clerk to fill in.
    Template {
        /// Source name, e.g. unemployment_registrations.
        #[arg(long)]
        source: String,
        /// Headers and instructions in Chinese (zh) or English (en).
        #[arg(long, default_value = "zh", value_parser = ["zh", "en"])]
        lang: String,
        /// Where to write it (default: <source>.xlsx in the current folder).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Pull sources from the provincial platform's database (PostgreSQL protocol): rows past
    /// each source's last watermark, validated like files, kept as a batch with its record
    /// (`<batches>/<source>/pull-….parquet` and `.pull.json`) for `build --batches`.
    Pull {
        /// The pulls' configuration: connection (the password from an environment variable
        /// or a file, never here), tables or queries, column mappings, watermarks
        /// (config/pulls.example.ron documents it).
        #[arg(long, required_unless_present = "rollback")]
        config: Option<PathBuf>,
        /// Sources to pull (default: every configured one).
        #[arg(long = "source")]
        sources: Vec<String>,
        #[arg(long, default_value = "data/batches")]
        batches: PathBuf,
        /// Each pull's quarantined rows go to <reports>/<pull>/quarantine/<source>.csv.
        #[arg(long, default_value = "data/reports")]
        reports: PathBuf,
        /// Read every row again, not only those past the last watermark (the rows read
        /// again replace their first reading).
        #[arg(long)]
        full: bool,
        /// Instead roll back the pull of this name: its rows and record move to
        /// <batches>/rolled-back/, and the next pull reads its range again.
        #[arg(long, conflicts_with_all = ["sources", "full"])]
        rollback: Option<String>,
        /// Print each pull's record, or the error, as one JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Print the source schemas as Markdown (the tables in data/README.md).
    Schemas {
        /// Instead print, per source, the SQL condition that accepted rows meet (JSON; the
        /// benchmark gives DuckDB the same validation).
        #[arg(long, conflicts_with = "measures")]
        sql: bool,
        /// Instead print the measures' 口径 and 口径来源, the rules' parameters and the 口径
        /// change log as Markdown (the measures section of data/README.md).
        #[arg(long)]
        measures: bool,
    },
    /// The main job on the embedded default data: generate (if missing) → build → summary.
    Run {
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// Regenerate even if the data exists.
        #[arg(long)]
        fresh: bool,
    },
    /// Forecast one series (CSV or Parquet): ETS(A,Ad,A) point forecasts with 80 % and
    /// 95 % intervals, and a rolling-origin backtest against the seasonal-naive forecast.
    Forecast {
        /// The series: a CSV or Parquet file, one row per period.
        #[arg(long)]
        data: PathBuf,
        /// The column of values.
        #[arg(long)]
        value: String,
        /// The column of periods: numbers (0, 1, …), months (2025-06), quarters (1978Q1) or
        /// dates, in any row order.
        #[arg(long)]
        period: String,
        /// Periods per season (12 for months).
        #[arg(long, default_value_t = 12)]
        season: usize,
        /// Periods ahead to forecast.
        #[arg(long, default_value_t = 12)]
        horizon: usize,
        /// Rolling origins for the backtest (0: none).
        #[arg(long, default_value_t = 12)]
        backtest: usize,
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Backtest the forecast on every region's monthly series of the measures to be
    /// forecast, per region level: how often it beats the seasonal-naive forecast (MASE)
    /// and how often its 80 % / 95 % intervals hold the actual value.
    Backtest {
        /// A cube (the internal one: the public cube hides small county cells).
        #[arg(long, default_value = "data/cube/cube.internal.bin")]
        cube: PathBuf,
        #[arg(long, default_value_t = 6)]
        horizon: usize,
        #[arg(long, default_value_t = 12)]
        origins: usize,
        /// Also print each series' MASE (and seasonal naive's), MAPE and coverage.
        #[arg(long)]
        per_series: bool,
    },
    /// Policy-effect evaluation on any panel (CSV or Parquet) by difference in
    /// differences: 2×2 without --unit/--period; two-way fixed effects with them and
    /// --post; Callaway & Sant'Anna with --treat-start (staggered adoption), with an event
    /// study and a pre-trend test.
    Evaluate {
        #[arg(long)]
        data: PathBuf,
        /// The outcome column.
        #[arg(long)]
        outcome: String,
        /// The unit column (county, firm, …).
        #[arg(long)]
        unit: Option<String>,
        /// The period column (integers, 2025-06 months, 2025Q2 quarters or dates).
        #[arg(long)]
        period: Option<String>,
        /// The treated-group indicator (0/1, true/false); not needed with --treat-start.
        #[arg(long)]
        treated: Option<String>,
        /// The post-period indicator (0/1, true/false).
        #[arg(long, conflicts_with = "treat_start")]
        post: Option<String>,
        /// Each unit's first treated period, empty if never (staggered adoption).
        #[arg(long)]
        treat_start: Option<String>,
        /// Cluster for the standard errors (default: the unit; rows for the 2×2 form).
        #[arg(long)]
        cluster: Option<String>,
        /// Evaluate ln(outcome): the effect in log points (≈ percent for small effects).
        #[arg(long)]
        log_outcome: bool,
        /// Force a design: 2x2, twfe or staggered.
        #[arg(long, value_parser = parse_design)]
        design: Option<szjy_engine::evaluate::Design>,
        /// JSON (estimate, se, ci_low, ci_high, n, …) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Serve the cube, its updates, batch ingest and the web cockpit over HTTP.
    Serve {
        /// A JSON config (addr, input, data, web, tokens, keep_versions, k, warning_config); `SZJY_*`
        /// variables and these flags override it.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Address to bind (default 127.0.0.1:8080).
        #[arg(long)]
        addr: Option<std::net::SocketAddr>,
        /// The base data (a folder of sources).
        #[arg(long = "in")]
        input: Option<PathBuf>,
        /// The server's folder: versions, batches, reports, audit log.
        #[arg(long)]
        data: Option<PathBuf>,
        /// The web bundle to serve at `/`.
        #[arg(long)]
        web: Option<PathBuf>,
        /// The early-warning configuration (default: the built-in one).
        #[arg(long)]
        warning_config: Option<PathBuf>,
    },
}

const DEFAULT_SCALE: u64 = 1_000_000;
const DEFAULT_SEED: u64 = 20251;

fn bar(label: &str) -> ProgressBar {
    let bar = ProgressBar::new(1);
    bar.set_style(ProgressStyle::with_template("{prefix:>10} [{bar:30}] {pos}/{len} {msg} ({elapsed})").unwrap().progress_chars("=> "));
    bar.set_prefix(label.to_string());
    bar
}

fn progress(bar: &ProgressBar) -> impl Fn(&str, u64, u64) + Sync + '_ {
    move |step, done, total| {
        bar.set_length(total);
        bar.set_position(done);
        bar.set_message(step.to_string());
    }
}

fn run_generate(cfg: &generate::GenerateConfig) -> Result<()> {
    let started = Instant::now();
    let bar = bar("generate");
    let manifest = generate::generate(cfg, &progress(&bar))?;
    bar.finish();
    let rows: u64 = manifest.rows.values().sum();
    let dirty: u64 = manifest.dirty_rows.values().sum();
    println!(
        "generated {rows} rows ({dirty} deliberately invalid) in {} sources under {} in {:.1}s",
        manifest.rows.len(),
        cfg.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn run_build(cfg: &build::BuildConfig) -> Result<build::BuildOutput> {
    let started = Instant::now();
    let bar = bar("build");
    let output = build::build(cfg, &progress(&bar))?;
    bar.finish();
    print_reconciliation(&output.reconciliation);
    println!(
        "cube {}: {} cells ({} public, k = {}), {} alerts, written to {} in {:.1}s",
        output.internal.data_version,
        output.internal.cells.len(),
        output.public.cells.iter().filter(|c| c.value.is_some()).count(),
        cfg.k,
        output.internal.alerts.len(),
        cfg.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(output)
}

/// `analytics ingest`: validates files of one source into `<out>/<source>/part-0.parquet`
/// (the validated form: person keys hashed, which reads back as this source) and
/// `<out>/quarantine/<source>.csv`.
/// How many quarantined rows `analytics ingest --json` reports.
const QUARANTINE_SAMPLE: usize = 20;

fn run_ingest(
    source: &str,
    files: Vec<PathBuf>,
    out: &std::path::Path,
    names: Vec<String>,
    limits: &ingest::ParquetLimits,
) -> Result<ingest::Reconciliation> {
    let schema = schema::source(source).with_context(|| {
        let names: Vec<&str> = schema::SOURCES.iter().map(|s| s.name).collect();
        format!("unknown source {source:?}; one of: {}", names.join(", "))
    })?;
    let files = files.into_iter().map(ingest::InputFile::new).collect::<Result<Vec<_>, _>>()?;
    anyhow::ensure!(names.is_empty() || names.len() == files.len(), "give one --name per file");
    let names: Vec<String> = if names.is_empty() { files.iter().map(|f| f.path.display().to_string()).collect() } else { names };
    for (file, name) in files.iter().zip(&names) {
        if file.kind == ingest::FileKind::Parquet {
            ingest::check_parquet_footer(&file.path, limits).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        }
    }
    let checked = ingest::check(schema, files, &ingest::IngestContext::from_env()?)?;
    let rec = ingest::write_validated(&checked, &names, &out.join(build::QUARANTINE_DIR), &out.join(schema.name).join("part-0.parquet"))?;
    anyhow::ensure!(rec.balances(), "reconciliation does not balance");
    Ok(rec)
}

/// Pulls each source in turn from its last watermark and keeps each pull as a batch. A
/// source that fails is named and the others still pull; the command fails if any did.
fn run_pulls(
    config: &std::path::Path,
    sources: &[String],
    batches: &std::path::Path,
    reports: &std::path::Path,
    full: bool,
    json: bool,
) -> Result<()> {
    let config = szjy_pull::PullConfig::load(config).map_err(anyhow::Error::msg)?;
    let chosen: Vec<&szjy_pull::SourcePull> = if sources.is_empty() {
        config.sources.iter().collect()
    } else {
        sources
            .iter()
            .map(|name| config.source(name).with_context(|| format!("{name} is not configured in the pulls' configuration")))
            .collect::<Result<_>>()?
    };
    let context = ingest::IngestContext::from_env()?;
    szjy_pull::clear_abandoned_work(batches).with_context(|| format!("clearing abandoned pulls in {}", batches.display()))?;
    let mut failed = 0;
    for pull in chosen {
        let started = Instant::now();
        let mut report = |rows: u64| {
            if !json {
                let rate = rows as f64 / started.elapsed().as_secs_f64().max(1e-9);
                eprintln!("{}: {rows} rows streamed ({rate:.0} rows/s)", pull.source);
            }
        };
        match szjy_pull::pull_into_batches(&config, pull, batches, reports, full, &context, &mut report) {
            Ok((name, outcome)) if json => {
                let kept = (outcome.reconciliation.rows_in > 0).then_some(&name);
                println!("{}", serde_json::json!({ "pull": kept, "outcome": outcome }));
            }
            Ok((_, outcome)) if outcome.reconciliation.rows_in == 0 => {
                println!(
                    "{}: nothing past {} {}",
                    outcome.source,
                    outcome.watermark_column,
                    outcome.watermark_from.as_deref().unwrap_or("the start")
                );
            }
            Ok((name, outcome)) => {
                let r = &outcome.reconciliation;
                println!(
                    "{name}: {} from {} ({} {} → {}): {} rows in, {} accepted, {} quarantined; {:.0} rows/s streamed, {:.1} s in all",
                    outcome.source,
                    outcome.table,
                    outcome.watermark_column,
                    outcome.watermark_from.as_deref().unwrap_or("the start"),
                    outcome.watermark_to.as_deref().unwrap_or("(no rows)"),
                    r.rows_in,
                    r.accepted,
                    r.quarantined,
                    outcome.rows_per_s,
                    outcome.seconds
                );
                if outcome.without_watermark > 0 {
                    println!(
                        "  {} rows have no {} and are not read: ask the platform to fill it",
                        outcome.without_watermark, outcome.watermark_column
                    );
                }
            }
            Err(e) => {
                failed += 1;
                if json {
                    println!("{}", serde_json::json!({ "source": pull.source, "error": format!("{e:#}") }));
                } else {
                    eprintln!("error: {e:#}");
                }
            }
        }
    }
    anyhow::ensure!(failed == 0, "{failed} of the pulls failed; the batches folder holds the others");
    Ok(())
}

fn print_reconciliation(rows: &[ingest::Reconciliation]) {
    println!("{:<28} {:>6} {:>12} {:>12} {:>12} {:>12}", "source", "files", "rows in", "accepted", "quarantined", "replaced");
    for r in rows {
        println!("{:<28} {:>6} {:>12} {:>12} {:>12} {:>12}", r.source, r.files, r.rows_in, r.accepted, r.quarantined, r.replaced);
    }
}

fn print_summary(cube: &Cube) {
    let month = cube.latest_month();
    println!("\n数据截至 {} · 版本 {}{}", cube.as_of, cube.data_version, if cube.demo_data { " · 演示数据（合成）" } else { "" });
    let ytd = Period::YearToDate { year: month.year(), month: month.last_month() };
    for (measure, period) in [
        ("new_urban_jobs", ytd),
        ("new_urban_jobs_progress", ytd),
        ("registered_unemployment_rate", month),
        ("demand_supply_ratio", month),
        ("insured_headcount", month),
        ("subsidy_execution_rate", ytd),
    ] {
        let def = szjy_model::catalogue::measure(measure).expect("catalogue measure");
        let value = match cube.get(measure, PROVINCE, period, TOTAL) {
            szjy_model::Lookup::Value(v) => interpret::format_value(measure, v, Lang::Zh),
            szjy_model::Lookup::Suppressed => "（已隐藏）".into(),
            szjy_model::Lookup::Missing => "—".into(),
        };
        println!("  {:<16} {:<16} {}", def.name_zh, period.label_zh(), value);
    }
    let mut by_indicator: std::collections::BTreeMap<(&str, &str), usize> = Default::default();
    for alert in cube.alerts.iter().filter(|a| a.period == month) {
        let name = cube.warning.indicator(&alert.indicator).map_or(alert.indicator.as_str(), |i| i.name_zh.as_str());
        *by_indicator.entry((name, interpret::level_word(alert.level, Lang::Zh))).or_default() += 1;
    }
    let counts: Vec<String> = by_indicator.iter().map(|((name, level), n)| format!("{name}·{level} {n}")).collect();
    println!("  本月预警 {}", counts.join("，"));
    for e in &cube.evaluations {
        println!(
            "  政策评估 {}：对{}的效应 {:+.1}%（95%置信区间 {:+.1}% ~ {:+.1}%，{}个批次）",
            e.policy,
            szjy_model::catalogue::measure(&e.outcome).map_or(e.outcome.as_str(), |m| m.name_zh),
            e.effect_pct,
            e.ci_low_pct,
            e.ci_high_pct,
            e.waves.len()
        );
    }
    println!();
    for topic in [Topic::Overview, Topic::Shortage, Topic::Subsidy, Topic::ServiceZones, Topic::Warning] {
        for line in interpret::interpret(cube, topic, PROVINCE, month, Lang::Zh) {
            println!("  {line}");
        }
    }
}

/// Reads `(period, value)` pairs in period order, naming the file, row and field of any
/// value that is missing or not a number, and of a period that repeats.
fn parse_design(text: &str) -> Result<szjy_engine::evaluate::Design, String> {
    use szjy_engine::evaluate::Design;
    match text {
        "2x2" => Ok(Design::TwoByTwo),
        "twfe" => Ok(Design::Twfe),
        "staggered" => Ok(Design::Staggered),
        other => Err(format!("`{other}`: one of 2x2, twfe, staggered")),
    }
}

fn run_evaluate(path: &std::path::Path, spec: &szjy_engine::panel_file::PanelSpec, json: bool) -> Result<()> {
    let report = szjy_engine::panel_file::evaluate_file(path, spec)?;
    let e = &report.evaluation;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "design": e.headline.design,
                "estimate": e.headline.estimate,
                "se": e.headline.se,
                "ci_low": e.headline.ci_low,
                "ci_high": e.headline.ci_high,
                "n": e.headline.n,
                "clusters": e.headline.clusters,
                "log_outcome": spec.log_outcome,
                "event_study": e.event_study,
                "pre_trend": e.pre_trend,
                "trends": e.trends.iter().map(|t| serde_json::json!({ "period": report.period_labels[t.period], "treated": t.treated, "comparison": t.comparison })).collect::<Vec<_>>(),
            }))?
        );
        return Ok(());
    }
    let h = &e.headline;
    println!(
        "design {}: effect {:.4} (se {:.4}, 95% CI {:.4} … {:.4}), n = {}, clusters = {}",
        serde_json::to_string(&h.design)?.trim_matches('"'),
        h.estimate,
        h.se,
        h.ci_low,
        h.ci_high,
        h.n,
        h.clusters
    );
    if !e.event_study.is_empty() {
        println!("{:>6} {:>10} {:>10} {:>10} {:>10} {:>8}", "event", "estimate", "se", "95% low", "95% high", "cohorts");
        for p in &e.event_study {
            println!("{:>6} {:>10.4} {:>10.4} {:>10.4} {:>10.4} {:>8}", p.event_time, p.estimate, p.se, p.ci_low, p.ci_high, p.cohorts);
        }
    }
    if let Some(pre) = &e.pre_trend {
        println!(
            "pre-trends: Wald {:.2} on {} leads, p = {:.3}{}",
            pre.wald,
            pre.dof,
            pre.p_value,
            if pre.p_value < 0.05 { " (parallel trends doubtful)" } else { "" }
        );
    }
    Ok(())
}

fn run_forecast(
    path: &std::path::Path,
    value: &str,
    period: &str,
    season: usize,
    horizon: usize,
    origins: usize,
    json: bool,
) -> Result<()> {
    use szjy_engine::forecast;
    let series = szjy_engine::panel_file::read_series(path, value, period)?;
    let y = &series.values;
    let fitted = forecast::fit(y, season).with_context(|| path.display().to_string())?;
    let result = fitted.forecast(horizon);
    let label = |h: usize| series.label_ahead(h);
    let backtest = if origins > 0 { forecast::backtest(y, season, horizon, origins)? } else { None };
    if json {
        let rows: Vec<_> = (0..horizon)
            .map(|i| serde_json::json!({ "period": label(i + 1), "point": result.point[i], "lo80": result.lo80[i], "hi80": result.hi80[i], "lo95": result.lo95[i], "hi95": result.hi95[i] }))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "model": fitted.name(), "fitted": fitted, "forecast": rows, "backtest": backtest })
            )?
        );
        return Ok(());
    }
    println!(
        "{} fitted to {} values, season {season}: α={:.3} β={:.3} γ={:.3} φ={:.3}, one-step σ={:.4}{}",
        fitted.name(),
        y.len(),
        fitted.alpha,
        fitted.beta,
        fitted.gamma,
        fitted.phi,
        fitted.sigma2.sqrt(),
        if fitted.scale == forecast::Scale::Log { " (of the logs)" } else { "" }
    );
    println!("{:<10} {:>14} {:>14} {:>14} {:>14} {:>14}", "period", "forecast", "80% low", "80% high", "95% low", "95% high");
    for i in 0..horizon {
        println!(
            "{:<10} {:>14.3} {:>14.3} {:>14.3} {:>14.3} {:>14.3}",
            label(i + 1),
            result.point[i],
            result.lo80[i],
            result.hi80[i],
            result.lo95[i],
            result.hi95[i]
        );
    }
    match backtest {
        Some(b) => println!(
            "backtest ({} origins, {horizon} ahead): MASE {:.3} (seasonal naive {:.3}), MAPE {}, 80% interval covered {:.1}%, 95% {:.1}%",
            b.origins,
            b.mase,
            b.naive_mase,
            b.mape.map_or("— (a value is zero)".into(), |m| format!("{m:.2}%")),
            100.0 * b.coverage80,
            100.0 * b.coverage95
        ),
        None if origins > 0 => println!("backtest: the series is too short for {origins} origins of {horizon} periods"),
        None => {}
    }
    Ok(())
}

fn run_backtest(cube: &Cube, horizon: usize, origins: usize, per_series: bool) -> Result<()> {
    use szjy_engine::forecast;
    use szjy_model::outlook;
    /// One group's tally: series backtested, skipped, beating seasonal naive, the sum of
    /// their 80 % and 95 % coverages and their MASEs.
    #[derive(Default)]
    struct Tally {
        series: usize,
        skipped: usize,
        beat: usize,
        covered80: f64,
        covered95: f64,
        mases: Vec<f64>,
    }
    impl Tally {
        fn add(&mut self, other: &Tally) {
            self.series += other.series;
            self.skipped += other.skipped;
            self.beat += other.beat;
            self.covered80 += other.covered80;
            self.covered95 += other.covered95;
            self.mases.extend(&other.mases);
        }
        fn row(&mut self, measure: &str, level: Level) -> String {
            self.mases.sort_by(f64::total_cmp);
            let n = self.series;
            let share = |k: usize| if n == 0 { "—".to_string() } else { format!("{:.0}%", 100.0 * k as f64 / n as f64) };
            let mean = |sum: f64| if n == 0 { "—".to_string() } else { format!("{:.1}%", 100.0 * sum / n as f64) };
            let median = self.mases.get(self.mases.len() / 2).map_or("—".to_string(), |m| format!("{m:.3}"));
            format!(
                "{measure:<24} {:<8} {n:>7} {:>8} {:>12} {median:>12} {:>9} {:>9}",
                format!("{level:?}"),
                self.skipped,
                share(self.beat),
                mean(self.covered80),
                mean(self.covered95)
            )
        }
    }
    let months = outlook::observed_months(cube);
    let levels = [Level::Province, Level::City, Level::County];
    let mut by_level: Vec<Tally> = levels.iter().map(|_| Tally::default()).collect();
    println!(
        "{:<24} {:<8} {:>7} {:>8} {:>12} {:>12} {:>9} {:>9}",
        "measure", "level", "series", "skipped", "beat naive", "median MASE", "cover 80", "cover 95"
    );
    for measure in outlook::FORECAST_MEASURES {
        for (level, level_tally) in levels.iter().zip(&mut by_level) {
            let mut tally = Tally::default();
            for region in RegionTree::shandong().at_level(*level) {
                // The months since the series' last gap, as the cube's forecasts use.
                let values = szjy_engine::outlook::trailing_series(cube, measure, region.adcode, &months);
                let Some(result) = forecast::backtest(&values, outlook::SEASON, horizon, origins)? else {
                    tally.skipped += 1;
                    continue;
                };
                if per_series {
                    let mape = result.mape.map_or("—".to_string(), |m| format!("{m:.2}%"));
                    println!(
                        "  {measure:<22} {:>6} {:<10} MASE {:.3} (naive {:.3}) MAPE {mape:>7} cover 80 {:>5.1}% 95 {:>5.1}%",
                        region.adcode,
                        region.name_zh,
                        result.mase,
                        result.naive_mase,
                        100.0 * result.coverage80,
                        100.0 * result.coverage95
                    );
                }
                tally.series += 1;
                tally.beat += usize::from(result.mase < result.naive_mase);
                tally.covered80 += result.coverage80;
                tally.covered95 += result.coverage95;
                tally.mases.push(result.mase);
            }
            println!("{}", tally.row(measure, *level));
            level_tally.add(&tally);
        }
    }
    // The targets are per region level, over all the level's series.
    for (level, tally) in levels.iter().zip(&mut by_level) {
        println!("{}", tally.row("all four measures", *level));
    }
    println!("(rolling origins: {origins}, {horizon} months ahead, season 12; targets: beat naive ≥ 70 % of series per level, 80 % intervals cover 70–90 %)");
    Ok(())
}

/// Logs go to standard error, or for a server with a log file configured, to that file
/// rotated by size.
fn init_logging(log: Option<&serve::LogConfig>) -> Result<()> {
    let filter = || tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into());
    match log {
        Some(config) => {
            let file = serve::log::RotatingFile::open(config).with_context(|| format!("opening the log {}", config.path.display()))?;
            tracing_subscriber::fmt().with_env_filter(filter()).with_writer(std::sync::Mutex::new(file)).with_ansi(false).init();
        }
        None => tracing_subscriber::fmt()
            .with_env_filter(filter())
            .with_writer(std::io::stderr)
            // Colour codes only on a terminal, so logs piped to files stay greppable.
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
    }
    Ok(())
}

/// The one-shot commands print to a pipe that may close early (`| head`): the default
/// SIGPIPE action ends the process quietly, as a command line tool does, where Rust's
/// ignored SIGPIPE would make `println!` panic. The server keeps SIGPIPE ignored: a
/// socket or an ingest worker's pipe closing must give it an error, not end it.
fn end_quietly_on_a_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to its default before any thread of ours
    // writes to stdout; no handler runs Rust code.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> Result<()> {
    let command = Cli::parse().command;
    if let Command::Serve { config, addr, input, data, web, warning_config } = command {
        let mut config = serve::ServeConfig::load(config.as_deref())?;
        config.addr = addr.unwrap_or(config.addr);
        config.input = input.unwrap_or(config.input);
        config.data = data.unwrap_or(config.data);
        config.web = web.unwrap_or(config.web);
        config.warning_config = warning_config.or(config.warning_config);
        init_logging(config.log.as_ref())?;
        return serve::run(config);
    }
    init_logging(None)?;
    end_quietly_on_a_closed_pipe();
    match command {
        Command::Generate { scale, seed, out, csv, dirty_rate } => {
            run_generate(&generate::GenerateConfig { scale, seed, out, csv, dirty_rate })?;
        }
        Command::Ingest { source, files, out, names, max_parquet_rows, max_parquet_unpacked_bytes, json } => {
            let limits = ingest::ParquetLimits {
                max_rows: max_parquet_rows.unwrap_or(u64::MAX),
                max_unpacked_bytes: max_parquet_unpacked_bytes.unwrap_or(u64::MAX),
            };
            let result = run_ingest(&source, files, &out, names, &limits);
            if json {
                // One line the server parses; a crash of the reader prints none.
                // The first quarantined rows (row and reason, never contents) for a
                // cockpit that validated a return with it.
                let line = match &result {
                    Ok(rec) => {
                        let quarantine = out.join(build::QUARANTINE_DIR).join(format!("{}.csv", rec.source));
                        let sample: Vec<szjy_model::protocol::QuarantinedRow> = ingest::quarantine_sample(&quarantine, QUARANTINE_SAMPLE)
                            .into_iter()
                            .map(|(row, reason)| szjy_model::protocol::QuarantinedRow { row, reason })
                            .collect();
                        serde_json::json!({ "reconciliation": rec, "quarantine_sample": sample })
                    }
                    Err(e) => serde_json::json!({ "error": format!("{e:#}") }),
                };
                println!("{line}");
                std::process::exit(if result.is_ok() { 0 } else { 2 });
            }
            let rec = result?;
            print_reconciliation(std::slice::from_ref(&rec));
            println!(
                "accepted rows → {}; quarantined rows → {}",
                out.join(schema::source(&source).map_or("", |s| s.name)).display(),
                out.join(build::QUARANTINE_DIR).display()
            );
        }
        Command::Build { input, out, k, stage_on_disk, batches, warning_config, sources_config, rules_config } => {
            let warning = szjy_model::warning::WarningConfig::from_file(warning_config.as_deref())?;
            let reporting = szjy_model::reporting::ReportingConfig::from_file(sources_config.as_deref()).map_err(anyhow::Error::msg)?;
            let rules = szjy_model::rules::MeasureRules::from_file(rules_config.as_deref()).map_err(anyhow::Error::msg)?;
            run_build(&build::BuildConfig { input, out, k, stage_on_disk, batches, warning, today: None, reporting, rules })?;
        }
        Command::Schemas { sql: false, measures: false } => print!("{}", schema::markdown()),
        Command::Schemas { measures: true, .. } => {
            print!("{}", szjy_model::catalogue::markdown(szjy_model::rules::MeasureRules::builtin()))
        }
        Command::Schemas { sql: true, measures: false } => {
            let today = ingest::day_of_ingest()?;
            let accepts: std::collections::BTreeMap<&str, String> =
                schema::SOURCES.iter().map(|s| (s.name, schema::sql_accepts(s, today))).collect();
            let adcodes = |level| RegionTree::shandong().at_level(level).map(|r| r.adcode).collect::<Vec<_>>();
            let tables =
                serde_json::json!({ schema::SQL_COUNTY_TABLE: adcodes(Level::County), schema::SQL_CITY_TABLE: adcodes(Level::City) });
            println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "adcode_tables": tables, "accepts": accepts }))?);
        }
        Command::Template { source, lang, out } => {
            let schema = schema::source(&source).with_context(|| {
                format!("no source named {source} (sources: {})", schema::SOURCES.iter().map(|s| s.name).collect::<Vec<_>>().join(", "))
            })?;
            let lang = if lang == "en" { Lang::En } else { Lang::Zh };
            let out = out.unwrap_or_else(|| PathBuf::from(format!("{}.xlsx", schema.name)));
            szjy_engine::workbook::template(schema, lang, &out).map_err(anyhow::Error::msg)?;
            println!("template for {} written to {}", schema.name, out.display());
        }
        Command::Pull { config, sources, batches, reports, full, rollback, json } => {
            if let Some(name) = rollback {
                let source = szjy_pull::batches::roll_back(&batches, &name).map_err(anyhow::Error::msg)?;
                println!("{name} ({source}) rolled back (if it was the newest pull of {source}, the next pull reads its range again)");
                return Ok(());
            }
            let config = config.context("--config names the pulls' configuration")?;
            run_pulls(&config, &sources, &batches, &reports, full, json)?;
        }
        Command::Serve { .. } => unreachable!("served above"),
        Command::Summary { cube } => print_summary(&Cube::load(&cube)?),
        Command::Evaluate { data, outcome, unit, period, treated, post, treat_start, cluster, log_outcome, design, json } => {
            let spec = szjy_engine::panel_file::PanelSpec {
                outcome: &outcome,
                unit: unit.as_deref(),
                period: period.as_deref(),
                treated: treated.as_deref(),
                post: post.as_deref(),
                treat_start: treat_start.as_deref(),
                cluster: cluster.as_deref(),
                log_outcome,
                design,
            };
            run_evaluate(&data, &spec, json)?
        }
        Command::Backtest { cube, horizon, origins, per_series } => run_backtest(&Cube::load(&cube)?, horizon, origins, per_series)?,
        Command::Forecast { data, value, period, season, horizon, backtest, json } => {
            run_forecast(&data, &value, &period, season, horizon, backtest, json)?
        }
        Command::Run { data, fresh } => {
            let generated = data.join("generated");
            if fresh || !generated.join(generate::MANIFEST).exists() {
                run_generate(&generate::GenerateConfig {
                    scale: DEFAULT_SCALE,
                    seed: DEFAULT_SEED,
                    out: generated.clone(),
                    csv: false,
                    dirty_rate: 0.002,
                })?;
            }
            let output = run_build(&build::BuildConfig::new(generated, data.join("cube")))?;
            print_summary(&output.public);
        }
    }
    Ok(())
}
