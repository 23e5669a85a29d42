//! Errors that stop a command, and the process exit codes.
//!
//! Problems in the *data* are [`crate::diagnostics::Diagnostic`]s and never stop a run;
//! the errors here are the ones that do: unreadable config, I/O failures on our own output.

use std::path::PathBuf;

/// What a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The config file or the command line is wrong.
    #[error("config: {0}")]
    Config(String),
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file publist would edit is not valid UTF-8; it is left untouched.
    #[error("{}:{line}: not valid UTF-8 at byte {offset}; not editing it (save the file as UTF-8 first; it is probably Latin-1 or Windows-1252)", path.display())]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// Byte offset of the first invalid byte.
        offset: usize,
        /// Its line (1-based).
        line: usize,
    },
    /// The persistent store failed.
    #[error("store {path}: {message}")]
    Store {
        /// The store file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// Rendering a template failed.
    #[error("render {what}: {message}")]
    Render {
        /// The page being rendered.
        what: String,
        /// What failed.
        message: String,
    },
    /// Anything else, already phrased for the user.
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// The exit code this error maps to.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Config(_) => ExitCode::BadConfig,
            Error::NotUtf8 { .. } => ExitCode::DataProblems,
            _ => ExitCode::Unexpected,
        }
    }
}

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Process exit codes, documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Success, nothing to report (for `refresh`: nothing changed).
    Ok = 0,
    /// Unexpected failure.
    Unexpected = 1,
    /// Data problems found (errors in bib files or pages, or a failed service).
    DataProblems = 2,
    /// Bad usage or config.
    BadConfig = 3,
    /// `refresh`: changes were made or proposed (the number is `[refresh] changes_exit_code`).
    Changes = 10,
}

/// The number [`ExitCode::Changes`] maps to; set once by `refresh` from the config.
static CHANGES_EXIT_CODE: std::sync::atomic::AtomicI32 =
    std::sync::atomic::AtomicI32::new(ExitCode::Changes as i32);

impl ExitCode {
    /// The process exit status: the enum value, except [`ExitCode::Changes`], which is
    /// configurable (`[refresh] changes_exit_code`).
    pub fn code(self) -> i32 {
        match self {
            ExitCode::Changes => CHANGES_EXIT_CODE.load(std::sync::atomic::Ordering::Relaxed),
            other => other as i32,
        }
    }

    /// Sets the status [`ExitCode::Changes`] maps to (from `[refresh] changes_exit_code`).
    pub fn set_changes_code(code: i32) {
        CHANGES_EXIT_CODE.store(code, std::sync::atomic::Ordering::Relaxed);
    }
}
