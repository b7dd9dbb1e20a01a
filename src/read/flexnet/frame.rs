//! The `[M/D/YYYY ]H:MM:SS (daemon) ` prefix of a FlexNet debug-log line.

use std::io::Read;

use jiff::civil::Date;

use super::{message, usage};
use crate::dating::{Clock, parse_mdy};
use crate::event::{TimeSource, clock_seconds};
use crate::lines::LineReader;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub seconds: u32,
    /// A full date written before the time (lmgrd `-datestamp` style logs).
    pub date: Option<Date>,
    daemon: (u32, u32),
    body: u32,
}

impl Frame {
    pub fn daemon<'a>(&self, text: &'a str) -> &'a str {
        &text[self.daemon.0 as usize..self.daemon.1 as usize]
    }

    pub fn body<'a>(&self, text: &'a str) -> &'a str {
        &text[self.body as usize..]
    }

    /// What the line says, unless it is a usage line.
    pub fn message<'a>(&self, text: &'a str) -> Option<message::Message<'a>> {
        message_of(self.body(text))
    }

    /// The date this line pins, if it is a date anchor.
    pub fn anchor(&self, message: Option<&message::Message<'_>>) -> Option<(Date, TimeSource)> {
        match self.date {
            Some(date) => Some((date, TimeSource::Record)),
            None => message.and_then(message::Message::anchor),
        }
    }
}

/// What a line's body (after the prefix, continuations joined) says,
/// unless it is a usage line.
pub fn message_of(body: &str) -> Option<message::Message<'_>> {
    usage::keyword(body)
        .is_none()
        .then(|| message::classify(body))
}

pub fn parse(text: &str) -> Option<Frame> {
    let b = text.as_bytes();
    let mut i = b.iter().take_while(|&&c| c == b' ').count();
    let date = match date_prefix(&text[i..]) {
        Some((date, len)) => {
            i += len;
            Some(date)
        }
        None => None,
    };
    let (seconds, len) = time_of_day(&b[i..])?;
    i += len;
    if b.get(i) != Some(&b' ') || b.get(i + 1) != Some(&b'(') {
        return None;
    }
    let start = i + 2;
    let close = start + memchr::memchr(b')', &b[start..])?;
    if close == start || close - start > 64 {
        return None;
    }
    let body = match b.get(close + 1) {
        None => close + 1,
        Some(b' ') => close + 2,
        Some(_) => return None,
    };
    Some(Frame {
        seconds,
        date,
        daemon: (start as u32, close as u32),
        body: body as u32,
    })
}

/// `H:MM:SS` or `HH:MM:SS`; returns seconds since midnight and the length.
fn time_of_day(b: &[u8]) -> Option<(u32, usize)> {
    let digit = |i: usize| {
        b.get(i)
            .filter(|c| c.is_ascii_digit())
            .map(|c| u32::from(c - b'0'))
    };
    let (hour, i) = match (digit(0)?, digit(1)) {
        (h1, Some(h2)) => (h1 * 10 + h2, 2),
        (h, None) => (h, 1),
    };
    if b.get(i) != Some(&b':') || b.get(i + 3) != Some(&b':') {
        return None;
    }
    let minute = digit(i + 1)? * 10 + digit(i + 2)?;
    let second = digit(i + 4)? * 10 + digit(i + 5)?;
    (hour < 24 && minute < 60 && second <= 60)
        .then_some((clock_seconds(hour, minute, second), i + 6))
}

