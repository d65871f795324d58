//! `analytics generate`: writes every source of the synthetic world as hive-partitioned
//! Parquet (`<out>/<source>/year=YYYY/part-0.parquet`), optionally CSV beside it, and
//! `manifest.json` with the injected events and row counts.
//!
//! Rows are produced per (source, month) or per county with their own random stream, in
//! parallel, and concatenated in a fixed order: the bytes do not depend on thread count.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use polars::prelude::{CsvWriter, ParquetCompression, ParquetWriter, SerWriter};
use rand::RngExt;
use rand_pcg::Pcg64Mcg;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::keys::PersonHasher;
use super::table::{Table, Value};
use super::world::*;
use szjy_model::codes;
use szjy_model::period::Period;
use szjy_model::region::{Adcode, RegionTree};
use szjy_model::schema::{self, SourceSchema};

#[derive(Clone, Debug)]
pub struct GenerateConfig {
    /// Approximate total rows across all sources.
    pub scale: u64,
    pub seed: u64,
    pub out: PathBuf,
    pub csv: bool,
    /// Share of rows made invalid on purpose.
    pub dirty_rate: f64,
}

/// Written beside the data: what was generated, and the events the models must find.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub generator: String,
    pub seed: u64,
    pub scale: u64,
    pub first_month: Period,
    pub last_month: Period,
    pub as_of: NaiveDate,
    pub dirty_rate: f64,
    /// Rows written per source (dirty rows included).
    pub rows: BTreeMap<String, u64>,
    /// Rows deliberately made invalid, per source.
    pub dirty_rows: BTreeMap<String, u64>,
    pub events: Events,
}

pub const MANIFEST: &str = "manifest.json";

/// Progress callback: (step name, done, total).
pub type Progress<'a> = &'a (dyn Fn(&str, u64, u64) + Sync);

/// The published figures the project ships, each with its citation (data/official).
pub const OFFICIAL_SERIES_CSV: &str = include_str!("../../../data/official/official_series.csv");

pub fn as_of() -> NaiveDate {
    last_day(LAST_MONTH.0, LAST_MONTH.1)
}

fn last_day(year: i32, month: u32) -> NaiveDate {
    let next = Period::from_month_index(Period::month(year, month).month_index() + 1);
    NaiveDate::from_ymd_opt(next.year(), next.last_month(), 1).unwrap().pred_opt().unwrap()
}

fn day(month: Period, day: u32) -> NaiveDate {
    let last = last_day(month.year(), month.last_month());
    NaiveDate::from_ymd_opt(month.year(), month.last_month(), day.min(chrono::Datelike::day(&last))).unwrap()
}

fn month_start(month: Period) -> NaiveDate {
    day(month, 1)
}

struct Ctx<'a> {
    world: &'a World,
    hasher: PersonHasher,
    /// County index → range of its employers in `world.employers`.
    employers_by_county: BTreeMap<Adcode, (usize, usize)>,
}

impl Ctx<'_> {
    fn key(&self, token: &str) -> String {
        self.hasher.key_of(token)
    }

    fn per_month(&self, share: f64, county: &County) -> f64 {
        self.world.scale as f64 * share * county.pop_share / self.world.n_months() as f64
    }

    /// Employment registrations in a county and month (a pure function, so other
    /// sources can refer to registered persons without storing them).
    fn employment_count(&self, county: &County, mi: usize) -> u32 {
        let month = self.world.months[mi];
        let season = HIRING_SEASON[month.last_month() as usize - 1];
        let trend = 1.0 + 0.02 * (month.year() - 2021) as f64;
        let expected = self.per_month(SHARE_EMPLOYMENT, county) * season * trend * self.world.policy_effect(county.adcode, month);
        volatile_count(expected, &mut rng_for(self.world.seed, "employment-count", county.adcode as u64, mi as u64))
    }

    /// Unemployment registrations in a county and month; `mi` may be negative for the
    /// burn-in year before the window (spells that are still open when it starts).
    fn unemployment_count(&self, county: &County, mi: i64) -> u32 {
        let month = Period::from_month_index(self.world.months[0].month_index() + mi as i32);
        let expected = self.per_month(SHARE_UNEMPLOYMENT, county) * LAYOFF_SEASON[month.last_month() as usize - 1];
        let mut extra = 0;
        if county.adcode == self.world.layoff.county && month == self.world.layoff.month {
            // Most of the staff cut in the layoff wave register as unemployed.
            let cut: f64 = self
                .world
                .employers
                .iter()
                .filter(|e| self.world.layoff.employers.contains(&e.id))
                .map(|e| e.initial_size as f64 * self.world.layoff.cut_share)
                .sum();
            extra = (cut * 0.6).round() as u32;
        }
        extra + volatile_count(expected, &mut rng_for(self.world.seed, "unemployment-count", county.adcode as u64, (mi + 1000) as u64))
    }

    /// The token of a person registered (employment or unemployment) in the county in
    /// the last twelve months, if any registered at all.
    fn registered_person(&self, county: &County, mi: usize, rng: &mut Pcg64Mcg) -> Option<String> {
        for _ in 0..4 {
            let back = rng.random_range(0..12usize).min(mi);
            let m = mi - back;
            let (kind, n) = if rng.random::<f64>() < 0.7 {
                ("E", self.employment_count(county, m))
            } else {
                ("U", self.unemployment_count(county, m as i64))
            };
            if n > 0 {
                return Some(format!("{kind}{}:{m}:{}", county.adcode, rng.random_range(0..n)));
            }
        }
        None
    }
}

