//! 口径参数: the numbers in the measures' definitions (`config/measure-rules.ron`). The
//! engine computes with them, the cube carries the set it was built with, and the
//! catalogue's 口径 texts are templates filled from them ([`MeasureRules::render`]), so a
//! definition cannot say one number while the code uses another.

use serde::{Deserialize, Serialize};

use crate::codes;
use crate::lang::Lang;

/// The built-in parameters (`config/measure-rules.ron`).
pub const DEFAULT_CONFIG: &str = include_str!("../../../config/measure-rules.ron");

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureRules {
    pub duplicate_payments: DuplicatePayments,
    pub service_zones: ZoneTargets,
    pub layoffs: Layoffs,
    pub long_term_unemployment: LongTermUnemployment,
    pub shortage_score: ShortageScore,
}

/// 疑似重复发放.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DuplicatePayments {
    pub window_days: u32,
    /// Subsidy types paid in monthly instalments, judged by `instalment_window_days`.
    pub instalment_types: Vec<String>,
    pub instalment_window_days: u32,
    pub basis_zh: String,
    pub basis_en: String,
}

/// 服务区年度目标.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneTargets {
    /// Person-times a year, zones of 人社部门.
    pub services_bureau: u32,
    /// Person-times a year, zones of 普通高校 and 技工院校.
    pub services_school: u32,
    pub valid_records: u32,
    /// Service functions a zone must offer, of `functions_listed`.
    pub functions: u32,
    pub functions_listed: u32,
    pub basis_zh: String,
    pub basis_en: String,
}

impl ZoneTargets {
    /// The yearly person-times target of a zone of this kind (`codes::ZONE_KINDS`).
    pub fn services_for(&self, kind: &str) -> u32 {
        if kind == "人社部门" {
            self.services_bureau
        } else {
            self.services_school
        }
    }
}

/// 规模裁员预警: which threshold an employer's monthly cut is held to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layoffs {
    pub counted: LayoffRule,
    pub legal: LegalLayoffThreshold,
    pub provincial: ProvincialLayoffThreshold,
    pub basis_zh: String,
    pub basis_en: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LayoffRule {
    Legal,
    Provincial,
}

/// 劳动合同法 第四十一条: a cut of `min_cut` or more, or of `min_share_percent` of staff.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalLayoffThreshold {
    pub min_cut: u32,
    pub min_share_percent: f64,
}

/// A provincial reporting threshold by employer size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvincialLayoffThreshold {
    pub large_staff: u32,
    pub large_min_cut: u32,
    pub min_cut: u32,
}

impl Layoffs {
    /// Whether an employer of `previous` insured staff cutting `cut` in a month meets the
    /// counted threshold.
    pub fn meets(&self, previous: u32, cut: u32) -> bool {
        match self.counted {
            LayoffRule::Legal => {
                // Both sides times 100, so 3 of 30 is exactly 10 %.
                cut >= self.legal.min_cut || (cut > 0 && f64::from(cut) * 100.0 >= f64::from(previous) * self.legal.min_share_percent)
            }
            LayoffRule::Provincial if previous >= self.provincial.large_staff => cut >= self.provincial.large_min_cut,
            LayoffRule::Provincial => cut >= self.provincial.min_cut,
        }
    }

    /// The smallest cut that meets the counted threshold at an employer of `previous` staff.
    pub fn threshold(&self, previous: u32) -> u32 {
        match self.counted {
            LayoffRule::Legal => {
                let share = (f64::from(previous) * self.legal.min_share_percent / 100.0 - 1e-9).ceil().max(1.0) as u32;
                share.min(self.legal.min_cut)
            }
            LayoffRule::Provincial if previous >= self.provincial.large_staff => self.provincial.large_min_cut,
            LayoffRule::Provincial => self.provincial.min_cut,
        }
    }

