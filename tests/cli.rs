//! The command line as a user meets it: exit codes, messages, atomic
//! output, stdin, broken pipes.

mod common;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{anchorless_usage, dir_with, gzip, liclog, piped, stderr};

const LOG: &str = "\
10:00:00 (lmgrd) FlexNet Licensing (v11.16.2.0 build 242433 x64_lsb) started on lic01 (linux) (1/3/2024)
10:00:01 (MLM) OUT: \"MATLAB\" alice@ws-001  
10:00:02 (MLM) IN: \"MATLAB\" alice@ws-001  
";

#[test]
fn help_lists_exit_codes_and_ends_with_examples() {
    let o = liclog(&["convert", "--help"], Path::new("."));
    let help = String::from_utf8(o.stdout).unwrap();
    assert!(help.contains("Exit codes:") && help.contains("  3  an input could not be read"));
    let last_section = help.rsplit("\n\n").next().unwrap();
    assert!(last_section.starts_with("Examples:"), "{last_section}");
}

#[test]
fn converts_a_file_and_counts_with_verbose() {
    let d = dir_with(&[("a.log", LOG.as_bytes())]);
    let o = liclog(&["convert", "-v", "a.log"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("1  checkout") && err.contains("3 events"),
        "{err}"
    );
    assert_eq!(String::from_utf8(o.stdout).unwrap().lines().count(), 3);
}

#[test]
fn bad_format_name_is_a_usage_error() {
    let o = liclog(&["convert", "--from", "nope", "x"], Path::new("."));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("known formats: flexnet"));
}

