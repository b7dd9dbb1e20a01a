//! The inputs as given on the command line, made into the files to read:
//! `-`, files, directories walked recursively, and glob patterns the shell
//! did not expand (`"logs/**/*.gz"`).
//!
//! A walk skips hidden files and directories, `--exclude` patterns, and
//! liclog's own outputs (the output file or directory, the manifest). It
//! follows symbolic links, and a link that leads back into its own
//! directory is skipped with a warning rather than followed forever.
//! Files named on the command line are always read.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobMatcher, GlobSet, GlobSetBuilder};

use crate::error::{Error, Result};

#[derive(Clone, Debug, Default)]
pub struct WalkOptions {
    /// `--exclude`: matched against each path below the walked directory
    /// and against its file name.
    pub exclude: Vec<String>,
    /// Paths never read: outputs of this run.
    pub own: Vec<PathBuf>,
}

/// One file to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The path to open and to show (`-` for stdin).
    pub name: String,
    /// Its path below the directory or pattern it was found by, or its file
    /// name when it was named itself: where `-o DIR/` writes its output.
    pub relative: PathBuf,
    /// Found by a walk or a pattern rather than named: a file that is not
    /// a log is skipped, not an error.
    pub walked: bool,
}

#[derive(Debug, Default)]
pub struct Expanded {
    pub files: Vec<Found>,
    pub warnings: Vec<String>,
    /// Directories and patterns that gave no file.
    pub failures: Vec<Error>,
}

/// Expands every input in order; a directory's files come sorted by name.
pub fn expand(inputs: &[String], options: &WalkOptions) -> Result<Expanded> {
    let exclude = exclude_set(&options.exclude)?;
    let own: Vec<PathBuf> = options
        .own
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    let mut out = Expanded::default();
    for input in inputs {
        let path = Path::new(input);
        if input == "-" || (!path.is_dir() && (path.exists() || !is_pattern(input))) {
            let relative = match input.as_str() {
                "-" => PathBuf::from("stdin"),
                _ => path.file_name().map(PathBuf::from).unwrap_or_default(),
            };
            out.files.push(Found {
                name: input.clone(),
                relative,
                walked: false,
            });
        } else {
            let before = out.files.len();
            if path.is_dir() {
                walk(path, None, &exclude, &own, &mut out);
            } else {
                let (root, matcher) = pattern(input)?;
                walk(&root, Some(&matcher), &exclude, &own, &mut out);
            }
            if out.files.len() == before {
                out.failures.push(Error::NoFiles {
                    input: input.clone(),
                });
            }
        }
    }
    Ok(out)
}

fn is_pattern(s: &str) -> bool {
    s.contains(['*', '?', '[', '{'])
}

fn exclude_set(patterns: &[String]) -> Result<GlobSet> {
    let mut set = GlobSetBuilder::new();
    for p in patterns {
        let glob = Glob::new(p)
            .map_err(|e| Error::Usage(format!("--exclude {p:?} is not a valid pattern: {e}")))?;
        set.add(glob);
    }
    set.build()
        .map_err(|e| Error::Usage(format!("--exclude: {e}")))
}

/// The directory a pattern's literal part names, and a matcher for the
/// paths below it.
fn pattern(input: &str) -> Result<(PathBuf, GlobMatcher)> {
    let mut root = PathBuf::new();
    let mut rest = Vec::new();
    for part in input.split('/') {
        if rest.is_empty() && !is_pattern(part) {
            root.push(if part.is_empty() { "/" } else { part });
        } else {
            rest.push(part);
        }
    }
    let below = rest.join("/");
    let glob = globset::GlobBuilder::new(&below)
        .literal_separator(true)
        .build()
        .map_err(|e| Error::Usage(format!("{input:?} is not a valid pattern: {e}")))?;
    if root.as_os_str().is_empty() {
        root.push(".");
    }
    Ok((root, glob.compile_matcher()))
}

fn walk(
    root: &Path,
    matcher: Option<&GlobMatcher>,
    exclude: &GlobSet,
    own: &[PathBuf],
    out: &mut Expanded,
) {
    let is_own = |p: &Path| {
        !own.is_empty()
            && std::fs::canonicalize(p).is_ok_and(|c| own.iter().any(|o| c.starts_with(o)))
    };
    let entries = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let hidden = e.depth() > 0 && e.file_name().to_string_lossy().starts_with('.');
            let below = e.path().strip_prefix(root).unwrap_or(e.path());
            let excluded =
                e.depth() > 0 && (exclude.is_match(below) || exclude.is_match(e.file_name()));
            !hidden && !excluded && !is_own(e.path())
        });
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let at = e.path().map(Path::to_path_buf).unwrap_or_default();
                match e.loop_ancestor() {
                    Some(a) => out.warnings.push(format!(
                        "{}: skipped: a symbolic link back to {}",
                        at.display(),
                        a.display()
                    )),
                    // A file that cannot be looked at (a dangling link, a
                    // directory without permission): it fails when read, and
                    // the run and the manifest say so.
                    None => out.files.push(Found {
                        name: at.to_string_lossy().into_owned(),
                        relative: at.strip_prefix(root).unwrap_or(&at).to_path_buf(),
                        walked: true,
                    }),
                }
                continue;
            }
        };
        if entry.file_type().is_dir() {
            continue;
        }
        let below = entry.path().strip_prefix(root).unwrap_or(entry.path());
        if matcher.is_some_and(|m| !m.is_match(below)) {
            continue;
        }
        out.files.push(Found {
            name: entry.path().to_string_lossy().into_owned(),
            relative: below.to_path_buf(),
            walked: true,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(e: &Expanded, root: &Path) -> Vec<String> {
        e.files
            .iter()
            .map(|f| {
                let p = Path::new(&f.name);
                p.strip_prefix(root).unwrap_or(p).display().to_string()
            })
            .collect()
    }

    #[test]
    fn walks_sorted_skipping_hidden_excluded_and_own_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "b/2.log",
            "b/1.log.gz",
            "a.log",
            ".hidden/x.log",
            "b/.y.log",
            "out/o.jsonl",
        ] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x\n").unwrap();
        }
        let options = WalkOptions {
            exclude: vec!["*.gz".into()],
            own: vec![root.join("out")],
        };
        let e = expand(&[root.display().to_string()], &options).unwrap();
        assert_eq!(names(&e, root), ["a.log", "b/2.log"]);
        assert_eq!(e.files[1].relative, Path::new("b/2.log"));
        assert!(e.files.iter().all(|f| f.walked));

        let pattern = format!("{}/**/*.gz", root.display());
        let e = expand(&[pattern], &WalkOptions::default()).unwrap();
        assert_eq!(names(&e, root), ["b/1.log.gz"]);
        let pattern = format!("{}/*.gz", root.display());
        let e = expand(&[pattern], &WalkOptions::default()).unwrap();
        assert!(e.files.is_empty());
        assert!(matches!(e.failures[..], [Error::NoFiles { .. }]));
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_loop_is_skipped_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("d")).unwrap();
        std::fs::write(dir.path().join("d/a.log"), "x\n").unwrap();
        std::os::unix::fs::symlink("..", dir.path().join("d/up")).unwrap();
        let e = expand(&[dir.path().display().to_string()], &WalkOptions::default()).unwrap();
        assert_eq!(e.files.len(), 1);
        assert!(
            e.warnings[0].contains("symbolic link back"),
            "{:?}",
            e.warnings
        );
    }
}
