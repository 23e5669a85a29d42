//! Project bibkeys: case-insensitive lookup, and suggestions for keys that are in no bib file.
//!
//! A project's `bibkeys:` line is written by hand (`Gees19, Bokh19`, `lief19b`, `Hänt24`).
//! Each key is looked up case-insensitively; an unknown key becomes a warning that names the
//! page, the line and the nearest existing keys. It is never silently dropped, and since only
//! resolved keys are returned, a raw key never reaches a page.

use std::collections::BTreeSet;

use crate::bib::Bibliography;
use crate::diagnostics::Diagnostic;
use crate::model::Project;

/// How many suggestions an unknown key gets at most.
const MAX_SUGGESTIONS: usize = 3;

/// Resolves a project's bibkeys against the bibliography. Returns the keys as written in the
/// bib file (so `lief19b` becomes `Lief19b`), in page order without repeats, and a diagnostic
/// for each unknown or repeated key. Unknown keys are left out of the list.
pub fn resolve_project_keys(
    bib: &Bibliography,
    project: &Project,
) -> (Vec<String>, Vec<Diagnostic>) {
    let mut keys = Vec::new();
    let mut diags = Vec::new();
    let mut seen = BTreeSet::new();
    let mut line_cache = None;
    let mut line = || *line_cache.get_or_insert_with(|| bibkeys_line(project));
    for raw in &project.bibkeys {
        match bib.get(raw) {
            Some(p) => {
                if seen.insert(p.key_lower()) {
                    keys.push(p.key.clone());
                } else {
                    diags.push(
                        Diagnostic::warning(
                            "site-repeated-bibkey",
                            format!("`{raw}` is listed twice in `bibkeys:`"),
                        )
                        .at(&project.path, line(), 0)
                        .key(project.slug.clone())
                        .help("remove the repeat"),
                    );
                }
            }
            None => {
                let suggestions = suggest_keys(bib, raw);
                let help = if suggestions.is_empty() {
                    "check the key against the bib files, or remove it".to_string()
                } else {
                    format!("did you mean {}?", suggestions.join(", "))
                };
                diags.push(
                    Diagnostic::warning(
                        "site-unknown-bibkey",
                        format!(
                            "bibkey `{raw}` of project `{}` is in no bib file; it is not listed",
                            project.slug
                        ),
                    )
                    .at(&project.path, line(), 0)
                    .key(project.slug.clone())
                    .help(help),
                );
            }
        }
    }
    (keys, diags)
}

/// Checks every project's bibkeys (the diagnostics of [`resolve_project_keys`] for all).
pub fn check_projects(bib: &Bibliography, projects: &[Project]) -> Vec<Diagnostic> {
    projects
        .iter()
        .flat_map(|p| resolve_project_keys(bib, p).1)
        .collect()
}

/// The existing keys nearest to `key` (case-insensitive edit distance at most 2, or a key that
/// only differs by a trailing letter), closest first, at most three.
pub fn suggest_keys(bib: &Bibliography, key: &str) -> Vec<String> {
    let wanted = key.to_lowercase();
    let limit = if wanted.chars().count() <= 4 { 1 } else { 2 };
    let mut scored: Vec<(usize, &str)> = bib
        .publications
        .iter()
        .filter_map(|p| {
            let d = strsim::levenshtein(&wanted, &p.key.to_lowercase());
            (d <= limit).then_some((d, p.key.as_str()))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, k)| k.to_string())
        .collect()
}

/// The line of the `bibkeys:` field, read again from the page (0 when unknown).
fn bibkeys_line(project: &Project) -> u32 {
    let Ok(text) = std::fs::read(&project.path) else {
        return 0;
    };
    let text = String::from_utf8_lossy(&text);
    crate::site::split(&text)
        .field("bibkeys")
        .map_or(0, |f| f.line)
}
