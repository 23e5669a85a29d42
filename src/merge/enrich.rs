//! Enrichment: what the bib files lack that services know, as a minimal patch.
//!
//! [`plan`] resolves every candidate against the bibliography, merges each entry with the
//! candidates that are the same work ([`provenance::merge`]), and keeps the gaps services
//! filled that the options allow: never a protected entry or field, never an identifier that
//! another entry already holds, never a lower citation count unless asked. [`patch_files`]
//! turns the plan into new file texts through byte-preserving edits ([`crate::bib::edit`]).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use serde::Serialize;

use crate::bib::edit::{self, Patch};
use crate::bib::Bibliography;
use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::error::{Error, Result};
use crate::merge::identity::{self, BibIndex, BibPair, Work};
use crate::merge::provenance::{self, Conflict, Matched, Source};
use crate::model::{Candidate, Publication, Service};

/// Names `--fields` accepts, each with the merged fields it stands for.
const FIELD_NAMES: &[(&str, &[&str])] = &[
    ("doi", &["doi"]),
    ("pmid", &["pmid"]),
    ("pmcid", &["pmcid"]),
    ("eprint", &["eprint"]),
    ("arxiv", &["eprint"]),
    ("volume", &["volume"]),
    ("number", &["number"]),
    ("issue", &["number"]),
    ("pages", &["pages"]),
    ("abstract", &["abstract"]),
    ("taverne_url", &["oa_url"]),
    ("oa_url", &["oa_url"]),
    ("oa", &["oa_url"]),
    (
        "citations",
        &[
            "crossref_cites",
            "openalex_cites",
            "s2_cites",
            "pubmed_cites",
        ],
    ),
    (
        "cites",
        &[
            "crossref_cites",
            "openalex_cites",
            "s2_cites",
            "pubmed_cites",
        ],
    ),
    ("crossref_cites", &["crossref_cites"]),
    ("openalex_cites", &["openalex_cites"]),
    ("s2_cites", &["s2_cites"]),
];

/// What enrichment may do.
#[derive(Debug, Clone)]
pub struct EnrichOptions {
    /// Merged field name → the bib field it is written to (`oa_url` → `taverne_url`).
    pub fields: BTreeMap<String, String>,
    /// Fields never changed (lowercase).
    pub protect_fields: Vec<String>,
    /// Entries never changed (lowercase keys).
    pub protect_keys: Vec<String>,
    /// Let citation counts go down.
    pub allow_citation_decrease: bool,
    /// Title similarity threshold for identity.
    pub title_threshold: f64,
}

impl EnrichOptions {
    /// Options from config, with `--fields` (when not empty) replacing the configured list.
    /// Unknown field names are a config error that lists the known ones.
    pub fn new(
        config: &Config,
        cli_fields: &[String],
        allow_citation_decrease: bool,
    ) -> Result<Self> {
        let names: Vec<String> = if cli_fields.is_empty() {
            config.enrich_fields.clone()
        } else {
            cli_fields.to_vec()
        };
        let mut fields = BTreeMap::new();
        for raw in &names {
            let name = raw.trim().to_ascii_lowercase();
            if name.is_empty() {
                continue;
            }
            let Some((_, merged)) = FIELD_NAMES.iter().find(|(n, _)| *n == name) else {
                let known: Vec<&str> = FIELD_NAMES.iter().map(|(n, _)| *n).collect();
                return Err(Error::Config(format!(
                    "unknown enrich field `{raw}` (known: {})",
                    known.join(", ")
                )));
            };
            for m in *merged {
                let target = match (*m, name.as_str()) {
                    ("oa_url", "taverne_url") => "taverne_url",
                    (m, _) => m,
                };
                fields.insert(m.to_string(), target.to_string());
            }
        }
        Ok(EnrichOptions {
            fields,
            protect_fields: config
                .protect_fields
                .iter()
                .map(|f| f.to_ascii_lowercase())
                .collect(),
            protect_keys: config
                .protect_keys
                .iter()
                .map(|k| k.to_lowercase())
                .collect(),
            allow_citation_decrease: allow_citation_decrease || config.allow_citation_decrease,
            title_threshold: config.title_threshold,
        })
    }
}

/// One field to add or change in one entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// The bib key.
    pub key: String,
    /// The entry's file.
    pub file: PathBuf,
    /// The entry's line.
    pub line: u32,
    /// Index of the entry in the bibliography.
    #[serde(skip)]
    pub index: usize,
    /// The bib field written.
    pub field: String,
    /// The value before, when the field exists.
    pub old: Option<String>,
    /// The value after (plain text; escaped when written).
    pub new: String,
    /// Where the new value comes from.
    pub source: Source,
}

