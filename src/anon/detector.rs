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
use std::net::{Ipv4Addr, Ipv6Addr};

use regex::Regex;

use super::pseudonym::Class;
use super::tokens::FastSet;
use unicode_normalization::UnicodeNormalization;

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
            Shape::DomainUser => "DOMAIN\\user",
            Shape::HomeDirectory => "home directory",
            Shape::ClientTuple => "SLOG client tuple",
            Shape::LearnedName => "learned name",
        }
    }
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
}

/// What a byte is to the tokenizer: one table lookup per byte (the scan
/// reads every byte of the output).
const SEPARATOR: u8 = 1;
const MARK: u8 = 2;
const LETTER: u8 = 4;
const NON_ASCII: u8 = 8;

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
            0x80.. => NON_ASCII,
            _ => 0,
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
        if name.chars().count() >= super::names::MIN_FREE_TEXT {
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

    /// Calls `f(text, start, end, shape)` for each finding in `line`:
    /// `text[start..end]` is the token, and `text` is `line`, or in JSON
    /// mode `line` with its escapes undone.
    pub fn scan(&self, line: &str, f: impl FnMut(&str, usize, usize, Shape)) {
        if self.json_escapes && line.contains('\\') {
            self.scan_text(&json_unescape(line), f);
        } else {
            self.scan_text(line, f);
        }
    }

    fn scan_text(&self, line: &str, mut f: impl FnMut(&str, usize, usize, Shape)) {
        if let Some((s, e)) = client_tuple(line) {
            f(line, s, e, Shape::ClientTuple);
        }
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
            let shape = match (marks, letters || !ascii) {
                (false, _) => None,
                (true, true) => self
                    .shape_of(token)
                    .filter(|s| !(windows_path && *s == Shape::DomainUser)),
                // `version 11.19.6.0`: four numbers after such a word.
                (true, false) if is_version_word(previous) => None,
                (true, false) => self.numeric(token),
            };
            let shape = shape.or_else(|| self.learned_in(token, ascii));
            if let Some(shape) = shape
                && !self.allow.iter().any(|r| r.is_match(token))
            {
                f(line, at, at + token.len(), shape);
            }
        }
    }

    /// The parts of the identifier-shaped tokens of `text` that a rewrite
    /// replaces, with the class of pseudonym each gets: both sides of
    /// `user@host`, a host name (without its port), an address, the user
    /// of `DOMAIN\user` and of a home directory, a MAC address.
    pub fn replaceable(&self, text: &str, mut f: impl FnMut(usize, usize, Class)) {
        self.scan_text(text, |text, s, e, shape| {
            let token = &text[s..e];
            let before_port = |t: &str| t.rsplit_once(':').map_or(t.len(), |(h, _)| h.len());
            match shape {
                Shape::UserAtHost => {
                    let at = token.rfind('@').expect("user@host");
                    let user_start = token[..at].rfind(['@', ':', '/']).map_or(0, |i| i + 1);
                    let host = &token[at + 1..];
                    let host_end = host.find(':').unwrap_or(host.len());
                    let (user, host) = (&token[user_start..at], &host[..host_end]);
                    if !is_pseudonym(user) && !is_placeholder(user) {
                        f(s + user_start, s + at, Class::User);
                    }
                    if !is_pseudonym(host) && !is_placeholder(host) && !is_nobody_address(host) {
                        f(s + at + 1, s + at + 1 + host_end, Class::Host);
                    }
                }
                Shape::HostName => f(s, s + before_port(token), Class::Host),
                Shape::Ipv4 => f(s, s + token.find(':').unwrap_or(token.len()), Class::Ip),
                Shape::Ipv6 => {
                    let inner = token.trim_start_matches('[');
                    let start = s + (token.len() - inner.len());
                    let end = inner.find(']').unwrap_or(inner.len());
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
                Shape::Mac => f(s, e, Class::Text),
                Shape::ClientTuple | Shape::LearnedName => {}
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
        (hit && !is_vocabulary(token)).then_some(Shape::LearnedName)
    }

    fn shape_of(&self, token: &str) -> Option<Shape> {
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
        // A home directory names its user, whatever file it leads to.
        if (slash || backslash)
            && let Some(shape) = home_directory(token)
        {
            return Some(shape);
        }
        if dot && is_allowed(token) {
            return None;
        }
        if at {
            return user_at_host(token);
        }
        if backslash && let Some((domain, user)) = token.split_once('\\') {
            return domain_user(domain, user);
        }
        if colon {
            if is_mac(token) {
                return Some(Shape::Mac);
            }
            let bare = token.trim_start_matches('[').trim_end_matches(']');
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
        is_host_name(token).then_some(Shape::HostName)
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
        (!self.addresses.contains(address) && !is_nobody_address(address)).then_some(shape)
    }
}

/// A JSON text's escapes undone: `\\` is `\`, `\uXXXX` its character,
/// and the other escapes (`\t`, `\n`, `\"`, ...) a space, which separates
/// tokens as the characters they stand for do.
fn json_unescape(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                let decoded = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                out.push(decoded.unwrap_or(' '));
            }
            Some(_) | None => out.push(' '),
        }
    }
    out
}

/// Words after which four dotted numbers are a version, not an address.
fn is_version_word(word: &str) -> bool {
    ["version", "ver", "v", "release", "rev", "revision", "build"]
        .iter()
        .any(|w| w.eq_ignore_ascii_case(word))
}

/// Words the license managers write as structure (`client info (user,
/// node, FD)`, `Server's System Date and Time`). A user named `USER` or
/// `SYSTEM` is still found as written by the exact check; in another case
/// such a word is the log's own.
fn is_vocabulary(token: &str) -> bool {
    const WORDS: &[&str] = &[
        "user", "users", "system", "host", "hosts", "node", "nodes", "server", "servers", "time",
        "date", "license", "licenses", "feature", "features", "client", "clients", "daemon",
        "vendor", "port", "status", "version", "product", "error", "warning", "info",
    ];
    WORDS.iter().any(|w| w.eq_ignore_ascii_case(token))
}

/// Lowercase and NFC: how learned names and tokens are compared.
fn fold(s: &str) -> String {
    s.nfc().flat_map(char::to_lowercase).collect()
}

/// Strips what commonly ends a token in prose without being part of it.
fn trim_token(token: &str) -> &str {
    let b = token.as_bytes();
    let end = b.len()
        - b.iter()
            .rev()
            .take_while(|c| matches!(c, b'.' | b':' | b'!' | b'?'))
            .count();
    let start = b[..end].iter().take_while(|&&c| c == b':').count();
    &token[start..end]
}

/// `u-`, `h-` or `t-` and 16 hex digits: a name pseudonym.
pub fn is_pseudonym(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 18
        && matches!(b[0], b'u' | b'h' | b't')
        && b[1] == b'-'
        && b[2..]
            .iter()
            .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

/// Values that name nobody: FlexNet's `LM_SERVER`, an empty field, `-`.
fn is_placeholder(s: &str) -> bool {
    matches!(s, "" | "-" | "LM_SERVER" | "\"\"")
}

fn is_nobody_address(a: &str) -> bool {
    match a.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback() || ip.is_unspecified() || ip.is_multicast(),
        Err(_) => false,
    }
}

/// The allow-list: tokens shaped like an identifier that name nobody.
pub fn is_allowed(token: &str) -> bool {
    if !token.contains('.') {
        return false;
    }
    // This runs on every dotted token: no allocation for short ones.
    let mut buf = [0u8; 128];
    let owned;
    let lower: &str = if token.len() <= buf.len() {
        let b = &mut buf[..token.len()];
        b.copy_from_slice(token.as_bytes());
        b.make_ascii_lowercase();
        std::str::from_utf8(b).unwrap_or(token)
    } else {
        owned = token.to_ascii_lowercase();
        &owned
    };
    // The license managers' own and their vendors' web and mail domains.
    const VENDOR_DOMAINS: &[&str] = &[
        "flexerasoftware.com",
        "flexera.com",
        "revenera.com",
        "acresso.com",
        "flexnetoperations.com",
        "macrovision.com",
        "globetrotter.com",
        "reprisesoftware.com",
        "thalesgroup.com",
        "safenet-inc.com",
        "sentinel.thalesgroup.com",
        "gemalto.com",
        "x-formation.com",
        "ibm.com",
    ];
    let domain = lower.rsplit('@').next().unwrap_or(lower);
    let domain = domain
        .trim_start_matches("http://")
        .trim_start_matches("https://")
        .split('/')
        .next()
        .unwrap_or("");
    let under = |d: &str| {
        domain
            .strip_suffix(d)
            .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
    };
    if VENDOR_DOMAINS.iter().any(|d| under(d)) {
        return true;
    }
    // Files: license, option, log and program files, and source files
    // named in vendor messages.
    const FILE_EXTENSIONS: &[&str] = &[
        "dat", "lic", "opt", "log", "txt", "exe", "dll", "so", "dylib", "conf", "cfg", "ini",
        "xml", "json", "csv", "dlog", "rlog", "pid", "lock", "c", "cpp", "h", "java", "py", "sh",
        "bat", "cmd", "out", "err", "tmp", "gz", "zip", "set", "lst", "bin",
    ];
    // `license.dat`, and rotated or saved copies: `report.log.old`,
    // `lserv.log.01`, `license.lic.bak`.
    const COPY_SUFFIXES: &[&str] = &["old", "bak", "orig", "prev", "save", "sav", "new"];
    let mut labels = lower.split('.').skip(1).peekable();
    while let Some(label) = labels.next() {
        let last = labels.peek().is_none();
        if FILE_EXTENSIONS.contains(&label) || (last && COPY_SUFFIXES.contains(&label)) {
            return true;
        }
    }
    false
}

/// A host name with a domain: two or more labels of letters, digits and
/// `-`, the last alphabetic and at least two letters long.
fn is_host_name(token: &str) -> bool {
    let Some((first, _)) = token.split_once('.') else {
        return false;
    };
    let last = token.rsplit('.').next().unwrap_or("");
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
    };
    token.split('.').all(label_ok)
        && last.len() >= 2
        && last.bytes().all(|b| b.is_ascii_alphabetic())
        // `v1.x`, `11.13.a`: versions start with a digit or `v` + digit.
        && !first.bytes().all(|b| b.is_ascii_digit())
        && !(first.starts_with('v') && first[1..].bytes().all(|b| b.is_ascii_digit()))
}

