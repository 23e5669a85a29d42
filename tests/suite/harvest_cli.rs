//! `publist harvest` and `publist store` as a user runs them: the binary against local mocks.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::support::{publist_env, stderr, stdout};

/// Answers Crossref DOI filters with one item per DOI.
struct Crossref;

impl Respond for Crossref {
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
            .map(|doi| serde_json::json!({"DOI": doi, "title": [format!("Work {doi}")]}))
            .collect();
        ResponseTemplate::new(200)
            .set_body_json(serde_json::json!({"message": {"items": items}}))
            .set_delay(Duration::from_millis(250))
    }
}

fn write_bib(dir: &Path, n: usize) {
    let mut f = std::fs::File::create(dir.join("refs.bib")).unwrap();
    for i in 0..n {
        writeln!(
            f,
            "@article{{Verb{i:04},\n  author = {{Verbeek, Anna}},\n  title = {{Work number {i}}},\n  journal = {{Example Journal}},\n  year = {{2020}},\n  doi = {{10.5555/kill.{i}}},\n}}\n"
        )
        .unwrap();
    }
    std::fs::write(
        dir.join("publist.toml"),
        "[store]\npath = \"store.sqlite\"\n[services.crossref]\nrate = 100.0\nconcurrency = 1\n",
    )
    .unwrap();
}

/// Runs the binary off the async runtime (the mock keeps serving meanwhile).
async fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let dir = dir.to_path_buf();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        publist_env(&dir, &args, &env)
    })
    .await
    .unwrap()
}

fn crossref_lookups(store: &Path) -> (usize, String) {
    let s = publist::store::Store::open(store).unwrap();
    let stats = s.stats().unwrap();
    let n = stats
        .get("crossref")
        .map(|c| c.lookups as usize)
        .unwrap_or(0);
    (n, s.integrity_check().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn harvest_json_summary_then_warm_store_sends_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/works"))
        .respond_with(Crossref)
        .expect(2)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    write_bib(dir.path(), 60);
    let uri = server.uri();
    let env = [
        ("PUBLIST_CROSSREF_URL", uri.as_str()),
        ("S2_API_KEY", "cli-secret-s2-key"),
    ];
    let args = [
        "harvest", "--bib", "refs.bib", "--only", "crossref", "--format", "json", "-vv",
    ];
    let out = run(dir.path(), &args, &env).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["services"]["crossref"]["requests"], 2);
    assert_eq!(json["services"]["crossref"]["store_hits"], 0);
    assert!(json["services"]["pubmed"]["requests"].is_u64());
    assert!(!stderr(&out).contains("cli-secret"));

    let text = ["harvest", "--bib", "refs.bib", "--only", "crossref"];
    let again = run(dir.path(), &text, &env).await;
    assert_eq!(again.status.code(), Some(0));
    let summary = stdout(&again);
    assert!(
        summary.contains("crossref           0          60"),
        "{summary}"
    );

    let stats = run(dir.path(), &["store", "stats", "--format", "json"], &[]).await;
    let stats: serde_json::Value = serde_json::from_str(&stdout(&stats)).unwrap();
    assert_eq!(stats["services"]["crossref"]["lookups"], 60);
    let export = run(dir.path(), &["store", "export"], &[]).await;
    let lines: Vec<serde_json::Value> = stdout(&export)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.iter().filter(|l| l["type"] == "lookup").count(), 60);
    assert_eq!(lines.iter().filter(|l| l["type"] == "response").count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_service_exits_2_and_names_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    write_bib(dir.path(), 3);
    std::fs::write(
        dir.path().join("publist.toml"),
        "[store]\npath = \"store.sqlite\"\n[services.crossref]\nretries = 1\n",
    )
    .unwrap();
    let uri = server.uri();
    let out = run(
        dir.path(),
        &["harvest", "--bib", "refs.bib", "--only", "crossref"],
        &[("PUBLIST_CROSSREF_URL", uri.as_str())],
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("failed: crossref"),
        "{}",
        stdout(&out)
    );
    assert!(stderr(&out).contains("HTTP 503"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_during_harvest_leaves_a_sound_store_and_rerun_fetches_only_the_rest() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/works"))
        .respond_with(Crossref)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    write_bib(dir.path(), 600); // 12 batches of 50, 250 ms each, one at a time
    let store = dir.path().join("store.sqlite");
    let mut child = Command::new(env!("CARGO_BIN_EXE_publist"))
        .current_dir(dir.path())
        .args(["harvest", "--bib", "refs.bib", "--only", "crossref"])
        .env("PUBLIST_CROSSREF_URL", server.uri())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until some batches are stored, then kill -9.
    let mut stored = 0;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if store.exists() {
            stored = crossref_lookups(&store).0;
            if stored >= 100 {
                break;
            }
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let (before, integrity) = crossref_lookups(&store);
    assert_eq!(integrity, "ok");
    assert!(
        before >= stored && before < 600,
        "killed too late: {before} stored"
    );
    assert_eq!(before % 50, 0, "only whole batches are stored");
    let requests_before = server.received_requests().await.unwrap().len();

    let uri = server.uri();
    let out = run(
        dir.path(),
        &[
            "harvest", "--bib", "refs.bib", "--only", "crossref", "--format", "json",
        ],
        &[("PUBLIST_CROSSREF_URL", uri.as_str())],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let missing_batches = (600 - before) / 50;
    assert_eq!(
        json["services"]["crossref"]["requests"],
        missing_batches as u64
    );
    assert_eq!(json["services"]["crossref"]["store_hits"], before as u64);
    let requests_after = server.received_requests().await.unwrap().len();
    assert_eq!(requests_after - requests_before, missing_batches);
    assert_eq!(crossref_lookups(&store), (600, "ok".to_string()));
}
