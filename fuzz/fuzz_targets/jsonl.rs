//! The canonical JSONL reader must never panic, and must give at most one
//! event per line, whatever the bytes.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use liclog::read::jsonl::JsonlReader;

fuzz_target!(|data: &[u8]| {
    let mut reader = JsonlReader::new("fuzz");
    common::at_most_one_event_per_line(&mut reader, data);
});
