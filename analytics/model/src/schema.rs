//! Schemas of the source tables: columns, types and the rules every row must pass.
//! Polars-free: the engine turns these into validation expressions, and data/README.md
//! documents the same tables.

use crate::codes::{self, CodeEntry};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    Int,
    Float,
    /// `YYYY-MM-DD`.
    Date,
}

impl ColumnType {
    /// The type as a clerk reads it (a template's instructions).
    pub fn label(self, lang: crate::lang::Lang) -> &'static str {
        match self {
            ColumnType::Text => lang.pick("文本", "text"),
            ColumnType::Int => lang.pick("整数", "integer"),
            ColumnType::Float => lang.pick("数值", "number"),
            ColumnType::Date => lang.pick("日期（年-月-日）", "date (YYYY-MM-DD)"),
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            ColumnType::Text => "text",
            ColumnType::Int => "integer",
            ColumnType::Float => "number",
            ColumnType::Date => "date (YYYY-MM-DD)",
        }
    }
}

/// A rule on one value (after it parsed as its type).
#[derive(Clone, Copy, Debug)]
pub enum Rule {
    /// No rule beyond the type.
    Any,
    /// One of a code list.
    OneOf(&'static [CodeEntry]),
    /// A county-level adcode of Shandong.
    County,
    /// A city-level adcode of Shandong.
    City,
    /// Inclusive numeric range.
    Range(f64, f64),
    /// A 《职业分类大典》 code shape `X-XX-XX-XX`.
    OccupationCode,
    /// Within the monitored period (see [`DATE_RANGE`]): a plan's date (an opening, a
    /// roll-out), which may lie ahead.
    DateInRange,
    /// Within the monitored period and not after the day of ingest: something that
    /// happened (a registration, a payment, a month of contributions). A future-dated
    /// event is a typing error, and would move the cube's 数据截至.
    EventDate,
    /// A keyed person hash: 32 lowercase hex digits.
    PersonKey,
    /// `YYYYQn`, not after the quarter of the day of ingest (published figures).
    Quarter,
    /// `|`-separated service functions, each of [`codes::SERVICE_FUNCTIONS`].
    FunctionList,
    /// A Shandong region at any level (the province, a city or a county), or the country
    /// ([`crate::region::NATIONAL`]) for a national figure.
    Region,
    /// A period as the cube keys it: `2025-06`, `2025Q2`, `2025` or `2025-01..06` (1–6月累计).
    PeriodKey,
}

impl Rule {
    /// The values a column with this rule takes, in a phrase (data/README.md, the
    /// instructions sheet of a return's template).
    pub fn allowed(&self, lang: crate::lang::Lang) -> String {
        let (from, to) = DATE_RANGE;
        match self {
            Rule::Any => lang.pick("不限", "any").to_string(),
            Rule::OneOf(list) => match lang {
                crate::lang::Lang::En => list.iter().map(|e| e.0).collect::<Vec<_>>().join(" / "),
                crate::lang::Lang::Zh => list.iter().map(|e| format!("{} {}", e.0, e.1)).collect::<Vec<_>>().join("；"),
            },
            Rule::County => lang
                .pick(
                    "山东省县级行政区划代码（136个），可写“370102 历下区”，名称唯一的可只写名称",
                    "a Shandong county-level adcode (136, data/geo)",
                )
                .to_string(),
            Rule::City => lang.pick("山东省地级市代码（16个），可写“370100 济南市”", "a Shandong city adcode (16, data/geo)").to_string(),
            Rule::Range(a, b) => format!("{a} – {b}"),
            Rule::OccupationCode => lang.pick("《职业分类大典》代码，形如 X-XX-XX-XX", "职业分类大典 code `X-XX-XX-XX`").to_string(),
            Rule::DateInRange => lang.pick(format!("{from} 至 {to}"), format!("{from} – {to}")),
            Rule::EventDate => lang.pick(format!("{from} 至 {to}，不晚于报送当日"), format!("{from} – {to}, not after the day of ingest")),
            Rule::PersonKey => lang
                .pick(
                    "18位公民身份号码（单元格为文本格式），入库时转为密钥哈希，原号码不留存",
                    "keyed hash, 32 hex digits (raw 18-digit IDs may arrive as `person_id`)",
                )
                .to_string(),
            Rule::Quarter => lang
                .pick("形如 2025Q1 或 2025年第一季度，不晚于报送当季", "`YYYYQn`, not after the quarter of the day of ingest")
                .to_string(),
            Rule::FunctionList => lang.pick("服务功能，多个以 | 分隔", "`|`-separated service functions").to_string(),
            Rule::Region => lang
                .pick(
                    "山东省、地级市或县级行政区划代码，可写“370000 山东省”“370100 济南市”；全国数写 100000 全国",
                    "a Shandong adcode (the province, a city or a county), or 100000 for the country",
                )
                .to_string(),
            Rule::PeriodKey => lang
                .pick(
                    "月 2025-06（或 2025年6月）、季 2025Q2（或 2025年第二季度）、年 2025（或 2025年）、累计 2025-01..06（或 2025年1-6月）",
                    "`2025-06` (month), `2025Q2` (quarter), `2025` (year) or `2025-01..06` (January–June cumulative)",
                )
                .to_string(),
        }
    }
}

/// What a [`Rule::PeriodKey`] value looks like (a regular expression without anchors): a
/// year of this century, a quarter, a month or a year-to-date span, with months 01–12.
pub const PERIOD_KEY_PATTERN: &str = r"20\d{2}(Q[1-4]|-(0[1-9]|1[0-2])|-01\.\.(0[1-9]|1[0-2]))?";

/// Dates outside this range are rejected as implausible.
pub const DATE_RANGE: (&str, &str) = ("2015-01-01", "2030-12-31");

#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColumnType,
    pub required: bool,
    pub rule: Rule,
    pub zh: &'static str,
}

