//! Byte-preserving edits of a page's `bibkeys` field.
//!
//! A page is text with a metadata block at the top: a Pelican header (`key: value` lines up
//! to a blank line), YAML front matter (`---`) or TOML front matter (`+++`). Editing finds the
//! `bibkeys` field inside that block and rewrites only the bytes of its value; when the field
//! is absent, exactly one line is added at the end of the block. Line endings (LF or CRLF),
//! the key's spelling, quoting and list style are the file's own; every other byte is kept.
//! Writing a page's own keys back gives the identical text, so a round trip is lossless.

use std::ops::Range;
use std::path::Path;

use crate::error::{Error, Result};
use crate::model::PageFormat;

/// Why a page's `bibkeys` field cannot be edited.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The page has no metadata block to put the field in.
    #[error("no metadata header at the top of the page; add one (e.g. `title: …`) first")]
    NoHeader,
    /// Front matter opened but never closed.
    #[error("{0} front matter opened on line 1 is never closed")]
    Unterminated(&'static str),
    /// The value is written in a form this editor does not rewrite (e.g. a YAML block scalar).
    #[error("line {line}: the `bibkeys` value is written in a form publist does not rewrite ({what}); edit it by hand")]
    Unsupported {
        /// 1-based line of the field.
        line: usize,
        /// What was found.
        what: String,
    },
}

/// How the value of a `bibkeys` field is written, so new values keep the page's style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueStyle {
    /// `Key1, Key2` (Pelican; YAML plain scalar).
    Plain,
    /// A quoted string `"Key1, Key2"`, with its quote character.
    Quoted(char),
    /// An inline list, `[Key1, Key2]` (YAML flow) or `["Key1", "Key2"]` (TOML array), with
    /// the quote character of its items, if any.
    InlineList(Option<char>),
    /// A YAML block list: one `- Key` line per key, with this indent before the dash.
    BlockList(String),
}

/// The `bibkeys` field, located in a page's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BibkeysField {
    /// Byte range of the value: what a new value replaces.
    pub value: Range<usize>,
    /// 1-based line of the key.
    pub line: usize,
    /// The keys as written, in order.
    pub keys: Vec<String>,
    /// How the value is written.
    pub style: ValueStyle,
    /// The separator between keys in a `Plain`/`Quoted` value (`", "` or `","`).
    pub separator: String,
    /// Text to put before a new value (a space after a bare `bibkeys:`), else empty.
    pub lead: String,
    /// The line ending of the page (`"\n"` or `"\r\n"`), for block lists.
    pub eol: String,
}

/// Where a missing `bibkeys` field goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insertion {
    /// Byte offset where the new line is inserted.
    pub at: usize,
    /// Text before the line (a line ending when the previous line has none).
    pub before: String,
    /// The key part of the new line (`bibkeys: ` or `bibkeys = `).
    pub key: String,
    /// The value style for the new line.
    pub style: ValueStyle,
    /// The line ending to use.
    pub eol: String,
}

/// The result of looking for the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Located {
    /// The field exists.
    Present(BibkeysField),
    /// The field is missing; this is where it would go.
    Absent(Insertion),
}

/// The page format, detected from the first line (after a byte-order mark).
pub fn detect_format(text: &str) -> PageFormat {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = body.lines().next().unwrap_or("").trim_end();
    match first {
        "---" => PageFormat::Yaml,
        "+++" => PageFormat::Toml,
        _ => PageFormat::Pelican,
    }
}

/// The keys of the page's `bibkeys` field, or `None` when there is no such field.
pub fn read_bibkeys(text: &str) -> std::result::Result<Option<Vec<String>>, EditError> {
    Ok(match locate(text)? {
        Located::Present(f) => Some(f.keys),
        Located::Absent(_) => None,
    })
}

/// The page with its `bibkeys` set to `keys`. Returns the text unchanged (same bytes) when
/// the field already holds exactly these keys, or when it is absent and `keys` is empty.
pub fn set_bibkeys(text: &str, keys: &[String]) -> std::result::Result<String, EditError> {
    match locate(text)? {
        Located::Present(field) => {
            if field.keys == keys {
                return Ok(text.to_string());
            }
            let value = render_value(&field.style, keys, ", ", &field.eol);
            let mut out = String::with_capacity(text.len() + value.len() + 8);
            out.push_str(&text[..field.value.start]);
            if !is_block(&field.style) {
                out.push_str(&field.lead);
            }
            out.push_str(&value);
            out.push_str(&text[field.value.end..]);
            Ok(out)
        }
        Located::Absent(ins) => {
            if keys.is_empty() {
                return Ok(text.to_string());
            }
            let mut out = String::with_capacity(text.len() + 64);
            out.push_str(&text[..ins.at]);
            out.push_str(&ins.before);
            out.push_str(&ins.key);
            out.push_str(&render_value(&ins.style, keys, ", ", &ins.eol));
            if !is_block(&ins.style) {
                out.push_str(&ins.eol);
            }
            out.push_str(&text[ins.at..]);
            Ok(out)
        }
    }
}

