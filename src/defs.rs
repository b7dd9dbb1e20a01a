//! User-defined formats: a log liclog has no reader for, described in a
//! small TOML file (docs/formats.md). Definitions are loaded once, from
//! `--def PATH` and `LICLOG_DEFS`, checked whole (a bad regex, time format
//! or group name is an error naming the file and the rule), and
//! registered: their names work with `--from` and in auto-detection, and
//! [`crate::read::defined`] reads their logs.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use regex::Regex;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::event::Kind;
use crate::format::Format;

/// Canonical fields a rule's named group can fill.
pub const FIELDS: &[&str] = &[
    "time",
    "date",
    "time_of_day",
    "user",
    "host",
    "feature",
    "version",
    "count",
    "server",
    "daemon",
    "handle",
    "reason",
    "code",
];

/// Lines a multi-line record may continue over.
pub const MAX_CONTINUATION: usize = 64;

/// One checked definition.
#[derive(Debug)]
pub struct Definition {
    pub name: &'static str,
    pub path: PathBuf,
    pub description: String,
    pub detect: Option<Regex>,
    pub detect_lines: usize,
    pub time_format: String,
    pub date_format: String,
    pub time_of_day_format: String,
    /// Fields every event of the format carries (`feature = "StarDrop"`).
    pub fields: Vec<(&'static str, String)>,
    /// Extra keys whose values identify someone: anonymized as text.
    pub identifying: Vec<&'static str>,
    /// Every extra key a rule's group may fill (`extra` and `identifying`).
    pub keys: Vec<&'static str>,
    pub rules: Vec<Rule>,
}

#[derive(Debug)]
pub struct Rule {
    pub name: String,
    pub pattern: Regex,
    pub kind: Kind,
    /// Lines that continue a record this rule starts.
    pub continuation: Vec<Regex>,
    /// The named groups of the pattern and its continuations, each once.
    pub groups: Vec<String>,
}

/// The file's shape, before checking.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    name: String,
    #[serde(default)]
    description: String,
    detect: Option<RawDetect>,
    #[serde(default)]
    time: RawTime,
    #[serde(default)]
    fields: toml::Table,
    #[serde(default)]
    extra: Vec<String>,
    #[serde(default)]
    identifying: Vec<String>,
    #[serde(rename = "rule")]
    rules: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDetect {
    pattern: String,
    #[serde(default = "default_detect_lines")]
    lines: usize,
}

fn default_detect_lines() -> usize {
    10
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTime {
    format: Option<String>,
    date_format: Option<String>,
    time_of_day_format: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: String,
    pattern: String,
    kind: String,
    #[serde(default)]
    continuation: Vec<String>,
}

static REGISTRY: RwLock<Vec<Arc<Definition>>> = RwLock::new(Vec::new());

/// Loads every definition under `paths` (files, or directories of
/// `*.toml`) and the paths in `LICLOG_DEFS` (colon-separated), checks them
/// and registers them. A later definition of a name already registered is
/// an error.
pub fn load(paths: &[PathBuf]) -> Result<Vec<Arc<Definition>>> {
    let mut all: Vec<PathBuf> = paths.to_vec();
    if let Some(env) = std::env::var_os("LICLOG_DEFS") {
        all.extend(std::env::split_paths(&env).filter(|p| !p.as_os_str().is_empty()));
    }
    let mut files = Vec::new();
    for p in all {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(&p)
                .map_err(|source| Error::Open {
                    path: p.clone(),
                    source,
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "toml"))
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(p);
        }
    }
    let mut loaded = Vec::new();
    for file in files {
        let def = Arc::new(load_file(&file)?);
        register(def.clone())?;
        loaded.push(def);
    }
    Ok(loaded)
}

fn register(def: Arc<Definition>) -> Result<()> {
    let mut registry = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    if let Some(old) = registry.iter().find(|d| d.name == def.name) {
        if old.path == def.path {
            return Ok(());
        }
        return Err(invalid(
            &def.path,
            None,
            format!(
                "the format {} is defined already in {}",
                def.name,
                old.path.display()
            ),
        ));
    }
    registry.push(def);
    Ok(())
}

/// The registered definition named `name`.
pub fn find(name: &str) -> Option<Arc<Definition>> {
    let registry = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
    registry
        .iter()
        .find(|d| d.name.eq_ignore_ascii_case(name))
        .cloned()
}

/// Every registered definition, in load order.
pub fn all() -> Vec<Arc<Definition>> {
    REGISTRY.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Extra keys some registered definition calls identifying.
pub fn is_identifying(key: &str) -> bool {
    let registry = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
    registry.iter().any(|d| d.identifying.contains(&key))
}

fn invalid(path: &Path, rule: Option<&str>, why: String) -> Error {
    let at = match rule {
        Some(r) => format!("{}: rule {r:?}", path.display()),
        None => path.display().to_string(),
    };
    Error::Definition { at, why }
}

/// Reads and checks one definition file.
pub fn load_file(path: &Path) -> Result<Definition> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Open {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, path)
}

/// Checks a definition given as text; `path` names it in errors.
pub fn parse(text: &str, path: &Path) -> Result<Definition> {
    let raw: Raw = toml::from_str(text).map_err(|e| invalid(path, None, e.to_string()))?;
    check(path, raw)
}

fn check(path: &Path, raw: Raw) -> Result<Definition> {
    let bad = |rule: Option<&str>, why: String| invalid(path, rule, why);
    let name_ok = !raw.name.is_empty()
        && raw
            .name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !name_ok {
        return Err(bad(
            None,
            format!("name {:?}: use a-z, 0-9, - and _", raw.name),
        ));
    }
    if Format::ALL.iter().any(|f| f.name() == raw.name) {
        return Err(bad(
            None,
            format!("name {:?} is a built-in format", raw.name),
        ));
    }
    let name = intern(&raw.name);
    let detect = raw
        .detect
        .as_ref()
        .map(|d| Regex::new(&d.pattern))
        .transpose()
        .map_err(|e| bad(None, format!("detect pattern: {e}")))?;
    let time_format = raw
        .time
        .format
        .clone()
        .unwrap_or_else(|| "%Y-%m-%d %H:%M:%S".into());
    let date_format = raw
        .time
        .date_format
        .clone()
        .unwrap_or_else(|| "%Y-%m-%d".into());
    let time_of_day_format = raw
        .time
        .time_of_day_format
        .clone()
        .unwrap_or_else(|| "%H:%M:%S".into());
    check_time_format(&time_format, Stamp::DateTime)
        .map_err(|e| bad(None, format!("time.format: {e}")))?;
    check_time_format(&date_format, Stamp::Date)
        .map_err(|e| bad(None, format!("time.date_format: {e}")))?;
    check_time_format(&time_of_day_format, Stamp::TimeOfDay)
        .map_err(|e| bad(None, format!("time.time_of_day_format: {e}")))?;
    let mut fields = Vec::new();
    for (key, value) in &raw.fields {
        let allowed = ["feature", "version", "server", "daemon"];
        let Some(field) = allowed.iter().find(|f| **f == key) else {
            return Err(bad(
                None,
                format!("fields.{key}: only {} can be set", allowed.join(", ")),
            ));
        };
        let Some(text) = value.as_str() else {
            return Err(bad(None, format!("fields.{key}: a string")));
        };
        fields.push((*field, text.to_string()));
    }
    let extra: Vec<&str> = raw.extra.iter().map(String::as_str).collect();
    let identifying: Vec<&'static str> = raw.identifying.iter().map(|k| intern(k)).collect();
    if raw.rules.is_empty() {
        return Err(bad(None, "no [[rule]]".into()));
    }
    let mut rules = Vec::new();
    for r in &raw.rules {
        let at = Some(r.name.as_str());
        let kind = Kind::ALL
            .iter()
            .copied()
            .find(|k| k.name() == r.kind)
            .ok_or_else(|| bad(at, format!("kind {:?} is not an event kind", r.kind)))?;
        let pattern = Regex::new(&r.pattern).map_err(|e| bad(at, format!("pattern: {e}")))?;
        let continuation = r
            .continuation
            .iter()
            .map(|c| Regex::new(c))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| bad(at, format!("continuation: {e}")))?;
        for re in std::iter::once(&pattern).chain(&continuation) {
            for group in re.capture_names().flatten() {
                let known = FIELDS.contains(&group)
                    || group == "ip"
                    || extra.contains(&group)
                    || identifying.contains(&group);
                if !known {
                    return Err(bad(
                        at,
                        format!(
                            "unknown group name {group:?}: use a canonical field ({}), ip, or \
                             list it in `extra` (or `identifying`)",
                            FIELDS.join(", ")
                        ),
                    ));
                }
            }
        }
        let mut groups: Vec<String> = std::iter::once(&pattern)
            .chain(&continuation)
            .flat_map(|re| re.capture_names().flatten().map(String::from))
            .collect();
        groups.sort_unstable();
        groups.dedup();
        rules.push(Rule {
            name: r.name.clone(),
            pattern,
            kind,
            continuation,
            groups,
        });
    }
    Ok(Definition {
        name,
        path: path.to_path_buf(),
        description: raw.description,
        detect,
        detect_lines: raw.detect.map_or(10, |d| d.lines),
        time_format,
        date_format,
        time_of_day_format,
        fields,
        keys: raw
            .extra
            .iter()
            .map(|k| intern(k))
            .chain(identifying.iter().copied())
            .collect(),
        identifying,
        rules,
    })
}

