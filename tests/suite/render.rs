//! Rendering from hand-built inputs (library level): escaping, links, pages, data, determinism.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use publist::attribute;
use publist::bib::Bibliography;
use publist::config::{Config, Overrides, RawConfig};
use publist::model::{Doi, Ids, Kind, Name, Person, Pmid, Project, Publication};
use publist::render;
use publist::site::Site;

fn name(given: &str, particle: &str, family: &str) -> Name {
    Name {
        given: given.into(),
        particle: particle.into(),
        family: family.into(),
        ..Name::default()
    }
}

fn article(key: &str, year: i32, title: &str, authors: Vec<Name>) -> Publication {
    let mut p = Publication {
        key: key.into(),
        kind: Some(Kind::Article),
        entry_type: "article".into(),
        title: title.into(),
        title_markup: title.into(),
        authors,
        journal: Some("Radiology".into()),
        year: Some(year),
        volume: Some("290".into()),
        issue: Some("2".into()),
        pages: Some("100\u{2013}109".into()),
        groups: vec!["diag".into()],
        ..Publication::default()
    };
    p.fields.insert("optnote".into(), "DIAG".into());
    p
}

/// A small world: two people, one project, five publications (one hostile, one thesis).
pub fn world() -> (Bibliography, Site) {
    let berg = name("Marieke J.", "van der", "Berg");
    let mensah = name("Kwame", "", "Mensah");
    let mut pubs = vec![
        article(
            "Berg19",
            2019,
            "Deep learning for nodule detection",
            vec![berg.clone(), name("John", "", "Smith")],
        ),
        article(
            "Berg21",
            2021,
            "Emphysema quantification in CT",
            vec![berg.clone(), mensah.clone()],
        ),
        article(
            "Mens20",
            2020,
            "Tuberculosis screening with chest radiography",
            vec![mensah.clone()],
        ),
    ];
    pubs[0].ids = Ids {
        doi: Doi::parse("https://doi.org/10.1148/radiol.2019.1"),
        pmid: Pmid::parse("30000001"),
        gsid: Some("123".into()),
        ..Ids::default()
    };
    pubs[0].citations = Some(42);
    pubs[0].abstract_text = Some("Costs were below $40 per scan & readers agreed.".into());
    pubs[0]
        .fields
        .insert("code".into(), "https://github.com/example/nodules".into());
    pubs[1].citations = Some(7);
    let mut evil = article(
        "Evil20",
        2020,
        "<script>alert(1)</script>",
        vec![berg.clone()],
    );
    evil.url = Some("javascript:alert(1)".into());
    evil.fields
        .insert("code".into(), "javascript:alert(2)".into());
    evil.abstract_text = Some("</script><script>alert(3)</script>".into());
    pubs.push(evil);
    let mut thesis = Publication {
        key: "Mens21".into(),
        kind: Some(Kind::PhdThesis),
        entry_type: "phdthesis".into(),
        title: "Quantitative chest CT in COPD".into(),
        authors: vec![mensah.clone()],
        promotors: vec![name("Henk", "", "Bakker")],
        copromotors: vec![berg.clone()],
        school: Some("Example University".into()),
        year: Some(2021),
        month: Some(11),
        groups: vec!["diag".into()],
        ..Publication::default()
    };
    thesis.fields.insert("journal".into(), "PhD thesis".into());
    pubs.push(thesis);
    let mut bib = Bibliography {
        publications: pubs,
        ..Bibliography::default()
    };
    bib.reindex();
    let person = |slug: &str, n: &str, show_years: bool| Person {
        slug: slug.into(),
        name: n.into(),
        groups: vec!["diag".into()],
        show_publication_years: show_years,
        path: PathBuf::from(format!("people/{slug}.md")),
        ..Person::default()
    };
    let site = Site {
        people: vec![
            person("kwame-mensah", "Kwame Mensah", false),
            person("marieke-van-der-berg", "Marieke van der Berg", true),
        ],
        projects: vec![Project {
            slug: "lung".into(),
            title: "Lung screening".into(),
            people: vec!["Marieke van der Berg".into(), "An Outsider".into()],
            bibkeys: vec!["berg19".into(), "Mens20".into()],
            has_bibkeys_field: true,
            path: PathBuf::from("projects/lung.md"),
            ..Project::default()
        }],
        diagnostics: Vec::new(),
    };
    (bib, site)
}

fn config(out: &Path, style: &str, images: Option<&Path>) -> Config {
    let mut c = Config::from_raw(
        RawConfig::default(),
        None,
        Path::new(""),
        &Overrides {
            out: Some(out.to_path_buf()),
            style: Some(style.into()),
            ..Overrides::default()
        },
    )
    .unwrap();
    c.site_title = "Test Lab".into();
    c.images = images.map(Path::to_path_buf);
    c
}

