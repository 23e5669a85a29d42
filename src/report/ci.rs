//! Logging for CI: plain lines when stdout is not a terminal, GitHub Actions workflow commands
//! (`::warning file=…,line=…::`, `::group::`) when `GITHUB_ACTIONS=true`, the step summary
//! (`$GITHUB_STEP_SUMMARY`) and step outputs (`$GITHUB_OUTPUT`) when they are set.
//!
//! [`CiEnv::detect`] reads the environment once; everything else takes the [`CiEnv`], so the
//! behaviour is testable without touching the process environment.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use crate::diagnostics::Diagnostic;
use crate::error::{Error, Result};
use crate::fsutil;

use super::RefreshReport;

/// Where the run's log goes and which CI features are on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CiEnv {
    /// `GITHUB_ACTIONS=true`: print workflow commands.
    pub github_actions: bool,
    /// `$GITHUB_STEP_SUMMARY`: append the Markdown report.
    pub step_summary: Option<PathBuf>,
    /// `$GITHUB_OUTPUT`: write `changes`, `degraded`, `status`, `exit-code`.
    pub github_output: Option<PathBuf>,
    /// Stdout is a terminal: decorated lines; otherwise plain lines.
    pub tty: bool,
}

impl CiEnv {
    /// Reads `GITHUB_ACTIONS`, `GITHUB_STEP_SUMMARY`, `GITHUB_OUTPUT` and whether stdout is a
    /// terminal.
    pub fn detect() -> Self {
        let path_var = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        CiEnv {
            github_actions: std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true"),
            step_summary: path_var("GITHUB_STEP_SUMMARY"),
            github_output: path_var("GITHUB_OUTPUT"),
            tty: std::io::stdout().is_terminal(),
        }
    }

    /// The line announcing a stage: `::group::` in GitHub Actions, bold on a terminal,
    /// `refresh: <stage>` otherwise.
    pub fn stage_start(&self, stage: &str) -> String {
        if self.github_actions {
            format!("::group::publist refresh: {stage}")
        } else if self.tty {
            format!("\x1b[1m==> {stage}\x1b[0m")
        } else {
            format!("refresh: {stage}")
        }
    }

    /// The line closing a stage, with its one-line result.
    pub fn stage_end(&self, stage: &str, result: &str) -> String {
        let line = format!("refresh: {stage}: {result}");
        if self.github_actions {
            format!("{line}\n::endgroup::")
        } else {
            line
        }
    }

    /// The diagnostics as annotations (GitHub Actions only; empty otherwise). Annotations are
    /// capped by GitHub at 10 per kind per step, so errors come first.
    pub fn annotations(&self, diags: &[Diagnostic]) -> String {
        if !self.github_actions {
            return String::new();
        }
        let mut sorted: Vec<&Diagnostic> = diags.iter().collect();
        sorted.sort_by_key(|d| !d.is_error());
        let mut out = String::new();
        for d in sorted {
            out.push_str(&d.render_github());
            out.push('\n');
        }
        out
    }

    /// Annotations for the report as a whole: one warning per failed service, one error per
    /// stale file (`--check`).
    pub fn report_annotations(&self, report: &RefreshReport) -> String {
        if !self.github_actions {
            return String::new();
        }
        let mut out = String::new();
        for f in &report.service_failures {
            out.push_str(&format!(
                "::warning title=publist refresh degraded::{} failed: {}\n",
                escape_data(&f.service),
                escape_data(&f.message)
            ));
        }
        if report.mode.check {
            for s in &report.stale {
                out.push_str(&format!(
                    "::error file={},title=stale output::{} is {} relative to the inputs; run `publist build` and commit\n",
                    escape_property(&s.path),
                    escape_data(&s.path),
                    escape_data(&s.state)
                ));
            }
        }
        out
    }

    /// Appends the Markdown report to `$GITHUB_STEP_SUMMARY`, when set.
    pub fn write_step_summary(&self, markdown: &str) -> Result<()> {
        match &self.step_summary {
            Some(path) => append(path, markdown),
            None => Ok(()),
        }
    }

