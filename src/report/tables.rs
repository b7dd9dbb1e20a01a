//! The report's tables, CSV (a header row, RFC 4180 quoting) or JSONL:
//! `sessions` as sessions end, then `usage`, `denials` and `summary`.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::{Report, iso};
use crate::event::Event;
use crate::sessions::{End, Session};

pub const SESSIONS: [&str; 11] = [
    "server", "daemon", "feature", "version", "user", "host", "count", "start", "end", "duration_s",
    "ended_by",
];
pub const USAGE: [&str; 9] = [
    "server", "feature", "interval_start", "max_in_use", "mean_in_use", "distinct_users", "denials",
    "day_peak", "day_peak_time",
];
pub const DENIALS: [&str; 5] = ["server", "feature", "user", "denials", "true_denials"];
pub const SUMMARY: [&str; 10] = [
    "server", "feature", "sessions", "license_hours", "peak", "peak_time", "distinct_users",
    "denials", "true_denials", "licenses",
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

    fn row(jsonl: bool, sink: &mut Sink, columns: &[&str], values: Vec<Value>) -> io::Result<()> {
        let Some(w) = sink else { return Ok(()) };
        let mut line = String::new();
        if jsonl {
            let object: serde_json::Map<String, Value> = columns
                .iter()
                .map(|c| c.to_string())
                .zip(values)
                .collect();
            line = Value::Object(object).to_string();
        } else {
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    line.push(',');
                }
                line.push_str(&csv_cell(v));
            }
        }
        line.push('\n');
        w.write_all(line.as_bytes())
    }

    pub fn session(&mut self, s: &Session, start: Option<i64>, end: Option<i64>, why: End) -> io::Result<()> {
        self.start()?;
        let h = &s.holder;
        let ended_by = match why {
            End::Checkin => "checkin",
            End::ServerStop | End::ServerRestart => "server_stop",
            End::Open => "open_at_end",
        };
        let duration = start.zip(end).map(|(a, b)| b - a);
        let values = vec![
            json!(h.server.as_deref()),
            json!(h.daemon.as_deref()),
            json!(h.feature.as_deref()),
            json!(s.version.as_deref()),
            json!(h.user.as_deref()),
            json!(h.host.as_deref()),
            json!(h.count),
            json!(start.map(iso)),
            json!(end.filter(|_| why != End::Open).map(iso)),
            json!(duration.filter(|_| why != End::Open)),
            json!(ended_by),
        ];
        Self::row(self.jsonl, &mut self.sessions, &SESSIONS, values)
    }

    /// A checkin whose checkout is not in the log.
    pub fn unmatched(&mut self, ev: &Event<'_>) -> io::Result<()> {
        self.start()?;
        let end = ev.time.as_ref().and_then(super::seconds_of);
        let values = vec![
            json!(ev.server),
            json!(ev.daemon),
            json!(ev.feature),
            json!(ev.version),
            json!(ev.user),
            json!(ev.host),
            json!(ev.count.unwrap_or(1)),
            Value::Null,
            json!(end.map(iso)),
            Value::Null,
            json!("unmatched_checkin"),
        ];
        Self::row(self.jsonl, &mut self.sessions, &SESSIONS, values)
    }

    /// The tables written at the end, and every writer flushed.
    pub fn finish(&mut self, r: &Report) -> io::Result<()> {
        self.start()?;
        let interval = r.options().interval as f64;
        for ((key, bucket), cell) in &r.cells {
            let day = bucket.div_euclid(86_400) * 86_400;
            let peak = r.days.get(&(key.clone(), day));
            let values = vec![
                json!(key.0),
                json!(key.1),
                json!(iso(*bucket)),
                json!(cell.max),
                json!(round3(cell.area / interval)),
                json!(cell.users.len()),
                json!(cell.denials),
                json!(peak.map(|p| p.0)),
                json!(peak.map(|p| iso(p.1))),
            ];
            Self::row(self.jsonl, &mut self.usage, &USAGE, values)?;
        }
        for ((server, feature, user), d) in &r.denials {
            let values = vec![json!(server), json!(feature), json!(user), json!(d.denials), json!(d.true_denials)];
            Self::row(self.jsonl, &mut self.denials, &DENIALS, values)?;
        }
        for ((server, feature), t) in &r.totals {
            let values = vec![
                json!(server),
                json!(feature),
                json!(t.sessions),
                json!(round3(t.license_seconds / 3600.0)),
                json!(t.peak),
                json!(t.peak_time.map(iso)),
                json!(t.users.len()),
                json!(t.denials),
                json!(t.true_denials),
                json!(t.licenses),
            ];
            Self::row(self.jsonl, &mut self.summary, &SUMMARY, values)?;
        }
        for w in [&mut self.sessions, &mut self.usage, &mut self.denials, &mut self.summary]
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

/// A CSV cell: empty for null, quoted when it holds a comma, a quote or a
/// line break.
fn csv_cell(v: &Value) -> String {
    let text = match v {
        Value::Null => return String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}