fn user_at_host(token: &str) -> Option<Shape> {
    let (user, host) = token.rsplit_once('@')?;
    let user = user.rsplit(['@', ':', '/']).next().unwrap_or(user);
    let host = host.split(':').next().unwrap_or(host);
    let plain = |s: &str| is_pseudonym(s) || is_placeholder(s) || is_nobody_address(s);
    if plain(user) && plain(host) {
        return None;
    }
    // `@` alone, `@@`, `x@`: no user and host.
    if user.is_empty() || host.is_empty() {
        return None;
    }
    Some(Shape::UserAtHost)
}

/// `DOMAIN\user`. Not a JSON or C escape (`text\t`, `Jos\u00e9`).
fn domain_user(domain: &str, user: &str) -> Option<Shape> {
    let escape = user.len() == 1
        || (user.len() == 5
            && user.starts_with('u')
            && user[1..].bytes().all(|b| b.is_ascii_hexdigit()));
    if escape {
        return None;
    }
    let word = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    (word(domain)
        && word(user)
        && !user.contains('\\')
        && !is_pseudonym(user)
        && domain.bytes().any(|b| b.is_ascii_alphabetic()))
    .then_some(Shape::DomainUser)
}

fn home_directory(token: &str) -> Option<Shape> {
    home_name(token).map(|_| Shape::HomeDirectory)
}

