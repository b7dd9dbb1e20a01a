//! The independent half of the leak check: every identifier-shaped token
//! of an output, whatever the readers learned.
//!
//! The exact check ([`super::check`]) can only find the names the readers
//! met; a name in a place no reader understood goes through it unseen. The
//! detector looks at shapes instead: host names with a domain, addresses,
//! `user@host`, MAC addresses, `DOMAIN\user`, home directories, the client
//! tuples of FlexNet summary logs, and, when given, tokens equal to a
//! learned name in any letter case. What it skips is listed in
//! [`is_allowed`] and in docs/anonymization.md; `--allow PATTERN` adds to
//! it.
//!
//! Lines are cut into tokens at spaces, quotes, brackets and a few other
//! separators; a token is looked at only if it holds `.`, `@`, `:`, `\` or
//! `/`, so ordinary words cost one pass over their bytes.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use regex::Regex;

mod shapes;

use self::shapes::{
    client_tuples, domain_user, fold, home_directory, home_name, is_host_id, is_host_name,
    is_iso_datetime, is_mac, is_placeholder, is_port, is_pseudonym_pair, is_version_word,
    json_unescape, trim_token, tuple_at, unc_server, user_at_host, without_zone,
};
pub use self::shapes::{is_allowed, is_nobody_address, is_pseudonym};

/// A value that names nobody: a placeholder (`unknown`, `-`, `LM_SERVER`,
/// `localhost`) or an address of no machine.
pub fn names_nobody(value: &str) -> bool {
    is_placeholder(value) || is_nobody_address(value)
}
use super::pseudonym::Class;
use super::tokens::{self, FastSet};

/// What kind of identifier a finding looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shape {
    /// `ws1.corp.example`
    HostName,
    Ipv4,
    Ipv6,
    /// `jdoe@ws1`, `jane.doe@corp.example`
    UserAtHost,
    Mac,
    /// Twelve hex digits, a MAC address without separators, as FlexNet
    /// and RLM write host IDs: `7aa67c9ca619`.
    HostId,
    /// `CORP\jdoe`
    DomainUser,
    /// `/home/jdoe`, `/Users/jdoe`, `C:\Users\jdoe`
    HomeDirectory,
    /// FlexNet SLOG `(user,node,FD)`
    ClientTuple,
    /// A token equal to a name the readers learned, in another letter case
    /// or Unicode normalisation.
    LearnedName,
}

impl Shape {
    /// The name with its article, for messages: `an IPv4 address`.
    pub fn described(self) -> String {
        let name = self.name();
        let article = if name.starts_with('I') { "an" } else { "a" };
        format!("{article} {name}")
    }

    pub fn name(self) -> &'static str {
        match self {
            Shape::HostName => "host name",
            Shape::Ipv4 => "IPv4 address",
            Shape::Ipv6 => "IPv6 address",
            Shape::UserAtHost => "user@host",
            Shape::Mac => "MAC address",
            Shape::HostId => "host ID",
            Shape::DomainUser => "DOMAIN\\user",
            Shape::HomeDirectory => "home directory",
            Shape::ClientTuple => "SLOG client tuple",
            Shape::LearnedName => "learned name",
        }
    }
}

/// The byte ranges of `token` between changes of script kind (east Asian
/// or not), as the rewrite's word runs are cut.
fn script_pieces(token: &str) -> Vec<(usize, usize)> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut prev: Option<char> = None;
    for (i, c) in token.char_indices() {
        if prev.is_some_and(|p| super::tokens::script_changes(p, c)) {
            pieces.push((start, i));
            start = i;
        }
        prev = Some(c);
    }
    pieces.push((start, token.len()));
    pieces
}

/// A finding: where (1-based line, 1-based character column) and what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Finding {
    pub line: u64,
    pub column: usize,
    pub shape: Shape,
}

