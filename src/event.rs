//! The canonical event (schema version 1, documented in `docs/schema.md`).
//!
//! Events borrow their text from the reader's line buffer, so that the hot
//! path allocates nothing per line; a writer consumes each event before the
//! reader moves on.

use crate::format::Format;

/// The canonical schema's version (`docs/schema.md`).
pub const SCHEMA_VERSION: u32 = 2;

/// Set by a time parser on the seconds it returns for a leap second
/// (`:60`), which are otherwise those of `:59`; see [`clock_seconds`].
pub const LEAP_SECOND: u32 = 1 << 31;

/// Seconds since midnight for `h:m:s` as a time parser returns them: a
/// leap second (`s == 60`) is second 59 with [`LEAP_SECOND`] set, so that
/// it keeps its minute, orders before the next one, and is written back as
/// `:60` by [`Time::of_day`].
pub fn clock_seconds(h: u32, m: u32, s: u32) -> u32 {
    if s >= 60 {
        (h * 3600 + m * 60 + 59) | LEAP_SECOND
    } else {
        h * 3600 + m * 60 + s
    }
}

/// What [`clock_seconds`] returned, without the leap flag: for ordering
/// and offsets, which treat `23:59:60` as `23:59:59`.
pub fn plain_seconds(seconds: u32) -> u32 {
    seconds & !LEAP_SECOND
}

macro_rules! kinds {
    ($($variant:ident = $name:literal => $xslm:expr,)*) => {
        /// What happened. Closed list; `docs/schema.md` explains each one.
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(missing_docs)] // docs/schema.md: one section per kind
        pub enum Kind { $($variant,)* }

        impl Kind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant,)*];

            /// The name in the canonical output (`checkout`, `denial`, …).
            pub fn name(self) -> &'static str {
                match self { $(Kind::$variant => $name,)* }
            }

            /// The Open Group XSLM `CLASS/TYPE/SUBTYPE` this kind records, or
            /// `None` where XSLM defines no event for it.
            pub fn xslm(self) -> Option<&'static str> {
                match self { $(Kind::$variant => $xslm,)* }
            }
        }
    };
}

kinds! {
    Checkout = "checkout" => Some("APPLICATION/REQUEST_LICENSE/GRANTED"),
    Checkin = "checkin" => Some("APPLICATION/RELEASE_LICENSE/NULL"),
    Denial = "denial" => Some("APPLICATION/REQUEST_LICENSE/DENIED"),
    Unsupported = "unsupported" => Some("APPLICATION/REQUEST_LICENSE/DENIED"),
    Queued = "queued" => None,
    Dequeued = "dequeued" => None,
    Inuse = "inuse" => Some("APPLICATION/CONFIRM/NULL"),
    ServerStart = "server_start" => Some("LICENSING_SYSTEM/LICENSE_SERVER_START/NULL"),
    ServerStop = "server_stop" => Some("LICENSING_SYSTEM/LICENSE_SERVER_STOP/NULL"),
    Reread = "reread" => Some("ADMINISTRATION/INSTALL/REPLACE"),
    Timestamp = "timestamp" => None,
    TimeJump = "time_jump" => None,
    LogStart = "log_start" => None,
    LogEnd = "log_end" => None,
    Product = "product" => Some("ADMINISTRATION/INSTALL/NEW"),
    Meter = "meter" => Some("APPLICATION/RECORD/CONSUMPTIVE"),
    RoamExtend = "roam_extend" => Some("APPLICATION/REQUEST_LICENSE/GRANTED"),
    Reservation = "reservation" => Some("ADMINISTRATION/ASSIGN/USERS"),
    TempLicense = "temp_license" => Some("ADMINISTRATION/INSTALL/NEW"),
    Auth = "auth" => None,
    Encrypted = "encrypted" => None,
    Message = "message" => None,
    Unknown = "unknown" => None,
}

/// How the date part of `time` was derived.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum TimeSource {
    /// The line itself carries the full date.
    Record,
    /// The server start banner (or the system date printed with it).
    Banner,
    /// A periodic `TIMESTAMP` line.
    Timestamp,
    /// An anchor plus one or more midnight rollovers (the clock went back).
    Rollover,
    /// `--date` on the command line.
    Option,
    /// No date could be derived: `time` holds the time of day only.
    #[default]
    None,
}

impl TimeSource {
    /// Every source, best first.
    pub const ALL: [TimeSource; 6] = [
        TimeSource::Record,
        TimeSource::Banner,
        TimeSource::Timestamp,
        TimeSource::Rollover,
        TimeSource::Option,
        TimeSource::None,
    ];

    /// The name in the canonical output.
    pub fn name(self) -> &'static str {
        match self {
            TimeSource::Record => "record",
            TimeSource::Banner => "banner",
            TimeSource::Timestamp => "timestamp",
            TimeSource::Rollover => "rollover",
            TimeSource::Option => "option",
            TimeSource::None => "none",
        }
    }
}

