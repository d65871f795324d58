//! How the map's values become classes and colours, and the words that describe them.
//!
//! The scene says how a measure is read ([`MapScale`]): sequential where more is neither
//! good nor bad (or where a count mostly says how big a region is), diverging around a
//! meaningful centre where the catalogue gives the measure a direction, alert levels for
//! the warning model. Breaks are round numbers; a diverging map's bad side is always the
//! same colours whichever way the measure points, and no class uses the alert colours.
//! The legend, the map's labels, the caption sentence and the tests all read
//! [`Classes`], so words and colours cannot disagree.

use szjy_model::catalogue::{self, Direction};
use szjy_model::lang::Lang;

use crate::shared::scene::{Centre, MapScale};

/// How a class is painted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "step")]
pub enum Paint {
    /// A step of the theme's one-hue ramp (0 = least).
    Sequential(usize),
    /// A step of the theme's diverging ramp, from the bad end: 0 much worse than the
    /// centre, 1 worse, 2 better, 3 much better.
    Diverging(usize),
    /// 0 calm, 1 yellow, 2 orange, 3 red.
    Alert(usize),
}

/// Steps of the diverging ramp.
pub const DIVERGING_STEPS: usize = 4;

impl Paint {
    /// Whether the class says "worse than the centre" (or an alert is on).
    pub fn is_bad(self) -> bool {
        match self {
            Paint::Sequential(_) => false,
            Paint::Diverging(step) => step < DIVERGING_STEPS / 2,
            Paint::Alert(level) => level > 0,
        }
    }
}

/// The centre of a diverging map: what it is and its value.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CentreValue {
    pub centre: Centre,
    pub value: f64,
    /// The region the map is in, for [`Centre::Parent`] ("山东省").
    pub place: String,
}

/// The classes of one map: breaks (a class holds values from its lower break up to, not
/// including, its upper one) and each class's paint.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Classes {
    pub breaks: Vec<f64>,
    pub paints: Vec<Paint>,
    /// A diverging map's centre and its step (the width of the classes beside it).
    pub centre: Option<CentreValue>,
    pub step: Option<f64>,
    /// Decimals the breaks need.
    pub decimals: usize,
}

impl Classes {
    /// Classes for `values` of `measure` read as `scale` says. `centre` is the centre's
    /// value where the scale is diverging; `ramp_len` the theme's sequential steps.
    pub fn of(measure: &str, scale: MapScale, values: &[f64], centre: Option<CentreValue>, ramp_len: usize) -> Classes {
        let def = catalogue::measure(measure);
        let finest = 10f64.powi(-(def.map_or(0, |d| d.decimals) as i32));
        match (scale, centre) {
            (MapScale::AlertLevels, _) => {
                Classes { breaks: vec![1.0, 2.0, 3.0], paints: (0..4).map(Paint::Alert).collect(), ..Default::default() }
            }
            (MapScale::Diverging(_), Some(centre)) => {
                let lower_is_better = def.is_some_and(|d| d.direction == Direction::LowerIsBetter);
                diverging(values, centre, finest, lower_is_better)
            }
            _ => sequential(values, finest, ramp_len),
        }
    }

    /// The class a value falls in.
    pub fn class_of(&self, value: f64) -> usize {
        self.breaks.iter().take_while(|&&b| value >= b).count()
    }

    pub fn paint_of(&self, value: f64) -> Paint {
        self.paints[self.class_of(value).min(self.paints.len().saturating_sub(1))]
    }

    pub fn len(&self) -> usize {
        self.paints.len()
    }

    pub fn is_empty(&self) -> bool {
        self.paints.is_empty()
    }

