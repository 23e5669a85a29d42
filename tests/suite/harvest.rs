//! Harvest: every source against a local wiremock server with fixtures from
//! `tests/fixtures/<service>/`; batching and caching proven by `.expect(n)`.

use std::path::Path;
use std::time::{Duration, Instant};

use publist::config::{Config, Overrides, RawConfig};
use publist::http::ApiKeys;
use publist::model::{Doi, Ids, Name, Person, Pmid, Publication, Service};
use publist::sources::harvest::{run_async, HarvestOptions, HarvestReport};
use publist::store::Store;
use wiremock::matchers::{body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::support::fixture;

/// A config whose services all point at `uri`, fast enough for tests.
pub fn config(uri: &str, store: &Path) -> Config {
    let overrides = Overrides {
        store: Some(store.to_path_buf()),
        ..Overrides::default()
    };
    let mut c = Config::from_raw(RawConfig::default(), None, Path::new(""), &overrides).unwrap();
    for s in c.services.values_mut() {
        s.url = uri.to_string();
        s.rate = 200.0;
        s.concurrency = 4;
        s.timeout = Duration::from_secs(5);
        s.retries = 3;
    }
    c.mailto = Some("lab@example.org".into());
    c
}

pub fn publication(key: &str, doi: Option<&str>, pmid: Option<u64>) -> Publication {
    Publication {
        key: key.into(),
        title: format!("Title of {key}"),
        authors: vec![Name {
            given: "Anna".into(),
            family: "Verbeek".into(),
            ..Name::default()
        }],
        year: Some(2005),
        ids: Ids {
            doi: doi.and_then(Doi::parse),
            pmid: pmid.map(Pmid),
            ..Ids::default()
        },
        ..Publication::default()
    }
}

pub fn only(services: &[Service]) -> HarvestOptions {
    HarvestOptions {
        only: services.to_vec(),
        keys: Some(ApiKeys {
            openalex: Some("oa-secret-key-123".into()),
            s2: Some("s2-secret-key-456".into()),
            ncbi: Some("ncbi-secret-key-789".into()),
            orcid: None,
        }),
        ..HarvestOptions::default()
    }
}

pub async fn harvest(
    cfg: &Config,
    pubs: &[Publication],
    people: &[Person],
    opts: &HarvestOptions,
) -> HarvestReport {
    run_async(cfg, pubs, people, opts).await.unwrap()
}

fn json_fixture(rel: &str) -> ResponseTemplate {
    let body = std::fs::read(fixture(rel)).unwrap();
    ResponseTemplate::new(200).set_body_raw(body, "application/json")
}

/// Answers `GET /works?filter=doi:A,doi:B` with one item per requested DOI.
struct CrossrefByFilter;

impl Respond for CrossrefByFilter {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let filter = req
            .url
            .query_pairs()
            .find(|(k, _)| k == "filter")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        let items: Vec<serde_json::Value> = filter
            .split(',')
            .filter_map(|f| f.strip_prefix("doi:"))
            .map(|doi| serde_json::json!({"DOI": doi, "title": [format!("Work {doi}")], "type": "journal-article"}))
            .collect();
        ResponseTemplate::new(200)
            .set_body_json(serde_json::json!({"status": "ok", "message": {"items": items}}))
    }
}

