//! Review files: what `discover` writes and a curator edits, and what `apply` reads back.
//!
//! - **Markdown**: a checklist per person. `[x]` adds the work, `[-]` puts it on the ignore
//!   list, `[ ]` skips it. Each item carries its ids, authors, venue and the evidence.
//! - **CSV**: one row per work with an `action` column the curator sets to `add` or `ignore`
//!   (left empty: skipped).
//! - **JSON**: `{"people": [{"slug", "items": [{"ids", "title", "year", "decision", "key",
//!   "evidence"}]}]}`, for tools.
//!
//! Items already present or ignored are listed for the record but offer no action.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::LazyLock;

use crate::diagnostics::Diagnostic;
use crate::merge::discover::{Decision, Item, Report};
use crate::model::{ArxivId, Doi, Ids, Kind, Name, Pmid};

/// What the curator decided for one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Add it to the bib file.
    Add,
    /// Put it on the ignore list.
    Ignore,
    /// Leave it for later.
    Skip,
}

/// One item read back from a review file.
#[derive(Debug, Clone, PartialEq)]
pub struct Reviewed {
    /// The curator's action.
    pub action: Action,
    /// The person it was listed under.
    pub person: String,
    /// Discover's decision, when given.
    pub decision: Option<Decision>,
    /// Ids.
    pub ids: Ids,
    /// Title.
    pub title: String,
    /// Year.
    pub year: Option<i32>,
    /// Authors.
    pub authors: Vec<Name>,
    /// Venue.
    pub venue: Option<String>,
    /// Kind of work, when given.
    pub kind: Option<Kind>,
    /// 1-based line in the review file.
    pub line: u32,
}

