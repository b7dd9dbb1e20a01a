//! One thread's side of anonymization: its pseudonym cache, the names it
//! may search free text for, and its front to the filter of written runs.
//!
//! Free text is searched for the names of the inputs before this one
//! (fixed when the input began) and for the names met earlier in the same
//! batch of lines. Both depend only on the input, never on which thread
//! rendered which batch, so the output is the same on every run and every
//! machine. A name met in an earlier batch and repeated in free text is
//! left for the leak check to find, and the second pass to replace.

use std::cell::Cell;
use std::sync::Arc;

use super::fields::{Selection, Slot, free_text, identifiers, whole_line_is_text};
use super::names::{self, NameSet};
use super::pseudonym::{Class, Pseudonyms};
use super::shared::Shared;
use super::tokens::{FastMap, Recorder};
use crate::event::{Event, Value};

struct Cached {
    class: Class,
    original: Arc<str>,
    pseudonym: Box<str>,
    /// The batch in which the name was last queued for `Local::batch`.
    batch: Cell<u64>,
}

/// Pseudonyms made by this thread, per requested class.
#[derive(Default)]
struct Cache {
    index: [FastMap<Arc<str>, usize>; 5],
    entries: Vec<Cached>,
    /// The entry last looked up per class: a log repeats the same server
    /// on every line, and often the same user and host on neighbouring ones.
    last: [Option<usize>; 5],
    batch_id: u64,
    /// Met in this batch and not yet in `Local::batch`: added only when
    /// free text needs searching, which most lines do not.
    pending: Vec<(Class, Arc<str>)>,
}

impl Cache {
    /// The pseudonym of `value`, made once per distinct value and thread.
    fn get(&mut self, shared: &Shared, class: Class, value: &str) -> &str {
        let c = class as usize;
        let i = match self.last[c] {
            Some(i) if *self.entries[i].original == *value => i,
            _ => match self.index[c].get(value) {
                Some(&i) => i,
                None => {
                    shared.note(Pseudonyms::class_of(class, value), value);
                    let original: Arc<str> = value.into();
                    self.entries.push(Cached {
                        class,
                        original: original.clone(),
                        pseudonym: shared.pseudonyms.make(class, value).into(),
                        batch: Cell::new(0),
                    });
                    self.index[c].insert(original, self.entries.len() - 1);
                    self.entries.len() - 1
                }
            },
        };
        self.last[c] = Some(i);
        let cached = &self.entries[i];
        if cached.batch.get() != self.batch_id {
            cached.batch.set(self.batch_id);
            self.pending.push((cached.class, cached.original.clone()));
        }
        &cached.pseudonym
    }
}

pub struct Local {
    shared: Arc<Shared>,
    selection: Selection,
    cache: Cache,
    generation: u64,
    known: Arc<NameSet>,
    /// Names met in this batch, searched for in free text.
    batch: NameSet,
    recorder: Recorder,
    /// Replacements for the text being rewritten: (start, end) in it, and
    /// the replacement's range in `scratch`.
    edits: Vec<(usize, usize, usize, usize)>,
    scratch: String,
    /// Buffers of [`Local::anonymized`], kept between events.
    fields: String,
    texts: String,
    slots: Vec<(Slot, usize, usize)>,
    text_slots: Vec<(Option<usize>, usize, usize)>,
    raw: String,
    /// The current input's name, rewritten, for the generation it was made in.
    source: (String, String, u64),
}

impl Local {
    pub fn new(shared: Arc<Shared>) -> Local {
        Local {
            generation: shared.generation(),
            known: shared.known(),
            selection: shared.selection.clone(),
            shared,
            cache: Cache {
                batch_id: 1,
                ..Cache::default()
            },
            batch: NameSet::default(),
            recorder: Recorder::default(),
            edits: Vec::new(),
            scratch: String::new(),
            fields: String::new(),
            texts: String::new(),
            slots: Vec::new(),
            text_slots: Vec::new(),
            raw: String::new(),
            source: (String::new(), String::new(), u64::MAX),
        }
    }

    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// A new batch of lines: names met before it are no longer searched
    /// for in free text (unless an earlier input had them).
    pub fn batch_start(&mut self) {
        if !self.batch.is_empty() {
            self.batch = NameSet::default();
        }
        self.cache.pending.clear();
        self.cache.batch_id += 1;
        self.generation = self.shared.generation();
        self.known = self.shared.known();
    }

