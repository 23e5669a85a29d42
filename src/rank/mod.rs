//! Stage 3: ranking publications for project pages (`publist fill`).
//!
//! Each piece of evidence is a log-likelihood ratio, in nats, and the score of a
//! publication for a project is their sum (a naive-Bayes log-odds; see `docs/fill.md`):
//!
//! - **people**: for each of the project's people on the paper, `c · ln(N / n)`, where `n`
//!   is the number of publications of that person, `N` the size of the bibliography and `c`
//!   the match confidence. A rare name (a student) is strong evidence, a prolific one (the
//!   group leader) weak; two people on one paper add up. People with a person page are taken
//!   from attribution; everyone else by the name written on the `people:` line.
//! - **text**: BM25F similarity of the project page (title, long title, description, body)
//!   to the publication (title, keywords, abstract), divided by the best score for this
//!   project, times [`TEXT_WEIGHT`].
//! - **period**: `−PERIOD_WEIGHT` per year outside the project's years (with grace).
//! - **group**: [`GROUP_WEIGHT`] when the publication's groups (`optnote`) meet the project's.
//!
//! Indexes (text postings, folded family names) are built once per run, so ranking many
//! projects against a large bibliography is linear in what each project touches.

pub mod eval;
pub mod names;
pub mod period;
pub mod text;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::attribute::names::NameKey;
use crate::attribute::Attribution;
use crate::bib::Bibliography;
use crate::model::{Person, Project};

use names::{AuthorIndex, WrittenName};
use period::Period;
use text::{DocFields, Query, TextIndex};

/// Weight of a perfect text match, in nats (odds × e³ ≈ 20): as strong as one project
/// member who wrote one in twenty of the bibliography's publications.
pub const TEXT_WEIGHT: f64 = 3.0;
/// Nats lost per year outside the project's period.
pub const PERIOD_WEIGHT: f64 = 0.5;
/// Largest period penalty.
pub const PERIOD_CAP: f64 = 3.0;
/// Nats gained when groups overlap.
pub const GROUP_WEIGHT: f64 = 0.5;
/// How many ranked publications a project keeps (for evaluation and proposals).
pub const KEEP: usize = 100;
/// How many of the best text matches are scored besides the papers of the project's people.
pub const TEXT_CANDIDATES: usize = 500;
/// A proposal without people evidence needs at least this normalized text similarity.
pub const TEXT_ONLY_FLOOR: f64 = 0.5;

/// Weights of the project's text pieces in the query.
const QUERY_PARTS: [f64; 4] = [3.0, 3.0, 2.0, 1.0];

/// One project person found on a publication.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonEvidence {
    /// The name as written on the project page.
    pub name: String,
    /// Person slug, when the name has a person page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// `ln(N / n)` times the match confidence.
    pub weight: f64,
}

/// Why a publication was suggested.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// The project's people on the paper.
    pub people: Vec<PersonEvidence>,
    /// Text similarity, 0..=1 (1 = the best text match for this project).
    pub text: f64,
    /// The query words that matched most.
    pub terms: Vec<String>,
    /// Years outside the project's period (0 = inside or unknown).
    pub years_outside: i32,
    /// Groups shared with the project.
    pub groups: Vec<String>,
}

/// A ranked publication for a project.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    /// The bib key, original case.
    pub key: String,
    /// The score (sum of the evidence, in nats).
    pub score: f64,
    /// One line saying why.
    pub reason: String,
    /// The evidence itself.
    pub evidence: Evidence,
}

/// One of a project's people, resolved once.
#[derive(Debug, Clone)]
struct ResolvedPerson {
    name: String,
    slug: Option<String>,
    /// (publication index, confidence), sorted by publication.
    works: Vec<(u32, f32)>,
    idf: f64,
}

/// One project person on one publication.
#[derive(Debug, Clone, Copy)]
struct On {
    doc: u32,
    /// Index into the project's resolved people.
    person: u32,
    confidence: f32,
}

/// The groups of every publication, as sets and as bit masks (one bit per group name, the
/// 64th bit shared by all further names), so the common test "do the groups meet" is one
/// AND, and the set comparison runs only when a shared bit is the overflow bit.
#[derive(Debug)]
struct Groups {
    sets: Vec<BTreeSet<String>>,
    masks: Vec<u64>,
    bits: HashMap<String, u32>,
}