#[test]
fn unsupported_and_unrecognised_formats_exit_5() {
    let d = dir_with(&[
        ("a.log", LOG.as_bytes()),
        ("odd.log", b"LOG:00:50:56#Adding_valid_license#32\n"),
    ]);
    let o = liclog(&["convert", "--from", "lum", "a.log"], d.path());
    assert_eq!(o.status.code(), Some(5));
    assert!(
        stderr(&o).contains("format lum is not supported yet as input; describe your LUM report"),
        "{}",
        stderr(&o)
    );
    let o = liclog(&["convert", "odd.log"], d.path());
    assert_eq!(o.status.code(), Some(5));
    assert!(
        stderr(&o).contains("odd.log: cannot recognise the log format"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_missing_input_does_not_lose_the_others() {
    let d = dir_with(&[("a.log", LOG.as_bytes())]);
    let o = liclog(&["convert", "missing.log", "a.log"], d.path());
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("missing.log: No such file"),
        "{}",
        stderr(&o)
    );
    assert_eq!(String::from_utf8(o.stdout).unwrap().lines().count(), 3);
}

#[test]
fn truncated_gzip_keeps_what_was_decoded() {
    let mut big = String::new();
    for i in 0..20_000 {
        big.push_str(&format!(
            "10:00:{:02} (MLM) OUT: \"F{i}\" user{i}@host{i}  \n",
            i % 60
        ));
    }
    let full = gzip(big.as_bytes());
    let cut = &full[..full.len() / 2];
    let d = dir_with(&[("cut.log.gz", cut)]);
    let o = liclog(
        &[
            "convert",
            "--from",
            "flexnet",
            "--date",
            "2024-01-01",
            "-o",
            "out.jsonl",
            "cut.log.gz",
        ],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("cut.log.gz: gzip data ends early (truncated) at compressed byte"),
        "{err}"
    );
    let written = std::fs::read_to_string(d.path().join("out.jsonl")).unwrap();
    let n = written.lines().count();
    assert!(n > 1000 && n < 20_000, "kept {n} events");
}

#[test]
fn a_gzip_cut_in_its_first_kilobytes_keeps_its_lines() {
    let full = gzip(LOG.as_bytes());
    let d = dir_with(&[("tiny.gz", &full[..full.len() - 12])]);
    let o = liclog(&["convert", "tiny.gz"], d.path());
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("tiny.gz: gzip data ends early"),
        "{}",
        stderr(&o)
    );
    assert!(String::from_utf8(o.stdout).unwrap().lines().count() >= 2);
}

#[test]
fn invalid_utf8_names_file_offset_and_line() {
    let mut data = LOG.as_bytes().to_vec();
    data.extend_from_slice(b"10:00:03 (MLM) OUT: \"M\" caf\xe9@ws  \n");
    let d = dir_with(&[("latin1.log", &data)]);
    let o = liclog(&["convert", "latin1.log"], d.path());
    assert_eq!(o.status.code(), Some(3));
    let offset = LOG.len() + "10:00:03 (MLM) OUT: \"M\" caf".len();
    assert!(
        stderr(&o).contains(&format!(
            "latin1.log: invalid UTF-8 byte sequence at byte offset {offset} (line 4)"
        )),
        "{}",
        stderr(&o)
    );
    assert_eq!(String::from_utf8(o.stdout).unwrap().lines().count(), 3);
    let o = liclog(
        &["convert", "--encoding", "windows-1252", "latin1.log"],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(
        String::from_utf8(o.stdout)
            .unwrap()
            .contains("\"user\":\"café\"")
    );
}

#[test]
fn strict_fails_without_leaving_an_output_file() {
    let mut data = LOG.to_string();
    data.push_str("10:0 (MLM) broken\n");
    let d = dir_with(&[("a.log", data.as_bytes())]);
    let o = liclog(
        &[
            "convert", "--strict", "-o", "out.csv", "--to", "csv", "a.log",
        ],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("a.log:4: unrecognised line (--strict)"),
        "{}",
        stderr(&o)
    );
    let left: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        vec![std::ffi::OsString::from("a.log")],
        "no output, no temporary file"
    );
}

#[test]
fn output_file_is_written_whole() {
    let d = dir_with(&[("a.log", LOG.as_bytes())]);
    std::fs::write(d.path().join("out.csv"), "old contents\n").unwrap();
    let o = liclog(
        &["convert", "--to", "csv", "-o", "out.csv", "a.log"],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(0));
    let csv = std::fs::read_to_string(d.path().join("out.csv")).unwrap();
    assert!(csv.starts_with("source,line,format,kind,xslm,time,"));
    assert_eq!(csv.lines().count(), 4);
    assert_eq!(
        std::fs::read_dir(d.path()).unwrap().count(),
        2,
        "no temporary file left"
    );
}

#[cfg(unix)]
#[test]
fn dev_null_stays_a_device() {
    use std::os::unix::fs::FileTypeExt;
    let d = dir_with(&[("a.log", LOG.as_bytes())]);
    let o = liclog(&["convert", "-o", "/dev/null", "a.log"], d.path());
    assert_eq!(o.status.code(), Some(0));
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
}

#[test]
fn excel_csv_has_bom_and_crlf() {
    let d = dir_with(&[("a.log", LOG.as_bytes())]);
    let o = liclog(&["convert", "--to", "csv", "--excel", "a.log"], d.path());
    assert!(o.stdout.starts_with("\u{feff}source,".as_bytes()));
    let text = String::from_utf8(o.stdout).unwrap();
    assert_eq!(text.matches("\r\n").count(), 4);
    assert_eq!(text.matches('\n').count(), 4);
    let o = liclog(&["convert", "--excel", "a.log"], d.path());
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn stdin_and_files_mix() {
    let d = dir_with(&[("a.log", LOG.as_bytes())]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_liclog"))
        .args(["convert", "-", "a.log"])
        .current_dir(d.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&gzip(LOG.as_bytes()))
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8(o.stdout).unwrap();
    assert_eq!(text.matches("\"source\":\"-\"").count(), 3);
    assert_eq!(text.matches("\"source\":\"a.log\"").count(), 3);
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let mut big = String::from(LOG);
    for i in 0..200_000 {
        big.push_str(&format!("10:00:{:02} (MLM) OUT: \"F\" u{i}@h  \n", i % 60));
    }
    let d = dir_with(&[("big.log", big.as_bytes())]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_liclog"))
        .args(["convert", "big.log"])
        .current_dir(d.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 100];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
}

#[test]
fn detect_prints_five_columns() {
    let d = dir_with(&[("a.log.gz", &gzip(LOG.as_bytes())), ("b.txt", b"hello\n")]);
    let o = liclog(&["detect", "a.log.gz", "b.txt"], d.path());
    let text = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(lines[0][..4], ["a.log.gz", "flexnet", "utf-8", "gzip"]);
    assert!(lines[0][4].contains("started on"));
    assert_eq!(lines[1][..4], ["b.txt", "unknown", "utf-8", "none"]);
    assert_eq!(o.status.code(), Some(5));
}

#[test]
fn schema_is_json_schema_with_every_kind() {
    let o = liclog(&["schema"], Path::new("."));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let kinds = v["properties"]["kind"]["enum"].as_array().unwrap();
    assert!(kinds.iter().any(|k| k == "time_jump") && kinds.len() == 23);
}

/// More lines before the first anchor than the look-back holds: a file is
/// dated by a second pass, stdin (which cannot be read twice) gets a warning
/// and undated lines until the anchor.
#[test]
fn long_anchorless_start_is_dated_by_a_second_pass() {
    let mut log = anchorless_usage(60_000);
    log.push_str("11:00:00 (lmgrd) TIMESTAMP 2/18/2017\n");
    let d = dir_with(&[("long.log", log.as_bytes())]);
    let o = liclog(&["convert", "--to", "csv", "long.log"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    let first = text.lines().nth(1).unwrap();
    assert!(
        first.contains(",2017-02-18T10:00:00,10:00:00,timestamp,"),
        "{first}"
    );

    let mut child = Command::new(env!("CARGO_BIN_EXE_liclog"))
        .args(["convert", "--to", "csv", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feed = std::thread::spawn(move || stdin.write_all(log.as_bytes()));
    let o = child.wait_with_output().unwrap();
    feed.join().unwrap().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("-:1: no date anchor within the look-back"),
        "{}",
        stderr(&o)
    );
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.lines().nth(1).unwrap().contains(",,10:00:00,none,"));
    assert!(
        text.lines()
            .last()
            .unwrap()
            .contains(",2017-02-18T11:00:00,11:00:00,record,")
    );
}

fn sentinel_file(epoch: u64, user: &str) -> String {
    format!(
        "# Startup Sentinel RMS License Manager v9.7.0.0012 Mon Dec 30 22:00:00 2024 {epoch} srv 1 2\n\
         2 0 ODA= Mon Dec 30 22:00:01 2024 {} f v 0 1 0 {user} h 9.7 1 - - - - - - 0 - - - MA== 1 MQ==\n",
        epoch + 1
    )
}

/// A Sentinel rotation series is read by startup time, not by name or by
/// the order given; `detect` shows each file's place in it.
#[test]
fn a_sentinel_series_is_read_in_startup_order() {
    let d = dir_with(&[
        (
            "lserv.log",
            sentinel_file(1_735_603_200, "newest").as_bytes(),
        ),
        (
            "lserv.log.00",
            sentinel_file(1_735_596_000, "wrapped").as_bytes(),
        ),
        (
            "lserv.log.9999.gz",
            &gzip(sentinel_file(1_735_592_400, "oldest").as_bytes()),
        ),
        (
            "lserv.log.01",
            b"# Sentinel RMS usage log, copied by hand\n",
        ),
        ("other.log", LOG.as_bytes()),
    ]);
    let o = liclog(
        &[
            "convert",
            "--to",
            "csv",
            "lserv.log",
            "other.log",
            "lserv.log.00",
            "lserv.log.9999.gz",
            "lserv.log.01",
        ],
        d.path(),
    );
    let csv = String::from_utf8(o.stdout.clone()).unwrap();
    let mut sources: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    sources.dedup();
    // The series takes the place of its first file given; an undatable file
    // goes last in it.
    assert_eq!(
        sources,
        [
            "lserv.log.9999.gz",
            "lserv.log.00",
            "lserv.log",
            "lserv.log.01",
            "other.log"
        ],
        "{csv}"
    );
    assert!(
        stderr(&o).contains("lserv.log.01: no startup line or dated record"),
        "{}",
        stderr(&o)
    );

    let o = liclog(
        &["detect", "lserv.log", "lserv.log.00", "lserv.log.9999.gz"],
        d.path(),
    );
    let text = String::from_utf8(o.stdout).unwrap();
    let places: Vec<&str> = text
        .lines()
        .map(|l| l.rsplit("; ").next().unwrap())
        .collect();
    assert_eq!(
        places,
        [
            "rotation series lserv.log: file 3 of 3 by startup time",
            "rotation series lserv.log: file 2 of 3 by startup time",
            "rotation series lserv.log: file 1 of 3 by startup time",
        ]
    );
}

/// Shift_JIS user names come out whole with --encoding, and without it the
/// error names the file and offset.
#[test]
fn sentinel_shift_jis_needs_its_encoding() {
    let text = sentinel_file(1_735_592_400, "山田太郎");
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
    let d = dir_with(&[("lserv.log", &bytes)]);
    let o = liclog(
        &["convert", "--encoding", "shift_jis", "lserv.log"],
        d.path(),
    );
    assert!(
        String::from_utf8(o.stdout)
            .unwrap()
            .contains("\"user\":\"山田太郎\"")
    );
    let o = liclog(&["convert", "lserv.log"], d.path());
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("lserv.log: invalid UTF-8 byte sequence at byte offset"),
        "{}",
        stderr(&o)
    );
}

fn private_key(dir: &Path) -> std::path::PathBuf {
    let key = dir.join("k.key");
    let o = liclog(&["keygen", "-o", key.to_str().unwrap()], dir);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    key
}

#[test]
fn keygen_writes_a_private_key_and_never_prints_it() {
    let d = dir_with(&[]);
    let key = private_key(d.path());
    let text = std::fs::read_to_string(&key).unwrap();
    assert_eq!(text.trim().len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let o = liclog(&["keygen", "-o", "k.key"], d.path());
    assert_ne!(
        o.status.code(),
        Some(0),
        "an existing key is never overwritten"
    );
    let o = liclog(&["keygen", "-o", "-"], d.path());
    assert_eq!(o.status.code(), Some(2));
    let o = liclog(
        &["anonymize", "--key-file", "k.key", "-o", "out.log", "a.log"],
        d.path(),
    );
    assert!(!stderr(&o).contains(text.trim()));
}

#[test]
fn the_key_is_never_a_command_line_value() {
    let d = dir_with(&[("a.log", LOG.as_bytes())]);
    let o = liclog(&["anonymize", "--key", "00112233", "a.log"], d.path());
    assert_eq!(o.status.code(), Some(2));
    let o = Command::new(env!("CARGO_BIN_EXE_liclog"))
        .args(["anonymize", "a.log"])
        .env_remove("LICLOG_KEY_FILE")
        .current_dir(d.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("LICLOG_KEY_FILE"), "{}", stderr(&o));
}

#[test]
fn bad_key_files_are_clear_errors_and_loose_ones_warn() {
    let d = dir_with(&[("a.log", LOG.as_bytes()), ("short.key", b"abcd\n")]);
    let o = liclog(&["anonymize", "--key-file", "short.key", "a.log"], d.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("key file short.key: expected 64 hexadecimal digits"),
        "{}",
        stderr(&o)
    );
    let o = liclog(
        &["anonymize", "--key-file", "missing.key", "a.log"],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing.key"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = private_key(d.path());
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_liclog"))
            .args(["anonymize", "a.log"])
            .env("LICLOG_KEY_FILE", &key)
            .current_dir(d.path())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0));
        assert!(
            stderr(&o).contains("can be read by group or others"),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn anonymize_is_consistent_and_a_failed_run_leaves_no_file() {
    let d = dir_with(&[("a.log", LOG.as_bytes()), ("b.log", LOG.as_bytes())]);
    let key = private_key(d.path());
    let key = key.to_str().unwrap();
    let o = liclog(
        &[
            "anonymize",
            "--key-file",
            key,
            "-o",
            "a.anon",
            "a.log",
            "--mapping",
            "map.csv",
        ],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = std::fs::read_to_string(d.path().join("a.anon")).unwrap();
    assert!(!out.contains("alice") && !out.contains("ws-001") && !out.contains("lic01"));
    assert_eq!(out.lines().count(), LOG.lines().count());
    let map = std::fs::read_to_string(d.path().join("map.csv")).unwrap();
    assert!(map.starts_with("class,original,pseudonym\n") && map.contains("user,alice,u-"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.path().join("map.csv"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The same key gives the same pseudonyms in another file and run.
    let o = liclog(&["anonymize", "--key-file", key, "b.log"], d.path());
    assert_eq!(String::from_utf8(o.stdout).unwrap(), out);
    // A missing input fails the whole run: no output file.
    let o = liclog(
        &[
            "anonymize",
            "--key-file",
            key,
            "-o",
            "c.anon",
            "a.log",
            "missing.log",
        ],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(!d.path().join("c.anon").exists());
    // Inputs are never overwritten.
    let o = liclog(
        &["anonymize", "--key-file", key, "-o", "a.log", "a.log"],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(d.path().join("a.log")).unwrap(),
        LOG
    );
}

/// The leak check stops a run whose output would still hold a name: here
/// a feature named like a user, which is structure, not an identifier.
#[test]
fn the_leak_check_fails_a_run_that_would_leak() {
    let log = "10:00:00 (lmgrd) FlexNet Licensing (v11) started on lic01 (linux) (1/3/2024)\n\
               10:00:01 (MLM) OUT: \"alice\" alice@ws-001  \n";
    let d = dir_with(&[("a.log", log.as_bytes())]);
    let key = private_key(d.path());
    let key = key.to_str().unwrap();
    let o = liclog(
        &["anonymize", "--key-file", key, "-o", "out.log", "a.log"],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("out.log:2:22: an original user name survives"),
        "{}",
        stderr(&o)
    );
    assert!(
        !stderr(&o).contains("alice"),
        "the name itself is not shown"
    );
    assert!(!d.path().join("out.log").exists());
    let o = liclog(
        &[
            "anonymize",
            "--key-file",
            key,
            "--also",
            "feature",
            "-o",
            "out.log",
            "a.log",
        ],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = liclog(&["verify", "a.log", "out.log"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = liclog(&["verify", "a.log", "a.log"], d.path());
    assert_eq!(o.status.code(), Some(6));
}

/// A log that names a user in free text before the user's first record:
/// the one pass cannot know the name yet, so the leak check sends the run
/// round again with every name known.
const LATE: &str = "10:00:00 (lmgrd) FlexNet Licensing (v11) started on lic01 (linux) (1/3/2024)\n\
                    10:00:01 (lmgrd) License file(s): /home/jdoe/license.dat\n\
                    10:00:02 (MLM) OUT: \"f1\" jdoe@ws-01.corp.example  \n\
                    10:00:03 (MLM) IN: \"f1\" jdoe@ws-01.corp.example  \n";

fn with_stdin(args: &[&str], dir: &Path, input: &[u8]) -> Output {
    let mut child = piped(args, dir).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn convert_anonymize_replaces_every_name_even_one_met_late() {
    let d = dir_with(&[("late.log", LATE.as_bytes())]);
    let key = private_key(d.path());
    let key = key.to_str().unwrap();
    for args in [
        vec![
            "convert",
            "--anonymize",
            "--key-file",
            key,
            "--raw",
            "late.log",
        ],
        vec![
            "convert",
            "--anonymize",
            "--key-file",
            key,
            "--to",
            "csv",
            "-",
        ],
    ] {
        let o = with_stdin(&args, d.path(), LATE.as_bytes());
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let out = String::from_utf8(o.stdout).unwrap();
        assert_eq!(out.lines().filter(|l| l.contains("u-")).count(), 3, "{out}");
        for name in ["jdoe", "lic01", "ws-01", "corp.example"] {
            assert!(!out.contains(name), "{name} survives in {out}");
        }
    }
    // The same pseudonyms as `anonymize` gives, which also reads stdin.
    let o = with_stdin(
        &["anonymize", "--key-file", key, "-"],
        d.path(),
        LATE.as_bytes(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let log = String::from_utf8(o.stdout).unwrap();
    let user = &log[log.find("/home/").unwrap() + 6..][..18];
    assert!(user.starts_with("u-"), "{log}");
    let o = liclog(
        &["convert", "--anonymize", "--key-file", key, "late.log"],
        d.path(),
    );
    assert!(
        String::from_utf8(o.stdout)
            .unwrap()
            .contains(&format!("\"user\":\"{user}\""))
    );
    // Without the check there is no second pass, but a home directory is
    // replaced by its shape in the one pass.
    let o = liclog(
        &[
            "convert",
            "--anonymize",
            "--no-verify",
            "--key-file",
            key,
            "late.log",
        ],
        d.path(),
    );
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(
        !out.contains("jdoe") && out.contains(&format!("/home/{user}/")),
        "{out}"
    );
}

#[test]
fn convert_anonymize_options_need_anonymize_and_a_key() {
    let d = dir_with(&[("late.log", LATE.as_bytes())]);
    let o = liclog(&["convert", "--keep", "host", "late.log"], d.path());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = liclog(&["convert", "--anonymize", "late.log"], d.path());
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("key"), "{}", stderr(&o));
    assert!(!d.path().join("out.jsonl").exists());
}

/// User-defined formats: a definition is checked whole when it is loaded,
/// and a bad one is a usage error naming the file and the rule; a good one
/// works with --from, in detection, from a directory and from LICLOG_DEFS.
#[test]
fn user_defined_formats_load_checked() {
    let def = "name = \"demo\"\n[detect]\npattern = '^DEMO '\n[[rule]]\nname = \"out\"\n\
               pattern = '^DEMO (?P<time>\\S+ \\S+) OUT (?P<user>\\w+)@(?P<host>\\w+) (?P<feature>\\w+)$'\n\
               kind = \"checkout\"\n";
    let d = dir_with(&[
        ("demo.toml", def.as_bytes()),
        ("bad.toml", def.replace("(?P<host>", "(?P<hots>").as_bytes()),
        ("a.log", b"DEMO 2024-01-02 10:00:00 OUT alice@ws1 solver\n"),
    ]);
    std::fs::create_dir(d.path().join("defs")).unwrap();
    std::fs::write(d.path().join("defs/demo.toml"), def).unwrap();
    let o = liclog(&["convert", "--def", "bad.toml", "a.log"], d.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o)
            .contains("format definition bad.toml: rule \"out\": unknown group name \"hots\""),
        "{}",
        stderr(&o)
    );
    for args in [
        vec!["convert", "--def", "demo.toml", "a.log"],
        vec!["convert", "--def", "defs", "--from", "demo", "a.log"],
    ] {
        let o = liclog(&args, d.path());
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let line = String::from_utf8(o.stdout).unwrap();
        assert!(
            line.contains("\"format\":\"demo\"") && line.contains("\"user\":\"alice\""),
            "{line}"
        );
        assert!(line.contains("\"time\":\"2024-01-02T10:00:00\""), "{line}");
    }
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_liclog"))
        .args(["detect", "a.log"])
        .env("LICLOG_DEFS", "defs")
        .current_dir(d.path())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("a.log\tdemo\t"),
        "{}",
        stderr(&o)
    );
    let o = liclog(&["convert", "--from", "demo", "a.log"], d.path());
    assert_eq!(o.status.code(), Some(2), "an unregistered name is unknown");
}
