//! Known names, found again wherever they appear as a whole token: in free
//! text while rewriting, and in the output by the exact leak check.
//!
//! A whole-token occurrence starts its first word run at a word run of the
//! text ([`super::tokens`]), so names are indexed by their first run and a
//! text is searched with one hash lookup per run. The set grows one name at
//! a time, as a log reveals them, at no rebuilding cost.

use super::pseudonym::Class;
use super::tokens::{FastMap, hash, is_word, runs, same, same_in_any_case, script_changes};

/// Names shorter than this are replaced in their fields only: as words in
/// free text they cannot be told from ordinary words.
pub const MIN_FREE_TEXT: usize = 3;

/// Names in one text arena, each entry chained to the next with the same
/// first run (by hash: runs whose hashes collide share a chain, and the
/// search compares the whole name anyway). No allocation per name.
#[derive(Clone, Default)]
pub struct NameSet {
    /// The hash of a first run -> the first id of its chain.
    by_first_run: FastMap<u64, u32>,
    entries: Vec<Entry>,
    text: String,
}

#[derive(Clone)]
struct Entry {
    /// The name is `text[at..at + len]`.
    at: usize,
    len: usize,
    /// Where the first word run starts in the name.
    offset: usize,
    class: Class,
    /// The next id in the chain (longest name first), or `END`.
    next: u32,
}

const END: u32 = u32::MAX;

/// A whole-token occurrence: byte range and what was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit<'s> {
    pub start: usize,
    pub end: usize,
    pub class: Class,
    pub name: &'s str,
}

impl NameSet {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn name(&self, id: u32) -> &str {
        let en = &self.entries[id as usize];
        &self.text[en.at..en.at + en.len]
    }

    /// The ids whose first run hashes like `run`, longest name first.
    fn chain(&self, run: &str) -> impl Iterator<Item = u32> + '_ {
        let head = self.by_first_run.get(&hash(run.as_bytes())).copied();
        std::iter::successors(head, |&id| {
            let next = self.entries[id as usize].next;
            (next != END).then_some(next)
        })
    }

    /// Adds a name (and the short name of a fully qualified host). A name
    /// met under two classes keeps the first class in [`Class::ALL`] order,
    /// whatever order it was met in.
    pub fn insert(&mut self, class: Class, name: &str) {
        self.insert_with(class, name, |_| {});
    }

    /// [`NameSet::insert`], calling `added(id)` with the entry of the name
    /// and of its short name (ids are dense: `0..len()`).
    pub fn insert_with(&mut self, class: Class, name: &str, mut added: impl FnMut(u32)) {
        self.insert_dyn(class, name, &mut added);
    }

    fn insert_dyn(&mut self, class: Class, name: &str, added: &mut dyn FnMut(u32)) {
        let too_short = name.len() < MIN_FREE_TEXT
            || (name.len() < 4 * MIN_FREE_TEXT && name.chars().count() < MIN_FREE_TEXT);
        // A keyword of the formats stands for itself in text (see
        // `structure`): only its fields are replaced.
        if too_short
            || name.bytes().all(|b| b.is_ascii_digit())
            || super::structure::is_structure_word(name)
        {
            return;
        }
        // A name without a word character cannot be told apart in text.
        let Some((s, e)) = first_run(name) else {
            return;
        };
        let found = self.chain(&name[s..e]).find(|&id| self.name(id) == name);
        let id = match found {
            Some(id) => {
                let en = &mut self.entries[id as usize];
                en.class = en.class.min(class);
                id
            }
            None => self.push(class, name, s, e),
        };
        added(id);
        if let Some(short) = short_name(class, name) {
            self.insert_dyn(class, short, added);
        }
        for part in user_parts(class, name) {
            self.insert_dyn(class, part, added);
        }
    }

    /// Adds a new entry for `name`, whose first run is `name[s..e]`, into
    /// its chain after the longer names.
    fn push(&mut self, class: Class, name: &str, s: usize, e: usize) -> u32 {
        let id = u32::try_from(self.entries.len()).expect("under 2^32 names");
        let at = self.text.len();
        self.text.push_str(name);
        let key = hash(&name.as_bytes()[s..e]);
        let head = self.by_first_run.get(&key).copied().unwrap_or(END);
        // Where two names start together, the longer wins: keep chains
        // longest first.
        let mut before = None;
        let mut next = head;
        while next != END && self.entries[next as usize].len >= name.len() {
            before = Some(next);
            next = self.entries[next as usize].next;
        }
        self.entries.push(Entry {
            at,
            len: name.len(),
            offset: s,
            class,
            next,
        });
        match before {
            Some(b) => self.entries[b as usize].next = id,
            None => {
                self.by_first_run.insert(key, id);
            }
        }
        id
    }

    #[cfg(test)]
    fn contains(&self, name: &str) -> bool {
        first_run(name)
            .is_some_and(|(s, e)| self.chain(&name[s..e]).any(|id| self.name(id) == name))
    }

    /// Every name with its class.
    pub fn names(&self) -> impl Iterator<Item = (&str, Class)> {
        (0..self.entries.len() as u32).map(|id| (self.name(id), self.entries[id as usize].class))
    }
}

/// The short name of a fully qualified host: the same machine, so a set
/// of names holds it too.
pub fn short_name(class: Class, name: &str) -> Option<&str> {
    let fqdn = class == Class::Host && name.parse::<std::net::IpAddr>().is_err();
    fqdn.then(|| name.split_once('.').map(|(short, _)| short))
        .flatten()
}

