#!/usr/bin/env python3
"""The core aggregates of the cube build, computed by DuckDB on the same Parquet files.

Used by bench/run.sh as a reference point for `analytics build`. It covers the person-level
and employer-level work of the models (the expensive part): supply and demand by county,
month and occupation with once-per-person-and-month seekers, new urban jobs once per person
and year, the unemployment flows, insured headcount with the layoff rule (a window over each
employer), subsidy sums with the duplicate-payment check (a window over each recipient) and
the unregistered-recipient anti-join, and zone person-days. It does not validate rows, roll
up regions and periods or suppress cells, which `analytics build` also does.
"""
import sys
import time

import duckdb

data = sys.argv[1]
threads = sys.argv[2] if len(sys.argv) > 2 else "2"


def src(name):
    return f"read_parquet('{data}/{name}/**/*.parquet', hive_partitioning = false)"


QUERIES = {
    "vacancies": f"""
        select county, year(date) y, month(date) m, occupation, sum(vacancies) v,
               sum(vacancies * (wage_min + wage_max) / 2) w
        from {src('job_postings')} group by all""",
    "seekers": f"""
        select county, y, m, occ, count(*) from (
          select person_key, county, year(date) y, month(date) m, arg_min(desired_occupation, date) occ
          from {src('job_seekers')} group by all) group by all""",
    "new_jobs": f"""
        select county, y, m, grp, count(*) from (
          select person_key, year(date) y, arg_min(county, date) county, month(min(date)) m, arg_min(key_group, date) grp
          from {src('employment_registrations')} group by person_key, year(date)) group by all""",
    "unemployment": f"""
        select county, year(start_date) y, month(start_date) m, count(*) inflow, count(end_date) ended
        from {src('unemployment_registrations')} group by all""",
    "layoffs": f"""
        select county, year(month) y, month(month) m, count(*) filter (where cut >= 20 or (cut >= 5 and cut >= 0.1 * prev)) alerts,
               sum(insured) insured
        from (select *, lag(insured) over (partition by employer_id order by month) prev,
                     lag(insured) over (partition by employer_id order by month) - insured cut
              from {src('social_insurance')}) group by all""",
    "subsidies": f"""
        select county, year(date) y, month(date) m, subsidy_type, sum(amount_yuan), count(*),
               count(*) filter (where date - prev <= 15) duplicates
        from (select *, lag(date) over (partition by recipient_key, subsidy_type, amount_yuan order by date, payment_id) prev
              from {src('subsidy_disbursements')}) group by all""",
    "unregistered": f"""
        select county, count(*) from {src('subsidy_disbursements')} d
        where subsidy_type in ('职业培训补贴','职业技能评价补贴','社会保险补贴','公益性岗位补贴','就业见习补贴','求职创业补贴','创业担保贷款贴息')
          and not exists (select 1 from (
              select person_key from {src('employment_registrations')} union
              select person_key from {src('unemployment_registrations')} union
              select person_key from {src('job_seekers')} union
              select person_key from {src('service_transactions')}) k where k.person_key = d.recipient_key)
        group by all""",
    "zones": f"""
        select county, year(date) y, month(date) m, count(*) records, count(distinct (person_key, zone_id, date)) services
        from {src('service_transactions')} group by all""",
}

con = duckdb.connect()
con.execute(f"set threads = {threads}")
started = time.perf_counter()
rows = 0
for name, sql in QUERIES.items():
    t = time.perf_counter()
    n = len(con.execute(sql).fetchall())
    rows += n
    print(f"  duckdb {name:<14} {n:>9} groups {time.perf_counter() - t:6.2f} s")
elapsed = time.perf_counter() - started
print(f"duckdb {duckdb.__version__}: {len(QUERIES)} queries, {rows} result rows, {elapsed:.2f} s")
print(f"DUCKDB_SECONDS={elapsed:.3f}")
