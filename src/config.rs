//! Configuration: `publist.toml` (raw, serde) → validated [`Config`], with CLI overrides
//! applied once, here.
//!
//! Every option is documented in `publist.example.toml`. Unknown keys are an error that names
//! the key. Relative paths are resolved against the config file's folder. With no config file
//! at all, CLI flags (`--bib`, `--people`, `--projects`, `--out`, `--store`) are enough.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::model::Service;

/// The default key pattern: the DIAG house style `Abcd19a`.
pub const DEFAULT_KEY_PATTERN: &str = "^[A-Z][a-zA-Z]{1,3}[0-9]{2}[a-z]?$";

/// `publist.toml` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// `[bib]`
    #[serde(default)]
    pub bib: RawBib,
    /// `[site]`
    #[serde(default)]
    pub site: RawSite,
    /// `[output]`
    #[serde(default)]
    pub output: RawOutput,
    /// `[attribution]`
    #[serde(default)]
    pub attribution: RawAttribution,
    /// `[store]`
    #[serde(default)]
    pub store: RawStore,
    /// `[services]`
    #[serde(default)]
    pub services: RawServices,
    /// `[fill]`
    #[serde(default)]
    pub fill: RawFill,
    /// `[discover]`
    #[serde(default)]
    pub discover: RawDiscover,
    /// `[merge]`
    #[serde(default)]
    pub merge: RawMerge,
    /// `[refresh]`
    #[serde(default)]
    pub refresh: RawRefresh,
    /// `[diag]`: the DIAG Pelican output flavour.
    #[serde(default)]
    pub diag: RawDiag,
}

/// `[bib]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBib {
    /// Bibliography files, in load order (macros resolve across all of them).
    #[serde(default)]
    pub files: Vec<PathBuf>,
    /// Regex every key should match (warning otherwise).
    pub key_pattern: Option<String>,
}

/// `[site]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSite {
    /// Site title for the generated pages.
    pub title: Option<String>,
    /// Absolute base URL of the published site (for canonical links and meta tags).
    pub base_url: Option<String>,
    /// Folders or glob patterns of person pages.
    #[serde(default)]
    pub people: Vec<String>,
    /// Folders or glob patterns of project pages.
    #[serde(default)]
    pub projects: Vec<String>,
    /// Folder with images (thesis covers live in `<images>/theses/<Key>.png`).
    pub images: Option<PathBuf>,
}

/// `[output]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutput {
    /// Output folder.
    pub dir: Option<PathBuf>,
    /// Citation style: `house` or a CSL style name (`apa`, `ieee`, `vancouver`, …).
    pub style: Option<String>,
    /// How many entries the most-cited lists hold.
    pub most_cited: Option<usize>,
    /// Extra output flavours, such as `diag-pelican`.
    #[serde(default)]
    pub emit: Vec<String>,
}

/// `[attribution]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAttribution {
    /// Minimum confidence (0..1) for an attribution to count.
    pub min_confidence: Option<f64>,
    /// Per-person corrections, by slug.
    #[serde(default)]
    pub people: BTreeMap<String, RawPersonOverride>,
}

/// `[attribution.people.<slug>]`
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPersonOverride {
    /// Keys to attribute to this person whatever the names say.
    #[serde(default)]
    pub include: Vec<String>,
    /// Keys never to attribute to this person.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Extra names as printed on papers.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Active years, `2013-2021` or `2013-`.
    pub active_years: Option<String>,
}

/// `[store]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStore {
    /// Store file.
    pub path: Option<PathBuf>,
    /// Days before a stored response is fetched again, per kind (`work`, `person`, `search`).
    #[serde(default)]
    pub ttl_days: BTreeMap<String, u32>,
}

/// `[services]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServices {
    /// Contact address sent to services (polite pools).
    pub mailto: Option<String>,
    /// Services to use (default: all).
    pub enabled: Option<Vec<String>>,
    /// `[services.crossref]`
    pub crossref: Option<RawService>,
    /// `[services.pubmed]`
    pub pubmed: Option<RawService>,
    /// `[services.openalex]`
    pub openalex: Option<RawService>,
    /// `[services.s2]` (Semantic Scholar)
    pub s2: Option<RawService>,
    /// `[services.arxiv]`
    pub arxiv: Option<RawService>,
    /// `[services.orcid]`
    pub orcid: Option<RawService>,
    /// `[services.doi]` (doi.org content negotiation)
    pub doi: Option<RawService>,
}

