//! arXiv API (`https://export.arxiv.org/api`, `PUBLIST_ARXIV_URL`).
//!
//! Metadata by id in batches: `GET /query?id_list=a,b,…&max_results=N` (Atom XML). The
//! `<arxiv:doi>` of the published version is kept when given. arXiv asks for at most one
//! request every 3 seconds on one connection: the defaults (`rate = 0.33`, `concurrency = 1`)
//! do exactly that. arXiv metadata (abstracts included) is CC0, so abstracts are kept.

use futures::future::BoxFuture;

use super::xml::{self, Element};
use super::{assign, split_display_name, stored, url_with, Ctx, Fetched, Lookup, Source};
use crate::http::{HttpError, Request};
use crate::model::{ArxivId, Candidate, CandidateAuthor, Doi, Ids, Kind, Service};

/// Ids per request.
pub const BATCH: usize = 50;

/// The arXiv source.
#[derive(Debug, Clone, Copy)]
pub struct Arxiv;

/// One Atom entry as a candidate; `None` for arXiv's error entries.
pub fn entry_candidate(entry: &Element, retrieved: &str) -> Option<Candidate> {
    let id_url = entry.child_text("id")?;
    if id_url.contains("/api/errors") {
        return None;
    }
    let arxiv = ArxivId::parse(&id_url)?;
    let published = entry.child_text("published").unwrap_or_default();
    let year = published.get(..4).and_then(|y| y.parse().ok());
    let month = published
        .get(5..7)
        .and_then(|m| m.parse().ok())
        .filter(|m: &u8| (1..=12).contains(m));
    let doi = entry.child_text("doi").as_deref().and_then(Doi::parse);
    let journal_ref = entry.child_text("journal_ref");
    let pdf = entry
        .all("link")
        .find(|l| l.attr("title") == Some("pdf"))
        .and_then(|l| l.attr("href"))
        .map(str::to_string);
    Some(Candidate {
        source: Some(Service::Arxiv),
        retrieved: retrieved.to_string(),
        ids: Ids {
            doi,
            arxiv: Some(arxiv),
            ..Ids::default()
        },
        title: entry.child_text("title").unwrap_or_default(),
        authors: entry
            .all("author")
            .filter_map(|a| a.child_text("name"))
            .map(|n| CandidateAuthor {
                name: split_display_name(&n),
                orcid: None,
            })
            .collect(),
        venue: journal_ref.or_else(|| Some("arXiv".to_string())),
        year,
        month,
        kind: Some(Kind::Preprint),
        volume: None,
        issue: None,
        pages: None,
        abstract_text: entry.child_text("summary"),
        citations: None,
        oa_url: pdf,
    })
}

/// Parses an Atom feed into candidates.
pub fn parse_feed(body: &[u8], url: &str, retrieved: &str) -> Result<Vec<Candidate>, HttpError> {
    let root = xml::parse(body, url)?;
    let Some(feed) = root.child("feed") else {
        return Err(HttpError::Parse {
            url: url.to_string(),
            message: "not an Atom feed (no <feed>)".into(),
        });
    };
    Ok(feed
        .all("entry")
        .filter_map(|e| entry_candidate(e, retrieved))
        .collect())
}

/// The request for a batch of ids.
pub fn request(ctx: &Ctx, ids: &[&ArxivId]) -> Request {
    let list = ids.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(",");
    let max = ids.len().to_string();
    Request::get(
        Service::Arxiv,
        url_with(
            &ctx.base,
            "/query",
            &[
                ("id_list", list.as_str()),
                ("start", "0"),
                ("max_results", max.as_str()),
            ],
        ),
        "application/atom+xml",
    )
}

async fn fetch_batch(ctx: &Ctx, batch: &[Lookup]) -> Result<Fetched, HttpError> {
    let ids: Vec<&ArxivId> = batch
        .iter()
        .filter_map(|l| match l {
            Lookup::Arxiv(a) => Some(a),
            _ => None,
        })
        .collect();
    let req = request(ctx, &ids);
    let resp = super::send(ctx, req.clone()).await?;
    resp.expect_xml()?;
    let candidates = parse_feed(&resp.body, &resp.url, &ctx.now)?;
    Ok(Fetched {
        responses: vec![stored(&req, &resp)],
        found: assign(batch, &candidates),
    })
}

impl Source for Arxiv {
    fn service(&self) -> Service {
        Service::Arxiv
    }

    fn handles(&self, lookup: &Lookup) -> bool {
        matches!(lookup, Lookup::Arxiv(_))
    }

    fn batch_size(&self, _lookup: &Lookup) -> usize {
        BATCH
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
    fn feed_entries_and_error_entries() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <entry>
    <id>http://arxiv.org/abs/2101.00001v2</id>
    <published>2021-01-04T10:00:00Z</published>
    <title>Self-supervised  learning
      for pathology</title>
    <summary>We learn.</summary>
    <author><name>Anna Verbeek</name></author>
    <author><name>Pieter de Vries</name></author>
    <arxiv:doi>10.1000/JOURNAL.2021.5</arxiv:doi>
    <link href="http://arxiv.org/pdf/2101.00001v2" rel="related" type="application/pdf" title="pdf"/>
  </entry>
  <entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_1234</id><title>Error</title></entry>
</feed>"#;
        let c = parse_feed(body, "u", "t").unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].ids.arxiv.as_ref().unwrap().as_str(), "2101.00001");
        assert_eq!(
            c[0].ids.doi.as_ref().unwrap().as_str(),
            "10.1000/journal.2021.5"
        );
        assert_eq!(c[0].title, "Self-supervised learning for pathology");
        assert_eq!(c[0].authors[1].name.family, "Vries");
        assert_eq!((c[0].year, c[0].month), (Some(2021), Some(1)));
    }
}