    /// A class's legend entry. Diverging classes are told against their centre in words
    /// ("高0.2以内"), so no entry is a pair of negative numbers.
    pub fn label(&self, class: usize, lang: Lang) -> String {
        let number = |v: f64| format_break(v, self.decimals, lang);
        if let Paint::Alert(level) = self.paints[class] {
            return crate::shared::text::text(lang, ["calm", "level_yellow", "level_orange", "level_red"][level.min(3)]).to_string();
        }
        if let (Some(centre), Some(step)) = (&self.centre, self.step) {
            let (below, above) = centre.centre.words(lang);
            let step = number(step);
            let (side, far) = match class {
                0 => (below, true),
                1 => (below, false),
                2 => (above, false),
                _ => (above, true),
            };
            return match (lang, far) {
                (Lang::Zh, true) => format!("{side}{step}以上"),
                (Lang::Zh, false) => format!("{side}{step}以内"),
                (Lang::En, true) => format!("{step}+ {side}"),
                (Lang::En, false) => format!("0–{step} {side}"),
            };
        }
        let (lower, upper) = (class.checked_sub(1).map(|i| self.breaks[i]), self.breaks.get(class).copied());
        match (lower, upper) {
            (None, Some(u)) => format!("< {}", number(u)),
            // A dash between negative numbers reads as a minus: words then.
            (Some(l), Some(u)) if l < 0.0 || u < 0.0 => format!("{}{}{}", number(l), lang.pick("～", " to "), number(u)),
            (Some(l), Some(u)) => format!("{}–{}", number(l), number(u)),
            (Some(l), None) => format!("≥ {}", number(l)),
            (None, None) => crate::shared::text::text(lang, "all_values").to_string(),
        }
    }

    /// What the legend's title adds: the centre a diverging map is read against and the
    /// unit of its steps ("与山东省1.01%比，百分点").
    pub fn centre_note(&self, measure: &str, lang: Lang) -> Option<String> {
        let centre = self.centre.as_ref()?;
        let unit = catalogue::measure(measure).map_or("", |d| d.unit(lang));
        let step_unit = if unit == "%" { lang.pick("百分点", "pp") } else { unit };
        let value = szjy_model::interpret::format_value(measure, centre.value, lang);
        let against = match centre.centre {
            Centre::Parent => lang.pick(format!("与{}（{value}）比", centre.place), format!("vs {} ({value})", centre.place)),
            Centre::YearElapsed => lang.pick(format!("与序时进度（{value}）比"), format!("vs year elapsed ({value})")),
            // The title gives the unit; zero needs no introduction.
            Centre::Zero => return None,
        };
        Some(if step_unit.is_empty() { against } else { lang.pick(format!("{against}，{step_unit}"), format!("{against}, {step_unit}")) })
    }
}

/// One region on the map, as the caption describes it.
pub struct Shown<'a> {
    pub name: &'a str,
    pub value: f64,
}