#[derive(Clone, Copy)]
enum Stamp {
    DateTime,
    Date,
    TimeOfDay,
}

/// A format is good if it writes a known instant and reads it back.
fn check_time_format(format: &str, stamp: Stamp) -> std::result::Result<(), String> {
    let at = jiff::civil::date(2024, 10, 17).at(9, 5, 7, 0);
    let text = jiff::fmt::strtime::format(format, at).map_err(|e| e.to_string())?;
    let back = jiff::fmt::strtime::parse(format, &text).map_err(|e| e.to_string())?;
    let ok = match stamp {
        Stamp::DateTime => back.to_datetime().is_ok(),
        Stamp::Date => back.to_date().is_ok(),
        Stamp::TimeOfDay => back.to_time().is_ok(),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{format:?} does not give a full {}",
            match stamp {
                Stamp::DateTime => "date and time",
                Stamp::Date => "date",
                Stamp::TimeOfDay => "time of day",
            }
        ))
    }
}

/// Definition names and keys live as long as the process (they are
/// `&'static str` in events, as readers' names are).
fn intern(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(toml_text: &str) -> Result<Definition> {
        parse(toml_text, Path::new("t.toml"))
    }

    const GOOD: &str = r#"
name = "demo"
[detect]
pattern = '^DEMO '
[[rule]]
name = "out"
pattern = '^DEMO (?P<time>\S+ \S+) OUT (?P<user>\w+)@(?P<host>\w+) (?P<feature>\w+)$'
kind = "checkout"
"#;

    #[test]
    fn a_good_definition_loads() {
        let d = checked(GOOD).unwrap();
        assert_eq!(
            (d.name, d.rules.len(), d.rules[0].kind),
            ("demo", 1, Kind::Checkout)
        );
    }

    #[test]
    fn errors_name_the_file_and_the_rule() {
        let bad_group = GOOD.replace("(?P<host>", "(?P<hots>");
        let e = checked(&bad_group).unwrap_err().to_string();
        assert!(
            e.contains("t.toml: rule \"out\"") && e.contains("unknown group name \"hots\""),
            "{e}"
        );
        let bad_regex = GOOD.replace("(?P<feature>\\w+)$", "(?P<feature>\\w+$");
        let e = checked(&bad_regex).unwrap_err().to_string();
        assert!(e.contains("rule \"out\"") && e.contains("pattern"), "{e}");
        let bad_time = format!("{GOOD}\n[time]\nformat = \"%Y-%Q\"\n");
        let e = checked(&bad_time).unwrap_err().to_string();
        assert!(e.contains("time.format"), "{e}");
        let no_day = format!("{GOOD}\n[time]\nformat = \"%H:%M\"\n");
        assert!(
            checked(&no_day)
                .unwrap_err()
                .to_string()
                .contains("full date and time")
        );
        let bad_kind = GOOD.replace("\"checkout\"", "\"chekout\"");
        assert!(
            checked(&bad_kind)
                .unwrap_err()
                .to_string()
                .contains("not an event kind")
        );
        let builtin = GOOD.replace("\"demo\"", "\"flexnet\"");
        assert!(
            checked(&builtin)
                .unwrap_err()
                .to_string()
                .contains("built-in")
        );
    }
}
