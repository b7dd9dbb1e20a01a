//! The vendor writers (`--to flexnet|rlm-report|sentinel`), over every
//! golden input and every real sample (`LICLOG_SAMPLES`):
//! - round trip: `read(write_T(read(x)))` has the usage events of
//!   `read(x)` (kind, date and time, feature, user, host, count, version),
//!   as far as T carries them;
//! - filter round trip: `--raw` JSONL written back to the log's own format
//!   is the log itself;
//! - anonymize, then write: the output passes the leak check.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{assert_exit, dir_with, liclog};

fn run(args: &[&str], stdin: Option<Vec<u8>>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_liclog"));
    c.args(args);
    common::fed(c, &stdin.unwrap_or_default()).0
}

type Usage = (String, String, String, String, String, String, String);

/// The usage events of canonical JSONL, as target `to` keeps them. Like
/// the writers, a checkin that names only its handle takes the rest from
/// its checkout, and an RLM INUSE record not yet open is a checkout.
fn usage(jsonl: &[u8], to: &str) -> Vec<Usage> {
    let text = String::from_utf8_lossy(jsonl);
    let mut out = Vec::new();
    let mut open: std::collections::HashMap<String, serde_json::Value> = Default::default();
    for line in text.lines() {
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        let handle = format!("{}/{}", v["server"], v["handle"].as_str().unwrap_or(""));
        let has_handle = v["handle"].is_string();
        let mut kind = v["kind"].as_str().unwrap_or("").to_string();
        if kind == "queued" && has_handle {
            open.insert(format!("que/{handle}"), v.clone());
        }
        if kind == "dequeued" && has_handle {
            // A DEQUE that names only its handle takes its QUE's license.
            if let Some(o) = open.remove(&format!("que/{handle}")) {
                for k in ["feature", "user", "host", "version"] {
                    if v[k].is_null() {
                        v[k] = o[k].clone();
                    }
                }
            }
        }
        match kind.as_str() {
            "inuse" if to == "rlm-report" => continue,
            "inuse" if has_handle && open.contains_key(&handle) => continue,
            "inuse" => kind = "checkout".into(),
            "checkin" if has_handle => {
                if let Some(o) = open.remove(&handle) {
                    for k in ["feature", "user", "host", "version"] {
                        if v[k].is_null() {
                            v[k] = o[k].clone();
                        }
                    }
                }
            }
            _ => {}
        }
        if kind == "checkout" && has_handle {
            open.insert(handle, v.clone());
        }
        let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
        let time = s("time");
        if to != "flexnet" && kind == "unsupported" {
            kind = "denial".into();
        }
        let carried = match to {
            "flexnet" => [
                "checkout",
                "checkin",
                "denial",
                "unsupported",
                "queued",
                "dequeued",
            ]
            .as_slice(),
            "rlm-report" => &["checkout", "checkin", "denial", "queued", "dequeued"],
            "lmx" => &["checkout", "checkin", "denial"],
            _ => &["checkout", "checkin", "denial", "queued"],
        };
        if !carried.contains(&kind.as_str())
            || s("feature").is_empty()
            || (to != "flexnet" && !time.contains('T'))
        {
            continue;
        }
        // To the second, or the minute where the target keeps only that.
        let width = if to == "rlm-report" && kind == "denial" {
            16
        } else {
            19
        };
        let time = if time.is_empty() {
            s("time_of_day")
        } else {
            time.chars().take(width).collect()
        };
        let name = |k: &str| {
            let n = s(k);
            if to == "flexnet" && n.is_empty() {
                // lmgrd always names both: a missing one is written as `unknown`.
                "unknown".to_string()
            } else if to == "flexnet" || to == "lmx" {
                n
            } else {
                n.replace(' ', "_")
            }
        };
        let count = if to == "lmx"
            || (to == "flexnet" && !matches!(kind.as_str(), "checkout" | "checkin"))
        {
            String::new()
        } else {
            v["count"].as_u64().unwrap_or(1).to_string()
        };
        let version = if to == "flexnet" || to == "lmx" {
            String::new()
        } else {
            s("version")
        };
        out.push((
            kind,
            time,
            s("feature"),
            name("user"),
            name("host"),
            count,
            version,
        ));
    }
    out
}

/// `want` and `got` the same, but for versions the source did not have
/// (RLM writes `0.0` for them).
fn same(want: &[Usage], got: &[Usage]) -> Option<usize> {
    let differs = |(a, b): (&Usage, &Usage)| {
        let mut b = b.clone();
        if a.6.is_empty() {
            b.6 = String::new();
        }
        *a != b
    };
    match want.iter().zip(got).position(differs) {
        Some(i) => Some(i),
        None if want.len() != got.len() => Some(want.len().min(got.len())),
        None => None,
    }
}

