//! The Polars engine: generator, ingest, models, roll-up and the cube build.

pub mod generate;
pub mod ingest;
pub mod keys;
pub mod models;
pub mod table;
pub mod world;
pub mod build;
pub mod rollup;
