//! What a deployment pulls, from where: the connection to the platform's database (no
//! password in the file: it names an environment variable or a file that holds it), and
//! per source a table or query, the mapping of the platform's column names to the
//! schema's, the watermark that makes pulls incremental, and the schedule the server
//! keeps. Read from RON (`config/pulls.example.ron` documents every field).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use szjy_model::schema::{self, SourceSchema};

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PullConfig {
    pub connection: Connection,
    pub sources: Vec<SourcePull>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Connection {
    pub host: String,
    #[serde(default = "default_port")]
    pub port: u16,
    pub dbname: String,
    pub user: String,
    /// The environment variable that holds the password (the server's unit file or
    /// secret store sets it).
    #[serde(default)]
    pub password_env: Option<String>,
    /// Or a file that holds it (first line; readable by the service's user only).
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    #[serde(default)]
    pub sslmode: SslMode,
    /// PEM file of the certificate authorities that may sign the server's certificate.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_s: u64,
    /// The longest one pull's statements may run on the server.
    #[serde(default = "default_statement_timeout")]
    pub statement_timeout_s: u64,
}

fn default_port() -> u16 {
    5432
}
fn default_connect_timeout() -> u64 {
    10
}
fn default_statement_timeout() -> u64 {
    3600
}

/// As libpq's `sslmode`, without `allow` and `prefer` (a pull of personal records does
/// not fall back to clear text).
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum SslMode {
    /// No TLS: only on a loopback or otherwise protected link.
    Disable,
    /// TLS; the certificate is checked against `ca_file` when one is given, else not at
    /// all (libpq's meaning: encryption without knowing who answers).
    Require,
    /// TLS, the certificate signed by `ca_file`'s authorities; any host name.
    VerifyCa,
    /// TLS, the certificate signed by `ca_file`'s authorities and naming `host`.
    #[default]
    VerifyFull,
}

impl SslMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourcePull {
    /// The schema's source name, e.g. `unemployment_registrations`.
    pub source: String,
    /// A table or view, `schema.table`.
    #[serde(default)]
    pub table: Option<String>,
    /// Or a query (a SELECT; it is read as a subquery, so the watermark filter applies
    /// to its rows).
    #[serde(default)]
    pub query: Option<String>,
    /// Schema column → the platform's column. A schema column left out is read from a
    /// platform column of its own name when there is one. The raw ID number, when the
    /// platform has it, maps to `person_id` (hashed on arrival, like a file's).
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    pub watermark: Watermark,
    /// A platform column that names a row (its primary key): quarantine reasons name it,
    /// `ods.jy_sydj[id=123]`, so the platform's staff can find the row.
    #[serde(default)]
    pub locate_by: Option<String>,
    /// When the server pulls it ([`crate::schedule::Schedule`]): `daily 02:30`,
    /// `monthly 16 03:00` (day of month), or `manual` (on demand only).
    #[serde(default = "default_schedule")]
    pub schedule: String,
}

fn default_schedule() -> String {
    "manual".into()
}

/// What makes a pull incremental: a column every new or changed row advances.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Watermark {
    pub column: String,
    pub kind: WatermarkKind,
    /// An update time is read up to this many seconds before the pull, so rows of
    /// transactions still open then are not passed over (a time watermark only).
    #[serde(default = "default_settle")]
    pub settle_s: u64,
}

