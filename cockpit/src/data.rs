//! Where the cube comes from. The native app reads the public cube file; when it is
//! missing (first run) it has the `analytics` CLI generate the default data and build the
//! cube in a child process while the app shows a loading screen. The cockpit never reads
//! source rows: only the cube.

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};

use analytics::cube::Cube;
use analytics::period::{Period, PeriodKind};
use bevy::prelude::*;

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
    /// Where the cube came from (a file path), for the 数据来源 screen.
    pub origin: String,
}

impl CubeStore {
    pub fn cube(&self) -> Option<&Cube> {
        self.cube.as_deref()
    }

    /// A store holding `cube` (tests, and the loaders below).
    pub fn ready(cube: Cube, origin: String) -> CubeStore {
        let months = month_range(&cube);
        CubeStore { cube: Some(Arc::new(cube)), months, status: LoadStatus::Ready, origin }
    }

    fn pending(status: LoadStatus, origin: String) -> CubeStore {
        CubeStore { cube: None, months: None, status, origin }
    }
}

/// The first and last months that have any cell.
fn month_range(cube: &Cube) -> Option<(Period, Period)> {
    let months = cube.cells.iter().filter(|c| c.period.kind() == PeriodKind::Month).map(|c| c.period.month_index());
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
        let path = settings.cube_path.clone();
        let origin = path.display().to_string();
        let store = if path.exists() {
            match Cube::load(&path) {
                Ok(cube) => CubeStore::ready(cube, origin),
                Err(e) => CubeStore::pending(LoadStatus::Failed(e.to_string()), origin),
            }
        } else if !settings.build_if_missing {
            CubeStore::pending(LoadStatus::Failed(format!("{origin}: no such cube")), origin)
        } else {
            let pending = PendingBuild::default();
            start_build(&settings, path, pending.0.clone());
            app.insert_resource(pending);
            CubeStore::pending(LoadStatus::Building, origin)
        };
        app.insert_resource(store).add_systems(Update, poll_build.run_if(resource_exists::<PendingBuild>));
    }
}

/// Runs `analytics run --data DIR` (generate the default data if missing, build the
/// cube) next to this executable, then reads the cube it wrote.
fn start_build(settings: &Settings, cube_path: PathBuf, result: Arc<Mutex<Option<Result<Cube, String>>>>) {
    let analytics = settings.analytics_bin.clone();
    let data_dir = settings.data_dir.clone();
    std::thread::spawn(move || {
        info!("no cube at {}: building it with {}", cube_path.display(), analytics.display());
        let outcome = Command::new(&analytics)
            .arg("run")
            .arg("--data")
            .arg(&data_dir)
            .status()
            .map_err(|e| format!("cannot start {}: {e}", analytics.display()))
            .and_then(|status| if status.success() { Ok(()) } else { Err(format!("{} run failed ({status})", analytics.display())) })
            .and_then(|()| Cube::load(&cube_path).map_err(|e| e.to_string()));
        *result.lock().expect("build result lock") = Some(outcome);
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

#[cfg(test)]
mod tests {
    use super::*;
    use analytics::cube::TOTAL;

    #[test]
    fn the_month_range_spans_the_cube() {
        let mut cube = Cube::new(chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(), true);
        cube.insert("vacancies", 370100, Period::month(2021, 3), TOTAL, 1.0, 0);
        cube.insert("vacancies", 370100, Period::month(2025, 6), TOTAL, 1.0, 0);
        cube.insert("gdp", 370100, Period::Quarter { year: 2025, quarter: 3 }, TOTAL, 1.0, 0);
        let store = CubeStore::ready(cube, "test".into());
        assert_eq!(store.months, Some((Period::month(2021, 3), Period::month(2025, 6))));
    }
}
