//! What `convert` and `anonymize` share for batches: the options, the
//! expansion and planning of the inputs, the progress bar, the paths of
//! `-o DIR/` mirrors, and the manifest.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use liclog::batch::manifest::{self, Record};
use liclog::batch::walk::{self, WalkOptions};
use liclog::batch::{Plan, PlanOptions, Status};
use liclog::input::Input;
use liclog::{Error, Format};

use super::output::Output;

#[derive(clap::Args, Clone, Debug, Default)]
pub struct BatchArgs {
    /// Leave out files and directories matching this glob when walking a directory (e.g. '*.bak', 'old/**'); repeatable
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Read every file whole, even duplicates and lines another file holds
    #[arg(long)]
    pub no_dedup: bool,
    /// Threads to read with (default: one per core); 1 reads one file at a time, sequentially
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: Option<u16>,
    /// Write one JSON line per input (hash, format, counts, status, output) to PATH, even when inputs fail
    #[arg(long, value_name = "PATH")]
    pub manifest: Option<PathBuf>,
    /// Skip inputs whose content hash is in this earlier manifest (a nightly run converts only what is new)
    #[arg(long, value_name = "MANIFEST")]
    pub skip_known: Option<PathBuf>,
}

/// The planned inputs, and the pool they are read on.
pub struct Batch {
    pub plan: Plan,
    /// Directories and patterns that gave no file: failures of the run.
    pub failures: Vec<Error>,
    pub pool: rayon::ThreadPool,
}

impl Batch {
    /// Expands and plans `inputs`, printing the warnings (and with
    /// `verbose`, the order); `own`: this run's outputs, never read.
    pub fn prepare(
        inputs: &[String],
        args: &BatchArgs,
        own: Vec<PathBuf>,
        mut options: PlanOptions,
        verbose: bool,
    ) -> Result<Batch, Error> {
        let threads = args.threads.map_or(0, usize::from);
        liclog::read::parallel::set_threads(threads);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(liclog::read::parallel::threads())
            .thread_name(|i| format!("liclog-read-{i}"))
            .build()
            .map_err(|e| Error::Usage(format!("cannot start threads: {e}")))?;
        let mut own = own;
        own.extend(args.manifest.clone());
        let walk_options = WalkOptions {
            exclude: args.exclude.clone(),
            own,
        };
        let expanded = walk::expand(inputs, &walk_options)?;
        super::output::protect_inputs(expanded.files.iter().map(|f| f.name.as_str()));
        for target in walk_options.own.iter().filter(|t| t.is_file()) {
            // Refused before any work, whatever the command.
            let target = target.to_string_lossy();
            if let Err(e) = Output::create(&target) {
                return Err(super::output::named(Error::Write(e), &target));
            }
        }
        for w in &expanded.warnings {
            diag!("liclog: warning: {w}");
        }
        options.dedup = !args.no_dedup;
        if let Some(path) = &args.skip_known {
            options.known = manifest::known(path)?;
        }
        let found = sentinel_series_first(expanded.files, &options);
        let plan = pool.install(|| liclog::batch::plan::plan(found, &options));
        for w in &plan.warnings {
            diag!("liclog: warning: {w}");
        }
        let mut known = 0;
        for e in &plan.entries {
            let is_known = e.note.as_deref() == Some(manifest::KNOWN);
            known += usize::from(is_known);
            match (e.status, &e.same_as) {
                (Status::Skipped, _) if (e.found.walked && !is_known) || verbose => diag!(
                    "liclog: warning: {}: skipped: {}",
                    e.found.name,
                    e.note.as_deref().unwrap_or("")
                ),
                (Status::Duplicate, Some(same)) => diag!(
                    "liclog: note: {}: same content as {same}; not read again",
                    e.found.name
                ),
                (Status::OverlapTrimmed, Some(same)) => diag!(
                    "liclog: note: {}: its first {} lines are in {same}; read from line {}",
                    e.found.name,
                    e.skip_lines,
                    e.skip_lines + 1
                ),
                _ => {}
            }
        }
        if known > 0 && !verbose {
            diag!("liclog: note: {known} input(s) skipped: in the earlier manifest");
        }
        if verbose {
            print_order(&plan);
        }
        Ok(Batch {
            plan,
            failures: expanded.failures,
            pool,
        })
    }
}

