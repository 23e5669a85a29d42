//! Attribution on the real DIAG bibliography and member pages, and the comparison with the
//! DIAG pipeline's own output (`diag-formats/authorkeys_diag_pipeline.json`).
//!
//! Run with `PUBLIST_SHARED=/work/shared cargo test --test real attribution -- --nocapture`
//! to see the per-member differences and their classes (documented in docs/attribution.md).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use publist::attribute::names::{fold, is_particle, NameKey};
use publist::attribute::{self, Attribution, Role};
use publist::bib::{self, Bibliography};
use publist::config::{Config, Overrides, RawConfig};
use publist::fsutil::slugify;
use publist::model::{Name, Person};
use publist::site::{self, Site};

/// Everything loaded from the shared folder, or `None` (with the reason on stderr).
fn loaded() -> Option<(PathBuf, Bibliography, Site, Attribution)> {
    let shared = crate::shared()?;
    let data = shared.join("data");
    let bib = bib::load(&[data.join("fullstrings.bib"), data.join("diag.bib")]);
    if bib.publications.is_empty() {
        eprintln!("bib::load returned no publications (the BibTeX stage has not landed): not run");
        return None;
    }
    let sample = shared.join("site-sample");
    let site = site::load(&[sample.join("members")], &[sample.join("projects")]);
    let config = Config::from_raw(
        RawConfig::default(),
        None,
        Path::new(""),
        &Overrides::default(),
    )
    .ok()?;
    let attribution = attribute::attribute_site(&bib, &site, &config);
    Some((shared, bib, site, attribution))
}

#[test]
fn the_big_names_get_their_publications() {
    let Some((_, _, _, a)) = loaded() else { return };
    let count = |slug: &str| a.credits(slug).len();
    eprintln!(
        "bram-van-ginneken {}, jeroen-van-der-laak {}, cornelia-schaefer-prokop {}",
        count("bram-van-ginneken"),
        count("jeroen-van-der-laak"),
        count("cornelia-schaefer-prokop")
    );
    assert!(count("bram-van-ginneken") >= 500, "several hundred");
    assert!(count("jeroen-van-der-laak") > 150);
    assert!(count("cornelia-schaefer-prokop") > 150);
}

#[test]
fn duplicated_people_are_reported_once_and_credited_once() {
    let Some((_, _, _, a)) = loaded() else { return };
    assert!(a
        .duplicates
        .contains(&vec!["bram-platel".to_string(), "bram-plated".to_string()]));
    assert!(a.duplicates.contains(&vec![
        "clarisa-sanchez".to_string(),
        "clarisa-sánchez".to_string()
    ]));
    let platel: Vec<_> = a
        .diagnostics
        .iter()
        .filter(|d| d.code == "site-duplicate-person" && d.message.contains("bram-plated"))
        .collect();
    assert_eq!(platel.len(), 1, "one report for the pair");
    assert!(!a.by_person.contains_key("bram-plated"));
    for slugs in a.by_key.values() {
        assert!(!slugs
            .iter()
            .any(|s| s == "bram-plated" || s == "clarisa-sánchez"));
    }
}

/// The DIAG pipeline's keys per member, keyed by the name slug it uses ("clarisa-sánchez").
fn pipeline(shared: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let path = shared.join("diag-formats/authorkeys_diag_pipeline.json");
    let text = std::fs::read_to_string(&path).expect("authorkeys_diag_pipeline.json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let mut out = BTreeMap::new();
    for (slug, years) in json.as_object().into_iter().flatten() {
        let keys: BTreeSet<String> = years
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(year, _)| !year.starts_with("__"))
            .flat_map(|(_, keys)| keys.as_array().cloned().unwrap_or_default())
            .filter_map(|k| k.as_str().map(str::to_lowercase))
            .collect();
        out.insert(slugify(slug), keys);
    }
    out
}

