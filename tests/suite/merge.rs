//! Merge stage through the binary: `enrich`, `discover` and `apply` on the fixture group
//! (`tests/fixtures/merge/`), with a store filled with constructed service answers, offline.

use std::path::{Path, PathBuf};

use publist::model::{ArxivId, Candidate, CandidateAuthor, Doi, Kind, Name, Pmcid, Pmid, Service};
use publist::store::{BatchRecord, LookupResult, Store};

use crate::support::{publist, stderr, stdout};

/// Copies the fixture folder into a temp dir.
pub fn fixture_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("group");
    copy_dir(&crate::support::fixture("merge"), &dir);
    (tmp, dir)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn name(given: &str, family: &str) -> Name {
    Name {
        given: given.into(),
        family: family.into(),
        ..Name::default()
    }
}

fn author(given: &str, family: &str) -> CandidateAuthor {
    CandidateAuthor {
        name: name(given, family),
        orcid: None,
    }
}

fn cand(service: Service, title: &str, year: i32, authors: Vec<CandidateAuthor>) -> Candidate {
    Candidate {
        source: Some(service),
        retrieved: "2026-12-01T08:00:00Z".into(),
        title: title.into(),
        year: Some(year),
        authors,
        kind: Some(Kind::Article),
        ..Candidate::default()
    }
}

fn with_doi(mut c: Candidate, doi: &str) -> Candidate {
    c.ids.doi = Doi::parse(doi);
    c
}

fn record(store: &Store, service: Service, lookup: &str, kind: &str, candidates: Vec<Candidate>) {
    store
        .record(
            service,
            1_764_576_000,
            &BatchRecord {
                responses: Vec::new(),
                lookups: vec![LookupResult {
                    lookup: lookup.into(),
                    kind: kind.into(),
                    candidates,
                }],
            },
        )
        .expect("record");
}

/// What the services "answered" about the group's bib entries.
pub fn fill_work_answers(store: &Store) {
    let vg = || author("B.", "van Ginneken");
    let cs = || author("C. I.", "Sánchez");
    // Ginn15 has no id: Crossref and PubMed find it by title.
    let mut ginn = with_doi(
        cand(
            Service::Crossref,
            "Automatic Rib Suppression in Chest Radiographs with a Trained Regression Network",
            2015,
            vec![vg(), cs()],
        ),
        "10.1016/j.media.2015.04.011",
    );
    ginn.volume = Some("24".into());
    ginn.issue = Some("1".into());
    record(
        store,
        Service::Crossref,
        "search:ginn15",
        "search",
        vec![ginn],
    );
    let mut ginn_pm = cand(
        Service::Pubmed,
        "Automatic rib suppression in chest radiographs with a trained regression network.",
        2015,
        vec![vg(), cs()],
    );
    ginn_pm.ids.pmid = Some(Pmid(25900001));
    record(
        store,
        Service::Pubmed,
        "search:ginn15",
        "search",
        vec![ginn_pm],
    );
    // Hoog17: PubMed knows its PMID and PMCID through the DOI.
    let mut hoog = with_doi(
        cand(
            Service::Pubmed,
            "Emphysema quantification on low-dose CT: a multi-center validation.",
            2017,
            vec![author("L.", "Hoogeveen"), vg()],
        ),
        "10.1148/radiol.2017160001",
    );
    hoog.ids.pmid = Some(Pmid(28000001));
    hoog.ids.pmcid = Pmcid::parse("PMC5550001");
    record(
        store,
        Service::Pubmed,
        "doi:10.1148/radiol.2017160001",
        "work",
        vec![hoog],
    );
    // Planted conflict: Crossref gives Sanc19a's title another DOI.
    let conflict = with_doi(
        cand(
            Service::Crossref,
            "Exudate detection in retinal images with a bag of visual words",
            2019,
            vec![cs(), author("L.", "Hoogeveen")],
        ),
        "10.1016/j.media.2019.01.005",
    );
    record(
        store,
        Service::Crossref,
        "search:sanc19a",
        "search",
        vec![conflict],
    );
    // Lock19 is protected.
    let locked = with_doi(
        cand(
            Service::Crossref,
            "A protected entry that enrichment must not touch",
            2019,
            vec![cs(), author("L.", "Hoogeveen")],
        ),
        "10.1016/j.media.2019.02.002",
    );
    record(
        store,
        Service::Crossref,
        "search:lock19",
        "search",
        vec![locked],
    );
    // arXiv gives the preprint Sanc18 its published DOI, which Sanc19 holds: never copied.
    let mut preprint = with_doi(
        cand(
            Service::Arxiv,
            "Deep learning for referable diabetic retinopathy in fundus photographs",
            2018,
            vec![cs(), vg()],
        ),
        "10.1016/j.ophtha.2019.05.001",
    );
    preprint.ids.arxiv = ArxivId::parse("1806.01234");
    preprint.kind = Some(Kind::Preprint);
    preprint.venue = Some("arXiv".into());
    record(
        store,
        Service::Arxiv,
        "arxiv:1806.01234",
        "work",
        vec![preprint],
    );
    // Meij22 in the CRLF, aligned lab.bib.
    let meij = with_doi(
        cand(
            Service::Crossref,
            "Lung nodule follow-up recommendations with deep learning",
            2022,
            vec![author("A.", "Meijer"), vg()],
        ),
        "10.1007/s00330-022-08888-1",
    );
    record(
        store,
        Service::Crossref,
        "search:meij22",
        "search",
        vec![meij],
    );
}

