//! RFC 4180 CSV with a header row; `extra` is a JSON text cell.

use std::io::{self, Write};

use super::{Buffered, COLUMNS, EventWriter, WriteOptions, push_extra, push_u64};
use crate::event::Event;

pub struct CsvWriter {
    out: Buffered,
    options: WriteOptions,
    started: bool,
    scratch: Vec<u8>,
}

impl CsvWriter {
    pub fn new(out: Box<dyn Write>, options: WriteOptions) -> Self {
        CsvWriter {
            out: Buffered::new(out),
            options,
            started: false,
            scratch: Vec::new(),
        }
    }

    fn header(&mut self) {
        let b = &mut self.out.buf;
        if self.options.excel {
            b.extend_from_slice("\u{feff}".as_bytes());
        }
        let n = if self.options.raw { COLUMNS.len() } else { COLUMNS.len() - 1 };
        b.extend_from_slice(COLUMNS[..n].join(",").as_bytes());
        end_row(b, self.options.excel);
        self.started = true;
    }
}

fn end_row(b: &mut Vec<u8>, excel: bool) {
    b.extend_from_slice(if excel { b"\r\n" } else { b"\n" });
}

/// A cell, quoted only when it must be.
fn cell(b: &mut Vec<u8>, value: &[u8]) {
    if memchr::memchr3(b',', b'"', b'\n', value).is_none() && memchr::memchr(b'\r', value).is_none() {
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
        let b = &mut self.out.buf;
        cell(b, e.source.as_bytes());
        b.push(b',');
        push_u64(b, e.line);
        opt(b, Some(e.format.name()));
        opt(b, Some(e.kind.name()));
        opt(b, e.xslm());
        b.push(b',');
        if let Some(t) = &e.time {
            t.write_iso(b);
        }
        opt(b, Some(e.time_source.name()));
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
        self.scratch.clear();
        push_extra(&mut self.scratch, &e.extra);
        cell(b, &self.scratch);
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
    fn cells_quote_only_when_needed() {
        let mut b = Vec::new();
        cell(&mut b, b"plain");
        b.push(b'|');
        cell(&mut b, b"a,\"b\"");
        b.push(b'|');
        cell(&mut b, b"line\r\nbreak");
        assert_eq!(String::from_utf8(b).unwrap(), "plain|\"a,\"\"b\"\"\"|\"line\r\nbreak\"");
    }
}
