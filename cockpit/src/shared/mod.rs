//! The bottom layer: the state and contracts every plugin shares, and the content the
//! panels and the map show, computed from the cube. Nothing here imports a plugin; the
//! plugins (`data`, `map`, `panels`, `wall`, `analyst`, `alerts`, `pacing`) talk to each
//! other only through these modules, and the tools (`capture`, `bench`, `web`) sit on
//! top.
//!
//! - State: [`settings`] (the command line), [`view`] (what is on screen, changed only by
//!   `ViewCommand`s), [`store`] (the cube on show), [`lifecycle`] (alert states and the
//!   analyst's steps), [`clock`] (timers and waking the loop).
//! - Contracts between plugins: [`schedule`] (the system sets), [`screen`] (the
//!   `SystemParam`s most systems read: what is on screen, whether it is ready),
//!   [`map_state`] (the map's area, what it shows, its camera), [`wall_state`] (seams, the
//!   ticker's page).
//! - Content and look: [`figures`] (numbers from the cube, no Bevy or egui),
//!   [`map_classes`] (the map's classes, colours and caption sentence), [`scene`]
//!   (topics), [`theme`] (colours and sizes), [`text`] (interface strings),
//!   [`line_break`] (Chinese line-breaking rules), [`fonts`].
//! - Platform: [`profile`] (per-system cost for the benchmark), `page` (the browser's
//!   page).

pub mod clock;
pub mod figures;
pub mod fonts;
pub mod laid_out;
pub mod lifecycle;
pub mod line_break;
pub mod map_classes;
pub mod map_state;
#[cfg(target_arch = "wasm32")]
pub mod page;
pub mod profile;
pub mod scene;
pub mod schedule;
pub mod screen;
pub mod settings;
pub mod store;
pub mod text;
pub mod theme;
pub mod view;
pub mod wall_frame;
pub mod wall_state;
