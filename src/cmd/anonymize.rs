//! `liclog anonymize`: the same log back, with keyed pseudonyms in place of
//! every identifying field; and `liclog keygen`, `liclog verify`.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use liclog::anon::fields::Selection;
use liclog::anon::rewrite::{self, Learned, Options};
use liclog::anon::{Anonymizer, Class, Key};
use liclog::input::{Decoding, Input};
use liclog::lines::LineReader;
use liclog::read::ReadOptions;
use liclog::{Error, Format};

use super::output::Output;
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
    #[arg(long, value_name = "FORMAT", value_parser = super::convert::parse_format)]
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
    /// Skip the leak check of the output (it runs by default)
    #[arg(long)]
    no_verify: bool,
    /// Write the original -> pseudonym table to PATH (CSV, mode 0600). It undoes the anonymization: keep it private
    #[arg(long, value_name = "PATH")]
    mapping: Option<PathBuf>,
    /// Log files, plain or gzipped; - reads stdin
    #[arg(value_name = "INPUT", required = true)]
    inputs: Vec<String>,
}

fn parse_class(s: &str) -> Result<Class, String> {
    Class::parse(s).ok_or_else(|| format!("unknown class {s:?}; classes: user, host, ip, id, text"))
}

pub fn run(args: Args) -> u8 {
    match anonymize(args) {
        Ok(code) => code,
        Err(e) => report(&e),
    }
}

fn anonymize(args: Args) -> Result<u8, Error> {
    if args.inputs.iter().any(|i| i == "-") {
        return Err(Error::Usage(
            "anonymize reads each input twice (to learn every name first), so it needs files, \
             not stdin; save stdin to a file first"
                .into(),
        ));
    }
    let (key, warning) = Key::from_option_or_env(args.key_file.as_deref())?;
    if let Some(w) = warning {
        eprintln!("liclog: warning: {w}");
    }
    let selection = Selection {
        keep: args.keep,
        also: args.also,
    };
    let mut anon = Anonymizer::new(&key, selection);
    drop(key);
    let options = Options {
        from: args.from,
        decoding: Decoding::from_label(args.encoding.as_deref())?,
        read: ReadOptions::default(),
    };
    let learned: Vec<Learned> = args
        .inputs
        .iter()
        .map(|name| rewrite::learn(name, &options, &mut anon))
        .collect::<Result<_, _>>()?;

    let into_dir = args.output != "-" && Path::new(&args.output).is_dir();
    let targets: Vec<String> = if into_dir {
        args.inputs
            .iter()
            .map(|i| {
                let file = Path::new(i).file_name().unwrap_or_default();
                Path::new(&args.output)
                    .join(file)
                    .to_string_lossy()
                    .into_owned()
            })
            .collect()
    } else {
        vec![args.output.clone()]
    };
    for t in &targets {
        if args.inputs.iter().any(|i| same_file(i, t)) {
            return Err(Error::Usage(format!(
                "{t} is an input: inputs are never overwritten"
            )));
        }
    }
    let mut outputs = Vec::new();
    let mut leaks = Vec::new();
    for (i, name) in args.inputs.iter().enumerate() {
        if i < targets.len() && (into_dir || i == 0) {
            outputs.push(Output::create(&targets[i]).map_err(Error::Write)?);
        }
        let output = outputs.last().expect("an output");
        let mut w = BufWriter::with_capacity(1 << 16, output.writer().map_err(Error::Write)?);
        leaks.extend(rewrite::rewrite(
            name,
            &options,
            &learned[i],
            &mut anon,
            &mut w,
        )?);
        w.flush().map_err(Error::Write)?;
    }
    if !args.no_verify && !leaks.is_empty() {
        for leak in leaks.iter().take(20) {
            eprintln!("liclog: leak: {leak}");
        }
        return Err(Error::Leak(format!(
            "{} original identifier(s) would survive in the output; nothing was written \
             (use --also FIELD to replace the field they are in)",
            leaks.len()
        )));
    }
    for output in outputs {
        output.commit().map_err(Error::Write)?;
    }
    if let Some(path) = &args.mapping {
        write_mapping(path, &anon)?;
    }
    Ok(exit::OK)
}

fn same_file(a: &str, b: &str) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// `class,original,pseudonym`, written atomically with mode 0600.
fn write_mapping(path: &Path, anon: &Anonymizer) -> Result<(), Error> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".liclog-mapping-")
        .tempfile_in(dir)
        .map_err(Error::Write)?;
    let mut text = String::from("class,original,pseudonym\n");
    for (class, original, pseudonym) in anon.pseudonyms.mapping() {
        text.push_str(&format!(
            "{},{},{}\n",
            class.name(),
            csv_cell(original),
            pseudonym
        ));
    }
    temp.write_all(text.as_bytes()).map_err(Error::Write)?;
    // NamedTempFile is created 0600 and keeps that mode when persisted.
    temp.persist(path).map_err(|e| Error::Write(e.error))?;
    Ok(())
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
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
            eprintln!(
                "liclog: wrote a new 256-bit key to {}",
                args.output.display()
            );
            exit::OK
        }
        Err(e) => report(&e),
    }
}

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// Format of ORIGINAL; detected when omitted
    #[arg(long, value_name = "FORMAT", value_parser = super::convert::parse_format)]
    from: Option<Format>,
    /// Encoding of inputs without a BOM
    #[arg(long, value_name = "LABEL")]
    encoding: Option<String>,
    /// The original log
    #[arg(value_name = "ORIGINAL")]
    original: String,
    /// Its anonymized version: the same format, or liclog's CSV or JSONL
    #[arg(value_name = "ANONYMIZED")]
    anonymized: String,
}

/// Learns the identifiers of ORIGINAL and searches ANONYMIZED for them.
pub fn verify(args: VerifyArgs) -> u8 {
    match check(args) {
        Ok(code) => code,
        Err(e) => report(&e),
    }
}

fn check(args: VerifyArgs) -> Result<u8, Error> {
    let options = Options {
        from: args.from,
        decoding: Decoding::from_label(args.encoding.as_deref())?,
        read: ReadOptions::default(),
    };
    let mut anon = Anonymizer::new(&Key::throwaway()?, Selection::default());
    rewrite::learn(&args.original, &options, &mut anon)?;
    let input = Input::open(&args.anonymized, options.decoding)?;
    let mut lines = LineReader::new(input.reader);
    let mut found = 0usize;
    while let Some(line) = lines
        .next_line()
        .map_err(|e| Error::Usage(format!("{}: {e:?}", args.anonymized)))?
    {
        for hit in anon.dictionary.find(line.text) {
            found += 1;
            if found <= 20 {
                eprintln!(
                    "liclog: leak: {}:{}: a {} name survives: {:?}",
                    args.anonymized,
                    line.number,
                    hit.class.name(),
                    hit.name
                );
            }
        }
    }
    if found > 0 {
        return Err(Error::Leak(format!(
            "{found} occurrence(s) of original identifiers in {}",
            args.anonymized
        )));
    }
    eprintln!(
        "liclog: verify: none of the {} identifiers of {} appears in {}",
        anon.dictionary.len(),
        args.original,
        args.anonymized
    );
    Ok(exit::OK)
}
