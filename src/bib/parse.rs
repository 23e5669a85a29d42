//! Parsing one block with `biblatex`'s raw layer, with recovery.
//!
//! Each block from [`super::scan`] is parsed on its own by [`biblatex::RawBibliography`].
//! When that fails, two repairs are tried, each reported as a [`Problem`]:
//! a missing comma between fields is inserted; brace damage is repaired field by field
//! (one field per line, as every bib manager writes them): unmatched `}` dropped, missing `}`
//! added. Only when both fail is the entry lost, with an error naming its key and line.

use std::borrow::Cow;

use biblatex::{ParseErrorKind, RawBibliography, RawChunk, Token};

use super::scan::{Block, BlockKind, Damage};
use crate::diagnostics::Severity;

/// One piece of a field value: literal text (raw LaTeX) or a macro reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Literal text, braces of the delimiters removed.
    Text(Cow<'a, str>),
    /// A macro name, with the byte offset where it is used.
    Macro(Cow<'a, str>, usize),
}

/// A `name = value` pair.
#[derive(Debug, Clone)]
pub struct RawField<'a> {
    /// The field name as written.
    pub name: Cow<'a, str>,
    /// Byte offset of the name in the file.
    pub offset: usize,
    /// Byte offset of the value in the file.
    pub value_offset: usize,
    /// The value's pieces, joined by `#`.
    pub pieces: Vec<Piece<'a>>,
}

/// One entry, fields not yet resolved.
#[derive(Debug, Clone)]
pub struct RawEntry<'a> {
    /// The type as written (`Article`).
    pub entry_type: &'a str,
    /// The key as written.
    pub key: Cow<'a, str>,
    /// Byte offset of the key.
    pub key_offset: usize,
    /// Fields in order.
    pub fields: Vec<RawField<'a>>,
    /// Byte range of the whole entry.
    pub range: std::ops::Range<usize>,
}

/// What a block holds.
#[derive(Debug)]
pub enum Parsed<'a> {
    /// An entry.
    Entry(RawEntry<'a>),
    /// `@string` definitions.
    Strings(Vec<RawField<'a>>),
    /// Nothing usable (comment, preamble, or lost to damage).
    Nothing,
}

/// A problem found while parsing, located by byte offset.
#[derive(Debug, Clone)]
pub struct Problem {
    /// Byte offset in the file.
    pub offset: usize,
    /// Error or warning.
    pub severity: Severity,
    /// Stable code.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub help: &'static str,
    /// The entry key, when known.
    pub key: Option<String>,
}

/// Parses one block of `text`.
pub fn parse_block<'a>(text: &'a str, block: &Block, problems: &mut Vec<Problem>) -> Parsed<'a> {
    if matches!(block.kind, BlockKind::Comment | BlockKind::Preamble) {
        return Parsed::Nothing;
    }
    let src = &text[block.start..block.end];
    let key_guess = guess_key(src);
    if block.damage.is_none() {
        let attempt: Cow<'a, str> = if block.parens {
            Cow::Owned(with_braces(src))
        } else {
            Cow::Borrowed(src)
        };
        match RawBibliography::parse(&attempt) {
            Ok(raw) => {
                if let Some(parsed) = convert(&raw, &attempt, text, block, &[], None) {
                    return parsed;
                }
            }
            Err(err) => {
                if let Some(parsed) =
                    repair_commas(attempt.into_owned(), err, text, block, &key_guess, problems)
                {
                    return parsed;
                }
            }
        }
    }
    // Brace damage (or a failure the comma repair could not fix): rebuild field by field.
    if let Some(parsed) = rebuild(text, block, &key_guess, problems) {
        return parsed;
    }
    let offset = match block.damage {
        Some(Damage::ClosedEarly(at)) => at,
        _ => block.start,
    };
    problems.push(Problem {
        offset,
        severity: Severity::Error,
        code: "bib-syntax",
        message: "this entry could not be read and was skipped".into(),
        help: "check the braces, commas and `=` signs of this entry",
        key: key_guess,
    });
    Parsed::Nothing
}