/// Splits `n` into parts proportional to `weights` by systematic sampling: unbiased for
/// every part, and the parts always sum to `n`.
fn systematic_split(n: u32, weights: impl Iterator<Item = f64>, rng: &mut Pcg64Mcg) -> Vec<u32> {
    let weights: Vec<f64> = weights.collect();
    let total: f64 = weights.iter().sum();
    let offset: f64 = rng.random();
    let last = weights.len().saturating_sub(1);
    let mut cumulative = 0.0;
    let mut previous = 0u32;
    weights
        .iter()
        .enumerate()
        .map(|(i, w)| {
            // The last boundary is exactly 1 so float error cannot drop a unit.
            cumulative = if i == last { 1.0 } else { cumulative + w / total };
            let upto = ((cumulative * n as f64 + offset).floor() as u32).min(n);
            let part = upto - previous;
            previous = upto;
            part
        })
        .collect()
}

fn pick<'a, T>(items: &'a [T], rng: &mut Pcg64Mcg) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn key_group(month: Period, rng: &mut Pcg64Mcg) -> &'static str {
    let graduates = if (6..=8).contains(&month.last_month()) { 0.35 } else { 0.12 };
    let weights = [graduates, 0.28, 0.15, 0.06, 0.03, 0.36 - graduates + 0.12];
    codes::KEY_GROUPS[pick_weighted(weights, rng)].0
}

fn person_traits(group: &str, rng: &mut Pcg64Mcg) -> (u32, &'static str, &'static str) {
    let age = match group {
        "高校毕业生" => rng.random_range(21..=26),
        "退役军人" => rng.random_range(22..=40),
        "就业困难人员" => rng.random_range(35..=60),
        _ => rng.random_range(18..=58),
    };
    let education = match group {
        "高校毕业生" => codes::EDUCATION[pick_weighted([0.0, 0.0, 0.4, 0.5, 0.1], rng)].0,
        "农民工" => codes::EDUCATION[pick_weighted([0.55, 0.35, 0.08, 0.02, 0.0], rng)].0,
        _ => codes::EDUCATION[pick_weighted([0.25, 0.35, 0.2, 0.17, 0.03], rng)].0,
    };
    let sex = if rng.random::<f64>() < 0.54 { "男" } else { "女" };
    (age, sex, education)
}

fn occupation_index(world: &World, rng: &mut Pcg64Mcg) -> usize {
    pick_weighted(world.occupations.iter().map(|o| o.seeker_share), rng)
}

// ---------------------------------------------------------------- per-month sources

