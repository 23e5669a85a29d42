//! Stage 4: pages and data files, through askama templates in `templates/` (compiled in).
//!
//! [`build`] reads the loaded bibliography, site and attribution and writes the whole output
//! folder: an overview, one page per person, project, publication, group and group year,
//! theses and most-cited pages, JSON data and include fragments for other site generators, one
//! CSS and one JS file. Output is deterministic (everything sorted, no timestamps) and written
//! through [`output::Output`], so an unchanged rebuild writes no file.
//!
//! Safety: askama escapes all text; citations and JSON-LD are escaped where they are made;
//! only http(s) URLs become links ([`links::safe_url`]); every path component that comes from
//! data is checked with [`fsutil::is_safe_component`] or slugified, with a diagnostic.

pub mod cite;
pub mod diag;
pub mod links;
pub mod meta;
pub mod output;
pub mod pages;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use askama::Template;
use serde_json::{json, Value};

use crate::attribute::{Attribution, Credit};
use crate::bib::Bibliography;
use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::error::{Error, Result};
use crate::fsutil;
use crate::model::{Kind, Person, Publication};
use crate::site::Site;

use cite::Citer;
use links::Badge;
use output::{Output, WriteCounts};
use pages::*;

/// The stylesheet, compiled in.
pub const CSS: &str = include_str!("../../templates/static/publist.css");
/// The filter script, compiled in.
pub const JS: &str = include_str!("../../templates/static/publist.js");

/// What a build did.
#[derive(Debug, Default)]
pub struct BuildReport {
    /// Files written, unchanged, removed.
    pub counts: WriteCounts,
    /// Problems found while rendering (unsafe names, unknown project keys, …).
    pub diagnostics: Vec<Diagnostic>,
    /// Pages of people written.
    pub people: usize,
    /// Pages of publications written.
    pub publications: usize,
}

/// Everything the pages share, computed once.
struct Ctx<'a> {
    config: &'a Config,
    /// Publications with a page, sorted by lowercased key.
    pubs: Vec<&'a Publication>,
    /// What each of `pubs` shows, in the same order.
    entries: Vec<PageEntry>,
    /// Publication (by address in the bibliography) → index into `entries`; a publication
    /// whose key differs only in case from one with a page maps to that page.
    by_address: HashMap<usize, usize>,
    /// Lowercased key → index into `entries`, for publications from elsewhere.
    by_key: HashMap<String, usize>,
    /// Lowercased key → cover file name in `out/images/theses/`.
    covers: BTreeMap<String, String>,
    /// Person slug → output folder name (only people with a page).
    person_dirs: BTreeMap<String, String>,
    /// Slug → canonical slug for duplicates.
    canonical: BTreeMap<String, String>,
    /// Lowercased key → (slug, credit) of canonical people.
    credits_by_key: BTreeMap<String, Vec<(String, &'a Credit)>>,
    /// Folded name → person slug (canonical).
    name_index: BTreeMap<String, String>,
    diagnostics: Vec<Diagnostic>,
}

/// What a publication with a page shows, computed once per build.
struct PageEntry {
    /// Output folder name.
    dir: String,
    /// Where the escaped citation HTML stands in `head`.
    citation: std::ops::Range<usize>,
    /// Link badges.
    badges: Vec<Badge>,
    /// The list item around its link root (see [`PubItem`]).
    head: Arc<str>,
    tail: Arc<str>,
    /// Position in list order (newest first, then month, then key) among all pages.
    rank: usize,
}

/// A publication's address, its identity within one loaded bibliography.
fn address(p: &Publication) -> usize {
    p as *const Publication as usize
}

/// Folds a display name for matching project `people:` entries to person pages.
fn fold_name(name: &str) -> String {
    let folded = deunicode::deunicode(name).to_lowercase();
    folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Sort key for lists: newest year first, then month (known months first, latest first),
/// then key.
fn list_order(p: &Publication) -> (i32, u8, String) {
    (
        -p.year.unwrap_or(i32::MIN + 1),
        12 - p
            .month
            .filter(|m| (1..=12).contains(m))
            .unwrap_or(0)
            .min(12),
        p.key_lower(),
    )
}

fn month_name(m: u8) -> &'static str {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    NAMES
        .get(usize::from(m.saturating_sub(1)))
        .copied()
        .unwrap_or("")
}

/// Rendering a page into the output: into a buffer the writer threads handed back, so a
/// build reuses the same memory page after page.
trait WritePage {
    fn page<T: Template>(&mut self, parts: &[&str], what: &str, page: &T) -> Result<()>;
}

impl WritePage for Output {
    fn page<T: Template>(&mut self, parts: &[&str], what: &str, page: &T) -> Result<()> {
        let mut buf = self.buffer();
        page.render_into(&mut ByteWriter(&mut buf))
            .map_err(|e| Error::Render {
                what: what.to_string(),
                message: e.to_string(),
            })?;
        self.write(parts, buf)
    }
}

/// `fmt::Write` into bytes (askama renders through `fmt::Write`).
struct ByteWriter<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for ByteWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// `value` as pretty JSON with a final newline, into `buf` (from [`Output::buffer`]).
fn json_bytes(mut buf: Vec<u8>, value: &Value) -> Vec<u8> {
    // Writing a `Value` to memory cannot fail.
    let _ = serde_json::to_writer_pretty(&mut buf, value);
    buf.push(b'\n');
    buf
}

