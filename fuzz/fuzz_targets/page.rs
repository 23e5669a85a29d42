//! The front-matter reader and writer (Pelican headers, YAML and TOML).
//!
//! Reading never panics; writing an unchanged page gives identical bytes; a bibkeys edit
//! changes only the bibkeys field.
#![no_main]
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use publist::site::{self, edit, page};

/// The fields of a page other than bibkeys, as (key, value, items).
fn others(text: &str) -> Vec<(String, String, Vec<String>)> {
    page::split(text)
        .fields
        .into_iter()
        .filter(|f| !f.key.eq_ignore_ascii_case("bibkeys"))
        .map(|f| (f.key, f.value, f.items))
        .collect()
}

fn check_split(text: &str) {
    let s = page::split(text);
    if let Some(h) = &s.header {
        assert!(h.start <= h.end && h.end <= text.len() && text.get(h.clone()).is_some());
    }
    assert!(s.body.start <= s.body.end && s.body.end <= text.len());
    assert!(
        text.get(s.body.clone()).is_some(),
        "body not on char boundaries"
    );
    for f in &s.fields {
        assert!(f.value_bytes.end <= text.len() && text.get(f.value_bytes.clone()).is_some());
        assert!(f.lines.end <= text.len() && text.get(f.lines.clone()).is_some());
    }
}

fn check_edit(text: &str) {
    let Ok(located) = edit::locate(text) else {
        return;
    };
    let current = edit::read_bibkeys(text).expect("locate succeeded, read_bibkeys failed");
    // Writing an unchanged page gives identical bytes.
    let same = edit::set_bibkeys(text, current.as_deref().unwrap_or(&[]))
        .expect("locate succeeded, set_bibkeys failed");
    assert_eq!(same, text, "setting the same bibkeys changed the page");
    assert_eq!(edit::add_bibkeys(text, &[]).expect("add_bibkeys"), text);

    // A bibkeys edit changes only the bibkeys field.
    let keys = vec!["Fuzz19".to_string(), "Abcd20b".to_string()];
    let out = edit::set_bibkeys(text, &keys).expect("set_bibkeys");
    match &located {
        edit::Located::Present(f) => {
            assert!(
                out.starts_with(&text[..f.value.start]),
                "bytes before bibkeys changed"
            );
            assert!(
                out.ends_with(&text[f.value.end..]),
                "bytes after bibkeys changed"
            );
        }
        edit::Located::Absent(ins) => {
            assert!(
                out.starts_with(&text[..ins.at]),
                "bytes before the insertion changed"
            );
            assert!(
                out.ends_with(&text[ins.at..]),
                "bytes after the insertion changed"
            );
        }
    }
    assert_eq!(
        edit::read_bibkeys(&out).expect("edited page unreadable"),
        Some(keys.clone()),
        "bibkeys not read back after the edit:\n{out}"
    );
    // Field by field, for a header that reads cleanly (a value that does not parse is read
    // as the raw text of its lines, and inserting a line next to such text changes it).
    let clean = page::split(text).warnings.is_empty();
    assert!(
        !clean || others(text) == others(&out),
        "other fields changed by the edit:\n{out}\nbefore: {:?}\nafter: {:?}",
        others(text),
        others(&out)
    );

    let added = edit::add_bibkeys(text, &["Fuzz21".to_string()]).expect("add_bibkeys");
    let mut expected = current.unwrap_or_default();
    if !expected.iter().any(|k| k.eq_ignore_ascii_case("Fuzz21")) {
        expected.push("Fuzz21".to_string());
    }
    assert_eq!(
        edit::read_bibkeys(&added).expect("page unreadable after add_bibkeys"),
        Some(expected),
        "add_bibkeys result:\n{added}"
    );
    assert!(
        !clean || others(text) == others(&added),
        "other fields changed by add_bibkeys:\n{added}\nbefore: {:?}\nafter: {:?}",
        others(text),
        others(&added)
    );
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    check_split(&text);
    let mut diags = Vec::new();
    let _ = site::person_from_text(Path::new("people/fuzz.md"), &text, &mut diags);
    let _ = site::project_from_text(Path::new("projects/fuzz.md"), &text, &mut diags);
    let _ = site::bibkey_list(&text);
    check_edit(&text);
});