/// The distinct values of `key`.
fn values(jsonl: &[u8], key: &str) -> Vec<String> {
    let mut out: Vec<String> = String::from_utf8_lossy(jsonl)
        .lines()
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            v[key].as_str().map(str::to_string)
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[test]
fn every_target_keeps_the_usage_events() {
    let mut failures = Vec::new();
    for (log, extra, _) in common::vendor_logs() {
        let path = log.to_str().unwrap();
        let mut args = vec!["convert", "--to", "jsonl"];
        args.extend(extra.iter().map(String::as_str));
        args.push(path);
        let original = run(&args, None).stdout;
        // One server (and for RLM one ISV) per output: a log of several
        // goes out once per server and ISV.
        let many = values(&original, "server");
        let picks: Vec<Option<&str>> = if many.len() > 1 {
            many.iter().map(|s| Some(s.as_str())).collect()
        } else {
            vec![None]
        };
        let isvs = values(&original, "daemon");
        let isvs: Vec<&str> = isvs
            .iter()
            .map(String::as_str)
            .filter(|d| !matches!(*d, "lmgrd" | "rlm"))
            .collect();
        for to in ["flexnet", "rlm-report", "sentinel", "lmx"] {
            let isv_picks: Vec<Option<&str>> = if to == "rlm-report" && isvs.len() > 1 {
                isvs.iter().map(|d| Some(*d)).collect()
            } else {
                vec![None]
            };
            for (pick, isv) in picks
                .iter()
                .flat_map(|p| isv_picks.iter().map(move |i| (p, i)))
            {
                let mut args = vec!["convert", "--from", "jsonl", "--to", to, "-"];
                if let Some(server) = pick {
                    args.extend(["--server", server]);
                }
                if let Some(isv) = isv {
                    args.extend(["--daemon", isv]);
                }
                let written = run(&args, Some(original.clone()));
                if written.status.code() != Some(0) {
                    failures.push(format!(
                        "{path} --to {to}: {}",
                        String::from_utf8_lossy(&written.stderr)
                    ));
                    continue;
                }
                let back = run(
                    &["convert", "--from", to, "-"],
                    Some(written.stdout.clone()),
                )
                .stdout;
                let want_input = filter(&original, *pick, *isv);
                let (want, got) = (usage(&want_input, to), usage(&back, to));
                if let Some(first) = same(&want, &got) {
                    failures.push(format!(
                        "{path} --to {to} {pick:?}: {} usage events, {} back; first difference at {first}: {:?} / {:?}",
                        want.len(),
                        got.len(),
                        want.get(first),
                        got.get(first)
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The events `--server` and `--daemon` keep.
fn filter(jsonl: &[u8], server: Option<&str>, isv: Option<&str>) -> Vec<u8> {
    let mut out = Vec::new();
    for line in String::from_utf8_lossy(jsonl).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let server_ok = v["server"]
            .as_str()
            .is_none_or(|s| server.is_none_or(|p| p == s));
        let isv_ok = v["daemon"]
            .as_str()
            .is_none_or(|d| matches!(d, "lmgrd" | "rlm") || isv.is_none_or(|p| p == d));
        if server_ok && isv_ok {
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
    }
    out
}

#[test]
fn raw_jsonl_written_back_to_its_format_is_the_log() {
    let mut failures = Vec::new();
    for (log, extra, format) in common::vendor_logs() {
        // Other encodings come back as UTF-8; rlm-debug has no writer.
        if !extra.is_empty() || format == "rlm-debug" {
            continue;
        }
        let original = std::fs::read(&log).unwrap();
        if std::str::from_utf8(&original).is_err() || original.starts_with(&[0xff, 0xfe]) {
            continue;
        }
        let jsonl = run(&["convert", "--raw", log.to_str().unwrap()], None).stdout;
        let servers = values(&jsonl, "server");
        if servers.len() > 1 {
            // A log of several servers is refused whole, and each server's
            // lines come back with --server.
            let refused = run(
                &["convert", "--from", "jsonl", "--to", format, "-"],
                Some(jsonl.clone()),
            );
            if refused.status.code() != Some(2) {
                failures.push(format!("{}: several servers not refused", log.display()));
            }
            for server in &servers {
                let back = run(
                    &[
                        "convert", "--from", "jsonl", "--to", format, "--server", server, "-",
                    ],
                    Some(jsonl.clone()),
                )
                .stdout;
                let want: String = String::from_utf8_lossy(&filter(&jsonl, Some(server), None))
                    .lines()
                    .map(|l| {
                        let v: serde_json::Value = serde_json::from_str(l).unwrap();
                        format!("{}\n", v["raw"].as_str().unwrap())
                    })
                    .collect();
                if want.trim_end()
                    != String::from_utf8_lossy(&back)
                        .replace("\r\n", "\n")
                        .trim_end()
                {
                    failures.push(format!("{} --server {server}", log.display()));
                }
            }
            continue;
        }
        let back = run(
            &["convert", "--from", "jsonl", "--to", format, "-"],
            Some(jsonl),
        )
        .stdout;
        let strip = |b: &[u8]| -> Vec<u8> {
            let b = b.strip_prefix(b"\xef\xbb\xbf".as_slice()).unwrap_or(b);
            String::from_utf8_lossy(b)
                .replace("\r\n", "\n")
                .trim_end_matches('\n')
                .as_bytes()
                .to_vec()
        };
        if strip(&original) != strip(&back) {
            failures.push(log.display().to_string());
        }
    }
    assert!(
        failures.is_empty(),
        "not the same lines:\n{}",
        failures.join("\n")
    );
}

#[test]
fn several_servers_into_one_file_is_an_error_that_names_them() {
    let log = "10:00:00 (lmgrd) FlexNet Licensing (v11.16.2.0 build 1 x64_lsb) started on alpha (linux) (1/3/2024)\n\
               10:00:05 (MLM) OUT: \"F\" u@h  \n\
               11:00:00 (lmgrd) FlexNet Licensing (v11.16.2.0 build 1 x64_lsb) started on beta (linux) (1/3/2024)\n";
    let dir = dir_with(&[("a.log", log.as_bytes())]);
    let o = liclog(
        &["convert", "--to", "rlm-report", "-o", "out.rl", "a.log"],
        dir.path(),
    );
    assert_exit(&o, 2, "more than one server (alpha, beta)");
    assert!(!dir.path().join("out.rl").exists());
    let o = liclog(
        &[
            "convert",
            "--to",
            "rlm-report",
            "--server",
            "alpha",
            "a.log",
        ],
        dir.path(),
    );
    assert_exit(&o, 0, "");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("START alpha ") && text.contains("OUT F 0.0 1 u h"),
        "{text}"
    );
    let o = liclog(
        &[
            "convert",
            "--to",
            "rlm-report",
            "--strict",
            "--server",
            "alpha",
            "a.log",
        ],
        dir.path(),
    );
    assert_exit(
        &o,
        1,
        "a.log:1: rlm-report cannot carry server_start events before the first of an ISV (--strict)",
    );
}

#[test]
fn anonymized_then_written_passes_the_leak_check() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("golden");
    let dir = tempfile::tempdir().unwrap();
    let key = common::private_test_key(dir.path());
    let input = root.join("rlm-report/std-all-records/input.log");
    for to in ["rlm-report", "flexnet", "sentinel"] {
        let out = dir.path().join(format!("out.{to}"));
        let o = Command::new(env!("CARGO_BIN_EXE_liclog"))
            .args(["convert", "--anonymize", "--key-file"])
            .arg(&key)
            .args(["--to", to, "-o"])
            .arg(&out)
            .arg(&input)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{to}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let text = std::fs::read_to_string(&out).unwrap();
        for name in ["Mary Ann", "Mary_Ann", "cecil", "win2008", "lic01"] {
            assert!(!text.contains(name), "{to}: {name} in {text}");
        }
        let v = Command::new(env!("CARGO_BIN_EXE_liclog"))
            .arg("verify")
            .arg(&input)
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(
            v.status.code(),
            Some(0),
            "{to}: {}",
            String::from_utf8_lossy(&v.stderr)
        );
    }
}

/// `liclog convert --to TO -o OUT INPUT`, which must succeed.
fn convert_into(to: &str, out: &Path, input: &Path) {
    let o = Command::new(env!("CARGO_BIN_EXE_liclog"))
        .args(["convert", "--to", to, "-o"])
        .arg(out)
        .arg(input)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
}

#[test]
fn a_directory_output_gets_one_file_per_server_and_isv() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("golden/flexnet");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("logs/");
    convert_into("flexnet", &out, &root.join("server-lifecycle/input.log"));
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["SERVER01.log", "SERVER02.log"]);
    let second = std::fs::read_to_string(out.join("SERVER02.log")).unwrap();
    assert!(
        second.starts_with(" 8:00:00 (lmgrd) FlexNet Licensing")
            && second.contains("USER07@COMPUTER04")
    );
    // RLM: one reportlog per server and ISV.
    convert_into("rlm-report", &out, &root.join("usage-shapes/input.log"));
    assert!(
        out.join("lic02.MLM.report.log").exists() && out.join("lic02.maplelmg.report.log").exists()
    );
}
