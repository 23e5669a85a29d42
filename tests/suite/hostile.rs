//! Hostile input through the binary: markup and script URLs in every field, path traversal
//! in names that become paths, huge and deeply nested values, invalid UTF-8, symlinks out
//! of the content folder, and config files with unknown keys. Each test asserts what a user
//! would see: the output files, the exit code, the diagnostics.

use std::path::{Path, PathBuf};

use crate::support::{publist, stderr, stdout};

const SCRIPT: &str = "<script>alert('pwned')</script>";
const IMG: &str = "\"><img src=x onerror=alert(1)>";
const JS_URL: &str = "javascript:alert(1)";
const DATA_URL: &str = "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==";

/// Every file under `dir`, relative path → bytes.
pub fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e.unwrap();
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
            out.push((rel, std::fs::read(e.path()).unwrap()));
        }
    }
    out
}

fn hostile_bib() -> String {
    let h = format!("{SCRIPT}{IMG}");
    format!(
        "@article{{Evil20,\n  author = {{Mallory, Eve{h} and Verbeek, Anna}},\n  title = {{Title {h}\ntemplate: hacked}},\n  journal = {{Journal {h}}},\n  year = {{2020}},\n  volume = {{1{h}}},\n  number = {{2{h}}},\n  pages = {{3--4{h}}},\n  publisher = {{Pub {h}}},\n  doi = {{10.5555/evil{h}}},\n  url = {{{JS_URL}}},\n  code = {{{DATA_URL}}},\n  algorithm = {{ JavaScript:alert(2)}},\n  video = {{vbscript:msgbox(1)}},\n  pdf = {{{JS_URL}}},\n  taverne_url = {{{JS_URL}}},\n  keywords = {{kw {h}}},\n  note = {{Note {h}}},\n  optnote = {{DIAG, {h}}},\n  abstract = {{Abstract {h}\n\n<iframe src=\"{JS_URL}\"></iframe> P < 0.01}},\n}}\n\n\
@phdthesis{{Evil21,\n  author = {{Verbeek, Anna}},\n  title = {{Thesis {h}}},\n  school = {{School {h}}},\n  promotor = {{Prom {h}}},\n  copromotor = {{Coprom {h}}},\n  year = {{2021}},\n  url = {{{DATA_URL}}},\n  optnote = {{DIAG}},\n}}\n"
    )
}

fn write_hostile_site(dir: &Path) {
    let h = format!("{SCRIPT}{IMG}");
    std::fs::write(dir.join("refs.bib"), hostile_bib()).unwrap();
    std::fs::create_dir_all(dir.join("people")).unwrap();
    std::fs::create_dir_all(dir.join("projects")).unwrap();
    std::fs::write(
        dir.join("people/anna-verbeek.md"),
        format!(
            "title: Anna Verbeek {h}\nname: Anna Verbeek\nposition: Professor {h}\ngroups: diag\nemail: anna{IMG}@example.org\npicture: {JS_URL}\nwebsite: {JS_URL}\nscholar: {DATA_URL}\norcid: {JS_URL}\nlinkedin: {JS_URL}\npub_name: A. Verbeek\ntype: faculty\n\nBio {h}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("projects/evil-project.md"),
        format!(
            "title: Project {h}\ndescription: Desc {h}\ngroups: diag\npeople: Anna Verbeek, Outsider {h}\nwebsite: {JS_URL}\nbibkeys: Evil20\n\nBody {h}\n"
        ),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("content")).unwrap();
}

/// One start tag: its name, its attributes, and for `<script>` its text.
#[derive(Debug)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
}

