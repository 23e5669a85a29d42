//! `examples/github-workflow.yml` cannot rot: it is parsed, its triggers and pins are checked,
//! and its `run:` steps are executed here, against a copy of the bundled example and local mock
//! services, with `publist` on `PATH` pointing at the binary under test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_yaml::Value;

use crate::refresh::{copy_example, MockServices};
use crate::support;

fn workflow_text() -> String {
    std::fs::read_to_string(support::root().join("examples/github-workflow.yml"))
        .expect("examples/github-workflow.yml exists")
}

fn workflow() -> Value {
    serde_yaml::from_str(&workflow_text()).expect("the workflow is valid YAML")
}

fn steps<'a>(wf: &'a Value, job: &str) -> &'a Vec<Value> {
    wf["jobs"][job]["steps"]
        .as_sequence()
        .unwrap_or_else(|| panic!("job `{job}` has steps"))
}

#[test]
fn workflow_runs_on_a_schedule_and_by_hand() {
    let wf = workflow();
    let on = &wf["on"];
    let cron = on["schedule"][0]["cron"]
        .as_str()
        .expect("a schedule trigger with a cron");
    assert_eq!(
        cron.split_whitespace().count(),
        5,
        "cron has five fields: {cron}"
    );
    assert!(on.get("workflow_dispatch").is_some(), "manual dispatch");
}