/// The page with `additions` appended to its `bibkeys` (keys already present, compared
/// case-insensitively, are skipped). Existing keys keep their bytes where the style allows:
/// a `Plain` or `Quoted` value only grows at its end, with the page's own separator.
pub fn add_bibkeys(text: &str, additions: &[String]) -> std::result::Result<String, EditError> {
    let located = locate(text)?;
    let existing: Vec<String> = match &located {
        Located::Present(f) => f.keys.clone(),
        Located::Absent(_) => Vec::new(),
    };
    let mut seen: std::collections::HashSet<String> =
        existing.iter().map(|k| k.to_lowercase()).collect();
    let new: Vec<String> = additions
        .iter()
        .filter(|k| seen.insert(k.to_lowercase()))
        .cloned()
        .collect();
    if new.is_empty() {
        return Ok(text.to_string());
    }
    match located {
        Located::Present(field) if !existing.is_empty() => match field.style {
            ValueStyle::Plain | ValueStyle::Quoted(_) => {
                // Grow the value in place: everything written stays as it is.
                let (inner, close) = match field.style {
                    ValueStyle::Quoted(_) => (
                        field.value.start + 1..field.value.end - 1,
                        &text[field.value.end - 1..field.value.end],
                    ),
                    _ => (field.value.clone(), ""),
                };
                let current = text[inner.clone()].trim_end();
                let current = current.trim_end_matches([',', ' ', '\t']);
                let keep_end = inner.start + current.len();
                let mut out = String::with_capacity(text.len() + 64);
                out.push_str(&text[..keep_end]);
                for k in &new {
                    out.push_str(&field.separator);
                    out.push_str(&escape_for(&field.style, k));
                }
                out.push_str(close);
                out.push_str(&text[field.value.end..]);
                Ok(out)
            }
            _ => {
                let mut all = existing;
                all.extend(new);
                set_bibkeys(text, &all)
            }
        },
        _ => {
            let mut all = existing;
            all.extend(new);
            set_bibkeys(text, &all)
        }
    }
}

/// Writes an edited page atomically; refuses symbolic links (the target may be outside the
/// site) and leaves the file untouched when the bytes are the same.
pub fn write_page(path: &Path, text: &str) -> Result<crate::fsutil::WriteOutcome> {
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if meta.file_type().is_symlink() {
            return Err(Error::Write {
                path: path.to_path_buf(),
                source: std::io::Error::other(
                    "refusing to edit a page that is a symbolic link; edit its target instead",
                ),
            });
        }
    }
    if std::fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(crate::fsutil::WriteOutcome::Unchanged);
    }
    crate::fsutil::write_atomic(path, text.as_bytes())?;
    Ok(crate::fsutil::WriteOutcome::Written)
}

/// Finds the `bibkeys` field (or where it would go) in a page of any of the three formats.
pub fn locate(text: &str) -> std::result::Result<Located, EditError> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let lines = split_lines(text, bom);
    match detect_format(text) {
        PageFormat::Pelican => locate_pelican(text, &lines),
        PageFormat::Yaml => locate_yaml(text, &lines),
        PageFormat::Toml => locate_toml(text, &lines),
    }
}

/// One line of the page: byte range of its content (without the line ending) and of the
/// whole line (with it).
#[derive(Debug, Clone)]
struct Line {
    content: Range<usize>,
    full: Range<usize>,
}

fn split_lines(text: &str, start: usize) -> Vec<Line> {
    let mut out = Vec::new();
    let mut pos = start;
    for piece in text[start..].split_inclusive('\n') {
        let end = pos + piece.len();
        let mut cend = end;
        if piece.ends_with('\n') {
            cend -= 1;
            if piece.ends_with("\r\n") {
                cend -= 1;
            }
        }
        out.push(Line {
            content: pos..cend,
            full: pos..end,
        });
        pos = end;
    }
    out
}