/// Why publist credits a key the pipeline does not.
fn class_of_extra(bib: &Bibliography, person: &Person, credit: &attribute::Credit) -> &'static str {
    let Some(p) = bib.get(&credit.key) else {
        return "unexplained";
    };
    let lists = attribute::names_on(p);
    let Some((_, names)) = lists.iter().find(|(role, _)| *role == credit.role) else {
        return "unexplained";
    };
    let parsed = match credit.role {
        Role::Promotor => p.promotors.len(),
        Role::Copromotor => p.copromotors.len(),
        _ => names.len(),
    };
    if names.len() > parsed {
        return "thesis promotors written as a comma list";
    }
    let Some(name) = names.get(credit.position) else {
        return "unexplained";
    };
    let variants: Vec<NameKey> = std::iter::once(&person.name)
        .chain(&person.pub_names)
        .map(|n| NameKey::parse(n))
        .collect();
    let key = NameKey::from_name(name);
    if !variants.iter().any(|v| v.surname == key.surname) {
        let contains = |big: &[String], small: &[String]| small.iter().all(|t| big.contains(t));
        let split = key
            .alternates()
            .iter()
            .any(|alt| variants.iter().any(|v| v.surname == alt.surname));
        return if split {
            "double family name split by BibTeX (Bejnordi, Babak Ehteshami)"
        } else if variants.iter().any(|v| contains(&v.surname, &key.surname)) {
            "one part of a double family name (Schaefer for Schaefer-Prokop)"
        } else if variants.iter().any(|v| contains(&key.surname, &v.surname)) {
            "double family name on the paper (Sánchez Gutiérrez for Sánchez)"
        } else {
            "double family name split by BibTeX (Bejnordi, Babak Ehteshami)"
        };
    }
    if run_together_initials(&name.given) {
        return "run-together initials (HJ., GJS, CM)";
    }
    let family_raw = format!("{} {}", name.particle, name.family)
        .trim()
        .to_lowercase();
    let page_family = person_family(person);
    let written = format!("{} {}", name.particle, name.family);
    let first_word = written.split_whitespace().next().unwrap_or("");
    if first_word.starts_with(char::is_uppercase) && is_particle(&fold(first_word)) {
        return "capitalised particle";
    }
    if family_raw.replace('-', " ") == page_family.replace('-', " ") && family_raw != page_family {
        return "space instead of hyphen in a double family name";
    }
    if family_raw != page_family && fold(&family_raw) == fold(&page_family) {
        return "accents written differently";
    }
    if !person.pub_names.is_empty() {
        return "pub_name alias";
    }
    "unexplained"
}

/// The family name (with particles) on the person page, lowercased.
fn person_family(person: &Person) -> String {
    let n: Name = attribute::names::split_plain_name(&person.name);
    n.family.to_lowercase()
}

fn run_together_initials(given: &str) -> bool {
    given.split([' ', '.']).any(|w| {
        let letters = w.chars().count();
        let vowels = w.chars().any(|c| "aeiouyAEIOUY".contains(c));
        (2..=4).contains(&letters) && (w.chars().all(char::is_uppercase) || !vowels)
    })
}

/// Why publist does not credit a key the pipeline does.
fn class_of_missing(
    bib: &Bibliography,
    a: &Attribution,
    slug: &str,
    person: &Person,
    key: &str,
) -> &'static str {
    if a.ambiguous
        .iter()
        .any(|x| x.key.to_lowercase() == key && x.candidates.iter().any(|c| c == slug))
    {
        return "ambiguous: reported with candidates, not attributed";
    }
    let Some(p) = bib.get(key) else {
        return "key not in the bibliography";
    };
    let person_key = NameKey::parse(&person.name);
    let same_surname = attribute::names_on(p)
        .iter()
        .flat_map(|(_, names)| names.clone())
        .any(|n| NameKey::from_name(&n).surname == person_key.surname);
    if same_surname {
        "namesake: the family name matches but the given names differ"
    } else {
        "the person's name is not on the work"
    }
}