#[test]
fn every_action_is_pinned_by_a_full_commit_sha_with_a_version_comment() {
    let text = workflow_text();
    let pin = regex::Regex::new(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$").unwrap();
    let mut uses = 0;
    for line in text.lines() {
        let Some(rest) = line
            .trim_start()
            .trim_start_matches("- ")
            .strip_prefix("uses:")
        else {
            continue;
        };
        uses += 1;
        let (action, comment) = rest.split_once('#').unwrap_or((rest, ""));
        assert!(
            pin.is_match(action.trim()),
            "not pinned by a 40-hex SHA: {line}"
        );
        assert!(
            comment.trim().starts_with('v'),
            "no `# vX` comment naming the release: {line}"
        );
    }
    assert!(
        uses >= 5,
        "checkout, cache, create-pull-request and upload-artifact are used"
    );
    let wf = workflow();
    let actions: Vec<&str> = steps(&wf, "refresh")
        .iter()
        .filter_map(|s| s["uses"].as_str())
        .map(|u| u.split('@').next().unwrap_or(u))
        .collect();
    for needed in [
        "actions/checkout",
        "actions/cache",
        "peter-evans/create-pull-request",
        "actions/upload-artifact",
    ] {
        assert!(
            actions.contains(&needed),
            "{needed} missing from {actions:?}"
        );
    }
}

#[test]
fn secrets_reach_publist_only_as_environment_variables() {
    let wf = workflow();
    let refresh = steps(&wf, "refresh")
        .iter()
        .find(|s| s["id"].as_str() == Some("refresh"))
        .expect("a step with id `refresh`");
    for key in [
        "OPENALEX_API_KEY",
        "S2_API_KEY",
        "NCBI_API_KEY",
        "ORCID_TOKEN",
    ] {
        let value = refresh["env"][key].as_str().unwrap_or_default();
        assert_eq!(value, format!("${{{{ secrets.{key} }}}}"), "{key}");
    }
    for job in ["refresh", "check"] {
        for step in steps(&wf, job) {
            if let Some(run) = step["run"].as_str() {
                assert!(
                    !run.contains("${{"),
                    "expressions in run: invite script injection: {run}"
                );
            }
        }
    }
    let cache_paths: Vec<&str> = steps(&wf, "refresh")
        .iter()
        .filter_map(|s| s["with"]["path"].as_str())
        .collect();
    assert!(
        cache_paths.iter().any(|p| p.trim() == ".publist/"),
        "{cache_paths:?}"
    );
}

/// Runs one job's `run:` steps (skipping the install step: the binary under test is on PATH)
/// the way a GitHub runner would: `bash -e`, with the step's env, `GITHUB_OUTPUT` per step,
/// and a shared step summary. Returns the outputs of each step by id.
struct Runner {
    dir: PathBuf,
    bin: tempfile::TempDir,
    runner_temp: tempfile::TempDir,
    summary: PathBuf,
    services: Vec<(String, String)>,
}

impl Runner {
    fn new(dir: &Path, mocks: &MockServices) -> Runner {
        let bin = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_publist"), bin.path().join("publist"))
            .unwrap();
        let runner_temp = tempfile::tempdir().unwrap();
        let summary = runner_temp.path().join("step-summary.md");
        Runner {
            dir: dir.to_path_buf(),
            bin,
            runner_temp,
            summary,
            services: mocks.env(),
        }
    }

    fn run_job(&self, wf: &Value, job: &str) -> BTreeMap<String, BTreeMap<String, String>> {
        let mut outputs = BTreeMap::new();
        let mut ran = 0;
        for (i, step) in steps(wf, job).iter().enumerate() {
            let Some(script) = step["run"].as_str() else {
                continue;
            };
            if step["id"].as_str() == Some("install") {
                continue;
            }
            ran += 1;
            let id = step["id"]
                .as_str()
                .map(str::to_string)
                .unwrap_or(format!("step{i}"));
            let output_file = self.runner_temp.path().join(format!("output-{job}-{id}"));
            let path = format!(
                "{}:{}",
                self.bin.path().display(),
                std::env::var("PATH").unwrap_or_default()
            );
            let mut cmd = Command::new("bash");
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
                .current_dir(&self.dir)
                .env("PATH", path)
                .env("GITHUB_ACTIONS", "true")
                .env("GITHUB_OUTPUT", &output_file)
                .env("GITHUB_STEP_SUMMARY", &self.summary)
                .env("RUNNER_TEMP", self.runner_temp.path())
                .env("CI", "true");
            for (k, v) in &self.services {
                cmd.env(k, v);
            }
            if let Some(env) = step["env"].as_mapping() {
                for (k, v) in env {
                    let value = v.as_str().unwrap_or_default();
                    // Secrets are empty here, as on a fork without them.
                    let value = if value.contains("${{") { "" } else { value };
                    cmd.env(k.as_str().unwrap_or_default(), value);
                }
            }
            let out = cmd.output().expect("bash runs");
            assert!(
                out.status.success(),
                "step `{}` of job `{job}` failed ({:?})\nstdout:\n{}\nstderr:\n{}",
                step["name"].as_str().unwrap_or(&id),
                out.status.code(),
                support::stdout(&out),
                support::stderr(&out)
            );
            let text = std::fs::read_to_string(&output_file).unwrap_or_default();
            let map: BTreeMap<String, String> = text
                .lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            outputs.insert(id, map);
        }
        assert!(ran > 0, "job `{job}` has run: steps");
        outputs
    }

    /// `${{ runner.temp }}` in a `with:` value, resolved.
    fn resolve(&self, value: &str) -> PathBuf {
        let v = value.replace(
            "${{ runner.temp }}",
            &self.runner_temp.path().display().to_string(),
        );
        let p = PathBuf::from(v.trim());
        if p.is_absolute() {
            p
        } else {
            self.dir.join(p)
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workflow_run_steps_work_against_the_bundled_example_and_mock_services() {
    let wf = workflow();
    let mocks = MockServices::start().await;
    let site = copy_example();
    let runner = Runner::new(site.path(), &mocks);

    // First scheduled run: changes, so the pull-request step would run, with a report body.
    let outputs = runner.run_job(&wf, "refresh");
    let refresh = &outputs["refresh"];
    assert_eq!(
        refresh.get("changes").map(String::as_str),
        Some("true"),
        "{refresh:?}"
    );
    assert_eq!(
        refresh.get("exit-code").map(String::as_str),
        Some("10"),
        "{refresh:?}"
    );
    let pr = steps(&wf, "refresh")
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("peter-evans/create-pull-request@"))
        })
        .expect("a create-pull-request step");
    assert_eq!(
        pr["if"].as_str(),
        Some("steps.refresh.outputs.changes == 'true'")
    );
    let body = runner.resolve(pr["with"]["body-path"].as_str().expect("body-path"));
    let body = std::fs::read_to_string(&body).expect("the report the pull request uses as body");
    assert!(body.starts_with("## publist refresh: "), "{body}");
    let upload = steps(&wf, "refresh")
        .iter()
        .find(|s| s["with"]["name"].as_str() == Some("site"))
        .expect("a step uploading the site");
    let site_dir = runner.resolve(upload["with"]["path"].as_str().unwrap());
    assert!(
        site_dir.join("index.html").is_file(),
        "the uploaded folder holds the built site"
    );
    let summary = std::fs::read_to_string(&runner.summary).expect("a step summary");
    assert!(summary.contains("## publist refresh: "), "{summary}");

    // The pull request's CI: the committed output (just rebuilt) is up to date.
    runner.run_job(&wf, "check");

    // Next scheduled run with a warm store: nothing changed, no request sent, no pull request.
    let before = mocks.request_count().await;
    let outputs = runner.run_job(&wf, "refresh");
    assert_eq!(
        outputs["refresh"].get("changes").map(String::as_str),
        Some("false")
    );
    assert_eq!(
        outputs["refresh"].get("exit-code").map(String::as_str),
        Some("0")
    );
    assert_eq!(
        mocks.request_count().await,
        before,
        "a warm store sends no request"
    );
}
