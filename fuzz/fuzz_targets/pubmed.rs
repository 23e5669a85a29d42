//! PubMed esummary and esearch answers, and MEDLINE author names.
#![no_main]
use libfuzzer_sys::fuzz_target;
use publist::model::Pmid;
use publist::sources::pubmed::{medline_name, parse_summary, SearchAnswer};

fuzz_target!(|data: &[u8]| {
    let url = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/esummary.fcgi";
    let _ = parse_summary(data, url, "2026-01-01");
    if let Ok(answer) = serde_json::from_slice::<SearchAnswer>(data) {
        for id in &answer.esearchresult.idlist {
            let _ = Pmid::parse(id);
        }
    }
    let _ = medline_name(&String::from_utf8_lossy(data));
});
