//! Code lists shared by the source schemas, the generator, the models and the cube's
//! dimensions. Each entry is (code, Chinese name, English name).

use std::sync::OnceLock;

pub type CodeEntry = (&'static str, &'static str, &'static str);

/// GB/T 4754-2017 国民经济行业分类, sections A–T.
pub const INDUSTRIES: &[CodeEntry] = &[
    ("A", "农、林、牧、渔业", "Agriculture, forestry, animal husbandry and fishery"),
    ("B", "采矿业", "Mining"),
    ("C", "制造业", "Manufacturing"),
    ("D", "电力、热力、燃气及水生产和供应业", "Utilities"),
    ("E", "建筑业", "Construction"),
    ("F", "批发和零售业", "Wholesale and retail"),
    ("G", "交通运输、仓储和邮政业", "Transport, storage and post"),
    ("H", "住宿和餐饮业", "Accommodation and catering"),
    ("I", "信息传输、软件和信息技术服务业", "Information technology"),
    ("J", "金融业", "Finance"),
    ("K", "房地产业", "Real estate"),
    ("L", "租赁和商务服务业", "Leasing and business services"),
    ("M", "科学研究和技术服务业", "Research and technical services"),
    ("N", "水利、环境和公共设施管理业", "Water, environment and public facilities"),
    ("O", "居民服务、修理和其他服务业", "Household and other services"),
    ("P", "教育", "Education"),
    ("Q", "卫生和社会工作", "Health and social work"),
    ("R", "文化、体育和娱乐业", "Culture, sports and entertainment"),
    ("S", "公共管理、社会保障和社会组织", "Public administration"),
    ("T", "国际组织", "International organisations"),
];

/// 重点群体 (key groups of employment policy).
pub const KEY_GROUPS: &[CodeEntry] = &[
    ("高校毕业生", "高校毕业生", "College graduates"),
    ("农民工", "农民工", "Migrant workers"),
    ("登记失业人员", "登记失业人员", "Registered unemployed"),
    ("就业困难人员", "就业困难人员", "People with employment difficulties"),
    ("退役军人", "退役军人", "Veterans"),
    ("其他", "其他", "Others"),
];

/// The eight 数智就业 service functions of the pilot notice, section 三.
pub const SERVICE_FUNCTIONS: &[CodeEntry] = &[
    ("业务经办", "业务经办", "Business handling"),
    ("政策服务", "政策服务", "Policy services"),
    ("就业指导", "就业指导", "Career guidance"),
    ("创业扶持", "创业扶持", "Entrepreneurship support"),
    ("技能提升", "技能提升", "Skills upgrading"),
    ("供需匹配", "供需匹配", "Job matching"),
    ("就业帮扶", "就业帮扶", "Employment assistance"),
    ("就业监测", "就业监测", "Employment monitoring"),
];

pub const CHANNELS: &[CodeEntry] = &[
    ("线下", "线下", "In person"),
    ("线上", "线上", "Online"),
    ("自助终端", "自助终端", "Self-service kiosk"),
    ("数字人", "数字人", "Digital human"),
];

/// 就业补助资金 spending types (就业补助资金管理办法).
pub const SUBSIDY_TYPES: &[CodeEntry] = &[
    ("职业培训补贴", "职业培训补贴", "Vocational training subsidy"),
    ("职业技能评价补贴", "职业技能评价补贴", "Skill assessment subsidy"),
    ("社会保险补贴", "社会保险补贴", "Social insurance subsidy"),
    ("公益性岗位补贴", "公益性岗位补贴", "Public-welfare job subsidy"),
    ("就业见习补贴", "就业见习补贴", "Internship subsidy"),
    ("求职创业补贴", "求职创业补贴", "Job-search and start-up subsidy"),
    ("一次性吸纳就业补贴", "一次性吸纳就业补贴", "One-off hiring subsidy"),
    ("创业担保贷款贴息", "创业担保贷款贴息", "Start-up guaranteed loan interest"),
    ("就业创业服务补助", "就业创业服务补助", "Employment service grant"),
    ("高技能人才培养补助", "高技能人才培养补助", "High-skill training grant"),
];

/// Subsidy types paid to a person (the rest are paid to employers or agencies).
pub const PERSONAL_SUBSIDY_TYPES: &[&str] =
    &["职业培训补贴", "职业技能评价补贴", "社会保险补贴", "公益性岗位补贴", "就业见习补贴", "求职创业补贴", "创业担保贷款贴息"];

pub const ZONE_KINDS: &[CodeEntry] = &[
    ("人社部门", "人社部门", "HR and social security bureau"),
    ("普通高校", "普通高校", "University"),
    ("技工院校", "技工院校", "Technical school"),
];

/// The three sectors (三次产业) of value added, the `sec` breakdown of GDP.
pub const SECTORS: &[CodeEntry] = &[
    ("第一产业", "第一产业", "Primary sector"),
    ("第二产业", "第二产业", "Secondary sector"),
    ("第三产业", "第三产业", "Tertiary sector"),
];

pub const SEXES: &[CodeEntry] = &[("男", "男", "Male"), ("女", "女", "Female")];

pub const EDUCATION: &[CodeEntry] = &[
    ("初中及以下", "初中及以下", "Junior secondary or below"),
    ("高中/中专", "高中/中专", "Senior secondary"),
    ("大专", "大专", "Junior college"),
    ("本科", "本科", "Bachelor"),
    ("研究生", "研究生", "Postgraduate"),
];

pub const UNEMPLOYMENT_REASONS: &[CodeEntry] = &[
    ("合同到期", "合同到期", "Contract ended"),
    ("单位裁员", "单位裁员", "Laid off"),
    ("主动离职", "主动离职", "Quit"),
    ("毕业未就业", "毕业未就业", "Graduate without job"),
    ("其他", "其他", "Other"),
];

/// The official series a published figure can be entered for (`official_series`): each is
/// a catalogue measure aggregated as `Published`, named here with the unit its figures are
/// typed in (a test keeps the two equal).
pub const OFFICIAL_SERIES: &[CodeEntry] = &[
    ("surveyed_unemployment_rate", "城镇调查失业率（%）", "Surveyed urban unemployment rate (%)"),
    ("official_registered_unemployment_rate", "城镇登记失业率·官方发布（%）", "Registered urban unemployment rate, published (%)"),
    ("official_new_urban_jobs", "城镇新增就业·官方发布（万人）", "New urban jobs, published (10k persons)"),
    ("official_demand_supply_ratio", "求人倍率·官方发布", "Vacancy-to-seeker ratio, published"),
];

#[derive(Debug, Clone)]
pub struct Occupation {
    /// 《职业分类大典》 code, `X-XX-XX-XX`.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Whether the code was checked against a cited source (see data/README.md).
    pub code_verified: bool,
}

impl Occupation {
    pub fn name(&self, lang: crate::lang::Lang) -> &str {
        lang.pick(&self.name_zh, &self.name_en)
    }
}

const OCCUPATIONS_CSV: &str = include_str!("../../../data/occupations.csv");

/// The occupations the synthetic data uses (data/occupations.csv).
pub fn occupations() -> &'static [Occupation] {
    static LIST: OnceLock<Vec<Occupation>> = OnceLock::new();
    LIST.get_or_init(|| {
        OCCUPATIONS_CSV
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .map(|line| {
                let f: Vec<&str> = line.split(',').collect();
                Occupation { code: f[0].into(), name_zh: f[1].into(), name_en: f[2].into(), code_verified: f[4] != "unverified" }
            })
            .collect()
    })
}

pub fn occupation_name(code: &str) -> Option<&'static Occupation> {
    occupations().iter().find(|o| o.code == code)
}

/// `X-XX-XX-XX` with digits: the shape of a 职业分类大典 code.
pub fn is_occupation_code_shape(code: &str) -> bool {
    let parts: Vec<&str> = code.split('-').collect();
    parts.len() == 4 && [1, 2, 2, 2].iter().zip(&parts).all(|(&n, p)| p.len() == n && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The codes of a list, in order.
pub fn codes(list: &[CodeEntry]) -> Vec<&'static str> {
    list.iter().map(|e| e.0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn occupation_codes_have_the_dadian_shape() {
        assert!(occupations().len() >= 20);
        for o in occupations() {
            assert!(is_occupation_code_shape(&o.code), "{}", o.code);
        }
        assert!(!is_occupation_code_shape("4-01-2-03"));
        assert_eq!(INDUSTRIES.len(), 20);
        assert_eq!(SERVICE_FUNCTIONS.len(), 8);
        assert_eq!(SUBSIDY_TYPES.len(), 10);
    }
}
