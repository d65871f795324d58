//! 数据解读: short interpretation text written from the cube by templates, so the
//! native cockpit, the browser and the CLI say exactly the same thing.

use crate::alert::{most_pressing_first, AlertLevel};
use crate::catalogue::{self, Topic};
use crate::cube::{Cube, Lookup};
use crate::indicator::alerts_within;
use crate::lang::Lang;
use crate::period::Period;
use crate::region::{Adcode, Level, RegionTree};
use crate::warning::{self, events};

/// Formats a value with its measure's decimals and unit, e.g. `1.25万人` / `12,500 persons`.
pub fn format_value(measure: &str, value: f64, lang: Lang) -> String {
    let def = catalogue::measure(measure);
    let decimals = def.map_or(0, |d| d.decimals as usize);
    let unit = def.map_or("", |d| d.unit(lang));
    match lang {
        Lang::Zh if decimals == 0 && value.abs() >= 10_000.0 => format!("{:.2}万{unit}", value / 10_000.0),
        Lang::Zh => format!("{value:.decimals$}{unit}"),
        Lang::En => with_unit(&group_thousands(&format!("{value:.decimals$}")), unit, lang),
    }
}

/// A value as [`format_value`] writes it without its unit, for where a title or a header
/// gives the unit once: "1.96万", "0.49", "8".
pub fn format_number(measure: &str, value: f64, lang: Lang) -> String {
    let formatted = format_value(measure, value, lang);
    let unit = catalogue::measure(measure).map_or("", |d| d.unit(lang));
    formatted.strip_suffix(unit).unwrap_or(&formatted).trim_end().to_string()
}

/// A number and its unit: in Chinese, and for `%`, the unit attaches; English words take a
/// space.
pub fn with_unit(number: &str, unit: &str, lang: Lang) -> String {
    if lang == Lang::Zh || unit.is_empty() || unit == "%" {
        format!("{number}{unit}")
    } else {
        format!("{number} {unit}")
    }
}

fn group_thousands(number: &str) -> String {
    let (sign, rest) = number.strip_prefix('-').map_or(("", number), |r| ("-", r));
    let (int, frac) = rest.split_once('.').map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// Relative change in percent, when both values are known and the base is not zero.
pub fn change_pct(now: Lookup, before: Lookup) -> Option<f64> {
    match (now, before) {
        (Lookup::Value(a), Lookup::Value(b)) if b != 0.0 => Some((a - b) / b.abs() * 100.0),
        _ => None,
    }
}

struct Writer<'a> {
    cube: &'a Cube,
    region: Adcode,
    lang: Lang,
    place: String,
    /// The measure the next sentences describe (the chart a click on them shows).
    about: Option<&'static str>,
    out: Vec<Paragraph>,
}

/// One sentence of the interpretation, and the measure whose chart it describes.
#[derive(Clone, Debug, PartialEq)]
pub struct Paragraph {
    pub text: String,
    pub measure: Option<&'static str>,
}

impl Writer<'_> {
    fn zh(&self) -> bool {
        self.lang == Lang::Zh
    }
    fn v(&self, measure: &str, period: Period) -> Lookup {
        self.cube.total(measure, self.region, period)
    }
    fn fmt(&self, measure: &str, value: f64) -> String {
        format_value(measure, value, self.lang)
    }
    fn say(&mut self, zh: String, en: String) {
        let text = if self.zh() { zh } else { en };
        self.out.push(Paragraph { text, measure: self.about });
    }

    /// The sentences that follow describe `measure`.
    fn about(&mut self, measure: &'static str) {
        self.about = Some(measure);
    }
}

fn trend_word(change: f64, lang: Lang) -> String {
    match lang {
        Lang::Zh if change >= 0.0 => format!("增长{change:.1}%"),
        Lang::Zh => format!("下降{:.1}%", -change),
        Lang::En if change >= 0.0 => format!("up {change:.1}%"),
        Lang::En => format!("down {:.1}%", -change),
    }
}

