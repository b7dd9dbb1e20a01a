//! Anonymization never touches structure: for a user and a host named like
//! every keyword of every format (`started`, `lmgrd`, `Report`, `version`,
//! `Startup`, day and month names, ...), the anonymized log reads back as
//! the same events, with the same kinds, times and non-identifying fields.

mod common;

use std::path::Path;

use common::{anonymize, dir_with, liclog, stderr};
use liclog::anon::structure;

fn flexnet(w: &str) -> String {
    format!(
        "10:00:00 (lmgrd) FlexNet Licensing (v11.16.2.0 build 1 x64_lsb) started on lic01 (linux) (1/3/2024)\n\
         10:00:00 (lmgrd) License file(s): /opt/flexlm/license.dat\n\
         10:00:01 (MLM) OUT: \"f1\" {w}@{w}\n\
         10:00:02 (MLM) DENIED: \"f1\" {w}@ws1  (Licensed number of users already reached. (-4,342))\n\
         10:00:03 (lmgrd) TIMESTAMP 1/3/2024\n\
         10:00:04 (MLM) IN: \"f1\" {w}@{w}\n\
         10:00:05 (lmgrd) SHUTDOWN request from {w} at node lic01\n\
         10:00:06 (lmgrd) EXITING DUE TO SIGNAL 15 Exit reason 3\n"
    )
}

fn rlm_report(w: &str) -> String {
    format!(
        "RLM Report Log Format 2, version 14.1, authenticated\n\
         ISV: demo, RLM version 14.1 BL2\n\
         START lic03 05/11/2024 15:16:49\n\
         OUT analytics 2.09 2 {w} {w} \"\" 1 1 0 41 41 1a14 \"\" \"\" \"\" 05/11 15:17:14.1234\n\
         DENY analytics 2.09 {w} ws1 \"\" 1 -25 0 1a14 05/11 15:20:01.5000\n\
         IN 4 analytics 2.09 {w} {w} \"\" 1 1 0 41 05/11 15:22:13.0700\n\
         END 05/11/2024 16:00\n"
    )
}

fn sentinel(w: &str) -> String {
    format!(
        "# Startup Sentinel RMS License Manager v8.6.0.0036 Mon Aug 25 15:36:23 2014 1408961183 Machine1 197 1708\n\
         2 1 ODA= Mon Aug 25 15:36:27 2014 1408961187 f1 v1 0 1 0 {w} {w} 8.6.0.0036 1 comment - - - - - 0 - - - MA== 3724690 MTQxMjY4NTg3Nw==\n\
         # Shutdown Sentinel RMS License Manager v8.6.0.0036 Mon Aug 25 15:36:43 2014 1408961203 Machine1 1708 Mg== 532318\n"
    )
}

/// What must not change: everything but the identifying fields and text.
const KEPT: [&str; 9] = [
    "format",
    "kind",
    "xslm",
    "time",
    "time_of_day",
    "time_source",
    "feature",
    "count",
    "code",
];

fn events(dir: &Path, file: &str) -> Vec<serde_json::Value> {
    let o = liclog(&["convert", "--raw", file], dir);
    assert_eq!(o.status.code(), Some(0), "{file}: {}", stderr(&o));
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn keywords_as_names_leave_every_format_readable() {
    let d = dir_with(&[("k.key", &[b'a'; 64])]);
    let mut names = Vec::new();
    for (i, word) in structure::words().iter().enumerate() {
        for (format, text) in [
            ("flexnet", flexnet(word)),
            ("rlm", rlm_report(word)),
            ("sentinel", sentinel(word)),
        ] {
            let name = format!("{format}-{i}.log");
            std::fs::write(d.path().join(&name), text).unwrap();
            names.push(name);
        }
    }
    std::fs::create_dir(d.path().join("out")).unwrap();
    let mut args = vec!["-o", "out/"];
    args.extend(names.iter().map(String::as_str));
    let o = anonymize(&args, d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for name in &names {
        let before = events(d.path(), name);
        let after = events(d.path(), &format!("out/{name}"));
        // RLM: liclog's REPROCESSED line after the header.
        let after: Vec<_> = after
            .into_iter()
            .filter(|e| {
                !e["raw"]
                    .as_str()
                    .is_some_and(|r| r.starts_with("REPROCESSED with liclog"))
            })
            .filter(|e| !(e["format"] == "sentinel" && e["kind"] == "message" && e["line"] == 1))
            .collect();
        assert_eq!(before.len(), after.len(), "{name}");
        for (b, a) in before.iter().zip(&after) {
            for key in KEPT {
                assert_eq!(b[key], a[key], "{name}: {key} of line {}", b["line"]);
            }
        }
    }
}
