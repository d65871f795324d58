//! The cube: one aggregated snapshot, region × period × measure (× dimension), that every
//! view reads. Polars-free so the cockpit (native and wasm) can use it.

use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::alert::Alert;
use crate::catalogue::{self, MeasureDef};
use crate::period::{Period, PeriodKind};
use crate::region::{Adcode, RegionTree};
use crate::reporting::ReportingConfig;
use crate::rules::MeasureRules;
use crate::warning::WarningConfig;

/// Bump when the serialized layout changes; readers refuse other versions.
/// 2: policy evaluations carry an event study and group trends.
/// 3: alerts have levels (黄/橙/红), an indicator id and a start month; the cube carries
///    its warning configuration.
/// 4: source reports count the rows a later file replaced (`SourceReport::replaced`).
/// 5: the cube carries the measure rules it was built with (`rules`, the numbers in every
///    口径) and its source declarations (`reporting`); zones are evaluated or in progress
///    (`ZoneStatus::evaluated`); cells computed over incomplete parts are flagged
///    `INCOMPLETE`, with each source's months in `coverage`.
/// 6: a source month's incomplete regions are those past the quarantine tolerance, at any
///    level (`SourceMonth::quarantined_in`), with the unreadable rows counted apart.
/// 7: official cells (`flags::OFFICIAL`) with their citations (`Cube::citations`); a
///    source month lists its silent reporting regions (`SourceMonth::silent`).
pub const FORMAT_VERSION: u32 = 7;

/// Cell flags (bit set).
pub mod flags {
    /// Hidden because it counts fewer than k persons.
    pub const SUPPRESSED_PRIMARY: u8 = 1;
    /// Hidden so that a primary-suppressed cell cannot be recovered by subtraction.
    pub const SUPPRESSED_COMPLEMENTARY: u8 = 2;
    /// Hidden because the person count it is computed from is hidden.
    pub const SUPPRESSED_DERIVED: u8 = 4;
    /// A model estimate (forecast), not an observation.
    pub const ESTIMATED: u8 = 8;
    /// Computed over incomplete parts: a reporting region within it has rows missing or
    /// quarantined in a month it covers (`completeness::gaps` says which).
    pub const INCOMPLETE: u8 = 16;
    /// A figure an official body published, entered as published (a `Published` measure);
    /// its citation is in [`super::Cube::citations`].
    pub const OFFICIAL: u8 = 32;
    pub const ANY_SUPPRESSED: u8 = SUPPRESSED_PRIMARY | SUPPRESSED_COMPLEMENTARY | SUPPRESSED_DERIVED;
}

/// The dimension key of a total (no breakdown).
pub const TOTAL: &str = "";

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "CellRepr", into = "CellRepr")]
pub struct Cell {
    /// Index into [`Cube::measures`].
    pub measure: u16,
    pub region: Adcode,
    pub period: Period,
    /// Index into [`Cube::dims`]; 0 is the total.
    pub dim: u32,
    /// `None` when suppressed.
    pub value: Option<f64>,
    pub flags: u8,
}

/// Compact serialized form: `[measure, region, period, dim, value, flags]`.
#[derive(Serialize, Deserialize)]
struct CellRepr(u16, Adcode, Period, u32, Option<f64>, u8);

impl From<CellRepr> for Cell {
    fn from(r: CellRepr) -> Self {
        Cell { measure: r.0, region: r.1, period: r.2, dim: r.3, value: r.4, flags: r.5 }
    }
}
impl From<Cell> for CellRepr {
    fn from(c: Cell) -> Self {
        CellRepr(c.measure, c.region, c.period, c.dim, c.value, c.flags)
    }
}

impl Cell {
    pub fn is_suppressed(&self) -> bool {
        self.flags & flags::ANY_SUPPRESSED != 0
    }

    /// Whether the cell is of the data's own months: neither a forecast nor a published
    /// figure (whose months may lie outside the data's).
    pub fn is_observed(&self) -> bool {
        self.flags & (flags::ESTIMATED | flags::OFFICIAL) == 0
    }
}

