//! Sentinel RMS usage logs (`lserv.log`): Development Kit v7, and License
//! Manager v8+ plain and extended, at every encryption level.
//!
//! A log is a series of sessions, each opened by a `# Startup ...` line
//! that names the server, the session ID and (by its shape) the record
//! layout, and closed by `# Shutdown ...`. Records are space-separated
//! fields with a full `ctime` date and an epoch Time-stamp, so every record
//! dates itself; the pair also gives the server's UTC offset.

mod banner;
mod record;

pub use self::banner::{first_epoch, record_epoch};
pub use self::record::{Generation, TRANSACTIONS};

use self::banner::{Banner, comment_body, ctime, implied_offset};
use self::record::{COMMENT, QUEUE_AND_CAPACITY, check, effective_lfe};
use super::{self as read, ReadOptions, Reader, Sink};
use crate::dating::Zone;
use crate::error::Result;
use crate::event::{Event, Kind, Time, TimeSource, Value};
use crate::format::Format;
use crate::lines::Line;

pub struct SentinelReader {
    source: String,
    zone: Option<Zone>,
    /// From the last startup line: the record layout, the server host and
    /// the session ID.
    generation: Option<Generation>,
    server: Option<String>,
    session: Option<String>,
    /// Byte ranges of the current line's fields, reused line after line.
    spans: Vec<(usize, usize)>,
    /// The current line's ending, given to its event.
    ending: &'static str,
}

/// The largest record has 32 fields; a comment with spaces adds more.
const MOST_FIELDS: usize = 32;

impl SentinelReader {
    pub fn new(source: &str, options: &ReadOptions) -> Self {
        SentinelReader {
            source: source.to_string(),
            zone: options.tz.clone(),
            generation: None,
            server: options.server.clone(),
            session: None,
            spans: Vec::with_capacity(48),
            ending: "\n",
        }
    }

    fn event<'a>(&'a self, number: u64, kind: Kind, text: &'a str) -> Event<'a> {
        let mut ev = Event::new(&self.source, number, Format::Sentinel, kind, text);
        ev.server = self.server.as_deref();
        ev.ending = self.ending;
        ev
    }

    /// The log's local time; its UTC offset comes from `--tz`, else from the
    /// epoch Time-stamp written with it.
    fn time(&mut self, date: jiff::civil::Date, seconds: u32, timestamp: &str) -> Time {
        let mut time = Time::of_day(seconds);
        time.date = Some(date);
        match self.zone.as_mut() {
            Some(z) => Zone::apply(Some(z), &mut time),
            None => {
                time.offset = timestamp
                    .parse()
                    .ok()
                    .and_then(|epoch| implied_offset(date, seconds, epoch))
            }
        }
        time
    }

    fn unknown(&self, number: u64, text: &str, why: &str, sink: &mut dyn Sink) -> Result<()> {
        let mut ev = self.event(number, Kind::Unknown, text);
        ev.extra_str("text", text);
        sink.warn(number, &format!("{why}; kept as unknown"));
        sink.event(&ev)
    }

    fn comment(&mut self, number: u64, text: &str, body: &str, sink: &mut dyn Sink) -> Result<()> {
        let Some(b) = banner::banner(body) else {
            if body.starts_with("Startup") || body.starts_with("Shutdown") {
                return self.unknown(number, text, "malformed startup or shutdown line", sink);
            }
            let mut ev = self.event(number, Kind::Message, text);
            ev.extra.push(("topic", Value::Str("comment")));
            ev.extra_str("text", text);
            return sink.event(&ev);
        };
        let time = self.time(b.date, b.seconds, b.timestamp);
        if b.startup {
            self.server = Some(b.host.to_string());
            self.session = b
                .rest
                .iter()
                .find(|(n, _)| *n == "session")
                .map(|(_, v)| v.to_string());
            self.generation = b.generation.or(self.generation);
        }
        let ev = banner_event(self.event(number, Kind::ServerStart, text), &b, time);
        sink.event(&ev)
    }

