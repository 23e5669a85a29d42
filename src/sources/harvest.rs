//! The harvest: decide what to ask each service, skip what the store already holds, send the
//! rest in batches, and write each batch to the store in one transaction.
//!
//! - Publications: DOI → Crossref, OpenAlex, Semantic Scholar (and PubMed esearch when the
//!   entry has no PMID); PMID → PubMed (and OpenAlex / Semantic Scholar when there is no DOI);
//!   arXiv id → arXiv (and Semantic Scholar when there is no DOI or PMID); no identifier at
//!   all → a Crossref bibliographic search.
//! - DOIs that Crossref does not hold (DataCite, mEDRA) → doi.org content negotiation, after
//!   Crossref has answered.
//! - People: ORCID → ORCID and OpenAlex; OpenAlex author id → OpenAlex; Semantic Scholar
//!   author id → Semantic Scholar.
//!
//! Services run concurrently; a failing service is reported and never stops the others.
//! [`run`] is the library entry point for `harvest`, `discover`, `enrich` and `refresh`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use futures::StreamExt as _;
use serde::Serialize;

use super::{batches, Ctx, Lookup, Search, Source};
use crate::bib::Bibliography;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::http::{ApiKeys, HttpClient, Purpose};
use crate::model::{Person, Publication, Service};
use crate::store::{default_ttl_days, now_secs, rfc3339, BatchRecord, Store};

/// Progress callbacks (the command draws bars or prints lines).
pub trait Progress: Send + Sync {
    /// A service starts with `batches` batches to send.
    fn start(&self, service: Service, batches: u64);
    /// One batch of a service is done.
    fn advance(&self, service: Service);
    /// A service is done.
    fn finish(&self, service: Service, report: &ServiceReport);
}

/// How to harvest.
#[derive(Clone, Default)]
pub struct HarvestOptions {
    /// Use only the store; send nothing.
    pub offline: bool,
    /// Only these services (empty: every enabled service).
    pub only: Vec<Service>,
    /// Stop after this many requests in total.
    pub max_requests: Option<u64>,
    /// Progress display.
    pub progress: Option<Arc<dyn Progress>>,
    /// API keys to use instead of the environment's (tests, embedding).
    pub keys: Option<ApiKeys>,
}

impl std::fmt::Debug for HarvestOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HarvestOptions")
            .field("offline", &self.offline)
            .field("only", &self.only)
            .field("max_requests", &self.max_requests)
            .finish_non_exhaustive()
    }
}

/// What happened at one service.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ServiceReport {
    /// HTTP requests sent (every attempt).
    pub requests: u64,
    /// Lookups answered from the store.
    pub store_hits: u64,
    /// Attempts after the first.
    pub retries: u64,
    /// Requests that failed for good.
    pub failures: u64,
    /// Lookups asked of the service in this run.
    pub lookups: u64,
    /// Lookups still missing (offline, budget, or failed batches).
    pub missing: u64,
    /// `ok`, `failed`, `skipped` or `disabled`.
    pub status: String,
    /// Why it failed or was skipped (secrets redacted).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// The result of a harvest.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HarvestReport {
    /// Per service, in [`Service::ALL`] order (`crossref`, `pubmed`, … as JSON keys).
    pub services: BTreeMap<Service, ServiceReport>,
    /// Services with at least one failed batch (the run is degraded).
    pub failed: Vec<Service>,
    /// Services skipped (no API key).
    pub skipped: Vec<Service>,
    /// Notes for the user (one per skipped service, budget exhausted…).
    pub messages: Vec<String>,
    /// Publications considered.
    pub publications: usize,
    /// People considered.
    pub people: usize,
    /// Requests spent on identifier lookups (every service).
    pub id_requests: u64,
    /// Requests spent on people's works.
    pub person_requests: u64,
    /// Requests spent on bibliographic searches.
    pub search_requests: u64,
    /// `--max-requests` stopped the run early.
    pub budget_exhausted: bool,
}

