//! The normalized data model shared by every stage.
//!
//! Stage 1 (`bib`, `site`) produces [`Publication`], [`Person`] and [`Project`];
//! stage 2 (`sources`) produces [`Candidate`]; stage 3 (`merge`, `attribute`)
//! relates them; stage 4 (`render`) only reads them. Identifiers are newtypes
//! that normalize on construction, so equality is always the right equality.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// A DOI, normalized: resolver prefixes (`https://doi.org/`, `doi:`) stripped,
/// trimmed, lowercased (DOIs are case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Doi(String);

impl Doi {
    /// Parses a DOI from any of the shapes found in the wild
    /// (`10.1/x`, `doi:10.1/x`, `https://doi.org/10.1/x`, `http://dx.doi.org/10.1/x`).
    /// Returns `None` when the text holds no `10.` prefix.
    pub fn parse(text: &str) -> Option<Doi> {
        let t = text.trim().trim_end_matches(['.', ',', ';']);
        let lower = t.to_ascii_lowercase();
        let start = lower.find("10.")?;
        let doi = &lower[start..];
        if doi.len() < 7 || !doi.contains('/') || doi.chars().any(char::is_whitespace) {
            return None;
        }
        Some(Doi(doi.to_string()))
    }

    /// The normalized DOI text (`10.1016/j.clinph.2005.04.001`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The resolver URL, `https://doi.org/<doi>`.
    pub fn url(&self) -> String {
        format!("https://doi.org/{}", self.0)
    }
}

impl fmt::Display for Doi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A PubMed id: digits only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Pmid(pub u64);

impl Pmid {
    /// Parses `15979403`, `PMID: 15979403` or a PubMed URL.
    pub fn parse(text: &str) -> Option<Pmid> {
        let digits: String = text
            .trim()
            .trim_end_matches('/')
            .rsplit(['/', ':', ' ', '='])
            .next()?
            .trim()
            .to_string();
        if digits.is_empty() || digits.len() > 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok().filter(|&n| n > 0).map(Pmid)
    }

    /// The PubMed page of this id.
    pub fn url(&self) -> String {
        format!("https://pubmed.ncbi.nlm.nih.gov/{}/", self.0)
    }
}

impl fmt::Display for Pmid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A PubMed Central id, normalized to `PMC` + digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Pmcid(String);

impl Pmcid {
    /// Parses `PMC123456` or `123456` (case-insensitive prefix).
    pub fn parse(text: &str) -> Option<Pmcid> {
        let t = text.trim();
        let digits = if t.len() > 3 && t.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("pmc")) {
            &t[3..]
        } else {
            t
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(Pmcid(format!("PMC{digits}")))
    }

    /// The normalized id text (`PMC123456`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Pmcid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An arXiv identifier without version suffix: `2106.05735` or `hep-th/9901001`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ArxivId(String);

impl ArxivId {
    /// Finds an arXiv id in text such as `arXiv:2106.05735v2`, `https://arxiv.org/abs/2106.05735`,
    /// `10.48550/arXiv.2106.05735`, or a bare id.
    pub fn parse(text: &str) -> Option<ArxivId> {
        use std::sync::LazyLock;
        static NEW: LazyLock<regex::Regex> = LazyLock::new(|| {
            regex::Regex::new(
                r"(?i)(?:^|[^0-9.]|arxiv\.)([0-9]{4}\.[0-9]{4,5})(?:v[0-9]+)?(?:$|[^0-9])",
            )
            .expect("static regex")
        });
        static OLD: LazyLock<regex::Regex> = LazyLock::new(|| {
            regex::Regex::new(r"(?i)\b([a-z][a-z.-]+/[0-9]{7})(?:v[0-9]+)?\b")
                .expect("static regex")
        });
        if let Some(c) = NEW.captures(text) {
            let id = &c[1];
            // YYMM: month must be 01..12.
            let month: u32 = id[2..4].parse().ok()?;
            if (1..=12).contains(&month) {
                return Some(ArxivId(id.to_string()));
            }
        }
        let lower = text.to_ascii_lowercase();
        if lower.contains("arxiv") {
            if let Some(c) = OLD.captures(text) {
                return Some(ArxivId(c[1].to_ascii_lowercase()));
            }
        }
        None
    }

