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

use std::collections::{BTreeMap, HashSet, VecDeque};

use crate::anon::tokens::FastMap as HashMap;
use std::io;

use crate::dating::WallClock;
use crate::event::{Event, Kind, Time};
use crate::sessions::{End, Engine, Session, Step};
use crate::write::EventWriter;

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
    WallClock::default().seconds(t)
}

/// The ISO text of wall-clock seconds.
pub fn iso(seconds: i64) -> String {
    let day = jiff::civil::date(1970, 1, 1)
        .checked_add(jiff::Span::new().days(seconds.div_euclid(86_400)))
        .unwrap_or_default();
    let s = seconds.rem_euclid(86_400);
    format!("{day}T{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// The server name a report shows: none for an input that names no
/// server anywhere (inside the report such an input is a server of its own,
/// keyed by [`UNNAMED`] and its path, so that its sessions are paired and
/// ended within it).
pub fn shown(server: &str) -> Option<&str> {
    (!server.is_empty() && !server.starts_with(UNNAMED)).then_some(server)
}

/// What starts the key of an input without a server name.
pub const UNNAMED: char = '\u{1}';

/// Server and feature: the key of every per-feature figure.
pub type Feature = (String, String);

/// Names numbered as they are met, so that the hot path compares and
/// hashes numbers, not strings (a third of the run went to string keys).
#[derive(Default)]
pub struct Ids {
    /// server -> feature -> id
    features: HashMap<String, HashMap<String, u32>>,
    pub feature_names: Vec<Feature>,
    users: HashMap<String, u32>,
    pub user_names: Vec<String>,
    /// The last feature id met: most events share the one before's.
    last_feature: Option<u32>,
}

impl Ids {
    fn feature(&mut self, server: &str, feature: &str) -> u32 {
        if let Some(id) = self.last_feature {
            let (s, f) = &self.feature_names[id as usize];
            if s == server && f == feature {
                return id;
            }
        }
        if let Some(&id) = self.features.get(server).and_then(|f| f.get(feature)) {
            self.last_feature = Some(id);
            return id;
        }
        let id = self.feature_names.len() as u32;
        self.feature_names
            .push((server.to_string(), feature.to_string()));
        self.features
            .entry(server.to_string())
            .or_default()
            .insert(feature.to_string(), id);
        self.last_feature = Some(id);
        id
    }

    fn user(&mut self, user: &str) -> u32 {
        if let Some(&id) = self.users.get(user) {
            return id;
        }
        let id = self.user_names.len() as u32;
        self.user_names.push(user.to_string());
        self.users.insert(user.to_string(), id);
        id
    }
}

/// The most `usage` cells (rows) a report holds: about 200 bytes each, so
/// the table stays under half a gigabyte whatever the span and interval.
pub const MAX_CELLS: usize = 1_000_000;

/// A report whose `usage` table would pass [`MAX_CELLS`].
#[derive(Debug)]
pub struct TooLarge {
    pub interval: i64,
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the usage table would pass {MAX_CELLS} rows (features × the logs' span ÷ an \
             interval of {} s): pass a longer --interval, or --since/--until, or --feature",
            self.interval
        )
    }
}

impl std::error::Error for TooLarge {}

/// One (server, feature, interval) cell of the `usage` table.
#[derive(Clone, Debug, Default)]
pub struct Cell {
    pub max: u64,
    /// License-seconds in use.
    pub area: f64,
    pub users: HashSet<u32>,
    pub denials: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Totals {
    pub sessions: u64,
    pub license_seconds: f64,
    pub peak: u64,
    pub peak_time: Option<i64>,
    pub users: HashSet<u32>,
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
    feature: u32,
    user: u32,
    host: String,
}

/// What the report knows so far.
pub struct Report {
    options: ReportOptions,
    engine: Engine,
    tables: Tables,
    pub ids: Ids,
    /// Licenses in use now, and since when, per feature id.
    now: Vec<(u64, i64)>,
    /// Per (feature id, interval start).
    pub cells: HashMap<(u32, i64), Cell>,
    /// Per feature id and day: the peak and when it was first reached.
    pub days: HashMap<(u32, i64), (u64, i64)>,
    /// Per feature id.
    pub totals: Vec<Totals>,
    /// Per (feature id, user id): denials and true denials.
    pub denials: HashMap<(u32, u32), DenialCount>,
    /// Denials per day, all features.
    pub denials_per_day: BTreeMap<i64, u64>,
    /// License-seconds per weekday (Monday 0) and hour, all features.
    pub heat: [[f64; 24]; 7],
    /// License-seconds per user id.
    pub user_seconds: HashMap<u32, f64>,
    pending: VecDeque<Pending>,
    /// The latest time seen.
    pub last: Option<i64>,
    /// The latest time seen per server name: its sessions still open at
    /// the end of the input end there, not at another server's last line.
    server_last: Vec<(String, i64)>,
    /// The index in `server_last` of the last event's server.
    last_server: usize,
    /// Events without a date (no place on the time axis).
    pub undated: u64,
    /// Every event written in, whether counted or not.
    pub events: u64,
    /// Where a server's time went backwards (set at the end).
    pub time_warnings: Vec<String>,
    /// The last input without a server name, and its key.
    unnamed: (String, std::sync::Arc<str>),
    /// Wall-clock seconds of the events' times.
    clock: WallClock,
}

impl Report {
    pub fn new(options: ReportOptions, tables: Tables) -> Report {
        Report {
            options,
            engine: Engine::default(),
            tables,
            ids: Ids::default(),
            now: Vec::new(),
            cells: HashMap::default(),
            days: HashMap::default(),
            totals: Vec::new(),
            denials: HashMap::default(),
            denials_per_day: BTreeMap::new(),
            heat: [[0.0; 24]; 7],
            user_seconds: HashMap::default(),
            pending: VecDeque::new(),
            last: None,
            server_last: Vec::new(),
            last_server: 0,
            undated: 0,
            events: 0,
            unnamed: (String::new(), "".into()),
            time_warnings: Vec::new(),
            clock: WallClock::default(),
        }
    }

    /// Wall-clock seconds of a dated time ([`seconds_of`], with the day
    /// number of the last date kept).
    fn seconds(&mut self, t: &Time) -> Option<i64> {
        self.clock.seconds(t)
    }

    fn totals(&mut self, id: u32) -> &mut Totals {
        let i = id as usize;
        if self.totals.len() <= i {
            self.totals.resize_with(i + 1, Totals::default);
        }
        &mut self.totals[i]
    }

    fn id_of(&mut self, server: Option<&str>, feature: Option<&str>) -> u32 {
        self.ids
            .feature(server.unwrap_or(""), feature.unwrap_or(""))
    }

    /// Whether a server's time went back so far (records out of order).
    pub fn time_went_back(&self) -> bool {
        self.engine.time_went_back()
    }

    pub fn options(&self) -> &ReportOptions {
        &self.options
    }

    fn wanted(&self, ev: &Event<'_>, at: i64) -> bool {
        let in_range =
            self.options.since.is_none_or(|s| at >= s) && self.options.until.is_none_or(|u| at < u);
        let feature = ev.feature.is_none_or(|f| {
            self.options.features.is_empty() || self.options.features.iter().any(|x| x == f)
        });
        in_range && feature
    }

    fn step(&mut self, ev: &Event<'_>, at: i64) -> io::Result<()> {
        self.last = Some(self.last.map_or(at, |l| l.max(at)));
        self.saw_server(ev.server.unwrap_or(""), at);
        self.settle_denials(at);
        match ev.kind {
            Kind::Product => {
                if let (Some(n), Some(_)) = (ev.count, ev.feature) {
                    let id = self.id_of(ev.server, ev.feature);
                    self.totals(id).licenses = Some(n);
                }
            }
            Kind::Denial | Kind::Unsupported => self.denial(ev, at),
            _ => {}
        }
        match self.engine.step(ev) {
            Step::Opened { in_use, ended, .. } => {
                if let Some(s) = ended {
                    let old = self.id_of(s.holder.server.as_deref(), s.holder.feature.as_deref());
                    self.ended(&s, old, Some(at), s.ended)?;
                    let (server, feature) =
                        (s.holder.server.as_deref(), s.holder.feature.as_deref());
                    let in_use = self.engine.in_use(server, feature);
                    self.moved(old, at, in_use);
                }
                let id = self.id_of(ev.server, ev.feature);
                let user = self.ids.user(ev.user.unwrap_or(""));
                let totals = self.totals(id);
                totals.sessions += 1;
                totals.users.insert(user);
                let bucket = self.bucket(at);
                self.cells
                    .entry((id, bucket))
                    .or_default()
                    .users
                    .insert(user);
                self.retried(ev, id, user, at);
                self.moved(id, at, in_use);
            }
            Step::Closed {
                session: Some(s),
                in_use,
            } => {
                let id = self.id_of(s.holder.server.as_deref(), s.holder.feature.as_deref());
                self.ended(&s, id, Some(at), End::Checkin)?;
                self.moved(id, at, in_use);
            }
            Step::Closed { session: None, .. } => self.tables.unmatched(ev, at)?,
            Step::Ended(sessions) => {
                let mut ids = Vec::new();
                for s in &sessions {
                    let id = self.id_of(s.holder.server.as_deref(), s.holder.feature.as_deref());
                    self.ended(s, id, Some(at), s.ended)?;
                    ids.push(id);
                }
                ids.sort_unstable();
                ids.dedup();
                for id in ids {
                    let (server, feature) = &self.ids.feature_names[id as usize];
                    let server = (!server.is_empty()).then_some(server.as_str());
                    let feature = (!feature.is_empty()).then_some(feature.as_str());
                    let in_use = self.engine.in_use(server, feature);
                    self.moved(id, at, in_use);
                }
            }
            Step::Nothing => {}
        }
        Ok(())
    }

    fn saw_server(&mut self, server: &str, at: i64) {
        let i = match self.server_last.get(self.last_server) {
            Some((name, _)) if name == server => self.last_server,
            _ => match self.server_last.iter().position(|(name, _)| name == server) {
                Some(i) => i,
                None => {
                    self.server_last.push((server.to_string(), at));
                    self.server_last.len() - 1
                }
            },
        };
        self.last_server = i;
        let last = &mut self.server_last[i].1;
        *last = (*last).max(at);
    }

    /// Where `server`'s log ends: its last time, else the last of all.
    fn end_of(&self, server: &str) -> Option<i64> {
        self.server_last
            .iter()
            .find(|(name, _)| name == server)
            .map(|(_, at)| *at)
            .or(self.last)
    }

    fn bucket(&self, at: i64) -> i64 {
        at.div_euclid(self.options.interval) * self.options.interval
    }

    /// A session of feature `id` ended: its row, and its license-hours.
    fn ended(&mut self, s: &Session, id: u32, end: Option<i64>, why: End) -> io::Result<()> {
        let start = s.start.as_ref().and_then(|t| self.seconds(t));
        let end = end.or_else(|| self.end_of(s.holder.server.as_deref().unwrap_or("")));
        if let (Some(a), Some(b)) = (start, end) {
            let held = (b - a).max(0) as f64 * s.holder.count as f64;
            self.totals(id).license_seconds += held;
            let user = self.ids.user(s.holder.user.as_deref().unwrap_or(""));
            *self.user_seconds.entry(user).or_default() += held;
        }
        self.tables.session(s, start, end, why)
    }

    /// The licenses of feature `id` in use changed to `count` at `at`:
    /// integrate the time before at the old count, and note the new one.
    fn moved(&mut self, id: u32, at: i64, count: u64) {
        let i = id as usize;
        if self.now.len() <= i {
            self.now.resize(i + 1, (0, i64::MIN));
        }
        let (before, since) = self.now[i];
        self.integrate(id, before, since, at);
        self.now[i] = (count, at);
        let bucket = self.bucket(at);
        let cell = self.cells.entry((id, bucket)).or_default();
        cell.max = cell.max.max(count);
        let day = at.div_euclid(86_400) * 86_400;
        let peak = self.days.entry((id, day)).or_insert((0, at));
        if count > peak.0 {
            *peak = (count, at);
        }
        let totals = self.totals(id);
        if count > totals.peak {
            totals.peak = count;
            totals.peak_time = Some(at);
        }
    }

    /// `count` licenses held from `from` to `to`: into the interval cells
    /// and the weekday × hour heat map.
    fn integrate(&mut self, id: u32, count: u64, from: i64, to: i64) {
        if count == 0 || to <= from {
            return;
        }
        let mut t = from;
        while t < to && self.cells.len() <= MAX_CELLS {
            let bucket = self.bucket(t);
            let hour_end = (t.div_euclid(3600) + 1) * 3600;
            let end = to.min(bucket + self.options.interval).min(hour_end);
            let part = (end - t) as f64 * count as f64;
            let cell = self.cells.entry((id, bucket)).or_default();
            cell.area += part;
            cell.max = cell.max.max(count);
            // 1970-01-01 was a Thursday (3 with Monday 0).
            let day = t.div_euclid(86_400);
            let weekday = (day + 3).rem_euclid(7) as usize;
            let hour = (t.rem_euclid(86_400) / 3600) as usize;
            self.heat[weekday][hour] += part;
            if t > from && t.rem_euclid(86_400) == 0 {
                // Held across midnight: the new day's use starts at `count`.
                let peak = self.days.entry((id, t)).or_insert((0, t));
                if count > peak.0 {
                    *peak = (count, t);
                }
            }
            t = end;
        }
    }

    fn denial(&mut self, ev: &Event<'_>, at: i64) {
        let id = self.id_of(ev.server, ev.feature);
        let user = self.ids.user(ev.user.unwrap_or(""));
        self.totals(id).denials += 1;
        let bucket = self.bucket(at);
        self.cells.entry((id, bucket)).or_default().denials += 1;
        *self
            .denials_per_day
            .entry(at.div_euclid(86_400) * 86_400)
            .or_default() += 1;
        self.denials.entry((id, user)).or_default().denials += 1;
        // RLM says whether the client will try again: the last attempt is
        // true whatever follows, an earlier one never is.
        match ev.extra_text("last_attempt") {
            Some("1") => self.count_true(id, user),
            Some(_) => {}
            None => self.pending.push_back(Pending {
                at,
                feature: id,
                user,
                host: ev.host.unwrap_or("").to_string(),
            }),
        }
    }

    /// A checkout retries the denials of its feature by its user and host
    /// within the window: they are not true denials.
    fn retried(&mut self, ev: &Event<'_>, feature: u32, user: u32, at: i64) {
        if self.pending.is_empty() {
            return;
        }
        let window = self.options.retry_window;
        let host = ev.host.unwrap_or("");
        self.pending.retain(|p| {
            !(p.feature == feature && p.user == user && p.host == host && at - p.at <= window)
        });
    }

    /// Denials whose window has passed without a retry are true.
    fn settle_denials(&mut self, now: i64) {
        while let Some(p) = self.pending.front() {
            if now - p.at <= self.options.retry_window {
                break;
            }
            let p = self.pending.pop_front().expect("a front");
            self.count_true(p.feature, p.user);
        }
    }

    fn count_true(&mut self, feature: u32, user: u32) {
        self.denials
            .entry((feature, user))
            .or_default()
            .true_denials += 1;
        self.totals(feature).true_denials += 1;
    }

    /// Ends the report: open sessions, the last stretch of use, the
    /// denials still in their window, and the tables.
    pub fn end(mut self) -> io::Result<Finished> {
        self.time_warnings = self.engine.time_warnings();
        for s in std::mem::take(&mut self.engine).finish() {
            let id = self.id_of(s.holder.server.as_deref(), s.holder.feature.as_deref());
            self.ended(&s, id, None, End::Open)?;
        }
        for (id, (count, since)) in std::mem::take(&mut self.now).into_iter().enumerate() {
            let server = &self.ids.feature_names[id].0;
            if let Some(last) = self.end_of(server) {
                self.integrate(id as u32, count, since, last);
            }
        }
        while let Some(p) = self.pending.pop_front() {
            self.count_true(p.feature, p.user);
        }
        if self.cells.len() > MAX_CELLS {
            let interval = self.options.interval;
            return Err(io::Error::other(TooLarge { interval }));
        }
        let mut tables = std::mem::replace(&mut self.tables, Tables::none());
        tables.finish(&self)?;
        Ok(Finished {
            report: self,
            tables,
        })
    }
}

/// Sorted, named views of what was counted, for the tables and the HTML.
impl Report {
    pub fn feature_name(&self, id: u32) -> &Feature {
        &self.ids.feature_names[id as usize]
    }

    /// Feature ids in the order of their names.
    pub fn features(&self) -> Vec<u32> {
        let mut ids: Vec<u32> = (0..self.ids.feature_names.len() as u32).collect();
        ids.sort_by(|a, b| self.feature_name(*a).cmp(self.feature_name(*b)));
        ids
    }

    /// (feature id, totals), by name; features with nothing counted left out.
    pub fn sorted_totals(&self) -> Vec<(u32, &Totals)> {
        self.features()
            .into_iter()
            .filter_map(|id| self.totals.get(id as usize).map(|t| (id, t)))
            .filter(|(_, t)| t.sessions + t.denials > 0 || t.licenses.is_some() || t.peak > 0)
            .collect()
    }

    /// (feature id, interval start, cell), by feature name and time.
    pub fn sorted_cells(&self) -> Vec<(u32, i64, &Cell)> {
        let rank: HashMap<u32, usize> = self
            .features()
            .into_iter()
            .enumerate()
            .map(|(i, id)| (id, i))
            .collect();
        let mut cells: Vec<(u32, i64, &Cell)> =
            self.cells.iter().map(|((id, b), c)| (*id, *b, c)).collect();
        cells.sort_by_key(|(id, b, _)| (rank[id], *b));
        cells
    }

    /// (day, peak, when) of one feature, by day.
    pub fn days_of(&self, id: u32) -> Vec<(i64, u64, i64)> {
        let mut days: Vec<(i64, u64, i64)> = self
            .days
            .iter()
            .filter(|((f, _), _)| *f == id)
            .map(|((_, d), (p, at))| (*d, *p, *at))
            .collect();
        days.sort_unstable();
        days
    }

    /// (feature id, user, counts), by feature and user name.
    pub fn sorted_denials(&self) -> Vec<(u32, &str, &DenialCount)> {
        let mut rows: Vec<(u32, &str, &DenialCount)> = self
            .denials
            .iter()
            .map(|((f, u), d)| (*f, self.ids.user_names[*u as usize].as_str(), d))
            .collect();
        rows.sort_by(|a, b| {
            self.feature_name(a.0)
                .cmp(self.feature_name(b.0))
                .then(a.1.cmp(b.1))
        });
        rows
    }

    /// (user, license-seconds), most first.
    pub fn top_users(&self, n: usize) -> Vec<(&str, f64)> {
        let mut users: Vec<(&str, f64)> = self
            .user_seconds
            .iter()
            .map(|(u, s)| (self.ids.user_names[*u as usize].as_str(), *s))
            .collect();
        users.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        users.truncate(n);
        users
    }
}

/// A report with everything counted and its tables written.
pub struct Finished {
    pub report: Report,
    pub tables: Tables,
}

impl EventWriter for Report {
    fn write(&mut self, ev: &Event<'_>) -> io::Result<()> {
        self.events += 1;
        let (key, keyed);
        let ev = match ev.server {
            Some(_) => ev,
            None => {
                if self.unnamed.0 != ev.source {
                    let name = format!("{UNNAMED}{}", ev.source);
                    self.unnamed = (ev.source.to_string(), name.into());
                }
                key = self.unnamed.1.clone();
                let mut e = ev.clone();
                e.server = Some(&key);
                keyed = e;
                &keyed
            }
        };
        if self.cells.len() > MAX_CELLS {
            let interval = self.options.interval;
            return Err(io::Error::other(TooLarge { interval }));
        }
        let Some(at) = ev.time.as_ref().and_then(|t| self.seconds(t)) else {
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
}
