//! Opening one input: path or `-`, gzip by magic bytes (multi-member, on a
//! background thread so that decompression and parsing use both cores), then
//! a BOM or `--encoding` label decides how bytes become UTF-8.

use std::fs::File;
use std::io::{self, BufRead, Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use encoding_rs::{DecoderResult, Encoding};

use crate::error::{Error, Result};
use crate::seal::{Seal, SealReader};

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

/// Inputs that cannot be read twice (stdin, pipes, FIFOs, devices),
/// saved by [`spool`] for commands that read an input more than once.
static SPOOLS: Mutex<Vec<Spool>> = Mutex::new(Vec::new());

/// A file read in place of a name: its path, and how it is sealed.
struct Spool {
    name: String,
    file: Arc<File>,
    seal: Option<Arc<Seal>>,
}

/// Whether `name` can be opened again from its start: a regular file.
/// Stdin, `<(cmd)`, a FIFO or `/dev/stdin` would give other bytes, or none.
pub fn is_rereadable(name: &str) -> bool {
    name != "-" && std::fs::metadata(name).is_ok_and(|m| m.is_file())
}

/// Saves an input that cannot be read twice, so that later opens of
/// `name` read the saved copy. The copy lives in a temporary file that
/// has no name (it is unlinked as it is created): it holds the original,
/// un-anonymized input, and it must not outlive the process, however the
/// process ends.
pub fn spool(name: &str) -> Result<()> {
    let mut spools = SPOOLS.lock().unwrap_or_else(|e| e.into_inner());
    // A missing file or a directory is left to fail when it is opened, as
    // one input among others; a regular file needs no copy.
    let once_only =
        name == "-" || std::fs::metadata(name).is_ok_and(|m| !m.is_file() && !m.is_dir());
    if !once_only || spools.iter().any(|s| s.name == name) {
        return Ok(());
    }
    let path = PathBuf::from(name);
    let io_err = |source| Error::Read {
        path: path.clone(),
        offset: 0,
        source,
    };
    // A full or missing temporary directory is a write error that says
    // where, never a read error of the input.
    let temp_err = |source| Error::WriteTo {
        target: format!(
            "a temporary copy of {name} in {}",
            std::env::temp_dir().display()
        ),
        source,
    };
    let temp = tempfile::tempfile().map_err(temp_err)?;
    // Sealed: a copy of the original must be noise to anyone but this run.
    let seal = Arc::new(Seal::new().map_err(temp_err)?);
    let mut sealed = seal.writer(temp.try_clone().map_err(temp_err)?, 0);
    let mut from: Box<dyn Read> = if name == "-" {
        Box::new(io::stdin().lock())
    } else {
        Box::new(open_path(&path)?)
    };
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_err(e)),
        };
        sealed.write_all(&buf[..n]).map_err(temp_err)?;
    }
    spools.push(Spool {
        name: name.to_string(),
        file: Arc::new(temp),
        seal: Some(seal),
    });
    Ok(())
}

/// From now on, opening `name` reads the sealed `file` unsealed: a
/// temporary output that is read back before it is committed.
pub fn read_sealed(name: &str, file: File, seal: Arc<Seal>) {
    let mut spools = SPOOLS.lock().unwrap_or_else(|e| e.into_inner());
    spools.retain(|s| s.name != name);
    spools.push(Spool {
        name: name.to_string(),
        file: Arc::new(file),
        seal: Some(seal),
    });
}

/// Undoes [`read_sealed`]: the file is gone or committed.
pub fn forget_sealed(name: &str) {
    let mut spools = SPOOLS.lock().unwrap_or_else(|e| e.into_inner());
    spools.retain(|s| s.name != name);
}

/// Whether opening `name` again gives the same bytes: a regular file, or
/// an input saved by [`spool`].
pub fn can_read_again(name: &str) -> bool {
    is_rereadable(name) || spooled(name).is_some()
}

fn spooled(name: &str) -> Option<SealReader> {
    let spools = SPOOLS.lock().unwrap_or_else(|e| e.into_inner());
    let spool = spools.iter().find(|s| s.name == name)?;
    Some(match &spool.seal {
        Some(seal) => seal.reader(spool.file.clone()),
        None => SealReader::plain(spool.file.clone()),
    })
}

