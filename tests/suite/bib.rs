//! Stage 1, BibTeX: loading dirty and damaged files through the library.

use std::path::PathBuf;

use publist::bib::{self, Bibliography};
use publist::diagnostics::Diagnostic;
use publist::model::Kind;

use crate::support::fixture;

fn load(files: &[&str]) -> Bibliography {
    let paths: Vec<PathBuf> = files.iter().map(|f| fixture(&format!("bib/{f}"))).collect();
    bib::load(&paths)
}

fn errors(b: &Bibliography) -> Vec<&Diagnostic> {
    b.diagnostics.iter().filter(|d| d.is_error()).collect()
}

fn find<'a>(b: &'a Bibliography, code: &str, key: &str) -> &'a Diagnostic {
    b.diagnostics
        .iter()
        .find(|d| d.code == code && d.key.as_deref() == Some(key))
        .unwrap_or_else(|| panic!("no {code} for {key}: {:#?}", b.diagnostics))
}

#[test]
fn dirty_file_loads_in_either_order_without_errors() {
    for order in [["strings.bib", "dirty.bib"], ["dirty.bib", "strings.bib"]] {
        let b = load(&order);
        assert_eq!(b.publications.len(), 12, "{order:?}");
        assert!(errors(&b).is_empty(), "{order:?}: {:#?}", errors(&b));
        assert_eq!(
            b.get("abas05").unwrap().journal.as_deref(),
            Some("Clinical Neurophysiology")
        );
        assert_eq!(
            b.get("Nage13").unwrap().journal.as_deref(),
            Some("Radiology")
        );
    }
}

#[test]
fn fields_are_interpreted() {
    let b = load(&["dirty.bib", "strings.bib"]);
    let abas = b.get("Abas05").unwrap();
    assert_eq!(abas.authors[0].family, "Abásolo");
    assert_eq!(abas.authors[3].particle, "de la");
    assert_eq!(
        abas.title,
        "Analysis of regularity in the EEG background activity of Alzheimer's disease patients"
    );
    assert!(abas.title_markup.contains("{EEG}"));
    assert_eq!(abas.month, Some(8));
    assert_eq!(abas.pages.as_deref(), Some("1826–1834"));
    assert_eq!(
        abas.ids.doi.as_ref().unwrap().as_str(),
        "10.1016/j.clinph.2005.04.001"
    );
    assert_eq!(abas.ids.s2.len(), 2);
    assert_eq!(abas.groups, ["diag", "radiology"]);
    assert_eq!(abas.citations, Some(233));
    assert_eq!(abas.span.line, 9);
    // Files read from disk do not keep their text; the span points into the file itself.
    assert!(b.source_text(&abas.span.file).is_none());
    let text = std::fs::read_to_string(&abas.span.file).unwrap();
    assert!(text[abas.span.bytes.clone()].starts_with("@Article{Abas05,"));
    assert!(text[abas.span.bytes.clone()].ends_with('}'));

    let nage = b.get("Nage13").unwrap();
    assert_eq!(nage.authors.len(), 3, "uppercase AND and `and and`");
    assert_eq!(nage.month, Some(4));
    let muyo = b.get("Muyo14").unwrap();
    assert!(muyo
        .abstract_text
        .as_deref()
        .unwrap()
        .contains("aEURdegA$?60"));
    assert!(muyo
        .abstract_text
        .as_deref()
        .unwrap()
        .contains("(costs $5)"));
    assert_eq!(
        muyo.oa_url.as_deref(),
        Some("https://repository.ubn.ru.nl/handle/2066/1234")
    );
    let abel = b.get("Abel19").unwrap();
    assert_eq!(abel.kind, Some(Kind::InProceedings));
    assert_eq!(abel.authors[1].particle, "van der");
    assert_eq!(abel.authors[1].given, "Jeroen A. W. M.");
    let aswo = b.get("Aswo19").unwrap();
    assert_eq!(aswo.kind, Some(Kind::InProceedings));
    assert_eq!(aswo.entry_type, "conference");
    assert_eq!(
        aswo.booktitle.as_deref(),
        Some("Medical Image Analysis (abstract)")
    );
    let medr = b.get("Medr21").unwrap();
    assert_eq!(medr.kind, Some(Kind::Preprint));
    let families: Vec<&str> = medr.authors.iter().map(|a| a.family.as_str()).collect();
    assert_eq!(families, ["Müller", "Østergaard", "Šimić"]);
    assert_eq!(medr.title, "A preprint on α-synuclein");
    let arxi = b.get("Arxi21").unwrap();
    assert_eq!(arxi.kind, Some(Kind::Preprint));
    assert_eq!(arxi.ids.arxiv.as_ref().unwrap().as_str(), "2106.05735");
    let ginn = b.get("Ginn01").unwrap();
    assert_eq!(ginn.kind, Some(Kind::PhdThesis));
    assert_eq!(ginn.promotors.len(), 2);
    assert_eq!(ginn.promotors[1].particle, "ter");
    assert_eq!(ginn.copromotors[0].family, "Haar Romeny");
    assert_eq!(ginn.school.as_deref(), Some("Utrecht University"));
    assert_eq!(
        b.get("Chap18").unwrap().authors[0].family,
        "World Health Organization"
    );
    assert_eq!(b.get("Chap18a").unwrap().kind, Some(Kind::Chapter));
    assert_eq!(abas.fields["optnote"], "DIAG, RADIOLOGY");
}

