//! The real-sample suite: every file under `$LICLOG_SAMPLES` (the public
//! logs in `../shared/samples`, never copied into this repository).
//! Without `LICLOG_SAMPLES` at build time these tests are ignored, with
//! the reason (`build.rs`); `.ci/run` sets it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use regex::Regex;

/// The samples root. The tests that call this are ignored unless
/// `LICLOG_SAMPLES` was set when they were built; set when built but not
/// when run is a mistake worth failing on.
fn samples_root() -> Option<PathBuf> {
    let root = std::env::var_os("LICLOG_SAMPLES")
        .expect("LICLOG_SAMPLES was set when the tests were built, but not now");
    Some(PathBuf::from(root))
}

fn samples_dir(sub: &str) -> Option<Vec<PathBuf>> {
    let dir = samples_root()?.join(sub);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("LICLOG_SAMPLES set but {} unreadable: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} is empty", dir.display());
    Some(files)
}

fn convert(path: &PathBuf) -> (Vec<serde_json::Value>, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_liclog"))
        .args(["convert", "--to", "jsonl"])
        .arg(path)
        .output()
        .unwrap();
    let events = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (
        events,
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
#[cfg_attr(
    not(liclog_samples),
    ignore = "set LICLOG_SAMPLES to the real-sample directory (../shared/samples)"
)]
fn flexnet_samples_convert_completely() {
    let Some(files) = samples_dir("flexlm") else {
        return;
    };
    let usage =
        Regex::new(r"^(?:\x{feff})? ?\d{1,2}:\d\d:\d\d \([^)]*\) (OUT|IN|DENIED|UNSUPPORTED): ")
            .unwrap();
    for path in files {
        let text = String::from_utf8(std::fs::read(&path).unwrap()).unwrap();
        let mut expected: HashMap<&str, usize> = HashMap::new();
        for line in text.lines() {
            if let Some(c) = usage.captures(line) {
                let kind = match &c[1] {
                    "OUT" => "checkout",
                    "IN" => "checkin",
                    "DENIED" => "denial",
                    _ => "unsupported",
                };
                *expected.entry(kind).or_default() += 1;
            }
        }
        let (events, stderr, code) = convert(&path);
        let name = path.display();
        assert_eq!(code, 0, "{name}: {stderr}");
        assert_eq!(
            events.len(),
            text.lines().count(),
            "{name}: one event per line"
        );
        let mut got: HashMap<&str, usize> = HashMap::new();
        for e in &events {
            let kind = e["kind"].as_str().unwrap();
            assert_ne!(kind, "unknown", "{name}: unknown event {e}");
            if ["checkout", "checkin", "denial", "unsupported"].contains(&kind) {
                *got.entry(kind).or_default() += 1;
                let time = e["time"].as_str().unwrap_or("");
                assert!(
                    time.len() >= 19 && time.as_bytes()[10] == b'T',
                    "{name}: undated usage event {e}"
                );
                assert!(
                    e["user"].is_string() && e["host"].is_string() && e["feature"].is_string(),
                    "{e}"
                );
            }
        }
        for kind in ["checkout", "checkin", "denial", "unsupported"] {
            assert_eq!(got.get(kind), expected.get(kind), "{name}: {kind} count");
        }
    }
}

#[test]
#[cfg_attr(
    not(liclog_samples),
    ignore = "set LICLOG_SAMPLES to the real-sample directory (../shared/samples)"
)]
fn maple_user_names_with_spaces_are_whole() {
    let Some(files) = samples_dir("flexlm") else {
        return;
    };
    let maple = files
        .iter()
        .find(|p| p.ends_with("upm-maple.log"))
        .expect("upm-maple.log");
    let (events, _, _) = convert(maple);
    assert!(
        events
            .iter()
            .any(|e| e["user"] == "Mª Cruz" && e["host"] == "mcruz")
    );
}

#[test]
#[cfg_attr(
    not(liclog_samples),
    ignore = "set LICLOG_SAMPLES to the real-sample directory (../shared/samples)"
)]
fn detect_names_every_sample() {
    let Some(root) = samples_root() else { return };
    for (sub, format) in [
        ("flexlm", "flexnet"),
        ("rlm", "rlm-report"),
        ("rlm-debug", "rlm-debug"),
        ("lmx", "lmx"),
        ("other", "unknown"),
    ] {
        for path in std::fs::read_dir(root.join(sub)).unwrap() {
            let path = path.unwrap().path();
            let out = Command::new(env!("CARGO_BIN_EXE_liclog"))
                .arg("detect")
                .arg(&path)
                .output()
                .unwrap();
            let line = String::from_utf8(out.stdout).unwrap();
            let cols: Vec<&str> = line.trim_end().split('\t').collect();
            assert_eq!(cols.len(), 5, "{line}");
            assert_eq!(cols[1], format, "{}", path.display());
        }
    }
}

