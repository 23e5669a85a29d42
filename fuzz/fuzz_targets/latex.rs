//! The LaTeX decoder and BibTeX name parsing on arbitrary text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use publist::bib::{latex, names, write};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let plain = latex::to_unicode(&text);
    // Documented: ASCII whitespace folded and trimmed; no-break spaces (`~`) are kept.
    const WS: [char; 4] = [' ', '\t', '\n', '\r'];
    assert_eq!(
        plain.trim_matches(WS),
        plain,
        "to_unicode output is not trimmed"
    );
    assert!(
        !plain.contains("  "),
        "to_unicode output has double spaces: {plain:?}"
    );
    let _ = latex::to_markup(&text);
    let v = latex::verbatim(&text);
    assert_eq!(v.trim_matches(WS), v, "verbatim output is not trimmed");
    if let Some((at, seq)) = latex::find_mojibake(&text) {
        assert!(text[at..].starts_with(&seq));
    }
    let _ = names::count_empty(&text);
    for n in names::parse_names(&text) {
        assert!(!(n.family.is_empty() && n.given.is_empty()));
        // A parsed name written back as BibTeX parses again without panicking.
        let written = write::name_to_bibtex(&n);
        let _ = names::parse_name(&written);
        let _ = n.display();
    }
    let _ = names::parse_name(&text);
});
