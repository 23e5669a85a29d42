//! `publist fill`: propose publications for project pages, show why and the page diff,
//! write them into the `bibkeys` field on request, or evaluate the ranker on filled pages.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::cli::{FillArgs, ReportFormat};
use crate::commands::common;
use crate::error::{Error, ExitCode, Result};
use crate::model::Project;
use crate::rank::{self, eval, Ranker, Suggestion};
use crate::site::edit;

/// What `fill` did for one project.
#[derive(Debug, Serialize)]
struct ProjectReport {
    slug: String,
    path: String,
    /// Keys already on the page.
    existing: Vec<String>,
    proposals: Vec<Suggestion>,
    /// Unified diff of the page (empty when nothing changes).
    diff: String,
    written: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// The `--format json` shape of a dry run or a write.
#[derive(Debug, Serialize)]
struct FillReport {
    projects: Vec<ProjectReport>,
    /// Pages written.
    written: usize,
}

/// One project of an evaluation.
#[derive(Debug, Serialize)]
struct EvalProject {
    slug: String,
    /// The page's keys that exist in the bibliography.
    truth: Vec<String>,
    /// The first 10 ranked keys.
    ranked: Vec<String>,
    /// The page's keys that are not in the bibliography (left out of the truth).
    left_out: Vec<String>,
    precision_at_5: f64,
    recall_at_10: f64,
    mrr: f64,
}

/// The `--format json` shape of `--evaluate`.
#[derive(Debug, Serialize)]
struct EvalReport {
    precision_at_5: f64,
    recall_at_10: f64,
    mrr: f64,
    /// Projects evaluated.
    evaluated: usize,
    /// Keys left out of the truth because the bibliography lacks them.
    left_out: usize,
    /// Those keys, as `key (project)`.
    left_out_keys: Vec<String>,
    projects: Vec<EvalProject>,
}

/// Runs `publist fill`.
pub fn run(args: FillArgs) -> Result<ExitCode> {
    let config = common::config_from(&args.input)?;
    let min_score = args.min_score.unwrap_or(config.fill_min_score);
    let max = args.max.unwrap_or(config.fill_max);
    let inputs = common::load_inputs(config);
    let (errors, warnings) = common::count(&inputs.diagnostics());
    if errors + warnings > 0 {
        eprintln!(
            "note: the inputs have {errors} errors and {warnings} warnings; `publist check` lists them"
        );
    }
    let projects = select(&inputs.site.projects, &args.projects_only)?;
    let mut ranker = Ranker::new(&inputs.bib, &inputs.site.people, &inputs.attribution);
    if args.evaluate {
        let report = evaluate(&mut ranker, &inputs.bib, &projects);
        print_eval(&report, args.format)?;
        return Ok(ExitCode::Ok);
    }
    let reports: Vec<ProjectReport> = propose(&mut ranker, &projects, args.all, min_score, max)
        .into_iter()
        .map(|p| page_report(p.project, p.proposals, args.write))
        .collect();
    let written = reports.iter().filter(|r| r.written).count();
    let failed = reports.iter().filter(|r| r.error.is_some()).count();
    match args.format {
        ReportFormat::Json => {
            let report = FillReport {
                projects: reports,
                written,
            };
            println!("{}", to_json(&report)?);
        }
        ReportFormat::Text => print!("{}", render_text(&reports, args.write)),
    }
    Ok(if failed > 0 {
        ExitCode::DataProblems
    } else {
        ExitCode::Ok
    })
}

/// One project's proposals.
#[derive(Debug)]
pub struct ProjectProposals<'p> {
    /// The project page.
    pub project: &'p Project,
    /// Proposed publications, best first.
    pub proposals: Vec<Suggestion>,
}

