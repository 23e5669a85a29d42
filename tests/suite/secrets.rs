//! API keys never leak: a run of `harvest`, `build` and `refresh` with a dummy value in every
//! key variable publist reads (`OPENALEX_API_KEY`, `S2_API_KEY`, `NCBI_API_KEY`,
//! `ORCID_TOKEN`), against services that fail in the ways that tend to echo a key (a 500 and a
//! 401 whose bodies repeat the request with its headers, a wrong content type, a redirect to
//! another host that carries the key, a 429), then against services that answer well; every
//! output is searched for the keys: stdout, stderr (at the most verbose log level), every
//! file in the site folder (pages, data files, the reports, the review file, GitHub step
//! summary and outputs) and the bytes of the store database with its journal files.

use std::path::Path;
use std::process::Output;

use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::refresh::{copy_example, MockServices, SERVICES};
use crate::support::publist_env;

const KEYS: [(&str, &str); 4] = [
    ("OPENALEX_API_KEY", "oaDUMMYkey7f3a9e01"),
    ("S2_API_KEY", "s2DUMMYkey91bc4411"),
    ("NCBI_API_KEY", "ncbiDUMMYkey55d2aa"),
    ("ORCID_TOKEN", "orcidDUMMYtokenc0de99"),
];

/// Every service fails, echoing what it was sent.
struct Echo {
    other_host: String,
}

impl Respond for Echo {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let headers: Vec<String> = req
            .headers
            .iter()
            .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap_or("")))
            .collect();
        let echo = format!("{} {}\n{}\n", req.method, req.url, headers.join("\n"));
        let secret_header = req
            .headers
            .get("x-api-key")
            .or_else(|| req.headers.get("authorization"))
            .and_then(|v| v.to_str().ok())
            .unwrap_or("none")
            .to_string();
        let service = req
            .url
            .path()
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or("");
        match service {
            "crossref" | "doi" => {
                ResponseTemplate::new(500).set_body_string(format!("internal error for {echo}"))
            }
            "openalex" => ResponseTemplate::new(401).set_body_raw(
                format!("{{\"error\":\"Unauthorized\",\"message\":\"bad key in {echo}\"}}"),
                "application/json",
            ),
            "pubmed" => ResponseTemplate::new(200).set_body_raw(
                format!("<html><body>Login needed: {echo}</body></html>"),
                "text/html",
            ),
            "s2" => ResponseTemplate::new(302).insert_header(
                "location",
                format!(
                    "{}/elsewhere?key={secret_header}&{}",
                    self.other_host,
                    req.url.query().unwrap_or("")
                )
                .as_str(),
            ),
            "orcid" => ResponseTemplate::new(401).set_body_string(format!("invalid token: {echo}")),
            _ => ResponseTemplate::new(429)
                .insert_header("retry-after", "0")
                .set_body_string(format!("slow down {echo}")),
        }
    }
}

fn run(dir: &Path, args: &[&str], urls: &[(String, String)], extra: &[(&str, &str)]) -> Output {
    let mut env: Vec<(&str, &str)> = urls.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    env.extend_from_slice(&KEYS);
    env.extend_from_slice(extra);
    env.push(("RUST_LOG", "trace"));
    publist_env(dir, args, &env)
}

/// Where each key shows up in `bytes`, for the failure message.
fn leaks(what: &str, bytes: &[u8], found: &mut Vec<String>) {
    let text = String::from_utf8_lossy(bytes);
    for (var, key) in KEYS {
        // Also half a key: a truncated message must not carry a prefix either.
        for needle in [key, &key[..key.len() / 2 + 2]] {
            if let Some(at) = text.find(needle) {
                let start = text[..at]
                    .char_indices()
                    .rev()
                    .nth(80)
                    .map_or(0, |(i, _)| i);
                let end = (at + needle.len() + 80).min(text.len());
                let end = (end..=text.len())
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap_or(text.len());
                found.push(format!(
                    "{what}: {var} ({needle}) in …{}…",
                    &text[start..end]
                ));
                break;
            }
        }
    }
}

