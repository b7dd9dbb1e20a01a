//! Turning a dated entry into events: the per-line work, which runs on
//! worker threads for large inputs (see [`crate::read::parallel`]).

use std::ops::Range;
use std::sync::Arc;

use super::message::{self, Message};
use super::{Batch, Entry, ending_after, usage};
use crate::error::Result;
use crate::event::{Event, Kind, Value};
use crate::format::Format;
use crate::read::Sink;

pub struct Render<'s> {
    source: &'s str,
    /// The batch's text, which entries refer to by range.
    arena: &'s str,
    /// The host named by the last start banner.
    server: Option<String>,
    joined: String,
}

/// Renders a batch in order, starting from the server it was cut at.
pub fn batch(source: &Arc<str>, batch: &mut Batch, sink: &mut dyn Sink) -> Result<()> {
    sink.batch_start();
    let mut render = Render {
        source,
        arena: &batch.text,
        server: batch.server.take(),
        joined: String::new(),
    };
    for e in &batch.entries {
        render.emit(e, sink)?;
    }
    Ok(())
}

impl<'s> Render<'s> {
    pub fn emit(&mut self, e: &Entry, sink: &mut dyn Sink) -> Result<()> {
        let (time, time_source) = (e.time, e.time_source);
        let line: &'s str = &self.arena[e.text.clone()];
        let ending = ending_after(self.arena, e.text.end);
        let base = |kind, number, raw| {
            let mut ev = Event::new(self.source, number, Format::Flexnet, kind, raw);
            ev.ending = ending;
            ev.time = time;
            ev.time_source = time_source;
            ev
        };
        let Some(frame) = &e.frame else {
            let mut ev = base(Kind::Unknown, e.number, line);
            match e.continuation_of {
                Some(head) => {
                    ev.kind = Kind::Message;
                    continuation_extra(&mut ev, head, line);
                }
                None => {
                    ev.extra_str("text", line);
                    match e.cut {
                        Some(length) => {
                            ev.extra.push(("length", Value::Int(length as i64)));
                            sink.warn(e.number, &crate::read::cut_warning(length));
                        }
                        None => sink.warn(
                            e.number,
                            "unrecognised line (no `H:MM:SS (daemon)` prefix), kept as unknown",
                        ),
                    }
                }
            }
            ev.server = self.server.as_deref();
            sink.event(&ev)?;
            return self.emit_continuations(e, e.continuation_of.unwrap_or(e.number), None, sink);
        };

        let body = frame.body(line);
        let text: &str = if e.continuations.is_empty() {
            body
        } else {
            join_into(&mut self.joined, body, &e.continuations, self.arena);
            self.joined.as_str()
        };
        if let Some((kind, rest)) = usage::keyword(text) {
            let mut ev = base(kind, e.number, line);
            ev.daemon = Some(frame.daemon(line));
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
            let mut ev = base(Kind::Message, e.number, line);
            ev.daemon = Some(frame.daemon(line));
            ev.server = self.server.as_deref();
            if text.starts_with("TIMESTAMP ") && !matches!(message, Message::Timestamp { .. }) {
                sink.warn(
                    e.number,
                    "a TIMESTAMP whose date is not one (or its year is outside 1970-2100): \
                     kept as a message, and no date is taken from it",
                );
            }
            fill_message(&mut ev, message);
            ev.extra_str("text", text);
            sink.event(&ev)?;
        }
        let daemon = Some(frame.daemon(line));
        self.emit_continuations(e, e.number, daemon, sink)
    }

    fn emit_continuations(
        &self,
        e: &Entry,
        head: u64,
        daemon: Option<&str>,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        for (number, range) in &e.continuations {
            let text = &self.arena[range.clone()];
            let mut ev = Event::new(self.source, *number, Format::Flexnet, Kind::Message, text);
            ev.ending = ending_after(self.arena, range.end);
            ev.time = e.time;
            ev.time_source = e.time_source;
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
pub(super) fn join_into(
    out: &mut String,
    head: &str,
    continuations: &[(u64, Range<usize>)],
    arena: &str,
) {
    out.clear();
    out.push_str(head);
    for (_, c) in continuations {
        let c = &arena[c.clone()];
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
        Message::SlogClient { user, host } => {
            ev.extra.push(("topic", Value::Str("slog")));
            ev.user = user;
            ev.host = host;
        }
        Message::Client {
            topic,
            user,
            host,
            display,
        } => {
            ev.extra.push(("topic", Value::Str(topic)));
            ev.user = user;
            ev.host = host;
            if let Some(d) = display {
                ev.extra_str("display", d);
            }
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
