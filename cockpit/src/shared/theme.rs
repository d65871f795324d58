//! Visual themes as data (`assets/themes/<name>.ron`): every colour the cockpit paints
//! comes from the active theme, so switching at run time leaves nothing stale.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use bevy_egui::egui;
use serde::Deserialize;
use szjy_model::alert::AlertLevel;

use crate::shared::map_classes::{Paint, DIVERGING_STEPS};

#[derive(Clone, Debug, Deserialize)]
pub struct Theme {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    /// Whether egui starts from its dark or light visuals.
    pub dark: bool,
    pub background: Hex,
    pub panel: Hex,
    pub panel_border: Hex,
    pub text: Hex,
    pub text_muted: Hex,
    pub accent: Hex,
    /// Regions with no value (or a suppressed one).
    pub no_data: Hex,
    /// Regions outside the current drill-down.
    pub context: Hex,
    pub border_county: Hex,
    pub border_city: Hex,
    pub highlight: Hex,
    /// Map classes of a measure read without good or bad, from least to most: one hue,
    /// luminance in order (colour-blind safe), no alert hue.
    pub sequential: Vec<Hex>,
    /// Map classes around a centre, from the bad end: much worse, worse, better, much
    /// better. Two hues that colour-blind readers tell apart, neither an alert hue.
    pub diverging: Vec<Hex>,
    /// Good and bad news (changes, targets met or missed).
    pub good: Hex,
    pub bad: Hex,
    /// Alert levels 黄 / 橙 / 红.
    pub alert_yellow: Hex,
    pub alert_orange: Hex,
    pub alert_red: Hex,
    /// Chart series, in order.
    pub series: Vec<Hex>,
    /// Text sizes (points) in the desktop layout; the wall has its own ([`TypeScale::WALL`]).
    pub text_size: f32,
    pub heading_size: f32,
    pub kpi_size: f32,
}

/// An `#rrggbb` colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hex(pub [u8; 3]);

impl<'de> Deserialize<'de> for Hex {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Hex::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not a colour #rrggbb")))
    }
}

