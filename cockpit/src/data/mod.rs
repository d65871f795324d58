//! Where the cube comes from. The native app reads the public cube file; when it is
//! missing (first run) it has the `analytics` CLI generate the default data and build the
//! cube in a child process while the app shows a loading screen. With `--server` it
//! follows `analytics serve` instead ([`remote`]): the cube's versions, the alerts'
//! lifecycle states and, with an analyst's token, the analyst's steps on alerts. The
//! cockpit never reads source rows: only the cube.

#[cfg(any(feature = "native", feature = "web"))]
pub mod remote;

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};

use bevy::prelude::*;
use szjy_model::cube::Cube;

#[cfg(any(feature = "native", feature = "web"))]
use crate::shared::clock::utc_now;
use crate::shared::clock::Waker;
use crate::shared::lifecycle::{AlertStates, LifecycleRequest};
#[cfg(any(feature = "native", feature = "web"))]
use crate::shared::store::Link;
use crate::shared::store::{CubeStore, LoadStatus};

/// Where the cube comes from.
#[derive(Clone, Debug)]
pub enum Source {
    /// A cube file. A missing one (or one of another format) is built first when
    /// `first_run` says how, else it is an error.
    File { path: PathBuf, first_run: Option<FirstRunBuild> },
    /// `analytics serve` at this address; with an analyst's token (natively), the analyst's
    /// steps on alerts go to it.
    Server { url: String, token: Option<String> },
}

/// How the default cube is built on first run: `analytics run --data DIR`.
#[derive(Clone, Debug)]
pub struct FirstRunBuild {
    pub analytics_bin: PathBuf,
    pub data_dir: PathBuf,
}

/// Result of the background build, picked up by [`poll_build`].
#[derive(Resource, Default)]
struct PendingBuild(Arc<Mutex<Option<Result<Cube, String>>>>);

pub struct DataSourcePlugin {
    pub source: Source,
}

impl Plugin for DataSourcePlugin {
    fn build(&self, app: &mut App) {
        // New data or a lost link must show at once, even while the app sleeps (pacing).
        let waker = Waker::of(app);
        let wake = move || waker.wake();
        app.init_resource::<AlertStates>().add_message::<LifecycleRequest>();
        let (path, first_run) = match &self.source {
            Source::File { path, first_run } => (path.clone(), first_run.clone()),
            #[cfg(any(feature = "native", feature = "web"))]
            Source::Server { url, token } => {
                let mut store = CubeStore::pending(LoadStatus::Loading, url.clone());
                store.link = Some(Link::default());
                app.insert_resource(store)
                    .insert_resource(RemoteEvents(Mutex::new(remote::spawn(url.clone(), wake))))
                    .add_systems(Update, apply_remote_events);
                #[cfg(all(feature = "native", not(target_arch = "wasm32")))]
                if let Some(token) = token {
                    app.insert_resource(StepsToServer {
                        url: url.clone(),
                        token: token.clone(),
                        answers: default(),
                        waker: Waker::of(app),
                    })
                    .add_systems(Startup, |mut states: ResMut<AlertStates>| states.writable = true)
                    .add_systems(Update, (send_steps, collect_answers));
                }
                #[cfg(not(all(feature = "native", not(target_arch = "wasm32"))))]
                let _ = token;
                return;
            }
            #[cfg(not(any(feature = "native", feature = "web")))]
            Source::Server { .. } => panic!("this build cannot follow a server (features native or web)"),
        };
        let origin = path.display().to_string();
        // The default cube is built from the default data: one written by an older version
        // of the program (another format) is built again, like a missing one.
        let loaded = path.exists().then(|| Cube::load(&path));
        let outdated = matches!(loaded, Some(Err(szjy_model::cube::CubeError::Version { .. }))) && first_run.is_some();
        let store = if let (Some(loaded), false) = (loaded, outdated) {
            match loaded {
                Ok(cube) => CubeStore::ready(cube, origin),
                Err(e) => CubeStore::pending(LoadStatus::Failed(e.to_string()), origin),
            }
        } else if let Some(first_run) = first_run {
            let pending = PendingBuild::default();
            start_build(first_run, path, pending.0.clone(), wake);
            app.insert_resource(pending);
            CubeStore::pending(LoadStatus::Building, origin)
        } else {
            CubeStore::pending(LoadStatus::Failed(format!("{origin}: no such cube")), origin)
        };
        app.insert_resource(store).add_systems(Update, poll_build.run_if(resource_exists::<PendingBuild>));
    }
}

/// Runs `analytics run --data DIR` (generate the default data if missing, build the
/// cube) next to this executable, then reads the cube it wrote.
fn start_build(
    first_run: FirstRunBuild,
    cube_path: PathBuf,
    result: Arc<Mutex<Option<Result<Cube, String>>>>,
    wake: impl Fn() + Send + 'static,
) {
    let FirstRunBuild { analytics_bin: analytics, data_dir } = first_run;
    std::thread::spawn(move || {
        info!("no current cube at {}: building it with {}", cube_path.display(), analytics.display());
        let outcome = Command::new(&analytics)
            .arg("run")
            .arg("--data")
            .arg(&data_dir)
            .status()
            .map_err(|e| format!("cannot start {}: {e}", analytics.display()))
            .and_then(|status| if status.success() { Ok(()) } else { Err(format!("{} run failed ({status})", analytics.display())) })
            .and_then(|()| Cube::load(&cube_path).map_err(|e| e.to_string()));
        *result.lock().expect("build result lock") = Some(outcome);
        wake();
    });
}

