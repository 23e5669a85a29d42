//! Text evidence: a tokenizer for scientific English and a BM25F index over publications.
//!
//! Tokens are folded to ASCII, lowercased and stemmed (Snowball English), except acronyms:
//! a word written in capitals (`CT`, `MRI`, `TILs`, `CNNs`) keeps its letters, loses only a
//! plural `s`, and is never taken for a stop word (`US` is ultrasound, `us` is a pronoun).
//! URLs, Markdown link targets, template tags and bare numbers are dropped. Text that is
//! mostly capitals (a title in caps) is read as ordinary words.
//!
//! The index is built once; a query visits only the postings of its most informative terms,
//! so ranking cost does not grow with the number of publications times the number of projects.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use rust_stemmers::{Algorithm, Stemmer};

/// BM25 term-frequency saturation.
pub const K1: f32 = 1.2;
/// BM25 length normalization.
pub const B: f32 = 0.75;
/// Field weights of a publication (BM25F): title, keywords, abstract.
pub const FIELD_WEIGHTS: [f32; 3] = [2.0, 1.5, 1.0];
/// How many query terms (the most informative ones) a query visits.
pub const MAX_QUERY_TERMS: usize = 48;

/// Common English words plus words that every project page or abstract uses and that
/// therefore say nothing about a topic.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "either",
    "etc",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "however",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "may",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "per",
    "same",
    "shall",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "thus",
    "to",
    "too",
    "under",
    "until",
    "up",
    "upon",
    "us",
    "very",
    "via",
    "was",
    "we",
    "well",
    "were",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "within",
    "without",
    "would",
    "yet",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "i.e",
    "e.g",
    "et",
    "al",
    // Page and abstract boilerplate.
    "project",
    "projects",
    "student",
    "students",
    "msc",
    "bsc",
    "phd",
    "thesis",
    "supervisor",
    "supervised",
    "eligible",
    "elgible",
    "monthly",
    "reimbursement",
    "requirements",
    "please",
    "information",
    "read",
    "website",
    "contact",
    "vacancy",
    "vacancies",
    "http",
    "https",
    "www",
    "com",
    "org",
    "nl",
    "html",
    "png",
    "jpg",
    "imgurl",
    "br",
    "new",
    "use",
    "used",
    "using",
    "based",
    "results",
    "result",
    "methods",
    "method",
    "conclusion",
    "conclusions",
    "purpose",
    "background",
    "aim",
    "aims",
    "objective",
    "objectives",
    "approach",
    "solution",
    "study",
    "studies",
    "paper",
    "present",
    "presented",
    "propose",
    "proposed",
    "show",
    "shown",
    "two",
    "three",
    "first",
    "second",
    "different",
    "several",
    "many",
    "large",
    "high",
    "low",
];

static STOP: LazyLock<std::collections::HashSet<&'static str>> =
    LazyLock::new(|| STOP_WORDS.iter().copied().collect());

static NOISE: LazyLock<Regex> = LazyLock::new(|| {
    // URLs, Markdown link/image targets, template tags, HTML tags and entities.
    Regex::new(r"(?x) https?://[^\s)\]>]+ | www\.[^\s)\]>]+ | \]\([^)]*\) | \{\{[^}]*\}\} | \{%[^%]*%\} | </?[A-Za-z][^>]*> | &[a-z]+;")
        .expect("static regex")
});

/// Turns text into index terms. Keeps a cache from word to term, so each distinct word is
/// stemmed once.
pub struct Tokenizer {
    stemmer: Stemmer,
    cache: HashMap<String, Option<String>>,
}

impl Default for Tokenizer {
    fn default() -> Self {
        Tokenizer {
            stemmer: Stemmer::create(Algorithm::English),
            cache: HashMap::new(),
        }
    }
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokenizer")
            .field("cached_words", &self.cache.len())
            .finish()
    }
}

impl Tokenizer {
    /// The terms of `text`, in order, with their surface forms (lowercased words as written).
    pub fn tokens(&mut self, text: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        self.each_term(text, |term, word| {
            out.push((term.to_string(), word.to_lowercase()))
        });
        out
    }