/// The key of an entry, read leniently for messages (`@article{Key,` → `Key`).
fn guess_key(src: &str) -> Option<String> {
    let open = src.find(['{', '('])?;
    let rest = &src[open + 1..];
    let end = rest.find([',', '\n', '}', '='])?;
    let key = rest[..end].trim();
    (!key.is_empty()).then(|| key.to_string())
}

fn with_braces(src: &str) -> String {
    let mut s = src.to_string();
    if let Some(open) = s.find('(') {
        s.replace_range(open..open + 1, "{");
    }
    if s.ends_with(')') {
        s.pop();
        s.push('}');
    }
    s
}

/// Inserts missing commas where the raw parser expected one before `name =`.
fn repair_commas<'a>(
    mut src: String,
    mut err: biblatex::ParseError,
    text: &'a str,
    block: &Block,
    key: &Option<String>,
    problems: &mut Vec<Problem>,
) -> Option<Parsed<'a>> {
    let mut inserted: Vec<usize> = Vec::new();
    for _ in 0..16 {
        if err.kind != ParseErrorKind::Expected(Token::Comma) {
            return None;
        }
        let at = err.span.start.min(src.len());
        let rest = &src[at..];
        let before_field = looks_like_field(rest);
        let empty_entry = rest.starts_with('}') && inserted.is_empty();
        if !before_field && !empty_entry {
            return None;
        }
        // The comma belongs right after the previous value.
        let value_end = src[..at].trim_end().len();
        let original = map_back(value_end, &inserted) + block.start;
        if before_field {
            let next: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            problems.push(Problem {
                offset: original,
                severity: Severity::Error,
                code: "bib-missing-comma",
                message: format!("missing comma after this value, before field `{next}`"),
                help: "add a comma after the previous field's value",
                key: key.clone(),
            });
        }
        src.insert(at, ',');
        inserted.push(at);
        match RawBibliography::parse(&src) {
            Ok(raw) => {
                return convert(&raw, &src, text, block, &inserted, None);
            }
            Err(e) => err = e,
        }
    }
    None
}

/// `name =` at the start of `s`?
fn looks_like_field(s: &str) -> bool {
    let name_len = s
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b':' | b'.'))
        .count();
    name_len > 0 && s[name_len..].trim_start().starts_with('=')
}

fn map_back(pos: usize, inserted: &[usize]) -> usize {
    pos - inserted.iter().filter(|&&i| i < pos).count()
}

/// A field segment found by the line-based repair.
struct Segment {
    name_offset: usize,
    text: String,
}

/// Rebuilds a damaged entry one field per line, balancing each braced value.
fn rebuild<'a>(
    text: &'a str,
    block: &Block,
    key: &Option<String>,
    problems: &mut Vec<Problem>,
) -> Option<Parsed<'a>> {
    let src = &text[block.start..block.end];
    let head_end = src.find(',')?;
    if src[..head_end].contains('\n') && block.kind == BlockKind::Entry {
        return None;
    }
    let mut segments: Vec<Segment> = Vec::new();
    let mut offset = head_end + 1;
    for line in src[head_end + 1..].split_inclusive('\n') {
        if looks_like_field(line.trim_start()) {
            segments.push(Segment {
                name_offset: block.start + offset + (line.len() - line.trim_start().len()),
                text: line.to_string(),
            });
        } else if let Some(last) = segments.last_mut() {
            last.text.push_str(line);
        } else if !line.trim().is_empty() && line.trim() != "}" {
            // Text between the key and the first field: keep it with the head.
            return None;
        }
        offset += line.len();
    }
    let count = segments.len();
    let mut rebuilt = String::with_capacity(src.len() + 16);
    rebuilt.push_str(&src[..head_end + 1]);
    rebuilt.push('\n');
    let mut reported = false;
    for (i, seg) in segments.iter().enumerate() {
        let (name, value) = seg.text.split_once('=')?;
        let mut value = value.trim();
        if i + 1 == count {
            // The entry's own closing delimiter ends the last segment.
            value = value.trim_end();
            if (value.ends_with('}') && brace_balance(value) < 0) || value.ends_with(')') {
                value = &value[..value.len() - 1];
            } else if value.ends_with('}') && !value.starts_with('{') {
                value = value[..value.len() - 1].trim_end();
            } else if value.ends_with("}}") && brace_balance(value) == 0 {
                value = &value[..value.len() - 1];
            }
            value = value.trim_end();
        }
        let value = value.strip_suffix(',').unwrap_or(value).trim_end();
        let (fixed, damaged) = balance(value);
        if damaged && !reported {
            reported = true;
            problems.push(Problem {
                offset: seg.name_offset,
                severity: Severity::Error,
                code: "bib-unbalanced-braces",
                message: format!("unbalanced braces in field `{}`", name.trim()),
                help: "every `{` in a value needs a matching `}`; BibTeX would misread the rest of the entry",
                key: key.clone(),
            });
        }
        rebuilt.push_str(name.trim());
        rebuilt.push_str(" = ");
        rebuilt.push_str(&fixed);
        rebuilt.push_str(",\n");
    }
    rebuilt.push('}');
    if !reported {
        let offset = match block.damage {
            Some(Damage::ClosedEarly(at)) => at,
            _ => segments.first().map_or(block.start, |s| s.name_offset),
        };
        problems.push(Problem {
            offset,
            severity: Severity::Error,
            code: "bib-unbalanced-braces",
            message: "unbalanced braces in this entry".into(),
            help: "every `{` needs a matching `}`; the entry was read field by field",
            key: key.clone(),
        });
    }
    let rebuilt = if block.parens {
        with_braces(&rebuilt)
    } else {
        rebuilt
    };
    let raw = RawBibliography::parse(&rebuilt).ok()?;
    let offsets: Vec<usize> = segments.iter().map(|s| s.name_offset).collect();
    convert(&raw, &rebuilt, text, block, &[], Some(&offsets))
}

