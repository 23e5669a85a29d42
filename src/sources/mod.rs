//! Stage 2: one file per external service, each behind one trait, each with a
//! base URL that config and `PUBLIST_<SERVICE>_URL` can override.
//!
//! A [`Source`] turns a batch of [`Lookup`]s (a DOI, a PMID, an ORCID, a bibliographic search…)
//! into requests through the one [`crate::http`] layer, parses the answers into typed structs
//! and then into [`Candidate`]s, and says which lookup each candidate answers. The
//! [`harvest`] module decides what to look up, skips what the store already holds, and
//! writes each batch to the [`crate::store`] in one transaction.
//!
//! Request paths below the base URL are exactly those of the real APIs, so a local mock can
//! stand in for any service.

pub mod arxiv;
pub mod crossref;
pub mod doi;
pub mod harvest;
pub mod openalex;
pub mod orcid;
pub mod pubmed;
pub mod semantic_scholar;
pub mod xml;

use std::sync::Arc;

use futures::future::BoxFuture;
use serde::de::DeserializeOwned;

use crate::http::{ApiKeys, HttpClient, HttpError, Request, Response};
use crate::model::{ArxivId, Candidate, CandidateAuthor, Doi, Name, Pmid, Service};
use crate::store::{LookupResult, Store, StoredResponse};

/// A bibliographic search for a publication without identifiers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Search {
    /// Title, plain text.
    pub title: String,
    /// First author's family name.
    pub author: Option<String>,
    /// Year.
    pub year: Option<i32>,
}

/// One question for a service.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lookup {
    /// A work by DOI.
    Doi(Doi),
    /// A work by PubMed id.
    Pmid(Pmid),
    /// A work by arXiv id.
    Arxiv(ArxivId),
    /// A person's works by ORCID iD.
    Orcid(String),
    /// A person's works by OpenAlex author id.
    OpenalexAuthor(String),
    /// A person's works by Semantic Scholar author id.
    S2Author(String),
    /// A bibliographic search.
    Search(Search),
}

impl Lookup {
    /// The store key: `doi:10.1/x`, `pmid:123`, `arxiv:2101.00001`, `orcid:0000-…`,
    /// `openalex-author:A1`, `s2-author:123`, `search:<title>|<family>|<year>` (lowercased,
    /// spaces folded). Never holds a secret.
    pub fn key(&self) -> String {
        match self {
            Lookup::Doi(d) => format!("doi:{d}"),
            Lookup::Pmid(p) => format!("pmid:{p}"),
            Lookup::Arxiv(a) => format!("arxiv:{a}"),
            Lookup::Orcid(o) => format!("orcid:{o}"),
            Lookup::OpenalexAuthor(a) => format!("openalex-author:{a}"),
            Lookup::S2Author(a) => format!("s2-author:{a}"),
            Lookup::Search(s) => {
                let fold = |t: &str| {
                    t.to_lowercase()
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                format!(
                    "search:{}|{}|{}",
                    fold(&s.title),
                    s.author.as_deref().map(fold).unwrap_or_default(),
                    s.year.map(|y| y.to_string()).unwrap_or_default()
                )
            }
        }
    }

    /// The TTL kind: `work`, `person` or `search`.
    pub fn kind(&self) -> &'static str {
        match self {
            Lookup::Doi(_) | Lookup::Pmid(_) | Lookup::Arxiv(_) => "work",
            Lookup::Orcid(_) | Lookup::OpenalexAuthor(_) | Lookup::S2Author(_) => "person",
            Lookup::Search(_) => "search",
        }
    }

    /// Lookups of the same class can share a batch.
    pub fn class(&self) -> u8 {
        match self {
            Lookup::Doi(_) => 0,
            Lookup::Pmid(_) => 1,
            Lookup::Arxiv(_) => 2,
            Lookup::Orcid(_) => 3,
            Lookup::OpenalexAuthor(_) => 4,
            Lookup::S2Author(_) => 5,
            Lookup::Search(_) => 6,
        }
    }
}

/// What a source needs to send requests.
pub struct Ctx {
    /// The shared HTTP layer.
    pub http: Arc<HttpClient>,
    /// The store, for conditional requests.
    pub store: Option<Arc<Store>>,
    /// The service's base URL (no trailing slash).
    pub base: String,
    /// Contact address for polite pools.
    pub mailto: Option<String>,
    /// API keys.
    pub keys: ApiKeys,
    /// Retrieval time stamped on candidates (RFC 3339).
    pub now: String,
}

impl std::fmt::Debug for Ctx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// What one batch produced.
#[derive(Debug, Default)]
pub struct Fetched {
    /// Raw answers to keep.
    pub responses: Vec<StoredResponse>,
    /// One entry per lookup of the batch (empty candidates: the service does not know it).
    pub found: Vec<LookupResult>,
}

