//! The sessions engine: each checkin paired with its checkout, and the
//! licenses in use per server and feature over time. The vendor writers
//! take RLM's `cur_use` and handles and Sentinel's Numkeys and Keylife
//! from it; usage reports take the sessions.
//!
//! Pairing is by handle where the format has one (RLM server handles,
//! Sentinel client IDs), otherwise by server, daemon, feature, user, host
//! and count, oldest first. A server stop or start closes what that server
//! (or that vendor daemon) still had open. Memory holds the open sessions
//! only, whatever the length of the log.

use std::collections::VecDeque;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use crate::anon::tokens::FastMap;

use crate::dating::WallClock;
use crate::event::{Event, Kind, Time, is_license_server};

/// Who holds a session: what a checkin must repeat to match a checkout
/// when there is no handle. The fields are the events' fields.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub struct Holder {
    pub server: Option<Arc<str>>,
    pub daemon: Option<Arc<str>>,
    pub feature: Option<Arc<str>>,
    pub user: Option<Arc<str>>,
    pub host: Option<Arc<str>>,
    pub count: u64,
}

/// The same, as the engine keeps it: each name a number (0 for none), so
/// that an open session costs a few words whatever its names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Key {
    server: u32,
    daemon: u32,
    feature: u32,
    user: u32,
    host: u32,
    count: u64,
}

/// The fields packed into three words (one hasher call for each field
/// cost more than the lookup of an open session, on every usage line).
impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(u64::from(self.server) << 32 | u64::from(self.daemon));
        state.write_u64(u64::from(self.feature) << 32 | u64::from(self.user));
        state.write_u64(u64::from(self.host) << 32 ^ self.count);
    }
}

/// One shared copy of each name met, numbered from 1.
#[derive(Default)]
struct Names {
    ids: FastMap<Arc<str>, u32>,
    names: Vec<Arc<str>>,
    /// The last id of each field of a [`Key`]: consecutive events mostly
    /// share their server, daemon and feature, and comparing with the last
    /// one costs a fifth of a lookup.
    last: [u32; 5],
}

impl Names {
    fn id(&mut self, name: Option<&str>) -> u32 {
        let Some(name) = name else { return 0 };
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        self.add(name)
    }

    /// [`Names::id`], first trying the last id of field `slot`.
    fn id_at(&mut self, slot: usize, name: Option<&str>) -> u32 {
        let Some(name) = name else { return 0 };
        let last = self.last[slot];
        if last > 0 && *self.names[last as usize - 1] == *name {
            return last;
        }
        let id = self.id(Some(name));
        self.last[slot] = id;
        id
    }

    fn add(&mut self, name: &str) -> u32 {
        let n: Arc<str> = Arc::from(name);
        self.names.push(n.clone());
        let id = self.names.len() as u32;
        self.ids.insert(n, id);
        id
    }

    fn known(&self, name: Option<&str>) -> Option<u32> {
        match name {
            None => Some(0),
            Some(n) => self.ids.get(n).copied(),
        }
    }

    fn name(&self, id: u32) -> Option<Arc<str>> {
        id.checked_sub(1).map(|i| self.names[i as usize].clone())
    }

    fn key(&mut self, ev: &Event<'_>) -> Key {
        Key {
            server: self.id_at(0, ev.server),
            daemon: self.id_at(1, ev.daemon),
            feature: self.id_at(2, ev.feature),
            user: self.id_at(3, ev.user),
            host: self.id_at(4, ev.host),
            count: ev.count.unwrap_or(1),
        }
    }

    fn holder(&self, k: &Key) -> Holder {
        Holder {
            server: self.name(k.server),
            daemon: self.name(k.daemon),
            feature: self.name(k.feature),
            user: self.name(k.user),
            host: self.name(k.host),
            count: k.count,
        }
    }
}

/// An open session: what its close needs besides its holder.
#[derive(Clone, Debug)]
struct Open {
    id: u64,
    version: u32,
    handle: Option<Box<str>>,
    start: Option<Time>,
}

/// The open sessions of one holder, oldest first; most holders have one.
enum Queue {
    One(Open),
    Many(VecDeque<Open>),
}

