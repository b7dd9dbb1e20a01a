//! `liclog convert`

use std::cell::RefCell;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use liclog::anon::convert::AnonWriter;
use liclog::anon::detector::Detector;
use liclog::anon::fields::Selection;
use liclog::anon::{Key, Shared};
use liclog::convert::{ConvertOptions, Converter, Diagnostics};
use liclog::dating::Zone;
use liclog::input::Decoding;
use liclog::read::ReadOptions;
use liclog::series;
use liclog::write::{WriteOptions, writer_for};
use liclog::{Error, Format};

use super::anonymize::{detect_outputs, scan_outputs};
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
    /// Print a per-kind event count summary, and the order chosen for each rotation series, on stderr
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
    /// Log files, plain or gzipped; - reads stdin. A Sentinel rotation series (lserv.log, lserv.log.NN) is read in startup order
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
            tz: args.tz,
        },
        decoding: Decoding::from_label(args.encoding.as_deref())?,
        strict: args.strict,
        server: args.server.clone(),
        daemon: args.daemon.clone(),
    };
    // Bad --allow patterns fail before any work.
    let mut detector = Detector::new(&args.allow).map_err(Error::Usage)?;
    let shared = if args.anonymize {
        let (key, warning) = Key::from_option_or_env(args.key_file.as_deref())?;
        if let Some(w) = warning {
            eprintln!("liclog: warning: {w}");
        }
        let selection = Selection {
            keep: args.keep.clone(),
            also: args.also.clone(),
        };
        for name in args.inputs.iter().filter(|_| !args.no_verify) {
            // The second pass, when needed, reads every input again.
            liclog::input::spool(name)?;
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
    let show_progress =
        std::io::stderr().is_terminal() && !(args.output == "-" && std::io::stdout().is_terminal());

    let plan = series::plan(&args.inputs, options.decoding, options.from);
    for warning in &plan.warnings {
        eprintln!("liclog: warning: {warning}");
    }
    if args.verbose {
        for s in &plan.series {
            let names: Vec<&str> = s.members.iter().map(|m| m.name.as_str()).collect();
            eprintln!(
                "liclog: rotation series {}: {} files, read in startup order: {}",
                s.base,
                names.len(),
                names.join(", ")
            );
        }
    }
    // A vendor log into a directory: one file per server (and ISV).
    let into_dir = args.to.is_vendor_output()
        && args.output != "-"
        && (args.output.ends_with('/') || std::path::Path::new(&args.output).is_dir());
    if into_dir {
        std::fs::create_dir_all(&args.output).map_err(Error::Write)?;
    }
    // One pass over every input; `again` is the anonymizing second pass,
    // whose warnings the first one already gave.
    let pass = |again: bool| -> Result<Pass, Error> {
        let split: Outputs = Arc::default();
        let (single, mut writer) = if into_dir {
            let writer =
                SplitWriter::new(&args.output, args.to, write_options, verify, split.clone());
            (
                None,
                Box::new(writer) as Box<dyn liclog::write::EventWriter>,
            )
        } else {
            let output = if verify {
                Output::create_readable(&args.output)
            } else {
                Output::create(&args.output)
            }
            .map_err(Error::Write)?;
            let sink = output.writer().map_err(Error::Write)?;
            (Some(output), writer_for(args.to, sink, write_options)?)
        };
        if let Some(shared) = &shared {
            // A vendor output may pass the original lines through: they
            // are rewritten too.
            let raw = args.raw || args.to.is_vendor_output();
            writer = Box::new(AnonWriter::new(writer, shared.clone(), raw));
        }
        let progress = show_progress.then(Progress::new);
        let mut converter = Converter::new(options.clone(), writer.as_mut());
        let mut diag: Box<dyn Diagnostics> = if again {
            Box::new(Quiet)
        } else {
            Box::new(Stderr)
        };
        for name in &plan.order {
            if let Some(shared) = &shared {
                shared.begin_input();
            }
            let mut on_open = |input: &liclog::input::Input| {
                if let Some(p) = &progress {
                    p.watch(&input.name, input.stored_len, input.stored_read.clone());
                }
            };
            let result = converter.add_input(name, diag.as_mut(), &mut on_open);
            if let Some(p) = &progress {
                p.input_done();
            }
            result.map_err(vendor_error)?; // stops the run: nothing is committed
        }
        let failures = std::mem::take(&mut converter.failures);
        let lines = converter.lines;
        let counts = converter.finish().map_err(vendor_error)?;
        let losses = writer.losses();
        drop(writer);
        if let Some(p) = progress {
            p.finish();
        }
        let outputs = match single {
            Some(output) => vec![(args.output.clone(), output)],
            None => std::mem::take(&mut *split.lock().unwrap_or_else(PoisonError::into_inner)),
        };
        Ok(Pass {
            outputs,
            failures,
            lines,
            counts,
            losses,
        })
    };
    let mut done = pass(false)?;
    if let Some(shared) = shared.as_ref().filter(|s| s.verify) {
        let suspects = scan_outputs(done.each(), Decoding::default(), &shared.suspects())?;
        if !suspects.is_empty() {
            // Names met after a line that repeats them: write everything
            // again, knowing every name from the first line on.
            drop(done);
            shared.restart_with_all_names();
            done = pass(true)?;
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
        failures,
        lines,
        counts,
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

    let mut code = exit::OK;
    for failure in &failures {
        code = code.max(report(failure));
    }
    if args.verbose {
        let events: u64 = counts.iter().map(|(_, n)| n).sum();
        eprintln!(
            "liclog: {} input(s), {lines} lines, {events} events",
            args.inputs.len()
        );
        for (kind, n) in &counts {
            eprintln!("{:>12}  {}", n, kind.name());
        }
        if !losses.is_empty() {
            eprintln!("liclog: what {} cannot carry (events):", args.to);
            for (what, n) in &losses {
                eprintln!("{n:>12}  {what}");
            }
        }
    }
    // An input that failed outranks one whose format was unknown.
    if failures.iter().any(|f| code_of(f) == exit::INPUT) {
        code = exit::INPUT;
    }
    Ok(code)
}

/// What one pass over the inputs left: its output, not committed yet.
struct Pass {
    /// (target, output): one, or one per server with `-o DIR/`.
    outputs: Vec<(String, Output)>,
    failures: Vec<Error>,
    lines: u64,
    counts: Vec<(liclog::event::Kind, u64)>,
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

/// A progress bar over the stored (compressed) bytes of the current input,
/// shown only on a terminal. A ticker thread copies the input's byte
/// counter into the bar, so the hot loop does no progress work at all.
struct Progress {
    bar: ProgressBar,
    ticker: RefCell<Option<Arc<AtomicBool>>>,
}

impl Progress {
    fn new() -> Progress {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} {wide_bar} {bytes}/{total_bytes} {binary_bytes_per_sec} {eta}",
            )
            .expect("valid template"),
        );
        Progress {
            bar,
            ticker: RefCell::new(None),
        }
    }

    fn watch(&self, name: &str, len: Option<u64>, read: Arc<AtomicU64>) {
        self.input_done();
        self.bar.reset();
        self.bar.set_length(len.unwrap_or(0));
        self.bar.set_message(name.to_string());
        let stop = Arc::new(AtomicBool::new(false));
        let (bar, flag) = (self.bar.clone(), stop.clone());
        std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                bar.set_position(read.load(Ordering::Relaxed));
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        *self.ticker.borrow_mut() = Some(stop);
    }

    fn input_done(&self) {
        if let Some(stop) = self.ticker.borrow_mut().take() {
            stop.store(true, Ordering::Relaxed);
        }
    }

    fn finish(self) {
        self.input_done();
        self.bar.finish_and_clear();
    }
}