#[test]
fn comparison_with_the_diag_pipeline_is_explained() {
    let Some((shared, bib, site, a)) = loaded() else {
        return;
    };
    let unexplained = compare_with_pipeline(&shared, &bib, &site, &a);
    assert!(
        unexplained.is_empty(),
        "differences without an explanation: {unexplained:#?}"
    );
}

/// Prints the per-member differences with their classes; returns the unexplained ones.
pub(crate) fn compare_with_pipeline(
    shared: &Path,
    bib: &Bibliography,
    site: &Site,
    a: &Attribution,
) -> Vec<String> {
    let (bib, a) = (bib, a);
    let theirs_all = pipeline(shared);
    let mut classes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut unexplained = Vec::new();
    let (mut plus_total, mut minus_total) = (0, 0);
    println!(
        "member: publist / pipeline, +keys only publist credits, -keys only the pipeline credits"
    );
    for person in &site.people {
        if a.canonical(&person.slug) != person.slug {
            continue;
        }
        let credits = a.credits(&person.slug);
        let ours: BTreeSet<String> = credits.iter().map(|c| c.key.to_lowercase()).collect();
        let theirs = theirs_all
            .get(&slugify(&person.name))
            .cloned()
            .unwrap_or_default();
        let plus: Vec<&String> = ours.difference(&theirs).collect();
        let minus: Vec<&String> = theirs.difference(&ours).collect();
        println!(
            "{}: {} / {}, +{} -{}",
            person.slug,
            ours.len(),
            theirs.len(),
            plus.len(),
            minus.len()
        );
        for key in plus {
            let Some(credit) = credits.iter().find(|c| c.key.to_lowercase() == *key) else {
                continue;
            };
            let class = class_of_extra(bib, person, credit);
            *classes.entry(class).or_default() += 1;
            println!(
                "  + {key} ({class}; {:?} {:.2})",
                credit.reason, credit.confidence
            );
            if class == "unexplained" {
                unexplained.push(format!("+ {} {key}", person.slug));
            }
            plus_total += 1;
        }
        for key in minus {
            let class = class_of_missing(bib, a, &person.slug, person, key);
            *classes.entry(class).or_default() += 1;
            println!("  - {key} ({class})");
            if class == "the person's name is not on the work"
                || class == "key not in the bibliography"
            {
                unexplained.push(format!("- {} {key}", person.slug));
            }
            minus_total += 1;
        }
    }
    println!("totals: +{plus_total} -{minus_total}");
    for (class, n) in &classes {
        println!("  {n:4}  {class}");
    }
    // Every member the pipeline credits is a member publist credits too.
    for (slug, keys) in &theirs_all {
        if keys.is_empty() {
            continue;
        }
        let ours = site
            .people
            .iter()
            .find(|p| slugify(&p.name) == *slug)
            .map(|p| a.credits(&p.slug).len())
            .unwrap_or(0);
        if ours == 0 {
            unexplained.push(format!(
                "{slug} has publications in the pipeline and none in publist"
            ));
        }
    }
    unexplained
}

#[test]
fn project_bibkeys_resolve_and_site_checks_run() {
    let Some((_, _, site, a)) = loaded() else {
        return;
    };
    assert_eq!(a.projects.len(), site.projects.len());
    // The sample's bibkeys lines are empty: nothing resolves, nothing is unknown.
    assert!(a.projects.values().all(Vec::is_empty));
    assert!(!a
        .diagnostics
        .iter()
        .any(|d| d.code == "site-unknown-bibkey"));
    let empty: BTreeSet<&str> = a
        .diagnostics
        .iter()
        .filter(|d| d.code == "attr-no-publications")
        .filter_map(|d| d.key.as_deref())
        .collect();
    assert!(empty.contains("agata-polejowska"), "{empty:?}");
    assert!(!empty.contains("bram-van-ginneken"));
}