fn job_market(ctx: &Ctx, mi: usize) -> (Table, Table) {
    let world = ctx.world;
    let month = world.months[mi];
    let moy = month.last_month() as usize - 1;
    let ratio_trend = [1.0, 0.93, 0.97, 1.0, 1.02, 1.0][(month.year() - 2021).clamp(0, 5) as usize];
    let mut postings = Table::new(&schema::JOB_POSTINGS);
    let mut seekers = Table::new(&schema::JOB_SEEKERS);
    for county in &world.counties {
        let mut rng = rng_for(world.seed, "job-market", county.adcode as u64, mi as u64);
        let expected_seekers = ctx.per_month(SHARE_SEEKERS, county) * SEEKER_SEASON[moy];
        let ratio = county.base_ratio * RATIO_SEASON[moy] * ratio_trend * rng.random_range(0.95..1.05);
        let (lo, hi) = ctx.employers_by_county[&county.adcode];
        let mut posting_no = 0;
        let mut seeker_no = 0;
        // Totals first, then split across occupations, so a county's ratio is the one
        // drawn here and rounding noise does not swamp small counties.
        let n_seekers = stochastic_round(expected_seekers, &mut rng);
        let n_vacancies = stochastic_round(n_seekers as f64 * ratio, &mut rng);
        let seeker_split = systematic_split(n_seekers, world.occupations.iter().map(|o| o.seeker_share), &mut rng);
        let vacancy_split = systematic_split(n_vacancies, world.occupations.iter().map(|o| o.seeker_share * o.tightness), &mut rng);
        let years = (month.month_index() - Period::month(2021, 1).month_index()) as f64 / 12.0;
        for ((occ, seekers_here), mut vacancies) in world.occupations.iter().zip(seeker_split).zip(vacancy_split) {
            let wage = occ.base_wage * county.wage_factor * (1.0 + occ.wage_growth).powf(years);
            for _ in 0..seekers_here {
                let token = format!("S{}:{mi}:{seeker_no}", county.adcode);
                seeker_no += 1;
                let (age, sex, education) = person_traits("其他", &mut rng);
                let row = |date: NaiveDate, rng: &mut Pcg64Mcg| {
                    vec![
                        Value::from(date),
                        county.adcode.into(),
                        occ.code.clone().into(),
                        ((wage * rng.random_range(0.85..1.1) / 100.0).round() * 100.0).into(),
                        education.into(),
                        age.into(),
                        sex.into(),
                        ctx.key(&token).into(),
                    ]
                };
                let first_day = rng.random_range(1..=28);
                let first = row(day(month, first_day), &mut rng);
                seekers.push(first);
                // Some people register twice in a month (on another day: the same day
                // would be the same registration); they still count once.
                if rng.random::<f64>() < 0.03 {
                    let again_day = (first_day + rng.random_range(0..27)) % 28 + 1;
                    let again = row(day(month, again_day), &mut rng);
                    seekers.push(again);
                }
            }
            while vacancies > 0 {
                let size = vacancies.min(rng.random_range(1..=3));
                vacancies -= size;
                let employer = &world.employers[rng.random_range(lo..hi)];
                let w = wage * rng.random_range(0.92..1.08);
                postings.push(vec![
                    day(month, rng.random_range(1..=28)).into(),
                    format!("P{}{mi:02}{posting_no:05}", county.adcode).into(),
                    county.adcode.into(),
                    employer.id.clone().into(),
                    occ.code.clone().into(),
                    occ.industry.into(),
                    size.into(),
                    ((w * 0.85 / 100.0).round() * 100.0).into(),
                    ((w * 1.15 / 100.0).round() * 100.0).into(),
                    pick(codes::EDUCATION, &mut rng).0.into(),
                ]);
                posting_no += 1;
            }
        }
    }
    (postings, seekers)
}

fn employment(ctx: &Ctx, mi: usize) -> Table {
    let world = ctx.world;
    let month = world.months[mi];
    let mut table = Table::new(&schema::EMPLOYMENT_REGISTRATIONS);
    for county in &world.counties {
        let mut rng = rng_for(world.seed, "employment", county.adcode as u64, mi as u64);
        let (lo, hi) = ctx.employers_by_county[&county.adcode];
        for j in 0..ctx.employment_count(county, mi) {
            let group = key_group(month, &mut rng);
            let (age, sex, education) = person_traits(group, &mut rng);
            let employer = &world.employers[rng.random_range(lo..hi)];
            let occ = &world.occupations[occupation_index(world, &mut rng)];
            table.push(vec![
                day(month, rng.random_range(1..=28)).into(),
                county.adcode.into(),
                employer.id.clone().into(),
                employer.industry.into(),
                occ.code.clone().into(),
                group.into(),
                age.into(),
                sex.into(),
                education.into(),
                ctx.key(&format!("E{}:{mi}:{j}", county.adcode)).into(),
            ]);
        }
    }
    table
}

/// Months before the window whose registrations are generated too, so the stock of
/// registered unemployed is realistic from the window's first month.
pub const UNEMPLOYMENT_BURN_IN_MONTHS: i64 = 12;

fn unemployment(ctx: &Ctx, mi: i64) -> Table {
    let world = ctx.world;
    let month = Period::from_month_index(world.months[0].month_index() + mi as i32);
    let as_of = as_of();
    let mut table = Table::new(&schema::UNEMPLOYMENT_REGISTRATIONS);
    for county in &world.counties {
        let mut rng = rng_for(world.seed, "unemployment", county.adcode as u64, (mi + 1000) as u64);
        let layoff_wave = county.adcode == world.layoff.county && month == world.layoff.month;
        for j in 0..ctx.unemployment_count(county, mi) {
            let group = key_group(month, &mut rng);
            let reason = if layoff_wave && j % 2 == 0 {
                "单位裁员"
            } else if group == "高校毕业生" {
                "毕业未就业"
            } else {
                codes::UNEMPLOYMENT_REASONS[pick_weighted([0.35, 0.15, 0.3, 0.0, 0.2], &mut rng)].0
            };
            let (age, sex, education) = person_traits(group, &mut rng);
            let start = day(month, rng.random_range(1..=28));
            let months: f64 = -(1.0 - rng.random::<f64>()).ln() * MEAN_UNEMPLOYMENT_MONTHS;
            let end = start + chrono::Duration::days((months * 30.4).ceil() as i64);
            table.push(vec![
                start.into(),
                (end <= as_of).then_some(end).into(),
                county.adcode.into(),
                reason.into(),
                group.into(),
                age.into(),
                sex.into(),
                education.into(),
                (group != "高校毕业生").then(|| codes::INDUSTRIES[rng.random_range(0..19)].0).into(),
                ctx.key(&format!("U{}:{mi}:{j}", county.adcode)).into(),
            ]);
        }
    }
    table
}

