//! `analytics build`: sources → validated frames → model facts → roll-up → the cube
//! (internal and public variants), with quarantine files and a reconciliation.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{Datelike, NaiveDate};
use polars::prelude::*;
use rayon::prelude::*;

use super::coverage::{self, RegionMonthRows};
use super::ingest::{self, Reconciliation, Staging};
use super::models::{self, concat_facts, Sources, DIM, MEASURE, REGION, VALUE, YEAR};
use super::rollup::{self, KIND, LEVEL, NUM};
use crate::suppress;
use szjy_model::alert::{Alert, AlertLevel};
use szjy_model::cube::{Cube, SourceReport, ZoneStatus, TOTAL};
use szjy_model::period::{Period, PeriodKind};
use szjy_model::region::{Level, RegionTree};
use szjy_model::rules::MeasureRules;
use szjy_model::schema::SOURCES;
use szjy_model::warning::{events, WarningConfig};

pub const INTERNAL_CUBE: &str = "cube.internal.bin";
pub const PUBLIC_CUBE_JSON: &str = "cube.public.json";
pub const PUBLIC_CUBE_BIN: &str = "cube.public.bin";
pub const RECONCILIATION: &str = "reconciliation.json";
pub const QUARANTINE_DIR: &str = "quarantine";
pub const STAGING_DIR: &str = "staging";

#[derive(Clone, Debug)]
pub struct BuildConfig {
    pub input: PathBuf,
    pub out: PathBuf,
    /// Suppression threshold of the public cube.
    pub k: u32,
    /// Stage validated rows on disk (under `<out>/staging`, removed afterwards) instead
    /// of in memory, for inputs larger than memory.
    pub stage_on_disk: bool,
    /// Batches that arrived after the base data (`analytics serve`'s ingests):
    /// `<batches>/<source>/*.csv|*.parquet`, validated with the source's other files.
    pub batches: Option<PathBuf>,
    /// The early-warning indicators and thresholds the alerts are evaluated with.
    pub warning: szjy_model::warning::WarningConfig,
    /// Who delivers each source and when a month is complete (`config/sources.ron`).
    pub reporting: szjy_model::reporting::ReportingConfig,
    /// The numbers in the measures' definitions (`config/measure-rules.ron`).
    pub rules: szjy_model::rules::MeasureRules,
    /// The day of ingest, after which no event may be dated; `None`: from
    /// `SZJY_TODAY` or the clock ([`ingest::day_of_ingest`]).
    pub today: Option<NaiveDate>,
}

impl BuildConfig {
    /// A build of `input` into `out` with the defaults: k = [`suppress::DEFAULT_K`], staged
    /// in memory, no batches, the built-in warning and source configurations, the day of
    /// ingest from `SZJY_TODAY` or the clock.
    pub fn new(input: PathBuf, out: PathBuf) -> Self {
        BuildConfig {
            input,
            out,
            k: suppress::DEFAULT_K,
            stage_on_disk: false,
            batches: None,
            warning: Default::default(),
            today: None,
            reporting: Default::default(),
            rules: Default::default(),
        }
    }
}

pub struct BuildOutput {
    pub internal: Cube,
    pub public: Cube,
    pub reconciliation: Vec<Reconciliation>,
}

/// Progress callback: (step, done, total).
pub type Progress<'a> = &'a (dyn Fn(&str, u64, u64) + Sync);

/// The validated sources of a build, kept in memory so that the next build validates
/// again only the source that changed (`analytics serve`'s ingests and rollbacks touch
/// one source) instead of reading, checking and hashing the other thirteen again.
#[derive(Clone, Default)]
pub struct StagedSources {
    /// The day of ingest they were validated with: a source validated on an earlier day
    /// may hold rows quarantined as future-dated then, which are not any more.
    day: Option<NaiveDate>,
    sources: HashMap<&'static str, KeptSource>,
}

#[derive(Clone)]
struct KeptSource {
    staged: ingest::Staged,
    counted: Option<RegionMonthRows>,
    /// Its quarantine file in the build's output, copied into the next build's.
    quarantine: Option<PathBuf>,
}

impl StagedSources {
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }
}

/// What a rebuild may take from the previous build: every source but `changed`.
pub struct Reuse<'a> {
    pub previous: &'a StagedSources,
    pub changed: &'a str,
}