#[derive(Default)]
pub struct Detector {
    /// `--allow` patterns: a token any of them matches whole is accepted.
    allow: Vec<Regex>,
    /// Learned names, lowercased and NFC-normalised, and a bound on the
    /// length of the tokens worth folding.
    learned: FastSet<String>,
    longest: usize,
    /// Cheap tests before folding a token: the first bytes (lowercased
    /// ASCII; any non-ASCII byte as 0x7f) and the byte lengths of learned
    /// names.
    first_bytes: [u64; 2],
    lengths: [u64; 4],
    /// Addresses the run wrote as pseudonyms: an address pseudonym is an
    /// address like any other, so only the run that made it knows it.
    addresses: HashSet<String>,
    /// The text is liclog's JSONL or CSV: `\t` and `\\` are JSON escapes.
    pub json_escapes: bool,
    /// With the original at hand (`verify ORIGINAL ANONYMIZED`): its
    /// addresses. Any other address is new, so it is no leak.
    original_addresses: Option<HashSet<IpAddr>>,
}

/// One thread's memory of the marked ASCII tokens its detector found
/// clean lately (no shape, no learned name): a direct-mapped table of
/// tokens up to `CleanTokens::LONGEST` bytes, compared whole, so a
/// remembered token is one that was checked. A detector's answer for a
/// token never changes, so a table serves one detector.
pub struct CleanTokens {
    slots: Vec<[u8; CleanTokens::LONGEST + 1]>,
}

impl Default for CleanTokens {
    fn default() -> Self {
        CleanTokens::with_slots(1024)
    }
}

impl CleanTokens {
    const LONGEST: usize = 63;

    /// `slots`: a power of two (a small file needs few).
    pub fn with_slots(slots: usize) -> CleanTokens {
        CleanTokens {
            slots: vec![[0; CleanTokens::LONGEST + 1]; slots],
        }
    }

    /// A table that remembers nothing.
    pub fn none() -> CleanTokens {
        CleanTokens { slots: Vec::new() }
    }

    /// `None` when `token` was found clean; otherwise where to remember it
    /// once it is.
    fn remembers(&self, token: &str) -> Option<usize> {
        let b = token.as_bytes();
        if self.slots.is_empty() || b.len() > Self::LONGEST {
            return Some(usize::MAX);
        }
        let i = (super::tokens::hash(b) >> 20) as usize & (self.slots.len() - 1);
        let slot = &self.slots[i];
        if usize::from(slot[0]) == b.len() && &slot[1..=b.len()] == b && !b.is_empty() {
            None
        } else {
            Some(i)
        }
    }

    fn remember(&mut self, i: usize, token: &str) {
        if let Some(slot) = self.slots.get_mut(i) {
            slot[0] = token.len() as u8;
            slot[1..=token.len()].copy_from_slice(token.as_bytes());
        }
    }
}

/// What a byte is to the tokenizer: one table lookup per byte (the scan
/// reads every byte of the output).
const SEPARATOR: u8 = 1;
const MARK: u8 = 2;
const LETTER: u8 = 4;
const NON_ASCII: u8 = 8;
/// Any other ASCII punctuation (`-`, `_`, `#`, …): a token without it,
/// marks or non-ASCII is one word run, looked up once.
const PUNCT: u8 = 16;

const BYTES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = match b {
            b'"'
            | b'\''
            | b'('
            | b')'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'<'
            | b'>'
            | b','
            | b';'
            | b'='
            | b'|'
            | b'`'
            | 0..=b' '
            | 0x7f => SEPARATOR,
            b'.' | b'@' | b':' | b'\\' | b'/' => MARK,
            b'a'..=b'z' | b'A'..=b'Z' => LETTER,
            b'0'..=b'9' => 0,
            0x80.. => NON_ASCII,
            _ => PUNCT,
        };
        i += 1;
    }
    t
};

impl Detector {
    /// `allow`: regular expressions, each matched against whole tokens.
    pub fn new(allow: &[String]) -> Result<Detector, String> {
        let allow = allow
            .iter()
            .map(|p| Regex::new(&format!("^(?:{p})$")).map_err(|e| format!("--allow {p:?}: {e}")))
            .collect::<Result<_, _>>()?;
        Ok(Detector {
            allow,
            ..Detector::default()
        })
    }

    /// Also finds tokens equal to `name` in any letter case or Unicode
    /// normalisation (the exact check finds it as written).
    pub fn learn(&mut self, name: &str) {
        if name.chars().count() >= super::names::MIN_FREE_TEXT
            && !super::structure::is_structure_word(name)
        {
            let folded = fold(name);
            // An NFD token is longer than the NFC name it equals.
            self.longest = self.longest.max(folded.len() * 3);
            let first = folded.as_bytes()[0].min(0x7f);
            self.first_bytes[usize::from(first >> 6)] |= 1 << (first & 63);
            if folded.is_ascii() && folded.len() < 256 {
                self.lengths[folded.len() >> 6] |= 1 << (folded.len() & 63);
            } else {
                self.lengths = [u64::MAX; 4]; // any length may fold to it
            }
            self.learned.insert(folded);
        }
    }

