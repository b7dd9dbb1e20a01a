//! Output targets: stdout, or a file written atomically (a temporary file
//! beside the target, renamed over it only once everything is written).

use std::fs::File;
use std::io::{self, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use liclog::Error;
use liclog::seal::Seal;
use tempfile::NamedTempFile;

use super::cleanup;

pub enum Output {
    Stdout,
    /// An existing target that is not a regular file (`/dev/null`, a FIFO):
    /// renaming over it would replace the device, so it is written in place.
    Device(File),
    File {
        temp: Temp,
        target: PathBuf,
    },
    /// Stdout (`to` is `None`) or a device, written to a temporary file
    /// first, because the output is read back before it is passed on.
    Spooled {
        temp: Temp,
        to: Option<File>,
    },
}

impl Output {
    pub fn create(path: &str) -> io::Result<Output> {
        if path == "-" {
            return Ok(Output::Stdout);
        }
        let target = PathBuf::from(path);
        let meta = std::fs::metadata(&target);
        if let Ok(meta) = &meta
            && is_input(meta)
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                InputAsOutput(path.to_string()),
            ));
        }
        if let Ok(meta) = meta
            && !meta.is_file()
        {
            if meta.is_dir() {
                return Err(io::Error::other(format!("{path} is a directory")));
            }
            return Ok(Output::Device(
                std::fs::OpenOptions::new().write(true).open(&target)?,
            ));
        }
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let temp = Temp::new(
            tempfile::Builder::new()
                .prefix(".liclog-")
                .suffix(".tmp")
                .tempfile_in(&dir)?,
        );
        Ok(Output::File { temp, target })
    }

    /// Like [`Output::create`], for an output read back before it is
    /// committed (the leak check): it goes to a temporary file, sealed
    /// ([`liclog::seal`]) since it may hold names until the check passes,
    /// and unsealed as it is committed. An output that cannot be read back
    /// (stdout, a device) goes to a temporary file too.
    pub fn create_readable(path: &str) -> io::Result<Output> {
        let spool = || {
            let temp = tempfile::Builder::new().prefix(".liclog-out-").tempfile()?;
            Temp::sealed(temp)
        };
        Ok(match Output::create(path)? {
            Output::Stdout => Output::Spooled {
                temp: spool()?,
                to: None,
            },
            Output::Device(f) => Output::Spooled {
                temp: spool()?,
                to: Some(f),
            },
            Output::File { temp, target } => Output::File {
                temp: temp.seal()?,
                target,
            },
            spooled @ Output::Spooled { .. } => spooled,
        })
    }

    /// Commits to `target` instead (a file renamed before it is done).
    pub fn retarget(&mut self, to: &str) {
        if let Output::File { target, .. } = self {
            *target = PathBuf::from(to);
        }
    }

    /// Where what was written so far can be read back.
    pub fn written_path(&self) -> Option<&Path> {
        match self {
            Output::File { temp, .. } | Output::Spooled { temp, .. } => Some(temp.path()),
            Output::Stdout | Output::Device(_) => None,
        }
    }

    pub fn writer(&self) -> io::Result<Box<dyn Write + Send>> {
        Ok(match self {
            Output::Stdout => Box::new(io::stdout()),
            Output::Device(f) => Box::new(f.try_clone()?),
            Output::File { temp, .. } | Output::Spooled { temp, .. } => {
                let mut file = temp.as_file().try_clone()?;
                match &temp.seal {
                    // A second writer (one per input into one file) goes
                    // on where the first stopped: the keystream follows.
                    Some(seal) => {
                        let pos = file.stream_position()?;
                        Box::new(seal.writer(file, pos))
                    }
                    None => Box::new(file),
                }
            }
        })
    }

    /// Makes the output visible under its name (no fsync: the guarantee is
    /// that a failed run leaves no partial file, not durability on power loss). Dropping an `Output`
    /// without committing deletes the temporary file.
    pub fn commit(self) -> io::Result<()> {
        match self {
            Output::File { temp, target } => {
                let temp = temp.unsealed()?;
                set_mode_like(&target, temp.as_file())?;
                temp.persist(&target)?;
            }
            Output::Spooled { temp, to } => match to {
                Some(mut device) => temp.copy_to(&mut device)?,
                None => temp.copy_to(&mut io::stdout().lock())?,
            },
            Output::Stdout | Output::Device(_) => {}
        }
        Ok(())
    }
}

/// The identity (device, inode) of every input file of this run: an
/// output that is one of them would destroy it, whatever name reaches it
/// (`x.log`, `./x.log`, a hard link, a symbolic link).
static INPUTS: Mutex<Vec<(u64, u64)>> = Mutex::new(Vec::new());

/// Records `paths` as inputs: [`Output::create`] refuses to write over them.
pub fn protect_inputs<'a>(paths: impl IntoIterator<Item = &'a str>) {
    let mut ids: Vec<(u64, u64)> = paths
        .into_iter()
        .filter(|p| *p != "-")
        .filter_map(|p| std::fs::metadata(p).ok())
        .filter(std::fs::Metadata::is_file)
        .filter_map(|m| identity(&m))
        .collect();
    let mut inputs = INPUTS.lock().unwrap_or_else(PoisonError::into_inner);
    inputs.append(&mut ids);
    inputs.sort_unstable();
    inputs.dedup();
}

