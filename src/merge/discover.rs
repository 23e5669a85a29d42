//! Discovery: the works services list under a person's identifiers that the bib files lack,
//! each with its evidence and a suggested decision.
//!
//! A person's works usually come from several services (ORCID, OpenAlex, Semantic Scholar),
//! so the same paper arrives more than once: [`group`] first folds candidates that are the
//! same work into one [`Found`] work. Each is then classified, first rule that applies:
//! `ignored` (on the ignore list) → `present` (the bib has it) → `preprint-of` (the bib has
//! its published version) → `not-a-publication` (errata, lecture notes, abstracts books…) →
//! `namesake` (no author of the work is this person) → `likely-duplicate` (a bib entry with a
//! very similar title) → `outside-active-years` → `new`. Every item says why.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Serialize;

use crate::attribute::names::NameKey;
use crate::merge::fold;
use crate::merge::identity::{self, BibIndex, Link, Work, WorkClass};
use crate::merge::ignore::{self, IgnoreList};
use crate::model::{Candidate, Ids, Kind, Person, Publication, Service};

/// The suggested decision for one discovered work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    /// Not in the bib files: a candidate to add.
    New,
    /// Already in the bib files as `key`.
    Present,
    /// Probably the bib entry `key` under a different title, year or author list.
    LikelyDuplicate,
    /// A preprint of the bib entry `key`.
    PreprintOf,
    /// Published outside the person's active years.
    OutsideActiveYears,
    /// An erratum, lecture notes, an abstracts book… rather than a publication.
    NotAPublication,
    /// Probably someone else with the same name.
    Namesake,
    /// On the ignore list.
    Ignored,
}

impl Decision {
    /// The kebab-case name used in review files.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::New => "new",
            Decision::Present => "present",
            Decision::LikelyDuplicate => "likely-duplicate",
            Decision::PreprintOf => "preprint-of",
            Decision::OutsideActiveYears => "outside-active-years",
            Decision::NotAPublication => "not-a-publication",
            Decision::Namesake => "namesake",
            Decision::Ignored => "ignored",
        }
    }

    /// Parses [`Decision::as_str`].
    pub fn parse(text: &str) -> Option<Decision> {
        [
            Decision::New,
            Decision::Present,
            Decision::LikelyDuplicate,
            Decision::PreprintOf,
            Decision::OutsideActiveYears,
            Decision::NotAPublication,
            Decision::Namesake,
            Decision::Ignored,
        ]
        .into_iter()
        .find(|d| d.as_str() == text.trim())
    }

    /// True when a curator has something to decide (not present, not ignored).
    pub fn is_actionable(self) -> bool {
        !matches!(self, Decision::Present | Decision::Ignored)
    }
}

/// A work's ids as review files show them: every key present, `null` when unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ItemIds {
    /// DOI.
    pub doi: Option<String>,
    /// PMID.
    pub pmid: Option<String>,
    /// arXiv id.
    pub arxiv: Option<String>,
    /// Semantic Scholar paper id (the first).
    pub s2: Option<String>,
    /// OpenAlex work id.
    pub openalex: Option<String>,
}

impl ItemIds {
    /// From model ids.
    pub fn from_ids(ids: &Ids) -> ItemIds {
        ItemIds {
            doi: ids.doi.as_ref().map(|d| d.as_str().to_string()),
            pmid: ids.pmid.map(|p| p.to_string()),
            arxiv: ids.arxiv.as_ref().map(|a| a.as_str().to_string()),
            s2: ids.s2.first().cloned(),
            openalex: ids.openalex.clone(),
        }
    }
}

/// One work a service lists under a person, classified.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// Its ids.
    pub ids: ItemIds,
    /// Title.
    pub title: String,
    /// Year.
    pub year: Option<i32>,
    /// The suggested decision.
    pub decision: Decision,
    /// The bib key the decision refers to (`present`, `likely-duplicate`, `preprint-of`).
    pub key: Option<String>,
    /// Why, one sentence per fact; the first says why this decision.
    pub evidence: Vec<String>,
    /// The work as the services describe it (for review files and `apply`).
    #[serde(skip)]
    pub work: Found,
}

