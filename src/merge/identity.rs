//! Identity resolution: is this harvested candidate (or that other bib entry) the same work as
//! a bib entry, a related one (preprint ↔ published version), or a different one?
//!
//! Rules, strongest first:
//! - a shared DOI, PMID, arXiv id, Semantic Scholar id or OpenAlex id means the same work;
//! - with no shared id: folded title similarity at or above the threshold, years within ±1,
//!   and the same folded family name of the first author;
//! - a preprint and a non-preprint are never the same work, only *related*, whatever they
//!   share (Semantic Scholar gives a preprint and its journal version one paper id);
//! - a conference abstract and a paper are different works, even under the same title.
//!
//! [`BibIndex`] answers these questions for many candidates against one bibliography without
//! comparing every pair: ids are hashed, titles go through an inverted word index first.

use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

use serde::Serialize;

use crate::merge::fold;
use crate::model::{ArxivId, Candidate, Doi, Ids, Kind, Pmcid, Pmid, Publication};

/// What kind of work this is, as far as identity is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkClass {
    /// arXiv, medRxiv, bioRxiv, SSRN, Research Square…
    Preprint,
    /// A conference abstract (DIAG writes these as `@conference`).
    Abstract,
    /// Anything else: articles, full conference papers, theses, chapters…
    Paper,
}

/// A work reduced to what identity needs, from a bib entry or a candidate.
#[derive(Debug, Clone, Default)]
pub struct Work {
    /// Identifiers, with gaps filled from raw fields (eprint, url, ss_id…).
    pub ids: Ids,
    /// Folded title.
    pub title: String,
    /// Content words of the folded title.
    pub words: BTreeSet<String>,
    /// Year.
    pub year: Option<i32>,
    /// Folded family name of the first author.
    pub first_family: String,
    /// Preprint, abstract or paper.
    pub class: Option<WorkClass>,
    /// Kind of work, when known (a conference contribution may be an abstract or a paper).
    pub kind: Option<Kind>,
}

/// Why two works are linked.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "by", rename_all = "lowercase")]
pub enum Basis {
    /// Same DOI.
    Doi,
    /// Same PMID.
    Pmid,
    /// Same arXiv id.
    Arxiv,
    /// Same Semantic Scholar id.
    S2,
    /// Same OpenAlex id.
    Openalex,
    /// Title similarity, year within range, same first author.
    Title {
        /// Folded title similarity, 0..=1.
        similarity: f64,
    },
}

impl Basis {
    /// Strength rank: ids before titles.
    fn rank(self) -> u8 {
        match self {
            Basis::Doi => 0,
            Basis::Pmid => 1,
            Basis::Arxiv => 2,
            Basis::S2 => 3,
            Basis::Openalex => 4,
            Basis::Title { .. } => 5,
        }
    }

    /// A phrase for reports: "same DOI", "title similarity 0.96, year and first author agree".
    pub fn describe(self) -> String {
        match self {
            Basis::Doi => "same DOI".into(),
            Basis::Pmid => "same PMID".into(),
            Basis::Arxiv => "same arXiv id".into(),
            Basis::S2 => "same Semantic Scholar id".into(),
            Basis::Openalex => "same OpenAlex id".into(),
            Basis::Title { similarity } => {
                format!("title similarity {similarity:.2}, year and first author agree")
            }
        }
    }
}

/// How two works relate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Link {
    /// The same work.
    Same(Basis),
    /// A preprint and its published version.
    Related(Basis),
}

static PREPRINT_VENUE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(?i)\b(arxiv|medrxiv|biorxiv|ssrn|research ?square|preprints?\b|techrxiv|chemrxiv|psyarxiv|osf preprints)")
        .expect("static regex")
});
static PREPRINT_DOI: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"^10\.(48550/|1101/\d{4}\.\d{2}\.\d{2}|21203/rs|2139/ssrn|36227/techrxiv|26434/chemrxiv|31234/osf)")
        .expect("static regex")
});
static ABSTRACT_VENUE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)\b(abstracts?|annual meeting|scientific assembly|congress|supplement)\b",
    )
    .expect("static regex")
});
static S2_ID: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"\b[0-9a-f]{40}\b").expect("static regex"));

