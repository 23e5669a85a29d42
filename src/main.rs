//! The `publist` binary: parse the command line, start logging, run the command,
//! map the outcome to an exit code.

use clap::Parser;
use publist::cli::{BuildArgs, Cli, Command};

/// mimalloc instead of glibc malloc: builds allocate millions of small strings, and glibc's
/// allocator cost a quarter of a 100k build's CPU (see docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.quiet);
    let command = cli.command.unwrap_or(Command::Build(BuildArgs::default()));
    let code = match publist::commands::run(command) {
        Ok(code) => code.code(),
        Err(err) => {
            eprintln!("error: {err}");
            let mut source = std::error::Error::source(&err);
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            err.exit_code() as i32
        }
    };
    std::process::ExitCode::from(u8::try_from(code).unwrap_or(1))
}

fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("PUBLIST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("publist={level}")));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .init();
}
