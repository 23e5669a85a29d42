//! Crash safety: `kill -9` during `enrich --write`, `fill --write`, `apply` and `build`.
//!
//! Each test makes inputs large enough that the command writes for a while, runs it once
//! uninterrupted on a copy (the reference), then again and again from the same starting state,
//! killing it at different moments: right after the first change appears on disk (plus a few
//! delays, to land inside a write of a multi-megabyte file), and at fractions of the
//! reference run's duration. After every kill:
//! - every file is byte-identical to its state before or after the run (or absent when it
//!   was absent before or after); the only other files allowed are the hidden temporary files
//!   of atomic writes (`.publist-tmp-*`), which never carry a file's name, and the files in
//!   the hidden temporary twin of an output folder that a first build creates;
//! - the store passes `PRAGMA integrity_check`;
//! - a rerun completes and leaves exactly what the uninterrupted run left (no temporary file).
//!
//! A writer that wrote in place would be caught: the kill right after the first change lands
//! inside its write of a multi-megabyte file and leaves a file that is neither state.
//! `cargo test` kills each command once, on inputs a tenth the size; `.ci/run` runs the
//! "kill tests" step with `PUBLIST_KILL_FULL=1 cargo test --test suite kill::`: 24 MB files
//! and a kill at every moment listed.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use publist::model::{Candidate, CandidateAuthor, Doi, Kind, Name, Pmid, Service};
use publist::store::{BatchRecord, LookupResult, Store};

/// Every file under `dir` (links are not followed), relative path → bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(dir).into_iter().flatten() {
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
            if let Ok(bytes) = std::fs::read(e.path()) {
                out.insert(rel, bytes);
            }
        }
    }
    out
}

fn copy_tree(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    for e in walkdir::WalkDir::new(from).into_iter().flatten() {
        let rel = e.path().strip_prefix(from).unwrap();
        let target = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// A temporary file, or a file inside the hidden temporary twin of a new output folder.
fn is_temp(p: &Path) -> bool {
    p.components()
        .any(|c| c.as_os_str().to_string_lossy().starts_with(".publist-tmp-"))
}

/// (name, length, mtime) of every entry of the watched folders: what "a change" means.
fn fingerprint(dirs: &[PathBuf]) -> BTreeSet<(PathBuf, u64, Option<SystemTime>)> {
    let mut out = BTreeSet::new();
    for d in dirs {
        if let Ok(rd) = std::fs::read_dir(d) {
            for e in rd.flatten() {
                let m = e.metadata().ok();
                out.insert((
                    e.path(),
                    m.as_ref().map_or(0, |m| m.len()),
                    m.and_then(|m| m.modified().ok()),
                ));
            }
        }
    }
    out
}

/// When to kill.
#[derive(Debug, Clone, Copy)]
enum When {
    /// This long after the first change in the watched folders.
    AfterFirstChange(Duration),
    /// This fraction of the reference run's duration after the start.
    Fraction(f64),
}

/// For commands that write at the end (enrich, apply): inside and between the writes.
const AT_WRITES: &[When] = &[
    When::AfterFirstChange(Duration::ZERO),
    When::AfterFirstChange(Duration::from_millis(1)),
    When::AfterFirstChange(Duration::from_millis(3)),
    When::AfterFirstChange(Duration::from_millis(10)),
];

/// For commands that write as they go (fill, build): also along the whole run.
const ALONG: &[When] = &[
    When::AfterFirstChange(Duration::ZERO),
    When::AfterFirstChange(Duration::from_millis(2)),
    When::Fraction(0.5),
    When::Fraction(0.8),
    When::Fraction(0.95),
];

/// One command under test.
struct Case<'a> {
    name: &'a str,
    /// The starting state (copied for every run).
    template: &'a Path,
    args: &'a [&'a str],
    /// Folders (relative) whose entries are watched for the first change.
    watch: &'a [&'a str],
    /// The store (relative), checked with `PRAGMA integrity_check` after each kill.
    store: Option<&'a str>,
    /// When to kill, one run each.
    when: &'a [When],
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_publist"));
    cmd.current_dir(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for service in [
        "CROSSREF", "PUBMED", "OPENALEX", "S2", "ARXIV", "ORCID", "DOI",
    ] {
        cmd.env(format!("PUBLIST_{service}_URL"), "http://127.0.0.1:9");
    }
    cmd.env_remove("GITHUB_ACTIONS");
    cmd
}

