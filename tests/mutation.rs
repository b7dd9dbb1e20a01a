//! Mutation tests: every reader, fed mutated real and golden logs, must
//! not panic, must give exactly one event per input line, and its events
//! must encode to valid JSON lines and a rectangular CSV.
//!
//! A seeded mutator (not proptest: the cases are whole documents, and a
//! fixed seed per run keeps a failure reproducible) makes
//! `LICLOG_MUTATIONS` cases per reader (10,000 by default). Sources are the
//! golden inputs of each format, plus windows of the real samples when
//! `LICLOG_SAMPLES` is set; lines are spliced across formats. Set
//! `LICLOG_MUTATION_SEED` to replay another run.

use std::path::{Path, PathBuf};

use liclog::Event;
use liclog::dating::Zone;
use liclog::lines::{LineReader, MAX_LINE};
use liclog::read::flexnet::FlexnetReader;
use liclog::read::lmx::LmxReader;
use liclog::read::rlm_debug::RlmDebugReader;
use liclog::read::rlm_report::RlmReportReader;
use liclog::read::sentinel::SentinelReader;
use liclog::read::{ReadOptions, Reader, Sink};
use liclog::write::{COLUMNS, CsvWriter, Encoder, EventWriter, JsonlWriter, WriteOptions};

/// xorshift64*: small, fast and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The JSONL and CSV encoders, made once: a writer starts a thread.
struct Encoders {
    json: Box<dyn Encoder>,
    csv: Box<dyn Encoder>,
}

/// Encodes every event to JSONL and CSV and counts them.
struct Check<'e> {
    encoders: &'e mut Encoders,
    json_out: Vec<u8>,
    csv_out: Vec<u8>,
    events: u64,
    last_line: u64,
    ordered: bool,
}

impl Sink for Check<'_> {
    fn event(&mut self, e: &Event<'_>) -> liclog::Result<()> {
        self.events += 1;
        self.ordered &= e.line > self.last_line;
        self.last_line = e.line;
        self.encoders.json.encode(e, &mut self.json_out);
        self.encoders.csv.encode(e, &mut self.csv_out);
        Ok(())
    }
    fn warn(&mut self, _line: u64, _message: &str) {}
}

fn encoders() -> Encoders {
    let options = WriteOptions {
        raw: true,
        ..WriteOptions::default()
    };
    Encoders {
        json: JsonlWriter::new(Box::new(std::io::sink()), options)
            .encoder()
            .expect("parallel"),
        csv: CsvWriter::new(Box::new(std::io::sink()), options)
            .encoder()
            .expect("parallel"),
    }
}

type MakeReader = fn(&ReadOptions) -> Box<dyn Reader>;

const READERS: [(&str, &str, MakeReader); 5] = [
    ("flexnet", "flexnet", |o| {
        Box::new(FlexnetReader::new("m", o, None))
    }),
    ("rlm-report", "rlm", |o| {
        Box::new(RlmReportReader::new("m", o))
    }),
    ("rlm-debug", "rlm-debug", |o| {
        Box::new(RlmDebugReader::new("m", o))
    }),
    ("sentinel", "", |o| Box::new(SentinelReader::new("m", o))),
    ("lmx", "lmx", |o| Box::new(LmxReader::new("m", o))),
];

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_under(&p, out);
        } else if p.file_name().is_some_and(|n| {
            n.to_string_lossy().starts_with("input")
                || p.parent().is_some_and(|d| d.ends_with("inputs"))
        }) {
            out.push(p);
        }
    }
}

/// The documents of one format: golden inputs, then real samples.
fn sources(golden: &str, samples: &str) -> Vec<Vec<u8>> {
    let mut paths = Vec::new();
    files_under(&Path::new("golden").join(golden), &mut paths);
    let mut docs: Vec<Vec<u8>> = paths.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    if let (Ok(root), false) = (std::env::var("LICLOG_SAMPLES"), samples.is_empty()) {
        let mut files: Vec<_> = std::fs::read_dir(Path::new(&root).join(samples))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        docs.extend(files.iter().filter_map(|p| std::fs::read(p).ok()));
    }
    docs
}

fn lines_of(doc: &[u8]) -> Vec<&[u8]> {
    doc.split_inclusive(|&b| b == b'\n').collect()
}

