//! The usage lines: `OUT:`, `IN:`, `DENIED:`, `UNSUPPORTED:`, `QUEUED:`,
//! `DEQUEUED:`. Hand-written rather than a regex: this is the hot path.
//!
//! ```text
//! "feature" [(request info)] user@host [^^^ verbose ^^^] [[bracket]] [(N licenses)] [(reason (code))]
//! ```

use crate::event::Kind;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Usage<'a> {
    pub feature: &'a str,
    /// `(PORT_AT_HOST_PLUS   )`, `(00B0 EF6E AFC6 B280 )`: what precedes the user.
    pub request_info: Option<&'a str>,
    pub user: Option<&'a str>,
    pub host: Option<&'a str>,
    pub count: Option<u64>,
    pub bracket: Option<&'a str>,
    pub verbose: Option<&'a str>,
    pub reason: Option<&'a str>,
    /// `-4,342` from `(-4,342:10054 "")`.
    pub code: Option<&'a str>,
    /// `10054` from the same: the operating system's error number.
    pub errno: Option<&'a str>,
}

/// Splits `OUT: rest` into its kind and rest.
pub fn keyword(body: &str) -> Option<(Kind, &str)> {
    let (kind, len) = match body.as_bytes().first()? {
        b'O' if body.starts_with("OUT: ") => (Kind::Checkout, 5),
        b'I' if body.starts_with("IN: ") => (Kind::Checkin, 4),
        b'D' if body.starts_with("DENIED: ") => (Kind::Denial, 8),
        b'D' if body.starts_with("DEQUEUED: ") => (Kind::Dequeued, 10),
        b'U' if body.starts_with("UNSUPPORTED: ") => (Kind::Unsupported, 13),
        b'Q' if body.starts_with("QUEUED: ") => (Kind::Queued, 8),
        _ => return None,
    };
    Some((kind, &body[len..]))
}

/// `None` when the line lacks a feature or a `user@host`: malformed.
pub fn parse(rest: &str) -> Option<Usage<'_>> {
    let mut u = Usage::default();
    let rest = rest.trim_start();
    let after_feature = if let Some(quoted) = rest.strip_prefix('"') {
        let end = memchr::memchr(b'"', quoted.as_bytes())?;
        u.feature = &quoted[..end];
        &quoted[end + 1..]
    } else {
        let end = memchr::memchr(b' ', rest.as_bytes()).unwrap_or(rest.len());
        u.feature = &rest[..end];
        &rest[end..]
    };
    if u.feature.is_empty() {
        return None;
    }
    let mut s = after_feature.trim_start();
    if s.starts_with('(') {
        let (inner, after) = group(s, b'(', b')')?;
        u.request_info = Some(inner.trim());
        s = after.trim_start();
    }
    let at = memchr::memchr(b'@', s.as_bytes())?;
    let end = memchr::memchr(b' ', &s.as_bytes()[at..]).map_or(s.len(), |i| at + i);
    let token = &s[..end];
    // A user name may hold spaces ("Mª Cruz") and, rarely, an '@'; a host
    // name holds neither, so the host is what follows the last '@'.
    let split = token.bytes().rposition(|c| c == b'@')?;
    u.user = Some(&token[..split]).filter(|x| !x.is_empty());
    u.host = Some(&token[split + 1..]).filter(|x| !x.is_empty());
    parse_tail(&s[end..], &mut u);
    Some(u)
}

fn parse_tail<'a>(mut s: &'a str, u: &mut Usage<'a>) {
    loop {
        s = s.trim_start();
        if s.is_empty() {
            return;
        }
        if let Some(v) = s.strip_prefix("^^^") {
            let end = v.find("^^^").unwrap_or(v.len());
            u.verbose = Some(v[..end].trim());
            s = v.get(end + 3..).unwrap_or("");
        } else if s.starts_with('[') {
            let Some((inner, after)) = group(s, b'[', b']') else {
                u.bracket = Some(&s[1..]);
                return;
            };
            u.bracket = Some(inner);
            s = after;
        } else if s.starts_with('(') {
            // An unclosed group is a wrapped or cut line: keep what is there.
            let (inner, after) = group(s, b'(', b')').unwrap_or((&s[1..], ""));
            if let Some(n) = licenses(inner) {
                u.count = Some(n);
            } else {
                reason(inner, u);
            }
            s = after;
        } else {
            if u.reason.is_none() {
                u.reason = Some(s.trim_end());
            }
            return;
        }
    }
}

/// The contents of a balanced group starting at `s[0]`, and what follows it.
fn group(s: &str, open: u8, close: u8) -> Option<(&str, &str)> {
    let mut depth = 0usize;
    for (i, b) in s.bytes().enumerate() {
        if b == open {
            depth += 1;
        } else if b == close {
            depth -= 1;
            if depth == 0 {
                return Some((&s[1..i], &s[i + 1..]));
            }
        }
    }
    None
}