    /// The id text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The abstract page, `https://arxiv.org/abs/<id>`.
    pub fn url(&self) -> String {
        format!("https://arxiv.org/abs/{}", self.0)
    }
}

impl fmt::Display for ArxivId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Every identifier a work can carry. Shared by [`Publication`] and [`Candidate`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Ids {
    /// Digital Object Identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doi: Option<Doi>,
    /// PubMed id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pmid: Option<Pmid>,
    /// PubMed Central id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pmcid: Option<Pmcid>,
    /// arXiv id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arxiv: Option<ArxivId>,
    /// Semantic Scholar paper ids (40-hex paperId or `CorpusId:n`); the first is the primary one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub s2: Vec<String>,
    /// OpenAlex work id (`W123…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub openalex: Option<String>,
    /// Google Scholar cluster id (`gsid`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gsid: Option<String>,
}

impl Ids {
    /// True when no identifier is set.
    pub fn is_empty(&self) -> bool {
        self.doi.is_none()
            && self.pmid.is_none()
            && self.pmcid.is_none()
            && self.arxiv.is_none()
            && self.s2.is_empty()
            && self.openalex.is_none()
            && self.gsid.is_none()
    }
}

/// A person's name as printed on a work, in Unicode (LaTeX already decoded).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Name {
    /// Given names or initials as written ("Clara I.", "C. I.", "J. A. W. M.").
    pub given: String,
    /// Particle ("van der", "de la"); empty when none.
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub particle: String,
    /// Family name ("Sánchez", "Schaefer-Prokop"); for a corporate author, the whole name.
    pub family: String,
    /// Suffix ("Jr.", "III"); empty when none.
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub suffix: String,
}

impl Name {
    /// "Given particle Family, Suffix" for display.
    pub fn display(&self) -> String {
        let mut s = String::new();
        for part in [&self.given, &self.particle, &self.family] {
            if !part.is_empty() {
                if !s.is_empty() {
                    s.push(' ');
                }
                s.push_str(part);
            }
        }
        if !self.suffix.is_empty() {
            s.push_str(", ");
            s.push_str(&self.suffix);
        }
        s
    }

    /// Initials of the given names, "C. I." for "Clara Isabel" or "C. I.";
    /// hyphenated given names keep the hyphen ("J.-P.").
    pub fn initials(&self) -> String {
        let mut out = Vec::new();
        for word in self.given.split([' ', '.', '~']).filter(|w| !w.is_empty()) {
            let parts: Vec<String> = word
                .split('-')
                .filter_map(|p| p.chars().next())
                .map(|c| format!("{c}."))
                .collect();
            out.push(parts.join("-"));
        }
        out.join(" ")
    }
}

/// What kind of work a publication is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Journal article.
    Article,
    /// Conference paper or abstract (`@inproceedings`, `@conference`).
    InProceedings,
    /// arXiv / medRxiv / bioRxiv preprint.
    Preprint,
    /// PhD thesis.
    PhdThesis,
    /// Master's thesis.
    MastersThesis,
    /// Whole book.
    Book,
    /// Part of a book (`@inbook`, `@incollection`).
    Chapter,
    /// Patent.
    Patent,
    /// Technical report.
    Report,
    /// Anything else.
    Misc,
}

impl Kind {
    /// Every kind in page order (the order of [`Kind::rank`]).
    pub const ALL_BY_RANK: [Kind; 10] = [
        Kind::Article,
        Kind::InProceedings,
        Kind::Preprint,
        Kind::PhdThesis,
        Kind::MastersThesis,
        Kind::Book,
        Kind::Chapter,
        Kind::Patent,
        Kind::Report,
        Kind::Misc,
    ];

    /// Lowercase name used in data files and CSS classes.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Article => "article",
            Kind::InProceedings => "inproceedings",
            Kind::Preprint => "preprint",
            Kind::PhdThesis => "phdthesis",
            Kind::MastersThesis => "mastersthesis",
            Kind::Book => "book",
            Kind::Chapter => "chapter",
            Kind::Patent => "patent",
            Kind::Report => "report",
            Kind::Misc => "misc",
        }
    }

    /// Heading used on pages ("Journal articles", …).
    pub fn heading(self) -> &'static str {
        match self {
            Kind::Article => "Journal articles",
            Kind::InProceedings => "Conference papers and abstracts",
            Kind::Preprint => "Preprints",
            Kind::PhdThesis => "PhD theses",
            Kind::MastersThesis => "Master's theses",
            Kind::Book => "Books",
            Kind::Chapter => "Book chapters",
            Kind::Patent => "Patents",
            Kind::Report => "Reports",
            Kind::Misc => "Other",
        }
    }

    /// Sort rank within a year on pages: articles first.
    pub fn rank(self) -> u8 {
        self as u8
    }
}

/// Where something came from in a source file (1-based line and column).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span {
    /// The file.
    pub file: PathBuf,
    /// 1-based line of the start.
    pub line: u32,
    /// 1-based column of the start (in characters).
    pub column: u32,
    /// Byte range of the whole item in the file, for byte-preserving edits.
    #[serde(skip)]
    pub bytes: std::ops::Range<usize>,
}

