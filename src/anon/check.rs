//! The exact half of the leak check: an output searched for the original
//! names, line by line.

use std::io;
use std::path::Path;

use super::fields::{Selection, identifiers};
use super::names::{self, NameSet};
use super::pseudonym::Class;
use super::rewrite::{self, Options};
use crate::error::Result;
use crate::event::Event;
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
