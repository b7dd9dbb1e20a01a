//! What the planner needs to know of a file before reading it for real:
//! its content hash (BLAKE3 of the decompressed bytes), its first and last
//! bytes (to find snapshots and overlapping rotations), its format, and
//! the server and time of its first dated event (to order rotated files).

use std::io::Read;

use crate::detect;
use crate::error::{Error, Result};
use crate::event::{Event, Kind};
use crate::format::Format;
use crate::input::{self, Compression, Decoding, Input};
use crate::lines::LineReader;
use crate::read::{self, ReadOptions, Sink};

/// Bytes kept of each end of a file: overlaps between rotated files up to
/// this long are found (a copy-and-truncate race repeats a few lines).
/// Planning holds both ends of every file at once: 8 KiB a file.
pub const EDGE: usize = 4 * 1024;
/// Lines read to find a file's first dated event and its server: a FlexNet
/// fragment dates its lines from the first `TIMESTAMP`, every few hours.
const DATING_LINES: u64 = 64 * 1024;

#[derive(Clone, Debug)]
pub struct Survey {
    /// Bytes as stored (compressed or not).
    pub size: Option<u64>,
    /// Of the bytes before a read error, if there is one (reading the file
    /// for real reports it, after converting what came before); `None`
    /// when the file cannot be opened.
    pub hash: Option<blake3::Hash>,
    /// Decompressed bytes.
    pub content_len: u64,
    /// `\n`-terminated lines, plus a last one without.
    pub lines: u64,
    pub ends_with_newline: bool,
    /// The first and last [`EDGE`] decompressed bytes (all of a short file).
    pub head: Vec<u8>,
    pub tail: Vec<u8>,
    pub format: Option<Format>,
    /// Why that format, or why none.
    pub reason: String,
    pub compression: Compression,
    pub encoding: String,
    /// The first dated event's time: in UTC where the log gives its
    /// offset, else local.
    pub first: Option<jiff::civil::DateTime>,
    pub server: Option<String>,
    /// The vendor daemon (ISV) of the first usage event.
    pub daemon: Option<String>,
}

impl Survey {
    /// Whether lines can be told apart in the raw bytes (`\n` is one byte
    /// of its own in every encoding but UTF-16).
    pub fn splits_on_newline(&self) -> bool {
        !self.encoding.starts_with("utf-16")
    }
}

pub fn survey(
    name: &str,
    from: Option<Format>,
    decoding: Decoding,
    options: &ReadOptions,
) -> Result<Survey> {
    let input = Input::open(name, decoding)?;
    let detected = detect::detect(&input);
    let format = from.or(detected.format);
    let size = input.stored_len;
    let (compression, encoding) = (input.compression, input.encoding.clone());
    let dated = match format {
        Some(f) if f.can_read() => first_dated(input, f, options),
        _ => Dated::default(),
    };
    let content = content(name);
    Ok(Survey {
        size,
        hash: content.hash,
        content_len: content.len,
        lines: content.lines,
        ends_with_newline: content.ends_with_newline,
        head: content.head,
        tail: content.tail,
        format,
        reason: detected.reason,
        compression,
        encoding,
        first: dated.first,
        server: dated.server,
        daemon: dated.daemon,
    })
}

struct Content {
    hash: Option<blake3::Hash>,
    len: u64,
    lines: u64,
    ends_with_newline: bool,
    head: Vec<u8>,
    tail: Vec<u8>,
}

/// One pass over the decompressed bytes, up to the end or an error.
fn content(name: &str) -> Content {
    let (mut reader, opened): (Box<dyn Read + Send>, _) = match input::open_decompressed(name) {
        Ok((r, _)) => (r, true),
        Err(_) => (Box::new(std::io::empty()), false),
    };
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; 256 * 1024];
    let (mut len, mut lines) = (0u64, 0u64);
    let (mut head, mut tail) = (Vec::new(), Vec::new());
    let mut last = b'\n';
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        let chunk = &buf[..n];
        hasher.update(chunk);
        len += n as u64;
        lines += memchr::memchr_iter(b'\n', chunk).count() as u64;
        last = chunk[n - 1];
        if head.len() < EDGE {
            let take = (EDGE - head.len()).min(n);
            head.extend_from_slice(&chunk[..take]);
        }
        keep_tail(&mut tail, chunk);
    }
    let ends_with_newline = last == b'\n';
    Content {
        hash: opened.then(|| hasher.finalize()),
        len,
        lines: lines + u64::from(len > 0 && !ends_with_newline),
        ends_with_newline,
        head,
        tail,
    }
}

