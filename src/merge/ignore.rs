//! The ignore list: known rejects that `discover` stops proposing.
//!
//! A plain text file, one id per line (`doi:…`, `pmid:…`, `arxiv:…`, `s2:…`, `openalex:…`),
//! each optionally followed by `# reason`. Blank lines and lines starting with `#` are comments.
//! Ids are normalized when read, so `doi:https://doi.org/10.1/X` matches `doi:10.1/x`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::diagnostics::Diagnostic;
use crate::error::{Error, Result};
use crate::model::{ArxivId, Doi, Ids, Pmid};

/// The ignore list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IgnoreList {
    /// Normalized id token → reason (possibly empty).
    pub entries: BTreeMap<String, String>,
}

/// The normalized token of one id (`doi:10.1/x`), or `None` when it does not parse.
pub fn token(kind: &str, value: &str) -> Option<String> {
    let kind = kind.trim().to_ascii_lowercase();
    let value = value.trim();
    let norm = match kind.as_str() {
        "doi" => Doi::parse(value)?.as_str().to_string(),
        "pmid" => Pmid::parse(value)?.to_string(),
        "arxiv" => ArxivId::parse(value)?.as_str().to_string(),
        "s2" => value.to_ascii_lowercase(),
        "openalex" => value.rsplit('/').next()?.to_ascii_uppercase(),
        _ => return None,
    };
    (!norm.is_empty()).then(|| format!("{kind}:{norm}"))
}

/// Every id token of a work, strongest first.
pub fn tokens(ids: &Ids) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(d) = &ids.doi {
        out.push(format!("doi:{}", d.as_str()));
    }
    if let Some(p) = ids.pmid {
        out.push(format!("pmid:{p}"));
    }
    if let Some(a) = &ids.arxiv {
        out.push(format!("arxiv:{}", a.as_str()));
    }
    for s in &ids.s2 {
        out.push(format!("s2:{}", s.to_ascii_lowercase()));
    }
    if let Some(o) = &ids.openalex {
        if let Some(t) = token("openalex", o) {
            out.push(t);
        }
    }
    out
}

impl IgnoreList {
    /// Parses the text of an ignore list; bad lines become warnings naming `path:line`.
    pub fn parse(text: &str, path: &Path) -> (IgnoreList, Vec<Diagnostic>) {
        let mut list = IgnoreList::default();
        let mut diags = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (id, reason) = match line.split_once('#') {
                Some((id, reason)) => (id.trim(), reason.trim()),
                None => (line, ""),
            };
            let parsed = id.split_once(':').and_then(|(k, v)| token(k, v));
            match parsed {
                Some(t) => {
                    list.entries.insert(t, reason.to_string());
                }
                None => diags.push(
                    Diagnostic::warning("ignore-bad-line", format!("not an id: `{id}`"))
                        .at(path, n as u32 + 1, 1)
                        .help("write one id per line: doi:…, pmid:…, arxiv:…, s2:… or openalex:…, optionally followed by # reason"),
                ),
            }
        }
        (list, diags)
    }

    /// Reads the list at `path`; a missing file is an empty list.
    pub fn load(path: &Path) -> Result<(IgnoreList, Vec<Diagnostic>)> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(IgnoreList::parse(&text, path)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Ok((IgnoreList::default(), Vec::new()))
            }
            Err(source) => Err(Error::Read {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// The first of a work's ids on the list, with its reason.
    pub fn matches(&self, ids: &Ids) -> Option<(String, String)> {
        tokens(ids)
            .into_iter()
            .find_map(|t| self.entries.get(&t).map(|r| (t.clone(), r.clone())))
    }

    /// Appends `items` (token, reason) not yet on the list to the file at `path`, keeping its
    /// bytes and line endings; returns how many were added. Nothing new: the file is not touched.
    pub fn append(path: &Path, items: &[(String, String)]) -> Result<usize> {
        let existing = crate::textfile::read_for_edit(path)?.unwrap_or_default();
        let (mut list, _) = IgnoreList::parse(&existing, path);
        let nl = crate::bib::edit::newline_of(&existing);
        let mut text = existing.clone();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push_str(nl);
        }
        let mut added = 0;
        for (token, reason) in items {
            if list.entries.contains_key(token) {
                continue;
            }
            let reason = reason.replace(['\n', '\r'], " ");
            if reason.trim().is_empty() {
                text.push_str(token);
            } else {
                text.push_str(&format!("{token}  # {}", reason.trim()));
            }
            text.push_str(nl);
            list.entries.insert(token.clone(), reason);
            added += 1;
        }
        if added > 0 {
            crate::fsutil::write_atomic(path, text.as_bytes())?;
        }
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_normalizes_and_reports_bad_lines() {
        let text = "# rejects\ndoi:https://doi.org/10.1000/ABC  # erratum\npmid:123\nnonsense\narxiv:arXiv:2106.05735v2\n";
        let (list, diags) = IgnoreList::parse(text, Path::new("publist.ignore"));
        assert_eq!(
            list.entries.get("doi:10.1000/abc").map(String::as_str),
            Some("erratum")
        );
        assert!(list.entries.contains_key("pmid:123"));
        assert!(list.entries.contains_key("arxiv:2106.05735"));
        assert_eq!(diags.len(), 1);
        assert!(diags[0].location().ends_with("publist.ignore:4:1"));
        let ids = Ids {
            doi: Doi::parse("10.1000/abc"),
            ..Ids::default()
        };
        assert_eq!(list.matches(&ids).map(|m| m.1), Some("erratum".to_string()));
    }

    #[test]
    fn append_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("publist.ignore");
        std::fs::write(&path, "pmid:1").unwrap();
        let items = vec![
            ("pmid:1".to_string(), String::new()),
            ("doi:10.1000/x1".to_string(), "namesake".to_string()),
        ];
        assert_eq!(IgnoreList::append(&path, &items).unwrap(), 1);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "pmid:1\ndoi:10.1000/x1  # namesake\n"
        );
        assert_eq!(IgnoreList::append(&path, &items).unwrap(), 0);
    }
}
