//! Word runs, and a filter of every word run written to the output: the
//! cheap half of the leak check.
//!
//! A name occurs as a token only where each of its pieces (word runs, cut
//! again at `-` and `_`) is a piece of the text too: the characters around
//! it are not word characters, or soft joins (`-`, `_`). So if some piece
//! of a name was never written, the name was never written; only names
//! whose pieces may all have been written need an exact search of the
//! output.

use std::sync::atomic::{AtomicU64, Ordering};

/// Token characters: letters, digits, `_` and `-` (host and user names).
pub fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

/// What a byte is, for [`runs`]: the scan is a table lookup per byte.
const OTHER: u8 = 0;
const DIGIT: u8 = 1;
const WORD: u8 = 2;
const NON_ASCII: u8 = 3;

const CLASS: [u8; 256] = {
    let mut t = [OTHER; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = if c >= 0x80 {
            NON_ASCII
        } else if c.is_ascii_digit() {
            DIGIT
        } else if c.is_ascii_alphabetic() || c == b'_' || c == b'-' {
            WORD
        } else {
            OTHER
        };
        b += 1;
    }
    t
};

/// A word character of a script written without spaces between words
/// (Japanese kana and kanji, Chinese, Korean): a change between these and
/// other letters is a word boundary too, as in `ユーザーkenjiがログイン`.
const EAST_ASIAN: u8 = 4;

/// Whether `c` is of a script written without spaces.
pub fn is_east_asian(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF     // hiragana, katakana
        | 0x31F0..=0x31FF   // katakana phonetic extensions
        | 0x3400..=0x4DBF   // CJK extension A
        | 0x4E00..=0x9FFF   // CJK unified ideographs
        | 0xAC00..=0xD7AF   // hangul syllables
        | 0xF900..=0xFAFF   // CJK compatibility ideographs
        | 0xFF66..=0xFF9F   // halfwidth katakana
        | 0x20000..=0x2FFFF // CJK extensions B and on
    )
}

/// Whether a run of word characters ends between `a` and `b`: a change of
/// script between east Asian and other letters.
pub fn script_changes(a: char, b: char) -> bool {
    is_east_asian(a) != is_east_asian(b)
}

/// Calls `f(start, end, digits_only)` for each maximal run of word
/// characters of one script kind in `text`.
fn runs_with_digits(text: &str, mut f: impl FnMut(usize, usize, bool)) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Skip to the next word character.
        let (c, w) = class_at(text, i);
        if c == OTHER {
            i += w;
            continue;
        }
        let start = i;
        let mut digits = c == DIGIT;
        let mut east = c == EAST_ASIAN;
        i += w;
        while i < bytes.len() {
            let (c, w) = class_at(text, i);
            if c == OTHER || (c == EAST_ASIAN) != east {
                break;
            }
            digits &= c == DIGIT;
            east = c == EAST_ASIAN;
            i += w;
        }
        f(start, i, digits);
    }
}

/// The class of the character at `i` (a non-ASCII one decoded), and its width.
#[inline(always)]
fn class_at(text: &str, i: usize) -> (u8, usize) {
    match CLASS[text.as_bytes()[i] as usize] {
        NON_ASCII => {
            let c = text[i..].chars().next().expect("a char boundary");
            let class = if !is_word(c) {
                OTHER
            } else if is_east_asian(c) {
                EAST_ASIAN
            } else {
                WORD
            };
            (class, c.len_utf8())
        }
        class => (class, 1),
    }
}

/// Calls `f(start, end)` for each maximal run of word characters in `text`.
pub fn runs(text: &str, mut f: impl FnMut(usize, usize)) {
    runs_with_digits(text, |s, e, _| f(s, e));
}

/// Whether `c` joins the words of a run softly: a name may start or end
/// at it (`flexlm01` in `Maple2021-flexlm01`, `jdoe` in `jdoe_old`).
pub fn is_soft(c: u8) -> bool {
    c == b'-' || c == b'_'
}

/// Calls `f(start, end)` for each piece of `text[s..e]` (a word run)
/// between soft joins ([`is_soft`]); a run without one is one piece.
pub fn pieces(text: &str, s: usize, e: usize, mut f: impl FnMut(usize, usize)) {
    let mut from = s;
    for i in memchr::memchr2_iter(b'-', b'_', &text.as_bytes()[s..e]) {
        if s + i > from {
            f(from, s + i);
        }
        from = s + i + 1;
    }
    if e > from {
        f(from, e);
    }
}

