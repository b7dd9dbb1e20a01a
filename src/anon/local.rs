//! One thread's side of anonymization: its pseudonym cache, the names it
//! may search free text for, and its front to the filter of written runs.
//!
//! Free text is searched for the names of the inputs before this one
//! (fixed when the input began) and for the names met earlier in the same
//! batch of lines. Both depend only on the input, never on which thread
//! rendered which batch, so the output is the same on every run and every
//! machine. A name met in an earlier batch and repeated in free text is
//! left for the leak check to find, and the second pass to replace.

use std::sync::Arc;

use unicode_normalization::UnicodeNormalization;

use super::detector::Detector;
use super::fields::{Selection, Slot, free_text, identifiers, whole_line_is_text};
use super::names::{self, NameSet};
use super::pseudonym::{Class, Pseudonyms};
use super::shared::Shared;
use super::tokens::{self, Recorder, Seen};
use crate::event::{Event, Value};

const NONE: u32 = u32::MAX;

fn slot_of(hash: u64) -> usize {
    (hash >> 32) as usize
}

struct Cached {
    class: Class,
    hash: u64,
    /// The original and then its pseudonym, in `Cache::text`: one place
    /// to fetch from memory for both.
    at: usize,
    original_len: usize,
    pseudonym_len: usize,
    /// The batch in which the name was last met under `class`.
    batch: u32,
    /// Its ids in `Cache::met` (the name's, a host's short name's, a user
    /// name's parts'): `Cache::met_ids[start..end]`.
    met_ids: (u32, u32),
}

/// The pseudonyms this thread made, and the names it met: each with the
/// batch in which it was last met, per class, so that the names of the
/// current batch are searched for without building a set per batch.
struct Cache {
    /// Open addressing over `entries`: the low half of the entry's hash,
    /// and its index + 1 (0 for a free slot).
    slots: Vec<(u32, u32)>,
    entries: Vec<Cached>,
    text: String,
    /// The entry last looked up per class: a log repeats the same server
    /// on every line, and often the same user and host on neighbouring ones.
    last: [u32; 5],
    batch_id: u32,
    met: NameSet,
    /// Per id of `met`, per class: the batch in which it was last met.
    met_in: Vec<[u32; 5]>,
    /// The ids of `met` each entry stands for, entry after entry.
    met_ids: Vec<u32>,
}

impl Cache {
    fn new() -> Cache {
        Cache {
            slots: vec![(0, 0); 1024],
            entries: Vec::new(),
            text: String::new(),
            last: [NONE; 5],
            batch_id: 1,
            met: NameSet::default(),
            met_in: Vec::new(),
            met_ids: Vec::new(),
        }
    }

    /// The pseudonym of `value`, made once per distinct value and thread.
    fn get(&mut self, shared: &Shared, class: Class, value: &str) -> &str {
        let c = class as usize;
        let last = self.last[c] as usize;
        let i = match self.entries.get(last) {
            Some(e) if tokens::same(self.original(e).as_bytes(), value.as_bytes()) => last,
            _ => self.lookup(shared, class, value, tokens::hash(value.as_bytes())),
        };
        self.last[c] = i as u32;
        let e = &mut self.entries[i];
        if e.batch != self.batch_id {
            e.batch = self.batch_id;
            let (start, end) = e.met_ids;
            for &id in &self.met_ids[start as usize..end as usize] {
                self.met_in[id as usize][c] = self.batch_id;
            }
        }
        let e = &self.entries[i];
        &self.text[e.at + e.original_len..][..e.pseudonym_len]
    }

    fn original(&self, e: &Cached) -> &str {
        &self.text[e.at..][..e.original_len]
    }