fn transactions(ctx: &Ctx, mi: usize) -> Table {
    let world = ctx.world;
    let month = world.months[mi];
    let mut table = Table::new(&schema::SERVICE_TRANSACTIONS);
    for (zi, zone) in world.zones.iter().enumerate() {
        let opened = Period::month(zone.opened.0, zone.opened.1);
        if month < opened {
            continue;
        }
        let mut rng = rng_for(world.seed, "transactions", zi as u64, mi as u64);
        let ramp = (((month.month_index() - opened.month_index()) as f64 + 1.0) / 3.0).min(1.0);
        let county = world.county(zone.county);
        let first_day = if month == opened { zone.opened.2 } else { 1 };
        let visits = stochastic_round(zone.monthly_visits * ramp * SEEKER_SEASON[month.last_month() as usize - 1], &mut rng);
        for v in 0..visits {
            let token = if rng.random::<f64>() < 0.6 {
                ctx.registered_person(county, mi, &mut rng).unwrap_or_else(|| format!("T{zi}:{mi}:{v}"))
            } else {
                format!("T{zi}:{mi}:{v}")
            };
            let key = ctx.key(&token);
            let date = day(month, rng.random_range(first_day..=28.max(first_day)));
            let channel = codes::CHANNELS[pick_weighted([0.45, 0.3, 0.15, 0.1], &mut rng)].0;
            // One visit handles one to three functions, each a record.
            for _ in 0..rng.random_range(1..=3) {
                table.push(vec![
                    date.into(),
                    zone.id.clone().into(),
                    zone.county.into(),
                    (*pick(&zone.functions, &mut rng)).into(),
                    channel.into(),
                    key.clone().into(),
                ]);
            }
        }
    }
    table
}

const DUPLICATES_PER_BURST: f64 = 40.0;
const SUBSIDY_MIX: [f64; 10] = [0.22, 0.08, 0.25, 0.12, 0.08, 0.08, 0.08, 0.05, 0.02, 0.02];
/// Mean and spread of a payment (元), by subsidy type.
const SUBSIDY_AMOUNT: [(f64, f64); 10] = [
    (1800.0, 600.0),
    (500.0, 200.0),
    (900.0, 200.0),
    (2000.0, 300.0),
    (1600.0, 300.0),
    (1000.0, 0.0),
    (1000.0, 0.0),
    (3000.0, 1500.0),
    (60000.0, 20000.0),
    (120000.0, 40000.0),
];

/// Subsidy amounts paid, by (city, subsidy type index), to size the budgets.
type Spending = BTreeMap<(Adcode, usize), f64>;

fn disbursements(ctx: &Ctx, mi: usize, duplicates: &mut Vec<String>, unregistered: &mut Vec<String>, spent: &mut Spending) -> Table {
    let world = ctx.world;
    let month = world.months[mi];
    let moy = month.last_month() as usize - 1;
    let mut table = Table::new(&schema::SUBSIDY_DISBURSEMENTS);
    let mean_season = SPENDING_SEASON.iter().sum::<f64>() / 12.0;
    for county in &world.counties {
        let mut rng = rng_for(world.seed, "disbursements", county.adcode as u64, mi as u64);
        let n = stochastic_round(ctx.per_month(SHARE_DISBURSEMENTS, county) * SPENDING_SEASON[moy] / mean_season, &mut rng);
        let burst = county.adcode == world.duplicate_county && world.duplicate_months.contains(&month);
        // About DUPLICATES_PER_BURST double payments over the burst, whatever the scale
        // (only the burst's county and months need the share).
        let duplicate_share = if burst {
            let burst_payments: f64 = world
                .duplicate_months
                .iter()
                .map(|m| ctx.per_month(SHARE_DISBURSEMENTS, county) * SPENDING_SEASON[m.last_month() as usize - 1] / mean_season)
                .sum::<f64>()
                * 0.7;
            (DUPLICATES_PER_BURST / burst_payments.max(1.0)).min(1.0)
        } else {
            0.0
        };
        for p in 0..n {
            let t = pick_weighted(SUBSIDY_MIX, &mut rng);
            let subsidy = codes::SUBSIDY_TYPES[t].0;
            let personal = codes::PERSONAL_SUBSIDY_TYPES.contains(&subsidy);
            let (mean, spread) = SUBSIDY_AMOUNT[t];
            let amount = ((mean + spread * rng.random_range(-1.0..1.0)) / 10.0).round() * 10.0;
            let payment_id = format!("F{}{mi:02}{p:06}", county.adcode);
            *spent.entry((county.city, t)).or_default() += amount;
            let (token, is_unregistered) = if !personal {
                (format!("ORG{}:{}", county.adcode, rng.random_range(0..20)), false)
            } else if rng.random::<f64>() < 0.004 {
                (format!("X{}:{mi}:{p}", county.adcode), true)
            } else {
                match ctx.registered_person(county, mi, &mut rng) {
                    Some(t) => (t, false),
                    None => (format!("X{}:{mi}:{p}", county.adcode), true),
                }
            };
            if is_unregistered {
                unregistered.push(payment_id.clone());
            }
            let date = day(month, rng.random_range(1..=20));
            let row = |id: String, date: NaiveDate| -> Vec<Value> {
                vec![date.into(), id.into(), county.adcode.into(), subsidy.into(), amount.into(), ctx.key(&token).into()]
            };
            // A burst of double payments: the same recipient, type and amount again
            // within ten days.
            if burst && personal && !is_unregistered && rng.random::<f64>() < duplicate_share {
                let dup_id = format!("{payment_id}D");
                table.push_protected(row(payment_id, date));
                table.push_protected(row(dup_id.clone(), date + chrono::Duration::days(rng.random_range(0..=10))));
                duplicates.push(dup_id);
            } else if is_unregistered {
                table.push_protected(row(payment_id, date));
            } else {
                table.push(row(payment_id, date));
            }
        }
    }
    table
}

