//! # publist
//!
//! publist keeps a research group's publication lists true. It is a pipeline:
//!
//! 1. **load** — [`bib`] reads shared BibTeX files (macros across files, LaTeX, real-world
//!    dirt, per-entry error recovery) into [`model::Publication`]s; [`site`] reads person and
//!    project pages (Pelican headers, YAML or TOML front matter) into [`model::Person`] and
//!    [`model::Project`].
//! 2. **harvest** — [`sources`] asks Crossref, PubMed, OpenAlex, Semantic Scholar, arXiv, ORCID
//!    and doi.org through the one [`http`] layer (rate limits, retries, coalescing) and keeps
//!    every answer in the [`store`].
//! 3. **merge and attribute** — [`merge`] resolves identities and merges fields with
//!    provenance; [`attribute`] decides who wrote what, with reasons; [`rank`] proposes
//!    publications for projects.
//! 4. **render** — [`render`] writes pages and data files through askama templates.
//!
//! [`commands`] are short scripts over these stages, one per subcommand. Problems in the data
//! are [`diagnostics::Diagnostic`]s, collected and reported, never fatal to the run.
#![warn(missing_docs)]

pub mod attribute;
pub mod bib;
pub mod cli;
pub mod commands;
pub mod config;
pub mod diagnostics;
pub mod error;
pub mod fsutil;
pub mod http;
pub mod merge;
pub mod model;
pub mod par;
pub mod rank;
pub mod render;
pub mod report;
pub mod site;
pub mod sources;
pub mod store;
pub mod textfile;

pub use error::{Error, ExitCode, Result};
