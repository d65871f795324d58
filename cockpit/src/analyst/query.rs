//! The analyst's query: one measure for a region and its children over the last N periods
//! (optionally one dimension category), as a sortable table that exports to CSV. Pure, so
//! the numbers a table or a CSV shows are tested against the cube.

use szjy_model::catalogue;
use szjy_model::cube::{Cube, Lookup, TOTAL};
use szjy_model::lang::Lang;
use szjy_model::period::{Period, PeriodKind};
use szjy_model::region::{Adcode, RegionTree};

use crate::shared::figures::step_back;

#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    pub measure: String,
    /// The region whose row comes first; its children follow.
    pub region: Adcode,
    pub kind: PeriodKind,
    /// How many periods, ending at the view's month.
    pub periods: usize,
    /// A dimension key such as `grp:高校毕业生`, or the total.
    pub dim: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub adcode: Adcode,
    pub name: String,
    pub cells: Vec<Lookup>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub periods: Vec<Period>,
    pub rows: Vec<Row>,
}

/// How a table is ordered: by region code, or by one period column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SortBy {
    #[default]
    Region,
    Column {
        index: usize,
        descending: bool,
    },
}

/// The periods of a kind ending at (or before) the month: the last complete quarter or
/// year, the running year-to-date.
pub fn periods_ending(kind: PeriodKind, month: Period, count: usize) -> Vec<Period> {
    let mut last = match kind {
        PeriodKind::Month => month,
        PeriodKind::Quarter => month.last_complete_quarter(),
        PeriodKind::Year => Period::Year { year: month.year() - 1 },
        PeriodKind::YearToDate => month.year_to_date(),
    };
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        out.push(last);
        last = step_back(last);
    }
    out.reverse();
    out
}

/// The breakdown a query shows when the view's category filter changes: the filter's
/// category where the measure is broken down by it (under 制造业 the query shows
/// manufacturing), all categories otherwise.
pub fn breakdown_for_filter(measure: &str, filter: Option<&str>) -> String {
    szjy_model::catalogue::measure(measure)
        .and_then(|def| crate::shared::figures::applied_category(def, filter))
        .unwrap_or(szjy_model::cube::TOTAL)
        .to_string()
}

pub fn run(cube: &Cube, query: &Query, month: Period, lang: Lang) -> Table {
    let periods = periods_ending(query.kind, month, query.periods);
    let tree = RegionTree::shandong();
    let regions = tree.get(query.region).into_iter().chain(tree.children(query.region));
    let rows = regions
        .map(|r| Row {
            adcode: r.adcode,
            name: r.name(lang).to_string(),
            cells: periods.iter().map(|p| cube.get(&query.measure, r.adcode, *p, &query.dim)).collect(),
        })
        .collect();
    Table { periods, rows }
}

impl Table {
    /// The first row (the region asked about) stays on top; its children are sorted.
    /// Hidden and missing values sort last whatever the direction.
    pub fn sort(&mut self, by: SortBy) {
        let Some((_, children)) = self.rows.split_first_mut() else { return };
        match by {
            SortBy::Region => children.sort_by_key(|r| r.adcode),
            SortBy::Column { index, descending } => children.sort_by(|a, b| {
                let (x, y) = (a.cells.get(index).and_then(|c| c.value()), b.cells.get(index).and_then(|c| c.value()));
                match (x, y) {
                    (Some(x), Some(y)) if descending => y.total_cmp(&x),
                    (Some(x), Some(y)) => x.total_cmp(&y),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => a.adcode.cmp(&b.adcode),
                }
                .then(a.adcode.cmp(&b.adcode))
            }),
        }
    }

    /// CSV in UTF-8 with a byte-order mark (so Excel opens Chinese text correctly).
    /// Hidden (suppressed) cells are `*`, missing cells empty; a header line names the
    /// measure, its unit and the dimension.
    pub fn to_csv(&self, query: &Query, lang: Lang) -> String {
        let def = catalogue::measure(&query.measure);
        let name = def.map_or(query.measure.as_str(), |d| d.name(lang));
        let unit = def.map_or("", |d| d.unit(lang));
        let dim = if query.dim == TOTAL { String::new() } else { format!(" [{}]", query.dim) };
        let mut out = String::from('\u{feff}');
        let label = |p: &Period| p.label(lang);
        out += &csv_line(&[format!("{name}{dim}"), unit.to_string()]);
        let mut header = vec![lang.pick("地区", "region").to_string(), "adcode".to_string()];
        header.extend(self.periods.iter().map(label));
        out += &csv_line(&header);
        for row in &self.rows {
            let mut fields = vec![row.name.clone(), row.adcode.to_string()];
            fields.extend(row.cells.iter().map(|c| match c {
                Lookup::Value(v) => format!("{v}"),
                Lookup::Suppressed => "*".into(),
                Lookup::Missing => String::new(),
            }));
            out += &csv_line(&fields);
        }
        out
    }
}

