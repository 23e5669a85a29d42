//! Citations: the house style `authors, "title", venue, year;vol(issue):pages`, or any CSL
//! style bundled with hayagriva, by name.
//!
//! Every citation comes out as HTML that is already escaped: the house style escapes each
//! piece; CSL output is walked element by element and escaped here, because hayagriva's own
//! HTML writer does not escape text. No citation contains a link.
//!
//! Some bundled CSL styles drop authors with hayagriva 0.10 (its "vancouver" prints none).
//! [`Citer::render`] checks every rendered citation for its first author and, when missing,
//! puts the author list in front in NLM form, so no style can silently lose authors.

use std::collections::BTreeMap;

use hayagriva::archive::ArchivedStyle;
use hayagriva::citationberg::{FontStyle, FontWeight, IndependentStyle, Locale, Style};
use hayagriva::types::{
    Date, EntryType, FormatString, MaybeTyped, Numeric, PageRanges, Person as HPerson,
};
use hayagriva::{
    BibliographyDriver, BibliographyRequest, CitationItem, CitationRequest, ElemChild, Entry,
};

use crate::model::{Kind, Name, Publication};

/// The CSL styles publist offers and tests (any other bundled style name works too).
pub const OFFERED_STYLES: &[&str] = &[
    "apa",
    "american-medical-association",
    "bmj",
    "chicago-author-date",
    "elsevier-harvard",
    "elsevier-vancouver",
    "harvard-cite-them-right",
    "ieee",
    "mla",
    "nature",
    "springer-vancouver",
    "the-lancet",
    "vancouver",
];

/// A citation formatter.
pub enum Citer {
    /// The house style.
    House,
    /// A CSL style.
    Csl {
        /// The style's name as asked for.
        name: String,
        /// The parsed style.
        style: Box<IndependentStyle>,
        /// Locales for terms ("et al.", "In:").
        locales: Vec<Locale>,
    },
}

impl std::fmt::Debug for Citer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Citer::House => f.write_str("Citer::House"),
            Citer::Csl { name, .. } => write!(f, "Citer::Csl({name})"),
        }
    }
}

impl Citer {
    /// `house` (or empty) for the house style, else the name of a bundled CSL style.
    /// The error names the style and lists the offered ones.
    pub fn new(name: &str) -> Result<Citer, String> {
        let n = name.trim();
        if n.is_empty() || n.eq_ignore_ascii_case("house") {
            return Ok(Citer::House);
        }
        let lower = n.to_ascii_lowercase();
        let archived = ArchivedStyle::by_name(&lower).ok_or_else(|| {
            format!(
                "unknown citation style `{n}`; use `house` or one of: {}",
                OFFERED_STYLES.join(", ")
            )
        })?;
        match archived.get() {
            Style::Independent(style) => Ok(Citer::Csl {
                name: lower,
                style: Box::new(style),
                locales: hayagriva::archive::locales(),
            }),
            Style::Dependent(_) => Err(format!(
                "citation style `{n}` depends on another style; name that one instead"
            )),
        }
    }

    /// The style name (`house`, `apa`, …).
    pub fn name(&self) -> &str {
        match self {
            Citer::House => "house",
            Citer::Csl { name, .. } => name,
        }
    }

    /// Formats every publication; returns lowercased key → escaped HTML.
    pub fn render(&self, pubs: &[&Publication]) -> BTreeMap<String, String> {
        match self {
            // One at a time, so on all cores (100,000 citations take a second on one).
            Citer::House => pubs
                .iter()
                .map(|p| p.key_lower())
                .zip(crate::par::map(pubs, |p| house_html(p)))
                .collect(),
            Citer::Csl { style, locales, .. } => csl_html(pubs, style, locales),
        }
    }
}

/// Minimal HTML escaping for text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// "M. J. van der Berg": initials, particle, family.
pub fn short_name(n: &Name) -> String {
    let mut parts: Vec<String> = Vec::new();
    let initials = n.initials();
    if !initials.is_empty() {
        parts.push(initials);
    }
    if !n.particle.is_empty() {
        parts.push(n.particle.clone());
    }
    parts.push(n.family.clone());
    let mut s = parts.join(" ");
    if !n.suffix.is_empty() {
        s.push_str(", ");
        s.push_str(&n.suffix);
    }
    s
}

/// "A, B and C".
pub fn join_names(names: &[Name]) -> String {
    let parts: Vec<String> = names.iter().map(short_name).collect();
    match parts.len() {
        0 => String::new(),
        1 => parts[0].clone(),
        n => format!("{} and {}", parts[..n - 1].join(", "), parts[n - 1]),
    }
}

/// The DIAG "pubinfo": `year;volume(issue):pages`, each part only when known.
pub fn pubinfo(p: &Publication) -> String {
    let mut s = p.year.map(|y| y.to_string()).unwrap_or_default();
    if let Some(v) = p.volume.as_deref().filter(|v| !v.is_empty()) {
        s.push(';');
        s.push_str(v);
    }
    if let Some(i) = p.issue.as_deref().filter(|v| !v.is_empty()) {
        s.push('(');
        s.push_str(i);
        s.push(')');
    }
    if let Some(pg) = p.pages.as_deref().filter(|v| !v.is_empty()) {
        s.push(':');
        s.push_str(pg);
    }
    s
}