impl Reuse<'_> {
    fn kept(&self, source: &str) -> Option<&KeptSource> {
        (source != self.changed).then(|| self.previous.sources.get(source)).flatten()
    }
}

fn quarantine_file(dir: &Path, source: &str) -> PathBuf {
    dir.join(format!("{source}.csv"))
}

fn scalar_date(df: &DataFrame, column: &str) -> Option<NaiveDate> {
    let c = df.column(column).ok()?.cast(&DataType::Int32).ok()?;
    let days = c.i32().ok()?.get(0)?;
    NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(chrono::Duration::days(days as i64))
}

fn month_grid(first: i64, last: i64) -> PolarsResult<LazyFrame> {
    let years: Vec<i32> = (first..=last).map(|i| i.div_euclid(12) as i32).collect();
    let months: Vec<i32> = (first..=last).map(|i| i.rem_euclid(12) as i32 + 1).collect();
    Ok(df!(YEAR => years, models::MONTH => months)?.lazy())
}

pub fn build(cfg: &BuildConfig, progress: Progress) -> Result<BuildOutput> {
    build_reusing(cfg, progress, None).map(|(output, _)| output)
}

/// [`build`], taking the validated sources `reuse` allows from an earlier build, and
/// returning this build's for the next one (none when staging on disk: those files are
/// removed at the end). The result is the same cube as a full build's.
pub fn build_reusing(cfg: &BuildConfig, progress: Progress, reuse: Option<Reuse>) -> Result<(BuildOutput, StagedSources)> {
    let mut context = ingest::IngestContext::from_env()?;
    context.today = cfg.today.unwrap_or(context.today);
    let steps = Steps::new(progress, SOURCES.len() as u64 + 7);
    let staging_dir = cfg.out.join(STAGING_DIR);
    let Ingested { sources, reconciliation, counted, kept } = ingest_sources(cfg, &context, reuse.as_ref(), &steps)?;
    let window = DataWindow::of(&sources, &counted, cfg, context.today)?;
    let facts = model_facts(&sources, &window, &cfg.rules, steps.started)?;
    steps.tick("model facts");
    let policy_groups = models::policy::growth_by_group(sources.get("policy_rollouts"), facts.facts.clone().lazy(), window.as_of_index)?;
    let rolled =
        rollup::rollup(facts.facts.clone(), &window.window, window.start, window.as_of_index, models::shortage::COUNTY_INPUTS)?.lazy();
    steps.tick("roll-up");
    let mut cube = fill_cube(cfg, &window, &reconciliation, &rolled, policy_groups, &facts, &sources)?;
    steps.tick("ranking and cells");
    cube.warning = cfg.warning.clone();
    cube.rules = cfg.rules.clone();
    cube.reporting = cfg.reporting.clone();
    cube.coverage = coverage::source_months(&counted, &cfg.reporting, window.start as i32, window.as_of_index as i32, context.today);
    let incomplete = szjy_model::completeness::flag_incomplete(&mut cube);
    tracing::debug!(incomplete, "cells over incomplete parts flagged");
    cube.alerts = event_alerts(&cube, &cfg.warning, &cfg.rules, &facts.layoffs)?;
    let warnings = crate::warning::evaluate(&mut cube, RegionTree::shandong());
    tracing::debug!(alerts = ?warnings.alerts, indexed = warnings.indexed, "warnings");
    steps.tick("cube");
    let outlook = crate::outlook::add_forecasts(&mut cube, RegionTree::shandong().all().iter().map(|r| r.adcode));
    tracing::debug!(forecast = outlook.forecast, skipped = outlook.skipped, "forecasts");
    cube.seal();
    steps.tick("forecasts");
    let public = write_cubes(cfg, &cube, &reconciliation, &steps)?;
    drop(sources);
    if staging_dir.exists() {
        std::fs::remove_dir_all(&staging_dir).with_context(|| format!("removing {}", staging_dir.display()))?;
    }
    steps.tick("written");
    Ok((BuildOutput { internal: cube, public, reconciliation }, kept))
}

/// The build's steps: the progress callback and the step log (wall time, CPU time and
/// peak memory after each). Shared by the ingest workers, hence an atomic counter.
struct Steps<'a> {
    progress: Progress<'a>,
    total: u64,
    done: std::sync::atomic::AtomicU64,
    started: std::time::Instant,
}