/// A window of at most 60 lines of a document, then 1 to 4 mutations.
fn mutate(rng: &mut Rng, doc: &[u8], pool: &[Vec<u8>]) -> Vec<u8> {
    let lines = lines_of(doc);
    let start = rng.below(lines.len().saturating_sub(60) + 1);
    let mut lines: Vec<Vec<u8>> = lines[start..lines.len().min(start + 60)]
        .iter()
        .map(|l| l.to_vec())
        .collect();
    for _ in 0..1 + rng.below(4) {
        let i = rng.below(lines.len());
        let Some(line) = lines.get_mut(i) else {
            lines.push(b"\n".to_vec());
            continue;
        };
        let at = rng.below(line.len() + 1);
        match rng.below(10) {
            0 => {
                if let Some(b) = line.get_mut(at) {
                    *b ^= 1 << rng.below(8);
                }
            }
            1 => line.truncate(at),
            2 => {
                let other = &pool[rng.below(pool.len())];
                let other = lines_of(other);
                let spliced = other[rng.below(other.len())].to_vec();
                lines.insert(i, spliced);
            }
            3 => {
                line.splice(at..at, *b"\xef\xbb\xbf");
            }
            4 => line.insert(at, [0u8, b'\r', b'\t'][rng.below(3)]),
            5 => {
                let long = vec![b"x\xc3\x9f "[rng.below(3)]; 1000 + rng.below(100_000)];
                line.splice(at..at, long);
            }
            6 => impossible_time(rng, line),
            7 => {
                lines.remove(i);
            }
            8 => {
                let copy = line.clone();
                lines.insert(i, copy);
            }
            _ => {
                line.retain(|&b| b != b'\n');
            }
        }
    }
    lines.concat()
}

/// Replaces a `dd:dd:dd` or `dd/dd` with a time or date that cannot be.
fn impossible_time(rng: &mut Rng, line: &mut Vec<u8>) {
    const BAD: [&[u8]; 8] = [
        b"23:59:60",
        b"24:00:00",
        b"25:61:61",
        b"99:99:99",
        b"02/30",
        b"13/45",
        b"00/00",
        b"2/29/2023",
    ];
    let text = line.clone();
    let digits_at = (0..text.len().saturating_sub(4)).find(|&i| {
        text[i].is_ascii_digit()
            && matches!(text.get(i + 2), Some(b':' | b'/'))
            && text.get(i + 3).is_some_and(u8::is_ascii_digit)
    });
    let bad = BAD[rng.below(BAD.len())];
    match digits_at {
        Some(i) => {
            let end = (i + bad.len()).min(line.len());
            line.splice(i..end, bad.iter().copied());
        }
        None => line.splice(0..0, bad.iter().copied()).for_each(drop),
    }
}

/// Runs one reader over `input`: its events, encoded, and the line count.
fn read<'e>(
    make: MakeReader,
    options: &ReadOptions,
    input: &[u8],
    encoders: &'e mut Encoders,
) -> Result<(Check<'e>, u64), String> {
    let mut sink = Check {
        encoders,
        json_out: Vec::new(),
        csv_out: Vec::new(),
        events: 0,
        last_line: 0,
        ordered: true,
    };
    let mut reader = make(options);
    let mut lines = LineReader::new(input);
    let mut n = 0u64;
    while let Ok(Some(line)) = lines.next_line() {
        n += 1;
        reader.line(&line, &mut sink).map_err(|e| e.to_string())?;
    }
    reader.finish(&mut sink).map_err(|e| e.to_string())?;
    Ok((sink, n))
}

/// Runs one reader over `input` and checks the invariants.
fn check(
    make: MakeReader,
    options: &ReadOptions,
    input: &[u8],
    encoders: &mut Encoders,
) -> Result<(), String> {
    let (sink, lines) = read(make, options, input, encoders)?;
    verify_outputs(&sink, lines)
}

fn verify_outputs(sink: &Check<'_>, lines: u64) -> Result<(), String> {
    if sink.events != lines {
        return Err(format!("{lines} lines gave {} events", sink.events));
    }
    if !sink.ordered {
        return Err("events out of line order".into());
    }
    let json = std::str::from_utf8(&sink.json_out).map_err(|e| e.to_string())?;
    for l in json.lines() {
        let v: serde_json::Value =
            serde_json::from_str(l).map_err(|e| format!("bad JSON {e}: {l}"))?;
        if !v["code"].is_null() && !v["code"].is_string() {
            return Err(format!("code is not a string: {l}"));
        }
    }
    if json.lines().count() as u64 != lines {
        return Err("JSONL line count differs".into());
    }
    let mut rows = 0u64;
    for row in csv_rows(&sink.csv_out) {
        let row = row?;
        if row != COLUMNS.len() {
            return Err(format!("a CSV row has {row} cells, not {}", COLUMNS.len()));
        }
        rows += 1;
    }
    if rows != lines {
        return Err(format!("{rows} CSV rows for {lines} lines"));
    }
    Ok(())
}