impl RawServices {
    fn get(&self, service: Service) -> Option<&RawService> {
        match service {
            Service::Crossref => self.crossref.as_ref(),
            Service::Pubmed => self.pubmed.as_ref(),
            Service::Openalex => self.openalex.as_ref(),
            Service::SemanticScholar => self.s2.as_ref(),
            Service::Arxiv => self.arxiv.as_ref(),
            Service::Orcid => self.orcid.as_ref(),
            Service::Doi => self.doi.as_ref(),
        }
    }
}

/// `[services.<name>]`
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    /// Base URL replacing the service's real root.
    pub url: Option<String>,
    /// Requests per second.
    pub rate: Option<f64>,
    /// Requests in flight at once.
    pub concurrency: Option<usize>,
    /// Request timeout in seconds.
    pub timeout_secs: Option<u64>,
    /// Retries after the first attempt.
    pub retries: Option<u32>,
}

/// `[fill]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFill {
    /// Minimum score for a proposal.
    pub min_score: Option<f64>,
    /// Maximum keys proposed per project.
    pub max: Option<usize>,
    /// Minimum score for `refresh --write` to write a proposal.
    pub write_threshold: Option<f64>,
}

/// `[discover]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDiscover {
    /// Ignore list file.
    pub ignore: Option<PathBuf>,
    /// Bib file that `apply` adds entries to.
    pub into: Option<PathBuf>,
    /// `optnote` groups given to added entries.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Only works from this year on.
    pub since: Option<i32>,
    /// Template of keys `apply` gives new entries (`{Auth4}{yy}`: the DIAG house style).
    pub key_template: Option<String>,
}

/// `[merge]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMerge {
    /// Fields that enrichment never changes.
    #[serde(default)]
    pub protect_fields: Vec<String>,
    /// Entries that enrichment never changes.
    #[serde(default)]
    pub protect_keys: Vec<String>,
    /// Title similarity (0..1) at which two works without a shared id are the same.
    pub title_threshold: Option<f64>,
    /// Fields `enrich` may add (default: doi, pmid, pmcid, arxiv ids, volume, number, pages, citations, oa link).
    pub fields: Option<Vec<String>>,
    /// Let citation counts go down (default: only up).
    pub allow_citation_decrease: Option<bool>,
}

/// `[refresh]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRefresh {
    /// Exit code when changes were made or proposed (default 10).
    pub changes_exit_code: Option<i32>,
    /// Add new publications without a curator (default false).
    pub auto_add: Option<bool>,
    /// Put a timestamp in the report.
    pub timestamps: Option<bool>,
    /// Review file (Markdown checklist) where `refresh --write` keeps the proposals that wait
    /// for a curator (default `publist.review.md` next to the config file).
    pub review: Option<PathBuf>,
}

/// `[diag]`: DIAG Pelican output.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDiag {
    /// Sites (groups) to write, e.g. `["diag", "pathology"]`.
    #[serde(default)]
    pub sites: Vec<String>,
    /// Content folder the files go to (`content/` of the website repo).
    pub content: Option<PathBuf>,
    /// Every publication in every site (the DIAG default) rather than only members' works.
    pub all_publications_in_every_site: Option<bool>,
}

/// Flags that override the config file, shared by the commands that load inputs.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--config`
    pub config: Option<PathBuf>,
    /// `--bib` (replaces `[bib].files` when given)
    pub bib: Vec<PathBuf>,
    /// `--people`
    pub people: Vec<PathBuf>,
    /// `--projects`
    pub projects: Vec<PathBuf>,
    /// `--out`
    pub out: Option<PathBuf>,
    /// `--store`
    pub store: Option<PathBuf>,
    /// `--style`
    pub style: Option<String>,
}

/// Validated settings of one service.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// Base URL (no trailing slash).
    pub url: String,
    /// Requests per second.
    pub rate: f64,
    /// Requests in flight.
    pub concurrency: usize,
    /// Request timeout.
    pub timeout: std::time::Duration,
    /// Retries after the first attempt.
    pub retries: u32,
    /// Whether this service is used.
    pub enabled: bool,
}

