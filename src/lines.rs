//! The line reader: one reused buffer, memchr to find line ends, line numbers
//! and byte offsets kept, line endings kept apart from the text.

use std::io::{self, Read};

/// The longest line read whole (16 MiB, with or without a line ending).
/// A longer one is cut ([`Line::cut`]) rather than a way to exhaust memory:
/// readers turn it into one `unknown` event and go on with the next line.
pub const MAX_LINE: usize = 16 * 1024 * 1024;
/// How much of a cut line is kept: its first KiB.
pub const CUT_KEEP: usize = 1024;

#[derive(Clone, Copy, Debug)]
pub struct Line<'a> {
    /// 1-based.
    pub number: u64,
    /// Byte offset of the line's start in the decoded stream.
    pub offset: u64,
    /// The text without its line ending.
    pub text: &'a str,
    /// `"\n"`, `"\r\n"` or `""` (a last line without a newline).
    pub ending: &'static str,
    /// Set on a line longer than [`MAX_LINE`]: its full length in bytes
    /// (without the ending). `text` then holds its first [`CUT_KEEP`]
    /// bytes, to a character boundary.
    pub cut: Option<u64>,
}

#[derive(Debug)]
pub enum LineError {
    Io {
        error: io::Error,
        offset: u64,
        line: u64,
    },
    InvalidUtf8 {
        offset: u64,
        line: u64,
    },
}

pub struct LineReader<R> {
    inner: R,
    /// `buf[start..end]` is read but not yet handed out. Lines are returned
    /// as slices of this buffer: no copy unless a line straddles a refill.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    number: u64,
    offset: u64,
    pending_error: Option<io::Error>,
    /// The kept start of a cut line.
    cut_text: Vec<u8>,
}

const READ_SIZE: usize = 256 * 1024;

impl<R: Read> LineReader<R> {
    pub fn new(inner: R) -> Self {
        LineReader {
            inner,
            buf: vec![0; READ_SIZE],
            start: 0,
            end: 0,
            eof: false,
            number: 0,
            offset: 0,
            pending_error: None,
            cut_text: Vec::new(),
        }
    }

