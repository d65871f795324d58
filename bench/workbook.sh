#!/usr/bin/env bash
# Benchmark of an Excel return (release build) beside the CSV and Parquet paths: writes
# ROWS unemployment registrations as a clerk's workbook (a title row, Chinese headers, ID
# numbers as text with valid check digits; openpyxl, installed for the user if missing)
# and as CSV, then RUNS times ingests the workbook, the CSV, and the Parquet the workbook's
# ingest wrote (person keys already hashed): wall time, rows/s and peak memory of each.
#   [ANALYTICS_BIN=…] bench/workbook.sh [ROWS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
runs=${2:-3}
if [ -z "${ANALYTICS_BIN:-}" ]; then
  cargo build --release -p analytics
fi
bin=$(realpath "${ANALYTICS_BIN:-${CARGO_TARGET_DIR:-target}/release/analytics}")
python3 -c "import openpyxl" 2>/dev/null || python3 -m pip install --user --quiet openpyxl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
started=$SECONDS
python3 - "$rows" "$work" <<'PY'
import csv, sys
from openpyxl import Workbook
rows, work = int(sys.argv[1]), sys.argv[2]
weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
def with_check(body):
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]
header_zh = ["登记日期", "注销日期（空为仍在登记）", "县（市、区）代码", "失业原因", "重点群体", "年龄", "性别", "学历", "原行业门类", "身份证号码"]
header = ["start_date", "end_date", "county", "reason", "key_group", "age", "sex", "education", "prev_industry", "person_id"]
counties = [370102, 370103, 370202, 370303, 370602, 370702, 370811, 371002]
reasons = ["合同到期", "单位裁员", "主动离职"]
book = Workbook(write_only=True)
sheet = book.create_sheet("失业登记")
sheet.append(["2025年失业登记报表（演示）"])
sheet.append(header_zh)
with open(f"{work}/registrations.csv", "w", newline="", encoding="utf-8") as f:
    out = csv.writer(f)
    out.writerow(header)
    for i in range(rows):
        record = [f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}", None, counties[i % 8], reasons[i % 3], "登记失业人员", 20 + i % 40,
                  "男" if i % 2 == 0 else "女", "本科", "C", with_check(f"37{i % 9999:04d}{1960 + i % 40}{i // 9999:07d}")]
        sheet.append(record)
        out.writerow(["" if v is None else v for v in record])
book.save(f"{work}/registrations.xlsx")
PY
echo "wrote $rows rows in $((SECONDS - started)) s: workbook $(du -h "$work/registrations.xlsx" | cut -f1), CSV $(du -h "$work/registrations.csv" | cut -f1)"
export SZJY_TODAY=2026-12-04
measure() {
  local label=$1 file=$2 run=$3
  rm -rf "$work/out-$label"
  /usr/bin/time -f "%e %M" -o "$work/time" "$bin" ingest --source unemployment_registrations --out "$work/out-$label" "$file" >"$work/ingest.out" 2>&1
  read -r wall rss <"$work/time"
  echo "$label $run: $(grep -E '^unemployment_registrations' "$work/ingest.out" | awk '{print $3" in, "$4" accepted, "$5" quarantined"}'); wall ${wall} s, $(python3 -c "print(f'{$rows/$wall:,.0f}')") rows/s, peak $(python3 -c "print(f'{$rss/1048576:.2f}')") GiB"
}
for run in $(seq 1 "$runs"); do
  measure workbook "$work/registrations.xlsx" "$run"
  measure csv "$work/registrations.csv" "$run"
  cp "$work/out-workbook/unemployment_registrations/part-0.parquet" "$work/registrations.parquet"
  measure parquet "$work/registrations.parquet" "$run"
done
