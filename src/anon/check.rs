//! The exact half of the leak check: an output searched for the original
//! names, line by line.

use std::io;
use std::net::IpAddr;
use std::path::Path;
use std::sync::{Mutex, mpsc};

use super::detector::{CleanTokens, Detector, Finding};
use super::fields::{Selection, identifiers};
use super::names::{self, NameSet};
use super::pseudonym::Class;
use super::rewrite::{self, Options};
use crate::error::Result;
use crate::event::Event;
use crate::format::Format;
use crate::input::{Decoding, Input};
use crate::lines::LineReader;
use crate::read::Sink;

/// An original name found in an output. The name itself is not kept: leak
/// reports go to terminals and CI logs, which should not get it either.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leak {
    pub line: u64,
    /// 1-based, in characters.
    pub column: usize,
    pub class: Class,
}

/// Every whole-token occurrence of `names` in the file at `path` (read as
/// an input is: gzip and encoding undone).
pub fn scan(path: &Path, decoding: Decoding, names: &NameSet) -> Result<Vec<Leak>> {
    let mut leaks = Vec::new();
    if names.is_empty() {
        return Ok(leaks);
    }
    let name = path.to_string_lossy();
    let mut input = Input::open(&name, decoding)?;
    let mut lines = LineReader::new(std::mem::replace(&mut input.reader, Box::new(io::empty())));
    while let Some(line) = lines.next_line().map_err(|e| input.line_error(e))? {
        if line.cut.is_some() {
            return Err(crate::Error::Usage(format!(
                "{name}:{}: a line longer than {} MiB cannot be checked",
                line.number,
                crate::lines::MAX_LINE >> 20
            )));
        }
        names::find(line.text, &[names], |h| {
            leaks.push(Leak {
                line: line.number,
                column: line.text[..h.start].chars().count() + 1,
                class: h.class,
            })
        });
    }
    Ok(leaks)
}

/// Every finding of `detector` in the file at `path` (read as an input
/// is: gzip and encoding undone).
///
/// Lines are read here and scanned in batches: a file of one batch on this
/// thread (`anonymize -o DIR/` writes thousands of small files, and a
/// thread each would cost more than their scan), a larger one on every
/// core, since the scan reads every byte of the output.
pub fn detect(path: &Path, decoding: Decoding, detector: &mut Detector) -> Result<Vec<Finding>> {
    let name = path.to_string_lossy();
    let mut input = Input::open(&name, decoding)?;
    let format = crate::detect::format_of(&input, None).ok();
    detector.json_escapes = matches!(format, Some(Format::Jsonl | Format::Csv));
    let detector = &*detector;
    let mut lines = LineReader::new(std::mem::replace(&mut input.reader, Box::new(io::empty())));
    let mut read = |batch: &mut Batch| -> Result<bool> {
        while batch.text.len() < BATCH_BYTES {
            match lines.next_line().map_err(|e| input.line_error(e))? {
                Some(line) => batch.push(line.number, line.text),
                None => return Ok(false),
            }
        }
        Ok(true)
    };
    let mut findings = Vec::new();
    let mut first = Batch::default();
    if !read(&mut first)? {
        first.scan(detector, &mut CleanTokens::with_slots(64), &mut findings);
        return Ok(findings);
    }
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (batches_tx, batches_rx) = mpsc::sync_channel::<Batch>(workers * 2);
    let batches_rx = Mutex::new(batches_rx);
    let found = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let mut mine = Vec::new();
                let mut clean = CleanTokens::default();
                loop {
                    let next = batches_rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok(batch) = next else { break };
                    batch.scan(detector, &mut clean, &mut mine);
                }
                found
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .append(&mut mine);
            });
        }
        // Moved in, so that every way out closes the channel and the
        // workers end.
        let batches_tx = batches_tx;
        let mut batch = first;
        loop {
            let more = batches_tx.send(std::mem::take(&mut batch)).is_ok() && read(&mut batch)?;
            if !more {
                let _ = batches_tx.send(batch);
                return Ok(());
            }
        }
    })?;
    findings = found.into_inner().unwrap_or_else(|e| e.into_inner());
    findings.sort_by_key(|f| (f.line, f.column));
    Ok(findings)
}