/// What the services list under Clara Sánchez's ids: one planted case of every decision.
pub fn fill_person_answers(store: &Store) {
    let cs = || author("Clara I.", "Sánchez");
    let vg = || author("Bram", "van Ginneken");
    let mut works = Vec::new();
    let mut new = with_doi(
        cand(
            Service::SemanticScholar,
            "Vessel tortuosity measurement in retinal fundus images",
            2020,
            vec![cs(), vg(), author("L.", "Hoogeveen")],
        ),
        "10.1000/new.2020.1",
    );
    new.venue = Some("Medical Image Analysis".into());
    new.volume = Some("61".into());
    new.pages = Some("101650".into());
    new.ids.s2 = vec!["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".into()];
    works.push(new);
    works.push(with_doi(
        cand(
            Service::SemanticScholar,
            "Retinal layer segmentation in OCT",
            2021,
            vec![author("F.", "Venhuizen"), cs()],
        ),
        "10.1016/J.MEDIA.2021.102020",
    ));
    works.push(cand(
        Service::SemanticScholar,
        "Exudate Detection in Retinal Images with a Bag of Visual Words.",
        2019,
        vec![cs(), author("L.", "Hoogeveen")],
    ));
    let mut preprint = cand(
        Service::SemanticScholar,
        "Screening for diabetic retinopathy with artificial intelligence in primary care",
        2019,
        vec![cs(), vg()],
    );
    preprint.ids.arxiv = ArxivId::parse("1912.05555");
    preprint.venue = Some("arXiv".into());
    preprint.kind = Some(Kind::Preprint);
    works.push(preprint);
    works.push(with_doi(
        cand(
            Service::SemanticScholar,
            "Optic disc detection in fundus images",
            2005,
            vec![cs()],
        ),
        "10.1000/old.2005.1",
    ));
    works.push(with_doi(
        cand(
            Service::SemanticScholar,
            "A paper we rejected before",
            2019,
            vec![cs()],
        ),
        "10.9999/ignored.2019.1",
    ));
    works.push(with_doi(
        cand(
            Service::SemanticScholar,
            "Soil microbiome of the high Andes",
            2016,
            vec![author("Pedro", "Sánchez")],
        ),
        "10.1000/soil.2016.1",
    ));
    works.push(with_doi(
        cand(
            Service::SemanticScholar,
            "Correction to: Vessel width in retinal images",
            2018,
            vec![cs()],
        ),
        "10.1000/corr.2018.1",
    ));
    works.push(with_doi(
        cand(
            Service::SemanticScholar,
            "Automatic rib suppression in chest radiographs using a trained regression network",
            2012,
            vec![author("B.", "van Ginneken"), cs()],
        ),
        "10.1000/ribs.2012.1",
    ));
    record(
        store,
        Service::SemanticScholar,
        "s2-author:1111111",
        "person",
        works,
    );
    store
        .link_person(
            "clara-sanchez",
            Service::SemanticScholar,
            "s2-author:1111111",
        )
        .expect("link");
}

