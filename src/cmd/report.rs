//! `liclog report`: sessions, concurrency and true denials, as tables
//! (`-o DIR`) and a self-contained HTML report (`--html PATH`).

mod sorted;

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use liclog::anon::convert::AnonWriter;
use liclog::anon::fields::Selection;
use liclog::anon::{Key, Shared};
use liclog::batch::PlanOptions;
use liclog::convert::{ConvertOptions, Converter};
use liclog::input::{Decoding, Input};
use liclog::read::ReadOptions;
use liclog::report::{Report, ReportOptions, Tables, TooLarge, html};
use liclog::write::EventWriter;
use liclog::{Error, Format};

use super::batch::{Batch, BatchArgs, Progress};
use super::output::{Output, named};
use super::{Stderr, report as report_error};

#[derive(clap::Args)]
pub struct Args {
    /// Input format; detected per file when omitted (a user-defined format's name too, see --def)
    #[arg(long, value_name = "FORMAT", value_parser = super::parse::parse_format)]
    from: Option<Format>,
    /// Write the tables sessions, usage, denials and summary into directory DIR (atomically); without -o or --html the summary goes to stdout
    #[arg(short, long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// Table format: csv or jsonl
    #[arg(long, value_name = "FORMAT", default_value = "csv", value_parser = ["csv", "jsonl"])]
    to: String,
    /// Write a self-contained HTML report (inline SVG charts, no script) to PATH
    #[arg(long, value_name = "PATH")]
    html: Option<PathBuf>,
    /// Length of a `usage` interval: 15m, 1h, 1d, or seconds
    #[arg(long, value_name = "SPAN", default_value = "1h", value_parser = parse_span)]
    interval: i64,
    /// A denial followed within SPAN by a checkout of the same feature by the same user@host is not a true denial
    #[arg(long, value_name = "SPAN", default_value = "60", value_parser = parse_span)]
    retry_window: i64,
    /// Only events at or after this date (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM:SS)
    #[arg(long, value_name = "DATE", value_parser = parse_when)]
    since: Option<i64>,
    /// Only events before this date or time
    #[arg(long, value_name = "DATE", value_parser = parse_when)]
    until: Option<i64>,
    /// Only this feature; repeatable
    #[arg(long, value_name = "NAME")]
    feature: Vec<String>,
    /// Date of the first line, for fragments that carry no date anywhere
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<jiff::civil::Date>,
    /// Year of logs that write month/day without one (RLM)
    #[arg(long, value_name = "YYYY")]
    year: Option<i16>,
    /// Encoding of inputs without a BOM
    #[arg(long, value_name = "LABEL")]
    encoding: Option<String>,
    /// Report with keyed pseudonyms in place of user, host and the other identifying fields
    #[arg(long)]
    anonymize: bool,
    /// With --anonymize: the key file; default: the file $LICLOG_KEY_FILE names
    #[arg(long, value_name = "PATH", requires = "anonymize")]
    key_file: Option<PathBuf>,
    #[command(flatten)]
    batch: BatchArgs,
    /// Log files, directories, quoted glob patterns, liclog's JSONL or CSV, or - for stdin
    #[arg(value_name = "INPUT", required = true)]
    inputs: Vec<String>,
}

/// `15m`, `1h`, `1d`, `90s` or plain seconds.
fn parse_span(s: &str) -> Result<i64, String> {
    let (digits, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => s.split_at(i),
        None => (s, "s"),
    };
    let n: i64 = digits
        .parse()
        .map_err(|_| format!("expected 15m, 1h, 1d or seconds, not {s:?}"))?;
    let unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("unknown unit in {s:?}: s, m, h or d")),
    };
    match n.checked_mul(unit) {
        Some(0) => Err("must be above zero".into()),
        Some(v) if v <= MAX_SPAN => Ok(v),
        _ => Err(format!("{s:?} is longer than a year (366d)")),
    }
}

/// The longest `--interval` or `--retry-window`: a year.
const MAX_SPAN: i64 = 366 * 86_400;

fn parse_when(s: &str) -> Result<i64, String> {
    let dt: jiff::civil::DateTime = match s.contains('T') {
        true => s.parse(),
        false => s.parse::<jiff::civil::Date>().map(|d| d.at(0, 0, 0, 0)),
    }
    .map_err(|e| format!("expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS: {e}"))?;
    let mut t = liclog::Time::of_day(0);
    t.date = Some(dt.date());
    let day = liclog::report::seconds_of(&t).ok_or("a date out of range")?;
    Ok(day + i64::from(dt.hour()) * 3600 + i64::from(dt.minute()) * 60 + i64::from(dt.second()))
}

