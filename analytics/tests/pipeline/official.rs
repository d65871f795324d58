//! Published figures (`official_series`): validated like any return, rows in = accepted +
//! quarantined, a clerk's workbook read with its Chinese periods and region names, and the
//! figures the project ships all accepted.

use polars::prelude::*;
use szjy_engine::ingest::{self, IngestContext, InputFile};
use szjy_engine::keys::PersonHasher;
use szjy_model::schema;

use crate::temp_dir;

fn stage(path: &std::path::Path, quarantine: &std::path::Path) -> (ingest::Reconciliation, DataFrame) {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
    let context = IngestContext::new(PersonHasher::new(b"k"), today);
    let checked = ingest::check(&schema::OFFICIAL_SERIES, vec![InputFile::new(path.to_path_buf()).unwrap()], &context).unwrap();
    let staged = ingest::stage(&checked, quarantine, &ingest::Staging::Memory).unwrap();
    let accepted = staged.accepted.sort(["series", "region", "period"], Default::default()).collect().unwrap();
    (staged.reconciliation, accepted)
}

fn texts(df: &DataFrame, column: &str) -> Vec<String> {
    df.column(column).unwrap().cast(&DataType::String).unwrap().str().unwrap().iter().map(|v| v.unwrap_or("").to_string()).collect()
}