/// Which audience a cube is for. (Externally tagged: the binary form cannot read
/// self-describing tags.)
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Variant {
    /// Unsuppressed aggregates for authorised analysts (still no person-level rows).
    Internal,
    /// Person counts below `k` and everything that would reveal them are hidden.
    Public { k: u32 },
}

/// Per-source ingest reconciliation: rows in = accepted + quarantined.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceReport {
    pub source: String,
    pub rows_in: u64,
    pub accepted: u64,
    pub quarantined: u64,
    /// Rows a later file or batch replaced (the same row identity): rows in = accepted +
    /// quarantined + replaced.
    pub replaced: u64,
}

/// One dated source's rows in one month: how many were accepted and quarantined, and the
/// regions whose figures that month are incomplete.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceMonth {
    pub source: String,
    pub month: Period,
    pub accepted: u64,
    pub quarantined: u64,
    /// Quarantined rows whose region could not be read (counted at the province).
    pub unreadable: u64,
    /// Declared reporting regions without a row, for a source that every region reports
    /// every month (`reporting::Declaration::every_month`).
    pub missing: Vec<Adcode>,
    /// Regions at any level (the reporting regions, the cities above them, the province)
    /// more of whose rows this month were quarantined than the tolerance allows
    /// (`reporting::ReportingConfig::quarantine_tolerance_percent`), ascending.
    pub quarantined_in: Vec<Adcode>,
    /// Declared reporting regions without an accepted row, ascending (报送情况): for a
    /// source every region reports every month the same as `missing`; for event records
    /// none can mean no events.
    pub silent: Vec<Adcode>,
}

impl SourceMonth {
    /// Reporting regions (of `level`) whose figures this month are incomplete: missing, or
    /// past the quarantine tolerance (a region whose every row was quarantined is both),
    /// each once, ascending.
    pub fn incomplete_at(&self, level: crate::region::Level) -> Vec<Adcode> {
        let tree = crate::region::RegionTree::shandong();
        let past = self.quarantined_in.iter().filter(|r| tree.get(**r).is_some_and(|g| g.level == level));
        let mut regions: Vec<Adcode> = self.missing.iter().chain(past).copied().collect();
        regions.sort_unstable();
        regions.dedup();
        regions
    }

    /// Whether the rows whose region could not be read are, on their own, past the
    /// quarantine tolerance of the month's rows.
    pub fn unreadable_counts(&self, reporting: &crate::reporting::ReportingConfig) -> bool {
        reporting.quarantine_leaves_incomplete(self.unreadable, self.accepted)
    }

    /// Whether anything this month is incomplete.
    pub fn is_incomplete(&self) -> bool {
        !self.missing.is_empty() || !self.quarantined_in.is_empty()
    }
}

/// Where an official cell's figure was published: the publisher, the document and its
/// date, so every official number a client shows can say where it comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Citation {
    pub measure: String,
    pub region: Adcode,
    pub period: Period,
    pub publisher: String,
    pub document: String,
    pub published: NaiveDate,
    pub url: Option<String>,
    /// How the figure differs from the series' definition, where it does (a scope, a
    /// rounding), as the source file says.
    pub note: Option<String>,
}

impl Citation {
    /// One line: publisher, document, date (and the note).
    pub fn describe(&self, lang: crate::lang::Lang) -> String {
        let note = self.note.as_deref().map_or(String::new(), |n| lang.pick(format!("；{n}"), format!("; {n}")));
        lang.pick(
            format!("{}《{}》（{}）{note}", self.publisher, self.document.trim_matches(['《', '》']), self.published),
            format!("{}, “{}”, {}{note}", self.publisher, self.document.trim_matches(['《', '》']), self.published),
        )
    }
}

