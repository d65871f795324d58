//! 预警处置: each alert's lifecycle (acknowledged, assigned, closed) beside the cube.
//!
//! Following a server, the states come from it with each cube version (status only: who
//! and when need an analyst's token, which the cockpit does not hold yet). On a local cube
//! the desktop analyst steps alerts through their life in the alert list, and the steps go
//! to `alert-lifecycle.jsonl` beside the cube, the same log `analytics serve` keeps, under
//! the login name, so they survive restarts.

use std::collections::BTreeMap;

use analytics::lifecycle::{self, Action, AlertState};
use bevy::prelude::*;

/// Every alert's lifecycle state, and the local log when the cockpit may write one.
#[derive(Resource, Default)]
pub struct AlertStates {
    pub states: BTreeMap<String, AlertState>,
    log: Option<lifecycle::Log>,
    /// Why the last step was refused (shown under the alert list).
    pub error: Option<String>,
}

impl AlertStates {
    pub fn state(&self, alert: &str) -> Option<&AlertState> {
        self.states.get(alert)
    }

    /// Whether the analyst can step alerts here (a local cube's log is open).
    pub fn writable(&self) -> bool {
        self.log.is_some()
    }

    /// States as a server sent them.
    pub fn replace(&mut self, states: BTreeMap<String, AlertState>) {
        self.states = states;
    }
}

/// An analyst's step on an alert, from the alert list.
#[derive(Message, Clone, Debug)]
pub struct LifecycleRequest {
    pub alert: String,
    pub action: Action,
}

pub struct AlertLifecyclePlugin;

impl Plugin for AlertLifecyclePlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<AlertStates>().add_message::<LifecycleRequest>().add_systems(Update, apply_requests);
        #[cfg(not(target_arch = "wasm32"))]
        app.add_systems(Startup, open_local_log);
    }
}

/// The log beside a local cube (none when following a server, which keeps its own).
#[cfg(not(target_arch = "wasm32"))]
fn open_local_log(settings: Res<crate::Settings>, mut states: ResMut<AlertStates>) {
    if settings.server.is_some() {
        return;
    }
    let path = settings.cube_path.with_file_name("alert-lifecycle.jsonl");
    match lifecycle::Log::open(&path) {
        Ok(log) => {
            states.states = lifecycle::fold(log.events());
            states.log = Some(log);
        }
        Err(e) => {
            warn!("alert lifecycle: {e}");
            states.error = Some(e);
        }
    }
}

fn apply_requests(mut requests: MessageReader<LifecycleRequest>, mut states: ResMut<AlertStates>) {
    for request in requests.read() {
        let Some(log) = states.log.as_mut() else { continue };
        let event = lifecycle::Event { alert: request.alert.clone(), action: request.action.clone(), by: analyst_name(), at: crate::data::utc_now() };
        match log.append(event) {
            Ok(state) => {
                states.states.insert(request.alert.clone(), state);
                states.error = None;
            }
            Err(e) => states.error = Some(e),
        }
    }
}

/// The login name the step is recorded under.
fn analyst_name() -> String {
    std::env::var("USER").or_else(|_| std::env::var("USERNAME")).ok().filter(|n| !n.is_empty()).unwrap_or_else(|| "analyst".into())
}