impl<'a> Ctx<'a> {
    fn layout(&self, root: &str, title: &str) -> Layout {
        Layout {
            root: root.to_string(),
            site_title: self.config.site_title.clone(),
            title: title.to_string(),
        }
    }

    /// The page of `p`, when it has one.
    fn entry(&self, p: &Publication) -> Option<&PageEntry> {
        let i = match self.by_address.get(&address(p)) {
            Some(&i) => i,
            None => *self.by_key.get(&p.key_lower())?,
        };
        self.entries.get(i)
    }

    fn pub_href(&self, root: &str, p: &Publication) -> String {
        let dir = self.entry(p).map(|e| e.dir.as_str()).unwrap_or("");
        format!("{root}publications/{dir}/index.html")
    }

    fn item(&self, root: &Arc<str>, p: &Publication) -> PubItem {
        let (head, tail) = match self.entry(p) {
            Some(e) => (Arc::clone(&e.head), Arc::clone(&e.tail)),
            // No page (a clashing name): the same item, without citation or badges.
            None => {
                let (head, _, tail) = item_html(p, "", "", &[]);
                (head, tail)
            }
        };
        PubItem {
            head,
            root: Arc::clone(root),
            tail,
        }
    }

    /// `pubs` in list order (newest first, then month, then key), each publication once.
    fn in_list_order<'p>(&self, pubs: &[&'p Publication]) -> Vec<&'p Publication> {
        let ranks: Option<Vec<usize>> =
            pubs.iter().map(|p| self.entry(p).map(|e| e.rank)).collect();
        match ranks {
            Some(ranks) => {
                let mut ranked: Vec<(usize, &Publication)> =
                    ranks.into_iter().zip(pubs.iter().copied()).collect();
                ranked.sort_by_key(|(rank, _)| *rank);
                ranked.dedup_by_key(|(rank, _)| *rank);
                ranked.into_iter().map(|(_, p)| p).collect()
            }
            None => sorted(pubs),
        }
    }

    /// A list grouped by year (newest first), then kind; or by kind only.
    fn list(&self, root: &str, pubs: &[&Publication], by_year: bool, filter: bool) -> PubList {
        let root: Arc<str> = Arc::from(root);
        let sorted = self.in_list_order(pubs);
        let mut years: Vec<String> = Vec::new();
        let mut kinds: BTreeSet<Kind> = BTreeSet::new();
        let mut sections: Vec<YearSection> = Vec::new();
        for p in &sorted {
            kinds.insert(p.kind());
            let label = if by_year {
                p.year
                    .map(|y| y.to_string())
                    .unwrap_or_else(|| "Undated".into())
            } else {
                String::new()
            };
            let year_text = p.year.map(|y| y.to_string()).unwrap_or_default();
            if !year_text.is_empty() && !years.contains(&year_text) {
                years.push(year_text);
            }
            if sections.last().is_none_or(|s| s.label != label) {
                sections.push(YearSection {
                    label: label.clone(),
                    count: 0,
                    kinds: Vec::new(),
                });
            }
            if let Some(section) = sections.last_mut() {
                section.count += 1;
                let heading = p.kind().heading();
                match section.kinds.iter_mut().find(|k| k.heading == heading) {
                    Some(ks) => {
                        ks.count += 1;
                        ks.items.push(self.item(&root, p));
                    }
                    None => section.kinds.push(KindSection {
                        heading,
                        count: 1,
                        items: vec![self.item(&root, p)],
                    }),
                }
            }
        }
        for s in &mut sections {
            s.kinds.sort_by_key(|k| {
                Kind::ALL_BY_RANK
                    .iter()
                    .position(|kind| kind.heading() == k.heading)
                    .unwrap_or(usize::MAX)
            });
        }
        years.sort_by(|a, b| b.cmp(a));
        PubList {
            total: sorted.len(),
            filter,
            headings: true,
            years,
            kinds: kinds
                .into_iter()
                .map(|k| (k.as_str().to_string(), k.heading().to_string()))
                .collect(),
            sections,
        }
    }

    fn group_link(&self, root: &str, name: &str) -> Link {
        Link {
            name: name.to_string(),
            href: format!("{root}groups/{}/index.html", fsutil::slugify(name)),
            count: 0,
            active: true,
        }
    }

    fn person_link(&self, root: &str, slug: &str, name: &str) -> Option<Link> {
        self.person_dirs.get(slug).map(|dir| Link {
            name: name.to_string(),
            href: format!("{root}people/{dir}/index.html"),
            count: 0,
            active: true,
        })
    }
}

