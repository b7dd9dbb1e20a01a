//! RLM reportlogs, in all three formats (std, small, detailed).
//!
//! A reportlog is a series of sessions, each opening with a header (the
//! `RLM Report Log Format` line, `ISV:`, `START`, `TIMEZONE`, `LICENSE
//! FILE`) and followed by one record per line. Records are space-separated
//! fields; `"quoted"` fields may hold spaces or be empty. Timed records end
//! their fixed fields with `mm/dd hh:mm[:ss[.fraction]]` (the small format:
//! `hh:mm` alone); the year comes from START and the periodic timestamps.

mod records;

pub use self::records::PRODUCT;

use jiff::civil::Date;

use self::records::{Layout, Shape};
use super::rlm::{self, Field, YearDating};
use super::{self as read, ReadOptions, Reader, Sink};
use crate::dating::{Zone, parse_mdy};
use crate::error::Result;
use crate::event::{Event, Kind, Time, TimeSource, Value};
use crate::format::Format;
use crate::lines::Line;

pub struct RlmReportReader {
    source: String,
    layout: Layout,
    version: (u16, u16),
    dating: YearDating,
    zone: Option<Zone>,
    /// Seconds east of UTC, from the session's TIMEZONE record.
    offset: Option<i32>,
    /// This session's header had `SWITCH from`: its START opens a log
    /// file, not a server.
    switched: bool,
    server: Option<String>,
    isv: Option<String>,
    fields: Vec<Field>,
    /// A later session's header lines, until its `START`: (number, text,
    /// line end).
    held: Vec<(u64, String, &'static str)>,
}

impl RlmReportReader {
    pub fn new(source: &str, options: &ReadOptions) -> Self {
        RlmReportReader {
            source: source.to_string(),
            layout: Layout::Std,
            version: (0, 0),
            dating: YearDating::new(options.date, options.year),
            zone: options.tz.clone(),
            offset: None,
            switched: false,
            server: options.server.clone(),
            isv: None,
            fields: Vec::with_capacity(32),
            held: Vec::new(),
        }
    }
}

/// Header lines held, at most, while waiting for the `START` that names
/// their server.
const HELD_HEADER: usize = 16;

impl Reader for RlmReportReader {
    /// A second session's header (`RLM Report Log Format`, `ISV:`, …)
    /// belongs to the server of the `START` after it, not to the session
    /// before: it is held until that `START` (a few lines), so that the
    /// header travels with its server.
    fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) -> Result<()> {
        let starts_header = self.server.is_some() && is_format_line(line.text);
        if self.held.is_empty() && !starts_header {
            return self.read(line, sink);
        }
        let start = line.text.strip_prefix("START ");
        if start.is_none() && self.held.len() < HELD_HEADER && line.cut.is_none() {
            self.held
                .push((line.number, line.text.to_string(), line.ending));
            return Ok(());
        }
        if let Some(host) = start.and_then(|s| s.split_whitespace().next()) {
            self.server = Some(host.to_string());
        }
        self.release(sink)?;
        self.read(line, sink)
    }

    fn finish(&mut self, sink: &mut dyn Sink) -> Result<()> {
        self.release(sink)
    }
}

impl RlmReportReader {
    /// The held header lines, read now.
    fn release(&mut self, sink: &mut dyn Sink) -> Result<()> {
        for (number, text, ending) in std::mem::take(&mut self.held) {
            let line = Line {
                number,
                offset: 0,
                text: &text,
                ending,
                cut: None,
            };
            self.read(&line, sink)?;
        }
        Ok(())
    }

    fn read(&mut self, line: &Line<'_>, sink: &mut dyn Sink) -> Result<()> {
        if line.cut.is_some() {
            let server = self.server.as_deref();
            return read::cut_line(&self.source, Format::RlmReport, server, line, sink);
        }
        let text = line.text;
        let (source, server, isv) = (&self.source, self.server.as_deref(), self.isv.as_deref());
        let new_event = |kind| {
            let mut ev = Event::new(source, line.number, Format::RlmReport, kind, text);
            ev.ending = line.ending;
            ev.server = server;
            ev.daemon = isv;
            ev
        };
        let mut ev = new_event(Kind::Message);
        let closed = rlm::split(text, &mut self.fields);
        let f: Vec<&str> = self.fields.iter().map(|f| &text[f.span.clone()]).collect();
        let parsed = closed
            && parse(
                &mut ev,
                &f,
                &self.fields,
                text,
                Session {
                    layout: self.layout,
                    version: self.version,
                    switched: self.switched,
                    dating: &mut self.dating,
                },
            );
        if !parsed {
            ev = new_event(Kind::Unknown);
            ev.extra_str("text", text);
            sink.warn(
                line.number,
                "unrecognised or truncated reportlog record, kept as unknown",
            );
        }
        if let Some(t) = ev.time.as_mut() {
            match self.zone.as_mut() {
                Some(z) => Zone::apply(Some(z), t),
                None if t.date.is_some() => t.offset = self.offset,
                None => {}
            }
        }
        let update = parsed.then(|| header_update(&f, text)).flatten();
        sink.event(&ev)?;
        if let Some(u) = update {
            self.apply(u);
        }
        Ok(())
    }
}