impl Groups {
    fn new(sets: Vec<BTreeSet<String>>) -> Groups {
        let mut names: BTreeSet<&String> = BTreeSet::new();
        for set in &sets {
            names.extend(set.iter());
        }
        let bits: HashMap<String, u32> = names
            .into_iter()
            .enumerate()
            .map(|(i, g)| (g.clone(), i.min(63) as u32))
            .collect();
        let mut groups = Groups {
            sets,
            masks: Vec::new(),
            bits,
        };
        groups.masks = groups.sets.iter().map(|set| groups.mask(set)).collect();
        groups
    }

    fn mask(&self, set: &BTreeSet<String>) -> u64 {
        set.iter()
            .filter_map(|g| self.bits.get(g))
            .fold(0, |m, &bit| m | 1 << bit)
    }

    /// True when publication `doc` shares a group with `set` (whose mask is `mask`).
    fn meet(&self, doc: u32, mask: u64, set: &BTreeSet<String>) -> bool {
        let shared = self.masks[doc as usize] & mask;
        if shared & !(1 << 63) != 0 {
            return true;
        }
        shared != 0 && self.sets[doc as usize].iter().any(|g| set.contains(g))
    }
}

/// Ranks publications for projects. Build once, rank many.
#[derive(Debug)]
pub struct Ranker<'a> {
    bib: &'a Bibliography,
    text: TextIndex,
    authors: AuthorIndex,
    /// Folded display name (and pub_name) → person slugs.
    people_by_name: HashMap<String, Vec<String>>,
    /// Person slug → publication indices from attribution.
    credited: HashMap<String, Vec<u32>>,
    /// Latest publication year (the "present" for unfinished projects).
    latest_year: i32,
    groups: Groups,
    /// Per publication: its year (kept apart from the publications for cache locality).
    years: Vec<Option<i32>>,
    /// Per publication: its place when sorted by (key, index), for cheap tie-breaking.
    key_order: Vec<u32>,
    people: &'a [Person],
    /// Written name → resolved person, so each distinct name is resolved once per run.
    resolved: HashMap<String, Option<ResolvedPerson>>,
    /// Full name key (as `attribute::person_for_name` compares them) → index of the first
    /// person page with that name or publication name.
    person_by_key: HashMap<String, usize>,
    /// Buffers reused by every text search.
    scratch: text::Scratch,
    weights: Weights,
}

/// The weights of the evidence, in nats (see the module docs); [`Weights::default`] is the
/// documented ranker, the others exist for ablation studies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    /// Multiplies people evidence.
    pub people: f64,
    /// A perfect text match.
    pub text: f64,
    /// Per year outside the period.
    pub period: f64,
    /// Group overlap.
    pub group: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            people: 1.0,
            text: TEXT_WEIGHT,
            period: PERIOD_WEIGHT,
            group: GROUP_WEIGHT,
        }
    }
}