impl<'a> Steps<'a> {
    fn new(progress: Progress<'a>, total: u64) -> Self {
        Steps { progress, total, done: std::sync::atomic::AtomicU64::new(0), started: std::time::Instant::now() }
    }

    fn tick(&self, name: &str) {
        let done = self.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        (self.progress)(name, done, self.total);
        tracing::info!(
            step = name,
            elapsed_s = self.started.elapsed().as_secs_f64(),
            cpu_s = cpu_seconds(),
            peak_rss_mib = peak_rss_mib(),
            "build step done"
        );
    }
}

/// 1. Ingest: validate, quarantine, reconcile. Sources are independent and one source
///    keeps only about 1.3 of 2 cores busy, so they are staged two at a time. A source the
///    previous build validated today and that has not changed is taken from `reuse`.
fn ingest_sources(cfg: &BuildConfig, context: &ingest::IngestContext, reuse: Option<&Reuse>, steps: &Steps) -> Result<Ingested> {
    let quarantine = cfg.out.join(QUARANTINE_DIR);
    let staging = if cfg.stage_on_disk { Staging::Disk(cfg.out.join(STAGING_DIR)) } else { Staging::Memory };
    let staged = SOURCES
        .par_iter()
        .with_max_len(1)
        .map(|schema| {
            if let Some(kept) =
                reuse.filter(|r| !cfg.stage_on_disk && r.previous.day == Some(context.today)).and_then(|r| r.kept(schema.name))
            {
                if let Some(from) = &kept.quarantine {
                    std::fs::create_dir_all(&quarantine).with_context(|| format!("creating {}", quarantine.display()))?;
                    std::fs::copy(from, quarantine_file(&quarantine, schema.name))
                        .with_context(|| format!("copying {}", from.display()))?;
                }
                steps.tick(schema.name);
                return Ok((schema.name, kept.staged.clone(), kept.counted.clone()));
            }
            let staged = ingest::load(&cfg.input, cfg.batches.as_deref(), schema, context, &quarantine, &staging)?;
            let rec = &staged.reconciliation;
            anyhow::ensure!(
                rec.balances(),
                "{}: rows in {} ≠ accepted {} + quarantined {} + replaced {}",
                rec.source,
                rec.rows_in,
                rec.accepted,
                rec.quarantined,
                rec.replaced
            );
            tracing::info!(source = schema.name, rows_in = rec.rows_in, accepted = rec.accepted, quarantined = rec.quarantined, "ingested");
            // Counted here, while the other worker validates, rather than in a later pass.
            let counting = std::time::Instant::now();
            let counted = coverage::count(schema, &staged.accepted, &quarantine_file(&quarantine, schema.name))?;
            tracing::debug!(source = schema.name, seconds = counting.elapsed().as_secs_f64(), "counted by region and month");
            steps.tick(schema.name);
            Ok((schema.name, staged, counted))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut reconciliation = Vec::new();
    let mut frames = HashMap::new();
    let mut counts = HashMap::new();
    let mut kept = StagedSources { day: Some(context.today), sources: HashMap::new() };
    for (name, staged, counted) in staged {
        if !cfg.stage_on_disk {
            let file = quarantine_file(&quarantine, name);
            let quarantine = file.exists().then_some(file);
            kept.sources.insert(name, KeptSource { staged: staged.clone(), counted: counted.clone(), quarantine });
        }
        reconciliation.push(staged.reconciliation);
        frames.insert(name, staged.accepted);
        if let Some(counted) = counted {
            counts.insert(name, counted);
        }
    }
    Ok(Ingested { sources: Sources::new(frames), reconciliation, counted: counts, kept })
}

/// What ingest leaves for the rest of the build.
struct Ingested {
    sources: Sources,
    reconciliation: Vec<Reconciliation>,
    /// Rows by region and month of each declared, dated source.
    counted: HashMap<&'static str, RegionMonthRows>,
    kept: StagedSources,
}

/// 2. The window: from the first month of employment registrations to the month
///    数据截至 has earned: the last one complete by the sources' declarations
///    (`config/sources.ron`), not the largest date seen.
struct DataWindow {
    as_of: NaiveDate,
    /// Month indexes of the window's first month and of 数据截至.
    start: i64,
    as_of_index: i64,
    /// Every month from the earliest unemployment spell (for stocks), and of the window.
    history: LazyFrame,
    window: LazyFrame,
}

impl DataWindow {
    fn of(sources: &Sources, counted: &HashMap<&str, RegionMonthRows>, cfg: &BuildConfig, today: NaiveDate) -> Result<DataWindow> {
        let bounds = sources
            .get("employment_registrations")
            .select([col("date").min().alias("first")])
            .collect()
            .map_err(anyhow::Error::from)
            .context("finding the data window")?;
        let first = scalar_date(&bounds, "first").context("employment_registrations has no valid rows")?;
        let months = coverage::months_with_data(counted, &cfg.reporting);
        let (year, month) =
            szjy_model::reporting::earned_month(&cfg.reporting, &months, today).map_err(anyhow::Error::msg).context("earning 数据截至")?;
        let as_of = szjy_model::reporting::release_day(year, month, 0);
        let start = Period::month(first.year(), first.month()).month_index() as i64;
        let as_of_index = Period::month(as_of.year(), as_of.month()).month_index() as i64;
        let earliest_spell = sources.get("unemployment_registrations").select([col("start_date").min().alias("first")]).collect()?;
        let grid_start = scalar_date(&earliest_spell, "first")
            .map(|d| Period::month(d.year(), d.month()).month_index() as i64)
            .unwrap_or(start)
            .min(start);
        Ok(DataWindow { as_of, start, as_of_index, history: month_grid(grid_start, as_of_index)?, window: month_grid(start, as_of_index)? })
    }
}

/// What the models produced: every model's facts, the zones' standings and the layoffs
/// (the alert list reads them).
struct ModelFacts {
    facts: DataFrame,
    zone_status: DataFrame,
    layoffs: DataFrame,
}

/// 3. Models → facts. Zone usage feeds the zone facts and standings, layoffs the facts
///    and the alert list: each collected once.
fn model_facts(sources: &Sources, window: &DataWindow, rules: &MeasureRules, started: std::time::Instant) -> Result<ModelFacts> {
    let [zone_usage, layoffs]: [DataFrame; 2] = ingest::collect_all([
        models::zones::usage_by_month(sources),
        models::enterprise::layoffs(models::enterprise::contributions(sources), &rules.layoffs)?,
    ])?
    .try_into()
    .expect("two frames");
    let zone_usage = zone_usage.lazy();
    let zone_status = models::zones::status(sources, &zone_usage, window.as_of_index, &rules.service_zones)?
        .collect_with_engine(Engine::Streaming)?
        .unwrap_single();
    tracing::debug!(elapsed_s = started.elapsed().as_secs_f64(), "zone usage, standings and layoffs done");
    let models = [
        ("supply and demand", models::supply_demand::facts(sources)?),
        ("employment", models::employment::facts(sources, &window.history, &rules.long_term_unemployment)?),
        ("enterprise", models::enterprise::facts(sources, layoffs.clone().lazy())?),
        ("subsidies", models::subsidy::facts(sources, &rules.duplicate_payments)?),
        ("zones", models::zones::facts(sources, &window.window, &zone_usage, &zone_status.clone().lazy())?),
        ("macro and mobile", models::macro_mobile::facts(sources)?),
    ];
    // The person-level work runs on the streaming engine, so sources larger than memory
    // pass through in batches, one model at a time: the peak memory is that of the
    // largest model (its group-by and dedupe state), not of all of them at once. Within a
    // model, its measures share their scans and intermediate frames.
    let mut facts = Vec::new();
    for (model, frames) in models {
        let model_started = std::time::Instant::now();
        let collected = concat_facts(frames)?
            .collect_with_engine(Engine::Streaming)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("running the {model} model"))?
            .unwrap_single();
        tracing::debug!(
            model,
            facts = collected.height(),
            seconds = model_started.elapsed().as_secs_f64(),
            peak_rss_mib = peak_rss_mib(),
            "model done"
        );
        facts.push(collected.lazy());
    }
    let facts = concat_facts(facts)?;
    let facts = concat_facts(vec![facts.clone(), labour_force(facts)])?.collect()?;
    Ok(ModelFacts { facts, zone_status, layoffs })
}

/// The registered-unemployment rate's denominator: insured employed + registered
/// unemployed.
fn labour_force(facts: LazyFrame) -> LazyFrame {
    facts
        .filter(
            col(MEASURE)
                .is_in(lit(Series::new("parts".into(), ["insured_headcount", "registered_unemployed"])).implode(false), false)
                .and(col(DIM).eq(lit(""))),
        )
        .group_by([col(REGION), col(YEAR), col(models::MONTH)])
        .agg([models::exact_sum(col(VALUE))])
        .select([lit("labour_force_registered").alias(MEASURE), col(REGION), col(YEAR), col(models::MONTH), lit("").alias(DIM), col(VALUE)])
}

/// 4. The cube: the rolled-up cells, the shortage ranking, the zones' standings and the
///    policy evaluation. The shortage ranking and the policy groups run while the rolled-up
///    cells fill the cube.
fn fill_cube(
    cfg: &BuildConfig,
    window: &DataWindow,
    reconciliation: &[Reconciliation],
    rolled: &LazyFrame,
    policy_groups: LazyFrame,
    facts: &ModelFacts,
    sources: &Sources,
) -> Result<Cube> {
    let mut cube = Cube::new(window.as_of, cfg.input.join(super::generate::MANIFEST).exists());
    cube.sources = reconciliation
        .iter()
        .map(|r| SourceReport {
            source: r.source.clone(),
            rows_in: r.rows_in,
            accepted: r.accepted,
            quarantined: r.quarantined,
            replaced: r.replaced,
        })
        .collect();
    // Breakdowns are published for the province and cities only.
    let published = |lf: LazyFrame| lf.filter(col(LEVEL).neq(lit("county")).or(col(DIM).eq(lit(""))));
    let (shortage, policy_groups) = std::thread::scope(|scope| -> Result<(DataFrame, DataFrame)> {
        let ranking = scope.spawn(|| -> Result<(DataFrame, DataFrame)> {
            let shortage = published(models::shortage::cells(rolled, &cfg.rules.shortage_score)?);
            let [shortage, policy_groups]: [DataFrame; 2] = ingest::collect_all([shortage, policy_groups])
                .map_err(anyhow::Error::from)
                .context("running the models")?
                .try_into()
                .expect("two frames");
            Ok((shortage, policy_groups))
        });
        push_cells(&mut cube, &published(rolled.clone()).collect()?)?;
        ranking.join().expect("ranking thread")
    })?;
    push_cells(&mut cube, &shortage)?;
    let official = models::official::add_to_cube(&mut cube, sources.get("official_series"))?;
    tracing::debug!(official, "official cells");
    // The cube's bytes must not depend on Polars' row order.
    let duplicates = cube.canonicalize();
    anyhow::ensure!(duplicates == 0, "the models produced {duplicates} cells twice");
    cube.zones = zone_rows(&facts.zone_status, cfg.rules.service_zones.functions)?;
    let mut evaluations = models::policy::evaluations(&policy_groups)?;
    let rollouts = anyhow::Context::context(sources.get("policy_rollouts").collect(), "reading the policy roll-outs")?;
    models::policy::add_event_studies(&mut evaluations, &rollouts, &cube)?;
    for e in evaluations.iter_mut() {
        let event_study = e.event_study.iter_mut().flat_map(|p| [&mut p.effect_pct, &mut p.ci_low_pct, &mut p.ci_high_pct]);
        let trends = e.trends.iter_mut().flat_map(|t| [&mut t.treated, &mut t.comparison]).flatten();
        for x in [&mut e.effect_pct, &mut e.ci_low_pct, &mut e.ci_high_pct]
            .into_iter()
            .chain(e.waves.iter_mut().map(|w| &mut w.effect_pct))
            .chain(event_study)
            .chain(trends)
        {
            *x = stable(*x);
        }
        e.pre_trend_p = e.pre_trend_p.map(stable);
    }
    cube.evaluations = evaluations;
    Ok(cube)
}

/// Writes the internal cube, suppresses (while it is written), writes the public cube's
/// two forms side by side and the reconciliation.
fn write_cubes(cfg: &BuildConfig, cube: &Cube, reconciliation: &[Reconciliation], steps: &Steps) -> Result<Cube> {
    std::fs::create_dir_all(&cfg.out).with_context(|| format!("creating {}", cfg.out.display()))?;
    let public = std::thread::scope(|scope| -> Result<Cube> {
        let internal = scope.spawn(|| cube.save(&cfg.out.join(INTERNAL_CUBE)));
        let public = suppress::public_cube(cube, cfg.k, RegionTree::shandong());
        internal.join().expect("writer thread")?;
        Ok(public)
    })?;
    steps.tick("suppression");
    std::thread::scope(|scope| -> Result<()> {
        let json = scope.spawn(|| public.save(&cfg.out.join(PUBLIC_CUBE_JSON)));
        public.save(&cfg.out.join(PUBLIC_CUBE_BIN))?;
        json.join().expect("writer thread")?;
        Ok(())
    })?;
    szjy_model::cube::write_atomically(&cfg.out.join(RECONCILIATION), &serde_json::to_vec_pretty(reconciliation)?)?;
    Ok(public)
}

/// The process's peak resident memory so far (Linux; `None` elsewhere), for the step log.
fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: u64 = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib / 1024)
}

