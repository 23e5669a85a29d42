//! Benchmark of the DIAG drop-in output on the real data: six sites in one run.
//!
//! ```text
//! PUBLIST_SHARED=/work/shared cargo bench --bench diag
//! ```
//!
//! DIAG's own step (`bibparser.py <site>`) takes about 3 s per site, parsing included, so
//! the number to beat is 3 s for all six sites together. Printed: the load (parse + attribute,
//! once), the first emit into an empty folder (every file written), a rerun over the same
//! folder (every file compared, none written), and the whole run as a user runs it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use publist::commands::common::load_inputs;
use publist::config::{Config, Overrides, RawConfig};
use publist::render::diag::{self, DiagOptions};

const SITES: [&str; 6] = ["diag", "pathology", "retina", "rse", "rtc", "ai-for-health"];
const ROUNDS: usize = 5;

fn config(shared: &Path) -> Option<Config> {
    let overrides = Overrides {
        bib: vec![
            shared.join("data/fullstrings.bib"),
            shared.join("data/diag.bib"),
        ],
        people: vec![shared.join("site-sample/members")],
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
    let Some(config) = config(&shared) else {
        eprintln!("could not build a config for {}", shared.display());
        return;
    };
    let sites: Vec<String> = SITES.iter().map(|s| s.to_string()).collect();
    let options = DiagOptions::default();
    let (mut load, mut cold, mut warm, mut total) = (vec![], vec![], vec![], vec![]);
    let mut files = 0;
    for _ in 0..ROUNDS {
        let Ok(tmp) = tempfile::tempdir() else {
            eprintln!("no temporary folder");
            return;
        };
        let content = tmp.path().join("content");
        let start = Instant::now();
        let inputs = load_inputs(config.clone());
        let loaded = start.elapsed();
        let report = match diag::emit(&inputs, &sites, &content, &options) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("emit failed: {e}");
                return;
            }
        };
        let whole = start.elapsed();
        files = report.written;
        let again = Instant::now();
        if let Err(e) = diag::emit(&inputs, &sites, &content, &options) {
            eprintln!("emit failed: {e}");
            return;
        }
        warm.push(again.elapsed());
        load.push(loaded);
        cold.push(whole - loaded);
        total.push(whole);
    }
    let publications = config.bib_files.len();
    println!(
        "diag-pelican, {} sites, {publications} bib files, {files} files, median of {ROUNDS}:",
        SITES.len()
    );
    println!("  load (parse + attribute, once): {}", ms(median(load)));
    println!("  emit, empty folder:             {}", ms(median(cold)));
    println!("  emit, nothing changed:          {}", ms(median(warm)));
    println!("  total (load + first emit):      {}", ms(median(total)));
}