    /// An address this run wrote as a pseudonym.
    pub fn pseudonym_address(&mut self, address: &str) {
        self.addresses.insert(address.to_string());
    }

    /// Finds only these addresses (the original's): any other address in
    /// the output is one the original never held.
    pub fn only_addresses(&mut self, original: HashSet<IpAddr>) {
        self.original_addresses = Some(original);
    }

    /// The addresses of `text`, as the rewrite would replace them.
    pub fn addresses_in(&self, text: &str, mut f: impl FnMut(IpAddr)) {
        self.replaceable(text, |s, e, _| {
            let token = &text[s..e];
            if let Ok(ip) = without_zone(token).parse() {
                f(ip);
            }
        });
    }

    /// Calls `f(text, start, end, shape)` for each finding in `line`:
    /// `text[start..end]` is the token, and `text` is `line`, or in JSON
    /// mode `line` with its escapes undone. `clean`: this thread's memory
    /// of tokens this detector passed, for the next lines.
    pub fn scan(
        &self,
        line: &str,
        clean: &mut CleanTokens,
        f: impl FnMut(&str, usize, usize, Shape),
    ) {
        if self.json_escapes && line.contains('\\') {
            self.scan_text(&json_unescape(line), clean, f);
        } else {
            self.scan_text(line, clean, f);
        }
    }

    fn scan_text(
        &self,
        line: &str,
        clean: &mut CleanTokens,
        mut f: impl FnMut(&str, usize, usize, Shape),
    ) {
        client_tuples(line, |s, e| f(line, s, e, Shape::ClientTuple));
        // After `C:\`, `Files\Autodesk` is a path, not a domain and a user.
        let bytes = line.as_bytes();
        let windows_path = memchr::memchr_iter(b'\\', bytes)
            .any(|i| i >= 2 && bytes[i - 1] == b':' && bytes[i - 2].is_ascii_alphabetic());
        let mut last = "";
        let mut i = 0;
        while i < bytes.len() {
            while i < bytes.len() && BYTES[bytes[i] as usize] == SEPARATOR {
                i += 1;
            }
            let start = i;
            // Whether the token holds a mark of an identifier (`.@:\/`),
            // and a letter: a token of digits and marks alone is a time,
            // a date, a ratio, a version or an IPv4 address.
            let mut seen = 0u8;
            while i < bytes.len() {
                let class = BYTES[bytes[i] as usize];
                if class == SEPARATOR {
                    break;
                }
                seen |= class;
                i += 1;
            }
            if start == i {
                continue;
            }
            let (marks, letters, ascii) =
                (seen & MARK != 0, seen & LETTER != 0, seen & NON_ASCII == 0);
            let token = trim_token(&line[start..i]);
            let previous = std::mem::replace(&mut last, token);
            let at = start + (token.as_ptr() as usize - line[start..].as_ptr() as usize);
            // Marked and punctuated tokens repeat from line to line (a file
            // name, an XSLM class, a date, a feature), and are the costly
            // ones to look at: each part is looked up.
            // A pseudonym, a pair of them or an ISO time (a CSV row's
            // first cells) is never a name, and rarely repeats.
            if is_pseudonym(token)
                || (marks && (is_pseudonym_pair(token) || is_iso_datetime(token)))
            {
                continue;
            }
            let memo = if marks || seen & PUNCT != 0 {
                clean.remembers(token)
            } else {
                Some(usize::MAX)
            };
            if memo.is_none() {
                continue;
            }
            let shape = match (marks, letters || !ascii) {
                // `00-19-B9-C4-A1-F5`, `7aa67c9ca619`, `~jdoe`.
                (false, _) if is_mac(token) => Some(Shape::Mac),
                (false, _) if is_host_id(token) => Some(Shape::HostId),
                (false, _) if token.starts_with('~') => home_directory(token),
                (false, _) => None,
                (true, true) => self
                    .shape_of(token)
                    .filter(|s| !(windows_path && *s == Shape::DomainUser)),
                // `version 11.19.6.0`: four numbers after such a word.
                (true, false) if is_version_word(previous) => None,
                (true, false) => self.numeric(token),
            };
            if let Some(shape) = shape
                && !self.allowed(token)
            {
                f(line, at, at + token.len(), shape);
                continue;
            }
            if ascii {
                let mut found = false;
                // Digits and marks alone (a time, a date, a port list):
                // no name stands inside; the whole is looked up all the same.
                let one_run = seen & (MARK | PUNCT) == 0 || seen & LETTER == 0;
                self.learned_parts(token, one_run, |s, e| {
                    found = true;
                    f(line, at + s, at + e, Shape::LearnedName);
                });
                if let (false, Some(slot)) = (found, memo) {
                    clean.remember(slot, token);
                }
                continue;
            }
            // A name written against kana or kanji: each piece of one
            // script kind is a token of its own.
            for (s, e) in script_pieces(token) {
                self.learned_parts(&token[s..e], false, |ps, pe| {
                    f(line, at + s + ps, at + s + pe, Shape::LearnedName);
                });
            }
        }
    }