impl HarvestReport {
    /// True when a service failed: the caller should exit 2.
    pub fn degraded(&self) -> bool {
        !self.failed.is_empty()
    }

    /// Requests sent in total.
    pub fn requests(&self) -> u64 {
        self.services.values().map(|s| s.requests).sum()
    }
}

/// What to ask each service, and which lookups belong to which person.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Lookups per service, sorted and unique.
    pub lookups: BTreeMap<Service, Vec<Lookup>>,
    /// (person slug, service, lookup key).
    pub people: Vec<(String, Service, String)>,
}

/// The bibliographic search for a publication without identifiers (`None` without a title).
pub fn search_of(p: &Publication) -> Option<Search> {
    let title = p.title.trim();
    if title.len() < 8 {
        return None;
    }
    Some(Search {
        title: title.to_string(),
        author: p
            .authors
            .first()
            .map(|a| {
                if a.particle.is_empty() {
                    a.family.clone()
                } else {
                    format!("{} {}", a.particle, a.family)
                }
            })
            .filter(|f| !f.trim().is_empty()),
        year: p.year,
    })
}

/// Decides what to look up.
pub fn plan(publications: &[Publication], people: &[Person]) -> Plan {
    let mut sets: BTreeMap<Service, BTreeSet<Lookup>> = BTreeMap::new();
    let mut add = |s: Service, l: Lookup| {
        sets.entry(s).or_default().insert(l);
    };
    for p in publications {
        let ids = &p.ids;
        if let Some(doi) = &ids.doi {
            for s in [
                Service::Crossref,
                Service::Openalex,
                Service::SemanticScholar,
                Service::Doi,
            ] {
                add(s, Lookup::Doi(doi.clone()));
            }
            if ids.pmid.is_none() {
                add(Service::Pubmed, Lookup::Doi(doi.clone()));
            }
        }
        if let Some(pmid) = ids.pmid {
            add(Service::Pubmed, Lookup::Pmid(pmid));
            if ids.doi.is_none() {
                add(Service::Openalex, Lookup::Pmid(pmid));
                add(Service::SemanticScholar, Lookup::Pmid(pmid));
            }
        }
        if let Some(arxiv) = &ids.arxiv {
            add(Service::Arxiv, Lookup::Arxiv(arxiv.clone()));
            if ids.doi.is_none() && ids.pmid.is_none() {
                add(Service::SemanticScholar, Lookup::Arxiv(arxiv.clone()));
            }
        }
        if ids.doi.is_none() && ids.pmid.is_none() && ids.arxiv.is_none() {
            if let Some(search) = search_of(p) {
                add(Service::Crossref, Lookup::Search(search));
            }
        }
    }
    let mut links = Vec::new();
    for person in people {
        let mut link = |s: Service, l: Lookup| {
            links.push((person.slug.clone(), s, l.key()));
            add(s, l);
        };
        if let Some(orcid) = person.orcid.as_deref().and_then(super::bare_orcid) {
            link(Service::Orcid, Lookup::Orcid(orcid.clone()));
            link(Service::Openalex, Lookup::Orcid(orcid));
        }
        if let Some(a) = person
            .openalex
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            let id = a.rsplit('/').next().unwrap_or(a).to_string();
            link(Service::Openalex, Lookup::OpenalexAuthor(id));
        }
        if let Some(a) = person
            .semantic_scholar
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            let id = a.rsplit('/').next().unwrap_or(a).to_string();
            link(Service::SemanticScholar, Lookup::S2Author(id));
        }
    }
    Plan {
        lookups: sets
            .into_iter()
            .map(|(s, set)| (s, set.into_iter().collect()))
            .collect(),
        people: links,
    }
}

/// Harvests for these publications and people, with its own tokio runtime. Call it from
/// synchronous code (every command); from async code use [`run_async`].
pub fn run(
    config: &Config,
    bib: &Bibliography,
    people: &[Person],
    options: &HarvestOptions,
) -> Result<HarvestReport> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Other(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(run_async(config, &bib.publications, people, options))
}

