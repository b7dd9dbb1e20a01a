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

use std::collections::{HashMap, VecDeque};

use crate::event::{Event, Kind, Time};

/// Who holds a license: what a checkin must repeat to match a checkout
/// when there is no handle.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Holder {
    pub server: Option<String>,
    pub daemon: Option<String>,
    pub feature: Option<String>,
    pub user: Option<String>,
    pub host: Option<String>,
    pub count: u64,
}

impl Holder {
    fn of(ev: &Event<'_>) -> Holder {
        let own = |s: Option<&str>| s.map(str::to_string);
        Holder {
            server: own(ev.server),
            daemon: own(ev.daemon),
            feature: own(ev.feature),
            user: own(ev.user),
            host: own(ev.host),
            count: ev.count.unwrap_or(1),
        }
    }
}

/// Why a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Checkin,
    /// The server (or its vendor daemon) stopped.
    ServerStop,
    /// The server started again without a stop line before.
    ServerRestart,
    /// Still open when the log ended.
    Open,
}

impl End {
    pub fn name(self) -> &'static str {
        match self {
            End::Checkin => "checkin",
            End::ServerStop => "server_stop",
            End::ServerRestart => "server_restart",
            End::Open => "open",
        }
    }
}

/// One license held from a checkout to its end.
#[derive(Clone, Debug)]
pub struct Session {
    /// 1, 2, … in checkout order: stable for the same input.
    pub id: u64,
    pub holder: Holder,
    pub version: Option<String>,
    /// The checkout's handle, where the format has one.
    pub handle: Option<String>,
    pub start: Option<Time>,
    pub end: Option<Time>,
    pub ended: End,
}

/// What one event did.
#[derive(Debug)]
pub enum Step {
    /// A checkout: its session, and the licenses of its server and feature
    /// in use after it.
    Opened { id: u64, in_use: u64 },
    /// A checkin and the session it ended; `None` when its checkout came
    /// before the log began.
    Closed {
        session: Option<Box<Session>>,
        in_use: u64,
    },
    /// A stop or start, and the sessions it ended.
    Ended(Vec<Session>),
    /// Any other event.
    Nothing,
}

#[derive(Default)]
pub struct Engine {
    by_holder: HashMap<Holder, VecDeque<Session>>,
    by_handle: HashMap<(Option<String>, Option<String>, String), Session>,
    in_use: HashMap<(Option<String>, Option<String>), u64>,
    next_id: u64,
}

impl Engine {
    pub fn step(&mut self, ev: &Event<'_>) -> Step {
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

    /// The licenses of `server` and `feature` in use now.
    pub fn in_use(&self, server: Option<&str>, feature: Option<&str>) -> u64 {
        let key = (server.map(str::to_string), feature.map(str::to_string));
        self.in_use.get(&key).copied().unwrap_or(0)
    }

    /// How many sessions are open.
    pub fn open_sessions(&self) -> usize {
        self.by_handle.len() + self.by_holder.values().map(VecDeque::len).sum::<usize>()
    }

    /// The sessions still open at the end of the log, in checkout order.
    pub fn finish(self) -> Vec<Session> {
        let mut open: Vec<Session> = self
            .by_handle
            .into_values()
            .chain(self.by_holder.into_values().flatten())
            .map(|mut s| {
                s.ended = End::Open;
                s
            })
            .collect();
        open.sort_by_key(|s| s.id);
        open
    }

    fn handle_key(&self, ev: &Event<'_>) -> Option<(Option<String>, Option<String>, String)> {
        let handle = ev.handle?;
        Some((
            ev.server.map(str::to_string),
            ev.daemon.map(str::to_string),
            handle.to_string(),
        ))
    }

    fn open(&mut self, ev: &Event<'_>) -> Step {
        self.next_id += 1;
        let session = Session {
            id: self.next_id,
            holder: Holder::of(ev),
            version: ev.version.map(str::to_string),
            handle: ev.handle.map(str::to_string),
            start: ev.time,
            end: None,
            ended: End::Open,
        };
        let in_use = self.add_use(&session.holder, true);
        let id = session.id;
        match self.handle_key(ev) {
            // A handle reused while still open: the server lost the
            // checkin; the older session ends there.
            Some(key) => {
                self.by_handle.insert(key, session);
            }
            None => self
                .by_holder
                .entry(session.holder.clone())
                .or_default()
                .push_back(session),
        }
        Step::Opened { id, in_use }
    }

    fn close(&mut self, ev: &Event<'_>) -> Step {
        let by_handle = self.handle_key(ev).and_then(|k| self.by_handle.remove(&k));
        let session = by_handle.or_else(|| {
            let holder = Holder::of(ev);
            let queue = self.by_holder.get_mut(&holder)?;
            let s = queue.pop_front();
            if queue.is_empty() {
                self.by_holder.remove(&holder);
            }
            s
        });
        let in_use = match &session {
            Some(s) => self.add_use(&s.holder, false),
            None => self.in_use(ev.server, ev.feature),
        };
        let session = session.map(|mut s| {
            s.end = ev.time;
            s.ended = End::Checkin;
            Box::new(s)
        });
        Step::Closed { session, in_use }
    }

    /// Adds (or takes away) a session's licenses; the count after.
    fn add_use(&mut self, holder: &Holder, add: bool) -> u64 {
        let key = (holder.server.clone(), holder.feature.clone());
        let n = self.in_use.entry(key.clone()).or_default();
        *n = if add {
            *n + holder.count
        } else {
            n.saturating_sub(holder.count)
        };
        let after = *n;
        if after == 0 {
            self.in_use.remove(&key);
        }
        after
    }

    /// Ends what `ev`'s server had open: all of it for the license server
    /// itself (lmgrd, or no daemon named), a vendor daemon's own otherwise.
    fn end_server(&mut self, ev: &Event<'_>, why: End) -> Vec<Session> {
        let server = ev.server;
        let daemon = ev.daemon.filter(|d| *d != "lmgrd" && *d != "rlm");
        let ends = |h: &Holder| {
            h.server.as_deref() == server && daemon.is_none_or(|d| h.daemon.as_deref() == Some(d))
        };
        let mut ended = Vec::new();
        self.by_handle.retain(|_, s| {
            let end = ends(&s.holder);
            if end {
                ended.push(s.clone());
            }
            !end
        });
        self.by_holder.retain(|h, queue| {
            let end = ends(h);
            if end {
                ended.extend(queue.drain(..));
            }
            !end
        });
        ended.sort_by_key(|s| s.id);
        for s in &mut ended {
            s.end = ev.time;
            s.ended = why;
        }
        for s in &ended {
            self.add_use(&s.holder.clone(), false);
        }
        ended
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
            Step::Opened { id: 1, in_use: 1 }
        ));
        assert!(matches!(
            s.step(&ev(Kind::Checkout, "a", None, 2)),
            Step::Opened { id: 2, in_use: 2 }
        ));
        assert!(matches!(
            s.step(&ev(Kind::Checkout, "b", None, 3)),
            Step::Opened { id: 3, in_use: 3 }
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
        let open = s.finish();
        assert_eq!((open.len(), open[0].ended), (1, End::Open));
    }
}
