//! Broken inputs: every row is accepted or quarantined with a reason naming file, row and
//! field; structural problems are clear errors; raw ID numbers never come out.

use polars::prelude::*;
use szjy_engine::ingest::{self, IngestContext, IngestError, InputFile};
use szjy_engine::keys::PersonHasher;
use szjy_model::schema::{self, id_number_checksum_ok};

use crate::temp_dir;

/// Appends the ISO 7064 check digit to 17 digits.
fn with_check_digit(body: &str) -> String {
    for c in "0123456789X".chars() {
        let id = format!("{body}{c}");
        if id_number_checksum_ok(&id) {
            return id;
        }
    }
    unreachable!()
}

/// The day of ingest of these tests: fixed, so that they mean the same every day.
fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()
}

fn context(hasher: &PersonHasher) -> IngestContext {
    IngestContext::new(hasher.clone(), today())
}

const HEADER_RAW_ID: &str = "date,county,employer_id,industry,occupation,key_group,age,sex,education,person_id";

#[test]
fn bad_rows_are_quarantined_with_file_row_and_field() {
    let dir = temp_dir("quarantine");
    let good1 = with_check_digit("37010219900101123");
    let good2 = with_check_digit("37020219851231004");
    let mut bad_check = good1.clone();
    bad_check.replace_range(17..18, if good1.ends_with('1') { "2" } else { "1" });
    let rows = [
        format!("2025-03-01,370102,E1,C,6-18-02-04,农民工,35,男,高中/中专,{good1}"), // row 1 ok
        format!("2025-03-02,370102,E1,C,6-18-02-04,农民工,abc,男,高中/中专,{good2}"), // row 2 age not integer
        format!("2025-03-03,371202,E1,C,6-18-02-04,农民工,35,男,高中/中专,{good2}"), // row 3 莱芜's old code
        format!("2025-03-04,370102,E1,C,6-18-02-04,外星人,35,男,高中/中专,{good2}"), // row 4 unknown key group
        format!("2031-01-01,370102,E1,C,6-18-02-04,农民工,35,男,高中/中专,{good2}"), // row 5 date out of range
        format!("2025-03-06,370102,E1,C,,农民工,35,男,高中/中专,{good2}"),           // row 6 missing occupation
        format!("2025-03-07,370102,E1,C,6-18-02-04,农民工,35,男,高中/中专,{bad_check}"), // row 7 bad check digit
        format!("2025-03-08,370102,E1,C,6-18-02-04,农民工,200,男,高中/中专,{good2}"), // row 8 age out of range
        format!("2025-03-09,370102,E1,C,6-18-02-04,高校毕业生,23,女,本科,{good2}"),  // row 9 ok
    ];
    // The file arrives GBK-encoded, as government exports often do.
    let text = format!("{HEADER_RAW_ID}\n{}\n", rows.join("\n"));
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    assert!(std::str::from_utf8(&gbk).is_err(), "the fixture really is GBK");
    let path = dir.join("registrations_gbk.csv");
    std::fs::write(&path, &gbk).unwrap();

    let hasher = PersonHasher::new(b"test-key");
    let checked = ingest::check(&schema::EMPLOYMENT_REGISTRATIONS, vec![InputFile::new(path.clone()).unwrap()], &context(&hasher)).unwrap();
    let ingest::Staged { reconciliation: rec, accepted } =
        ingest::stage(&checked, &dir.join("quarantine"), &ingest::Staging::Memory).unwrap();
    let accepted = accepted.collect().unwrap();
    assert_eq!((rec.rows_in, rec.accepted, rec.quarantined), (9, 2, 7));
    assert!(rec.balances());

    let quarantine = std::fs::read_to_string(dir.join("quarantine/employment_registrations.csv")).unwrap();
    let file = path.display().to_string();
    crate::assert_quarantined(
        &quarantine,
        &file,
        &[
            (2, "field age: 'abc' is not a integer"),
            (3, "field county: '371202' is not a Shandong county adcode"),
            (4, "field key_group: '外星人' is not an allowed code"),
            (5, "field date: '2031-01-01' is outside 2015-01-01–2030-12-31"),
            (6, "field occupation: missing"),
            (7, "field person_id: not a valid 18-digit ID number (check digit)"),
            (8, "field age: '200' is out of range 16–75"),
        ],
    );
    // Raw ID numbers leave nowhere: the quarantine and the accepted rows hold keyed hashes.
    for id in [&good1, &good2, &bad_check] {
        assert!(!quarantine.contains(id.as_str()), "raw ID in the quarantine file");
    }
    assert_eq!(
        accepted.get_column_names().iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        schema::EMPLOYMENT_REGISTRATIONS.columns.iter().map(|c| c.name).collect::<Vec<_>>()
    );
    let keys: Vec<u64> = accepted.column("person_key").unwrap().u64().unwrap().iter().flatten().collect();
    let expected = [&good1, &good2].map(|id| szjy_engine::keys::compact(&hasher.key_of(id)).unwrap());
    assert_eq!(keys, expected);
    assert_eq!(accepted.column("age").unwrap().dtype(), &DataType::Int64);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn structural_problems_are_errors_that_name_the_file() {
    let dir = temp_dir("structural");
    let context = context(&PersonHasher::new(b"k"));

    // No files for a source.
    let err = ingest::source_files(&dir, &schema::JOB_POSTINGS).unwrap_err();
    assert!(matches!(err, IngestError::Missing { .. }) && err.to_string().contains("job_postings"), "{err}");

    // A missing column.
    let path = dir.join("seekers.csv");
    std::fs::write(&path, "date,county,desired_occupation,education,age,sex,person_key\n2025-01-01,370102,4-02-07-08,本科,30,男,x\n")
        .unwrap();
    let err = ingest::check(&schema::JOB_SEEKERS, vec![InputFile::new(path.clone()).unwrap()], &context).err().unwrap();
    let message = err.to_string();
    assert!(message.contains("seekers.csv") && message.contains("expected_wage"), "{message}");

    // A Parquet column of the wrong type.
    let mut df = df!(
        "date" => [chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()],
        "county" => [370102i64],
        "desired_occupation" => ["4-02-07-08"],
        "expected_wage" => ["five thousand"],
        "education" => ["本科"],
        "age" => [30i64],
        "sex" => ["男"],
        "person_key" => ["0123456789abcdef0123456789abcdef"],
    )
    .unwrap();
    let path = dir.join("seekers.parquet");
    ParquetWriter::new(std::fs::File::create(&path).unwrap()).finish(&mut df).unwrap();
    let err = ingest::check(&schema::JOB_SEEKERS, vec![InputFile::new(path).unwrap()], &context).err().unwrap();
    let message = err.to_string();
    assert!(message.contains("seekers.parquet") && message.contains("expected_wage") && message.contains("expected number"), "{message}");

    // A file that is not Parquet at all.
    let path = dir.join("garbage.parquet");
    std::fs::write(&path, b"not parquet").unwrap();
    let err = ingest::check(&schema::JOB_SEEKERS, vec![InputFile::new(path).unwrap()], &context).err().unwrap();
    assert!(err.to_string().contains("garbage.parquet"), "{err}");

    // An unknown extension.
    assert!(InputFile::new(dir.join("data.numbers")).unwrap_err().to_string().contains("data.numbers"));
    std::fs::remove_dir_all(dir).unwrap();
}

const HEADER_KEYED: &str = "date,county,employer_id,industry,occupation,key_group,age,sex,education,person_key";
const KEY: &str = "0123456789abcdef0123456789abcdef";

fn stage_one(
    schema: &'static schema::SourceSchema,
    path: &std::path::Path,
    quarantine: &std::path::Path,
) -> (ingest::Reconciliation, DataFrame) {
    let checked = ingest::check(schema, vec![InputFile::new(path.to_path_buf()).unwrap()], &context(&PersonHasher::new(b"k"))).unwrap();
    let staged = ingest::stage(&checked, quarantine, &ingest::Staging::Memory).unwrap();
    (staged.reconciliation, staged.accepted.collect().unwrap())
}

#[test]
fn events_dated_after_the_day_of_ingest_are_quarantined_and_plans_are_not() {
    let dir = temp_dir("future");
    let path = dir.join("registrations.csv");
    // The day of ingest is 2026-12-04 (`today`): the schema allows dates to 2030-12-31.
    std::fs::write(
        &path,
        format!("{HEADER_KEYED}\n2026-12-04,370102,E1,C,4-07-05-01,其他,30,男,本科,{KEY}\n2026-12-05,370102,E1,C,4-07-05-01,其他,30,男,本科,{KEY}\n2030-12-01,370102,E1,C,4-07-05-01,其他,30,男,本科,{KEY}\n"),
    )
    .unwrap();
    let (rec, _) = stage_one(&schema::EMPLOYMENT_REGISTRATIONS, &path, &dir.join("q"));
    assert_eq!((rec.rows_in, rec.accepted, rec.quarantined), (3, 1, 2));
    let quarantine = std::fs::read_to_string(dir.join("q/employment_registrations.csv")).unwrap();
    assert!(quarantine.contains("'2030-12-01' is outside 2015-01-01–2030-12-31 or after the day of ingest 2026-12-04"), "{quarantine}");
    // A zone opening next year is a plan, not an event.
    let zones = dir.join("zones.csv");
    std::fs::write(&zones, "zone_id,name,kind,county,functions,opened\nZ1,历下区服务区,人社部门,370102,业务经办,2027-03-01\n").unwrap();
    let (rec, _) = stage_one(&schema::SERVICE_ZONES, &zones, &dir.join("q"));
    assert_eq!((rec.accepted, rec.quarantined), (1, 0), "{rec:?}");
    // A macro quarter after the current one is not a published figure.
    let macro_file = dir.join("macro.csv");
    // A GDP whose sectors do not add up to it is quarantined too: the cube's breakdown
    // would not add up either.
    std::fs::write(
        &macro_file,
        "quarter,city,gdp,va_primary,va_secondary,va_tertiary,fixed_asset_investment,cpi\n2026Q4,370100,3.3,1.1,1.1,1.1,1,100\n2027Q1,370100,3,1,1,1,1,100\n2026Q3,370100,3.03,1,1,1,1,100\n",
    )
    .unwrap();
    let (rec, _) = stage_one(&schema::MACRO_QUARTERLY, &macro_file, &dir.join("q"));
    assert_eq!((rec.accepted, rec.quarantined), (1, 2), "{rec:?}");
    let quarantine = std::fs::read_to_string(dir.join("q/macro_quarterly.csv")).unwrap();
    assert!(quarantine.contains("field gdp: not the sum of va_primary + va_secondary + va_tertiary"), "{quarantine}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn file_oddities_are_read_or_named() {
    let dir = temp_dir("oddities");
    // Person keys differ in their first 64 bits, which the models tell persons apart by.
    let row = |person: u32| format!("2026-10-01,370102,E1,C,4-07-05-01,其他,30,男,本科,{person:016x}{:016x}", 0);
    let good = row(1);

    // A ragged row is quarantined with its row number; the others are read. The same
    // registration twice in one file is a duplicate.
    let ragged = dir.join("ragged.csv");
    std::fs::write(&ragged, format!("{HEADER_KEYED}\n{}\n2026-10-01,370102,E1\n{}\n{}\n", row(1), row(2), row(1))).unwrap();
    let (rec, _) = stage_one(&schema::EMPLOYMENT_REGISTRATIONS, &ragged, &dir.join("q1"));
    assert_eq!((rec.rows_in, rec.accepted, rec.quarantined), (4, 2, 2));
    let quarantine = std::fs::read_to_string(dir.join("q1/employment_registrations.csv")).unwrap();
    assert!(quarantine.contains(",2,\"row has 3 fields, the header has 10\""), "{quarantine}");
    assert!(quarantine.contains(",4,\"duplicate of row 1 (same person_key, date, county)\""), "{quarantine}");

    // A later file replaces the rows of an earlier one with the same identity.
    let later = dir.join("later.csv");
    std::fs::write(&later, format!("{HEADER_KEYED}\n{}\n", row(2).replace(",30,", ",31,"))).unwrap();
    let files = vec![InputFile::new(ragged.clone()).unwrap(), InputFile::new(later).unwrap()];
    let checked = ingest::check(&schema::EMPLOYMENT_REGISTRATIONS, files, &context(&PersonHasher::new(b"k"))).unwrap();
    let staged = ingest::stage(&checked, &dir.join("q1b"), &ingest::Staging::Memory).unwrap();
    let rec = &staged.reconciliation;
    assert_eq!((rec.rows_in, rec.accepted, rec.quarantined, rec.replaced), (5, 2, 2, 1));
    assert!(rec.balances());
    let mut ages: Vec<i64> = staged.accepted.collect().unwrap().column("age").unwrap().i64().unwrap().iter().flatten().collect();
    ages.sort();
    assert_eq!(ages, [30, 31], "person 2's row is the later file's");

    // A duplicate column is an error naming it; so is a quote that never closes.
    let duplicate = dir.join("duplicate.csv");
    std::fs::write(&duplicate, format!("{HEADER_KEYED},age\n{good},31\n")).unwrap();
    let err =
        ingest::check(&schema::EMPLOYMENT_REGISTRATIONS, vec![InputFile::new(duplicate).unwrap()], &context(&PersonHasher::new(b"k")))
            .err()
            .unwrap()
            .to_string();
    assert!(err.contains("duplicate.csv") && err.contains("`age` appears twice"), "{err}");
    let unclosed = dir.join("unclosed.csv");
    std::fs::write(&unclosed, format!("{HEADER_KEYED}\n{good}\n2026-10-01,370102,\"E1,C\n{good}\n")).unwrap();
    let err = ingest::check(&schema::EMPLOYMENT_REGISTRATIONS, vec![InputFile::new(unclosed).unwrap()], &context(&PersonHasher::new(b"k")))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("unclosed.csv") && err.contains("line 3 (row 2)"), "{err}");

    // Optional columns may be left out, in CSV and in Parquet.
    let spells = dir.join("spells.csv");
    std::fs::write(
        &spells,
        format!(
            "start_date,county,reason,key_group,age,sex,education,person_key\n2026-09-01,370102,{},其他,30,男,本科,{KEY}\n",
            szjy_model::codes::UNEMPLOYMENT_REASONS[0].0
        ),
    )
    .unwrap();
    let (rec, accepted) = stage_one(&schema::UNEMPLOYMENT_REGISTRATIONS, &spells, &dir.join("q2"));
    assert_eq!((rec.accepted, rec.quarantined), (1, 0), "{rec:?}");
    assert_eq!(accepted.column("end_date").unwrap().dtype(), &DataType::Date);
    let mut frame = CsvReadOptions::default().try_into_reader_with_file_path(Some(spells.clone())).unwrap().finish().unwrap();
    frame = frame.lazy().with_column(col("start_date").str().to_date(Default::default())).collect().unwrap();
    let spells_parquet = dir.join("spells.parquet");
    ParquetWriter::new(std::fs::File::create(&spells_parquet).unwrap()).finish(&mut frame).unwrap();
    let (rec, _) = stage_one(&schema::UNEMPLOYMENT_REGISTRATIONS, &spells_parquet, &dir.join("q3"));
    assert_eq!((rec.accepted, rec.quarantined), (1, 0), "{rec:?}");

    // Dictionary-encoded text (categorical) is text.
    let mut frame = df!("quarter" => ["2026Q1"], "city" => [370100i64], "gdp" => [3.0], "va_primary" => [1.0], "va_secondary" => [1.0], "va_tertiary" => [1.0], "fixed_asset_investment" => [1.0], "cpi" => [100.0]).unwrap();
    frame = frame.lazy().with_column(col("quarter").cast(DataType::from_categories(Categories::global()))).collect().unwrap();
    let categorical = dir.join("macro.parquet");
    ParquetWriter::new(std::fs::File::create(&categorical).unwrap()).finish(&mut frame).unwrap();
    let (rec, _) = stage_one(&schema::MACRO_QUARTERLY, &categorical, &dir.join("q4"));
    assert_eq!((rec.accepted, rec.quarantined), (1, 0), "{rec:?}");

    // Formulas in a quarantined row cannot run in a spreadsheet.
    let formula = dir.join("formula.csv");
    std::fs::write(
        &formula,
        format!("{HEADER_KEYED}\n2026-10-01,370102,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",C,4-07-05-01,其他,12,男,本科,{KEY}\n"),
    )
    .unwrap();
    let (rec, _) = stage_one(&schema::EMPLOYMENT_REGISTRATIONS, &formula, &dir.join("q5"));
    assert_eq!(rec.quarantined, 1);
    let quarantine = std::fs::read_to_string(dir.join("q5/employment_registrations.csv")).unwrap();
    assert!(
        quarantine.contains("'=HYPERLINK") && !quarantine.contains(",=HYPERLINK") && !quarantine.contains(",\"=HYPERLINK"),
        "{quarantine}"
    );

    // A file of another format beside the data is named, not skipped without a word.
    std::fs::create_dir_all(dir.join("data/job_seekers")).unwrap();
    std::fs::write(dir.join("data/job_seekers/part-0.csv"), "x").unwrap();
    std::fs::write(dir.join("data/job_seekers/extra.tsv"), "x").unwrap();
    let ignored = ingest::ignored_files(&dir.join("data"), &schema::JOB_SEEKERS);
    assert_eq!(ignored, [dir.join("data/job_seekers/extra.tsv")]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_validated_form_reads_back_as_its_source() {
    let dir = temp_dir("reads-back");
    let path = dir.join("raw.csv");
    let id = with_check_digit("37010219900101123");
    std::fs::write(&path, format!("{HEADER_RAW_ID}\n2026-10-01,370102,E1,C,4-07-05-01,其他,30,男,本科,{id}\n2026-10-01,370102,E1,C,4-07-05-01,其他,12,男,本科,{id}\n")).unwrap();
    let hasher = PersonHasher::new(b"k");
    let checked = ingest::check(&schema::EMPLOYMENT_REGISTRATIONS, vec![InputFile::new(path).unwrap()], &context(&hasher)).unwrap();
    let out = dir.join("out/employment_registrations/part-0.parquet");
    let rec = ingest::write_validated(&checked, &["raw.csv".to_string()], &dir.join("q"), &out).unwrap();
    assert_eq!((rec.accepted, rec.quarantined), (1, 1));
    assert!(
        std::fs::read_to_string(dir.join("q/employment_registrations.csv")).unwrap().starts_with("\u{feff}__file,__row,__reason"),
        "the quarantine names the file as given"
    );
    let (again, accepted) = stage_one(&schema::EMPLOYMENT_REGISTRATIONS, &out, &dir.join("q2"));
    assert_eq!((again.accepted, again.quarantined), (1, 0), "the output of ingest is valid input");
    assert_eq!(accepted.column("person_key").unwrap().u64().unwrap().get(0), szjy_engine::keys::compact(&hasher.key_of(&id)));
    std::fs::remove_dir_all(dir).unwrap();
}

/// A return as a county clerk fills it in Excel: an instructions sheet first; a title row
/// merged across the columns; a two-row header (a group cell merged across three columns,
/// the others merged down); dates as date cells, as text and as serial numbers; a county
/// as a number, as "代码 名称" and by name; a number as text; a formula; an ID number
/// typed as a number; a county name two counties share; a blank row; a 合计 row.
#[test]
fn an_excel_return_is_read_as_a_clerk_filled_it() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
    let dir = temp_dir("workbook");
    let path = dir.join("报表.xlsx");
    let ids: Vec<String> = (0..6).map(|k| with_check_digit(&format!("3701021990010{k}123"))).collect();
    let mut workbook = Workbook::new();
    let notes = workbook.add_worksheet();
    notes.set_name("填报说明").unwrap();
    notes.write_string(0, 0, "请按表头填写，日期写作2025-03-01。").unwrap();
    let sheet = workbook.add_worksheet();
    sheet.set_name("就业登记").unwrap();
    let plain = Format::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    sheet.merge_range(0, 0, 0, 9, "2025年3月就业登记台账（历下区）", &plain).unwrap();
    let header =
        ["*登记日期", "县（市、区）代码", "用人单位编号", "行业门类", "职业代码", "重点群体", "年龄（岁）", "性别", "学历", "身份证号码"];
    for (c, text) in header.iter().enumerate() {
        if (6..=8).contains(&c) {
            sheet.write_string(2, c as u16, *text).unwrap();
        } else {
            sheet.merge_range(1, c as u16, 2, c as u16, text, &plain).unwrap();
        }
    }
    sheet.merge_range(1, 6, 1, 8, "人员信息", &plain).unwrap();
    // Rows as Excel numbers them: 4, 5, 6, 7 (blank), 8, 9, 10, 11 (合计).
    let text_row = |sheet: &mut rust_xlsxwriter::Worksheet, row: u32, cells: [&str; 4]| {
        for (c, v) in [2u16, 3, 4, 5].into_iter().zip(cells) {
            sheet.write_string(row, c, v).unwrap();
        }
        sheet.write_string(row, 7, "男").unwrap();
        sheet.write_string(row, 8, "高中/中专").unwrap();
    };
    // 4: a date cell, the county as a number, the age as a number: accepted.
    sheet.write_datetime_with_format(3, 0, ExcelDateTime::from_ymd(2025, 3, 1).unwrap(), &date).unwrap();
    sheet.write_number(3, 1, 370102).unwrap();
    text_row(sheet, 3, ["E1", "C", "6-18-02-04", "农民工"]);
    sheet.write_number(3, 6, 35).unwrap();
    sheet.write_string(3, 9, &ids[0]).unwrap();
    // 5: the date as text, "代码 名称", the age as text with a full-width digit: accepted.
    sheet.write_string(4, 0, "2025年3月2日").unwrap();
    sheet.write_string(4, 1, "370102 历下区").unwrap();
    text_row(sheet, 4, ["E1", "C", "6-18-02-04", "农民工"]);
    sheet.write_string(4, 6, "３6").unwrap();
    sheet.write_string(4, 9, &ids[1]).unwrap();
    // 6: a serial-number date, the county by name, the ID typed as a number: set aside.
    sheet.write_number(5, 0, 45718).unwrap();
    sheet.write_string(5, 1, "历下区").unwrap();
    text_row(sheet, 5, ["E2", "C", "6-18-02-04", "农民工"]);
    sheet.write_number(5, 6, 40).unwrap();
    sheet.write_number(5, 9, ids[2].parse::<f64>().unwrap()).unwrap();
    // 8: a county name two counties share: set aside.
    sheet.write_string(7, 0, "2025-03-04").unwrap();
    sheet.write_string(7, 1, "市中区").unwrap();
    text_row(sheet, 7, ["E2", "C", "6-18-02-04", "农民工"]);
    sheet.write_number(7, 6, 41).unwrap();
    sheet.write_string(7, 9, &ids[3]).unwrap();
    // 9: an age that is no number: quarantined, the cell named.
    sheet.write_string(8, 0, "2025/3/5").unwrap();
    sheet.write_number(8, 1, 370102).unwrap();
    text_row(sheet, 8, ["E2", "C", "6-18-02-04", "农民工"]);
    sheet.write_string(8, 6, "三十").unwrap();
    sheet.write_string(8, 9, &ids[4]).unwrap();
    // 10: the age a formula with its cached value: accepted.
    sheet.write_string(9, 0, "2025.3.6").unwrap();
    sheet.write_number(9, 1, 370102).unwrap();
    text_row(sheet, 9, ["E3", "C", "6-18-02-04", "农民工"]);
    sheet.write_formula(9, 6, Formula::new("=30+7").set_result("37")).unwrap();
    sheet.write_string(9, 9, &ids[5]).unwrap();
    // 11: the total.
    sheet.write_string(10, 0, "合 计").unwrap();
    sheet.write_formula(10, 6, Formula::new("=SUM(G4:G10)").set_result("189")).unwrap();
    workbook.save(&path).unwrap();

    let hasher = PersonHasher::new(b"test-key");
    let checked = ingest::check(&schema::EMPLOYMENT_REGISTRATIONS, vec![InputFile::new(path.clone()).unwrap()], &context(&hasher)).unwrap();
    let ingest::Staged { reconciliation: rec, accepted } =
        ingest::stage(&checked, &dir.join("quarantine"), &ingest::Staging::Memory).unwrap();
    let accepted = accepted.sort(["date"], Default::default()).collect().unwrap();
    // Records: rows 4, 5, 6, 8, 9 and 10 (not the title, the header, the blank or the total).
    assert_eq!((rec.rows_in, rec.accepted, rec.quarantined), (6, 3, 3), "{rec:?}");
    assert!(rec.balances());
    let dates: Vec<String> =
        accepted.column("date").unwrap().cast(&DataType::String).unwrap().str().unwrap().iter().flatten().map(String::from).collect();
    assert_eq!(dates, ["2025-03-01", "2025-03-02", "2025-03-06"]);
    let ages: Vec<i64> = accepted.column("age").unwrap().i64().unwrap().iter().flatten().collect();
    assert_eq!(ages, [35, 36, 37]);
    let counties: Vec<i64> = accepted.column("county").unwrap().cast(&DataType::Int64).unwrap().i64().unwrap().iter().flatten().collect();
    assert_eq!(counties, [370102; 3]);

    let quarantine = std::fs::read_to_string(dir.join("quarantine/employment_registrations.csv")).unwrap();
    for (row, reason) in [
        (6, "报表.xlsx!就业登记!J6: field person_id: an ID number typed as a number loses every digit after the 15th"),
        (8, "报表.xlsx!就业登记!B8: field county: “市中区” is the name of 2 regions (in 济南市、枣庄市); give its code"),
        (9, "报表.xlsx!就业登记!G9: field age: '三十' is not a integer"),
    ] {
        let line = quarantine
            .lines()
            .find(|l| l.contains(&format!(",{row},")))
            .unwrap_or_else(|| panic!("row {row} not quarantined:\n{quarantine}"));
        assert!(line.contains(reason), "row {row}: expected {reason:?} in {line}");
    }
    for id in &ids {
        assert!(!quarantine.contains(id.as_str()), "raw ID in the quarantine file");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// `analytics template` writes a workbook the reader takes back: every column found under
/// its Chinese header, no records, the code lists on their sheet.
#[test]
fn a_template_reads_back_with_every_column_and_no_records() {
    use szjy_engine::workbook;
    let dir = temp_dir("template");
    for source in schema::SOURCES.iter().map(|s| s.name) {
        let path = dir.join(format!("{source}.xlsx"));
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_analytics"))
            .args(["template", "--source", source, "--out"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let schema = schema::source(source).unwrap();
        let sheet = workbook::read(&path, schema, None).unwrap();
        assert_eq!(sheet.sheet, schema.zh);
        // A person source asks for the raw ID number; other keys stay keys.
        let expected: Vec<&str> =
            schema.columns.iter().map(|c| if schema.has_person && c.name == "person_key" { ingest::RAW_ID_COL } else { c.name }).collect();
        assert_eq!(sheet.header, expected, "{source}");
        assert!(sheet.rows.is_empty() && sheet.set_aside.is_empty());
    }
    // The county drop-down lists every county as "代码 名称", which the reader takes.
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto(dir.join("unemployment_registrations.xlsx")).unwrap();
    let codes = book.worksheet_range("代码表").unwrap();
    let counties: Vec<String> = codes.rows().skip(1).filter_map(|r| r.first().map(|c| c.to_string())).filter(|c| !c.is_empty()).collect();
    assert_eq!(counties.len(), 136, "{counties:?}");
    assert!(counties.contains(&"370102 历下区".to_string()));
    std::fs::remove_dir_all(dir).unwrap();
}

/// Two sheets holding the same source, none named after it: an error naming both, never a
/// silent choice; a sheet named after the source is read whatever else the workbook holds.
#[test]
fn a_workbook_with_several_sheets_of_a_source_names_them() {
    use rust_xlsxwriter::Workbook;
    use szjy_engine::workbook;
    let dir = temp_dir("sheets");
    let schema = &schema::EMPLOYMENT_TARGETS;
    let write = |path: &std::path::Path, sheets: &[&str]| {
        let mut book = Workbook::new();
        for name in sheets {
            let sheet = book.add_worksheet();
            sheet.set_name(*name).unwrap();
            for (c, column) in schema.columns.iter().enumerate() {
                sheet.write_string(0, c as u16, column.zh).unwrap();
            }
        }
        book.save(path).unwrap();
    };
    let two = dir.join("two.xlsx");
    write(&two, &["一月", "二月"]);
    let error = workbook::read(&two, schema, None).unwrap_err();
    assert!(error.contains("“一月”") && error.contains("“二月”") && error.contains(schema.zh), "{error}");
    let named = dir.join("named.xlsx");
    write(&named, &["一月", schema.zh]);
    assert_eq!(workbook::read(&named, schema, None).unwrap().sheet, schema.zh);
    std::fs::remove_dir_all(dir).unwrap();
}

/// A stray value far from the table (XFD1048576) would have the reader lay out 17 billion
/// cells: the workbook is refused at once, the file, sheet and reach named.
#[test]
fn a_workbook_whose_cells_reach_too_far_is_refused_before_it_is_laid_out() {
    use rust_xlsxwriter::Workbook;
    let dir = temp_dir("stray-cell");
    let path = dir.join("目标.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("年度目标任务").unwrap();
    for (c, text) in ["年度", "市代码", "城镇新增就业目标（人）"].iter().enumerate() {
        sheet.write_string(0, c as u16, *text).unwrap();
    }
    sheet.write_number(1, 0, 2025).unwrap();
    sheet.write_number(1, 1, 370100).unwrap();
    sheet.write_number(1, 2, 180000).unwrap();
    sheet.write_string(1_048_575, 16_383, "备注").unwrap();
    workbook.save(&path).unwrap();

    let Err(error) =
        ingest::check(&schema::EMPLOYMENT_TARGETS, vec![InputFile::new(path.clone()).unwrap()], &context(&PersonHasher::new(b"k")))
    else {
        panic!("a sheet spanning 17 billion cells was read");
    };
    let message = error.to_string();
    assert!(message.contains("目标.xlsx") && message.contains("sheet “年度目标任务”"), "{message}");
    assert!(message.contains("from A1 to XFD1048576 (17179869184 cells)"), "{message}");
    std::fs::remove_dir_all(dir).unwrap();
}