pub fn run(args: Args) -> u8 {
    match report(args) {
        Ok(code) => code,
        Err(e) => report_error(&e),
    }
}

fn report(args: Args) -> Result<u8, Error> {
    let decoding = Decoding::from_label(args.encoding.as_deref())?;
    let options = ConvertOptions {
        from: args.from,
        read: ReadOptions {
            date: args.date,
            year: args.year,
            tz: None,
            server: None,
        },
        decoding,
        ..ConvertOptions::default()
    };
    let own: Vec<PathBuf> = args.output.iter().chain(&args.html).cloned().collect();
    let plan_options = PlanOptions {
        from: args.from,
        decoding,
        read: options.read.clone(),
        ..PlanOptions::default()
    };
    let batch = Batch::prepare(&args.inputs, &args.batch, own, plan_options, false)?;
    let shared = if args.anonymize {
        let (key, warning) = Key::from_option_or_env(args.key_file.as_deref())?;
        if let Some(w) = warning {
            diag!("liclog: warning: {w}");
        }
        Some(Shared::new(&key, Selection::default(), false))
    } else {
        None
    };
    let run = Run {
        args: &args,
        options: &options,
        batch: &batch,
        shared: shared.as_ref(),
    };
    let mut pass = run.pass(None)?;
    let reads: Vec<&liclog::batch::Entry> = batch
        .plan
        .entries
        .iter()
        .filter(|e| e.status.reads())
        .collect();
    if pass.report.time_went_back()
        && let [only] = reads[..]
    {
        let sorted = sorted::records(&only.found.name, &options)?;
        // One file whose records run out of time order (an export newest
        // first): read again, sorted by time.
        diag!(
            "liclog: note: {}: its records are not in time order; the report reads them sorted by time",
            only.found.name
        );
        drop(pass);
        pass = run.pass(Some(&sorted))?;
    }
    let Pass {
        report,
        mut outputs,
        failures,
        printed,
    } = pass;
    let finished = report.end().map_err(|e| too_large(Error::Write(e)))?;
    if let Some(printed) = printed {
        let bytes = std::mem::take(&mut *printed.0.lock().unwrap_or_else(PoisonError::into_inner));
        super::write_stdout(&bytes).map_err(Error::Write)?;
    }
    for w in &finished.report.time_warnings {
        diag!("liclog: warning: {w}");
    }
    if finished.report.undated > 0 {
        diag!(
            "liclog: warning: {} usage events without a date are not in the report (pass --date or --year)",
            finished.report.undated
        );
    }
    if let Some(path) = &args.html {
        let target = path.to_string_lossy().into_owned();
        let title = title(&args.inputs);
        let page = html::render(&finished.report, &title);
        let output = Output::create(&target).map_err(|e| named(Error::Write(e), &target))?;
        let mut w = output.writer().map_err(Error::Write)?;
        w.write_all(page.as_bytes())
            .and_then(|()| w.flush())
            .map_err(|e| named(Error::Write(e), &target))?;
        drop(w);
        outputs.push((target, output));
    }
    let events = finished.report.events;
    drop(finished);
    let failures: Vec<Error> = failures.into_iter().chain(batch.failures).collect();
    if events == 0 && !failures.is_empty() {
        // Nothing was read: existing outputs stay as they were.
        drop(outputs);
        return Ok(super::failure_code(&failures));
    }
    for (target, output) in outputs {
        output
            .commit()
            .map_err(|e| named(Error::Write(e), &target))?;
    }
    Ok(super::failure_code(&failures))
}

/// What one report needs of the command line and the plan.
struct Run<'a> {
    args: &'a Args,
    options: &'a ConvertOptions,
    batch: &'a Batch,
    shared: Option<&'a Arc<Shared>>,
}

/// One pass: the report before its end, its outputs (not committed), and
/// the inputs that failed.
struct Pass {
    report: Report,
    outputs: Vec<(String, Output)>,
    failures: Vec<Error>,
    /// The summary for stdout.
    printed: Option<Printed>,
}

/// What goes to stdout once the report is done.
#[derive(Clone, Default)]
struct Printed(Arc<Mutex<Vec<u8>>>);

