//! Byte-preserving BibTeX edits: set one field of one entry, or insert a new entry at its
//! sorted position, and leave every other byte of the file as it was.
//!
//! An edit never re-serializes an entry. It finds the entry's fields by scanning the entry's
//! bytes ([`parse_entry`]), copies the entry's own habits ([`Style`]: indentation, spacing and
//! alignment around `=`, braces or quotes, trailing comma, field-name case, CRLF), and produces
//! [`Patch`]es: byte ranges of the original text with their replacements. [`apply_patches`]
//! applies many patches in one pass, so a thousand edits on a 4 MB file copy it once.

use std::ops::Range;

/// One field as written in an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldLayout {
    /// The field name as written (case kept).
    pub name: String,
    /// Byte offset of the name.
    pub name_start: usize,
    /// Byte offset of the `=`.
    pub eq: usize,
    /// Byte range of the whole value expression (`{…}`, `"…"`, a macro, a number, or a
    /// `#` concatenation), delimiters included.
    pub value: Range<usize>,
    /// Byte offset of the comma after the value, when there is one.
    pub comma: Option<usize>,
    /// Byte offset of the start of the line holding the name.
    pub line_start: usize,
}

impl FieldLayout {
    /// Where this field ends: after its comma when it has one.
    pub fn end(&self) -> usize {
        self.comma.map_or(self.value.end, |c| c + 1)
    }
}

/// One entry as written: where it is and where its fields are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryLayout {
    /// From the `@` to just after the closing delimiter.
    pub range: Range<usize>,
    /// The entry type as written (`article`, `Article`).
    pub entry_type: String,
    /// The key as written.
    pub key: String,
    /// Byte offset of the comma after the key (fields start after it).
    pub key_end: usize,
    /// Byte offset of the closing `}` or `)`.
    pub close: usize,
    /// Fields in order.
    pub fields: Vec<FieldLayout>,
}

impl EntryLayout {
    /// The field with this name (case-insensitive).
    pub fn field(&self, name: &str) -> Option<&FieldLayout> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }
}

/// Why an entry could not be edited.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The bytes at the given range are not a BibTeX entry we can read.
    #[error("no readable BibTeX entry at byte {at}: {what}")]
    Unreadable {
        /// Byte offset where reading failed.
        at: usize,
        /// What was expected.
        what: &'static str,
    },
}

/// A replacement of `range` in the original text by `text` (an insertion when the range is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patch {
    /// The bytes replaced.
    pub range: Range<usize>,
    /// What goes there.
    pub text: String,
}

/// Applies non-overlapping patches (in any order) to `text` in one pass. Patches at the same
/// insertion point keep their given order.
pub fn apply_patches(text: &str, patches: &[Patch]) -> String {
    let mut order: Vec<usize> = (0..patches.len()).collect();
    order.sort_by_key(|&i| (patches[i].range.start, patches[i].range.end, i));
    let extra: usize = patches.iter().map(|p| p.text.len()).sum();
    let mut out = String::with_capacity(text.len() + extra);
    let mut pos = 0;
    for i in order {
        let p = &patches[i];
        let start = p.range.start.max(pos).min(text.len());
        out.push_str(&text[pos..start]);
        out.push_str(&p.text);
        pos = p.range.end.max(start).min(text.len());
    }
    out.push_str(&text[pos..]);
    out
}

