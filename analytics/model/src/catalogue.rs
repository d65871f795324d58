//! The measure catalogue: the one place a measure is declared. Legends, tooltips, tables,
//! interpretation text, the roll-up and the suppression rules all read it.

use serde::{Deserialize, Serialize};

use crate::lang::Lang;
use crate::period::{Period, PeriodKind};
use crate::region::Level;
use crate::rules::MeasureRules;

/// How a measure combines from children to a parent region and from months to
/// quarters, years and year-to-date.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Aggregation {
    /// Flows: sum over regions and over the months of a period.
    Sum,
    /// Month-end stocks: sum over regions; a quarter or year is its last month (missing
    /// when that month is, never an earlier month).
    Stock,
    /// `numerator / denominator × scale`, both catalogue measures, recomputed at every
    /// level and period from the aggregated parts (never an average of ratios).
    Ratio { numerator: &'static str, denominator: &'static str, scale: f64 },
    /// Year-to-date actual against the year's target (`actual` at `YYYY-01..MM`
    /// divided by `target` at `YYYY`), in percent.
    Progress { actual: &'static str, target: &'static str },
    /// Computed by its model at every level it is published for; not rolled up.
    Model,
    /// Unweighted mean over regions and months (index numbers such as CPI).
    Mean,
    /// A figure an official body published, entered as it was published (the source
    /// `official_series`): never computed, rolled up or estimated, so a cell exists only
    /// where a figure was published, flagged `OFFICIAL` with its citation in the cube.
    /// `beside` is the project's measure it is drawn beside, and `scale` turns the
    /// published figure into that measure's unit (万人 → 人: 10 000). `reference`: a region
    /// without figures of its own is shown those of the nearest region above it that has
    /// some, or the country's (a rate is a reference for a part; a total is not).
    Published { beside: &'static str, scale: f64, reference: bool },
}

/// Whether larger values are good news; colours and interpretation use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
    Neutral,
}

/// What the public cube must hide.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "of")]
pub enum Disclosure {
    /// Not about persons (jobs, money budgets, employers, macro figures).
    Open,
    /// A count of persons or person-times: cells below k are suppressed.
    PersonCount,
    /// Hidden wherever the named person count is hidden in the same cell position
    /// (amounts paid to the people counted, rates over them, gaps that reveal them).
    FollowsCount(&'static str),
}

/// Dimension a measure is broken down by (besides region and period). Breakdowns are
/// published for the province and cities; counties carry totals only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DimKind {
    Occupation,
    Industry,
    KeyGroup,
    SubsidyType,
    Sector,
}

impl DimKind {
    /// Prefix of the dimension key in the cube, e.g. `occ:4-02-07-08`.
    pub fn prefix(self) -> &'static str {
        match self {
            DimKind::Occupation => "occ",
            DimKind::Industry => "ind",
            DimKind::KeyGroup => "grp",
            DimKind::SubsidyType => "sub",
            DimKind::Sector => "sec",
        }
    }

    pub fn from_key(key: &str) -> Option<(DimKind, &str)> {
        let (prefix, code) = key.split_once(':')?;
        let kind = [DimKind::Occupation, DimKind::Industry, DimKind::KeyGroup, DimKind::SubsidyType, DimKind::Sector]
            .into_iter()
            .find(|k| k.prefix() == prefix)?;
        Some((kind, code))
    }
}

/// Topic (专题) a measure belongs to; scenes may still show measures of other topics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    Overview,
    SupplyDemand,
    Shortage,
    Employment,
    Enterprise,
    Subsidy,
    ServiceZones,
    Macro,
    /// 监测预警
    Warning,
}

/// A text in both languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Words {
    pub zh: &'static str,
    pub en: &'static str,
}

impl Words {
    pub fn pick(self, lang: Lang) -> &'static str {
        lang.pick(self.zh, self.en)
    }
}

const fn words(zh: &'static str, en: &'static str) -> Words {
    Words { zh, en }
}

/// 口径来源: where a measure's definition comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Basis {
    /// Follows an official definition: the document (and article) or the publisher.
    Official { source: Words },
    /// Approximates an official figure: a short tag shown beside the name (登记口径), the
    /// official figure, and how this one differs.
    Proxy { tag: Words, of: Words, differs: Words },
    /// The project's own method.
    Own { method: Words },
}

