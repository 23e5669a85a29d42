//! Machine-readable descriptions of one publication: Highwire Press `citation_*` meta tags
//! (Google Scholar's inclusion guidelines), schema.org `ScholarlyArticle` JSON-LD, and BibTeX.

use serde_json::{json, Map, Value};

use crate::model::{Kind, Name, Publication};

use super::links::safe_url;

/// One `<meta name=… content=…>` pair; the template escapes both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaTag {
    /// `citation_title`, …
    pub name: &'static str,
    /// The value, plain text.
    pub content: String,
}

fn family_first(n: &Name) -> String {
    let family = if n.particle.is_empty() {
        n.family.clone()
    } else {
        format!("{} {}", n.particle, n.family)
    };
    if n.given.is_empty() {
        family
    } else {
        format!("{family}, {}", n.given)
    }
}

fn page_bounds(pages: &str) -> (String, Option<String>) {
    let mut it = pages.splitn(2, ['\u{2013}', '-']);
    let first = it.next().unwrap_or("").trim().to_string();
    let last = it
        .next()
        .map(|l| l.trim_start_matches('-').trim().to_string())
        .filter(|l| !l.is_empty());
    (first, last)
}

/// Highwire Press tags, in the order Google Scholar documents them. `page_url` is the absolute
/// URL of the publication's page when the site has a base URL.
pub fn highwire(p: &Publication, page_url: Option<&str>) -> Vec<MetaTag> {
    let mut tags = Vec::new();
    let mut add = |name: &'static str, content: String| {
        if !content.trim().is_empty() {
            tags.push(MetaTag { name, content });
        }
    };
    add("citation_title", p.title.clone());
    for a in &p.authors {
        add("citation_author", family_first(a));
    }
    if let Some(y) = p.year {
        let date = match p.month.filter(|m| (1..=12).contains(m)) {
            Some(m) => format!("{y}/{m:02}"),
            None => y.to_string(),
        };
        add("citation_publication_date", date);
    }
    match p.kind() {
        Kind::PhdThesis | Kind::MastersThesis => {
            add(
                "citation_dissertation_institution",
                p.school.clone().unwrap_or_default(),
            );
        }
        Kind::InProceedings => {
            add(
                "citation_conference_title",
                p.booktitle.clone().unwrap_or_default(),
            );
        }
        Kind::Report => {
            add(
                "citation_technical_report_institution",
                p.fields.get("institution").cloned().unwrap_or_default(),
            );
        }
        Kind::Chapter | Kind::Book => {
            add(
                "citation_inbook_title",
                p.booktitle.clone().unwrap_or_default(),
            );
            add(
                "citation_publisher",
                p.publisher.clone().unwrap_or_default(),
            );
        }
        _ => add(
            "citation_journal_title",
            p.journal.clone().unwrap_or_default(),
        ),
    }
    add("citation_volume", p.volume.clone().unwrap_or_default());
    add("citation_issue", p.issue.clone().unwrap_or_default());
    if let Some(pages) = p.pages.as_deref() {
        let (first, last) = page_bounds(pages);
        add("citation_firstpage", first);
        add("citation_lastpage", last.unwrap_or_default());
    }
    add(
        "citation_doi",
        p.ids
            .doi
            .as_ref()
            .map(|d| d.as_str().to_string())
            .unwrap_or_default(),
    );
    add(
        "citation_pmid",
        p.ids.pmid.map(|id| id.to_string()).unwrap_or_default(),
    );
    add(
        "citation_isbn",
        p.fields.get("isbn").cloned().unwrap_or_default(),
    );
    if let Some(url) = page_url.and_then(safe_url) {
        add("citation_abstract_html_url", url);
    }
    tags
}

