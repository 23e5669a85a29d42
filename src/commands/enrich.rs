//! `publist enrich`: add what services know and the bib files lack, as a minimal patch
//! (a unified diff, or written in place with `--write`).

use std::io::Write as _;

use crate::bib;
use crate::cli::EnrichArgs;
use crate::commands::common;
use crate::commands::harvested;
use crate::diagnostics::{self, Diagnostic};
use crate::error::{ExitCode, Result};
use crate::merge::enrich::{self, EnrichOptions};
use crate::merge::identity::PairKind;

/// Runs `publist enrich`.
pub fn run(args: EnrichArgs) -> Result<ExitCode> {
    let mut overrides = common::overrides(&args.input);
    overrides.store = args.store.clone();
    let config = crate::config::Config::load(&overrides)?;
    let options = EnrichOptions::new(&config, &args.fields, args.allow_citation_decrease)?;
    let bib = bib::load(&config.bib_files);
    let candidates = harvested::work_candidates(&config, &bib, args.offline)?;
    let plan = enrich::plan(&bib.publications, &candidates, &options);

    let mut diags: Vec<Diagnostic> = plan.notes.clone();
    for c in &plan.conflicts {
        let p = bib.get(&c.key);
        let mut d = Diagnostic::warning("merge-conflict", c.describe())
            .key(c.key.clone())
            .help("check which value is right and fix the bib file by hand; publist never overwrites it");
        if let Some(p) = p {
            d = d.at(&p.span.file, p.span.line, p.span.column);
        }
        diags.push(d);
    }
    for pair in plan.pairs.iter().filter(|p| p.kind == PairKind::Duplicate) {
        let mut d = Diagnostic::warning(
            "merge-duplicate",
            format!(
                "`{}` and `{}` look like the same work: {}",
                pair.a, pair.b, pair.reason
            ),
        )
        .key(pair.b.clone())
        .help("keep one entry, or make them differ if they are different works");
        if let Some(p) = bib.get(&pair.b) {
            d = d.at(&p.span.file, p.span.line, p.span.column);
        }
        diags.push(d);
    }
    let (patches, patch_diags) = enrich::patch_files(&bib, &plan.changes);
    diags.extend(patch_diags);
    diagnostics::sort(&mut diags);
    common::print_diagnostics(&diags, Some(&bib));

    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for pair in plan.pairs.iter().filter(|p| p.kind == PairKind::Related) {
        let _ = writeln!(
            err,
            "related: `{}` and `{}` ({})",
            pair.a, pair.b, pair.reason
        );
    }
    let entries: std::collections::BTreeSet<&str> =
        plan.changes.iter().map(|c| c.key.as_str()).collect();
    let _ = writeln!(
        err,
        "enrich: {} field(s) in {} entr{} from {} candidate(s); {} conflict(s), {} duplicate pair(s), {} related pair(s)",
        plan.changes.len(),
        entries.len(),
        if entries.len() == 1 { "y" } else { "ies" },
        candidates.len(),
        plan.conflicts.len(),
        plan.pairs.iter().filter(|p| p.kind == PairKind::Duplicate).count(),
        plan.pairs.iter().filter(|p| p.kind == PairKind::Related).count(),
    );
    drop(err);

    if args.write {
        for patch in &patches {
            crate::fsutil::write_atomic(&patch.path, patch.after.as_bytes())?;
            eprintln!("wrote {}", patch.path.display());
        }
    } else {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        for patch in &patches {
            let _ = write!(out, "{}", enrich::unified_diff(patch));
        }
    }
    let errors = diags.iter().any(Diagnostic::is_error);
    Ok(if errors {
        ExitCode::DataProblems
    } else {
        ExitCode::Ok
    })
}
