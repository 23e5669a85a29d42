//! Unit tests of attribution on hand-built publications.

use std::path::{Path, PathBuf};

use super::names::split_plain_name;
use super::*;
use crate::config::{Overrides, RawConfig, RawPersonOverride};
use crate::model::Project;

fn config() -> Config {
    Config::from_raw(
        RawConfig::default(),
        None,
        Path::new(""),
        &Overrides::default(),
    )
    .unwrap()
}

fn bib(entries: &[(&str, &[&str])]) -> Bibliography {
    let mut b = Bibliography::default();
    for (key, authors) in entries {
        b.publications.push(Publication {
            key: key.to_string(),
            authors: authors.iter().map(|a| split_plain_name(a)).collect(),
            ..Publication::default()
        });
    }
    b.reindex();
    b
}

fn person(slug: &str, name: &str, pub_names: &[&str]) -> Person {
    Person {
        slug: slug.into(),
        name: name.into(),
        pub_names: pub_names.iter().map(|s| s.to_string()).collect(),
        path: PathBuf::from(format!("members/{slug}.md")),
        ..Person::default()
    }
}

fn keys(a: &Attribution, slug: &str) -> Vec<String> {
    a.credits(slug).iter().map(|c| c.key.clone()).collect()
}

#[test]
fn particles_accents_hyphens_and_initials_match() {
    let b = bib(&[
        ("Laak01", &["van der Laak, J. A. W. M.", "Smith, Ann"]),
        ("Laak02", &["Laak, J. van der"]),
        ("Laak03", &["Van der Laak, Jeroen"]),
        ("Schae01", &["Schaefer-Prokop, C. M."]),
        ("Schae02", &["Schaefer, C.", "Prokop, M."]),
        ("Sanc01", &["S{\\'a}nchez, Clara I."]),
        ("Sanc02", &["Sanchez, C. I."]),
        ("Huis01", &["Huisman, HJ."]),
        ("Ehte01", &["Bejnordi, Babak Ehteshami"]),
        ("Ehte02", &["Ehteshami Bejnordi, B."]),
    ]);
    let people = [
        person("jeroen-van-der-laak", "Jeroen van der Laak", &[]),
        person("cornelia-schaefer-prokop", "Cornelia Schaefer-Prokop", &[]),
        person("clarisa-sanchez", "Clarisa Sánchez", &["Clara I Sánchez"]),
        person("henkjan-huisman", "Henkjan Huisman", &[]),
        person("babak-ehteshami-bejnordi", "Babak Ehteshami-Bejnordi", &[]),
    ];
    let a = attribute(&b, &people, &config());
    assert_eq!(
        keys(&a, "jeroen-van-der-laak"),
        ["Laak01", "Laak02", "Laak03"]
    );
    assert_eq!(keys(&a, "cornelia-schaefer-prokop"), ["Schae01", "Schae02"]);
    assert_eq!(keys(&a, "clarisa-sanchez"), ["Sanc01", "Sanc02"]);
    assert_eq!(keys(&a, "henkjan-huisman"), ["Huis01"]);
    assert_eq!(keys(&a, "babak-ehteshami-bejnordi"), ["Ehte01", "Ehte02"]);
    let laak03 = &a.credits("jeroen-van-der-laak")[2];
    assert_eq!(laak03.reason, Reason::Exact);
    assert_eq!(a.credits("henkjan-huisman")[0].reason, Reason::Initials);
    assert_eq!(a.credits("clarisa-sanchez")[0].reason, Reason::Alias);
    assert_eq!(a.by_key["laak01"], ["jeroen-van-der-laak"]);
}

#[test]
fn different_given_names_and_namesakes_are_not_attributed() {
    let b = bib(&[
        ("Pate01", &["Patel, Ajay"]),
        ("Pate02", &["Patel, Anil"]),
        ("Pate03", &["Patel, A."]),
        ("Pate04", &["Patel, J."]),
    ]);
    let people = [person("ajay-patel", "Ajay Patel", &[])];
    let a = attribute(&b, &people, &config());
    assert_eq!(keys(&a, "ajay-patel"), ["Pate01"]);
    assert_eq!(a.ambiguous.len(), 1, "{:?}", a.ambiguous);
    assert_eq!(a.ambiguous[0].key, "Pate03");
    assert!(
        a.ambiguous[0].reason.contains("Anil"),
        "{}",
        a.ambiguous[0].reason
    );
    assert!(a
        .diagnostics
        .iter()
        .any(|d| d.code == "attr-ambiguous" && d.message.contains("Pate03")));
}

#[test]
fn two_people_with_the_same_initial_make_a_name_ambiguous() {
    let b = bib(&[("Jans01", &["Jansen, M."]), ("Jans02", &["Jansen, Mark"])]);
    let people = [
        person("mark-jansen", "Mark Jansen", &[]),
        person("maria-jansen", "Maria Jansen", &[]),
    ];
    let a = attribute(&b, &people, &config());
    assert_eq!(keys(&a, "mark-jansen"), ["Jans02"]);
    assert!(keys(&a, "maria-jansen").is_empty());
    assert_eq!(a.ambiguous[0].candidates, ["maria-jansen", "mark-jansen"]);
    assert!(a
        .diagnostics
        .iter()
        .any(|d| d.code == "attr-no-publications" && d.key.as_deref() == Some("maria-jansen")));
}