/// True for DOIs that preprint servers mint (arXiv `10.48550`, medRxiv/bioRxiv dated
/// `10.1101/2020.01.01…`, Research Square, SSRN…).
pub fn is_preprint_doi(doi: &Doi) -> bool {
    PREPRINT_DOI.is_match(doi.as_str())
}

/// The identifiers of a bib entry: the loaded ones, with gaps filled from raw fields
/// (`doi`, `pmid`, `pmcid`, `eprint`/`journal`/`url` for arXiv, `ss_id`/`all_ss_ids`).
pub fn publication_ids(p: &Publication) -> Ids {
    let mut ids = p.ids.clone();
    let field = |name: &str| p.fields.get(name).map(String::as_str);
    if ids.doi.is_none() {
        ids.doi = field("doi").and_then(Doi::parse);
    }
    if ids.pmid.is_none() {
        ids.pmid = field("pmid").and_then(Pmid::parse);
    }
    if ids.pmcid.is_none() {
        ids.pmcid = field("pmcid").and_then(Pmcid::parse);
    }
    if ids.arxiv.is_none() {
        // `eprint` holds an arXiv id unless `archiveprefix` names another server; elsewhere
        // (journal, url, note) a number only counts where arXiv is named.
        let eprint = field("eprint")
            .filter(|_| field("archiveprefix").is_none_or(|a| a.eq_ignore_ascii_case("arxiv")))
            .and_then(ArxivId::parse);
        ids.arxiv = eprint
            .or_else(|| {
                ["journal", "url", "arxiv", "note"]
                    .into_iter()
                    .filter_map(field)
                    .filter(|v| v.to_ascii_lowercase().contains("arxiv"))
                    .find_map(ArxivId::parse)
            })
            .or_else(|| {
                ids.doi
                    .as_ref()
                    .filter(|d| d.as_str().starts_with("10.48550/"))
                    .and_then(|d| ArxivId::parse(d.as_str()))
            });
    }
    if ids.s2.is_empty() {
        for name in ["ss_id", "all_ss_ids"] {
            if let Some(v) = field(name) {
                for m in S2_ID.find_iter(&v.to_ascii_lowercase()) {
                    if !ids.s2.iter().any(|s| s == m.as_str()) {
                        ids.s2.push(m.as_str().to_string());
                    }
                }
            }
        }
    }
    ids
}

/// Whether a bib entry is a preprint: kind `Preprint`, a preprint server as journal, or a
/// preprint DOI.
pub fn publication_class(p: &Publication) -> WorkClass {
    let venue_is_preprint = p
        .journal
        .as_deref()
        .or(p.fields.get("journal").map(String::as_str))
        .is_some_and(|j| PREPRINT_VENUE.is_match(j));
    let doi_is_preprint = publication_ids(p).doi.as_ref().is_some_and(is_preprint_doi);
    if p.kind == Some(Kind::Preprint) || venue_is_preprint || doi_is_preprint {
        WorkClass::Preprint
    } else if p.entry_type == "conference"
        || p.booktitle
            .as_deref()
            .is_some_and(|b| b.to_lowercase().contains("abstract"))
    {
        WorkClass::Abstract
    } else {
        WorkClass::Paper
    }
}

/// Preprint, abstract or paper, for a candidate.
pub fn candidate_class(c: &Candidate) -> WorkClass {
    let venue = c.venue.as_deref().unwrap_or("");
    let preprint_doi = c.ids.doi.as_ref().is_some_and(is_preprint_doi);
    let only_arxiv = c.ids.arxiv.is_some()
        && c.ids.doi.as_ref().is_none_or(is_preprint_doi)
        && (venue.is_empty() || PREPRINT_VENUE.is_match(venue));
    if c.kind == Some(Kind::Preprint)
        || PREPRINT_VENUE.is_match(venue)
        || preprint_doi
        || only_arxiv
    {
        WorkClass::Preprint
    } else if ABSTRACT_VENUE.is_match(venue) {
        WorkClass::Abstract
    } else {
        WorkClass::Paper
    }
}

