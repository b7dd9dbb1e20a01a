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

    fn row(jsonl: bool, sink: &mut Sink, columns: &[&str], values: &[Cell<'_>]) -> io::Result<()> {
        let Some(w) = sink else { return Ok(()) };
        // Written by hand into one buffer: half a million session rows at
        // the end of a large log made per-row JSON values a fifth of a run.
        let mut line = Vec::with_capacity(160);
        if jsonl {
            line.push(b'{');
        }
        for (i, (column, v)) in columns.iter().zip(values).enumerate() {
            if i > 0 {
                line.push(b',');
            }
            if jsonl {
                push_json_str(&mut line, column);
                line.push(b':');
                v.json(&mut line);
            } else {
                v.csv(&mut line);
            }
        }
        if jsonl {
            line.push(b'}');
        }
        line.push(b'\n');
        w.write_all(&line)
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
        };
        let duration = start
            .zip(end)
            .map(|(a, b)| b - a)
            .filter(|_| why != End::Open);
        let (start, end) = (start.map(iso), end.filter(|_| why != End::Open).map(iso));
        let values = [
            Cell::Text(h.server.as_deref()),
            Cell::Text(h.daemon.as_deref()),
            Cell::Text(h.feature.as_deref()),
            Cell::Text(s.version.as_deref()),
            Cell::Text(h.user.as_deref()),
            Cell::Text(h.host.as_deref()),
            Cell::Int(Some(h.count as i64)),
            Cell::Text(start.as_deref()),
            Cell::Text(end.as_deref()),
            Cell::Int(duration),
            Cell::Text(Some(ended_by)),
        ];
        Self::row(self.jsonl, &mut self.sessions, &SESSIONS, &values)
    }

    /// A checkin whose checkout is not in the log.
    pub fn unmatched(&mut self, ev: &Event<'_>) -> io::Result<()> {
        self.start()?;
        let end = ev.time.as_ref().and_then(super::seconds_of).map(iso);
        let values = [
            Cell::Text(ev.server),
            Cell::Text(ev.daemon),
            Cell::Text(ev.feature),
            Cell::Text(ev.version),
            Cell::Text(ev.user),
            Cell::Text(ev.host),
            Cell::Int(Some(ev.count.unwrap_or(1) as i64)),
            Cell::Text(None),
            Cell::Text(end.as_deref()),
            Cell::Int(None),
            Cell::Text(Some("unmatched_checkin")),
        ];
        Self::row(self.jsonl, &mut self.sessions, &SESSIONS, &values)
    }

    /// The tables written at the end, and every writer flushed.
    pub fn finish(&mut self, r: &Report) -> io::Result<()> {
        self.start()?;
        let interval = r.options().interval as f64;
        for (id, bucket, cell) in r.sorted_cells() {
            let (server, feature) = r.feature_name(id);
            let day = bucket.div_euclid(86_400) * 86_400;
            let peak = r.days.get(&(id, day));
            let (start, peak_time) = (iso(bucket), peak.map(|p| iso(p.1)));
            let values = [
                Cell::Text(Some(server)),
                Cell::Text(Some(feature)),
                Cell::Text(Some(&start)),
                Cell::Int(Some(cell.max as i64)),
                Cell::Num(round3(cell.area / interval)),
                Cell::Int(Some(cell.users.len() as i64)),
                Cell::Int(Some(cell.denials as i64)),
                Cell::Int(peak.map(|p| p.0 as i64)),
                Cell::Text(peak_time.as_deref()),
            ];
            Self::row(self.jsonl, &mut self.usage, &USAGE, &values)?;
        }
        for (id, user, d) in r.sorted_denials() {
            let (server, feature) = r.feature_name(id);
            let values = [
                Cell::Text(Some(server)),
                Cell::Text(Some(feature)),
                Cell::Text(Some(user)),
                Cell::Int(Some(d.denials as i64)),
                Cell::Int(Some(d.true_denials as i64)),
            ];
            Self::row(self.jsonl, &mut self.denials, &DENIALS, &values)?;
        }
        for (id, t) in r.sorted_totals() {
            let (server, feature) = r.feature_name(id);
            let peak_time = t.peak_time.map(iso);
            let values = [
                Cell::Text(Some(server)),
                Cell::Text(Some(feature)),
                Cell::Int(Some(t.sessions as i64)),
                Cell::Num(round3(t.license_seconds / 3600.0)),
                Cell::Int(Some(t.peak as i64)),
                Cell::Text(peak_time.as_deref()),
                Cell::Int(Some(t.users.len() as i64)),
                Cell::Int(Some(t.denials as i64)),
                Cell::Int(Some(t.true_denials as i64)),
                Cell::Int(t.licenses.map(|n| n as i64)),
            ];
            Self::row(self.jsonl, &mut self.summary, &SUMMARY, &values)?;
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

/// One value of a row: null as an empty CSV cell or JSON `null`.
enum Cell<'a> {
    Text(Option<&'a str>),
    Int(Option<i64>),
    Num(f64),
}

impl Cell<'_> {
    /// Quoted only when it must be, as in the canonical CSV.
    fn csv(&self, out: &mut Vec<u8>) {
        match self {
            Cell::Text(Some(t)) => csv_cell(out, t.as_bytes()),
            Cell::Text(None) | Cell::Int(None) => {}
            Cell::Num(x) if !x.is_finite() => {}
            number => number.json(out),
        }
    }

    fn json(&self, out: &mut Vec<u8>) {
        match self {
            Cell::Text(Some(t)) => push_json_str(out, t),
            Cell::Int(Some(n)) => out.extend_from_slice(n.to_string().as_bytes()),
            Cell::Num(x) => match serde_json::Number::from_f64(*x) {
                Some(n) => out.extend_from_slice(n.to_string().as_bytes()),
                None => out.extend_from_slice(b"null"),
            },
            Cell::Text(None) | Cell::Int(None) => out.extend_from_slice(b"null"),
        }
    }
}