    /// Calls `f(term, word)` for every term of `text`, without allocating per token.
    pub fn each_term(&mut self, text: &str, mut f: impl FnMut(&str, &str)) {
        let cleaned = NOISE.replace_all(text, " ");
        let letters = cleaned.chars().filter(|c| c.is_alphabetic()).count();
        let upper = cleaned.chars().filter(|c| c.is_uppercase()).count();
        // A title in capitals is ordinary words, not a row of acronyms.
        let shouting = letters >= 12 && upper * 2 > letters;
        for word in cleaned.split(|c: char| !c.is_alphanumeric()) {
            if word.is_empty() {
                continue;
            }
            if !shouting {
                if let Some(a) = acronym(word) {
                    f(&a, word);
                    continue;
                }
            }
            if let Some(Some(term)) = self.cache.get(word) {
                f(term, word);
                continue;
            }
            if let Some(term) = self.term(word, true) {
                f(&term, word);
            }
        }
    }

    /// The term of one word, or `None` for stop words, numbers and single letters.
    pub fn term(&mut self, word: &str, shouting: bool) -> Option<String> {
        if let Some(acronym) = (!shouting).then(|| acronym(word)).flatten() {
            return Some(acronym);
        }
        if let Some(hit) = self.cache.get(word) {
            return hit.clone();
        }
        let folded = deunicode::deunicode(word).to_lowercase();
        let folded: String = folded.chars().filter(char::is_ascii_alphanumeric).collect();
        let term = if folded.len() < 2
            || folded.bytes().all(|b| b.is_ascii_digit())
            || STOP.contains(folded.as_str())
        {
            None
        } else if folded.bytes().any(|b| b.is_ascii_digit()) {
            // `3d`, `t2`, `covid19`: kept as written.
            Some(folded)
        } else {
            Some(self.stemmer.stem(&folded).into_owned())
        };
        self.cache.insert(word.to_string(), term.clone());
        term
    }
}

/// `CT` → `ct`, `TILs` → `til`, `CNNs` → `cnn`, `3D` → `3d`; `None` for ordinary words.
fn acronym(word: &str) -> Option<String> {
    let core = word
        .strip_suffix('s')
        .filter(|c| c.len() >= 2)
        .unwrap_or(word);
    let uppers = core.chars().filter(|c| c.is_uppercase()).count();
    let ok = (2..=6).contains(&core.chars().count())
        && uppers >= 1
        && core.chars().all(|c| c.is_uppercase() || c.is_ascii_digit())
        && (uppers >= 2 || core.chars().any(|c| c.is_ascii_digit()));
    ok.then(|| deunicode::deunicode(core).to_lowercase())
}

/// A term's id in the index.
pub type TermId = u32;

/// One publication's text fields, for indexing.
#[derive(Debug, Clone, Copy, Default)]
pub struct DocFields<'a> {
    /// Title.
    pub title: &'a str,
    /// Keywords, joined.
    pub keywords: &'a str,
    /// Abstract.
    pub abstract_text: &'a str,
}

/// A BM25F index over publications (documents are numbered in insertion order).
#[derive(Debug, Default)]
pub struct TextIndex {
    tokenizer: Tokenizer,
    terms: HashMap<String, TermId>,
    /// Per term: (document, weighted term frequency), documents ascending.
    postings: Vec<Vec<(u32, f32)>>,
    /// Per document: weighted length.
    lengths: Vec<f32>,
    avg_length: f32,
    /// Per term: the largest saturated term frequency over its postings (the term's
    /// contribution to any document is at most its query weight times this).
    max_saturation: Vec<f32>,
}

/// Reusable buffers of [`TextIndex::search`], so ranking many projects allocates nothing
/// per project that grows with the bibliography.
#[derive(Debug, Default)]
pub struct Scratch {
    /// Per document: the sum over the exhaustively scored terms (zero when untouched).
    acc: Vec<f32>,
    /// Documents with a nonzero `acc`.
    touched: Vec<u32>,
    /// Scores for order statistics.
    values: Vec<f32>,
}

/// The result of [`TextIndex::search`].
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// How many of the query's terms (a prefix, most informative first) were scored over
    /// their whole postings; the others only for candidate documents.
    exhaustive: usize,
    /// The best text score of any document (0 when nothing matched).
    pub best: f32,
    /// The documents among the `k` best whose score is at least `ratio × best`, with their
    /// exact scores, best first (ties by document).
    pub top: Vec<(u32, f32)>,
}

/// A query: terms with weights, ready to run.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// (term, query weight × idf, surface form), most informative first.
    pub terms: Vec<(TermId, f32, String)>,
}