    fn lookup(&mut self, shared: &Shared, class: Class, value: &str, hash: u64) -> usize {
        if self.entries.len() * 2 >= self.slots.len() {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut s = slot_of(hash) & mask;
        loop {
            let (tag, i) = self.slots[s];
            if i == 0 {
                break;
            }
            let e = &self.entries[i as usize - 1];
            if tag == hash as u32
                && e.class == class
                && tokens::same(self.original(e).as_bytes(), value.as_bytes())
            {
                return i as usize - 1;
            }
            s = (s + 1) & mask;
        }
        shared.note(Pseudonyms::class_of(class, value), value);
        let start = self.met_ids.len() as u32;
        let ids = &mut self.met_ids;
        self.met.insert_with(class, value, |id| ids.push(id));
        let met_ids = (start, self.met_ids.len() as u32);
        self.met_in.resize(self.met.len(), [0; 5]);
        let at = self.text.len();
        self.text.push_str(value);
        self.text.push_str(&shared.pseudonyms.make(class, value));
        self.entries.push(Cached {
            class,
            hash,
            at,
            original_len: value.len(),
            pseudonym_len: self.text.len() - at - value.len(),
            batch: 0,
            met_ids,
        });
        self.slots[s] = (hash as u32, self.entries.len() as u32);
        self.entries.len() - 1
    }

    fn grow(&mut self) {
        let mut slots = vec![(0u32, 0u32); self.slots.len() * 2];
        let mask = slots.len() - 1;
        for (i, e) in self.entries.iter().enumerate() {
            let mut s = slot_of(e.hash) & mask;
            while slots[s].1 != 0 {
                s = (s + 1) & mask;
            }
            slots[s] = (e.hash as u32, i as u32 + 1);
        }
        self.slots = slots;
    }

    /// The class a name of `met` counts as in this batch's free text: the
    /// first it was met under in this batch, if any.
    fn met_now(&self, id: u32) -> Option<Class> {
        let batches = &self.met_in[id as usize];
        Class::ALL
            .into_iter()
            .find(|&c| batches[c as usize] == self.batch_id)
    }
}

pub struct Local {
    shared: Arc<Shared>,
    selection: Selection,
    cache: Cache,
    generation: u64,
    known: Arc<NameSet>,
    recorder: Recorder,
    /// Replacements for the text being rewritten: (start, end) in it, and
    /// the replacement's range in `scratch`.
    edits: Vec<(usize, usize, usize, usize)>,
    scratch: String,
    /// Names found in a free text: (start, end, class, the name as met
    /// in `hit_names`), for the name may stand in the text in another case.
    hits: Vec<(usize, usize, Class, usize, usize)>,
    hit_names: String,
    /// Buffers of [`Local::anonymized`], kept between events.
    fields: String,
    texts: String,
    slots: Vec<(Slot, usize, usize)>,
    text_slots: Vec<(Option<usize>, usize, usize)>,
    raw: String,
    kept: String,
    /// The current input's name, rewritten, for the generation it was made in.
    source: (String, String, u64),
    /// Finds identifier-shaped tokens in free text ([`Local::replace_shapes`]).
    shapes: Detector,
}

impl Local {
    pub fn new(shared: Arc<Shared>) -> Local {
        Local {
            generation: shared.generation(),
            known: shared.known(),
            selection: shared.selection.clone(),
            shared,
            cache: Cache::new(),
            recorder: Recorder::default(),
            edits: Vec::new(),
            scratch: String::new(),
            hits: Vec::new(),
            hit_names: String::new(),
            fields: String::new(),
            texts: String::new(),
            slots: Vec::new(),
            text_slots: Vec::new(),
            raw: String::new(),
            kept: String::new(),
            source: (String::new(), String::new(), u64::MAX),
            shapes: Detector::default(),
        }
    }

    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// A new batch of lines: names met before it are no longer searched
    /// for in free text (unless an earlier input had them).
    pub fn batch_start(&mut self) {
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

    /// Queues replacements of the known names in `text`, which starts at
    /// `offset` of what is being rewritten: the names of earlier inputs,
    /// and (`with_batch`) those met earlier in this batch.
    fn replace_names(&mut self, text: &str, offset: usize, with_batch: bool) {
        // Names are kept in the form they were met in, NFC almost always:
        // a text in another normalisation (an NFD `José`) is searched in
        // its NFC form, and the hits mapped back to its bytes.
        let nfc = (!text.is_ascii()
            && unicode_normalization::is_nfc_quick(text.chars())
                != unicode_normalization::IsNormalized::Yes)
            .then(|| Nfc::of(text));
        let searched = nfc.as_ref().map_or(text, |n| n.text.as_str());
        let cache = &self.cache;
        let (hits, hit_names) = (&mut self.hits, &mut self.hit_names);
        hits.clear();
        hit_names.clear();
        let sets: &[&NameSet] = if with_batch {
            &[&self.known, &cache.met]
        } else {
            &[&self.known]
        };
        names::find_where(
            searched,
            sets,
            |set, id, class| {
                if set == 0 {
                    Some(class)
                } else {
                    cache.met_now(id)
                }
            },
            |h| {
                let at = hit_names.len();
                hit_names.push_str(h.name);
                hits.push((h.start, h.end, h.class, at, hit_names.len()));
            },
        );
        for &(s, e, class, ns, ne) in &self.hits {
            let (s, e) = nfc.as_ref().map_or((s, e), |n| n.original(s, e));
            // The pseudonym of the name as met, whatever case it has here.
            let at = self.scratch.len();
            self.scratch
                .push_str(self.cache.get(&self.shared, class, &self.hit_names[ns..ne]));
            self.edits
                .push((offset + s, offset + e, at, self.scratch.len()));
        }
    }

    /// Queues replacements of the identifier-shaped tokens of `text`
    /// (`user@host`, host names, addresses, `DOMAIN\user`, home
    /// directories), which starts at `offset`: names no reader learned, as
    /// in a line no reader understood, keep none of them.
    fn replace_shapes(&mut self, text: &str, offset: usize) {
        let (cache, shared, scratch, edits) = (
            &mut self.cache,
            &*self.shared,
            &mut self.scratch,
            &mut self.edits,
        );
        let keep = &self.selection.keep;
        self.shapes.replaceable(text, |s, e, class| {
            if keep.contains(&class) {
                return;
            }
            let at = scratch.len();
            scratch.push_str(cache.get(shared, class, &text[s..e]));
            edits.push((offset + s, offset + e, at, scratch.len()));
        });
    }

    /// The event's line with its identifiers replaced: the fields in place,
    /// and known names wherever they appear in its free text. What is left
    /// of the line goes into the leak filter.
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
            self.replace_names(raw, 0, true);
            self.replace_shapes(raw, 0);
        } else {
            free_text(ev, |_, t| {
                if let Some((s, e)) = span_in(raw, t) {
                    self.replace_names(&raw[s..e], s, true);
                    self.replace_shapes(&raw[s..e], s);
                }
            });
        }
        self.apply(raw, out);
    }

