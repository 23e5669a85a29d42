//! Benchmark of `publist fill` ranking at scale, on the synthetic corpus of `benches/synth`:
//! 20 projects × 1k publications (50 people), 200 × 10k (500) and 2,000 × 100k (5,000).
//!
//! ```text
//! cargo bench --bench fill                          # 1k and 10k
//! PUBLIST_BENCH_LARGE=1 cargo bench --bench fill    # also 100k (about 2 minutes)
//! cargo bench --bench fill -- fill/rank/10k         # one size
//! ```
//!
//! Criterion measures `fill/rank/<size>`: building the ranker's indexes and ranking every
//! project, which is what `publist fill` adds to loading the inputs. Before that, each size
//! prints one line with the load, index and ranking times of a single run. The target for
//! 2,000 projects × 100k publications is at most 10 s (issue 8). The 100k size is opt-in
//! because loading its inputs alone takes about 15 s on a 2-core machine.

mod synth;

use std::collections::BTreeSet;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use publist::commands::common::Inputs;
use publist::rank::Ranker;

/// Builds the ranker and ranks every project; returns the number of suggestions kept.
fn rank_all(inputs: &Inputs) -> usize {
    let mut ranker = Ranker::new(&inputs.bib, &inputs.site.people, &inputs.attribution);
    let none = BTreeSet::new();
    inputs
        .site
        .projects
        .iter()
        .map(|project| ranker.rank(project, &none).len())
        .sum()
}

fn bench(c: &mut Criterion) {
    let sizes = synth::scales();
    if sizes.len() < 3 {
        eprintln!("fill: 100k publications × 2,000 projects skipped; set PUBLIST_BENCH_LARGE=1");
    }
    let mut group = c.benchmark_group("fill");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    for (label, scale) in sizes {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => {
                eprintln!("cannot create a temporary folder: {e}");
                return;
            }
        };
        let t = Instant::now();
        let Some(inputs) = synth::load(scale, dir.path()) else {
            return;
        };
        let load_time = t.elapsed();
        let t = Instant::now();
        let ranker = Ranker::new(&inputs.bib, &inputs.site.people, &inputs.attribution);
        let index_time = t.elapsed();
        drop(ranker);
        let t = Instant::now();
        let kept = rank_all(&inputs);
        let all_time = t.elapsed();
        eprintln!(
            "fill {label}: {} publications, {} people, {} projects | load {:.2} s | index {:.2} s | index + rank all {:.2} s ({:.2} ms/project) | {kept} suggestions",
            inputs.bib.publications.len(),
            inputs.site.people.len(),
            inputs.site.projects.len(),
            load_time.as_secs_f64(),
            index_time.as_secs_f64(),
            all_time.as_secs_f64(),
            all_time.as_secs_f64() * 1000.0 / inputs.site.projects.len().max(1) as f64,
        );
        group.bench_function(format!("rank/{label}"), |b| {
            b.iter(|| black_box(rank_all(&inputs)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