impl TextIndex {
    /// Builds the index from every publication's fields.
    pub fn build<'a>(docs: impl IntoIterator<Item = DocFields<'a>>) -> TextIndex {
        let mut index = TextIndex::default();
        let mut counts: HashMap<TermId, f32> = HashMap::new();
        for (doc, fields) in docs.into_iter().enumerate() {
            counts.clear();
            let mut length = 0.0;
            for (text, weight) in [fields.title, fields.keywords, fields.abstract_text]
                .into_iter()
                .zip(FIELD_WEIGHTS)
            {
                let TextIndex {
                    tokenizer,
                    terms,
                    postings,
                    ..
                } = &mut index;
                tokenizer.each_term(text, |term, _| {
                    let id = match terms.get(term) {
                        Some(&id) => id,
                        None => {
                            let id = terms.len() as TermId;
                            terms.insert(term.to_string(), id);
                            postings.push(Vec::new());
                            id
                        }
                    };
                    *counts.entry(id).or_default() += weight;
                    length += weight;
                });
            }
            let mut sorted: Vec<(TermId, f32)> = counts.iter().map(|(&t, &c)| (t, c)).collect();
            sorted.sort_by_key(|&(t, _)| t);
            for (term, tf) in sorted {
                index.postings[term as usize].push((doc as u32, tf));
            }
            index.lengths.push(length);
        }
        let n = index.lengths.len().max(1) as f32;
        index.avg_length = (index.lengths.iter().sum::<f32>() / n).max(1.0);
        index.max_saturation = index
            .postings
            .iter()
            .map(|list| {
                list.iter()
                    .map(|&(doc, tf)| index.saturate(tf, doc as usize))
                    .fold(0.0f32, f32::max)
            })
            .collect();
        index
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.lengths.len()
    }

    /// True when no document is indexed.
    pub fn is_empty(&self) -> bool {
        self.lengths.is_empty()
    }

    /// BM25 inverse document frequency of a term (never negative).
    pub fn idf(&self, term: TermId) -> f32 {
        let n = self.len() as f32;
        let df = self.postings[term as usize].len() as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// True when a term is in more than half of the documents: its Robertson–Spärck Jones
    /// relevance weight `ln((N − df + ½) / (df + ½))` is then at most zero, i.e. finding the
    /// term in a document is no evidence that the document is about the query. Such terms
    /// are left out of queries (classic Okapi BM25 clamps their weight to zero); they are
    /// also the ones with the longest postings.
    pub fn is_uninformative(&self, term: TermId) -> bool {
        self.postings[term as usize].len() * 2 > self.len()
    }

    /// Builds a query from weighted pieces of text (e.g. the title counts three times).
    /// Query term weights are sublinear in frequency (1 + ln tf); terms unknown to the
    /// index or in more than half of the documents ([`TextIndex::is_uninformative`]) are
    /// dropped; only the [`MAX_QUERY_TERMS`] most informative are kept.
    pub fn query(&mut self, parts: &[(&str, f32)]) -> Query {
        let mut weights: HashMap<TermId, (f32, String)> = HashMap::new();
        for &(text, weight) in parts {
            for (term, surface) in self.tokenizer.tokens(text) {
                if let Some(&id) = self.terms.get(&term) {
                    if self.is_uninformative(id) {
                        continue;
                    }
                    let e = weights.entry(id).or_insert((0.0, surface));
                    e.0 += weight;
                }
            }
        }
        let mut terms: Vec<(TermId, f32, String)> = weights
            .into_iter()
            .map(|(id, (tf, surface))| (id, (1.0 + tf.ln().max(0.0)) * self.idf(id), surface))
            .collect();
        terms.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        terms.truncate(MAX_QUERY_TERMS);
        Query { terms }
    }

    /// Scores every document that shares a term with the query into `scores` (which must be
    /// `len()` long and zero), returning the documents touched.
    pub fn score(&self, query: &Query, scores: &mut [f32]) -> Vec<u32> {
        let mut touched = Vec::new();
        for &(term, weight, _) in &query.terms {
            for &(doc, tf) in &self.postings[term as usize] {
                let d = doc as usize;
                if scores[d] == 0.0 {
                    touched.push(doc);
                }
                scores[d] += weight * self.saturate(tf, d);
            }
        }
        touched
    }

    /// The `k` best documents for `query` whose score is at least `ratio` times the best
    /// score, exactly as if every document had been scored, but visiting whole postings
    /// only while they can still change that answer (MaxScore, term at a time): terms run
    /// most informative first, and once the largest score the remaining terms could add is
    /// below both the `k`-th best score so far and `ratio` × the best so far, a document
    /// they alone match cannot qualify; the remaining terms are then looked up
    /// (binary search) only for the documents that still can. Scores are summed in query
    /// order, so they are bit-identical to exhaustive scoring.
    pub fn search(&self, query: &Query, k: usize, ratio: f32, scratch: &mut Scratch) -> Search {
        let n = self.len();
        for &d in &scratch.touched {
            scratch.acc[d as usize] = 0.0;
        }
        scratch.touched.clear();
        scratch.acc.resize(n, 0.0);
        let terms = &query.terms;
        // remaining[i]: the most terms i.. can add to any document.
        let mut remaining = vec![0.0f32; terms.len() + 1];
        for (i, &(term, weight, _)) in terms.iter().enumerate().rev() {
            remaining[i] = remaining[i + 1] + weight * self.max_saturation[term as usize];
        }
        // Slack for float rounding in the bounds: prune only what is clearly out.
        let slack = |x: f32| x * (1.0 - 1e-4);
        let mut exhaustive = terms.len();
        let mut best_so_far = 0.0f32;
        let mut threshold = 0.0f32;
        for (i, &(term, weight, _)) in terms.iter().enumerate() {
            for &(doc, tf) in &self.postings[term as usize] {
                let d = doc as usize;
                if scratch.acc[d] == 0.0 {
                    scratch.touched.push(doc);
                }
                scratch.acc[d] += weight * self.saturate(tf, d);
                best_so_far = best_so_far.max(scratch.acc[d]);
            }
            let rest = remaining[i + 1];
            if i + 1 == terms.len() || rest >= slack(best_so_far) {
                continue;
            }
            threshold = ratio * best_so_far;
            if rest >= slack(threshold) && k > 0 && scratch.touched.len() >= k {
                scratch.values.clear();
                scratch
                    .values
                    .extend(scratch.touched.iter().map(|&d| scratch.acc[d as usize]));
                let (_, kth, _) = scratch
                    .values
                    .select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
                threshold = threshold.max(*kth);
            }
            if rest < slack(threshold) {
                exhaustive = i + 1;
                break;
            }
        }
        let rest = remaining[exhaustive];
        let mut top: Vec<(u32, f32)> = Vec::new();
        for &doc in &scratch.touched {
            let partial = scratch.acc[doc as usize];
            if exhaustive < terms.len() && partial + rest < slack(threshold) {
                continue;
            }
            top.push((doc, self.finish(query, exhaustive, partial, doc)));
        }
        let best = top.iter().map(|&(_, s)| s).fold(0.0f32, f32::max);
        top.retain(|&(_, s)| s >= slack(ratio * best));
        top.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        top.truncate(k);
        Search {
            exhaustive,
            best,
            top,
        }
    }

    /// The exact text score of `doc` after [`TextIndex::search`] with the same `scratch`
    /// (any document, also one outside the search's answer).
    pub fn score_of(&self, query: &Query, search: &Search, scratch: &Scratch, doc: u32) -> f32 {
        let partial = scratch.acc.get(doc as usize).copied().unwrap_or(0.0);
        self.finish(query, search.exhaustive, partial, doc)
    }

    /// `partial` (the sum over the first `from` query terms) plus the other terms' share.
    fn finish(&self, query: &Query, from: usize, partial: f32, doc: u32) -> f32 {
        let mut score = partial;
        for &(term, weight, _) in &query.terms[from.min(query.terms.len())..] {
            let list = &self.postings[term as usize];
            if let Ok(i) = list.binary_search_by_key(&doc, |&(d, _)| d) {
                score += weight * self.saturate(list[i].1, doc as usize);
            }
        }
        score
    }

    fn saturate(&self, tf: f32, doc: usize) -> f32 {
        let norm = 1.0 - B + B * self.lengths[doc] / self.avg_length;
        tf * (K1 + 1.0) / (tf + K1 * norm)
    }

    /// The query terms found in `doc`, with their contribution, largest first.
    pub fn matched_terms<'q>(&self, query: &'q Query, doc: u32) -> Vec<(&'q str, f32)> {
        let mut out: Vec<(&str, f32)> = query
            .terms
            .iter()
            .filter_map(|(term, weight, surface)| {
                let list = &self.postings[*term as usize];
                let i = list.binary_search_by_key(&doc, |&(d, _)| d).ok()?;
                Some((
                    surface.as_str(),
                    weight * self.saturate(list[i].1, doc as usize),
                ))
            })
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        Tokenizer::default()
            .tokens(text)
            .into_iter()
            .map(|(t, _)| t)
            .collect()
    }

    #[test]
    fn acronyms_keep_their_letters_and_lose_plural_s() {
        assert_eq!(terms("TILs in CT scans"), ["til", "ct", "scan"]);
        assert_eq!(terms("CNNs and the US"), ["cnn", "us"]);
        assert_eq!(terms("tils"), ["til"]);
        assert_eq!(terms("3D photos"), ["3d", "photo"]);
    }

    #[test]
    fn stop_words_numbers_and_urls_are_dropped() {
        assert_eq!(
            terms("We will segment the lungs in 2019, see https://x.org/a_b and [a](/b/c)"),
            ["segment", "lung", "see"]
        );
    }

    #[test]
    fn shouting_titles_are_ordinary_words() {
        assert_eq!(
            terms("DEEP LEARNING FOR LUNG NODULES"),
            ["deep", "learn", "lung", "nodul"]
        );
    }

    #[test]
    fn accents_fold() {
        assert_eq!(terms("Sjögren"), terms("Sjogren"));
    }

    #[test]
    fn pruned_search_matches_exhaustive_scoring() {
        // Rare and common words mixed, so some terms are pruned and some are not.
        let words = [
            "aorta",
            "lung",
            "nodule",
            "retina",
            "kidney",
            "biopsy",
            "cancer",
            "screening",
            "prostate",
            "deep",
            "mri",
            "graft",
            "vessel",
            "airway",
        ];
        let mut state = 7u64;
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize % n
        };
        let texts: Vec<String> = (0..400)
            .map(|_| {
                (0..12)
                    .map(|_| words[next(words.len()).min(next(words.len()))])
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let mut index = TextIndex::build(texts.iter().map(|t| DocFields {
            title: t,
            ..Default::default()
        }));
        let q = index.query(&[("kidney graft biopsy vessel airway deep lung", 1.0)]);
        let mut exhaustive = vec![0.0; index.len()];
        index.score(&q, &mut exhaustive);
        let mut scratch = Scratch::default();
        for (k, ratio) in [(5, 0.0), (20, 0.25), (50, 0.5)] {
            let search = index.search(&q, k, ratio, &mut scratch);
            let best = exhaustive.iter().copied().fold(0.0f32, f32::max);
            let mut expected: Vec<(u32, f32)> = (0..index.len() as u32)
                .map(|d| (d, exhaustive[d as usize]))
                .filter(|&(_, s)| s > 0.0 && s >= ratio * best)
                .collect();
            expected.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            expected.truncate(k);
            assert_eq!(search.best, best);
            assert_eq!(search.top, expected, "k {k}, ratio {ratio}");
            for d in 0..index.len() as u32 {
                assert_eq!(
                    index.score_of(&q, &search, &scratch, d),
                    exhaustive[d as usize]
                );
            }
        }
    }

    #[test]
    fn bm25_prefers_the_matching_document() {
        let docs = [
            DocFields {
                title: "Aorta segmentation in abdominal CT",
                ..Default::default()
            },
            DocFields {
                title: "Nodule detection in chest CT",
                ..Default::default()
            },
            DocFields {
                title: "Retinal image grading",
                abstract_text: "fundus photographs",
                ..Default::default()
            },
        ];
        let mut index = TextIndex::build(docs);
        let q = index.query(&[("abdominal aorta aneurysm detection on CT", 1.0)]);
        let mut scores = vec![0.0; index.len()];
        let touched = index.score(&q, &mut scores);
        assert!(touched.contains(&0) && touched.contains(&1) && !touched.contains(&2));
        assert!(scores[0] > scores[1]);
        let matched: Vec<&str> = index
            .matched_terms(&q, 0)
            .into_iter()
            .map(|m| m.0)
            .collect();
        assert!(matched.contains(&"abdominal"), "{matched:?}");
    }
}
