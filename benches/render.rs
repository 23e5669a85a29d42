//! Render speed on the synthetic corpus of `benches/synth`: every page and data file of
//! `publist build`, at 1k entries / 50 people / 20 projects and 10k / 500 / 200.
//!
//! ```text
//! cargo bench --bench render
//! PUBLIST_BENCH_LARGE=1 cargo bench --bench render   # also 100k / 5,000 / 2,000
//! ```
//!
//! Two cases per size: `rebuild` renders into a folder that already holds the same output
//! (every file rendered and compared, none written: the usual CI run), and `first` renders
//! into an empty folder (every file written through the batched writer: one `syncfs`). The
//! `first` case includes the disk, so it is noisy on a shared machine.

mod synth;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use publist::commands::common::{load_inputs, Inputs};
use publist::config::{Config, Overrides};
use publist::render;

/// The sizes to run: 100k only when `PUBLIST_BENCH_LARGE` is set (a sample takes seconds).
fn scales() -> Vec<(&'static str, synth::Scale)> {
    let mut scales = vec![("1k", synth::Scale::SMALL), ("10k", synth::Scale::MEDIUM)];
    if std::env::var_os("PUBLIST_BENCH_LARGE").is_some() {
        scales.push(("100k", synth::Scale::LARGE));
    }
    scales
}

/// Writes the corpus of one size and loads it (parse + site + attribution).
fn load(scale: synth::Scale, dir: &std::path::Path) -> Option<Inputs> {
    let corpus = synth::generate(scale, 42);
    let config_path = synth::write(&corpus, dir)
        .map_err(|e| eprintln!("cannot write the corpus: {e}"))
        .ok()?;
    let overrides = Overrides {
        config: Some(config_path),
        ..Overrides::default()
    };
    let config = Config::load(&overrides)
        .map_err(|e| eprintln!("config: {e}"))
        .ok()?;
    Some(load_inputs(config))
}

/// One build of `inputs` into `out`; the number of files written.
fn build(inputs: &Inputs, out: &std::path::Path) -> usize {
    let mut config = inputs.config.clone();
    config.out_dir = out.to_path_buf();
    match render::build(&inputs.bib, &inputs.site, &inputs.attribution, &config) {
        Ok(report) => report.counts.written,
        Err(e) => {
            eprintln!("build failed: {e}");
            0
        }
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("render");
    group.sample_size(10);
    group.warm_up_time(std::time::Duration::from_secs(1));
    for (label, scale) in scales() {
        let Ok(dir) = tempfile::tempdir() else {
            eprintln!("no temporary folder");
            return;
        };
        let Some(inputs) = load(scale, dir.path()) else {
            return;
        };
        let out = dir.path().join("rebuild");
        build(&inputs, &out);
        group.bench_with_input(BenchmarkId::new("rebuild", label), &inputs, |b, inputs| {
            b.iter(|| build(inputs, &out))
        });
        group.bench_with_input(BenchmarkId::new("first", label), &inputs, |b, inputs| {
            b.iter_batched(
                || tempfile::tempdir_in(dir.path()).ok(),
                // The folder goes back to criterion, which drops (deletes) it untimed.
                |fresh| {
                    let written = fresh.as_ref().map(|f| build(inputs, &f.path().join("out")));
                    (fresh, written)
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
