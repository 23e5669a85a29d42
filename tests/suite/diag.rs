//! The `diag-pelican` output: the DIAG websites' JSON files and Markdown stubs.
//!
//! Inputs are built in code (publications, member pages, attributions) so these tests pin
//! the emitter alone; the end-to-end run through `publist build` is in `diag_cli_*`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use publist::attribute::{Attribution, Credit, Reason, Role};
use publist::bib::Bibliography;
use publist::commands::common::Inputs;
use publist::config::{Config, Overrides, RawConfig};
use publist::fsutil::WriteOutcome;
use publist::model::{Ids, Name, Person, Pmid, Publication};
use publist::render::diag::{self, DiagOptions};
use publist::site::Site;
use serde_json::Value;

fn name(given: &str, particle: &str, family: &str) -> Name {
    Name {
        given: given.into(),
        particle: particle.into(),
        family: family.into(),
        suffix: String::new(),
    }
}

#[allow(clippy::too_many_arguments)]
fn publication(
    key: &str,
    entry_type: &str,
    year: i32,
    month: Option<u8>,
    authors: Vec<Name>,
    fields: &[(&str, &str)],
) -> Publication {
    let fields: BTreeMap<String, String> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Publication {
        key: key.into(),
        entry_type: entry_type.into(),
        title: fields
            .get("title")
            .cloned()
            .unwrap_or_else(|| format!("Title of {key}")),
        authors,
        journal: fields.get("journal").cloned(),
        booktitle: fields.get("booktitle").cloned(),
        school: fields.get("school").cloned(),
        year: Some(year),
        month,
        abstract_text: fields.get("abstract").cloned(),
        citations: fields.get("gscites").and_then(|c| c.parse().ok()),
        ids: Ids {
            pmid: fields.get("pmid").and_then(|p| Pmid::parse(p)),
            ..Ids::default()
        },
        fields,
        ..Publication::default()
    }
}

fn person(slug: &str, name: &str, groups: &[&str]) -> Person {
    Person {
        slug: slug.into(),
        name: name.into(),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        show_publication_years: true,
        path: PathBuf::from(format!("members/{slug}.md")),
        ..Person::default()
    }
}

fn credit(key: &str, role: Role) -> Credit {
    Credit {
        key: key.into(),
        reason: Reason::Exact,
        confidence: 1.0,
        role,
        position: 0,
    }
}