/// A small HTML tokenizer, enough to see which elements and attributes a browser would make
/// of a page: quoted attribute values, comments, and script/style raw text are respected.
fn tags(html: &str) -> Vec<Tag> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        i += off + 1;
        if html[i..].starts_with("!--") {
            i = html[i..].find("-->").map_or(b.len(), |e| i + e + 3);
            continue;
        }
        if i >= b.len() || !b[i].is_ascii_alphabetic() {
            continue;
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-') {
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            if i >= b.len() || b[i] == b'>' {
                i += 1;
                break;
            }
            let a = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/')
            {
                i += 1;
            }
            let attr = html[a..i].to_ascii_lowercase();
            let mut value = String::new();
            if i < b.len() && b[i] == b'=' {
                i += 1;
                if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                    let q = b[i] as char;
                    let v = i + 1;
                    i = html[v..].find(q).map_or(b.len(), |e| v + e);
                    value = html[v..i.min(b.len())].to_string();
                    i += 1;
                } else {
                    let v = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = html[v..i].to_string();
                }
            }
            attrs.push((attr, value));
        }
        let mut text = String::new();
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            let end = html[i.min(b.len())..]
                .to_ascii_lowercase()
                .find(&close)
                .map_or(b.len(), |e| i + e);
            text = html[i.min(b.len())..end].to_string();
            i = end;
        }
        out.push(Tag { name, attrs, text });
        if i >= b.len() {
            break;
        }
    }
    out
}

/// Decodes the numeric character references and `&colon;`/`&amp;` a browser would decode in
/// an attribute value, drops whitespace and control characters, lowercases.
fn attribute_url(value: &str) -> String {
    let re = regex::Regex::new(r"&#(x[0-9a-fA-F]+|[0-9]+);?").unwrap();
    let decoded = re.replace_all(value, |c: &regex::Captures| {
        let n = &c[1];
        let code = match n.strip_prefix('x') {
            Some(h) => u32::from_str_radix(h, 16).ok(),
            None => n.parse().ok(),
        };
        code.and_then(char::from_u32)
            .map(String::from)
            .unwrap_or_default()
    });
    decoded
        .replace("&colon;", ":")
        .replace("&amp;", "&")
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase()
}

fn is_script_url(value: &str) -> bool {
    let v = attribute_url(value);
    ["javascript:", "data:", "vbscript:"]
        .iter()
        .any(|p| v.starts_with(p))
}

/// What would run in a browser: script elements publist did not write, elements the
/// templates never use, event-handler attributes, script URLs in any attribute.
fn live_script(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for t in tags(html) {
        match t.name.as_str() {
            "iframe" | "object" | "embed" | "svg" | "math" | "base" => {
                found.push(format!("<{}>", t.name))
            }
            "script" => {
                let ld = t
                    .attrs
                    .iter()
                    .any(|(a, v)| a == "type" && v == "application/ld+json");
                let src = t
                    .attrs
                    .iter()
                    .any(|(a, v)| a == "src" && v.ends_with("publist.js"));
                if ld {
                    if serde_json::from_str::<serde_json::Value>(&t.text).is_err() {
                        found.push(format!("JSON-LD broken out of: {}", t.text));
                    }
                } else if !src || !t.text.trim().is_empty() {
                    found.push(format!("<script> {:?} {}", t.attrs, t.text));
                }
            }
            _ => {}
        }
        for (a, v) in &t.attrs {
            if a.starts_with("on") {
                found.push(format!("<{} {a}={v}>", t.name));
            }
            if is_script_url(v) {
                found.push(format!("<{} {a}={v}>", t.name));
            }
            if t.name == "img" && a == "src" && v == "x" {
                found.push(format!("<img src={v}>"));
            }
        }
    }
    found
}

/// Markup from the payloads in text that is not HTML (JSON values, Markdown) but that a
/// template or Markdown renderer would pass through as HTML.
fn live_markup(text: &str) -> Vec<String> {
    let re = regex::Regex::new(r"(?i)<\s*(script|img|iframe)").unwrap();
    re.find_iter(text).map(|m| m.as_str().to_string()).collect()
}

fn json_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_strings(x, out)),
        serde_json::Value::Object(o) => o.iter().for_each(|(k, x)| {
            out.push(k.clone());
            json_strings(x, out)
        }),
        _ => {}
    }
}

