//! LM-X (X-Formation) server logs: `[YYYY-MM-DD hh:mm:ss] message`.
//!
//! The grammar is not published; this reader follows real lines from an
//! LM-X v4 server (RayStation) and the start-up block LM-X v4.9 writes.
//! Usage lines are `VERB by user@host [ip]: feature`, a denial adds
//! ` FAIL: reason`. A verb other than CHECKOUT, CHECKIN and STATUS (the
//! borrow, return and extended-logging forms) becomes a `message` with the
//! verb in `extra.verb`, never `unknown`, and a warning the first time.
//! The envelope carries no zone: `--tz` applies.

use super::{self as read, ReadOptions, Reader, Sink};
use crate::dating::Zone;
use crate::error::Result;
use crate::event::{Event, Kind, Time, TimeSource, Value, clock_seconds};
use crate::format::Format;
use crate::lines::Line;

pub struct LmxReader {
    source: String,
    zone: Option<Zone>,
    state: State,
}

/// What earlier lines told the reader.
#[derive(Default)]
struct State {
    /// The server host and the vendor, from the start-up block.
    server: Option<String>,
    vendor: Option<String>,
    /// Verbs met that this reader does not know, each warned about once.
    verbs: Vec<String>,
    /// After `License file(s):`, bare lines are license file paths.
    in_license_files: bool,
}

impl LmxReader {
    pub fn new(source: &str, options: &ReadOptions) -> Self {
        LmxReader {
            source: source.to_string(),
            zone: options.tz.clone(),
            state: State {
                server: options.server.clone(),
                ..State::default()
            },
        }
    }
}

impl Reader for LmxReader {
    fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) -> Result<()> {
        if line.cut.is_some() {
            let server = self.state.server.as_deref();
            return read::cut_line(&self.source, Format::Lmx, server, line, sink);
        }
        let mut ev = Event::new(
            &self.source,
            line.number,
            Format::Lmx,
            Kind::Message,
            line.text,
        );
        ev.ending = line.ending;
        let Some((mut time, message)) = envelope(line.text) else {
            ev.kind = Kind::Unknown;
            ev.server = self.state.server.as_deref();
            ev.extra_str("text", line.text);
            sink.warn(
                line.number,
                "no `[YYYY-MM-DD hh:mm:ss]` envelope, kept as unknown",
            );
            return sink.event(&ev);
        };
        Zone::apply(self.zone.as_mut(), &mut time);
        ev.time = Some(time);
        ev.time_source = TimeSource::Record;
        match self.state.classify(&mut ev, message, sink) {
            Learned::Server(host) => self.state.server = Some(host.to_string()),
            Learned::Vendor(vendor) => self.state.vendor = Some(vendor.to_string()),
            Learned::Nothing => {}
        }
        ev.server = ev.server.or(self.state.server.as_deref());
        ev.daemon = ev.daemon.or(self.state.vendor.as_deref());
        if ev.kind == Kind::Unknown {
            sink.warn(line.number, "malformed usage line, kept as unknown");
        }
        sink.event(&ev)
    }

    fn finish(&mut self, _sink: &mut dyn Sink) -> Result<()> {
        Ok(())
    }
}

