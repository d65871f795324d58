//! Where the cube comes from. The native app reads the public cube file; when it is
//! missing (first run) it has the `analytics` CLI generate the default data and build the
//! cube in a child process while the app shows a loading screen. With `--server` it
//! follows `analytics serve` instead ([`crate::remote`]). The cockpit never reads source
//! rows: only the cube.

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};

use bevy::prelude::*;
use szjy_model::cube::Cube;
use szjy_model::period::{Period, PeriodKind};

use crate::Settings;

#[derive(Clone, Debug, PartialEq)]
pub enum LoadStatus {
    /// The cube is being read.
    Loading,
    /// No cube yet: the analytics pipeline is generating data and building it.
    Building,
    Ready,
    Failed(String),
}

/// The cube on show and how it got here.
#[derive(Resource)]
pub struct CubeStore {
    cube: Option<Arc<Cube>>,
    /// The cube's first and last month with data.
    pub months: Option<(Period, Period)>,
    pub status: LoadStatus,
    /// Where the cube came from (a file path or the server's URL), for the 数据来源 screen.
    pub origin: String,
    /// Following a server: the version on show and whether the link is up.
    pub link: Option<Link>,
}

/// The state of the link to `analytics serve`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Link {
    pub version: Option<szjy_model::protocol::VersionInfo>,
    /// Since when the server cannot be reached (the data on show is stale), and why.
    pub down_since: Option<(chrono::DateTime<chrono::Utc>, String)>,
}

impl CubeStore {
    pub fn cube(&self) -> Option<&Cube> {
        self.cube.as_deref()
    }

    /// A store holding `cube` (tests, and the loaders below).
    pub fn ready(cube: Cube, origin: String) -> CubeStore {
        let months = month_range(&cube);
        CubeStore { cube: Some(Arc::new(cube)), months, status: LoadStatus::Ready, origin, link: None }
    }

    fn pending(status: LoadStatus, origin: String) -> CubeStore {
        CubeStore { cube: None, months: None, status, origin, link: None }
    }
}

/// The first and last months that have an observed cell (forecast months are not views).
fn month_range(cube: &Cube) -> Option<(Period, Period)> {
    let observed = cube.cells.iter().filter(|c| c.flags & szjy_model::cube::flags::ESTIMATED == 0);
    let months = observed.filter(|c| c.period.kind() == PeriodKind::Month).map(|c| c.period.month_index());
    let (first, last) = months.fold(None, |acc: Option<(i32, i32)>, m| Some(acc.map_or((m, m), |(a, b)| (a.min(m), b.max(m)))))?;
    Some((Period::from_month_index(first), Period::from_month_index(last)))
}

/// Result of the background build, picked up by [`poll_build`].
#[derive(Resource, Default)]
struct PendingBuild(Arc<Mutex<Option<Result<Cube, String>>>>);

pub struct DataSourcePlugin;

impl Plugin for DataSourcePlugin {
    fn build(&self, app: &mut App) {
        let settings = app.world().resource::<Settings>().clone();
        // New data or a lost link must show at once, even while the app sleeps (pacing).
        let waker = crate::pacing::Waker::of(app);
        let wake = move || waker.wake();
        #[cfg(any(feature = "native", feature = "web"))]
        if let Some(server) = settings.server.clone() {
            let mut store = CubeStore::pending(LoadStatus::Loading, server.clone());
            store.link = Some(Link::default());
            app.insert_resource(store)
                .insert_resource(RemoteEvents(Mutex::new(crate::remote::spawn(server, wake))))
                .add_systems(Update, apply_remote_events);
            return;
        }
        let path = settings.cube_path.clone();
        let origin = path.display().to_string();
        // The default cube is built from the default data: one written by an older version
        // of the program (another format) is built again, like a missing one.
        let loaded = path.exists().then(|| Cube::load(&path));
        let outdated = matches!(loaded, Some(Err(szjy_model::cube::CubeError::Version { .. }))) && settings.build_if_missing;
        let store = if let (Some(loaded), false) = (loaded, outdated) {
            match loaded {
                Ok(cube) => CubeStore::ready(cube, origin),
                Err(e) => CubeStore::pending(LoadStatus::Failed(e.to_string()), origin),
            }
        } else if !settings.build_if_missing {
            CubeStore::pending(LoadStatus::Failed(format!("{origin}: no such cube")), origin)
        } else {
            let pending = PendingBuild::default();
            start_build(&settings, path, pending.0.clone(), wake);
            app.insert_resource(pending);
            CubeStore::pending(LoadStatus::Building, origin)
        };
        app.insert_resource(store).add_systems(Update, poll_build.run_if(resource_exists::<PendingBuild>));
    }
}

/// Runs `analytics run --data DIR` (generate the default data if missing, build the
/// cube) next to this executable, then reads the cube it wrote.
fn start_build(
    settings: &Settings,
    cube_path: PathBuf,
    result: Arc<Mutex<Option<Result<Cube, String>>>>,
    wake: impl Fn() + Send + 'static,
) {
    let analytics = settings.analytics_bin.clone();
    let data_dir = settings.data_dir.clone();
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
struct RemoteEvents(Mutex<std::sync::mpsc::Receiver<crate::remote::RemoteEvent>>);

#[cfg(any(feature = "native", feature = "web"))]
fn apply_remote_events(
    events: Res<RemoteEvents>,
    mut store: ResMut<CubeStore>,
    mut alert_states: ResMut<crate::alerts::AlertStates>,
    mut redraw: MessageWriter<bevy::window::RequestRedraw>,
) {
    use crate::remote::RemoteEvent;
    let Ok(events) = events.0.lock() else { return };
    for event in events.try_iter() {
        // Something changed on screen (new data, or the stale badge): draw it.
        redraw.write(bevy::window::RequestRedraw);
        match event {
            RemoteEvent::Cube(cube, info) => {
                info!("cube version {} ({}) from {}", info.version, info.data_version, store.origin);
                let origin = store.origin.clone();
                *store = CubeStore::ready(*cube, origin);
                store.link = Some(Link { version: Some(info), down_since: None });
            }
            RemoteEvent::Current(info) => {
                let link = store.link.get_or_insert_with(Link::default);
                link.version = Some(info);
                link.down_since = None;
            }
            RemoteEvent::AlertStates(states) => alert_states.states = states,
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

/// The wall clock (the browser's `Date.now()` there: std has no clock on wasm32).
pub(crate) fn utc_now() -> chrono::DateTime<chrono::Utc> {
    #[cfg(target_arch = "wasm32")]
    return chrono::Utc::now();
    #[cfg(not(target_arch = "wasm32"))]
    return std::time::SystemTime::now().into();
}

#[cfg(test)]
mod tests {
    use super::*;
    use szjy_model::cube::TOTAL;

    #[test]
    fn the_month_range_spans_the_cube() {
        let mut cube = Cube::new(chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(), true);
        cube.insert("vacancies", 370100, Period::month(2021, 3), TOTAL, 1.0, 0);
        cube.insert("vacancies", 370100, Period::month(2025, 6), TOTAL, 1.0, 0);
        cube.insert("gdp", 370100, Period::Quarter { year: 2025, quarter: 3 }, TOTAL, 1.0, 0);
        cube.insert("vacancies", 370100, Period::month(2025, 7), "fc:point", 1.0, szjy_model::cube::flags::ESTIMATED);
        let store = CubeStore::ready(cube, "test".into());
        assert_eq!(store.months, Some((Period::month(2021, 3), Period::month(2025, 6))));
    }
}
