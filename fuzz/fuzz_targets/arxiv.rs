//! arXiv Atom feeds, through the shared XML reader.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let url = "https://export.arxiv.org/api/query";
    let _ = publist::sources::xml::parse(data, url);
    let _ = publist::sources::arxiv::parse_feed(data, url, "2026-01-01");
});
