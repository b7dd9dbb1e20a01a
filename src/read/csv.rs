//! liclog's canonical CSV read back: the header names the columns, in any
//! order; a column the schema does not have is ignored with a warning, a
//! missing optional column is null, and a header without `kind` is an
//! error. An empty cell is null. A quoted cell may hold line breaks (a
//! spreadsheet's edit): its record then spans lines, and is one event.

use std::borrow::Cow;

use csv_core::{ReadFieldResult, Reader as CsvCore};

use super::canonical::{self, Fields, REQUIRED};
use super::jsonl::{ExtraMap, unknown};
use super::{Reader, Sink};
use crate::error::{Error, Result};
use crate::format::Format;
use crate::lines::Line;

/// What each header column is.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Column {
    Known(&'static str),
    Ignored,
}

const SCHEMA: [&str; 20] = crate::write::COLUMNS;

pub struct CsvReader {
    source: String,
    columns: Option<Vec<Column>>,
    core: CsvCore,
    /// The current record's unescaped cells, end to end, and where each
    /// ends; `open` while a quoted cell spans lines.
    cells: Vec<u8>,
    used: usize,
    ends: Vec<usize>,
    open: Option<u64>,
    /// Records met inside a line beyond its first (a file whose lines end
    /// in a bare CR is one line to the line reader): added to the numbers
    /// of the lines after, so that each record keeps its own number.
    shift: u64,
}

impl CsvReader {
    pub fn new(source: &str) -> Self {
        CsvReader {
            source: source.to_string(),
            columns: None,
            core: CsvCore::new(),
            cells: Vec::new(),
            used: 0,
            ends: Vec::new(),
            open: None,
            shift: 0,
        }
    }

    /// Feeds `input` to the record in progress: whether it completed it,
    /// and how many bytes of `input` it took (a record that ends at a bare
    /// CR leaves the rest of the line for the next one).
    fn feed(&mut self, mut input: &[u8]) -> (bool, usize) {
        let len = input.len();
        loop {
            // Room for the field: grown by doubling, never zero-filled per
            // field (a header of 160,000 cells stays linear).
            if self.cells.len() < self.used + 64 {
                let grown = (self.cells.len() * 2).max(self.used + 4096);
                self.cells.resize(grown, 0);
            }
            let (result, read, wrote) = self.core.read_field(input, &mut self.cells[self.used..]);
            self.used += wrote;
            input = &input[read..];
            match result {
                ReadFieldResult::InputEmpty | ReadFieldResult::End => return (false, len),
                ReadFieldResult::OutputFull => {
                    let grown = self.cells.len() * 2;
                    self.cells.resize(grown, 0);
                }
                ReadFieldResult::Field { record_end } => {
                    self.ends.push(self.used);
                    if record_end {
                        return (true, len - input.len());
                    }
                }
            }
        }
    }

    /// Feeds a line and its end: whether that completed the record.
    fn feed_line(&mut self, input: &[u8]) -> (bool, usize) {
        match self.feed(input) {
            (false, used) => (self.feed(b"\n").0, used),
            done => done,
        }
    }

    fn clear(&mut self) {
        self.used = 0;
        self.ends.clear();
    }

    fn cell(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        std::str::from_utf8(&self.cells[start..end]).ok()
    }

    fn header(&mut self, line: &Line<'_>, sink: &mut dyn Sink) -> Result<()> {
        let columns: Vec<Column> = (0..self.ends.len())
            .map(|i| {
                let name = self.cell(i).unwrap_or("");
                SCHEMA
                    .iter()
                    .find(|c| **c == name)
                    .map_or(Column::Ignored, |c| Column::Known(c))
            })
            .collect();
        for required in REQUIRED {
            if !columns.contains(&Column::Known(required)) {
                return Err(Error::MissingColumn {
                    path: self.source.clone().into(),
                    line: line.number,
                    column: required,
                });
            }
        }
        for (i, c) in columns.iter().enumerate() {
            if *c == Column::Ignored {
                let name = self.cell(i).unwrap_or("");
                sink.warn(
                    line.number,
                    &format!("column {name:?} is not in the canonical schema; ignored"),
                );
            }
        }
        self.columns = Some(columns);
        Ok(())
    }