impl Work {
    /// The identity view of a bib entry.
    pub fn from_publication(p: &Publication) -> Work {
        let title = fold::title(&p.title);
        Work {
            ids: publication_ids(p),
            words: fold::title_words(&title),
            title,
            year: p.year,
            first_family: p.authors.first().map(fold::family).unwrap_or_default(),
            class: Some(publication_class(p)),
            kind: p.kind,
        }
    }

    /// The identity view of a candidate.
    pub fn from_candidate(c: &Candidate) -> Work {
        let title = fold::title(&c.title);
        let mut ids = c.ids.clone();
        if ids.arxiv.is_none() {
            ids.arxiv = ids
                .doi
                .as_ref()
                .filter(|d| d.as_str().starts_with("10.48550/"))
                .and_then(|d| ArxivId::parse(d.as_str()));
        }
        Work {
            ids,
            words: fold::title_words(&title),
            title,
            year: c.year,
            first_family: c
                .authors
                .first()
                .map(|a| fold::family(&a.name))
                .unwrap_or_default(),
            class: Some(candidate_class(c)),
            kind: c.kind,
        }
    }

    fn class(&self) -> WorkClass {
        self.class.unwrap_or(WorkClass::Paper)
    }
}

/// The id both works carry, strongest first.
pub fn shared_id(a: &Ids, b: &Ids) -> Option<Basis> {
    fn eq<T: PartialEq>(x: &Option<T>, y: &Option<T>) -> bool {
        x.is_some() && x == y
    }
    if eq(&a.doi, &b.doi) {
        Some(Basis::Doi)
    } else if eq(&a.pmid, &b.pmid) {
        Some(Basis::Pmid)
    } else if eq(&a.arxiv, &b.arxiv) {
        Some(Basis::Arxiv)
    } else if a
        .s2
        .iter()
        .any(|s| b.s2.iter().any(|t| t.eq_ignore_ascii_case(s)))
    {
        Some(Basis::S2)
    } else if a.openalex.is_some()
        && a.openalex.as_deref().map(str::to_ascii_uppercase)
            == b.openalex.as_deref().map(str::to_ascii_uppercase)
    {
        Some(Basis::Openalex)
    } else {
        None
    }
}

/// Decides how two works relate, or `None` when they are different works.
/// `threshold` is the title similarity at which two works without a shared id are the same.
pub fn compare(a: &Work, b: &Work, threshold: f64) -> Option<Link> {
    let preprint_pair = (a.class() == WorkClass::Preprint) != (b.class() == WorkClass::Preprint);
    // An abstract and a journal article are different works; a conference contribution
    // the service cannot tell apart from an abstract may be either.
    let abstract_vs = |x: &Work, y: &Work| {
        x.class() == WorkClass::Abstract
            && y.class() == WorkClass::Paper
            && y.kind != Some(Kind::InProceedings)
    };
    let abstract_pair = !preprint_pair && (abstract_vs(a, b) || abstract_vs(b, a));
    if let Some(basis) = shared_id(&a.ids, &b.ids) {
        let strong = matches!(basis, Basis::Doi | Basis::Pmid);
        return if preprint_pair {
            Some(Link::Related(basis))
        } else if abstract_pair && !strong {
            // Services fold an abstract and its paper into one record; the curated bib does not.
            None
        } else {
            Some(Link::Same(basis))
        };
    }
    // A preprint is of a paper, not of a conference abstract.
    let preprint_of_abstract =
        preprint_pair && (a.class() == WorkClass::Abstract || b.class() == WorkClass::Abstract);
    if abstract_pair || preprint_of_abstract || a.title.is_empty() || b.title.is_empty() {
        return None;
    }
    if !fold::same_family(&a.first_family, &b.first_family) {
        return None;
    }
    let (Some(ya), Some(yb)) = (a.year, b.year) else {
        return None;
    };
    let window = if preprint_pair { 2 } else { 1 };
    if (ya - yb).abs() > window {
        return None;
    }
    // Cheap word overlap first; Levenshtein only for plausible pairs.
    if fold::word_overlap(&a.words, &b.words) < 0.5 {
        return None;
    }
    let similarity = fold::title_similarity(&a.title, &b.title);
    if similarity < threshold {
        return None;
    }
    let basis = Basis::Title { similarity };
    Some(if preprint_pair {
        Link::Related(basis)
    } else {
        Link::Same(basis)
    })
}