impl Hex {
    pub fn parse(text: &str) -> Option<Hex> {
        let digits = text.strip_prefix('#')?;
        if digits.len() != 6 {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(&digits[i..i + 2], 16).ok();
        Some(Hex([byte(0)?, byte(2)?, byte(4)?]))
    }

    pub fn egui(self) -> egui::Color32 {
        egui::Color32::from_rgb(self.0[0], self.0[1], self.0[2])
    }

    /// WCAG relative luminance, 0 (black) to 1 (white).
    pub fn luminance(self) -> f64 {
        let lin = |v: u8| {
            let s = v as f64 / 255.0;
            if s <= 0.04045 {
                s / 12.92
            } else {
                ((s + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(self.0[0]) + 0.7152 * lin(self.0[1]) + 0.0722 * lin(self.0[2])
    }

    /// Whether dark text reads better than light text on this colour (above the luminance
    /// where black and white text have equal contrast).
    pub fn is_light(self) -> bool {
        self.luminance() > 0.179
    }

    pub fn bevy(self) -> Color {
        Color::srgb_u8(self.0[0], self.0[1], self.0[2])
    }
}

impl Theme {
    /// The text sizes of a layout: the wall's own, or the desktop's from the theme.
    pub fn sizes(&self, wall: bool) -> TypeScale {
        if wall {
            TypeScale::WALL
        } else {
            TypeScale::desk(self)
        }
    }

    /// A map class's fill.
    pub fn paint(&self, paint: Paint) -> Hex {
        match paint {
            Paint::Sequential(step) => self.sequential[step.min(self.sequential.len() - 1)],
            Paint::Diverging(step) => self.diverging[step.min(DIVERGING_STEPS - 1)],
            Paint::Alert(level) => self.alert_scale_colour(level),
        }
    }

    /// An alert level's colour: 黄, 橙, 红.
    pub fn alert_colour(&self, level: AlertLevel) -> Hex {
        match level {
            AlertLevel::Yellow => self.alert_yellow,
            AlertLevel::Orange => self.alert_orange,
            AlertLevel::Red => self.alert_red,
        }
    }

    /// A class of the alert-level map scale: calm, then yellow, orange, red.
    pub fn alert_scale_colour(&self, class: usize) -> Hex {
        match class {
            0 => self.good,
            1 => self.alert_colour(AlertLevel::Yellow),
            2 => self.alert_colour(AlertLevel::Orange),
            _ => self.alert_colour(AlertLevel::Red),
        }
    }
}

/// Text sizes, in egui points, of one layout: what every panel sizes its text by.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TypeScale {
    /// Body text: sentences, list rows, table cells, legends.
    pub body: f32,
    /// Secondary lines: periods, changes, captions under a heading.
    pub small: f32,
    /// Panel titles.
    pub heading: f32,
    /// Headline numbers.
    pub key: f32,
    /// Chart axes and ticks.
    pub axis: f32,
    /// Region names and values on the map.
    pub map_label: f32,
}

impl TypeScale {
    /// The wall's sizes at its design height (1080 points, scaled to the wall's pixels),
    /// chosen to be read from 3–5 m (docs/cockpit.md gives their physical heights).
    pub const WALL: TypeScale = TypeScale { body: 22.0, small: 20.0, heading: 26.0, key: 56.0, axis: 16.0, map_label: 20.0 };

    /// A desktop's sizes, from the theme.
    pub fn desk(theme: &Theme) -> TypeScale {
        TypeScale {
            body: theme.text_size,
            small: theme.text_size * 0.8,
            heading: theme.heading_size,
            key: theme.kpi_size,
            axis: theme.text_size * 0.75,
            map_label: theme.text_size * 0.85,
        }
    }
}

/// All themes, and which is active.
#[derive(Resource, Clone, Debug)]
pub struct Themes {
    pub all: Vec<Theme>,
}

impl Themes {
    /// Every `*.ron` file of a folder.
    pub fn load_dir(dir: &Path) -> Result<Themes, String> {
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: cannot read: {e}", dir.display()))?;
        let mut paths: Vec<PathBuf> =
            entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "ron")).collect();
        paths.sort();
        let mut sources = Vec::new();
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
            sources.push((path.display().to_string(), text));
        }
        if sources.is_empty() {
            return Err(format!("{}: no theme files (*.ron)", dir.display()));
        }
        Self::from_sources(&sources.iter().map(|(name, text)| (name.as_str(), text.as_str())).collect::<Vec<_>>())
    }

    /// Theme files as `(name, text)` pairs (a folder's, or [`crate::embedded::THEMES`]).
    pub fn from_sources(sources: &[(&str, &str)]) -> Result<Themes, String> {
        let mut all = Vec::new();
        for (name, text) in sources {
            let theme: Theme = ron::from_str(text).map_err(|e| format!("{name}: {e}"))?;
            if theme.sequential.len() < 3 || theme.diverging.len() != DIVERGING_STEPS || theme.series.is_empty() {
                return Err(format!(
                    "{name}: a theme needs at least 3 sequential colours, {DIVERGING_STEPS} diverging colours and 1 series colour"
                ));
            }
            all.push(theme);
        }
        if all.is_empty() {
            return Err("no theme files (*.ron)".into());
        }
        Ok(Themes { all })
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.all.iter().position(|t| t.id == id)
    }
}

/// egui's look for a theme: panels, text and widgets in the theme's colours.
pub fn egui_style(theme: &Theme, sizes: &TypeScale, style: &mut egui::Style) {
    let mut visuals = if theme.dark { egui::Visuals::dark() } else { egui::Visuals::light() };
    visuals.override_text_color = Some(theme.text.egui());
    visuals.panel_fill = theme.panel.egui();
    visuals.window_fill = theme.panel.egui();
    visuals.extreme_bg_color = theme.background.egui();
    visuals.faint_bg_color = theme.background.egui();
    visuals.window_stroke = egui::Stroke::new(1.0, theme.panel_border.egui());
    visuals.selection.bg_fill = theme.accent.egui();
    visuals.hyperlink_color = theme.accent.egui();
    visuals.widgets.noninteractive.bg_stroke = egui::Stroke::new(1.0, theme.panel_border.egui());
    visuals.widgets.noninteractive.fg_stroke = egui::Stroke::new(1.0, theme.text.egui());
    visuals.widgets.inactive.fg_stroke = egui::Stroke::new(1.0, theme.text.egui());
    visuals.widgets.active.bg_fill = theme.accent.egui();
    style.visuals = visuals;
    use egui::{FontFamily, FontId, TextStyle};
    style.text_styles = [
        (TextStyle::Small, FontId::new(sizes.small, FontFamily::Proportional)),
        (TextStyle::Body, FontId::new(sizes.body, FontFamily::Proportional)),
        (TextStyle::Button, FontId::new(sizes.body, FontFamily::Proportional)),
        (TextStyle::Heading, FontId::new(sizes.heading, FontFamily::Proportional)),
        (TextStyle::Monospace, FontId::new(sizes.body, FontFamily::Monospace)),
    ]
    .into();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contrast(a: Hex, b: Hex) -> f64 {
        let (l1, l2) = (a.luminance(), b.luminance());
        (l1.max(l2) + 0.05) / (l1.min(l2) + 0.05)
    }

    #[test]
    fn shipped_themes_load_with_readable_text_and_ordered_ramps() {
        let themes = Themes::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/themes")).expect("themes load");
        assert!(themes.all.len() >= 3, "at least three themes");
        for t in &themes.all {
            // WCAG AA for body text on panels; the high-contrast theme must reach AAA.
            let needed = if t.id == "high-contrast" { 7.0 } else { 4.5 };
            assert!(contrast(t.text, t.panel) >= needed, "{}: text contrast {:.1}", t.id, contrast(t.text, t.panel));
            // A sequential ramp must read in order even without hue: luminance strictly
            // monotonic (what makes one-hue ramps safe for colour-blind readers).
            let l: Vec<f64> = t.sequential.iter().map(|c| c.luminance()).collect();
            let rising = l.windows(2).all(|w| w[1] > w[0]);
            let falling = l.windows(2).all(|w| w[1] < w[0]);
            assert!(rising || falling, "{}: ramp luminance is not monotonic: {l:?}", t.id);
            // Diverging: each side's strong step stands further from the mild ones in
            // luminance, so the two sides read without hue too.
            let d: Vec<f64> = t.diverging.iter().map(|c| c.luminance()).collect();
            let apart = |a: f64, b: f64| (a - b).abs() > 0.08;
            assert!(apart(d[0], d[1]) && apart(d[3], d[2]), "{}: diverging luminance {d:?}", t.id);
            // Map colours keep clear of the alert hues, which mean alert levels only.
            let alerts = [t.alert_yellow, t.alert_orange, t.alert_red];
            for c in t.sequential.iter().chain(&t.diverging) {
                for a in alerts {
                    if let (Some(h), Some(ha)) = (hue(*c), hue(a)) {
                        let gap = (h - ha).abs().min(360.0 - (h - ha).abs());
                        assert!(gap > 40.0, "{}: map colour {c:?} (hue {h:.0}) is too near alert {a:?} (hue {ha:.0})", t.id);
                    }
                }
            }
        }
    }

    /// Hue in degrees, or none for greys.
    fn hue(c: Hex) -> Option<f64> {
        let [r, g, b] = c.0.map(|v| v as f64 / 255.0);
        let (max, min) = (r.max(g).max(b), r.min(g).min(b));
        if max - min < 0.12 {
            return None;
        }
        let h = if max == r {
            60.0 * ((g - b) / (max - min)).rem_euclid(6.0)
        } else if max == g {
            60.0 * ((b - r) / (max - min) + 2.0)
        } else {
            60.0 * ((r - g) / (max - min) + 4.0)
        };
        Some(h)
    }

    #[test]
    fn colours_parse_strictly() {
        assert_eq!(Hex::parse("#0a1B2c"), Some(Hex([10, 27, 44])));
        assert_eq!(Hex::parse("0a1b2c"), None);
        assert_eq!(Hex::parse("#0a1b2"), None);
        assert_eq!(Hex::parse("#zz1b2c"), None);
    }
}
