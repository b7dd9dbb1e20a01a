//! What every reader target checks: no panic, and exactly one event per
//! line, whatever the bytes.

use liclog::Event;
use liclog::dating::Zone;
use liclog::lines::LineReader;
use liclog::read::{ReadOptions, Reader, Sink};

struct Count(u64);

impl Sink for Count {
    fn event(&mut self, _: &Event<'_>) -> liclog::Result<()> {
        self.0 += 1;
        Ok(())
    }
    fn warn(&mut self, _: u64, _: &str) {}
}

/// Options that exercise the dating paths: a date for anchorless input,
/// and for half of the inputs (by their first byte) a `--tz` zone, whose
/// offsets are computed for every dated time (a leap second once panicked
/// there).
pub fn options(data: &[u8]) -> ReadOptions {
    ReadOptions {
        date: Some(jiff::civil::date(2024, 1, 1)),
        year: Some(2024),
        tz: (data.first().is_some_and(|b| b & 1 == 1))
            .then(|| Zone::parse("+01:00").expect("a fixed offset")),
        server: None,
    }
}

pub fn one_event_per_line(reader: &mut dyn Reader, data: &[u8]) {
    let mut sink = Count(0);
    let mut lines = LineReader::new(data);
    let mut n = 0;
    while let Ok(Some(line)) = lines.next_line() {
        n += 1;
        reader.line(&line, &mut sink).unwrap();
    }
    reader.finish(&mut sink).unwrap();
    assert_eq!(sink.0, n);
}

/// For canonical input (JSONL, CSV): no panic; at most one event per line
/// (a CSV header is none, a record spanning lines is one, and a bare CR
/// ends a CSV line as a CR LF does); the only error is a missing required
/// column, which ends the input.
pub fn at_most_one_event_per_line(reader: &mut dyn Reader, data: &[u8]) {
    let mut sink = Count(0);
    let mut lines = LineReader::new(data);
    let mut n = 0;
    while let Ok(Some(line)) = lines.next_line() {
        n += 1 + line.text.bytes().filter(|&b| b == b'\r').count() as u64;
        match reader.line(&line, &mut sink) {
            Ok(()) => {}
            Err(liclog::Error::MissingColumn { .. }) => return,
            Err(e) => panic!("{e}"),
        }
    }
    reader.finish(&mut sink).unwrap();
    assert!(sink.0 <= n, "{} events from {n} lines", sink.0);
}
