//! The real-data suite: runs against `$PUBLIST_SHARED` (the DIAG bibliography and site sample).
//! `.ci/run` sets `PUBLIST_SHARED=../shared` when that folder exists. Without it these tests
//! print why they did nothing; they are not part of the self-contained suite.

use std::path::PathBuf;

/// The shared folder, or `None` (with a note on stderr) when `PUBLIST_SHARED` is not set.
pub fn shared() -> Option<PathBuf> {
    match std::env::var_os("PUBLIST_SHARED") {
        Some(p) => Some(PathBuf::from(p)),
        None => {
            eprintln!("PUBLIST_SHARED not set: real-data test not run");
            None
        }
    }
}

mod attribution;
mod bib;
mod build;
mod diag;
mod fill;
mod harvest;
mod merge;
mod site;
