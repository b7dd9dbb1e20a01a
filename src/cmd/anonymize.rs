//! `liclog anonymize`: the same log back, with keyed pseudonyms in place of
//! every identifying field; and `liclog keygen`, `liclog verify`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use liclog::anon::check::Leak;
use liclog::anon::detector::Detector;
use liclog::anon::fields::Selection;
use liclog::anon::names::NameSet;
use liclog::anon::rewrite::{self, Options};
use liclog::anon::{Class, Key, Shared};
use liclog::input::Decoding;
use liclog::read::ReadOptions;
use liclog::{Error, Format};

use super::leaks::{detect_outputs, report_leaks, scan_outputs, write_mapping};
use super::output::{Output, named};
use super::parse::{parse_class, parse_format};
use super::report;
use crate::exit;

#[derive(clap::Args)]
pub struct Args {
    /// The key file (64 hex digits, from `liclog keygen`); default: the file $LICLOG_KEY_FILE names
    #[arg(long, value_name = "PATH")]
    key_file: Option<PathBuf>,
    /// Write to PATH (atomically), or into directory PATH one file per input; - is stdout
    #[arg(short, long, value_name = "PATH", default_value = "-")]
    output: String,
    /// Input format; detected per file when omitted
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    from: Option<Format>,
    /// Encoding of inputs without a BOM; the output keeps it
    #[arg(long, value_name = "LABEL")]
    encoding: Option<String>,
    /// Leave these classes as they are: user, host, ip, id, text (comma-separated)
    #[arg(long, value_name = "CLASSES", value_delimiter = ',', value_parser = parse_class)]
    keep: Vec<Class>,
    /// Also replace this field (a column such as feature, or an extra key); repeatable
    #[arg(long, value_name = "FIELD")]
    also: Vec<String>,
    /// Skip the leak check of the output (it runs by default), and with it the second pass: names met after a line that repeats them may then survive in its free text
    #[arg(long)]
    no_verify: bool,
    /// Write the original -> pseudonym table to PATH (CSV, mode 0600). It undoes the anonymization: keep it private
    #[arg(long, value_name = "PATH")]
    mapping: Option<PathBuf>,
    /// The check accepts tokens this regular expression matches whole (a documented exception, e.g. a feature named like a host); repeatable
    #[arg(long, value_name = "PATTERN")]
    allow: Vec<String>,
    /// With a directory among the inputs: leave out files and directories matching this glob; repeatable
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Log files (plain or gzipped), directories (walked), quoted glob patterns, or - for stdin
    #[arg(value_name = "INPUT", required = true)]
    inputs: Vec<String>,
}

pub fn run(args: Args) -> u8 {
    let target = args.output.clone();
    match anonymize(args) {
        Ok(code) => code,
        Err(e) => report(&super::output::named(e, &target)),
    }
}

