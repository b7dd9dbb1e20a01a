//! `--to rlm-report`: an RLM reportlog in the std format (0). The header
//! without the authentication flag and no AUTH records (a converter cannot
//! sign); `ISV:`, `START`, `TIMEZONE` when the offset is known; a periodic
//! `mm/dd/yyyy hh:mm` timestamp at every change of day; OUT, IN, DENY,
//! QUE, DEQUE, SHUTDOWN, END. Handles and `cur_use` come from the sessions
//! engine. docs/writers.md lists every choice.

use jiff::civil::Date;

use super::vendor::{DENIALS, Losses, Target, denial_of, is_usage, push_mdy};
use crate::event::{Event, Kind, Time, Value};
use crate::format::Format;
use crate::sessions::{Session, Step};

#[derive(Default)]
pub struct RlmReport {
    started: bool,
    date: Option<Date>,
    last: Option<Time>,
}

impl Target for RlmReport {
    const FORMAT: Format = Format::RlmReport;

    fn daemon_of<'e>(&self, ev: &Event<'e>) -> Option<&'e str> {
        ev.daemon.filter(|_| is_usage(ev.kind))
    }

    fn event(&mut self, ev: &Event<'_>, step: &Step, out: &mut Vec<u8>, lost: &mut Losses) {
        let Some(time) = ev.time else {
            lost.lose(&format!("{} events without a time", ev.kind.name()));
            return;
        };
        let Some(date) = time.date else {
            lost.lose("events without a date");
            return;
        };
        let start = ev.kind == Kind::ServerStart;
        if !self.started {
            // The header needs the ISV: it waits for the first event of one
            // (a log without vendor daemons, such as Sentinel's, has none).
            let isv = match ev.daemon {
                Some("lmgrd" | "rlm") => None,
                Some(d) => Some(d),
                None => Some("unknown"),
            };
            let Some(isv) = isv.filter(|_| start || is_usage(ev.kind)) else {
                lost.lose(&format!(
                    "{} events before the first of an ISV",
                    ev.kind.name()
                ));
                return;
            };
            out.extend_from_slice(b"RLM Report Log Format 0, version 14.1\n");
            out.extend_from_slice(format!("ISV: {isv}, RLM version 14.1 BL0\n").as_bytes());
        }
        if !self.started || start {
            self.started = true;
            out.extend_from_slice(b"START ");
            out.extend_from_slice(no_space(ev.server.unwrap_or("localhost"), lost).as_bytes());
            out.push(b' ');
            push_full(&time, date, out);
            if let Some(offset) = time.offset {
                let west = -offset / 60;
                out.extend_from_slice(
                    format!("TIMEZONE {west} 0 # written by liclog\n").as_bytes(),
                );
            }
            self.date = Some(date);
            if start {
                self.last = Some(time);
                return;
            }
        }
        if self.date != Some(date) {
            self.date = Some(date);
            push_full(
                &Time {
                    seconds: 0,
                    leap: false,
                    fraction: None,
                    ..time
                },
                date,
                out,
            );
        }
        self.last = Some(time);
        if time.fraction.is_some() {
            lost.lose("fractions of a second");
        }
        if is_usage(ev.kind) && ev.feature.is_none() {
            lost.lose("usage events without a feature");
            return;
        }
        match (ev.kind, step) {
            (Kind::Checkout, Step::Opened { id, in_use }) => {
                let handle = ev.handle.map_or_else(|| format!("{id:x}"), str::to_string);
                let f = fields(ev, lost);
                let line = format!(
                    "OUT {} {} {} {} {} \"{}\" {} {in_use} 0 {handle} {handle} {} \"{}\" \"\" \"\" ",
                    f.product,
                    f.version,
                    f.pool,
                    f.user,
                    f.host,
                    f.isv_def,
                    f.count,
                    f.pid,
                    f.project
                );
                out.extend_from_slice(line.as_bytes());
                push_clock(&time, date, true, out);
            }
            (Kind::Inuse, Step::Opened { id, .. }) => {
                let handle = ev.handle.map_or_else(|| format!("{id:x}"), str::to_string);
                let f = fields(ev, lost);
                let line = format!(
                    "INUSE {} {} {} {} {} \"{}\" {} {handle} {handle} {} ",
                    f.product, f.version, f.pool, f.user, f.host, f.isv_def, f.count, f.pid
                );
                out.extend_from_slice(line.as_bytes());
                push_clock(&time, date, true, out);
            }
            // Its repeat at the end of an RLM log.
            (Kind::Inuse, _) => {}
            (Kind::Checkin, Step::Closed { session, in_use }) => {
                let handle = session.as_deref().map_or_else(
                    || {
                        lost.lose("checkins without their checkout (handle 0)");
                        "0".to_string()
                    },
                    handle_of,
                );
                let why = extra(ev, "why")
                    .filter(|_| ev.format == Format::RlmReport)
                    .unwrap_or("1");
                let f = fields(ev, lost);
                let line = format!(
                    "IN {why} {} {} {} {} \"{}\" {} {in_use} 0 {handle} ",
                    f.product, f.version, f.user, f.host, f.isv_def, f.count
                );
                out.extend_from_slice(line.as_bytes());
                push_clock(&time, date, true, out);
            }
            (Kind::Denial | Kind::Unsupported, _) => {
                let f = fields(ev, lost);
                let why = rlm_status(ev, lost);
                let last = extra(ev, "last_attempt")
                    .filter(|_| ev.format == Format::RlmReport)
                    .unwrap_or("1");
                let line = format!(
                    "DENY {} {} {} {} \"{}\" {} {why} {last} {} ",
                    f.product, f.version, f.user, f.host, f.isv_def, f.count, f.pid
                );
                out.extend_from_slice(line.as_bytes());
                if time.seconds % 60 != 0 || time.leap {
                    lost.lose("seconds of denials (std writes hh:mm)");
                }
                push_clock(&time, date, false, out);
            }
            (Kind::Queued, _) => {
                let f = fields(ev, lost);
                let handle = ev.handle.unwrap_or("0");
                let line = format!(
                    "QUE {} {} {} {} \"{}\" {} {handle} \"{}\" \"\" \"\" ",
                    f.product, f.version, f.user, f.host, f.isv_def, f.count, f.project
                );
                out.extend_from_slice(line.as_bytes());
                push_clock(&time, date, true, out);
            }
            (Kind::Dequeued, _) => {
                let f = fields(ev, lost);
                let handle = ev.handle.unwrap_or("0");
                let line = format!(
                    "DEQUE 1 {} {} {} {} \"{}\" {} {handle} ",
                    f.product, f.version, f.user, f.host, f.isv_def, f.count
                );
                out.extend_from_slice(line.as_bytes());
                push_clock(&time, date, true, out);
            }
            (Kind::ServerStop, _) => {
                let user = name(ev.user, lost);
                let host = name(ev.host, lost);
                out.extend_from_slice(format!("SHUTDOWN {user} {host} ").as_bytes());
                push_clock(&time, date, true, out);
            }
            (Kind::Timestamp | Kind::LogStart, _) => {}
            (kind, _) => lost.lose(&format!("{} events", kind.name())),
        }
    }

    fn finish(&mut self, _open: &[Session], out: &mut Vec<u8>) {
        if let (true, Some(last), Some(date)) = (self.started, self.last, self.date) {
            out.extend_from_slice(b"END ");
            push_full(&last, date, out);
        }
    }
}

