//! `anonymize` over many inputs: one file per input under a directory,
//! never two inputs on one file, and one output file only for inputs of
//! one shape.

mod common;

use common::{anonymize, assert_exit, dir_with, gzip};

const FLEX: &str = "10:00:00 (lmgrd) FlexNet Licensing (v11.16.2.0 build 1 x64_lsb) started on lic01 (linux) (1/3/2024)\n\
    10:00:01 (MLM) OUT: \"f\" alice@ws1\n";
const RLM: &str = "RLM Report Log Format 0, version 12.3, authenticated\n\
    START lic03 01/03/2024 10:00\n";

#[test]
fn same_names_in_two_directories_are_mirrored_not_overwritten() {
    let other = FLEX.replace("alice", "bob");
    let d = dir_with(&[("k.key", &[b'a'; 64])]);
    for (dir, text) in [("a", FLEX), ("b", other.as_str())] {
        std::fs::create_dir(d.path().join(dir)).unwrap();
        std::fs::write(d.path().join(dir).join("x.log"), text).unwrap();
    }
    std::fs::create_dir(d.path().join("out")).unwrap();
    let o = anonymize(&["-o", "out/", "a/x.log", "b/x.log"], d.path());
    assert_exit(&o, 0, "");
    let a = std::fs::read_to_string(d.path().join("out/a/x.log")).unwrap();
    let b = std::fs::read_to_string(d.path().join("out/b/x.log")).unwrap();
    assert_ne!(a, b);
    assert!(!a.contains("alice") && !b.contains("bob"));
    assert!(!d.path().join("out/x.log").exists());
}

#[test]
fn one_input_given_twice_into_a_directory_is_refused() {
    let d = dir_with(&[("k.key", &[b'a'; 64]), ("x.log", FLEX.as_bytes())]);
    std::fs::create_dir(d.path().join("out")).unwrap();
    let o = anonymize(&["-o", "out/", "x.log", "./x.log"], d.path());
    assert_exit(
        &o,
        2,
        "x.log and ./x.log would both be written to out/x.log",
    );
    assert_eq!(std::fs::read_dir(d.path().join("out")).unwrap().count(), 0);
}

#[test]
fn mixed_formats_into_one_file_are_refused() {
    let d = dir_with(&[
        ("k.key", &[b'a'; 64]),
        ("a.log", FLEX.as_bytes()),
        ("r.log", RLM.as_bytes()),
        ("z.log.gz", &gzip(FLEX.as_bytes())),
    ]);
    let o = anonymize(&["-o", "all.log", "a.log", "r.log"], d.path());
    assert_exit(
        &o,
        2,
        "a.log is flexnet (none, utf-8) but r.log is rlm-report (none, utf-8)",
    );
    let o = anonymize(&["-o", "all.log", "a.log", "z.log.gz"], d.path());
    assert_exit(&o, 2, "but z.log.gz is flexnet (gzip, utf-8)");
    assert!(!d.path().join("all.log").exists());
    // One shape: one file, as before.
    let o = anonymize(&["-o", "all.log", "a.log", "a.log"], d.path());
    assert_exit(&o, 0, "");
    let all = std::fs::read_to_string(d.path().join("all.log")).unwrap();
    assert_eq!(all.lines().count(), 4);
}