/// CPU time (user + system) the process has used so far (Linux; `None` elsewhere): beside
/// the wall time it shows how well a step uses the cores.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn str_col<'a>(df: &'a DataFrame, name: &str) -> Result<&'a StringChunked> {
    Ok(df.column(name)?.str()?)
}

fn i64_col(df: &DataFrame, name: &str) -> Result<Int64Chunked> {
    Ok(df.column(name)?.cast(&DataType::Int64)?.i64()?.clone())
}

fn f64_col(df: &DataFrame, name: &str) -> Result<Float64Chunked> {
    Ok(df.column(name)?.cast(&DataType::Float64)?.f64()?.clone())
}

/// Appends cells from `measure | region | kind | year | num | dim | value` rows; the cube
/// is canonicalized afterwards.
fn push_cells(cube: &mut Cube, df: &DataFrame) -> Result<()> {
    let (measure, kind, dim) = (str_col(df, MEASURE)?, str_col(df, KIND)?, str_col(df, DIM)?);
    let (region, year, num, value) = (i64_col(df, REGION)?, i64_col(df, YEAR)?, i64_col(df, NUM)?, f64_col(df, VALUE)?);
    let rows = measure.iter().zip(kind.iter()).zip(dim.iter()).zip(region.iter()).zip(year.iter()).zip(num.iter()).zip(value.iter());
    for ((((((m, k), d), r), y), n), v) in rows {
        let (Some(m), Some(k), Some(d), Some(r), Some(y), Some(n), Some(v)) = (m, k, d, r, y, n, v) else { continue };
        if !v.is_finite() {
            continue;
        }
        let (y, n) = (y as i32, n as u32);
        let period = match k {
            "M" => Period::Month { year: y, month: n },
            "Q" => Period::Quarter { year: y, quarter: n },
            "Y" => Period::Year { year: y },
            _ => Period::YearToDate { year: y, month: n },
        };
        // Parallel sums add in varying order; rounding far below any displayed precision
        // makes the cube (and its content hash) the same on every run.
        cube.push(m, r as u32, period, d, stable(v), 0);
    }
    Ok(())
}