fn build(out: &Path, style: &str) -> render::BuildReport {
    let (bib, site) = world();
    let config = config(out, style, None);
    let attribution = attribute::attribute_site(&bib, &site, &config);
    render::build(&bib, &site, &attribution, &config).unwrap()
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// All files of a tree, relative path → bytes.
pub fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

#[test]
fn hostile_title_and_javascript_url_render_inert() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path(), "house");
    for page in [
        "publications/evil20/index.html",
        "people/marieke-van-der-berg/index.html",
    ] {
        let html = read(dir.path().join(page));
        assert!(!html.contains("<script>alert"), "{page} has a live script");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{page} lost the title text"
        );
        let lower = html.to_lowercase();
        assert!(
            !lower.contains("href=\"javascript"),
            "{page} links javascript:"
        );
        assert!(
            !lower.contains("src=\"javascript"),
            "{page} loads javascript:"
        );
    }
    let json = read(dir.path().join("publications/evil20/index.html"));
    let ld = json.split("application/ld+json\">").nth(1).unwrap();
    let ld = ld.split("</script>").next().unwrap();
    assert!(
        ld.contains("\\u003c/script\\u003e"),
        "JSON-LD not escaped: {ld}"
    );
}

#[test]
fn person_page_groups_by_year_then_type_with_counts() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path(), "house");
    let html = read(dir.path().join("people/marieke-van-der-berg/index.html"));
    let y21 = html.find("<h2 id=\"y2021\">2021").expect("2021 heading");
    let y20 = html.find("<h2 id=\"y2020\">2020").expect("2020 heading");
    let y19 = html.find("<h2 id=\"y2019\">2019").expect("2019 heading");
    assert!(y21 < y20 && y20 < y19, "years not newest first");
    assert!(html.contains("Journal articles <span class=\"n\">(1)</span>"));
    assert!(html.contains("M. J. van der Berg and J. Smith</span>, \u{201c}<span class=\"title\">Deep learning for nodule detection</span>\u{201d}, <i class=\"venue\">Radiology</i>, 2019;290(2):100\u{2013}109"), "{html}");
    assert!(html.contains("href=\"https://doi.org/10.1148/radiol.2019.1\""));
    assert!(html.contains(">Cited by 42</a>"));
    // Cross-link to the project the person is on.
    assert!(html.contains("href=\"../../projects/lung/index.html\">Lung screening</a>"));
    // BibTeX of the person.
    let bib = read(
        dir.path()
            .join("people/marieke-van-der-berg/publications.bib"),
    );
    assert!(
        bib.contains("@article{Berg19,\n  author = {van der Berg, Marieke J. and Smith, John},"),
        "{bib}"
    );
}

#[test]
fn show_publication_years_no_gives_one_list() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path(), "house");
    let html = read(dir.path().join("people/kwame-mensah/index.html"));
    assert!(
        !html.contains("id=\"y20"),
        "year headings on a no-years page"
    );
    assert!(html.contains("<h2>Journal articles"), "{html}");
    assert!(html.contains("<h2>PhD theses"), "{html}");
}

#[test]
fn project_links_people_with_pages_only_and_lists_its_keys() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path(), "house");
    let html = read(dir.path().join("projects/lung/index.html"));
    assert!(html.contains(
        "<a href=\"../../people/marieke-van-der-berg/index.html\">Marieke van der Berg</a>"
    ));
    assert!(html.contains("<li>An Outsider</li>"));
    assert!(html.contains("Deep learning for nodule detection"));
    assert!(html.contains("Tuberculosis screening"));
    assert!(!html.contains("Emphysema"));
    let data: serde_json::Value =
        serde_json::from_str(&read(dir.path().join("data/projects/lung.json"))).unwrap();
    let keys: Vec<&str> = data["publications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["Mens20", "Berg19"]);
}

#[test]
fn publication_page_has_scholar_tags_json_ld_bibtex_and_badges() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path(), "house");
    let html = read(dir.path().join("publications/berg19/index.html"));
    for needle in [
        "<meta name=\"citation_title\" content=\"Deep learning for nodule detection\">",
        "<meta name=\"citation_author\" content=\"van der Berg, Marieke J.\">",
        "<meta name=\"citation_publication_date\" content=\"2019\">",
        "<meta name=\"citation_journal_title\" content=\"Radiology\">",
        "<meta name=\"citation_doi\" content=\"10.1148/radiol.2019.1\">",
        "\"@type\": \"ScholarlyArticle\"",
        "Costs were below $40 per scan &#38; readers agreed.",
        "@article{Berg19,",
        ">PubMed</a>",
        ">Code</a>",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
}

