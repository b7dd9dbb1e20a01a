//! The library's plain entry point: one input read into events, handed to
//! a closure in line order.

use std::collections::BTreeMap;
use std::io;

use crate::convert::{ConvertOptions, Converter, Diagnostics};
use crate::error::Result;
use crate::event::Event;
use crate::format::Format;
use crate::write::EventWriter;

/// What reading one input gave, besides its events.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// The input's format, as given or detected.
    pub format: Option<Format>,
    /// Lines read.
    pub lines: u64,
    /// Events per kind name (`checkout`, `denial`, …); kinds with none left
    /// out.
    pub events: BTreeMap<String, u64>,
    /// `path:line: message` for lines that matched no known shape and other
    /// oddities: the first twenty, then how many more.
    pub warnings: Vec<String>,
}

/// Reads `input` (a file, plain or gzipped, or `-` for stdin) and calls
/// `each` with every event, in line order: every line gives exactly one
/// event, `unknown` for a line of no known shape.
///
/// The format is `options.from`, or detected. An error that stops the
/// input early (a truncated gzip, an invalid byte) is returned after
/// `each` has seen every event before it.
///
/// ```
/// use liclog::{ConvertOptions, Kind};
///
/// let dir = tempfile::tempdir()?;
/// let log = dir.path().join("lmgrd.log");
/// std::fs::write(&log, "\
/// 9:07:43 (lmgrd) FLEXnet Licensing (v11.16.0.0 build 212586 x64_lsb) started on lic01 (linux) (3/14/2024)
/// 9:08:01 (MLM) OUT: \"MATLAB\" alice@ws07
/// 9:08:05 (MLM) DENIED: \"SIMULINK\" bob@ws09  (Licensed number of users already reached. (-4,342))
/// 9:30:12 (MLM) IN: \"MATLAB\" alice@ws07
/// ")?;
///
/// let mut denied = Vec::new();
/// let summary = liclog::read_events(log.to_str().unwrap(), &ConvertOptions::default(), |ev| {
///     if ev.kind == Kind::Denial {
///         denied.push(format!("{} {}", ev.user.unwrap_or("?"), ev.feature.unwrap_or("?")));
///     }
/// })?;
/// assert_eq!(denied, ["bob SIMULINK"]);
/// assert_eq!(summary.lines, 4);
/// assert_eq!(summary.events["checkout"], 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_events(
    input: &str,
    options: &ConvertOptions,
    each: impl FnMut(&Event<'_>),
) -> Result<Summary> {
    let mut writer = Each(each);
    let mut warnings = Collected(Vec::new());
    let mut converter = Converter::new(options.clone(), &mut writer);
    converter.add_input_after(input, 0, None, &mut warnings, &mut |_| {})?;
    let stats = converter.stats.clone();
    let failure = converter.failures.drain(..).next();
    converter.finish()?;
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(Summary {
        format: stats.format,
        lines: stats.lines,
        events: stats.events(),
        warnings: warnings.0,
    })
}

/// A closure as a writer: on the plain path, one event after another.
struct Each<F>(F);

impl<F: FnMut(&Event<'_>)> EventWriter for Each<F> {
    fn write(&mut self, event: &Event<'_>) -> io::Result<()> {
        (self.0)(event);
        Ok(())
    }
}

/// Every warning the converter gives: it shows the first twenty of an
/// input and then how many more, so this stays short.
struct Collected(Vec<String>);

impl Diagnostics for Collected {
    fn warning(&mut self, message: &str) {
        self.0.push(message.to_string());
    }
}
