//! `liclog report`: sessions, licenses in use over time, and true denials,
//! from the same sessions engine the vendor writers use ([`crate::sessions`]).
//!
//! The report is an [`EventWriter`]: it takes events in input order (after
//! `--anonymize`, if asked) and keeps only what its tables need: the open
//! sessions (in the engine), one cell per server, feature and interval,
//! one per day, the denials inside the retry window, and per-feature
//! totals. Session rows go out as sessions end. Times are the log's wall
//! clock (its offset is not applied): one server's log is one clock.

pub mod html;
pub mod tables;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::io;

use crate::event::{Event, Kind, Time};
use crate::sessions::{End, Engine, Session, Step};
use crate::write::{Encoder, EventWriter};

pub use tables::Tables;

#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// Seconds in a `usage` interval.
    pub interval: i64,
    /// A denial followed within this many seconds by a checkout of the same
    /// feature by the same user and host is a retry, not a true denial.
    pub retry_window: i64,
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Only these features (all when empty).
    pub features: Vec<String>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            interval: 3600,
            retry_window: 60,
            since: None,
            until: None,
            features: Vec::new(),
        }
    }
}

/// Wall-clock seconds since 1970-01-01T00:00:00 of a dated time.
pub fn seconds_of(t: &Time) -> Option<i64> {
    let date = t.date?;
    let days = date.since(jiff::civil::date(1970, 1, 1)).ok()?.get_days();
    Some(i64::from(days) * 86_400 + i64::from(crate::event::plain_seconds(t.seconds)))
}

