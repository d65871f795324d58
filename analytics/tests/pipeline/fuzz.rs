//! A mutation fuzzer for the CSV and Parquet readers on the stable toolchain: seed files
//! (good rows, raw ID numbers, quotes, GBK) are mutated at random — bytes flipped, cut,
//! repeated, quotes, separators and line breaks inserted — and each result is ingested.
//! It holds if nothing panics, every ingest that succeeds balances (rows in = accepted +
//! quarantined + replaced), and no raw ID number of the seeds reaches the quarantine or an
//! error message.
//!
//! CSV is read by our own parser, in process: a panic there is a failure. Parquet is read
//! by Polars, whose reader panics — some panics abort the process — on damaged files (the
//! first run of this harness found them; `data/malformed.parquet` is one). The server
//! therefore reads uploads in a worker process (`analytics ingest --json`), and so does
//! this harness for Parquet cases: a crashed worker is counted, not a failure, as long as
//! every answer it does give holds the properties above.
//!
//! Not run by CI: `bench/fuzz.sh [SECONDS]` runs it for a fixed time (ignored test
//! `fuzz_the_readers`, `FUZZ_SECONDS`, `FUZZ_SEED`) and prints cases per second; a failing
//! case is kept under `$TMPDIR/szjy-fuzz-*/failures/`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::{Duration, Instant};

use polars::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use szjy_engine::ingest::{self, IngestContext, InputFile};
use szjy_engine::keys::PersonHasher;
use szjy_model::schema::{self, id_number_checksum_ok};

use crate::temp_dir;

fn with_check_digit(body: &str) -> String {
    "0123456789X".chars().map(|c| format!("{body}{c}")).find(|id| id_number_checksum_ok(id)).unwrap()
}

fn seeds(ids: &[String]) -> Vec<(String, Vec<u8>)> {
    let header_raw = "date,county,employer_id,industry,occupation,key_group,age,sex,education,person_id";
    let mut raw = format!("{header_raw}\n");
    for (i, id) in ids.iter().enumerate() {
        raw.push_str(&format!("2026-10-{:02},370102,E{i},C,4-07-05-01,高校毕业生,{},女,本科,{id}\n", 1 + i % 28, 20 + i));
    }
    raw.push_str(&format!("2026-10-03,370102,\"E,1\",C,4-07-05-01,其他,30,男,\"本科\",{}\n", ids[0]));
    let gbk = encoding_rs::GBK.encode(&raw).0.into_owned();
    let keyed = "date,county,employer_id,industry,occupation,key_group,age,sex,education,person_key\n2026-10-01,370102,E1,C,4-07-05-01,其他,30,男,本科,0123456789abcdef0123456789abcdef\n";
    let mut frame = df!(
        "date" => [chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(); 3],
        "county" => [370102i64; 3],
        "employer_id" => ["E1", "E2", "E3"],
        "industry" => ["C"; 3],
        "occupation" => ["4-07-05-01"; 3],
        "key_group" => ["其他"; 3],
        "age" => [30i64, 31, 32],
        "sex" => ["男"; 3],
        "education" => ["本科"; 3],
        "person_id" => [ids[1].as_str(), ids[2].as_str(), ids[3].as_str()],
    )
    .unwrap();
    let mut parquet = Vec::new();
    ParquetWriter::new(&mut parquet).with_compression(ParquetCompression::Uncompressed).finish(&mut frame).unwrap();
    vec![("csv".into(), raw.into_bytes()), ("csv".into(), gbk), ("csv".into(), keyed.as_bytes().to_vec()), ("parquet".into(), parquet)]
}

const INSERTS: &[&[u8]] =
    &[b"\"", b",", b"\n", b"\r\n", b"\"\"", b"\xEF\xBB\xBF", b"=HYPERLINK(1)", b"\xFF\xFE", b"9999-99-99", b"-1", b"\x00"];

fn mutate(bytes: &[u8], rng: &mut Pcg64Mcg) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for _ in 0..rng.random_range(1..6) {
        let at = if out.is_empty() { 0 } else { rng.random_range(0..out.len()) };
        match rng.random_range(0..6) {
            0 if !out.is_empty() => out[at] ^= 1 << rng.random_range(0..8),
            1 => out.truncate(at),
            2 => {
                let insert = INSERTS[rng.random_range(0..INSERTS.len())];
                out.splice(at..at, insert.iter().copied());
            }
            3 if !out.is_empty() => {
                let end = (at + rng.random_range(1..64)).min(out.len());
                let piece = out[at..end].to_vec();
                out.splice(at..at, piece);
            }
            4 if !out.is_empty() => {
                let end = (at + rng.random_range(1..16)).min(out.len());
                out.drain(at..end);
            }
            _ => out.insert(at, rng.random()),
        }
    }
    out
}