fn authors_text(item: &Item) -> String {
    item.work
        .candidate
        .authors
        .iter()
        .map(|a| {
            let family = if a.name.particle.is_empty() {
                a.name.family.clone()
            } else {
                format!("{} {}", a.name.particle, a.name.family)
            };
            if a.name.given.is_empty() {
                family
            } else {
                format!("{family}, {}", a.name.given)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn parse_authors(text: &str) -> Vec<Name> {
    text.split(';')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| match a.split_once(',') {
            Some((family, given)) => Name {
                given: given.trim().to_string(),
                family: family.trim().to_string(),
                ..Name::default()
            },
            None => Name {
                family: a.to_string(),
                ..Name::default()
            },
        })
        .collect()
}

fn id_tokens(item: &Item) -> Vec<String> {
    crate::merge::ignore::tokens(&item.work.candidate.ids)
}

fn ids_from_tokens(tokens: &[&str]) -> Ids {
    let mut ids = Ids::default();
    for t in tokens {
        let Some((kind, value)) = t.split_once(':') else {
            continue;
        };
        match kind.trim() {
            "doi" => ids.doi = ids.doi.take().or_else(|| Doi::parse(value)),
            "pmid" => ids.pmid = ids.pmid.or_else(|| Pmid::parse(value)),
            "arxiv" => ids.arxiv = ids.arxiv.take().or_else(|| ArxivId::parse(value)),
            "s2" if !value.trim().is_empty() => ids.s2.push(value.trim().to_string()),
            "openalex" if !value.trim().is_empty() => ids.openalex = Some(value.trim().to_string()),
            _ => {}
        }
    }
    ids
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The Markdown checklist.
pub fn to_markdown(report: &Report) -> String {
    let mut out = String::new();
    out.push_str("# Works to review\n\n");
    out.push_str("Mark `[x]` to add a work to the bib file, `[-]` to put it on the ignore list; items left `[ ]` are skipped.\nThen run `publist apply THIS_FILE`.\n");
    for person in &report.people {
        let actionable: Vec<&Item> = person
            .items
            .iter()
            .filter(|i| i.decision.is_actionable())
            .collect();
        let done: Vec<&Item> = person
            .items
            .iter()
            .filter(|i| !i.decision.is_actionable())
            .collect();
        let _ = write!(out, "\n## {}\n\n", person.slug);
        if actionable.is_empty() {
            out.push_str("Nothing to review.\n");
        }
        for item in actionable {
            let year = item.year.map(|y| format!(" ({y})")).unwrap_or_default();
            let key = item
                .key
                .as_ref()
                .map(|k| format!(" {k}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "- [ ] **{}**{year} — {}{key}",
                one_line(&item.title).replace("**", "*"),
                item.decision.as_str()
            );
            let tokens: Vec<String> = id_tokens(item)
                .into_iter()
                .map(|t| format!("`{t}`"))
                .collect();
            let _ = writeln!(out, "  - ids: {}", tokens.join(" "));
            let authors = authors_text(item);
            if !authors.is_empty() {
                let _ = writeln!(out, "  - authors: {}", one_line(&authors));
            }
            if let Some(v) = &item.work.candidate.venue {
                let _ = writeln!(out, "  - venue: {}", one_line(v));
            }
            if let Some(k) = item.work.candidate.kind {
                let _ = writeln!(out, "  - type: {}", k.as_str());
            }
            for e in &item.evidence {
                let _ = writeln!(out, "  - why: {}", one_line(e));
            }
        }
        if !done.is_empty() {
            out.push_str("\nAlready handled:\n\n");
            for item in done {
                let _ = writeln!(
                    out,
                    "- {} — {}",
                    one_line(&item.title),
                    one_line(&item.evidence[0])
                );
            }
        }
    }
    out
}

fn csv_cell(text: &str) -> String {
    let t = one_line(text);
    if t.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", t.replace('"', "\"\""))
    } else {
        t
    }
}

const CSV_HEADER: [&str; 15] = [
    "action", "person", "decision", "key", "year", "title", "doi", "pmid", "arxiv", "s2",
    "openalex", "authors", "venue", "type", "evidence",
];

/// The CSV review file (RFC 4180 quoting, `\n` line ends).
pub fn to_csv(report: &Report) -> String {
    let mut out = CSV_HEADER.join(",");
    out.push('\n');
    for person in &report.people {
        for item in &person.items {
            let o = |v: &Option<String>| v.clone().unwrap_or_default();
            let row = [
                String::new(),
                person.slug.clone(),
                item.decision.as_str().to_string(),
                o(&item.key),
                item.year.map(|y| y.to_string()).unwrap_or_default(),
                item.title.clone(),
                o(&item.ids.doi),
                o(&item.ids.pmid),
                o(&item.ids.arxiv),
                item.work.candidate.ids.s2.join(" "),
                o(&item.ids.openalex),
                authors_text(item),
                item.work.candidate.venue.clone().unwrap_or_default(),
                item.work
                    .candidate
                    .kind
                    .map(|k| k.as_str().to_string())
                    .unwrap_or_default(),
                item.evidence.join(" | "),
            ];
            out.push_str(
                &row.iter()
                    .map(|c| csv_cell(c))
                    .collect::<Vec<_>>()
                    .join(","),
            );
            out.push('\n');
        }
    }
    out
}

/// The JSON report (pretty, stable key order).
pub fn to_json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|_| "{}".to_string()) + "\n"
}

/// Splits CSV text into records (quoted fields may hold commas, quotes and newlines).
fn csv_records(text: &str) -> Vec<(u32, Vec<String>)> {
    let mut records = Vec::new();
    let mut field = String::new();
    let mut record = Vec::new();
    let mut line = 1u32;
    let mut start_line = 1u32;
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push((start_line, std::mem::take(&mut record)));
                line += 1;
                start_line = line;
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push((start_line, record));
    }
    records
}

fn parse_action(text: &str) -> Option<Action> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" | "skip" => Some(Action::Skip),
        "add" | "x" | "yes" => Some(Action::Add),
        "ignore" | "reject" | "-" | "no" => Some(Action::Ignore),
        _ => None,
    }
}