/// The ISO text of wall-clock seconds.
pub fn iso(seconds: i64) -> String {
    let day = jiff::civil::date(1970, 1, 1)
        .checked_add(jiff::Span::new().days(seconds.div_euclid(86_400)))
        .unwrap_or_default();
    let s = seconds.rem_euclid(86_400);
    format!("{day}T{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// Server and feature: the key of every per-feature figure.
pub type Feature = (String, String);

/// One (server, feature, interval) cell of the `usage` table.
#[derive(Clone, Debug, Default)]
pub struct Cell {
    pub max: u64,
    /// License-seconds in use.
    pub area: f64,
    pub users: HashSet<String>,
    pub denials: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Totals {
    pub sessions: u64,
    pub license_seconds: f64,
    pub peak: u64,
    pub peak_time: Option<i64>,
    pub users: HashSet<String>,
    pub denials: u64,
    pub true_denials: u64,
    /// The licensed count, from a product or feature record.
    pub licenses: Option<u64>,
}

/// Denials of one feature by one user, and how many were true.
#[derive(Clone, Debug, Default)]
pub struct DenialCount {
    pub denials: u64,
    pub true_denials: u64,
}

/// A denial waiting for the retry window to pass.
struct Pending {
    at: i64,
    key: (String, String, String, String),
}

/// What the report knows so far.
pub struct Report {
    options: ReportOptions,
    engine: Engine,
    tables: Tables,
    /// Licenses in use now, and since when, per feature.
    now: HashMap<Feature, (u64, i64)>,
    pub cells: BTreeMap<(Feature, i64), Cell>,
    /// Per feature and day: the peak and when it was first reached.
    pub days: BTreeMap<(Feature, i64), (u64, i64)>,
    pub totals: BTreeMap<Feature, Totals>,
    /// Per (server, feature, user): denials and true denials.
    pub denials: BTreeMap<(String, String, String), DenialCount>,
    /// Denials per day, all features.
    pub denials_per_day: BTreeMap<i64, u64>,
    /// License-seconds per weekday (Monday 0) and hour, all features.
    pub heat: [[f64; 24]; 7],
    /// License-seconds per user.
    pub user_seconds: HashMap<String, f64>,
    pending: VecDeque<Pending>,
    /// The latest time seen: open sessions end here.
    pub last: Option<i64>,
    /// Events without a date (no place on the time axis).
    pub undated: u64,
}

impl Report {
    pub fn new(options: ReportOptions, tables: Tables) -> Report {
        Report {
            options,
            engine: Engine::default(),
            tables,
            now: HashMap::new(),
            cells: BTreeMap::new(),
            days: BTreeMap::new(),
            totals: BTreeMap::new(),
            denials: BTreeMap::new(),
            denials_per_day: BTreeMap::new(),
            heat: [[0.0; 24]; 7],
            user_seconds: HashMap::new(),
            pending: VecDeque::new(),
            last: None,
            undated: 0,
        }
    }

    pub fn options(&self) -> &ReportOptions {
        &self.options
    }

    fn wanted(&self, ev: &Event<'_>, at: i64) -> bool {
        let in_range = self.options.since.is_none_or(|s| at >= s)
            && self.options.until.is_none_or(|u| at < u);
        let feature = ev
            .feature
            .is_none_or(|f| self.options.features.is_empty() || self.options.features.iter().any(|x| x == f));
        in_range && feature
    }

    fn feature_of(ev: &Event<'_>) -> Feature {
        (
            ev.server.unwrap_or("").to_string(),
            ev.feature.unwrap_or("").to_string(),
        )
    }

    fn step(&mut self, ev: &Event<'_>, at: i64) -> io::Result<()> {
        self.last = Some(self.last.map_or(at, |l| l.max(at)));
        self.settle_denials(at);
        match ev.kind {
            Kind::Product => {
                if let (Some(n), Some(_)) = (ev.count, ev.feature) {
                    self.totals.entry(Self::feature_of(ev)).or_default().licenses = Some(n);
                }
            }
            Kind::Denial | Kind::Unsupported => self.denial(ev, at),
            _ => {}
        }
        let step = self.engine.step(ev);
        match &step {
            Step::Opened { .. } => {
                let key = Self::feature_of(ev);
                let user = ev.user.unwrap_or("").to_string();
                let totals = self.totals.entry(key.clone()).or_default();
                totals.sessions += 1;
                totals.users.insert(user.clone());
                let bucket = self.bucket(at);
                self.cells.entry((key.clone(), bucket)).or_default().users.insert(user);
                self.retried(ev, at);
                self.moved(&key, at);
            }
            Step::Closed { session, .. } => {
                let key = Self::feature_of(ev);
                match session {
                    Some(s) => {
                        let key = (s.holder.server.as_deref().unwrap_or("").to_string(),
                                   s.holder.feature.as_deref().unwrap_or("").to_string());
                        self.ended(s, Some(at), End::Checkin)?;
                        self.moved(&key, at);
                    }
                    None => self.tables.unmatched(ev)?,
                }
                let _ = key;
            }
            Step::Ended(sessions) => {
                let mut keys = Vec::new();
                for s in sessions {
                    self.ended(s, Some(at), s.ended)?;
                    keys.push((
                        s.holder.server.as_deref().unwrap_or("").to_string(),
                        s.holder.feature.as_deref().unwrap_or("").to_string(),
                    ));
                }
                keys.sort();
                keys.dedup();
                for key in keys {
                    self.moved(&key, at);
                }
            }
            Step::Nothing => {}
        }
        Ok(())
    }

    fn bucket(&self, at: i64) -> i64 {
        at.div_euclid(self.options.interval) * self.options.interval
    }

    /// A session ended: its row, and its license-hours.
    fn ended(&mut self, s: &Session, end: Option<i64>, why: End) -> io::Result<()> {
        let start = s.start.as_ref().and_then(seconds_of);
        let end = end.or(self.last);
        if let (Some(a), Some(b)) = (start, end) {
            let held = (b - a).max(0) as f64 * s.holder.count as f64;
            let key = (
                s.holder.server.as_deref().unwrap_or("").to_string(),
                s.holder.feature.as_deref().unwrap_or("").to_string(),
            );
            self.totals.entry(key).or_default().license_seconds += held;
            *self
                .user_seconds
                .entry(s.holder.user.as_deref().unwrap_or("").to_string())
                .or_default() += held;
        }
        self.tables.session(s, start, end, why)
    }

    /// The licenses of `key` in use changed at `at`: integrate the time
    /// before at the old count, and note the new one.
    fn moved(&mut self, key: &Feature, at: i64) {
        let server = (!key.0.is_empty()).then_some(key.0.as_str());
        let feature = (!key.1.is_empty()).then_some(key.1.as_str());
        let count = self.engine.in_use(server, feature);
        let (before, since) = self.now.get(key).copied().unwrap_or((0, at));
        self.integrate(key, before, since, at);
        self.now.insert(key.clone(), (count, at));
        let bucket = self.bucket(at);
        let cell = self.cells.entry((key.clone(), bucket)).or_default();
        cell.max = cell.max.max(count);
        let day = at.div_euclid(86_400) * 86_400;
        let peak = self.days.entry((key.clone(), day)).or_insert((0, at));
        if count > peak.0 {
            *peak = (count, at);
        }
        let totals = self.totals.entry(key.clone()).or_default();
        if count > totals.peak {
            totals.peak = count;
            totals.peak_time = Some(at);
        }
    }

    /// `count` licenses held from `from` to `to`: into the interval cells
    /// and the weekday × hour heat map.
    fn integrate(&mut self, key: &Feature, count: u64, from: i64, to: i64) {
        if count == 0 || to <= from {
            return;
        }
        let mut t = from;
        while t < to {
            let bucket = self.bucket(t);
            let hour_end = (t.div_euclid(3600) + 1) * 3600;
            let end = to.min(bucket + self.options.interval).min(hour_end);
            let part = (end - t) as f64 * count as f64;
            let cell = self.cells.entry((key.clone(), bucket)).or_default();
            cell.area += part;
            cell.max = cell.max.max(count);
            // 1970-01-01 was a Thursday (3 with Monday 0).
            let day = t.div_euclid(86_400);
            let weekday = (day + 3).rem_euclid(7) as usize;
            let hour = (t.rem_euclid(86_400) / 3600) as usize;
            self.heat[weekday][hour] += part;
            t = end;
        }
    }

    fn denial(&mut self, ev: &Event<'_>, at: i64) {
        let key = Self::feature_of(ev);
        let user = ev.user.unwrap_or("").to_string();
        self.totals.entry(key.clone()).or_default().denials += 1;
        let bucket = self.bucket(at);
        self.cells.entry((key.clone(), bucket)).or_default().denials += 1;
        *self.denials_per_day.entry(at.div_euclid(86_400) * 86_400).or_default() += 1;
        let counts = self
            .denials
            .entry((key.0.clone(), key.1.clone(), user.clone()))
            .or_default();
        counts.denials += 1;
        // RLM says whether the client will try again: the last attempt is
        // true whatever follows, an earlier one never is.
        match ev.extra_text("last_attempt") {
            Some("1") => {
                counts.true_denials += 1;
                self.totals.entry(key).or_default().true_denials += 1;
            }
            Some(_) => {}
            None => self.pending.push_back(Pending {
                at,
                key: (key.0, key.1, user, ev.host.unwrap_or("").to_string()),
            }),
        }
    }

    /// A checkout retries the denials of its feature by its user and host
    /// within the window: they are not true denials.
    fn retried(&mut self, ev: &Event<'_>, at: i64) {
        let window = self.options.retry_window;
        self.pending.retain(|p| {
            !(p.key.1 == ev.feature.unwrap_or("")
                && p.key.0 == ev.server.unwrap_or("")
                && p.key.2 == ev.user.unwrap_or("")
                && p.key.3 == ev.host.unwrap_or("")
                && at - p.at <= window)
        });
    }

    /// Denials whose window has passed without a retry are true.
    fn settle_denials(&mut self, now: i64) {
        while let Some(p) = self.pending.front() {
            if now - p.at <= self.options.retry_window {
                break;
            }
            let p = self.pending.pop_front().expect("a front");
            self.count_true(p);
        }
    }

    fn count_true(&mut self, p: Pending) {
        let (server, feature, user, _) = p.key;
        let counts = self
            .denials
            .entry((server.clone(), feature.clone(), user))
            .or_default();
        counts.true_denials += 1;
        self.totals.entry((server, feature)).or_default().true_denials += 1;
    }

    /// Ends the report: open sessions, the last stretch of use, the
    /// denials still in their window, and the tables.
    pub fn end(mut self) -> io::Result<Finished> {
        let open = std::mem::take(&mut self.engine).finish();
        let last = self.last;
        for s in &open {
            self.ended(s, last, End::Open)?;
        }
        if let Some(last) = last {
            let now: Vec<(Feature, (u64, i64))> = self.now.iter().map(|(k, v)| (k.clone(), *v)).collect();
            for (key, (count, since)) in now {
                self.integrate(&key, count, since, last);
            }
        }
        while let Some(p) = self.pending.pop_front() {
            self.count_true(p);
        }
        let mut tables = std::mem::replace(&mut self.tables, Tables::none());
        tables.finish(&self)?;
        Ok(Finished {
            report: self,
            tables,
        })
    }
}

/// A report with everything counted and its tables written.
pub struct Finished {
    pub report: Report,
    pub tables: Tables,
}

impl EventWriter for Report {
    fn write(&mut self, ev: &Event<'_>) -> io::Result<()> {
        let Some(at) = ev.time.as_ref().and_then(seconds_of) else {
            if matches!(ev.kind, Kind::Checkout | Kind::Checkin | Kind::Denial) {
                self.undated += 1;
            }
            return Ok(());
        };
        if !self.wanted(ev, at) {
            return Ok(());
        }
        self.step(ev, at)
    }

    fn encoder(&self) -> Option<Box<dyn Encoder>> {
        None
    }

    fn write_encoded(&mut self, _bytes: &mut Vec<u8>) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}
