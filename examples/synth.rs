//! Writes a synthetic bibliography and site for benchmarks at scale.
//!
//! ```text
//! cargo run --release --example synth -- 100000 5000 2000 /tmp/synth-100k
//! publist build --config /tmp/synth-100k/publist.toml
//! ```

#[path = "../benches/synth/mod.rs"]
mod synth;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parse = |i: usize, default: usize| -> usize {
        args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default)
    };
    let scale = synth::Scale {
        entries: parse(0, 1_000),
        people: parse(1, 50),
        projects: parse(2, 20),
    };
    let dir = std::path::PathBuf::from(args.get(3).cloned().unwrap_or_else(|| "synth".into()));
    let corpus = synth::generate(scale, 42);
    match synth::write(&corpus, &dir) {
        Ok(cfg) => {
            println!(
                "wrote {} entries, {} people, {} projects; config {}",
                scale.entries,
                scale.people,
                scale.projects,
                cfg.display()
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", dir.display());
            std::process::ExitCode::FAILURE
        }
    }
}
