//! A raw entry with resolved fields → a [`Publication`].
//!
//! Every field is kept, decoded, in `fields`; the ones publist understands are also
//! interpreted (names, venue, year, identifiers, groups, …). Anything odd becomes a
//! [`Problem`] located at the field, never a lost entry.

use std::collections::BTreeMap;

use super::latex::{find_mojibake, to_markup, to_unicode, verbatim};
use super::macros::month_number;
use super::names::{count_empty, parse_names};
use super::parse::Problem;
use crate::diagnostics::Severity;
use crate::model::{ArxivId, Doi, Ids, Kind, Pmcid, Pmid, Publication};

/// Fields whose value is a URL, identifier or path: not decoded as LaTeX.
pub const VERBATIM_FIELDS: &[&str] = &[
    "url",
    "doi",
    "file",
    "pdf",
    "eprint",
    "taverne_url",
    "pmid",
    "pmcid",
    "gsid",
    "ss_id",
    "all_ss_ids",
    "isbn",
    "issn",
    "arxivid",
    "openalex",
    "urldate",
    "archiveprefix",
];

/// One resolved field: name lowercased, raw LaTeX value, and where it is.
#[derive(Debug, Clone)]
pub struct ResolvedField {
    /// Lowercased name.
    pub name: String,
    /// Raw LaTeX value, macros expanded.
    pub raw: String,
    /// Byte offset of the field in its file.
    pub offset: usize,
}

/// Builds a publication from resolved fields. `problems` gets warnings located at fields.
pub fn publication(
    key: &str,
    entry_type: &str,
    fields: &[ResolvedField],
    problems: &mut Vec<Problem>,
) -> Publication {
    let mut p = Publication {
        key: key.to_string(),
        entry_type: entry_type.to_ascii_lowercase(),
        ..Publication::default()
    };
    let mut warn = |offset: usize, code: &'static str, message: String, help: &'static str| {
        problems.push(Problem {
            offset,
            severity: Severity::Warning,
            code,
            message,
            help,
            key: Some(key.to_string()),
        });
    };
    let mut decoded: BTreeMap<String, String> = BTreeMap::new();
    let mut raw_of: BTreeMap<&str, &ResolvedField> = BTreeMap::new();
    for f in fields {
        if raw_of.contains_key(f.name.as_str()) {
            warn(
                f.offset,
                "bib-duplicate-field",
                format!("field `{}` appears twice; the first value is used", f.name),
                "remove one of the two values",
            );
            continue;
        }
        if let Some((_, seq)) = find_mojibake(&f.raw) {
            warn(
                f.offset,
                "bib-mojibake",
                format!("field `{}` looks double-encoded (`{seq}`)", f.name),
                "the text was UTF-8 read as Latin-1 somewhere; retype the accented letters",
            );
        }
        let value = if VERBATIM_FIELDS.contains(&f.name.as_str()) {
            verbatim(&f.raw)
        } else {
            to_unicode(&f.raw)
        };
        raw_of.insert(f.name.as_str(), f);
        decoded.insert(f.name.clone(), value);
    }
    let get = |name: &str| decoded.get(name).filter(|v| !v.is_empty()).cloned();

    if let Some(t) = raw_of.get("title") {
        p.title = decoded.get("title").cloned().unwrap_or_default();
        p.title_markup = to_markup(&t.raw);
    }
    for (field, target) in [
        ("author", &mut p.authors),
        ("editor", &mut p.editors),
        ("promotor", &mut p.promotors),
        ("copromotor", &mut p.copromotors),
    ] {
        if let Some(f) = raw_of.get(field) {
            *target = parse_names(&f.raw);
            if target.is_empty() {
                warn(
                    f.offset,
                    "bib-empty-names",
                    format!("field `{field}` is empty"),
                    "fill in the names or remove the field",
                );
            } else if count_empty(&f.raw) > 0 {
                warn(
                    f.offset,
                    "bib-empty-name",
                    format!("field `{field}` has an empty name (`and and`)"),
                    "remove the doubled `and`",
                );
            }
        }
    }
    p.journal = get("journal");
    p.booktitle = get("booktitle");
    p.school = get("school").or_else(|| get("institution"));
    p.publisher = get("publisher");
    if let (Some(y), Some(f)) = (get("year"), raw_of.get("year")) {
        match parse_year(&y) {
            Some((year, clean)) => {
                p.year = Some(year);
                if !clean {
                    warn(
                        f.offset,
                        "bib-year",
                        format!("year `{y}` is not a plain number; read as {year}"),
                        "write the year as four digits",
                    );
                }
            }
            None => warn(
                f.offset,
                "bib-year",
                format!("year `{y}` cannot be read"),
                "write the year as four digits",
            ),
        }
    }
    if let (Some(m), Some(f)) = (get("month"), raw_of.get("month")) {
        match month_number(&m) {
            Some(n) => p.month = Some(n),
            None => warn(
                f.offset,
                "bib-month",
                format!("month `{m}` cannot be read"),
                "use a number 1-12 or a month macro such as `jan`",
            ),
        }
    }
    p.volume = get("volume");
    p.issue = get("number").or_else(|| get("issue"));
    p.pages = get("pages");
    p.url = get("url");
    p.abstract_text = get("abstract");
    p.keywords = get("keywords")
        .map(|k| split_list(&k, &[',', ';']))
        .unwrap_or_default();
    p.groups = get("optnote")
        .map(|g| split_list(&g.to_lowercase(), &[',', ';']))
        .unwrap_or_default();
    p.citations = get("gscites").and_then(|c| c.trim().parse().ok());
    p.oa_url = get("taverne_url");
    p.ids = ids(&decoded);
    p.kind = Some(kind(&p.entry_type, p.journal.as_deref(), &decoded));
    p.fields = decoded;
    p
}

