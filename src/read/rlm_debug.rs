//! RLM debug logs: the ISV servers' (`05/11 15:17 (demo) OUT: ...`) and the
//! rlm master server's (`(rlm)` lines).
//!
//! Lines are `mm/dd hh:mm (isv) text`, with no year: it comes from `--date`
//! or `--year`, else `time` holds the time of day alone and
//! `extra.month_day` the date as written. A denial's reason is written on
//! the next, indented line; the reader holds each `DENIED:` line back one
//! line to attach it.

use super::rlm::{self, YearDating};
use super::{self as read, ReadOptions, Reader, Sink};
use crate::dating::Zone;
use crate::error::Result;
use crate::event::{Event, Kind, TimeSource, Value};
use crate::format::Format;
use crate::lines::Line;

pub struct RlmDebugReader {
    source: String,
    dating: YearDating,
    zone: Option<Zone>,
    server: Option<String>,
    /// A `DENIED:` line (number, text, ending) waiting for its reason line.
    denial: Option<(u64, String, &'static str)>,
    /// The ending of the line being emitted, given to its event.
    ending: &'static str,
    /// The log has given a line that could not be dated (warned once).
    warned_undated: bool,
}

/// `mm/dd hh:mm (isv) ` and what follows.
struct Prefix<'a> {
    month_day: (i8, i8),
    seconds: u32,
    isv: &'a str,
    body: &'a str,
}

fn prefix(text: &str) -> Option<Prefix<'_>> {
    let (md, rest) = text.split_once(' ')?;
    let (clock, rest) = rest.split_once(' ')?;
    let rest = rest.strip_prefix('(')?;
    let (isv, body) = rest.split_once(')')?;
    let body = match body.strip_prefix(' ') {
        Some(b) => b,
        None if body.is_empty() => body,
        None => return None,
    };
    Some(Prefix {
        month_day: rlm::month_day(md)?,
        seconds: rlm::clock(clock).filter(|c| c.1.is_none())?.0,
        isv,
        body,
    })
}

impl RlmDebugReader {
    pub fn new(source: &str, options: &ReadOptions) -> Self {
        RlmDebugReader {
            source: source.to_string(),
            dating: YearDating::new(options.date, options.year),
            zone: options.tz.clone(),
            server: options.server.clone(),
            denial: None,
            ending: "\n",
            warned_undated: false,
        }
    }

    /// `p` is `prefix(text)`, parsed once by the caller.
    fn emit(
        &mut self,
        number: u64,
        text: &str,
        p: Option<Prefix<'_>>,
        role: Role<'_>,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let Some(p) = p else {
            let mut ev = Event::new(&self.source, number, Format::RlmDebug, Kind::Message, text);
            ev.ending = self.ending;
            ev.server = self.server.as_deref();
            ev.extra_str("text", text);
            if looks_dated(text) {
                ev.kind = Kind::Unknown;
                sink.warn(
                    number,
                    "malformed `mm/dd hh:mm (isv)` prefix, kept as unknown",
                );
            }
            return sink.event(&ev);
        };
        let mut ev = Event::new(&self.source, number, Format::RlmDebug, Kind::Message, text);
        ev.ending = self.ending;
        let (m, d) = p.month_day;
        let date = self.dating.month_day(m, d, p.seconds);
        let mut time = rlm::time(date.map(|d| d.0), p.seconds, None);
        ev.time_source = date.map_or(TimeSource::None, |d| d.1);
        if date.is_none() {
            ev.extra
                .push(("month_day", Value::Owned(format!("{m:02}-{d:02}"))));
            if !std::mem::replace(&mut self.warned_undated, true) {
                sink.warn(
                    number,
                    "an RLM debug log writes no year; times carry no date (pass --year YYYY or --date YYYY-MM-DD)",
                );
            }
        }
        if let Some(z) = self.zone.as_mut().filter(|_| date.is_some()) {
            Zone::apply(Some(z), &mut time);
        }
        ev.time = Some(time);
        ev.daemon = Some(p.isv);
        let new_server = match role {
            // The reason line is still an event: a message pointing back at
            // its denial, not another list item.
            Role::ReasonOf(denial) => {
                ev.extra.push(("topic", Value::Str("denial_reason")));
                ev.extra.push(("reason_of", Value::Int(denial as i64)));
                None
            }
            Role::Line => classify(&mut ev, p.body),
            Role::Denial(reason) => {
                let host = classify(&mut ev, p.body);
                if let Some((line, reason)) = reason.filter(|_| ev.kind == Kind::Denial) {
                    ev.reason = Some(reason);
                    ev.extra.push(("reason_line", Value::Int(line as i64)));
                }
                host
            }
        };
        if ev.kind == Kind::Unknown {
            sink.warn(number, "malformed usage line, kept as unknown");
        }
        if let Some(host) = new_server {
            self.server = Some(host.to_string());
        }
        ev.server = ev.server.or(self.server.as_deref());
        ev.extra_str("text", p.body);
        sink.event(&ev)
    }
}