impl Basis {
    /// 官方 / 近似 / 本平台.
    pub fn kind_label(&self, lang: Lang) -> &'static str {
        match self {
            Basis::Official { .. } => lang.pick("官方口径", "Official"),
            Basis::Proxy { .. } => lang.pick("近似口径", "Proxy"),
            Basis::Own { .. } => lang.pick("本平台方法", "The project's own method"),
        }
    }

    /// The short tag a proxy carries beside its name (登记口径), if any.
    pub fn tag(&self, lang: Lang) -> Option<&'static str> {
        match self {
            Basis::Proxy { tag, .. } => Some(tag.pick(lang)),
            _ => None,
        }
    }

    /// One line: the kind and what it rests on.
    pub fn describe(&self, lang: Lang) -> String {
        let kind = self.kind_label(lang);
        match self {
            Basis::Official { source } => format!("{kind}{}{}", lang.pick("：", ": "), source.pick(lang)),
            Basis::Proxy { tag, of, differs } => lang.pick(
                format!("{kind}（{}）：近似{}；{}", tag.zh, of.zh, differs.zh),
                format!("{kind} ({}) of {}: {}", tag.en, of.en, differs.en),
            ),
            Basis::Own { method } => format!("{kind}{}{}", lang.pick("：", ": "), method.pick(lang)),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct MeasureDef {
    pub id: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub unit_zh: &'static str,
    pub unit_en: &'static str,
    /// 口径: what exactly is counted, and from which source. A template: `{name}` is a
    /// parameter of [`MeasureRules`] ([`MeasureDef::definition`] fills it).
    pub definition_zh: &'static str,
    pub definition_en: &'static str,
    pub topic: Topic,
    pub finest_level: Level,
    pub native_period: PeriodKind,
    pub aggregation: Aggregation,
    pub direction: Direction,
    pub disclosure: Disclosure,
    pub dims: &'static [DimKind],
    /// Whether year-to-date (1–N月累计) cells are published.
    pub year_to_date: bool,
    /// Decimal places for display.
    pub decimals: u8,
    /// Source tables and model, for the "where does this number come from" view.
    pub lineage: &'static str,
    /// 口径来源.
    pub basis: Basis,
    /// The sources (`schema::SOURCES`) its cells are computed from: a cell is incomplete
    /// where one of them is (`completeness`).
    pub sources: &'static [&'static str],
}

macro_rules! measure {
    ($id:literal, $zh:literal, $en:literal, $uzh:literal, $uen:literal, $topic:ident, $level:ident, $period:ident,
     $agg:expr, $dir:ident, $disc:expr, dims: $dims:expr, ytd: $ytd:literal, decimals: $dec:literal,
     def_zh: $dzh:literal, def_en: $den:literal, lineage: $lin:literal, basis: $basis:expr, sources: $sources:expr) => {
        MeasureDef {
            id: $id,
            name_zh: $zh,
            name_en: $en,
            unit_zh: $uzh,
            unit_en: $uen,
            definition_zh: $dzh,
            definition_en: $den,
            topic: Topic::$topic,
            finest_level: Level::$level,
            native_period: PeriodKind::$period,
            aggregation: $agg,
            direction: Direction::$dir,
            disclosure: $disc,
            dims: $dims,
            year_to_date: $ytd,
            decimals: $dec,
            lineage: $lin,
            basis: $basis,
            sources: $sources,
        }
    };
}

use Aggregation::*;
use DimKind::*;
use Disclosure::*;

/// Documents and publishers the bases cite.
mod cited {
    use super::{words, Words};

    pub const ZONE_NOTICE: Words = words(
        "山东省人力资源和社会保障厅等4部门“数智就业”服务区试点通知",
        "The Shandong 数智就业 service-zone pilot notice (HRSS department and three others)",
    );
    pub const UNEMPLOYMENT_REGISTRATION: Words = words(
        "人社部《就业服务与就业管理规定》（失业登记）",
        "MOHRSS Employment Services and Management Rules (unemployment registration)",
    );
    pub const SUBSIDY_RULES: Words =
        words("财政部、人社部《就业补助资金管理办法》", "MOF and MOHRSS Measures for the Management of Employment Subsidy Funds");
    pub const STATISTICS: Words =
        words("统计部门发布数（按来源报送）", "Figures published by the statistics bureaus (as the source reports them)");
    pub const PUBLISHED: Words = words(
        "人社、统计部门的发布数；发布机构、文件和日期随每个数附注",
        "Figures the HRSS and statistics departments publish; each figure's publisher, document and date travel with it",
    );
    pub const MOBILE: Words = words(
        "由运营商信令数据估算，非统计调查；随运营商算法和用户覆盖变化",
        "Estimated from operators' signalling data, not a survey; moves with the operators' methods and coverage",
    );
}

use cited::*;

pub static MEASURES: &[MeasureDef] = &[
    // 供需匹配
    measure!("vacancies", "岗位需求人数", "Vacancies", "人", "persons", SupplyDemand, County, Month, Sum, Neutral, Open,
        dims: &[Occupation, Industry], ytd: false, decimals: 0,
        def_zh: "当月公共就业服务机构及平台登记的招聘岗位需求人数（按岗位招聘人数计）",
        def_en: "Vacancies posted in the month at public employment services, counted by positions",
        lineage: "市场供需·招聘岗位 → 供需模型",
        basis: Basis::Proxy { tag: words("平台口径", "platform"), of: words("人社部市场供求分析的需求人数", "the demand in MOHRSS's market analysis"), differs: words("本平台按月统计所辖地区公共就业服务机构及平台登记的全部招聘岗位；人社部按季度汇总部分城市报表", "counted monthly from every posting at the region's public services and platform; MOHRSS sums reporting cities' returns quarterly") },
        sources: &["job_postings"]),
    measure!("job_seekers", "求职人数", "Job seekers", "人", "persons", SupplyDemand, County, Month, Sum, Neutral, PersonCount,
        dims: &[Occupation], ytd: false, decimals: 0,
        def_zh: "当月登记求职的人数（同一人当月多次登记计一次）",
        def_en: "Persons registering as job seekers in the month (one count per person and month)",
        lineage: "市场供需·求职登记 → 供需模型",
        basis: Basis::Proxy { tag: words("平台口径", "platform"), of: words("人社部市场供求分析的求职人数", "the seekers in MOHRSS's market analysis"), differs: words("同一人当月多次登记计一次；季度、年度为各月之和，跨月求职的人计入多次", "one count per person and month; a quarter or year sums its months, so a person seeking in several months counts in each") },
        sources: &["job_seekers"]),
    measure!("demand_supply_ratio", "求人倍率", "Vacancy-to-seeker ratio", "", "", SupplyDemand, County, Month,
        Ratio { numerator: "vacancies", denominator: "job_seekers", scale: 1.0 }, Neutral, FollowsCount("job_seekers"),
        dims: &[Occupation], ytd: false, decimals: 2,
        def_zh: "岗位需求人数 ÷ 求职人数；大于1表示岗位多于求职者",
        def_en: "Vacancies ÷ job seekers; above 1 means more jobs than seekers",
        lineage: "市场供需 → 供需模型",
        basis: Basis::Proxy { tag: words("平台口径", "platform"), of: words("人社部市场供求分析的求人倍率", "MOHRSS's vacancy-to-seeker ratio"), differs: words("由本平台的需求人数和求职人数计算；季度、年度为各月需求人数之和 ÷ 求职人数之和", "from the platform's vacancies and seekers; a quarter or year is the sum of its months' vacancies ÷ the sum of their seekers") },
        sources: &["job_postings", "job_seekers"]),
    measure!("official_demand_supply_ratio", "求人倍率（官方发布）", "Vacancy-to-seeker ratio (published)", "", "", SupplyDemand, City,
        Quarter, Published { beside: "demand_supply_ratio", scale: 1.0, reference: true }, Neutral, Open, dims: &[], ytd: false, decimals: 2,
        def_zh: "公共就业服务机构登记的需求人数 ÷ 求职人数，人社部门季度人力资源市场供求分析的发布数",
        def_en: "Vacancies ÷ job seekers registered at public employment services, as published in the HRSS departments' quarterly market analysis",
        lineage: "官方发布数据",
        basis: Basis::Official { source: PUBLISHED },
        sources: &["official_series"]),
    measure!("posted_wage", "招聘平均工资", "Average posted wage", "元/月", "CNY/month", SupplyDemand, County, Month,
        Ratio { numerator: "posted_wage_sum", denominator: "vacancies", scale: 1.0 }, HigherIsBetter, Open,
        dims: &[Occupation], ytd: false, decimals: 0,
        def_zh: "招聘岗位工资区间中值按岗位人数加权平均",
        def_en: "Midpoint of posted wage ranges, weighted by vacancies",
        lineage: "市场供需·招聘岗位 → 供需模型",
        basis: Basis::Own { method: words("招聘岗位工资区间中值按岗位人数加权平均", "posted wage-range midpoints weighted by vacancies") },
        sources: &["job_postings"]),
    measure!("posted_wage_sum", "招聘工资总额（中间量）", "Posted wage × vacancies (internal)", "元", "CNY", SupplyDemand, County, Month,
        Sum, Neutral, Open, dims: &[Occupation], ytd: false, decimals: 0,
        def_zh: "计算平均工资的中间量，不单独发布", def_en: "Intermediate for the average wage; not published",
        lineage: "市场供需·招聘岗位",
        basis: Basis::Own { method: words("计算平均工资的中间量", "an intermediate of the average wage") },
        sources: &["job_postings"]),
    // 急需紧缺工种
    measure!("shortage_gap", "缺口数", "Shortage gap", "人", "persons", Shortage, City, Quarter, Sum, LowerIsBetter,
        FollowsCount("job_seekers"), dims: &[Occupation], ytd: false, decimals: 0,
        def_zh: "季度岗位需求人数 － 求职人数",
        def_en: "Quarterly vacancies minus job seekers",
        lineage: "市场供需 → 紧缺工种模型",
        basis: Basis::Proxy { tag: words("平台口径", "platform"), of: words("人社部“最缺工”职业排行的缺口数", "the gap of MOHRSS's 最缺工 occupation list"), differs: words("由本平台各季度的需求人数减求职人数计算，不是各监测城市报送的排行", "computed from the platform's quarterly vacancies minus seekers, not from monitored cities' returns") },
        sources: &["job_postings", "job_seekers"]),
    measure!("shortage_score", "本平台紧缺指数", "Own shortage index", "分", "points", Shortage, City, Quarter, Model, LowerIsBetter,
        FollowsCount("job_seekers"), dims: &[Occupation], ytd: false, decimals: 1,
        def_zh: "0–100分：缺口规模{weight_gap}%＋求人倍率{weight_ratio}%（{ratio_cap}及以上满分）＋持续性{weight_persistence}%（近{persistence_quarters}个季度中求人倍率高于{tight_ratio}的比例）＋工资同比增长{weight_wage_growth}%（{wage_growth_full_marks}%及以上满分）＋覆盖面{weight_breadth}%（下辖地区缺口为正的比例），仅对缺口为正的工种评分；同分按职业代码排序",
        def_en: "0–100: gap size {weight_gap}% + ratio {weight_ratio}% (full at {ratio_cap}) + persistence {weight_persistence}% (share of the last {persistence_quarters} quarters with a ratio above {tight_ratio}) + wage growth {weight_wage_growth}% (full at {wage_growth_full_marks}% a year) + breadth {weight_breadth}% (share of sub-regions with a gap); occupations with a positive gap only; ties by occupation code",
        lineage: "市场供需 → 紧缺工种模型",
        basis: Basis::Own { method: words("缺口、求人倍率、持续性、工资增长、覆盖面加权，权重见口径参数；与人社部“最缺工”排行方法不同", "gap, ratio, persistence, wage growth and breadth, weighted as the rules set; not MOHRSS's 最缺工 method") },
        sources: &["job_postings", "job_seekers"]),
    measure!("shortage_rank", "紧缺排名", "Shortage rank", "位", "rank", Shortage, City, Quarter, Model, Neutral,
        FollowsCount("job_seekers"), dims: &[Occupation], ytd: false, decimals: 0,
        def_zh: "按紧缺指数由高到低排名", def_en: "Rank by shortage score, highest first",
        lineage: "市场供需 → 紧缺工种模型",
        basis: Basis::Own { method: words("按本平台紧缺指数排名", "ranked by the project's shortage index") },
        sources: &["job_postings", "job_seekers"]),
    // 就业与失业
    measure!("new_urban_jobs", "城镇新增就业", "New urban jobs", "人", "persons", Employment, County, Month, Sum, HigherIsBetter,
        PersonCount, dims: &[KeyGroup], ytd: true, decimals: 0,
        def_zh: "当期办理就业登记的城镇新增就业人数（同一人年内只计一次）",
        def_en: "Persons newly employed in urban areas by employment registration (once per person and year)",
        lineage: "就业登记 → 就业模型",
        basis: Basis::Proxy { tag: words("登记口径", "registrations"), of: words("城镇新增就业（城镇累计新就业人数减自然减员人数）", "new urban jobs (people newly employed in towns minus natural attrition)"), differs: words("为就业登记中当年首次登记的人数，未扣除退休、死亡等自然减员，也未区分城镇", "counts first employment registrations of the year, with no deduction for retirements and deaths and no urban filter") },
        sources: &["employment_registrations"]),
    measure!("new_urban_jobs_target", "城镇新增就业目标", "New urban jobs target", "人", "persons", Employment, City, Year, Sum,
        Neutral, Open, dims: &[], ytd: false, decimals: 0,
        def_zh: "年度城镇新增就业目标任务（演示数据为合成目标）",
        def_en: "Annual target for new urban jobs (synthetic in the demo data)",
        lineage: "年度目标任务",
        basis: Basis::Official { source: words("各级年度就业目标任务（按各市报送数）", "annual employment targets (as each city reports them)") },
        sources: &["employment_targets"]),
    measure!("new_urban_jobs_progress", "新增就业目标完成率", "New jobs target progress", "%", "%", Employment, City, YearToDate,
        Progress { actual: "new_urban_jobs", target: "new_urban_jobs_target" }, HigherIsBetter, FollowsCount("new_urban_jobs"),
        dims: &[], ytd: false, decimals: 1,
        def_zh: "1–N月累计城镇新增就业 ÷ 年度目标", def_en: "Year-to-date new urban jobs ÷ annual target",
        lineage: "就业登记 + 年度目标 → 就业模型",
        basis: Basis::Proxy { tag: words("登记口径", "registrations"), of: words("城镇新增就业目标完成率", "the new urban jobs target completion"), differs: words("分子为登记口径的城镇新增就业，未扣除自然减员", "the numerator is registration-based new jobs, without natural attrition deducted") },
        sources: &["employment_registrations", "employment_targets"]),
    measure!("registered_unemployed", "登记失业人数", "Registered unemployed", "人", "persons", Employment, County, Month, Stock,
        LowerIsBetter, PersonCount, dims: &[KeyGroup], ytd: false, decimals: 0,
        def_zh: "期末仍处于失业登记状态的人数（登记失业，不是调查失业）",
        def_en: "Persons with an open unemployment registration at period end (registered, not surveyed unemployment)",
        lineage: "失业登记 → 就业模型",
        basis: Basis::Official { source: UNEMPLOYMENT_REGISTRATION },
        sources: &["unemployment_registrations"]),
    measure!("unemployment_inflow", "新增失业登记", "Unemployment inflow", "人", "persons", Employment, County, Month, Sum,
        LowerIsBetter, PersonCount, dims: &[], ytd: true, decimals: 0,
        def_zh: "当期新办理失业登记的人数", def_en: "New unemployment registrations in the period",
        lineage: "失业登记 → 就业模型",
        basis: Basis::Official { source: UNEMPLOYMENT_REGISTRATION },
        sources: &["unemployment_registrations"]),
    measure!("unemployment_outflow", "失业登记注销", "Unemployment outflow", "人", "persons", Employment, County, Month, Sum,
        HigherIsBetter, PersonCount, dims: &[], ytd: true, decimals: 0,
        def_zh: "当期结束失业登记（再就业或注销）的人数", def_en: "Unemployment registrations closed in the period",
        lineage: "失业登记 → 就业模型",
        basis: Basis::Official { source: UNEMPLOYMENT_REGISTRATION },
        sources: &["unemployment_registrations"]),
    measure!("long_term_unemployed", "长期失业人数", "Long-term unemployed", "人", "persons", Employment, County, Month, Stock,
        LowerIsBetter, PersonCount, dims: &[], ytd: false, decimals: 0,
        def_zh: "期末失业登记已持续{long_term_months}个月及以上的人数（按登记月份计）",
        def_en: "Persons whose open unemployment registration began {long_term_months} or more months before the period end (by month)",
        lineage: "失业登记 → 就业模型",
        basis: Basis::Own { method: words("失业登记持续时间达规则配置的月数（参照国际劳工组织长期失业的12个月）", "an unemployment registration open for the months the rules set (after the ILO's 12 months of long-term unemployment)") },
        sources: &["unemployment_registrations"]),
    measure!("registered_unemployment_rate", "城镇登记失业率", "Registered unemployment rate", "%", "%", Employment, County, Month,
        Ratio { numerator: "registered_unemployed", denominator: "labour_force_registered", scale: 100.0 }, LowerIsBetter,
        FollowsCount("registered_unemployed"), dims: &[], ytd: false, decimals: 2,
        def_zh: "登记失业人数 ÷（社保参保就业人数＋登记失业人数）；以参保人数近似城镇从业人员，不同于调查失业率",
        def_en: "Registered unemployed ÷ (insured employed + registered unemployed); insured headcount stands in for urban employment; not the surveyed rate",
        lineage: "失业登记 + 社保缴纳 → 就业模型",
        basis: Basis::Proxy { tag: words("参保口径", "insured base"), of: words("城镇登记失业率（城镇登记失业人数 ÷（城镇从业人员＋城镇登记失业人数））", "the registered urban unemployment rate (registered unemployed ÷ (urban employment + registered unemployed))"), differs: words("分母以社保参保就业人数代替城镇从业人员，参保人数通常少于城镇从业人员，故本口径通常偏高；不同于调查失业率", "insured headcount stands in for urban employment, which it usually undercounts, so this rate usually runs higher; not the surveyed rate") },
        sources: &["unemployment_registrations", "social_insurance"]),
    measure!("labour_force_registered", "登记口径劳动力（中间量）", "Registered labour force (internal)", "人", "persons", Employment,
        County, Month, Stock, Neutral, Open, dims: &[], ytd: false, decimals: 0,
        def_zh: "参保就业人数＋登记失业人数，计算登记失业率的分母", def_en: "Insured employed + registered unemployed",
        lineage: "失业登记 + 社保缴纳",
        basis: Basis::Own { method: words("参保就业人数＋登记失业人数，登记失业率的分母", "insured employed + registered unemployed, the rate's denominator") },
        sources: &["unemployment_registrations", "social_insurance"]),
    measure!("surveyed_unemployment_rate", "城镇调查失业率", "Surveyed urban unemployment rate", "%", "%", Employment, City, Month,
        Published { beside: "registered_unemployment_rate", scale: 1.0, reference: true }, LowerIsBetter, Open, dims: &[], ytd: false, decimals: 1,
        def_zh: "城镇调查失业人数 ÷（城镇调查就业人数＋城镇调查失业人数），由统计部门的劳动力调查按国际劳工组织的失业标准推算；登记数据不能算出，按发布数录入",
        def_en: "Surveyed urban unemployed ÷ (surveyed urban employed + unemployed), estimated by the statistics bureaus' labour-force survey on the ILO's definition of unemployment; registers cannot give it, so it is entered as published",
        lineage: "官方发布数据",
        basis: Basis::Official { source: words("国家统计局劳动力调查；发布机构、文件和日期随每个数附注", "the NBS labour-force survey; each figure's publisher, document and date travel with it") },
        sources: &["official_series"]),
    measure!("official_registered_unemployment_rate", "城镇登记失业率（官方发布）", "Registered unemployment rate (published)", "%", "%",
        Employment, City, Year, Published { beside: "registered_unemployment_rate", scale: 1.0, reference: true }, LowerIsBetter, Open, dims: &[],
        ytd: false, decimals: 2,
        def_zh: "城镇登记失业人数 ÷（城镇从业人员＋城镇登记失业人数），人社部门发布的期末数",
        def_en: "Registered urban unemployed ÷ (urban employment + registered unemployed), the period-end figure the HRSS departments publish",
        lineage: "官方发布数据",
        basis: Basis::Official { source: PUBLISHED },
        sources: &["official_series"]),
    measure!("official_new_urban_jobs", "城镇新增就业（官方发布）", "New urban jobs (published)", "万人", "10k persons", Employment,
        City, Year, Published { beside: "new_urban_jobs", scale: 10_000.0, reference: false }, HigherIsBetter, Open, dims: &[], ytd: true, decimals: 1,
        def_zh: "城镇累计新就业人数减去自然减员人数，人社部门统计口径的发布数（全年或1–N月累计）",
        def_en: "People newly employed in towns minus natural attrition, as the HRSS departments publish it (the year, or year to date)",
        lineage: "官方发布数据",
        basis: Basis::Official { source: PUBLISHED },
        sources: &["official_series"]),
    // 企业用工
    measure!("insured_headcount", "参保职工人数", "Insured employees", "人", "persons", Enterprise, County, Month, Stock,
        HigherIsBetter, PersonCount, dims: &[Industry], ytd: false, decimals: 0,
        def_zh: "期末企业职工基本养老保险在缴人数", def_en: "Employees with contributions paid at period end",
        lineage: "社保缴纳 → 企业用工模型",
        basis: Basis::Official { source: words("社会保险经办数据（企业职工基本养老保险缴费人数）", "social-insurance administration records (contributors to the employees' basic pension)") },
        sources: &["social_insurance"]),
    measure!("insured_net_change", "参保净增人数", "Net change in insured employees", "人", "persons", Enterprise, County, Month,
        Sum, HigherIsBetter, FollowsCount("insured_headcount"), dims: &[Industry], ytd: true, decimals: 0,
        def_zh: "当期新增参保人数 － 减少参保人数", def_en: "New insured minus terminated in the period",
        lineage: "社保缴纳 → 企业用工模型",
        basis: Basis::Own { method: words("参保缴费记录中新增参保减减少参保", "new minus terminated contributors in the insurance records") },
        sources: &["social_insurance"]),
    measure!("layoff_alerts", "规模裁员预警企业", "Employers with layoff alerts", "家", "employers", Enterprise, County, Month, Sum,
        LowerIsBetter, Open, dims: &[], ytd: true, decimals: 0,
        def_zh: "当月参保人数比上月净减少达到报告门槛（{layoff_rule}）的企业数；以参保减员近似需报告的裁员",
        def_en: "Employers whose insured headcount fell against the previous month by the reporting threshold ({layoff_rule}); insured-headcount loss stands in for reported layoffs",
        lineage: "社保缴纳 → 企业用工模型·裁员预警",
        basis: Basis::Proxy { tag: words("参保减员口径", "insured-headcount loss"), of: words("《劳动合同法》第四十一条须报告的裁员", "layoffs reportable under art. 41 of the Labour Contract Law"), differs: words("以企业当月参保人数净减少近似裁员，正常离职、转移参保也计入；门槛见规则配置", "a net monthly fall in insured headcount stands in for a layoff, so quits and transfers count too; thresholds as the rules set") },
        sources: &["social_insurance"]),
    measure!("layoff_cut", "预警企业减员人数", "Headcount cut at alerted employers", "人", "persons", Enterprise, County, Month,
        Sum, LowerIsBetter, PersonCount, dims: &[], ytd: true, decimals: 0,
        def_zh: "触发裁员预警企业当月减少的参保人数", def_en: "Insured headcount lost at employers with a layoff alert",
        lineage: "社保缴纳 → 企业用工模型·裁员预警",
        basis: Basis::Proxy { tag: words("参保减员口径", "insured-headcount loss"), of: words("裁减人员数", "the number of people laid off"), differs: words("为触发预警企业当月参保人数的净减少", "the net monthly fall in insured headcount at the alerted employers") },
        sources: &["social_insurance"]),
    // 就业补助资金
    measure!("subsidy_budget", "就业补助资金预算", "Employment subsidy budget", "万元", "10k CNY", Subsidy, City, Year, Sum,
        Neutral, Open, dims: &[SubsidyType], ytd: false, decimals: 1,
        def_zh: "年度就业补助资金预算（按市、补贴类型）", def_en: "Annual employment-subsidy budget by city and type",
        lineage: "就业补助资金·预算",
        basis: Basis::Official { source: SUBSIDY_RULES },
        sources: &["subsidy_budgets"]),
    measure!("subsidy_disbursed", "资金支出", "Subsidy disbursed", "万元", "10k CNY", Subsidy, County, Month, Sum, Neutral,
        FollowsCount("subsidy_beneficiaries"), dims: &[SubsidyType], ytd: true, decimals: 1,
        def_zh: "当期就业补助资金实际拨付金额", def_en: "Subsidy amounts paid out in the period",
        lineage: "就业补助资金·拨付 → 资金模型",
        basis: Basis::Official { source: SUBSIDY_RULES },
        sources: &["subsidy_disbursements"]),
    measure!("subsidy_beneficiaries", "补贴受益人次", "Subsidy payments", "人次", "payments", Subsidy, County, Month, Sum,
        Neutral, PersonCount, dims: &[SubsidyType], ytd: true, decimals: 0,
        def_zh: "当期拨付笔数（个人补贴为人次，单位补贴为户次）", def_en: "Payments made in the period (person-times or employer-times)",
        lineage: "就业补助资金·拨付 → 资金模型",
        basis: Basis::Official { source: SUBSIDY_RULES },
        sources: &["subsidy_disbursements"]),
    measure!("subsidy_execution_rate", "预算执行率", "Budget execution", "%", "%", Subsidy, City, YearToDate,
        Progress { actual: "subsidy_disbursed", target: "subsidy_budget" }, HigherIsBetter, Open,
        dims: &[SubsidyType], ytd: false, decimals: 1,
        def_zh: "1–N月累计支出 ÷ 年度预算；与时间进度（N/12）比较",
        def_en: "Year-to-date disbursement ÷ annual budget; compare with elapsed time (N/12)",
        lineage: "就业补助资金 → 资金模型",
        basis: Basis::Own { method: words("1–N月累计支出 ÷ 年度预算，与时间进度比较", "year-to-date spending ÷ the annual budget, against the share of the year elapsed") },
        sources: &["subsidy_disbursements", "subsidy_budgets"]),
    measure!("subsidy_per_payment", "笔均补贴", "Average payment", "元", "CNY", Subsidy, County, Month,
        Ratio { numerator: "subsidy_disbursed", denominator: "subsidy_beneficiaries", scale: 10000.0 }, Neutral,
        FollowsCount("subsidy_beneficiaries"), dims: &[SubsidyType], ytd: true, decimals: 0,
        def_zh: "资金支出 ÷ 拨付笔数", def_en: "Disbursed amount ÷ payments",
        lineage: "就业补助资金·拨付 → 资金模型",
        basis: Basis::Own { method: words("资金支出 ÷ 拨付笔数", "amount paid ÷ payments") },
        sources: &["subsidy_disbursements"]),
    measure!("subsidy_duplicate_payments", "疑似重复发放", "Suspected duplicate payments", "笔", "payments", Subsidy, County,
        Month, Sum, LowerIsBetter, PersonCount, dims: &[], ytd: true, decimals: 0,
        def_zh: "同一受益人、同一补贴类型、相同金额在{duplicate_window_days}天内再次拨付的笔数；按月发放的{instalment_types}为{instalment_window_days}天内",
        def_en: "Payments repeating the same recipient, type and amount within {duplicate_window_days} days ({instalment_window_days} days for the monthly {instalment_types})",
        lineage: "就业补助资金·拨付 → 资金模型·异常识别",
        basis: Basis::Own { method: words("本平台异常识别规则，时间窗见规则配置", "the project's anomaly rule; windows as the rules set") },
        sources: &["subsidy_disbursements"]),
    measure!("subsidy_unregistered_payments", "无登记记录发放", "Payments without registration", "笔", "payments", Subsidy,
        County, Month, Sum, LowerIsBetter, PersonCount, dims: &[], ytd: true, decimals: 0,
        def_zh: "受益人在就业、失业登记及业务经办记录中均无记录的个人补贴笔数",
        def_en: "Personal subsidy payments to recipients found in no registration or service record",
        lineage: "就业补助资金 + 就业/失业登记 + 业务经办 → 资金模型·异常识别",
        basis: Basis::Own { method: words("本平台异常识别规则：与就业、失业、求职登记和业务经办记录比对", "the project's anomaly rule: matched against employment, unemployment and job-seeker registrations and service records") },
        sources: &["subsidy_disbursements", "employment_registrations", "unemployment_registrations", "job_seekers", "service_transactions"]),
    // 服务区
    measure!("zone_count", "服务区数量", "Service zones", "个", "zones", ServiceZones, County, Month, Stock, HigherIsBetter, Open,
        dims: &[], ytd: false, decimals: 0,
        def_zh: "期末已开放的“数智就业”服务区数量", def_en: "Open 数智就业 service zones at period end",
        lineage: "服务区名录",
        basis: Basis::Official { source: ZONE_NOTICE },
        sources: &["service_zones"]),
    measure!("zone_services", "服务区服务人次", "Service zone visits", "人次", "person-times", ServiceZones, County, Month, Sum,
        HigherIsBetter, PersonCount, dims: &[], ytd: true, decimals: 0,
        def_zh: "服务区当期服务人次（同一人同日计一次）", def_en: "Person-times served by zones (one per person and day)",
        lineage: "业务经办 → 服务区模型",
        basis: Basis::Official { source: ZONE_NOTICE },
        sources: &["service_transactions"]),
    measure!("zone_records", "汇聚有效数据", "Valid records aggregated", "条", "records", ServiceZones, County, Month, Sum,
        HigherIsBetter, Open, dims: &[], ytd: true, decimals: 0,
        def_zh: "服务区当期汇聚的通过校验的业务记录条数", def_en: "Validated service records aggregated by zones",
        lineage: "业务经办 → 服务区模型",
        basis: Basis::Official { source: ZONE_NOTICE },
        sources: &["service_transactions"]),
    measure!("zones_meeting_targets", "达标服务区", "Zones meeting targets", "个", "zones", ServiceZones, County, Year, Sum,
        HigherIsBetter, Open, dims: &[], ytd: false, decimals: 0,
        def_zh: "参评服务区中全年服务人次（人社部门≥{zone_services_bureau}、高校/技工院校≥{zone_services_school}）、有效数据≥{zone_records}条、服务功能≥{zone_functions}项（共{zone_functions_listed}项）均达到的个数",
        def_en: "Evaluated zones meeting all yearly targets: visits (≥{zone_services_bureau} bureau, ≥{zone_services_school} school), ≥{zone_records} valid records, ≥{zone_functions} of {zone_functions_listed} functions",
        lineage: "业务经办 + 服务区名录 → 服务区模型",
        basis: Basis::Official { source: ZONE_NOTICE },
        sources: &["service_zones", "service_transactions"]),
    measure!("zones_evaluated", "参评服务区", "Zones evaluated", "个", "zones", ServiceZones, County, Year, Sum, Neutral, Open,
        dims: &[], ytd: false, decimals: 0,
        def_zh: "该年已结束、且1月1日前已开放（开放满全年）的服务区数；当年和开放当年只看进度，不评达标",
        def_en: "Zones open since 1 January of a year that has ended; the running year and a zone's first year show progress only",
        lineage: "服务区名录",
        basis: Basis::Official { source: ZONE_NOTICE },
        sources: &["service_zones"]),
    measure!("zone_pass_rate", "服务区达标率", "Zone target pass rate", "%", "%", ServiceZones, County, Year,
        Ratio { numerator: "zones_meeting_targets", denominator: "zones_evaluated", scale: 100.0 }, HigherIsBetter, Open,
        dims: &[], ytd: false, decimals: 1,
        def_zh: "达标服务区 ÷ 参评服务区", def_en: "Zones meeting targets ÷ zones evaluated", lineage: "服务区模型",
        basis: Basis::Official { source: ZONE_NOTICE },
        sources: &["service_zones", "service_transactions"]),
    // 宏观经济与移动通信
    // 监测预警
    measure!("warning_index", "综合预警指数", "Composite warning index", "", "", Warning, County, Month, Model, LowerIsBetter,
        Open, dims: &[], ytd: false, decimals: 1,
        def_zh: "各预警指标按权重合成（红色计满分、橙色计2/3、黄色计1/3），0为平稳、100为全部指标红色预警；只计有数据的指标",
        def_en: "Weighted share of the warning indicators at alert (red counts fully, orange 2/3, yellow 1/3): 0 calm, 100 all red; over the indicators with data",
        lineage: "预警配置 config/early-warning.ron → 预警模型",
        basis: Basis::Own { method: words("本平台综合预警指数，指标和阈值见预警配置", "the project's composite index; indicators and thresholds as the warning configuration sets") },
        sources: &[]),
    measure!("warning_level", "最高预警等级", "Highest alert level", "级", "level", Warning, County, Month, Model, LowerIsBetter,
        Open, dims: &[], ytd: false, decimals: 0,
        def_zh: "地区（含下辖地区）当月最严重预警的等级：0无预警，1黄色，2橙色，3红色",
        def_en: "Level of the most severe alert in the region (or a region within it) that month: 0 none, 1 yellow, 2 orange, 3 red",
        lineage: "预警配置 config/early-warning.ron → 预警模型",
        basis: Basis::Own { method: words("本平台预警分级，阈值见预警配置", "the project's alert levels; thresholds as the warning configuration sets") },
        sources: &[]),
    measure!("gdp", "地区生产总值", "GDP", "亿元", "100M CNY", Macro, City, Quarter, Sum, HigherIsBetter, Open,
        dims: &[Sector], ytd: true, decimals: 1,
        def_zh: "季度地区生产总值（现价），按三次产业分增加值", def_en: "Quarterly GDP at current prices, value added by sector",
        lineage: "宏观经济",
        basis: Basis::Official { source: STATISTICS },
        sources: &["macro_quarterly"]),
    measure!("fixed_asset_investment", "固定资产投资", "Fixed-asset investment", "亿元", "100M CNY", Macro, City, Quarter, Sum,
        HigherIsBetter, Open, dims: &[], ytd: true, decimals: 1,
        def_zh: "季度固定资产投资额", def_en: "Quarterly fixed-asset investment", lineage: "宏观经济",
        basis: Basis::Official { source: STATISTICS },
        sources: &["macro_quarterly"]),
    measure!("cpi", "居民消费价格指数", "CPI", "上年同期=100", "prev. year = 100", Macro, City, Quarter, Mean, Neutral, Open,
        dims: &[], ytd: false, decimals: 1,
        def_zh: "居民消费价格指数，上年同期=100", def_en: "Consumer price index, same period last year = 100", lineage: "宏观经济",
        basis: Basis::Proxy { tag: words("简单平均", "unweighted mean"), of: words("居民消费价格指数", "the consumer price index"), differs: words("各市为统计部门发布数；全省和多季度为各市、各季度的简单平均，统计部门按消费权重汇总，二者可能不同", "cities' figures are published ones; the province and multi-quarter figures are unweighted means, where the bureaus weight by consumption, so they may differ") },
        sources: &["macro_quarterly"]),
    measure!("resident_population_mobile", "常住人口（信令）", "Resident population (mobile)", "万人", "10k persons", Macro,
        County, Month, Stock, Neutral, Open, dims: &[], ytd: false, decimals: 1,
        def_zh: "移动通信信令估算的月末常住人口", def_en: "Month-end resident population estimated from mobile-network data",
        lineage: "移动通信",
        basis: Basis::Proxy { tag: words("信令估算", "signalling"), of: words("常住人口（统计部门）", "the resident population (statistics bureaus)"), differs: MOBILE },
        sources: &["mobile_population"]),
    measure!("working_population_mobile", "工作人口（信令）", "Working population (mobile)", "万人", "10k persons", Macro,
        County, Month, Stock, HigherIsBetter, Open, dims: &[], ytd: false, decimals: 1,
        def_zh: "移动通信信令估算的工作地人口", def_en: "Population working in the region, from mobile-network data",
        lineage: "移动通信",
        basis: Basis::Proxy { tag: words("信令估算", "signalling"), of: words("就业人员（统计部门）", "employed persons (statistics bureaus)"), differs: MOBILE },
        sources: &["mobile_population"]),
    measure!("net_commuter_inflow", "跨市净流入", "Net inter-city inflow", "万人次", "10k trips", Macro, City, Month, Sum,
        Neutral, Open, dims: &[], ytd: false, decimals: 2,
        def_zh: "信令流动矩阵中流入减流出的跨市通勤人次", def_en: "Inter-city commuting trips in minus out, from the mobile flow matrix",
        lineage: "移动通信·流动矩阵",
        basis: Basis::Own { method: MOBILE },
        sources: &["mobile_flows"]),
];

impl MeasureDef {
    pub fn name(&self, lang: Lang) -> &'static str {
        lang.pick(self.name_zh, self.name_en)
    }

    pub fn unit(&self, lang: Lang) -> &'static str {
        lang.pick(self.unit_zh, self.unit_en)
    }

    /// 口径, its numbers filled from the rules the cube was built with.
    pub fn definition(&self, rules: &MeasureRules, lang: Lang) -> String {
        rules.render(lang.pick(self.definition_zh, self.definition_en), lang)
    }

    /// The period this measure is shown for at `month`: the month itself for monthly
    /// measures, the last complete quarter for quarterly ones, the month's year for yearly
    /// ones and 1–N月累计 for year-to-date ones.
    pub fn period_at(&self, month: Period) -> Period {
        match self.native_period {
            PeriodKind::Month => month,
            PeriodKind::Quarter => month.last_complete_quarter(),
            PeriodKind::Year => Period::Year { year: month.year() },
            PeriodKind::YearToDate => month.year_to_date(),
        }
    }
}

