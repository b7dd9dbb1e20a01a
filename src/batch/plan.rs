//! The order files are read in, and what of each is read.
//!
//! Files are grouped by format, server, and (for RLM reportlogs, which hold
//! one each) ISV. Groups keep the order of their first file on the command
//! line; within a group, files are read in the order of their first dated
//! event, whatever their names, and files that cannot be dated come last.
//!
//! Then nothing is read twice: a file whose content another file already
//! has is a duplicate; a file that starts with the whole of an earlier one
//! in its group (a daily copy of a growing log) is read from the line after
//! it; and lines at the start of a file that repeat the end of the file
//! before it are read only once.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use super::survey::{self, Survey};
use super::walk::Found;
use crate::error::Result;
use crate::format::Format;
use crate::input::Decoding;
use crate::read::ReadOptions;

#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    pub from: Option<Format>,
    pub decoding: Decoding,
    pub read: ReadOptions,
    /// `--no-dedup` turns this off.
    pub dedup: bool,
    /// `--skip-known`: what an earlier manifest says was read.
    pub known: Known,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Read whole.
    Ok,
    /// Could not be read (or only up to a failure).
    Failed,
    /// Its content is another file's: not read.
    Duplicate,
    /// Read from the first line no earlier file holds.
    OverlapTrimmed,
    /// Not read: not a log, liclog's own output, or known already.
    Skipped,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
            Status::Duplicate => "duplicate",
            Status::OverlapTrimmed => "overlap-trimmed",
            Status::Skipped => "skipped",
        }
    }

    /// Whether the file is read.
    pub fn reads(self) -> bool {
        matches!(self, Status::Ok | Status::OverlapTrimmed)
    }
}

#[derive(Debug)]
pub struct Entry {
    pub found: Found,
    /// `None` for stdin and pipes (read once, as they come), and for a
    /// file that could not be surveyed (reading it reports why).
    pub survey: Option<Survey>,
    pub status: Status,
    /// Lines at the start already read from `same_as`.
    pub skip_lines: u64,
    /// The file this one duplicates or overlaps.
    pub same_as: Option<String>,
    /// Why it is skipped.
    pub note: Option<String>,
    /// Its group: files of one server's log.
    pub group: usize,
    /// Its server: the first its lines name, or its group's when they name
    /// none (the server of its lines before the first that names one).
    pub server: Option<String>,
}

#[derive(Debug, Default)]
pub struct Plan {
    /// In reading order.
    pub entries: Vec<Entry>,
    /// What each group holds, for `-v`: format, server and ISV.
    pub groups: Vec<String>,
    pub warnings: Vec<String>,
}

/// Surveys every file (in parallel, on the current rayon pool) and plans.
pub fn plan(found: Vec<Found>, options: &PlanOptions) -> Plan {
    let surveys: Vec<Option<Result<Survey>>> = found
        .par_iter()
        .map(|f| {
            crate::input::can_read_again(&f.name)
                .then(|| survey::survey(&f.name, options.from, options.decoding, &options.read))
        })
        .collect();
    let mut entries: Vec<Entry> = found
        .into_iter()
        .zip(surveys)
        .map(|(found, s)| entry(found, s.and_then(Result::ok), options))
        .collect();
    let mut out = Plan::default();
    let keys = group_keys(&entries);
    let mut labels: Vec<(GroupKey, usize)> = Vec::new();
    for (e, key) in entries.iter_mut().zip(keys) {
        if let GroupKey::Log { server, .. } = &key {
            e.server.clone_from(server);
        }
        e.group = match labels.iter().find(|(k, _)| *k == key) {
            Some((_, g)) => *g,
            None => {
                out.groups.push(key.label());
                labels.push((key, labels.len()));
                labels.len() - 1
            }
        };
    }
    order(&mut entries, &mut out.warnings);
    if options.dedup {
        dedup(&mut entries);
    }
    for s in entries.iter_mut().filter_map(|e| e.survey.as_mut()) {
        // Planned: the ends of the files are not needed any more.
        (s.head, s.tail) = (Vec::new(), Vec::new());
    }
    out.entries = entries;
    out
}

