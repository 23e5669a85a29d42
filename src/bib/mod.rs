//! Stage 1: BibTeX in and out.
//!
//! Reading is tolerant: every entry is parsed on its own, so one broken entry never costs
//! another; macros (`@string`) resolve across all files, case-insensitively, in chains;
//! LaTeX becomes Unicode. Every problem becomes a [`Diagnostic`] with file, line, column and key.
//! Writing is byte-preserving: edits touch only the fields they change.

pub mod edit;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostic, Severity};
use crate::model::{Publication, Span};

pub mod csl;
pub mod latex;
pub mod macros;
pub mod names;
pub mod normalize;
pub mod parse;
pub mod scan;
pub mod write;

use macros::{Macros, Origin, Unresolved};
use normalize::ResolvedField;
use parse::{Parsed, Problem};
use scan::LineIndex;

/// One loaded bib file: its path and, for text given in memory, its text (for the source
/// lines of diagnostics). Files read from disk do not keep their text once loaded: at
/// 100,000 entries it was 160 MB, and diagnostics read the file again (edits always do).
#[derive(Debug, Clone)]
pub struct BibFile {
    /// The path as given.
    pub path: PathBuf,
    /// The text (UTF-8, lossily decoded when invalid; a diagnostic says where); empty after
    /// [`load_with`], which read it from `path`.
    pub text: String,
}

/// Everything loaded from a set of bib files.
#[derive(Debug, Clone, Default)]
pub struct Bibliography {
    /// Publications in file order (first file first).
    pub publications: Vec<Publication>,
    /// Problems found.
    pub diagnostics: Vec<Diagnostic>,
    /// The files read.
    pub files: Vec<BibFile>,
    /// Lowercased key → index into `publications` (first occurrence wins).
    pub index: HashMap<String, usize>,
}

impl Bibliography {
    /// Looks up a publication by key, case-insensitively.
    pub fn get(&self, key: &str) -> Option<&Publication> {
        self.index
            .get(&key.to_lowercase())
            .map(|&i| &self.publications[i])
    }

    /// Rebuilds `index` from `publications`.
    pub fn reindex(&mut self) {
        self.index.clear();
        for (i, p) in self.publications.iter().enumerate() {
            self.index.entry(p.key.to_lowercase()).or_insert(i);
        }
    }

    /// The text of a file loaded from memory, for rendering diagnostics (`None` for a file
    /// read from disk: read it again).
    pub fn source_text(&self, path: &std::path::Path) -> Option<&str> {
        self.files
            .iter()
            .find(|f| f.path == path && !f.text.is_empty())
            .map(|f| f.text.as_str())
    }
}

/// What [`load_with`] checks beyond syntax.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Keys that do not match get a warning; `None` checks nothing.
    pub key_pattern: Option<regex::Regex>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            key_pattern: regex::Regex::new(crate::config::DEFAULT_KEY_PATTERN).ok(),
        }
    }
}

/// Loads bib files with the default key pattern. Unreadable files become diagnostics;
/// nothing here returns an error.
pub fn load(paths: &[PathBuf]) -> Bibliography {
    load_with(paths, &LoadOptions::default())
}

/// Loads bib files: every entry of every file, macros resolved across all of them,
/// every problem a [`Diagnostic`].
pub fn load_with(paths: &[PathBuf], options: &LoadOptions) -> Bibliography {
    let mut diagnostics = Vec::new();
    let mut files: Vec<BibFile> = Vec::with_capacity(paths.len());
    for path in paths {
        if let Some(text) = read_text(path, &mut diagnostics) {
            files.push(BibFile {
                path: path.clone(),
                text,
            });
        }
    }
    let publications = load_texts(&files, options, &mut diagnostics);
    for f in &mut files {
        f.text = String::new();
    }
    let mut bib = Bibliography {
        publications,
        diagnostics,
        files,
        index: HashMap::new(),
    };
    bib.reindex();
    bib
}

/// Loads bib text that is already in memory (tests, benchmarks, other stages).
pub fn load_str(path: &Path, text: &str) -> Bibliography {
    let files = vec![BibFile {
        path: path.to_path_buf(),
        text: text.to_string(),
    }];
    load_files(files, &LoadOptions::default())
}

/// Loads several in-memory files together (macros resolve across them).
pub fn load_files(files: Vec<BibFile>, options: &LoadOptions) -> Bibliography {
    let mut diagnostics = Vec::new();
    let publications = load_texts(&files, options, &mut diagnostics);
    let mut bib = Bibliography {
        publications,
        diagnostics,
        files,
        index: HashMap::new(),
    };
    bib.reindex();
    bib
}

