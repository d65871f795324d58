//! The current view: topic, region, month, theme and language. It changes only through
//! [`ViewCommand`] messages (from keys, clicks, the carousel or tests), applied in one
//! system, so every panel, the map and the tests see the same state.

use std::time::Duration;

use bevy::platform::time::Instant;

use bevy::prelude::*;
use szjy_model::catalogue::DimKind;
use szjy_model::lang::Lang;
use szjy_model::period::Period;
use szjy_model::region::{Adcode, Level, RegionTree, PROVINCE};

use crate::shared::clock::{NextUpdate, Now};
use crate::shared::scene::Scenes;
use crate::shared::schedule::ViewSystems;
use crate::shared::store::CubeStore;
use crate::shared::theme::Themes;

#[derive(Resource, Clone, Debug, PartialEq)]
pub struct View {
    /// Index into [`Scenes`].
    pub topic: usize,
    /// The region the panels describe: the province, a city or a county.
    pub region: Adcode,
    /// The month on show; quarterly and yearly measures show the period containing it.
    pub month: Period,
    /// Index into [`Themes`].
    pub theme: usize,
    pub lang: Lang,
    /// Whether the month advances by itself (the play button).
    pub playing: bool,
    /// The analyst's category filter: one category of a one-way breakdown (`grp:高校毕业生`,
    /// `ind:C`, `occ:…`). Measures broken down by its dimension show that category; the
    /// cube has no cross-tabulations, so one category applies at a time.
    pub category: Option<String>,
    /// The analyst's filter panel is open (desktop only; walls never show it).
    pub filters_open: bool,
    /// The early-warning indicator drilled into from an alert (its id in the cube's
    /// warning configuration): the indicator-trend panel shows it.
    pub indicator: Option<String>,
    /// The measure whose panels are outlined: what a clicked interpretation sentence
    /// describes. A topic change clears it.
    pub highlight: Option<String>,
}

impl View {
    pub fn zh(&self) -> bool {
        self.lang == Lang::Zh
    }

    /// The region whose children the map colours: the province, or the city in focus
    /// (a selected county is shown inside its city).
    pub fn map_focus(&self) -> Adcode {
        let tree = RegionTree::shandong();
        match tree.get(self.region).map(|r| r.level) {
            Some(Level::County) => tree.parent(self.region).map_or(PROVINCE, |p| p.adcode),
            Some(_) => self.region,
            None => PROVINCE,
        }
    }
}

/// Everything that can change the view.
#[derive(Message, Clone, Debug, PartialEq)]
pub enum ViewCommand {
    /// Go to a region (a city drills down, a county is selected within its city).
    Select(Adcode),
    /// One level up: county → city → province.
    Up,
    Topic(usize),
    /// Next (+1) or previous (−1) topic, wrapping (tabs, carousel, presenter remote).
    StepTopic(i32),
    Month(Period),
    StepMonth(i32),
    Theme(usize),
    NextTheme,
    ToggleLang,
    SetLang(Lang),
    TogglePlay,
    /// Filter by a category (`None`: totals).
    Category(Option<String>),
    /// Outline the panels that show this measure (`None`: none).
    Highlight(Option<String>),
    /// Drill into an alert: its region (if given), and its indicator's trend.
    FocusAlert {
        indicator: String,
        region: Option<Adcode>,
    },
    ToggleFilters,
}

pub struct ViewPlugin;

impl Plugin for ViewPlugin {
    fn build(&self, app: &mut App) {
        app.add_message::<ViewCommand>().add_systems(
            Update,
            (start_at_latest_month.run_if(resource_changed::<CubeStore>), keyboard_commands, play_months, apply_commands)
                .chain()
                .in_set(ViewSystems),
        );
    }
}

/// Once a cube is in, the view shows the month asked for on the command line, or the
/// cube's latest.
fn start_at_latest_month(store: Res<CubeStore>, settings: Res<crate::shared::settings::Settings>, mut view: ResMut<View>) {
    if let Some((_, last)) = store.months {
        view.month = clamp_month(settings.month.unwrap_or(last), store.months);
    }
}

