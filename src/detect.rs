//! Recognising an input's format from its first decoded bytes.

use crate::error::{Error, Result};
use crate::format::Format;
use crate::input::Input;
use crate::read::flexnet::looks_like_flexnet;
use crate::read::sentinel::record_epoch;

pub struct Detection {
    pub format: Option<Format>,
    /// What was recognised, or why nothing was.
    pub reason: String,
}

pub fn detect(input: &Input) -> Detection {
    detect_text(&input.head)
}

/// `from` (`--from`), or the detected format; an error that names the file
/// when nothing is recognised.
pub fn format_of(input: &Input, from: Option<Format>) -> Result<Format> {
    if let Some(f) = from {
        return Ok(f);
    }
    let d = detect(input);
    d.format.ok_or_else(|| Error::Unrecognised {
        path: input.display_path(),
        reason: d.reason,
    })
}

pub fn detect_text(head: &str) -> Detection {
    let found = |format, reason: String| Detection {
        format: Some(format),
        reason,
    };
    let head = head.strip_prefix('\u{feff}').unwrap_or(head);
    let first = head.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if is_canonical_header(first) {
        return found(Format::Csv, "liclog canonical CSV header".into());
    }
    if first.starts_with('{') && first.contains("\"kind\"") {
        return found(Format::Jsonl, "liclog canonical JSONL".into());
    }
    for line in head.lines().take(200) {
        if let Some(rest) = line.strip_prefix("RLM Report Log Format ") {
            return found(
                Format::RlmReport,
                format!("'RLM Report Log Format {}'", rest.trim()),
            );
        }
        if line.starts_with('#') && line.contains("Sentinel RMS") {
            return found(Format::Sentinel, format!("'{}'", line.trim()));
        }
    }
    let records = head
        .lines()
        .take(200)
        .filter(|l| record_epoch(l).is_some())
        .count();
    if records > 0 {
        return found(
            Format::Sentinel,
            format!("{records} Sentinel RMS usage records (no startup line)"),
        );
    }
    if let Some(reason) = looks_like_lmx(head) {
        return found(Format::Lmx, reason);
    }
    if let Some(reason) = looks_like_flexnet(head) {
        return found(Format::Flexnet, reason);
    }
    if let Some(reason) = looks_like_rlm_debug(head) {
        return found(Format::RlmDebug, reason);
    }
    if let Some(found) = defined(head) {
        return found;
    }
    let reason = if head.is_empty() {
        "the input is empty".to_string()
    } else {
        let shown: String = first.chars().take(60).collect();
        format!("no known log shape; first line: {shown:?}")
    };
    Detection {
        format: None,
        reason,
    }
}

/// The first registered user-defined format ([`crate::defs`]) whose
/// detection pattern matches one of its first lines.
fn defined(head: &str) -> Option<Detection> {
    crate::defs::all().into_iter().find_map(|d| {
        let pattern = d.detect.as_ref()?;
        let line = head
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(d.detect_lines)
            .find(|l| pattern.is_match(l))?;
        let shown: String = line.chars().take(60).collect();
        Some(Detection {
            format: Some(Format::Defined(d.name)),
            reason: format!("definition {} ({}): {shown:?}", d.name, d.path.display()),
        })
    })
}

/// A CSV header naming `kind` and another canonical column: liclog's CSV,
/// also after a tool reordered, dropped or added columns.
fn is_canonical_header(line: &str) -> bool {
    let cells: Vec<&str> = line
        .split(',')
        .map(|c| c.trim().trim_matches('"'))
        .collect();
    cells.contains(&"kind")
        && cells
            .iter()
            .filter(|c| crate::write::COLUMNS.contains(c))
            .count()
            >= 2
}

/// `[2022-03-14 10:57:59] CHECKOUT by ...`: most of the first lines.
fn looks_like_lmx(head: &str) -> Option<String> {
    let shaped = |l: &str| {
        let b = l.as_bytes();
        b.len() >= 21
            && b[0] == b'['
            && b[5] == b'-'
            && b[8] == b'-'
            && b[11] == b' '
            && b[14] == b':'
            && b[17] == b':'
            && b[20] == b']'
            && [1, 2, 3, 4, 6, 7, 9, 10, 12, 13, 15, 16, 18, 19]
                .iter()
                .all(|&i| b[i].is_ascii_digit())
    };
    let (n, lines) = mostly(head, 50, shaped)?;
    let banner = lines.iter().any(|l| l.contains("] LM-X License Server"));
    Some(if banner {
        "LM-X start-up banner".to_string()
    } else {
        format!("{n} `[YYYY-MM-DD hh:mm:ss]` lines (LM-X)")
    })
}

/// `05/11 15:17 (demo) OUT: ...`.
fn looks_like_rlm_debug(head: &str) -> Option<String> {
    let shaped = |l: &str| {
        let b = l.as_bytes();
        b.len() > 13
            && b[2] == b'/'
            && b[5] == b' '
            && b[8] == b':'
            && b[11] == b' '
            && b[12] == b'('
            && [0, 1, 3, 4, 6, 7, 9, 10]
                .iter()
                .all(|&i| b[i].is_ascii_digit())
    };
    let (n, _) = mostly(head, 400, shaped)?;
    Some(format!("{n} 'mm/dd hh:mm (isv) text' lines"))
}

/// How many of the first `take` non-empty lines are `shaped`, and those
/// lines, when at least half are.
fn mostly(head: &str, take: usize, shaped: impl Fn(&str) -> bool) -> Option<(usize, Vec<&str>)> {
    let lines: Vec<&str> = head
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(take)
        .collect();
    let n = lines.iter().filter(|l| shaped(l)).count();
    (n > 0 && n * 2 >= lines.len()).then_some((n, lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_each_shape() {
        assert_eq!(
            detect_text(" 7:32:57 (lmgrd) FlexNet (v9.50) started on hqnas2 (IBM PC) (5/9/2005)\n")
                .format,
            Some(Format::Flexnet)
        );
        assert_eq!(
            detect_text("RLM Report Log Format 2, version 9.4, authenticated\n").format,
            Some(Format::RlmReport)
        );
        assert_eq!(
            detect_text("05/11 15:17 (demo) OUT: analytics v2.09 by cecil@win2008\n").format,
            Some(Format::RlmDebug)
        );
        assert_eq!(
            detect_text("2 1 ODA= Mon Aug 25 15:36:27 2014 1408961187 f1 v1 0 1 0 u h 8.6 1 -\n")
                .format,
            Some(Format::Sentinel)
        );
        assert_eq!(detect_text("hello world\n").format, None);
        assert_eq!(detect_text(",user,\"kind\",x\n").format, Some(Format::Csv));
        assert_eq!(detect_text("user,line\n").format, None);
        assert_eq!(
            detect_text("{\"kind\":\"checkout\"}\n").format,
            Some(Format::Jsonl)
        );
        assert_eq!(detect_text("").reason, "the input is empty");
    }
}