/// The venue line for a publication: journal or booktitle; "PhD thesis, School" for theses.
pub fn venue_text(p: &Publication) -> Option<String> {
    match p.kind() {
        Kind::PhdThesis | Kind::MastersThesis => {
            let label = if p.kind() == Kind::PhdThesis {
                "PhD thesis"
            } else {
                "Master's thesis"
            };
            Some(match p.school.as_deref().filter(|s| !s.is_empty()) {
                Some(school) => format!("{label}, {school}"),
                None => label.to_string(),
            })
        }
        _ => p
            .journal
            .as_deref()
            .or(p.booktitle.as_deref())
            .or(p.publisher.as_deref())
            .or(p.fields.get("howpublished").map(String::as_str))
            .filter(|v| !v.trim().is_empty())
            .map(str::to_string),
    }
}

/// The house style, escaped: `authors, "title", <i>venue</i>, year;vol(issue):pages`.
pub fn house_html(p: &Publication) -> String {
    let mut parts: Vec<String> = Vec::new();
    let authors = if p.authors.is_empty() {
        join_names(&p.editors)
    } else {
        join_names(&p.authors)
    };
    if !authors.is_empty() {
        parts.push(format!(
            "<span class=\"authors\">{}</span>",
            escape(&authors)
        ));
    }
    let title = p.title.trim().trim_end_matches('.');
    if !title.is_empty() {
        parts.push(format!(
            "\u{201c}<span class=\"title\">{}</span>\u{201d}",
            escape(title)
        ));
    }
    if let Some(venue) = venue_text(p) {
        parts.push(format!("<i class=\"venue\">{}</i>", escape(&venue)));
    }
    let info = pubinfo(p);
    if !info.is_empty() {
        parts.push(escape(&info));
    }
    parts.join(", ")
}

fn hperson(n: &Name) -> HPerson {
    HPerson {
        name: n.family.clone(),
        given_name: Some(n.given.clone()).filter(|g| !g.is_empty()),
        prefix: Some(n.particle.clone()).filter(|g| !g.is_empty()),
        suffix: Some(n.suffix.clone()).filter(|g| !g.is_empty()),
        alias: None,
        comma_suffix: false,
    }
}

fn entry(p: &Publication) -> Entry {
    let (ty, parent_ty) = match p.kind() {
        Kind::Article | Kind::Preprint => (EntryType::Article, Some(EntryType::Periodical)),
        Kind::InProceedings => (EntryType::Article, Some(EntryType::Proceedings)),
        Kind::PhdThesis | Kind::MastersThesis => (EntryType::Thesis, None),
        Kind::Book => (EntryType::Book, None),
        Kind::Chapter => (EntryType::Chapter, Some(EntryType::Book)),
        Kind::Patent => (EntryType::Patent, None),
        Kind::Report => (EntryType::Report, None),
        Kind::Misc => (EntryType::Misc, None),
    };
    let mut e = Entry::new(&p.key_lower(), ty);
    e.set_title(FormatString::from(p.title.clone()));
    let authors: Vec<HPerson> = p.authors.iter().map(hperson).collect();
    if !authors.is_empty() {
        e.set_authors(authors);
    }
    if let Some(year) = p.year {
        e.set_date(Date {
            year,
            month: p.month.filter(|m| (1..=12).contains(m)).map(|m| m - 1),
            day: None,
            approximate: false,
            season: None,
        });
    }
    // These parses cannot fail: unparsable text is kept as a string.
    if let Some(v) = p.volume.as_deref() {
        let Ok(v) = v.parse::<MaybeTyped<Numeric>>();
        e.set_volume(v);
    }
    if let Some(v) = p.issue.as_deref() {
        let Ok(v) = v.parse::<MaybeTyped<Numeric>>();
        e.set_issue(v);
    }
    if let Some(v) = p.pages.as_deref() {
        let Ok(v) = v.replace('\u{2013}', "-").parse::<MaybeTyped<PageRanges>>();
        e.set_page_range(v);
    }
    if let Some(doi) = &p.ids.doi {
        e.set_doi(doi.as_str().to_string());
    }
    if let Some(school) = p.school.as_deref() {
        e.set_organization(FormatString::from(school.to_string()));
    }
    if let (Some(parent_ty), Some(venue)) =
        (parent_ty, p.journal.as_deref().or(p.booktitle.as_deref()))
    {
        let mut parent = Entry::new(&format!("{}-parent", p.key_lower()), parent_ty);
        parent.set_title(FormatString::from(venue.to_string()));
        let editors: Vec<HPerson> = p.editors.iter().map(hperson).collect();
        if !editors.is_empty() {
            parent.set_editors(editors);
        }
        e.set_parents(vec![parent]);
    }
    e
}

