//! The generator's data through the real build, held to the events in its manifest.

use std::collections::HashSet;

use polars::prelude::*;
use szjy_engine::build::{build, BuildConfig};
use szjy_engine::generate::{generate, read_manifest, GenerateConfig};
use szjy_engine::ingest;
use szjy_engine::keys::PersonHasher;
use szjy_engine::models::{subsidy, Sources};
use szjy_engine::suppress::{additive_relations, additive_relations_of};
use szjy_model::catalogue::{self, Disclosure};
use szjy_model::cube::{flags, TOTAL};
use szjy_model::outlook;
use szjy_model::period::{Period, PeriodKind};
use szjy_model::region::{Level, RegionTree};
use szjy_model::schema;
use szjy_model::warning::{self, events, Rule};

use crate::temp_dir;

#[test]
fn generated_data_meets_its_manifest() {
    let dir = temp_dir("generated");
    let data = dir.join("data");
    let cfg = GenerateConfig { scale: 150_000, seed: 11, out: data.clone(), csv: false, dirty_rate: 0.002 };
    let manifest = generate(&cfg, &|_, _, _| {}).unwrap();
    assert_eq!(read_manifest(&data).unwrap().seed, 11);
    let total: u64 = manifest.rows.values().sum();
    // Mobile-network, macro and budget tables (~28k rows) do not scale; the rest does.
    assert!((135_000..205_000).contains(&total), "--scale 150000 wrote {total} rows");

    let out = build(&BuildConfig::new(data.clone(), dir.join("cube")), &|_, _, _| {}).unwrap();
    let cube = &out.internal;
    assert!(cube.demo_data);
    assert_eq!(cube.as_of.to_string(), "2026-10-31");

    // Every deliberately broken row, and only those, is quarantined.
    for rec in &out.reconciliation {
        assert!(rec.balances(), "{rec:?}");
        assert_eq!(rec.rows_in, manifest.rows[&rec.source], "{}", rec.source);
        assert_eq!(rec.quarantined, manifest.dirty_rows[&rec.source], "{}", rec.source);
    }
    assert!(manifest.dirty_rows.values().sum::<u64>() > 0);

    // The layoff wave raises an alert for each of its employers, in its county and month.
    let layoff = &manifest.events.layoff;
    let alerted: HashSet<&str> = cube
        .alerts
        .iter()
        .filter(|a| a.indicator == events::LAYOFF_REPORT && a.region == layoff.county && a.period == layoff.month)
        .filter_map(|a| a.subject.as_deref())
        .collect();
    for employer in &layoff.employers {
        assert!(alerted.contains(employer.as_str()), "no layoff alert for {employer}: {alerted:?}");
    }

    // At least 80% of city-months have an overall 求人倍率 in 0.9–1.5.
    let tree = RegionTree::shandong();
    let (mut inside, mut all) = (0, 0);
    for city in tree.at_level(Level::City) {
        for p in cube.periods("demand_supply_ratio", city.adcode, PeriodKind::Month) {
            let r = cube.total("demand_supply_ratio", city.adcode, p).value().unwrap();
            all += 1;
            inside += usize::from((0.9..=1.5).contains(&r));
        }
    }
    assert_eq!(all, 16 * 70);
    assert!(inside as f64 >= 0.8 * all as f64, "{inside} of {all} city-months in 0.9–1.5");

    // The published figures the demo carries are official cells, each with its citation,
    // public as they are, and none moved 数据截至 or entered a computed cell.
    let official: Vec<_> = cube.cells.iter().filter(|c| c.flags & flags::OFFICIAL != 0).collect();
    assert_eq!(official.len() as u64, manifest.rows["official_series"]);
    assert_eq!(cube.citations.len(), official.len());
    for cell in &official {
        let measure = cube.measure_id(cell);
        assert!(cube.citation(measure, cell.region, cell.period).is_some(), "{measure} {} {} uncited", cell.region, cell.period);
        assert!(matches!(
            szjy_model::catalogue::measure(measure).unwrap().aggregation,
            szjy_model::catalogue::Aggregation::Published { .. }
        ));
        assert_eq!(out.public.get(measure, cell.region, cell.period, TOTAL).value(), cell.value, "{measure}");
    }
    assert!(cube.cells.iter().filter(|c| cube.measure_id(c).starts_with("official_")).all(|c| c.flags & flags::OFFICIAL != 0));
    let national_june = cube.get("surveyed_unemployment_rate", szjy_model::region::NATIONAL, "2025-06".parse().unwrap(), TOTAL);
    assert_eq!(national_june.value(), Some(5.0), "国家统计局: 6月份，全国城镇调查失业率为5.0%");

    // Shortage occupations rank at 求人倍率 2–3 at the province.
    let top = cube
        .breakdown("shortage_rank", 370000, "2026Q3".parse().unwrap(), "occ")
        .into_iter()
        .find(|(_, rank)| rank.value() == Some(1.0))
        .expect("a top shortage occupation");
    let ratio = cube.get("demand_supply_ratio", 370000, "2026Q3".parse().unwrap(), &format!("occ:{}", top.0)).value().unwrap();
    assert!((1.8..=3.5).contains(&ratio), "top shortage occupation {} has ratio {ratio}", top.0);

    // The policy evaluation's 95% interval covers the injected effect on new jobs.
    let evaluation = cube.evaluations.iter().find(|e| e.policy == manifest.events.policy.name).expect("policy evaluated");
    let truth = (manifest.events.policy.effect_on_new_jobs - 1.0) * 100.0;
    assert_eq!(evaluation.waves.len(), 3);
    assert!(evaluation.ci_low_pct <= truth && truth <= evaluation.ci_high_pct, "{truth}% outside {evaluation:?}");
    // Its event study runs from before the first wave to after the last, with the
    // pre-trend test, and the group trends cover every month (at this small scale the
    // monthly county counts are too noisy to check the effect month by month).
    let months: Vec<i32> = evaluation.event_study.iter().map(|p| p.months).collect();
    assert!(months.contains(&-12) && months.contains(&0) && months.contains(&12), "{months:?}");
    assert!(evaluation.event_study.iter().all(|p| p.ci_low_pct <= p.effect_pct && p.effect_pct <= p.ci_high_pct));
    assert!(evaluation.pre_trend_p.is_some_and(|p| (0.0..=1.0).contains(&p)));
    assert_eq!(evaluation.trends.len(), szjy_model::outlook::observed_months(cube).len());

    // Duplicate payments: the model finds the injected ones (recall ≥ 0.95).
    let context = ingest::IngestContext::new(PersonHasher::new(b"unused"), chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap());
    let scratch = data.join("quarantine");
    let mut frames = std::collections::HashMap::new();
    for s in schema::SOURCES {
        frames.insert(s.name, ingest::load(&data, None, s, &context, &scratch, &ingest::Staging::Memory).unwrap().accepted);
    }
    let sources = Sources::new(frames);
    let found = subsidy::duplicates(sources.get("subsidy_disbursements"), &cube.rules.duplicate_payments)
        .unwrap()
        .select([col("payment_id")])
        .collect()
        .unwrap();
    let found: HashSet<String> = found.column("payment_id").unwrap().str().unwrap().iter().flatten().map(str::to_string).collect();
    let injected = &manifest.events.duplicate_payments.payment_ids;
    assert!(injected.len() >= 5, "the burst injected {} duplicates", injected.len());
    let recalled = injected.iter().filter(|id| found.contains(*id)).count();
    assert!(recalled as f64 >= 0.95 * injected.len() as f64, "recall {recalled}/{}", injected.len());
    let burst: f64 = manifest
        .events
        .duplicate_payments
        .months
        .iter()
        .map(|m| cube.total("subsidy_duplicate_payments", manifest.events.duplicate_payments.county, *m).value().unwrap())
        .sum();
    assert!(burst >= recalled as f64);

    // Unregistered recipients are found too.
    let flagged = subsidy::unregistered(sources.get("subsidy_disbursements"), &sources).select([col("payment_id")]).collect().unwrap();
    let flagged: HashSet<String> = flagged.column("payment_id").unwrap().str().unwrap().iter().flatten().map(str::to_string).collect();
    let planted = &manifest.events.unregistered_payments.payment_ids;
    let caught = planted.iter().filter(|id| flagged.contains(*id)).count();
    assert!(!planted.is_empty() && caught as f64 >= 0.95 * planted.len() as f64, "caught {caught}/{}", planted.len());

    // The internal cube adds up, for every Sum and Stock measure: a region is the sum of
    // its children, a total of its categories, a quarter of its months, a year of its
    // quarters, a stock's quarter is its last month. (Quarantined rows leave months with
    // no stock at some counties: their quarters are missing, never an earlier month.)
    let relations = additive_relations_of(cube, tree, |_| true);
    let broken: Vec<_> = relations
        .iter()
        .filter(|rel| {
            let total = cube.cells[rel[0]].value.expect("the internal cube hides nothing");
            let parts: f64 = rel[1..].iter().filter_map(|&c| cube.cells[c].value).sum();
            (total - parts).abs() > 1e-6 * total.abs().max(1.0)
        })
        .collect();
    assert!(relations.len() > 100_000, "only {} relations", relations.len());
    assert!(
        broken.is_empty(),
        "{} of {} relations do not add up ({:?}), e.g. {:?}",
        broken.len(),
        relations.len(),
        broken.iter().map(|rel| cube.measure_id(&cube.cells[rel[0]])).collect::<std::collections::BTreeSet<_>>(),
        broken
            .iter()
            .take(3)
            .map(|rel| rel.iter().map(|&c| (cube.measure_id(&cube.cells[c]), cube.cells[c])).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    );

    // Quarantined rows are counted by month (never more than were quarantined), and cells
    // over a region-month past the quarantine tolerance carry the flag.
    for rec in &out.reconciliation {
        let by_month: u64 = cube.coverage.iter().filter(|m| m.source == rec.source).map(|m| m.quarantined).sum();
        assert!(by_month <= rec.quarantined, "{}: {by_month} by month of {} quarantined", rec.source, rec.quarantined);
    }
    let quarantined_in_months: u64 = cube.coverage.iter().map(|m| m.quarantined).sum();
    let flagged = cube.cells.iter().filter(|c| c.flags & szjy_model::cube::flags::INCOMPLETE != 0).count();
    assert!(quarantined_in_months > 100 && flagged > 0, "{quarantined_in_months} rows by month, {flagged} cells flagged");

    // The public cube: no visible person count below k, and no relation that gives a
    // hidden cell away. (Forecasts are estimates made from its visible cells only, so
    // they may be small: they count no one.)
    let public = &out.public;
    for cell in public.cells.iter().filter(|c| c.flags & szjy_model::cube::flags::ESTIMATED == 0) {
        let def = catalogue::measure(public.measure_id(cell)).unwrap();
        if def.disclosure == Disclosure::PersonCount {
            if let Some(v) = cell.value {
                assert!(v >= 5.0, "{} {} {} = {v}", def.id, cell.region, cell.period);
            }
        }
    }
    let relations = additive_relations(public, tree);
    assert!(relations.len() > 1000);
    for rel in &relations {
        let hidden = rel.iter().filter(|&&c| public.cells[c].is_suppressed()).count();
        assert_ne!(hidden, 1, "a hidden cell is recoverable from {:?}", rel.iter().map(|&c| public.cells[c]).collect::<Vec<_>>());
    }
    assert!(public.cells.iter().any(|c| c.is_suppressed()), "small counties should have suppressed cells at this scale");
    assert!(public.alerts.iter().all(|a| a.indicator != events::LAYOFF_REPORT || a.subject.is_none()), "no employer ids in public");
    assert!(public.alerts.iter().all(|a| a.indicator != events::DUPLICATE_PAYMENTS && a.indicator != events::UNREGISTERED_PAYMENTS));
    assert!(public.total("new_urban_jobs", 370000, Period::YearToDate { year: 2026, month: 10 }).value().is_some());

    // Early warning, in both cubes: an indicator alert holds its indicator's value read
    // from that cube's visible cells, at the level its thresholds give, and began no later
    // than its month; the map's level is the most severe alert within the region. (A
    // year-on-year rule's minimum change only holds alerts back, so it is not checked.)
    for (name, c) in [("internal", cube), ("public", public)] {
        let mut indicator_alerts = 0;
        for a in &c.alerts {
            let Some(ind) = c.warning.indicator(&a.indicator).filter(|i| i.rule != Rule::Event) else { continue };
            indicator_alerts += 1;
            let value = szjy_model::indicator::indicator_value(c, &ind.rule, a.region, a.period)
                .unwrap_or_else(|| panic!("{name}: {a:?} has no value in its cube"));
            assert!((value - a.value).abs() < 0.006, "{name}: {a:?} but the cube gives {value}");
            assert_eq!(ind.trigger.level(value).map(|(level, _)| level), Some(a.level), "{name}: {a:?}");
            assert!(a.since <= a.period, "{name}: {a:?}");
        }
        assert!(indicator_alerts > 100, "{name}: only {indicator_alerts} indicator alerts");
        for region in tree.all() {
            let month = c.latest_month();
            let worst = c
                .alerts
                .iter()
                .filter(|a| a.period == month && tree.is_within(a.region, region.adcode))
                .map(|a| a.level.rank())
                .max()
                .unwrap_or(0);
            assert_eq!(c.total(warning::LEVEL_MEASURE, region.adcode, month).value(), Some(worst as f64), "{name}: {}", region.adcode);
            let index = c.total(warning::INDEX_MEASURE, region.adcode, month).value();
            assert!(index.is_some_and(|i| (0.0..=100.0).contains(&i)), "{name}: index {index:?} at {}", region.adcode);
        }
    }
    // Long-term unemployment is part of registered unemployment, wherever both are known.
    let mut long_term_seen = 0;
    for county in tree.at_level(Level::County) {
        for month in outlook::observed_months(cube) {
            let (long, all) = (
                cube.total("long_term_unemployed", county.adcode, month).value(),
                cube.total("registered_unemployed", county.adcode, month).value(),
            );
            if let (Some(long), Some(all)) = (long, all) {
                assert!(long <= all, "{} {month}: {long} long-term of {all}", county.adcode);
                long_term_seen += (long > 0.0) as usize;
            }
        }
    }
    assert!(long_term_seen > 100, "long-term unemployment in only {long_term_seen} county-months");

    // 数据解读: every number of every topic's text, for the province, a city and a county,
    // at the latest month (with the outlook) and half a year before, is the cube's.
    let latest = public.latest_month();
    let months = [latest, Period::from_month_index(latest.month_index() - 6)];
    let checked = crate::interpretation::every_number_comes_from_the_cube(public, &[370000, 370100, 370102], &months);
    assert!(checked > 200, "only {checked} numbers in the interpretation");

    // The outlook: the province's four series are forecast a year ahead in both cubes,
    // alike (its cells are all visible), starting the month after the data ends.
    for measure in outlook::FORECAST_MEASURES {
        let internal_fan = outlook::read(cube, measure, 370000);
        assert_eq!(internal_fan.len(), outlook::HORIZON, "{measure}");
        assert_eq!(internal_fan[0].period.month_index(), cube.latest_month().month_index() + 1);
        assert_eq!(outlook::read(public, measure, 370000), internal_fan, "{measure}");
    }

    // The same sources build the same cube, byte for byte (sums are exact, whatever
    // order parallel workers add in), and staging validated rows on disk (for inputs
    // larger than memory) changes nothing either.
    let again =
        build(&BuildConfig { stage_on_disk: true, ..BuildConfig::new(data.clone(), dir.join("cube-again")) }, &|_, _, _| {}).unwrap();
    assert_eq!(again.internal.data_version, cube.data_version);
    assert!(std::fs::read(dir.join("cube/cube.internal.bin")).unwrap() == std::fs::read(dir.join("cube-again/cube.internal.bin")).unwrap());
    assert!(!dir.join("cube-again/staging").exists(), "staged rows are removed after the build");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn generator_output_does_not_depend_on_thread_count() {
    let dir = temp_dir("determinism");
    let run = |threads: &str, out: &str| {
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_analytics"))
            .args(["generate", "--scale", "30000", "--seed", "5", "--out"])
            .arg(dir.join(out))
            .env("RAYON_NUM_THREADS", threads)
            .env("POLARS_MAX_THREADS", threads)
            .status()
            .unwrap();
        assert!(status.success());
    };
    run("1", "one");
    run("3", "three");
    let mut files = Vec::new();
    let mut stack = vec![dir.join("one")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            if e.path().is_dir() {
                stack.push(e.path())
            } else {
                files.push(e.path())
            }
        }
    }
    assert!(files.len() > 30, "{} files", files.len());
    for f in files {
        let other = dir.join("three").join(f.strip_prefix(dir.join("one")).unwrap());
        assert!(std::fs::read(&f).unwrap() == std::fs::read(&other).unwrap(), "{} differs between 1 and 3 threads", f.display());
    }
    std::fs::remove_dir_all(dir).unwrap();
}
