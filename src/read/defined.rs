//! Logs of a user-defined format ([`crate::defs`]): each line is matched
//! against the definition's rules, first match wins, and the rule's named
//! groups fill the event. A rule with continuation patterns starts a
//! multi-line record: the lines after it that match one are read into the
//! record's event, and each is also an event of its own (a `message`
//! pointing back at the record), so that every line stays one event.

use std::sync::Arc;

use regex::Captures;

use super::{self as read, ReadOptions, Reader, Sink};
use crate::dating::Zone;
use crate::defs::{Definition, MAX_CONTINUATION, Rule};
use crate::error::Result;
use crate::event::{Event, Kind, Time, TimeSource, Value};
use crate::format::Format;
use crate::lines::Line;

pub struct DefinedReader {
    source: String,
    def: Arc<Definition>,
    date: Option<jiff::civil::Date>,
    zone: Option<Zone>,
    /// A record start waiting for its continuation lines.
    held: Option<Held>,
    /// The last server and daemon a line named: later lines are theirs, as
    /// with every built-in reader.
    server: Option<String>,
    daemon: Option<String>,
}

struct Held {
    rule: usize,
    start: Owned,
    continuations: Vec<Owned>,
}

/// A line kept past its call: number, text, ending.
struct Owned(u64, String, &'static str);

impl DefinedReader {
    pub fn new(source: &str, def: Arc<Definition>, options: &ReadOptions) -> Self {
        DefinedReader {
            source: source.to_string(),
            def,
            date: options.date,
            zone: options.tz.clone(),
            held: None,
            server: options.server.clone(),
            daemon: None,
        }
    }

    fn format(&self) -> Format {
        Format::Defined(self.def.name)
    }

    fn flush(&mut self, sink: &mut dyn Sink) -> Result<()> {
        let Some(held) = self.held.take() else {
            return Ok(());
        };
        let def = Arc::clone(&self.def);
        let rule = &def.rules[held.rule];
        let Owned(number, text, ending) = &held.start;
        let mut ev = Event::new(&self.source, *number, self.format(), rule.kind, text);
        ev.ending = ending;
        let mut groups: Vec<Captures<'_>> = rule.pattern.captures(text).into_iter().collect();
        for Owned(_, line, _) in &held.continuations {
            if let Some(c) = rule.continuation.iter().find_map(|re| re.captures(line)) {
                groups.push(c);
            }
        }
        fill(&def, rule, self.date, &mut ev, &groups, sink);
        if let Some(t) = ev.time.as_mut() {
            Zone::apply(self.zone.as_mut(), t);
        }
        for (group, sticky) in [("server", &mut self.server), ("daemon", &mut self.daemon)] {
            if let Some(named) = groups.iter().find_map(|c| c.name(group)) {
                *sticky = Some(named.as_str().to_string());
            }
        }
        ev.server = ev.server.or(self.server.as_deref());
        ev.daemon = ev.daemon.or(self.daemon.as_deref());
        constants(&def, &mut ev);
        sink.event(&ev)?;
        for Owned(line_number, line, ending) in &held.continuations {
            let mut c = Event::new(
                &self.source,
                *line_number,
                self.format(),
                Kind::Message,
                line,
            );
            c.ending = ending;
            c.extra.push(("topic", Value::Str("continuation")));
            c.extra.push(("continues", Value::Int(*number as i64)));
            c.extra_str("text", line);
            sink.event(&c)?;
        }
        Ok(())
    }
}

/// Fills `ev` from the groups of a record's lines (the first value of
/// each group wins).
fn fill<'a>(
    def: &'a Definition,
    rule: &'a Rule,
    date: Option<jiff::civil::Date>,
    ev: &mut Event<'a>,
    groups: &[Captures<'a>],
    sink: &mut dyn Sink,
) {
    let value = |name: &str| groups.iter().find_map(|c| c.name(name)).map(|m| m.as_str());
    let mut time = None;
    for name in &rule.groups {
        let name = name.as_str();
        let Some(v) = value(name) else { continue };
        match name {
            "time" => time = parse(v, &def.time_format, ev.line, sink, Part::Both),
            "date" | "time_of_day" => {}
            "user" => ev.user = Some(v),
            "host" => ev.host = Some(v),
            "feature" => ev.feature = Some(v),
            "version" => ev.version = Some(v),
            "server" => ev.server = Some(v),
            "daemon" => ev.daemon = Some(v),
            "handle" => ev.handle = Some(v),
            "reason" => ev.reason = Some(v),
            "code" => ev.code = Some(v),
            "count" => match v.trim().parse() {
                Ok(n) => ev.count = Some(n),
                Err(_) => sink.warn(ev.line, &format!("count {v:?} is not a number; left out")),
            },
            "ip" => ev.extra.push(("ip", Value::Str(v))),
            other => {
                if let Some(key) = def.keys.iter().find(|k| **k == other) {
                    ev.extra.push((key, Value::Str(v)));
                }
            }
        }
    }
    if time.is_none() {
        let day = value("date").and_then(|d| parse(d, &def.date_format, ev.line, sink, Part::Date));
        let clock = value("time_of_day")
            .and_then(|t| parse(t, &def.time_of_day_format, ev.line, sink, Part::Clock));
        time = match (day, clock) {
            (Some(d), Some(c)) => Some(Time { date: d.date, ..c }),
            (Some(d), None) => Some(d),
            (None, Some(mut c)) => {
                c.date = date;
                Some(c)
            }
            (None, None) => None,
        };
    }
    if let Some(t) = time {
        ev.time_source = match (t.date.is_some(), date.is_some() && value("date").is_none()) {
            (false, _) => TimeSource::None,
            (true, true) if value("time").is_none() => TimeSource::Option,
            _ => TimeSource::Record,
        };
        ev.time = Some(t);
    }
}

fn parse(text: &str, format: &str, line: u64, sink: &mut dyn Sink, part: Part) -> Option<Time> {
    let parsed = jiff::fmt::strtime::parse(format, text.trim());
    let got = parsed.ok().and_then(|p| match part {
        Part::Both => p.to_datetime().ok().map(|dt| (Some(dt.date()), dt.time())),
        Part::Date => p
            .to_date()
            .ok()
            .map(|d| (Some(d), jiff::civil::Time::midnight())),
        Part::Clock => p.to_time().ok().map(|t| (None, t)),
    });
    let Some((date, clock)) = got else {
        sink.warn(
            line,
            &format!("{text:?} does not match the time format {format:?}; no time"),
        );
        return None;
    };
    if let Some(d) = date.filter(|d| crate::dating::plausible(*d).is_none()) {
        sink.warn(
            line,
            &format!(
                "{text:?}: the year {} is outside 1970-2100; no date",
                d.year()
            ),
        );
        return None;
    }
    let seconds = clock.hour() as u32 * 3600 + clock.minute() as u32 * 60 + clock.second() as u32;
    let mut t = Time::of_day(seconds);
    t.date = date;
    let nanos = clock.subsec_nanosecond();
    if nanos > 0 {
        t.fraction = Some((nanos as u32, 9));
    }
    Some(t)
}

/// The definition's own values, for the fields no line gave.
fn constants<'a>(def: &'a Definition, ev: &mut Event<'a>) {
    for (field, text) in &def.fields {
        let slot = match *field {
            "feature" => &mut ev.feature,
            "version" => &mut ev.version,
            "server" => &mut ev.server,
            _ => &mut ev.daemon,
        };
        slot.get_or_insert(text.as_str());
    }
}

