//! The shapes the detector knows, and what it lets pass: the token-level
//! tests behind [`super::Detector`].

use std::net::IpAddr;

use unicode_normalization::UnicodeNormalization;

use super::Shape;

/// A JSON text's escapes undone: `\\` is `\`, `\uXXXX` its character,
/// and the other escapes (`\t`, `\n`, `\"`, ...) a space, which separates
/// tokens as the characters they stand for do.
pub(super) fn json_unescape(line: &str) -> String {
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
pub(super) fn is_version_word(word: &str) -> bool {
    ["version", "ver", "v", "release", "rev", "revision", "build"]
        .iter()
        .any(|w| w.eq_ignore_ascii_case(word))
}

/// Lowercase and NFC: how learned names and tokens are compared.
pub(super) fn fold(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    crate::anon::tokens::folded(&nfc).collect()
}

/// Strips what commonly ends a token in prose without being part of it.
pub(super) fn trim_token(token: &str) -> &str {
    let b = token.as_bytes();
    let end = b.len()
        - b.iter()
            .rev()
            .take_while(|c| matches!(c, b'.' | b':' | b'!' | b'?'))
            .count();
    // A leading `:` is punctuation (`Host:x`), except that of an IPv6
    // address written from its zeros (`::ffff:10.4.12.77`).
    let start = match b[..end].iter().take_while(|&&c| c == b':').count() {
        2 if end > 2 => 0,
        n => n,
    };
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

/// `u-…@h-…`, the token an anonymized FlexNet OUT or IN line ends with:
/// most of the marked tokens of such a log, and never the same for long.
pub(super) fn is_pseudonym_pair(token: &str) -> bool {
    token.len() == 37
        && token.as_bytes()[18] == b'@'
        && is_pseudonym(&token[..18])
        && is_pseudonym(&token[19..])
}

/// Values that name nobody: FlexNet's `LM_SERVER`, an empty field, `-`,
/// `localhost`.
pub fn is_placeholder(s: &str) -> bool {
    matches!(s, "" | "-" | "unknown" | "LM_SERVER" | "\"\"")
        || s.eq_ignore_ascii_case("localhost")
        || s.eq_ignore_ascii_case("localhost.localdomain")
}

/// An address that names no machine (loopback, unspecified, multicast),
/// or one of liclog's address pseudonyms, which are drawn from ranges
/// reserved for no one: IPv4's 240.0.0.0/4 and IPv6's documentation prefix 2001:db8::/32. A zone
/// (`fe80::1%eth0`) is not part of the address.
pub fn is_nobody_address(a: &str) -> bool {
    match without_zone(a).parse::<IpAddr>() {
        Ok(ip) if ip.is_loopback() || ip.is_unspecified() || ip.is_multicast() => true,
        Ok(ip) => is_pseudonym_address(ip),
        Err(_) => false,
    }
}

/// An IPv6 address without its zone (`fe80::1%eth0` → `fe80::1`): the
/// zone names an interface, not a machine.
pub(super) fn without_zone(a: &str) -> &str {
    a.split_once('%').map_or(a, |(address, _)| address)
}

/// In a range liclog draws address pseudonyms from.
pub fn is_pseudonym_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.octets()[0] >= 240,
        IpAddr::V6(v6) => v6.segments()[..2] == [0x2001, 0x0db8],
    }
}

/// The allow-list: tokens shaped like an identifier that name nobody.
pub fn is_allowed(token: &str) -> bool {
    if !token.contains('.') {
        return false;
    }
    with_lowercase(token, |lower| {
        is_vendor_domain(lower) || is_file_name(lower)
    })
}

/// `f` of `token` in ASCII lowercase. This runs on every dotted token: no
/// allocation for short ones.
fn with_lowercase<T>(token: &str, f: impl FnOnce(&str) -> T) -> T {
    let mut buf = [0u8; 128];
    if token.len() <= buf.len() {
        let b = &mut buf[..token.len()];
        b.copy_from_slice(token.as_bytes());
        b.make_ascii_lowercase();
        f(std::str::from_utf8(b).unwrap_or(token))
    } else {
        f(&token.to_ascii_lowercase())
    }
}

