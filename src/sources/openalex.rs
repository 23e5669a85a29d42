//! OpenAlex (`https://api.openalex.org`, `PUBLIST_OPENALEX_URL`).
//!
//! - Works by DOI or PMID in batches through OR-filters:
//!   `GET /works?filter=doi:A|B|…&per-page=100&cursor=*` (`ids.pmid:` for PMIDs), up to 50
//!   values per request, following `meta.next_cursor` to the end.
//! - A person's works: `GET /works?filter=author.orcid:…` or `filter=author.id:A…`, cursor
//!   paging to the end.
//!
//! Since 2026-02-13 OpenAlex needs an API key: `OPENALEX_API_KEY` is sent as `api_key` (never
//! stored); without it the harvest skips OpenAlex with one message. `mailto=` is sent too.
//! Parsing is defensive: the 2025–26 schema dropped fields (`host_venue`), so every field is
//! optional.

use futures::future::BoxFuture;
use serde::Deserialize;

use super::{
    assign, author, result, split_display_name, stored, url_with, Ctx, Fetched, Lookup, Source,
};
use crate::http::{HttpError, Purpose, Request};
use crate::model::{Candidate, Doi, Ids, Kind, Pmcid, Pmid, Service};

/// Values per OR-filter.
pub const BATCH: usize = 50;

/// Results per page.
pub const PER_PAGE: usize = 100;

/// Pages followed at most for one query (a person with 20,000 works is an error in the data).
pub const MAX_PAGES: usize = 100;

/// The OpenAlex source.
#[derive(Debug, Clone, Copy)]
pub struct Openalex;

/// A list answer.
#[derive(Debug, Deserialize, Default)]
pub struct WorkList {
    /// Paging info.
    #[serde(default)]
    pub meta: Meta,
    /// Works.
    #[serde(default)]
    pub results: Vec<Work>,
}

