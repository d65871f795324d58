//! Hand-made sources with answers worked out by hand, run through the whole build.
//! Not the generator checked against itself.

use std::path::Path;

use crate::temp_dir;

use szjy_engine::build::{build, BuildConfig};
use szjy_engine::keys::PersonHasher;
use szjy_model::catalogue;
use szjy_model::completeness::Coverage;
use szjy_model::cube::{flags, Cube, TOTAL};
use szjy_model::period::Period;
use szjy_model::warning::events;
use szjy_model::Lookup;

pub fn key(token: &str) -> String {
    PersonHasher::new(b"fixture").key_of(token)
}

pub fn write(dir: &Path, source: &str, header: &str, rows: &[String]) {
    let folder = dir.join(source);
    std::fs::create_dir_all(&folder).unwrap();
    let mut text = format!("{header}\n");
    for r in rows {
        text += r;
        text.push('\n');
    }
    std::fs::write(folder.join("part-0.csv"), text).unwrap();
}

/// Two Jinan counties (历下 370102, 市中 370103) and one Qingdao county (市南 370202),
/// January to March 2025.
pub fn fixture_sources(dir: &Path) {
    let (a, b, c, p1, p2, p3) = (key("a"), key("b"), key("c"), key("p1"), key("p2"), key("p3"));
    let (u1, u2, u3, stranger, org) = (key("u1"), key("u2"), key("u3"), key("stranger"), key("org"));
    write(
        dir,
        "job_postings",
        "date,posting_id,county,employer_id,occupation,industry,vacancies,wage_min,wage_max,education",
        &[
            "2025-01-03,P1,370102,E1,4-02-07-08,G,3,4000,6000,大专".into(),
            "2025-01-09,P2,370102,E1,6-18-02-04,C,2,5000,7000,高中/中专".into(),
            "2025-02-03,P3,370103,E2,4-02-07-08,G,4,4000,6000,大专".into(),
            "2025-03-03,P4,370202,E3,4-02-07-08,G,1,4000,6000,大专".into(),
        ],
    );
    write(
        dir,
        "job_seekers",
        "date,county,desired_occupation,expected_wage,education,age,sex,person_key",
        &[
            format!("2025-01-05,370102,4-02-07-08,5000,大专,30,男,{a}"),
            format!("2025-01-20,370102,4-02-07-08,5000,大专,30,男,{a}"), // same person, same month: once
            format!("2025-01-06,370102,6-18-02-04,6000,本科,25,女,{b}"),
            format!("2025-02-06,370103,4-02-07-08,5000,本科,25,女,{c}"),
            format!("2025-02-07,370103,4-02-07-08,5000,本科,25,女,{a}"),
            format!("2025-03-07,370202,4-02-07-08,5000,本科,25,女,{b}"),
        ],
    );
    write(
        dir,
        "employment_registrations",
        "date,county,employer_id,industry,occupation,key_group,age,sex,education,person_key",
        &[
            format!("2025-01-10,370102,E1,G,4-02-07-08,农民工,40,男,初中及以下,{p1}"),
            format!("2025-02-10,370103,E2,G,4-02-07-08,农民工,40,男,初中及以下,{p1}"), // again in the year: once
            format!("2025-02-11,370103,E2,G,4-02-07-08,高校毕业生,23,女,本科,{p2}"),
            format!("2025-03-11,370202,E3,G,4-02-07-08,其他,33,女,本科,{p3}"),
        ],
    );
    write(
        dir,
        "unemployment_registrations",
        "start_date,end_date,county,reason,key_group,age,sex,education,prev_industry,person_key",
        &[
            format!("2024-11-05,2025-02-10,370102,合同到期,其他,45,男,高中/中专,C,{u1}"),
            format!("2025-01-10,,370102,单位裁员,其他,50,男,高中/中专,C,{u2}"),
            format!("2025-03-01,2025-03-20,370103,主动离职,其他,28,女,本科,F,{u3}"),
        ],
    );
    write(
        dir,
        "social_insurance",
        "month,employer_id,county,industry,insured,new_insured,terminated,contribution_base",
        &[
            "2025-01-01,E1,370102,C,100,2,0,500000".into(),
            "2025-02-01,E1,370102,C,75,0,25,375000".into(), // cut 25 ≥ 20: alert
            "2025-03-01,E1,370102,C,75,1,1,375000".into(),
            "2025-01-01,E2,370103,G,30,0,0,150000".into(),
            "2025-02-01,E2,370103,G,27,0,3,135000".into(), // cut 3 of 30 = 10 %: art. 41 counts it
            "2025-03-01,E2,370103,G,25,0,2,125000".into(), // cut 2 of 27 = 7.4 %: no alert
            "2025-01-01,E3,370202,G,40,0,0,200000".into(),
            "2025-02-01,E3,370202,G,40,0,0,200000".into(),
            "2025-03-01,E3,370202,G,40,0,0,200000".into(),
        ],
    );
    write(
        dir,
        "subsidy_budgets",
        "year,city,subsidy_type,budget_10k_yuan",
        &["2025,370100,职业培训补贴,10".into(), "2025,370100,社会保险补贴,20".into(), "2025,370200,职业培训补贴,5".into()],
    );
    write(
        dir,
        "subsidy_disbursements",
        "date,payment_id,county,subsidy_type,amount_yuan,recipient_key",
        &[
            format!("2025-01-05,F1,370102,职业培训补贴,1500,{p1}"),
            format!("2025-01-12,F2,370102,职业培训补贴,1500,{p1}"), // 7 days later, same amount: duplicate
            format!("2025-01-15,F3,370102,社会保险补贴,800,{p1}"),
            format!("2025-02-15,F4,370102,社会保险补贴,800,{p1}"), // a month later: recurring, fine
            format!("2025-02-20,F5,370103,求职创业补贴,1000,{stranger}"), // nobody registered: flagged
            format!("2025-03-01,F6,370202,就业创业服务补助,50000,{org}"), // paid to an agency: not personal
            format!("2025-01-20,F7,370103,求职创业补贴,1000,{p2}"),
            format!("2025-03-30,F8,370103,求职创业补贴,1000,{p2}"), // 69 days later: within the 90-day 口径
        ],
    );
    write(
        dir,
        "service_zones",
        "zone_id,name,kind,county,functions,opened",
        &[
            "Z1,历下区数智就业服务区,人社部门,370102,业务经办|政策服务|就业指导|供需匹配|就业帮扶,2025-01-01".into(),
            "Z2,市南区高校数智就业服务站,普通高校,370202,业务经办|就业指导,2025-03-01".into(),
        ],
    );
    write(
        dir,
        "service_transactions",
        "date,zone_id,county,function,channel,person_key",
        &[
            format!("2025-01-10,Z1,370102,业务经办,线下,{a}"),
            format!("2025-01-10,Z1,370102,政策服务,线下,{a}"), // same person, same day: one person-time, two records
            format!("2025-01-11,Z1,370102,就业指导,线上,{a}"),
            format!("2025-02-11,Z1,370102,供需匹配,数字人,{b}"),
            format!("2025-03-02,Z2,370202,就业指导,线上,{c}"),
        ],
    );
    write(
        dir,
        "macro_quarterly",
        "quarter,city,gdp,va_primary,va_secondary,va_tertiary,fixed_asset_investment,cpi",
        &["2025Q1,370100,3000,150,1200,1650,2000,100.4".into(), "2025Q1,370200,3800,100,1400,2300,2500,100.8".into()],
    );
    write(
        dir,
        "mobile_population",
        "month,county,resident_10k,working_10k",
        &["2025-01-01,370102,80.5,50.1".into(), "2025-01-01,370103,70.0,40.0".into()],
    );
    write(dir, "employment_targets", "year,city,new_urban_jobs_target", &["2025,370100,20".into(), "2025,370200,10".into()]);
    write(dir, "policy_rollouts", "policy,county,start_month", &["一次性吸纳就业补贴扩围,370102,2025-02-01".into()]);
    write(
        dir,
        "mobile_flows",
        "month,origin_city,dest_city,trips_10k",
        &["2025-01-01,370100,370200,3.0".into(), "2025-01-01,370200,370100,5.0".into()],
    );
}