/// Interpretation paragraphs for a topic, region and month.
pub fn interpret(cube: &Cube, topic: Topic, region: Adcode, month: Period, lang: Lang) -> Vec<String> {
    paragraphs(cube, topic, region, month, lang).into_iter().map(|p| p.text).collect()
}

/// [`interpret`], each sentence with the measure it describes.
pub fn paragraphs(cube: &Cube, topic: Topic, region: Adcode, month: Period, lang: Lang) -> Vec<Paragraph> {
    let tree = RegionTree::shandong();
    let place = tree.get(region).map_or_else(|| region.to_string(), |r| r.name(lang).to_string());
    let mut w = Writer { cube, region, lang, place, about: None, out: Vec::new() };
    let ytd = month.year_to_date();
    match topic {
        Topic::Overview | Topic::Employment | Topic::Macro => employment(&mut w, month, ytd),
        Topic::SupplyDemand => supply_demand(&mut w, month),
        Topic::Shortage => shortage(&mut w, month.last_complete_quarter()),
        Topic::Enterprise => enterprise(&mut w, month, ytd),
        Topic::Subsidy => subsidy(&mut w, ytd),
        Topic::ServiceZones => zones(&mut w, ytd),
        Topic::Warning => warnings(&mut w, month),
    }
    if topic == Topic::Overview {
        supply_demand(&mut w, month);
        let alerts = alerts_within(cube, region, month).len();
        w.about(crate::warning::LEVEL_MEASURE);
        if alerts > 0 {
            w.say(format!("本月触发预警{alerts}条，请在预警专题查看。"), format!("{alerts} alerts this month; see the alerts page."));
        }
    }
    proxy_note(&mut w);
    if w.out.is_empty() {
        w.about = None;
        w.say(
            format!("{}暂无{}的可发布数据。", w.place, month.label_zh()),
            format!("No publishable data for {} in {}.", w.place, month.label_en()),
        );
    }
    w.out
}

/// 口径说明: which of the figures described are proxies of an official figure, by their
/// tag (登记口径, 参保口径), so a reader does not take them for the official statistic.
fn proxy_note(w: &mut Writer) {
    let mut proxies: Vec<&catalogue::MeasureDef> = Vec::new();
    for id in w.out.iter().filter_map(|p| p.measure) {
        if let Some(def) = catalogue::measure(id).filter(|d| d.basis.tag(w.lang).is_some()) {
            if !proxies.iter().any(|p| p.id == def.id) {
                proxies.push(def);
            }
        }
    }
    let Some(first) = proxies.first() else { return };
    let named = |lang: Lang| -> Vec<String> {
        proxies
            .iter()
            .map(|d| {
                format!("{}{}", d.name(lang), d.basis.tag(lang).map_or(String::new(), |t| lang.pick(format!("为{t}"), format!(" ({t})"))))
            })
            .collect()
    };
    w.about(first.id);
    w.say(
        format!("口径说明：{}，与官方统计口径不同，详见指标口径。", named(Lang::Zh).join("、")),
        format!("Note: {} differ from the official definitions; see the definitions.", named(Lang::En).join(", ")),
    );
}

