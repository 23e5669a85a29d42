//! The change report of `publist refresh`: what a scheduled run found, proposed and changed.
//!
//! [`RefreshReport`] is filled by the refresh command, one section per pipeline stage, and
//! rendered two ways: [`RefreshReport::to_markdown`] (a pull-request body) and
//! [`RefreshReport::to_json`] (for tools). Both are pure functions of the report, and the
//! report is sorted on construction ([`RefreshReport::normalize`]), so the same store and
//! inputs give byte-identical reports. A stage that this build does not provide is a
//! [`Section`] marked unavailable, with a note, never an empty list pretending to be a result.
//!
//! [`ci`] holds the CI side: GitHub annotations, the step summary, step outputs, plain lines.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::diagnostics::{Diagnostic, Severity};

pub mod ci;

/// Largest Markdown report we write: GitHub rejects pull-request bodies over 65,536 characters.
pub const MAX_MARKDOWN_CHARS: usize = 60_000;

/// Items listed per section in the Markdown report; the JSON report always has all of them.
pub const MAX_ITEMS_PER_SECTION: usize = 200;

/// One section of the report: its items, or a note saying why there are none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section<T> {
    /// False when this build (or this run) could not produce the section.
    pub available: bool,
    /// Why the section is unavailable, or a remark on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The items, sorted.
    pub items: Vec<T>,
}

impl<T> Default for Section<T> {
    fn default() -> Self {
        Section {
            available: true,
            note: None,
            items: Vec::new(),
        }
    }
}

impl<T> Section<T> {
    /// A section with these items.
    pub fn with(items: Vec<T>) -> Self {
        Section {
            available: true,
            note: None,
            items,
        }
    }

    /// A section this build cannot fill; `why` says what is missing.
    pub fn unavailable(why: impl Into<String>) -> Self {
        Section {
            available: false,
            note: Some(why.into()),
            items: Vec::new(),
        }
    }

    /// A section skipped in this run (for example `--offline` or `--check`).
    pub fn skipped(why: impl Into<String>) -> Self {
        Self::unavailable(why)
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when there are no items.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// A work a service lists under a person that the bib files lack.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct NewWork {
    /// Year, when known.
    pub year: Option<i32>,
    /// Title as the service gives it.
    pub title: String,
    /// Identifiers, by kind (`doi`, `pmid`, `arxiv`, `s2`, `openalex`).
    pub ids: BTreeMap<String, String>,
    /// The suggested decision (`new`, `likely-duplicate`, …).
    pub decision: String,
    /// The bib key the decision refers to, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// True when the entry was added to a bib file in this run (`auto_add`).
    pub added: bool,
}

/// New publications found for one person.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PersonNew {
    /// Person slug.
    pub person: String,
    /// Display name.
    pub name: String,
    /// Works, newest first.
    pub works: Vec<NewWork>,
}

/// A field added (or proposed) for a bib entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct FieldAdded {
    /// The bib key.
    pub key: String,
    /// The field name (`doi`, `pmid`, …).
    pub field: String,
    /// The value.
    pub value: String,
    /// Where the value comes from (`crossref 2026-12-01`).
    pub source: String,
    /// True when written to the bib file in this run.
    pub applied: bool,
}

/// A bibkey proposed for a project, with its score and reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProposedKey {
    /// The bib key.
    pub key: String,
    /// Ranking score.
    pub score: f64,
    /// One-line reason.
    pub reason: String,
    /// True when written to the page in this run (score at or above the write threshold).
    pub applied: bool,
}

/// Bibkeys proposed for one project page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BibkeysProposal {
    /// Project slug.
    pub project: String,
    /// The page file.
    pub file: String,
    /// Keys, best first.
    pub keys: Vec<ProposedKey>,
}

/// A problem found in the data, for the report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Problem {
    /// `error` or `warning`.
    pub severity: Severity,
    /// `file:line:column`, or empty.
    pub location: String,
    /// Bib key or page slug.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Stable code.
    pub code: String,
    /// What is wrong.
    pub message: String,
}

