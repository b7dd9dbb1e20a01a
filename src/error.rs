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
        "{path}: gzip data ends early at compressed byte {compressed_offset} \
         (truncated or corrupt; {offset} bytes decoded before it were kept): {detail}"
    )]
    TruncatedGzip {
        path: PathBuf,
        compressed_offset: u64,
        offset: u64,
        detail: String,
    },
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
    #[error("{path}: line {line} is longer than {limit} bytes")]
    LineTooLong {
        path: PathBuf,
        line: u64,
        limit: usize,
    },
    #[error("unknown encoding label {0:?} (try windows-1252, shift_jis, euc-jp, gbk, utf-16le)")]
    UnknownEncoding(String),
    #[error("unknown format {0:?}; known formats: {1}")]
    UnknownFormat(String, &'static str),
    #[error("{path}: cannot recognise the log format ({reason}); name it with --from FORMAT")]
    Unrecognised { path: PathBuf, reason: String },
    #[error("format {format} is not supported yet{hint}")]
    NotSupported { format: &'static str, hint: String },
    #[error("{path}:{line}: unrecognised line (--strict)")]
    Strict { path: PathBuf, line: u64 },
    #[error("writing output: {0}")]
    Write(#[source] std::io::Error),
    #[error("{0}")]
    Usage(String),
    #[error("key file {path}: {why}")]
    Key { path: PathBuf, why: String },
    #[error("leak check failed: {0}")]
    Leak(String),
}
