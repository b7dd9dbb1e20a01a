//! The leak check's verdicts, shared by `anonymize`, `convert
//! --anonymize` and `verify`: where an original name or an
//! identifier-shaped token survives, and the mapping file.

use std::io::Write;
use std::path::{Path, PathBuf};

use liclog::Error;
use liclog::anon::Shared;
use liclog::anon::check::{self, Leak, Unreplaced};
use liclog::anon::detector::{Detector, Finding};
use liclog::anon::names::NameSet;
use liclog::input::Decoding;
use liclog::write::csv_cell;

use super::output::{Output, Temp, named};

/// Where in the outputs (each with the target it is written for) any of
/// `names` appears: (target as shown, leak).
pub fn scan_outputs<'a>(
    outputs: impl IntoIterator<Item = (&'a str, &'a Output)>,
    decoding: Decoding,
    names: &NameSet,
) -> Result<Vec<(String, Leak)>, Error> {
    let mut leaks = Vec::new();
    for (target, output) in outputs {
        let Some(path) = output.written_path() else {
            continue;
        };
        for leak in check::scan(path, decoding, names)? {
            leaks.push((shown(target).to_string(), leak));
        }
    }
    Ok(leaks)
}

/// The independent detector over every output: an error (exit 6) on any
/// finding.
pub fn detect_outputs<'a>(
    outputs: impl IntoIterator<Item = (&'a str, &'a Output)>,
    decoding: Decoding,
    detector: &mut Detector,
) -> Result<(), Error> {
    let mut total = 0;
    for (target, output) in outputs {
        let Some(path) = output.written_path() else {
            continue;
        };
        total += detect_in(path, decoding, target, detector)?;
    }
    detection_result(total)
}

/// How an output is named in messages.
pub fn shown(target: &str) -> &str {
    if target == "-" { "<stdout>" } else { target }
}

/// Prints the first findings of the leak check (where, and the class of
/// name, never the name itself).
pub fn print_leaks<'a>(leaks: impl Iterator<Item = (&'a str, &'a Leak)>) {
    for (target, leak) in leaks.take(20) {
        diag!(
            "liclog: leak: {target}:{}:{}: an original {} name survives",
            leak.line,
            leak.column,
            leak.class.name()
        );
    }
}

pub fn report_leaks(leaks: &[(String, Leak)]) -> Error {
    print_leaks(leaks.iter().map(|(t, l)| (t.as_str(), l)));
    Error::Leak(format!(
        "{} original identifier(s) would survive in the output; nothing was written \
         (use --also FIELD to replace the field they are in)",
        leaks.len()
    ))
}

/// `class,original,pseudonym`, written atomically with mode 0600.
pub fn write_mapping(path: &Path, shared: &Shared) -> Result<(), Error> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let fail = |e| named(Error::Write(e), &path.to_string_lossy());
    let mut temp = Temp::new(
        tempfile::Builder::new()
            .prefix(".liclog-mapping-")
            .tempfile_in(dir)
            .map_err(fail)?,
    );
    let mut text = b"class,original,pseudonym\n".to_vec();
    for (class, original, pseudonym) in shared.mapping() {
        // The canonical CSV writer's quoting: one quoter for every CSV.
        for (i, cell) in [class.name(), &original, &pseudonym]
            .into_iter()
            .enumerate()
        {
            if i > 0 {
                text.push(b',');
            }
            csv_cell(&mut text, cell.as_bytes());
        }
        text.push(b'\n');
    }
    temp.as_file_mut().write_all(&text).map_err(fail)?;
    // NamedTempFile is created 0600 and keeps that mode when persisted.
    temp.persist(path).map_err(fail)?;
    Ok(())
}

/// Runs the detector over the output written at `path` for `target`,
/// prints what it finds, and returns how many.
fn detect_in(
    path: &Path,
    decoding: Decoding,
    target: &str,
    detector: &mut Detector,
) -> Result<usize, Error> {
    let findings = check::detect(path, decoding, detector)?;
    print_findings(shown(target), &findings);
    Ok(findings.len())
}

/// Exit 6 when the detector found anything in the output.
fn detection_result(findings: usize) -> Result<(), Error> {
    if findings == 0 {
        return Ok(());
    }
    Err(Error::Leak(format!(
        "{findings} identifier-shaped token(s) would survive in the output; nothing was written \
         (use --also FIELD to replace the field they are in, or --allow PATTERN for a token \
         that names nobody)"
    )))
}

/// Prints the first findings of the detector (where and what shape, never
/// the token itself).
pub fn print_findings(target: &str, findings: &[Finding]) {
    print_first(findings, |f| {
        format!(
            "{target}:{}:{}: {} survives",
            f.line,
            f.column,
            f.shape.described()
        )
    });
}

/// Prints the first identifying fields that hold no pseudonym (where, the
/// field and its class, never the value).
pub fn print_fields(target: &str, fields: &[Unreplaced]) {
    print_first(fields, |f| {
        format!(
            "{target}:{}: the {} field holds no {} pseudonym",
            f.line,
            f.field,
            f.class.name()
        )
    });
}

/// The first 20 of `items` as leak lines, and how many more there are.
fn print_first<T>(items: &[T], line: impl Fn(&T) -> String) {
    for item in items.iter().take(20) {
        diag!("liclog: leak: {}", line(item));
    }
    if items.len() > 20 {
        diag!("liclog: leak: {} more not shown", items.len() - 20);
    }
}
