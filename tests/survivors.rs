//! An independent check of anonymized output on every real sample: the
//! identifier-shaped tokens of each original, found by this file's own
//! patterns (addresses, MACs, host IDs, `user@host`, domain names, home
//! directories) and by the user and host columns of liclog's plain reading,
//! must appear in none of its anonymized forms: the same format, CSV,
//! JSONL and JSONL with `--raw`. Nothing here uses liclog's detector or
//! what its anonymizer learned, so a blind spot shared by the two cannot
//! hide a survivor.
//!
//! Ignored without `LICLOG_SAMPLES` at build time (`build.rs`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use regex::Regex;

/// Words that are identifiers in one place of a sample and plain English
/// or a column name elsewhere: LM-X's `user@server` (a user named `user`
/// on a host named `server`: the pair is replaced, the words in prose
/// and in a CSV header are not), RLM's licensed host `ANY`, Windows'
/// `SYSTEM` account in a FlexNet SLOG tuple (and `Server's System Date`).
const PROSE: [&str; 4] = ["user", "server", "any", "system"];

/// Vendors' contact addresses in banners, kept on purpose
/// (docs/anonymization.md): they name the vendor, not the site.
const VENDOR_CONTACTS: [&str; 4] = [
    "www.acresso.com",
    "www.flexerasoftware.com",
    "reprisesoftware.com",
    "info",
];

const TLDS: &str = "com|org|net|edu|gov|mil|local|corp|lan|intra|internal|de|es|fr|uk|it|nl|be|ch|at|se|no|fi|dk|pl|cz|py|br|jp|cn|au|ca|us|ru|io|example";

/// The tokens of `text` shaped like an identifier.
fn shaped(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let ipv4 = Regex::new(r"(?:^|[^\d.])(\d{1,3}(?:\.\d{1,3}){3})(?:$|[^\d.])").unwrap();
    for c in ipv4.captures_iter(text) {
        let a = &c[1];
        let octets_fit = a
            .split('.')
            .all(|o| o.parse::<u16>().is_ok_and(|o| o < 256));
        if octets_fit && !a.starts_with("127.") && a != "0.0.0.0" && a != "255.255.255.255" {
            found.insert(a.to_string());
        }
    }
    let mac = Regex::new(r"\b([0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5})\b").unwrap();
    found.extend(mac.captures_iter(text).map(|c| c[1].to_string()));
    let hostid = Regex::new(r"\b([0-9a-fA-F]{12})\b").unwrap();
    for c in hostid.captures_iter(text) {
        let h = &c[1];
        if h.bytes().any(|b| b.is_ascii_digit()) && h.bytes().any(|b| b.is_ascii_alphabetic()) {
            found.insert(h.to_string());
        }
    }
    let at = Regex::new(r"([A-Za-z0-9._%+-]+)@([A-Za-z0-9.-]+)").unwrap();
    for c in at.captures_iter(text) {
        if !c[1].bytes().all(|b| b.is_ascii_digit()) {
            found.insert(c[1].to_string());
        }
        found.insert(c[2].trim_end_matches('.').to_string());
    }
    let domain = Regex::new(&format!(r"(?i)\b((?:[a-z0-9-]+\.)+(?:{TLDS}))\b")).unwrap();
    found.extend(domain.captures_iter(text).map(|c| c[1].to_string()));
    let home =
        Regex::new(r"(?i)(?:/home\d?/|/homes/|/users/|/u/|[a-z]:\\users\\|~)([a-z][a-z0-9._-]*)")
            .unwrap();
    found.extend(home.captures_iter(text).map(|c| c[1].to_string()));
    found
}

/// The user, host and client columns of liclog's plain reading.
fn read_names(original: &Path, def: &[&str]) -> BTreeSet<String> {
    let o = Command::new(env!("CARGO_BIN_EXE_liclog"))
        .args(def)
        .args(["convert", "--to", "jsonl"])
        .arg(original)
        .output()
        .unwrap();
    let mut found = BTreeSet::new();
    for line in String::from_utf8_lossy(&o.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let extra = &v["extra"];
        for name in [
            &v["user"],
            &v["host"],
            &extra["display"],
            &extra["client_user"],
        ] {
            if let Some(s) = name.as_str() {
                found.insert(s.to_string());
            }
        }
    }
    found
}