#[derive(Debug, Default)]
struct Outcome {
    store_hits: u64,
    lookups: u64,
    missing: u64,
    errors: Vec<String>,
    error_count: u64,
    budget: bool,
}

struct Runner {
    config: Config,
    store: Arc<Store>,
    http: Arc<HttpClient>,
    keys: ApiKeys,
    offline: bool,
    progress: Option<Arc<dyn Progress>>,
}

impl Runner {
    fn ttl_secs(&self, kind: &str) -> i64 {
        let days = self
            .config
            .ttl_days
            .get(kind)
            .copied()
            .unwrap_or_else(|| default_ttl_days(kind));
        i64::from(days) * 86_400
    }

    fn ctx(&self, service: Service) -> Ctx {
        Ctx {
            http: self.http.clone(),
            store: Some(self.store.clone()),
            base: self
                .config
                .services
                .get(&service)
                .map(|s| s.url.clone())
                .unwrap_or_default(),
            mailto: self.config.mailto.clone(),
            keys: self.keys.clone(),
            now: rfc3339(now_secs()),
        }
    }

    async fn run_service(&self, source: Arc<dyn Source>, wanted: Vec<Lookup>) -> Outcome {
        let service = source.service();
        let mut out = Outcome::default();
        let states = match self.store.lookup_states(service) {
            Ok(s) => s,
            Err(e) => {
                out.errors.push(e.to_string());
                out.error_count += 1;
                return out;
            }
        };
        let now = now_secs();
        let mut todo = Vec::new();
        for l in wanted.into_iter().filter(|l| source.handles(l)) {
            match states.get(&l.key()) {
                Some(s) if self.offline || now - s.fetched < self.ttl_secs(l.kind()) => {
                    out.store_hits += 1
                }
                _ => todo.push(l),
            }
        }
        if self.offline {
            out.missing = todo.len() as u64;
            return out;
        }
        out.lookups = todo.len() as u64;
        let work = batches(source.as_ref(), &todo);
        if let Some(p) = &self.progress {
            p.start(service, work.len() as u64);
        }
        let ctx = self.ctx(service);
        let concurrency = self
            .config
            .services
            .get(&service)
            .map(|s| s.concurrency)
            .unwrap_or(1)
            .max(1);
        let ctx_ref = &ctx;
        let source_ref = source.as_ref();
        let mut stream = futures::stream::iter(work)
            .map(|batch| async move {
                let result = source_ref.fetch(ctx_ref, &batch).await;
                (batch, result)
            })
            .buffer_unordered(concurrency);
        while let Some((batch, result)) = stream.next().await {
            match result {
                Ok(fetched) => {
                    let mut lookups = fetched.found;
                    lookups.extend(aliases(&lookups, &states));
                    let record = BatchRecord {
                        responses: fetched.responses,
                        lookups,
                    };
                    if let Err(e) = self.store.record(service, now_secs(), &record) {
                        out.errors.push(e.to_string());
                        out.error_count += 1;
                        out.missing += batch.len() as u64;
                    }
                }
                Err(e) if e.is_budget() => {
                    out.budget = true;
                    out.missing += batch.len() as u64;
                }
                Err(e) => {
                    let text = self.http.redact(&e.to_string());
                    tracing::warn!("{service}: {text}");
                    if out.errors.len() < 5 {
                        out.errors.push(text);
                    }
                    out.error_count += 1;
                    out.missing += batch.len() as u64;
                }
            }
            if let Some(p) = &self.progress {
                p.advance(service);
            }
        }
        out
    }

    /// DOIs Crossref answered "unknown" for go to doi.org.
    fn doi_org_lookups(&self, dois: &[Lookup]) -> Vec<Lookup> {
        let Ok(states) = self.store.lookup_states(Service::Crossref) else {
            return Vec::new();
        };
        dois.iter()
            .filter(|l| states.get(&l.key()).is_some_and(|s| !s.found))
            .cloned()
            .collect()
    }
}