/// A rule across columns of one row.
#[derive(Clone, Copy, Debug)]
pub enum RowRule {
    /// `later` ≥ `earlier` where both are present.
    NotBefore { later: &'static str, earlier: &'static str },
    /// `upper` ≥ `lower`.
    NotBelow { upper: &'static str, lower: &'static str },
    /// `total` is the sum of `parts` (to within [`SUM_TOLERANCE`]), where all are present:
    /// a breakdown that does not add up to its total would not add up in the cube either.
    SumOf { total: &'static str, parts: &'static [&'static str] },
    /// `value` within the range its code in `by` allows (code, lowest, highest): one
    /// column holding figures of several kinds, each plausible in its own unit.
    RangeBy { value: &'static str, by: &'static str, ranges: &'static [(&'static str, f64, f64)] },
}

/// The plausible range of each official series' figures, in its unit (codes::OFFICIAL_SERIES):
/// bounds that catch a slip (a rate typed as 520, new jobs typed in persons where the series
/// counts 万人), not statistics. Rates in %, new urban jobs in 万人 (China's were 1,267万 in
/// 2025), the 求人倍率 a ratio.
pub const OFFICIAL_SERIES_RANGES: &[(&str, f64, f64)] = &[
    ("surveyed_unemployment_rate", 0.0, 30.0),
    ("official_registered_unemployment_rate", 0.0, 30.0),
    ("official_new_urban_jobs", 0.0, 5000.0),
    ("official_demand_supply_ratio", 0.0, 20.0),
];

/// How far a total may be from the sum of its parts: floating-point noise, not rounding
/// (figures published to the cent add up to the cent).
pub const SUM_TOLERANCE: f64 = 0.0005;

/// The column in which raw 18-digit ID numbers may arrive instead of `person_key` (a
/// source with [`SourceSchema::has_person`]); ingest replaces them by keyed hashes.
pub const RAW_ID_COL: &str = "person_id";