impl Queue {
    fn push(&mut self, open: Open) {
        if let Queue::One(first) = self {
            let first = first.clone();
            *self = Queue::Many(VecDeque::from([first]));
        }
        if let Queue::Many(q) = self {
            q.push_back(open);
        }
    }

    /// The oldest, and whether any is left.
    fn pop(&mut self) -> (Option<Open>, bool) {
        match self {
            Queue::One(o) => (Some(o.clone()), false),
            Queue::Many(q) => {
                let o = q.pop_front();
                (o, !q.is_empty())
            }
        }
    }

    fn len(&self) -> usize {
        match self {
            Queue::One(_) => 1,
            Queue::Many(q) => q.len(),
        }
    }

    fn drain(self) -> Vec<Open> {
        match self {
            Queue::One(o) => vec![o],
            Queue::Many(q) => q.into(),
        }
    }
}

/// Why a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// Its checkin.
    Checkin,
    /// The server (or its vendor daemon) stopped.
    ServerStop,
    /// The server started again without a stop line before.
    ServerRestart,
    /// Still open when the log ended.
    Open,
    /// A checkout took its handle while it was open: the server lost its
    /// checkin, and it ends there.
    HandleReused,
}

impl End {
    /// A short name for messages and tables.
    pub fn name(self) -> &'static str {
        match self {
            End::Checkin => "checkin",
            End::ServerStop => "server_stop",
            End::ServerRestart => "server_restart",
            End::Open => "open",
            End::HandleReused => "handle_reused",
        }
    }
}

/// One license held from a checkout to its end.
#[derive(Clone, Debug)]
pub struct Session {
    /// 1, 2, … in checkout order: stable for the same input.
    pub id: u64,
    /// Who held it.
    pub holder: Holder,
    /// The feature version checked out.
    pub version: Option<Arc<str>>,
    /// The checkout's handle, where the format has one.
    pub handle: Option<String>,
    /// The checkout's time.
    pub start: Option<Time>,
    /// The time of the event that ended it; `None` while open.
    pub end: Option<Time>,
    /// What ended it.
    pub ended: End,
}

/// What one event did.
#[derive(Debug)]
pub enum Step {
    /// A checkout: its session id, the licenses of its server and feature
    /// in use after it, and the session whose handle it took, which ends
    /// there ([`End::HandleReused`]).
    #[allow(missing_docs)]
    Opened {
        id: u64,
        in_use: u64,
        ended: Option<Box<Session>>,
    },
    /// A checkin and the session it ended; `None` when its checkout came
    /// before the log began. `in_use` as for `Opened`.
    #[allow(missing_docs)]
    Closed {
        session: Option<Box<Session>>,
        in_use: u64,
    },
    /// A stop or start, and the sessions it ended.
    Ended(Vec<Session>),
    /// Any other event.
    Nothing,
}

type HandleKey = (u32, u32, Box<str>);

/// Seconds a log's time may go back without a warning: lines a server
/// writes from several threads are a few seconds out of order.
pub const BACKWARDS_TOLERANCE: i64 = 60;

fn is_session_kind(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Checkout | Kind::Checkin | Kind::Inuse | Kind::ServerStart | Kind::ServerStop
    )
}

/// The latest time of each server, and where time went back.
#[derive(Default)]
struct Clock {
    /// By server id (ids are dense: a vector, not a hash probe per event).
    latest: Vec<Option<i64>>,
    back: Vec<Back>,
    wall: WallClock,
}

/// Where a server's time went back, and by how much at most.
struct Back {
    server: u32,
    count: u64,
    largest: i64,
    source: String,
    line: u64,
}

impl Clock {
    fn saw(&mut self, server: u32, t: &Time, ev: &Event<'_>) {
        let Some(wall) = self.wall.seconds(t) else {
            return;
        };
        let at = wall - i64::from(t.offset.unwrap_or(0));
        let i = server as usize;
        if self.latest.len() <= i {
            self.latest.resize(i + 1, None);
        }
        let latest = self.latest[i].get_or_insert(at);
        let back = *latest - at;
        *latest = (*latest).max(at);
        if back <= BACKWARDS_TOLERANCE {
            return;
        }
        match self.back.iter_mut().find(|b| b.server == server) {
            Some(b) => {
                b.count += 1;
                if back > b.largest {
                    (b.largest, b.source, b.line) = (back, ev.source.to_string(), ev.line);
                }
            }
            None => self.back.push(Back {
                server,
                count: 1,
                largest: back,
                source: ev.source.to_string(),
                line: ev.line,
            }),
        }
    }
}

