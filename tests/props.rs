//! Property tests: nothing is lost, nothing panics, and usage fields survive
//! the trip from a FlexNet or Sentinel RMS line through the reader and both
//! writers.

mod common;

use common::Shared;
use liclog::Event;
use liclog::lines::LineReader;
use liclog::read::flexnet::FlexnetReader;
use liclog::read::lmx::LmxReader;
use liclog::read::sentinel::{SentinelReader, TRANSACTIONS};
use liclog::read::{ReadOptions, Reader, Sink};
use liclog::write::{CsvWriter, EventWriter, JsonlWriter, WriteOptions};
use proptest::prelude::*;

struct Collect<'w> {
    writers: Vec<&'w mut dyn EventWriter>,
    lines: Vec<u64>,
}

impl Sink for Collect<'_> {
    fn event(&mut self, e: &Event<'_>) -> liclog::Result<()> {
        self.lines.push(e.line);
        for w in &mut self.writers {
            w.write(e).unwrap();
        }
        Ok(())
    }
    fn warn(&mut self, _line: u64, _message: &str) {}
}

/// Runs the FlexNet reader over `input`; returns the line numbers of the
/// events and the JSONL and CSV outputs.
fn run(input: &[u8]) -> (Vec<u64>, String, String) {
    run_with(
        &mut FlexnetReader::new("t.log", &ReadOptions::default(), None),
        input,
    )
}

fn run_with(reader: &mut dyn Reader, input: &[u8]) -> (Vec<u64>, String, String) {
    let (json, csv) = (Shared::default(), Shared::default());
    let mut jw = JsonlWriter::new(Box::new(json.clone()), WriteOptions::default());
    let mut cw = CsvWriter::new(Box::new(csv.clone()), WriteOptions::default());
    let mut sink = Collect {
        writers: vec![&mut jw, &mut cw],
        lines: Vec::new(),
    };
    let mut lines = LineReader::new(input);
    while let Ok(Some(line)) = lines.next_line() {
        reader.line(&line, &mut sink).unwrap();
    }
    reader.finish(&mut sink).unwrap();
    let seen = sink.lines;
    jw.finish().unwrap();
    cw.finish().unwrap();
    let text = |s: Shared| String::from_utf8(s.0.lock().unwrap().clone()).unwrap();
    (seen, text(json), text(csv))
}

/// A minimal RFC 4180 reader, to check what the CSV writer wrote.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut cell) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    rows
}

fn user_name() -> impl Strategy<Value = String> {
    // Spaces, accents, CJK, quotes and commas inside, as real user names
    // have; not at the start, where FlexNet's own format is ambiguous.
    "[A-Za-z0-9ª-ÿ山][A-Za-zª-ÿ山田_.,\"' -]{0,10}[A-Za-z0-9山]"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Every input line becomes exactly one event, whatever the bytes.
    #[test]
    fn every_line_becomes_one_event(lines in prop::collection::vec("[ -~\t\u{a0}-\u{ff}]{0,60}", 0..40)) {
        let input = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
        let (seen, _, _) = run(input.as_bytes());
        let mut sorted = seen.clone();
        sorted.sort_unstable();
        prop_assert_eq!(sorted, (1..=lines.len() as u64).collect::<Vec<_>>());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = run(&bytes);
    }

    #[test]
    fn usage_fields_round_trip(
        kind in prop::sample::select(vec![("OUT", "checkout"), ("IN", "checkin"), ("DENIED", "denial")]),
        feature in "[A-Za-z0-9_]{1,16}",
        user in user_name(),
        host in "[A-Za-z0-9][A-Za-z0-9.-]{0,20}",
        count in 1u64..500,
        reason in prop::option::of("[A-Za-z][A-Za-z ,.]{0,30}[a-z.]"),
    ) {
        let count_text = if count > 1 { format!(" ({count} licenses)") } else { String::new() };
        let reason_text = reason.as_ref().map_or(String::new(), |r| format!(" ({r} (-4,342))"));
        let line = format!(
            "10:00:00 (lmgrd) FlexNet (v11) started on srv (linux) (1/2/2024)\n10:00:01 (MLM) {}: \"{feature}\" {user}@{host} {count_text}{reason_text}\n",
            kind.0
        );
        let (_, json, csv) = run(line.as_bytes());
        let e: serde_json::Value = serde_json::from_str(json.lines().nth(1).unwrap()).unwrap();
        prop_assert_eq!(&e["kind"], kind.1);
        prop_assert_eq!(&e["feature"], feature.as_str());
        prop_assert_eq!(&e["user"], user.as_str());
        prop_assert_eq!(&e["host"], host.as_str());
        prop_assert_eq!(&e["count"], count);
        prop_assert_eq!(&e["time"], "2024-01-02T10:00:01");
        if let Some(r) = &reason {
            prop_assert_eq!(&e["reason"], r.as_str());
            prop_assert_eq!(&e["code"], "-4,342");
        }
        let rows = parse_csv(&csv);
        prop_assert_eq!(rows.len(), 3);
        prop_assert_eq!(rows[2][12].as_str(), user.as_str());
        prop_assert_eq!(rows[2][13].as_str(), host.as_str());
        prop_assert_eq!(rows[2][14].as_str(), count.to_string());
    }
}

