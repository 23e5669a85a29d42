//! Semantic Scholar Graph API (`https://api.semanticscholar.org/graph/v1`, `PUBLIST_S2_URL`).
//!
//! - Works in batches: `POST /paper/batch?fields=…` with `{"ids": ["DOI:…", "PMID:…",
//!   "ARXIV:…"]}`, up to 500 ids; the answer is in input order with `null` for unknown ids.
//! - A person's works: `GET /author/{id}/papers?fields=…&offset=…&limit=1000`, paged until the
//!   answer has no `next`.
//!
//! `S2_API_KEY` goes in the `x-api-key` header (never stored). Abstracts are not licensed for
//! reuse and are not kept; citation counts are.

use futures::future::BoxFuture;
use serde::Deserialize;

use super::{result, send, split_display_name, stored, url_with, Ctx, Fetched, Lookup, Source};
use crate::http::{encode, HttpError, Purpose, Request};
use crate::model::{ArxivId, Candidate, CandidateAuthor, Doi, Ids, Kind, Pmcid, Pmid, Service};

/// Ids per batch request.
pub const BATCH: usize = 500;

/// Papers per author page.
pub const PAGE: usize = 1000;

/// The paper fields asked for.
pub const FIELDS: &str =
    "externalIds,title,authors,venue,year,publicationDate,publicationTypes,journal,citationCount,openAccessPdf";

/// The Semantic Scholar source.
#[derive(Debug, Clone, Copy)]
pub struct SemanticScholar;

/// An author of a paper.
#[derive(Debug, Deserialize, Default)]
pub struct Author {
    /// S2 author id.
    #[serde(rename = "authorId")]
    pub author_id: Option<String>,
    /// Display name.
    pub name: Option<String>,
}

/// `journal` object.
#[derive(Debug, Deserialize, Default)]
pub struct Journal {
    /// Name.
    pub name: Option<String>,
    /// Volume.
    pub volume: Option<String>,
    /// Pages.
    pub pages: Option<String>,
}

/// `openAccessPdf` object.
#[derive(Debug, Deserialize, Default)]
pub struct OaPdf {
    /// URL.
    pub url: Option<String>,
}

/// One paper.
#[derive(Debug, Deserialize, Default)]
pub struct Paper {
    /// 40-hex paper id.
    #[serde(rename = "paperId")]
    pub paper_id: Option<String>,
    /// External ids (`DOI`, `PubMed`, `ArXiv`, `CorpusId`, `PubMedCentral`).
    #[serde(rename = "externalIds", default)]
    pub external_ids: Option<serde_json::Map<String, serde_json::Value>>,
    /// Title.
    pub title: Option<String>,
    /// Authors.
    #[serde(default)]
    pub authors: Option<Vec<Author>>,
    /// Venue.
    pub venue: Option<String>,
    /// Year.
    pub year: Option<i32>,
    /// `YYYY-MM-DD`.
    #[serde(rename = "publicationDate")]
    pub publication_date: Option<String>,
    /// Types (`JournalArticle`, `Conference`, …).
    #[serde(rename = "publicationTypes", default)]
    pub publication_types: Option<Vec<String>>,
    /// Journal.
    pub journal: Option<Journal>,
    /// Citation count.
    #[serde(rename = "citationCount")]
    pub citation_count: Option<u64>,
    /// Open-access PDF.
    #[serde(rename = "openAccessPdf")]
    pub open_access_pdf: Option<OaPdf>,
}

