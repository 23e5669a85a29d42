//! Site pages: the three formats and real-world dirt, read from `tests/fixtures/site/`.

use publist::diagnostics::Diagnostic;
use publist::model::PageFormat;
use publist::site::{self, Site};

use crate::support::fixture;

fn load() -> Site {
    site::load(&[fixture("site/members")], &[fixture("site/projects")])
}

fn diag<'a>(s: &'a Site, code: &str, slug: &str) -> &'a Diagnostic {
    s.diagnostics
        .iter()
        .find(|d| d.code == code && d.key.as_deref() == Some(slug))
        .unwrap_or_else(|| panic!("no {code} for {slug}: {:#?}", s.diagnostics))
}

#[test]
fn pelican_person_fields_are_read() {
    let s = load();
    let anna = s.person("anna-de-boer").expect("anna");
    assert_eq!(anna.format, PageFormat::Pelican);
    assert_eq!(anna.name, "Anna de Boer");
    assert_eq!(anna.pub_names, ["A. M. de Boer", "Anna M. de Boer"]);
    assert_eq!(anna.groups, ["imaging", "pathology"]);
    assert_eq!(anna.active, Some(true));
    assert_eq!(anna.orcid.as_deref(), Some("0000-0002-1825-0097"));
    assert_eq!(anna.semantic_scholar.as_deref(), Some("1741101"));
    assert_eq!(anna.active_years, Some((2013, Some(2021))));
    assert!(!anna.show_publication_years);
    assert_eq!(
        anna.meta[0],
        ("title".to_string(), "Anna de Boer".to_string())
    );
}

#[test]
fn slugs_are_lowercased_file_stems_and_people_sorted() {
    let s = load();
    let slugs: Vec<&str> = s.people.iter().map(|p| p.slug.as_str()).collect();
    assert_eq!(
        slugs,
        [
            "anna-de-boer",
            "bas-vermeer",
            "carla-smit",
            "dirk-wouters",
            "eva-bakker",
            "femke-mol"
        ]
    );
}

#[test]
fn header_dirt_gives_located_warnings_not_failures() {
    let s = load();
    // A capitalised key, then a blank line inside the header: both warned, both read.
    let bas = s.person("bas-vermeer").expect("bas");
    assert!(bas
        .meta
        .iter()
        .any(|(k, v)| k == "office" && v == "Room 12"));
    assert!(
        bas.scholar.is_some(),
        "fields after the blank line are read"
    );
    assert_eq!(diag(&s, "site-capitalised-key", "bas-vermeer").line, 3);
    assert_eq!(diag(&s, "site-blank-line-in-header", "bas-vermeer").line, 6);
    // CRLF and no blank line before the body.
    let carla = s.person("carla-smit").expect("carla");
    assert_eq!(carla.name, "Carla Smit");
    assert_eq!(carla.active_years, Some((2015, None)));
    assert_eq!(diag(&s, "site-no-blank-after-header", "carla-smit").line, 5);
    assert!(diag(&s, "site-missing-field", "carla-smit")
        .message
        .contains("groups"));
    // Invalid UTF-8 (a Latin-1 ö) with its byte offset, and a duplicate key.
    let femke = s.person("femke-mol").expect("femke");
    assert!(femke.name.starts_with("Femke M"));
    let utf8 = diag(&s, "site-invalid-utf8", "femke-mol");
    assert!(utf8.message.contains("byte offset 30"), "{}", utf8.message);
    assert_eq!(utf8.line, 2);
    assert_eq!(
        femke.active,
        Some(true),
        "the first of two `active:` lines wins"
    );
    assert_eq!(diag(&s, "site-duplicate-key", "femke-mol").line, 4);
    for d in &s.diagnostics {
        assert!(d.file.is_some(), "{d:?}");
    }
}

#[test]
fn yaml_and_toml_front_matter() {
    let s = load();
    let dirk = s.person("dirk-wouters").expect("dirk");
    assert_eq!(dirk.format, PageFormat::Yaml);
    assert_eq!(dirk.name, "Dirk Wouters");
    assert_eq!(dirk.pub_names, ["D. Wouters", "Dirk J. Wouters"]);
    assert_eq!(dirk.groups, ["retina"]);
    assert_eq!(dirk.active, Some(true));
    assert_eq!(dirk.openalex.as_deref(), Some("A5023888391"));
    let eva = s.person("eva-bakker").expect("eva");
    assert_eq!(eva.format, PageFormat::Toml);
    assert_eq!(eva.name, "Eva Bakker");
    assert_eq!(eva.dblp.as_deref(), Some("b/EvaBakker"));
    assert_eq!(eva.active, Some(false));
    let retina = s.project("retina-ai").expect("retina");
    assert_eq!(retina.people, ["Dirk Wouters", "Eva Bakker"]);
    assert!(retina.has_bibkeys_field && retina.bibkeys.is_empty());
    assert_eq!(retina.finished, Some(true));
    assert_eq!(s.project("slides").expect("slides").bibkeys, ["Bakk18"]);
}

#[test]
fn project_lists_tolerate_dirt() {
    let s = load();
    let lung = s.project("lung-screening").expect("lung");
    assert_eq!(
        lung.people,
        ["Anna de Boer", "Bas Vermeer", "Carla Smit", "Dirk Wouters"]
    );
    assert_eq!(lung.bibkeys, ["Boer19", "vErm20", "Smit21a"]);
    assert_eq!(
        lung.title_long.as_deref(),
        Some("Lung cancer screening with low-dose CT")
    );
    assert_eq!(lung.finished, Some(false));
    assert_eq!(lung.body, "We screen lungs.\n");
    let typo = s
        .diagnostics
        .iter()
        .filter(|d| d.code == "site-people-list" && d.key.as_deref() == Some("lung-screening"))
        .count();
    assert_eq!(typo, 2, "the stray `,m` and the trailing comma");
    assert_eq!(diag(&s, "site-duplicate-key", "lung-screening").line, 6);
    let untitled = s.project("untitled").expect("untitled");
    assert_eq!(untitled.title, "untitled");
    assert!(!untitled.has_bibkeys_field);
    assert!(diag(&s, "site-missing-field", "untitled")
        .message
        .contains("title"));
}

#[test]
fn globs_and_missing_folders() {
    let pattern = fixture("site/members").join("*-b*.md");
    let s = site::load(&[pattern], &[fixture("site/nowhere")]);
    let slugs: Vec<&str> = s.people.iter().map(|p| p.slug.as_str()).collect();
    assert_eq!(slugs, ["anna-de-boer", "eva-bakker"]);
    assert!(s
        .diagnostics
        .iter()
        .any(|d| d.code == "site-missing-folder" && d.message.contains("nowhere")));
}