/// A Sentinel record's fields, as a generator picks them.
#[derive(Debug, Clone)]
struct Record {
    generation: usize,
    header: bool,
    levels: (u8, u8),
    date: (i16, i8, i8),
    seconds: u32,
    quarters: i32,
    trans: usize,
    feature: String,
    user: String,
    host: String,
    currency: u64,
    comment: String,
}

fn record() -> impl Strategy<Value = Record> {
    (
        (0usize..3, any::<bool>(), (0u8..4, 0u8..4)),
        ((1990i16..2037, 1i8..13, 1i8..29), 0u32..86_400, -48i32..57),
        (
            0usize..20,
            "[A-Za-z0-9_]{1,12}",
            "[A-Za-z0-9ª-ÿ山田_][A-Za-z0-9ª-ÿ山田_.-]{0,11}",
            "[A-Za-z0-9][A-Za-z0-9.-]{0,15}",
        ),
        (
            1u64..1000,
            prop::option::of("[A-Za-z0-9=_\"]{1,8}( [A-Za-z0-9=_\"]{1,8}){0,3}"),
        ),
    )
        .prop_filter("level 4 hides the record", |((_, _, (s, l)), _, _, _)| {
            !(*l == 4 || (*l == 0 && *s == 4))
        })
        .prop_map(
            |(
                (generation, header, levels),
                (date, seconds, quarters),
                (trans, feature, user, host),
                (currency, comment),
            )| {
                // A comment with spaces is only readable when the startup line
                // names the layout.
                let comment = comment
                    .filter(|c| header || !c.contains(' '))
                    .unwrap_or_else(|| "-".to_string());
                Record {
                    generation,
                    header,
                    levels,
                    date,
                    seconds,
                    quarters,
                    trans,
                    feature,
                    user,
                    host,
                    currency,
                    comment,
                }
            },
        )
}

impl Record {
    fn text(&self) -> String {
        let (y, m, d) = self.date;
        let date = jiff::civil::date(y, m, d);
        let clock = format!(
            "{:02}:{:02}:{:02}",
            self.seconds / 3600,
            self.seconds / 60 % 60,
            self.seconds % 60
        );
        let ctime = format!(
            "{} {} {d:>2} {clock} {y}",
            date.strftime("%a"),
            date.strftime("%b")
        );
        let local = date
            .to_datetime(jiff::civil::Time::midnight())
            .to_zoned(jiff::tz::TimeZone::UTC)
            .unwrap()
            .timestamp()
            .as_second()
            + i64::from(self.seconds);
        let epoch = local - i64::from(self.quarters) * 900;
        let mut out = String::new();
        if self.header {
            let tail = if self.generation == 2 {
                " v2.0 123"
            } else {
                ""
            };
            let product = if self.generation == 0 {
                "Development Kit v7.00"
            } else {
                "License Manager v9.7.0.0012"
            };
            out += &format!("# Startup Sentinel RMS {product} {ctime} {epoch} srv 5 77{tail}\n");
        }
        let (s, l) = self.levels;
        out += &format!(
            "{s} {l} ODA= {ctime} {epoch} {} v1 {} 3 0 {} {} 9.7 {} {}",
            self.feature, self.trans, self.user, self.host, self.currency, self.comment
        );
        if self.generation > 0 {
            out += " Q1 2 - grp 4 1 64 16 4";
        }
        if self.generation == 2 {
            out += " 3fd76b52b2d23b445e5a1e253068b3f1";
        }
        out += " MA== 12345 MTIz\n";
        out
    }