/// The page's line ending: that of the first line that has one, else `\n`.
fn page_eol(text: &str, lines: &[Line]) -> String {
    lines
        .iter()
        .find(|l| l.full.end > l.content.end)
        .map(|l| text[l.content.end..l.full.end].to_string())
        .unwrap_or_else(|| "\n".to_string())
}

/// Where a new line goes after `line`: its end, plus a line ending when it has none.
fn insert_after(line: &Line, eol: &str) -> (usize, String) {
    if line.full.end > line.content.end {
        (line.full.end, String::new())
    } else {
        (line.full.end, eol.to_string())
    }
}

fn is_block(style: &ValueStyle) -> bool {
    matches!(style, ValueStyle::BlockList(_))
}

// ---------------------------------------------------------------- Pelican

/// Pelican headers are split by [`super::page::split`], the one reader of headers, so that
/// editing finds exactly the field (and header end) that loading reads.
fn locate_pelican(text: &str, lines: &[Line]) -> std::result::Result<Located, EditError> {
    let eol = page_eol(text, lines);
    let split = super::page::split_as(text, PageFormat::Pelican);
    let Some(header) = split.header.clone() else {
        return Err(EditError::NoHeader);
    };
    if let Some(field) = split.field("bibkeys") {
        let start = field.value_bytes.start;
        // Continuation lines (indented) belong to the value: replace up to the end of the
        // field's last line, before its line break.
        let last_line = lines
            .iter()
            .rev()
            .find(|l| l.full.start < field.lines.end && l.full.end <= field.lines.end);
        let end = match last_line {
            Some(l) if l.full.start > field.value_bytes.start => {
                text[..l.content.end].trim_end().len().max(start)
            }
            _ => field.value_bytes.end,
        };
        let raw = &text[start..end];
        let colon_end = text[..start].trim_end_matches([' ', '\t']).len();
        return Ok(Located::Present(BibkeysField {
            value: start..end,
            line: field.line as usize,
            separator: detect_separator(raw),
            keys: split_keys(raw),
            style: ValueStyle::Plain,
            lead: if colon_end == start {
                " ".into()
            } else {
                String::new()
            },
            eol,
        }));
    }
    // After the last header line; that line may lack a line break at the end of the file.
    let at = header.end;
    let before = if text[..at].ends_with('\n') {
        String::new()
    } else {
        eol.clone()
    };
    Ok(Located::Absent(Insertion {
        at,
        before,
        key: "bibkeys: ".into(),
        style: ValueStyle::Plain,
        eol,
    }))
}

// ---------------------------------------------------------------- YAML

fn front_matter_end(
    text: &str,
    lines: &[Line],
    fence: &[&str],
    what: &'static str,
) -> std::result::Result<usize, EditError> {
    lines
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, l)| fence.contains(&text[l.content.clone()].trim_end()))
        .map(|(i, _)| i)
        .ok_or(EditError::Unterminated(what))
}

/// A top-level YAML `key:` line: no indent, key, colon, then a space or the end.
fn yaml_key(line: &str) -> Option<(&str, usize)> {
    if line.starts_with([' ', '\t', '#', '-']) {
        return None;
    }
    let colon = line.find(':')?;
    let after = &line[colon + 1..];
    if !(after.is_empty() || after.starts_with([' ', '\t'])) {
        return None;
    }
    let key = line[..colon].trim_end().trim_matches(['"', '\'']);
    (!key.is_empty()).then_some((key, colon + 1))
}

fn yaml_item(line: &str) -> Option<(usize, usize)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = &line[indent..];
    (rest == "-" || rest.starts_with("- ")).then_some((indent, indent + 1))
}