#[derive(Clone, Copy, Debug)]
pub struct SourceSchema {
    /// Folder and table name, e.g. `employment_registrations`.
    pub name: &'static str,
    pub zh: &'static str,
    pub columns: &'static [Column],
    pub row_rules: &'static [RowRule],
    /// The date column the data is partitioned by (hive `year=`), if any.
    pub partition_date: Option<&'static str>,
    /// Whether raw 18-digit ID numbers may arrive in `person_id` instead of `person_key`.
    pub has_person: bool,
    /// Whether a data folder may lack the source: published figures are entered where
    /// there are any, and the cube is complete without them.
    pub optional: bool,
    /// The row identity: the columns that say which real-world row a row is. Within a
    /// file a second row with the same identity is quarantined as a duplicate; a later
    /// file (a batch, a re-pull) replaces the earlier rows it shares an identity with, so
    /// sending a figure again corrects it instead of adding to it.
    pub key: &'static [&'static str],
}

const fn col(name: &'static str, ty: ColumnType, rule: Rule, zh: &'static str) -> Column {
    Column { name, ty, required: true, rule, zh }
}
const fn opt(name: &'static str, ty: ColumnType, rule: Rule, zh: &'static str) -> Column {
    Column { name, ty, required: false, rule, zh }
}

use ColumnType::*;
use Rule::*;

const AGE: Rule = Range(16.0, 75.0);
const MONEY: Rule = Range(0.0, 1e12);

pub const SERVICE_TRANSACTIONS: SourceSchema = SourceSchema {
    name: "service_transactions",
    zh: "业务经办",
    columns: &[
        col("date", Date, EventDate, "办理日期"),
        col("zone_id", Text, Any, "服务区编号"),
        col("county", Int, County, "县（市、区）代码"),
        col("function", Text, OneOf(codes::SERVICE_FUNCTIONS), "服务功能"),
        col("channel", Text, OneOf(codes::CHANNELS), "服务渠道"),
        col("person_key", Text, PersonKey, "人员密钥哈希"),
    ],
    row_rules: &[],
    partition_date: Some("date"),
    has_person: true,
    optional: false,
    // A log of services without a transaction number: two identical rows are two visits
    // (one person may be served twice a day). A batch sent twice is still caught whole,
    // by its content hash on the server.
    key: &[],
};

pub const EMPLOYMENT_REGISTRATIONS: SourceSchema = SourceSchema {
    name: "employment_registrations",
    zh: "就业登记",
    columns: &[
        col("date", Date, EventDate, "登记日期"),
        col("county", Int, County, "县（市、区）代码"),
        col("employer_id", Text, Any, "用人单位编号"),
        col("industry", Text, OneOf(codes::INDUSTRIES), "行业门类"),
        col("occupation", Text, OccupationCode, "职业代码"),
        col("key_group", Text, OneOf(codes::KEY_GROUPS), "重点群体"),
        col("age", Int, AGE, "年龄"),
        col("sex", Text, OneOf(codes::SEXES), "性别"),
        col("education", Text, OneOf(codes::EDUCATION), "学历"),
        col("person_key", Text, PersonKey, "人员密钥哈希"),
    ],
    row_rules: &[],
    partition_date: Some("date"),
    has_person: true,
    optional: false,
    key: &["person_key", "date", "county"],
};

pub const UNEMPLOYMENT_REGISTRATIONS: SourceSchema = SourceSchema {
    name: "unemployment_registrations",
    zh: "失业登记",
    columns: &[
        col("start_date", Date, EventDate, "登记日期"),
        opt("end_date", Date, EventDate, "注销日期（空为仍在登记）"),
        col("county", Int, County, "县（市、区）代码"),
        col("reason", Text, OneOf(codes::UNEMPLOYMENT_REASONS), "失业原因"),
        col("key_group", Text, OneOf(codes::KEY_GROUPS), "重点群体"),
        col("age", Int, AGE, "年龄"),
        col("sex", Text, OneOf(codes::SEXES), "性别"),
        col("education", Text, OneOf(codes::EDUCATION), "学历"),
        opt("prev_industry", Text, OneOf(codes::INDUSTRIES), "原行业门类"),
        col("person_key", Text, PersonKey, "人员密钥哈希"),
    ],
    row_rules: &[RowRule::NotBefore { later: "end_date", earlier: "start_date" }],
    partition_date: Some("start_date"),
    has_person: true,
    optional: false,
    key: &["person_key", "start_date", "county"],
};