/// One person's items.
#[derive(Debug, Clone, Serialize)]
pub struct PersonItems {
    /// The person's slug.
    pub slug: String,
    /// Items: actionable first, then by year (newest first) and title.
    pub items: Vec<Item>,
}

/// The whole discover report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Per person, by slug.
    pub people: Vec<PersonItems>,
}

/// One work, merged from the candidates of several services.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// The best description (title, authors, venue… from the most trusted service), with the
    /// union of all ids.
    pub candidate: Candidate,
    /// Which services listed it, with retrieval times, sorted.
    pub sources: Vec<(Service, String)>,
}

/// Service trust for descriptive fields, best first.
fn trust(service: Option<Service>) -> u8 {
    match service {
        Some(Service::Crossref) => 0,
        Some(Service::Pubmed) => 1,
        Some(Service::Openalex) => 2,
        Some(Service::SemanticScholar) => 3,
        Some(Service::Doi) => 4,
        Some(Service::Arxiv) => 5,
        Some(Service::Orcid) => 6,
        None => 7,
    }
}

fn union_ids(into: &mut Ids, from: &Ids) {
    if into.doi.is_none() {
        into.doi = from.doi.clone();
    }
    if into.pmid.is_none() {
        into.pmid = from.pmid;
    }
    if into.pmcid.is_none() {
        into.pmcid = from.pmcid.clone();
    }
    if into.arxiv.is_none() {
        into.arxiv = from.arxiv.clone();
    }
    for s in &from.s2 {
        if !into.s2.iter().any(|t| t.eq_ignore_ascii_case(s)) {
            into.s2.push(s.clone());
        }
    }
    if into.openalex.is_none() {
        into.openalex = from.openalex.clone();
    }
}

/// Folds candidates that are the same work (shared id, or title + year + first author) into
/// one [`Found`] each, keeping the first-seen order.
pub fn group(candidates: &[Candidate], threshold: f64) -> Vec<Found> {
    let mut groups: Vec<(Work, Vec<&Candidate>)> = Vec::new();
    for c in candidates {
        let w = Work::from_candidate(c);
        let hit = groups.iter().position(|(gw, _)| {
            matches!(identity::compare(gw, &w, threshold), Some(Link::Same(_)))
        });
        match hit {
            Some(i) => {
                let ids = w.ids.clone();
                union_ids(&mut groups[i].0.ids, &ids);
                groups[i].1.push(c);
            }
            None => groups.push((w, vec![c])),
        }
    }
    groups
        .into_iter()
        .map(|(_, mut members)| {
            members.sort_by_key(|c| trust(c.source));
            let mut best = members[0].clone();
            for m in &members[1..] {
                union_ids(&mut best.ids, &m.ids);
                if best.authors.is_empty() {
                    best.authors = m.authors.clone();
                }
                best.venue = best.venue.take().or_else(|| m.venue.clone());
                best.year = best.year.or(m.year);
                best.kind = best.kind.or(m.kind);
                best.volume = best.volume.take().or_else(|| m.volume.clone());
                best.issue = best.issue.take().or_else(|| m.issue.clone());
                best.pages = best.pages.take().or_else(|| m.pages.clone());
                best.abstract_text = best
                    .abstract_text
                    .take()
                    .or_else(|| m.abstract_text.clone());
                best.oa_url = best.oa_url.take().or_else(|| m.oa_url.clone());
                if best.title.trim().is_empty() {
                    best.title = m.title.clone();
                }
            }
            let mut sources: Vec<(Service, String)> = members
                .iter()
                .filter_map(|c| c.source.map(|s| (s, c.retrieved.clone())))
                .collect();
            sources.sort();
            sources.dedup_by(|a, b| a.0 == b.0);
            Found {
                candidate: best,
                sources,
            }
        })
        .collect()
}

