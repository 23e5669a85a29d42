//! Applying a reviewed discover file: accepted works become new bib entries (house-style
//! keys, groups from config, a `sources` field), rejected works go to the ignore list.
//!
//! Applying is idempotent: a work the bibliography already holds (same id, or same title,
//! year and first author) is skipped, and so is a work listed twice in the review (the same
//! paper under two co-authors).

use crate::bib::edit;
use crate::merge::discover::{self, Found};
use crate::merge::identity::{self, BibIndex, Link, Work};
use crate::merge::ignore;
use crate::merge::keys::{self, KeyAllocator};
use crate::merge::provenance::normalize_pages;
use crate::merge::review::{Action, Reviewed};
use crate::model::{Candidate, CandidateAuthor, Kind, Name, Publication};

/// A new entry to insert.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    /// Its key.
    pub key: String,
    /// Entry type.
    pub entry_type: String,
    /// Fields in writing order: name → plain value (escaped when written).
    pub fields: Vec<(String, String)>,
}

/// What applying a review does.
#[derive(Debug, Clone, Default)]
pub struct ApplyPlan {
    /// Entries to add, in review order.
    pub additions: Vec<NewEntry>,
    /// Ignore-list lines to append: (token, reason).
    pub ignores: Vec<(String, String)>,
    /// Items not added, with why (already present, duplicate in the review, no title…).
    pub skipped: Vec<String>,
}

/// The candidate a reviewed item stands for: the store's description when there is one,
/// else what the review file says.
pub fn candidate_of(item: &Reviewed, stored: Option<&Found>) -> Found {
    if let Some(f) = stored {
        return f.clone();
    }
    Found {
        candidate: Candidate {
            ids: item.ids.clone(),
            title: item.title.clone(),
            year: item.year,
            venue: item.venue.clone(),
            kind: item.kind,
            authors: item
                .authors
                .iter()
                .map(|n| CandidateAuthor {
                    name: n.clone(),
                    orcid: None,
                })
                .collect(),
            ..Candidate::default()
        },
        sources: Vec::new(),
    }
}

fn bib_name(n: &Name) -> String {
    let family = if n.particle.is_empty() {
        n.family.clone()
    } else {
        format!("{} {}", n.particle, n.family)
    };
    let mut s = family;
    if !n.suffix.is_empty() {
        s = format!("{s}, {}", n.suffix);
    }
    if !n.given.is_empty() {
        s = format!("{s}, {}", n.given);
    }
    s
}

