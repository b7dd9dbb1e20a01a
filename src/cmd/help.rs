//! What each command's `--help` ends with: the exit codes that command can
//! return, then examples of it. Every example runs from any directory:
//! the first ones make their own input, the others name files as an
//! administrator would have them.

use crate::exit;

/// Every exit code and what it means.
const CODES: [(u8, &str); 7] = [
    (exit::OK, "success"),
    (exit::STRICT, "--strict: a line matched no known shape"),
    (
        exit::USAGE,
        "bad command line, key file or format definition",
    ),
    (
        exit::INPUT,
        "an input could not be read to its end (missing file, directory,\n     \
         truncated or corrupt gzip, invalid bytes, a file that shrank while\n     \
         read); everything read before the problem was still written",
    ),
    (
        exit::OUTPUT,
        "the output could not be written; no partial output file is left behind",
    ),
    (
        exit::FORMAT,
        "an input's format is not recognised, or not supported yet, or\n     \
         canonical input (jsonl, csv) lacks a required column",
    ),
    (
        exit::LEAK,
        "an original identifier would survive in the output; nothing was written",
    ),
];

/// Runs on a signal, for the commands that write files.
const SIGNALS: &str = "  130, 143, 129  interrupted by SIGINT, SIGTERM, SIGHUP; no file is left";

/// Two log lines to try a command on, `{TRY} | liclog … -`: the examples
/// run anywhere.
const TRY: &str = r#"printf '9:08:01 (MLM) OUT: "MATLAB" al@ws1\n9:30:12 (MLM) IN: "MATLAB" al@ws1\n' \
    |"#;

fn text(codes: &[u8], signals: bool, examples: &[&str]) -> String {
    let mut out = String::from("Exit codes:\n");
    for (code, meaning) in CODES.iter().filter(|(c, _)| codes.contains(c)) {
        out.push_str(&format!("  {code}  {meaning}\n"));
    }
    if signals {
        out.push_str(SIGNALS);
        out.push('\n');
    }
    out.push_str("\nExamples:\n");
    for e in examples {
        out.push_str("  ");
        out.push_str(&e.replace("{TRY}", TRY));
        out.push('\n');
    }
    out.truncate(out.trim_end().len());
    out
}

pub fn top() -> String {
    text(
        &[0, 1, 2, 3, 4, 5, 6],
        true,
        &[
            "{TRY} liclog convert --from flexnet --to csv -",
            "liclog convert --to csv -o usage.csv /var/log/flexlm/lmgrd.log*",
            "liclog report -o report/ --html usage.html /var/log/flexlm/",
            "liclog anonymize --key-file ~/.liclog.key -o clean.log lmgrd.log",
            "liclog help convert",
        ],
    )
}

pub fn convert() -> String {
    text(
        &[0, 1, 2, 3, 4, 5, 6],
        true,
        &[
            "{TRY} liclog convert --from flexnet -",
            "{TRY} liclog convert --from flexnet --date 2024-03-14 --to rlm-report -",
            "liclog convert --to csv -o usage.csv /var/log/flexlm/lmgrd.log*",
            "liclog convert -v --to csv -o usage.csv --manifest batch.jsonl /archive/flexlm/",
            "liclog convert -o out/ --skip-known batch.jsonl --manifest tonight.jsonl \"logs/**/*.gz\"",
            "zcat old.log.gz | liclog convert --from flexnet --date 2019-03-01 -",
            "liclog convert --encoding shift_jis --tz Asia/Tokyo lmgrd-jp.log",
            "liclog convert --to csv --year 2024 report.log demo.dlog",
            "liclog convert lmgrd.log | jq -c 'select(.user != \"bob\")' | liclog convert --to csv -",
            "liclog convert --to sentinel -o sentinel/ lmgrd.log",
            "liclog convert --anonymize --key-file ~/.liclog.key --to csv -o usage.csv lmgrd.log",
            "liclog convert --def stardrop.toml --to csv sls-useage.log",
        ],
    )
}

pub fn report() -> String {
    text(
        &[0, 2, 3, 4, 5],
        true,
        &[
            "{TRY} liclog report --from flexnet --date 2024-03-14 -",
            "liclog report -o report/ --html usage.html --interval 15m /var/log/flexlm/",
            "liclog report --to jsonl -o report/ --since 2024-01-01 --until 2024-04-01 lmgrd.log*",
            "liclog report --feature MATLAB --retry-window 2m --html matlab.html lmgrd.log",
            "liclog report --anonymize --key-file ~/.liclog.key --html usage.html report.log",
        ],
    )
}

pub fn detect() -> String {
    text(
        &[0, 2, 3, 4, 5],
        false,
        &[
            "{TRY} liclog detect -",
            "liclog detect /var/log/flexlm/*",
            "liclog detect --encoding shift_jis --exclude '*.bak' /archive/",
        ],
    )
}

pub fn anonymize() -> String {
    text(
        &[0, 2, 3, 4, 5, 6],
        true,
        &[
            "{TRY} liclog anonymize --key-file ~/.liclog.key --from flexnet -",
            "liclog anonymize --key-file ~/.liclog.key -o clean.log lmgrd.log",
            "liclog anonymize --key-file ~/.liclog.key -o clean.log \\\n    --allow 'build[0-9]+[.]corp[.]example' lmgrd.log",
            "LICLOG_KEY_FILE=~/.liclog.key liclog anonymize -o outdir/ lserv.log report.log",
            "liclog anonymize --key-file ~/.liclog.key --mapping map.csv -o clean/ /var/log/rlm/",
        ],
    )
}

pub fn keygen() -> String {
    text(
        &[0, 2, 4],
        false,
        &[
            "liclog keygen -o ~/.liclog.key",
            "liclog keygen -o /etc/liclog/site.key",
        ],
    )
}

pub fn verify() -> String {
    text(
        &[0, 2, 3, 5, 6],
        false,
        &[
            "liclog verify clean.log",
            "liclog verify lmgrd.log clean.log",
            "liclog verify logs/ clean/",
            "liclog verify --allow 'build[0-9]+' lmgrd.log usage.csv",
        ],
    )
}

pub fn schema() -> String {
    text(
        &[0, 4],
        false,
        &["liclog schema", "liclog schema > liclog-event.schema.json"],
    )
}

pub fn completions() -> String {
    text(
        &[0, 2, 4],
        false,
        &[
            "liclog completions bash > ~/.local/share/bash-completion/completions/liclog",
            "liclog completions zsh > ~/.zfunc/_liclog",
            "liclog completions fish > ~/.config/fish/completions/liclog.fish",
            "liclog completions powershell >> $PROFILE",
        ],
    )
}

pub fn man() -> String {
    text(
        &[0, 2, 4],
        false,
        &[
            "liclog man | man -l -",
            "liclog man convert | man -l -",
            "liclog man -o ~/.local/share/man/man1/",
        ],
    )
}