pub fn store_in(dir: &Path) -> Store {
    Store::open(&dir.join("store.sqlite")).expect("open store")
}

pub fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec![args[0], "--config", "publist.toml"];
    all.extend_from_slice(&args[1..]);
    all.push("--offline");
    publist(dir, &all)
}

#[test]
fn enrich_adds_expected_ids_reports_conflicts_and_duplicates() {
    let (_tmp, dir) = fixture_copy();
    fill_work_answers(&store_in(&dir));
    let before = std::fs::read(dir.join("bib/group.bib")).unwrap();
    let out = run(&dir, &["enrich"]);
    let (diff, err) = (stdout(&out), stderr(&out));
    assert!(out.status.success(), "{err}");
    // Without --write nothing is written.
    assert_eq!(std::fs::read(dir.join("bib/group.bib")).unwrap(), before);
    for line in [
        "+  doi = {10.1016/j.media.2015.04.011},",
        "+  number = {1},",
        "+  pmid = {25900001},",
        "+  pmid = {28000001},",
        "+  pmcid = {PMC5550001},",
    ] {
        assert!(diff.contains(line), "missing {line:?} in\n{diff}");
    }
    // The conflict is reported, not applied; the protected entry and the preprint are untouched.
    assert!(!diff.contains("10.1016/j.media.2019.01.005"), "{diff}");
    assert!(
        err.contains("merge-conflict") && err.contains("10.1016/j.media.2019.01.005"),
        "{err}"
    );
    assert!(!diff.contains("10.1016/j.media.2019.02.002"), "{diff}");
    assert!(err.contains("protected"), "{err}");
    assert_eq!(
        diff.matches("10.1016/j.ophtha.2019.05.001").count(),
        0,
        "{diff}"
    );
    // Planted duplicates: same DOI under Venh21/Venh21b, same title and year under Venh21/Venh21a.
    assert!(
        err.contains("`Venh21` and `Venh21a` look like the same work"),
        "{err}"
    );
    assert!(
        err.contains("`Venh21` and `Venh21b` look like the same work"),
        "{err}"
    );
    // Preprint and published version: related, not a duplicate; abstract and article: neither.
    assert!(err.contains("related: `Sanc18` and `Sanc19`"), "{err}");
    assert!(!err.contains("`Sanc18` and `Sanc19` look like"), "{err}");
    assert!(!err.contains("`Sanc20` and `Sanc20a`"), "{err}");
}

