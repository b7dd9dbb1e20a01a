//! The library's one error type. The binary maps each variant to an exit code.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: read error after {offset} decoded bytes: {source}")]
    Read {
        path: PathBuf,
        offset: u64,
        source: std::io::Error,
    },
    #[error(
        "{path}: {problem} at compressed byte {compressed_offset}; \
         the {offset} bytes decoded before it were kept"
    )]
    Gzip {
        path: PathBuf,
        problem: crate::input::GzipProblem,
        compressed_offset: u64,
        offset: u64,
    },
    #[error(
        "{path}: the file shrank while it was read (truncated or rotated during the run): \
         {size} bytes when opened, only {read} there; the {offset} bytes decoded before were kept"
    )]
    Shrunk {
        path: PathBuf,
        size: u64,
        read: u64,
        offset: u64,
    },
    #[error("{path}: is a directory; name the files in it (for example {path}/*)")]
    IsDirectory { path: PathBuf },
    #[error("format definition {at}: {why}")]
    Definition { at: String, why: String },
    #[error("{input}: no file found (an empty directory, or a pattern that matches nothing)")]
    NoFiles { input: String },
    #[error(
        "{path}: invalid {encoding} byte sequence at byte offset {offset} (line {line}); \
         everything before it was kept. Pass --encoding LABEL if the file is not {encoding}"
    )]
    InvalidEncoding {
        path: PathBuf,
        encoding: &'static str,
        offset: u64,
        line: u64,
    },
    #[error("unknown encoding label {0:?} (try windows-1252, shift_jis, euc-jp, gbk, utf-16le)")]
    UnknownEncoding(String),
    #[error("unknown format {0:?}; known formats: {1}")]
    UnknownFormat(String, &'static str),
    #[error("{path}: cannot recognise the log format ({reason}); name it with --from FORMAT")]
    Unrecognised { path: PathBuf, reason: String },
    #[error(
        "{path}:{line}: the required column {column:?} is missing \
         (canonical input; see docs/schema.md)"
    )]
    MissingColumn {
        path: PathBuf,
        line: u64,
        column: &'static str,
    },
    #[error("format {format} is not supported yet{hint}")]
    NotSupported { format: &'static str, hint: String },
    #[error("{path}:{line}: unrecognised line (--strict)")]
    Strict { path: PathBuf, line: u64 },
    /// `--strict`: the output format cannot carry a value.
    #[error("{0}")]
    Lossy(String),
    #[error("writing output: {0}")]
    Write(#[source] std::io::Error),
    /// Writing to a named output failed: `target` is the path the user
    /// gave, never the temporary file behind it.
    #[error("writing {target}: {source}")]
    WriteTo {
        target: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Usage(String),
    #[error("key file {path}: {why}")]
    Key { path: PathBuf, why: String },
    #[error("leak check failed: {0}")]
    Leak(String),
}
