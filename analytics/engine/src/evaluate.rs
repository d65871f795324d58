//! 政策效果评估 on any panel: difference in differences in the three forms the data can
//! support, each with cluster-robust uncertainty.
//!
//! **2×2** (no unit or period column): OLS of `y = a + b·T + c·P + δ·T·P + e` on every row,
//! `T` the treated-group and `P` the post-period indicator; δ is the effect. Its variance is
//! the sandwich `(X'X)⁻¹ (Σ_g s_g s_g') (X'X)⁻¹`, `s_g = Σ_{i∈g} x_i e_i`, scaled by
//! `G/(G−1) · (N−1)/(N−K)` (CR1, as Stata's `regress, vce(cluster)`); without a cluster
//! column every row is its own cluster, which is HC1. The interval uses Student's t with
//! G − 1 degrees of freedom (N − K for HC1).
//!
//! **Two-way fixed effects** (unit and period columns, one adoption date): OLS of
//! `y_it = α_i + λ_t + δ·D_it + e_it`, `D_it = T_i·P_t`. The fixed effects are swept out by
//! alternating demeaning (exact for any panel, balanced or not; Guimarães & Portugal
//! 2010), then `δ = Σ d̃ỹ / Σ d̃²` (Frisch–Waugh–Lovell). Variance:
//! `G/(G−1) · (N−1)/(N−K) · Σ_g (Σ_{i∈g} d̃_i ê_i)² / (Σ d̃²)²`, clustered by unit unless a
//! cluster column is given, with K counting δ and the fixed effects not nested in the
//! clusters (as `reghdfe`); t with G − 1 degrees of freedom.
//!
//! **Staggered adoption** (each unit's adoption period, empty for never): plain TWFE
//! compares later adopters with earlier ones and can even get the sign wrong when effects
//! grow over time (Goodman-Bacon 2021), so this is Callaway & Sant'Anna (2021) without
//! covariates: for each adoption cohort g and period t,
//! `ATT(g,t) = [Ȳ_g(t) − Ȳ_g(b)] − [Ȳ_C(t) − Ȳ_C(b)]`, C the never-treated units, b = g − 1
//! after adoption and b = t − 1 before it (their "varying" base, so each lead is a
//! one-period placebo). The overall effect averages the post cells weighted by cohort size
//! (their "simple" aggregation); the event study averages the cells at each event time
//! e = t − g the same way. Uncertainty: a cluster bootstrap ([`BOOTSTRAP_REPLICATES`]
//! draws of whole clusters with replacement, a fixed seed, so runs repeat), the standard
//! error the replicates' standard deviation and the interval ±1.96 se. Pre-trends: a Wald
//! test that the leads of the year before adoption are zero, with their bootstrap
//! covariance, against χ² with as many degrees of freedom as leads.
//!
//! With unit and period columns and a post column, the event study and trends come from
//! the same cohort machinery (one cohort: each treated unit's first post period).

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF, StudentsT};

/// Cluster-bootstrap draws for the staggered estimator.
pub const BOOTSTRAP_REPLICATES: usize = 999;
const BOOTSTRAP_SEED: u64 = 20_210_601;
const Z95: f64 = 1.959_963_984_540;
/// Leads in the joint pre-trend test: the year before adoption. Far leads rest on the
/// earliest cohort alone, and a covariance of dozens of leads estimated from a thousand
/// draws of a few treated units is too unsteady to invert (on the generator's rollout,
/// 49 leads gave χ² = 332 although none of them stood out on its own).
pub const PRE_TREND_LEADS: i64 = 12;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Design {
    #[serde(rename = "2x2")]
    TwoByTwo,
    #[serde(rename = "twfe")]
    Twfe,
    #[serde(rename = "staggered")]
    Staggered,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EvaluateError {
    #[error("no {0} rows: the effect cannot be estimated")]
    EmptyCell(&'static str),
    #[error("the treatment does not vary once unit and period effects are removed")]
    NoVariation,
    #[error("{0} clusters: at least 2 are needed for a clustered standard error")]
    TooFewClusters(usize),
    #[error("no never-treated units to compare with")]
    NoComparison,
    #[error("no cohort adopts after the first period: nothing to compare before and after")]
    NoCohort,
}

/// The headline effect.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Estimate {
    pub design: Design,
    pub estimate: f64,
    pub se: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Observations used.
    pub n: usize,
    pub clusters: usize,
}

/// The effect `event_time` periods after adoption (negative: before; a lead).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventPoint {
    pub event_time: i64,
    pub estimate: f64,
    pub se: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Cohorts observed at this event time.
    pub cohorts: usize,
}