    /// Writes `text` with the queued edits applied into `out`, and puts
    /// what is left of `text` into the leak filter.
    fn apply(&mut self, text: &str, out: &mut String) {
        let (recorder, seen) = (&mut self.recorder, &self.shared.seen);
        let verify = self.shared.verify;
        apply(text, &mut self.edits, &self.scratch, out, |kept| {
            if verify {
                recorder.record(seen, kept);
            }
        });
    }

    /// `text` with the known names in it replaced, appended to `out`.
    fn rewrite_text(&mut self, text: &str, out: &mut String) {
        self.edits.clear();
        self.scratch.clear();
        self.replace_names(text, 0, true);
        self.replace_shapes(text, 0);
        self.apply(text, out);
    }

    /// Calls `f` with a copy of `ev` whose identifying fields hold their
    /// pseudonyms and whose free text (and `raw` when `with_raw`) has the
    /// known names replaced; what the copy keeps of `ev` goes into the
    /// leak filter.
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
        if self.shared.verify {
            record_kept(
                &mut self.recorder,
                &self.shared.seen,
                ev,
                &slots,
                &text_slots,
                &mut self.kept,
            );
        }

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
    /// those: it is made once per input, before any of its lines), and the
    /// identifier shapes of a path (`/home/jdoe/…`, a UNC server), put in
    /// the leak filter once.
    fn rewrite_source(&mut self, source: &str) {
        let (seen_before, _, generation) = &self.source;
        if *generation == self.generation && tokens::same(seen_before.as_bytes(), source.as_bytes())
        {
            return;
        }
        self.edits.clear();
        self.scratch.clear();
        self.replace_names(source, 0, false);
        self.replace_shapes(source, 0);
        let mut out = String::new();
        self.apply(source, &mut out);
        self.source = (source.to_string(), out, self.generation);
    }
}

