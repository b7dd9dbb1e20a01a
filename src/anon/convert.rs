//! `convert --anonymize`: events written to CSV or JSONL with pseudonyms in
//! their identifying fields and known names replaced in their free text.

use std::io;
use std::sync::Arc;

use super::local::Local;
use super::shared::Shared;
use crate::event::Event;
use crate::write::{Encoder, EventWriter};

/// Wraps a writer: every event is anonymized before it is encoded (or,
/// for a writer without an encoder, before it is written).
pub struct AnonWriter {
    inner: Box<dyn EventWriter>,
    local: Local,
    inner_encoder: Option<Box<dyn Encoder>>,
    raw: bool,
    bytes: Vec<u8>,
}

impl AnonWriter {
    /// `raw`: the `raw` field is written, so it is rewritten too.
    pub fn new(inner: Box<dyn EventWriter>, shared: Arc<Shared>, raw: bool) -> AnonWriter {
        AnonWriter {
            inner_encoder: inner.encoder(),
            inner,
            local: Local::new(shared),
            raw,
            bytes: Vec::new(),
        }
    }
}

impl EventWriter for AnonWriter {
    fn write(&mut self, event: &Event<'_>) -> io::Result<()> {
        let (inner, bytes) = (&mut self.inner, &mut self.bytes);
        match &mut self.inner_encoder {
            Some(encoder) => {
                self.local
                    .anonymized(event, self.raw, &mut |copy| encoder.encode(copy, bytes));
                inner.write_encoded(bytes)
            }
            None => {
                let mut result = Ok(());
                self.local
                    .anonymized(event, self.raw, &mut |copy| result = inner.write(copy));
                result
            }
        }
    }

    fn encoder(&self) -> Option<Box<dyn Encoder>> {
        Some(Box::new(AnonEncoder {
            inner: self.inner.encoder()?,
            local: Local::new(self.local.shared().clone()),
            raw: self.raw,
        }))
    }

    fn write_encoded(&mut self, bytes: &mut Vec<u8>) -> io::Result<()> {
        self.inner.write_encoded(bytes)
    }

    fn finish(&mut self) -> io::Result<()> {
        self.inner.finish()
    }

    fn batch_start(&mut self) {
        self.local.batch_start();
    }

    fn losses(&self) -> Vec<(String, u64)> {
        self.inner.losses()
    }

    fn dropped_usage(&self) -> u64 {
        self.inner.dropped_usage()
    }

    fn warnings(&self) -> Vec<String> {
        self.inner.warnings()
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