/// The joint test that the leads are zero (parallel trends before adoption).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PreTrend {
    pub wald: f64,
    pub dof: usize,
    pub p_value: f64,
}

/// Mean outcome of the ever-treated and the comparison units in one period.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrendPoint {
    pub period: usize,
    pub treated: Option<f64>,
    pub comparison: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    #[serde(flatten)]
    pub headline: Estimate,
    pub event_study: Vec<EventPoint>,
    pub pre_trend: Option<PreTrend>,
    pub trends: Vec<TrendPoint>,
}

/// The 2×2 form on rows of (outcome, treated, post, cluster).
pub fn two_by_two(y: &[f64], treated: &[bool], post: &[bool], cluster: Option<&[usize]>) -> Result<Estimate, EvaluateError> {
    for (name, t, p) in [
        ("control, before", false, false),
        ("control, after", false, true),
        ("treated, before", true, false),
        ("treated, after", true, true),
    ] {
        if !treated.iter().zip(post).any(|(a, b)| (*a, *b) == (t, p)) {
            return Err(EvaluateError::EmptyCell(name));
        }
    }
    let x: Vec<[f64; 4]> = treated.iter().zip(post).map(|(&t, &p)| [1.0, f64::from(t), f64::from(p), f64::from(t && p)]).collect();
    let mut xtx = vec![vec![0.0; 4]; 4];
    let mut xty = [0.0; 4];
    for (row, v) in x.iter().zip(y) {
        for a in 0..4 {
            xty[a] += row[a] * v;
            for b in 0..4 {
                xtx[a][b] += row[a] * row[b];
            }
        }
    }
    let inverse = invert(xtx).ok_or(EvaluateError::NoVariation)?;
    let beta: Vec<f64> = (0..4).map(|a| (0..4).map(|b| inverse[a][b] * xty[b]).sum()).collect();
    let residual = |i: usize| y[i] - (0..4).map(|a| x[i][a] * beta[a]).sum::<f64>();
    let own: Vec<usize>;
    let clusters = match cluster {
        Some(c) => c,
        None => {
            own = (0..y.len()).collect();
            &own
        }
    };
    let g = count_distinct(clusters);
    if g < 2 {
        return Err(EvaluateError::TooFewClusters(g));
    }
    let mut scores = std::collections::HashMap::<usize, [f64; 4]>::new();
    for i in 0..y.len() {
        let e = residual(i);
        let s = scores.entry(clusters[i]).or_insert([0.0; 4]);
        for a in 0..4 {
            s[a] += x[i][a] * e;
        }
    }
    // Only δ's variance is needed: row 3 of the sandwich.
    let r: Vec<f64> = (0..4).map(|b| inverse[3][b]).collect();
    let meat: f64 = scores.values().map(|s| (0..4).map(|a| r[a] * s[a]).sum::<f64>().powi(2)).sum();
    let (n, k) = (y.len() as f64, 4.0);
    let variance = g as f64 / (g as f64 - 1.0) * (n - 1.0) / (n - k) * meat;
    let dof = if cluster.is_some() { g as f64 - 1.0 } else { n - k };
    Ok(interval(Design::TwoByTwo, beta[3], variance.sqrt(), dof, y.len(), g))
}

/// A panel: one row per unit and period (indexes from 0), with its outcome.
#[derive(Clone, Debug, Default)]
pub struct Panel {
    pub unit: Vec<usize>,
    pub period: Vec<usize>,
    pub y: Vec<f64>,
    /// Each unit's cluster (by default, the unit itself), indexed by unit.
    pub cluster_of_unit: Vec<usize>,
}