    fn record(&mut self, number: u64, text: &str, sink: &mut dyn Sink) -> Result<()> {
        split(text, &mut self.spans);
        let n = self.spans.len();
        let field = |i: usize| &text[self.spans[i].0..self.spans[i].1];
        let lfe_of = |i: usize| {
            (i < n)
                .then(|| field(i).parse::<u8>().ok().filter(|l| *l <= 4))
                .flatten()
        };
        let (Some(server_lfe), Some(license_lfe)) = (lfe_of(0), lfe_of(1)) else {
            return self.unknown(number, text, "not a usage record", sink);
        };
        let lfe = effective_lfe(server_lfe, license_lfe);
        if lfe == 4 {
            // The whole record is encrypted: only its levels can be read.
            let mut ev = self.event(number, Kind::Encrypted, text);
            lfe_extra(&mut ev, field(0), field(1), lfe);
            if n > 2 {
                ev.extra_str("ciphertext", &text[self.spans[2].0..self.spans[n - 1].1]);
            }
            if let Some(s) = &self.session {
                ev.extra_str("session", s);
            }
            return sink.event(&ev);
        }
        let Some(generation) = self.generation.or(Generation::by_count(n)) else {
            let why = format!(
                "{n} fields: not a v7 (22), plain (31) or extended (32) usage record, \
                 and no startup line names the layout"
            );
            return self.unknown(number, text, &why, sink);
        };
        let mut fields = [""; MOST_FIELDS];
        let shape = if n == generation.fields() {
            check(generation, self.fields(text, generation, &mut fields))
        } else if let Some(other) =
            Generation::by_count(n).filter(|&o| check(o, self.fields(text, o, &mut fields)).is_ok())
        {
            Err(format!(
                "{} record in {} log (as its startup line says)",
                with_article(other),
                with_article(generation)
            ))
        } else if n > generation.fields() {
            // The comment is the one field that may hold spaces.
            check(generation, self.fields(text, generation, &mut fields))
        } else {
            Err(format!(
                "{n} fields where a {} record has {}",
                generation.name(),
                generation.fields()
            ))
        };
        let f = &fields[..generation.fields()];
        let date = shape.and_then(|()| {
            ctime(&f[3..8]).ok_or_else(|| format!("Date {:?} is not valid", f[3..8].join(" ")))
        });
        let (date, seconds) = match date {
            Ok(d) => d,
            Err(why) => return self.unknown(number, text, &format!("usage record: {why}"), sink),
        };
        let time = self.time(date, seconds, f[8]);
        let mut ev = self.event(number, Kind::Checkout, text);
        ev.time = Some(time);
        ev.time_source = TimeSource::Record;
        usage(&mut ev, generation, f, lfe);
        if let Some(s) = &self.session {
            ev.extra_str("session", s);
        }
        sink.event(&ev)
    }

    /// The line's fields for `generation`, with a comment that holds spaces
    /// joined back into one field as written.
    fn fields<'t, 'f>(
        &self,
        text: &'t str,
        generation: Generation,
        out: &'f mut [&'t str; MOST_FIELDS],
    ) -> &'f [&'t str] {
        let n = self.spans.len();
        let want = generation.fields();
        if n < want {
            return &out[..0];
        }
        let tail = generation.tail();
        for (i, slot) in out.iter_mut().enumerate().take(COMMENT) {
            *slot = &text[self.spans[i].0..self.spans[i].1];
        }
        out[COMMENT] = &text[self.spans[COMMENT].0..self.spans[n - tail - 1].1];
        for i in 0..tail {
            let (s, e) = self.spans[n - tail + i];
            out[COMMENT + 1 + i] = &text[s..e];
        }
        &out[..want]
    }
}

impl Reader for SentinelReader {
    fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) -> Result<()> {
        if line.cut.is_some() {
            let server = self.server.as_deref();
            return read::cut_line(&self.source, Format::Sentinel, server, line, sink);
        }
        let text = line.text;
        self.ending = line.ending;
        if let Some(body) = comment_body(text) {
            return self.comment(line.number, text, body, sink);
        }
        if text.trim().is_empty() {
            let mut ev = self.event(line.number, Kind::Message, text);
            ev.extra_str("text", text);
            return sink.event(&ev);
        }
        self.record(line.number, text, sink)
    }

    fn finish(&mut self, _sink: &mut dyn Sink) -> Result<()> {
        Ok(())
    }
}

