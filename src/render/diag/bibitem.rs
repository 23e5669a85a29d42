//! One publication as an entry of `bibitems_<site>.json`, and the display strings the
//! stubs share with it (author lists with full initials, `pubinfo`, `type`, `url_type`).

use std::collections::HashSet;

use crate::model::{Doi, Name, Pmid, Publication};

use super::json::Json;

/// The PubMed URL form the DIAG templates link to.
const PUBMED_URL: &str = "http://www.ncbi.nlm.nih.gov/pubmed/";
/// The Google Scholar "cited by" URL form.
const SCHOLAR_CITES_URL: &str = "https://scholar.google.com/scholar?cites=";

/// Fields computed here; the bib fields of the same name are not copied as raw strings.
const COMPUTED: &[&str] = &[
    "author",
    "title",
    "journal",
    "booktitle",
    "year",
    "month",
    "volume",
    "number",
    "issue",
    "pages",
    "doi",
    "abstract",
    "pmid",
    "gsid",
    "gscites",
    "url",
    "promotor",
    "copromotor",
    "type",
    "authors",
    "coverpng",
    "pmidnumber",
    "url_type",
    "pubinfo",
    "cover_exists",
];

/// Initials of given names, all of them: "Clara I." → "C. I.", "HJ." → "H. J.",
/// "Jean-Paul" → "J.-P.", "M E A P M" → "M. E. A. P. M.".
pub fn initials(given: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for word in given
        .split([' ', '.', '~', '\u{a0}'])
        .filter(|w| !w.is_empty())
    {
        // "HJ" or "JAWM" written without dots: every capital is an initial.
        let letters: Vec<char> = word.chars().collect();
        if (2..=4).contains(&letters.len()) && letters.iter().all(|c| c.is_uppercase()) {
            out.extend(letters.iter().map(|c| format!("{c}.")));
            continue;
        }
        let parts: Vec<String> = word
            .split('-')
            .filter_map(|p| p.chars().next())
            .map(|c| format!("{c}."))
            .collect();
        if !parts.is_empty() {
            out.push(parts.join("-"));
        }
    }
    out.join(" ")
}

/// "C. I. Sánchez", "R. de la Rosa", "J. Smith Jr.": full initials, particle, family, suffix.
pub fn display_name(name: &Name) -> String {
    let given = initials(&name.given);
    let mut parts: Vec<&str> = Vec::with_capacity(4);
    for part in [
        given.as_str(),
        name.particle.as_str(),
        name.family.as_str(),
        name.suffix.as_str(),
    ] {
        if !part.trim().is_empty() {
            parts.push(part.trim());
        }
    }
    parts.join(" ")
}

/// "A, B, C and D", the DIAG display form of a name list.
pub fn display_names(names: &[Name]) -> String {
    let shown: Vec<String> = names
        .iter()
        .map(display_name)
        .filter(|s| !s.is_empty())
        .collect();
    match shown.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// The bib field, trimmed, when present and not empty.
fn field<'a>(publication: &'a Publication, name: &str) -> Option<&'a str> {
    publication
        .fields
        .get(name)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
}

/// The DIAG `type`: the entry type, with arXiv/medRxiv/bioRxiv "journals" as `preprint`.
pub fn diag_type(publication: &Publication) -> String {
    let entry = publication.entry_type.to_lowercase();
    if entry == "article" || entry.is_empty() {
        let journal = publication
            .journal
            .as_deref()
            .unwrap_or_default()
            .to_lowercase();
        let journal = journal.trim_start();
        if ["arxiv", "medrxiv", "biorxiv"]
            .iter()
            .any(|p| journal.starts_with(p))
        {
            return "preprint".to_string();
        }
    }
    if entry.is_empty() {
        "misc".to_string()
    } else {
        entry
    }
}

/// `arXiv`, `medRxiv` or `Url`, by where the link points.
pub fn url_type(url: &str) -> &'static str {
    let lower = url.to_lowercase();
    if lower.contains("arxiv.org") {
        "arXiv"
    } else if lower.contains("medrxiv.org") {
        "medRxiv"
    } else {
        "Url"
    }
}