/// Builds the whole output folder (`config.out_dir`) from loaded inputs.
/// Fails only on a bad citation style (a config error) or an I/O error on the output.
pub fn build(
    bib: &Bibliography,
    site: &Site,
    attribution: &Attribution,
    config: &Config,
) -> Result<BuildReport> {
    let citer =
        Citer::new(&config.style).map_err(|e| Error::Config(format!("[output] style: {e}")))?;
    let mut out = Output::new(&config.out_dir);
    let preparing = std::time::Instant::now();
    let mut ctx = context(bib, site, attribution, config, &citer, &mut out)?;
    tracing::debug!(
        "citations and list items of {} publications in {:.2?}",
        ctx.pubs.len(),
        preparing.elapsed()
    );
    let mut report = BuildReport::default();

    let fragment_root: Arc<str> = Arc::from(fragment_root(config));
    out.write(&["assets", "publist.css"], CSS)?;
    out.write(&["assets", "publist.js"], JS)?;

    // People: canonical and duplicate slugs all get a page and a JSON file.
    let people: BTreeMap<&str, &Person> =
        site.people.iter().map(|p| (p.slug.as_str(), p)).collect();
    let mut people_pubs: BTreeMap<String, Vec<(&Publication, &Credit)>> = BTreeMap::new();
    for (slug, credits) in &attribution.by_person {
        let canonical = ctx
            .canonical
            .get(slug)
            .cloned()
            .unwrap_or_else(|| slug.clone());
        for c in credits {
            if let Some(p) = bib.get(&c.key) {
                people_pubs
                    .entry(canonical.clone())
                    .or_default()
                    .push((p, c));
            }
        }
    }
    for list in people_pubs.values_mut() {
        list.sort_by_cached_key(|(p, c)| (list_order(p), c.role, c.position));
        list.dedup_by_key(|(p, _)| p.key_lower());
    }
    let projects_of = project_membership(&ctx, site);

    // Rendered on all cores a few people at a time (their lists can be megabytes), written
    // in order.
    let everyone: Vec<(&str, &Person)> = people.iter().map(|(s, p)| (*s, *p)).collect();
    let shared = PeopleShared {
        people: &people,
        people_pubs: &people_pubs,
        projects_of: &projects_of,
        fragment_root: &fragment_root,
    };
    for chunk in everyone.chunks(PEOPLE_CHUNK) {
        let jobs: Vec<(&str, &Person, [Vec<u8>; 4])> = chunk
            .iter()
            .map(|&(slug, person)| {
                let bufs = [out.buffer(), out.buffer(), out.buffer(), out.buffer()];
                (slug, person, bufs)
            })
            .collect();
        let rendered = crate::par::map_owned(jobs, |(slug, person, bufs)| {
            person_files(&ctx, &shared, slug, person, bufs)
        });
        for files in rendered {
            let Some(files) = files? else { continue };
            for (parts, bytes) in files {
                let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
                out.write(&parts, bytes)?;
            }
            report.people += 1;
        }
    }

    // Projects.
    let mut project_links = Vec::new();
    for project in &site.projects {
        let (dir, ok) = safe_dir(&project.slug);
        if !ok {
            ctx.diagnostics.push(unsafe_name(
                &project.path,
                "project slug",
                &project.slug,
                &dir,
            ));
        }
        let root = "../../";
        // Unknown keys are reported by the site stage (`site-unknown-bibkey`); never printed here.
        let keys = attribution
            .projects
            .get(&project.slug)
            .unwrap_or(&project.bibkeys);
        let pubs: Vec<&Publication> = keys.iter().filter_map(|k| bib.get(k)).collect();
        let pubs = ctx.in_list_order(&pubs);
        let people_links: Vec<Link> = project
            .people
            .iter()
            .map(|name| {
                ctx.name_index
                    .get(&fold_name(name))
                    .and_then(|slug| ctx.person_link(root, slug, name))
                    .unwrap_or(Link {
                        name: name.clone(),
                        href: String::new(),
                        count: 0,
                        active: true,
                    })
            })
            .collect();
        let page = ProjectPage {
            page: ctx.layout(root, &project.title),
            title: project.title.clone(),
            description: project.description.clone().filter(|d| !d.trim().is_empty()),
            people: people_links.clone(),
            groups: project
                .groups
                .iter()
                .map(|g| ctx.group_link(root, g))
                .collect(),
            finished: project.finished,
            list: ctx.list(root, &pubs, true, pubs.len() > 10),
        };
        out.page(&["projects", &dir, "index.html"], &dir, &page)?;
        let data = json!({
            "slug": project.slug,
            "title": project.title,
            "people": people_links.iter().map(|l| json!({
                "name": l.name,
                "slug": ctx.name_index.get(&fold_name(&l.name)),
            })).collect::<Vec<_>>(),
            "groups": project.groups,
            "page": format!("projects/{dir}/index.html"),
            "publications": pubs.iter().map(|p| json!({
                "key": p.key, "year": p.year, "type": p.kind().as_str(), "title": p.title,
            })).collect::<Vec<_>>(),
        });
        let bytes = json_bytes(out.buffer(), &data);
        out.write(&["data", "projects", &format!("{dir}.json")], bytes)?;
        let fragment = Fragment {
            items: pubs.iter().map(|p| ctx.item(&fragment_root, p)).collect(),
        };
        out.page(
            &["fragments", "projects", &format!("{dir}.html")],
            &dir,
            &fragment,
        )?;
        project_links.push(Link {
            name: project.title.clone(),
            href: format!("projects/{dir}/index.html"),
            count: pubs.len(),
            active: project.finished != Some(true),
        });
    }

    // Publications.
    // Rendered on all cores a chunk at a time (memory stays bounded), written in order.
    for chunk in ctx.pubs.chunks(PAGE_CHUNK) {
        let jobs: Vec<(&Publication, Vec<u8>)> = chunk.iter().map(|p| (*p, out.buffer())).collect();
        let pages = crate::par::map_owned(jobs, |(p, buf)| publication_page(&ctx, p, &people, buf));
        for page in pages {
            if let Some((dir, bytes)) = page? {
                out.write(&["publications", &dir, "index.html"], bytes)?;
            }
            report.publications += 1;
        }
    }
    let all: Vec<&Publication> = ctx.pubs.clone();
    let list = ctx.list("../", &all, true, true);
    let page = GroupPage {
        page: ctx.layout("../", "All publications"),
        heading: "All publications".into(),
        years: Vec::new(),
        people: Vec::new(),
        links: Vec::new(),
        list,
    };
    out.page(&["publications", "index.html"], "publications", &page)?;
    out.write(&["data", "publications.json"], publications_json(&ctx))?;

    // Groups, their years and most-cited lists.
    let groups = group_members(&ctx, site, attribution, bib);
    let mut group_links = Vec::new();
    let mut cited_links = Vec::new();
    for (gdir, (name, pubs, members)) in &groups {
        write_group(&ctx, &mut out, gdir, name, pubs, members, &people)?;
        group_links.push(Link {
            name: name.clone(),
            href: format!("groups/{gdir}/index.html"),
            count: pubs.len(),
            active: true,
        });
        cited_links.push(Link {
            name: name.clone(),
            href: format!("../most-cited/{gdir}/index.html"),
            count: 0,
            active: true,
        });
    }
    write_most_cited(
        &ctx,
        &mut out,
        &["most-cited", "index.html"],
        "../",
        "Most cited publications",
        &all,
        cited_links.clone(),
    )?;
    for (gdir, (name, pubs, _)) in &groups {
        let links: Vec<Link> = cited_links
            .iter()
            .map(|l| Link {
                href: format!("../{}", l.href),
                ..l.clone()
            })
            .collect();
        write_most_cited(
            &ctx,
            &mut out,
            &["most-cited", gdir, "index.html"],
            "../../",
            &format!("Most cited publications: {name}"),
            pubs,
            links,
        )?;
        let fragment = Fragment {
            items: ctx
                .in_list_order(pubs)
                .iter()
                .map(|p| ctx.item(&fragment_root, p))
                .collect(),
        };
        out.page(
            &["fragments", "groups", &format!("{gdir}.html")],
            gdir,
            &fragment,
        )?;
    }

    write_theses(&ctx, &mut out)?;

    // The overview.
    let mut by_year: BTreeMap<i32, usize> = BTreeMap::new();
    for p in &ctx.pubs {
        if let Some(y) = p.year {
            *by_year.entry(y).or_default() += 1;
        }
    }
    let person_links: Vec<Link> = people
        .iter()
        .filter(|(slug, _)| !ctx.canonical.contains_key(**slug))
        .filter_map(|(slug, person)| {
            let dir = ctx.person_dirs.get(*slug)?;
            Some(Link {
                name: person.name.clone(),
                href: format!("people/{dir}/index.html"),
                count: people_pubs.get(*slug).map_or(0, Vec::len),
                active: person.active != Some(false),
            })
        })
        .collect();
    let index = IndexPage {
        page: ctx.layout("", "Overview"),
        total_publications: ctx.pubs.len(),
        groups: group_links,
        people: person_links,
        projects: project_links,
        years: by_year
            .iter()
            .rev()
            .map(|(y, n)| Link {
                name: y.to_string(),
                href: format!("publications/index.html?year={y}"),
                count: *n,
                active: true,
            })
            .collect(),
    };
    out.page(&["index.html"], "index", &index)?;

    report.counts = out.finish()?;
    report.diagnostics = std::mem::take(&mut ctx.diagnostics);
    Ok(report)
}