/// Reads a file as UTF-8; invalid bytes are replaced and reported, with their byte offset.
fn read_text(path: &Path, diagnostics: &mut Vec<Diagnostic>) -> Option<String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            diagnostics.push(
                Diagnostic::error("bib-read", format!("cannot read bib file: {e}"))
                    .at(path, 0, 0)
                    .help("check the path given with --bib or in [bib] files"),
            );
            return None;
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => Some(text),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            let line_start = bytes[..offset]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
            let column = String::from_utf8_lossy(&bytes[line_start..offset])
                .chars()
                .count() as u32
                + 1;
            diagnostics.push(
                Diagnostic::error(
                    "bib-invalid-utf8",
                    format!(
                        "invalid UTF-8 at byte {offset}; invalid bytes were replaced by U+FFFD"
                    ),
                )
                .at(path, line, column)
                .help("save the file as UTF-8 (it is probably Latin-1 or Windows-1252)"),
            );
            Some(String::from_utf8_lossy(&bytes).into_owned())
        }
    }
}

fn to_diagnostic(p: Problem, path: &Path, text: &str, lines: &LineIndex) -> Diagnostic {
    let (line, column) = lines.locate(text, p.offset);
    let mut d = match p.severity {
        Severity::Error => Diagnostic::error(p.code, p.message),
        Severity::Warning => Diagnostic::warning(p.code, p.message),
    }
    .at(path, line, column)
    .help(p.help);
    if let Some(k) = p.key {
        d = d.key(k);
    }
    d
}

