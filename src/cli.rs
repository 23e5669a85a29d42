//! Command-line interface: clap derive structs only, no logic.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// publist keeps a research group's publication lists true.
#[derive(Debug, Parser)]
#[command(name = "publist", version, about, long_about = None)]
pub struct Cli {
    /// More log output (-v, -vv).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// The subcommand; `build` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands, in pipeline order.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load bib files and site pages and report every problem.
    Check(CheckArgs),
    /// Write the normalized publications as JSON, CSL-JSON or clean BibTeX.
    Export(ExportArgs),
    /// Render people, project, publication and group pages plus data files.
    Build(BuildArgs),
    /// Fetch metadata from external services into the store.
    Harvest(HarvestArgs),
    /// Inspect the persistent store.
    Store(StoreArgs),
    /// Add missing identifiers and fields to the bib files as a minimal patch.
    Enrich(EnrichArgs),
    /// List each person's works that the services know and the bib files lack.
    Discover(DiscoverArgs),
    /// Add the accepted items of a reviewed discover file to the bib file.
    Apply(ApplyArgs),
    /// Propose (and write) bibkeys for project pages.
    Fill(FillArgs),
    /// Scheduled job: harvest, enrich, discover, fill, build, check; write a change report.
    Refresh(RefreshArgs),
}

/// Where the inputs come from; overrides `publist.toml`.
#[derive(Debug, Clone, Default, Args)]
pub struct InputArgs {
    /// Config file (default: ./publist.toml when it exists).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A bibliography file; repeat for several (replaces the config's list).
    #[arg(long = "bib", value_name = "FILE")]
    pub bib: Vec<PathBuf>,
    /// A folder (or glob) of person pages; repeatable.
    #[arg(long = "people", value_name = "DIR")]
    pub people: Vec<PathBuf>,
    /// A folder (or glob) of project pages; repeatable.
    #[arg(long = "projects", value_name = "DIR")]
    pub projects: Vec<PathBuf>,
}

/// Output format of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ReportFormat {
    /// Human-readable text.
    #[default]
    Text,
    /// JSON.
    Json,
}

/// `publist check`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Key pattern every key should match (regex).
    #[arg(long, value_name = "REGEX")]
    pub key_pattern: Option<String>,
}

/// Formats of `export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// publist's normalized JSON.
    Json,
    /// Clean, normalized BibTeX.
    Bibtex,
    /// CSL-JSON.
    CslJson,
}

/// `publist export`
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// Only these keys (case-insensitive); repeatable.
    #[arg(long = "key", value_name = "KEY")]
    pub keys: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
    pub format: ExportFormat,
    /// Write to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `publist build`
#[derive(Debug, Args, Default)]
pub struct BuildArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// Output folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Citation style: `house` or a CSL style name.
    #[arg(long, value_name = "STYLE")]
    pub style: Option<String>,
    /// Extra output flavour, such as `diag-pelican`.
    #[arg(long, value_name = "FLAVOUR")]
    pub emit: Vec<String>,
    /// Site (group) for `--emit diag-pelican`; repeatable.
    #[arg(long, value_name = "GROUP")]
    pub site: Vec<String>,
    /// Content folder for `--emit diag-pelican`.
    #[arg(long, value_name = "DIR")]
    pub content: Option<PathBuf>,
    /// Diagnostics format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

/// `publist harvest`
#[derive(Debug, Args)]
pub struct HarvestArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// Store file.
    #[arg(long, value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// Use only the store; send no request.
    #[arg(long)]
    pub offline: bool,
    /// Only these services; repeatable (crossref, pubmed, openalex, s2, arxiv, orcid, doi).
    #[arg(long = "only", value_name = "SERVICE")]
    pub only: Vec<String>,
    /// Stop after this many requests in total.
    #[arg(long, value_name = "N")]
    pub max_requests: Option<u64>,
    /// Summary format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

/// `publist store`
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: StoreAction,
}

/// `publist store …`
#[derive(Debug, Subcommand)]
pub enum StoreAction {
    /// Counts per service and ages.
    Stats {
        /// Config file.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Store file.
        #[arg(long, value_name = "PATH")]
        store: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Dump the store as JSON lines.
    Export {
        /// Config file.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Store file.
        #[arg(long, value_name = "PATH")]
        store: Option<PathBuf>,
    },
}

/// `publist enrich`
#[derive(Debug, Args)]
pub struct EnrichArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// Store file.
    #[arg(long, value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// Use only the store.
    #[arg(long)]
    pub offline: bool,
    /// Write the changes (default: print a diff).
    #[arg(long)]
    pub write: bool,
    /// Only these fields (comma list: doi,pmid,pmcid,…).
    #[arg(long, value_delimiter = ',', value_name = "FIELDS")]
    pub fields: Vec<String>,
    /// Let citation counts go down.
    #[arg(long)]
    pub allow_citation_decrease: bool,
}

/// Formats of `discover`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiscoverFormat {
    /// Markdown checklist.
    Md,
    /// CSV with an `action` column.
    Csv,
    /// JSON.
    Json,
}

/// `publist discover`
#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// Store file.
    #[arg(long, value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// Use only the store.
    #[arg(long)]
    pub offline: bool,
    /// Only these people; repeatable.
    #[arg(long = "person", value_name = "SLUG")]
    pub person: Vec<String>,
    /// Only works from this year on.
    #[arg(long, value_name = "YEAR")]
    pub since: Option<i32>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiscoverFormat::Md)]
    pub format: DiscoverFormat,
    /// Ignore list file.
    #[arg(long, value_name = "FILE")]
    pub ignore: Option<PathBuf>,
    /// Write the review file here instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `publist apply`
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The reviewed file from `discover` (Markdown or CSV).
    pub review: PathBuf,
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// Store file.
    #[arg(long, value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// Bib file to add entries to.
    #[arg(long, value_name = "FILE")]
    pub into: Option<PathBuf>,
    /// Ignore list file.
    #[arg(long, value_name = "FILE")]
    pub ignore: Option<PathBuf>,
    /// Print the diff only.
    #[arg(long)]
    pub dry_run: bool,
}

/// `publist fill`
#[derive(Debug, Args)]
pub struct FillArgs {
    /// Projects (slugs) to fill; default: every project with empty bibkeys.
    pub projects_only: Vec<String>,
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// Minimum score of a proposal.
    #[arg(long, value_name = "X")]
    pub min_score: Option<f64>,
    /// Maximum proposals per project.
    #[arg(long, value_name = "N")]
    pub max: Option<usize>,
    /// Write the proposals into the pages.
    #[arg(long)]
    pub write: bool,
    /// Also suggest additions to projects that already have keys.
    #[arg(long)]
    pub all: bool,
    /// Hide the known keys of filled projects, rank, and report precision@5, recall@10, MRR.
    #[arg(long)]
    pub evaluate: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

/// `publist refresh`
#[derive(Debug, Args)]
pub struct RefreshArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// Store file.
    #[arg(long, value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// Output folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Markdown report file (a pull-request body).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// JSON report file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Apply the safe edits.
    #[arg(long)]
    pub write: bool,
    /// Use only the store.
    #[arg(long)]
    pub offline: bool,
    /// Fail when committed output is stale relative to the inputs.
    #[arg(long)]
    pub check: bool,
}
