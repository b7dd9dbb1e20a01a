//! `--manifest PATH`: one JSON line per input, written even when inputs
//! fail; `--skip-known PATH` reads an earlier one back. The fields are
//! documented in the README ("Manifest").

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::plan::{Entry, Known, Status};
use crate::convert::InputStats;
use crate::error::{Error, Result};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub path: String,
    /// Bytes as stored.
    pub size: Option<u64>,
    /// BLAKE3 of the decompressed bytes, hex.
    pub hash: Option<String>,
    /// Decompressed bytes.
    pub content_length: Option<u64>,
    pub format: Option<String>,
    pub compression: Option<String>,
    pub encoding: Option<String>,
    /// Lines in the file (those skipped included).
    pub lines: Option<u64>,
    /// Events written, per kind.
    pub events: BTreeMap<String, u64>,
    /// The first and last dated events written, ISO 8601.
    pub first: Option<String>,
    pub last: Option<String>,
    pub warnings: u64,
    /// `ok`, `failed`, `duplicate`, `overlap-trimmed` or `skipped`.
    pub status: String,
    /// Why it failed or was skipped.
    pub error: Option<String>,
    /// The file it duplicates or overlaps.
    pub same_as: Option<String>,
    /// Lines at its start not written again (`overlap-trimmed`).
    pub skipped_lines: u64,
    /// Where its events went.
    pub output: Option<String>,
}

impl Record {
    /// The record of a planned input: what reading it gave (if it was
    /// read), its own failure, and where its events went.
    pub fn new(
        entry: &Entry,
        stats: Option<&InputStats>,
        failure: Option<String>,
        output: Option<&str>,
    ) -> Record {
        let survey = entry.survey.as_ref();
        let status = match failure {
            Some(_) => Status::Failed,
            None => entry.status,
        };
        let format = stats
            .and_then(|s| s.format)
            .or_else(|| survey.and_then(|s| s.format));
        Record {
            path: entry.found.name.clone(),
            size: survey.and_then(|s| s.size),
            hash: survey.and_then(|s| s.hash).map(|h| h.to_hex().to_string()),
            content_length: survey.map(|s| s.content_len),
            format: format.map(|f| f.name().to_string()),
            compression: survey.map(|s| s.compression.name().to_string()),
            encoding: survey.map(|s| s.encoding.clone()),
            lines: survey.map(|s| s.lines).or(stats.map(|s| s.lines)),
            events: stats.map(InputStats::events).unwrap_or_default(),
            first: stats.and_then(|s| s.first.as_ref().map(|t| t.to_iso())),
            last: stats.and_then(|s| s.last.as_ref().map(|t| t.to_iso())),
            warnings: stats.map_or(0, |s| s.warnings),
            status: status.name().to_string(),
            error: failure.or(entry.note.clone()),
            same_as: entry.same_as.clone(),
            skipped_lines: entry.skip_lines,
            output: output
                .filter(|_| status.reads() || status == Status::Failed)
                .map(String::from),
        }
    }

    pub fn to_line(&self) -> String {
        let mut line = serde_json::to_string(self).unwrap_or_default();
        line.push('\n');
        line
    }
}

/// What an earlier manifest says was read (`--skip-known`): the content
/// hashes of its inputs, and per path the content then, so that a log
/// that has grown since is read from its first new line.
pub fn known(path: &Path) -> Result<Known> {
    let open_err = |source| Error::Open {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(open_err)?;
    let mut known = Known::default();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(open_err)?;
        if line.trim().is_empty() {
            continue;
        }
        let record: Record = serde_json::from_str(&line).map_err(|e| {
            Error::Usage(format!(
                "{}:{}: not a liclog manifest line: {e}",
                path.display(),
                i + 1
            ))
        })?;
        // A failed file's lines before its failure were written too.
        let read = matches!(
            record.status.as_str(),
            "ok" | "overlap-trimmed" | "duplicate" | "failed"
        ) || record.error.as_deref() == Some(KNOWN);
        let Some(hex) = record.hash.filter(|_| read) else {
            continue;
        };
        if let (Some(len), Ok(hash)) = (record.content_length, blake3::Hash::from_hex(&hex)) {
            known.by_path.insert(record.path.clone(), (len, hash));
        }
        known.hashes.insert(hex);
    }
    Ok(known)
}

/// The note of an input skipped by `--skip-known`.
pub const KNOWN: &str = "in the earlier manifest";
