//! Opening one input: path or `-`, gzip by magic bytes (multi-member, on a
//! background thread so that decompression and parsing use both cores), then
//! a BOM or `--encoding` label decides how bytes become UTF-8.

use std::fs::File;
use std::io::{self, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use encoding_rs::{DecoderResult, Encoding};
use flate2::read::MultiGzDecoder;

use crate::error::{Error, Result};

/// How much decoded text `detect` and auto-detection look at.
pub const HEAD_LEN: usize = 64 * 1024;
const CHUNK: usize = 256 * 1024;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
}

impl Compression {
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
        }
    }
}

/// What the caller asked for: `None` means UTF-8 unless a BOM says otherwise.
#[derive(Copy, Clone, Debug, Default)]
pub struct Decoding {
    pub label: Option<&'static Encoding>,
}

impl Decoding {
    pub fn from_label(label: Option<&str>) -> Result<Decoding> {
        let label = match label {
            None => None,
            Some(l) => Some(
                Encoding::for_label(l.trim().as_bytes())
                    .ok_or_else(|| Error::UnknownEncoding(l.to_string()))?,
            ),
        };
        Ok(Decoding { label })
    }
}

/// An opened input, positioned after any BOM, yielding UTF-8 bytes.
pub struct Input {
    /// The name used in events and messages: the path, or `-` for stdin.
    pub name: String,
    pub path: Option<PathBuf>,
    pub compression: Compression,
    /// `utf-8`, `utf-16le`, `shift_jis`, ... (lowercase WHATWG name).
    pub encoding: String,
    pub bom: bool,
    /// The first decoded bytes, for format detection (lossy UTF-8).
    pub head: String,
    /// Whether those bytes were valid in `encoding`.
    pub head_valid: bool,
    pub reader: Box<dyn Read + Send>,
    /// Bytes of the input as stored (compressed) read so far, for progress.
    pub stored_read: Arc<AtomicU64>,
    pub stored_len: Option<u64>,
    /// Bytes before the first decoded byte (a BOM), for error offsets.
    pub skipped: u64,
    encoding_name: &'static str,
}

/// Stdin, saved by [`spool_stdin`].
static STDIN_SPOOL: std::sync::OnceLock<tempfile::NamedTempFile> = std::sync::OnceLock::new();

/// Saves stdin to a temporary file, for commands that read an input more
/// than once: from then on, `-` opens the saved copy (still named `-`).
pub fn spool_stdin() -> Result<()> {
    if STDIN_SPOOL.get().is_some() {
        return Ok(());
    }
    let io_err = |source| Error::Read {
        path: PathBuf::from("-"),
        offset: 0,
        source,
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".liclog-stdin-")
        .tempfile()
        .map_err(io_err)?;
    io::copy(&mut io::stdin().lock(), temp.as_file_mut()).map_err(io_err)?;
    let _ = STDIN_SPOOL.set(temp);
    Ok(())
}

impl Input {
    pub fn open(name: &str, decoding: Decoding) -> Result<Input> {
        let (raw, path, stored_len): (Box<dyn Read + Send>, _, _) = if name == "-" {
            match STDIN_SPOOL.get() {
                Some(spool) => {
                    let f = spool.reopen().map_err(|source| Error::Open {
                        path: PathBuf::from("-"),
                        source,
                    })?;
                    let len = f.metadata().ok().map(|m| m.len());
                    (Box::new(f), None, len)
                }
                None => (Box::new(io::stdin()), None, None),
            }
        } else {
            let p = PathBuf::from(name);
            let f = File::open(&p).map_err(|source| Error::Open {
                path: p.clone(),
                source,
            })?;
            let len = f.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
            (Box::new(f), Some(p), len)
        };
        let stored_read = Arc::new(AtomicU64::new(0));
        let counted = Counting {
            inner: raw,
            count: stored_read.clone(),
        };
        let path_for_err = path.clone().unwrap_or_else(|| PathBuf::from("-"));
        let open_err = |source| Error::Read {
            path: path_for_err.clone(),
            offset: 0,
            source,
        };

        let (magic, rest) = peek(Box::new(counted), 2);
        let mut stream: Box<dyn Read + Send> = Box::new(Cursor::new(magic.clone()).chain(rest));
        let compression = if magic == [0x1f, 0x8b] {
            stream = Box::new(gunzip_in_background(stream, stored_read.clone()));
            Compression::Gzip
        } else {
            Compression::None
        };

        let (head_raw, rest) = peek(stream, HEAD_LEN);
        let (bom_encoding, bom_len) = match Encoding::for_bom(&head_raw) {
            Some((enc, len)) => (Some(enc), len),
            None => (None, 0),
        };
        let encoding = bom_encoding
            .or(decoding.label)
            .unwrap_or(encoding_rs::UTF_8);
        let sample = &head_raw[bom_len..];
        let (head, head_valid) = {
            let (text, had_errors) = encoding.decode_without_bom_handling(sample);
            // A full sample may end inside a character: judge validity
            // without its last few bytes.
            let valid = !had_errors
                || (sample.len() + bom_len == HEAD_LEN
                    && !encoding
                        .decode_without_bom_handling(&sample[..sample.len() - 4])
                        .1);
            (text.into_owned(), valid)
        };
        let body = Cursor::new(head_raw).chain(rest);
        let mut body: Box<dyn Read + Send> = Box::new(body);
        io::copy(&mut (&mut body).take(bom_len as u64), &mut io::sink()).map_err(open_err)?;
        let reader: Box<dyn Read + Send> = if encoding == encoding_rs::UTF_8 {
            // UTF-8 passes through; the line reader validates each line, which
            // is cheaper than transcoding and gives exact error offsets.
            body
        } else {
            Box::new(Transcode::new(body, encoding))
        };
        Ok(Input {
            name: name.to_string(),
            path,
            compression,
            encoding: encoding.name().to_ascii_lowercase(),
            bom: bom_len > 0,
            head,
            head_valid,
            reader,
            stored_read,
            stored_len,
            skipped: bom_len as u64,
            encoding_name: encoding.name(),
        })
    }