/// `3 licenses`, `1 license`.
fn licenses(inner: &str) -> Option<u64> {
    let (n, word) = inner.trim().split_once(' ')?;
    matches!(word, "licenses" | "license")
        .then(|| n.parse().ok())
        .flatten()
}

/// `Licensed number of users already reached. (-4,342:10054 "")`.
fn reason<'a>(inner: &'a str, u: &mut Usage<'a>) {
    let inner = inner.trim();
    if let Some(open) = inner.rfind('(')
        && let Some(code_text) = inner[open + 1..].strip_suffix(')')
        && looks_like_code(code_text)
    {
        let code_end = code_text.find([':', ' ']).unwrap_or(code_text.len());
        u.code = Some(&code_text[..code_end]);
        if let Some(after) = code_text[code_end..].strip_prefix(':') {
            let errno = after.split(' ').next().unwrap_or("");
            u.errno = Some(errno).filter(|e| !e.is_empty());
        }
        u.reason = Some(inner[..open].trim_end());
    } else {
        u.reason = Some(inner);
    }
}

/// FlexNet error codes: `-4,342`, `-18,327`, `-5,346:2`.
fn looks_like_code(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    let Some((major, minor)) = s.split_once(',') else {
        return false;
    };
    let minor = minor.split([':', ' ']).next().unwrap_or("");
    !major.is_empty()
        && !minor.is_empty()
        && major.bytes().all(|b| b.is_ascii_digit())
        && minor.bytes().all(|b| b.is_ascii_digit())
}

/// The verbose block `ver user ip pid handle in_use out_of project
/// flex_version flex_revision date time is_dup_group`, named when complete.
pub fn verbose_fields(block: &str) -> Option<[(&'static str, &str); 13]> {
    const NAMES: [&str; 13] = [
        "version",
        "client_user",
        "ip",
        "pid",
        "handle",
        "in_use",
        "out_of",
        "project",
        "flex_version",
        "flex_revision",
        "client_date",
        "client_time",
        "is_dup_group",
    ];
    let mut fields = [("", ""); 13];
    let mut it = block.split_ascii_whitespace();
    for (slot, name) in fields.iter_mut().zip(NAMES) {
        *slot = (name, it.next()?);
    }
    it.next().is_none().then_some(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_checkout() {
        let u = parse(r#""MATLAB" jdoe@ws-01.corp  "#).unwrap();
        assert_eq!(
            (u.feature, u.user, u.host),
            ("MATLAB", Some("jdoe"), Some("ws-01.corp"))
        );
        assert_eq!((u.count, u.reason), (None, None));
    }

    #[test]
    fn count_and_spaces_in_user() {
        let u = parse(r#""Maple" Mª Cruz@mcruz  (3 licenses) "#).unwrap();
        assert_eq!(
            (u.user, u.host, u.count),
            (Some("Mª Cruz"), Some("mcruz"), Some(3))
        );
    }

    #[test]
    fn denial_reason_and_code() {
        let u = parse(
            r#""500" lvj@rvnnp845  (Licensed number of users already reached. (-4,342:10054 ""))"#,
        )
        .unwrap();
        assert_eq!(u.reason, Some("Licensed number of users already reached."));
        assert_eq!((u.code, u.errno), (Some("-4,342"), Some("10054")));
    }

    #[test]
    fn unsupported_with_request_info() {
        let u = parse(
            r#""507" (PORT_AT_HOST_PLUS   ) lvj@rvnnp845 (License server does not support this feature (-18,327))"#,
        )
        .unwrap();
        assert_eq!(u.request_info, Some("PORT_AT_HOST_PLUS"));
        assert_eq!((u.user, u.code), (Some("lvj"), Some("-18,327")));
        assert_eq!(
            u.reason,
            Some("License server does not support this feature")
        );
    }

    #[test]
    fn bracket_verbose_and_inactive() {
        let u = parse(r#""MSCONE" ann@h1  [MSCONE:NASTRAN] (10 licenses)"#).unwrap();
        assert_eq!((u.bracket, u.count), (Some("MSCONE:NASTRAN"), Some(10)));
        let u = parse(r#""f1" ADas@BLR-LT-104276 ^^^ 1.0 ADas 127.0.0.1 29865 0x12CE 1 5 proj 11 19 1/2/2024 8:41:54 0 ^^^"#).unwrap();
        let v = verbose_fields(u.verbose.unwrap()).unwrap();
        assert_eq!(v[2], ("ip", "127.0.0.1"));
        let u = parse(r#""64300ACD_F" USER18@COMPUTER12  (INACTIVE)"#).unwrap();
        assert_eq!(u.reason, Some("INACTIVE"));
    }

    #[test]
    fn malformed_lines_are_none() {
        assert_eq!(parse(r#""f" nobody"#), None);
        assert_eq!(parse(r#""unterminated"#), None);
        assert_eq!(parse(""), None);
    }
}
