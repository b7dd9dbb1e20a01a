//! `--to rlm-report`: an RLM reportlog in the std format (0). The header
//! without the authentication flag and no AUTH records (a converter cannot
//! sign); `ISV:`, `START`, `TIMEZONE` when the offset is known; a periodic
//! `mm/dd/yyyy hh:mm` timestamp at every change of day; OUT, IN, DENY,
//! QUE, DEQUE, SHUTDOWN, END. Handles and `cur_use` come from the sessions
//! engine. docs/writers.md lists every choice.

use std::borrow::Cow;

use jiff::civil::Date;

use super::vendor::{
    DENIALS, Hex, Losses, Seen, Target, denial_of, has_space, is_usage, push_mdy, writes_usage,
};
use crate::event::{Event, Kind, Time, is_license_server};
use crate::format::Format;
use crate::put;
use crate::read::rlm_report::PRODUCT;
use crate::sessions::Step;

/// Writes events as an RLM reportlog.
#[derive(Default)]
pub struct RlmReport {
    started: bool,
    date: Option<Date>,
    last: Option<Time>,
    /// The UTC offset the last `TIMEZONE` line stated: a new one is
    /// written whenever the events' offset changes (daylight saving time).
    offset: Option<i32>,
}

impl Target for RlmReport {
    const FORMAT: Format = Format::RlmReport;

