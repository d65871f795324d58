//! Pulls from a real PostgreSQL server that each test starts for itself (Debian's
//! package: a temporary cluster on a free loopback port, run as the `postgres` user when
//! the tests run as root, since `initdb` refuses root). The platform's table has its own
//! column names and a read-only role, as the deployment guide (docs/pull.md) sets up.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use szjy_engine::ingest::{self, IngestContext};
use szjy_engine::keys::PersonHasher;
use szjy_model::schema::{self, id_number_checksum_ok};
use szjy_pull::{batches, PullConfig, PullError};

use crate::temp_dir;

const ADMIN: &str = "szjy_admin";
const ADMIN_PASSWORD: &str = "admin-secret-4e1";
const READER: &str = "szjy_reader";
const READER_PASSWORD: &str = "reader-secret-9c2";

/// A PostgreSQL cluster of its own, stopped and removed when dropped.
pub struct TestServer {
    root: PathBuf,
    bin: PathBuf,
    pub port: u16,
    as_postgres: bool,
}

/// The newest PostgreSQL server binaries Debian installed (off PATH), or `SZJY_PG_BIN`.
fn server_binaries() -> PathBuf {
    if let Ok(dir) = std::env::var("SZJY_PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin): &(u32, PathBuf)| bin.join("initdb").exists())
        .collect();
    found.sort();
    found
        .pop()
        .map(|(_, bin)| bin)
        .expect("PostgreSQL's server is not installed: scripts/setup-debian.sh --postgres installs Debian's postgresql")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl TestServer {
    /// initdb, then start on a free port. With `tls`, the server also speaks TLS with
    /// that certificate and key.
    pub fn start(name: &str, tls: Option<(&Path, &Path)>) -> TestServer {
        let root = temp_dir(&format!("pg-{name}"));
        let as_postgres = is_root();
        let server = TestServer { root: root.clone(), bin: server_binaries(), port: free_port(), as_postgres };
        let password_file = root.join("admin-password");
        std::fs::write(&password_file, ADMIN_PASSWORD).unwrap();
        if as_postgres {
            let status = Command::new("chown").args(["-R", "postgres:postgres"]).arg(&root).status().unwrap();
            assert!(status.success());
        }
        let data = root.join("data");
        server.run(
            "initdb",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-U".as_ref(),
                ADMIN.as_ref(),
                "--pwfile".as_ref(),
                password_file.as_os_str(),
                "--auth-host=scram-sha-256".as_ref(),
                "--auth-local=scram-sha-256".as_ref(),
                "-E".as_ref(),
                "UTF8".as_ref(),
                "--locale=C".as_ref(),
                "--no-sync".as_ref(),
            ],
        );
        let mut options = format!("-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", server.port, root.display());
        if let Some((cert, key)) = tls {
            for (from, to) in [(cert, "server.crt"), (key, "server.key")] {
                std::fs::copy(from, data.join(to)).unwrap();
            }
            if as_postgres {
                Command::new("chown")
                    .args(["postgres:postgres"])
                    .arg(data.join("server.crt"))
                    .arg(data.join("server.key"))
                    .status()
                    .unwrap();
            }
            std::fs::set_permissions(data.join("server.key"), std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
            options.push_str(" -c ssl=on");
        }
        server.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-o".as_ref(),
                options.as_ref(),
                "-l".as_ref(),
                root.join("server.log").as_os_str(),
                "-w".as_ref(),
                "start".as_ref(),
            ],
        );
        server
    }

    fn run(&self, program: &str, args: &[&std::ffi::OsStr]) {
        if let Err(e) = self.try_run(program, args) {
            panic!("{e}");
        }
    }

    fn try_run(&self, program: &str, args: &[&std::ffi::OsStr]) -> Result<(), String> {
        let program = self.bin.join(program);
        let output = if self.as_postgres {
            Command::new("runuser").args(["-u", "postgres", "--"]).arg(&program).args(args).output()
        } else {
            Command::new(&program).args(args).output()
        }
        .map_err(|e| format!("{}: {e}", program.display()))?;
        if !output.status.success() {
            return Err(format!(
                "{} failed: {}{}",
                program.display(),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        Ok(())
    }

    /// A superuser connection, to set the platform's tables up.
    pub fn admin(&self) -> postgres::Client {
        let conninfo = format!("host=127.0.0.1 port={} user={ADMIN} dbname=postgres password={ADMIN_PASSWORD}", self.port);
        postgres::Client::connect(&conninfo, postgres::NoTls).unwrap()
    }

    /// The pulls' configuration: the reader's password in a file in `dir`.
    pub fn config(&self, dir: &Path, sources: &str, password: &str, tls: &str) -> PullConfig {
        std::fs::create_dir_all(dir).unwrap();
        let password_file = dir.join(format!("reader-password-{}", password.len()));
        std::fs::write(&password_file, format!("{password}\n")).unwrap();
        let text = format!(
            r#"(connection: (host: "{host}", port: {port}, dbname: "postgres", user: "{READER}", password_file: Some("{file}"), {tls}), sources: [{sources}])"#,
            host = if tls.contains("VerifyFull") { "localhost" } else { "127.0.0.1" },
            port = self.port,
            file = password_file.display(),
        );
        PullConfig::parse(&text).unwrap()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let data = self.root.join("data");
        let _ = self.try_run("pg_ctl", &["-D".as_ref(), data.as_os_str(), "-m".as_ref(), "immediate".as_ref(), "stop".as_ref()]);
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn is_root() -> bool {
    // The effective user, as `id -u` prints it.
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

/// Appends the ISO 7064 check digit to 17 digits.
fn with_check_digit(body: &str) -> String {
    "0123456789X".chars().map(|c| format!("{body}{c}")).find(|id| id_number_checksum_ok(id)).unwrap()
}

/// The platform's table of unemployment registrations, in its own names (pinyin
/// initials, as the provincial platform's tables have them), and the read-only role.
const PLATFORM_TABLE: &str = "
    CREATE SCHEMA ods;
    CREATE TABLE ods.jy_sydj (
        id bigserial PRIMARY KEY,
        sfzhm varchar(18),
        djrq date,
        zxrq date,
        xzqh integer,
        syyy text,
        zdqt text,
        nl integer,
        xb text,
        xl text,
        yhy text,
        gxsj timestamptz
    );
    CREATE ROLE szjy_reader LOGIN PASSWORD 'reader-secret-9c2';
    GRANT USAGE ON SCHEMA ods TO szjy_reader;
    GRANT SELECT ON ods.jy_sydj TO szjy_reader;
";

pub const PULL_REGISTRATIONS: &str = r#"(
    source: "unemployment_registrations",
    table: Some("ods.jy_sydj"),
    columns: {"person_id": "sfzhm", "start_date": "djrq", "end_date": "zxrq", "county": "xzqh", "reason": "syyy",
              "key_group": "zdqt", "age": "nl", "sex": "xb", "education": "xl", "prev_industry": "yhy"},
    watermark: (column: "gxsj", kind: Updated),
    locate_by: Some("id"),
)"#;

/// Row `i` of the platform's table: a valid registration (COPY's text form, without its
/// update time).
fn registration(i: u64) -> String {
    let id = with_check_digit(&format!("370102{:04}{:07}", 1960 + i % 40, i % 10_000_000));
    let counties = ["370102", "370103", "370202", "370303", "370602"];
    let sex = if i.is_multiple_of(2) { "男" } else { "女" };
    format!("{id}\t2025-06-{:02}\t\\N\t{}\t合同到期\t登记失业人员\t{}\t{sex}\t本科\tC", 1 + i % 28, counties[(i % 5) as usize], 20 + i % 40)
}

/// Loads rows `range` by COPY, row `i` updated at `updated` + i seconds (Beijing time).
pub fn insert_registrations(client: &mut postgres::Client, range: std::ops::Range<u64>, updated: chrono::NaiveDateTime) {
    let mut writer = client.copy_in("COPY ods.jy_sydj (sfzhm, djrq, zxrq, xzqh, syyy, zdqt, nl, xb, xl, yhy, gxsj) FROM STDIN").unwrap();
    let mut buffer = String::new();
    for i in range {
        let at = (updated + chrono::Duration::seconds(i as i64)).format("%Y-%m-%d %H:%M:%S+08");
        buffer.push_str(&format!("{}\t{at}\n", registration(i)));
        if buffer.len() > 1 << 20 {
            writer.write_all(buffer.as_bytes()).unwrap();
            buffer.clear();
        }
    }
    writer.write_all(buffer.as_bytes()).unwrap();
    writer.finish().unwrap();
}

fn context() -> IngestContext {
    IngestContext::new(PersonHasher::new(b"pull-test-key"), chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap())
}

fn at(s: &str) -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
}

/// Pulls like `analytics pull`: from the folder's last watermark into a new batch.
fn pull(config: &PullConfig, folder: &Path, full: bool) -> Result<(String, szjy_pull::PullOutcome), PullError> {
    szjy_pull::pull_into_batches(config, &config.sources[0], folder, &folder.join("reports"), full, &context(), &mut |_| {})
}

/// What the build would stage from the batches: rows in, accepted, replaced.
fn staged(folder: &Path) -> (u64, u64, u64) {
    let empty = folder.join("no-base-data");
    let staged = ingest::load(
        &empty,
        Some(folder),
        &schema::UNEMPLOYMENT_REGISTRATIONS,
        &context(),
        &folder.join("staged-quarantine"),
        &ingest::Staging::Memory,
    )
    .unwrap();
    let r = staged.reconciliation;
    assert!(r.balances());
    (r.rows_in, r.accepted, r.replaced)
}

#[test]
fn a_pull_reads_everything_then_only_what_changed() {
    let server = TestServer::start("incremental", None);
    let mut admin = server.admin();
    admin.batch_execute(PLATFORM_TABLE).unwrap();
    insert_registrations(&mut admin, 0..1000, at("2025-07-01 08:00:00"));
    // Three rows a validation must refuse: an age out of range, a county that is not
    // Shandong's, an ID number with a wrong check digit.
    admin.batch_execute("UPDATE ods.jy_sydj SET nl = 200 WHERE id = 11; UPDATE ods.jy_sydj SET xzqh = 999999 WHERE id = 12;").unwrap();
    admin.batch_execute("UPDATE ods.jy_sydj SET sfzhm = overlay(sfzhm placing (CASE WHEN right(sfzhm, 1) = '1' THEN '2' ELSE '1' END) from 18) WHERE id = 13;").unwrap();
    // A row the platform never stamped: no incremental pull can see it.
    admin.batch_execute("UPDATE ods.jy_sydj SET gxsj = NULL WHERE id = 14;").unwrap();
    let folder = temp_dir("pull-incremental");
    let config = server.config(&folder, PULL_REGISTRATIONS, READER_PASSWORD, "sslmode: Disable");

    let (first, outcome) = pull(&config, &folder, false).unwrap();
    let r = &outcome.reconciliation;
    assert_eq!((r.rows_in, r.accepted, r.quarantined), (999, 996, 3), "{outcome:?}");
    assert_eq!(outcome.without_watermark, 1);
    assert_eq!(outcome.watermark_from, None);
    assert_eq!(outcome.watermark_to.as_deref(), Some("2025-07-01 08:16:39+08"));
    assert!(outcome.rows_per_s > 0.0);
    let quarantine =
        std::fs::read_to_string(folder.join("reports").join(&first).join("quarantine/unemployment_registrations.csv")).unwrap();
    for reason in [
        "ods.jy_sydj[id=11]: field age: '200' is out of range 16–75",
        "ods.jy_sydj[id=12]: field county: '999999' is not a Shandong county adcode",
        "ods.jy_sydj[id=13]: field person_id: not a valid 18-digit ID number (check digit)",
    ] {
        assert!(quarantine.contains(reason), "{reason} not in:\n{quarantine}");
    }
    assert!(quarantine.contains("postgres:ods.jy_sydj"), "the quarantine names the database and table:\n{quarantine}");
    // No raw ID number leaves: not in the quarantine, not in the record.
    let record = std::fs::read_to_string(folder.join("unemployment_registrations").join(format!("{first}.pull.json"))).unwrap();
    for text in [&quarantine, &record] {
        let looks_like_id = |w: &[u8]| w[..17].iter().all(u8::is_ascii_digit) && (w[17].is_ascii_digit() || w[17] == b'X');
        assert!(!text.as_bytes().windows(18).any(looks_like_id), "an ID number in:\n{text}");
    }

    // Nothing changed: the next pull reads nothing, keeps no batch and leaves the mark.
    let (_, outcome) = pull(&config, &folder, false).unwrap();
    assert_eq!(outcome.reconciliation.rows_in, 0);
    assert_eq!(outcome.watermark_to.as_deref(), Some("2025-07-01 08:16:39+08"));
    assert_eq!(batches::records(&folder, "unemployment_registrations").unwrap().len(), 1);

    // 200 new rows, the age corrected, and 49 other rows touched: 250 rows past the mark.
    insert_registrations(&mut admin, 1000..1200, at("2025-08-01 08:00:00"));
    admin.batch_execute("UPDATE ods.jy_sydj SET nl = 45, gxsj = '2025-08-02 09:00:00+08' WHERE id = 11;").unwrap();
    admin.batch_execute("UPDATE ods.jy_sydj SET gxsj = '2025-08-02 09:00:00+08' WHERE id BETWEEN 100 AND 148;").unwrap();
    let (third, outcome) = pull(&config, &folder, false).unwrap();
    let r = &outcome.reconciliation;
    assert_eq!((r.rows_in, r.accepted, r.quarantined), (250, 250, 0));
    assert_eq!(outcome.watermark_from.as_deref(), Some("2025-07-01 08:16:39+08"));
    assert_eq!(outcome.watermark_to.as_deref(), Some("2025-08-02 09:00:00+08"));
    // Every row once: the 49 re-read rows replace their first reading.
    assert_eq!(staged(&folder), (996 + 250, 996 + 1 + 200, 49));

    // Rolled back, the next pull reads the same range again, and still counts each row once.
    let source = batches::roll_back(&folder, &third).unwrap();
    assert_eq!(source, "unemployment_registrations");
    assert_eq!(staged(&folder), (996, 996, 0));
    let (_, outcome) = pull(&config, &folder, false).unwrap();
    assert_eq!(outcome.reconciliation.rows_in, 250);
    assert_eq!(staged(&folder), (996 + 250, 997 + 200, 49));

    // A row stamped just now waits until its transaction's peers have surely committed
    // (settle_s, 10 minutes by default); stamped earlier, it is read.
    admin.batch_execute("UPDATE ods.jy_sydj SET gxsj = now() WHERE id = 20;").unwrap();
    let (_, outcome) = pull(&config, &folder, false).unwrap();
    assert_eq!(outcome.reconciliation.rows_in, 0);
    let mark = batches::last_watermark(&folder, "unemployment_registrations").unwrap();
    assert_eq!(mark.as_deref(), Some("2025-08-02 09:00:00+08"), "no batch kept, the mark where it was");
    admin.batch_execute("UPDATE ods.jy_sydj SET gxsj = now() - interval '20 minutes' WHERE id = 20;").unwrap();
    let (_, outcome) = pull(&config, &folder, false).unwrap();
    assert_eq!(outcome.reconciliation.rows_in, 1);
    assert_eq!(staged(&folder), (996 + 250 + 1, 997 + 200, 50));

    // A full pull supersedes the earlier pulls: the platform deleted a row since.
    admin.batch_execute("DELETE FROM ods.jy_sydj WHERE id = 500;").unwrap();
    let (full, outcome) = pull(&config, &folder, true).unwrap();
    assert_eq!(outcome.reconciliation.rows_in, 1198);
    assert_eq!(outcome.superseded.len(), 3);
    assert_eq!(staged(&folder), (1198 - 2, 1196, 0));
    // Its rollback brings them back.
    batches::roll_back(&folder, &full).unwrap();
    assert_eq!(staged(&folder), (996 + 250 + 1, 997 + 200, 50));

    // The platform retypes a column: the pull is refused before a row moves.
    admin
        .batch_execute("ALTER TABLE ods.jy_sydj ALTER COLUMN nl TYPE text; UPDATE ods.jy_sydj SET gxsj = now() - interval '1 hour';")
        .unwrap();
    let before = batches::records(&folder, "unemployment_registrations").unwrap().len();
    let error = pull(&config, &folder, false).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, PullError::Schema { .. }), "{message}");
    assert!(message.contains("column `nl` (age, 年龄) is text"), "{message}");
    assert_eq!(batches::records(&folder, "unemployment_registrations").unwrap().len(), before);
    let _ = std::fs::remove_dir_all(&folder);
}

#[test]
fn a_pull_that_fails_keeps_nothing_and_says_why() {
    let server = TestServer::start("failures", None);
    let mut admin = server.admin();
    admin.batch_execute(PLATFORM_TABLE).unwrap();
    insert_registrations(&mut admin, 0..300_000, at("2025-07-01 08:00:00"));
    let folder = temp_dir("pull-failures");

    // A wrong password: refused, and the password is in no message.
    let wrong = server.config(&folder, PULL_REGISTRATIONS, "not-the-password", "sslmode: Disable");
    let message = pull(&wrong, &folder, false).unwrap_err().to_string();
    assert!(message.contains("password authentication failed for user \"szjy_reader\""), "{message}");
    assert!(message.contains(&format!("127.0.0.1:{}/postgres as szjy_reader", server.port)), "{message}");
    assert!(!message.contains("not-the-password"));

    // The connection drops half way: the platform ends the session while rows stream.
    let config = server.config(&folder, PULL_REGISTRATIONS, READER_PASSWORD, "sslmode: Disable");
    let mut killer = server.admin();
    let work = folder.join("work");
    let mut terminated = false;
    let error = szjy_pull::pull_source(&config, &config.sources[0], None, &work, &context(), &mut |rows| {
        if !terminated && rows < 300_000 {
            let n: i64 = killer
                .query_one("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'szjy-pull'", &[])
                .unwrap()
                .get(0);
            terminated = n > 0;
        }
    })
    .unwrap_err();
    assert!(terminated);
    let message = error.to_string();
    assert!(matches!(error, PullError::Interrupted { .. }), "{message}");
    assert!(message.contains("nothing of it was kept"), "{message}");
    // The spool (raw ID numbers) is gone and no rows were written.
    let left: Vec<_> = crate::files_under(&work);
    assert!(left.is_empty(), "left behind: {left:?}");
    assert!(batches::records(&folder, "unemployment_registrations").unwrap().is_empty());

    // The role loses its grant: the platform's own message comes through.
    admin.batch_execute("REVOKE SELECT ON ods.jy_sydj FROM szjy_reader;").unwrap();
    let message = pull(&config, &folder, false).unwrap_err().to_string();
    assert!(message.contains("permission denied for table jy_sydj"), "{message}");

    // Nobody listens: the connection is refused with the address named.
    let port = server.port;
    drop(admin);
    drop(killer);
    drop(server);
    let message = pull(&config, &folder, false).unwrap_err().to_string();
    assert!(message.contains(&format!("127.0.0.1:{port}/postgres as szjy_reader: cannot connect")), "{message}");
    let _ = std::fs::remove_dir_all(&folder);
}

#[test]
fn a_pull_over_tls_checks_the_servers_certificate() {
    let dir = temp_dir("pull-tls");
    let openssl = |args: &[&str]| {
        let output = Command::new("openssl").args(args).current_dir(&dir).output().expect("openssl (Debian's openssl package)");
        assert!(output.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    };
    // A certificate authority, a server certificate for localhost signed by it, and a
    // second authority that signed nothing.
    for ca in ["ca", "other-ca"] {
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            &format!("/CN={ca}"),
            "-keyout",
            &format!("{ca}.key"),
            "-out",
            &format!("{ca}.crt"),
        ]);
    }
    openssl(&["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr"]);
    std::fs::write(dir.join("san.ext"), "subjectAltName=DNS:localhost\n").unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "san.ext",
        "-out",
        "server.crt",
    ]);
    let server = TestServer::start("tls", Some((&dir.join("server.crt"), &dir.join("server.key"))));
    let mut admin = server.admin();
    admin.batch_execute(PLATFORM_TABLE).unwrap();
    insert_registrations(&mut admin, 0..10, at("2025-07-01 08:00:00"));
    let tls = |mode: &str, ca: &str| format!("sslmode: {mode}, ca_file: Some(\"{}\")", dir.join(ca).display());
    let folder = dir.join("batches");

    // verify-full to localhost, the name the certificate carries: the rows arrive.
    let (_, outcome) =
        pull(&server.config(&folder, PULL_REGISTRATIONS, READER_PASSWORD, &tls("VerifyFull", "ca.crt")), &folder, true).unwrap();
    assert_eq!(outcome.reconciliation.accepted, 10);
    // verify-full to 127.0.0.1 (a name the certificate lacks) is refused; verify-ca takes it.
    let mut by_address = server.config(&folder, PULL_REGISTRATIONS, READER_PASSWORD, &tls("VerifyFull", "ca.crt"));
    by_address.connection.host = "127.0.0.1".into();
    let message = pull(&by_address, &folder, true).unwrap_err().to_string();
    assert!(message.contains("cannot connect") && message.to_lowercase().contains("certificate"), "{message}");
    let (_, outcome) =
        pull(&server.config(&folder, PULL_REGISTRATIONS, READER_PASSWORD, &tls("VerifyCa", "ca.crt")), &folder, true).unwrap();
    assert_eq!(outcome.reconciliation.accepted, 10);
    // An authority that did not sign the server's certificate: refused.
    let message = pull(&server.config(&folder, PULL_REGISTRATIONS, READER_PASSWORD, &tls("VerifyCa", "other-ca.crt")), &folder, true)
        .unwrap_err()
        .to_string();
    assert!(message.to_lowercase().contains("certificate"), "{message}");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_server_pulls_on_demand_and_keeps_the_last_good_cube_when_a_pull_fails() {
    use reqwest::blocking::Client;
    use reqwest::StatusCode;
    use std::time::Duration;
    use szjy_model::protocol::{PullState, VersionInfo, PULLS_ROUTE};
    use szjy_server::{self as serve, AuditEntry, PullReport, Role, ServeConfig, TokenConfig};

    const ADMIN_TOKEN: &str = "admin-token-0123456789";
    const ANALYST_TOKEN: &str = "analyst-token-0123456789";
    let server = TestServer::start("serve", None);
    let mut admin = server.admin();
    admin.batch_execute(PLATFORM_TABLE).unwrap();
    insert_registrations(&mut admin, 0..500, at("2025-07-01 08:00:00"));
    let dir = temp_dir("pull-serve");
    let input = dir.join("data");
    szjy_engine::generate::generate(
        &szjy_engine::generate::GenerateConfig { scale: 30_000, seed: 3, out: input.clone(), csv: false, dirty_rate: 0.0 },
        &|_, _, _| {},
    )
    .unwrap();
    let pulls = dir.join("pulls.ron");
    let password_file = dir.join("reader-password");
    std::fs::write(&password_file, READER_PASSWORD).unwrap();
    std::fs::write(
        &pulls,
        format!(
            r#"(connection: (host: "127.0.0.1", port: {}, dbname: "postgres", user: "{READER}", password_file: Some("{}"), sslmode: Disable), sources: [{PULL_REGISTRATIONS}])"#,
            server.port,
            password_file.display()
        ),
    )
    .unwrap();
    let token = |name: &str, role, token: &str| TokenConfig { name: name.into(), role, token: token.into() };
    let config = ServeConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        input,
        data: dir.join("server"),
        web: dir.join("no-web-bundle"),
        tokens: vec![token("root", Role::Admin, ADMIN_TOKEN), token("ana", Role::Analyst, ANALYST_TOKEN)],
        ingest_worker: Some(env!("CARGO_BIN_EXE_analytics").into()),
        today: Some(chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()),
        pulls: Some(pulls),
        ..Default::default()
    };
    let running = serve::spawn(config).unwrap();
    let base = format!("http://{}", running.addr);
    let client = Client::builder().timeout(Duration::from_secs(300)).build().unwrap();
    let version = || client.get(format!("{base}/api/version")).send().unwrap().json::<VersionInfo>().unwrap().version;
    let states = |token: Option<&str>| {
        let request = client.get(format!("{base}{PULLS_ROUTE}"));
        let request = match token {
            Some(t) => request.bearer_auth(t),
            None => request,
        };
        request.send().unwrap().json::<Vec<PullState>>().unwrap()
    };
    let pull_now = || client.post(format!("{base}/api/admin/pull/unemployment_registrations")).bearer_auth(ADMIN_TOKEN).send().unwrap();
    assert_eq!(version(), 1);
    let before = states(None);
    assert_eq!((before.len(), before[0].last_success, before[0].late), (1, None, false));

    // On demand: 500 rows in, a new version.
    assert_eq!(
        client.post(format!("{base}/api/admin/pull/unemployment_registrations")).bearer_auth(ANALYST_TOKEN).send().unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let report: PullReport = pull_now().json().unwrap();
    assert_eq!((report.rows_in, report.accepted, report.version), (500, 500, 2), "{report:?}");
    assert_eq!(report.watermark_to.as_deref(), Some("2025-07-01 08:08:19+08"));
    assert_eq!(version(), 2);
    // Nothing new: no batch, no version.
    let again: PullReport = pull_now().json().unwrap();
    assert_eq!((again.rows_in, again.batch.as_str(), again.version), (0, "", 2));

    // The platform retypes a column: refused, the published version stays, and the state
    // says why to an analyst (and only that it failed to everyone else).
    admin
        .batch_execute("ALTER TABLE ods.jy_sydj ALTER COLUMN nl TYPE text; UPDATE ods.jy_sydj SET gxsj = now() - interval '1 hour';")
        .unwrap();
    let response = pull_now();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    assert!(response.text().unwrap().contains("column `nl` (age, 年龄) is text"));
    assert_eq!(version(), 2);
    let state = &states(Some(ANALYST_TOKEN))[0];
    assert_eq!(state.failures, 1);
    assert!(state.last_error.as_deref().is_some_and(|e| e.contains("is text")), "{state:?}");
    assert!(state.last_success.is_some());
    let public = &states(None)[0];
    assert_eq!((public.failures, public.last_error.as_deref()), (1, None));

    // The audit log: the landed pull with its watermark, the empty one, the failure.
    let audit: Vec<AuditEntry> = client.get(format!("{base}/api/audit")).bearer_auth(ANALYST_TOKEN).send().unwrap().json().unwrap();
    let pulls: Vec<&AuditEntry> = audit.iter().filter(|e| e.action == "pull").collect();
    assert_eq!(pulls.len(), 3, "{audit:?}");
    assert_eq!((pulls[0].batch.as_deref(), pulls[0].accepted, pulls[0].version), (Some(report.batch.as_str()), Some(500), 2));
    assert_eq!(pulls[0].watermark.as_deref(), Some("2025-07-01 08:08:19+08"));
    assert!(pulls[2].error.as_deref().is_some_and(|e| e.contains("is text")));

    // Rolled back like any batch: its rows and its record go, and the range is read again.
    let rolled = client.post(format!("{base}/api/admin/rollback/{}", report.batch)).bearer_auth(ADMIN_TOKEN).send().unwrap();
    assert_eq!(rolled.status(), StatusCode::OK);
    assert_eq!(version(), 3);
    admin.batch_execute("ALTER TABLE ods.jy_sydj ALTER COLUMN nl TYPE integer USING nl::integer;").unwrap();
    let report: PullReport = pull_now().json().unwrap();
    assert_eq!((report.watermark_from, report.rows_in, report.version), (None, 500, 4));
    drop(running);
    let _ = std::fs::remove_dir_all(&dir);
}
