//! ECS tests: the view, keyboard and carousel systems running in a real Bevy `App`
//! (no window, no GPU), driven by messages, key presses and a manual clock.

use std::path::Path;
use std::time::Duration;

use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use szjy_model::cube::{Cube, TOTAL};
use szjy_model::period::Period;
use szjy_model::region::PROVINCE;

use crate::shared::clock::{NextUpdate, Now};
use crate::shared::scene::Scenes;
use crate::shared::settings::WallLayout;
use crate::shared::settings::{Mode, Settings};
use crate::shared::store::CubeStore;
use crate::shared::theme::Themes;
use crate::shared::view::{View, ViewCommand, ViewPlugin};
use crate::wall::WallPlugin;

fn app(mode: Mode) -> App {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut settings = Settings::new(root.clone());
    settings.mode = mode;
    let mut cube = Cube::new(chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(), true);
    cube.insert("vacancies", PROVINCE, Period::month(2024, 1), TOTAL, 1.0, 0);
    cube.insert("vacancies", PROVINCE, Period::month(2025, 6), TOTAL, 1.0, 0);
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_secs(1)))
        .insert_resource(settings)
        .insert_resource(Scenes::load_dir(&root.join("scenes")).unwrap())
        .insert_resource(Themes::load_dir(&root.join("assets/themes")).unwrap())
        .insert_resource(View {
            topic: 0,
            region: PROVINCE,
            month: Period::month(2000, 1),
            theme: 0,
            lang: szjy_model::lang::Lang::Zh,
            playing: false,
            category: None,
            filters_open: false,
            indicator: None,
            highlight: None,
        })
        .insert_resource(CubeStore::ready(cube, "test".into()))
        .init_resource::<ButtonInput<KeyCode>>()
        .init_resource::<NextUpdate>()
        .init_resource::<Now>()
        // The timer clock advances a second per update, like the manual `Time`.
        .add_systems(First, |mut now: ResMut<Now>| now.0 += Duration::from_secs(1))
        .add_plugins(ViewPlugin);
    // The virtual clock caps a frame at 250 ms; these frames are a second each.
    app.world_mut().resource_mut::<Time<Virtual>>().set_max_delta(Duration::from_secs(10));
    app
}

fn press(app: &mut App, key: KeyCode) {
    app.world_mut().resource_mut::<ButtonInput<KeyCode>>().press(key);
    app.update();
    let mut keys = app.world_mut().resource_mut::<ButtonInput<KeyCode>>();
    keys.release(key);
    keys.clear();
}

fn view(app: &App) -> View {
    app.world().resource::<View>().clone()
}

#[test]
fn the_view_starts_at_the_cubes_latest_month_and_drills_down_and_up() {
    let mut app = app(Mode::Desktop);
    app.update();
    assert_eq!(view(&app).month, Period::month(2025, 6));
    app.world_mut().write_message(ViewCommand::Select(370100));
    app.update();
    assert_eq!(view(&app).region, 370100);
    app.world_mut().write_message(ViewCommand::Select(370102));
    app.update();
    assert_eq!((view(&app).region, view(&app).map_focus()), (370102, 370100));
    press(&mut app, KeyCode::Escape);
    assert_eq!(view(&app).region, 370100);
    press(&mut app, KeyCode::Backspace);
    assert_eq!(view(&app).region, PROVINCE);
}

#[test]
fn keys_switch_topics_themes_language_and_months() {
    let mut app = app(Mode::Desktop);
    app.update();
    press(&mut app, KeyCode::Digit3);
    assert_eq!(view(&app).topic, 2);
    press(&mut app, KeyCode::PageUp);
    assert_eq!(view(&app).topic, 1);
    press(&mut app, KeyCode::KeyT);
    assert_eq!(view(&app).theme, 1);
    press(&mut app, KeyCode::KeyL);
    assert_eq!(view(&app).lang, szjy_model::lang::Lang::En);
    press(&mut app, KeyCode::ArrowLeft);
    assert_eq!(view(&app).month, Period::month(2025, 5));
    press(&mut app, KeyCode::ArrowRight);
    press(&mut app, KeyCode::ArrowRight);
    assert_eq!(view(&app).month, Period::month(2025, 6), "no month after the cube's last");
}

