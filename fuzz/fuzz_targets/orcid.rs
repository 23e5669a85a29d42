//! ORCID `/{orcid}/works` answers.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = publist::sources::orcid::parse_works(
        data,
        "https://pub.orcid.org/v3.0/0000-0002-1825-0097/works",
        "2026-01-01",
    );
});