    /// The counted threshold in words.
    fn describe(&self, lang: Lang) -> String {
        match self.counted {
            LayoffRule::Legal => {
                let (l, share) = (&self.legal, number(self.legal.min_share_percent));
                lang.pick(
                    format!("减少{}人及以上，或减少不足{}人但占职工总数{share}%及以上", l.min_cut, l.min_cut),
                    format!("a cut of {} or more, or of fewer but {share}% of staff or more", l.min_cut),
                )
            }
            LayoffRule::Provincial => {
                let p = &self.provincial;
                lang.pick(
                    format!("职工{}人及以上的企业减少{}人及以上，其他企业减少{}人及以上", p.large_staff, p.large_min_cut, p.min_cut),
                    format!(
                        "a cut of {} or more at employers of {} or more, {} or more at others",
                        p.large_min_cut, p.large_staff, p.min_cut
                    ),
                )
            }
        }
    }
}

/// 长期失业.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LongTermUnemployment {
    pub months: u32,
    pub basis_zh: String,
    pub basis_en: String,
}

/// 本平台紧缺指数: weights of its five terms (summing to 100) and their scales.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShortageScore {
    pub weight_gap: f64,
    pub weight_ratio: f64,
    pub weight_persistence: f64,
    pub weight_wage_growth: f64,
    pub weight_breadth: f64,
    /// 求人倍率 at or above which the ratio term is full.
    pub ratio_cap: f64,
    /// A quarter with 求人倍率 above this is tight (the persistence term).
    pub tight_ratio: f64,
    /// Quarters the persistence term looks back over, the current one included.
    pub persistence_quarters: u32,
    /// Posted-wage growth on a year earlier, in percent, that earns the full wage term.
    pub wage_growth_full_marks_percent: f64,
    pub basis_zh: String,
    pub basis_en: String,
}

impl Default for MeasureRules {
    fn default() -> Self {
        MeasureRules::parse(DEFAULT_CONFIG, "config/measure-rules.ron (built in)").expect("the built-in measure rules are valid")
    }
}

/// A group of rules in words (`MeasureRules::describe`).
#[derive(Clone, Debug, PartialEq)]
pub struct RuleLine {
    pub name: &'static str,
    pub rule: String,
    pub basis: String,
}