    /// The next line, `None` at the end. A read error is reported after the
    /// partial line before it has been handed out, so nothing read is lost.
    pub fn next_line(&mut self) -> Result<Option<Line<'_>>, LineError> {
        let mut searched = 0;
        let line_end = loop {
            let window = &self.buf[self.start + searched..self.end];
            if let Some(i) = memchr::memchr(b'\n', window) {
                // One limit, however much one read brought in.
                if searched + i > MAX_LINE {
                    return self.cut_line();
                }
                break self.start + searched + i + 1;
            }
            searched = self.end - self.start;
            if searched > MAX_LINE {
                return self.cut_line();
            }
            if self.eof || self.pending_error.is_some() {
                if searched == 0 {
                    return match self.pending_error.take() {
                        Some(error) => Err(LineError::Io {
                            error,
                            offset: self.offset,
                            line: self.number + 1,
                        }),
                        None => Ok(None),
                    };
                }
                break self.end; // a last line without a newline
            }
            self.refill();
        };
        let bytes = &self.buf[self.start..line_end];
        self.start = line_end;
        self.number += 1;
        let offset = self.offset;
        self.offset += bytes.len() as u64;
        let (body, ending) = split_ending(bytes);
        let text = std::str::from_utf8(body).map_err(|e| LineError::InvalidUtf8 {
            offset: offset + e.valid_up_to() as u64,
            line: self.number,
        })?;
        Ok(Some(Line {
            number: self.number,
            offset,
            text,
            ending,
            cut: None,
        }))
    }

    /// A line longer than [`MAX_LINE`]: keeps its first KiB, skips the
    /// rest up to its line ending, and hands out the kept part.
    fn cut_line(&mut self) -> Result<Option<Line<'_>>, LineError> {
        let keep = CUT_KEEP.min(self.end - self.start);
        self.cut_text.clear();
        self.cut_text
            .extend_from_slice(&self.buf[self.start..self.start + keep]);
        let mut length = 0u64;
        let mut last = 0u8;
        let mut newline = false;
        loop {
            let window = &self.buf[self.start..self.end];
            let taken = match memchr::memchr(b'\n', window) {
                Some(i) => {
                    newline = true;
                    i
                }
                None => window.len(),
            };
            if taken > 0 {
                last = window[taken - 1];
            }
            length += taken as u64;
            self.start += taken;
            if newline {
                self.start += 1;
                break;
            }
            if self.eof || self.pending_error.is_some() {
                break;
            }
            self.start = 0;
            self.end = 0;
            self.refill();
        }
        let ending = match (newline, last) {
            (true, b'\r') => "\r\n",
            (true, _) => "\n",
            (false, _) => "",
        };
        let length = length - (ending.len() as u64).saturating_sub(1);
        self.number += 1;
        let offset = self.offset;
        self.offset += length + ending.len() as u64;
        let text = match std::str::from_utf8(&self.cut_text) {
            Ok(t) => t,
            // Cut inside a character: keep the whole ones before it.
            Err(e) if e.error_len().is_none() => {
                std::str::from_utf8(&self.cut_text[..e.valid_up_to()]).expect("valid prefix")
            }
            Err(e) => {
                return Err(LineError::InvalidUtf8 {
                    offset: offset + e.valid_up_to() as u64,
                    line: self.number,
                });
            }
        };
        Ok(Some(Line {
            number: self.number,
            offset,
            text,
            ending,
            cut: Some(length),
        }))
    }

    /// Moves the unread tail to the front (growing the buffer for a long
    /// line) and reads more after it.
    fn refill(&mut self) {
        self.buf.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
        if self.buf.len() - self.end < READ_SIZE / 2 {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => self.pending_error = Some(e),
            }
            return;
        }
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
    fn long_lines_cross_refills() {
        let long = "x".repeat(READ_SIZE * 3);
        let input = format!("a\n{long}\nb");
        let got = collect(input.as_bytes());
        assert_eq!(got.len(), 3);
        assert_eq!(got[1].1.len(), long.len());
        assert_eq!(got[2], (3, "b".into(), ""));
    }

    #[test]
    fn an_over_long_line_is_cut_and_reading_goes_on() {
        for (ending, last) in [("\n", true), ("\r\n", true), ("", false)] {
            let long = "é".repeat(MAX_LINE / 2 + 10);
            let input = if last {
                format!("a\n{long}{ending}b\n")
            } else {
                format!("a\n{long}")
            };
            let mut r = LineReader::new(input.as_bytes());
            assert_eq!(r.next_line().unwrap().unwrap().text, "a");
            let line = r.next_line().unwrap().unwrap();
            assert_eq!(line.cut, Some(long.len() as u64));
            assert_eq!(line.text, "é".repeat(CUT_KEEP / 2));
            assert_eq!((line.number, line.offset, line.ending), (2, 2, ending));
            if last {
                let b = r.next_line().unwrap().unwrap();
                assert_eq!((b.text, b.number, b.cut), ("b", 3, None));
                assert_eq!(b.offset, 2 + long.len() as u64 + ending.len() as u64);
            }
            assert!(r.next_line().unwrap().is_none());
        }
        // Up to the limit a line is whole, with or without its ending.
        let whole = "x".repeat(MAX_LINE);
        let line_count = collect(format!("{whole}\n{whole}").as_bytes());
        assert_eq!(line_count.len(), 2);
        assert!(line_count.iter().all(|l| l.1.len() == MAX_LINE));
    }

    #[test]
    fn a_read_error_comes_after_the_partial_line() {
        struct Failing(bool);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if std::mem::replace(&mut self.0, true) {
                    return Err(io::Error::other("cut"));
                }
                buf[..7].copy_from_slice(b"one\ntwo");
                Ok(7)
            }
        }
        let mut r = LineReader::new(Failing(false));
        assert_eq!(r.next_line().unwrap().unwrap().text, "one");
        assert_eq!(r.next_line().unwrap().unwrap().text, "two");
        assert!(matches!(
            r.next_line(),
            Err(LineError::Io {
                offset: 7,
                line: 3,
                ..
            })
        ));
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
