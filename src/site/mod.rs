//! Stage 1: person and project pages.
//!
//! Each page's metadata block is detected per file (Pelican `key: value` header, YAML `---`
//! or TOML `+++` front matter), read tolerantly (every oddity is a warning with file:line),
//! and can be edited byte-preservingly: only the field that changes is touched.

pub mod edit;

use std::path::PathBuf;

use crate::diagnostics::Diagnostic;
use crate::model::{Person, Project};

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

/// Loads person pages from `people` and project pages from `projects` (folders or globs).
pub fn load(people: &[PathBuf], projects: &[PathBuf]) -> Site {
    let _ = (people, projects);
    Site::default()
}