impl Panel {
    fn units(&self) -> usize {
        self.cluster_of_unit.len()
    }

    fn periods(&self) -> usize {
        self.period.iter().max().map_or(0, |p| p + 1)
    }
}

/// Two-way fixed effects with `treatment[i]` (D_it) on each row.
pub fn twfe(panel: &Panel, treatment: &[bool]) -> Result<Estimate, EvaluateError> {
    let (units, periods) = (panel.units(), panel.periods());
    let mut y = panel.y.clone();
    let mut d: Vec<f64> = treatment.iter().map(|&t| f64::from(t)).collect();
    demean_two_way(&mut y, &panel.unit, &panel.period, units, periods);
    demean_two_way(&mut d, &panel.unit, &panel.period, units, periods);
    let dd: f64 = d.iter().map(|v| v * v).sum();
    if dd < 1e-12 * d.len() as f64 {
        return Err(EvaluateError::NoVariation);
    }
    let delta = d.iter().zip(&y).map(|(a, b)| a * b).sum::<f64>() / dd;
    let mut scores = vec![0.0; units];
    for i in 0..y.len() {
        scores[panel.cluster_of_unit[panel.unit[i]]] += d[i] * (y[i] - delta * d[i]);
    }
    let g = count_distinct(&panel.cluster_of_unit);
    if g < 2 {
        return Err(EvaluateError::TooFewClusters(g));
    }
    // Units are always nested in their clusters (a cluster is a set of units), so their
    // fixed effects do not count: δ and the period effects less the one absorbed.
    let (n, k) = (y.len() as f64, periods as f64);
    let variance = g as f64 / (g as f64 - 1.0) * (n - 1.0) / (n - k).max(1.0) * scores.iter().map(|s| s * s).sum::<f64>() / (dd * dd);
    Ok(interval(Design::Twfe, delta, variance.sqrt(), g as f64 - 1.0, y.len(), g))
}

/// Sweeps unit and period means out of `v` until both are zero (to 1e-10 of the values'
/// scale): the residual of a regression on both sets of dummies.
fn demean_two_way(v: &mut [f64], unit: &[usize], period: &[usize], units: usize, periods: usize) {
    let scale = v.iter().fold(0.0f64, |m, x| m.max(x.abs())).max(1.0);
    for _ in 0..10_000 {
        let mut largest: f64 = 0.0;
        for (group, count) in [(unit, units), (period, periods)] {
            let (mut sum, mut n) = (vec![0.0; count], vec![0usize; count]);
            for (x, &k) in v.iter().zip(group) {
                sum[k] += x;
                n[k] += 1;
            }
            let mean: Vec<f64> = sum.iter().zip(&n).map(|(s, &n)| if n > 0 { s / n as f64 } else { 0.0 }).collect();
            largest = mean.iter().fold(largest, |m, x| m.max(x.abs()));
            for (x, &k) in v.iter_mut().zip(group) {
                *x -= mean[k];
            }
        }
        if largest < 1e-10 * scale {
            return;
        }
    }
}

