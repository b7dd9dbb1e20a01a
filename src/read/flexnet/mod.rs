//! FlexNet / FLEXlm lmgrd and vendor-daemon debug logs.
//!
//! Each line is `H:MM:SS (daemon) text` (optionally preceded by a full date).
//! A line without that prefix continues the line before it: FlexNet, and
//! whatever copied the log, wrap long lines. The reader therefore holds one
//! entry back until it sees the next line.
//!
//! The log writes no date on ordinary lines. Dates come from anchors (see
//! [`crate::dating`]); lines before the first anchor wait in a bounded
//! look-back, and a long anchorless start of a file is dated by a second
//! pass that looks for the first anchor.
//!
//! Dated entries are rendered into events in batches (`render`), on
//! worker threads when the sink allows it.

mod frame;
mod message;
mod render;
mod usage;

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::Arc;

use jiff::civil::Date;

use self::frame::Frame;
use self::message::Message;
use super::parallel::Pool;
use super::{ReadOptions, Reader, Reopen, Sink};
use crate::dating::{Clock, Zone};
use crate::error::Result;
use crate::event::{Time, TimeSource};
use crate::lines::Line;

pub use self::frame::looks_like_flexnet;
pub use self::message::slog_tuple;

/// Continuation lines joined into one entry; more are kept as their own
/// events but no longer joined, so that memory stays bounded.
const MAX_CONTINUATIONS: usize = 64;
/// Look-back bound before the first date anchor.
const LOOKBACK_LINES: usize = 50_000;
const LOOKBACK_BYTES: usize = 8 * 1024 * 1024;
/// Entries rendered together: large enough that handing a batch to a
/// worker costs little, small enough to keep memory flat.
const BATCH: usize = 2048;
const BATCH_BYTES: usize = 1024 * 1024;

#[derive(Default)]
struct Entry {
    number: u64,
    /// The line, in the text of the batch being built.
    text: Range<usize>,
    frame: Option<Frame>,
    /// Wrapped lines that follow, joined into this entry's text.
    continuations: Vec<(u64, Range<usize>)>,
    /// For an entry that is itself a continuation beyond the join limit.
    continuation_of: Option<u64>,
    /// A line over the length limit: its full length ([`Line::cut`]).
    cut: Option<u64>,
    /// Time of day: this line's, or its head line's for a continuation.
    seconds: Option<u32>,
    day: i32,
    carries_date: bool,
    /// The host a start banner names (it becomes the `server` of what follows).
    banner: Option<String>,
    /// Set when the entry leaves the look-back.
    time: Option<Time>,
    time_source: TimeSource,
}

impl Entry {
    fn bytes(&self) -> usize {
        self.text.len()
            + self
                .continuations
                .iter()
                .map(|(_, t)| t.len())
                .sum::<usize>()
    }
}

/// Dated entries in input order, the server in force before the first,
/// and their text. Lines are copied into one growing string rather than a
/// string each: one stream of writes instead of scattered small copies.
/// Entries still held (pending or in the look-back) have their text there
/// too; a batch is only passed on when none are.
#[derive(Default)]
struct Batch {
    entries: Vec<Entry>,
    server: Option<String>,
    text: String,
}

/// The ending stored after the text that ends at `end` (line texts
/// never contain `\n`, so what follows is this line's ending or the next
/// line's text).
fn ending_after(arena: &str, end: usize) -> &'static str {
    let rest = &arena.as_bytes()[end..];
    if rest.starts_with(b"\r\n") {
        "\r\n"
    } else if rest.starts_with(b"\n") {
        "\n"
    } else {
        ""
    }
}

impl Batch {
    /// Copies a line in, its ending right after its text (where
    /// [`ending_after`] finds it again): the range covers the text only.
    fn append(&mut self, text: &str, ending: &'static str) -> Range<usize> {
        let start = self.text.len();
        self.text.push_str(text);
        let end = self.text.len();
        self.text.push_str(ending);
        start..end
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.text.clear();
    }
}

pub struct FlexnetReader {
    source: Arc<str>,
    dating: Dating,
    pending: Option<Entry>,
    lookback: VecDeque<Entry>,
    lookback_bytes: usize,
    reopen: Option<Reopen>,
    batch: Batch,
    /// The server in force after the last entry batched.
    server: Option<String>,
    pool: Option<Pool<Batch>>,
    /// The sink takes events one by one only.
    sequential: bool,
    joined: String,
}

