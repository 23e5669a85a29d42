//! ORCID public API v3.0 (`https://pub.orcid.org/v3.0`, `PUBLIST_ORCID_URL`).
//!
//! A person's works: `GET /{orcid}/works` with `Accept: application/json`. The answer groups
//! works by shared external ids; each group becomes one candidate from its first (preferred)
//! summary, with the group's DOI, PMID, PMC and arXiv ids. Summaries carry no author list.
//! `ORCID_TOKEN` (optional) is sent as a bearer token, never stored. An unknown iD (404) is an
//! empty list.

use futures::future::BoxFuture;
use serde::Deserialize;

use super::{result, stored, Ctx, Fetched, Lookup, Source};
use crate::http::{HttpError, Purpose, Request};
use crate::model::{ArxivId, Candidate, Doi, Ids, Kind, Pmcid, Pmid, Service};

/// The ORCID source.
#[derive(Debug, Clone, Copy)]
pub struct Orcid;

/// `{"value": …}` wrapper.
#[derive(Debug, Deserialize, Default)]
pub struct Value {
    /// The value.
    pub value: Option<String>,
}

/// One external id.
#[derive(Debug, Deserialize, Default)]
pub struct ExternalId {
    /// `doi`, `pmid`, `pmc`, `arxiv`, …
    #[serde(rename = "external-id-type", default)]
    pub kind: String,
    /// The value as entered.
    #[serde(rename = "external-id-value", default)]
    pub value: String,
    /// `self`, `part-of`, `version-of`.
    #[serde(rename = "external-id-relationship")]
    pub relationship: Option<String>,
}

/// `external-ids`.
#[derive(Debug, Deserialize, Default)]
pub struct ExternalIds {
    /// The ids.
    #[serde(rename = "external-id", default)]
    pub ids: Vec<ExternalId>,
}

/// `title`.
#[derive(Debug, Deserialize, Default)]
pub struct Title {
    /// `title.value`.
    pub title: Option<Value>,
}

/// `publication-date`.
#[derive(Debug, Deserialize, Default)]
pub struct PubDate {
    /// Year.
    pub year: Option<Value>,
    /// Month.
    pub month: Option<Value>,
}

/// One work summary.
#[derive(Debug, Deserialize, Default)]
pub struct Summary {
    /// Title.
    pub title: Option<Title>,
    /// Type (`journal-article`, …).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Date.
    #[serde(rename = "publication-date")]
    pub date: Option<PubDate>,
    /// Journal.
    #[serde(rename = "journal-title")]
    pub journal: Option<Value>,
    /// URL.
    pub url: Option<Value>,
}

/// One group.
#[derive(Debug, Deserialize, Default)]
pub struct Group {
    /// Ids shared by the group.
    #[serde(rename = "external-ids")]
    pub external_ids: Option<ExternalIds>,
    /// Summaries, preferred first.
    #[serde(rename = "work-summary", default)]
    pub summaries: Vec<Summary>,
}

/// `/{orcid}/works`.
#[derive(Debug, Deserialize, Default)]
pub struct Works {
    /// Groups.
    #[serde(default)]
    pub group: Vec<Group>,
}

fn kind_of(t: &str) -> Kind {
    match t {
        "journal-article" | "review" => Kind::Article,
        "conference-paper" | "conference-abstract" | "conference-poster" => Kind::InProceedings,
        "preprint" | "working-paper" => Kind::Preprint,
        "book" | "edited-book" => Kind::Book,
        "book-chapter" => Kind::Chapter,
        "dissertation-thesis" | "dissertation" => Kind::PhdThesis,
        "report" => Kind::Report,
        "patent" => Kind::Patent,
        _ => Kind::Misc,
    }
}