/// A small group: two members in `diag`, one also in `retina`, one pathology member
/// without `groups:`, and publications with every field the DIAG files carry.
fn inputs() -> Inputs {
    let sanchez = name("Clara I.", "", "Sánchez");
    let ginneken = name("Bram", "van", "Ginneken");
    let laak = name("J. A. W. M.", "van der", "Laak");
    let publications = vec![
        publication(
            "Abas05",
            "article",
            2005,
            Some(8),
            vec![
                name("Daniel", "", "Abásolo"),
                sanchez.clone(),
                name("R.", "de la", "Rosa"),
            ],
            &[
                ("title", "Analysis of regularity in the EEG"),
                ("journal", "Clinical Neurophysiology"),
                ("year", "2005"),
                ("volume", "116"),
                ("number", "8"),
                ("pages", "1826--1834"),
                ("doi", "10.1016/j.clinph.2005.04.001"),
                ("pmid", "15979403"),
                ("month", "8"),
                ("gsid", "6548562133891070710"),
                ("gscites", "233"),
                ("optnote", "DIAG, RADIOLOGY"),
                ("file", "Abas05.pdf:pdf\\\\Abas05.pdf:PDF"),
                (
                    "abstract",
                    "We obtained 80\\% sensitivity.\nMETHODS: a = b and c=d.",
                ),
            ],
        ),
        publication(
            "Sanc19a",
            "article",
            2019,
            Some(3),
            vec![sanchez.clone(), ginneken.clone()],
            &[
                ("journal", "Radiology"),
                ("gscites", "12"),
                ("taverne_url", "https://repository.example/1"),
            ],
        ),
        publication(
            "Sanc19",
            "inproceedings",
            2019,
            Some(11),
            vec![sanchez.clone()],
            &[("booktitle", "MICCAI"), ("gscites", "40")],
        ),
        publication(
            "Ginn19b",
            "article",
            2019,
            None,
            vec![ginneken.clone()],
            &[
                ("journal", "arXiv:1903.03349"),
                ("url", "https://arxiv.org/abs/1903.03349"),
            ],
        ),
        publication(
            "Ginn19a",
            "article",
            2019,
            None,
            vec![ginneken.clone()],
            &[("journal", "Medical Image Analysis"), ("gscites", "40")],
        ),
        publication(
            "Adri11a",
            "phdthesis",
            2011,
            Some(4),
            vec![name("M. E. A. P. M.", "", "Adriaensen")],
            &[
                ("title", "Imaging in tuberous sclerosis complex"),
                ("school", "Utrecht University"),
                ("url", "http://igitur-archive.example/UUindex.html"),
                ("promotor", "B. van Ginneken"),
                ("copromotor", "C. I. Sánchez and B. A. Zonnenberg"),
            ],
        ),
        publication(
            "Laak20",
            "article",
            2020,
            Some(1),
            vec![laak],
            &[("journal", "Nature Medicine"), ("gscites", "500")],
        ),
        publication(
            "Othe21",
            "misc",
            2021,
            None,
            vec![name("Ann", "", "Other")],
            &[],
        ),
    ];
    let mut publications = publications;
    // The thesis lists its supervisors as names too.
    publications[5].promotors = vec![ginneken.clone()];
    publications[5].copromotors = vec![sanchez.clone(), name("B. A.", "", "Zonnenberg")];
    let mut bib = Bibliography {
        publications,
        ..Bibliography::default()
    };
    bib.reindex();

    let mut laak_page = person("jeroen-van-der-laak", "Jeroen van der Laak", &[]);
    laak_page
        .meta
        .push(("default_group".into(), "pathology".into()));
    let site = Site {
        people: vec![
            person("bram-van-ginneken", "Bram van Ginneken", &["diag"]),
            person("clarisa-sánchez", "Clarisa Sánchez", &["diag", "retina"]),
            laak_page,
            person("nobody-yet", "Nobody Yet", &["diag"]),
        ],
        ..Site::default()
    };
    let mut attribution = Attribution::default();
    attribution.by_person.insert(
        "clarisa-sánchez".into(),
        vec![
            credit("Abas05", Role::Author),
            credit("Sanc19a", Role::Author),
            credit("Sanc19", Role::Author),
            credit("Adri11a", Role::Copromotor),
        ],
    );
    attribution.by_person.insert(
        "bram-van-ginneken".into(),
        vec![
            credit("Sanc19a", Role::Author),
            credit("Ginn19b", Role::Author),
            credit("Ginn19a", Role::Author),
            credit("Adri11a", Role::Promotor),
        ],
    );
    attribution.by_person.insert(
        "jeroen-van-der-laak".into(),
        vec![credit("Laak20", Role::Author)],
    );
    for (slug, credits) in &attribution.by_person {
        for c in credits {
            attribution
                .by_key
                .entry(c.key.to_lowercase())
                .or_default()
                .push(slug.clone());
        }
    }
    let config = Config::from_raw(
        RawConfig::default(),
        None,
        Path::new(""),
        &Overrides::default(),
    )
    .expect("default config");
    Inputs {
        config,
        bib,
        site,
        attribution,
    }
}

fn sites(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file under `dir`, relative path → bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// A fresh `<tmp>/content` folder; the `website-<site>/` folders go next to it.
fn content_dir() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let content = tmp.path().join("content");
    std::fs::create_dir_all(content.join("images/theses")).unwrap();
    std::fs::write(content.join("images/theses/Adri11a.png"), b"png").unwrap();
    (tmp, content)
}

/// The JSON types of `bibitems_example.json`'s fields (what the DIAG templates rely on).
fn expected_type(field: &str) -> &'static str {
    match field {
        "author" => "list",
        "year" | "pmidnumber" => "int",
        _ => "string",
    }
}

fn type_of(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "string",
        Value::Number(n) if n.is_i64() => "int",
        Value::Array(_) => "list",
        _ => "other",
    }
}

