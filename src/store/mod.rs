//! The persistent metadata store (SQLite): raw responses and parsed candidates,
//! keyed by service and request, with TTLs and validators for conditional requests.
//!
//! Three tables carry the data:
//! - `responses` — every successful raw answer, keyed by (service, request key). Request keys
//!   hold no secret ([`crate::http::Request::key`]). ETag / Last-Modified are kept for
//!   conditional requests.
//! - `lookups` — one row per question asked of a service (`doi:10.1/x`, `pmid:123`,
//!   `orcid:0000-…`, `search:…`), with its kind (`work`, `person`, `search`), fetch time and
//!   whether the service knew the answer. Batched requests record one lookup per id, so the
//!   next run knows exactly which ids are still missing, whatever the batches look like.
//! - `candidates` — the parsed [`Candidate`]s of each lookup, indexed by DOI, PMID and arXiv id.
//!
//! A batch (its responses, lookups and candidates) is written in one transaction, in WAL
//! mode: a killed run loses only what was in flight. Failures are never written.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{Candidate, Ids, Person, Service};

/// Default TTL in days per lookup kind: `work` 30, `person` 7, `search` 30.
pub fn default_ttl_days(kind: &str) -> u32 {
    match kind {
        "person" => 7,
        _ => 30,
    }
}

/// Seconds since the Unix epoch.
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// RFC 3339 UTC time of `secs`.
pub fn rfc3339(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// A raw answer to keep.
#[derive(Debug, Clone)]
pub struct StoredResponse {
    /// The request key (no secrets).
    pub request: String,
    /// HTTP status (200, or 404 for an unknown id).
    pub status: u16,
    /// Content type.
    pub content_type: String,
    /// ETag.
    pub etag: Option<String>,
    /// Last-Modified.
    pub last_modified: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// The outcome of one lookup: the candidates the service gave (empty: unknown id).
#[derive(Debug, Clone)]
pub struct LookupResult {
    /// The lookup key (`doi:10.1/x`).
    pub lookup: String,
    /// Its kind (`work`, `person`, `search`).
    pub kind: String,
    /// What the service said.
    pub candidates: Vec<Candidate>,
}

/// Everything one batch produced, written in one transaction.
#[derive(Debug, Clone, Default)]
pub struct BatchRecord {
    /// Raw answers.
    pub responses: Vec<StoredResponse>,
    /// One entry per lookup of the batch, found or not.
    pub lookups: Vec<LookupResult>,
}

/// What the store knows about one lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LookupState {
    /// Fetch time, seconds since the epoch.
    pub fetched: i64,
    /// Whether the service knew it.
    pub found: bool,
}

/// Counts of one service, for `publist store stats`.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ServiceStats {
    /// Stored raw responses.
    pub responses: u64,
    /// Lookups answered.
    pub lookups: u64,
    /// Lookups the service knew.
    pub found: u64,
    /// Candidates stored.
    pub candidates: u64,
    /// Fetch time of the oldest lookup (RFC 3339), when any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oldest: Option<String>,
    /// Fetch time of the newest lookup (RFC 3339), when any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newest: Option<String>,
}

/// The store. All methods are synchronous and short; share it behind an `Arc`.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
    path: PathBuf,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS responses (
    service TEXT NOT NULL, request TEXT NOT NULL, fetched INTEGER NOT NULL,
    status INTEGER NOT NULL, content_type TEXT NOT NULL, etag TEXT, last_modified TEXT,
    body BLOB NOT NULL, PRIMARY KEY (service, request));
CREATE TABLE IF NOT EXISTS lookups (
    service TEXT NOT NULL, lookup TEXT NOT NULL, kind TEXT NOT NULL,
    fetched INTEGER NOT NULL, found INTEGER NOT NULL, PRIMARY KEY (service, lookup));
CREATE TABLE IF NOT EXISTS candidates (
    service TEXT NOT NULL, lookup TEXT NOT NULL, idx INTEGER NOT NULL,
    doi TEXT, pmid INTEGER, arxiv TEXT, json TEXT NOT NULL,
    PRIMARY KEY (service, lookup, idx));
CREATE INDEX IF NOT EXISTS candidates_doi ON candidates (doi);
CREATE INDEX IF NOT EXISTS candidates_pmid ON candidates (pmid);
CREATE INDEX IF NOT EXISTS candidates_arxiv ON candidates (arxiv);
CREATE TABLE IF NOT EXISTS person_lookups (
    slug TEXT NOT NULL, service TEXT NOT NULL, lookup TEXT NOT NULL,
    PRIMARY KEY (slug, service, lookup));
";