static NOT_A_PUBLICATION: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)^\s*(erratum|errata|corrigendum|correction( to)?\b|author correction|publisher correction|retraction|retracted|expression of concern|reply\b|response to|in reply|comment on|editorial board|table of contents|front matter|back matter|cover image|issue information|index\b|lecture notes\b|book of abstracts|abstracts?\b|poster\b|supplementary|correspondence\b)",
    )
    .expect("static regex")
});
static NOT_A_PUBLICATION_VENUE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)(book of abstracts|lecture notes\s*$|course notes|zenodo|figshare|github)",
    )
    .expect("static regex")
});

/// Why a work is not a publication, when it is not.
pub fn not_a_publication(c: &Candidate) -> Option<String> {
    if let Some(m) = NOT_A_PUBLICATION.find(&c.title) {
        return Some(format!(
            "the title starts with \"{}\": an erratum, reply, abstract or notes rather than a publication",
            m.as_str().trim()
        ));
    }
    if let Some(v) = c.venue.as_deref() {
        if let Some(m) = NOT_A_PUBLICATION_VENUE.find(v) {
            return Some(format!(
                "the venue \"{v}\" ({}) is not a publication venue",
                m.as_str().trim()
            ));
        }
    }
    None
}

/// What discovery needs to know about one person.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    /// The person.
    pub person: &'a Person,
    /// Active years: config first, then the page.
    pub active_years: Option<(i32, Option<i32>)>,
}

/// Everything discovery compares against.
#[derive(Debug)]
pub struct Context<'a> {
    /// The bibliography.
    pub publications: &'a [Publication],
    /// Its identity index.
    pub index: &'a BibIndex,
    /// All people (for co-authors who are group members).
    pub people: &'a [Person],
    /// The ignore list.
    pub ignore: &'a IgnoreList,
    /// Only works from this year on.
    pub since: Option<i32>,
}

fn person_keys(p: &Person) -> Vec<NameKey> {
    std::iter::once(p.name.as_str())
        .chain(p.pub_names.iter().map(String::as_str))
        .filter(|n| !n.trim().is_empty())
        .map(NameKey::parse)
        .collect()
}

fn name_matches(keys: &[NameKey], author: &NameKey) -> bool {
    let initial = author.given.first().map(|g| g.initial());
    keys.iter().any(|k| {
        let surname_ok = k.surname_key() == author.surname_key()
            || fold::same_family(&k.surname.concat(), &author.surname.concat());
        let initial_ok = match (k.given.first().map(|g| g.initial()), initial) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        surname_ok && initial_ok
    })
}

/// Whether the person is among the work's authors: `Some(true)` by ORCID or name,
/// `Some(false)` when nobody matches (or a same-name author has another ORCID),
/// `None` when the work lists no authors.
fn authorship(person: &Person, c: &Candidate) -> (Option<bool>, String) {
    if c.authors.is_empty() {
        return (None, "the service lists no authors".into());
    }
    let orcid = person.orcid.as_deref().map(str::to_ascii_uppercase);
    if let Some(o) = &orcid {
        if c.authors
            .iter()
            .any(|a| a.orcid.as_deref().map(str::to_ascii_uppercase).as_ref() == Some(o))
        {
            return (
                Some(true),
                format!("an author carries {}'s ORCID {o}", person.name),
            );
        }
    }
    let keys = person_keys(person);
    let same_name: Vec<_> = c
        .authors
        .iter()
        .filter(|a| name_matches(&keys, &NameKey::from_name(&a.name)))
        .collect();
    if same_name.is_empty() {
        return (
            Some(false),
            format!(
                "none of the {} authors is named like {} (first author: {})",
                c.authors.len(),
                person.name,
                c.authors[0].name.display()
            ),
        );
    }
    if let Some(o) = &orcid {
        let others: Vec<String> = same_name.iter().filter_map(|a| a.orcid.clone()).collect();
        if !others.is_empty() && others.len() == same_name.len() {
            return (
                Some(false),
                format!(
                    "the author named {} has ORCID {}, not {}'s {o}",
                    same_name[0].name.display(),
                    others[0],
                    person.name
                ),
            );
        }
    }
    (
        Some(true),
        format!(
            "{} is an author ({})",
            person.name,
            same_name[0].name.display()
        ),
    )
}