/// Events per kind, and the line numbers of `unknown` events.
fn tally(events: &[serde_json::Value]) -> (HashMap<String, usize>, Vec<u64>) {
    let mut kinds: HashMap<String, usize> = HashMap::new();
    let mut unknown = Vec::new();
    for e in events {
        let kind = e["kind"].as_str().unwrap().to_string();
        if kind == "unknown" {
            unknown.push(e["line"].as_u64().unwrap());
        }
        *kinds.entry(kind).or_default() += 1;
    }
    (kinds, unknown)
}

/// Counts lines whose first word (or `mm/dd hh:mm (isv)` body) is a usage
/// keyword, as the kind it must become.
fn count_records(text: &str, pattern: &Regex, kinds: &[(&str, &str)]) -> HashMap<String, usize> {
    let mut expected: HashMap<String, usize> = HashMap::new();
    for line in text.lines() {
        if let Some(c) = pattern.captures(line)
            && let Some((_, kind)) = kinds.iter().find(|(k, _)| *k == &c[1])
        {
            *expected.entry(kind.to_string()).or_default() += 1;
        }
    }
    expected
}

fn assert_counts(name: &str, kinds: &HashMap<String, usize>, expected: &HashMap<String, usize>) {
    for (kind, n) in expected {
        assert_eq!(kinds.get(kind), Some(n), "{name}: {kind} events");
    }
}

/// Converts one sample and checks what every sample must satisfy: exit 0,
/// one event per line, and as many events of each kind as `pattern`
/// counts records. Returns the events and the unknown lines.
fn convert_and_count(
    path: &PathBuf,
    pattern: &Regex,
    kinds: &[(&str, &str)],
) -> (String, Vec<serde_json::Value>, Vec<u64>) {
    let text = std::fs::read_to_string(path).unwrap();
    let (events, stderr, code) = convert(path);
    let name = path.display().to_string();
    assert_eq!(code, 0, "{name}: {stderr}");
    assert_eq!(
        events.len(),
        text.lines().count(),
        "{name}: one event per line"
    );
    let (got, unknown) = tally(&events);
    assert_counts(&name, &got, &count_records(&text, pattern, kinds));
    (name, events, unknown)
}

#[test]
#[cfg_attr(
    not(liclog_samples),
    ignore = "set LICLOG_SAMPLES to the real-sample directory (../shared/samples)"
)]
fn rlm_report_samples_convert_completely() {
    let Some(files) = samples_dir("rlm") else {
        return;
    };
    // A record counts when it is complete: it ends with its time.
    let record =
        Regex::new(r"^(OUT|IN|DENY|QUE|DEQUE|INUSE) .* \d\d/\d\d \d\d?:\d\d(:\d\d)?$").unwrap();
    let kinds = [
        ("OUT", "checkout"),
        ("IN", "checkin"),
        ("DENY", "denial"),
        ("QUE", "queued"),
        ("DEQUE", "dequeued"),
        ("INUSE", "inuse"),
    ];
    let mut unknown_total = Vec::new();
    for path in files {
        let (name, events, unknown) = convert_and_count(&path, &record, &kinds);
        for e in &events {
            if ["checkout", "checkin", "denial", "inuse"].contains(&e["kind"].as_str().unwrap()) {
                let time = e["time"].as_str().unwrap();
                assert!(time.len() >= 19, "{name}:{}: dated, got {time}", e["line"]);
            }
        }
        unknown_total.extend(unknown.iter().map(|l| format!("{name}:{l}")));
    }
    // The one known truncated record, and nothing else.
    assert_eq!(unknown_total.len(), 1, "{unknown_total:?}");
    assert!(unknown_total[0].ends_with("ssrobins-report-EventDataException.log:15"));
}

#[test]
#[cfg_attr(
    not(liclog_samples),
    ignore = "set LICLOG_SAMPLES to the real-sample directory (../shared/samples)"
)]
fn rlm_report_new_year_rolls_the_year() {
    let Some(root) = samples_root() else {
        return;
    };
    let (events, _, _) = convert(&root.join("rlm/ssrobins-report-NewYear.log"));
    let time_of = |line: u64| {
        events.iter().find(|e| e["line"] == line).unwrap()["time"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(time_of(4), "2012-12-31T17:55:19");
    assert_eq!(time_of(5), "2013-01-01T00:00:05");
    assert_eq!(time_of(9), "2013-01-01T01:03:47");
}

#[test]
#[cfg_attr(
    not(liclog_samples),
    ignore = "set LICLOG_SAMPLES to the real-sample directory (../shared/samples)"
)]
fn rlm_debug_samples_convert_completely() {
    let Some(files) = samples_dir("rlm-debug") else {
        return;
    };
    let usage = Regex::new(r"^\d\d/\d\d \d?\d:\d\d \([^)]*\) (OUT|IN|DENIED): ").unwrap();
    let kinds = [("OUT", "checkout"), ("IN", "checkin"), ("DENIED", "denial")];
    for path in files {
        let (name, _, unknown) = convert_and_count(&path, &usage, &kinds);
        assert!(unknown.is_empty(), "{name}: unknown lines {unknown:?}");
    }
}