#[tokio::test]
async fn crossref_parses_fixture_and_stores_candidates() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/works"))
        .and(query_param("mailto", "lab@example.org"))
        .and(header(
            "user-agent",
            "publist/0.1.0 (+https://github.com/publist/publist; mailto:lab@example.org)",
        ))
        .respond_with(json_fixture("crossref/works_filter.json"))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&server.uri(), &dir.path().join("store.sqlite"));
    let pubs = vec![
        publication("Verb05", Some("10.1016/j.example.2005.04.001"), None),
        publication("Lin19", Some("10.1109/EXAMPLE.2019.1234567"), None),
        publication("Gone20", Some("10.9999/unknown"), None),
    ];
    let report = harvest(&cfg, &pubs, &[], &only(&[Service::Crossref])).await;
    assert!(!report.degraded(), "{report:?}");
    assert_eq!(report.services[&Service::Crossref].requests, 1);
    let store = Store::open(&cfg.store_path).unwrap();
    let got = store.candidates_for(&pubs[0].ids).unwrap();
    assert_eq!(got.len(), 1);
    let c = &got[0];
    assert_eq!(c.title, "Quantitative background activity in sleep EEG");
    assert_eq!(c.authors[0].orcid.as_deref(), Some("0000-0002-1825-0097"));
    assert_eq!(c.authors[2].name.family, "Example Imaging Consortium");
    assert_eq!(
        c.abstract_text.as_deref(),
        Some("We measured background activity.")
    );
    assert_eq!(c.citations, Some(41));
    assert_eq!(
        store.candidates_for(&pubs[1].ids).unwrap().len(),
        1,
        "DOI case folded"
    );
    assert!(store.candidates_for(&pubs[2].ids).unwrap().is_empty());
    let unknown = store
        .lookup_state(Service::Crossref, "doi:10.9999/unknown")
        .unwrap()
        .unwrap();
    assert!(!unknown.found, "an unknown DOI is remembered as unknown");
}

#[tokio::test]
async fn crossref_batches_fifty_dois_per_request_and_second_run_sends_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/works"))
        .respond_with(CrossrefByFilter)
        .expect(3)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&server.uri(), &dir.path().join("store.sqlite"));
    let pubs: Vec<Publication> = (0..120)
        .map(|i| publication(&format!("K{i}"), Some(&format!("10.5555/batch.{i}")), None))
        .collect();
    let report = harvest(&cfg, &pubs, &[], &only(&[Service::Crossref])).await;
    assert_eq!(report.services[&Service::Crossref].requests, 3);
    assert_eq!(report.id_requests, 3);
    server.verify().await;
    server.reset().await;

    Mock::given(method("GET"))
        .respond_with(CrossrefByFilter)
        .expect(0)
        .mount(&server)
        .await;
    let again = harvest(&cfg, &pubs, &[], &only(&[Service::Crossref])).await;
    assert_eq!(again.services[&Service::Crossref].requests, 0);
    assert_eq!(again.services[&Service::Crossref].store_hits, 120);
    let offline = HarvestOptions {
        offline: true,
        ..only(&[])
    };
    let off = harvest(&cfg, &pubs, &[], &offline).await;
    assert_eq!(off.requests(), 0);
    let store = Store::open(&cfg.store_path).unwrap();
    assert_eq!(store.candidates().unwrap().len(), 120);
}

/// 429 with `Retry-After: 1` first, then the answer.
struct ThrottleOnce {
    hits: std::sync::atomic::AtomicUsize,
    status: u16,
}

impl Respond for ThrottleOnce {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if self.hits.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            ResponseTemplate::new(self.status).insert_header("retry-after", "1")
        } else {
            CrossrefByFilter.respond(req)
        }
    }
}

#[tokio::test]
async fn throttled_request_waits_for_retry_after_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/works"))
        .respond_with(ThrottleOnce {
            hits: 0.into(),
            status: 429,
        })
        .expect(2)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&server.uri(), &dir.path().join("store.sqlite"));
    let pubs = vec![publication("A", Some("10.5555/a"), None)];
    let start = Instant::now();
    let report = harvest(&cfg, &pubs, &[], &only(&[Service::Crossref])).await;
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_secs(1), "waited only {elapsed:?}");
    let r = &report.services[&Service::Crossref];
    assert_eq!((r.requests, r.retries, r.failures), (2, 1, 0));
    assert!(!report.degraded());
}

#[tokio::test]
async fn server_error_then_success_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/works"))
        .respond_with(ThrottleOnce {
            hits: 0.into(),
            status: 500,
        })
        .expect(2)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&server.uri(), &dir.path().join("store.sqlite"));
    let pubs = vec![publication("A", Some("10.5555/a"), None)];
    let report = harvest(&cfg, &pubs, &[], &only(&[Service::Crossref])).await;
    assert_eq!(report.services[&Service::Crossref].retries, 1);
    assert!(!report.degraded());
    let store = Store::open(&cfg.store_path).unwrap();
    assert_eq!(store.candidates().unwrap().len(), 1);
}