    fn allowed(&self, token: &str) -> bool {
        self.allow.iter().any(|r| r.is_match(token))
    }

    /// The parts of the identifier-shaped tokens of `text` that a rewrite
    /// replaces, with the class of pseudonym each gets: both sides of
    /// `user@host`, a host name (without its port), an address, the user
    /// of `DOMAIN\user` and of a home directory, a MAC address.
    pub fn replaceable(&self, text: &str, mut f: impl FnMut(usize, usize, Class)) {
        self.scan_text(text, &mut CleanTokens::none(), |text, s, e, shape| {
            let token = &text[s..e];
            let before_port = |t: &str| t.rsplit_once(':').map_or(t.len(), |(h, _)| h.len());
            match shape {
                Shape::UserAtHost => {
                    let at = token.rfind('@').expect("user@host");
                    let user_start = token[..at].rfind(['@', ':', '/']).map_or(0, |i| i + 1);
                    let host = &token[at + 1..];
                    let host_end = host.find(':').unwrap_or(host.len());
                    let (user, host) = (&token[user_start..at], &host[..host_end]);
                    if !is_pseudonym(user) && !is_placeholder(user) && !is_port(user) {
                        f(s + user_start, s + at, Class::User);
                    }
                    if !is_pseudonym(host) && !is_placeholder(host) && !is_nobody_address(host) {
                        f(s + at + 1, s + at + 1 + host_end, Class::Host);
                    }
                }
                Shape::HostName => match unc_server(token) {
                    Some(server) => {
                        f(s + 2, s + 2 + server.len(), Class::Host);
                        if let Some((from, to)) = home_name(token) {
                            f(s + from, s + to, Class::User);
                        }
                    }
                    None => f(s, s + before_port(token), Class::Host),
                },
                Shape::Ipv4 => f(s, s + token.find(':').unwrap_or(token.len()), Class::Ip),
                Shape::Ipv6 => {
                    let inner = token.trim_start_matches('[');
                    let start = s + (token.len() - inner.len());
                    let end = inner.find([']', '%']).unwrap_or(inner.len());
                    f(start, start + end, Class::Ip);
                }
                Shape::DomainUser => {
                    let slash = token.find('\\').expect("DOMAIN\\user");
                    f(s + slash + 1, e, Class::User);
                }
                Shape::HomeDirectory => {
                    if let Some((from, to)) = home_name(token) {
                        f(s + from, s + to, Class::User);
                    }
                }
                Shape::Mac | Shape::HostId => f(s, e, Class::Text),
                Shape::ClientTuple => {
                    if let Some((user, node, _)) = tuple_at(text, s) {
                        let user_at = s + 1;
                        let node_at = user_at + user.len() + 1;
                        if !user.trim().is_empty() && !is_pseudonym(user) {
                            f(user_at, user_at + user.len(), Class::User);
                        }
                        if !node.trim().is_empty() && !is_pseudonym(node) {
                            f(node_at, node_at + node.len(), Class::Host);
                        }
                    }
                }
                Shape::LearnedName => {}
            }
        });
    }

