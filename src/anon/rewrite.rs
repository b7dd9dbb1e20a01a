//! The two passes over an input: learning its identifiers, then writing it
//! back in its own format, encoding and compression with them replaced.

use std::collections::BTreeMap;
use std::io::{self, Write};

use flate2::write::GzEncoder;

use super::Anonymizer;
use crate::detect;
use crate::error::{Error, Result};
use crate::event::{Event, Kind};
use crate::format::Format;
use crate::input::{Compression, Decoding, Input};
use crate::lines::{LineError, LineReader, MAX_LINE};
use crate::read::{self, ReadOptions, Sink};

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub from: Option<Format>,
    pub decoding: Decoding,
    pub read: ReadOptions,
}

/// What the first pass learned about an input besides its names.
#[derive(Clone, Debug, Default)]
pub struct Learned {
    /// RLM: `AUTH` records (each closes an authentication section) and
    /// sessions (format lines).
    pub auth_sections: u64,
    pub sessions: u64,
}

/// A line-numbered sink that also sees each line's ending.
trait Pass: Sink {
    fn line_ending(&mut self, _number: u64, _ending: &'static str) {}
}

/// Opens `name`, settles its format, and runs its reader into `pass`. Any
/// failure fails the input: anonymized output is all or nothing.
fn run(name: &str, options: &Options, pass: &mut dyn Pass) -> Result<()> {
    let (input, format) = open(name, options)?;
    read_opened(input, format, options, pass)
}

/// `run` for an input already opened (whose encoding and compression the
/// caller needed first).
fn read_opened(
    mut input: Input,
    format: Format,
    options: &Options,
    pass: &mut dyn Pass,
) -> Result<()> {
    let mut reader = read::reader_for(format, &input.name, &options.read, None)?;
    let mut lines = LineReader::new(std::mem::replace(&mut input.reader, Box::new(io::empty())));
    loop {
        match lines.next_line() {
            Ok(Some(line)) => {
                pass.line_ending(line.number, line.ending);
                reader.line(&line, pass)?;
            }
            Ok(None) => break,
            Err(LineError::Io {
                error,
                offset,
                line,
            }) => return Err(input.read_error(error, offset, line)),
            Err(LineError::InvalidUtf8 { offset, line }) => {
                return Err(input.invalid_utf8(offset, line));
            }
            Err(LineError::TooLong { line }) => {
                return Err(Error::LineTooLong {
                    path: input.display_path(),
                    line,
                    limit: MAX_LINE,
                });
            }
        }
    }
    reader.finish(pass)
}

fn open(name: &str, options: &Options) -> Result<(Input, Format)> {
    let input = Input::open(name, options.decoding)?;
    let format = detect::format_of(&input, options.from)?;
    if !format.can_read() || matches!(format, Format::Csv | Format::Jsonl) {
        return Err(format.not_supported("input to anonymize"));
    }
    Ok((input, format))
}

struct LearnPass<'a> {
    anon: &'a mut Anonymizer,
    learned: Learned,
}

impl Sink for LearnPass<'_> {
    fn event(&mut self, ev: &Event<'_>) -> Result<()> {
        self.anon.learn(ev);
        if is_auth(ev) {
            self.learned.auth_sections += 1;
        }
        if is_format_line(ev) {
            self.learned.sessions += 1;
        }
        Ok(())
    }
    fn warn(&mut self, _line: u64, _message: &str) {}
}

impl Pass for LearnPass<'_> {}

fn is_auth(ev: &Event<'_>) -> bool {
    ev.kind == Kind::Auth && ev.extra.iter().any(|(k, _)| *k == "signature")
}

fn is_format_line(ev: &Event<'_>) -> bool {
    ev.format == Format::RlmReport
        && ev.kind == Kind::LogStart
        && ev.extra.iter().any(|(k, _)| *k == "format")
}

/// Pass 1: every identifier of `name` goes into the anonymizer's dictionary.
pub fn learn(name: &str, options: &Options, anon: &mut Anonymizer) -> Result<Learned> {
    let mut pass = LearnPass {
        anon,
        learned: Learned::default(),
    };
    run(name, options, &mut pass)?;
    Ok(pass.learned)
}

/// Pass 2: writes `name` to `out` with its identifiers replaced. Returns
/// the leak check's findings (`path:line: ...`), empty when none survived.
pub fn rewrite(
    name: &str,
    options: &Options,
    learned: &Learned,
    anon: &mut Anonymizer,
    out: &mut dyn Write,
) -> Result<Vec<String>> {
    let (input, format) = open(name, options)?;
    let mut target = match input.compression {
        Compression::Gzip => Target::Gz(Box::new(GzEncoder::new(
            out,
            flate2::Compression::default(),
        ))),
        Compression::None => Target::Plain(out),
    };
    if input.bom {
        target.write(&bom(&input.encoding)).map_err(Error::Write)?;
    }
    let mut pass = RewritePass {
        anon,
        format,
        learned: learned.clone(),
        name: name.to_string(),
        encoding: input.encoding.clone(),
        target,
        endings: BTreeMap::new(),
        ready: BTreeMap::new(),
        next: 1,
        leaks: Vec::new(),
        bytes: Vec::new(),
    };
    read_opened(input, format, options, &mut pass)?;
    pass.flush()?;
    pass.target.finish().map_err(Error::Write)?;
    Ok(pass.leaks)
}

