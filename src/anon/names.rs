//! Known names, found again wherever they appear as a whole token: in free
//! text while rewriting, and in the output by the exact leak check.
//!
//! A whole-token occurrence starts its first word run at a word run of the
//! text ([`super::tokens`]), so names are indexed by their first run and a
//! text is searched with one hash lookup per run. The set grows one name at
//! a time, as a log reveals them, at no rebuilding cost.

use super::pseudonym::Class;
use super::tokens::{
    self, FastMap, capitals, has_case_trap, hash, is_word, runs, same, same_in_any_case,
    script_changes,
};

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
    /// Found in this letter case only (a user `jun`, never the month `Jun`).
    exact_case: bool,
    /// The id of the name this one is another spelling of (`GROSS` of
    /// `Groß`), whose pseudonym it gets; its own id if none.
    shown: u32,
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

    /// The name a hit of `id` reports: the one it is a spelling of.
    fn shown(&self, id: u32) -> &str {
        self.name(self.entries[id as usize].shown)
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
        // `structure`): only its fields are replaced. A lowercase user
        // named like a day or month is found as written: the formats
        // write those capitalised.
        let exact_case = super::structure::is_calendar_word(name)
            && name.bytes().all(|b| b.is_ascii_lowercase());
        if too_short
            || name.bytes().all(|b| b.is_ascii_digit())
            || (super::structure::is_structure_word(name) && !exact_case)
        {
            return;
        }
        let Some(id) = self.entry(class, name, exact_case, None) else {
            return;
        };
        added(id);
        if has_case_trap(name) {
            let spelling = capitals(name);
            if let Some(alias) = self.entry(class, &spelling, false, Some(id)) {
                added(alias);
            }
        }
        if let Some(short) = short_name(class, name) {
            self.insert_dyn(class, short, added);
        }
        for part in user_parts(class, name) {
            self.insert_dyn(class, part, added);
        }
    }

    /// The entry of `name`, added if new (as a spelling of `shown`).
    fn entry(
        &mut self,
        class: Class,
        name: &str,
        exact_case: bool,
        shown: Option<u32>,
    ) -> Option<u32> {
        // A name without a word character cannot be told apart in text.
        let (s, e) = first_run(name)?;
        let found = self.chain(&name[s..e]).find(|&id| self.name(id) == name);
        Some(match found {
            Some(id) => {
                let en = &mut self.entries[id as usize];
                en.class = en.class.min(class);
                id
            }
            None => {
                let id = self.push(class, name, s, e, exact_case);
                self.entries[id as usize].shown = shown.unwrap_or(id);
                id
            }
        })
    }

    /// Adds a new entry for `name`, whose first run is `name[s..e]`, into
    /// its chain after the longer names.
    fn push(&mut self, class: Class, name: &str, s: usize, e: usize, exact_case: bool) -> u32 {
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
            exact_case,
            shown: id,
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
///
/// A name is found where its first word run is a run of the text, and
/// also where it is a span of pieces of one ([`tokens::pieces`]): the host
/// `flexlm01` in `Maple2021-flexlm01.lic`, the user `jdoe` in `jdoe_old`.
pub fn find_where<'s>(
    text: &str,
    sets: &[&'s NameSet],
    class_of: impl Fn(usize, u32, Class) -> Option<Class>,
    mut f: impl FnMut(Hit<'s>),
) {
    if sets.iter().all(|s| s.is_empty()) {
        return;
    }
    let search = Search {
        text,
        sets,
        class_of: &class_of,
    };
    let mut taken = 0;
    runs(text, |s, e| {
        let mut found = |h: Hit<'s>, taken: &mut usize| {
            *taken = h.end;
            f(h);
        };
        if s >= taken {
            let whole = search.best(s, e, taken).or_else(|| {
                has_case_trap(&text[s..e])
                    .then(|| search.in_capitals(s, e))
                    .flatten()
            });
            if let Some(h) = whole {
                return found(h, &mut taken);
            }
        }
        if memchr::memchr2(b'-', b'_', &text.as_bytes()[s..e]).is_none() {
            return;
        }
        // The spans of pieces, each start left to right, the longest span
        // first; the whole run was looked up above.
        let mut bounds = [(0, 0); MAX_PIECES];
        let mut k = 0;
        tokens::pieces(text, s, e, |ps, pe| {
            if k < MAX_PIECES {
                bounds[k] = (ps, pe);
                k += 1;
            }
        });
        for i in 0..k {
            if bounds[i].0 < taken {
                continue;
            }
            let hit = (i..k)
                .rev()
                .filter(|&j| (bounds[i].0, bounds[j].1) != (s, e))
                .find_map(|j| search.best(bounds[i].0, bounds[j].1, taken));
            if let Some(h) = hit {
                found(h, &mut taken);
            }
        }
    });
}

/// The pieces of one run searched for names: a longer run (a feature
/// named with many `_`) is searched in its first pieces only.
const MAX_PIECES: usize = 12;

struct Search<'t, 's, 'c, C> {
    text: &'t str,
    sets: &'t [&'s NameSet],
    class_of: &'c C,
}