pub const SOCIAL_INSURANCE: SourceSchema = SourceSchema {
    name: "social_insurance",
    zh: "社保缴纳",
    columns: &[
        col("month", Date, EventDate, "缴费月份（月初日期）"),
        col("employer_id", Text, Any, "用人单位编号"),
        col("county", Int, County, "县（市、区）代码"),
        col("industry", Text, OneOf(codes::INDUSTRIES), "行业门类"),
        col("insured", Int, Range(0.0, 1e6), "在缴人数"),
        col("new_insured", Int, Range(0.0, 1e6), "新增参保人数"),
        col("terminated", Int, Range(0.0, 1e6), "减少参保人数"),
        col("contribution_base", Float, MONEY, "缴费基数合计（元）"),
    ],
    row_rules: &[],
    partition_date: Some("month"),
    has_person: false,
    optional: false,
    key: &["employer_id", "month"],
};

pub const JOB_POSTINGS: SourceSchema = SourceSchema {
    name: "job_postings",
    zh: "市场供需·招聘岗位",
    columns: &[
        col("date", Date, EventDate, "发布日期"),
        col("posting_id", Text, Any, "岗位编号"),
        col("county", Int, County, "县（市、区）代码"),
        col("employer_id", Text, Any, "用人单位编号"),
        col("occupation", Text, OccupationCode, "职业代码"),
        col("industry", Text, OneOf(codes::INDUSTRIES), "行业门类"),
        col("vacancies", Int, Range(1.0, 10000.0), "招聘人数"),
        col("wage_min", Float, MONEY, "工资下限（元/月）"),
        col("wage_max", Float, MONEY, "工资上限（元/月）"),
        col("education", Text, OneOf(codes::EDUCATION), "学历要求"),
    ],
    row_rules: &[RowRule::NotBelow { upper: "wage_max", lower: "wage_min" }],
    partition_date: Some("date"),
    has_person: false,
    optional: false,
    key: &["posting_id"],
};

pub const JOB_SEEKERS: SourceSchema = SourceSchema {
    name: "job_seekers",
    zh: "市场供需·求职登记",
    columns: &[
        col("date", Date, EventDate, "登记日期"),
        col("county", Int, County, "县（市、区）代码"),
        col("desired_occupation", Text, OccupationCode, "求职意向职业"),
        col("expected_wage", Float, MONEY, "期望工资（元/月）"),
        col("education", Text, OneOf(codes::EDUCATION), "学历"),
        col("age", Int, AGE, "年龄"),
        col("sex", Text, OneOf(codes::SEXES), "性别"),
        col("person_key", Text, PersonKey, "人员密钥哈希"),
    ],
    row_rules: &[],
    partition_date: Some("date"),
    has_person: true,
    optional: false,
    key: &["person_key", "date", "county"],
};

pub const MACRO_QUARTERLY: SourceSchema = SourceSchema {
    name: "macro_quarterly",
    zh: "宏观经济",
    columns: &[
        col("quarter", Text, Quarter, "季度"),
        col("city", Int, City, "市代码"),
        col("gdp", Float, MONEY, "地区生产总值（亿元）"),
        col("va_primary", Float, MONEY, "第一产业增加值（亿元）"),
        col("va_secondary", Float, MONEY, "第二产业增加值（亿元）"),
        col("va_tertiary", Float, MONEY, "第三产业增加值（亿元）"),
        col("fixed_asset_investment", Float, MONEY, "固定资产投资（亿元）"),
        col("cpi", Float, Range(80.0, 120.0), "居民消费价格指数（上年同期=100）"),
    ],
    row_rules: &[RowRule::SumOf { total: "gdp", parts: &["va_primary", "va_secondary", "va_tertiary"] }],
    partition_date: None,
    has_person: false,
    optional: false,
    key: &["quarter", "city"],
};

pub const MOBILE_POPULATION: SourceSchema = SourceSchema {
    name: "mobile_population",
    zh: "移动通信·人口",
    columns: &[
        col("month", Date, EventDate, "月份（月初日期）"),
        col("county", Int, County, "县（市、区）代码"),
        col("resident_10k", Float, Range(0.0, 5000.0), "常住人口（万人）"),
        col("working_10k", Float, Range(0.0, 5000.0), "工作人口（万人）"),
    ],
    row_rules: &[],
    partition_date: Some("month"),
    has_person: false,
    optional: false,
    key: &["month", "county"],
};