    pub fn display_path(&self) -> PathBuf {
        self.path.clone().unwrap_or_else(|| PathBuf::from("-"))
    }

    /// The error the user sees for a line of this input that could not be read.
    pub fn line_error(&self, err: crate::lines::LineError) -> Error {
        use crate::lines::{LineError, MAX_LINE};
        match err {
            LineError::Io {
                error,
                offset,
                line,
            } => self.read_error(error, offset, line),
            LineError::InvalidUtf8 { offset, line } => self.invalid_utf8(offset, line),
            LineError::TooLong { line } => Error::LineTooLong {
                path: self.display_path(),
                line,
                limit: MAX_LINE,
            },
        }
    }

    /// Turns a read failure into the error the user sees: a truncated gzip,
    /// a malformed byte sequence with its offset, or a plain read error.
    pub fn read_error(&self, err: io::Error, offset: u64, line: u64) -> Error {
        let path = self.display_path();
        if let Some(bad) = err.get_ref().and_then(|e| e.downcast_ref::<Malformed>()) {
            return Error::InvalidEncoding {
                path,
                encoding: self.encoding_name,
                offset: bad.offset,
                line,
            };
        }
        map_io_error(&path, offset, err)
    }

    pub fn invalid_utf8(&self, offset: u64, line: u64) -> Error {
        Error::InvalidEncoding {
            path: self.display_path(),
            encoding: self.encoding_name,
            offset: offset + self.skipped,
            line,
        }
    }
}

fn map_io_error(path: &Path, offset: u64, err: io::Error) -> Error {
    if let Some(gz) = err.get_ref().and_then(|e| e.downcast_ref::<GzipFailure>()) {
        return Error::TruncatedGzip {
            path: path.to_path_buf(),
            compressed_offset: gz.stored_offset,
            offset,
            detail: gz.detail.clone(),
        };
    }
    Error::Read {
        path: path.to_path_buf(),
        offset,
        source: err,
    }
}

/// Reads up to `n` bytes and returns them with the rest of the stream. A
/// read error is not returned here but by the rest of the stream, after the
/// bytes before it: a gzip cut inside its first kilobytes still yields them.
fn peek(mut r: Box<dyn Read + Send>, n: usize) -> (Vec<u8>, Box<dyn Read + Send>) {
    let mut buf = Vec::with_capacity(n);
    match (&mut r).take(n as u64).read_to_end(&mut buf) {
        Ok(_) => (buf, r),
        Err(e) => (buf, Box::new(FailNext(Some(e)))),
    }
}

/// A stream whose next read fails with a stored error.
struct FailNext(Option<io::Error>);

impl Read for FailNext {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        self.0.take().map_or(Ok(0), Err)
    }
}

struct Counting {
    inner: Box<dyn Read + Send>,
    count: Arc<AtomicU64>,
}

impl Read for Counting {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

#[derive(Debug)]
struct GzipFailure {
    stored_offset: u64,
    detail: String,
}

impl std::fmt::Display for GzipFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "gzip stream broken at byte {}: {}",
            self.stored_offset, self.detail
        )
    }
}
impl std::error::Error for GzipFailure {}