/// `meta`.
#[derive(Debug, Deserialize, Default)]
pub struct Meta {
    /// Cursor of the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// `ids`.
#[derive(Debug, Deserialize, Default)]
pub struct WorkIds {
    /// PubMed URL.
    pub pmid: Option<String>,
    /// PMC URL.
    pub pmcid: Option<String>,
}

/// `authorships[].author`.
#[derive(Debug, Deserialize, Default)]
pub struct AuthorRef {
    /// Display name.
    pub display_name: Option<String>,
    /// ORCID URL.
    pub orcid: Option<String>,
}

/// `authorships[]`.
#[derive(Debug, Deserialize, Default)]
pub struct Authorship {
    /// The author.
    #[serde(default)]
    pub author: AuthorRef,
    /// The name as printed.
    pub raw_author_name: Option<String>,
}

/// `primary_location.source`.
#[derive(Debug, Deserialize, Default)]
pub struct SourceRef {
    /// Journal / repository name.
    pub display_name: Option<String>,
}

/// `primary_location`.
#[derive(Debug, Deserialize, Default)]
pub struct Location {
    /// The source.
    pub source: Option<SourceRef>,
}

/// `biblio`.
#[derive(Debug, Deserialize, Default)]
pub struct Biblio {
    /// Volume.
    pub volume: Option<String>,
    /// Issue.
    pub issue: Option<String>,
    /// First page.
    pub first_page: Option<String>,
    /// Last page.
    pub last_page: Option<String>,
}

/// `open_access`.
#[derive(Debug, Deserialize, Default)]
pub struct OpenAccess {
    /// Best OA URL.
    pub oa_url: Option<String>,
}

/// One work.
#[derive(Debug, Deserialize, Default)]
pub struct Work {
    /// `https://openalex.org/W…`.
    pub id: Option<String>,
    /// `https://doi.org/…`.
    pub doi: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Title (alias).
    pub display_name: Option<String>,
    /// Year.
    pub publication_year: Option<i32>,
    /// `YYYY-MM-DD`.
    pub publication_date: Option<String>,
    /// Type (`article`, `preprint`, …).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Ids.
    pub ids: Option<WorkIds>,
    /// Authors.
    #[serde(default)]
    pub authorships: Option<Vec<Authorship>>,
    /// Primary location.
    pub primary_location: Option<Location>,
    /// Volume, issue, pages.
    pub biblio: Option<Biblio>,
    /// Citation count.
    pub cited_by_count: Option<u64>,
    /// Open access.
    pub open_access: Option<OpenAccess>,
}

impl Work {
    /// The work as a candidate.
    pub fn into_candidate(self, retrieved: &str) -> Candidate {
        let ids = self.ids.unwrap_or_default();
        let biblio = self.biblio.unwrap_or_default();
        let pages = match (biblio.first_page, biblio.last_page) {
            (Some(f), Some(l)) if f != l => Some(format!("{f}-{l}")),
            (Some(f), _) => Some(f),
            _ => None,
        };
        let kind = self.kind.as_deref().map(|t| match t {
            "article" | "review" | "letter" | "editorial" => Kind::Article,
            "preprint" => Kind::Preprint,
            "book" => Kind::Book,
            "book-chapter" => Kind::Chapter,
            "dissertation" => Kind::PhdThesis,
            "report" => Kind::Report,
            _ => Kind::Misc,
        });
        Candidate {
            source: Some(Service::Openalex),
            retrieved: retrieved.to_string(),
            ids: Ids {
                doi: self.doi.as_deref().and_then(Doi::parse),
                pmid: ids.pmid.as_deref().and_then(Pmid::parse),
                pmcid: ids.pmcid.as_deref().and_then(|p| {
                    Pmcid::parse(p.trim_end_matches('/').rsplit('/').next().unwrap_or(p))
                }),
                openalex: self
                    .id
                    .as_deref()
                    .map(|i| i.rsplit('/').next().unwrap_or(i).to_string()),
                ..Ids::default()
            },
            title: self.title.or(self.display_name).unwrap_or_default(),
            authors: self
                .authorships
                .unwrap_or_default()
                .into_iter()
                .filter_map(|a| {
                    let name = a.author.display_name.or(a.raw_author_name)?;
                    Some(author(split_display_name(&name), a.author.orcid.as_deref()))
                })
                .collect(),
            venue: self
                .primary_location
                .and_then(|l| l.source)
                .and_then(|s| s.display_name),
            year: self.publication_year,
            month: self
                .publication_date
                .as_deref()
                .and_then(|d| d.get(5..7))
                .and_then(|m| m.parse().ok())
                .filter(|m: &u8| (1..=12).contains(m)),
            kind,
            volume: biblio.volume,
            issue: biblio.issue,
            pages,
            abstract_text: None,
            citations: self.cited_by_count,
            oa_url: self.open_access.and_then(|o| o.oa_url),
        }
    }
}

/// Parses a list answer.
pub fn parse_list(body: &[u8], url: &str) -> Result<WorkList, HttpError> {
    serde_json::from_slice(body).map_err(|e| HttpError::Parse {
        url: url.to_string(),
        message: format!("invalid OpenAlex work list: {e}"),
    })
}

fn list_request(ctx: &Ctx, filter: &str, cursor: &str, purpose: Purpose) -> Request {
    let per_page = PER_PAGE.to_string();
    let mut query = vec![
        ("filter", filter),
        ("per-page", per_page.as_str()),
        ("cursor", cursor),
    ];
    if let Some(m) = ctx.mailto.as_deref().filter(|m| !m.trim().is_empty()) {
        query.push(("mailto", m));
    }
    let mut req = Request::get(
        Service::Openalex,
        url_with(&ctx.base, "/works", &query),
        "application/json",
    );
    if let Some(key) = &ctx.keys.openalex {
        req.secret_query.push(("api_key".into(), key.clone()));
    }
    req.purpose = purpose;
    req
}

/// Every page of a filtered list.
async fn all_pages(
    ctx: &Ctx,
    filter: &str,
    purpose: Purpose,
    fetched: &mut Fetched,
) -> Result<Vec<Candidate>, HttpError> {
    let mut cursor = "*".to_string();
    let mut out = Vec::new();
    for _ in 0..MAX_PAGES {
        let req = list_request(ctx, filter, &cursor, purpose);
        let resp = super::send(ctx, req.clone()).await?;
        if resp.is_not_found() {
            fetched.responses.push(stored(&req, &resp));
            break;
        }
        resp.expect_json()?;
        let page = parse_list(&resp.body, &resp.url)?;
        fetched.responses.push(stored(&req, &resp));
        let n = page.results.len();
        out.extend(page.results.into_iter().map(|w| w.into_candidate(&ctx.now)));
        match page.meta.next_cursor {
            Some(next) if n > 0 && !next.is_empty() && next != cursor => cursor = next,
            _ => break,
        }
    }
    Ok(out)
}

async fn fetch_batch(ctx: &Ctx, batch: &[Lookup]) -> Result<Fetched, HttpError> {
    let mut fetched = Fetched::default();
    match batch.first() {
        Some(Lookup::Doi(_)) | Some(Lookup::Pmid(_)) => {
            let (field, values): (&str, Vec<String>) = match batch.first() {
                Some(Lookup::Doi(_)) => (
                    "doi",
                    batch
                        .iter()
                        .filter_map(|l| match l {
                            Lookup::Doi(d) if !d.as_str().contains(['|', ',']) => {
                                Some(d.to_string())
                            }
                            _ => None,
                        })
                        .collect(),
                ),
                _ => (
                    "ids.pmid",
                    batch
                        .iter()
                        .filter_map(|l| match l {
                            Lookup::Pmid(p) => Some(p.to_string()),
                            _ => None,
                        })
                        .collect(),
                ),
            };
            let candidates = if values.is_empty() {
                Vec::new()
            } else {
                let filter = format!("{field}:{}", values.join("|"));
                all_pages(ctx, &filter, Purpose::Ids, &mut fetched).await?
            };
            fetched.found = assign(batch, &candidates);
        }
        Some(l @ Lookup::Orcid(orcid)) => {
            let filter = format!("author.orcid:{orcid}");
            let works = all_pages(ctx, &filter, Purpose::Person, &mut fetched).await?;
            fetched.found.push(result(l, works));
        }
        Some(l @ Lookup::OpenalexAuthor(id)) => {
            let filter = format!("author.id:{id}");
            let works = all_pages(ctx, &filter, Purpose::Person, &mut fetched).await?;
            fetched.found.push(result(l, works));
        }
        _ => {}
    }
    Ok(fetched)
}

impl Source for Openalex {
    fn service(&self) -> Service {
        Service::Openalex
    }