/// A change of 口径: figures before it was made may differ from the same figures now.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct DefinitionChange {
    /// The day it took effect (YYYY-MM-DD).
    pub effective: &'static str,
    pub measures: &'static [&'static str],
    pub what: Words,
}

/// The 口径 change log, newest first (shown on the 数据来源 screen): figures leaders have
/// already seen move when a definition is corrected, and this says why.
pub static CHANGES: &[DefinitionChange] = &[
    DefinitionChange {
        effective: "2026-12-05",
        measures: &["subsidy_duplicate_payments"],
        what: words(
            "时间窗由15天改为口径所述的90天；按月发放的补贴类型为20天",
            "The window is the definition's 90 days instead of 15; 20 days for subsidies paid in monthly instalments",
        ),
    },
    DefinitionChange {
        effective: "2026-12-05",
        measures: &["zones_meeting_targets", "zones_evaluated", "zone_pass_rate"],
        what: words(
            "只评价已结束、且服务区开放满全年的年度，按全年目标；当年和开放当年只显示进度（原按开放月数折算目标并评达标）",
            "Only a year that has ended, for a zone open all year, is evaluated, against the full targets; the running year and a zone's first year show progress (targets were pro-rated by months open and judged)",
        ),
    },
    DefinitionChange {
        effective: "2026-12-05",
        measures: &["shortage_score", "shortage_rank"],
        what: words(
            "无需求人数且无求职人数的季度不再计为紧缺季度；同分按职业代码排序",
            "A quarter with no vacancies and no seekers no longer counts as tight; equal scores rank by occupation code",
        ),
    },
    DefinitionChange {
        effective: "2026-12-05",
        measures: &["registered_unemployed", "long_term_unemployed", "insured_headcount", "zone_count", "resident_population_mobile", "working_population_mobile"],
        what: words(
            "季度、年度的期末数取期末月；期末月缺失时为缺失，不再取更早月份",
            "A quarter's or year's stock is its last month's, missing when that month is, no longer an earlier month",
        ),
    },
    DefinitionChange {
        effective: "2026-12-05",
        measures: &["layoff_alerts", "layoff_cut"],
        what: words(
            "按《劳动合同法》第四十一条，减员占职工总数10%及以上即计入，取消“至少5人”的下限",
            "Per art. 41 of the Labour Contract Law a cut of 10 % of staff counts, without the former floor of five people",
        ),
    },
    DefinitionChange {
        effective: "2026-12-05",
        measures: &["gdp"],
        what: words(
            "三次产业增加值之和与地区生产总值不符的报送行不再接收",
            "A return whose sectors do not add up to its GDP is quarantined",
        ),
    },
];