/// schema.org `ScholarlyArticle` as JSON text that is safe inside `<script>`: `<`, `>` and `&`
/// are written as `\u003c`, `\u003e`, `\u0026`, so no `</script>` can close the element early.
pub fn json_ld(p: &Publication, page_url: Option<&str>) -> String {
    let mut obj = Map::new();
    obj.insert("@context".into(), json!("https://schema.org"));
    obj.insert("@type".into(), json!("ScholarlyArticle"));
    obj.insert("headline".into(), json!(p.title));
    obj.insert("name".into(), json!(p.title));
    let authors: Vec<Value> = p
        .authors
        .iter()
        .map(|a| {
            let family = if a.particle.is_empty() {
                a.family.clone()
            } else {
                format!("{} {}", a.particle, a.family)
            };
            json!({"@type": "Person", "name": a.display(), "familyName": family, "givenName": a.given})
        })
        .collect();
    if !authors.is_empty() {
        obj.insert("author".into(), Value::Array(authors));
    }
    if let Some(y) = p.year {
        let date = match p.month.filter(|m| (1..=12).contains(m)) {
            Some(m) => format!("{y}-{m:02}"),
            None => y.to_string(),
        };
        obj.insert("datePublished".into(), json!(date));
    }
    if let Some(venue) = p.journal.as_deref().or(p.booktitle.as_deref()) {
        let mut part = json!({"@type": "Periodical", "name": venue});
        if p.kind() == Kind::InProceedings {
            part = json!({"@type": "Book", "name": venue});
        }
        obj.insert("isPartOf".into(), part);
    }
    if let Some(school) = p.school.as_deref() {
        obj.insert(
            "sourceOrganization".into(),
            json!({"@type": "CollegeOrUniversity", "name": school}),
        );
    }
    if let Some(v) = &p.volume {
        obj.insert("volumeNumber".into(), json!(v));
    }
    if let Some(i) = &p.issue {
        obj.insert("issueNumber".into(), json!(i));
    }
    if let Some(pages) = p.pages.as_deref() {
        let (first, last) = page_bounds(pages);
        obj.insert("pageStart".into(), json!(first));
        if let Some(last) = last {
            obj.insert("pageEnd".into(), json!(last));
        }
    }
    let mut ids = Vec::new();
    let mut same_as = Vec::new();
    if let Some(doi) = &p.ids.doi {
        ids.push(json!({"@type": "PropertyValue", "propertyID": "DOI", "value": doi.as_str()}));
        same_as.push(json!(doi.url()));
    }
    if let Some(pmid) = &p.ids.pmid {
        ids.push(
            json!({"@type": "PropertyValue", "propertyID": "PMID", "value": pmid.to_string()}),
        );
        same_as.push(json!(pmid.url()));
    }
    if let Some(arxiv) = &p.ids.arxiv {
        ids.push(json!({"@type": "PropertyValue", "propertyID": "arXiv", "value": arxiv.as_str()}));
        same_as.push(json!(arxiv.url()));
    }
    if !ids.is_empty() {
        obj.insert("identifier".into(), Value::Array(ids));
        obj.insert("sameAs".into(), Value::Array(same_as));
    }
    if let Some(a) = p.abstract_text.as_deref().filter(|a| !a.trim().is_empty()) {
        obj.insert("abstract".into(), json!(a));
    }
    if let Some(url) = page_url.and_then(safe_url) {
        obj.insert("url".into(), json!(url));
    }
    if let Some(n) = p.citations {
        obj.insert("citationCount".into(), json!(n));
    }
    let text = serde_json::to_string_pretty(&Value::Object(obj)).unwrap_or_default();
    text.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The BibTeX entry type to write for a publication.
fn bib_type(p: &Publication) -> &str {
    let t = p.entry_type.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphabetic()) {
        return t;
    }
    match p.kind() {
        Kind::Article | Kind::Preprint => "article",
        Kind::InProceedings => "inproceedings",
        Kind::PhdThesis => "phdthesis",
        Kind::MastersThesis => "mastersthesis",
        Kind::Book => "book",
        Kind::Chapter => "incollection",
        Kind::Patent => "patent",
        Kind::Report => "techreport",
        Kind::Misc => "misc",
    }
}

fn bib_names(names: &[Name]) -> String {
    let mut s = String::with_capacity(names.len() * 24);
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            s.push_str(" and ");
        }
        if !n.particle.is_empty() {
            s.push_str(&n.particle);
            s.push(' ');
        }
        s.push_str(&n.family);
        if !n.suffix.is_empty() {
            s.push_str(", ");
            s.push_str(&n.suffix);
        }
        if !n.given.is_empty() {
            s.push_str(", ");
            s.push_str(&n.given);
        }
    }
    s
}

/// A value inside braces; unbalanced braces are escaped so the entry always parses.
/// Appends `{value}`: line breaks become spaces, and braces are escaped unless balanced.
fn push_braced(out: &mut String, value: &str) {
    let bytes = value.as_bytes();
    // Most values (abstracts included) have no brace and no line break: copied as they are.
    if memchr::memchr3(b'{', b'}', b'\n', bytes).is_none() && memchr::memchr(b'\r', bytes).is_none()
    {
        out.reserve(value.len() + 2);
        out.push('{');
        out.push_str(value);
        out.push('}');
        return;
    }
    let mut depth = 0i32;
    let mut balanced = true;
    for b in value.bytes() {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth < 0 {
                    balanced = false;
                }
            }
            _ => {}
        }
    }
    let escape = !(balanced && depth == 0);
    out.reserve(value.len() + 2);
    out.push('{');
    // Byte scan: the characters replaced are ASCII, so every cut is a character boundary.
    let mut last = 0;
    for (i, b) in value.bytes().enumerate() {
        let replacement = match b {
            b'\r' | b'\n' => " ",
            b'{' if escape => "\\{",
            b'}' if escape => "\\}",
            _ => continue,
        };
        out.push_str(&value[last..i]);
        out.push_str(replacement);
        last = i + 1;
    }
    out.push_str(&value[last..]);
    out.push('}');
}

