//! The seam matrix: every golden input and every real sample, converted
//! to every target, in every output layout, directly, through JSONL (with
//! and without `--raw`) and with `--anonymize`. The usage events read back
//! (kind, minute, feature, user, host, count) must equal the input's, less
//! only what `-v` declared; `--strict` fails exactly when `-v` declares a
//! loss. A writer that writes nothing fails here.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const TARGETS: [&str; 6] = ["jsonl", "csv", "flexnet", "rlm-report", "sentinel", "lmx"];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Layout {
    Stdout,
    File,
    Dir,
    PerInput,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Path_ {
    Direct,
    JsonlRaw,
    JsonlFields,
    Anonymize,
}

type Row = (String, String, String, String, String, String);

fn liclog(args: &[&str], dir: &Path, stdin: Option<&[u8]>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_liclog"));
    c.args(args).current_dir(dir);
    match stdin {
        Some(data) => common::fed(c, data).0,
        None => c.stdin(Stdio::null()).output().unwrap(),
    }
}

/// The usage rows of canonical JSONL as target `to` can carry them.
fn rows(jsonl: &[u8], to: &str, anonymized: bool) -> BTreeMap<Row, i64> {
    let mut out = BTreeMap::new();
    let mut open: std::collections::HashMap<String, serde_json::Value> = Default::default();
    for line in String::from_utf8_lossy(jsonl).lines() {
        let Ok(mut v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let key = |v: &serde_json::Value, what: &str| {
            format!(
                "{what}/{}/{}",
                v["server"],
                v["handle"].as_str().unwrap_or("")
            )
        };
        let has_handle = v["handle"].is_string();
        let mut kind = v["kind"].as_str().unwrap_or("").to_string();
        // What a handle-only record takes from the record it closes.
        let fill_from = match kind.as_str() {
            "checkin" if has_handle => open.remove(&key(&v, "out")),
            "dequeued" if has_handle => open.remove(&key(&v, "que")),
            _ => None,
        };
        if let Some(o) = fill_from {
            for k in ["feature", "user", "host", "version"] {
                if v[k].is_null() {
                    v[k] = o[k].clone();
                }
            }
        }
        if has_handle && matches!(kind.as_str(), "checkout" | "inuse") {
            if kind == "inuse" && open.contains_key(&key(&v, "out")) {
                continue;
            }
            open.insert(key(&v, "out"), v.clone());
        }
        if has_handle && kind == "queued" {
            open.insert(key(&v, "que"), v.clone());
        }
        let canonical = matches!(to, "jsonl" | "csv");
        if !canonical {
            match kind.as_str() {
                "inuse" if to == "rlm-report" => continue,
                "inuse" => kind = "checkout".into(),
                "unsupported" if to != "flexnet" => kind = "denial".into(),
                _ => {}
            }
        }
        let carried: &[&str] = match to {
            "jsonl" | "csv" => &[
                "checkout",
                "checkin",
                "denial",
                "unsupported",
                "queued",
                "dequeued",
                "inuse",
            ],
            "flexnet" => &[
                "checkout",
                "checkin",
                "denial",
                "unsupported",
                "queued",
                "dequeued",
            ],
            "rlm-report" => &["checkout", "checkin", "denial", "queued", "dequeued"],
            "lmx" => &["checkout", "checkin", "denial"],
            _ => &["checkout", "checkin", "denial", "queued"],
        };
        let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
        if !carried.contains(&kind.as_str()) || (!canonical && s("feature").is_empty()) {
            continue;
        }
        let time = s("time");
        if !canonical && to != "flexnet" && !time.contains('T') {
            continue;
        }
        let minute: String = if time.is_empty() {
            s("time_of_day").chars().take(5).collect()
        } else {
            time.chars().take(16).collect()
        };
        let name = |k: &str| {
            let n = s(k);
            match to {
                _ if anonymized => String::new(),
                "jsonl" | "csv" | "lmx" => n,
                "flexnet" if n.is_empty() => "unknown".into(),
                "flexnet" => n,
                _ => n.replace([' ', '\t'], "_").replace('"', "'"),
            }
        };
        let feature = match to {
            "rlm-report" | "sentinel" => s("feature").replace(' ', "_").replace('"', "'"),
            _ => s("feature"),
        };
        let count = match (to, kind.as_str()) {
            ("lmx", _) => String::new(),
            ("flexnet", k) if !matches!(k, "checkout" | "checkin") => String::new(),
            _ if canonical => v["count"].to_string(),
            _ => v["count"].as_u64().unwrap_or(1).to_string(),
        };
        *out.entry((kind, minute, feature, name("user"), name("host"), count))
            .or_insert(0) += 1;
    }
    out
}

/// The rows of `got` that `want` lacks, and those it has too many of.
fn diff(want: &BTreeMap<Row, i64>, got: &BTreeMap<Row, i64>) -> (Vec<Row>, Vec<Row>) {
    let (mut missing, mut extra) = (Vec::new(), Vec::new());
    for (row, n) in want {
        if got.get(row).copied().unwrap_or(0) < *n {
            missing.push(row.clone());
        }
    }
    for (row, n) in got {
        if want.get(row).copied().unwrap_or(0) < *n {
            extra.push(row.clone());
        }
    }
    (missing, extra)
}

/// Every file under `dir`.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Reads what was written back as canonical JSONL.
/// `extra`: the input's own options (`--date`, `--year`): a log passed
/// through as it was needs them again.
fn read_back(to: &str, outputs: &[Vec<u8>], work: &Path, extra: &[String]) -> Vec<u8> {
    let mut all = Vec::new();
    for (i, bytes) in outputs.iter().enumerate() {
        let file = work.join(format!("back-{i}"));
        std::fs::write(&file, bytes).unwrap();
        let mut args = vec!["convert", "--from", to];
        // The input's dating options; its format and encoding are not the
        // output's.
        let mut skip = false;
        for a in extra {
            if std::mem::take(&mut skip) {
                continue;
            }
            match a.as_str() {
                "--from" | "--encoding" => skip = true,
                a => args.push(a),
            }
        }
        let name = file.to_string_lossy().into_owned();
        args.push(&name);
        all.extend(liclog(&args, work, None).stdout);
    }
    all
}

struct Case<'a> {
    input: &'a Path,
    extra: &'a [String],
    key: &'a Path,
    work: &'a Path,
    /// The input as JSONL, with and without `raw`: made once.
    jsonl: std::cell::OnceCell<(Vec<u8>, Vec<u8>)>,
}

