//! `publist build` on the bundled example, through the binary.

use std::path::Path;

use crate::render::tree;
use crate::support::{publist, root, stderr};

/// Builds the bundled example (repo root `publist.toml`) into `out`.
pub fn build_example(out: &Path) -> std::process::Output {
    let out_arg = out.to_string_lossy().into_owned();
    publist(&root(), &["build", "--out", &out_arg])
}

#[test]
fn example_builds_every_person_project_and_overview() {
    let dir = tempfile::tempdir().unwrap();
    let o = build_example(dir.path());
    assert!(
        matches!(o.status.code(), Some(0 | 2)),
        "exit {:?}: {}",
        o.status.code(),
        stderr(&o)
    );
    assert!(stderr(&o).contains("written"), "{}", stderr(&o));
    for slug in [
        "marieke-van-der-berg",
        "jose-abasolo",
        "lena-schroder-kovac",
        "ana-de-la-fuente",
        "tomas-novak",
        "tereza-novak",
        "ines-muller",
        "ines-müller",
        "kwame-mensah",
        "priya-raman",
        "henk-bakker",
    ] {
        let page = dir.path().join(format!("people/{slug}/index.html"));
        assert!(page.is_file(), "no page for {slug}");
        let data = dir.path().join(format!("data/people/{slug}.json"));
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&data).unwrap()).unwrap();
        assert!(json["publications"].is_array(), "{slug}: {json}");
    }
    for project in [
        "lung-cancer-screening",
        "prostate-mri",
        "computational-pathology",
        "stroke-imaging",
        "retinal-screening",
    ] {
        assert!(
            dir.path()
                .join(format!("projects/{project}/index.html"))
                .is_file(),
            "{project}"
        );
        assert!(
            dir.path()
                .join(format!("data/projects/{project}.json"))
                .is_file(),
            "{project}"
        );
    }
    let index = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
    assert!(index.contains("<h1>Example Imaging Lab</h1>"), "{index}");
    assert!(index.contains("Marieke van der Berg"));
    // The duplicate person is listed once on the overview.
    assert_eq!(index.matches(">Inés Müller</a>").count(), 1, "{index}");
    // A project person with a page is linked; an outside collaborator is not.
    let stroke =
        std::fs::read_to_string(dir.path().join("projects/stroke-imaging/index.html")).unwrap();
    assert!(
        stroke.contains("people/tomas-novak/index.html\">Tomáš Novák</a>"),
        "{stroke}"
    );
    assert!(
        stroke.contains("<li>Siobhan O&#39;Brien (University of Galway)</li>"),
        "{stroke}"
    );
}

#[test]
fn example_rebuild_is_identical_and_writes_nothing() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    build_example(a.path());
    build_example(b.path());
    assert_eq!(tree(a.path()), tree(b.path()));
    let o = build_example(a.path());
    assert!(stderr(&o).contains("written 0,"), "{}", stderr(&o));
}

#[test]
fn bad_style_exits_3_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let out_arg = dir.path().to_string_lossy().into_owned();
    let o = publist(&root(), &["build", "--out", &out_arg, "--style", "klingon"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("klingon"), "{}", stderr(&o));
}