#[test]
fn diag_bibitems_have_the_documented_fields_and_types() {
    let inputs = inputs();
    let (_tmp, content) = content_dir();
    diag::emit(
        &inputs,
        &sites(&["diag"]),
        &content,
        &DiagOptions::default(),
    )
    .unwrap();
    let items = read_json(&content.join("bibitems_diag.json"));
    let items = items.as_object().unwrap();
    let keys: Vec<&str> = items.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["abas05", "adri11a", "ginn19a", "ginn19b", "laak20", "othe21", "sanc19", "sanc19a"],
        "every publication, keyed by the lowercased bib key"
    );
    for (key, item) in items {
        for (field, value) in item.as_object().unwrap() {
            assert_eq!(
                type_of(value),
                expected_type(field),
                "{key}.{field} = {value}"
            );
        }
        for author in item["author"].as_array().unwrap() {
            let parts = author.as_array().unwrap();
            assert_eq!(parts.len(), 4, "{key}: [first, von, last, jr]");
            assert!(parts.iter().all(Value::is_string));
        }
        for field in [
            "type",
            "authors",
            "coverpng",
            "pmidnumber",
            "pubinfo",
            "cover_exists",
            "title",
            "year",
        ] {
            assert!(item.get(field).is_some(), "{key} lacks {field}");
        }
    }
    let abas = &items["abas05"];
    assert_eq!(
        abas["author"][1],
        serde_json::json!(["Clara I.", "", "Sánchez", ""])
    );
    assert_eq!(
        abas["author"][2],
        serde_json::json!(["R.", "de la", "Rosa", ""])
    );
    assert_eq!(
        abas["authors"],
        "D. Abásolo, C. I. Sánchez and R. de la Rosa"
    );
    assert_eq!(abas["year"], 2005);
    assert_eq!(abas["month"], "8");
    assert_eq!(abas["volume"], "116");
    assert_eq!(abas["number"], "8");
    assert_eq!(abas["pages"], "1826--1834");
    assert_eq!(abas["pubinfo"], "2005;116(8):1826-1834");
    assert_eq!(abas["doi"], "https://doi.org/10.1016/j.clinph.2005.04.001");
    assert_eq!(abas["pmid"], "http://www.ncbi.nlm.nih.gov/pubmed/15979403");
    assert_eq!(abas["pmidnumber"], 15979403);
    assert_eq!(
        abas["gsid"],
        "https://scholar.google.com/scholar?cites=6548562133891070710"
    );
    assert_eq!(abas["gscites"], "233");
    assert_eq!(abas["optnote"], "DIAG, RADIOLOGY");
    assert_eq!(abas["file"], "Abas05.pdf:pdf\\\\Abas05.pdf:PDF");
    assert_eq!(abas["type"], "article");
    assert_eq!(abas["coverpng"], "Abas05.png");
    assert_eq!(abas["cover_exists"], "False");
    assert_eq!(
        abas["abstract"],
        "We obtained 80% sensitivity.\nMETHODS: a = b and c=d."
    );
    assert!(abas.get("url_type").is_none(), "no url, no url_type");
    assert!(
        abas.get("a").is_none() && abas.get("c").is_none(),
        "no bogus fields from `=`"
    );

    let thesis = &items["adri11a"];
    assert_eq!(thesis["type"], "phdthesis");
    assert_eq!(thesis["journal"], "PhD thesis");
    assert_eq!(thesis["cover_exists"], "True");
    assert_eq!(thesis["promotor"], "B. van Ginneken");
    assert_eq!(thesis["copromotor"], "C. I. Sánchez and B. A. Zonnenberg");
    assert_eq!(thesis["authors"], "M. E. A. P. M. Adriaensen");
    assert_eq!(thesis["pmidnumber"], -1);
    assert_eq!(thesis["url_type"], "Url");
    assert_eq!(thesis["pubinfo"], "2011");

    assert_eq!(items["ginn19b"]["type"], "preprint");
    assert_eq!(items["ginn19b"]["url_type"], "arXiv");
    assert_eq!(
        items["sanc19a"]["taverne_url"],
        "https://repository.example/1"
    );
    assert_eq!(items["sanc19"]["booktitle"], "MICCAI");
}