#[tokio::test]
async fn other_client_errors_are_not_retried_and_not_cached() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(400).set_body_string("bad filter"))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&server.uri(), &dir.path().join("store.sqlite"));
    let pubs = vec![publication("A", Some("10.5555/a"), None)];
    let report = harvest(&cfg, &pubs, &[], &only(&[Service::Crossref])).await;
    assert!(report.degraded());
    assert_eq!(report.failed, vec![Service::Crossref]);
    let err = &report.services[&Service::Crossref].errors[0];
    assert!(err.contains("HTTP 400") && err.contains("/works"), "{err}");
    let store = Store::open(&cfg.store_path).unwrap();
    assert!(store
        .lookup_state(Service::Crossref, "doi:10.5555/a")
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn timeout_fails_the_service_without_caching() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(CrossrefByFilter.respond_slowly())
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&server.uri(), &dir.path().join("store.sqlite"));
    for s in cfg.services.values_mut() {
        s.timeout = Duration::from_millis(300);
        s.retries = 1;
    }
    let pubs = vec![publication("A", Some("10.5555/a"), None)];
    let report = harvest(&cfg, &pubs, &[], &only(&[Service::Crossref])).await;
    let r = &report.services[&Service::Crossref];
    assert_eq!(r.status, "failed");
    assert_eq!(r.requests, 2, "one retry after the timeout");
    assert!(r.errors[0].contains("timed out"), "{:?}", r.errors);
    let store = Store::open(&cfg.store_path).unwrap();
    assert!(store.candidates().unwrap().is_empty());
}

trait Slow {
    fn respond_slowly(self) -> ResponseTemplate;
}

impl Slow for CrossrefByFilter {
    fn respond_slowly(self) -> ResponseTemplate {
        ResponseTemplate::new(200)
            .set_body_json(serde_json::json!({"message": {"items": []}}))
            .set_delay(Duration::from_secs(3))
    }
}

#[tokio::test]
async fn malformed_json_and_wrong_content_type_fail_and_rerun_fetches_again() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/works"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw("{\"message\": {\"items\": [", "application/json"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&server.uri(), &dir.path().join("store.sqlite"));
    let pubs = vec![publication("A", Some("10.5555/a"), None)];
    let report = harvest(&cfg, &pubs, &[], &only(&[Service::Crossref])).await;
    let err = &report.services[&Service::Crossref].errors[0];
    assert!(err.contains("malformed"), "{err}");

    Mock::given(method("GET"))
        .and(path("/works"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>login</html>", "text/html"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let report = harvest(&cfg, &pubs, &[], &only(&[Service::Crossref])).await;
    let err = &report.services[&Service::Crossref].errors[0];
    assert!(err.contains("text/html"), "{err}");

    Mock::given(method("GET"))
        .and(path("/works"))
        .respond_with(CrossrefByFilter)
        .expect(1)
        .mount(&server)
        .await;
    let report = harvest(&cfg, &pubs, &[], &only(&[Service::Crossref])).await;
    assert!(!report.degraded(), "{report:?}");
    let store = Store::open(&cfg.store_path).unwrap();
    assert_eq!(store.candidates().unwrap().len(), 1);
}

#[tokio::test]
async fn pubmed_summaries_by_pmid_and_esearch_for_dois() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/esummary.fcgi"))
        .and(query_param("db", "pubmed"))
        .and(query_param("tool", "publist"))
        .and(query_param("email", "lab@example.org"))
        .respond_with(json_fixture("pubmed/esummary.json"))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/esearch.fcgi"))
        .and(query_param("term", "\"10.1148/example.11100001\"[doi]"))
        .respond_with(json_fixture("pubmed/esearch_doi.json"))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&server.uri(), &dir.path().join("store.sqlite"));
    let pubs = vec![
        publication("Verb05", None, Some(15900001)),
        publication("Gone", None, Some(99999999)),
        publication("Lin11", Some("10.1148/example.11100001"), None),
    ];
    let report = harvest(&cfg, &pubs, &[], &only(&[Service::Pubmed])).await;
    assert!(!report.degraded(), "{report:?}");
    let store = Store::open(&cfg.store_path).unwrap();
    let verb = store.candidates_for(&pubs[0].ids).unwrap();
    assert_eq!(
        verb[0].title,
        "Quantitative background activity in sleep EEG"
    );
    assert_eq!(
        verb[0].ids.pmcid.as_ref().map(|p| p.as_str()),
        Some("PMC1000001")
    );
    let lin = store.candidates_for(&pubs[2].ids).unwrap();
    assert_eq!(
        lin[0].ids.pmid,
        Some(Pmid(15900002)),
        "DOI resolved to its PMID"
    );
    assert!(
        !store
            .lookup_state(Service::Pubmed, "pmid:99999999")
            .unwrap()
            .unwrap()
            .found
    );
    // Once enrich writes the PMID found for the DOI into the bib, the next run asks nothing.
    let enriched = vec![
        pubs[0].clone(),
        pubs[1].clone(),
        publication("Lin11", Some("10.1148/example.11100001"), Some(15900002)),
    ];
    let again = harvest(&cfg, &enriched, &[], &only(&[Service::Pubmed])).await;
    assert_eq!(again.requests(), 0, "{again:?}");
    // The NCBI key is sent but never stored.
    let requests = server.received_requests().await.unwrap();
    assert!(requests.iter().all(|r| r
        .url
        .query()
        .unwrap_or("")
        .contains("api_key=ncbi-secret-key-789")));
    let mut export = Vec::new();
    store.export(&mut export).unwrap();
    assert!(!String::from_utf8_lossy(&export).contains("ncbi-secret"));
}

