//! Topics (专题) as data: each `scenes/<topic>.ron` names the map's headline measure and
//! the panels around the map. Adding a topic is adding a file; a panel kind that does not
//! exist yet is the only reason to touch code.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use serde::Deserialize;
use szjy_model::catalogue::{self, DimKind, Topic};
use szjy_model::lang::Lang;
use szjy_model::warning::Category;

/// One topic page.
#[derive(Clone, Debug, Deserialize)]
pub struct Scene {
    /// Stable id, used on the command line (`--topic supply_demand`) and in exports.
    pub id: String,
    /// Position in the tab bar, the number keys and the carousel.
    pub order: u32,
    pub title_zh: String,
    pub title_en: String,
    /// Which 数据解读 template speaks for this page.
    pub topic: Topic,
    /// The measure the map colours regions by.
    pub map_measure: String,
    /// How the map's values are read: see [`MapScale`].
    pub map_scale: MapScale,
    /// Panels of the left and right columns, top to bottom (the desktop's page).
    pub left: Vec<Panel>,
    pub right: Vec<Panel>,
    /// The wall's page: fewer, larger elements, read from across a room.
    pub wall: WallScene,
}

/// A topic on the wall: headline figures over the map and the panels beside it. The
/// interpretation is the caption under the map, not a panel.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct WallScene {
    pub hero: Vec<Hero>,
    pub left: Vec<Panel>,
    pub right: Vec<Panel>,
}

/// A headline figure.
#[derive(Clone, Debug, Deserialize)]
pub struct Hero {
    pub measure: String,
    /// Shown for the year so far (累计) rather than the month.
    #[serde(default)]
    pub year_to_date: bool,
    /// The measure holding the figure's progress towards its yearly target (percent),
    /// drawn against the share of the year gone.
    #[serde(default)]
    pub progress: Option<String>,
    /// The wall spells out the measure's definition (its 口径) in a footnote, for a
    /// figure whose name promises more than it is; the desk shows it on hover.
    #[serde(default)]
    pub define: bool,
}

/// How the map turns values into colours (the classes: `map_classes`).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq, serde::Serialize)]
pub enum MapScale {
    /// More is neither good nor bad, or a count that mostly says how big a region is:
    /// rounded quantile classes on the theme's one-hue ramp.
    #[default]
    Sequential,
    /// Better or worse than a meaningful centre (the measure must have a direction in the
    /// catalogue): two classes each side, the bad side in the same colours for every
    /// measure.
    Diverging(Centre),
    /// Alert levels (0 calm, 1 黄, 2 橙, 3 红, as `warning_level` holds them) in the
    /// theme's alert colours.
    AlertLevels,
}

/// What a diverging map is read against.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, serde::Serialize)]
pub enum Centre {
    /// The region the map is in (the province for its cities, a city for its counties).
    Parent,
    /// Zero: gains against losses.
    Zero,
    /// The share of the year gone (序时进度), for progress against a yearly budget or
    /// target.
    YearElapsed,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Panel {
    pub title_zh: String,
    pub title_en: String,
    /// Share of the column's height, relative to the other panels in it.
    #[serde(default = "one")]
    pub weight: f32,
    pub kind: PanelKind,
}

fn one() -> f32 {
    1.0
}

#[derive(Clone, Debug, Deserialize)]
pub enum PanelKind {
    /// Headline numbers with month-on-month and year-on-year change.
    Kpi { measures: Vec<String> },
    /// Monthly trend lines over the last `months` months.
    Trend { measures: Vec<String>, months: u32 },
    /// Ranked bars: the current region's children, or its breakdown by a dimension; the
    /// `top` largest and the `bottom` smallest (default none), a selected county always.
    Ranking {
        measure: String,
        by: RankBy,
        top: usize,
        #[serde(default)]
        bottom: usize,
    },
    /// A table of the current region's children × measures.
    Table { measures: Vec<String> },
    /// 最缺工排行 in MOHRSS's manner, the `top` occupations (`szjy_model::shortage_list`).
    ShortageList { top: usize },
    /// 数据解读 for the view, written from the cube.
    Interpretation,
    /// Alerts within the current region of these indicator families (all if empty), most
    /// severe first; a click drills into one.
    Alerts { categories: Vec<Category> },
    /// The early-warning indicator drilled into (or the region's most severe one) over the
    /// last `months` months, with its yellow / orange / red lines.
    IndicatorTrend { months: u32 },
    /// The support measures (就业帮扶) the region's alerts push, by key group.
    Support,
    /// Service zones of the current region and their standing against the targets.
    Zones,
    /// The policy evaluation: estimated effect and its interval.
    Policy,
    /// The policy's effect by months since adoption, with the pre-trend test.
    EventStudy,
    /// The outcome of the units the policy reached and of those it did not.
    PolicyTrends,
}

impl PanelKind {
    /// Whether the panel holds a list that may page itself on the wall.
    pub fn lists(&self) -> bool {
        matches!(
            self,
            PanelKind::Ranking { .. }
                | PanelKind::Table { .. }
                | PanelKind::ShortageList { .. }
                | PanelKind::Alerts { .. }
                | PanelKind::Support
                | PanelKind::Zones
                | PanelKind::Policy
        )
    }

