//! `liclog anonymize`: an input written back in its own format, encoding
//! and compression, with its identifiers replaced. Lines are rewritten by
//! the reader's worker threads, like conversion renders them.

use std::io::{self, Write};
use std::sync::Arc;

use flate2::write::GzEncoder;

use super::local::Local;
use super::shared::Shared;
use crate::detect;
use crate::error::{Error, Result};
use crate::event::{Event, Kind};
use crate::format::Format;
use crate::input::{Compression, Decoding, Input};
use crate::lines::LineReader;
use crate::read::{self, ReadOptions, Rendered, Sink};
use crate::write::{Background, Encoder};

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub from: Option<Format>,
    pub decoding: Decoding,
    pub read: ReadOptions,
}

/// What an RLM reportlog's `BADAUTH` lines report: its `AUTH` records
/// (each closes an authentication section) and sessions (format lines).
#[derive(Clone, Copy, Debug, Default)]
pub struct Integrity {
    pub auth_sections: u64,
    pub sessions: u64,
}

/// Opens `name` and settles its format; only readable log formats can be
/// anonymized in place.
pub fn open(name: &str, options: &Options) -> Result<(Input, Format)> {
    let input = Input::open(name, options.decoding)?;
    let format = detect::format_of(&input, options.from)?;
    if !format.can_read() || matches!(format, Format::Csv | Format::Jsonl) {
        return Err(format.not_supported("input to anonymize"));
    }
    Ok((input, format))
}

/// How reading an input ended, besides the events it gave.
#[derive(Debug, Default)]
pub struct Ending {
    /// What stopped the input early (a truncated gzip, a bad byte). Every
    /// line before it was passed on, as in conversion.
    pub failure: Option<Error>,
    /// Lines over [`crate::lines::MAX_LINE`]: (line, full length). They
    /// are written back cut to their first KiB.
    pub cut: Vec<(u64, u64)>,
}

/// Runs `format`'s reader over `input` into `sink`.
pub fn read_into(
    mut input: Input,
    format: Format,
    read: &ReadOptions,
    sink: &mut dyn Sink,
) -> Result<Ending> {
    let mut reader = read::reader_for(format, &input.name, read, None)?;
    let mut lines = LineReader::new(std::mem::replace(&mut input.reader, Box::new(io::empty())));
    let mut ending = Ending::default();
    loop {
        match lines.next_line() {
            Ok(Some(line)) => {
                if let Some(length) = line.cut {
                    ending.cut.push((line.number, length));
                }
                reader.line(&line, sink)?;
            }
            Ok(None) => break,
            Err(e) => {
                ending.failure = Some(input.line_error(e));
                break;
            }
        }
    }
    reader.finish(sink)?;
    Ok(ending)
}

/// Counts an RLM reportlog's sections and sessions (the `BADAUTH` lines
/// need the totals before the first section is written).
fn integrity(name: &str, options: &Options) -> Result<Integrity> {
    let (mut input, _) = open(name, options)?;
    let mut lines = LineReader::new(std::mem::replace(&mut input.reader, Box::new(io::empty())));
    let mut counts = Integrity::default();
    while let Some(line) = lines.next_line().map_err(|e| input.line_error(e))? {
        let mut words = line.text.split_ascii_whitespace();
        match words.next() {
            Some("AUTH" | "AUTH:") if words.clone().count() >= 2 => counts.auth_sections += 1,
            _ if crate::read::rlm_report::is_format_line(line.text) => counts.sessions += 1,
            _ => {}
        }
    }
    Ok(counts)
}

/// Writes `name` to `out` with its identifiers replaced. The writing (and
/// compressing) runs on a thread of its own, beside the reading threads.
/// Returns how the input ended: on a read failure, what came before it is
/// written, and the output is complete for that part.
pub fn rewrite(
    name: &str,
    options: &Options,
    shared: &Arc<Shared>,
    out: Box<dyn Write + Send>,
) -> Result<Ending> {
    let (input, format) = open(name, options)?;
    let integrity = if format == Format::RlmReport {
        integrity(name, options)?
    } else {
        Integrity::default()
    };
    shared.begin_input();
    let encoding =
        encoding_rs::Encoding::for_label(input.encoding.as_bytes()).unwrap_or(encoding_rs::UTF_8);
    let encoder = LineEncoder {
        local: Local::new(shared.clone()),
        format,
        integrity,
        encoding,
        line: String::new(),
    };
    let mut out = match input.compression {
        Compression::Gzip => {
            Background::new(GzEncoder::new(out, flate2::Compression::default()), |gz| {
                gz.finish()?.flush()
            })
        }
        Compression::None => Background::new(out, |mut out| out.flush()),
    };
    if input.bom {
        out.buf.extend_from_slice(&bom(encoding));
    }
    let mut sink = RewriteSink { encoder, out };
    let ending = read_into(input, format, &options.read, &mut sink)?;
    sink.out.finish().map_err(Error::Write)?;
    Ok(ending)
}