/// Pairs checkins with checkouts, event by event, and counts the licenses
/// in use per server and feature.
///
/// ```
/// use liclog::sessions::{Engine, Step};
/// use liclog::{Event, Format, Kind, Time};
///
/// let at = |kind, seconds| {
///     let mut ev = Event::new("lmgrd.log", 1, Format::Flexnet, kind, "");
///     (ev.server, ev.feature, ev.user) = (Some("lic01"), Some("MATLAB"), Some("alice"));
///     ev.time = Some(Time::of_day(seconds));
///     ev
/// };
/// let mut engine = Engine::default();
/// assert!(matches!(engine.step(&at(Kind::Checkout, 60)), Step::Opened { in_use: 1, .. }));
/// match engine.step(&at(Kind::Checkin, 3660)) {
///     Step::Closed { session: Some(s), in_use: 0 } => assert_eq!(s.start.unwrap().seconds, 60),
///     other => panic!("{other:?}"),
/// }
/// assert_eq!(engine.finish().count(), 0);
/// ```
#[derive(Default)]
pub struct Engine {
    /// Where time went backwards, per server.
    clock: Clock,
    names: Names,
    by_holder: FastMap<Key, Queue>,
    by_handle: FastMap<HandleKey, (Key, Open)>,
    /// Licenses in use per (server, feature).
    in_use: FastMap<(u32, u32), u64>,
    next_id: u64,
}

impl Engine {
    /// Takes the next event in log order, and says what it did.
    pub fn step(&mut self, ev: &Event<'_>) -> Step {
        if let Some(t) = ev.time.as_ref().filter(|_| is_session_kind(ev.kind)) {
            let server = self.names.id_at(0, ev.server);
            self.clock.saw(server, t, ev);
        }
        match ev.kind {
            Kind::Checkout => self.open(ev),
            // A license in use when the log (re)started: open unless its
            // handle is already (the repeat at the end of an RLM log).
            Kind::Inuse => match self.handle_key(ev) {
                Some(key) if self.by_handle.contains_key(&key) => Step::Nothing,
                _ => self.open(ev),
            },
            Kind::Checkin => self.close(ev),
            Kind::ServerStop => Step::Ended(self.end_server(ev, End::ServerStop)),
            Kind::ServerStart => Step::Ended(self.end_server(ev, End::ServerRestart)),
            _ => Step::Nothing,
        }
    }

    /// Warnings for each server whose events went back in time by more
    /// than [`BACKWARDS_TOLERANCE`] seconds: records out of order (an
    /// export newest first) or a clock set back pair the wrong sessions.
    pub fn time_warnings(&self) -> Vec<String> {
        self.clock
            .back
            .iter()
            .map(|b| {
                let server = self.names.name(b.server);
                format!(
                    "{}:{}: time goes back {} s here{} ({} event(s) of {} earlier than one before \
                     them): sessions are paired in log order, so their times and counts may be \
                     wrong; sort the records by time first",
                    b.source,
                    b.line,
                    b.largest,
                    if b.count > 1 {
                        ", the largest jump"
                    } else {
                        ""
                    },
                    b.count,
                    server
                        .as_deref()
                        .map_or("the server", |s| s.trim_start_matches(char::is_control))
                )
            })
            .collect()
    }

    /// Whether any server's time went back (see [`Engine::time_warnings`]).
    pub fn time_went_back(&self) -> bool {
        !self.clock.back.is_empty()
    }

    /// The licenses of `server` and `feature` in use now.
    pub fn in_use(&self, server: Option<&str>, feature: Option<&str>) -> u64 {
        match (self.names.known(server), self.names.known(feature)) {
            (Some(s), Some(f)) => self.in_use.get(&(s, f)).copied().unwrap_or(0),
            _ => 0,
        }
    }

    /// How many sessions are open.
    pub fn open_sessions(&self) -> usize {
        self.by_handle.len() + self.by_holder.values().map(Queue::len).sum::<usize>()
    }