impl Classes {
    /// One sentence that says what the colours say, in the same classes: how many regions
    /// are on the bad side and which are far out (diverging), how many are at each alert
    /// level, or where the highest and lowest are (sequential). `counties` says what the
    /// regions are.
    pub fn describe(&self, measure: &str, shown: &[Shown], counties: bool, lang: Lang) -> Option<String> {
        let def = catalogue::measure(measure)?;
        let n = shown.len();
        if n == 0 {
            return None;
        }
        let kind = match (lang, counties) {
            (Lang::Zh, false) => "市",
            (Lang::Zh, true) => "县（市、区）",
            (Lang::En, false) => "cities",
            (Lang::En, true) => "counties",
        };
        let name = def.name(lang);
        let names = |picked: Vec<&Shown>| picked.iter().map(|s| s.name).collect::<Vec<_>>().join(lang.pick("、", ", "));
        if self.paints.iter().all(|p| matches!(p, Paint::Alert(_))) {
            let at = |level: usize| shown.iter().filter(|s| self.paint_of(s.value) == Paint::Alert(level)).count();
            let on: usize = (1..=3).map(at).sum();
            if on == 0 {
                return Some(lang.pick(format!("{n}个{kind}均无预警。"), format!("No alert in any of the {n} {kind}.")));
            }
            let levels: Vec<String> = [(3, "红色", "red"), (2, "橙色", "orange"), (1, "黄色", "yellow")]
                .iter()
                .filter(|(level, ..)| at(*level) > 0)
                .map(|(level, zh, en)| lang.pick(format!("{zh}{}个", at(*level)), format!("{} {en}", at(*level))))
                .collect();
            return Some(lang.pick(
                format!("{n}个{kind}中{on}个有预警：{}。", levels.join("、")),
                format!("Alerts in {on} of {n} {kind}: {}.", levels.join(", ")),
            ));
        }
        if let (Some(centre), Some(step)) = (&self.centre, self.step) {
            let lower_is_better = def.direction == Direction::LowerIsBetter;
            let value = szjy_model::interpret::format_value(measure, centre.value, lang);
            let place = &centre.place;
            let (below, above) = match centre.centre {
                Centre::Parent => lang.pick(
                    (format!("低于{place}（{value}）"), format!("高于{place}（{value}）")),
                    (format!("below {place} ({value})"), format!("above {place} ({value})")),
                ),
                Centre::Zero => lang.pick(("为负".to_string(), "为正".to_string()), ("below zero".to_string(), "above zero".to_string())),
                Centre::YearElapsed => lang.pick(
                    (format!("落后于序时进度（{value}）"), format!("快于序时进度（{value}）")),
                    (format!("behind the year elapsed ({value})"), format!("ahead of the year elapsed ({value})")),
                ),
            };
            let bad_side = if lower_is_better { above } else { below };
            let bad: Vec<&Shown> = shown.iter().filter(|s| self.paint_of(s.value).is_bad()).collect();
            let far: Vec<&Shown> = bad.iter().copied().filter(|s| self.paint_of(s.value) == Paint::Diverging(0)).collect();
            let k = bad.len();
            if k == 0 {
                return Some(
                    lang.pick(format!("{n}个{kind}{name}均未{bad_side}。"), format!("{name} {bad_side} in none of the {n} {kind}.")),
                );
            }
            let unit = def.unit(lang);
            let step_unit = if unit == "%" {
                lang.pick("个百分点", " pp")
            } else if lang == Lang::En && !unit.is_empty() {
                ""
            } else {
                unit
            };
            let step = format!("{}{step_unit}", format_break(step, self.decimals, lang));
            let (far_zh, far_en) = match (centre.centre, lower_is_better) {
                (Centre::Parent, true) => ("高", "above"),
                (Centre::Parent, false) => ("低", "below"),
                (Centre::Zero, true) => ("增加", "above zero"),
                (Centre::Zero, false) => ("减少", "below zero"),
                (Centre::YearElapsed, true) => ("超前", "ahead"),
                (Centre::YearElapsed, false) => ("落后", "behind"),
            };
            let far_part = if far.is_empty() {
                String::new()
            } else {
                lang.pick(
                    format!("，其中{far_zh}{step}以上：{}", names(far.clone())),
                    format!("; more than {step} {far_en} in {}", names(far.clone())),
                )
            };
            return Some(lang.pick(
                format!("{n}个{kind}中{k}个{name}{bad_side}{far_part}。"),
                format!("{name} {bad_side} in {k} of {n} {kind}{far_part}."),
            ));
        }
        let top = shown.iter().max_by(|a, b| a.value.total_cmp(&b.value))?;
        let bottom = shown.iter().min_by(|a, b| a.value.total_cmp(&b.value))?;
        let v = |s: &Shown| szjy_model::interpret::format_value(measure, s.value, lang);
        Some(lang.pick(
            format!("{name}{}最高（{}），{}最低（{}）。", top.name, v(top), bottom.name, v(bottom)),
            format!("{name}: highest in {} ({}), lowest in {} ({}).", top.name, v(top), bottom.name, v(bottom)),
        ))
    }
}

impl Centre {
    /// Words for the two sides: below the centre, above it.
    pub fn words(&self, lang: Lang) -> (&'static str, &'static str) {
        match self {
            Centre::Parent => lang.pick(("低", "高"), ("below", "above")),
            Centre::Zero => lang.pick(("减少", "增加"), ("down", "up")),
            Centre::YearElapsed => lang.pick(("落后", "超前"), ("behind", "ahead")),
        }
    }
}