/// Sentinel rotation series (`lserv.log`, `lserv.log.NN`) keep their
/// order by startup time ([`liclog::series`]); the planner keeps the order
/// it is given for Sentinel files.
fn sentinel_series_first(found: Vec<walk::Found>, options: &PlanOptions) -> Vec<walk::Found> {
    let names: Vec<String> = found.iter().map(|f| f.name.clone()).collect();
    let series = liclog::series::plan(&names, options.decoding, options.from);
    for w in &series.warnings {
        diag!("liclog: warning: {w}");
    }
    let mut by_name: std::collections::HashMap<String, Vec<walk::Found>> =
        std::collections::HashMap::new();
    for f in found.into_iter().rev() {
        by_name.entry(f.name.clone()).or_default().push(f);
    }
    series
        .order
        .iter()
        .filter_map(|n| by_name.get_mut(n).and_then(Vec::pop))
        .collect()
}

fn print_order(plan: &Plan) {
    for (g, label) in plan.groups.iter().enumerate() {
        let members: Vec<&liclog::batch::Entry> = plan
            .entries
            .iter()
            .filter(|e| e.group == g && e.status.reads())
            .collect();
        let sentinel = members
            .iter()
            .any(|e| e.survey.as_ref().and_then(|s| s.format) == Some(Format::Sentinel));
        let by = if sentinel {
            "startup time"
        } else {
            "first dated event"
        };
        let names: Vec<&str> = members.iter().map(|e| e.found.name.as_str()).collect();
        if names.len() > 1 {
            diag!(
                "liclog: reading {label}: {} files, by {by}: {}",
                names.len(),
                names.join(", ")
            );
        }
    }
}

/// Where `-o DIR/` writes each input: its path below the directory or
/// pattern it was found by (or its name), its extension the output's; when
/// two inputs would meet (`a/x.log`, `b/x.log` named), their paths below
/// the directory all inputs share. Two inputs still bound for one file are
/// refused before any work.
pub fn mirrored(dir: &str, plan: &Plan, ext: Option<&str>) -> Result<Vec<PathBuf>, Error> {
    let read = plan.entries.iter().filter(|e| e.status.reads());
    let mut relative: Vec<PathBuf> = plan
        .entries
        .iter()
        .map(|e| with_extension(&e.found.relative, ext))
        .collect();
    let distinct: std::collections::HashSet<&PathBuf> = relative
        .iter()
        .zip(&plan.entries)
        .filter(|(_, e)| e.status.reads())
        .map(|(r, _)| r)
        .collect();
    if distinct.len() < read.count() {
        let names: Vec<String> = plan.entries.iter().map(|e| e.found.name.clone()).collect();
        relative = super::targets::below_common_dir(&names)
            .iter()
            .map(|r| with_extension(r, ext))
            .collect();
    }
    let mut seen = std::collections::HashMap::new();
    for (e, rel) in plan.entries.iter().zip(&relative) {
        if !e.status.reads() {
            continue;
        }
        if let Some(first) = seen.insert(rel, &e.found.name) {
            return Err(Error::Usage(format!(
                "{first} and {} would both be written to {}; inputs are never merged or \
                 overwritten (convert them in two runs, or give each once)",
                e.found.name,
                Path::new(dir).join(rel).display()
            )));
        }
    }
    Ok(relative.iter().map(|r| Path::new(dir).join(r)).collect())
}

/// `a/lmgrd.log.gz` -> `a/lmgrd.jsonl`; `lmgrd.log.3` -> `lmgrd.log.3.jsonl`
/// (a rotation number is kept: it tells the files apart). `None` keeps the
/// name (anonymize writes the log back in its own format), less `.gz`.
fn with_extension(path: &Path, ext: Option<&str>) -> PathBuf {
    let plain = match path.extension().and_then(|e| e.to_str()) {
        Some("gz" | "gzip") => path.with_extension(""),
        _ => path.to_path_buf(),
    };
    let Some(ext) = ext else { return plain };
    let stem = match plain.extension().and_then(|e| e.to_str()) {
        Some("log" | "txt" | "rl" | "dlog") => plain.with_extension(""),
        _ => plain,
    };
    let mut name = stem.into_os_string();
    name.push(".");
    name.push(ext);
    PathBuf::from(name)
}

/// The extension of one output file per input in `format`.
pub fn extension(format: Format) -> &'static str {
    match format {
        Format::Jsonl => "jsonl",
        Format::Csv => "csv",
        Format::RlmReport => "report.log",
        Format::Sentinel => "lserv.log",
        Format::Lmx => "lmx.log",
        _ => "log",
    }
}