/// Calls `f(start, end, digits_only)` for each piece ([`pieces`]) of each
/// word run of `text`: the units of the filter of written words, since a
/// name may stand between soft joins.
fn pieces_with_digits(text: &str, mut f: impl FnMut(usize, usize, bool)) {
    let bytes = text.as_bytes();
    runs_with_digits(text, |s, e, digits| {
        if digits || memchr::memchr2(b'-', b'_', &bytes[s..e]).is_none() {
            f(s, e, digits);
        } else {
            pieces(text, s, e, |ps, pe| {
                f(ps, pe, bytes[ps..pe].iter().all(u8::is_ascii_digit));
            });
        }
    });
}

/// A hash that ignores letter case: bit 5 of every byte is set first, which
/// lowercases ASCII letters (and the Latin-1 letters' second UTF-8 byte,
/// `É` and `é`) and changes no other byte a word run holds but `_`. Names
/// are found in text in any case ([`crate::anon::names`]), and equal runs
/// are told apart by comparing them.
pub fn hash(run: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    const CASE: u64 = 0x2020_2020_2020_2020;
    let mut h: u64 = run.len() as u64;
    let mut chunks = run.chunks_exact(8);
    for c in &mut chunks {
        h = fold(
            h ^ (u64::from_le_bytes(c.try_into().expect("8 bytes")) | CASE),
            K,
        );
    }
    let rest = chunks.remainder();
    let tail_case = match rest.len() {
        0 => 0,
        1..4 => 0x20_2020,
        _ => CASE,
    };
    // Each step spreads every input bit over the whole word: the filter,
    // the caches and the maps take their index from either end. Never 0,
    // the empty slot of a `Recorder`.
    fold(h ^ (tail(rest) | tail_case), 0x9e37_79b9_7f4a_7c15) | 1
}

/// Whether two runs of text are the same name in any letter case.
pub fn same_in_any_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    folded(a).eq(folded(b))
}

/// `s` lowercased as names are compared: also the letters whose other case
/// is another letter or two (`Yılmaz` is `YILMAZ`, `Groß` is `GROSS`,
/// `İzmir` is `IZMIR`), which plain lowercasing keeps apart.
pub fn folded(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().flat_map(char::to_lowercase).flat_map(|c| {
        let (a, b) = match c {
            'ß' => ('s', Some('s')),
            'ı' => ('i', None),
            'ſ' => ('s', None),
            'ς' => ('σ', None),
            c => (c, None),
        };
        // The dot `İ` lowercases to (`i` + U+0307) is the `i`'s own.
        std::iter::once(a).chain(b).filter(|&c| c != '\u{307}')
    })
}

/// Whether `s` holds a letter [`folded`] treats apart from lowercasing:
/// such a name is also indexed under its capitals ([`capitals`]).
pub fn has_case_trap(s: &str) -> bool {
    !s.is_ascii()
        && s.chars()
            .any(|c| matches!(c, 'ß' | 'ẞ' | 'ı' | 'İ' | 'ſ' | 'ς'))
}

/// `s` in capitals, as [`folded`] compares: `Groß` is `GROSS`.
pub fn capitals(s: &str) -> String {
    s.chars()
        .flat_map(char::to_uppercase)
        .map(|c| if c == 'İ' { 'I' } else { c })
        .collect()
}

/// The product's two halves folded together (one multiplication): a bit
/// of `a` reaches both ends of the result.
#[inline(always)]
fn fold(a: u64, b: u64) -> u64 {
    let m = u128::from(a) * u128::from(b);
    (m as u64) ^ ((m >> 64) as u64)
}

/// The last 0 to 7 bytes of a run as a word, read without a copy through
/// the stack (which stalls the load after it). With the run's length
/// hashed too, the overlapping reads still tell every tail apart.
#[inline(always)]
fn tail(b: &[u8]) -> u64 {
    let n = b.len();
    if n >= 4 {
        let lo = u32::from_le_bytes(b[..4].try_into().expect("4 bytes"));
        let hi = u32::from_le_bytes(b[n - 4..].try_into().expect("4 bytes"));
        u64::from(lo) | (u64::from(hi) << 32)
    } else if n > 0 {
        u64::from(b[0]) | (u64::from(b[n / 2]) << 8) | (u64::from(b[n - 1]) << 16)
    } else {
        0
    }
}

