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

mod frame;
mod message;
mod usage;

use std::collections::VecDeque;

use jiff::civil::Date;

use self::frame::Frame;
use self::message::Message;
use super::{ReadOptions, Reader, Reopen, Sink};
use crate::dating::{Clock, Zone};
use crate::error::Result;
use crate::event::{Event, Kind, Time, TimeSource, Value};
use crate::format::Format;
use crate::lines::Line;

pub use self::frame::looks_like_flexnet;

/// Continuation lines joined into one entry; more are kept as their own
/// events but no longer joined, so that memory stays bounded.
const MAX_CONTINUATIONS: usize = 64;
/// Look-back bound before the first date anchor.
const LOOKBACK_LINES: usize = 50_000;
const LOOKBACK_BYTES: usize = 8 * 1024 * 1024;

#[derive(Default)]
struct Entry {
    number: u64,
    text: String,
    frame: Option<Frame>,
    /// Wrapped lines that follow, joined into this entry's text.
    continuations: Vec<(u64, String)>,
    /// For an entry that is itself a continuation beyond the join limit.
    continuation_of: Option<u64>,
    /// Time of day: this line's, or its head line's for a continuation.
    seconds: Option<u32>,
    day: i32,
    carries_date: bool,
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

pub struct FlexnetReader {
    ctx: Context,
    pending: Option<Entry>,
    spare: Entry,
    lookback: VecDeque<Entry>,
    lookback_bytes: usize,
    reopen: Option<Reopen>,
    joined: String,
}

/// What emitting an event needs, apart from the entry itself.
struct Context {
    source: String,
    clock: Clock,
    zone: Option<Zone>,
    date_option: Option<Date>,
    /// No anchor could be found in time: emit lines without a date.
    undated: bool,
    /// The host named by the last start banner.
    server: Option<String>,
}

impl FlexnetReader {
    pub fn new(source: &str, options: &ReadOptions, reopen: Option<Reopen>) -> Self {
        FlexnetReader {
            ctx: Context {
                source: source.to_string(),
                clock: Clock::default(),
                zone: options.tz.clone(),
                date_option: options.date,
                undated: false,
                server: None,
            },
            pending: None,
            spare: Entry::default(),
            lookback: VecDeque::new(),
            lookback_bytes: 0,
            reopen,
            joined: String::new(),
        }
    }

    fn start(
        &mut self,
        line: &Line<'_>,
        frame: Option<Frame>,
        continuation_of: Option<(u64, Option<u32>)>,
    ) {
        let mut e = std::mem::take(&mut self.spare);
        e.number = line.number;
        e.text.clear();
        e.text.push_str(line.text);
        e.seconds = frame
            .as_ref()
            .map(|f| f.seconds)
            .or(continuation_of.and_then(|c| c.1));
        e.frame = frame;
        e.continuations.clear();
        e.continuation_of = continuation_of.map(|c| c.0);
        e.carries_date = false;
        self.pending = Some(e);
    }

    /// Moves the held entry on: dates it, then emits it or parks it in the
    /// look-back until an anchor dates it.
    fn flush(&mut self, sink: &mut dyn Sink) -> Result<()> {
        let Some(mut e) = self.pending.take() else {
            return Ok(());
        };
        let clock = &mut self.ctx.clock;
        match &e.frame {
            Some(f) => {
                e.day = clock.tick(f.seconds);
                if let Some((date, source)) = f.anchor(&e.text) {
                    e.carries_date = true;
                    clock.anchor(e.day, date, source);
                }
            }
            None => e.day = clock.day(),
        }
        if self.ctx.clock.is_anchored() || self.ctx.undated {
            self.drain_lookback(sink)?;
            self.ctx.emit(&e, &mut self.joined, sink)?;
            self.spare = e;
            return Ok(());
        }
        self.lookback_bytes += e.bytes();
        self.lookback.push_back(e);
        if self.lookback.len() > LOOKBACK_LINES || self.lookback_bytes > LOOKBACK_BYTES {
            self.date_without_anchor(sink);
            self.drain_lookback(sink)?;
        }
        Ok(())
    }

