//! One module per subcommand; each is a short script over the pipeline stages.

use crate::cli::Command;
use crate::error::{Error, ExitCode, Result};

pub mod apply;
pub mod common;
pub mod discover;
pub mod enrich;
pub mod fill;
pub mod harvest;
pub mod harvested;
pub mod refresh;
pub mod store;

/// Runs one subcommand.
pub fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Check(_) => Err(Error::Other("check: not implemented yet".into())),
        Command::Export(_) => Err(Error::Other("export: not implemented yet".into())),
        Command::Build(_) => Err(Error::Other("build: not implemented yet".into())),
        Command::Harvest(args) => harvest::run(args),
        Command::Store(args) => store::run(args),
        Command::Enrich(args) => enrich::run(args),
        Command::Discover(args) => discover::run(args),
        Command::Apply(args) => apply::run(args),
        Command::Fill(args) => fill::run(args),
        Command::Refresh(args) => refresh::run(args),
    }
}