/// Callaway & Sant'Anna with never-treated comparison units. `adoption[u]` is unit u's
/// first treated period (`None`: never). Units treated from the first period on have no
/// before and are left out.
pub fn staggered(panel: &Panel, adoption: &[Option<usize>]) -> Result<Evaluation, EvaluateError> {
    let cohorts = Cohorts::new(panel, adoption)?;
    let all_units = vec![1.0; panel.units()];
    let point = cohorts.aggregate(&all_units).ok_or(EvaluateError::NoCohort)?;
    // The bootstrap: whole clusters drawn with replacement; a unit weighs as often as its
    // cluster is drawn.
    let clusters = count_distinct(&panel.cluster_of_unit);
    if clusters < 2 {
        return Err(EvaluateError::TooFewClusters(clusters));
    }
    let cluster_ids = distinct_sorted(&panel.cluster_of_unit);
    let position = |c: usize| cluster_ids.binary_search(&c).expect("a known cluster");
    let mut rng = Pcg64Mcg::seed_from_u64(BOOTSTRAP_SEED);
    let mut replicates: Vec<Aggregate> = Vec::with_capacity(BOOTSTRAP_REPLICATES);
    for _ in 0..BOOTSTRAP_REPLICATES {
        let mut drawn = vec![0.0; cluster_ids.len()];
        for _ in 0..cluster_ids.len() {
            drawn[rng.random_range(0..cluster_ids.len())] += 1.0;
        }
        let weights: Vec<f64> = panel.cluster_of_unit.iter().map(|&c| drawn[position(c)]).collect();
        if let Some(r) = cohorts.aggregate(&weights) {
            replicates.push(r);
        }
    }
    let se = standard_deviation(replicates.iter().map(|r| r.overall));
    let headline = Estimate {
        design: Design::Staggered,
        estimate: point.overall,
        se,
        ci_low: point.overall - Z95 * se,
        ci_high: point.overall + Z95 * se,
        n: cohorts.observations,
        clusters,
    };
    let event_study: Vec<EventPoint> = point
        .by_event
        .iter()
        .map(|&(e, estimate, cohorts_at)| {
            let se = standard_deviation(replicates.iter().filter_map(|r| r.at(e)));
            EventPoint { event_time: e, estimate, se, ci_low: estimate - Z95 * se, ci_high: estimate + Z95 * se, cohorts: cohorts_at }
        })
        .collect();
    let pre_trend = pre_trend(&point, &replicates);
    Ok(Evaluation { headline, event_study, pre_trend, trends: cohorts.trends() })
}

/// The joint Wald test of the last [`PRE_TREND_LEADS`] leads, with their bootstrap
/// covariance.
fn pre_trend(point: &Aggregate, replicates: &[Aggregate]) -> Option<PreTrend> {
    let leads: Vec<(i64, f64)> =
        point.by_event.iter().filter(|(e, _, _)| (-PRE_TREND_LEADS..0).contains(e)).map(|&(e, v, _)| (e, v)).collect();
    if leads.is_empty() {
        return None;
    }
    let draws: Vec<Vec<f64>> = replicates.iter().filter_map(|r| leads.iter().map(|(e, _)| r.at(*e)).collect()).collect();
    let k = leads.len();
    if draws.len() <= k {
        return None;
    }
    let mean: Vec<f64> = (0..k).map(|a| draws.iter().map(|d| d[a]).sum::<f64>() / draws.len() as f64).collect();
    let covariance: Vec<Vec<f64>> = (0..k)
        .map(|a| {
            (0..k).map(|b| draws.iter().map(|d| (d[a] - mean[a]) * (d[b] - mean[b])).sum::<f64>() / (draws.len() - 1) as f64).collect()
        })
        .collect();
    let inverse = invert(covariance)?;
    let theta: Vec<f64> = leads.iter().map(|(_, v)| *v).collect();
    let wald: f64 = (0..k).map(|a| (0..k).map(|b| theta[a] * inverse[a][b] * theta[b]).sum::<f64>()).sum();
    let p_value = 1.0 - ChiSquared::new(k as f64).ok()?.cdf(wald);
    Some(PreTrend { wald, dof: k, p_value })
}

/// The panel as a unit × period matrix, with each unit's cohort.
struct Cohorts {
    values: Vec<Vec<Option<f64>>>,
    /// Each unit's adoption period; `None` for never-treated units.
    cohort_of_unit: Vec<Option<usize>>,
    /// The cohorts (adoption periods), ascending.
    cohorts: Vec<usize>,
    periods: usize,
    observations: usize,
    /// Units treated from the first period on have no before: they are left out.
    included: Vec<bool>,
}

/// One set of weights' results: the overall ATT and (event time, estimate, cohorts).
struct Aggregate {
    overall: f64,
    by_event: Vec<(i64, f64, usize)>,
}

impl Aggregate {
    fn at(&self, e: i64) -> Option<f64> {
        self.by_event.iter().find(|(x, _, _)| *x == e).map(|(_, v, _)| *v)
    }
}

