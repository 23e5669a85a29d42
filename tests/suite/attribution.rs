//! Attribution on the labelled evaluation set in `tests/fixtures/attribution/`:
//! invented people and papers with name variants, namesakes, particles, accents and hyphens.
//! `truth.tsv` lists, per key, which of our people are on the work.

use std::collections::{BTreeMap, BTreeSet};

use publist::attribute::{self, Attribution};
use publist::config::{Config, Overrides, RawConfig};

use crate::support::fixture;

/// Key → slugs, from `truth.tsv`.
fn truth() -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(fixture("attribution/truth.tsv")).expect("truth.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut cols = l.split('\t');
            let key = cols.next().unwrap_or_default().to_lowercase();
            let slugs = cols
                .next()
                .unwrap_or_default()
                .split(',')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
            (key, slugs)
        })
        .collect()
}

fn run() -> (Attribution, publist::site::Site) {
    let bib = publist::bib::load(&[fixture("attribution/eval.bib")]);
    assert!(
        bib.diagnostics.iter().all(|d| !d.is_error()),
        "{:?}",
        bib.diagnostics
    );
    let site = publist::site::load(&[fixture("attribution/people")], &[]);
    let config = Config::from_raw(
        RawConfig::default(),
        None,
        std::path::Path::new(""),
        &Overrides::default(),
    )
    .expect("default config");
    (attribute::attribute(&bib, &site.people, &config), site)
}

/// (true positives, false positives, false negatives, the wrong and missed credits).
fn score(a: &Attribution) -> (usize, usize, usize, Vec<String>) {
    let (mut tp, mut fp, mut fn_, mut wrong) = (0, 0, 0, Vec::new());
    for (key, want) in truth() {
        let got: BTreeSet<String> = a.by_key.get(&key).into_iter().flatten().cloned().collect();
        for slug in got.difference(&want) {
            fp += 1;
            wrong.push(format!("wrong: {key} → {slug}"));
        }
        for slug in want.difference(&got) {
            fn_ += 1;
            wrong.push(format!("missed: {key} → {slug}"));
        }
        tp += got.intersection(&want).count();
    }
    (tp, fp, fn_, wrong)
}

#[test]
fn evaluation_set_precision_is_one_and_recall_at_least_090() {
    let (a, _) = run();
    assert_eq!(truth().len(), 43, "every labelled key is read");
    let (tp, fp, fn_, wrong) = score(&a);
    let precision = tp as f64 / (tp + fp) as f64;
    let recall = tp as f64 / (tp + fn_) as f64;
    eprintln!("evaluation set: {tp} right, {fp} wrong, {fn_} missed; precision {precision:.3}, recall {recall:.3}");
    for w in &wrong {
        eprintln!("  {w}");
    }
    assert_eq!(fp, 0, "precision must be 1.0: {wrong:?}");
    assert!(recall >= 0.9, "recall {recall:.3} < 0.9: {wrong:?}");
}

#[test]
fn namesakes_are_reported_with_candidates_and_reasons() {
    let (a, _) = run();
    let find = |key: &str, name_part: &str| {
        a.ambiguous
            .iter()
            .find(|x| x.key == key && x.name.contains(name_part))
            .unwrap_or_else(|| panic!("{key} {name_part} not reported: {:?}", a.ambiguous))
    };
    let patel = find("Pate20", "Patel");
    assert_eq!(patel.candidates, ["ajay-patel"]);
    assert!(patel.reason.contains("Anil"), "{}", patel.reason);
    let jansen = find("Jans18", "Jansen");
    assert_eq!(jansen.candidates, ["maria-jansen", "mark-jansen"]);
    assert!(find("Vrie20", "Vries").reason.contains("Simon"));
    assert!(find("Mart23", "Mart").reason.contains("Isabel"));
    assert!(
        find("Kuma20", "Patel").candidates == ["ajay-patel"],
        "promotors are matched too"
    );
    assert!(a
        .diagnostics
        .iter()
        .any(|d| d.code == "attr-ambiguous" && d.message.contains("Pate20")));
}

#[test]
fn duplicate_person_is_reported_once_and_credited_once() {
    let (a, _) = run();
    assert_eq!(
        a.duplicates,
        vec![vec!["lotte-kramer".to_string(), "lotte-kramr".to_string()]]
    );
    assert!(!a.by_person.contains_key("lotte-kramr"));
    assert_eq!(a.credits("lotte-kramr"), a.credits("lotte-kramer"));
    assert_eq!(a.by_key["kram17"], ["fenna-zwart", "lotte-kramer"]);
    let dup: Vec<_> = a
        .diagnostics
        .iter()
        .filter(|d| d.code == "site-duplicate-person")
        .collect();
    assert_eq!(dup.len(), 1);
    assert!(
        dup[0].location().ends_with("lotte-kramr.md:1"),
        "{}",
        dup[0].location()
    );
}

#[test]
fn every_credit_has_a_reason_and_a_confidence() {
    let (a, _) = run();
    let velde: BTreeMap<&str, &attribute::Credit> = a
        .credits("maarten-van-der-velde")
        .iter()
        .map(|c| (c.key.as_str(), c))
        .collect();
    assert_eq!(velde["Velde15"].reason, attribute::Reason::Exact);
    assert_eq!(velde["Velde17"].reason, attribute::Reason::Initials);
    assert_eq!(velde["Smit20"].role, attribute::Role::Editor);
    assert_eq!(velde["Zwar21"].role, attribute::Role::Promotor);
    let lopez: BTreeMap<&str, &attribute::Credit> = a
        .credits("margarita-lopez")
        .iter()
        .map(|c| (c.key.as_str(), c))
        .collect();
    assert_eq!(lopez["Lope18"].reason, attribute::Reason::Alias);
    assert_eq!(lopez["Zwar21"].role, attribute::Role::Copromotor);
    for credits in a.by_person.values() {
        for c in credits {
            assert!(c.confidence > 0.7 && c.confidence <= 1.0, "{c:?}");
        }
    }
}
