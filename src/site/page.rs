//! One page's metadata block: format detection, header range and the fields with their
//! line and byte ranges.
//!
//! This is the one place that knows where a page's header starts and ends, so that reading
//! ([`super::load`]) and byte-preserving editing (`site::edit`) agree. Nothing here fails:
//! oddities become [`PageWarning`]s with a 1-based line, and the caller turns them into
//! diagnostics that name the file.

use std::ops::Range;

pub use crate::model::PageFormat;

/// One metadata field as written on the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The key exactly as written (`Office`, `pub_name`).
    pub key: String,
    /// The key lowercased, used for lookups.
    pub name: String,
    /// The value as text: trimmed; YAML/TOML lists joined with `", "`; quotes removed.
    pub value: String,
    /// The items when the value is a YAML/TOML list (empty otherwise), for fields whose
    /// items may contain commas (`pub_name: ["Laak, J. van der"]`).
    pub items: Vec<String>,
    /// 1-based line of the key.
    pub line: u32,
    /// Bytes of the whole field: from the start of its first line to the end of its last
    /// line, including the final line break (continuation lines included).
    pub lines: Range<usize>,
    /// Bytes of the value as written on the key's line (after `key:` / `key =` and the
    /// spaces that follow, before the line break and trailing spaces). Empty when the value
    /// is empty; then it sits where a value would be inserted.
    pub value_bytes: Range<usize>,
}

/// A problem found while splitting a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageWarning {
    /// 1-based line.
    pub line: u32,
    /// Stable code (`site-blank-line-in-header`, …).
    pub code: &'static str,
    /// What is odd.
    pub message: String,
    /// What to do about it.
    pub help: String,
}

/// A page split into its metadata fields and its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The detected format.
    pub format: PageFormat,
    /// Bytes of the metadata block (see [`header_range`]), `None` when the page has none.
    pub header: Option<Range<usize>>,
    /// Fields in file order (duplicates kept; callers decide which one wins).
    pub fields: Vec<Field>,
    /// Bytes of the body (everything after the header and the blank line that ends it).
    pub body: Range<usize>,
    /// Oddities, in line order.
    pub warnings: Vec<PageWarning>,
}

impl Split {
    /// The first field called `name` (case-insensitive).
    pub fn field(&self, name: &str) -> Option<&Field> {
        let name = name.to_ascii_lowercase();
        self.fields.iter().find(|f| f.name == name)
    }
}

/// Detects a page's metadata format from its first line: `---` is YAML front matter, `+++`
/// is TOML front matter, anything else is a Pelican `key: value` header. A UTF-8 byte order
/// mark is skipped.
pub fn detect_format(text: &str) -> PageFormat {
    let first = text
        .strip_prefix('\u{feff}')
        .unwrap_or(text)
        .lines()
        .next()
        .unwrap_or("")
        .trim_end();
    match first {
        "---" => PageFormat::Yaml,
        "+++" => PageFormat::Toml,
        _ => PageFormat::Pelican,
    }
}

/// The bytes of a page's metadata block in `format`:
/// - Pelican: from the start of the file to the end of the last header line, including its
///   line break; a blank line inside the header (followed by more `key: value` lines) is part
///   of it, the blank line that ends it is not.
/// - YAML / TOML: from the opening `---`/`+++` line to the end of the closing delimiter line,
///   including both delimiters and the closing line break.
///
/// Returns `None` when the page has no header (no `key: value` first line, or an opening
/// delimiter that is never closed).
pub fn header_range(text: &str, format: PageFormat) -> Option<Range<usize>> {
    split_as(text, format).header
}

/// Splits a page: detects its format, then reads its fields.
pub fn split(text: &str) -> Split {
    split_as(text, detect_format(text))
}

/// Splits a page whose format is already known.
pub fn split_as(text: &str, format: PageFormat) -> Split {
    match format {
        PageFormat::Pelican => split_pelican(text),
        PageFormat::Yaml => split_fenced(text, "---", PageFormat::Yaml),
        PageFormat::Toml => split_fenced(text, "+++", PageFormat::Toml),
    }
}

/// A line of the text: its bytes without the line break, and the start of the next line.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    text: &'a str,
    start: usize,
    /// Start of the next line (after `\n`).
    next: usize,
    /// 1-based number.
    number: u32,
}

fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut number = 1;
    while start < text.len() {
        let (end, next) = match text[start..].find('\n') {
            Some(i) => (start + i, start + i + 1),
            None => (text.len(), text.len()),
        };
        let mut body = &text[start..end];
        if let Some(b) = body.strip_suffix('\r') {
            body = b;
        }
        out.push(Line {
            text: body,
            start,
            next,
            number,
        });
        start = next;
        number += 1;
    }
    out
}