/// Decompresses on its own thread and hands over filled chunks through a
/// bounded channel: at most a few chunks are in flight, so memory stays flat.
fn gunzip_in_background(
    stream: Box<dyn Read + Send>,
    stored_read: Arc<AtomicU64>,
) -> ChannelReader {
    let (tx, rx) = mpsc::sync_channel::<io::Result<Vec<u8>>>(4);
    std::thread::spawn(move || {
        let mut dec = MultiGzDecoder::new(io::BufReader::with_capacity(CHUNK, stream));
        loop {
            let mut chunk = vec![0u8; CHUNK];
            let mut filled = 0;
            let result = loop {
                match dec.read(&mut chunk[filled..]) {
                    Ok(0) => break Ok(true),
                    Ok(n) => {
                        filled += n;
                        if filled == chunk.len() {
                            break Ok(false);
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => break Err(e),
                }
            };
            chunk.truncate(filled);
            if filled > 0 && tx.send(Ok(chunk)).is_err() {
                return; // the reader went away (e.g. broken pipe downstream)
            }
            match result {
                Ok(false) => {}
                Ok(true) => return,
                Err(e) => {
                    let failure = GzipFailure {
                        stored_offset: stored_read.load(Ordering::Relaxed),
                        detail: e.to_string(),
                    };
                    let _ = tx.send(Err(io::Error::new(e.kind(), failure)));
                    return;
                }
            }
        }
    });
    ChannelReader {
        rx,
        chunk: Vec::new(),
        pos: 0,
        done: false,
    }
}

struct ChannelReader {
    rx: mpsc::Receiver<io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    pos: usize,
    done: bool,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.chunk.len() {
            if self.done {
                return Ok(0);
            }
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    self.chunk = chunk;
                    self.pos = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => {
                    self.done = true;
                    return Ok(0);
                }
            }
        }
        let n = buf.len().min(self.chunk.len() - self.pos);
        buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// A malformed byte sequence in a non-UTF-8 input, at a decoded-stream offset.
#[derive(Debug)]
pub struct Malformed {
    pub offset: u64,
}

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "malformed byte sequence at offset {}", self.offset)
    }
}
impl std::error::Error for Malformed {}

/// Transcodes any encoding_rs encoding to UTF-8, failing (after handing out
/// everything decoded before it) at the first malformed sequence rather than
/// replacing it: a silently altered user name is worse than a clear error.
struct Transcode<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    in_pos: usize,
    in_end: usize,
    consumed: u64,
    output: Vec<u8>,
    out_pos: usize,
    out_end: usize,
    eof: bool,
    finished: bool,
    error: Option<u64>,
}

impl<R: Read> Transcode<R> {
    fn new(inner: R, encoding: &'static Encoding) -> Self {
        Transcode {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            input: vec![0; CHUNK],
            in_pos: 0,
            in_end: 0,
            consumed: 0,
            output: vec![0; CHUNK * 3 + 16],
            out_pos: 0,
            out_end: 0,
            eof: false,
            finished: false,
            error: None,
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        if self.in_pos == self.in_end && !self.eof {
            let n = loop {
                match self.inner.read(&mut self.input) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    r => break r?,
                }
            };
            self.in_pos = 0;
            self.in_end = n;
            self.eof = n == 0;
        }
        let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
            &self.input[self.in_pos..self.in_end],
            &mut self.output,
            self.eof,
        );
        self.in_pos += read;
        self.consumed += read as u64;
        self.out_pos = 0;
        self.out_end = written;
        match result {
            DecoderResult::InputEmpty => self.finished = self.eof,
            DecoderResult::OutputFull => {}
            DecoderResult::Malformed(bad, after) => {
                self.error = Some(self.consumed - u64::from(bad) - u64::from(after));
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for Transcode<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.out_pos == self.out_end {
            if let Some(offset) = self.error {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    Malformed { offset },
                ));
            }
            if self.finished {
                return Ok(0);
            }
            self.refill()?;
        }
        let n = buf.len().min(self.out_end - self.out_pos);
        buf[..n].copy_from_slice(&self.output[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transcode(bytes: &[u8], enc: &'static Encoding) -> io::Result<String> {
        let mut out = String::new();
        Transcode::new(bytes, enc).read_to_string(&mut out)?;
        Ok(out)
    }

    #[test]
    fn shift_jis_decodes() {
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode("12:00:00 (d) OUT: \"f\" 山田@host\n");
        assert_eq!(
            transcode(&bytes, encoding_rs::SHIFT_JIS).unwrap(),
            "12:00:00 (d) OUT: \"f\" 山田@host\n"
        );
    }

    #[test]
    fn malformed_sequence_reports_its_offset() {
        let mut bytes = b"abc".to_vec();
        bytes.push(0x82); // a Shift_JIS lead byte followed by an invalid trail
        bytes.push(b'\n');
        let err = transcode(&bytes, encoding_rs::SHIFT_JIS).unwrap_err();
        let m = err.get_ref().unwrap().downcast_ref::<Malformed>().unwrap();
        assert_eq!(m.offset, 3);
    }
}