fn mobile(ctx: &Ctx, mi: usize) -> (Table, Table) {
    let world = ctx.world;
    let month = world.months[mi];
    let province_10k: f64 = world.cities.iter().map(|c| c.population_10k).sum();
    let mut population = Table::new(&schema::MOBILE_POPULATION);
    let mut rng = rng_for(world.seed, "mobile", 0, mi as u64);
    let spring_festival = month.last_month() == 2;
    let years = (month.year() - 2021) as f64;
    for county in &world.counties {
        let urban = county.adcode % 100 <= 20;
        let festival = if spring_festival {
            if urban {
                0.95
            } else {
                1.04
            }
        } else {
            1.0
        };
        let resident = province_10k * county.pop_share * (1.0 + 0.003 * years) * festival * rng.random_range(0.995..1.005);
        let working_share = if urban { 0.62 } else { 0.52 };
        population.push(vec![
            month_start(month).into(),
            county.adcode.into(),
            ((resident * 100.0).round() / 100.0).into(),
            ((resident * working_share * rng.random_range(0.98..1.02) * 100.0).round() / 100.0).into(),
        ]);
    }
    let tree = RegionTree::shandong();
    let mut flows = Table::new(&schema::MOBILE_FLOWS);
    for a in &world.cities {
        for b in &world.cities {
            if a.adcode == b.adcode {
                continue;
            }
            let (pa, pb) = (tree.get(a.adcode).unwrap().label_point, tree.get(b.adcode).unwrap().label_point);
            let distance = ((pa[0] - pb[0]).powi(2) + (pa[1] - pb[1]).powi(2)).sqrt().max(0.3);
            // Gravity model: trips grow with both populations and fall with distance;
            // the provincial capital and Qingdao attract more commuters.
            let pull = if matches!(b.adcode, 370100 | 370200) { 1.3 } else { 1.0 };
            let trips = 0.02 * a.population_10k * b.population_10k / distance.powi(2) / 100.0
                * pull
                * if spring_festival { 1.5 } else { 1.0 }
                * rng.random_range(0.95..1.05);
            flows.push(vec![month_start(month).into(), a.adcode.into(), b.adcode.into(), ((trips * 100.0).round() / 100.0).into()]);
        }
    }
    (population, flows)
}

// ---------------------------------------------------------------- per-employer and yearly sources

fn social_insurance(ctx: &Ctx, county: &County) -> Vec<Table> {
    let world = ctx.world;
    let mut months: Vec<Table> = (0..world.n_months()).map(|_| Table::new(&schema::SOCIAL_INSURANCE)).collect();
    let (lo, hi) = ctx.employers_by_county[&county.adcode];
    for employer in &world.employers[lo..hi] {
        let mut rng = rng_for(world.seed, "social-insurance", county.adcode as u64, employer.id[7..].parse::<u64>().unwrap_or(0));
        let laying_off = world.layoff.employers.contains(&employer.id);
        let mut headcount = employer.initial_size as f64;
        let base_wage = 4200.0 * county.wage_factor * rng.random_range(0.85..1.3);
        for (mi, month) in world.months.iter().enumerate() {
            let moy = month.last_month() as usize - 1;
            let new = stochastic_round(headcount * 0.02 * HIRING_SEASON[moy], &mut rng);
            let mut terminated = stochastic_round(headcount * 0.0195 * LAYOFF_SEASON[moy], &mut rng);
            let event = laying_off && *month == world.layoff.month;
            if event {
                terminated += (headcount * world.layoff.cut_share).round() as u32;
            }
            headcount = (headcount + new as f64 - terminated as f64).max(1.0);
            let years = (month.year() - 2021) as f64;
            let base = (headcount * base_wage * 1.05f64.powf(years)).round();
            let row = vec![
                month_start(*month).into(),
                employer.id.clone().into(),
                county.adcode.into(),
                employer.industry.into(),
                (headcount as u32).into(),
                new.into(),
                terminated.into(),
                base.into(),
            ];
            if laying_off {
                months[mi].push_protected(row);
            } else {
                months[mi].push(row);
            }
        }
    }
    months
}

