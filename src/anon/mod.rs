//! Keyed anonymization: identifying fields replaced by consistent
//! pseudonyms, everything else kept byte for byte (`docs/anonymization.md`).
//!
//! A run reads each input once, replacing every identifying field and the
//! names it already knows in free text. The leak check then asks a filter
//! of every word run written whether any name met may survive; only then
//! is the output searched exactly, and if a name did survive (one met
//! after a line that repeats it), everything is written again, with every
//! name known from the start.

pub mod check;
pub mod convert;
pub mod detector;
pub mod fields;
pub mod key;
pub mod local;
pub mod names;
pub mod pseudonym;
pub mod rewrite;
pub mod shared;
pub mod structure;
pub mod tokens;

pub use self::key::{KEY_ENV, Key};
pub use self::local::Local;
pub use self::pseudonym::{Class, Pseudonyms};
pub use self::shared::Shared;
