//! CSL-JSON out, following the CSL-JSON schema (`csl-data.json`).

use serde_json::{json, Map, Value};

use crate::model::{Kind, Name, Publication};

/// The CSL type of a publication.
pub fn csl_type(p: &Publication) -> &'static str {
    match p.kind() {
        Kind::Article => "article-journal",
        Kind::InProceedings => "paper-conference",
        Kind::Preprint => "article",
        Kind::PhdThesis | Kind::MastersThesis => "thesis",
        Kind::Book => "book",
        Kind::Chapter => "chapter",
        Kind::Patent => "patent",
        Kind::Report => "report",
        Kind::Misc => "document",
    }
}

/// A CSL name object: `family`, `given`, `non-dropping-particle`, `suffix`.
pub fn csl_name(n: &Name) -> Value {
    let mut m = Map::new();
    if n.given.is_empty() && n.particle.is_empty() && n.family.contains(' ') {
        m.insert("literal".into(), json!(n.family));
        return Value::Object(m);
    }
    m.insert("family".into(), json!(n.family));
    if !n.given.is_empty() {
        m.insert("given".into(), json!(n.given));
    }
    if !n.particle.is_empty() {
        m.insert("non-dropping-particle".into(), json!(n.particle));
    }
    if !n.suffix.is_empty() {
        m.insert("suffix".into(), json!(n.suffix));
    }
    Value::Object(m)
}

/// One publication as a CSL-JSON item.
pub fn to_csl(p: &Publication) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(p.key));
    m.insert("type".into(), json!(csl_type(p)));
    if !p.title.is_empty() {
        m.insert("title".into(), json!(p.title));
    }
    for (role, names) in [("author", &p.authors), ("editor", &p.editors)] {
        if !names.is_empty() {
            m.insert(
                role.into(),
                Value::Array(names.iter().map(csl_name).collect()),
            );
        }
    }
    if let Some(y) = p.year {
        let mut parts = vec![json!(y)];
        if let Some(mo) = p.month {
            parts.push(json!(mo));
        }
        m.insert("issued".into(), json!({ "date-parts": [parts] }));
    }
    let container = match p.kind() {
        Kind::PhdThesis | Kind::MastersThesis => None,
        _ => p.journal.as_deref().or(p.booktitle.as_deref()),
    };
    let mut put = |k: &str, v: Option<&str>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            m.insert(k.into(), json!(v));
        }
    };
    put("container-title", container);
    put(
        "publisher",
        p.publisher.as_deref().or(match p.kind() {
            Kind::PhdThesis | Kind::MastersThesis => p.school.as_deref(),
            _ => None,
        }),
    );
    put(
        "genre",
        match p.kind() {
            Kind::PhdThesis => Some("PhD thesis"),
            Kind::MastersThesis => Some("Master's thesis"),
            _ => None,
        },
    );
    put("volume", p.volume.as_deref());
    put("issue", p.issue.as_deref());
    let pages = p.pages.as_ref().map(|s| s.replace(['–', '—'], "-"));
    put("page", pages.as_deref());
    let doi = p.ids.doi.as_ref().map(|d| d.as_str().to_string());
    put("DOI", doi.as_deref());
    let pmid = p.ids.pmid.map(|x| x.to_string());
    put("PMID", pmid.as_deref());
    put("PMCID", p.ids.pmcid.as_ref().map(|x| x.as_str()));
    let url = p
        .url
        .clone()
        .or_else(|| p.ids.arxiv.as_ref().map(|a| a.url()));
    put("URL", url.as_deref());
    put("abstract", p.abstract_text.as_deref());
    let keywords = p.keywords.join(", ");
    put("keyword", Some(keywords.as_str()));
    put(
        "publisher-place",
        p.fields.get("address").map(String::as_str),
    );
    if let Some(a) = &p.ids.arxiv {
        put("number", Some(a.as_str()));
    }
    Value::Object(m)
}

/// A whole bibliography as a CSL-JSON array.
pub fn to_csl_json<'a>(publications: impl IntoIterator<Item = &'a Publication>) -> Value {
    Value::Array(publications.into_iter().map(to_csl).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bib::names::parse_name;

    #[test]
    fn article_item_has_schema_fields() {
        let p = Publication {
            key: "Abel19".into(),
            kind: Some(Kind::Article),
            title: "T".into(),
            authors: vec![parse_name("van der Laak, Jeroen")],
            journal: Some("Radiology".into()),
            year: Some(2019),
            month: Some(4),
            pages: Some("1–10".into()),
            ..Publication::default()
        };
        let v = to_csl(&p);
        assert_eq!(v["type"], "article-journal");
        assert_eq!(v["author"][0]["non-dropping-particle"], "van der");
        assert_eq!(v["author"][0]["family"], "Laak");
        assert_eq!(v["issued"]["date-parts"][0][1], 4);
        assert_eq!(v["container-title"], "Radiology");
        assert_eq!(v["page"], "1-10");
    }
}