/// What a header line changes for the lines after it.
enum HeaderUpdate {
    Session(Layout, (u16, u16)),
    Switched,
    Isv(String),
    Start(String),
    TimeZone(i32),
}

impl RlmReportReader {
    fn apply(&mut self, u: HeaderUpdate) {
        match u {
            HeaderUpdate::Session(layout, version) => {
                self.layout = layout;
                self.version = version;
                self.offset = None;
                self.switched = false;
            }
            HeaderUpdate::Switched => self.switched = true,
            HeaderUpdate::Isv(name) => self.isv = Some(name),
            HeaderUpdate::Start(host) => self.server = Some(host),
            HeaderUpdate::TimeZone(offset) => self.offset = Some(offset),
        }
    }
}

fn header_update(f: &[&str], text: &str) -> Option<HeaderUpdate> {
    match *f.first()? {
        "RLM" => format_line(text).map(|(l, v, _)| HeaderUpdate::Session(l, v)),
        "SWITCH" if f.get(1) == Some(&"from") => Some(HeaderUpdate::Switched),
        "ISV:" => Some(HeaderUpdate::Isv(
            f.get(1)?.trim_end_matches(',').to_string(),
        )),
        "START" => Some(HeaderUpdate::Start(f.get(1)?.to_string())),
        "TIMEZONE" => {
            // UTC offsets span -12:00 to +14:00; anything else is no zone
            // (and would overflow, or date every record absurdly).
            let west: i32 = f.get(1)?.parse().ok()?;
            (west.unsigned_abs() <= 14 * 60).then(|| HeaderUpdate::TimeZone(-west * 60))
        }
        _ => None,
    }
}

/// `RLM Report Log Format d, version x.y[, authenticated]`.
/// Whether `text` is a reportlog's format line (`RLM Report Log Format d, ...`).
pub fn is_format_line(text: &str) -> bool {
    format_line(text).is_some()
}

fn format_line(text: &str) -> Option<(Layout, (u16, u16), bool)> {
    let rest = text.strip_prefix("RLM Report Log Format ")?;
    let (d, rest) = rest.split_once(", version ")?;
    let layout = Layout::from_number(d.trim().parse().ok()?)?;
    let (version, auth) = match rest.split_once(',') {
        Some((v, a)) => (v, a.trim() == "authenticated"),
        None => (rest, false),
    };
    let (major, minor) = version.trim().split_once('.')?;
    Some((layout, (major.parse().ok()?, minor.parse().ok()?), auth))
}

struct Session<'d> {
    layout: Layout,
    version: (u16, u16),
    switched: bool,
    dating: &'d mut YearDating,
}