/// A number as a definition writes it: no trailing zeros (`1.5`, `35`, `8`).
fn number(v: f64) -> String {
    let text = format!("{v:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl MeasureRules {
    /// Reads and checks the parameters: windows and targets positive, instalment types
    /// real subsidy types, the score's weights summing to 100.
    pub fn parse(text: &str, origin: &str) -> Result<Self, String> {
        let rules: MeasureRules = ron::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
        let fail = |what: String| Err(format!("{origin}: {what}"));
        let d = &rules.duplicate_payments;
        if d.window_days == 0 || d.instalment_window_days == 0 {
            return fail("duplicate_payments: windows must be at least one day".into());
        }
        if let Some(t) = d.instalment_types.iter().find(|t| !codes::SUBSIDY_TYPES.iter().any(|e| e.0 == t.as_str())) {
            return fail(format!("duplicate_payments.instalment_types: `{t}` is not a subsidy type"));
        }
        let z = &rules.service_zones;
        if [z.services_bureau, z.services_school, z.valid_records, z.functions].contains(&0) || z.functions > z.functions_listed {
            return fail("service_zones: targets must be positive and functions at most functions_listed".into());
        }
        let l = &rules.layoffs;
        if l.legal.min_cut == 0 || l.legal.min_share_percent <= 0.0 || l.provincial.min_cut == 0 || l.provincial.large_min_cut == 0 {
            return fail("layoffs: thresholds must be positive".into());
        }
        if rules.long_term_unemployment.months == 0 {
            return fail("long_term_unemployment.months must be positive".into());
        }
        let s = &rules.shortage_score;
        let weights = s.weight_gap + s.weight_ratio + s.weight_persistence + s.weight_wage_growth + s.weight_breadth;
        if (weights - 100.0).abs() > 1e-9 {
            return fail(format!("shortage_score: the weights sum to {}, not 100", number(weights)));
        }
        if s.ratio_cap <= 0.0 || s.tight_ratio <= 0.0 || s.persistence_quarters == 0 || s.wage_growth_full_marks_percent <= 0.0 {
            return fail("shortage_score: scales must be positive".into());
        }
        Ok(rules)
    }

    /// The built-in rules, read once (for texts shown before a cube has arrived).
    pub fn builtin() -> &'static MeasureRules {
        static BUILTIN: std::sync::OnceLock<MeasureRules> = std::sync::OnceLock::new();
        BUILTIN.get_or_init(MeasureRules::default)
    }

    pub fn from_file(path: Option<&std::path::Path>) -> Result<Self, String> {
        let Some(path) = path else { return Ok(MeasureRules::default()) };
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        MeasureRules::parse(&text, &path.display().to_string())
    }

    /// The placeholders a definition may use and their text in `lang`.
    pub fn parameters(&self, lang: Lang) -> Vec<(&'static str, String)> {
        let (d, z, s) = (&self.duplicate_payments, &self.service_zones, &self.shortage_score);
        let types = d
            .instalment_types
            .iter()
            .map(|t| codes::SUBSIDY_TYPES.iter().find(|e| e.0 == t.as_str()).map_or(t.as_str(), |e| lang.pick(e.1, e.2)))
            .collect::<Vec<_>>()
            .join(lang.pick("、", ", "));
        vec![
            ("duplicate_window_days", d.window_days.to_string()),
            ("instalment_types", types),
            ("instalment_window_days", d.instalment_window_days.to_string()),
            ("zone_services_bureau", z.services_bureau.to_string()),
            ("zone_services_school", z.services_school.to_string()),
            ("zone_records", z.valid_records.to_string()),
            ("zone_functions", z.functions.to_string()),
            ("zone_functions_listed", z.functions_listed.to_string()),
            ("layoff_rule", self.layoffs.describe(lang)),
            ("long_term_months", self.long_term_unemployment.months.to_string()),
            ("weight_gap", number(s.weight_gap)),
            ("weight_ratio", number(s.weight_ratio)),
            ("weight_persistence", number(s.weight_persistence)),
            ("weight_wage_growth", number(s.weight_wage_growth)),
            ("weight_breadth", number(s.weight_breadth)),
            ("ratio_cap", number(s.ratio_cap)),
            ("tight_ratio", number(s.tight_ratio)),
            ("persistence_quarters", s.persistence_quarters.to_string()),
            ("wage_growth_full_marks", number(s.wage_growth_full_marks_percent)),
        ]
    }

    /// Each group of rules in words, with its basis: for the 数据来源 screen and
    /// data/README.md.
    pub fn describe(&self, lang: Lang) -> Vec<RuleLine> {
        let lines: [(&str, &str, &str, &str, &String, &String); 5] = [
            (
                "疑似重复发放",
                "Suspected duplicate payments",
                "同一受益人、同一补贴类型、相同金额{duplicate_window_days}天内再次拨付；按月发放的{instalment_types}为{instalment_window_days}天",
                "The same recipient, type and amount again within {duplicate_window_days} days; {instalment_window_days} days for the monthly {instalment_types}",
                &self.duplicate_payments.basis_zh,
                &self.duplicate_payments.basis_en,
            ),
            (
                "服务区年度目标",
                "Service zones' yearly targets",
                "服务人次：人社部门{zone_services_bureau}、普通高校和技工院校{zone_services_school}；有效数据{zone_records}条；服务功能{zone_functions}项（共{zone_functions_listed}项）",
                "Visits: {zone_services_bureau} (bureau), {zone_services_school} (universities, technical schools); {zone_records} valid records; {zone_functions} of {zone_functions_listed} functions",
                &self.service_zones.basis_zh,
                &self.service_zones.basis_en,
            ),
            ("规模裁员预警", "Layoff alerts", "{layoff_rule}", "{layoff_rule}", &self.layoffs.basis_zh, &self.layoffs.basis_en),
            (
                "长期失业",
                "Long-term unemployment",
                "失业登记持续{long_term_months}个月及以上",
                "An unemployment registration open {long_term_months} months or more",
                &self.long_term_unemployment.basis_zh,
                &self.long_term_unemployment.basis_en,
            ),
            (
                "本平台紧缺指数",
                "The project's shortage index",
                "缺口{weight_gap}%、求人倍率{weight_ratio}%（倍率{ratio_cap}及以上满分）、持续性{weight_persistence}%（近{persistence_quarters}个季度求人倍率高于{tight_ratio}的比例）、工资增长{weight_wage_growth}%（增长{wage_growth_full_marks}%及以上满分）、覆盖面{weight_breadth}%",
                "Gap {weight_gap}%, ratio {weight_ratio}% (full at {ratio_cap}), persistence {weight_persistence}% (last {persistence_quarters} quarters above {tight_ratio}), wage growth {weight_wage_growth}% (full at {wage_growth_full_marks}%), breadth {weight_breadth}%",
                &self.shortage_score.basis_zh,
                &self.shortage_score.basis_en,
            ),
        ];
        lines
            .into_iter()
            .map(|(name_zh, name_en, zh, en, basis_zh, basis_en)| RuleLine {
                name: lang.pick(name_zh, name_en),
                rule: self.render(lang.pick(zh, en), lang),
                basis: lang.pick(basis_zh, basis_en).clone(),
            })
            .collect()
    }

    /// `template` with every `{name}` replaced by the parameter's text in `lang`.
    /// Panics on a placeholder it does not know (the catalogue's tests render every
    /// definition, so none ships).
    pub fn render(&self, template: &str, lang: Lang) -> String {
        let parameters = self.parameters(lang);
        let mut out = String::with_capacity(template.len() + 16);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = rest[open..].find('}').map(|c| open + c).unwrap_or_else(|| panic!("unclosed placeholder in {template:?}"));
            let name = &rest[open + 1..close];
            let value =
                parameters.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("unknown placeholder {{{name}}} in {template:?}"));
            out.push_str(&value.1);
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_rules_load_and_fill_templates() {
        let rules = MeasureRules::default();
        assert_eq!(rules.duplicate_payments.window_days, 90);
        assert_eq!(rules.render("{duplicate_window_days}天；{weight_gap}%＋{tight_ratio}", Lang::Zh), "90天；35%＋1.5");
        assert_eq!(
            rules.render("{instalment_types}", Lang::En),
            "Social insurance subsidy, Public-welfare job subsidy, Internship subsidy"
        );
        assert_eq!(rules.service_zones.services_for("普通高校"), 3000);
        let lines = rules.describe(Lang::Zh);
        assert_eq!(
            lines[0].rule,
            "同一受益人、同一补贴类型、相同金额90天内再次拨付；按月发放的社会保险补贴、公益性岗位补贴、就业见习补贴为20天"
        );
        assert!(lines.iter().all(|l| !l.rule.contains('{') && !l.basis.is_empty()));
    }

    #[test]
    fn layoff_thresholds_follow_the_counted_rule() {
        let mut rules = MeasureRules::default().layoffs;
        rules.counted = LayoffRule::Legal;
        // Art. 41: 20 or more, or fewer that are 10 % of staff; no floor below that.
        assert!(rules.meets(1000, 20) && !rules.meets(1000, 19));
        assert!(rules.meets(30, 3) && !rules.meets(30, 2));
        assert!(rules.meets(5, 1) && !rules.meets(5, 0));
        rules.counted = LayoffRule::Provincial;
        assert!(rules.meets(500, 50) && !rules.meets(500, 49));
        assert!(rules.meets(499, 10) && !rules.meets(499, 9));
        for counted in [LayoffRule::Legal, LayoffRule::Provincial] {
            rules.counted = counted;
            for previous in 0..1200 {
                let t = rules.threshold(previous);
                assert!(rules.meets(previous, t) && (t == 0 || !rules.meets(previous, t - 1)), "{counted:?} {previous}: {t}");
            }
        }
    }

    #[test]
    fn bad_rules_name_the_file_and_the_rule() {
        let bad_weights = DEFAULT_CONFIG.replace("weight_gap: 35.0", "weight_gap: 30.0");
        assert_eq!(MeasureRules::parse(&bad_weights, "r.ron").unwrap_err(), "r.ron: shortage_score: the weights sum to 95, not 100");
        let bad_type = DEFAULT_CONFIG.replace("\"公益性岗位补贴\"", "\"公益岗位\"");
        assert!(MeasureRules::parse(&bad_type, "r.ron").unwrap_err().contains("`公益岗位` is not a subsidy type"));
    }
}
