//! 数智就业 employment monitoring: the engine that fills the cube. The demo-data
//! generator, ingest and validation, the Polars models, the roll-up, the cube build,
//! suppression, forecasts, early-warning evaluation and policy evaluation. It writes the
//! data model of `szjy_model`; the data server (`szjy_server`) and the `analytics` command
//! run it.

pub mod build;
pub mod coverage;
pub mod csv_text;
pub mod evaluate;
pub mod forecast;
pub mod generate;
pub mod ingest;
pub mod keys;
pub mod models;
pub mod outlook;
pub mod panel_file;
pub mod redact;
pub mod rollup;
pub mod suppress;
pub mod table;
pub mod warning;
pub mod workbook;
pub mod world;