    /// A new input began (readers without batches say so only this way):
    /// its lines start a batch, with the names of the inputs before it.
    fn sync(&mut self) {
        if self.shared.generation() != self.generation {
            self.batch_start();
        }
    }

    /// Adds `text`'s word runs to the filter of written runs.
    pub fn record(&mut self, text: &str) {
        if self.shared.verify {
            self.recorder.record(&self.shared.seen, text);
        }
    }

    fn flush_pending(&mut self) {
        for (class, name) in self.cache.pending.drain(..) {
            self.batch.insert(class, &name);
        }
    }

    /// Queues replacements of the known names in `text`, which starts at
    /// `offset` of what is being rewritten.
    fn replace_names(&mut self, text: &str, offset: usize) {
        self.replace_names_of(text, offset, true);
    }

    /// `replace_names`, with the names met in this batch or without them.
    fn replace_names_of(&mut self, text: &str, offset: usize, with_batch: bool) {
        let (cache, shared, scratch, edits) = (
            &mut self.cache,
            &*self.shared,
            &mut self.scratch,
            &mut self.edits,
        );
        let sets: &[&NameSet] = if with_batch {
            &[&self.known, &self.batch]
        } else {
            &[&self.known]
        };
        names::find(text, sets, |h| {
            let at = scratch.len();
            scratch.push_str(cache.get(shared, h.class, h.name));
            edits.push((offset + h.start, offset + h.end, at, scratch.len()));
        });
    }

    /// The event's line with its identifiers replaced: the fields in place,
    /// and known names wherever they appear in its free text.
    pub fn rewrite_line(&mut self, ev: &Event<'_>, out: &mut String) {
        self.sync();
        let raw = ev.raw;
        self.edits.clear();
        self.scratch.clear();
        {
            let (cache, shared, scratch, edits) = (
                &mut self.cache,
                &*self.shared,
                &mut self.scratch,
                &mut self.edits,
            );
            identifiers(ev, &self.selection, |slot, class, value| {
                let at = scratch.len();
                scratch.push_str(cache.get(shared, class, value));
                let end = scratch.len();
                match span_in(raw, value) {
                    Some((s, e)) => edits.push((s, e, at, end)),
                    // The server in force comes from an earlier line; where
                    // this line repeats it, it is free text.
                    None if slot == Slot::Server => {}
                    // A value built from several lines (a joined FlexNet
                    // entry): replace it where it stands whole in this line.
                    None => {
                        for (i, _) in raw.match_indices(value) {
                            if names::is_token(raw, i, i + value.len()) {
                                edits.push((i, i + value.len(), at, end));
                            }
                        }
                    }
                }
            });
        }
        if whole_line_is_text(ev.kind) {
            self.flush_pending();
            self.replace_names(raw, 0);
        } else {
            free_text(ev, |_, t| {
                if let Some((s, e)) = span_in(raw, t) {
                    self.flush_pending();
                    self.replace_names(&raw[s..e], s);
                }
            });
        }
        apply(raw, &mut self.edits, &self.scratch, out);
    }

    /// `text` with the known names in it replaced, appended to `out`.
    fn rewrite_text(&mut self, text: &str, out: &mut String) {
        self.edits.clear();
        self.scratch.clear();
        self.flush_pending();
        self.replace_names(text, 0);
        apply(text, &mut self.edits, &self.scratch, out);
    }