/// Runs to the end; returns the exit code and the time it took.
fn run_through(dir: &Path, args: &[&str]) -> (Option<i32>, Duration) {
    let start = Instant::now();
    let out = command(dir, args).output().unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 2)),
        "{args:?}: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), start.elapsed())
}

/// What one kill left.
#[derive(Debug, Default)]
struct Outcome {
    /// Files in their "after" state, in their "before" state (and differing), temp files.
    after: usize,
    before: usize,
    temps: usize,
}

/// Runs the command and kills it as `when` says.
fn run_and_kill(case: &Case, dir: &Path, when: When, reference: Duration) -> bool {
    let watch: Vec<PathBuf> = case.watch.iter().map(|w| dir.join(w)).collect();
    let initial = fingerprint(&watch);
    let start = Instant::now();
    let mut child = command(dir, case.args)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = match when {
        When::Fraction(f) => Some(start + reference.mul_f64(f)),
        When::AfterFirstChange(_) => None,
    };
    let mut kill_at = deadline;
    loop {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        let now = Instant::now();
        if kill_at.is_some_and(|k| now >= k) {
            break;
        }
        if let (When::AfterFirstChange(d), None) = (when, kill_at) {
            if fingerprint(&watch) != initial {
                if d.is_zero() {
                    break;
                }
                kill_at = Some(Instant::now() + d);
            }
        }
        if now - start > reference * 20 + Duration::from_secs(30) {
            panic!("{}: no change seen while it ran", case.name);
        }
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    // Killed, not exited: a process that finished in the meantime reports an exit code.
    status.code().is_none()
}

/// Checks one kill's leftovers against the states before and after.
fn check_leftovers(
    case: &Case,
    when: When,
    dir: &Path,
    before: &BTreeMap<PathBuf, Vec<u8>>,
    after: &BTreeMap<PathBuf, Vec<u8>>,
) -> Outcome {
    let now = snapshot(dir);
    let mut o = Outcome::default();
    let paths: BTreeSet<&PathBuf> = before
        .keys()
        .chain(after.keys())
        .chain(now.keys())
        .collect();
    for p in paths {
        if p.to_string_lossy().contains("store.sqlite") {
            continue;
        }
        let cur = now.get(p);
        if cur.is_some() && is_temp(p) && !before.contains_key(p) {
            o.temps += 1;
            continue;
        }
        let (b, a) = (before.get(p), after.get(p));
        assert!(
            cur == b || cur == a,
            "{} killed at {when:?}: {} is neither its before ({} bytes) nor its after ({} bytes) state: {} bytes",
            case.name,
            p.display(),
            b.map_or(0, Vec::len),
            a.map_or(0, Vec::len),
            cur.map_or(0, Vec::len),
        );
        if b != a {
            if cur == a {
                o.after += 1;
            } else {
                o.before += 1;
            }
        }
    }
    if let Some(store) = case.store {
        let path = dir.join(store);
        if path.exists() {
            let s = Store::open(&path).unwrap();
            assert_eq!(
                s.integrity_check().unwrap(),
                "ok",
                "{} at {when:?}",
                case.name
            );
        }
    }
    o
}

/// The whole scenario for one command; returns a line per kill for the reliability table.
fn kill_scenario(case: &Case) -> Vec<String> {
    let work = tempfile::tempdir().unwrap();
    let reference_dir = work.path().join("reference");
    copy_tree(case.template, &reference_dir);
    let before = snapshot(&reference_dir);
    let (code, took) = run_through(&reference_dir, case.args);
    let after = snapshot(&reference_dir);
    assert_ne!(before, after, "{}: the command changed nothing", case.name);
    assert!(
        after.keys().all(|p| !is_temp(p)),
        "{}: temporary files left by an uninterrupted run",
        case.name
    );
    let mut lines = Vec::new();
    let mut mid_work = 0;
    let whens: Vec<When> = if full() {
        case.when.to_vec()
    } else {
        vec![case.when[0]]
    };
    for (i, &when) in whens.iter().enumerate() {
        let dir = work.path().join(format!("run{i}"));
        copy_tree(case.template, &dir);
        let killed = run_and_kill(case, &dir, when, took);
        let o = check_leftovers(case, when, &dir, &before, &after);
        if killed && (o.after > 0 || o.temps > 0) {
            mid_work += 1;
        }
        // The rerun finishes the work and leaves what an uninterrupted run leaves.
        let (again, _) = run_through(&dir, case.args);
        assert_eq!(again, code, "{} rerun after {when:?}", case.name);
        let rerun = snapshot(&dir);
        let differing: Vec<&PathBuf> = after
            .keys()
            .chain(rerun.keys())
            .filter(|p| !p.to_string_lossy().contains("store.sqlite"))
            .filter(|p| after.get(*p) != rerun.get(*p))
            .collect();
        assert!(
            differing.is_empty(),
            "{}: the rerun after a kill at {when:?} differs from an uninterrupted run: {differing:?}",
            case.name
        );
        lines.push(format!(
            "{} killed at {when:?} (killed: {killed}): {} files in the after state, {} in the before state, {} temporary files; rerun equal",
            case.name, o.after, o.before, o.temps
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(
        mid_work > 0,
        "{}: no kill landed while work was in progress: {lines:#?}",
        case.name
    );
    for l in &lines {
        eprintln!("{l}");
    }
    lines
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const TOPICS: &[&str] = &[
    "lung nodule detection in chest CT",
    "prostate cancer MRI segmentation",
    "retinal fundus image screening",
    "stroke perfusion imaging",
    "digital pathology whole slide classification",
    "breast cancer mammography triage",
];

/// A long abstract so the bib file is megabytes, as a big group's is.
fn filler(i: usize, words: usize) -> String {
    let base = [
        "we",
        "evaluate",
        "a",
        "method",
        "on",
        "a",
        "large",
        "retrospective",
        "cohort",
        "with",
        "external",
        "validation",
        "and",
        "reader",
        "study",
    ];
    (0..words)
        .map(|w| base[(w * 7 + i) % base.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

/// `.ci/run` sets `PUBLIST_KILL_FULL=1`: big inputs, a kill at every moment listed.
/// `cargo test` alone: inputs a tenth the size, one kill (right after the first change).
fn full() -> bool {
    std::env::var("PUBLIST_KILL_FULL").is_ok_and(|v| v == "1")
}

/// `n` scaled down for a plain `cargo test`.
fn scaled(n: usize) -> usize {
    if full() {
        n
    } else {
        n / 10
    }
}

/// One entry with a 24 MB abstract (2.4 MB without `PUBLIST_KILL_FULL`): every write of its file takes long enough that a kill
/// right after the write starts lands inside it (an in-place writer would leave half a file).
fn huge_entry(key: &str) -> String {
    format!(
        "@article{{{key},\n  author = {{Verbeek, Anna}},\n  title = {{A study with a very long abstract}},\n  journal = {{Example Journal}},\n  year = {{2020}},\n  abstract = {{{}}},\n}}\n\n",
        "lorem ipsum dolor sit amet ".repeat(scaled(24 * 1024 * 1024) / 27)
    )
}

fn entry(key: &str, i: usize, title: &str, extra: &str) -> String {
    format!(
        "@article{{{key},\n  author = {{Verbeek, Anna and Lin, Bo}},\n  title = {{{title}}},\n  journal = {{Example Journal}},\n  year = {{{}}},\n  doi = {{10.5555/kill.{i}}},\n{extra}  abstract = {{{}}},\n}}\n\n",
        2000 + i % 25,
        filler(i, 90)
    )
}

#[test]
fn kill_during_enrich_write() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let n = scaled(2000);
    let mut big = huge_entry("Huge00");
    for i in 0..n {
        big.push_str(&entry(
            &format!("Verb{i:05}"),
            i,
            &format!("Work {i} on {}", TOPICS[i % TOPICS.len()]),
            "",
        ));
    }
    write(&t.join("bib/big.bib"), &big);
    let mut small = String::new();
    for i in n..n + 50 {
        small.push_str(&entry(&format!("Verb{i:05}"), i, &format!("Work {i}"), ""));
    }
    write(&t.join("bib/small.bib"), &small.replace('\n', "\r\n"));
    write(
        &t.join("publist.toml"),
        "[bib]\nfiles = [\"bib/big.bib\", \"bib/small.bib\"]\nkey_pattern = \".*\"\n[store]\npath = \"store.sqlite\"\n",
    );
    let store = Store::open(&t.join("store.sqlite")).unwrap();
    let lookups = (0..n + 50)
        .map(|i| {
            let title = if i < n {
                format!("Work {i} on {}", TOPICS[i % TOPICS.len()])
            } else {
                format!("Work {i}")
            };
            LookupResult {
                lookup: format!("doi:10.5555/kill.{i}"),
                kind: "doi".into(),
                candidates: vec![Candidate {
                    source: Some(Service::Crossref),
                    retrieved: "2026-12-01T08:00:00Z".into(),
                    title,
                    year: Some(2000 + (i % 25) as i32),
                    authors: vec![CandidateAuthor {
                        name: Name {
                            given: "Anna".into(),
                            family: "Verbeek".into(),
                            ..Name::default()
                        },
                        orcid: None,
                    }],
                    kind: Some(Kind::Article),
                    volume: Some(format!("{}", 10 + i % 30)),
                    issue: Some("2".into()),
                    pages: Some(format!("{}--{}", 100 + i, 110 + i)),
                    ids: publist::model::Ids {
                        doi: Doi::parse(&format!("10.5555/kill.{i}")),
                        pmid: Some(Pmid(30_000_000 + i as u64)),
                        ..Default::default()
                    },
                    ..Candidate::default()
                }],
            }
        })
        .collect();
    store
        .record(
            Service::Crossref,
            1_764_576_000,
            &BatchRecord {
                responses: Vec::new(),
                lookups,
            },
        )
        .unwrap();
    drop(store);
    kill_scenario(&Case {
        name: "enrich --write",
        template: t,
        args: &["enrich", "--write", "--offline"],
        watch: &["bib"],
        store: Some("store.sqlite"),
        when: AT_WRITES,
    });
}

#[test]
fn kill_during_apply() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let mut big = huge_entry("Huge00");
    for i in 0..scaled(2000) {
        big.push_str(&entry(&format!("Verb{i:05}"), i, &format!("Work {i}"), ""));
    }
    write(&t.join("bib/big.bib"), &big);
    let mut review = String::from("# Review\n\n## anna-verbeek\n\n");
    for i in 0..scaled(400) {
        let mark = if i % 4 == 3 { "-" } else { "x" };
        review.push_str(&format!(
            "- [{mark}] **New work number {i} on {}** ({}) — new\n  - ids: `doi:10.5555/new.{i}`\n  - authors: Verbeek, Anna; Lin, Bo\n  - venue: Example Journal\n  - type: article\n",
            TOPICS[i % TOPICS.len()],
            2010 + i % 15
        ));
    }
    write(&t.join("review.md"), &review);
    write(
        &t.join("publist.toml"),
        "[bib]\nfiles = [\"bib/big.bib\"]\n[store]\npath = \"store.sqlite\"\n[discover]\nignore = \"lists/publist.ignore\"\n",
    );
    write(&t.join("lists/publist.ignore"), "# rejected works\n");
    kill_scenario(&Case {
        name: "apply",
        template: t,
        args: &["apply", "review.md"],
        watch: &["bib", "lists"],
        store: Some("store.sqlite"),
        when: AT_WRITES,
    });
}

#[test]
fn kill_during_fill_write() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let mut bib = String::new();
    for i in 0..scaled(300) {
        bib.push_str(&entry(
            &format!("Verb{i:05}"),
            i,
            &format!("{} study {i}", TOPICS[i % TOPICS.len()]),
            "",
        ));
    }
    write(&t.join("refs.bib"), &bib);
    write(
        &t.join("people/anna-verbeek.md"),
        "title: Anna Verbeek\nname: Anna Verbeek\ngroups: diag\n\nBio.\n",
    );
    // One page with 24 MB of notes in its header: its write takes long enough to be hit.
    for p in 0..12 {
        let notes = if p == 0 {
            "curated notes ".repeat(scaled(24 * 1024 * 1024) / 14)
        } else {
            "curated notes".to_string()
        };
        let topic = TOPICS[p % TOPICS.len()];
        let eol = if p % 3 == 0 { "\r\n" } else { "\n" };
        let text = match p % 3 {
            0 => format!("title: Project {p}: {topic}\npeople: Anna Verbeek\ngroups: diag\nnotes: {notes}\ndescription: {topic}\n\nWe work on {topic}.\n"),
            1 => format!("---\ntitle: \"Project {p}: {topic}\"\npeople: Anna Verbeek\ngroups: [diag]\nnotes: \"{notes}\"\ndescription: \"{topic}\"\n---\n\nWe work on {topic}.\n"),
            _ => format!("+++\ntitle = \"Project {p}: {topic}\"\npeople = \"Anna Verbeek\"\ngroups = [\"diag\"]\nnotes = \"{notes}\"\ndescription = \"{topic}\"\n+++\n\nWe work on {topic}.\n"),
        };
        write(
            &t.join(format!("projects/project-{p:02}.md")),
            &text.replace('\n', eol),
        );
    }
    kill_scenario(&Case {
        name: "fill --write",
        template: t,
        args: &[
            "fill",
            "--bib",
            "refs.bib",
            "--people",
            "people",
            "--projects",
            "projects",
            "--write",
            "--min-score",
            "0",
            "--max",
            "5",
        ],
        watch: &["projects"],
        store: None,
        when: ALONG,
    });
}

#[test]
fn kill_during_build() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let v1: String = (0..scaled(800))
        .map(|i| {
            entry(
                &format!("Verb{i:05}"),
                i,
                &format!("Work {i} on {}", TOPICS[i % TOPICS.len()]),
                "",
            )
        })
        .collect();
    // The second version: every title changed, some entries gone, some new.
    let v2: String = (scaled(100)..scaled(900))
        .map(|i| {
            entry(
                &format!("Verb{i:05}"),
                i,
                &format!("Revised work {i} on {}", TOPICS[i % TOPICS.len()]),
                "",
            )
        })
        .collect();
    write(
        &t.join("refs.bib"),
        &format!("{}{v1}", huge_entry("Huge00")),
    );
    write(
        &t.join("people/anna-verbeek.md"),
        "title: Anna Verbeek\nname: Anna Verbeek\ngroups: diag, pathology\n\nBio.\n",
    );
    write(
        &t.join("projects/lungs.md"),
        "title: Lungs\npeople: Anna Verbeek\nbibkeys: Verb00100, Verb00200\n\nBody.\n",
    );
    let args = [
        "build",
        "--bib",
        "refs.bib",
        "--people",
        "people",
        "--projects",
        "projects",
        "--out",
        "out",
    ];
    run_through(t, &args);
    let v2 = format!(
        "{}{v2}",
        huge_entry("Huge00").replace("very long", "revised, very long")
    );
    std::fs::write(t.join("refs.bib"), &v2).unwrap();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(t.join("people/anna-verbeek.md"))
        .unwrap();
    writeln!(f, "More bio.").unwrap();
    kill_scenario(&Case {
        name: "build",
        template: t,
        args: &args,
        watch: &[
            "out",
            "out/publications",
            "out/people/anna-verbeek",
            "out/data",
        ],
        store: None,
        when: ALONG,
    });
}

/// A first build creates its output folder under a hidden name and renames it into place at
/// the end: killed, it leaves no `out` (or the whole of it), and the next run removes the
/// dead run's twin.
#[test]
fn kill_during_first_build() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let bib: String = (0..scaled(800))
        .map(|i| {
            entry(
                &format!("Verb{i:05}"),
                i,
                &format!("Work {i} on {}", TOPICS[i % TOPICS.len()]),
                "",
            )
        })
        .collect();
    write(
        &t.join("refs.bib"),
        &format!("{}{bib}", huge_entry("Huge00")),
    );
    write(
        &t.join("people/anna-verbeek.md"),
        "title: Anna Verbeek\nname: Anna Verbeek\ngroups: diag, pathology\n\nBio.\n",
    );
    let args = [
        "build", "--bib", "refs.bib", "--people", "people", "--out", "out",
    ];
    kill_scenario(&Case {
        name: "first build",
        template: t,
        args: &args,
        watch: &["."],
        store: None,
        // The twin folder appears when rendering starts; a moment later pages are being
        // written into it.
        when: &[
            When::AfterFirstChange(Duration::from_millis(20)),
            When::Fraction(0.3),
            When::Fraction(0.6),
            When::Fraction(0.9),
        ],
    });
}