fn entry(found: Found, survey: Option<Survey>, options: &PlanOptions) -> Entry {
    let mut e = Entry {
        found,
        survey,
        status: Status::Ok,
        skip_lines: 0,
        same_as: None,
        note: None,
        group: 0,
        server: None,
    };
    let Some(s) = &e.survey else { return e };
    let hash = s.hash.map(|h| h.to_hex().to_string());
    let skip = match s.format {
        _ if hash.is_some_and(|h| options.known.hashes.contains(&h)) => {
            Some(super::manifest::KNOWN.to_string())
        }
        None if e.found.walked => Some(format!("not a log ({})", s.reason)),
        Some(Format::Jsonl | Format::Csv) if e.found.walked && options.from.is_none() => {
            Some(format!("liclog's own output ({})", s.reason))
        }
        _ => None,
    };
    if let Some(note) = skip {
        e.status = Status::Skipped;
        e.note = Some(note);
    } else if let Some(&(len, hash)) = options.known.by_path.get(&e.found.name)
        && len < s.content_len
        && let Some(lines) = survey::starts_with(&e.found.name, len, &hash)
    {
        // The same log, grown since the earlier run: only its new lines.
        e.status = Status::OverlapTrimmed;
        e.skip_lines = lines;
        e.same_as = Some(format!("{} (in the earlier manifest)", e.found.name));
    }
    e
}

/// What an earlier manifest says was read: content hashes (hex), and per
/// path the length and hash of the content then.
#[derive(Clone, Debug, Default)]
pub struct Known {
    pub hashes: HashSet<String>,
    pub by_path: HashMap<String, (u64, blake3::Hash)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum GroupKey {
    /// Read where it stands: stdin, a file not surveyed, or skipped.
    Alone(usize),
    Log {
        format: Format,
        server: Option<String>,
        isv: Option<String>,
    },
}

impl GroupKey {
    fn label(&self) -> String {
        match self {
            GroupKey::Alone(_) => "one file".into(),
            GroupKey::Log {
                format,
                server,
                isv,
            } => {
                let mut l = format!(
                    "{format} server {}",
                    server.as_deref().unwrap_or("(unknown)")
                );
                if let Some(isv) = isv {
                    l.push_str(&format!(" ISV {isv}"));
                }
                l
            }
        }
    }
}

/// A file that does not name its server (a rotated FlexNet file without
/// the start banner) joins the group of its format whose rotation series
/// it continues ([`continued`]); with one such group, that one.
fn group_keys(entries: &[Entry]) -> Vec<GroupKey> {
    let keys: Vec<GroupKey> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| match (&e.survey, e.status) {
            (Some(s), Status::Ok) if s.format.is_some() => GroupKey::Log {
                format: s.format.unwrap_or(Format::Flexnet),
                server: s.server.clone(),
                isv: s
                    .daemon
                    .clone()
                    .filter(|_| s.format == Some(Format::RlmReport)),
            },
            _ => GroupKey::Alone(i),
        })
        .collect();
    keys.iter()
        .enumerate()
        .map(|(i, k)| match k {
            GroupKey::Log {
                format,
                server: None,
                isv,
            } => {
                let candidates: Vec<usize> = (0..keys.len())
                    .filter(|&j| {
                        matches!(&keys[j], GroupKey::Log { format: f, server: Some(_), isv: o }
                            if f == format && (isv.is_none() || o == isv))
                    })
                    .collect();
                match continued(entries, i, &candidates, &keys) {
                    Some(j) => keys[j].clone(),
                    None => k.clone(),
                }
            }
            _ => k.clone(),
        })
        .collect()
}