fn brace_balance(s: &str) -> i64 {
    s.bytes().fold(0, |acc, b| match b {
        b'{' => acc + 1,
        b'}' => acc - 1,
        _ => acc,
    })
}

/// Balances a braced value: drops `}` that would close it early, adds missing `}`.
fn balance(value: &str) -> (String, bool) {
    if !value.starts_with('{') {
        return (value.to_string(), false);
    }
    let mut out = String::with_capacity(value.len() + 2);
    let mut depth = 0usize;
    let mut damaged = false;
    let last = value.len() - 1;
    let mut escaped = false;
    for (i, c) in value.char_indices() {
        if escaped {
            escaped = false;
            out.push(c);
            continue;
        }
        match c {
            '\\' => escaped = true,
            '{' => depth += 1,
            '}' => {
                if depth == 0 || (depth == 1 && i != last) {
                    damaged = true;
                    continue;
                }
                depth -= 1;
            }
            _ => {}
        }
        out.push(c);
    }
    if depth > 0 {
        damaged = true;
        out.extend(std::iter::repeat_n('}', depth));
    }
    (out, damaged)
}

/// Converts the raw parser's output to ours, with file offsets. `src` is what was parsed;
/// when it is not a slice of `text`, the result borrows nothing from it (callers own it).
fn convert<'a, 's>(
    raw: &RawBibliography<'s>,
    src: &'s str,
    text: &'a str,
    block: &Block,
    inserted: &[usize],
    field_offsets: Option<&[usize]>,
) -> Option<Parsed<'a>> {
    let borrowed = std::ptr::eq(src.as_ptr(), text[block.start..].as_ptr())
        && src.len() == block.end - block.start;
    let pos = |p: usize| block.start + map_back(p, inserted);
    let cow = |s: &'s str| -> Cow<'a, str> {
        if borrowed {
            // `src` is `text[block.start..block.end]`: re-slice `text` to keep the lifetime.
            let start = s.as_ptr() as usize - src.as_ptr() as usize;
            Cow::Borrowed(&text[block.start + start..block.start + start + s.len()])
        } else {
            Cow::Owned(s.to_string())
        }
    };
    let field = |pair: &biblatex::Pair<'s>, i: usize| RawField {
        name: cow(pair.key.v),
        offset: field_offsets
            .and_then(|o| o.get(i).copied())
            .unwrap_or_else(|| pos(pair.key.span.start)),
        value_offset: field_offsets
            .and_then(|o| o.get(i).copied())
            .unwrap_or_else(|| pos(pair.value.span.start)),
        pieces: pair
            .value
            .v
            .iter()
            .map(|chunk| match chunk.v {
                RawChunk::Normal(t) => Piece::Text(cow(t)),
                RawChunk::Abbreviation(m) => Piece::Macro(cow(m), pos(chunk.span.start)),
            })
            .collect(),
    };
    match block.kind {
        BlockKind::String => Some(Parsed::Strings(
            raw.abbreviations
                .iter()
                .enumerate()
                .map(|(i, p)| field(p, i))
                .collect(),
        )),
        BlockKind::Entry => {
            let entry = raw.entries.first()?;
            Some(Parsed::Entry(RawEntry {
                entry_type: &text[block.type_range.clone()],
                key: cow(entry.v.key.v),
                key_offset: pos(entry.v.key.span.start),
                fields: entry
                    .v
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(i, p)| field(p, i))
                    .collect(),
                range: block.start..block.end,
            }))
        }
        _ => Some(Parsed::Nothing),
    }
}

