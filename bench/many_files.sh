#!/usr/bin/env bash
# anonymize -o DIR/ over many small files, against the same lines in one
# file, and against `cp -r` of the files (what the file system alone costs).
# Run at N and N/2 files to see that the time grows linearly.
#
#   bench/many_files.sh [N]      (default 10000; needs python3 and GNU time)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-10000}"
cargo build --release --quiet
bin="$PWD/target/release/liclog"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bin" keygen -o "$work/k.key" 2>/dev/null
python3 - "$work/in" "$n" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
os.makedirs(d)
for i in range(n):
    with open(f"{d}/f{i:06d}.log", "w") as f:
        f.write(f"10:00:00 (lmgrd) FlexNet Licensing (v11.16.2.0 build 1 x64_lsb) started on lic{i % 7} (linux) (1/3/2024)\n")
        for j in range(5):
            f.write(f'10:00:0{j + 1} (MLM) OUT: "MATLAB" user{(i * 5 + j) % 3000}@ws-{(i + j) % 900}  \n')
PY
seconds() { /usr/bin/time -f "%e" "$@" 2>&1 >/dev/null | tail -1; }
all=("$work"/in/*.log)
for count in $((n / 2)) "$n"; do
    files=("${all[@]:0:count}")
    cat "${files[@]}" > "$work/all.log"
    rm -rf "$work/out" "$work/copy" && mkdir "$work/out" "$work/copy"
    t_dir=$(seconds "$bin" anonymize --key-file "$work/k.key" -o "$work/out/" "${files[@]}")
    t_one=$(seconds "$bin" anonymize --key-file "$work/k.key" -o "$work/one.log" "$work/all.log")
    t_cp=$(seconds cp "${files[@]}" "$work/copy/")
    echo "$count files: anonymize -o DIR/ ${t_dir} s; their concatenation ${t_one} s; cp ${t_cp} s"
done