fn coauthors(ctx: &Context<'_>, me: &Person, c: &Candidate) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in &c.authors {
        let key = NameKey::from_name(&a.name);
        for p in ctx.people {
            if p.slug != me.slug && name_matches(&person_keys(p), &key) && !out.contains(&p.slug) {
                out.push(p.slug.clone());
            }
        }
    }
    out.sort();
    out
}

fn years_text(y: (i32, Option<i32>)) -> String {
    match y.1 {
        Some(e) => format!("{}-{e}", y.0),
        None => format!("{}-", y.0),
    }
}

/// Inside the active years: from the start year to one year after the end (papers appear
/// after people leave).
fn inside(year: i32, y: (i32, Option<i32>)) -> bool {
    year >= y.0 && y.1.is_none_or(|e| year <= e + 1)
}

/// Classifies one person's works.
pub fn classify(ctx: &Context<'_>, subject: &Subject<'_>, works: Vec<Found>) -> PersonItems {
    let mut items = Vec::new();
    for found in works {
        let c = &found.candidate;
        if let (Some(since), Some(y)) = (ctx.since, c.year) {
            if y < since {
                continue;
            }
        }
        items.push(classify_one(ctx, subject, found));
    }
    items.sort_by(|a, b| {
        (
            !a.decision.is_actionable(),
            a.decision,
            std::cmp::Reverse(a.year),
            &a.title,
        )
            .cmp(&(
                !b.decision.is_actionable(),
                b.decision,
                std::cmp::Reverse(b.year),
                &b.title,
            ))
    });
    PersonItems {
        slug: subject.person.slug.clone(),
        items,
    }
}

fn classify_one(ctx: &Context<'_>, subject: &Subject<'_>, found: Found) -> Item {
    let c = &found.candidate;
    let work = Work::from_candidate(c);
    let res = ctx.index.resolve(&work, None);
    let key_of = |i: usize| ctx.publications[i].key.clone();

    // Facts every item carries.
    let mut facts = Vec::new();
    let ids = ignore::tokens(&c.ids);
    facts.push(if ids.is_empty() {
        "ids: none".to_string()
    } else {
        format!("ids: {}", ids.join(", "))
    });
    if !found.sources.is_empty() {
        let s: Vec<&str> = found.sources.iter().map(|(s, _)| s.as_str()).collect();
        facts.push(format!("listed by {}", s.join(", ")));
    }
    facts.push(match res.nearest {
        Some((i, s)) => format!("nearest bib entry: {} (title similarity {s:.2})", key_of(i)),
        None => "nearest bib entry: none with a similar title".to_string(),
    });
    let year_inside = match (c.year, subject.active_years) {
        (Some(y), Some(a)) => {
            let ok = inside(y, a);
            facts.push(format!(
                "year {y} is {} the active years {}",
                if ok { "inside" } else { "outside" },
                years_text(a)
            ));
            Some(ok)
        }
        (None, Some(a)) => {
            facts.push(format!("no year given; active years {}", years_text(a)));
            None
        }
        (_, None) => {
            facts.push("no active years known for this person".to_string());
            None
        }
    };
    let co = coauthors(ctx, subject.person, c);
    facts.push(if co.is_empty() {
        "group co-authors: none".to_string()
    } else {
        format!("group co-authors: {}", co.join(", "))
    });
    let (is_author, author_fact) = authorship(subject.person, c);
    facts.push(author_fact.clone());

    let (decision, key, reason) = decide(
        ctx,
        c,
        &res,
        &work,
        is_author,
        &author_fact,
        year_inside,
        !co.is_empty(),
    );
    let mut evidence = vec![reason];
    evidence.extend(facts);
    Item {
        ids: ItemIds::from_ids(&c.ids),
        title: c.title.clone(),
        year: c.year,
        decision,
        key: key.map(key_of),
        evidence,
        work: found,
    }
}