/// A Parquet case through the ingest worker, as the server runs it. Ok(true) if the
/// worker crashed (isolated), Ok(false) if it answered soundly.
fn run_worker_case(dir: &Path, n: u64, bytes: &[u8], ids: &[String]) -> Result<bool, String> {
    let path = dir.join(format!("case-{n}.parquet"));
    std::fs::write(&path, bytes).unwrap();
    let out = dir.join(format!("out-{n}"));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_analytics"))
        .args(["ingest", "--json", "--source", "employment_registrations", "--name", "case.parquet", "--out"])
        .arg(&out)
        .arg(&path)
        .env("SZJY_TODAY", "2026-12-04")
        .env("SZJY_PERSON_KEY", "fuzz")
        .env("RUST_LOG", "off")
        .stderr(std::process::Stdio::null())
        .output()
        .unwrap();
    let answer = String::from_utf8_lossy(&output.stdout).into_owned();
    let quarantine = std::fs::read(out.join("quarantine/employment_registrations.csv"))
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let _ = std::fs::remove_dir_all(&out);
    let crashed = !matches!(output.status.code(), Some(0 | 2)) || answer.trim().is_empty();
    if let Some(id) = ids.iter().find(|id| answer.contains(id.as_str()) || quarantine.contains(id.as_str())) {
        return Err(format!("the worker's answer or quarantine holds the raw ID {id}"));
    }
    if !crashed {
        let value: serde_json::Value =
            serde_json::from_str(answer.lines().last().unwrap_or_default()).map_err(|e| format!("not a JSON answer ({e}): {answer}"))?;
        if let Some(rec) = value.get("reconciliation") {
            let n = |k: &str| rec.get(k).and_then(|v| v.as_u64()).unwrap_or(u64::MAX);
            if n("rows_in") != n("accepted") + n("quarantined") + n("replaced") {
                return Err(format!("does not balance: {rec}"));
            }
        }
    }
    let _ = std::fs::remove_file(&path);
    Ok(crashed)
}

/// One case: ingest `bytes` as a file with `extension`. Err(description) if it failed.
fn run_case(dir: &Path, n: u64, extension: &str, bytes: &[u8], ids: &[String], context: &IngestContext) -> Result<(), String> {
    let path = dir.join(format!("case-{n}.{extension}"));
    std::fs::write(&path, bytes).unwrap();
    let quarantine = dir.join(format!("q-{n}"));
    let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<Option<ingest::Reconciliation>, String> {
        let checked = match ingest::check(&schema::EMPLOYMENT_REGISTRATIONS, vec![InputFile::new(path.clone()).unwrap()], context) {
            Ok(checked) => checked,
            Err(e) => return Err(e.to_string()),
        };
        ingest::stage(&checked, &quarantine, &ingest::Staging::Memory).map(|s| Some(s.reconciliation)).map_err(|e| e.to_string())
    }));
    let result = match outcome {
        Err(panic) => Err(format!(
            "panicked: {}",
            panic.downcast_ref::<String>().cloned().or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
        )),
        Ok(Err(message)) => match ids.iter().find(|id| message.contains(id.as_str())) {
            Some(id) => Err(format!("an error message holds the raw ID {id}: {message}")),
            None => Ok(()),
        },
        Ok(Ok(Some(rec))) if !rec.balances() => Err(format!("does not balance: {rec:?}")),
        Ok(Ok(_)) => {
            let text = std::fs::read(quarantine.join("employment_registrations.csv"))
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            match ids.iter().find(|id| text.contains(id.as_str())) {
                Some(id) => Err(format!("the quarantine holds the raw ID {id}")),
                None => Ok(()),
            }
        }
    };
    let _ = std::fs::remove_dir_all(&quarantine);
    if result.is_ok() {
        let _ = std::fs::remove_file(&path);
    }
    result
}

#[test]
#[ignore = "runs for FUZZ_SECONDS; bench/fuzz.sh"]
fn fuzz_the_readers() {
    let seconds: u64 = std::env::var("FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let seed: u64 = std::env::var("FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let dir = temp_dir("fuzz");
    let failures = dir.join("failures");
    std::fs::create_dir_all(&failures).unwrap();
    let ids: Vec<String> = (0..8).map(|i| with_check_digit(&format!("3701021985030{i}123"))).collect();
    let seeds = seeds(&ids);
    let context = IngestContext::new(PersonHasher::new(b"fuzz"), chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap());
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    // Panics are expected and caught: keep their messages out of the output.
    std::panic::set_hook(Box::new(|_| {}));
    let (started, mut cases, mut found, mut crashed) = (Instant::now(), 0u64, Vec::new(), 0u64);
    while started.elapsed() < Duration::from_secs(seconds) {
        let (extension, bytes) = &seeds[rng.random_range(0..seeds.len())];
        let mutated = mutate(bytes, &mut rng);
        let outcome = if extension == "parquet" {
            run_worker_case(&dir, cases, &mutated, &ids).map(|c| crashed += u64::from(c))
        } else {
            run_case(&dir, cases, extension, &mutated, &ids, &context)
        };
        if let Err(failure) = outcome {
            let kept = failures.join(format!("case-{cases}.{extension}"));
            std::fs::write(&kept, &mutated).unwrap();
            found.push(format!("{}: {failure}", kept.display()));
        }
        cases += 1;
    }
    let _ = std::panic::take_hook();
    let rate = cases as f64 / started.elapsed().as_secs_f64();
    println!(
        "fuzz: {cases} cases in {seconds} s ({rate:.0}/s), seed {seed}, {} failures; the Parquet reader crashed its worker on {crashed}",
        found.len()
    );
    for f in &found {
        println!("  {f}");
    }
    assert!(found.is_empty(), "{} failing cases kept under {}", found.len(), failures.display());
}