struct Scanner<'a> {
    b: &'a [u8],
    pos: usize,
    end: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        (self.pos < self.end).then(|| self.b[self.pos])
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    fn ident(&mut self) -> Range<usize> {
        let start = self.pos;
        while self.peek().is_some_and(|c| {
            !c.is_ascii_whitespace()
                && !matches!(c, b'{' | b'}' | b'(' | b')' | b',' | b'=' | b'"' | b'#')
        }) {
            self.pos += 1;
        }
        start..self.pos
    }

    fn fail<T>(&self, what: &'static str) -> Result<T, EditError> {
        Err(EditError::Unreadable { at: self.pos, what })
    }

    /// Skips a `{…}` group with balanced braces (BibTeX counts every brace).
    fn braced(&mut self) -> Result<(), EditError> {
        let mut depth = 0usize;
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                b'{' => depth += 1,
                b'}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
        self.fail("a closing `}`")
    }

    /// Skips a `"…"` string (quotes inside braces do not end it).
    fn quoted(&mut self) -> Result<(), EditError> {
        self.pos += 1;
        let mut depth = 0usize;
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                b'{' => depth += 1,
                b'}' => depth = depth.saturating_sub(1),
                b'"' if depth == 0 => return Ok(()),
                _ => {}
            }
        }
        self.fail("a closing `\"`")
    }

    /// Reads a value expression: pieces joined by `#`. Returns its range.
    fn value(&mut self) -> Result<Range<usize>, EditError> {
        let start = self.pos;
        let mut end;
        loop {
            match self.peek() {
                Some(b'{') => self.braced()?,
                Some(b'"') => self.quoted()?,
                Some(_) => {
                    if self.ident().is_empty() {
                        return self.fail("a field value");
                    }
                }
                None => return self.fail("a field value"),
            }
            end = self.pos;
            self.skip_ws();
            if self.peek() == Some(b'#') {
                self.pos += 1;
                self.skip_ws();
            } else {
                self.pos = end;
                return Ok(start..end);
            }
        }
    }
}

fn line_start(text: &[u8], pos: usize) -> usize {
    text[..pos]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |i| i + 1)
}

/// Reads the entry that starts at the first `@` at or after `range.start` (and before
/// `range.end`). The entry may extend past `range.end` only if the range was too short;
/// the returned layout has the true extent.
pub fn parse_entry(text: &str, range: Range<usize>) -> Result<EntryLayout, EditError> {
    let b = text.as_bytes();
    let end = text.len();
    let from = range.start.min(end);
    let Some(at) = b[from..range.end.min(end).max(from)]
        .iter()
        .position(|&c| c == b'@')
    else {
        return Err(EditError::Unreadable {
            at: from,
            what: "`@`",
        });
    };
    let mut s = Scanner {
        b,
        pos: from + at + 1,
        end,
    };
    s.skip_ws();
    let ty = s.ident();
    if ty.is_empty() {
        return s.fail("an entry type");
    }
    s.skip_ws();
    let close_char = match s.peek() {
        Some(b'{') => b'}',
        Some(b'(') => b')',
        _ => return s.fail("`{` after the entry type"),
    };
    s.pos += 1;
    s.skip_ws();
    let key = s.ident();
    s.skip_ws();
    if s.peek() != Some(b',') {
        return s.fail("`,` after the key");
    }
    let key_end = s.pos;
    s.pos += 1;
    let mut fields = Vec::new();
    loop {
        s.skip_ws();
        match s.peek() {
            None => return s.fail("the end of the entry"),
            Some(c) if c == close_char => break,
            Some(b',') => {
                s.pos += 1;
                continue;
            }
            Some(_) => {}
        }
        let name = s.ident();
        if name.is_empty() {
            return s.fail("a field name");
        }
        s.skip_ws();
        if s.peek() != Some(b'=') {
            return s.fail("`=` after the field name");
        }
        let eq = s.pos;
        s.pos += 1;
        s.skip_ws();
        let value = s.value()?;
        let after = s.pos;
        s.skip_ws();
        let comma = (s.peek() == Some(b',')).then_some(s.pos);
        if comma.is_none() {
            s.pos = after;
        } else {
            s.pos += 1;
        }
        fields.push(FieldLayout {
            name: text[name.clone()].to_string(),
            name_start: name.start,
            eq,
            value,
            comma,
            line_start: line_start(b, name.start),
        });
    }
    let close = s.pos;
    Ok(EntryLayout {
        range: from + at..close + 1,
        entry_type: text[ty].to_string(),
        key: text[key].to_string(),
        key_end,
        close,
        fields,
    })
}

