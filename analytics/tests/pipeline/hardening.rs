//! The data server as an adversary and a careless client try it: hang-ups mid-ingest,
//! kill -9 at each step, uploads without a token, decompression bombs, slow clients,
//! raw ID numbers, batches sent twice. Each test failed on the server before it was
//! hardened.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use polars::prelude::*;
use reqwest::blocking::Client;
use reqwest::StatusCode;
use szjy_engine::generate::{generate, GenerateConfig};
use szjy_model::cube::{Cube, TOTAL};
use szjy_model::period::Period;
use szjy_server::{self as serve, AuditEntry, IngestReport, Limits, Role, ServeConfig, TokenConfig, VersionInfo};

use crate::{files_under, temp_dir};

const INGEST: &str = "ingest-token-0123456789";
const ANALYST: &str = "analyst-token-0123456789";
const ADMIN: &str = "admin-token-0123456789";
const LIXIA: u32 = 370102;
const SHIZHONG: u32 = 370103;
const REGISTRATIONS: &str = "employment_registrations";

/// The generated sources every test here serves (generated once per test run).
fn input() -> &'static Path {
    static INPUT: OnceLock<PathBuf> = OnceLock::new();
    INPUT.get_or_init(|| {
        let dir = temp_dir("hardening-input");
        generate(&GenerateConfig { scale: 60_000, seed: 5, out: dir.clone(), csv: false, dirty_rate: 0.0 }, &|_, _, _| {}).unwrap();
        dir
    })
}

fn config(data: &Path) -> ServeConfig {
    ServeConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        input: input().to_path_buf(),
        data: data.to_path_buf(),
        web: data.join("no-web-bundle"),
        tokens: vec![
            TokenConfig { name: "bot".into(), role: Role::Ingest, token: INGEST.into() },
            TokenConfig { name: "ana".into(), role: Role::Analyst, token: ANALYST.into() },
            TokenConfig { name: "root".into(), role: Role::Admin, token: ADMIN.into() },
        ],
        keep_versions: 3,
        k: 5,
        today: Some(chrono::NaiveDate::from_ymd_opt(2026, 11, 15).unwrap()),
        ingest_worker: Some(env!("CARGO_BIN_EXE_analytics").into()),
        ..Default::default()
    }
}

