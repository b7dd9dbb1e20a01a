//! Keyed anonymization: identifying fields replaced by consistent
//! pseudonyms, everything else kept byte for byte (`docs/anonymization.md`).
//!
//! A run reads each input twice: once to learn every identifier (so that a
//! name is also replaced in free text written before its first usage
//! record), then to rewrite it.

pub mod dictionary;
pub mod fields;
pub mod key;
pub mod pseudonym;
pub mod rewrite;

use self::dictionary::{Dictionary, Hit};
use self::fields::{Selection, free_text, identifiers, whole_line_is_text};
pub use self::key::{KEY_ENV, Key};
pub use self::pseudonym::{Class, Pseudonyms};
use crate::event::Event;

pub struct Anonymizer {
    pub pseudonyms: Pseudonyms,
    pub dictionary: Dictionary,
    pub selection: Selection,
}

impl Anonymizer {
    pub fn new(key: &Key, selection: Selection) -> Anonymizer {
        Anonymizer {
            pseudonyms: Pseudonyms::new(key),
            dictionary: Dictionary::default(),
            selection,
        }
    }

    /// Remembers the identifiers of `ev`, to find them again in free text.
    pub fn learn(&mut self, ev: &Event<'_>) {
        for f in identifiers(ev, &self.selection) {
            self.dictionary.insert(f.class, f.value);
        }
    }

    /// The event's line with its identifiers replaced: the fields in place,
    /// and known names wherever they appear in its free text.
    pub fn rewrite_line(&mut self, ev: &Event<'_>) -> String {
        let raw = ev.raw;
        let mut edits: Vec<(usize, usize, String)> = Vec::new();
        for f in identifiers(ev, &self.selection) {
            let pseudonym = self.pseudonyms.get(f.class, f.value).to_string();
            match span_in(raw, f.value) {
                Some((s, e)) => edits.push((s, e, pseudonym)),
                // A value built from several lines (a joined FlexNet entry):
                // replace it wherever it stands in this line.
                None => {
                    let mut at = 0;
                    while let Some(i) = raw[at..].find(f.value) {
                        let (s, e) = (at + i, at + i + f.value.len());
                        edits.push((s, e, pseudonym.clone()));
                        at = e;
                    }
                }
            }
        }
        let regions: Vec<(usize, usize)> = if whole_line_is_text(ev.kind) {
            vec![(0, raw.len())]
        } else {
            free_text(ev)
                .into_iter()
                .filter_map(|t| span_in(raw, t))
                .collect()
        };
        for (s, e) in regions {
            for Hit {
                start,
                end,
                class,
                name,
            } in self.dictionary.find(&raw[s..e])
            {
                let pseudonym = self.pseudonyms.get(class, &name).to_string();
                edits.push((s + start, s + end, pseudonym));
            }
        }
        apply(raw, edits)
    }
}

/// Applies non-overlapping edits (the first, longest, wins an overlap).
fn apply(raw: &str, mut edits: Vec<(usize, usize, String)>) -> String {
    edits.sort_by_key(|(s, e, _)| (*s, std::cmp::Reverse(*e)));
    let mut out = String::with_capacity(raw.len() + 16 * edits.len());
    let mut at = 0;
    for (s, e, replacement) in edits {
        if s < at {
            continue;
        }
        out.push_str(&raw[at..s]);
        out.push_str(&replacement);
        at = e;
    }
    out.push_str(&raw[at..]);
    out
}

/// Where `part` lies in `whole`, if it is a slice of it.
fn span_in(whole: &str, part: &str) -> Option<(usize, usize)> {
    let (w, p) = (whole.as_ptr() as usize, part.as_ptr() as usize);
    (p >= w && p + part.len() <= w + whole.len()).then(|| (p - w, p - w + part.len()))
}
