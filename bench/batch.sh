#!/usr/bin/env bash
# A batch of rotated FlexNet logs: 200 files, together ~200 MB, converted
# to CSV with one thread, with two, and as one concatenated file (the
# yardstick), each measured in the same run.
#
#   bench/batch.sh [FILES] [LINES]   (default 200 files, 3,000,000 lines;
#                                    needs ../shared/bench, python3, GNU time)
#
# Each command runs RUNS times (default 5); the median wall time counts.
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-200}
lines=${2:-3000000}
runs=${RUNS:-5}
shared=${LICLOG_BENCH:-$(cd .. && pwd)/shared/bench}
out=${BENCH_DIR:-bench/out}
if [ ! -f "$shared/gen_flexlm.py" ] || ! command -v python3 > /dev/null || [ ! -x /usr/bin/time ]; then
    echo "bench/batch.sh: cannot run; needs $shared/gen_flexlm.py (clone with ../shared beside" \
        "the repository, or set LICLOG_BENCH=DIR), python3 and GNU time (/usr/bin/time)" >&2
    exit 2
fi
mkdir -p "$out"
cargo build --release --quiet
bin=$PWD/target/release/liclog

tree="$out/batch-$files-$lines"
if [ ! -d "$tree" ]; then
    python3 "$shared/gen_flexlm.py" "$lines" > "$out/batch.log"
    # Cut the log into files, each starting with a banner that dates it,
    # as lmgrd writes one when it starts a new log.
    python3 - "$out/batch.log" "$tree" "$files" <<'PY'
import os, sys
src, tree, files = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = open(src).read().splitlines(keepends=True)
os.makedirs(tree)
per = len(lines) // files + 1
date = "1/3/2024"
for i in range(files):
    chunk = lines[i * per:(i + 1) * per]
    with open(f"{tree}/lmgrd.log.{files - i}", "w") as f:
        if i > 0:
            clock = chunk[0].split(" ", 1)[0]
            f.write(f"{clock} (lmgrd) FlexNet Licensing (v11.16.2.0 build 1 x64_lsb) started on lic01 (linux) ({date})\n")
        for l in chunk:
            if " TIMESTAMP " in l:
                date = l.rsplit(" ", 1)[1].strip()
        f.writelines(chunk)
PY
    rm "$out/batch.log"
    cat $(ls "$tree"/lmgrd.log.* | sort -t. -k3 -n -r) > "$out/batch-concat.log"
fi
mb=$(du -sm "$tree" | cut -f1)

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
measure() {
    for _ in $(seq "$runs"); do
        /usr/bin/time -f "%e" "$@" 2>&1 >/dev/null | tail -1
    done | median
}
t1=$(measure "$bin" convert --to csv --threads 1 -o "$out/batch1.csv" "$tree")
t2=$(measure "$bin" convert --to csv --threads 2 -o "$out/batch2.csv" "$tree")
tc=$(measure "$bin" convert --to csv -o "$out/concat.csv" "$out/batch-concat.log")
echo "$files files, $mb MB: 1 thread ${t1} s; 2 threads ${t2} s; their concatenation ${tc} s"
python3 -c "print(f'2 threads: {$t1/$t2:.2f}x faster than 1; {$t2/$tc:.2f}x the time of the concatenation')"
