//! One module per subcommand; each is a short script over the pipeline stages.

use crate::cli::Command;
use crate::error::{ExitCode, Result};

pub mod apply;
pub mod build;
pub mod check;
pub mod common;
pub mod discover;
pub mod enrich;
pub mod export;
pub mod fill;
pub mod harvest;
pub mod harvested;
pub mod refresh;
pub mod store;

/// Runs one subcommand.
pub fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Check(args) => check::run(args),
        Command::Export(args) => export::run(args),
        Command::Build(args) => build::run(args),
        Command::Harvest(args) => harvest::run(args),
        Command::Store(args) => store::run(args),
        Command::Enrich(args) => enrich::run(args),
        Command::Discover(args) => discover::run(args),
        Command::Apply(args) => apply::run(args),
        Command::Fill(args) => fill::run(args),
        Command::Refresh(args) => refresh::run(args),
    }
}
