//! Harvest of the real DIAG bibliography against local mocks of all seven services that know
//! every DOI, PMID and arXiv id of `diag.bib` (answers generated from the bib itself).
//! Crossref enforces 10 requests/s with 429 + Retry-After beyond.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use publist::model::{Publication, Service};
use publist::store::Store;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// What the mocks know, from the bib.
#[derive(Default)]
struct Known {
    dois: BTreeMap<String, String>,
    pmids: BTreeMap<String, (String, Option<String>)>,
    arxiv: BTreeMap<String, String>,
}

fn known(pubs: &[Publication]) -> Known {
    let mut k = Known::default();
    for p in pubs {
        if let Some(d) = &p.ids.doi {
            k.dois.insert(d.as_str().to_string(), p.title.clone());
        }
        if let Some(m) = p.ids.pmid {
            let doi = p.ids.doi.as_ref().map(|d| d.as_str().to_string());
            k.pmids.insert(m.to_string(), (p.title.clone(), doi));
        }
        if let Some(a) = &p.ids.arxiv {
            k.arxiv.insert(a.as_str().to_string(), p.title.clone());
        }
    }
    k
}

fn param(req: &Request, name: &str) -> String {
    req.url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Arrival times at Crossref and whether each got a 429.
type Log = Arc<Mutex<Vec<(Instant, bool)>>>;

async fn crossref(known: Arc<Known>, log: Log) -> MockServer {
    let server = MockServer::start().await;
    let window: Arc<Mutex<Vec<Instant>>> = Arc::default();
    Mock::given(any())
        .respond_with(move |req: &Request| {
            let now = Instant::now();
            let throttled = {
                let mut w = window.lock().unwrap();
                w.retain(|t| now.duration_since(*t) < Duration::from_secs(1));
                let over = w.len() >= 10;
                if !over {
                    w.push(now);
                }
                over
            };
            log.lock().unwrap().push((now, throttled));
            if throttled {
                return ResponseTemplate::new(429)
                    .insert_header("retry-after", "1")
                    .insert_header("x-rate-limit-limit", "10")
                    .insert_header("x-rate-limit-interval", "1s");
            }
            let items: Vec<serde_json::Value> = param(req, "filter")
                .split(',')
                .filter_map(|f| f.strip_prefix("doi:"))
                .filter_map(|d| known.dois.get(d).map(|t| (d, t)))
                .map(
                    |(d, t)| serde_json::json!({"DOI": d, "title": [t], "type": "journal-article"}),
                )
                .collect();
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"status": "ok", "message": {"items": items}}))
        })
        .mount(&server)
        .await;
    server
}

async fn pubmed(known: Arc<Known>, status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(move |req: &Request| {
            if status != 200 {
                return ResponseTemplate::new(status);
            }
            if req.url.path().ends_with("/esearch.fcgi") {
                return ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({"esearchresult": {"idlist": []}}));
            }
            let mut result = serde_json::Map::new();
            let mut uids = Vec::new();
            for id in param(req, "id").split(',') {
                if let Some((title, doi)) = known.pmids.get(id) {
                    uids.push(serde_json::json!(id));
                    let mut ids = vec![serde_json::json!({"idtype": "pubmed", "value": id})];
                    if let Some(d) = doi {
                        ids.push(serde_json::json!({"idtype": "doi", "value": d}));
                    }
                    result.insert(
                        id.to_string(),
                        serde_json::json!({"uid": id, "title": format!("{title}."), "articleids": ids, "pubdate": "2019"}),
                    );
                }
            }
            result.insert("uids".into(), serde_json::json!(uids));
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"result": result}))
        })
        .mount(&server)
        .await;
    server
}

async fn openalex(known: Arc<Known>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(move |req: &Request| {
            let filter = param(req, "filter");
            let mut results = Vec::new();
            if let Some(list) = filter.strip_prefix("doi:") {
                for d in list.split('|') {
                    if let Some(t) = known.dois.get(d) {
                        results.push(serde_json::json!({"id": "https://openalex.org/W1", "doi": format!("https://doi.org/{d}"), "title": t}));
                    }
                }
            } else if let Some(list) = filter.strip_prefix("ids.pmid:") {
                for p in list.split('|') {
                    if let Some((t, _)) = known.pmids.get(p) {
                        results.push(serde_json::json!({"id": "https://openalex.org/W2", "title": t, "ids": {"pmid": format!("https://pubmed.ncbi.nlm.nih.gov/{p}")}}));
                    }
                }
            }
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"meta": {"next_cursor": null}, "results": results}))
        })
        .mount(&server)
        .await;
    server
}

