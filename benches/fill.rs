//! Benchmark of `publist fill` ranking at scale: 2,000 project pages against 100,000
//! publications (and the smaller sizes), on the synthetic corpus of `benches/synth`.
//!
//! ```text
//! cargo bench --bench fill            # all sizes
//! cargo bench --bench fill -- large   # 100k publications, 5,000 people, 2,000 projects
//! ```
//!
//! Printed per size: loading (parse + site + attribution, shared with every command),
//! building the ranker's indexes, and ranking every project. The target for the large size
//! is under 10 s for index + ranking in a release build.

mod synth;

use std::collections::BTreeSet;
use std::time::Instant;

use publist::commands::common::load_inputs;
use publist::config::{Config, Overrides};
use publist::rank::Ranker;

fn run(label: &str, scale: synth::Scale) {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("cannot create a temporary folder: {e}");
            return;
        }
    };
    let corpus = synth::generate(scale, 42);
    let config_path = match synth::write(&corpus, dir.path()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("cannot write the corpus: {e}");
            return;
        }
    };
    let overrides = Overrides {
        config: Some(config_path),
        ..Overrides::default()
    };
    let config = match Config::load(&overrides) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("config: {e}");
            return;
        }
    };
    let t = Instant::now();
    let inputs = load_inputs(config);
    let load = t.elapsed();
    let t = Instant::now();
    let mut ranker = Ranker::new(&inputs.bib, &inputs.site.people, &inputs.attribution);
    let index = t.elapsed();
    let t = Instant::now();
    let mut proposals = 0usize;
    for project in &inputs.site.projects {
        proposals += ranker.rank(project, &BTreeSet::new()).len().min(10);
    }
    let rank = t.elapsed();
    println!(
        "{label}: {} publications, {} people, {} projects | load {:.2} s | index {:.2} s | rank all {:.2} s ({:.2} ms/project) | {} proposals",
        inputs.bib.publications.len(),
        inputs.site.people.len(),
        inputs.site.projects.len(),
        load.as_secs_f64(),
        index.as_secs_f64(),
        rank.as_secs_f64(),
        rank.as_secs_f64() * 1000.0 / inputs.site.projects.len().max(1) as f64,
        proposals
    );
}

fn main() {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    for (name, scale) in [
        ("small", synth::Scale::SMALL),
        ("medium", synth::Scale::MEDIUM),
        ("large", synth::Scale::LARGE),
    ] {
        if wanted(name) {
            run(name, scale);
        }
    }
}