fn service_zones(world: &World) -> Table {
    let mut table = Table::new(&schema::SERVICE_ZONES);
    for zone in &world.zones {
        table.push_protected(vec![
            zone.id.clone().into(),
            zone.name.clone().into(),
            zone.kind.into(),
            zone.county.into(),
            zone.functions.join("|").into(),
            NaiveDate::from_ymd_opt(zone.opened.0, zone.opened.1, zone.opened.2).unwrap().into(),
        ]);
    }
    table
}

/// Each city's annual target: its expected new urban jobs, set a little above or below.
fn employment_targets(ctx: &Ctx) -> Table {
    let world = ctx.world;
    let mut table = Table::new(&schema::EMPLOYMENT_TARGETS);
    for year in FIRST_MONTH.0..=LAST_MONTH.0 {
        for city in &world.cities {
            let mut rng = rng_for(world.seed, "targets", city.adcode as u64, year as u64);
            let expected: f64 = world
                .counties
                .iter()
                .filter(|c| c.city == city.adcode)
                .map(|c| {
                    (1..=12u32)
                        .map(|m| {
                            let month = Period::month(year, m);
                            let trend = 1.0 + 0.02 * (year - 2021) as f64;
                            ctx.per_month(SHARE_EMPLOYMENT, c)
                                * HIRING_SEASON[m as usize - 1]
                                * trend
                                * world.policy_effect(c.adcode, month)
                        })
                        .sum::<f64>()
                })
                .sum();
            let target = (expected * rng.random_range(0.92..1.06) / 10.0).round() * 10.0;
            table.push(vec![(year as i64).into(), city.adcode.into(), (target as i64).into()]);
        }
    }
    table
}

fn policy_rollouts(world: &World) -> Table {
    let mut table = Table::new(&schema::POLICY_ROLLOUTS);
    for (start, counties) in &world.policy.waves {
        for &county in counties {
            table.push_protected(vec![world.policy.name.clone().into(), county.into(), month_start(*start).into()]);
        }
    }
    table
}

fn macro_quarterly(world: &World) -> Table {
    let mut table = Table::new(&schema::MACRO_QUARTERLY);
    let quarter_share = [0.22, 0.25, 0.25, 0.28];
    for city in &world.cities {
        let mut rng = rng_for(world.seed, "macro", city.adcode as u64, 0);
        // 2023 GDP: the calibration figure where one exists, otherwise population × a
        // synthetic per-capita output.
        let gdp_2023 = city.gdp_2023.unwrap_or_else(|| city.population_10k * rng.random_range(7.0..10.5));
        let (primary, secondary) = (rng.random_range(0.05..0.11), rng.random_range(0.36..0.45));
        for year in FIRST_MONTH.0..=LAST_MONTH.0 {
            for q in 1..=4u32 {
                if (Period::Quarter { year, quarter: q }).month_index() > Period::month(LAST_MONTH.0, LAST_MONTH.1).month_index() {
                    continue;
                }
                let gdp = gdp_2023 * 1.05f64.powi(year - 2023) * quarter_share[q as usize - 1] * rng.random_range(0.98..1.02);
                let round = |x: f64| (x * 100.0).round() / 100.0;
                // Published sector figures add up to the published total (the tertiary
                // sector takes the rounding), as statistical releases do.
                let (total, first, second) = (round(gdp), round(gdp * primary), round(gdp * secondary));
                table.push(vec![
                    format!("{year}Q{q}").into(),
                    city.adcode.into(),
                    total.into(),
                    first.into(),
                    second.into(),
                    round(total - first - second).into(),
                    round(gdp * rng.random_range(0.6..0.9)).into(),
                    round(100.0 + rng.random_range(-0.6..2.2)).into(),
                ]);
            }
        }
    }
    table
}

fn budgets(world: &World, disbursed: &BTreeMap<(i32, Adcode, usize), f64>) -> Table {
    let mut table = Table::new(&schema::SUBSIDY_BUDGETS);
    let observed_share = |year: i32| -> f64 {
        let months = if year == LAST_MONTH.0 { LAST_MONTH.1 as usize } else { 12 };
        SPENDING_SEASON[..months].iter().sum::<f64>() / SPENDING_SEASON.iter().sum::<f64>()
    };
    for year in FIRST_MONTH.0..=LAST_MONTH.0 {
        for city in &world.cities {
            let mut rng = rng_for(world.seed, "budgets", city.adcode as u64, year as u64);
            let city_pace = rng.random_range(0.9..1.12);
            for (t, subsidy) in codes::SUBSIDY_TYPES.iter().enumerate() {
                let spent = disbursed.get(&(year, city.adcode, t)).copied().unwrap_or(0.0);
                // Budgets are set so that a closed year ends near 95% executed.
                let budget = spent / observed_share(year) / EXECUTION_AT_YEAR_END / city_pace / 10_000.0;
                table.push(vec![(year as i64).into(), city.adcode.into(), subsidy.0.into(), ((budget * 10.0).round() / 10.0).into()]);
            }
        }
    }
    table
}