async fn s2(known: Arc<Known>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(move |req: &Request| {
            if req.url.path().contains("/author/") {
                return ResponseTemplate::new(200).set_body_json(serde_json::json!({"offset": 0, "data": []}));
            }
            let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
            let answers: Vec<serde_json::Value> = body["ids"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|id| {
                    let id = id.as_str().unwrap_or_default();
                    let (kind, value) = id.split_once(':').unwrap_or(("", ""));
                    let (title, ext) = match kind {
                        "DOI" => (known.dois.get(value), "DOI"),
                        "PMID" => (known.pmids.get(value).map(|p| &p.0), "PubMed"),
                        "ARXIV" => (known.arxiv.get(value), "ArXiv"),
                        _ => (None, ""),
                    };
                    match title {
                        Some(t) => serde_json::json!({"paperId": "p", "title": t, "externalIds": {ext: value}, "citationCount": 1}),
                        None => serde_json::Value::Null,
                    }
                })
                .collect();
            ResponseTemplate::new(200).set_body_json(answers)
        })
        .mount(&server)
        .await;
    server
}

async fn arxiv(known: Arc<Known>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(move |req: &Request| {
            let mut feed = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
            for id in param(req, "id_list").split(',') {
                if let Some(t) = known.arxiv.get(id) {
                    let t = t.replace('&', "&amp;").replace('<', "&lt;");
                    feed.push_str(&format!(
                        "<entry><id>http://arxiv.org/abs/{id}v1</id><published>2020-01-01T00:00:00Z</published><title>{t}</title><author><name>A. Person</name></author></entry>\n"
                    ));
                }
            }
            feed.push_str("</feed>\n");
            ResponseTemplate::new(200).set_body_raw(feed, "application/atom+xml")
        })
        .mount(&server)
        .await;
    server
}

async fn fixed(status: u16, body: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    server
}

async fn publist(dir: &Path, args: &[&str], env: Vec<(String, String)>) -> Output {
    let dir = dir.to_path_buf();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_publist"));
        cmd.current_dir(&dir)
            .args(&args)
            .env_remove("GITHUB_ACTIONS");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("run publist")
    })
    .await
    .unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Arrivals in the busiest one-second window.
