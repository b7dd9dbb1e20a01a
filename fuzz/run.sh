#!/usr/bin/env bash
# Bounded fuzzing of every reader on stable Rust: libFuzzer with
# sanitizer-coverage flags (what `cargo fuzz` sets on nightly, minus the
# address sanitizer). Each target runs SECONDS (default 60) seeded with the
# golden inputs and the reproducers in fuzz/seeds/. A crash fails the run;
# its input is left in fuzz/artifacts/ and belongs in fuzz/seeds/TARGET/
# and in a regression test.
#
#   fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(flexnet rlm_report rlm_debug sentinel lmx defined jsonl csv)

export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
export CARGO_TARGET_DIR="$PWD/target"
# An explicit --target keeps RUSTFLAGS off the build scripts, which cannot
# link the coverage hooks.
host="$(rustc -vV | sed -n 's/^host: //p')"
cargo build --release --locked --bins --target "$host"

golden_dir() {
    case "$1" in
        flexnet) echo ../golden/flexnet ;;
        rlm_report) echo ../golden/rlm-report ;;
        rlm_debug) echo ../golden/rlm-debug ;;
        sentinel) echo ../golden/sentinel ;;
        lmx) echo ../golden/lmx ;;
        defined) echo ../golden/defined ;;
        jsonl) echo ../golden/jsonl ;;
        csv) echo ../golden/csv ;;
    esac
}

for t in "${targets[@]}"; do
    corpus="corpus/$t"
    mkdir -p "$corpus" "artifacts/$t"
    # Seeds: every golden input of the format, and the known reproducers.
    find "$(golden_dir "$t")" -type f \( -name 'input*' -o -path '*/inputs/*' \) |
        while read -r f; do cp "$f" "$corpus/$(echo "$f" | tr '/' '_')"; done
    if [ -d "seeds/$t" ]; then cp seeds/"$t"/* "$corpus/"; fi
    echo "fuzz: $t for ${seconds}s"
    set +e
    "target/$host/release/$t" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="artifacts/$t/" \
        "$corpus" > "artifacts/$t/log" 2>&1
    status=$?
    set -e
    grep -E '^(#[0-9]+.*DONE|Done|stat::number_of_executed_units|==|SUMMARY|thread|panicked|test failed|assertion)' \
        "artifacts/$t/log" || true
    if [ "$status" -ne 0 ]; then
        echo "fuzz: $t crashed (exit $status); see fuzz/artifacts/$t/" >&2
        for f in artifacts/"$t"/crash-* artifacts/"$t"/timeout-* artifacts/"$t"/oom-*; do
            [ -f "$f" ] && echo "fuzz: $f, base64: $(base64 -w0 "$f")" >&2
        done
        exit 1
    fi
done
echo "fuzz: no crash"
