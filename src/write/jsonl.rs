//! One JSON object per line, keys in schema order, absent fields `null`.

use std::io::Write;

use super::{Encoder, JsonlWriter, WriteOptions, push_extra, push_json_str, push_u64};
use crate::event::Event;

/// Writes events as canonical JSONL.
#[derive(Clone)]
pub struct JsonlEncoder {
    options: WriteOptions,
}

impl JsonlEncoder {
    /// An encoder of canonical JSONL lines (with `raw` when asked).
    pub fn new(options: WriteOptions) -> Self {
        JsonlEncoder { options }
    }
}

impl JsonlWriter {
    pub fn new(out: Box<dyn Write + Send>, options: WriteOptions) -> Self {
        Self::with_encoder(out, JsonlEncoder { options })
    }
}

fn field(b: &mut Vec<u8>, key: &str, value: Option<&str>) {
    b.extend_from_slice(b",\"");
    b.extend_from_slice(key.as_bytes());
    b.extend_from_slice(b"\":");
    match value {
        Some(v) => push_json_str(b, v),
        None => b.extend_from_slice(b"null"),
    }
}

impl Encoder for JsonlEncoder {
    fn encode(&mut self, e: &Event<'_>, b: &mut Vec<u8>) {
        b.extend_from_slice(b"{\"source\":");
        push_json_str(b, e.source);
        b.extend_from_slice(b",\"line\":");
        push_u64(b, e.line);
        field(b, "format", Some(e.format.name()));
        field(b, "kind", Some(e.kind.name()));
        field(b, "xslm", e.xslm());
        b.extend_from_slice(b",\"time\":\"");
        if !e.time.is_some_and(|t| t.write_datetime(b)) {
            b.pop();
            b.extend_from_slice(b"null");
        } else {
            b.push(b'"');
        }
        b.extend_from_slice(b",\"time_of_day\":");
        match &e.time {
            Some(t) => {
                b.push(b'"');
                t.write_time_of_day(b);
                b.push(b'"');
            }
            None => b.extend_from_slice(b"null"),
        }
        field(b, "time_source", Some(e.time_source.name()));
        field(b, "server", e.server);
        field(b, "daemon", e.daemon);
        field(b, "feature", e.feature);
        field(b, "version", e.version);
        field(b, "user", e.user);
        field(b, "host", e.host);
        b.extend_from_slice(b",\"count\":");
        match e.count {
            Some(n) => push_u64(b, n),
            None => b.extend_from_slice(b"null"),
        }
        field(b, "handle", e.handle);
        field(b, "reason", e.reason);
        field(b, "code", e.code);
        b.extend_from_slice(b",\"extra\":");
        push_extra(b, &e.extra);
        if self.options.raw {
            field(b, "raw", e.has_raw.then_some(e.raw));
        }
        b.extend_from_slice(b"}\n");
    }
}
