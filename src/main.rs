//! The `liclog` command line: a thin front end over the library.

/// `eprintln!` that never panics: a closed stderr (`2>&1 | head`) must not
/// stop the work, so a diagnostic that cannot be written is dropped.
macro_rules! diag {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod cmd;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

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

#[derive(Parser)]
#[command(name = "liclog", version, about = "Read, convert and sanitize software-license server logs",
          after_help = cmd::help::top(), arg_required_else_help = true)]
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
    #[command(after_help = cmd::help::convert())]
    Convert(cmd::convert::Args),
    /// Report sessions, licenses in use over time and true denials, as tables and an HTML report
    #[command(after_help = cmd::help::report())]
    Report(cmd::report::Args),
    /// Print each input's format, encoding, compression and why
    #[command(after_help = cmd::help::detect())]
    Detect(cmd::detect::Args),
    /// Rewrite logs in their own format with keyed pseudonyms for every identifying field
    #[command(after_help = cmd::help::anonymize())]
    Anonymize(cmd::anonymize::Args),
    /// Write a new random anonymization key to a file (mode 0600)
    #[command(after_help = cmd::help::keygen())]
    Keygen(cmd::anonymize::KeygenArgs),
    /// Check a file for surviving identifiers: by their shape, and (given the ORIGINAL) by name
    #[command(after_help = cmd::help::verify())]
    Verify(cmd::verify::VerifyArgs),
    /// Print the canonical event schema as JSON Schema
    #[command(after_help = cmd::help::schema())]
    Schema,
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    #[command(after_help = cmd::help::completions())]
    Completions(cmd::completions::Args),
    /// Print the manual page of liclog or of one command, in roff (or write them all with -o DIR)
    #[command(after_help = cmd::help::man())]
    Man(cmd::man::Args),
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
        Command::Verify(args) => cmd::verify::verify(args),
        Command::Schema => cmd::schema::run(),
        Command::Completions(args) => cmd::completions::run(args, Cli::command()),
        Command::Man(args) => cmd::man::run(args, Cli::command()),
    };
    if code != exit::OK {
        // A failed run leaves no directory it made for its outputs behind.
        cmd::cleanup::remove_new_dirs();
    }
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
