//! Batches: directory trees and patterns, read in time order per server,
//! each line once (duplicates, daily snapshots, overlapping rotations),
//! the same bytes on one thread or several, per-input outputs, the
//! manifest and `--skip-known`.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{gzip, liclog, stderr};
use serde_json::Value;

/// A FlexNet log of `server` started on January `day`, with `n` checkouts
/// by users named `{tag}{i}` (each line unique).
fn flexnet(server: &str, day: u32, tag: &str, n: usize) -> String {
    let mut log = format!(
        "10:00:00 (lmgrd) FlexNet Licensing (v11.16.2.0 build 1 x64_lsb) started on {server} \
         (linux) (1/{day}/2024)\n"
    );
    for i in 0..n {
        log.push_str(&format!(
            "10:{:02}:{:02} (MLM) OUT: \"MATLAB\" {tag}{i}@ws{}  \n",
            i / 60 % 60,
            i % 60,
            i % 3
        ));
    }
    log
}

fn write(root: &Path, name: &str, data: &[u8]) {
    let path = root.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, data).unwrap();
}

/// The tree of the issue: nested directories, gz and plain copies of one
/// file, daily snapshots of a growing log, rotated files named out of time
/// order, a file that is not a log, and a truncated gzip.
fn tree() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("logs");
    let oldest = flexnet("lic1", 3, "a", 50);
    let middle = flexnet("lic1", 4, "b", 40);
    write(
        &root,
        "srv1/lmgrd.log.1",
        flexnet("lic1", 5, "c", 30).as_bytes(),
    );
    write(&root, "srv1/lmgrd.log.2", middle.as_bytes());
    write(&root, "srv1/lmgrd.log.2.gz", &gzip(middle.as_bytes()));
    write(&root, "srv1/old/lmgrd.log.3", oldest.as_bytes());
    let growing = flexnet("lic2", 6, "d", 90);
    let lines: Vec<&str> = growing.split_inclusive('\n').collect();
    for (day, n) in [(1, 31), (2, 61), (3, 91)] {
        let name = format!("srv2/lmgrd.2024-01-0{day}.log");
        write(&root, &name, lines[..n].concat().as_bytes());
    }
    write(&root, "notes.txt", b"hello, not a log\n");
    write(&root, ".hidden/lmgrd.log", oldest.as_bytes());
    let broken = gzip(flexnet("lic3", 7, "e", 200).as_bytes());
    write(&root, "srv3/broken.log.gz", &broken[..broken.len() - 30]);
    d
}

fn csv_users(csv: &[u8]) -> Vec<String> {
    let text = String::from_utf8(csv.to_vec()).unwrap();
    text.lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(12).filter(|u| !u.is_empty()))
        .map(String::from)
        .collect()
}