impl Write for Printed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Run<'_> {
    fn pass(&self, sorted: Option<&sorted::Records>) -> Result<Pass, Error> {
        let args = self.args;
        let jsonl = args.to == "jsonl";
        let mut outputs: Vec<(String, Output)> = Vec::new();
        let mut table = |name: &str| -> Result<Option<Box<dyn Write + Send>>, Error> {
            let Some(dir) = &args.output else {
                return Ok(None);
            };
            super::cleanup::create_dir_all(dir)
                .map_err(|e| named(Error::Write(e), &dir.to_string_lossy()))?;
            let target = dir
                .join(format!("{name}.{}", args.to))
                .to_string_lossy()
                .into_owned();
            let output = Output::create(&target).map_err(|e| named(Error::Write(e), &target))?;
            let w = output.writer().map_err(Error::Write)?;
            outputs.push((target, output));
            Ok(Some(Box::new(BufWriter::new(w))))
        };
        let (sessions, usage, denials) = (table("sessions")?, table("usage")?, table("denials")?);
        // The summary on stdout waits for the pass that counts: a first
        // pass over records out of time order is read again.
        let printed = (args.output.is_none() && args.html.is_none()).then(Printed::default);
        let summary = match table("summary")? {
            None => printed
                .clone()
                .map(|p| Box::new(p) as Box<dyn Write + Send>),
            other => other,
        };
        let tables = Tables::new(jsonl, sessions, usage, denials, summary);
        let report_options = ReportOptions {
            interval: args.interval,
            retry_window: args.retry_window,
            since: args.since,
            until: args.until,
            features: args.feature.clone(),
        };
        let report = Arc::new(Mutex::new(Report::new(report_options, tables)));
        let feed: Box<dyn EventWriter> = Box::new(Feed(report.clone()));
        let mut writer: Box<dyn EventWriter> = match self.shared {
            Some(shared) => Box::new(AnonWriter::new(feed, shared.clone(), false)),
            None => feed,
        };
        let failures = match sorted {
            Some(records) => {
                if let Some(shared) = self.shared {
                    shared.begin_input();
                }
                records.feed(writer.as_mut()).map_err(too_large)?;
                Vec::new()
            }
            None => self.read_plan(writer.as_mut())?,
        };
        drop(writer);
        let report = Arc::try_unwrap(report)
            .ok()
            .map(|m| m.into_inner().unwrap_or_else(PoisonError::into_inner))
            .ok_or_else(|| Error::Write(std::io::Error::other("the report is still in use")))?;
        Ok(Pass {
            report,
            outputs,
            failures,
            printed,
        })
    }

    /// Every planned input into `writer`; the inputs that failed.
    fn read_plan(&self, writer: &mut dyn EventWriter) -> Result<Vec<Error>, Error> {
        let progress = Progress::start(&self.batch.plan, false);
        let mut converter = Converter::new(self.options.clone(), writer);
        for entry in self.batch.plan.entries.iter().filter(|e| e.status.reads()) {
            if let Some(shared) = self.shared {
                shared.begin_input();
            }
            let mut on_open = |input: &Input| {
                if let Some(p) = &progress {
                    p.opened(input);
                }
            };
            converter
                .add_input_after(
                    &entry.found.name,
                    entry.skip_lines,
                    entry.server.as_deref(),
                    &mut Stderr,
                    &mut on_open,
                )
                .map_err(too_large)?;
            if let Some(p) = &progress {
                p.finished(
                    &entry.found.name,
                    entry.survey.as_ref().and_then(|s| s.size),
                );
            }
        }
        if let Some(p) = progress {
            p.finish();
        }
        Ok(std::mem::take(&mut converter.failures))
    }
}

/// The report's refusal to grow past its bound, as the usage error it is.
fn too_large(e: Error) -> Error {
    if let Error::Write(io) = &e
        && let Some(t) = io.get_ref().and_then(|i| i.downcast_ref::<TooLarge>())
    {
        return Error::Usage(t.to_string());
    }
    e
}

/// The page's title: the inputs' file names, the first few of many.
fn title(inputs: &[String]) -> String {
    let names: Vec<String> = inputs
        .iter()
        .map(|i| match std::path::Path::new(i).file_name() {
            Some(name) if i != "-" => name.to_string_lossy().into_owned(),
            _ => i.clone(),
        })
        .collect();
    match names.len() {
        0..=3 => format!("License usage: {}", names.join(", ")),
        n => format!("License usage: {}, … ({n} inputs)", names[..2].join(", ")),
    }
}

/// The report behind a lock, so that the anonymizer can own a writer
/// into it and the report comes back whole at the end.
struct Feed(Arc<Mutex<Report>>);

impl EventWriter for Feed {
    fn write(&mut self, event: &liclog::Event<'_>) -> std::io::Result<()> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .write(event)
    }
}
