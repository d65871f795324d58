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
}

macro_rules! measure {
    ($id:literal, $zh:literal, $en:literal, $uzh:literal, $uen:literal, $topic:ident, $level:ident, $period:ident,
     $agg:expr, $dir:ident, $disc:expr, dims: $dims:expr, ytd: $ytd:literal, decimals: $dec:literal,
     def_zh: $dzh:literal, def_en: $den:literal, lineage: $lin:literal) => {
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
        }
    };
}

use Aggregation::*;
use DimKind::*;
use Disclosure::*;

pub static MEASURES: &[MeasureDef] = &[
    // 供需匹配
    measure!("vacancies", "岗位需求人数", "Vacancies", "人", "persons", SupplyDemand, County, Month, Sum, Neutral, Open,
        dims: &[Occupation, Industry], ytd: false, decimals: 0,
        def_zh: "当月公共就业服务机构及平台登记的招聘岗位需求人数（按岗位招聘人数计）",
        def_en: "Vacancies posted in the month at public employment services, counted by positions",
        lineage: "市场供需·招聘岗位 → 供需模型"),
    measure!("job_seekers", "求职人数", "Job seekers", "人", "persons", SupplyDemand, County, Month, Sum, Neutral, PersonCount,
        dims: &[Occupation], ytd: false, decimals: 0,
        def_zh: "当月登记求职的人数（同一人当月多次登记计一次）",
        def_en: "Persons registering as job seekers in the month (one count per person and month)",
        lineage: "市场供需·求职登记 → 供需模型"),
    measure!("demand_supply_ratio", "求人倍率", "Vacancy-to-seeker ratio", "", "", SupplyDemand, County, Month,
        Ratio { numerator: "vacancies", denominator: "job_seekers", scale: 1.0 }, Neutral, FollowsCount("job_seekers"),
        dims: &[Occupation], ytd: false, decimals: 2,
        def_zh: "岗位需求人数 ÷ 求职人数；大于1表示岗位多于求职者",
        def_en: "Vacancies ÷ job seekers; above 1 means more jobs than seekers",
        lineage: "市场供需 → 供需模型"),
    measure!("posted_wage", "招聘平均工资", "Average posted wage", "元/月", "CNY/month", SupplyDemand, County, Month,
        Ratio { numerator: "posted_wage_sum", denominator: "vacancies", scale: 1.0 }, HigherIsBetter, Open,
        dims: &[Occupation], ytd: false, decimals: 0,
        def_zh: "招聘岗位工资区间中值按岗位人数加权平均",
        def_en: "Midpoint of posted wage ranges, weighted by vacancies",
        lineage: "市场供需·招聘岗位 → 供需模型"),
    measure!("posted_wage_sum", "招聘工资总额（中间量）", "Posted wage × vacancies (internal)", "元", "CNY", SupplyDemand, County, Month,
        Sum, Neutral, Open, dims: &[Occupation], ytd: false, decimals: 0,
        def_zh: "计算平均工资的中间量，不单独发布", def_en: "Intermediate for the average wage; not published",
        lineage: "市场供需·招聘岗位"),
    // 急需紧缺工种
    measure!("shortage_gap", "缺口数", "Shortage gap", "人", "persons", Shortage, City, Quarter, Sum, LowerIsBetter,
        FollowsCount("job_seekers"), dims: &[Occupation], ytd: false, decimals: 0,
        def_zh: "季度岗位需求人数 － 求职人数（人社部“最缺工”口径）",
        def_en: "Quarterly vacancies minus job seekers (MOHRSS shortage-list definition)",
        lineage: "市场供需 → 紧缺工种模型"),
    measure!("shortage_score", "紧缺指数", "Shortage score", "分", "points", Shortage, City, Quarter, Model, LowerIsBetter,
        FollowsCount("job_seekers"), dims: &[Occupation], ytd: false, decimals: 1,
        def_zh: "0–100分：缺口规模{weight_gap}%＋求人倍率{weight_ratio}%（{ratio_cap}及以上满分）＋持续性{weight_persistence}%（近{persistence_quarters}个季度中求人倍率高于{tight_ratio}的比例）＋工资同比增长{weight_wage_growth}%（{wage_growth_full_marks}%及以上满分）＋覆盖面{weight_breadth}%（下辖地区缺口为正的比例），仅对缺口为正的工种评分；同分按职业代码排序",
        def_en: "0–100: gap size {weight_gap}% + ratio {weight_ratio}% (full at {ratio_cap}) + persistence {weight_persistence}% (share of the last {persistence_quarters} quarters with a ratio above {tight_ratio}) + wage growth {weight_wage_growth}% (full at {wage_growth_full_marks}% a year) + breadth {weight_breadth}% (share of sub-regions with a gap); occupations with a positive gap only; ties by occupation code",
        lineage: "市场供需 → 紧缺工种模型"),
    measure!("shortage_rank", "紧缺排名", "Shortage rank", "位", "rank", Shortage, City, Quarter, Model, Neutral,
        FollowsCount("job_seekers"), dims: &[Occupation], ytd: false, decimals: 0,
        def_zh: "按紧缺指数由高到低排名", def_en: "Rank by shortage score, highest first",
        lineage: "市场供需 → 紧缺工种模型"),
    // 就业与失业
    measure!("new_urban_jobs", "城镇新增就业", "New urban jobs", "人", "persons", Employment, County, Month, Sum, HigherIsBetter,
        PersonCount, dims: &[KeyGroup], ytd: true, decimals: 0,
        def_zh: "当期办理就业登记的城镇新增就业人数（同一人年内只计一次）",
        def_en: "Persons newly employed in urban areas by employment registration (once per person and year)",
        lineage: "就业登记 → 就业模型"),
    measure!("new_urban_jobs_target", "城镇新增就业目标", "New urban jobs target", "人", "persons", Employment, City, Year, Sum,
        Neutral, Open, dims: &[], ytd: false, decimals: 0,
        def_zh: "年度城镇新增就业目标任务（演示数据为合成目标）",
        def_en: "Annual target for new urban jobs (synthetic in the demo data)",
        lineage: "年度目标任务"),
    measure!("new_urban_jobs_progress", "新增就业目标完成率", "New jobs target progress", "%", "%", Employment, City, YearToDate,
        Progress { actual: "new_urban_jobs", target: "new_urban_jobs_target" }, HigherIsBetter, FollowsCount("new_urban_jobs"),
        dims: &[], ytd: false, decimals: 1,
        def_zh: "1–N月累计城镇新增就业 ÷ 年度目标", def_en: "Year-to-date new urban jobs ÷ annual target",
        lineage: "就业登记 + 年度目标 → 就业模型"),
    measure!("registered_unemployed", "登记失业人数", "Registered unemployed", "人", "persons", Employment, County, Month, Stock,
        LowerIsBetter, PersonCount, dims: &[KeyGroup], ytd: false, decimals: 0,
        def_zh: "期末仍处于失业登记状态的人数（登记失业，不是调查失业）",
        def_en: "Persons with an open unemployment registration at period end (registered, not surveyed unemployment)",
        lineage: "失业登记 → 就业模型"),
    measure!("unemployment_inflow", "新增失业登记", "Unemployment inflow", "人", "persons", Employment, County, Month, Sum,
        LowerIsBetter, PersonCount, dims: &[], ytd: true, decimals: 0,
        def_zh: "当期新办理失业登记的人数", def_en: "New unemployment registrations in the period",
        lineage: "失业登记 → 就业模型"),
    measure!("unemployment_outflow", "失业登记注销", "Unemployment outflow", "人", "persons", Employment, County, Month, Sum,
        HigherIsBetter, PersonCount, dims: &[], ytd: true, decimals: 0,
        def_zh: "当期结束失业登记（再就业或注销）的人数", def_en: "Unemployment registrations closed in the period",
        lineage: "失业登记 → 就业模型"),
    measure!("long_term_unemployed", "长期失业人数", "Long-term unemployed", "人", "persons", Employment, County, Month, Stock,
        LowerIsBetter, PersonCount, dims: &[], ytd: false, decimals: 0,
        def_zh: "期末失业登记已持续{long_term_months}个月及以上的人数（按登记月份计）",
        def_en: "Persons whose open unemployment registration began {long_term_months} or more months before the period end (by month)",
        lineage: "失业登记 → 就业模型"),
    measure!("registered_unemployment_rate", "城镇登记失业率", "Registered unemployment rate", "%", "%", Employment, County, Month,
        Ratio { numerator: "registered_unemployed", denominator: "labour_force_registered", scale: 100.0 }, LowerIsBetter,
        FollowsCount("registered_unemployed"), dims: &[], ytd: false, decimals: 2,
        def_zh: "登记失业人数 ÷（社保参保就业人数＋登记失业人数）；以参保人数近似城镇从业人员，不同于调查失业率",
        def_en: "Registered unemployed ÷ (insured employed + registered unemployed); insured headcount stands in for urban employment; not the surveyed rate",
        lineage: "失业登记 + 社保缴纳 → 就业模型"),
    measure!("labour_force_registered", "登记口径劳动力（中间量）", "Registered labour force (internal)", "人", "persons", Employment,
        County, Month, Stock, Neutral, Open, dims: &[], ytd: false, decimals: 0,
        def_zh: "参保就业人数＋登记失业人数，计算登记失业率的分母", def_en: "Insured employed + registered unemployed",
        lineage: "失业登记 + 社保缴纳"),
    // 企业用工
    measure!("insured_headcount", "参保职工人数", "Insured employees", "人", "persons", Enterprise, County, Month, Stock,
        HigherIsBetter, PersonCount, dims: &[Industry], ytd: false, decimals: 0,
        def_zh: "期末企业职工基本养老保险在缴人数", def_en: "Employees with contributions paid at period end",
        lineage: "社保缴纳 → 企业用工模型"),
    measure!("insured_net_change", "参保净增人数", "Net change in insured employees", "人", "persons", Enterprise, County, Month,
        Sum, HigherIsBetter, FollowsCount("insured_headcount"), dims: &[Industry], ytd: true, decimals: 0,
        def_zh: "当期新增参保人数 － 减少参保人数", def_en: "New insured minus terminated in the period",
        lineage: "社保缴纳 → 企业用工模型"),
    measure!("layoff_alerts", "规模裁员预警企业", "Employers with layoff alerts", "家", "employers", Enterprise, County, Month, Sum,
        LowerIsBetter, Open, dims: &[], ytd: true, decimals: 0,
        def_zh: "当月参保人数比上月净减少达到报告门槛（{layoff_rule}）的企业数；以参保减员近似需报告的裁员",
        def_en: "Employers whose insured headcount fell against the previous month by the reporting threshold ({layoff_rule}); insured-headcount loss stands in for reported layoffs",
        lineage: "社保缴纳 → 企业用工模型·裁员预警"),
    measure!("layoff_cut", "预警企业减员人数", "Headcount cut at alerted employers", "人", "persons", Enterprise, County, Month,
        Sum, LowerIsBetter, PersonCount, dims: &[], ytd: true, decimals: 0,
        def_zh: "触发裁员预警企业当月减少的参保人数", def_en: "Insured headcount lost at employers with a layoff alert",
        lineage: "社保缴纳 → 企业用工模型·裁员预警"),
    // 就业补助资金
    measure!("subsidy_budget", "就业补助资金预算", "Employment subsidy budget", "万元", "10k CNY", Subsidy, City, Year, Sum,
        Neutral, Open, dims: &[SubsidyType], ytd: false, decimals: 1,
        def_zh: "年度就业补助资金预算（按市、补贴类型）", def_en: "Annual employment-subsidy budget by city and type",
        lineage: "就业补助资金·预算"),
    measure!("subsidy_disbursed", "资金支出", "Subsidy disbursed", "万元", "10k CNY", Subsidy, County, Month, Sum, Neutral,
        FollowsCount("subsidy_beneficiaries"), dims: &[SubsidyType], ytd: true, decimals: 1,
        def_zh: "当期就业补助资金实际拨付金额", def_en: "Subsidy amounts paid out in the period",
        lineage: "就业补助资金·拨付 → 资金模型"),
    measure!("subsidy_beneficiaries", "补贴受益人次", "Subsidy payments", "人次", "payments", Subsidy, County, Month, Sum,
        Neutral, PersonCount, dims: &[SubsidyType], ytd: true, decimals: 0,
        def_zh: "当期拨付笔数（个人补贴为人次，单位补贴为户次）", def_en: "Payments made in the period (person-times or employer-times)",
        lineage: "就业补助资金·拨付 → 资金模型"),
    measure!("subsidy_execution_rate", "预算执行率", "Budget execution", "%", "%", Subsidy, City, YearToDate,
        Progress { actual: "subsidy_disbursed", target: "subsidy_budget" }, HigherIsBetter, Open,
        dims: &[SubsidyType], ytd: false, decimals: 1,
        def_zh: "1–N月累计支出 ÷ 年度预算；与时间进度（N/12）比较",
        def_en: "Year-to-date disbursement ÷ annual budget; compare with elapsed time (N/12)",
        lineage: "就业补助资金 → 资金模型"),
    measure!("subsidy_per_payment", "笔均补贴", "Average payment", "元", "CNY", Subsidy, County, Month,
        Ratio { numerator: "subsidy_disbursed", denominator: "subsidy_beneficiaries", scale: 10000.0 }, Neutral,
        FollowsCount("subsidy_beneficiaries"), dims: &[SubsidyType], ytd: true, decimals: 0,
        def_zh: "资金支出 ÷ 拨付笔数", def_en: "Disbursed amount ÷ payments",
        lineage: "就业补助资金·拨付 → 资金模型"),
    measure!("subsidy_duplicate_payments", "疑似重复发放", "Suspected duplicate payments", "笔", "payments", Subsidy, County,
        Month, Sum, LowerIsBetter, PersonCount, dims: &[], ytd: true, decimals: 0,
        def_zh: "同一受益人、同一补贴类型、相同金额在{duplicate_window_days}天内再次拨付的笔数；按月发放的{instalment_types}为{instalment_window_days}天内",
        def_en: "Payments repeating the same recipient, type and amount within {duplicate_window_days} days ({instalment_window_days} days for the monthly {instalment_types})",
        lineage: "就业补助资金·拨付 → 资金模型·异常识别"),
    measure!("subsidy_unregistered_payments", "无登记记录发放", "Payments without registration", "笔", "payments", Subsidy,
        County, Month, Sum, LowerIsBetter, PersonCount, dims: &[], ytd: true, decimals: 0,
        def_zh: "受益人在就业、失业登记及业务经办记录中均无记录的个人补贴笔数",
        def_en: "Personal subsidy payments to recipients found in no registration or service record",
        lineage: "就业补助资金 + 就业/失业登记 + 业务经办 → 资金模型·异常识别"),
    // 服务区
    measure!("zone_count", "服务区数量", "Service zones", "个", "zones", ServiceZones, County, Month, Stock, HigherIsBetter, Open,
        dims: &[], ytd: false, decimals: 0,
        def_zh: "期末已开放的“数智就业”服务区数量", def_en: "Open 数智就业 service zones at period end",
        lineage: "服务区名录"),
    measure!("zone_services", "服务区服务人次", "Service zone visits", "人次", "person-times", ServiceZones, County, Month, Sum,
        HigherIsBetter, PersonCount, dims: &[], ytd: true, decimals: 0,
        def_zh: "服务区当期服务人次（同一人同日计一次）", def_en: "Person-times served by zones (one per person and day)",
        lineage: "业务经办 → 服务区模型"),
    measure!("zone_records", "汇聚有效数据", "Valid records aggregated", "条", "records", ServiceZones, County, Month, Sum,
        HigherIsBetter, Open, dims: &[], ytd: true, decimals: 0,
        def_zh: "服务区当期汇聚的通过校验的业务记录条数", def_en: "Validated service records aggregated by zones",
        lineage: "业务经办 → 服务区模型"),
    measure!("zones_meeting_targets", "达标服务区", "Zones meeting targets", "个", "zones", ServiceZones, County, Year, Sum,
        HigherIsBetter, Open, dims: &[], ytd: false, decimals: 0,
        def_zh: "参评服务区中全年服务人次（人社部门≥{zone_services_bureau}、高校/技工院校≥{zone_services_school}）、有效数据≥{zone_records}条、服务功能≥{zone_functions}项（共{zone_functions_listed}项）均达到的个数",
        def_en: "Evaluated zones meeting all yearly targets: visits (≥{zone_services_bureau} bureau, ≥{zone_services_school} school), ≥{zone_records} valid records, ≥{zone_functions} of {zone_functions_listed} functions",
        lineage: "业务经办 + 服务区名录 → 服务区模型"),
    measure!("zones_evaluated", "参评服务区", "Zones evaluated", "个", "zones", ServiceZones, County, Year, Sum, Neutral, Open,
        dims: &[], ytd: false, decimals: 0,
        def_zh: "该年已结束、且1月1日前已开放（开放满全年）的服务区数；当年和开放当年只看进度，不评达标",
        def_en: "Zones open since 1 January of a year that has ended; the running year and a zone's first year show progress only",
        lineage: "服务区名录"),
    measure!("zone_pass_rate", "服务区达标率", "Zone target pass rate", "%", "%", ServiceZones, County, Year,
        Ratio { numerator: "zones_meeting_targets", denominator: "zones_evaluated", scale: 100.0 }, HigherIsBetter, Open,
        dims: &[], ytd: false, decimals: 1,
        def_zh: "达标服务区 ÷ 参评服务区", def_en: "Zones meeting targets ÷ zones evaluated", lineage: "服务区模型"),
    // 宏观经济与移动通信
    // 监测预警
    measure!("warning_index", "综合预警指数", "Composite warning index", "", "", Warning, County, Month, Model, LowerIsBetter,
        Open, dims: &[], ytd: false, decimals: 1,
        def_zh: "各预警指标按权重合成（红色计满分、橙色计2/3、黄色计1/3），0为平稳、100为全部指标红色预警；只计有数据的指标",
        def_en: "Weighted share of the warning indicators at alert (red counts fully, orange 2/3, yellow 1/3): 0 calm, 100 all red; over the indicators with data",
        lineage: "预警配置 config/early-warning.ron → 预警模型"),
    measure!("warning_level", "最高预警等级", "Highest alert level", "级", "level", Warning, County, Month, Model, LowerIsBetter,
        Open, dims: &[], ytd: false, decimals: 0,
        def_zh: "地区（含下辖地区）当月最严重预警的等级：0无预警，1黄色，2橙色，3红色",
        def_en: "Level of the most severe alert in the region (or a region within it) that month: 0 none, 1 yellow, 2 orange, 3 red",
        lineage: "预警配置 config/early-warning.ron → 预警模型"),
    measure!("gdp", "地区生产总值", "GDP", "亿元", "100M CNY", Macro, City, Quarter, Sum, HigherIsBetter, Open,
        dims: &[Sector], ytd: true, decimals: 1,
        def_zh: "季度地区生产总值（现价），按三次产业分增加值", def_en: "Quarterly GDP at current prices, value added by sector",
        lineage: "宏观经济"),
    measure!("fixed_asset_investment", "固定资产投资", "Fixed-asset investment", "亿元", "100M CNY", Macro, City, Quarter, Sum,
        HigherIsBetter, Open, dims: &[], ytd: true, decimals: 1,
        def_zh: "季度固定资产投资额", def_en: "Quarterly fixed-asset investment", lineage: "宏观经济"),
    measure!("cpi", "居民消费价格指数", "CPI", "上年同期=100", "prev. year = 100", Macro, City, Quarter, Mean, Neutral, Open,
        dims: &[], ytd: false, decimals: 1,
        def_zh: "居民消费价格指数，上年同期=100", def_en: "Consumer price index, same period last year = 100", lineage: "宏观经济"),
    measure!("resident_population_mobile", "常住人口（信令）", "Resident population (mobile)", "万人", "10k persons", Macro,
        County, Month, Stock, Neutral, Open, dims: &[], ytd: false, decimals: 1,
        def_zh: "移动通信信令估算的月末常住人口", def_en: "Month-end resident population estimated from mobile-network data",
        lineage: "移动通信"),
    measure!("working_population_mobile", "工作人口（信令）", "Working population (mobile)", "万人", "10k persons", Macro,
        County, Month, Stock, HigherIsBetter, Open, dims: &[], ytd: false, decimals: 1,
        def_zh: "移动通信信令估算的工作地人口", def_en: "Population working in the region, from mobile-network data",
        lineage: "移动通信"),
    measure!("net_commuter_inflow", "跨市净流入", "Net inter-city inflow", "万人次", "10k trips", Macro, City, Month, Sum,
        Neutral, Open, dims: &[], ytd: false, decimals: 2,
        def_zh: "信令流动矩阵中流入减流出的跨市通勤人次", def_en: "Inter-city commuting trips in minus out, from the mobile flow matrix",
        lineage: "移动通信·流动矩阵"),
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

/// Measures that exist only to compute others and are not published.
pub fn is_internal(id: &str) -> bool {
    matches!(id, "posted_wage_sum" | "labour_force_registered")
}

pub fn measure(id: &str) -> Option<&'static MeasureDef> {
    MEASURES.iter().find(|m| m.id == id)
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
    ];

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
            for r in refs.into_iter().chain(match m.disclosure {
                Disclosure::FollowsCount(c) => Some(c),
                _ => None,
            }) {
                assert!(measure(r).is_some(), "{} refers to unknown measure {r}", m.id);
            }
        }
    }
}
