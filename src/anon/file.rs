//! One file anonymized and proven clean, for library users: what `liclog
//! anonymize IN -o OUT` does, without the command line.

use std::path::Path;
use std::sync::Arc;

use super::check;
use super::detector::Detector;
use super::fields::Selection;
use super::rewrite::{self, Options};
use super::{Key, Shared};
use crate::error::{Error, Result};
use crate::seal::Seal;

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
    let temp_in = |dir: &Path| {
        tempfile::Builder::new()
            .prefix(".liclog-")
            .tempfile_in(dir)
            .map_err(Error::Write)
    };
    // Sealed until proven clean: a run killed before then leaves noise.
    let seal = Arc::new(Seal::new().map_err(Error::Write)?);
    let write = || -> Result<(Sealed, Option<Error>)> {
        let temp = Sealed::new(temp_in(dir)?, &seal)?;
        let out = seal.writer(temp.file().reopen().map_err(Error::Write)?, 0);
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
    seal.unseal_in_place(temp.file().as_file())
        .map_err(Error::Write)?;
    temp.persist(output)?;
    failure.map_or(Ok(()), Err)
}

/// A sealed temporary file, read unsealed by its path while it lives.
struct Sealed(Option<tempfile::NamedTempFile>);

impl Sealed {
    fn new(file: tempfile::NamedTempFile, seal: &Arc<Seal>) -> Result<Sealed> {
        let reader = file.reopen().map_err(Error::Write)?;
        crate::input::read_sealed(&file.path().to_string_lossy(), reader, seal.clone());
        Ok(Sealed(Some(file)))
    }

    fn file(&self) -> &tempfile::NamedTempFile {
        self.0.as_ref().expect("a live temporary file")
    }

    fn path(&self) -> &Path {
        self.file().path()
    }

    /// Renames the file, unsealed, to `target`.
    fn persist(mut self, target: &Path) -> Result<()> {
        let file = self.0.take().expect("a live temporary file");
        crate::input::forget_sealed(&file.path().to_string_lossy());
        file.persist(target)
            .map(drop)
            .map_err(|e| Error::Write(e.error))
    }
}

impl Drop for Sealed {
    fn drop(&mut self) {
        if let Some(file) = &self.0 {
            crate::input::forget_sealed(&file.path().to_string_lossy());
        }
    }
}
