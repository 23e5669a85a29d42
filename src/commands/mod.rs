//! One module per subcommand; each is a short script over the pipeline stages.

use crate::cli::Command;
use crate::error::{Error, ExitCode, Result};

pub mod check;
pub mod common;
pub mod export;

/// Runs one subcommand.
pub fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Check(args) => check::run(args),
        Command::Export(args) => export::run(args),
        Command::Build(_) => Err(Error::Other("build: not implemented yet".into())),
        Command::Harvest(_) => Err(Error::Other("harvest: not implemented yet".into())),
        Command::Store(_) => Err(Error::Other("store: not implemented yet".into())),
        Command::Enrich(_) => Err(Error::Other("enrich: not implemented yet".into())),
        Command::Discover(_) => Err(Error::Other("discover: not implemented yet".into())),
        Command::Apply(_) => Err(Error::Other("apply: not implemented yet".into())),
        Command::Fill(_) => Err(Error::Other("fill: not implemented yet".into())),
        Command::Refresh(_) => Err(Error::Other("refresh: not implemented yet".into())),
    }
}