impl Cohorts {
    fn new(panel: &Panel, adoption: &[Option<usize>]) -> Result<Cohorts, EvaluateError> {
        let (units, periods) = (panel.units(), panel.periods());
        let mut values = vec![vec![None; periods]; units];
        for i in 0..panel.y.len() {
            values[panel.unit[i]][panel.period[i]] = Some(panel.y[i]);
        }
        let included: Vec<bool> = adoption.iter().map(|a| *a != Some(0)).collect();
        if !adoption.iter().zip(&included).any(|(a, ok)| *ok && a.is_none()) {
            return Err(EvaluateError::NoComparison);
        }
        let mut cohorts: Vec<usize> = adoption.iter().zip(&included).filter_map(|(a, ok)| a.filter(|&g| *ok && g < periods)).collect();
        cohorts.sort_unstable();
        cohorts.dedup();
        if cohorts.is_empty() {
            return Err(EvaluateError::NoCohort);
        }
        let observations = (0..panel.y.len()).filter(|&i| included[panel.unit[i]]).count();
        Ok(Cohorts { values, cohort_of_unit: adoption.to_vec(), cohorts, periods, observations, included })
    }

    /// ATT(g, t) against base period b, with unit weights; `None` if either side has no
    /// unit observed in both periods.
    fn att(&self, g: usize, t: usize, base: usize, weights: &[f64]) -> Option<(f64, f64)> {
        let (mut treated, mut comparison) = ((0.0, 0.0), (0.0, 0.0));
        for (u, row) in self.values.iter().enumerate() {
            let w = weights[u];
            if w == 0.0 || !self.included[u] {
                continue;
            }
            let (Some(now), Some(before)) = (row[t], row[base]) else { continue };
            let side = match self.cohort_of_unit[u] {
                None => &mut comparison,
                Some(c) if c == g => &mut treated,
                Some(_) => continue,
            };
            side.0 += w * (now - before);
            side.1 += w;
        }
        (treated.1 > 0.0 && comparison.1 > 0.0).then(|| (treated.0 / treated.1 - comparison.0 / comparison.1, treated.1))
    }

    fn aggregate(&self, weights: &[f64]) -> Option<Aggregate> {
        // (event time, Σ size·ATT, Σ size, cohorts)
        let mut events: std::collections::BTreeMap<i64, (f64, f64, usize)> = Default::default();
        let (mut post_sum, mut post_weight) = (0.0, 0.0);
        for &g in &self.cohorts {
            for t in 0..self.periods {
                let base = if t >= g { g.checked_sub(1) } else { t.checked_sub(1) };
                let Some(base) = base else { continue };
                let Some((att, size)) = self.att(g, t, base, weights) else { continue };
                let entry = events.entry(t as i64 - g as i64).or_default();
                entry.0 += size * att;
                entry.1 += size;
                entry.2 += 1;
                if t >= g {
                    post_sum += size * att;
                    post_weight += size;
                }
            }
        }
        (post_weight > 0.0).then(|| Aggregate {
            overall: post_sum / post_weight,
            by_event: events.into_iter().map(|(e, (s, w, n))| (e, s / w, n)).collect(),
        })
    }

    /// Mean outcomes per period: ever-treated (included) units and never-treated units.
    fn trends(&self) -> Vec<TrendPoint> {
        (0..self.periods)
            .map(|t| {
                let mean = |treated: bool| {
                    let values: Vec<f64> = self
                        .values
                        .iter()
                        .enumerate()
                        .filter(|(u, _)| self.included[*u] && self.cohort_of_unit[*u].is_some() == treated)
                        .filter_map(|(_, row)| row[t])
                        .collect();
                    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
                };
                TrendPoint { period: t, treated: mean(true), comparison: mean(false) }
            })
            .collect()
    }
}

fn interval(design: Design, estimate: f64, se: f64, dof: f64, n: usize, clusters: usize) -> Estimate {
    let t = StudentsT::new(0.0, 1.0, dof.max(1.0)).map(|d| d.inverse_cdf(0.975)).unwrap_or(Z95);
    Estimate { design, estimate, se, ci_low: estimate - t * se, ci_high: estimate + t * se, n, clusters }
}