/// Opens a path that is not spooled; a directory is an error of its own.
fn open_path(path: &Path) -> Result<File> {
    let open_err = |source| Error::Open {
        path: path.to_path_buf(),
        source,
    };
    if std::fs::metadata(path).map_err(open_err)?.is_dir() {
        return Err(Error::IsDirectory {
            path: path.to_path_buf(),
        });
    }
    File::open(path).map_err(open_err)
}

/// An input's bytes as stored, counted into `stored_read` as they are read.
struct Stored {
    path: Option<PathBuf>,
    reader: Box<dyn Read + Send>,
    len: Option<u64>,
    read: Arc<AtomicU64>,
}

impl Stored {
    fn open(name: &str) -> Result<Stored> {
        let path = (name != "-").then(|| PathBuf::from(name));
        let (raw, len): (Box<dyn Read + Send>, _) = match (spooled(name), &path) {
            (Some(spool), _) => {
                let len = spool.file_len();
                (Box::new(spool), len)
            }
            (None, None) => (Box::new(io::stdin()), None),
            (None, Some(p)) => {
                let f = open_path(p)?;
                match f.metadata().ok().filter(|m| m.is_file()).map(|m| m.len()) {
                    // A regular file must still have its size at the end.
                    Some(len) => (Box::new(SizeCheck::new(f, len)), Some(len)),
                    None => (Box::new(f), None),
                }
            }
        };
        let read = Arc::new(AtomicU64::new(0));
        let counted = Counting {
            inner: raw,
            count: read.clone(),
        };
        Ok(Stored {
            path,
            reader: Box::new(counted),
            len,
            read,
        })
    }

    /// The decompressed bytes (gzip by its magic bytes).
    fn decompressed(self) -> (Box<dyn Read + Send>, Compression) {
        let (magic, rest, _) = peek(self.reader, 2);
        let stream: Box<dyn Read + Send> = Box::new(Cursor::new(magic.clone()).chain(rest));
        if magic == [0x1f, 0x8b] {
            let gunzip = gunzip_in_background(stream, self.read.clone());
            (Box::new(gunzip), Compression::Gzip)
        } else {
            (stream, Compression::None)
        }
    }
}

/// An input's decompressed bytes, not decoded: what its content hash is
/// taken of. Errors while reading carry the same details as [`Input`]'s.
pub fn open_decompressed(name: &str) -> Result<(Box<dyn Read + Send>, Compression)> {
    Ok(Stored::open(name)?.decompressed())
}

/// The error the user sees for a failed read of `path`'s decompressed
/// bytes at `offset`.
pub fn decompressed_error(path: &Path, offset: u64, err: io::Error) -> Error {
    map_io_error(path, offset, err)
}

