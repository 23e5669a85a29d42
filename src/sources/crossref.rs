//! Crossref REST API (`https://api.crossref.org`, `PUBLIST_CROSSREF_URL`).
//!
//! - Works by DOI in batches: `GET /works?filter=doi:A,doi:B,…&rows=N` (a DOI holding a comma
//!   cannot be put in a filter and is asked alone with `GET /works/{doi}`).
//! - A bibliographic search for entries without identifiers:
//!   `GET /works?query.bibliographic=TITLE&query.author=FAMILY&filter=from-pub-date:Y,until-pub-date:Y&rows=5`.
//!
//! `mailto=` joins the polite pool. Abstracts (JATS) are kept only under a Creative Commons
//! licence.

use futures::future::BoxFuture;
use serde::Deserialize;

use super::{
    assign, author, clean_title, csl_name, parse_json, result, send, stored, strip_tags, url_with,
    Ctx, Fetched, Lookup, Search, Source,
};
use crate::http::{encode, HttpError, Purpose, Request};
use crate::model::{Candidate, Doi, Ids, Kind, Service};

/// DOIs per filter request.
pub const BATCH: usize = 50;

/// Results kept per bibliographic search.
pub const SEARCH_ROWS: usize = 5;

/// The Crossref source.
#[derive(Debug, Clone, Copy)]
pub struct Crossref;

/// `{"message": …}`
#[derive(Debug, Deserialize)]
pub struct Envelope<T> {
    /// The payload.
    pub message: T,
}

/// A list answer.
#[derive(Debug, Deserialize)]
pub struct WorkList {
    /// The works.
    #[serde(default)]
    pub items: Vec<Work>,
}

/// `date-parts` holder.
#[derive(Debug, Deserialize, Default)]
pub struct DateParts {
    /// `[[year, month, day]]`, elements may be null.
    #[serde(rename = "date-parts", default)]
    pub date_parts: Vec<Vec<Option<serde_json::Value>>>,
}

impl DateParts {
    fn part(&self, i: usize) -> Option<i64> {
        let v = self.date_parts.first()?.get(i)?.as_ref()?;
        v.as_i64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    }
}

/// An author entry (`{given, family, ORCID}` or an organisation `{name}`).
#[derive(Debug, Deserialize, Default)]
pub struct Author {
    /// Given names.
    pub given: Option<String>,
    /// Family name.
    pub family: Option<String>,
    /// Organisation name.
    pub name: Option<String>,
    /// ORCID URL.
    #[serde(rename = "ORCID")]
    pub orcid: Option<String>,
}

/// A licence entry.
#[derive(Debug, Deserialize, Default)]
pub struct License {
    /// Licence URL.
    #[serde(rename = "URL")]
    pub url: Option<String>,
}

/// One Crossref work (the fields publist reads).
#[derive(Debug, Deserialize, Default)]
pub struct Work {
    /// DOI.
    #[serde(rename = "DOI")]
    pub doi: String,
    /// Title(s).
    #[serde(default)]
    pub title: Vec<String>,
    /// Authors.
    #[serde(default)]
    pub author: Vec<Author>,
    /// Container title(s).
    #[serde(rename = "container-title", default)]
    pub container_title: Vec<String>,
    /// Issue date.
    pub issued: Option<DateParts>,
    /// Publication date.
    pub published: Option<DateParts>,
    /// Volume.
    pub volume: Option<String>,
    /// Issue.
    pub issue: Option<String>,
    /// Pages.
    pub page: Option<String>,
    /// Work type (`journal-article`, …).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Citation count.
    #[serde(rename = "is-referenced-by-count")]
    pub cited_by: Option<u64>,
    /// JATS abstract.
    #[serde(rename = "abstract")]
    pub abstract_jats: Option<String>,
    /// Licences.
    #[serde(default)]
    pub license: Vec<License>,
}

/// Maps a Crossref (or CSL) type to a [`Kind`].
pub fn kind_of(t: &str) -> Kind {
    match t {
        "journal-article" | "article-journal" | "article" => Kind::Article,
        "proceedings-article" | "paper-conference" => Kind::InProceedings,
        "posted-content" | "preprint" => Kind::Preprint,
        "book" | "monograph" | "edited-book" => Kind::Book,
        "book-chapter" | "chapter" | "book-section" | "book-part" => Kind::Chapter,
        "dissertation" | "thesis" => Kind::PhdThesis,
        "report" | "report-component" => Kind::Report,
        "patent" => Kind::Patent,
        _ => Kind::Misc,
    }
}

