//! Temporary files that must not outlive an interrupted run.
//!
//! Outputs are written to a temporary file beside the target and renamed
//! over it at the end. `tempfile` deletes that file when it is dropped, but
//! SIGINT or SIGTERM ends the process without unwinding, which would leave
//! a hidden file of hundreds of megabytes behind (or, for a spooled output,
//! anonymized data nobody asked to keep). A watcher thread removes every
//! registered file on those signals and exits with the shell's code for
//! them (130, 143).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// A set: `anonymize -o DIR/` over 10,000 inputs registers 10,000 files.
static PENDING: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

fn pending() -> MutexGuard<'static, Option<HashSet<PathBuf>>> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Starts the watcher; once per process, before any output is created.
pub fn install() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return; // no watcher: the files are still removed on every other exit
        };
        std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                for path in pending().take().unwrap_or_default() {
                    let _ = std::fs::remove_file(path);
                }
                remove_new_dirs();
                std::process::exit(128 + signal);
            }
        });
    }
}

/// Removes `path` if the process is interrupted before [`forget`].
pub fn register(path: &Path) {
    pending()
        .get_or_insert_with(HashSet::new)
        .insert(path.to_path_buf());
}

/// `path` was renamed into place or deleted: nothing to clean up.
pub fn forget(path: &Path) {
    if let Some(set) = pending().as_mut() {
        set.remove(path);
    }
}

/// Directories this run created for its outputs, outermost first.
static NEW_DIRS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// `create_dir_all`, remembering each directory it made: a run that fails
/// or is interrupted removes those left empty ([`remove_new_dirs`]).
pub fn create_dir_all(dir: &Path) -> std::io::Result<()> {
    let mut missing = Vec::new();
    let mut d = Some(dir);
    while let Some(p) = d.filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
        missing.push(p.to_path_buf());
        d = p.parent();
    }
    std::fs::create_dir_all(dir)?;
    let mut dirs = NEW_DIRS.lock().unwrap_or_else(|e| e.into_inner());
    dirs.extend(missing.into_iter().rev());
    Ok(())
}

/// Removes the directories [`create_dir_all`] made that are still empty,
/// innermost first (a directory holding a committed output stays).
pub fn remove_new_dirs() {
    let dirs = std::mem::take(&mut *NEW_DIRS.lock().unwrap_or_else(|e| e.into_inner()));
    for dir in dirs.iter().rev() {
        let _ = std::fs::remove_dir(dir);
    }
}