/// A server data folder whose version 1 is built (once per run); each test copies it, so
/// only the builds a test causes are paid for.
fn built_data(name: &str) -> PathBuf {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    let template = TEMPLATE.get_or_init(|| {
        let dir = temp_dir("hardening-template");
        serve::spawn(config(&dir)).unwrap().stop().unwrap();
        dir
    });
    let dir = temp_dir(name);
    copy_dir(template, &dir);
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Registrations in a county in October 2026, with person keys no other batch has.
fn registrations(county: u32, rows: usize, seed: u64) -> String {
    let mut csv = String::from("date,county,employer_id,industry,occupation,key_group,age,sex,education,person_key\n");
    for i in 0..rows {
        csv.push_str(&format!(
            "2026-10-20,{county},E37010200001,C,4-07-05-01,高校毕业生,24,女,本科,{:016x}{:016x}\n",
            0xfeed_0000_0000_0000_u64 + seed * 1000 + i as u64,
            seed
        ));
    }
    csv
}

fn client() -> Client {
    Client::builder().timeout(Duration::from_secs(600)).build().unwrap()
}

fn post(addr: SocketAddr, path: &str, token: &str, body: impl Into<reqwest::blocking::Body>) -> reqwest::blocking::Response {
    client().post(format!("http://{addr}{path}")).bearer_auth(token).body(body).send().unwrap()
}

fn ingest_path(name: &str) -> String {
    format!("/api/ingest?source={REGISTRATIONS}&name={name}")
}

fn audit(addr: SocketAddr) -> Vec<AuditEntry> {
    client().get(format!("http://{addr}/api/audit")).bearer_auth(ANALYST).send().unwrap().json().unwrap()
}

fn ingests(addr: SocketAddr) -> Vec<AuditEntry> {
    audit(addr).into_iter().filter(|e| e.action == "ingest").collect()
}

fn version(addr: SocketAddr) -> VersionInfo {
    client().get(format!("http://{addr}/api/version")).send().unwrap().json().unwrap()
}

fn internal(addr: SocketAddr) -> Cube {
    let bytes = client().get(format!("http://{addr}/api/cube/internal?format=bin")).bearer_auth(ANALYST).send().unwrap().bytes().unwrap();
    Cube::from_binary(&bytes, "internal").unwrap()
}

fn new_jobs(cube: &Cube, county: u32) -> f64 {
    cube.get("new_urban_jobs", county, Period::month(2026, 10), TOTAL).value().unwrap_or(0.0)
}

/// Sends raw bytes and reads what comes back until the server closes or `wait` passes.
fn raw_exchange(addr: SocketAddr, request: &[u8], wait: Duration) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(wait)).unwrap();
    let _ = stream.write_all(request);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn a_client_that_hangs_up_mid_ingest_loses_nothing() {
    let data = built_data("hangup");
    let server = serve::spawn(config(&data)).unwrap();
    let before = internal(server.addr);
    // The first client sends its whole batch and hangs up without waiting for the answer.
    let body = registrations(LIXIA, 30, 1);
    let request = format!(
        "POST {} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {INGEST}\r\ncontent-length: {}\r\n\r\n{body}",
        ingest_path("hung-up.csv"),
        body.len()
    );
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    drop(stream);
    // A second, unrelated batch right after: it waits for the first job, then lands.
    let second: IngestReport = post(server.addr, &ingest_path("second.csv"), INGEST, registrations(SHIZHONG, 25, 2)).json().unwrap();
    assert_eq!((second.accepted, second.version), (25, 3), "{second:?}");
    let outcomes = ingests(server.addr);
    assert_eq!(outcomes.len(), 2, "one outcome per batch: {outcomes:?}");
    assert!(outcomes.iter().all(|e| e.error.is_none()), "{outcomes:?}");
    assert_eq!(outcomes.iter().map(|e| e.version).collect::<Vec<_>>(), [2, 3]);
    let after = internal(server.addr);
    assert_eq!(new_jobs(&after, LIXIA) - new_jobs(&before, LIXIA), 30.0, "the hung-up batch is in the cube");
    assert_eq!(new_jobs(&after, SHIZHONG) - new_jobs(&before, SHIZHONG), 25.0);
    assert!(files_under(&data.join("rolled-back")).is_empty(), "nothing was rolled back");
    assert_eq!(files_under(&data.join("batches")).len(), 2);
}