/// One normalized bibliography entry.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Publication {
    /// The bib key exactly as written (`Abas05`).
    pub key: String,
    /// Normalized kind.
    pub kind: Option<Kind>,
    /// The entry type as written, lowercased (`article`, `conference`, `phdthesis`).
    pub entry_type: String,
    /// Title as plain Unicode: LaTeX decoded, case-protecting braces dropped.
    pub title: String,
    /// Title with markup kept: LaTeX decoded, `{…}` case protection and `\emph{…}` kept as `<…>`-free
    /// brace markup, suitable for BibTeX output and CSL (`{EEG} background activity`).
    pub title_markup: String,
    /// Authors in order.
    pub authors: Vec<Name>,
    /// Editors in order.
    pub editors: Vec<Name>,
    /// Thesis promotors.
    pub promotors: Vec<Name>,
    /// Thesis co-promotors.
    pub copromotors: Vec<Name>,
    /// Journal full name (macros resolved).
    pub journal: Option<String>,
    /// Book title / proceedings name.
    pub booktitle: Option<String>,
    /// School or university (theses).
    pub school: Option<String>,
    /// Publisher.
    pub publisher: Option<String>,
    /// Year.
    pub year: Option<i32>,
    /// Month 1..=12.
    pub month: Option<u8>,
    /// Volume.
    pub volume: Option<String>,
    /// Issue (`number` or `issue`).
    pub issue: Option<String>,
    /// Pages, with `--` turned into an en dash.
    pub pages: Option<String>,
    /// Identifiers.
    pub ids: Ids,
    /// The entry's `url`.
    pub url: Option<String>,
    /// Abstract, plain Unicode.
    pub abstract_text: Option<String>,
    /// Keywords.
    pub keywords: Vec<String>,
    /// Groups from `optnote`, lowercased (`diag`, `radiology`).
    pub groups: Vec<String>,
    /// Citation count from the bib file (`gscites`).
    pub citations: Option<u64>,
    /// Open-access copy (`taverne_url`, or an OA link from a service).
    pub oa_url: Option<String>,
    /// Every field of the entry, name lowercased → decoded Unicode value (macros resolved),
    /// including the ones interpreted above. Nothing is dropped.
    pub fields: BTreeMap<String, String>,
    /// Where the entry stands in its file.
    pub span: Span,
}

impl Publication {
    /// The container: journal, else booktitle, else school, else publisher.
    pub fn venue(&self) -> Option<&str> {
        self.journal
            .as_deref()
            .or(self.booktitle.as_deref())
            .or(self.school.as_deref())
            .or(self.publisher.as_deref())
    }

    /// Kind, defaulting to `Misc`.
    pub fn kind(&self) -> Kind {
        self.kind.unwrap_or(Kind::Misc)
    }

    /// The lowercased key, used for case-insensitive lookups.
    pub fn key_lower(&self) -> String {
        self.key.to_lowercase()
    }
}

/// Format of a content page's metadata block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum PageFormat {
    /// `key: value` lines, then a blank line (Pelican).
    #[default]
    Pelican,
    /// `---` YAML front matter (Hugo, Jekyll).
    Yaml,
    /// `+++` TOML front matter (Zola, Hugo).
    Toml,
}

/// A person page.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Person {
    /// File stem, lowercased.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Names as printed on papers (`pub_name`, `;`-separated on the page).
    pub pub_names: Vec<String>,
    /// Groups, lowercased.
    pub groups: Vec<String>,
    /// `active: yes|no`.
    pub active: Option<bool>,
    /// ORCID iD, bare (`0000-0003-2028-8972`).
    pub orcid: Option<String>,
    /// Semantic Scholar author id.
    pub semantic_scholar: Option<String>,
    /// OpenAlex author id (`A…`).
    pub openalex: Option<String>,
    /// dblp person id.
    pub dblp: Option<String>,
    /// Google Scholar profile URL.
    pub scholar: Option<String>,
    /// `show_publication_years` (default true).
    pub show_publication_years: bool,
    /// Active years, `active_years: 2013-2021` or `2013-`.
    pub active_years: Option<(i32, Option<i32>)>,
    /// Every metadata field, key lowercased, in file order.
    pub meta: Vec<(String, String)>,
    /// Page format.
    pub format: PageFormat,
    /// The file.
    pub path: PathBuf,
}

/// A project page.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Project {
    /// File stem, lowercased.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Long title, when given.
    pub title_long: Option<String>,
    /// People as written on the `people:` line, cleaned (trimmed, doubled spaces folded).
    pub people: Vec<String>,
    /// Groups, lowercased.
    pub groups: Vec<String>,
    /// Bib keys as written (original case).
    pub bibkeys: Vec<String>,
    /// Whether the page has a `bibkeys` field at all (possibly empty).
    pub has_bibkeys_field: bool,
    /// `finished: true|false`.
    pub finished: Option<bool>,
    /// One-line description.
    pub description: Option<String>,
    /// Markdown body.
    pub body: String,
    /// Every metadata field, key lowercased, in file order.
    pub meta: Vec<(String, String)>,
    /// Page format.
    pub format: PageFormat,
    /// The file.
    pub path: PathBuf,
}