/// Validated configuration. All paths are absolute or relative to the working directory.
#[derive(Debug, Clone)]
pub struct Config {
    /// The config file, when one was read.
    pub path: Option<PathBuf>,
    /// Bibliography files.
    pub bib_files: Vec<PathBuf>,
    /// Key pattern.
    pub key_pattern: regex::Regex,
    /// Site title.
    pub site_title: String,
    /// Site base URL (no trailing slash), possibly empty.
    pub base_url: String,
    /// Person page folders or globs.
    pub people: Vec<PathBuf>,
    /// Project page folders or globs.
    pub projects: Vec<PathBuf>,
    /// Images folder.
    pub images: Option<PathBuf>,
    /// Output folder.
    pub out_dir: PathBuf,
    /// Citation style.
    pub style: String,
    /// Size of most-cited lists.
    pub most_cited: usize,
    /// Extra output flavours.
    pub emit: Vec<String>,
    /// Minimum attribution confidence.
    pub min_confidence: f64,
    /// Per-person overrides by slug.
    pub person_overrides: BTreeMap<String, RawPersonOverride>,
    /// Store file.
    pub store_path: PathBuf,
    /// TTL per kind, in days.
    pub ttl_days: BTreeMap<String, u32>,
    /// Contact address.
    pub mailto: Option<String>,
    /// Per-service settings.
    pub services: BTreeMap<Service, ServiceConfig>,
    /// Fill: minimum score.
    pub fill_min_score: f64,
    /// Fill: maximum proposals per project.
    pub fill_max: usize,
    /// Fill: threshold for automatic writes in refresh.
    pub fill_write_threshold: f64,
    /// Discover: ignore list.
    pub ignore_file: PathBuf,
    /// Discover/apply: target bib file.
    pub apply_into: Option<PathBuf>,
    /// Discover/apply: groups for added entries.
    pub apply_groups: Vec<String>,
    /// Discover: only works from this year on.
    pub discover_since: Option<i32>,
    /// Apply: key template for new entries (`{Auth4}{yy}`).
    pub key_template: String,
    /// Merge settings.
    pub protect_fields: Vec<String>,
    /// Protected entries.
    pub protect_keys: Vec<String>,
    /// Title similarity threshold.
    pub title_threshold: f64,
    /// Fields enrich may add.
    pub enrich_fields: Vec<String>,
    /// Allow citation counts to go down.
    pub allow_citation_decrease: bool,
    /// Refresh exit code for changes.
    pub changes_exit_code: i32,
    /// Refresh auto-add.
    pub auto_add: bool,
    /// Timestamps in reports.
    pub timestamps: bool,
    /// Refresh: review file for pending proposals.
    pub review_file: PathBuf,
    /// DIAG sites.
    pub diag_sites: Vec<String>,
    /// DIAG content folder.
    pub diag_content: Option<PathBuf>,
    /// DIAG: all publications in every site.
    pub diag_all_publications: bool,
}

/// The services' real roots and documented etiquette: (url, requests/s, concurrency).
pub fn service_defaults(service: Service) -> (&'static str, f64, usize) {
    match service {
        Service::Crossref => ("https://api.crossref.org", 5.0, 3),
        Service::Pubmed => ("https://eutils.ncbi.nlm.nih.gov/entrez/eutils", 3.0, 2),
        Service::Openalex => ("https://api.openalex.org", 10.0, 4),
        Service::SemanticScholar => ("https://api.semanticscholar.org/graph/v1", 1.0, 1),
        Service::Arxiv => ("https://export.arxiv.org/api", 1.0 / 3.0, 1),
        Service::Orcid => ("https://pub.orcid.org/v3.0", 8.0, 4),
        Service::Doi => ("https://doi.org", 3.0, 2),
    }
}

/// The environment variable that overrides a service's base URL (`PUBLIST_CROSSREF_URL`, …).
pub fn service_env_var(service: Service) -> String {
    format!("PUBLIST_{}_URL", service.as_str().to_ascii_uppercase())
}