/// One external service.
pub trait Source: Send + Sync {
    /// Which service this is.
    fn service(&self) -> Service;

    /// Whether this source answers this kind of lookup.
    fn handles(&self, lookup: &Lookup) -> bool;

    /// How many lookups of this class go into one batch.
    fn batch_size(&self, lookup: &Lookup) -> usize;

    /// Answers one batch (lookups of one class): sends the requests, parses, assigns.
    fn fetch<'a>(
        &'a self,
        ctx: &'a Ctx,
        batch: &'a [Lookup],
    ) -> BoxFuture<'a, Result<Fetched, HttpError>>;
}

/// All sources, in [`Service::ALL`] order.
pub fn all() -> Vec<Arc<dyn Source>> {
    vec![
        Arc::new(crossref::Crossref),
        Arc::new(pubmed::Pubmed),
        Arc::new(openalex::Openalex),
        Arc::new(semantic_scholar::SemanticScholar),
        Arc::new(arxiv::Arxiv),
        Arc::new(orcid::Orcid),
        Arc::new(doi::DoiOrg),
    ]
}

/// Sends a request through the HTTP layer. When the store holds an earlier answer to the same
/// request with an ETag or Last-Modified, the request is conditional and a 304 returns the
/// stored body.
pub async fn send(ctx: &Ctx, mut req: Request) -> Result<Arc<Response>, HttpError> {
    let stored = match &ctx.store {
        Some(store) => store.response(req.service, &req.key()).ok().flatten(),
        None => None,
    };
    if let Some(s) = &stored {
        if s.etag.is_some() || s.last_modified.is_some() {
            req.validators = Some((s.etag.clone(), s.last_modified.clone()));
        }
    }
    let resp = ctx.http.fetch(&req).await?;
    match stored {
        Some(s) if resp.is_not_modified() => Ok(Arc::new(Response {
            url: resp.url.clone(),
            status: s.status,
            content_type: s.content_type,
            etag: s.etag,
            last_modified: s.last_modified,
            body: s.body,
        })),
        _ => Ok(resp),
    }
}

/// Parses a JSON answer after checking its content type.
pub fn parse_json<T: DeserializeOwned>(resp: &Response) -> Result<T, HttpError> {
    resp.expect_json()?;
    serde_json::from_slice(&resp.body).map_err(|e| HttpError::Parse {
        url: resp.url.clone(),
        message: format!("invalid JSON: {e}"),
    })
}

/// The raw answer as the store keeps it.
pub fn stored(req: &Request, resp: &Response) -> StoredResponse {
    StoredResponse {
        request: req.key(),
        status: resp.status,
        content_type: resp.content_type.clone(),
        etag: resp.etag.clone(),
        last_modified: resp.last_modified.clone(),
        body: resp.body.clone(),
    }
}

/// Builds `base + path` with query pairs, percent-encoded.
pub fn url_with(base: &str, path: &str, query: &[(&str, &str)]) -> String {
    let mut url = format!("{base}{path}");
    if !query.is_empty() {
        url.push('?');
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in query {
            ser.append_pair(k, v);
        }
        url.push_str(&ser.finish());
    }
    url
}

