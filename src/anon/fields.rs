//! Which fields of an event identify a person or a machine, and which hold
//! free text that may repeat such names.

use super::pseudonym::Class;
use crate::event::{Event, Kind, Value};
use crate::format::Format;

/// Where in an event an identifying value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    User,
    Host,
    Server,
    Handle,
    Feature,
    Version,
    Daemon,
    /// `extra[i]`
    Extra(usize),
}

impl Slot {
    /// The field's name in `ev`: a column, or the `extra` key.
    pub fn name<'e>(self, ev: &Event<'e>) -> &'e str {
        match self {
            Slot::User => "user",
            Slot::Host => "host",
            Slot::Server => "server",
            Slot::Handle => "handle",
            Slot::Feature => "feature",
            Slot::Version => "version",
            Slot::Daemon => "daemon",
            Slot::Extra(i) => ev.extra.get(i).map_or("extra", |(key, _)| key),
        }
    }
}

/// `extra` keys that hold identifiers, with their class.
pub const EXTRA_IDENTIFIERS: &[(&str, Class)] = &[
    ("client_user", Class::User),
    ("ip", Class::Ip),
    ("client_ip_address", Class::Ip),
    ("project", Class::Text),
    ("isv_def", Class::Text),
    ("client_machine_os_info", Class::Text),
    ("application_argv0", Class::Text),
    ("comment", Class::Text),
    ("hostid", Class::Text),
    // FlexNet `Checkin failed` and `RESERVING … for DISPLAY`: a terminal,
    // most often named after its machine.
    ("display", Class::Host),
    // RLM PRODUCT: the licensee and its contract number.
    ("customer", Class::Text),
    ("contract", Class::Text),
    // RLM DYNRES: the name a reservation was made under.
    ("string", Class::Text),
    // Sentinel: a reservation group (`smith-lab`).
    ("group_name", Class::Text),
    // LM-X: the license and log files' paths (they often name a person's
    // home directory or a site's share).
    ("license_path", Class::Text),
    ("log_path", Class::Text),
];

/// `extra` keys that hold free text, searched for known names.
pub const FREE_TEXT: &[&str] = &[
    "text",
    "license_files",
    "license_file",
    "data",
    "switched_to",
    "switched_from",
    "options_file",
    "report_log",
    "request_info",
    "bracket",
    "verbose",
    "exit_reason",
    "ciphertext",
];

/// Values that stand for "nobody" and stay as they are: FlexNet's
/// `LM_SERVER`, RLM's empty `""`, Sentinel's `-`.
/// Also kept: `localhost`, addresses that name no machine (loopback,
/// unspecified, multicast, and liclog's own pseudonyms), and the license
/// host IDs `ANY` and `DEMO`.
pub fn is_fixed_token(value: &str) -> bool {
    matches!(value, "" | "\"\"" | "-" | "LM_SERVER")
        || [
            "any",
            "hostid=any",
            "demo",
            "hostid=demo",
            "localhost",
            "localhost.localdomain",
        ]
        .iter()
        .any(|v| v.eq_ignore_ascii_case(value))
        || (value.as_bytes()[0].is_ascii_hexdigit() || value.starts_with(':'))
            && super::detector::is_nobody_address(value)
}

/// What to leave alone and what to add (`--keep`, `--also`).
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub keep: Vec<Class>,
    /// Field names (a column or an `extra` key) also anonymized, as text.
    pub also: Vec<String>,
}

/// Calls `f` with each identifying value of `ev`, in field order.
pub fn identifiers<'a>(
    ev: &Event<'a>,
    selection: &Selection,
    mut f: impl FnMut(Slot, Class, &'a str),
) {
    let mut push = |slot: Slot, class: Class, value: Option<&'a str>| {
        if let Some(v) = value
            && !is_fixed_token(v)
            && !selection.keep.contains(&class)
        {
            f(slot, class, v);
        }
    };
    push(Slot::User, Class::User, ev.user);
    push(Slot::Host, Class::Host, ev.host);
    push(Slot::Server, Class::Host, ev.server);
    if ev.format == Format::Sentinel {
        push(Slot::Handle, Class::Id, ev.handle);
    }
    for (i, (key, value)) in ev.extra.iter().enumerate() {
        let Value::Str(v) = value else { continue };
        if let Some((_, class)) = EXTRA_IDENTIFIERS.iter().find(|(k, _)| k == key) {
            push(Slot::Extra(i), *class, Some(v));
        } else if selection.also.iter().any(|a| a == key)
            || (matches!(ev.format, Format::Defined(_)) && crate::defs::is_identifying(key))
        {
            push(Slot::Extra(i), Class::Text, Some(v));
        }
    }
    for name in &selection.also {
        let (slot, column) = match name.as_str() {
            "feature" => (Slot::Feature, ev.feature),
            "version" => (Slot::Version, ev.version),
            "daemon" => (Slot::Daemon, ev.daemon),
            "handle" if ev.format != Format::Sentinel => (Slot::Handle, ev.handle),
            _ => continue,
        };
        push(slot, Class::Text, column);
    }
}

/// Calls `f` with each free-text value of `ev` that may repeat names:
/// `None` for `reason`, `Some(i)` for `extra[i]`.
pub fn free_text<'a>(ev: &Event<'a>, mut f: impl FnMut(Option<usize>, &'a str)) {
    if let Some(r) = ev.reason {
        f(None, r);
    }
    for (i, (key, value)) in ev.extra.iter().enumerate() {
        if let Value::Str(v) = value
            && FREE_TEXT.contains(key)
        {
            f(Some(i), v);
        }
    }
}

/// Lines whose whole text is searched for names: everything but the usage
/// records, whose keywords and fields are structure.
pub fn whole_line_is_text(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Message
            | Kind::Unknown
            | Kind::ServerStart
            | Kind::ServerStop
            | Kind::Reread
            | Kind::LogStart
            | Kind::LogEnd
            | Kind::TimeJump
    )
}