impl Config {
    /// Loads `--config FILE`, else `./publist.toml` when it exists, else defaults; then applies
    /// the CLI overrides and the environment (`PUBLIST_<SERVICE>_URL`).
    pub fn load(overrides: &Overrides) -> Result<Config> {
        let path = match &overrides.config {
            Some(p) => Some(p.clone()),
            None => Some(PathBuf::from("publist.toml")).filter(|p| p.is_file()),
        };
        let raw = match &path {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| Error::Config(format!("cannot read {}: {e}", p.display())))?;
                parse_raw(&text, p)?
            }
            None => RawConfig::default(),
        };
        let base = path
            .as_ref()
            .and_then(|p| p.parent())
            .map(Path::to_path_buf)
            .unwrap_or_default();
        Config::from_raw(raw, path, &base, overrides)
    }

    /// Builds a config from parsed TOML; `base` is the folder relative paths start from.
    pub fn from_raw(
        raw: RawConfig,
        path: Option<PathBuf>,
        base: &Path,
        overrides: &Overrides,
    ) -> Result<Config> {
        let rel = |p: &Path| -> PathBuf {
            if p.is_absolute() || base.as_os_str().is_empty() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };
        let pick = |cli: &[PathBuf], file: Vec<PathBuf>| -> Vec<PathBuf> {
            if cli.is_empty() {
                file.iter().map(|p| rel(p)).collect()
            } else {
                cli.to_vec()
            }
        };
        let key_pattern_text = raw
            .bib
            .key_pattern
            .clone()
            .unwrap_or_else(|| DEFAULT_KEY_PATTERN.to_string());
        let key_pattern = regex::Regex::new(&key_pattern_text)
            .map_err(|e| Error::Config(format!("[bib] key_pattern is not a valid regex: {e}")))?;

        let mut services = BTreeMap::new();
        let enabled: Option<Vec<Service>> = match &raw.services.enabled {
            None => None,
            Some(names) => Some(
                names
                    .iter()
                    .map(|n| {
                        Service::parse(n).ok_or_else(|| {
                            Error::Config(format!(
                                "[services] enabled: unknown service `{n}` (known: crossref, pubmed, openalex, s2, arxiv, orcid, doi)"
                            ))
                        })
                    })
                    .collect::<Result<_>>()?,
            ),
        };
        for service in Service::ALL {
            let (url, rate, concurrency) = service_defaults(service);
            let per = raw.services.get(service).cloned().unwrap_or_default();
            let url = std::env::var(service_env_var(service))
                .ok()
                .filter(|v| !v.trim().is_empty())
                .or(per.url)
                .unwrap_or_else(|| url.to_string());
            let url = url.trim_end_matches('/').to_string();
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(Error::Config(format!(
                    "base URL of {service} must start with http:// or https://, got `{url}`"
                )));
            }
            services.insert(
                service,
                ServiceConfig {
                    url,
                    rate: per.rate.unwrap_or(rate).max(0.01),
                    concurrency: per.concurrency.unwrap_or(concurrency).max(1),
                    timeout: std::time::Duration::from_secs(per.timeout_secs.unwrap_or(30)),
                    retries: per.retries.unwrap_or(4),
                    enabled: enabled.as_ref().is_none_or(|e| e.contains(&service)),
                },
            );
        }

        if let Some(code) = raw.refresh.changes_exit_code {
            if !(0..=255).contains(&code) || [1, 2, 3].contains(&code) {
                return Err(Error::Config(format!(
                    "[refresh] changes_exit_code = {code}: use 0 or a number from 4 to 255 (1, 2 and 3 mean failure, data problems and bad config)"
                )));
            }
        }
        let people_cli: Vec<PathBuf> = overrides.people.clone();
        let projects_cli: Vec<PathBuf> = overrides.projects.clone();
        Ok(Config {
            bib_files: pick(&overrides.bib, raw.bib.files),
            key_pattern,
            site_title: raw.site.title.unwrap_or_else(|| "Publications".to_string()),
            base_url: raw
                .site
                .base_url
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_string(),
            people: pick(
                &people_cli,
                raw.site.people.iter().map(PathBuf::from).collect(),
            ),
            projects: pick(
                &projects_cli,
                raw.site.projects.iter().map(PathBuf::from).collect(),
            ),
            images: raw.site.images.as_deref().map(rel),
            out_dir: overrides
                .out
                .clone()
                .or_else(|| raw.output.dir.as_deref().map(rel))
                .unwrap_or_else(|| PathBuf::from("out")),
            style: overrides
                .style
                .clone()
                .or(raw.output.style)
                .unwrap_or_else(|| "house".to_string()),
            most_cited: raw.output.most_cited.unwrap_or(100),
            emit: raw.output.emit,
            min_confidence: raw.attribution.min_confidence.unwrap_or(0.75),
            person_overrides: raw.attribution.people,
            store_path: overrides
                .store
                .clone()
                .or_else(|| raw.store.path.as_deref().map(rel))
                .unwrap_or_else(|| rel(Path::new(".publist/store.sqlite"))),
            ttl_days: raw.store.ttl_days,
            mailto: raw.services.mailto,
            services,
            fill_min_score: raw.fill.min_score.unwrap_or(0.0),
            fill_max: raw.fill.max.unwrap_or(10),
            fill_write_threshold: raw.fill.write_threshold.unwrap_or(4.0),
            ignore_file: raw
                .discover
                .ignore
                .as_deref()
                .map(rel)
                .unwrap_or_else(|| rel(Path::new("publist.ignore"))),
            apply_into: raw.discover.into.as_deref().map(rel),
            apply_groups: raw.discover.groups,
            discover_since: raw.discover.since,
            key_template: raw
                .discover
                .key_template
                .unwrap_or_else(|| "{Auth4}{yy}".to_string()),
            protect_fields: raw.merge.protect_fields,
            protect_keys: raw.merge.protect_keys,
            title_threshold: raw.merge.title_threshold.unwrap_or(0.9),
            enrich_fields: raw.merge.fields.unwrap_or_else(|| {
                [
                    "doi",
                    "pmid",
                    "pmcid",
                    "eprint",
                    "volume",
                    "number",
                    "pages",
                    "taverne_url",
                ]
                .map(String::from)
                .to_vec()
            }),
            allow_citation_decrease: raw.merge.allow_citation_decrease.unwrap_or(false),
            changes_exit_code: raw.refresh.changes_exit_code.unwrap_or(10),
            auto_add: raw.refresh.auto_add.unwrap_or(false),
            timestamps: raw.refresh.timestamps.unwrap_or(false),
            review_file: raw
                .refresh
                .review
                .as_deref()
                .map(rel)
                .unwrap_or_else(|| rel(Path::new("publist.review.md"))),
            diag_sites: raw.diag.sites,
            diag_content: raw.diag.content.as_deref().map(rel),
            diag_all_publications: raw.diag.all_publications_in_every_site.unwrap_or(true),
            path,
        })
    }
}