/// Fills `ev` from the record; false when it is not a record this reader
/// knows, or is cut short.
fn parse<'a>(
    ev: &mut Event<'a>,
    f: &[&'a str],
    fields: &[Field],
    text: &'a str,
    s: Session<'_>,
) -> bool {
    let Some(&keyword) = f.first() else {
        ev.extra_str("text", text);
        return true; // a blank line
    };
    if let Some(shape) = records::shape(keyword, s.layout, s.version) {
        return timed_record(ev, &shape, f, fields, s);
    }
    match keyword {
        "RLM" => match format_line(text) {
            Some((layout, version, auth)) => {
                ev.kind = Kind::LogStart;
                ev.extra.push(("format", Value::Int(layout.number())));
                ev.extra_str("format_name", layout.name());
                ev.extra.push((
                    "report_version",
                    Value::Owned(format!("{}.{}", version.0, version.1)),
                ));
                ev.extra_str("authenticated", if auth { "yes" } else { "no" });
                true
            }
            None => false,
        },
        "PRODUCT" if f.len() >= 5 => {
            ev.kind = Kind::Product;
            named_fields(ev, records::PRODUCT, &f[1..]);
            true
        }
        "START" if f.len() >= 4 => {
            let Some(date) = parse_mdy(f[2]) else {
                return false;
            };
            let Some((seconds, _)) = rlm::clock(f[3]) else {
                return false;
            };
            ev.kind = if s.switched {
                Kind::LogStart
            } else {
                Kind::ServerStart
            };
            ev.server = Some(f[1]);
            full_date(ev, s.dating, date, seconds, TimeSource::Banner);
            true
        }
        "END" if f.len() >= 3 => {
            ev.kind = Kind::LogEnd;
            match (parse_mdy(f[1]), rlm::clock(f[2])) {
                (Some(date), Some((seconds, _))) => {
                    full_date(ev, s.dating, date, seconds, TimeSource::Timestamp)
                }
                _ => return false,
            }
            true
        }
        "SWITCH" if f.len() >= 3 => {
            match f[1] {
                "from" => {
                    ev.kind = Kind::LogStart;
                    ev.extra_str("switched_from", rest_after(text, fields, 2));
                }
                "to" => {
                    ev.kind = Kind::LogEnd;
                    ev.extra_str("switched_to", rest_after(text, fields, 2));
                }
                _ => return false,
            }
            true
        }
        "TIMEZONE" => timezone(ev, text),
        "LICENSE" if f.get(1) == Some(&"FILE") => {
            ev.extra.push(("topic", Value::Str("license_file")));
            ev.extra_str("license_file", rest_after(text, fields, 2));
            true
        }
        "ISV:" => {
            // `ISV: demo, RLM version 10.0 BL2`
            let Some((isv, version)) = text[4..].split_once(", RLM version ") else {
                return false;
            };
            ev.extra.push(("topic", Value::Str("isv")));
            ev.daemon = Some(isv.trim());
            ev.version = Some(version.trim());
            true
        }
        "REPROCESSED" => {
            ev.extra.push(("topic", Value::Str("reprocessed")));
            if let Some(v) = text.split_once("rlmanon ").map(|(_, v)| v.trim()) {
                ev.extra_str("rlmanon_version", v);
            }
            true
        }
        "AUTH" | "AUTH:" if f.len() >= 3 => {
            ev.kind = Kind::Auth;
            ev.extra_str("section", f[1]);
            ev.extra_str("signature", f[2]);
            true
        }
        "BADAUTH" => badauth(ev, text),
        "log" if f.len() >= 3 => {
            ev.extra.push(("topic", Value::Str("isv_data")));
            if !record_time(ev, s.dating, f[1], f[2]) {
                return false;
            }
            ev.extra_str("data", rest_after(text, fields, 3));
            true
        }
        _ if f.len() == 2 && parse_mdy(f[0]).is_some() => {
            // The periodic timestamp, `mm/dd/yyyy hh:mm`.
            let (Some(date), Some((seconds, _))) = (parse_mdy(f[0]), rlm::clock(f[1])) else {
                return false;
            };
            ev.kind = Kind::Timestamp;
            full_date(ev, s.dating, date, seconds, TimeSource::Timestamp);
            true
        }
        _ if is_header_text(text) => {
            ev.extra.push(("topic", Value::Str("header")));
            ev.extra_str("text", text);
            true
        }
        _ => false,
    }
}

/// The free-text lines of the header (copyright and the like).
fn is_header_text(text: &str) -> bool {
    ["Logfile format", "For documentation", "You are encouraged"]
        .iter()
        .any(|p| text.starts_with(p))
}

/// A record whose fields end with its time.
fn timed_record<'a>(
    ev: &mut Event<'a>,
    shape: &Shape,
    f: &[&'a str],
    fields: &[Field],
    s: Session<'_>,
) -> bool {
    ev.kind = shape.kind;
    // The time is the first unquoted `mm/dd` followed by a clock, or in the
    // small format a clock alone at the end.
    let at = (1..f.len().saturating_sub(1)).find(|&i| {
        !fields[i].quoted && rlm::month_day(f[i]).is_some() && rlm::clock(f[i + 1]).is_some()
    });
    let (before_end, after_start) = match at {
        Some(i) => {
            if !record_time(ev, s.dating, f[i], f[i + 1]) {
                return false;
            }
            (i, i + 2)
        }
        None if s.layout == Layout::Small && f.len() > 1 && !fields[f.len() - 1].quoted => {
            let Some((seconds, _)) = rlm::clock(f[f.len() - 1]) else {
                return false;
            };
            let date = s.dating.time_only(seconds);
            set_time(ev, date, seconds, None);
            (f.len() - 1, f.len())
        }
        None => return false,
    };
    let values = &f[1..before_end];
    if values.len() < shape.required || values.len() > shape.before.len() {
        return false;
    }
    named_fields(ev, shape.before, values);
    named_fields(ev, shape.after, &f[after_start..]);
    true
}