#[test]
fn duplicate_people_count_once() {
    let b = bib(&[
        ("Plat01", &["Platel, B."]),
        ("Sanc01", &["Sánchez, Clarisa"]),
    ]);
    let people = [
        person("bram-plated", "Bram Platel", &[]),
        person("bram-platel", "Bram Platel", &[]),
        person("clarisa-sanchez", "Clarisa Sánchez", &[]),
        person("clarisa-sánchez", "Clarisa Sánchez", &[]),
    ];
    let a = attribute(&b, &people, &config());
    assert_eq!(
        a.duplicates,
        vec![
            vec!["bram-platel".to_string(), "bram-plated".to_string()],
            vec!["clarisa-sanchez".to_string(), "clarisa-sánchez".to_string()]
        ]
    );
    assert_eq!(a.by_key["plat01"], ["bram-platel"]);
    assert_eq!(
        keys(&a, "bram-plated"),
        ["Plat01"],
        "a duplicate slug reads its canonical credits"
    );
    assert!(!a.by_person.contains_key("bram-plated"));
    assert_eq!(
        a.diagnostics
            .iter()
            .filter(|d| d.code == "site-duplicate-person")
            .count(),
        2
    );
}

#[test]
fn config_overrides_include_exclude_and_aliases() {
    let b = bib(&[
        ("Murp11", &["Murphy, K."]),
        ("Murp12", &["Murphy, K."]),
        ("Other1", &["Lee, Z."]),
    ]);
    let people = [person("keelin-murphy", "Keelin Murphy", &[])];
    let mut cfg = config();
    cfg.person_overrides.insert(
        "keelin-murphy".into(),
        RawPersonOverride {
            include: vec!["other1".into(), "Nope99".into()],
            exclude: vec!["murp12".into()],
            ..RawPersonOverride::default()
        },
    );
    let a = attribute(&b, &people, &cfg);
    assert_eq!(keys(&a, "keelin-murphy"), ["Murp11", "Other1"]);
    assert_eq!(a.credits("keelin-murphy")[1].reason, Reason::Manual);
    assert!(a
        .diagnostics
        .iter()
        .any(|d| d.code == "attr-unknown-include" && d.message.contains("Nope99")));

    let mut cfg = config();
    cfg.person_overrides.insert(
        "keelin-murphy".into(),
        RawPersonOverride {
            aliases: vec!["Lee, Zoe".into()],
            ..RawPersonOverride::default()
        },
    );
    let a = attribute(&b, &people, &cfg);
    assert_eq!(keys(&a, "keelin-murphy"), ["Murp11", "Murp12", "Other1"]);
}

#[test]
fn project_keys_resolve_case_insensitively_with_suggestions() {
    let b = bib(&[("Lief19b", &["Liefers, B."]), ("Gees19", &["Geessink, O."])]);
    let project = Project {
        slug: "p".into(),
        bibkeys: vec!["lief19b".into(), "Gess19".into(), "LIEF19B".into()],
        path: PathBuf::from("projects/p.md"),
        ..Project::default()
    };
    let (keys, diags) = resolve_project_keys(&b, &project);
    assert_eq!(keys, ["Lief19b"]);
    let unknown = diags
        .iter()
        .find(|d| d.code == "site-unknown-bibkey")
        .unwrap();
    assert!(unknown.message.contains("Gess19"));
    assert_eq!(unknown.help.as_deref(), Some("did you mean Gees19?"));
    assert!(diags.iter().any(|d| d.code == "site-repeated-bibkey"));
}

#[test]
fn one_edit_pairs_finds_what_comparing_every_pair_finds() {
    let slugs = [
        "clarisa-sanchez",
        "clarisa-sánchez",
        "bram-van-ginneken",
        "bram-van-ginnekn",
        "jan-smit",
        "jan-smith",
        "jan-smits",
        "jon-smit",
        "ana",
        "anna",
        "ann",
        "bob",
    ];
    let mut brute = BTreeSet::new();
    for i in 0..slugs.len() {
        for j in i + 1..slugs.len() {
            if strsim::levenshtein(slugs[i], slugs[j]) == 1 {
                brute.insert((i, j));
            }
        }
    }
    let found: BTreeSet<(usize, usize)> = one_edit_pairs(slugs.iter().copied())
        .into_iter()
        .filter(|&(i, j)| strsim::levenshtein(slugs[i], slugs[j]) == 1)
        .collect();
    assert_eq!(found, brute);
    assert!(brute.contains(&(0, 1)) && brute.contains(&(4, 5)) && brute.contains(&(8, 9)));
}
