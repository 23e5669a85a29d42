//! `publist refresh`: the scheduled job. Harvest → merge (enrich, discover) → fill → build →
//! check, then a change report (Markdown for a pull request, JSON for tools) and an exit code
//! that says what happened: 0 nothing changed, `changes_exit_code` (10) changes made or
//! proposed, 2 data problems or a degraded run, 1 only for an unexpected failure.
//!
//! Every stage is called through the library. A service outage never stops the run: the
//! failing services are named, the report says "degraded", and the build runs from the store.
//! Without `--write` no repository file changes; the build goes to a temporary folder and is
//! compared with the output folder. `--check` only builds and compares, for pull-request CI.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cli::RefreshArgs;
use crate::commands::common::{self, Inputs};
use crate::commands::harvested;
use crate::config::Config;
use crate::diagnostics::{self, Diagnostic};
use crate::error::{Error, ExitCode, Result};
use crate::fsutil::{self, WriteOutcome};
use crate::merge::discover::{self, Context, ItemIds, Subject};
use crate::merge::enrich::{self, EnrichOptions};
use crate::merge::identity::BibIndex;
use crate::merge::ignore::IgnoreList;
use crate::merge::provenance::Source;
use crate::merge::review;
use crate::model::{Person, Service};
use crate::rank::{self, Ranker, Suggestion};
use crate::render::{
    self,
    diag::{self, DiagOptions},
};
use crate::report::ci::{self, CiEnv};
use crate::report::{
    BibkeysProposal, FieldAdded, Mode, NewWork, PersonNew, Problem, ProposedKey, RefreshReport,
    Section, ServiceFailure, ServiceStats, StaleFile,
};
use crate::site::{self, edit};
use crate::sources::harvest::{self, HarvestOptions, Progress, ServiceReport};

/// The note of a section whose stage this build does not provide.
pub const NOT_IN_BUILD: &str = "not available in this build";

/// What `refresh` was asked to do (the CLI flags minus the inputs).
#[derive(Debug, Clone, Default)]
pub struct RefreshOptions {
    /// Apply the safe edits.
    pub write: bool,
    /// Send no request; use the store only.
    pub offline: bool,
    /// Only build into a temporary folder and compare with the output folder.
    pub check: bool,
}

/// Runs `publist refresh` from the command line.
pub fn run(args: RefreshArgs) -> Result<ExitCode> {
    let mut overrides = common::overrides(&args.input);
    overrides.store = args.store.clone();
    overrides.out = args.out.clone();
    let config = Config::load(&overrides)?;
    let ci_env = CiEnv::detect();
    let options = RefreshOptions {
        write: args.write,
        offline: args.offline,
        check: args.check,
    };
    let mut log = |line: &str| ci::print(line);
    let outcome = refresh(&config, &options, &ci_env, &mut log)?;
    let report = &outcome.report;

    let markdown = report.to_markdown();
    if let Some(path) = &args.report {
        fsutil::write_if_changed(path, markdown.as_bytes())?;
    }
    if let Some(path) = &args.json {
        fsutil::write_if_changed(path, report.to_json().as_bytes())?;
    }
    // Errors in full; warnings are in the report (and in `publist check`), so a scheduled
    // log stays readable.
    let errors: Vec<Diagnostic> = outcome
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .cloned()
        .collect();
    if ci_env.github_actions {
        ci::print(&ci_env.annotations(&outcome.diagnostics));
    } else {
        common::print_diagnostics(&errors, None);
    }
    let warnings = outcome.diagnostics.len() - errors.len();
    if warnings > 0 {
        eprintln!("refresh: {warnings} warnings (listed in the report; `publist check` shows them with context)");
    }
    ci::print(&ci_env.report_annotations(report));
    let code = report.exit_code(config.changes_exit_code);
    ci_env.write_step_summary(&markdown)?;
    ci_env.write_outputs(report, code)?;
    ci::print(&format!("refresh: {} (exit {code})", report.headline()));
    for stale in report.stale.iter().filter(|_| report.mode.check) {
        ci::print(&format!("refresh: stale: {} ({})", stale.path, stale.state));
    }
    ExitCode::set_changes_code(config.changes_exit_code);
    Ok(match code {
        0 => ExitCode::Ok,
        2 => ExitCode::DataProblems,
        _ => ExitCode::Changes,
    })
}

