//! `convert --anonymize`: events written to CSV or JSONL with pseudonyms in
//! their identifying fields and known names replaced in their free text.

use std::io;
use std::sync::Arc;

use super::local::Local;
use super::shared::Shared;
use crate::event::Event;
use crate::write::{Encoder, EventWriter};

/// Wraps a writer: every event is anonymized before it is encoded.
pub struct AnonWriter {
    inner: Box<dyn EventWriter>,
    encoder: AnonEncoder,
    bytes: Vec<u8>,
}

impl AnonWriter {
    /// `raw`: the output has the `raw` column, which is rewritten too.
    pub fn new(inner: Box<dyn EventWriter>, shared: Arc<Shared>, raw: bool) -> AnonWriter {
        let encoder = AnonEncoder {
            inner: inner.encoder(),
            local: Local::new(shared),
            raw,
        };
        AnonWriter {
            inner,
            encoder,
            bytes: Vec::new(),
        }
    }
}

impl EventWriter for AnonWriter {
    fn write(&mut self, event: &Event<'_>) -> io::Result<()> {
        self.encoder.encode(event, &mut self.bytes);
        self.inner.write_encoded(&mut self.bytes)
    }

    fn encoder(&self) -> Box<dyn Encoder> {
        Box::new(AnonEncoder {
            inner: self.inner.encoder(),
            local: Local::new(self.encoder.local.shared().clone()),
            raw: self.encoder.raw,
        })
    }

    fn write_encoded(&mut self, bytes: &mut Vec<u8>) -> io::Result<()> {
        self.inner.write_encoded(bytes)
    }

    fn finish(&mut self) -> io::Result<()> {
        self.inner.finish()
    }

    fn batch_start(&mut self) {
        self.encoder.local.batch_start();
    }
}

struct AnonEncoder {
    inner: Box<dyn Encoder>,
    local: Local,
    raw: bool,
}

impl Encoder for AnonEncoder {
    fn header(&self, out: &mut Vec<u8>) {
        self.inner.header(out);
    }

    fn batch_start(&mut self) {
        self.local.batch_start();
    }

    fn encode(&mut self, event: &Event<'_>, out: &mut Vec<u8>) {
        let inner = &mut self.inner;
        self.local
            .anonymized(event, self.raw, &mut |copy| inner.encode(copy, out));
    }
}