/// A list item's HTML before and after its link root (see [`PubItem`]).
/// Also returns where the citation stands in the head.
fn item_html(
    p: &Publication,
    dir: &str,
    citation: &str,
    badges: &[Badge],
) -> (Arc<str>, std::ops::Range<usize>, Arc<str>) {
    let year = p.year.map(|y| y.to_string()).unwrap_or_default();
    let head = ItemHead {
        year: &year,
        kind: p.kind().as_str(),
    };
    let tail = ItemTail {
        dir,
        title: &p.title,
        badges,
    };
    // Rendering into a String cannot fail for these templates (plain fields, no filters
    // that can error); an error would leave the item empty rather than stop the build.
    let mut head = head.render().unwrap_or_default();
    let start = head.len();
    head.push_str(citation);
    let at = start..head.len();
    head.push_str(ITEM_CITATION_END);
    (
        Arc::from(head),
        at,
        Arc::from(tail.render().unwrap_or_default()),
    )
}

fn fragment_root(config: &Config) -> String {
    format!("{}/", config.base_url.trim_end_matches('/'))
}

fn sorted<'p>(pubs: &[&'p Publication]) -> Vec<&'p Publication> {
    let mut v = pubs.to_vec();
    v.sort_by_cached_key(|p| list_order(p));
    v.dedup_by_key(|p| p.key_lower());
    v
}

fn safe_dir(name: &str) -> (String, bool) {
    if fsutil::is_safe_component(name) && !name.starts_with('.') {
        (name.to_string(), true)
    } else {
        (fsutil::slugify(name), false)
    }
}

