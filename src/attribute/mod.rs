//! Stage 3: who wrote what.
//!
//! Every author, editor, promotor and copromotor of every publication is matched against
//! people (name, `pub_name` aliases, config aliases), through an index by folded family name,
//! so the cost is linear in names, never people × publications. Each match carries a reason
//! and a confidence; ambiguous matches are reported, not attributed.
//!
//! The rules, in order of precedence (see `docs/attribution.md`):
//! 1. names are folded ([`names`]): accents, LaTeX, case, particles, hyphens;
//! 2. a name matches a person when the core family names are equal (or one is a part of the
//!    other's double name) and the given names agree ([`names::given_match`]);
//! 3. a written-out first name beats an initial; two people left at the same level make the
//!    name ambiguous;
//! 4. an initial-only match is ambiguous when the bibliography also spells out another first
//!    name with that initial and family name ("A. Patel" when "Anil Patel" also occurs);
//! 5. duplicate people (same folded name under two slugs) count once, under the canonical slug;
//! 6. config `include` / `exclude` lists have the last word.

pub mod keys;
pub mod names;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::bib::Bibliography;
use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::model::{Name, Person, Publication};
use crate::site::Site;

pub use keys::{check_projects, resolve_project_keys, suggest_keys};
use names::{given_match, GivenMatch, NameKey};

/// Why a publication was attributed to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Reason {
    /// Full name matched (accents, LaTeX, case and particles folded).
    Exact,
    /// A `pub_name` or configured alias matched.
    Alias,
    /// Initials matched the person's given names, and no other person fits.
    Initials,
    /// An identifier (ORCID, …) matched.
    Identifier,
    /// Listed under `include` in the config.
    Manual,
}

impl Reason {
    /// Lowercase name used in data files (`exact`, `alias`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Exact => "exact",
            Reason::Alias => "alias",
            Reason::Initials => "initials",
            Reason::Identifier => "identifier",
            Reason::Manual => "manual",
        }
    }
}

/// The role a person had on a publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Author.
    Author,
    /// Editor.
    Editor,
    /// Thesis promotor.
    Promotor,
    /// Thesis copromotor.
    Copromotor,
}

/// One attribution of one publication to one person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Credit {
    /// The bib key (as written in the bib file).
    pub key: String,
    /// Why.
    pub reason: Reason,
    /// How sure, 0..=1.
    pub confidence: f64,
    /// As what.
    pub role: Role,
    /// 0-based position in the author (or editor…) list; `usize::MAX` for manual includes.
    pub position: usize,
}

/// A name on a publication that could be one of several people, or a doubtful match.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ambiguity {
    /// The bib key.
    pub key: String,
    /// The name as printed.
    pub name: String,
    /// Candidate slugs.
    pub candidates: Vec<String>,
    /// Why it was not attributed.
    pub reason: String,
}

/// The result of attribution.
#[derive(Debug, Clone, Default)]
pub struct Attribution {
    /// Person slug → credits, sorted by key. Only canonical slugs appear (see `duplicates`);
    /// every person of the site has an entry, possibly empty.
    pub by_person: BTreeMap<String, Vec<Credit>>,
    /// Lowercased bib key → person slugs, sorted.
    pub by_key: BTreeMap<String, Vec<String>>,
    /// Names that were not attributed because they were ambiguous, sorted by key.
    pub ambiguous: Vec<Ambiguity>,
    /// Groups of slugs that are the same person (`bram-platel` / `bram-plated`); the first is canonical.
    pub duplicates: Vec<Vec<String>>,
    /// Project slug → resolved bib keys (as written in the bib file, in page order, unknown
    /// keys left out). Filled by [`attribute_site`].
    pub projects: BTreeMap<String, Vec<String>>,
    /// Problems found.
    pub diagnostics: Vec<Diagnostic>,
}

impl Attribution {
    /// The canonical slug of a person (itself unless it is a duplicate).
    pub fn canonical<'a>(&'a self, slug: &'a str) -> &'a str {
        self.duplicates
            .iter()
            .find(|group| group.iter().any(|s| s == slug))
            .and_then(|group| group.first())
            .map_or(slug, String::as_str)
    }