/// What the bibliography holds for one work.
#[derive(Debug, Clone, Default)]
pub struct Resolution {
    /// The bib entry that is the same work (index into the publications), and why.
    pub same: Option<(usize, Basis)>,
    /// A bib entry that is its preprint or published version, and why.
    pub related: Option<(usize, Basis)>,
    /// The bib entry with the most similar title (whatever year or authors), with the similarity.
    pub nearest: Option<(usize, f64)>,
}

/// Every bib entry, indexed for identity questions.
#[derive(Debug, Clone)]
pub struct BibIndex {
    /// One [`Work`] per publication, same order.
    pub works: Vec<Work>,
    threshold: f64,
    by_doi: HashMap<String, Vec<usize>>,
    by_pmid: HashMap<u64, Vec<usize>>,
    by_arxiv: HashMap<String, Vec<usize>>,
    by_s2: HashMap<String, Vec<usize>>,
    by_openalex: HashMap<String, Vec<usize>>,
    by_word: HashMap<String, Vec<usize>>,
}

impl BibIndex {
    /// Indexes `publications` with the given title threshold.
    pub fn new(publications: &[Publication], threshold: f64) -> BibIndex {
        let works: Vec<Work> = publications.iter().map(Work::from_publication).collect();
        let mut index = BibIndex {
            works: Vec::new(),
            threshold,
            by_doi: HashMap::new(),
            by_pmid: HashMap::new(),
            by_arxiv: HashMap::new(),
            by_s2: HashMap::new(),
            by_openalex: HashMap::new(),
            by_word: HashMap::new(),
        };
        for (i, w) in works.iter().enumerate() {
            if let Some(d) = &w.ids.doi {
                index
                    .by_doi
                    .entry(d.as_str().to_string())
                    .or_default()
                    .push(i);
            }
            if let Some(p) = w.ids.pmid {
                index.by_pmid.entry(p.0).or_default().push(i);
            }
            if let Some(a) = &w.ids.arxiv {
                index
                    .by_arxiv
                    .entry(a.as_str().to_string())
                    .or_default()
                    .push(i);
            }
            for s in &w.ids.s2 {
                index
                    .by_s2
                    .entry(s.to_ascii_lowercase())
                    .or_default()
                    .push(i);
            }
            if let Some(o) = &w.ids.openalex {
                index
                    .by_openalex
                    .entry(o.to_ascii_uppercase())
                    .or_default()
                    .push(i);
            }
            for word in &w.words {
                index.by_word.entry(word.clone()).or_default().push(i);
            }
        }
        index.works = works;
        index
    }

    /// The title similarity threshold in use.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// Entries that share an id with `work`.
    fn id_hits(&self, ids: &Ids) -> BTreeSet<usize> {
        let mut hits = BTreeSet::new();
        let mut add = |v: Option<&Vec<usize>>| hits.extend(v.into_iter().flatten().copied());
        if let Some(d) = &ids.doi {
            add(self.by_doi.get(d.as_str()));
        }
        if let Some(p) = ids.pmid {
            add(self.by_pmid.get(&p.0));
        }
        if let Some(a) = &ids.arxiv {
            add(self.by_arxiv.get(a.as_str()));
        }
        for s in &ids.s2 {
            add(self.by_s2.get(&s.to_ascii_lowercase()));
        }
        if let Some(o) = &ids.openalex {
            add(self.by_openalex.get(&o.to_ascii_uppercase()));
        }
        hits
    }

