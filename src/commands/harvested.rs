//! What `enrich`, `discover` and `apply` read from the metadata store: harvest what is missing
//! first (unless `--offline`), then read the stored candidates.

use std::collections::BTreeMap;

use crate::bib::Bibliography;
use crate::config::Config;
use crate::error::Result;
use crate::merge::discover::{self, Found};
use crate::merge::review::Reviewed;
use crate::model::{Candidate, Person};
use crate::site::Site;
use crate::sources::harvest::{self, HarvestOptions};
use crate::store::Store;

/// Harvests (unless offline) and opens the store; `None` when there is no store yet.
fn store_after_harvest(
    config: &Config,
    bib: &Bibliography,
    people: &[Person],
    offline: bool,
) -> Result<Option<Store>> {
    if !offline {
        let report = harvest::run(
            config,
            bib,
            people,
            &HarvestOptions {
                offline,
                ..HarvestOptions::default()
            },
        )?;
        tracing::info!("harvest before merging: {report:?}");
    }
    let store = Store::open_existing(&config.store_path)?;
    if store.is_none() {
        eprintln!(
            "note: no store at {}; run `publist harvest` first (or drop --offline)",
            config.store_path.display()
        );
    }
    Ok(store)
}

/// Every stored candidate about the bibliography's works.
pub fn work_candidates(
    config: &Config,
    bib: &Bibliography,
    offline: bool,
) -> Result<Vec<Candidate>> {
    match store_after_harvest(config, bib, &[], offline)? {
        Some(store) => store.candidates(),
        None => Ok(Vec::new()),
    }
}

/// Each person's stored works, by slug.
pub fn person_candidates(
    config: &Config,
    site: &Site,
    people: &[&Person],
    offline: bool,
) -> Result<BTreeMap<String, Vec<Candidate>>> {
    let _ = site;
    let owned: Vec<Person> = people.iter().map(|p| (*p).clone()).collect();
    let store = store_after_harvest(config, &Bibliography::default(), &owned, offline)?;
    let mut out = BTreeMap::new();
    for p in people {
        let mut works = match &store {
            Some(s) => s.person_works(&p.slug)?,
            None => Vec::new(),
        };
        if works.is_empty() {
            if let Some(s) = &store {
                works = s.person_works_of(p)?;
            }
        }
        out.insert(p.slug.clone(), works);
    }
    Ok(out)
}

/// The store's description of each reviewed item, when it has one.
pub fn stored_works(config: &Config, items: &[Reviewed]) -> Result<Vec<Option<Found>>> {
    let Some(store) = Store::open_existing(&config.store_path)? else {
        return Ok(vec![None; items.len()]);
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let found = store.candidates_for(&item.ids)?;
        let groups = discover::group(&found, config.title_threshold);
        // The group that shares an id with the item (the store may hold neighbours too).
        out.push(
            groups
                .into_iter()
                .find(|g| crate::merge::identity::shared_id(&g.candidate.ids, &item.ids).is_some()),
        );
    }
    Ok(out)
}