fn manifest(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn by_path(records: &[Value]) -> BTreeMap<String, Value> {
    records
        .iter()
        .map(|r| (r["path"].as_str().unwrap().to_string(), r.clone()))
        .collect()
}

#[test]
fn a_tree_is_read_in_time_order_and_each_line_once() {
    let d = tree();
    let o = liclog(
        &[
            "convert",
            "-v",
            "--to",
            "csv",
            "--manifest",
            "m.jsonl",
            "logs",
        ],
        d.path(),
    );
    let err = stderr(&o);
    // The truncated gzip fails alone: exit 3, after its lines before.
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("logs/notes.txt: skipped: not a log"), "{err}");
    assert!(
        err.contains("same content as logs/srv1/lmgrd.log.2"),
        "{err}"
    );
    assert!(
        err.contains(
            "reading flexnet server lic1: 3 files, by first dated event: \
             logs/srv1/old/lmgrd.log.3, logs/srv1/lmgrd.log.2, logs/srv1/lmgrd.log.1"
        ),
        "{err}"
    );
    let users = csv_users(&o.stdout);
    let mut unique = users.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(users.len(), unique.len(), "a line came out twice");
    // 50 + 40 + 30 rotated, 90 of the growing log, and the broken file's
    // lines before the cut.
    let broken = users.iter().filter(|u| u.starts_with('e')).count();
    assert!(broken > 0 && broken < 200, "{broken}");
    assert_eq!(users.len() - broken, 50 + 40 + 30 + 90);
    // Oldest first, whatever the names.
    let first_of = |tag: char| users.iter().position(|u| u.starts_with(tag)).unwrap();
    assert!(first_of('a') < first_of('b') && first_of('b') < first_of('c'));
    assert!(!users.iter().any(|u| u.starts_with('z')));

    let records = manifest(&d.path().join("m.jsonl"));
    assert_eq!(
        records.len(),
        9,
        "one line per file found, hidden ones left out"
    );
    let m = by_path(&records);
    let status = |p: &str| m[p]["status"].as_str().unwrap().to_string();
    assert_eq!(status("logs/srv1/lmgrd.log.2.gz"), "duplicate");
    assert_eq!(status("logs/srv1/lmgrd.log.2"), "ok");
    assert_eq!(status("logs/notes.txt"), "skipped");
    assert_eq!(status("logs/srv3/broken.log.gz"), "failed");
    assert_eq!(status("logs/srv2/lmgrd.2024-01-01.log"), "ok");
    for (day, skipped) in [(2, 31), (3, 61)] {
        let r = &m[&format!("logs/srv2/lmgrd.2024-01-0{day}.log")];
        assert_eq!(r["status"], "overlap-trimmed");
        assert_eq!(r["skipped_lines"], skipped);
        assert_eq!(r["events"]["checkout"], 30);
    }
    assert!(
        m["logs/srv3/broken.log.gz"]["error"]
            .as_str()
            .unwrap()
            .contains("truncated")
    );
}

/// The manifest's fields and their types, as the README documents them.
#[test]
fn manifest_lines_follow_the_documented_schema() {
    let d = tree();
    liclog(
        &[
            "convert",
            "--manifest",
            "m.jsonl",
            "-o",
            "out.jsonl",
            "logs",
        ],
        d.path(),
    );
    let records = manifest(&d.path().join("m.jsonl"));
    let m = by_path(&records);
    let ok = &m["logs/srv1/lmgrd.log.2"];
    let keys: Vec<&str> = ok.as_object().unwrap().keys().map(String::as_str).collect();
    let mut expected = [
        "path",
        "size",
        "hash",
        "content_length",
        "format",
        "compression",
        "encoding",
        "lines",
        "events",
        "first",
        "last",
        "warnings",
        "status",
        "error",
        "same_as",
        "skipped_lines",
        "output",
    ];
    expected.sort();
    let mut keys = keys;
    keys.sort();
    assert_eq!(keys, expected);
    assert_eq!(ok["hash"].as_str().unwrap().len(), 64);
    assert_eq!(ok["size"], 1649);
    assert_eq!(ok["content_length"], 1649);
    assert_eq!(
        (ok["format"].as_str(), ok["compression"].as_str()),
        (Some("flexnet"), Some("none"))
    );
    assert_eq!(ok["encoding"], "utf-8");
    assert_eq!(ok["lines"], 41);
    assert_eq!(ok["events"]["checkout"], 40);
    assert_eq!(ok["first"], "2024-01-04T10:00:00");
    assert_eq!(ok["last"], "2024-01-04T10:00:39");
    assert_eq!(ok["output"], "out.jsonl");
    let gz = &m["logs/srv1/lmgrd.log.2.gz"];
    // The same content hash: decompressed bytes.
    assert_eq!(gz["hash"], ok["hash"]);
    assert_eq!(gz["compression"], "gzip");
    assert_eq!(gz["output"], Value::Null);
}