    fn iso_time(&self) -> String {
        let (y, m, d) = self.date;
        let off = self.quarters * 900;
        let zone = if off == 0 {
            "Z".to_string()
        } else {
            format!(
                "{}{:02}:{:02}",
                if off < 0 { '-' } else { '+' },
                off.abs() / 3600,
                off.abs() / 60 % 60
            )
        };
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{zone}",
            self.seconds / 3600,
            self.seconds / 60 % 60,
            self.seconds % 60
        )
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn lmx_lines_each_become_one_event(lines in prop::collection::vec(
        prop_oneof![
            "[ -~\t]{0,80}",
            "\\[2023-0[1-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\]( [ -~]{0,60})?",
            "\\[2023-02-01 08:00:00\\] (CHECKOUT|CHECKIN|STATUS|BORROW) by [ -~]{0,12}@[ -~]{0,12} \\[[0-9a-f:.]{0,20}\\][ -~]{0,30}",
        ],
        0..30,
    )) {
        let input = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
        let mut reader = LmxReader::new("t.log", &ReadOptions::default());
        let (seen, _, _) = run_with(&mut reader, input.as_bytes());
        prop_assert_eq!(seen, (1..=lines.len() as u64).collect::<Vec<_>>());
    }

    #[test]
    fn sentinel_lines_each_become_one_event(lines in prop::collection::vec("[ -~\t]{0,80}", 0..30)) {
        let input = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
        let mut reader = SentinelReader::new("t.log", &ReadOptions::default());
        let (seen, _, _) = run_with(&mut reader, input.as_bytes());
        prop_assert_eq!(seen, (1..=lines.len() as u64).collect::<Vec<_>>());
    }

    #[test]
    fn sentinel_fields_round_trip(r in record()) {
        let text = r.text();
        let mut reader = SentinelReader::new("t.log", &ReadOptions::default());
        let (_, json, csv) = run_with(&mut reader, text.as_bytes());
        let e: serde_json::Value = serde_json::from_str(json.lines().last().unwrap()).unwrap();
        prop_assert_eq!(&e["kind"], TRANSACTIONS[r.trans].kind.name(), "{}", text);
        prop_assert_eq!(&e["reason"], TRANSACTIONS[r.trans].description);
        prop_assert_eq!(&e["feature"], r.feature.as_str());
        prop_assert_eq!(&e["user"], r.user.as_str());
        prop_assert_eq!(&e["host"], r.host.as_str());
        let time = r.iso_time();
        prop_assert_eq!(&e["time"], time.as_str());
        let lfe = if r.levels.1 != 0 { r.levels.1 } else if r.levels.0 != 0 { r.levels.0 } else { 2 };
        prop_assert_eq!(&e["extra"]["lfe"], lfe);
        if lfe < 3 {
            prop_assert_eq!(&e["count"], r.currency);
        } else {
            prop_assert_eq!(&e["count"], &serde_json::Value::Null);
            let currency = r.currency.to_string();
            prop_assert_eq!(&e["extra"]["currency_encrypted"], currency.as_str());
        }
        if r.comment != "-" {
            prop_assert_eq!(&e["extra"]["comment"], r.comment.as_str());
        }
        if r.generation > 0 {
            prop_assert_eq!(&e["extra"]["group_name"], "grp");
        }
        if r.generation == 2 {
            prop_assert_eq!(&e["handle"], "3fd76b52b2d23b445e5a1e253068b3f1");
        }
        let rows = parse_csv(&csv);
        prop_assert_eq!(rows.last().unwrap()[12].as_str(), r.user.as_str());
    }
}