impl<'s, C: Fn(usize, u32, Class) -> Option<Class>> Search<'_, 's, '_, C> {
    /// The best name whose first run is `text[s..e]` and that starts at or
    /// after `taken`: the longest, then the first class; among names that
    /// differ in case only, the one written so, else the smallest (the
    /// same choice whatever order the names were met in).
    fn best(&self, s: usize, e: usize, taken: usize) -> Option<Hit<'s>> {
        let text = self.text;
        let mut best: Option<(Hit<'s>, bool)> = None;
        for (n, set) in self.sets.iter().enumerate() {
            for id in set.chain(&text[s..e]) {
                let en = &set.entries[id as usize];
                let name = set.name(id);
                let Some(start) = s.checked_sub(en.offset).filter(|&st| st >= taken) else {
                    continue;
                };
                let end = start + en.len;
                let Some(t) = text.get(start..end) else {
                    continue;
                };
                let exact = same(t.as_bytes(), name.as_bytes());
                if !(exact || (!en.exact_case && same_in_any_case(t, name)))
                    || !is_token(text, start, end)
                {
                    continue;
                }
                let Some(class) = (self.class_of)(n, id, en.class) else {
                    continue;
                };
                let shown = set.shown(id);
                fn rank<'a>(
                    h: &Hit<'a>,
                    exact: bool,
                ) -> (std::cmp::Reverse<usize>, Class, bool, &'a str) {
                    (std::cmp::Reverse(h.end - h.start), h.class, !exact, h.name)
                }
                let hit = Hit {
                    start,
                    end,
                    class,
                    name: shown,
                };
                if best.is_none_or(|(b, b_exact)| rank(&hit, exact) < rank(&b, b_exact)) {
                    best = Some((hit, exact));
                }
            }
        }
        best.map(|(h, _)| h)
    }

    /// A name that is the whole run `text[s..e]` in another case of a
    /// letter whose cases differ in length (`Yılmaz` for `YILMAZ`).
    fn in_capitals(&self, s: usize, e: usize) -> Option<Hit<'s>> {
        let (text, capitals) = (self.text, capitals(&self.text[s..e]));
        for (n, set) in self.sets.iter().enumerate() {
            for id in set.chain(&capitals) {
                let en = &set.entries[id as usize];
                let name = set.name(id);
                if en.offset == 0
                    && !en.exact_case
                    && same_in_any_case(&text[s..e], name)
                    && is_token(text, s, e)
                    && let Some(class) = (self.class_of)(n, id, en.class)
                {
                    return Some(Hit {
                        start: s,
                        end: e,
                        class,
                        name: set.shown(id),
                    });
                }
            }
        }
        None
    }
}

/// Whether `text[start..end]` stands alone: no word character of the same
/// script kind touches it (`kenji` stands alone in `ユーザーkenjiが`), but
/// for the soft joins `-` and `_` (`jdoe` in `jdoe_old`).
pub fn is_token(text: &str, start: usize, end: usize) -> bool {
    let (first, last) = (
        text[start..end].chars().next(),
        text[..end].chars().next_back(),
    );
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let joins = |outside: Option<char>, edge: Option<char>| match (outside, edge) {
        (Some('-' | '_'), _) => false,
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
    fn names_between_soft_joins_are_found() {
        let mut d = NameSet::default();
        d.insert(Class::Host, "flexlm01");
        d.insert(Class::Host, "deesswaschkor04");
        d.insert(Class::User, "jdoe");
        d.insert(Class::Host, "ws-01.corp");
        assert_eq!(
            hits(&[&d], r"C:\FlexLM\Maple2021-flexlm01.lic"),
            ["flexlm01"]
        );
        assert_eq!(
            hits(&[&d], "ugslmd_deesswaschkor04_24-Sep-2020.lic jdoe-laptop"),
            ["deesswaschkor04", "jdoe"]
        );
        // `ws-01` is the short name of `ws-01.corp`, and found on its own.
        assert_eq!(
            hits(&[&d], "x_ws-01.corp-old ws-01.corpus jdoe2 xjdoe"),
            ["ws-01.corp", "ws-01"]
        );
    }

    #[test]
    fn letters_whose_cases_differ_in_length_are_one_name() {
        let mut d = NameSet::default();
        d.insert(Class::User, "Yılmaz");
        d.insert(Class::User, "Groß");
        d.insert(Class::User, "MÜLLER");
        let mut names = Vec::new();
        let text = "YILMAZ yilmaz GROSS Gross müller Yılmaz";
        find(text, &[&d], |h| names.push(h.name));
        assert_eq!(
            names,
            ["Yılmaz", "Yılmaz", "Groß", "Groß", "MÜLLER", "Yılmaz"]
        );
        let mut e = NameSet::default();
        e.insert(Class::User, "YILMAZ");
        e.insert(Class::User, "GROSS");
        assert_eq!(hits(&[&e], "Yılmaz by Groß"), ["Yılmaz", "Groß"]);
    }

    #[test]
    fn a_user_named_like_a_month_is_found_in_its_own_case() {
        let mut d = NameSet::default();
        d.insert(Class::User, "jun");
        d.insert(Class::User, "Sun");
        d.insert(Class::User, "started");
        assert_eq!(hits(&[&d], "Jun 5 JUN jun sun Sun started"), ["jun"]);
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
