//! Stage 1: person and project pages.
//!
//! Each page's metadata block is detected per file (Pelican `key: value` header, YAML `---`
//! or TOML `+++` front matter, see [`page`]), read tolerantly (every oddity is a warning with
//! file:line, never a crash), and turned into a [`Person`] or a [`Project`]. The same
//! [`page::split`] gives the byte ranges that byte-preserving edits work on.

pub mod edit;
pub mod page;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diagnostics::Diagnostic;
use crate::model::{Person, Project};

pub use page::{detect_format, header_range, split, Field, PageWarning, Split};

/// Everything loaded from the site's content folders.
#[derive(Debug, Clone, Default)]
pub struct Site {
    /// Person pages, sorted by slug.
    pub people: Vec<Person>,
    /// Project pages, sorted by slug.
    pub projects: Vec<Project>,
    /// Problems found.
    pub diagnostics: Vec<Diagnostic>,
}

impl Site {
    /// The person with this slug.
    pub fn person(&self, slug: &str) -> Option<&Person> {
        self.people.iter().find(|p| p.slug == slug)
    }

    /// The project with this slug.
    pub fn project(&self, slug: &str) -> Option<&Project> {
        self.projects.iter().find(|p| p.slug == slug)
    }
}

/// Loads person pages from `people` and project pages from `projects` (folders, files or
/// glob patterns such as `content/members/*.md`). Folders are searched recursively for
/// `.md` and `.markdown` files. Nothing here fails: unreadable files and odd pages become
/// diagnostics.
pub fn load(people: &[PathBuf], projects: &[PathBuf]) -> Site {
    let mut site = Site::default();
    for path in page_files(people, "people", &mut site.diagnostics) {
        if let Some(page) = read_page(&path, &mut site.diagnostics) {
            site.people
                .push(person_from(&path, &page, &mut site.diagnostics));
        }
    }
    for path in page_files(projects, "projects", &mut site.diagnostics) {
        if let Some(page) = read_page(&path, &mut site.diagnostics) {
            site.projects
                .push(project_from(&path, &page, &mut site.diagnostics));
        }
    }
    site.people
        .sort_by(|a, b| a.slug.cmp(&b.slug).then_with(|| a.path.cmp(&b.path)));
    site.projects
        .sort_by(|a, b| a.slug.cmp(&b.slug).then_with(|| a.path.cmp(&b.path)));
    report_slug_clashes(&site.people, |p| (&p.slug, &p.path), &mut site.diagnostics);
    report_slug_clashes(
        &site.projects,
        |p| (&p.slug, &p.path),
        &mut site.diagnostics,
    );
    site
}