/// Every address in the file at `path` (read as an input is), where the
/// rewrite would find one.
pub fn addresses(path: &Path, decoding: Decoding) -> Result<std::collections::HashSet<IpAddr>> {
    let name = path.to_string_lossy();
    let mut input = Input::open(&name, decoding)?;
    let mut lines = LineReader::new(std::mem::replace(&mut input.reader, Box::new(io::empty())));
    let detector = Detector::default();
    let mut found = std::collections::HashSet::new();
    while let Some(line) = lines.next_line().map_err(|e| input.line_error(e))? {
        detector.addresses_in(line.text, |ip| {
            found.insert(ip);
        });
    }
    Ok(found)
}

const BATCH_BYTES: usize = 1 << 20;

/// Lines in one string, with their numbers and where each ends.
#[derive(Default)]
struct Batch {
    text: String,
    lines: Vec<(u64, usize)>,
}

impl Batch {
    fn push(&mut self, number: u64, line: &str) {
        self.text.push_str(line);
        self.lines.push((number, self.text.len()));
    }

    fn scan(&self, detector: &Detector, clean: &mut CleanTokens, out: &mut Vec<Finding>) {
        let mut start = 0;
        for &(number, end) in &self.lines {
            detector.scan(&self.text[start..end], clean, |text, at, _, shape| {
                out.push(Finding {
                    line: number,
                    column: text[..at].chars().count() + 1,
                    shape,
                })
            });
            start = end;
        }
    }
}

/// Every identifier of the log `name`, as its reader finds them.
pub fn learn(name: &str, options: &Options, selection: &Selection) -> Result<NameSet> {
    let (input, format) = rewrite::open(name, options)?;
    let mut sink = Learn {
        names: NameSet::default(),
        selection,
    };
    // Names after a read failure are unknown: no check can rest on that.
    match rewrite::read_into(input, format, &options.read, &mut sink)?.failure {
        Some(failure) => Err(failure),
        None => Ok(sink.names),
    }
}

struct Learn<'s> {
    names: NameSet,
    selection: &'s Selection,
}

impl Sink for Learn<'_> {
    fn event(&mut self, ev: &Event<'_>) -> Result<()> {
        identifiers(ev, self.selection, |_, class, value| {
            self.names
                .insert(super::Pseudonyms::class_of(class, value), value)
        });
        Ok(())
    }

    fn warn(&mut self, _line: u64, _message: &str) {}
}

/// An identifying field that holds no pseudonym. Neither the value nor
/// its field's text is kept, as for a [`Leak`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreplaced {
    pub line: u64,
    pub class: Class,
    /// `user`, `host`, `server`, or the `extra` key.
    pub field: String,
}

/// Every identifying field of the file `name` (a log liclog reads, or
/// liclog's CSV or JSONL) that is not a pseudonym and names somebody.
/// `Err` when the file is not one liclog can read.
///
/// This is what the shapes cannot see: a user name is a word like any
/// other, but in a user field it must be a `u-` pseudonym. Sentinel client
/// IDs (hex of the original's length) cannot be told from pseudonyms, so
/// they are not checked.
pub fn unreplaced(name: &str, options: &Options) -> Result<Vec<Unreplaced>> {
    let input = Input::open(name, options.decoding)?;
    let format = crate::detect::format_of(&input, options.from)?;
    if !format.can_read() {
        return Err(format.not_supported("input to verify"));
    }
    let mut sink = Fields::default();
    match rewrite::read_into(input, format, &options.read, &mut sink)?.failure {
        Some(failure) => Err(failure),
        None => Ok(sink.found),
    }
}

#[derive(Default)]
struct Fields {
    found: Vec<Unreplaced>,
}

impl Sink for Fields {
    fn event(&mut self, ev: &Event<'_>) -> Result<()> {
        identifiers(ev, &Selection::default(), |slot, class, value| {
            let class = super::Pseudonyms::class_of(class, value);
            if !is_replaced(class, value) {
                self.found.push(Unreplaced {
                    line: ev.line,
                    class,
                    field: slot.name(ev).to_string(),
                });
            }
        });
        Ok(())
    }

    fn warn(&mut self, _line: u64, _message: &str) {}
}

/// Whether an identifying value is a pseudonym of its class, or names
/// nobody (`unknown`, `localhost`, a loopback address).
pub fn is_replaced(class: Class, value: &str) -> bool {
    match class {
        Class::Ip => super::detector::is_nobody_address(value),
        // Hex of the original's length: a pseudonym or not, it looks the same.
        Class::Id => true,
        Class::User | Class::Host | Class::Text => {
            super::detector::is_pseudonym(value) || super::detector::names_nobody(value)
        }
    }
}