fn poll_build(mut commands: Commands, pending: Res<PendingBuild>, mut store: ResMut<CubeStore>) {
    let Some(outcome) = pending.0.lock().expect("build result lock").take() else { return };
    match outcome {
        Ok(cube) => *store = CubeStore::ready(cube, store.origin.clone()),
        Err(message) => {
            error!("{message}");
            store.status = LoadStatus::Failed(message);
        }
    }
    commands.remove_resource::<PendingBuild>();
}

/// What the remote follower reported, picked up each update.
#[cfg(any(feature = "native", feature = "web"))]
#[derive(Resource)]
struct RemoteEvents(Mutex<std::sync::mpsc::Receiver<remote::RemoteEvent>>);

#[cfg(any(feature = "native", feature = "web"))]
fn apply_remote_events(
    events: Res<RemoteEvents>,
    mut store: ResMut<CubeStore>,
    mut alert_states: ResMut<AlertStates>,
    mut redraw: MessageWriter<bevy::window::RequestRedraw>,
) {
    use remote::RemoteEvent;
    let Ok(events) = events.0.lock() else { return };
    for event in events.try_iter() {
        // Something changed on screen (new data, or the stale badge): draw it.
        redraw.write(bevy::window::RequestRedraw);
        match event {
            RemoteEvent::Cube(cube, info) => {
                info!("cube version {} ({}) from {}", info.version, info.data_version, store.origin);
                let origin = store.origin.clone();
                let pulls = store.link.take().map(|l| l.pulls).unwrap_or_default();
                *store = CubeStore::ready(*cube, origin);
                store.link = Some(Link { version: Some(info), down_since: None, pulls });
            }
            RemoteEvent::Current(info) => {
                let link = store.link.get_or_insert_with(Link::default);
                link.version = Some(info);
                link.down_since = None;
            }
            RemoteEvent::AlertStates(states) => alert_states.states = states,
            RemoteEvent::PullStates(states) => store.link.get_or_insert_with(Link::default).pulls = states,
            RemoteEvent::Disconnected(reason) => {
                let link = store.link.get_or_insert_with(Link::default);
                if link.down_since.is_none() {
                    warn!("{reason}");
                    link.down_since = Some((utc_now(), reason));
                }
            }
        }
    }
}

/// The server's answer to a step on an alert: the alert's id and its new state, or why not.
#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
type StepAnswer = (String, Result<szjy_model::lifecycle::AlertState, String>);

/// The analyst's steps on alerts go to the server under the token's name; its answers
/// come back on another thread and are picked up each update.
#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
#[derive(Resource)]
struct StepsToServer {
    url: String,
    token: String,
    answers: Arc<Mutex<Vec<StepAnswer>>>,
    waker: Waker,
}

#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
fn send_steps(mut requests: MessageReader<LifecycleRequest>, to: Res<StepsToServer>) {
    for request in requests.read() {
        let (answers, alert, waker) = (to.answers.clone(), request.alert.clone(), to.waker.clone());
        remote::post_lifecycle(&to.url, &to.token, request.alert.clone(), request.action.clone(), move |answer| {
            answers.lock().expect("answers lock").push((alert, answer));
            waker.wake();
        });
    }
}

#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
fn collect_answers(to: Res<StepsToServer>, mut states: ResMut<AlertStates>, mut redraw: MessageWriter<bevy::window::RequestRedraw>) {
    let answers: Vec<_> = std::mem::take(&mut *to.answers.lock().expect("answers lock"));
    for (alert, answer) in answers {
        // The alert list changes: draw it.
        redraw.write(bevy::window::RequestRedraw);
        states.settle(alert, answer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use szjy_model::cube::TOTAL;
    use szjy_model::period::Period;

    #[test]
    fn the_month_range_spans_the_cube() {
        let mut cube = Cube::new(chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(), true);
        cube.insert("vacancies", 370100, Period::month(2021, 3), TOTAL, 1.0, 0);
        cube.insert("vacancies", 370100, Period::month(2025, 6), TOTAL, 1.0, 0);
        cube.insert("gdp", 370100, Period::Quarter { year: 2025, quarter: 3 }, TOTAL, 1.0, 0);
        cube.insert("vacancies", 370100, Period::month(2025, 7), "fc:point", 1.0, szjy_model::cube::flags::ESTIMATED);
        // A figure published for a month outside the data's is no view either.
        cube.insert("surveyed_unemployment_rate", 100000, Period::month(2020, 1), TOTAL, 5.3, szjy_model::cube::flags::OFFICIAL);
        let store = CubeStore::ready(cube, "test".into());
        assert_eq!(store.months, Some((Period::month(2021, 3), Period::month(2025, 6))));
    }
}