/// The file among `candidates` (files that name their server) whose
/// server's series file `i` continues: the only server there is; else of
/// those whose usage names the same vendor daemon, the one whose file's end
/// `i` begins with (a rotation repeats a few lines), else the one whose
/// latest file before `i` is the latest (by first dated event).
fn continued(
    entries: &[Entry],
    i: usize,
    candidates: &[usize],
    keys: &[GroupKey],
) -> Option<usize> {
    let mut servers: Vec<&GroupKey> = candidates.iter().map(|&j| &keys[j]).collect();
    servers.sort_by_key(|k| k.label());
    servers.dedup();
    match servers.len() {
        0 => return None,
        1 => return candidates.first().copied(),
        _ => {}
    }
    let s = entries[i].survey.as_ref()?;
    let same_daemon: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&j| {
            let o = entries[j].survey.as_ref();
            s.daemon.is_none() || o.and_then(|o| o.daemon.as_ref()) == s.daemon.as_ref()
        })
        .collect();
    let pool = if same_daemon.is_empty() {
        candidates
    } else {
        &same_daemon[..]
    };
    let by_content = pool.iter().copied().find(|&j| {
        entries[j].survey.as_ref().is_some_and(|o| {
            o.splits_on_newline()
                && s.splits_on_newline()
                && overlap_lines(&o.tail, o.ends_with_newline, &s.head) > 0
        })
    });
    if by_content.is_some() {
        return by_content;
    }
    let first = s.first?;
    pool.iter()
        .copied()
        .filter_map(|j| Some((entries[j].survey.as_ref()?.first?, j)))
        .filter(|(t, _)| *t <= first)
        .max()
        .map(|(_, j)| j)
}

/// Groups in the order of their first file; each group by first dated
/// event, then size (daily copies of one log start alike), then name.
fn order(entries: &mut Vec<Entry>, warnings: &mut Vec<String>) {
    let mut first_of: HashMap<usize, usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        first_of.entry(e.group).or_insert(i);
    }
    let mut indexed: Vec<(usize, Entry)> =
        std::mem::take(entries).into_iter().enumerate().collect();
    indexed.sort_by(|(ia, a), (ib, b)| {
        let first = |e: &Entry| e.survey.as_ref().and_then(|s| s.first);
        let len = |e: &Entry| e.survey.as_ref().map_or(0, |s| s.content_len);
        let series = |e: &Entry| e.survey.as_ref().and_then(|s| s.format) == Some(Format::Sentinel);
        let by_group = first_of[&a.group].cmp(&first_of[&b.group]);
        if series(a) && series(b) {
            // Sentinel series come in startup order ([`crate::series`]).
            return by_group.then_with(|| ia.cmp(ib));
        }
        by_group
            .then_with(|| first(a).is_none().cmp(&first(b).is_none()))
            .then_with(|| first(a).cmp(&first(b)))
            .then_with(|| len(a).cmp(&len(b)))
            .then_with(|| ia.cmp(ib))
    });
    let mut members: HashMap<usize, usize> = HashMap::new();
    for (_, e) in &indexed {
        *members.entry(e.group).or_default() += 1;
    }
    const SHOWN: usize = 10;
    let mut undated_files = 0;
    for (_, e) in &indexed {
        let undated = e.survey.as_ref().is_some_and(|s| s.first.is_none());
        let sentinel = e.survey.as_ref().and_then(|s| s.format) == Some(Format::Sentinel);
        if undated && !sentinel && e.status == Status::Ok && members[&e.group] > 1 {
            undated_files += 1;
            if undated_files <= SHOWN {
                warnings.push(format!(
                    "{}: no dated event found; read after the dated files of its server",
                    e.found.name
                ));
            }
        }
    }
    if undated_files > SHOWN {
        warnings.push(format!(
            "{} more files without a dated event, each read after the dated files of its server",
            undated_files - SHOWN
        ));
    }
    *entries = indexed.into_iter().map(|(_, e)| e).collect();
}