/// Keys of the desktop and of presenter remotes (which send PageUp/PageDown).
fn keyboard_commands(keys: Res<ButtonInput<KeyCode>>, mut commands: MessageWriter<ViewCommand>) {
    let _cost = crate::shared::profile::own_cost("keyboard_commands");
    const DIGITS: [KeyCode; 9] = [
        KeyCode::Digit1,
        KeyCode::Digit2,
        KeyCode::Digit3,
        KeyCode::Digit4,
        KeyCode::Digit5,
        KeyCode::Digit6,
        KeyCode::Digit7,
        KeyCode::Digit8,
        KeyCode::Digit9,
    ];
    for (i, key) in DIGITS.iter().enumerate() {
        if keys.just_pressed(*key) {
            commands.write(ViewCommand::Topic(i));
        }
    }
    let bindings = [
        (KeyCode::Escape, ViewCommand::Up),
        (KeyCode::Backspace, ViewCommand::Up),
        (KeyCode::KeyT, ViewCommand::NextTheme),
        (KeyCode::KeyL, ViewCommand::ToggleLang),
        (KeyCode::ArrowLeft, ViewCommand::StepMonth(-1)),
        (KeyCode::ArrowRight, ViewCommand::StepMonth(1)),
        (KeyCode::Tab, ViewCommand::StepTopic(1)),
        (KeyCode::PageDown, ViewCommand::StepTopic(1)),
        (KeyCode::PageUp, ViewCommand::StepTopic(-1)),
        (KeyCode::Space, ViewCommand::TogglePlay),
        (KeyCode::KeyF, ViewCommand::ToggleFilters),
    ];
    for (key, command) in bindings {
        if keys.just_pressed(key) {
            commands.write(command);
        }
    }
}

/// How long each month shows while playing.
const PLAY_STEP_SECONDS: f32 = 1.2;

/// On the timer clock (see [`Now`]), like the carousel: a still cockpit sleeps between
/// updates.
fn play_months(
    now: Res<Now>,
    view: Res<View>,
    mut step_started: Local<Option<Instant>>,
    mut next: ResMut<NextUpdate>,
    mut commands: MessageWriter<ViewCommand>,
) {
    let _cost = crate::shared::profile::own_cost("play_months");
    if !view.playing {
        *step_started = None;
        return;
    }
    let started = *step_started.get_or_insert(now.0);
    let step = Duration::from_secs_f32(PLAY_STEP_SECONDS);
    if now.0 >= started + step {
        *step_started = Some(now.0);
        commands.write(ViewCommand::StepMonth(1));
    }
    next.within((step_started.unwrap_or(now.0) + step).saturating_duration_since(now.0));
}

fn apply_commands(
    mut commands: MessageReader<ViewCommand>,
    mut view: ResMut<View>,
    scenes: Res<Scenes>,
    themes: Res<Themes>,
    store: Res<CubeStore>,
) {
    let _cost = crate::shared::profile::own_cost("apply_commands");
    for command in commands.read() {
        let next = apply(&view, command.clone(), scenes.0.len(), themes.all.len(), store.months);
        if next != *view {
            *view = next;
        }
    }
}

