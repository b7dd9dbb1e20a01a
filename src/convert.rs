//! The `convert` pipeline: inputs -> reader -> writer, with per-input
//! failure handling (one bad file does not lose the others), warnings,
//! `--strict`, and per-kind counts.

use std::io;

use crate::detect;
use crate::error::{Error, Result};
use crate::event::{Event, Kind};
use crate::format::Format;
use crate::input::{Decoding, Input};
use crate::lines::LineReader;
use crate::read::{self, ReadOptions, Rendered, Reopen, Sink};
use crate::write::{Encoder, EventWriter};

/// Warnings shown per input before they are only counted.
pub const WARNINGS_SHOWN: usize = 20;

#[derive(Clone, Debug, Default)]
pub struct ConvertOptions {
    /// `--from`; `None` detects each input's format.
    pub from: Option<Format>,
    pub read: ReadOptions,
    pub decoding: Decoding,
    pub strict: bool,
    /// `--server NAME`: only the events of that server (and those that
    /// name none).
    pub server: Option<String>,
    /// `--daemon NAME`: only the events of that vendor daemon (ISV), and
    /// those of the license server itself (lmgrd, rlm) or of none.
    pub daemon: Option<String>,
}

/// Where warnings and input failures are reported (stderr in the binary).
pub trait Diagnostics {
    fn warning(&mut self, message: &str);
}

pub struct Converter<'w> {
    options: ConvertOptions,
    writer: &'w mut dyn EventWriter,
    counts: Vec<u64>,
    /// Inputs that failed (bad file, bad bytes, unknown format); the run
    /// went on with the others.
    pub failures: Vec<Error>,
    pub lines: u64,
}

impl<'w> Converter<'w> {
    pub fn new(options: ConvertOptions, writer: &'w mut dyn EventWriter) -> Self {
        Converter {
            options,
            writer,
            counts: vec![0; Kind::ALL.len()],
            failures: Vec::new(),
            lines: 0,
        }
    }

    /// Converts one input. An error returned here stops the whole run
    /// (output failure, `--strict`); a failure of this input alone is kept
    /// in `failures`, after everything read before it has been written.
    pub fn add_input(
        &mut self,
        name: &str,
        diag: &mut dyn Diagnostics,
        on_open: &mut dyn FnMut(&Input),
    ) -> Result<()> {
        match self.convert_one(name, diag, on_open) {
            Err(e) if !matches!(e, Error::Write(_) | Error::Strict { .. }) => {
                self.failures.push(e);
                Ok(())
            }
            other => other,
        }
    }

    fn convert_one(
        &mut self,
        name: &str,
        diag: &mut dyn Diagnostics,
        on_open: &mut dyn FnMut(&Input),
    ) -> Result<()> {
        let decoding = self.options.decoding;
        let mut input = Input::open(name, decoding)?;
        let format = detect::format_of(&input, self.options.from)?;
        if !format.can_read() {
            return Err(format.not_supported("input"));
        }
        on_open(&input);
        // Only a regular file gives the same bytes again: a pipe, FIFO or
        // `/dev/stdin` takes the stdin path (no second pass).
        let reopen: Option<Reopen> = crate::input::can_read_again(name).then(|| {
            let name = name.to_string();
            Box::new(move || Input::open(&name, decoding).map(|i| LineReader::new(i.reader)))
                as Reopen
        });
        let mut reader = read::reader_for(format, &input.name, &self.options.read, reopen)?;
        let mut sink = RunSink {
            server: self.options.server.as_deref(),
            daemon: self.options.daemon.as_deref(),
            writer: self.writer,
            counts: &mut self.counts,
            diag,
            name,
            warnings: 0,
            strict: self.options.strict,
        };
        let mut lines =
            LineReader::new(std::mem::replace(&mut input.reader, Box::new(io::empty())));
        let mut failure = None;
        loop {
            match lines.next_line() {
                Ok(Some(line)) => {
                    self.lines += 1;
                    reader.line(&line, &mut sink)?;
                }
                Ok(None) => break,
                Err(e) => {
                    failure = Some(input.line_error(e));
                    break;
                }
            }
        }
        // Whatever was read before a failure is still converted.
        reader.finish(&mut sink)?;
        if sink.warnings > WARNINGS_SHOWN {
            let hidden = sink.warnings - WARNINGS_SHOWN;
            sink.diag
                .warning(&format!("{name}: {hidden} more warnings not shown"));
        }
        failure.map_or(Ok(()), Err)
    }

    pub fn finish(self) -> Result<Vec<(Kind, u64)>> {
        self.writer.finish().map_err(Error::Write)?;
        Ok(Kind::ALL
            .iter()
            .zip(&self.counts)
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| (*k, *n))
            .collect())
    }
}

struct RunSink<'a, 'w> {
    server: Option<&'a str>,
    daemon: Option<&'a str>,
    writer: &'a mut (dyn EventWriter + 'w),
    counts: &'a mut [u64],
    diag: &'a mut dyn Diagnostics,
    name: &'a str,
    warnings: usize,
    strict: bool,
}

impl Sink for RunSink<'_, '_> {
    fn event(&mut self, event: &Event<'_>) -> Result<()> {
        if self.strict && event.kind == Kind::Unknown {
            return Err(Error::Strict {
                path: self.name.into(),
                line: event.line,
            });
        }
        if let (Some(only), Some(server)) = (self.server, event.server)
            && only != server
        {
            return Ok(());
        }
        if let (Some(only), Some(daemon)) = (self.daemon, event.daemon)
            && only != daemon
            && !crate::event::is_license_server(daemon)
        {
            return Ok(());
        }
        self.counts[event.kind as usize] += 1;
        self.writer.write(event).map_err(Error::Write)
    }

    /// `--strict` stops at the first unknown line, before anything after it
    /// is written, and `--server` looks at each event: both need events one
    /// by one.
    fn encoder(&mut self) -> Option<Box<dyn Encoder>> {
        (!self.strict && self.server.is_none() && self.daemon.is_none())
            .then(|| self.writer.encoder())
            .flatten()
    }

    fn batch_start(&mut self) {
        self.writer.batch_start();
    }

    fn rendered(&mut self, batch: &mut Rendered) -> Result<()> {
        for (line, message) in batch.warnings.drain(..) {
            self.warn(line, &message);
        }
        for (total, n) in self.counts.iter_mut().zip(&batch.counts) {
            *total += n;
        }
        self.writer
            .write_encoded(&mut batch.bytes)
            .map_err(Error::Write)
    }

    fn warn(&mut self, line: u64, message: &str) {
        self.warnings += 1;
        if self.warnings <= WARNINGS_SHOWN {
            self.diag
                .warning(&format!("{}:{line}: {message}", self.name));
        }
    }
}