fn unsafe_name(file: &Path, what: &str, name: &str, used: &str) -> Diagnostic {
    Diagnostic::warning(
        "render-unsafe-name",
        format!("{what} `{name}` is not a safe file name; its page is written as `{used}`"),
    )
    .at(file, 0, 0)
    .key(name.to_string())
    .help("use letters, digits, `-` and `_` only")
}

fn context<'a>(
    bib: &'a Bibliography,
    site: &'a Site,
    attribution: &'a Attribution,
    config: &'a Config,
    citer: &Citer,
    out: &mut Output,
) -> Result<Ctx<'a>> {
    let mut diagnostics = Vec::new();
    // One page per lowercased key; the first occurrence wins (the bib stage reports duplicates).
    let mut by_key: BTreeMap<String, &Publication> = BTreeMap::new();
    for p in &bib.publications {
        by_key.entry(p.key_lower()).or_insert(p);
    }
    let mut dirs = BTreeMap::new();
    let mut used = BTreeSet::new();
    let mut pubs = Vec::new();
    for (k, p) in &by_key {
        let (dir, ok) = safe_dir(k);
        if !ok {
            diagnostics.push(unsafe_name(&p.span.file, "bib key", &p.key, &dir));
        }
        if !used.insert(dir.clone()) {
            diagnostics.push(
                Diagnostic::warning(
                    "render-name-clash",
                    format!("bib key `{}` gives the same page name `{dir}` as another key; it gets no page", p.key),
                )
                .at(&p.span.file, p.span.line, p.span.column)
                .key(p.key.clone()),
            );
            continue;
        }
        dirs.insert(k.clone(), dir);
        pubs.push(*p);
    }
    let citations = citer.render(&pubs);
    let mut order: Vec<usize> = (0..pubs.len()).collect();
    order.sort_by_cached_key(|&i| list_order(pubs[i]));
    let mut ranks = vec![0; pubs.len()];
    for (rank, i) in order.into_iter().enumerate() {
        ranks[i] = rank;
    }
    let ranked: Vec<(&Publication, usize)> = pubs.iter().copied().zip(ranks).collect();
    let entries: Vec<PageEntry> = crate::par::map(&ranked, |&(p, rank)| {
        let k = p.key_lower();
        let citation = citations.get(&k).map_or("", String::as_str);
        let badges = links::badges(p);
        let dir = dirs.get(&k).cloned().unwrap_or_default();
        let (head, citation, tail) = item_html(p, &dir, citation, &badges);
        PageEntry {
            dir,
            citation,
            badges,
            head,
            tail,
            rank,
        }
    });
    let by_key: HashMap<String, usize> = pubs
        .iter()
        .enumerate()
        .map(|(i, p)| (p.key_lower(), i))
        .collect();
    let mut by_address = HashMap::with_capacity(bib.publications.len());
    for p in &bib.publications {
        if let Some(&i) = by_key.get(&p.key_lower()) {
            by_address.insert(address(p), i);
        }
    }

    // Thesis covers: `<images>/theses/<Key>.png` copied to `out/images/theses/<key>.png`.
    let mut covers = BTreeMap::new();
    if let Some(images) = &config.images {
        for p in pubs
            .iter()
            .filter(|p| matches!(p.kind(), Kind::PhdThesis | Kind::MastersThesis))
        {
            let dir = &entries[by_key[&p.key_lower()]].dir;
            for name in [format!("{}.png", p.key), format!("{}.png", p.key_lower())] {
                if let Ok(bytes) = std::fs::read(images.join("theses").join(&name)) {
                    let file = format!("{dir}.png");
                    out.write(&["images", "theses", &file], bytes)?;
                    covers.insert(p.key_lower(), file);
                    break;
                }
            }
        }
    }

    let mut canonical = BTreeMap::new();
    for group in &attribution.duplicates {
        if let Some(first) = group.first() {
            for other in &group[1..] {
                canonical.insert(other.clone(), first.clone());
            }
        }
    }
    let mut person_dirs = BTreeMap::new();
    let mut used_people = BTreeSet::new();
    let mut name_index = BTreeMap::new();
    for person in &site.people {
        let (dir, ok) = safe_dir(&person.slug);
        if !ok {
            diagnostics.push(unsafe_name(&person.path, "person slug", &person.slug, &dir));
        }
        if used_people.insert(dir.clone()) {
            person_dirs.insert(person.slug.clone(), dir);
        }
        let slug = canonical
            .get(&person.slug)
            .cloned()
            .unwrap_or_else(|| person.slug.clone());
        for name in std::iter::once(&person.name).chain(&person.pub_names) {
            name_index
                .entry(fold_name(name))
                .or_insert_with(|| slug.clone());
        }
    }
    let mut credits_by_key: BTreeMap<String, Vec<(String, &Credit)>> = BTreeMap::new();
    for (slug, credits) in &attribution.by_person {
        if canonical.contains_key(slug) {
            continue;
        }
        for c in credits {
            credits_by_key
                .entry(c.key.to_lowercase())
                .or_default()
                .push((slug.clone(), c));
        }
    }
    Ok(Ctx {
        config,
        pubs,
        entries,
        by_address,
        by_key,
        covers,
        person_dirs,
        canonical,
        credits_by_key,
        name_index,
        diagnostics,
    })
}

