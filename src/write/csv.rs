//! RFC 4180 CSV with a header row; `extra` is a JSON text cell.

use std::io::{self, Write};

use super::{Buffered, COLUMNS, EventWriter, WriteOptions, push_extra, push_u64};
use crate::event::Event;

pub struct CsvWriter {
    out: Buffered,
    options: WriteOptions,
    started: bool,
    scratch: Vec<u8>,
    /// The current input's path, already encoded as a cell.
    source: (String, Vec<u8>),
}

impl CsvWriter {
    pub fn new(out: Box<dyn Write + Send>, options: WriteOptions) -> Self {
        CsvWriter {
            out: Buffered::new(out),
            options,
            started: false,
            scratch: Vec::new(),
            source: (String::new(), Vec::new()),
        }
    }

    fn header(&mut self) {
        let b = &mut self.out.buf;
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
        self.started = true;
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

/// A cell, quoted only when it must be.
fn cell(b: &mut Vec<u8>, value: &[u8]) {
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

fn opt(b: &mut Vec<u8>, value: Option<&str>) {
    b.push(b',');
    if let Some(v) = value {
        cell(b, v.as_bytes());
    }
}

impl EventWriter for CsvWriter {
    fn write(&mut self, e: &Event<'_>) -> io::Result<()> {
        if !self.started {
            self.header();
        }
        if self.source.0 != e.source {
            self.source.0 = e.source.to_string();
            self.source.1.clear();
            cell(&mut self.source.1, e.source.as_bytes());
        }
        let b = &mut self.out.buf;
        b.extend_from_slice(&self.source.1);
        b.push(b',');
        push_u64(b, e.line);
        known(b, e.format.name());
        known(b, e.kind.name());
        known(b, e.xslm().unwrap_or(""));
        b.push(b',');
        if let Some(t) = &e.time {
            t.write_iso(b);
        }
        known(b, e.time_source.name());
        opt(b, e.server);
        opt(b, e.daemon);
        opt(b, e.feature);
        opt(b, e.version);
        opt(b, e.user);
        opt(b, e.host);
        b.push(b',');
        if let Some(n) = e.count {
            push_u64(b, n);
        }
        opt(b, e.handle);
        opt(b, e.reason);
        opt(b, e.code);
        b.push(b',');
        if e.extra.is_empty() {
            b.extend_from_slice(b"{}");
        } else {
            self.scratch.clear();
            push_extra(&mut self.scratch, &e.extra);
            cell(b, &self.scratch);
        }
        if self.options.raw {
            opt(b, Some(e.raw));
        }
        end_row(b, self.options.excel);
        self.out.maybe_flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        if !self.started {
            self.header();
        }
        self.out.finish()
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
