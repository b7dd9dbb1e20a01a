#!/usr/bin/env bash
# Throughput and peak memory of `liclog convert --to csv`, against the
# hand-written Python baseline and `gzip -dc`, measured in the same run.
#
#   bench/run.sh [LINES]      (default 5000000; needs ../shared/bench or LICLOG_BENCH=DIR,
#                              python3, gzip, GNU time; says which is missing)
#
# Each command runs RUNS times (default 3); the best wall time counts.
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-5000000}
runs=${RUNS:-3}
shared=${LICLOG_BENCH:-$(cd .. && pwd)/shared/bench}
out=${BENCH_DIR:-bench/out}

# Say what is missing before any work, rather than fail halfway.
missing=()
for f in gen_flexlm.py py_flexlm_to_csv.py; do
    [ -f "$shared/$f" ] || missing+=("$shared/$f (the generator and Python baseline: clone with ../shared beside the repository, or set LICLOG_BENCH=DIR)")
done
for tool in python3 gzip cargo; do
    command -v "$tool" > /dev/null || missing+=("$tool (on PATH)")
done
[ -x /usr/bin/time ] || missing+=("/usr/bin/time (GNU time: apt install time)")
if [ ${#missing[@]} -gt 0 ]; then
    echo "bench/run.sh: cannot run; missing:" >&2
    printf '  - %s\n' "${missing[@]}" >&2
    exit 2
fi
mkdir -p "$out"

cargo build --release --quiet
bin=target/release/liclog

log="$out/flexlm-$lines.log"
if [ ! -s "$log" ]; then
    python3 "$shared/gen_flexlm.py" "$lines" > "$log"
fi
if [ ! -s "$log.gz" ]; then
    gzip -c "$log" > "$log.gz"
fi
mb=$(python3 -c "import os; print(os.path.getsize('$log') / 1e6)")

# best wall seconds and peak RSS (KB) of a command over $runs runs
measure() {
    local best=999999 rss=0 t m
    for _ in $(seq "$runs"); do
        /usr/bin/time -f "%e %M" -o "$out/time.txt" "$@" > /dev/null
        read -r t m < "$out/time.txt"
        best=$(python3 -c "print(min($best, $t))")
        rss=$(( m > rss ? m : rss ))
    done
    echo "$best $rss"
}

printf "input: %s lines, %.1f MB plain, %.1f MB gzipped\n" "$lines" "$mb" \
    "$(python3 -c "import os; print(os.path.getsize('$log.gz') / 1e6)")"
read -r t_lic_plain m_lic_plain < <(measure "$bin" convert --to csv -o "$out/liclog.csv" "$log")
read -r t_lic_gz m_lic_gz < <(measure "$bin" convert --to csv -o "$out/liclog-gz.csv" "$log.gz")
read -r t_gunzip m_gunzip < <(measure gzip -dc "$log.gz")
runs=1 # the baseline is slow; one run each
read -r t_py_plain m_py_plain < <(measure python3 "$shared/py_flexlm_to_csv.py" "$log" "$out/python.csv")
read -r t_py_gz m_py_gz < <(measure python3 "$shared/py_flexlm_to_csv.py" "$log.gz" "$out/python-gz.csv")

# anonymize: the same FlexNet log written back with keyed pseudonyms (with the leak check);
# convert --anonymize: the CSV conversion with pseudonyms.
key="$out/bench.key"
[ -s "$key" ] || "$bin" keygen -o "$key" 2>/dev/null
read -r t_anon m_anon < <(measure "$bin" anonymize --key-file "$key" -o "$out/anon.log" "$log")
read -r t_canon m_canon < <(measure "$bin" convert --anonymize --key-file "$key" --to csv -o "$out/anon.csv" "$log")

# RLM reportlog: a synthetic std-format log of the same number of lines.
rlm="$out/rlm-$lines.log"
if [ ! -s "$rlm" ]; then
    python3 - "$lines" > "$rlm" <<'PY'
import sys, datetime
n = int(sys.argv[1])
t = datetime.datetime(2024, 1, 1)
print("RLM Report Log Format 0, version 14.1, authenticated")
print("ISV: demo, RLM version 14.1 BL2")
print("START lic01 01/01/2024 00:00:00")
for i in range(n - 3):
    t += datetime.timedelta(seconds=7)
    u, h, p = f"user{i * 7 % 400:03}", f"ws-{i * 13 % 300:04}", ["datavis", "simulator", "analytics"][i % 3]
    stamp = t.strftime("%m/%d %H:%M:%S")
    if i % 2 == 0:
        print(f'OUT {p} 3.12 1 {u} {h} "" 1 5 0 {i:x} {i:x} 1a2b "" "" "" {stamp}')
    else:
        print(f'IN 1 {p} 3.12 {u} {h} "" 1 4 0 {i - 1:x} {stamp}')
PY
fi
rlm_mb=$(python3 -c "import os; print(os.path.getsize('$rlm') / 1e6)")
runs=${RUNS:-3}
read -r t_rlm m_rlm < <(measure "$bin" convert --to csv -o "$out/rlm.csv" "$rlm")

# Sentinel RMS: a synthetic extended-format usage log of the same number of lines.
sentinel="$out/sentinel-$lines.log"
if [ ! -s "$sentinel" ]; then
    python3 - "$lines" > "$sentinel" <<'PY'
import sys, datetime
n = int(sys.argv[1])
t = datetime.datetime(2024, 1, 1)
epoch = int(t.replace(tzinfo=datetime.timezone.utc).timestamp()) - 3600
out = sys.stdout
out.write("# Startup Sentinel RMS License Manager v9.7.0.0012 Mon Jan  1 00:00:00 2024 "
          f"{epoch} rms-hq 1 4400 v2.0 123456\n")
for i in range(n - 1):
    t += datetime.timedelta(seconds=7)
    epoch += 7
    u, h, p = f"user{i * 7 % 400:03}", f"ws-{i * 13 % 300:04}", ["mesh", "solver", "viewer"][i % 3]
    date = t.strftime("%a %b ") + f"{t.day:2d}" + t.strftime(" %H:%M:%S %Y")
    trans, life = (0, 0) if i % 2 == 0 else (2, 7)
    out.write(f"2 0 ODA= {date} {epoch} {p} 12.0 {trans} 3 {life} {u} {h} 9.7.0.0012 1 - "
              f"- - - - - 0 - - - {i // 2:032x} MA== {100000 + i % 900000} MTIz\n")
PY
fi
sentinel_mb=$(python3 -c "import os; print(os.path.getsize('$sentinel') / 1e6)")
read -r t_sentinel m_sentinel < <(measure "$bin" convert --to csv -o "$out/sentinel.csv" "$sentinel")

python3 - "$mb" "$t_lic_plain" "$m_lic_plain" "$t_lic_gz" "$m_lic_gz" "$t_gunzip" "$m_gunzip" \
    "$t_py_plain" "$m_py_plain" "$t_py_gz" "$m_py_gz" "$rlm_mb" "$t_rlm" "$m_rlm" \
    "$sentinel_mb" "$t_sentinel" "$m_sentinel" "$t_anon" "$m_anon" "$t_canon" "$m_canon" <<'PY'
import sys
(mb, tlp, mlp, tlg, mlg, tg, mg, tpp, mpp, tpg, mpg, rmb, tr, mr, smb, ts, ms, ta, ma, tca,
 mca) = map(float, sys.argv[1:])
row = "{:<32} {:>8.2f} s {:>9.1f} MB/s {:>8.1f} MB peak RSS"
print(row.format("liclog convert --to csv (plain)", tlp, mb / tlp, mlp / 1024))
print(row.format("liclog convert --to csv (gzip)", tlg, mb / tlg, mlg / 1024))
print(row.format("gzip -dc", tg, mb / tg, mg / 1024))
print(row.format("python baseline (plain)", tpp, mb / tpp, mpp / 1024))
print(row.format("python baseline (gzip)", tpg, mb / tpg, mpg / 1024))
print(row.format("liclog rlm-report --to csv", tr, rmb / tr, mr / 1024))
print(row.format("liclog sentinel --to csv", ts, smb / ts, ms / 1024))
print(row.format("liclog anonymize (flexnet)", ta, mb / ta, ma / 1024))
print(row.format("liclog convert --anonymize", tca, mb / tca, mca / 1024))
print()
print(f"plain: liclog throughput = {tpp / tlp:.1f}x the Python baseline (target >= 25x)")
print(f"gzip:  liclog throughput = {tpg / tlg:.1f}x the Python baseline")
print(f"gzip:  liclog wall time  = {tlg / tg:.2f}x gzip -dc alone (target <= 1.3x)")
print(f"rlm-report: {rmb / tr:.1f} MB/s = {(rmb / tr) / (mb / tpp):.1f}x the Python FlexNet "
      f"baseline's MB/s (there is no RLM baseline); peak RSS {mr / 1024:.1f} MB")
print(f"sentinel: {smb / ts:.1f} MB/s = {(smb / ts) / (mb / tpp):.1f}x the Python FlexNet "
      f"baseline's MB/s (there is no Sentinel baseline); peak RSS {ms / 1024:.1f} MB")
print(f"anonymize: {ta / tlp:.2f}x the wall time of plain conversion (target < 1.10x); "
      f"peak RSS {ma / 1024:.1f} MB")
print(f"convert --anonymize: {tca / tlp:.2f}x the wall time of plain conversion "
      f"(no target: see docs/anonymization.md, Cost); peak RSS {mca / 1024:.1f} MB")
print(f"peak RSS: liclog {max(mlp, mlg) / 1024:.1f} MB (target <= 64 MB), "
      f"{max(mlp, mlg) / max(mpp, mpg):.2f}x the Python baseline's")
PY