    /// Entries whose titles share enough words with `work` (word Dice ≥ `min_overlap`),
    /// best overlap first.
    fn title_hits(&self, work: &Work, min_overlap: f64) -> Vec<(usize, f64)> {
        let mut counts: Vec<u32> = vec![0; self.works.len()];
        let mut touched: Vec<usize> = Vec::new();
        for word in &work.words {
            for &i in self.by_word.get(word).into_iter().flatten() {
                if counts[i] == 0 {
                    touched.push(i);
                }
                counts[i] += 1;
            }
        }
        let mut hits: Vec<(usize, f64)> = touched
            .into_iter()
            .filter_map(|i| {
                let common = counts[i] as usize;
                let n = work.words.len() + self.works[i].words.len();
                let overlap = if n == 0 {
                    0.0
                } else {
                    2.0 * common as f64 / n as f64
                };
                (overlap >= min_overlap).then_some((i, overlap))
            })
            .collect();
        hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        hits
    }

    /// How `work` relates to the bibliography. `skip` excludes one entry (the work itself,
    /// when comparing bib entries with each other).
    pub fn resolve(&self, work: &Work, skip: Option<usize>) -> Resolution {
        let mut pool = self.id_hits(&work.ids);
        // Titles sharing too few words cannot reach any threshold; the best few suffice.
        let titled: Vec<usize> = self
            .title_hits(work, 0.4)
            .into_iter()
            .take(10)
            .map(|h| h.0)
            .collect();
        pool.extend(titled.iter().copied());
        let mut res = Resolution::default();
        let better = |new: Basis, old: Option<(usize, Basis)>| match old {
            None => true,
            Some((_, o)) => match (new, o) {
                (Basis::Title { similarity: a }, Basis::Title { similarity: b }) => a > b,
                _ => new.rank() < o.rank(),
            },
        };
        for &i in &pool {
            if Some(i) == skip {
                continue;
            }
            match compare(work, &self.works[i], self.threshold) {
                Some(Link::Same(b)) if better(b, res.same) => res.same = Some((i, b)),
                Some(Link::Related(b)) if better(b, res.related) => res.related = Some((i, b)),
                _ => {}
            }
        }
        for &i in &titled {
            if Some(i) == skip {
                continue;
            }
            let s = fold::title_similarity(&work.title, &self.works[i].title);
            if res.nearest.is_none_or(|(_, best)| s > best) {
                res.nearest = Some((i, s));
            }
        }
        res
    }
}

/// What a pair of bib entries is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PairKind {
    /// The same work under two keys.
    Duplicate,
    /// A preprint and its published version: keep both, link them.
    Related,
}

/// Two bib entries that are the same work or related works.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BibPair {
    /// Duplicate or related.
    pub kind: PairKind,
    /// The first key (file order).
    pub a: String,
    /// The second key.
    pub b: String,
    /// Why, in words.
    pub reason: String,
}

