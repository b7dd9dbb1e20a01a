//! What liclog writes, read by parsers that are not liclog's: the line
//! patterns of two public FlexNet debug-log parsers (goflexlm's and the
//! grok pattern of the ELK examples) and a field-split RLM reportlog reader
//! in the manner of rlm-log-reader. On every golden input and real sample,
//! the written FlexNet logs give the same OUT, IN and DENIED counts as
//! liclog's own reading of them, and the written RLM reportlogs the same
//! OUT, IN and DENY counts and peak `cur_use` per product.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use regex::Regex;

fn liclog(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_liclog"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// Events per kind as liclog reads `file`, those of a user whose name
/// holds a space left out: lmgrd writes such names, and neither parser
/// reads them in lmgrd's own logs either.
/// `ascii`: only names grok's USERNAME and HOSTNAME patterns match
/// (ASCII letters, digits, `.`, `_`, `-`).
fn own_counts(file: &Path, dir: &Path, ascii: bool) -> BTreeMap<String, usize> {
    let o = liclog(&["convert", file.to_str().unwrap()], dir);
    let mut counts = BTreeMap::new();
    let grok_name = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    };
    for line in String::from_utf8_lossy(&o.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["user"].as_str().is_some_and(|u| u.contains(' ')) {
            continue;
        }
        let names = [v["user"].as_str(), v["host"].as_str()];
        if ascii && names.iter().flatten().any(|n| !grok_name(n)) {
            continue;
        }
        *counts
            .entry(v["kind"].as_str().unwrap_or("").to_string())
            .or_default() += 1;
    }
    counts
}