/// Turns events back into their lines, anonymized, in the input's encoding.
struct LineEncoder {
    local: Local,
    format: Format,
    integrity: Integrity,
    encoding: &'static encoding_rs::Encoding,
    line: String,
}

impl LineEncoder {
    /// Another encoder for a worker thread: same run, its own cache.
    fn fork(&self, shared: Arc<Shared>) -> LineEncoder {
        LineEncoder {
            local: Local::new(shared),
            format: self.format,
            integrity: self.integrity,
            encoding: self.encoding,
            line: String::new(),
        }
    }

    /// Writes a line of liclog's own (the rewritten lines are recorded
    /// by [`Local::rewrite_line`]).
    fn put(&mut self, text: &str, ending: &str, out: &mut Vec<u8>) {
        self.local.record(text);
        self.put_recorded(text, ending, out);
    }

    fn put_recorded(&self, text: &str, ending: &str, out: &mut Vec<u8>) {
        encode(text, self.encoding, out);
        encode(ending, self.encoding, out);
    }
}

impl Encoder for LineEncoder {
    fn batch_start(&mut self) {
        self.local.batch_start();
    }

    fn encode(&mut self, ev: &Event<'_>, out: &mut Vec<u8>) {
        let inserted_break = if ev.ending == "\r\n" { "\r\n" } else { "\n" };
        if self.format == Format::Sentinel && ev.line == 1 {
            let header = format!(
                "# liclog {}: user, host, comment and client-ID fields replaced by keyed \
                 pseudonyms; the record checksums no longer match",
                env!("CARGO_PKG_VERSION")
            );
            self.put(&header, inserted_break, out);
        }
        if is_auth(ev) {
            // rlmanon's convention: the signatures cannot be valid any
            // more, and every section says so.
            let i = self.integrity;
            let badauth = format!(
                "BADAUTH ({} errors, {} sessions, {} authentication sections)",
                i.auth_sections,
                i.sessions.max(1),
                i.auth_sections
            );
            self.put(&badauth, inserted_break, out);
        }
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        self.local.rewrite_line(ev, &mut line);
        if is_format_line(ev) {
            self.put_recorded(&line, inserted_break, out);
            let note = format!("REPROCESSED with liclog v{}", env!("CARGO_PKG_VERSION"));
            self.put(&note, ev.ending, out);
        } else {
            self.put_recorded(&line, ev.ending, out);
        }
        self.line = line;
    }
}

fn is_auth(ev: &Event<'_>) -> bool {
    ev.kind == Kind::Auth && ev.extra.iter().any(|(k, _)| *k == "signature")
}

fn is_format_line(ev: &Event<'_>) -> bool {
    ev.format == Format::RlmReport
        && ev.kind == Kind::LogStart
        && ev.extra.iter().any(|(k, _)| *k == "format")
}

struct RewriteSink {
    encoder: LineEncoder,
    out: Background,
}

impl Sink for RewriteSink {
    fn event(&mut self, ev: &Event<'_>) -> Result<()> {
        self.encoder.encode(ev, &mut self.out.buf);
        self.out.maybe_flush().map_err(Error::Write)
    }

    // The lines are written back as they are: what a reader warns about
    // (an unknown line) is kept, and its text searched like free text.
    fn warn(&mut self, _line: u64, _message: &str) {}

    fn batch_start(&mut self) {
        self.encoder.batch_start();
    }

    fn encoder(&mut self) -> Option<Box<dyn Encoder>> {
        let shared = self.encoder.local.shared().clone();
        Some(Box::new(self.encoder.fork(shared)))
    }

    fn rendered(&mut self, batch: &mut Rendered) -> Result<()> {
        self.out.append(&mut batch.bytes).map_err(Error::Write)
    }
}

fn bom(encoding: &'static encoding_rs::Encoding) -> Vec<u8> {
    if encoding == encoding_rs::UTF_16LE {
        vec![0xff, 0xfe]
    } else if encoding == encoding_rs::UTF_16BE {
        vec![0xfe, 0xff]
    } else {
        "\u{feff}".as_bytes().to_vec()
    }
}

/// `text` in the input's own encoding.
fn encode(text: &str, encoding: &'static encoding_rs::Encoding, out: &mut Vec<u8>) {
    if encoding == encoding_rs::UTF_8 {
        out.extend_from_slice(text.as_bytes());
    } else if encoding == encoding_rs::UTF_16LE {
        text.encode_utf16()
            .for_each(|u| out.extend(u.to_le_bytes()));
    } else if encoding == encoding_rs::UTF_16BE {
        text.encode_utf16()
            .for_each(|u| out.extend(u.to_be_bytes()));
    } else {
        out.extend_from_slice(&encoding.encode(text).0);
    }
}