/// A value rounded to 1e-6 (and −0 made 0), so floating-point summation order leaves
/// no trace.
pub fn stable(v: f64) -> f64 {
    let r = (v * 1e6).round() / 1e6;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

fn zone_rows(df: &DataFrame, functions_target: u32) -> Result<Vec<ZoneStatus>> {
    let (id, name, kind) = (str_col(df, "zone_id")?, str_col(df, "name")?, str_col(df, "kind")?);
    let (county, year) = (i64_col(df, "county")?, i64_col(df, YEAR)?);
    let (evaluated, share) = (df.column("evaluated")?.bool()?.clone(), df.column("share_of_year")?.f64()?.clone());
    let (services, services_target) = (i64_col(df, "services")?, i64_col(df, "services_target")?);
    let (records, records_target, functions) =
        (i64_col(df, "valid_records")?, i64_col(df, "records_target")?, i64_col(df, "functions_used")?);
    let on_target = df.column("on_target")?.bool()?.clone();
    Ok((0..df.height())
        .map(|i| ZoneStatus {
            zone_id: id.get(i).unwrap_or_default().to_string(),
            name: name.get(i).unwrap_or_default().to_string(),
            kind: kind.get(i).unwrap_or_default().to_string(),
            county: county.get(i).unwrap_or_default() as u32,
            year: year.get(i).unwrap_or_default() as i32,
            evaluated: evaluated.get(i).unwrap_or(false),
            share_of_year: stable(share.get(i).unwrap_or_default()),
            services: services.get(i).unwrap_or_default() as u64,
            services_target: services_target.get(i).unwrap_or_default() as u64,
            valid_records: records.get(i).unwrap_or_default() as u64,
            records_target: records_target.get(i).unwrap_or_default() as u64,
            functions_used: functions.get(i).unwrap_or_default() as u32,
            functions_target,
            on_target: on_target.get(i).unwrap_or(false),
        })
        .collect())
}

/// The events the models raise, each at the level its configured thresholds give: layoff
/// reports (an employer's cut, at least yellow, as every one met the reporting rule),
/// suspect subsidy payments in a county and month, and zones behind their yearly
/// targets. The configured indicators are evaluated on the cube afterwards
/// ([`szjy_model::warning::evaluate`]).
fn event_alerts(cube: &Cube, config: &WarningConfig, rules: &MeasureRules, layoffs: &DataFrame) -> Result<Vec<Alert>> {
    let trigger =
        |id: &str| config.indicator(id).map(|i| &i.trigger).with_context(|| format!("the warning configuration has no event {id:?}"));
    let mut alerts = Vec::new();
    let (employer, region, year, month, cut, previous) = (
        str_col(layoffs, "employer_id")?,
        i64_col(layoffs, REGION)?,
        i64_col(layoffs, YEAR)?,
        i64_col(layoffs, models::MONTH)?,
        i64_col(layoffs, "cut")?,
        i64_col(layoffs, "previous")?,
    );
    let layoff = trigger(events::LAYOFF_REPORT)?;
    for i in 0..layoffs.height() {
        let (Some(c), Some(p)) = (cut.get(i), previous.get(i)) else { continue };
        // Under the yellow threshold the employer still met the counted reporting rule.
        let (level, threshold) =
            layoff.level(c as f64).unwrap_or((AlertLevel::Yellow, f64::from(rules.layoffs.threshold(p.max(0) as u32))));
        let period = Period::month(year.get(i).unwrap_or_default() as i32, month.get(i).unwrap_or_default() as u32);
        // Months after 数据截至 are not reported yet.
        if period.month_index() > cube.latest_month().month_index() {
            continue;
        }
        alerts.push(Alert {
            indicator: events::LAYOFF_REPORT.to_string(),
            level,
            region: region.get(i).unwrap_or_default() as u32,
            period,
            since: period,
            subject: employer.get(i).map(str::to_string),
            value: c as f64,
            threshold,
        });
    }
    let tree = RegionTree::shandong();
    let payments =
        [("subsidy_duplicate_payments", events::DUPLICATE_PAYMENTS), ("subsidy_unregistered_payments", events::UNREGISTERED_PAYMENTS)];
    for (measure, event) in payments {
        let trigger = trigger(event)?;
        for cell in
            cube.cells.iter().filter(|c| cube.measure_id(c) == measure && cube.dim_key(c) == TOTAL && c.period.kind() == PeriodKind::Month)
        {
            let is_county = tree.get(cell.region).is_some_and(|r| r.level == Level::County);
            if let (true, Some((level, threshold))) = (is_county, cell.value.and_then(|n| trigger.level(n))) {
                let (region, period) = (cell.region, cell.period);
                alerts.push(Alert {
                    indicator: event.to_string(),
                    level,
                    region,
                    period,
                    since: period,
                    subject: None,
                    value: cell.value.unwrap_or_default(),
                    threshold,
                });
            }
        }
    }
    let latest = cube.latest_month();
    let zone = trigger(events::ZONE_BEHIND_TARGET)?;
    for z in cube.zones.iter().filter(|z| z.year == latest.year() && !z.on_target && z.services_target > 0) {
        // Services against the target the year is held to (pro-rated while it runs).
        let pace = z.services as f64 / z.services_target as f64 * 100.0;
        let (level, threshold) = zone.level(pace).unwrap_or((AlertLevel::Yellow, zone.thresholds().yellow));
        alerts.push(Alert {
            indicator: events::ZONE_BEHIND_TARGET.to_string(),
            level,
            region: z.county,
            period: latest,
            since: latest,
            subject: Some(z.zone_id.clone()),
            value: (pace * 10.0).round() / 10.0,
            threshold,
        });
    }
    Ok(alerts)
}