/// The parts of a user name that name the user on their own: each word of
/// a name with spaces (`Núñez` of `José Núñez`), and the local part of a
/// user written as an address (`jdoe` of `jdoe@corp.example`). Words
/// shorter than three characters are left out by the set, as every name.
pub fn user_parts(class: Class, name: &str) -> impl Iterator<Item = &str> {
    let user = class == Class::User;
    let words = name
        .split_whitespace()
        .filter(move |_| user && name.contains(' '));
    let local = name
        .split_once('@')
        .map(|(l, _)| l)
        .filter(|l| user && !l.is_empty() && !l.contains(' '));
    words.chain(local)
}

fn first_run(name: &str) -> Option<(usize, usize)> {
    let mut first = None;
    runs(name, |s, e| {
        first.get_or_insert((s, e));
    });
    first
}

/// Whole-token occurrences in `text` of the names of any of `sets`, left to
/// right and not overlapping; where several start together the longest wins
/// (then the first class).
pub fn find<'s>(text: &str, sets: &[&'s NameSet], f: impl FnMut(Hit<'s>)) {
    find_where(text, sets, |_, _, class| Some(class), f);
}

/// [`find`] among the names that `class_of(set index, id, class)` lets
/// count, as the class it returns.
pub fn find_where<'s>(
    text: &str,
    sets: &[&'s NameSet],
    class_of: impl Fn(usize, u32, Class) -> Option<Class>,
    mut f: impl FnMut(Hit<'s>),
) {
    if sets.iter().all(|s| s.is_empty()) {
        return;
    }
    let mut taken = 0;
    runs(text, |s, e| {
        if s < taken {
            return;
        }
        let mut best: Option<Hit<'s>> = None;
        let run = &text[s..e];
        for (n, set) in sets.iter().enumerate() {
            for id in set.chain(run) {
                let en = &set.entries[id as usize];
                let name = set.name(id);
                let Some(start) = s.checked_sub(en.offset) else {
                    continue;
                };
                let end = start + en.len;
                let Some(t) = text.get(start..end).filter(|_| start >= taken) else {
                    continue;
                };
                let exact = same(t.as_bytes(), name.as_bytes());
                if !(exact || same_in_any_case(t, name)) || !is_token(text, start, end) {
                    continue;
                }
                let Some(class) = class_of(n, id, en.class) else {
                    continue;
                };
                // Longest, then first class; among names that differ in
                // case only, the one written so, else the smallest: the
                // same choice whatever order the names were met in.
                let rank = (std::cmp::Reverse(end - start), class, !exact, name);
                let better = best.is_none_or(|b| {
                    let b_exact = text[b.start..b.end] == *b.name;
                    rank < (
                        std::cmp::Reverse(b.end - b.start),
                        b.class,
                        !b_exact,
                        b.name,
                    )
                });
                if better {
                    best = Some(Hit {
                        start,
                        end,
                        class,
                        name,
                    });
                }
            }
        }
        if let Some(h) = best {
            taken = h.end;
            f(h);
        }
    });
}

/// Whether `text[start..end]` stands alone: no word character of the same
/// script kind touches it (`kenji` stands alone in `ユーザーkenjiが`).
pub fn is_token(text: &str, start: usize, end: usize) -> bool {
    let (first, last) = (
        text[start..end].chars().next(),
        text[..end].chars().next_back(),
    );
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let joins = |outside: Option<char>, edge: Option<char>| match (outside, edge) {
        (Some(o), Some(e)) => is_word(o) && !script_changes(o, e),
        (Some(o), None) => is_word(o),
        (None, _) => false,
    };
    !joins(before, first) && !joins(after, last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(sets: &[&NameSet], t: &str) -> Vec<String> {
        let mut out = Vec::new();
        find(t, sets, |h| out.push(t[h.start..h.end].to_string()));
        out
    }

    #[test]
    fn whole_tokens_only() {
        let mut d = NameSet::default();
        d.insert(Class::User, "jdoe");
        d.insert(Class::Host, "ws-01.corp.example");
        d.insert(Class::User, "Mª Cruz");
        d.insert(Class::User, "ab");
        d.insert(Class::Text, "(none)");
        assert_eq!(
            hits(&[&d], "/home/jdoe/lic.dat jdoe2 xjdoe jdoe"),
            ["jdoe", "jdoe"]
        );
        assert_eq!(
            hits(&[&d], "on ws-01.corp.example and ws-01, not ws-010"),
            ["ws-01.corp.example", "ws-01"]
        );
        assert_eq!(hits(&[&d], "by Mª Cruz."), ["Mª Cruz"]);
        assert_eq!(hits(&[&d], "project=(none)"), ["(none)"]);
        assert!(hits(&[&d], "ab cd").is_empty(), "too short for free text");
        assert!(d.contains("ws-01") && !d.contains("ab"));
    }

    #[test]
    fn the_longest_of_several_sets_wins_and_classes_are_order_free() {
        let (mut a, mut b) = (NameSet::default(), NameSet::default());
        a.insert(Class::Host, "ws-01");
        b.insert(Class::Host, "ws-01.corp");
        assert_eq!(hits(&[&a, &b], "at ws-01.corp."), ["ws-01.corp"]);
        let (mut x, mut y) = (NameSet::default(), NameSet::default());
        x.insert(Class::Host, "lic01");
        x.insert(Class::User, "lic01");
        y.insert(Class::User, "lic01");
        y.insert(Class::Host, "lic01");
        let class = |s: &NameSet| s.names().next().map(|(_, c)| c);
        assert_eq!(class(&x), Some(Class::User));
        assert_eq!(class(&y), Some(Class::User));
    }
}
