//! The synthetic Shandong labour market behind the demo data: who lives where, which
//! employers and service zones exist, and how many events of each kind happen in each
//! county and month. Everything is a pure function of (seed, scale), computed before any
//! row is written, so rows can be produced in parallel and stay byte-identical.
//!
//! Calibrated: city populations (7th census), the real counties and their cities.
//! Synthetic: everything else (see data/README.md).

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

use szjy_model::codes;
use szjy_model::period::Period;
use szjy_model::region::{Adcode, Level, RegionTree};

pub const FIRST_MONTH: (i32, u32) = (2021, 1);
/// The demo data runs to the end of the last full month before the product's launch.
pub const LAST_MONTH: (i32, u32) = (2026, 10);

const CITIES_CSV: &str = include_str!("../../../data/calibration/shandong_cities.csv");

/// A random generator for one named stream, e.g. ("seekers", county, month).
pub fn rng_for(seed: u64, stream: &str, a: u64, b: u64) -> Pcg64Mcg {
    // FNV-1a over the stream name, mixed with the numeric parts (SplitMix64 finaliser).
    let mut h = stream.bytes().fold(0xcbf29ce484222325u64, |h, c| (h ^ c as u64).wrapping_mul(0x100000001b3));
    for x in [seed, a, b] {
        h ^= x.wrapping_add(0x9e3779b97f4a7c15).wrapping_add(h << 6).wrapping_add(h >> 2);
        h = (h ^ (h >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94d049bb133111eb);
        h ^= h >> 31;
    }
    Pcg64Mcg::seed_from_u64(h)
}

/// Month-to-month volatility of a county's registration counts around their expectation
/// (coefficient of variation; synthetic, like the seasonality). Without it a county's
/// series would vary by rounding alone, far smoother than any real tally, and backtests
/// of the forecasts against seasonal naive would measure rounding, not forecasting. Why
/// 4 %: at the default scale it keeps the injected rollout effect measurable (seed 17:
/// the staggered estimate 11.8 %, 95 % interval 8.4–15.3 %, for the true 12 %), where 6 %
/// already made the pre-trend test doubt parallel trends (p = 0.02).
pub const REGISTRATION_CV: f64 = 0.04;

/// A month's count of registrations: `mean` times a lognormal shock of mean 1 and
/// coefficient of variation [`REGISTRATION_CV`], rounded at random.
pub fn volatile_count(mean: f64, rng: &mut Pcg64Mcg) -> u32 {
    let shock: f64 = rng.sample(rand_distr::LogNormal::from_mean_cv(1.0, REGISTRATION_CV).expect("a positive mean and variation"));
    stochastic_round(mean * shock, rng)
}

/// Rounds `x` up or down at random so that the expected value is `x`.
pub fn stochastic_round(x: f64, rng: &mut Pcg64Mcg) -> u32 {
    let floor = x.floor();
    (floor as u32) + u32::from(rng.random::<f64>() < x - floor)
}

/// Month-of-year multipliers (January first).
pub const SEEKER_SEASON: [f64; 12] = [0.85, 1.15, 1.25, 1.05, 0.95, 1.10, 1.20, 1.00, 0.95, 0.90, 0.85, 0.75];
/// Post-Spring-Festival hiring peak, graduates pressing on the ratio in June–July.
pub const RATIO_SEASON: [f64; 12] = [1.00, 1.10, 1.12, 1.05, 1.00, 0.94, 0.92, 0.97, 1.00, 1.00, 0.98, 0.97];
pub const HIRING_SEASON: [f64; 12] = [0.70, 0.80, 1.25, 1.15, 1.05, 1.00, 1.20, 1.10, 1.00, 0.95, 0.90, 0.90];
pub const LAYOFF_SEASON: [f64; 12] = [1.10, 1.30, 1.00, 0.95, 0.90, 1.00, 1.20, 1.00, 0.90, 0.90, 0.90, 1.00];
/// Subsidy spending lags early in the year and catches up in the fourth quarter.
pub const SPENDING_SEASON: [f64; 12] = [0.40, 0.50, 0.80, 0.90, 1.00, 1.00, 1.00, 1.00, 1.10, 1.10, 1.30, 1.90];

/// Shares of `--scale` rows by source (the rest follows from these).
pub const SHARE_TRANSACTIONS: f64 = 0.28;
pub const SHARE_EMPLOYMENT: f64 = 0.12;
pub const SHARE_UNEMPLOYMENT: f64 = 0.05;
pub const SHARE_SEEKERS: f64 = 0.14;
pub const SHARE_DISBURSEMENTS: f64 = 0.10;

/// Mean months a registered unemployed person stays registered.
pub const MEAN_UNEMPLOYMENT_MONTHS: f64 = 6.0;
/// Registered unemployment rate the insured workforce is sized for.
pub const TARGET_UNEMPLOYMENT_RATE: f64 = 0.028;
pub const MEAN_EMPLOYER_SIZE: f64 = 80.0;
/// Share of budgets spent by year end in a closed year.
pub const EXECUTION_AT_YEAR_END: f64 = 0.95;

#[derive(Clone, Debug)]
pub struct City {
    pub adcode: Adcode,
    pub name: String,
    pub population_10k: f64,
    pub gdp_2023: Option<f64>,
}

#[derive(Clone, Debug)]
pub struct County {
    pub adcode: Adcode,
    pub city: Adcode,
    /// Share of the province's population.
    pub pop_share: f64,
    /// The county's structural vacancy-to-seeker ratio.
    pub base_ratio: f64,
    pub wage_factor: f64,
}

#[derive(Clone, Debug)]
pub struct Employer {
    pub id: String,
    pub county: Adcode,
    pub industry: &'static str,
    pub initial_size: u32,
}

#[derive(Clone, Debug)]
pub struct Zone {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub county: Adcode,
    pub functions: Vec<&'static str>,
    pub opened: (i32, u32, u32),
    /// Expected person-times per month once open.
    pub monthly_visits: f64,
}

/// Labour-market profile of an occupation in the synthetic world.
#[derive(Clone, Debug)]
pub struct OccupationProfile {
    pub code: String,
    /// Share of job seekers who want this occupation.
    pub seeker_share: f64,
    /// Its vacancy-to-seeker ratio relative to the county's.
    pub tightness: f64,
    pub base_wage: f64,
    pub wage_growth: f64,
    pub industry: &'static str,
}

/// Known events injected into the data, written to `manifest.json` beside it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Events {
    pub layoff: LayoffEvent,
    pub policy: PolicyEvent,
    pub duplicate_payments: DuplicateEvent,
    pub unregistered_payments: UnregisteredEvent,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct LayoffEvent {
    pub county: Adcode,
    pub month: Period,
    pub employers: Vec<String>,
    /// Share of each employer's staff cut in that month.
    pub cut_share: f64,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct PolicyEvent {
    pub name: String,
    /// Waves of roll-out: (first month in force, counties).
    pub waves: Vec<(Period, Vec<Adcode>)>,
    /// Multiplicative effect on new urban jobs in treated counties once in force.
    pub effect_on_new_jobs: f64,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct DuplicateEvent {
    pub county: Adcode,
    pub months: Vec<Period>,
    /// Payment ids of the injected second payments.
    pub payment_ids: Vec<String>,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct UnregisteredEvent {
    pub payment_ids: Vec<String>,
}

pub struct World {
    pub seed: u64,
    pub scale: u64,
    pub months: Vec<Period>,
    pub cities: Vec<City>,
    pub counties: Vec<County>,
    pub employers: Vec<Employer>,
    pub zones: Vec<Zone>,
    pub occupations: Vec<OccupationProfile>,
    pub layoff: LayoffEvent,
    pub policy: PolicyEvent,
    pub duplicate_county: Adcode,
    pub duplicate_months: Vec<Period>,
}

fn parse_cities() -> Vec<City> {
    CITIES_CSV
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.splitn(8, ',').collect();
            City {
                adcode: f[0].parse().expect("calibration adcode"),
                name: f[1].to_string(),
                population_10k: f[3].parse().expect("calibration population"),
                gdp_2023: f[4].parse().ok(),
            }
        })
        .collect()
}

/// Occupations that the national 最缺工 lists name repeatedly (calibration sample) are
/// tight; office and professional jobs are over-subscribed.
fn occupation_profiles(seed: u64) -> Vec<OccupationProfile> {
    const TIGHT: &[&str] =
        &["营销员", "餐厅服务员", "商品营业员", "保安员", "快递员", "家政服务员", "保洁员", "焊工", "车工", "客户服务管理员"];
    const SLACK: &[&str] = &["行政办事员", "会计专业人员", "教师"];
    let mut rng = rng_for(seed, "occupations", 0, 0);
    let profiles = codes::occupations()
        .iter()
        .map(|o| {
            let (tightness, share) = if TIGHT.contains(&o.name_zh.as_str()) {
                (rng.random_range(2.1..2.9), rng.random_range(0.015..0.03))
            } else if SLACK.contains(&o.name_zh.as_str()) {
                (rng.random_range(0.35..0.6), rng.random_range(0.07..0.1))
            } else {
                (rng.random_range(0.85..1.35), rng.random_range(0.025..0.045))
            };
            let industry = match &o.code[..1] {
                "6" => {
                    if o.code.starts_with("6-29") {
                        "E"
                    } else {
                        "C"
                    }
                }
                "5" => "A",
                "2" => ["I", "Q", "P", "M"][rng.random_range(0..4)],
                "3" => "S",
                _ => {
                    if o.code.starts_with("4-02") {
                        "G"
                    } else if o.code.starts_with("4-03") {
                        "H"
                    } else {
                        "F"
                    }
                }
            };
            OccupationProfile {
                code: o.code.clone(),
                seeker_share: share,
                tightness,
                base_wage: rng.random_range(4200.0..8500.0),
                wage_growth: if tightness > 2.0 { rng.random_range(0.05..0.08) } else { rng.random_range(0.015..0.035) },
                industry,
            }
        })
        .collect();
    normalise(profiles)
}

/// Seeker shares sum to 1, and the seeker-weighted tightness is 1, so that a county's
/// overall ratio is its base ratio.
fn normalise(mut profiles: Vec<OccupationProfile>) -> Vec<OccupationProfile> {
    let share: f64 = profiles.iter().map(|p| p.seeker_share).sum();
    profiles.iter_mut().for_each(|p| p.seeker_share /= share);
    let weighted: f64 = profiles.iter().map(|p| p.seeker_share * p.tightness).sum();
    profiles.iter_mut().for_each(|p| p.tightness /= weighted);
    profiles
}

impl World {
    pub fn new(seed: u64, scale: u64) -> World {
        let tree = RegionTree::shandong();
        let cities = parse_cities();
        let months: Vec<Period> = {
            let first = Period::month(FIRST_MONTH.0, FIRST_MONTH.1).month_index();
            let last = Period::month(LAST_MONTH.0, LAST_MONTH.1).month_index();
            (first..=last).map(Period::from_month_index).collect()
        };
        let province_pop: f64 = cities.iter().map(|c| c.population_10k).sum();

        let mut counties = Vec::new();
        for city in &cities {
            let mut rng = rng_for(seed, "counties", city.adcode as u64, 0);
            let members: Vec<Adcode> = tree.children(city.adcode).map(|r| r.adcode).collect();
            // Urban districts (adcode suffix 01–20) are denser than counties.
            let weights: Vec<f64> = members
                .iter()
                .map(|&a| if a % 100 <= 20 { 1.3 } else if a % 100 >= 81 { 1.1 } else { 0.9 } * rng.random_range(0.7..1.3))
                .collect();
            let total: f64 = weights.iter().sum();
            let city_ratio = rng.random_range(1.08..1.28);
            let wage_factor = if matches!(city.adcode, 370100 | 370200) { 1.2 } else { rng.random_range(0.9..1.05) };
            for (&adcode, w) in members.iter().zip(&weights) {
                counties.push(County {
                    adcode,
                    city: city.adcode,
                    pop_share: city.population_10k / province_pop * w / total,
                    base_ratio: city_ratio * rng.random_range(0.95..1.05),
                    wage_factor,
                });
            }
        }
        debug_assert_eq!(counties.len(), tree.at_level(Level::County).count());

        let occupations = occupation_profiles(seed);
        let mut world = World {
            seed,
            scale,
            months,
            cities,
            counties,
            employers: Vec::new(),
            zones: Vec::new(),
            occupations,
            layoff: LayoffEvent { county: 0, month: Period::month(2026, 8), employers: Vec::new(), cut_share: 0.3 },
            policy: PolicyEvent { name: String::new(), waves: Vec::new(), effect_on_new_jobs: 1.12 },
            duplicate_county: 0,
            duplicate_months: vec![Period::month(2026, 5), Period::month(2026, 6), Period::month(2026, 7)],
        };
        world.employers = world.make_employers();
        world.pick_events();
        world.zones = world.make_zones();
        world
    }

    pub fn n_months(&self) -> usize {
        self.months.len()
    }

    pub fn county(&self, adcode: Adcode) -> &County {
        self.counties.iter().find(|c| c.adcode == adcode).expect("known county")
    }

    /// Expected unemployment inflow per month in a county.
    fn unemployment_inflow(&self, county: &County) -> f64 {
        self.scale as f64 * SHARE_UNEMPLOYMENT * county.pop_share / self.n_months() as f64
    }

    fn make_employers(&self) -> Vec<Employer> {
        let mut employers = Vec::new();
        for county in &self.counties {
            let mut rng = rng_for(self.seed, "employers", county.adcode as u64, 0);
            let stock = self.unemployment_inflow(county) * MEAN_UNEMPLOYMENT_MONTHS;
            let insured = stock / TARGET_UNEMPLOYMENT_RATE * (1.0 - TARGET_UNEMPLOYMENT_RATE);
            let n = ((insured / MEAN_EMPLOYER_SIZE).round() as usize).max(3);
            for i in 0..n {
                // Heavy-tailed sizes: many small firms, a few large ones.
                let u: f64 = rng.random_range(0.0..1.0);
                let size = (10.0 + 35.0 * (1.0 - u).powf(-0.8)).min(3000.0) as u32;
                let industry = codes::INDUSTRIES[weighted_industry(&mut rng)].0;
                employers.push(Employer { id: format!("E{}{:05}", county.adcode, i), county: county.adcode, industry, initial_size: size });
            }
        }
        employers
    }

    fn pick_events(&mut self) {
        let mut rng = rng_for(self.seed, "events", 0, 0);
        // Layoff wave: three employers of one industrial county cut 30% of their staff.
        let candidates: Vec<Adcode> = self.counties.iter().filter(|c| c.adcode % 100 <= 20).map(|c| c.adcode).collect();
        let county = candidates[rng.random_range(0..candidates.len())];
        let mut ids: Vec<usize> = self.employers.iter().enumerate().filter(|(_, e)| e.county == county).map(|(i, _)| i).collect();
        ids.truncate(3);
        for &i in &ids {
            self.employers[i].initial_size = self.employers[i].initial_size.max(150);
            self.employers[i].industry = "C";
        }
        self.layoff.county = county;
        self.layoff.employers = ids.iter().map(|&i| self.employers[i].id.clone()).collect();

        // A hiring-subsidy extension rolled out in three waves to 24 counties.
        let mut pool: Vec<Adcode> = self.counties.iter().map(|c| c.adcode).collect();
        shuffle(&mut pool, &mut rng);
        self.policy.name = "一次性吸纳就业补贴扩围".into();
        self.policy.waves = vec![
            (Period::month(2024, 3), sorted(pool[0..8].to_vec())),
            (Period::month(2024, 9), sorted(pool[8..16].to_vec())),
            (Period::month(2025, 3), sorted(pool[16..24].to_vec())),
        ];
        // The burst hits the most populous county the layoff wave did not.
        self.duplicate_county = self
            .counties
            .iter()
            .filter(|c| c.adcode != self.layoff.county)
            .max_by(|a, b| a.pop_share.total_cmp(&b.pop_share))
            .map(|c| c.adcode)
            .expect("counties");
    }

    /// The policy multiplier on new urban jobs for a county and month.
    pub fn policy_effect(&self, county: Adcode, month: Period) -> f64 {
        let treated = self.policy.waves.iter().any(|(start, counties)| month >= *start && counties.contains(&county));
        if treated {
            self.policy.effect_on_new_jobs
        } else {
            1.0
        }
    }

    fn make_zones(&self) -> Vec<Zone> {
        let mut rng = rng_for(self.seed, "zones", 0, 0);
        // Size the number of zones so a typical zone serves a realistic ~450 person-times
        // a month whatever the scale (a visit writes two records on average).
        let visits_total = self.scale as f64 * SHARE_TRANSACTIONS / 2.0;
        // Zones open between 2024-01 and 2026-06 and ramp up: ~18 full months on average.
        let typical_zone_months = 18.0;
        let n = ((visits_total / (450.0 * typical_zone_months)).round() as usize).clamp(3, 400);
        let mut zones = Vec::with_capacity(n);
        for i in 0..n {
            let county = &self.counties[pick_by_share(&self.counties, &mut rng)];
            let kind = ["人社部门", "人社部门", "普通高校", "技工院校"][i % 4];
            // Some zones offer too few functions or see too few visitors: not every zone
            // meets the targets.
            let n_functions = if rng.random::<f64>() < 0.12 { 4 } else { rng.random_range(5..=8) };
            let mut functions: Vec<&'static str> = codes::SERVICE_FUNCTIONS.iter().map(|f| f.0).collect();
            shuffle(&mut functions, &mut rng);
            functions.truncate(n_functions);
            functions.sort_by_key(|f| codes::SERVICE_FUNCTIONS.iter().position(|e| e.0 == *f));
            let target = if kind == "人社部门" { 5000.0 } else { 3000.0 };
            let monthly_visits = target / 12.0 * rng.random_range(0.75..1.6);
            let opened_index = rng.random_range(36..66); // 2024-01 .. 2026-06
            let opened = Period::from_month_index(self.months[0].month_index() + opened_index);
            let region = RegionTree::shandong().get(county.adcode).expect("county");
            let name = match kind {
                "人社部门" => format!("{}数智就业服务区", region.name_zh),
                "普通高校" => format!("{}高校数智就业服务站{}", region.name_zh, i),
                _ => format!("{}技工院校数智就业服务站{}", region.name_zh, i),
            };
            zones.push(Zone {
                id: format!("Z{:04}", i + 1),
                name,
                kind,
                county: county.adcode,
                functions,
                opened: (opened.year(), opened.last_month(), rng.random_range(1..=28)),
                monthly_visits,
            });
        }
        zones
    }
}

fn sorted(mut v: Vec<Adcode>) -> Vec<Adcode> {
    v.sort();
    v
}

pub fn shuffle<T>(v: &mut [T], rng: &mut Pcg64Mcg) {
    for i in (1..v.len()).rev() {
        v.swap(i, rng.random_range(0..=i));
    }
}

/// An index drawn with probability proportional to its weight.
pub fn pick_weighted(weights: impl IntoIterator<Item = f64> + Clone, rng: &mut Pcg64Mcg) -> usize {
    let total: f64 = weights.clone().into_iter().sum();
    let mut x = rng.random_range(0.0..total);
    let mut last = 0;
    for (i, w) in weights.into_iter().enumerate() {
        x -= w;
        last = i;
        if x <= 0.0 {
            return i;
        }
    }
    last
}

/// Index of a county drawn in proportion to its population share.
pub fn pick_by_share(counties: &[County], rng: &mut Pcg64Mcg) -> usize {
    pick_weighted(counties.iter().map(|c| c.pop_share), rng)
}

/// Industry mix of insured employers (indexes into INDUSTRIES).
fn weighted_industry(rng: &mut Pcg64Mcg) -> usize {
    const WEIGHTS: [f64; 20] = [2., 2., 30., 2., 10., 14., 6., 6., 4., 2., 3., 5., 3., 2., 3., 3., 2., 1., 0.5, 0.05];
    pick_weighted(WEIGHTS, rng)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn world_is_calibrated_to_the_real_geography() {
        let w = World::new(7, 200_000);
        assert_eq!(w.cities.len(), 16);
        assert_eq!(w.counties.len(), 136);
        assert!((w.counties.iter().map(|c| c.pop_share).sum::<f64>() - 1.0).abs() < 1e-9);
        assert_eq!(w.n_months(), 70, "2021-01 to 2026-10");
        let jinan: f64 = w.counties.iter().filter(|c| c.city == 370100).map(|c| c.pop_share).sum();
        assert!((jinan - 920.2432 / 10152.7453).abs() < 1e-6, "济南's census share, got {jinan}");
        let seekers: f64 = w.occupations.iter().map(|o| o.seeker_share).sum();
        let tightness: f64 = w.occupations.iter().map(|o| o.seeker_share * o.tightness).sum();
        assert!((seekers - 1.0).abs() < 1e-9 && (tightness - 1.0).abs() < 1e-9);
        assert_eq!(w.layoff.employers.len(), 3);
        assert_eq!(w.policy.waves.iter().map(|(_, c)| c.len()).sum::<usize>(), 24);
    }

    #[test]
    fn same_seed_same_world() {
        let (a, b) = (World::new(3, 50_000), World::new(3, 50_000));
        assert_eq!(a.layoff.county, b.layoff.county);
        assert_eq!(a.employers.len(), b.employers.len());
        assert_eq!(a.zones.iter().map(|z| &z.name).collect::<Vec<_>>(), b.zones.iter().map(|z| &z.name).collect::<Vec<_>>());
    }
}
