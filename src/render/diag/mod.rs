//! The `diag-pelican` output flavour: the files the DIAG group's Pelican websites read,
//! as a drop-in replacement for their `bibparser.py <site>` step.
//!
//! Per site (a group such as `diag` or `pathology`) it writes, under the content folder,
//! `bibitems_<site>.json`, `authorkeys_<site>.json` and `groupkeys_<site>.json`, and under
//! `website-<site>/content/pages/` (next to the content folder) the per-member and per-group
//! list stubs. The per-publication stubs (`pages/publications/<key>.md`) are shared by every
//! site. The shapes are those of `docs/diag-pelican.md`; publist's attribution replaces the
//! step's name matching, and the step's known defects are fixed (full initials, the person's
//! name in titles, clean abstracts, members without `groups:`, a deterministic order).
//!
//! Parsing and attribution happen once ([`Inputs`]); every site is a cheap view over them.
//! Every file goes through one [`Batch`], so a rerun touches only what changed, and a first
//! run of a few thousand stubs costs one disk flush.

mod bibitem;
mod inert;
mod json;
mod stubs;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::attribute::Role;
use crate::commands::common::Inputs;
use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::error::{Error, Result};
use crate::fsutil::{is_safe_component, Batch, WriteOutcome};
use crate::model::{Person, Publication};

pub use bibitem::{display_name, display_names, initials};
use json::Json;

/// The flavour name used by `--emit` and `[output] emit`.
pub const FLAVOUR: &str = "diag-pelican";

/// Years up to this one share the `2012-and-before` page, as on the DIAG sites.
pub const REST_YEAR: i32 = 2012;

/// The order of `__types__`, as the DIAG templates expect it; other types are not listed.
const TYPE_ORDER: [&str; 8] = [
    "article",
    "preprint",
    "inproceedings",
    "conference",
    "phdthesis",
    "mastersthesis",
    "book",
    "other",
];

/// How to write the DIAG files.
#[derive(Debug, Clone)]
pub struct DiagOptions {
    /// Every publication in every site and group (the DIAG default), rather than only the
    /// site members' works.
    pub all_publications: bool,
    /// The images folder; thesis covers are `<images>/theses/<Key>.png`.
    /// Default: `<content>/images`.
    pub images: Option<PathBuf>,
    /// How many publications `most-cited.md` lists.
    pub most_cited: usize,
    /// The folder holding the `website-<site>/` folders. Default: the content folder's parent.
    pub website_root: Option<PathBuf>,
}

impl Default for DiagOptions {
    fn default() -> Self {
        DiagOptions {
            all_publications: true,
            images: None,
            most_cited: 100,
            website_root: None,
        }
    }
}

impl DiagOptions {
    /// The options a config asks for (`[diag]`, `[site] images`, `[output] most_cited`).
    pub fn from_config(config: &Config) -> DiagOptions {
        DiagOptions {
            all_publications: config.diag_all_publications,
            images: config.images.clone(),
            most_cited: config.most_cited,
            website_root: None,
        }
    }
}

/// What one site got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteSummary {
    /// The site (group) name.
    pub site: String,
    /// Publications in `bibitems_<site>.json`.
    pub publications: usize,
    /// Members with an entry in `authorkeys_<site>.json`.
    pub members: usize,
    /// Groups in `groupkeys_<site>.json`.
    pub groups: usize,
}

/// What a run wrote.
#[derive(Debug, Clone, Default)]
pub struct EmitReport {
    /// One summary per site, in the order given.
    pub sites: Vec<SiteSummary>,
    /// Files created or changed.
    pub written: usize,
    /// Files that already held the same bytes and were left alone.
    pub unchanged: usize,
    /// Every file of the run, with what happened to it, sorted by path.
    pub files: Vec<(PathBuf, WriteOutcome)>,
    /// Problems found on the way (members without groups, publications without a year, …).
    pub diagnostics: Vec<Diagnostic>,
}

/// Whether `config` or the command line asks for this flavour.
pub fn requested(config: &Config, cli_emit: &[String]) -> bool {
    cli_emit
        .iter()
        .chain(&config.emit)
        .any(|e| e.trim() == FLAVOUR)
}