fn dedup(entries: &mut [Entry]) {
    let mut seen: HashMap<blake3::Hash, usize> = HashMap::new();
    for i in 0..entries.len() {
        let (before, rest) = entries.split_at_mut(i);
        let b = &mut rest[0];
        let Some((s, hash)) = b
            .survey
            .as_ref()
            .filter(|_| b.status == Status::Ok)
            .and_then(|s| Some((s, s.hash?)))
        else {
            continue;
        };
        if let Some(&first) = seen.get(&hash) {
            b.status = Status::Duplicate;
            b.same_as = Some(before[first].found.name.clone());
            continue;
        }
        seen.insert(hash, i);
        let earlier = before
            .iter()
            .rev()
            .filter(|a| a.group == b.group && a.status.reads());
        if let Some((a, lines)) = snapshot_of(earlier.clone(), &b.found.name, s) {
            (b.status, b.skip_lines, b.same_as) = (Status::OverlapTrimmed, lines, Some(a));
        } else if let Some(a) = earlier.clone().next()
            && let Some(sa) = &a.survey
            && sa.splits_on_newline()
            && s.splits_on_newline()
        {
            let lines = overlap_lines(&sa.tail, sa.ends_with_newline, &s.head);
            if lines > 0 {
                b.status = Status::OverlapTrimmed;
                b.skip_lines = lines;
                b.same_as = Some(a.found.name.clone());
            }
        }
    }
}

/// The latest earlier file that `b` begins with the whole of, and the
/// lines of `b` it holds.
fn snapshot_of<'a>(
    earlier: impl Iterator<Item = &'a Entry>,
    b_name: &str,
    b: &Survey,
) -> Option<(String, u64)> {
    for a in earlier {
        let Some((sa, hash)) = a.survey.as_ref().and_then(|s| Some((s, s.hash?))) else {
            continue;
        };
        let candidate = sa.content_len > 0
            && sa.content_len < b.content_len
            && b.head.starts_with(&sa.head)
            && sa.splits_on_newline();
        if !candidate {
            continue;
        }
        if let Some(lines) = survey::starts_with(b_name, sa.content_len, &hash) {
            return Some((a.found.name.clone(), lines));
        }
    }
    None
}

/// How many lines at the start of `head` repeat the end of `tail`: the
/// longest end of `tail` made of whole lines that `head` begins with, if
/// it holds more than blank lines.
pub fn overlap_lines(tail: &[u8], ends_with_newline: bool, head: &[u8]) -> u64 {
    if !ends_with_newline || tail.is_empty() {
        return 0;
    }
    let starts = std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', tail).map(|i| i + 1))
        .filter(|&j| j < tail.len());
    for j in starts {
        // The first `j` bytes may be part of a line cut by the window.
        if j == 0 && tail.len() >= survey::EDGE {
            continue;
        }
        let end = &tail[j..];
        if head.starts_with(end) && end.iter().any(|b| !b.is_ascii_whitespace()) {
            return memchr::memchr_iter(b'\n', end).count() as u64;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlaps_are_whole_lines_at_the_end_of_one_and_the_start_of_the_next() {
        let tail = b"a 1\nb 2\nc 3\n";
        assert_eq!(overlap_lines(tail, true, b"b 2\nc 3\nd 4\n"), 2);
        assert_eq!(overlap_lines(tail, true, b"c 3\nd 4\n"), 1);
        assert_eq!(overlap_lines(tail, true, b"d 4\n"), 0);
        assert_eq!(overlap_lines(tail, false, b"c 3\nd 4\n"), 0);
        // Blank lines alone are no evidence.
        assert_eq!(overlap_lines(b"a\n\n", true, b"\nb\n"), 0);
        // Part of a line is not a line.
        assert_eq!(overlap_lines(tail, true, b" 3\nd 4\n"), 0);
    }
}