#[test]
fn parallel_output_is_the_sequential_output_byte_for_byte() {
    let d = tree();
    for to in ["csv", "jsonl"] {
        let one = liclog(&["convert", "--threads", "1", "--to", to, "logs"], d.path());
        let two = liclog(&["convert", "--threads", "2", "--to", to, "logs"], d.path());
        let four = liclog(&["convert", "--threads", "4", "--to", to, "logs"], d.path());
        assert!(!one.stdout.is_empty());
        assert!(
            one.stdout == two.stdout && two.stdout == four.stdout,
            "{to}"
        );
        assert_eq!(stderr(&one), stderr(&two));
    }
    for threads in ["1", "2"] {
        let out = format!("out{threads}/");
        liclog(
            &["convert", "--threads", threads, "-o", &out, "logs"],
            d.path(),
        );
    }
    let files = |dir: &str| -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<(String, Vec<u8>)> = walk(&d.path().join(dir))
            .into_iter()
            .map(|p| {
                let rel = p
                    .strip_prefix(d.path().join(dir))
                    .unwrap()
                    .display()
                    .to_string();
                (rel, std::fs::read(&p).unwrap())
            })
            .collect();
        v.sort();
        v
    };
    let one = files("out1");
    assert_eq!(one, files("out2"));
    let names: Vec<&str> = one.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "srv1/lmgrd.log.1.jsonl",
            "srv1/lmgrd.log.2.jsonl",
            "srv1/old/lmgrd.log.3.jsonl",
            "srv2/lmgrd.2024-01-01.jsonl",
            "srv2/lmgrd.2024-01-02.jsonl",
            "srv2/lmgrd.2024-01-03.jsonl",
            "srv3/broken.jsonl",
        ]
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn skip_known_reads_only_what_is_new() {
    let d = tree();
    let first = liclog(
        &["convert", "--to", "csv", "--manifest", "m1.jsonl", "logs"],
        d.path(),
    );
    assert_eq!(first.status.code(), Some(3));
    // Overnight: the live log grows, and a new rotated file appears.
    let live = d.path().join("logs/srv2/lmgrd.2024-01-03.log");
    let mut grown = std::fs::read_to_string(&live).unwrap();
    grown.push_str("11:00:00 (MLM) IN: \"MATLAB\" new1@ws1  \n");
    std::fs::write(&live, grown).unwrap();
    write(
        &d.path().join("logs"),
        "srv1/lmgrd.log.0",
        flexnet("lic1", 8, "f", 5).as_bytes(),
    );
    let second = liclog(
        &[
            "convert",
            "--to",
            "csv",
            "--skip-known",
            "m1.jsonl",
            "--manifest",
            "m2.jsonl",
            "logs",
        ],
        d.path(),
    );
    let err = stderr(&second);
    let users = csv_users(&second.stdout);
    let fresh: Vec<&String> = users.iter().filter(|u| !u.starts_with('e')).collect();
    assert_eq!(fresh.len(), 6, "{users:?}\n{err}");
    assert!(fresh.iter().any(|u| *u == "new1"));
    let m = by_path(&manifest(&d.path().join("m2.jsonl")));
    assert_eq!(m["logs/srv1/lmgrd.log.1"]["status"], "skipped");
    assert_eq!(
        m["logs/srv1/lmgrd.log.1"]["error"],
        "in the earlier manifest"
    );
    assert_eq!(m["logs/srv1/lmgrd.log.0"]["status"], "ok");
    let live = &m["logs/srv2/lmgrd.2024-01-03.log"];
    assert_eq!(live["status"], "overlap-trimmed");
    assert_eq!(live["skipped_lines"], 91);
    // A third run on the second manifest: nothing new but the broken file,
    // whose lines before the cut were written already.
    let third = liclog(
        &["convert", "--to", "csv", "--skip-known", "m2.jsonl", "logs"],
        d.path(),
    );
    assert_eq!(
        csv_users(&third.stdout),
        Vec::<String>::new(),
        "{}",
        stderr(&third)
    );
    assert_eq!(third.status.code(), Some(0), "{}", stderr(&third));
}

#[test]
fn no_dedup_keeps_every_line() {
    let d = tree();
    let o = liclog(&["convert", "--to", "csv", "--no-dedup", "logs"], d.path());
    let users = csv_users(&o.stdout);
    let whole: usize = users.iter().filter(|u| !u.starts_with('e')).count();
    assert_eq!(whole, 50 + 40 + 40 + 30 + 30 + 60 + 90);
}

