//! `liclog convert`

use std::io::IsTerminal;
use std::sync::{Arc, PoisonError};

use liclog::anon::convert::AnonWriter;
use liclog::anon::detector::Detector;
use liclog::anon::fields::Selection;
use liclog::anon::{Key, Shared};
use liclog::batch::PlanOptions;
use liclog::batch::manifest::Record;
use liclog::batch::run::{Done, Job};
use liclog::convert::{ConvertOptions, Converter, Diagnostics, InputStats};
use liclog::dating::Zone;
use liclog::event::Kind;
use liclog::input::{Decoding, Input};
use liclog::read::ReadOptions;
use liclog::write::{EventWriter, WriteOptions, writer_for};
use liclog::{Error, Format};

use super::anonymize::{detect_outputs, scan_outputs};
use super::batch::{Batch, BatchArgs, Progress};
use super::output::Output;
use super::split::{Outputs, SplitWriter};
use super::{Stderr, code_of, report};
use crate::exit;

#[derive(clap::Args)]
pub struct Args {
    /// Input format (flexnet, rlm-report, rlm-debug, sentinel, lmx, lum; jsonl and csv for liclog's own output); detected per file when omitted
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    from: Option<Format>,
    /// Output format: jsonl, csv, or a vendor log: flexnet, rlm-report, sentinel (docs/writers.md)
    #[arg(long, value_name = "FORMAT", default_value = "jsonl", value_parser = parse_format)]
    to: Format,
    /// Only the events of this license server (and those that name none); a vendor log holds one server
    #[arg(long, value_name = "NAME")]
    server: Option<String>,
    /// Only the events of this vendor daemon (ISV), and the license server's own; an RLM reportlog holds one ISV
    #[arg(long, value_name = "NAME")]
    daemon: Option<String>,
    /// Write to PATH (atomically: a failed run leaves no file); - is stdout
    #[arg(short, long, value_name = "PATH", default_value = "-")]
    output: String,
    /// Add each line's original text as the `raw` field
    #[arg(long)]
    raw: bool,
    /// Date of the first line, for fragments that carry no date anywhere
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    date: Option<jiff::civil::Date>,
    /// Year of logs that write month/day without one (RLM), until a record states it
    #[arg(long, value_name = "YYYY", value_parser = clap::value_parser!(i16).range(1970..=9999))]
    year: Option<i16>,
    /// Time zone of the log's wall-clock times (IANA name such as Europe/Madrid, UTC, or +05:30); adds UTC offsets
    #[arg(long, value_name = "ZONE", value_parser = parse_zone)]
    tz: Option<Zone>,
    /// Encoding of inputs without a BOM (windows-1252, shift_jis, euc-jp, gbk, ...); default UTF-8
    #[arg(long, value_name = "LABEL")]
    encoding: Option<String>,
    /// CSV for Excel: a UTF-8 BOM, CRLF line ends, and a leading ' on cells that would run as formulas (=, +, -, @)
    #[arg(long)]
    excel: bool,
    /// Fail (exit 1) on the first line that matches no known shape, or (vendor outputs) the first value the output format cannot carry
    #[arg(long)]
    strict: bool,
    /// Print a per-kind event count summary, and the order the files of each server are read in, on stderr
    #[arg(short, long)]
    verbose: bool,
    /// Replace user, host and every other identifying field by keyed pseudonyms (see `liclog anonymize`)
    #[arg(long)]
    anonymize: bool,
    /// With --anonymize: the key file; default: the file $LICLOG_KEY_FILE names
    #[arg(long, value_name = "PATH", requires = "anonymize")]
    key_file: Option<std::path::PathBuf>,
    /// With --anonymize: leave these classes as they are (user, host, ip, id, text)
    #[arg(long, value_name = "CLASSES", value_delimiter = ',', value_parser = super::anonymize::parse_class, requires = "anonymize")]
    keep: Vec<liclog::anon::Class>,
    /// With --anonymize: also replace this field (a column such as feature, or an extra key); repeatable
    #[arg(long, value_name = "FIELD", requires = "anonymize")]
    also: Vec<String>,
    /// With --anonymize: skip the leak check (names met after a line that repeats them may then survive in its free text)
    #[arg(long, requires = "anonymize")]
    no_verify: bool,
    /// With --anonymize: write the original -> pseudonym table to PATH (CSV, mode 0600)
    #[arg(long, value_name = "PATH", requires = "anonymize")]
    mapping: Option<std::path::PathBuf>,
    /// With --anonymize: the check accepts tokens this regular expression matches whole; repeatable
    #[arg(long, value_name = "PATTERN", requires = "anonymize")]
    allow: Vec<String>,
    /// With -o DIR/ and a vendor format: one file per input, mirroring the inputs' paths, instead of one per server
    #[arg(long)]
    per_input: bool,
    #[command(flatten)]
    batch: BatchArgs,
    /// Log files (plain or gzipped), directories (walked), quoted glob patterns ("logs/**/*.gz"), or - for stdin. The files of one server are read in the order of their first dated event; a Sentinel series (lserv.log, lserv.log.NN) in startup order
    #[arg(value_name = "INPUT", required = true)]
    inputs: Vec<String>,
}