fn folded_name(name: &str) -> String {
    name.split_whitespace()
        .map(names::fold)
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

impl<'a> Ranker<'a> {
    /// Builds the indexes over `bib`; `people` and `attribution` give the person pages and
    /// who wrote what.
    pub fn new(
        bib: &'a Bibliography,
        people: &'a [Person],
        attribution: &Attribution,
    ) -> Ranker<'a> {
        let keywords: Vec<String> = bib
            .publications
            .iter()
            .map(|p| p.keywords.join(", "))
            .collect();
        let text =
            TextIndex::build(
                bib.publications
                    .iter()
                    .zip(&keywords)
                    .map(|(p, k)| DocFields {
                        title: &p.title,
                        keywords: k,
                        abstract_text: p.abstract_text.as_deref().unwrap_or(""),
                    }),
            );
        let authors = AuthorIndex::build(&bib.publications);
        let mut people_by_name: HashMap<String, Vec<String>> = HashMap::new();
        for person in people {
            let mut names = vec![person.name.clone(), person.slug.replace(['-', '_'], " ")];
            names.extend(person.pub_names.iter().cloned());
            for n in names {
                let f = folded_name(&n);
                if f.is_empty() {
                    continue;
                }
                let slugs = people_by_name.entry(f).or_default();
                if !slugs.contains(&person.slug) {
                    slugs.push(person.slug.clone());
                }
            }
        }
        let mut person_by_key: HashMap<String, usize> = HashMap::new();
        for (i, person) in people.iter().enumerate() {
            for name in std::iter::once(&person.name).chain(&person.pub_names) {
                person_by_key
                    .entry(NameKey::parse(name).full_key())
                    .or_insert(i);
            }
        }
        let mut credited: HashMap<String, Vec<u32>> = HashMap::new();
        for person in people {
            let slug = &person.slug;
            let mut list: Vec<u32> = attribution
                .credits(slug)
                .iter()
                .filter_map(|c| bib.index.get(&c.key.to_lowercase()).map(|&i| i as u32))
                .collect();
            list.sort_unstable();
            list.dedup();
            credited.insert(slug.clone(), list);
        }
        let latest_year = bib
            .publications
            .iter()
            .filter_map(|p| p.year)
            .max()
            .unwrap_or(2000);
        let groups = Groups::new(
            bib.publications
                .iter()
                .map(|p| p.groups.iter().map(|g| g.to_lowercase()).collect())
                .collect(),
        );
        let years = bib.publications.iter().map(|p| p.year).collect();
        let mut by_key: Vec<u32> = (0..bib.publications.len() as u32).collect();
        by_key.sort_by(|&a, &b| {
            bib.publications[a as usize]
                .key
                .cmp(&bib.publications[b as usize].key)
                .then(a.cmp(&b))
        });
        let mut key_order = vec![0u32; by_key.len()];
        for (place, &doc) in by_key.iter().enumerate() {
            key_order[doc as usize] = place as u32;
        }
        Ranker {
            bib,
            text,
            authors,
            people_by_name,
            credited,
            latest_year,
            groups,
            years,
            key_order,
            people,
            resolved: HashMap::new(),
            person_by_key,
            scratch: text::Scratch::default(),
            weights: Weights::default(),
        }
    }

    /// The same ranker with other evidence weights.
    pub fn with_weights(mut self, weights: Weights) -> Ranker<'a> {
        self.weights = weights;
        self
    }

    fn resolve_cached(&mut self, written: &str) -> Option<ResolvedPerson> {
        if let Some(hit) = self.resolved.get(written) {
            return hit.clone();
        }
        let r = self.resolve(written);
        self.resolved.insert(written.to_string(), r.clone());
        r
    }

    /// The publications of one name on a `people:` line: through attribution when the name
    /// has a person page with credits, else by name matching.
    fn resolve(&self, written: &str) -> Option<ResolvedPerson> {
        let parsed = WrittenName::parse(written);
        if parsed.readings.is_empty() {
            return None;
        }
        // The attribution's own reading of display names first, then folded names.
        // (`attribute::person_for_name`, through an index: the first person page whose
        // name or publication name has the same full key.)
        let mut slugs: Vec<String> = self
            .person_by_key
            .get(&NameKey::parse(&parsed.display).full_key())
            .map(|&i| vec![self.people[i].slug.clone()])
            .unwrap_or_default();
        for slug in self
            .people_by_name
            .get(&folded_name(&parsed.display))
            .into_iter()
            .flatten()
        {
            if !slugs.contains(slug) {
                slugs.push(slug.clone());
            }
        }
        let mut works: BTreeMap<u32, f32> = BTreeMap::new();
        for slug in &slugs {
            for &i in self.credited.get(slug).into_iter().flatten() {
                works.insert(i, 1.0);
            }
        }
        if works.is_empty() {
            for hit in self.authors.lookup(&parsed) {
                works.insert(hit.publication, hit.confidence);
            }
        }
        let n = works.len() as f64;
        let total = self.bib.publications.len().max(1) as f64;
        Some(ResolvedPerson {
            name: parsed.display,
            slug: slugs.first().cloned(),
            works: works.into_iter().collect(),
            idf: (total / n.max(1.0)).ln().max(0.0) + 0.1,
        })
    }

    /// The query text of a project, weighted by piece.
    fn query(&mut self, project: &Project) -> Query {
        let parts = [
            (project.title.as_str(), QUERY_PARTS[0] as f32),
            (
                project.title_long.as_deref().unwrap_or(""),
                QUERY_PARTS[1] as f32,
            ),
            (
                project.description.as_deref().unwrap_or(""),
                QUERY_PARTS[2] as f32,
            ),
            (project.body.as_str(), QUERY_PARTS[3] as f32),
        ];
        self.text.query(&parts)
    }

    /// Ranks publications for `project`, best first, at most [`KEEP`], skipping the keys in
    /// `exclude` (lowercased). Deterministic: ties are broken by key.
    pub fn rank(&mut self, project: &Project, exclude: &BTreeSet<String>) -> Vec<Suggestion> {
        let n = self.bib.publications.len();
        if n == 0 {
            return Vec::new();
        }
        let mut people: Vec<ResolvedPerson> = Vec::new();
        for written in &project.people {
            if let Some(p) = self.resolve_cached(written) {
                // The same person written twice (or under two page names) counts once.
                let twice = people
                    .iter()
                    .any(|q| q.name == p.name || (q.slug.is_some() && q.slug == p.slug));
                if !twice {
                    people.push(p);
                }
            }
        }
        let query = self.query(project);
        // Text-only candidates beyond the best few hundred, or below the floor, cannot
        // reach the proposals: the search finds exactly those without scoring every
        // document the query's common words touch.
        let mut scratch = std::mem::take(&mut self.scratch);
        let search = self.text.search(
            &query,
            TEXT_CANDIDATES,
            (TEXT_ONLY_FLOOR / 2.0) as f32,
            &mut scratch,
        );
        let best_text = search.best.max(f32::MIN_POSITIVE);

        // Candidates: every paper of a project person, plus the best text matches. The
        // people evidence is a list of (paper, person, confidence) sorted by paper, so each
        // candidate's people are one slice of it.
        let mut on: Vec<On> = Vec::new();
        for (pi, person) in people.iter().enumerate() {
            on.extend(person.works.iter().map(|&(doc, c)| On {
                doc,
                person: pi as u32,
                confidence: c,
            }));
        }
        on.sort_unstable_by_key(|o| (o.doc, o.person));
        let mut text_only: Vec<(u32, f32)> = search.top.clone();
        text_only.sort_unstable_by_key(|&(doc, _)| doc);
        // (paper, text score, range of `on`)
        let mut candidates: Vec<(u32, f32, std::ops::Range<usize>)> = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < on.len() || j < text_only.len() {
            let next_on = on.get(i).map_or(u32::MAX, |o| o.doc);
            let next_text = text_only.get(j).map_or(u32::MAX, |t| t.0);
            let doc = next_on.min(next_text);
            let start = i;
            while i < on.len() && on[i].doc == doc {
                i += 1;
            }
            let text = if next_text == doc {
                j += 1;
                text_only[j - 1].1
            } else {
                self.text.score_of(&query, &search, &scratch, doc)
            };
            candidates.push((doc, text, start..i));
        }
        self.scratch = scratch;

        let period = period::of_project(project, self.latest_year);
        let project_groups: BTreeSet<String> =
            project.groups.iter().map(|g| g.to_lowercase()).collect();
        let group_mask = self.groups.mask(&project_groups);
        let mut scored: Vec<(f64, u32, usize)> = Vec::with_capacity(candidates.len());
        for (c, (doc, text, range)) in candidates.iter().enumerate() {
            let doc = *doc;
            if !exclude.is_empty()
                && exclude.contains(&self.bib.publications[doc as usize].key.to_lowercase())
            {
                continue;
            }
            let text = (text / best_text) as f64;
            let on = &on[range.clone()];
            if on.is_empty() && text < TEXT_ONLY_FLOOR / 2.0 {
                continue;
            }
            let score = self.score(doc, on, &people, text, &period, group_mask, &project_groups);
            scored.push((score, doc, c));
        }
        // Best first; ties by key (then paper: `key_order`, so the order is total). Only the best
        // [`KEEP`] are sorted.
        let order = |a: &(f64, u32, usize), b: &(f64, u32, usize)| {
            b.0.total_cmp(&a.0)
                .then_with(|| self.key_order[a.1 as usize].cmp(&self.key_order[b.1 as usize]))
        };
        if scored.len() > KEEP {
            scored.select_nth_unstable_by(KEEP, order);
            scored.truncate(KEEP);
        }
        scored.sort_unstable_by(order);
        scored
            .into_iter()
            .map(|(score, doc, c)| {
                let (_, text, range) = &candidates[c];
                let text = (text / best_text) as f64;
                self.explain(
                    doc,
                    score,
                    &on[range.clone()],
                    &people,
                    text,
                    &query,
                    &period,
                    &project_groups,
                )
            })
            .collect()
    }

    fn people_weight<'o>(
        on: &'o [On],
        people: &'o [ResolvedPerson],
    ) -> impl Iterator<Item = f64> + 'o {
        on.iter()
            .map(|o| people[o.person as usize].idf * o.confidence as f64)
    }

    #[allow(clippy::too_many_arguments)]
    fn score(
        &self,
        doc: u32,
        on: &[On],
        people: &[ResolvedPerson],
        text: f64,
        period: &Period,
        group_mask: u64,
        groups: &BTreeSet<String>,
    ) -> f64 {
        let w = &self.weights;
        let people_score: f64 = w.people * Self::people_weight(on, people).sum::<f64>();
        let year = self.years[doc as usize];
        let outside = year.map_or(0, |y| period.distance(y));
        let period_score = -(w.period * outside as f64).min(PERIOD_CAP);
        let group_score = if self.groups.meet(doc, group_mask, groups) {
            w.group
        } else {
            0.0
        };
        people_score + w.text * text + period_score + group_score
    }

    #[allow(clippy::too_many_arguments)]
    fn explain(
        &self,
        doc: u32,
        score: f64,
        on: &[On],
        people: &[ResolvedPerson],
        text: f64,
        query: &Query,
        period: &Period,
        groups: &BTreeSet<String>,
    ) -> Suggestion {
        let publication = &self.bib.publications[doc as usize];
        let mut person_evidence: Vec<PersonEvidence> = on
            .iter()
            .zip(Self::people_weight(on, people))
            .map(|(o, weight)| PersonEvidence {
                name: people[o.person as usize].name.clone(),
                slug: people[o.person as usize].slug.clone(),
                weight: round3(weight),
            })
            .collect();
        person_evidence.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.name.cmp(&b.name)));
        let terms: Vec<String> = self
            .text
            .matched_terms(query, doc)
            .into_iter()
            .take(4)
            .map(|(t, _)| t.to_string())
            .collect();
        let years_outside = publication.year.map_or(0, |y| period.distance(y));
        let shared: Vec<String> = self.groups.sets[doc as usize]
            .iter()
            .filter(|g| groups.contains(*g))
            .cloned()
            .collect();
        let evidence = Evidence {
            people: person_evidence,
            text: round3(text),
            terms,
            years_outside,
            groups: shared,
        };
        Suggestion {
            key: publication.key.clone(),
            score: round3(score),
            reason: reason_line(&evidence, period, publication.year),
            evidence,
        }
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// "2 project people (Ajay Patel, Bram van Ginneken); text 0.82: aorta, aneurysm; 2021 in 2019–2023".
fn reason_line(e: &Evidence, period: &Period, year: Option<i32>) -> String {
    let mut parts = Vec::new();
    match e.people.len() {
        0 => parts.push("no project people".to_string()),
        1 => parts.push(format!("project person {}", e.people[0].name)),
        k => parts.push(format!(
            "{k} project people ({})",
            e.people
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
    if e.terms.is_empty() {
        parts.push("no shared words".to_string());
    } else {
        parts.push(format!("text {:.2}: {}", e.text, e.terms.join(", ")));
    }
    if let (Some(y), false) = (year, period.is_unknown()) {
        if e.years_outside == 0 {
            parts.push(format!("{y} in {}", period.label()));
        } else {
            parts.push(format!("{y} outside {}", period.label()));
        }
    }
    if !e.groups.is_empty() {
        parts.push(format!("group {}", e.groups.join(", ")));
    }
    parts.join("; ")
}