    /// The credits of a person; a duplicate slug gets its canonical person's credits.
    pub fn credits(&self, slug: &str) -> &[Credit] {
        self.by_person
            .get(self.canonical(slug))
            .map_or(&[], Vec::as_slice)
    }
}

/// Attributes publications and resolves every project's bibkeys, with all site checks:
/// the one call `publist build` and `publist check` make.
pub fn attribute_site(bib: &Bibliography, site: &Site, config: &Config) -> Attribution {
    let mut attribution = attribute(bib, &site.people, config);
    for project in &site.projects {
        let (keys, diags) = resolve_project_keys(bib, project);
        attribution.projects.insert(project.slug.clone(), keys);
        attribution.diagnostics.extend(diags);
    }
    attribution
}

/// One way a person's name is written: the page name, a `pub_name`, or a config alias.
#[derive(Debug, Clone)]
struct Variant {
    /// Index into the canonical people.
    person: usize,
    key: NameKey,
    alias: bool,
    /// Confidence lost because this reading of the name is a guess.
    penalty: f64,
}

/// The people, their name variants and the lookup tables.
struct Index {
    /// Canonical slugs.
    slugs: Vec<String>,
    /// Written-out first names of each person (all variants), for namesake checks.
    first_names: Vec<BTreeSet<String>>,
    /// Initials of each person's second given names, when a variant spells one out
    /// ("Clara I Sánchez" → `i`): a paper name with another middle initial is someone else.
    middles: Vec<BTreeSet<char>>,
    variants: Vec<Variant>,
    /// Core family name → variants.
    by_surname: HashMap<String, Vec<usize>>,
    /// One part of a double family name → variants with that double name.
    by_part: HashMap<String, Vec<usize>>,
}

impl Index {
    fn build(people: &[&Person], config: &Config) -> Index {
        let mut index = Index {
            slugs: people.iter().map(|p| p.slug.clone()).collect(),
            first_names: vec![BTreeSet::new(); people.len()],
            middles: vec![BTreeSet::new(); people.len()],
            variants: Vec::new(),
            by_surname: HashMap::new(),
            by_part: HashMap::new(),
        };
        for (i, person) in people.iter().enumerate() {
            let mut texts: Vec<(String, bool)> = vec![(person.name.clone(), false)];
            texts.extend(person.pub_names.iter().map(|n| (n.clone(), true)));
            if let Some(o) = config.person_overrides.get(&person.slug) {
                texts.extend(o.aliases.iter().map(|n| (n.clone(), true)));
            }
            let mut seen = BTreeSet::new();
            for (text, alias) in texts {
                let key = NameKey::parse(&text);
                if key.surname.is_empty() || key.given.is_empty() || !seen.insert(key.clone()) {
                    continue;
                }
                if let Some(first) = key.first_name() {
                    index.first_names[i].insert(first.to_string());
                }
                // Only an initial: a written-out second word may be part of the family name.
                if let Some(middle) = key.given.get(1).filter(|g| !g.full) {
                    index.middles[i].insert(middle.initial());
                }
                // "Gabriel Raya Rodríguez": the family name may be "Raya Rodríguez".
                for (reading, penalty) in readings(&key) {
                    let v = index.variants.len();
                    index
                        .by_surname
                        .entry(reading.surname_key())
                        .or_default()
                        .push(v);
                    if reading.surname.len() > 1 {
                        for part in &reading.surname {
                            index.by_part.entry(part.clone()).or_default().push(v);
                        }
                    }
                    index.variants.push(Variant {
                        person: i,
                        key: reading,
                        alias,
                        penalty,
                    });
                }
            }
        }
        index
    }
}

/// A possible match of one name on a paper to one person.
#[derive(Debug, Clone, Copy)]
struct Hit {
    person: usize,
    level: GivenMatch,
    reason: Reason,
    confidence: f64,
}

/// The ways a name on a paper can be read, each with a confidence penalty.
fn readings(key: &NameKey) -> Vec<(NameKey, f64)> {
    let mut out = vec![(key.clone(), 0.0)];
    out.extend(key.alternates().into_iter().map(|k| (k, 0.05)));
    out
}