impl Group {
    /// The group as a candidate (`None` without a summary).
    pub fn into_candidate(self, retrieved: &str) -> Option<Candidate> {
        let summary = self.summaries.into_iter().next()?;
        let mut ids = Ids::default();
        for x in self.external_ids.unwrap_or_default().ids {
            if x.relationship.as_deref().is_some_and(|r| r != "self") {
                continue;
            }
            match x.kind.as_str() {
                "doi" => ids.doi = ids.doi.or_else(|| Doi::parse(&x.value)),
                "pmid" => ids.pmid = ids.pmid.or_else(|| Pmid::parse(&x.value)),
                "pmc" => ids.pmcid = ids.pmcid.or_else(|| Pmcid::parse(&x.value)),
                "arxiv" => ids.arxiv = ids.arxiv.or_else(|| ArxivId::parse(&x.value)),
                _ => {}
            }
        }
        let date = summary.date.unwrap_or_default();
        Some(Candidate {
            source: Some(Service::Orcid),
            retrieved: retrieved.to_string(),
            ids,
            title: summary
                .title
                .and_then(|t| t.title)
                .and_then(|v| v.value)
                .unwrap_or_default(),
            authors: Vec::new(),
            venue: summary.journal.and_then(|j| j.value),
            year: date.year.and_then(|y| y.value).and_then(|y| y.parse().ok()),
            month: date
                .month
                .and_then(|m| m.value)
                .and_then(|m| m.parse().ok())
                .filter(|m: &u8| (1..=12).contains(m)),
            kind: summary.kind.as_deref().map(kind_of),
            oa_url: None,
            ..Candidate::default()
        })
    }
}

/// Parses a works answer.
pub fn parse_works(body: &[u8], url: &str, retrieved: &str) -> Result<Vec<Candidate>, HttpError> {
    let works: Works = serde_json::from_slice(body).map_err(|e| HttpError::Parse {
        url: url.to_string(),
        message: format!("invalid ORCID works answer: {e}"),
    })?;
    Ok(works
        .group
        .into_iter()
        .filter_map(|g| g.into_candidate(retrieved))
        .collect())
}

async fn fetch_person(ctx: &Ctx, lookup: &Lookup, orcid: &str) -> Result<Fetched, HttpError> {
    let mut req = Request::get(
        Service::Orcid,
        format!("{}/{}/works", ctx.base, super::encode_path(orcid)),
        "application/json",
    );
    req.purpose = Purpose::Person;
    if let Some(token) = &ctx.keys.orcid {
        req.secret_headers
            .push(("authorization".into(), format!("Bearer {token}")));
    }
    let resp = super::send(ctx, req.clone()).await?;
    let works = if resp.is_not_found() {
        Vec::new()
    } else {
        resp.expect_json()?;
        parse_works(&resp.body, &resp.url, &ctx.now)?
    };
    Ok(Fetched {
        responses: vec![stored(&req, &resp)],
        found: vec![result(lookup, works)],
    })
}

impl Source for Orcid {
    fn service(&self) -> Service {
        Service::Orcid
    }

    fn handles(&self, lookup: &Lookup) -> bool {
        matches!(lookup, Lookup::Orcid(_))
    }

    fn batch_size(&self, _lookup: &Lookup) -> usize {
        1
    }

    fn fetch<'a>(
        &'a self,
        ctx: &'a Ctx,
        batch: &'a [Lookup],
    ) -> BoxFuture<'a, Result<Fetched, HttpError>> {
        Box::pin(async move {
            match batch.first() {
                Some(l @ Lookup::Orcid(o)) => fetch_person(ctx, l, o).await,
                _ => Ok(Fetched::default()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_become_candidates_with_self_ids() {
        let body = br#"{"group":[{"external-ids":{"external-id":[
            {"external-id-type":"doi","external-id-value":"10.5281/ZENODO.1","external-id-relationship":"self"},
            {"external-id-type":"issn","external-id-value":"1234-5678","external-id-relationship":"part-of"},
            {"external-id-type":"pmid","external-id-value":"15900001","external-id-relationship":"self"}]},
          "work-summary":[{"title":{"title":{"value":"Melodies"}},"type":"conference-paper",
            "publication-date":{"year":{"value":"2021"},"month":{"value":"11"},"day":null},
            "journal-title":{"value":"ISMIR"}}]},
          {"external-ids":{"external-id":[]},"work-summary":[]}]}"#;
        let c = parse_works(body, "u", "t").unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].ids.doi.as_ref().unwrap().as_str(), "10.5281/zenodo.1");
        assert_eq!(c[0].ids.pmid, Some(Pmid(15900001)));
        assert_eq!((c[0].year, c[0].month), (Some(2021), Some(11)));
        assert_eq!(c[0].kind, Some(Kind::InProceedings));
    }
}