/// The external services publist talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// Crossref REST API.
    Crossref,
    /// PubMed E-utilities.
    Pubmed,
    /// OpenAlex.
    Openalex,
    /// Semantic Scholar Graph API.
    #[serde(rename = "s2")]
    SemanticScholar,
    /// arXiv API.
    Arxiv,
    /// ORCID public API.
    Orcid,
    /// doi.org content negotiation.
    Doi,
}

impl Service {
    /// All services, in a fixed order.
    pub const ALL: [Service; 7] = [
        Service::Crossref,
        Service::Pubmed,
        Service::Openalex,
        Service::SemanticScholar,
        Service::Arxiv,
        Service::Orcid,
        Service::Doi,
    ];

    /// Short name used in config, CLI and reports (`crossref`, `s2`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Crossref => "crossref",
            Service::Pubmed => "pubmed",
            Service::Openalex => "openalex",
            Service::SemanticScholar => "s2",
            Service::Arxiv => "arxiv",
            Service::Orcid => "orcid",
            Service::Doi => "doi",
        }
    }

    /// Parses the short name (also accepts `semanticscholar`).
    pub fn parse(name: &str) -> Option<Service> {
        let n = name.trim().to_ascii_lowercase();
        Service::ALL
            .into_iter()
            .find(|s| s.as_str() == n)
            .or_else(|| {
                (n == "semanticscholar" || n == "semantic_scholar")
                    .then_some(Service::SemanticScholar)
            })
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An author as a service lists them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateAuthor {
    /// The structured name.
    pub name: Name,
    /// ORCID iD when the service gives one (bare form).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orcid: Option<String>,
}

/// A work as one external service describes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Candidate {
    /// Which service said this.
    pub source: Option<Service>,
    /// When it was retrieved (RFC 3339 date-time, UTC).
    pub retrieved: String,
    /// Identifiers the service gives.
    pub ids: Ids,
    /// Title, plain text.
    pub title: String,
    /// Authors.
    pub authors: Vec<CandidateAuthor>,
    /// Journal / proceedings / repository name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub venue: Option<String>,
    /// Year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// Month.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month: Option<u8>,
    /// Kind of work, when the service says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    /// Volume.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<String>,
    /// Issue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue: Option<String>,
    /// Pages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pages: Option<String>,
    /// Abstract, only when the service's licence allows reuse.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abstract_text: Option<String>,
    /// Citation count according to this service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub citations: Option<u64>,
    /// Open-access URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oa_url: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doi_forms_normalize_to_one() {
        let a = Doi::parse("https://doi.org/10.1016/J.CLINPH.2005.04.001").unwrap();
        let b = Doi::parse("doi:10.1016/j.clinph.2005.04.001").unwrap();
        let c = Doi::parse(" 10.1016/j.clinph.2005.04.001 ").unwrap();
        assert_eq!(a, b);
        assert_eq!(b, c);
        assert_eq!(a.as_str(), "10.1016/j.clinph.2005.04.001");
        assert!(Doi::parse("not a doi").is_none());
    }

    #[test]
    fn pmid_accepts_urls_and_rejects_text() {
        assert_eq!(Pmid::parse("15979403"), Some(Pmid(15979403)));
        assert_eq!(
            Pmid::parse("http://www.ncbi.nlm.nih.gov/pubmed/15979403"),
            Some(Pmid(15979403))
        );
        assert_eq!(Pmid::parse("abc"), None);
        assert_eq!(Pmid::parse(""), None);
    }

    #[test]
    fn arxiv_ids_found_in_many_shapes() {
        for text in [
            "arXiv:2106.05735",
            "arXiv:2106.05735v3",
            "https://arxiv.org/abs/2106.05735",
            "10.48550/arXiv.2106.05735",
            "2106.05735",
        ] {
            assert_eq!(
                ArxivId::parse(text).unwrap().as_str(),
                "2106.05735",
                "{text}"
            );
        }
        assert_eq!(
            ArxivId::parse("arXiv:hep-th/9901001v1").unwrap().as_str(),
            "hep-th/9901001"
        );
        assert!(ArxivId::parse("Radiology 2019;290(2):1-8").is_none());
    }

    #[test]
    fn initials_keep_hyphens() {
        let n = Name {
            given: "Jean-Paul Clara".into(),
            family: "X".into(),
            ..Name::default()
        };
        assert_eq!(n.initials(), "J.-P. C.");
        let n = Name {
            given: "C. I.".into(),
            family: "Sánchez".into(),
            ..Name::default()
        };
        assert_eq!(n.initials(), "C. I.");
    }
}