/// The view after one command; `months` is the cube's first and last month.
pub fn apply(view: &View, command: ViewCommand, topics: usize, themes: usize, months: Option<(Period, Period)>) -> View {
    let tree = RegionTree::shandong();
    let mut next = view.clone();
    let wrap = |i: i32, n: usize| i.rem_euclid(n.max(1) as i32) as usize;
    match command {
        ViewCommand::Select(adcode) if tree.get(adcode).is_some() => next.region = adcode,
        ViewCommand::Select(_) => {}
        ViewCommand::Up => next.region = tree.parent(view.region).map_or(PROVINCE, |p| p.adcode),
        ViewCommand::Topic(i) if i < topics => {
            next.topic = i;
            next.highlight = None;
        }
        ViewCommand::Topic(_) => {}
        ViewCommand::StepTopic(step) => {
            next.topic = wrap(view.topic as i32 + step, topics);
            next.highlight = None;
        }
        ViewCommand::Highlight(measure) => next.highlight = measure,
        ViewCommand::Month(m) => next.month = clamp_month(m, months),
        ViewCommand::StepMonth(step) => {
            let stepped = Period::from_month_index(view.month.month_index() + step);
            next.month = clamp_month(stepped, months);
            // Playing past the last month starts again from the first.
            if view.playing && step > 0 && next.month == view.month {
                if let Some((first, _)) = months {
                    next.month = first;
                }
            }
        }
        ViewCommand::Theme(i) if i < themes => next.theme = i,
        ViewCommand::Theme(_) => {}
        ViewCommand::NextTheme => next.theme = wrap(view.theme as i32 + 1, themes),
        ViewCommand::ToggleLang => next.lang = if view.lang == Lang::Zh { Lang::En } else { Lang::Zh },
        ViewCommand::SetLang(lang) => next.lang = lang,
        ViewCommand::TogglePlay => next.playing = !view.playing,
        ViewCommand::Category(category) => next.category = category.filter(|key| DimKind::from_key(key).is_some()),
        ViewCommand::ToggleFilters => next.filters_open = !view.filters_open,
        ViewCommand::FocusAlert { indicator, region } => {
            if let Some(region) = region.filter(|r| tree.get(*r).is_some()) {
                next.region = region;
            }
            next.indicator = Some(indicator);
        }
    }
    next
}

fn clamp_month(month: Period, months: Option<(Period, Period)>) -> Period {
    match months {
        Some((first, _)) if month.month_index() < first.month_index() => first,
        Some((_, last)) if month.month_index() > last.month_index() => last,
        _ => month,
    }
}

