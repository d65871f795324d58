//! 数智就业 employment monitoring: the data model every part shares.
//!
//! Polars-free and compiles for wasm32: regions, periods, code lists, source schemas, the
//! measure catalogue, the cube and its alerts, the warning configuration, reading
//! forecasts and indicators back from a cube, the interpretation templates, the alert
//! lifecycle and the server protocol. The engine fills the cube (`szjy_engine`); the
//! cockpit, native and in the browser, reads it with this crate alone.
//!
//! Modules from the bottom up: `lang`, `period`, `codes`, `robust` → `region`, `schema`,
//! `rules` → `catalogue`, `reporting` → `alert` → `warning` → `cube` → `completeness`, `indicator`,
//! `outlook`, `lifecycle`, `protocol`, `published`, `shortage_list`, `submissions` → `interpret`. Nothing imports a module above it.

pub mod alert;
pub mod catalogue;
pub mod codes;
pub mod completeness;
pub mod cube;
pub mod indicator;
pub mod interpret;
pub mod lang;
pub mod lifecycle;
pub mod outlook;
pub mod period;
pub mod protocol;
pub mod published;
pub mod region;
pub mod reporting;
pub mod robust;
pub mod rules;
pub mod schema;
pub mod shortage_list;
pub mod submissions;
pub mod warning;

pub use cube::{Cube, Lookup};
pub use period::Period;
pub use region::{Adcode, RegionTree};
