//! `convert --to flexnet|rlm-report|sentinel -o DIR/`: one file per server
//! (and, for RLM, per ISV), since reporting tools take one server's log at
//! a time. Files are named `SERVER.log` (FlexNet), `SERVER.ISV.report.log`
//! (RLM) and `SERVER.lserv.log` (Sentinel), each written atomically and
//! committed only when the whole run succeeded.

use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use liclog::Format;
use liclog::event::{Event, Kind};
use liclog::write::vendor::is_usage;
use liclog::write::{Encoder, EventWriter, WriteOptions, writer_for};

use super::output::Output;

/// The outputs a split run created: (target path, output), in creation
/// order.
pub type Outputs = Arc<Mutex<Vec<(String, Output)>>>;

pub struct SplitWriter {
    dir: String,
    format: Format,
    options: WriteOptions,
    readable: bool,
    /// (file name, its writer), in creation order.
    writers: Vec<(String, Box<dyn EventWriter>)>,
    outputs: Outputs,
    /// The file the last event of each server went to (and of any server,
    /// under `None`): where events that name no ISV, or no server, go.
    last: std::collections::HashMap<Option<String>, usize>,
    /// Events before any file could take them.
    dropped: u64,
}

impl SplitWriter {
    /// `readable`: the outputs are read back (the leak check).
    pub fn new(
        dir: &str,
        format: Format,
        options: WriteOptions,
        readable: bool,
        outputs: Outputs,
    ) -> Self {
        SplitWriter {
            dir: dir.to_string(),
            format,
            options,
            readable,
            writers: Vec::new(),
            outputs,
            last: Default::default(),
            dropped: 0,
        }
    }

    /// The file of `ev`, or `None` for an event that names no ISV in a
    /// format split by ISV (it goes where the last one went).
    fn name_of(&self, ev: &Event<'_>) -> Option<String> {
        let server = safe(ev.server?);
        Some(match self.format {
            Format::RlmReport => {
                let usage = is_usage(ev.kind) || ev.kind == Kind::Inuse;
                let isv = ev.daemon.filter(|d| !matches!(*d, "lmgrd" | "rlm"));
                match isv {
                    Some(isv) if usage || ev.format == Format::RlmReport => {
                        format!("{server}.{}.report.log", safe(isv))
                    }
                    None if ev.daemon.is_none() && usage => format!("{server}.unknown.report.log"),
                    _ => return None,
                }
            }
            Format::Sentinel => format!("{server}.lserv.log"),
            _ => format!("{server}.log"),
        })
    }

    fn writer(&mut self, name: String) -> io::Result<usize> {
        if let Some(i) = self.writers.iter().position(|(n, _)| *n == name) {
            return Ok(i);
        }
        let target = Path::new(&self.dir)
            .join(&name)
            .to_string_lossy()
            .into_owned();
        let output = if self.readable {
            Output::create_readable(&target)?
        } else {
            Output::create(&target)?
        };
        let writer =
            writer_for(self.format, output.writer()?, self.options).map_err(io::Error::other)?;
        self.outputs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((target, output));
        self.writers.push((name, writer));
        Ok(self.writers.len() - 1)
    }
}

impl EventWriter for SplitWriter {
    fn write(&mut self, ev: &Event<'_>) -> io::Result<()> {
        let server = ev.server.map(str::to_string);
        let i = match self.name_of(ev) {
            Some(name) => self.writer(name)?,
            None => match self.last.get(&server) {
                Some(&i) => i,
                // Before any file of its server: nothing holds it (a line
                // before the first banner, a license-server line before
                // the first ISV's).
                None => {
                    self.dropped += 1;
                    return Ok(());
                }
            },
        };
        self.last.insert(server, i);
        self.last.insert(None, i);
        self.writers[i].1.write(ev)
    }

    fn encoder(&self) -> Option<Box<dyn Encoder>> {
        None
    }

    fn write_encoded(&mut self, _bytes: &mut Vec<u8>) -> io::Result<()> {
        unreachable!("a split writer has no encoder")
    }

    fn finish(&mut self) -> io::Result<()> {
        for (_, w) in &mut self.writers {
            w.finish()?;
        }
        Ok(())
    }

    fn losses(&self) -> Vec<(String, u64)> {
        let mut all = std::collections::BTreeMap::new();
        for (_, w) in &self.writers {
            for (what, n) in w.losses() {
                *all.entry(what).or_insert(0) += n;
            }
        }
        if self.dropped > 0 {
            all.insert(
                "events before the first of their server or ISV".into(),
                self.dropped,
            );
        }
        all.into_iter().collect()
    }
}

/// A name part safe in a file name: letters, digits, `.`, `_` and `-`.
fn safe(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    match s.trim_start_matches('.') {
        "" => "unknown".to_string(),
        t => t.to_string(),
    }
}
