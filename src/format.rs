//! Every format liclog knows by name, in one place (flags, `detect`, docs).

use crate::error::{Error, Result};

/// A log or output format.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// FlexNet / FLEXlm lmgrd debug log.
    Flexnet,
    /// RLM reportlog (std, small or detailed).
    RlmReport,
    /// RLM debug log (ISV or rlm server).
    RlmDebug,
    /// Sentinel RMS usage log.
    Sentinel,
    /// LM-X server log.
    Lmx,
    /// IBM LUM report (as a user-defined format).
    Lum,
    /// liclog's canonical JSON lines.
    Jsonl,
    /// liclog's canonical CSV.
    Csv,
    /// A user-defined format ([`crate::defs`]), by its name.
    Defined(&'static str),
}

impl Format {
    /// Every built-in format.
    pub const ALL: [Format; 8] = [
        Format::Flexnet,
        Format::RlmReport,
        Format::RlmDebug,
        Format::Sentinel,
        Format::Lmx,
        Format::Lum,
        Format::Jsonl,
        Format::Csv,
    ];
    /// The built-in names, for messages.
    pub const NAMES: &'static str =
        "flexnet, rlm-report, rlm-debug, sentinel, lmx, lum, jsonl, csv";

    /// The name `--from` and `--to` take.
    pub fn name(self) -> &'static str {
        match self {
            Format::Flexnet => "flexnet",
            Format::RlmReport => "rlm-report",
            Format::RlmDebug => "rlm-debug",
            Format::Sentinel => "sentinel",
            Format::Lmx => "lmx",
            Format::Lum => "lum",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Defined(name) => name,
        }
    }

    /// A built-in format's name, or a registered definition's.
    pub fn parse(name: &str) -> Result<Format> {
        Format::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
            .or_else(|| crate::defs::find(name).map(|d| Format::Defined(d.name)))
            .ok_or_else(|| Error::UnknownFormat(name.to_string(), Format::NAMES))
    }

    /// Formats that `convert` can read today.
    pub fn can_read(self) -> bool {
        matches!(
            self,
            Format::Flexnet
                | Format::RlmReport
                | Format::RlmDebug
                | Format::Sentinel
                | Format::Lmx
                | Format::Jsonl
                | Format::Csv
                | Format::Defined(_)
        )
    }

    /// Formats that `convert --to` can write today.
    pub fn can_write(self) -> bool {
        matches!(
            self,
            Format::Jsonl
                | Format::Csv
                | Format::Flexnet
                | Format::RlmReport
                | Format::Sentinel
                | Format::Lmx
        )
    }

    /// A vendor log format (one server per file, written from sessions).
    pub fn is_vendor_output(self) -> bool {
        matches!(
            self,
            Format::Flexnet | Format::RlmReport | Format::Sentinel | Format::Lmx
        )
    }

    /// The error for a format that cannot be read or written as asked.
    pub fn not_supported(self, direction: &str) -> Error {
        let hint = match self {
            // No public sample or layout of `i4blt -r 1` reports exists.
            Format::Lum if direction == "input" => " as input; describe your LUM report in a \
                user-defined format (--def, docs/formats.md)"
                .to_string(),
            _ => format!(" as {direction}"),
        };
        Error::NotSupported {
            format: self.name(),
            hint,
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in Format::ALL {
            assert_eq!(Format::parse(f.name()).unwrap(), f);
        }
        assert!(Format::parse("FLEXNET").is_ok());
        assert!(matches!(
            Format::parse("nope"),
            Err(Error::UnknownFormat(..))
        ));
    }
}