#[test]
fn diag_authorkeys_and_groupkeys_have_the_documented_shape_and_order() {
    let inputs = inputs();
    let (_tmp, content) = content_dir();
    let report = diag::emit(
        &inputs,
        &sites(&["diag"]),
        &content,
        &DiagOptions::default(),
    )
    .unwrap();
    let authors = read_json(&content.join("authorkeys_diag.json"));
    let slugs: Vec<&String> = authors.as_object().unwrap().keys().collect();
    // nobody-yet has no publications; jeroen-van-der-laak has no groups and a pathology default.
    assert_eq!(slugs, ["bram-van-ginneken", "clarisa-sánchez"]);
    let clarisa = &authors["clarisa-sánchez"];
    // Within a year: by month, newest first (Sanc19 in November before Sanc19a in March).
    assert_eq!(clarisa["2019"], serde_json::json!(["sanc19", "sanc19a"]));
    assert_eq!(clarisa["2005"], serde_json::json!(["abas05"]));
    // A thesis a member supervised is on their list.
    assert_eq!(clarisa["2011"], serde_json::json!(["adri11a"]));
    assert_eq!(clarisa["__years__"], serde_json::json!([2019, 2011, 2005]));
    assert_eq!(
        clarisa["__types__"],
        serde_json::json!(["article", "inproceedings", "phdthesis"])
    );
    let bram = &authors["bram-van-ginneken"];
    // Known month first, then unknown months by key.
    assert_eq!(
        bram["2019"],
        serde_json::json!(["sanc19a", "ginn19a", "ginn19b"])
    );
    assert_eq!(
        bram["__types__"],
        serde_json::json!(["article", "preprint", "phdthesis"])
    );

    let groups = read_json(&content.join("groupkeys_diag.json"));
    let names: Vec<&String> = groups.as_object().unwrap().keys().collect();
    assert_eq!(names, ["diag", "retina"]);
    // Every publication in every group, as DIAG does today.
    assert_eq!(
        groups["diag"]["__years__"],
        serde_json::json!([2021, 2020, 2019, 2011, 2005])
    );
    assert_eq!(groups["retina"]["2020"], serde_json::json!(["laak20"]));
    assert_eq!(report.sites[0].publications, 8);
    assert_eq!(report.sites[0].members, 2);
    assert!(
        report
            .diagnostics
            .iter()
            .any(|d| d.code == "diag-member-without-groups"
                && d.key.as_deref() == Some("jeroen-van-der-laak")),
        "{:?}",
        report.diagnostics
    );
}

#[test]
fn diag_only_members_works_when_configured() {
    let inputs = inputs();
    let (_tmp, content) = content_dir();
    let options = DiagOptions {
        all_publications: false,
        ..DiagOptions::default()
    };
    diag::emit(&inputs, &sites(&["diag", "pathology"]), &content, &options).unwrap();
    let diag_items = read_json(&content.join("bibitems_diag.json"));
    let keys: Vec<&String> = diag_items.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["abas05", "adri11a", "ginn19a", "ginn19b", "sanc19", "sanc19a"]
    );
    let groups = read_json(&content.join("groupkeys_diag.json"));
    assert_eq!(
        groups["retina"]["__years__"],
        serde_json::json!([2019, 2011, 2005])
    );
    // A member without `groups:` lands in their `default_group`.
    let path_items = read_json(&content.join("bibitems_pathology.json"));
    let keys: Vec<&String> = path_items.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["laak20"]);
    let path_authors = read_json(&content.join("authorkeys_pathology.json"));
    assert_eq!(
        path_authors["jeroen-van-der-laak"]["2020"],
        serde_json::json!(["laak20"])
    );
    assert!(
        !content.join("pages/publications/othe21.md").exists(),
        "not shown on any site"
    );
}