    fn daemon_of<'e>(&self, ev: &Event<'e>) -> Option<&'e str> {
        ev.daemon.filter(|_| is_usage(ev.kind))
    }

    fn event(&mut self, ev: &Event<'_>, seen: Seen<'_>, out: &mut Vec<u8>, lost: &mut Losses) {
        let step = seen.step;
        // An RLM PRODUCT record (no time of its own) after its START.
        if ev.kind == Kind::Product && ev.format == Format::RlmReport && self.started {
            product(ev, out);
            return;
        }
        let Some(time) = ev.time else {
            lost.drop(&format!("{} events without a time", ev.kind.name()));
            return;
        };
        let Some(date) = time.date else {
            lost.drop("events without a date");
            return;
        };
        let start = ev.kind == Kind::ServerStart;
        if !self.started {
            // The header needs the ISV: it waits for the first event of one
            // (a log without vendor daemons, such as Sentinel's, has none).
            let isv = match ev.daemon {
                Some(d) if is_license_server(d) => None,
                Some(d) => Some(d),
                None => Some("unknown"),
            };
            if isv == Some("unknown") && (start || is_usage(ev.kind)) {
                lost.lose("ISV names (a format without vendor daemons: written as unknown)");
            }
            let Some(isv) = isv.filter(|_| start || is_usage(ev.kind)) else {
                lost.drop(&format!(
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
            if ev.server.is_none() {
                lost.lose("server names (written as localhost)");
            }
            out.extend_from_slice(no_space(ev.server.unwrap_or("localhost"), lost).as_bytes());
            out.push(b' ');
            push_full(&time, date, out);
            self.offset = None;
            self.date = Some(date);
            if start {
                self.last = Some(time);
                return;
            }
        }
        if let Some(offset) = time.offset
            && self.offset != Some(offset)
        {
            // RLM's TIMEZONE: minutes west of UTC, and no daylight flag
            // (the offset in force is written again when it changes).
            let west = -offset / 60;
            out.extend_from_slice(format!("TIMEZONE {west} 0 # written by liclog\n").as_bytes());
            self.offset = Some(offset);
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
        if writes_usage(ev, step) && ev.feature.is_none_or(str::is_empty) {
            lost.drop("usage events without a feature");
            return;
        }
        match (ev.kind, step) {
            (Kind::Checkout, Step::Opened { id, in_use, .. }) => {
                let f = fields(ev, lost);
                put!(
                    out, "OUT ", f.product, " ", f.version, " ", f.pool, " ", f.user, " "
                );
                put!(out, f.host, " \"", f.isv_def, "\" ", f.count, " ");
                put_cur_use(out, ev, *in_use);
                put!(out, " 0 ");
                put_handle(out, ev.handle, *id);
                out.push(b' ');
                put_handle(out, ev.handle, *id);
                put!(out, " ", f.pid, " \"", f.project, "\" \"\" \"\" ");
                push_clock(&time, date, true, out);
            }
            (Kind::Inuse, Step::Opened { id, .. }) => {
                let f = fields(ev, lost);
                put!(
                    out, "INUSE ", f.product, " ", f.version, " ", f.pool, " ", f.user, " "
                );
                put!(out, f.host, " \"", f.isv_def, "\" ", f.count, " ");
                put_handle(out, ev.handle, *id);
                out.push(b' ');
                put_handle(out, ev.handle, *id);
                put!(out, " ", f.pid, " ");
                push_clock(&time, date, true, out);
            }
            // Its repeat at the end of an RLM log.
            (Kind::Inuse, _) => {}
            (Kind::Checkin, Step::Closed { session, in_use }) => {
                let why = ev
                    .extra_text("why")
                    .filter(|_| ev.format == Format::RlmReport)
                    .unwrap_or("1");
                let f = fields(ev, lost);
                put!(
                    out, "IN ", why, " ", f.product, " ", f.version, " ", f.user, " "
                );
                put!(out, f.host, " \"", f.isv_def, "\" ", f.count, " ");
                put_cur_use(out, ev, *in_use);
                put!(out, " 0 ");
                match session.as_deref() {
                    Some(s) => put_handle(out, s.handle.as_deref(), s.id),
                    None => {
                        lost.lose("checkins without their checkout (handle 0)");
                        out.push(b'0');
                    }
                }
                out.push(b' ');
                push_clock(&time, date, true, out);
            }
            (Kind::Denial | Kind::Unsupported, _) => {
                let f = fields(ev, lost);
                let why = rlm_status(ev, lost);
                let last = ev
                    .extra_text("last_attempt")
                    .filter(|_| ev.format == Format::RlmReport)
                    .unwrap_or("1");
                put!(
                    out, "DENY ", f.product, " ", f.version, " ", f.user, " ", f.host
                );
                put!(
                    out, " \"", f.isv_def, "\" ", f.count, " ", why, " ", last, " ", f.pid, " "
                );
                if time.seconds % 60 != 0 || time.leap {
                    lost.lose("seconds of denials (std writes hh:mm)");
                }
                push_clock(&time, date, false, out);
            }
            (Kind::Queued, _) => {
                let f = fields(ev, lost);
                let handle = queue_handle(ev.handle, lost);
                let line = format!(
                    "QUE {} {} {} {} \"{}\" {} {handle} \"{}\" \"\" \"\" ",
                    f.product, f.version, f.user, f.host, f.isv_def, f.count, f.project
                );
                out.extend_from_slice(line.as_bytes());
                push_clock(&time, date, true, out);
            }
            (Kind::Dequeued, _) => {
                let f = fields(ev, lost);
                let handle = queue_handle(ev.handle, lost);
                let why = ev
                    .extra_text("why")
                    .filter(|_| ev.format == Format::RlmReport)
                    .unwrap_or("1");
                let line = format!(
                    "DEQUE {why} {} {} {} {} \"{}\" {} {handle} ",
                    f.product, f.version, f.user, f.host, f.isv_def, f.count
                );
                out.extend_from_slice(line.as_bytes());
                push_clock(&time, date, true, out);
            }
            (Kind::Reread, _) => {
                let user = name(ev.user, lost);
                let host = name(ev.host, lost);
                put!(out, "REREAD ", user, " ", host, " ");
                push_clock(&time, date, true, out);
            }
            (Kind::ServerStop, _) => {
                let user = name(ev.user, lost);
                let host = name(ev.host, lost);
                out.extend_from_slice(format!("SHUTDOWN {user} {host} ").as_bytes());
                push_clock(&time, date, true, out);
            }
            (Kind::Timestamp | Kind::LogStart, _) => {}
            (kind, _) => lost.drop(&format!("{} events", kind.name())),
        }
    }

    fn finish(&mut self, out: &mut Vec<u8>) {
        if let (true, Some(last), Some(date)) = (self.started, self.last, self.date) {
            out.extend_from_slice(b"END ");
            push_full(&last, date, out);
        }
    }
}

/// `PRODUCT name version pool count reservations soft_limit "hostid"
/// "contract" "customer" "issuer" "line_item" "options" share max_share
/// type named_user_count meter…`, from an RLM reader's PRODUCT event (the
/// pools are known only there).
fn product(ev: &Event<'_>, out: &mut Vec<u8>) {
    let field = |key: &str| ev.extra_text(key).unwrap_or("");
    let count = ev.count.unwrap_or(0);
    put!(
        out,
        "PRODUCT ",
        ev.feature.unwrap_or(""),
        " ",
        ev.version.unwrap_or(""),
        " "
    );
    put!(
        out,
        field("pool"),
        " ",
        count,
        " ",
        field("reservations"),
        " ",
        field("soft_limit")
    );
    // `hostid` to `options` are quoted, the numbers after them are not.
    for key in &PRODUCT[6..12] {
        put!(out, " \"", field(key).replace('"', "'").as_str(), "\"");
    }
    for key in &PRODUCT[12..] {
        put!(out, " ", field(key));
    }
    out.push(b'\n');
}

/// What a usage record says of its license, as RLM writes it.
struct Fields<'e> {
    product: Cow<'e, str>,
    version: Cow<'e, str>,
    pool: &'e str,
    user: Cow<'e, str>,
    host: Cow<'e, str>,
    isv_def: Cow<'e, str>,
    count: u64,
    pid: &'e str,
    project: Cow<'e, str>,
}

fn fields<'e>(ev: &'e Event<'_>, lost: &mut Losses) -> Fields<'e> {
    let rlm = ev.format == Format::RlmReport;
    let own = |key| if rlm { ev.extra_text(key) } else { None };
    let version = match ev.version.filter(|v| !v.is_empty()) {
        Some(v) => no_space(v, lost),
        None => {
            lost.lose("versions (written as 0.0)");
            Cow::Borrowed("0.0")
        }
    };
    let quoted = |v: Option<&'e str>| match v {
        Some(v) if v.contains('"') => Cow::Owned(v.replace('"', "'")),
        v => Cow::Borrowed(v.unwrap_or("")),
    };
    Fields {
        product: no_space(ev.feature.unwrap_or("unknown"), lost),
        version,
        pool: own("pool").unwrap_or("1"),
        user: name(ev.user, lost),
        host: name(ev.host, lost),
        isv_def: quoted(own("isv_def")),
        count: ev.count.unwrap_or(1),
        pid: own("process_id").or(own("pid")).unwrap_or("0"),
        project: quoted(own("project")),
    }
}

/// A handle RLM can write: hex digits (a handle of another shape, with a
/// space in it, would split the record).
fn is_rlm_handle(h: &str) -> bool {
    !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A queue handle as RLM writes it: its own, or 0 (counted).
fn queue_handle<'e>(handle: Option<&'e str>, lost: &mut Losses) -> &'e str {
    match handle {
        Some(h) if is_rlm_handle(h) => h,
        Some(_) => {
            lost.lose("handles that are not RLM's (written as 0)");
            "0"
        }
        None => "0",
    }
}