#[cfg(test)]
mod tests {
    use super::super::scan::split;
    use super::*;

    fn parse_all(text: &str) -> (Vec<Parsed<'_>>, Vec<Problem>) {
        let mut problems = Vec::new();
        let parsed = split(text)
            .iter()
            .map(|b| parse_block(text, b, &mut problems))
            .collect();
        (parsed, problems)
    }

    fn entry<'p, 'a>(p: &'p Parsed<'a>) -> &'p RawEntry<'a> {
        match p {
            Parsed::Entry(e) => e,
            other => panic!("not an entry: {other:?}"),
        }
    }

    #[test]
    fn clean_entry_borrows_and_locates() {
        let text = "@Article{Abas05,\n  journal = CLINNP # { x},\n  year = 2005\n}\n";
        let (parsed, problems) = parse_all(text);
        assert!(problems.is_empty());
        let e = entry(&parsed[0]);
        assert_eq!(e.key, "Abas05");
        assert_eq!(e.entry_type, "Article");
        assert_eq!(
            e.fields[0].pieces[0],
            Piece::Macro(Cow::Borrowed("CLINNP"), 29)
        );
        assert_eq!(&text[e.fields[1].offset..e.fields[1].offset + 4], "year");
    }

    #[test]
    fn missing_comma_is_repaired_and_located() {
        let text = "@article{A,\n  title = {T}\n  year = {2000},\n}\n";
        let (parsed, problems) = parse_all(text);
        let e = entry(&parsed[0]);
        assert_eq!(e.fields.len(), 2);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].code, "bib-missing-comma");
        assert_eq!(&text[problems[0].offset - 3..problems[0].offset], "{T}");
    }

    #[test]
    fn unbalanced_title_is_repaired_and_located() {
        for text in [
            "@article{A,\n  title = {Bad {title},\n  year = {2000},\n}\n\n@article{B, title={x}}",
            "@article{A,\n  title = {Bad} title},\n  year = {2000},\n}\n\n@article{B, title={x}}",
        ] {
            let (parsed, problems) = parse_all(text);
            assert_eq!(parsed.len(), 2, "{text}");
            let a = entry(&parsed[0]);
            assert_eq!(a.key, "A");
            assert_eq!(a.fields.len(), 2, "{text}");
            assert_eq!(entry(&parsed[1]).key, "B");
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert_eq!(problems[0].code, "bib-unbalanced-braces");
            assert_eq!(&text[problems[0].offset..problems[0].offset + 5], "title");
        }
    }

    #[test]
    fn strings_and_parens() {
        let text = "@String { _A_ = {Full A} }\n@string(B = _A_)\n@misc(K, title = {x})";
        let (parsed, problems) = parse_all(text);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(matches!(&parsed[0], Parsed::Strings(v) if v[0].name == "_A_"));
        assert!(matches!(&parsed[1], Parsed::Strings(v) if v[0].name == "B"));
        assert_eq!(entry(&parsed[2]).key, "K");
    }

    #[test]
    fn lone_dollar_is_fine() {
        let text = "@article{M,\n abstract = {score A$?60 or},\n}";
        let (parsed, problems) = parse_all(text);
        assert!(problems.is_empty());
        assert_eq!(entry(&parsed[0]).fields.len(), 1);
    }
}