fn load_texts(
    files: &[BibFile],
    options: &LoadOptions,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Publication> {
    let lines: Vec<LineIndex> = files.iter().map(|f| LineIndex::new(&f.text)).collect();
    let mut problems: Vec<Vec<Problem>> = vec![Vec::new(); files.len()];
    let mut parsed: Vec<Vec<Parsed<'_>>> = Vec::with_capacity(files.len());
    for (i, f) in files.iter().enumerate() {
        let blocks = scan::split(&f.text);
        // Blocks are parsed on all cores; their problems are merged back in block order.
        let results = crate::par::map(&blocks, |b| {
            let mut found = Vec::new();
            let block = parse::parse_block(&f.text, b, &mut found);
            (block, found)
        });
        let mut blocks = Vec::with_capacity(results.len());
        for (block, found) in results {
            problems[i].extend(found);
            blocks.push(block);
        }
        parsed.push(blocks);
    }
    // Every file's macros first, so file order does not matter.
    let mut macros = Macros::default();
    for (i, file) in parsed.iter_mut().enumerate() {
        for item in file.iter_mut() {
            if let Parsed::Strings(defs) = item {
                for def in defs.drain(..) {
                    let origin = Origin {
                        file: i,
                        offset: def.offset,
                    };
                    if let Some(prev) = macros.define(&def.name, def.pieces, origin) {
                        let (pl, _) = lines[prev.file].locate(&files[prev.file].text, prev.offset);
                        problems[i].push(Problem {
                            offset: def.offset,
                            severity: Severity::Warning,
                            code: "bib-macro-redefined",
                            message: format!(
                                "macro `{}` redefined with a different value (first defined in {}:{pl}); the last definition is used",
                                def.name,
                                files[prev.file].path.display()
                            ),
                            help: "keep one definition per macro",
                            key: None,
                        });
                    }
                }
            }
        }
    }
    // Which entries become publications is decided in file order (first key wins); the
    // entries are then resolved and normalized on all cores, and their problems merged back
    // in the same order as before, so the result does not depend on the scheduling.
    enum Step<'e> {
        Problem(usize, Problem),
        Entry(usize, &'e parse::RawEntry<'e>),
    }
    let mut steps: Vec<Step<'_>> = Vec::new();
    let mut seen: HashMap<String, (usize, usize)> = HashMap::new();
    for (i, file) in parsed.iter().enumerate() {
        for item in file {
            let Parsed::Entry(entry) = item else { continue };
            let key = entry.key.trim();
            if key.is_empty() {
                steps.push(Step::Problem(
                    i,
                    Problem {
                        offset: entry.range.start,
                        severity: Severity::Error,
                        code: "bib-no-key",
                        message: "entry without a key was skipped".into(),
                        help: "add a key after the opening brace: `@article{Abcd19,`",
                        key: None,
                    },
                ));
                continue;
            }
            if let Some(&(pf, poff)) = seen.get(&key.to_lowercase()) {
                let (pl, _) = lines[pf].locate(&files[pf].text, poff);
                steps.push(Step::Problem(
                    i,
                    Problem {
                        offset: entry.key_offset,
                        severity: Severity::Error,
                        code: "bib-duplicate-key",
                        message: format!(
                            "duplicate key: already used at {}:{pl}; this entry was skipped",
                            files[pf].path.display()
                        ),
                        help: "give one of the two entries another key (add a letter: `Abcd19b`)",
                        key: Some(key.to_string()),
                    },
                ));
                continue;
            }
            seen.insert(key.to_lowercase(), (i, entry.key_offset));
            steps.push(Step::Entry(i, entry));
        }
    }
    let entries: Vec<(usize, &parse::RawEntry<'_>)> = steps
        .iter()
        .filter_map(|s| match s {
            Step::Entry(i, e) => Some((*i, *e)),
            Step::Problem(..) => None,
        })
        .collect();
    macros.resolve_all();
    let normalized = crate::par::map(&entries, |&(i, entry)| {
        normalize_entry(entry, &macros, &files[i], &lines[i])
    });
    let mut publications = Vec::with_capacity(normalized.len());
    let mut normalized = normalized.into_iter();
    for step in steps {
        match step {
            Step::Problem(i, p) => problems[i].push(p),
            Step::Entry(i, _) => {
                if let Some((p, found)) = normalized.next() {
                    problems[i].extend(found);
                    publications.push(p);
                }
            }
        }
    }
    for (i, ps) in problems.into_iter().enumerate() {
        for p in ps {
            diagnostics.push(to_diagnostic(p, &files[i].path, &files[i].text, &lines[i]));
        }
    }
    diagnostics.extend(checks(&publications, options));
    crate::diagnostics::sort(diagnostics);
    publications
}

/// Resolves one entry's macros and normalizes it into a publication, with its problems.
fn normalize_entry(
    entry: &parse::RawEntry<'_>,
    macros: &Macros<'_>,
    file: &BibFile,
    lines: &LineIndex,
) -> (Publication, Vec<Problem>) {
    let key = entry.key.trim();
    let mut problems = Vec::new();
    let mut resolved = Vec::with_capacity(entry.fields.len());
    for field in &entry.fields {
        let (raw, unresolved) = macros.resolve(&field.pieces);
        for (u, offset) in unresolved {
            let message = match u {
                Unresolved::Undefined(name) => format!(
                    "undefined macro `{name}` in field `{}`",
                    field.name.to_lowercase()
                ),
                Unresolved::Cycle(name) => format!("macro `{name}` refers to itself"),
            };
            problems.push(Problem {
                offset,
                severity: Severity::Error,
                code: "bib-undefined-macro",
                message,
                help: "define it with @string{NAME = {Full name}} in one of the bib files, or load the file that defines it",
                key: Some(key.to_string()),
            });
        }
        resolved.push(ResolvedField {
            name: field.name.to_lowercase(),
            raw,
            offset: field.offset,
        });
    }
    let mut p = normalize::publication(key, entry.entry_type, &resolved, &mut problems);
    let (line, column) = lines.locate(&file.text, entry.range.start);
    p.span = Span {
        file: file.path.clone(),
        line,
        column,
        bytes: entry.range.clone(),
    };
    (p, problems)
}

/// Cross-entry checks: missing title or year, key pattern, shared DOI or PMID.
fn checks(publications: &[Publication], options: &LoadOptions) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let at =
        |d: Diagnostic, p: &Publication| d.at(&p.span.file, p.span.line, p.span.column).key(&p.key);
    let mut dois: HashMap<&str, &Publication> = HashMap::new();
    let mut pmids: HashMap<u64, &Publication> = HashMap::new();
    for p in publications {
        if p.title.is_empty() {
            out.push(
                at(Diagnostic::warning("bib-no-title", "entry has no title"), p)
                    .help("add a title field"),
            );
        }
        if p.year.is_none() && !p.fields.contains_key("year") {
            out.push(
                at(Diagnostic::warning("bib-no-year", "entry has no year"), p)
                    .help("add a year field"),
            );
        }
        if let Some(re) = &options.key_pattern {
            if !re.is_match(&p.key) {
                out.push(
                    at(
                        Diagnostic::warning(
                            "bib-key-pattern",
                            format!("key does not match the key pattern `{}`", re.as_str()),
                        ),
                        p,
                    )
                    .help("rename the key to the house style (first four letters of the first author's family name, two-digit year, a letter for duplicates), or set [bib] key_pattern"),
                );
            }
        }
        if let Some(doi) = &p.ids.doi {
            if let Some(first) = dois.get(doi.as_str()) {
                out.push(
                    at(
                        Diagnostic::warning(
                            "bib-shared-doi",
                            format!("DOI {doi} is also used by `{}`", first.key),
                        ),
                        p,
                    )
                    .help("if both are the same work, remove one; chapters of one book may share the book's DOI"),
                );
            } else {
                dois.insert(doi.as_str(), p);
            }
        }
        if let Some(pmid) = p.ids.pmid {
            if let Some(first) = pmids.get(&pmid.0) {
                out.push(
                    at(
                        Diagnostic::warning(
                            "bib-shared-pmid",
                            format!("PMID {pmid} is also used by `{}`", first.key),
                        ),
                        p,
                    )
                    .help("if both are the same work, remove one"),
                );
            } else {
                pmids.insert(pmid.0, p);
            }
        }
    }
    out
}