#[test]
fn diag_publication_stubs_follow_the_example_with_its_defects_fixed() {
    let inputs = inputs();
    let (_tmp, content) = content_dir();
    diag::emit(
        &inputs,
        &sites(&["diag"]),
        &content,
        &DiagOptions::default(),
    )
    .unwrap();
    let stub = read(&content.join("pages/publications/abas05.md"));
    assert_eq!(
        stub,
        "title: Analysis of regularity in the EEG\n\
         authors: D. Abásolo, C. I. Sánchez and R. de la Rosa\n\
         has_pdf: True \n\
         bibkey: abas05\n\
         groups: diag,retina\n\
         booktitle: NA \n\
         year: 2005\n\
         doi: https://doi.org/10.1016/j.clinph.2005.04.001\n\
         template: publication\n\
         diag_authors: clarisa-sánchez\n\
         journal: Clinical Neurophysiology\n\
         \n\
         We obtained 80% sensitivity.\n\
         METHODS: a = b and c=d.\n"
    );
    let joint = read(&content.join("pages/publications/sanc19a.md"));
    assert!(
        joint.contains("\ndiag_authors: bram-van-ginneken,clarisa-sánchez\n"),
        "{joint}"
    );
    assert!(joint.contains("\nhas_pdf: False \n"), "{joint}");
    let thesis = read(&content.join("pages/publications/adri11a.md"));
    assert!(
        thesis.contains("\ntemplate: publication-thesis\n"),
        "{thesis}"
    );
    assert!(thesis.contains("\ncoverpng: Adri11a.png\npromotor: B. van Ginneken\ncopromotor: C. I. Sánchez and B. A. Zonnenberg\nschool: Utrecht University\noptmonth: 4\nurlweb: http://igitur-archive.example/UUindex.html\n"), "{thesis}");
    // Publications without a member are in every site of the run.
    let other = read(&content.join("pages/publications/othe21.md"));
    assert!(
        other.contains("\ngroups: diag\n") && other.contains("\ndiag_authors: \n"),
        "{other}"
    );
}

#[test]
fn diag_member_and_group_stubs_are_where_the_templates_look() {
    let inputs = inputs();
    let (tmp, content) = content_dir();
    diag::emit(
        &inputs,
        &sites(&["diag", "pathology"]),
        &content,
        &DiagOptions::default(),
    )
    .unwrap();
    let pages = tmp.path().join("website-diag/content/pages");
    let clarisa = pages.join("publications/clarisa-sánchez");
    assert_eq!(
        read(&clarisa.join("2019.md")),
        "main_title: Publications of Clarisa Sánchez\ntemplate: publications-author\n\
         author: clarisa-sánchez\nauthor_name: Clarisa Sánchez\ngroups: diag,retina\ntitle: 2019\n"
    );
    assert!(read(&clarisa.join("2012-and-before.md")).ends_with("title: 2012 and before\n"));
    assert!(read(&clarisa.join("all-years.md")).ends_with("title: All Years\n"));
    assert!(read(&pages.join("publications/clarisa-sánchez.md"))
        .ends_with("title: Publications of Clarisa Sánchez\n"));
    assert!(
        !clarisa.join("2005.md").exists(),
        "years up to 2012 share one page"
    );
    let bram = pages.join("publications/bram-van-ginneken");
    assert!(bram.join("2019.md").exists());
    assert!(
        bram.join("2012-and-before.md").exists(),
        "the 2011 thesis he supervised"
    );
    assert!(
        !tmp.path()
            .join("website-pathology/content/pages/publications/jeroen-van-der-laak/2012-and-before.md")
            .exists(),
        "no early work, no early page"
    );
    assert!(
        !pages.join("publications/jeroen-van-der-laak").exists(),
        "pathology member"
    );
    assert!(tmp
        .path()
        .join("website-pathology/content/pages/publications/jeroen-van-der-laak/2020.md")
        .exists());

    assert_eq!(
        read(&pages.join("publications/2019.md")),
        "main_title: Publications\ntemplate: publications\ntitle: 2019\n"
    );
    assert!(read(&pages.join("publications.md")).ends_with("title: Publications\n"));
    assert!(pages.join("publications/2012-and-before.md").exists());
    assert!(pages.join("publications/all-years.md").exists());
    // Top by gscites, ties by key.
    assert_eq!(
        read(&pages.join("publications/most-cited.md")),
        "main_title: Publications\ntemplate: publications\ntitle: Most cited\n\
         bibkeys: laak20,abas05,ginn19a,sanc19,sanc19a\n"
    );
    let small = DiagOptions {
        most_cited: 2,
        ..DiagOptions::default()
    };
    diag::emit(&inputs, &sites(&["diag"]), &content, &small).unwrap();
    assert!(read(&pages.join("publications/most-cited.md")).ends_with("bibkeys: laak20,abas05\n"));
}