/// Canonical person slug → (project dir, project title), from the projects' `people:` lines.
fn project_membership(ctx: &Ctx<'_>, site: &Site) -> BTreeMap<String, Vec<(String, String)>> {
    let mut map: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for project in &site.projects {
        let (dir, _) = safe_dir(&project.slug);
        for name in &project.people {
            if let Some(slug) = ctx.name_index.get(&fold_name(name)) {
                let entry = map.entry(slug.clone()).or_default();
                if !entry.iter().any(|(d, _)| *d == dir) {
                    entry.push((dir.clone(), project.title.clone()));
                }
            }
        }
    }
    map
}

type GroupData<'a> = (String, Vec<&'a Publication>, Vec<(String, String)>);

/// Group dir → (name, publications, members (slug, name)): publications tagged with the group
/// in `optnote` plus the publications of the group's members.
fn group_members<'a>(
    ctx: &Ctx<'a>,
    site: &Site,
    attribution: &Attribution,
    bib: &'a Bibliography,
) -> BTreeMap<String, GroupData<'a>> {
    let mut groups: BTreeMap<String, GroupData<'a>> = BTreeMap::new();
    for p in &ctx.pubs {
        for g in &p.groups {
            let e = groups
                .entry(fsutil::slugify(g))
                .or_insert_with(|| (g.to_lowercase(), Vec::new(), Vec::new()));
            e.1.push(p);
        }
    }
    for person in &site.people {
        if ctx.canonical.contains_key(&person.slug) {
            continue;
        }
        for g in &person.groups {
            let e = groups
                .entry(fsutil::slugify(g))
                .or_insert_with(|| (g.to_lowercase(), Vec::new(), Vec::new()));
            e.2.push((person.slug.clone(), person.name.clone()));
            for c in attribution
                .by_person
                .get(&person.slug)
                .into_iter()
                .flatten()
            {
                if let Some(p) = bib.get(&c.key).filter(|p| ctx.entry(p).is_some()) {
                    e.1.push(p);
                }
            }
        }
    }
    for (_, pubs, members) in groups.values_mut() {
        *pubs = ctx.in_list_order(pubs);
        members.sort();
        members.dedup();
    }
    groups
}

fn write_group(
    ctx: &Ctx<'_>,
    out: &mut Output,
    gdir: &str,
    name: &str,
    pubs: &[&Publication],
    members: &[(String, String)],
    _people: &BTreeMap<&str, &Person>,
) -> Result<()> {
    let mut years: BTreeMap<i32, Vec<&Publication>> = BTreeMap::new();
    for p in pubs {
        if let Some(y) = p.year {
            years.entry(y).or_default().push(p);
        }
    }
    let year_links = |root: &str, current: Option<i32>| -> Vec<Link> {
        years
            .iter()
            .rev()
            .map(|(y, v)| Link {
                name: y.to_string(),
                href: if Some(*y) == current {
                    String::new()
                } else {
                    format!("{root}groups/{gdir}/{y}/index.html")
                },
                count: v.len(),
                active: true,
            })
            .collect()
    };
    let root = "../../";
    let page = GroupPage {
        page: ctx.layout(root, name),
        heading: format!("Group {name}"),
        years: year_links(root, None),
        people: members
            .iter()
            .filter_map(|(slug, n)| ctx.person_link(root, slug, n))
            .collect(),
        links: vec![Link {
            name: "Most cited".into(),
            href: format!("{root}most-cited/{gdir}/index.html"),
            count: 0,
            active: true,
        }],
        list: ctx.list(root, pubs, true, true),
    };
    out.page(&["groups", gdir, "index.html"], gdir, &page)?;
    for (y, ypubs) in &years {
        let root = "../../../";
        let ytext = y.to_string();
        let page = GroupPage {
            page: ctx.layout(root, &format!("{name} {y}")),
            heading: format!("Group {name}: {y}"),
            years: year_links(root, Some(*y)),
            people: Vec::new(),
            links: vec![Link {
                name: "All years".into(),
                href: format!("{root}groups/{gdir}/index.html"),
                count: 0,
                active: true,
            }],
            list: ctx.list(root, ypubs, true, ypubs.len() > 10),
        };
        out.page(&["groups", gdir, &ytext, "index.html"], gdir, &page)?;
    }
    Ok(())
}

fn write_most_cited(
    ctx: &Ctx<'_>,
    out: &mut Output,
    parts: &[&str],
    root: &str,
    heading: &str,
    pubs: &[&Publication],
    links: Vec<Link>,
) -> Result<()> {
    let mut ranked: Vec<&Publication> = pubs
        .iter()
        .copied()
        .filter(|p| p.citations.unwrap_or(0) > 0)
        .collect();
    ranked.sort_by_cached_key(|p| (std::cmp::Reverse(p.citations.unwrap_or(0)), p.key_lower()));
    ranked.truncate(ctx.config.most_cited);
    let root_rc: Arc<str> = Arc::from(root);
    let page = RankedPage {
        page: ctx.layout(root, heading),
        heading: heading.to_string(),
        links,
        items: ranked
            .iter()
            .map(|p| (p.citations.unwrap_or(0), ctx.item(&root_rc, p)))
            .collect(),
    };
    out.page(parts, heading, &page)
}

