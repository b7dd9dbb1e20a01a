//! Canonical input (`--from jsonl`, `--from csv`): liclog's own output read
//! back gives the same bytes, for every golden input and every real sample
//! (`LICLOG_SAMPLES`), with and without `raw`; edited input is read as
//! documented.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{assert_exit, dir_with, liclog};

/// Every vendor-format golden input (with its case's `args`), and every
/// readable sample.
fn logs() -> Vec<(PathBuf, Vec<String>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("golden");
    let mut out = Vec::new();
    for format in ["flexnet", "rlm-report", "rlm-debug", "sentinel"] {
        for case in std::fs::read_dir(root.join(format)).unwrap() {
            let case = case.unwrap().path();
            let args: Vec<String> = std::fs::read_to_string(case.join("args"))
                .unwrap_or_default()
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.trim().to_string())
                .collect();
            for file in std::fs::read_dir(&case).unwrap() {
                let file = file.unwrap().path();
                let name = file.file_name().unwrap().to_string_lossy().into_owned();
                if name == "inputs" {
                    for member in std::fs::read_dir(&file).unwrap() {
                        out.push((member.unwrap().path(), args.clone()));
                    }
                } else if name.starts_with("input") {
                    out.push((file, args.clone()));
                }
            }
        }
    }
    if let Some(samples) = std::env::var_os("LICLOG_SAMPLES") {
        for sub in ["flexlm", "rlm", "rlm-debug"] {
            for file in std::fs::read_dir(Path::new(&samples).join(sub)).unwrap() {
                out.push((file.unwrap().path(), Vec::new()));
            }
        }
    }
    out.sort();
    out
}

fn run(args: &[&str], path: &Path, stdin: Option<&[u8]>) -> Vec<u8> {
    let mut c = Command::new(env!("CARGO_BIN_EXE_liclog"));
    c.args(args)
        .current_dir(path.parent().unwrap())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if stdin.is_none() {
        c.arg(path);
    } else {
        c.arg("-");
    }
    let mut child = c.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    let data = stdin.unwrap_or_default().to_vec();
    // Written beside the read of stdout, or a large input fills both pipes.
    let writer = std::thread::spawn(move || input.write_all(&data));
    let out = child.wait_with_output().unwrap().stdout;
    writer.join().unwrap().unwrap();
    out
}

#[test]
fn canonical_output_reads_back_to_the_same_bytes() {
    let logs = logs();
    assert!(logs.len() > 10);
    let mut failures = Vec::new();
    for (log, extra) in &logs {
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