/// RFC 4180 rows of `bytes`, as cell counts.
fn csv_rows(bytes: &[u8]) -> impl Iterator<Item = Result<usize, String>> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        if i >= bytes.len() {
            return None;
        }
        let mut cells = 1;
        let mut quoted = false;
        while i < bytes.len() {
            let c = bytes[i];
            i += 1;
            match (quoted, c) {
                (true, b'"') if bytes.get(i) == Some(&b'"') => i += 1,
                (true, b'"') => quoted = false,
                (false, b'"') => quoted = true,
                (false, b',') => cells += 1,
                (false, b'\n') => return Some(Ok(cells)),
                (false, b'\r') => return Some(Err("bare CR outside quotes".into())),
                _ => {}
            }
        }
        Some(if quoted {
            Err("unterminated quote".into())
        } else {
            Ok(cells)
        })
    })
}

fn cases() -> usize {
    std::env::var("LICLOG_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

fn seed() -> u64 {
    std::env::var("LICLOG_MUTATION_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x0011_c106)
}

fn run_reader(index: usize) {
    let (name, samples, make) = READERS[index];
    let docs = sources(name, samples);
    assert!(
        !docs.is_empty(),
        "no golden inputs for {name} (run from the crate root)"
    );
    let pool: Vec<Vec<u8>> = READERS.iter().flat_map(|r| sources(r.0, "")).collect();
    let plain = ReadOptions::default();
    let dated = ReadOptions {
        date: Some(jiff::civil::date(2024, 1, 1)),
        year: Some(2024),
        tz: Some(Zone::parse("+01:00").unwrap()),
        server: Some("hinted".into()),
    };
    let mut rng = Rng(seed() ^ (index as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let mut encoders = encoders();
    for case in 0..cases() {
        let doc = &docs[rng.below(docs.len())];
        let input = mutate(&mut rng, doc, &pool);
        let options = if case % 2 == 0 { &plain } else { &dated };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            check(make, options, &input, &mut encoders)
        }));
        let failure = match outcome {
            Ok(Ok(())) => continue,
            Ok(Err(why)) => why,
            Err(_) => "panicked".to_string(),
        };
        let kept = std::env::temp_dir().join(format!("liclog-mutation-{name}-{case}.log"));
        let _ = std::fs::write(&kept, &input);
        panic!(
            "{name}: case {case} (seed {}): {failure}; input kept in {}",
            seed(),
            kept.display()
        );
    }
}

#[test]
fn flexnet_survives_mutations() {
    run_reader(0);
}

#[test]
fn rlm_report_survives_mutations() {
    run_reader(1);
}

#[test]
fn rlm_debug_survives_mutations() {
    run_reader(2);
}

#[test]
fn sentinel_survives_mutations() {
    run_reader(3);
}

#[test]
fn lmx_survives_mutations() {
    run_reader(4);
}

/// A line over the limit, in every reader: one `unknown` event, and the
/// lines after it are still read.
#[test]
fn every_reader_cuts_an_over_long_line_and_goes_on() {
    let mut input = b"first line\n".to_vec();
    input.extend(std::iter::repeat_n(b'x', MAX_LINE + 10));
    input.extend_from_slice(b"\nlast line\n");
    let mut encoders = encoders();
    for (name, _, make) in READERS {
        let (sink, lines) = read(make, &ReadOptions::default(), &input, &mut encoders).unwrap();
        verify_outputs(&sink, lines).unwrap_or_else(|e| panic!("{name}: {e}"));
        let json = String::from_utf8(sink.json_out).unwrap();
        let cut: serde_json::Value = serde_json::from_str(json.lines().nth(1).unwrap()).unwrap();
        assert_eq!(cut["kind"], "unknown", "{name}");
        assert_eq!(cut["extra"]["length"], (MAX_LINE + 10) as u64, "{name}");
        assert_eq!(cut["raw"].as_str().unwrap().len(), 1024, "{name}");
        assert_eq!(json.lines().count(), 3, "{name}");
    }
}