#[tokio::test]
async fn semantic_scholar_batch_with_nulls_and_author_paging_to_the_end() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/paper/batch"))
        .and(header("x-api-key", "s2-secret-key-456"))
        .and(body_string_contains("DOI:10.1016/j.example.2005.04.001"))
        .respond_with(json_fixture("s2/paper_batch.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/author/1111/papers"))
        .and(query_param("offset", "0"))
        .respond_with(json_fixture("s2/author_papers_0.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/author/1111/papers"))
        .and(query_param("offset", "2"))
        .respond_with(json_fixture("s2/author_papers_2.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/author/404/papers"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(serde_json::json!({"error": "Author not found"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&server.uri(), &dir.path().join("store.sqlite"));
    let pubs = vec![
        publication("Verb05", Some("10.1016/j.example.2005.04.001"), None),
        publication("Gone", Some("10.5555/nobody-knows"), None),
    ];
    let people = vec![
        Person {
            slug: "anna-verbeek".into(),
            semantic_scholar: Some("1111".into()),
            ..Person::default()
        },
        Person {
            slug: "nobody".into(),
            semantic_scholar: Some("404".into()),
            ..Person::default()
        },
    ];
    let report = harvest(&cfg, &pubs, &people, &only(&[Service::SemanticScholar])).await;
    assert!(!report.degraded(), "{report:?}");
    let store = Store::open(&cfg.store_path).unwrap();
    let verb = store.candidates_for(&pubs[0].ids).unwrap();
    assert_eq!(verb[0].citations, Some(52));
    assert!(
        !store
            .lookup_state(Service::SemanticScholar, "doi:10.5555/nobody-knows")
            .unwrap()
            .unwrap()
            .found
    );
    let works = store.person_works("anna-verbeek").unwrap();
    let titles: Vec<&str> = works.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, ["Paper one", "Paper two", "Paper three"]);
    assert!(store.person_works("nobody").unwrap().is_empty());
    assert_eq!(report.person_requests, 3);
    let mut export = Vec::new();
    store.export(&mut export).unwrap();
    assert!(!String::from_utf8_lossy(&export).contains("s2-secret"));
}

#[tokio::test]
async fn openalex_without_key_is_skipped_with_one_message() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(CrossrefByFilter)
        .expect(0)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&server.uri(), &dir.path().join("store.sqlite"));
    let pubs = vec![publication("A", Some("10.5555/a"), None)];
    let opts = HarvestOptions {
        only: vec![Service::Openalex],
        keys: Some(ApiKeys::default()),
        ..HarvestOptions::default()
    };
    let report = harvest(&cfg, &pubs, &[], &opts).await;
    assert_eq!(report.skipped, vec![Service::Openalex]);
    assert_eq!(report.messages.len(), 1);
    assert!(report.messages[0].contains("OPENALEX_API_KEY"));
    assert!(!report.degraded());
}