/// Starts `analytics serve` as a child process that aborts at `failpoint`.
fn child_server(data: &Path, failpoint: &str) -> (std::process::Child, SocketAddr) {
    let config_file = data.join("serve.json");
    std::fs::write(&config_file, serde_json::to_string(&config(data)).unwrap()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_analytics"))
        .args(["serve", "--config"])
        .arg(&config_file)
        .env("SZJY_FAILPOINT", failpoint)
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|a| a.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .parse()
        .unwrap();
    (child, addr)
}

#[test]
fn kill_9_at_each_step_of_an_ingest_leaves_one_outcome() {
    // (step, published after the restart?)
    for (step, published) in [("received", false), ("validated", false), ("staged", false), ("built", true), ("published", true)] {
        let data = built_data(&format!("kill-{step}"));
        let (mut child, addr) = child_server(&data, step);
        let result = client()
            .post(format!("http://{addr}{}", ingest_path("killed.csv")))
            .bearer_auth(INGEST)
            .body(registrations(LIXIA, 20, 3))
            .send();
        assert!(result.is_err(), "{step}: the server died before answering");
        let status = child.wait().unwrap();
        assert!(!status.success(), "{step}: the child aborted");

        // The restart settles the batch: one outcome, and the data agrees with it.
        let server = serve::spawn(config(&data)).unwrap();
        let outcomes = ingests(server.addr);
        assert_eq!(outcomes.len(), 1, "{step}: {outcomes:?}");
        assert_eq!(outcomes[0].batch.as_deref(), Some("b000001"));
        assert_eq!(outcomes[0].error.is_none(), published, "{step}: {outcomes:?}");
        assert_eq!(version(server.addr).version, if published { 2 } else { 1 }, "{step}");
        assert_eq!(files_under(&data.join("batches")).len(), usize::from(published), "{step}");
        assert!(files_under(&data.join("incoming")).is_empty(), "{step}: no upload left behind");
        server.stop().unwrap();
        // Batch numbers never repeat across the restart.
        let journal = std::fs::read_to_string(data.join("journal.jsonl")).unwrap();
        assert!(journal.contains("b000001"), "{step}");
        std::fs::remove_dir_all(&data).unwrap();
    }
}

#[test]
fn uploads_are_refused_before_they_are_read() {
    let data = built_data("refuse");
    let mut config = config(&data);
    config.limits = Limits { max_batch_bytes: 1 << 20, ..Limits::default() };
    let server = serve::spawn(config).unwrap();
    let path = ingest_path("huge.csv");
    // 400 MiB announced, none sent: the answer comes at once, the body is never awaited.
    for (headers, expected) in [
        (String::new(), "401"),
        (format!("authorization: Bearer {ANALYST}\r\n"), "403"),
        (format!("authorization: Bearer {INGEST}\r\n"), "413"),
    ] {
        let started = Instant::now();
        let answer = raw_exchange(
            server.addr,
            format!("POST {path} HTTP/1.1\r\nhost: x\r\n{headers}content-length: 419430400\r\n\r\n").as_bytes(),
            Duration::from_secs(5),
        );
        assert!(answer.starts_with(&format!("HTTP/1.1 {expected}")), "{answer}");
        assert!(started.elapsed() < Duration::from_secs(4), "answered before the body: {:?}", started.elapsed());
    }
    // A chunked upload that grows past the limit is cut off, and nothing stays on disk.
    let big = registrations(LIXIA, 30_000, 4);
    assert!(big.len() > 1 << 20);
    let sent = client()
        .post(format!("http://{}{path}", server.addr))
        .bearer_auth(INGEST)
        .body(reqwest::blocking::Body::new(std::io::Cursor::new(big.into_bytes())))
        .send();
    // The server answers 413 and closes while the client still sends: the client sees
    // the answer or the closed connection, whichever its sending reaches first.
    if let Ok(response) = sent {
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }
    assert!(files_under(&data.join("incoming")).is_empty());
    assert_eq!(version(server.addr).version, 1);
    // Refused posts by a known caller are audited.
    assert!(audit(server.addr).iter().any(|e| e.action == "refused" && e.error.as_deref().is_some_and(|m| m.starts_with("413"))));
}

#[test]
fn a_decompression_bomb_is_refused_from_its_footer() {
    let data = built_data("bomb");
    let mut config = config(&data);
    config.limits = Limits { max_parquet_rows: 50_000, max_parquet_uncompressed_bytes: 64 << 20, ..Limits::default() };
    let server = serve::spawn(config).unwrap();
    let rows = 400_000;
    let mut frame = df!(
        "date" => vec![chrono::NaiveDate::from_ymd_opt(2026, 10, 20).unwrap(); rows],
        "county" => vec![LIXIA as i64; rows],
        "employer_id" => vec!["E1"; rows],
        "industry" => vec!["C"; rows],
        "occupation" => vec!["4-07-05-01"; rows],
        "key_group" => vec!["其他"; rows],
        "age" => vec![30i64; rows],
        "sex" => vec!["男"; rows],
        "education" => vec!["本科"; rows],
        "person_key" => vec!["0123456789abcdef0123456789abcdef"; rows],
    )
    .unwrap();
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes).with_compression(ParquetCompression::Zstd(None)).finish(&mut frame).unwrap();
    assert!(bytes.len() < 200_000, "a small file: {} bytes", bytes.len());
    let response = post(server.addr, &format!("/api/ingest?source={REGISTRATIONS}&name=bomb.parquet"), INGEST, bytes);
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error = response.text().unwrap();
    assert!(error.contains("bomb.parquet") && error.contains("400000 rows"), "{error}");
    assert!(!error.contains(&data.display().to_string()), "no server path in an answer: {error}");
    assert_eq!(version(server.addr).version, 1);
    // A file the fuzzer found to abort Polars' Parquet reader (a non-unwinding panic) is
    // read in the ingest worker's process: the answer is 422, the server lives on.
    let malformed = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pipeline/data/malformed.parquet")).unwrap();
    let response = post(server.addr, &format!("/api/ingest?source={REGISTRATIONS}&name=damaged.parquet"), INGEST, malformed);
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error = response.text().unwrap();
    assert!(error.contains("damaged.parquet") && error.contains("could not be read"), "{error}");
    assert_eq!(version(server.addr).version, 1);
}

