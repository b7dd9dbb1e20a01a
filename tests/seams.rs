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
        &[
            "report",
            "--html",
            "out.html",
            "--manifest",
            "link.log",
            "x.log",
        ],
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
            &[
                "report",
                "--interval",
                interval,
                "--html",
                "x.html",
                "x.log",
            ],
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
        .args([
            "convert", "--from", "flexnet", "--to", "csv", "-o", "out.csv", "x.log",
        ])
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

const ROT1: &str = " 9:00:00 (lmgrd) FlexNet Licensing (v11.16.2.0 build 1 x64_lsb) started on srv1 (linux) (1/4/2024)\n\
 9:00:01 (lmgrd) TIMESTAMP 1/4/2024\n\
 9:00:05 (vd) OUT: \"feat\" alice@ws1  \n";
/// The next rotation of srv1: no banner.
const ROT2: &str = "10:00:05 (vd) IN: \"feat\" alice@ws1  \n\
10:00:06 (vd) OUT: \"feat\" bob@ws2  \n\
10:30:00 (lmgrd) TIMESTAMP 1/4/2024\n";
/// A log whose banner comes after its first hours.
const LATER: &str = " 8:00:05 (vd) OUT: \"feat\" carol@ws3  \n\
 8:00:06 (vd) IN: \"feat\" carol@ws3  \n\
 9:00:00 (lmgrd) FlexNet Licensing (v11.16.2.0 build 1 x64_lsb) started on srv2 (linux) (1/5/2024)\n\
 9:00:05 (vd) OUT: \"feat\" dan@ws4  \n";