#[allow(clippy::too_many_arguments)]
fn decide(
    ctx: &Context<'_>,
    c: &Candidate,
    res: &identity::Resolution,
    work: &Work,
    is_author: Option<bool>,
    author_fact: &str,
    year_inside: Option<bool>,
    has_coauthors: bool,
) -> (Decision, Option<usize>, String) {
    let key_of = |i: usize| ctx.publications[i].key.clone();
    if let Some((token, reason)) = ctx.ignore.matches(&c.ids) {
        let why = if reason.is_empty() {
            String::new()
        } else {
            format!(" ({reason})")
        };
        return (
            Decision::Ignored,
            None,
            format!("ignored: {token} is on the ignore list{why}"),
        );
    }
    if let Some((i, basis)) = res.same {
        return (
            Decision::Present,
            Some(i),
            format!("present as {}: {}", key_of(i), basis.describe()),
        );
    }
    let candidate_is_preprint = work.class == Some(WorkClass::Preprint);
    if let Some((i, basis)) = res.related {
        if candidate_is_preprint {
            return (
                Decision::PreprintOf,
                Some(i),
                format!("preprint of {}: {}", key_of(i), basis.describe()),
            );
        }
    }
    if let Some(why) = not_a_publication(c) {
        return (
            Decision::NotAPublication,
            None,
            format!("not a publication: {why}"),
        );
    }
    if is_author == Some(false) {
        return (
            Decision::Namesake,
            None,
            format!("probably a namesake: {author_fact}"),
        );
    }
    if let Some((i, s)) = res.nearest {
        let bib = &ctx.index.works[i];
        let abstract_pair = (bib.class == Some(WorkClass::Abstract))
            != (work.class == Some(WorkClass::Abstract))
            && !candidate_is_preprint
            && bib.class != Some(WorkClass::Preprint);
        if s >= 0.8 && !abstract_pair {
            let mut why = Vec::new();
            if s < ctx.index.threshold() {
                why.push(format!(
                    "title similarity {s:.2} is below the threshold {:.2}",
                    ctx.index.threshold()
                ));
            }
            match (bib.year, work.year) {
                (Some(a), Some(b)) if (a - b).abs() > 1 => {
                    why.push(format!("years differ ({a} vs {b})"))
                }
                _ => {}
            }
            if !fold::same_family(&bib.first_family, &work.first_family) {
                why.push("first authors differ".into());
            }
            if why.is_empty() {
                why.push("the ids and details differ".into());
            }
            return (
                Decision::LikelyDuplicate,
                Some(i),
                format!(
                    "likely a duplicate of {}: similar title, but {}",
                    key_of(i),
                    why.join("; ")
                ),
            );
        }
    }
    if year_inside == Some(false) {
        let extra = if has_coauthors {
            "; it has group co-authors, so check it"
        } else {
            ""
        };
        return (
            Decision::OutsideActiveYears,
            None,
            format!("outside active years: published when the person was not in the group{extra}"),
        );
    }
    let mut why = "new: no bib entry shares an id or a matching title".to_string();
    if let Some((i, basis)) = res.related {
        why = format!(
            "new: the published version of the preprint {} ({})",
            key_of(i),
            basis.describe()
        );
    } else if let Some((i, s)) = res.nearest.filter(|(_, s)| *s >= 0.8) {
        why = format!(
            "new: {} has a similar title (similarity {s:.2}) but is a conference abstract or its paper, a different work",
            key_of(i)
        );
    }
    (Decision::New, None, why)
}

