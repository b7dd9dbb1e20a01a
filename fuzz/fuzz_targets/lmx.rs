//! The LM-X reader must never panic, and must turn every line into
//! exactly one event, whatever the bytes.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use liclog::read::lmx::LmxReader;

fuzz_target!(|data: &[u8]| {
    let mut reader = LmxReader::new("fuzz", &common::options(data));
    common::one_event_per_line(&mut reader, data);
});