#[test]
fn rotated_files_that_overlap_give_their_shared_lines_once() {
    let all = flexnet("lic1", 3, "u", 20);
    let lines: Vec<&str> = all.split_inclusive('\n').collect();
    // The copy-and-truncate race: the next file repeats two lines.
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "lmgrd.log.1", lines[..15].concat().as_bytes());
    write(d.path(), "lmgrd.log", lines[13..].concat().as_bytes());
    let o = liclog(
        &["convert", "--to", "csv", "lmgrd.log", "lmgrd.log.1"],
        d.path(),
    );
    let users = csv_users(&o.stdout);
    let expected: Vec<String> = (0..20).map(|i| format!("u{i}")).collect();
    assert_eq!(users, expected, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("its first 2 lines are in lmgrd.log.1"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn quoted_patterns_and_excludes_choose_the_files() {
    let d = tree();
    let o = liclog(&["detect", "logs/srv1/**/*.log.[0-9]"], d.path());
    let text = String::from_utf8(o.stdout).unwrap();
    let names: Vec<&str> = text
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "logs/srv1/lmgrd.log.1",
            "logs/srv1/lmgrd.log.2",
            "logs/srv1/old/lmgrd.log.3"
        ]
    );
    let o = liclog(
        &["detect", "--exclude", "old", "--exclude", "*.gz", "logs"],
        d.path(),
    );
    let text = String::from_utf8(o.stdout).unwrap();
    assert_eq!(text.lines().count(), 6, "{text}");
    assert_eq!(
        o.status.code(),
        Some(0),
        "a walked file that is not a log is no failure"
    );
    let o = liclog(&["convert", "logs/nothing-*.log"], d.path());
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("logs/nothing-*.log: no file found"));
}

#[test]
fn anonymize_mirrors_a_tree_into_a_directory() {
    let d = tree();
    liclog(&["keygen", "-o", "k.key"], d.path());
    let o = liclog(
        &[
            "anonymize",
            "--key-file",
            "k.key",
            "-o",
            "anon/",
            "logs/srv1",
            "logs/srv2",
        ],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut names: Vec<String> = walk(&d.path().join("anon"))
        .iter()
        .map(|p| {
            p.strip_prefix(d.path().join("anon"))
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    names.sort();
    assert!(names.contains(&"lmgrd.log.2.gz".to_string()), "{names:?}");
    assert!(names.contains(&"old/lmgrd.log.3".to_string()), "{names:?}");
    assert!(
        names.contains(&"lmgrd.2024-01-01.log".to_string()),
        "{names:?}"
    );
    let text = std::fs::read_to_string(d.path().join("anon/old/lmgrd.log.3")).unwrap();
    assert!(!text.contains(" a1@"), "{text}");
}

/// A file that cannot be opened fails alone (exit 3) and the manifest
/// says so; the other files are converted.
#[cfg(unix)]
#[test]
fn an_unreadable_file_fails_alone() {
    use std::os::unix::fs::PermissionsExt;
    let d = tree();
    let locked = d.path().join("logs/srv1/locked.log");
    std::fs::write(&locked, flexnet("lic1", 9, "z", 3)).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&locked).is_ok() {
        // Root reads whatever the permissions: a link to nowhere instead.
        std::fs::remove_file(&locked).unwrap();
        std::os::unix::fs::symlink("gone.log", &locked).unwrap();
    }
    let o = liclog(
        &[
            "convert",
            "--to",
            "csv",
            "--manifest",
            "m.jsonl",
            "logs/srv1",
        ],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("locked.log"), "{}", stderr(&o));
    assert_eq!(csv_users(&o.stdout).len(), 50 + 40 + 30);
    let m = by_path(&manifest(&d.path().join("m.jsonl")));
    assert_eq!(m["logs/srv1/locked.log"]["status"], "failed");
}

#[test]
fn inputs_of_one_name_keep_their_directories_below_dir() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a/x.log", flexnet("lic1", 3, "a", 2).as_bytes());
    write(
        d.path(),
        "b/x.log.gz",
        &gzip(flexnet("lic2", 3, "b", 2).as_bytes()),
    );
    let o = liclog(
        &[
            "convert",
            "--to",
            "csv",
            "-o",
            "out/",
            "a/x.log",
            "b/x.log.gz",
        ],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(d.path().join("out/a/x.csv").is_file());
    assert!(d.path().join("out/b/x.csv").is_file());
}