fn hits_for(index: &Index, paper: &NameKey) -> Vec<Hit> {
    let mut hits: Vec<Hit> = Vec::new();
    for (reading, penalty) in readings(paper) {
        let surname = reading.surname_key();
        let mut consider = |variants: &[usize], extra: f64| {
            for &v in variants {
                let variant = &index.variants[v];
                let Some(level) = given_match(&reading.given, &variant.key.given) else {
                    continue;
                };
                let middles = &index.middles[variant.person];
                if reading.given.len() > 1
                    && !middles.is_empty()
                    && !middles.contains(&reading.given[1].initial())
                {
                    continue;
                }
                let (reason, base) = match (level, variant.alias) {
                    (GivenMatch::Full, false) => (Reason::Exact, 1.0),
                    (GivenMatch::Full, true) => (Reason::Alias, 1.0),
                    (GivenMatch::Initials, true) => (Reason::Alias, 0.9),
                    (GivenMatch::Initials, false) => (Reason::Initials, 0.9),
                };
                hits.push(Hit {
                    person: variant.person,
                    level,
                    reason,
                    confidence: base - penalty - extra - variant.penalty,
                });
            }
        };
        if let Some(vs) = index.by_surname.get(&surname) {
            consider(vs, 0.0);
        }
        // "Schaefer, C." for Schaefer-Prokop: one part of a person's double family name.
        if reading.surname.len() == 1 {
            if let Some(vs) = index.by_part.get(&surname) {
                consider(vs, 0.1);
            }
        } else {
            // "Sánchez Gutiérrez, C. I." for Sánchez: a double name on the paper.
            for part in &reading.surname {
                if let Some(vs) = index.by_surname.get(part) {
                    consider(vs, 0.1);
                }
            }
        }
    }
    // The best hit per person.
    let mut best: BTreeMap<usize, Hit> = BTreeMap::new();
    for h in hits {
        let better = best
            .get(&h.person)
            .is_none_or(|b| (h.level, h.confidence) > (b.level, b.confidence));
        if better {
            best.insert(h.person, h);
        }
    }
    best.into_values().collect()
}

/// How often each written-out first name occurs in the whole bibliography, per core family
/// name (and per part of a double family name): the evidence that a namesake exists. Each
/// first name keeps a count and the name as first printed, for messages.
type FirstNames = HashMap<String, BTreeMap<String, (usize, String)>>;

/// A name exactly as spelled (every part, separated), into `out`: the key under which the
/// same author name on many papers is looked at once.
fn spelling_of(name: &Name, out: &mut String) {
    out.clear();
    for part in [&name.given, &name.particle, &name.family, &name.suffix] {
        out.push_str(part);
        out.push('\u{1}');
    }
}

fn first_names_seen(bib: &Bibliography) -> FirstNames {
    // Count each spelling once, in order of first appearance, then fold it once: the same
    // names recur on hundreds of papers.
    let mut order: Vec<(Name, usize)> = Vec::new();
    let mut slot_of: HashMap<String, usize> = HashMap::new();
    let mut spelling = String::new();
    for p in &bib.publications {
        for (_, names) in roles(p) {
            for n in names.iter() {
                spelling_of(n, &mut spelling);
                match slot_of.get(spelling.as_str()) {
                    Some(&i) => order[i].1 += 1,
                    None => {
                        slot_of.insert(spelling.clone(), order.len());
                        order.push((n.clone(), 1));
                    }
                }
            }
        }
    }
    let mut seen: FirstNames = HashMap::new();
    for (n, times) in &order {
        let times = *times;
        let key = NameKey::from_name(n);
        for (reading, _) in readings(&key) {
            let Some(first) = reading.first_name() else {
                continue;
            };
            let mut surnames = vec![reading.surname_key()];
            if reading.surname.len() > 1 {
                surnames.extend(reading.surname.iter().cloned());
            }
            for surname in surnames {
                let slot = seen
                    .entry(surname)
                    .or_default()
                    .entry(first.to_string())
                    .or_insert_with(|| (0, n.display()));
                slot.0 += times;
            }
        }
    }
    seen
}