/// The published measures, their 口径 and 口径来源, the rules' parameters and the change
/// log as Markdown (data/README.md embeds this text; a test keeps the two equal).
pub fn markdown(rules: &MeasureRules) -> String {
    let cell = |t: &str| t.replace('|', "\\|");
    let mut out = String::from("| 指标 | 单位 | 口径 | 口径来源 |\n|---|---|---|---|\n");
    for m in MEASURES.iter().filter(|m| !is_internal(m.id)) {
        out += &format!(
            "| {}（`{}`） | {} | {} | {} |\n",
            m.name_zh,
            m.id,
            if m.unit_zh.is_empty() { "—" } else { m.unit_zh },
            cell(&m.definition(rules, Lang::Zh)),
            cell(&m.basis.describe(Lang::Zh))
        );
    }
    out += "\n口径参数（`config/measure-rules.ron`）：\n\n| 规则 | 参数 | 依据 |\n|---|---|---|\n";
    for line in rules.describe(Lang::Zh) {
        out += &format!("| {} | {} | {} |\n", line.name, cell(&line.rule), cell(&line.basis));
    }
    out += "\n口径变更记录：\n\n| 生效日期 | 指标 | 变更 |\n|---|---|---|\n";
    for change in CHANGES {
        let names: Vec<&str> = change.measures.iter().filter_map(|id| measure(id)).map(|m| m.name_zh).collect();
        out += &format!("| {} | {} | {} |\n", change.effective, names.join("、"), cell(change.what.zh));
    }
    out
}