/// What `publist build` calls: when the flavour is asked for (`--emit diag-pelican` or
/// `[output] emit`), writes every site of `--site` (else `[diag] sites`) under `--content`
/// (else `[diag] content`) and prints a one-line summary per site on stderr.
/// Returns `None` when the flavour was not asked for.
pub fn emit_for_build(
    inputs: &Inputs,
    cli_emit: &[String],
    cli_sites: &[String],
    cli_content: Option<&Path>,
) -> Result<Option<EmitReport>> {
    if !requested(&inputs.config, cli_emit) {
        return Ok(None);
    }
    let sites = if cli_sites.is_empty() {
        inputs.config.diag_sites.clone()
    } else {
        cli_sites.to_vec()
    };
    let content = cli_content
        .map(Path::to_path_buf)
        .or_else(|| inputs.config.diag_content.clone())
        .ok_or_else(|| {
            Error::Config(format!(
                "--emit {FLAVOUR} needs the website's content folder: pass --content DIR or set [diag] content"
            ))
        })?;
    let report = emit(
        inputs,
        &sites,
        &content,
        &DiagOptions::from_config(&inputs.config),
    )?;
    for site in &report.sites {
        eprintln!(
            "{FLAVOUR} {}: {} publications, {} members, {} groups",
            site.site, site.publications, site.members, site.groups
        );
    }
    eprintln!(
        "{FLAVOUR}: {} files written, {} unchanged ({})",
        report.written,
        report.unchanged,
        content.display()
    );
    Ok(Some(report))
}

/// Writes the DIAG files of every site in `sites` under `content_dir`.
///
/// Fails only on bad site names and on write errors; data oddities become diagnostics.
pub fn emit(
    inputs: &Inputs,
    sites: &[String],
    content_dir: &Path,
    options: &DiagOptions,
) -> Result<EmitReport> {
    let sites = check_sites(sites)?;
    let mut report = EmitReport::default();
    let roster = Roster::new(inputs, &sites, &mut report.diagnostics);
    let images = options
        .images
        .clone()
        .unwrap_or_else(|| content_dir.join("images"));
    let covers = bibitem::Covers::scan(&images);
    let website_root = options.website_root.clone().unwrap_or_else(|| {
        content_dir
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    });

    let mut files: BTreeMap<PathBuf, Vec<u8>> = BTreeMap::new();
    let mut bibitems: HashMap<usize, Vec<u8>> = HashMap::new();
    let mut shown: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    for site in &sites {
        let view = SiteView::new(&roster, site, options.all_publications);
        for &i in &view.publications {
            shown.entry(i).or_default().insert(site.clone());
        }
        report.sites.push(view.summary());
        // Each entry is serialized once and shared by every site that shows it.
        for &i in &view.publications {
            bibitems
                .entry(i)
                .or_insert_with(|| json::fragment(&bibitem::bibitem(roster.pubs[i], &covers)));
        }
        let items: Vec<(&str, &[u8])> = view
            .publications
            .iter()
            .map(|&i| (roster.keys[i].as_str(), bibitems[&i].as_slice()))
            .collect();
        files.insert(
            content_dir.join(format!("bibitems_{site}.json")),
            json::object_of_fragments(&items),
        );
        files.insert(
            content_dir.join(format!("authorkeys_{site}.json")),
            json::to_bytes(&view.authorkeys(&roster)),
        );
        files.insert(
            content_dir.join(format!("groupkeys_{site}.json")),
            json::to_bytes(&view.groupkeys(&roster)),
        );
        let pages = website_root
            .join(format!("website-{site}"))
            .join("content/pages");
        view.member_stubs(&roster, &pages, &mut files);
        view.group_stubs(&roster, &pages, options.most_cited, &mut files);
    }
    publication_stubs(&roster, &shown, content_dir, &mut files);

    let files: Vec<(PathBuf, Vec<u8>)> = files.into_iter().collect();
    for (path, outcome) in write_all(&files)? {
        match outcome {
            WriteOutcome::Written => report.written += 1,
            WriteOutcome::Unchanged => report.unchanged += 1,
        }
        report.files.push((path, outcome));
    }
    Ok(report)
}

