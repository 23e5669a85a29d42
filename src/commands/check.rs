//! `publist check`: load everything, report every problem.

use serde_json::json;

use super::common;
use crate::cli::{CheckArgs, ReportFormat};
use crate::error::{Error, ExitCode, Result};

/// Runs `publist check`. Exit 0 without errors, 2 with errors, 3 for bad usage.
pub fn run(args: CheckArgs) -> Result<ExitCode> {
    let mut config = common::config_from(&args.input)?;
    if let Some(pattern) = &args.key_pattern {
        config.key_pattern = regex::Regex::new(pattern)
            .map_err(|e| Error::Config(format!("--key-pattern is not a valid regex: {e}")))?;
    }
    if config.bib_files.is_empty() {
        return Err(Error::Config(
            "no bib files: give --bib FILE or list them under [bib] files in publist.toml".into(),
        ));
    }
    let inputs = common::load_inputs(config);
    let diags = inputs.diagnostics();
    let (errors, warnings) = common::count(&diags);
    let entries = inputs.bib.publications.len();
    match args.format {
        ReportFormat::Json => {
            let list: Vec<_> = diags
                .iter()
                .map(|d| {
                    json!({
                        "severity": d.severity.as_str(),
                        "file": d.file.as_ref().map(|f| f.display().to_string()),
                        "line": d.line,
                        "column": d.column,
                        "key": d.key,
                        "code": d.code,
                        "message": d.message,
                        "help": d.help,
                    })
                })
                .collect();
            let report = json!({ "entries": entries, "diagnostics": list });
            let text = serde_json::to_string_pretty(&report)
                .map_err(|e| Error::Other(format!("cannot write JSON: {e}")))?;
            println!("{text}");
        }
        ReportFormat::Text => {
            common::print_diagnostics(&diags, Some(&inputs.bib));
            println!(
                "checked {entries} entries in {} bib file(s): {errors} error(s), {warnings} warning(s)",
                inputs.bib.files.len()
            );
        }
    }
    Ok(if errors > 0 {
        ExitCode::DataProblems
    } else {
        ExitCode::Ok
    })
}