/// goflexlm's shape: `H:MM:SS (daemon) ACTION: "feature" user@host`.
fn goflexlm(text: &str) -> BTreeMap<String, usize> {
    let re =
        Regex::new(r#"^\s*\d{1,2}:\d{2}:\d{2} \(([^)]+)\) (OUT|IN|DENIED): "([^"]+)" (\S+)@(\S+)"#)
            .unwrap();
    let mut counts = BTreeMap::new();
    for line in text.lines() {
        if let Some(c) = re.captures(line) {
            *counts.entry(c[2].to_string()).or_default() += 1;
        }
    }
    counts
}

/// The grok pattern `%{TIME} \(%{WORD}\) %{WORD:action}: "%{DATA:feature}"
/// %{USERNAME:user}@%{HOSTNAME:host}` as a regular expression.
fn grok(text: &str) -> BTreeMap<String, usize> {
    let time = r"(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:[.,]\d+)?)?";
    let re = Regex::new(&format!(
        r#"^\s*{time} \((?:[\w-]+)\) (\w+): "(.*?)" ([a-zA-Z0-9._-]+)@(\b(?:[0-9A-Za-z][0-9A-Za-z-]{{0,62}})(?:\.(?:[0-9A-Za-z][0-9A-Za-z-]{{0,62}}))*(\.?|\b))"#
    ))
    .unwrap();
    let mut counts = BTreeMap::new();
    for line in text.lines() {
        if let Some(c) = re.captures(line)
            && matches!(&c[1], "OUT" | "IN" | "DENIED")
        {
            *counts.entry(c[1].to_string()).or_default() += 1;
        }
    }
    counts
}

/// OUT, IN and DENY records and the peak `cur_use` per product, split at
/// spaces as rlm-log-reader does (quoted fields kept whole).
fn rlm_reader(text: &str) -> (BTreeMap<String, usize>, BTreeMap<String, u64>) {
    let mut counts = BTreeMap::new();
    let mut peaks: BTreeMap<String, u64> = BTreeMap::new();
    for line in text.lines() {
        let f = split_quoted(line);
        let (kind, product, cur_use) = match f.first().map(String::as_str) {
            Some("OUT") if f.len() >= 17 => ("OUT", f[1].clone(), f[8].parse().ok()),
            Some("IN") if f.len() >= 12 => ("IN", f[2].clone(), f[8].parse().ok()),
            Some("DENY") if f.len() >= 10 => ("DENY", f[1].clone(), None),
            _ => continue,
        };
        *counts.entry(kind.to_string()).or_default() += 1;
        if let Some(n) = cur_use {
            let peak = peaks.entry(product).or_default();
            *peak = (*peak).max(n);
        }
    }
    (counts, peaks)
}

fn split_quoted(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line.trim_start();
    while !rest.is_empty() {
        if let Some(q) = rest.strip_prefix('"') {
            let end = q.find('"').unwrap_or(q.len());
            out.push(q[..end].to_string());
            rest = q.get(end + 1..).unwrap_or("").trim_start();
        } else {
            let end = rest.find(' ').unwrap_or(rest.len());
            out.push(rest[..end].to_string());
            rest = rest[end..].trim_start();
        }
    }
    out
}

/// liclog's own counts under a format's record names: each name with the
/// kinds it stands for (UNSUPPORTED is a line of its own in FlexNet, a
/// DENY in RLM).
fn view(own: &BTreeMap<String, usize>, names: &[(&str, &[&str])]) -> BTreeMap<String, usize> {
    names
        .iter()
        .map(|(name, kinds)| {
            let n: usize = kinds
                .iter()
                .map(|k| own.get(*k).copied().unwrap_or(0))
                .sum();
            (name.to_string(), n)
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}

const FLEXNET: &[(&str, &[&str])] = &[
    ("DENIED", &["denial"]),
    ("IN", &["checkin"]),
    ("OUT", &["checkout"]),
];
const RLM: &[(&str, &[&str])] = &[
    ("DENY", &["denial", "unsupported"]),
    ("IN", &["checkin"]),
    ("OUT", &["checkout"]),
];

/// Peak `cur_use` per product as liclog reads the written log.
fn own_peaks(file: &Path, dir: &Path) -> BTreeMap<String, u64> {
    let o = liclog(&["convert", file.to_str().unwrap()], dir);
    let mut peaks: BTreeMap<String, u64> = BTreeMap::new();
    for line in String::from_utf8_lossy(&o.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if let (Some(f), Some(n)) = (
            v["feature"].as_str(),
            v["extra"]["cur_use"].as_str().and_then(|n| n.parse().ok()),
        ) {
            let peak = peaks.entry(f.to_string()).or_default();
            *peak = (*peak).max(n);
        }
    }
    peaks
}

#[test]
fn other_parsers_read_what_liclog_writes_as_liclog_does() {
    let mut failures = Vec::new();
    for (input, extra, format) in common::vendor_logs() {
        let dir = tempfile::tempdir().unwrap();
        let mut extra: Vec<&str> = extra
            .iter()
            .map(String::as_str)
            .filter(|a| !matches!(*a, "-v" | "--verbose"))
            .collect();
        extra.push(input.to_str().unwrap());
        for to in ["flexnet", "rlm-report"] {
            let mut args = vec!["convert", "--to", to, "-o", "out/"];
            args.extend(extra.iter().copied());
            let o = liclog(&args, dir.path());
            if o.status.code() != Some(0) {
                failures.push(format!(
                    "{} --to {to}: {}",
                    input.display(),
                    String::from_utf8_lossy(&o.stderr)
                ));
                continue;
            }
            if format == to {
                // The log's own lines pass through: what the parsers make
                // of them is what they make of the original.
                let mut original = std::fs::read(&input).unwrap();
                if input.extension().is_some_and(|e| e == "gz") {
                    use std::io::Read;
                    let mut plain = Vec::new();
                    flate2::read::MultiGzDecoder::new(&original[..])
                        .read_to_end(&mut plain)
                        .unwrap();
                    original = plain;
                }
                let original = String::from_utf8_lossy(&original);
                let mut written = String::new();
                for file in std::fs::read_dir(dir.path().join("out")).unwrap() {
                    written.push_str(
                        &std::fs::read_to_string(file.unwrap().path()).unwrap_or_default(),
                    );
                }
                let same = match to {
                    "flexnet" => {
                        goflexlm(&written) == goflexlm(&original)
                            && grok(&written) == grok(&original)
                    }
                    _ => rlm_reader(&written) == rlm_reader(&original),
                };
                if !same && !extra.iter().any(|a| a.starts_with("--encoding")) {
                    failures.push(format!(
                        "{} --to {to}: the parsers read it otherwise",
                        input.display()
                    ));
                }
                let _ = std::fs::remove_dir_all(dir.path().join("out"));
                continue;
            }
            for file in std::fs::read_dir(dir.path().join("out")).unwrap() {
                let file = file.unwrap().path();
                let text = std::fs::read_to_string(&file).unwrap_or_default();
                let own = own_counts(&file, dir.path(), false);
                let name = format!("{} --to {to} {}", input.display(), file.display());
                if to == "flexnet" {
                    let ascii = view(&own_counts(&file, dir.path(), true), FLEXNET);
                    let want = view(&own, FLEXNET);
                    for (parser, got, want) in [
                        ("goflexlm", goflexlm(&text), &want),
                        ("grok", grok(&text), &ascii),
                    ] {
                        if got != *want {
                            failures.push(format!("{name}: {parser} {got:?}, liclog {want:?}"));
                        }
                    }
                } else {
                    let (got, peaks) = rlm_reader(&text);
                    let want = view(&own, RLM);
                    if got != want {
                        failures.push(format!("{name}: rlm reader {got:?}, liclog {want:?}"));
                    }
                    let own_peaks = own_peaks(&file, dir.path());
                    if peaks != own_peaks {
                        failures.push(format!("{name}: peaks {peaks:?}, liclog {own_peaks:?}"));
                    }
                }
            }
            let _ = std::fs::remove_dir_all(dir.path().join("out"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
