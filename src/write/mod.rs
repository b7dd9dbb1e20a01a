//! Writers: canonical JSONL and CSV, and the vendor formats
//! ([`vendor`]). An [`Encoder`] turns events into
//! bytes; the [`EncodingWriter`] around it appends them to one reused
//! buffer and hands that to the output in large writes. Encoders are
//! cloned onto worker threads, so readers can render batches in parallel.

mod background;
mod csv;
mod flexnet;
mod jsonl;
mod lmx;
mod rlm_report;
mod sentinel;
#[doc(hidden)]
pub mod vendor;

use std::io::{self, Write};

use crate::event::{Event, Value};
use crate::format::Format;

#[doc(hidden)]
pub use self::background::Background;
#[doc(hidden)]
pub use self::csv::CsvEncoder;
#[doc(hidden)]
pub use self::csv::cell as csv_cell;
#[doc(hidden)]
pub use self::flexnet::Flexnet;
#[doc(hidden)]
pub use self::jsonl::JsonlEncoder;
#[doc(hidden)]
pub use self::lmx::Lmx;
#[doc(hidden)]
pub use self::rlm_report::RlmReport;
#[doc(hidden)]
pub use self::sentinel::Sentinel;
#[doc(hidden)]
pub use self::vendor::VendorWriter;

#[doc(hidden)]
pub type CsvWriter = EncodingWriter<CsvEncoder>;
#[doc(hidden)]
pub type JsonlWriter = EncodingWriter<JsonlEncoder>;

/// The canonical columns, in CSV order (`raw` only with `--raw`).
pub const COLUMNS: [&str; 20] = [
    "source",
    "line",
    "format",
    "kind",
    "xslm",
    "time",
    "time_of_day",
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

/// How the writers write.
#[derive(Clone, Copy, Debug, Default)]
pub struct WriteOptions {
    /// Canonical output: add the `raw` column (the line as read).
    pub raw: bool,
    /// CSV for Excel: a UTF-8 BOM and CRLF line ends.
    pub excel: bool,
    /// Vendor formats: a value the format cannot carry is an error.
    pub strict: bool,
}

/// Where converted events go. Implement [`EventWriter::write`] (and
/// [`EventWriter::finish`], if the writer buffers) to receive every event
/// in input order; or use [`crate::read_events`], which takes a closure.
///
/// The other methods let liclog's own byte writers render large inputs on
/// worker threads; their defaults keep a writer on the plain path, one
/// event after another.
pub trait EventWriter {
    /// Receives one event; line order within each input.
    fn write(&mut self, event: &Event<'_>) -> io::Result<()>;
    /// Called once after the last event.
    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// An encoder producing exactly the bytes `write` would, for events
    /// rendered on another thread and passed to `write_encoded`; `None`
    /// (the default) for a writer that needs every event in order.
    #[doc(hidden)]
    fn encoder(&self) -> Option<Box<dyn Encoder>> {
        None
    }
    /// Writes bytes from `encoder()`, leaving `bytes` empty (its buffer
    /// may be swapped for another one). Called only when `encoder()`
    /// gave one.
    #[doc(hidden)]
    fn write_encoded(&mut self, bytes: &mut Vec<u8>) -> io::Result<()> {
        let _ = bytes;
        Err(io::Error::other("this writer renders no bytes"))
    }
    /// See [`crate::read::Sink::batch_start`].
    #[doc(hidden)]
    fn batch_start(&mut self) {}
    /// What the output format could not carry: (what, how many events).
    fn losses(&self) -> Vec<(String, u64)> {
        Vec::new()
    }
    /// How many of the usage events it was given it wrote nothing for
    /// (each is also one of `losses`).
    fn dropped_usage(&self) -> u64 {
        0
    }
    /// What the writer saw that the user should know, once it finished
    /// (a log whose time goes backwards, for the sessions engine).
    fn warnings(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Turns events into an output format's bytes.
#[doc(hidden)]
pub trait Encoder: Send {
    /// What comes before the first event (the CSV header row).
    fn header(&self, _out: &mut Vec<u8>) {}
    /// See [`crate::read::Sink::batch_start`].
    fn batch_start(&mut self) {}
    fn encode(&mut self, event: &Event<'_>, out: &mut Vec<u8>);
}

/// liclog's writer for `format` (canonical JSONL or CSV, or a vendor
/// format), writing to `out`.
pub fn writer_for(
    format: Format,
    out: Box<dyn Write + Send>,
    options: WriteOptions,
) -> crate::Result<Box<dyn EventWriter>> {
    match format {
        Format::Jsonl => Ok(Box::new(JsonlWriter::new(out, options))),
        Format::Csv => Ok(Box::new(CsvWriter::new(out, options))),
        Format::Flexnet => Ok(Box::new(VendorWriter::new(
            out,
            Flexnet::default(),
            options.strict,
        ))),
        Format::RlmReport => Ok(Box::new(VendorWriter::new(
            out,
            RlmReport::default(),
            options.strict,
        ))),
        Format::Sentinel => Ok(Box::new(VendorWriter::new(
            out,
            Sentinel::default(),
            options.strict,
        ))),
        Format::Lmx => Ok(Box::new(VendorWriter::new(
            out,
            Lmx::default(),
            options.strict,
        ))),
        other => Err(other.not_supported("output")),
    }
}

#[doc(hidden)]
pub struct EncodingWriter<E> {
    out: Background,
    encoder: E,
    started: bool,
}

#[doc(hidden)]
impl<E: Encoder + Clone + 'static> EncodingWriter<E> {
    pub fn with_encoder(out: Box<dyn Write + Send>, encoder: E) -> Self {
        EncodingWriter {
            out: Background::new(out, |mut out| out.flush()),
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

    fn encoder(&self) -> Option<Box<dyn Encoder>> {
        Some(Box::new(self.encoder.clone()))
    }

    fn write_encoded(&mut self, bytes: &mut Vec<u8>) -> io::Result<()> {
        self.start();
        self.out.append(bytes)
    }

    fn finish(&mut self) -> io::Result<()> {
        self.start();
        self.out.finish()
    }
}

fn push_u64(out: &mut Vec<u8>, n: u64) {
    crate::event::push_decimal(out, n, 1);
}

/// A JSON string literal, by serde_json. The hand-written loop it replaced
/// was no faster: JSONL from the 1M-line bench log on one thread took 0.97×
/// its time with serde_json for strings and `extra` (median of 11 runs).
pub(crate) fn push_json_str(out: &mut Vec<u8>, s: &str) {
    // Writing a string into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// `extra` as a JSON object, by serde_json.
fn push_extra(out: &mut Vec<u8>, extra: &[(&'static str, Value<'_>)]) {
    if extra.is_empty() {
        out.extend_from_slice(b"{}");
        return;
    }
    // Writing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, &Extra(extra));
}

/// The `extra` pairs, in order, as a JSON object.
struct Extra<'e, 'a>(&'e [(&'static str, Value<'a>)]);

impl serde::Serialize for Extra<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(key, value)| (key, value)))
    }
}

impl serde::Serialize for Value<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Str(text) => s.serialize_str(text),
            Value::Owned(text) => s.serialize_str(text),
            Value::Int(n) => s.serialize_i64(*n),
        }
    }
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
