//! liclog: read the logs that software-license servers write and turn them
//! into one canonical event stream (see `docs/schema.md`).
//!
//! The pipeline is
//! `input (path | -) -> decompress -> decode -> lines -> vendor reader -> Event -> writer`,
//! and every stage streams: memory stays flat whatever the input size.

pub mod anon;
pub mod batch;
pub mod convert;
pub mod dating;
pub mod defs;
pub mod detect;
pub mod error;
pub mod event;
pub mod format;
pub mod input;
pub mod lines;
pub mod read;
pub mod report;
pub mod schema;
pub mod series;
pub mod sessions;
pub mod write;

pub use error::{Error, Result};
pub use event::{Event, Kind, Time, TimeSource, Value};
pub use format::Format;