fn read_dir_sorted(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn per_server_files_keep_the_lines_before_the_banner() {
    let dir = dir_with(&[
        ("rot1.log", ROT1.as_bytes()),
        ("rot2.log", ROT2.as_bytes()),
        ("later.log", LATER.as_bytes()),
    ]);
    let o = liclog(
        &[
            "convert",
            "--to",
            "flexnet",
            "-o",
            "out/",
            "rot1.log",
            "rot2.log",
            "later.log",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = dir.path().join("out");
    assert_eq!(read_dir_sorted(&out), ["srv1.log", "srv2.log"]);
    // The banner-less rotation continues srv1's series (by time).
    assert_eq!(
        std::fs::read_to_string(out.join("srv1.log")).unwrap(),
        format!("{ROT1}{ROT2}")
    );
    // The hours before srv2's banner are srv2's.
    assert_eq!(
        std::fs::read_to_string(out.join("srv2.log")).unwrap(),
        LATER
    );
}

#[test]
fn a_log_whose_banner_is_in_an_earlier_rotation_is_written() {
    let dir = dir_with(&[("rot2.log", ROT2.as_bytes())]);
    // No server anywhere: a file named for the input, with a warning.
    let o = liclog(
        &["convert", "--to", "flexnet", "-o", "out/", "rot2.log"],
        dir.path(),
    );
    assert_exit(&o, 0, "no server is named in it");
    let named = dir.path().join("out/rot2.no-server.log");
    assert_eq!(std::fs::read_to_string(named).unwrap(), ROT2);
    // --server names it.
    let o = liclog(
        &[
            "convert", "--to", "flexnet", "--server", "srv1", "-o", "by-name/", "rot2.log",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("by-name/srv1.log")).unwrap(),
        ROT2
    );
}

#[test]
fn one_file_and_per_server_files_hold_the_same_events() {
    let dir = dir_with(&[("later.log", LATER.as_bytes())]);
    let one = liclog(
        &["convert", "--to", "flexnet", "-o", "one.log", "later.log"],
        dir.path(),
    );
    assert_eq!(one.status.code(), Some(0), "{}", stderr(&one));
    let split = liclog(
        &["convert", "--to", "flexnet", "-o", "dir/", "later.log"],
        dir.path(),
    );
    assert_eq!(split.status.code(), Some(0), "{}", stderr(&split));
    assert_eq!(
        std::fs::read(dir.path().join("one.log")).unwrap(),
        std::fs::read(dir.path().join("dir/srv2.log")).unwrap()
    );
    // And the server column is the banner's, from the first line.
    let csv = liclog(&["convert", "--to", "csv", "later.log"], dir.path());
    let text = String::from_utf8(csv.stdout).unwrap();
    assert!(text.lines().skip(1).all(|l| l.contains(",srv2,")), "{text}");
}

#[test]
fn an_rlm_reportlog_split_by_server_keeps_its_header() {
    let log = "RLM Report Log Format 0, version 10.0, authenticated\n\
ISV: demo, RLM version 10.0 BL2\n\
START lic01 05/11/2024 15:16:49\n\
OUT datavis 1.0 1 al ws1 \"\" 1 1 0 41 41 1a14 \"\" \"\" \"\" 05/11 15:17:14\n\
IN 1 datavis 1.0 al ws1 \"\" 1 0 0 41 05/11 15:29:13\n";
    let dir = dir_with(&[("report.log", log.as_bytes())]);
    let o = liclog(
        &["convert", "--to", "rlm-report", "-o", "out/", "report.log"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let written = dir.path().join("out/lic01.demo.report.log");
    assert_eq!(std::fs::read_to_string(&written).unwrap(), log);
    let detect = liclog(&["detect", "out/lic01.demo.report.log"], dir.path());
    assert_eq!(detect.status.code(), Some(0), "{}", stderr(&detect));
}

#[test]
fn passed_through_lines_of_two_servers_are_refused_in_one_file() {
    let dir = dir_with(&[
        ("rot1.log", ROT1.as_bytes()),
        ("later.log", LATER.as_bytes()),
    ]);
    let o = liclog(
        &[
            "convert",
            "--to",
            "flexnet",
            "-o",
            "one.log",
            "rot1.log",
            "later.log",
        ],
        dir.path(),
    );
    assert_exit(&o, 2, "more than one server (srv1, srv2)");
    assert!(!dir.path().join("one.log").exists());
    // --server keeps one, pre-banner lines of the other server included out.
    let o = liclog(
        &[
            "convert",
            "--to",
            "flexnet",
            "--server",
            "srv1",
            "rot1.log",
            "later.log",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(String::from_utf8(o.stdout).unwrap(), ROT1);
}

#[test]
fn a_crlf_log_after_an_lf_log_does_not_mix_line_ends() {
    let crlf = ROT2.replace('\n', "\r\n");
    let dir = dir_with(&[("rot1.log", ROT1.as_bytes()), ("rot2.log", crlf.as_bytes())]);
    let o = liclog(
        &[
            "convert", "--to", "flexnet", "-o", "one.log", "rot1.log", "rot2.log",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(dir.path().join("one.log")).unwrap();
    assert!(!text.contains('\r'), "{text:?}");
    assert_eq!(text, format!("{ROT1}{ROT2}"));
}

/// `convert --raw IN | convert --from jsonl ARGS -`: the fields path when
/// `raw` is false (`--raw` is left out), as the jq workflow does.
fn through_fields(dir: &std::path::Path, input: &str, args: &[&str]) -> (String, String) {
    let jsonl = liclog(&["convert", input], dir);
    assert_eq!(jsonl.status.code(), Some(0), "{}", stderr(&jsonl));
    std::fs::write(dir.join("fields.jsonl"), &jsonl.stdout).unwrap();
    let mut all = vec!["convert", "-v", "--from", "jsonl"];
    all.extend_from_slice(args);
    all.push("fields.jsonl");
    let o = liclog(&all, dir);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    (String::from_utf8(o.stdout.clone()).unwrap(), stderr(&o))
}

#[test]
fn rlm_keeps_its_time_zone_and_its_own_cur_use_through_fields() {
    let log = "RLM Report Log Format 0, version 10.0\n\
ISV: demo, RLM version 10.0 BL2\n\
START lic01 05/11/2024 15:16:49\n\
TIMEZONE 300 0 # EST\n\
OUT datavis 1.0 1 al ws1 \"\" 1 11 0 41 41 1a14 \"\" \"\" \"\" 05/11 15:17:14\n\
IN 1 datavis 1.0 al ws1 \"\" 1 10 0 41 05/11 15:29:13\n";
    let dir = dir_with(&[("r.log", log.as_bytes())]);
    let (out, _) = through_fields(dir.path(), "r.log", &["--to", "rlm-report"]);
    assert!(out.contains("TIMEZONE 300 0"), "{out}");
    // The log's own cur_use, not liclog's count (1, then 0).
    assert!(out.contains("\"\" 1 11 0 41 41"), "{out}");
    assert!(out.contains("\"\" 1 10 0 41 05/11"), "{out}");
    // And the offset reads back.
    std::fs::write(dir.path().join("back.log"), &out).unwrap();
    let csv = liclog(&["convert", "--to", "csv", "back.log"], dir.path());
    assert!(
        String::from_utf8(csv.stdout)
            .unwrap()
            .contains("2024-05-11T15:17:14-05:00")
    );
}

#[test]
fn a_handle_only_deque_takes_its_que_and_keeps_its_why() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("golden");
    let small = root.join("rlm-report/small/input.log");
    let dir = dir_with(&[("small.log", &std::fs::read(small).unwrap())]);
    for to in ["rlm-report", "flexnet"] {
        let (out, _) = through_fields(dir.path(), "small.log", &["--to", to]);
        let want = match to {
            "rlm-report" => "DEQUE 6 plotter 1.0 eve ws-8",
            _ => "DEQUEUED: \"plotter\" eve@ws-8",
        };
        assert!(out.contains(want), "{to}: {out}");
    }
}

#[test]
fn a_daylight_saving_zone_writes_each_offset() {
    let log = " 9:00:00 (lmgrd) FlexNet Licensing (v11.16.2.0 build 1 x64_lsb) started on srv1 (linux) (1/4/2024)\n\
 9:00:05 (vd) OUT: \"feat\" alice@ws1  \n\
 9:00:06 (lmgrd) TIMESTAMP 7/4/2024\n\
 9:00:07 (vd) IN: \"feat\" alice@ws1  \n";
    let dir = dir_with(&[("x.log", log.as_bytes())]);
    let o = liclog(
        &[
            "convert",
            "--tz",
            "America/Detroit",
            "--to",
            "rlm-report",
            "x.log",
        ],
        dir.path(),
    );
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(
        out.contains("TIMEZONE 300 0") && out.contains("TIMEZONE 240 0"),
        "{out}"
    );
    std::fs::write(dir.path().join("back.log"), &out).unwrap();
    let csv = liclog(&["convert", "--to", "csv", "back.log"], dir.path());
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert!(csv.contains("2024-01-04T09:00:05-05:00"), "{csv}");
    assert!(csv.contains("2024-07-04T09:00:07-04:00"), "{csv}");
}

#[test]
fn flexnet_lines_come_back_whole_from_their_fields() {
    let log = " 9:00:00 (lmgrd) FlexNet Licensing (v11.16.2.0 build 1 x64_lsb) started on srv1 (linux) (1/4/2024)\n\
 9:00:05 (MSC) OUT: \"MSCONE\" eng7@cae-12  [MSCONE:NASTRAN] (10 licenses)\n\
 9:10:00 (MSC) IN: \"MSCONE\" eng7@cae-12  [MSCONE:NASTRAN] (10 licenses)\n\
 9:20:00 (MSC) OUT: \"MSCONE\" eng8@cae-13  \n\
 9:30:00 (MSC) IN: \"MSCONE\" eng8@cae-13  (INACTIVE)\n\
 9:40:00 (MSC) DENIED: \"MSCONE\" eng9@cae-14  (Licensed number of users already reached. (-4,342:10054 \"\"))\n\
 9:50:00 (lmgrd) SHUTDOWN request from root at node srv1\n";
    let dir = dir_with(&[("x.log", log.as_bytes())]);
    let (out, err) = through_fields(dir.path(), "x.log", &["--to", "flexnet"]);
    let usage: Vec<&str> = log.lines().skip(1).collect();
    for line in usage {
        assert!(out.contains(line), "{line:?} not in:\n{out}\n{err}");
    }
}

#[test]
fn denials_from_other_formats_read_as_lmgrd_writes_them() {
    let rlm_debug = "05/11 15:20 (demo) DENIED: (1) simulator v2.1 to cecil@win2008 \n05/11 15:20 (demo)         All licenses in use\n";
    let dir = dir_with(&[("isv.log", rlm_debug.as_bytes())]);
    let o = liclog(
        &[
            "convert",
            "--from",
            "rlm-debug",
            "--year",
            "2024",
            "--to",
            "flexnet",
            "isv.log",
        ],
        dir.path(),
    );
    let out = String::from_utf8(o.stdout.clone()).unwrap();
    assert!(
        out.contains("(Licensed number of users already reached. (-4,342))"),
        "{out}{}",
        stderr(&o)
    );
    // lmgrd pads the hour with a space.
    assert!(!out.lines().any(|l| l.starts_with('0')), "{out}");
}

#[test]
fn sentinel_numkeys_on_denials_is_the_count_in_use() {
    let log = " 9:00:00 (lmgrd) FlexNet Licensing (v11.16.2.0 build 1 x64_lsb) started on srv1 (linux) (1/4/2024)\n\
 9:00:05 (vd) OUT: \"feat\" alice@ws1  \n\
 9:00:06 (vd) DENIED: \"feat\" bob@ws2  (Licensed number of users already reached. (-4,342))\n";
    let dir = dir_with(&[("x.log", log.as_bytes())]);
    let o = liclog(&["convert", "--to", "sentinel", "x.log"], dir.path());
    let out = String::from_utf8(o.stdout).unwrap();
    let denial = out.lines().find(|l| l.contains(" bob ")).unwrap();
    // Trans 1 (denied), Numkeys 1 (all in use), Keylife 0.
    assert!(denial.contains(" 1 1 0 bob "), "{denial}");
}

#[test]
fn an_rlm_feature_with_a_quote_still_reads_back() {
    let csv = "kind,time,server,daemon,feature,version,user,host\n\
checkout,2024-01-04T09:00:00,srv1,vd,\"\"\"quoted\",1.0,al,ws1\n";
    let dir = dir_with(&[("x.csv", csv.as_bytes())]);
    let o = liclog(
        &[
            "convert",
            "-v",
            "--strict",
            "--from",
            "csv",
            "--to",
            "rlm-report",
            "x.csv",
        ],
        dir.path(),
    );
    assert_exit(&o, 1, "double quotes in names");
    let o = liclog(
        &[
            "convert",
            "-v",
            "--from",
            "csv",
            "--to",
            "rlm-report",
            "-o",
            "r.log",
            "x.csv",
        ],
        dir.path(),
    );
    assert!(
        stderr(&o).contains("double quotes in names"),
        "{}",
        stderr(&o)
    );
    let back = liclog(&["convert", "--to", "csv", "--strict", "r.log"], dir.path());
    assert_eq!(back.status.code(), Some(0), "{}", stderr(&back));
    assert!(String::from_utf8(back.stdout).unwrap().contains("'quoted"));
}

#[test]
fn a_reused_rlm_handle_ends_the_older_session() {
    let log = "RLM Report Log Format 0, version 10.0\n\
ISV: demo, RLM version 10.0 BL2\n\
START lic01 05/11/2024 15:00:00\n\
OUT datavis 1.0 1 al ws1 \"\" 1 1 0 41 41 1a14 \"\" \"\" \"\" 05/11 15:01:00\n\
OUT datavis 1.0 1 bo ws2 \"\" 1 1 0 41 41 1a15 \"\" \"\" \"\" 05/11 15:02:00\n\
IN 1 datavis 1.0 bo ws2 \"\" 1 0 0 41 05/11 15:03:00\n";
    let dir = dir_with(&[("r.log", log.as_bytes())]);
    let o = liclog(&["report", "-o", "rep", "r.log"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let sessions = std::fs::read_to_string(dir.path().join("rep/sessions.csv")).unwrap();
    assert!(sessions.contains("handle_reused"), "{sessions}");
    assert!(!sessions.contains("open_at_end"), "{sessions}");
    // Written from its fields, cur_use ends at 0.
    let jsonl = liclog(&["convert", "r.log"], dir.path());
    std::fs::write(dir.path().join("r.jsonl"), &jsonl.stdout).unwrap();
    let csv = "kind,time,server,daemon,feature,user,host,handle\n\
checkout,2024-05-11T15:01:00,lic01,demo,datavis,al,ws1,41\n\
checkout,2024-05-11T15:02:00,lic01,demo,datavis,bo,ws2,41\n\
checkin,2024-05-11T15:03:00,lic01,demo,datavis,bo,ws2,41\n";
    std::fs::write(dir.path().join("r.csv"), csv).unwrap();
    let o = liclog(
        &["convert", "--from", "csv", "--to", "rlm-report", "r.csv"],
        dir.path(),
    );
    let out = String::from_utf8(o.stdout).unwrap();
    let cur_use: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("OUT ") || l.starts_with("IN "))
        .map(|l| l.split(' ').nth(8).unwrap())
        .collect();
    assert_eq!(cur_use, ["1", "1", "0"], "{out}");
}

#[test]
fn report_reads_one_file_newest_first_in_time_order() {
    let newest_first = "kind,time,server,feature,user,host\n\
checkin,2024-01-04T10:00:00,s1,f,al,ws\n\
checkout,2024-01-04T09:00:00,s1,f,al,ws\n\
checkin,2024-01-04T08:30:00,s1,f,bo,ws2\n\
checkout,2024-01-04T08:00:00,s1,f,bo,ws2\n";
    let dir = dir_with(&[("rev.csv", newest_first.as_bytes())]);
    let o = liclog(&["report", "-o", "rep", "rev.csv"], dir.path());
    assert_exit(&o, 0, "not in time order");
    let summary = std::fs::read_to_string(dir.path().join("rep/summary.csv")).unwrap();
    // Two sessions, 1.5 license-hours, none open.
    assert!(summary.contains("s1,f,2,1.5,1,"), "{summary}");
    let sessions = std::fs::read_to_string(dir.path().join("rep/sessions.csv")).unwrap();
    assert!(!sessions.contains("open_at_end"), "{sessions}");
    // Without -o the summary is printed once, from the sorted reading.
    let o = liclog(&["report", "rev.csv"], dir.path());
    let out = String::from_utf8(o.stdout).unwrap();
    assert_eq!(out.lines().count(), 2, "{out}");
}

#[test]
fn a_clock_set_back_inside_a_log_is_a_warning() {
    let log = " 9:00:00 (lmgrd) FlexNet Licensing (v11.16.2.0 build 1 x64_lsb) started on srv1 (linux) (1/4/2024)\n\
 9:00:05 (vd) OUT: \"feat\" alice@ws1  \n\
 9:30:00 (lmgrd) TIMESTAMP 1/4/2024\n\
 8:00:00 (lmgrd) TIMESTAMP 1/4/2024\n\
 8:00:05 (vd) IN: \"feat\" alice@ws1  \n";
    let other = log.replace("srv1", "srv2");
    let dir = dir_with(&[("x.log", log.as_bytes()), ("y.log", other.as_bytes())]);
    for args in [
        &["convert", "--to", "rlm-report", "x.log"][..],
        &["report", "x.log", "y.log"],
    ] {
        let o = liclog(args, dir.path());
        assert!(
            stderr(&o).contains("time goes back"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn inputs_without_a_server_are_servers_of_their_own_in_report() {
    // Two server-less logs: the session open in the first ends at the
    // first's last line, not at the second's a year later.
    let a = "kind,time,feature,user,host\ncheckout,2024-01-04T09:00:00,f,al,ws\ncheckout,2024-01-04T09:30:00,g,al,ws\n";
    let b = "kind,time,feature,user,host\ncheckout,2025-01-04T09:00:00,g,bo,ws\ncheckin,2025-01-04T10:00:00,g,bo,ws\n";
    let dir = dir_with(&[("a.csv", a.as_bytes()), ("b.csv", b.as_bytes())]);
    let o = liclog(&["report", "-o", "rep", "a.csv", "b.csv"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let summary = std::fs::read_to_string(dir.path().join("rep/summary.csv")).unwrap();
    // f: held 30 minutes (to a.csv's last line); the server column is empty.
    assert!(summary.contains("\n,f,1,0.5,"), "{summary}");
}
