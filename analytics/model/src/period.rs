//! Reporting periods: month, quarter, year and year-to-date (1–N月累计).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::lang::Lang;

/// A reporting period. Its text form is the cube's period key:
/// `2025-06`, `2025Q2`, `2025`, and `2025-01..06` for 2025年1–6月累计.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Month {
        year: i32,
        month: u32,
    },
    Quarter {
        year: i32,
        quarter: u32,
    },
    Year {
        year: i32,
    },
    /// January to `month` of `year`, cumulative.
    YearToDate {
        year: i32,
        month: u32,
    },
}

/// The native granularity of a measure, and the kind of a [`Period`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Month,
    Quarter,
    Year,
    YearToDate,
}

impl Period {
    pub fn month(year: i32, month: u32) -> Self {
        debug_assert!((1..=12).contains(&month));
        Period::Month { year, month }
    }

    pub fn kind(self) -> PeriodKind {
        match self {
            Period::Month { .. } => PeriodKind::Month,
            Period::Quarter { .. } => PeriodKind::Quarter,
            Period::Year { .. } => PeriodKind::Year,
            Period::YearToDate { .. } => PeriodKind::YearToDate,
        }
    }

    pub fn year(self) -> i32 {
        match self {
            Period::Month { year, .. } | Period::Quarter { year, .. } | Period::Year { year } | Period::YearToDate { year, .. } => year,
        }
    }

    /// How much of its year has passed by the end of the period, in percent (时间进度: the
    /// pace a yearly target is compared with, by months).
    pub fn share_of_year(self) -> f64 {
        self.last_month() as f64 / 12.0 * 100.0
    }

    /// The last calendar month the period covers (1–12).
    pub fn last_month(self) -> u32 {
        match self {
            Period::Month { month, .. } | Period::YearToDate { month, .. } => month,
            Period::Quarter { quarter, .. } => quarter * 3,
            Period::Year { .. } => 12,
        }
    }

    /// Months since year 0, a dense key for month arithmetic.
    pub fn month_index(self) -> i32 {
        self.year() * 12 + self.last_month() as i32 - 1
    }

    pub fn from_month_index(index: i32) -> Self {
        Period::month(index.div_euclid(12), index.rem_euclid(12) as u32 + 1)
    }

    /// The same kind of period one step earlier (previous month / quarter / year;
    /// for year-to-date the same span of the previous year).
    pub fn previous(self) -> Self {
        match self {
            Period::Month { .. } => Period::from_month_index(self.month_index() - 1),
            Period::Quarter { year, quarter: 1 } => Period::Quarter { year: year - 1, quarter: 4 },
            Period::Quarter { year, quarter } => Period::Quarter { year, quarter: quarter - 1 },
            Period::Year { year } => Period::Year { year: year - 1 },
            Period::YearToDate { year, month } => Period::YearToDate { year: year - 1, month },
        }
    }

    /// The same period one year earlier (同比).
    pub fn year_ago(self) -> Self {
        match self {
            Period::Month { year, month } => Period::Month { year: year - 1, month },
            Period::Quarter { year, quarter } => Period::Quarter { year: year - 1, quarter },
            Period::Year { year } => Period::Year { year: year - 1 },
            Period::YearToDate { year, month } => Period::YearToDate { year: year - 1, month },
        }
    }

    /// The quarter a month belongs to.
    pub fn quarter_of(self) -> Self {
        Period::Quarter { year: self.year(), quarter: (self.last_month() - 1) / 3 + 1 }
    }

    /// The last quarter complete by this period's last month: its own quarter when that
    /// month ends one, else the quarter before.
    pub fn last_complete_quarter(self) -> Self {
        if self.last_month().is_multiple_of(3) {
            self.quarter_of()
        } else {
            self.quarter_of().previous()
        }
    }

    /// January to this period's last month of its year (1–N月累计).
    pub fn year_to_date(self) -> Self {
        Period::YearToDate { year: self.year(), month: self.last_month() }
    }

    /// The label for screens in a language ([`Period::label_zh`], [`Period::label_en`]).
    pub fn label(self, lang: Lang) -> String {
        match lang {
            Lang::Zh => self.label_zh(),
            Lang::En => self.label_en(),
        }
    }

    /// Chinese label for screens, e.g. `2025年6月`, `2025年二季度`, `2025年1–6月累计`.
    pub fn label_zh(self) -> String {
        const Q: [&str; 4] = ["一", "二", "三", "四"];
        match self {
            Period::Month { year, month } => format!("{year}年{month}月"),
            Period::Quarter { year, quarter } => format!("{year}年{}季度", Q[quarter as usize - 1]),
            Period::Year { year } => format!("{year}年"),
            Period::YearToDate { year, month: 1 } => format!("{year}年1月"),
            Period::YearToDate { year, month } => format!("{year}年1–{month}月累计"),
        }
    }