/// Where the user's name stands in a home-directory path.
fn home_name(token: &str) -> Option<(usize, usize)> {
    // Most paths are no home directory: a look after each separator
    // before lowercasing.
    let b = token.as_bytes();
    let near = |i: usize| {
        let next = &b[i + 1..];
        next.len() >= 4
            && (next[..4].eq_ignore_ascii_case(b"home") || next[..4].eq_ignore_ascii_case(b"user"))
    };
    if !memchr::memchr2_iter(b'/', b'\\', b).any(near) {
        return None;
    }
    let lower = token.to_ascii_lowercase();
    for root in ["/home/", "/users/", "c:\\users\\", "c:/users/"] {
        if let Some(i) = lower.find(root) {
            let start = i + root.len();
            let rest = &token[start..];
            let name = rest.split(['/', '\\']).next().unwrap_or("");
            let shared = ["public", "default", "all users", "shared"];
            if !name.is_empty()
                && !is_pseudonym(name)
                && !shared.contains(&name.to_ascii_lowercase().as_str())
            {
                return Some((start, start + name.len()));
            }
        }
    }
    None
}

/// `00:1A:2B:3C:4D:5E` or `00-1A-2B-3C-4D-5E`.
fn is_mac(token: &str) -> bool {
    let b = token.as_bytes();
    b.len() == 17
        && matches!(b[2], b':' | b'-')
        && b.iter().enumerate().all(|(i, &c)| {
            if i % 3 == 2 {
                c == b[2]
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// A FlexNet SLOG request line's `,(user,node,FD)` whose user or node is
/// not a pseudonym: its byte range.
fn client_tuple(line: &str) -> Option<(usize, usize)> {
    let inner = line.trim_end().strip_suffix(')')?;
    if !line.contains("-SLOG@)") {
        return None;
    }
    let open = inner.rfind(",(")? + 2;
    let mut parts = inner[open..].rsplitn(3, ',');
    let fd = parts.next()?;
    let host = parts.next()?;
    let user = parts.next()?;
    if fd.is_empty() || !fd.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let plain = |s: &str| s.trim().is_empty() || is_pseudonym(s);
    (!(plain(user) && plain(host))).then_some((open - 1, inner.len() + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(d: &Detector, line: &str) -> Vec<(String, Shape)> {
        let mut out = Vec::new();
        d.scan(line, |text, s, e, shape| {
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
            ("peer [2001:db8::42] gone", "2001:db8::42", Ipv6),
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

    #[test]
    fn skips_pseudonyms_and_what_names_nobody() {
        for line in [
            "10:00:01 (MLM) OUT: \"MATLAB\" u-3f9a2c1d7e0b4c55@h-0123456789abcdef",
            "FlexNet Licensing (v11.16.2.0 build 242433 x64_lsb) started on h-0123456789abcdef (linux) (1/3/2024)",
            "License file(s): /opt/flexlm/license.dat lmgrd.log ansys.opt",
            "SWITCH from report.log.old to report.log.2 (license.lic.bak)",
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
    fn run_pseudonym_addresses_are_skipped() {
        let mut d = Detector::default();
        d.pseudonym_address("203.0.113.9");
        assert_eq!(found(&d, "from 203.0.113.9 and 203.0.113.10").len(), 1);
    }
}
