//! Keyed anonymization: identifying fields replaced by consistent
//! pseudonyms, everything else kept byte for byte (`docs/anonymization.md`).
//!
//! A run reads each input once, replacing every identifying field and the
//! names it already knows in free text. The leak check then asks a filter
//! of every word run written whether any name met may survive; only then
//! is the output searched exactly, and if a name did survive (one met
//! after a line that repeats it), everything is written again, with every
//! name known from the start.

#[doc(hidden)]
pub mod check;
#[doc(hidden)]
pub mod convert;
#[doc(hidden)]
pub mod detector;
#[doc(hidden)]
pub mod fields;
mod file;
pub mod key;
#[doc(hidden)]
pub mod local;
#[doc(hidden)]
pub mod names;
#[doc(hidden)]
pub mod pseudonym;
#[doc(hidden)]
pub mod rewrite;
#[doc(hidden)]
pub mod shared;
#[doc(hidden)]
pub mod structure;
#[doc(hidden)]
pub mod tokens;

pub use self::file::anonymize_file;
pub use self::key::{KEY_ENV, Key};
#[doc(hidden)]
pub use self::local::Local;
#[doc(hidden)]
pub use self::pseudonym::{Class, Pseudonyms};
#[doc(hidden)]
pub use self::shared::Shared;
