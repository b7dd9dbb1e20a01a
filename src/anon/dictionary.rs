//! Every identifier of an input, found again wherever it appears as a whole
//! token: in free text, and in the leak check.

use std::collections::BTreeMap;

use aho_corasick::{AhoCorasick, MatchKind};

use super::pseudonym::Class;

/// Names shorter than this are replaced in their fields only: as words in
/// free text they cannot be told from ordinary words.
pub const MIN_FREE_TEXT: usize = 3;

#[derive(Default)]
pub struct Dictionary {
    names: BTreeMap<String, Class>,
    matcher: Option<(AhoCorasick, Vec<(String, Class)>)>,
}

/// A whole-token occurrence: byte range and what was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    pub class: Class,
    pub name: String,
}

impl Dictionary {
    pub fn insert(&mut self, class: Class, name: &str) {
        if name.chars().count() < MIN_FREE_TEXT || name.bytes().all(|b| b.is_ascii_digit()) {
            return;
        }
        if !self.names.contains_key(name) {
            self.names.insert(name.to_string(), class);
            self.matcher = None;
            // The short name of a fully qualified host is the same machine.
            if class == Class::Host
                && name.parse::<std::net::IpAddr>().is_err()
                && let Some((short, _)) = name.split_once('.')
            {
                self.insert(class, short);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Whole-token occurrences of known names in `text`, left to right,
    /// not overlapping (the longest wins where two start together).
    pub fn find(&mut self, text: &str) -> Vec<Hit> {
        if self.names.is_empty() {
            return Vec::new();
        }
        let (ac, patterns) = self.matcher.get_or_insert_with(|| {
            let patterns: Vec<(String, Class)> =
                self.names.iter().map(|(n, c)| (n.clone(), *c)).collect();
            let ac = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(patterns.iter().map(|(n, _)| n))
                .expect("literal patterns");
            (ac, patterns)
        });
        let mut hits: Vec<Hit> = ac
            .find_overlapping_iter(text)
            .filter(|m| is_token(text, m.start(), m.end()))
            .map(|m| {
                let (name, class) = &patterns[m.pattern().as_usize()];
                Hit {
                    start: m.start(),
                    end: m.end(),
                    class: *class,
                    name: name.clone(),
                }
            })
            .collect();
        hits.sort_by_key(|h| (h.start, std::cmp::Reverse(h.end)));
        let mut out: Vec<Hit> = Vec::with_capacity(hits.len());
        for h in hits {
            if out.last().is_none_or(|last| h.start >= last.end) {
                out.push(h);
            }
        }
        out
    }
}

/// Token characters: letters, digits, `_` and `-` (host and user names).
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

fn is_token(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !before.is_some_and(is_word) && !after.is_some_and(is_word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_tokens_only() {
        let mut d = Dictionary::default();
        d.insert(Class::User, "jdoe");
        d.insert(Class::Host, "ws-01.corp.example");
        d.insert(Class::User, "Mª Cruz");
        d.insert(Class::User, "ab");
        let hits = |d: &mut Dictionary, t: &str| -> Vec<String> {
            d.find(t)
                .into_iter()
                .map(|h| t[h.start..h.end].to_string())
                .collect()
        };
        assert_eq!(
            hits(&mut d, "/home/jdoe/lic.dat jdoe2 xjdoe jdoe"),
            ["jdoe", "jdoe"]
        );
        assert_eq!(
            hits(&mut d, "on ws-01.corp.example and ws-01, not ws-010"),
            ["ws-01.corp.example", "ws-01"]
        );
        assert_eq!(hits(&mut d, "by Mª Cruz."), ["Mª Cruz"]);
        assert!(hits(&mut d, "ab cd").is_empty(), "too short for free text");
    }
}