/// Every name of a publication with its role. Thesis promotors and copromotors are often
/// written as a comma list ("R. Mann, A. Gubern Mérida, J. Teuwen"), which BibTeX reads as
/// one name: they are split again from the field text. `Credit::position` indexes these lists.
pub fn names_on(p: &Publication) -> Vec<(Role, Vec<Name>)> {
    roles(p)
        .into_iter()
        .map(|(role, names)| (role, names.into_owned()))
        .collect()
}

fn roles(p: &Publication) -> [(Role, Cow<'_, [Name]>); 4] {
    [
        (Role::Author, Cow::Borrowed(p.authors.as_slice())),
        (Role::Editor, Cow::Borrowed(p.editors.as_slice())),
        (Role::Promotor, thesis_names(p, "promotor", &p.promotors)),
        (
            Role::Copromotor,
            thesis_names(p, "copromotor", &p.copromotors),
        ),
    ]
}

fn thesis_names<'a>(p: &'a Publication, field: &str, parsed: &'a [Name]) -> Cow<'a, [Name]> {
    match p.fields.get(field) {
        Some(text) => {
            let names = names::split_name_list(text);
            if names.len() > parsed.len() {
                Cow::Owned(names)
            } else {
                Cow::Borrowed(parsed)
            }
        }
        None => Cow::Borrowed(parsed),
    }
}

/// What one name on a paper resolves to.
enum Outcome {
    Credit(usize, Reason, f64),
    Ambiguous(Vec<usize>, String),
    Nothing,
}

fn decide(
    index: &Index,
    paper: &NameKey,
    printed: &str,
    seen: &FirstNames,
    min_confidence: f64,
) -> Outcome {
    if paper.surname.is_empty() {
        return Outcome::Nothing;
    }
    if paper.given.is_empty() {
        let people: Vec<usize> = index
            .by_surname
            .get(&paper.surname_key())
            .map(|vs| {
                vs.iter()
                    .map(|&v| index.variants[v].person)
                    .collect::<BTreeSet<_>>()
            })
            .unwrap_or_default()
            .into_iter()
            .collect();
        if people.is_empty() {
            return Outcome::Nothing;
        }
        return Outcome::Ambiguous(people, format!("`{printed}` has no given name or initials"));
    }
    let hits = hits_for(index, paper);
    let Some(top) = hits.iter().map(|h| h.level).max() else {
        return Outcome::Nothing;
    };
    let best: Vec<&Hit> = hits.iter().filter(|h| h.level == top).collect();
    if best.len() > 1 {
        let initial = paper
            .given
            .first()
            .map_or(' ', |g| g.initial().to_ascii_uppercase());
        let reason = match top {
            GivenMatch::Initials => format!(
                "{} people share the family name and the initial {initial}.",
                best.len()
            ),
            GivenMatch::Full => format!("{} people share this name", best.len()),
        };
        return Outcome::Ambiguous(best.iter().map(|h| h.person).collect(), reason);
    }
    let hit = *best[0];
    if hit.level == GivenMatch::Initials {
        if let Some(other) = namesake(index, hit.person, paper, seen) {
            return Outcome::Ambiguous(
                vec![hit.person],
                format!("only initials match, and the bibliography also has `{other}`, another person with that initial"),
            );
        }
    }
    if hit.confidence < min_confidence {
        return Outcome::Ambiguous(
            vec![hit.person],
            format!(
                "confidence {:.2} is below min_confidence {min_confidence:.2}",
                hit.confidence
            ),
        );
    }
    Outcome::Credit(hit.person, hit.reason, hit.confidence)
}

/// A written-out first name in the bibliography that shares the paper name's initial and
/// family name but is none of the person's first names: "Anil" for "A. Patel" and Ajay Patel.
/// A namesake that the person outnumbers [`DOMINANCE`] to one in the bibliography is not
/// taken as evidence ("Geke Litjens" once against "Geert Litjens" a hundred times).
fn namesake(index: &Index, person: usize, paper: &NameKey, seen: &FirstNames) -> Option<String> {
    let initial = paper.given.first()?.initial();
    let own = &index.first_names[person];
    if own.is_empty() {
        return None;
    }
    let is_own = |first: &str| {
        own.iter()
            .any(|o| o.starts_with(first) || first.starts_with(o.as_str()))
    };
    // Only the family name as printed: "Martínez-Ruiz, I." is not Isabel Martínez's.
    let surname = paper.surname_key();
    if let Some(names) = seen.get(&surname) {
        let own_count: usize = names
            .iter()
            .filter(|(f, _)| is_own(f))
            .map(|(_, (n, _))| n)
            .sum();
        let others: Vec<(&String, &(usize, String))> = names
            .iter()
            .filter(|(f, _)| f.starts_with(initial) && !is_own(f))
            .collect();
        let other_count: usize = others.iter().map(|(_, (n, _))| *n).sum();
        if other_count > 0 && own_count < DOMINANCE * other_count {
            let (_, (_, printed)) = others.iter().max_by_key(|(_, (n, _))| *n)?;
            return Some(printed.clone());
        }
    }
    None
}

/// How many times more often a person's first name must occur than a namesake's with the
/// same initial for an initials-only match to stand.
pub const DOMINANCE: usize = 10;

/// Attributes every publication of `bib` to `people`.
pub fn attribute(bib: &Bibliography, people: &[Person], config: &Config) -> Attribution {
    let mut out = Attribution::default();
    let (canonical, duplicates) = find_duplicates(people);
    report_duplicates(people, &duplicates, &mut out.diagnostics);
    out.duplicates = duplicates
        .iter()
        .map(|g| g.iter().map(|&i| people[i].slug.clone()).collect())
        .collect();
    let index = Index::build(&canonical, config);
    let seen = first_names_seen(bib);

    // Each publication's names are decided on all cores, in publication order, and each
    // publication's credits and ambiguities are settled there too (they only depend on that
    // publication: the loader keeps one entry per key). The same author names recur on
    // hundreds of papers: each thread folds and decides each spelling once (the decision
    // depends on the name only, not on the paper).
    let first_person: Vec<usize> = {
        let mut first: HashMap<&str, usize> = HashMap::new();
        index
            .slugs
            .iter()
            .enumerate()
            .map(|(i, s)| *first.entry(s.as_str()).or_insert(i))
            .collect()
    };
    struct Found {
        key_lower: String,
        /// (person, credit): one per person, the first unless a later one is surer.
        credits: Vec<(usize, Credit)>,
        /// One per printed name (the first), unless every candidate is credited here.
        ambiguous: Vec<Ambiguity>,
    }
    let found: Vec<Found> = crate::par::map_with(
        &bib.publications,
        || (HashMap::<String, (String, Outcome)>::new(), String::new()),
        |(decided, spelling), p| {
            let mut credits: Vec<(usize, Credit)> = Vec::new();
            let mut ambiguous: Vec<(Vec<usize>, Ambiguity)> = Vec::new();
            for (role, names) in roles(p) {
                for (position, name) in names.iter().enumerate() {
                    spelling_of(name, spelling);
                    if !decided.contains_key(spelling.as_str()) {
                        let printed = name.display();
                        let key = NameKey::from_name(name);
                        let outcome = decide(&index, &key, &printed, &seen, config.min_confidence);
                        decided.insert(spelling.clone(), (printed, outcome));
                    }
                    let (printed, outcome) = &decided[spelling.as_str()];
                    match outcome {
                        Outcome::Nothing => {}
                        Outcome::Credit(person, reason, confidence) => {
                            let credit = Credit {
                                key: p.key.clone(),
                                reason: *reason,
                                confidence: *confidence,
                                role,
                                position,
                            };
                            match credits.iter_mut().find(|(q, _)| q == person) {
                                None => credits.push((*person, credit)),
                                Some((_, old)) => {
                                    if credit.confidence > old.confidence {
                                        *old = credit;
                                    }
                                }
                            }
                        }
                        Outcome::Ambiguous(people_idx, reason) => {
                            if ambiguous.iter().any(|(_, a)| a.name == *printed) {
                                continue;
                            }
                            let mut candidates: Vec<String> =
                                people_idx.iter().map(|&i| index.slugs[i].clone()).collect();
                            candidates.sort();
                            ambiguous.push((
                                people_idx.clone(),
                                Ambiguity {
                                    key: p.key.clone(),
                                    name: printed.clone(),
                                    candidates,
                                    reason: reason.clone(),
                                },
                            ));
                        }
                    }
                }
            }
            // A name that is credited elsewhere on the same paper is not also ambiguous for
            // that person. (A slug names its first person, as in the index.)
            let ambiguous = ambiguous
                .into_iter()
                .filter(|(people_idx, _)| {
                    !people_idx.iter().all(|&i| {
                        let i = first_person[i];
                        credits.iter().any(|(q, _)| *q == i)
                    })
                })
                .map(|(_, a)| a)
                .collect();
            Found {
                key_lower: p.key_lower(),
                credits,
                ambiguous,
            }
        },
    );
    // Keys are compared by their rank among the sorted lowercased keys (the same order as
    // the keys themselves, without a string comparison or copy per credit).
    let mut keys: Vec<String> = bib.publications.iter().map(|p| p.key_lower()).collect();
    keys.sort_unstable();
    keys.dedup();
    let rank_of = |key_lower: &str| keys.binary_search_by(|k| k.as_str().cmp(key_lower)).ok();
    // (person, key rank) → credit; (key rank, printed name) → ambiguity, in key order.
    let mut credits: BTreeMap<(usize, usize), Credit> = BTreeMap::new();
    let mut ambiguous: BTreeMap<(usize, String), Ambiguity> = BTreeMap::new();
    for found in found {
        let Some(rank) = rank_of(&found.key_lower) else {
            continue;
        };
        for (person, credit) in found.credits {
            credits.entry((person, rank)).or_insert(credit);
        }
        for a in found.ambiguous {
            ambiguous.entry((rank, a.name.clone())).or_insert(a);
        }
    }

    apply_overrides(
        bib,
        &index,
        config,
        &rank_of,
        &mut credits,
        &mut out.diagnostics,
    );

    for slug in &index.slugs {
        out.by_person.insert(slug.clone(), Vec::new());
    }
    // Credits come in (person, key) order: each person's list is sorted by key as it is
    // filled, unless two people share a slug (then it is sorted once more).
    let mut by_rank: Vec<Vec<String>> = vec![Vec::new(); keys.len()];
    let mut filled_by: HashMap<&str, usize> = HashMap::new();
    let mut resort: BTreeSet<&str> = BTreeSet::new();
    for ((person, rank), credit) in credits {
        let slug = index.slugs[person].as_str();
        by_rank[rank].push(slug.to_string());
        if *filled_by.entry(slug).or_insert(person) != person {
            resort.insert(slug);
        }
        out.by_person
            .entry(slug.to_string())
            .or_default()
            .push(credit);
    }
    for slug in resort {
        if let Some(list) = out.by_person.get_mut(slug) {
            list.sort_by_cached_key(|a| a.key.to_lowercase());
        }
    }
    out.by_key = keys
        .iter()
        .zip(by_rank)
        .filter(|(_, slugs)| !slugs.is_empty())
        .map(|(key, mut slugs)| {
            slugs.sort();
            slugs.dedup();
            (key.clone(), slugs)
        })
        .collect();
    out.ambiguous = ambiguous.into_values().collect();
    report_ambiguities(bib, &out.ambiguous, &mut out.diagnostics);
    report_empty(&canonical, &out.by_person, &mut out.diagnostics);
    out
}

fn apply_overrides(
    bib: &Bibliography,
    index: &Index,
    config: &Config,
    rank_of: &dyn Fn(&str) -> Option<usize>,
    credits: &mut BTreeMap<(usize, usize), Credit>,
    diags: &mut Vec<Diagnostic>,
) {
    for (slug, o) in &config.person_overrides {
        let Some(person) = index.slugs.iter().position(|s| s == slug) else {
            let config_path = config.path.clone().unwrap_or_else(|| "publist.toml".into());
            diags.push(
                Diagnostic::warning(
                    "attr-unknown-person",
                    format!(
                        "[attribution.people.{slug}] names no person page (or a duplicate page)"
                    ),
                )
                .at(&config_path, 0, 0)
                .key(slug.clone())
                .help("use the slug of a person page: its file name without `.md`, lowercased"),
            );
            continue;
        };
        for key in &o.exclude {
            if let Some(rank) = rank_of(&key.to_lowercase()) {
                credits.remove(&(person, rank));
            }
        }
        for key in &o.include {
            match bib
                .get(key)
                .and_then(|p| Some((p, rank_of(&p.key_lower())?)))
            {
                Some((p, rank)) => {
                    credits.insert(
                        (person, rank),
                        Credit {
                            key: p.key.clone(),
                            reason: Reason::Manual,
                            confidence: 1.0,
                            role: Role::Author,
                            position: usize::MAX,
                        },
                    );
                }
                None => {
                    let config_path = config.path.clone().unwrap_or_else(|| "publist.toml".into());
                    let suggestions = suggest_keys(bib, key);
                    let mut d = Diagnostic::warning(
                        "attr-unknown-include",
                        format!("[attribution.people.{slug}] include lists `{key}`, which is in no bib file"),
                    )
                    .at(&config_path, 0, 0)
                    .key(key.clone());
                    if !suggestions.is_empty() {
                        d = d.help(format!("did you mean {}?", suggestions.join(", ")));
                    }
                    diags.push(d);
                }
            }
        }
    }
}

/// Groups people with the same folded name; returns the canonical people (one per group,
/// others dropped) and the groups with at least two members (canonical first).
fn find_duplicates(people: &[Person]) -> (Vec<&Person>, Vec<Vec<usize>>) {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, p) in people.iter().enumerate() {
        groups
            .entry(NameKey::parse(&p.name).full_key())
            .or_default()
            .push(i);
    }
    let mut dup_groups = Vec::new();
    let mut keep = vec![true; people.len()];
    for mut group in groups.into_values() {
        if group.len() < 2 {
            continue;
        }
        group.sort_by_cached_key(|&i| {
            let p = &people[i];
            (
                p.slug != crate::fsutil::slugify(&p.name),
                std::cmp::Reverse(p.meta.len()),
                p.slug.clone(),
            )
        });
        for &i in &group[1..] {
            keep[i] = false;
        }
        dup_groups.push(group);
    }
    dup_groups.sort_by(|a, b| people[a[0]].slug.cmp(&people[b[0]].slug));
    let canonical = people
        .iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(p, _)| p)
        .collect();
    (canonical, dup_groups)
}

