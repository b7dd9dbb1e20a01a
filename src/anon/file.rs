//! One file anonymized and proven clean, for library users: what `liclog
//! anonymize IN -o OUT` does, without the command line.

use std::io::Write;
use std::path::Path;

use super::check;
use super::detector::Detector;
use super::fields::Selection;
use super::rewrite::{self, Options};
use super::{Key, Shared};
use crate::error::{Error, Result};

/// Writes `input` (a log in any readable vendor format, plain or gzipped)
/// to `output` in its own format, encoding and compression, with every
/// identifying field replaced by a keyed pseudonym, then proves it: no name
/// met in the input, and no identifier-shaped token the independent
/// detector knows, may survive.
///
/// `output` appears only when the proof holds (written to a temporary file
/// beside it, then renamed); on [`Error::Leak`] nothing is written. An
/// input that stops early (a truncated gzip) is returned as its error
/// after what came before it was written and checked.
///
/// ```no_run
/// use liclog::anon::{Key, anonymize_file};
///
/// let (key, _warning) = Key::load("site.key".as_ref())?;
/// anonymize_file("lmgrd.log".as_ref(), "lmgrd.clean.log".as_ref(), &key)?;
/// # Ok::<(), liclog::Error>(())
/// ```
pub fn anonymize_file(input: &Path, output: &Path, key: &Key) -> Result<()> {
    let name = input.to_string_lossy();
    let options = Options::default();
    let shared = Shared::new(key, Selection::default(), true);
    let dir = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let write = || -> Result<(tempfile::NamedTempFile, Option<Error>)> {
        let temp = tempfile::Builder::new()
            .prefix(".liclog-")
            .tempfile_in(dir)
            .map_err(Error::Write)?;
        let out = temp.reopen().map_err(Error::Write)?;
        let ending = rewrite::rewrite(&name, &options, &shared, Box::new(out))?;
        Ok((temp, ending.failure))
    };
    let (mut temp, mut failure) = write()?;
    let decoding = options.decoding;
    if !check::scan(temp.path(), decoding, &shared.suspects())?.is_empty() {
        // A name met after a line that repeats it: again, knowing them all.
        shared.restart_with_all_names();
        (temp, failure) = write()?;
        let leaks = check::scan(temp.path(), decoding, &shared.all_names())?;
        if !leaks.is_empty() {
            return Err(Error::Leak(format!(
                "{} original identifier(s) would survive in {}",
                leaks.len(),
                output.display()
            )));
        }
    }
    let mut detector = Detector::default();
    shared.teach(&mut detector);
    let findings = check::detect(temp.path(), decoding, &mut detector)?;
    if !findings.is_empty() {
        return Err(Error::Leak(format!(
            "{} identifier-shaped token(s) would survive in {}",
            findings.len(),
            output.display()
        )));
    }
    temp.as_file_mut().flush().map_err(Error::Write)?;
    temp.persist(output).map_err(|e| Error::Write(e.error))?;
    failure.map_or(Ok(()), Err)
}
