//! One module per subcommand, plus what they share.

pub mod anonymize;
pub mod batch;
pub mod cleanup;
pub mod completions;
pub mod convert;
pub mod detect;
pub mod help;
pub mod leaks;
pub mod man;
pub mod output;
pub mod parse;
pub mod report;
pub mod schema;
pub mod split;
pub mod targets;
pub mod verify;

use liclog::Error;

use crate::exit;

/// Prints an error the way every subcommand does and picks its exit code.
pub fn report(err: &Error) -> u8 {
    if let Error::Write(e) | Error::WriteTo { source: e, .. } = err
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        // The reader of our output went away (`| head`): not an error.
        return exit::OK;
    }
    diag!("liclog: error: {err}");
    code_of(err)
}

/// Prints each input's failure; the exit code of the worst. An input that
/// failed outranks one whose format was unknown.
pub fn failure_code(failures: &[Error]) -> u8 {
    let mut code = exit::OK;
    for failure in failures {
        code = code.max(report(failure));
    }
    if failures.iter().any(|f| code_of(f) == exit::INPUT) {
        code = exit::INPUT;
    }
    code
}

pub fn code_of(err: &Error) -> u8 {
    match err {
        Error::Strict { .. } | Error::Lossy(_) => exit::STRICT,
        Error::Usage(_) | Error::UnknownEncoding(_) | Error::UnknownFormat(..) => exit::USAGE,
        Error::Write(_) | Error::WriteTo { .. } => exit::OUTPUT,
        Error::Key { .. } | Error::Definition { .. } => exit::USAGE,
        Error::Leak(_) => exit::LEAK,
        Error::Unrecognised { .. } | Error::NotSupported { .. } | Error::MissingColumn { .. } => {
            exit::FORMAT
        }
        // Input failures (Open, Read, Gzip, Shrunk, IsDirectory, InvalidEncoding).
        _ => exit::INPUT,
    }
}

pub struct Stderr;

impl liclog::convert::Diagnostics for Stderr {
    fn warning(&mut self, message: &str) {
        diag!("liclog: warning: {message}");
    }
}

/// Writes `bytes` to stdout and flushes it.
pub fn write_stdout(bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}
