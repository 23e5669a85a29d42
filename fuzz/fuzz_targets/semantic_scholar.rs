//! Semantic Scholar `paper/batch` answers and author-papers pages.
#![no_main]
use libfuzzer_sys::fuzz_target;
use publist::sources::semantic_scholar::{parse_batch, PapersPage};

fuzz_target!(|data: &[u8]| {
    let _ = parse_batch(
        data,
        "https://api.semanticscholar.org/graph/v1/paper/batch",
        "2026-01-01",
    );
    if let Ok(page) = serde_json::from_slice::<PapersPage>(data) {
        for p in page.data {
            let _ = p.into_candidate("2026-01-01");
        }
    }
});