    pub fn label_en(self) -> String {
        const M: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        match self {
            Period::Month { year, month } => format!("{} {year}", M[month as usize - 1]),
            Period::Quarter { year, quarter } => format!("Q{quarter} {year}"),
            Period::Year { year } => format!("{year}"),
            Period::YearToDate { year, month } => format!("Jan–{} {year} YTD", M[month as usize - 1]),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Period::Month { year, month } => write!(f, "{year}-{month:02}"),
            Period::Quarter { year, quarter } => write!(f, "{year}Q{quarter}"),
            Period::Year { year } => write!(f, "{year}"),
            Period::YearToDate { year, month } => write!(f, "{year}-01..{month:02}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("not a period: {0:?} (expected 2025-06, 2025Q2, 2025 or 2025-01..06)")]
pub struct ParsePeriodError(pub String);

impl FromStr for Period {
    type Err = ParsePeriodError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParsePeriodError(s.to_string());
        let num = |t: &str| t.parse::<u32>().map_err(|_| err());
        let year = |t: &str| t.parse::<i32>().ok().filter(|y| (1900..=2200).contains(y)).ok_or_else(err);
        if let Some((y, rest)) = s.split_once("-01..") {
            let month = num(rest)?;
            return (1..=12).contains(&month).then_some(Period::YearToDate { year: year(y)?, month }).ok_or_else(err);
        }
        if let Some((y, q)) = s.split_once('Q') {
            let quarter = num(q)?;
            return (1..=4).contains(&quarter).then_some(Period::Quarter { year: year(y)?, quarter }).ok_or_else(err);
        }
        if let Some((y, m)) = s.split_once('-') {
            let month = num(m)?;
            return (1..=12).contains(&month).then_some(Period::Month { year: year(y)?, month }).ok_or_else(err);
        }
        Ok(Period::Year { year: year(s)? })
    }
}

impl Period {
    /// Compact code for binary forms: kind in the top bits, then year, then month/quarter.
    fn code(self) -> u32 {
        let (kind, n) = match self {
            Period::Month { month, .. } => (0, month),
            Period::Quarter { quarter, .. } => (1, quarter),
            Period::Year { .. } => (2, 0),
            Period::YearToDate { month, .. } => (3, month),
        };
        (kind << 20) | ((self.year() as u32) << 4) | n
    }

    fn from_code(code: u32) -> Option<Self> {
        let (year, n) = (((code >> 4) & 0xffff) as i32, code & 15);
        let p = match code >> 20 {
            0 if (1..=12).contains(&n) => Period::Month { year, month: n },
            1 if (1..=4).contains(&n) => Period::Quarter { year, quarter: n },
            2 => Period::Year { year },
            3 if (1..=12).contains(&n) => Period::YearToDate { year, month: n },
            _ => return None,
        };
        Some(p)
    }
}

/// Text (`2025-06`) in human-readable formats such as JSON; a compact integer in binary.
impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.collect_str(self)
        } else {
            s.serialize_u32(self.code())
        }
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        if d.is_human_readable() {
            let s = String::deserialize(d)?;
            s.parse().map_err(D::Error::custom)
        } else {
            let code = u32::deserialize(d)?;
            Period::from_code(code).ok_or_else(|| D::Error::custom(format!("bad period code {code}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_round_trips() {
        for s in ["2025-06", "2025Q2", "2025", "2026-01..10"] {
            assert_eq!(s.parse::<Period>().unwrap().to_string(), s);
        }
        assert!("2025-13".parse::<Period>().is_err());
        assert!("2025Q5".parse::<Period>().is_err());
        assert!("abc".parse::<Period>().is_err());
        for s in ["2025-06", "2025Q2", "2025", "2026-01..10"] {
            let p: Period = s.parse().unwrap();
            assert_eq!(Period::from_code(p.code()), Some(p));
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{s}\""));
            assert_eq!(postcard::from_bytes::<Period>(&postcard::to_stdvec(&p).unwrap()).unwrap(), p);
        }
    }

    #[test]
    fn neighbours() {
        let jan: Period = "2025-01".parse().unwrap();
        assert_eq!(jan.previous().to_string(), "2024-12");
        assert_eq!(jan.year_ago().to_string(), "2024-01");
        assert_eq!("2025Q1".parse::<Period>().unwrap().previous().to_string(), "2024Q4");
        assert_eq!("2025-08".parse::<Period>().unwrap().quarter_of().to_string(), "2025Q3");
        assert_eq!("2025-01..06".parse::<Period>().unwrap().label_zh(), "2025年1–6月累计");
    }
}
