//! Regression tests for the defects found at the seams between the parts
//! (issue 24): outputs that destroy inputs or replace files with nothing,
//! panics and unbounded memory in `report`, impossible years, CSV line ends.

mod common;

use common::{assert_exit, dir_with, liclog, stderr};

const LOG: &str = "10:00:00 (lmgrd) FlexNet Licensing (v11.16.2.0 build 1 x64_lsb) started on srv1 (linux) (1/4/2024)\n\
10:00:01 (vd) OUT: \"feat\" alice@ws1  \n\
10:05:00 (vd) IN: \"feat\" alice@ws1  \n";

#[test]
fn an_output_that_is_an_input_is_refused_for_every_command() {
    let dir = dir_with(&[("x.log", LOG.as_bytes())]);
    std::fs::hard_link(dir.path().join("x.log"), dir.path().join("link.log")).unwrap();
    for args in [
        &["convert", "-o", "x.log", "x.log"][..],
        &["convert", "--to", "csv", "-o", "./x.log", "x.log"],
        &["convert", "--to", "rlm-report", "-o", "link.log", "x.log"],
        &["report", "--html", "x.log", "x.log"],
        &["report", "--html", "out.html", "--manifest", "link.log", "x.log"],
    ] {
        let o = liclog(args, dir.path());
        assert_exit(&o, 2, "is an input of this run");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("x.log")).unwrap(),
            LOG,
            "{args:?}"
        );
    }
}

#[test]
fn a_run_that_read_nothing_leaves_the_old_output_alone() {
    let dir = dir_with(&[("u.csv", b"old,contents\n"), ("hello.txt", b"hello\n")]);
    for args in [
        &["convert", "--to", "csv", "-o", "u.csv", "/nonexistent.log"][..],
        &["convert", "--to", "csv", "-o", "u.csv", "hello.txt"],
    ] {
        let o = liclog(args, dir.path());
        assert_ne!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("u.csv")).unwrap(),
            "old,contents\n"
        );
    }
}

#[test]
fn absurd_report_intervals_are_refused_at_parse_time() {
    let dir = dir_with(&[("x.log", LOG.as_bytes())]);
    for interval in ["999999999999", "99999999999999999999d", "400d"] {
        let o = liclog(
            &["report", "--interval", interval, "--html", "x.html", "x.log"],
            dir.path(),
        );
        assert_exit(&o, 2, "--interval");
    }
}

#[test]
fn report_memory_is_bounded_whatever_the_span() {
    // A session held for 40 years, counted per second.
    let log = "10:00:00 (lmgrd) FlexNet Licensing (v11.16.2.0 build 1 x64_lsb) started on srv1 (linux) (1/4/1980)\n\
               10:00:01 (vd) OUT: \"feat\" alice@ws1  \n\
               10:00:02 (lmgrd) TIMESTAMP 1/7/2020\n";
    let dir = dir_with(&[("x.log", log.as_bytes())]);
    let o = liclog(
        &["report", "--interval", "1s", "-o", "rep", "x.log"],
        dir.path(),
    );
    assert_exit(&o, 2, "the usage table would pass");
    assert!(!dir.path().join("rep").exists(), "an empty -o DIR stays");
}

#[test]
fn impossible_years_leave_the_line_undated_with_a_warning() {
    let log = "10:00:00 (lmgrd) TIMESTAMP 1/4/-19\n10:00:01 (vd) OUT: \"f\" a@b  \n";
    let dir = dir_with(&[("y.log", log.as_bytes())]);
    let o = liclog(&["convert", "--to", "csv", "y.log"], dir.path());
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("y.log:1:"), "{}", stderr(&o));
    let csv = String::from_utf8(o.stdout).unwrap();
    assert!(!csv.contains("0019") && !csv.contains("-19-"), "{csv}");
    // Sentinel's ctime date with a sign.
    let sentinel = "# Startup Sentinel RMS License Manager v8.6.0.0036 Mon Aug 25 15:36:23 2014 1408961183 Machine1 197 1708\n\
2 1 ODA= Mon Aug 25 15:36:27 -2019 1408961187 f1 v1 0 1 0 JSmith Machine1 8.6.0.0036 1 c - - - - - 0 - - - MA== 3724690 MTQx\n";
    let dir = dir_with(&[("s.log", sentinel.as_bytes())]);
    let o = liclog(
        &["convert", "--from", "sentinel", "--to", "csv", "s.log"],
        dir.path(),
    );
    assert!(stderr(&o).contains("s.log:2:"), "{}", stderr(&o));
    assert!(!String::from_utf8(o.stdout).unwrap().contains("2019-08"));
}

#[test]
fn csv_with_bare_cr_line_ends_gives_every_record() {
    let dir = dir_with(&[("cr.csv", b"kind,user\rcheckout,al\rcheckin,al\r")]);
    let o = liclog(&["convert", "--from", "csv", "cr.csv"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].contains(r#""line":2"#) && lines[0].contains("checkout"));
    assert!(lines[1].contains(r#""line":3"#) && lines[1].contains("checkin"));
}

#[test]
fn a_wide_csv_header_reads_in_linear_time() {
    let mut csv = String::from("kind");
    for i in 0..160_000 {
        csv.push_str(&format!(",c{i}"));
    }
    csv.push_str("\ncheckout");
    csv.push_str(&",".repeat(160_000));
    csv.push('\n');
    let dir = dir_with(&[("wide.csv", csv.as_bytes())]);
    let start = std::time::Instant::now();
    let o = liclog(&["convert", "--from", "csv", "wide.csv"], dir.path());
    assert_eq!(o.status.code(), Some(0));
    // Quadratic reading took 5-7 s; linear takes milliseconds.
    assert!(start.elapsed().as_secs() < 3, "{:?}", start.elapsed());
}

#[cfg(unix)]
#[test]
fn a_closed_stderr_never_stops_the_work() {
    use std::process::{Command, Stdio};
    // Many warnings (unknown lines) into a stderr that is already closed.
    let mut log = String::from(LOG);
    for i in 0..200 {
        log.push_str(&format!("garbage line {i}\n"));
    }
    let dir = dir_with(&[("x.log", log.as_bytes())]);
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let o = Command::new(env!("CARGO_BIN_EXE_liclog"))
        .args(["convert", "--from", "flexnet", "--to", "csv", "-o", "out.csv", "x.log"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(writer)
        .output()
        .unwrap();
    assert_ne!(o.status.code(), Some(101), "a panic");
    assert!(dir.path().join("out.csv").exists());
}

#[test]
fn report_errors_name_their_path() {
    let dir = dir_with(&[("x.log", LOG.as_bytes()), ("taken", b"a file")]);
    let o = liclog(&["report", "-o", "taken", "x.log"], dir.path());
    assert_exit(&o, 4, "taken");
}
