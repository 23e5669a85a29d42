//! The askama page structs (templates in `templates/`) and the small view types they show.
//! Everything here is display-ready text; askama escapes it, except citations and JSON-LD,
//! which are escaped where they are made ([`super::cite`], [`super::meta`]).

use std::sync::Arc;

use askama::Template;

use super::links::Badge;
use super::meta::MetaTag;

/// What every page's layout needs.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Relative path back to the output root (`../../`), so the site works from `file://`.
    pub root: String,
    /// Site title.
    pub site_title: String,
    /// Page title.
    pub title: String,
}

/// A named link with a count, used in overviews.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Visible text.
    pub name: String,
    /// Target (relative); empty when the item has no page.
    pub href: String,
    /// A count shown next to it.
    pub count: usize,
    /// Active person / running project.
    pub active: bool,
}

/// One publication in a list: its HTML, rendered once per build ([`ItemHead`] and
/// [`ItemTail`]), around the link root of the page it appears on. A publication appears in
/// about ten lists (people, fragments, groups, years, projects, all), so rendering it once
/// instead of each time was most of a large build's rendering work.
#[derive(Debug, Clone)]
pub struct PubItem {
    /// Everything before the link root (`…href="`), escaped.
    pub head: Arc<str>,
    /// The relative path back to the output root, or the site's base URL in fragments;
    /// escaped by the template.
    pub root: Arc<str>,
    /// Everything after the link root (`publications/…/index.html"…</li>`), escaped.
    pub tail: Arc<str>,
}

/// The start of a list item, up to its citation; then come the citation (escaped where it
/// is made) and [`ITEM_CITATION_END`], up to the link's root.
#[derive(Template)]
#[template(path = "item_head.html")]
pub struct ItemHead<'a> {
    /// Year, or empty.
    pub year: &'a str,
    /// Kind (`article`, …), for the type filter.
    pub kind: &'a str,
}

/// What follows a list item's citation, up to its link's root.
pub const ITEM_CITATION_END: &str = "</span> <a class=\"more\" href=\"";

/// The rest of a list item, after its link's root.
#[derive(Template)]
#[template(path = "item_tail.html")]
pub struct ItemTail<'a> {
    /// The publication's output folder.
    pub dir: &'a str,
    /// Plain title (for the link's accessible name).
    pub title: &'a str,
    /// Link badges.
    pub badges: &'a [Badge],
}

/// Publications of one kind within a year section.
#[derive(Debug, Clone)]
pub struct KindSection {
    /// Heading ("Journal articles").
    pub heading: &'static str,
    /// Number of items.
    pub count: usize,
    /// The items.
    pub items: Vec<PubItem>,
}

/// One year (or, without years, the whole list).
#[derive(Debug, Clone)]
pub struct YearSection {
    /// The year as text; empty for a list without year sections.
    pub label: String,
    /// Items in the section.
    pub count: usize,
    /// Kind sections.
    pub kinds: Vec<KindSection>,
}

/// A filterable publication list.
#[derive(Debug, Clone)]
pub struct PubList {
    /// Number of publications.
    pub total: usize,
    /// Show the filter form.
    pub filter: bool,
    /// Show kind headings.
    pub headings: bool,
    /// Years for the year filter, newest first.
    pub years: Vec<String>,
    /// Kinds for the type filter: (value, label).
    pub kinds: Vec<(String, String)>,
    /// The sections.
    pub sections: Vec<YearSection>,
}

/// `out/index.html`.
#[derive(Template)]
#[template(path = "index.html")]
pub struct IndexPage {
    /// Layout.
    pub page: Layout,
    /// Number of publications.
    pub total_publications: usize,
    /// Groups.
    pub groups: Vec<Link>,
    /// People.
    pub people: Vec<Link>,
    /// Projects.
    pub projects: Vec<Link>,
    /// Years with counts (links to the filtered full list).
    pub years: Vec<Link>,
}

/// `out/people/<slug>/index.html`.
#[derive(Template)]
#[template(path = "person.html")]
pub struct PersonPage {
    /// Layout.
    pub page: Layout,
    /// Display name.
    pub name: String,
    /// When this slug duplicates another person: that person.
    pub same_as: Option<Link>,
    /// Groups.
    pub groups: Vec<Link>,
    /// ORCID link.
    pub orcid: Option<Link>,
    /// Projects the person is on.
    pub projects: Vec<Link>,
    /// Publications.
    pub list: PubList,
}

/// `out/projects/<slug>/index.html`.
#[derive(Template)]
#[template(path = "project.html")]
pub struct ProjectPage {
    /// Layout.
    pub page: Layout,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// People (linked when they have a page).
    pub people: Vec<Link>,
    /// Groups.
    pub groups: Vec<Link>,
    /// Finished?
    pub finished: Option<bool>,
    /// Publications.
    pub list: PubList,
}

/// A group page or a group's year page.
#[derive(Template)]
#[template(path = "group.html")]
pub struct GroupPage {
    /// Layout.
    pub page: Layout,
    /// Heading.
    pub heading: String,
    /// Year pages (the current one without href).
    pub years: Vec<Link>,
    /// Members.
    pub people: Vec<Link>,
    /// Extra links (most cited, all years).
    pub links: Vec<Link>,
    /// Publications.
    pub list: PubList,
}

/// A most-cited page.
#[derive(Template)]
#[template(path = "ranked.html")]
pub struct RankedPage {
    /// Layout.
    pub page: Layout,
    /// Heading.
    pub heading: String,
    /// Links to the per-group lists.
    pub links: Vec<Link>,
    /// (citations, item), most cited first.
    pub items: Vec<(u64, PubItem)>,
}

/// A thesis in the gallery.
#[derive(Debug, Clone)]
pub struct ThesisCard {
    /// Link to the thesis page.
    pub href: String,
    /// Title.
    pub title: String,
    /// Author.
    pub author: String,
    /// Year.
    pub year: String,
    /// Cover image (relative), when one exists.
    pub cover: Option<String>,
}

/// `out/theses/index.html`.
#[derive(Template)]
#[template(path = "theses.html")]
pub struct ThesesPage {
    /// Layout.
    pub page: Layout,
    /// Theses, newest first.
    pub theses: Vec<ThesisCard>,
}

/// Thesis facts on a publication page.
#[derive(Debug, Clone)]
pub struct ThesisFacts {
    /// Promotors, "A and B".
    pub promotors: String,
    /// Copromotors.
    pub copromotors: String,
    /// School.
    pub school: String,
    /// "June 2015".
    pub date: String,
    /// Cover image (relative).
    pub cover: Option<String>,
}

/// `out/publications/<key>/index.html`.
#[derive(Template)]
#[template(path = "publication.html")]
pub struct PublicationPage {
    /// Layout.
    pub page: Layout,
    /// Title.
    pub title: String,
    /// Escaped citation HTML.
    pub citation: String,
    /// Badges.
    pub badges: Vec<Badge>,
    /// Thesis facts.
    pub thesis: Option<ThesisFacts>,
    /// Group members among the authors.
    pub people: Vec<Link>,
    /// Abstract.
    pub abstract_text: Option<String>,
    /// BibTeX text.
    pub bibtex: String,
    /// Highwire tags.
    pub meta: Vec<MetaTag>,
    /// JSON-LD, already safe for `<script>`.
    pub json_ld: String,
}

/// An HTML fragment (a bare list) for other site generators to include.
#[derive(Template)]
#[template(path = "fragment.html")]
pub struct Fragment {
    /// The items, with absolute links.
    pub items: Vec<PubItem>,
}