// ---------------------------------------------------------------- writing

fn write_partition(out: &Path, schema: &SourceSchema, year: Option<i32>, table: Table, csv: bool) -> Result<()> {
    let dir = match year {
        Some(y) => out.join(schema.name).join(format!("year={y}")),
        None => out.join(schema.name),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut df = table.into_frame()?;
    let path = dir.join("part-0.parquet");
    let file = std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(None))
        .with_row_group_size(Some(256 * 1024))
        .finish(&mut df)
        .with_context(|| format!("writing {}", path.display()))?;
    if csv {
        let path = dir.join("part-0.csv");
        let file = std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        CsvWriter::new(file).finish(&mut df).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

struct Output<'a> {
    cfg: &'a GenerateConfig,
    manifest: Manifest,
}

impl Output<'_> {
    /// Corrupts, then writes one source split by year.
    fn write_by_year(&mut self, schema: &'static SourceSchema, months: Vec<(Period, Table)>) -> Result<()> {
        let mut years: BTreeMap<i32, Table> = BTreeMap::new();
        for (month, table) in months {
            years.entry(month.year()).or_insert_with(|| Table::new(schema)).append(table);
        }
        for (year, table) in years {
            self.write(schema, Some(year), table)?;
        }
        Ok(())
    }

    fn write(&mut self, schema: &'static SourceSchema, year: Option<i32>, mut table: Table) -> Result<()> {
        let mut rng = rng_for(self.cfg.seed, "dirty", schema.name.len() as u64, year.unwrap_or(0) as u64);
        let dirty = table.corrupt(self.cfg.dirty_rate, &mut rng) as u64;
        *self.manifest.rows.entry(schema.name.into()).or_default() += table.len() as u64;
        *self.manifest.dirty_rows.entry(schema.name.into()).or_default() += dirty;
        write_partition(&self.cfg.out, schema, year, table, self.cfg.csv)
    }
}

