//! The report's tables, CSV (a header row, RFC 4180 quoting) or JSONL:
//! `sessions` as sessions end, then `usage`, `denials` and `summary`.

use std::io::{self, Write};

use super::{Report, iso};
use crate::event::Event;
use crate::sessions::{End, Session};
use crate::write::{csv_cell, push_json_str};

pub const SESSIONS: [&str; 11] = [
    "server",
    "daemon",
    "feature",
    "version",
    "user",
    "host",
    "count",
    "start",
    "end",
    "duration_s",
    "ended_by",
];
pub const USAGE: [&str; 9] = [
    "server",
    "feature",
    "interval_start",
    "max_in_use",
    "mean_in_use",
    "distinct_users",
    "denials",
    "day_peak",
    "day_peak_time",
];
pub const DENIALS: [&str; 5] = ["server", "feature", "user", "denials", "true_denials"];
pub const SUMMARY: [&str; 10] = [
    "server",
    "feature",
    "sessions",
    "license_hours",
    "peak",
    "peak_time",
    "distinct_users",
    "denials",
    "true_denials",
    "licenses",
];

type Sink = Option<Box<dyn Write + Send>>;

pub struct Tables {
    jsonl: bool,
    sessions: Sink,
    usage: Sink,
    denials: Sink,
    summary: Sink,
    started: bool,
    /// One row's bytes, reused.
    line: Vec<u8>,
    times: Times,
}

impl Tables {
    /// One writer per table; `jsonl` for JSON lines, else CSV.
    pub fn new(jsonl: bool, sessions: Sink, usage: Sink, denials: Sink, summary: Sink) -> Tables {
        Tables {
            jsonl,
            sessions,
            usage,
            denials,
            summary,
            started: false,
            line: Vec::with_capacity(256),
            times: Times::default(),
        }
    }

    /// Tables that go nowhere (the HTML report alone).
    pub fn none() -> Tables {
        Tables::new(false, None, None, None, None)
    }

    fn start(&mut self) -> io::Result<()> {
        if std::mem::replace(&mut self.started, true) || self.jsonl {
            return Ok(());
        }
        for (sink, columns) in [
            (&mut self.sessions, &SESSIONS[..]),
            (&mut self.usage, &USAGE[..]),
            (&mut self.denials, &DENIALS[..]),
            (&mut self.summary, &SUMMARY[..]),
        ] {
            if let Some(w) = sink {
                w.write_all(columns.join(",").as_bytes())?;
                w.write_all(b"\n")?;
            }
        }
        Ok(())
    }

