//! OpenAlex work lists, turned into candidates.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(list) = publist::sources::openalex::parse_list(data, "https://api.openalex.org/works")
    {
        for w in list.results {
            let _ = w.into_candidate("2026-01-01");
        }
    }
});