pub fn generate(cfg: &GenerateConfig, progress: Progress) -> Result<Manifest> {
    let world = World::new(cfg.seed, cfg.scale);
    let mut employers_by_county = BTreeMap::new();
    let mut start = 0;
    for county in &world.counties {
        let n = world.employers[start..].iter().take_while(|e| e.county == county.adcode).count();
        employers_by_county.insert(county.adcode, (start, start + n));
        start += n;
    }
    let ctx = Ctx { world: &world, hasher: PersonHasher::new(super::keys::DEMO_KEY.as_bytes()), employers_by_county };
    if cfg.out.exists() {
        for s in schema::SOURCES {
            let dir = cfg.out.join(s.name);
            if dir.exists() {
                std::fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
            }
        }
    }
    std::fs::create_dir_all(&cfg.out).with_context(|| format!("creating {}", cfg.out.display()))?;

    let mut out = Output {
        cfg,
        manifest: Manifest {
            generator: format!("analytics {}", env!("CARGO_PKG_VERSION")),
            seed: cfg.seed,
            scale: cfg.scale,
            first_month: world.months[0],
            last_month: *world.months.last().unwrap(),
            as_of: as_of(),
            dirty_rate: cfg.dirty_rate,
            rows: BTreeMap::new(),
            dirty_rows: BTreeMap::new(),
            events: Events {
                layoff: world.layoff.clone(),
                policy: world.policy.clone(),
                duplicate_payments: DuplicateEvent {
                    county: world.duplicate_county,
                    months: world.duplicate_months.clone(),
                    payment_ids: Vec::new(),
                },
                unregistered_payments: UnregisteredEvent { payment_ids: Vec::new() },
            },
        },
    };
    let months: Vec<usize> = (0..world.n_months()).collect();
    let steps = 8u64;
    let mut step = 0;
    let mut tick = |name: &str| {
        step += 1;
        progress(name, step, steps);
    };

    out.write(&schema::SERVICE_ZONES, None, service_zones(&world))?;
    out.write(&schema::MACRO_QUARTERLY, None, macro_quarterly(&world))?;
    out.write(&schema::POLICY_ROLLOUTS, None, policy_rollouts(&world))?;
    out.write(&schema::EMPLOYMENT_TARGETS, None, employment_targets(&ctx))?;
    tick("service_zones, macro_quarterly, policy_rollouts");

    let market: Vec<(Table, Table)> = months.par_iter().map(|&mi| job_market(&ctx, mi)).collect();
    let (postings, seekers): (Vec<_>, Vec<_>) = market.into_iter().unzip();
    out.write_by_year(&schema::JOB_POSTINGS, world.months.iter().copied().zip(postings).collect())?;
    out.write_by_year(&schema::JOB_SEEKERS, world.months.iter().copied().zip(seekers).collect())?;
    tick("job_postings, job_seekers");

    let tables: Vec<Table> = months.par_iter().map(|&mi| employment(&ctx, mi)).collect();
    out.write_by_year(&schema::EMPLOYMENT_REGISTRATIONS, world.months.iter().copied().zip(tables).collect())?;
    tick("employment_registrations");

    let spell_months: Vec<i64> = (-UNEMPLOYMENT_BURN_IN_MONTHS..world.n_months() as i64).collect();
    let tables: Vec<(Period, Table)> = spell_months
        .par_iter()
        .map(|&mi| (Period::from_month_index(world.months[0].month_index() + mi as i32), unemployment(&ctx, mi)))
        .collect();
    out.write_by_year(&schema::UNEMPLOYMENT_REGISTRATIONS, tables)?;
    tick("unemployment_registrations");

    let tables: Vec<Table> = months.par_iter().map(|&mi| transactions(&ctx, mi)).collect();
    out.write_by_year(&schema::SERVICE_TRANSACTIONS, world.months.iter().copied().zip(tables).collect())?;
    tick("service_transactions");

    let per_county: Vec<Vec<Table>> = world.counties.par_iter().map(|c| social_insurance(&ctx, c)).collect();
    let mut by_month: Vec<Table> = (0..world.n_months()).map(|_| Table::new(&schema::SOCIAL_INSURANCE)).collect();
    for county_months in per_county {
        for (mi, t) in county_months.into_iter().enumerate() {
            by_month[mi].append(t);
        }
    }
    out.write_by_year(&schema::SOCIAL_INSURANCE, world.months.iter().copied().zip(by_month).collect())?;
    tick("social_insurance");

    let results: Vec<(Table, Vec<String>, Vec<String>, Spending)> = months
        .par_iter()
        .map(|&mi| {
            let (mut dups, mut unreg, mut spent) = (Vec::new(), Vec::new(), Spending::new());
            let t = disbursements(&ctx, mi, &mut dups, &mut unreg, &mut spent);
            (t, dups, unreg, spent)
        })
        .collect();
    let mut spent: BTreeMap<(i32, Adcode, usize), f64> = BTreeMap::new();
    let mut tables = Vec::new();
    for ((t, dups, unreg, month_spent), month) in results.into_iter().zip(&world.months) {
        out.manifest.events.duplicate_payments.payment_ids.extend(dups);
        out.manifest.events.unregistered_payments.payment_ids.extend(unreg);
        for ((city, subsidy), amount) in month_spent {
            *spent.entry((month.year(), city, subsidy)).or_default() += amount;
        }
        tables.push((*month, t));
    }
    out.write_by_year(&schema::SUBSIDY_DISBURSEMENTS, tables)?;
    out.write(&schema::SUBSIDY_BUDGETS, None, budgets(&world, &spent))?;
    tick("subsidy_disbursements, subsidy_budgets");

    let tables: Vec<(Table, Table)> = months.par_iter().map(|&mi| mobile(&ctx, mi)).collect();
    let (population, flows): (Vec<_>, Vec<_>) = tables.into_iter().unzip();
    out.write_by_year(&schema::MOBILE_POPULATION, world.months.iter().copied().zip(population).collect())?;
    out.write_by_year(&schema::MOBILE_FLOWS, world.months.iter().copied().zip(flows).collect())?;
    tick("mobile_population, mobile_flows");

    // Published figures are real, not generated: the demo carries the cited ones the
    // project ships, so the cockpit shows them beside the synthetic measures.
    let official = cfg.out.join(schema::OFFICIAL_SERIES.name);
    std::fs::create_dir_all(&official).with_context(|| format!("creating {}", official.display()))?;
    std::fs::write(official.join("official_series.csv"), OFFICIAL_SERIES_CSV).with_context(|| format!("writing {}", official.display()))?;
    let published = OFFICIAL_SERIES_CSV.lines().skip(1).filter(|l| !l.trim().is_empty()).count() as u64;
    out.manifest.rows.insert(schema::OFFICIAL_SERIES.name.into(), published);
    out.manifest.dirty_rows.insert(schema::OFFICIAL_SERIES.name.into(), 0);

    let manifest = out.manifest;
    let json = serde_json::to_vec_pretty(&manifest)?;
    szjy_model::cube::write_atomically(&cfg.out.join(MANIFEST), &json).with_context(|| format!("writing {MANIFEST}"))?;
    Ok(manifest)
}

pub fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join(MANIFEST);
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("parsing {}", path.display()))
}
