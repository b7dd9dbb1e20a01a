//! The line reader: one reused buffer, memchr to find line ends, line numbers
//! and byte offsets kept, line endings kept apart from the text.

use std::io::{self, BufRead, BufReader, Read};

/// A longer line is an error rather than a way to exhaust memory.
pub const MAX_LINE: usize = 16 * 1024 * 1024;

pub struct Line<'a> {
    /// 1-based.
    pub number: u64,
    /// Byte offset of the line's start in the decoded stream.
    pub offset: u64,
    /// The text without its line ending.
    pub text: &'a str,
    /// `"\n"`, `"\r\n"` or `""` (a last line without a newline).
    pub ending: &'static str,
}

#[derive(Debug)]
pub enum LineError {
    Io { error: io::Error, offset: u64, line: u64 },
    InvalidUtf8 { offset: u64, line: u64 },
    TooLong { line: u64 },
}

pub struct LineReader<R> {
    inner: BufReader<R>,
    buf: Vec<u8>,
    number: u64,
    offset: u64,
    pending_error: Option<io::Error>,
}

impl<R: Read> LineReader<R> {
    pub fn new(inner: R) -> Self {
        LineReader {
            inner: BufReader::with_capacity(256 * 1024, inner),
            buf: Vec::with_capacity(4096),
            number: 0,
            offset: 0,
            pending_error: None,
        }
    }

    /// The next line, `None` at the end. A read error is reported after the
    /// partial line before it has been handed out, so nothing read is lost.
    pub fn next_line(&mut self) -> Result<Option<Line<'_>>, LineError> {
        if let Some(error) = self.pending_error.take() {
            return Err(LineError::Io {
                error,
                offset: self.offset,
                line: self.number + 1,
            });
        }
        self.buf.clear();
        loop {
            let available = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    if self.buf.is_empty() {
                        return Err(LineError::Io {
                            error: e,
                            offset: self.offset,
                            line: self.number + 1,
                        });
                    }
                    self.pending_error = Some(e);
                    break;
                }
            };
            if available.is_empty() {
                break;
            }
            if let Some(i) = memchr::memchr(b'\n', available) {
                self.buf.extend_from_slice(&available[..=i]);
                self.inner.consume(i + 1);
                break;
            }
            let n = available.len();
            self.buf.extend_from_slice(available);
            self.inner.consume(n);
            if self.buf.len() > MAX_LINE {
                return Err(LineError::TooLong {
                    line: self.number + 1,
                });
            }
        }
        if self.buf.is_empty() {
            return Ok(None);
        }
        self.number += 1;
        let offset = self.offset;
        self.offset += self.buf.len() as u64;
        let (body, ending) = split_ending(&self.buf);
        let text = std::str::from_utf8(body).map_err(|e| LineError::InvalidUtf8 {
            offset: offset + e.valid_up_to() as u64,
            line: self.number,
        })?;
        Ok(Some(Line {
            number: self.number,
            offset,
            text,
            ending,
        }))
    }
}

fn split_ending(buf: &[u8]) -> (&[u8], &'static str) {
    match buf {
        [rest @ .., b'\r', b'\n'] => (rest, "\r\n"),
        [rest @ .., b'\n'] => (rest, "\n"),
        _ => (buf, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(input: &[u8]) -> Vec<(u64, String, &'static str)> {
        let mut r = LineReader::new(input);
        let mut out = Vec::new();
        while let Some(l) = r.next_line().unwrap() {
            out.push((l.number, l.text.to_string(), l.ending));
        }
        out
    }

    #[test]
    fn keeps_endings_and_numbers() {
        let got = collect(b"a\r\nb\n\nc");
        assert_eq!(
            got,
            vec![
                (1, "a".into(), "\r\n"),
                (2, "b".into(), "\n"),
                (3, "".into(), "\n"),
                (4, "c".into(), "")
            ]
        );
    }

    #[test]
    fn invalid_utf8_names_the_offset() {
        let mut r = LineReader::new(&b"ok\nbad \xff here\n"[..]);
        assert_eq!(r.next_line().unwrap().unwrap().text, "ok");
        match r.next_line() {
            Err(LineError::InvalidUtf8 { offset, line }) => {
                assert_eq!((offset, line), (7, 2));
            }
            _ => panic!("expected an encoding error"),
        }
    }
}