    /// Calls `f` with a copy of `ev` whose identifying fields hold their
    /// pseudonyms and whose free text (and `raw` when `with_raw`) has the
    /// known names replaced; the copy's text goes into the leak filter.
    pub fn anonymized(&mut self, ev: &Event<'_>, with_raw: bool, f: &mut dyn FnMut(&Event<'_>)) {
        self.sync();
        // Replacements go into reused buffers, then the copy borrows them.
        let mut fields = std::mem::take(&mut self.fields);
        let mut texts = std::mem::take(&mut self.texts);
        let mut slots = std::mem::take(&mut self.slots);
        let mut text_slots = std::mem::take(&mut self.text_slots);
        let mut raw = std::mem::take(&mut self.raw);
        fields.clear();
        texts.clear();
        slots.clear();
        text_slots.clear();
        raw.clear();
        {
            let (cache, shared) = (&mut self.cache, &*self.shared);
            identifiers(ev, &self.selection, |slot, class, value| {
                let at = fields.len();
                fields.push_str(cache.get(shared, class, value));
                slots.push((slot, at, fields.len()));
            });
        }
        free_text(ev, |at, t| {
            let start = texts.len();
            self.rewrite_text(t, &mut texts);
            text_slots.push((at, start, texts.len()));
        });
        if with_raw {
            self.rewrite_line(ev, &mut raw);
        }
        self.rewrite_source(ev.source);

        let mut copy = ev.clone();
        for &(slot, s, e) in &slots {
            let p = &fields[s..e];
            match slot {
                Slot::User => copy.user = Some(p),
                Slot::Host => copy.host = Some(p),
                Slot::Server => copy.server = Some(p),
                Slot::Handle => copy.handle = Some(p),
                Slot::Feature => copy.feature = Some(p),
                Slot::Version => copy.version = Some(p),
                Slot::Daemon => copy.daemon = Some(p),
                Slot::Extra(i) => copy.extra[i].1 = Value::Str(p),
            }
        }
        for &(at, s, e) in &text_slots {
            let t = &texts[s..e];
            match at {
                None => copy.reason = Some(t),
                Some(i) => copy.extra[i].1 = Value::Str(t),
            }
        }
        copy.source = &self.source.1;
        if with_raw {
            copy.raw = &raw;
        }
        if self.shared.verify {
            record_values(&mut self.recorder, &self.shared.seen, &copy, with_raw);
        }
        f(&copy);
        drop(copy);
        (
            self.fields,
            self.texts,
            self.slots,
            self.text_slots,
            self.raw,
        ) = (fields, texts, slots, text_slots, raw);
    }

    /// The input's name with the names of earlier inputs replaced (only
    /// those: it is made once per input, before any of its lines), and put
    /// in the leak filter once.
    fn rewrite_source(&mut self, source: &str) {
        if self.source.0 == source && self.source.2 == self.generation {
            return;
        }
        self.edits.clear();
        self.scratch.clear();
        self.replace_names_of(source, 0, false);
        let mut out = String::new();
        apply(source, &mut self.edits, &self.scratch, &mut out);
        self.record(&out);
        self.source = (source.to_string(), out, self.generation);
    }
}

/// Adds the text of an anonymized event's values to the filter: what the
/// CSV or JSONL writer takes from the input (the rest is its own words).
fn record_values(
    recorder: &mut Recorder,
    seen: &super::tokens::Seen,
    ev: &Event<'_>,
    with_raw: bool,
) {
    for v in [
        ev.server, ev.daemon, ev.feature, ev.version, ev.user, ev.host,
    ]
    .into_iter()
    .chain([ev.handle, ev.reason, ev.code])
    .flatten()
    {
        recorder.record(seen, v);
    }
    for (_, v) in &ev.extra {
        if let Some(s) = v.as_str() {
            recorder.record(seen, s);
        }
    }
    if with_raw {
        recorder.record(seen, ev.raw);
    }
}

/// Writes `raw` with the edits applied into `out`; edits are (start, end)
/// in `raw` and the replacement's range in `scratch`. Where edits overlap,
/// the first and longest wins.
fn apply(raw: &str, edits: &mut [(usize, usize, usize, usize)], scratch: &str, out: &mut String) {
    if edits.is_empty() {
        out.push_str(raw);
        return;
    }
    edits.sort_unstable_by_key(|&(s, e, _, _)| (s, std::cmp::Reverse(e)));
    out.reserve(raw.len() + scratch.len());
    let mut at = 0;
    for &(s, e, rs, re) in edits.iter() {
        if s < at {
            continue;
        }
        out.push_str(&raw[at..s]);
        out.push_str(&scratch[rs..re]);
        at = e;
    }
    out.push_str(&raw[at..]);
}

/// Where `part` lies in `whole`, if it is a slice of it.
fn span_in(whole: &str, part: &str) -> Option<(usize, usize)> {
    let (w, p) = (whole.as_ptr() as usize, part.as_ptr() as usize);
    (p >= w && p + part.len() <= w + whole.len()).then(|| (p - w, p - w + part.len()))
}
