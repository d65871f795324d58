//! A row-by-row builder for one source table, used by the generator: typed columns that
//! follow a [`SourceSchema`], deliberate corruption of a share of rows for the dirty-data
//! tests, and conversion to a Polars DataFrame.

use chrono::NaiveDate;
use polars::prelude::*;
use rand::RngExt;
use rand_pcg::Pcg64Mcg;

use szjy_model::schema::{ColumnType, Rule, SourceSchema};

#[derive(Clone, Debug)]
pub enum Value {
    Text(String),
    Int(i64),
    Float(f64),
    Date(NaiveDate),
    Null,
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::Int(v as i64)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}
impl From<NaiveDate> for Value {
    fn from(d: NaiveDate) -> Self {
        Value::Date(d)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

enum Data {
    Text(Vec<Option<String>>),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Date(Vec<Option<i32>>),
}

pub struct Table {
    pub schema: &'static SourceSchema,
    columns: Vec<Data>,
    /// Rows that carry an injected event and must never be corrupted.
    protected: Vec<bool>,
    len: usize,
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()
}

impl Table {
    pub fn new(schema: &'static SourceSchema) -> Self {
        let columns = schema
            .columns
            .iter()
            .map(|c| match c.ty {
                ColumnType::Text => Data::Text(Vec::new()),
                ColumnType::Int => Data::Int(Vec::new()),
                ColumnType::Float => Data::Float(Vec::new()),
                ColumnType::Date => Data::Date(Vec::new()),
            })
            .collect();
        Table { schema, columns, protected: Vec::new(), len: 0 }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends a row; values in schema column order.
    pub fn push(&mut self, values: Vec<Value>) {
        self.push_row(values, false)
    }

    /// Appends a row that belongs to an injected event (never corrupted).
    pub fn push_protected(&mut self, values: Vec<Value>) {
        self.push_row(values, true)
    }

    fn push_row(&mut self, values: Vec<Value>, protected: bool) {
        assert_eq!(values.len(), self.columns.len(), "{}: row width", self.schema.name);
        for (data, value) in self.columns.iter_mut().zip(values) {
            match (data, value) {
                (Data::Text(v), Value::Text(s)) => v.push(Some(s)),
                (Data::Int(v), Value::Int(x)) => v.push(Some(x)),
                (Data::Float(v), Value::Float(x)) => v.push(Some(x)),
                (Data::Float(v), Value::Int(x)) => v.push(Some(x as f64)),
                (Data::Date(v), Value::Date(d)) => v.push(Some((d - epoch()).num_days() as i32)),
                (Data::Text(v), Value::Null) => v.push(None),
                (Data::Int(v), Value::Null) => v.push(None),
                (Data::Float(v), Value::Null) => v.push(None),
                (Data::Date(v), Value::Null) => v.push(None),
                (_, value) => panic!("{}: value {value:?} does not fit its column", self.schema.name),
            }
        }
        self.protected.push(protected);
        self.len += 1;
    }

    pub fn append(&mut self, other: Table) {
        for (a, b) in self.columns.iter_mut().zip(other.columns) {
            match (a, b) {
                (Data::Text(a), Data::Text(b)) => a.extend(b),
                (Data::Int(a), Data::Int(b)) => a.extend(b),
                (Data::Float(a), Data::Float(b)) => a.extend(b),
                (Data::Date(a), Data::Date(b)) => a.extend(b),
                _ => unreachable!("same schema"),
            }
        }
        self.protected.extend(other.protected);
        self.len += other.len;
    }

    /// Makes about `rate` of the unprotected rows invalid, each in one way the ingest
    /// rules must catch (unknown code, merged adcode, missing value, out of range, …).
    /// Returns how many rows were corrupted.
    pub fn corrupt(&mut self, rate: f64, rng: &mut Pcg64Mcg) -> usize {
        if rate <= 0.0 {
            return 0;
        }
        let required: Vec<usize> = (0..self.columns.len()).filter(|&i| self.schema.columns[i].required).collect();
        let mut corrupted = 0;
        for row in 0..self.len {
            if self.protected[row] || rng.random::<f64>() >= rate {
                continue;
            }
            let ci = required[rng.random_range(0..required.len())];
            let column = &self.schema.columns[ci];
            let use_null = rng.random::<f64>() < 0.25;
            match &mut self.columns[ci] {
                Data::Text(v) => {
                    v[row] = if use_null || matches!(column.rule, Rule::Any) {
                        None
                    } else {
                        Some(match column.rule {
                            Rule::OccupationCode => "4-1-2".into(),
                            Rule::PersonKey => "not-a-key".into(),
                            Rule::Quarter => "2025Q9".into(),
                            Rule::PeriodKey => "2025-13".into(),
                            Rule::FunctionList => "业务经办|未知功能".into(),
                            _ => "未知".into(),
                        })
                    }
                }
                Data::Int(v) => {
                    v[row] = if use_null {
                        None
                    } else {
                        Some(match column.rule {
                            // 莱芜市 was merged into 济南 in 2019: its codes no longer exist.
                            Rule::County => 371202,
                            Rule::City | Rule::Region => 371200,
                            Rule::Range(_, max) => max as i64 + 1,
                            _ => -1,
                        })
                    }
                }
                Data::Float(v) => {
                    v[row] = if use_null {
                        None
                    } else {
                        match column.rule {
                            Rule::Range(min, _) => Some(min - 1.0),
                            _ => Some(-1.0),
                        }
                    }
                }
                Data::Date(v) => {
                    v[row] = if use_null { None } else { Some((NaiveDate::from_ymd_opt(1999, 1, 1).unwrap() - epoch()).num_days() as i32) }
                }
            }
            corrupted += 1;
        }
        corrupted
    }

    pub fn into_frame(self) -> PolarsResult<DataFrame> {
        let columns: Vec<Column> = self
            .schema
            .columns
            .iter()
            .zip(self.columns)
            .map(|(spec, data)| {
                let name = PlSmallStr::from_static(spec.name);
                match data {
                    Data::Text(v) => Ok(Series::new(name, v).into_column()),
                    Data::Int(v) => Ok(Series::new(name, v).into_column()),
                    Data::Float(v) => Ok(Series::new(name, v).into_column()),
                    Data::Date(v) => Series::new(name, v).cast(&DataType::Date).map(|s| s.into_column()),
                }
            })
            .collect::<PolarsResult<_>>()?;
        DataFrame::new(self.len, columns)
    }
}
