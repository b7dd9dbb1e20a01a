//! `liclog verify`: a file (or a tree of them) checked for surviving
//! identifiers, in three ways: by shape (the detector), by field (every
//! user, host and other identifying field of a file liclog can read must
//! hold a pseudonym), and, given the original, by the original's names.

use std::path::{Path, PathBuf};

use liclog::anon::check::{self, Leak, Unreplaced};
use liclog::anon::detector::{Detector, Finding};
use liclog::anon::fields::Selection;
use liclog::anon::names::NameSet;
use liclog::anon::rewrite::Options;
use liclog::input::Decoding;
use liclog::read::ReadOptions;
use liclog::{Error, Format};

use super::leaks::{print_fields, print_findings, print_leaks};
use super::parse::parse_format;
use super::report;
use crate::exit;

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// Format of ORIGINAL; detected when omitted
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    from: Option<Format>,
    /// Encoding of inputs without a BOM
    #[arg(long, value_name = "LABEL")]
    encoding: Option<String>,
    /// Accept tokens this regular expression matches whole (a documented exception); repeatable
    #[arg(long, value_name = "PATTERN")]
    allow: Vec<String>,
    /// With two paths: the original log (or a directory of them). With one: the file or directory to check
    #[arg(value_name = "ORIGINAL")]
    original: String,
    /// The anonymized version of ORIGINAL (a file or a directory, as `anonymize -o DIR/` writes it): the same format, or liclog's CSV or JSONL
    #[arg(value_name = "ANONYMIZED")]
    anonymized: Option<String>,
}

/// `verify FILE`: the detector, and the fields of a file liclog reads.
/// `verify ORIGINAL ANONYMIZED`: also the identifiers of ORIGINAL, as
/// written and in any letter case; an address the original never held is
/// a new one, so no leak.
pub fn verify(args: VerifyArgs) -> u8 {
    match check(args) {
        Ok(code) => code,
        Err(e) => report(&e),
    }
}

/// What was found in one checked file.
#[derive(Default)]
struct Found {
    leaks: Vec<Leak>,
    findings: Vec<Finding>,
    fields: Vec<Unreplaced>,
}

impl Found {
    fn count(&self) -> usize {
        self.leaks.len() + self.findings.len() + self.fields.len()
    }
}

fn check(args: VerifyArgs) -> Result<u8, Error> {
    let decoding = Decoding::from_label(args.encoding.as_deref())?;
    let original_options = Options {
        from: args.from,
        decoding,
        read: ReadOptions::default(),
    };
    let mut detector = Detector::new(&args.allow).map_err(Error::Usage)?;
    let (checked, names) = match &args.anonymized {
        Some(anonymized) => {
            let mut names = NameSet::default();
            let mut addresses = std::collections::HashSet::new();
            for file in files(&args.original)? {
                let name = file.to_string_lossy();
                let learned = check::learn(&name, &original_options, &Selection::default())?;
                for (name, class) in learned.names() {
                    names.insert(class, name);
                }
                addresses.extend(check::addresses(&file, decoding)?);
            }
            for (name, _) in names.names() {
                detector.learn(name);
            }
            detector.only_addresses(addresses);
            (anonymized.as_str(), Some(names))
        }
        None => (args.original.as_str(), None),
    };
    // The checked files are detected one by one: an anonymized tree may
    // hold several formats, and liclog's CSV or JSONL.
    let checked_options = Options {
        from: None,
        ..original_options
    };
    let (mut total, mut files_checked, mut by_shape_only) = (0, 0, Vec::new());
    let root = Path::new(checked);
    for file in files(checked)? {
        let shown = file.to_string_lossy().into_owned();
        // Under a directory, the file's own path names nobody either.
        let below = file.strip_prefix(root).unwrap_or(&file).to_string_lossy();
        let named = path_findings(&below, &detector, names.as_ref());
        for shape in &named {
            diag!("liclog: leak: {shown}: its path holds {shape}");
        }
        total += named.len();
        let found = Found {
            leaks: match &names {
                Some(names) => check::scan(&file, decoding, names)?,
                None => Vec::new(),
            },
            findings: check::detect(&file, decoding, &mut detector)?,
            fields: match check::unreplaced(&shown, &checked_options) {
                Ok(fields) => fields,
                Err(Error::Unrecognised { .. } | Error::NotSupported { .. }) => {
                    by_shape_only.push(shown.clone());
                    Vec::new()
                }
                Err(e) => return Err(e),
            },
        };
        print_leaks(found.leaks.iter().map(|l| (shown.as_str(), l)));
        print_findings(&shown, &found.findings);
        print_fields(&shown, &found.fields);
        total += found.count();
        files_checked += 1;
    }
    for file in &by_shape_only {
        diag!("liclog: verify: {file}: not a format liclog reads, so checked by shape only");
    }
    if total > 0 {
        return Err(Error::Leak(format!(
            "{total} identifier(s) survive in {checked}"
        )));
    }
    let what = if files_checked == 1 {
        checked.to_string()
    } else {
        format!("{files_checked} files under {checked}")
    };
    let fields = if by_shape_only.len() == files_checked {
        ""
    } else {
        "every identifying field holds a pseudonym, and "
    };
    match names {
        Some(names) => diag!(
            "liclog: verify: none of the {} identifiers of {} appears in {what}, \
             {fields}no identifier-shaped token survives",
            names.len(),
            args.original
        ),
        None => diag!("liclog: verify: {fields}no identifier-shaped token in {what}"),
    }
    Ok(exit::OK)
}

/// What a file's path below the checked directory holds: identifier
/// shapes, and the original's names.
fn path_findings(path: &str, detector: &Detector, names: Option<&NameSet>) -> Vec<String> {
    if path.is_empty() || Path::new(path).is_absolute() {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut clean = liclog::anon::detector::CleanTokens::none();
    // Each component alone: `/` is a path's, not a host's.
    for part in path.split(['/', '\\']) {
        detector.scan(part, &mut clean, |_, _, _, shape| {
            found.push(shape.described())
        });
        if let Some(names) = names {
            liclog::anon::names::find(part, &[names], |h| {
                found.push(format!("a {} name of the original", h.class.name()));
            });
        }
    }
    found
}

/// `path`, or the regular files under it, by name.
fn files(path: &str) -> Result<Vec<PathBuf>, Error> {
    let p = Path::new(path);
    if !p.is_dir() {
        return Ok(vec![p.to_path_buf()]);
    }
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(p).sort_by_file_name() {
        let entry = entry.map_err(|e| Error::Open {
            path: e.path().unwrap_or(p).to_path_buf(),
            source: e.into(),
        })?;
        if entry.file_type().is_file() {
            found.push(entry.into_path());
        }
    }
    if found.is_empty() {
        return Err(Error::NoFiles {
            input: path.to_string(),
        });
    }
    Ok(found)
}