/// The other identifiers of the works a batch found, as lookups of their own: a PubMed
/// esearch that resolved a DOI to PMID P also answers `pmid:P`, an OpenAlex answer by PMID
/// with a DOI also answers `doi:…`. So when `enrich` writes those ids into the bib, the next
/// run finds them in the store instead of asking again. Only for id lookups (never for
/// searches or people's works), and never over a lookup the store or the batch already has.
fn aliases(
    found: &[crate::store::LookupResult],
    states: &BTreeMap<String, crate::store::LookupState>,
) -> Vec<crate::store::LookupResult> {
    let taken: BTreeSet<&str> = found.iter().map(|l| l.lookup.as_str()).collect();
    let mut extra: BTreeMap<String, Vec<crate::model::Candidate>> = BTreeMap::new();
    for l in found.iter().filter(|l| l.kind == "work") {
        for c in &l.candidates {
            let keys = [
                c.ids.doi.clone().map(Lookup::Doi),
                c.ids.pmid.map(Lookup::Pmid),
                c.ids.arxiv.clone().map(Lookup::Arxiv),
            ];
            for key in keys.into_iter().flatten().map(|k| k.key()) {
                if taken.contains(key.as_str()) || states.contains_key(&key) {
                    continue;
                }
                let list = extra.entry(key).or_default();
                if !list.contains(c) {
                    list.push(c.clone());
                }
            }
        }
    }
    extra
        .into_iter()
        .map(|(lookup, candidates)| crate::store::LookupResult {
            lookup,
            kind: "work".to_string(),
            candidates,
        })
        .collect()
}