/// The result of a refresh: the report plus the diagnostics behind its problems (for
/// rustc-style printing or annotations).
#[derive(Debug, Clone)]
pub struct RefreshOutcome {
    /// The change report, normalized.
    pub report: RefreshReport,
    /// Every diagnostic of the run, sorted.
    pub diagnostics: Vec<Diagnostic>,
}

/// Runs the refresh pipeline and returns its report. `log` receives one line per stage.
pub fn refresh(
    config: &Config,
    options: &RefreshOptions,
    ci_env: &CiEnv,
    log: &mut dyn FnMut(&str),
) -> Result<RefreshOutcome> {
    let mode = Mode {
        write: options.write && !options.check,
        offline: options.offline || options.check,
        check: options.check,
    };
    let mut report = RefreshReport::new(mode);
    if config.timestamps {
        report.generated_at = Some(now_utc());
    }

    log(&ci_env.stage_start("load"));
    let mut inputs = common::load_inputs(config.clone());
    let mut stage_diags: Vec<Diagnostic> = Vec::new();
    log(&ci_env.stage_end(
        "load",
        &format!(
            "{} publications, {} people, {} projects",
            inputs.bib.publications.len(),
            inputs.site.people.len(),
            inputs.site.projects.len()
        ),
    ));

    if !mode.check {
        log(&ci_env.stage_start("harvest"));
        harvest_stage(&inputs, mode, ci_env, &mut report);
        log(&ci_env.stage_end(
            "harvest",
            &format!(
                "{} requests, {} store hits, {} failed",
                report
                    .services
                    .items
                    .iter()
                    .map(|s| s.requests)
                    .sum::<u64>(),
                report
                    .services
                    .items
                    .iter()
                    .map(|s| s.store_hits)
                    .sum::<u64>(),
                report.service_failures.len()
            ),
        ));

        log(&ci_env.stage_start("enrich"));
        let wrote_bib = enrich_stage(&inputs, mode, &mut report, &mut stage_diags)?;
        log(&ci_env.stage_end("enrich", &section_summary(&report.fields_added, "fields")));

        log(&ci_env.stage_start("discover"));
        let added = discover_stage(&inputs, mode, &mut report, &mut stage_diags)?;
        log(&ci_env.stage_end(
            "discover",
            &section_summary(&report.new_publications_per_person, "people with new works"),
        ));

        if wrote_bib || added {
            // The bib files changed under us: fill and build must see the new entries.
            inputs = common::load_inputs(config.clone());
            if !mode.offline {
                // New identifiers mean new lookups; make them now, so that the next run with
                // nothing new sends no request at all.
                log(&ci_env.stage_start("harvest (new identifiers)"));
                harvest_stage(&inputs, mode, ci_env, &mut report);
                log(&ci_env.stage_end("harvest (new identifiers)", "done"));
            }
        }

        log(&ci_env.stage_start("fill"));
        let wrote_pages = fill_stage(&inputs, mode, &mut report)?;
        log(&ci_env.stage_end(
            "fill",
            &section_summary(&report.bibkeys_proposed, "projects"),
        ));
        if wrote_pages {
            inputs = common::load_inputs(config.clone());
        }
    } else {
        report.services = Section::skipped("not run with --check");
        report.fields_added = Section::skipped("not run with --check");
        report.new_publications_per_person = Section::skipped("not run with --check");
        report.bibkeys_proposed = Section::skipped("not run with --check");
    }

    log(&ci_env.stage_start("build"));
    build_stage(&inputs, mode, &mut report, &mut stage_diags)?;
    log(&ci_env.stage_end(
        "build",
        &format!(
            "{} output files differ, {} unchanged",
            report.stale.len(),
            report.files.unchanged
        ),
    ));

    log(&ci_env.stage_start("check"));
    let mut diagnostics = inputs.diagnostics();
    diagnostics.extend(stage_diags);
    diagnostics::sort(&mut diagnostics);
    diagnostics.dedup();
    report.problems = diagnostics.iter().map(Problem::from).collect();
    let (errors, warnings) = common::count(&diagnostics);
    log(&ci_env.stage_end("check", &format!("{errors} errors, {warnings} warnings")));

    report.normalize();
    Ok(RefreshOutcome {
        report,
        diagnostics,
    })
}