fn anonymize(mut args: Args) -> Result<u8, Error> {
    let decoding = Decoding::from_label(args.encoding.as_deref())?;
    let own: Vec<PathBuf> = (args.output != "-")
        .then(|| PathBuf::from(&args.output))
        .into_iter()
        .collect();
    let (found, expand_failures) = expand_inputs(&args, own, decoding)?;
    args.inputs = found.iter().map(|f| f.name.clone()).collect();
    super::output::protect_inputs(args.inputs.iter().map(String::as_str));
    let relative: Vec<PathBuf> = found.into_iter().map(|f| f.relative).collect();
    // Bad patterns fail before any work.
    let mut detector = Detector::new(&args.allow).map_err(Error::Usage)?;
    let (key, warning) = Key::from_option_or_env(args.key_file.as_deref())?;
    if let Some(w) = warning {
        diag!("liclog: warning: {w}");
    }
    let selection = Selection {
        keep: args.keep,
        also: args.also,
    };
    let verify = !args.no_verify;
    let shared = Shared::new(&key, selection, verify);
    drop(key);
    for name in args.inputs.iter().filter(|_| verify) {
        // The second pass, when needed, reads every input again. Without
        // the check there is none, and stdin streams (`| head` stops it).
        liclog::input::spool(name)?;
    }
    let options = Options {
        from: args.from,
        decoding: Decoding::from_label(args.encoding.as_deref())?,
        read: ReadOptions::default(),
    };

    let into_dir =
        args.output != "-" && (args.output.ends_with('/') || Path::new(&args.output).is_dir());
    if into_dir {
        super::cleanup::create_dir_all(Path::new(&args.output))
            .map_err(|e| named(Error::Write(e), &args.output))?;
    }
    let targets: Vec<String> = if into_dir {
        let paths = super::targets::in_dir(&args.output, &args.inputs, &relative)?;
        paths
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect()
    } else {
        if args.inputs.len() > 1 {
            for name in &args.inputs {
                liclog::input::spool(name)?; // read here and again below
            }
            super::targets::one_shape(&args.inputs, &options)?;
        }
        vec![args.output.clone()]
    };
    // Each input resolved once: comparing every target with every input
    // made a run over many files quadratic.
    let inputs: std::collections::HashSet<PathBuf> = args
        .inputs
        .iter()
        .filter_map(|i| std::fs::canonicalize(i).ok())
        .collect();
    for t in &targets {
        if std::fs::canonicalize(t).is_ok_and(|t| inputs.contains(&t)) {
            return Err(Error::Usage(format!(
                "{t} is an input: inputs are never overwritten"
            )));
        }
    }
    let run = Run {
        inputs: &args.inputs,
        targets: &targets,
        into_dir,
        options: &options,
        shared: &shared,
        verify,
    };
    let (mut outputs, mut failures) = run.write_all(false)?;
    if verify {
        let leaks = run.scan(&outputs, &shared.suspects())?;
        if !leaks.is_empty() {
            // Names met after a line that repeats them: write everything
            // again, knowing every name from the first line on.
            drop(outputs);
            shared.restart_with_all_names();
            (outputs, failures) = run.write_all(true)?;
            let leaks = run.scan(&outputs, &shared.all_names())?;
            if !leaks.is_empty() {
                return Err(report_leaks(&leaks));
            }
        }
        shared.teach(&mut detector);
        run.detect(&outputs, &mut detector)?;
    }
    // Under DIR, the names in the inputs' own paths are replaced too.
    let committed: Vec<String> = if into_dir {
        let pairs: Vec<(&str, &str)> = targets
            .iter()
            .zip(&args.inputs)
            .map(|(t, i)| (t.as_str(), i.as_str()))
            .collect();
        super::targets::anonymized(&args.output, &pairs, &shared)?
    } else {
        targets.clone()
    };
    for ((mut output, target), renamed) in outputs.into_iter().zip(&targets).zip(&committed) {
        output.retarget(renamed);
        output
            .commit()
            .map_err(|e| named(Error::Write(e), renamed))?;
        if renamed != target {
            super::targets::remove_empty_parents(Path::new(target), Path::new(&args.output));
        }
    }
    if let Some(path) = &args.mapping {
        write_mapping(path, &shared)?;
    }
    // Inputs that could not be read to their end: what came before the
    // problem was anonymized, checked and written, as `convert` does.
    failures.extend(expand_failures);
    Ok(failures.iter().map(report).max().unwrap_or(exit::OK))
}