/// Finds duplicates (same DOI, or same title and year, under two keys) and preprint ↔
/// published pairs within the bibliography. Sorted by kind, then keys.
pub fn bib_pairs(publications: &[Publication], threshold: f64) -> Vec<BibPair> {
    let index = BibIndex::new(publications, threshold);
    let mut seen: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut out = Vec::new();
    let mut push = |i: usize, j: usize, kind: PairKind, reason: String, out: &mut Vec<BibPair>| {
        let pair = (i.min(j), i.max(j));
        if pair.0 != pair.1 && seen.insert(pair) {
            out.push(BibPair {
                kind,
                a: publications[pair.0].key.clone(),
                b: publications[pair.1].key.clone(),
                reason,
            });
        }
    };
    // Same DOI under two keys.
    for (doi, keys) in &index.by_doi {
        for (n, &i) in keys.iter().enumerate() {
            for &j in &keys[n + 1..] {
                let related = (index.works[i].class() == WorkClass::Preprint)
                    != (index.works[j].class() == WorkClass::Preprint);
                let kind = if related {
                    PairKind::Related
                } else {
                    PairKind::Duplicate
                };
                push(i, j, kind, format!("same DOI {doi}"), &mut out);
            }
        }
    }
    // Same folded title and year under two keys (an abstract and its paper are different works).
    let mut by_title: HashMap<(&str, Option<i32>), Vec<usize>> = HashMap::new();
    for (i, w) in index.works.iter().enumerate() {
        if !w.title.is_empty() {
            by_title
                .entry((w.title.as_str(), w.year))
                .or_default()
                .push(i);
        }
    }
    let mut groups: Vec<&Vec<usize>> = by_title.values().filter(|v| v.len() > 1).collect();
    groups.sort();
    for keys in groups {
        for (n, &i) in keys.iter().enumerate() {
            for &j in &keys[n + 1..] {
                let (ci, cj) = (index.works[i].class(), index.works[j].class());
                if ci == cj {
                    push(
                        i,
                        j,
                        PairKind::Duplicate,
                        "same title and year".into(),
                        &mut out,
                    );
                } else if (ci == WorkClass::Preprint) != (cj == WorkClass::Preprint) {
                    push(
                        i,
                        j,
                        PairKind::Related,
                        "preprint and published version: same title".into(),
                        &mut out,
                    );
                }
            }
        }
    }
    // Preprint ↔ published pairs by title or shared ids.
    for (i, w) in index.works.iter().enumerate() {
        if w.class() != WorkClass::Preprint {
            continue;
        }
        let res = index.resolve(w, Some(i));
        if let Some((j, basis)) = res.related {
            push(
                i,
                j,
                PairKind::Related,
                format!("preprint and published version: {}", basis.describe()),
                &mut out,
            );
        }
    }
    out.sort_by(|x, y| (x.kind, &x.a, &x.b).cmp(&(y.kind, &y.a, &y.b)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CandidateAuthor, Name};

    fn name(given: &str, family: &str) -> Name {
        Name {
            given: given.into(),
            family: family.into(),
            ..Name::default()
        }
    }

    fn publication(
        key: &str,
        entry_type: &str,
        title: &str,
        year: i32,
        fields: &[(&str, &str)],
    ) -> Publication {
        let mut p = Publication {
            key: key.into(),
            entry_type: entry_type.into(),
            kind: Some(if entry_type == "article" {
                Kind::Article
            } else {
                Kind::InProceedings
            }),
            title: title.into(),
            year: Some(year),
            authors: vec![name("Keelin", "Murphy"), name("Bram", "van Ginneken")],
            ..Publication::default()
        };
        for (k, v) in fields {
            p.fields.insert(k.to_string(), v.to_string());
        }
        p.journal = p.fields.get("journal").cloned();
        p
    }

    fn candidate(title: &str, year: i32, doi: Option<&str>) -> Candidate {
        Candidate {
            title: title.into(),
            year: Some(year),
            ids: Ids {
                doi: doi.and_then(Doi::parse),
                ..Ids::default()
            },
            authors: vec![CandidateAuthor {
                name: name("K.", "Murphy"),
                orcid: None,
            }],
            venue: Some("Scientific Reports".into()),
            ..Candidate::default()
        }
    }

    const CAD: &str = "Computer aided detection of tuberculosis on chest radiographs: An evaluation of the CAD4TB v6 system";

    fn murphy_pair() -> Vec<Publication> {
        vec![
            publication(
                "Murp19",
                "article",
                CAD,
                2019,
                &[
                    ("journal", "arXiv:1903.03349"),
                    ("url", "https://arxiv.org/abs/1903.03349"),
                    ("all_ss_ids", "['61d1507dec6ef557cba474c4f67b1d0ad3631fb0']"),
                ],
            ),
            publication(
                "Murp20",
                "article",
                CAD,
                2020,
                &[
                    ("journal", "Scientific Reports"),
                    ("doi", "10.1038/s41598-020-62148-y"),
                    ("pmid", "32218458"),
                    ("url", "https://arxiv.org/abs/1903.03349"),
                    ("ss_id", "61d1507dec6ef557cba474c4f67b1d0ad3631fb0"),
                ],
            ),
        ]
    }

    #[test]
    fn preprint_and_published_are_related_not_duplicates() {
        let pubs = murphy_pair();
        assert_eq!(publication_class(&pubs[0]), WorkClass::Preprint);
        assert_eq!(publication_class(&pubs[1]), WorkClass::Paper);
        let pairs = bib_pairs(&pubs, 0.9);
        assert_eq!(pairs.len(), 1, "{pairs:?}");
        assert_eq!(pairs[0].kind, PairKind::Related);
        assert_eq!(
            (pairs[0].a.as_str(), pairs[0].b.as_str()),
            ("Murp19", "Murp20")
        );
    }

    #[test]
    fn candidate_resolves_by_doi_then_title() {
        let pubs = murphy_pair();
        let index = BibIndex::new(&pubs, 0.9);
        let by_doi = Work::from_candidate(&candidate(
            "Something else entirely",
            2020,
            Some("10.1038/S41598-020-62148-Y"),
        ));
        assert_eq!(index.resolve(&by_doi, None).same.map(|s| s.0), Some(1));
        let by_title = Work::from_candidate(&candidate(&format!("{CAD}."), 2021, None));
        let res = index.resolve(&by_title, None);
        assert!(
            matches!(res.same, Some((1, Basis::Title { .. }))),
            "{res:?}"
        );
        // Three years off is another work.
        let old = Work::from_candidate(&candidate(CAD, 2023, None));
        assert!(index.resolve(&old, None).same.is_none());
    }

    #[test]
    fn abstract_and_article_with_one_title_are_different_works() {
        let pubs = vec![
            publication(
                "Abst18",
                "conference",
                "Deep learning for lung nodule detection",
                2018,
                &[],
            ),
            publication(
                "Arti18",
                "article",
                "Deep learning for lung nodule detection",
                2018,
                &[("journal", "Radiology")],
            ),
        ];
        assert!(bib_pairs(&pubs, 0.9).is_empty());
        let dup = vec![
            publication(
                "Dupl18",
                "article",
                "Deep learning for lung nodule detection",
                2018,
                &[],
            ),
            publication(
                "Dupl18a",
                "article",
                "Deep Learning for Lung Nodule Detection.",
                2018,
                &[],
            ),
            publication(
                "Doid18",
                "article",
                "Other",
                2018,
                &[("doi", "10.1000/xyz1")],
            ),
            publication(
                "Doid18a",
                "article",
                "Another",
                2018,
                &[("doi", "https://doi.org/10.1000/XYZ1")],
            ),
        ];
        let pairs = bib_pairs(&dup, 0.9);
        assert_eq!(pairs.len(), 2, "{pairs:?}");
        assert!(pairs.iter().all(|p| p.kind == PairKind::Duplicate));
        assert!(pairs
            .iter()
            .any(|p| p.a == "Doid18" && p.reason.contains("10.1000/xyz1")));
    }

    #[test]
    fn preprint_candidate_of_published_entry_is_related() {
        let pubs = murphy_pair();
        let index = BibIndex::new(&pubs[1..], 0.9);
        let mut c = candidate(CAD, 2019, Some("10.48550/arXiv.1903.03349"));
        c.venue = Some("arXiv".into());
        let res = index.resolve(&Work::from_candidate(&c), None);
        assert!(res.same.is_none());
        assert!(res.related.is_some(), "{res:?}");
    }
}