/// The fields of a new entry for a work, in the DIAG order.
pub fn entry_fields(found: &Found, groups: &[String]) -> (String, Vec<(String, String)>) {
    let c = &found.candidate;
    let class = identity::candidate_class(c);
    let kind = if class == identity::WorkClass::Preprint {
        Some(Kind::Preprint)
    } else {
        c.kind
    };
    let mut f: Vec<(String, String)> = Vec::new();
    let mut push = |name: &str, value: Option<String>| {
        if let Some(v) = value.filter(|v| !v.trim().is_empty()) {
            f.push((name.to_string(), v));
        }
    };
    let authors: Vec<String> = c.authors.iter().map(|a| bib_name(&a.name)).collect();
    push("author", Some(authors.join(" and ")));
    push(
        "title",
        Some(c.title.trim().trim_end_matches('.').to_string()),
    );
    let container = match kind {
        Some(Kind::Preprint) => Some(match &c.ids.arxiv {
            Some(a) => format!("arXiv:{}", a.as_str()),
            None => c.venue.clone().unwrap_or_else(|| "Preprint".into()),
        }),
        _ => c.venue.clone(),
    };
    let container_field = match kind {
        Some(Kind::InProceedings) | Some(Kind::Chapter) => "booktitle",
        Some(Kind::PhdThesis) | Some(Kind::MastersThesis) => "school",
        Some(Kind::Book) | Some(Kind::Report) | Some(Kind::Patent) => "publisher",
        _ => "journal",
    };
    push(container_field, container);
    push("year", c.year.map(|y| y.to_string()));
    push("volume", c.volume.clone());
    push("number", c.issue.clone());
    push("pages", c.pages.as_deref().map(normalize_pages));
    push("doi", c.ids.doi.as_ref().map(|d| d.as_str().to_string()));
    push("pmid", c.ids.pmid.map(|p| p.to_string()));
    if kind != Some(Kind::Preprint) {
        push(
            "eprint",
            c.ids.arxiv.as_ref().map(|a| a.as_str().to_string()),
        );
    }
    push(
        "url",
        c.oa_url
            .clone()
            .or_else(|| c.ids.arxiv.as_ref().map(|a| a.url())),
    );
    push("abstract", c.abstract_text.clone());
    if !groups.is_empty() {
        push("optnote", Some(groups.join(", ")));
    }
    if let Some(s2) = c.ids.s2.first() {
        push("ss_id", Some(s2.clone()));
    }
    let sources: Vec<String> = found
        .sources
        .iter()
        .map(|(s, when)| match when.get(..10) {
            Some(day) if !day.is_empty() => format!("{s} {day}"),
            _ => s.to_string(),
        })
        .collect();
    push(
        "sources",
        Some(if sources.is_empty() {
            "publist review".to_string()
        } else {
            sources.join("; ")
        }),
    );
    (discover::entry_type(kind).to_string(), f)
}

/// Plans the additions and ignores of a review. `stored` gives the store's description of
/// each item (same order as `items`), when the store has one.
pub fn plan(
    items: &[Reviewed],
    stored: &[Option<Found>],
    publications: &[Publication],
    existing_keys: &[String],
    groups: &[String],
    key_template: &str,
    threshold: f64,
) -> ApplyPlan {
    let index = BibIndex::new(publications, threshold);
    let mut allocator = KeyAllocator::new(existing_keys.iter().map(String::as_str));
    let mut added: Vec<(Work, String)> = Vec::new();
    let mut out = ApplyPlan::default();
    for (n, item) in items.iter().enumerate() {
        let found = candidate_of(item, stored.get(n).and_then(Option::as_ref));
        let label = format!("line {}: \"{}\"", item.line, item.title);
        match item.action {
            Action::Skip => {}
            Action::Ignore => {
                let reason = format!(
                    "rejected in review{}: {}",
                    item.decision
                        .map(|d| format!(" ({})", d.as_str()))
                        .unwrap_or_default(),
                    item.title.replace('#', "")
                );
                let tokens = ignore::tokens(&found.candidate.ids);
                if tokens.is_empty() {
                    out.skipped.push(format!(
                        "{label}: has no id, cannot be put on the ignore list"
                    ));
                }
                for t in tokens {
                    if !out.ignores.iter().any(|(x, _)| *x == t) {
                        out.ignores.push((t, reason.clone()));
                    }
                }
            }
            Action::Add => {
                if found.candidate.title.trim().is_empty() {
                    out.skipped.push(format!("{label}: no title; not added"));
                    continue;
                }
                let work = Work::from_candidate(&found.candidate);
                let res = index.resolve(&work, None);
                if let Some((i, basis)) = res.same {
                    out.skipped.push(format!(
                        "{label}: already present as {} ({}); not added",
                        publications[i].key,
                        basis.describe()
                    ));
                    continue;
                }
                if let Some((_, key)) = added.iter().find(|(w, _)| {
                    matches!(identity::compare(w, &work, threshold), Some(Link::Same(_)))
                }) {
                    out.skipped.push(format!(
                        "{label}: same work as {key}, added above; not added twice"
                    ));
                    continue;
                }
                let base = keys::base_key(
                    key_template,
                    found.candidate.authors.first().map(|a| &a.name),
                    found.candidate.year,
                );
                let key = allocator.allocate(&base);
                let (entry_type, fields) = entry_fields(&found, groups);
                added.push((work, key.clone()));
                out.additions.push(NewEntry {
                    key,
                    entry_type,
                    fields,
                });
            }
        }
    }
    out
}

