//! `analytics serve` end to end: the real server on loopback, a real HTTP client, a real
//! update stream, and a batch that goes in, shows in the cube and is rolled back out.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::sync::mpsc;
use std::time::Duration;

use reqwest::blocking::Client;
use reqwest::StatusCode;
use szjy_engine::build::{self, BuildConfig};
use szjy_engine::generate::{generate, GenerateConfig};
use szjy_model::cube::{Cube, Variant, TOTAL};
use szjy_model::lifecycle::{AlertState, Status};
use szjy_model::period::Period;
use szjy_model::protocol::LIFECYCLE_ROUTE;
use szjy_model::region::RegionTree;
use szjy_server::{self as serve, AuditEntry, IngestReport, Role, ServeConfig, TokenConfig, VersionInfo};

use crate::temp_dir;

const INGEST: &str = "ingest-token-0123456789";
const ANALYST: &str = "analyst-token-0123456789";
const ADMIN: &str = "admin-token-0123456789";
const LIXIA: u32 = 370102;

fn token(name: &str, role: Role, token: &str) -> TokenConfig {
    TokenConfig { name: name.into(), role, token: token.into() }
}

/// New registrations in Lixia (Jinan) in the data's last month, with fresh person keys,
/// and two rows that break rules (a county that does not exist, an age of 12).
fn batch_csv(rows: usize) -> String {
    let mut csv = String::from("date,county,employer_id,industry,occupation,key_group,age,sex,education,person_key\n");
    for i in 0..rows {
        // Models tell people apart by the key's first 64 bits: vary those.
        csv.push_str(&format!(
            "2026-10-20,{LIXIA},E37010200001,C,4-07-05-01,高校毕业生,24,女,本科,{:016x}{:016x}\n",
            0xfeed_0000_0000_0000_u64 + i as u64,
            0
        ));
    }
    csv.push_str("2026-10-20,999999,E37010200001,C,4-07-05-01,其他,30,男,大专,ffffffffffffffffffffffffffffff01\n");
    csv.push_str(&format!("2026-10-20,{LIXIA},E37010200001,C,4-07-05-01,其他,12,男,大专,ffffffffffffffffffffffffffffff02\n"));
    csv
}

fn new_jobs(cube: &Cube) -> f64 {
    cube.get("new_urban_jobs", LIXIA, Period::month(2026, 10), TOTAL).value().unwrap_or(0.0)
}

