//! PubMed E-utilities (`https://eutils.ncbi.nlm.nih.gov/entrez/eutils`, `PUBLIST_PUBMED_URL`).
//!
//! - Works by PMID in batches: `GET /esummary.fcgi?db=pubmed&id=1,2,…&retmode=json`.
//! - The PMID of a DOI: `GET /esearch.fcgi?db=pubmed&term="A"[doi] OR "B"[doi]&retmode=json`,
//!   then an esummary of the PMIDs found; each summary's DOI says which lookup it answers.
//!
//! Every request carries `tool=publist` and, when configured, `email=`; `NCBI_API_KEY` is
//! sent as `api_key` (never stored). PubMed abstracts are not licensed for reuse, so none
//! are kept.

use std::collections::BTreeMap;

use futures::future::BoxFuture;
use serde::Deserialize;

use super::{
    assign, clean_title, parse_json, send, stored, url_with, Ctx, Fetched, Lookup, Source,
};
use crate::http::{HttpError, Request};
use crate::model::{Candidate, CandidateAuthor, Doi, Ids, Kind, Name, Pmcid, Pmid, Service};

/// PMIDs per esummary request.
pub const SUMMARY_BATCH: usize = 200;

/// DOIs per esearch request.
pub const SEARCH_BATCH: usize = 50;

/// The PubMed source.
#[derive(Debug, Clone, Copy)]
pub struct Pubmed;

/// An esummary author.
#[derive(Debug, Deserialize, Default)]
pub struct SummaryAuthor {
    /// "Family AB".
    #[serde(default)]
    pub name: String,
    /// "Author" or "CollectiveName".
    #[serde(default)]
    pub authtype: String,
}

/// An article id (`pubmed`, `doi`, `pmc`, …).
#[derive(Debug, Deserialize, Default)]
pub struct ArticleId {
    /// Id type.
    #[serde(default)]
    pub idtype: String,
    /// Value.
    #[serde(default)]
    pub value: String,
}

