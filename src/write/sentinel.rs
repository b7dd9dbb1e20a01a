//! `--to sentinel`: a Sentinel RMS License Manager v8 usage log, plain
//! records at encryption level 0. `# Startup` and `# Shutdown` lines with
//! their epoch times; each record's ctime date and epoch Time-stamp; the
//! Trans code from the kind; Numkeys and Keylife from the sessions engine.
//! The record checksums' algorithm is not public: they are written as 0,
//! and a first comment line says so. docs/writers.md lists every choice.

use std::borrow::Cow;

use super::vendor::{Losses, Seen, Target, has_space, writes_usage};
use crate::event::{Event, Kind, Time, is_license_server};
use crate::format::Format;
use crate::put;
use crate::sessions::{Session, Step};

/// Writes events as a Sentinel RMS usage log.
#[derive(Default)]
pub struct Sentinel {
    /// A startup line is in force (written, and no shutdown since).
    started: bool,
    commented: bool,
    records: u64,
    last: Option<(Time, String)>,
}

const VERSION: &str = "v8.6.0.0036";

impl Target for Sentinel {
    const FORMAT: Format = Format::Sentinel;

    fn event(&mut self, ev: &Event<'_>, seen: Seen<'_>, out: &mut Vec<u8>, lost: &mut Losses) {
        let step = seen.step;
        let Some(time) = ev.time.filter(|t| t.date.is_some()) else {
            lost.drop(&format!("{} events without a date", ev.kind.name()));
            return;
        };
        let writable = matches!(
            ev.kind,
            Kind::Checkout
                | Kind::Inuse
                | Kind::Checkin
                | Kind::Denial
                | Kind::Unsupported
                | Kind::Queued
        ) || (license_server_start(ev) && ev.server.is_some());
        if !writable && ev.kind != Kind::ServerStop {
            lost.drop(&format!("{} events", ev.kind.name()));
            return;
        }
        let host = ev.server.unwrap_or("localhost").replace(' ', "_");
        if !self.started && ev.kind == Kind::ServerStop {
            return;
        }
        if !self.started || license_server_start(ev) {
            if !self.commented {
                self.commented = true;
                out.extend_from_slice(
                    b"# liclog: written by liclog at encryption level 0; the record checksums are \
                      not computed (the algorithm is not public) and are written as 0\n",
                );
            }
            self.started = true;
            out.extend_from_slice(b"# Startup Sentinel RMS License Manager ");
            out.extend_from_slice(VERSION.as_bytes());
            out.push(b' ');
            push_ctime(&time, out);
            let epoch = epoch(&time, lost);
            out.extend_from_slice(format!(" {epoch} {host} 0 0\n").as_bytes());
            self.last = Some((time, host.clone()));
            if ev.kind == Kind::ServerStart {
                return;
            }
        }
        self.last = Some((time, host));
        if writes_usage(ev, step) && ev.feature.is_none_or(str::is_empty) {
            lost.drop("usage events without a feature");
            return;
        }
        let (trans, numkeys, keylife) = match (ev.kind, step) {
            (Kind::Checkout | Kind::Inuse, Step::Opened { in_use, .. }) => (0, *in_use, 0),
            (Kind::Inuse, _) => return,
            (Kind::Denial | Kind::Unsupported, _) => (1, seen.in_use, 0),
            (Kind::Checkin, Step::Closed { session, in_use }) => {
                (2, *in_use, held(session.as_deref(), &time))
            }
            (Kind::Queued, _) => (3, seen.in_use, 0),
            (Kind::ServerStop, _) => {
                self.shutdown(out, lost);
                return;
            }
            (Kind::Timestamp | Kind::LogStart, _) => return,
            (kind, _) => {
                lost.drop(&format!("{} events", kind.name()));
                return;
            }
        };
        if ev.reason.is_some() && ev.kind == Kind::Denial && ev.format != Format::Sentinel {
            lost.lose("denial reasons");
        }
        if time.fraction.is_some() {
            lost.lose("fractions of a second");
        }

        // A Sentinel record's own transaction subtype and comment, from its
        // fields (the kinds name only the main transactions).
        let own = |key: &str| ev.extra_text(key).filter(|_| ev.format == Format::Sentinel);
        let trans: u64 = own("trans").and_then(|t| t.parse().ok()).unwrap_or(trans);
        let comment = word(own("comment"), lost);
        out.extend_from_slice(b"0 0 - ");
        push_ctime(&time, out);
        let epoch = epoch(&time, lost);
        let (feature, version) = (word(ev.feature, lost), word(ev.version, lost));
        let (user, host) = (word(ev.user, lost), word(ev.host, lost));
        put!(
            out, " ", epoch, " ", feature, " ", version, " ", trans, " ", numkeys, " "
        );
        put!(
            out,
            keylife,
            " ",
            user,
            " ",
            host,
            " ",
            &VERSION[1..],
            " ",
            ev.count.unwrap_or(1)
        );
        put!(
            out,
            " ",
            comment,
            " - - - - - 0 - - - ",
            base64(self.records.to_string().as_bytes()).as_str(),
            " 0 -\n"
        );
        self.records += 1;
    }

