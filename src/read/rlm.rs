//! What the two RLM readers share: splitting records into fields, and
//! dating `mm/dd` records, which carry no year.

use std::ops::Range;

use jiff::ToSpan;
use jiff::civil::Date;

use crate::dating::ROLLBACK_TOLERANCE;
use crate::event::{Time, TimeSource, clock_seconds, plain_seconds};

/// One field of a record: a word, or a `"quoted"` string (which may hold
/// spaces, and may be empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub span: Range<usize>,
    pub quoted: bool,
}

/// Splits `text` into fields. Returns false when a quote is not closed
/// (a cut record).
pub fn split(text: &str, out: &mut Vec<Field>) -> bool {
    out.clear();
    let b = text.as_bytes();
    let mut i = 0;
    loop {
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        if i >= b.len() {
            return true;
        }
        if b[i] == b'"' {
            // A quoted field ends at a quote followed by a space or the end.
            let start = i + 1;
            let mut j = start;
            loop {
                match memchr::memchr(b'"', &b[j..]) {
                    Some(k) => {
                        let q = j + k;
                        if q + 1 == b.len() || b[q + 1] == b' ' || b[q + 1] == b'\t' {
                            out.push(Field {
                                span: start..q,
                                quoted: true,
                            });
                            i = q + 1;
                            break;
                        }
                        j = q + 1;
                    }
                    None => return false,
                }
            }
        } else {
            let start = i;
            while i < b.len() && b[i] != b' ' && b[i] != b'\t' {
                i += 1;
            }
            out.push(Field {
                span: start..i,
                quoted: false,
            });
        }
    }
}

/// `mm/dd`.
pub fn month_day(s: &str) -> Option<(i8, i8)> {
    let (m, d) = s.split_once('/')?;
    let m: i8 = m.parse().ok().filter(|m| (1..=12).contains(m))?;
    let d: i8 = d.parse().ok().filter(|d| (1..=31).contains(d))?;
    Some((m, d))
}

/// `h:mm`, `hh:mm`, `hh:mm:ss` or `hh:mm:ss.fraction`: seconds since
/// midnight and the fraction as written (digits value, digit count).
pub fn clock(s: &str) -> Option<(u32, Option<(u32, u8)>)> {
    let (whole, fraction) = match s.split_once('.') {
        Some((w, f)) if (1..=9).contains(&f.len()) && f.bytes().all(|c| c.is_ascii_digit()) => {
            (w, Some((f.parse().ok()?, f.len() as u8)))
        }
        Some(_) => return None,
        None => (s, None),
    };
    let number = |p: &str, widths: std::ops::RangeInclusive<usize>, max: u32| {
        (widths.contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit()))
            .then(|| p.parse::<u32>().ok())
            .flatten()
            .filter(|n| *n < max)
    };
    let mut parts = whole.split(':');
    let h = number(parts.next()?, 1..=2, 24)?;
    let m = number(parts.next()?, 2..=2, 60)?;
    let sec = match parts.next() {
        Some(p) => number(p, 2..=2, 61)?,
        None if fraction.is_none() => 0,
        None => return None,
    };
    if parts.next().is_some() {
        return None;
    }
    Some((clock_seconds(h, m, sec), fraction))
}

/// Dates records that write `mm/dd` (or only `hh:mm`) without a year. The
/// year comes from the last full date (a START or periodic timestamp
/// record, or `--date`/`--year`); of the years around it, the one that puts
/// the record nearest the previous dated record wins, so that `12/31` then
/// `01/01` moves into the next year.
#[derive(Clone, Debug, Default)]
pub struct YearDating {
    anchor: Option<(Date, TimeSource)>,
    /// `--year`: the year of the first record, before any anchor.
    year: Option<i16>,
    last: Option<(Date, u32, TimeSource)>,
}

impl YearDating {
    pub fn new(date: Option<Date>, year: Option<i16>) -> Self {
        let mut dating = YearDating {
            year,
            ..Self::default()
        };
        if let Some(d) = date {
            dating.anchor(d, 0, TimeSource::Option);
        }
        dating
    }

    /// A record that carries its full date.
    pub fn anchor(&mut self, date: Date, seconds: u32, source: TimeSource) {
        let seconds = plain_seconds(seconds);
        self.anchor = Some((date, source));
        self.last = Some((date, seconds, source));
    }