/// Every entry of a file, in order, skipping `@string`, `@preamble` and `@comment`.
/// Unreadable entries are skipped (the loader reports them).
pub fn scan_entries(text: &str) -> Vec<EntryLayout> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(off) = b[pos..].iter().position(|&c| c == b'@') {
        let at = pos + off;
        let mut s = Scanner {
            b,
            pos: at + 1,
            end: b.len(),
        };
        s.skip_ws();
        let ty = text[s.ident()].to_ascii_lowercase();
        if matches!(ty.as_str(), "string" | "preamble" | "comment") {
            s.skip_ws();
            if s.peek() == Some(b'{') && s.braced().is_ok() {
                pos = s.pos;
            } else {
                pos = at + 1;
            }
            continue;
        }
        match parse_entry(text, at..b.len()) {
            Ok(entry) => {
                pos = entry.range.end;
                out.push(entry);
            }
            Err(_) => pos = at + 1,
        }
    }
    out
}

/// How an entry writes its fields; new fields copy it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Style {
    /// Whitespace before a field name on its line (empty for one-line entries).
    pub indent: String,
    /// Whitespace between name and `=` (when not aligning).
    pub before_eq: String,
    /// Whitespace between `=` and the value.
    pub after_eq: String,
    /// Column (bytes from line start) of `=` when the entry aligns them.
    pub align_eq: Option<usize>,
    /// `"…"` rather than `{…}`.
    pub quotes: bool,
    /// The last field ends with a comma.
    pub trailing_comma: bool,
    /// Field names in uppercase.
    pub upper_names: bool,
    /// `\r\n` or `\n`.
    pub newline: &'static str,
    /// Fields on the header line (a one-line entry).
    pub one_line: bool,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            indent: "  ".into(),
            before_eq: " ".into(),
            after_eq: " ".into(),
            align_eq: None,
            quotes: false,
            trailing_comma: true,
            upper_names: false,
            newline: "\n",
            one_line: false,
        }
    }
}