    /// The cube measures the panel shows.
    pub fn measures(&self) -> Vec<&str> {
        match self {
            PanelKind::Kpi { measures } | PanelKind::Trend { measures, .. } | PanelKind::Table { measures } => {
                measures.iter().map(String::as_str).collect()
            }
            PanelKind::Ranking { measure, .. } => vec![measure],
            PanelKind::ShortageList { .. } => vec!["shortage_gap"],
            PanelKind::Interpretation
            | PanelKind::Alerts { .. }
            | PanelKind::IndicatorTrend { .. }
            | PanelKind::Support
            | PanelKind::Zones
            | PanelKind::Policy
            | PanelKind::EventStudy
            | PanelKind::PolicyTrends => Vec::new(),
        }
    }
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
pub enum RankBy {
    /// The cities of the province, or the counties of a city.
    Children,
    /// Categories of a dimension (published for the province and cities).
    Dimension(DimKind),
}

impl Scene {
    pub fn title(&self, lang: Lang) -> &str {
        lang.pick(&self.title_zh, &self.title_en)
    }

    pub fn panels(&self) -> impl Iterator<Item = &Panel> {
        self.left.iter().chain(&self.right)
    }

    /// The panels of a layout: the wall's or the desktop's, left then right.
    pub fn columns(&self, wall: bool) -> (&[Panel], &[Panel]) {
        if wall {
            (&self.wall.left, &self.wall.right)
        } else {
            (&self.left, &self.right)
        }
    }

    /// The measure ids the scene names: the map's first, then the panels' in order (the
    /// desktop's, then the wall's), each once.
    pub fn measure_ids(&self) -> Vec<&str> {
        let mut ids = vec![self.map_measure.as_str()];
        for panel in self.panels().chain(&self.wall.left).chain(&self.wall.right) {
            ids.extend(panel.kind.measures());
        }
        for hero in &self.wall.hero {
            ids.push(&hero.measure);
            ids.extend(hero.progress.as_deref());
        }
        let mut seen = std::collections::HashSet::new();
        ids.retain(|id| seen.insert(*id));
        ids
    }

    /// Every measure id the scene names must be in the catalogue, and a diverging map's
    /// measure must say which way is better.
    fn check(&self, origin: &Path) -> Result<(), SceneError> {
        if let Some(unknown) = self.measure_ids().into_iter().find(|id| catalogue::measure(id).is_none()) {
            return Err(SceneError::UnknownMeasure { path: origin.to_path_buf(), measure: unknown.to_string() });
        }
        let neutral = catalogue::measure(&self.map_measure).is_some_and(|d| d.direction == catalogue::Direction::Neutral);
        if matches!(self.map_scale, MapScale::Diverging(_)) && neutral {
            return Err(SceneError::DivergingNeutral { path: origin.to_path_buf(), measure: self.map_measure.clone() });
        }
        Ok(())
    }
}

impl Panel {
    pub fn title(&self, lang: Lang) -> &str {
        lang.pick(&self.title_zh, &self.title_en)
    }
}

#[derive(Debug)]
pub enum SceneError {
    Read { path: PathBuf, message: String },
    Parse { path: PathBuf, message: String },
    UnknownMeasure { path: PathBuf, measure: String },
    DivergingNeutral { path: PathBuf, measure: String },
    Empty { dir: PathBuf },
}

impl std::fmt::Display for SceneError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SceneError::Read { path, message } => write!(f, "{}: cannot read: {message}", path.display()),
            SceneError::Parse { path, message } => write!(f, "{}: {message}", path.display()),
            SceneError::UnknownMeasure { path, measure } => {
                write!(f, "{}: measure `{measure}` is not in the catalogue (szjy_model::catalogue)", path.display())
            }
            SceneError::DivergingNeutral { path, measure } => write!(
                f,
                "{}: map_scale Diverging needs a measure that says which way is better; `{measure}` is Neutral in the catalogue (use Sequential)",
                path.display()
            ),
            SceneError::Empty { dir } => write!(f, "{}: no scene files (*.ron)", dir.display()),
        }
    }
}