/// The issue: `number`, else `issue`.
fn issue(publication: &Publication) -> Option<String> {
    field(publication, "number")
        .or_else(|| field(publication, "issue"))
        .map(str::to_string)
        .or_else(|| publication.issue.clone())
}

/// Pages as the bib writes them (`1826--1834`), whatever dash the loader decoded to.
fn pages(publication: &Publication) -> Option<String> {
    field(publication, "pages")
        .map(str::to_string)
        .or_else(|| publication.pages.clone())
        .map(|p| p.replace(['–', '—'], "--"))
}

/// `year;volume(issue):pages`, with `--` turned into `-`.
pub fn pubinfo(publication: &Publication) -> String {
    let mut out = publication.year.map(|y| y.to_string()).unwrap_or_default();
    if let Some(volume) = field(publication, "volume").or(publication.volume.as_deref()) {
        out.push(';');
        out.push_str(volume);
    }
    if let Some(issue) = issue(publication) {
        out.push('(');
        out.push_str(&issue);
        out.push(')');
    }
    if let Some(pages) = pages(publication) {
        out.push(':');
        out.push_str(&pages.replace("--", "-"));
    }
    out
}

/// The month as a string (`"8"`), from the parsed month or the raw field.
pub fn month(publication: &Publication) -> Option<String> {
    publication
        .month
        .map(|m| m.to_string())
        .or_else(|| field(publication, "month").map(str::to_string))
}

/// The DOI as a `https://doi.org/…` URL, keeping the DOI's case as written.
pub fn doi_url(publication: &Publication) -> Option<String> {
    if let Some(raw) = field(publication, "doi") {
        if let Some(start) = raw.find("10.") {
            let doi = raw[start..].trim();
            if Doi::parse(doi).is_some() {
                return Some(format!("https://doi.org/{doi}"));
            }
        }
    }
    publication.ids.doi.as_ref().map(Doi::url)
}

/// The PubMed id, from the parsed ids or the raw `pmid` field.
pub fn pmid(publication: &Publication) -> Option<Pmid> {
    publication
        .ids
        .pmid
        .or_else(|| field(publication, "pmid").and_then(Pmid::parse))
}

/// The Google Scholar citation count, from the parsed count or the raw `gscites` field.
pub fn citations(publication: &Publication) -> Option<u64> {
    publication
        .citations
        .or_else(|| field(publication, "gscites").and_then(|c| c.parse().ok()))
}

/// The cover file name the DIAG templates use: the key with a capital first letter, `.png`.
pub fn cover_name(key: &str) -> String {
    let mut chars = key.chars();
    match chars.next() {
        Some(first) => format!("{}{}.png", first.to_uppercase(), chars.as_str()),
        None => ".png".to_string(),
    }
}

/// Thesis covers found under `<images>/theses/`, by file name.
#[derive(Debug, Default)]
pub struct Covers {
    files: HashSet<String>,
}

impl Covers {
    /// Lists `<images>/theses/` once; a missing folder means no covers.
    pub fn scan(images: &std::path::Path) -> Covers {
        let files = std::fs::read_dir(images.join("theses"))
            .map(|dir| {
                dir.filter_map(|e| e.ok())
                    .filter_map(|e| e.file_name().into_string().ok())
                    .collect()
            })
            .unwrap_or_default();
        Covers { files }
    }

    /// The cover file for `key` (as written, else capitalised) and whether it exists.
    pub fn find(&self, key: &str) -> (String, bool) {
        let written = format!("{key}.png");
        if self.files.contains(&written) {
            return (written, true);
        }
        let capital = cover_name(key);
        let exists = self.files.contains(&capital);
        (capital, exists)
    }
}

/// A thesis "journal": `PhD thesis` / `Master thesis` when the entry gives none.
fn journal(publication: &Publication, kind: &str) -> Option<String> {
    publication
        .journal
        .clone()
        .filter(|j| !j.trim().is_empty())
        .or_else(|| match kind {
            "phdthesis" => Some("PhD thesis".to_string()),
            "mastersthesis" => Some("Master thesis".to_string()),
            _ => None,
        })
}

