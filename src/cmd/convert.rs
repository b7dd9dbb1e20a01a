//! `liclog convert`

mod passes;

use std::io::IsTerminal;

use liclog::anon::detector::Detector;
use liclog::anon::fields::Selection;
use liclog::anon::{Key, Shared};
use liclog::batch::PlanOptions;
use liclog::convert::ConvertOptions;
use liclog::dating::Zone;
use liclog::event::Kind;
use liclog::input::Decoding;
use liclog::read::ReadOptions;
use liclog::write::WriteOptions;
use liclog::{Error, Format};

use self::passes::{Layout, Outcome, Pass, Run};
use super::batch::{Batch, BatchArgs};
use super::leaks::{detect_outputs, report_leaks, scan_outputs, write_mapping};
use super::parse::{parse_class, parse_date, parse_format, parse_zone};
use super::{failure_code, report};

#[derive(clap::Args)]
pub struct Args {
    /// Input format (flexnet, rlm-report, rlm-debug, sentinel, lmx; jsonl and csv for liclog's own output; or a user-defined format's name, see --def); detected per file when omitted
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    from: Option<Format>,
    /// Output format: jsonl, csv, or a vendor log: flexnet, rlm-report, sentinel, lmx (docs/writers.md)
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
    #[arg(long, value_name = "CLASSES", value_delimiter = ',', value_parser = parse_class, requires = "anonymize")]
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
            tz: args.tz.clone(),
            server: None,
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
    let mut batch = Batch::prepare(&args.inputs, &args.batch, own, plan_options, args.verbose)?;
    let batch_failures = std::mem::take(&mut batch.failures);
    let plan = &batch.plan;
    let reads: Vec<usize> = (0..plan.entries.len())
        .filter(|&i| plan.entries[i].status.reads())
        .collect();
    let shared = if args.anonymize {
        let (key, warning) = Key::from_option_or_env(args.key_file.as_deref())?;
        if let Some(w) = warning {
            diag!("liclog: warning: {w}");
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
        super::cleanup::create_dir_all(std::path::Path::new(&args.output))
            .map_err(|e| super::output::named(Error::Write(e), &args.output))?;
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
                return Err(report_leaks(&leaks));
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
    let events: u64 = outcomes
        .iter()
        .flatten()
        .flat_map(|o| o.stats.counts.iter())
        .sum();
    failures.extend(batch_failures);
    if events == 0 && !failures.is_empty() {
        // Nothing was read: an existing output stays as it was.
        drop(outputs);
        return Ok(failure_code(&failures));
    }
    // Files named for their inputs: the names in the inputs' own paths are
    // replaced too.
    let renamed: Option<std::collections::HashMap<&str, String>> = match &shared {
        Some(shared) if layout == Layout::PerInput => {
            let pairs: Vec<(&str, &str)> = targets
                .iter()
                .zip(&plan.entries)
                .map(|(t, e)| (t.to_str().unwrap_or(""), e.found.name.as_str()))
                .filter(|(t, _)| outputs.iter().any(|(o, _)| o == t))
                .collect();
            let names = super::targets::anonymized(&args.output, &pairs, shared)?;
            Some(pairs.iter().map(|(t, _)| *t).zip(names).collect())
        }
        _ => None,
    };
    for (target, mut output) in outputs {
        let name = renamed
            .as_ref()
            .and_then(|r| r.get(target.as_str()))
            .cloned()
            .unwrap_or_else(|| target.clone());
        output.retarget(&name);
        output
            .commit()
            .map_err(|e| super::output::named(Error::Write(e), &name))?;
        if name != target {
            let root = std::path::Path::new(&args.output);
            super::targets::remove_empty_parents(std::path::Path::new(&target), root);
        }
    }
    if let (Some(shared), Some(path)) = (&shared, &args.mapping) {
        write_mapping(path, shared)?;
    }
    let records = run.records(&outcomes);
    super::batch::overlap_warnings(plan, &records);
    if let Some(path) = &args.batch.manifest {
        super::batch::write_manifest(path, &records)?;
    }

    let code = failure_code(&failures);
    if args.verbose {
        print_summary(&args, &outcomes, &losses);
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
    diag!("liclog: {inputs} input(s), {lines} lines, {events} events");
    for (kind, n) in Kind::ALL.iter().zip(&counts).filter(|(_, n)| **n > 0) {
        diag!("{:>12}  {}", n, kind.name());
    }
    if !losses.is_empty() {
        diag!("liclog: what {} cannot carry (events):", args.to);
        for (what, n) in losses {
            diag!("{n:>12}  {what}");
        }
    }
}
