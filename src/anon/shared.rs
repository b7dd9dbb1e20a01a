//! What every thread of an anonymizing run shares: the pseudonym maker,
//! every name met so far, the names of the inputs already finished, and
//! the filter of word runs written ([`Seen`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use super::detector::Detector;
use super::fields::Selection;
use super::key::Key;
use super::names::{self, NameSet};
use super::pseudonym::{Class, Pseudonyms};
use super::tokens::{self, FastSet, Seen};

pub struct Shared {
    pub pseudonyms: Pseudonyms,
    pub selection: Selection,
    /// Every identifier met, as (class it is replaced as, original).
    met: Mutex<FastSet<(Class, Box<str>)>>,
    /// The identifiers met since the last [`Shared::begin_input`], which
    /// adds them to `known`: each name is indexed once per run, so a run
    /// over many files stays linear.
    fresh: Mutex<Vec<(Class, Box<str>)>>,
    /// The names of the inputs finished before the current one began.
    known: RwLock<Arc<NameSet>>,
    /// Bumped by [`Shared::begin_input`], so that threads pick up `known`.
    generation: AtomicU64,
    pub seen: Seen,
    /// Whether the leak check runs (threads record what they write).
    pub verify: bool,
}

impl Shared {
    pub fn new(key: &Key, selection: Selection, verify: bool) -> Arc<Shared> {
        Arc::new(Shared {
            pseudonyms: Pseudonyms::new(key),
            selection,
            met: Mutex::default(),
            fresh: Mutex::default(),
            known: RwLock::default(),
            generation: AtomicU64::new(0),
            // 8 MiB that a run without the check does not need.
            seen: if verify {
                Seen::default()
            } else {
                Seen::empty()
            },
            verify,
        })
    }

    /// Remembers an identifier (threads call this once per distinct name).
    pub fn note(&self, class: Class, original: &str) {
        let mut met = self.met.lock().unwrap_or_else(PoisonError::into_inner);
        if met.insert((class, original.into())) {
            let mut fresh = self.fresh.lock().unwrap_or_else(PoisonError::into_inner);
            fresh.push((class, original.into()));
        }
    }

    /// Called before each input: from now on, threads search free text for
    /// every name of the inputs before it. Nothing of the new input has
    /// been read yet, so what they get does not depend on thread timing.
    pub fn begin_input(&self) {
        let fresh = std::mem::take(&mut *self.fresh.lock().unwrap_or_else(PoisonError::into_inner));
        let mut known = self.known.write().unwrap_or_else(PoisonError::into_inner);
        // In place when the threads of the last input are gone (the usual
        // case); a copy only while one still holds the set.
        let set = Arc::make_mut(&mut known);
        for (class, name) in &fresh {
            set.insert(*class, name);
        }
        drop(known);
        self.generation.fetch_add(1, Ordering::Release);
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub fn known(&self) -> Arc<NameSet> {
        self.known
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Every name met, for free text and the exact leak check.
    pub fn all_names(&self) -> NameSet {
        let met = self.met.lock().unwrap_or_else(PoisonError::into_inner);
        let mut set = NameSet::default();
        for (class, name) in met.iter() {
            set.insert(*class, name);
        }
        set
    }

    /// `text` (an output's file name or path) with every name met and every
    /// identifier shape replaced, as free text is: `lic01.corp/jdoe-x.log`
    /// becomes `h-…/u-…-x.log` once `lic01.corp` and `jdoe` are known.
    /// Called after the run with `all`, [`Shared::all_names`] (made once for
    /// every name to rewrite).
    pub fn rewrite_name(&self, text: &str, all: &NameSet) -> String {
        let mut edits: Vec<(usize, usize, String)> = Vec::new();
        names::find(text, &[all], |h| {
            edits.push((h.start, h.end, self.pseudonyms.make(h.class, h.name)));
        });
        Detector::default().replaceable(text, |s, e, class| {
            if !edits.iter().any(|&(es, ee, _)| s < ee && es < e) {
                edits.push((s, e, self.pseudonyms.make(class, &text[s..e])));
            }
        });
        edits.sort_by_key(|&(s, ..)| s);
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (s, e, pseudonym) in edits {
            if s >= at {
                out.push_str(&text[at..s]);
                out.push_str(&pseudonym);
                at = e;
            }
        }
        out.push_str(&text[at..]);
        out
    }

    /// The names the output may still contain as a whole token, by the
    /// filter of written runs: the exact check needs to search for these
    /// only. Empty when no name can have survived.
    pub fn suspects(&self) -> NameSet {
        let met = self.met.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out = NameSet::default();
        for (class, name) in met.iter() {
            let short = names::short_name(*class, name);
            let mut parts = names::user_parts(*class, name);
            let spelling = tokens::has_case_trap(name).then(|| tokens::capitals(name));
            if self.seen.may_contain(name)
                || short.is_some_and(|s| self.seen.may_contain(s))
                || parts.any(|p| self.seen.may_contain(p))
                || spelling.is_some_and(|s| self.seen.may_contain(&s))
            {
                out.insert(*class, name);
            }
        }
        out
    }

    /// A new run over the same inputs (the second pass): the filter starts
    /// empty, and free text is searched for every name from the start.
    pub fn restart_with_all_names(&self) {
        self.seen.clear();
        self.begin_input();
    }

    /// Readies the independent detector for this run's outputs: it also
    /// finds the names met in any letter case, and knows the address
    /// pseudonyms the run wrote (an address pseudonym looks like any address).
    pub fn teach(&self, detector: &mut Detector) {
        let met = self.met.lock().unwrap_or_else(PoisonError::into_inner);
        for (class, name) in met.iter() {
            if *class == Class::Ip {
                detector.pseudonym_address(&self.pseudonyms.make(*class, name));
            } else {
                detector.learn(name);
                names::user_parts(*class, name).for_each(|p| detector.learn(p));
            }
        }
    }

    /// Every (class, original, pseudonym), sorted.
    pub fn mapping(&self) -> Vec<(Class, String, String)> {
        let met = self.met.lock().unwrap_or_else(PoisonError::into_inner);
        let mut rows: Vec<_> = met
            .iter()
            .map(|(c, o)| (*c, o.to_string(), self.pseudonyms.make(*c, o)))
            .collect();
        rows.sort();
        rows
    }
}