fn report_duplicates(people: &[Person], groups: &[Vec<usize>], diags: &mut Vec<Diagnostic>) {
    for group in groups {
        let first = &people[group[0]];
        for &i in &group[1..] {
            let p = &people[i];
            diags.push(
                Diagnostic::warning(
                    "site-duplicate-person",
                    format!(
                        "`{}` and `{}` are the same person ({}); publications are credited once, to `{}`",
                        first.slug, p.slug, first.name, first.slug
                    ),
                )
                .at(&p.path, 1, 0)
                .key(p.slug.clone())
                .help(format!("delete {} or give it a different name", p.path.display())),
            );
        }
    }
    // Slugs one edit apart with different names: probably a typo, not merged.
    for (i, j) in one_edit_pairs(people.iter().map(|p| p.slug.as_str())) {
        let (a, b) = (&people[i], &people[j]);
        if strsim::levenshtein(&a.slug, &b.slug) == 1
            && NameKey::parse(&a.name).full_key() != NameKey::parse(&b.name).full_key()
        {
            diags.push(
                Diagnostic::warning(
                    "site-possible-duplicate",
                    format!(
                        "`{}` ({}) and `{}` ({}) differ by one letter; one may be a misspelt copy",
                        a.slug, a.name, b.slug, b.name
                    ),
                )
                .at(&b.path, 1, 0)
                .key(b.slug.clone())
                .help("if they are the same person, delete one page"),
            );
        }
    }
}