#[test]
fn the_server_publishes_ingests_announces_and_rolls_back() {
    let dir = temp_dir("serve");
    let input = dir.join("data");
    generate(&GenerateConfig { scale: 60_000, seed: 5, out: input.clone(), csv: false, dirty_rate: 0.0 }, &|_, _, _| {}).unwrap();
    let config = ServeConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        input,
        data: dir.join("server"),
        web: dir.join("no-web-bundle"),
        tokens: vec![token("bot", Role::Ingest, INGEST), token("ana", Role::Analyst, ANALYST), token("root", Role::Admin, ADMIN)],
        keep_versions: 2,
        k: 5,
        ingest_worker: Some(env!("CARGO_BIN_EXE_analytics").into()),
        ..Default::default()
    };
    let server = serve::spawn(config.clone()).unwrap();
    let base = format!("http://{}", server.addr);
    let client = Client::builder().timeout(Duration::from_secs(300)).build().unwrap();
    let get = |path: &str| client.get(format!("{base}{path}")).send().unwrap();

    // Version 1, the public cube in both forms, and its ETag.
    let v1: VersionInfo = get("/api/version").json().unwrap();
    assert_eq!(v1.version, 1);
    let response = get("/api/cube");
    let etag = response.headers().get("etag").expect("an ETag").clone();
    let public = Cube::from_json(&response.bytes().unwrap(), "GET /api/cube").unwrap();
    assert_eq!((public.variant, public.data_version.as_str()), (Variant::Public { k: 5 }, v1.data_version.as_str()));
    let binary = Cube::from_binary(&get("/api/cube?format=bin").bytes().unwrap(), "GET /api/cube?format=bin").unwrap();
    assert_eq!(binary.cells, public.cells);
    let again = client.get(format!("{base}/api/cube")).header("If-None-Match", etag).send().unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    // A region's slice holds that region and what lies within it, and the country's
    // published figures (every region's reference), nothing else.
    let qingdao = Cube::from_json(&get("/api/regions/370200").bytes().unwrap(), "slice").unwrap();
    let tree = RegionTree::shandong();
    let national = |c: &szjy_model::cube::Cell| c.region == szjy_model::region::NATIONAL;
    assert!(!qingdao.cells.is_empty() && qingdao.cells.iter().all(|c| tree.is_within(c.region, 370200) || national(c)));
    assert!(qingdao.cells.iter().filter(|c| national(c)).all(|c| c.flags == szjy_model::cube::flags::OFFICIAL));
    assert!(qingdao.citations.iter().all(|c| c.region == szjy_model::region::NATIONAL), "Shandong's and Jinan's figures stay out");
    assert_eq!(get("/api/regions/123").status(), StatusCode::NOT_FOUND);

    // The unsuppressed cube needs an analyst's token.
    let internal = |token: Option<&str>| {
        let request = client.get(format!("{base}/api/cube/internal"));
        match token {
            Some(t) => request.bearer_auth(t),
            None => request,
        }
        .send()
        .unwrap()
    };
    assert_eq!(internal(None).status(), StatusCode::UNAUTHORIZED);
    assert_eq!(internal(Some("not-a-token-at-all")).status(), StatusCode::UNAUTHORIZED);
    assert_eq!(internal(Some(INGEST)).status(), StatusCode::FORBIDDEN);
    let before = Cube::from_json(&internal(Some(ANALYST)).bytes().unwrap(), "internal").unwrap();
    assert_eq!(before.variant, Variant::Internal);
    let hidden = public.cells.iter().filter(|c| c.value.is_none()).count();
    assert!(hidden > 0, "the public cube hides small cells");

    // The update stream: the current version at once, then each new one.
    let (versions, announced) = mpsc::channel::<VersionInfo>();
    let stream_url = format!("{base}/api/updates");
    std::thread::spawn(move || {
        let stream = Client::builder().timeout(None).build().unwrap().get(stream_url).send().unwrap();
        for line in std::io::BufReader::new(stream).lines() {
            let Ok(line) = line else { return };
            if let Some(data) = line.strip_prefix("data:") {
                if versions.send(serde_json::from_str(data.trim()).unwrap()).is_err() {
                    return;
                }
            }
        }
    });
    assert_eq!(announced.recv_timeout(Duration::from_secs(30)).unwrap().version, 1);

    // A batch: 40 good rows and 2 bad ones.
    let post = |path: &str, token: &str, body: String| client.post(format!("{base}{path}")).bearer_auth(token).body(body).send().unwrap();
    let ingest_path = "/api/ingest?source=employment_registrations&name=lixia-october.csv";
    assert_eq!(post(ingest_path, ANALYST, batch_csv(40)).status(), StatusCode::FORBIDDEN);
    let response = post("/api/ingest?source=nope&name=a.csv", INGEST, batch_csv(1));
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.text().unwrap().contains("employment_registrations"), "the error lists the sources");
    let response = post(ingest_path, INGEST, batch_csv(40));
    assert_eq!(response.status(), StatusCode::OK);
    let report: IngestReport = response.json().unwrap();
    assert_eq!((report.rows_in, report.accepted, report.quarantined), (42, 40, 2), "{report:?}");
    let reasons: Vec<(u64, &str)> = report.quarantine_sample.iter().map(|r| (r.row, r.reason.as_str())).collect();
    assert_eq!(reasons.iter().map(|r| r.0).collect::<Vec<_>>(), [41, 42], "row numbers of the bad rows: {reasons:?}");
    assert!(reasons[0].1.contains("county") && reasons[1].1.contains("age"), "reasons name the field: {reasons:?}");
    assert_eq!(report.version, 2);
    assert_ne!(report.data_version, v1.data_version);

    // Announced, published, and the batch's registrations are in the cube.
    let v2 = announced.recv_timeout(Duration::from_secs(60)).unwrap();
    assert_eq!((v2.version, v2.data_version.as_str()), (2, report.data_version.as_str()));
    let after = Cube::from_json(&internal(Some(ANALYST)).bytes().unwrap(), "internal").unwrap();
    assert_eq!(new_jobs(&after) - new_jobs(&before), 40.0, "the 40 accepted registrations count as new jobs in Lixia");
    // The server validated only the batch's source again and reused the other thirteen: a
    // full build of the same base data and batches gives the same cube and reconciliation.
    let full = build::build(
        &BuildConfig {
            k: config.k,
            batches: Some(config.data.join("batches")),
            ..BuildConfig::new(config.input.clone(), dir.join("full-build"))
        },
        &|_, _, _| {},
    )
    .unwrap();
    assert_eq!(full.public.data_version, v2.data_version, "the partial rebuild is the full build");
    assert_eq!(full.internal.sources, after.sources);

    // A batch without a required column changes nothing and says which column.
    let response = post(ingest_path, INGEST, "date,county\n2026-10-20,370102\n".into());
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error = response.text().unwrap();
    assert!(error.contains("lixia-october.csv") && error.contains("employer_id"), "{error}");
    assert_eq!(get("/api/version").json::<VersionInfo>().unwrap().version, 2);

    // The audit log: who, what, counts, resulting version; the failed batch too.
    let audit: Vec<AuditEntry> = client.get(format!("{base}/api/audit")).bearer_auth(ANALYST).send().unwrap().json().unwrap();
    let ingests: Vec<&AuditEntry> = audit.iter().filter(|e| e.action == "ingest").collect();
    assert_eq!(ingests.len(), 2, "{audit:?}");
    assert_eq!((ingests[0].who.as_str(), ingests[0].accepted, ingests[0].quarantined, ingests[0].version), ("bot", Some(40), Some(2), 2));
    assert!(ingests[1].error.as_deref().is_some_and(|e| e.contains("employer_id")));
    // A refused post by a known caller is audited; reads of the unsuppressed cube too.
    assert!(
        audit.iter().any(|e| e.action == "refused" && e.who == "bot" && e.error.as_deref().is_some_and(|m| m.starts_with("400"))),
        "{audit:?}"
    );
    assert!(audit.iter().filter(|e| e.action == "read-internal" && e.who == "ana").count() >= 2, "{audit:?}");

    // 报送情况: analysts only; each dated source's months from the cube, and the source's
    // batches newest first, the rejected one with its reason.
    assert_eq!(get(szjy_model::protocol::SUBMISSIONS_ROUTE).status(), StatusCode::UNAUTHORIZED);
    let submissions: szjy_model::submissions::Submissions =
        client.get(format!("{base}{}", szjy_model::protocol::SUBMISSIONS_ROUTE)).bearer_auth(ANALYST).send().unwrap().json().unwrap();
    let registrations = submissions.sources.iter().find(|s| s.source == "employment_registrations").expect("registrations");
    assert_eq!(registrations.reporters, 136);
    assert_eq!(registrations.months.len(), szjy_model::submissions::MONTHS_SHOWN);
    assert!(registrations.months.iter().all(
        |m| m.reported + m.silent.len() == 136 && m.due >= szjy_model::reporting::release_day(m.month.year(), m.month.last_month(), 0)
    ));
    let outcomes: Vec<(Option<u64>, bool)> = registrations.batches.iter().map(|b| (b.accepted, b.rejected())).collect();
    assert_eq!(outcomes, [(None, true), (Some(40), false)], "{:?}", registrations.batches);
    assert!(registrations.batches[0].error.as_deref().is_some_and(|e| e.contains("employer_id")));
    assert!(submissions.sources.iter().filter(|s| s.source != "employment_registrations").all(|s| s.batches.is_empty()));

    // Rolling the batch back needs an admin and restores the original content.
    assert_eq!(post(&format!("/api/admin/rollback/{}", report.batch), INGEST, String::new()).status(), StatusCode::FORBIDDEN);
    assert_eq!(post("/api/admin/rollback/b999999", ADMIN, String::new()).status(), StatusCode::NOT_FOUND);
    let v3: VersionInfo = post(&format!("/api/admin/rollback/{}", report.batch), ADMIN, String::new()).json().unwrap();
    assert_eq!(v3.version, 3);
    assert_eq!(v3.data_version, v1.data_version, "without the batch the cube is what it was");
    assert_eq!(announced.recv_timeout(Duration::from_secs(60)).unwrap().version, 3);
    assert_eq!(get("/api/versions").json::<Vec<u64>>().unwrap(), [3, 2], "the last two versions are kept");
    // 报送情况 says the batch was taken out again.
    let submissions: szjy_model::submissions::Submissions =
        client.get(format!("{base}{}", szjy_model::protocol::SUBMISSIONS_ROUTE)).bearer_auth(ANALYST).send().unwrap().json().unwrap();
    let registrations = submissions.sources.iter().find(|s| s.source == "employment_registrations").expect("registrations");
    assert_eq!(registrations.batches.iter().map(|b| b.rolled_back).collect::<Vec<_>>(), [false, true]);
    // An analyst acknowledges, assigns and closes an alert of the current cube; without
    // a token only its status shows; a step that does not fit its state is refused.
    let current = Cube::from_json(&internal(Some(ANALYST)).bytes().unwrap(), "internal").unwrap();
    let alert = current.alerts.iter().find(|a| a.subject.is_none()).expect("an indicator alert").id();
    let lifecycle = |token: Option<&str>, body: serde_json::Value| {
        let request = client.post(format!("{base}{LIFECYCLE_ROUTE}")).json(&body);
        match token {
            Some(t) => request.bearer_auth(t),
            None => request,
        }
        .send()
        .unwrap()
    };
    assert_eq!(lifecycle(None, serde_json::json!({"alert": alert, "action": "acknowledge"})).status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        lifecycle(Some(ANALYST), serde_json::json!({"alert": "no/such/alert", "action": "acknowledge"})).status(),
        StatusCode::NOT_FOUND
    );
    for body in [
        serde_json::json!({"alert": alert, "action": "acknowledge"}),
        serde_json::json!({"alert": alert, "action": "assign", "to": "历下区人社局"}),
        serde_json::json!({"alert": alert, "action": "close", "note": "已开展专场招聘"}),
    ] {
        assert_eq!(lifecycle(Some(ANALYST), body).status(), StatusCode::OK);
    }
    assert_eq!(lifecycle(Some(ANALYST), serde_json::json!({"alert": alert, "action": "acknowledge"})).status(), StatusCode::CONFLICT);
    let states = |token: Option<&str>| {
        let request = client.get(format!("{base}{LIFECYCLE_ROUTE}"));
        match token {
            Some(t) => request.bearer_auth(t),
            None => request,
        }
        .send()
        .unwrap()
        .json::<BTreeMap<String, AlertState>>()
        .unwrap()
    };
    let full = states(Some(ANALYST)).remove(&alert).expect("the alert's state");
    assert_eq!(
        (full.status, full.assigned_to.as_deref(), full.note.as_deref()),
        (Status::Closed, Some("历下区人社局"), Some("已开展专场招聘"))
    );
    assert_eq!(full.acknowledged.as_ref().map(|s| s.by.as_str()), Some("ana"));
    assert_eq!(states(None)[&alert], AlertState { status: Status::Closed, ..Default::default() });

    // No web bundle here: `/` says how to build it.
    let root = get("/");
    assert_eq!(root.status(), StatusCode::NOT_FOUND);
    assert!(root.text().unwrap().contains("build-web"));

    // A restart publishes the newest version as it is (no new version is built).
    server.stop().unwrap();
    let server = serve::spawn(config).unwrap();
    let base = format!("http://{}", server.addr);
    let restarted: VersionInfo = Client::new().get(format!("{base}/api/version")).send().unwrap().json().unwrap();
    assert_eq!((restarted.version, restarted.data_version), (3, v1.data_version));
    assert_eq!(Client::new().get(format!("{base}/api/versions")).send().unwrap().json::<Vec<u64>>().unwrap(), [3, 2]);
    // The alert's life survived the restart.
    let kept = Client::new()
        .get(format!("{base}{LIFECYCLE_ROUTE}"))
        .bearer_auth(ANALYST)
        .send()
        .unwrap()
        .json::<BTreeMap<String, AlertState>>()
        .unwrap();
    assert_eq!(kept[&alert], full);
}