/// A service zone's standing against the pilot notice's yearly targets
/// (`rules::ZoneTargets`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ZoneStatus {
    pub zone_id: String,
    pub name: String,
    pub kind: String,
    pub county: Adcode,
    pub year: i32,
    /// A year that has ended, the zone open since its 1 January: judged 达标 or not against
    /// the full targets. Otherwise (the running year, the zone's first year) the figures
    /// show progress against targets pro-rated by `share_of_year`, never 达标.
    pub evaluated: bool,
    /// Share of the year's days the figures cover (1 for an evaluated year).
    pub share_of_year: f64,
    pub services: u64,
    pub services_target: u64,
    pub valid_records: u64,
    pub records_target: u64,
    pub functions_used: u32,
    pub functions_target: u32,
    /// Every target met (an evaluated year) or on pace for every target (progress).
    pub on_target: bool,
}

impl ZoneStatus {
    /// 达标: an evaluated year with every target met.
    pub fn meets_targets(&self) -> bool {
        self.evaluated && self.on_target
    }
}

/// One roll-out wave of a policy and its estimated effect.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WaveEffect {
    pub start: Period,
    pub treated_counties: u32,
    pub control_counties: u32,
    /// Effect on new urban jobs in percent.
    pub effect_pct: f64,
}

/// A difference-in-differences estimate of a policy's effect on new urban jobs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyEvaluation {
    pub policy: String,
    pub outcome: String,
    /// Months compared before and after each wave's start.
    pub window_months: u32,
    pub waves: Vec<WaveEffect>,
    /// Effect in percent, averaged over waves weighted by treated counties, with a 95%
    /// confidence interval.
    pub effect_pct: f64,
    pub ci_low_pct: f64,
    pub ci_high_pct: f64,
    /// Months since adoption (negative: before) and the effect then, by Callaway &
    /// Sant'Anna on the monthly county panel (`engine::evaluate`), in percent.
    pub event_study: Vec<EventEffect>,
    /// p-value of the joint test that the year before adoption shows no effect.
    pub pre_trend_p: Option<f64>,
    /// Mean monthly outcome of the counties the policy reached and of those it did not.
    pub trends: Vec<GroupTrend>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventEffect {
    pub months: i32,
    pub effect_pct: f64,
    pub ci_low_pct: f64,
    pub ci_high_pct: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupTrend {
    pub month: Period,
    pub treated: Option<f64>,
    pub comparison: Option<f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Cube {
    pub format_version: u32,
    /// Content hash of the cells, so clients can tell versions apart.
    pub data_version: String,
    /// 数据截至: the last day the sources cover.
    pub as_of: NaiveDate,
    /// True when built from the synthetic demo data (the cockpit shows 演示数据).
    pub demo_data: bool,
    pub variant: Variant,
    pub sources: Vec<SourceReport>,
    /// Per dated source and month: rows accepted and quarantined, incomplete regions.
    pub coverage: Vec<SourceMonth>,
    /// The source declarations the build judged completeness by.
    pub reporting: ReportingConfig,
    pub measures: Vec<String>,
    pub dims: Vec<String>,
    pub cells: Vec<Cell>,
    pub alerts: Vec<Alert>,
    /// The warning configuration the alerts and the composite index were evaluated with:
    /// indicators, thresholds, weights and the key groups' support measures.
    pub warning: WarningConfig,
    /// The numbers of the measures' definitions the cube was built with; every 口径 text
    /// a client shows is written from them (`MeasureDef::definition`).
    pub rules: MeasureRules,
    pub zones: Vec<ZoneStatus>,
    pub evaluations: Vec<PolicyEvaluation>,
    /// The citations of the official cells, one each.
    pub citations: Vec<Citation>,
    #[serde(skip)]
    index: FxHashMap<(u16, Adcode, Period, u32), u32>,
    #[serde(skip)]
    measure_index: FxHashMap<String, u16>,
    #[serde(skip)]
    dim_index: FxHashMap<String, u32>,
}

/// What a lookup found.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Lookup {
    Value(f64),
    Suppressed,
    Missing,
}

impl Lookup {
    pub fn value(self) -> Option<f64> {
        match self {
            Lookup::Value(v) => Some(v),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CubeError {
    #[error("cannot read cube {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("cannot write cube {path}: {source}")]
    Write { path: String, source: std::io::Error },
    #[error("cube {path} is not a valid cube file: {message}")]
    Format { path: String, message: String },
    #[error("cube {path} has format version {found}, this program reads version {FORMAT_VERSION}")]
    Version { path: String, found: u32 },
}

impl Cube {
    pub fn new(as_of: NaiveDate, demo_data: bool) -> Self {
        let mut cube = Cube {
            format_version: FORMAT_VERSION,
            data_version: String::new(),
            as_of,
            demo_data,
            variant: Variant::Internal,
            sources: Vec::new(),
            measures: Vec::new(),
            dims: vec![TOTAL.to_string()],
            cells: Vec::new(),
            alerts: Vec::new(),
            warning: WarningConfig::default(),
            coverage: Vec::new(),
            reporting: ReportingConfig::default(),
            rules: MeasureRules::default(),
            zones: Vec::new(),
            evaluations: Vec::new(),
            citations: Vec::new(),
            index: FxHashMap::default(),
            measure_index: FxHashMap::default(),
            dim_index: FxHashMap::default(),
        };
        cube.reindex();
        cube
    }

    /// Appends a cell without looking for an existing one: for bulk loading, followed by
    /// [`Cube::canonicalize`], which indexes the cells and reports duplicates.
    pub fn push(&mut self, measure: &str, region: Adcode, period: Period, dim: &str, value: f64, flags: u8) {
        let m = self.intern_measure(measure);
        let d = self.intern_dim(dim);
        self.cells.push(Cell { measure: m, region, period, dim: d, value: Some(value), flags });
    }

    /// Adds (or replaces) a cell.
    pub fn insert(&mut self, measure: &str, region: Adcode, period: Period, dim: &str, value: f64, flags: u8) {
        let m = self.intern_measure(measure);
        let d = self.intern_dim(dim);
        let cell = Cell { measure: m, region, period, dim: d, value: Some(value), flags };
        match self.index.get(&(m, region, period, d)) {
            Some(&i) => self.cells[i as usize] = cell,
            None => {
                self.index.insert((m, region, period, d), self.cells.len() as u32);
                self.cells.push(cell);
            }
        }
    }

    fn intern_measure(&mut self, id: &str) -> u16 {
        if let Some(&i) = self.measure_index.get(id) {
            return i;
        }
        let i = self.measures.len() as u16;
        self.measures.push(id.to_string());
        self.measure_index.insert(id.to_string(), i);
        i
    }

    fn intern_dim(&mut self, key: &str) -> u32 {
        if let Some(&i) = self.dim_index.get(key) {
            return i;
        }
        let i = self.dims.len() as u32;
        self.dims.push(key.to_string());
        self.dim_index.insert(key.to_string(), i);
        i
    }

    /// Puts dictionaries (alphabetical) and cells (by measure, region, period, dimension)
    /// in canonical order, so the bytes of a cube depend on its content only, not on the
    /// order cells were inserted in. Returns how many cells share a key with another
    /// (zero unless [`Cube::push`] was given the same key twice).
    pub fn canonicalize(&mut self) -> usize {
        let mut measures: Vec<(String, u16)> = self.measures.drain(..).enumerate().map(|(i, m)| (m, i as u16)).collect();
        measures.sort();
        let mut measure_map = vec![0u16; measures.len()];
        for (new, (_, old)) in measures.iter().enumerate() {
            measure_map[*old as usize] = new as u16;
        }
        // The total keeps index 0.
        let mut dims: Vec<(String, u32)> = self.dims.drain(..).enumerate().map(|(i, d)| (d, i as u32)).collect();
        dims.sort_by(|a, b| (a.0 != TOTAL, &a.0).cmp(&(b.0 != TOTAL, &b.0)));
        let mut dim_map = vec![0u32; dims.len()];
        for (new, (_, old)) in dims.iter().enumerate() {
            dim_map[*old as usize] = new as u32;
        }
        self.measures = measures.into_iter().map(|(m, _)| m).collect();
        self.dims = dims.into_iter().map(|(d, _)| d).collect();
        for cell in &mut self.cells {
            cell.measure = measure_map[cell.measure as usize];
            cell.dim = dim_map[cell.dim as usize];
        }
        self.cells.sort_unstable_by_key(|c| (c.measure, c.region, c.period, c.dim));
        self.reindex();
        self.cells.len() - self.index.len()
    }

    /// Rebuilds the lookup tables after deserializing or editing `cells` directly.
    pub fn reindex(&mut self) {
        self.measure_index = self.measures.iter().enumerate().map(|(i, m)| (m.clone(), i as u16)).collect();
        self.dim_index = self.dims.iter().enumerate().map(|(i, d)| (d.clone(), i as u32)).collect();
        self.index = self.cells.iter().enumerate().map(|(i, c)| ((c.measure, c.region, c.period, c.dim), i as u32)).collect();
    }

    pub fn measure_id(&self, cell: &Cell) -> &str {
        &self.measures[cell.measure as usize]
    }

    pub fn dim_key(&self, cell: &Cell) -> &str {
        &self.dims[cell.dim as usize]
    }

    pub fn cell(&self, measure: &str, region: Adcode, period: Period, dim: &str) -> Option<&Cell> {
        let m = *self.measure_index.get(measure)?;
        let d = *self.dim_index.get(dim)?;
        self.index.get(&(m, region, period, d)).map(|&i| &self.cells[i as usize])
    }

    /// Position in `cells` of a cell given by its interned measure and dimension indexes.
    pub fn position(&self, measure: u16, region: Adcode, period: Period, dim: u32) -> Option<usize> {
        self.index.get(&(measure, region, period, dim)).map(|&i| i as usize)
    }

    pub fn get(&self, measure: &str, region: Adcode, period: Period, dim: &str) -> Lookup {
        match self.cell(measure, region, period, dim) {
            None => Lookup::Missing,
            Some(c) => c.value.map_or(Lookup::Suppressed, Lookup::Value),
        }
    }

    /// The total of a measure (no breakdown).
    pub fn total(&self, measure: &str, region: Adcode, period: Period) -> Lookup {
        self.get(measure, region, period, TOTAL)
    }

    /// Breakdown of a measure by one dimension kind: (code, lookup), in cube order.
    pub fn breakdown(&self, measure: &str, region: Adcode, period: Period, prefix: &str) -> Vec<(String, Lookup)> {
        let Some(&m) = self.measure_index.get(measure) else { return Vec::new() };
        let wanted = format!("{prefix}:");
        self.dims
            .iter()
            .enumerate()
            .filter_map(|(d, key)| key.strip_prefix(&wanted).map(|code| (d as u32, code)))
            .filter_map(|(d, code)| {
                let c = &self.cells[*self.index.get(&(m, region, period, d))? as usize];
                Some((code.to_string(), c.value.map_or(Lookup::Suppressed, Lookup::Value)))
            })
            .collect()
    }

    /// Periods of a kind for which the measure has a total at this region, ascending.
    pub fn periods(&self, measure: &str, region: Adcode, kind: PeriodKind) -> Vec<Period> {
        let (Some(&m), Some(&d)) = (self.measure_index.get(measure), self.dim_index.get(TOTAL)) else { return Vec::new() };
        let mut periods: Vec<Period> = self
            .cells
            .iter()
            .filter(|c| c.measure == m && c.region == region && c.dim == d && c.period.kind() == kind)
            .map(|c| c.period)
            .collect();
        periods.sort();
        periods
    }

    /// The latest month with data, i.e. the month of `as_of`.
    pub fn latest_month(&self) -> Period {
        use chrono::Datelike;
        Period::month(self.as_of.year(), self.as_of.month())
    }

    /// The citation of an official cell.
    pub fn citation(&self, measure: &str, region: Adcode, period: Period) -> Option<&Citation> {
        self.citations.iter().find(|c| c.measure == measure && c.region == region && c.period == period)
    }

    pub fn definition(&self, measure: &str) -> Option<&'static MeasureDef> {
        catalogue::measure(measure)
    }

    /// Sets `data_version` to a hash of the content, so equal cubes get equal versions.
    pub fn seal(&mut self) {
        let bytes = postcard::to_stdvec(&(
            &self.cells,
            &self.alerts,
            &self.warning,
            &self.rules,
            &self.coverage,
            &self.zones,
            &self.evaluations,
            &self.measures,
            &self.dims,
            &self.citations,
        ))
        .expect("cells serialize");
        // FNV-1a: stable across platforms and Rust versions, unlike DefaultHasher.
        let hash = bytes.iter().fold(0xcbf29ce484222325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x100000001b3));
        self.data_version = format!("{}-{hash:016x}", self.as_of.format("%Y%m%d"));
    }

    /// The part of the cube about one region and the regions within it (a city with its
    /// counties): same measures, dimensions, version and format, for clients that show
    /// one region. Policy evaluations are province-wide and stay whole.
    pub fn slice(&self, region: Adcode) -> Cube {
        let tree = RegionTree::shandong();
        // National figures are every region's reference.
        let within = |r: Adcode| r == crate::region::NATIONAL || tree.is_within(r, region);
        let mut slice = Cube {
            format_version: self.format_version,
            data_version: self.data_version.clone(),
            as_of: self.as_of,
            demo_data: self.demo_data,
            variant: self.variant,
            sources: self.sources.clone(),
            coverage: self.coverage.clone(),
            reporting: self.reporting.clone(),
            measures: self.measures.clone(),
            dims: self.dims.clone(),
            cells: self.cells.iter().filter(|c| within(c.region)).copied().collect(),
            alerts: self.alerts.iter().filter(|a| within(a.region)).cloned().collect(),
            warning: self.warning.clone(),
            rules: self.rules.clone(),
            zones: self.zones.iter().filter(|z| within(z.county)).cloned().collect(),
            evaluations: self.evaluations.clone(),
            citations: self.citations.iter().filter(|c| within(c.region)).cloned().collect(),
            index: FxHashMap::default(),
            measure_index: FxHashMap::default(),
            dim_index: FxHashMap::default(),
        };
        slice.reindex();
        slice
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("cube serializes")
    }

    pub fn to_binary(&self) -> Vec<u8> {
        postcard::to_stdvec(self).expect("cube serializes")
    }

    pub fn from_json(bytes: &[u8], origin: &str) -> Result<Self, CubeError> {
        let cube: Cube = serde_json::from_slice(bytes).map_err(|e| CubeError::Format { path: origin.into(), message: e.to_string() })?;
        cube.checked(origin)
    }

    pub fn from_binary(bytes: &[u8], origin: &str) -> Result<Self, CubeError> {
        // The version leads the bytes: another version's layout is refused as such, not as
        // whatever the decoder trips over first.
        if let Ok((found, _)) = postcard::take_from_bytes::<u32>(bytes) {
            if found != FORMAT_VERSION {
                return Err(CubeError::Version { path: origin.into(), found });
            }
        }
        let cube: Cube = postcard::from_bytes(bytes).map_err(|e| CubeError::Format { path: origin.into(), message: e.to_string() })?;
        cube.checked(origin)
    }

    fn checked(mut self, origin: &str) -> Result<Self, CubeError> {
        if self.format_version != FORMAT_VERSION {
            return Err(CubeError::Version { path: origin.into(), found: self.format_version });
        }
        self.reindex();
        Ok(self)
    }

    /// Writes the cube atomically (temporary file in the same folder, then rename), as
    /// JSON for `.json` and the compact binary form otherwise.
    pub fn save(&self, path: &Path) -> Result<(), CubeError> {
        let bytes = if path.extension().is_some_and(|e| e == "json") { self.to_json() } else { self.to_binary() };
        write_atomically(path, &bytes).map_err(|source| CubeError::Write { path: path.display().to_string(), source })
    }

    pub fn load(path: &Path) -> Result<Self, CubeError> {
        let origin = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| CubeError::Read { path: origin.clone(), source })?;
        if path.extension().is_some_and(|e| e == "json") {
            Cube::from_json(&bytes, &origin)
        } else {
            Cube::from_binary(&bytes, &origin)
        }
    }
}

/// Write to a sibling temporary file and rename it over the target, so readers see the
/// old file or the new one, never half of one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    // The whole file name plus the process id: `with_extension` would give `cube.public.json`
    // and `cube.public.bin` the same temporary file, and they are written side by side.
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.tmp", std::process::id()));
    let tmp = path.with_file_name(name);
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Cube {
        let mut cube = Cube::new(NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(), true);
        let p = Period::month(2026, 10);
        cube.insert("vacancies", 370100, p, TOTAL, 120.0, 0);
        cube.insert("vacancies", 370100, p, "occ:4-02-07-08", 20.0, 0);
        cube.insert("job_seekers", 370100, p, TOTAL, 100.0, 0);
        cube.seal();
        cube
    }

    #[test]
    fn lookups_and_round_trips() {
        let cube = sample();
        let p = Period::month(2026, 10);
        assert_eq!(cube.total("vacancies", 370100, p), Lookup::Value(120.0));
        assert_eq!(cube.total("vacancies", 370200, p), Lookup::Missing);
        assert_eq!(cube.breakdown("vacancies", 370100, p, "occ"), vec![("4-02-07-08".to_string(), Lookup::Value(20.0))]);
        for restored in [Cube::from_json(&cube.to_json(), "mem").unwrap(), Cube::from_binary(&cube.to_binary(), "mem").unwrap()] {
            assert_eq!(restored.cells, cube.cells);
            assert_eq!(restored.total("job_seekers", 370100, p), Lookup::Value(100.0));
            assert_eq!(restored.data_version, cube.data_version);
        }
    }

    #[test]
    fn a_slice_keeps_the_region_and_what_lies_within_it() {
        let mut cube = sample();
        let p = Period::month(2026, 10);
        cube.insert("vacancies", 370102, p, TOTAL, 7.0, 0); // a county of Jinan
        cube.insert("vacancies", 370200, p, TOTAL, 50.0, 0); // Qingdao
        let jinan = cube.slice(370100);
        assert_eq!(jinan.total("vacancies", 370100, p), Lookup::Value(120.0));
        assert_eq!(jinan.total("vacancies", 370102, p), Lookup::Value(7.0));
        assert_eq!(jinan.total("vacancies", 370200, p), Lookup::Missing, "Qingdao is not within Jinan");
        assert_eq!(jinan.breakdown("vacancies", 370100, p, "occ").len(), 1);
        assert_eq!(jinan.data_version, cube.data_version);
    }

    #[test]
    fn refuses_other_format_versions() {
        let mut cube = sample();
        cube.format_version = 99;
        let err = Cube::from_json(&cube.to_json(), "old.json").unwrap_err();
        assert!(err.to_string().contains("format version 99"), "{err}");
        // An older binary layout is named by its version, not by where decoding fails.
        let mut older = postcard::to_stdvec(&2u32).unwrap();
        older.extend_from_slice(&[7, 255, 3, 1]);
        assert!(matches!(Cube::from_binary(&older, "old.bin"), Err(CubeError::Version { found: 2, .. })));
    }

    #[test]
    fn saves_atomically_and_loads_both_forms() {
        let dir = std::env::temp_dir().join(format!("cube-test-{}", std::process::id()));
        let cube = sample();
        for name in ["cube.json", "cube.bin"] {
            let path = dir.join(name);
            cube.save(&path).unwrap();
            assert_eq!(Cube::load(&path).unwrap().cells, cube.cells);
        }
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2, "no temporary files left behind");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn both_forms_can_be_written_at_once() {
        // The build writes `cube.public.json` and `cube.public.bin` side by side: their
        // temporary files must not collide.
        let dir = std::env::temp_dir().join(format!("cube-test-parallel-{}", std::process::id()));
        let cube = sample();
        for _ in 0..20 {
            std::thread::scope(|scope| {
                for name in ["cube.public.json", "cube.public.bin"] {
                    let (cube, path) = (&cube, dir.join(name));
                    scope.spawn(move || cube.save(&path).unwrap());
                }
            });
        }
        for name in ["cube.public.json", "cube.public.bin"] {
            assert_eq!(Cube::load(&dir.join(name)).unwrap().cells, cube.cells);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
