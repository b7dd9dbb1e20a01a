//! `--to lmx`: an LM-X server log, `[YYYY-MM-DD hh:mm:ss] message`, in the
//! shapes liclog's LM-X reader knows (src/read/lmx.rs): a start-up banner
//! naming the server, the vendor line, `CHECKOUT`/`CHECKIN by user@host
//! [ip]: feature`, and denials as `CHECKOUT ... FAIL: reason`.
//! docs/writers.md lists every choice.

use super::vendor::{Losses, Seen, Target, denial_of, is_usage, writes_usage};
use crate::event::{Event, Kind, Time, is_license_server};
use crate::format::Format;
use crate::sessions::Step;

/// Writes events as an LM-X server log.
#[derive(Default)]
pub struct Lmx {
    banner: bool,
    /// A banner was written for an event before the log's own start, and
    /// nothing has been written since: that start is the same one.
    implied: bool,
    /// The vendor named in the log so far.
    vendor: Option<String>,
}

/// What the banner says of a server whose own banner is not at hand.
const VERSION: &str = "4.9.23";
/// The address of a usage line whose input had none (LM-X always writes
/// one): no machine.
const NO_ADDRESS: &str = "0.0.0.0";
/// LM-X's reason when every license is in use.
const ALL_IN_USE: &str = "No more licenses available";

impl Target for Lmx {
    const FORMAT: Format = Format::Lmx;

    fn event(&mut self, ev: &Event<'_>, seen: Seen<'_>, out: &mut Vec<u8>, lost: &mut Losses) {
        let step = seen.step;
        let Some(time) = ev.time else {
            lost.drop(&format!("{} events without a time", ev.kind.name()));
            return;
        };
        if time.date.is_none() {
            lost.drop("events without a date");
            return;
        }
        if time.fraction.is_some() {
            lost.lose("fractions of a second");
        }
        if time.offset.is_some() {
            lost.lose("UTC offsets");
        }
        let start = ev.kind == Kind::ServerStart && ev.daemon.is_none_or(is_license_server);
        if start && std::mem::take(&mut self.implied) {
            return;
        }
        if start || (!self.banner && (ev.server.is_some() || is_usage(ev.kind))) {
            self.banner(ev, &time, out);
            if start {
                return;
            }
            self.implied = true;
        }
        self.implied &= !(is_usage(ev.kind) || ev.kind == Kind::Product);
        if ev.format == Format::Lmx && ev.extra_text("topic") == Some("vendor") {
            // The log's own vendor line, written below as it was.
            self.vendor = ev.daemon.map(String::from);
        }
        if let Some(vendor) = ev.daemon.filter(|d| !is_license_server(d))
            && self.vendor.as_deref() != Some(vendor)
            && (is_usage(ev.kind) || ev.kind == Kind::Product)
        {
            envelope(&time, out);
            out.extend_from_slice(format!("Serving licenses for vendor {vendor}.\n").as_bytes());
            self.vendor = Some(vendor.to_string());
        }
        if writes_usage(ev, step) && ev.feature.is_none_or(str::is_empty) {
            lost.drop("usage events without a feature");
            return;
        }
        let line_start = out.len();
        envelope(&time, out);
        let body = out.len();
        match ev.kind {
            Kind::Checkout | Kind::Checkin | Kind::Denial | Kind::Unsupported => {
                usage(ev, ev.kind, out, lost)
            }
            // In use when the log began: the checkout this log never saw.
            Kind::Inuse if matches!(step, Step::Opened { .. }) => {
                usage(ev, Kind::Checkout, out, lost)
            }
            Kind::Product => product(ev, out),
            Kind::ServerStop => out.extend_from_slice(b"License server shutting down."),
            Kind::Timestamp => {}
            Kind::Message | Kind::Unknown if ev.format == Format::Lmx => {
                let verb = match ev.extra_text("topic") {
                    Some("status") => Some("STATUS"),
                    _ => ev.extra_text("verb"),
                };
                if let (Some(verb), Some(user), Some(host)) = (verb, ev.user, ev.host) {
                    // `STATUS by user@host [ip]`, and the verbs not documented.
                    let ip = ev.extra_text("ip").unwrap_or(NO_ADDRESS);
                    out.extend_from_slice(format!("{verb} by {user}@{host} [{ip}]").as_bytes());
                    if let Some(rest) = ev.extra_text("text") {
                        out.extend_from_slice(b": ");
                        out.extend_from_slice(rest.as_bytes());
                    }
                    out.push(b'\n');
                    return;
                }
                if let Some(level) = ev.extra_text("level") {
                    out.extend_from_slice(level.to_ascii_uppercase().as_bytes());
                    out.extend_from_slice(b": ");
                }
                out.extend_from_slice(ev.extra_text("text").unwrap_or("").as_bytes());
                if out.len() == body {
                    // An empty message is a line of its own: `[...]` alone.
                    out.pop();
                }
                out.push(b'\n');
                return;
            }
            kind => lost.drop(&format!("{} events", kind.name())),
        }
        if out.len() == body {
            out.truncate(line_start);
        } else {
            out.push(b'\n');
        }
    }
}