#[test]
fn published_figures_are_checked_like_any_return() {
    let dir = temp_dir("official");
    let path = dir.join("official.csv");
    let header = "series,region,period,value,publisher,document,published,url,note";
    let rows = [
        "surveyed_unemployment_rate,100000,2025-06,5.0,国家统计局,6月份国民经济运行情况,2025-07-15,https://example.org/a,", // 1 ok
        "official_new_urban_jobs,370000,2025-01..06,61.8,山东省人社厅,新闻发布会,2025-07-20,,上半年",                       // 2 ok
        "unemployment_rate,370000,2025,5.0,国家统计局,公报,2026-02-28,,", // 3 unknown series
        "surveyed_unemployment_rate,999999,2025-06,5.0,国家统计局,月报,2025-07-15,,", // 4 unknown region
        "surveyed_unemployment_rate,370000,2025-13,5.0,国家统计局,月报,2025-07-15,,", // 5 no such month
        "surveyed_unemployment_rate,370000,2025-05,-1,国家统计局,月报,2025-06-16,,", // 6 negative
        "surveyed_unemployment_rate,370000,2025-04,5.1,,月报,2025-05-19,,", // 7 no publisher
        "surveyed_unemployment_rate,370000,2025-03,5.2,国家统计局,月报,2027-01-01,,", // 8 published later than today
        "surveyed_unemployment_rate,100000,2025-06,5.1,国家统计局,转载,2025-07-16,,", // 9 same figure twice
        "official_registered_unemployment_rate,370100,2020,2.03,济南市统计局,2020年统计公报,2021-04-02,,年末数", // 10 ok
        "surveyed_unemployment_rate,370000,1025,5.0,国家统计局,公报,2025-02-28,,", // 11 a typed year
        "surveyed_unemployment_rate,370000,2025-07,520,国家统计局,月报,2025-08-15,,", // 12 a rate typed without its point
        "official_new_urban_jobs,370000,2024,1249000,山东省统计局,公报,2025-03-01,,", // 13 persons where the series counts 万人
    ];
    std::fs::write(&path, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
    let (rec, accepted) = stage(&path, &dir.join("quarantine"));
    assert_eq!((rec.rows_in, rec.accepted, rec.quarantined), (13, 3, 10), "{rec:?}");
    assert!(rec.balances());
    assert_eq!(texts(&accepted, "period"), ["2025-01..06", "2020", "2025-06"]);
    let quarantine = std::fs::read_to_string(dir.join("quarantine/official_series.csv")).unwrap();
    let file = path.display().to_string();
    crate::assert_quarantined(
        &quarantine,
        &file,
        &[
            (3, "field series: 'unemployment_rate' is not an allowed code"),
            (4, "field region: '999999' is neither a Shandong adcode nor 100000 (全国)"),
            (5, "field period: '2025-13' is not a period 2025-06, 2025Q2, 2025 or 2025-01..06"),
            (6, "field value: '-1.0' is out of range 0–1000000000"),
            (7, "field publisher: missing"),
            (8, "field published: '2027-01-01' is outside 2015-01-01–2030-12-31 or after the day of ingest 2026-12-04"),
            (9, "duplicate of row 1 (same series, region, period)"),
            (11, "field period: '1025' is not a period"),
            (12, "field value: outside 0–30, the range of surveyed_unemployment_rate"),
            (13, "field value: outside 0–5000, the range of official_new_urban_jobs"),
        ],
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_clerks_workbook_of_published_figures_reads_its_chinese_periods_and_names() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let dir = temp_dir("official-workbook");
    let path = dir.join("发布数.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("官方发布数据").unwrap();
    sheet.merge_range(0, 0, 0, 8, "官方发布数据登记表", &Format::new()).unwrap();
    let header = ["指标", "地区代码", "时期", "发布数值", "发布机构", "文件或发布稿名称", "发布日期", "链接", "说明"];
    for (c, text) in header.iter().enumerate() {
        sheet.write_string(1, c as u16, *text).unwrap();
    }
    let date = Format::new().set_num_format("yyyy-mm-dd");
    // 3: the drop-down's "code name" forms, a month in Chinese, a date cell.
    let rows: [(&str, &str, &str, f64); 4] = [
        ("surveyed_unemployment_rate 城镇调查失业率（%）", "全国", "2025年6月", 5.0),
        ("official_new_urban_jobs 城镇新增就业·官方发布（万人）", "370000 山东省", "2025年1-6月", 61.8),
        ("official_new_urban_jobs", "济南市", "2022年", 17.4),
        ("surveyed_unemployment_rate", "全国", "2024年第三季度", 5.2),
    ];
    for (k, (series, region, period, value)) in rows.into_iter().enumerate() {
        let r = 2 + k as u32;
        sheet.write_string(r, 0, series).unwrap();
        sheet.write_string(r, 1, region).unwrap();
        sheet.write_string(r, 2, period).unwrap();
        sheet.write_number(r, 3, value).unwrap();
        sheet.write_string(r, 4, "发布机构").unwrap();
        sheet.write_string(r, 5, "发布稿").unwrap();
        sheet.write_datetime_with_format(r, 6, ExcelDateTime::from_ymd(2025, 7, 15).unwrap(), &date).unwrap();
    }
    // 7: a quarter typed in a way no publisher writes it: quarantined, the cell named.
    // 8: "2025-05" that Excel made a date cell: that month. 9: 2025.10 as a number:
    // refused (it reads as 2025.1).
    sheet.write_string(6, 0, "surveyed_unemployment_rate").unwrap();
    sheet.write_string(6, 1, "全国").unwrap();
    sheet.write_string(6, 2, "2025年3-6月").unwrap();
    sheet.write_number(6, 3, 5.0).unwrap();
    sheet.write_string(6, 4, "国家统计局").unwrap();
    sheet.write_string(6, 5, "发布稿").unwrap();
    sheet.write_string(6, 6, "2025年7月15日").unwrap();
    for (r, value) in [(7u32, None), (8, Some(2025.10))] {
        sheet.write_string(r, 0, "surveyed_unemployment_rate").unwrap();
        sheet.write_string(r, 1, "全国").unwrap();
        match value {
            None => sheet.write_datetime_with_format(r, 2, ExcelDateTime::from_ymd(2025, 5, 1).unwrap(), &date).unwrap(),
            Some(n) => sheet.write_number(r, 2, n).unwrap(),
        };
        sheet.write_number(r, 3, 5.0).unwrap();
        sheet.write_string(r, 4, "国家统计局").unwrap();
        sheet.write_string(r, 5, "发布稿").unwrap();
        sheet.write_string(r, 6, "2025-06-16").unwrap();
    }
    workbook.save(&path).unwrap();

    let (rec, accepted) = stage(&path, &dir.join("quarantine"));
    assert_eq!((rec.rows_in, rec.accepted, rec.quarantined), (7, 5, 2), "{rec:?}");
    assert_eq!(texts(&accepted, "series")[..2], ["official_new_urban_jobs", "official_new_urban_jobs"]);
    assert_eq!(texts(&accepted, "region"), ["370000", "370100", "100000", "100000", "100000"]);
    assert_eq!(texts(&accepted, "period"), ["2025-01..06", "2022", "2024Q3", "2025-05", "2025-06"]);
    let quarantine = std::fs::read_to_string(dir.join("quarantine/official_series.csv")).unwrap();
    assert!(quarantine.contains("发布数.xlsx!官方发布数据!C7: field period: '2025年3-6月' is not a period"), "{quarantine}");
    assert!(
        quarantine.contains("发布数.xlsx!官方发布数据!C9: field period: a period typed as a number (2025.1) is ambiguous"),
        "{quarantine}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// Every figure the project ships passes its own rules, so the demo carries them all.
#[test]
fn the_shipped_figures_are_all_accepted() {
    let dir = temp_dir("official-shipped");
    let path = dir.join("official_series.csv");
    std::fs::write(&path, szjy_engine::generate::OFFICIAL_SERIES_CSV).unwrap();
    let (rec, accepted) = stage(&path, &dir.join("quarantine"));
    let shipped = szjy_engine::generate::OFFICIAL_SERIES_CSV.lines().skip(1).filter(|l| !l.is_empty()).count() as u64;
    assert_eq!((rec.rows_in, rec.accepted, rec.quarantined), (shipped, shipped, 0), "{rec:?}");
    // Every figure says where it comes from.
    for column in ["publisher", "document", "published"] {
        assert!(texts(&accepted, column).iter().all(|t| !t.is_empty()), "{column}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// A legacy .xls (Excel 97–2003, as WPS and old templates still save) is read the same
/// way: title and 合计 rows left out, a date cell a date, the bad cell named.
#[test]
fn a_legacy_xls_return_is_read_the_same_way() {
    let dir = temp_dir("official-xls");
    // Written by xlwt (BIFF8): the sheets 填报说明 and 官方发布数据.
    let path = dir.join("发布数.xls");
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pipeline/data/发布数.xls"), &path).unwrap();
    let (rec, accepted) = stage(&path, &dir.join("quarantine"));
    assert_eq!((rec.rows_in, rec.accepted, rec.quarantined), (3, 2, 1), "{rec:?}");
    assert_eq!(texts(&accepted, "region"), ["370000", "100000"]);
    assert_eq!(texts(&accepted, "period"), ["2025", "2025-06"]);
    assert_eq!(texts(&accepted, "published"), ["2026-01-23", "2025-07-15"]);
    let quarantine = std::fs::read_to_string(dir.join("quarantine/official_series.csv")).unwrap();
    assert!(quarantine.contains("发布数.xls!官方发布数据!C5: field period: '2025年13月' is not a period"), "{quarantine}");
    std::fs::remove_dir_all(dir).unwrap();
}