/// Adds to the filter the values an anonymized event keeps of `ev`, the
/// ones neither replaced (`slots`) nor rewritten (`text_slots`, recorded
/// as they are rewritten): what the CSV or JSONL writer takes from the
/// input (the rest is its own words, and pseudonyms). They are recorded
/// as one text (`joined`, a line per value), which most events repeat.
fn record_kept(
    recorder: &mut Recorder,
    seen: &Seen,
    ev: &Event<'_>,
    slots: &[(Slot, usize, usize)],
    text_slots: &[(Option<usize>, usize, usize)],
    joined: &mut String,
) {
    joined.clear();
    let mut keep = |v: &str| {
        joined.push_str(v);
        joined.push('\n');
    };
    let replaced = |slot: Slot| slots.iter().any(|&(s, ..)| s == slot);
    let fields = [
        (Slot::Server, ev.server),
        (Slot::Daemon, ev.daemon),
        (Slot::Feature, ev.feature),
        (Slot::Version, ev.version),
        (Slot::User, ev.user),
        (Slot::Host, ev.host),
        (Slot::Handle, ev.handle),
    ];
    for (slot, v) in fields {
        if let Some(v) = v
            && !replaced(slot)
        {
            keep(v);
        }
    }
    let reason_rewritten = text_slots.iter().any(|&(at, ..)| at.is_none());
    for v in [(!reason_rewritten).then_some(ev.reason).flatten(), ev.code]
        .into_iter()
        .flatten()
    {
        keep(v);
    }
    for (i, (_, v)) in ev.extra.iter().enumerate() {
        let rewritten = text_slots.iter().any(|&(at, ..)| at == Some(i));
        if let Some(s) = v.as_str()
            && !replaced(Slot::Extra(i))
            && !rewritten
        {
            keep(s);
        }
    }
    recorder.record(seen, joined);
}

/// Writes `raw` with the edits applied into `out`, and passes each part
/// of `raw` kept as it was to `kept`; edits are (start, end) in `raw` and
/// the replacement's range in `scratch`. Where edits overlap, the first and
/// longest wins.
fn apply(
    raw: &str,
    edits: &mut [(usize, usize, usize, usize)],
    scratch: &str,
    out: &mut String,
    mut kept: impl FnMut(&str),
) {
    if edits.is_empty() {
        out.push_str(raw);
        kept(raw);
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
        kept(&raw[at..s]);
        out.push_str(&scratch[rs..re]);
        at = e;
    }
    out.push_str(&raw[at..]);
    kept(&raw[at..]);
}

/// A text in NFC, with where each of its pieces came from: a piece is a
/// character that combines with nothing before it and the marks after it,
/// normalised on its own (which is NFC but for conjoining Hangul jamo).
struct Nfc {
    text: String,
    /// (start in `text`, start in the original), piece by piece, and the
    /// two ends last.
    starts: Vec<(usize, usize)>,
}

impl Nfc {
    fn of(original: &str) -> Nfc {
        use unicode_normalization::char::canonical_combining_class;
        let mut text = String::with_capacity(original.len());
        let mut starts = Vec::new();
        let mut piece = 0;
        let flush =
            |text: &mut String, starts: &mut Vec<(usize, usize)>, from: usize, to: usize| {
                if from < to {
                    starts.push((text.len(), from));
                    text.extend(original[from..to].nfc());
                }
            };
        for (i, c) in original.char_indices() {
            if canonical_combining_class(c) == 0 {
                flush(&mut text, &mut starts, piece, i);
                piece = i;
            }
        }
        flush(&mut text, &mut starts, piece, original.len());
        starts.push((text.len(), original.len()));
        Nfc { text, starts }
    }

    /// The original byte range of `text[start..end]`, widened to whole pieces.
    fn original(&self, start: usize, end: usize) -> (usize, usize) {
        let piece_of = |at: usize| match self.starts.binary_search_by_key(&at, |p| p.0) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let first = self.starts[piece_of(start)].1;
        let last = piece_of(end.saturating_sub(1).max(start));
        (first, self.starts[last + 1].1)
    }
}