/// Writes the manifest atomically.
pub fn write_manifest(path: &Path, records: &[Record]) -> Result<(), Error> {
    let target = path.to_string_lossy();
    let named = |e| super::output::named(Error::Write(e), &target);
    let output = Output::create(&target).map_err(named)?;
    let mut w = output.writer().map_err(named)?;
    for r in records {
        w.write_all(r.to_line().as_bytes()).map_err(named)?;
    }
    w.flush().map_err(named)?;
    drop(w);
    output.commit().map_err(named)
}

/// Files of one group that overlap in time, as read: a warning each, the
/// first few of them.
pub fn overlap_warnings(plan: &Plan, records: &[Record]) {
    const SHOWN: usize = 10;
    let mut overlaps = 0;
    let mut last: std::collections::HashMap<usize, (&str, &str)> = Default::default();
    for (e, r) in plan.entries.iter().zip(records) {
        let (Some(first), Some(end)) = (r.first.as_deref(), r.last.as_deref()) else {
            continue;
        };
        if let Some((name, prev_end)) = last.get(&e.group)
            && first < *prev_end
        {
            overlaps += 1;
            if overlaps > SHOWN {
                continue;
            }
            diag!(
                "liclog: warning: {} starts at {first}, before {name} ends ({prev_end}): \
                 the files overlap in time",
                e.found.name
            );
        }
        last.insert(e.group, (e.found.name.as_str(), end));
    }
    if overlaps > SHOWN {
        diag!(
            "liclog: warning: {} more files overlap the file before them in time",
            overlaps - SHOWN
        );
    }
}

/// One progress bar for the batch, on a terminal only: bytes of all the
/// inputs, files done out of the total, the current file. A ticker thread
/// reads the inputs' byte counters, so reading does no progress work.
pub struct Progress {
    bar: ProgressBar,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

#[derive(Default)]
struct State {
    done_bytes: u64,
    done_files: usize,
    files: usize,
    reading: Vec<(String, Arc<AtomicU64>)>,
}

impl Progress {
    /// `None` unless stderr is a terminal (and the data does not go to it).
    pub fn start(plan: &Plan, data_to_terminal: bool) -> Option<Progress> {
        if !std::io::stderr().is_terminal() || data_to_terminal {
            return None;
        }
        let reading = plan.entries.iter().filter(|e| e.status.reads());
        let (files, bytes) = reading.fold((0, 0), |(n, b), e| {
            (
                n + 1,
                b + e.survey.as_ref().and_then(|s| s.size).unwrap_or(0),
            )
        });
        let bar = ProgressBar::new(bytes);
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} {wide_bar} {bytes}/{total_bytes} {binary_bytes_per_sec} {eta}",
            )
            .expect("valid template"),
        );
        let state = Arc::new(Mutex::new(State {
            files,
            ..State::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (b, s, flag) = (bar.clone(), state.clone(), stop.clone());
        std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                if let Ok(st) = s.lock() {
                    let reading: u64 = st
                        .reading
                        .iter()
                        .map(|(_, n)| n.load(Ordering::Relaxed))
                        .sum();
                    b.set_position(st.done_bytes + reading);
                    let current = st.reading.last().map_or("", |(n, _)| n.as_str());
                    b.set_message(format!("{}/{} {current}", st.done_files, st.files));
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        Some(Progress { bar, state, stop })
    }

    pub fn opened(&self, input: &Input) {
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        st.reading
            .push((input.name.clone(), input.stored_read.clone()));
    }

    pub fn finished(&self, name: &str, size: Option<u64>) {
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        st.reading.retain(|(n, _)| n != name);
        st.done_bytes += size.unwrap_or(0);
        st.done_files += 1;
    }

    pub fn finish(self) {
        self.stop.store(true, Ordering::Relaxed);
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirrored_names_keep_rotation_numbers() {
        let ext = |p: &str, e| with_extension(Path::new(p), e).display().to_string();
        assert_eq!(ext("a/lmgrd.log.gz", Some("jsonl")), "a/lmgrd.jsonl");
        assert_eq!(ext("lmgrd.log.3", Some("csv")), "lmgrd.log.3.csv");
        assert_eq!(
            ext("lserv.log.0042.gz", Some("jsonl")),
            "lserv.log.0042.jsonl"
        );
        assert_eq!(ext("x.rl", Some("log")), "x.log");
        assert_eq!(ext("a/x.log.gz", None), "a/x.log");
    }
}