/// `key: value` on a Pelican header line: the key (letters, digits, `_`, `-`; starting with
/// a letter) and the byte offset of the value within the line.
fn pelican_key(line: &str) -> Option<(&str, usize)> {
    let colon = line.find(':')?;
    let key = &line[..colon];
    let mut chars = key.chars();
    let first = chars.next()?;
    if !first.is_ascii_alphabetic()
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return None;
    }
    let rest = &line[colon + 1..];
    // `http://…` is not a key; a value must be separated by whitespace or be empty.
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let skipped = rest.len() - rest.trim_start().len();
    Some((key, colon + 1 + skipped))
}

fn value_range(line: &Line<'_>, offset: usize) -> Range<usize> {
    let value = line.text[offset.min(line.text.len())..].trim_end();
    let start = line.start + offset.min(line.text.len());
    start..start + value.len()
}

/// Metadata keys of person and project pages (DIAG, Pelican, Hugo): after a blank line, only
/// these continue a Pelican header.
const KNOWN_KEYS: [&str; 40] = [
    "title",
    "name",
    "pub_name",
    "template",
    "picture",
    "position",
    "active",
    "groups",
    "default_group",
    "email",
    "office",
    "telephone",
    "type",
    "linkedin",
    "scholar",
    "orcid",
    "researcherid",
    "publons",
    "website",
    "github",
    "twitter",
    "semantic_scholar",
    "openalex",
    "dblp",
    "show_publication_years",
    "show_finished_projects",
    "active_years",
    "check_staff",
    "check_date",
    "people",
    "bibkeys",
    "description",
    "finished",
    "title_long",
    "date",
    "slug",
    "tags",
    "category",
    "summary",
    "status",
];

fn split_pelican(text: &str) -> Split {
    let all = lines(text);
    let mut fields: Vec<Field> = Vec::new();
    let mut warnings = Vec::new();
    let mut header_end: Option<usize> = None;
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut i = 0;
    while i < all.len() {
        let line = all[i];
        let raw = if line.start == 0 {
            &line.text[bom.min(line.text.len())..]
        } else {
            line.text
        };
        let shift = if line.start == 0 { bom } else { 0 };
        if let Some((key, offset)) = pelican_key(raw) {
            let value = value_range(&line, offset + shift);
            fields.push(Field {
                key: key.to_string(),
                name: key.to_ascii_lowercase(),
                value: text[value.clone()].trim().to_string(),
                items: Vec::new(),
                line: line.number,
                lines: line.start..line.next,
                value_bytes: value,
            });
            header_end = Some(line.next);
            i += 1;
            continue;
        }
        if fields.is_empty() {
            break;
        }
        // Python-Markdown's meta extension: an indented line continues the previous value.
        if line.text.starts_with([' ', '\t']) && !line.text.trim().is_empty() {
            if let Some(last) = fields.last_mut() {
                last.value.push(' ');
                last.value.push_str(line.text.trim());
                last.lines.end = line.next;
            }
            header_end = Some(line.next);
            i += 1;
            continue;
        }
        if line.text.trim().is_empty() {
            // A blank line ends the header, unless more lowercase `key: value` lines follow it.
            let mut j = i;
            while j < all.len() && all[j].text.trim().is_empty() {
                j += 1;
            }
            // Only a well-known metadata key not seen yet counts: body text such as
            // "Note: …" or "a: b" must stay body.
            let continues = all.get(j).is_some_and(|next| {
                pelican_key(next.text).is_some_and(|(k, _)| {
                    KNOWN_KEYS.contains(&k) && !fields.iter().any(|f| f.key == k)
                })
            });
            if continues {
                warnings.push(PageWarning {
                    line: line.number,
                    code: "site-blank-line-in-header",
                    message:
                        "blank line inside the metadata header; the fields after it are read too"
                            .into(),
                    help: "remove the blank line: Pelican ends the header at the first blank line"
                        .into(),
                });
                i = j;
                continue;
            }
            break;
        }
        warnings.push(PageWarning {
            line: line.number,
            code: "site-no-blank-after-header",
            message: "no blank line between the metadata header and the body".into(),
            help: "add a blank line after the last `key: value` line".into(),
        });
        break;
    }
    let header = header_end.map(|end| 0..end);
    let mut body_start = header_end.unwrap_or(0);
    if header.is_some() {
        if let Some(line) = all.iter().find(|l| l.start == body_start) {
            if line.text.trim().is_empty() {
                body_start = line.next;
            }
        }
    }
    Split {
        format: PageFormat::Pelican,
        header,
        fields,
        body: body_start..text.len(),
        warnings,
    }
}

