//! Site pages of the real DIAG website sample.

use publist::site;

#[test]
fn every_sample_page_loads_with_located_warnings() {
    let Some(shared) = crate::shared() else {
        return;
    };
    let sample = shared.join("site-sample");
    let s = site::load(&[sample.join("members")], &[sample.join("projects")]);
    assert_eq!(s.people.len(), 55);
    assert_eq!(s.projects.len(), 34);
    for d in &s.diagnostics {
        eprint!("{}", d.render_text(None));
        assert!(d.file.is_some(), "every page problem names its file: {d:?}");
    }
    let bram = s.person("bram-van-ginneken").expect("bram-van-ginneken");
    assert_eq!(bram.name, "Bram van Ginneken");
    assert_eq!(bram.orcid.as_deref(), Some("0000-0003-2028-8972"));
    assert_eq!(bram.groups, ["diag", "cara-lab"]);
    let clarisa = s.person("clarisa-sanchez").expect("clarisa-sanchez");
    assert_eq!(clarisa.pub_names, ["Clara I Sánchez"]);
    // keelin-murphy has a blank line inside its header: the fields after it still count.
    let keelin = s.person("keelin-murphy").expect("keelin-murphy");
    assert!(keelin.scholar.is_some());
    // wouter-bulten has no blank line before the body.
    assert!(s.diagnostics.iter().any(
        |d| d.code == "site-no-blank-after-header" && d.key.as_deref() == Some("wouter-bulten")
    ));
    let cxr = s.project("cxr").expect("cxr");
    assert_eq!(cxr.people[1], "Keelin Muprphy");
    assert!(s
        .diagnostics
        .iter()
        .any(|d| d.code == "site-people-list" && d.key.as_deref() == Some("cxr")));
    let afh = s.project("ai-for-health").expect("ai-for-health");
    assert!(afh.has_bibkeys_field && afh.bibkeys.is_empty());
    assert_eq!(afh.people.len(), 5);
}