impl Paper {
    fn ext(&self, key: &str) -> Option<String> {
        let v = self.external_ids.as_ref()?.get(key)?;
        match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// The paper as a candidate.
    pub fn into_candidate(self, retrieved: &str) -> Candidate {
        let mut s2 = Vec::new();
        if let Some(p) = &self.paper_id {
            s2.push(p.clone());
        }
        if let Some(c) = self.ext("CorpusId") {
            s2.push(format!("CorpusId:{c}"));
        }
        let types = self.publication_types.clone().unwrap_or_default();
        let kind = if types.iter().any(|t| t == "JournalArticle" || t == "Review") {
            Some(Kind::Article)
        } else if types.iter().any(|t| t == "Conference") {
            Some(Kind::InProceedings)
        } else {
            None
        };
        let ids = Ids {
            doi: self.ext("DOI").as_deref().and_then(Doi::parse),
            pmid: self.ext("PubMed").as_deref().and_then(Pmid::parse),
            pmcid: self.ext("PubMedCentral").as_deref().and_then(Pmcid::parse),
            arxiv: self.ext("ArXiv").as_deref().and_then(ArxivId::parse),
            s2,
            ..Ids::default()
        };
        let journal = self.journal.unwrap_or_default();
        let month = self
            .publication_date
            .as_deref()
            .and_then(|d| d.get(5..7))
            .and_then(|m| m.parse().ok())
            .filter(|m: &u8| (1..=12).contains(m));
        Candidate {
            source: Some(Service::SemanticScholar),
            retrieved: retrieved.to_string(),
            ids,
            title: self.title.unwrap_or_default(),
            authors: self
                .authors
                .unwrap_or_default()
                .iter()
                .filter_map(|a| a.name.as_deref())
                .map(|n| CandidateAuthor {
                    name: split_display_name(n),
                    orcid: None,
                })
                .collect(),
            venue: journal
                .name
                .filter(|n| !n.trim().is_empty())
                .or(self.venue.filter(|v| !v.trim().is_empty())),
            year: self.year,
            month,
            kind,
            volume: journal
                .volume
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty()),
            issue: None,
            pages: journal
                .pages
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty()),
            abstract_text: None,
            citations: self.citation_count,
            oa_url: self
                .open_access_pdf
                .and_then(|o| o.url)
                .filter(|u| !u.is_empty()),
        }
    }
}

/// An author-papers page.
#[derive(Debug, Deserialize)]
pub struct PapersPage {
    /// Offset of the next page; absent on the last one.
    pub next: Option<u64>,
    /// Papers.
    #[serde(default)]
    pub data: Vec<Paper>,
}

/// The batch id of a lookup (`DOI:…`, `PMID:…`, `ARXIV:…`).
pub fn batch_id(lookup: &Lookup) -> Option<String> {
    match lookup {
        Lookup::Doi(d) => Some(format!("DOI:{d}")),
        Lookup::Pmid(p) => Some(format!("PMID:{p}")),
        Lookup::Arxiv(a) => Some(format!("ARXIV:{a}")),
        _ => None,
    }
}

fn with_key(ctx: &Ctx, mut req: Request) -> Request {
    if let Some(key) = &ctx.keys.s2 {
        req.secret_headers.push(("x-api-key".into(), key.clone()));
    }
    req
}

/// Parses a batch answer: one entry per id, `None` for unknown ids.
pub fn parse_batch(
    body: &[u8],
    url: &str,
    retrieved: &str,
) -> Result<Vec<Option<Candidate>>, HttpError> {
    let papers: Vec<Option<Paper>> =
        serde_json::from_slice(body).map_err(|e| HttpError::Parse {
            url: url.to_string(),
            message: format!("invalid paper/batch answer: {e}"),
        })?;
    Ok(papers
        .into_iter()
        .map(|p| p.map(|p| p.into_candidate(retrieved)))
        .collect())
}