#[test]
fn markup_and_script_urls_in_every_field_are_inert_in_every_output() {
    let dir = tempfile::tempdir().unwrap();
    write_hostile_site(dir.path());
    let out = publist(
        dir.path(),
        &[
            "build",
            "--bib",
            "refs.bib",
            "--people",
            "people",
            "--projects",
            "projects",
            "--out",
            "out",
            "--emit",
            "diag-pelican",
            "--site",
            "diag",
            "--content",
            "content",
        ],
    );
    assert!(matches!(out.status.code(), Some(0 | 2)), "{}", stderr(&out));

    let mut outputs = files_under(&dir.path().join("out"));
    outputs.extend(
        files_under(&dir.path().join("content"))
            .into_iter()
            .map(|(p, b)| (Path::new("content").join(p), b)),
    );
    assert!(
        outputs
            .iter()
            .any(|(p, _)| p.to_string_lossy().contains("evil20")),
        "the hostile entry was not rendered at all: {:?}",
        outputs.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    assert!(
        outputs
            .iter()
            .any(|(p, _)| p.starts_with("content") && p.to_string_lossy().ends_with(".md")),
        "no DIAG stubs written"
    );
    let mut checked = 0;
    for (path, bytes) in &outputs {
        let name = path.to_string_lossy();
        let text = String::from_utf8_lossy(bytes);
        if name.ends_with(".html") || name.ends_with(".htm") {
            checked += 1;
            let live = live_script(&text);
            assert!(live.is_empty(), "{name}: {live:?}");
        } else if name.ends_with(".json") {
            checked += 1;
            let v: serde_json::Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{name} is not valid JSON: {e}"));
            let mut strings = Vec::new();
            json_strings(&v, &mut strings);
            for s in &strings {
                let lower = s.trim().to_ascii_lowercase();
                assert!(
                    !["javascript:", "data:", "vbscript:"]
                        .iter()
                        .any(|p| lower.starts_with(p)),
                    "{name}: a script URL survives as a value: {s:?}"
                );
                // DIAG's Jinja templates print these values unescaped.
                if name.starts_with("content") {
                    assert!(live_markup(s).is_empty(), "{name}: {s:?}");
                }
            }
        } else if name.ends_with(".md") {
            checked += 1;
            // Pelican passes raw HTML in Markdown through, and header values unescaped.
            assert!(live_markup(&text).is_empty(), "{name}: {text}");
            for line in text.lines() {
                let lower = line.to_ascii_lowercase();
                if let Some((_, v)) = lower.split_once(": ") {
                    assert!(
                        !["javascript:", "data:", "vbscript:"]
                            .iter()
                            .any(|p| v.trim().starts_with(p)),
                        "{name}: {line}"
                    );
                }
            }
            assert!(
                !text.lines().any(|l| l.trim() == "template: hacked"),
                "{name}: a newline in a title injected a header field:\n{text}"
            );
        }
    }
    assert!(checked > 5, "only {checked} outputs checked");
    // The text is still there, shown as text.
    let page = std::fs::read_to_string(dir.path().join("out/publications/evil20/index.html"))
        .unwrap_or_default();
    assert!(page.contains("&lt;script&gt;"), "{page}");
}

#[test]
fn check_json_stays_valid_json_with_markup_in_keys_and_values() {
    let dir = tempfile::tempdir().unwrap();
    // A broken entry whose key and text carry markup: the diagnostic quotes them.
    std::fs::write(
        dir.path().join("refs.bib"),
        format!("@article{{Bad{SCRIPT},\n  title = {{{SCRIPT}\n  year = 2020,\n}}\n"),
    )
    .unwrap();
    let out = publist(
        dir.path(),
        &["check", "--bib", "refs.bib", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(!v["diagnostics"].as_array().unwrap().is_empty());
}

fn build_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "build",
        "--bib",
        "refs.bib",
        "--people",
        "people",
        "--projects",
        "projects",
        "--out",
        "out",
    ];
    a.extend_from_slice(extra);
    a
}

#[test]
fn path_traversal_in_keys_slugs_and_groups_writes_nothing_outside_the_output_folder() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("site");
    std::fs::create_dir_all(dir.join("people")).unwrap();
    std::fs::create_dir_all(dir.join("projects")).unwrap();
    std::fs::create_dir_all(dir.join("content")).unwrap();
    let bib = "@article{../../escaped,\n  author = {Verbeek, Anna},\n  title = {Traversal key},\n  journal = {J},\n  year = {2020},\n  optnote = {DIAG, ../../grp, /tmp/abs},\n}\n\n\
@article{/tmp/absolute,\n  author = {Verbeek, Anna},\n  title = {Absolute key},\n  journal = {J},\n  year = {2021},\n  optnote = {DIAG},\n}\n\n\
@article{nul\u{0}key,\n  author = {Verbeek, Anna},\n  title = {NUL key},\n  journal = {J},\n  year = {2022},\n}\n\n\
@article{Good20,\n  author = {Verbeek, Anna},\n  title = {A normal paper},\n  journal = {J},\n  year = {2020},\n  optnote = {DIAG},\n}\n";
    std::fs::write(dir.join("refs.bib"), bib).unwrap();
    std::fs::write(
        dir.join("people/anna-verbeek.md"),
        "title: Anna Verbeek\nname: Anna Verbeek\nslug: ../../../pwned-person\ngroups: diag, ../../pwned-group, /tmp/pwned-abs\n\nBio.\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("projects/p.md"),
        "title: P\nslug: ../../pwned-project\ngroups: ../../pwned-pgroup\nbibkeys: Good20, ../../escaped\n\nBody.\n",
    )
    .unwrap();
    let before_root: Vec<PathBuf> = std::fs::read_dir(root.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let out = publist(
        &dir,
        &build_args(&[
            "--emit",
            "diag-pelican",
            "--site",
            "diag",
            "--content",
            "content",
        ]),
    );
    // A site name that is a path is a usage error, named.
    let bad_site = publist(
        &dir,
        &build_args(&[
            "--emit",
            "diag-pelican",
            "--site",
            "../../pwned-site",
            "--content",
            "content",
        ]),
    );
    assert_eq!(bad_site.status.code(), Some(3), "{}", stderr(&bad_site));
    assert!(
        stderr(&bad_site).contains("../../pwned-site"),
        "{}",
        stderr(&bad_site)
    );
    let err = stderr(&out);
    // Nothing appeared next to the site folder, nor in /tmp.
    let after_root: Vec<PathBuf> = std::fs::read_dir(root.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(before_root, after_root, "{err}");
    for p in ["/tmp/absolute", "/tmp/abs", "/tmp/pwned-abs"] {
        assert!(!Path::new(p).join("index.html").exists(), "{p}");
    }
    // Every file written is inside out/ or content/, under a safe name.
    let written: Vec<PathBuf> = files_under(&dir)
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| {
            !p.starts_with("people") && !p.starts_with("projects") && p != Path::new("refs.bib")
        })
        .collect();
    for p in &written {
        assert!(
            p.starts_with("out")
                || p.starts_with("content")
                || p.starts_with("website-diag/content/pages"),
            "written outside the output folders: {}",
            p.display()
        );
        assert!(
            !p.components().any(|c| c.as_os_str() == ".."),
            "{}",
            p.display()
        );
    }
    // The good entry is still built; the bad key is named in a diagnostic.
    assert!(
        dir.join("out/publications/good20/index.html").is_file(),
        "{err}"
    );
    assert!(
        err.contains("../../escaped"),
        "no diagnostic names the key:\n{err}"
    );
}

#[test]
fn a_ten_megabyte_abstract_is_read_and_rendered() {
    let dir = tempfile::tempdir().unwrap();
    let word = "lorem ipsum dolor sit amet ";
    let abstract_text = word.repeat(10 * 1024 * 1024 / word.len());
    std::fs::write(
        dir.path().join("refs.bib"),
        format!(
            "@article{{Huge20,\n  author = {{Verbeek, Anna}},\n  title = {{A huge abstract}},\n  journal = {{J}},\n  year = {{2020}},\n  abstract = {{{abstract_text}}},\n}}\n\n@article{{Small20,\n  author = {{Verbeek, Anna}},\n  title = {{Small}},\n  journal = {{J}},\n  year = {{2020}},\n}}\n"
        ),
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("people")).unwrap();
    std::fs::create_dir_all(dir.path().join("projects")).unwrap();
    let out = publist(dir.path(), &build_args(&[]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page =
        std::fs::read_to_string(dir.path().join("out/publications/huge20/index.html")).unwrap();
    assert!(
        page.len() > 10_000_000,
        "abstract cut: {} bytes",
        page.len()
    );
    assert!(dir
        .path()
        .join("out/publications/small20/index.html")
        .is_file());
    let check = publist(dir.path(), &["check", "--bib", "refs.bib"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
}

#[test]
fn braces_nested_100000_deep_are_a_diagnostic_not_a_stack_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!("{}x{}", "{".repeat(100_000), "}".repeat(100_000));
    let unbalanced = "{".repeat(100_000);
    std::fs::write(
        dir.path().join("refs.bib"),
        format!(
            "@article{{Deep20,\n  author = {{Verbeek, Anna}},\n  title = {deep},\n  year = {{2020}},\n}}\n\n@article{{Open20,\n  title = {unbalanced},\n  year = {{2020}},\n}}\n\n@article{{Fine20,\n  author = {{Verbeek, Anna}},\n  title = {{Still here}},\n  journal = {{J}},\n  year = {{2020}},\n}}\n"
        ),
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("people")).unwrap();
    std::fs::create_dir_all(dir.path().join("projects")).unwrap();
    for args in [
        vec!["check", "--bib", "refs.bib"],
        build_args(&[]),
        vec!["export", "--bib", "refs.bib", "--format", "json"],
    ] {
        let out = publist(dir.path(), &args);
        let err = stderr(&out);
        assert!(
            matches!(out.status.code(), Some(0..=3)),
            "{args:?} crashed: {:?}\n{err}",
            out.status
        );
        if args[0] == "check" {
            assert_eq!(out.status.code(), Some(2), "{err}");
            assert!(err.contains("Open20"), "{err}");
        }
    }
    assert!(dir
        .path()
        .join("out/publications/fine20/index.html")
        .is_file());
}

#[test]
fn invalid_utf8_in_a_bib_file_names_file_offset_and_line_and_the_rest_loads() {
    let dir = tempfile::tempdir().unwrap();
    let mut bad = b"@article{Lat20,\n  author = {M\xfcller, Jan},\n  title = {Latin-1},\n  year = {2020},\n}\n\n".to_vec();
    bad.extend_from_slice(b"@article{After20,\n  author = {Verbeek, Anna},\n  title = {After the bad byte},\n  journal = {J},\n  year = {2020},\n}\n");
    std::fs::write(dir.path().join("bad.bib"), &bad).unwrap();
    std::fs::write(
        dir.path().join("good.bib"),
        "@article{Good20,\n  author = {Verbeek, Anna},\n  title = {Fine},\n  journal = {J},\n  year = {2020},\n}\n",
    )
    .unwrap();
    let out = publist(
        dir.path(),
        &["check", "--bib", "bad.bib", "--bib", "good.bib"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("bad.bib:2"), "file and line: {err}");
    assert!(err.contains("byte 29"), "byte offset: {err}");
    let json = publist(
        dir.path(),
        &[
            "check", "--bib", "bad.bib", "--bib", "good.bib", "--format", "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(v["entries"], 3, "{v}");
}

#[test]
fn invalid_utf8_in_a_page_names_the_file_and_other_pages_load() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("refs.bib"),
        "@article{Good20,\n  author = {Verbeek, Anna},\n  title = {Fine},\n  journal = {J},\n  year = {2020},\n}\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("people")).unwrap();
    std::fs::create_dir_all(dir.path().join("projects")).unwrap();
    std::fs::write(
        dir.path().join("people/jan-muller.md"),
        b"title: Jan\nname: Jan M\xfcller\n\nBio.\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("people/anna-verbeek.md"),
        "title: Anna Verbeek\nname: Anna Verbeek\n\nBio.\n",
    )
    .unwrap();
    let out = publist(dir.path(), &build_args(&[]));
    let err = stderr(&out);
    assert!(err.contains("jan-muller.md:2"), "file and line: {err}");
    assert!(err.contains("byte offset 22"), "byte offset: {err}");
    assert!(dir
        .path()
        .join("out/people/anna-verbeek/index.html")
        .is_file());
}

const LATIN1_BIB: &[u8] =
    b"@article{Lat20,\n  author = {M\xfcller, Jan},\n  title = {Latin-1},\n  year = {2020},\n}\n";

#[test]
fn writers_refuse_to_edit_a_bib_file_that_is_not_utf8() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.bib"), LATIN1_BIB).unwrap();
    std::fs::write(
        dir.path().join("review.md"),
        "# Discover review\n\n## anna-verbeek\n\n- [x] add `doi:10.5555/new.1` New work (2021)\n",
    )
    .unwrap();
    let out = publist(
        dir.path(),
        &[
            "apply",
            "review.md",
            "--bib",
            "bad.bib",
            "--into",
            "bad.bib",
        ],
    );
    let err = stderr(&out);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("bad.bib:2: not valid UTF-8 at byte 29"),
        "{err}"
    );
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(
        std::fs::read(dir.path().join("bad.bib")).unwrap(),
        LATIN1_BIB
    );
}

#[test]
fn fill_write_refuses_a_page_that_is_not_utf8() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("refs.bib"),
        "@article{Good20,\n  author = {Verbeek, Anna},\n  title = {Lung nodule detection in CT},\n  journal = {J},\n  year = {2020},\n}\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("people")).unwrap();
    std::fs::create_dir_all(dir.path().join("projects")).unwrap();
    std::fs::write(
        dir.path().join("people/anna-verbeek.md"),
        "title: Anna Verbeek\nname: Anna Verbeek\n\nBio.\n",
    )
    .unwrap();
    let page: &[u8] =
        b"title: Lung nodules\npeople: Anna Verbeek\ndescription: Lung nodule detection in CT \xe9\n\nBody.\n";
    std::fs::write(dir.path().join("projects/lung.md"), page).unwrap();
    let out = publist(
        dir.path(),
        &[
            "fill",
            "--bib",
            "refs.bib",
            "--people",
            "people",
            "--projects",
            "projects",
            "--write",
            "--min-score",
            "0",
        ],
    );
    let err = format!("{}{}", stderr(&out), stdout(&out));
    assert!(
        err.contains("projects/lung.md:3: not valid UTF-8 at byte 82"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(dir.path().join("projects/lung.md")).unwrap(),
        page
    );
}

#[cfg(unix)]
#[test]
fn fill_write_never_writes_through_symlinks_out_of_the_content_folder() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("site");
    let outside = root.path().join("outside");
    std::fs::create_dir_all(dir.join("people")).unwrap();
    std::fs::create_dir_all(dir.join("projects")).unwrap();
    std::fs::create_dir_all(outside.join("linked")).unwrap();
    std::fs::write(
        dir.join("refs.bib"),
        "@article{Good20,\n  author = {Verbeek, Anna},\n  title = {Lung nodule detection in CT},\n  journal = {J},\n  year = {2020},\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("people/anna-verbeek.md"),
        "title: Anna Verbeek\nname: Anna Verbeek\n\nBio.\n",
    )
    .unwrap();
    let page = "title: Lung nodules\npeople: Anna Verbeek\ndescription: Lung nodule detection in CT\n\nBody.\n";
    // A page that is a symlink to a file outside, and a folder that is a symlink outside.
    std::fs::write(outside.join("lung.md"), page).unwrap();
    std::fs::write(outside.join("linked/lung2.md"), page).unwrap();
    std::os::unix::fs::symlink(outside.join("lung.md"), dir.join("projects/lung.md")).unwrap();
    std::os::unix::fs::symlink(outside.join("linked"), dir.join("projects/linked")).unwrap();
    let fill = |projects: &str| {
        publist(
            &dir,
            &[
                "fill",
                "--bib",
                "refs.bib",
                "--people",
                "people",
                "--projects",
                projects,
                "--write",
                "--min-score",
                "0",
            ],
        )
    };
    // Links inside the folder are not followed, and the user is told.
    let out = fill("projects");
    assert!(stderr(&out).contains("warnings"), "{}", stderr(&out));
    let check = publist(
        &dir,
        &[
            "check",
            "--bib",
            "refs.bib",
            "--people",
            "people",
            "--projects",
            "projects",
        ],
    );
    let err = stderr(&check);
    assert!(err.contains("projects/lung.md is a symbolic link"), "{err}");
    assert!(err.contains("projects/linked is a symbolic link"), "{err}");
    // A link named on the command line is read, but not written through.
    let named = fill("projects/lung.md");
    let named_err = format!("{}{}", stderr(&named), stdout(&named));
    assert!(named_err.contains("symbolic link"), "{named_err}");
    assert_ne!(named.status.code(), Some(0), "{named_err}");
    assert_eq!(
        std::fs::read_to_string(outside.join("lung.md")).unwrap(),
        page,
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(outside.join("linked/lung2.md")).unwrap(),
        page,
        "{err}"
    );
    assert!(dir.join("projects/lung.md").is_symlink());
}

#[cfg(unix)]
#[test]
fn build_never_follows_symlinks_in_the_output_folder_for_writing() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("site");
    let outside = root.path().join("outside");
    std::fs::create_dir_all(dir.join("people")).unwrap();
    std::fs::create_dir_all(dir.join("projects")).unwrap();
    std::fs::create_dir_all(dir.join("out/people")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(
        dir.join("refs.bib"),
        "@article{Good20,\n  author = {Verbeek, Anna},\n  title = {Fine},\n  journal = {J},\n  year = {2020},\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("people/anna-verbeek.md"),
        "title: Anna Verbeek\nname: Anna Verbeek\n\nBio.\n",
    )
    .unwrap();
    std::fs::write(outside.join("victim.html"), "keep me").unwrap();
    // out/index.html is a symlink to a file outside; out/publications is a symlink to a
    // folder outside; out/people/anna-verbeek is a symlink to the same folder.
    std::os::unix::fs::symlink(outside.join("victim.html"), dir.join("out/index.html")).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("out/publications")).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("out/people/anna-verbeek")).unwrap();
    let out = publist(&dir, &build_args(&[]));
    let err = stderr(&out);
    let left: Vec<PathBuf> = files_under(&outside).into_iter().map(|(p, _)| p).collect();
    assert_eq!(left, vec![PathBuf::from("victim.html")], "{err}");
    assert_eq!(
        std::fs::read_to_string(outside.join("victim.html")).unwrap(),
        "keep me"
    );
    assert!(err.contains("symbolic link"), "{err}");
    assert_ne!(out.status.code(), Some(0), "{err}");
}

/// A config file with one unknown key in `section`.
fn unknown_key_config(section: &str) -> String {
    if section.is_empty() {
        "bogus_top = 1\n".to_string()
    } else {
        format!("[{section}]\nbogus_key = 1\n")
    }
}

#[test]
fn unknown_config_keys_are_named_with_the_file_in_every_section() {
    let text =
        std::fs::read_to_string(crate::support::root().join("publist.example.toml")).unwrap();
    let table: toml::Table = toml::from_str(&text).unwrap();
    let mut sections: Vec<String> = vec![String::new()];
    fn walk(prefix: &str, t: &toml::Table, out: &mut Vec<String>) {
        for (k, v) in t {
            if let toml::Value::Table(inner) = v {
                let name = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                out.push(name.clone());
                walk(&name, inner, out);
            }
        }
    }
    walk("", &table, &mut sections);
    assert!(sections.len() > 5, "{sections:?}");
    for section in &sections {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("publist.toml"), unknown_key_config(section)).unwrap();
        let out = publist(dir.path(), &["check"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(3), "[{section}]: {err}");
        assert!(err.contains("publist.toml"), "[{section}]: {err}");
        let key = if section.is_empty() {
            "bogus_top"
        } else {
            "bogus_key"
        };
        assert!(err.contains(key), "[{section}]: {err}");
    }
}

#[test]
fn enrich_write_refuses_a_bib_file_that_is_not_utf8_and_edits_the_others() {
    let (_tmp, dir) = crate::merge::fixture_copy();
    crate::merge::fill_work_answers(&crate::merge::store_in(&dir));
    let group = dir.join("bib/group.bib");
    let mut bytes = std::fs::read(&group).unwrap();
    let offset = bytes.len() + 3;
    bytes.extend_from_slice(b"% M\xfcller\n");
    std::fs::write(&group, &bytes).unwrap();
    let lab_before = std::fs::read(dir.join("bib/lab.bib")).unwrap();
    let out = crate::merge::run(&dir, &["enrich", "--write"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("bib/group.bib"), "{err}");
    assert!(
        err.contains(&format!("not valid UTF-8 at byte {offset}")),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&group).unwrap(),
        bytes,
        "the Latin-1 file was edited"
    );
    assert_ne!(
        std::fs::read(dir.join("bib/lab.bib")).unwrap(),
        lab_before,
        "the valid file was not enriched"
    );
}