    fn handles(&self, lookup: &Lookup) -> bool {
        matches!(
            lookup,
            Lookup::Doi(_) | Lookup::Pmid(_) | Lookup::Orcid(_) | Lookup::OpenalexAuthor(_)
        )
    }

    fn batch_size(&self, lookup: &Lookup) -> usize {
        match lookup {
            Lookup::Doi(_) | Lookup::Pmid(_) => BATCH,
            _ => 1,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_parses_defensively() {
        let body = br#"{"meta":{"count":1,"next_cursor":null},"results":[
          {"id":"https://openalex.org/W123","doi":"https://doi.org/10.1000/ABC","title":"T","publication_year":2020,
           "publication_date":"2020-07-01","type":"article","ids":{"pmid":"https://pubmed.ncbi.nlm.nih.gov/555","pmcid":"https://www.ncbi.nlm.nih.gov/pmc/articles/777"},
           "authorships":[{"author":{"display_name":"Anna Verbeek","orcid":"https://orcid.org/0000-0002-1825-0097"}}],
           "primary_location":{"source":null},"biblio":{"volume":"3","first_page":"10","last_page":"20"},"cited_by_count":9,
           "open_access":{"oa_url":null},"host_venue":null},
          {"id":"https://openalex.org/W9"}]}"#;
        let list = parse_list(body, "u").unwrap();
        assert!(list.meta.next_cursor.is_none());
        let c: Vec<Candidate> = list
            .results
            .into_iter()
            .map(|w| w.into_candidate("t"))
            .collect();
        assert_eq!(c[0].ids.doi.as_ref().unwrap().as_str(), "10.1000/abc");
        assert_eq!(c[0].ids.pmid, Some(Pmid(555)));
        assert_eq!(c[0].ids.pmcid.as_ref().unwrap().as_str(), "PMC777");
        assert_eq!(c[0].ids.openalex.as_deref(), Some("W123"));
        assert_eq!(c[0].pages.as_deref(), Some("10-20"));
        assert_eq!(
            c[0].authors[0].orcid.as_deref(),
            Some("0000-0002-1825-0097")
        );
        assert_eq!(c[1].title, "");
    }
}