impl Store {
    /// Opens (creating when needed, with its folder) the store at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::Store {
                path: path.to_path_buf(),
                message: format!("cannot create folder {}: {e}", dir.display()),
            })?;
        }
        let conn = Connection::open(path).map_err(|e| store_err(path, e))?;
        let store = Store {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
        };
        store.with(|c| {
            c.busy_timeout(std::time::Duration::from_secs(10))?;
            c.pragma_update(None, "journal_mode", "WAL")?;
            c.pragma_update(None, "synchronous", "NORMAL")?;
            c.execute_batch(SCHEMA)
        })?;
        Ok(store)
    }

    /// Opens the store read-only-in-spirit when it exists; `Ok(None)` when there is none.
    pub fn open_existing(path: &Path) -> Result<Option<Store>> {
        if path.is_file() {
            Store::open(path).map(Some)
        } else {
            Ok(None)
        }
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> Result<T> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut conn).map_err(|e| store_err(&self.path, e))
    }

    /// Writes one batch in a transaction, stamped with `fetched` (seconds since the epoch).
    pub fn record(&self, service: Service, fetched: i64, batch: &BatchRecord) -> Result<()> {
        let svc = service.as_str();
        self.with(|c| {
            let tx = c.transaction()?;
            for r in &batch.responses {
                tx.execute(
                    "INSERT OR REPLACE INTO responses
                     (service, request, fetched, status, content_type, etag, last_modified, body)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        svc,
                        r.request,
                        fetched,
                        r.status,
                        r.content_type,
                        r.etag,
                        r.last_modified,
                        r.body
                    ],
                )?;
            }
            for l in &batch.lookups {
                tx.execute(
                    "DELETE FROM candidates WHERE service = ?1 AND lookup = ?2",
                    params![svc, l.lookup],
                )?;
                tx.execute(
                    "INSERT OR REPLACE INTO lookups (service, lookup, kind, fetched, found)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![svc, l.lookup, l.kind, fetched, !l.candidates.is_empty()],
                )?;
                for (i, cand) in l.candidates.iter().enumerate() {
                    let json = serde_json::to_string(cand)
                        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
                    tx.execute(
                        "INSERT INTO candidates (service, lookup, idx, doi, pmid, arxiv, json)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        params![
                            svc,
                            l.lookup,
                            i as i64,
                            cand.ids.doi.as_ref().map(|d| d.as_str().to_string()),
                            cand.ids.pmid.map(|p| p.0 as i64),
                            cand.ids.arxiv.as_ref().map(|a| a.as_str().to_string()),
                            json
                        ],
                    )?;
                }
            }
            tx.commit()
        })
    }

    /// Remembers that `slug`'s works are the answer to `lookup` at `service`.
    pub fn link_person(&self, slug: &str, service: Service, lookup: &str) -> Result<()> {
        self.with(|c| {
            c.execute(
                "INSERT OR IGNORE INTO person_lookups (slug, service, lookup) VALUES (?1, ?2, ?3)",
                params![slug, service.as_str(), lookup],
            )
            .map(|_| ())
        })
    }

    /// The state of one lookup, when answered before.
    pub fn lookup_state(&self, service: Service, lookup: &str) -> Result<Option<LookupState>> {
        self.with(|c| {
            c.query_row(
                "SELECT fetched, found FROM lookups WHERE service = ?1 AND lookup = ?2",
                params![service.as_str(), lookup],
                |r| {
                    Ok(LookupState {
                        fetched: r.get(0)?,
                        found: r.get(1)?,
                    })
                },
            )
            .optional()
        })
    }

    /// Every answered lookup of `service` with its state.
    pub fn lookup_states(&self, service: Service) -> Result<BTreeMap<String, LookupState>> {
        self.with(|c| {
            let mut stmt =
                c.prepare("SELECT lookup, fetched, found FROM lookups WHERE service = ?1")?;
            let rows = stmt.query_map(params![service.as_str()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    LookupState {
                        fetched: r.get(1)?,
                        found: r.get(2)?,
                    },
                ))
            })?;
            rows.collect()
        })
    }

    /// A stored raw response: (status, content type, ETag, Last-Modified, body).
    pub fn response(&self, service: Service, request: &str) -> Result<Option<StoredResponse>> {
        self.with(|c| {
            c.query_row(
                "SELECT status, content_type, etag, last_modified, body FROM responses
                 WHERE service = ?1 AND request = ?2",
                params![service.as_str(), request],
                |r| {
                    Ok(StoredResponse {
                        request: request.to_string(),
                        status: r.get(0)?,
                        content_type: r.get(1)?,
                        etag: r.get(2)?,
                        last_modified: r.get(3)?,
                        body: r.get(4)?,
                    })
                },
            )
            .optional()
        })
    }

    fn query_candidates(&self, sql: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<Candidate>> {
        let rows: Vec<String> = self.with(|c| {
            let mut stmt = c.prepare(sql)?;
            let rows = stmt.query_map(args, |r| r.get::<_, String>(0))?;
            rows.collect()
        })?;
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for json in rows {
            if !seen.insert(json.clone()) {
                continue;
            }
            match serde_json::from_str::<Candidate>(&json) {
                Ok(c) => out.push(c),
                Err(e) => tracing::warn!(
                    "{}: skipping a stored candidate that no longer parses: {e}",
                    self.path.display()
                ),
            }
        }
        Ok(out)
    }

    /// Every stored candidate, each once, ordered by service and lookup.
    pub fn candidates(&self) -> Result<Vec<Candidate>> {
        self.query_candidates(
            "SELECT json FROM candidates ORDER BY service, lookup, idx",
            &[],
        )
    }

    /// The candidates of one service.
    pub fn service_candidates(&self, service: Service) -> Result<Vec<Candidate>> {
        self.query_candidates(
            "SELECT json FROM candidates WHERE service = ?1 ORDER BY lookup, idx",
            &[&service.as_str()],
        )
    }

    /// Candidates sharing an identifier with `ids` (DOI, PMID or arXiv id; the candidate's own
    /// ids or the id it was looked up by), from every service, each once.
    pub fn candidates_for(&self, ids: &Ids) -> Result<Vec<Candidate>> {
        let doi = ids.doi.as_ref().map(|d| d.as_str().to_string());
        let pmid = ids.pmid.map(|p| p.0 as i64);
        let arxiv = ids.arxiv.as_ref().map(|a| a.as_str().to_string());
        if doi.is_none() && pmid.is_none() && arxiv.is_none() {
            return Ok(Vec::new());
        }
        let doi_lookup = doi.as_ref().map(|d| format!("doi:{d}"));
        let pmid_lookup = pmid.map(|p| format!("pmid:{p}"));
        let arxiv_lookup = arxiv.as_ref().map(|a| format!("arxiv:{a}"));
        self.query_candidates(
            "SELECT json FROM candidates
             WHERE doi = ?1 OR pmid = ?2 OR arxiv = ?3 OR lookup IN (?4, ?5, ?6)
             ORDER BY service, lookup, idx",
            &[
                &doi,
                &pmid,
                &arxiv,
                &doi_lookup,
                &pmid_lookup,
                &arxiv_lookup,
            ],
        )
    }

    /// The candidates stored for one lookup key of one service (e.g. a bibliographic search,
    /// see `sources::Lookup::key`).
    pub fn lookup_candidates(&self, service: Service, lookup: &str) -> Result<Vec<Candidate>> {
        self.query_candidates(
            "SELECT json FROM candidates WHERE service = ?1 AND lookup = ?2 ORDER BY idx",
            &[&service.as_str(), &lookup],
        )
    }

    /// The works harvested under a person's identifiers (ORCID, OpenAlex, Semantic Scholar
    /// author ids), by the person's slug, from every service, each once.
    pub fn person_works(&self, slug: &str) -> Result<Vec<Candidate>> {
        self.query_candidates(
            "SELECT c.json FROM candidates c
             JOIN person_lookups p ON p.service = c.service AND p.lookup = c.lookup
             WHERE p.slug = ?1 ORDER BY c.service, c.lookup, c.idx",
            &[&slug],
        )
    }

    /// Like [`Store::person_works`], from the identifiers on the person's page (works also
    /// when the slug changed since the harvest).
    pub fn person_works_of(&self, person: &Person) -> Result<Vec<Candidate>> {
        // The same normalization as the harvest: the last path segment of a URL form.
        let bare = |id: &str| {
            let t = id.trim().trim_end_matches('/');
            t.rsplit('/').next().unwrap_or(t).to_string()
        };
        let mut lookups = Vec::new();
        if let Some(o) = &person.orcid {
            lookups.push(format!("orcid:{}", bare(o)));
        }
        if let Some(a) = &person.openalex {
            lookups.push(format!("openalex-author:{}", bare(a)));
        }
        if let Some(a) = &person.semantic_scholar {
            lookups.push(format!("s2-author:{}", bare(a)));
        }
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for l in lookups {
            for c in self.query_candidates(
                "SELECT json FROM candidates WHERE lookup = ?1 ORDER BY service, idx",
                &[&l],
            )? {
                if let Ok(json) = serde_json::to_string(&c) {
                    if seen.insert(json) {
                        out.push(c);
                    }
                }
            }
        }
        Ok(out)
    }

    /// Counts and ages per service.
    pub fn stats(&self) -> Result<BTreeMap<String, ServiceStats>> {
        let mut out: BTreeMap<String, ServiceStats> = BTreeMap::new();
        self.with(|c| {
            let mut stmt = c.prepare("SELECT service, COUNT(*) FROM responses GROUP BY service")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?)))?;
            for row in rows {
                let (s, n) = row?;
                out.entry(s).or_default().responses = n;
            }
            let mut stmt = c.prepare(
                "SELECT service, COUNT(*), SUM(found), MIN(fetched), MAX(fetched)
                 FROM lookups GROUP BY service",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, u64>(1)?,
                    r.get::<_, Option<u64>>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                ))
            })?;
            for row in rows {
                let (s, n, found, min, max) = row?;
                let e = out.entry(s).or_default();
                e.lookups = n;
                e.found = found.unwrap_or(0);
                e.oldest = min.map(rfc3339);
                e.newest = max.map(rfc3339);
            }
            let mut stmt =
                c.prepare("SELECT service, COUNT(*) FROM candidates GROUP BY service")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?)))?;
            for row in rows {
                let (s, n) = row?;
                out.entry(s).or_default().candidates = n;
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// Writes the store as JSON lines: one `{"type":"lookup",…}` per lookup with its
    /// candidates, then one `{"type":"response",…}` per raw response (body as text).
    /// Sorted by service and key.
    pub fn export(&self, out: &mut dyn std::io::Write) -> Result<()> {
        let io = |e: std::io::Error| Error::Store {
            path: self.path.clone(),
            message: format!("cannot write the export: {e}"),
        };
        let lookups: Vec<(String, String, String, i64, bool)> = self.with(|c| {
            let mut stmt = c.prepare(
                "SELECT service, lookup, kind, fetched, found FROM lookups ORDER BY service, lookup",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
            rows.collect()
        })?;
        for (service, lookup, kind, fetched, found) in lookups {
            let cands = match Service::parse(&service) {
                Some(s) => self.lookup_candidates(s, &lookup)?,
                None => Vec::new(),
            };
            let line = serde_json::json!({
                "type": "lookup", "service": service, "lookup": lookup, "kind": kind,
                "fetched": rfc3339(fetched), "found": found, "candidates": cands,
            });
            writeln!(out, "{line}").map_err(io)?;
        }
        let responses: Vec<(String, String, i64, u16, String, Vec<u8>)> = self.with(|c| {
            let mut stmt = c.prepare(
                "SELECT service, request, fetched, status, content_type, body FROM responses
                 ORDER BY service, request",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?;
            rows.collect()
        })?;
        for (service, request, fetched, status, content_type, body) in responses {
            let line = serde_json::json!({
                "type": "response", "service": service, "request": request,
                "fetched": rfc3339(fetched), "status": status, "content_type": content_type,
                "body": String::from_utf8_lossy(&body),
            });
            writeln!(out, "{line}").map_err(io)?;
        }
        Ok(())
    }

    /// `PRAGMA integrity_check`: `ok` for a sound store.
    pub fn integrity_check(&self) -> Result<String> {
        self.with(|c| c.query_row("PRAGMA integrity_check", [], |r| r.get(0)))
    }
}

fn store_err(path: &Path, e: rusqlite::Error) -> Error {
    Error::Store {
        path: path.to_path_buf(),
        message: format!("{e}; if the file is damaged, delete it and harvest again"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Doi;

    fn cand(doi: &str, title: &str) -> Candidate {
        Candidate {
            source: Some(Service::Crossref),
            title: title.into(),
            ids: Ids {
                doi: Doi::parse(doi),
                ..Ids::default()
            },
            ..Candidate::default()
        }
    }

    #[test]
    fn batch_roundtrip_and_lookups() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s/store.sqlite")).unwrap();
        let batch = BatchRecord {
            responses: vec![StoredResponse {
                request: "GET http://x/works?filter=doi:10.1000/a,doi:10.1000/b".into(),
                status: 200,
                content_type: "application/json".into(),
                etag: None,
                last_modified: None,
                body: b"{}".to_vec(),
            }],
            lookups: vec![
                LookupResult {
                    lookup: "doi:10.1000/a".into(),
                    kind: "work".into(),
                    candidates: vec![cand("10.1000/a", "A")],
                },
                LookupResult {
                    lookup: "doi:10.1000/b".into(),
                    kind: "work".into(),
                    candidates: vec![],
                },
            ],
        };
        store.record(Service::Crossref, 1000, &batch).unwrap();
        let a = store
            .lookup_state(Service::Crossref, "doi:10.1000/a")
            .unwrap()
            .unwrap();
        assert!(a.found);
        let b = store
            .lookup_state(Service::Crossref, "doi:10.1000/b")
            .unwrap()
            .unwrap();
        assert!(!b.found);
        let ids = Ids {
            doi: Doi::parse("10.1000/A"),
            ..Ids::default()
        };
        let got = store.candidates_for(&ids).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].title, "A");
        let stats = store.stats().unwrap();
        assert_eq!(stats["crossref"].lookups, 2);
        assert_eq!(stats["crossref"].found, 1);
        assert_eq!(store.integrity_check().unwrap(), "ok");
        let mut out = Vec::new();
        store.export(&mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap().lines().count(), 3);
    }
}