fn section_summary<T>(s: &Section<T>, what: &str) -> String {
    match (&s.note, s.available) {
        (Some(note), false) => note.clone(),
        _ => format!("{} {what}", s.len()),
    }
}

// ---------------------------------------------------------------------------------------
// Stages. Each fills its section of the report from the library stage's own result.
// ---------------------------------------------------------------------------------------

/// Harvest: fills `services` and `service_failures`. A failed service is an outage, never
/// an error of the run: the report says "degraded" and the later stages use the store.
fn harvest_stage(inputs: &Inputs, mode: Mode, ci_env: &CiEnv, report: &mut RefreshReport) {
    let options = HarvestOptions {
        offline: mode.offline,
        progress: Some(Arc::new(LineProgress {
            decorated: ci_env.tty && !ci_env.github_actions,
        })),
        ..HarvestOptions::default()
    };
    let harvest = match harvest::run(&inputs.config, &inputs.bib, &inputs.site.people, &options) {
        Ok(h) => h,
        Err(e) => {
            // The store or the runtime failed: nothing was harvested. Still no exit 1: the
            // build runs from what the bib files and the store hold.
            report.services = Section::unavailable(format!("harvest failed: {e}"));
            report.service_failures.push(ServiceFailure {
                service: "harvest".into(),
                message: e.to_string(),
            });
            return;
        }
    };
    // Added up over the harvests of this run.
    let mut stats: BTreeMap<String, ServiceStats> = std::mem::take(&mut report.services.items)
        .into_iter()
        .map(|s| (s.service.clone(), s))
        .collect();
    for (service, r) in &harvest.services {
        let s = stats
            .entry(service.to_string())
            .or_insert_with(|| ServiceStats {
                service: service.to_string(),
                ..ServiceStats::default()
            });
        s.requests += r.requests;
        s.store_hits += r.store_hits;
        s.retries += r.retries;
        s.failures += r.failures;
    }
    report.services = Section::with(stats.into_values().collect());
    for service in &harvest.failed {
        let message = harvest
            .services
            .get(service)
            .map(|r| {
                let mut errors = r.errors.clone();
                errors.sort();
                errors.dedup();
                let shown: Vec<String> = errors.iter().take(3).cloned().collect();
                let more = errors.len().saturating_sub(shown.len());
                let mut text = shown.join("; ");
                if more > 0 {
                    text.push_str(&format!("; and {more} more"));
                }
                if text.is_empty() {
                    text = format!("{} failed requests", r.failures);
                }
                text
            })
            .unwrap_or_default();
        report.service_failures.push(ServiceFailure {
            service: service.to_string(),
            message,
        });
    }
    report
        .notes
        .extend(harvest.messages.iter().map(|m| format!("harvest: {m}")));
    if harvest.budget_exhausted {
        report
            .notes
            .push("harvest: the request budget ran out; the next run continues".into());
    }
}

/// Harvest progress as plain lines: one when a service starts, one when it is done.
struct LineProgress {
    decorated: bool,
}

impl Progress for LineProgress {
    fn start(&self, service: Service, batches: u64) {
        if batches > 0 {
            ci::print(&format!("refresh: harvest: {service}: {batches} batches"));
        }
    }

    fn advance(&self, _service: Service) {}

    fn finish(&self, service: Service, r: &ServiceReport) {
        let line = format!(
            "refresh: harvest: {service}: {} ({} requests, {} store hits, {} retries, {} failures)",
            r.status, r.requests, r.store_hits, r.retries, r.failures
        );
        if self.decorated && r.status == "failed" {
            ci::print(&format!("\x1b[33m{line}\x1b[0m"));
        } else {
            ci::print(&line);
        }
    }
}