enum Target<'o> {
    Plain(&'o mut dyn Write),
    Gz(Box<GzEncoder<&'o mut dyn Write>>),
}

impl Target<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Target::Plain(w) => w.write_all(bytes),
            Target::Gz(w) => w.write_all(bytes),
        }
    }

    fn finish(self) -> io::Result<()> {
        match self {
            Target::Plain(w) => w.flush(),
            Target::Gz(w) => (*w).finish().and_then(|w| w.flush()),
        }
    }
}

struct RewritePass<'a, 'o> {
    anon: &'a mut Anonymizer,
    format: Format,
    learned: Learned,
    name: String,
    encoding: String,
    target: Target<'o>,
    endings: BTreeMap<u64, &'static str>,
    /// Rewritten lines (with any lines inserted around them) waiting for
    /// the lines before them.
    ready: BTreeMap<u64, Vec<String>>,
    next: u64,
    leaks: Vec<String>,
    bytes: Vec<u8>,
}

impl RewritePass<'_, '_> {
    fn flush(&mut self) -> Result<()> {
        while let Some(segments) = self.ready.remove(&self.next) {
            let ending = self.endings.remove(&self.next).unwrap_or("\n");
            for (i, text) in segments.iter().enumerate() {
                for hit in self.anon.dictionary.find(text) {
                    self.leaks.push(format!(
                        "{}:{}: a {} name survives: {:?}",
                        self.name,
                        self.next,
                        hit.class.name(),
                        hit.name
                    ));
                }
                self.bytes.clear();
                encode(text, &self.encoding, &mut self.bytes);
                // The last segment keeps the line's own ending (none at EOF).
                let end = if i + 1 == segments.len() {
                    ending
                } else {
                    line_break(ending)
                };
                encode(end, &self.encoding, &mut self.bytes);
                self.target.write(&self.bytes).map_err(Error::Write)?;
            }
            self.next += 1;
        }
        Ok(())
    }
}

fn line_break(ending: &'static str) -> &'static str {
    if ending == "\r\n" { "\r\n" } else { "\n" }
}

impl Sink for RewritePass<'_, '_> {
    fn event(&mut self, ev: &Event<'_>) -> Result<()> {
        let line = self.anon.rewrite_line(ev);
        let mut segments = Vec::with_capacity(2);
        if self.format == Format::Sentinel && ev.line == 1 {
            segments.push(format!(
                "# liclog {}: user, host, comment and client-ID fields replaced by keyed \
                 pseudonyms; the record checksums no longer match",
                env!("CARGO_PKG_VERSION")
            ));
        }
        if is_auth(ev) {
            // rlmanon's convention: the signatures cannot be valid any more,
            // and every section says so.
            let l = &self.learned;
            segments.push(format!(
                "BADAUTH ({} errors, {} sessions, {} authentication sections)",
                l.auth_sections,
                l.sessions.max(1),
                l.auth_sections
            ));
        }
        segments.push(line);
        if is_format_line(ev) {
            segments.push(format!(
                "REPROCESSED with liclog v{}",
                env!("CARGO_PKG_VERSION")
            ));
        }
        self.ready.insert(ev.line, segments);
        self.flush()
    }
    fn warn(&mut self, _line: u64, _message: &str) {}
}

impl Pass for RewritePass<'_, '_> {
    fn line_ending(&mut self, number: u64, ending: &'static str) {
        self.endings.insert(number, ending);
    }
}

fn bom(encoding: &str) -> Vec<u8> {
    match encoding {
        "utf-16le" => vec![0xff, 0xfe],
        "utf-16be" => vec![0xfe, 0xff],
        _ => "\u{feff}".as_bytes().to_vec(),
    }
}

/// `text` in the input's own encoding.
fn encode(text: &str, encoding: &str, out: &mut Vec<u8>) {
    match encoding {
        "utf-8" => out.extend_from_slice(text.as_bytes()),
        "utf-16le" => text
            .encode_utf16()
            .for_each(|u| out.extend(u.to_le_bytes())),
        "utf-16be" => text
            .encode_utf16()
            .for_each(|u| out.extend(u.to_be_bytes())),
        label => {
            let enc =
                encoding_rs::Encoding::for_label(label.as_bytes()).unwrap_or(encoding_rs::UTF_8);
            out.extend_from_slice(&enc.encode(text).0);
        }
    }
}