/// The line ending a text uses (`\r\n` when its first line ends so).
pub fn newline_of(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// Reads an entry's habits.
pub fn detect_style(text: &str, entry: &EntryLayout) -> Style {
    let mut style = Style {
        newline: newline_of(&text[entry.range.clone()]),
        ..Style::default()
    };
    if entry.range.len() < 2 || !text[entry.range.clone()].contains('\n') {
        style.newline = newline_of(text);
    }
    let Some(last) = entry.fields.last() else {
        return style;
    };
    let header_line = line_start(text.as_bytes(), entry.range.start);
    style.one_line = last.line_start == header_line;
    if style.one_line {
        let gap_start = entry
            .fields
            .len()
            .checked_sub(2)
            .map_or(entry.key_end + 1, |i| entry.fields[i].end());
        style.indent = text[gap_start..last.name_start]
            .trim_start_matches(',')
            .to_string();
    } else {
        let lead = &text[last.line_start..last.name_start];
        if lead.chars().all(char::is_whitespace) {
            style.indent = lead.to_string();
        }
    }
    let name_end = last.name_start + last.name.len();
    let before = &text[name_end..last.eq];
    let after = &text[last.eq + 1..last.value.start];
    if !before.contains('\n') {
        style.before_eq = before.to_string();
    }
    if !after.contains('\n') {
        style.after_eq = after.to_string();
    }
    let columns: Vec<usize> = entry
        .fields
        .iter()
        .filter(|f| f.line_start != header_line)
        .map(|f| f.eq - f.line_start)
        .collect();
    let padded = entry
        .fields
        .iter()
        .any(|f| f.eq - (f.name_start + f.name.len()) > 1);
    if columns.len() >= 2 && padded && columns.iter().all(|&c| c == columns[0]) {
        style.align_eq = Some(columns[0]);
    }
    let delimited: Vec<u8> = entry
        .fields
        .iter()
        .map(|f| text.as_bytes()[f.value.start])
        .filter(|c| matches!(c, b'{' | b'"'))
        .collect();
    style.quotes = delimited.iter().filter(|&&c| c == b'"').count() * 2 > delimited.len();
    style.trailing_comma = last.comma.is_some();
    style.upper_names = entry
        .fields
        .iter()
        .all(|f| !f.name.bytes().any(|c| c.is_ascii_lowercase()))
        && entry
            .fields
            .iter()
            .any(|f| f.name.bytes().any(|c| c.is_ascii_uppercase()));
    style
}

impl Style {
    /// `name = {value}` in this style (no indent, no comma).
    pub fn field(&self, name: &str, value: &str) -> String {
        let name = if self.upper_names {
            name.to_ascii_uppercase()
        } else {
            name.to_string()
        };
        let pad = match self.align_eq {
            Some(col) if !self.one_line => {
                let used = self.indent.len() + name.len();
                " ".repeat(col.saturating_sub(used).max(1))
            }
            _ => self.before_eq.clone(),
        };
        format!("{name}{pad}={}{}", self.after_eq, self.delimit(value))
    }

    /// A value between this style's delimiters.
    pub fn delimit(&self, value: &str) -> String {
        if self.quotes {
            format!("\"{}\"", value.replace('"', "{\"}"))
        } else {
            format!("{{{value}}}")
        }
    }

    /// A whole entry in this style.
    pub fn entry(&self, entry_type: &str, key: &str, fields: &[(String, String)]) -> String {
        let nl = self.newline;
        let indent = if self.indent.trim().is_empty() && !self.indent.is_empty() {
            self.indent.clone()
        } else {
            "  ".to_string()
        };
        let line_style = Style {
            indent: indent.clone(),
            one_line: false,
            ..self.clone()
        };
        let mut out = format!("@{entry_type}{{{key},");
        for (i, (name, value)) in fields.iter().enumerate() {
            out.push_str(nl);
            out.push_str(&indent);
            out.push_str(&line_style.field(name, value));
            if i + 1 < fields.len() || self.trailing_comma {
                out.push(',');
            }
        }
        out.push_str(nl);
        out.push('}');
        out
    }
}

/// The patches that set `changes` (field name → raw BibTeX value text, already escaped) in one
/// entry: existing fields get their value replaced in place (same delimiters), new fields are
/// added after the last field, in the entry's style. Everything else stays byte-identical.
pub fn set_fields(text: &str, entry: &EntryLayout, changes: &[(String, String)]) -> Vec<Patch> {
    let style = detect_style(text, entry);
    let mut patches = Vec::new();
    let mut new_fields = Vec::new();
    for (name, value) in changes {
        match entry.field(name) {
            Some(f) => {
                let old = &text[f.value.clone()];
                let bare_number = old.bytes().all(|c| c.is_ascii_digit());
                let replacement = if bare_number
                    && !value.is_empty()
                    && value.bytes().all(|c| c.is_ascii_digit())
                {
                    value.clone()
                } else if old.starts_with('"') {
                    Style {
                        quotes: true,
                        ..style.clone()
                    }
                    .delimit(value)
                } else if old.starts_with('{') {
                    Style {
                        quotes: false,
                        ..style.clone()
                    }
                    .delimit(value)
                } else {
                    style.delimit(value)
                };
                patches.push(Patch {
                    range: f.value.clone(),
                    text: replacement,
                });
            }
            None => new_fields.push(style.field(name, value)),
        }
    }
    if new_fields.is_empty() {
        return patches;
    }
    let (sep, lead) = if style.one_line {
        (
            ",".to_string(),
            if style.indent.is_empty() {
                " ".to_string()
            } else {
                style.indent.clone()
            },
        )
    } else {
        (
            ",".to_string(),
            format!("{}{}", style.newline, style.indent),
        )
    };
    let mut insertion = String::new();
    let at = match entry.fields.last() {
        Some(last) => match last.comma {
            Some(c) => c + 1,
            None => {
                insertion.push_str(&sep);
                last.value.end
            }
        },
        None => entry.key_end + 1,
    };
    let trailing = style.trailing_comma || entry.fields.is_empty();
    for (i, field) in new_fields.iter().enumerate() {
        insertion.push_str(&lead);
        insertion.push_str(field);
        if i + 1 < new_fields.len() || trailing {
            insertion.push_str(&sep);
        }
    }
    if entry.fields.is_empty() && !style.one_line {
        // `@misc{Key,}` or `@misc{Key,\n}`: keep what closed the entry on its own line.
        let rest = &text[entry.key_end + 1..entry.close];
        if !rest.contains('\n') {
            insertion.push_str(style.newline);
        }
    }
    patches.push(Patch {
        range: at..at,
        text: insertion,
    });
    patches
}

/// The patch that inserts `entry_text` (a whole entry, no trailing newline) into a file at its
/// sorted position: before the first entry whose key sorts after `key` (byte order, as the
/// DIAG files are sorted), separated like the neighbouring entries; at the end otherwise.
pub fn insert_entry(text: &str, entries: &[EntryLayout], key: &str, entry_text: &str) -> Patch {
    let nl = newline_of(text);
    let blank = format!("{nl}{nl}");
    match entries.iter().position(|e| e.key.as_str() > key) {
        Some(i) => {
            let next = &entries[i];
            let start = line_start(text.as_bytes(), next.range.start).max(if i > 0 {
                entries[i - 1].range.end
            } else {
                0
            });
            let sep = if i > 0 {
                let gap = &text[entries[i - 1].range.end..start];
                let lines = gap.matches('\n').count();
                if gap.trim().is_empty() && lines > 0 {
                    // The gap ends at a line start: copy the blank lines between entries.
                    nl.repeat(lines)
                } else {
                    blank.clone()
                }
            } else {
                blank.clone()
            };
            let mut t = String::with_capacity(entry_text.len() + sep.len());
            t.push_str(entry_text);
            t.push_str(&sep);
            Patch {
                range: start..start,
                text: t,
            }
        }
        None => match entries.last() {
            // After the last entry, before whatever followed it (usually the final newline).
            Some(last) => Patch {
                range: last.range.end..last.range.end,
                text: format!("{blank}{entry_text}"),
            },
            None => {
                let lead = if text.is_empty() {
                    ""
                } else if text.ends_with('\n') {
                    nl
                } else {
                    blank.as_str()
                };
                Patch {
                    range: text.len()..text.len(),
                    text: format!("{lead}{entry_text}{nl}"),
                }
            }
        },
    }
}

/// Fields whose values are identifiers or links: written verbatim (only braces dropped).
pub fn is_verbatim_field(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(
        n.as_str(),
        "doi"
            | "url"
            | "pmid"
            | "pmcid"
            | "eprint"
            | "archiveprefix"
            | "file"
            | "ss_id"
            | "all_ss_ids"
            | "gsid"
            | "isbn"
            | "issn"
    ) || n.ends_with("_url")
        || n.ends_with("_cites")
        || n == "gscites"
}

/// Escapes a plain-text value for a BibTeX field: LaTeX specials (`& % $ # _`) escaped,
/// stray braces dropped; identifier fields are only stripped of braces. With `ascii`, accented
/// letters become LaTeX accents (`é` → `{\'e}`) to match an ASCII file; letters LaTeX cannot
/// spell stay as they are. Accents are never stripped.
pub fn escape_value(field: &str, value: &str, ascii: bool) -> String {
    let cleaned: String = value
        .chars()
        .filter(|c| !matches!(c, '{' | '}'))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if is_verbatim_field(field) {
        return cleaned.trim().to_string();
    }
    let mut out = String::with_capacity(cleaned.len());
    for c in cleaned.trim().chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '&' | '%' | '$' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            c if ascii && !c.is_ascii() => out.push_str(&latex_char(c)),
            c => out.push(c),
        }
    }
    out
}

