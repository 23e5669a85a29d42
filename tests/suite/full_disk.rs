//! A full disk: `build` into, and `fill --write` on, a small tmpfs. The command exits
//! non-zero with an error naming the file and saying there is no space left; no temporary or
//! half-written file stays behind; every file is byte-identical to its state before the run
//! or to what an uninterrupted run writes; the user's other files are untouched.
//!
//! The tmpfs is mounted in a private mount namespace (`unshare --mount`, or with
//! `--user --map-root-user` when not root), so nothing stays mounted after the test. Where
//! neither works the test is skipped with a message, unless `PUBLIST_REQUIRE_TMPFS=1`
//! (set by `.ci/run`), which makes it fail instead.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::hostile::files_under;
use crate::support::{publist, stderr};

/// What the script inside the namespace reported.
struct Inside {
    code: Option<i32>,
    /// Stdout and stderr: what the user sees on the terminal.
    stderr: String,
}

/// Runs `script` in a private mount namespace with a tmpfs of `size` at `$MNT`, then
/// `publist ARGS…` (an argument `@MNT@` stands for the tmpfs); the tmpfs's contents are copied
/// to `copy` before the namespace goes away. `None` when no tmpfs can be mounted here.
fn in_tmpfs(
    size: &str,
    script: &str,
    args: &[&str],
    env: &[(&str, &Path)],
    copy: &Path,
) -> Option<Inside> {
    let work = tempfile::tempdir().unwrap();
    let mnt = work.path().join("mnt");
    std::fs::create_dir_all(&mnt).unwrap();
    std::fs::create_dir_all(copy).unwrap();
    let err_file = work.path().join("stderr.txt");
    let full = format!(
        "mount -t tmpfs -o size={size} tmpfs \"$MNT\" || exit 97\n\
         set -e\n{script}\nset +e\n\
         for a in \"$@\"; do shift; [ \"$a\" = @MNT@ ] && a=\"$MNT\"; set -- \"$@\" \"$a\"; done\n\
         \"$PUBLIST_BIN\" \"$@\" >\"$ERR\" 2>&1\n\
         echo \"exit=$?\"\n\
         cp -a \"$MNT/.\" \"$COPY/\"\n"
    );
    let root = nix_is_root();
    let mut attempts: Vec<Vec<&str>> = Vec::new();
    if root {
        attempts.push(vec!["--mount"]);
    }
    attempts.push(vec!["--user", "--map-root-user", "--mount"]);
    for flags in attempts {
        let mut cmd = Command::new("unshare");
        cmd.args(&flags)
            .args(["sh", "-c", &full, "sh"])
            .args(args)
            .env("MNT", &mnt)
            .env("COPY", copy)
            .env("ERR", &err_file)
            .env("PUBLIST_BIN", env!("CARGO_BIN_EXE_publist"));
        for service in [
            "CROSSREF", "PUBMED", "OPENALEX", "S2", "ARXIV", "ORCID", "DOI",
        ] {
            cmd.env(format!("PUBLIST_{service}_URL"), "http://127.0.0.1:9");
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let Ok(out) = cmd.output() else { continue };
        if out.status.code() == Some(97) || !out.status.success() && out.stdout.is_empty() {
            eprintln!(
                "unshare {flags:?}: no tmpfs ({:?}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
            continue;
        }
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let Some(code) = text
            .lines()
            .find_map(|l| l.strip_prefix("exit="))
            .and_then(|c| c.trim().parse().ok())
        else {
            panic!(
                "the script in the tmpfs failed ({:?}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        };
        return Some(Inside {
            code: Some(code),
            stderr: std::fs::read_to_string(&err_file).unwrap_or_default(),
        });
    }
    None
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn skip_or_fail(what: &str) {
    let reason = format!("{what}: skipped, cannot mount a tmpfs here (neither `unshare --mount` as root nor `unshare --user --map-root-user --mount` worked)");
    if std::env::var("PUBLIST_REQUIRE_TMPFS").is_ok_and(|v| v == "1") {
        panic!("{reason}; PUBLIST_REQUIRE_TMPFS=1");
    }
    eprintln!("{reason}");
}

fn as_map(files: Vec<(PathBuf, Vec<u8>)>) -> BTreeMap<PathBuf, Vec<u8>> {
    files.into_iter().collect()
}

fn write_inputs(dir: &Path, entries: usize) {
    let mut bib = String::new();
    for i in 0..entries {
        bib.push_str(&format!(
            "@article{{Verb{i:04},\n  author = {{Verbeek, Anna}},\n  title = {{Lung nodule detection study {i}}},\n  journal = {{Example Journal}},\n  year = {{{}}},\n  abstract = {{{}}},\n}}\n\n",
            2000 + i % 20,
            "We evaluate a detection method on a large cohort. ".repeat(20)
        ));
    }
    std::fs::write(dir.join("refs.bib"), bib).unwrap();
    std::fs::create_dir_all(dir.join("people")).unwrap();
    std::fs::create_dir_all(dir.join("projects")).unwrap();
    std::fs::write(
        dir.join("people/anna-verbeek.md"),
        "title: Anna Verbeek\nname: Anna Verbeek\ngroups: diag\n\nBio.\n",
    )
    .unwrap();
}

#[test]
fn build_into_a_full_disk_fails_clearly_and_leaves_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_inputs(d, 300);
    // The uninterrupted build, on a roomy disk: what each output file must be, if present.
    let reference = publist(
        d,
        &[
            "build",
            "--bib",
            "refs.bib",
            "--people",
            "people",
            "--projects",
            "projects",
            "--out",
            "reference",
        ],
    );
    assert_eq!(reference.status.code(), Some(0), "{}", stderr(&reference));
    let expected = as_map(files_under(&d.join("reference")));
    let inputs_before = as_map(files_under(d));
    let copy = d.join("copy");
    let args = [
        "build",
        "--bib",
        "refs.bib",
        "--people",
        "people",
        "--projects",
        "projects",
        "--out",
        "@MNT@",
    ];
    let Some(inside) = in_tmpfs("256k", "cd \"$SITE\"", &args, &[("SITE", d)], &copy) else {
        skip_or_fail("build into a full disk");
        return;
    };
    let err = inside.stderr;
    eprintln!("exit {:?}:\n{err}", inside.code);
    assert_ne!(inside.code, Some(0), "{err}");
    assert!(
        err.to_lowercase().contains("no space left"),
        "no 'no space left' in: {err}"
    );
    assert!(err.contains("cannot write "), "no file named: {err}");
    let left = as_map(files_under(&copy));
    // Files may or may not be in place (the batch writer stages all before renaming any);
    // whatever is there is whole.
    for (p, bytes) in &left {
        assert!(
            !p.to_string_lossy().contains(".publist-tmp-"),
            "temporary file left: {}",
            p.display()
        );
        if p.to_string_lossy() == ".publist-manifest" {
            continue;
        }
        assert_eq!(
            Some(bytes),
            expected.get(p),
            "{} is not what a full build writes (partial?)",
            p.display()
        );
    }
    // The inputs are untouched.
    let inputs_after: BTreeMap<PathBuf, Vec<u8>> = as_map(files_under(d))
        .into_iter()
        .filter(|(p, _)| !p.starts_with("copy"))
        .collect();
    assert_eq!(inputs_before, inputs_after);
}

#[test]
fn fill_write_on_a_full_disk_fails_clearly_and_keeps_every_page_whole() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_inputs(d, 40);
    let notes = "curated notes ".repeat(4_000);
    for p in 0..4 {
        std::fs::write(
            d.join(format!("projects/lung-{p}.md")),
            format!("title: Lung nodules {p}\npeople: Anna Verbeek\nnotes: {notes}\ndescription: Lung nodule detection\n\nBody.\n"),
        )
        .unwrap();
    }
    let before = as_map(files_under(&d.join("projects")));
    // The uninterrupted run on a copy.
    let reference = d.join("reference");
    std::fs::create_dir_all(&reference).unwrap();
    for f in ["refs.bib", "people/anna-verbeek.md"] {
        std::fs::create_dir_all(reference.join(f).parent().unwrap()).unwrap();
        std::fs::copy(d.join(f), reference.join(f)).unwrap();
    }
    std::fs::create_dir_all(reference.join("projects")).unwrap();
    for (p, b) in &before {
        std::fs::write(reference.join("projects").join(p), b).unwrap();
    }
    let args = [
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
    ];
    let r = publist(&reference, &args);
    assert!(matches!(r.status.code(), Some(0 | 2)), "{}", stderr(&r));
    let after = as_map(files_under(&reference.join("projects")));
    assert_ne!(before, after, "fill proposed nothing");

    // On the tmpfs: the pages, then a file that takes all but 8 KiB of the space.
    let copy = d.join("copy");
    let script = "cp -a \"$SITE/refs.bib\" \"$SITE/people\" \"$SITE/projects\" \"$MNT/\"\n\
                  dd if=/dev/zero of=\"$MNT/filler\" bs=4k 2>/dev/null || true\n\
                  truncate -s -8k \"$MNT/filler\"\n\
                  cd \"$MNT\"";
    let Some(inside) = in_tmpfs("512k", script, &args, &[("SITE", d)], &copy) else {
        skip_or_fail("fill --write on a full disk");
        return;
    };
    let err = inside.stderr;
    eprintln!("exit {:?}:\n{err}", inside.code);
    assert_ne!(inside.code, Some(0), "{err}");
    assert!(
        err.to_lowercase().contains("no space left"),
        "no 'no space left' in: {err}"
    );
    assert!(err.contains("projects/lung-"), "no page named: {err}");
    let left = as_map(files_under(&copy.join("projects")));
    assert_eq!(
        left.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>(),
        "temporary or extra files left"
    );
    for (p, bytes) in &left {
        assert!(
            Some(bytes) == before.get(p) || Some(bytes) == after.get(p),
            "{} is neither its old nor its new state",
            p.display()
        );
    }
    assert!(
        left.iter().any(|(p, b)| Some(b) == before.get(p)),
        "every page was written: the disk was not full"
    );
}
