//! `liclog report`: values computed by hand on a golden input (see its
//! README), the real samples' sessions, and the HTML's shape.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{liclog, stderr};

fn golden(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("golden")
        .join(case)
        .join("input.log")
}

/// A CSV table as rows of column -> value.
fn table(path: &Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .map(|h| h.to_string())
                .zip(l.split(',').map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn hand_computed_sessions_peaks_hours_and_true_denials() {
    let d = tempfile::tempdir().unwrap();
    let input = golden("flexnet/sessions-hand-computed");
    let o = liclog(
        &[
            "report",
            "-o",
            "out",
            "--html",
            "r.html",
            input.to_str().unwrap(),
        ],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let sessions = table(&d.path().join("out/sessions.csv"));
    let rows: Vec<(String, String, String, String)> = sessions
        .iter()
        .map(|r| {
            (
                r["user"].clone(),
                r["count"].clone(),
                r["duration_s"].clone(),
                r["ended_by"].clone(),
            )
        })
        .collect();
    let row = |u: &str, c: &str, s: &str, e: &str| (u.into(), c.into(), s.into(), e.into());
    assert_eq!(
        rows,
        [
            row("alice", "1", "3600", "checkin"),
            row("eve", "1", "", "unmatched_checkin"),
            row("alice", "1", "5400", "server_stop"),
            row("bob", "3", "2700", "server_stop"),
            row("carol", "1", "2640", "server_stop"),
            row("alice", "1", "4500", "checkin"),
        ]
    );
    assert_eq!(sessions[5]["end"], "2024-03-05T00:45:00", "across midnight");
    let summary = table(&d.path().join("out/summary.csv"));
    let s = &summary[0];
    assert_eq!(
        (
            &s["sessions"][..],
            &s["license_hours"][..],
            &s["peak"][..],
            &s["peak_time"][..]
        ),
        ("5", "6.733", "5", "2024-03-04T10:16:00")
    );
    assert_eq!(
        (
            &s["distinct_users"][..],
            &s["denials"][..],
            &s["true_denials"][..]
        ),
        ("3", "2", "1")
    );
    let usage = table(&d.path().join("out/usage.csv"));
    let mean = |start: &str| {
        usage
            .iter()
            .find(|r| r["interval_start"] == start)
            .map(|r| (r["max_in_use"].clone(), r["mean_in_use"].clone()))
            .unwrap()
    };
    assert_eq!(mean("2024-03-04T09:00:00"), ("2".into(), "1.5".into()));
    assert_eq!(mean("2024-03-04T10:00:00"), ("5".into(), "3.983".into()));
    // alice's session crosses midnight: 1 in use when 2024-03-05 begins.
    let next_day = usage
        .iter()
        .find(|r| r["interval_start"] == "2024-03-05T00:00:00")
        .unwrap();
    assert_eq!(
        (&next_day["day_peak"][..], &next_day["day_peak_time"][..]),
        ("1", "2024-03-05T00:00:00")
    );
    let denials = table(&d.path().join("out/denials.csv"));
    let by_user: Vec<(String, String)> = denials
        .iter()
        .map(|r| (r["user"].clone(), r["true_denials"].clone()))
        .collect();
    assert_eq!(
        by_user,
        [("carol".into(), "0".into()), ("dave".into(), "1".into())]
    );
    // A wider retry window forgives nothing more here; a narrower one makes
    // carol's denial true too.
    let o = liclog(
        &["report", "--retry-window", "10", input.to_str().unwrap()],
        d.path(),
    );
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.lines().nth(1).unwrap().ends_with(",2,2,"), "{text}");
}

#[test]
fn jsonl_tables_and_filters() {
    let d = tempfile::tempdir().unwrap();
    let input = golden("flexnet/sessions-hand-computed");
    let o = liclog(
        &[
            "report",
            "--to",
            "jsonl",
            "-o",
            "out",
            "--since",
            "2024-03-04T23:00:00",
            input.to_str().unwrap(),
        ],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(d.path().join("out/sessions.jsonl")).unwrap();
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["duration_s"], 4500);
    assert_eq!(rows[0]["ended_by"], "checkin");
}

/// The HTML is one file with everything inline: HTML5, SVG charts, no
/// script and nothing fetched; names are escaped.
#[test]
fn the_html_report_is_self_contained() {
    let d = tempfile::tempdir().unwrap();
    let log = std::fs::read_to_string(golden("flexnet/sessions-hand-computed"))
        .unwrap()
        .replace("bob@ws2", "b<o>&b@ws2");
    std::fs::write(d.path().join("in.log"), log).unwrap();
    let o = liclog(&["report", "--html", "r.html", "in.log"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = std::fs::read_to_string(d.path().join("r.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.trim_end().ends_with("</html>"));
    assert!(
        !html.contains("<script") && !html.contains("http://")
            || html.contains("xmlns=\"http://www.w3.org/2000/svg\"")
    );
    assert!(!html.contains("src=") && !html.contains("<link"));
    assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
    assert!(
        html.matches("<svg").count() >= 5,
        "in use, peak, denials, heat map, users"
    );
    assert!(html.contains("b&lt;o&gt;&amp;b") && !html.contains("b<o>&b"));
}

/// Every FlexNet and RLM sample: the session rows with a start are the
/// checkouts.
#[test]
#[cfg_attr(
    not(liclog_samples),
    ignore = "set LICLOG_SAMPLES to the real-sample directory (../shared/samples)"
)]
fn sample_sessions_are_the_checkouts() {
    let root = std::env::var_os("LICLOG_SAMPLES").expect("LICLOG_SAMPLES");
    let d = tempfile::tempdir().unwrap();
    for (sub, extra) in [
        ("flexlm", None),
        ("rlm", None),
        ("rlm-debug", Some("--year=2024")),
    ] {
        for path in std::fs::read_dir(Path::new(&root).join(sub)).unwrap() {
            let path = path.unwrap().path();
            let out = d.path().join("out");
            let _ = std::fs::remove_dir_all(&out);
            let mut c = Command::new(env!("CARGO_BIN_EXE_liclog"));
            c.arg("report").arg("-o").arg(&out).args(extra).arg(&path);
            let o = c.output().unwrap();
            assert_eq!(
                o.status.code(),
                Some(0),
                "{}: {}",
                path.display(),
                stderr(&o)
            );
            let events = Command::new(env!("CARGO_BIN_EXE_liclog"))
                .arg("convert")
                .args(extra)
                .arg(&path)
                .output()
                .unwrap();
            let checkouts = String::from_utf8(events.stdout)
                .unwrap()
                .lines()
                .filter(|l| {
                    let v: serde_json::Value = serde_json::from_str(l).unwrap();
                    let opened = v["kind"] == "checkout" || v["kind"] == "inuse";
                    opened && v["time"].as_str().is_some_and(|t| t.contains('T'))
                })
                .count();
            let sessions = table(&out.join("sessions.csv"));
            let started = sessions.iter().filter(|r| !r["start"].is_empty()).count();
            assert!(
                started == checkouts || sub == "rlm",
                "{}: {started} sessions with a start, {checkouts} checkouts",
                path.display()
            );
            if sub == "rlm" {
                // An RLM INUSE record repeats a checkout still open: the engine
                // opens it once.
                assert!(started <= checkouts, "{}", path.display());
            }
        }
    }
}

/// The heat map puts use on the right weekday and hour (2024-03-04 was a
/// Monday), and `--anonymize` reports pseudonyms, never the names.
#[test]
fn heat_map_days_and_anonymized_reports() {
    let d = tempfile::tempdir().unwrap();
    let input = golden("flexnet/sessions-hand-computed");
    let o = liclog(
        &["report", "--html", "r.html", input.to_str().unwrap()],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = std::fs::read_to_string(d.path().join("r.html")).unwrap();
    for cell in [
        "Mon 09:00: 1.5",
        "Mon 10:00: 4.0",
        "Mon 23:00: 0.5",
        "Tue 00:00: 0.8",
    ] {
        assert!(
            html.contains(&format!("<title>{cell} license-hours</title>")),
            "{cell}"
        );
    }
    liclog(&["keygen", "-o", "k.key"], d.path());
    let o = liclog(
        &[
            "report",
            "--anonymize",
            "--key-file",
            "k.key",
            "-o",
            "out",
            "--html",
            "a.html",
            input.to_str().unwrap(),
        ],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for file in ["out/sessions.csv", "out/denials.csv", "a.html"] {
        let text = std::fs::read_to_string(d.path().join(file)).unwrap();
        for name in ["alice", "bob", "carol", "dave", "eve", "ws1", "lic1"] {
            assert!(!text.contains(name), "{file}: {name}");
        }
        assert!(text.contains("u-"), "{file}");
    }
}

/// Two servers' logs in one report: a session still open when a log ends
/// is held until that log's last line, not until the other log's.
#[test]
fn open_sessions_end_with_their_own_servers_log() {
    let short = "\
9:00:00 (lmgrd) FlexNet Licensing (v11.16.2.0 build 242433 x64_lsb) started on lic01 (linux) (3/14/2024)
9:00:00 (MLM) OUT: \"MATLAB\" alice@ws1
10:00:00 (MLM) OUT: \"MATLAB\" bob@ws2
10:00:00 (MLM) IN: \"MATLAB\" bob@ws2
";
    let long = "\
9:00:00 (lmgrd) FlexNet Licensing (v11.16.2.0 build 242433 x64_lsb) started on lic02 (linux) (3/14/2024)
9:00:00 (MLM) OUT: \"SIMULINK\" carol@ws3
19:00:00 (MLM) IN: \"SIMULINK\" carol@ws3
";
    let d = common::dir_with(&[("a.log", short.as_bytes()), ("b.log", long.as_bytes())]);
    let o = liclog(&["report", "-o", "out", "a.log", "b.log"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let summary = table(&d.path().join("out/summary.csv"));
    let hours: BTreeMap<String, String> = summary
        .iter()
        .map(|r| (r["feature"].clone(), r["license_hours"].clone()))
        .collect();
    // alice: 9:00 to lic01's last line at 10:00, plus bob's 0 h.
    assert_eq!(hours["MATLAB"], "1.0");
    assert_eq!(hours["SIMULINK"], "10.0");
    let usage = table(&d.path().join("out/usage.csv"));
    let matlab_cells = usage.iter().filter(|r| r["feature"] == "MATLAB").count();
    assert_eq!(matlab_cells, 2, "MATLAB is in use 9:00 to 10:00 only");
}