async fn fetch_batch(ctx: &Ctx, batch: &[Lookup]) -> Result<Fetched, HttpError> {
    let ids: Vec<String> = batch.iter().filter_map(batch_id).collect();
    let body = serde_json::json!({ "ids": ids }).to_string();
    let req = with_key(
        ctx,
        Request::post_json(
            Service::SemanticScholar,
            url_with(&ctx.base, "/paper/batch", &[("fields", FIELDS)]),
            body,
        ),
    );
    let resp = send(ctx, req.clone()).await?;
    resp.expect_json()?;
    let papers = parse_batch(&resp.body, &resp.url, &ctx.now)?;
    if papers.len() != ids.len() {
        return Err(HttpError::Parse {
            url: resp.url.clone(),
            message: format!("{} answers for {} ids", papers.len(), ids.len()),
        });
    }
    let found = batch
        .iter()
        .zip(papers)
        .map(|(l, p)| result(l, p.into_iter().collect()))
        .collect();
    Ok(Fetched {
        responses: vec![stored(&req, &resp)],
        found,
    })
}

async fn fetch_author(ctx: &Ctx, lookup: &Lookup, id: &str) -> Result<Fetched, HttpError> {
    let mut fetched = Fetched::default();
    let mut papers = Vec::new();
    let mut offset: u64 = 0;
    let limit = PAGE.to_string();
    loop {
        let off = offset.to_string();
        let path = format!("/author/{}/papers", encode(id));
        let req = with_key(
            ctx,
            Request::get(
                Service::SemanticScholar,
                url_with(
                    &ctx.base,
                    &path,
                    &[("fields", FIELDS), ("offset", &off), ("limit", &limit)],
                ),
                "application/json",
            ),
        );
        let mut req = req;
        req.purpose = Purpose::Person;
        let resp = send(ctx, req.clone()).await?;
        if resp.is_not_found() {
            fetched.responses.push(stored(&req, &resp));
            break;
        }
        let page: PapersPage = super::parse_json(&resp)?;
        fetched.responses.push(stored(&req, &resp));
        let n = page.data.len();
        papers.extend(page.data.into_iter().map(|p| p.into_candidate(&ctx.now)));
        match page.next {
            Some(next) if next > offset && n > 0 => offset = next,
            _ => break,
        }
    }
    fetched.found.push(result(lookup, papers));
    Ok(fetched)
}

impl Source for SemanticScholar {
    fn service(&self) -> Service {
        Service::SemanticScholar
    }

    fn handles(&self, lookup: &Lookup) -> bool {
        matches!(
            lookup,
            Lookup::Doi(_) | Lookup::Pmid(_) | Lookup::Arxiv(_) | Lookup::S2Author(_)
        )
    }

    fn batch_size(&self, lookup: &Lookup) -> usize {
        match lookup {
            Lookup::S2Author(_) => 1,
            _ => BATCH,
        }
    }

    fn fetch<'a>(
        &'a self,
        ctx: &'a Ctx,
        batch: &'a [Lookup],
    ) -> BoxFuture<'a, Result<Fetched, HttpError>> {
        Box::pin(async move {
            match batch.first() {
                Some(l @ Lookup::S2Author(id)) => fetch_author(ctx, l, id).await,
                Some(_) => {
                    // Every id class shares one batch endpoint.
                    fetch_batch(ctx, batch).await
                }
                None => Ok(Fetched::default()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_keeps_positions_of_nulls() {
        let body = br#"[null, {"paperId":"abc","externalIds":{"DOI":"10.1/X","CorpusId":42,"PubMed":"123"},
            "title":"T","authors":[{"authorId":"1","name":"Ann van Smith"}],"year":2020,"citationCount":5,
            "publicationTypes":["JournalArticle"],"journal":{"name":"J","volume":" 3","pages":"1-2"},
            "openAccessPdf":{"url":"https://x/y.pdf"}}]"#;
        let got = parse_batch(body, "u", "t").unwrap();
        assert!(got[0].is_none());
        let c = got[1].as_ref().unwrap();
        assert_eq!(c.ids.s2, vec!["abc".to_string(), "CorpusId:42".to_string()]);
        assert_eq!(c.ids.pmid, Some(Pmid(123)));
        assert_eq!(c.authors[0].name.family, "Smith");
        assert_eq!(c.volume.as_deref(), Some("3"));
        assert_eq!(c.citations, Some(5));
    }
}