/// Writes every file through one [`Batch`]: unchanged files are left alone, changed ones
/// are made durable with one flush and renamed into place. The outcomes come back in the
/// order of `files`.
fn write_all(files: &[(PathBuf, Vec<u8>)]) -> Result<Vec<(PathBuf, WriteOutcome)>> {
    let mut batch = Batch::new();
    let mut outcomes = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        outcomes.push((path.clone(), batch.write_if_changed(path, bytes)?));
    }
    batch.commit()?;
    Ok(outcomes)
}

/// Site names become file and folder names: refuse anything that is not one safe component.
fn check_sites(sites: &[String]) -> Result<Vec<String>> {
    if sites.is_empty() {
        return Err(Error::Config(format!(
            "--emit {FLAVOUR} needs at least one site: pass --site GROUP or set [diag] sites"
        )));
    }
    let mut out: Vec<String> = Vec::new();
    for site in sites {
        let name = site.trim().to_lowercase();
        if !is_safe_component(&name) || name.starts_with('.') {
            return Err(Error::Config(format!(
                "site `{site}` cannot be a file name; use a group name such as `diag`"
            )));
        }
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Ok(out)
}

/// Everything the sites share, computed once: unique publications, members' works,
/// and each member's effective groups.
struct Roster<'a> {
    /// Publications, first occurrence of each key, in bib order.
    pubs: Vec<&'a Publication>,
    /// Lowercased keys, parallel to `pubs`.
    keys: Vec<String>,
    /// Publication order within a year: (year, position in the newest-first order).
    rank: Vec<usize>,
    /// Member slug → display name.
    names: BTreeMap<String, String>,
    /// Each member's groups; members without `groups:` get `default_group` or every site.
    groups: BTreeMap<String, Vec<String>>,
    /// Each member's works (author, editor or thesis supervisor), as indices into `pubs`.
    works: BTreeMap<String, BTreeSet<usize>>,
    /// Member slugs among the authors of each publication.
    authors: Vec<BTreeSet<String>>,
}

