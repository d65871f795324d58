//! 数智就业 employment monitoring: the data model and, with the `engine` feature, the
//! Polars pipelines that fill it.
//!
//! Without `engine` this crate is Polars-free and compiles for wasm32: regions, periods,
//! code lists, source schemas, the measure catalogue, the cube, suppression, the
//! interpretation templates, forecasting and the server protocol. The cockpit depends on
//! it that way.

pub mod catalogue;
pub mod codes;
pub mod cube;
pub mod forecast;
pub mod interpret;
pub mod lifecycle;
pub mod outlook;
pub mod period;
pub mod protocol;
pub mod region;
pub mod reporting;
pub mod schema;
pub mod suppress;
pub mod warning;

#[cfg(feature = "engine")]
pub mod engine;

pub use cube::{Cube, Lookup};
pub use period::Period;
pub use region::{Adcode, RegionTree};