fn max_per_second(times: &[Instant]) -> usize {
    let mut best = 0;
    for (i, t) in times.iter().enumerate() {
        let n = times[i..]
            .iter()
            .take_while(|u| u.duration_since(*t) < Duration::from_secs(1))
            .count();
        best = best.max(n);
    }
    best
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn harvest_of_diag_bib_against_limited_mocks() {
    let Some(shared) = crate::shared() else {
        return;
    };
    let bib_path = shared.join("data/diag.bib");
    let members = shared.join("site-sample/members");
    let bib = publist::bib::load(std::slice::from_ref(&bib_path));
    let known = Arc::new(known(&bib.publications));
    assert!(known.dois.len() > 1000, "diag.bib should have >1000 DOIs");

    let log: Log = Arc::default();
    let servers: Vec<(&str, MockServer)> = vec![
        ("CROSSREF", crossref(known.clone(), log.clone()).await),
        ("PUBMED", pubmed(known.clone(), 200).await),
        ("OPENALEX", openalex(known.clone()).await),
        ("S2", s2(known.clone()).await),
        ("ARXIV", arxiv(known.clone()).await),
        ("ORCID", fixed(200, serde_json::json!({"group": []})).await),
        ("DOI", fixed(404, serde_json::json!({})).await),
    ];
    let env: Vec<(String, String)> = servers
        .iter()
        .map(|(s, m)| (format!("PUBLIST_{s}_URL"), m.uri()))
        .chain([("OPENALEX_API_KEY".to_string(), "real-test-key".to_string())])
        .collect();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("publist.toml"),
        "[store]\npath = \"store.sqlite\"\n[services]\nmailto = \"lab@example.org\"\n[services.crossref]\nrate = 20.0\n",
    )
    .unwrap();
    let bib_arg = bib_path.to_string_lossy().into_owned();
    let people_arg = members.to_string_lossy().into_owned();
    let args = [
        "harvest",
        "--bib",
        &bib_arg,
        "--people",
        &people_arg,
        "--format",
        "json",
    ];

    let first = publist(dir.path(), &args, env.clone()).await;
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let report = json(&first);
    eprintln!("first run: {report}");

    // Crossref: the mock's limit was hit, and after the first 429 (plus one second for the
    // requests already in flight) the client stayed within it.
    let arrivals = log.lock().unwrap().clone();
    let first_429 = arrivals
        .iter()
        .find(|(_, throttled)| *throttled)
        .map(|(t, _)| *t)
        .expect("the client went over 10 requests/s at first");
    let settled = first_429 + Duration::from_secs(1);
    let later: Vec<&(Instant, bool)> = arrivals.iter().filter(|(t, _)| *t >= settled).collect();
    assert!(
        later.iter().all(|(_, throttled)| !throttled),
        "429s after adapting"
    );
    let times: Vec<Instant> = later.iter().map(|(t, _)| *t).collect();
    assert!(
        max_per_second(&times) <= 10,
        "{} in one second",
        max_per_second(&times)
    );

    // A candidate for every id the mocks know.
    let store = Store::open(&dir.path().join("store.sqlite")).unwrap();
    for doi in known.dois.keys() {
        let c = store
            .lookup_candidates(Service::Crossref, &format!("doi:{doi}"))
            .unwrap();
        assert!(!c.is_empty(), "no Crossref candidate for {doi}");
    }
    for pmid in known.pmids.keys() {
        let c = store
            .lookup_candidates(Service::Pubmed, &format!("pmid:{pmid}"))
            .unwrap();
        assert!(!c.is_empty(), "no PubMed candidate for {pmid}");
    }
    for id in known.arxiv.keys() {
        let c = store
            .lookup_candidates(Service::Arxiv, &format!("arxiv:{id}"))
            .unwrap();
        assert!(!c.is_empty(), "no arXiv candidate for {id}");
    }
    assert_eq!(store.integrity_check().unwrap(), "ok");

    // Request budget for identifier lookups.
    let pubs = report["publications"].as_u64().unwrap() as f64;
    let id_requests = report["id_requests"].as_u64().unwrap() as f64;
    eprintln!(
        "id lookups: {id_requests} requests for {pubs} publications = {:.3}/publication",
        id_requests / pubs
    );
    assert!(id_requests / pubs <= 0.2);

    // Warm store, then offline: nothing sent.
    let before: usize = count(&servers).await;
    let second = json(&publist(dir.path(), &args, env.clone()).await);
    let mut offline_args = args.to_vec();
    offline_args.push("--offline");
    let third = json(&publist(dir.path(), &offline_args, env.clone()).await);
    for r in [&second, &third] {
        let total: u64 = r["services"]
            .as_object()
            .unwrap()
            .values()
            .map(|s| s["requests"].as_u64().unwrap())
            .sum();
        assert_eq!(total, 0, "{r}");
    }
    assert_eq!(count(&servers).await, before);
}

async fn count(servers: &[(&str, MockServer)]) -> usize {
    let mut n = 0;
    for (_, s) in servers {
        n += s.received_requests().await.unwrap_or_default().len();
    }
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_service_answering_500_fails_alone() {
    let Some(shared) = crate::shared() else {
        return;
    };
    let bib_path = shared.join("data/diag.bib");
    let bib = publist::bib::load(std::slice::from_ref(&bib_path));
    let known = Arc::new(known(&bib.publications));
    let broken = pubmed(known.clone(), 500).await;
    let s2 = s2(known.clone()).await;
    let arxiv = arxiv(known.clone()).await;
    let env = vec![
        ("PUBLIST_PUBMED_URL".to_string(), broken.uri()),
        ("PUBLIST_S2_URL".to_string(), s2.uri()),
        ("PUBLIST_ARXIV_URL".to_string(), arxiv.uri()),
    ];
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("publist.toml"),
        "[store]\npath = \"store.sqlite\"\n[services.pubmed]\nretries = 1\n",
    )
    .unwrap();
    let bib_arg = bib_path.to_string_lossy().into_owned();
    let args = [
        "harvest", "--bib", &bib_arg, "--only", "pubmed", "--only", "s2", "--only", "arxiv",
        "--format", "json",
    ];
    let out = publist(dir.path(), &args, env).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    assert_eq!(report["failed"], serde_json::json!(["pubmed"]));
    assert_eq!(report["services"]["pubmed"]["status"], "failed");
    let store = Store::open(&dir.path().join("store.sqlite")).unwrap();
    let stored: BTreeSet<Option<Service>> = store
        .candidates()
        .unwrap()
        .into_iter()
        .map(|c| c.source)
        .collect();
    assert!(stored.contains(&Some(Service::SemanticScholar)));
    assert!(stored.contains(&Some(Service::Arxiv)));
    assert!(!stored.contains(&Some(Service::Pubmed)));
}
