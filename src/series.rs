//! Rotation series: `lserv.log`, `lserv.log.00` … `lserv.log.9999` (any of
//! them gzipped) given together are one Sentinel RMS usage log cut into
//! files. The License Manager numbers backups from `00` again after `9999`,
//! so the names cannot give the order: each file's first startup line (or
//! first record) can, and the series is read in that order.

use crate::detect;
use crate::format::Format;
use crate::input::{Decoding, Input};
use crate::read::sentinel::first_epoch;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    /// The backup number in the name; `None` for the live file.
    pub number: Option<u16>,
    /// Epoch seconds of the file's first startup line or record.
    pub started: Option<i64>,
}

/// One series, its members in the order they were written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Series {
    pub base: String,
    pub members: Vec<Member>,
}

#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Every input name, each series in chronological order at the place
    /// of its first member.
    pub order: Vec<String>,
    pub series: Vec<Series>,
    /// Members that could not be dated, and were put after the others.
    pub warnings: Vec<String>,
}

/// `lserv.log.0042.gz` → (`lserv.log`, `Some(42)`); `lserv.log` →
/// (`lserv.log`, `None`). The backup number has two to four digits.
pub fn rotation_name(name: &str) -> (&str, Option<u16>) {
    let plain = name.strip_suffix(".gz").unwrap_or(name);
    if let Some((base, digits)) = plain.rsplit_once('.')
        && (2..=4).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !base.is_empty()
    {
        return (base, digits.parse().ok());
    }
    (plain, None)
}

/// Finds the series among `names` and orders each by start time. Inputs
/// that are not Sentinel usage logs (by `from`, or as detected) are never
/// part of a series; inputs that cannot be opened keep their place, and
/// fail later when they are read.
pub fn plan(names: &[String], decoding: Decoding, from: Option<Format>) -> Plan {
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if name == "-" {
            continue;
        }
        let base = rotation_name(name).0;
        match groups.iter_mut().find(|(b, _)| b == base) {
            Some((_, members)) => members.push(i),
            None => groups.push((base.to_string(), vec![i])),
        }
    }
    let mut out = Plan::default();
    let mut placed = vec![false; names.len()];
    let mut series_at: Vec<Option<usize>> = vec![None; names.len()];
    for (base, indices) in groups {
        let numbered = indices
            .iter()
            .any(|&i| rotation_name(&names[i]).1.is_some());
        if indices.len() < 2 || !numbered {
            continue;
        }
        let mut members: Vec<(usize, Member)> = indices
            .into_iter()
            .filter_map(|i| sentinel_member(&names[i], decoding, from).map(|m| (i, m)))
            .collect();
        if members.len() < 2 {
            continue;
        }
        // Undatable files go last, in the order given; ties keep that order.
        members.sort_by_key(|(i, m)| (m.started.is_none(), m.started, *i));
        for (_, m) in members.iter().filter(|(_, m)| m.started.is_none()) {
            out.warnings.push(format!(
                "{}: no startup line or dated record near its start; read after the dated files \
                 of rotation series {base}",
                m.name
            ));
        }
        let first = members.iter().map(|(i, _)| *i).min().expect("two members");
        series_at[first] = Some(out.series.len());
        for (i, _) in &members {
            placed[*i] = true;
        }
        out.series.push(Series {
            base,
            members: members.into_iter().map(|(_, m)| m).collect(),
        });
    }
    for (i, name) in names.iter().enumerate() {
        match series_at[i] {
            Some(s) => out
                .order
                .extend(out.series[s].members.iter().map(|m| m.name.clone())),
            None if !placed[i] => out.order.push(name.clone()),
            None => {}
        }
    }
    out
}

fn sentinel_member(name: &str, decoding: Decoding, from: Option<Format>) -> Option<Member> {
    // Reading the head of a pipe or FIFO here would lose it for the run.
    if !crate::input::is_rereadable(name) {
        return None;
    }
    let input = Input::open(name, decoding).ok()?;
    let format = detect::format_of(&input, from).ok()?;
    (format == Format::Sentinel).then(|| Member {
        name: name.to_string(),
        number: rotation_name(name).1,
        started: first_epoch(&input.head),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_names() {
        assert_eq!(rotation_name("lserv.log"), ("lserv.log", None));
        assert_eq!(rotation_name("a/lserv.log.00"), ("a/lserv.log", Some(0)));
        assert_eq!(
            rotation_name("lserv.log.9999.gz"),
            ("lserv.log", Some(9999))
        );
        assert_eq!(rotation_name("lserv.log.gz"), ("lserv.log", None));
        assert_eq!(rotation_name("lserv.log.1"), ("lserv.log.1", None));
        assert_eq!(rotation_name("lserv.log.12345"), ("lserv.log.12345", None));
    }

    fn startup(epoch: i64) -> String {
        format!(
            "# Startup Sentinel RMS License Manager v9.7.0.0012 Mon Dec 30 22:00:00 2024 {epoch} \
             srv 1 2\n"
        )
    }

    #[test]
    fn a_wrapped_series_is_read_by_start_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = |n: &str| dir.path().join(n).to_string_lossy().into_owned();
        let files = [
            ("lserv.log", 500),
            ("lserv.log.00", 300),
            ("lserv.log.9999", 200),
            ("lserv.log.9998", 100),
        ];
        for (name, epoch) in files {
            std::fs::write(path(name), startup(epoch)).unwrap();
        }
        std::fs::write(path("other.log"), "not a log\n").unwrap();
        std::fs::write(path("lserv.log.01"), "no date here\n").unwrap();
        let names: Vec<String> = ["other.log", "lserv.log", "lserv.log.00", "lserv.log.01"]
            .into_iter()
            .chain(["lserv.log.9998", "lserv.log.9999"])
            .map(path)
            .collect();
        let plan = plan(&names, Decoding::default(), Some(Format::Sentinel));
        let order: Vec<&str> = plan
            .order
            .iter()
            .map(|n| n.rsplit('/').next().unwrap())
            .collect();
        assert_eq!(
            order,
            [
                "other.log",
                "lserv.log.9998",
                "lserv.log.9999",
                "lserv.log.00",
                "lserv.log",
                "lserv.log.01"
            ]
        );
        assert_eq!(plan.series.len(), 1);
        assert_eq!(plan.warnings.len(), 1);
        assert!(plan.warnings[0].contains("lserv.log.01"));
    }

    #[test]
    fn other_formats_keep_their_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = |n: &str| dir.path().join(n).to_string_lossy().into_owned();
        for name in ["lmgrd.log.01", "lmgrd.log.00"] {
            std::fs::write(path(name), " 7:32:57 (lmgrd) hello\n").unwrap();
        }
        let names = vec![path("lmgrd.log.01"), path("lmgrd.log.00")];
        let plan = plan(&names, Decoding::default(), None);
        assert_eq!(plan.order, names);
        assert!(plan.series.is_empty());
    }
}