/// Two classes each side of the centre, `step` wide beside it: the step is the round
/// number (1, 2 or 5 × 10ⁿ, and no finer than the measure's decimals) that puts the
/// farthest value within two steps.
fn diverging(values: &[f64], centre: CentreValue, finest: f64, lower_is_better: bool) -> Classes {
    let c = centre.value;
    let farthest = values.iter().map(|v| (v - c).abs()).fold(0.0, f64::max);
    let step = nice_ceil((farthest / 2.0).max(finest));
    let mut paints: Vec<Paint> = (0..DIVERGING_STEPS).map(Paint::Diverging).collect();
    if lower_is_better {
        paints.reverse();
    }
    Classes { breaks: vec![c - step, c, c + step], paints, decimals: decimals_of(step), step: Some(step), centre: Some(centre) }
}

/// Up to `ramp_len` classes from quantiles of the values, each break rounded to a round
/// number near a tenth of the range (so "1.10–1.15", not "1.113–1.147"), and spread over
/// the whole ramp.
fn sequential(values: &[f64], finest: f64, ramp_len: usize) -> Classes {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let (Some(&lo), Some(&hi)) = (sorted.first(), sorted.last()) else {
        return Classes { paints: vec![Paint::Sequential(ramp_len / 2)], ..Default::default() };
    };
    let unit = nice_round(((hi - lo) / 10.0).max(finest));
    let mut breaks: Vec<f64> = Vec::new();
    for i in 1..ramp_len {
        let at = sorted[(i * sorted.len() / ramp_len).min(sorted.len() - 1)];
        let rounded = (at / unit).round() * unit;
        if rounded > lo && rounded <= hi && breaks.last().is_none_or(|&b| rounded > b + unit / 2.0) {
            breaks.push(rounded);
        }
    }
    let classes = breaks.len() + 1;
    let paints = (0..classes)
        .map(|class| {
            Paint::Sequential(if classes == 1 { ramp_len / 2 } else { (class * (ramp_len - 1) + (classes - 1) / 2) / (classes - 1) })
        })
        .collect();
    Classes { breaks, paints, decimals: decimals_of(unit), ..Default::default() }
}

/// The smallest of 1, 2, 5 × 10ⁿ at least `x` (> 0).
pub fn nice_ceil(x: f64) -> f64 {
    let magnitude = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * magnitude).find(|&n| n >= x * (1.0 - 1e-9)).unwrap_or(10.0 * magnitude)
}

/// The nearest of 1, 2, 5 × 10ⁿ to `x` (> 0).
pub fn nice_round(x: f64) -> f64 {
    let magnitude = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * magnitude).min_by(|a, b| (a - x).abs().total_cmp(&(b - x).abs())).unwrap_or(magnitude)
}

/// Decimals a round step needs to be written exactly (0.25 → 2, 50 → 0).
fn decimals_of(step: f64) -> usize {
    (0..6).find(|&d| ((step * 10f64.powi(d as i32)).round() - step * 10f64.powi(d as i32)).abs() < 1e-6).unwrap_or(6)
}

/// A break written with the decimals its step needs, large ones grouped or in 万.
fn format_break(value: f64, decimals: usize, lang: Lang) -> String {
    if value.abs() >= 100_000.0 && lang == Lang::Zh {
        let wan = value / 10_000.0;
        return format!("{}万", trim_zeros(&format!("{wan:.1}")));
    }
    let text = format!("{value:.decimals$}");
    if value.abs() >= 10_000.0 {
        let (int, frac) = text.split_once('.').map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
        let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
        let mut grouped = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        return frac.map_or(format!("{sign}{grouped}"), |f| format!("{sign}{grouped}.{f}"));
    }
    text
}