/// Index pairs `(i, j)`, `i < j`, in order, of strings that may be one edit apart: those
/// sharing a "deletion variant" (the string itself or it without one character). Any two
/// strings one substitution, insertion or deletion apart share one, so this finds every such
/// pair without comparing all pairs (5,000 people are 12.5 million pairs).
fn one_edit_pairs<'s>(strings: impl Iterator<Item = &'s str>) -> BTreeSet<(usize, usize)> {
    let mut by_variant: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, s) in strings.enumerate() {
        let mut variants: BTreeSet<String> = BTreeSet::new();
        variants.insert(s.to_string());
        for (at, c) in s.char_indices() {
            variants.insert(format!("{}{}", &s[..at], &s[at + c.len_utf8()..]));
        }
        for v in variants {
            by_variant.entry(v).or_default().push(i);
        }
    }
    let mut pairs = BTreeSet::new();
    for list in by_variant.values() {
        for (n, &i) in list.iter().enumerate() {
            for &j in &list[n + 1..] {
                pairs.insert((i.min(j), i.max(j)));
            }
        }
    }
    pairs
}

/// One diagnostic per ambiguous name and candidate set, listing the keys.
fn report_ambiguities(bib: &Bibliography, ambiguous: &[Ambiguity], diags: &mut Vec<Diagnostic>) {
    // Each printed name is folded once (the same names are ambiguous on many papers).
    let mut folded: HashMap<&str, String> = HashMap::new();
    for a in ambiguous {
        folded
            .entry(a.name.as_str())
            .or_insert_with(|| names::fold(&a.name));
    }
    let mut grouped: BTreeMap<(&str, &[String], &str), Vec<&Ambiguity>> = BTreeMap::new();
    for a in ambiguous {
        grouped
            .entry((
                folded[a.name.as_str()].as_str(),
                a.candidates.as_slice(),
                a.reason.as_str(),
            ))
            .or_default()
            .push(a);
    }
    for ((_, candidates, reason), list) in grouped {
        let first = list[0];
        let keys: Vec<&str> = list.iter().map(|a| a.key.as_str()).collect();
        let shown = if keys.len() > 8 {
            format!("{} and {} more", keys[..8].join(", "), keys.len() - 8)
        } else {
            keys.join(", ")
        };
        let mut d = Diagnostic::warning(
            "attr-ambiguous",
            format!(
                "`{}` not attributed: could be {} ({reason}); in {shown}",
                first.name,
                candidates.join(" or ")
            ),
        )
        .key(first.key.clone())
        .help(format!(
            "add the keys to [attribution.people.{}] include or exclude in publist.toml",
            candidates[0]
        ));
        if let Some(p) = bib.get(&first.key) {
            if !p.span.file.as_os_str().is_empty() {
                d = d.at(&p.span.file, p.span.line, 0);
            }
        }
        diags.push(d);
    }
}

fn report_empty(
    people: &[&Person],
    by_person: &BTreeMap<String, Vec<Credit>>,
    diags: &mut Vec<Diagnostic>,
) {
    for p in people {
        if by_person.get(&p.slug).is_none_or(Vec::is_empty) {
            diags.push(
                Diagnostic::warning("attr-no-publications", format!("{} has no publications", p.name))
                    .at(&p.path, 1, 0)
                    .key(p.slug.clone())
                    .help("add a `pub_name:` with the name as printed on papers, or [attribution.people] aliases/include"),
            );
        }
    }
}

/// The slug of the person a display name (from a project's `people:` list) refers to:
/// folded full-name equality with the page name or a `pub_name`.
pub fn person_for_name<'a>(name: &str, people: &'a [Person]) -> Option<&'a Person> {
    let key = NameKey::parse(name).full_key();
    people.iter().find(|p| {
        NameKey::parse(&p.name).full_key() == key
            || p.pub_names
                .iter()
                .any(|n| NameKey::parse(n).full_key() == key)
    })
}

#[cfg(test)]
mod tests;