impl Work {
    /// The work as a candidate.
    pub fn into_candidate(self, retrieved: &str) -> Candidate {
        let date = self.published.as_ref().or(self.issued.as_ref());
        let licensed = self.license.iter().any(|l| {
            l.url
                .as_deref()
                .is_some_and(|u| u.contains("creativecommons.org"))
        });
        Candidate {
            source: Some(Service::Crossref),
            retrieved: retrieved.to_string(),
            ids: Ids {
                doi: Doi::parse(&self.doi),
                ..Ids::default()
            },
            title: self
                .title
                .first()
                .map(|t| clean_title(t))
                .unwrap_or_default(),
            authors: self
                .author
                .iter()
                .map(|a| {
                    let name = csl_name(a.family.as_deref(), a.name.as_deref(), a.given.as_deref());
                    author(name, a.orcid.as_deref())
                })
                .collect(),
            venue: self
                .container_title
                .first()
                .cloned()
                .filter(|v| !v.is_empty()),
            year: date
                .and_then(|d| d.part(0))
                .and_then(|y| i32::try_from(y).ok()),
            month: date
                .and_then(|d| d.part(1))
                .and_then(|m| u8::try_from(m).ok())
                .filter(|m| (1..=12).contains(m)),
            kind: self.kind.as_deref().map(kind_of),
            volume: self.volume,
            issue: self.issue,
            pages: self.page,
            abstract_text: self
                .abstract_jats
                .filter(|_| licensed)
                .map(|a| strip_tags(&a))
                .filter(|a| !a.is_empty()),
            citations: self.cited_by,
            oa_url: None,
        }
    }
}

/// Parses a `/works` list answer into candidates.
pub fn parse_list(body: &[u8], url: &str, retrieved: &str) -> Result<Vec<Candidate>, HttpError> {
    let env: Envelope<WorkList> = serde_json::from_slice(body).map_err(|e| HttpError::Parse {
        url: url.to_string(),
        message: format!("invalid Crossref work list: {e}"),
    })?;
    Ok(env
        .message
        .items
        .into_iter()
        .map(|w| w.into_candidate(retrieved))
        .collect())
}

fn polite<'a>(ctx: &'a Ctx, query: &mut Vec<(&'a str, &'a str)>) {
    if let Some(m) = ctx.mailto.as_deref().filter(|m| !m.trim().is_empty()) {
        query.push(("mailto", m));
    }
}

/// The request for a batch of DOIs.
pub fn batch_request(ctx: &Ctx, dois: &[&Doi]) -> Request {
    let filter = dois
        .iter()
        .map(|d| format!("doi:{d}"))
        .collect::<Vec<_>>()
        .join(",");
    let rows = dois.len().to_string();
    let mut query = vec![("filter", filter.as_str()), ("rows", rows.as_str())];
    polite(ctx, &mut query);
    Request::get(
        Service::Crossref,
        url_with(&ctx.base, "/works", &query),
        "application/json",
    )
}

/// The request for a bibliographic search.
pub fn search_request(ctx: &Ctx, search: &Search) -> Request {
    let rows = SEARCH_ROWS.to_string();
    let filter = search
        .year
        .map(|y| format!("from-pub-date:{y},until-pub-date:{y}"));
    let mut query = vec![("query.bibliographic", search.title.as_str())];
    if let Some(a) = &search.author {
        query.push(("query.author", a.as_str()));
    }
    if let Some(f) = &filter {
        query.push(("filter", f.as_str()));
    }
    query.push(("rows", rows.as_str()));
    polite(ctx, &mut query);
    let mut req = Request::get(
        Service::Crossref,
        url_with(&ctx.base, "/works", &query),
        "application/json",
    );
    req.purpose = Purpose::Search;
    req
}