#[tokio::test]
async fn identical_requests_in_flight_are_merged() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"ok": true}))
                .set_delay(Duration::from_millis(300)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&server.uri(), &dir.path().join("store.sqlite"));
    let client = publist::http::HttpClient::new(&cfg, None, vec![]).unwrap();
    let req = publist::http::Request::get(
        Service::Crossref,
        format!("{}/works/x", server.uri()),
        "application/json",
    );
    let (a, b) = tokio::join!(client.fetch(&req), client.fetch(&req));
    assert_eq!(a.unwrap().body, b.unwrap().body);
}

#[tokio::test]
async fn budget_stops_sending_and_is_not_a_failure() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/works"))
        .respond_with(CrossrefByFilter)
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&server.uri(), &dir.path().join("store.sqlite"));
    for s in cfg.services.values_mut() {
        s.concurrency = 1;
    }
    let pubs: Vec<Publication> = (0..120)
        .map(|i| publication(&format!("K{i}"), Some(&format!("10.5555/b.{i}")), None))
        .collect();
    let opts = HarvestOptions {
        max_requests: Some(1),
        ..only(&[Service::Crossref])
    };
    let report = harvest(&cfg, &pubs, &[], &opts).await;
    assert!(report.budget_exhausted);
    assert!(!report.degraded());
    assert_eq!(report.services[&Service::Crossref].missing, 70);
}

#[tokio::test]
async fn openalex_or_filter_and_author_cursor_paging() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/works"))
        .and(query_param(
            "filter",
            "doi:10.1016/j.example.2005.04.001|10.5555/unknown",
        ))
        .and(query_param("api_key", "oa-secret-key-123"))
        .and(query_param("cursor", "*"))
        .respond_with(json_fixture("openalex/works_doi.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/works"))
        .and(query_param("filter", "author.orcid:0000-0002-1825-0097"))
        .and(query_param("cursor", "*"))
        .respond_with(json_fixture("openalex/author_page_1.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/works"))
        .and(query_param("filter", "author.orcid:0000-0002-1825-0097"))
        .and(query_param("cursor", "IlsxNzAwMDAwMDAwMDAwXSI="))
        .respond_with(json_fixture("openalex/author_page_2.json"))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&server.uri(), &dir.path().join("store.sqlite"));
    let pubs = vec![
        publication("Verb05", Some("10.1016/j.example.2005.04.001"), None),
        publication("Gone", Some("10.5555/unknown"), None),
    ];
    let people = vec![Person {
        slug: "anna-verbeek".into(),
        orcid: Some("0000-0002-1825-0097".into()),
        ..Person::default()
    }];
    let report = harvest(&cfg, &pubs, &people, &only(&[Service::Openalex])).await;
    assert!(!report.degraded(), "{report:?}");
    let store = Store::open(&cfg.store_path).unwrap();
    let verb = store.candidates_for(&pubs[0].ids).unwrap();
    assert_eq!(verb[0].ids.openalex.as_deref(), Some("W3000000001"));
    assert_eq!(verb[0].ids.pmid, Some(Pmid(15900001)));
    assert_eq!(
        verb[0].oa_url.as_deref(),
        Some("https://repository.example.org/1.pdf")
    );
    let titles: Vec<String> = store
        .person_works("anna-verbeek")
        .unwrap()
        .into_iter()
        .map(|c| c.title)
        .collect();
    assert_eq!(titles, ["Paper one", "Paper two", "Paper three"]);
    let mut export = Vec::new();
    store.export(&mut export).unwrap();
    assert!(!String::from_utf8_lossy(&export).contains("oa-secret"));
}