pub fn parse_format(s: &str) -> Result<Format, String> {
    Format::parse(s).map_err(|e| e.to_string())
}

fn parse_date(s: &str) -> Result<jiff::civil::Date, String> {
    s.parse().map_err(|e| format!("expected YYYY-MM-DD: {e}"))
}

fn parse_zone(s: &str) -> Result<Zone, String> {
    Zone::parse(s)
}

pub fn run(args: Args) -> u8 {
    let target = args.output.clone();
    match convert(args) {
        Ok(code) => code,
        Err(e) => report(&super::output::named(e, &target)),
    }
}

/// How the outputs are laid out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// One output (a file or stdout).
    One,
    /// `-o DIR/`: one file per input, mirroring the inputs' paths.
    PerInput,
    /// `-o DIR/` for a vendor log: one file per server (and ISV).
    PerServer,
}

fn convert(args: Args) -> Result<u8, Error> {
    if !args.to.can_write() {
        return Err(args.to.not_supported("output"));
    }
    if args.excel && args.to != Format::Csv {
        return Err(Error::Usage("--excel applies to --to csv".into()));
    }
    if let Some(from) = args.from
        && !from.can_read()
    {
        return Err(from.not_supported("input"));
    }
    let options = ConvertOptions {
        from: args.from,
        read: ReadOptions {
            date: args.date,
            year: args.year,
            tz: args.tz.clone(),
        },
        decoding: Decoding::from_label(args.encoding.as_deref())?,
        strict: args.strict,
        server: args.server.clone(),
        daemon: args.daemon.clone(),
    };
    // Bad --allow patterns fail before any work.
    let mut detector = Detector::new(&args.allow).map_err(Error::Usage)?;
    let to_dir = args.output != "-"
        && (args.output.ends_with('/') || std::path::Path::new(&args.output).is_dir());
    let layout = match (to_dir, args.to.is_vendor_output() && !args.per_input) {
        (false, _) => Layout::One,
        (true, false) => Layout::PerInput,
        (true, true) => Layout::PerServer,
    };
    let own = match args.output.as_str() {
        "-" => Vec::new(),
        o => vec![std::path::PathBuf::from(o)],
    };
    let plan_options = PlanOptions {
        from: args.from,
        decoding: options.decoding,
        read: options.read.clone(),
        ..PlanOptions::default()
    };
    let batch = Batch::prepare(&args.inputs, &args.batch, own, plan_options, args.verbose)?;
    let plan = &batch.plan;
    let reads: Vec<usize> = (0..plan.entries.len())
        .filter(|&i| plan.entries[i].status.reads())
        .collect();
    let shared = if args.anonymize {
        let (key, warning) = Key::from_option_or_env(args.key_file.as_deref())?;
        if let Some(w) = warning {
            eprintln!("liclog: warning: {w}");
        }
        let selection = Selection {
            keep: args.keep.clone(),
            also: args.also.clone(),
        };
        for &i in reads.iter().filter(|_| !args.no_verify) {
            // The second pass, when needed, reads every input again.
            liclog::input::spool(&plan.entries[i].found.name)?;
        }
        Some(Shared::new(&key, selection, !args.no_verify))
    } else {
        None
    };
    let verify = shared.as_ref().is_some_and(|s| s.verify);
    let write_options = WriteOptions {
        raw: args.raw,
        excel: args.excel,
        strict: args.strict,
    };
    let targets = match layout {
        Layout::PerInput => {
            let ext = super::batch::extension(args.to);
            super::batch::mirrored(&args.output, plan, Some(ext))?
        }
        _ => Vec::new(),
    };
    if to_dir {
        std::fs::create_dir_all(&args.output).map_err(Error::Write)?;
    }
    let data_to_terminal = args.output == "-" && std::io::stdout().is_terminal();
    let run = Run {
        args: &args,
        options: &options,
        batch: &batch,
        reads: &reads,
        layout,
        targets: &targets,
        shared: shared.as_ref(),
        write_options,
        verify,
        data_to_terminal,
    };
    let parallel = shared.is_none()
        && layout != Layout::PerServer
        && (layout == Layout::PerInput || !args.to.is_vendor_output())
        && reads.len() > 1
        && batch.pool.current_num_threads() > 1;
    let mut done = if parallel {
        run.parallel()?
    } else {
        run.pass(false)?
    };
    if let Some(shared) = shared.as_ref().filter(|s| s.verify) {
        let suspects = scan_outputs(done.each(), Decoding::default(), &shared.suspects())?;
        if !suspects.is_empty() {
            // Names met after a line that repeats them: write everything
            // again, knowing every name from the first line on.
            drop(done);
            shared.restart_with_all_names();
            done = run.pass(true)?;
            let leaks = scan_outputs(done.each(), Decoding::default(), &shared.all_names())?;
            if !leaks.is_empty() {
                return Err(super::anonymize::report_leaks(&leaks));
            }
        }
        shared.teach(&mut detector);
        detect_outputs(done.each(), Decoding::default(), &mut detector)?;
    }
    let Pass {
        outputs,
        mut failures,
        outcomes,
        losses,
    } = done;
    for (target, output) in outputs {
        output
            .commit()
            .map_err(|e| super::output::named(Error::Write(e), &target))?;
    }
    if let (Some(shared), Some(path)) = (&shared, &args.mapping) {
        super::anonymize::write_mapping(path, shared)?;
    }
    let records = run.records(&outcomes);
    super::batch::overlap_warnings(plan, &records);
    if let Some(path) = &args.batch.manifest {
        super::batch::write_manifest(path, &records)?;
    }

    failures.extend(batch.failures);
    let mut code = exit::OK;
    for failure in &failures {
        code = code.max(report(failure));
    }
    if args.verbose {
        print_summary(&args, &outcomes, &losses);
    }
    // An input that failed outranks one whose format was unknown.
    if failures.iter().any(|f| code_of(f) == exit::INPUT) {
        code = exit::INPUT;
    }
    Ok(code)
}