/// A web or mail address (`lower`, lowercased) under one of the license
/// managers' own and their vendors' domains.
fn is_vendor_domain(lower: &str) -> bool {
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
    // strip_prefix, not trim_start_matches: this runs on every dotted
    // token, and a substring searcher is costly to set up.
    let domain = domain
        .strip_prefix("http://")
        .or_else(|| domain.strip_prefix("https://"))
        .unwrap_or(domain)
        .split('/')
        .next()
        .unwrap_or("");
    let under = |d: &str| {
        domain
            .strip_suffix(d)
            .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
    };
    VENDOR_DOMAINS.iter().any(|d| under(d))
}

/// A file name (`lower`, lowercased): license, option, log and program
/// files, and source files named in vendor messages.
fn is_file_name(lower: &str) -> bool {
    const FILE_EXTENSIONS: &[&str] = &[
        "dat", "lic", "opt", "log", "txt", "exe", "dll", "so", "dylib", "conf", "cfg", "ini",
        "xml", "json", "csv", "dlog", "rlog", "rl", "pid", "lock", "c", "cpp", "h", "java", "py",
        "sh", "bat", "cmd", "out", "err", "tmp", "gz", "zip", "set", "lst", "bin",
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
pub(super) fn is_host_name(token: &str) -> bool {
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
        && !is_java_name(token)
}

/// A Java package or class (`com.flexnet.lmadmin.Main`, `java.lang.
/// NullPointerException`): a reversed domain of three labels or more, which
/// no host name is (none starts with a top-level domain).
fn is_java_name(token: &str) -> bool {
    const FIRST: &[&str] = &[
        "com", "org", "net", "java", "javax", "jdk", "sun", "io", "edu",
    ];
    token.split('.').count() >= 3
        && token
            .split('.')
            .next()
            .is_some_and(|first| FIRST.iter().any(|f| first.eq_ignore_ascii_case(f)))
}

pub(super) fn user_at_host(token: &str) -> Option<Shape> {
    let (user, host) = token.rsplit_once('@')?;
    let user = user.rsplit(['@', ':', '/']).next().unwrap_or(user);
    let host = host.split(':').next().unwrap_or(host);
    let plain = |s: &str| is_pseudonym(s) || is_placeholder(s) || is_nobody_address(s);
    // `27000@lic-a`: a port, not a user.
    let port = is_port(user);
    if (plain(user) || port) && plain(host) {
        return None;
    }
    if with_lowercase(host, is_vendor_domain) && (port || with_lowercase(user, is_mailbox)) {
        return None;
    }
    // `@` alone, `@@`, `x@`: no user and host.
    if user.is_empty() || host.is_empty() {
        return None;
    }
    Some(Shape::UserAtHost)
}

/// The port of FlexNet's `port@host`.
pub(super) fn is_port(user: &str) -> bool {
    !user.is_empty() && user.len() <= 5 && user.bytes().all(|b| b.is_ascii_digit())
}

/// A vendor's role mailbox (`support@flexera.com`), not a person's.
fn is_mailbox(user: &str) -> bool {
    matches!(
        user,
        "info" | "support" | "sales" | "licensing" | "license" | "licenses" | "noreply" | "help"
    )
}

/// `DOMAIN\user`. Not a JSON or C escape (`text\t`, `Jos\u00e9`).
pub(super) fn domain_user(domain: &str, user: &str) -> Option<Shape> {
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

pub(super) fn home_directory(token: &str) -> Option<Shape> {
    home_name(token).map(|_| Shape::HomeDirectory)
}

/// Where the user's name stands in a home-directory path: under `home`,
/// `homes`, `home2`, `users`, `Users` or a roaming `profiles` directory
/// (on any drive, in a UNC path too), under `/u/` at the root, or after
/// `~`.
pub(super) fn home_name(token: &str) -> Option<(usize, usize)> {
    let b = token.as_bytes();
    let name_at = |start: usize| {
        let rest = &token[start..];
        let name = rest.split(['/', '\\']).next().unwrap_or("");
        let shared = ["public", "default", "all users", "shared", "default user"];
        (!name.is_empty()
            && !is_pseudonym(name)
            && !is_placeholder(name)
            && !shared.contains(&name.to_ascii_lowercase().as_str()))
        .then_some((start, start + name.len()))
    };
    if let Some(rest) = token.strip_prefix('~') {
        let first = rest.chars().next()?;
        return if first.is_alphabetic() {
            name_at(1)
        } else {
            None
        };
    }
    if token.starts_with("/u/") {
        return name_at(3);
    }
    // Most paths are no home directory: a look at each directory's first
    // letters before anything else.
    let separators = memchr::memchr2_iter(b'/', b'\\', b);
    for i in separators {
        let dir = &token[i + 1..];
        let end = dir.find(['/', '\\'])?;
        let name = &dir.as_bytes()[..end];
        const HOMES: [&[u8]; 5] = [b"home", b"homes", b"users", b"profiles", b"profiles$"];
        let home = HOMES.iter().any(|h| name.eq_ignore_ascii_case(h))
            || (name.len() > 4
                && name[..4].eq_ignore_ascii_case(b"home")
                && name[4..].iter().all(u8::is_ascii_digit));
        if home {
            return name_at(i + 1 + end + 1);
        }
    }
    None
}

/// The server of a UNC path `\\server\share\…`.
pub(super) fn unc_server(token: &str) -> Option<&str> {
    let rest = token.strip_prefix("\\\\")?;
    let server = &rest[..rest.find('\\')?];
    (!server.is_empty() && !server.starts_with(['?', '.'])).then_some(server)
}

/// Twelve hex digits with a digit and a letter among them: a host ID
/// (a MAC address without separators).
pub(super) fn is_host_id(token: &str) -> bool {
    let b = token.as_bytes();
    b.len() == 12
        && b.iter().all(u8::is_ascii_hexdigit)
        && b.iter().any(u8::is_ascii_digit)
        && b.iter().any(u8::is_ascii_alphabetic)
}

/// `2024-01-03T15:00:00`, with optional fraction and zone: the `time`
/// column of liclog's CSV and JSONL, on every line.
pub(super) fn is_iso_datetime(token: &str) -> bool {
    let b = token.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() < 19
        || !(digits(0..4) && digits(5..7) && digits(8..10) && digits(11..13))
        || !(digits(14..16) && digits(17..19))
        || (b[4], b[7], b[10], b[13], b[16]) != (b'-', b'-', b'T', b':', b':')
    {
        return false;
    }
    let mut rest = &b[19..];
    if let [b'.', fraction @ ..] = rest {
        let n = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        rest = &fraction[n..];
    }
    match rest {
        [] | [b'Z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()),
        _ => false,
    }
}

/// `00:1A:2B:3C:4D:5E` or `00-1A-2B-3C-4D-5E`.
pub(super) fn is_mac(token: &str) -> bool {
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

/// Each FlexNet SLOG client tuple `,(user,node,FD)` of `line` whose user
/// or node is a name: its range from `(` to `)`. Anywhere in the line (SLOG
/// lines go on after it, and in CSV or JSONL it is inside a value), and a
/// tuple a line wrap cut after its node (`,(user,node,` at the end).
pub(super) fn client_tuples(line: &str, mut f: impl FnMut(usize, usize)) {
    if !line.contains(",(") {
        return;
    }
    for open in memchr::memmem::find_iter(line.as_bytes(), b",(") {
        let start = open + 1;
        if let Some((user, node, end)) = tuple_at(line, start)
            && !(is_plain_tuple_part(user) && is_plain_tuple_part(node))
            && (user.chars().any(char::is_alphabetic) || node.chars().any(char::is_alphabetic))
        {
            f(start, end);
        }
    }
}

/// The user and node of the tuple whose `(` is at `start`, and where it
/// ends (after its `)`, or at the line's end when wrapped).
pub(super) fn tuple_at(line: &str, start: usize) -> Option<(&str, &str, usize)> {
    let inner = &line[start + 1..];
    let part = |s: &str| s.len() <= 256 && !s.contains(['(', ')', '"', '\n']);
    let (user, rest) = inner.split_once(',')?;
    let (node, rest) = rest.split_once(',')?;
    if !part(user) || !part(node) {
        return None;
    }
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let after = &rest[digits..];
    let end = line.len() - after.len();
    if after.starts_with(')') && digits > 0 {
        Some((user, node, end + 1))
    } else if after.trim_end().is_empty() {
        Some((user, node, line.trim_end().len()))
    } else {
        None
    }
}

fn is_plain_tuple_part(s: &str) -> bool {
    s.trim().is_empty() || is_pseudonym(s) || is_placeholder(s)
}