fn write_theses(ctx: &Ctx<'_>, out: &mut Output) -> Result<()> {
    let root = "../";
    let mut theses: Vec<&Publication> = ctx
        .pubs
        .iter()
        .copied()
        .filter(|p| p.kind() == Kind::PhdThesis)
        .collect();
    theses.sort_by_cached_key(|p| list_order(p));
    let page = ThesesPage {
        page: ctx.layout(root, "PhD theses"),
        theses: theses
            .iter()
            .map(|p| ThesisCard {
                href: ctx.pub_href(root, p),
                title: p.title.clone(),
                author: cite::join_names(&p.authors),
                year: p.year.map(|y| y.to_string()).unwrap_or_default(),
                cover: ctx
                    .covers
                    .get(&p.key_lower())
                    .map(|f| format!("{root}images/theses/{f}")),
            })
            .collect(),
    };
    out.page(&["theses", "index.html"], "theses", &page)
}

/// People rendered together on all cores: their lists can be megabytes each.
const PEOPLE_CHUNK: usize = 32;

/// What every person's files are made from.
struct PeopleShared<'a, 'p> {
    people: &'a BTreeMap<&'p str, &'p Person>,
    people_pubs: &'a BTreeMap<String, Vec<(&'p Publication, &'p Credit)>>,
    projects_of: &'a BTreeMap<String, Vec<(String, String)>>,
    fragment_root: &'a Arc<str>,
}