/// Enrich: fills `fields_added`; with `--write`, applies them. Conflicts and duplicates
/// become problems. Returns true when a bib file was written.
fn enrich_stage(
    inputs: &Inputs,
    mode: Mode,
    report: &mut RefreshReport,
    diags: &mut Vec<Diagnostic>,
) -> Result<bool> {
    let config = &inputs.config;
    let options = EnrichOptions::new(config, &[], false)?;
    // The harvest stage already asked the services: read the store only.
    let candidates = harvested::work_candidates(config, &inputs.bib, true)?;
    let plan = enrich::plan(&inputs.bib.publications, &candidates, &options);
    diags.extend(plan.notes.iter().cloned());
    for c in &plan.conflicts {
        let mut d = Diagnostic::warning("merge-conflict", c.describe())
            .key(c.key.clone())
            .help("check which value is right and fix the bib file by hand; publist never overwrites it");
        if let Some(p) = inputs.bib.get(&c.key) {
            d = d.at(&p.span.file, p.span.line, p.span.column);
        }
        diags.push(d);
    }
    let mut wrote = false;
    let mut applied = false;
    if mode.write && !plan.changes.is_empty() {
        let (patches, patch_diags) = enrich::patch_files(&inputs.bib, &plan.changes);
        diags.extend(patch_diags);
        for patch in &patches {
            if fsutil::write_if_changed(&patch.path, patch.after.as_bytes())?
                == WriteOutcome::Written
            {
                report.files.written.push(display_path(&patch.path));
                wrote = true;
            }
        }
        applied = true;
    }
    report.fields_added = Section::with(
        plan.changes
            .iter()
            .map(|c| FieldAdded {
                key: c.key.clone(),
                field: c.field.clone(),
                value: c.new.clone(),
                source: source_text(&c.source),
                applied,
            })
            .collect(),
    );
    Ok(wrote)
}

/// `crossref 2026-12-01` (the retrieval date comes from the store, so reruns agree).
fn source_text(source: &Source) -> String {
    match source {
        Source::Bib => "bib file".to_string(),
        Source::Service { service, retrieved } => {
            let date: String = retrieved.chars().take(10).collect();
            if date.is_empty() {
                service.to_string()
            } else {
                format!("{service} {date}")
            }
        }
    }
}

/// Discover: fills `new_publications_per_person` with every work a curator has to decide on;
/// with `--write`, keeps them in the review file (`publist apply` reads it). Returns true when
/// a bib file was written (`auto_add`).
fn discover_stage(
    inputs: &Inputs,
    mode: Mode,
    report: &mut RefreshReport,
    diags: &mut Vec<Diagnostic>,
) -> Result<bool> {
    let config = &inputs.config;
    let people: Vec<&Person> = inputs.site.people.iter().collect();
    let works = harvested::person_candidates(config, &inputs.site, &people, true)?;
    let (ignore, ignore_diags) = IgnoreList::load(&config.ignore_file)?;
    diags.extend(ignore_diags);
    let index = BibIndex::new(&inputs.bib.publications, config.title_threshold);
    let ctx = Context {
        publications: &inputs.bib.publications,
        index: &index,
        people: &inputs.site.people,
        ignore: &ignore,
        since: config.discover_since,
    };
    let subjects: Vec<Subject<'_>> = people
        .iter()
        .map(|p| Subject {
            person: p,
            active_years: config
                .person_overrides
                .get(&p.slug)
                .and_then(|o| o.active_years.as_deref())
                .and_then(site::parse_years)
                .or(p.active_years),
        })
        .collect();
    let mut found = discover::discover(&ctx, &subjects, &works);
    // Only what a curator has to decide goes into the report and the review file.
    for person in &mut found.people {
        person.items.retain(|i| i.decision.is_actionable());
    }
    found.people.retain(|p| !p.items.is_empty());

    let names: BTreeMap<&str, &str> = inputs
        .site
        .people
        .iter()
        .map(|p| (p.slug.as_str(), p.name.as_str()))
        .collect();
    report.new_publications_per_person = Section::with(
        found
            .people
            .iter()
            .map(|p| PersonNew {
                person: p.slug.clone(),
                name: names
                    .get(p.slug.as_str())
                    .unwrap_or(&p.slug.as_str())
                    .to_string(),
                works: p
                    .items
                    .iter()
                    .map(|i| NewWork {
                        year: i.year,
                        title: i.title.clone(),
                        ids: item_ids(&i.ids),
                        decision: i.decision.as_str().to_string(),
                        key: i.key.clone(),
                        added: false,
                    })
                    .collect(),
            })
            .collect(),
    );
    if config.auto_add && report.new_work_count() > 0 {
        report.notes.push(format!(
            "[refresh] auto_add: {NOT_IN_BUILD}; new works stay in the review file for `publist apply`"
        ));
    }
    if mode.write {
        write_review_file(config, &found, report)?;
    }
    Ok(false)
}

