//! `publist store stats` and `publist store export`.

use std::io::Write as _;

use crate::cli::{ReportFormat, StoreAction, StoreArgs};
use crate::config::{Config, Overrides};
use crate::error::{Error, ExitCode, Result};
use crate::store::Store;

/// Runs `publist store …`.
pub fn run(args: StoreArgs) -> Result<ExitCode> {
    match args.action {
        StoreAction::Stats {
            config,
            store,
            format,
        } => stats(open(config, store)?, format),
        StoreAction::Export { config, store } => export(open(config, store)?),
    }
}

fn open(config: Option<std::path::PathBuf>, store: Option<std::path::PathBuf>) -> Result<Store> {
    let config = Config::load(&Overrides {
        config,
        store,
        ..Overrides::default()
    })?;
    match Store::open_existing(&config.store_path)? {
        Some(s) => Ok(s),
        None => Err(Error::Other(format!(
            "no store at {}; run `publist harvest` first (or pass --store PATH)",
            config.store_path.display()
        ))),
    }
}

fn stats(store: Store, format: ReportFormat) -> Result<ExitCode> {
    let stats = store.stats()?;
    match format {
        ReportFormat::Json => {
            let json = serde_json::to_string_pretty(&serde_json::json!({ "services": stats }))
                .map_err(|e| Error::Other(format!("cannot write the stats: {e}")))?;
            println!("{json}");
        }
        ReportFormat::Text => {
            println!("store {}", store.path().display());
            println!(
                "{:<10} {:>9} {:>8} {:>7} {:>10}  {:<20}  {:<20}",
                "service", "responses", "lookups", "found", "candidates", "oldest", "newest"
            );
            for (service, s) in &stats {
                println!(
                    "{:<10} {:>9} {:>8} {:>7} {:>10}  {:<20}  {:<20}",
                    service,
                    s.responses,
                    s.lookups,
                    s.found,
                    s.candidates,
                    s.oldest.as_deref().unwrap_or("-"),
                    s.newest.as_deref().unwrap_or("-")
                );
            }
        }
    }
    Ok(ExitCode::Ok)
}

fn export(store: Store) -> Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    store.export(&mut out)?;
    out.flush()
        .map_err(|e| Error::Other(format!("cannot write to stdout: {e}")))?;
    Ok(ExitCode::Ok)
}
