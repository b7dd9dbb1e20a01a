//! `liclog schema`: the canonical event as JSON Schema (draft 2020-12).

use serde_json::{Value, json};

use crate::event::{Kind, SCHEMA_VERSION, TimeSource};
use crate::format::Format;

pub fn json_schema() -> Value {
    let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
    let sources: Vec<&str> = TimeSource::ALL.iter().map(|s| s.name()).collect();
    let formats: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
    let text = |description: &str| json!({"type": ["string", "null"], "description": description});
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("https://liclog.invalid/schema/event-v{SCHEMA_VERSION}.json"),
        "title": format!("liclog canonical event, schema version {SCHEMA_VERSION}"),
        "type": "object",
        "required": ["source", "line", "format", "kind", "xslm", "time", "time_of_day", "time_source", "server",
            "daemon", "feature", "version", "user", "host", "count", "handle", "reason", "code", "extra"],
        "additionalProperties": false,
        "properties": {
            "source": {"type": "string", "description": "The input path as given, or - for stdin."},
            "line": {"type": "integer", "minimum": 1, "description": "1-based line number in the decompressed input."},
            "format": {"anyOf": [{"enum": formats}, {"type": "string", "pattern": "^[a-z0-9_-]+$"}], "description": "The format the line was read as: a built-in one, or the name of a user-defined format (docs/formats.md)."},
            "kind": {"enum": kinds, "description": "What happened; see docs/schema.md."},
            "xslm": {"type": ["string", "null"], "pattern": "^(APPLICATION|LICENSING_SYSTEM|ADMINISTRATION)/[A-Z_]+/[A-Z_]+$",
                "description": "The Open Group XSLM CLASS/TYPE/SUBTYPE, or null where XSLM defines no such event."},
            "time": {"type": ["string", "null"], "format": "date-time",
                "pattern": "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})?$",
                "description": "ISO 8601 local wall-clock date and time, with a UTC offset only when known; null when no date could be derived (time_of_day still holds the time)."},
            "time_of_day": {"type": ["string", "null"],
                "pattern": "^\\d{2}:\\d{2}:(\\d{2})(\\.\\d+)?$",
                "description": "The time of day as the log wrote it (hours zero-padded; 23:59:60 for a leap second); null for a line without a time."},
            "time_source": {"enum": sources, "description": "How the date in time was derived."},
            "server": text("License server host (from the start banner)."),
            "daemon": text("Daemon or ISV that wrote the line."),
            "feature": text("Feature or product name."),
            "version": text("Feature or server version, as written."),
            "user": text("User name."),
            "host": text("Client host name."),
            "count": {"type": ["integer", "null"], "minimum": 0, "description": "Number of licenses."},
            "handle": text("License or client handle."),
            "reason": text("Reason text (denial reason, check-in reason, stop reason)."),
            "code": text("Vendor error code as written, e.g. -4,342; always a string, even when it looks like a number."),
            "extra": {"type": "object", "additionalProperties": {"type": ["string", "integer"]},
                "description": "Vendor fields without a column, under the vendor's own names."},
            "raw": {"type": "string", "description": "The original line without its line ending (only with --raw)."}
        }
    })
}