fn keep_tail(tail: &mut Vec<u8>, chunk: &[u8]) {
    if chunk.len() >= EDGE {
        tail.clear();
        tail.extend_from_slice(&chunk[chunk.len() - EDGE..]);
    } else {
        tail.extend_from_slice(chunk);
        if tail.len() > EDGE {
            tail.drain(..tail.len() - EDGE);
        }
    }
}

/// Whether the first `len` decompressed bytes of `name` hash to `hash`
/// (whether the file begins with the whole of another one), and if so the
/// whole lines they hold: a last line cut short there is read again whole.
pub fn starts_with(name: &str, len: u64, hash: &blake3::Hash) -> Option<u64> {
    let (reader, _) = input::open_decompressed(name).ok()?;
    let mut prefix = Prefix {
        hasher: blake3::Hasher::new(),
        lines: 0,
    };
    let copied = std::io::copy(&mut reader.take(len), &mut prefix).ok()?;
    (copied == len && prefix.hasher.finalize() == *hash).then_some(prefix.lines)
}

struct Prefix {
    hasher: blake3::Hasher,
    lines: u64,
}

impl std::io::Write for Prefix {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.hasher.update(buf);
        self.lines += memchr::memchr_iter(b'\n', buf).count() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[derive(Default)]
struct Dated {
    first: Option<jiff::civil::DateTime>,
    server: Option<String>,
    daemon: Option<String>,
}

impl Dated {
    fn complete(&self) -> bool {
        self.first.is_some() && self.server.is_some() && self.daemon.is_some()
    }
}

impl Sink for Dated {
    fn event(&mut self, ev: &Event<'_>) -> Result<()> {
        if self.first.is_none()
            && let Some(t) = ev.time
            && let Some(d) = t.date
        {
            let (h, m, s) = (t.seconds / 3600, t.seconds / 60 % 60, t.seconds % 60);
            let local = d.at(h as i8, m as i8, s as i8, 0);
            // In UTC where the log states its offset: rotated files of one
            // server may straddle a change of daylight saving time.
            let offset = jiff::SignedDuration::from_secs(i64::from(t.offset.unwrap_or(0)));
            self.first = Some(local.checked_sub(offset).unwrap_or(local));
        }
        if self.server.is_none() {
            self.server = ev.server.map(String::from);
        }
        let usage = matches!(ev.kind, Kind::Checkout | Kind::Checkin | Kind::Denial);
        if self.daemon.is_none() && usage {
            self.daemon = ev.daemon.map(String::from);
        }
        Ok(())
    }

    fn warn(&mut self, _line: u64, _message: &str) {}
}

/// The head of the file through its reader, until its first dated event,
/// its server and its vendor daemon are known. A file that cannot be read
/// this far is still surveyed: reading it for real reports the problem.
fn first_dated(mut input: Input, format: Format, options: &ReadOptions) -> Dated {
    let mut dated = Dated::default();
    let Ok(mut reader) = read::reader_for(format, &input.name.clone(), options, None) else {
        return dated;
    };
    let mut lines = LineReader::new(std::mem::replace(
        &mut input.reader,
        Box::new(std::io::empty()),
    ));
    while let Ok(Some(line)) = lines.next_line() {
        if reader.line(&line, &mut dated).is_err() || dated.complete() {
            return dated;
        }
        if line.number >= DATING_LINES {
            break;
        }
    }
    let _ = reader.finish(&mut dated);
    dated
}

/// A file named on the command line whose format is unknown fails the
/// run's exit code; one found by a walk is only skipped.
pub fn unrecognised(name: &str, survey: &Survey) -> Error {
    Error::Unrecognised {
        path: name.into(),
        reason: survey.reason.clone(),
    }
}