/// The slug of a page: its file stem, lowercased (as the DIAG site does).
pub fn slug_of(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

fn is_page(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"))
}

/// Expands folders, files and glob patterns into a sorted, deduplicated list of page files.
fn page_files(inputs: &[PathBuf], what: &str, diags: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for input in inputs {
        let text = input.to_string_lossy();
        if text.contains(['*', '?', '[', '{']) {
            match globset::Glob::new(&text) {
                Ok(glob) => {
                    let matcher = glob.compile_matcher();
                    let base = glob_base(input);
                    let before = out.len();
                    for entry in walkdir::WalkDir::new(&base)
                        .sort_by_file_name()
                        .into_iter()
                        .flatten()
                    {
                        if entry.file_type().is_file() && matcher.is_match(entry.path()) {
                            out.push(entry.path().to_path_buf());
                        } else if entry.path_is_symlink() && matcher.is_match(entry.path()) {
                            warn_symlink(entry.path(), what, diags);
                        }
                    }
                    if out.len() == before {
                        diags.push(
                            Diagnostic::warning("site-no-pages", format!("no {what} pages match `{text}`"))
                                .help("check the pattern in [site] of publist.toml or the command-line flag"),
                        );
                    }
                }
                Err(e) => diags.push(
                    Diagnostic::error(
                        "site-bad-glob",
                        format!("`{text}` is not a valid glob pattern: {e}"),
                    )
                    .help("fix the pattern in [site] of publist.toml or the command-line flag"),
                ),
            }
        } else if input.is_dir() {
            for entry in walkdir::WalkDir::new(input).sort_by_file_name().into_iter() {
                match entry {
                    Ok(e) if e.file_type().is_file() && is_page(e.path()) => {
                        out.push(e.path().to_path_buf())
                    }
                    Ok(e) if e.path_is_symlink() => warn_symlink(e.path(), what, diags),
                    Ok(_) => {}
                    Err(e) => diags.push(Diagnostic::warning(
                        "site-unreadable",
                        format!(
                            "cannot read part of the {what} folder {}: {e}",
                            input.display()
                        ),
                    )),
                }
            }
        } else if input.is_file() {
            out.push(input.clone());
        } else {
            diags.push(
                Diagnostic::error(
                    "site-missing-folder",
                    format!("{what} folder {} does not exist", input.display()),
                )
                .help("fix the path in [site] of publist.toml or the command-line flag"),
            );
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A symbolic link inside a content folder (to a page or a folder) is not followed: its
/// target may lie outside the site, and `fill --write` must never edit through it.
fn warn_symlink(path: &Path, what: &str, diags: &mut Vec<Diagnostic>) {
    let target = std::fs::metadata(path);
    if !(is_page(path) || target.as_ref().is_ok_and(|m| m.is_dir())) {
        return;
    }
    diags.push(
        Diagnostic::warning(
            "site-symlink",
            format!(
                "{} is a symbolic link; not read (links in the {what} folder are not followed)",
                path.display()
            ),
        )
        .at(path, 0, 0)
        .help("copy the page into the folder, or pass the link's target with --people/--projects"),
    );
}

/// The longest leading part of a glob pattern without metacharacters (where to walk from).
fn glob_base(pattern: &Path) -> PathBuf {
    let mut base = PathBuf::new();
    for comp in pattern.components() {
        if comp
            .as_os_str()
            .to_string_lossy()
            .contains(['*', '?', '[', '{'])
        {
            break;
        }
        base.push(comp);
    }
    if base.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        base
    }
}

/// A page read from disk: its text and its split.
struct Page {
    text: String,
    split: Split,
}

fn read_page(path: &Path, diags: &mut Vec<Diagnostic>) -> Option<Page> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            diags.push(
                Diagnostic::error("site-unreadable", format!("cannot read page: {e}"))
                    .at(path, 0, 0),
            );
            return None;
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
            diags.push(
                Diagnostic::warning(
                    "site-invalid-utf8",
                    format!("page is not valid UTF-8 at byte offset {offset}; invalid bytes were replaced"),
                )
                .at(path, line as u32, 0)
                .key(slug_of(path))
                .help("save the file as UTF-8"),
            );
            String::from_utf8_lossy(&bytes).into_owned()
        }
    };
    Some(page_from_text(path, text, diags))
}

/// Splits a page's text and reports its header warnings (everything [`read_page`] does
/// after reading the bytes).
fn page_from_text(path: &Path, text: String, diags: &mut Vec<Diagnostic>) -> Page {
    let split = split(&text);
    for w in &split.warnings {
        diags.push(
            Diagnostic::warning(w.code, w.message.clone())
                .at(path, w.line, 0)
                .key(slug_of(path))
                .help(w.help.clone()),
        );
    }
    if split.fields.is_empty() {
        diags.push(
            Diagnostic::warning("site-no-header", "page has no metadata header")
                .at(path, 1, 0)
                .key(slug_of(path))
                .help(
                    "start the page with `title: …` / `name: …` lines, or YAML/TOML front matter",
                ),
        );
    }
    Page { text, split }
}

/// Reads a person page that is already in memory, exactly as [`load`] reads one from disk
/// (for fuzzing and tests); problems go to `diags`.
pub fn person_from_text(path: &Path, text: &str, diags: &mut Vec<Diagnostic>) -> Person {
    let page = page_from_text(path, text.to_string(), diags);
    person_from(path, &page, diags)
}

/// Reads a project page that is already in memory, exactly as [`load`] reads one from disk
/// (for fuzzing and tests); problems go to `diags`.
pub fn project_from_text(path: &Path, text: &str, diags: &mut Vec<Diagnostic>) -> Project {
    let page = page_from_text(path, text.to_string(), diags);
    project_from(path, &page, diags)
}