/// Where `token` stands in `text` (both lower case) as a whole word: not
/// inside a longer run of letters and digits.
fn whole_word(text: &str, token: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text[from..].find(token) {
        let at = from + i;
        let end = at + token.len();
        let alnum = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
        if !alnum(at.checked_sub(1).and_then(|p| bytes.get(p))) && !alnum(bytes.get(end)) {
            return Some(at);
        }
        from = at + 1;
        while !text.is_char_boundary(from) {
            from += 1;
        }
    }
    None
}

fn anonymized_forms(original: &Path, key: &Path, def: &[&str], dir: &Path) -> Vec<PathBuf> {
    let forms: [(&str, &[&str]); 4] = [
        ("same", &["anonymize"]),
        ("csv", &["convert", "--anonymize", "--to", "csv"]),
        ("jsonl", &["convert", "--anonymize", "--to", "jsonl"]),
        ("raw", &["convert", "--anonymize", "--to", "jsonl", "--raw"]),
    ];
    let mut outs = Vec::new();
    for (name, args) in forms {
        let out = dir.join(name);
        let o = Command::new(env!("CARGO_BIN_EXE_liclog"))
            .args(def)
            .args(args)
            .arg("--key-file")
            .arg(key)
            .arg("-o")
            .arg(&out)
            .arg(original)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{name} {}: {}",
            original.display(),
            String::from_utf8_lossy(&o.stderr)
        );
        outs.push(out);
    }
    outs
}

#[test]
#[cfg_attr(
    not(liclog_samples),
    ignore = "set LICLOG_SAMPLES to the real-sample directory (../shared/samples)"
)]
fn no_identifier_shaped_token_of_a_sample_survives_in_any_output_form() {
    let root = PathBuf::from(std::env::var_os("LICLOG_SAMPLES").expect("LICLOG_SAMPLES"));
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.key");
    let keygen = Command::new(env!("CARGO_BIN_EXE_liclog"))
        .args(["keygen", "-o"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(keygen.success());
    let stardrop = Path::new(env!("CARGO_MANIFEST_DIR")).join("formats/stardrop.toml");
    let stardrop = stardrop.to_str().unwrap();
    let mut survivors = Vec::new();
    let mut checked = 0;
    for sub in ["flexlm", "rlm", "rlm-debug", "lmx", "other"] {
        let def: &[&str] = match sub {
            "other" => &["--def", stardrop],
            _ => &[],
        };
        for original in std::fs::read_dir(root.join(sub)).unwrap() {
            let original = original.unwrap().path();
            let text = String::from_utf8_lossy(&std::fs::read(&original).unwrap()).into_owned();
            let tokens: BTreeSet<String> = shaped(&text)
                .into_iter()
                .chain(read_names(&original, def))
                .map(|t| t.to_lowercase())
                .filter(|t| t.len() >= 2 && t != "localhost" && t != "localhost.localdomain")
                .filter(|t| !PROSE.contains(&t.as_str()) && !VENDOR_CONTACTS.contains(&t.as_str()))
                .collect();
            assert!(
                !tokens.is_empty() || sub == "rlm-debug",
                "{}",
                original.display()
            );
            checked += tokens.len();
            for out in anonymized_forms(&original, &key, def, dir.path()) {
                let written = std::fs::read_to_string(&out).unwrap().to_lowercase();
                for token in &tokens {
                    if let Some(at) = whole_word(&written, token) {
                        let line = written[..at].lines().count().max(1);
                        survivors.push(format!(
                            "{} ({}): {token:?} at line {line}",
                            original.display(),
                            out.file_name().unwrap().to_string_lossy()
                        ));
                    }
                }
            }
        }
    }
    assert!(checked > 1000, "only {checked} tokens checked");
    assert!(survivors.is_empty(), "survivors:\n{}", survivors.join("\n"));
}