async fn fetch_dois(ctx: &Ctx, batch: &[Lookup]) -> Result<Fetched, HttpError> {
    let dois: Vec<&Doi> = batch
        .iter()
        .filter_map(|l| match l {
            Lookup::Doi(d) => Some(d),
            _ => None,
        })
        .collect();
    let (plain, odd): (Vec<&Doi>, Vec<&Doi>) =
        dois.into_iter().partition(|d| !d.as_str().contains(','));
    let mut fetched = Fetched::default();
    let mut candidates = Vec::new();
    if !plain.is_empty() {
        let req = batch_request(ctx, &plain);
        let resp = send(ctx, req.clone()).await?;
        if !resp.is_not_found() {
            resp.expect_json()?;
            candidates.extend(parse_list(&resp.body, &resp.url, &ctx.now)?);
        }
        fetched.responses.push(stored(&req, &resp));
    }
    for doi in odd {
        let mut query = Vec::new();
        polite(ctx, &mut query);
        let path = format!("/works/{}", encode(doi.as_str()));
        let req = Request::get(
            Service::Crossref,
            url_with(&ctx.base, &path, &query),
            "application/json",
        );
        let resp = send(ctx, req.clone()).await?;
        if !resp.is_not_found() {
            let env: Envelope<Work> = parse_json(&resp)?;
            candidates.push(env.message.into_candidate(&ctx.now));
        }
        fetched.responses.push(stored(&req, &resp));
    }
    fetched.found = assign(batch, &candidates);
    Ok(fetched)
}

async fn fetch_search(ctx: &Ctx, lookup: &Lookup, search: &Search) -> Result<Fetched, HttpError> {
    let req = search_request(ctx, search);
    let resp = send(ctx, req.clone()).await?;
    let candidates = if resp.is_not_found() {
        Vec::new()
    } else {
        resp.expect_json()?;
        parse_list(&resp.body, &resp.url, &ctx.now)?
    };
    Ok(Fetched {
        responses: vec![stored(&req, &resp)],
        found: vec![result(lookup, candidates)],
    })
}

impl Source for Crossref {
    fn service(&self) -> Service {
        Service::Crossref
    }

    fn handles(&self, lookup: &Lookup) -> bool {
        matches!(lookup, Lookup::Doi(_) | Lookup::Search(_))
    }

    fn batch_size(&self, lookup: &Lookup) -> usize {
        match lookup {
            Lookup::Doi(_) => BATCH,
            _ => 1,
        }
    }

    fn fetch<'a>(
        &'a self,
        ctx: &'a Ctx,
        batch: &'a [Lookup],
    ) -> BoxFuture<'a, Result<Fetched, HttpError>> {
        Box::pin(async move {
            match batch.first() {
                Some(l @ Lookup::Search(s)) => fetch_search(ctx, l, s).await,
                Some(Lookup::Doi(_)) => fetch_dois(ctx, batch).await,
                _ => Ok(Fetched::default()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_with_organisation_author_and_null_dates_parses() {
        let body = br#"{"status":"ok","message":{"items":[{"DOI":"10.1000\/ABC","title":["A <i>study<\/i>"],
            "author":[{"given":"Ann","family":"Smith","ORCID":"http:\/\/orcid.org\/0000-0002-1825-0097"},{"name":"Some Consortium"}],
            "container-title":["Journal of Tests"],"issued":{"date-parts":[[null]]},"published":{"date-parts":[[2021,3]]},
            "type":"journal-article","is-referenced-by-count":7,"abstract":"<jats:p>Hidden<\/jats:p>"}]}}"#;
        let c = parse_list(body, "u", "t").unwrap();
        assert_eq!(c.len(), 1);
        let c = &c[0];
        assert_eq!(c.ids.doi.as_ref().unwrap().as_str(), "10.1000/abc");
        assert_eq!(c.title, "A study");
        assert_eq!(c.authors[0].orcid.as_deref(), Some("0000-0002-1825-0097"));
        assert_eq!(c.authors[1].name.family, "Some Consortium");
        assert_eq!((c.year, c.month), (Some(2021), Some(3)));
        assert_eq!(c.kind, Some(Kind::Article));
        assert_eq!(c.citations, Some(7));
        assert_eq!(c.abstract_text, None, "no licence, no abstract");
    }
}