#[test]
fn enrich_write_touches_only_field_lines_and_keeps_crlf_and_alignment() {
    let (_tmp, dir) = fixture_copy();
    fill_work_answers(&store_in(&dir));
    let group_before = std::fs::read_to_string(dir.join("bib/group.bib")).unwrap();
    let out = run(&dir, &["enrich", "--write"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let group_after = std::fs::read_to_string(dir.join("bib/group.bib")).unwrap();
    let diff = similar::TextDiff::from_lines(&group_before, &group_after);
    let field = regex::Regex::new(r"^  [a-z0-9_]+ = \{[^{}]*\},$").unwrap();
    let mut added = 0;
    for change in diff.iter_all_changes() {
        let line = change.value().trim_end_matches('\n');
        match change.tag() {
            similar::ChangeTag::Equal => {}
            similar::ChangeTag::Delete => panic!("a line was removed: {line:?}"),
            similar::ChangeTag::Insert => {
                added += 1;
                assert!(field.is_match(line), "not a field line: {line:?}");
            }
        }
    }
    assert_eq!(added, 5, "{}", stdout(&out));
    let lab = std::fs::read_to_string(dir.join("bib/lab.bib")).unwrap();
    assert!(
        lab.contains("  year     = {2022},\r\n  doi      = {10.1007/s00330-022-08888-1},\r\n}\r\n"),
        "{lab:?}"
    );
    // A second run has nothing to add and leaves every byte alone.
    let (g, l) = (
        std::fs::read(dir.join("bib/group.bib")).unwrap(),
        lab.into_bytes(),
    );
    let again = run(&dir, &["enrich", "--write"]);
    assert!(again.status.success());
    assert!(stdout(&again).is_empty());
    assert_eq!(std::fs::read(dir.join("bib/group.bib")).unwrap(), g);
    assert_eq!(std::fs::read(dir.join("bib/lab.bib")).unwrap(), l);
}

#[test]
fn enrich_with_nothing_to_add_leaves_bytes_identical() {
    let (_tmp, dir) = fixture_copy();
    let _ = store_in(&dir);
    let before: Vec<Vec<u8>> = ["bib/group.bib", "bib/lab.bib"]
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap())
        .collect();
    let out = run(&dir, &["enrich", "--write"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let after: Vec<Vec<u8>> = ["bib/group.bib", "bib/lab.bib"]
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap())
        .collect();
    assert_eq!(before, after);
}

#[test]
fn discover_classifies_every_planted_case() {
    let (_tmp, dir) = fixture_copy();
    fill_person_answers(&store_in(&dir));
    let out = run(
        &dir,
        &["discover", "--format", "json", "--person", "clara-sanchez"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    let items = v["people"][0]["items"].as_array().expect("items");
    assert_eq!(v["people"][0]["slug"], "clara-sanchez");
    let find = |t: &str| {
        items
            .iter()
            .find(|i| i["title"].as_str().is_some_and(|x| x.starts_with(t)))
            .unwrap_or_else(|| panic!("{t} not listed: {items:#?}"))
    };
    let cases = [
        ("Vessel tortuosity", "new", None),
        (
            "Retinal layer segmentation in OCT",
            "present",
            Some("Venh21"),
        ),
        ("Exudate Detection", "present", Some("Sanc19a")),
        (
            "Screening for diabetic retinopathy",
            "preprint-of",
            Some("Sanc20a"),
        ),
        ("Optic disc detection", "outside-active-years", None),
        ("A paper we rejected", "ignored", None),
        ("Soil microbiome", "namesake", None),
        ("Correction to", "not-a-publication", None),
        (
            "Automatic rib suppression",
            "likely-duplicate",
            Some("Ginn15"),
        ),
    ];
    for (title, decision, key) in cases {
        let item = find(title);
        assert_eq!(item["decision"], decision, "{title}: {item}");
        assert_eq!(item["key"].as_str(), key, "{title}");
        let evidence: Vec<&str> = item["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e.as_str())
            .collect();
        assert!(evidence.len() >= 4, "{title}: {evidence:?}");
        for ids_key in ["doi", "pmid", "arxiv", "s2", "openalex"] {
            assert!(item["ids"].get(ids_key).is_some(), "{title}: ids.{ids_key}");
        }
    }
    let new = find("Vessel tortuosity");
    let ev: Vec<&str> = new["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e.as_str())
        .collect();
    assert!(
        ev.contains(&"group co-authors: bram-van-ginneken"),
        "{ev:?}"
    );
    assert!(
        ev.contains(&"year 2020 is inside the active years 2008-2022"),
        "{ev:?}"
    );
    assert_eq!(items.len(), cases.len());
}

#[test]
fn apply_adds_house_style_entries_once_and_ignores_rejects() {
    let (_tmp, dir) = fixture_copy();
    fill_person_answers(&store_in(&dir));
    let out = run(
        &dir,
        &["discover", "--person", "clara-sanchez", "-o", "review.md"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let review = std::fs::read_to_string(dir.join("review.md")).unwrap();
    let review = review
        .replacen("- [ ] **Vessel tortuosity", "- [x] **Vessel tortuosity", 1)
        .replacen("- [ ] **Soil microbiome", "- [-] **Soil microbiome", 1);
    std::fs::write(dir.join("review.md"), &review).unwrap();
    let before = std::fs::read_to_string(dir.join("bib/group.bib")).unwrap();
    let out = publist(&dir, &["apply", "review.md", "--config", "publist.toml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let after = std::fs::read_to_string(dir.join("bib/group.bib")).unwrap();
    // Sanc20 and Sanc20a exist: the new 2020 work is Sanc20b, inserted after Sanc20a.
    let expected_entry = "@article{Sanc20b,\n  author = {S{\\'a}nchez, Clara I. and van Ginneken, Bram and Hoogeveen, L.},\n  title = {Vessel tortuosity measurement in retinal fundus images},\n  journal = {Medical Image Analysis},\n  year = {2020},\n  volume = {61},\n  pages = {101650},\n  doi = {10.1000/new.2020.1},\n  optnote = {DIAG, RADIOLOGY},\n  ss_id = {aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa},\n  sources = {s2 2026-12-01},\n}\n\n";
    let at = before.find("@article{Venh21,").unwrap();
    let mut expected = before.clone();
    expected.insert_str(at, expected_entry);
    assert_eq!(after, expected);
    let ignore = std::fs::read_to_string(dir.join("publist.ignore")).unwrap();
    assert!(ignore.ends_with("doi:10.1000/soil.2016.1  # rejected in review (namesake): Soil microbiome of the high Andes\n"), "{ignore}");
    // `publist check` accepts the result: no error, and nothing to say about the new entry.
    let check = publist(&dir, &["check", "--config", "publist.toml"]);
    assert!(check.status.success(), "{}", stderr(&check));
    let report = format!("{}{}", stdout(&check), stderr(&check));
    assert!(report.contains("0 error(s)"), "{report}");
    assert!(!report.contains("Sanc20b"), "{report}");
    // Again: nothing added, nothing appended.
    let out = publist(&dir, &["apply", "review.md", "--config", "publist.toml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("already present as Sanc20b"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("bib/group.bib")).unwrap(),
        after
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("publist.ignore")).unwrap(),
        ignore
    );
}

#[test]
fn csv_review_applies_with_dry_run_first() {
    let (_tmp, dir) = fixture_copy();
    fill_person_answers(&store_in(&dir));
    let out = run(
        &dir,
        &[
            "discover",
            "--person",
            "clara-sanchez",
            "--format",
            "csv",
            "-o",
            "review.csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = std::fs::read_to_string(dir.join("review.csv")).unwrap();
    assert!(
        csv.starts_with("action,person,decision,key,year,title,doi,"),
        "{csv}"
    );
    let edited: String = csv
        .lines()
        .map(|l| {
            if l.contains("Vessel tortuosity") {
                format!("add{l}\n")
            } else if l.contains("Soil microbiome") {
                format!("ignore{l}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(dir.join("review.csv"), edited).unwrap();
    let bib_before = std::fs::read(dir.join("bib/group.bib")).unwrap();
    let ignore_before = std::fs::read(dir.join("publist.ignore")).unwrap();
    let dry = publist(
        &dir,
        &[
            "apply",
            "review.csv",
            "--config",
            "publist.toml",
            "--dry-run",
        ],
    );
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(
        stdout(&dry).contains("+@article{Sanc20b,"),
        "{}",
        stdout(&dry)
    );
    assert_eq!(
        std::fs::read(dir.join("bib/group.bib")).unwrap(),
        bib_before
    );
    assert_eq!(
        std::fs::read(dir.join("publist.ignore")).unwrap(),
        ignore_before
    );
    let real = publist(&dir, &["apply", "review.csv", "--config", "publist.toml"]);
    assert!(real.status.success(), "{}", stderr(&real));
    let bib = std::fs::read_to_string(dir.join("bib/group.bib")).unwrap();
    assert!(bib.contains("@article{Sanc20b,\n"), "{bib}");
    let ignore = std::fs::read_to_string(dir.join("publist.ignore")).unwrap();
    assert!(
        ignore.contains("doi:10.1000/soil.2016.1  # rejected in review (namesake)"),
        "{ignore}"
    );
}