/// Where `part` lies in `whole`, if it is a slice of it.
fn span_in(whole: &str, part: &str) -> Option<(usize, usize)> {
    let (w, p) = (whole.as_ptr() as usize, part.as_ptr() as usize);
    (p >= w && p + part.len() <= w + whole.len()).then(|| (p - w, p - w + part.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anon::key::Key;
    use crate::event::Kind;
    use crate::format::Format;

    fn local() -> Local {
        let key = Key(zeroize::Zeroizing::new([7; 32]));
        Local::new(Shared::new(&key, Selection::default(), true))
    }

    fn rewritten(local: &mut Local, ev: &Event<'_>) -> String {
        let mut out = String::new();
        local.rewrite_line(ev, &mut out);
        out
    }

    fn checkout<'a>(raw: &'a str, user: &'a str, host: &'a str) -> Event<'a> {
        let mut ev = Event::new("in.log", 1, Format::Flexnet, Kind::Checkout, raw);
        ev.user = Some(&raw[raw.find(user).unwrap()..][..user.len()]);
        ev.host = Some(&raw[raw.find(host).unwrap()..][..host.len()]);
        ev
    }

    fn message(raw: &str) -> Event<'_> {
        Event::new("in.log", 2, Format::Flexnet, Kind::Message, raw)
    }

    #[test]
    fn free_text_gets_the_names_of_this_batch_only() {
        let mut l = local();
        let pseudonym = |l: &Local, c, v| l.shared.pseudonyms.make(c, v);
        let out = rewritten(
            &mut l,
            &checkout("OUT: f jdoe@ws-01.corp", "jdoe", "ws-01.corp"),
        );
        let (u, h) = (
            pseudonym(&l, Class::User, "jdoe"),
            pseudonym(&l, Class::Host, "ws-01.corp"),
        );
        assert_eq!(out, format!("OUT: f {u}@{h}"));
        let out = rewritten(&mut l, &message("jdoe left ws-01 and ws-01.corp"));
        let short = pseudonym(&l, Class::Host, "ws-01");
        assert_eq!(out, format!("{u} left {short} and {h}"));
        // Met in an earlier batch: left for the leak check and second pass,
        // so that the output does not depend on which thread had which batch.
        l.batch_start();
        assert_eq!(rewritten(&mut l, &message("jdoe again")), "jdoe again");
    }

    #[test]
    fn a_name_met_as_two_classes_counts_as_the_first_in_free_text() {
        let mut l = local();
        rewritten(&mut l, &checkout("OUT: f lic01@other", "other", "lic01"));
        rewritten(&mut l, &checkout("OUT: f lic01@other", "lic01", "other"));
        let user = l.shared.pseudonyms.make(Class::User, "lic01");
        assert_eq!(
            rewritten(&mut l, &message("lic01 down")),
            format!("{user} down")
        );
        // The next batch meets it as a host only.
        l.batch_start();
        rewritten(&mut l, &checkout("OUT: f x@lic01", "x", "lic01"));
        let host = l.shared.pseudonyms.make(Class::Host, "lic01");
        assert_eq!(
            rewritten(&mut l, &message("lic01 down")),
            format!("{host} down")
        );
    }

    #[test]
    fn the_cache_grows_and_still_finds_every_name() {
        let mut l = local();
        let names: Vec<String> = (0..5000).map(|i| format!("user{i}")).collect();
        for name in &names {
            l.cache.get(&l.shared.clone(), Class::User, name);
        }
        for name in names.iter().rev() {
            let p = l
                .cache
                .get(&l.shared.clone(), Class::User, name)
                .to_string();
            assert_eq!(p, l.shared.pseudonyms.make(Class::User, name));
        }
        assert_eq!(l.cache.entries.len(), 5000);
    }

    #[test]
    fn nfc_views_map_back_to_the_original_bytes() {
        let original = "a Jose\u{301} b NU\u{301}N\u{303}EZ";
        let n = Nfc::of(original);
        assert_eq!(n.text, "a José b NÚÑEZ");
        let at = n.text.find("José").unwrap();
        let (s, e) = n.original(at, at + "José".len());
        assert_eq!(&original[s..e], "Jose\u{301}");
        let at = n.text.find("NÚÑEZ").unwrap();
        let (s, e) = n.original(at, at + "NÚÑEZ".len());
        assert_eq!(&original[s..e], "NU\u{301}N\u{303}EZ");
    }
}