fn employment(w: &mut Writer, month: Period, ytd: Period) {
    w.about("new_urban_jobs");
    if let Lookup::Value(jobs) = w.v("new_urban_jobs", ytd) {
        let yoy = change_pct(w.v("new_urban_jobs", ytd), w.v("new_urban_jobs", ytd.year_ago()));
        let (mut zh, mut en) = (
            format!("{}{}城镇新增就业{}", w.place, ytd.label_zh(), w.fmt("new_urban_jobs", jobs)),
            format!("{}: {} new urban jobs in {}", w.place, w.fmt("new_urban_jobs", jobs), ytd.label_en()),
        );
        if let Some(c) = yoy {
            zh += &format!("，同比{}", trend_word(c, Lang::Zh));
            en += &format!(", {} year on year", trend_word(c, Lang::En));
        }
        if let Lookup::Value(p) = w.v("new_urban_jobs_progress", ytd) {
            let pace = ytd.share_of_year();
            let verdict_zh = if p >= pace { "快于" } else { "慢于" };
            let verdict_en = if p >= pace { "ahead of" } else { "behind" };
            zh += &format!("，完成年度目标的{p:.1}%，{verdict_zh}时间进度（{pace:.1}%）");
            en += &format!("; {p:.1}% of the annual target, {verdict_en} the calendar ({pace:.1}%)");
        }
        w.say(zh + "。", en + ".");
    }
    if let Lookup::Value(rate) = w.v("registered_unemployment_rate", month) {
        w.about("registered_unemployment_rate");
        let before = w.v("registered_unemployment_rate", month.previous());
        let (zh_change, en_change) = match before {
            Lookup::Value(b) => (
                format!("，较上月{}{:.2}个百分点", if rate >= b { "上升" } else { "下降" }, (rate - b).abs()),
                format!(", {:+.2} points on the previous month", rate - b),
            ),
            _ => (String::new(), String::new()),
        };
        w.say(
            format!("{}末城镇登记失业率{rate:.2}%{zh_change}（登记失业口径，非调查失业率）。", month.label_zh()),
            format!("Registered unemployment rate at the end of {}: {rate:.2}%{en_change} (registered, not surveyed).", month.label_en()),
        );
        if let Some((rank, of, level)) = rank_among_peers(w, "registered_unemployment_rate", month) {
            let (zh_level, en_level) = if level == Level::City { ("个市", "cities") } else { ("个县（市、区）", "counties") };
            w.say(
                format!("该失业率在同级{of}{zh_level}中由低到高居第{rank}位。"),
                format!("That rate ranks {rank} of {of} {en_level}, lowest first."),
            );
        }
        if let Some(published) = crate::published::figure_for(w.cube, "registered_unemployment_rate", w.region, month, w.lang) {
            let sentence = published_sentence(&published, w.lang);
            w.say(
                format!("{sentence}，为劳动力调查口径，与登记失业率不可直接比较。"),
                format!("{sentence}; a labour-force survey figure, not comparable with the registered rate."),
            );
        }
    }
    anomalies(w, month, &["new_urban_jobs", "unemployment_inflow", "registered_unemployed"]);
    outlook(w, month);
}

/// "全国城镇调查失业率最新发布为5.1%（2025年12月，国家统计局）": a published figure, its
/// period and its publisher.
pub fn published_sentence(figure: &crate::published::PublishedFigure, lang: Lang) -> String {
    let value = format_value(figure.measure.id, figure.value, lang);
    let (name, period, publisher) = (&figure.name, figure.period.label(lang), &figure.publisher);
    lang.pick(
        format!("{name}最新发布为{value}（{period}，{publisher}）"),
        format!("{name}, latest published: {value} ({period}, {publisher})"),
    )
}

/// The region's rank among its siblings (the province's cities, a city's counties) by a
/// measure at a period, 1 for the best by the measure's direction, with how many had a
/// value; none for the province, or when the region has no value.
fn rank_among_peers(w: &Writer, measure: &str, period: Period) -> Option<(usize, usize, Level)> {
    let tree = RegionTree::shandong();
    let region = tree.get(w.region)?;
    let parent = region.parent?;
    let mut peers: Vec<(Adcode, f64)> =
        tree.children(parent).filter_map(|r| w.cube.total(measure, r.adcode, period).value().map(|v| (r.adcode, v))).collect();
    let own = peers.iter().find(|(a, _)| *a == w.region)?.1;
    let lower_first = catalogue::measure(measure).is_some_and(|d| d.direction == catalogue::Direction::LowerIsBetter);
    peers.sort_by(|a, b| if lower_first { a.1.total_cmp(&b.1) } else { b.1.total_cmp(&a.1) });
    // Ties share the better rank.
    let rank = peers.iter().position(|(_, v)| *v == own)? + 1;
    Some((rank, peers.len(), region.level))
}

/// Months of year-on-year changes a month's change is compared with.
const ANOMALY_WINDOW: usize = 24;
/// A robust z-score (median and MAD) this far out marks a change as unusual.
const ANOMALY_Z: f64 = 3.5;