/// Measures that exist only to compute others and are not published.
pub fn is_internal(id: &str) -> bool {
    matches!(id, "posted_wage_sum" | "labour_force_registered")
}

pub fn measure(id: &str) -> Option<&'static MeasureDef> {
    MEASURES.iter().find(|m| m.id == id)
}

/// The official measures published beside `id` (`Aggregation::Published::beside`).
pub fn published_beside(id: &str) -> impl Iterator<Item = &'static MeasureDef> + '_ {
    MEASURES.iter().filter(move |def| matches!(def.aggregation, Aggregation::Published { beside, .. } if beside == id))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Numbers a definition may write as they are: they belong to the measure's
    /// mathematics, not to a rule (everything else is a `{parameter}`).
    const LITERAL_NUMBERS: &[(&str, &str, &str)] = &[
        ("demand_supply_ratio", "1", "the balance point of vacancies and seekers"),
        ("shortage_score", "0–100", "the score's range"),
        ("subsidy_execution_rate", "1–N", "year-to-date months"),
        ("subsidy_execution_rate", "N/12", "the share of the year elapsed"),
        ("cpi", "100", "the index base"),
        ("warning_index", "2/3", "orange is level 2 of 3 (alert::AlertLevel::rank)"),
        ("warning_index", "1/3", "yellow is level 1 of 3"),
        ("warning_index", "0", "the index's range"),
        ("warning_index", "100", "the index's range"),
        ("warning_level", "0", "the level codes (alert::AlertLevel::rank)"),
        ("warning_level", "1", "the level codes"),
        ("warning_level", "2", "the level codes"),
        ("warning_level", "3", "the level codes"),
        ("zones_evaluated", "1", "1 January"),
        ("zones_evaluated", "1月1日", "1 January"),
        ("new_urban_jobs_progress", "1–N", "year-to-date months"),
        ("official_new_urban_jobs", "1–N", "year-to-date months"),
    ];

    #[test]
    fn official_series_are_the_published_measures_named_with_their_unit() {
        let published: Vec<&MeasureDef> = MEASURES.iter().filter(|m| matches!(m.aggregation, Aggregation::Published { .. })).collect();
        let mut ids: Vec<&str> = published.iter().map(|m| m.id).collect();
        let mut codes = crate::codes::codes(crate::codes::OFFICIAL_SERIES);
        ids.sort_unstable();
        codes.sort_unstable();
        assert_eq!(ids, codes, "the official series' code list and the published measures differ");
        for (code, zh, en) in crate::codes::OFFICIAL_SERIES {
            let m = measure(code).unwrap_or_else(|| panic!("{code} is not a measure"));
            let Aggregation::Published { beside, .. } = m.aggregation else { panic!("{code} is not published") };
            let counterpart = measure(beside).unwrap_or_else(|| panic!("{code} stands beside no measure ({beside})"));
            assert!(!matches!(counterpart.aggregation, Aggregation::Published { .. }), "{code} stands beside a published figure");
            assert_eq!(m.sources, &["official_series"], "{code}");
            assert_eq!(m.disclosure, Disclosure::Open, "{code}: published figures are public");
            assert!(zh.starts_with(m.name_zh.trim_end_matches("（官方发布）")), "{code}: {zh}");
            assert!(m.unit_zh.is_empty() || zh.ends_with(&format!("（{}）", m.unit_zh)), "{code}: {zh} is typed in {}", m.unit_zh);
            assert!(m.unit_en.is_empty() || en.ends_with(&format!("({})", m.unit_en)), "{code}: {en}");
            assert!(crate::schema::OFFICIAL_SERIES_RANGES.iter().any(|(c, lo, hi)| c == code && lo < hi), "{code} has no plausible range");
        }
    }

    #[test]
    fn data_readme_documents_these_measures() {
        let readme = include_str!("../../../data/README.md");
        let start = readme.find("<!-- measures:begin -->").expect("marker") + "<!-- measures:begin -->\n".len();
        let end = readme.find("<!-- measures:end -->").expect("marker");
        assert!(
            readme[start..end] == markdown(MeasureRules::builtin()),
            "data/README.md is stale: regenerate with `analytics schemas --measures`"
        );
    }

    #[test]
    fn every_measure_says_where_its_definition_comes_from() {
        for m in MEASURES {
            let texts: Vec<&str> = match m.basis {
                Basis::Official { source } => vec![source.zh, source.en],
                Basis::Proxy { tag, of, differs } => vec![tag.zh, tag.en, of.zh, of.en, differs.zh, differs.en],
                Basis::Own { method } => vec![method.zh, method.en],
            };
            assert!(texts.iter().all(|t| !t.trim().is_empty()), "{}: {:?}", m.id, m.basis);
        }
        for change in CHANGES {
            assert!(chrono::NaiveDate::parse_from_str(change.effective, "%Y-%m-%d").is_ok(), "{}", change.effective);
            assert!(change.measures.iter().all(|id| measure(id).is_some()), "{:?}", change.measures);
        }
        assert!(CHANGES.windows(2).all(|w| w[0].effective >= w[1].effective), "newest first");
        let basis = measure("registered_unemployment_rate").unwrap().basis;
        assert_eq!(basis.tag(Lang::Zh), Some("参保口径"));
        assert!(basis.describe(Lang::Zh).starts_with("近似口径（参保口径）：近似城镇登记失业率"));
    }

    #[test]
    fn every_number_in_a_definition_comes_from_the_rules() {
        let rules = MeasureRules::default();
        for m in MEASURES {
            for (lang, template) in [(Lang::Zh, m.definition_zh), (Lang::En, m.definition_en)] {
                // Renders: every placeholder is a parameter.
                let text = m.definition(&rules, lang);
                assert!(!text.contains(['{', '}']), "{}: {text}", m.id);
                let mut bare = String::new();
                let mut depth = 0;
                for c in template.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ if depth == 0 => bare.push(c),
                        _ => {}
                    }
                }
                // Longest first, so `100` goes before the `0` inside it.
                let mut literals: Vec<&str> = LITERAL_NUMBERS.iter().filter(|(id, ..)| *id == m.id).map(|(_, l, _)| *l).collect();
                literals.sort_by_key(|l| std::cmp::Reverse(l.len()));
                for literal in literals {
                    bare = bare.replace(literal, "");
                }
                assert!(!bare.chars().any(|c| c.is_ascii_digit()), "{}: a number not from the rules in {template:?}", m.id);
            }
        }
    }

    #[test]
    fn every_reference_names_a_declared_measure() {
        let mut ids = std::collections::HashSet::new();
        for m in MEASURES {
            assert!(ids.insert(m.id), "duplicate measure {}", m.id);
        }
        for m in MEASURES {
            let refs: Vec<&str> = match m.aggregation {
                Aggregation::Ratio { numerator, denominator, .. } => vec![numerator, denominator],
                Aggregation::Progress { actual, target } => vec![actual, target],
                _ => vec![],
            };
            for source in m.sources {
                assert!(crate::schema::source(source).is_some(), "{}: unknown source {source}", m.id);
            }
            for r in refs.into_iter().chain(match m.disclosure {
                Disclosure::FollowsCount(c) => Some(c),
                _ => None,
            }) {
                assert!(measure(r).is_some(), "{} refers to unknown measure {r}", m.id);
            }
        }
    }
}