fn print_summary(args: &Args, outcomes: &[Option<Outcome>], losses: &[(String, u64)]) {
    let mut counts = vec![0u64; Kind::ALL.len()];
    let (mut inputs, mut lines) = (0, 0);
    for o in outcomes.iter().flatten() {
        inputs += 1;
        lines += o.stats.lines;
        for (total, n) in counts.iter_mut().zip(&o.stats.counts) {
            *total += n;
        }
    }
    let events: u64 = counts.iter().sum();
    eprintln!("liclog: {inputs} input(s), {lines} lines, {events} events");
    for (kind, n) in Kind::ALL.iter().zip(&counts).filter(|(_, n)| **n > 0) {
        eprintln!("{:>12}  {}", n, kind.name());
    }
    if !losses.is_empty() {
        eprintln!("liclog: what {} cannot carry (events):", args.to);
        for (what, n) in losses {
            eprintln!("{n:>12}  {what}");
        }
    }
}

/// One input written into its own file: the file, what reading gave, and
/// what the output format could not carry.
type FileDone = (Output, Done, Vec<(String, u64)>);

/// What reading one planned input gave.
struct Outcome {
    stats: InputStats,
    /// Its failure, as the manifest states it.
    failure: Option<String>,
    /// Where its events went.
    output: Option<String>,
}

