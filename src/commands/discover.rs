//! `publist discover`: per person, the works services list under the person's ids that the
//! bib files lack, with evidence and a suggested decision, as a review file.

use std::collections::BTreeMap;

use crate::bib;
use crate::cli::{DiscoverArgs, DiscoverFormat};
use crate::commands::common;
use crate::commands::harvested;
use crate::error::{Error, ExitCode, Result};
use crate::fsutil;
use crate::merge::discover::{self, Context, Subject};
use crate::merge::identity::BibIndex;
use crate::merge::ignore::IgnoreList;
use crate::merge::review;
use crate::site;

/// Runs `publist discover`.
pub fn run(args: DiscoverArgs) -> Result<ExitCode> {
    let mut overrides = common::overrides(&args.input);
    overrides.store = args.store.clone();
    let config = crate::config::Config::load(&overrides)?;
    let bib = bib::load(&config.bib_files);
    let site = site::load(&config.people, &config.projects);

    let wanted: Vec<String> = args
        .person
        .iter()
        .map(|s| s.trim().to_lowercase())
        .collect();
    for slug in &wanted {
        if !site.people.iter().any(|p| &p.slug == slug) {
            let known: Vec<&str> = site
                .people
                .iter()
                .map(|p| p.slug.as_str())
                .take(20)
                .collect();
            return Err(Error::Config(format!(
                "--person {slug}: no such person page (known: {}{})",
                known.join(", "),
                if site.people.len() > 20 { ", …" } else { "" }
            )));
        }
    }
    let people: Vec<&crate::model::Person> = site
        .people
        .iter()
        .filter(|p| wanted.is_empty() || wanted.contains(&p.slug))
        .collect();

    let works = harvested::person_candidates(&config, &site, &people, args.offline)?;
    let ignore_path = args
        .ignore
        .clone()
        .unwrap_or_else(|| config.ignore_file.clone());
    let (ignore, ignore_diags) = IgnoreList::load(&ignore_path)?;
    common::print_diagnostics(&ignore_diags, None);

    let index = BibIndex::new(&bib.publications, config.title_threshold);
    let ctx = Context {
        publications: &bib.publications,
        index: &index,
        people: &site.people,
        ignore: &ignore,
        since: args.since.or(config.discover_since),
    };
    let subjects: Vec<Subject<'_>> = people
        .iter()
        .map(|p| Subject {
            person: p,
            active_years: config
                .person_overrides
                .get(&p.slug)
                .and_then(|o| o.active_years.as_deref())
                .and_then(site::parse_years)
                .or(p.active_years),
        })
        .collect();
    let works: BTreeMap<String, Vec<crate::model::Candidate>> = works;
    let report = discover::discover(&ctx, &subjects, &works);

    let text = match args.format {
        DiscoverFormat::Md => review::to_markdown(&report),
        DiscoverFormat::Csv => review::to_csv(&report),
        DiscoverFormat::Json => review::to_json(&report),
    };
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for item in report.people.iter().flat_map(|p| &p.items) {
        *counts.entry(item.decision.as_str()).or_default() += 1;
    }
    let summary: Vec<String> = counts.iter().map(|(d, n)| format!("{n} {d}")).collect();
    eprintln!(
        "discover: {} people, {} works{}{}",
        report.people.len(),
        counts.values().sum::<usize>(),
        if summary.is_empty() { "" } else { ": " },
        summary.join(", ")
    );
    match &args.output {
        Some(path) => {
            fsutil::write_atomic(path, text.as_bytes())?;
            eprintln!("wrote {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::Ok)
}