fn item_ids(ids: &ItemIds) -> BTreeMap<String, String> {
    [
        ("doi", &ids.doi),
        ("pmid", &ids.pmid),
        ("arxiv", &ids.arxiv),
        ("s2", &ids.s2),
        ("openalex", &ids.openalex),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| (k.to_string(), v.clone())))
    .collect()
}

/// Fill: fills `bibkeys_proposed` for projects with no bibkeys; with `--write`, writes the
/// keys scoring at least `fill_write_threshold`. Returns true when a page was written.
fn fill_stage(inputs: &Inputs, mode: Mode, report: &mut RefreshReport) -> Result<bool> {
    let config = &inputs.config;
    let mut ranker = Ranker::new(&inputs.bib, &inputs.site.people, &inputs.attribution);
    let mut proposals = Vec::new();
    let mut wrote = false;
    for project in inputs.site.projects.iter().filter(|p| p.bibkeys.is_empty()) {
        let ranked: Vec<Suggestion> = ranker
            .rank(project, &BTreeSet::new())
            .into_iter()
            .filter(|s| s.score >= config.fill_min_score)
            .filter(|s| !s.evidence.people.is_empty() || s.evidence.text >= rank::TEXT_ONLY_FLOOR)
            .take(config.fill_max)
            .collect();
        if ranked.is_empty() {
            continue;
        }
        let sure: Vec<String> = ranked
            .iter()
            .filter(|s| s.score >= config.fill_write_threshold)
            .map(|s| s.key.clone())
            .collect();
        let mut applied = false;
        if mode.write && !sure.is_empty() {
            let old = crate::textfile::read_existing_for_edit(&project.path)?;
            let new = edit::set_bibkeys(&old, &sure)
                .map_err(|e| Error::Other(format!("{}: {e}", project.path.display())))?;
            if edit::write_page(&project.path, &new)? == WriteOutcome::Written {
                report.files.written.push(display_path(&project.path));
                wrote = true;
            }
            applied = true;
        }
        proposals.push(BibkeysProposal {
            project: project.slug.clone(),
            file: display_path(&project.path),
            keys: ranked
                .into_iter()
                .map(|s| ProposedKey {
                    applied: applied && sure.contains(&s.key),
                    key: s.key,
                    score: s.score,
                    reason: s.reason,
                })
                .collect(),
        });
    }
    report.bibkeys_proposed = Section::with(proposals);
    Ok(wrote)
}

/// Build: renders into a temporary folder, compares it with the output folder, and with
/// `--write` brings the output folder up to date (changed and missing files written, files
/// the build no longer produces removed).
fn build_stage(
    inputs: &Inputs,
    mode: Mode,
    report: &mut RefreshReport,
    diags: &mut Vec<Diagnostic>,
) -> Result<()> {
    let tmp = tempfile::Builder::new()
        .prefix(".publist-refresh-")
        .tempdir()
        .map_err(|e| Error::Other(format!("cannot create a temporary build folder: {e}")))?;
    let site_dir = tmp.path().join("site");
    build_into(inputs, &site_dir, diags)?;
    sync_output(&site_dir, &inputs.config.out_dir, mode, report)?;
    diag_data_stage(inputs, tmp.path(), mode, report, diags)
}

/// Compares the fresh build with the output folder; with `--write`, brings the output folder
/// up to date (changed and missing files written, files the build no longer makes removed).
fn sync_output(built: &Path, out: &Path, mode: Mode, report: &mut RefreshReport) -> Result<()> {
    let diff = compare_trees(built, out)?;
    report.files.unchanged += diff.unchanged;
    if !mode.write {
        report.stale.extend(diff.stale(out));
        return Ok(());
    }
    for rel in diff.changed.iter().chain(&diff.missing) {
        copy_file(&built.join(rel), &out.join(rel), report)?;
    }
    for rel in &diff.extra {
        let path = out.join(rel);
        std::fs::remove_file(&path).map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
        report.files.written.push(display_path(&path));
    }
    Ok(())
}