fn split_fenced(text: &str, fence: &str, format: PageFormat) -> Split {
    let all = lines(text);
    let close = all
        .iter()
        .skip(1)
        .position(|l| l.text.trim_end() == fence)
        .map(|p| p + 1);
    let Some(close) = close else {
        return Split {
            format,
            header: None,
            fields: Vec::new(),
            body: 0..text.len(),
            warnings: vec![PageWarning {
                line: 1,
                code: "site-unclosed-front-matter",
                message: format!("front matter opened with `{fence}` is never closed"),
                help: format!("add a line `{fence}` after the last metadata line"),
            }],
        };
    };
    let inner = &all[1..close];
    let mut warnings = Vec::new();
    let fields = match format {
        PageFormat::Toml => toml_fields(text, inner, &mut warnings),
        _ => yaml_fields(text, inner, &mut warnings),
    };
    let end = all[close].next;
    Split {
        format,
        header: Some(0..end),
        fields,
        body: end..text.len(),
        warnings,
    }
}

/// Groups the lines of a front matter block into top-level entries: a line that starts a
/// key (per `is_key`) and the lines that follow until the next key.
fn group_entries<'a>(
    inner: &[Line<'a>],
    is_key: impl Fn(&str) -> Option<(String, usize)>,
) -> Vec<(String, usize, Line<'a>, Range<usize>)> {
    let mut out: Vec<(String, usize, Line<'a>, Range<usize>)> = Vec::new();
    for line in inner {
        if let Some((key, offset)) = is_key(line.text) {
            out.push((key, offset, *line, line.start..line.next));
        } else if let Some(last) = out.last_mut() {
            last.3.end = line.next;
        }
    }
    out
}

fn yaml_fields(text: &str, inner: &[Line<'_>], warnings: &mut Vec<PageWarning>) -> Vec<Field> {
    let entries = group_entries(inner, |l| {
        if l.starts_with([' ', '\t', '#', '-']) {
            return None;
        }
        let colon = l.find(':')?;
        let rest = &l[colon + 1..];
        if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
            return None;
        }
        let key = l[..colon].trim().trim_matches(['"', '\'']);
        if key.is_empty() {
            return None;
        }
        let skipped = rest.len() - rest.trim_start().len();
        Some((key.to_string(), colon + 1 + skipped))
    });
    entries
        .into_iter()
        .map(|(key, offset, line, lines)| {
            let snippet = &text[lines.clone()];
            let mut items = Vec::new();
            let value = match serde_yaml::from_str::<serde_yaml::Mapping>(snippet) {
                Ok(map) => {
                    if let Some(serde_yaml::Value::Sequence(seq)) = map.values().next() {
                        items = seq.iter().map(yaml_text).collect();
                    }
                    map.values().next().map(yaml_text).unwrap_or_default()
                }
                Err(e) => {
                    warnings.push(PageWarning {
                        line: line.number,
                        code: "site-bad-front-matter",
                        message: format!(
                            "YAML value of `{key}` does not parse ({e}); read as text"
                        ),
                        help: "quote the value".into(),
                    });
                    line.text[offset.min(line.text.len())..].trim().to_string()
                }
            };
            Field {
                name: key.to_ascii_lowercase(),
                key,
                value,
                items,
                line: line.number,
                value_bytes: value_range(&line, offset),
                lines,
            }
        })
        .collect()
}

fn yaml_text(v: &serde_yaml::Value) -> String {
    use serde_yaml::Value;
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_string(),
        Value::Sequence(items) => items.iter().map(yaml_text).collect::<Vec<_>>().join(", "),
        Value::Mapping(m) => m.values().map(yaml_text).collect::<Vec<_>>().join(", "),
        Value::Tagged(t) => yaml_text(&t.value),
    }
}

fn toml_fields(text: &str, inner: &[Line<'_>], warnings: &mut Vec<PageWarning>) -> Vec<Field> {
    let entries = group_entries(inner, |l| {
        if l.starts_with([' ', '\t', '#', '[']) {
            return None;
        }
        let eq = l.find('=')?;
        let key = l[..eq].trim().trim_matches(['"', '\'']);
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            return None;
        }
        let rest = &l[eq + 1..];
        let skipped = rest.len() - rest.trim_start().len();
        Some((key.to_string(), eq + 1 + skipped))
    });
    entries
        .into_iter()
        .map(|(key, offset, line, mut lines)| {
            // A `[table]` line ends the previous entry's text (Zola's `[extra]`): keep it out.
            let mut snippet = &text[lines.clone()];
            if let Some(pos) = snippet.find("\n[") {
                lines.end = lines.start + pos + 1;
                snippet = &text[lines.clone()];
            }
            let mut items = Vec::new();
            let value = match toml::from_str::<toml::Table>(snippet) {
                Ok(table) => {
                    if let Some(toml::Value::Array(array)) = table.values().next() {
                        items = array.iter().map(toml_text).collect();
                    }
                    table.values().next().map(toml_text).unwrap_or_default()
                }
                Err(e) => {
                    warnings.push(PageWarning {
                        line: line.number,
                        code: "site-bad-front-matter",
                        message: format!(
                            "TOML value of `{key}` does not parse ({}); read as text",
                            e.message()
                        ),
                        help: "quote the value: key = \"value\"".into(),
                    });
                    line.text[offset.min(line.text.len())..]
                        .trim()
                        .trim_matches('"')
                        .to_string()
                }
            };
            Field {
                name: key.to_ascii_lowercase(),
                key,
                value,
                items,
                line: line.number,
                value_bytes: value_range(&line, offset),
                lines,
            }
        })
        .collect()
}

