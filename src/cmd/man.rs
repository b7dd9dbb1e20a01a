//! `liclog man [COMMAND]`: manual pages in roff, from the same definitions
//! as `--help`.

use std::io::Write;
use std::path::PathBuf;

use clap::Command;
use liclog::Error;

use super::output::{Output, named};
use crate::exit;

#[derive(clap::Args)]
pub struct Args {
    /// The command whose page to print (liclog's own page when omitted)
    #[arg(value_name = "COMMAND")]
    command: Option<String>,
    /// Write every page (liclog.1, liclog-convert.1, …) into DIR instead
    #[arg(short, long, value_name = "DIR", conflicts_with = "command")]
    output: Option<PathBuf>,
}

pub fn run(args: Args, command: Command) -> u8 {
    match man(args, command) {
        Ok(()) => exit::OK,
        Err(e) => super::report(&e),
    }
}

fn man(args: Args, mut command: Command) -> Result<(), Error> {
    command.build();
    if let Some(dir) = &args.output {
        std::fs::create_dir_all(dir).map_err(|e| named(Error::Write(e), &dir.to_string_lossy()))?;
        let mut pages = vec![("liclog".to_string(), command.clone())];
        for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
            pages.push((format!("liclog-{}", sub.get_name()), page_of(&command, sub)));
        }
        for (name, page) in pages {
            let target = dir.join(format!("{name}.1")).to_string_lossy().into_owned();
            let output = Output::create(&target).map_err(|e| named(Error::Write(e), &target))?;
            let mut w = output.writer().map_err(Error::Write)?;
            let written = clap_mangen::Man::new(page)
                .render(&mut w)
                .and_then(|()| w.flush());
            written.map_err(|e| named(Error::Write(e), &target))?;
            drop(w);
            output
                .commit()
                .map_err(|e| named(Error::Write(e), &target))?;
        }
        return Ok(());
    }
    let page = match &args.command {
        None => command,
        Some(name) => {
            let sub = command.find_subcommand(name).ok_or_else(|| {
                let names: Vec<&str> = command.get_subcommands().map(|s| s.get_name()).collect();
                Error::Usage(format!(
                    "no command {name:?}; the commands are {}",
                    names.join(", ")
                ))
            })?;
            page_of(&command, sub)
        }
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut roff)
        .map_err(Error::Write)?;
    super::write_stdout(&roff).map_err(Error::Write)
}

/// A subcommand's page, titled `liclog-NAME` as man expects.
fn page_of(top: &Command, sub: &Command) -> Command {
    sub.clone()
        .name(format!("{}-{}", top.get_name(), sub.get_name()))
        .bin_name(format!("{} {}", top.get_name(), sub.get_name()))
        .version(top.get_version().unwrap_or_default().to_string())
}
