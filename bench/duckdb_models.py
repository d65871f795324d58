#!/usr/bin/env python3
"""The cube build's aggregates, computed by DuckDB on the same Parquet files.

Used by bench/run.sh as the reference point for `analytics build`. DuckDB does the same
three stages of work:

1. Validation: each source is loaded once, keeping the rows that pass the schema's rules
   (the SQL conditions come from `analytics schemas --sql`, so they are the build's own
   rules; the accepted counts must equal the build's), and rows in, accepted and rejected
   are counted per source. Unlike the build, it does not say why a row was rejected.
2. The person-level and employer-level models on the accepted rows: supply and demand by
   county, month and occupation with once-per-person-and-month seekers, new urban jobs once
   per person and year, the unemployment flows, insured headcount with the layoff rule (a
   window over each employer), subsidy sums with the duplicate-payment check (a window over
   each recipient) and the unregistered-recipient anti-join, and zone person-days.
3. The roll-up of every model's county × month facts to cities and the province and to
   quarters and years (grouping sets; breakdowns, like the cube's, only above counties).

It does not rank shortage occupations, evaluate the policy, suppress small cells or write
files, which `analytics build` also does: the comparison is, if anything, kind to DuckDB.
"""
import json
import sys
import time

import duckdb

data, conditions_file, reconciliation_file = sys.argv[1], sys.argv[2], sys.argv[3]
threads = sys.argv[4] if len(sys.argv) > 4 else "2"
BUILD_ACCEPTED = {r["source"]: r["accepted"] for r in json.load(open(reconciliation_file))}
RULES = json.load(open(conditions_file))
SOURCES = ["job_postings", "job_seekers", "employment_registrations", "unemployment_registrations",
           "social_insurance", "subsidy_disbursements", "service_transactions"]

# Each model: county × year × month facts with an optional breakdown `dim` and one or more
# additive values.
MODELS = {
    "vacancies": """
        select county, year(date) y, month(date) m, occupation dim, sum(vacancies) v,
               sum(vacancies * (wage_min + wage_max) / 2) w
        from job_postings group by all""",
    "seekers": """
        select county, y, m, occ dim, count(*) v from (
          select person_key, county, year(date) y, month(date) m, arg_min(desired_occupation, date) occ
          from job_seekers group by all) group by all""",
    "new_jobs": """
        select county, y, m, grp dim, count(*) v from (
          select person_key, year(date) y, arg_min(county, date) county, month(min(date)) m, arg_min(key_group, date) grp
          from employment_registrations group by person_key, year(date)) group by all""",
    "unemployment": """
        select county, year(start_date) y, month(start_date) m, key_group dim, count(*) inflow, count(end_date) ended
        from unemployment_registrations group by all""",
    "layoffs": """
        select county, year(month) y, month(month) m, industry dim,
               count(*) filter (where cut >= 20 or (cut >= 5 and cut >= 0.1 * prev)) alerts, sum(insured) insured
        from (select *, lag(insured) over (partition by employer_id order by month) prev,
                     lag(insured) over (partition by employer_id order by month) - insured cut
              from social_insurance) group by all""",
    "subsidies": """
        select county, year(date) y, month(date) m, subsidy_type dim, sum(amount_yuan) amount, count(*) payments,
               count(*) filter (where date - prev <= 15) duplicates
        from (select *, lag(date) over (partition by recipient_key, subsidy_type, amount_yuan order by date, payment_id) prev
              from subsidy_disbursements) group by all""",
    "unregistered": """
        select county, year(date) y, month(date) m, subsidy_type dim, count(*) v from subsidy_disbursements d
        where subsidy_type in ('职业培训补贴','职业技能评价补贴','社会保险补贴','公益性岗位补贴','就业见习补贴','求职创业补贴','创业担保贷款贴息')
          and not exists (select 1 from (
              select person_key from employment_registrations union
              select person_key from unemployment_registrations union
              select person_key from job_seekers union
              select person_key from service_transactions) k where k.person_key = d.recipient_key)
        group by all""",
    "zones": """
        select county, year(date) y, month(date) m, '' dim, count(*) records,
               count(distinct (person_key, zone_id, date)) services
        from service_transactions group by all""",
}


def rollup(name):
    """The model's facts at every region level × period kind, breakdowns above counties."""
    columns = [d[0] for d in con.execute(f"select * from {name}_facts limit 0").description]
    values = [c for c in columns if c not in ("county", "y", "m", "dim")]
    sums = ", ".join(f"sum({v}) {v}" for v in values)
    regions = {"county": ["county"], "city": ["city"], "province": []}
    periods = {"month": ["y", "m"], "quarter": ["y", "q"], "year": ["y"]}
    sets = []
    for level, region in regions.items():
        for period in periods.values():
            sets.append("(" + ", ".join(region + period) + ")")
            if level != "county":
                sets.append("(" + ", ".join(region + period + ["dim"]) + ")")
    return f"""
        select county, city, y, q, m, dim, {sums}
        from (select *, county // 100 * 100 city, (m - 1) // 3 + 1 q from {name}_facts)
        group by grouping sets ({", ".join(sets)})"""


con = duckdb.connect()
con.execute(f"set threads = {threads}")
started = time.perf_counter()

t = time.perf_counter()
for table, adcodes in RULES["adcode_tables"].items():
    con.execute(f"create temp table {table} as select unnest({adcodes}) adcode")
for source in SOURCES:
    files = f"read_parquet('{data}/{source}/**/*.parquet', hive_partitioning = false)"
    con.execute(f"create temp table {source} as select * from {files} where {RULES['accepts'][source]}")
    # Rows in from the Parquet footers; rejected = rows in − accepted.
    rows_in = con.execute(f"select count(*) from {files}").fetchone()[0]
    accepted = con.execute(f"select count(*) from {source}").fetchone()[0]
    print(f"  duckdb validate {source:<27} {rows_in:>9} in {accepted:>9} accepted {rows_in - accepted:>6} rejected")
    if accepted != BUILD_ACCEPTED[source]:
        sys.exit(f"{source}: DuckDB accepted {accepted} rows, the build {BUILD_ACCEPTED[source]}: the rules differ")
print(f"  duckdb validation {time.perf_counter() - t:32.2f} s")

cells = 0
for name, sql in MODELS.items():
    t = time.perf_counter()
    con.execute(f"create temp table {name}_facts as {sql}")
    facts = con.execute(f"select count(*) from {name}_facts").fetchone()[0]
    rolled = len(con.execute(rollup(name)).fetchall())
    cells += rolled
    print(f"  duckdb {name:<14} {facts:>9} facts {rolled:>9} rolled cells {time.perf_counter() - t:6.2f} s")
elapsed = time.perf_counter() - started
print(f"duckdb {duckdb.__version__}: validation, {len(MODELS)} models and their roll-ups, {cells} cells, {elapsed:.2f} s")
print(f"DUCKDB_SECONDS={elapsed:.3f}")