fn standard_deviation(values: impl Iterator<Item = f64>) -> f64 {
    let values: Vec<f64> = values.collect();
    if values.len() < 2 {
        return f64::NAN;
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (values.len() - 1) as f64).sqrt()
}

fn distinct_sorted(values: &[usize]) -> Vec<usize> {
    let mut v = values.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

fn count_distinct(values: &[usize]) -> usize {
    distinct_sorted(values).len()
}

/// Gauss–Jordan inversion with partial pivoting; `None` if singular.
fn invert(mut a: Vec<Vec<f64>>) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut inverse: Vec<Vec<f64>> = (0..n).map(|i| (0..n).map(|j| f64::from(i == j)).collect()).collect();
    let scale = a.iter().flatten().fold(0.0f64, |m, x| m.max(x.abs()));
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() <= 1e-12 * scale {
            return None;
        }
        a.swap(col, pivot);
        inverse.swap(col, pivot);
        let p = a[col][col];
        for j in 0..n {
            a[col][j] /= p;
            inverse[col][j] /= p;
        }
        for i in (0..n).filter(|&i| i != col) {
            let f = a[i][col];
            if f != 0.0 {
                for j in 0..n {
                    a[i][j] -= f * a[col][j];
                    inverse[i][j] -= f * inverse[col][j];
                }
            }
        }
    }
    Some(inverse)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_textbook_two_by_two() {
        // Cell means: control 11 → 12, treated 9 → 13: δ = (13 − 9) − (12 − 11) = 3. Each
        // residual is ±1, so HC0 = Σ_cells Σe²/n² = 4 × 2/4 = 2; HC1 = 2 × N/(N−K) = 4.
        let y = [10.0, 12.0, 11.0, 13.0, 8.0, 10.0, 12.0, 14.0];
        let treated = [false, false, false, false, true, true, true, true];
        let post = [false, false, true, true, false, false, true, true];
        let e = two_by_two(&y, &treated, &post, None).unwrap();
        assert!((e.estimate - 3.0).abs() < 1e-12);
        assert!((e.se - 2.0).abs() < 1e-12, "{}", e.se);
        // t(4) 97.5 % = 2.7764.
        assert!((e.ci_high - 3.0 - 2.0 * 2.776_445).abs() < 1e-4, "{}", e.ci_high);
        assert_eq!((e.n, e.clusters), (8, 8));
        assert_eq!(two_by_two(&y[..4], &treated[..4], &post[..4], None), Err(EvaluateError::EmptyCell("treated, before")));
    }

    /// Units × periods with unit and period effects, a small deterministic wobble, and
    /// `effect(unit, period)` added.
    fn panel(units: usize, periods: usize, effect: impl Fn(usize, usize) -> f64) -> Panel {
        let mut p = Panel { cluster_of_unit: (0..units).collect(), ..Default::default() };
        for u in 0..units {
            for t in 0..periods {
                let wobble = (((u * 31 + t * 17) % 11) as f64 - 5.0) * 0.01;
                p.unit.push(u);
                p.period.push(t);
                p.y.push(10.0 + u as f64 * 0.7 + (t as f64 * 0.9).sin() + wobble + effect(u, t));
            }
        }
        p
    }

    #[test]
    fn twfe_recovers_a_common_effect_and_equals_the_two_by_two_on_two_periods() {
        let treated = |u: usize| u.is_multiple_of(3);
        let p = panel(30, 8, |u, t| if treated(u) && t >= 4 { 2.5 } else { 0.0 });
        let d: Vec<bool> = p.unit.iter().zip(&p.period).map(|(&u, &t)| treated(u) && t >= 4).collect();
        let e = twfe(&p, &d).unwrap();
        assert!((e.estimate - 2.5).abs() < 0.02, "{}", e.estimate);
        assert!(e.ci_low < 2.5 && 2.5 < e.ci_high && e.se > 0.0 && e.se < 0.05, "{e:?}");
        assert_eq!(e.clusters, 30);

        // Two periods, balanced: TWFE is the 2×2 difference of means.
        let rows: Vec<usize> = (0..p.y.len()).filter(|&i| p.period[i] == 3 || p.period[i] == 4).collect();
        let two = Panel {
            unit: rows.iter().map(|&i| p.unit[i]).collect(),
            period: rows.iter().map(|&i| p.period[i] - 3).collect(),
            y: rows.iter().map(|&i| p.y[i]).collect(),
            cluster_of_unit: p.cluster_of_unit.clone(),
        };
        let d2: Vec<bool> = rows.iter().map(|&i| d[i]).collect();
        let t2: Vec<bool> = rows.iter().map(|&i| treated(p.unit[i])).collect();
        let post: Vec<bool> = two.period.iter().map(|&t| t == 1).collect();
        let fe = twfe(&two, &d2).unwrap();
        let dd = two_by_two(&two.y, &t2, &post, None).unwrap();
        assert!((fe.estimate - dd.estimate).abs() < 1e-9, "{} vs {}", fe.estimate, dd.estimate);
    }

    #[test]
    fn staggered_adoption_with_growing_effects() {
        // Cohorts adopt at periods 3 and 6 of 10; the effect is 1 + periods since adoption.
        let adoption: Vec<Option<usize>> = (0..40)
            .map(|u| match u % 4 {
                0 => Some(3),
                1 => Some(6),
                _ => None,
            })
            .collect();
        let effect = |u: usize, t: usize| adoption[u].filter(|&g| t >= g).map_or(0.0, |g| 1.0 + (t - g) as f64);
        let p = panel(40, 10, effect);
        let eval = staggered(&p, &adoption).unwrap();
        // Post cells: cohort 3 at e = 0..6, cohort 6 at e = 0..3, equal sizes.
        let truth = ((1..=7).sum::<usize>() + (1..=4).sum::<usize>()) as f64 / 11.0;
        assert!((eval.headline.estimate - truth).abs() < 0.02, "{} vs {truth}", eval.headline.estimate);
        assert!(eval.headline.ci_low < truth && truth < eval.headline.ci_high, "{:?}", eval.headline);
        for point in &eval.event_study {
            let expected = if point.event_time >= 0 { 1.0 + point.event_time as f64 } else { 0.0 };
            assert!((point.estimate - expected).abs() < 0.03, "e = {}: {}", point.event_time, point.estimate);
        }
        assert_eq!(eval.event_study.first().map(|p| p.event_time), Some(-5));
        assert_eq!(eval.event_study.last().map(|p| p.event_time), Some(6));
        let pre = eval.pre_trend.as_ref().unwrap();
        assert_eq!(pre.dof, 5);
        assert!(pre.p_value > 0.01, "{pre:?}");

        // TWFE on the same data averages with forbidden comparisons (late vs early
        // adopters) and misses the truth by far more than its own interval.
        let d: Vec<bool> = p.unit.iter().zip(&p.period).map(|(&u, &t)| adoption[u].is_some_and(|g| t >= g)).collect();
        let fe = twfe(&p, &d).unwrap();
        assert!((fe.estimate - truth).abs() > 0.5 && !(fe.ci_low < truth && truth < fe.ci_high), "{fe:?} vs {truth}");
    }

    #[test]
    fn a_lead_that_moves_fails_the_pre_trend_test() {
        let adoption: Vec<Option<usize>> = (0..40).map(|u| (u % 2 == 0).then_some(5)).collect();
        // Treated units drift upwards before adoption: parallel trends do not hold.
        let p = panel(40, 9, |u, t| if adoption[u].is_some() { 0.3 * t as f64 } else { 0.0 });
        let eval = staggered(&p, &adoption).unwrap();
        let pre = eval.pre_trend.unwrap();
        assert!(pre.p_value < 0.001, "{pre:?}");
        assert_eq!(staggered(&p, &vec![Some(5); 40]), Err(EvaluateError::NoComparison));
    }
}