/// Names from the parsed list, else the raw field as written.
fn names_or_field(publication: &Publication, names: &[Name], field_name: &str) -> Option<String> {
    if names.is_empty() {
        field(publication, field_name).map(str::to_string)
    } else {
        Some(display_names(names))
    }
}

/// The abstract without LaTeX escapes, paragraphs kept, lines trimmed.
pub fn clean_abstract(publication: &Publication) -> Option<String> {
    let text = publication
        .abstract_text
        .as_deref()
        .or_else(|| field(publication, "abstract"))?;
    let mut out = String::with_capacity(text.len());
    let mut blank = false;
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank { "\n\n" } else { "\n" });
        }
        blank = false;
        out.push_str(&unescape_latex(line));
    }
    (!out.is_empty()).then_some(out)
}

/// `\%` → `%` and the other escaped specials; `\\` and unknown commands are left alone.
fn unescape_latex(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(&next) = chars.peek() {
                if matches!(next, '%' | '&' | '_' | '#' | '$' | '{' | '}') {
                    out.push(next);
                    chars.next();
                    continue;
                }
            }
        }
        out.push(c);
    }
    out
}

/// One line of a stub's metadata: no line breaks, single spaces.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The `bibitems_<site>.json` entry of one publication. `covers` tells whether a thesis
/// cover image exists.
pub fn bibitem(publication: &Publication, covers: &Covers) -> Json {
    let kind = diag_type(publication);
    let mut o: Vec<(String, Json)> = Vec::with_capacity(24 + publication.fields.len());
    let put = |o: &mut Vec<(String, Json)>, k: &str, v: Json| o.push((k.to_string(), v));

    let authors: Vec<Json> = publication
        .authors
        .iter()
        .map(|n| {
            Json::strs([
                n.given.as_str(),
                n.particle.as_str(),
                n.family.as_str(),
                n.suffix.as_str(),
            ])
        })
        .collect();
    put(&mut o, "author", Json::List(authors));
    put(&mut o, "title", Json::str(one_line(&publication.title)));
    if let Some(j) = journal(publication, &kind) {
        put(&mut o, "journal", Json::str(one_line(&j)));
    }
    if let Some(b) = publication
        .booktitle
        .as_deref()
        .filter(|b| !b.trim().is_empty())
    {
        put(&mut o, "booktitle", Json::str(one_line(b)));
    }
    if let Some(year) = publication.year {
        put(&mut o, "year", Json::Int(i64::from(year)));
    }
    if let Some(m) = month(publication) {
        put(&mut o, "month", Json::str(m));
    }
    if let Some(v) = field(publication, "volume")
        .map(str::to_string)
        .or(publication.volume.clone())
    {
        put(&mut o, "volume", Json::str(v));
    }
    let issue_field =
        if field(publication, "issue").is_some() && field(publication, "number").is_none() {
            "issue"
        } else {
            "number"
        };
    if let Some(i) = issue(publication) {
        put(&mut o, issue_field, Json::str(i));
    }
    if let Some(p) = pages(publication) {
        put(&mut o, "pages", Json::str(p));
    }
    if let Some(d) = doi_url(publication) {
        put(&mut o, "doi", Json::str(d));
    }
    if let Some(a) = clean_abstract(publication) {
        put(&mut o, "abstract", Json::str(a));
    }
    let pmid = pmid(publication);
    match (pmid, field(publication, "pmid")) {
        (Some(id), _) => put(&mut o, "pmid", Json::str(format!("{PUBMED_URL}{id}"))),
        (None, Some(raw)) => put(&mut o, "pmid", Json::str(raw)),
        (None, None) => {}
    }
    if let Some(gsid) = field(publication, "gsid").or(publication.ids.gsid.as_deref()) {
        let url = if gsid.starts_with("http") {
            gsid.to_string()
        } else {
            format!("{SCHOLAR_CITES_URL}{gsid}")
        };
        put(&mut o, "gsid", Json::str(url));
    }
    if let Some(c) = field(publication, "gscites")
        .map(str::to_string)
        .or_else(|| publication.citations.map(|c| c.to_string()))
    {
        put(&mut o, "gscites", Json::str(c));
    }
    let url = field(publication, "url")
        .map(str::to_string)
        .or(publication.url.clone());
    if let Some(u) = &url {
        put(&mut o, "url", Json::str(u.clone()));
    }
    if let Some(p) = names_or_field(publication, &publication.promotors, "promotor") {
        put(&mut o, "promotor", Json::str(p));
    }
    if let Some(c) = names_or_field(publication, &publication.copromotors, "copromotor") {
        put(&mut o, "copromotor", Json::str(c));
    }
    // Every other bib field, as the string it is.
    for (name, value) in &publication.fields {
        let name = name.to_lowercase();
        if COMPUTED.contains(&name.as_str()) {
            continue;
        }
        put(&mut o, &name, Json::str(value.clone()));
    }
    put(&mut o, "type", Json::str(kind));
    put(
        &mut o,
        "authors",
        Json::str(display_names(&publication.authors)),
    );
    let (cover, exists) = covers.find(&publication.key);
    put(&mut o, "coverpng", Json::str(cover));
    put(
        &mut o,
        "pmidnumber",
        Json::Int(pmid.map_or(-1, |p| i64::try_from(p.0).unwrap_or(-1))),
    );
    if let Some(u) = &url {
        put(&mut o, "url_type", Json::str(url_type(u)));
    }
    put(&mut o, "pubinfo", Json::str(pubinfo(publication)));
    put(
        &mut o,
        "cover_exists",
        Json::str(if exists { "True" } else { "False" }),
    );
    Json::Obj(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(given: &str, particle: &str, family: &str) -> Name {
        Name {
            given: given.into(),
            particle: particle.into(),
            family: family.into(),
            suffix: String::new(),
        }
    }

    #[test]
    fn initials_are_full() {
        assert_eq!(initials("Clara I."), "C. I.");
        assert_eq!(initials("C. I."), "C. I.");
        assert_eq!(initials("HJ."), "H. J.");
        assert_eq!(initials("Jean-Paul"), "J.-P.");
        assert_eq!(initials("Miraude E A P M"), "M. E. A. P. M.");
        assert_eq!(initials("Élodie"), "É.");
        assert_eq!(initials(""), "");
    }

    #[test]
    fn display_list_uses_and_before_the_last() {
        let names = [
            name("Daniel", "", "Abásolo"),
            name("Clara I.", "", "Sánchez"),
            name("R.", "de la", "Rosa"),
        ];
        assert_eq!(
            display_names(&names),
            "D. Abásolo, C. I. Sánchez and R. de la Rosa"
        );
        assert_eq!(display_names(&names[..1]), "D. Abásolo");
        assert_eq!(display_names(&[]), "");
        assert_eq!(
            display_names(&[name("", "", "DIAG Consortium")]),
            "DIAG Consortium"
        );
    }

    #[test]
    fn pubinfo_turns_double_dash_into_dash() {
        let mut p = Publication {
            year: Some(2005),
            ..Publication::default()
        };
        for (k, v) in [("volume", "116"), ("number", "8"), ("pages", "1826--1834")] {
            p.fields.insert(k.into(), v.into());
        }
        assert_eq!(pubinfo(&p), "2005;116(8):1826-1834");
        p.fields.clear();
        assert_eq!(pubinfo(&p), "2005");
    }

    #[test]
    fn abstracts_lose_latex_escapes_and_stray_blank_lines() {
        let p = Publication {
            abstract_text: Some("\n\n  We got 80\\% and \\$5.\n\n\nSecond  paragraph.\n".into()),
            ..Publication::default()
        };
        assert_eq!(
            clean_abstract(&p).unwrap(),
            "We got 80% and $5.\n\nSecond  paragraph."
        );
    }

    #[test]
    fn preprint_and_url_types() {
        let p = Publication {
            entry_type: "article".into(),
            journal: Some("arXiv:1903.03349".into()),
            ..Publication::default()
        };
        assert_eq!(diag_type(&p), "preprint");
        assert_eq!(url_type("https://arxiv.org/abs/1903.03349"), "arXiv");
        assert_eq!(url_type("https://www.medrxiv.org/content/x"), "medRxiv");
        assert_eq!(url_type("http://example.org"), "Url");
    }
}