/// What a line tells the reader about the lines after it.
enum Learned<'a> {
    Nothing,
    Server(&'a str),
    Vendor(&'a str),
}

impl State {
    fn classify<'a>(
        &mut self,
        ev: &mut Event<'a>,
        message: &'a str,
        sink: &mut dyn Sink,
    ) -> Learned<'a> {
        let text = message.trim_end();
        let listing = std::mem::replace(&mut self.in_license_files, false);
        if let Some(u) = usage(text) {
            self.usage(ev, u, sink);
            if ev.kind == Kind::Unknown {
                ev.extra_str("text", text);
            }
            return Learned::Nothing;
        }
        if let Some(start) = start_line(text) {
            ev.kind = Kind::ServerStart;
            ev.server = Some(start.host);
            ev.version = Some(start.version);
            ev.extra_str("product", "LM-X License Server");
            ev.extra_str("build", start.build);
            ev.extra_str("platform", start.platform);
            ev.extra_str("text", text);
            return Learned::Server(start.host);
        }
        if let Some(p) = product(text) {
            ev.kind = Kind::Product;
            ev.feature = Some(p.feature);
            ev.version = Some(p.version);
            ev.count = Some(p.count);
            if let Some(rest) = p.rest.filter(|r| !r.is_empty()) {
                ev.extra_str("terms", rest);
            }
            return Learned::Nothing;
        }
        let (topic, value) = self.message(text, listing);
        if let Some(topic) = topic.filter(|t| *t != "level") {
            ev.extra.push(("topic", Value::Str(topic)));
        } else if let Some(host) = read::prose::connection(text) {
            // Bare, in a message or after `WARNING:`: a host all the same.
            ev.host = host;
            if topic.is_none() {
                ev.extra.push(("topic", Value::Str("network")));
            }
        }
        match (topic, value) {
            (Some("level"), Some((level, rest))) => {
                ev.extra.push(("level", Value::Str(level)));
                ev.extra_str("text", rest);
            }
            (
                Some(
                    key @ ("hostid" | "log_format" | "pid" | "port" | "license_path" | "log_path"),
                ),
                Some((_, v)),
            ) => {
                ev.extra.push((key, Value::Str(v)));
                ev.extra_str("text", text);
            }
            _ => ev.extra_str("text", text),
        }
        if topic == Some("vendor") {
            let vendor = value.map_or("", |(_, v)| v);
            ev.daemon = Some(vendor);
            return Learned::Vendor(vendor);
        }
        if topic == Some("stop") {
            ev.kind = Kind::ServerStop;
        }
        Learned::Nothing
    }

    /// The topic of a start-up or status message, and its value.
    fn message<'a>(
        &mut self,
        text: &'a str,
        listing: bool,
    ) -> (Option<&'static str>, Option<(&'a str, &'a str)>) {
        let after = |prefix: &str| text.strip_prefix(prefix).map(str::trim);
        for level in ["WARNING", "ERROR"] {
            if let Some(rest) = text.strip_prefix(level).and_then(|r| r.strip_prefix(':')) {
                let level: &'static str = if level == "ERROR" { "error" } else { "warning" };
                return (Some("level"), Some((level, rest.trim())));
            }
        }
        let keyed: [(&str, &'static str); 4] = [
            ("HostId:", "hostid"),
            ("Log format:", "log_format"),
            ("Log file path:", "log_path"),
            ("Serving licenses for vendor", "vendor"),
        ];
        for (prefix, topic) in keyed {
            if let Some(v) = after(prefix) {
                let v = v.trim_end_matches('.');
                return (Some(topic), Some(("", v)));
            }
        }
        if let Some(pid) = after("License server has pid") {
            return (Some("pid"), Some(("", pid.trim_end_matches('.'))));
        }
        if let Some(rest) = after("License server using") {
            let port = rest.rsplit(' ').next().unwrap_or("").trim_end_matches('.');
            return (Some("port"), Some(("", port)));
        }
        if text == "License file(s):" {
            self.in_license_files = true;
            return (Some("license_files"), None);
        }
        if listing && !text.is_empty() && !text.contains(": ") {
            // One path a line, until the next line of another kind.
            self.in_license_files = true;
            return (Some("license_path"), Some(("", text)));
        }
        let lower = text.to_ascii_lowercase();
        if lower.starts_with("license server") && lower.contains("shutting down")
            || lower.starts_with("shutting down")
        {
            return (Some("stop"), None);
        }
        (None, None)
    }

    fn usage<'a>(&mut self, ev: &mut Event<'a>, u: Usage<'a>, sink: &mut dyn Sink) {
        ev.user = Some(u.user);
        ev.host = Some(u.host);
        ev.extra.push(("ip", Value::Str(u.ip)));
        match (u.verb, u.feature) {
            ("CHECKOUT", Some(feature)) => {
                let (feature, fail) = match feature.split_once(" FAIL: ") {
                    Some((f, reason)) => (f, Some(reason)),
                    None => (feature, None),
                };
                ev.feature = Some(feature);
                ev.kind = match fail {
                    Some(reason) => {
                        ev.reason = Some(reason);
                        Kind::Denial
                    }
                    None => Kind::Checkout,
                };
            }
            ("CHECKIN", Some(feature)) => {
                ev.kind = Kind::Checkin;
                ev.feature = Some(feature);
            }
            ("CHECKOUT" | "CHECKIN", None) => ev.kind = Kind::Unknown,
            ("STATUS", rest) => {
                ev.extra.push(("topic", Value::Str("status")));
                if let Some(rest) = rest {
                    ev.extra_str("text", rest);
                }
            }
            (verb, rest) => {
                ev.extra.push(("verb", Value::Str(verb)));
                if let Some(rest) = rest {
                    // Most likely the feature (a borrow or a return of it).
                    ev.feature = Some(rest).filter(|r| !r.contains(' '));
                    ev.extra_str("text", rest);
                }
                if !self.verbs.iter().any(|v| v == verb) {
                    self.verbs.push(verb.to_string());
                    sink.warn(
                        ev.line,
                        &format!(
                            "LM-X verb {verb} is not documented; kept as a message with extra.verb"
                        ),
                    );
                }
            }
        }
    }
}