/// One run over the planned inputs.
struct Run<'a> {
    args: &'a Args,
    options: &'a ConvertOptions,
    batch: &'a Batch,
    /// Indices of the entries read.
    reads: &'a [usize],
    layout: Layout,
    /// `Layout::PerInput`: each entry's file.
    targets: &'a [std::path::PathBuf],
    shared: Option<&'a Arc<Shared>>,
    write_options: WriteOptions,
    verify: bool,
    data_to_terminal: bool,
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
        output.map_err(|e| super::output::named(Error::Write(e), target))
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
    fn pass(&self, again: bool) -> Result<Pass, Error> {
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
                        std::fs::create_dir_all(parent)
                            .map_err(|e| super::output::named(Error::Write(e), &target))?;
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
                .add_input_after(name, entry.skip_lines, diag.as_mut(), &mut on_open)
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
    fn parallel(&self) -> Result<Pass, Error> {
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
                eprintln!("liclog: warning: {w}");
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
            std::fs::create_dir_all(parent)
                .map_err(|e| super::output::named(Error::Write(e), &target))?;
        }
        let output = self.create(&target)?;
        let mut writer = self.writer_into(&output)?;
        let mut sequential = Sequential(writer.as_mut());
        let mut warnings = Collected::default();
        let mut converter = Converter::new(self.options.clone(), &mut sequential);
        converter
            .add_input_after(&job.name, job.skip, &mut warnings, &mut |i| on_open(i))
            .map_err(vendor_error)?;
        let failure = converter.failures.pop();
        let stats = std::mem::take(&mut converter.stats);
        drop(converter);
        writer.finish().map_err(|e| vendor_error(Error::Write(e)))?;
        let losses = writer.losses();
        drop(writer);
        let done = Done {
            stats,
            failure,
            warnings: warnings.0,
        };
        Ok((output, done, losses))
    }

    fn records(&self, outcomes: &[Option<Outcome>]) -> Vec<Record> {
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
    fn encoder(&self) -> Option<Box<dyn liclog::write::Encoder>> {
        None
    }
    fn write_encoded(&mut self, bytes: &mut Vec<u8>) -> std::io::Result<()> {
        self.0.write_encoded(bytes)
    }
    fn finish(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Warnings of a file read on a worker, printed in input order.
#[derive(Default)]
struct Collected(Vec<String>);

impl Diagnostics for Collected {
    fn warning(&mut self, message: &str) {
        self.0.push(message.to_string());
    }
}

/// What one pass over the inputs left: its outputs, not committed yet.
struct Pass {
    /// (target, output): one, or one per server or per input with `-o DIR/`.
    outputs: Vec<(String, Output)>,
    failures: Vec<Error>,
    /// Per planned entry; `None` for one not read.
    outcomes: Vec<Option<Outcome>>,
    /// What a vendor output could not carry.
    losses: Vec<(String, u64)>,
}

impl Pass {
    /// Each output with the target it is written for.
    fn each(&self) -> impl Iterator<Item = (&str, &Output)> {
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