impl Input {
    pub fn open(name: &str, decoding: Decoding) -> Result<Input> {
        let stored = Stored::open(name)?;
        let (path, stored_len, stored_read) =
            (stored.path.clone(), stored.len, stored.read.clone());
        let path_for_err = path.clone().unwrap_or_else(|| PathBuf::from("-"));
        let open_err = |source| Error::Read {
            path: path_for_err.clone(),
            offset: 0,
            source,
        };
        let (stream, compression) = stored.decompressed();

        let (head_raw, rest, failed) = peek(stream, HEAD_LEN);
        if let Some(err) = failed.filter(|_| head_raw.is_empty()) {
            // Nothing to detect a format from: the failure is the news
            // (a corrupt gzip header, a file that vanished).
            return Err(map_io_error(&path_for_err, 0, err));
        }
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
        use crate::lines::LineError;
        match err {
            LineError::Io {
                error,
                offset,
                line,
            } => self.read_error(error, offset, line),
            LineError::InvalidUtf8 { offset, line } => self.invalid_utf8(offset, line),
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
    let inner = err.get_ref();
    if let Some(gz) = inner.and_then(|e| e.downcast_ref::<GzipFailure>()) {
        return Error::Gzip {
            path: path.to_path_buf(),
            problem: gz.problem.clone(),
            compressed_offset: gz.stored_offset,
            offset,
        };
    }
    if let Some(s) = inner.and_then(|e| e.downcast_ref::<Shrunk>()) {
        return Error::Shrunk {
            path: path.to_path_buf(),
            size: s.size,
            read: s.read,
            offset,
        };
    }
    Error::Read {
        path: path.to_path_buf(),
        offset,
        source: err,
    }
}

/// Reads up to `n` bytes and returns them with the rest of the stream. A
/// read error is returned by the rest of the stream, after the bytes
/// before it (a gzip cut inside its first kilobytes still yields them),
/// and also here, as a copy, when it came within the `n` bytes.
fn peek(
    mut r: Box<dyn Read + Send>,
    n: usize,
) -> (Vec<u8>, Box<dyn Read + Send>, Option<io::Error>) {
    let mut buf = Vec::with_capacity(n);
    match read_up_to(&mut r, &mut buf, n) {
        Ok(()) => (buf, r, None),
        Err(e) => {
            let copy = copy_error(&e);
            (buf, Box::new(FailNext(Some(e))), Some(copy))
        }
    }
}

/// `take(n).read_to_end`, but keeping the bytes read before an error.
/// Reads into `buf` (empty) up to `n` bytes or the end, in place.
fn read_up_to(r: &mut dyn Read, buf: &mut Vec<u8>, n: usize) -> io::Result<()> {
    buf.resize(n, 0);
    let mut filled = 0;
    let result = loop {
        if filled == n {
            break Ok(());
        }
        match r.read(&mut buf[filled..]) {
            Ok(0) => break Ok(()),
            Ok(k) => filled += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => break Err(e),
        }
    };
    buf.truncate(filled);
    result
}

/// An equal error (io::Error is not Clone), keeping what the messages use.
fn copy_error(e: &io::Error) -> io::Error {
    let inner = e.get_ref();
    if let Some(gz) = inner.and_then(|i| i.downcast_ref::<GzipFailure>()) {
        return io::Error::new(e.kind(), gz.clone());
    }
    if let Some(s) = inner.and_then(|i| i.downcast_ref::<Shrunk>()) {
        return io::Error::new(e.kind(), s.clone());
    }
    match e.raw_os_error() {
        Some(code) => io::Error::from_raw_os_error(code),
        None => io::Error::new(e.kind(), e.to_string()),
    }
}

/// A regular file that must yield as many bytes as it had when opened: one
/// that shrinks while it is read (truncated, or rotated by copy and
/// truncate) ends in an error rather than in a torn last line and exit 0.
struct SizeCheck {
    file: File,
    len: u64,
    read: u64,
}

impl SizeCheck {
    fn new(file: File, len: u64) -> Self {
        SizeCheck { file, len, read: 0 }
    }
}

impl Read for SizeCheck {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        self.read += n as u64;
        if n == 0 && !buf.is_empty() && self.read < self.len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                Shrunk {
                    size: self.len,
                    read: self.read,
                },
            ));
        }
        Ok(n)
    }
}

/// The file ended before the size it had when it was opened.
#[derive(Clone, Debug)]
pub struct Shrunk {
    pub size: u64,
    pub read: u64,
}

impl std::fmt::Display for Shrunk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the file shrank while it was read ({} bytes when opened, only {} there)",
            self.size, self.read
        )
    }
}
impl std::error::Error for Shrunk {}

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

/// What went wrong in a gzip input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GzipProblem {
    /// The data stops inside a member.
    Truncated,
    /// A bad header, deflate stream or checksum.
    Corrupt(String),
    /// Bytes after the last member that do not start another one.
    Trailing,
}

impl std::fmt::Display for GzipProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GzipProblem::Truncated => f.write_str("gzip data ends early (truncated)"),
            GzipProblem::Corrupt(detail) => write!(f, "corrupt gzip ({detail})"),
            GzipProblem::Trailing => f.write_str("trailing data after gzip member"),
        }
    }
}

#[derive(Clone, Debug)]
struct GzipFailure {
    stored_offset: u64,
    problem: GzipProblem,
}

impl std::fmt::Display for GzipFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.problem, self.stored_offset)
    }
}
impl std::error::Error for GzipFailure {}

