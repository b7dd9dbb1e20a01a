//! Where `anonymize` writes: one output file for all inputs, or a directory
//! with one file per input, never two inputs on one file.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

use liclog::Error;
use liclog::anon::Shared;
use liclog::anon::rewrite::{self, Options};

/// The file each input is written to under `dir`: its `relative` path (its
/// own name, or its path below the directory it was found in), or, when
/// two inputs would meet (`a/x.log`, `b/x.log`), its path below the
/// directory all inputs share (`DIR/a/x.log`, `DIR/b/x.log`). Stdin is
/// `DIR/stdin`. Two inputs that would still meet are refused.
pub fn in_dir(dir: &str, inputs: &[String], relative: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let names = relative.to_vec();
    let relative = if all_distinct(&names) {
        names
    } else {
        below_common_dir(inputs)
    };
    if let Some((a, b, target)) = first_clash(inputs, &relative) {
        return Err(Error::Usage(format!(
            "{a} and {b} would both be written to {}; inputs are never merged or overwritten \
             (anonymize them in two runs, or give each once)",
            Path::new(dir).join(target).display()
        )));
    }
    Ok(relative.iter().map(|r| Path::new(dir).join(r)).collect())
}

fn all_distinct(paths: &[PathBuf]) -> bool {
    let mut seen = HashSet::new();
    paths.iter().all(|p| seen.insert(p))
}

/// Two inputs bound for one target, and that target.
fn first_clash<'a>(
    inputs: &'a [String],
    relative: &'a [PathBuf],
) -> Option<(&'a str, &'a str, &'a Path)> {
    let mut seen = HashMap::new();
    for (input, rel) in inputs.iter().zip(relative) {
        if let Some(first) = seen.insert(rel, input) {
            return Some((first.as_str(), input.as_str(), rel.as_path()));
        }
    }
    None
}

/// Each input's path below the deepest directory holding all of them.
pub fn below_common_dir(inputs: &[String]) -> Vec<PathBuf> {
    let absolute: Vec<Vec<OsString>> = inputs
        .iter()
        .map(|i| match i.as_str() {
            "-" => vec!["stdin".into()],
            _ => lexical(i),
        })
        .collect();
    let dirs = absolute.iter().map(|c| &c[..c.len().saturating_sub(1)]);
    let common = dirs
        .reduce(|a, b| {
            let n = a.iter().zip(b).take_while(|(x, y)| x == y).count();
            &a[..n]
        })
        .map_or(0, <[_]>::len);
    absolute
        .iter()
        .map(|c| c[common.min(c.len().saturating_sub(1))..].iter().collect())
        .collect()
}

/// The names along the absolute path, `.` and `..` resolved without the
/// file system (the root, which all share, left out).
fn lexical(input: &str) -> Vec<OsString> {
    let path = std::path::absolute(input).unwrap_or_else(|_| PathBuf::from(input));
    let mut out = Vec::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(name) => out.push(name.to_os_string()),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    out
}

/// One output file takes inputs of one format, compression and encoding
/// only: a FlexNet log followed by an RLM reportlog, or a gzip member
/// followed by plain text, is no log any tool reads.
pub fn one_shape(inputs: &[String], options: &Options) -> Result<(), Error> {
    let mut first: Option<(String, String)> = None;
    for name in inputs {
        let (input, format) = rewrite::open(name, options)?;
        let shape = format!(
            "{} ({}, {})",
            format.name(),
            input.compression.name(),
            input.encoding
        );
        match &first {
            None => first = Some((name.clone(), shape)),
            Some((a, s)) if *s != shape => {
                return Err(Error::Usage(format!(
                    "{a} is {s} but {name} is {shape}: one output file takes inputs of one \
                     format, compression and encoding; give -o a directory (-o DIR/) for one \
                     file per input"
                )));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Each target under `dir`, with the names and identifier shapes of its
/// path below `dir` replaced (`DIR/jdoe/lic01.log` → `DIR/u-…/h-….log`);
/// the directories they need are made. Two that would meet are refused.
///
/// The directories are rewritten from the input's whole path, and its last
/// ones kept: a walk of `/home/` gives `jdoe/x.log`, whose `jdoe` only the
/// whole path shows to be a home directory.
pub fn anonymized(
    dir: &str,
    pairs: &[(&str, &str)],
    shared: &Shared,
) -> Result<Vec<String>, Error> {
    let mut seen = HashSet::new();
    let mut renamed = Vec::new();
    let names = shared.all_names();
    for &(target, input) in pairs {
        let below = Path::new(target)
            .strip_prefix(dir)
            .unwrap_or(Path::new(target));
        let file_name = below
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let below_dir = below.parent().unwrap_or(Path::new(""));
        let depth = below_dir.components().count();
        let whole_dir = std::fs::canonicalize(input)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .filter(|p| p.ends_with(below_dir))
            .unwrap_or_else(|| below_dir.to_path_buf());
        let rewritten = PathBuf::from(shared.rewrite_name(&whole_dir.to_string_lossy(), &names));
        let parts: Vec<_> = rewritten.components().collect();
        let mut kept: PathBuf = parts[parts.len().saturating_sub(depth)..].iter().collect();
        kept.push(shared.rewrite_name(&file_name, &names));
        let path = Path::new(dir).join(kept);
        if !seen.insert(path.clone()) {
            return Err(Error::Usage(format!(
                "two inputs would both be written to {} once their names are anonymized; \
                 write them in two runs",
                path.display()
            )));
        }
        if let Some(parent) = path.parent() {
            super::cleanup::create_dir_all(parent)
                .map_err(|e| super::output::named(Error::Write(e), target))?;
        }
        renamed.push(path.to_string_lossy().into_owned());
    }
    Ok(renamed)
}

/// Removes the directories between `file` and `root` that are left empty
/// (made for a target whose name was then anonymized).
pub fn remove_empty_parents(file: &Path, root: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == root || !d.starts_with(root) || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(inputs: &[&str]) -> Result<Vec<String>, Error> {
        let inputs: Vec<String> = inputs.iter().map(|s| s.to_string()).collect();
        let expanded = liclog::batch::walk::expand(&inputs, &Default::default()).unwrap();
        let relative: Vec<PathBuf> = expanded.files.iter().map(|f| f.relative.clone()).collect();
        in_dir("out", &inputs, &relative)
            .map(|v| v.iter().map(|p| p.to_string_lossy().into_owned()).collect())
    }

    #[test]
    fn distinct_names_stay_flat() {
        assert_eq!(
            targets(&["a/x.log", "b/y.log", "-"]).unwrap(),
            ["out/x.log", "out/y.log", "out/stdin"]
        );
    }

    #[test]
    fn shared_names_mirror_the_paths_below_their_common_directory() {
        assert_eq!(
            targets(&["logs/a/x.log", "logs/b/x.log", "logs/x.log"]).unwrap(),
            ["out/a/x.log", "out/b/x.log", "out/x.log"]
        );
        assert_eq!(
            targets(&["/srv/a/x.log", "./b/../c/x.log"]).unwrap().len(),
            2
        );
    }

    #[test]
    fn the_same_file_twice_is_refused() {
        let err = targets(&["a/x.log", "a/./x.log"]).unwrap_err().to_string();
        assert!(
            err.contains("a/x.log and a/./x.log would both be written to out/x.log"),
            "{err}"
        );
    }
}
