//! Which fields of an event identify a person or a machine, and which hold
//! free text that may repeat such names.

use super::pseudonym::Class;
use crate::event::{Event, Kind, Value};
use crate::format::Format;

/// One identifying value found in an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found<'a> {
    pub class: Class,
    pub value: &'a str,
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
/// Also kept: addresses and license host IDs that name no machine.
pub fn is_fixed_token(value: &str) -> bool {
    matches!(
        value,
        "" | "\"\"" | "-" | "LM_SERVER" | "0.0.0.0" | "127.0.0.1" | "::1" | "::"
    ) || ["any", "hostid=any", "demo", "hostid=demo"]
        .iter()
        .any(|v| v.eq_ignore_ascii_case(value))
}

/// What to leave alone and what to add (`--keep`, `--also`).
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub keep: Vec<Class>,
    /// Field names (a column or an `extra` key) also anonymized, as text.
    pub also: Vec<String>,
}

/// The identifying values of `ev`, in field order.
pub fn identifiers<'a>(ev: &Event<'a>, selection: &Selection) -> Vec<Found<'a>> {
    let mut out = Vec::new();
    let mut push = |class: Class, value: Option<&'a str>| {
        if let Some(v) = value
            && !is_fixed_token(v)
            && !selection.keep.contains(&class)
        {
            out.push(Found { class, value: v });
        }
    };
    push(Class::User, ev.user);
    push(Class::Host, ev.host);
    push(Class::Host, ev.server);
    if ev.format == Format::Sentinel {
        push(Class::Id, ev.handle);
    }
    for (key, value) in &ev.extra {
        let Value::Str(v) = value else { continue };
        if let Some((_, class)) = EXTRA_IDENTIFIERS.iter().find(|(k, _)| k == key) {
            push(*class, Some(v));
        } else if selection.also.iter().any(|a| a == key) {
            push(Class::Text, Some(v));
        }
    }
    for name in &selection.also {
        let column = match name.as_str() {
            "feature" => ev.feature,
            "version" => ev.version,
            "daemon" => ev.daemon,
            "handle" => ev.handle,
            _ => None,
        };
        push(Class::Text, column);
    }
    out
}

/// Free-text values of `ev` that may repeat names.
pub fn free_text<'a>(ev: &Event<'a>) -> Vec<&'a str> {
    let mut out: Vec<&'a str> = ev.reason.into_iter().collect();
    for (key, value) in &ev.extra {
        if let Value::Str(v) = value
            && FREE_TEXT.contains(key)
        {
            out.push(v);
        }
    }
    out
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
