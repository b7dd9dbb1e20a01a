//! The `convert` pipeline: inputs -> reader -> writer, with per-input
//! failure handling (one bad file does not lose the others), warnings,
//! `--strict`, and per-kind counts.

use std::io;

use crate::detect;
use crate::error::{Error, Result};
use crate::event::{Event, Kind, Time};
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
    /// What the last input gave.
    pub stats: InputStats,
}

/// What reading one input gave: the manifest's figures.
#[derive(Clone, Debug, Default)]
pub struct InputStats {
    pub format: Option<Format>,
    /// Lines read, those skipped included.
    pub lines: u64,
    /// Events written, per [`Kind`] (`Kind as usize`).
    pub counts: Vec<u64>,
    /// The first and last dated events written.
    pub first: Option<Time>,
    pub last: Option<Time>,
    pub warnings: u64,
}

impl InputStats {
    fn new() -> Self {
        InputStats {
            counts: vec![0; Kind::ALL.len()],
            ..InputStats::default()
        }
    }

    /// Events per kind name, kinds with none left out.
    pub fn events(&self) -> std::collections::BTreeMap<String, u64> {
        Kind::ALL
            .iter()
            .zip(&self.counts)
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| (k.name().to_string(), *n))
            .collect()
    }

    fn saw(&mut self, time: Option<Time>) {
        if let Some(t) = time.filter(|t| t.date.is_some()) {
            self.first.get_or_insert(t);
            self.last = Some(t);
        }
    }
}

impl<'w> Converter<'w> {
    pub fn new(options: ConvertOptions, writer: &'w mut dyn EventWriter) -> Self {
        Converter {
            options,
            writer,
            counts: vec![0; Kind::ALL.len()],
            failures: Vec::new(),
            lines: 0,
            stats: InputStats::new(),
        }
    }

    /// Converts one input, writing nothing of its first `skip` lines (read
    /// already from another file; they are still read, because the lines
    /// after them may take their dates from them). `server`: the server of
    /// its lines before the first that names one (the file's own, or its
    /// rotation group's; else `--server`). An error returned here
    /// stops the whole run (output failure, `--strict`); a failure of this
    /// input alone is kept in `failures`, after everything read before it
    /// has been written.
    pub fn add_input_after(
        &mut self,
        name: &str,
        skip: u64,
        server: Option<&str>,
        diag: &mut dyn Diagnostics,
        on_open: &mut dyn FnMut(&Input),
    ) -> Result<()> {
        self.stats = InputStats::new();
        let mut read = self.options.read.clone();
        read.server = server.or(self.options.server.as_deref()).map(String::from);
        let result = self.convert_one(name, skip, &read, diag, on_open);
        for (total, n) in self.counts.iter_mut().zip(&self.stats.counts) {
            *total += n;
        }
        match result {
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
        skip: u64,
        read_options: &ReadOptions,
        diag: &mut dyn Diagnostics,
        on_open: &mut dyn FnMut(&Input),
    ) -> Result<()> {
        let decoding = self.options.decoding;
        let mut input = Input::open(name, decoding)?;
        let format = detect::format_of(&input, self.options.from)?;
        self.stats.format = Some(format);
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
        let mut reader = read::reader_for(format, &input.name, read_options, reopen)?;
        let mut sink = RunSink {
            server: self.options.server.as_deref(),
            daemon: self.options.daemon.as_deref(),
            writer: self.writer,
            stats: &mut self.stats,
            diag,
            name,
            skip,
            strict: self.options.strict,
        };
        let mut lines =
            LineReader::new(std::mem::replace(&mut input.reader, Box::new(io::empty())));
        let mut failure = None;
        loop {
            match lines.next_line() {
                Ok(Some(line)) => {
                    self.lines += 1;
                    sink.stats.lines += 1;
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
        if sink.stats.warnings > WARNINGS_SHOWN as u64 {
            let hidden = sink.stats.warnings - WARNINGS_SHOWN as u64;
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
    stats: &'a mut InputStats,
    diag: &'a mut dyn Diagnostics,
    name: &'a str,
    /// Lines read already from another file: their events are not written.
    skip: u64,
    strict: bool,
}

impl Sink for RunSink<'_, '_> {
    fn event(&mut self, event: &Event<'_>) -> Result<()> {
        if event.line <= self.skip {
            return Ok(());
        }
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
        self.stats.counts[event.kind as usize] += 1;
        self.stats.saw(event.time);
        self.writer.write(event).map_err(Error::Write)
    }

    /// `--strict` stops at the first unknown line, before anything after it
    /// is written, and `--server` and skipped lines look at each event: all
    /// need events one by one.
    fn encoder(&mut self) -> Option<Box<dyn Encoder>> {
        (!self.strict && self.server.is_none() && self.daemon.is_none() && self.skip == 0)
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
        for (total, n) in self.stats.counts.iter_mut().zip(&batch.counts) {
            *total += n;
        }
        self.stats.saw(batch.first);
        self.stats.saw(batch.last);
        self.writer
            .write_encoded(&mut batch.bytes)
            .map_err(Error::Write)
    }

    fn warn(&mut self, line: u64, message: &str) {
        if line <= self.skip && line > 0 {
            return;
        }
        self.stats.warnings += 1;
        if self.stats.warnings <= WARNINGS_SHOWN as u64 {
            self.diag
                .warning(&format!("{}:{line}: {message}", self.name));
        }
    }
}
