//! `--to flexnet`: an lmgrd debug log. `HH:MM:SS (daemon) message` with
//! zero-padded hours; a start banner naming the server and the date; a
//! `TIMESTAMP M/D/YYYY` line before the first event and after each
//! midnight (many parsers date events only from these); usage lines in
//! lmgrd's spacing. docs/writers.md lists every choice.

use jiff::civil::Date;

use super::vendor::{Losses, Seen, Target, denial_of, is_usage, push_mdy, writes_usage};
use crate::event::{Event, Kind, Time, is_license_server};
use crate::format::Format;
use crate::sessions::Step;

/// Writes events as a FlexNet debug log.
#[derive(Default)]
pub struct Flexnet {
    /// The date of the last line written, once one was known.
    date: Option<Date>,
    banner: bool,
}

/// What the banner says of a server whose own banner is not at hand.
const VERSION: &str = "v11.19.0.0 build 0 x64_lsb";

impl Target for Flexnet {
    const FORMAT: Format = Format::Flexnet;

    fn event(&mut self, ev: &Event<'_>, seen: Seen<'_>, out: &mut Vec<u8>, lost: &mut Losses) {
        let step = seen.step;
        let Some(time) = ev.time else {
            lost.drop(&format!("{} events without a time", ev.kind.name()));
            return;
        };
        if time.fraction.is_some() {
            lost.lose("fractions of a second");
        }
        if time.offset.is_some() {
            lost.lose("UTC offsets");
        }
        // Usage lines come from a vendor daemon: a log without any (Sentinel)
        // gets one named after its format.
        let daemon = match ev.daemon {
            Some(d) => d,
            None if is_usage(ev.kind) || ev.kind == Kind::Inuse => ev.format.name(),
            None => "lmgrd",
        };
        let server_start = ev.kind == Kind::ServerStart && is_license_server(daemon);
        match time.date {
            // The banner waits for an event that names the server (or a usage
            // line, which cannot wait).
            Some(date)
                if (!self.banner && (ev.server.is_some() || is_usage(ev.kind))) || server_start =>
            {
                banner(ev, &time, date, out);
                self.banner = true;
                self.date = Some(date);
                timestamp(&time, date, out);
                if server_start {
                    return;
                }
            }
            Some(date) if self.banner && self.date != Some(date) => {
                self.date = Some(date);
                timestamp(&time, date, out);
            }
            Some(_) => {}
            None => lost.lose("dates"),
        }
        if writes_usage(ev, step) && ev.feature.is_none_or(str::is_empty) {
            lost.drop("usage events without a feature");
            return;
        }
        let start = out.len();
        // lmgrd writes its own stops, whichever daemon the input named.
        let writer = match ev.kind {
            Kind::ServerStop => "lmgrd",
            _ => daemon,
        };
        envelope(&time, writer, out);
        let body = out.len();
        match ev.kind {
            kind if is_usage(kind) => usage(ev, kind, out, lost),
            // In use when the log began: the checkout this log never saw.
            Kind::Inuse if matches!(step, Step::Opened { .. }) => {
                usage(ev, Kind::Checkout, out, lost)
            }
            Kind::ServerStart => {
                out.extend_from_slice(b"Server started on ");
                out.extend_from_slice(ev.host.or(ev.server).unwrap_or("localhost").as_bytes());
                out.extend_from_slice(b" for:");
            }
            Kind::ServerStop => match (ev.user, ev.host.or(ev.server)) {
                (Some(user), Some(host)) => {
                    out.extend_from_slice(
                        format!("SHUTDOWN request from {user} at node {host}").as_bytes(),
                    );
                }
                _ => out.extend_from_slice(b"EXITING DUE TO SIGNAL 15"),
            },
            Kind::Reread => {
                out.extend_from_slice(b"Rereading license file...");
                if let (Some(user), Some(host)) = (ev.user, ev.host) {
                    out.extend_from_slice(format!(" Requested from {user}@{host}").as_bytes());
                }
            }
            // Dates are written from every event's own.
            Kind::Timestamp => {}
            Kind::Message | Kind::Unknown if ev.format == Format::Flexnet => {
                out.extend_from_slice(ev.extra_text("text").unwrap_or("").as_bytes());
            }
            kind => lost.drop(&format!("{} events", kind.name())),
        }
        if out.len() == body {
            out.truncate(start);
        } else {
            out.push(b'\n');
        }
    }
}

/// `HH:MM:SS (daemon) `, the hour padded with a space as lmgrd pads it.
fn envelope(time: &Time, daemon: &str, out: &mut Vec<u8>) {
    let plain = Time {
        fraction: None,
        ..*time
    };
    let at = out.len();
    plain.write_time_of_day(out);
    if out[at] == b'0' {
        out[at] = b' ';
    }
    out.extend_from_slice(b" (");
    out.extend_from_slice(daemon.as_bytes());
    out.extend_from_slice(b") ");
}

fn banner(ev: &Event<'_>, time: &Time, date: Date, out: &mut Vec<u8>) {
    envelope(time, "lmgrd", out);
    let own = ev.format == Format::Flexnet && ev.kind == Kind::ServerStart;
    let extra = |key: &str| ev.extra_text(key).filter(|_| own);
    let product = extra("product").unwrap_or("FlexNet Licensing");
    let version = ev.version.filter(|_| own).unwrap_or(VERSION);
    let platform = extra("platform").unwrap_or("written by liclog");
    let host = ev.server.unwrap_or("localhost");
    out.extend_from_slice(
        format!("{product} ({version}) started on {host} ({platform}) (").as_bytes(),
    );
    push_mdy(out, date, false);
    out.extend_from_slice(b")\n");
}

