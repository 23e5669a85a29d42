//! Field merge with provenance: one record per work, each field knowing where it came from.
//!
//! The curated bib entry wins: every field it has is kept, with [`Source::Bib`]. Candidates
//! (already resolved as the same work) only fill gaps, each gap from the most trustworthy
//! service for that field. Identifiers that differ between the entry and a service are
//! [`Conflict`]s: reported, never overwritten. Services that disagree among themselves about a
//! gap fill nothing and are reported too.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::merge::identity::{self, Basis, WorkClass};
use crate::model::{Candidate, Publication, Service};

/// Where a field's value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "from", rename_all = "lowercase")]
pub enum Source {
    /// The curated bib file.
    Bib,
    /// A service, with the retrieval time it gave.
    Service {
        /// Which service.
        service: Service,
        /// When (RFC 3339).
        retrieved: String,
    },
}

/// A value with its source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sourced<T> {
    /// The value.
    pub value: T,
    /// Where it came from.
    pub source: Source,
}

/// A field on which the bib file and a service (or two services) disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    /// The bib key.
    pub key: String,
    /// The field (`doi`, `pmid`, …).
    pub field: String,
    /// The value in the bib file; `None` when services disagree about a gap.
    pub bib: Option<String>,
    /// What the service says.
    pub service_value: String,
    /// Which service says it.
    pub service: Service,
    /// How the candidate was matched to the entry.
    pub matched_by: String,
}

impl Conflict {
    /// One line for reports.
    pub fn describe(&self) -> String {
        match &self.bib {
            Some(bib) => format!(
                "{}: bib has {} = {{{bib}}}, {} says {{{}}} (matched by {}); kept the bib value",
                self.key, self.field, self.service, self.service_value, self.matched_by
            ),
            None => format!(
                "{}: services disagree on the missing {}: {} says {{{}}} (matched by {}); filled nothing",
                self.key, self.field, self.service, self.service_value, self.matched_by
            ),
        }
    }
}

/// One work: the bib entry's fields plus the gaps services filled, each with its source.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Merged {
    /// The bib key.
    pub key: String,
    /// Field name (bib spelling, lowercase) → value with source.
    pub fields: BTreeMap<String, Sourced<String>>,
    /// Citation count per service.
    pub citations: BTreeMap<Service, Sourced<u64>>,
    /// Disagreements found.
    pub conflicts: Vec<Conflict>,
}

impl Merged {
    /// The fields a service added (the bib file lacks them), in name order.
    pub fn filled(&self) -> impl Iterator<Item = (&String, &Sourced<String>)> {
        self.fields.iter().filter(|(_, v)| v.source != Source::Bib)
    }
}

/// A candidate resolved as the same work as an entry, with how it matched.
#[derive(Debug, Clone, Copy)]
pub struct Matched<'a> {
    /// The candidate.
    pub candidate: &'a Candidate,
    /// Why it is the same work.
    pub basis: Basis,
}

/// The fields services can fill, with the services to trust for each, best first.
const PRECEDENCE: &[(&str, &[Service])] = &[
    (
        "doi",
        &[
            Service::Crossref,
            Service::Pubmed,
            Service::Openalex,
            Service::SemanticScholar,
            Service::Doi,
            Service::Orcid,
        ],
    ),
    (
        "pmid",
        &[
            Service::Pubmed,
            Service::Openalex,
            Service::SemanticScholar,
            Service::Crossref,
            Service::Orcid,
        ],
    ),
    (
        "pmcid",
        &[
            Service::Pubmed,
            Service::Openalex,
            Service::SemanticScholar,
            Service::Orcid,
        ],
    ),
    (
        "eprint",
        &[
            Service::Arxiv,
            Service::SemanticScholar,
            Service::Openalex,
            Service::Crossref,
            Service::Orcid,
        ],
    ),
    (
        "volume",
        &[
            Service::Crossref,
            Service::Pubmed,
            Service::Openalex,
            Service::SemanticScholar,
            Service::Doi,
        ],
    ),
    (
        "number",
        &[
            Service::Crossref,
            Service::Pubmed,
            Service::Openalex,
            Service::SemanticScholar,
            Service::Doi,
        ],
    ),
    (
        "pages",
        &[
            Service::Crossref,
            Service::Pubmed,
            Service::Openalex,
            Service::SemanticScholar,
            Service::Doi,
        ],
    ),
    (
        "abstract",
        &[
            Service::Pubmed,
            Service::Crossref,
            Service::Openalex,
            Service::SemanticScholar,
            Service::Arxiv,
        ],
    ),
    (
        "oa_url",
        &[
            Service::Openalex,
            Service::SemanticScholar,
            Service::Crossref,
            Service::Pubmed,
            Service::Arxiv,
        ],
    ),
];

/// Identifier fields: a disagreement with the bib is a conflict.
const ID_FIELDS: &[&str] = &["doi", "pmid", "pmcid", "eprint"];