/// Dates entries from the anchors seen so far.
struct Dating {
    clock: Clock,
    zone: Option<Zone>,
    date_option: Option<Date>,
    /// No anchor could be found in time: emit lines without a date.
    undated: bool,
}

impl FlexnetReader {
    pub fn new(source: &str, options: &ReadOptions, reopen: Option<Reopen>) -> Self {
        FlexnetReader {
            source: source.into(),
            dating: Dating {
                clock: Clock::default(),
                zone: options.tz.clone(),
                date_option: options.date,
                undated: false,
            },
            pending: None,
            lookback: VecDeque::new(),
            lookback_bytes: 0,
            reopen,
            batch: Batch::default(),
            server: options.server.clone(),
            pool: None,
            sequential: false,
            joined: String::new(),
        }
    }

    fn start(
        &mut self,
        line: &Line<'_>,
        frame: Option<Frame>,
        continuation_of: Option<(u64, Option<u32>)>,
    ) {
        self.pending = Some(Entry {
            number: line.number,
            text: self.batch.append(line.text, line.ending),
            seconds: frame
                .as_ref()
                .map(|f| f.seconds)
                .or(continuation_of.and_then(|c| c.1)),
            frame,
            continuation_of: continuation_of.map(|c| c.0),
            ..Entry::default()
        });
    }

    /// Moves the held entry on: dates it, then batches it or parks it in
    /// the look-back until an anchor dates it.
    fn flush(&mut self, sink: &mut dyn Sink) -> Result<()> {
        let Some(mut e) = self.pending.take() else {
            return Ok(());
        };
        let clock = &mut self.dating.clock;
        let arena = &self.batch.text;
        match &e.frame {
            Some(f) => {
                let text = &arena[e.text.clone()];
                e.day = clock.tick(f.seconds);
                let message = f.message(text);
                if let Some((date, source)) = f.anchor(message.as_ref()) {
                    e.carries_date = true;
                    clock.anchor(e.day, date, source);
                }
                e.banner = if e.continuations.is_empty() {
                    banner_host(message)
                } else {
                    // Rendering classifies the joined text: so must this.
                    let body = f.body(text);
                    render::join_into(&mut self.joined, body, &e.continuations, arena);
                    // The joined text is a body: the frame's offsets,
                    // which are into the line, do not apply to it.
                    banner_host(frame::message_of(&self.joined))
                };
            }
            None => e.day = clock.day(),
        }
        if self.dating.clock.is_anchored() || self.dating.undated {
            self.drain_lookback();
            self.push(e);
            return self.pass_full_batch(sink);
        }
        self.lookback_bytes += e.bytes();
        self.lookback.push_back(e);
        if self.lookback.len() > LOOKBACK_LINES || self.lookback_bytes > LOOKBACK_BYTES {
            self.date_without_anchor(sink);
            self.drain_lookback();
            return self.pass_full_batch(sink);
        }
        Ok(())
    }

    fn drain_lookback(&mut self) {
        while let Some(e) = self.lookback.pop_front() {
            self.push(e);
        }
        self.lookback_bytes = 0;
    }

    /// Dates an entry and adds it to the batch.
    fn push(&mut self, mut e: Entry) {
        (e.time, e.time_source) = self.dating.time_of(&e);
        if self.batch.entries.is_empty() {
            self.batch.server.clone_from(&self.server);
        }
        if let Some(host) = &e.banner {
            self.server = Some(host.clone());
        }
        self.batch.entries.push(e);
    }

    /// Called only when no entry is held back, so that all of the batch's
    /// text belongs to its entries.
    fn pass_full_batch(&mut self, sink: &mut dyn Sink) -> Result<()> {
        if self.batch.entries.len() >= BATCH || self.batch.text.len() >= BATCH_BYTES {
            self.pass_batch(sink, true)?;
        }
        Ok(())
    }

