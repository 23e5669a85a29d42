//! Splitting a bib file into blocks (`@type{…}`), before any field is parsed.
//!
//! BibTeX reads everything outside `@…{…}` as a comment; so do we. A block ends at its
//! matching closing delimiter, but never runs past a line that starts a new entry
//! (`@word{` at the start of a line): that is where an unclosed brace is caught, so it costs
//! only its own entry. A block that closes early (an extra `}`) is caught by what follows it:
//! `field = value` text outside any entry.

/// What a block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// A bibliography entry (`@article`, `@conference`, …).
    Entry,
    /// `@string`.
    String,
    /// `@preamble`.
    Preamble,
    /// `@comment`.
    Comment,
}

/// Brace damage found while splitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Damage {
    /// The block never closed before the next entry (or the end of the file).
    Unclosed,
    /// The block closed at this byte offset, but field text follows it: an extra `}`.
    ClosedEarly(usize),
}

/// One `@type{…}` block; byte offsets into the file text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// What it is.
    pub kind: BlockKind,
    /// Offset of the `@`.
    pub start: usize,
    /// Offset just past the block's last byte.
    pub end: usize,
    /// The type name as written (`Article`).
    pub type_range: std::ops::Range<usize>,
    /// True when delimited by parentheses rather than braces.
    pub parens: bool,
    /// Brace damage, when found.
    pub damage: Option<Damage>,
}

/// Splits a file into blocks.
pub fn split(text: &str) -> Vec<Block> {
    let bytes = text.as_bytes();
    let mut blocks = Vec::new();
    let mut pos = 0;
    while let Some(at) = find_at(bytes, pos) {
        pos = at + 1;
        let Some((type_range, open)) = block_head(bytes, at) else {
            continue;
        };
        let name = &text[type_range.clone()];
        let kind = if name.eq_ignore_ascii_case("string") {
            BlockKind::String
        } else if name.eq_ignore_ascii_case("preamble") {
            BlockKind::Preamble
        } else if name.eq_ignore_ascii_case("comment") {
            BlockKind::Comment
        } else {
            BlockKind::Entry
        };
        let parens = bytes[open] == b'(';
        let (mut end, mut damage) = match close(bytes, open, parens) {
            Ok(end) => (end, None),
            Err(stop) => (stop, Some(Damage::Unclosed)),
        };
        if damage.is_none() && kind != BlockKind::Comment {
            if let Some(extended) = closed_early(bytes, end) {
                damage = Some(Damage::ClosedEarly(end - 1));
                end = extended;
            }
        }
        blocks.push(Block {
            kind,
            start: at,
            end,
            type_range,
            parens,
            damage,
        });
        pos = end;
    }
    blocks
}

/// The next `@` that is not on a `%` comment line.
fn find_at(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i < bytes.len() {
        let rel = bytes[i..].iter().position(|&b| b == b'@')?;
        let at = i + rel;
        let line_start = bytes[..at]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let first = bytes[line_start..at]
            .iter()
            .find(|b| !b.is_ascii_whitespace());
        if first != Some(&b'%') {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

/// After `@`: the type name and the offset of the opening delimiter.
fn block_head(bytes: &[u8], at: usize) -> Option<(std::ops::Range<usize>, usize)> {
    let start = at + 1;
    let mut i = start;
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
        i += 1;
    }
    if i == start {
        return None;
    }
    let name_end = i;
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    match bytes.get(i) {
        Some(b'{') | Some(b'(') => Some((start..name_end, i)),
        _ => None,
    }
}

/// True when a new entry starts at `i` (just after a newline): optional spaces, `@name{`.
fn entry_starts_at(bytes: &[u8], mut i: usize) -> bool {
    while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
        i += 1;
    }
    bytes.get(i) == Some(&b'@') && block_head(bytes, i).is_some()
}

/// Finds the end (exclusive) of the block opened at `open`; `Err(stop)` when a new entry
/// starts (or the file ends) first.
fn close(bytes: &[u8], open: usize, parens: bool) -> Result<usize, usize> {
    if !parens {
        return close_braced(bytes, open);
    }
    let mut depth = 0usize;
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => {
                if depth == 0 {
                    if !parens {
                        return Ok(i + 1);
                    }
                } else {
                    depth -= 1;
                }
            }
            b')' if parens && depth == 0 => return Ok(i + 1),
            // Mirrors the raw parser: a backslash escapes the next byte.
            b'\\' if depth > 0 => i += 1,
            b'\n' if entry_starts_at(bytes, i + 1) => return Err(i + 1),
            _ => {}
        }
        i += 1;
    }
    Err(bytes.len())
}

