//! Giving dates to logs that write only the time of day.
//!
//! A reader tells the [`Clock`] each line's time of day; the clock counts
//! midnight rollovers (the time going back) as relative days since the first
//! line. Date anchors (a banner, a `TIMESTAMP` line, a dated record) pin one
//! relative day to a calendar date, which dates every day before and after.

use jiff::ToSpan;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;

use crate::event::{Time, TimeSource, plain_seconds};

/// The clock must go back by more than this to count as a new day. Daemons
/// interleave lines a few seconds out of order, and a daylight-saving change
/// moves the clock back one hour; neither is a rollover.
pub const ROLLBACK_TOLERANCE: u32 = 3600;

#[derive(Copy, Clone, Debug)]
struct Anchor {
    day: i32,
    date: Date,
    source: TimeSource,
}

#[derive(Clone, Debug, Default)]
pub struct Clock {
    day: i32,
    last: Option<u32>,
    anchor: Option<Anchor>,
    cache: Option<(i32, Date, TimeSource)>,
}

impl Clock {
    /// Feeds one line's time of day and returns the relative day it is on.
    pub fn tick(&mut self, seconds: u32) -> i32 {
        let seconds = plain_seconds(seconds);
        if let Some(last) = self.last
            && last > seconds + ROLLBACK_TOLERANCE
        {
            self.day += 1;
        }
        self.last = Some(seconds);
        self.day
    }

    pub fn day(&self) -> i32 {
        self.day
    }

    /// Pins relative day `day` to `date`. Later anchors win: they correct
    /// any rollover the clock could not see (a gap of more than a day).
    pub fn anchor(&mut self, day: i32, date: Date, source: TimeSource) {
        self.anchor = Some(Anchor { day, date, source });
        self.cache = None;
    }

    pub fn is_anchored(&self) -> bool {
        self.anchor.is_some()
    }

    /// The calendar date of relative day `day`, and how it was derived.
    pub fn resolve(&mut self, day: i32) -> Option<(Date, TimeSource)> {
        if let Some((d, date, src)) = self.cache
            && d == day
        {
            return Some((date, src));
        }
        let a = self.anchor?;
        let date = a.date.checked_add((day - a.day).days()).ok()?;
        let source = if day == a.day {
            a.source
        } else {
            TimeSource::Rollover
        };
        self.cache = Some((day, date, source));
        Some((date, source))
    }
}

/// A `--tz` zone, with the offset of the last quarter hour cached: zone
/// transitions fall on quarter hours, and lookups are per event.
#[derive(Clone, Debug)]
pub struct Zone {
    tz: TimeZone,
    cache: Option<(Date, u32, i32)>,
}

impl Zone {
    /// An IANA name (`Europe/Madrid`), `UTC`, or a fixed offset (`+05:30`).
    pub fn parse(name: &str) -> Result<Zone, String> {
        let tz = if let Some(offset) = parse_fixed_offset(name) {
            TimeZone::fixed(jiff::tz::Offset::from_seconds(offset).map_err(|e| e.to_string())?)
        } else {
            TimeZone::get(name).map_err(|e| format!("unknown time zone {name:?}: {e}"))?
        };
        Ok(Zone { tz, cache: None })
    }

    /// Seconds east of UTC at this local wall-clock time. An ambiguous time
    /// (the repeated hour when clocks go back) takes the earlier offset.
    pub fn offset(&mut self, date: Date, seconds: u32) -> i32 {
        // A leap second (or anything past the day) counts as 23:59:59:
        // jiff has no second 60.
        let seconds = plain_seconds(seconds).min(86_399);
        let quarter = seconds / 900;
        if let Some((d, q, off)) = self.cache
            && d == date
            && q == quarter
        {
            return off;
        }
        let dt = DateTime::from_parts(
            date,
            jiff::civil::time(
                (seconds / 3600) as i8,
                (seconds / 60 % 60) as i8,
                (seconds % 60) as i8,
                0,
            ),
        );
        let off = self
            .tz
            .to_ambiguous_timestamp(dt)
            .compatible()
            .map(|ts| self.tz.to_offset(ts).seconds())
            .unwrap_or(0);
        self.cache = Some((date, quarter, off));
        off
    }

    /// Sets `time.offset` when the time has a date.
    pub fn apply(zone: Option<&mut Zone>, time: &mut Time) {
        if let (Some(z), Some(date)) = (zone, time.date)
            && time.offset.is_none()
        {
            time.offset = Some(z.offset(date, time.seconds));
        }
    }
}

