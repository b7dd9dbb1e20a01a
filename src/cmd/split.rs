//! `convert --to flexnet|rlm-report|sentinel|lmx -o DIR/`: one file per
//! server (and, for RLM, per ISV), since reporting tools take one server's
//! log at a time. Files are named `SERVER.log` (FlexNet),
//! `SERVER.ISV.report.log` (RLM), `SERVER.lserv.log` (Sentinel) and
//! `SERVER.lmx.log` (LM-X), each written atomically and committed only when
//! the whole run succeeded.

use std::collections::HashMap;
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use liclog::Format;
use liclog::event::{Event, Kind, is_license_server};
use liclog::write::vendor::is_usage;
use liclog::write::{EventWriter, WriteOptions, writer_for};

use super::output::Output;

/// The outputs a split run created: (target path, output), in creation
/// order.
pub type Outputs = Arc<Mutex<Vec<(String, Output)>>>;

pub struct SplitWriter {
    dir: String,
    format: Format,
    options: WriteOptions,
    readable: bool,
    /// The files in creation order, each with the server and the rest of
    /// what names it (the ISV for RLM).
    files: Vec<File>,
    outputs: Outputs,
    /// The file the last event went to: most events go where the one
    /// before went, without a file name made for them.
    recent: Option<usize>,
    /// The last file of each server: where its events that name no ISV go.
    last: HashMap<String, usize>,
    /// Inputs whose events name no server, anywhere: each has a file of
    /// its own, named for it.
    serverless: HashMap<String, usize>,
}

struct File {
    server: String,
    /// The ISV (RLM); empty for the other formats, and for an RLM file
    /// opened by lines before any ISV's (the first ISV then adopts it).
    part: String,
    /// The index of its (target, output) in `outputs`.
    output: usize,
    writer: Box<dyn EventWriter>,
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
            files: Vec::new(),
            outputs,
            recent: None,
            last: HashMap::new(),
            serverless: HashMap::new(),
        }
    }

    /// What names `ev`'s file besides its server: the ISV for RLM (`None`
    /// when the event names none: it goes to its server's last file), and
    /// nothing more for the formats split by server alone.
    fn part_of<'e>(&self, ev: &Event<'e>) -> Option<&'e str> {
        if self.format != Format::RlmReport {
            return Some("");
        }
        let usage = is_usage(ev.kind) || ev.kind == Kind::Inuse;
        match ev.daemon.filter(|d| !is_license_server(d)) {
            Some(isv) if usage || ev.format == Format::RlmReport => Some(isv),
            None if ev.daemon.is_none() && usage => Some("unknown"),
            _ => None,
        }
    }

    /// The file of `ev`. Nothing is dropped: an event before any file of
    /// its server opens one, and an event of an input that names no server
    /// anywhere (nor its rotation group, nor `--server`) goes to a file
    /// named for that input.
    fn route(&mut self, ev: &Event<'_>) -> io::Result<usize> {
        let Some(server) = ev.server else {
            return self.serverless(ev.source);
        };
        let part = self.part_of(ev);
        if let Some(r) = self.recent {
            let f = &self.files[r];
            if f.server == server && part.is_none_or(|p| f.part == p) {
                return Ok(r);
            }
        }
        let i = match part {
            None => match self.last.get(server) {
                Some(&i) => i,
                None => self.file(server, "")?,
            },
            Some(part) => self.file(server, part)?,
        };
        self.recent = Some(i);
        self.last.insert(server.to_string(), i);
        Ok(i)
    }

    fn serverless(&mut self, source: &str) -> io::Result<usize> {
        if let Some(&i) = self.serverless.get(source) {
            return Ok(i);
        }
        let stem = Path::new(source)
            .file_name()
            .map_or_else(|| "stdin".into(), |n| n.to_string_lossy().into_owned());
        let stem = stem.trim_end_matches(".gz");
        let stem = match stem.rsplit_once('.') {
            Some((s, _)) if !s.is_empty() => s,
            _ => stem,
        };
        let name = format!("{stem}.no-server");
        let i = self.file(&name, "")?;
        let target = self.target(i);
        diag!(
            "liclog: warning: {source}: no server is named in it, in its rotation group, or by \
             --server: its events are in {target}"
        );
        self.serverless.insert(source.to_string(), i);
        Ok(i)
    }

    fn target(&self, i: usize) -> String {
        let outputs = self.outputs.lock().unwrap_or_else(PoisonError::into_inner);
        outputs[self.files[i].output].0.clone()
    }

    fn name_of(&self, server: &str, part: &str) -> String {
        match self.format {
            Format::RlmReport if part.is_empty() => format!("{}.report.log", safe(server)),
            Format::RlmReport => format!("{}.{}.report.log", safe(server), safe(part)),
            Format::Sentinel => format!("{}.lserv.log", safe(server)),
            Format::Lmx => format!("{}.lmx.log", safe(server)),
            _ => format!("{}.log", safe(server)),
        }
    }

    /// The file of `server` and `part`, created on first use. An RLM file
    /// that lines before any ISV's opened is the first ISV's: it is renamed
    /// for it (the header lines travel with their server).
    fn file(&mut self, server: &str, part: &str) -> io::Result<usize> {
        if let Some(i) = self
            .files
            .iter()
            .position(|f| f.server == server && f.part == part)
        {
            return Ok(i);
        }
        if !part.is_empty()
            && let Some(i) = self
                .files
                .iter()
                .position(|f| f.server == server && f.part.is_empty())
        {
            let target = self.path(&self.name_of(server, part));
            let mut outputs = self.outputs.lock().unwrap_or_else(PoisonError::into_inner);
            outputs[self.files[i].output].0.clone_from(&target);
            outputs[self.files[i].output].1.retarget(&target);
            self.files[i].part = part.to_string();
            return Ok(i);
        }
        let target = self.path(&self.name_of(server, part));
        let output = if self.readable {
            Output::create_readable(&target)?
        } else {
            Output::create(&target)?
        };
        let writer =
            writer_for(self.format, output.writer()?, self.options).map_err(io::Error::other)?;
        let mut outputs = self.outputs.lock().unwrap_or_else(PoisonError::into_inner);
        outputs.push((target, output));
        self.files.push(File {
            server: server.to_string(),
            part: part.to_string(),
            output: outputs.len() - 1,
            writer,
        });
        Ok(self.files.len() - 1)
    }

    fn path(&self, name: &str) -> String {
        Path::new(&self.dir)
            .join(name)
            .to_string_lossy()
            .into_owned()
    }
}

impl EventWriter for SplitWriter {
    fn write(&mut self, ev: &Event<'_>) -> io::Result<()> {
        let i = self.route(ev)?;
        self.files[i].writer.write(ev)
    }

    fn finish(&mut self) -> io::Result<()> {
        for f in &mut self.files {
            f.writer.finish()?;
        }
        Ok(())
    }

    fn losses(&self) -> Vec<(String, u64)> {
        let mut all = std::collections::BTreeMap::new();
        for f in &self.files {
            for (what, n) in f.writer.losses() {
                *all.entry(what).or_insert(0) += n;
            }
        }
        all.into_iter().collect()
    }

    fn dropped_usage(&self) -> u64 {
        self.files.iter().map(|f| f.writer.dropped_usage()).sum()
    }

    fn warnings(&self) -> Vec<String> {
        self.files
            .iter()
            .flat_map(|f| f.writer.warnings())
            .collect()
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
