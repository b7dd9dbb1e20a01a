//! The `liclog` command line: a thin front end over the library.

mod cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit codes, shown in `--help` and the README.
pub mod exit {
    pub const OK: u8 = 0;
    /// `--strict` met a line that matches no known shape.
    pub const STRICT: u8 = 1;
    /// Bad command line (clap's own code).
    pub const USAGE: u8 = 2;
    /// An input could not be read to its end (missing, a directory,
    /// truncated or corrupt gzip, invalid bytes, shrank while read);
    /// everything read was still converted and written.
    pub const INPUT: u8 = 3;
    /// The output could not be written; no partial output file is left.
    pub const OUTPUT: u8 = 4;
    /// An input's format is not recognised or not supported yet.
    pub const FORMAT: u8 = 5;
    /// The leak check found an original identifier in the output.
    pub const LEAK: u8 = 6;
}

const AFTER_HELP: &str = "\
Exit codes:
  0  success
  1  --strict: a line matched no known shape
  2  bad command line
  3  an input could not be read to its end (missing file, directory,
     truncated or corrupt gzip, invalid bytes, a file that shrank while
     read); everything read before the problem was still written
  4  the output could not be written; no partial output file is left behind
  5  an input's format is not recognised, or not supported yet, or
     canonical input (jsonl, csv) lacks a required column
  6  anonymize, convert --anonymize, verify: an original identifier would
     survive in the output; nothing was written
  130, 143, 129  interrupted by SIGINT, SIGTERM, SIGHUP; no file is left

Examples:
  liclog convert golden/flexnet/spec-excerpt/input.log
  liclog convert --to csv -o usage.csv /var/log/flexlm/lmgrd.log*
  liclog convert -v --to csv -o usage.csv --manifest batch.jsonl /archive/flexlm/
  liclog convert -o out/ --skip-known batch.jsonl --manifest tonight.jsonl \"logs/**/*.gz\"
  zcat old.log.gz | liclog convert --from flexnet --date 2019-03-01 -
  liclog convert --encoding shift_jis --tz Asia/Tokyo lmgrd-jp.log
  liclog convert --to csv --year 2024 report.log demo.dlog
  liclog convert -v --to csv -o sentinel.csv lserv.log lserv.log.*
  liclog convert lmgrd.log | jq -c 'select(.user != \"bob\")' | liclog convert --to csv -
  liclog report -o report/ --html usage.html --interval 15m /var/log/flexlm/
  liclog detect /var/log/flexlm/*
  liclog keygen -o ~/.liclog.key
  liclog anonymize --key-file ~/.liclog.key -o clean.log lmgrd.log
  liclog verify clean.log
  liclog anonymize --key-file ~/.liclog.key --allow 'build[0-9]+[.]corp[.]example' -o clean.log lmgrd.log
  LICLOG_KEY_FILE=~/.liclog.key liclog anonymize -o outdir/ lserv.log report.log
  liclog convert --anonymize --key-file ~/.liclog.key --to csv -o usage.csv lmgrd.log
  liclog convert --def formats/stardrop.toml --to csv sls-useage.log";

#[derive(Parser)]
#[command(name = "liclog", version, about = "Read, convert and sanitize software-license server logs",
          after_help = AFTER_HELP, arg_required_else_help = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// A user-defined format (a TOML definition, or a directory of them; docs/formats.md); repeatable. LICLOG_DEFS adds a colon-separated list
    #[arg(long, value_name = "PATH", global = true)]
    def: Vec<std::path::PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Convert license-server logs into canonical JSONL or CSV events
    #[command(after_help = AFTER_HELP)]
    Convert(cmd::convert::Args),
    /// Report sessions, licenses in use over time and true denials, as tables and an HTML report
    #[command(after_help = AFTER_HELP)]
    Report(cmd::report::Args),
    /// Print each input's format, encoding, compression and why
    #[command(after_help = AFTER_HELP)]
    Detect(cmd::detect::Args),
    /// Rewrite logs in their own format with keyed pseudonyms for every identifying field
    #[command(after_help = AFTER_HELP)]
    Anonymize(cmd::anonymize::Args),
    /// Write a new random anonymization key to a file (mode 0600)
    #[command(after_help = AFTER_HELP)]
    Keygen(cmd::anonymize::KeygenArgs),
    /// Check a file for surviving identifiers: by their shape, and (given the ORIGINAL) by name
    #[command(after_help = AFTER_HELP)]
    Verify(cmd::anonymize::VerifyArgs),
    /// Print the canonical event schema as JSON Schema
    #[command(after_help = AFTER_HELP)]
    Schema,
}

fn main() -> ExitCode {
    // Definitions load before the arguments are parsed: `--from NAME` must
    // know their names. (`Cli::def` is the same list, for --help.)
    if let Err(e) = liclog::defs::load(&def_paths()) {
        return ExitCode::from(cmd::report(&e));
    }
    let cli = Cli::parse();
    cmd::cleanup::install();
    let code = match cli.command {
        Command::Convert(args) => cmd::convert::run(args),
        Command::Detect(args) => cmd::detect::run(args),
        Command::Report(args) => cmd::report::run(args),
        Command::Anonymize(args) => cmd::anonymize::run(args),
        Command::Keygen(args) => cmd::anonymize::keygen(args),
        Command::Verify(args) => cmd::anonymize::verify(args),
        Command::Schema => cmd::schema::run(),
    };
    ExitCode::from(code)
}

/// The `--def PATH` and `--def=PATH` values on the command line.
fn def_paths() -> Vec<std::path::PathBuf> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].to_string_lossy();
        if arg == "--" {
            break;
        }
        if arg == "--def" {
            out.extend(args.get(i + 1).map(std::path::PathBuf::from));
            i += 1;
        } else if let Some(v) = arg.strip_prefix("--def=") {
            out.push(std::path::PathBuf::from(v));
        }
        i += 1;
    }
    out
}
