//! One input whose records run out of time order (an export that lists the
//! newest first, a log merged by hand) read again, sorted by time: the
//! sessions engine pairs in order, and would otherwise pair the wrong
//! sessions. The records are held in memory as canonical JSONL, with their
//! lines: this is the one place where the report's memory grows with its
//! input, and only for such a file.

use liclog::convert::ConvertOptions;
use liclog::lines::Line;
use liclog::read::jsonl::JsonlReader;
use liclog::read::{Reader, Sink};
use liclog::write::{Encoder, EventWriter, JsonlEncoder, WriteOptions};
use liclog::{Error, Event};

/// The records of one input in time order, as canonical JSONL lines.
pub struct Records {
    source: String,
    lines: Vec<Vec<u8>>,
}

/// `name`'s records sorted by time (stable: records of one second keep
/// their order, and an undated record stays after the one before it).
pub fn records(name: &str, options: &ConvertOptions) -> Result<Records, Error> {
    let mut encoder = JsonlEncoder::new(WriteOptions {
        raw: true,
        ..WriteOptions::default()
    });
    let mut rows: Vec<(i64, Vec<u8>)> = Vec::new();
    let mut key = i64::MIN;
    liclog::read_events(name, options, |ev| {
        if let Some(at) = ev.time.as_ref().and_then(liclog::report::seconds_of) {
            key = at;
        }
        let mut bytes = Vec::new();
        encoder.encode(ev, &mut bytes);
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
        }
        rows.push((key, bytes));
    })?;
    rows.sort_by_key(|(at, _)| *at);
    Ok(Records {
        source: name.to_string(),
        lines: rows.into_iter().map(|(_, l)| l).collect(),
    })
}

impl Records {
    /// Every record, in time order, into `writer`.
    pub fn feed(&self, writer: &mut dyn EventWriter) -> Result<(), Error> {
        let mut reader = JsonlReader::new(&self.source);
        let mut sink = Into(writer);
        for (i, bytes) in self.lines.iter().enumerate() {
            let text = String::from_utf8_lossy(bytes);
            let line = Line {
                number: i as u64 + 1,
                offset: 0,
                text: &text,
                ending: "\n",
                cut: None,
            };
            reader.line(&line, &mut sink)?;
        }
        reader.finish(&mut sink)
    }
}

struct Into<'w>(&'w mut dyn EventWriter);

impl Sink for Into<'_> {
    fn event(&mut self, ev: &Event<'_>) -> liclog::Result<()> {
        self.0.write(ev).map_err(Error::Write)
    }

    /// The first reading gave its warnings.
    fn warn(&mut self, _line: u64, _message: &str) {}
}