impl<'a> Roster<'a> {
    fn new(inputs: &'a Inputs, sites: &[String], diagnostics: &mut Vec<Diagnostic>) -> Roster<'a> {
        let mut pubs = Vec::new();
        let mut keys = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for p in &inputs.bib.publications {
            let key = p.key_lower();
            if index.contains_key(&key) {
                continue;
            }
            if !is_safe_component(&format!("{key}.md")) {
                diagnostics.push(
                    Diagnostic::warning(
                        "diag-unsafe-key",
                        format!(
                            "bib key `{}` cannot be a file name; left out of the DIAG files",
                            p.key
                        ),
                    )
                    .at(&p.span.file, p.span.line, p.span.column)
                    .key(&p.key),
                );
                continue;
            }
            if p.year.is_none() {
                diagnostics.push(
                    Diagnostic::warning(
                        "diag-no-year",
                        format!(
                            "`{}` has no year; it is left out of the per-year lists",
                            p.key
                        ),
                    )
                    .at(&p.span.file, p.span.line, p.span.column)
                    .key(&p.key)
                    .help("add `year = {YYYY}` to the entry"),
                );
            }
            index.insert(key.clone(), pubs.len());
            pubs.push(p);
            keys.push(key);
        }
        let rank = newest_first_rank(&pubs, &keys);

        // Members are keyed as the DIAG step keys them: the page's `name`, words joined by
        // `-`, lowercased. Pages of one person under two file names fold into one member.
        let mut file_to_member: BTreeMap<&str, String> = BTreeMap::new();
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut people: Vec<&Person> = inputs.site.people.iter().collect();
        people.sort_by(|a, b| a.slug.cmp(&b.slug));
        for person in people {
            let member = member_slug(person);
            file_to_member.insert(person.slug.as_str(), member.clone());
            names
                .entry(member.clone())
                .or_insert_with(|| display_name_of(person));
            let list = groups.entry(member).or_default();
            for group in effective_groups(person, sites, diagnostics) {
                if !list.contains(&group) {
                    list.push(group);
                }
            }
        }

        // Works per page slug first: attribution credits only the canonical page of a
        // duplicated person, and a duplicate page (`bram-plated`) shows the canonical list.
        let mut page_works: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
        let mut authors = vec![BTreeSet::new(); pubs.len()];
        for (slug, credits) in &inputs.attribution.by_person {
            let Some(member) = file_to_member.get(slug.as_str()) else {
                continue;
            };
            for credit in credits {
                let Some(&i) = index.get(&credit.key.to_lowercase()) else {
                    continue;
                };
                match credit.role {
                    Role::Author => {
                        authors[i].insert(member.clone());
                        page_works.entry(slug.as_str()).or_default().insert(i);
                    }
                    // Theses a member supervised are on their list, as on the DIAG sites.
                    Role::Editor | Role::Promotor | Role::Copromotor => {
                        page_works.entry(slug.as_str()).or_default().insert(i);
                    }
                }
            }
        }
        for dup in &inputs.attribution.duplicates {
            let Some((canonical, others)) = dup.split_first() else {
                continue;
            };
            let Some(list) = page_works.get(canonical.as_str()).cloned() else {
                continue;
            };
            for other in others {
                if let Some((&page, _)) = file_to_member.get_key_value(other.as_str()) {
                    page_works.entry(page).or_insert_with(|| list.clone());
                }
            }
        }
        let mut works: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
        for (page, list) in page_works {
            if let Some(member) = file_to_member.get(page) {
                works.entry(member.clone()).or_default().extend(list);
            }
        }
        Roster {
            pubs,
            keys,
            rank,
            names,
            groups,
            works,
            authors,
        }
    }

    /// `indices` grouped by year, newest year first, each year in page order.
    fn by_year(&self, indices: &BTreeSet<usize>) -> Vec<(i32, Vec<usize>)> {
        let mut years: BTreeMap<std::cmp::Reverse<i32>, Vec<usize>> = BTreeMap::new();
        for &i in indices {
            if let Some(year) = self.pubs[i].year {
                years.entry(std::cmp::Reverse(year)).or_default().push(i);
            }
        }
        years
            .into_iter()
            .map(|(std::cmp::Reverse(year), mut list)| {
                list.sort_by_key(|&i| self.rank[i]);
                (year, list)
            })
            .collect()
    }

    /// The `{ "<year>": [...], "__types__": [...], "__years__": [...] }` object.
    fn keys_object(&self, indices: &BTreeSet<usize>) -> Json {
        let years = self.by_year(indices);
        let mut fields: Vec<(String, Json)> = years
            .iter()
            .map(|(year, list)| {
                (
                    year.to_string(),
                    Json::strs(list.iter().map(|&i| self.keys[i].as_str())),
                )
            })
            .collect();
        let present: BTreeSet<String> = indices
            .iter()
            .map(|&i| bibitem::diag_type(self.pubs[i]))
            .collect();
        let types = TYPE_ORDER.iter().filter(|t| present.contains(**t));
        fields.push(("__types__".to_string(), Json::strs(types)));
        fields.push((
            "__years__".to_string(),
            Json::List(
                years
                    .iter()
                    .map(|(y, _)| Json::Int(i64::from(*y)))
                    .collect(),
            ),
        ));
        Json::Obj(fields)
    }
}

/// The order within a year: month when known (newest first), then unknown months, then
/// by lowercased key. Returned as each publication's position in that order.
fn newest_first_rank(pubs: &[&Publication], keys: &[String]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..pubs.len()).collect();
    order.sort_by(|&a, &b| {
        let month = |i: usize| {
            std::cmp::Reverse(pubs[i].month.filter(|m| (1..=12).contains(m)).unwrap_or(0))
        };
        pubs[b]
            .year
            .cmp(&pubs[a].year)
            .then(month(a).cmp(&month(b)))
            .then_with(|| keys[a].cmp(&keys[b]))
    });
    let mut rank = vec![0; pubs.len()];
    for (pos, i) in order.into_iter().enumerate() {
        rank[i] = pos;
    }
    rank
}