/// Anonymizes `input` (a FlexNet log) with a key of `key_byte`s; returns
/// the output and the pseudonym table.
fn anonymize(input: &str, key_byte: u8) -> (String, Vec<(String, String)>) {
    use liclog::anon::fields::Selection;
    use liclog::anon::rewrite::{self, Options};
    use liclog::anon::{Key, Shared};
    let dir = tempfile::tempdir().unwrap();
    let (path, key) = (dir.path().join("in.log"), dir.path().join("k"));
    std::fs::write(&path, input).unwrap();
    std::fs::write(&key, format!("{:02x}", key_byte).repeat(32)).unwrap();
    let shared = Shared::new(&Key::load(&key).unwrap().0, Selection::default(), true);
    let name = path.to_str().unwrap();
    let written = dir.path().join("out.log");
    let file = std::fs::File::create(&written).unwrap();
    rewrite::rewrite(name, &Options::default(), &shared, Box::new(file)).unwrap();
    let out = std::fs::read(&written).unwrap();
    let leaks = liclog::anon::check::scan(&written, Default::default(), &shared.all_names());
    assert_eq!(leaks.unwrap(), vec![], "{input:?}");
    let table = shared
        .mapping()
        .into_iter()
        .map(|(_, o, p)| (o, p))
        .collect();
    (String::from_utf8(out).unwrap(), table)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(60))]

    /// Same key, same output; another key, other pseudonyms; putting the
    /// originals back gives the input byte for byte; and the output reads
    /// as the same events with only user and host changed.
    #[test]
    fn anonymization_round_trips(
        users in prop::collection::vec(user_name(), 1..5),
        hosts in prop::collection::vec("[a-z][a-z0-9-]{2,10}", 1..5),
        crlf in any::<bool>(),
    ) {
        let eol = if crlf { "\r\n" } else { "\n" };
        let mut input = format!("10:00:00 (lmgrd) FlexNet (v11) started on srv01 (linux) (1/2/2024){eol}");
        for (i, u) in users.iter().enumerate() {
            let h = &hosts[i % hosts.len()];
            input += &format!("10:00:{:02} (MLM) OUT: \"f{i}\" {u}@{h}  {eol}", i + 1);
            input += &format!("10:01:{:02} (MLM) IN: \"f{i}\" {u}@{h}  (INACTIVE){eol}", i + 1);
        }
        let (out, table) = anonymize(&input, 7);
        prop_assert_eq!(&anonymize(&input, 7).0, &out);
        let (other, _) = anonymize(&input, 8);
        prop_assert_ne!(&other, &out);
        prop_assert_eq!(out.lines().count(), input.lines().count());
        prop_assert_eq!(out.matches("\r\n").count(), input.matches("\r\n").count());
        let mut back = out.clone();
        for (original, pseudonym) in &table {
            back = back.replace(pseudonym.as_str(), original);
        }
        prop_assert_eq!(&back, &input);
        let (_, before, _) = run(input.as_bytes());
        let (_, after, _) = run(out.as_bytes());
        for (b, a) in before.lines().zip(after.lines()) {
            let (b, a): (serde_json::Value, serde_json::Value) =
                (serde_json::from_str(b).unwrap(), serde_json::from_str(a).unwrap());
            for field in ["kind", "time", "feature", "count", "reason", "line"] {
                prop_assert_eq!(&b[field], &a[field]);
            }
            if b["user"].is_string() {
                let p = table.iter().find(|(o, _)| b["user"] == o.as_str()).map(|(_, p)| p.as_str());
                prop_assert_eq!(a["user"].as_str(), p);
            }
        }
    }
}
