//! The independent detector as a user meets it: `verify FILE`, the
//! default check of `anonymize` and `convert --anonymize`, and `--allow`.

mod common;

use common::{anonymize, assert_exit, dir_with, liclog, stderr};

const LOG: &str = "10:00:00 (lmgrd) FlexNet Licensing (v11.16.2.0 build 1 x64_lsb) started on lic01 (linux) (1/3/2024)\n\
    10:00:01 (MLM) OUT: \"toolkit.acme.io\" alice@ws1\n\
    10:00:02 (MLM) IN: \"toolkit.acme.io\" alice@ws1\n";

#[test]
fn verify_alone_finds_identifier_shapes_in_any_file() {
    let d = dir_with(&[(
        "sent.log",
        b"ok line\nfrom jdoe@ws-build04 at 192.168.77.5\nALICE was here\n",
    )]);
    let o = liclog(&["verify", "sent.log"], d.path());
    assert_exit(&o, 6, "sent.log:2:6: a user@host survives");
    assert_exit(&o, 6, "sent.log:2:25: an IPv4 address survives");
    assert!(!stderr(&o).contains("jdoe"), "the finding is never printed");
    let o = liclog(
        &[
            "verify",
            "--allow",
            r"192\.168\.77\.5",
            "--allow",
            "jdoe@ws-build04",
            "sent.log",
        ],
        d.path(),
    );
    assert_exit(&o, 0, "no identifier-shaped token in sent.log");
    let o = liclog(&["verify", "--allow", "(", "sent.log"], d.path());
    assert_exit(&o, 2, "--allow \"(\"");
}

#[test]
fn verify_with_the_original_finds_names_in_another_case() {
    let d = dir_with(&[
        ("a.log", LOG.as_bytes()),
        ("b.log", b"nothing here but ALICE\n"),
    ]);
    let o = liclog(&["verify", "a.log", "b.log"], d.path());
    assert_exit(&o, 6, "b.log:1:18: a learned name survives");
}

/// A feature named like a host is not replaced (features are kept), so
/// the detector stops the run; `--allow` accepts it.
#[test]
fn anonymize_fails_on_a_surviving_shape_and_allow_accepts_it() {
    let d = dir_with(&[("a.log", LOG.as_bytes()), ("k.key", &[b'a'; 64])]);
    let o = anonymize(&["-o", "out.log", "a.log"], d.path());
    assert_exit(&o, 6, "out.log:2:22: a host name survives");
    assert!(!d.path().join("out.log").exists(), "nothing is written");
    let o = liclog(
        &[
            "convert",
            "--anonymize",
            "--key-file",
            "k.key",
            "-o",
            "out.jsonl",
            "a.log",
        ],
        d.path(),
    );
    assert_exit(&o, 6, "a host name survives");
    assert!(!d.path().join("out.jsonl").exists());
    let allow = r"toolkit\.acme\.io";
    let o = anonymize(&["--allow", allow, "-o", "out.log", "a.log"], d.path());
    assert_exit(&o, 0, "");
    let out = std::fs::read_to_string(d.path().join("out.log")).unwrap();
    assert!(out.contains("toolkit.acme.io") && !out.contains("alice"));
    let o = liclog(
        &[
            "convert",
            "--anonymize",
            "--key-file",
            "k.key",
            "--allow",
            allow,
            "a.log",
        ],
        d.path(),
    );
    assert_exit(&o, 0, "");
    // --also replaces the field instead.
    let o = anonymize(&["--also", "feature", "a.log"], d.path());
    assert_exit(&o, 0, "");
    assert!(!String::from_utf8_lossy(&o.stdout).contains("toolkit"));
}

/// An NFD `José` in free text is the NFC `José` of the user field: the
/// rewrite searches an NFC view of the text and replaces the NFD bytes.
#[test]
fn an_nfd_name_in_free_text_is_replaced() {
    let log = "10:00:00 (lmgrd) FlexNet Licensing (v11.16.2.0 build 1 x64_lsb) started on lic01 (linux) (1/3/2024)\n\
        10:00:01 (MLM) OUT: \"f\" Jos\u{e9}@ws1\n\
        10:00:02 (lmgrd) note: Jose\u{301} left, JOSE\u{301} too\n";
    let d = dir_with(&[("a.log", log.as_bytes()), ("k.key", &[b'a'; 64])]);
    let o = anonymize(&["-o", "out.log", "a.log"], d.path());
    assert_exit(&o, 0, "");
    let out = std::fs::read_to_string(d.path().join("out.log")).unwrap();
    let third = out.lines().nth(2).unwrap();
    assert!(
        !third.contains("Jose") && !third.contains("JOSE"),
        "{third}"
    );
    assert_eq!(third.matches("u-").count(), 2, "{third}");
}