pub const MOBILE_FLOWS: SourceSchema = SourceSchema {
    name: "mobile_flows",
    zh: "移动通信·流动矩阵",
    columns: &[
        col("month", Date, EventDate, "月份（月初日期）"),
        col("origin_city", Int, City, "出发市代码"),
        col("dest_city", Int, City, "到达市代码"),
        col("trips_10k", Float, Range(0.0, 1e6), "通勤人次（万）"),
    ],
    row_rules: &[],
    partition_date: Some("month"),
    has_person: false,
    optional: false,
    key: &["month", "origin_city", "dest_city"],
};

pub const SUBSIDY_BUDGETS: SourceSchema = SourceSchema {
    name: "subsidy_budgets",
    zh: "就业补助资金·预算",
    columns: &[
        col("year", Int, Range(2015.0, 2030.0), "年度"),
        col("city", Int, City, "市代码"),
        col("subsidy_type", Text, OneOf(codes::SUBSIDY_TYPES), "补贴类型"),
        col("budget_10k_yuan", Float, MONEY, "预算（万元）"),
    ],
    row_rules: &[],
    partition_date: None,
    has_person: false,
    optional: false,
    key: &["year", "city", "subsidy_type"],
};

pub const SUBSIDY_DISBURSEMENTS: SourceSchema = SourceSchema {
    name: "subsidy_disbursements",
    zh: "就业补助资金·拨付",
    columns: &[
        col("date", Date, EventDate, "拨付日期"),
        col("payment_id", Text, Any, "拨付编号"),
        col("county", Int, County, "县（市、区）代码"),
        col("subsidy_type", Text, OneOf(codes::SUBSIDY_TYPES), "补贴类型"),
        col("amount_yuan", Float, MONEY, "金额（元）"),
        col("recipient_key", Text, PersonKey, "受益人密钥哈希（单位补贴为单位编号哈希）"),
    ],
    row_rules: &[],
    partition_date: Some("date"),
    has_person: false,
    optional: false,
    key: &["payment_id"],
};

pub const SERVICE_ZONES: SourceSchema = SourceSchema {
    name: "service_zones",
    zh: "服务区名录",
    columns: &[
        col("zone_id", Text, Any, "服务区编号"),
        col("name", Text, Any, "服务区名称"),
        col("kind", Text, OneOf(codes::ZONE_KINDS), "建设主体类型"),
        col("county", Int, County, "县（市、区）代码"),
        col("functions", Text, FunctionList, "提供的服务功能（|分隔）"),
        col("opened", Date, DateInRange, "开放日期"),
    ],
    row_rules: &[],
    partition_date: None,
    has_person: false,
    optional: false,
    key: &["zone_id"],
};

pub const EMPLOYMENT_TARGETS: SourceSchema = SourceSchema {
    name: "employment_targets",
    zh: "年度目标任务",
    columns: &[
        col("year", Int, Range(2015.0, 2030.0), "年度"),
        col("city", Int, City, "市代码"),
        col("new_urban_jobs_target", Int, Range(0.0, 1e7), "城镇新增就业目标（人）"),
    ],
    row_rules: &[],
    partition_date: None,
    has_person: false,
    optional: false,
    key: &["year", "city"],
};

pub const POLICY_ROLLOUTS: SourceSchema = SourceSchema {
    name: "policy_rollouts",
    zh: "政策实施台账",
    columns: &[
        col("policy", Text, Any, "政策名称"),
        col("county", Int, County, "实施县（市、区）代码"),
        col("start_month", Date, DateInRange, "实施起始月（月初日期）"),
    ],
    row_rules: &[],
    partition_date: None,
    has_person: false,
    optional: false,
    key: &["policy", "county"],
};