/// One esummary document.
#[derive(Debug, Deserialize, Default)]
pub struct Summary {
    /// PMID.
    #[serde(default)]
    pub uid: String,
    /// Title (ends in a period).
    #[serde(default)]
    pub title: String,
    /// Authors.
    #[serde(default)]
    pub authors: Vec<SummaryAuthor>,
    /// MEDLINE journal abbreviation.
    #[serde(default)]
    pub source: String,
    /// Full journal name.
    #[serde(default)]
    pub fulljournalname: String,
    /// "2025 Jun 26".
    #[serde(default)]
    pub pubdate: String,
    /// Volume.
    #[serde(default)]
    pub volume: String,
    /// Issue.
    #[serde(default)]
    pub issue: String,
    /// Pages ("1826-34").
    #[serde(default)]
    pub pages: String,
    /// Ids.
    #[serde(default)]
    pub articleids: Vec<ArticleId>,
    /// Publication types.
    #[serde(default)]
    pub pubtype: Vec<String>,
    /// Set for unknown ids.
    pub error: Option<String>,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// "Family AB" → family "Family", given "A. B.".
pub fn medline_name(text: &str) -> Name {
    let t = text.trim();
    match t.rsplit_once(' ') {
        Some((family, initials))
            if !initials.is_empty() && initials.chars().all(|c| c.is_uppercase()) =>
        {
            let given = initials
                .chars()
                .map(|c| format!("{c}."))
                .collect::<Vec<_>>()
                .join(" ");
            Name {
                given,
                family: family.to_string(),
                ..Name::default()
            }
        }
        _ => Name {
            family: t.to_string(),
            ..Name::default()
        },
    }
}

impl Summary {
    /// The summary as a candidate; `None` for an error entry.
    pub fn into_candidate(self, retrieved: &str) -> Option<Candidate> {
        if self.error.is_some() {
            return None;
        }
        let pmid = Pmid::parse(&self.uid)?;
        let id = |kind: &str| {
            self.articleids
                .iter()
                .find(|a| a.idtype == kind)
                .map(|a| a.value.clone())
        };
        let mut words = self.pubdate.split_whitespace();
        let year = words
            .next()
            .and_then(|y| y.get(..4))
            .and_then(|y| y.parse().ok());
        let month = words.next().and_then(|m| {
            let m = m.to_ascii_lowercase();
            MONTHS
                .iter()
                .position(|&n| m.starts_with(n))
                .map(|i| i as u8 + 1)
        });
        let kind = if self.pubtype.iter().any(|t| t == "Preprint") {
            Some(Kind::Preprint)
        } else if self
            .pubtype
            .iter()
            .any(|t| t.contains("Journal Article") || t == "Review")
        {
            Some(Kind::Article)
        } else {
            None
        };
        let nonempty = |s: String| Some(s).filter(|s| !s.trim().is_empty());
        Some(Candidate {
            source: Some(Service::Pubmed),
            retrieved: retrieved.to_string(),
            ids: Ids {
                doi: id("doi").as_deref().and_then(Doi::parse),
                pmid: Some(pmid),
                pmcid: id("pmc").as_deref().and_then(Pmcid::parse),
                ..Ids::default()
            },
            title: clean_title(&self.title),
            authors: self
                .authors
                .iter()
                .map(|a| CandidateAuthor {
                    name: if a.authtype == "CollectiveName" {
                        Name {
                            family: a.name.clone(),
                            ..Name::default()
                        }
                    } else {
                        medline_name(&a.name)
                    },
                    orcid: None,
                })
                .collect(),
            venue: nonempty(self.fulljournalname).or(nonempty(self.source)),
            year,
            month,
            kind,
            volume: nonempty(self.volume),
            issue: nonempty(self.issue),
            pages: nonempty(self.pages),
            abstract_text: None,
            citations: None,
            oa_url: id("pmc")
                .as_deref()
                .and_then(Pmcid::parse)
                .map(|p| format!("https://pmc.ncbi.nlm.nih.gov/articles/{p}/")),
        })
    }
}

/// Parses an esummary JSON answer.
pub fn parse_summary(body: &[u8], url: &str, retrieved: &str) -> Result<Vec<Candidate>, HttpError> {
    let perr = |message: String| HttpError::Parse {
        url: url.to_string(),
        message,
    };
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| perr(format!("invalid JSON: {e}")))?;
    if let Some(err) = value.get("error").and_then(|e| e.as_str()) {
        return Err(perr(format!("esummary error: {err}")));
    }
    let Some(result) = value.get("result").and_then(|r| r.as_object()) else {
        return Err(perr("esummary answer without `result`".into()));
    };
    let mut out = Vec::new();
    let uids: Vec<String> = result
        .get("uids")
        .and_then(|u| u.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    for uid in uids {
        let Some(doc) = result.get(&uid) else {
            continue;
        };
        let summary: Summary = serde_json::from_value(doc.clone())
            .map_err(|e| perr(format!("esummary document {uid}: {e}")))?;
        out.extend(summary.into_candidate(retrieved));
    }
    Ok(out)
}

/// esearch answer.
#[derive(Debug, Deserialize)]
pub struct SearchAnswer {
    /// The result.
    pub esearchresult: SearchResult,
}

/// esearch result.
#[derive(Debug, Deserialize)]
pub struct SearchResult {
    /// PMIDs found.
    #[serde(default)]
    pub idlist: Vec<String>,
}

fn identify(ctx: &Ctx, query: &mut Vec<(String, String)>) {
    query.push(("tool".into(), "publist".into()));
    if let Some(m) = ctx.mailto.as_deref().filter(|m| !m.trim().is_empty()) {
        query.push(("email".into(), m.trim().to_string()));
    }
}

fn request(ctx: &Ctx, path: &str, mut query: Vec<(String, String)>) -> Request {
    identify(ctx, &mut query);
    let pairs: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut req = Request::get(
        Service::Pubmed,
        url_with(&ctx.base, path, &pairs),
        "application/json",
    );
    if let Some(key) = &ctx.keys.ncbi {
        req.secret_query.push(("api_key".into(), key.clone()));
    }
    req
}

/// The esummary request for a batch of PMIDs.
pub fn summary_request(ctx: &Ctx, pmids: &[Pmid]) -> Request {
    let ids = pmids
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(",");
    request(
        ctx,
        "/esummary.fcgi",
        vec![
            ("db".into(), "pubmed".into()),
            ("id".into(), ids),
            ("retmode".into(), "json".into()),
        ],
    )
}

/// The esearch request for a batch of DOIs.
pub fn doi_search_request(ctx: &Ctx, dois: &[&Doi]) -> Request {
    let term = dois
        .iter()
        .map(|d| format!("\"{d}\"[doi]"))
        .collect::<Vec<_>>()
        .join(" OR ");
    request(
        ctx,
        "/esearch.fcgi",
        vec![
            ("db".into(), "pubmed".into()),
            ("term".into(), term),
            ("retmode".into(), "json".into()),
            ("retmax".into(), (dois.len() * 2).to_string()),
        ],
    )
}

async fn summaries(
    ctx: &Ctx,
    pmids: &[Pmid],
    fetched: &mut Fetched,
) -> Result<Vec<Candidate>, HttpError> {
    let mut out = Vec::new();
    for chunk in pmids.chunks(SUMMARY_BATCH) {
        let req = summary_request(ctx, chunk);
        let resp = send(ctx, req.clone()).await?;
        resp.expect_json()?;
        out.extend(parse_summary(&resp.body, &resp.url, &ctx.now)?);
        fetched.responses.push(stored(&req, &resp));
    }
    Ok(out)
}

async fn fetch_batch(ctx: &Ctx, batch: &[Lookup]) -> Result<Fetched, HttpError> {
    let mut fetched = Fetched::default();
    let mut pmids: Vec<Pmid> = batch
        .iter()
        .filter_map(|l| match l {
            Lookup::Pmid(p) => Some(*p),
            _ => None,
        })
        .collect();
    let dois: Vec<&Doi> = batch
        .iter()
        .filter_map(|l| match l {
            Lookup::Doi(d) => Some(d),
            _ => None,
        })
        .collect();
    if !dois.is_empty() {
        let req = doi_search_request(ctx, &dois);
        let resp = send(ctx, req.clone()).await?;
        let answer: SearchAnswer = parse_json(&resp)?;
        fetched.responses.push(stored(&req, &resp));
        pmids.extend(
            answer
                .esearchresult
                .idlist
                .iter()
                .filter_map(|p| Pmid::parse(p)),
        );
    }
    let candidates = if pmids.is_empty() {
        Vec::new()
    } else {
        summaries(ctx, &pmids, &mut fetched).await?
    };
    fetched.found = assign(batch, &candidates);
    Ok(fetched)
}

impl Source for Pubmed {
    fn service(&self) -> Service {
        Service::Pubmed
    }

