//! What the vendor-format writers share (`--to flexnet|rlm-report|
//! sentinel`): one server per output, the original lines passed through
//! when the stream is that format's own, the sessions engine, the denial
//! reasons each format can say, and the count of what a target cannot
//! carry. The per-format lines are in `flexnet.rs`, `rlm_report.rs` and
//! `sentinel.rs`; the choices are documented in docs/writers.md.

use std::fmt;
use std::io::{self, Write};

use super::{Background, EventWriter};
use crate::event::{Event, Kind};
use crate::format::Format;
use crate::sessions::{Engine, Step};

/// One vendor format's lines.
pub trait Target: Send {
    const FORMAT: Format;
    /// Writes the lines for `ev` (as the sessions engine `seen` it) into
    /// `out`, counting in `lost` what the format cannot carry.
    fn event(&mut self, ev: &Event<'_>, seen: Seen<'_>, out: &mut Vec<u8>, lost: &mut Losses);
    /// The vendor daemon this output holds, for a format that holds one
    /// (an RLM reportlog is one ISV's): events of another are refused.
    fn daemon_of<'e>(&self, ev: &Event<'e>) -> Option<&'e str> {
        let _ = ev;
        None
    }
    /// What ends the output. (No target writes the sessions still open:
    /// none of the formats has a record for them.)
    fn finish(&mut self, out: &mut Vec<u8>) {
        let _ = out;
    }
}

/// What the sessions engine made of an event: its step, and the licenses
/// of its server and feature in use after it (for a denial or a queued
/// request too: Sentinel's Numkeys is never 0 just because all are in use).
#[derive(Clone, Copy)]
pub struct Seen<'s> {
    pub step: &'s Step,
    pub in_use: u64,
}

/// What a target could not carry, per field or event kind.
#[derive(Debug, Default)]
pub struct Losses {
    /// A handful of distinct losses, each met on most events: a list
    /// searched from the front costs a tenth of a sorted map's lookups.
    counts: Vec<(String, u64)>,
    /// Whether the event being written was not written at all.
    dropping: bool,
    /// `--strict`: the first loss, to stop the run at.
    strict: bool,
    first: Option<String>,
}

impl Losses {
    pub fn lose(&mut self, what: &str) {
        match self.counts.iter_mut().find(|(k, _)| k == what) {
            Some((_, n)) => *n += 1,
            None => self.counts.push((what.to_string(), 1)),
        }
        if self.strict && self.first.is_none() {
            self.first = Some(what.to_string());
        }
    }

    /// An event not written at all, for `what`.
    pub fn drop(&mut self, what: &str) {
        self.dropping = true;
        self.lose(what);
    }

    /// By name.
    pub fn counts(&self) -> Vec<(String, u64)> {
        let mut counts = self.counts.clone();
        counts.sort();
        counts
    }
}

/// Whether a name holds a space or a tab, which formats that split fields
/// at spaces cannot carry.
pub fn has_space(name: &str) -> bool {
    memchr::memchr2(b' ', b'\t', name.as_bytes()).is_some()
}

/// A stream of several servers (or vendor daemons) into one output of a
/// format that holds one.
#[derive(Debug)]
pub struct MixedServers {
    pub format: Format,
    /// `server` or `ISV`.
    pub what: &'static str,
    pub first: String,
    pub second: String,
}

impl fmt::Display for MixedServers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, format) = (self.what, self.format);
        let option = if what == "server" {
            "--server"
        } else {
            "--daemon"
        };
        write!(
            f,
            "the events come from more than one {what} ({}, {}), and a {format} log holds one: \
             pick one with {option} NAME, or write one file per {what} with -o DIR/",
            self.first, self.second
        )
    }
}

impl std::error::Error for MixedServers {}

/// `--strict` and a value the target cannot carry.
#[derive(Debug)]
pub struct Lossy {
    pub format: Format,
    pub what: String,
    pub source: String,
    pub line: u64,
}

impl fmt::Display for Lossy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {} cannot carry {} (--strict)",
            self.source, self.line, self.format, self.what
        )
    }
}

impl std::error::Error for Lossy {}

