//! Parse + normalize speed: `cargo bench --bench parse`.
//!
//! Reads `fullstrings.bib` and `diag.bib` from `$PUBLIST_SHARED/data` (or `../shared/data`);
//! without them, a synthetic file built from the test fixtures. Compares publist's whole load
//! (split, parse, macros, LaTeX, names, checks) with `biblatex`'s raw lexer alone on the same
//! text, the floor any loader built on it has to pay.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use publist::bib::{self, BibFile, LoadOptions};

/// The allocator the `publist` binary uses, so the numbers are the ones users get.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn inputs() -> Vec<BibFile> {
    let shared = std::env::var_os("PUBLIST_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let real = ["fullstrings.bib", "diag.bib"].map(|n| shared.join("data").join(n));
    if real.iter().all(|p| p.is_file()) {
        return real
            .iter()
            .map(|p| BibFile {
                path: p.clone(),
                text: std::fs::read_to_string(p).unwrap_or_default(),
            })
            .collect();
    }
    eprintln!("no shared data: benchmarking a synthetic file built from the fixtures");
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bib");
    let strings = std::fs::read_to_string(fixtures.join("strings.bib")).unwrap_or_default();
    let dirty = std::fs::read_to_string(fixtures.join("dirty.bib")).unwrap_or_default();
    let mut big = String::new();
    for i in 0..170 {
        big.push_str(&dirty.replace("{Abas05,", &format!("{{Abas05x{i},")));
    }
    vec![
        BibFile {
            path: "strings.bib".into(),
            text: strings,
        },
        BibFile {
            path: "synthetic.bib".into(),
            text: big,
        },
    ]
}

fn bench(c: &mut Criterion) {
    let files = inputs();
    let options = LoadOptions::default();
    let mut group = c.benchmark_group("bib");
    group.sample_size(30);
    group.bench_function("publist load (parse + normalize)", |b| {
        b.iter(|| bib::load_files(files.clone(), &options))
    });
    group.bench_function("biblatex raw lex only", |b| {
        b.iter(|| {
            files
                .iter()
                .map(|f| biblatex::RawBibliography::parse(&f.text).map_or(0, |r| r.entries.len()))
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