fn toml_text(v: &toml::Value) -> String {
    use toml::Value;
    match v {
        Value::String(s) => s.trim().to_string(),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Boolean(b) => b.to_string(),
        Value::Datetime(d) => d.to_string(),
        Value::Array(items) => items.iter().map(toml_text).collect::<Vec<_>>().join(", "),
        Value::Table(t) => t.values().map(toml_text).collect::<Vec<_>>().join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pelican_header_with_blank_line_inside_and_capital_keys() {
        let text = "title: A\nOffice: 12\n\nlinkedin: x\n\n\nBody here: yes\n";
        let s = split(text);
        assert_eq!(s.format, PageFormat::Pelican);
        let names: Vec<&str> = s.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["title", "office", "linkedin"]);
        assert_eq!(s.fields[1].key, "Office");
        assert_eq!(s.header, Some(0..text.find("\n\n\n").unwrap() + 1));
        assert_eq!(s.warnings.len(), 1);
        assert_eq!(s.warnings[0].line, 3);
        assert!(text[s.body.clone()].starts_with("\nBody"));
    }

    #[test]
    fn pelican_without_blank_line_before_body() {
        let text = "title: A\nname: B\nB is a student.\n";
        let s = split(text);
        assert_eq!(s.fields.len(), 2);
        assert_eq!(&text[s.body.clone()], "B is a student.\n");
        assert_eq!(s.warnings[0].code, "site-no-blank-after-header");
        assert_eq!(s.warnings[0].line, 3);
    }

    #[test]
    fn field_ranges_point_at_values() {
        let text = "title: A\r\nbibkeys: Gees19, Bokh19  \r\npeople:\r\n\r\nbody";
        let s = split(text);
        let b = s.field("bibkeys").unwrap();
        assert_eq!(&text[b.value_bytes.clone()], "Gees19, Bokh19");
        assert_eq!(&text[b.lines.clone()], "bibkeys: Gees19, Bokh19  \r\n");
        let p = s.field("people").unwrap();
        assert!(p.value_bytes.is_empty());
        assert_eq!(p.value_bytes.start, text.find("people:").unwrap() + 7);
        assert_eq!(&text[s.body.clone()], "body");
    }

    #[test]
    fn yaml_and_toml_front_matter() {
        let y = "---\ntitle: \"A: b\"\npeople:\n  - Ann Lee\n  - Bo Chen\nbibkeys: [Gees19, Bokh19]\n---\nBody\n";
        let s = split(y);
        assert_eq!(s.format, PageFormat::Yaml);
        assert_eq!(s.field("title").unwrap().value, "A: b");
        assert_eq!(s.field("people").unwrap().value, "Ann Lee, Bo Chen");
        assert_eq!(s.field("bibkeys").unwrap().value, "Gees19, Bokh19");
        assert_eq!(&y[s.body.clone()], "Body\n");
        assert_eq!(
            header_range(y, PageFormat::Yaml),
            Some(0..y.find("Body").unwrap())
        );

        let t = "+++\ntitle = \"A\"\nbibkeys = [\n  \"Gees19\",\n  \"Bokh19\",\n]\n[extra]\npub_name = \"A. Lee\"\n+++\nBody";
        let s = split(t);
        assert_eq!(s.format, PageFormat::Toml);
        assert_eq!(s.field("bibkeys").unwrap().value, "Gees19, Bokh19");
        assert_eq!(s.field("pub_name").unwrap().value, "A. Lee");
        assert_eq!(&t[s.body.clone()], "Body");
    }

    #[test]
    fn unclosed_front_matter_is_a_warning() {
        let s = split("---\ntitle: x\n");
        assert!(s.header.is_none());
        assert_eq!(s.warnings[0].code, "site-unclosed-front-matter");
    }

    #[test]
    fn urls_are_not_keys() {
        let s = split("https://example.org\n");
        assert!(s.fields.is_empty());
        assert!(s.header.is_none());
    }
}
