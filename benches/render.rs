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
use publist::commands::common::Inputs;
use publist::render;

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
    for (label, scale) in synth::scales() {
        let Ok(dir) = tempfile::tempdir() else {
            eprintln!("no temporary folder");
            return;
        };
        let Some(inputs) = synth::load(scale, dir.path()) else {
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
