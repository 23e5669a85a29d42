//! The whole BibTeX layer on arbitrary bytes: scan, parse, macros across two files,
//! normalisation into publications, the checks, writing back, and the byte-preserving
//! edit layer (`bib::edit`).
#![no_main]
use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use publist::bib::{self, edit, BibFile, LoadOptions};

/// Built once: compiling the key pattern on every input would dominate the run.
fn options() -> &'static LoadOptions {
    static OPTIONS: std::sync::OnceLock<LoadOptions> = std::sync::OnceLock::new();
    OPTIONS.get_or_init(LoadOptions::default)
}

fn lines(text: &str) -> u32 {
    text.bytes().filter(|&b| b == b'\n').count() as u32 + 1
}

fn check_load(files: Vec<BibFile>) {
    let texts: Vec<(PathBuf, String)> = files
        .iter()
        .map(|f| (f.path.clone(), f.text.clone()))
        .collect();
    let loaded = bib::load_files(files, options());
    // Every diagnostic points into a file it names, at a line that exists.
    for d in &loaded.diagnostics {
        if let Some(file) = &d.file {
            let (_, text) = texts
                .iter()
                .find(|(p, _)| p == file)
                .unwrap_or_else(|| panic!("diagnostic names an unknown file: {d:?}"));
            assert!(
                d.line >= 1 && d.line <= lines(text),
                "diagnostic line {} outside the file ({} lines): {d:?}",
                d.line,
                lines(text)
            );
        }
        let _ = d.render_text(d.file.as_deref().and_then(|f| loaded.source_text(f)));
    }
    // Every entry's bytes lie inside its file, on character boundaries, and start at `@`.
    for p in &loaded.publications {
        assert!(!p.key.trim().is_empty(), "publication without a key");
        let (_, text) = texts
            .iter()
            .find(|(f, _)| *f == p.span.file)
            .expect("publication from an unknown file");
        let r = p.span.bytes.clone();
        assert!(
            r.start <= r.end && r.end <= text.len(),
            "entry range {r:?} outside the text"
        );
        let slice = text
            .get(r.clone())
            .expect("entry range not on char boundaries");
        assert!(
            slice.starts_with('@'),
            "entry range {r:?} does not start at `@`"
        );
        assert!(p.span.line >= 1 && p.span.line <= lines(text));
        assert!(loaded.get(&p.key).is_some(), "key {:?} not indexed", p.key);
    }
    // Writing back and exporting never panic.
    let out = bib::write::to_bibtex(&loaded.publications);
    let _ = bib::csl::to_csl_json(&loaded.publications);
    // What we write, we read back: same entries, same keys.
    let written = vec![BibFile {
        path: PathBuf::from("written.bib"),
        text: out.clone(),
    }];
    let again = bib::load_files(written, options());
    let keys: Vec<&str> = loaded.publications.iter().map(|p| p.key.as_str()).collect();
    let keys_again: Vec<&str> = again.publications.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys, keys_again,
        "written BibTeX reads back with other keys:\n{out}"
    );
}

fn check_edit(text: &str) {
    let entries = edit::scan_entries(text);
    let mut last_end = 0;
    for e in &entries {
        assert!(e.range.start >= last_end, "entries overlap");
        assert!(e.range.end <= text.len() && e.range.start < e.range.end);
        assert!(
            text.get(e.range.clone()).is_some(),
            "entry range not on char boundaries"
        );
        last_end = e.range.end;
        for f in &e.fields {
            assert!(
                e.range.start <= f.name_start
                    && f.name_start <= f.value.start
                    && f.value.end <= e.range.end,
                "field {} outside its entry",
                f.name
            );
            assert!(text.get(f.value.clone()).is_some());
        }
        let _ = edit::detect_style(text, e);
    }
    // Editing the first entry changes only that entry.
    if let Some(e) = entries.first() {
        let changes = vec![
            ("note".to_string(), "Fuzzed note".to_string()),
            ("doi".to_string(), "10.1000/fuzz.1".to_string()),
        ];
        let patches = edit::set_fields(text, e, &changes);
        for p in &patches {
            assert!(p.range.start <= p.range.end && p.range.end <= text.len());
        }
        let out = edit::apply_patches(text, &patches);
        assert_eq!(
            &out[..e.range.start],
            &text[..e.range.start],
            "bytes before the entry changed"
        );
        let tail = &text[e.range.end..];
        assert!(out.ends_with(tail), "bytes after the entry changed");
        let edited = &out[e.range.start..out.len() - tail.len()];
        let layout = edit::parse_entry(edited, 0..edited.len())
            .unwrap_or_else(|err| panic!("edited entry unreadable ({err}):\n{edited}"));
        for (name, value) in &changes {
            let f = layout
                .field(name)
                .unwrap_or_else(|| panic!("field {name} missing after the edit:\n{edited}"));
            let written = &edited[f.value.clone()];
            assert!(
                written == format!("{{{value}}}") || written == format!("\"{value}\""),
                "field {name} after the edit is {written:?}:\n{edited}"
            );
        }
    }
    // Inserting an entry keeps every other byte.
    let new = "@article{Fuzz99,\n  title = {Fuzz},\n}";
    let patch = edit::insert_entry(text, &entries, "Fuzz99", new);
    assert!(patch.range.start <= patch.range.end && patch.range.end <= text.len());
    let out = edit::apply_patches(text, std::slice::from_ref(&patch));
    assert_eq!(out.len(), text.len() - patch.range.len() + patch.text.len());
    // Escaping arbitrary text gives a value that does not break out of its braces.
    let escaped = edit::escape_value("title", text, false);
    let mut depth = 0i64;
    for b in escaped.bytes() {
        match b {
            b'{' => depth += 1,
            b'}' => depth -= 1,
            _ => {}
        }
        assert!(
            depth >= 0,
            "escaped value closes a brace it did not open: {escaped:?}"
        );
    }
    let _ = edit::escape_value("url", text, true);
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    // A NUL byte splits the input into two files, so macros cross files.
    let files = match text.split_once('\0') {
        Some((a, b)) => vec![
            BibFile {
                path: PathBuf::from("a.bib"),
                text: a.to_string(),
            },
            BibFile {
                path: PathBuf::from("b.bib"),
                text: b.to_string(),
            },
        ],
        None => vec![BibFile {
            path: PathBuf::from("fuzz.bib"),
            text: text.clone(),
        }],
    };
    check_load(files);
    check_edit(&text);
});