/// The new text of a bib file with `additions` inserted at their sorted positions, in the
/// file's own style; values escaped (LaTeX accents when the file is ASCII).
pub fn insert_entries(text: &str, additions: &[NewEntry]) -> String {
    let layouts = edit::scan_entries(text);
    let style = layouts
        .last()
        .map(|l| edit::detect_style(text, l))
        .map(|s| edit::Style {
            one_line: false,
            ..s
        })
        .unwrap_or_else(|| edit::Style {
            newline: edit::newline_of(text),
            ..edit::Style::default()
        });
    let ascii = text.is_ascii();
    let mut sorted: Vec<&NewEntry> = additions.iter().collect();
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    let patches: Vec<edit::Patch> = sorted
        .into_iter()
        .map(|a| {
            let fields: Vec<(String, String)> = a
                .fields
                .iter()
                .map(|(k, v)| (k.clone(), edit::escape_value(k, v, ascii)))
                .collect();
            let entry = style.entry(&a.entry_type, &a.key, &fields);
            edit::insert_entry(text, &layouts, &a.key, &entry)
        })
        .collect();
    edit::apply_patches(text, &patches)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merge::discover::{Decision, Item, ItemIds, PersonItems, Report};
    use crate::merge::review;
    use crate::model::{Doi, Ids, Service};

    fn item(title: &str, doi: &str, decision: Decision) -> Item {
        let candidate = Candidate {
            source: Some(Service::Crossref),
            retrieved: "2026-12-01T10:00:00Z".into(),
            title: title.into(),
            year: Some(2021),
            venue: Some("Medical Image Analysis".into()),
            kind: Some(Kind::Article),
            ids: Ids {
                doi: Doi::parse(doi),
                ..Ids::default()
            },
            authors: vec![CandidateAuthor {
                name: Name {
                    given: "Clara I.".into(),
                    family: "Sánchez".into(),
                    ..Name::default()
                },
                orcid: None,
            }],
            volume: Some("70".into()),
            pages: Some("101–110".into()),
            ..Candidate::default()
        };
        Item {
            ids: ItemIds::from_ids(&candidate.ids),
            title: title.into(),
            year: Some(2021),
            decision,
            key: None,
            evidence: vec!["new: no bib entry shares an id or a matching title".into()],
            work: Found {
                sources: vec![(Service::Crossref, candidate.retrieved.clone())],
                candidate,
            },
        }
    }

    fn report() -> Report {
        Report {
            people: vec![PersonItems {
                slug: "clara-sanchez".into(),
                items: vec![
                    item(
                        "Retinal vessels & deep learning",
                        "10.1000/a.1",
                        Decision::New,
                    ),
                    item("Another retinal study", "10.1000/b.1", Decision::New),
                    item("Not mine", "10.1000/c.1", Decision::Namesake),
                ],
            }],
        }
    }

    const BIB: &str = "@article{Abas05,\n  title = {A},\n  year = {2005},\n}\n\n@article{Sanc21,\n  title = {Older},\n  year = {2021},\n}\n\n@article{Zuid20,\n  title = {Z},\n  year = {2020},\n}\n";

    fn run(reviewed: &[review::Reviewed], text: &str) -> (ApplyPlan, String) {
        let layouts = edit::scan_entries(text);
        let pubs: Vec<Publication> = Vec::new();
        let keys: Vec<String> = layouts.iter().map(|l| l.key.clone()).collect();
        let plan = plan(
            reviewed,
            &vec![None; reviewed.len()],
            &pubs,
            &keys,
            &["DIAG".to_string()],
            keys::DEFAULT_TEMPLATE,
            0.9,
        );
        let out = insert_entries(text, &plan.additions);
        (plan, out)
    }

    #[test]
    fn markdown_review_round_trip_adds_and_ignores() {
        let md = review::to_markdown(&report());
        let md = md
            .replacen("- [ ] **Retinal", "- [x] **Retinal", 1)
            .replacen("- [ ] **Not mine", "- [-] **Not mine", 1);
        let (items, diags) = review::parse(&md, std::path::Path::new("review.md"));
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(items.len(), 3);
        let (plan, out) = run(&items, BIB);
        assert_eq!(plan.additions.len(), 1);
        assert_eq!(plan.additions[0].key, "Sanc21a");
        assert_eq!(
            plan.ignores,
            vec![(
                "doi:10.1000/c.1".to_string(),
                "rejected in review (namesake): Not mine".to_string()
            )]
        );
        assert!(out.contains("}\n\n@article{Sanc21a,\n  author = {S{\\'a}nchez, Clara I.},\n  title = {Retinal vessels \\& deep learning},\n  journal = {Medical Image Analysis},\n  year = {2021},\n  doi = {10.1000/a.1},\n  optnote = {DIAG},\n  sources = {publist review},\n}\n\n@article{Zuid20,"), "{out}");
        assert!(out.starts_with(
            "@article{Abas05,\n  title = {A},\n  year = {2005},\n}\n\n@article{Sanc21,"
        ));
    }

    #[test]
    fn csv_review_and_idempotent_apply() {
        let csv = review::to_csv(&report());
        let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
        lines[1] = format!("add{}", lines[1]);
        lines[2] = format!("add{}", lines[2]);
        let csv = lines.join("\n") + "\n";
        let (items, diags) = review::parse(&csv, std::path::Path::new("review.csv"));
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(
            items
                .iter()
                .filter(|i| i.action == review::Action::Add)
                .count(),
            2
        );
        assert_eq!(items[0].title, "Retinal vessels & deep learning");
        assert_eq!(items[0].authors[0].family, "Sánchez");
        let (plan, out) = run(&items, BIB);
        let keys: Vec<&str> = plan.additions.iter().map(|a| a.key.as_str()).collect();
        assert_eq!(keys, ["Sanc21a", "Sanc21b"]);
        assert_eq!(edit::scan_entries(&out).len(), 5);
        // Applying again: the loaded bib now holds both works.
        let pubs: Vec<Publication> = plan
            .additions
            .iter()
            .map(|a| {
                let mut p = Publication {
                    key: a.key.clone(),
                    entry_type: a.entry_type.clone(),
                    ..Publication::default()
                };
                for (k, v) in &a.fields {
                    p.fields.insert(k.clone(), v.clone());
                }
                p
            })
            .collect();
        let again = plan_again(&items, &pubs, &out);
        assert!(again.additions.is_empty(), "{:?}", again.additions);
        assert_eq!(again.skipped.len(), 2);
    }

    fn plan_again(items: &[review::Reviewed], pubs: &[Publication], text: &str) -> ApplyPlan {
        let keys: Vec<String> = edit::scan_entries(text)
            .into_iter()
            .map(|l| l.key)
            .collect();
        plan(
            items,
            &vec![None; items.len()],
            pubs,
            &keys,
            &[],
            keys::DEFAULT_TEMPLATE,
            0.9,
        )
    }

    #[test]
    fn ascii_files_get_latex_accents() {
        let it = item("Fundus", "10.1000/f.1", Decision::New);
        let (_, fields) = entry_fields(&it.work, &[]);
        let out = insert_entries(
            BIB,
            &[NewEntry {
                key: "Sanc21a".into(),
                entry_type: "article".into(),
                fields,
            }],
        );
        assert!(out.contains("author = {S{\\'a}nchez, Clara I.}"), "{out}");
        assert!(out.contains("sources = {crossref 2026-12-01}"), "{out}");
    }
}
