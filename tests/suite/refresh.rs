//! `publist refresh` acceptance: against local mock services, on a copy of the bundled example.

use std::path::Path;
use std::process::Output;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

use crate::support;

/// The services and their `PUBLIST_<SERVICE>_URL` names.
pub const SERVICES: [(&str, &str); 7] = [
    ("crossref", "PUBLIST_CROSSREF_URL"),
    ("pubmed", "PUBLIST_PUBMED_URL"),
    ("openalex", "PUBLIST_OPENALEX_URL"),
    ("s2", "PUBLIST_S2_URL"),
    ("arxiv", "PUBLIST_ARXIV_URL"),
    ("orcid", "PUBLIST_ORCID_URL"),
    ("doi", "PUBLIST_DOI_URL"),
];

/// One local mock server playing every service, each under its own prefix
/// (`http://127.0.0.1:PORT/crossref` replaces `https://api.crossref.org`).
pub struct MockServices {
    server: MockServer,
}

impl MockServices {
    /// Services that answer from `tests/fixtures/refresh/world.json`, each in its real shape.
    pub async fn start() -> MockServices {
        let server = MockServer::start().await;
        let text = std::fs::read_to_string(support::fixture("refresh/world.json")).unwrap();
        let world: World = serde_json::from_str(&text).expect("world.json parses");
        Mock::given(any())
            .respond_with(WorldResponder(Arc::new(world)))
            .mount(&server)
            .await;
        MockServices { server }
    }

    /// Services that answer 500 to everything.
    pub async fn failing() -> MockServices {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(500).set_body_string("internal error"))
            .mount(&server)
            .await;
        MockServices { server }
    }

    /// `PUBLIST_<SERVICE>_URL` for every service.
    pub fn env(&self) -> Vec<(String, String)> {
        SERVICES
            .iter()
            .map(|(name, var)| (var.to_string(), format!("{}/{name}", self.server.uri())))
            .collect()
    }

    /// Requests received so far.
    pub async fn request_count(&self) -> usize {
        self.server
            .received_requests()
            .await
            .map(|r| r.len())
            .unwrap_or(0)
    }

    /// The requests received so far, as `METHOD path?query` lines (for failure messages).
    pub async fn request_log(&self) -> String {
        let requests = self.server.received_requests().await.unwrap_or_default();
        requests
            .iter()
            .map(|r| format!("{} {}", r.method, r.url))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// What the mock services know.
#[derive(Debug, Deserialize)]
struct World {
    works: Vec<WorkRecord>,
    orcid: BTreeMap<String, Vec<String>>,
}

/// One work, as every service would describe it.
#[derive(Debug, Clone, Deserialize)]
struct WorkRecord {
    doi: String,
    pmid: String,
    title: String,
    /// (given, family, orcid or "").
    authors: Vec<(String, String, String)>,
    year: i32,
    journal: String,
    volume: String,
    issue: String,
    page: String,
    citations: u64,
    #[serde(rename = "type")]
    kind: String,
}

struct WorldResponder(Arc<World>);

impl WorldResponder {
    fn by_doi(&self, doi: &str) -> Option<&WorkRecord> {
        let doi = doi.trim().to_lowercase();
        self.0.works.iter().find(|w| w.doi == doi)
    }

    fn by_pmid(&self, pmid: &str) -> Option<&WorkRecord> {
        self.0
            .works
            .iter()
            .find(|w| !w.pmid.is_empty() && w.pmid == pmid.trim())
    }
}

fn json(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.to_string().into_bytes(), "application/json")
}