#[test]
fn dirt_is_reported_as_warnings() {
    let b = load(&["dirty.bib", "strings.bib"]);
    find(&b, "bib-empty-name", "Nage13");
    find(&b, "bib-mojibake", "odd_key");
    find(&b, "bib-year", "odd_key");
    find(&b, "bib-month", "odd_key");
    find(&b, "bib-key-pattern", "odd_key");
    find(&b, "bib-empty-names", "Noti20");
    find(&b, "bib-no-title", "Noti20");
    find(&b, "bib-no-year", "Noti20");
    let shared = find(&b, "bib-shared-doi", "Chap18a");
    assert!(shared.message.contains("Chap18"));
    assert!(!shared.is_error());
}

#[test]
fn damage_costs_only_the_damaged_entry() {
    let b = load(&["damaged.bib"]);
    for key in ["Good01", "Good03", "Good05", "Good09", "Macro08"] {
        assert!(b.get(key).is_some(), "{key} lost");
    }
    assert_eq!(
        b.get("Good01").unwrap().authors[0].family,
        "Alpha",
        "the first Good01 wins"
    );
    assert_eq!(b.get("Good03").unwrap().title, "Second good entry");
    // Each damage: an error naming the key, within 2 lines of the damage.
    for (code, key, line) in [
        ("bib-unbalanced-braces", "Brace02", 12),
        ("bib-missing-comma", "Comma04", 25),
        ("bib-duplicate-key", "Good01", 35),
        ("bib-unbalanced-braces", "Extra07", 42),
        ("bib-undefined-macro", "Macro08", 49),
    ] {
        let d = find(&b, code, key);
        assert!(d.is_error(), "{d:?}");
        assert!(
            d.line.abs_diff(line) <= 2,
            "{code} {key}: line {} vs {line}",
            d.line
        );
        assert!(d.file.as_ref().unwrap().ends_with("damaged.bib"));
    }
    // Repaired entries still load, with their other fields.
    assert_eq!(
        b.get("Comma04").unwrap().journal.as_deref(),
        Some("Medical Image Analysis")
    );
    assert_eq!(b.get("Brace02").unwrap().year, Some(2002));
    assert_eq!(b.get("Extra07").unwrap().year, Some(2007));
    assert_eq!(
        b.get("Macro08").unwrap().journal.as_deref(),
        Some("NOSUCHJOURNAL")
    );
}

#[test]
fn invalid_utf8_is_located_and_read_lossily() {
    let b = load(&["latin1.bib"]);
    let d = b
        .diagnostics
        .iter()
        .find(|d| d.code == "bib-invalid-utf8")
        .unwrap();
    assert_eq!((d.line, d.column), (2, 14));
    assert!(d.message.contains("byte 30"), "{}", d.message);
    assert_eq!(b.get("Lati10").unwrap().authors[0].family, "M\u{fffd}ller");
}

#[test]
fn missing_file_is_a_diagnostic() {
    let b = bib::load(&[PathBuf::from("/nonexistent/x.bib")]);
    assert!(b.publications.is_empty());
    assert_eq!(errors(&b)[0].code, "bib-read");
}

#[test]
fn clean_bibtex_round_trips() {
    let b = load(&["dirty.bib", "strings.bib"]);
    let text = bib::write::to_bibtex(&b.publications);
    let again = bib::load_str(std::path::Path::new("out.bib"), &text);
    assert!(errors(&again).is_empty(), "{:#?}", errors(&again));
    assert_eq!(again.publications.len(), b.publications.len());
    for (a, z) in b.publications.iter().zip(&again.publications) {
        assert_eq!(a.key, z.key);
        assert_eq!(a.title, z.title, "{}", a.key);
        assert_eq!(a.authors, z.authors, "{}", a.key);
        assert_eq!(a.journal, z.journal, "{}", a.key);
        assert_eq!(a.kind, z.kind, "{}", a.key);
        assert_eq!(a.ids, z.ids, "{}", a.key);
        assert_eq!(a.abstract_text, z.abstract_text, "{}", a.key);
    }
}
