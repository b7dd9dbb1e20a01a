//! Vendor readers: one module per format, each turning lines into events.

pub mod canonical;
pub mod csv;
pub mod defined;
pub mod flexnet;
pub mod jsonl;
pub mod lmx;
pub mod parallel;
pub mod prose;
pub mod rlm;
pub mod rlm_debug;
pub mod rlm_report;
pub mod sentinel;

use std::io::Read;

use crate::dating::Zone;
use crate::error::Result;
use crate::event::{Event, Kind, Value};
use crate::format::Format;
use crate::lines::{Line, LineReader};
use crate::write::Encoder;

pub use self::parallel::Rendered;

/// Where a reader sends what it finds.
pub trait Sink {
    fn event(&mut self, event: &Event<'_>) -> Result<()>;
    /// A problem tied to one line of the current input (`path:line`).
    fn warn(&mut self, line: u64, message: &str);
    /// An encoder for rendering events on worker threads, if this sink
    /// takes rendered batches; without one, readers stay sequential.
    fn encoder(&mut self) -> Option<Box<dyn Encoder>> {
        None
    }
    /// A reader that renders in batches starts one. Anonymization forgets
    /// here what it met in the batch before, so that its output does not
    /// depend on which thread rendered which batch.
    fn batch_start(&mut self) {}
    /// A batch rendered with `encoder()`, in input order: its bytes go out
    /// as they are, its warnings and counts as if its events had come one
    /// by one.
    fn rendered(&mut self, batch: &mut Rendered) -> Result<()> {
        let _ = batch;
        unreachable!("rendered() without encoder()")
    }
}

/// Reopens the current input from its start, for readers that need a second
/// pass (FlexNet, to date lines before the first date anchor of a long
/// fragment). `None` for stdin, which cannot be read twice.
pub type Reopen = Box<dyn FnMut() -> Result<LineReader<Box<dyn Read + Send>>>>;

#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// `--date`: the date of the first line when the input has no anchor.
    pub date: Option<jiff::civil::Date>,
    /// `--year`: the year of logs that write `mm/dd` without one (RLM),
    /// until a record states it.
    pub year: Option<i16>,
    /// `--tz`: the zone the log's wall-clock times are in.
    pub tz: Option<Zone>,
    /// The server of the lines before the first that names one: the one
    /// the file names later, or its rotation group's, or `--server NAME`
    /// (a rotated log rarely begins with its start banner).
    pub server: Option<String>,
}

pub trait Reader {
    fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) -> Result<()>;
    /// Called once at the end of the input (also after a read error), so
    /// that buffered lines are never lost.
    fn finish(&mut self, sink: &mut dyn Sink) -> Result<()>;
}

/// A line longer than [`crate::lines::MAX_LINE`]: one `unknown` event with
/// the kept start of the line as its text, and a `path:line` warning.
/// Readers call this for a [`Line::cut`] line, after passing on what they
/// hold, so that events stay in input order.
pub fn cut_line(
    source: &str,
    format: Format,
    server: Option<&str>,
    line: &Line<'_>,
    sink: &mut dyn Sink,
) -> Result<()> {
    let length = line.cut.unwrap_or(line.text.len() as u64);
    let mut ev = Event::new(source, line.number, format, Kind::Unknown, line.text);
    ev.ending = line.ending;
    ev.server = server;
    ev.extra_str("text", line.text);
    ev.extra.push(("length", Value::Int(length as i64)));
    sink.warn(line.number, &cut_warning(length));
    sink.event(&ev)
}

pub fn cut_warning(length: u64) -> String {
    format!(
        "line of {length} bytes is longer than the {} MiB limit; its first KiB is kept as unknown",
        crate::lines::MAX_LINE >> 20
    )
}

pub fn reader_for(
    format: Format,
    source: &str,
    options: &ReadOptions,
    reopen: Option<Reopen>,
) -> Result<Box<dyn Reader>> {
    match format {
        Format::Flexnet => Ok(Box::new(flexnet::FlexnetReader::new(
            source, options, reopen,
        ))),
        Format::RlmReport => Ok(Box::new(rlm_report::RlmReportReader::new(source, options))),
        Format::RlmDebug => Ok(Box::new(rlm_debug::RlmDebugReader::new(source, options))),
        Format::Sentinel => Ok(Box::new(sentinel::SentinelReader::new(source, options))),
        Format::Lmx => Ok(Box::new(lmx::LmxReader::new(source, options))),
        Format::Defined(name) => match crate::defs::find(name) {
            Some(def) => Ok(Box::new(defined::DefinedReader::new(source, def, options))),
            None => Err(format.not_supported("input")),
        },
        Format::Jsonl => Ok(Box::new(jsonl::JsonlReader::new(source))),
        Format::Csv => Ok(Box::new(csv::CsvReader::new(source))),
        other => Err(other.not_supported("input")),
    }
}