    fn record(&self, line: &Line<'_>, sink: &mut dyn Sink) -> Result<()> {
        let columns = self.columns.as_deref().expect("a header");
        if self.ends.len() != columns.len() {
            let why = format!(
                "{} cells where the header has {}",
                self.ends.len(),
                columns.len()
            );
            return unknown(&self.source, Format::Csv, line, &why, sink);
        }
        let mut f = Fields::default();
        let mut problem = None;
        for (i, column) in columns.iter().enumerate() {
            let Column::Known(name) = column else {
                continue;
            };
            let Some(cell) = self.cell(i) else {
                problem = Some(format!("column {name}: not UTF-8"));
                continue;
            };
            let text = (!cell.is_empty()).then_some(Cow::Borrowed(cell));
            let number = |what: &str| -> Result<Option<u64>, String> {
                match cell {
                    "" => Ok(None),
                    n => n
                        .parse()
                        .map(Some)
                        .map_err(|_| format!("{what} {n:?} is not a count")),
                }
            };
            match *name {
                "source" => f.source = text,
                "line" => match number("line") {
                    Ok(n) => f.line = n,
                    Err(e) => problem = Some(e),
                },
                "format" => f.format = text,
                "kind" => f.kind = text,
                "time" => f.time = text,
                "time_of_day" => f.time_of_day = text,
                "time_source" => f.time_source = text,
                "server" => f.server = text,
                "daemon" => f.daemon = text,
                "feature" => f.feature = text,
                "version" => f.version = text,
                "user" => f.user = text,
                "host" => f.host = text,
                "count" => match number("count") {
                    Ok(n) => f.count = n,
                    Err(e) => problem = Some(e),
                },
                "handle" => f.handle = text,
                "reason" => f.reason = text,
                "code" => f.code = text,
                "extra" if !cell.is_empty() => match serde_json::from_str::<ExtraMap<'_>>(cell) {
                    Ok(m) => f.extra = m.0,
                    Err(e) => problem = Some(format!("extra: {e}")),
                },
                "raw" => f.raw = Some(Cow::Borrowed(cell)),
                _ => {} // xslm: derived from kind
            }
        }
        if let Some(why) = problem {
            return unknown(&self.source, Format::Csv, line, &why, sink);
        }
        match canonical::event(&f, &self.source, line.number, Format::Csv, "") {
            Ok(mut ev) => {
                ev.ending = line.ending;
                sink.event(&ev)
            }
            Err(why) => unknown(&self.source, Format::Csv, line, &why, sink),
        }
    }
}

impl Reader for CsvReader {
    fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) -> Result<()> {
        if line.cut.is_some() {
            return super::cut_line(&self.source, Format::Csv, None, line, sink);
        }
        let number = line.number + self.shift;
        let mut rest = line.text;
        let mut k = 0;
        loop {
            let line = &Line {
                number: number + k,
                text: rest,
                ..*line
            };
            if self.open.is_none() {
                self.clear();
                if rest.is_empty() && self.columns.is_some() {
                    return unknown(&self.source, Format::Csv, line, "an empty line", sink);
                }
            }
            let (complete, used) = self.feed_line(rest.as_bytes());
            if !complete {
                self.open.get_or_insert(line.number);
                return Ok(());
            }
            // A record that spans lines is numbered by its first.
            let this = Line {
                number: self.open.take().unwrap_or(line.number),
                text: rest.get(..used).unwrap_or(rest).trim_end_matches('\r'),
                ..*line
            };
            rest = rest.get(used..).unwrap_or("");
            if self.columns.is_none() {
                self.header(&this, sink)?;
            } else {
                self.record(&this, sink)?;
            }
            if rest.is_empty() {
                return Ok(());
            }
            // Another record in the same line: this one ended at a bare CR.
            k += 1;
            self.shift += 1;
        }
    }

    fn finish(&mut self, sink: &mut dyn Sink) -> Result<()> {
        if let Some(first) = self.open.take() {
            let line = Line {
                number: first,
                offset: 0,
                text: "",
                ending: "",
                cut: None,
            };
            return unknown(
                &self.source,
                Format::Csv,
                &line,
                "a quoted cell is never closed",
                sink,
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_unquoted_and_may_span_lines() {
        let mut r = CsvReader::new("t.csv");
        assert!(r.feed_line(b"a,\"b,\"\"c\"\"\",").0);
        assert_eq!(
            (r.cell(0), r.cell(1), r.cell(2)),
            (Some("a"), Some("b,\"c\""), Some(""))
        );
        r.clear();
        assert!(!r.feed_line(b"x,\"two").0);
        assert!(r.feed_line(b"lines\"").0);
        assert_eq!(r.cell(1), Some("two\nlines"));
    }
}