    /// Renders the batch: on the workers once there is more than one batch
    /// (`start_pool`: small inputs never start threads), else here.
    fn pass_batch(&mut self, sink: &mut dyn Sink, start_pool: bool) -> Result<()> {
        if start_pool && self.pool.is_none() && !self.sequential {
            let source = self.source.clone();
            self.pool = Pool::start(sink, move |b: &mut Batch, s: &mut dyn Sink| {
                render::batch(&source, b, s)
            });
            self.sequential = self.pool.is_none();
        }
        match self.pool.as_mut() {
            Some(pool) => {
                let mut spare = pool.spare().unwrap_or_default();
                spare.clear();
                pool.submit(std::mem::replace(&mut self.batch, spare), sink)
            }
            None => {
                render::batch(&self.source, &mut self.batch, sink)?;
                self.batch.clear();
                Ok(())
            }
        }
    }

    /// Passes on everything batched, at the end of the input.
    fn settle(&mut self, sink: &mut dyn Sink) -> Result<()> {
        if !self.batch.entries.is_empty() {
            // A last batch starts no threads: alone, it is not worth them.
            self.pass_batch(sink, false)?;
        }
        match self.pool.as_mut() {
            Some(pool) => pool.drain(sink),
            None => Ok(()),
        }
    }

    /// The look-back is full and no anchor came: find the first anchor with
    /// a second pass over the file, or fall back to `--date`, or give up on
    /// dates for these lines (stdin cannot be read twice).
    fn date_without_anchor(&mut self, sink: &mut dyn Sink) {
        if let Some(reopen) = self.reopen.as_mut()
            && let Some((day, date, source)) = reopen().ok().and_then(frame::first_anchor)
        {
            self.dating.clock.anchor(day, date, source);
            return;
        }
        if let Some(date) = self.dating.date_option {
            self.dating.clock.anchor(0, date, TimeSource::Option);
            return;
        }
        let first = self.lookback.front().map_or(1, |e| e.number);
        let how = if self.reopen.is_some() {
            "the file has no date anchor"
        } else {
            "no date anchor within the look-back"
        };
        sink.warn(
            first,
            &format!("{how}; times carry no date until one appears (pass --date YYYY-MM-DD)"),
        );
        self.dating.undated = true;
    }
}

fn banner_host(message: Option<Message<'_>>) -> Option<String> {
    match message {
        Some(Message::Banner { host, .. }) => Some(host.to_string()),
        _ => None,
    }
}

impl Reader for FlexnetReader {
    fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) -> Result<()> {
        if line.cut.is_some() {
            // Its own entry, so that it keeps its place among the others.
            self.flush(sink)?;
            self.start(line, None, None);
            if let Some(e) = self.pending.as_mut() {
                e.cut = line.cut;
            }
            return Ok(());
        }
        if let Some(f) = frame::parse(line.text) {
            self.flush(sink)?;
            self.start(line, Some(f), None);
            return Ok(());
        }
        if frame::is_malformed(line.text) {
            self.flush(sink)?;
            self.start(line, None, None);
            return Ok(());
        }
        match self.pending.as_mut() {
            Some(p) if p.continuations.len() < MAX_CONTINUATIONS => {
                let text = self.batch.append(line.text, line.ending);
                p.continuations.push((line.number, text));
            }
            Some(p) => {
                let head = (p.continuation_of.unwrap_or(p.number), p.seconds);
                self.flush(sink)?;
                self.start(line, None, Some(head));
            }
            None => self.start(line, None, None),
        }
        Ok(())
    }

    fn finish(&mut self, sink: &mut dyn Sink) -> Result<()> {
        self.flush(sink)?;
        if !self.lookback.is_empty() {
            match self.dating.date_option {
                Some(date) => self.dating.clock.anchor(0, date, TimeSource::Option),
                None => {
                    let first = self.lookback.front().map_or(1, |e| e.number);
                    sink.warn(first, "no date anchor in this input; times carry no date (pass --date YYYY-MM-DD)");
                }
            }
            self.drain_lookback();
        }
        self.settle(sink)
    }
}

impl Dating {
    fn time_of(&mut self, e: &Entry) -> (Option<Time>, TimeSource) {
        let Some(seconds) = e.seconds else {
            return (None, TimeSource::None);
        };
        let mut time = Time::of_day(seconds);
        let mut source = TimeSource::None;
        if let Some((date, how)) = self.clock.resolve(e.day) {
            time.date = Some(date);
            source = if e.carries_date && e.continuation_of.is_none() {
                TimeSource::Record
            } else {
                how
            };
        }
        Zone::apply(self.zone.as_mut(), &mut time);
        (Some(time), source)
    }
}