fn is_input(meta: &std::fs::Metadata) -> bool {
    let inputs = INPUTS.lock().unwrap_or_else(PoisonError::into_inner);
    meta.is_file() && identity(meta).is_some_and(|id| inputs.binary_search(&id).is_ok())
}

#[cfg(unix)]
fn identity(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn identity(_meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// An output that is one of the run's inputs.
#[derive(Debug)]
pub struct InputAsOutput(pub String);

impl std::fmt::Display for InputAsOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} is an input of this run: inputs are never overwritten (write to another path)",
            self.0
        )
    }
}

impl std::error::Error for InputAsOutput {}

/// The temporary file is private (0600); the result should have the mode a
/// plain create would give, or the mode of the file it replaces.
fn set_mode_like(target: &Path, file: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(target)
            .map(|m| m.permissions().mode())
            .unwrap_or(0o644);
        file.set_permissions(std::fs::Permissions::from_mode(mode & 0o7777))?;
    }
    #[cfg(not(unix))]
    let _ = (target, file);
    Ok(())
}

/// A temporary file that is removed when dropped, and also when the run is
/// interrupted by a signal ([`cleanup`]).
pub struct Temp {
    file: Option<NamedTempFile>,
    /// Set when what is written is sealed; reads of the path unseal it.
    seal: Option<Arc<Seal>>,
}

impl Temp {
    pub fn new(file: NamedTempFile) -> Temp {
        cleanup::register(file.path());
        Temp {
            file: Some(file),
            seal: None,
        }
    }

    fn sealed(file: NamedTempFile) -> io::Result<Temp> {
        Temp::new(file).seal()
    }

    /// Seals what is written from now on (nothing is written yet).
    fn seal(mut self) -> io::Result<Temp> {
        let seal = Arc::new(Seal::new()?);
        liclog::input::read_sealed(&self.path().to_string_lossy(), self.reopen()?, seal.clone());
        self.seal = Some(seal);
        Ok(self)
    }

    /// The plain text, where it stands; `self` when it is not sealed.
    fn unsealed(mut self) -> io::Result<Temp> {
        if let Some(seal) = self.seal.take() {
            seal.unseal_in_place(self.as_file())?;
            liclog::input::forget_sealed(&self.path().to_string_lossy());
        }
        Ok(self)
    }

    /// Copies the plain text to `to`.
    fn copy_to(&self, to: &mut dyn Write) -> io::Result<()> {
        match &self.seal {
            Some(seal) => seal.unseal_to(self.reopen()?, to),
            None => {
                io::copy(&mut self.reopen()?, to)?;
                to.flush()
            }
        }
    }

    fn inner(&self) -> &NamedTempFile {
        self.file.as_ref().expect("a live temporary file")
    }

    pub fn path(&self) -> &Path {
        self.inner().path()
    }

    pub fn as_file(&self) -> &File {
        self.inner().as_file()
    }

    pub fn as_file_mut(&mut self) -> &mut File {
        self.file
            .as_mut()
            .expect("a live temporary file")
            .as_file_mut()
    }

    pub fn reopen(&self) -> io::Result<File> {
        self.inner().reopen()
    }

    /// Renames the file to `target`.
    pub fn persist(mut self, target: &Path) -> io::Result<()> {
        let file = self.file.take().expect("a live temporary file");
        let path = file.path().to_path_buf();
        let result = file.persist(target).map(drop).map_err(|e| e.error);
        cleanup::forget(&path);
        result
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if let Some(file) = self.file.take() {
            let path = file.path().to_path_buf();
            drop(file);
            cleanup::forget(&path);
            if self.seal.is_some() {
                liclog::input::forget_sealed(&path.to_string_lossy());
            }
        }
    }
}

/// Names the user's target in a write error, never the temporary file
/// behind it. Stdout keeps the plain error (a broken pipe is found there).
pub fn named(err: Error, target: &str) -> Error {
    if let Error::Write(e) | Error::WriteTo { source: e, .. } = &err
        && let Some(same) = e.get_ref().and_then(|i| i.downcast_ref::<InputAsOutput>())
    {
        return Error::Usage(same.to_string());
    }
    match err {
        Error::Write(e) if target != "-" => Error::WriteTo {
            target: target.to_string(),
            source: without_temp_path(e),
        },
        other => other,
    }
}

/// `tempfile` wraps errors with "at path .liclog-XXXX.tmp": keep the
/// operating system's error alone.
fn without_temp_path(e: io::Error) -> io::Error {
    let message = e.get_ref().map(|inner| inner.to_string());
    match message
        .as_deref()
        .and_then(|m| m.find(" at path ").map(|i| &m[..i]))
    {
        Some(plain) => io::Error::new(e.kind(), plain.to_string()),
        None => e,
    }
}