/// What enrichment would do, and what it found on the way.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    /// Fields to add or change, in bibliography order.
    pub changes: Vec<FieldChange>,
    /// Identifiers on which the bib file and a service disagree (never overwritten).
    pub conflicts: Vec<Conflict>,
    /// Duplicates and preprint ↔ published pairs within the bibliography.
    pub pairs: Vec<BibPair>,
    /// Why some additions were not made (protected, held by another entry, lower count).
    #[serde(skip)]
    pub notes: Vec<Diagnostic>,
}

fn claim_token(field: &str, value: &str) -> Option<String> {
    let norm = match field {
        "doi" => crate::model::Doi::parse(value)?.as_str().to_string(),
        "pmid" => crate::model::Pmid::parse(value)?.to_string(),
        "pmcid" => crate::model::Pmcid::parse(value)?.as_str().to_string(),
        "eprint" => crate::model::ArxivId::parse(value)?.as_str().to_string(),
        _ => return None,
    };
    Some(format!("{field}:{norm}"))
}

fn located(p: &Publication, d: Diagnostic) -> Diagnostic {
    let d = d.key(p.key.clone());
    if p.span.file.as_os_str().is_empty() {
        d
    } else {
        d.at(&p.span.file, p.span.line, p.span.column)
    }
}

/// Resolves `candidates` against `publications` and plans the additions `options` allow.
pub fn plan(
    publications: &[Publication],
    candidates: &[Candidate],
    options: &EnrichOptions,
) -> Plan {
    let index = BibIndex::new(publications, options.title_threshold);
    let mut matched: BTreeMap<usize, Vec<Matched<'_>>> = BTreeMap::new();
    for c in candidates {
        let res = index.resolve(&Work::from_candidate(c), None);
        if let Some((i, basis)) = res.same {
            matched.entry(i).or_default().push(Matched {
                candidate: c,
                basis,
            });
        }
    }
    let mut claims: HashMap<String, usize> = HashMap::new();
    for (i, w) in index.works.iter().enumerate() {
        let ids = &w.ids;
        let tokens = [
            ids.doi
                .as_ref()
                .and_then(|d| claim_token("doi", d.as_str())),
            ids.pmid.and_then(|p| claim_token("pmid", &p.to_string())),
            ids.pmcid
                .as_ref()
                .and_then(|p| claim_token("pmcid", p.as_str())),
            ids.arxiv
                .as_ref()
                .and_then(|a| claim_token("eprint", a.as_str())),
        ];
        for t in tokens.into_iter().flatten() {
            claims.entry(t).or_insert(i);
        }
    }
    let mut out = Plan {
        pairs: identity::bib_pairs(publications, options.title_threshold),
        ..Plan::default()
    };
    for (i, ms) in matched {
        let p = &publications[i];
        let merged = provenance::merge(p, &ms);
        out.conflicts.extend(merged.conflicts.iter().cloned());
        let protected = options.protect_keys.contains(&p.key.to_lowercase());
        let mut wanted: Vec<(String, Option<String>, String, Source)> = Vec::new();
        for (field, sourced) in merged.filled() {
            if let Some(target) = options.fields.get(field) {
                wanted.push((
                    target.clone(),
                    None,
                    sourced.value.clone(),
                    sourced.source.clone(),
                ));
            }
        }
        for (service, sourced) in &merged.citations {
            let field = provenance::citation_field(*service);
            if !options.fields.contains_key(&field) {
                continue;
            }
            let old = p.fields.get(&field).cloned();
            let old_count = old.as_deref().and_then(|o| o.trim().parse::<u64>().ok());
            match old_count {
                Some(o) if o == sourced.value => continue,
                Some(o) if o > sourced.value && !options.allow_citation_decrease => {
                    out.notes.push(located(
                        p,
                        Diagnostic::warning(
                            "merge-citations-down",
                            format!(
                                "{service} counts {} citations, the bib says {o}; kept {o}",
                                sourced.value
                            ),
                        )
                        .help("pass --allow-citation-decrease to accept lower counts"),
                    ));
                    continue;
                }
                _ => {}
            }
            wanted.push((
                field,
                old,
                sourced.value.to_string(),
                sourced.source.clone(),
            ));
        }
        for (field, old, new, source) in wanted {
            if protected || options.protect_fields.contains(&field) {
                out.notes.push(located(
                    p,
                    Diagnostic::warning(
                        "merge-protected",
                        format!(
                            "not adding {field} = {{{new}}}: {} is protected",
                            if protected { "the entry" } else { "the field" }
                        ),
                    )
                    .help(
                        "remove it from [merge] protect_keys / protect_fields to allow enrichment",
                    ),
                ));
                continue;
            }
            if let Some(token) =
                claim_token(if field == "eprint" { "eprint" } else { &field }, &new)
            {
                match claims.get(&token) {
                    Some(&holder) if holder != i => {
                        out.notes.push(located(
                            p,
                            Diagnostic::warning(
                                "merge-id-taken",
                                format!(
                                    "not adding {field} = {{{new}}}: entry `{}` already holds it",
                                    publications[holder].key
                                ),
                            )
                            .help("if both entries are the same work, merge them by hand"),
                        ));
                        continue;
                    }
                    _ => {
                        claims.insert(token, i);
                    }
                }
            }
            out.changes.push(FieldChange {
                key: p.key.clone(),
                file: p.span.file.clone(),
                line: p.span.line,
                index: i,
                field,
                old,
                new,
                source,
            });
        }
    }
    out
}

