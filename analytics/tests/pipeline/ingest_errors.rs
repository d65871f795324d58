//! Broken inputs: every row is accepted or quarantined with a reason naming file, row and
//! field; structural problems are clear errors; raw ID numbers never come out.

use analytics::engine::ingest::{self, IngestError, InputFile};
use analytics::engine::keys::PersonHasher;
use analytics::schema::{self, id_number_checksum_ok};
use polars::prelude::*;

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
        format!("2025-03-06,370102,E1,C,,农民工,35,男,高中/中专,{good2}"), // row 6 missing occupation
        format!("2025-03-07,370102,E1,C,6-18-02-04,农民工,35,男,高中/中专,{bad_check}"), // row 7 bad check digit
        format!("2025-03-08,370102,E1,C,6-18-02-04,农民工,200,男,高中/中专,{good2}"), // row 8 age out of range
        format!("2025-03-09,370102,E1,C,6-18-02-04,高校毕业生,23,女,本科,{good2}"), // row 9 ok
    ];
    // The file arrives GBK-encoded, as government exports often do.
    let text = format!("{HEADER_RAW_ID}\n{}\n", rows.join("\n"));
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    assert!(std::str::from_utf8(&gbk).is_err(), "the fixture really is GBK");
    let path = dir.join("registrations_gbk.csv");
    std::fs::write(&path, &gbk).unwrap();

    let hasher = PersonHasher::new(b"test-key");
    let checked = ingest::check(&schema::EMPLOYMENT_REGISTRATIONS, vec![InputFile::new(path.clone()).unwrap()], &hasher).unwrap();
    let ingest::Staged { reconciliation: rec, accepted } = ingest::stage(&checked, &dir.join("quarantine"), &ingest::Staging::Memory).unwrap();
    let accepted = accepted.collect().unwrap();
    assert_eq!((rec.rows_in, rec.accepted, rec.quarantined), (9, 2, 7));
    assert!(rec.balances());

    let quarantine = std::fs::read_to_string(dir.join("quarantine/employment_registrations.csv")).unwrap();
    let file = path.display().to_string();
    for (row, reason) in [
        (2, "field age: 'abc' is not a integer"),
        (3, "field county: '371202' is not a Shandong county adcode"),
        (4, "field key_group: '外星人' is not an allowed code"),
        (5, "field date: '2031-01-01' is outside 2015-01-01–2030-12-31"),
        (6, "field occupation: missing"),
        (7, "field person_id: not a valid 18-digit ID number (check digit)"),
        (8, "field age: '200' is out of range 16–75"),
    ] {
        let line = quarantine.lines().find(|l| l.starts_with(&format!("{file},{row},"))).unwrap_or_else(|| panic!("row {row} not quarantined:\n{quarantine}"));
        assert!(line.contains(reason), "row {row}: expected {reason:?} in {line}");
    }
    // Raw ID numbers leave nowhere: the quarantine and the accepted rows hold keyed hashes.
    for id in [&good1, &good2, &bad_check] {
        assert!(!quarantine.contains(id.as_str()), "raw ID in the quarantine file");
    }
    assert_eq!(accepted.get_column_names().iter().map(|c| c.as_str()).collect::<Vec<_>>(), schema::EMPLOYMENT_REGISTRATIONS.columns.iter().map(|c| c.name).collect::<Vec<_>>());
    let keys: Vec<u64> = accepted.column("person_key").unwrap().u64().unwrap().iter().flatten().collect();
    let expected = [&good1, &good2].map(|id| analytics::engine::keys::compact(&hasher.key_of(id)).unwrap());
    assert_eq!(keys, expected);
    assert_eq!(accepted.column("age").unwrap().dtype(), &DataType::Int64);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn structural_problems_are_errors_that_name_the_file() {
    let dir = temp_dir("structural");
    let hasher = PersonHasher::new(b"k");

    // No files for a source.
    let err = ingest::source_files(&dir, &schema::JOB_POSTINGS).unwrap_err();
    assert!(matches!(err, IngestError::Missing { .. }) && err.to_string().contains("job_postings"), "{err}");

    // A missing column.
    let path = dir.join("seekers.csv");
    std::fs::write(&path, "date,county,desired_occupation,education,age,sex,person_key\n2025-01-01,370102,4-02-07-08,本科,30,男,x\n").unwrap();
    let err = ingest::check(&schema::JOB_SEEKERS, vec![InputFile::new(path.clone()).unwrap()], &hasher).err().unwrap();
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
    let err = ingest::check(&schema::JOB_SEEKERS, vec![InputFile::new(path).unwrap()], &hasher).err().unwrap();
    let message = err.to_string();
    assert!(message.contains("seekers.parquet") && message.contains("expected_wage") && message.contains("expected number"), "{message}");

    // A file that is not Parquet at all.
    let path = dir.join("garbage.parquet");
    std::fs::write(&path, b"not parquet").unwrap();
    let err = ingest::check(&schema::JOB_SEEKERS, vec![InputFile::new(path).unwrap()], &hasher).err().unwrap();
    assert!(err.to_string().contains("garbage.parquet"), "{err}");

    // An unknown extension.
    assert!(InputFile::new(dir.join("data.xlsx")).unwrap_err().to_string().contains("data.xlsx"));
    std::fs::remove_dir_all(dir).unwrap();
}