/// Updates (1 s each) until the topic changes; None if it does not within `limit`.
fn updates_until_topic_changes(app: &mut App, limit: usize) -> Option<usize> {
    let before = view(app).topic;
    (1..=limit).find(|_| {
        app.update();
        view(app).topic != before
    })
}

#[test]
fn the_carousel_steps_on_time_and_pauses() {
    let layout = WallLayout { carousel_seconds: 5.0, ..default() };
    let mut app = app(Mode::Wall(layout.clone()));
    app.add_plugins(WallPlugin { layout: Some(layout) });
    // The manual clock advances 1 s per update once started.
    assert!(updates_until_topic_changes(&mut app, 10).is_some(), "the carousel moves");
    assert_eq!(updates_until_topic_changes(&mut app, 10), Some(5), "one topic every 5 s");
    assert_eq!(view(&app).topic, 2);
    press(&mut app, KeyCode::KeyP);
    assert_eq!(updates_until_topic_changes(&mut app, 20), None, "paused (pinned)");
    press(&mut app, KeyCode::KeyN);
    assert_eq!(view(&app).topic, 3, "a manual step works while paused");
    press(&mut app, KeyCode::KeyP);
    assert_eq!(updates_until_topic_changes(&mut app, 10), Some(5), "unpausing gives the topic a full interval");
}

#[test]
fn timers_say_when_the_next_update_is_due() {
    // A still wall sleeps between updates; the carousel must be woken when it is due.
    let layout = WallLayout { carousel_seconds: 5.0, ..default() };
    let mut wall = app(Mode::Wall(layout.clone()));
    wall.add_plugins(WallPlugin { layout: Some(layout) });
    for _ in 0..3 {
        wall.update();
    }
    let due = wall.world().resource::<NextUpdate>().soonest().expect("the carousel asked");
    assert!(due > Duration::ZERO && due < Duration::from_secs(5), "due in {due:?}");
    // The month player, while playing.
    let mut desktop = app(Mode::Desktop);
    desktop.world_mut().resource_mut::<View>().playing = true;
    desktop.update();
    desktop.update();
    assert!(desktop.world().resource::<NextUpdate>().soonest().is_some_and(|due| due <= Duration::from_secs_f32(1.2)));
}

#[test]
fn an_alert_stepped_in_the_cockpit_keeps_its_state_across_restarts() {
    use crate::alerts::AlertLifecyclePlugin;
    use crate::shared::lifecycle::{AlertStates, LifecycleRequest};
    use szjy_model::lifecycle::{Action, Status};
    let dir = std::env::temp_dir().join(format!("szjy-cockpit-lifecycle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let _ = std::fs::remove_file(dir.join("alert-lifecycle.jsonl"));
    let cockpit = || {
        let mut app = app(Mode::Desktop);
        app.add_plugins(AlertLifecyclePlugin { log: Some(dir.join("alert-lifecycle.jsonl")) });
        app.update();
        app
    };
    let alert = "registered_unemployment_rate/370102/2026-08".to_string();
    let mut app = cockpit();
    assert!(app.world().resource::<AlertStates>().writable, "a local cube gets a lifecycle log");
    app.world_mut().write_message(LifecycleRequest { alert: alert.clone(), action: Action::Acknowledge });
    app.world_mut().write_message(LifecycleRequest { alert: alert.clone(), action: Action::Assign { to: "历下区人社局".into() } });
    app.update();
    // A second acknowledgement is refused, with the reason kept for the alert list.
    app.world_mut().write_message(LifecycleRequest { alert: alert.clone(), action: Action::Acknowledge });
    app.update();
    let states = app.world().resource::<AlertStates>();
    assert!(states.error.as_deref().is_some_and(|e| e.contains("already acknowledged")), "{:?}", states.error);
    assert_eq!(states.state(&alert).map(|s| s.status), Some(Status::Assigned));

    let restarted = cockpit();
    let state = restarted.world().resource::<AlertStates>().state(&alert).cloned().expect("the state was kept");
    assert_eq!((state.status, state.assigned_to.as_deref()), (Status::Assigned, Some("历下区人社局")));
    assert!(state.acknowledged.is_some());
}