/// Field byte ranges, split on runs of spaces and tabs (`ctime` pads
/// single-digit days with a space).
fn split(text: &str, out: &mut Vec<(usize, usize)>) {
    out.clear();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && matches!(b[i], b' ' | b'\t') {
            i += 1;
        }
        let start = i;
        while i < b.len() && !matches!(b[i], b' ' | b'\t') {
            i += 1;
        }
        if i > start {
            out.push((start, i));
        }
    }
}

fn with_article(g: Generation) -> String {
    let article = if g == Generation::Extended { "an" } else { "a" };
    format!("{article} {}", g.name())
}

fn present(value: &str) -> Option<&str> {
    (value != "-").then_some(value)
}

fn lfe_extra<'a>(ev: &mut Event<'a>, server: &'a str, license: &'a str, lfe: u8) {
    ev.extra_str("server_lfe", server);
    ev.extra_str("license_lfe", license);
    ev.extra.push(("lfe", Value::Int(i64::from(lfe))));
}

fn banner_event<'a>(mut ev: Event<'a>, b: &Banner<'a>, time: Time) -> Event<'a> {
    ev.kind = if b.startup {
        Kind::ServerStart
    } else {
        Kind::ServerStop
    };
    ev.server = Some(b.host);
    ev.version = Some(b.version);
    ev.time = Some(time);
    ev.time_source = TimeSource::Record;
    ev.extra_str("product", b.product);
    ev.extra_str("timestamp", b.timestamp);
    for (name, value) in &b.rest {
        ev.extra_str(name, value);
    }
    if let Some(g) = b.generation {
        ev.extra_str("log_format", g.name());
    }
    ev
}

/// Fills a usage event from a record's fields (`f` has the generation's
/// length; the comment is one field).
fn usage<'a>(ev: &mut Event<'a>, generation: Generation, f: &[&'a str], lfe: u8) {
    let trans: usize = f[11].parse().expect("checked");
    let t = &record::TRANSACTIONS[trans];
    ev.kind = t.kind;
    ev.reason = Some(t.description);
    ev.feature = present(f[9]);
    // The v7 spec reads `99 v` as "feature 99 and no version".
    ev.version = present(f[10]).filter(|v| generation != Generation::V7 || *v != "v");
    ev.user = present(f[14]);
    ev.host = present(f[15]);
    let tail = &f[COMMENT + 1..];
    if generation == Generation::Extended {
        ev.handle = present(tail[9]);
    }
    lfe_extra(ev, f[0], f[1], lfe);
    ev.extra_str("reserved", f[2]);
    ev.extra_str("timestamp", f[8]);
    ev.extra_str("trans", f[11]);
    // Level 3 encrypts Numkeys and Currency: kept, never read as numbers.
    let encrypted = lfe >= 3;
    if encrypted {
        ev.extra_str("numkeys_encrypted", f[12]);
    } else {
        ev.extra_str("numkeys", f[12]);
    }
    ev.extra_str("keylife", f[13]);
    ev.extra_str("lsver", f[16]);
    if encrypted {
        ev.extra_str("currency_encrypted", f[17]);
    } else {
        match f[17].parse() {
            Ok(n) => ev.count = Some(n),
            Err(_) => ev.extra_str("currency", f[17]),
        }
    }
    if let Some(c) = present(f[COMMENT]) {
        ev.extra_str("comment", c);
    }
    if generation != Generation::V7 {
        for (name, value) in QUEUE_AND_CAPACITY.iter().zip(tail) {
            if let Some(v) = present(value) {
                ev.extra_str(name, v);
            }
        }
    }
    let n = tail.len();
    ev.extra_str("record_number", tail[n - 3]);
    ev.extra_str("readable_checksum", tail[n - 2]);
    ev.extra_str("encrypted_checksum", tail[n - 1]);
    for (name, value) in t.flags {
        ev.extra_str(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_runs_of_blanks() {
        let mut spans = Vec::new();
        split(" a  b\tc ", &mut spans);
        assert_eq!(spans, vec![(1, 2), (4, 5), (6, 7)]);
        split("", &mut spans);
        assert!(spans.is_empty());
    }
}
