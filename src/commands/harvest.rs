//! `publist harvest`: fetch metadata for every publication and person into the store, then
//! print a per-service summary (text or JSON) on stdout. Exit 2 when a service failed.

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::sync::{Arc, Mutex};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::cli::{HarvestArgs, ReportFormat};
use crate::commands::common;
use crate::config::Config;
use crate::error::{Error, ExitCode, Result};
use crate::model::Service;
use crate::sources::harvest::{self, HarvestOptions, HarvestReport, Progress, ServiceReport};

/// Parses `--only` names.
pub fn parse_services(names: &[String]) -> Result<Vec<Service>> {
    names
        .iter()
        .flat_map(|n| n.split(','))
        .filter(|n| !n.trim().is_empty())
        .map(|n| {
            Service::parse(n).ok_or_else(|| {
                Error::Config(format!(
                    "--only: unknown service `{n}` (known: crossref, pubmed, openalex, s2, arxiv, orcid, doi)"
                ))
            })
        })
        .collect()
}

/// Runs `publist harvest`.
pub fn run(args: HarvestArgs) -> Result<ExitCode> {
    let mut overrides = common::overrides(&args.input);
    overrides.store = args.store.clone();
    let config = Config::load(&overrides)?;
    let only = parse_services(&args.only)?;
    let bib = crate::bib::load(&config.bib_files);
    let site = crate::site::load(&config.people, &config.projects);
    let progress: Arc<dyn Progress> = if std::io::stderr().is_terminal() {
        Arc::new(Bars::default())
    } else {
        Arc::new(Lines)
    };
    let options = HarvestOptions {
        offline: args.offline,
        only,
        max_requests: args.max_requests,
        progress: Some(progress),
        keys: None,
    };
    let report = harvest::run(&config, &bib, &site.people, &options)?;
    for m in &report.messages {
        eprintln!("note: {m}");
    }
    for (service, r) in &report.services {
        for e in &r.errors {
            eprintln!("error: {service}: {e}");
        }
    }
    match args.format {
        ReportFormat::Json => {
            let json = serde_json::to_string_pretty(&report)
                .map_err(|e| Error::Other(format!("cannot write the summary: {e}")))?;
            println!("{json}");
        }
        ReportFormat::Text => print!("{}", summary_text(&report)),
    }
    Ok(if report.degraded() {
        ExitCode::DataProblems
    } else {
        ExitCode::Ok
    })
}

/// The text summary: one row per service, then totals.
pub fn summary_text(report: &HarvestReport) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{:<10} {:>9} {:>11} {:>8} {:>9}  status\n",
        "service", "requests", "store hits", "retries", "failures"
    ));
    for (service, r) in &report.services {
        out.push_str(&format!(
            "{:<10} {:>9} {:>11} {:>8} {:>9}  {}\n",
            service.as_str(),
            r.requests,
            r.store_hits,
            r.retries,
            r.failures,
            r.status
        ));
    }
    let per_pub = if report.publications == 0 {
        0.0
    } else {
        report.id_requests as f64 / report.publications as f64
    };
    out.push_str(&format!(
        "{} requests: {} for identifiers ({per_pub:.3} per publication, {} publications), {} for people ({} people), {} searches\n",
        report.requests(),
        report.id_requests,
        report.publications,
        report.person_requests,
        report.people,
        report.search_requests
    ));
    let missing: u64 = report.services.values().map(|s| s.missing).sum();
    if missing > 0 {
        out.push_str(&format!(
            "{missing} lookups still missing (offline, budget or failures); the next run asks for them\n"
        ));
    }
    if report.degraded() {
        let names: Vec<&str> = report.failed.iter().map(|s| s.as_str()).collect();
        out.push_str(&format!(
            "failed: {} (the other services' results are stored)\n",
            names.join(", ")
        ));
    }
    out
}

/// Plain progress lines on stderr (CI logs).
struct Lines;

impl Progress for Lines {
    fn start(&self, service: Service, batches: u64) {
        if batches > 0 {
            eprintln!("{service}: {batches} batch(es) to fetch");
        }
    }

    fn advance(&self, _service: Service) {}

    fn finish(&self, service: Service, r: &ServiceReport) {
        eprintln!(
            "{service}: {} requests, {} store hits, {} retries, {} failures",
            r.requests, r.store_hits, r.retries, r.failures
        );
    }
}

/// indicatif bars, one per service, on a terminal.
#[derive(Default)]
struct Bars {
    multi: MultiProgress,
    bars: Mutex<BTreeMap<Service, ProgressBar>>,
}

impl Progress for Bars {
    fn start(&self, service: Service, batches: u64) {
        let bar = self.multi.add(ProgressBar::new(batches));
        if let Ok(style) =
            ProgressStyle::with_template("{prefix:>9} [{bar:30}] {pos}/{len} batches {elapsed}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(service.as_str());
        if let Ok(mut bars) = self.bars.lock() {
            bars.insert(service, bar);
        }
    }

    fn advance(&self, service: Service) {
        if let Ok(bars) = self.bars.lock() {
            if let Some(b) = bars.get(&service) {
                b.inc(1);
            }
        }
    }

    fn finish(&self, service: Service, _r: &ServiceReport) {
        if let Ok(bars) = self.bars.lock() {
            if let Some(b) = bars.get(&service) {
                b.finish();
            }
        }
    }
}