pub struct VendorWriter<T> {
    out: Background,
    target: T,
    sessions: Engine,
    /// The output's server and vendor daemon, once events named them.
    server: Option<String>,
    daemon: Option<String>,
    /// Whether the original lines go out as they are: decided by the first
    /// event (it has its line, and the target is its format).
    passthrough: Option<bool>,
    /// Queued requests still waiting, by handle (bounded by the queue).
    queued: std::collections::HashMap<String, Queue>,
    /// The line end of passed-through lines: the first line's.
    ending: Option<&'static str>,
    lost: Losses,
    /// Usage events the target wrote nothing for (an `inuse` record that
    /// opens a session is written as its checkout, so it counts).
    dropped_usage: u64,
}

impl<T: Target> VendorWriter<T> {
    pub fn new(out: Box<dyn Write + Send>, target: T, strict: bool) -> Self {
        VendorWriter {
            out: Background::new(out, |mut out| out.flush()),
            target,
            sessions: Engine::default(),
            server: None,
            daemon: None,
            passthrough: None,
            queued: std::collections::HashMap::new(),
            ending: None,
            dropped_usage: 0,
            lost: Losses {
                strict,
                ..Losses::default()
            },
        }
    }
}

impl<T: Target> EventWriter for VendorWriter<T> {
    fn write(&mut self, ev: &Event<'_>) -> io::Result<()> {
        let own = ev.has_raw && ev.format == T::FORMAT;
        one_of(&mut self.server, ev.server, "server", T::FORMAT)?;
        one_of(
            &mut self.daemon,
            self.target.daemon_of(ev),
            "ISV",
            T::FORMAT,
        )?;
        if *self.passthrough.get_or_insert(own) && own {
            // The log's own lines, as they were, with the line end of the
            // first: a CRLF log after an LF one does not mix the two.
            let ending = *self.ending.get_or_insert(match ev.ending {
                "" => "\n",
                e => e,
            });
            self.out.buf.extend_from_slice(ev.raw.as_bytes());
            self.out.buf.extend_from_slice(ending.as_bytes());
            return self.out.maybe_flush();
        }
        let step = self.sessions.step(ev);
        let waited;
        let mut dequeued;
        let ev = match (ev.kind, ev.handle) {
            (Kind::Queued, Some(h)) if ev.feature.is_some() => {
                self.queued.insert(h.to_string(), Queue::of(ev));
                ev
            }
            (Kind::Dequeued, Some(h)) => match self.queued.remove(h) {
                // A dequeue that names only its handle (RLM's small format)
                // takes the license its request waited for.
                Some(q) if ev.feature.is_none() => {
                    waited = q;
                    dequeued = ev.clone();
                    let w = &waited;
                    let license = [Some(w.feature.as_str()), w.version.as_deref()];
                    fill(
                        &mut dequeued,
                        license,
                        [w.user.as_deref(), w.host.as_deref()],
                    );
                    &dequeued
                }
                _ => ev,
            },
            _ => ev,
        };
        // A checkin that names only its handle (RLM small format) takes
        // what it lacks from its checkout.
        let mut filled;
        let ev = match &step {
            Step::Closed {
                session: Some(s), ..
            } if ev.feature.is_none() || ev.user.is_none() => {
                filled = ev.clone();
                let h = &s.holder;
                let license = [h.feature.as_deref(), s.version.as_deref()];
                fill(&mut filled, license, [h.user.as_deref(), h.host.as_deref()]);
                &filled
            }
            _ => ev,
        };
        let in_use = match &step {
            Step::Opened { in_use, .. } | Step::Closed { in_use, .. } => *in_use,
            _ if is_usage(ev.kind) => self.sessions.in_use(ev.server, ev.feature),
            _ => 0,
        };
        let seen = Seen {
            step: &step,
            in_use,
        };
        self.target
            .event(ev, seen, &mut self.out.buf, &mut self.lost);
        if std::mem::take(&mut self.lost.dropping) && writes_usage(ev, &step) {
            self.dropped_usage += 1;
        }
        if let Some(what) = self.lost.first.take() {
            let lossy = Lossy {
                format: T::FORMAT,
                what,
                source: ev.source.to_string(),
                line: ev.line,
            };
            return Err(io::Error::new(io::ErrorKind::InvalidData, lossy));
        }
        self.out.maybe_flush()
    }

