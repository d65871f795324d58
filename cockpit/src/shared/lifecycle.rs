//! 预警处置 as the page sees it: each alert's lifecycle state, whether the analyst can
//! step alerts here, and the steps the analyst takes. The alert lifecycle plugin keeps a
//! local log (`crate::alerts`); following a server, the data source fetches the states and
//! sends the steps (`crate::data`).

use std::collections::BTreeMap;

use bevy::prelude::*;
use szjy_model::lifecycle::{Action, AlertState};

/// Every alert's lifecycle state.
#[derive(Resource, Default)]
pub struct AlertStates {
    pub states: BTreeMap<String, AlertState>,
    /// Whether the analyst can step alerts here (a local cube's log is open, or a server
    /// with a token is followed).
    pub writable: bool,
    /// Why the last step was refused (shown under the alert list).
    pub error: Option<String>,
}

impl AlertStates {
    pub fn state(&self, alert: &str) -> Option<&AlertState> {
        self.states.get(alert)
    }

    /// A step's outcome: the alert's new state, or why it was refused.
    pub fn settle(&mut self, alert: String, outcome: Result<AlertState, String>) {
        match outcome {
            Ok(state) => {
                self.states.insert(alert, state);
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
    }
}

/// An analyst's step on an alert, from the alert list.
#[derive(Message, Clone, Debug)]
pub struct LifecycleRequest {
    pub alert: String,
    pub action: Action,
}