#[test]
fn diag_output_is_deterministic_and_rewrites_only_what_changed() {
    let (_a, first) = content_dir();
    let (_b, second) = content_dir();
    let all = sites(&["diag", "retina", "pathology"]);
    let r1 = diag::emit(&inputs(), &all, &first, &DiagOptions::default()).unwrap();
    diag::emit(&inputs(), &all, &second, &DiagOptions::default()).unwrap();
    let t1 = tree(first.parent().unwrap());
    assert_eq!(t1, tree(second.parent().unwrap()), "two runs, same bytes");
    assert_eq!(r1.unchanged, 0);
    assert_eq!(r1.written, r1.files.len());

    let again = diag::emit(&inputs(), &all, &first, &DiagOptions::default()).unwrap();
    assert_eq!(again.written, 0, "{:?}", again.files);
    assert_eq!(again.unchanged, r1.written);

    let mut changed = inputs();
    changed.bib.publications[1].title = "A corrected title".into();
    let third = diag::emit(&changed, &all, &first, &DiagOptions::default()).unwrap();
    let written: Vec<String> = third
        .files
        .iter()
        .filter(|(_, o)| *o == WriteOutcome::Written)
        .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        written,
        [
            "bibitems_diag.json",
            "bibitems_pathology.json",
            "bibitems_retina.json",
            "sanc19a.md"
        ],
        "only the files that show the title"
    );
}

#[test]
fn diag_rejects_site_names_that_are_not_file_names() {
    let (_tmp, content) = content_dir();
    for bad in ["../x", "", "a/b"] {
        let err =
            diag::emit(&inputs(), &sites(&[bad]), &content, &DiagOptions::default()).unwrap_err();
        assert!(err.to_string().contains("site"), "{err}");
    }
    let err = diag::emit(&inputs(), &[], &content, &DiagOptions::default()).unwrap_err();
    assert!(err.to_string().contains("--site"), "{err}");
}

#[test]
fn diag_members_are_keyed_by_name_and_duplicate_pages_fold_into_one() {
    let mut inputs = inputs();
    // The same person under a second file name, and a page whose file name has no accent.
    inputs.site.people.push(person(
        "clarisa-sanchez",
        "Clarisa Sánchez",
        &["diag", "cara-lab"],
    ));
    inputs.attribution.duplicates = vec![vec!["clarisa-sánchez".into(), "clarisa-sanchez".into()]];
    inputs
        .site
        .people
        .push(person("dre-peeters", "Dré  Peeters", &["diag"]));
    inputs
        .attribution
        .by_person
        .insert("dre-peeters".into(), vec![credit("Othe21", Role::Author)]);
    let (tmp, content) = content_dir();
    diag::emit(
        &inputs,
        &sites(&["diag"]),
        &content,
        &DiagOptions::default(),
    )
    .unwrap();
    let authors = read_json(&content.join("authorkeys_diag.json"));
    let slugs: Vec<&String> = authors.as_object().unwrap().keys().collect();
    assert_eq!(
        slugs,
        ["bram-van-ginneken", "clarisa-sánchez", "dré-peeters"]
    );
    assert_eq!(
        authors["clarisa-sánchez"]["2019"],
        serde_json::json!(["sanc19", "sanc19a"])
    );
    let stub = read(&content.join("pages/publications/othe21.md"));
    assert!(stub.contains("\ndiag_authors: dré-peeters\n"), "{stub}");
    let pages = tmp.path().join("website-diag/content/pages/publications");
    let member = read(&pages.join("clarisa-sánchez/2019.md"));
    assert!(
        member.contains("\ngroups: diag,cara-lab,retina\n"),
        "{member}"
    );
    assert!(read(&pages.join("dré-peeters/2021.md"))
        .starts_with("main_title: Publications of Dré Peeters\n"));
    assert!(
        !pages.join("clarisa-sanchez").exists(),
        "one member, one set of pages"
    );
}