impl Case<'_> {
    /// The input of a path: the log itself, or its JSONL.
    fn source(&self, path: Path_) -> (Vec<&str>, Option<Vec<u8>>) {
        let input = self.input.to_str().unwrap();
        let extra: Vec<&str> = self.extra.iter().map(String::as_str).collect();
        match path {
            Path_::Direct | Path_::Anonymize => {
                let mut a = extra.clone();
                a.push(input);
                (a, None)
            }
            Path_::JsonlRaw | Path_::JsonlFields => {
                let (raw, fields) = self.jsonl.get_or_init(|| {
                    let convert = |raw: bool| {
                        let mut a = vec!["convert"];
                        if raw {
                            a.push("--raw");
                        }
                        a.extend(extra.iter().copied());
                        a.push(input);
                        liclog(&a, self.work, None).stdout
                    };
                    (convert(true), convert(false))
                });
                let jsonl = if path == Path_::JsonlRaw { raw } else { fields };
                (vec!["--from", "jsonl", "-"], Some(jsonl.clone()))
            }
        }
    }

    /// One combination: what went wrong, if anything.
    fn run(
        &self,
        path: Path_,
        to: &str,
        layout: Layout,
        want: &BTreeMap<Row, i64>,
        servers: usize,
    ) -> Option<String> {
        let anonymized = path == Path_::Anonymize;
        let out = self.work.join(format!("out-{to}-{layout:?}-{path:?}"));
        let _ = std::fs::remove_dir_all(&out);
        let _ = std::fs::remove_file(&out);
        let target = match layout {
            Layout::Stdout => "-".to_string(),
            Layout::File => out.to_string_lossy().into_owned(),
            Layout::Dir | Layout::PerInput => format!("{}/", out.to_string_lossy()),
        };
        let key = self.key.to_string_lossy().into_owned();
        let mut args = vec!["convert", "-v", "--to", to, "-o", &target];
        if layout == Layout::PerInput {
            args.push("--per-input");
        }
        if anonymized {
            args.extend(["--anonymize", "--key-file", &key]);
        }
        let (source, stdin) = self.source(path);
        args.extend(source);
        let o = liclog(&args, self.work, stdin.as_deref());
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        let vendor = !matches!(to, "jsonl" | "csv");
        // --per-input writes each input whole into one file.
        let one_file = matches!(layout, Layout::Stdout | Layout::File | Layout::PerInput);
        if vendor && one_file && servers > 1 {
            return (o.status.code() != Some(2))
                .then(|| format!("several servers not refused: {err}"));
        }
        if o.status.code() != Some(0) {
            if vendor && err.contains("more than one ISV") {
                return None; // an RLM log of several ISVs into one file
            }
            return Some(format!("exit {:?}: {err}", o.status.code()));
        }
        let outputs: Vec<Vec<u8>> = match layout {
            Layout::Stdout => vec![o.stdout.clone()],
            Layout::File => vec![std::fs::read(&out).unwrap_or_default()],
            Layout::Dir | Layout::PerInput => files_under(&out)
                .iter()
                .map(|f| std::fs::read(f).unwrap())
                .collect(),
        };
        if outputs.iter().all(Vec::is_empty) && !want.is_empty() {
            return Some("nothing written".into());
        }
        let got = rows(
            &read_back(to, &outputs, self.work, self.extra),
            to,
            anonymized,
        );
        let want = if anonymized {
            rows_anonymized(want)
        } else {
            want.clone()
        };
        let declared = err.contains("cannot carry");
        let (missing, extra) = diff(&want, &got);
        if !extra.is_empty() {
            return Some(format!(
                "{} rows not in the input, first {:?}",
                extra.len(),
                extra[0]
            ));
        }
        if !missing.is_empty() && !declared {
            return Some(format!(
                "{} rows lost without -v declaring it, first {:?}",
                missing.len(),
                missing[0]
            ));
        }
        None
    }
}