    /// Calls `f(start, end)` for the learned names in `token`: the whole
    /// token, else each of its word runs (`ws-01` of `C:\\x\\ws-01.log`),
    /// else each piece of a run between `-` and `_` (`flexlm01` of
    /// `Maple2021-flexlm01`). Allowed tokens and parts are skipped.
    /// `one_run`: the token is known to be a single run of letters and
    /// digits (most tokens are), so it is looked up whole only.
    fn learned_parts(&self, token: &str, one_run: bool, mut f: impl FnMut(usize, usize)) {
        if self.learned.is_empty() {
            return;
        }
        let found = |s: usize, e: usize| {
            let part = &token[s..e];
            self.learned_in(part, part.is_ascii()).is_some() && !self.allowed(part)
        };
        if found(0, token.len()) {
            return f(0, token.len());
        }
        if one_run {
            return;
        }
        tokens::runs(token, |s, e| {
            if is_pseudonym(&token[s..e]) {
                // `u-…` of `u-…@h-…:27000`: never a name.
            } else if (s, e) == (0, token.len()) {
                // The whole token, looked up above: its pieces only.
            } else if found(s, e) {
                return f(s, e);
            }
            if memchr::memchr2(b'-', b'_', &token.as_bytes()[s..e]).is_some() {
                tokens::pieces(token, s, e, |ps, pe| {
                    if found(ps, pe) {
                        f(ps, pe);
                    }
                });
            }
        });
    }

    fn learned_in(&self, token: &str, ascii: bool) -> Option<Shape> {
        if self.learned.is_empty()
            || token.len() < super::names::MIN_FREE_TEXT
            || token.len() > self.longest
        {
            return None;
        }
        let first = token.as_bytes()[0].to_ascii_lowercase().min(0x7f);
        let len = token.len();
        if self.first_bytes[usize::from(first >> 6)] & (1 << (first & 63)) == 0
            || (ascii && len < 256 && self.lengths[len >> 6] & (1 << (len & 63)) == 0)
        {
            return None;
        }
        // Most tokens are short ASCII words: folded on the stack.
        let mut buf = [0u8; 64];
        let hit = if ascii && token.len() <= buf.len() {
            let folded = &mut buf[..token.len()];
            folded.copy_from_slice(token.as_bytes());
            folded.make_ascii_lowercase();
            let folded = std::str::from_utf8(folded).expect("ASCII");
            self.learned.contains(folded)
        } else {
            self.learned.contains(&fold(token))
        };
        hit.then_some(Shape::LearnedName)
    }

