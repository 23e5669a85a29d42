//! Merge on the real DIAG bibliography: byte-preserving edits, and preprint/published pairs.

use publist::bib::edit;

fn diag_bib() -> Option<String> {
    let shared = crate::shared()?;
    Some(std::fs::read_to_string(shared.join("data/diag.bib")).expect("read diag.bib"))
}

/// Every line the edit removed is a field line, and every line it added is one.
fn only_field_lines_changed(before: &str, after: &str) -> (usize, usize) {
    let field = regex::Regex::new(r"^\s+[A-Za-z0-9_-]+ = \{.*\},?\r?$").unwrap();
    let diff = similar::TextDiff::from_lines(before, after);
    let (mut added, mut removed) = (0, 0);
    for change in diff.iter_all_changes() {
        let line = change.value().trim_end_matches('\n');
        match change.tag() {
            similar::ChangeTag::Insert => {
                added += 1;
                assert!(
                    field.is_match(line),
                    "added line is not a field line: {line:?}"
                );
            }
            similar::ChangeTag::Delete => {
                removed += 1;
                assert!(
                    field.is_match(line),
                    "removed line is not a field line: {line:?}"
                );
            }
            similar::ChangeTag::Equal => {}
        }
    }
    (added, removed)
}

#[test]
fn every_diag_entry_is_found_and_a_no_op_edit_is_byte_identical() {
    let Some(text) = diag_bib() else { return };
    let entries = edit::scan_entries(&text);
    assert_eq!(entries.len(), 2028);
    let patches: Vec<edit::Patch> = entries
        .iter()
        .flat_map(|e| edit::set_fields(&text, e, &[]))
        .collect();
    assert!(patches.is_empty());
    assert_eq!(edit::apply_patches(&text, &patches), text);
    let murp20 = entries.iter().find(|e| e.key == "Murp20").expect("Murp20");
    assert_eq!(
        &text[murp20.field("pmid").unwrap().value.clone()],
        "{32218458}"
    );
}

#[test]
fn planted_additions_on_diag_change_only_field_lines() {
    let Some(text) = diag_bib() else { return };
    let entries = edit::scan_entries(&text);
    let plant = [
        ("Ginn00", vec![("pmid", "11111111")]),
        (
            "Murp19",
            vec![("eprint", "1903.03349"), ("s2_cites", "120")],
        ),
        ("Murp20", vec![("pmcid", "PMC7098044"), ("gscites", "130")]),
        ("Nage13", vec![("pmcid", "PMC1111111")]),
        ("Muyo14", vec![("pmcid", "PMC2222222")]),
    ];
    let mut patches = Vec::new();
    for (key, changes) in &plant {
        let e = entries
            .iter()
            .find(|e| e.key == *key)
            .unwrap_or_else(|| panic!("{key}"));
        let ch: Vec<(String, String)> = changes
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        patches.extend(edit::set_fields(&text, e, &ch));
    }
    let after = edit::apply_patches(&text, &patches);
    only_field_lines_changed(&text, &after);
    // As multisets of lines: exactly the planted lines came in, and only Murp20's old
    // gscites line went out (changed in place).
    let count = |t: &str| {
        let mut m = std::collections::BTreeMap::<String, i64>::new();
        for l in t.lines() {
            *m.entry(l.to_string()).or_default() += 1;
        }
        m
    };
    let (b, a) = (count(&text), count(&after));
    let mut came: Vec<String> = Vec::new();
    let mut went: Vec<String> = Vec::new();
    for (line, n) in &a {
        for _ in 0..(n - b.get(line).copied().unwrap_or(0)).max(0) {
            came.push(line.clone());
        }
    }
    for (line, n) in &b {
        for _ in 0..(n - a.get(line).copied().unwrap_or(0)).max(0) {
            went.push(line.clone());
        }
    }
    assert_eq!(
        came,
        [
            "  eprint = {1903.03349},",
            "  gscites = {130},",
            "  pmcid = {PMC1111111},",
            "  pmcid = {PMC2222222},",
            "  pmcid = {PMC7098044},",
            "  pmid = {11111111},",
            "  s2_cites = {120},",
        ]
    );
    assert_eq!(went, ["  gscites = {113},"]);
    // The file still reads the same, with the new fields where they belong.
    let again = edit::scan_entries(&after);
    assert_eq!(again.len(), 2028);
    let ginn = again.iter().find(|e| e.key == "Ginn00").unwrap();
    assert_eq!(
        &after[ginn.field("pmid").unwrap().value.clone()],
        "{11111111}"
    );
    // Untouched entries are byte-identical.
    let abas_before = &text[entries[0].range.clone()];
    let abas_after = &after[again[0].range.clone()];
    assert_eq!(abas_before, abas_after);
}