/// [`close`] for a block in braces (nearly all of them), jumping from one brace or line
/// break to the next (`memchr3`) instead of looking at every byte: this is the one pass over
/// the whole file that cannot run on all cores. A brace or line break inside braces is
/// escaped when an odd run of backslashes precedes it, which is what the byte-by-byte rule
/// (a backslash escapes the next byte) gives.
fn close_braced(bytes: &[u8], open: usize) -> Result<usize, usize> {
    let mut depth = 0usize;
    let mut i = open + 1;
    while let Some(rel) = memchr::memchr3(b'{', b'}', b'\n', &bytes[i..]) {
        let at = i + rel;
        i = at + 1;
        if depth > 0 {
            let run = bytes[..at]
                .iter()
                .rev()
                .take_while(|&&b| b == b'\\')
                .count();
            if run % 2 == 1 {
                continue;
            }
        }
        match bytes[at] {
            b'{' => depth += 1,
            b'}' => {
                if depth == 0 {
                    return Ok(at + 1);
                }
                depth -= 1;
            }
            _ => {
                if entry_starts_at(bytes, at + 1) {
                    return Err(at + 1);
                }
            }
        }
    }
    Err(bytes.len())
}

/// After a block closed at `end`: if field text (`name = …`) follows before the next entry,
/// the block closed early; returns the end of the real block (just past its last `}`).
fn closed_early(bytes: &[u8], end: usize) -> Option<usize> {
    let mut i = end;
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    if i >= bytes.len() || bytes[i] == b'@' || bytes[i] == b'%' {
        return None;
    }
    // Text follows: look at it up to the next entry.
    let mut stop = i;
    while stop < bytes.len() {
        if bytes[stop] == b'\n' && entry_starts_at(bytes, stop + 1) {
            break;
        }
        stop += 1;
    }
    let gap = &bytes[end..stop];
    if !gap.contains(&b'=') && !gap.contains(&b'}') {
        return None;
    }
    let last = gap.iter().rposition(|&b| b == b'}')?;
    Some(end + last + 1)
}

/// Maps byte offsets to 1-based lines and columns.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex { starts }
    }

    /// 1-based (line, column in characters) of a byte offset.
    pub fn locate(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let col = text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line as u32, col as u32 + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-by-byte rule `close_braced` must agree with: a backslash inside braces
    /// escapes the next byte.
    fn close_byte_by_byte(bytes: &[u8], open: usize) -> Result<usize, usize> {
        let mut depth = 0usize;
        let mut i = open + 1;
        while i < bytes.len() {
            match bytes[i] {
                b'{' => depth += 1,
                b'}' => {
                    if depth == 0 {
                        return Ok(i + 1);
                    }
                    depth -= 1;
                }
                b'\\' if depth > 0 => i += 1,
                b'\n' if entry_starts_at(bytes, i + 1) => return Err(i + 1),
                _ => {}
            }
            i += 1;
        }
        Err(bytes.len())
    }

    proptest::proptest! {
        #[test]
        fn jumping_close_agrees_with_the_byte_rule(
            body in proptest::collection::vec(
                proptest::sample::select(vec!["{", "}", "\\", "\n", "@a{", " ", "x", "é", ")"]),
                0..60,
            )
        ) {
            let text = format!("@article{{{}", body.concat());
            let bytes = text.as_bytes();
            let open = text.find('{').unwrap();
            proptest::prop_assert_eq!(close_braced(bytes, open), close_byte_by_byte(bytes, open));
        }
    }

    #[test]
    fn splits_entries_strings_comments() {
        let text = "% c @fake{x}\n@String { A = {x} }\n@Comment{jabref-meta: x;}\n@article{K,\n title = {T}}\n";
        let blocks = split(text);
        let kinds: Vec<BlockKind> = blocks.iter().map(|b| b.kind).collect();
        assert_eq!(
            kinds,
            [BlockKind::String, BlockKind::Comment, BlockKind::Entry]
        );
        assert!(text[blocks[2].start..blocks[2].end].ends_with("{T}}"));
        assert!(blocks.iter().all(|b| b.damage.is_none()));
    }

    #[test]
    fn unclosed_brace_stops_at_next_entry() {
        let text = "@article{A,\n title = {Bad {title},\n year = 2000\n}\n\n@article{B,\n title = {Good}\n}\n";
        let blocks = split(text);
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].damage, Some(Damage::Unclosed));
        assert_eq!(blocks[1].damage, None);
        assert!(text[blocks[1].start..].starts_with("@article{B"));
    }

    #[test]
    fn extra_closing_brace_is_caught() {
        let text = "@article{A,\n title = {Bad} title},\n year = 2000\n}\n@article{B, title={x}}";
        let blocks = split(text);
        assert_eq!(blocks.len(), 2);
        assert!(matches!(blocks[0].damage, Some(Damage::ClosedEarly(_))));
        assert!(text[..blocks[0].end].ends_with("2000\n}"));
    }

    #[test]
    fn lines_and_columns() {
        let text = "ab\ncdé\nf";
        let idx = LineIndex::new(text);
        assert_eq!(idx.locate(text, 0), (1, 1));
        assert_eq!(idx.locate(text, 4), (2, 2));
        assert_eq!(idx.locate(text, text.len() - 1), (3, 1));
    }
}
