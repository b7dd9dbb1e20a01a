//! What the JSONL and CSV readers share: a record's fields as text (as
//! `docs/schema.md` names them), turned back into an [`Event`].
//!
//! liclog's own output, and that output edited by jq, DuckDB or pandas,
//! is read back so that `convert --from jsonl --to jsonl` gives the same
//! bytes, and so that any writer can take it.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use crate::event::{Event, Kind, Time, TimeSource, Value, clock_seconds};
use crate::format::Format;

/// The columns a record must have: without `kind` nothing is known of it.
pub const REQUIRED: &[&str] = &["kind"];

/// One record's fields, borrowed from the line where they need no
/// unescaping.
#[derive(Debug, Default)]
pub struct Fields<'a> {
    pub source: Option<Cow<'a, str>>,
    pub line: Option<u64>,
    pub format: Option<Cow<'a, str>>,
    pub kind: Option<Cow<'a, str>>,
    pub time: Option<Cow<'a, str>>,
    pub time_of_day: Option<Cow<'a, str>>,
    pub time_source: Option<Cow<'a, str>>,
    pub server: Option<Cow<'a, str>>,
    pub daemon: Option<Cow<'a, str>>,
    pub feature: Option<Cow<'a, str>>,
    pub version: Option<Cow<'a, str>>,
    pub user: Option<Cow<'a, str>>,
    pub host: Option<Cow<'a, str>>,
    pub count: Option<u64>,
    pub handle: Option<Cow<'a, str>>,
    pub reason: Option<Cow<'a, str>>,
    pub code: Option<Cow<'a, str>>,
    pub extra: Vec<(Cow<'a, str>, Extra<'a>)>,
    pub raw: Option<Cow<'a, str>>,
}

/// A value of `extra`: text or an integer, as liclog writes them; any other
/// JSON value is kept as its JSON text.
#[derive(Debug)]
pub enum Extra<'a> {
    Text(Cow<'a, str>),
    Int(i64),
    Json(String),
}

/// Builds the event of `fields`. `source` and `line` stand in for the
/// record's own when it has none (a column dropped by an edit); `format`
/// likewise (the canonical format read).
pub fn event<'b>(
    fields: &'b Fields<'_>,
    source: &'b str,
    line: u64,
    format: Format,
    raw: &'b str,
) -> Result<Event<'b>, String> {
    let kind_name = fields.kind.as_deref().ok_or("no kind")?;
    let kind = Kind::ALL
        .iter()
        .copied()
        .find(|k| k.name() == kind_name)
        .ok_or_else(|| format!("unknown kind {kind_name:?}"))?;
    let format = match fields.format.as_deref() {
        Some(name) => Format::parse(name).map_err(|e| e.to_string())?,
        None => format,
    };
    let mut ev = Event::new(
        fields.source.as_deref().unwrap_or(source),
        fields.line.unwrap_or(line),
        format,
        kind,
        fields.raw.as_deref().unwrap_or(raw),
    );
    ev.has_raw = fields.raw.is_some();
    ev.time = time(fields.time.as_deref(), fields.time_of_day.as_deref())?;
    ev.time_source = match fields.time_source.as_deref() {
        Some(name) => TimeSource::ALL
            .into_iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| format!("unknown time_source {name:?}"))?,
        None if ev.time.is_some_and(|t| t.date.is_some()) => TimeSource::Record,
        None => TimeSource::None,
    };
    ev.server = fields.server.as_deref();
    ev.daemon = fields.daemon.as_deref();
    ev.feature = fields.feature.as_deref();
    ev.version = fields.version.as_deref();
    ev.user = fields.user.as_deref();
    ev.host = fields.host.as_deref();
    ev.count = fields.count;
    ev.handle = fields.handle.as_deref();
    ev.reason = fields.reason.as_deref();
    ev.code = fields.code.as_deref();
    for (key, value) in &fields.extra {
        let value = match value {
            Extra::Text(s) => Value::Str(s),
            Extra::Int(n) => Value::Int(*n),
            Extra::Json(s) => Value::Str(s),
        };
        ev.extra.push((intern(key)?, value));
    }
    Ok(ev)
}

/// `time` (`2024-01-03T15:00:07.25-05:00`), or `time_of_day` alone when
/// the date is unknown.
fn time(datetime: Option<&str>, of_day: Option<&str>) -> Result<Option<Time>, String> {
    if let Some(text) = datetime {
        let (date, rest) = text
            .split_once('T')
            .ok_or_else(|| format!("time {text:?} is not YYYY-MM-DDTHH:MM:SS"))?;
        let date: jiff::civil::Date = date.parse().map_err(|e| format!("time {text:?}: {e}"))?;
        let (clock, offset) =
            split_offset(rest).ok_or_else(|| format!("time {text:?}: bad zone"))?;
        let mut t = time_of_day(clock).ok_or_else(|| format!("time {text:?}: bad time"))?;
        t.date = Some(date);
        t.offset = offset;
        return Ok(Some(t));
    }
    match of_day {
        Some(text) => time_of_day(text)
            .map(Some)
            .ok_or_else(|| format!("time_of_day {text:?} is not HH:MM:SS")),
        None => Ok(None),
    }
}