#[test]
fn slow_clients_meet_a_connection_cap_and_a_header_timeout() {
    let data = built_data("slow");
    let mut config = config(&data);
    config.limits = Limits { max_connections: 6, header_timeout_s: 1, max_update_streams: 2, ..Limits::default() };
    let server = serve::spawn(config).unwrap();
    // Five clients trickle a request line and never finish their headers; a sixth
    // connects and sends nothing at all.
    let mut slow: Vec<TcpStream> = (0..5)
        .map(|_| {
            let mut s = TcpStream::connect(server.addr).unwrap();
            s.write_all(b"GET /api/version HTTP/1.1\r\nhost: x\r\n").unwrap();
            s
        })
        .collect();
    slow.push(TcpStream::connect(server.addr).unwrap());
    std::thread::sleep(Duration::from_millis(200));
    // The seventh is answered 503 at once, not left hanging.
    let answer = raw_exchange(server.addr, b"GET /api/version HTTP/1.1\r\nhost: x\r\n\r\n", Duration::from_secs(3));
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer:?}");
    // After the header timeout the slow ones are closed and the server answers again.
    std::thread::sleep(Duration::from_millis(1500));
    for mut s in slow {
        s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let mut rest = Vec::new();
        // Closed by the server (end of stream), not left open until our read times out.
        assert!(s.read_to_end(&mut rest).is_ok(), "a slow connection is still open");
    }
    assert_eq!(version(server.addr).version, 1);
    // Update streams are capped too.
    let streams: Vec<_> = (0..2)
        .map(|_| Client::builder().timeout(None).build().unwrap().get(format!("http://{}/api/updates", server.addr)).send().unwrap())
        .collect();
    assert!(streams.iter().all(|s| s.status() == StatusCode::OK));
    assert_eq!(client().get(format!("http://{}/api/updates", server.addr)).send().unwrap().status(), StatusCode::SERVICE_UNAVAILABLE);
    drop(streams);
}

/// Appends the ISO 7064 check digit to 17 digits.
fn with_check_digit(body: &str) -> String {
    "0123456789X".chars().map(|c| format!("{body}{c}")).find(|id| szjy_model::schema::id_number_checksum_ok(id)).unwrap()
}