impl std::error::Error for SceneError {}

/// All topics, in tab order.
#[derive(Resource, Clone, Debug)]
pub struct Scenes(pub Vec<Scene>);

impl Scenes {
    /// Parses one scene file's text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &Path) -> Result<Scene, SceneError> {
        let scene: Scene = ron::from_str(text).map_err(|e| SceneError::Parse { path: origin.to_path_buf(), message: e.to_string() })?;
        scene.check(origin)?;
        Ok(scene)
    }

    /// Every `*.ron` file of a folder.
    pub fn load_dir(dir: &Path) -> Result<Scenes, SceneError> {
        let entries = std::fs::read_dir(dir).map_err(|e| SceneError::Read { path: dir.to_path_buf(), message: e.to_string() })?;
        let mut paths: Vec<PathBuf> =
            entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "ron")).collect();
        paths.sort();
        let mut sources = Vec::new();
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|e| SceneError::Read { path: path.clone(), message: e.to_string() })?;
            sources.push((path, text));
        }
        if sources.is_empty() {
            return Err(SceneError::Empty { dir: dir.to_path_buf() });
        }
        Self::parse_all(sources.iter().map(|(path, text)| (path.as_path(), text.as_str())))
    }

    /// Scene files compiled in ([`crate::embedded::SCENES`]): `(name, text)` pairs.
    pub fn from_sources(sources: &[(&str, &str)]) -> Result<Scenes, SceneError> {
        Self::parse_all(sources.iter().map(|(name, text)| (Path::new(*name), *text)))
    }

    fn parse_all<'a>(sources: impl Iterator<Item = (&'a Path, &'a str)>) -> Result<Scenes, SceneError> {
        let mut scenes = sources.map(|(path, text)| Self::parse(text, path)).collect::<Result<Vec<_>, _>>()?;
        if scenes.is_empty() {
            return Err(SceneError::Empty { dir: PathBuf::from("(compiled in)") });
        }
        scenes.sort_by(|a, b| (a.order, &a.id).cmp(&(b.order, &b.id)));
        Ok(Scenes(scenes))
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.0.iter().position(|s| s.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenes_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenes")
    }

    #[test]
    fn the_compiled_in_scenes_and_themes_are_the_folders() {
        // The browser build reads what build.rs compiled in: it must be every file.
        let ids = |scenes: &Scenes| scenes.0.iter().map(|s| s.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&Scenes::from_sources(crate::embedded::SCENES).unwrap()), ids(&Scenes::load_dir(&scenes_dir()).unwrap()));
        let themes_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/themes");
        let theme_ids = |themes: &crate::shared::theme::Themes| themes.all.iter().map(|t| t.id.clone()).collect::<Vec<_>>();
        assert_eq!(
            theme_ids(&crate::shared::theme::Themes::from_sources(crate::embedded::THEMES).unwrap()),
            theme_ids(&crate::shared::theme::Themes::load_dir(&themes_dir).unwrap())
        );
    }

    #[test]
    fn the_shipped_scenes_load_and_cover_the_required_topics() {
        let scenes = Scenes::load_dir(&scenes_dir()).expect("scenes load");
        for required in ["overview", "supply_demand", "shortage", "subsidy", "enterprise", "service_zones", "alerts"] {
            assert!(scenes.index_of(required).is_some(), "scene {required} is missing");
        }
        let orders: Vec<u32> = scenes.0.iter().map(|s| s.order).collect();
        let mut unique = orders.clone();
        unique.dedup();
        assert_eq!(orders, unique, "two scenes share a tab position");
    }

    #[test]
    fn an_unknown_measure_is_an_error_naming_file_and_measure() {
        let text = r#"(id: "x", order: 1, title_zh: "x", title_en: "x", topic: overview, map_measure: "no_such_measure", map_scale: Sequential, left: [], right: [], wall: (hero: [], left: [], right: []))"#;
        let err = Scenes::parse(text, Path::new("scenes/x.ron")).unwrap_err().to_string();
        assert!(err.contains("scenes/x.ron") && err.contains("no_such_measure"), "{err}");
    }

    #[test]
    fn a_syntax_error_names_the_file_and_position() {
        let err = Scenes::parse("(id: \"x\", order: ", Path::new("scenes/broken.ron")).unwrap_err().to_string();
        assert!(err.contains("scenes/broken.ron") && err.contains("1:"), "{err}");
    }
}