/// Reads a CSV review file; rows with an unknown action are reported and skipped.
pub fn parse_csv(text: &str, path: &Path) -> (Vec<Reviewed>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let mut diags = Vec::new();
    let mut records = csv_records(text).into_iter();
    let Some((_, header)) = records.next() else {
        return (out, diags);
    };
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let Some(action_col) = col("action") else {
        diags.push(
            Diagnostic::error("review-no-action-column", "the CSV has no `action` column")
                .at(path, 1, 1)
                .help("use the CSV that `publist discover --format csv` writes"),
        );
        return (out, diags);
    };
    for (line, row) in records {
        let get = |name: &str| {
            col(name)
                .and_then(|i| row.get(i))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let raw_action = row.get(action_col).cloned().unwrap_or_default();
        let Some(action) = parse_action(&raw_action) else {
            diags.push(
                Diagnostic::warning(
                    "review-bad-action",
                    format!("unknown action `{}`; row skipped", raw_action.trim()),
                )
                .at(path, line, 1)
                .help("write `add`, `ignore`, or leave it empty"),
            );
            continue;
        };
        let tokens: Vec<String> = ["doi", "pmid", "arxiv", "openalex"]
            .iter()
            .map(|k| format!("{k}:{}", get(k)))
            .chain(get("s2").split_whitespace().map(|s| format!("s2:{s}")))
            .collect();
        let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
        let venue = get("venue");
        out.push(Reviewed {
            action,
            person: get("person"),
            decision: Decision::parse(&get("decision")),
            ids: ids_from_tokens(&refs),
            title: get("title"),
            year: get("year").parse().ok(),
            authors: parse_authors(&get("authors")),
            venue: (!venue.is_empty()).then_some(venue),
            kind: kind_from(&get("type")),
            line,
        });
    }
    (out, diags)
}

fn kind_from(text: &str) -> Option<Kind> {
    let t = text.trim();
    [
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
    ]
    .into_iter()
    .find(|k| k.as_str() == t)
}

/// Reads a Markdown review file.
pub fn parse_markdown(text: &str, path: &Path) -> (Vec<Reviewed>, Vec<Diagnostic>) {
    static ITEM: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"^- \[(.)\] \*\*(.*)\*\*(?: \((\d{4})\))?(?: — (\S+))?")
            .expect("static regex")
    });
    let mut out: Vec<Reviewed> = Vec::new();
    let mut diags = Vec::new();
    let mut person = String::new();
    for (n, line) in text.lines().enumerate() {
        let line_no = n as u32 + 1;
        let trimmed = line.trim_end();
        if let Some(slug) = trimmed.strip_prefix("## ") {
            person = slug.trim().to_string();
            continue;
        }
        if let Some(c) = ITEM.captures(trimmed) {
            let mark = &c[1];
            let action = match mark {
                " " => Action::Skip,
                "x" | "X" => Action::Add,
                "-" | "i" | "I" => Action::Ignore,
                other => {
                    diags.push(
                        Diagnostic::warning(
                            "review-bad-mark",
                            format!("unknown mark `[{other}]`; item skipped"),
                        )
                        .at(path, line_no, 4)
                        .help("use [x] to add, [-] to ignore, [ ] to skip"),
                    );
                    Action::Skip
                }
            };
            out.push(Reviewed {
                action,
                person: person.clone(),
                decision: c.get(4).and_then(|d| Decision::parse(d.as_str())),
                ids: Ids::default(),
                title: c[2].to_string(),
                year: c.get(3).and_then(|y| y.as_str().parse().ok()),
                authors: Vec::new(),
                venue: None,
                kind: None,
                line: line_no,
            });
            continue;
        }
        let Some(current) = out.last_mut() else {
            continue;
        };
        let Some(rest) = trimmed.strip_prefix("  - ") else {
            continue;
        };
        if let Some(ids) = rest.strip_prefix("ids:") {
            let tokens: Vec<&str> = ids
                .split('`')
                .map(str::trim)
                .filter(|t| t.contains(':'))
                .collect();
            current.ids = ids_from_tokens(&tokens);
        } else if let Some(a) = rest.strip_prefix("authors:") {
            current.authors = parse_authors(a);
        } else if let Some(v) = rest.strip_prefix("venue:") {
            current.venue = Some(v.trim().to_string());
        } else if let Some(t) = rest.strip_prefix("type:") {
            current.kind = kind_from(t);
        }
    }
    (out, diags)
}

/// Reads a review file, Markdown or CSV by extension (`.csv`), else by content.
pub fn parse(text: &str, path: &Path) -> (Vec<Reviewed>, Vec<Diagnostic>) {
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        || text
            .lines()
            .next()
            .is_some_and(|l| l.trim_start().starts_with("action,"));
    if is_csv {
        parse_csv(text, path)
    } else {
        parse_markdown(text, path)
    }
}