#[test]
fn no_id_number_rests_on_disk_or_leaves_in_an_answer() {
    let data = built_data("raw-ids");
    let server = serve::spawn(config(&data)).unwrap();
    let ids: Vec<String> = (0..6).map(|i| with_check_digit(&format!("3701021990010{i}123"))).collect();
    let mut bad_check = ids[5].clone();
    bad_check.replace_range(17..18, if bad_check.ends_with('1') { "2" } else { "1" });
    let header_raw = "date,county,employer_id,industry,occupation,key_group,age,sex,education,person_id";
    let mut answers = String::new();
    // Raw IDs where they belong, a bad check digit, an ID in the wrong column, a ragged
    // row and an unclosed quote full of IDs.
    let files = [
        format!("{header_raw}\n2026-10-20,{LIXIA},E1,C,4-07-05-01,其他,30,男,本科,{}\n2026-10-20,{LIXIA},E1,C,4-07-05-01,其他,30,男,本科,{}\n2026-10-20,{LIXIA},E1,C,4-07-05-01,其他,30,男,本科,{bad_check}\n2026-10-20,{LIXIA},{},C,4-07-05-01,其他,12,男,本科,{}\n2026-10-20,{LIXIA},{}\n", ids[0], ids[1], ids[2], ids[3], ids[4]),
        format!("date,county,employer_id,industry,occupation,key_group,age,sex,education,person_key\n2026-10-20,{LIXIA},E1,C,4-07-05-01,其他,30,男,本科,{}\n", ids[0]),
        format!("{header_raw}\n2026-10-20,{LIXIA},E1,C,4-07-05-01,其他,30,男,本科,\"{}\n{}\n{}\n", ids[1], ids[2], ids[3]),
    ];
    for (i, body) in files.iter().enumerate() {
        let response = post(server.addr, &ingest_path(&format!("ids-{i}.csv")), INGEST, body.clone());
        answers.push_str(&response.text().unwrap());
    }
    // A clerk names the file after a person; a source name that is an ID number.
    let named = post(server.addr, &ingest_path(&format!("{}-张三.csv", ids[5])), INGEST, registrations(LIXIA, 2, 9));
    answers.push_str(&named.text().unwrap());
    let refused = post(server.addr, &format!("/api/ingest?source={}&name=x.csv", ids[4]), INGEST, "x");
    answers.push_str(&refused.text().unwrap());
    answers.push_str(&client().get(format!("http://{}/api/audit", server.addr)).bearer_auth(ANALYST).send().unwrap().text().unwrap());
    let mut seen = String::new();
    for file in files_under(&data) {
        if file.extension().is_some_and(|e| e == "parquet") {
            let frame = ParquetReader::new(std::fs::File::open(&file).unwrap()).finish().unwrap();
            seen.push_str(&format!("{frame:?}"));
            for column in frame.columns() {
                if let Ok(text) = column.cast(&DataType::String) {
                    seen.extend(text.str().unwrap().iter().flatten().map(|v| format!("{v}\n")));
                }
            }
        } else {
            seen.push_str(&String::from_utf8_lossy(&std::fs::read(&file).unwrap()));
        }
    }
    for id in ids.iter().chain([&bad_check]) {
        assert!(!answers.contains(id.as_str()), "{id} in an answer:\n{answers}");
        assert!(!seen.contains(id.as_str()), "{id} rests under the data folder");
    }
    assert!(answers.contains("3701**********"), "reasons show the masked value: {answers}");
    assert!(answers.contains("never closes") && answers.contains("ids-2.csv"), "{answers}");
}

#[test]
fn a_batch_sent_twice_is_recognised() {
    let data = built_data("twice");
    let server = serve::spawn(config(&data)).unwrap();
    let body = registrations(LIXIA, 12, 5);
    let first: IngestReport = post(server.addr, &ingest_path("a.csv"), INGEST, body.clone()).json().unwrap();
    assert_eq!((first.batch.as_str(), first.accepted, first.version, first.already_ingested), ("b000001", 12, 2, false));
    // Sent again (a client retrying after a timeout, or under another name): no new
    // version, the first batch named.
    let again: IngestReport = post(server.addr, &ingest_path("a-copy.csv"), INGEST, body.clone()).json().unwrap();
    assert!(again.already_ingested && again.batch == "b000001" && again.version == 2, "{again:?}");
    assert_eq!(version(server.addr).version, 2);
    // Rolled back, it may come in again, under a new number.
    let rolled: VersionInfo = post(server.addr, "/api/admin/rollback/b000001", ADMIN, "").json().unwrap();
    assert_eq!(rolled.version, 3);
    let third: IngestReport = post(server.addr, &ingest_path("a.csv"), INGEST, body).json().unwrap();
    assert!(!third.already_ingested && third.batch == "b000002" && third.version == 4, "{third:?}");
}