    fn drain_lookback(&mut self, sink: &mut dyn Sink) -> Result<()> {
        while let Some(e) = self.lookback.pop_front() {
            self.ctx.emit(&e, &mut self.joined, sink)?;
        }
        self.lookback_bytes = 0;
        Ok(())
    }

    /// The look-back is full and no anchor came: find the first anchor with
    /// a second pass over the file, or fall back to `--date`, or give up on
    /// dates for these lines (stdin cannot be read twice).
    fn date_without_anchor(&mut self, sink: &mut dyn Sink) {
        if let Some(reopen) = self.reopen.as_mut()
            && let Some((day, date, source)) = reopen().ok().and_then(frame::first_anchor)
        {
            self.ctx.clock.anchor(day, date, source);
            return;
        }
        if let Some(date) = self.ctx.date_option {
            self.ctx.clock.anchor(0, date, TimeSource::Option);
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
        self.ctx.undated = true;
    }
}

impl Reader for FlexnetReader {
    fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) -> Result<()> {
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
                p.continuations.push((line.number, line.text.to_string()));
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
            match self.ctx.date_option {
                Some(date) => self.ctx.clock.anchor(0, date, TimeSource::Option),
                None => {
                    let first = self.lookback.front().map_or(1, |e| e.number);
                    sink.warn(first, "no date anchor in this input; times carry no date (pass --date YYYY-MM-DD)");
                }
            }
            self.drain_lookback(sink)?;
        }
        Ok(())
    }
}

impl Context {
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

    fn emit(&mut self, e: &Entry, joined: &mut String, sink: &mut dyn Sink) -> Result<()> {
        let (time, time_source) = self.time_of(e);
        let base = |kind, number, raw| {
            let mut ev = Event::new(&self.source, number, Format::Flexnet, kind, raw);
            ev.time = time;
            ev.time_source = time_source;
            ev
        };
        let Some(frame) = &e.frame else {
            let mut ev = base(Kind::Unknown, e.number, &e.text);
            match e.continuation_of {
                Some(head) => {
                    ev.kind = Kind::Message;
                    continuation_extra(&mut ev, head, &e.text);
                }
                None => {
                    ev.extra_str("text", &e.text);
                    sink.warn(
                        e.number,
                        "unrecognised line (no `H:MM:SS (daemon)` prefix), kept as unknown",
                    );
                }
            }
            ev.server = self.server.as_deref();
            sink.event(&ev)?;
            return self.emit_continuations(
                e,
                e.continuation_of.unwrap_or(e.number),
                None,
                time,
                time_source,
                sink,
            );
        };

        let body = frame.body(&e.text);
        let text: &str = if e.continuations.is_empty() {
            body
        } else {
            join_into(joined, body, &e.continuations);
            joined.as_str()
        };
        if let Some((kind, rest)) = usage::keyword(text) {
            let mut ev = base(kind, e.number, &e.text);
            ev.daemon = Some(frame.daemon(&e.text));
            ev.server = self.server.as_deref();
            match usage::parse(rest) {
                Some(u) => fill_usage(&mut ev, u),
                None => {
                    ev.kind = Kind::Unknown;
                    ev.extra_str("text", text);
                    sink.warn(
                        e.number,
                        &format!(
                            "malformed {} line (no \"feature\" user@host), kept as unknown",
                            kind.name()
                        ),
                    );
                }
            }
            sink.event(&ev)?;
        } else {
            let message = message::classify(text);
            if let Message::Banner { host, .. } = message {
                self.server = Some(host.to_string());
            }
            let mut ev = base(Kind::Message, e.number, &e.text);
            ev.daemon = Some(frame.daemon(&e.text));
            ev.server = self.server.as_deref();
            fill_message(&mut ev, message);
            ev.extra_str("text", text);
            sink.event(&ev)?;
        }
        let daemon = Some(frame.daemon(&e.text));
        self.emit_continuations(e, e.number, daemon, time, time_source, sink)
    }