/// Parses config text; errors name the file, the line and the offending key.
pub fn parse_raw(text: &str, path: &Path) -> Result<RawConfig> {
    toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let loc = match line {
            Some(l) => format!("{}:{l}", path.display()),
            None => path.display().to_string(),
        };
        Error::Config(format!("{loc}: {}", e.message().trim()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_config_documents_valid_options() {
        let text = include_str!("../publist.example.toml");
        let raw = parse_raw(text, Path::new("publist.example.toml")).unwrap();
        let cfg = Config::from_raw(raw, None, Path::new(""), &Overrides::default()).unwrap();
        assert_eq!(cfg.services[&Service::Crossref].concurrency, 3);
        assert_eq!(cfg.changes_exit_code, 10);
    }

    #[test]
    fn unknown_key_is_named() {
        let err = parse_raw("[site]\ntitel = \"x\"\n", Path::new("publist.toml")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("titel"), "{msg}");
        assert!(msg.contains("publist.toml:2"), "{msg}");
    }

    #[test]
    fn unknown_service_is_named() {
        let msg = match parse_raw(
            "[services.crossrefs]\nurl = \"http://x\"\n",
            Path::new("p.toml"),
        ) {
            Err(e) => e.to_string(),
            Ok(raw) => Config::from_raw(raw, None, Path::new(""), &Overrides::default())
                .unwrap_err()
                .to_string(),
        };
        assert!(msg.contains("crossrefs"), "{msg}");
        let raw = parse_raw(
            "[services.crossref]\nurl = \"http://127.0.0.1:9\"\nrate = 2.0\n",
            Path::new("p.toml"),
        )
        .unwrap();
        let cfg = Config::from_raw(raw, None, Path::new(""), &Overrides::default()).unwrap();
        assert_eq!(cfg.services[&Service::Crossref].rate, 2.0);
    }

    #[test]
    fn cli_overrides_win_and_paths_are_relative_to_config() {
        let raw = parse_raw(
            "[bib]\nfiles = [\"bib/a.bib\"]\n[output]\ndir = \"site-out\"\n",
            Path::new("cfg/publist.toml"),
        )
        .unwrap();
        let ov = Overrides {
            out: Some(PathBuf::from("elsewhere")),
            ..Overrides::default()
        };
        let cfg = Config::from_raw(raw, None, Path::new("cfg"), &ov).unwrap();
        assert_eq!(cfg.bib_files, vec![PathBuf::from("cfg/bib/a.bib")]);
        assert_eq!(cfg.out_dir, PathBuf::from("elsewhere"));
    }
}