/// `[YYYY-MM-DD hh:mm:ss]` and the message after it (maybe empty).
fn envelope(text: &str) -> Option<(Time, &str)> {
    let b = text.as_bytes();
    if b.len() < 21 || b[0] != b'[' || b[20] != b']' || b[11] != b' ' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = text.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (y, mo, d) = (digits(1..5)?, digits(6..8)?, digits(9..11)?);
    let (h, mi, s) = (digits(12..14)?, digits(15..17)?, digits(18..20)?);
    if b[5] != b'-' || b[8] != b'-' || b[14] != b':' || b[17] != b':' || h > 23 || mi > 59 || s > 60
    {
        return None;
    }
    let date = jiff::civil::Date::new(y as i16, mo as i8, d as i8).ok()?;
    let date = crate::dating::plausible(date)?;
    let mut time = Time::of_day(clock_seconds(h, mi, s));
    time.date = Some(date);
    let message = match &text[21..] {
        "" => "",
        m => m.strip_prefix(' ')?,
    };
    Some((time, message))
}

struct Usage<'a> {
    verb: &'a str,
    user: &'a str,
    host: &'a str,
    ip: &'a str,
    /// What follows `]: `.
    feature: Option<&'a str>,
}

/// `VERB by user@host [ip]` and `: feature…` if present.
fn usage(text: &str) -> Option<Usage<'_>> {
    let (verb, rest) = text.split_once(" by ")?;
    if verb.is_empty() || !verb.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
        return None;
    }
    let (who, rest) = rest.split_once(" [")?;
    let (user, host) = who.rsplit_once('@')?;
    let (ip, rest) = rest.split_once(']')?;
    let feature = match rest {
        "" => None,
        r => Some(r.strip_prefix(": ")?),
    };
    Some(Usage {
        verb,
        user,
        host,
        ip,
        feature,
    })
}

struct Start<'a> {
    version: &'a str,
    build: &'a str,
    host: &'a str,
    platform: &'a str,
}

/// `LM-X License Server v4.9.23 build 1a2b3c4d on lic-srv-01 (Linux_x64)`.
fn start_line(text: &str) -> Option<Start<'_>> {
    let rest = text.strip_prefix("LM-X License Server v")?;
    let (version, rest) = rest.split_once(' ')?;
    let (build, rest) = match rest.strip_prefix("build ") {
        Some(r) => r.split_once(' ')?,
        None => ("", rest),
    };
    let rest = rest.strip_prefix("on ")?;
    let (host, platform) = match rest.split_once(" (") {
        Some((h, p)) => (h, p.strip_suffix(')').unwrap_or(p)),
        None => (rest, ""),
    };
    Some(Start {
        version,
        build,
        host,
        platform,
    })
}

struct Product<'a> {
    feature: &'a str,
    version: &'a str,
    count: u64,
    rest: Option<&'a str>,
}

/// `solverX (v3.2) (10 license(s)) shared on: HOST USER license type: exclusive`.
fn product(text: &str) -> Option<Product<'_>> {
    let (feature, rest) = text.split_once(" (v")?;
    if feature.is_empty() || feature.contains(' ') {
        return None;
    }
    let (version, rest) = rest.split_once(") (")?;
    let (count, rest) = rest.split_once(" license(s))")?;
    Some(Product {
        feature,
        version,
        count: count.parse().ok()?,
        rest: Some(rest.trim()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_with_and_without_a_message() {
        let (t, m) = envelope("[2022-03-11 12:29:22]").unwrap();
        assert_eq!((t.seconds, m), (12 * 3600 + 29 * 60 + 22, ""));
        assert_eq!(envelope("[2022-03-11 12:29:22] ").unwrap().1, "");
        assert_eq!(envelope("[2022-03-11 12:29:22] x").unwrap().1, "x");
        assert!(envelope("[2022-03-11 12:29:22]x").is_none());
        assert!(envelope("[2022-02-30 12:29:22] x").is_none());
        assert!(envelope("[2022-03-11 25:29:22] x").is_none());
    }

    #[test]
    fn usage_lines_split_at_the_last_at_and_keep_ipv6() {
        let u = usage("CHECKOUT by a@b@ws [::1]: f FAIL: No more").unwrap();
        assert_eq!(
            (u.verb, u.user, u.host, u.ip),
            ("CHECKOUT", "a@b", "ws", "::1")
        );
        assert_eq!(u.feature, Some("f FAIL: No more"));
        assert!(usage("STATUS by u@h [10.0.0.1]").unwrap().feature.is_none());
        assert!(usage("Checkout by u@h [1]: f").is_none());
    }

    #[test]
    fn start_and_feature_lines() {
        let s = start_line("LM-X License Server v4.9.23 build 1a2b3c4d on lic-srv-01 (Linux_x64)")
            .unwrap();
        assert_eq!(
            (s.version, s.build, s.host, s.platform),
            ("4.9.23", "1a2b3c4d", "lic-srv-01", "Linux_x64")
        );
        let p =
            product("solverX (v3.2) (10 license(s)) shared on: HOST USER license type: exclusive")
                .unwrap();
        assert_eq!((p.feature, p.version, p.count), ("solverX", "3.2", 10));
    }
}