/// The member key the DIAG templates use: the page's `name`, words joined by `-`,
/// lowercased (`Clément Grisi` → `clément-grisi`); the page slug when that cannot be a file name.
pub fn member_slug(person: &Person) -> String {
    let slug = person
        .name
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-")
        .to_lowercase();
    if is_safe_component(&slug) && !slug.starts_with('.') {
        slug
    } else {
        person.slug.clone()
    }
}

/// The page's name, else its slug.
fn display_name_of(person: &Person) -> String {
    if person.name.trim().is_empty() {
        person.slug.clone()
    } else {
        bibitem::one_line(&person.name)
    }
}

/// A member's groups; without `groups:`, their `default_group`, else every site of the run.
fn effective_groups(
    person: &Person,
    sites: &[String],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let mut groups: Vec<String> = person
        .groups
        .iter()
        .map(|g| g.trim().to_lowercase())
        .filter(|g| !g.is_empty())
        .collect();
    if groups.is_empty() {
        let default = person
            .meta
            .iter()
            .find(|(k, _)| k == "default_group")
            .map(|(_, v)| v.trim().to_lowercase())
            .filter(|v| !v.is_empty());
        let (chosen, how) = match default {
            Some(d) => (vec![d], "its `default_group`"),
            None => (sites.to_vec(), "every site of this run"),
        };
        diagnostics.push(
            Diagnostic::warning(
                "diag-member-without-groups",
                format!(
                    "member page `{}` has no `groups:`; listed under {how}",
                    person.slug
                ),
            )
            .at(&person.path, 0, 0)
            .key(&person.slug)
            .help("add a line such as `groups: diag, pathology` to the page header"),
        );
        groups = chosen;
    }
    let mut seen = BTreeSet::new();
    groups.retain(|g| is_safe_component(g) && seen.insert(g.clone()));
    groups
}

/// One site: its members, groups and publications.
struct SiteView {
    site: String,
    /// Member slugs with works, sorted.
    members: Vec<String>,
    /// Publications shown on the site, sorted by key.
    publications: Vec<usize>,
    /// Group → publications, the site's own group included.
    groups: BTreeMap<String, BTreeSet<usize>>,
}

impl SiteView {
    fn new(roster: &Roster<'_>, site: &str, all_publications: bool) -> SiteView {
        let in_site: Vec<&String> = roster
            .groups
            .iter()
            .filter(|(_, groups)| groups.iter().any(|g| g == site))
            .map(|(slug, _)| slug)
            .collect();
        let members: Vec<String> = in_site
            .iter()
            .filter(|slug| roster.works.get(**slug).is_some_and(|w| !w.is_empty()))
            .map(|s| s.to_string())
            .collect();
        let mut site_pubs: BTreeSet<usize> = BTreeSet::new();
        if all_publications {
            site_pubs.extend(0..roster.pubs.len());
        } else {
            for slug in &members {
                site_pubs.extend(roster.works[slug].iter().copied());
            }
        }
        let mut groups: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
        groups.insert(site.to_string(), site_pubs.clone());
        for slug in &members {
            for group in &roster.groups[slug] {
                let entry = groups.entry(group.clone()).or_default();
                if all_publications {
                    entry.extend(site_pubs.iter().copied());
                } else {
                    entry.extend(roster.works[slug].iter().copied());
                }
            }
        }
        let mut publications: Vec<usize> = site_pubs.into_iter().collect();
        publications.sort_by(|&a, &b| roster.keys[a].cmp(&roster.keys[b]));
        SiteView {
            site: site.to_string(),
            members,
            publications,
            groups,
        }
    }

    fn summary(&self) -> SiteSummary {
        SiteSummary {
            site: self.site.clone(),
            publications: self.publications.len(),
            members: self.members.len(),
            groups: self.groups.len(),
        }
    }

    fn authorkeys(&self, roster: &Roster<'_>) -> Json {
        Json::Obj(
            self.members
                .iter()
                .map(|slug| (slug.clone(), roster.keys_object(&roster.works[slug])))
                .collect(),
        )
    }

    fn groupkeys(&self, roster: &Roster<'_>) -> Json {
        Json::Obj(
            self.groups
                .iter()
                .map(|(group, pubs)| (group.clone(), roster.keys_object(pubs)))
                .collect(),
        )
    }

