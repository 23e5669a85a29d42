//! Benchmark of `publist build` on the real data (DIAG bibliography + site sample).
//!
//! ```text
//! PUBLIST_SHARED=/work/shared cargo bench --bench build
//! ```
//!
//! Printed (medians of a few rounds): the load (parse + attribute), the render into an empty
//! folder (every file written), the rebuild over the same folder (every file compared, none
//! written — the usual CI case), and load + rebuild, which is what a user waits for.
//! Target: under 0.5 s for the whole run on a 2-core machine. Measured here (2 cores, release):
//! load 135 ms, rebuild 305 ms, load + rebuild 441 ms; the first render into an empty folder
//! takes ~3.9 s, almost all of it fsync of 2,704 files (`fsutil::write_atomic` syncs each one).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use publist::commands::common::load_inputs;
use publist::config::{Config, Overrides, RawConfig};
use publist::render;

const ROUNDS: usize = 5;

fn config(shared: &Path, out: &Path) -> Option<Config> {
    let overrides = Overrides {
        bib: vec![
            shared.join("data/fullstrings.bib"),
            shared.join("data/diag.bib"),
        ],
        people: vec![shared.join("site-sample/members")],
        projects: vec![shared.join("site-sample/projects")],
        out: Some(out.to_path_buf()),
        ..Overrides::default()
    };
    Config::from_raw(RawConfig::default(), None, Path::new(""), &overrides).ok()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let Some(shared) = std::env::var_os("PUBLIST_SHARED").map(PathBuf::from) else {
        eprintln!("PUBLIST_SHARED not set: nothing to measure (set it to the shared data folder)");
        return;
    };
    let (mut load, mut cold, mut warm, mut total) = (vec![], vec![], vec![], vec![]);
    let mut files = 0;
    for _ in 0..ROUNDS {
        let Ok(tmp) = tempfile::tempdir() else {
            eprintln!("no temporary folder");
            return;
        };
        let Some(config) = config(&shared, &tmp.path().join("out")) else {
            eprintln!("could not build a config for {}", shared.display());
            return;
        };
        let t0 = Instant::now();
        let inputs = load_inputs(config);
        let t_load = t0.elapsed();
        let t1 = Instant::now();
        let first = match render::build(
            &inputs.bib,
            &inputs.site,
            &inputs.attribution,
            &inputs.config,
        ) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("build failed: {e}");
                return;
            }
        };
        cold.push(t1.elapsed());
        files = first.counts.written;
        let t2 = Instant::now();
        let again = render::build(
            &inputs.bib,
            &inputs.site,
            &inputs.attribution,
            &inputs.config,
        );
        let t_warm = t2.elapsed();
        if again.map(|r| r.counts.written).unwrap_or(usize::MAX) != 0 {
            eprintln!("rebuild wrote files: output is not deterministic");
        }
        load.push(t_load);
        warm.push(t_warm);
        total.push(t_load + t_warm);
    }
    println!("publist build on {} ({files} files)", shared.display());
    println!("  load (parse + attribute)      {}", ms(median(load)));
    println!("  render into an empty folder   {}", ms(median(cold)));
    println!("  rebuild (nothing changed)     {}", ms(median(warm)));
    println!("  load + rebuild                {}", ms(median(total)));
}