impl From<&Diagnostic> for Problem {
    fn from(d: &Diagnostic) -> Self {
        Problem {
            severity: d.severity,
            location: d.location(),
            key: d.key.clone(),
            code: d.code.clone(),
            message: d.message.clone(),
        }
    }
}

/// Request and store statistics of one service.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ServiceStats {
    /// Service name (`crossref`, …).
    pub service: String,
    /// Requests sent.
    pub requests: u64,
    /// Answers taken from the store.
    pub store_hits: u64,
    /// Retries.
    pub retries: u64,
    /// Failed requests.
    pub failures: u64,
}

/// A service that failed in this run.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ServiceFailure {
    /// Service name.
    pub service: String,
    /// What went wrong, as the harvest reported it.
    pub message: String,
}

/// An output file that is out of date (`--check`), or would change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct StaleFile {
    /// Path, relative to the repository (working directory) when possible.
    pub path: String,
    /// `changed`, `missing` (should exist, does not) or `extra` (exists, should not).
    pub state: String,
}

/// Files this run wrote or left alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Files {
    /// Repository files written (bib files, pages, review file, output), sorted.
    pub written: Vec<String>,
    /// Output files left byte-identical.
    pub unchanged: u64,
}

/// How the run was invoked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Mode {
    /// `--write`
    pub write: bool,
    /// `--offline`
    pub offline: bool,
    /// `--check`
    pub check: bool,
}

/// What the run concluded; decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Nothing changed, nothing proposed, no problem.
    NoChanges,
    /// Changes made or proposed.
    Changes,
    /// Data problems, stale output, or a degraded run (a service failed).
    Problems,
}

/// The whole report of one refresh run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RefreshReport {
    /// publist version that wrote the report.
    pub version: String,
    /// Flags of the run.
    pub mode: Mode,
    /// When the run happened; only with `[refresh] timestamps = true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_at: Option<String>,
    /// New publications found per person (discover).
    pub new_publications_per_person: Section<PersonNew>,
    /// Fields added to bib entries, with sources (enrich).
    pub fields_added: Section<FieldAdded>,
    /// Bibkeys proposed per project (fill).
    pub bibkeys_proposed: Section<BibkeysProposal>,
    /// Problems found in the data.
    pub problems: Vec<Problem>,
    /// Per-service request statistics (harvest).
    pub services: Section<ServiceStats>,
    /// Services that failed.
    pub service_failures: Vec<ServiceFailure>,
    /// True when a service failed and the run used what the store had.
    pub degraded: bool,
    /// Requests sent, all services.
    pub requests: u64,
    /// Answers from the store, all services.
    pub store_hits: u64,
    /// Files written and unchanged.
    pub files: Files,
    /// Output that is stale relative to the inputs (`--check`, or a dry run).
    pub stale: Vec<StaleFile>,
    /// Remarks on the run (stages skipped, limits hit), sorted.
    pub notes: Vec<String>,
}

impl RefreshReport {
    /// An empty report for this version and mode.
    pub fn new(mode: Mode) -> Self {
        RefreshReport {
            version: env!("CARGO_PKG_VERSION").to_string(),
            mode,
            ..RefreshReport::default()
        }
    }