/// A person's page, BibTeX file, data file and fragment, rendered into `bufs`, with their
/// paths (`None` for a person without a page).
#[allow(clippy::type_complexity)]
fn person_files(
    ctx: &Ctx<'_>,
    shared: &PeopleShared<'_, '_>,
    slug: &str,
    person: &Person,
    bufs: [Vec<u8>; 4],
) -> Result<Option<[(Vec<String>, Vec<u8>); 4]>> {
    let Some(dir) = ctx.person_dirs.get(slug).cloned() else {
        return Ok(None);
    };
    let canonical = ctx
        .canonical
        .get(slug)
        .cloned()
        .unwrap_or_else(|| slug.to_string());
    let credited = shared
        .people_pubs
        .get(&canonical)
        .cloned()
        .unwrap_or_default();
    let pubs: Vec<&Publication> = credited.iter().map(|(p, _)| *p).collect();
    let root = "../../";
    let same_as = (canonical != slug)
        .then(|| {
            shared
                .people
                .get(canonical.as_str())
                .and_then(|c| ctx.person_link(root, &canonical, &c.name))
        })
        .flatten();
    let page = PersonPage {
        page: ctx.layout(root, &person.name),
        name: person.name.clone(),
        same_as,
        groups: person
            .groups
            .iter()
            .map(|g| ctx.group_link(root, g))
            .collect(),
        orcid: person.orcid.as_deref().and_then(|o| {
            let bare = o.trim().rsplit('/').next().unwrap_or("").to_string();
            links::safe_url(&format!("https://orcid.org/{bare}")).map(|href| Link {
                name: bare,
                href,
                count: 0,
                active: true,
            })
        }),
        projects: shared
            .projects_of
            .get(&canonical)
            .map(|v| {
                v.iter()
                    .map(|(dir, title)| Link {
                        name: title.clone(),
                        href: format!("{root}projects/{dir}/index.html"),
                        count: 0,
                        active: true,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        list: ctx.list(root, &pubs, person.show_publication_years, true),
    };
    let [mut html, mut bibtex, json, mut fragment_html] = bufs;
    render_page(&page, &dir, &mut html)?;
    for p in &pubs {
        bibtex.extend_from_slice(meta::bibtex(p).as_bytes());
        bibtex.push(b'\n');
    }
    let data = json!({
        "slug": slug,
        "name": person.name,
        "same_as": (canonical != slug).then_some(canonical.clone()),
        "groups": person.groups,
        "orcid": person.orcid,
        "page": format!("people/{dir}/index.html"),
        "count": pubs.len(),
        "publications": credited.iter().map(|(p, c)| json!({
            "key": p.key,
            "year": p.year,
            "type": p.kind().as_str(),
            "title": p.title,
            "role": c.role,
            "reason": c.reason,
            "confidence": c.confidence,
        })).collect::<Vec<_>>(),
    });
    let json = json_bytes(json, &data);
    let fragment = Fragment {
        items: ctx
            .in_list_order(&pubs)
            .iter()
            .map(|p| ctx.item(shared.fragment_root, p))
            .collect(),
    };
    render_page(&fragment, &dir, &mut fragment_html)?;
    let at = |parts: &[&str]| parts.iter().map(|p| p.to_string()).collect::<Vec<String>>();
    Ok(Some([
        (at(&["people", &dir, "index.html"]), html),
        (at(&["people", &dir, "publications.bib"]), bibtex),
        (at(&["data", "people", &format!("{dir}.json")]), json),
        (
            at(&["fragments", "people", &format!("{dir}.html")]),
            fragment_html,
        ),
    ]))
}

/// Renders `page` into `buf`; `what` names it in an error.
fn render_page<T: Template>(page: &T, what: &str, buf: &mut Vec<u8>) -> Result<()> {
    page.render_into(&mut ByteWriter(buf))
        .map_err(|e| Error::Render {
            what: what.to_string(),
            message: e.to_string(),
        })
}

/// Publications whose pages are rendered together on all cores.
const PAGE_CHUNK: usize = 1024;

/// A publication's page rendered into `buf`, with its folder name (`None` without a page).
fn publication_page(
    ctx: &Ctx<'_>,
    p: &Publication,
    people: &BTreeMap<&str, &Person>,
    mut buf: Vec<u8>,
) -> Result<Option<(String, Vec<u8>)>> {
    let root = "../../";
    let k = p.key_lower();
    let Some(entry) = ctx.entry(p) else {
        return Ok(None);
    };
    let dir = &entry.dir;
    let page_url = (!ctx.config.base_url.is_empty())
        .then(|| format!("{}/publications/{dir}/", ctx.config.base_url));
    let thesis = matches!(p.kind(), Kind::PhdThesis | Kind::MastersThesis).then(|| ThesisFacts {
        promotors: cite::join_names(&p.promotors),
        copromotors: cite::join_names(&p.copromotors),
        school: p.school.clone().unwrap_or_default(),
        date: match (p.month, p.year) {
            (Some(m), Some(y)) if (1..=12).contains(&m) => format!("{} {y}", month_name(m)),
            (_, Some(y)) => y.to_string(),
            _ => String::new(),
        },
        cover: ctx
            .covers
            .get(&k)
            .map(|f| format!("{root}images/theses/{f}")),
    });
    let mut member_links: Vec<Link> = Vec::new();
    for (slug, _) in ctx.credits_by_key.get(&k).into_iter().flatten() {
        if let Some(person) = people.get(slug.as_str()) {
            if let Some(l) = ctx.person_link(root, slug, &person.name) {
                if !member_links.contains(&l) {
                    member_links.push(l);
                }
            }
        }
    }
    let page = PublicationPage {
        page: ctx.layout(root, &p.title),
        title: p.title.clone(),
        citation: entry.head[entry.citation.clone()].to_string(),
        badges: entry.badges.clone(),
        thesis,
        people: member_links,
        abstract_text: p.abstract_text.clone().filter(|a| !a.trim().is_empty()),
        bibtex: meta::bibtex(p),
        meta: meta::highwire(p, page_url.as_deref()),
        json_ld: meta::json_ld(p, page_url.as_deref()),
    };
    page.render_into(&mut ByteWriter(&mut buf))
        .map_err(|e| Error::Render {
            what: p.key.clone(),
            message: e.to_string(),
        })?;
    Ok(Some((dir.clone(), buf)))
}

/// One row of `data/publications.json`. Fields in alphabetical order: the file's keys have
/// always been sorted. Serialized straight to bytes; a `serde_json::Value` of 100,000 rows
/// was the largest allocation of a build.
#[derive(serde::Serialize)]
struct PublicationRow<'a> {
    arxiv: Option<&'a str>,
    authors: Vec<String>,
    citations: Option<u64>,
    doi: Option<&'a str>,
    entry_type: &'a str,
    groups: &'a [String],
    issue: &'a Option<String>,
    key: &'a str,
    month: Option<u8>,
    page: String,
    pages: &'a Option<String>,
    people: Vec<PersonCredit<'a>>,
    pmid: Option<u64>,
    title: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    url: Option<String>,
    venue: Option<String>,
    volume: &'a Option<String>,
    year: Option<i32>,
}

/// A person credited on a publication row (keys alphabetical, as above).
#[derive(serde::Serialize)]
struct PersonCredit<'a> {
    confidence: f64,
    reason: crate::attribute::Reason,
    role: crate::attribute::Role,
    slug: &'a str,
}

fn publications_json(ctx: &Ctx<'_>) -> Vec<u8> {
    let rows = ctx.pubs.iter().map(|p| {
        let k = p.key_lower();
        PublicationRow {
            arxiv: p.ids.arxiv.as_ref().map(|a| a.as_str()),
            authors: p.authors.iter().map(|a| a.display()).collect(),
            citations: p.citations,
            doi: p.ids.doi.as_ref().map(|d| d.as_str()),
            entry_type: &p.entry_type,
            groups: &p.groups,
            issue: &p.issue,
            key: &p.key,
            month: p.month,
            page: format!(
                "publications/{}/index.html",
                ctx.entry(p).map_or("", |e| e.dir.as_str())
            ),
            pages: &p.pages,
            people: ctx
                .credits_by_key
                .get(&k)
                .into_iter()
                .flatten()
                .map(|(slug, c)| PersonCredit {
                    confidence: c.confidence,
                    reason: c.reason,
                    role: c.role,
                    slug,
                })
                .collect(),
            pmid: p.ids.pmid.map(|id| id.0),
            title: &p.title,
            kind: p.kind().as_str(),
            url: p.url.as_deref().and_then(links::safe_url),
            venue: cite::venue_text(p),
            volume: &p.volume,
            year: p.year,
        }
    });
    let mut bytes = Vec::new();
    let mut ser = serde_json::Serializer::pretty(&mut bytes);
    // Writing to memory cannot fail, and every row serializes.
    let _ = serde::Serializer::collect_seq(&mut ser, rows);
    bytes.push(b'\n');
    bytes
}