/// A local wall-clock time as the log wrote it, plus what is known about
/// its date and its UTC offset.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Time {
    /// The date, when the log or `--date`/`--year` gave one.
    pub date: Option<jiff::civil::Date>,
    /// Seconds since local midnight (below 86,400).
    pub seconds: u32,
    /// A leap second: `seconds` is that of `:59`, and `:60` is written.
    pub leap: bool,
    /// Fraction of a second exactly as written: (digits value, digit count).
    pub fraction: Option<(u32, u8)>,
    /// Seconds east of UTC, only when the log or `--tz` states it.
    pub offset: Option<i32>,
}

impl Time {
    /// From seconds as [`clock_seconds`] returns them.
    pub fn of_day(seconds: u32) -> Time {
        Time {
            date: None,
            seconds: plain_seconds(seconds),
            leap: seconds & LEAP_SECOND != 0,
            fraction: None,
            offset: None,
        }
    }

    /// The `time` column: ISO 8601 `2024-01-03T15:00:07`, `...07.25`,
    /// `...07-05:00`; nothing when the date is unknown (the column is
    /// then null, and `time_of_day` alone holds the time).
    pub fn write_datetime(&self, out: &mut Vec<u8>) -> bool {
        let Some(d) = self.date else {
            return false;
        };
        let y = i32::from(d.year()).unsigned_abs();
        let mut a = [0u8; 11];
        a[0..2].copy_from_slice(&two_digits(y / 100 % 100));
        a[2..4].copy_from_slice(&two_digits(y % 100));
        a[4] = b'-';
        a[5..7].copy_from_slice(&two_digits(d.month() as u32));
        a[7] = b'-';
        a[8..10].copy_from_slice(&two_digits(d.day() as u32));
        a[10] = b'T';
        out.extend_from_slice(&a);
        self.write_time_of_day(out);
        if let Some(off) = self.offset {
            if off == 0 {
                out.push(b'Z');
            } else {
                let abs = off.unsigned_abs();
                let (h, m) = (two_digits(abs / 3600 % 100), two_digits(abs / 60 % 60));
                let sign = if off < 0 { b'-' } else { b'+' };
                out.extend_from_slice(&[sign, h[0], h[1], b':', m[0], m[1]]);
            }
        }
        true
    }

    /// The `time_of_day` column: `15:00:07`, `15:00:07.25`, or `23:59:60`
    /// for a leap second, as the log wrote it (hours zero-padded).
    pub fn write_time_of_day(&self, out: &mut Vec<u8>) {
        let mut a = [0u8; 8];
        a[0..2].copy_from_slice(&two_digits(self.seconds / 3600 % 100));
        a[2] = b':';
        a[3..5].copy_from_slice(&two_digits(self.seconds / 60 % 60));
        a[5] = b':';
        let second = if self.leap { 60 } else { self.seconds % 60 };
        a[6..8].copy_from_slice(&two_digits(second));
        out.extend_from_slice(&a);
        if let Some((value, digits)) = self.fraction {
            out.push(b'.');
            push_decimal(out, u64::from(value), digits as usize);
        }
    }

    /// [`Time::write_datetime`] as a string, or the time of day alone.
    pub fn to_iso(&self) -> String {
        let mut v = Vec::with_capacity(32);
        if !self.write_datetime(&mut v) {
            self.write_time_of_day(&mut v);
        }
        String::from_utf8(v).expect("ASCII")
    }
}

/// `value` (below 100) as two ASCII digits.
fn two_digits(value: u32) -> [u8; 2] {
    [b'0' + (value / 10) as u8, b'0' + (value % 10) as u8]
}

/// `value` in decimal, zero-padded to at least `width` digits. Two digits
/// per division and one append: line numbers and counts are on every row.
pub(crate) fn push_decimal(out: &mut Vec<u8>, value: u64, width: usize) {
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    let mut digits = [b'0'; 20];
    let mut n = value;
    let mut i = digits.len();
    while n >= 100 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        i -= 2;
        digits[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if n >= 10 {
        i -= 2;
        digits[i..i + 2].copy_from_slice(&PAIRS[n as usize * 2..n as usize * 2 + 2]);
    } else {
        i -= 1;
        digits[i] = b'0' + n as u8;
    }
    let len = digits.len() - i;
    if width > len {
        out.extend(std::iter::repeat_n(b'0', width - len));
    }
    out.extend_from_slice(&digits[i..]);
}

/// Whether a daemon name is the license server's own (FlexNet's `lmgrd`,
/// RLM's `rlm`) rather than a vendor daemon (ISV).
pub fn is_license_server(daemon: &str) -> bool {
    matches!(daemon, "lmgrd" | "rlm")
}

/// A value in `extra`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    /// Text borrowed from the line.
    Str(&'a str),
    /// Text made by the reader.
    Owned(String),
    /// A number.
    Int(i64),
}

impl Value<'_> {
    /// The text, or `None` for a number.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            Value::Owned(s) => Some(s),
            Value::Int(_) => None,
        }
    }
}

