//! Attribution speed on the synthetic corpus of `benches/synth`: who wrote what, for every
//! publication and person, at 1k entries / 50 people / 20 projects and 10k / 500 / 200.
//!
//! ```text
//! cargo bench --bench attribute
//! PUBLIST_BENCH_LARGE=1 cargo bench --bench attribute   # also 100k / 5,000 / 2,000
//! ```
//!
//! Attribution indexes people by normalized family name, so its cost grows with the number
//! of author names, not with people × publications: compare the three sizes (each 10× the
//! last in both publications and people; a quadratic stage would grow 100× per step).

mod synth;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use publist::attribute;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("attribute");
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
        group.bench_with_input(BenchmarkId::from_parameter(label), &inputs, |b, inputs| {
            b.iter(|| attribute::attribute_site(&inputs.bib, &inputs.site, &inputs.config))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
