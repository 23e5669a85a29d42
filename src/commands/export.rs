//! `publist export`: the normalized publications as JSON, CSL-JSON or clean BibTeX.

use std::io::Write as _;

use super::common;
use crate::bib::{self, csl, write};
use crate::cli::{ExportArgs, ExportFormat};
use crate::error::{Error, ExitCode, Result};
use crate::model::Publication;

/// Runs `publist export`. Unknown `--key`s are bad usage (exit 3).
pub fn run(args: ExportArgs) -> Result<ExitCode> {
    let config = common::config_from(&args.input)?;
    if config.bib_files.is_empty() {
        return Err(Error::Config(
            "no bib files: give --bib FILE or list them under [bib] files in publist.toml".into(),
        ));
    }
    let bib = bib::load_with(&config.bib_files, &bib::LoadOptions { key_pattern: None });
    let (errors, _) = common::count(&bib.diagnostics);
    if errors > 0 {
        eprintln!("warning: the bib files have {errors} error(s); run `publist check` to see them");
    }
    let selected: Vec<&Publication> = if args.keys.is_empty() {
        bib.publications.iter().collect()
    } else {
        let missing: Vec<&str> = args
            .keys
            .iter()
            .filter(|k| bib.get(k).is_none())
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(Error::Config(format!(
                "no entry with key {} in the bib files",
                missing
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        args.keys.iter().filter_map(|k| bib.get(k)).collect()
    };
    let text = match args.format {
        ExportFormat::Json => to_json(&selected)?,
        ExportFormat::CslJson => to_json(&csl::to_csl_json(selected.iter().copied()))?,
        ExportFormat::Bibtex => write::to_bibtex(selected.iter().copied()),
    };
    match &args.output {
        Some(path) => crate::fsutil::write_atomic(path, text.as_bytes())?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .map_err(|e| Error::Other(format!("cannot write to stdout: {e}")))?;
        }
    }
    Ok(ExitCode::Ok)
}

fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string_pretty(value)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| Error::Other(format!("cannot write JSON: {e}")))
}