/// Fields that hold comma lists: repeated keys add to the list instead of replacing it.
const LIST_FIELDS: [&str; 4] = ["people", "bibkeys", "groups", "pub_name"];

/// The fields of a page by lowercased name, with duplicates resolved (lists concatenated,
/// otherwise the first wins) and reported.
fn field_map(
    path: &Path,
    split: &Split,
    diags: &mut Vec<Diagnostic>,
) -> BTreeMap<String, (String, u32)> {
    let mut map: BTreeMap<String, (String, u32)> = BTreeMap::new();
    for f in &split.fields {
        if f.key != f.name {
            diags.push(
                Diagnostic::warning(
                    "site-capitalised-key",
                    format!("key `{}` is capitalised; read as `{}`", f.key, f.name),
                )
                .at(path, f.line, 1)
                .key(slug_of(path))
                .help(format!("write `{}:` in lowercase", f.name)),
            );
        }
        // List items of `pub_name` may hold commas ("Laak, J. van der"): keep them apart.
        let value = if f.name == "pub_name" && !f.items.is_empty() {
            f.items.join("; ")
        } else {
            f.value.clone()
        };
        match map.get_mut(&f.name) {
            None => {
                map.insert(f.name.clone(), (value, f.line));
            }
            Some((existing, first)) => {
                let list = LIST_FIELDS.contains(&f.name.as_str());
                let what = if list {
                    "both lists are used"
                } else {
                    "the first value is used"
                };
                diags.push(
                    Diagnostic::warning(
                        "site-duplicate-key",
                        format!("`{}` appears again (first at line {first}); {what}", f.name),
                    )
                    .at(path, f.line, 1)
                    .key(slug_of(path))
                    .help(format!("keep one `{}:` line", f.name)),
                );
                if list && !f.value.trim().is_empty() {
                    if !existing.trim().is_empty() {
                        existing.push_str(if f.name == "pub_name" { "; " } else { ", " });
                    }
                    existing.push_str(&value);
                }
            }
        }
    }
    map
}

fn non_empty(map: &BTreeMap<String, (String, u32)>, key: &str) -> Option<String> {
    map.get(key)
        .map(|(v, _)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Splits a comma list, trimming items and dropping empty ones.
fn comma_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|s| !s.is_empty())
        .collect()
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" | "y" | "1" | "on" => Some(true),
        "no" | "false" | "n" | "0" | "off" => Some(false),
        _ => None,
    }
}

/// A yes/no field; a list such as `no, yes` uses its last value, with a warning.
fn bool_field(
    path: &Path,
    map: &BTreeMap<String, (String, u32)>,
    key: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<bool> {
    let (value, line) = map.get(key)?;
    if value.trim().is_empty() {
        return None;
    }
    let items: Vec<Option<bool>> = value.split(',').map(parse_bool).collect();
    let parsed = items.last().copied().flatten();
    if items.len() > 1 || parsed.is_none() {
        let used = parsed.map_or("nothing".to_string(), |b| {
            if b { "yes" } else { "no" }.to_string()
        });
        diags.push(
            Diagnostic::warning(
                "site-bad-value",
                format!("`{key}: {value}` is not one yes/no value; {used} is used"),
            )
            .at(path, *line, 1)
            .key(slug_of(path))
            .help(format!("write `{key}: yes` or `{key}: no`")),
        );
    }
    parsed
}

/// Parses `2013-2021`, `2013-` or `2013` into (start, end).
pub fn parse_years(text: &str) -> Option<(i32, Option<i32>)> {
    let t = text.trim();
    let (start, end) = match t.split_once(['-', '–']) {
        Some((s, e)) => (s.trim(), Some(e.trim())),
        None => (t, None),
    };
    let start: i32 = start.parse().ok()?;
    let end = match end {
        None => Some(start),
        Some("") => None,
        Some(e) => Some(e.parse().ok()?),
    };
    Some((start, end))
}

/// The bare ORCID iD (`0000-0003-2028-8972`) in an id or URL.
pub fn bare_orcid(text: &str) -> Option<String> {
    use std::sync::LazyLock;
    static ORCID: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"([0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9Xx])").expect("static regex")
    });
    ORCID.captures(text).map(|c| c[1].to_ascii_uppercase())
}