    pub fn month_day(&mut self, m: i8, d: i8, seconds: u32) -> Option<(Date, TimeSource)> {
        let seconds = plain_seconds(seconds);
        let date = match (self.last, self.year) {
            (Some((base, ..)), _) => [-1i16, 0, 1]
                .into_iter()
                .filter_map(|dy| Date::new(base.year() + dy, m, d).ok())
                .min_by_key(|c| c.since(base).map_or(i32::MAX, |s| s.get_days().abs()))?,
            (None, Some(y)) => {
                let date = Date::new(y, m, d).ok()?;
                self.anchor = Some((date, TimeSource::Option));
                date
            }
            (None, None) => return None,
        };
        let source = self.source_of(date);
        self.last = Some((date, seconds, source));
        Some((date, source))
    }

    /// A record with only a time of day (the small reportlog format): the
    /// date of the last dated record, or the day after when the clock went
    /// back past midnight.
    pub fn time_only(&mut self, seconds: u32) -> Option<(Date, TimeSource)> {
        let seconds = plain_seconds(seconds);
        let (mut date, last_seconds, mut source) = self.last?;
        if last_seconds > seconds + ROLLBACK_TOLERANCE {
            date = date.checked_add(1.day()).ok()?;
            source = TimeSource::Rollover;
        }
        self.last = Some((date, seconds, source));
        Some((date, source))
    }

    fn source_of(&self, date: Date) -> TimeSource {
        match self.anchor {
            Some((a, source)) if a.year() == date.year() => source,
            Some(_) => TimeSource::Rollover,
            None => TimeSource::None,
        }
    }
}

/// A time with its date, or the time of day alone when no year is known.
pub fn time(date: Option<Date>, seconds: u32, fraction: Option<(u32, u8)>) -> Time {
    let mut t = Time::of_day(seconds);
    t.date = date;
    t.fraction = fraction;
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn fields(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        assert!(split(text, &mut out));
        out.iter()
            .map(|f| text[f.span.clone()].to_string())
            .collect()
    }

    #[test]
    fn fields_split_on_spaces_and_keep_quoted_spaces() {
        assert_eq!(
            fields(r#"OUT a 1.0 "my project" "" x"#),
            ["OUT", "a", "1.0", "my project", "", "x"]
        );
        assert_eq!(fields("a \"b\"c\" d"), ["a", "b\"c", "d"]);
        assert!(!split(r#"OUT a "cut"#, &mut Vec::new()));
    }

    #[test]
    fn clocks() {
        assert_eq!(clock("5:17"), Some((5 * 3600 + 17 * 60, None)));
        assert_eq!(clock("15:17:14"), Some((55034, None)));
        assert_eq!(clock("15:17:14.0250"), Some((55034, Some((250, 4)))));
        assert_eq!(clock("15:17.5"), None);
        assert_eq!(clock("24:00"), None);
        assert_eq!(clock("1:2:3"), None);
        assert_eq!(clock("05/11"), None);
    }

    #[test]
    fn years_roll_over_at_new_year() {
        let mut d = YearDating::new(None, None);
        assert_eq!(d.month_day(5, 11, 0), None);
        d.anchor(date(2012, 12, 31), 0, TimeSource::Banner);
        assert_eq!(
            d.month_day(12, 31, 60),
            Some((date(2012, 12, 31), TimeSource::Banner))
        );
        assert_eq!(
            d.month_day(1, 1, 5),
            Some((date(2013, 1, 1), TimeSource::Rollover))
        );
        assert_eq!(
            d.time_only(3600),
            Some((date(2013, 1, 1), TimeSource::Rollover))
        );
        let mut d = YearDating::new(None, Some(2020));
        assert_eq!(
            d.month_day(2, 29, 0),
            Some((date(2020, 2, 29), TimeSource::Option))
        );
    }

    #[test]
    fn time_only_records_cross_midnight() {
        let mut d = YearDating::new(Some(date(2024, 3, 1)), None);
        d.time_only(23 * 3600);
        assert_eq!(
            d.time_only(60),
            Some((date(2024, 3, 2), TimeSource::Rollover))
        );
    }
}