/// Percent-encodes a DOI (or other id) for use in a URL path, keeping `/`.
pub fn encode_path(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Assigns candidates to the lookups of a batch by shared DOI, PMID or arXiv id. Every
/// lookup gets an entry (empty when nothing matched).
pub fn assign(batch: &[Lookup], candidates: &[Candidate]) -> Vec<LookupResult> {
    batch
        .iter()
        .map(|l| {
            let matching: Vec<Candidate> = candidates
                .iter()
                .filter(|c| match l {
                    Lookup::Doi(d) => c.ids.doi.as_ref() == Some(d),
                    Lookup::Pmid(p) => c.ids.pmid == Some(*p),
                    Lookup::Arxiv(a) => c.ids.arxiv.as_ref() == Some(a),
                    _ => false,
                })
                .cloned()
                .collect();
            LookupResult {
                lookup: l.key(),
                kind: l.kind().to_string(),
                candidates: matching,
            }
        })
        .collect()
}

/// One lookup's result.
pub fn result(lookup: &Lookup, candidates: Vec<Candidate>) -> LookupResult {
    LookupResult {
        lookup: lookup.key(),
        kind: lookup.kind().to_string(),
        candidates,
    }
}

/// Splits a display name ("Bram van Ginneken") into given and family: the last word is the
/// family name, lowercase particles before it join the family.
pub fn split_display_name(full: &str) -> Name {
    let words: Vec<&str> = full.split_whitespace().collect();
    if words.len() < 2 {
        return Name {
            family: full.trim().to_string(),
            ..Name::default()
        };
    }
    let mut split = words.len() - 1;
    while split > 1
        && words[split - 1]
            .chars()
            .next()
            .is_some_and(char::is_lowercase)
    {
        split -= 1;
    }
    let (given, family) = words.split_at(split);
    let family_words: Vec<&str> = family.to_vec();
    let particle_len = family_words
        .iter()
        .take_while(|w| w.chars().next().is_some_and(char::is_lowercase))
        .count()
        .min(family_words.len() - 1);
    Name {
        given: given.join(" "),
        particle: family_words[..particle_len].join(" "),
        family: family_words[particle_len..].join(" "),
        suffix: String::new(),
    }
}

/// A CSL-shaped author (Crossref and doi.org share the shape) as a [`Name`]: `family` +
/// `given` when given; else an organisation or literal name as the family; else the given
/// text split as a display name.
pub fn csl_name(family: Option<&str>, literal: Option<&str>, given: Option<&str>) -> Name {
    match (family, literal) {
        (Some(family), _) => Name {
            given: given.unwrap_or_default().to_string(),
            family: family.to_string(),
            ..Name::default()
        },
        (None, Some(literal)) => Name {
            family: literal.to_string(),
            ..Name::default()
        },
        (None, None) => split_display_name(given.unwrap_or("")),
    }
}

/// A bare ORCID iD from `https://orcid.org/0000-…` or a bare iD.
pub fn bare_orcid(text: &str) -> Option<String> {
    let t = text.trim().trim_end_matches('/');
    let id = t.rsplit('/').next()?.trim();
    let ok = id.len() == 19
        && id.chars().enumerate().all(|(i, c)| {
            if i % 5 == 4 {
                c == '-'
            } else {
                c.is_ascii_digit() || (i == 18 && c == 'X')
            }
        });
    ok.then(|| id.to_string())
}

/// An author with an optional ORCID.
pub fn author(name: Name, orcid: Option<&str>) -> CandidateAuthor {
    CandidateAuthor {
        name,
        orcid: orcid.and_then(bare_orcid),
    }
}

/// Strips XML/HTML tags (JATS abstracts) and folds whitespace.
pub fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Cleans a title: folds whitespace, drops one trailing period (PubMed style).
pub fn clean_title(text: &str) -> String {
    let t = strip_tags(text);
    let t = t.trim();
    match t.strip_suffix('.') {
        Some(s) if !s.ends_with('.') => s.to_string(),
        _ => t.to_string(),
    }
}

/// Splits lookups into batches: same class together, at most `size` each, in order.
pub fn batches(source: &dyn Source, lookups: &[Lookup]) -> Vec<Vec<Lookup>> {
    let mut by_class: std::collections::BTreeMap<u8, Vec<Lookup>> = Default::default();
    for l in lookups {
        by_class.entry(l.class()).or_default().push(l.clone());
    }
    let mut out = Vec::new();
    for (_, list) in by_class {
        let size = list
            .first()
            .map(|l| source.batch_size(l))
            .unwrap_or(1)
            .max(1);
        for chunk in list.chunks(size) {
            out.push(chunk.to_vec());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_split_with_particles() {
        let n = split_display_name("Bram van Ginneken");
        assert_eq!(
            (n.given.as_str(), n.particle.as_str(), n.family.as_str()),
            ("Bram", "van", "Ginneken")
        );
        let n = split_display_name("Clara I. Sánchez");
        assert_eq!(
            (n.given.as_str(), n.family.as_str()),
            ("Clara I.", "Sánchez")
        );
        let n = split_display_name("Plato");
        assert_eq!(n.family, "Plato");
    }

    #[test]
    fn orcids_normalize() {
        assert_eq!(
            bare_orcid("https://orcid.org/0000-0002-0766-7305").as_deref(),
            Some("0000-0002-0766-7305")
        );
        assert_eq!(
            bare_orcid("0000-0001-2345-678X").as_deref(),
            Some("0000-0001-2345-678X")
        );
        assert_eq!(bare_orcid("1234"), None);
    }

    #[test]
    fn search_keys_fold_case_and_space() {
        let s = Lookup::Search(Search {
            title: "Deep  Learning".into(),
            author: Some("Litjens".into()),
            year: Some(2017),
        });
        assert_eq!(s.key(), "search:deep learning|litjens|2017");
    }

    #[test]
    fn titles_lose_tags_and_one_period() {
        assert_eq!(
            clean_title("<i>EEG</i> background activity."),
            "EEG background activity"
        );
        assert_eq!(clean_title("Et al..."), "Et al...");
    }
}
