//! The interface's own words, in Chinese and English. Data words (measure names, units,
//! regions, codes) come from the catalogue and code lists instead.

use szjy_model::lang::Lang;

/// (key, 中文, English)
const UI: &[(&str, &str, &str)] = &[
    ("app_title", "数智就业 · 综合驾驶舱", "Smart Employment · Cockpit"),
    ("as_of", "数据截至", "Data as of"),
    ("demo", "演示数据", "Demo data"),
    ("demo_hint", "合成的演示数据，不是真实统计", "Synthetic demonstration data, not official statistics"),
    ("loading", "正在加载数据立方…", "Loading the cube…"),
    ("building", "首次运行：正在生成演示数据并构建数据立方…", "First run: generating demo data and building the cube…"),
    ("failed", "数据加载失败", "Cannot load the data"),
    ("suppressed", "已隐藏（人数小于阈值）", "hidden (below the disclosure threshold)"),
    ("no_data", "暂无数据", "no data"),
    ("no_data_or_hidden", "无数据或已隐藏", "no data or hidden"),
    ("all_values", "全部", "all"),
    ("mom", "环比", "vs prev."),
    ("yoy", "同比", "YoY"),
    ("definition", "口径", "Definition"),
    ("basis", "口径来源", "Basis"),
    ("occupation_name", "职业名称", "Occupation"),
    ("code", "代码", "Code"),
    ("typical_cities", "需求典型城市", "Typical cities"),
    ("previous_rank", "上期排位", "Last"),
    ("new_entry", "新上榜", "new"),
    ("by_month", "逐月报送（近12个月）", "By month (last 12)"),
    ("incomplete_regions", "数据不全的地区", "Incomplete regions"),
    ("unreadable_region", "地区无法识别的记录", "records with an unreadable region"),
    ("rules", "口径参数", "Parameters of the definitions"),
    ("changes", "口径变更记录", "Changes of definition"),
    ("source", "来源", "Source"),
    ("period", "统计期", "Period"),
    ("theme", "切换主题", "Theme"),
    ("theme_hint", "快捷键 T", "Key T"),
    ("other_lang", "English", "中文"),
    ("play", "播放", "Play"),
    ("pause", "暂停", "Pause"),
    ("next_month", "下一月（→）", "Next month (→)"),
    ("previous_month", "上一月（←）", "Previous month (←)"),
    ("esc_up", "Esc 返回上级", "Esc: up one level"),
    ("click_to_drill", "点击地图下钻", "Click the map to drill down"),
    ("by_city", "按市", "by city"),
    ("by_county", "按县（市、区）", "by county"),
    ("no_alerts", "当前区域暂无预警", "No alerts in this region"),
    ("items_total", "共{n}条", "{n} in all"),
    ("unit", "单位：", "Unit: "),
    ("progress_done", "完成", "Done"),
    ("calendar_pace", "时间进度", "Year elapsed"),
    ("data_for", "数据期", "Data for"),
    ("weekdays", "周一,周二,周三,周四,周五,周六,周日", "Mon,Tue,Wed,Thu,Fri,Sat,Sun"),
    ("beijing_time", "北京时间", "Beijing time"),
    ("no_zones", "当前区域暂无服务区", "No service zones in this region"),
    ("no_evaluation", "暂无政策评估结果", "No policy evaluation yet"),
    ("zone", "服务区", "Zone"),
    ("services", "服务人次", "Visits"),
    ("records", "有效数据", "Records"),
    ("functions", "功能数", "Functions"),
    ("standing", "达标", "Standing"),
    ("met", "达标", "met"),
    ("not_met", "未达标", "not met"),
    ("on_pace", "进度正常", "on pace"),
    ("behind_pace", "进度落后", "behind pace"),
    ("targets_share", "目标按{}折算", "targets at {} of the year's"),
    ("effect", "政策效应（新增就业）", "Effect on new urban jobs"),
    ("ci95", "95%置信区间", "95% CI"),
    ("wave", "批次", "Wave"),
    ("counties", "个县", "counties"),
    ("level_yellow", "黄色", "Yellow"),
    ("level_orange", "橙色", "Orange"),
    ("level_red", "红色", "Red"),
    ("since", "始于", "since "),
    ("click_alert", "点击查看该指标走势", "Click for the indicator's trend"),
    ("no_support_needed", "当前预警无需专项帮扶", "No support measures called for"),
    ("triggered_by", "触发指标", "Triggered by"),
    ("calm", "平稳", "Calm"),
    ("alert_ticker", "预警快报", "Alerts"),
    ("click_sentence", "点击查看对应图表", "Click for the chart it describes"),
    ("acknowledged", "已确认", "Acknowledged"),
    ("assigned", "已指派", "Assigned"),
    ("closed", "已关闭", "Closed"),
    ("acknowledge", "确认", "Acknowledge"),
    ("assign", "指派", "Assign"),
    ("close", "关闭", "Close"),
    ("reopen", "重新打开", "Reopen"),
    ("assignee_or_note", "指派对象或处置说明", "Assignee or note"),
    ("value", "数值", "Value"),
    ("query", "查询分析", "Query"),
    ("query_hint", "按地区、时期查询指标（快捷键 Q）", "Query a measure by region and period (key Q)"),
    ("sources", "数据来源", "Data sources"),
    ("sources_hint", "来源、口径与许可（快捷键 I）", "Sources, definitions and licences (key I)"),
    ("submissions", "报送情况", "Submissions"),
    (
        "submissions_hint",
        "各来源近12个月：已报送地区数/应报送地区数；逾期未报标橙色，悬停看地区（快捷键 R）",
        "Each source's last 12 months: regions reported of those due; late ones in orange, hover for the regions (key R)",
    ),
    ("batches", "批次", "Batches"),
    ("import_returns", "导入报表", "Import a return"),
    ("import", "导入", "Import"),
    ("import_file", "文件", "File"),
    ("import_folder", "从文件夹选择：", "Pick from the folder:"),
    ("import_hint_server", "Excel（.xlsx/.xls）、CSV 或 Parquet：发送到数据服务器，校验后作为批次入库并发布新版本（令牌需有报送权限）", "Excel (.xlsx/.xls), CSV or Parquet: sent to the data server, validated, landed as a batch and published (the token needs the ingest role)"),
    ("import_hint_local", "Excel（.xlsx/.xls）、CSV 或 Parquet：本地校验（analytics ingest），不并入当前数据立方体", "Excel (.xlsx/.xls), CSV or Parquet: validated here (analytics ingest), not added to the cube on show"),
    ("import_checked_locally", "本地校验完成（未并入数据立方体；要入库，请经数据服务器导入）", "Validated here (not added to the cube; to land it, import it through the data server)"),
    ("import_needs_token", "跟随数据服务器导入需要令牌（--token，需有报送权限）", "Importing through the data server needs a token (--token, with the ingest role)"),
    (
        "batches_local",
        "本地数据立方体：批次记录在数据服务器上（--server，并以 --token 提供分析员令牌）",
        "A local cube: batches are recorded by the data server (--server, with an analyst's --token)",
    ),
    ("batches_asking", "正在向数据服务器查询批次……", "Asking the data server for the batches…"),
    ("measure", "指标", "Measure"),
    ("by_month", "月", "Month"),
    ("by_quarter", "季", "Quarter"),
    ("by_year", "年", "Year"),
    ("by_ytd", "累计", "YTD"),
    ("periods_suffix", " 期", " periods"),
    ("breakdown", "分类", "Category"),
    ("region", "地区", "Region"),
    ("export_csv", "导出 CSV", "Export CSV"),
    ("export_png", "导出 PNG", "Export PNG"),
    ("exported", "已导出", "Exported"),
    ("public_cube", "公开数据立方（小单元已隐藏）", "Public cube (small cells hidden)"),
    ("internal_cube", "内部数据立方（未隐藏，仅限授权分析人员）", "Internal cube (unsuppressed, authorised analysts only)"),
    ("cube", "数据立方", "Cube"),
    ("source_tables", "来源表与核对", "Source tables and reconciliation"),
    ("rows_in", "读入行数", "Rows in"),
    ("accepted", "通过", "Accepted"),
    ("quarantined", "隔离", "Quarantined"),
    ("replaced", "被后续批次替换", "Replaced by a later batch"),
    ("definitions", "本专题指标口径", "Definitions on this page"),
    ("licences", "数据与字体许可", "Licences and attribution"),
    ("threshold", "阈值", "Threshold"),
    ("threshold_basis", "阈值依据", "Basis of the thresholds"),
    ("warning_thresholds", "预警阈值", "Warning thresholds"),
    ("filters", "筛选", "Filters"),
    ("filters_hint", "按时期、地区和类别筛选（快捷键 F）", "Filter by period, region and category (key F)"),
    ("month", "月份", "Month"),
    ("whole_province", "全省", "Whole province"),
    ("whole_city", "全市", "Whole city"),
    ("key_group", "重点群体", "Key group"),
    ("industry", "行业", "Industry"),
    ("occupation", "职业（工种）", "Occupation"),
    (
        "one_category",
        "数据立方按单一维度分解，一次按一个类别筛选；县级只有合计。",
        "The cube breaks figures down one dimension at a time, so one category filters at a time; counties have totals only.",
    ),
    ("applies_to", "本页适用指标", "Applies on this page to"),
    ("applies_to_none", "本页指标均无此分类，显示合计。", "No measure on this page has this breakdown: totals are shown."),
    ("clear_filter", "清除筛选", "Clear filter"),
    ("updated_at", "数据更新于", "Data updated"),
    ("stale", "连接中断，数据可能已过时", "Offline: the data may be out of date"),
    ("retrying", "正在重试", "retrying"),
    ("database_pulls", "数据库抽取", "Database pulls"),
    ("server_version", "数据版本", "Data version"),
    ("forecast", "预测", "Forecast"),
    ("months_since_adoption", "距政策实施月数", "Months since adoption"),
    ("months", "个月", "months"),
    ("pre_trend", "事前平行趋势检验", "Pre-trend test"),
    ("pre_trend_doubtful", "（平行趋势存疑）", " (parallel trends doubtful)"),
    ("pre_trend_alike", "实施前两组走势相近", "groups moved alike before"),
    ("pre_trend_differed", "实施前两组走势已有差异，效果仅供参考", "groups differed before: read with care"),
    ("adoption", "实施", "Adoption"),
    ("treated_counties", "政策覆盖县（月均）", "Counties reached (monthly mean)"),
    ("comparison_counties", "未覆盖县（月均）", "Counties not reached (monthly mean)"),
    ("forecast_band", "预测（区间：80%、95%）", "Forecast (80% and 95% intervals)"),
];

/// The interface text for a key; the key itself if it is missing (a test checks none is).
pub fn text(lang: Lang, key: &str) -> &str {
    UI.iter().find(|e| e.0 == key).map_or(key, |e| lang.pick(e.1, e.2))
}

/// All interface text (the font test checks every character has a glyph).
pub fn all_ui_text() -> String {
    UI.iter().flat_map(|e| [e.1, e.2]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_used_in_the_code_exists() {
        // Keys are string literals passed to `text(lang, "...")`: find them in the sources.
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut missing = Vec::new();
        let mut stack = vec![std::path::PathBuf::from(dir)];
        while let Some(path) = stack.pop() {
            if path.is_dir() {
                stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            if path.ends_with("shared/text.rs") {
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            for (i, _) in source.match_indices("text(lang, \"") {
                let rest = &source[i + "text(lang, \"".len()..];
                let key = &rest[..rest.find('"').unwrap()];
                if !UI.iter().any(|e| e.0 == key) {
                    missing.push(format!("{}: {key}", path.display()));
                }
            }
        }
        assert!(missing.is_empty(), "missing interface text: {missing:?}");
    }
}