fn parse_fixed_offset(s: &str) -> Option<i32> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let h: i32 = h.parse().ok()?;
    let m: i32 = m.parse().ok()?;
    (h <= 23 && m <= 59).then(|| sign * (h * 3600 + m * 60))
}

/// `M/D/YYYY` (two-digit years pivot at 70) as FlexNet writes it.
pub fn parse_mdy(s: &str) -> Option<Date> {
    let mut it = s.splitn(3, '/');
    let m: i8 = it.next()?.trim().parse().ok()?;
    let d: i8 = it.next()?.trim().parse().ok()?;
    let y = it.next()?.trim();
    let mut year: i16 = y.parse().ok()?;
    if y.len() <= 2 {
        year += if year < 70 { 2000 } else { 1900 };
    }
    Date::new(year, m, d).ok().and_then(plausible)
}

/// The years a license log can hold: a date outside them is a corrupt or
/// mistyped one (`-2019`, `1/4/-19`), and the line is left undated rather
/// than placed in year 19 or −2019.
pub const YEARS: std::ops::RangeInclusive<i16> = 1970..=2100;

/// `date` when its year is in [`YEARS`].
pub fn plausible(date: Date) -> Option<Date> {
    YEARS.contains(&date.year()).then_some(date)
}

/// English month abbreviation (`Jan`) to its number.
pub fn month_number(name: &str) -> Option<i8> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lower = name.get(..3)?.to_ascii_lowercase();
    MONTHS.iter().position(|m| *m == lower).map(|i| i as i8 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn rollover_needs_a_real_step_back() {
        let mut c = Clock::default();
        assert_eq!(c.tick(23 * 3600), 0);
        assert_eq!(c.tick(23 * 3600 - 5), 0, "a few seconds out of order");
        assert_eq!(c.tick(60), 1, "midnight");
        assert_eq!(c.tick(2 * 3600 + 30 * 60), 1);
        assert_eq!(
            c.tick(3600 + 45 * 60),
            1,
            "DST fall-back: under an hour back"
        );
        assert_eq!(c.tick(6 * 3600), 1);
        assert_eq!(c.tick(5 * 3600 - 1), 2, "more than an hour back");
    }

    #[test]
    fn anchors_date_days_before_and_after() {
        let mut c = Clock::default();
        c.tick(80_000);
        c.tick(100);
        c.anchor(1, date(2024, 1, 4), TimeSource::Timestamp);
        assert_eq!(c.resolve(0), Some((date(2024, 1, 3), TimeSource::Rollover)));
        assert_eq!(
            c.resolve(1),
            Some((date(2024, 1, 4), TimeSource::Timestamp))
        );
        assert_eq!(c.resolve(2), Some((date(2024, 1, 5), TimeSource::Rollover)));
    }

    #[test]
    fn dates_and_zones() {
        assert_eq!(parse_mdy("5/9/2005"), Some(date(2005, 5, 9)));
        assert_eq!(parse_mdy("12/31/99"), Some(date(1999, 12, 31)));
        assert_eq!(parse_mdy("13/1/2005"), None);
        assert_eq!(month_number("Mar"), Some(3));
        let mut z = Zone::parse("America/New_York").unwrap();
        assert_eq!(z.offset(date(2017, 1, 8), 3600), -5 * 3600);
        assert_eq!(z.offset(date(2017, 6, 8), 3600), -4 * 3600);
        let mut f = Zone::parse("+05:30").unwrap();
        assert_eq!(f.offset(date(2017, 6, 8), 0), 5 * 3600 + 1800);
        assert!(Zone::parse("Mars/Olympus").is_err());
    }
}

/// Days since 1970-01-01.
pub fn day_number(date: Date) -> Option<i64> {
    Some(i64::from(
        date.since(jiff::civil::date(1970, 1, 1)).ok()?.get_days(),
    ))
}

/// Wall-clock seconds since 1970-01-01T00:00:00 of dated times, keeping
/// the day number of the last date (most events share it: the epoch-day
/// computation is the costly part).
#[derive(Clone, Copy, Debug, Default)]
pub struct WallClock {
    day: Option<(Date, i64)>,
}

impl WallClock {
    /// `t`'s wall-clock seconds (its offset not applied); `None` undated.
    pub fn seconds(&mut self, t: &Time) -> Option<i64> {
        let date = t.date?;
        let days = match self.day {
            Some((d, n)) if d == date => n,
            _ => {
                let n = day_number(date)?;
                self.day = Some((date, n));
                n
            }
        };
        Some(days * 86_400 + i64::from(plain_seconds(t.seconds)))
    }
}
