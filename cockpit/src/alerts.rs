//! 预警处置: each alert's lifecycle (acknowledged, assigned, closed) beside a local cube.
//!
//! The steps the desktop analyst takes in the alert list go to `alert-lifecycle.jsonl`
//! beside the cube, the same log `analytics serve` keeps, under the login name, and
//! survive restarts. Following a server, the data source keeps the states instead
//! (`crate::data`): they come from the server, and the steps go to it.

use std::path::PathBuf;

use bevy::prelude::*;
use szjy_model::lifecycle;

use crate::shared::clock::utc_now;
use crate::shared::lifecycle::{AlertStates, LifecycleRequest};

pub struct AlertLifecyclePlugin {
    /// The local log (beside a local cube); none when following a server or in the
    /// browser.
    pub log: Option<PathBuf>,
}

/// The open local log.
#[derive(Resource)]
struct LocalLog(lifecycle::Log);

impl Plugin for AlertLifecyclePlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<AlertStates>().add_message::<LifecycleRequest>();
        let Some(path) = &self.log else { return };
        match lifecycle::Log::open(path) {
            Ok(log) => {
                let states = AlertStates { states: lifecycle::fold(log.events()), writable: true, error: None };
                app.insert_resource(states).insert_resource(LocalLog(log)).add_systems(Update, append_steps);
            }
            Err(e) => {
                warn!("alert lifecycle: {e}");
                app.insert_resource(AlertStates { error: Some(e), ..default() });
            }
        }
    }
}

fn append_steps(mut requests: MessageReader<LifecycleRequest>, mut log: ResMut<LocalLog>, mut states: ResMut<AlertStates>) {
    for request in requests.read() {
        let event = lifecycle::Event { alert: request.alert.clone(), action: request.action.clone(), by: analyst_name(), at: utc_now() };
        let outcome = log.0.append(event);
        states.settle(request.alert.clone(), outcome);
    }
}

/// The login name the step is recorded under.
fn analyst_name() -> String {
    std::env::var("USER").or_else(|_| std::env::var("USERNAME")).ok().filter(|n| !n.is_empty()).unwrap_or_else(|| "analyst".into())
}