fn search_outputs(dir: &Path, outputs: &[(String, Output)]) -> Vec<String> {
    let mut found = Vec::new();
    for (name, o) in outputs {
        leaks(&format!("{name} stdout"), &o.stdout, &mut found);
        leaks(&format!("{name} stderr"), &o.stderr, &mut found);
    }
    for e in walkdir::WalkDir::new(dir).into_iter().flatten() {
        if e.file_type().is_file() {
            let bytes = std::fs::read(e.path()).unwrap();
            leaks(&e.path().display().to_string(), &bytes, &mut found);
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_appear_in_no_output_of_failing_or_working_runs() {
    let other = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string("should never be asked"))
        .expect(0)
        .mount(&other)
        .await;
    let failing = MockServer::start().await;
    Mock::given(any())
        .respond_with(Echo {
            other_host: other.uri().replace("127.0.0.1", "localhost"),
        })
        .mount(&failing)
        .await;
    let failing_urls: Vec<(String, String)> = SERVICES
        .iter()
        .map(|(name, var)| (var.to_string(), format!("{}/{name}", failing.uri())))
        .collect();
    let site = copy_example();
    let dir = site.path().to_path_buf();
    // A store of its own inside the site folder, so the search covers it.
    let mut toml = std::fs::read_to_string(dir.join("publist.toml")).unwrap();
    toml.push_str(
        "\n[store]\npath = \".publist/store.sqlite\"\n[services]\nmailto = \"lab@example.org\"\n",
    );
    // One retry: the failures are what matter here, not the backoff.
    for (name, _) in SERVICES {
        toml.push_str(&format!("[services.{name}]\nretries = 1\n"));
    }
    std::fs::write(dir.join("publist.toml"), toml).unwrap();
    let summary = dir.join("gh/step-summary.md");
    let gh_out = dir.join("gh/output.txt");
    std::fs::create_dir_all(dir.join("gh")).unwrap();
    let gh = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
        ("GITHUB_OUTPUT", gh_out.to_str().unwrap()),
    ];
    let mut outputs: Vec<(String, Output)> = Vec::new();

    let failing_env =
        |d: &Path, args: &[&str], extra: &[(&str, &str)]| run(d, args, &failing_urls, extra);
    let h = failing_env(&dir, &["harvest", "-vv"], &[]);
    assert_eq!(
        h.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&h.stderr)
    );
    outputs.push(("harvest (failing services)".into(), h));
    let hj = failing_env(&dir, &["harvest", "--format", "json", "-vv"], &[]);
    outputs.push(("harvest --format json (failing services)".into(), hj));
    let b = failing_env(&dir, &["build", "-vv"], &[]);
    outputs.push(("build".into(), b));
    let r = failing_env(
        &dir,
        &[
            "refresh",
            "--write",
            "--report",
            "report.md",
            "--json",
            "report.json",
            "-vv",
        ],
        &gh,
    );
    assert_eq!(
        r.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert!(dir.join("report.md").is_file());
    outputs.push(("refresh (failing services)".into(), r));
    // The errors were seen (the search below is not vacuous): each failure is named.
    let all_err: String = outputs
        .iter()
        .map(|(_, o)| String::from_utf8_lossy(&o.stderr).into_owned())
        .collect();
    for sign in [
        "HTTP 500",
        "HTTP 401",
        "text/html",
        "HTTP 302",
        "HTTP 429",
        "orcid",
    ] {
        assert!(
            all_err.contains(sign),
            "no {sign:?} in the logs:\n{all_err}"
        );
    }
    let requests = failing.received_requests().await.unwrap();
    let sent_key = |k: &str| {
        requests.iter().any(|r| {
            r.url.as_str().contains(k)
                || r.headers
                    .values()
                    .any(|v| v.to_str().unwrap_or("").contains(k))
        })
    };
    for (var, key) in KEYS {
        assert!(
            sent_key(key),
            "{var} was never sent, so this test proves nothing for it"
        );
    }

    // Then services that answer well: the store fills with their responses.
    let working = MockServices::start().await;
    let working_urls = working.env();
    let w = run(
        &dir,
        &[
            "refresh",
            "--write",
            "--report",
            "report.md",
            "--json",
            "report.json",
            "-vv",
        ],
        &working_urls,
        &gh,
    );
    assert!(
        matches!(w.status.code(), Some(0 | 2 | 10)),
        "{}",
        String::from_utf8_lossy(&w.stderr)
    );
    outputs.push(("refresh (working services)".into(), w));
    let e = run(&dir, &["store", "export"], &working_urls, &[]);
    outputs.push(("store export".into(), e));
    assert!(dir.join(".publist/store.sqlite").is_file());

    let found = search_outputs(&dir, &outputs);
    assert!(found.is_empty(), "API keys leaked:\n{}", found.join("\n"));
}