fn not_found() -> ResponseTemplate {
    ResponseTemplate::new(404).set_body_raw(b"Resource not found.".to_vec(), "text/plain")
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn crossref_work(w: &WorkRecord) -> Value {
    serde_json::json!({
        "DOI": w.doi,
        "type": w.kind,
        "title": [w.title],
        "author": w.authors.iter().enumerate().map(|(i, (given, family, orcid))| {
            let mut a = serde_json::json!({
                "given": given, "family": family,
                "sequence": if i == 0 { "first" } else { "additional" }
            });
            if !orcid.is_empty() {
                a["ORCID"] = Value::String(format!("https://orcid.org/{orcid}"));
            }
            a
        }).collect::<Vec<_>>(),
        "container-title": [w.journal],
        "issued": {"date-parts": [[w.year]]},
        "published": {"date-parts": [[w.year]]},
        "volume": w.volume,
        "issue": w.issue,
        "page": w.page,
        "is-referenced-by-count": w.citations,
        "URL": format!("https://doi.org/{}", w.doi),
    })
}

impl Respond for WorldResponder {
    fn respond(&self, req: &wiremock::Request) -> ResponseTemplate {
        let path = percent_decode(req.url.path());
        let mut parts = path.trim_start_matches('/').splitn(2, '/');
        let service = parts.next().unwrap_or_default();
        let rest = format!("/{}", parts.next().unwrap_or_default());
        let query: BTreeMap<String, String> = req.url.query_pairs().into_owned().collect();
        let q = |k: &str| query.get(k).cloned().unwrap_or_default();
        match service {
            "crossref" => {
                if rest == "/works" {
                    let filter = q("filter");
                    let items: Vec<Value> = filter
                        .split(',')
                        .filter_map(|f| f.strip_prefix("doi:"))
                        .filter_map(|d| self.by_doi(d))
                        .map(crossref_work)
                        .collect();
                    json(serde_json::json!({
                        "status": "ok", "message-type": "work-list", "message-version": "1.0.0",
                        "message": {"total-results": items.len(), "items-per-page": items.len().max(20),
                                    "query": {"start-index": 0, "search-terms": null}, "items": items}
                    }))
                } else if let Some(doi) = rest.strip_prefix("/works/") {
                    match self.by_doi(doi) {
                        Some(w) => json(serde_json::json!({
                            "status": "ok", "message-type": "work", "message-version": "1.0.0",
                            "message": crossref_work(w)
                        })),
                        None => not_found(),
                    }
                } else {
                    not_found()
                }
            }
            "pubmed" => {
                let body = String::from_utf8_lossy(&req.body).into_owned();
                let form: BTreeMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
                    .into_owned()
                    .collect();
                let param = |k: &str| query.get(k).or(form.get(k)).cloned().unwrap_or_default();
                if rest.ends_with("esearch.fcgi") {
                    let term = param("term");
                    let ids: Vec<String> = term
                        .split(" OR ")
                        .filter_map(|t| t.trim().trim_matches(['(', ')']).strip_suffix("[doi]"))
                        .filter_map(|d| self.by_doi(d.trim_matches('"')))
                        .filter(|w| !w.pmid.is_empty())
                        .map(|w| w.pmid.clone())
                        .collect();
                    json(serde_json::json!({
                        "header": {"type": "esearch", "version": "0.3"},
                        "esearchresult": {"count": ids.len().to_string(), "retmax": ids.len().to_string(),
                                          "retstart": "0", "idlist": ids, "translationset": [],
                                          "querytranslation": term}
                    }))
                } else if rest.ends_with("esummary.fcgi") {
                    let mut result = serde_json::Map::new();
                    let mut uids = Vec::new();
                    for id in param("id").split(',') {
                        if let Some(w) = self.by_pmid(id) {
                            uids.push(w.pmid.clone());
                            result.insert(w.pmid.clone(), serde_json::json!({
                                "uid": w.pmid, "pubdate": w.year.to_string(), "source": w.journal,
                                "fulljournalname": w.journal,
                                "authors": w.authors.iter().map(|(g, f, _)| serde_json::json!({
                                    "name": format!("{f} {}", g.chars().filter(|c| c.is_uppercase()).collect::<String>()),
                                    "authtype": "Author", "clusterid": ""
                                })).collect::<Vec<_>>(),
                                "title": format!("{}.", w.title), "volume": w.volume, "issue": w.issue,
                                "pages": w.page, "pubtype": ["Journal Article"],
                                "articleids": [{"idtype": "pubmed", "idtypen": 1, "value": w.pmid},
                                               {"idtype": "doi", "idtypen": 3, "value": w.doi}]
                            }));
                        }
                    }
                    result.insert("uids".into(), serde_json::json!(uids));
                    json(serde_json::json!({"header": {"type": "esummary", "version": "0.3"}, "result": result}))
                } else if rest.ends_with("efetch.fcgi") {
                    ResponseTemplate::new(200).set_body_raw(
                        b"<?xml version=\"1.0\" ?>\n<PubmedArticleSet>\n</PubmedArticleSet>\n".to_vec(),
                        "text/xml",
                    )
                } else {
                    // The PMC id converter: no article of this world is in PMC.
                    json(serde_json::json!({"status": "ok", "records": []}))
                }
            }
            "openalex" => {
                if rest == "/works" {
                    json(serde_json::json!({
                        "meta": {"count": 0, "db_response_time_ms": 1, "page": null, "per_page": 100,
                                 "next_cursor": null},
                        "results": []
                    }))
                } else {
                    not_found()
                }
            }
            "s2" => {
                if rest == "/paper/batch" {
                    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
                    let answers: Vec<Value> = body["ids"]
                        .as_array()
                        .map(|ids| {
                            ids.iter()
                                .map(|id| {
                                    let id = id.as_str().unwrap_or_default();
                                    let w = id
                                        .strip_prefix("DOI:")
                                        .and_then(|d| self.by_doi(d))
                                        .or_else(|| id.strip_prefix("PMID:").and_then(|p| self.by_pmid(p)));
                                    match w {
                                        None => Value::Null,
                                        Some(w) => serde_json::json!({
                                            "paperId": format!("s2{:0>38}", w.pmid),
                                            "externalIds": {"DOI": w.doi, "PubMed": w.pmid},
                                            "title": w.title, "year": w.year, "venue": w.journal,
                                            "citationCount": w.citations,
                                            "journal": {"name": w.journal, "volume": w.volume, "pages": w.page},
                                            "publicationTypes": ["JournalArticle"],
                                            "authors": w.authors.iter().map(|(g, f, _)| serde_json::json!({
                                                "authorId": null, "name": format!("{g} {f}")
                                            })).collect::<Vec<_>>()
                                        }),
                                    }
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    json(Value::Array(answers))
                } else if rest.starts_with("/author/") && rest.ends_with("/papers") {
                    json(serde_json::json!({"offset": 0, "data": []}))
                } else {
                    not_found()
                }
            }
            "arxiv" => ResponseTemplate::new(200).set_body_raw(
                concat!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
                    "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
                    "  <title type=\"html\">ArXiv Query</title>\n",
                    "  <opensearch:totalResults xmlns:opensearch=\"http://a9.com/-/spec/opensearch/1.1/\">0</opensearch:totalResults>\n",
                    "</feed>\n"
                )
                .as_bytes()
                .to_vec(),
                "application/atom+xml",
            ),
            "orcid" => {
                let orcid = rest.trim_start_matches('/').split('/').next().unwrap_or_default();
                if !rest.ends_with("/works") {
                    return not_found();
                }
                let dois = self.0.orcid.get(orcid).cloned().unwrap_or_default();
                let groups: Vec<Value> = dois
                    .iter()
                    .filter_map(|d| self.by_doi(d))
                    .enumerate()
                    .map(|(i, w)| {
                        let ids = serde_json::json!({"external-id": [{
                            "external-id-type": "doi", "external-id-value": w.doi,
                            "external-id-normalized": {"value": w.doi, "transient": true},
                            "external-id-url": {"value": format!("https://doi.org/{}", w.doi)},
                            "external-id-relationship": "self"
                        }]});
                        serde_json::json!({
                            "external-ids": ids,
                            "work-summary": [{
                                "put-code": 1000 + i,
                                "title": {"title": {"value": w.title}, "subtitle": null},
                                "external-ids": ids,
                                "type": w.kind,
                                "publication-date": {"year": {"value": w.year.to_string()}, "month": null, "day": null},
                                "journal-title": {"value": w.journal},
                                "path": format!("/{orcid}/work/{}", 1000 + i)
                            }]
                        })
                    })
                    .collect();
                json(serde_json::json!({"group": groups, "path": format!("/{orcid}/works")}))
            }
            "doi" => match self.by_doi(rest.trim_start_matches('/')) {
                Some(w) => ResponseTemplate::new(200).set_body_raw(
                    serde_json::json!({
                        "type": "article-journal", "DOI": w.doi, "title": w.title,
                        "author": w.authors.iter().map(|(g, f, _)| serde_json::json!({"given": g, "family": f})).collect::<Vec<_>>(),
                        "container-title": w.journal, "issued": {"date-parts": [[w.year]]},
                        "volume": w.volume, "issue": w.issue, "page": w.page
                    })
                    .to_string()
                    .into_bytes(),
                    "application/vnd.citationstyles.csl+json",
                ),
                None => not_found(),
            },
            _ => not_found(),
        }
    }
}

/// A copy of the bundled example (config, bib files, site pages) in a temporary folder.
pub fn copy_example() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = support::root();
    std::fs::copy(root.join("publist.toml"), dir.path().join("publist.toml")).unwrap();
    copy_tree(&root.join("bib"), &dir.path().join("bib"));
    copy_tree(
        &root.join("examples/site"),
        &dir.path().join("examples/site"),
    );
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn refresh(dir: &Path, mocks: &MockServices, args: &[&str]) -> Output {
    let env = mocks.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut all = vec!["refresh"];
    all.extend_from_slice(args);
    support::publist_env(dir, &all, &env)
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn explain(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        support::stdout(o),
        support::stderr(o)
    )
}

const WRITE: [&str; 5] = ["--write", "--report", "report.md", "--json", "report.json"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_run_reports_changes_second_run_reports_none_and_sends_no_request() {
    let mocks = MockServices::start().await;
    let site = copy_example();
    let dir = site.path();

    let first = refresh(dir, &mocks, &WRITE);
    assert_eq!(code(&first), 10, "{}", explain(&first));
    let report = read(dir, "report.md");
    assert!(
        !report.starts_with("## publist refresh: no changes"),
        "{report}"
    );
    let json: serde_json::Value = serde_json::from_str(&read(dir, "report.json")).unwrap();
    assert_eq!(json["status"], "changes", "{json:#}");
    // Enrichment: PubMed knows the PMID of Mens22's DOI; it is written into the bib file.
    assert!(
        report.contains("| `Mens22` | pmid | 35512345 | pubmed "),
        "{report}"
    );
    let bib = read(dir, "bib/publications.bib");
    assert!(
        bib.contains("pmid = {35512345}"),
        "the PMID was added to Mens22"
    );
    // Discovery: ORCID lists a work of Kwame Mensah that the bib files lack.
    let kwame = json["new_publications_per_person"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["person"] == "kwame-mensah")
        .unwrap_or_else(|| panic!("kwame-mensah has a new work: {json:#}"));
    assert_eq!(kwame["works"][0]["ids"]["doi"], "10.1555/mens.2025.0001");
    assert_eq!(kwame["works"][0]["decision"], "new");
    let review = read(dir, "publist.review.md");
    assert!(
        review.contains("10.1555/mens.2025.0001"),
        "the review file lists it: {review}"
    );
    // Fill: project pages without bibkeys get proposals.
    assert!(json["bibkeys_proposed"]["items"]
        .as_array()
        .is_some_and(|a| !a.is_empty()));
    assert!(
        dir.join("out/index.html").is_file(),
        "the site was built: {}\n{}",
        read(dir, "report.md"),
        explain(&first)
    );
    assert!(
        mocks.request_count().await > 0,
        "the first run asks the services"
    );

    let before = mocks.request_count().await;
    let second = refresh(dir, &mocks, &WRITE);
    assert_eq!(code(&second), 0, "{}", explain(&second));
    let report = read(dir, "report.md");
    assert!(
        report.starts_with("## publist refresh: no changes"),
        "{report}"
    );
    assert!(
        report.contains("1 new publication awaiting review"),
        "{report}"
    );
    let json: serde_json::Value = serde_json::from_str(&read(dir, "report.json")).unwrap();
    assert_eq!(json["status"], "no-changes");
    assert_eq!(json["requests"], 0, "{}", json["services"]);
    assert_eq!(
        mocks.request_count().await,
        before,
        "the second run sends zero requests; all requests:\n{}",
        mocks.request_log().await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_are_byte_identical_across_runs_with_the_same_store_and_inputs() {
    let mocks = MockServices::start().await;
    let site = copy_example();
    let dir = site.path();
    let warm = refresh(dir, &mocks, &["--json", "warm.json"]);
    assert_ne!(code(&warm), 1, "{}", explain(&warm));

    let args = ["--offline", "--report", "a.md", "--json", "a.json"];
    let a = refresh(dir, &mocks, &args);
    let (md_a, json_a) = (read(dir, "a.md"), read(dir, "a.json"));
    let b = refresh(dir, &mocks, &args);
    assert_eq!(code(&a), code(&b));
    assert_eq!(md_a, read(dir, "a.md"));
    assert_eq!(json_a, read(dir, "a.json"));
    assert!(
        !md_a.contains(" UTC") && !json_a.contains("generated_at"),
        "no timestamp: {md_a}"
    );
    // A dry run changes nothing in the repository.
    assert!(
        !dir.join("out").exists(),
        "a dry run builds into a temporary folder only"
    );
    assert_eq!(
        read(dir, "bib/publications.bib"),
        read(&support::root(), "bib/publications.bib")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_degrades_names_the_services_still_builds_and_exits_2() {
    let mocks = MockServices::failing().await;
    let site = copy_example();
    let dir = site.path();
    // No retries: the outage is certain, and the test should not wait for backoff.
    let mut config = read(dir, "publist.toml");
    for (name, _) in SERVICES {
        config.push_str(&format!("\n[services.{name}]\nretries = 0\n"));
    }
    std::fs::write(dir.join("publist.toml"), config).unwrap();

    let out = refresh(dir, &mocks, &WRITE);
    assert_eq!(code(&out), 2, "{}", explain(&out));
    let json: serde_json::Value = serde_json::from_str(&read(dir, "report.json")).unwrap();
    assert_eq!(json["degraded"], true, "{json:#}");
    let failed: Vec<&str> = json["service_failures"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["service"].as_str())
        .collect();
    assert!(failed.contains(&"crossref"), "{failed:?}");
    let report = read(dir, "report.md");
    assert!(report.contains("Degraded run"), "{report}");
    assert!(report.contains("`crossref`"), "{report}");
    assert!(
        dir.join("out/index.html").is_file(),
        "the build ran from the store"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_fails_after_a_bib_change_without_rebuild_and_passes_after_rebuild() {
    let mocks = MockServices::failing().await;
    let site = copy_example();
    let dir = site.path();
    let build = support::publist(dir, &["build"]);
    assert_ne!(code(&build), 1, "{}", explain(&build));

    let fresh = refresh(dir, &mocks, &["--check"]);
    assert_eq!(code(&fresh), 0, "{}", explain(&fresh));
    assert_eq!(mocks.request_count().await, 0, "--check sends no request");

    let bib = dir.join("bib/publications.bib");
    let text = read(dir, "bib/publications.bib");
    let changed = text.replacen(
        "Domain shift in retinal imaging across camera vendors",
        "Domain shift in retinal imaging across camera vendors and sites",
        1,
    );
    assert_ne!(text, changed, "the fixture entry exists");
    std::fs::write(&bib, changed).unwrap();
    let stale = refresh(dir, &mocks, &["--check"]);
    assert_eq!(code(&stale), 2, "{}", explain(&stale));
    let stdout = support::stdout(&stale);
    assert!(
        stdout.contains("stale: out/"),
        "names the stale files: {stdout}"
    );
    assert!(
        stdout.to_lowercase().contains("abas16"),
        "names the changed publication's page: {stdout}"
    );

    let rebuild = support::publist(dir, &["build"]);
    assert_ne!(code(&rebuild), 1, "{}", explain(&rebuild));
    let fresh = refresh(dir, &mocks, &["--check"]);
    assert_eq!(code(&fresh), 0, "{}", explain(&fresh));
}

#[test]
fn check_in_github_actions_annotates_stale_files() {
    let site = copy_example();
    let dir = site.path();
    let summary = dir.join("summary.md");
    let out = support::publist_env(
        dir,
        &["refresh", "--check"],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
        ],
    );
    // Nothing was built: every output file is missing.
    assert_eq!(code(&out), 2, "{}", explain(&out));
    let stdout = support::stdout(&out);
    assert!(
        stdout.contains("::error file=out/index.html,title=stale output::"),
        "{stdout}"
    );
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(summary.contains("`out/index.html` (missing)"), "{summary}");
}

#[test]
fn check_covers_the_data_files_of_the_diag_pelican_flavour() {
    let site = copy_example();
    let dir = site.path();
    let config = read(dir, "publist.toml").replacen(
        "[output]\n",
        "[output]\nemit = [\"diag-pelican\"]\n",
        1,
    );
    let config = format!("{config}\n[diag]\nsites = [\"diag\"]\ncontent = \"website/content\"\n");
    std::fs::write(dir.join("publist.toml"), config).unwrap();

    let build = support::publist(dir, &["build"]);
    assert_ne!(code(&build), 1, "{}", explain(&build));
    assert!(
        dir.join("website/content/bibitems_diag.json").is_file(),
        "{}",
        explain(&build)
    );
    let fresh = support::publist(dir, &["refresh", "--check"]);
    assert_eq!(code(&fresh), 0, "{}", explain(&fresh));

    std::fs::remove_file(dir.join("website/content/bibitems_diag.json")).unwrap();
    let stale = support::publist(dir, &["refresh", "--check"]);
    assert_eq!(code(&stale), 2, "{}", explain(&stale));
    let stdout = support::stdout(&stale);
    assert!(
        stdout.contains("stale: website/content/bibitems_diag.json (missing)"),
        "{stdout}"
    );
}
