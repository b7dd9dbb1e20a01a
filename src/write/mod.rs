//! Writers: canonical JSONL and CSV. An [`Encoder`] turns events into
//! bytes; the [`EncodingWriter`] around it appends them to one reused
//! buffer and hands that to the output in large writes. Encoders are
//! cloned onto worker threads, so readers can render batches in parallel.

mod csv;
mod jsonl;

use std::io::{self, Write};
use std::sync::mpsc;
use std::thread;

use crate::event::{Event, Value};
use crate::format::Format;

pub use self::csv::CsvEncoder;
pub use self::jsonl::JsonlEncoder;

pub type CsvWriter = EncodingWriter<CsvEncoder>;
pub type JsonlWriter = EncodingWriter<JsonlEncoder>;

/// The canonical columns, in CSV order (`raw` only with `--raw`).
pub const COLUMNS: [&str; 19] = [
    "source",
    "line",
    "format",
    "kind",
    "xslm",
    "time",
    "time_source",
    "server",
    "daemon",
    "feature",
    "version",
    "user",
    "host",
    "count",
    "handle",
    "reason",
    "code",
    "extra",
    "raw",
];

const FLUSH_AT: usize = 256 * 1024;

#[derive(Clone, Copy, Debug, Default)]
pub struct WriteOptions {
    pub raw: bool,
    /// CSV for Excel: a UTF-8 BOM and CRLF line ends.
    pub excel: bool,
}

pub trait EventWriter {
    fn write(&mut self, event: &Event<'_>) -> io::Result<()>;
    /// An encoder producing exactly the bytes `write` would, for events
    /// rendered on another thread and passed to `write_encoded`.
    fn encoder(&self) -> Box<dyn Encoder>;
    /// Writes bytes from `encoder()`, leaving `bytes` empty (its buffer
    /// may be swapped for another one).
    fn write_encoded(&mut self, bytes: &mut Vec<u8>) -> io::Result<()>;
    fn finish(&mut self) -> io::Result<()>;
    /// See [`crate::read::Sink::batch_start`].
    fn batch_start(&mut self) {}
}

/// Turns events into an output format's bytes.
pub trait Encoder: Send {
    /// What comes before the first event (the CSV header row).
    fn header(&self, _out: &mut Vec<u8>) {}
    /// See [`crate::read::Sink::batch_start`].
    fn batch_start(&mut self) {}
    fn encode(&mut self, event: &Event<'_>, out: &mut Vec<u8>);
}

pub fn writer_for(
    format: Format,
    out: Box<dyn Write + Send>,
    options: WriteOptions,
) -> crate::Result<Box<dyn EventWriter>> {
    match format {
        Format::Jsonl => Ok(Box::new(JsonlWriter::new(out, options))),
        Format::Csv => Ok(Box::new(CsvWriter::new(out, options))),
        other => Err(other.not_supported("output")),
    }
}

pub struct EncodingWriter<E> {
    out: Buffered,
    encoder: E,
    started: bool,
}

impl<E: Encoder + Clone + 'static> EncodingWriter<E> {
    pub fn with_encoder(out: Box<dyn Write + Send>, encoder: E) -> Self {
        EncodingWriter {
            out: Buffered::new(out),
            encoder,
            started: false,
        }
    }

    fn start(&mut self) {
        if !self.started {
            self.encoder.header(&mut self.out.buf);
            self.started = true;
        }
    }
}

impl<E: Encoder + Clone + 'static> EventWriter for EncodingWriter<E> {
    fn write(&mut self, event: &Event<'_>) -> io::Result<()> {
        self.start();
        self.encoder.encode(event, &mut self.out.buf);
        self.out.maybe_flush()
    }

    fn encoder(&self) -> Box<dyn Encoder> {
        Box::new(self.encoder.clone())
    }

    fn write_encoded(&mut self, bytes: &mut Vec<u8>) -> io::Result<()> {
        self.start();
        if self.out.buf.len() + bytes.len() < FLUSH_AT {
            self.out.buf.append(bytes);
            return Ok(());
        }
        // A large batch goes to the output as it is, without a copy.
        if !self.out.buf.is_empty() {
            self.out.hand_over()?;
        }
        std::mem::swap(&mut self.out.buf, bytes);
        self.out.hand_over()?;
        bytes.clear();
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.start();
        self.out.finish()
    }
}

/// A buffer that, once large, is handed to a writer thread: the write
/// system calls (a sixth of the work when converting) then overlap parsing.
/// Buffers come back through a second channel and are reused.
struct Buffered {
    buf: Vec<u8>,
    full: Option<mpsc::SyncSender<Vec<u8>>>,
    empty: mpsc::Receiver<Vec<u8>>,
    thread: Option<thread::JoinHandle<io::Result<()>>>,
}

impl Buffered {
    fn new(mut out: Box<dyn Write + Send>) -> Self {
        let (full_tx, full_rx) = mpsc::sync_channel::<Vec<u8>>(2);
        let (empty_tx, empty_rx) = mpsc::channel();
        let thread = thread::spawn(move || {
            for mut buf in full_rx {
                out.write_all(&buf)?;
                buf.clear();
                let _ = empty_tx.send(buf);
            }
            out.flush()
        });
        Buffered {
            buf: Vec::with_capacity(FLUSH_AT + 4096),
            full: Some(full_tx),
            empty: empty_rx,
            thread: Some(thread),
        }
    }

    fn maybe_flush(&mut self) -> io::Result<()> {
        if self.buf.len() >= FLUSH_AT {
            self.hand_over()?;
        }
        Ok(())
    }

    fn hand_over(&mut self) -> io::Result<()> {
        let next = self
            .empty
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(FLUSH_AT + 4096));
        let full = std::mem::replace(&mut self.buf, next);
        let sent = self.full.as_ref().is_some_and(|tx| tx.send(full).is_ok());
        if !sent {
            // The writer thread stopped: its error is the one to report.
            return self.join();
        }
        Ok(())
    }

    fn join(&mut self) -> io::Result<()> {
        self.full = None;
        match self.thread.take() {
            Some(t) => t
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("writer thread panicked"))),
            None => Err(io::Error::other("output already closed")),
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            self.hand_over()?;
        }
        self.join()
    }
}

fn push_u64(out: &mut Vec<u8>, n: u64) {
    crate::event::push_decimal(out, n, 1);
}

/// A JSON string literal.
fn push_json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &c) in bytes.iter().enumerate() {
        let escape: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[(c >> 4) as usize]);
            out.push(HEX[(c & 15) as usize]);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// `extra` as a JSON object.
fn push_extra(out: &mut Vec<u8>, extra: &[(&'static str, Value<'_>)]) {
    if extra.is_empty() {
        out.extend_from_slice(b"{}");
        return;
    }
    out.push(b'{');
    for (i, (key, value)) in extra.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_json_str(out, key);
        out.push(b':');
        match value {
            Value::Str(s) => push_json_str(out, s),
            Value::Owned(s) => push_json_str(out, s),
            Value::Int(n) => {
                if *n < 0 {
                    out.push(b'-');
                }
                push_u64(out, n.unsigned_abs());
            }
        }
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_escape_what_json_requires() {
        let mut out = Vec::new();
        push_json_str(&mut out, "a\"b\\c\nd\u{1}é");
        assert_eq!(String::from_utf8(out).unwrap(), r#""a\"b\\c\nd\u0001é""#);
        let mut out = Vec::new();
        push_extra(&mut out, &[("n", Value::Int(-3)), ("s", Value::Str("x"))]);
        assert_eq!(String::from_utf8(out).unwrap(), r#"{"n":-3,"s":"x"}"#);
    }
}