fn rows_anonymized(want: &BTreeMap<Row, i64>) -> BTreeMap<Row, i64> {
    let mut out = BTreeMap::new();
    for ((k, m, f, _, _, c), n) in want {
        *out.entry((
            k.clone(),
            m.clone(),
            f.clone(),
            String::new(),
            String::new(),
            c.clone(),
        ))
        .or_insert(0) += n;
    }
    out
}

/// `--strict` fails exactly when `-v` declares a loss.
fn strict_agrees(case: &Case<'_>, to: &str) -> Option<String> {
    let (source, stdin) = case.source(Path_::Direct);
    let mut verbose = vec!["convert", "-v", "--to", to];
    verbose.extend(source.iter().copied());
    let v = liclog(&verbose, case.work, stdin.as_deref());
    if v.status.code() != Some(0) {
        return None; // refused for another reason (several servers)
    }
    let declared = String::from_utf8_lossy(&v.stderr).contains("cannot carry");
    let mut strict = vec!["convert", "--strict", "--to", to];
    strict.extend(source.iter().copied());
    let s = liclog(&strict, case.work, stdin.as_deref());
    let unknown_lines = String::from_utf8_lossy(&s.stderr).contains("unrecognised line");
    let failed = s.status.code() == Some(1) && !unknown_lines;
    (failed != declared && !unknown_lines).then(|| {
        format!(
            "--strict exit {:?} but -v {} a loss",
            s.status.code(),
            if declared {
                "declared"
            } else {
                "did not declare"
            }
        )
    })
}

#[test]
fn every_input_target_layout_and_path_keeps_the_usage_events() {
    let logs = common::vendor_logs();
    let failures = std::sync::Mutex::new(Vec::new());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(4);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let work = tempfile::tempdir().unwrap();
                let key = common::private_test_key(work.path());
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some((input, extra, _)) = logs.get(i) else {
                        break;
                    };
                    let extra: Vec<String> = extra
                        .iter()
                        .filter(|a| !matches!(a.as_str(), "-v" | "--verbose"))
                        .cloned()
                        .collect();
                    let extra = &extra;
                    let case = Case {
                        input,
                        extra,
                        key: &key,
                        work: work.path(),
                        jsonl: std::cell::OnceCell::new(),
                    };
                    let mut args = vec!["convert"];
                    args.extend(extra.iter().map(String::as_str));
                    let name = input.to_string_lossy().into_owned();
                    args.push(&name);
                    let original = liclog(&args, work.path(), None).stdout;
                    let servers = original_servers(&original);
                    for to in TARGETS {
                        let want = rows(&original, to, false);
                        for path in [
                            Path_::Direct,
                            Path_::JsonlRaw,
                            Path_::JsonlFields,
                            Path_::Anonymize,
                        ] {
                            for layout in
                                [Layout::Stdout, Layout::File, Layout::Dir, Layout::PerInput]
                            {
                                if let Some(why) = case.run(path, to, layout, &want, servers) {
                                    failures.lock().unwrap().push(format!(
                                        "{name} --to {to} {layout:?} {path:?}: {why}"
                                    ));
                                }
                            }
                        }
                        if let Some(why) = strict_agrees(&case, to) {
                            failures
                                .lock()
                                .unwrap()
                                .push(format!("{name} --to {to}: {why}"));
                        }
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// How many servers the input's events name.
fn original_servers(jsonl: &[u8]) -> usize {
    let mut servers: Vec<String> = String::from_utf8_lossy(jsonl)
        .lines()
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            v["server"].as_str().map(str::to_string)
        })
        .collect();
    servers.sort();
    servers.dedup();
    servers.len()
}