/// The bib field that holds citation counts from a service (`s2_cites`, `openalex_cites`, …).
pub fn citation_field(service: Service) -> String {
    format!("{}_cites", service.as_str())
}

/// What a candidate says about one fillable field, normalized for comparison and writing.
fn candidate_value(c: &Candidate, field: &str) -> Option<String> {
    let v = match field {
        "doi" => c.ids.doi.as_ref().map(|d| d.as_str().to_string()),
        "pmid" => c.ids.pmid.map(|p| p.to_string()),
        "pmcid" => c.ids.pmcid.as_ref().map(|p| p.as_str().to_string()),
        "eprint" => c.ids.arxiv.as_ref().map(|a| a.as_str().to_string()),
        "volume" => c.volume.clone(),
        "number" => c.issue.clone(),
        "pages" => c.pages.as_deref().map(normalize_pages),
        "abstract" => c.abstract_text.clone(),
        "oa_url" => c.oa_url.clone(),
        _ => None,
    }?;
    let v = v.trim().to_string();
    (!v.is_empty()).then_some(v)
}

/// The entry's value for a fillable field, normalized the same way, when it has one.
fn bib_value(p: &Publication, field: &str) -> Option<String> {
    let ids = identity::publication_ids(p);
    let v = match field {
        "doi" => ids.doi.map(|d| d.as_str().to_string()),
        "pmid" => ids.pmid.map(|d| d.to_string()),
        "pmcid" => ids.pmcid.map(|d| d.as_str().to_string()),
        "eprint" => ids.arxiv.map(|d| d.as_str().to_string()),
        "number" => p.fields.get("number").or(p.fields.get("issue")).cloned(),
        "oa_url" => p
            .fields
            .get("oa_url")
            .or(p.fields.get("taverne_url"))
            .cloned(),
        other => p.fields.get(other).cloned(),
    }?;
    (!v.trim().is_empty()).then_some(v)
}

/// Pages as a bib file writes them: `825-836`. En dashes and `--` become `-`, and PubMed's
/// abbreviated end pages are spelled out (`1826-34` → `1826-1834`).
pub fn normalize_pages(pages: &str) -> String {
    let p = pages
        .trim()
        .replace(['\u{2013}', '\u{2014}'], "-")
        .replace("--", "-");
    if let Some((a, b)) = p.split_once('-') {
        let (a, b) = (a.trim(), b.trim());
        if !a.is_empty()
            && !b.is_empty()
            && b.len() < a.len()
            && a.bytes().all(|c| c.is_ascii_digit())
            && b.bytes().all(|c| c.is_ascii_digit())
        {
            let full = format!("{}{b}", &a[..a.len() - b.len()]);
            if full.parse::<u64>().ok() >= a.parse::<u64>().ok() {
                return format!("{a}-{full}");
            }
        }
        return format!("{a}-{b}");
    }
    p
}

