//! liclog reads the logs that software-license servers write (FlexNet /
//! FLEXlm, RLM, Sentinel RMS, LM-X, and formats described in TOML) and
//! turns them into one canonical event stream: one [`Event`] per line.
//!
//! The pipeline is
//! `input (path | -) -> decompress -> decode -> lines -> reader -> Event -> writer`,
//! and every stage streams: memory stays flat whatever the input size.
//!
//! # Reading events
//!
//! [`read_events`] reads one input and calls a closure with each event:
//!
//! ```no_run
//! use liclog::{ConvertOptions, Kind};
//!
//! let mut denials = 0;
//! let summary = liclog::read_events("lmgrd.log", &ConvertOptions::default(), |ev| {
//!     if ev.kind == Kind::Denial {
//!         denials += 1;
//!     }
//! })?;
//! println!("{denials} denials in {} lines of {:?}", summary.lines, summary.format);
//! # Ok::<(), liclog::Error>(())
//! ```
//!
//! A type of your own can take the events instead, by implementing
//! [`write::EventWriter`]; [`write::writer_for`] gives liclog's own
//! writers (canonical JSONL and CSV, and the vendor formats).
//!
//! # Anonymizing
//!
//! [`anon::anonymize_file`] writes a log back in its own format with keyed
//! pseudonyms in place of every identifying name, and writes nothing
//! unless no identifier survives.
//!
//! # Sessions
//!
//! [`sessions::Engine`] pairs checkins with checkouts and counts the
//! licenses in use, as the vendor writers and `liclog report` do.
//!
//! The modules marked hidden serve the `liclog` command line; their items
//! are public for it, not a stable interface.

#![warn(missing_docs)]

pub mod anon;
#[doc(hidden)]
pub mod batch;
#[doc(hidden)]
pub mod convert;
#[doc(hidden)]
pub mod dating;
#[doc(hidden)]
pub mod defs;
#[doc(hidden)]
pub mod detect;
pub mod error;
pub mod event;
mod events;
pub mod format;
#[doc(hidden)]
pub mod input;
#[doc(hidden)]
pub mod lines;
#[doc(hidden)]
pub mod read;
#[doc(hidden)]
pub mod report;
#[doc(hidden)]
pub mod schema;
#[doc(hidden)]
pub mod seal;
#[doc(hidden)]
pub mod series;
pub mod sessions;
pub mod write;

pub use convert::ConvertOptions;
pub use dating::Zone;
pub use error::{Error, Result};
pub use event::{Event, Kind, Time, TimeSource, Value};
pub use events::{Summary, read_events};
pub use format::Format;
pub use input::Decoding;
pub use read::ReadOptions;
