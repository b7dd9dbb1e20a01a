//! Golden cases: `golden/<format>/<case>/` holds `input.*` (or a directory
//! `inputs/`, whose files are all given, in name order), an optional
//! `args` file (extra `convert` arguments, one per line), and the expected
//! `expected.jsonl`, `expected.csv` and `expected.stderr`, compared byte for
//! byte. `golden/write-<target>/<case>/` runs `convert -v --to <target>`
//! and compares `expected.out` and `expected.stderr`.
//! `UPDATE_GOLDEN=1 cargo test --test golden` rewrites the expected
//! files; review the diff before committing it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("golden");
    let mut out = Vec::new();
    for format in std::fs::read_dir(&root).expect("golden/ exists") {
        let format = format.unwrap().path();
        if !format.is_dir() {
            continue;
        }
        for case in std::fs::read_dir(&format).unwrap() {
            let case = case.unwrap().path();
            if case.is_dir() {
                out.push(case);
            }
        }
    }
    out.sort();
    out
}

fn inputs_of(case: &Path) -> Vec<String> {
    let dir = case.join("inputs");
    if dir.is_dir() {
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| format!("inputs/{}", e.unwrap().file_name().to_string_lossy()))
            .collect();
        names.sort();
        return names;
    }
    let mut inputs: Vec<String> = std::fs::read_dir(case)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("input"))
        .collect();
    inputs.sort();
    assert_eq!(
        inputs.len(),
        1,
        "{}: exactly one input.* file",
        case.display()
    );
    vec![inputs.remove(0)]
}

/// `golden/anonymize/<case>/`: `liclog anonymize` with the test key
/// (`golden/anonymize/test.key`, copied to a private file and named by
/// `LICLOG_KEY_FILE`, as a user would), compared with `expected.out`; and
/// `liclog convert --anonymize --raw` (`command` is `["convert", ...]`),
/// compared with `expected.jsonl`.
fn run_anonymize(case: &Path, command: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("test.key");
    std::fs::write(
        &key,
        std::fs::read(case.parent().unwrap().join("test.key")).unwrap(),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let mut args: Vec<String> = command.iter().map(|s| s.to_string()).collect();
    args.extend(case_args(case));
    let out = Command::new(env!("CARGO_BIN_EXE_liclog"))
        .args(&args)
        .env("LICLOG_KEY_FILE", &key)
        .current_dir(case)
        .output()
        .expect("liclog runs");
    (out.stdout, out.stderr)
}

/// The case's `args` lines, then its inputs.
fn case_args(case: &Path) -> Vec<String> {
    let extra = std::fs::read_to_string(case.join("args")).unwrap_or_default();
    let mut args: Vec<String> = extra
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.trim().to_string())
        .collect();
    args.extend(inputs_of(case));
    args
}

fn run(case: &Path, to: &str) -> (Vec<u8>, Vec<u8>) {
    run_with(case, &["convert", "--to", to])
}

fn run_with(case: &Path, command: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let mut args: Vec<String> = command.iter().map(|s| s.to_string()).collect();
    args.extend(case_args(case));
    let out = Command::new(env!("CARGO_BIN_EXE_liclog"))
        .args(&args)
        .current_dir(case)
        .output()
        .expect("liclog runs");
    (out.stdout, out.stderr)
}

#[test]
fn golden_cases_match() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    let cases = cases();
    assert!(!cases.is_empty());
    for case in &cases {
        assert!(
            case.join("README.md").exists(),
            "{}: README.md says what the case covers",
            case.display()
        );
        let group = case
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let outputs = if let Some(target) = group.strip_prefix("write-") {
            // A vendor writer: the log written, and with -v what it lost.
            let (out, stderr) = run_with(case, &["convert", "-v", "--to", target]);
            vec![("expected.out", out), ("expected.stderr", stderr)]
        } else if case.parent().unwrap().ends_with("anonymize") {
            let (out, stderr) = run_anonymize(case, &["anonymize"]);
            let (jsonl, _) = run_anonymize(case, &["convert", "--anonymize", "--raw"]);
            vec![
                ("expected.out", out),
                ("expected.stderr", stderr),
                ("expected.jsonl", jsonl),
            ]
        } else {
            let (jsonl, stderr) = run(case, "jsonl");
            let (csv, _) = run(case, "csv");
            vec![
                ("expected.jsonl", jsonl),
                ("expected.csv", csv),
                ("expected.stderr", stderr),
            ]
        };
        for (name, got) in &outputs {
            let path = case.join(name);
            if update {
                std::fs::write(&path, got).unwrap();
                continue;
            }
            let want = std::fs::read(&path).unwrap_or_default();
            if want != *got {
                failures.push(format!(
                    "{}: output differs\n--- expected\n{}\n--- got\n{}",
                    path.display(),
                    String::from_utf8_lossy(&want),
                    String::from_utf8_lossy(got)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every golden JSONL line is valid JSON with the schema's keys in order.
#[test]
fn golden_jsonl_is_valid_json() {
    for case in cases() {
        let Ok(text) = std::fs::read_to_string(case.join("expected.jsonl")) else {
            continue;
        };
        for line in text.lines() {
            let v: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{}: {e}", case.display()));
            assert!(v["kind"].is_string() && v["line"].is_u64() && v["extra"].is_object());
        }
    }
}
