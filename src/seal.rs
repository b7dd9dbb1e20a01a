//! Sealed temporary files: what a run writes before it is proven clean.
//!
//! An anonymizing run writes its first pass to a temporary file, then
//! searches it for names it met too late to replace. Until that search
//! passes, the file may hold original names, and a run killed with SIGKILL
//! (or a power cut) cannot remove it. So it is sealed: every byte is XORed
//! with a keystream from a key that only this process holds, in memory. A
//! file left behind is noise; the plain text exists only in memory and, once
//! proven clean, in the output. The same holds for the copy of an input that
//! cannot be read twice (stdin), and for the spilled buffers of a batch.
//!
//! The keystream is BLAKE3's extendable output in keyed mode, a PRF: a
//! fresh random key per file makes it a stream cipher that is never reused.
//! Nothing checks integrity; the threat is a reader of the disk, not a
//! writer to it.

use std::fs::File;
use std::io::{self, Read, Write};
use std::sync::Arc;

use zeroize::Zeroizing;

/// The key of one sealed file.
pub struct Seal {
    key: Zeroizing<[u8; 32]>,
}

/// The bytes sealed at a time: a keystream block is made per chunk.
const CHUNK: usize = 1 << 16;

impl Seal {
    /// A fresh random key, never written anywhere.
    pub fn new() -> io::Result<Seal> {
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::fill(key.as_mut())
            .map_err(|e| io::Error::other(format!("no random source: {e}")))?;
        Ok(Seal { key })
    }

    /// Seals (or unseals: the same operation) `buf`, which stands at byte
    /// `pos` of its file.
    pub fn apply(&self, pos: u64, buf: &mut [u8]) {
        let mut stream = blake3::Hasher::new_keyed(&self.key).finalize_xof();
        stream.set_position(pos);
        let mut pad = Zeroizing::new([0u8; 4096]);
        for part in buf.chunks_mut(pad.len()) {
            let pad = &mut pad[..part.len()];
            stream.fill(pad);
            for (b, p) in part.iter_mut().zip(pad.iter()) {
                *b ^= p;
            }
        }
    }

    /// A writer that seals what it writes to `inner`, whose next byte is
    /// byte `pos` of the file.
    pub fn writer<W: Write>(self: &Arc<Self>, inner: W, pos: u64) -> SealWriter<W> {
        SealWriter {
            inner,
            seal: self.clone(),
            pos,
            buf: Zeroizing::new(Vec::with_capacity(CHUNK)),
        }
    }

    /// Reads the sealed `file` from its start, unsealed.
    pub fn reader(self: &Arc<Self>, file: Arc<File>) -> SealReader {
        SealReader {
            file,
            seal: Some(self.clone()),
            pos: 0,
        }
    }

    /// Turns the sealed `file` into its plain text where it stands, once
    /// it is proven clean: no second file, so no second copy in the page
    /// cache (a 68 MB output took 9% longer unsealed into a new file).
    pub fn unseal_in_place(&self, file: &File) -> io::Result<()> {
        let len = file.metadata()?.len();
        let mut buf = Zeroizing::new(vec![0u8; CHUNK * 16]);
        let mut pos = 0;
        while pos < len {
            let n = buf
                .len()
                .min(usize::try_from(len - pos).unwrap_or(usize::MAX));
            let part = &mut buf[..n];
            read_exact_at(file, part, pos)?;
            self.apply(pos, part);
            write_all_at(file, part, pos)?;
            pos += n as u64;
        }
        Ok(())
    }

    /// Writes the plain text of the sealed `file` to `out`.
    pub fn unseal_to(self: &Arc<Self>, file: File, out: &mut dyn Write) -> io::Result<()> {
        let mut reader = self.reader(Arc::new(file));
        let mut buf = Zeroizing::new(vec![0u8; CHUNK]);
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => return out.flush(),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            out.write_all(&buf[..n])?;
        }
    }
}

/// Seals what is written through it ([`Seal::writer`]).
pub struct SealWriter<W: Write> {
    inner: W,
    seal: Arc<Seal>,
    pos: u64,
    buf: Zeroizing<Vec<u8>>,
}

impl<W: Write> Write for SealWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let data = &data[..data.len().min(CHUNK)];
        self.buf.clear();
        self.buf.extend_from_slice(data);
        self.seal.apply(self.pos, &mut self.buf);
        self.inner.write_all(&self.buf)?;
        self.pos += data.len() as u64;
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A file read from its start with positioned reads (every open of the
/// same file shares one handle), unsealed when it was sealed.
pub struct SealReader {
    file: Arc<File>,
    seal: Option<Arc<Seal>>,
    pos: u64,
}

impl SealReader {
    /// The file's length (sealing keeps it).
    pub fn file_len(&self) -> Option<u64> {
        self.file.metadata().ok().map(|m| m.len())
    }

    /// Reads a file that is not sealed the same way.
    pub fn plain(file: Arc<File>) -> SealReader {
        SealReader {
            file,
            seal: None,
            pos: 0,
        }
    }
}

fn read_at(file: &File, buf: &mut [u8], pos: u64) -> io::Result<usize> {
    #[cfg(unix)]
    return std::os::unix::fs::FileExt::read_at(file, buf, pos);
    #[cfg(windows)]
    return std::os::windows::fs::FileExt::seek_read(file, buf, pos);
}

fn read_exact_at(file: &File, mut buf: &mut [u8], mut pos: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match read_at(file, buf, pos) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                pos += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn write_all_at(file: &File, mut buf: &[u8], mut pos: u64) -> io::Result<()> {
    while !buf.is_empty() {
        #[cfg(unix)]
        let written = std::os::unix::fs::FileExt::write_at(file, buf, pos);
        #[cfg(windows)]
        let written = std::os::windows::fs::FileExt::seek_write(file, buf, pos);
        match written {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                buf = &buf[n..];
                pos += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

impl Read for SealReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = read_at(&self.file, buf, self.pos)?;
        if let Some(seal) = &self.seal {
            seal.apply(self.pos, &mut buf[..n]);
        }
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Seek, SeekFrom};
    use std::sync::Arc;

    #[test]
    fn what_is_written_sealed_reads_back_plain_and_the_file_holds_noise() {
        let seal = Arc::new(Seal::new().unwrap());
        let text: Vec<u8> = (0..200_000u32)
            .flat_map(|i| format!("{i} OUT: \"f\" jdoe@ws1\n").into_bytes())
            .collect();
        let mut file = tempfile::tempfile().unwrap();
        let mut w = seal.writer(file.try_clone().unwrap(), 0);
        // Uneven writes: the keystream follows the position, not the calls.
        for part in text.chunks(7_777) {
            w.write_all(part).unwrap();
        }
        w.flush().unwrap();
        let mut stored = Vec::new();
        file.seek(SeekFrom::Start(0)).unwrap();
        file.read_to_end(&mut stored).unwrap();
        assert_eq!(stored.len(), text.len());
        assert!(!stored.windows(4).any(|w| w == b"jdoe"));
        let mut back = Vec::new();
        seal.reader(Arc::new(file.try_clone().unwrap()))
            .read_to_end(&mut back)
            .unwrap();
        assert!(back == text);
        let mut plain = Vec::new();
        seal.unseal_to(file.try_clone().unwrap(), &mut plain)
            .unwrap();
        assert!(plain == text);
        seal.unseal_in_place(&file).unwrap();
        let mut in_place = Vec::new();
        file.seek(SeekFrom::Start(0)).unwrap();
        file.read_to_end(&mut in_place).unwrap();
        assert!(in_place == text);
    }
}