/// What a usage record says of its license, as RLM writes it.
struct Fields {
    product: String,
    version: String,
    pool: String,
    user: String,
    host: String,
    isv_def: String,
    count: u64,
    pid: String,
    project: String,
}

fn fields(ev: &Event<'_>, lost: &mut Losses) -> Fields {
    let rlm = ev.format == Format::RlmReport;
    let own = |key| extra(ev, key).filter(|_| rlm);
    let version = match ev.version {
        Some(v) => no_space(v, lost),
        None => {
            lost.lose("versions (written as 0.0)");
            "0.0".to_string()
        }
    };
    let quoted = |v: Option<&str>| v.unwrap_or("").replace('"', "'");
    Fields {
        product: no_space(ev.feature.unwrap_or("unknown"), lost),
        version,
        pool: own("pool").unwrap_or("1").to_string(),
        user: name(ev.user, lost),
        host: name(ev.host, lost),
        isv_def: quoted(own("isv_def")),
        count: ev.count.unwrap_or(1),
        pid: own("process_id").or(own("pid")).unwrap_or("0").to_string(),
        project: quoted(own("project")),
    }
}

/// A user or host: `""` when empty, never with a space (RLM splits
/// fields at spaces and writes names without quotes).
fn name(value: Option<&str>, lost: &mut Losses) -> String {
    match value {
        None | Some("") | Some("\"\"") => "\"\"".to_string(),
        Some(v) => no_space(v, lost),
    }
}

fn no_space(value: &str, lost: &mut Losses) -> String {
    if value.contains([' ', '\t']) {
        lost.lose("spaces in names (written as _)");
        value.replace([' ', '\t'], "_")
    } else {
        value.to_string()
    }
}

fn extra<'e>(ev: &'e Event<'_>, key: &str) -> Option<&'e str> {
    ev.extra
        .iter()
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| match v {
            Value::Int(_) => None,
            v => v.as_str(),
        })
}

fn handle_of(s: &Session) -> String {
    s.handle.clone().unwrap_or_else(|| format!("{:x}", s.id))
}

/// The RLM status of a denial: its own, or mapped from FlexNet's code.
fn rlm_status(ev: &Event<'_>, lost: &mut Losses) -> i32 {
    if let Some(d) = denial_of(ev) {
        return d.rlm;
    }
    if ev.format == Format::RlmReport
        && let Some(n) = ev.code.and_then(|c| c.parse().ok())
    {
        return n;
    }
    if ev.kind == Kind::Unsupported {
        return -18;
    }
    lost.lose("denial reasons without an RLM status (written as -22)");
    DENIALS[0].rlm
}

/// `mm/dd/yyyy hh:mm` and a line break.
fn push_full(time: &Time, date: Date, out: &mut Vec<u8>) {
    push_mdy(out, date, true);
    out.push(b' ');
    let mut clock = Vec::new();
    time.write_time_of_day(&mut clock);
    out.extend_from_slice(&clock[..5]);
    out.push(b'\n');
}

/// `mm/dd hh:mm:ss` (or `hh:mm`) and a line break.
fn push_clock(time: &Time, date: Date, seconds: bool, out: &mut Vec<u8>) {
    out.extend_from_slice(format!("{:02}/{:02} ", date.month(), date.day()).as_bytes());
    let mut clock = Vec::new();
    Time {
        fraction: None,
        ..*time
    }
    .write_time_of_day(&mut clock);
    out.extend_from_slice(&clock[..if seconds { 8 } else { 5 }]);
    out.push(b'\n');
}
