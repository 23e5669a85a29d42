//! `publist build` on the real DIAG bibliography and site sample, through the binary.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn count(out: &Path, slug: &str) -> usize {
    let path = out.join(format!("data/people/{slug}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: Value = serde_json::from_str(&text).unwrap();
    v["publications"].as_array().map_or(0, Vec::len)
}

#[test]
fn real_build_writes_every_person_and_finds_hundreds_for_the_chair() {
    let Some(shared) = crate::shared() else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let s = |rel: &str| shared.join(rel).to_string_lossy().into_owned();
    let o = Command::new(env!("CARGO_BIN_EXE_publist"))
        .current_dir(out.path())
        .args(["build", "--config", "/nonexistent-publist.toml"])
        .output()
        .unwrap();
    // A missing --config file is a config error, not a crash.
    assert_eq!(o.status.code(), Some(3));

    let o = Command::new(env!("CARGO_BIN_EXE_publist"))
        .current_dir(out.path())
        .args([
            "build",
            "--bib",
            &s("data/fullstrings.bib"),
            "--bib",
            &s("data/diag.bib"),
            "--people",
            &s("site-sample/members"),
            "--projects",
            &s("site-sample/projects"),
            "--out",
            "site",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        matches!(o.status.code(), Some(0 | 2)),
        "exit {:?}: {err}",
        o.status.code()
    );
    let site = out.path().join("site");
    for entry in std::fs::read_dir(shared.join("site-sample/members")).unwrap() {
        let path = entry.unwrap().path();
        let slug = path.file_stem().unwrap().to_string_lossy().to_lowercase();
        assert!(
            site.join(format!("people/{slug}/index.html")).is_file(),
            "no page for {slug}"
        );
        assert!(
            site.join(format!("data/people/{slug}.json")).is_file(),
            "no JSON for {slug}"
        );
    }
    let bram = count(&site, "bram-van-ginneken");
    assert!(bram >= 300, "bram-van-ginneken has only {bram}");
    assert!(count(&site, "jeroen-van-der-laak") > 100);
    assert!(count(&site, "cornelia-schaefer-prokop") > 100);
    assert!(site.join("publications/muyo14/index.html").is_file());
    let nage = std::fs::read_to_string(site.join("publications/nage13/index.html")).unwrap();
    assert!(
        nage.contains("<i class=\"venue\">Radiology</i>"),
        "RADIOLOGY macro not resolved"
    );
    assert!(
        err.contains("bram-plated") && err.contains("bram-platel"),
        "duplicate not reported"
    );
    let pubs: Value = serde_json::from_str(
        &std::fs::read_to_string(site.join("data/publications.json")).unwrap(),
    )
    .unwrap();
    assert!(pubs.as_array().unwrap().len() > 2000);

    // A rebuild writes nothing.
    let again = Command::new(env!("CARGO_BIN_EXE_publist"))
        .current_dir(out.path())
        .args([
            "build",
            "--bib",
            &s("data/fullstrings.bib"),
            "--bib",
            &s("data/diag.bib"),
            "--people",
            &s("site-sample/members"),
            "--projects",
            &s("site-sample/projects"),
            "--out",
            "site",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stderr).contains("written 0,"));
}