    fn shape_of(&self, token: &str) -> Option<Shape> {
        if is_pseudonym_pair(token) {
            return None;
        }
        let (mut at, mut colon, mut backslash, mut slash, mut dot) =
            (false, false, false, false, false);
        for &b in token.as_bytes() {
            match b {
                b'@' => at = true,
                b':' => colon = true,
                b'\\' => backslash = true,
                b'/' => slash = true,
                b'.' => dot = true,
                _ => {}
            }
        }
        // `\\fs01.corp.example\share\license.lic`: the server of a UNC path
        // (a rewrite replaces its user under `profiles$\` too).
        if let Some(server) = unc_server(token)
            && !is_nobody_address(server)
            && !is_placeholder(server)
            && !is_pseudonym(server)
        {
            return Some(Shape::HostName);
        }
        // A home directory names its user, whatever file it leads to.
        if (slash || backslash)
            && let Some(shape) = home_directory(token)
        {
            return Some(shape);
        }
        // `ana@estudio.com.py` is a mail address, not a Python file.
        if at {
            return user_at_host(token);
        }
        if dot && is_allowed(token) {
            return None;
        }
        if backslash && let Some((domain, user)) = token.split_once('\\') {
            return domain_user(domain, user);
        }
        if colon {
            if is_iso_datetime(token) {
                return None;
            }
            if is_mac(token) {
                return Some(Shape::Mac);
            }
            let bare = token.trim_start_matches('[').trim_end_matches(']');
            let bare = without_zone(bare);
            let v6_bytes = bare
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
            if v6_bytes && bare.matches(':').count() >= 2 && bare.parse::<Ipv6Addr>().is_ok() {
                return self.address(bare, Shape::Ipv6);
            }
            // `host:port`, `ws1.corp.example:27000`
            let (host, port) = token.rsplit_once(':')?;
            if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) {
                return self.shape_of(host);
            }
            return None;
        }
        if !dot || slash {
            return None;
        }
        if token.parse::<Ipv4Addr>().is_ok() {
            return self.address(token, Shape::Ipv4);
        }
        (is_host_name(token) && !is_placeholder(token)).then_some(Shape::HostName)
    }

    /// A token of digits and marks only: an IPv4 address (alone or with a
    /// port), or nothing (`10:00:01`, `1/3/2024`, `11.13.1.2` after `v`).
    fn numeric(&self, token: &str) -> Option<Shape> {
        let address = token.split_once(':').map_or(token, |(a, _)| a);
        if address.bytes().filter(|&b| b == b'.').count() != 3 {
            return None;
        }
        address
            .parse::<Ipv4Addr>()
            .ok()
            .and_then(|_| self.address(address, Shape::Ipv4))
    }

    fn address(&self, address: &str, shape: Shape) -> Option<Shape> {
        let in_original = |set: &HashSet<IpAddr>| {
            without_zone(address)
                .parse()
                .is_ok_and(|ip| set.contains(&ip))
        };
        (!self.addresses.contains(address)
            && !is_nobody_address(address)
            && self.original_addresses.as_ref().is_none_or(in_original))
        .then_some(shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(d: &Detector, line: &str) -> Vec<(String, Shape)> {
        let mut out = Vec::new();
        d.scan(line, &mut CleanTokens::default(), |text, s, e, shape| {
            out.push((text[s..e].to_string(), shape))
        });
        out
    }

    fn shapes(line: &str) -> Vec<(String, Shape)> {
        found(&Detector::default(), line)
    }

    #[test]
    fn finds_every_shape() {
        use Shape::*;
        let cases = [
            (
                "started on moab.stage.arc-ts.umich.edu (linux)",
                "moab.stage.arc-ts.umich.edu",
                HostName,
            ),
            ("connect from 192.168.77.5:27000 ok", "192.168.77.5", Ipv4),
            ("peer [2a00:1450::42] gone", "2a00:1450::42", Ipv6),
            ("mapped ::ffff:10.4.12.77 in", "::ffff:10.4.12.77", Ipv6),
            (
                "OUT: \"x\" jdoe2@ws-build04",
                "jdoe2@ws-build04",
                UserAtHost,
            ),
            (
                "mail jane.doe@corp.example now",
                "jane.doe@corp.example",
                UserAtHost,
            ),
            ("hostid 00:1A:2B:3C:4D:5E", "00:1A:2B:3C:4D:5E", Mac),
            ("by CORP\\jdoe today", "CORP\\jdoe", DomainUser),
            (
                "file /home/jdoe/license.lic",
                "/home/jdoe/license.lic",
                HomeDirectory,
            ),
            (
                "C:\\Users\\Núñez\\lic.dat",
                "C:\\Users\\Núñez\\lic.dat",
                HomeDirectory,
            ),
        ];
        for (line, token, shape) in cases {
            let got = shapes(line);
            assert!(
                got.iter().any(|(t, s)| t.starts_with(token) && *s == shape),
                "{line}: {got:?}"
            );
        }
        let slog =
            "14:03:42 (ansyslmd) (@ansyslmd-SLOG@) 0 ms at 14:00:02(2/18/2017),#5,(root,moab,21)";
        assert!(
            shapes(slog)
                .iter()
                .any(|(t, s)| *s == ClientTuple && t == "(root,moab,21)")
        );
    }

    /// The blind spots an adversarial set of logs found (issue 25).
    #[test]
    fn finds_what_the_adversarial_set_hid() {
        use Shape::*;
        let cases = [
            ("hostid 00-19-B9-C4-A1-F5 ok", "00-19-B9-C4-A1-F5", Mac),
            (
                "HostID of the License Server: \"7aa67c9ca619\"",
                "7aa67c9ca619",
                HostId,
            ),
            ("from ::ffff:10.4.12.77 now", "::ffff:10.4.12.77", Ipv6),
            (
                "by john.c.smith@corp.example",
                "john.c.smith@corp.example",
                UserAtHost,
            ),
            ("mail ana@estudio.com.py", "ana@estudio.com.py", UserAtHost),
            (
                "27000@lic-b.corp.example:/opt/flexlm/license.dat",
                "27000@lic-b.corp.example:/opt/flexlm/license.dat",
                UserAtHost,
            ),
            (
                "\\\\fs01.corp.example\\profiles$\\mkowalski\\license.lic",
                "\\\\fs01.corp.example\\profiles$\\mkowalski\\license.lic",
                HostName,
            ),
            (
                "D:\\Users\\kim\\lic.dat",
                "D:\\Users\\kim\\lic.dat",
                HomeDirectory,
            ),
            ("/homes/kim/x.lic", "/homes/kim/x.lic", HomeDirectory),
            ("/home2/kim/x.lic", "/home2/kim/x.lic", HomeDirectory),
            ("/u/kim/x.lic", "/u/kim/x.lic", HomeDirectory),
            ("file ~kim/x.lic", "~kim/x.lic", HomeDirectory),
            (
                "(@lmgrd-SLOG@) 0 ms at 14:00:02(2/18/2017),#5,(akimura,ws-kimura-02,13) more",
                "(akimura,ws-kimura-02,13)",
                ClientTuple,
            ),
            (
                "(@lmgrd-SLOG@) 0 ms at 14:00:02(2/18/2017),#5,(akimura,ws-kimura-02,",
                "(akimura,ws-kimura-02,",
                ClientTuple,
            ),
            (
                "x.log,7,flexnet,message,\"0 ms,#5,(akimura,ws-kimura-02,13)\"",
                "(akimura,ws-kimura-02,13)",
                ClientTuple,
            ),
        ];
        for (line, token, shape) in cases {
            let got = shapes(line);
            assert!(
                got.iter().any(|(t, s)| t == token && *s == shape),
                "{line}: {got:?}"
            );
        }
        let d = Detector::default();
        let mut parts = Vec::new();
        let unc = "\\\\fs01.corp.example\\profiles$\\mkowalski\\license.lic";
        d.replaceable(unc, |s, e, class| parts.push((&unc[s..e], class)));
        assert_eq!(
            parts,
            [
                ("fs01.corp.example", Class::Host),
                ("mkowalski", Class::User)
            ]
        );
        let mut parts = Vec::new();
        let wrapped = "0 ms,#5,(akimura,ws-kimura-02,";
        d.replaceable(wrapped, |s, e, class| parts.push((&wrapped[s..e], class)));
        assert_eq!(
            parts,
            [("akimura", Class::User), ("ws-kimura-02", Class::Host)]
        );
        let mut parts = Vec::new();
        let port = "27000@lic-a and jdoe@10.1.2.3";
        d.replaceable(port, |s, e, class| parts.push((&port[s..e], class)));
        assert_eq!(
            parts,
            [
                ("lic-a", Class::Host),
                ("jdoe", Class::User),
                ("10.1.2.3", Class::Host)
            ]
        );
    }

    #[test]
    fn skips_what_the_adversarial_set_kept_wrongly() {
        for line in [
            "at com.flexnet.lmadmin.Main.run(Main.java:12) java.lang.NullPointerException",
            "27000@h-0123456789abcdef and 27000@LM_SERVER and 240.12.3.4 and 2001:db8:1::7",
            "mail support@flexera.com or info@reprisesoftware.com",
            "u-3f9a2c1d7e0b4c55@242.1.2.3 from 2001:db8::1%eth0",
            "handle 41 and 12ab and 0123456789 and deadbeefcafe",
            "f(x,(1,2,3)) and ,(2820K),(,,528)",
        ] {
            assert_eq!(shapes(line), vec![], "{line}");
        }
    }

    #[test]
    fn skips_pseudonyms_and_what_names_nobody() {
        for line in [
            "10:00:01 (MLM) OUT: \"MATLAB\" u-3f9a2c1d7e0b4c55@h-0123456789abcdef",
            "FlexNet Licensing (v11.16.2.0 build 242433 x64_lsb) started on h-0123456789abcdef (linux) (1/3/2024)",
            "License file(s): /opt/flexlm/license.dat lmgrd.log ansys.opt",
            "SWITCH from report.log.old to report.log.2 (license.lic.bak)",
            "SWITCH to report-2022-01-01.rl",
            "email info@reprisesoftware.com or see https://www.flexerasoftware.com/support",
            "version 11.13 and 9.7.0.0012 and v11.19.6.0 at 10:00:01 on 1/3/2024",
            "listening on 127.0.0.1 and 0.0.0.0 and ::1 and ::",
            "(@ansyslmd-SLOG@) 0 ms at 14:00:02(2/18/2017),#5,(u-3f9a2c1d7e0b4c55,h-0123456789abcdef,21)",
            "(@maplelmg-SLOG@) 0 ms at 12:31:17(2/18/2017),#4,(2820K),(,,528)",
            "/home/h-0123456789abcdef/x and /Users/Shared/x",
            "LM_SERVER@LM_SERVER and ratio 3:2 and 10:00:00",
        ] {
            assert_eq!(shapes(line), vec![], "{line}");
        }
    }

    #[test]
    fn learned_names_in_any_case_and_normalisation() {
        let mut d = Detector::default();
        d.learn("Alice");
        d.learn("José Núñez");
        d.learn("Núñez");
        d.learn("ws1");
        d.learn("Émile");
        let got = found(
            &d,
            "ALICE and alice met NU\u{301}N\u{303}EZ on WS1 (jo) with ÉMILE",
        );
        let tokens: Vec<&str> = got.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            tokens,
            ["ALICE", "alice", "NU\u{301}N\u{303}EZ", "WS1", "ÉMILE"]
        );
    }

    #[test]
    fn learned_names_inside_file_names_and_in_other_cases_of_i_and_eszett() {
        let mut d = Detector::default();
        d.learn("flexlm01");
        d.learn("Yılmaz");
        d.learn("Groß");
        d.learn("deesswaschkor04");
        let got = found(
            &d,
            r"C:\FlexLM\Maple2021-flexlm01.lic YILMAZ GROSS ugslmd_deesswaschkor04_24-Sep-2020.lic",
        );
        let tokens: Vec<&str> = got.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(tokens, ["flexlm01", "YILMAZ", "GROSS", "deesswaschkor04"]);
    }

    #[test]
    fn json_escapes_are_not_domain_users() {
        let d = Detector {
            json_escapes: true,
            ..Detector::default()
        };
        let line = r#"{"text":"m3dfs_solve\tmaxwell_desktop maxwlspc\t","who":"CORP\\jdoe","n":"Jos\u00e9"}"#;
        assert_eq!(
            found(&d, line),
            [("CORP\\jdoe".to_string(), Shape::DomainUser)]
        );
    }

    #[test]
    fn allow_patterns_accept_a_token() {
        let d = Detector::new(&[r"build\d+\.corp\.example".into()]).unwrap();
        assert_eq!(
            found(&d, "on build7.corp.example and ws2.corp.example").len(),
            1
        );
        assert!(Detector::new(&["(".into()]).is_err());
    }

    #[test]
    fn remembered_tokens_give_the_same_findings() {
        let mut d = Detector::default();
        d.learn("jdoe");
        let mut clean = CleanTokens::with_slots(4);
        let lines = [
            "big.log,7,flexnet,checkout,APPLICATION/REQUEST_LICENSE/GRANTED,2024-01-03T15:25:08",
            "big.log,8,x,JDOE.,ws1.corp.example,2024-01-03T15:25:08.5+01:00,jdoe@ws1",
            "u-3f9a2c1d7e0b4c55@h-0123456789abcdef 10.1.2.3 big.log JDOE",
        ];
        for _ in 0..3 {
            let mut got = Vec::new();
            for line in lines {
                d.scan(line, &mut clean, |t, s, e, shape| {
                    got.push((t[s..e].to_string(), shape))
                });
            }
            use Shape::*;
            let expected = [
                ("JDOE", LearnedName),
                ("ws1.corp.example", HostName),
                ("jdoe@ws1", UserAtHost),
                ("10.1.2.3", Ipv4),
                ("JDOE", LearnedName),
            ];
            let expected: Vec<_> = expected.iter().map(|(t, s)| (t.to_string(), *s)).collect();
            assert_eq!(got, expected);
        }
    }

    #[test]
    fn run_pseudonym_addresses_are_skipped() {
        let mut d = Detector::default();
        d.pseudonym_address("203.0.113.9");
        assert_eq!(found(&d, "from 203.0.113.9 and 203.0.113.10").len(), 1);
    }
}