    fn finish(&mut self, out: &mut Vec<u8>) {
        let mut lost = Losses::default();
        self.shutdown(out, &mut lost);
    }
}

impl Sentinel {
    /// `# Shutdown ...` at the last time written.
    fn shutdown(&mut self, out: &mut Vec<u8>, lost: &mut Losses) {
        let Some((time, host)) = self.last.take().filter(|_| self.started) else {
            return;
        };
        self.started = false;
        out.extend_from_slice(b"# Shutdown Sentinel RMS License Manager ");
        out.extend_from_slice(VERSION.as_bytes());
        out.push(b' ');
        push_ctime(&time, out);
        let epoch = epoch(&time, lost);
        let number = base64(self.records.to_string().as_bytes());
        out.extend_from_slice(format!(" {epoch} {host} 0 {number} 0\n").as_bytes());
    }
}

/// A field: `-` when missing, never with a space (Sentinel splits fields
/// at spaces).
fn word<'e>(v: Option<&'e str>, lost: &mut Losses) -> Cow<'e, str> {
    match v {
        None | Some("") => Cow::Borrowed("-"),
        Some(v) if has_space(v) => {
            lost.lose("spaces in names (written as _)");
            Cow::Owned(v.replace([' ', '\t'], "_"))
        }
        Some(v) => Cow::Borrowed(v),
    }
}

/// The license server's own start (lmgrd, rlm, Sentinel's): a vendor
/// daemon's start is no new Sentinel session.
fn license_server_start(ev: &Event<'_>) -> bool {
    ev.kind == Kind::ServerStart && ev.daemon.is_none_or(is_license_server)
}

/// Seconds a released key was held (Keylife), when its checkout is known
/// and both times have dates.
fn held(session: Option<&Session>, end: &Time) -> u64 {
    let start = session.and_then(|s| s.start);
    match (start.and_then(datetime), datetime(*end)) {
        (Some(a), Some(b)) => b.duration_since(a).as_secs().max(0) as u64,
        _ => 0,
    }
}

fn datetime(t: Time) -> Option<jiff::civil::DateTime> {
    let s = t.seconds;
    let clock = jiff::civil::time((s / 3600) as i8, (s / 60 % 60) as i8, (s % 60) as i8, 0);
    Some(t.date?.to_datetime(clock))
}

/// The epoch seconds of a local time: exact with its UTC offset; without
/// one, as if the time were UTC (counted as a loss).
fn epoch(t: &Time, lost: &mut Losses) -> i64 {
    let Some(date) = t.date else { return 0 };
    let offset = match t.offset {
        Some(o) => o,
        None => {
            lost.lose("UTC offsets (Time-stamps written as if the log's times were UTC)");
            0
        }
    };
    // Days since 1970-01-01 by the civil calendar (no zone database
    // lookup per record), then the local time and the offset.
    let days = i64::from(
        date.since(jiff::civil::date(1970, 1, 1))
            .map_or(0, |s| s.get_days()),
    );
    days * 86_400 + i64::from(t.seconds) - i64::from(offset)
}

/// `Mon Aug 25 15:36:27 2014` (`ctime`: the day padded with a space).
fn push_ctime(t: &Time, out: &mut Vec<u8>) {
    let Some(date) = t.date else { return };
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let dow = DAYS[date.weekday().to_monday_zero_offset() as usize];
    let month = MONTHS[date.month() as usize - 1];
    put!(out, dow, " ", month, " ");
    if date.day() < 10 {
        out.push(b' ');
    }
    put!(out, date.day() as u64, " ");
    Time {
        fraction: None,
        offset: None,
        ..*t
    }
    .write_time_of_day(out);
    out.extend_from_slice(format!(" {}", date.year()).as_bytes());
}

/// Record numbers are base64 of their decimal digits (`MA==` is 0). A few
/// bytes per record: not worth a dependency.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn record_numbers_are_base64() {
        assert_eq!(super::base64(b"0"), "MA==");
        assert_eq!(super::base64(b"10"), "MTA=");
        assert_eq!(super::base64(b"123"), "MTIz");
    }
}
