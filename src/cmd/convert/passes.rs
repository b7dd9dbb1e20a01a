//! The passes of `convert` over its planned inputs: one at a time, or on
//! the thread pool; into one output, one per input, or one per server.

use std::sync::{Arc, PoisonError};

use liclog::Error;
use liclog::anon::Shared;
use liclog::anon::convert::AnonWriter;
use liclog::batch::manifest::Record;
use liclog::batch::run::{Collect, Done, Job};
use liclog::convert::{ConvertOptions, Converter, Diagnostics, InputStats};
use liclog::input::Input;
use liclog::write::{EventWriter, WriteOptions, writer_for};

use super::Args;
use crate::cmd::Stderr;
use crate::cmd::batch::{Batch, Progress};
use crate::cmd::output::Output;
use crate::cmd::split::{Outputs, SplitWriter};

/// How the outputs are laid out.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One output (a file or stdout).
    One,
    /// `-o DIR/`: one file per input, mirroring the inputs' paths.
    PerInput,
    /// `-o DIR/` for a vendor log: one file per server (and ISV).
    PerServer,
}

/// One input written into its own file: the file, what reading gave, and
/// what the output format could not carry.
type FileDone = (Output, Done, Vec<(String, u64)>);

/// What reading one planned input gave.
pub struct Outcome {
    pub stats: InputStats,
    /// Its failure, as the manifest states it.
    pub failure: Option<String>,
    /// Where its events went.
    pub output: Option<String>,
}

/// One run over the planned inputs.
pub struct Run<'a> {
    pub args: &'a Args,
    pub options: &'a ConvertOptions,
    pub batch: &'a Batch,
    /// Indices of the entries read.
    pub reads: &'a [usize],
    pub layout: Layout,
    /// `Layout::PerInput`: each entry's file.
    pub targets: &'a [std::path::PathBuf],
    pub shared: Option<&'a Arc<Shared>>,
    pub write_options: WriteOptions,
    pub verify: bool,
    pub data_to_terminal: bool,
}