    /// The sessions still open at the end of the log, in checkout order,
    /// made one at a time (a large log can end with most of its checkouts
    /// open).
    pub fn finish(mut self) -> impl Iterator<Item = Session> {
        let by_handle = std::mem::take(&mut self.by_handle);
        let by_holder = std::mem::take(&mut self.by_holder);
        let mut open: Vec<(Key, Open)> = by_handle
            .into_values()
            .chain(
                by_holder
                    .into_iter()
                    .flat_map(|(k, q)| q.drain().into_iter().map(move |o| (k, o))),
            )
            .collect();
        // Ids are unique; sorting the small pairs before making sessions
        // moves a third of the bytes.
        open.sort_unstable_by_key(|(_, o)| o.id);
        open.into_iter()
            .map(move |(k, o)| self.session(&k, o, None, End::Open))
    }

    fn session(&self, key: &Key, open: Open, end: Option<Time>, ended: End) -> Session {
        Session {
            id: open.id,
            holder: self.names.holder(key),
            version: self.names.name(open.version),
            handle: open.handle.map(String::from),
            start: open.start,
            end,
            ended,
        }
    }

    fn handle_key(&mut self, ev: &Event<'_>) -> Option<HandleKey> {
        let handle = ev.handle?;
        Some((
            self.names.id(ev.server),
            self.names.id(ev.daemon),
            handle.into(),
        ))
    }

    fn open(&mut self, ev: &Event<'_>) -> Step {
        self.next_id += 1;
        let key = self.names.key(ev);
        let open = Open {
            id: self.next_id,
            version: self.names.id(ev.version),
            handle: ev.handle.map(Box::from),
            start: ev.time,
        };
        let mut ended = None;
        if let Some(handle) = ev.handle {
            // A handle reused while still open: the server lost the
            // checkin; the older session ends here, and its licenses with it.
            let at = (key.server, key.daemon, handle.into());
            if let Some((old_key, old)) = self.by_handle.remove(&at) {
                self.add_use(&old_key, false);
                let session = self.session(&old_key, old, ev.time, End::HandleReused);
                ended = Some(Box::new(session));
            }
        }
        let in_use = self.add_use(&key, true);
        match ev.handle {
            Some(handle) => {
                let at = (key.server, key.daemon, handle.into());
                self.by_handle.insert(at, (key, open));
            }
            None => match self.by_holder.entry(key) {
                Entry::Occupied(mut queue) => queue.get_mut().push(open),
                Entry::Vacant(slot) => {
                    slot.insert(Queue::One(open));
                }
            },
        }
        Step::Opened {
            id: self.next_id,
            in_use,
            ended,
        }
    }

    fn close(&mut self, ev: &Event<'_>) -> Step {
        let by_handle = self.handle_key(ev).and_then(|k| self.by_handle.remove(&k));
        let found = by_handle.or_else(|| {
            let key = self.names.key(ev);
            let queue = self.by_holder.get_mut(&key)?;
            let (open, more) = queue.pop();
            if !more {
                self.by_holder.remove(&key);
            }
            open.map(|o| (key, o))
        });
        let Some((key, open)) = found else {
            let in_use = self.in_use(ev.server, ev.feature);
            return Step::Closed {
                session: None,
                in_use,
            };
        };
        let in_use = self.add_use(&key, false);
        let session = self.session(&key, open, ev.time, End::Checkin);
        Step::Closed {
            session: Some(Box::new(session)),
            in_use,
        }
    }

    /// Adds (or takes away) a session's licenses; the count after.
    fn add_use(&mut self, key: &Key, add: bool) -> u64 {
        let at = (key.server, key.feature);
        let n = self.in_use.entry(at).or_default();
        *n = if add {
            *n + key.count
        } else {
            n.saturating_sub(key.count)
        };
        let after = *n;
        if after == 0 {
            self.in_use.remove(&at);
        }
        after
    }

