//! The Polars engine: generator, ingest, models, roll-up, the cube build and the data
//! server.

pub mod build;
pub mod csv_text;
pub mod evaluate;
pub mod generate;
pub mod ingest;
pub mod keys;
pub mod models;
pub mod panel_file;
pub mod redact;
pub mod rollup;
pub mod serve;
pub mod table;
pub mod world;