/// The data files of the DIAG Pelican flavour (`[output] emit = ["diag-pelican"]`): emitted
/// into the temporary folder, compared with the website's files, and with `--write` brought
/// up to date. Only the files publist writes are looked at; the website's own are not.
fn diag_data_stage(
    inputs: &Inputs,
    tmp: &Path,
    mode: Mode,
    report: &mut RefreshReport,
    diags: &mut Vec<Diagnostic>,
) -> Result<()> {
    let config = &inputs.config;
    if !diag::requested(config, &[]) {
        return Ok(());
    }
    let Some(content) = &config.diag_content else {
        report.notes.push(
            "diag-pelican: [diag] content is not set; its data files were not checked".into(),
        );
        return Ok(());
    };
    let real_root = content
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp_root = tmp.join(".publist-diag");
    let tmp_content = tmp_root.join(content.file_name().unwrap_or("content".as_ref()));
    let mut options = DiagOptions::from_config(config);
    options.website_root = Some(tmp_root.clone());
    let emitted = diag::emit(inputs, &config.diag_sites, &tmp_content, &options)?;
    diags.extend(emitted.diagnostics.iter().cloned());
    for (path, _) in &emitted.files {
        let Ok(rel) = path.strip_prefix(&tmp_root) else {
            continue;
        };
        let real = real_root.join(rel);
        let built = read(path)?;
        let state = match std::fs::read(&real) {
            Ok(bytes) if bytes == built => {
                report.files.unchanged += 1;
                continue;
            }
            Ok(_) => "changed",
            Err(_) => "missing",
        };
        if mode.write {
            if fsutil::write_if_changed(&real, &built)? == WriteOutcome::Written {
                report.files.written.push(display_path(&real));
            }
        } else {
            report.stale.push(StaleFile {
                path: display_path(&real),
                state: state.to_string(),
            });
        }
    }
    Ok(())
}

/// Renders the site into `dir` through the library's build, with the run's inputs.
fn build_into(inputs: &Inputs, dir: &Path, diags: &mut Vec<Diagnostic>) -> Result<()> {
    let mut config = inputs.config.clone();
    config.out_dir = dir.to_path_buf();
    let built = render::build(&inputs.bib, &inputs.site, &inputs.attribution, &config)?;
    diags.extend(built.diagnostics);
    Ok(())
}

fn copy_file(from: &Path, to: &Path, report: &mut RefreshReport) -> Result<()> {
    let bytes = std::fs::read(from).map_err(|source| Error::Read {
        path: from.to_path_buf(),
        source,
    })?;
    if fsutil::write_if_changed(to, &bytes)? == WriteOutcome::Written {
        report.files.written.push(display_path(to));
    }
    Ok(())
}