    /// Sorts every list and recomputes the totals, so equal runs give equal bytes.
    pub fn normalize(&mut self) {
        for person in &mut self.new_publications_per_person.items {
            person.works.sort_by(|a, b| {
                b.year
                    .cmp(&a.year)
                    .then_with(|| a.title.cmp(&b.title))
                    .then_with(|| a.ids.cmp(&b.ids))
            });
        }
        self.new_publications_per_person
            .items
            .retain(|p| !p.works.is_empty());
        self.new_publications_per_person
            .items
            .sort_by(|a, b| a.person.cmp(&b.person));
        self.fields_added.items.sort();
        self.fields_added.items.dedup();
        for project in &mut self.bibkeys_proposed.items {
            project
                .keys
                .sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.key.cmp(&b.key)));
        }
        self.bibkeys_proposed.items.retain(|p| !p.keys.is_empty());
        self.bibkeys_proposed
            .items
            .sort_by(|a, b| a.project.cmp(&b.project));
        self.problems.sort();
        self.problems.dedup();
        self.services.items.sort();
        self.service_failures.sort();
        self.service_failures.dedup();
        self.degraded = !self.service_failures.is_empty();
        self.requests = self.services.items.iter().map(|s| s.requests).sum();
        self.store_hits = self.services.items.iter().map(|s| s.store_hits).sum();
        self.files.written.sort();
        self.files.written.dedup();
        self.stale.sort();
        self.stale.dedup();
        self.notes.sort();
        self.notes.dedup();
    }

    /// Number of new works (decision `new`) over all people.
    pub fn new_work_count(&self) -> usize {
        self.new_publications_per_person
            .items
            .iter()
            .flat_map(|p| &p.works)
            .filter(|w| w.decision == "new")
            .count()
    }

    /// Number of proposed bibkeys over all projects.
    pub fn proposed_key_count(&self) -> usize {
        self.bibkeys_proposed
            .items
            .iter()
            .map(|p| p.keys.len())
            .sum()
    }

    /// Number of error-level problems.
    pub fn error_count(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count()
    }

    /// Whether anything changed (with `--write`) or is proposed (without).
    ///
    /// With `--write`, a change is a file written: proposals that stay proposals are written
    /// to files too (the review file), so a rerun with nothing new reports no change. Without
    /// `--write`, every proposal and every file that would change counts.
    pub fn has_changes(&self) -> bool {
        if self.mode.check {
            return false;
        }
        if self.mode.write {
            return !self.files.written.is_empty();
        }
        !self.fields_added.is_empty()
            || self.new_work_count() > 0
            || self.proposed_key_count() > 0
            || !self.stale.is_empty()
    }

    /// What the run concluded: problems (errors, stale output, degraded) first, then changes.
    pub fn status(&self) -> Status {
        let stale_is_problem = self.mode.check && !self.stale.is_empty();
        if self.degraded || self.error_count() > 0 || stale_is_problem {
            Status::Problems
        } else if self.has_changes() {
            Status::Changes
        } else {
            Status::NoChanges
        }
    }

    /// The process exit code: 0, `changes_exit_code` (default 10), or 2.
    pub fn exit_code(&self, changes_exit_code: i32) -> i32 {
        match self.status() {
            Status::NoChanges => 0,
            Status::Changes => changes_exit_code,
            Status::Problems => 2,
        }
    }

    /// A one-line summary, for logs and the pull-request title.
    pub fn headline(&self) -> String {
        let mut parts = Vec::new();
        if self.mode.check {
            if self.stale.is_empty() {
                parts.push("output is up to date".to_string());
            } else {
                parts.push(plural(self.stale.len(), "stale file", "stale files"));
            }
        } else if self.mode.write && self.files.written.is_empty() {
            // Nothing written: whatever was found was reported (and filed) by an earlier run.
            parts.push("no changes".to_string());
            let n = self.new_work_count();
            if n > 0 {
                parts.push(format!(
                    "{} awaiting review",
                    plural(n, "new publication", "new publications")
                ));
            }
        } else {
            let n = self.new_work_count();
            if n > 0 {
                parts.push(plural(n, "new publication", "new publications"));
            }
            let n = self.fields_added.len();
            if n > 0 {
                parts.push(plural(n, "field added", "fields added"));
            }
            let n = self.proposed_key_count();
            if n > 0 {
                parts.push(plural(n, "bibkey proposed", "bibkeys proposed"));
            }
            let n = self.files.written.len();
            if n > 0 {
                parts.push(plural(n, "file written", "files written"));
            }
            if !self.mode.write && !self.stale.is_empty() {
                parts.push(plural(
                    self.stale.len(),
                    "output file would change",
                    "output files would change",
                ));
            }
        }
        if self.degraded {
            let names: Vec<&str> = self
                .service_failures
                .iter()
                .map(|f| f.service.as_str())
                .collect();
            parts.push(format!("degraded: {} failed", names.join(", ")));
        }
        let errors = self.error_count();
        if errors > 0 {
            parts.push(plural(errors, "data error", "data errors"));
        }
        if parts.is_empty() {
            "no changes".to_string()
        } else {
            parts.join(", ")
        }
    }

    /// The report as pretty JSON with a trailing newline; includes `status`.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct WithStatus<'a> {
            status: Status,
            headline: String,
            #[serde(flatten)]
            report: &'a RefreshReport,
        }
        let doc = WithStatus {
            status: self.status(),
            headline: self.headline(),
            report: self,
        };
        let mut text = serde_json::to_string_pretty(&doc).unwrap_or_else(|e| {
            // Only non-finite floats can fail here; say so instead of panicking.
            format!("{{\"error\": \"report could not be serialized: {e}\"}}")
        });
        text.push('\n');
        text
    }

    /// The report as Markdown, usable as a pull-request body.
    pub fn to_markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "## publist refresh: {}\n", self.headline());
        let status = match self.status() {
            Status::NoChanges => "no changes",
            Status::Changes => "changes",
            Status::Problems if self.degraded => "degraded",
            Status::Problems => "problems found",
        };
        let mode = match (self.mode.check, self.mode.write, self.mode.offline) {
            (true, _, _) => "`--check`",
            (false, true, false) => "`--write`",
            (false, true, true) => "`--write --offline`",
            (false, false, false) => "dry run (no file changed)",
            (false, false, true) => "dry run, `--offline`",
        };
        let _ = writeln!(
            md,
            "**Status:** {status} · **Mode:** {mode} · publist {}",
            self.version
        );
        if let Some(at) = &self.generated_at {
            let _ = writeln!(md, "· generated {}", md_escape(at));
        }
        md.push('\n');
        if self.degraded {
            let names: Vec<String> = self
                .service_failures
                .iter()
                .map(|f| format!("`{}`", md_code(&f.service)))
                .collect();
            let _ = writeln!(
                md,
                "> [!WARNING]\n> Degraded run: {} failed. Results for them come from the store as it was; \
                 the next run retries.\n",
                names.join(", ")
            );
        }
        if !self.mode.check {
            self.md_new_publications(&mut md);
            self.md_fields(&mut md);
            self.md_bibkeys(&mut md);
        }
        self.md_problems(&mut md);
        self.md_services(&mut md);
        self.md_files(&mut md);
        if !self.notes.is_empty() {
            md.push_str("### Notes\n\n");
            for n in &self.notes {
                let _ = writeln!(md, "- {}", md_escape(n));
            }
            md.push('\n');
        }
        truncate_markdown(md)
    }

    fn md_new_publications(&self, md: &mut String) {
        let s = &self.new_publications_per_person;
        let _ = writeln!(md, "### New publications per person\n");
        if !section_intro(md, s, "No new publications found.") {
            return;
        }
        let mut shown = 0;
        for person in &s.items {
            let added = person.works.iter().filter(|w| w.added).count();
            let _ = write!(
                md,
                "- **{}** (`{}`): {}",
                md_escape(&person.name),
                md_code(&person.person),
                plural(person.works.len(), "work", "works")
            );
            if added > 0 {
                let _ = write!(md, ", {added} added");
            }
            md.push('\n');
            for w in &person.works {
                if shown >= MAX_ITEMS_PER_SECTION {
                    break;
                }
                shown += 1;
                let check = if w.added { "x" } else { " " };
                let year = w
                    .year
                    .map(|y| y.to_string())
                    .unwrap_or_else(|| "n.d.".into());
                let ids: Vec<String> = w
                    .ids
                    .iter()
                    .map(|(k, v)| format!("{k}:{}", md_code(v)))
                    .collect();
                let _ = write!(md, "  - [{check}] {} ({year})", md_escape(&w.title));
                if !ids.is_empty() {
                    let _ = write!(md, " — `{}`", ids.join(" "));
                }
                let _ = write!(md, " — {}", md_escape(&w.decision));
                if let Some(k) = &w.key {
                    let _ = write!(md, " `{}`", md_code(k));
                }
                md.push('\n');
            }
        }
        more_line(md, s.items.iter().map(|p| p.works.len()).sum(), shown);
        md.push('\n');
    }

    fn md_fields(&self, md: &mut String) {
        let s = &self.fields_added;
        let _ = writeln!(md, "### Fields added to bib entries\n");
        if !section_intro(md, s, "No fields to add.") {
            return;
        }
        md.push_str("| Entry | Field | Value | Source | Applied |\n|---|---|---|---|---|\n");
        for f in s.items.iter().take(MAX_ITEMS_PER_SECTION) {
            let _ = writeln!(
                md,
                "| `{}` | {} | {} | {} | {} |",
                md_code(&f.key),
                md_escape(&f.field),
                md_escape(&f.value),
                md_escape(&f.source),
                if f.applied { "yes" } else { "proposed" }
            );
        }
        more_line(md, s.len(), s.len().min(MAX_ITEMS_PER_SECTION));
        md.push('\n');
    }

    fn md_bibkeys(&self, md: &mut String) {
        let s = &self.bibkeys_proposed;
        let _ = writeln!(md, "### Bibkeys proposed per project\n");
        if !section_intro(md, s, "No bibkeys to propose.") {
            return;
        }
        let mut shown = 0;
        for p in &s.items {
            let _ = writeln!(
                md,
                "- **{}** (`{}`)",
                md_escape(&p.project),
                md_code(&p.file)
            );
            for k in &p.keys {
                if shown >= MAX_ITEMS_PER_SECTION {
                    break;
                }
                shown += 1;
                let check = if k.applied { "x" } else { " " };
                let _ = writeln!(
                    md,
                    "  - [{check}] `{}` — score {:.2} — {}",
                    md_code(&k.key),
                    k.score,
                    md_escape(&k.reason)
                );
            }
        }
        more_line(md, self.proposed_key_count(), shown);
        md.push('\n');
    }

    fn md_problems(&self, md: &mut String) {
        let _ = writeln!(md, "### Problems found\n");
        if self.problems.is_empty() && self.stale.is_empty() {
            md.push_str("None.\n\n");
            return;
        }
        if !self.stale.is_empty() {
            let what = if self.mode.check {
                "Stale output (rebuild with `publist build` and commit):"
            } else {
                "Output files that a build would change:"
            };
            let _ = writeln!(md, "{what}\n");
            for f in self.stale.iter().take(MAX_ITEMS_PER_SECTION) {
                let _ = writeln!(md, "- `{}` ({})", md_code(&f.path), f.state);
            }
            more_line(
                md,
                self.stale.len(),
                self.stale.len().min(MAX_ITEMS_PER_SECTION),
            );
            md.push('\n');
        }
        if !self.problems.is_empty() {
            let errors = self.error_count();
            let _ = writeln!(
                md,
                "{}, {}:\n",
                plural(errors, "error", "errors"),
                plural(self.problems.len() - errors, "warning", "warnings")
            );
            for p in self.problems.iter().take(MAX_ITEMS_PER_SECTION) {
                let _ = write!(md, "- **{}**", p.severity.as_str());
                if !p.code.is_empty() {
                    let _ = write!(md, " `{}`", md_code(&p.code));
                }
                if !p.location.is_empty() {
                    let _ = write!(md, " `{}`", md_code(&p.location));
                }
                let _ = write!(md, ": {}", md_escape(&p.message));
                if let Some(k) = &p.key {
                    let _ = write!(md, " (`{}`)", md_code(k));
                }
                md.push('\n');
            }
            more_line(
                md,
                self.problems.len(),
                self.problems.len().min(MAX_ITEMS_PER_SECTION),
            );
            md.push('\n');
        }
    }

    fn md_services(&self, md: &mut String) {
        let _ = writeln!(md, "### Service failures\n");
        if self.service_failures.is_empty() {
            md.push_str("None.\n\n");
        } else {
            for f in &self.service_failures {
                let _ = writeln!(md, "- `{}`: {}", md_code(&f.service), md_escape(&f.message));
            }
            md.push('\n');
        }
        let s = &self.services;
        let _ = writeln!(md, "### Requests and store\n");
        if !s.available {
            let _ = writeln!(
                md,
                "_{}_\n",
                md_escape(s.note.as_deref().unwrap_or("not available"))
            );
            return;
        }
        let _ = writeln!(
            md,
            "{} sent, {} answered from the store.\n",
            plural(self.requests as usize, "request", "requests"),
            self.store_hits
        );
        if s.is_empty() {
            return;
        }
        md.push_str(
            "| Service | Requests | Store hits | Retries | Failures |\n|---|---:|---:|---:|---:|\n",
        );
        for x in &s.items {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} |",
                md_escape(&x.service),
                x.requests,
                x.store_hits,
                x.retries,
                x.failures
            );
        }
        md.push('\n');
    }

    fn md_files(&self, md: &mut String) {
        if self.mode.check {
            return;
        }
        let _ = writeln!(md, "### Files\n");
        if self.files.written.is_empty() {
            let _ = writeln!(
                md,
                "No file written; {} output files unchanged.\n",
                self.files.unchanged
            );
            return;
        }
        let _ = writeln!(
            md,
            "{} written, {} output files unchanged:\n",
            plural(self.files.written.len(), "file", "files"),
            self.files.unchanged
        );
        for f in self.files.written.iter().take(MAX_ITEMS_PER_SECTION) {
            let _ = writeln!(md, "- `{}`", md_code(f));
        }
        more_line(
            md,
            self.files.written.len(),
            self.files.written.len().min(MAX_ITEMS_PER_SECTION),
        );
        md.push('\n');
    }
}