/// Puts each field under its name: in a column where the schema has one,
/// else in `extra`.
fn named_fields<'a>(ev: &mut Event<'a>, names: &[&'static str], values: &[&'a str]) {
    for (&name, &value) in names.iter().zip(values) {
        match name {
            "product" => ev.feature = Some(value),
            "version" => ev.version = Some(value),
            "user" => ev.user = Some(value),
            "host" => ev.host = Some(value),
            "count" => match value.parse() {
                Ok(n) => ev.count = Some(n),
                Err(_) => ev.extra_str(name, value),
            },
            "server_handle" | "license_handle" => ev.handle = Some(value),
            "why" if ev.kind == Kind::Denial => {
                ev.code = Some(value);
                ev.reason = records::denial_reason(value);
            }
            "why" => {
                ev.reason = records::checkin_reason(value);
                ev.extra_str(name, value);
            }
            _ => ev.extra_str(name, value),
        }
    }
    // Fields beyond the documented ones (a newer reportlog version) are
    // kept rather than dropped.
    if values.len() > names.len() {
        ev.extra
            .push(("more_fields", Value::Owned(values[names.len()..].join(" "))));
    }
}

fn record_time(ev: &mut Event<'_>, dating: &mut YearDating, md: &str, clock: &str) -> bool {
    let (Some((m, d)), Some((seconds, fraction))) = (rlm::month_day(md), rlm::clock(clock)) else {
        return false;
    };
    let date = dating.month_day(m, d, seconds);
    if date.is_none() {
        ev.extra
            .push(("month_day", Value::Owned(format!("{m:02}-{d:02}"))));
    }
    set_time(ev, date, seconds, fraction);
    true
}

fn set_time(
    ev: &mut Event<'_>,
    date: Option<(Date, TimeSource)>,
    seconds: u32,
    fraction: Option<(u32, u8)>,
) {
    ev.time = Some(rlm::time(date.map(|d| d.0), seconds, fraction));
    ev.time_source = date.map_or(TimeSource::None, |d| d.1);
}

/// A record with its full date, which dates the records after it
/// (`anchor` says how, for them).
fn full_date(
    ev: &mut Event<'_>,
    dating: &mut YearDating,
    date: Date,
    seconds: u32,
    anchor: TimeSource,
) {
    dating.anchor(date, seconds, anchor);
    ev.time = Some(Time {
        date: Some(date),
        ..Time::of_day(seconds)
    });
    ev.time_source = TimeSource::Record;
}

/// `TIMEZONE minutes-west daylight # readable text`.
fn timezone<'a>(ev: &mut Event<'a>, text: &'a str) -> bool {
    let (numbers, readable) = match text.split_once('#') {
        Some((n, r)) => (n, Some(r.trim())),
        None => (text, None),
    };
    let mut it = numbers.split_whitespace().skip(1);
    let (Some(west), daylight) = (it.next(), it.next()) else {
        return false;
    };
    if west.parse::<i32>().is_err() {
        return false;
    }
    ev.kind = Kind::Timestamp;
    ev.extra_str("minutes_west", west);
    if let Some(d) = daylight {
        ev.extra_str("daylight", d);
    }
    if let Some(r) = readable {
        ev.extra_str("zone_name", r);
    }
    true
}

/// `BADAUTH (x errors, y sessions, z authentication sections)`.
fn badauth<'a>(ev: &mut Event<'a>, text: &'a str) -> bool {
    let Some(inner) = text
        .split_once('(')
        .and_then(|(_, r)| r.rsplit_once(')'))
        .map(|(i, _)| i)
    else {
        return false;
    };
    ev.kind = Kind::Auth;
    ev.reason = Some("bad authentication");
    for part in inner.split(',') {
        let mut words = part.split_whitespace();
        let (Some(n), Some(what)) = (words.next(), words.next()) else {
            continue;
        };
        let key = match what {
            "errors" | "error" => "errors",
            "sessions" | "session" => "sessions",
            "authentication" => "sections",
            _ => continue,
        };
        ev.extra_str(key, n);
    }
    true
}

/// The text from field `i` to the end of the line, as written.
fn rest_after<'a>(text: &'a str, fields: &[Field], i: usize) -> &'a str {
    fields.get(i).map_or("", |f| {
        let start = if f.quoted {
            f.span.start - 1
        } else {
            f.span.start
        };
        text[start..].trim_end()
    })
}