/// `HH:MM:SS[.fraction]`.
fn time_of_day(text: &str) -> Option<Time> {
    let b = text.as_bytes();
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let two = |i: usize| -> Option<u32> {
        let (x, y) = (b[i], b[i + 1]);
        (x.is_ascii_digit() && y.is_ascii_digit())
            .then(|| u32::from(x - b'0') * 10 + u32::from(y - b'0'))
    };
    let (h, m, s) = (two(0)?, two(3)?, two(6)?);
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    let mut t = Time::of_day(clock_seconds(h, m, s));
    match &text[8..] {
        "" => {}
        rest => {
            let digits = rest.strip_prefix('.')?;
            if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|c| c.is_ascii_digit())
            {
                return None;
            }
            t.fraction = Some((digits.parse().ok()?, digits.len() as u8));
        }
    }
    Some(t)
}

/// The clock part and the UTC offset in seconds (`Z`, `+05:30`, none).
fn split_offset(rest: &str) -> Option<(&str, Option<i32>)> {
    if let Some(clock) = rest.strip_suffix('Z') {
        return Some((clock, Some(0)));
    }
    let b = rest.as_bytes();
    if b.len() >= 6 && matches!(b[b.len() - 6], b'+' | b'-') && b[b.len() - 3] == b':' {
        let zone = &rest[rest.len() - 6..];
        let h: i32 = zone[1..3].parse().ok()?;
        let m: i32 = zone[4..6].parse().ok()?;
        let sign = if b[b.len() - 6] == b'-' { -1 } else { 1 };
        return Some((&rest[..rest.len() - 6], Some(sign * (h * 3600 + m * 60))));
    }
    Some((rest, None))
}

/// Extra keys are `&'static str` in an [`Event`] (readers name them in
/// code); a key read from canonical input is made static once per process.
/// The bound keeps an input of endless distinct keys from growing memory.
const MOST_KEYS: usize = 10_000;

static KEYS: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);

fn intern(key: &str) -> Result<&'static str, String> {
    let mut keys = KEYS.lock().unwrap_or_else(PoisonError::into_inner);
    let keys = keys.get_or_insert_with(HashSet::new);
    if let Some(k) = keys.get(key) {
        return Ok(k);
    }
    if keys.len() >= MOST_KEYS {
        return Err(format!(
            "more than {MOST_KEYS} distinct keys in extra; {key:?} is one too many"
        ));
    }
    let k: &'static str = Box::leak(key.to_string().into_boxed_str());
    keys.insert(k);
    Ok(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_back_as_written() {
        for text in [
            "2024-01-03T15:00:07",
            "2024-01-03T15:00:07.25",
            "2024-01-03T15:00:07.0025-05:00",
            "2024-01-03T23:59:60Z",
            "2024-01-03T15:00:07+05:30",
        ] {
            let t = time(Some(text), None).unwrap().unwrap();
            assert_eq!(t.to_iso(), text);
        }
        let t = time(None, Some("07:32:57.5")).unwrap().unwrap();
        assert_eq!((t.date, t.to_iso().as_str()), (None, "07:32:57.5"));
        for bad in [
            "2024-01-03",
            "2024-13-03T15:00:07",
            "2024-01-03T25:00:00",
            "2024-01-03T15:00:07+5",
        ] {
            assert!(time(Some(bad), None).is_err(), "{bad}");
        }
        assert_eq!(time(None, None).unwrap(), None);
    }

    #[test]
    fn a_record_becomes_its_event() {
        let fields = Fields {
            kind: Some("checkout".into()),
            format: Some("flexnet".into()),
            user: Some("jdoe".into()),
            count: Some(2),
            extra: vec![
                ("topic".into(), Extra::Text("x".into())),
                ("n".into(), Extra::Int(-3)),
            ],
            ..Fields::default()
        };
        let ev = event(&fields, "in.jsonl", 7, Format::Jsonl, "").unwrap();
        assert_eq!(
            (ev.kind, ev.format, ev.user, ev.count),
            (Kind::Checkout, Format::Flexnet, Some("jdoe"), Some(2))
        );
        assert_eq!((ev.source, ev.line, ev.has_raw), ("in.jsonl", 7, false));
        assert_eq!(
            ev.extra,
            vec![("topic", Value::Str("x")), ("n", Value::Int(-3))]
        );
        let none = Fields::default();
        assert_eq!(
            event(&none, "x", 1, Format::Csv, "").unwrap_err(),
            "no kind"
        );
    }
}