fn locate_yaml(text: &str, lines: &[Line]) -> std::result::Result<Located, EditError> {
    let eol = page_eol(text, lines);
    let close = front_matter_end(text, lines, &["---"], "YAML")?;
    let content = |i: usize| &text[lines[i].content.clone()];
    let mut list_style: Option<ValueStyle> = None;
    for i in 1..close {
        let c = content(i);
        let Some((key, after_colon)) = yaml_key(c) else {
            continue;
        };
        let rest = &c[after_colon..];
        let ws = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        let value = strip_yaml_comment(&rest[ws..]);
        if !key.eq_ignore_ascii_case("bibkeys") {
            if list_style.is_none() && is_list_field(key) {
                list_style = yaml_list_style(value, i, close, &content);
            }
            continue;
        }
        let start = lines[i].content.start + after_colon + ws;
        if value.is_empty() {
            // A block list follows, or nothing.
            let mut j = i + 1;
            let mut items = Vec::new();
            let mut indent = String::from("  ");
            while j < close {
                let cj = content(j);
                match yaml_item(cj) {
                    Some((ind, after)) => {
                        if items.is_empty() {
                            indent = " ".repeat(ind);
                        }
                        items.push(
                            unquote(strip_yaml_comment(cj[after..].trim()))
                                .trim()
                                .to_string(),
                        );
                        j += 1;
                    }
                    None => break,
                }
            }
            if !items.is_empty() {
                // Replace from the end of the key line to the end of the last item line.
                let range = lines[i].content.end..lines[j - 1].full.end;
                return Ok(Located::Present(BibkeysField {
                    value: range,
                    line: i + 1,
                    keys: items.into_iter().filter(|k| !k.is_empty()).collect(),
                    style: ValueStyle::BlockList(indent),
                    separator: ", ".into(),
                    lead: String::new(),
                    eol,
                }));
            }
            let raw_end = lines[i].content.end;
            // Keep trailing spaces or comment after an empty value untouched. Keys written
            // before a comment go right after the colon, so the comment keeps the space
            // that makes it a comment (`bibkeys: A # note`, not `bibkeys: A# note`).
            let (end, lead) = if start < raw_end {
                (lines[i].content.start + after_colon, " ")
            } else {
                (start, if ws == 0 { " " } else { "" })
            };
            return Ok(Located::Present(BibkeysField {
                value: end..end,
                line: i + 1,
                keys: Vec::new(),
                style: ValueStyle::Plain,
                separator: ", ".into(),
                lead: lead.into(),
                eol,
            }));
        }
        let end = start + value.len();
        let (style, keys) = parse_inline_value(value, i + 1)?;
        return Ok(Located::Present(BibkeysField {
            value: start..end,
            line: i + 1,
            separator: detect_separator(value),
            keys,
            style,
            lead: String::new(),
            eol,
        }));
    }
    let (at, before) = insert_after(&lines[close - 1], &eol);
    let at = if close == 1 { lines[0].full.end } else { at };
    let before = if close == 1 { String::new() } else { before };
    Ok(Located::Absent(Insertion {
        at,
        before,
        key: if matches!(list_style, Some(ValueStyle::BlockList(_))) {
            "bibkeys:".into()
        } else {
            "bibkeys: ".into()
        },
        style: list_style.unwrap_or(ValueStyle::Plain),
        eol,
    }))
}

fn is_list_field(key: &str) -> bool {
    matches!(
        key.to_ascii_lowercase().as_str(),
        "people" | "groups" | "tags" | "authors" | "categories"
    )
}

fn yaml_list_style<'a>(
    value: &str,
    line: usize,
    close: usize,
    content: &dyn Fn(usize) -> &'a str,
) -> Option<ValueStyle> {
    if value.starts_with('[') {
        return Some(ValueStyle::InlineList(inner_quote(value)));
    }
    if value.is_empty() && line + 1 < close {
        if let Some((indent, _)) = yaml_item(content(line + 1)) {
            return Some(ValueStyle::BlockList(" ".repeat(indent)));
        }
    }
    None
}

/// The quote character of the first item of an inline list, if any.
fn inner_quote(value: &str) -> Option<char> {
    value
        .trim_start_matches('[')
        .trim_start()
        .chars()
        .next()
        .filter(|c| *c == '"' || *c == '\'')
}

fn strip_yaml_comment(value: &str) -> &str {
    // A comment starts at ` #` outside quotes.
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in value.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if (c == '"' || c == '\'')
                && (i == 0 || prev == '[' || prev == ' ' || prev == ',') =>
            {
                quote = Some(c)
            }
            None if c == '#' && (prev == ' ' || prev == '\t') => {
                return value[..i].trim_end();
            }
            None => {}
        }
        prev = c;
    }
    value.trim_end()
}

