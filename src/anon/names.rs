//! Known names, found again wherever they appear as a whole token: in free
//! text while rewriting, and in the output by the exact leak check.
//!
//! A whole-token occurrence starts its first word run at a word run of the
//! text ([`super::tokens`]), so names are indexed by their first run and a
//! text is searched with one hash lookup per run. The set grows one name at
//! a time, as a log reveals them, at no rebuilding cost.

use super::pseudonym::Class;
use super::tokens::{FastMap, is_word, runs};

/// Names shorter than this are replaced in their fields only: as words in
/// free text they cannot be told from ordinary words.
pub const MIN_FREE_TEXT: usize = 3;

#[derive(Clone, Default)]
pub struct NameSet {
    by_first_run: FastMap<Box<str>, Vec<Entry>>,
    len: usize,
}

#[derive(Clone)]
struct Entry {
    name: Box<str>,
    /// Where the first word run starts in the name.
    offset: usize,
    class: Class,
}

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
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds a name (and the short name of a fully qualified host). A name
    /// met under two classes keeps the first class in [`Class::ALL`] order,
    /// whatever order it was met in.
    pub fn insert(&mut self, class: Class, name: &str) {
        if name.chars().count() < MIN_FREE_TEXT || name.bytes().all(|b| b.is_ascii_digit()) {
            return;
        }
        let mut first = None;
        runs(name, |s, e| {
            first.get_or_insert((s, e));
        });
        // A name without a word character cannot be told apart in text.
        let Some((s, e)) = first else { return };
        let entries = self.by_first_run.entry(name[s..e].into()).or_default();
        match entries.iter_mut().find(|en| &*en.name == name) {
            Some(en) => en.class = en.class.min(class),
            None => {
                entries.push(Entry {
                    name: name.into(),
                    offset: s,
                    class,
                });
                // Longest first: where two names start together, the longer wins.
                entries.sort_by_key(|e| std::cmp::Reverse(e.name.len()));
                self.len += 1;
            }
        }
        // The short name of a fully qualified host is the same machine.
        if class == Class::Host
            && name.parse::<std::net::IpAddr>().is_err()
            && let Some((short, _)) = name.split_once('.')
        {
            self.insert(class, short);
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        let mut first = None;
        runs(name, |s, e| {
            first.get_or_insert((s, e));
        });
        first.is_some_and(|(s, e)| {
            self.by_first_run
                .get(&name[s..e])
                .is_some_and(|v| v.iter().any(|en| &*en.name == name))
        })
    }

    /// Every name with its class.
    pub fn names(&self) -> impl Iterator<Item = (&str, Class)> {
        self.by_first_run
            .values()
            .flatten()
            .map(|en| (&*en.name, en.class))
    }
}

/// Whole-token occurrences in `text` of the names of any of `sets`, left to
/// right and not overlapping; where several start together the longest wins
/// (then the first class).
pub fn find<'s>(text: &str, sets: &[&'s NameSet], mut f: impl FnMut(Hit<'s>)) {
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
        for set in sets {
            let Some(entries) = set.by_first_run.get(run) else {
                continue;
            };
            for en in entries {
                let Some(start) = s.checked_sub(en.offset) else {
                    continue;
                };
                let end = start + en.name.len();
                if start < taken
                    || text.get(start..end) != Some(&*en.name)
                    || !is_token(text, start, end)
                {
                    continue;
                }
                let better = best.is_none_or(|b| {
                    end - start > b.end - b.start
                        || (end - start == b.end - b.start && en.class < b.class)
                });
                if better {
                    best = Some(Hit {
                        start,
                        end,
                        class: en.class,
                        name: &en.name,
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

/// Whether `text[start..end]` stands alone: no word character touches it.
pub fn is_token(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !before.is_some_and(is_word) && !after.is_some_and(is_word)
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