/// 异常波动: a measure whose year-on-year change this month stands far outside its changes
/// of the previous two years (robust z-score ≥ [`ANOMALY_Z`]; year on year, so seasons do
/// not count as anomalies). At most the two most unusual, most unusual first.
fn anomalies(w: &mut Writer, month: Period, measures: &[&'static str]) {
    let yoy = |measure: &str, m: Period| change_pct(w.v(measure, m), w.v(measure, m.year_ago()));
    let mut found: Vec<(f64, &'static str, f64)> = measures
        .iter()
        .filter_map(|&measure| {
            let now = yoy(measure, month)?;
            let history: Vec<f64> =
                (1..=ANOMALY_WINDOW as i32).filter_map(|k| yoy(measure, Period::from_month_index(month.month_index() - k))).collect();
            let z = robust_z(now, &history)?;
            (z.abs() >= ANOMALY_Z).then_some((z.abs(), measure, now))
        })
        .collect();
    found.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (_, measure, change) in found.into_iter().take(2) {
        let Some(def) = catalogue::measure(measure) else { continue };
        w.about(measure);
        w.say(
            format!("异常波动：{}{}同比{}，明显偏离近两年的同比变化。", month.label_zh(), def.name_zh, trend_word(change, Lang::Zh)),
            format!(
                "Unusual: {} {} year on year in {}, far outside its changes of the last two years.",
                def.name_en,
                trend_word(change, Lang::En),
                month.label_en()
            ),
        );
    }
}

/// `(x − median) / (1.4826 × MAD)` over `history`; none for a short or flat history.
fn robust_z(x: f64, history: &[f64]) -> Option<f64> {
    if history.len() < ANOMALY_WINDOW / 2 {
        return None;
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    };
    let centre = median(&mut history.to_vec());
    let spread = crate::robust::MAD_TO_SD * median(&mut history.iter().map(|v| (v - centre).abs()).collect());
    (spread > 0.0).then(|| (x - centre) / spread)
}

/// 形势研判: at the cube's latest month, the forecast of registered unemployment for the
/// next month and twelve months on, with their 80 % intervals.
fn outlook(w: &mut Writer, month: Period) {
    if month != w.cube.latest_month() {
        return;
    }
    let fan = crate::outlook::read(w.cube, "registered_unemployed", w.region);
    w.about("registered_unemployed");
    let (Some(next), Some(last)) = (fan.first(), fan.last()) else { return };
    let f = |v: f64| w.fmt("registered_unemployed", v);
    w.say(
        format!(
            "预计{}登记失业人数{}（80%区间{}～{}），{}约{}（{}～{}）。",
            next.period.label_zh(),
            f(next.point),
            f(next.low80),
            f(next.high80),
            last.period.label_zh(),
            f(last.point),
            f(last.low80),
            f(last.high80)
        ),
        format!(
            "Outlook: registered unemployed {} in {} (80% interval {} to {}), about {} in {} ({} to {}).",
            f(next.point),
            next.period.label_en(),
            f(next.low80),
            f(next.high80),
            f(last.point),
            last.period.label_en(),
            f(last.low80),
            f(last.high80)
        ),
    );
}

fn supply_demand(w: &mut Writer, month: Period) {
    w.about("demand_supply_ratio");
    if let Lookup::Value(ratio) = w.v("demand_supply_ratio", month) {
        let (zh, en) = if ratio > 1.5 {
            ("岗位明显多于求职者，招工偏紧", "jobs clearly outnumber seekers; hiring is tight")
        } else if ratio >= 1.0 {
            ("岗位略多于求职者，供需基本平衡", "slightly more jobs than seekers; broadly balanced")
        } else {
            ("求职者多于岗位，就业压力较大", "more seekers than jobs; pressure on job seekers")
        };
        w.say(
            format!("{}求人倍率{ratio:.2}，{zh}。", month.label_zh()),
            format!("Vacancy-to-seeker ratio in {}: {ratio:.2}; {en}.", month.label_en()),
        );
    }
    anomalies(w, month, &["vacancies", "job_seekers"]);
}

/// The ranking of the month's quarter, or of the latest complete quarter before it (a
/// quarter is published once it is complete).
fn shortage(w: &mut Writer, quarter: Period) {
    w.about("shortage_score");
    let ranking = |q: Period| -> Vec<(String, f64)> {
        w.cube.breakdown("shortage_rank", w.region, q, "occ").into_iter().filter_map(|(code, v)| v.value().map(|r| (code, r))).collect()
    };
    let Some((quarter, mut ranked)) =
        std::iter::successors(Some(quarter), |q| Some(q.previous())).take(4).map(|q| (q, ranking(q))).find(|(_, r)| !r.is_empty())
    else {
        return;
    };
    ranked.sort_by(|a, b| a.1.total_cmp(&b.1));
    let names: Vec<String> =
        ranked.iter().take(3).filter_map(|(code, _)| crate::codes::occupation_name(code)).map(|o| o.name(w.lang).to_string()).collect();
    if !names.is_empty() {
        w.say(
            format!("{}{}最紧缺的工种是{}。", w.place, quarter.label_zh(), names.join("、")),
            format!("Most needed occupations in {}, {}: {}.", w.place, quarter.label_en(), names.join(", ")),
        );
    }
}

fn enterprise(w: &mut Writer, month: Period, ytd: Period) {
    w.about("insured_headcount");
    if let (Lookup::Value(h), Lookup::Value(net)) = (w.v("insured_headcount", month), w.v("insured_net_change", ytd)) {
        w.say(
            format!(
                "{}末参保职工{}，{}净增{}。",
                month.label_zh(),
                w.fmt("insured_headcount", h),
                ytd.label_zh(),
                w.fmt("insured_net_change", net)
            ),
            format!(
                "Insured employees at the end of {}: {}; net change {} in {}.",
                month.label_en(),
                w.fmt("insured_headcount", h),
                w.fmt("insured_net_change", net),
                ytd.label_en()
            ),
        );
    }
    w.about("layoff_alerts");
    if let Lookup::Value(n) = w.v("layoff_alerts", month) {
        if n > 0.0 {
            w.say(format!("本月{n:.0}家企业触发规模裁员预警。"), format!("{n:.0} employers triggered a layoff alert this month."));
        }
    }
    anomalies(w, month, &["insured_headcount"]);
}

fn subsidy(w: &mut Writer, ytd: Period) {
    w.about("subsidy_execution_rate");
    if let Lookup::Value(rate) = w.v("subsidy_execution_rate", ytd) {
        let pace = ytd.share_of_year();
        let gap = rate - pace;
        w.say(
            format!(
                "{}就业补助资金预算执行率{rate:.1}%，{}时间进度{:.1}个百分点。",
                ytd.label_zh(),
                if gap >= 0.0 { "快于" } else { "落后" },
                gap.abs()
            ),
            format!(
                "Subsidy budget execution in {}: {rate:.1}%, {:.1} points {} the calendar.",
                ytd.label_en(),
                gap.abs(),
                if gap >= 0.0 { "ahead of" } else { "behind" }
            ),
        );
    }
    let flagged = [
        ("subsidy_duplicate_payments", "疑似重复发放", "suspected duplicates"),
        ("subsidy_unregistered_payments", "无登记记录发放", "payments without registration"),
    ];
    for (measure, zh, en) in flagged {
        w.about(measure);
        if let Lookup::Value(n) = w.v(measure, ytd) {
            if n > 0.0 {
                w.say(format!("识别{zh}{n:.0}笔，需核查。"), format!("{n:.0} {en} found; to be checked."));
            }
        }
    }
}

fn zones(w: &mut Writer, ytd: Period) {
    w.about("zones_meeting_targets");
    let year = Period::Year { year: ytd.year() };
    if let (Lookup::Value(pass), Lookup::Value(all)) = (w.v("zones_meeting_targets", year), w.v("zones_evaluated", year)) {
        w.say(
            format!("{}年参评服务区{all:.0}个，达标{pass:.0}个。", ytd.year()),
            format!("{all:.0} service zones evaluated in {}, {pass:.0} met all targets.", ytd.year()),
        );
    }
    w.about("zone_services");
    if let Lookup::Value(s) = w.v("zone_services", ytd) {
        w.say(
            format!("{}服务区服务{}。", ytd.label_zh(), w.fmt("zone_services", s)),
            format!("Service zones served {} in {}.", w.fmt("zone_services", s), ytd.label_en()),
        );
    }
    let tree = RegionTree::shandong();
    let behind = w
        .cube
        .alerts
        .iter()
        .filter(|a| a.indicator == events::ZONE_BEHIND_TARGET && a.period.year() == ytd.year() && tree.is_within(a.region, w.region))
        .count();
    if behind > 0 {
        w.say(format!("{behind}个服务区进度落后于全年目标。"), format!("{behind} zones are behind their yearly targets."));
    }
}

/// 黄色 / yellow …, for text.
pub fn level_word(level: AlertLevel, lang: Lang) -> &'static str {
    match (level, lang) {
        (AlertLevel::Yellow, Lang::Zh) => "黄色",
        (AlertLevel::Orange, Lang::Zh) => "橙色",
        (AlertLevel::Red, Lang::Zh) => "红色",
        (AlertLevel::Yellow, Lang::En) => "yellow",
        (AlertLevel::Orange, Lang::En) => "orange",
        (AlertLevel::Red, Lang::En) => "red",
    }
}

/// The region's composite index and level, its alerts this month by level, the most severe
/// one, and the key groups those alerts push support to.
fn warnings(w: &mut Writer, month: Period) {
    w.about(warning::INDEX_MEASURE);
    let config = &w.cube.warning;
    if let Lookup::Value(index) = w.v(warning::INDEX_MEASURE, month) {
        let (zh, en) = match config.composite_level(index) {
            Some(level) => (format!("处于{}预警", level_word(level, Lang::Zh)), format!("at {} alert", level_word(level, Lang::En))),
            // The region's own indicators only: regions within it may still be on alert.
            None => ("未达预警级别".to_string(), "below any alert level".to_string()),
        };
        w.say(
            format!("{}{}综合预警指数{index:.1}，{zh}。", w.place, month.label_zh()),
            format!("{}: composite warning index {index:.1} in {}, {en}.", w.place, month.label_en()),
        );
    }
    let mut alerts = alerts_within(w.cube, w.region, month);
    if alerts.is_empty() {
        return;
    }
    let count = |level| alerts.iter().filter(|a| a.level == level).count();
    let [yellow, orange, red] = AlertLevel::ALL.map(count);
    w.say(
        format!("本月辖区内预警{}条：红色{red}条、橙色{orange}条、黄色{yellow}条。", alerts.len()),
        format!("{} alerts in the area this month: {red} red, {orange} orange, {yellow} yellow.", alerts.len()),
    );
    alerts.sort_by(|a, b| most_pressing_first(a, b));
    let top = alerts[0];
    if let Some(ind) = config.indicator(&top.indicator) {
        let place = RegionTree::shandong().get(top.region).map_or("", |r| r.name(w.lang));
        let (since_zh, since_en) = if top.since != top.period {
            (format!("，自{}起持续", top.since.label_zh()), format!(", since {}", top.since.label_en()))
        } else {
            (String::new(), String::new())
        };
        w.say(
            format!(
                "最需关注：{place}{}{}，达到{}预警线{}{since_zh}。",
                ind.name_zh,
                with_unit(&format!("{:.2}", top.value), &ind.unit_zh, Lang::Zh),
                level_word(top.level, Lang::Zh),
                with_unit(&format!("{:.2}", top.threshold), &ind.unit_zh, Lang::Zh)
            ),
            format!(
                "Most pressing: {place}, {} {}, past the {} line of {}{since_en}.",
                ind.name_en,
                with_unit(&format!("{:.2}", top.value), &ind.unit_en, Lang::En),
                level_word(top.level, Lang::En),
                with_unit(&format!("{:.2}", top.threshold), &ind.unit_en, Lang::En)
            ),
        );
    }
    let support = config.support_for(alerts.iter().copied());
    if !support.is_empty() {
        let zh: Vec<String> = support.iter().map(|(g, _)| format!("{}（{}）", g.group, g.measures_zh.join("、"))).collect();
        let en: Vec<String> = support.iter().map(|(g, _)| format!("{} ({})", g.name_en, g.measures_en.join(", "))).collect();
        w.say(format!("建议帮扶：{}。", zh.join("；")), format!("Suggested support: {}.", en.join("; ")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cube::TOTAL;
    use chrono::NaiveDate;

    #[test]
    fn numbers_drop_only_their_unit() {
        assert_eq!(format_number("new_urban_jobs", 19_600.0, Lang::Zh), "1.96万");
        assert_eq!(format_number("new_urban_jobs", 8.0, Lang::En), "8");
        assert_eq!(format_number("registered_unemployment_rate", 0.49, Lang::Zh), "0.49");
        assert_eq!(format_number("demand_supply_ratio", 1.16, Lang::En), "1.16");
    }

    #[test]
    fn writes_from_the_cube_in_both_languages() {
        let mut cube = Cube::new(NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(), true);
        let ytd = Period::YearToDate { year: 2026, month: 6 };
        cube.insert("new_urban_jobs", 370100, ytd, TOTAL, 61_000.0, 0);
        cube.insert("new_urban_jobs", 370100, ytd.year_ago(), TOTAL, 50_000.0, 0);
        cube.insert("new_urban_jobs_progress", 370100, ytd, TOTAL, 55.0, 0);
        cube.insert("demand_supply_ratio", 370100, Period::month(2026, 6), TOTAL, 1.23, 0);
        let zh = interpret(&cube, Topic::Overview, 370100, Period::month(2026, 6), Lang::Zh);
        assert_eq!(zh[0], "济南市2026年1–6月累计城镇新增就业6.10万人，同比增长22.0%，完成年度目标的55.0%，快于时间进度（50.0%）。");
        assert!(zh[1].contains("求人倍率1.23"), "{zh:?}");
        let en = interpret(&cube, Topic::Overview, 370100, Period::month(2026, 6), Lang::En);
        assert!(en[0].starts_with("Jinan: 61,000 persons new urban jobs"), "{en:?}");
        // The running quarter is not complete: the latest complete one is used.
        cube.insert("shortage_rank", 370100, "2026Q1".parse().unwrap(), "occ:6-18-02-04", 2.0, 0);
        cube.insert("shortage_rank", 370100, "2026Q1".parse().unwrap(), "occ:4-02-07-08", 1.0, 0);
        // Each sentence names the measure whose chart it describes.
        let described: Vec<Option<&str>> =
            paragraphs(&cube, Topic::Overview, 370100, Period::month(2026, 6), Lang::Zh).iter().map(|p| p.measure).collect();
        assert_eq!(described.first(), Some(&Some("new_urban_jobs")), "{described:?}");
        // A year-on-year change far outside two years of changes is called unusual; the
        // same history without the jump is not.
        let mut history = Cube::new(NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(), true);
        for i in 0..=41 {
            let m = Period::from_month_index(Period::month(2023, 1).month_index() + i);
            history.insert("job_seekers", 370100, m, TOTAL, 100.0 + ((i * 7) % 11) as f64, 0);
        }
        let calm = interpret(&history, Topic::SupplyDemand, 370100, Period::month(2026, 6), Lang::Zh);
        assert!(!calm.iter().any(|p| p.contains("异常")), "{calm:?}");
        history.insert("job_seekers", 370100, Period::month(2026, 6), TOTAL, 160.0, 0);
        let jump = interpret(&history, Topic::SupplyDemand, 370100, Period::month(2026, 6), Lang::Zh);
        assert!(jump.iter().any(|p| p.contains("异常波动") && p.contains("求职人数同比增长")), "{jump:?}");
        let shortage = interpret(&cube, Topic::Shortage, 370100, Period::month(2026, 6), Lang::Zh);
        assert_eq!(shortage, vec!["济南市2026年一季度最紧缺的工种是快递员、焊工。"]);
        let empty = interpret(&cube, Topic::Subsidy, 370200, Period::month(2026, 6), Lang::Zh);
        assert_eq!(empty, vec!["青岛市暂无2026年6月的可发布数据。"]);
    }
}