/// One file before and after.
#[derive(Debug, Clone)]
pub struct FilePatch {
    /// The file.
    pub path: PathBuf,
    /// Its bytes now.
    pub before: String,
    /// Its bytes after the edits.
    pub after: String,
}

/// Applies `changes` to the bib files (read again from disk, so spans are checked against the
/// bytes that will be replaced). Files without changes are not returned. Entries that cannot
/// be found or read are reported as diagnostics and left alone.
pub fn patch_files(
    bib: &Bibliography,
    changes: &[FieldChange],
) -> (Vec<FilePatch>, Vec<Diagnostic>) {
    let mut by_file: BTreeMap<PathBuf, Vec<&FieldChange>> = BTreeMap::new();
    for c in changes {
        by_file.entry(c.file.clone()).or_default().push(c);
    }
    let mut patches_out = Vec::new();
    let mut diags = Vec::new();
    for (path, changes) in by_file {
        let text = match std::fs::read(&path).map(String::from_utf8) {
            Ok(Ok(t)) => t,
            Ok(Err(e)) => {
                let (offset, line) =
                    crate::textfile::first_invalid(e.as_bytes()).unwrap_or_default();
                diags.push(
                    Diagnostic::error(
                        "merge-not-utf8",
                        format!("file is not valid UTF-8 at byte {offset}; not editing it"),
                    )
                    .at(&path, line as u32, 0)
                    .help("save the file as UTF-8 first (it is probably Latin-1 or Windows-1252)"),
                );
                continue;
            }
            Err(e) => {
                diags.push(
                    Diagnostic::error("merge-unreadable", format!("cannot read: {e}"))
                        .at(&path, 0, 0),
                );
                continue;
            }
        };
        let ascii = text.is_ascii();
        let layouts = edit::scan_entries(&text);
        let mut per_entry: BTreeMap<usize, Vec<(String, String)>> = BTreeMap::new();
        for c in changes {
            let span = &bib
                .publications
                .get(c.index)
                .map(|p| p.span.bytes.clone())
                .unwrap_or_default();
            let found = layouts
                .iter()
                .position(|l| {
                    l.key == c.key
                        && (span.is_empty()
                            || l.range.contains(&span.start)
                            || span.contains(&l.range.start))
                })
                .or_else(|| layouts.iter().position(|l| l.key == c.key));
            match found {
                Some(li) => per_entry
                    .entry(li)
                    .or_default()
                    .push((c.field.clone(), edit::escape_value(&c.field, &c.new, ascii))),
                None => diags.push(
                    Diagnostic::error(
                        "merge-entry-not-found",
                        format!("entry `{}` not found or not readable; not edited", c.key),
                    )
                    .at(&path, c.line, 0)
                    .key(c.key.clone()),
                ),
            }
        }
        let patches: Vec<Patch> = per_entry
            .iter()
            .flat_map(|(&li, ch)| edit::set_fields(&text, &layouts[li], ch))
            .collect();
        if patches.is_empty() {
            continue;
        }
        let after = edit::apply_patches(&text, &patches);
        if after != text {
            patches_out.push(FilePatch {
                path,
                before: text,
                after,
            });
        }
    }
    (patches_out, diags)
}