fn parse_inline_value(
    value: &str,
    line: usize,
) -> std::result::Result<(ValueStyle, Vec<String>), EditError> {
    let v = value.trim();
    if v.starts_with(['|', '>', '&', '*', '!', '{']) {
        return Err(EditError::Unsupported {
            line,
            what: format!("`{}`", v.chars().take(20).collect::<String>()),
        });
    }
    if v.starts_with('[') {
        if !v.ends_with(']') {
            return Err(EditError::Unsupported {
                line,
                what: "a list that spans several lines".into(),
            });
        }
        let inner = &v[1..v.len() - 1];
        let keys = split_keys(inner)
            .into_iter()
            .map(|k| unquote(&k).to_string())
            .filter(|k| !k.is_empty())
            .collect();
        return Ok((ValueStyle::InlineList(inner_quote(v)), keys));
    }
    if let Some(q) = v.chars().next().filter(|c| *c == '"' || *c == '\'') {
        if v.len() < 2 || !v.ends_with(q) {
            return Err(EditError::Unsupported {
                line,
                what: "an unterminated quoted string".into(),
            });
        }
        return Ok((ValueStyle::Quoted(q), split_keys(&v[1..v.len() - 1])));
    }
    if matches!(v, "~" | "null" | "Null" | "NULL") {
        return Err(EditError::Unsupported {
            line,
            what: format!("`{v}`"),
        });
    }
    Ok((ValueStyle::Plain, split_keys(v)))
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    for q in ['"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return &s[1..s.len() - 1];
        }
    }
    s
}

// ---------------------------------------------------------------- TOML

fn toml_key(line: &str) -> Option<(String, usize)> {
    let t = line.trim_start();
    let indent = line.len() - t.len();
    let eq = t.find('=')?;
    let key = t[..eq].trim();
    let key = key.trim_matches(['"', '\'']);
    if key.is_empty()
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return None;
    }
    Some((key.to_string(), indent + eq + 1))
}

fn toml_table(line: &str) -> Option<String> {
    let t = line.trim();
    if t.starts_with('[') && !t.contains('=') {
        let name = t.trim_start_matches('[').split(']').next().unwrap_or("");
        return Some(name.trim().to_string());
    }
    None
}

