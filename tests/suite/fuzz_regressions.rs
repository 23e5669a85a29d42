//! Inputs the fuzzers (`fuzz/`, see docs/reliability.md) found to crash or hang publist,
//! each kept with the behaviour a user sees instead: a diagnostic or a sensible value,
//! never a panic.

use std::path::Path;

use publist::bib;
use publist::bib::names::{parse_name, parse_names};

/// Fuzz target `latex`: a name made only of ties or spaces (`~`) panicked in `parse_name`
/// (slice index underflow); through a bib file it crashed the whole load.
#[test]
fn name_of_only_ties_is_an_empty_name() {
    assert_eq!(parse_name(""), Default::default());
    assert_eq!(parse_name("~"), Default::default());
    assert_eq!(parse_name(" ~ ~ "), Default::default());
    let names = parse_names("Ana de la Fuente and ~ and Kwame Mensah");
    let families: Vec<&str> = names.iter().map(|n| n.family.as_str()).collect();
    assert_eq!(families, ["Fuente", "Mensah"]);

    let text = "@article{Fuen21,\n  author = {Ana de la Fuente and ~ and Kwame Mensah},\n  title = {Ties},\n  year = {2021},\n}\n";
    let loaded = bib::load_str(Path::new("ties.bib"), text);
    let p = loaded.get("Fuen21").expect("entry loaded");
    assert_eq!(p.authors.len(), 2, "the empty name is skipped");
    let d = loaded
        .diagnostics
        .iter()
        .find(|d| d.code == "bib-empty-name")
        .expect("the empty name is reported");
    assert_eq!(d.line, 2, "reported on the author line");
}

/// Fuzz target `page`: adding `bibkeys` to a TOML page whose last field is a multi-line
/// array inserted the new line inside the array, breaking the page and its `groups`; a
/// nested `[…]` line inside the array was also taken for a table header.
#[test]
fn toml_bibkeys_go_after_a_multi_line_array() {
    let page = "+++\ntitle = \"Stroke imaging\"\ngroups = [\n  \"neuro\",\n  [\"nested\"],\n]\n+++\nBody text.\n";
    let edited = publist::site::edit::set_bibkeys(page, &["Mens21".to_string()]).expect("editable");
    assert_eq!(
        edited,
        "+++\ntitle = \"Stroke imaging\"\ngroups = [\n  \"neuro\",\n  [\"nested\"],\n]\nbibkeys = [\"Mens21\"]\n+++\nBody text.\n"
    );
    let split = publist::site::page::split(&edited);
    assert!(split.warnings.is_empty(), "{:?}", split.warnings);
    assert_eq!(
        split.field("groups").map(|f| f.value.as_str()),
        Some("neuro, nested")
    );
    assert_eq!(
        split.field("bibkeys").map(|f| f.value.as_str()),
        Some("Mens21")
    );
}

/// Fuzz target `page`: filling an empty YAML `bibkeys:` followed by a comment glued the
/// keys to the `#`, so the comment became part of the last key.
#[test]
fn yaml_keys_written_before_a_comment_keep_it_a_comment() {
    let page = "---\ntitle: Retina AI\nbibkeys: # filled by publist\n---\nBody.\n";
    let keys = ["Wout21".to_string(), "Bakk22".to_string()];
    let edited = publist::site::edit::set_bibkeys(page, &keys).expect("editable");
    assert_eq!(
        edited,
        "---\ntitle: Retina AI\nbibkeys: Wout21, Bakk22 # filled by publist\n---\nBody.\n"
    );
    assert_eq!(
        publist::site::edit::read_bibkeys(&edited).expect("readable"),
        Some(keys.to_vec())
    );
    let split = publist::site::page::split(&edited);
    assert_eq!(
        split.field("bibkeys").map(|f| f.value.as_str()),
        Some("Wout21, Bakk22")
    );
}

/// Fuzz target `page`: a quoted YAML list key with spaces inside the quotes
/// (`- " Abcd19 "`) was read with the spaces, and rewritten without them by `add_bibkeys`,
/// so the same key read differently before and after an edit.
#[test]
fn yaml_block_list_keys_are_trimmed_inside_quotes() {
    let page = "---\ntitle: Slides\nbibkeys:\n  - \" Abcd19 \"\n---\nBody.\n";
    assert_eq!(
        publist::site::edit::read_bibkeys(page).expect("readable"),
        Some(vec!["Abcd19".to_string()])
    );
    let added = publist::site::edit::add_bibkeys(page, &["Wout21".to_string()]).expect("editable");
    assert_eq!(
        publist::site::edit::read_bibkeys(&added).expect("readable"),
        Some(vec!["Abcd19".to_string(), "Wout21".to_string()])
    );
}

/// Fuzz target `doi`: `Pmcid::parse` sliced the first three bytes of its text, which panics
/// when they end inside a multi-byte character; a bib file with such a `pmcid` crashed the load.
#[test]
fn pmcid_starting_with_a_multi_byte_character_is_not_a_pmcid() {
    assert_eq!(publist::model::Pmcid::parse("x€123"), None);
    assert_eq!(publist::model::Pmcid::parse("ab€1"), None);
    assert!(publist::model::Pmcid::parse("pmc1234").is_some());
    let text = "@article{Pmc21,\n  title = {T},\n  year = {2021},\n  pmcid = {x€1234},\n}\n";
    let loaded = bib::load_str(Path::new("pmc.bib"), text);
    let p = loaded.get("Pmc21").expect("entry loaded");
    assert_eq!(p.ids.pmcid, None);
}