/// The files the inputs name (directories walked, patterns expanded), as
/// `convert` finds them; a file found by a walk that is not a log, or is
/// liclog's own output, is skipped with a warning.
fn expand_inputs(
    args: &Args,
    own: Vec<PathBuf>,
    decoding: Decoding,
) -> Result<(Vec<liclog::batch::Found>, Vec<Error>), Error> {
    let options = liclog::batch::WalkOptions {
        exclude: args.exclude.clone(),
        own,
    };
    let expanded = liclog::batch::walk::expand(&args.inputs, &options)?;
    for w in &expanded.warnings {
        diag!("liclog: warning: {w}");
    }
    let mut found = Vec::new();
    for f in expanded.files {
        if f.walked && args.from.is_none() {
            let format = liclog::input::Input::open(&f.name, decoding)
                .map(|i| liclog::detect::detect(&i).format);
            match format {
                Ok(None) => {
                    diag!("liclog: warning: {}: skipped: not a log", f.name);
                    continue;
                }
                Ok(Some(Format::Jsonl | Format::Csv)) => {
                    diag!("liclog: warning: {}: skipped: liclog's own output", f.name);
                    continue;
                }
                _ => {}
            }
        }
        found.push(f);
    }
    if found.is_empty() && !expanded.failures.is_empty() {
        let mut failures = expanded.failures;
        return Err(failures.remove(0));
    }
    Ok((found, expanded.failures))
}

/// One pass over every input, and the leak check of what it wrote.
struct Run<'a> {
    inputs: &'a [String],
    targets: &'a [String],
    into_dir: bool,
    options: &'a Options,
    shared: &'a Arc<Shared>,
    verify: bool,
}

impl Run<'_> {
    /// Writes every input; nothing is committed yet. Also returns the
    /// inputs' read failures (each after the part before it was written).
    /// `again`: the second pass, whose warnings the first one gave.
    fn write_all(&self, again: bool) -> Result<(Vec<Output>, Vec<Error>), Error> {
        let mut outputs = Vec::new();
        let mut failures = Vec::new();
        for (i, name) in self.inputs.iter().enumerate() {
            if i < self.targets.len() && (self.into_dir || i == 0) {
                let target = &self.targets[i];
                if self.into_dir
                    && let Some(parent) = Path::new(target).parent()
                {
                    // A mirrored input path: its directories, once.
                    super::cleanup::create_dir_all(parent)
                        .map_err(|e| named(Error::Write(e), target))?;
                }
                let output = if self.verify {
                    Output::create_readable(target)
                } else {
                    Output::create(target)
                };
                outputs.push(output.map_err(|e| named(Error::Write(e), target))?);
            }
            let target = &self.targets[outputs.len() - 1];
            let output = outputs.last().expect("an output");
            let w = output.writer().map_err(Error::Write);
            let ending = w
                .and_then(|w| rewrite::rewrite(name, self.options, self.shared, w))
                .map_err(|e| named(e, target))?;
            if !again {
                for (line, length) in &ending.cut {
                    diag!(
                        "liclog: warning: {name}:{line}: line of {length} bytes is longer than \
                         the {} MiB limit; only its first KiB is written, anonymized",
                        liclog::lines::MAX_LINE >> 20
                    );
                }
            }
            failures.extend(ending.failure);
        }
        Ok((outputs, failures))
    }

    fn detect(&self, outputs: &[Output], detector: &mut Detector) -> Result<(), Error> {
        let each = self.targets.iter().map(String::as_str).zip(outputs);
        detect_outputs(each, self.options.decoding, detector)
    }

    fn scan(&self, outputs: &[Output], names: &NameSet) -> Result<Vec<(String, Leak)>, Error> {
        let each = self.targets.iter().map(String::as_str).zip(outputs);
        scan_outputs(each, self.options.decoding, names)
    }
}

#[derive(clap::Args)]
pub struct KeygenArgs {
    /// Where to write the new key (must not exist; created with mode 0600)
    #[arg(short, long, value_name = "KEYFILE", required = true)]
    output: PathBuf,
}

pub fn keygen(args: KeygenArgs) -> u8 {
    if args.output.as_os_str() == "-" {
        return report(&Error::Usage(
            "the key is never printed: give -o a file path".into(),
        ));
    }
    match Key::generate(&args.output) {
        Ok(()) => {
            diag!(
                "liclog: wrote a new 256-bit key to {}",
                args.output.display()
            );
            exit::OK
        }
        Err(e) => report(&e),
    }
}