fn missing(path: &Path, key: &str, what: &str, diags: &mut Vec<Diagnostic>) {
    diags.push(
        Diagnostic::warning(
            "site-missing-field",
            format!("page has no `{key}:` field; {what}"),
        )
        .at(path, 1, 0)
        .key(slug_of(path))
        .help(format!("add a `{key}:` line to the header")),
    );
}

fn person_from(path: &Path, page: &Page, diags: &mut Vec<Diagnostic>) -> Person {
    let map = field_map(path, &page.split, diags);
    let slug = slug_of(path);
    let name = match non_empty(&map, "name").or_else(|| non_empty(&map, "title")) {
        Some(n) => n,
        None => {
            missing(path, "name", "the file name is used as the name", diags);
            slug.replace(['-', '_'], " ")
        }
    };
    if !map.contains_key("groups") {
        missing(path, "groups", "the person belongs to no group", diags);
    }
    let active_years = match map.get("active_years") {
        Some((v, line)) if !v.trim().is_empty() => {
            let parsed = parse_years(v);
            if parsed.is_none() {
                diags.push(
                    Diagnostic::warning(
                        "site-bad-value",
                        format!("`active_years: {v}` is not a year range; ignored"),
                    )
                    .at(path, *line, 1)
                    .key(slug.clone())
                    .help("write `active_years: 2013-2021` or `active_years: 2013-`"),
                );
            }
            parsed
        }
        _ => None,
    };
    let orcid = non_empty(&map, "orcid").and_then(|v| {
        let bare = bare_orcid(&v);
        if bare.is_none() {
            diags.push(
                Diagnostic::warning(
                    "site-bad-value",
                    format!("`orcid: {v}` holds no ORCID iD; ignored"),
                )
                .at(path, map.get("orcid").map_or(0, |f| f.1), 1)
                .key(slug.clone())
                .help(
                    "write the iD as 0000-0000-0000-0000 or https://orcid.org/0000-0000-0000-0000",
                ),
            );
        }
        bare
    });
    Person {
        name,
        pub_names: non_empty(&map, "pub_name")
            .map(|v| {
                v.split(';')
                    .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        groups: non_empty(&map, "groups")
            .map(|v| comma_list(&v.to_lowercase()))
            .unwrap_or_default(),
        active: bool_field(path, &map, "active", diags),
        orcid,
        semantic_scholar: non_empty(&map, "semantic_scholar"),
        openalex: non_empty(&map, "openalex"),
        dblp: non_empty(&map, "dblp"),
        scholar: non_empty(&map, "scholar"),
        show_publication_years: bool_field(path, &map, "show_publication_years", diags)
            .unwrap_or(true),
        active_years,
        meta: page
            .split
            .fields
            .iter()
            .map(|f| (f.name.clone(), f.value.clone()))
            .collect(),
        format: page.split.format,
        path: path.to_path_buf(),
        slug,
    }
}

/// Cleans the `people:` list: doubled spaces folded, empty items (trailing commas) dropped,
/// and a stray lowercase letter glued to a comma (`Bram van Ginneken,m Keelin Murphy`) removed.
fn people_list(path: &Path, value: &str, line: u32, diags: &mut Vec<Diagnostic>) -> Vec<String> {
    let slug = slug_of(path);
    let mut out = Vec::new();
    let items: Vec<&str> = value.split(',').collect();
    for (i, item) in items.iter().enumerate() {
        let mut words: Vec<&str> = item.split_whitespace().collect();
        if words.is_empty() {
            let place = if i + 1 == items.len() {
                "trailing comma"
            } else {
                "empty item"
            };
            diags.push(
                Diagnostic::warning("site-people-list", format!("{place} in `people:`; ignored"))
                    .at(path, line, 1)
                    .key(slug.clone())
                    .help("remove the extra comma"),
            );
            continue;
        }
        if words.len() > 1
            && words[0].chars().count() == 1
            && words[0].chars().all(|c| c.is_lowercase())
        {
            diags.push(
                Diagnostic::warning(
                    "site-people-list",
                    format!(
                        "stray `{}` before `{}` in `people:` (a typo?); ignored",
                        words[0],
                        words[1..].join(" ")
                    ),
                )
                .at(path, line, 1)
                .key(slug.clone())
                .help("remove the stray letter"),
            );
            words.remove(0);
        }
        out.push(words.join(" "));
    }
    out
}

/// Splits `bibkeys:` on commas, semicolons and whitespace.
pub fn bibkey_list(value: &str) -> Vec<String> {
    value
        .split([',', ';', ' ', '\t'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn project_from(path: &Path, page: &Page, diags: &mut Vec<Diagnostic>) -> Project {
    let map = field_map(path, &page.split, diags);
    let slug = slug_of(path);
    let title = match non_empty(&map, "title") {
        Some(t) => t,
        None => {
            missing(path, "title", "the file name is used as the title", diags);
            slug.replace(['-', '_'], " ")
        }
    };
    let people = match map.get("people") {
        Some((v, line)) => people_list(path, v, *line, diags),
        None => Vec::new(),
    };
    Project {
        title,
        title_long: non_empty(&map, "title_long"),
        people,
        groups: non_empty(&map, "groups")
            .map(|v| comma_list(&v.to_lowercase()))
            .unwrap_or_default(),
        bibkeys: map
            .get("bibkeys")
            .map(|(v, _)| bibkey_list(v))
            .unwrap_or_default(),
        has_bibkeys_field: map.contains_key("bibkeys"),
        finished: bool_field(path, &map, "finished", diags),
        description: non_empty(&map, "description"),
        body: page.text[page.split.body.clone()].to_string(),
        meta: page
            .split
            .fields
            .iter()
            .map(|f| (f.name.clone(), f.value.clone()))
            .collect(),
        format: page.split.format,
        path: path.to_path_buf(),
        slug,
    }
}

fn report_slug_clashes<T>(
    items: &[T],
    key: impl Fn(&T) -> (&String, &PathBuf),
    diags: &mut Vec<Diagnostic>,
) {
    for pair in items.windows(2) {
        let (a, pa) = key(&pair[0]);
        let (b, pb) = key(&pair[1]);
        if a == b {
            diags.push(
                Diagnostic::warning(
                    "site-duplicate-slug",
                    format!(
                        "two pages have the slug `{a}`: {} and {}",
                        pa.display(),
                        pb.display()
                    ),
                )
                .at(pb, 1, 0)
                .key(a.clone())
                .help("rename one of the files"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_parse() {
        assert_eq!(parse_years("2013-2021"), Some((2013, Some(2021))));
        assert_eq!(parse_years("2013-"), Some((2013, None)));
        assert_eq!(parse_years("2013"), Some((2013, Some(2013))));
        assert_eq!(parse_years("soon"), None);
    }

    #[test]
    fn orcid_from_url() {
        assert_eq!(
            bare_orcid("https://orcid.org/0000-0003-2028-8972").as_deref(),
            Some("0000-0003-2028-8972")
        );
        assert_eq!(
            bare_orcid("0000-0002-1825-009x").as_deref(),
            Some("0000-0002-1825-009X")
        );
        assert_eq!(bare_orcid("n/a"), None);
    }

    #[test]
    fn bibkeys_with_and_without_spaces() {
        assert_eq!(
            bibkey_list("Tell19,Swid19, Bokh19 "),
            ["Tell19", "Swid19", "Bokh19"]
        );
        assert!(bibkey_list(" ").is_empty());
    }

    #[test]
    fn people_list_tolerates_dirt() {
        let mut d = Vec::new();
        let got = people_list(
            Path::new("p/cxr.md"),
            "Bram van Ginneken,m Keelin  Murphy, Erdi Calli,",
            7,
            &mut d,
        );
        assert_eq!(got, ["Bram van Ginneken", "Keelin Murphy", "Erdi Calli"]);
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d.iter().all(|x| x.line == 7));
    }
}
