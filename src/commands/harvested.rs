//! What `enrich`, `discover` and `apply` read from the metadata store.
//!
//! Until the store is wired in, these return nothing.

use std::collections::BTreeMap;

use crate::bib::Bibliography;
use crate::config::Config;
use crate::error::Result;
use crate::merge::discover::Found;
use crate::merge::review::Reviewed;
use crate::model::{Candidate, Person};
use crate::site::Site;

/// Every stored candidate about the bibliography's works.
pub fn work_candidates(
    config: &Config,
    bib: &Bibliography,
    offline: bool,
) -> Result<Vec<Candidate>> {
    let _ = (config, bib, offline);
    Ok(Vec::new())
}

/// Each person's stored works, by slug.
pub fn person_candidates(
    config: &Config,
    site: &Site,
    people: &[&Person],
    offline: bool,
) -> Result<BTreeMap<String, Vec<Candidate>>> {
    let _ = (config, site, offline);
    Ok(people
        .iter()
        .map(|p| (p.slug.clone(), Vec::new()))
        .collect())
}

/// The store's description of each reviewed item, when it has one.
pub fn stored_works(config: &Config, items: &[Reviewed]) -> Result<Vec<Option<Found>>> {
    let _ = config;
    Ok(vec![None; items.len()])
}