/// The real LM-X lines: every CHECKOUT a checkout (or, with `FAIL:`, a
/// denial with its reason), every CHECKIN a checkin, STATUS a message, the
/// empty messages messages, nothing unknown.
#[test]
#[cfg_attr(
    not(liclog_samples),
    ignore = "set LICLOG_SAMPLES to the real-sample directory (../shared/samples)"
)]
fn lmx_samples_convert_completely() {
    let Some(files) = samples_dir("lmx") else {
        return;
    };
    let usage = Regex::new(r"^\[[-\d :]+\] (CHECKOUT|CHECKIN) by ").unwrap();
    let kinds = [("CHECKIN", "checkin")];
    for path in files {
        let (name, events, unknown) = convert_and_count(&path, &usage, &kinds);
        assert!(unknown.is_empty(), "{name}: unknown lines {unknown:?}");
        let text = std::fs::read_to_string(&path).unwrap();
        let fails = text.lines().filter(|l| l.contains(" FAIL: ")).count();
        let checkouts = text
            .lines()
            .filter(|l| l.contains("] CHECKOUT by "))
            .count();
        let (kinds, _) = tally(&events);
        assert_eq!(kinds.get("denial").copied().unwrap_or(0), fails, "{name}");
        assert_eq!(
            kinds.get("checkout").copied().unwrap_or(0),
            checkouts - fails,
            "{name}"
        );
        assert!(
            events
                .iter()
                .filter(|e| e["kind"] == "denial")
                .all(|e| e["reason"].is_string())
        );
        assert!(
            events.iter().any(|e| e["extra"]["ip"] == "::1"),
            "{name}: IPv6 kept"
        );
        let status = text.lines().filter(|l| l.contains("] STATUS by ")).count();
        let queries = events
            .iter()
            .filter(|e| e["extra"]["topic"] == "status")
            .count();
        assert_eq!(queries, status, "{name}: status queries are messages");
    }
}

/// The StarDrop log, read with the shipped user-defined format: every
/// line one event, each event name counted as its kind, nothing unknown.
#[test]
#[cfg_attr(
    not(liclog_samples),
    ignore = "set LICLOG_SAMPLES to the real-sample directory (../shared/samples)"
)]
fn stardrop_sample_converts_with_the_shipped_definition() {
    let Some(files) = samples_dir("other") else {
        return;
    };
    let def = Path::new(env!("CARGO_MANIFEST_DIR")).join("formats/stardrop.toml");
    let pattern = Regex::new(r"^LOG:[^#]*#([A-Za-z_-]+)#").unwrap();
    for path in files
        .iter()
        .filter(|p| p.to_string_lossy().contains("stardrop"))
    {
        let out = Command::new(env!("CARGO_BIN_EXE_liclog"))
            .arg("convert")
            .arg("--def")
            .arg(&def)
            .arg(path)
            .output()
            .unwrap();
        let name = path.display().to_string();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let events: Vec<serde_json::Value> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let text = std::fs::read_to_string(path).unwrap();
        assert_eq!(
            events.len(),
            text.lines().count(),
            "{name}: one event per line"
        );
        let kinds = [
            ("License_granted", "checkout"),
            ("License_released", "checkin"),
            ("License_refused", "denial"),
            ("Purging_license", "message"),
        ];
        let (got, unknown) = tally(&events);
        assert!(unknown.is_empty(), "{name}: unknown lines {unknown:?}");
        assert_counts(&name, &got, &count_records(&text, &pattern, &kinds));
        let licences = text.lines().filter(|l| l.contains("#Adding_")).count();
        assert_eq!(got.get("product"), Some(&licences), "{name}");
        assert!(
            events
                .iter()
                .all(|e| e["format"] == "stardrop" && e["time"].is_string())
        );
    }
}

