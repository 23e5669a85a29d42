//! End-to-end in headless Chromium: a person page of the bundled example, filtered.
//! Skipped (with a note) when `/usr/bin/chromium` is missing, unless
//! `PUBLIST_REQUIRE_CHROMIUM=1` (set by `.ci/run`, which installs it).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::build::build_example;

const CHROMIUM: &str = "/usr/bin/chromium";

fn chromium() -> Option<PathBuf> {
    let path = PathBuf::from(CHROMIUM);
    if path.is_file() {
        return Some(path);
    }
    if std::env::var("PUBLIST_REQUIRE_CHROMIUM").is_ok_and(|v| v == "1") {
        panic!("{CHROMIUM} not found and PUBLIST_REQUIRE_CHROMIUM=1");
    }
    eprintln!("{CHROMIUM} not found: browser test not run (install Debian's chromium)");
    None
}

/// Runs headless Chromium on `url` with `extra` arguments; returns stdout.
fn run_chromium(bin: &Path, profile: &Path, extra: &[&str], url: &str) -> String {
    let out = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1200,1400",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// (visible, hidden) publication items in a DOM dump.
fn count_items(dom: &str) -> (usize, usize) {
    let mut visible = 0;
    let mut hidden = 0;
    for tag in dom.split("<li class=\"pub\"").skip(1) {
        let open = tag.split('>').next().unwrap_or("");
        if open.contains(" hidden") {
            hidden += 1;
        } else {
            visible += 1;
        }
    }
    (visible, hidden)
}

fn shown_count(dom: &str) -> String {
    dom.split("data-filter-count=\"\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or("")
        .to_string()
}

#[test]
fn filter_changes_visible_publications_and_screenshot() {
    let Some(bin) = chromium() else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let profile = tempfile::tempdir().unwrap();
    build_example(out.path());
    let page = out.path().join("people/marieke-van-der-berg/index.html");
    assert!(page.is_file());
    let url = format!("file://{}", page.display());

    let all = run_chromium(&bin, profile.path(), &["--dump-dom"], &url);
    let (visible_all, hidden_all) = count_items(&all);
    assert!(visible_all >= 5, "too few publications: {visible_all}");
    assert_eq!(hidden_all, 0, "items hidden without a filter");
    assert_eq!(shown_count(&all), visible_all.to_string());

    // The script reads ?q= into the search box, exactly as typing would.
    let filtered = run_chromium(
        &bin,
        profile.path(),
        &["--dump-dom"],
        &format!("{url}?q=emphysema"),
    );
    let (visible, hidden) = count_items(&filtered);
    assert!(
        visible >= 1 && visible < visible_all,
        "filter did not narrow: {visible} of {visible_all}"
    );
    assert_eq!(visible + hidden, visible_all);
    assert_eq!(shown_count(&filtered), visible.to_string());

    let by_type = run_chromium(
        &bin,
        profile.path(),
        &["--dump-dom"],
        &format!("{url}?type=phdthesis"),
    );
    let (visible_theses, _) = count_items(&by_type);
    assert!(visible_theses >= 1 && visible_theses < visible_all);

    let shot = out.path().join("person.png");
    run_chromium(
        &bin,
        profile.path(),
        &[&format!("--screenshot={}", shot.display())],
        &format!("{url}?q=emphysema"),
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "not a real screenshot"
    );
    // Keep a copy for humans when asked.
    if let Some(dir) = std::env::var_os("PUBLIST_SCREENSHOT_DIR") {
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::copy(&shot, Path::new(&dir).join("person-filtered.png"));
    }
}

#[test]
fn thesis_gallery_most_cited_and_badges_render() {
    let Some(bin) = chromium() else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let profile = tempfile::tempdir().unwrap();
    build_example(out.path());
    let url = format!("file://{}", out.path().join("theses/index.html").display());
    let dom = run_chromium(&bin, profile.path(), &["--dump-dom"], &url);
    assert!(dom.contains("images/theses/abas15.png"), "cover missing");
    let url = format!(
        "file://{}",
        out.path().join("most-cited/index.html").display()
    );
    let dom = run_chromium(&bin, profile.path(), &["--dump-dom"], &url);
    assert!(dom.contains("citations</span>") && dom.contains("badge-doi"));
    let shot = out.path().join("theses.png");
    let url = format!("file://{}", out.path().join("theses/index.html").display());
    run_chromium(
        &bin,
        profile.path(),
        &[&format!("--screenshot={}", shot.display())],
        &url,
    );
    assert!(std::fs::read(&shot)
        .expect("screenshot")
        .starts_with(b"\x89PNG"));
}
