//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture path under `tests/fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

/// Runs the `publist` binary in `dir` with `args`; every `PUBLIST_*_URL` is pointed at a
/// closed local port unless the caller sets it, so no test can reach the internet.
pub fn publist(dir: &Path, args: &[&str]) -> Output {
    publist_env(dir, args, &[])
}

/// Like [`publist`], with extra environment variables.
pub fn publist_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_publist"));
    cmd.current_dir(dir).args(args);
    for service in [
        "CROSSREF", "PUBMED", "OPENALEX", "S2", "ARXIV", "ORCID", "DOI",
    ] {
        cmd.env(format!("PUBLIST_{service}_URL"), "http://127.0.0.1:9");
    }
    cmd.env_remove("GITHUB_ACTIONS");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run publist")
}

/// Stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
