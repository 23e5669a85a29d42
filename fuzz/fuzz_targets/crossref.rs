//! Crossref `/works` list answers.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = publist::sources::crossref::parse_list(
        data,
        "https://api.crossref.org/works",
        "2026-01-01",
    );
});