    fn write_encoded(&mut self, bytes: &mut Vec<u8>) -> io::Result<()> {
        self.out.append(bytes)
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.passthrough != Some(true) {
            self.target.finish(&mut self.out.buf);
        }
        self.out.finish()
    }

    fn losses(&self) -> Vec<(String, u64)> {
        self.lost.counts()
    }

    fn dropped_usage(&self) -> u64 {
        self.dropped_usage
    }

    fn warnings(&self) -> Vec<String> {
        self.sessions.time_warnings()
    }
}

/// What a record that names only its handle (RLM's small format) takes
/// from the record it closes: `[feature, version]` and `[user, host]`, where
/// it has none of its own.
fn fill<'e>(ev: &mut Event<'e>, license: [Option<&'e str>; 2], holder: [Option<&'e str>; 2]) {
    let [feature, version] = license;
    let [user, host] = holder;
    ev.feature = ev.feature.or(feature);
    ev.version = ev.version.or(version);
    ev.user = ev.user.or(user);
    ev.host = ev.host.or(host);
}

/// What a queued request waits for.
struct Queue {
    feature: String,
    version: Option<String>,
    user: Option<String>,
    host: Option<String>,
}

impl Queue {
    fn of(ev: &Event<'_>) -> Queue {
        Queue {
            feature: ev.feature.unwrap_or("").to_string(),
            version: ev.version.map(String::from),
            user: ev.user.map(String::from),
            host: ev.host.map(String::from),
        }
    }
}

/// Keeps `seen` the only value of `what` in one output.
fn one_of(
    seen: &mut Option<String>,
    value: Option<&str>,
    what: &'static str,
    format: Format,
) -> io::Result<()> {
    let (Some(value), Some(first)) = (value, seen.as_deref()) else {
        if let Some(v) = value {
            *seen = Some(v.to_string());
        }
        return Ok(());
    };
    if first == value {
        return Ok(());
    }
    let mixed = MixedServers {
        format,
        what,
        first: first.to_string(),
        second: value.to_string(),
    };
    Err(io::Error::new(io::ErrorKind::InvalidInput, mixed))
}

/// The usage kinds every vendor format has lines for.
/// Whether the event is written as a usage record: a usage event, or an
/// `inuse` record that opens a session (written as the checkout the log
/// never saw).
pub fn writes_usage(ev: &Event<'_>, step: &Step) -> bool {
    is_usage(ev.kind) || (ev.kind == Kind::Inuse && matches!(step, Step::Opened { .. }))
}

pub fn is_usage(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Checkout
            | Kind::Checkin
            | Kind::Denial
            | Kind::Unsupported
            | Kind::Queued
            | Kind::Dequeued
    )
}

/// One denial reason as each format says it: FlexNet's text and major
/// error code, RLM's status (`why`). docs/writers.md has this table.
pub struct Denial {
    pub flexnet_text: &'static str,
    pub flexnet_code: i32,
    /// lmgrd's minor error number for it, as real logs show it (its
    /// meaning is not documented); 0 where no log shows one.
    pub flexnet_minor: i32,
    pub rlm: i32,
}

pub const DENIALS: &[Denial] = &[
    Denial {
        flexnet_text: "Licensed number of users already reached.",
        flexnet_code: -4,
        flexnet_minor: 342,
        rlm: -22,
    },
    Denial {
        flexnet_text: "No such feature exists.",
        flexnet_code: -5,
        flexnet_minor: 414,
        rlm: -1,
    },
    Denial {
        flexnet_text: "Invalid host.",
        flexnet_code: -9,
        flexnet_minor: 57,
        rlm: -4,
    },
    Denial {
        flexnet_text: "Feature has expired.",
        flexnet_code: -10,
        flexnet_minor: 32,
        rlm: -3,
    },
    Denial {
        flexnet_text: "License server system does not support this feature.",
        flexnet_code: -18,
        flexnet_minor: 327,
        rlm: -18,
    },
    Denial {
        flexnet_text: "License server system does not support this version of this feature.",
        flexnet_code: -25,
        flexnet_minor: 0,
        rlm: -6,
    },
    Denial {
        flexnet_text: "Feature start date is in the future.",
        flexnet_code: -31,
        flexnet_minor: 0,
        rlm: -37,
    },
    Denial {
        flexnet_text: "User/host on EXCLUDE list for feature.",
        flexnet_code: -38,
        flexnet_minor: 0,
        rlm: -11,
    },
    Denial {
        flexnet_text: "User/host not on INCLUDE list for feature.",
        flexnet_code: -39,
        flexnet_minor: 0,
        rlm: -13,
    },
    Denial {
        flexnet_text: "Checkout exceeds MAX specified in options file.",
        flexnet_code: -87,
        flexnet_minor: 0,
        rlm: -14,
    },
];