#[test]
fn thesis_page_gallery_and_cover() {
    let dir = tempfile::tempdir().unwrap();
    let images = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(images.path().join("theses")).unwrap();
    std::fs::write(images.path().join("theses/Mens21.png"), b"\x89PNG fake").unwrap();
    let (bib, site) = world();
    let config = config(dir.path(), "house", Some(images.path()));
    let attribution = attribute::attribute_site(&bib, &site, &config);
    render::build(&bib, &site, &attribution, &config).unwrap();
    let html = read(dir.path().join("publications/mens21/index.html"));
    assert!(
        html.contains("<dt>Promotor</dt><dd>H. Bakker</dd>"),
        "{html}"
    );
    assert!(html.contains("<dt>Copromotor</dt><dd>M. J. van der Berg</dd>"));
    assert!(html.contains("<dt>School</dt><dd>Example University</dd>"));
    assert!(html.contains("<dt>Date</dt><dd>November 2021</dd>"));
    assert!(html.contains("src=\"../../images/theses/mens21.png\""));
    assert!(dir.path().join("images/theses/mens21.png").is_file());
    let gallery = read(dir.path().join("theses/index.html"));
    assert!(gallery.contains("Quantitative chest CT in COPD"));
    assert!(gallery.contains("src=\"../images/theses/mens21.png\""));
}

#[test]
fn most_cited_orders_by_count_overall_and_per_group() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path(), "house");
    for page in ["most-cited/index.html", "most-cited/diag/index.html"] {
        let html = read(dir.path().join(page));
        let a = html.find("42 citations").expect("42");
        let b = html.find("7 citations").expect("7");
        assert!(a < b, "{page} not ordered");
        assert!(
            !html.contains("Tuberculosis"),
            "{page} lists an uncited work"
        );
    }
}

#[test]
fn data_files_carry_keys_reasons_and_confidence() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path(), "house");
    let person: serde_json::Value = serde_json::from_str(&read(
        dir.path().join("data/people/marieke-van-der-berg.json"),
    ))
    .unwrap();
    let pubs = person["publications"].as_array().unwrap();
    assert_eq!(pubs.len(), 4);
    for p in pubs {
        assert!(
            p["key"].is_string() && p["reason"].is_string() && p["confidence"].is_number(),
            "{p}"
        );
    }
    let all: serde_json::Value =
        serde_json::from_str(&read(dir.path().join("data/publications.json"))).unwrap();
    assert_eq!(all.as_array().unwrap().len(), 5);
    let evil = all
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == "Evil20")
        .unwrap();
    assert!(evil["url"].is_null(), "javascript: url exported");
    let fragment = read(
        dir.path()
            .join("fragments/people/marieke-van-der-berg.html"),
    );
    assert!(fragment.starts_with("<ol class=\"publist-fragment\">"));
    assert!(
        fragment.contains("href=\"/publications/berg19/index.html\""),
        "{fragment}"
    );
}

#[test]
fn group_and_year_pages_exist() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path(), "house");
    let html = read(dir.path().join("groups/diag/index.html"));
    assert!(html.contains("href=\"../../groups/diag/2020/index.html\""));
    let y = read(dir.path().join("groups/diag/2020/index.html"));
    assert!(y.contains("Tuberculosis screening") && !y.contains("Emphysema"));
    let index = read(dir.path().join("index.html"));
    assert!(
        index.contains("5 publications by 2 people in 1 projects."),
        "{index}"
    );
}

#[test]
fn rebuild_is_byte_identical_and_writes_nothing() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let first = build(a.path(), "house");
    assert!(first.counts.written > 20);
    build(b.path(), "house");
    assert_eq!(tree(a.path()), tree(b.path()));
    let again = build(a.path(), "house");
    assert_eq!(again.counts.written, 0);
    assert_eq!(again.counts.unchanged, first.counts.written);
}

#[test]
fn csl_styles_render_authors_and_unknown_style_is_a_config_error() {
    for style in ["vancouver", "apa", "ieee"] {
        let dir = tempfile::tempdir().unwrap();
        build(dir.path(), style);
        let html = read(dir.path().join("publications/berg21/index.html"));
        let cite = html
            .split("<p class=\"citation\">")
            .nth(1)
            .unwrap()
            .split("</p>")
            .next()
            .unwrap();
        assert!(
            cite.contains("Berg") && cite.contains("Mensah"),
            "{style}: {cite}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let (bib, site) = world();
    let config = config(dir.path(), "no-such-style", None);
    let attribution = attribute::attribute_site(&bib, &site, &config);
    let err = render::build(&bib, &site, &attribution, &config).unwrap_err();
    assert!(err.to_string().contains("no-such-style"), "{err}");
    assert_eq!(err.exit_code() as i32, 3);
}