    fn handles(&self, lookup: &Lookup) -> bool {
        matches!(lookup, Lookup::Pmid(_) | Lookup::Doi(_))
    }

    fn batch_size(&self, lookup: &Lookup) -> usize {
        match lookup {
            Lookup::Doi(_) => SEARCH_BATCH,
            _ => SUMMARY_BATCH,
        }
    }

    fn fetch<'a>(
        &'a self,
        ctx: &'a Ctx,
        batch: &'a [Lookup],
    ) -> BoxFuture<'a, Result<Fetched, HttpError>> {
        Box::pin(fetch_batch(ctx, batch))
    }
}

/// Groups esummary candidates by PMID (for callers that want a map).
pub fn by_pmid(candidates: Vec<Candidate>) -> BTreeMap<Pmid, Candidate> {
    candidates
        .into_iter()
        .filter_map(|c| c.ids.pmid.map(|p| (p, c)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_with_unknown_id_and_medline_names() {
        let body = br#"{"header":{},"result":{"uids":["15979403","1"],
          "15979403":{"uid":"15979403","title":"EEG background activity.","authors":[{"name":"van Putten MJ","authtype":"Author"},{"name":"DIAG Group","authtype":"CollectiveName"}],
            "source":"Clin Neurophysiol","fulljournalname":"Clinical neurophysiology","pubdate":"2005 Sep","volume":"116","issue":"9","pages":"2010-8",
            "articleids":[{"idtype":"pubmed","value":"15979403"},{"idtype":"doi","value":"10.1016/j.clinph.2005.04.001"},{"idtype":"pmc","value":"PMC123"}],
            "pubtype":["Journal Article"]},
          "1":{"uid":"1","error":"cannot get document summary"}}}"#;
        let c = parse_summary(body, "u", "t").unwrap();
        assert_eq!(c.len(), 1);
        let c = &c[0];
        assert_eq!(c.title, "EEG background activity");
        assert_eq!(c.authors[0].name.family, "van Putten");
        assert_eq!(c.authors[0].name.given, "M. J.");
        assert_eq!(c.authors[1].name.family, "DIAG Group");
        assert_eq!((c.year, c.month), (Some(2005), Some(9)));
        assert_eq!(
            c.ids.doi.as_ref().unwrap().as_str(),
            "10.1016/j.clinph.2005.04.001"
        );
        assert_eq!(c.ids.pmcid.as_ref().unwrap().as_str(), "PMC123");
    }

    #[test]
    fn esummary_error_is_malformed() {
        assert!(parse_summary(b"{\"error\":\"API rate limit exceeded\"}", "u", "t").is_err());
        assert!(parse_summary(b"<html>", "u", "t").is_err());
    }
}