pub const OFFICIAL_SERIES: SourceSchema = SourceSchema {
    name: "official_series",
    zh: "官方发布数据",
    columns: &[
        col("series", Text, OneOf(codes::OFFICIAL_SERIES), "指标（单位见名称）"),
        col("region", Int, Region, "地区代码（省、市、县；全国为100000）"),
        col("period", Text, PeriodKey, "时期"),
        col("value", Float, Range(0.0, 1e9), "发布数值（按指标单位）"),
        col("publisher", Text, Any, "发布机构"),
        col("document", Text, Any, "文件或发布稿名称"),
        col("published", Date, EventDate, "发布日期"),
        opt("url", Text, Any, "链接"),
        opt("note", Text, Any, "说明（如口径差异）"),
    ],
    row_rules: &[RowRule::RangeBy { value: "value", by: "series", ranges: OFFICIAL_SERIES_RANGES }],
    partition_date: None,
    has_person: false,
    optional: true,
    // A figure published again (a revision) replaces the earlier one.
    key: &["series", "region", "period"],
};

/// Every source, in build order.
pub const SOURCES: &[SourceSchema] = &[
    SERVICE_ZONES,
    SERVICE_TRANSACTIONS,
    EMPLOYMENT_REGISTRATIONS,
    UNEMPLOYMENT_REGISTRATIONS,
    SOCIAL_INSURANCE,
    JOB_POSTINGS,
    JOB_SEEKERS,
    MACRO_QUARTERLY,
    MOBILE_POPULATION,
    MOBILE_FLOWS,
    SUBSIDY_BUDGETS,
    SUBSIDY_DISBURSEMENTS,
    EMPLOYMENT_TARGETS,
    POLICY_ROLLOUTS,
    OFFICIAL_SERIES,
];

pub fn source(name: &str) -> Option<&'static SourceSchema> {
    SOURCES.iter().find(|s| s.name == name)
}

impl SourceSchema {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// The quarter of a day as `YYYYQn`, which sorts as text in time order.
pub fn quarter_of(day: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}Q{}", day.year(), day.month0() / 3 + 1)
}

/// Checks the ISO 7064 MOD 11-2 check digit of an 18-digit resident ID number.
pub fn id_number_checksum_ok(id: &str) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let bytes = id.as_bytes();
    if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = bytes[..17].iter().zip(WEIGHTS).map(|(b, w)| (b - b'0') as u32 * w).sum();
    bytes[17].to_ascii_uppercase() == CHECK[(sum % 11) as usize]
}

/// Whether `id` looks like an 18-digit ID number that a spreadsheet stored as a number:
/// only 15 significant digits survive, so it comes back with its last three digits as
/// zeros (and then fails the check digit) or in scientific notation (`3.70102199E+17`).
pub fn id_number_mangled_by_spreadsheet(id: &str) -> bool {
    let bytes = id.as_bytes();
    let zero_tail = bytes.len() == 18 && bytes.iter().all(u8::is_ascii_digit) && id.ends_with("000") && !id_number_checksum_ok(id);
    let scientific = id.split_once(['E', 'e']).is_some_and(|(mantissa, exponent)| {
        matches!(exponent.trim_start_matches('+'), "17")
            && mantissa.split_once('.').map_or(mantissa.len() == 1, |(a, b)| a.len() == 1 && !b.is_empty())
            && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    });
    zero_tail || scientific
}

