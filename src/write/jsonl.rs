//! One JSON object per line, keys in schema order, absent fields `null`.

use std::io::{self, Write};

use super::{Buffered, EventWriter, WriteOptions, push_extra, push_json_str, push_u64};
use crate::event::Event;

pub struct JsonlWriter {
    out: Buffered,
    options: WriteOptions,
}

impl JsonlWriter {
    pub fn new(out: Box<dyn Write + Send>, options: WriteOptions) -> Self {
        JsonlWriter {
            out: Buffered::new(out),
            options,
        }
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

impl EventWriter for JsonlWriter {
    fn write(&mut self, e: &Event<'_>) -> io::Result<()> {
        let b = &mut self.out.buf;
        b.extend_from_slice(b"{\"source\":");
        push_json_str(b, e.source);
        b.extend_from_slice(b",\"line\":");
        push_u64(b, e.line);
        field(b, "format", Some(e.format.name()));
        field(b, "kind", Some(e.kind.name()));
        field(b, "xslm", e.xslm());
        b.extend_from_slice(b",\"time\":");
        match &e.time {
            Some(t) => {
                b.push(b'"');
                t.write_iso(b);
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
            field(b, "raw", Some(e.raw));
        }
        b.extend_from_slice(b"}\n");
        self.out.maybe_flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.finish()
    }
}