    /// `publications/<slug>.md`, `<slug>/<YEAR>.md` (after 2012), `<slug>/2012-and-before.md`
    /// and `<slug>/all-years.md` for every member with works.
    fn member_stubs(
        &self,
        roster: &Roster<'_>,
        pages: &Path,
        files: &mut BTreeMap<PathBuf, Vec<u8>>,
    ) {
        let dir = pages.join("publications");
        for slug in &self.members {
            if !is_safe_component(slug) {
                continue;
            }
            let name = roster.names[slug].as_str();
            let groups = &roster.groups[slug];
            let stub = |title: &str| stubs::member(slug, name, groups, title).into_bytes();
            let own = dir.join(slug);
            let years = roster.by_year(&roster.works[slug]);
            for (year, _) in years.iter().filter(|(y, _)| *y > REST_YEAR) {
                files.insert(own.join(format!("{year}.md")), stub(&year.to_string()));
            }
            if years.iter().any(|(y, _)| *y <= REST_YEAR) {
                files.insert(
                    own.join(format!("{REST_YEAR}-and-before.md")),
                    stub(&format!("{REST_YEAR} and before")),
                );
            }
            files.insert(own.join("all-years.md"), stub("All Years"));
            files.insert(
                dir.join(format!("{slug}.md")),
                stub(&format!("Publications of {name}")),
            );
        }
    }

    /// `publications.md`, `publications/<YEAR>.md` (after 2012), `2012-and-before.md`,
    /// `all-years.md` and `most-cited.md` of the site's own group.
    fn group_stubs(
        &self,
        roster: &Roster<'_>,
        pages: &Path,
        most_cited: usize,
        files: &mut BTreeMap<PathBuf, Vec<u8>>,
    ) {
        let dir = pages.join("publications");
        let pubs = &self.groups[&self.site];
        for (year, _) in roster.by_year(pubs).iter().filter(|(y, _)| *y > REST_YEAR) {
            files.insert(
                dir.join(format!("{year}.md")),
                stubs::group(&year.to_string(), None).into_bytes(),
            );
        }
        files.insert(
            dir.join(format!("{REST_YEAR}-and-before.md")),
            stubs::group(&format!("{REST_YEAR} and before"), None).into_bytes(),
        );
        files.insert(
            dir.join("all-years.md"),
            stubs::group("All Years", None).into_bytes(),
        );
        files.insert(
            pages.join("publications.md"),
            stubs::group("Publications", None).into_bytes(),
        );
        let mut cited: Vec<(u64, &str)> = pubs
            .iter()
            .filter_map(|&i| {
                bibitem::citations(roster.pubs[i]).map(|c| (c, roster.keys[i].as_str()))
            })
            .collect();
        cited.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        let top: Vec<&str> = cited.iter().take(most_cited).map(|(_, k)| *k).collect();
        files.insert(
            dir.join("most-cited.md"),
            stubs::group("Most cited", Some(&top)).into_bytes(),
        );
    }
}

/// `pages/publications/<key>.md` for every publication shown on at least one site.
fn publication_stubs(
    roster: &Roster<'_>,
    shown: &BTreeMap<usize, BTreeSet<String>>,
    content_dir: &Path,
    files: &mut BTreeMap<PathBuf, Vec<u8>>,
) {
    let dir = content_dir.join("pages/publications");
    // Slugs of every member credited with each publication, for its `groups:`.
    let mut credited: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); roster.pubs.len()];
    for (slug, works) in &roster.works {
        for &i in works {
            credited[i].insert(slug.as_str());
        }
    }
    for (&i, sites) in shown {
        let mut groups: BTreeSet<&str> = credited[i]
            .iter()
            .flat_map(|slug| roster.groups[*slug].iter().map(String::as_str))
            .collect();
        if groups.is_empty() {
            groups.extend(sites.iter().map(String::as_str));
        }
        let groups: Vec<&str> = groups.into_iter().collect();
        let authors: Vec<&str> = roster.authors[i].iter().map(String::as_str).collect();
        let key = &roster.keys[i];
        let text = stubs::publication(roster.pubs[i], key, &authors, &groups);
        files.insert(dir.join(format!("{key}.md")), text.into_bytes());
    }
}