#[test]
fn keyed_sources_are_replaced_not_summed() {
    let data = built_data("keys");
    let server = serve::spawn(config(&data)).unwrap();
    let jinan = 370100;
    let gdp = |cube: &Cube| cube.get("gdp", jinan, Period::Quarter { year: 2026, quarter: 1 }, TOTAL).value();
    let target = |cube: &Cube| cube.get("new_urban_jobs_target", jinan, Period::Year { year: 2026 }, TOTAL).value();
    let base = internal(server.addr);
    let zones = base.zones.iter().map(|z| z.zone_id.clone()).collect::<std::collections::BTreeSet<_>>().len();
    assert!(gdp(&base).is_some() && target(&base).is_some());

    // A macro figure sent twice (corrected the second time) is the second figure.
    for value in [3293.0, 3300.5, 3300.5] {
        let body = format!("quarter,city,gdp,va_primary,va_secondary,va_tertiary,fixed_asset_investment,cpi\n2026Q1,{jinan},{value},100,1200,{},900,100.4\n", value - 1300.0);
        let report: IngestReport =
            post(server.addr, &format!("/api/ingest?source=macro_quarterly&name=macro-{value}.csv"), INGEST, body).json().unwrap();
        assert_eq!(report.rows_in, 1, "{report:?}");
        assert_eq!(gdp(&internal(server.addr)), Some(value));
    }
    // A yearly target sent again replaces, and the audit says so.
    for value in [40, 45] {
        let report: IngestReport = post(
            server.addr,
            &format!("/api/ingest?source=employment_targets&name=target-{value}.csv"),
            INGEST,
            format!("year,city,new_urban_jobs_target\n2026,{jinan},{value}\n"),
        )
        .json()
        .unwrap();
        assert_eq!(report.replaced, 1, "{report:?}");
        assert_eq!(target(&internal(server.addr)), Some(value as f64));
    }
    assert!(ingests(server.addr).iter().any(|e| e.source.as_deref() == Some("employment_targets") && e.replaced == Some(1)));
    // A zone sent again under another file name is still one zone.
    let zone = &base.zones[0];
    let functions = szjy_model::codes::codes(szjy_model::codes::SERVICE_FUNCTIONS)[..5].join("|");
    for name in ["zones-a.csv", "zones-b.csv"] {
        let body = format!(
            "zone_id,name,kind,county,functions,opened\n{},{}（{name}）,{},{},{functions},2024-03-01\n",
            zone.zone_id, zone.name, zone.kind, zone.county
        );
        let report: IngestReport =
            post(server.addr, &format!("/api/ingest?source=service_zones&name={name}"), INGEST, body).json().unwrap();
        assert_eq!((report.accepted, report.replaced), (1, 1), "{report:?}");
    }
    let after = internal(server.addr);
    assert_eq!(after.zones.iter().map(|z| z.zone_id.clone()).collect::<std::collections::BTreeSet<_>>().len(), zones);
    let sources = after.sources.iter().find(|s| s.source == "service_zones").unwrap();
    assert_eq!(sources.rows_in, sources.accepted + sources.quarantined + sources.replaced, "{sources:?}");
}

#[test]
fn behind_a_tls_proxy_tokens_travel_only_over_https() {
    let data = built_data("proxy");
    let mut config = config(&data);
    // The proxy runs on this machine (nginx in docs/operations.md), so loopback is it.
    config.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    let server = serve::spawn(config).unwrap();
    let url = format!("http://{}/api/cube/internal?format=bin", server.addr);
    let forwarded = |proto: &str| {
        client()
            .get(&url)
            .bearer_auth(ANALYST)
            .header("X-Forwarded-For", "203.0.113.5, 192.0.2.7")
            .header("X-Forwarded-Proto", proto)
            .send()
            .unwrap()
    };
    let refused = forwarded("http");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.text().unwrap().contains("HTTPS"));
    assert_eq!(forwarded("https").status(), StatusCode::OK);
    // Public reads need no token and pass either way.
    assert_eq!(
        client().get(format!("http://{}/api/version", server.addr)).header("X-Forwarded-Proto", "http").send().unwrap().status(),
        StatusCode::OK
    );
    // The audit names the client the proxy saw, not the proxy nor what the client claimed.
    let entries: Vec<AuditEntry> = client()
        .get(format!("http://{}/api/audit", server.addr))
        .bearer_auth(ANALYST)
        .header("X-Forwarded-For", "192.0.2.7")
        .header("X-Forwarded-Proto", "https")
        .send()
        .unwrap()
        .json()
        .unwrap();
    let read = entries.iter().find(|e| e.action == "read-internal").expect("the read is audited");
    assert_eq!(read.from.as_deref(), Some("192.0.2.7"));
}

