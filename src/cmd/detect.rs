//! `liclog detect`: one tab-separated line per file (directories walked):
//! path, format, encoding, compression, reason (which names a file's place
//! in a rotation series).

use std::io::Write;

use liclog::input::{Decoding, Input};

use super::report;
use crate::exit;

#[derive(clap::Args)]
pub struct Args {
    /// Decode inputs that have no BOM with this encoding (WHATWG label)
    #[arg(long, value_name = "LABEL")]
    encoding: Option<String>,
    /// With a directory among the inputs: leave out files and directories matching this glob; repeatable
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Files, directories (walked: one line per file found), quoted glob patterns, or - for stdin
    #[arg(value_name = "INPUT", required = true)]
    inputs: Vec<String>,
}

pub fn run(args: Args) -> u8 {
    let decoding = match Decoding::from_label(args.encoding.as_deref()) {
        Ok(d) => d,
        Err(e) => return report(&e),
    };
    let mut code = exit::OK;
    let walk = liclog::batch::WalkOptions {
        exclude: args.exclude.clone(),
        own: Vec::new(),
    };
    let expanded = match liclog::batch::walk::expand(&args.inputs, &walk) {
        Ok(e) => e,
        Err(e) => return report(&e),
    };
    for w in &expanded.warnings {
        diag!("liclog: warning: {w}");
    }
    for e in &expanded.failures {
        code = code.max(report(e));
    }
    let names: Vec<String> = expanded.files.iter().map(|f| f.name.clone()).collect();
    let mut out = std::io::stdout().lock();
    let plan = liclog::series::plan(&names, decoding, None);
    for (name, found) in names.iter().zip(&expanded.files) {
        let input = match Input::open(name, decoding) {
            Ok(i) => i,
            Err(e) => {
                code = code.max(report(&e));
                continue;
            }
        };
        let d = liclog::detect::detect(&input);
        let mut encoding = input.encoding.clone();
        if input.bom {
            encoding.push_str("-bom");
        }
        let mut reason = d.reason;
        if !input.head_valid {
            reason.push_str(&format!(
                "; not valid {}: pass --encoding LABEL",
                input.encoding
            ));
        }
        if let Some((s, place)) = plan.series.iter().find_map(|s| {
            let place = s.members.iter().position(|m| &m.name == name)?;
            Some((s, place))
        }) {
            reason.push_str(&format!(
                "; rotation series {}: file {} of {} by startup time",
                s.base,
                place + 1,
                s.members.len()
            ));
        }
        let format = d.format.map_or("unknown", |f| f.name());
        // A file found in a directory that is not a log is news, not a
        // failure: `convert` skips it.
        if d.format.is_none() && !found.walked {
            code = code.max(exit::FORMAT);
        }
        let line = format!(
            "{name}\t{format}\t{encoding}\t{}\t{reason}\n",
            input.compression.name()
        );
        if let Err(e) = out.write_all(line.as_bytes()) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return code;
            }
            diag!("liclog: error: writing output: {e}");
            return exit::OUTPUT;
        }
    }
    code
}