fn default_settle() -> u64 {
    600
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub enum WatermarkKind {
    /// An update time (or a sequence): a pull reads rows after the last pull's highest
    /// value, up to the highest value when it starts.
    Updated,
    /// A partition (a month, `2025-06`): a pull reads the last pull's partition again,
    /// since it may still be filling, and every later one. Needs a row identity, so that
    /// the partition read again replaces its first reading.
    Partition,
}

impl PullConfig {
    /// Reads and checks a configuration file; errors name the file.
    pub fn load(path: &Path) -> Result<PullConfig, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        PullConfig::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Reads and checks a configuration's text.
    pub fn parse(text: &str) -> Result<PullConfig, String> {
        let config: PullConfig = ron::from_str(text).map_err(|e| e.to_string())?;
        config.check()?;
        Ok(config)
    }

    /// The configuration of one source.
    pub fn source(&self, name: &str) -> Option<&SourcePull> {
        self.sources.iter().find(|s| s.source == name)
    }

    pub fn check(&self) -> Result<(), String> {
        let c = &self.connection;
        if c.password_env.is_some() == c.password_file.is_some() {
            return Err("connection: give the password as password_env or as password_file (one of them)".into());
        }
        if matches!(c.sslmode, SslMode::VerifyCa | SslMode::VerifyFull) && c.ca_file.is_none() {
            return Err(format!(
                "connection: sslmode {} needs ca_file (the authorities that sign the server's certificate)",
                c.sslmode.as_str()
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for pull in &self.sources {
            let at = format!("sources[{}]", pull.source);
            if !seen.insert(pull.source.as_str()) {
                return Err(format!("{at}: configured twice"));
            }
            let schema = pull.schema().ok_or_else(|| {
                let names: Vec<&str> = schema::SOURCES.iter().map(|s| s.name).collect();
                format!("{at}: unknown source; one of: {}", names.join(", "))
            })?;
            if pull.table.is_some() == pull.query.is_some() {
                return Err(format!("{at}: give a table or a query (one of them)"));
            }
            if let Some(table) = &pull.table {
                qualified_identifier(table).map_err(|e| format!("{at}: table: {e}"))?;
            }
            for (column, platform) in &pull.columns {
                let raw_id = schema.has_person && column == szjy_engine::ingest::RAW_ID_COL;
                if schema.column(column).is_none() && !raw_id {
                    return Err(format!("{at}: columns: `{column}` is not a column of {}", schema.name));
                }
                if platform.trim().is_empty() {
                    return Err(format!("{at}: columns: `{column}` maps to an empty name"));
                }
            }
            if schema.key.is_empty() {
                return Err(format!(
                    "{at}: {} has no row identity, so a row read again (changed, or in a partition read again) would count twice; it cannot be pulled",
                    schema.name
                ));
            }
            crate::schedule::Schedule::parse(&pull.schedule).map_err(|e| format!("{at}: schedule: {e}"))?;
        }
        Ok(())
    }
}

impl SourcePull {
    pub fn schema(&self) -> Option<&'static SourceSchema> {
        schema::source(&self.source)
    }

    /// The platform's column for a schema column.
    pub fn platform_column<'a>(&'a self, column: &'a str) -> &'a str {
        self.columns.get(column).map(String::as_str).unwrap_or(column)
    }

    /// What the pull reads from, as its messages name it: the table, or `query`.
    pub fn label(&self) -> String {
        self.table.clone().unwrap_or_else(|| "query".into())
    }
}

/// A quoted identifier: `"name"`, quotes doubled.
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `schema.table` (or `table`) as quoted identifiers; an empty part is an error.
pub fn qualified_identifier(name: &str) -> Result<String, String> {
    let parts: Vec<&str> = name.split('.').map(str::trim).collect();
    if parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
        return Err(format!("`{name}` is not a table name like schema.table"));
    }
    Ok(parts.iter().map(|p| quote_identifier(p)).collect::<Vec<_>>().join("."))
}

/// A text literal: `'…'`, quotes doubled (standard_conforming_strings is on by default
/// since PostgreSQL 9.1 and is set by the pull's session).
pub fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(sources: &str) -> Result<PullConfig, String> {
        let text = format!(
            r#"(connection: (host: "127.0.0.1", dbname: "d", user: "u", password_env: Some("P"), sslmode: Disable), sources: [{sources}])"#
        );
        PullConfig::parse(&text)
    }

    #[test]
    fn a_configuration_is_checked_before_any_connection() {
        let ok = r#"(source: "unemployment_registrations", table: Some("ods.sydj"), columns: {"person_id": "sfzhm"}, watermark: (column: "gxsj", kind: Updated), schedule: "daily 02:30")"#;
        let pull = config(ok).expect("valid");
        assert_eq!(pull.sources[0].platform_column("person_id"), "sfzhm");
        assert_eq!(pull.sources[0].platform_column("county"), "county");
        let unknown_column = ok.replace("person_id", "persona");
        assert!(config(&unknown_column).unwrap_err().contains("`persona` is not a column"));
        let both = ok.replace(r#"table: Some("ods.sydj")"#, r#"table: Some("t"), query: Some("select 1")"#);
        assert!(config(&both).unwrap_err().contains("a table or a query"));
        let keyless = r#"(source: "service_transactions", table: Some("t"), watermark: (column: "m", kind: Updated))"#;
        assert!(config(keyless).unwrap_err().contains("count twice"));
        let bad_schedule = ok.replace("daily 02:30", "daily 25:00");
        assert!(config(&bad_schedule).unwrap_err().contains("schedule"));
        let no_password = r#"(connection: (host: "h", dbname: "d", user: "u", sslmode: Disable), sources: [])"#;
        assert!(ron::from_str::<PullConfig>(no_password).unwrap().check().unwrap_err().contains("password"));
        let no_ca = r#"(connection: (host: "h", dbname: "d", user: "u", password_env: Some("P")), sources: [])"#;
        assert!(ron::from_str::<PullConfig>(no_ca).unwrap().check().unwrap_err().contains("ca_file"));
    }

    #[test]
    fn the_shipped_example_is_a_valid_configuration() {
        let example = PullConfig::parse(include_str!("../../../config/pulls.example.ron")).expect("config/pulls.example.ron");
        assert_eq!(example.connection.sslmode, SslMode::VerifyFull);
        assert!(example.sources.iter().any(|s| s.query.is_some()) && example.sources.iter().any(|s| s.table.is_some()));
    }

    #[test]
    fn identifiers_and_literals_are_quoted() {
        assert_eq!(qualified_identifier("ods.jy_sydj").unwrap(), r#""ods"."jy_sydj""#);
        assert_eq!(quote_identifier(r#"a"b"#), r#""a""b""#);
        assert!(qualified_identifier("ods.").is_err());
        assert_eq!(quote_literal("2025-06-03 12:00:00+08"), "'2025-06-03 12:00:00+08'");
        assert_eq!(quote_literal("x'; drop table t; --"), "'x''; drop table t; --'");
    }
}
