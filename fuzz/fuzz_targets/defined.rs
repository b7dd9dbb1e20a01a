//! The user-defined-format reader must never panic, and must turn every
//! line into exactly one event, whatever the bytes: with the shipped
//! StarDrop definition, and (by the input's second byte) with the
//! multi-line one of the golden cases.
#![no_main]

mod common;

use std::path::Path;
use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use liclog::defs::{self, Definition};
use liclog::read::defined::DefinedReader;

fn definitions() -> &'static [Arc<Definition>; 2] {
    static DEFS: OnceLock<[Arc<Definition>; 2]> = OnceLock::new();
    DEFS.get_or_init(|| {
        let load = |text: &str, name: &str| Arc::new(defs::parse(text, Path::new(name)).unwrap());
        [
            load(include_str!("../../formats/stardrop.toml"), "stardrop.toml"),
            load(include_str!("../../golden/defined/multi-line/format.toml"), "format.toml"),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let def = &definitions()[usize::from(data.get(1).is_some_and(|b| b & 1 == 1))];
    let mut reader = DefinedReader::new("fuzz", def.clone(), &common::options(data));
    common::one_event_per_line(&mut reader, data);
});
