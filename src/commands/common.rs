//! What several commands share: turning CLI input flags into a [`Config`], loading the
//! inputs once, and printing diagnostics.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::attribute::{self, Attribution};
use crate::bib::{self, Bibliography};
use crate::cli::InputArgs;
use crate::config::{Config, Overrides};
use crate::diagnostics::{self, Diagnostic};
use crate::error::Result;
use crate::site::{self, Site};

/// CLI input flags as config overrides.
pub fn overrides(input: &InputArgs) -> Overrides {
    Overrides {
        config: input.config.clone(),
        bib: input.bib.clone(),
        people: input.people.clone(),
        projects: input.projects.clone(),
        ..Overrides::default()
    }
}

/// Everything a command reads, loaded once.
#[derive(Debug)]
pub struct Inputs {
    /// The validated configuration.
    pub config: Config,
    /// The bibliography.
    pub bib: Bibliography,
    /// People and projects.
    pub site: Site,
    /// Who wrote what.
    pub attribution: Attribution,
}

/// Loads bib files, site pages, and attributes publications to people.
pub fn load_inputs(config: Config) -> Inputs {
    let started = std::time::Instant::now();
    // The site's pages are read while the bib files load (neither needs the other).
    let (bib, site) = std::thread::scope(|scope| {
        let site = scope.spawn(|| site::load(&config.people, &config.projects));
        let bib = bib::load_with(
            &config.bib_files,
            &bib::LoadOptions {
                key_pattern: Some(config.key_pattern.clone()),
            },
        );
        tracing::debug!("bib files loaded in {:.2?}", started.elapsed());
        let site = match site.join() {
            Ok(site) => site,
            Err(payload) => std::panic::resume_unwind(payload),
        };
        (bib, site)
    });
    let attributing = std::time::Instant::now();
    let attribution = attribute::attribute_site(&bib, &site, &config);
    tracing::debug!("attributed in {:.2?}", attributing.elapsed());
    Inputs {
        config,
        bib,
        site,
        attribution,
    }
}

impl Inputs {
    /// All diagnostics of all stages, sorted.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut all: Vec<Diagnostic> = self
            .bib
            .diagnostics
            .iter()
            .chain(&self.site.diagnostics)
            .chain(&self.attribution.diagnostics)
            .cloned()
            .collect();
        diagnostics::sort(&mut all);
        all
    }
}

/// Prints diagnostics as rustc-style text on stderr (or GitHub annotations when
/// `GITHUB_ACTIONS=true`), reading each file's text once for the source lines.
pub fn print_diagnostics(diags: &[Diagnostic], bib: Option<&Bibliography>) {
    let github = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    // Each file is read and split into lines once, however many diagnostics point into it.
    let mut texts: HashMap<PathBuf, Option<SourceLines<'_>>> = HashMap::new();
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for d in diags {
        if github {
            let _ = writeln!(err, "{}", d.render_github());
            continue;
        }
        let line = d.file.as_ref().and_then(|f| {
            texts
                .entry(f.clone())
                .or_insert_with(|| read_source(f, bib).map(SourceLines::new))
                .as_ref()
                .and_then(|s| s.line(d.line))
        });
        let _ = write!(err, "{}", d.render_text_line(line));
    }
}

/// A file's text (borrowed from the bibliography when it is a bib file) with the byte offset
/// where each line starts.
struct SourceLines<'a> {
    text: Cow<'a, str>,
    starts: Vec<usize>,
}

impl<'a> SourceLines<'a> {
    fn new(text: Cow<'a, str>) -> SourceLines<'a> {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .filter(|&i| i < text.len())
            .collect();
        SourceLines { text, starts }
    }

    /// Line `n` (1-based) without its line break, as `str::lines` gives it.
    fn line(&self, n: u32) -> Option<&str> {
        let start = *self.starts.get((n as usize).checked_sub(1)?)?;
        let rest = &self.text[start..];
        let line = rest.split('\n').next().unwrap_or(rest);
        Some(line.strip_suffix('\r').unwrap_or(line))
    }
}

fn read_source<'a>(path: &Path, bib: Option<&'a Bibliography>) -> Option<Cow<'a, str>> {
    bib.and_then(|b| b.source_text(path))
        .map(Cow::Borrowed)
        // Invalid UTF-8 is replaced as when the file was loaded, so lines and columns agree.
        .or_else(|| {
            std::fs::read(path)
                .ok()
                .map(|bytes| Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()))
        })
}

/// Counts errors and warnings.
pub fn count(diags: &[Diagnostic]) -> (usize, usize) {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    (errors, diags.len() - errors)
}

/// Loads the config from input flags.
pub fn config_from(input: &InputArgs) -> Result<Config> {
    Config::load(&overrides(input))
}