/// A self-contained BibTeX entry: macros resolved, names structured, Unicode text, the local
/// `file` field left out. Field order: the usual ones first, then the rest alphabetically.
pub fn bibtex(p: &Publication) -> String {
    const FIRST: &[&str] = &[
        "author",
        "editor",
        "title",
        "journal",
        "booktitle",
        "school",
        "publisher",
        "year",
        "month",
        "volume",
        "number",
        "issue",
        "pages",
        "doi",
        "pmid",
        "url",
        "abstract",
    ];
    // Written straight into one buffer: this runs for every publication page and again for
    // every person's `publications.bib`, so it is a hot spot of a build.
    let mut out = String::with_capacity(2048);
    out.push('@');
    out.push_str(bib_type(p));
    out.push('{');
    out.push_str(&p.key);
    out.push_str(",\n");
    let line = |out: &mut String, name: &str, value: &str| {
        if !value.chars().all(char::is_whitespace) {
            out.push_str("  ");
            out.push_str(name);
            out.push_str(" = ");
            push_braced(out, value);
            out.push_str(",\n");
        }
    };
    for name in FIRST {
        match *name {
            "author" if !p.authors.is_empty() => line(&mut out, name, &bib_names(&p.authors)),
            "editor" if !p.editors.is_empty() => line(&mut out, name, &bib_names(&p.editors)),
            "title" if p.title_markup.is_empty() => line(&mut out, name, &p.title),
            "title" => line(&mut out, name, &p.title_markup),
            "doi" => {
                if let Some(d) = &p.ids.doi {
                    line(&mut out, name, d.as_str());
                }
            }
            _ => {
                if let Some(v) = p.fields.get(*name) {
                    line(&mut out, name, v);
                }
            }
        }
    }
    for (name, value) in &p.fields {
        if FIRST.contains(&name.as_str())
            || name == "file"
            || name == "promotor"
            || name == "copromotor"
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            continue;
        }
        line(&mut out, name, value);
    }
    if !p.promotors.is_empty() {
        line(&mut out, "promotor", &bib_names(&p.promotors));
    }
    if !p.copromotors.is_empty() {
        line(&mut out, "copromotor", &bib_names(&p.copromotors));
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Publication {
        let mut p = Publication {
            key: "Abas15".into(),
            kind: Some(Kind::Article),
            entry_type: "article".into(),
            title: "A </script><script>alert(1)</script> title".into(),
            authors: vec![Name {
                given: "José".into(),
                family: "Abásolo".into(),
                ..Name::default()
            }],
            journal: Some("Radiology".into()),
            year: Some(2015),
            month: Some(6),
            pages: Some("100\u{2013}109".into()),
            ..Publication::default()
        };
        p.fields.insert("file".into(), "Abas15.pdf:pdf".into());
        p.fields.insert("optnote".into(), "DIAG, RADIOLOGY".into());
        p
    }

    #[test]
    fn highwire_has_scholar_fields() {
        let tags = highwire(&sample(), Some("https://example.org/publications/abas15/"));
        let get = |n: &str| tags.iter().find(|t| t.name == n).map(|t| t.content.clone());
        assert_eq!(get("citation_author").as_deref(), Some("Abásolo, José"));
        assert_eq!(get("citation_publication_date").as_deref(), Some("2015/06"));
        assert_eq!(get("citation_journal_title").as_deref(), Some("Radiology"));
        assert_eq!(get("citation_firstpage").as_deref(), Some("100"));
        assert_eq!(get("citation_lastpage").as_deref(), Some("109"));
    }

    #[test]
    fn json_ld_cannot_close_the_script_element() {
        let text = json_ld(&sample(), None);
        assert!(!text.contains("</"), "{text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["@type"], "ScholarlyArticle");
        assert!(v["headline"].as_str().unwrap().contains("</script>"));
    }

    #[test]
    fn bibtex_is_self_contained_and_drops_file() {
        let b = bibtex(&sample());
        assert!(
            b.starts_with("@article{Abas15,\n  author = {Abásolo, José},"),
            "{b}"
        );
        assert!(b.contains("  optnote = {DIAG, RADIOLOGY},"), "{b}");
        assert!(!b.contains("file ="), "{b}");
    }
}
