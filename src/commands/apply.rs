//! `publist apply`: the accepted items of a reviewed discover file become bib entries, the
//! rejected ones go to the ignore list. Running it again adds nothing.

use std::io::Write as _;

use crate::bib::{self, edit};
use crate::cli::ApplyArgs;
use crate::commands::common;
use crate::commands::harvested;
use crate::error::{Error, ExitCode, Result};
use crate::merge::apply;
use crate::merge::enrich::{self, FilePatch};
use crate::merge::ignore::IgnoreList;
use crate::merge::review;

/// Runs `publist apply`.
pub fn run(args: ApplyArgs) -> Result<ExitCode> {
    let mut overrides = common::overrides(&args.input);
    overrides.store = args.store.clone();
    let config = crate::config::Config::load(&overrides)?;
    let text = std::fs::read_to_string(&args.review).map_err(|source| Error::Read {
        path: args.review.clone(),
        source,
    })?;
    let (items, diags) = review::parse(&text, &args.review);
    common::print_diagnostics(&diags, None);

    let into = args
        .into
        .clone()
        .or_else(|| config.apply_into.clone())
        .or_else(|| config.bib_files.last().cloned())
        .ok_or_else(|| {
            Error::Config(
                "no bib file to add entries to: pass --into FILE or set [discover] into".into(),
            )
        })?;
    let mut files = config.bib_files.clone();
    if !files.contains(&into) && into.is_file() {
        files.push(into.clone());
    }
    let bib = bib::load(&files);
    let before = crate::textfile::read_for_edit(&into)?.unwrap_or_default();
    let mut keys: Vec<String> = bib.publications.iter().map(|p| p.key.clone()).collect();
    keys.extend(edit::scan_entries(&before).into_iter().map(|e| e.key));

    let stored = harvested::stored_works(&config, &items)?;
    let plan = apply::plan(
        &items,
        &stored,
        &bib.publications,
        &keys,
        &config.apply_groups,
        &config.key_template,
        config.title_threshold,
    );
    let after = apply::insert_entries(&before, &plan.additions);
    let patch = FilePatch {
        path: into.clone(),
        before,
        after,
    };
    let ignore_path = args
        .ignore
        .clone()
        .unwrap_or_else(|| config.ignore_file.clone());

    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for s in &plan.skipped {
        let _ = writeln!(err, "skipped: {s}");
    }
    if args.dry_run {
        print!("{}", enrich::unified_diff(&patch));
        for (token, reason) in &plan.ignores {
            let _ = writeln!(
                err,
                "would add to {}: {token}  # {reason}",
                ignore_path.display()
            );
        }
    } else {
        if patch.after != patch.before {
            crate::fsutil::write_atomic(&into, patch.after.as_bytes())?;
        }
        let ignored = IgnoreList::append(&ignore_path, &plan.ignores)?;
        let _ = writeln!(
            err,
            "apply: added {} entr{} to {}{}; {} id(s) added to {}",
            plan.additions.len(),
            if plan.additions.len() == 1 {
                "y"
            } else {
                "ies"
            },
            into.display(),
            if plan.additions.is_empty() {
                String::new()
            } else {
                format!(
                    " ({})",
                    plan.additions
                        .iter()
                        .map(|a| a.key.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
            ignored,
            ignore_path.display()
        );
    }
    Ok(ExitCode::Ok)
}