/// A line that starts like a prefix but is not one.
fn looks_dated(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() > 3 && b[0].is_ascii_digit() && b[1].is_ascii_digit() && b[2] == b'/'
}

/// What a line is to the reader.
enum Role<'r> {
    Line,
    /// A held `DENIED:` line, with its reason line (number, text) if the
    /// next line was one.
    Denial(Option<(u64, &'r str)>),
    /// The indented line that gives the reason of the denial on line N.
    ReasonOf(u64),
}

impl Reader for RlmDebugReader {
    fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) -> Result<()> {
        if line.cut.is_some() {
            self.finish(sink)?; // a held denial goes first, without a reason
            return read::cut_line(&self.source, Format::RlmDebug, None, line, sink);
        }
        let p = prefix(line.text);
        self.ending = line.ending;
        if let Some((number, held, held_ending)) = self.denial.take() {
            let reason = p
                .as_ref()
                .filter(|p| p.body.starts_with([' ', '\t']) && !p.body.trim().is_empty())
                .map(|p| p.body.trim());
            let role = Role::Denial(reason.map(|r| (line.number, r)));
            self.ending = held_ending;
            self.emit(number, &held, prefix(&held), role, sink)?;
            self.ending = line.ending;
            if reason.is_some() {
                return self.emit(line.number, line.text, p, Role::ReasonOf(number), sink);
            }
        }
        if p.as_ref().is_some_and(|p| p.body.starts_with("DENIED: ")) {
            self.denial = Some((line.number, line.text.to_string(), line.ending));
            return Ok(());
        }
        self.emit(line.number, line.text, p, Role::Line, sink)
    }

    fn finish(&mut self, sink: &mut dyn Sink) -> Result<()> {
        match self.denial.take() {
            Some((number, held, ending)) => {
                self.ending = ending;
                self.emit(number, &held, prefix(&held), Role::Denial(None), sink)
            }
            None => Ok(()),
        }
    }
}

/// Types the line from its text; returns the host a start line names.
fn classify<'a>(ev: &mut Event<'a>, body: &'a str) -> Option<&'a str> {
    let topic = |ev: &mut Event<'a>, t: &'static str| ev.extra.push(("topic", Value::Str(t)));
    if let Some(rest) = body.strip_prefix("OUT: ") {
        usage(ev, Kind::Checkout, rest, " by ");
    } else if let Some(rest) = body.strip_prefix("IN: ") {
        let rest = match rest.strip_prefix('(').and_then(|r| r.split_once(") ")) {
            Some((why, rest)) => {
                ev.reason = Some(why);
                rest
            }
            None => rest,
        };
        usage(ev, Kind::Checkin, rest, " by ");
    } else if let Some(rest) = body.strip_prefix("DENIED: ") {
        let rest = match rest.strip_prefix('(').and_then(|r| r.split_once(") ")) {
            Some((n, rest)) if n.parse::<u64>().is_ok() => {
                ev.count = n.parse().ok();
                rest
            }
            _ => rest,
        };
        usage(ev, Kind::Denial, rest, " to ");
    } else if let Some(rest) = body.strip_prefix("Server started on ") {
        ev.kind = Kind::ServerStart;
        let host = rest.split([' ', '(']).next().filter(|h| !h.is_empty());
        if let Some(id) = rest
            .split_once("(hostid: ")
            .and_then(|(_, r)| r.split_once(')'))
        {
            ev.extra_str("hostid", id.0);
        }
        ev.server = host;
        return host;
    } else if let Some(host) = body.strip_prefix("License server started on ") {
        ev.kind = Kind::ServerStart;
        ev.server = Some(host.trim());
        return Some(host.trim());
    } else if let Some(v) = body.strip_prefix("RLM License Server Version ") {
        topic(ev, "version");
        ev.version = Some(v.trim());
    } else if let Some(rest) = body.strip_prefix("==== Reread request by ") {
        ev.kind = Kind::Reread;
        user_at_host(ev, rest.trim_end_matches(['=', ' ']));
    } else if let Some(rest) = body.strip_prefix("Shutdown request by ") {
        ev.kind = Kind::ServerStop;
        ev.reason = Some("shutdown requested");
        user_at_host(ev, rest.trim());
    } else if let Some(to) = body.strip_prefix("Switching debug log to ") {
        ev.kind = Kind::LogEnd;
        ev.extra_str("switched_to", to.trim());
    } else if let Some(file) = body.strip_prefix("Report log started on ") {
        topic(ev, "report_log");
        ev.extra_str("report_log", file.trim());
    } else if body.starts_with("License files:") {
        topic(ev, "license_files");
    } else if body.starts_with("Re-reading license files") {
        topic(ev, "reread");
    } else if body.starts_with("WARNING: ") {
        topic(ev, "warning");
    } else if let Some(file) = body.strip_prefix("Using options file ") {
        topic(ev, "options_file");
        ev.extra_str("options_file", file.trim());
    } else if body.starts_with([' ', '\t']) && !body.trim().is_empty() {
        // Indented list items: license files, products, ISV servers.
        topic(ev, "list_item");
    } else if let Some(host) = read::prose::connection(body) {
        topic(ev, "network");
        ev.host = host;
    }
    None
}

