//! `publist check` and `publist export` from the command line.

use crate::support::{fixture, publist, stderr, stdout};

fn bib(name: &str) -> String {
    fixture(&format!("bib/{name}")).display().to_string()
}

#[test]
fn check_json_counts_entries_and_exits_zero_on_clean_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = publist(
        dir.path(),
        &[
            "check",
            "--bib",
            &bib("dirty.bib"),
            "--bib",
            &bib("strings.bib"),
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["entries"], 12);
    let diags = report["diagnostics"].as_array().unwrap();
    assert!(diags.iter().all(|d| d["severity"] == "warning"));
    let d = diags.iter().find(|d| d["key"] == "odd_key").unwrap();
    for field in ["severity", "file", "line", "column", "key", "message"] {
        assert!(!d[field].is_null(), "{field} missing in {d}");
    }
}

#[test]
fn check_exits_two_on_errors_and_shows_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = publist(dir.path(), &["check", "--bib", &bib("damaged.bib")]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("error[bib-missing-comma]"), "{err}");
    assert!(err.contains("(key `Comma04`)"), "{err}");
    assert!(err.contains("damaged.bib:25:43"), "{err}");
    assert!(
        err.contains("25 |   title = {Missing comma after this title}"),
        "{err}"
    );
    assert!(stdout(&out).contains("error(s)"));
}

#[test]
fn check_key_pattern_flag_and_bad_usage() {
    let dir = tempfile::tempdir().unwrap();
    let out = publist(
        dir.path(),
        &[
            "check",
            "--bib",
            &bib("dirty.bib"),
            "--bib",
            &bib("strings.bib"),
            "--key-pattern",
            "^[a-z_]+$",
            "--format",
            "json",
        ],
    );
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let flagged: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "bib-key-pattern")
        .filter_map(|d| d["key"].as_str())
        .collect();
    assert!(
        flagged.contains(&"Abas05") && !flagged.contains(&"odd_key"),
        "{flagged:?}"
    );
    let out = publist(
        dir.path(),
        &["check", "--bib", &bib("dirty.bib"), "--key-pattern", "("],
    );
    assert_eq!(out.status.code(), Some(3));
    let out = publist(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(3), "no bib files is bad usage");
}

#[test]
fn export_json_csl_and_bibtex() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "export",
        "--bib",
        &bib("dirty.bib"),
        "--bib",
        &bib("strings.bib"),
    ];
    let run = |extra: &[&str]| {
        let mut a: Vec<&str> = args.to_vec();
        a.extend_from_slice(extra);
        publist(dir.path(), &a)
    };
    let out = run(&["--key", "abas05", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v[0]["journal"], "Clinical Neurophysiology");
    assert_eq!(v[0]["authors"][0]["family"], "Abásolo");

    let out = run(&["--format", "csl-json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 12);
    let abel = items.iter().find(|i| i["id"] == "Abel19").unwrap();
    assert_eq!(abel["type"], "paper-conference");
    assert_eq!(abel["author"][1]["non-dropping-particle"], "van der");
    let abas = items.iter().find(|i| i["id"] == "Abas05").unwrap();
    assert_eq!(abas["issued"]["date-parts"][0][0], 2005);
    assert_eq!(abas["DOI"], "10.1016/j.clinph.2005.04.001");
    assert_eq!(abas["PMID"], "15979403");

    let out_file = dir.path().join("clean.bib");
    let out = run(&["--format", "bibtex", "-o", out_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(&out_file).unwrap();
    assert!(
        text.contains("@inproceedings{Aswo19,"),
        "conference is normalized"
    );
    assert!(text.contains("journal = {Clinical Neurophysiology},"));
    let out = publist(
        dir.path(),
        &[
            "check",
            "--bib",
            out_file.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    let out = run(&["--key", "Nope99"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("Nope99"));
}