fn v(cube: &Cube, measure: &str, region: u32, period: &str) -> f64 {
    match cube.get(measure, region, period.parse::<Period>().unwrap(), TOTAL) {
        Lookup::Value(x) => x,
        other => panic!("{measure} {region} {period}: {other:?}"),
    }
}

fn d(cube: &Cube, measure: &str, region: u32, period: &str, dim: &str) -> f64 {
    match cube.get(measure, region, period.parse::<Period>().unwrap(), dim) {
        Lookup::Value(x) => x,
        other => panic!("{measure} {region} {period} {dim}: {other:?}"),
    }
}

#[test]
fn every_model_gives_the_hand_worked_answer() {
    let dir = temp_dir("fixture");
    let input = dir.join("in");
    fixture_sources(&input);
    let out = build(&BuildConfig::new(input.clone(), dir.join("out")), &|_, _, _| {}).unwrap();
    let cube = &out.internal;
    assert!(out.reconciliation.iter().all(|r| r.quarantined == 0 && r.balances()), "{:?}", out.reconciliation);
    assert_eq!(cube.as_of.to_string(), "2025-03-31");
    assert!(!cube.demo_data, "no manifest: not demo data");

    // Supply and demand.
    assert_eq!(v(cube, "vacancies", 370102, "2025-01"), 5.0);
    assert_eq!(v(cube, "job_seekers", 370102, "2025-01"), 2.0, "a registered twice in January: once");
    assert_eq!(v(cube, "demand_supply_ratio", 370102, "2025-01"), 2.5);
    assert_eq!(v(cube, "posted_wage", 370102, "2025-01"), (5000.0 * 3.0 + 6000.0 * 2.0) / 5.0);
    assert_eq!(d(cube, "vacancies", 370100, "2025-01", "occ:4-02-07-08"), 3.0);
    assert_eq!(d(cube, "vacancies", 370100, "2025-01", "ind:C"), 2.0);
    assert_eq!(v(cube, "vacancies", 370100, "2025Q1"), 9.0);
    assert_eq!(v(cube, "vacancies", 370000, "2025Q1"), 10.0);
    assert_eq!(v(cube, "job_seekers", 370000, "2025Q1"), 5.0);
    assert_eq!(v(cube, "demand_supply_ratio", 370000, "2025Q1"), 2.0, "a ratio of sums, not a mean of ratios");

    // Shortage: Jinan Q1 快递员 7 vacancies vs 3 seekers → gap 4; 焊工 2 vs 1 → gap 1.
    assert_eq!(d(cube, "shortage_gap", 370100, "2025Q1", "occ:4-02-07-08"), 4.0);
    assert_eq!(d(cube, "shortage_gap", 370100, "2025Q1", "occ:6-18-02-04"), 1.0);
    assert_eq!(d(cube, "shortage_rank", 370100, "2025Q1", "occ:4-02-07-08"), 1.0);
    assert_eq!(d(cube, "shortage_rank", 370100, "2025Q1", "occ:6-18-02-04"), 2.0);
    // 快递员: 35 × 4/4 + 25 × min(7/3, 3)/3 + 0 persistence quarters before… ratio 2.33 > 1.5
    // this quarter (1 of 4) + no wage history + breadth 2 of 12 Jinan counties.
    let expected = 35.0 + 25.0 * (7.0 / 3.0) / 3.0 + 20.0 * 1.0 / 4.0 + 0.0 + 10.0 * 2.0 / 12.0;
    assert!((d(cube, "shortage_score", 370100, "2025Q1", "occ:4-02-07-08") - expected).abs() < 1e-5, "cells are kept to 1e-6");

    // Employment: p1 counts once, in January at 历下.
    assert_eq!(v(cube, "new_urban_jobs", 370102, "2025-01"), 1.0);
    assert_eq!(v(cube, "new_urban_jobs", 370103, "2025-02"), 1.0);
    assert_eq!(v(cube, "new_urban_jobs", 370100, "2025-01..03"), 2.0);
    assert_eq!(v(cube, "new_urban_jobs", 370000, "2025-01..03"), 3.0);
    assert_eq!(d(cube, "new_urban_jobs", 370100, "2025-02", "grp:高校毕业生"), 1.0);
    // Targets: Jinan 2 of 20 by March = 10%; the province 3 of 30.
    assert_eq!(v(cube, "new_urban_jobs_progress", 370100, "2025-01..03"), 10.0);
    assert_eq!(v(cube, "new_urban_jobs_progress", 370000, "2025-01..03"), 10.0);
    assert_eq!(v(cube, "new_urban_jobs_target", 370000, "2025"), 30.0);
    // Unemployment stock: u1 (from 2024) and u2 at the end of January; u1 left in February.
    assert_eq!(v(cube, "registered_unemployed", 370102, "2025-01"), 2.0);
    assert_eq!(v(cube, "registered_unemployed", 370102, "2025-02"), 1.0);
    assert_eq!(v(cube, "registered_unemployed", 370103, "2025-03"), 0.0, "u3 came and went in March");
    assert_eq!(v(cube, "unemployment_inflow", 370103, "2025-03"), 1.0);
    assert_eq!(v(cube, "unemployment_outflow", 370102, "2025-02"), 1.0);
    assert_eq!(v(cube, "registered_unemployed", 370100, "2025Q1"), 1.0, "a stock's quarter is its last month");
    assert!((v(cube, "registered_unemployment_rate", 370102, "2025-01") - 2.0 / 102.0 * 100.0).abs() < 1e-5);

    // Enterprise employment.
    assert_eq!(v(cube, "insured_headcount", 370102, "2025-02"), 75.0);
    assert_eq!(v(cube, "insured_net_change", 370100, "2025-01..03"), 3.0 - 31.0);
    assert_eq!(v(cube, "layoff_alerts", 370102, "2025-02"), 1.0);
    assert_eq!(v(cube, "layoff_alerts", 370103, "2025-02"), 1.0, "3 of 30 is 10 %: no five-person floor in art. 41");
    assert_eq!(v(cube, "layoff_alerts", 370103, "2025-03"), 0.0, "2 of 27 is under 10 %");
    assert_eq!(v(cube, "layoff_cut", 370100, "2025-01..03"), 28.0);
    let layoffs: Vec<_> = cube.alerts.iter().filter(|a| a.indicator == events::LAYOFF_REPORT).collect();
    assert_eq!(layoffs.len(), 2);
    assert_eq!(layoffs[0].subject.as_deref(), Some("E1"));

    // Subsidies.
    assert!((v(cube, "subsidy_disbursed", 370102, "2025-01") - (1500.0 + 1500.0 + 800.0) / 1e4).abs() < 1e-5);
    assert_eq!(v(cube, "subsidy_beneficiaries", 370102, "2025-01"), 3.0);
    assert_eq!(v(cube, "subsidy_duplicate_payments", 370102, "2025-01"), 1.0);
    assert_eq!(v(cube, "subsidy_duplicate_payments", 370102, "2025-02"), 0.0, "a monthly instalment a month on is not a duplicate");
    assert_eq!(v(cube, "subsidy_duplicate_payments", 370103, "2025-03"), 1.0, "a one-off subsidy again within 90 days is");
    assert_eq!(v(cube, "subsidy_unregistered_payments", 370103, "2025-02"), 1.0);
    assert_eq!(v(cube, "subsidy_unregistered_payments", 370202, "2025-03"), 0.0, "agency payments are not personal");
    assert_eq!(v(cube, "subsidy_budget", 370100, "2025"), 30.0);
    // Jinan 职业培训补贴: 0.3万元 of 10万元 by March.
    assert!((d(cube, "subsidy_execution_rate", 370100, "2025-01..03", "sub:职业培训补贴") - 3.0).abs() < 1e-5);
    assert!((v(cube, "subsidy_per_payment", 370102, "2025-01") - 3800.0 / 3.0).abs() < 1e-5);

    // Service zones: Z1 served a on 01-10 (two records) and 01-11, b on 02-11.
    assert_eq!(v(cube, "zone_records", 370102, "2025-01"), 3.0);
    assert_eq!(v(cube, "zone_services", 370102, "2025-01"), 2.0);
    assert_eq!(v(cube, "zone_count", 370202, "2025-02"), 0.0);
    assert_eq!(v(cube, "zone_count", 370202, "2025-03"), 1.0);
    // 2025 runs to March: no zone is evaluated; Z1 (open from 1 January) is held to 90 of
    // 365 days of its targets, Z2 (from 1 March) to 31.
    let z1 = cube.zones.iter().find(|z| z.zone_id == "Z1").unwrap();
    assert_eq!((z1.evaluated, z1.services, z1.valid_records, z1.functions_used), (false, 3, 4, 4));
    assert_eq!((z1.services_target, z1.records_target), (1233, 2466), "⌈5000 × 90/365⌉, ⌈10000 × 90/365⌉");
    assert!(!z1.on_target && !z1.meets_targets());
    let z2 = cube.zones.iter().find(|z| z.zone_id == "Z2").unwrap();
    assert_eq!((z2.evaluated, z2.services_target), (false, 255), "⌈3000 × 31/365⌉");
    assert!(matches!(cube.get("zones_evaluated", 370000, "2025".parse().unwrap(), TOTAL), Lookup::Missing), "nothing evaluated yet");

    // Macro and mobile.
    assert_eq!(v(cube, "gdp", 370000, "2025Q1"), 6800.0);
    assert_eq!(d(cube, "gdp", 370100, "2025Q1", "sec:第二产业"), 1200.0);
    assert!((v(cube, "cpi", 370000, "2025Q1") - 100.6).abs() < 1e-5, "an index is averaged");
    assert_eq!(v(cube, "net_commuter_inflow", 370100, "2025-01"), 2.0);
    assert!((v(cube, "resident_population_mobile", 370100, "2025-01") - 150.5).abs() < 1e-5);
    // Mobile population reported for January only: the quarter's stock is March's, so
    // it is missing, not January's.
    assert!(matches!(cube.get("resident_population_mobile", 370102, "2025Q1".parse().unwrap(), TOTAL), Lookup::Missing));

    // Completeness: every county reports its mobile estimate every month, and only 历下
    // and 市中 did, in January: Jinan's January is 2 of 12, flagged; 历下's own is not.
    let january = "2025-01".parse::<Period>().unwrap();
    let flag = |measure: &str, region: u32| cube.cell(measure, region, january, TOTAL).unwrap().flags & flags::INCOMPLETE != 0;
    assert!(flag("resident_population_mobile", 370100) && !flag("resident_population_mobile", 370102));
    let coverage = Coverage::of(cube);
    let gaps = coverage.gaps(catalogue::measure("resident_population_mobile").unwrap(), 370100, january).unwrap();
    assert_eq!((gaps.expected, gaps.complete()), (12, 2));
    let month = cube.coverage.iter().find(|m| m.source == "mobile_population" && m.month == january).unwrap();
    assert_eq!((month.accepted, month.quarantined, month.missing.len()), (2, 0, 134));
    // Registrations are events: a county without any is not missing, so nothing of them is
    // flagged where nothing was quarantined.
    assert!(!flag("new_urban_jobs", 370100));

    // The policy started in February: no 12-month window after it yet, so no estimate.
    assert!(cube.evaluations.is_empty());

    // The public cube hides every person count below 5 here, and ratios over them.
    let public = &out.public;
    assert_eq!(public.get("job_seekers", 370102, "2025-01".parse().unwrap(), TOTAL), Lookup::Suppressed);
    assert_eq!(public.get("demand_supply_ratio", 370102, "2025-01".parse().unwrap(), TOTAL), Lookup::Suppressed);
    assert_eq!(public.get("vacancies", 370102, "2025-01".parse().unwrap(), TOTAL), Lookup::Value(5.0));
    std::fs::remove_dir_all(dir).unwrap();
}