/// One canonical event. Field meanings are in `docs/schema.md`.
#[derive(Clone, Debug)]
pub struct Event<'a> {
    /// The input's name as given (`-` for stdin).
    pub source: &'a str,
    /// The line number in the input, from 1.
    pub line: u64,
    /// The format the line was read as.
    pub format: Format,
    /// What happened.
    pub kind: Kind,
    /// Overrides `kind.xslm()` where one kind covers several XSLM events.
    pub xslm: Option<&'static str>,
    /// When, as the log's wall clock wrote it.
    pub time: Option<Time>,
    /// Where the time's date came from.
    pub time_source: TimeSource,
    /// The license server's host name.
    pub server: Option<&'a str>,
    /// The vendor daemon (ISV).
    pub daemon: Option<&'a str>,
    /// The feature or product.
    pub feature: Option<&'a str>,
    /// The feature's version.
    pub version: Option<&'a str>,
    /// The user of the client.
    pub user: Option<&'a str>,
    /// The client's host.
    pub host: Option<&'a str>,
    /// Licenses taken or given back (1 when the log says nothing).
    pub count: Option<u64>,
    /// The server's handle for the checkout, where the format has one.
    pub handle: Option<&'a str>,
    /// Why, for a denial or an error, as the log wrote it.
    pub reason: Option<&'a str>,
    /// The vendor's error or status code.
    pub code: Option<&'a str>,
    /// Fields the other columns do not cover, by name.
    pub extra: Vec<(&'static str, Value<'a>)>,
    /// The line's original text without its line ending.
    pub raw: &'a str,
    /// Whether `raw` is known: false for canonical input without a `raw`
    /// column, whose events were not read from a log line.
    pub has_raw: bool,
    /// The line's ending (`\n`, `\r\n`, or none on a last line without
    /// one): not part of the canonical schema, but needed to write the log
    /// back byte for byte (`liclog anonymize`).
    pub ending: &'static str,
}

impl<'a> Event<'a> {
    /// An event with only what every event has.
    pub fn new(source: &'a str, line: u64, format: Format, kind: Kind, raw: &'a str) -> Self {
        Event {
            source,
            line,
            format,
            kind,
            xslm: None,
            time: None,
            time_source: TimeSource::None,
            server: None,
            daemon: None,
            feature: None,
            version: None,
            user: None,
            host: None,
            count: None,
            handle: None,
            reason: None,
            code: None,
            extra: Vec::new(),
            raw,
            has_raw: true,
            ending: "\n",
        }
    }

    /// The XSLM class of the event.
    pub fn xslm(&self) -> Option<&'static str> {
        self.xslm.or(self.kind.xslm())
    }

    /// Adds a borrowed text field to `extra`.
    pub fn extra_str(&mut self, key: &'static str, value: &'a str) {
        self.extra.push((key, Value::Str(value)));
    }

    /// The text of `extra[key]` (`None` for a missing key or an integer).
    pub fn extra_text(&self, key: &str) -> Option<&str> {
        self.extra
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times() {
        let mut t = Time::of_day(7 * 3600 + 32 * 60 + 57);
        assert_eq!(t.to_iso(), "07:32:57");
        t.date = Some(jiff::civil::date(2005, 5, 9));
        assert_eq!(t.to_iso(), "2005-05-09T07:32:57");
        t.fraction = Some((25, 4));
        t.offset = Some(-5 * 3600);
        assert_eq!(t.to_iso(), "2005-05-09T07:32:57.0025-05:00");
        t.offset = Some(0);
        t.fraction = None;
        assert_eq!(t.to_iso(), "2005-05-09T07:32:57Z");
        t.offset = Some(5 * 3600 + 1800);
        assert_eq!(t.to_iso(), "2005-05-09T07:32:57+05:30");
    }

    #[test]
    fn a_leap_second_keeps_its_minute() {
        let t = Time::of_day(clock_seconds(23, 59, 60));
        assert_eq!((t.seconds, t.leap), (86_399, true));
        assert_eq!(t.to_iso(), "23:59:60");
        let t = Time::of_day(clock_seconds(10, 0, 60));
        assert_eq!(t.to_iso(), "10:00:60");
        assert!(clock_seconds(10, 0, 60) > clock_seconds(10, 0, 59));
        assert_eq!(plain_seconds(clock_seconds(10, 0, 60)), 10 * 3600 + 59);
    }

    #[test]
    fn decimals() {
        for (value, width, text) in [
            (0, 1, "0"),
            (7, 2, "07"),
            (10, 1, "10"),
            (99, 3, "099"),
            (100, 1, "100"),
            (1234567, 1, "1234567"),
            (25, 4, "0025"),
            (u64::MAX, 1, "18446744073709551615"),
        ] {
            let mut out = Vec::new();
            push_decimal(&mut out, value, width);
            assert_eq!(String::from_utf8(out).unwrap(), text);
        }
    }

    #[test]
    fn every_kind_has_a_unique_name() {
        let mut names: Vec<_> = Kind::ALL.iter().map(|k| k.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Kind::ALL.len());
    }
}