/// The row of `ev`'s denial reason, from its own format's code, or from
/// the text "all licenses in use" that RLM's debug log and LM-X write.
pub fn denial_of(ev: &Event<'_>) -> Option<&'static Denial> {
    if let Some(reason) = ev.reason
        && ALL_IN_USE.iter().any(|t| reason.eq_ignore_ascii_case(t))
    {
        return DENIALS.first();
    }
    let code = ev.code?;
    match ev.format {
        Format::Flexnet => {
            let major: i32 = code.split(',').next()?.trim().parse().ok()?;
            DENIALS.iter().find(|d| d.flexnet_code == major)
        }
        Format::RlmReport | Format::RlmDebug => {
            let why: i32 = code.trim().parse().ok()?;
            DENIALS.iter().find(|d| d.rlm == why)
        }
        _ => None,
    }
}

/// The texts of "every license is in use" (FlexNet's -4, RLM's -22) in
/// the formats whose denials carry a text and no code.
const ALL_IN_USE: &[&str] = &[
    "All licenses in use",
    "all licenses in use",
    "No more licenses available",
    "Licensed number of users already reached.",
];

/// `M/D/YYYY`, FlexNet's and RLM's date.
pub fn push_mdy(out: &mut Vec<u8>, date: jiff::civil::Date, pad: bool) {
    let two = |out: &mut Vec<u8>, n: i8| {
        if pad || n >= 10 {
            out.push(b'0' + (n / 10) as u8);
        }
        out.push(b'0' + (n % 10) as u8);
    };
    two(out, date.month());
    out.push(b'/');
    two(out, date.day());
    out.push(b'/');
    crate::event::push_decimal(out, date.year().unsigned_abs().into(), 4);
}

/// A piece of a line: text or a number, appended without `format!` (the
/// writers put several on every line).
pub trait Piece {
    fn put(&self, out: &mut Vec<u8>);
}

impl Piece for &str {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes());
    }
}

impl Piece for std::borrow::Cow<'_, str> {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes());
    }
}

impl Piece for u64 {
    fn put(&self, out: &mut Vec<u8>) {
        crate::event::push_decimal(out, *self, 1);
    }
}

impl Piece for i64 {
    fn put(&self, out: &mut Vec<u8>) {
        if *self < 0 {
            out.push(b'-');
        }
        crate::event::push_decimal(out, self.unsigned_abs(), 1);
    }
}

impl Piece for i32 {
    fn put(&self, out: &mut Vec<u8>) {
        if *self < 0 {
            out.push(b'-');
        }
        crate::event::push_decimal(out, u64::from(self.unsigned_abs()), 1);
    }
}

/// `n` in lowercase hex, as RLM writes handles.
pub struct Hex(pub u64);

impl Piece for Hex {
    fn put(&self, out: &mut Vec<u8>) {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut buf = [0u8; 16];
        let mut i = buf.len();
        let mut n = self.0;
        loop {
            i -= 1;
            buf[i] = DIGITS[(n & 15) as usize];
            n >>= 4;
            if n == 0 {
                break;
            }
        }
        out.extend_from_slice(&buf[i..]);
    }
}

/// Appends each piece to `out`.
#[macro_export]
macro_rules! put {
    ($out:expr, $($piece:expr),+ $(,)?) => {{
        $( $crate::write::vendor::Piece::put(&$piece, $out); )+
    }};
}