#[tokio::test]
async fn arxiv_batches_ids_and_keeps_the_published_doi() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/query"))
        .and(query_param("id_list", "1905.00002,2101.00001"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            std::fs::read(fixture("arxiv/query.xml")).unwrap(),
            "application/atom+xml",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&server.uri(), &dir.path().join("store.sqlite"));
    let mut a = publication("Verb21", None, None);
    a.ids.arxiv = publist::model::ArxivId::parse("arXiv:2101.00001v2");
    let mut b = publication("Vrie19", None, None);
    b.ids.arxiv = publist::model::ArxivId::parse("1905.00002");
    let report = harvest(&cfg, &[a.clone(), b], &[], &only(&[Service::Arxiv])).await;
    assert!(!report.degraded(), "{report:?}");
    let store = Store::open(&cfg.store_path).unwrap();
    let got = store.candidates_for(&a.ids).unwrap();
    assert_eq!(
        got[0].ids.doi.as_ref().map(|d| d.as_str()),
        Some("10.1000/journal.2021.5")
    );
    assert_eq!(
        got[0].title,
        "Self-supervised learning for computational pathology"
    );
    assert_eq!(
        got[0].abstract_text.as_deref(),
        Some("We pretrain on unlabelled slides & fine-tune on few labels.")
    );
}

#[tokio::test]
async fn malformed_xml_fails_arxiv_only() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/query"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("<feed><entry></feed>", "application/atom+xml"),
        )
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&server.uri(), &dir.path().join("store.sqlite"));
    let mut a = publication("Verb21", None, None);
    a.ids.arxiv = publist::model::ArxivId::parse("2101.00001");
    let report = harvest(&cfg, &[a], &[], &only(&[Service::Arxiv])).await;
    assert_eq!(report.failed, vec![Service::Arxiv]);
    assert!(
        report.services[&Service::Arxiv].errors[0].contains("invalid XML"),
        "{report:?}"
    );
}

#[tokio::test]
async fn orcid_works_and_unknown_orcid() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/0000-0002-1825-0097/works"))
        .and(header("accept", "application/json"))
        .respond_with(json_fixture("orcid/works.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/0000-0001-0000-0001/works"))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&server.uri(), &dir.path().join("store.sqlite"));
    let people = vec![
        Person {
            slug: "anna-verbeek".into(),
            orcid: Some("https://orcid.org/0000-0002-1825-0097".into()),
            ..Person::default()
        },
        Person {
            slug: "ghost".into(),
            orcid: Some("0000-0001-0000-0001".into()),
            ..Person::default()
        },
    ];
    let report = harvest(&cfg, &[], &people, &only(&[Service::Orcid])).await;
    assert!(!report.degraded(), "{report:?}");
    let store = Store::open(&cfg.store_path).unwrap();
    let works = store.person_works("anna-verbeek").unwrap();
    assert_eq!(works.len(), 2);
    assert_eq!(works[0].ids.pmid, Some(Pmid(15900001)));
    assert_eq!(
        works[1].ids.arxiv.as_ref().map(|a| a.as_str()),
        Some("2101.00001")
    );
    assert!(store.person_works("ghost").unwrap().is_empty());
    assert_eq!(store.person_works_of(&people[0]).unwrap().len(), 2);
}