/// A fast hasher for short names (the std default, SipHash, is built to
/// resist flooding, which a log's own names cannot do to a local run).
#[derive(Default)]
pub struct NameHasher(u64);

impl std::hash::Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0 = (self.0.rotate_left(7) ^ hash(bytes)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    // A `str` key ends with a 0xff byte: mixed in cheaply, not as a slice.
    fn write_u8(&mut self, byte: u8) {
        self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    // Folded, so that every bit of `n` reaches the low bits a table
    // indexes by.
    fn write_u64(&mut self, n: u64) {
        self.0 = fold(self.0.rotate_left(7) ^ n, 0x9e37_79b9_7f4a_7c15);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub type FastMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<NameHasher>>;
pub type FastSet<K> = std::collections::HashSet<K, std::hash::BuildHasherDefault<NameHasher>>;

/// 2^20 words of 64 bits (8 MiB): a million distinct runs leave a
/// one-run name a false alarm with probability below 1e-4.
const WORD_BITS: u32 = 20;

/// A blocked Bloom filter shared by every thread: each run sets three bits
/// of one word. A false "maybe" only costs an exact search.
pub struct Seen {
    words: Vec<AtomicU64>,
}

impl Default for Seen {
    fn default() -> Self {
        Seen {
            words: (0..1usize << WORD_BITS)
                .map(|_| AtomicU64::new(0))
                .collect(),
        }
    }
}

fn slot(h: u64) -> (usize, u64) {
    let word = (h >> (64 - WORD_BITS)) as usize;
    let bits = (1u64 << (h & 63)) | (1u64 << ((h >> 6) & 63)) | (1u64 << ((h >> 12) & 63));
    (word, bits)
}

impl Seen {
    /// A filter that holds nothing and is never written to.
    pub fn empty() -> Seen {
        Seen { words: Vec::new() }
    }

    fn insert_hash(&self, h: u64) {
        let (word, bits) = slot(h);
        let w = &self.words[word];
        // Reading first keeps the cache line shared when the bits are set.
        if w.load(Ordering::Relaxed) & bits != bits {
            w.fetch_or(bits, Ordering::Relaxed);
        }
    }

    fn may_contain_hash(&self, h: u64) -> bool {
        let (word, bits) = slot(h);
        self.words[word].load(Ordering::Relaxed) & bits == bits
    }

    /// Whether `name` may have been written as a token: every piece
    /// ([`pieces`]) of it that counts may be in the filter. A name without
    /// such a piece cannot be ruled out.
    pub fn may_contain(&self, name: &str) -> bool {
        // Runs made only of digits are left out of the filter: numbers are
        // most of a log's distinct runs, and no name is only digits.
        let mut all = true;
        pieces_with_digits(name, |s, e, digits| {
            if !digits && !self.may_contain_hash(hash(&name.as_bytes()[s..e])) {
                all = false;
            }
        });
        all
    }

    pub fn clear(&self) {
        for w in &self.words {
            w.store(0, Ordering::Relaxed);
        }
    }
}

/// One thread's front to [`Seen`]: a small direct-mapped memory of the
/// texts and runs it added lately, so that what every line repeats costs
/// neither a scan nor a shared write.
pub struct Recorder {
    recent: Box<[u64; 4096]>,
    recent_texts: Box<[u64; 1024]>,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder {
            recent: Box::new([0; 4096]),
            recent_texts: Box::new([0; 1024]),
        }
    }
}

impl Recorder {
    /// Adds every run of `text` to `seen`.
    pub fn record(&mut self, seen: &Seen, text: &str) {
        // Digit-only runs are not recorded, so a leading time or count and
        // the separators around it can be skipped at a byte a step; what
        // is left (keywords, feature and daemon names) repeats from line to
        // line, and is scanned only when this thread has not just done so.
        let bytes = text.as_bytes();
        let mut from = 0;
        while from < bytes.len() && CLASS[bytes[from] as usize] <= DIGIT {
            from += 1;
        }
        if from == bytes.len() {
            return;
        }
        while from > 0 && CLASS[bytes[from - 1] as usize] == DIGIT {
            from -= 1;
        }
        let rest = &text[from..];
        let h = hash(rest.as_bytes());
        let memo = &mut self.recent_texts[(h >> 16) as usize & 1023];
        if *memo == h {
            return;
        }
        *memo = h;
        let bytes = rest.as_bytes();
        pieces_with_digits(rest, |s, e, digits| {
            if digits {
                return;
            }
            let h = hash(&bytes[s..e]);
            let i = (h >> 8) as usize & 4095;
            if self.recent[i] != h {
                self.recent[i] = h;
                seen.insert_hash(h);
            }
        });
    }
}

/// Whether two names are equal, without a call for the short ones most
/// names are.
#[inline(always)]
pub fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 8 {
        return tail(a) == tail(b);
    }
    let word = |x: &[u8], at: usize| u64::from_le_bytes(x[at..at + 8].try_into().expect("8"));
    let mut i = 0;
    while i + 8 < n {
        if word(a, i) != word(b, i) {
            return false;
        }
        i += 8;
    }
    word(a, n - 8) == word(b, n - 8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_runs(t: &str) -> Vec<&str> {
        let mut out = Vec::new();
        runs(t, |s, e| out.push(&t[s..e]));
        out
    }

    #[test]
    fn runs_are_maximal_word_sequences() {
        assert_eq!(
            all_runs("OUT: \"f\" jdoe@ws-01.corp  Mª Cruz—x"),
            ["OUT", "f", "jdoe", "ws-01", "corp", "Mª", "Cruz", "x"]
        );
        assert_eq!(all_runs(""), Vec::<&str>::new());
    }

    #[test]
    fn written_names_are_maybe_and_others_mostly_not() {
        let seen = Seen::default();
        let mut r = Recorder::default();
        r.record(
            &seen,
            "10:00:00 (lmgrd) started on ws-01.corp.example by Mª Cruz",
        );
        for name in ["ws-01.corp.example", "ws-01", "Mª Cruz", "lmgrd", "10:00"] {
            assert!(seen.may_contain(name), "{name}");
        }
        // "10" and "00" are digits only: they do not count, so "10:00" is
        // decided by nothing and stays a maybe.
        assert!(!seen.may_contain("jdoe"));
        assert!(!seen.may_contain("lic-02.corp.example"));
        // Each piece between soft joins counts on its own.
        assert!(seen.may_contain("ws") && seen.may_contain("ws-02.corp"));
    }

    #[test]
    fn a_run_after_a_leading_number_is_recorded_whole_and_repeats_are_kept() {
        let seen = Seen::default();
        let mut r = Recorder::default();
        r.record(&seen, "12:00 15abc (x)");
        assert!(seen.may_contain("15abc") && seen.may_contain("x"));
        assert!(!seen.may_contain("abc"));
        // The same text again is skipped, and a text of digits only too.
        r.record(&seen, "12:00 15abc (x)");
        r.record(&seen, " 42 ");
        assert!(seen.may_contain("15abc"));
    }

    #[test]
    fn same_agrees_with_equality_at_every_length() {
        let base: Vec<u8> = (0..40u8).map(|i| b'a' + i % 26).collect();
        for n in 0..=base.len() {
            let a = &base[..n];
            assert!(same(a, a), "{n}");
            for at in 0..n {
                let mut b = a.to_vec();
                b[at] ^= 1;
                assert!(!same(a, &b), "{n} {at}");
            }
            if n > 0 {
                assert!(!same(a, &base[..n - 1]));
            }
        }
    }

    #[test]
    fn names_that_differ_in_their_last_byte_spread_over_the_index_bits() {
        // The caches index by the high half and the filter by the top bits.
        let slots: std::collections::HashSet<u64> = (0..100)
            .map(|i| hash(format!("user{i:03}").as_bytes()) >> 54)
            .collect();
        assert!(slots.len() > 90, "{}", slots.len());
    }

    #[test]
    fn the_hash_ignores_letter_case() {
        for (a, b) in [
            ("alice", "ALICE"),
            ("ws-01.Corp", "WS-01.corp"),
            ("Núñez", "NÚÑEZ"),
            ("a_longer_name_x", "A_LONGER_NAME_X"),
        ] {
            assert_eq!(hash(a.as_bytes()), hash(b.as_bytes()), "{a}");
            assert!(same_in_any_case(a, b));
        }
        assert_ne!(hash(b"alice"), hash(b"alicf"));
        assert!(!same_in_any_case("alice", "alicf"));
    }
}