#[derive(Clone, Copy)]
enum Part {
    Both,
    Date,
    Clock,
}

impl Reader for DefinedReader {
    fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) -> Result<()> {
        if line.cut.is_some() {
            self.flush(sink)?;
            return read::cut_line(&self.source, self.format(), None, line, sink);
        }
        if let Some(held) = &mut self.held {
            let rule = &self.def.rules[held.rule];
            if held.continuations.len() < MAX_CONTINUATION
                && rule.continuation.iter().any(|re| re.is_match(line.text))
            {
                held.continuations
                    .push(Owned(line.number, line.text.to_string(), line.ending));
                return Ok(());
            }
            self.flush(sink)?;
        }
        let Some(index) = self
            .def
            .rules
            .iter()
            .position(|r| r.pattern.is_match(line.text))
        else {
            let mut ev = Event::new(
                &self.source,
                line.number,
                self.format(),
                Kind::Unknown,
                line.text,
            );
            ev.ending = line.ending;
            ev.extra_str("text", line.text);
            sink.warn(
                line.number,
                &format!(
                    "matches no rule of the format {}, kept as unknown",
                    self.def.name
                ),
            );
            return sink.event(&ev);
        };
        self.held = Some(Held {
            rule: index,
            start: Owned(line.number, line.text.to_string(), line.ending),
            continuations: Vec::new(),
        });
        if self.def.rules[index].continuation.is_empty() {
            self.flush(sink)?;
        }
        Ok(())
    }

    fn finish(&mut self, sink: &mut dyn Sink) -> Result<()> {
        self.flush(sink)
    }
}