    #[allow(clippy::too_many_arguments)]
    fn emit_continuations(
        &self,
        e: &Entry,
        head: u64,
        daemon: Option<&str>,
        time: Option<Time>,
        time_source: TimeSource,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        for (number, text) in &e.continuations {
            let mut ev = Event::new(&self.source, *number, Format::Flexnet, Kind::Message, text);
            ev.time = time;
            ev.time_source = time_source;
            ev.daemon = daemon;
            ev.server = self.server.as_deref();
            continuation_extra(&mut ev, head, text);
            sink.event(&ev)?;
        }
        Ok(())
    }
}

fn continuation_extra<'a>(ev: &mut Event<'a>, head: u64, text: &'a str) {
    ev.extra.push(("topic", Value::Str("continuation")));
    ev.extra.push(("continuation_of", Value::Int(head as i64)));
    ev.extra.push(("text", Value::Str(text)));
}

/// Wrapped lines lost the space they were wrapped at; blank or indented
/// continuation lines bring their own spacing.
fn join_into(out: &mut String, head: &str, continuations: &[(u64, String)]) {
    out.clear();
    out.push_str(head);
    for (_, c) in continuations {
        if !c.is_empty() && !c.starts_with([' ', '\t']) && !out.ends_with(' ') {
            out.push(' ');
        }
        out.push_str(c);
    }
}

fn fill_usage<'a>(ev: &mut Event<'a>, u: usage::Usage<'a>) {
    ev.feature = Some(u.feature);
    ev.user = u.user;
    ev.host = u.host;
    // lmgrd writes "(N licenses)" only when N > 1.
    ev.count = Some(u.count.unwrap_or(1));
    ev.reason = u.reason.filter(|r| !r.is_empty());
    ev.code = u.code;
    if let Some(v) = u.request_info {
        ev.extra_str("request_info", v);
    }
    if let Some(v) = u.bracket {
        ev.extra_str("bracket", v);
    }
    if let Some(v) = u.errno {
        ev.extra_str("errno", v);
    }
    if let Some(block) = u.verbose {
        match usage::verbose_fields(block) {
            Some(fields) => {
                for (name, value) in fields {
                    match name {
                        "version" => ev.version = Some(value),
                        "handle" => ev.handle = Some(value),
                        _ => ev.extra_str(name, value),
                    }
                }
            }
            None => ev.extra_str("verbose", block),
        }
    }
}

fn fill_message<'a>(ev: &mut Event<'a>, message: Message<'a>) {
    match message {
        Message::Banner {
            product,
            version,
            host,
            platform,
            ..
        } => {
            ev.kind = Kind::ServerStart;
            ev.server = Some(host);
            ev.version = Some(version);
            ev.extra_str("product", product);
            ev.extra_str("platform", platform);
        }
        Message::SystemDate { zone_name, .. } => {
            ev.kind = Kind::Timestamp;
            if let Some(z) = zone_name {
                ev.extra_str("zone_name", z);
            }
        }
        Message::Timestamp { .. } => ev.kind = Kind::Timestamp,
        Message::VendorStart { host, features } => {
            ev.kind = Kind::ServerStart;
            ev.host = Some(host);
            if !features.is_empty() {
                ev.extra_str("features", features);
            }
        }
        Message::Exiting {
            signal,
            exit_reason,
        } => {
            ev.kind = Kind::ServerStop;
            ev.code = Some(signal).filter(|s| !s.is_empty());
            ev.reason = Some("exiting due to signal");
            if let Some(r) = exit_reason {
                ev.extra_str("exit_reason", r);
            }
        }
        Message::ShutdownRequest { user, host } => {
            ev.kind = Kind::ServerStop;
            ev.reason = Some("shutdown requested");
            ev.user = user;
            ev.host = host;
        }
        Message::Reread { user, host } => {
            ev.kind = Kind::Reread;
            ev.user = user;
            ev.host = host;
        }
        Message::LicenseFiles(files) => {
            ev.extra.push(("topic", Value::Str("license_files")));
            ev.extra_str("license_files", files);
        }
        Message::Other { topic } => {
            if let Some(t) = topic {
                ev.extra.push(("topic", Value::Str(t)));
            }
        }
    }
}