/// One CSV record (RFC 4180 quoting), CRLF-terminated as spreadsheet tools expect.
fn csv_line(fields: &[String]) -> String {
    let quoted: Vec<String> = fields
        .iter()
        .map(|f| if f.contains([',', '"', '\n', '\r']) { format!("\"{}\"", f.replace('"', "\"\"")) } else { f.clone() })
        .collect();
    quoted.join(",") + "\r\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn cube() -> Cube {
        let mut c = Cube::new(NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(), true);
        c.insert("new_urban_jobs", 370200, Period::month(2025, 6), TOTAL, 300.0, 0);
        c.insert("new_urban_jobs", 370211, Period::month(2025, 6), TOTAL, 40.0, 0);
        c.insert("new_urban_jobs", 370212, Period::month(2025, 6), TOTAL, 90.0, 0);
        c.insert("new_urban_jobs", 370211, Period::month(2025, 5), TOTAL, 35.0, 0);
        c.insert("new_urban_jobs", 370213, Period::month(2025, 6), TOTAL, 2.0, szjy_model::cube::flags::SUPPRESSED_PRIMARY);
        let i = c.cells.len() - 1;
        c.cells[i].value = None;
        c.reindex();
        c
    }

    fn query() -> Query {
        Query { measure: "new_urban_jobs".into(), region: 370200, kind: PeriodKind::Month, periods: 2, dim: TOTAL.into() }
    }

    #[test]
    fn the_breakdown_follows_the_filter_where_it_applies() {
        assert_eq!(breakdown_for_filter("insured_headcount", Some("ind:C")), "ind:C");
        assert_eq!(breakdown_for_filter("registered_unemployment_rate", Some("ind:C")), szjy_model::cube::TOTAL);
        assert_eq!(breakdown_for_filter("insured_headcount", None), szjy_model::cube::TOTAL);
    }

    #[test]
    fn the_table_holds_the_region_and_its_children() {
        let t = run(&cube(), &query(), Period::month(2025, 6), Lang::Zh);
        assert_eq!(t.periods, vec![Period::month(2025, 5), Period::month(2025, 6)]);
        assert_eq!(t.rows[0].name, "青岛市");
        assert_eq!(t.rows.len(), 1 + RegionTree::shandong().children(370200).count());
        let huangdao = t.rows.iter().find(|r| r.adcode == 370211).unwrap();
        assert_eq!(huangdao.cells, vec![Lookup::Value(35.0), Lookup::Value(40.0)]);
    }

    #[test]
    fn sorting_keeps_the_region_first_and_hidden_values_last() {
        let mut t = run(&cube(), &query(), Period::month(2025, 6), Lang::Zh);
        t.sort(SortBy::Column { index: 1, descending: true });
        let order: Vec<Adcode> = t.rows.iter().take(4).map(|r| r.adcode).collect();
        assert_eq!(order, vec![370200, 370212, 370211, t.rows[3].adcode]);
        assert!(t.rows[3].cells[1].value().is_none());
        t.sort(SortBy::Column { index: 1, descending: false });
        assert_eq!(t.rows[1].adcode, 370211);
        assert_eq!(t.rows[0].adcode, 370200);
    }

    #[test]
    fn csv_has_a_bom_quoting_and_marks_hidden_cells() {
        let t = run(&cube(), &query(), Period::month(2025, 6), Lang::Zh);
        let csv = t.to_csv(&query(), Lang::Zh);
        assert!(csv.starts_with('\u{feff}'));
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(lines[0], "城镇新增就业,人");
        assert_eq!(lines[1], "地区,adcode,2025年5月,2025年6月");
        assert!(lines.contains(&"黄岛区,370211,35,40"), "{lines:?}");
        assert!(lines.iter().any(|l| l.starts_with("崂山区,370212,,90")));
        assert!(lines.iter().any(|l| l.starts_with("李沧区,370213,,*")), "{lines:?}");
        assert_eq!(csv_line(&["a,b".into(), "say \"hi\"".into()]), "\"a,b\",\"say \"\"hi\"\"\"\r\n");
    }

    #[test]
    fn period_columns_step_back_by_kind() {
        let m = Period::month(2025, 2);
        assert_eq!(
            periods_ending(PeriodKind::Quarter, m, 2),
            vec![Period::Quarter { year: 2024, quarter: 3 }, Period::Quarter { year: 2024, quarter: 4 }]
        );
        assert_eq!(periods_ending(PeriodKind::Year, m, 1), vec![Period::Year { year: 2024 }]);
        assert_eq!(
            periods_ending(PeriodKind::YearToDate, m, 3),
            vec![
                Period::YearToDate { year: 2024, month: 12 },
                Period::YearToDate { year: 2025, month: 1 },
                Period::YearToDate { year: 2025, month: 2 }
            ]
        );
    }
}