/// Parses `key:value` commands separated by commas: `topic:ID`, `region:ADCODE`,
/// `month:YYYY-MM`, `theme:ID`, `lang:zh|en`, `category:KEY` (e.g. `category:grp:高校毕业生`;
/// `category:` clears it), `filters` (opens or closes the filter panel), `up`,
/// `indicator:ID` (the early-warning indicator the indicator-trend panel shows).
pub fn parse_script(text: &str, scenes: &Scenes, themes: &Themes) -> Result<Vec<ViewCommand>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            let (key, value) = item.split_once(':').unwrap_or((item, ""));
            let bad = || format!("`{item}` is not a view command (topic:ID, region:ADCODE, month:YYYY-MM, theme:ID, lang:zh|en, category:KEY, filters, up, indicator:ID)");
            Ok(match key {
                "topic" => ViewCommand::Topic(scenes.index_of(value).ok_or_else(bad)?),
                "region" => ViewCommand::Select(value.parse().map_err(|_| bad())?),
                "month" => ViewCommand::Month(value.parse().map_err(|_| bad())?),
                "theme" => ViewCommand::Theme(themes.index_of(value).ok_or_else(bad)?),
                "lang" if value == "zh" || value == "en" => ViewCommand::SetLang(if value == "zh" { Lang::Zh } else { Lang::En }),
                "category" if value.is_empty() => ViewCommand::Category(None),
                "category" if DimKind::from_key(value).is_some() => ViewCommand::Category(Some(value.to_string())),
                "filters" => ViewCommand::ToggleFilters,
                "indicator" if !value.is_empty() => ViewCommand::FocusAlert { indicator: value.to_string(), region: None },
                "up" => ViewCommand::Up,
                _ => return Err(bad()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_highlight_lasts_until_the_topic_changes() {
        let lit = apply(&view(), ViewCommand::Highlight(Some("new_urban_jobs".into())), 8, 3, MONTHS);
        assert_eq!(lit.highlight.as_deref(), Some("new_urban_jobs"));
        let moved = apply(&lit, ViewCommand::Select(370100), 8, 3, MONTHS);
        assert_eq!(moved.highlight.as_deref(), Some("new_urban_jobs"), "drilling down keeps it");
        assert_eq!(apply(&lit, ViewCommand::Topic(2), 8, 3, MONTHS).highlight, None);
        assert_eq!(apply(&lit, ViewCommand::StepTopic(1), 8, 3, MONTHS).highlight, None);
    }

    fn view() -> View {
        View {
            topic: 0,
            region: PROVINCE,
            month: Period::month(2025, 6),
            theme: 0,
            lang: Lang::Zh,
            playing: false,
            category: None,
            filters_open: false,
            indicator: None,
            highlight: None,
        }
    }

    const MONTHS: Option<(Period, Period)> = Some((Period::Month { year: 2021, month: 1 }, Period::Month { year: 2025, month: 10 }));

    #[test]
    fn drill_down_and_back_up() {
        let city = apply(&view(), ViewCommand::Select(370200), 7, 3, MONTHS);
        assert_eq!((city.region, city.map_focus()), (370200, 370200));
        let county = apply(&city, ViewCommand::Select(370211), 7, 3, MONTHS);
        assert_eq!((county.region, county.map_focus()), (370211, 370200), "a county is shown inside its city");
        let up = apply(&county, ViewCommand::Up, 7, 3, MONTHS);
        assert_eq!(up.region, 370200);
        let top = apply(&apply(&up, ViewCommand::Up, 7, 3, MONTHS), ViewCommand::Up, 7, 3, MONTHS);
        assert_eq!(top.region, PROVINCE, "Up at the province stays there");
        assert_eq!(apply(&view(), ViewCommand::Select(999999), 7, 3, MONTHS), view(), "unknown adcodes are ignored");
    }

    #[test]
    fn a_category_filter_takes_only_breakdown_keys() {
        let graduates = apply(&view(), ViewCommand::Category(Some("grp:高校毕业生".into())), 7, 3, MONTHS);
        assert_eq!(graduates.category.as_deref(), Some("grp:高校毕业生"));
        assert_eq!(apply(&graduates, ViewCommand::Category(Some("nonsense".into())), 7, 3, MONTHS).category, None, "not a dimension key");
        assert_eq!(apply(&graduates, ViewCommand::Category(None), 7, 3, MONTHS).category, None);
        let themes = Themes::load_dir(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/themes"))).unwrap();
        let scenes = Scenes::load_dir(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../scenes"))).unwrap();
        let script = parse_script("category:ind:C, filters, category:", &scenes, &themes).unwrap();
        assert_eq!(script, vec![ViewCommand::Category(Some("ind:C".into())), ViewCommand::ToggleFilters, ViewCommand::Category(None)]);
        assert!(parse_script("category:xyz", &scenes, &themes).is_err());
    }

    #[test]
    fn topics_themes_and_months_stay_in_range() {
        assert_eq!(apply(&view(), ViewCommand::StepTopic(-1), 7, 3, MONTHS).topic, 6);
        assert_eq!(apply(&view(), ViewCommand::Topic(8), 7, 3, MONTHS).topic, 0, "key 9 with 7 topics does nothing");
        assert_eq!(apply(&view(), ViewCommand::Theme(2), 7, 3, MONTHS).theme, 2);
        let last = apply(&view(), ViewCommand::Month(Period::month(2030, 1)), 7, 3, MONTHS);
        assert_eq!(last.month, Period::month(2025, 10));
        let mut playing = last.clone();
        playing.playing = true;
        assert_eq!(apply(&playing, ViewCommand::StepMonth(1), 7, 3, MONTHS).month, Period::month(2021, 1), "play wraps around");
        assert_eq!(apply(&last, ViewCommand::StepMonth(1), 7, 3, MONTHS).month, Period::month(2025, 10), "stepping does not");
    }
}