/// `M/D/YYYY ` or `YYYY-MM-DD ` / `YYYY/MM/DD ` before the time.
fn date_prefix(s: &str) -> Option<(Date, usize)> {
    // Most lines start with the time: reject them before searching.
    let b = s.as_bytes();
    let dated = |i: usize| matches!(b.get(i), Some(b'/' | b'-'));
    if !(dated(1) || dated(2) || dated(4)) {
        return None;
    }
    let end = memchr::memchr(b' ', b)?;
    let word = &s[..end];
    if !word.as_bytes().first()?.is_ascii_digit() || !word.contains(['/', '-']) {
        return None;
    }
    let iso = |sep| {
        let mut it = word.splitn(3, sep);
        let y: i16 = it.next()?.parse().ok()?;
        let m: i8 = it.next()?.parse().ok()?;
        let d: i8 = it.next()?.parse().ok()?;
        (y > 999)
            .then(|| Date::new(y, m, d).ok().and_then(crate::dating::plausible))
            .flatten()
    };
    let date = iso('-').or_else(|| iso('/')).or_else(|| parse_mdy(word))?;
    Some((date, end + 1))
}

/// A line that is not a continuation either: it starts like a timestamp but
/// is not one, or holds control characters (binary garbage, a cut write).
pub fn is_malformed(text: &str) -> bool {
    let t = text.trim_start_matches(' ');
    let b = t.as_bytes();
    let timestamp_like = b.first().is_some_and(u8::is_ascii_digit)
        && (b.get(1) == Some(&b':')
            || (b.get(1).is_some_and(u8::is_ascii_digit) && b.get(2) == Some(&b':')));
    timestamp_like || text.bytes().any(|c| (c < 0x20 && c != b'\t') || c == 0x7f)
}

/// Second pass: the relative day and date of the first anchor in the input.
pub fn first_anchor<R: Read>(mut lines: LineReader<R>) -> Option<(i32, Date, TimeSource)> {
    let mut clock = Clock::default();
    while let Ok(Some(line)) = lines.next_line() {
        if let Some(f) = parse(line.text) {
            let day = clock.tick(f.seconds);
            if let Some((date, source)) = f.anchor(f.message(line.text).as_ref()) {
                return Some((day, date, source));
            }
        }
    }
    None
}

/// Detection: why this text looks like a FlexNet debug log, if it does.
pub fn looks_like_flexnet(head: &str) -> Option<String> {
    let mut framed = 0;
    let mut other = 0;
    let mut banner = None;
    for line in head.lines().filter(|l| !l.trim().is_empty()).take(400) {
        match parse(line) {
            Some(f) => {
                framed += 1;
                let body = f.body(line);
                if banner.is_none()
                    && let message::Message::Banner {
                        product, version, ..
                    } = message::classify(body)
                {
                    banner = Some(format!("banner '{product} ({version}) started on ...'"));
                }
            }
            None => other += 1,
        }
    }
    if framed == 0 || framed < other {
        return None;
    }
    Some(banner.unwrap_or_else(|| format!("{framed} 'H:MM:SS (daemon) text' lines")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn prefixes() {
        let t = " 7:32:57 (lmgrd) Done rereading";
        let f = parse(t).unwrap();
        assert_eq!(f.seconds, 7 * 3600 + 32 * 60 + 57);
        assert_eq!((f.daemon(t), f.body(t)), ("lmgrd", "Done rereading"));
        let t = "7:32:57 (lmgrd)";
        assert_eq!(parse(t).unwrap().body(t), "");
        let t = "1/3/2024 15:00:00 (MLM) OUT: x";
        assert_eq!(parse(t).unwrap().date, Some(date(2024, 1, 3)));
        let t = "2024-01-03 15:00:00 (MLM) OUT: x";
        assert_eq!(parse(t).unwrap().date, Some(date(2024, 1, 3)));
        assert_eq!(parse("25:00:00 (lmgrd) x"), None);
        assert_eq!(parse("7:32:57 lmgrd x"), None);
        assert_eq!(parse("Files\\IPASSI\\ipassi2.lic"), None);
    }

    #[test]
    fn malformed_versus_continuation() {
        assert!(is_malformed("7:32 (lmgrd) cut"));
        assert!(is_malformed("junk\u{1}bytes"));
        assert!(!is_malformed("feature (-18,327))"));
        assert!(!is_malformed(""));
        assert!(!is_malformed(" ansyslmd  ansoftd  "));
    }
}