/// Writes the works that wait for a curator to the review file, in the format `publist apply`
/// reads. Written only when there are some, or when the file exists and must be emptied;
/// a rerun with the same findings writes the same bytes, which is no change.
fn write_review_file(
    config: &Config,
    found: &discover::Report,
    report: &mut RefreshReport,
) -> Result<()> {
    let path = &config.review_file;
    if found.people.is_empty() && !path.exists() {
        return Ok(());
    }
    let text = review::to_markdown(found);
    if fsutil::write_if_changed(path, text.as_bytes())? == WriteOutcome::Written {
        report.files.written.push(display_path(path));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Output comparison (`--check` and dry runs).
// ---------------------------------------------------------------------------------------

/// How a freshly built tree differs from the committed one. Paths are relative, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TreeDiff {
    /// Built and committed, with different bytes.
    pub changed: Vec<PathBuf>,
    /// Built, not committed.
    pub missing: Vec<PathBuf>,
    /// Committed, no longer built.
    pub extra: Vec<PathBuf>,
    /// Files with equal bytes.
    pub unchanged: u64,
}

impl TreeDiff {
    /// True when the committed tree equals the built one.
    pub fn is_clean(&self) -> bool {
        self.changed.is_empty() && self.missing.is_empty() && self.extra.is_empty()
    }

    /// The differences as report entries, paths under `committed`.
    pub fn stale(&self, committed: &Path) -> Vec<StaleFile> {
        let entry = |rel: &PathBuf, state: &str| StaleFile {
            path: display_path(&committed.join(rel)),
            state: state.to_string(),
        };
        let mut out: Vec<StaleFile> = self
            .changed
            .iter()
            .map(|r| entry(r, "changed"))
            .chain(self.missing.iter().map(|r| entry(r, "missing")))
            .chain(self.extra.iter().map(|r| entry(r, "extra")))
            .collect();
        out.sort();
        out
    }
}

/// The build's manifest in the output folder: the files publist wrote there. Only files listed
/// in it can be "extra"; anything else in the output folder belongs to someone else.
pub const MANIFEST: &str = crate::render::output::MANIFEST;

/// Compares the tree `built` with the tree `committed` (which may not exist) byte by byte.
/// Temporary files of atomic writes (`.publist-tmp-*`) are ignored. A committed file that the
/// build no longer produces is "extra" when the committed manifest lists it (or, without a
/// manifest, always).
pub fn compare_trees(built: &Path, committed: &Path) -> Result<TreeDiff> {
    let built_files = list_files(built)?;
    let committed_files = if committed.is_dir() {
        list_files(committed)?
    } else {
        BTreeSet::new()
    };
    let mut diff = TreeDiff::default();
    for rel in &built_files {
        if !committed_files.contains(rel) {
            diff.missing.push(rel.clone());
            continue;
        }
        let a = read(&built.join(rel))?;
        let b = read(&committed.join(rel))?;
        if a == b {
            diff.unchanged += 1;
        } else {
            diff.changed.push(rel.clone());
        }
    }
    let manifest: Option<BTreeSet<PathBuf>> = std::fs::read_to_string(committed.join(MANIFEST))
        .ok()
        .map(|text| {
            text.lines()
                .filter(|l| !l.is_empty())
                .map(PathBuf::from)
                .collect()
        });
    diff.extra = committed_files
        .difference(&built_files)
        .filter(|rel| manifest.as_ref().is_none_or(|m| m.contains(*rel)))
        .cloned()
        .collect();
    Ok(diff)
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn list_files(root: &Path) -> Result<BTreeSet<PathBuf>> {
    let mut files = BTreeSet::new();
    for entry in walkdir::WalkDir::new(root).follow_links(false) {
        let entry = entry.map_err(|e| Error::Read {
            path: e
                .path()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| root.to_path_buf()),
            source: e
                .into_io_error()
                .unwrap_or_else(|| std::io::Error::other("directory loop")),
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with(".publist-tmp-")
        {
            continue;
        }
        if let Ok(rel) = entry.path().strip_prefix(root) {
            files.insert(rel.to_path_buf());
        }
    }
    Ok(files)
}

/// A path for the report: relative to the working directory when under it, `/`-separated.
fn display_path(path: &Path) -> String {
    let rel = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    let text = rel.display().to_string().replace('\\', "/");
    text.strip_prefix("./").map(str::to_string).unwrap_or(text)
}

/// The current time, RFC 3339, UTC (only with `[refresh] timestamps = true`).
fn now_utc() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn compare_trees_names_changed_missing_and_extra_files() {
        let built = tempfile::tempdir().unwrap();
        let committed = tempfile::tempdir().unwrap();
        write(built.path(), "index.html", "same");
        write(committed.path(), "index.html", "same");
        write(built.path(), "people/a/index.html", "new");
        write(committed.path(), "people/a/index.html", "old");
        write(built.path(), "data/people/b.json", "{}");
        write(committed.path(), "people/gone/index.html", "x");
        write(committed.path(), ".publist-tmp-123", "ignored");
        write(
            committed.path(),
            "CNAME",
            "not ours, but no manifest says so",
        );
        let diff = compare_trees(built.path(), committed.path()).unwrap();
        assert_eq!(diff.changed, vec![PathBuf::from("people/a/index.html")]);
        assert_eq!(diff.missing, vec![PathBuf::from("data/people/b.json")]);
        assert_eq!(
            diff.extra,
            vec![
                PathBuf::from("CNAME"),
                PathBuf::from("people/gone/index.html")
            ]
        );
        assert_eq!(diff.unchanged, 1);
        // With a manifest, only what publist wrote can be extra.
        write(
            committed.path(),
            MANIFEST,
            "index.html\npeople/gone/index.html\n",
        );
        write(built.path(), MANIFEST, "index.html\n");
        let diff = compare_trees(built.path(), committed.path()).unwrap();
        assert_eq!(diff.extra, vec![PathBuf::from("people/gone/index.html")]);
        assert!(!diff.is_clean());
        let again = compare_trees(built.path(), built.path()).unwrap();
        assert!(again.is_clean());
    }

    #[test]
    fn missing_committed_folder_means_every_file_is_missing() {
        let built = tempfile::tempdir().unwrap();
        write(built.path(), "index.html", "x");
        let diff = compare_trees(built.path(), &built.path().join("nope")).unwrap();
        assert_eq!(diff.missing, vec![PathBuf::from("index.html")]);
    }
}
