//! The library's one error type. The binary maps each variant to an exit code.

use std::path::PathBuf;

/// A result with liclog's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong; each message names the file and, where
/// there is one, the line or byte offset. Fields are what the message says.
#[derive(Debug, thiserror::Error)]
#[allow(missing_docs)] // the fields: each message shows what each one is
pub enum Error {
    /// An input could not be opened.
    #[error("{path}: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Reading an input failed after `offset` decoded bytes (all kept).
    #[error("{path}: read error after {offset} decoded bytes: {source}")]
    Read {
        path: PathBuf,
        offset: u64,
        source: std::io::Error,
    },
    /// A gzip member is truncated or corrupt; what was decoded before is kept.
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
    /// The file shrank while it was read (rotated or truncated).
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
    /// A directory was given where a file was expected.
    #[error("{path}: is a directory; name the files in it (for example {path}/*)")]
    IsDirectory { path: PathBuf },
    /// A user-defined format (TOML) is invalid.
    #[error("format definition {at}: {why}")]
    Definition { at: String, why: String },
    /// A directory or pattern named no file.
    #[error("{input}: no file found (an empty directory, or a pattern that matches nothing)")]
    NoFiles { input: String },
    /// Bytes that are not valid in the input's encoding.
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
    /// An `--encoding` label that encoding_rs does not know.
    #[error("unknown encoding label {0:?} (try windows-1252, shift_jis, euc-jp, gbk, utf-16le)")]
    UnknownEncoding(String),
    /// A format name that is not known: (name, the known names).
    #[error("unknown format {0:?}; known formats: {1}")]
    UnknownFormat(String, &'static str),
    /// The input's format could not be detected.
    #[error("{path}: cannot recognise the log format ({reason}); name it with --from FORMAT")]
    Unrecognised { path: PathBuf, reason: String },
    /// Canonical input (JSONL or CSV) lacks a required column.
    #[error(
        "{path}:{line}: the required column {column:?} is missing \
         (canonical input; see docs/schema.md)"
    )]
    MissingColumn {
        path: PathBuf,
        line: u64,
        column: &'static str,
    },
    /// The format cannot be read or written in this direction.
    #[error("format {format} is not supported yet{hint}")]
    NotSupported { format: &'static str, hint: String },
    /// `--strict`: a line matched no known shape.
    #[error("{path}:{line}: unrecognised line (--strict)")]
    Strict { path: PathBuf, line: u64 },
    /// `--strict`: the output format cannot carry a value.
    #[error("{0}")]
    Lossy(String),
    /// Writing the output failed.
    #[error("writing output: {0}")]
    Write(#[source] std::io::Error),
    /// Writing to a named output failed: `target` is the path the user
    /// gave, never the temporary file behind it.
    #[error("writing {target}: {source}")]
    WriteTo {
        target: String,
        source: std::io::Error,
    },
    /// A bad combination of options or arguments.
    #[error("{0}")]
    Usage(String),
    /// The anonymization key file is missing or malformed.
    #[error("key file {path}: {why}")]
    Key { path: PathBuf, why: String },
    /// The leak check found an identifier that would survive; nothing was written.
    #[error("leak check failed: {0}")]
    Leak(String),
}