fn timestamp(time: &Time, date: Date, out: &mut Vec<u8>) {
    envelope(time, "lmgrd", out);
    out.extend_from_slice(b"TIMESTAMP ");
    push_mdy(out, date, false);
    out.push(b'\n');
}

/// `OUT: "feature" user@host  (N licenses)` and the others.
fn usage(ev: &Event<'_>, kind: Kind, out: &mut Vec<u8>, lost: &mut Losses) {
    let keyword: &[u8] = match kind {
        Kind::Checkout => b"OUT: ",
        Kind::Checkin => b"IN: ",
        Kind::Denial => b"DENIED: ",
        Kind::Unsupported => b"UNSUPPORTED: ",
        Kind::Queued => b"QUEUED: ",
        _ => b"DEQUEUED: ",
    };
    out.extend_from_slice(keyword);
    let mut feature = std::borrow::Cow::Borrowed(ev.feature.unwrap_or(""));
    if feature.contains('"') {
        // A quote would end the quoted feature early: the line would not
        // read back.
        lost.lose("features holding a double quote (written as ')");
        feature = std::borrow::Cow::Owned(feature.replace('"', "'"));
    }
    out.push(b'"');
    out.extend_from_slice(feature.as_bytes());
    out.extend_from_slice(b"\" ");
    // What a FlexNet line said besides its fields comes back from them.
    let own = |key: &str| ev.extra_text(key).filter(|_| ev.format == Format::Flexnet);
    match (kind, own("request_info")) {
        (_, Some(info)) => out.extend_from_slice(format!("({info}) ").as_bytes()),
        (Kind::Unsupported, None) => out.extend_from_slice(b"(PORT_AT_HOST_PLUS   ) "),
        _ => {}
    }
    let host = ev.host.filter(|h| !h.is_empty());
    let user = ev.user.filter(|u| !u.is_empty());
    if host.is_some_and(|h| h.contains(' ')) {
        lost.lose("host names holding a space");
    }
    if user.is_none() || host.is_none() {
        // lmgrd always names both; parsers reject `user@` and `@host`.
        lost.lose("usage lines without a user or host (written as unknown)");
    }
    out.extend_from_slice(user.unwrap_or("unknown").as_bytes());
    out.push(b'@');
    out.extend_from_slice(host.unwrap_or("unknown").as_bytes());
    out.extend_from_slice(b"  ");
    if ev.version.is_some() {
        lost.lose("versions");
    }
    let mut tail: Vec<String> = Vec::new();
    if let Some(data) = own("bracket") {
        tail.push(format!("[{data}]"));
    }
    let count = ev.count.unwrap_or(1);
    if count > 1 {
        if matches!(kind, Kind::Checkout | Kind::Checkin) {
            tail.push(format!("({count} licenses)"));
        } else {
            lost.lose("counts of denials and queue lines");
        }
    }
    if let Some(verbose) = own("verbose") {
        tail.push(format!("^^^ {verbose} ^^^"));
    }
    out.extend_from_slice(tail.join(" ").as_bytes());
    let reasoned = matches!(kind, Kind::Denial | Kind::Unsupported | Kind::Queued)
        || (kind == Kind::Checkin && ev.reason.is_some() && ev.format == Format::Flexnet);
    if reasoned && !tail.is_empty() {
        out.push(b' ');
    }
    if kind == Kind::Checkin
        && let Some(why) = ev.reason.filter(|_| ev.format == Format::Flexnet)
    {
        // `(INACTIVE)`, `(SHUTDOWN)`: why the server checked it in.
        out.extend_from_slice(format!("({why})").as_bytes());
    }
    if matches!(kind, Kind::Denial | Kind::Unsupported | Kind::Queued) {
        out.extend_from_slice(b"(");
        reason(ev, kind, out, lost);
        out.extend_from_slice(b")");
    }
}

/// `Licensed number of users already reached. (-4,342)`: the event's own
/// text and code when it is FlexNet's, the mapped one otherwise.
fn reason(ev: &Event<'_>, kind: Kind, out: &mut Vec<u8>, lost: &mut Losses) {
    if ev.format == Format::Flexnet && (ev.reason.is_some() || ev.code.is_some()) {
        out.extend_from_slice(ev.reason.unwrap_or("").as_bytes());
        match (ev.code, ev.extra_text("errno")) {
            (Some(code), Some(errno)) => {
                out.extend_from_slice(format!(" ({code}:{errno} \"\")").as_bytes())
            }
            (Some(code), None) => out.extend_from_slice(format!(" ({code})").as_bytes()),
            _ => {}
        }
        return;
    }
    let mapped = denial_of(ev).or(match kind {
        Kind::Unsupported => super::vendor::DENIALS
            .iter()
            .find(|d| d.flexnet_code == -18),
        // lmgrd queues a request when all licenses are in use.
        Kind::Queued => super::vendor::DENIALS.first(),
        _ => None,
    });
    match mapped {
        Some(d) => {
            let (text, major, minor) = (d.flexnet_text, d.flexnet_code, d.flexnet_minor);
            out.extend_from_slice(format!("{text} ({major},{minor})").as_bytes())
        }
        None => {
            if ev.reason.is_some() {
                lost.lose("denial reasons without a FlexNet code");
            }
            let text = ev.reason.unwrap_or("License denied.");
            out.extend_from_slice(text.replace(['(', ')'], "").as_bytes());
        }
    }
}
