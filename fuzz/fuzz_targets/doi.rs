//! doi.org CSL-JSON answers (content negotiation), and the identifier parsers.
#![no_main]
use libfuzzer_sys::fuzz_target;
use publist::model::{ArxivId, Doi, Pmcid, Pmid};
use publist::sources::doi::CslItem;

fuzz_target!(|data: &[u8]| {
    if let Ok(item) = serde_json::from_slice::<CslItem>(data) {
        if let Some(requested) = Doi::parse("10.5281/zenodo.1234567") {
            let c = item.into_candidate(&requested, "2026-01-01");
            assert!(c.ids.doi.is_some(), "a doi.org answer lost its DOI");
        }
    }
    let text = String::from_utf8_lossy(data);
    let _ = Doi::parse(&text);
    let _ = Pmid::parse(&text);
    let _ = Pmcid::parse(&text);
    let _ = ArxivId::parse(&text);
});
