//! Hostile service answers: XML external entities and entity-expansion bombs (arXiv, and
//! PubMed, whose answers must be JSON), XML nested far deeper than any real answer, and a
//! JSON answer bigger than the HTTP layer's cap. Each fails or degrades one service with a
//! clear message; nothing is expanded, fetched, or stored.

use publist::model::Service;
use publist::store::Store;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::harvest::{config, harvest, only, publication};

/// A DOCTYPE with an external entity (a local file and a URL) and a billion-laughs bomb.
fn hostile_doctype(server: &str) -> String {
    let mut d = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE feed [\n");
    d.push_str("  <!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n");
    d.push_str(&format!("  <!ENTITY remote SYSTEM \"{server}/leak\">\n"));
    d.push_str("  <!ENTITY lol0 \"lol\">\n");
    for i in 1..10 {
        let prev = format!("&lol{};", i - 1);
        d.push_str(&format!("  <!ENTITY lol{i} \"{}\">\n", prev.repeat(10)));
    }
    d.push_str("]>\n");
    d
}

fn arxiv_bomb(server: &str) -> String {
    format!(
        "{}<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><id>http://arxiv.org/abs/2101.00001v1</id>\
<title>Title &xxe; &remote;</title><summary>Bomb &lol9; end</summary>\
<author><name>Anna Verbeek</name></author></entry></feed>",
        hostile_doctype(server)
    )
}

#[tokio::test]
async fn arxiv_external_entities_and_entity_bombs_are_never_expanded() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/query"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(arxiv_bomb(&server.uri()), "application/atom+xml"),
        )
        .mount(&server)
        .await;
    // The external entity's URL: fetching it would be a leak.
    Mock::given(method("GET"))
        .and(path("/leak"))
        .respond_with(ResponseTemplate::new(200).set_body_string("LEAKED"))
        .expect(0)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&server.uri(), &dir.path().join("store.sqlite"));
    let mut a = publication("Verb21", None, None);
    a.ids.arxiv = publist::model::ArxivId::parse("2101.00001");
    let report = harvest(
        &cfg,
        std::slice::from_ref(&a),
        &[],
        &only(&[Service::Arxiv]),
    )
    .await;
    assert!(!report.degraded(), "{report:?}");
    let store = Store::open(&cfg.store_path).unwrap();
    let got = store.candidates_for(&a.ids).unwrap();
    assert_eq!(got.len(), 1, "{got:?}");
    // Entities stay as written: no file content, no fetched text, no expansion.
    assert_eq!(got[0].title, "Title &xxe; &remote;");
    assert_eq!(got[0].abstract_text.as_deref(), Some("Bomb &lol9; end"));
    let mut export = Vec::new();
    store.export(&mut export).unwrap();
    let export = String::from_utf8_lossy(&export);
    assert!(
        !export.contains("root:"),
        "a local file leaked into the store"
    );
    assert!(!export.contains("LEAKED"));
    assert!(!export.contains("lollollol"), "an entity was expanded");
}

#[tokio::test]
async fn arxiv_xml_nested_200000_deep_fails_the_service_not_the_process() {
    let server = MockServer::start().await;
    let depth = 200_000;
    let body = format!(
        "<feed>{}{}</feed>",
        "<entry>".repeat(depth),
        "</entry>".repeat(depth)
    );
    Mock::given(method("GET"))
        .and(path("/query"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/atom+xml"))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&server.uri(), &dir.path().join("store.sqlite"));
    let mut a = publication("Verb21", None, None);
    a.ids.arxiv = publist::model::ArxivId::parse("2101.00001");
    let report = harvest(&cfg, &[a], &[], &only(&[Service::Arxiv])).await;
    assert_eq!(report.failed, vec![Service::Arxiv], "{report:?}");
    let err = &report.services[&Service::Arxiv].errors[0];
    assert!(err.contains("nested"), "{err}");
}

#[tokio::test]
async fn pubmed_xml_with_entities_instead_of_json_is_refused() {
    let server = MockServer::start().await;
    let body = format!(
        "{}<eSummaryResult><DocSum><Id>15900001</Id><Item Name=\"Title\">&xxe; &lol9;</Item></DocSum></eSummaryResult>",
        hostile_doctype(&server.uri()).replace("feed", "eSummaryResult")
    );
    Mock::given(method("GET"))
        .and(path("/esummary.fcgi"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "text/xml"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/leak"))
        .respond_with(ResponseTemplate::new(200).set_body_string("LEAKED"))
        .expect(0)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&server.uri(), &dir.path().join("store.sqlite"));
    let pubs = vec![publication("Verb05", None, Some(15900001))];
    let report = harvest(&cfg, &pubs, &[], &only(&[Service::Pubmed])).await;
    assert_eq!(report.failed, vec![Service::Pubmed], "{report:?}");
    let err = &report.services[&Service::Pubmed].errors[0];
    assert!(err.contains("expected json"), "{err}");
    let store = Store::open(&cfg.store_path).unwrap();
    assert!(store.candidates_for(&pubs[0].ids).unwrap().is_empty());
    let mut export = Vec::new();
    store.export(&mut export).unwrap();
    assert!(!String::from_utf8_lossy(&export).contains("root:"));
}

#[tokio::test]
async fn a_json_answer_larger_than_the_cap_is_refused_with_a_clear_error() {
    let server = MockServer::start().await;
    // Valid JSON, one byte over the cap: a string of padding inside the envelope.
    let cap = publist::http::MAX_BODY;
    let head = r#"{"status":"ok","message":{"items":[]},"pad":""#;
    let tail = r#""}"#;
    let mut body = String::with_capacity(cap + 1);
    body.push_str(head);
    body.push_str(&"x".repeat(cap + 1 - head.len() - tail.len()));
    body.push_str(tail);
    assert_eq!(body.len(), cap + 1);
    Mock::given(method("GET"))
        .and(path("/works"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&server.uri(), &dir.path().join("store.sqlite"));
    for s in cfg.services.values_mut() {
        s.timeout = std::time::Duration::from_secs(60);
    }
    let pubs = vec![publication("Verb05", Some("10.5555/big"), None)];
    let report = harvest(&cfg, &pubs, &[], &only(&[Service::Crossref])).await;
    assert_eq!(report.failed, vec![Service::Crossref], "{report:?}");
    let err = &report.services[&Service::Crossref].errors[0];
    assert!(
        err.contains(&format!("response larger than {cap} bytes")),
        "{err}"
    );
    // Not retried: the same answer would come back.
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let store = Store::open(&cfg.store_path).unwrap();
    assert!(store.candidates_for(&pubs[0].ids).unwrap().is_empty());
}
