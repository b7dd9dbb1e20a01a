//! Canonical input (`--from jsonl`, `--from csv`): liclog's own output read
//! back gives the same bytes, for every golden input and every real sample
//! (`LICLOG_SAMPLES`), with and without `raw`; edited input is read as
//! documented.

mod common;

use std::path::Path;
use std::process::Command;

use common::{assert_exit, dir_with, liclog};

fn run(args: &[&str], path: &Path, stdin: Option<&[u8]>) -> Vec<u8> {
    let mut c = Command::new(env!("CARGO_BIN_EXE_liclog"));
    c.args(args).current_dir(path.parent().unwrap());
    if stdin.is_none() {
        c.arg(path);
    } else {
        c.arg("-");
    }
    let (out, written) = common::fed(c, stdin.unwrap_or_default());
    written.unwrap();
    out.stdout
}

#[test]
fn canonical_output_reads_back_to_the_same_bytes() {
    let logs = common::vendor_logs();
    assert!(logs.len() > 10);
    let mut failures = Vec::new();
    for (log, extra, _) in &logs {
        for to in ["jsonl", "csv"] {
            for raw in [false, true] {
                let mut args = vec!["convert", "--to", to];
                if raw {
                    args.push("--raw");
                }
                let mut first_args = args.clone();
                first_args.extend(extra.iter().map(String::as_str));
                let first = run(&first_args, log, None);
                assert!(!first.is_empty(), "{}: no output", log.display());
                args.extend(["--from", to]);
                let again = run(&args, log, Some(&first));
                if again != first {
                    failures.push(format!("{} --to {to} raw={raw}", log.display()));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "not the same bytes:\n{}",
        failures.join("\n")
    );
}

#[test]
fn a_missing_required_column_is_an_error_that_names_it() {
    let dir = dir_with(&[
        ("n.csv", b"user,line\nbob,1\n"),
        ("n.jsonl", b"{\"kind\":\"checkout\"}\n{\"user\":\"x\"}\n"),
    ]);
    let o = liclog(&["convert", "--from", "csv", "n.csv"], dir.path());
    assert_exit(&o, 5, "n.csv:1: the required column \"kind\" is missing");
    let o = liclog(&["convert", "n.jsonl"], dir.path());
    assert_exit(&o, 5, "n.jsonl:2: the required column \"kind\" is missing");
    // What came before the bad record is kept.
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 1);
}

#[test]
fn a_reordered_header_is_recognised_and_extra_columns_warned_about() {
    let dir = dir_with(&[("e.csv", b"\"kind\",user,mine\ncheckout,bob,1\n")]);
    let o = liclog(&["convert", "e.csv"], dir.path());
    assert_exit(
        &o,
        0,
        "e.csv:1: column \"mine\" is not in the canonical schema",
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (v["kind"].as_str(), v["user"].as_str()),
        (Some("checkout"), Some("bob"))
    );
    assert!(v["host"].is_null());
}
