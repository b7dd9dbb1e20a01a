//! The library as a Rust program uses it: a writer of its own, the
//! closure API, and one file anonymized.

use std::io;

use liclog::convert::{Converter, Diagnostics};
use liclog::write::EventWriter;
use liclog::{ConvertOptions, Event, Kind};

/// Enough lines that the readers render in batches on worker threads.
fn big_log(dir: &std::path::Path) -> (String, u64) {
    let mut text = String::from(
        "9:00:00 (lmgrd) FlexNet Licensing (v11.16.2.0 build 242433 x64_lsb) started on lic01 (linux) (1/3/2024)\n",
    );
    let mut lines = 1;
    for i in 0..60_000u32 {
        let (h, m, s) = (9 + i / 3600 % 10, i / 60 % 60, i % 60);
        text.push_str(&format!(
            "{h}:{m:02}:{s:02} (MLM) OUT: \"MATLAB\" user{}@ws{}\n",
            i % 50,
            i % 7
        ));
        text.push_str(&format!(
            "{h}:{m:02}:{s:02} (MLM) IN: \"MATLAB\" user{}@ws{}\n",
            i % 50,
            i % 7
        ));
        lines += 2;
    }
    let path = dir.join("big.log");
    std::fs::write(&path, text).unwrap();
    (path.to_string_lossy().into_owned(), lines)
}

/// Only `write`: the defaults keep it on the plain path.
#[derive(Default)]
struct Collect {
    kinds: Vec<Kind>,
}

impl EventWriter for Collect {
    fn write(&mut self, event: &Event<'_>) -> io::Result<()> {
        self.kinds.push(event.kind);
        Ok(())
    }
}

struct Ignore;

impl Diagnostics for Ignore {
    fn warning(&mut self, _: &str) {}
}

#[test]
fn a_writer_with_only_write_gets_every_event_of_a_large_input() {
    let dir = tempfile::tempdir().unwrap();
    let (path, lines) = big_log(dir.path());
    let mut collect = Collect::default();
    let mut converter = Converter::new(ConvertOptions::default(), &mut collect);
    converter
        .add_input_after(&path, 0, None, &mut Ignore, &mut |_| {})
        .unwrap();
    assert!(converter.failures.is_empty());
    converter.finish().unwrap();
    assert_eq!(collect.kinds.len() as u64, lines);
    let checkouts = collect
        .kinds
        .iter()
        .filter(|k| **k == Kind::Checkout)
        .count();
    assert_eq!(checkouts, 60_000);
}

#[test]
fn read_events_hands_every_event_to_the_closure() {
    let dir = tempfile::tempdir().unwrap();
    let (path, lines) = big_log(dir.path());
    let mut seen = 0u64;
    let mut last_line = 0;
    let summary = liclog::read_events(&path, &ConvertOptions::default(), |ev| {
        seen += 1;
        assert_eq!(ev.line, last_line + 1, "line order");
        last_line = ev.line;
    })
    .unwrap();
    assert_eq!((seen, summary.lines), (lines, lines));
    assert_eq!(summary.events["checkin"], 60_000);
    assert_eq!(summary.format, Some(liclog::Format::Flexnet));
}

#[test]
fn read_events_reports_a_missing_file() {
    let err = liclog::read_events("/nonexistent/lmgrd.log", &ConvertOptions::default(), |_| {})
        .unwrap_err();
    assert!(err.to_string().contains("/nonexistent/lmgrd.log"), "{err}");
}

#[test]
fn anonymize_file_writes_a_clean_copy_and_keeps_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("lmgrd.log");
    let text = "9:00:00 (lmgrd) FlexNet Licensing (v11.16.2.0 build 242433 x64_lsb) started on lic01 (linux) (1/3/2024)\n\
                9:01:00 (MLM) OUT: \"MATLAB\" alice@ws07\n\
                9:02:00 (MLM) IN: \"MATLAB\" alice@ws07\n";
    std::fs::write(&input, text).unwrap();
    let key_file = dir.path().join("k.key");
    std::fs::write(
        &key_file,
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
    )
    .unwrap();
    let (key, _) = liclog::anon::Key::load(&key_file).unwrap();
    let output = dir.path().join("clean.log");
    liclog::anon::anonymize_file(&input, &output, &key).unwrap();
    let clean = std::fs::read_to_string(&output).unwrap();
    assert_eq!(clean.lines().count(), 3);
    for name in ["alice", "ws07", "lic01"] {
        assert!(!clean.contains(name), "{name} survives: {clean}");
    }
    assert!(clean.contains("OUT: \"MATLAB\""));
    assert_eq!(std::fs::read_to_string(&input).unwrap(), text);
}