    fn row(&mut self, table: Table, values: &[Cell<'_>]) -> io::Result<()> {
        let (sink, columns) = match table {
            Table::Sessions => (&mut self.sessions, &SESSIONS[..]),
            Table::Usage => (&mut self.usage, &USAGE[..]),
            Table::Denials => (&mut self.denials, &DENIALS[..]),
            Table::Summary => (&mut self.summary, &SUMMARY[..]),
        };
        let Some(w) = sink else { return Ok(()) };
        let (jsonl, line, times) = (self.jsonl, &mut self.line, &mut self.times);
        // Written by hand into one buffer: half a million session rows at
        // the end of a large log made per-row JSON values a fifth of a run.
        line.clear();
        if jsonl {
            line.push(b'{');
        }
        for (i, (column, v)) in columns.iter().zip(values).enumerate() {
            if i > 0 {
                line.push(b',');
            }
            if jsonl {
                push_json_str(line, column);
                line.push(b':');
                v.json(line, times);
            } else {
                v.csv(line, times);
            }
        }
        if jsonl {
            line.push(b'}');
        }
        line.push(b'\n');
        w.write_all(line)
    }

    pub fn session(
        &mut self,
        s: &Session,
        start: Option<i64>,
        end: Option<i64>,
        why: End,
    ) -> io::Result<()> {
        self.start()?;
        let h = &s.holder;
        let ended_by = match why {
            End::Checkin => "checkin",
            End::ServerStop | End::ServerRestart => "server_stop",
            End::Open => "open_at_end",
            End::HandleReused => "handle_reused",
        };
        let duration = start
            .zip(end)
            .map(|(a, b)| b - a)
            .filter(|_| why != End::Open);
        let end = end.filter(|_| why != End::Open);
        let values = [
            Cell::Text(h.server.as_deref().and_then(super::shown)),
            Cell::Text(h.daemon.as_deref()),
            Cell::Text(h.feature.as_deref()),
            Cell::Text(s.version.as_deref()),
            Cell::Text(h.user.as_deref()),
            Cell::Text(h.host.as_deref()),
            Cell::Int(Some(h.count as i64)),
            Cell::Time(start),
            Cell::Time(end),
            Cell::Int(duration),
            Cell::Text(Some(ended_by)),
        ];
        self.row(Table::Sessions, &values)
    }

    /// A checkin at `at` whose checkout is not in the log.
    pub fn unmatched(&mut self, ev: &Event<'_>, at: i64) -> io::Result<()> {
        self.start()?;
        let values = [
            Cell::Text(ev.server.and_then(super::shown)),
            Cell::Text(ev.daemon),
            Cell::Text(ev.feature),
            Cell::Text(ev.version),
            Cell::Text(ev.user),
            Cell::Text(ev.host),
            Cell::Int(Some(ev.count.unwrap_or(1) as i64)),
            Cell::Text(None),
            Cell::Time(Some(at)),
            Cell::Int(None),
            Cell::Text(Some("unmatched_checkin")),
        ];
        self.row(Table::Sessions, &values)
    }

    /// The tables written at the end, and every writer flushed.
    pub fn finish(&mut self, r: &Report) -> io::Result<()> {
        self.start()?;
        let interval = r.options().interval as f64;
        for (id, bucket, cell) in r.sorted_cells() {
            let (server, feature) = r.feature_name(id);
            let day = bucket.div_euclid(86_400) * 86_400;
            let peak = r.days.get(&(id, day));
            let values = [
                Cell::Text(super::shown(server)),
                Cell::Text(Some(feature)),
                Cell::Time(Some(bucket)),
                Cell::Int(Some(cell.max as i64)),
                Cell::Num(round3(cell.area / interval)),
                Cell::Int(Some(cell.users.len() as i64)),
                Cell::Int(Some(cell.denials as i64)),
                Cell::Int(peak.map(|p| p.0 as i64)),
                Cell::Time(peak.map(|p| p.1)),
            ];
            self.row(Table::Usage, &values)?;
        }
        for (id, user, d) in r.sorted_denials() {
            let (server, feature) = r.feature_name(id);
            let values = [
                Cell::Text(super::shown(server)),
                Cell::Text(Some(feature)),
                Cell::Text(Some(user)),
                Cell::Int(Some(d.denials as i64)),
                Cell::Int(Some(d.true_denials as i64)),
            ];
            self.row(Table::Denials, &values)?;
        }
        for (id, t) in r.sorted_totals() {
            let (server, feature) = r.feature_name(id);
            let values = [
                Cell::Text(super::shown(server)),
                Cell::Text(Some(feature)),
                Cell::Int(Some(t.sessions as i64)),
                Cell::Num(round3(t.license_seconds / 3600.0)),
                Cell::Int(Some(t.peak as i64)),
                Cell::Time(t.peak_time),
                Cell::Int(Some(t.users.len() as i64)),
                Cell::Int(Some(t.denials as i64)),
                Cell::Int(Some(t.true_denials as i64)),
                Cell::Int(t.licenses.map(|n| n as i64)),
            ];
            self.row(Table::Summary, &values)?;
        }
        for w in [
            &mut self.sessions,
            &mut self.usage,
            &mut self.denials,
            &mut self.summary,
        ]
        .into_iter()
        .flatten()
        {
            w.flush()?;
        }
        Ok(())
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[derive(Clone, Copy)]
enum Table {
    Sessions,
    Usage,
    Denials,
    Summary,
}

/// One value of a row: null as an empty CSV cell or JSON `null`.
enum Cell<'a> {
    Text(Option<&'a str>),
    Int(Option<i64>),
    Num(f64),
    /// Wall-clock seconds, written as ISO text.
    Time(Option<i64>),
}

impl Cell<'_> {
    /// Quoted only when it must be, as in the canonical CSV.
    fn csv(&self, out: &mut Vec<u8>, times: &mut Times) {
        match self {
            Cell::Text(Some(t)) => csv_cell(out, t.as_bytes()),
            Cell::Text(None) | Cell::Int(None) | Cell::Time(None) => {}
            Cell::Num(x) if !x.is_finite() => {}
            Cell::Time(Some(t)) => times.push(out, *t),
            number => number.json(out, times),
        }
    }

    fn json(&self, out: &mut Vec<u8>, times: &mut Times) {
        match self {
            Cell::Text(Some(t)) => push_json_str(out, t),
            Cell::Int(Some(n)) => {
                let _ = write!(out, "{n}");
            }
            Cell::Num(x) => match serde_json::Number::from_f64(*x) {
                Some(n) => {
                    let _ = write!(out, "{n}");
                }
                None => out.extend_from_slice(b"null"),
            },
            Cell::Time(Some(t)) => {
                out.push(b'"');
                times.push(out, *t);
                out.push(b'"');
            }
            Cell::Text(None) | Cell::Int(None) | Cell::Time(None) => out.extend_from_slice(b"null"),
        }
    }
}

/// ISO text of wall-clock seconds, the date's text kept from the last
/// call: rows come mostly in time order, and [`iso`] for every time was a
/// tenth of a report of a large log.
#[derive(Default)]
struct Times {
    day: Option<(i64, String)>,
}

impl Times {
    fn push(&mut self, out: &mut Vec<u8>, seconds: i64) {
        let day = seconds.div_euclid(86_400);
        let date = match &self.day {
            Some((d, text)) if *d == day => text,
            _ => {
                let text = iso(day * 86_400)
                    .split('T')
                    .next()
                    .unwrap_or_default()
                    .to_string();
                &self.day.insert((day, text)).1
            }
        };
        out.extend_from_slice(date.as_bytes());
        let s = seconds.rem_euclid(86_400);
        // Digits by hand: `write!` with padding cost as much as the row.
        let two = |n: i64| [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
        let [h, m, x] = [two(s / 3600), two(s / 60 % 60), two(s % 60)];
        out.extend_from_slice(&[b'T', h[0], h[1], b':', m[0], m[1], b':', x[0], x[1]]);
    }
}