impl Lmx {
    fn banner(&mut self, ev: &Event<'_>, time: &Time, out: &mut Vec<u8>) {
        self.banner = true;
        let own = ev.format == Format::Lmx && ev.kind == Kind::ServerStart;
        let extra = |key: &str| ev.extra_text(key).filter(|_| own);
        let version = ev.version.filter(|_| own).unwrap_or(VERSION);
        let build = extra("build").unwrap_or("0");
        let platform = extra("platform").unwrap_or("written by liclog");
        let host = ev.server.unwrap_or("localhost");
        envelope(time, out);
        out.extend_from_slice(
            format!("LM-X License Server v{version} build {build} on {host} ({platform})\n")
                .as_bytes(),
        );
    }
}

/// `[YYYY-MM-DD hh:mm:ss] `.
fn envelope(time: &Time, out: &mut Vec<u8>) {
    let plain = Time {
        fraction: None,
        offset: None,
        ..*time
    };
    out.push(b'[');
    if let Some(date) = plain.date {
        out.extend_from_slice(date.to_string().as_bytes());
        out.push(b' ');
    }
    plain.write_time_of_day(out);
    out.extend_from_slice(b"] ");
}

/// `CHECKOUT by user@host [ip]: feature`, and ` FAIL: reason` for a denial.
fn usage(ev: &Event<'_>, kind: Kind, out: &mut Vec<u8>, lost: &mut Losses) {
    let verb: &[u8] = match kind {
        Kind::Checkin => b"CHECKIN",
        Kind::Checkout | Kind::Denial | Kind::Unsupported => b"CHECKOUT",
        _ => {
            lost.drop(&format!("{} events", kind.name()));
            return;
        }
    };
    let host = ev.host.unwrap_or("");
    if host.contains(" [") {
        lost.lose("host names holding \" [\"");
    }
    if ev.version.is_some() {
        lost.lose("versions");
    }
    if ev.count.is_some_and(|n| n > 1) {
        lost.lose("counts above 1");
    }
    let ip = ev.extra_text("ip").unwrap_or_else(|| {
        lost.lose(&format!("addresses (written as {NO_ADDRESS})"));
        NO_ADDRESS
    });
    out.extend_from_slice(verb);
    out.extend_from_slice(b" by ");
    out.extend_from_slice(ev.user.unwrap_or("").as_bytes());
    out.push(b'@');
    out.extend_from_slice(host.as_bytes());
    out.extend_from_slice(b" [");
    out.extend_from_slice(ip.as_bytes());
    out.extend_from_slice(b"]: ");
    out.extend_from_slice(ev.feature.unwrap_or("").as_bytes());
    if matches!(kind, Kind::Denial | Kind::Unsupported) {
        out.extend_from_slice(b" FAIL: ");
        out.extend_from_slice(reason(ev, lost).as_bytes());
    }
}

/// The denial's own reason when it is LM-X's; FlexNet's and RLM's "all in
/// use" as LM-X says it; any other reason as written.
fn reason<'e>(ev: &Event<'e>, lost: &mut Losses) -> &'e str {
    if ev.format == Format::Lmx {
        return ev.reason.unwrap_or("");
    }
    match denial_of(ev) {
        Some(d) if d.flexnet_code == -4 => ALL_IN_USE,
        _ => {
            lost.lose("denial reasons without an LM-X equivalent (written as given)");
            ev.reason.unwrap_or("License denied")
        }
    }
}

/// `feature (vVERSION) (N license(s)) terms`.
fn product(ev: &Event<'_>, out: &mut Vec<u8>) {
    let Some(feature) = ev.feature else { return };
    let version = ev.version.unwrap_or("0");
    let count = ev.count.unwrap_or(0);
    out.extend_from_slice(format!("{feature} (v{version}) ({count} license(s))").as_bytes());
    if let Some(terms) = ev.extra_text("terms").filter(|_| ev.format == Format::Lmx) {
        out.push(b' ');
        out.extend_from_slice(terms.as_bytes());
    }
}
