//! `# Startup ...` and `# Shutdown ...` lines, and the `ctime` dates that
//! every Sentinel line carries.

use jiff::civil::Date;

use super::record::Generation;
use crate::dating::month_number;
use crate::event::{clock_seconds, plain_seconds};

/// A startup or shutdown line, split into its fields.
#[derive(Debug, PartialEq, Eq)]
pub struct Banner<'a> {
    pub startup: bool,
    /// `Sentinel RMS License Manager`, `Sentinel RMS Development Kit`.
    pub product: &'a str,
    /// Without its `v`: `8.6.0.0036`.
    pub version: &'a str,
    pub date: Date,
    pub seconds: u32,
    pub timestamp: &'a str,
    pub host: &'a str,
    /// The fields after the host, by the spec's names.
    pub rest: Vec<(&'static str, &'a str)>,
    /// Startup only: the record layout of the session it opens.
    pub generation: Option<Generation>,
}

/// The text after the leading `#`s, if the line is a comment line.
pub fn comment_body(text: &str) -> Option<&str> {
    let rest = text.trim_start().strip_prefix('#')?;
    Some(rest.trim_start_matches(['#', ' ', '\t']))
}

/// Parses the body of a `#` line (see `comment_body`) as a banner.
pub fn banner(body: &str) -> Option<Banner<'_>> {
    let f: Vec<&str> = body.split_whitespace().collect();
    let startup = match *f.first()? {
        "Startup" => true,
        "Shutdown" => false,
        _ => return None,
    };
    let v = f.iter().position(|t| is_version(t))?;
    if v < 2 || f.len() < v + 8 {
        return None;
    }
    let product_start = body.find(f[1])?;
    let product_end = body.find(f[v])?;
    let (date, seconds) = ctime(&f[v + 1..v + 6])?;
    let timestamp = f[v + 6];
    if !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let version = &f[v][1..];
    let rest = &f[v + 8..];
    let names: &[&str] = match (startup, rest.len()) {
        (true, 2) => &["session", "pid"],
        (true, 4) => &["session", "pid", "log_format_version", "readable_checksum"],
        (false, 3) => &["pid", "record_number", "readable_checksum"],
        (false, 4) => &[
            "pid",
            "record_number",
            "readable_checksum",
            "encrypted_checksum",
        ],
        _ => return None,
    };
    let mut rest: Vec<_> = names.iter().copied().zip(rest.iter().copied()).collect();
    let generation = startup.then(|| {
        let major: u32 = version.split('.').next()?.parse().ok()?;
        Some(if major < 8 {
            Generation::V7
        } else if rest.len() == 4 {
            Generation::Extended
        } else {
            Generation::Plain
        })
    });
    if let Some(v) = rest.iter_mut().find(|(n, _)| *n == "log_format_version") {
        v.1 = v.1.strip_prefix('v').unwrap_or(v.1);
    }
    Some(Banner {
        startup,
        product: body[product_start..product_end].trim_end(),
        version,
        date,
        seconds,
        timestamp,
        host: f[v + 7],
        rest,
        generation: generation.flatten(),
    })
}

fn is_version(token: &str) -> bool {
    let b = token.as_bytes();
    b.len() > 1 && b[0] == b'v' && b[1].is_ascii_digit()
}

/// `Mon Aug 25 15:36:27 2014` (`ctime`, whose day may be space-padded):
/// the date and the seconds since midnight.
pub fn ctime(f: &[&str]) -> Option<(Date, u32)> {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let [dow, month, day, clock, year] = f else {
        return None;
    };
    if !DAYS.iter().any(|d| d.eq_ignore_ascii_case(dow)) || month.len() != 3 {
        return None;
    }
    let date = Date::new(year.parse().ok()?, month_number(month)?, day.parse().ok()?).ok()?;
    let date = crate::dating::plausible(date)?;
    let mut parts = clock.split(':');
    let mut next = |max: u32| parts.next()?.parse::<u32>().ok().filter(|v| *v <= max);
    let seconds = clock_seconds(next(23)?, next(59)?, next(60)?);
    Some((date, seconds))
}

/// The UTC offset implied by a local time and the epoch Time-stamp written
/// with it: whole quarter hours within a minute of the difference, since
/// the two may be taken a moment apart. `None` if nothing fits.
pub fn implied_offset(date: Date, seconds: u32, epoch: i64) -> Option<i32> {
    // A leap second counts as :59, which keeps the offset a whole quarter.
    let local = days_from_civil(date) * 86_400 + i64::from(plain_seconds(seconds));
    let diff = local - epoch;
    let quarter = (diff as f64 / 900.0).round() as i64 * 900;
    ((diff - quarter).abs() <= 60 && quarter.abs() <= 14 * 3600).then_some(quarter as i32)
}