#[test]
fn diag_build_hook_runs_only_when_asked_and_takes_sites_from_flags_or_config() {
    let (_tmp, content) = content_dir();
    let mut inputs = inputs();
    assert!(diag::emit_for_build(&inputs, &[], &[], Some(&content))
        .unwrap()
        .is_none());
    assert!(!content.join("bibitems_diag.json").exists());

    let emit = vec![diag::FLAVOUR.to_string()];
    let err = diag::emit_for_build(&inputs, &emit, &sites(&["diag"]), None).unwrap_err();
    assert!(err.to_string().contains("--content"), "{err}");

    let report = diag::emit_for_build(&inputs, &emit, &sites(&["retina"]), Some(&content))
        .unwrap()
        .unwrap();
    assert_eq!(report.sites[0].site, "retina");
    assert!(content.join("bibitems_retina.json").exists());

    // From the config alone: `[output] emit`, `[diag] sites` and `[diag] content`.
    inputs.config.emit = emit.clone();
    inputs.config.diag_sites = sites(&["diag", "pathology"]);
    inputs.config.diag_content = Some(content.clone());
    inputs.config.diag_all_publications = false;
    let report = diag::emit_for_build(&inputs, &[], &[], None)
        .unwrap()
        .unwrap();
    let names: Vec<&str> = report.sites.iter().map(|s| s.site.as_str()).collect();
    assert_eq!(names, ["diag", "pathology"]);
    assert_eq!(
        report.sites[1].publications, 1,
        "only members' works when configured"
    );
}

/// Copies `tests/fixtures/diag` into a fresh folder.
fn fixture_site() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let src = crate::support::fixture("diag");
    for entry in walkdir::WalkDir::new(&src)
        .into_iter()
        .filter_map(Result::ok)
    {
        let rel = entry.path().strip_prefix(&src).unwrap();
        let dst = tmp.path().join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dst).unwrap();
        } else {
            std::fs::copy(entry.path(), &dst).unwrap();
        }
    }
    tmp
}

const BUILD: &[&str] = &[
    "build",
    "--bib",
    "content/strings.bib",
    "--bib",
    "content/lab.bib",
    "--people",
    "content/pages/members",
    "--out",
    "out",
    "--emit",
    "diag-pelican",
    "--site",
    "diag",
    "--site",
    "pathology",
    "--content",
    "content",
];

#[test]
fn diag_cli_build_writes_every_site_from_a_bib_and_member_pages() {
    let site = fixture_site();
    let out = crate::support::publist(site.path(), BUILD);
    let err = crate::support::stderr(&out);
    assert!(matches!(out.status.code(), Some(0) | Some(2)), "{err}");
    let content = site.path().join("content");
    let items = read_json(&content.join("bibitems_diag.json"));
    let vos = &items["vos21"];
    assert_eq!(
        vos["journal"], "Radiology",
        "macros resolved through two levels"
    );
    assert_eq!(vos["authors"], "A. M. Vos, P. de Wit and H. Müller");
    assert_eq!(vos["pubinfo"], "2021;298(2):410-418");
    assert_eq!(vos["pmidnumber"], 33200000);
    assert_eq!(
        vos["abstract"],
        "We reached 90% sensitivity. METHODS: threshold = 0.5 was used."
    );
    assert_eq!(items["vos12"]["cover_exists"], "True");
    assert_eq!(items["vos12"]["copromotor"], "H. Müller");
    assert_eq!(items["mull20"]["type"], "preprint");
    assert!(
        items.get("othe19").is_some(),
        "every publication in every site by default"
    );

    let authors = read_json(&content.join("authorkeys_diag.json"));
    assert_eq!(
        authors["anna-vos"]["2021"],
        serde_json::json!(["wit21", "vos21"])
    );
    assert_eq!(
        authors["pieter-de-wit"]["__years__"],
        serde_json::json!([2021, 2020, 2012])
    );
    let pathology = read_json(&content.join("authorkeys_pathology.json"));
    assert_eq!(
        pathology["hanna-müller"]["__years__"],
        serde_json::json!([2021, 2020, 2012])
    );
    assert!(
        err.contains("hanna-muller") && err.contains("groups"),
        "warned: {err}"
    );

    let stub = read(&content.join("pages/publications/vos21.md"));
    assert!(
        stub.contains("\ndiag_authors: anna-vos,hanna-müller,pieter-de-wit\n"),
        "{stub}"
    );
    assert!(
        stub.ends_with("\n\nWe reached 90% sensitivity. METHODS: threshold = 0.5 was used.\n"),
        "{stub}"
    );
    let member = site
        .path()
        .join("website-diag/content/pages/publications/anna-vos/2021.md");
    assert!(read(&member).starts_with("main_title: Publications of Anna Vos\n"));

    // A second run changes nothing.
    let again = crate::support::publist(site.path(), BUILD);
    let err = crate::support::stderr(&again);
    assert!(err.contains("diag-pelican: 0 files written"), "{err}");
}