impl Run<'_> {
    fn entry(&self, i: usize) -> &liclog::batch::Entry {
        &self.batch.plan.entries[i]
    }

    fn create(&self, target: &str) -> Result<Output, Error> {
        let output = if self.verify {
            Output::create_readable(target)
        } else {
            Output::create(target)
        };
        output.map_err(|e| crate::cmd::output::named(Error::Write(e), target))
    }

    /// The writer for one output, anonymizing when asked.
    fn writer_into(&self, output: &Output) -> Result<Box<dyn EventWriter>, Error> {
        let sink = output.writer().map_err(Error::Write)?;
        let writer = writer_for(self.args.to, sink, self.write_options)?;
        Ok(self.anonymizing(writer))
    }

    fn anonymizing(&self, writer: Box<dyn EventWriter>) -> Box<dyn EventWriter> {
        match self.shared {
            // A vendor output may pass the original lines through: they
            // are rewritten too.
            Some(shared) => {
                let raw = self.args.raw || self.args.to.is_vendor_output();
                Box::new(AnonWriter::new(writer, shared.clone(), raw))
            }
            None => writer,
        }
    }

    /// One pass over every input, one at a time; `again` is the
    /// anonymizing second pass, whose warnings the first one gave.
    pub fn pass(&self, again: bool) -> Result<Pass, Error> {
        let mut diag: Box<dyn Diagnostics> = if again {
            Box::new(Quiet)
        } else {
            Box::new(Stderr)
        };
        let progress = Progress::start(&self.batch.plan, self.data_to_terminal);
        let mut outcomes: Vec<Option<Outcome>> =
            self.batch.plan.entries.iter().map(|_| None).collect();
        let mut failures = Vec::new();
        let mut outputs = Vec::new();
        let split: Outputs = Arc::default();
        let mut one: Option<Box<dyn EventWriter>> = match self.layout {
            Layout::One => {
                let output = self.create(&self.args.output)?;
                let writer = self.writer_into(&output)?;
                outputs.push((self.args.output.clone(), output));
                Some(writer)
            }
            Layout::PerServer => {
                let dir = &self.args.output;
                let writer = SplitWriter::new(
                    dir,
                    self.args.to,
                    self.write_options,
                    self.verify,
                    split.clone(),
                );
                Some(self.anonymizing(Box::new(writer)))
            }
            Layout::PerInput => None,
        };
        let mut losses = Vec::new();
        for &i in self.reads {
            let entry = self.entry(i);
            let name = entry.found.name.as_str();
            if let Some(shared) = self.shared {
                shared.begin_input();
            }
            let mut own = None;
            let (writer, output_name) = match one.as_mut() {
                Some(w) => (w, self.args.output.clone()),
                None => {
                    let target = self.targets[i].to_string_lossy().into_owned();
                    if let Some(parent) = self.targets[i].parent() {
                        crate::cmd::cleanup::create_dir_all(parent)
                            .map_err(|e| crate::cmd::output::named(Error::Write(e), &target))?;
                    }
                    let output = self.create(&target)?;
                    let w = own.insert(self.writer_into(&output)?);
                    outputs.push((target.clone(), output));
                    (w, target)
                }
            };
            let mut converter = Converter::new(self.options.clone(), writer.as_mut());
            let mut on_open = |input: &Input| {
                if let Some(p) = &progress {
                    p.opened(input);
                }
            };
            converter
                .add_input_after(
                    name,
                    entry.skip_lines,
                    entry.server.as_deref(),
                    diag.as_mut(),
                    &mut on_open,
                )
                .map_err(vendor_error)?; // stops the run: nothing is committed
            if let Some(p) = &progress {
                p.finished(name, entry.survey.as_ref().and_then(|s| s.size));
            }
            let failure = converter.failures.pop();
            let stats = std::mem::take(&mut converter.stats);
            drop(converter);
            if let Some(mut w) = own {
                w.finish().map_err(|e| vendor_error(Error::Write(e)))?;
                merge_losses(&mut losses, w.losses());
                if !again {
                    warn_all(&w.warnings());
                }
            }
            outcomes[i] = Some(Outcome {
                stats,
                failure: failure.as_ref().map(ToString::to_string),
                output: Some(output_name),
            });
            failures.extend(failure);
        }
        if let Some(mut w) = one {
            w.finish().map_err(|e| vendor_error(Error::Write(e)))?;
            merge_losses(&mut losses, w.losses());
            if !again {
                warn_all(&w.warnings());
            }
        }
        if let Some(p) = progress {
            p.finish();
        }
        if self.layout == Layout::PerServer {
            outputs = std::mem::take(&mut *split.lock().unwrap_or_else(PoisonError::into_inner));
        }
        Ok(Pass {
            outputs,
            failures,
            outcomes,
            losses,
        })
    }

    /// Every input on the thread pool: into one output, in order, or each
    /// into its own file.
    pub fn parallel(&self) -> Result<Pass, Error> {
        let progress = Progress::start(&self.batch.plan, self.data_to_terminal);
        let on_open = |input: &Input| {
            if let Some(p) = &progress {
                p.opened(input);
            }
        };
        let jobs: Vec<Job> = self
            .reads
            .iter()
            .map(|&i| Job {
                name: self.entry(i).found.name.clone(),
                skip: self.entry(i).skip_lines,
                server: self.entry(i).server.clone(),
            })
            .collect();
        let mut outcomes: Vec<Option<Outcome>> =
            self.batch.plan.entries.iter().map(|_| None).collect();
        let mut failures = Vec::new();
        let mut outputs = Vec::new();
        let mut losses = Vec::new();
        let mut record = |k: usize, done: Done, output: String| {
            let i = self.reads[k];
            for w in &done.warnings {
                diag!("liclog: warning: {w}");
            }
            if let Some(p) = &progress {
                let entry = self.entry(i);
                p.finished(
                    &entry.found.name,
                    entry.survey.as_ref().and_then(|s| s.size),
                );
            }
            outcomes[i] = Some(Outcome {
                stats: done.stats,
                failure: done.failure.as_ref().map(ToString::to_string),
                output: Some(output),
            });
            failures.extend(done.failure);
        };
        if self.layout == Layout::One {
            let output = self.create(&self.args.output)?;
            let mut writer = self.writer_into(&output)?;
            let target = self.args.output.clone();
            liclog::batch::run::convert_in_order(
                &self.batch.pool,
                &jobs,
                self.options,
                writer.as_mut(),
                &on_open,
                &mut |k, done| {
                    record(k, done, target.clone());
                    Ok(())
                },
            )?;
            writer.finish().map_err(Error::Write)?;
            drop(writer);
            outputs.push((target, output));
        } else {
            let written = self.batch.pool.install(|| {
                use rayon::prelude::*;
                self.reads
                    .par_iter()
                    .zip(jobs.par_iter())
                    .map(|(&i, job)| self.one_file(i, job, &on_open))
                    .collect::<Vec<_>>()
            });
            for (k, result) in written.into_iter().enumerate() {
                let (output, done, lost) = result?;
                let target = self.targets[self.reads[k]].to_string_lossy().into_owned();
                merge_losses(&mut losses, lost);
                record(k, done, target.clone());
                outputs.push((target, output));
            }
        }
        if let Some(p) = progress {
            p.finish();
        }
        Ok(Pass {
            outputs,
            failures,
            outcomes,
            losses,
        })
    }

    /// One input into its own file, on a worker.
    fn one_file(
        &self,
        i: usize,
        job: &Job,
        on_open: &(dyn Fn(&Input) + Sync),
    ) -> Result<FileDone, Error> {
        let target = self.targets[i].to_string_lossy().into_owned();
        if let Some(parent) = self.targets[i].parent() {
            crate::cmd::cleanup::create_dir_all(parent)
                .map_err(|e| crate::cmd::output::named(Error::Write(e), &target))?;
        }
        let output = self.create(&target)?;
        let mut writer = self.writer_into(&output)?;
        let mut sequential = Sequential(writer.as_mut());
        let mut warnings = Collect::default();
        let mut converter = Converter::new(self.options.clone(), &mut sequential);
        converter
            .add_input_after(
                &job.name,
                job.skip,
                job.server.as_deref(),
                &mut warnings,
                &mut |i| on_open(i),
            )
            .map_err(vendor_error)?;
        let failure = converter.failures.pop();
        let stats = std::mem::take(&mut converter.stats);
        drop(converter);
        writer.finish().map_err(|e| vendor_error(Error::Write(e)))?;
        let losses = writer.losses();
        warn_all(&writer.warnings());
        drop(writer);
        let done = Done {
            stats,
            failure,
            warnings: warnings.0,
        };
        Ok((output, done, losses))
    }

    pub fn records(&self, outcomes: &[Option<Outcome>]) -> Vec<Record> {
        self.batch
            .plan
            .entries
            .iter()
            .zip(outcomes)
            .map(|(e, o)| {
                let stats = o.as_ref().map(|o| &o.stats);
                let failure = o.as_ref().and_then(|o| o.failure.clone());
                let output = o.as_ref().and_then(|o| o.output.as_deref());
                Record::new(e, stats, failure, output)
            })
            .collect()
    }
}