#[tokio::test]
async fn doi_org_is_asked_only_for_dois_crossref_lacks() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/works"))
        .respond_with(CrossrefByFilter.only_known(&["10.1000/known"]))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/10.5281/zenodo.4200001"))
        .and(header("accept", "application/vnd.citationstyles.csl+json"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            std::fs::read(fixture("doi/zenodo_csl.json")).unwrap(),
            "application/vnd.citationstyles.csl+json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&server.uri(), &dir.path().join("store.sqlite"));
    let pubs = vec![
        publication("Known", Some("10.1000/known"), None),
        publication("Data20", Some("10.5281/zenodo.4200001"), None),
    ];
    let report = harvest(&cfg, &pubs, &[], &only(&[Service::Crossref, Service::Doi])).await;
    assert!(!report.degraded(), "{report:?}");
    assert_eq!(report.services[&Service::Doi].requests, 1);
    let store = Store::open(&cfg.store_path).unwrap();
    let got = store.candidates_for(&pubs[1].ids).unwrap();
    assert_eq!(got[0].source, Some(Service::Doi));
    assert_eq!(got[0].venue.as_deref(), Some("Zenodo"));
}

/// Crossref that knows only some DOIs.
struct KnownOnly(Vec<String>);

impl CrossrefByFilter {
    fn only_known(self, dois: &[&str]) -> KnownOnly {
        KnownOnly(dois.iter().map(|d| d.to_string()).collect())
    }
}

impl Respond for KnownOnly {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let filter = req
            .url
            .query_pairs()
            .find(|(k, _)| k == "filter")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        let items: Vec<serde_json::Value> = filter
            .split(',')
            .filter_map(|f| f.strip_prefix("doi:"))
            .filter(|d| self.0.iter().any(|k| k == d))
            .map(|doi| serde_json::json!({"DOI": doi, "title": [format!("Work {doi}")]}))
            .collect();
        ResponseTemplate::new(200).set_body_json(serde_json::json!({"message": {"items": items}}))
    }
}

#[tokio::test]
async fn stale_answers_are_revalidated_with_etag() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/0000-0002-1825-0097/works"))
        .and(header("if-none-match", "\"v1\""))
        .respond_with(ResponseTemplate::new(304))
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/0000-0002-1825-0097/works"))
        .respond_with(json_fixture("orcid/works.json").insert_header("etag", "\"v1\""))
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&server.uri(), &dir.path().join("store.sqlite"));
    cfg.ttl_days.insert("person".into(), 0);
    let people = vec![Person {
        slug: "anna-verbeek".into(),
        orcid: Some("0000-0002-1825-0097".into()),
        ..Person::default()
    }];
    for _ in 0..2 {
        let report = harvest(&cfg, &[], &people, &only(&[Service::Orcid])).await;
        assert!(!report.degraded(), "{report:?}");
    }
    let store = Store::open(&cfg.store_path).unwrap();
    assert_eq!(
        store.person_works("anna-verbeek").unwrap().len(),
        2,
        "304 keeps the stored works"
    );
}

#[tokio::test]
async fn redirects_to_another_host_are_refused() {
    let other = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(CrossrefByFilter)
        .expect(0)
        .mount(&other)
        .await;
    let server = MockServer::start().await;
    let elsewhere = other.uri().replace("127.0.0.1", "localhost");
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{elsewhere}/works").as_str()),
        )
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&server.uri(), &dir.path().join("store.sqlite"));
    let pubs = vec![publication("A", Some("10.5555/a"), None)];
    let report = harvest(&cfg, &pubs, &[], &only(&[Service::Crossref])).await;
    assert_eq!(report.failed, vec![Service::Crossref]);
    assert!(
        report.services[&Service::Crossref].errors[0].contains("302"),
        "{report:?}"
    );
}

#[tokio::test]
async fn api_keys_echoed_by_a_service_are_redacted_from_errors() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(|req: &Request| {
            ResponseTemplate::new(403).set_body_string(format!("forbidden: {}", req.url))
        })
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&server.uri(), &dir.path().join("store.sqlite"));
    let pubs = vec![publication("A", Some("10.5555/a"), None)];
    let report = harvest(&cfg, &pubs, &[], &only(&[Service::Openalex])).await;
    let err = &report.services[&Service::Openalex].errors[0];
    assert!(err.contains("HTTP 403"), "{err}");
    assert!(err.contains("api_key=***"), "{err}");
    assert!(!err.contains("oa-secret-key-123"), "{err}");
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains("oa-secret-key-123"));
}