/// The source schemas as Markdown tables (data/README.md embeds this text; a test keeps
/// the two identical).
pub fn markdown() -> String {
    let mut out = String::new();
    for s in SOURCES {
        out += &format!("### `{}` — {}\n\n", s.name, s.zh);
        if let Some(p) = s.partition_date {
            out += &format!("Partitioned by the year of `{p}`: `{}/year=YYYY/part-0.parquet`.\n\n", s.name);
        } else {
            out += &format!("One file: `{}/part-0.parquet`.\n\n", s.name);
        }
        if s.optional {
            out += "Optional: a data folder without it builds without published figures (see `data/official/README.md` for the figures the project ships).\n\n";
        }
        out += "| column | type | required | allowed values | 含义 |\n|---|---|---|---|---|\n";
        for c in s.columns {
            let allowed = c.rule.allowed(crate::lang::Lang::En);
            out +=
                &format!("| `{}` | {} | {} | {} | {} |\n", c.name, c.ty.describe(), if c.required { "yes" } else { "no" }, allowed, c.zh);
        }
        if s.key.is_empty() {
            out += "\nRow identity: none (no transaction number: identical rows are separate events). A batch sent twice is recognised by its content.\n";
        } else {
            out += &format!("\nRow identity: {}. A second row with the same identity in one file is quarantined; a later file or batch replaces the rows it shares an identity with.\n", s.key.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "));
        }
        for r in s.row_rules {
            out += &match r {
                RowRule::NotBefore { later, earlier } => format!("\nRow rule: `{later}` is not before `{earlier}`.\n"),
                RowRule::NotBelow { upper, lower } => format!("\nRow rule: `{upper}` ≥ `{lower}`.\n"),
                RowRule::SumOf { total, parts } => format!(
                    "\nRow rule: `{total}` = {} (to within {SUM_TOLERANCE}).\n",
                    parts.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(" + ")
                ),
                RowRule::RangeBy { value, by, ranges } => format!(
                    "\nRow rule: `{value}` within the range of its `{by}`: {}.\n",
                    ranges.iter().map(|(code, lo, hi)| format!("`{code}` {lo}–{hi}")).collect::<Vec<_>>().join(", ")
                ),
            };
        }
        out += "\n";
    }
    out
}

pub const SQL_COUNTY_TABLE: &str = "shandong_counties";
pub const SQL_CITY_TABLE: &str = "shandong_cities";

/// A SQL condition (DuckDB dialect, on Parquet's typed columns) that holds exactly for the
/// rows of `source` that pass validation: the benchmark gives DuckDB the same rules, so
/// its aggregates are the same as the cube's. Adcodes are checked against the tables
/// [`SQL_COUNTY_TABLE`] and [`SQL_CITY_TABLE`] (column `adcode`; a semi-join is DuckDB's
/// fast form of a long `in` list), which the caller creates from the region tree. `today`
/// is the day of ingest, after which no event may be dated.
pub fn sql_accepts(source: &SourceSchema, today: chrono::NaiveDate) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let mut conditions = Vec::new();
    for c in source.columns {
        let n = c.name;
        let rule = match c.rule {
            Rule::Any => None,
            Rule::OneOf(list) => Some(format!("{n} in ({})", list.iter().map(|e| quote(e.0)).collect::<Vec<_>>().join(", "))),
            Rule::County => Some(format!("{n} in (select adcode from {SQL_COUNTY_TABLE})")),
            Rule::City => Some(format!("{n} in (select adcode from {SQL_CITY_TABLE})")),
            Rule::Range(min, max) => Some(format!("{n} between {min:?} and {max:?}")),
            Rule::OccupationCode => Some(format!(r"regexp_full_match({n}, '\d-\d{{2}}-\d{{2}}-\d{{2}}')")),
            Rule::DateInRange => Some(format!("{n} between date '{}' and date '{}'", DATE_RANGE.0, DATE_RANGE.1)),
            Rule::EventDate => Some(format!("{n} between date '{}' and date '{}' and {n} <= date '{today}'", DATE_RANGE.0, DATE_RANGE.1)),
            Rule::PersonKey => Some(format!("regexp_full_match({n}, '[0-9a-f]{{32}}')")),
            Rule::Quarter => Some(format!(r"regexp_full_match({n}, '\d{{4}}Q[1-4]') and {n} <= '{}'", quarter_of(today))),
            Rule::FunctionList => {
                let one = codes::codes(codes::SERVICE_FUNCTIONS).join("|");
                Some(format!(r"regexp_full_match({n}, '({one})(\|({one}))*')"))
            }
            Rule::Region => Some(format!(
                "({n} in ({}, {}) or {n} in (select adcode from {SQL_CITY_TABLE}) or {n} in (select adcode from {SQL_COUNTY_TABLE}))",
                crate::region::NATIONAL,
                crate::region::PROVINCE
            )),
            Rule::PeriodKey => Some(format!("regexp_full_match({n}, '{PERIOD_KEY_PATTERN}')")),
        };
        conditions.push(match (c.required, rule) {
            (true, Some(rule)) => format!("{n} is not null and {rule}"),
            (true, None) => format!("{n} is not null"),
            (false, Some(rule)) => format!("({n} is null or {rule})"),
            (false, None) => continue,
        });
    }
    for r in source.row_rules {
        conditions.push(match *r {
            RowRule::NotBefore { later: a, earlier: b } | RowRule::NotBelow { upper: a, lower: b } => {
                format!("({a} is null or {b} is null or {a} >= {b})")
            }
            RowRule::SumOf { total, parts } => {
                let nulls: Vec<String> = std::iter::once(total).chain(parts.iter().copied()).map(|c| format!("{c} is null")).collect();
                format!("({} or abs({total} - ({})) <= {SUM_TOLERANCE})", nulls.join(" or "), parts.join(" + "))
            }
            RowRule::RangeBy { value, by, ranges } => {
                let cases: Vec<String> =
                    ranges.iter().map(|(code, lo, hi)| format!("when {} then {value} between {lo:?} and {hi:?}", quote(code))).collect();
                format!("({value} is null or {by} is null or case {by} {} else true end)", cases.join(" "))
            }
        });
    }
    if conditions.is_empty() {
        "true".into()
    } else {
        conditions.join(" and ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_checksum() {
        // The check digit of the standard's worked example 11010519491231002X.
        assert!(id_number_checksum_ok("11010519491231002X"));
        assert!(id_number_checksum_ok("11010519491231002x"));
        assert!(!id_number_checksum_ok("110105194912310021"));
        assert!(!id_number_checksum_ok("1101051949123100"));
        assert!(!id_number_checksum_ok("11010519491231002Y"));
    }

    #[test]
    fn ids_mangled_by_spreadsheets_are_recognised() {
        assert!(id_number_mangled_by_spreadsheet("370102199001011000"));
        assert!(id_number_mangled_by_spreadsheet("3.70102199001011E+17"));
        assert!(id_number_mangled_by_spreadsheet("3.70102199001011e17"));
        assert!(!id_number_mangled_by_spreadsheet("11010519491231002X"));
        assert!(!id_number_mangled_by_spreadsheet("110105194912310021"));
        assert!(!id_number_mangled_by_spreadsheet("3.7E+5"));
    }

    #[test]
    fn data_readme_documents_these_schemas() {
        let readme = include_str!("../../../data/README.md");
        let start = readme.find("<!-- schemas:begin -->").expect("marker") + "<!-- schemas:begin -->\n".len();
        let end = readme.find("<!-- schemas:end -->").expect("marker");
        assert!(readme[start..end] == markdown(), "data/README.md is stale: regenerate with `analytics schemas`");
    }

    #[test]
    fn sql_conditions_test_every_required_column() {
        for s in SOURCES {
            let sql = sql_accepts(s, chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap());
            for c in s.columns.iter().filter(|c| c.required) {
                assert!(sql.contains(&format!("{} is not null", c.name)), "{}: {} untested", s.name, c.name);
            }
            assert_eq!(sql.matches('(').count(), sql.matches(')').count(), "{}: {sql}", s.name);
            assert_eq!(sql.matches('\'').count() % 2, 0, "{}: {sql}", s.name);
        }
        // Codes appear as SQL string literals.
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert!(sql_accepts(&SERVICE_TRANSACTIONS, today).contains("'业务经办'"));
        assert!(sql_accepts(&SERVICE_TRANSACTIONS, today).contains("date <= date '2026-12-04'"));
        assert!(sql_accepts(&MACRO_QUARTERLY, today).contains("quarter <= '2026Q4'"));
    }

    #[test]
    fn every_source_declares_its_row_identity_from_its_columns() {
        for s in SOURCES {
            // Only the service log has no identity (see its declaration).
            assert_eq!(s.key.is_empty(), s.name == SERVICE_TRANSACTIONS.name, "{}", s.name);
            for k in s.key {
                assert!(s.column(k).is_some_and(|c| c.required), "{}: identity column {k} is not a required column", s.name);
            }
        }
    }

    #[test]
    fn partition_columns_exist() {
        for s in SOURCES {
            if let Some(p) = s.partition_date {
                assert_eq!(s.column(p).map(|c| c.ty), Some(ColumnType::Date), "{}", s.name);
            }
        }
    }
}