/// Days since 1970-01-01 (the proleptic Gregorian calendar).
fn days_from_civil(date: Date) -> i64 {
    let (y, m, d) = (
        i64::from(date.year()),
        i64::from(date.month()),
        i64::from(date.day()),
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// When a log file starts: its first startup line's Time-stamp, else its
/// first record's. Rotated files are ordered by this, not by their names.
pub fn first_epoch(head: &str) -> Option<i64> {
    for line in head.lines().take(1000) {
        if let Some(body) = comment_body(line) {
            if let Some(b) = banner(body).filter(|b| b.startup) {
                return b.timestamp.parse().ok();
            }
            continue;
        }
        if let Some(epoch) = record_epoch(line) {
            return Some(epoch);
        }
    }
    None
}

/// The Time-stamp of a line that starts like a usage record: two levels,
/// Reserved, a `ctime` date and the epoch.
pub fn record_epoch(line: &str) -> Option<i64> {
    let mut f = [""; 9];
    let mut it = line.split_whitespace();
    for slot in &mut f {
        *slot = it.next()?;
    }
    let level = |s: &str| s.len() == 1 && (b'0'..=b'4').contains(&s.as_bytes()[0]);
    (level(f[0]) && level(f[1]) && ctime(&f[3..8]).is_some())
        .then(|| f[8].parse().ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn startup_lines_of_each_generation() {
        let b = banner(
            "Startup Sentinel RMS License Manager v8.6.0.0036 Mon Aug 25 15:22:34 2014 \
             1408960354 Machine1 25 5976 v2.0 437875",
        )
        .unwrap();
        assert_eq!(b.product, "Sentinel RMS License Manager");
        assert_eq!(
            (b.version, b.host, b.timestamp),
            ("8.6.0.0036", "Machine1", "1408960354")
        );
        assert_eq!(b.generation, Some(Generation::Extended));
        assert_eq!(b.rest[2], ("log_format_version", "2.0"));
        let b = banner(
            "Startup Sentinel RMS Development Kit v7.00 Fri Aug 13 17:33:31 1999  934590811 \
             jsmith 140 4294489039",
        )
        .unwrap();
        assert_eq!(
            (b.generation, b.date),
            (Some(Generation::V7), date(1999, 8, 13))
        );
        let b = banner(
            "Shutdown Sentinel RMS License Manager v8.6.0.0036 Mon Aug 25 15:36:43 2014 \
             1408961203 Machine1 1708 Mg== 532318",
        )
        .unwrap();
        assert!(!b.startup && b.generation.is_none());
        assert_eq!(b.rest[1], ("record_number", "Mg=="));
        assert!(banner("Startup Sentinel RMS License Manager v8 Mon Aug 25").is_none());
        assert_eq!(comment_body("# # Startup x"), Some("Startup x"));
    }

    #[test]
    fn dates_and_offsets() {
        let (d, s) = ctime(&["Fri", "Aug", "3", "07:03:09", "2001"]).unwrap();
        assert_eq!((d, s), (date(2001, 8, 3), 7 * 3600 + 3 * 60 + 9));
        assert!(ctime(&["Fri", "August", "3", "07:03:09", "2001"]).is_none());
        assert!(ctime(&["Fri", "Feb", "30", "07:03:09", "2001"]).is_none());
        // The spec's examples: India (+05:30) and California in summer (-07:00).
        assert_eq!(
            implied_offset(date(2014, 8, 25), 56_187, 1_408_961_187),
            Some(19_800)
        );
        assert_eq!(
            implied_offset(date(1999, 8, 13), 63_213, 934_590_813),
            Some(-25_200)
        );
        assert_eq!(
            implied_offset(date(1999, 8, 13), 63_213, 934_590_813 + 400),
            None
        );
    }

    #[test]
    fn a_file_starts_at_its_first_startup() {
        let head = "# Startup Sentinel RMS License Manager v8.6.0.0036 Mon Aug 25 15:22:34 2014 \
                    1408960354 Machine1 25 5976\n";
        assert_eq!(first_epoch(head), Some(1_408_960_354));
        let head = "2 1 ODA= Mon Aug 25 15:36:27 2014 1408961187 f1 v1 0 1 0 u h 8.6 1 -\n";
        assert_eq!(first_epoch(head), Some(1_408_961_187));
        assert_eq!(first_epoch("garbage\n"), None);
    }
}