    /// Writes `changes`, `degraded`, `status` and `exit-code` to `$GITHUB_OUTPUT`, when set,
    /// so later steps can decide (`if: steps.refresh.outputs.changes == 'true'`).
    pub fn write_outputs(&self, report: &RefreshReport, exit_code: i32) -> Result<()> {
        let Some(path) = &self.github_output else {
            return Ok(());
        };
        let status = match report.status() {
            super::Status::NoChanges => "no-changes",
            super::Status::Changes => "changes",
            super::Status::Problems => "problems",
        };
        let text = format!(
            "changes={}\ndegraded={}\nstatus={status}\nexit-code={exit_code}\n",
            report.has_changes(),
            report.degraded
        );
        append(path, &text)
    }
}

/// Appends text to a file through an atomic rewrite (read, extend, replace), so a crash never
/// leaves half a summary.
fn append(path: &Path, text: &str) -> Result<()> {
    let mut bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(source) => {
            return Err(Error::Read {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    if !bytes.is_empty() && !bytes.ends_with(b"\n") {
        bytes.push(b'\n');
    }
    bytes.extend_from_slice(text.as_bytes());
    fsutil::write_atomic(path, &bytes)
}

/// Prints lines to stdout, ignoring a closed pipe.
pub fn print(text: &str) {
    if text.is_empty() {
        return;
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let _ = out.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Mode, ServiceFailure, StaleFile};

    fn gh() -> CiEnv {
        CiEnv {
            github_actions: true,
            ..CiEnv::default()
        }
    }

    #[test]
    fn plain_lines_off_a_terminal_and_groups_in_actions() {
        let plain = CiEnv::default();
        assert_eq!(plain.stage_start("harvest"), "refresh: harvest");
        assert!(!plain.stage_start("harvest").contains('\x1b'));
        assert_eq!(gh().stage_start("build"), "::group::publist refresh: build");
        assert!(gh().stage_end("build", "ok").ends_with("::endgroup::"));
    }

    #[test]
    fn annotations_only_in_actions_errors_first() {
        let diags = vec![
            Diagnostic::warning("w", "a warning").at(Path::new("bib/a.bib"), 3, 0),
            Diagnostic::error("e", "an error").at(Path::new("bib/a.bib"), 9, 2),
        ];
        assert_eq!(CiEnv::default().annotations(&diags), "");
        let text = gh().annotations(&diags);
        assert_eq!(
            text,
            "::error file=bib/a.bib,line=9,col=2::an error\n::warning file=bib/a.bib,line=3::a warning\n"
        );
    }

    #[test]
    fn failed_services_and_stale_files_are_annotated() {
        let mut r = RefreshReport::new(Mode {
            check: true,
            ..Mode::default()
        });
        r.service_failures.push(ServiceFailure {
            service: "crossref".into(),
            message: "HTTP 500\nfrom http://x".into(),
        });
        r.stale.push(StaleFile {
            path: "out/a,b.html".into(),
            state: "changed".into(),
        });
        let text = gh().report_annotations(&r);
        assert!(text.contains("::warning title=publist refresh degraded::crossref failed: HTTP 500%0Afrom http://x"), "{text}");
        assert!(
            text.contains("::error file=out/a%2Cb.html,title=stale output::"),
            "{text}"
        );
    }

    #[test]
    fn step_summary_and_outputs_append() {
        let dir = tempfile::tempdir().unwrap();
        let summary = dir.path().join("summary.md");
        let output = dir.path().join("output");
        std::fs::write(&summary, "earlier step").unwrap();
        let env = CiEnv {
            step_summary: Some(summary.clone()),
            github_output: Some(output.clone()),
            ..CiEnv::default()
        };
        env.write_step_summary("## report\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(&summary).unwrap(),
            "earlier step\n## report\n"
        );
        let mut r = RefreshReport::new(Mode {
            write: true,
            ..Mode::default()
        });
        r.files.written.push("bib/a.bib".into());
        env.write_outputs(&r, 10).unwrap();
        let out = std::fs::read_to_string(&output).unwrap();
        assert!(out.contains("changes=true\n"), "{out}");
        assert!(out.contains("exit-code=10\n"), "{out}");
        assert!(out.contains("degraded=false\n"), "{out}");
    }
}