/// The end (exclusive, byte offset within `s`) of the TOML value that starts `s`:
/// a string, an array (possibly over several lines), or a bare value up to a comment.
fn toml_value_end(s: &str) -> Option<usize> {
    let mut chars = s.char_indices().peekable();
    let (_, first) = *chars.peek()?;
    match first {
        '"' | '\'' => {
            let mut escaped = false;
            for (i, c) in s.char_indices().skip(1) {
                if first == '"' && !escaped && c == '\\' {
                    escaped = true;
                    continue;
                }
                if c == first && !escaped {
                    return Some(i + 1);
                }
                escaped = false;
            }
            None
        }
        '[' => {
            let mut depth = 0usize;
            let mut quote: Option<char> = None;
            let mut escaped = false;
            let mut comment = false;
            for (i, c) in s.char_indices() {
                if comment {
                    if c == '\n' {
                        comment = false;
                    }
                    continue;
                }
                if let Some(q) = quote {
                    if q == '"' && !escaped && c == '\\' {
                        escaped = true;
                        continue;
                    }
                    if c == q && !escaped {
                        quote = None;
                    }
                    escaped = false;
                    continue;
                }
                match c {
                    '"' | '\'' => quote = Some(c),
                    '#' => comment = true,
                    '[' => depth += 1,
                    ']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
            }
            None
        }
        _ => {
            let line_end = s.find(['\n', '\r']).unwrap_or(s.len());
            let v = &s[..line_end];
            Some(v.find('#').unwrap_or(v.len()).min(v.trim_end().len()))
        }
    }
}

fn locate_toml(text: &str, lines: &[Line]) -> std::result::Result<Located, EditError> {
    let eol = page_eol(text, lines);
    let close = front_matter_end(text, lines, &["+++"], "TOML")?;
    let content = |i: usize| &text[lines[i].content.clone()];
    let mut table = String::new();
    let mut last_top: Option<usize> = None;
    let mut extra_last: Option<usize> = None;
    let mut list_style: Option<ValueStyle> = None;
    let fm_end = lines[close].full.start;
    // Lines inside a value that spans several lines (a multi-line array) are neither keys
    // nor tables; a new field goes after the value's last line, never inside it.
    let mut skip_to = 0;
    for (i, line) in lines.iter().enumerate().take(close).skip(1) {
        if i < skip_to {
            continue;
        }
        let c = content(i);
        if let Some(name) = toml_table(c) {
            table = name;
            if table == "extra" {
                extra_last = Some(i);
            }
            continue;
        }
        let Some((key, after_eq)) = toml_key(c) else {
            if !c.trim().is_empty() && !c.trim_start().starts_with('#') && table == "extra" {
                extra_last = Some(i);
            }
            continue;
        };
        let rest = &c[after_eq..];
        let ws = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        let start = line.content.start + after_eq + ws;
        let Some(len) = toml_value_end(&text[start..fm_end]) else {
            return Err(EditError::Unsupported {
                line: i + 1,
                what: format!("an unterminated value for `{key}`"),
            });
        };
        let last = (i..close)
            .find(|&j| lines[j].content.end >= start + len)
            .unwrap_or(i);
        skip_to = last + 1;
        if table.is_empty() {
            last_top = Some(last);
        } else if table == "extra" {
            extra_last = Some(last);
        }
        let value = &text[start..start + len];
        let in_scope = table.is_empty() || table == "extra";
        if !(in_scope && key.eq_ignore_ascii_case("bibkeys")) {
            if list_style.is_none() && is_list_field(&key) && value.starts_with('[') {
                list_style = Some(ValueStyle::InlineList(Some(
                    inner_quote(value).unwrap_or('"'),
                )));
            }
            continue;
        }
        let (style, keys) = if value.starts_with('[') {
            let keys = toml_array_items(&value[1..value.len() - 1]);
            (
                ValueStyle::InlineList(Some(inner_quote(value).unwrap_or('"'))),
                keys,
            )
        } else if let Some(q) = value.chars().next().filter(|c| *c == '"' || *c == '\'') {
            (
                ValueStyle::Quoted(q),
                split_keys(&value[1..value.len() - 1]),
            )
        } else {
            return Err(EditError::Unsupported {
                line: i + 1,
                what: format!("`{value}` is neither a string nor an array"),
            });
        };
        let inner_text = match style {
            ValueStyle::Quoted(_) => &value[1..value.len() - 1],
            _ => value,
        };
        return Ok(Located::Present(BibkeysField {
            value: start..start + len,
            line: i + 1,
            separator: detect_separator(inner_text),
            keys,
            style,
            lead: String::new(),
            eol,
        }));
    }
    let after = extra_last.or(last_top).unwrap_or(0);
    let (at, before) = insert_after(&lines[after], &eol);
    Ok(Located::Absent(Insertion {
        at,
        before,
        key: "bibkeys = ".into(),
        style: list_style.unwrap_or(ValueStyle::Quoted('"')),
        eol,
    }))
}

/// The items of a TOML array's inside: strings unquoted, comments dropped.
fn toml_array_items(inner: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut comment = false;
    for c in inner.chars() {
        if comment {
            comment = c != '\n';
            continue;
        }
        if let Some(q) = quote {
            if q == '"' && !escaped && c == '\\' {
                escaped = true;
                continue;
            }
            if c == q && !escaped {
                quote = None;
            } else {
                current.push(c);
            }
            escaped = false;
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '#' => comment = true,
            ',' => items.push(std::mem::take(&mut current)),
            c if c.is_whitespace() => {}
            c => current.push(c),
        }
    }
    items.push(current);
    items.into_iter().filter(|k| !k.is_empty()).collect()
}

// ---------------------------------------------------------------- values

/// Splits `Key1, Key2,Key3,` into keys; empty pieces are dropped.
pub fn split_keys(value: &str) -> Vec<String> {
    value
        .split([',', ';'])
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect()
}

/// `","` when every separator in the value is a bare comma, else `", "` (the site default).
fn detect_separator(value: &str) -> String {
    let commas: Vec<usize> = value.match_indices(',').map(|(i, _)| i).collect();
    let trimmed_len = value.trim_end().trim_end_matches(',').len();
    let inner: Vec<usize> = commas.into_iter().filter(|&i| i < trimmed_len).collect();
    if !inner.is_empty()
        && inner
            .iter()
            .all(|&i| !value[i + 1..].starts_with([' ', '\t']))
    {
        ",".into()
    } else {
        ", ".into()
    }
}

/// A key written for `style`: escaped for double-quoted strings.
fn escape_for(style: &ValueStyle, key: &str) -> String {
    match style {
        ValueStyle::Quoted('"') | ValueStyle::InlineList(Some('"')) => {
            key.replace('\\', "\\\\").replace('"', "\\\"")
        }
        _ => key.to_string(),
    }
}

fn render_value(style: &ValueStyle, keys: &[String], sep: &str, eol: &str) -> String {
    match style {
        ValueStyle::Plain => keys.join(sep),
        ValueStyle::Quoted(q) => {
            let inner: Vec<String> = keys.iter().map(|k| escape_for(style, k)).collect();
            format!("{q}{}{q}", inner.join(sep))
        }
        ValueStyle::InlineList(q) => {
            let items: Vec<String> = keys
                .iter()
                .map(|k| match q {
                    Some(q) => format!("{q}{}{q}", escape_for(style, k)),
                    None => k.clone(),
                })
                .collect();
            format!("[{}]", items.join(", "))
        }
        ValueStyle::BlockList(indent) => {
            let mut s = String::new();
            for k in keys {
                s.push_str(eol);
                s.push_str(indent);
                s.push_str("- ");
                s.push_str(k);
            }
            s.push_str(eol);
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn pelican_empty_value_is_filled_in_place() {
        let page = "title: T\npeople: A B\nbibkeys: \ngroups: diag\n\nBody: not a key\n";
        let out = set_bibkeys(page, &keys(&["Gees19", "Bokh19"])).unwrap();
        assert_eq!(
            out,
            "title: T\npeople: A B\nbibkeys: Gees19, Bokh19\ngroups: diag\n\nBody: not a key\n"
        );
    }

    #[test]
    fn pelican_bare_colon_gains_a_space() {
        let out = set_bibkeys("title: T\nbibkeys:\n\nx\n", &keys(&["A1"])).unwrap();
        assert_eq!(out, "title: T\nbibkeys: A1\n\nx\n");
    }

    #[test]
    fn pelican_missing_field_adds_one_line_at_header_end_keeping_crlf() {
        let page = "title: T\r\npeople: A\r\n\r\nBody\r\n";
        let out = set_bibkeys(page, &keys(&["A1"])).unwrap();
        assert_eq!(out, "title: T\r\npeople: A\r\nbibkeys: A1\r\n\r\nBody\r\n");
    }

    #[test]
    fn pelican_header_without_blank_line_before_body() {
        let page = "title: T\ntype: faculty\nJeroen studied here.\n";
        let out = set_bibkeys(page, &keys(&["A1"])).unwrap();
        assert_eq!(
            out,
            "title: T\ntype: faculty\nbibkeys: A1\nJeroen studied here.\n"
        );
    }

    #[test]
    fn pelican_field_after_blank_line_inside_header_is_found() {
        let page = "title: T\n\nbibkeys: X1\ngroups: g\n\nBody text.\n";
        assert_eq!(read_bibkeys(page).unwrap(), Some(keys(&["X1"])));
        let out = add_bibkeys(page, &keys(&["Y2"])).unwrap();
        assert_eq!(
            out,
            "title: T\n\nbibkeys: X1, Y2\ngroups: g\n\nBody text.\n"
        );
    }

    #[test]
    fn pelican_bibkeys_in_body_is_not_the_field() {
        let page = "title: T\n\nbibkeys: in the body\n\nmore body\n";
        // "bibkeys: in the body" is followed by a blank line and is a one-line block of
        // key lines, so it counts as header; a body paragraph mentioning it with other text
        // does not.
        let page2 = "title: T\n\nSee bibkeys: there\nand more text\n";
        assert!(read_bibkeys(page).unwrap().is_some());
        assert_eq!(read_bibkeys(page2).unwrap(), None);
        let out = set_bibkeys(page2, &keys(&["K"])).unwrap();
        assert_eq!(
            out,
            "title: T\nbibkeys: K\n\nSee bibkeys: there\nand more text\n"
        );
    }

    #[test]
    fn additions_keep_existing_separator_and_case() {
        let page = "title: T\nbibkeys: Tell19,Swid19\n\nBody\n";
        let out = add_bibkeys(page, &keys(&["swid19", "Bokh19"])).unwrap();
        assert_eq!(out, "title: T\nbibkeys: Tell19,Swid19,Bokh19\n\nBody\n");
        let page = "title: T\nbibkeys: lief19b, lief19\n\nBody\n";
        let out = add_bibkeys(page, &keys(&["Hänt24"])).unwrap();
        assert_eq!(out, "title: T\nbibkeys: lief19b, lief19, Hänt24\n\nBody\n");
    }

    #[test]
    fn unchanged_keys_give_identical_bytes() {
        for page in [
            "title: T\nbibkeys: Tell19,Swid19 \n\nBody\n",
            "---\ntitle: T\nbibkeys: [a,  b]\n---\nBody\n",
            "+++\ntitle = \"T\"\nbibkeys = [ 'a' ,'b' ]\n+++\nBody\n",
            "---\nbibkeys:\n  - a\n  - b\n---\n",
        ] {
            let k = read_bibkeys(page).unwrap().unwrap();
            assert_eq!(set_bibkeys(page, &k).unwrap(), page);
        }
    }

    #[test]
    fn yaml_styles_are_kept() {
        let flow = "---\ntitle: T\nbibkeys: []\n---\nBody\n";
        assert_eq!(
            set_bibkeys(flow, &keys(&["A", "B"])).unwrap(),
            "---\ntitle: T\nbibkeys: [A, B]\n---\nBody\n"
        );
        let quoted = "---\nbibkeys: \"\" # filled by publist\n---\n";
        assert_eq!(
            set_bibkeys(quoted, &keys(&["A"])).unwrap(),
            "---\nbibkeys: \"A\" # filled by publist\n---\n"
        );
        let block = "---\nbibkeys:\n- a\n---\n";
        assert_eq!(
            add_bibkeys(block, &keys(&["B"])).unwrap(),
            "---\nbibkeys:\n- a\n- B\n---\n"
        );
        let absent = "---\ntitle: T\npeople:\n  - A\n---\nx\n";
        assert_eq!(
            set_bibkeys(absent, &keys(&["K1", "K2"])).unwrap(),
            "---\ntitle: T\npeople:\n  - A\nbibkeys:\n  - K1\n  - K2\n---\nx\n"
        );
        let plain = "---\r\ntitle: T\r\n---\r\nx\r\n";
        assert_eq!(
            set_bibkeys(plain, &keys(&["K1"])).unwrap(),
            "---\r\ntitle: T\r\nbibkeys: K1\r\n---\r\nx\r\n"
        );
    }

    #[test]
    fn toml_styles_are_kept() {
        let s = "+++\ntitle = \"T\"\nbibkeys = \"\"\n[extra]\nx = 1\n+++\nBody\n";
        assert_eq!(
            set_bibkeys(s, &keys(&["A", "B"])).unwrap(),
            "+++\ntitle = \"T\"\nbibkeys = \"A, B\"\n[extra]\nx = 1\n+++\nBody\n"
        );
        let arr = "+++\ntitle = \"T\"\npeople = [\"A\"]\n+++\n";
        assert_eq!(
            set_bibkeys(arr, &keys(&["K"])).unwrap(),
            "+++\ntitle = \"T\"\npeople = [\"A\"]\nbibkeys = [\"K\"]\n+++\n"
        );
        let extra = "+++\ntitle = \"T\"\n\n[extra]\npeople = \"A, B\"\n+++\n";
        assert_eq!(
            set_bibkeys(extra, &keys(&["K"])).unwrap(),
            "+++\ntitle = \"T\"\n\n[extra]\npeople = \"A, B\"\nbibkeys = \"K\"\n+++\n"
        );
        let multi = "+++\nbibkeys = [\n  \"a\", # first\n  \"b\",\n]\n+++\n";
        assert_eq!(read_bibkeys(multi).unwrap(), Some(keys(&["a", "b"])));
        assert_eq!(
            add_bibkeys(multi, &keys(&["c"])).unwrap(),
            "+++\nbibkeys = [\"a\", \"b\", \"c\"]\n+++\n"
        );
    }

    #[test]
    fn broken_front_matter_is_an_error_not_a_guess() {
        assert_eq!(
            set_bibkeys("---\ntitle: T\n", &keys(&["A"])),
            Err(EditError::Unterminated("YAML"))
        );
        assert_eq!(
            set_bibkeys("Just a body.\n", &keys(&["A"])),
            Err(EditError::NoHeader)
        );
        assert!(matches!(
            set_bibkeys("---\nbibkeys: |\n  a\n---\n", &keys(&["A"])),
            Err(EditError::Unsupported { line: 2, .. })
        ));
    }

    #[test]
    fn bom_is_kept() {
        let page = "\u{feff}title: T\n\nBody\n";
        assert_eq!(
            set_bibkeys(page, &keys(&["A"])).unwrap(),
            "\u{feff}title: T\nbibkeys: A\n\nBody\n"
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_pages_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.md");
        std::fs::write(&target, "title: T\n").unwrap();
        let link = dir.path().join("link.md");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(write_page(&link, "title: X\n").is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "title: T\n");
    }
}