fn warn_all(warnings: &[String]) {
    for w in warnings {
        diag!("liclog: warning: {w}");
    }
}

fn merge_losses(total: &mut Vec<(String, u64)>, more: Vec<(String, u64)>) {
    for (what, n) in more {
        match total.iter_mut().find(|(w, _)| *w == what) {
            Some((_, m)) => *m += n,
            None => total.push((what, n)),
        }
    }
    total.sort();
}

/// A writer seen through without its encoder: the reader stays on the
/// worker that reads its file (the workers are the parallelism).
struct Sequential<'a>(&'a mut dyn EventWriter);

impl EventWriter for Sequential<'_> {
    fn write(&mut self, event: &liclog::Event<'_>) -> std::io::Result<()> {
        self.0.write(event)
    }
    /// The inner writer is finished by the pass, after every input.
    fn finish(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What one pass over the inputs left: its outputs, not committed yet.
pub struct Pass {
    /// (target, output): one, or one per server or per input with `-o DIR/`.
    pub outputs: Vec<(String, Output)>,
    pub failures: Vec<Error>,
    /// Per planned entry; `None` for one not read.
    pub outcomes: Vec<Option<Outcome>>,
    /// What a vendor output could not carry.
    pub losses: Vec<(String, u64)>,
}

impl Pass {
    /// Each output with the target it is written for.
    pub fn each(&self) -> impl Iterator<Item = (&str, &Output)> {
        self.outputs.iter().map(|(t, o)| (t.as_str(), o))
    }
}

/// A vendor writer's refusal (several servers in one output; `--strict`
/// and a loss) as the error it is, not as a failed write.
fn vendor_error(e: Error) -> Error {
    use liclog::write::vendor::{Lossy, MixedServers};
    if let Error::Write(io) = &e
        && let Some(inner) = io.get_ref()
    {
        if let Some(m) = inner.downcast_ref::<MixedServers>() {
            return Error::Usage(m.to_string());
        }
        if let Some(l) = inner.downcast_ref::<Lossy>() {
            return Error::Lossy(l.to_string());
        }
    }
    e
}

/// Diagnostics of a second pass, which repeats the first one's.
struct Quiet;

impl Diagnostics for Quiet {
    fn warning(&mut self, _message: &str) {}
}