#[test]
fn murp19_is_the_preprint_of_murp20_not_a_duplicate() {
    let Some(shared) = crate::shared() else {
        return;
    };
    let bib = publist::bib::load(&[shared.join("data/diag.bib")]);
    assert_eq!(bib.publications.len(), 2028);
    let pairs = publist::merge::identity::bib_pairs(&bib.publications, 0.9);
    let murp: Vec<_> = pairs
        .iter()
        .filter(|p| (p.a.as_str(), p.b.as_str()) == ("Murp19", "Murp20"))
        .collect();
    assert_eq!(murp.len(), 1, "{murp:?}");
    assert_eq!(murp[0].kind, publist::merge::identity::PairKind::Related);
    let duplicates = pairs
        .iter()
        .filter(|p| p.kind == publist::merge::identity::PairKind::Duplicate)
        .count();
    eprintln!(
        "diag.bib: {duplicates} duplicate pairs, {} related pairs",
        pairs.len() - duplicates
    );
}

#[test]
fn enrich_write_with_nothing_to_add_leaves_diag_bib_byte_identical() {
    let Some(shared) = crate::shared() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let bib = tmp.path().join("diag.bib");
    std::fs::copy(shared.join("data/diag.bib"), &bib).unwrap();
    let before = std::fs::read(&bib).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_publist"))
        .current_dir(tmp.path())
        .args([
            "enrich",
            "--write",
            "--offline",
            "--bib",
            "diag.bib",
            "--store",
            "store.sqlite",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&bib).unwrap(), before);
}

/// Every diag.bib entry, described by a "service" that knows only its title, year and
/// authors, resolves to itself (or to an entry of a reported duplicate pair), never elsewhere.
#[test]
fn title_only_candidates_of_diag_entries_resolve_to_themselves() {
    use publist::merge::identity::{bib_pairs, BibIndex, Work};
    use publist::model::{Candidate, CandidateAuthor};
    let Some(shared) = crate::shared() else {
        return;
    };
    let bib = publist::bib::load(&[shared.join("data/diag.bib")]);
    let pairs = bib_pairs(&bib.publications, 0.9);
    let index = BibIndex::new(&bib.publications, 0.9);
    let started = std::time::Instant::now();
    let (mut own, mut other, mut none) = (0, Vec::new(), 0);
    for (i, p) in bib.publications.iter().enumerate() {
        let c = Candidate {
            title: format!("{}.", p.title),
            year: p.year,
            authors: p
                .authors
                .iter()
                .map(|n| CandidateAuthor {
                    name: n.clone(),
                    orcid: None,
                })
                .collect(),
            venue: p.venue().map(str::to_string),
            kind: p.kind,
            ..Candidate::default()
        };
        match index.resolve(&Work::from_candidate(&c), None).same {
            Some((j, _)) if j == i => own += 1,
            Some((j, _)) => {
                let (a, b) = (&p.key, &bib.publications[j].key);
                let paired = pairs
                    .iter()
                    .any(|x| (&x.a == a && &x.b == b) || (&x.a == b && &x.b == a));
                if !paired {
                    other.push(format!("{a} -> {b}"));
                }
            }
            None => none += 1,
        }
    }
    eprintln!(
        "resolved {} title-only candidates in {:?}: {own} to themselves, {} elsewhere, {none} unresolved",
        bib.publications.len(),
        started.elapsed(),
        other.len()
    );
    // Same-title pairs the curators keep apart (abstract + paper, preprint + paper, paper in
    // two venues) may attract each other's candidates; anything else is a wrong merge.
    assert!(other.len() <= 20, "{other:?}");
    assert!(own as f64 >= 0.95 * bib.publications.len() as f64);
}