/// Runs discovery for several people: `works` maps a slug to that person's candidates.
pub fn discover(
    ctx: &Context<'_>,
    subjects: &[Subject<'_>],
    works: &BTreeMap<String, Vec<Candidate>>,
) -> Report {
    let mut people = Vec::new();
    for s in subjects {
        let candidates = works.get(&s.person.slug).map(Vec::as_slice).unwrap_or(&[]);
        let grouped = group(candidates, ctx.index.threshold());
        people.push(classify(ctx, s, grouped));
    }
    people.sort_by(|a, b| a.slug.cmp(&b.slug));
    Report { people }
}

/// The BibTeX entry type for a kind (preprints are `article`s with the server as journal,
/// as the DIAG files write them).
pub fn entry_type(kind: Option<Kind>) -> &'static str {
    match kind {
        Some(Kind::Article) | Some(Kind::Preprint) | None => "article",
        Some(Kind::InProceedings) => "inproceedings",
        Some(Kind::PhdThesis) => "phdthesis",
        Some(Kind::MastersThesis) => "mastersthesis",
        Some(Kind::Book) => "book",
        Some(Kind::Chapter) => "incollection",
        Some(Kind::Patent) => "patent",
        Some(Kind::Report) => "techreport",
        Some(Kind::Misc) => "misc",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CandidateAuthor, Doi, Name};

    fn name(given: &str, family: &str) -> Name {
        Name {
            given: given.into(),
            family: family.into(),
            ..Name::default()
        }
    }

    fn bib_entry(
        key: &str,
        ty: &str,
        title: &str,
        year: i32,
        journal: &str,
        doi: Option<&str>,
    ) -> Publication {
        let mut p = Publication {
            key: key.into(),
            entry_type: ty.into(),
            kind: Some(Kind::Article),
            title: title.into(),
            year: Some(year),
            journal: Some(journal.into()),
            authors: vec![name("Clara I.", "Sánchez"), name("Bram", "van Ginneken")],
            ..Publication::default()
        };
        p.fields.insert("journal".into(), journal.into());
        if let Some(d) = doi {
            p.fields.insert("doi".into(), d.into());
        }
        p
    }

    fn work(title: &str, year: i32, doi: Option<&str>, venue: &str, first: Name) -> Candidate {
        Candidate {
            source: Some(Service::SemanticScholar),
            retrieved: "2026-12-01T00:00:00Z".into(),
            title: title.into(),
            year: Some(year),
            venue: Some(venue.into()),
            ids: Ids {
                doi: doi.and_then(Doi::parse),
                ..Ids::default()
            },
            authors: vec![
                CandidateAuthor {
                    name: first,
                    orcid: None,
                },
                CandidateAuthor {
                    name: name("B.", "van Ginneken"),
                    orcid: None,
                },
            ],
            ..Candidate::default()
        }
    }

    #[test]
    fn every_decision_is_made_and_explained() {
        let pubs = vec![
            bib_entry("Sanc10", "article", "Retinal image analysis for diabetic retinopathy screening", 2010, "Medical Image Analysis", Some("10.1016/j.media.2010.01.001")),
            bib_entry("Sanc12", "article", "Automatic detection of exudates in fundus photographs with machine learning", 2012, "IEEE TMI", None),
            bib_entry("Sanc14", "article", "Deep learning for referable diabetic retinopathy in a screening programme", 2014, "Ophthalmology", Some("10.1016/j.ophtha.2014.02.001")),
            bib_entry("Sanc16", "article", "Computer aided diagnosis of age related macular degeneration in color fundus images", 2016, "Ophthalmology", None),
        ];
        let index = BibIndex::new(&pubs, 0.9);
        let me = Person {
            slug: "clara-sanchez".into(),
            name: "Clara I. Sánchez".into(),
            ..Person::default()
        };
        let bram = Person {
            slug: "bram-van-ginneken".into(),
            name: "Bram van Ginneken".into(),
            ..Person::default()
        };
        let people = vec![bram, me.clone()];
        let (ignore, _) = IgnoreList::parse(
            "doi:10.1000/ignored.1 # not ours\n",
            std::path::Path::new("x"),
        );
        let ctx = Context {
            publications: &pubs,
            index: &index,
            people: &people,
            ignore: &ignore,
            since: Some(2000),
        };
        let clara = || name("Clara I.", "Sánchez");
        let cands = vec![
            work("A brand new method for vessel segmentation", 2015, Some("10.1000/new.1"), "Radiology", clara()),
            work("Some other title entirely", 2010, Some("10.1016/J.MEDIA.2010.01.001"), "MedIA", clara()),
            work("Automatic detection of exudates in fundus photographs with machine learning.", 2012, None, "TMI", clara()),
            work("Deep learning for referable diabetic retinopathy in a screening programme", 2013, Some("10.48550/arXiv.1312.01234"), "arXiv", clara()),
            work("Computer-aided diagnosis of age-related macular degeneration in colour fundus images", 2019, None, "Ophthalmology", clara()),
            work("Vessel segmentation in retinal images revisited", 2030, Some("10.1000/late.1"), "Radiology", clara()),
            work("Erratum: vessel segmentation", 2015, Some("10.1000/err.1"), "Radiology", clara()),
            work("Soil bacteria in the Andes", 2015, Some("10.1000/soil.1"), "Soil Biology", name("Pedro", "Sánchez")),
            work("Ignored work", 2015, Some("10.1000/ignored.1"), "Radiology", clara()),
            work("Too old to list", 1995, Some("10.1000/old.1"), "Radiology", clara()),
        ];
        let subject = Subject {
            person: &me,
            active_years: Some((2008, Some(2020))),
        };
        let works = BTreeMap::from([(me.slug.clone(), cands)]);
        let report = discover(&ctx, &[subject], &works);
        let items = &report.people[0].items;
        let by_title = |t: &str| {
            items
                .iter()
                .find(|i| i.title.starts_with(t))
                .unwrap_or_else(|| panic!("{t} missing: {items:#?}"))
        };
        let check = |t: &str, d: Decision, key: Option<&str>| {
            let item = by_title(t);
            assert_eq!(item.decision, d, "{t}: {:?}", item.evidence);
            assert_eq!(item.key.as_deref(), key, "{t}");
            let first_word = d.as_str().split('-').next().unwrap_or_default();
            assert!(
                item.evidence[0].contains(first_word)
                    || d == Decision::Namesake
                    || d == Decision::LikelyDuplicate,
                "{:?}",
                item.evidence
            );
            assert!(item
                .evidence
                .iter()
                .any(|e| e.starts_with("nearest bib entry")));
            assert!(item.evidence.iter().any(|e| e.contains("active years")));
            assert!(item
                .evidence
                .iter()
                .any(|e| e.starts_with("group co-authors")));
        };
        check("A brand new method", Decision::New, None);
        check("Some other title", Decision::Present, Some("Sanc10"));
        check(
            "Automatic detection of exudates",
            Decision::Present,
            Some("Sanc12"),
        );
        check(
            "Deep learning for referable",
            Decision::PreprintOf,
            Some("Sanc14"),
        );
        check(
            "Computer-aided diagnosis of age",
            Decision::LikelyDuplicate,
            Some("Sanc16"),
        );
        check(
            "Vessel segmentation in retinal images revisited",
            Decision::OutsideActiveYears,
            None,
        );
        check("Erratum", Decision::NotAPublication, None);
        check("Soil bacteria", Decision::Namesake, None);
        check("Ignored work", Decision::Ignored, None);
        assert!(!items.iter().any(|i| i.title.starts_with("Too old")));
        assert!(by_title("A brand new")
            .evidence
            .iter()
            .any(|e| e == "group co-authors: bram-van-ginneken"));
        assert!(by_title("Ignored work").evidence[0].contains("not ours"));
        let json = crate::merge::review::to_json(&report);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let item = &v["people"][0]["items"][0];
        for k in ["doi", "pmid", "arxiv", "s2", "openalex"] {
            assert!(item["ids"].get(k).is_some(), "ids.{k} missing in {item}");
        }
        for k in ["title", "year", "decision", "key", "evidence"] {
            assert!(item.get(k).is_some(), "{k} missing in {item}");
        }
    }

    #[test]
    fn the_same_work_from_two_services_is_one_item() {
        let mut a = work(
            "Vessel segmentation",
            2015,
            Some("10.1000/v.1"),
            "Radiology",
            name("C.", "Sánchez"),
        );
        a.source = Some(Service::Orcid);
        let mut b = a.clone();
        b.source = Some(Service::Openalex);
        b.ids.openalex = Some("W123".into());
        b.volume = Some("7".into());
        let groups = group(&[a, b], 0.9);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].candidate.ids.openalex.as_deref(), Some("W123"));
        assert_eq!(groups[0].candidate.source, Some(Service::Openalex));
        assert_eq!(groups[0].sources.len(), 2);
    }
}
