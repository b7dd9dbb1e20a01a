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