/// A unified diff of one file patch, `a/PATH` → `b/PATH`.
pub fn unified_diff(patch: &FilePatch) -> String {
    let name = patch.path.display().to_string();
    similar::TextDiff::from_lines(&patch.before, &patch.after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}

/// The services a plan draws on, for summaries.
pub fn services_used(plan: &Plan) -> Vec<Service> {
    let mut s: Vec<Service> = plan
        .changes
        .iter()
        .filter_map(|c| match &c.source {
            Source::Service { service, .. } => Some(*service),
            Source::Bib => None,
        })
        .collect();
    s.sort();
    s.dedup();
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CandidateAuthor, Doi, Ids, Name, Pmid};

    fn config() -> Config {
        Config::from_raw(
            Default::default(),
            None,
            std::path::Path::new(""),
            &Default::default(),
        )
        .unwrap()
    }

    fn entry(key: &str, title: &str, fields: &[(&str, &str)]) -> Publication {
        let mut p = Publication {
            key: key.into(),
            entry_type: "article".into(),
            kind: Some(crate::model::Kind::Article),
            title: title.into(),
            year: Some(2015),
            authors: vec![Name {
                given: "Bram".into(),
                particle: "van".into(),
                family: "Ginneken".into(),
                ..Name::default()
            }],
            ..Publication::default()
        };
        for (k, v) in fields {
            p.fields.insert(k.to_string(), v.to_string());
        }
        p
    }

    fn cand(service: Service, title: &str, doi: &str, pmid: u64) -> Candidate {
        Candidate {
            source: Some(service),
            retrieved: "2026-12-01T00:00:00Z".into(),
            title: title.into(),
            year: Some(2015),
            ids: Ids {
                doi: Doi::parse(doi),
                pmid: Some(Pmid(pmid)),
                ..Ids::default()
            },
            authors: vec![CandidateAuthor {
                name: Name {
                    given: "B.".into(),
                    family: "van Ginneken".into(),
                    ..Name::default()
                },
                orcid: None,
            }],
            citations: Some(12),
            ..Candidate::default()
        }
    }

    #[test]
    fn fills_gaps_reports_conflicts_and_respects_claims() {
        let pubs = vec![
            entry("Ginn15", "Lung nodule detection in CT", &[]),
            entry(
                "Ginn15a",
                "Rib suppression in chest radiographs",
                &[("doi", "10.1000/wrong.1")],
            ),
            entry("Ginn15b", "Emphysema scoring", &[("pmid", "777")]),
        ];
        let cands = vec![
            cand(
                Service::Crossref,
                "Lung nodule detection in CT.",
                "10.1000/ln.1",
                111,
            ),
            cand(
                Service::Crossref,
                "Rib suppression in chest radiographs",
                "10.1000/rib.1",
                222,
            ),
            // Claims PMID 777, which Ginn15b holds.
            cand(
                Service::Pubmed,
                "Emphysema scoring in low-dose CT of a different study",
                "10.1000/emph.9",
                777,
            ),
        ];
        let opts = EnrichOptions::new(&config(), &[], false).unwrap();
        let plan = plan(&pubs, &cands, &opts);
        let added: Vec<(&str, &str, &str)> = plan
            .changes
            .iter()
            .map(|c| (c.key.as_str(), c.field.as_str(), c.new.as_str()))
            .collect();
        assert!(
            added.contains(&("Ginn15", "doi", "10.1000/ln.1")),
            "{added:?}"
        );
        assert!(added.contains(&("Ginn15", "pmid", "111")), "{added:?}");
        assert!(
            !added.iter().any(|a| a.0 == "Ginn15a" && a.1 == "doi"),
            "{added:?}"
        );
        assert_eq!(plan.conflicts.len(), 1, "{:?}", plan.conflicts);
        assert_eq!(plan.conflicts[0].key, "Ginn15a");
        // Citation counts are not in the default fields.
        assert!(!added.iter().any(|a| a.1.ends_with("_cites")));
    }

    #[test]
    fn citation_counts_only_go_up() {
        let pubs = vec![entry(
            "Ginn15",
            "Lung nodule detection in CT",
            &[("s2_cites", "20"), ("doi", "10.1000/ln.1")],
        )];
        let cands = vec![cand(
            Service::SemanticScholar,
            "Lung nodule detection in CT",
            "10.1000/ln.1",
            111,
        )];
        let fields = vec!["citations".to_string()];
        let down = plan(
            &pubs,
            &cands,
            &EnrichOptions::new(&config(), &fields, false).unwrap(),
        );
        assert!(down.changes.is_empty(), "{:?}", down.changes);
        assert_eq!(down.notes.len(), 1);
        let allowed = plan(
            &pubs,
            &cands,
            &EnrichOptions::new(&config(), &fields, true).unwrap(),
        );
        assert_eq!(allowed.changes.len(), 1);
        assert_eq!(allowed.changes[0].old.as_deref(), Some("20"));
        assert_eq!(allowed.changes[0].new, "12");
        assert!(EnrichOptions::new(&config(), &["colour".to_string()], false).is_err());
    }
}