/// Reads a year: `(year, clean)`; clean when the text is just the number.
fn parse_year(text: &str) -> Option<(i32, bool)> {
    let t = text.trim();
    if let Ok(y) = t.parse::<i32>() {
        return Some((y, true));
    }
    // A four-digit run somewhere ("2019a", "in press 2020").
    let b = t.as_bytes();
    (0..b.len().saturating_sub(3))
        .find(|&i| {
            b[i..i + 4].iter().all(u8::is_ascii_digit)
                && (i == 0 || !b[i - 1].is_ascii_digit())
                && b.get(i + 4).is_none_or(|c| !c.is_ascii_digit())
        })
        .and_then(|i| t[i..i + 4].parse().ok())
        .map(|y| (y, false))
}

fn split_list(text: &str, seps: &[char]) -> Vec<String> {
    text.split(seps)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Collects identifiers from the decoded fields.
fn ids(fields: &BTreeMap<String, String>) -> Ids {
    let get = |n: &str| fields.get(n).map(String::as_str).filter(|v| !v.is_empty());
    let mut ids = Ids {
        doi: get("doi").and_then(Doi::parse),
        pmid: get("pmid").and_then(Pmid::parse),
        pmcid: get("pmcid").and_then(Pmcid::parse),
        gsid: get("gsid").map(str::to_string),
        openalex: get("openalex").map(str::to_string),
        ..Ids::default()
    };
    if ids.doi.is_none() {
        ids.doi = get("url")
            .filter(|u| u.contains("doi.org/"))
            .and_then(Doi::parse);
    }
    let archive_ok = get("archiveprefix").is_none_or(|a| a.eq_ignore_ascii_case("arxiv"));
    ids.arxiv = get("eprint")
        .filter(|_| archive_ok)
        .and_then(ArxivId::parse)
        .or_else(|| get("arxivid").and_then(ArxivId::parse))
        .or_else(|| {
            get("url")
                .filter(|u| u.to_ascii_lowercase().contains("arxiv.org"))
                .and_then(ArxivId::parse)
        })
        .or_else(|| {
            ids.doi
                .as_ref()
                .filter(|d| d.as_str().starts_with("10.48550/"))
                .and_then(|d| ArxivId::parse(d.as_str()))
        })
        .or_else(|| {
            get("journal")
                .filter(|j| j.to_ascii_lowercase().contains("arxiv"))
                .and_then(ArxivId::parse)
        });
    let mut s2: Vec<String> = Vec::new();
    for text in [get("ss_id"), get("all_ss_ids")].into_iter().flatten() {
        for id in text.split(',') {
            let id = id.trim_matches(|c: char| {
                c.is_whitespace() || matches!(c, '[' | ']' | '{' | '}' | '\'' | '"')
            });
            if !id.is_empty() && !s2.iter().any(|s| s == id) {
                s2.push(id.to_string());
            }
        }
    }
    ids.s2 = s2;
    ids
}

/// The normalized kind: type first, then preprint servers by journal.
fn kind(entry_type: &str, journal: Option<&str>, fields: &BTreeMap<String, String>) -> Kind {
    let journal_lower = journal.map(str::to_ascii_lowercase).unwrap_or_default();
    let preprint_server = ["arxiv", "medrxiv", "biorxiv"]
        .iter()
        .any(|s| journal_lower.starts_with(s));
    match entry_type {
        "article" if preprint_server => Kind::Preprint,
        "article" => Kind::Article,
        "inproceedings" | "conference" | "proceedings" => Kind::InProceedings,
        "phdthesis" => Kind::PhdThesis,
        "mastersthesis" => Kind::MastersThesis,
        "book" => Kind::Book,
        "inbook" | "incollection" => Kind::Chapter,
        "patent" => Kind::Patent,
        "techreport" | "report" => Kind::Report,
        "unpublished" | "misc" | "online"
            if preprint_server
                || fields
                    .get("archiveprefix")
                    .is_some_and(|a| a.eq_ignore_ascii_case("arxiv")) =>
        {
            Kind::Preprint
        }
        _ => Kind::Misc,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, raw: &str) -> ResolvedField {
        ResolvedField {
            name: name.into(),
            raw: raw.into(),
            offset: 0,
        }
    }

    #[test]
    fn interprets_the_usual_fields() {
        let mut problems = Vec::new();
        let p = publication(
            "Abas05",
            "Article",
            &[
                field("author", r"Ab{\'a}solo, D. and van der Laak, J."),
                field("title", r"{EEG} background activity"),
                field("journal", "Clinical Neurophysiology"),
                field("year", "2005"),
                field("month", "April"),
                field("pages", "1--10"),
                field("doi", "https://doi.org/10.1016/J.CLINPH.2005"),
                field("optnote", "DIAG, RADIOLOGY"),
                field("gscites", "87"),
                field("all_ss_ids", "['a1', 'b2']"),
                field("ss_id", "a1"),
                field("taverne_url", "https://repository.ubn.ru.nl/x"),
            ],
            &mut problems,
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(p.kind, Some(Kind::Article));
        assert_eq!(p.authors[0].family, "Abásolo");
        assert_eq!(p.authors[1].particle, "van der");
        assert_eq!(p.title, "EEG background activity");
        assert_eq!(p.title_markup, "{EEG} background activity");
        assert_eq!(p.month, Some(4));
        assert_eq!(p.pages.as_deref(), Some("1–10"));
        assert_eq!(
            p.ids.doi.as_ref().unwrap().as_str(),
            "10.1016/j.clinph.2005"
        );
        assert_eq!(p.groups, ["diag", "radiology"]);
        assert_eq!(p.citations, Some(87));
        assert_eq!(p.ids.s2, ["a1", "b2"]);
        assert_eq!(p.oa_url.as_deref(), Some("https://repository.ubn.ru.nl/x"));
        assert_eq!(p.fields["optnote"], "DIAG, RADIOLOGY");
    }

    #[test]
    fn preprints_and_kinds() {
        let mut problems = Vec::new();
        let p = publication(
            "X",
            "article",
            &[field("journal", "arXiv:2106.05735")],
            &mut problems,
        );
        assert_eq!(p.kind, Some(Kind::Preprint));
        assert_eq!(p.ids.arxiv.unwrap().as_str(), "2106.05735");
        let p = publication(
            "X",
            "Conference",
            &[field("doi", "10.48550/arXiv.2001.00001")],
            &mut problems,
        );
        assert_eq!(p.kind, Some(Kind::InProceedings));
        assert_eq!(p.ids.arxiv.unwrap().as_str(), "2001.00001");
        assert_eq!(
            publication("X", "incollection", &[], &mut problems).kind,
            Some(Kind::Chapter)
        );
    }

    #[test]
    fn s2_ids_in_every_shape() {
        let mut problems = Vec::new();
        for raw in ["{['abc', 'def']}", "[abc, def]", "abc, def"] {
            let p = publication("X", "misc", &[field("all_ss_ids", raw)], &mut problems);
            assert_eq!(p.ids.s2, ["abc", "def"], "{raw}");
        }
    }

    #[test]
    fn odd_values_warn() {
        let mut problems = Vec::new();
        let p = publication(
            "X",
            "article",
            &[
                field("year", "in press"),
                field("month", "spring"),
                field("author", ""),
                field("title", "Ã¶ber"),
            ],
            &mut problems,
        );
        assert_eq!(p.year, None);
        let codes: Vec<&str> = problems.iter().map(|p| p.code).collect();
        assert!(codes.contains(&"bib-year"));
        assert!(codes.contains(&"bib-month"));
        assert!(codes.contains(&"bib-empty-names"));
        assert!(codes.contains(&"bib-mojibake"));
    }
}