/// Decompresses on its own thread and hands over filled chunks through a
/// bounded channel: at most a few chunks are in flight, so memory stays flat.
///
/// Members are decoded one by one (not with `MultiGzDecoder`) so that the
/// end of each is known: bytes after the last member are reported as
/// trailing data. A line that runs on from one member into the next is
/// one line, as `zcat` gives it (a writer that flushes mid-line starts a
/// new member there). Only a later member that starts with a UTF-8 BOM is
/// the start of another file (`cat a.gz b.gz`): its BOM is dropped, and a
/// line break ends the last line before it if that had none.
fn gunzip_in_background(
    stream: Box<dyn Read + Send>,
    stored_read: Arc<AtomicU64>,
) -> ChannelReader {
    let (tx, rx) = mpsc::sync_channel::<io::Result<Vec<u8>>>(4);
    std::thread::spawn(move || {
        let mut src = io::BufReader::with_capacity(CHUNK, stream);
        let at = |src: &io::BufReader<_>| {
            stored_read.load(Ordering::Relaxed) - src.buffer().len() as u64
        };
        let fail = |stored_offset, problem| {
            let failure = GzipFailure {
                stored_offset,
                problem,
            };
            Err(io::Error::new(io::ErrorKind::InvalidData, failure))
        };
        let mut member = 0u64;
        let mut ended_line = true;
        loop {
            let next = match src.fill_buf() {
                Ok(b) => b,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            if next.is_empty() {
                return;
            }
            if member > 0 && (next[0] != 0x1f || next.get(1).is_some_and(|&b| b != 0x8b)) {
                let _ = tx.send(fail(at(&src), GzipProblem::Trailing));
                return;
            }
            let mut joint = Joint {
                later: member > 0,
                ended_line,
                started: false,
            };
            let mut dec = flate2::bufread::GzDecoder::new(&mut src);
            let result = pump(&mut dec, &tx, &mut joint);
            let src_ref = dec.into_inner();
            match result {
                Ok(true) => {}
                Ok(false) => return, // the reader went away (a broken pipe downstream)
                Err(e) => {
                    let offset = at(src_ref);
                    if e.get_ref().is_some_and(|i| i.is::<Shrunk>()) {
                        let _ = tx.send(Err(e));
                        return;
                    }
                    let problem = if e.kind() == io::ErrorKind::UnexpectedEof {
                        GzipProblem::Truncated
                    } else {
                        GzipProblem::Corrupt(e.to_string())
                    };
                    let _ = tx.send(fail(offset, problem));
                    return;
                }
            }
            if joint.started {
                ended_line = joint.ended_line;
            }
            member += 1;
        }
    });
    ChannelReader {
        rx,
        chunk: Vec::new(),
        pos: 0,
        done: false,
    }
}

/// Where one gzip member meets the one before it.
struct Joint {
    later: bool,
    /// The output so far ends with a line break (or is empty).
    ended_line: bool,
    /// This member has given output.
    started: bool,
}

/// Sends one member's output in chunks; `Ok(false)` when the receiver is
/// gone. A decoder error comes after the chunk decoded before it.
fn pump(
    dec: &mut dyn Read,
    tx: &mpsc::SyncSender<io::Result<Vec<u8>>>,
    joint: &mut Joint,
) -> io::Result<bool> {
    loop {
        let mut chunk = Vec::new();
        // `Ok(true)` at the end of the member: the chunk is not full.
        let result = read_up_to(dec, &mut chunk, CHUNK).map(|()| chunk.len() < CHUNK);
        if !chunk.is_empty() {
            if !joint.started {
                joint.started = true;
                if joint.later && chunk.starts_with(b"\xef\xbb\xbf") {
                    chunk.drain(..3);
                    if !joint.ended_line {
                        chunk.insert(0, b'\n');
                    }
                }
            }
            if let Some(&last) = chunk.last() {
                joint.ended_line = last == b'\n';
            }
            if tx.send(Ok(chunk)).is_err() {
                return Ok(false);
            }
        }
        match result {
            Ok(false) => {}
            Ok(true) => return Ok(true),
            Err(e) => return Err(e),
        }
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
    fn a_file_that_shrinks_while_read_is_an_error_after_what_was_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        std::fs::write(&path, "x\n".repeat(100_000)).unwrap();
        let name = path.to_string_lossy().into_owned();
        let mut input = Input::open(&name, Decoding::default()).unwrap();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(150_000)
            .unwrap();
        let mut text = Vec::new();
        let err = input.reader.read_to_end(&mut text).unwrap_err();
        assert_eq!(text.len(), 150_000, "everything still there is read");
        match map_io_error(&path, 150_000, err) {
            Error::Shrunk { size, read, .. } => assert_eq!((size, read), (200_000, 150_000)),
            other => panic!("{other}"),
        }
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