fn trim_zeros(text: &str) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn centre(centre: Centre, value: f64) -> Option<CentreValue> {
        Some(CentreValue { centre, value, place: "山东省".into() })
    }

    #[test]
    fn round_steps() {
        assert_eq!([0.07, 0.1, 0.13, 0.22, 0.3, 0.6, 74.0].map(nice_ceil), [0.1, 0.1, 0.2, 0.5, 0.5, 1.0, 100.0]);
        assert_eq!([0.07, 0.031, 0.13, 0.22, 0.4, 74.0].map(nice_round), [0.05, 0.02, 0.1, 0.2, 0.5, 50.0]);
        assert_eq!([0.25, 0.2, 50.0, 2.5].map(decimals_of), [2, 1, 0, 1]);
    }

    #[test]
    fn the_worst_region_of_a_lower_is_better_map_takes_the_bad_end() {
        // Unemployment rates around a province of 1.01: the highest rate is the worst.
        let rates = [0.82, 0.95, 1.01, 1.08, 1.31];
        let classes =
            Classes::of("registered_unemployment_rate", MapScale::Diverging(Centre::Parent), &rates, centre(Centre::Parent, 1.01), 5);
        assert_eq!(classes.step, Some(0.2));
        assert_eq!(classes.paint_of(1.31), Paint::Diverging(0), "the worst rate is painted at the bad end");
        assert_eq!(classes.paint_of(0.82), Paint::Diverging(2), "0.19 below the province: better, not much better");
        assert!(classes.paint_of(1.08).is_bad() && !classes.paint_of(0.95).is_bad());
        // For a higher-is-better measure the bad end is the low values: the same paint.
        let change = [-118.0, -74.0, 12.0, 40.0];
        let classes = Classes::of("insured_net_change", MapScale::Diverging(Centre::Zero), &change, centre(Centre::Zero, 0.0), 5);
        assert_eq!((classes.step, classes.paint_of(-118.0)), (Some(100.0), Paint::Diverging(0)));
        assert_eq!(classes.paint_of(-74.0), Paint::Diverging(1), "74 lost: worse, within one step of zero");
        assert_eq!(classes.label(1, Lang::Zh), "减少100以内");
        assert_eq!(classes.label(3, Lang::En), "100+ up");
    }

    #[test]
    fn sequential_breaks_are_round_and_every_class_is_used_in_order() {
        let ratios = [1.05, 1.09, 1.11, 1.12, 1.14, 1.16, 1.17, 1.18, 1.22, 1.25, 1.09, 1.17, 1.14, 1.21, 1.08, 1.13];
        let classes = Classes::of("demand_supply_ratio", MapScale::Sequential, &ratios, None, 5);
        assert!(classes.breaks.iter().all(|b| ((b * 50.0).round() - b * 50.0).abs() < 1e-9), "on the 0.02 grid: {:?}", classes.breaks);
        assert!(classes.breaks.windows(2).all(|w| w[0] < w[1]));
        let used: std::collections::BTreeSet<usize> = ratios.iter().map(|&v| classes.class_of(v)).collect();
        assert_eq!(used.len(), classes.len(), "no empty class: {:?}", classes.breaks);
        assert_eq!(classes.paints.first(), Some(&Paint::Sequential(0)));
        assert_eq!(classes.paints.last(), Some(&Paint::Sequential(4)));
        assert_eq!(classes.label(0, Lang::Zh), format!("< {:.2}", classes.breaks[0]));
        // Equal values make one class, in the middle of the ramp.
        let flat = Classes::of("demand_supply_ratio", MapScale::Sequential, &[1.1; 4], None, 5);
        assert_eq!((flat.len(), flat.paint_of(1.1)), (1, Paint::Sequential(2)));
    }

    #[test]
    fn centre_notes_give_the_centre_and_the_unit_of_a_step() {
        let classes =
            Classes::of("registered_unemployment_rate", MapScale::Diverging(Centre::Parent), &[1.2], centre(Centre::Parent, 1.01), 5);
        assert_eq!(classes.centre_note("registered_unemployment_rate", Lang::Zh).as_deref(), Some("与山东省（1.01%）比，百分点"));
        assert_eq!(classes.label(2, Lang::Zh), "高0.1以内");
    }
}