/// `product vX by user@host[ isv_def][ (N licenses)]` (`to` for denials).
fn usage<'a>(ev: &mut Event<'a>, kind: Kind, rest: &'a str, sep: &str) {
    let parsed = rest.split_once(sep).and_then(|(left, right)| {
        let (product, version) = left.rsplit_once(' ')?;
        let version = version.strip_prefix('v')?;
        Some((product, version, right.trim_end()))
    });
    let Some((product, version, mut right)) = parsed else {
        ev.kind = Kind::Unknown;
        return;
    };
    ev.kind = kind;
    ev.feature = Some(product);
    ev.version = Some(version);
    if let Some(open) = right.rfind(" (")
        && let Some(n) = right[open + 2..]
            .strip_suffix(" licenses)")
            .or_else(|| right[open + 2..].strip_suffix(" license)"))
            .and_then(|n| n.parse().ok())
    {
        ev.count = Some(n);
        right = &right[..open];
    }
    ev.count = ev.count.or(Some(1));
    let (who, isv_def) = right.split_once(' ').unwrap_or((right, ""));
    user_at_host(ev, who);
    if !isv_def.trim().is_empty() {
        ev.extra_str("isv_def", isv_def.trim());
    }
}

fn user_at_host<'a>(ev: &mut Event<'a>, s: &'a str) {
    match s.rsplit_once('@') {
        Some((user, host)) => {
            ev.user = Some(user);
            ev.host = Some(host);
        }
        None => ev.user = Some(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        let p = prefix("05/11 15:17 (demo) OUT: a v1 by u@h").unwrap();
        assert_eq!((p.month_day, p.seconds, p.isv), ((5, 11), 55020, "demo"));
        assert_eq!(p.body, "OUT: a v1 by u@h");
        assert_eq!(prefix("03/19 5:17 (demo) ").unwrap().body, "");
        assert_eq!(prefix("05/11 15:16 (demo)").unwrap().body, "");
        assert!(prefix("\tCopyright (C) 2006-2010").is_none());
        assert!(prefix("13/11 15:16 (demo) x").is_none());
    }

    fn classified(body: &str) -> Event<'_> {
        let mut ev = Event::new("t", 1, Format::RlmDebug, Kind::Message, body);
        classify(&mut ev, body);
        ev
    }

    #[test]
    fn usage_lines() {
        let e =
            classified("OUT: analytics v13.0 by Barret@win8desktop ISV_Def Stuff (14 licenses)");
        assert_eq!(e.kind, Kind::Checkout);
        assert_eq!((e.feature, e.version), (Some("analytics"), Some("13.0")));
        assert_eq!(
            (e.user, e.host, e.count),
            (Some("Barret"), Some("win8desktop"), Some(14))
        );
        assert_eq!(e.extra, vec![("isv_def", Value::Str("ISV_Def Stuff"))]);
        let e = classified("IN: (failed server back up) datavis v2.04 by cecil@win7_xeon ");
        assert_eq!(
            (e.kind, e.reason),
            (Kind::Checkin, Some("failed server back up"))
        );
        let e = classified("DENIED: (1) no good 1 v3.03 to edgar@vaio ");
        assert_eq!(
            (e.kind, e.feature, e.count),
            (Kind::Denial, Some("no good 1"), Some(1))
        );
        assert_eq!(classified("OUT: nonsense").kind, Kind::Unknown);
    }
}
