//! Values of the command line's options, parsed for clap.

use liclog::anon::Class;
use liclog::{Format, Zone};

pub fn parse_format(s: &str) -> Result<Format, String> {
    Format::parse(s).map_err(|e| e.to_string())
}

pub fn parse_date(s: &str) -> Result<jiff::civil::Date, String> {
    s.parse().map_err(|e| format!("expected YYYY-MM-DD: {e}"))
}

pub fn parse_zone(s: &str) -> Result<Zone, String> {
    Zone::parse(s)
}

pub fn parse_class(s: &str) -> Result<Class, String> {
    Class::parse(s).ok_or_else(|| format!("unknown class {s:?}; classes: user, host, ip, id, text"))
}