/// No public Sentinel RMS log exists (`../shared/README.md`), so the real
/// samples test the Sentinel reader the other way round: forced onto every
/// other format's real log with `--from sentinel`, it keeps each line as
/// one event, never reads one as a usage record, and never fails the run.
#[test]
#[cfg_attr(
    not(liclog_samples),
    ignore = "set LICLOG_SAMPLES to the real-sample directory (../shared/samples)"
)]
fn sentinel_reader_keeps_every_line_of_foreign_samples() {
    let Some(root) = samples_root() else { return };
    for sub in ["flexlm", "rlm", "rlm-debug", "lmx", "other"] {
        for path in std::fs::read_dir(root.join(sub)).unwrap() {
            let path = path.unwrap().path();
            let out = Command::new(env!("CARGO_BIN_EXE_liclog"))
                .args(["convert", "--from", "sentinel"])
                .arg(&path)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0), "{}", path.display());
            let lines = std::fs::read_to_string(&path).unwrap().lines().count();
            let events: Vec<serde_json::Value> = String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            assert_eq!(events.len(), lines, "{}", path.display());
            for e in &events {
                assert!(
                    e["kind"] == "unknown" || e["kind"] == "message",
                    "{}:{} read as {}",
                    path.display(),
                    e["line"],
                    e["kind"]
                );
            }
        }
    }
}

/// Every real sample anonymizes with the leak check passing, keeps its
/// line count, and passes the independent `verify`; user names with spaces
/// and non-ASCII are replaced whole.
#[test]
#[cfg_attr(
    not(liclog_samples),
    ignore = "set LICLOG_SAMPLES to the real-sample directory (../shared/samples)"
)]
fn every_sample_anonymizes_without_a_leak() {
    let Some(root) = samples_root() else { return };
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.key");
    let bin = env!("CARGO_BIN_EXE_liclog");
    assert!(
        Command::new(bin)
            .arg("keygen")
            .arg("-o")
            .arg(&key)
            .status()
            .unwrap()
            .success()
    );
    let stardrop = Path::new(env!("CARGO_MANIFEST_DIR")).join("formats/stardrop.toml");
    let stardrop = stardrop.to_str().unwrap();
    for sub in ["flexlm", "rlm", "rlm-debug", "lmx", "other"] {
        let def: &[&str] = match sub {
            "other" => &["--def", stardrop],
            _ => &[],
        };
        for path in std::fs::read_dir(root.join(sub)).unwrap() {
            let path = path.unwrap().path();
            let out = dir.path().join("out.log");
            anonymizes(def, &["anonymize"], &key, &out, &path);
            let original = std::fs::read_to_string(&path).unwrap();
            let anonymized = std::fs::read_to_string(&out).unwrap();
            // RLM: a REPROCESSED line per format line, a BADAUTH line per AUTH.
            let added = original
                .lines()
                .filter(|l| l.starts_with("RLM Report Log Format") || l.starts_with("AUTH"))
                .count();
            assert_eq!(
                anonymized.lines().count(),
                original.lines().count() + added,
                "{}",
                path.display()
            );
            verifies(&path, &out, def);
            if path.ends_with("upm-maple.log") {
                assert!(original.contains("Mª Cruz") && !anonymized.contains("Mª Cruz"));
                assert!(!anonymized.contains("Cruz@"), "replaced whole");
            }
            // convert --anonymize: the same check, on JSONL with the raw
            // lines, on JSONL and on CSV.
            for (to, raw) in [("jsonl", true), ("jsonl", false), ("csv", false)] {
                let out = dir.path().join(format!("out-{raw}.{to}"));
                let convert = ["convert", "--anonymize", "--to", to, "--raw"];
                anonymizes(def, &convert[..4 + usize::from(raw)], &key, &out, &path);
                verifies(&path, &out, def);
            }
        }
    }
}

/// `liclog [DEF] COMMAND --key-file KEY -o OUT ORIGINAL` exits 0.
fn anonymizes(def: &[&str], command: &[&str], key: &Path, out: &Path, original: &Path) {
    let o = Command::new(env!("CARGO_BIN_EXE_liclog"))
        .args(def)
        .args(command)
        .arg("--key-file")
        .arg(key)
        .arg("-o")
        .arg(out)
        .arg(original)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{}: {err}", original.display());
}

/// `liclog verify ORIGINAL ANONYMIZED` passes (names as written and in
/// any case, shapes, and every identifying field a pseudonym), and so does
/// `liclog verify ANONYMIZED`: no false positive on any real sample. The
/// address pseudonyms are in reserved ranges, so no `--allow` is needed.
/// `liclog verify ORIGINAL` fails: its fields hold real names.
fn verifies(original: &Path, anonymized: &Path, def: &[&str]) {
    for args in [vec![original, anonymized], vec![anonymized]] {
        let v = Command::new(env!("CARGO_BIN_EXE_liclog"))
            .args(def)
            .arg("verify")
            .args(&args)
            .output()
            .unwrap();
        assert!(
            v.status.success(),
            "{} -> {}: {}",
            original.display(),
            anonymized.display(),
            String::from_utf8_lossy(&v.stderr)
        );
    }
    let v = Command::new(env!("CARGO_BIN_EXE_liclog"))
        .args(def)
        .arg("verify")
        .arg(original)
        .output()
        .unwrap();
    assert_eq!(
        v.status.code(),
        Some(6),
        "{}: verify passes the original",
        original.display()
    );
}
