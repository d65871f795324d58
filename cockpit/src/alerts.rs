//! 预警处置: each alert's lifecycle (acknowledged, assigned, closed) beside the cube.
//!
//! Following a server, the states come from it with each cube version (status only), and
//! with an analyst's token (`--token`) the desktop analyst's steps go to the server under
//! the token's name. On a local cube the steps go to `alert-lifecycle.jsonl` beside the
//! cube, the same log `analytics serve` keeps, under the login name. Either way they
//! survive restarts.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use bevy::prelude::*;
use szjy_model::lifecycle::{self, Action, AlertState};

/// The server's answer to a step on an alert: the alert's id and its new state, or why not.
type StepAnswer = (String, Result<AlertState, String>);

/// Every alert's lifecycle state, and the local log when the cockpit may write one.
#[derive(Resource, Default)]
pub struct AlertStates {
    pub states: BTreeMap<String, AlertState>,
    log: Option<lifecycle::Log>,
    /// The server and the analyst's token the steps go to instead (native only).
    remote: Option<(String, String)>,
    /// The server's answers to steps sent, picked up each update.
    answers: Arc<Mutex<Vec<StepAnswer>>>,
    /// Wakes the app when an answer arrives (steps go to a server only natively).
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    waker: crate::pacing::Waker,
    /// Why the last step was refused (shown under the alert list).
    pub error: Option<String>,
}

impl AlertStates {
    pub fn state(&self, alert: &str) -> Option<&AlertState> {
        self.states.get(alert)
    }

    /// Whether the analyst can step alerts here (a local cube's log is open, or a server
    /// with a token is followed).
    pub fn writable(&self) -> bool {
        self.log.is_some() || self.remote.is_some()
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
        let states = AlertStates { waker: crate::pacing::Waker::of(app), ..default() };
        // (RequestRedraw is the window plugin's; registered here too for headless apps.)
        app.insert_resource(states)
            .add_message::<LifecycleRequest>()
            .add_message::<bevy::window::RequestRedraw>()
            .add_systems(Update, (apply_requests, collect_answers));
        #[cfg(not(target_arch = "wasm32"))]
        app.add_systems(Startup, choose_lifecycle_store);
    }
}

/// Where steps go: to the server when following one with a token (it keeps the log), else
/// to the log beside the local cube.
#[cfg(not(target_arch = "wasm32"))]
fn choose_lifecycle_store(settings: Res<crate::Settings>, mut states: ResMut<AlertStates>) {
    if let Some(server) = &settings.server {
        states.remote = settings.token.clone().map(|token| (server.clone(), token));
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
        #[cfg(all(feature = "native", not(target_arch = "wasm32")))]
        if let Some((server, token)) = &states.remote {
            let (answers, alert, waker) = (states.answers.clone(), request.alert.clone(), states.waker.clone());
            crate::remote::post_lifecycle(server, token, request.alert.clone(), request.action.clone(), move |answer| {
                answers.lock().expect("answers lock").push((alert, answer));
                waker.wake();
            });
            continue;
        }
        let Some(log) = states.log.as_mut() else { continue };
        let event = lifecycle::Event {
            alert: request.alert.clone(),
            action: request.action.clone(),
            by: analyst_name(),
            at: crate::data::utc_now(),
        };
        match log.append(event) {
            Ok(state) => {
                states.states.insert(request.alert.clone(), state);
                states.error = None;
            }
            Err(e) => states.error = Some(e),
        }
    }
}

fn collect_answers(mut states: ResMut<AlertStates>, mut redraw: MessageWriter<bevy::window::RequestRedraw>) {
    let answers: Vec<_> = std::mem::take(&mut *states.answers.lock().expect("answers lock"));
    for (alert, answer) in answers {
        // The alert list changes: draw it.
        redraw.write(bevy::window::RequestRedraw);
        match answer {
            Ok(state) => {
                states.states.insert(alert, state);
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