#[test]
fn public_alert_states_name_no_employer() {
    let data = built_data("lifecycle");
    let server = serve::spawn(config(&data)).unwrap();
    let cube = internal(server.addr);
    let about_employer = cube
        .alerts
        .iter()
        .find(|a| a.subject.as_deref().is_some_and(|s| s.starts_with('E')))
        .expect("a layoff alert names its employer")
        .id();
    let step = client()
        .post(format!("http://{}{}", server.addr, szjy_model::protocol::LIFECYCLE_ROUTE))
        .bearer_auth(ANALYST)
        .json(&serde_json::json!({"alert": about_employer, "action": "acknowledge"}))
        .send()
        .unwrap();
    assert_eq!(step.status(), StatusCode::OK);
    let states = |token: Option<&str>| {
        let request = client().get(format!("http://{}{}", server.addr, szjy_model::protocol::LIFECYCLE_ROUTE));
        let request = match token {
            Some(t) => request.bearer_auth(t),
            None => request,
        };
        request.send().unwrap().text().unwrap()
    };
    assert!(states(Some(ANALYST)).contains(&about_employer));
    let public = states(None);
    let employer = about_employer.rsplit('/').next().unwrap();
    assert!(!public.contains(employer), "the public answer names the employer: {public}");
}

#[test]
fn rows_of_a_later_month_do_not_move_the_as_of() {
    let data = built_data("as-of");
    let server = serve::spawn(config(&data)).unwrap();
    let before = version(server.addr);
    assert_eq!(before.as_of.to_string(), "2026-10-31");
    // Registrations of November (before the day of ingest, 2026-11-15, so not in the
    // future) and one of the far future (quarantined): November is neither released nor
    // delivered by the other sources, so 数据截至 stays at October.
    let body = format!(
        "date,county,employer_id,industry,occupation,key_group,age,sex,education,person_key\n2026-11-10,{LIXIA},E1,C,4-07-05-01,其他,30,男,本科,{:016x}{:016x}\n2030-12-01,{LIXIA},E1,C,4-07-05-01,其他,30,男,本科,{:016x}{:016x}\n",
        0xabcd_u64, 0, 0xabce_u64, 0
    );
    let report: IngestReport = post(server.addr, &ingest_path("early.csv"), INGEST, body).json().unwrap();
    assert_eq!((report.accepted, report.quarantined, report.version), (1, 1, 2), "{report:?}");
    assert!(report.quarantine_sample[0].reason.contains("after the day of ingest 2026-11-15"), "{report:?}");
    let after = version(server.addr);
    assert_eq!(after.as_of, before.as_of);
    let cube = internal(server.addr);
    assert_eq!(cube.latest_month(), Period::month(2026, 10));
    // November's cells are forecasts only: the early row is kept but not reported.
    let november: Vec<_> = cube.cells.iter().filter(|c| c.period == Period::month(2026, 11)).collect();
    assert!(!november.is_empty() && november.iter().all(|c| c.flags & szjy_model::cube::flags::ESTIMATED != 0));
}

#[test]
fn a_failed_build_leaves_the_data_as_it_was_with_one_outcome() {
    let data = built_data("failed-build");
    let warning = data.join("early-warning.ron");
    std::fs::write(&warning, szjy_model::warning::DEFAULT_CONFIG).unwrap();
    let mut config = config(&data);
    config.warning_config = Some(warning.clone());
    let server = serve::spawn(config).unwrap();
    // The configuration is read at each build: broken now, the next build fails.
    std::fs::write(&warning, "(indicators: [").unwrap();
    let response = post(server.addr, &ingest_path("a.csv"), INGEST, registrations(LIXIA, 5, 11));
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let answer = response.text().unwrap();
    assert!(answer.contains("reference") && !answer.contains(&data.display().to_string()), "{answer}");
    assert_eq!(version(server.addr).version, 1);
    let outcomes = ingests(server.addr);
    assert_eq!(outcomes.len(), 1);
    assert!(outcomes[0].error.as_deref().is_some_and(|e| e.contains("build of version 2 failed")), "{outcomes:?}");
    assert!(files_under(&data.join("batches")).is_empty());
    assert!(files_under(&data.join("rolled-back")).iter().any(|f| f.to_string_lossy().ends_with("b000001.parquet.failed")));
    assert!(!data.join("versions/2").exists(), "no half-built version");
    // Mended, the same bytes go in as a new batch (the failed one never landed).
    std::fs::write(&warning, szjy_model::warning::DEFAULT_CONFIG).unwrap();
    let report: IngestReport = post(server.addr, &ingest_path("a.csv"), INGEST, registrations(LIXIA, 5, 11)).json().unwrap();
    assert_eq!((report.batch.as_str(), report.version, report.already_ingested), ("b000002", 2, false));
}