/// The async harvest (see [`run`]).
pub async fn run_async(
    config: &Config,
    publications: &[Publication],
    people: &[Person],
    options: &HarvestOptions,
) -> Result<HarvestReport> {
    let store = Arc::new(Store::open(&config.store_path)?);
    let keys = options.keys.clone().unwrap_or_else(ApiKeys::from_env);
    let http = Arc::new(
        HttpClient::new(config, options.max_requests, keys.values()).map_err(Error::Other)?,
    );
    let plan = plan(publications, people);
    for (slug, service, lookup) in &plan.people {
        store.link_person(slug, *service, lookup)?;
    }
    let mut report = HarvestReport {
        publications: publications.len(),
        people: people.len(),
        ..HarvestReport::default()
    };
    let active = |s: Service| {
        config.services.get(&s).is_some_and(|c| c.enabled)
            && (options.only.is_empty() || options.only.contains(&s))
    };
    let runner = Runner {
        config: config.clone(),
        store: store.clone(),
        http: http.clone(),
        keys: keys.clone(),
        offline: options.offline,
        progress: options.progress.clone(),
    };
    let mut skipped = BTreeSet::new();
    if active(Service::Openalex) && !options.offline && keys.openalex.is_none() {
        report.messages.push(
            "openalex: skipped — OpenAlex needs an API key since 2026-02-13; set OPENALEX_API_KEY (free at https://openalex.org) to include it"
                .to_string(),
        );
        skipped.insert(Service::Openalex);
    }
    let sources: BTreeMap<Service, Arc<dyn Source>> =
        super::all().into_iter().map(|s| (s.service(), s)).collect();
    let wanted = |s: Service| plan.lookups.get(&s).cloned().unwrap_or_default();
    let mut tasks = Vec::new();
    for service in Service::ALL {
        if service == Service::Doi || !active(service) || skipped.contains(&service) {
            continue;
        }
        let Some(source) = sources.get(&service).cloned() else {
            continue;
        };
        let runner = &runner;
        let lookups = wanted(service);
        let doi_after = service == Service::Crossref && active(Service::Doi);
        let doi_source = sources.get(&Service::Doi).cloned();
        let doi_wanted = wanted(Service::Doi);
        tasks.push(Box::pin(async move {
            let mut results = vec![(service, runner.run_service(source, lookups).await)];
            if doi_after {
                if let Some(doi) = doi_source {
                    let todo = runner.doi_org_lookups(&doi_wanted);
                    results.push((Service::Doi, runner.run_service(doi, todo).await));
                }
            }
            results
        })
            as futures::future::BoxFuture<'_, Vec<(Service, Outcome)>>);
    }
    if active(Service::Doi) && !active(Service::Crossref) {
        if let Some(doi) = sources.get(&Service::Doi).cloned() {
            let runner = &runner;
            let todo = runner.doi_org_lookups(&wanted(Service::Doi));
            tasks.push(Box::pin(async move {
                vec![(Service::Doi, runner.run_service(doi, todo).await)]
            }));
        }
    }
    let outcomes: BTreeMap<Service, Outcome> = futures::future::join_all(tasks)
        .await
        .into_iter()
        .flatten()
        .collect();
    for service in Service::ALL {
        let counters = http.counters(service);
        let load = |f: fn(&crate::http::Counters) -> &std::sync::atomic::AtomicU64| {
            counters
                .map(|c| f(c).load(std::sync::atomic::Ordering::Relaxed))
                .unwrap_or(0)
        };
        let mut r = ServiceReport {
            requests: load(|c| &c.requests),
            retries: load(|c| &c.retries),
            failures: load(|c| &c.failures),
            ..ServiceReport::default()
        };
        r.status = if skipped.contains(&service) {
            "skipped".into()
        } else if !active(service) {
            "disabled".into()
        } else {
            "ok".into()
        };
        if let Some(o) = outcomes.get(&service) {
            r.store_hits = o.store_hits;
            r.lookups = o.lookups;
            r.missing = o.missing;
            r.errors = o.errors.clone();
            if o.error_count > 0 {
                r.status = "failed".into();
                r.failures = r.failures.max(o.error_count);
                report.failed.push(service);
            }
            if o.budget {
                report.budget_exhausted = true;
            }
        }
        if let Some(p) = &options.progress {
            if outcomes.contains_key(&service) {
                p.finish(service, &r);
            }
        }
        report.services.insert(service, r);
    }
    report.skipped = skipped.into_iter().collect();
    if report.budget_exhausted {
        report.messages.push(
            "request budget (--max-requests) exhausted; the rest is fetched by the next run"
                .to_string(),
        );
    }
    report.id_requests = http.requests_for(Purpose::Ids);
    report.person_requests = http.requests_for(Purpose::Person);
    report.search_requests = http.requests_for(Purpose::Search);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Doi, Ids, Name, Pmid};

    fn publication(doi: Option<&str>, pmid: Option<u64>, title: &str) -> Publication {
        Publication {
            key: "K".into(),
            title: title.into(),
            authors: vec![Name {
                given: "A.".into(),
                particle: "van".into(),
                family: "Ginneken".into(),
                ..Name::default()
            }],
            year: Some(2019),
            ids: Ids {
                doi: doi.and_then(Doi::parse),
                pmid: pmid.map(Pmid),
                ..Ids::default()
            },
            ..Publication::default()
        }
    }

    #[test]
    fn plan_routes_ids_to_services() {
        let pubs = vec![
            publication(Some("10.1000/a"), None, "A title here"),
            publication(None, Some(5), "Another title"),
            publication(None, None, "Deep learning in radiology"),
        ];
        let person = Person {
            slug: "ann".into(),
            orcid: Some("https://orcid.org/0000-0002-1825-0097".into()),
            ..Person::default()
        };
        let plan = plan(&pubs, &[person]);
        let keys = |s: Service| -> Vec<String> {
            plan.lookups
                .get(&s)
                .map(|v| v.iter().map(Lookup::key).collect())
                .unwrap_or_default()
        };
        assert_eq!(
            keys(Service::Crossref),
            vec![
                "doi:10.1000/a",
                "search:deep learning in radiology|van ginneken|2019"
            ]
        );
        assert_eq!(keys(Service::Pubmed), vec!["doi:10.1000/a", "pmid:5"]);
        assert_eq!(keys(Service::Orcid), vec!["orcid:0000-0002-1825-0097"]);
        assert!(keys(Service::Openalex).contains(&"orcid:0000-0002-1825-0097".to_string()));
        assert_eq!(plan.people.len(), 2);
    }
}