/// Writes the unavailable note or the empty text; returns true when items follow.
fn section_intro<T>(md: &mut String, s: &Section<T>, empty: &str) -> bool {
    if !s.available {
        let _ = writeln!(
            md,
            "_{}_\n",
            md_escape(s.note.as_deref().unwrap_or("not available in this build"))
        );
        return false;
    }
    if s.items.is_empty() {
        let _ = writeln!(md, "{empty}\n");
        return false;
    }
    if let Some(note) = &s.note {
        let _ = writeln!(md, "_{}_\n", md_escape(note));
    }
    true
}

fn more_line(md: &mut String, total: usize, shown: usize) {
    if total > shown {
        let _ = writeln!(md, "- …and {} more (see the JSON report)", total - shown);
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Escapes text from data (titles from services, messages) for Markdown: no HTML, no table
/// breaks, no emphasis or links by accident, one line.
pub fn md_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\r' | '\n' | '\t' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' | '~' | '@' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Makes text safe inside a single-backtick code span: no backticks, no line breaks, and
/// no `|` (which would still split a table cell).
pub fn md_code(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '`' => '\'',
            '|' => '¦',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

/// Cuts the report at a line boundary below [`MAX_MARKDOWN_CHARS`], saying so.
fn truncate_markdown(md: String) -> String {
    if md.chars().count() <= MAX_MARKDOWN_CHARS {
        return md;
    }
    let mut cut = String::new();
    for line in md.lines() {
        if cut.chars().count() + line.chars().count() + 1 > MAX_MARKDOWN_CHARS - 200 {
            break;
        }
        cut.push_str(line);
        cut.push('\n');
    }
    cut.push_str(
        "\n_The report was cut to fit a pull-request body; the JSON report has everything._\n",
    );
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RefreshReport {
        let mut r = RefreshReport::new(Mode {
            write: true,
            ..Mode::default()
        });
        r.version = "0.0.0".into();
        r.fields_added = Section::with(vec![
            FieldAdded {
                key: "Zed20".into(),
                field: "pmid".into(),
                value: "123".into(),
                source: "pubmed".into(),
                applied: true,
            },
            FieldAdded {
                key: "Abas05".into(),
                field: "doi".into(),
                value: "10.1/x|y".into(),
                source: "crossref".into(),
                applied: true,
            },
        ]);
        r.new_publications_per_person = Section::with(vec![PersonNew {
            person: "ann-lee".into(),
            name: "Ann Lee".into(),
            works: vec![NewWork {
                year: Some(2024),
                title: "<script>alert(1)</script> *deep* learning".into(),
                ids: BTreeMap::from([("doi".into(), "10.1/new".into())]),
                decision: "new".into(),
                key: None,
                added: false,
            }],
        }]);
        r.bibkeys_proposed = Section::unavailable("not available in this build");
        r.files.written = vec!["bib/b.bib".into(), "bib/a.bib".into()];
        r.normalize();
        r
    }

    #[test]
    fn markdown_is_sorted_escaped_and_notes_missing_stages() {
        let md = sample().to_markdown();
        let abas = md.find("Abas05").unwrap();
        let zed = md.find("Zed20").unwrap();
        assert!(abas < zed, "{md}");
        assert!(md.contains("10.1/x\\|y"), "{md}");
        assert!(!md.contains("<script>"), "{md}");
        assert!(md.contains("&lt;script&gt;"), "{md}");
        assert!(md.contains("\\*deep\\*"), "{md}");
        assert!(
            md.contains("### Bibkeys proposed per project\n\n_not available in this build_"),
            "{md}"
        );
        assert!(md.find("bib/a.bib").unwrap() < md.find("bib/b.bib").unwrap());
        assert!(!md.contains("generated"), "no timestamp unless asked: {md}");
    }

    #[test]
    fn equal_reports_render_equal_bytes() {
        let a = sample();
        let mut b = sample();
        b.fields_added.items.reverse();
        b.normalize();
        assert_eq!(a.to_markdown(), b.to_markdown());
        assert_eq!(a.to_json(), b.to_json());
    }

    #[test]
    fn exit_codes_follow_status() {
        let mut r = sample();
        assert_eq!(r.exit_code(10), 10);
        assert_eq!(r.exit_code(7), 7);
        r.service_failures.push(ServiceFailure {
            service: "crossref".into(),
            message: "HTTP 500".into(),
        });
        r.normalize();
        assert!(r.degraded);
        assert_eq!(r.exit_code(10), 2);
        assert!(r.to_markdown().contains("Degraded run: `crossref` failed"));

        let mut quiet = RefreshReport::new(Mode {
            write: true,
            ..Mode::default()
        });
        // With --write, pending proposals alone are not a change: they were written before.
        quiet.new_publications_per_person = sample().new_publications_per_person;
        quiet.normalize();
        assert_eq!(quiet.exit_code(10), 0);
        quiet.mode.write = false;
        assert_eq!(
            quiet.exit_code(10),
            10,
            "a dry run reports proposals as changes"
        );
    }

    #[test]
    fn check_mode_fails_only_on_stale_files() {
        let mut r = RefreshReport::new(Mode {
            check: true,
            ..Mode::default()
        });
        r.normalize();
        assert_eq!(r.exit_code(10), 0);
        r.stale.push(StaleFile {
            path: "out/index.html".into(),
            state: "changed".into(),
        });
        assert_eq!(r.exit_code(10), 2);
        assert!(r.to_markdown().contains("`out/index.html` (changed)"));
    }

    #[test]
    fn json_has_status_and_every_section() {
        let v: serde_json::Value = serde_json::from_str(&sample().to_json()).unwrap();
        assert_eq!(v["status"], "changes");
        assert_eq!(v["fields_added"]["items"][0]["key"], "Abas05");
        assert_eq!(v["bibkeys_proposed"]["available"], false);
        assert!(v.get("generated_at").is_none());
    }

    #[test]
    fn huge_reports_are_cut_below_the_pull_request_limit() {
        let mut r = sample();
        r.problems = (0..5000)
            .map(|i| Problem {
                severity: Severity::Warning,
                location: format!("bib/a.bib:{i}"),
                key: None,
                code: "x".into(),
                message: "m".repeat(100),
            })
            .collect();
        r.normalize();
        let md = r.to_markdown();
        assert!(md.chars().count() <= MAX_MARKDOWN_CHARS, "{}", md.len());
        assert!(md.contains("…and 4800 more"));
    }
}
