//! Batches of inputs: directories and patterns walked ([`walk`]), each file
//! surveyed ([`survey`]), the reading order and what not to read twice
//! ([`plan`]), and the record of what was done ([`manifest`]).

pub mod manifest;
pub mod plan;
pub mod run;
pub mod survey;
pub mod walk;

pub use plan::{Entry, Plan, PlanOptions, Status};
pub use walk::{Expanded, Found, WalkOptions};
