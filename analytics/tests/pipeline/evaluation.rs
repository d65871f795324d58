//! `analytics evaluate` on the generator's injected policy rollout, whose true effect is
//! known: the staggered estimator must find it.

use std::fmt::Write;

use szjy_engine::build::{build, BuildConfig};
use szjy_engine::evaluate::Design;
use szjy_engine::generate::{generate, GenerateConfig};
use szjy_engine::panel_file::{evaluate_file, PanelSpec};
use szjy_model::cube::TOTAL;
use szjy_model::outlook::observed_months;
use szjy_model::period::Period;
use szjy_model::region::{Level, RegionTree};

use crate::temp_dir;

/// Generates data, builds the cube and writes the county × period panel of new urban jobs
/// with each county's adoption period; returns the panel file and ln(true effect).
fn rollout_panel(scale: u64, name: &str) -> (std::path::PathBuf, f64) {
    let dir = temp_dir(name);
    let data = dir.join("data");
    let manifest = generate(&GenerateConfig { scale, seed: 17, out: data.clone(), csv: false, dirty_rate: 0.0 }, &|_, _, _| {}).unwrap();
    let out = build(&BuildConfig::new(data, dir.join("cube")), &|_, _, _| {}).unwrap();
    let cube = &out.internal;
    let policy = &manifest.events.policy;
    let start_of = |county: u32| policy.waves.iter().find(|(_, counties)| counties.contains(&county)).map(|(start, _)| *start);
    let mut csv = String::from("county,month,new_urban_jobs,start\n");
    for county in RegionTree::shandong().at_level(Level::County) {
        let start = start_of(county.adcode).map_or(String::new(), |p: Period| p.to_string());
        for month in observed_months(cube) {
            if let Some(v) = cube.get("new_urban_jobs", county.adcode, month, TOTAL).value() {
                writeln!(csv, "{},{month},{v},{start}", county.adcode).unwrap();
            }
        }
    }
    let path = dir.join("panel.csv");
    std::fs::write(&path, csv).unwrap();
    (path, policy.effect_on_new_jobs.ln())
}

#[test]
fn the_staggered_estimator_finds_the_injected_rollout_effect() {
    let (panel, truth) = rollout_panel(1_000_000, "evaluate");
    let spec = PanelSpec {
        outcome: "new_urban_jobs",
        unit: Some("county"),
        period: Some("month"),
        treated: None,
        post: None,
        treat_start: Some("start"),
        cluster: None,
        log_outcome: true,
        design: None,
    };
    let report = evaluate_file(&panel, &spec).unwrap();
    let e = &report.evaluation.headline;
    println!("truth {truth:.4}: {e:?}; pre-trend {:?}", report.evaluation.pre_trend);
    assert_eq!(e.design, Design::Staggered);
    assert!(e.ci_low < truth && truth < e.ci_high, "{e:?} vs {truth}");
    assert!((e.estimate - truth).abs() < 0.1 * truth, "bias: {} vs {truth}", e.estimate);
    assert!((e.ci_high - e.ci_low) / 2.0 < truth / 2.0, "half-width {} vs effect {truth}", (e.ci_high - e.ci_low) / 2.0);
    // No effect before adoption: the leads pass the joint test.
    assert!(report.evaluation.pre_trend.as_ref().is_some_and(|p| p.p_value > 0.01), "{:?}", report.evaluation.pre_trend);

    // One adoption date: the first wave against the never-treated counties, as two-way
    // fixed effects (with unit and period) and as the 2×2 form (without), clustered by county.
    let text = std::fs::read_to_string(&panel).unwrap();
    let first_wave = text.lines().skip(1).filter_map(|l| l.rsplit(',').next().filter(|s| !s.is_empty())).min().unwrap().to_string();
    let mut single = String::from("county,month,new_urban_jobs,treated,post\n");
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        if fields[3].is_empty() || fields[3] == first_wave {
            let post = fields[1] >= first_wave.as_str();
            writeln!(single, "{},{},{},{},{}", fields[0], fields[1], fields[2], u8::from(!fields[3].is_empty()), u8::from(post)).unwrap();
        }
    }
    let single_path = panel.with_file_name("single.csv");
    std::fs::write(&single_path, single).unwrap();
    let spec = PanelSpec { treat_start: None, treated: Some("treated"), post: Some("post"), ..spec };
    for (design, spec) in
        [(Design::Twfe, PanelSpec { ..spec }), (Design::TwoByTwo, PanelSpec { unit: None, period: None, cluster: Some("county"), ..spec })]
    {
        let e = evaluate_file(&single_path, &spec).unwrap().evaluation.headline;
        println!("{design:?}: {e:?}");
        assert_eq!(e.design, design);
        assert!(e.ci_low < truth && truth < e.ci_high, "{e:?} vs {truth}");
        assert!((e.estimate - truth).abs() < 0.1 * truth, "{e:?} vs {truth}");
    }
    std::fs::remove_dir_all(panel.parent().unwrap()).unwrap();
}

#[test]
fn bad_panels_are_errors_that_name_the_file_row_and_field() {
    let dir = temp_dir("evaluate-errors");
    let spec = PanelSpec {
        outcome: "y",
        unit: Some("u"),
        period: Some("t"),
        treated: Some("d"),
        post: Some("p"),
        treat_start: None,
        cluster: None,
        log_outcome: false,
        design: None,
    };
    let cases: [(&str, PanelSpec, &str); 5] = [
        ("u,t,y,d,p\na,1,1.0,0,0\na,2,abc,0,1\n", spec, "row 3, field `y`: `abc` is not a number"),
        ("u,t,y,d,p\na,1,0,0,0\n", PanelSpec { log_outcome: true, ..spec }, "row 2, field `y`: 0 has no logarithm"),
        ("u,t,y,d,p\na,1,1,0,0\na,1,2,0,0\n", spec, "rows 2 and 3: unit a has period 1 twice"),
        ("u,t,y,d,p\na,1,1,maybe,0\n", spec, "row 2, field `d`: `maybe` is not 0/1"),
        ("u,t,y,d,p\na,2025-13,1,0,0\n", spec, "row 2, field `t`: `2025-13` is not a period"),
    ];
    for (i, (csv, spec, expected)) in cases.into_iter().enumerate() {
        let path = dir.join(format!("panel{i}.csv"));
        std::fs::write(&path, csv).unwrap();
        let message = format!("{:#}", evaluate_file(&path, &spec).err().expect("an error"));
        assert!(message.contains(&path.display().to_string()) && message.contains(expected), "{message}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}