/// `cur_use`: the log's own figure where it has one (an RLM record; the
/// server counts what liclog may not see), else the engine's count.
fn put_cur_use(out: &mut Vec<u8>, ev: &Event<'_>, in_use: u64) {
    match ev
        .extra_text("cur_use")
        .filter(|_| ev.format == Format::RlmReport)
    {
        Some(own) => put!(out, own),
        None => put!(out, in_use),
    }
}

/// The record's own handle, or the session's number in hex.
fn put_handle(out: &mut Vec<u8>, handle: Option<&str>, id: u64) {
    match handle.filter(|h| is_rlm_handle(h)) {
        Some(h) => put!(out, h),
        None => put!(out, Hex(id)),
    }
}

/// A user or host: `""` when empty, never with a space (RLM splits
/// fields at spaces and writes names without quotes).
fn name<'e>(value: Option<&'e str>, lost: &mut Losses) -> Cow<'e, str> {
    match value {
        None | Some("") | Some("\"\"") => Cow::Borrowed("\"\""),
        Some(v) => no_space(v, lost),
    }
}

/// A name RLM's space-split fields can carry: no space (written as `_`)
/// and no double quote (written as `'`: a field that starts with one is
/// read as a quoted string, and the record no longer reads back).
fn no_space<'e>(value: &'e str, lost: &mut Losses) -> Cow<'e, str> {
    let mut value = Cow::Borrowed(value);
    if has_space(&value) {
        lost.lose("spaces in names (written as _)");
        value = Cow::Owned(value.replace([' ', '\t'], "_"));
    }
    if value.contains('"') {
        lost.lose("double quotes in names (written as ')");
        value = Cow::Owned(value.replace('"', "'"));
    }
    value
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
    let two = |out: &mut Vec<u8>, n: i8| crate::event::push_decimal(out, n as u64, 2);
    two(out, date.month());
    out.push(b'/');
    two(out, date.day());
    out.push(b' ');
    let start = out.len();
    Time {
        fraction: None,
        ..*time
    }
    .write_time_of_day(out);
    out.truncate(start + if seconds { 8 } else { 5 });
    out.push(b'\n');
}