/// Merges an entry with the candidates resolved as the same work.
pub fn merge(p: &Publication, matched: &[Matched<'_>]) -> Merged {
    let mut merged = Merged {
        key: p.key.clone(),
        ..Merged::default()
    };
    for (name, value) in &p.fields {
        merged.fields.insert(
            name.clone(),
            Sourced {
                value: value.clone(),
                source: Source::Bib,
            },
        );
    }
    let preprint = identity::publication_class(p) == WorkClass::Preprint;
    for &(field, services) in PRECEDENCE {
        let offers: Vec<(&Matched<'_>, String)> = services
            .iter()
            .flat_map(|s| {
                matched
                    .iter()
                    .filter(move |m| m.candidate.source == Some(*s))
                    .filter_map(move |m| candidate_value(m.candidate, field).map(|v| (m, v)))
            })
            // arXiv gives the *published* version's DOI; a preprint entry never takes a journal DOI.
            .filter(|(m, v)| {
                field != "doi"
                    || (m.candidate.source != Some(Service::Arxiv)
                        && (!preprint || v.starts_with("10.48550/")))
            })
            .collect();
        let Some((best, value)) = offers.first() else {
            continue;
        };
        let is_id = ID_FIELDS.contains(&field);
        match bib_value(p, field) {
            Some(bib) => {
                if is_id {
                    for (m, v) in &offers {
                        if !same_id(field, &bib, v) {
                            merged
                                .conflicts
                                .push(conflict(p, field, Some(bib.clone()), m, v));
                        }
                    }
                }
            }
            None => {
                let disagree: Vec<&(&Matched<'_>, String)> = offers
                    .iter()
                    .filter(|(_, v)| is_id && !same_id(field, value, v))
                    .collect();
                if disagree.is_empty() {
                    merged.fields.insert(
                        field.to_string(),
                        Sourced {
                            value: value.clone(),
                            source: source_of(best.candidate),
                        },
                    );
                } else {
                    merged.conflicts.push(conflict(p, field, None, best, value));
                    for (m, v) in disagree {
                        merged.conflicts.push(conflict(p, field, None, m, v));
                    }
                }
            }
        }
    }
    for m in matched {
        if let (Some(service), Some(count)) = (m.candidate.source, m.candidate.citations) {
            let keep = merged
                .citations
                .get(&service)
                .is_none_or(|old| count > old.value);
            if keep {
                merged.citations.insert(
                    service,
                    Sourced {
                        value: count,
                        source: source_of(m.candidate),
                    },
                );
            }
        }
    }
    merged.conflicts.sort_by(|a, b| {
        (&a.field, a.service, &a.service_value).cmp(&(&b.field, b.service, &b.service_value))
    });
    merged.conflicts.dedup();
    merged
}

fn same_id(field: &str, a: &str, b: &str) -> bool {
    match field {
        "doi" => crate::model::Doi::parse(a) == crate::model::Doi::parse(b),
        "pmid" => crate::model::Pmid::parse(a) == crate::model::Pmid::parse(b),
        "pmcid" => crate::model::Pmcid::parse(a) == crate::model::Pmcid::parse(b),
        "eprint" => crate::model::ArxivId::parse(a) == crate::model::ArxivId::parse(b),
        _ => a.trim() == b.trim(),
    }
}

fn source_of(c: &Candidate) -> Source {
    match c.source {
        Some(service) => Source::Service {
            service,
            retrieved: c.retrieved.clone(),
        },
        None => Source::Bib,
    }
}

fn conflict(
    p: &Publication,
    field: &str,
    bib: Option<String>,
    m: &Matched<'_>,
    value: &str,
) -> Conflict {
    Conflict {
        key: p.key.clone(),
        field: field.to_string(),
        bib,
        service_value: value.to_string(),
        service: m.candidate.source.unwrap_or(Service::Crossref),
        matched_by: m.basis.describe(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Doi, Ids, Pmid};

    fn entry() -> Publication {
        let mut p = Publication {
            key: "Abas05".into(),
            entry_type: "article".into(),
            title: "Entropy analysis of the EEG background activity".into(),
            year: Some(2005),
            ..Publication::default()
        };
        p.fields.insert("title".into(), p.title.clone());
        p.fields.insert("volume".into(), "116".into());
        p
    }

    fn cand(service: Service, doi: Option<&str>, pmid: Option<u64>) -> Candidate {
        Candidate {
            source: Some(service),
            retrieved: "2026-12-01T00:00:00Z".into(),
            ids: Ids {
                doi: doi.and_then(Doi::parse),
                pmid: pmid.map(Pmid),
                ..Ids::default()
            },
            volume: Some("999".into()),
            pages: Some("1826-34".into()),
            citations: Some(40),
            ..Candidate::default()
        }
    }

    #[test]
    fn bib_wins_and_services_fill_gaps_with_provenance() {
        let cr = cand(
            Service::Crossref,
            Some("10.1016/j.clinph.2005.04.001"),
            None,
        );
        let pm = cand(Service::Pubmed, None, Some(15979403));
        let m = merge(
            &entry(),
            &[
                Matched {
                    candidate: &pm,
                    basis: Basis::Title { similarity: 1.0 },
                },
                Matched {
                    candidate: &cr,
                    basis: Basis::Title { similarity: 1.0 },
                },
            ],
        );
        assert_eq!(m.fields["volume"].value, "116");
        assert_eq!(m.fields["volume"].source, Source::Bib);
        assert_eq!(m.fields["doi"].value, "10.1016/j.clinph.2005.04.001");
        assert!(matches!(
            m.fields["doi"].source,
            Source::Service {
                service: Service::Crossref,
                ..
            }
        ));
        assert_eq!(m.fields["pmid"].value, "15979403");
        assert_eq!(m.fields["pages"].value, "1826-1834");
        assert_eq!(m.citations[&Service::Crossref].value, 40);
        assert!(m.conflicts.is_empty(), "{:?}", m.conflicts);
    }

    #[test]
    fn differing_doi_is_a_conflict_not_an_overwrite() {
        let mut p = entry();
        p.fields
            .insert("doi".into(), "10.1016/j.clinph.2005.04.999".into());
        let cr = cand(
            Service::Crossref,
            Some("10.1016/j.clinph.2005.04.001"),
            None,
        );
        let m = merge(
            &p,
            &[Matched {
                candidate: &cr,
                basis: Basis::Title { similarity: 0.97 },
            }],
        );
        assert_eq!(m.fields["doi"].value, "10.1016/j.clinph.2005.04.999");
        assert_eq!(m.conflicts.len(), 1);
        assert!(m.conflicts[0].describe().contains("kept the bib value"));
    }

    #[test]
    fn pages_are_spelled_out() {
        assert_eq!(normalize_pages("1826-34"), "1826-1834");
        assert_eq!(normalize_pages("E166\u{2013}E172"), "E166-E172");
        assert_eq!(normalize_pages("5492"), "5492");
    }
}