    /// Ends what `ev`'s server had open: all of it for the license server
    /// itself (lmgrd, or no daemon named), a vendor daemon's own otherwise.
    fn end_server(&mut self, ev: &Event<'_>, why: End) -> Vec<Session> {
        let (Some(server), daemon) = (
            self.names.known(ev.server),
            ev.daemon.filter(|d| !is_license_server(d)),
        ) else {
            return Vec::new();
        };
        let daemon = match daemon {
            Some(d) => match self.names.known(Some(d)) {
                Some(id) => Some(id),
                None => return Vec::new(),
            },
            None => None,
        };
        let ends = |k: &Key| k.server == server && daemon.is_none_or(|d| k.daemon == d);
        let mut ended: Vec<(Key, Open)> = Vec::new();
        self.by_handle.retain(|_, (k, o)| {
            let end = ends(k);
            if end {
                ended.push((*k, o.clone()));
            }
            !end
        });
        let keys: Vec<Key> = self.by_holder.keys().filter(|k| ends(k)).copied().collect();
        for k in keys {
            if let Some(q) = self.by_holder.remove(&k) {
                ended.extend(q.drain().into_iter().map(|o| (k, o)));
            }
        }
        ended.sort_by_key(|(_, o)| o.id);
        ended
            .into_iter()
            .map(|(k, o)| {
                self.add_use(&k, false);
                self.session(&k, o, ev.time, why)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Format;

    fn ev(kind: Kind, user: &str, handle: Option<&'static str>, seconds: u32) -> Event<'static> {
        let user: &'static str = Box::leak(user.to_string().into_boxed_str());
        let mut e = Event::new("t", 1, Format::Flexnet, kind, "");
        e.server = Some("lic1");
        e.daemon = Some("MLM");
        e.feature = Some("MATLAB");
        e.user = Some(user);
        e.host = Some("ws");
        e.handle = handle;
        e.time = Some(Time::of_day(seconds));
        e
    }

    #[test]
    fn checkins_pair_oldest_first_and_counts_follow() {
        let mut s = Engine::default();
        assert!(matches!(
            s.step(&ev(Kind::Checkout, "a", None, 1)),
            Step::Opened {
                id: 1,
                in_use: 1,
                ..
            }
        ));
        assert!(matches!(
            s.step(&ev(Kind::Checkout, "a", None, 2)),
            Step::Opened {
                id: 2,
                in_use: 2,
                ..
            }
        ));
        assert!(matches!(
            s.step(&ev(Kind::Checkout, "b", None, 3)),
            Step::Opened {
                id: 3,
                in_use: 3,
                ..
            }
        ));
        match s.step(&ev(Kind::Checkin, "a", None, 4)) {
            Step::Closed {
                session: Some(x),
                in_use: 2,
            } => {
                assert_eq!(
                    (x.id, x.start.unwrap().seconds, x.end.unwrap().seconds),
                    (1, 1, 4)
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            s.step(&ev(Kind::Checkin, "c", None, 5)),
            Step::Closed {
                session: None,
                in_use: 2
            }
        ));
        let mut stop = ev(Kind::ServerStop, "root", None, 6);
        stop.daemon = Some("lmgrd");
        match s.step(&stop) {
            Step::Ended(v) => {
                let ids: Vec<u64> = v.iter().map(|x| x.id).collect();
                assert_eq!(ids, [2, 3]);
                assert!(v.iter().all(|x| x.ended == End::ServerStop));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            (s.open_sessions(), s.in_use(Some("lic1"), Some("MATLAB"))),
            (0, 0)
        );
    }

    #[test]
    fn handles_pair_whatever_the_other_fields_say() {
        let mut s = Engine::default();
        s.step(&ev(Kind::Checkout, "a", Some("41"), 1));
        s.step(&ev(Kind::Inuse, "a", Some("41"), 1));
        let mut small = Event::new("t", 1, Format::RlmReport, Kind::Checkin, "");
        (small.server, small.daemon, small.handle) = (Some("lic1"), Some("MLM"), Some("41"));
        match s.step(&small) {
            Step::Closed {
                session: Some(x),
                in_use: 0,
            } => assert_eq!(x.holder.user.as_deref(), Some("a")),
            other => panic!("{other:?}"),
        }
        s.step(&ev(Kind::Checkout, "b", Some("42"), 2));
        let open: Vec<Session> = s.finish().collect();
        assert_eq!((open.len(), open[0].ended), (1, End::Open));
    }
}