/// One non-ASCII character as LaTeX, or itself when LaTeX has no simple spelling for it.
fn latex_char(c: char) -> String {
    use unicode_normalization::UnicodeNormalization;
    let special = match c {
        'ß' => Some("{\\ss}"),
        'ø' => Some("{\\o}"),
        'Ø' => Some("{\\O}"),
        'æ' => Some("{\\ae}"),
        'Æ' => Some("{\\AE}"),
        'œ' => Some("{\\oe}"),
        'Œ' => Some("{\\OE}"),
        'å' => Some("{\\aa}"),
        'Å' => Some("{\\AA}"),
        'ł' => Some("{\\l}"),
        'Ł' => Some("{\\L}"),
        'ı' => Some("{\\i}"),
        '\u{2013}' => Some("--"),
        '\u{2014}' => Some("---"),
        '\u{2018}' => Some("`"),
        '\u{2019}' => Some("'"),
        '\u{201C}' => Some("``"),
        '\u{201D}' => Some("''"),
        '\u{00A0}' => Some("~"),
        _ => None,
    };
    if let Some(s) = special {
        return s.to_string();
    }
    let decomposed: Vec<char> = std::iter::once(c).nfd().collect();
    if decomposed.len() == 2 && decomposed[0].is_ascii_alphabetic() {
        let base = match decomposed[0] {
            'i' => "\\i".to_string(),
            b => b.to_string(),
        };
        let accent = match decomposed[1] {
            '\u{0301}' => Some(("'", false)),
            '\u{0300}' => Some(("`", false)),
            '\u{0302}' => Some(("^", false)),
            '\u{0308}' => Some(("\"", false)),
            '\u{0303}' => Some(("~", false)),
            '\u{0304}' => Some(("=", false)),
            '\u{0307}' => Some((".", false)),
            '\u{0327}' => Some(("c", true)),
            '\u{030C}' => Some(("v", true)),
            '\u{0306}' => Some(("u", true)),
            '\u{030A}' => Some(("r", true)),
            '\u{030B}' => Some(("H", true)),
            '\u{0328}' => Some(("k", true)),
            _ => None,
        };
        if let Some((cmd, letter)) = accent {
            return if letter {
                format!("{{\\{cmd}{{{base}}}}}")
            } else {
                format!("{{\\{cmd}{base}}}")
            };
        }
    }
    c.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BIB: &str = "@string{RAD = {Radiology}}\n\n% a comment with @ sign\n@article{Abas05,\n  author = {D. Ab{\\'a}solo and R. Hornero},\n  title = {Entropy analysis},\n  journal = RAD,\n  year = 2005,\n  pages = \"1--5\" # \"x\",\n}\n\n@inproceedings{Ginn00,\n  title = {Ribs},\n  year = {2000}\n}\n";

    fn edit(text: &str, key: &str, changes: &[(&str, &str)]) -> String {
        let entries = scan_entries(text);
        let e = entries.iter().find(|e| e.key == key).unwrap();
        let ch: Vec<(String, String)> = changes
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        apply_patches(text, &set_fields(text, e, &ch))
    }

    #[test]
    fn scans_entries_and_fields() {
        let entries = scan_entries(BIB);
        assert_eq!(
            entries.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(),
            ["Abas05", "Ginn00"]
        );
        let names: Vec<&str> = entries[0].fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["author", "title", "journal", "year", "pages"]);
        assert_eq!(&BIB[entries[0].fields[4].value.clone()], "\"1--5\" # \"x\"");
        assert!(BIB[entries[0].range.clone()].ends_with("\n}"));
    }

    #[test]
    fn adding_a_field_with_trailing_comma_adds_one_line() {
        let out = edit(BIB, "Abas05", &[("doi", "10.1/abc")]);
        let expected = BIB.replace("\"x\",\n}", "\"x\",\n  doi = {10.1/abc},\n}");
        assert_eq!(out, expected);
    }

    #[test]
    fn adding_without_trailing_comma_extends_the_last_field() {
        let out = edit(BIB, "Ginn00", &[("doi", "10.1/abc"), ("pmid", "123")]);
        assert!(
            out.contains("  year = {2000},\n  doi = {10.1/abc},\n  pmid = {123}\n}"),
            "{out}"
        );
        assert!(out.starts_with(&BIB[..BIB.find("@inproceedings").unwrap()]));
    }

    #[test]
    fn changing_a_field_keeps_its_delimiters() {
        let out = edit(BIB, "Abas05", &[("year", "2006"), ("title", "New")]);
        assert!(out.contains("  year = 2006,\n"));
        assert!(out.contains("  title = {New},\n"));
        assert_eq!(out.len(), BIB.len() - "Entropy analysis".len() + 3);
    }

    #[test]
    fn crlf_alignment_and_quotes_are_copied() {
        let text = "@Article{Foll23,\r\n  author   = \"B. F\",\r\n  journal  = \"N\",\r\n  year     = \"2023\",\r\n}\r\n";
        let out = edit(text, "Foll23", &[("doi", "10.1/x")]);
        assert_eq!(
            out,
            "@Article{Foll23,\r\n  author   = \"B. F\",\r\n  journal  = \"N\",\r\n  year     = \"2023\",\r\n  doi      = \"10.1/x\",\r\n}\r\n"
        );
    }

    #[test]
    fn one_line_and_empty_entries() {
        let out = edit(
            "@misc{A, title={T}, year=2019}\n",
            "A",
            &[("doi", "10.1/x")],
        );
        assert_eq!(out, "@misc{A, title={T}, year=2019, doi={10.1/x}}\n");
        let out = edit("@misc{A,\n}\n", "A", &[("doi", "10.1/x")]);
        assert_eq!(out, "@misc{A,\n  doi = {10.1/x},\n}\n");
    }

    #[test]
    fn new_entries_go_to_their_sorted_place() {
        let entries = scan_entries(BIB);
        let style = detect_style(BIB, &entries[0]);
        let entry = style.entry(
            "article",
            "Bake10",
            &[("title".into(), "B".into()), ("year".into(), "2010".into())],
        );
        let out = apply_patches(BIB, &[insert_entry(BIB, &entries, "Bake10", &entry)]);
        assert!(out.contains("}\n\n@article{Bake10,\n  title = {B},\n  year = {2010},\n}\n\n@inproceedings{Ginn00,"), "{out}");
        let out = apply_patches(BIB, &[insert_entry(BIB, &entries, "Zzzz99", &entry)]);
        assert!(out.starts_with(BIB));
        assert!(
            out.ends_with("}\n\n@article{Bake10,\n  title = {B},\n  year = {2010},\n}\n"),
            "{out}"
        );
        assert_eq!(scan_entries(&out).len(), 3);
    }

    #[test]
    fn values_are_escaped_and_accents_kept() {
        assert_eq!(
            escape_value("title", "A & B 50% {x}", false),
            "A \\& B 50\\% x"
        );
        assert_eq!(
            escape_value("doi", "10.1007/978-3_11", false),
            "10.1007/978-3_11"
        );
        assert_eq!(
            escape_value("author", "Sánchez and Išgum", true),
            "S{\\'a}nchez and I{\\v{s}}gum"
        );
        assert_eq!(escape_value("author", "Sánchez", false), "Sánchez");
        assert_eq!(escape_value("title", "β-cells", true), "β-cells");
    }
}
