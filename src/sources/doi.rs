//! doi.org content negotiation (`https://doi.org`, `PUBLIST_DOI_URL`).
//!
//! For DOIs Crossref does not hold (DataCite DOIs from Zenodo and arXiv, mEDRA): `GET /{doi}`
//! with `Accept: application/vnd.citationstyles.csl+json`. doi.org answers with a redirect to
//! the registration agency, so these requests — and only these — follow redirects to other
//! hosts. An unknown DOI (404) is remembered as unknown.

use futures::future::BoxFuture;
use serde::Deserialize;

use super::{author, clean_title, csl_name, result, stored, Ctx, Fetched, Lookup, Source};
use crate::http::{HttpError, Request};
use crate::model::{Candidate, Doi, Ids, Service};

/// The CSL-JSON media type asked for.
pub const CSL_JSON: &str = "application/vnd.citationstyles.csl+json";

/// The doi.org source.
#[derive(Debug, Clone, Copy)]
pub struct DoiOrg;

/// A string or a list of strings (CSL-JSON writes both).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One.
    One(String),
    /// Many.
    Many(Vec<String>),
}

impl OneOrMany {
    fn first(self) -> Option<String> {
        match self {
            OneOrMany::One(s) => Some(s),
            OneOrMany::Many(v) => v.into_iter().next(),
        }
    }
}

/// A CSL name.
#[derive(Debug, Deserialize, Default)]
pub struct CslName {
    /// Given.
    pub given: Option<String>,
    /// Family.
    pub family: Option<String>,
    /// Literal (organisations).
    pub literal: Option<String>,
    /// ORCID URL.
    #[serde(rename = "ORCID")]
    pub orcid: Option<String>,
}

/// CSL date.
#[derive(Debug, Deserialize, Default)]
pub struct CslDate {
    /// `[[y, m, d]]`.
    #[serde(rename = "date-parts", default)]
    pub parts: Vec<Vec<Option<serde_json::Value>>>,
}

/// A CSL-JSON item.
#[derive(Debug, Deserialize, Default)]
pub struct CslItem {
    /// DOI.
    #[serde(rename = "DOI")]
    pub doi: Option<String>,
    /// Title.
    pub title: Option<OneOrMany>,
    /// Authors.
    #[serde(default)]
    pub author: Vec<CslName>,
    /// Container.
    #[serde(rename = "container-title")]
    pub container: Option<OneOrMany>,
    /// Publisher (DataCite repositories such as Zenodo).
    pub publisher: Option<String>,
    /// Issued.
    pub issued: Option<CslDate>,
    /// Volume.
    pub volume: Option<serde_json::Value>,
    /// Issue.
    pub issue: Option<serde_json::Value>,
    /// Pages.
    pub page: Option<String>,
    /// Type.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Citation count (Crossref-registered DOIs).
    #[serde(rename = "is-referenced-by-count")]
    pub cited_by: Option<u64>,
}

fn text(v: Option<serde_json::Value>) -> Option<String> {
    match v? {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl CslItem {
    /// The item as a candidate; the requested DOI is used when the item has none.
    pub fn into_candidate(self, requested: &Doi, retrieved: &str) -> Candidate {
        let part = |i: usize| -> Option<i64> {
            let v = self.issued.as_ref()?.parts.first()?.get(i)?.as_ref()?;
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        };
        let (year, month) = (part(0), part(1));
        Candidate {
            source: Some(Service::Doi),
            retrieved: retrieved.to_string(),
            ids: Ids {
                doi: self
                    .doi
                    .as_deref()
                    .and_then(Doi::parse)
                    .or_else(|| Some(requested.clone())),
                ..Ids::default()
            },
            title: self
                .title
                .and_then(OneOrMany::first)
                .map(|t| clean_title(&t))
                .unwrap_or_default(),
            authors: self
                .author
                .iter()
                .map(|a| {
                    let name = csl_name(
                        a.family.as_deref(),
                        a.literal.as_deref(),
                        a.given.as_deref(),
                    );
                    author(name, a.orcid.as_deref())
                })
                .collect(),
            venue: self
                .container
                .and_then(OneOrMany::first)
                .filter(|c| !c.trim().is_empty())
                .or(self.publisher),
            year: year.and_then(|y| i32::try_from(y).ok()),
            month: month
                .and_then(|m| u8::try_from(m).ok())
                .filter(|m| (1..=12).contains(m)),
            kind: self.kind.as_deref().map(super::crossref::kind_of),
            volume: text(self.volume),
            issue: text(self.issue),
            pages: self.page,
            abstract_text: None,
            citations: self.cited_by,
            oa_url: None,
        }
    }
}

async fn fetch_one(ctx: &Ctx, lookup: &Lookup, doi: &Doi) -> Result<Fetched, HttpError> {
    let mut req = Request::get(
        Service::Doi,
        format!("{}/{}", ctx.base, super::encode_path(doi.as_str())),
        CSL_JSON,
    );
    req.follow_redirects = true;
    let resp = super::send(ctx, req.clone()).await?;
    let candidates = if resp.is_not_found() {
        Vec::new()
    } else {
        let item: CslItem = super::parse_json(&resp)?;
        vec![item.into_candidate(doi, &ctx.now)]
    };
    Ok(Fetched {
        responses: vec![stored(&req, &resp)],
        found: vec![result(lookup, candidates)],
    })
}

impl Source for DoiOrg {
    fn service(&self) -> Service {
        Service::Doi
    }

    fn handles(&self, lookup: &Lookup) -> bool {
        matches!(lookup, Lookup::Doi(_))
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
                Some(l @ Lookup::Doi(d)) => fetch_one(ctx, l, d).await,
                _ => Ok(Fetched::default()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datacite_csl_parses() {
        let body = br#"{"type":"article","id":"https://doi.org/10.5281/zenodo.42","DOI":"10.5281/ZENODO.42",
          "author":[{"family":"Verbeek","given":"Anna"},{"literal":"Example Lab"}],"issued":{"date-parts":[["2021"]]},
          "publisher":"Zenodo","title":"A data set","volume":3}"#;
        let item: CslItem = serde_json::from_slice(body).unwrap();
        let doi = Doi::parse("10.5281/zenodo.42").unwrap();
        let c = item.into_candidate(&doi, "t");
        assert_eq!(c.ids.doi, Some(doi));
        assert_eq!(c.venue.as_deref(), Some("Zenodo"));
        assert_eq!(c.year, Some(2021));
        assert_eq!(c.volume.as_deref(), Some("3"));
        assert_eq!(c.authors[1].name.family, "Example Lab");
    }
}