/// `verify` is right both ways (issue 25): an original log fails, by its
/// fields, though its user names have no shape; its anonymized copy and a
/// whole anonymized tree pass, with and without the originals.
#[test]
fn verify_fails_originals_by_field_and_passes_anonymized_trees() {
    let other = LOG.replace("alice", "bob").replace("lic01", "lic02");
    let d = dir_with(&[("k.key", &[b'a'; 64])]);
    std::fs::create_dir(d.path().join("in")).unwrap();
    std::fs::write(d.path().join("in/a.log"), LOG).unwrap();
    std::fs::write(d.path().join("in/b.log"), other).unwrap();
    let o = liclog(&["verify", "in/a.log"], d.path());
    assert_exit(&o, 6, "in/a.log:2: the user field holds no user pseudonym");
    assert!(!stderr(&o).contains("alice"), "the value is never printed");
    let allow = r"toolkit\.acme\.io";
    let o = anonymize(&["--allow", allow, "-o", "out/", "in/"], d.path());
    assert_exit(&o, 0, "");
    let o = liclog(&["verify", "--allow", allow, "out/"], d.path());
    assert_exit(&o, 0, "every identifying field holds a pseudonym");
    assert_exit(&o, 0, "2 files under out/");
    let o = liclog(&["verify", "--allow", allow, "in/", "out/"], d.path());
    assert_exit(&o, 0, "none of the");
    let o = liclog(&["verify", "--allow", allow, "in/"], d.path());
    assert_exit(&o, 6, "in/b.log:2: the user field holds no user pseudonym");
}

/// With the original at hand, an address it never held is a new one: no
/// leak. One it held is.
#[test]
fn verify_with_the_original_accepts_new_addresses_only() {
    let original = "10:00:00 (lmgrd) connection from 192.168.77.5\n";
    let d = dir_with(&[
        ("a.log", original.as_bytes()),
        ("new.log", b"connection from 203.0.113.50\n"),
        ("same.log", b"connection from 192.168.77.5\n"),
        (
            "reserved.log",
            b"connection from 242.1.2.3 and [2001:db8::7]\n",
        ),
    ]);
    let o = liclog(&["verify", "a.log", "new.log"], d.path());
    assert_exit(&o, 0, "no identifier-shaped token survives");
    let o = liclog(&["verify", "a.log", "same.log"], d.path());
    assert_exit(&o, 6, "same.log:1:17: an IPv4 address survives");
    let o = liclog(&["verify", "new.log"], d.path());
    assert_exit(&o, 6, "an IPv4 address survives");
    let o = liclog(&["verify", "reserved.log"], d.path());
    assert_exit(&o, 0, "checked by shape only");
}

/// `-o DIR/` names its files for their inputs: the names in the inputs'
/// paths (a server named in the file name, a home directory walked) are
/// replaced too, in `anonymize` and `convert --anonymize`, and `verify`
/// checks the paths of a tree.
#[test]
fn output_file_names_keep_no_name_of_the_input_path() {
    let d = dir_with(&[("k.key", &[b'a'; 64])]);
    let logs = d.path().join("home/jdoe/logs");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(logs.join("lic01.log"), LOG).unwrap();
    let allow = r"toolkit\.acme\.io";
    let tree = |dir: &str| -> Vec<String> {
        walkdir::WalkDir::new(d.path().join(dir))
            .into_iter()
            .map(|e| e.unwrap().path().to_string_lossy().into_owned())
            .collect()
    };
    let o = anonymize(&["--allow", allow, "-o", "out/", "home/"], d.path());
    assert_exit(&o, 0, "");
    let paths = tree("out");
    assert_eq!(paths.len(), 4, "{paths:?}"); // out, u-…, logs, h-….log
    assert!(
        paths
            .iter()
            .all(|p| !p.contains("jdoe") && !p.contains("lic01")),
        "{paths:?}"
    );
    let o = liclog(&["verify", "--allow", allow, "home/", "out/"], d.path());
    assert_exit(&o, 0, "none of the");
    for args in [
        &["-o", "conv/"][..],
        &["--per-input", "--to", "csv", "-o", "conv/"][..],
    ] {
        let _ = std::fs::remove_dir_all(d.path().join("conv"));
        let mut all = vec![
            "convert",
            "--anonymize",
            "--key-file",
            "k.key",
            "--allow",
            allow,
        ];
        all.extend_from_slice(args);
        all.push("home/");
        let o = liclog(&all, d.path());
        assert_exit(&o, 0, "");
        let paths = tree("conv");
        assert!(paths.len() > 1, "{paths:?}");
        assert!(
            paths
                .iter()
                .all(|p| !p.contains("jdoe") && !p.contains("lic01")),
            "{args:?}: {paths:?}"
        );
    }
    std::fs::create_dir_all(d.path().join("named/lic01")).unwrap();
    std::fs::copy(
        d.path().join("out").join(&tree("out")[3]),
        d.path().join("named/lic01/x.log"),
    )
    .unwrap();
    let o = liclog(&["verify", "--allow", allow, "home/", "named/"], d.path());
    assert_exit(
        &o,
        6,
        "named/lic01/x.log: its path holds a host name of the original",
    );
}
