//! The Markdown stubs the DIAG Pelican templates render: Pelican `key: value` headers,
//! fields in the order the DIAG step writes them, a blank line, then the body.

use crate::model::Publication;

use super::bibitem::{self, one_line};
use super::inert;

/// Joins header lines into a stub; the body, when any, follows one blank line.
/// Header values and the body are made [`inert`](super::inert): Pelican prints header values
/// unescaped and Markdown passes HTML through.
fn page(lines: &[String], body: Option<&str>) -> String {
    let lines: Vec<_> = lines.iter().map(|l| inert::header_line(l)).collect();
    let mut out = lines.join("\n");
    out.push('\n');
    if let Some(body) = body {
        out.push('\n');
        out.push_str(&inert::inert(body));
        out.push('\n');
    }
    out
}

/// `pages/publications/<key>.md`: one publication.
///
/// `diag_authors` are the member slugs who wrote it; `groups` the groups it is shown in.
pub fn publication(
    publication: &Publication,
    key: &str,
    diag_authors: &[&str],
    groups: &[&str],
) -> String {
    let kind = bibitem::diag_type(publication);
    let na = |v: Option<String>| v.map_or_else(|| "NA ".to_string(), |v| one_line(&v));
    let mut lines = vec![
        format!("title: {}", one_line(&publication.title)),
        format!("authors: {}", bibitem::display_names(&publication.authors)),
        format!(
            "has_pdf: {} ",
            if publication.fields.contains_key("file") {
                "True"
            } else {
                "False"
            }
        ),
        format!("bibkey: {key}"),
        format!("groups: {}", groups.join(",")),
        format!(
            "booktitle: {}",
            na(publication
                .booktitle
                .clone()
                .filter(|b| !b.trim().is_empty()))
        ),
        format!("year: {}", na(publication.year.map(|y| y.to_string()))),
        format!("doi: {}", na(bibitem::doi_url(publication))),
    ];
    if kind == "phdthesis" {
        lines.push("template: publication-thesis".to_string());
        lines.push(format!("diag_authors: {}", diag_authors.join(",")));
        lines.push(format!(
            "coverpng: {}",
            bibitem::cover_name(&publication.key)
        ));
        let promotors = names(publication, "promotor", &publication.promotors);
        let copromotors = names(publication, "copromotor", &publication.copromotors);
        let school = publication
            .school
            .clone()
            .or_else(|| publication.fields.get("school").cloned());
        let month = publication
            .fields
            .get("optmonth")
            .cloned()
            .or_else(|| bibitem::month(publication));
        for (name, value) in [
            ("promotor", promotors),
            ("copromotor", copromotors),
            ("school", school),
            ("optmonth", month),
        ] {
            if let Some(v) = value.filter(|v| !v.trim().is_empty()) {
                lines.push(format!("{name}: {}", one_line(&v)));
            }
        }
        if let Some(url) = publication.fields.get("url").or(publication.url.as_ref()) {
            lines.push(format!("urlweb: {}", one_line(url)));
        }
    } else {
        lines.push("template: publication".to_string());
        lines.push(format!("diag_authors: {}", diag_authors.join(",")));
        lines.push(format!(
            "journal: {}",
            na(publication.journal.clone().filter(|j| !j.trim().is_empty()))
        ));
    }
    page(&lines, bibitem::clean_abstract(publication).as_deref())
}

fn names(publication: &Publication, field: &str, names: &[crate::model::Name]) -> Option<String> {
    if names.is_empty() {
        publication.fields.get(field).cloned()
    } else {
        Some(bibitem::display_names(names))
    }
}

/// `website-<site>/content/pages/publications/<slug>[/<page>].md`: a member's list page.
pub fn member(slug: &str, name: &str, groups: &[String], title: &str) -> String {
    page(
        &[
            format!("main_title: Publications of {}", one_line(name)),
            "template: publications-author".to_string(),
            format!("author: {slug}"),
            format!("author_name: {}", one_line(name)),
            format!("groups: {}", groups.join(",")),
            format!("title: {}", one_line(title)),
        ],
        None,
    )
}

/// `website-<site>/content/pages/publications[/<page>].md`: a group's list page;
/// `bibkeys` only on `most-cited`.
pub fn group(title: &str, bibkeys: Option<&[&str]>) -> String {
    let mut lines = vec![
        "main_title: Publications".to_string(),
        "template: publications".to_string(),
        format!("title: {title}"),
    ];
    if let Some(keys) = bibkeys {
        lines.push(format!("bibkeys: {}", keys.join(",")));
    }
    page(&lines, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Name;

    #[test]
    fn member_stub_names_the_person_not_a_flag() {
        let text = member(
            "rashindra-manniesing",
            "Rashindra Manniesing",
            &["diag".into(), "neuro".into()],
            "2019",
        );
        assert_eq!(
            text,
            "main_title: Publications of Rashindra Manniesing\ntemplate: publications-author\n\
             author: rashindra-manniesing\nauthor_name: Rashindra Manniesing\ngroups: diag,neuro\ntitle: 2019\n"
        );
    }

    #[test]
    fn group_stub_shapes() {
        assert_eq!(
            group("2019", None),
            "main_title: Publications\ntemplate: publications\ntitle: 2019\n"
        );
        assert!(group("Most cited", Some(&["litj17", "staa04a"]))
            .ends_with("title: Most cited\nbibkeys: litj17,staa04a\n"));
    }

    #[test]
    fn thesis_stub_has_supervisors_and_cover() {
        let mut p = Publication {
            key: "Adri11a".into(),
            entry_type: "phdthesis".into(),
            title: "Imaging in\n tuberous sclerosis complex".into(),
            authors: vec![Name {
                given: "M. E. A. P. M.".into(),
                family: "Adriaensen".into(),
                ..Name::default()
            }],
            promotors: vec![Name {
                given: "W. M.".into(),
                family: "Prokop".into(),
                ..Name::default()
            }],
            school: Some("Utrecht University".into()),
            year: Some(2011),
            abstract_text: Some("Since 1995, x = y.".into()),
            ..Publication::default()
        };
        p.fields.insert("file".into(), "Adri11a.pdf".into());
        let text = publication(&p, "adri11a", &[], &["diag"]);
        assert_eq!(
            text,
            "title: Imaging in tuberous sclerosis complex\nauthors: M. E. A. P. M. Adriaensen\nhas_pdf: True \n\
             bibkey: adri11a\ngroups: diag\nbooktitle: NA \nyear: 2011\ndoi: NA \ntemplate: publication-thesis\n\
             diag_authors: \ncoverpng: Adri11a.png\npromotor: W. M. Prokop\nschool: Utrecht University\n\
             \nSince 1995, x = y.\n"
        );
    }
}