/// Ranks every project with empty bibkeys (all projects with `all`, proposing only keys
/// not yet on the page) and keeps the proposals scoring at least `min_score`, at most `max`
/// per project. The library entry point for `refresh`.
pub fn propose<'p>(
    ranker: &mut Ranker<'_>,
    projects: &[&'p Project],
    all: bool,
    min_score: f64,
    max: usize,
) -> Vec<ProjectProposals<'p>> {
    let mut out = Vec::new();
    for &project in projects {
        if !project.bibkeys.is_empty() && !all {
            continue;
        }
        let exclude: BTreeSet<String> = project.bibkeys.iter().map(|k| k.to_lowercase()).collect();
        let proposals = ranker
            .rank(project, &exclude)
            .into_iter()
            .filter(|s| s.score >= min_score && is_proposable(s))
            .take(max)
            .collect();
        out.push(ProjectProposals { project, proposals });
    }
    out
}

/// The page text before and after adding `keys` to the project's `bibkeys` (set when the
/// field is empty or missing, appended otherwise), written atomically when `write`.
pub fn apply_keys(project: &Project, keys: &[String], write: bool) -> Result<(String, String)> {
    let old = crate::textfile::read_existing_for_edit(&project.path)?;
    let new = if project.bibkeys.is_empty() {
        edit::set_bibkeys(&old, keys)
    } else {
        edit::add_bibkeys(&old, keys)
    }
    .map_err(|e| Error::Other(format!("{}: {e}", project.path.display())))?;
    if write && old != new {
        edit::write_page(&project.path, &new)?;
    }
    Ok((old, new))
}

/// A suggestion worth proposing: some project person wrote it, or its text is close.
fn is_proposable(s: &Suggestion) -> bool {
    !s.evidence.people.is_empty() || s.evidence.text >= rank::TEXT_ONLY_FLOOR
}

/// The projects named on the command line (by slug, case-insensitive), or all.
fn select<'p>(all: &'p [Project], only: &[String]) -> Result<Vec<&'p Project>> {
    if only.is_empty() {
        return Ok(all.iter().collect());
    }
    let mut out = Vec::new();
    for wanted in only {
        let w = wanted.trim_end_matches(".md").to_lowercase();
        match all.iter().find(|p| p.slug.to_lowercase() == w) {
            Some(p) => out.push(p),
            None => {
                let mut near: Vec<(usize, &str)> = all
                    .iter()
                    .map(|p| (strsim::levenshtein(&p.slug, &w), p.slug.as_str()))
                    .collect();
                near.sort();
                let hint: Vec<&str> = near.iter().take(3).map(|(_, s)| *s).collect();
                return Err(Error::Config(format!(
                    "no project page with slug `{wanted}`; nearest: {}",
                    hint.join(", ")
                )));
            }
        }
    }
    Ok(out)
}

/// Proposes `proposals` for one page: the new text, its diff, and the write when asked.
fn page_report(project: &Project, proposals: Vec<Suggestion>, write: bool) -> ProjectReport {
    let mut report = ProjectReport {
        slug: project.slug.clone(),
        path: project.path.display().to_string(),
        existing: project.bibkeys.clone(),
        proposals,
        diff: String::new(),
        written: false,
        error: None,
    };
    if report.proposals.is_empty() {
        return report;
    }
    let keys: Vec<String> = report.proposals.iter().map(|s| s.key.clone()).collect();
    match apply_keys(project, &keys, write) {
        Err(e) => report.error = Some(e.to_string()),
        Ok((old, new)) => {
            report.diff = unified_diff(&project.path, &old, &new);
            report.written = write && old != new;
        }
    }
    report
}

fn unified_diff(path: &Path, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let name = path.display().to_string();
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(1)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}

fn render_text(reports: &[ProjectReport], write: bool) -> String {
    let mut out = String::new();
    let mut proposed = 0;
    let mut empty = Vec::new();
    for r in reports {
        if let Some(e) = &r.error {
            let _ = writeln!(out, "error: {}: {e}", r.slug);
        }
        if r.proposals.is_empty() {
            empty.push(r.slug.as_str());
            continue;
        }
        proposed += 1;
        let _ = writeln!(
            out,
            "{} ({}): {} proposal{}",
            r.slug,
            r.path,
            r.proposals.len(),
            if r.proposals.len() == 1 { "" } else { "s" }
        );
        let width = r.proposals.iter().map(|s| s.key.len()).max().unwrap_or(0);
        for s in &r.proposals {
            let _ = writeln!(out, "  {:>7.3}  {:<width$}  {}", s.score, s.key, s.reason);
        }
        if !r.diff.is_empty() {
            out.push_str(&r.diff);
        }
        out.push('\n');
    }
    if !empty.is_empty() {
        let _ = writeln!(
            out,
            "nothing to propose for {} project{}: {}",
            empty.len(),
            if empty.len() == 1 { "" } else { "s" },
            empty.join(", ")
        );
    }
    let written = reports.iter().filter(|r| r.written).count();
    if write {
        let _ = writeln!(
            out,
            "wrote {written} page{}",
            if written == 1 { "" } else { "s" }
        );
    } else if proposed > 0 {
        let _ = writeln!(
            out,
            "dry run: {proposed} page{} would change; run with --write to write them",
            if proposed == 1 { "" } else { "s" }
        );
    }
    out
}