fn write_children(children: &[ElemChild], out: &mut String) {
    for child in children {
        match child {
            ElemChild::Text(t) | ElemChild::Link { text: t, .. } => {
                let italic = t.formatting.font_style == FontStyle::Italic;
                let bold = t.formatting.font_weight == FontWeight::Bold;
                if italic {
                    out.push_str("<i>");
                }
                if bold {
                    out.push_str("<b>");
                }
                out.push_str(&escape(&t.text));
                if bold {
                    out.push_str("</b>");
                }
                if italic {
                    out.push_str("</i>");
                }
            }
            ElemChild::Elem(e) => write_children(&e.children.0, out),
            ElemChild::Markup(m) => out.push_str(&escape(m)),
            ElemChild::Transparent { .. } => {}
        }
    }
}

fn plain_children(children: &[ElemChild], out: &mut String) {
    for child in children {
        match child {
            ElemChild::Text(t) | ElemChild::Link { text: t, .. } => out.push_str(&t.text),
            ElemChild::Elem(e) => plain_children(&e.children.0, out),
            ElemChild::Markup(m) => out.push_str(m),
            ElemChild::Transparent { .. } => {}
        }
    }
}

/// NLM author list: "van der Berg MJ, Smith J, Mensah K".
pub fn nlm_authors(names: &[Name]) -> String {
    names
        .iter()
        .map(|n| {
            let initials: String = n.initials().chars().filter(|c| c.is_alphabetic()).collect();
            let family = if n.particle.is_empty() {
                n.family.clone()
            } else {
                format!("{} {}", n.particle, n.family)
            };
            if initials.is_empty() {
                family
            } else {
                format!("{family} {initials}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn csl_html(
    pubs: &[&Publication],
    style: &IndependentStyle,
    locales: &[Locale],
) -> BTreeMap<String, String> {
    let entries: Vec<Entry> = pubs.iter().map(|p| entry(p)).collect();
    let mut driver = BibliographyDriver::new();
    for e in &entries {
        driver.citation(CitationRequest::from_items(
            vec![CitationItem::with_entry(e)],
            style,
            locales,
        ));
    }
    let rendered = driver.finish(BibliographyRequest {
        style,
        locale: None,
        locale_files: locales,
    });
    let by_key: BTreeMap<String, &Publication> = pubs.iter().map(|p| (p.key_lower(), *p)).collect();
    let mut out = BTreeMap::new();
    for item in rendered.bibliography.map(|b| b.items).unwrap_or_default() {
        let Some(p) = by_key.get(&item.key) else {
            continue;
        };
        let mut html = String::new();
        write_children(&item.content.0, &mut html);
        let mut plain = String::new();
        plain_children(&item.content.0, &mut plain);
        if let Some(first) = p.authors.first() {
            if !plain.contains(first.family.as_str()) {
                html = format!(
                    "<span class=\"authors\">{}</span>. {}",
                    escape(&nlm_authors(&p.authors)),
                    html.trim_start()
                );
            }
        }
        out.insert(item.key.clone(), html.trim().to_string());
    }
    // A style may leave an entry out of its bibliography: fall back to the house style.
    for p in pubs {
        out.entry(p.key_lower()).or_insert_with(|| house_html(p));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Publication {
        Publication {
            key: "Berg19".into(),
            kind: Some(Kind::Article),
            title: "Deep learning for <b>nodules</b> & more".into(),
            authors: vec![
                Name {
                    given: "Marieke J.".into(),
                    particle: "van der".into(),
                    family: "Berg".into(),
                    ..Name::default()
                },
                Name {
                    given: "Kwame".into(),
                    family: "Mensah".into(),
                    ..Name::default()
                },
            ],
            journal: Some("Radiology".into()),
            year: Some(2019),
            volume: Some("290".into()),
            issue: Some("2".into()),
            pages: Some("100\u{2013}109".into()),
            ..Publication::default()
        }
    }

    #[test]
    fn house_style_escapes_and_orders_parts() {
        let html = house_html(&sample());
        assert!(html.contains("M. J. van der Berg and K. Mensah"), "{html}");
        assert!(
            html.contains("&lt;b&gt;nodules&lt;/b&gt; &amp; more"),
            "{html}"
        );
        assert!(html.contains("<i class=\"venue\">Radiology</i>"), "{html}");
        assert!(html.ends_with("2019;290(2):100\u{2013}109"), "{html}");
    }

    #[test]
    fn every_offered_style_prints_authors_and_title() {
        let p = sample();
        for name in OFFERED_STYLES {
            let citer = Citer::new(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            let html = citer.render(&[&p]).remove("berg19").unwrap();
            assert!(
                html.contains("Berg"),
                "{name} lost the first author: {html}"
            );
            assert!(
                html.contains("Mensah"),
                "{name} lost the second author: {html}"
            );
            assert!(html.contains("nodules"), "{name} lost the title: {html}");
            assert!(
                !html.contains("<b>nodules"),
                "{name} did not escape: {html}"
            );
            assert!(html.contains("2019"), "{name} lost the year: {html}");
        }
    }

    #[test]
    fn unknown_style_is_refused_with_the_list() {
        let err = Citer::new("no-such-style").unwrap_err();
        assert!(
            err.contains("no-such-style") && err.contains("vancouver"),
            "{err}"
        );
        assert!(matches!(Citer::new("HOUSE"), Ok(Citer::House)));
    }
}
