//! Diagnostics: every problem publist finds, with where it is and what to do.
//!
//! Stages never stop at the first problem: they push [`Diagnostic`]s and carry on.
//! Commands print them as text (rustc-style, with the source line and a caret),
//! as JSON, or as GitHub Actions annotations.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something could not be loaded, or would be loaded wrongly.
    Error,
    /// Suspicious, but loaded.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem, located.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The file, when the problem is in a file.
    pub file: Option<PathBuf>,
    /// 1-based line; 0 when unknown.
    pub line: u32,
    /// 1-based column; 0 when unknown.
    pub column: u32,
    /// The bib key, person slug or project slug involved.
    pub key: Option<String>,
    /// A short stable code (`bib-unbalanced-braces`, `site-unknown-bibkey`, …).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub code: String,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Diagnostic {
    /// A new error with a message and no location.
    pub fn error(code: &str, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }

    /// A new warning with a message and no location.
    pub fn warning(code: &str, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }

    fn new(severity: Severity, code: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            file: None,
            line: 0,
            column: 0,
            key: None,
            code: code.to_string(),
            message: message.into(),
            help: None,
        }
    }

    /// Sets the location.
    pub fn at(mut self, file: &Path, line: u32, column: u32) -> Self {
        self.file = Some(file.to_path_buf());
        self.line = line;
        self.column = column;
        self
    }

    /// Sets the key (bib key or page slug).
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Sets the advice.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:column` (or what is known of it).
    pub fn location(&self) -> String {
        match &self.file {
            None => String::new(),
            Some(f) if self.line == 0 => f.display().to_string(),
            Some(f) if self.column == 0 => format!("{}:{}", f.display(), self.line),
            Some(f) => format!("{}:{}:{}", f.display(), self.line, self.column),
        }
    }

    /// Renders rustc-style text. `source` is the text of `self.file`, when available,
    /// so the offending line can be shown with a caret under the column.
    pub fn render_text(&self, source: Option<&str>) -> String {
        let line = source
            .filter(|_| self.line > 0)
            .and_then(|src| src.lines().nth(self.line as usize - 1));
        self.render_text_line(line)
    }

    /// [`Diagnostic::render_text`] given only the text of the diagnostic's line (without
    /// its line break), for callers that index a file's lines once for many diagnostics.
    pub fn render_text_line(&self, line_text: Option<&str>) -> String {
        let mut out = String::new();
        let _ = write!(out, "{}", self.severity.as_str());
        if !self.code.is_empty() {
            let _ = write!(out, "[{}]", self.code);
        }
        let _ = write!(out, ": {}", self.message);
        if let Some(key) = &self.key {
            let _ = write!(out, " (key `{key}`)");
        }
        out.push('\n');
        let loc = self.location();
        if !loc.is_empty() {
            let _ = writeln!(out, "  --> {loc}");
        }
        if self.line > 0 {
            if let Some(text) = line_text {
                let text = text.trim_end_matches('\r');
                let num = self.line.to_string();
                let pad = " ".repeat(num.len());
                let shown: String = text.chars().take(160).collect();
                let _ = writeln!(out, "{pad} |");
                let _ = writeln!(out, "{num} | {shown}");
                if self.column > 0 {
                    let caret_pad: String = text
                        .chars()
                        .take(self.column as usize - 1)
                        .map(|c| if c == '\t' { '\t' } else { ' ' })
                        .collect();
                    let _ = writeln!(out, "{pad} | {caret_pad}^");
                } else {
                    let _ = writeln!(out, "{pad} |");
                }
            }
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "  = help: {help}");
        }
        out
    }

    /// A GitHub Actions workflow command (`::warning file=…,line=…::message`).
    pub fn render_github(&self) -> String {
        let mut props = Vec::new();
        if let Some(f) = &self.file {
            props.push(format!(
                "file={}",
                escape_gh_property(&f.display().to_string())
            ));
            if self.line > 0 {
                props.push(format!("line={}", self.line));
            }
            if self.column > 0 {
                props.push(format!("col={}", self.column));
            }
        }
        let mut msg = self.message.clone();
        if let Some(key) = &self.key {
            msg = format!("{msg} (key {key})");
        }
        format!(
            "::{} {}::{}",
            self.severity.as_str(),
            props.join(","),
            escape_gh_data(&msg)
        )
    }
}

fn escape_gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_gh_property(s: &str) -> String {
    escape_gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Sorts diagnostics into a deterministic order: file, line, column, then message.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.key, &a.message)
            .cmp(&(&b.file, b.line, b.column, &b.key, &b.message))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_shows_line_and_caret() {
        let d = Diagnostic::error("bib-missing-comma", "missing comma between fields")
            .at(Path::new("a.bib"), 2, 5)
            .key("Abas05")
            .help("add a comma after the previous field");
        let text = d.render_text(Some("@article{Abas05,\n  title = {x}\n}"));
        assert!(text.contains("--> a.bib:2:5"), "{text}");
        assert!(text.contains("2 |   title = {x}"), "{text}");
        assert!(text.contains("  |     ^"), "{text}");
        assert!(text.contains("key `Abas05`"));
    }

    #[test]
    fn github_annotation_escapes_newlines() {
        let d = Diagnostic::warning("x", "a\nb").at(Path::new("f.bib"), 3, 0);
        assert_eq!(d.render_github(), "::warning file=f.bib,line=3::a%0Ab");
    }
}