/// Hides the keys of every filled project, ranks, and scores the ranking against them.
fn evaluate(
    ranker: &mut Ranker<'_>,
    bib: &crate::bib::Bibliography,
    projects: &[&Project],
) -> EvalReport {
    let mut rows = Vec::new();
    let mut all = Vec::new();
    let mut left_out_keys = Vec::new();
    for project in projects.iter().filter(|p| !p.bibkeys.is_empty()) {
        let mut truth = Vec::new();
        let mut missing = Vec::new();
        for key in &project.bibkeys {
            match bib.get(key) {
                Some(p) if !truth.contains(&p.key) => truth.push(p.key.clone()),
                Some(_) => {}
                None => missing.push(key.clone()),
            }
        }
        left_out_keys.extend(missing.iter().map(|k| format!("{k} ({})", project.slug)));
        if truth.is_empty() {
            continue;
        }
        let ranked: Vec<String> = ranker
            .rank(project, &BTreeSet::new())
            .into_iter()
            .map(|s| s.key)
            .collect();
        let m = eval::score(&ranked, &truth);
        all.push(m);
        rows.push(EvalProject {
            slug: project.slug.clone(),
            truth,
            ranked: ranked.into_iter().take(10).collect(),
            left_out: missing,
            precision_at_5: m.precision_at_5,
            recall_at_10: m.recall_at_10,
            mrr: m.mrr,
        });
    }
    let total = eval::mean(&all);
    EvalReport {
        precision_at_5: total.precision_at_5,
        recall_at_10: total.recall_at_10,
        mrr: total.mrr,
        evaluated: rows.len(),
        left_out: left_out_keys.len(),
        left_out_keys,
        projects: rows,
    }
}

fn print_eval(report: &EvalReport, format: ReportFormat) -> Result<()> {
    if format == ReportFormat::Json {
        println!("{}", to_json(report)?);
        return Ok(());
    }
    let mut out = String::new();
    let width = report
        .projects
        .iter()
        .map(|p| p.slug.len())
        .max()
        .unwrap_or(0)
        .max(5);
    let _ = writeln!(out, "{:<width$}  truth   P@5  R@10   MRR", "project");
    for p in &report.projects {
        let _ = writeln!(
            out,
            "{:<width$}  {:>5}  {:.2}  {:.2}  {:.2}",
            p.slug,
            p.truth.len(),
            p.precision_at_5,
            p.recall_at_10,
            p.mrr
        );
    }
    let _ = writeln!(
        out,
        "{:<width$}  {:>5}  {:.2}  {:.2}  {:.2}",
        format!("mean of {}", report.evaluated),
        "",
        report.precision_at_5,
        report.recall_at_10,
        report.mrr
    );
    if report.evaluated == 0 {
        let _ = writeln!(out, "no project has bibkeys that exist in the bibliography");
    }
    if report.left_out > 0 {
        let listed = &report.left_out_keys;
        let _ = writeln!(
            out,
            "{} key{} left out of the truth (not in the bibliography){}{}",
            report.left_out,
            if report.left_out == 1 { "" } else { "s" },
            if listed.is_empty() { "" } else { ": " },
            listed.join(", ")
        );
    }
    print!("{out}");
    Ok(())
}

fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string_pretty(value).map_err(|e| Error::Other(format!("JSON output: {e}")))
}
