//! `liclog completions SHELL`: the shell's completion script, on stdout.

use clap::Command;
use clap_complete::Shell;

use crate::exit;

#[derive(clap::Args)]
pub struct Args {
    /// The shell to complete in
    #[arg(value_enum)]
    shell: Shell,
}

pub fn run(args: Args, mut command: Command) -> u8 {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "liclog", &mut script);
    match super::write_stdout(&script) {
        Ok(()) => exit::OK,
        Err(e) => super::report(&liclog::Error::Write(e)),
    }
}
