//! People evidence: which publications a name on a project's `people:` line wrote.
//!
//! Names are folded (accents, case, punctuation) and matched on family name plus first
//! initial, through an index from folded family name to author slots, so matching a name
//! costs the number of authors with that family name, never the size of the bibliography.
//! Particles (`van der`, `de`, `ten`) are not part of the indexed family name, so
//! "Jeroen van der Laak", "J. A. W. M. van der Laak" and "Laak, J. van der" meet.
//! When both sides spell out a first name, the first names must agree; an initial agrees
//! with any first name that starts with it, at a lower confidence.

use std::collections::HashMap;

use crate::model::{Name, Publication};

/// Lowercase words that start a family name rather than end the given names.
const PARTICLES: &[&str] = &[
    "van", "der", "den", "de", "del", "della", "di", "da", "dos", "das", "du", "la", "le", "ten",
    "ter", "te", "von", "zu", "op", "het", "in", "t", "y", "el", "al", "bin", "ibn", "st",
];

/// Confidence of a match on full first names.
pub const FULL_NAME: f32 = 1.0;
/// Confidence of a match where one side gives only an initial.
pub const INITIAL_ONLY: f32 = 0.8;
/// Confidence factor of a second reading of a name (two-word family name, family first).
pub const ALTERNATE_READING: f32 = 0.8;
/// Confidence of a match on a family name with one typo (full first names agreeing).
pub const TYPO: f32 = 0.6;

/// Folds a name part: ASCII, lowercase, letters and digits only (`Schaefer-Prokop` →
/// `schaeferprokop`, `Sánchez` → `sanchez`).
pub fn fold(text: &str) -> String {
    deunicode::deunicode(text)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn is_particle(word: &str) -> bool {
    let w = fold(word);
    PARTICLES.contains(&w.as_str())
}

/// The folded family name used as index key: particles at the start dropped
/// (`van der Laak` → `laak`).
pub fn family_key(family: &str) -> String {
    let words: Vec<&str> = family.split_whitespace().collect();
    let start = words
        .iter()
        .position(|w| !is_particle(w))
        .unwrap_or(words.len().saturating_sub(1));
    fold(&words[start..].join(""))
}

/// The folded first given name, and whether it is only an initial.
fn first_given(given: &str) -> Option<(String, bool)> {
    let first = given
        .split([' ', '~', '\u{a0}'])
        .find(|w| !w.trim_matches(['.', '-']).is_empty())?;
    // "J.-P." / "Jean-Paul": the first hyphen part.
    let first = first.split('-').find(|p| !p.trim_matches('.').is_empty())?;
    let initial = first.trim_end_matches('.').chars().count() <= 1
        || (first.ends_with('.') && first.trim_end_matches('.').chars().count() <= 2);
    let folded = fold(first);
    (!folded.is_empty()).then_some((folded, initial))
}

/// How well a written name's given part agrees with an author's given part.
pub fn given_agreement(query: &str, author: &str) -> Option<f32> {
    agreement(first_given(query).as_ref(), first_given(author).as_ref())
}

/// [`given_agreement`] on first given names already folded by [`first_given`].
fn agreement(query: Option<&(String, bool)>, author: Option<&(String, bool)>) -> Option<f32> {
    let Some((q, q_initial)) = query else {
        return Some(INITIAL_ONLY);
    };
    let Some((a, a_initial)) = author else {
        return Some(INITIAL_ONLY);
    };
    if q.chars().next() != a.chars().next() {
        return None;
    }
    if *q_initial || *a_initial {
        return Some(INITIAL_ONLY);
    }
    (q == a || q.starts_with(a.as_str()) || a.starts_with(q.as_str())).then_some(FULL_NAME)
}

/// A name from a `people:` line, split into readings: (given, family) pairs to try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenName {
    /// The name as written, cleaned.
    pub display: String,
    /// (given, family) readings, most likely first.
    pub readings: Vec<(String, String)>,
}

impl WrittenName {
    /// Parses "Jeroen van der Laak", "Laura Jimenez Galvez", "Laak, Jeroen van der".
    /// A name without particles and with three or more words is also read with a two-word
    /// family name; a two-word name is also read family-first ("Xie Weiyi").
    pub fn parse(written: &str) -> WrittenName {
        let display = written.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut readings = Vec::new();
        if let Some((family, given)) = display.split_once(',') {
            let (particle, given) = split_trailing_particles(given.trim());
            readings.push((
                given,
                format!("{particle} {}", family.trim()).trim().to_string(),
            ));
            return WrittenName { display, readings };
        }
        // A stray lowercase letter ("m Keelin Murphy") is a typo, not a name.
        let words: Vec<&str> = display
            .split(' ')
            .filter(|w| !(w.chars().count() == 1 && w.chars().all(char::is_lowercase)))
            .collect();
        if words.len() < 2 {
            if let Some(w) = words.first() {
                readings.push((String::new(), w.to_string()));
            }
            return WrittenName { display, readings };
        }
        if let Some(p) = (1..words.len() - 1).find(|&i| is_particle(words[i])) {
            readings.push((words[..p].join(" "), words[p..].join(" ")));
        } else {
            let n = words.len();
            readings.push((words[..n - 1].join(" "), words[n - 1].to_string()));
            if n >= 3 {
                readings.push((words[..n - 2].join(" "), words[n - 2..].join(" ")));
            }
            if n == 2 {
                readings.push((words[1].to_string(), words[0].to_string()));
            }
        }
        WrittenName { display, readings }
    }
}

fn split_trailing_particles(given: &str) -> (String, String) {
    let words: Vec<&str> = given.split_whitespace().collect();
    let mut cut = words.len();
    while cut > 1 && is_particle(words[cut - 1]) {
        cut -= 1;
    }
    (words[cut..].join(" "), words[..cut].join(" "))
}

/// The publications of one family name written with one first given name.
#[derive(Debug, Clone)]
struct Given {
    /// [`first_given`] of the written given names.
    first: Option<(String, bool)>,
    /// Publications, ascending (a publication may repeat).
    publications: Vec<u32>,
}

/// Folded family name → its author slots (authors, editors, promotors, copromotors),
/// grouped by folded first given name, so a lookup compares first names once per distinct
/// spelling rather than once per paper ("de Vries" may sit on a tenth of a bibliography).
#[derive(Debug, Default)]
pub struct AuthorIndex {
    by_family: HashMap<String, Vec<Given>>,
    /// One-deletion variants of family keys (length ≥ 5) → keys, for typo matching.
    deletions: HashMap<String, Vec<String>>,
}

/// A publication matched to a written name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NameHit {
    /// Publication index.
    pub publication: u32,
    /// Confidence of the match.
    pub confidence: f32,
}

fn all_names(p: &Publication) -> impl Iterator<Item = &Name> {
    p.authors
        .iter()
        .chain(&p.editors)
        .chain(&p.promotors)
        .chain(&p.copromotors)
}

fn deletions_of(key: &str) -> Vec<String> {
    let chars: Vec<char> = key.chars().collect();
    (0..chars.len())
        .map(|i| {
            chars
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, c)| *c)
                .collect()
        })
        .collect()
}

impl AuthorIndex {
    /// Indexes every name on every publication.
    pub fn build(publications: &[Publication]) -> AuthorIndex {
        let mut index = AuthorIndex::default();
        // (family key, raw given) → (family key, first given) memo: names repeat a lot.
        let mut groups: HashMap<String, HashMap<Option<(String, bool)>, usize>> = HashMap::new();
        let mut firsts: HashMap<String, Option<(String, bool)>> = HashMap::new();
        for (i, p) in publications.iter().enumerate() {
            for name in all_names(p) {
                let family = if name.particle.is_empty() {
                    name.family.clone()
                } else {
                    format!("{} {}", name.particle, name.family)
                };
                let key = family_key(&family);
                if key.is_empty() {
                    continue;
                }
                let first = match firsts.get(&name.given) {
                    Some(f) => f.clone(),
                    None => {
                        let f = first_given(&name.given);
                        firsts.insert(name.given.clone(), f.clone());
                        f
                    }
                };
                let list = index.by_family.entry(key.clone()).or_default();
                let slot = groups.entry(key).or_default();
                let at = *slot.entry(first.clone()).or_insert_with(|| {
                    list.push(Given {
                        first,
                        publications: Vec::new(),
                    });
                    list.len() - 1
                });
                list[at].publications.push(i as u32);
            }
        }
        for key in index.by_family.keys() {
            if key.len() >= 5 {
                for d in deletions_of(key) {
                    index.deletions.entry(d).or_default().push(key.clone());
                }
            }
        }
        for keys in index.deletions.values_mut() {
            keys.sort();
            keys.dedup();
        }
        index
    }

    /// Publications on which `name` appears, best confidence per publication, sorted by
    /// publication. Falls back to family names one typo away (first names spelled out on
    /// both sides and equal) when the exact family name matches nothing.
    pub fn lookup(&self, name: &WrittenName) -> Vec<NameHit> {
        let mut best: Vec<(u32, f32)> = Vec::new();
        for (i, (given, family)) in name.readings.iter().enumerate() {
            let scale = if i == 0 { 1.0 } else { ALTERNATE_READING };
            self.collect(&family_key(family), given, scale, &mut best);
        }
        if best.is_empty() {
            for (given, family) in &name.readings {
                let key = family_key(family);
                if key.len() < 5 || first_given(given).is_none_or(|(_, initial)| initial) {
                    continue;
                }
                for near in self.near_keys(&key) {
                    self.collect(&near, given, TYPO, &mut best);
                }
            }
        }
        // Best confidence per publication.
        best.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
        best.dedup_by_key(|h| h.0);
        best.into_iter()
            .map(|(publication, confidence)| NameHit {
                publication,
                confidence,
            })
            .collect()
    }

    fn collect(&self, key: &str, given: &str, scale: f32, best: &mut Vec<(u32, f32)>) {
        let Some(groups) = self.by_family.get(key) else {
            return;
        };
        let query = first_given(given);
        for group in groups {
            let Some(c) = agreement(query.as_ref(), group.first.as_ref()) else {
                continue;
            };
            // A typo match needs the first names written out and equal.
            if scale <= TYPO && c < FULL_NAME {
                continue;
            }
            let c = c * scale;
            best.extend(group.publications.iter().map(|&p| (p, c)));
        }
    }

    /// Indexed family keys within one insertion, deletion or substitution of `key`.
    fn near_keys(&self, key: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut probes = deletions_of(key);
        probes.push(key.to_string());
        for probe in &probes {
            if let Some(keys) = self.deletions.get(probe) {
                out.extend(keys.iter().cloned());
            }
            if self.by_family.contains_key(probe) {
                out.push(probe.clone());
            }
        }
        out.sort();
        out.dedup();
        out.retain(|k| k != key && strsim::levenshtein(k, key) <= 1);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pubs(authors: &[&[(&str, &str, &str)]]) -> Vec<Publication> {
        authors
            .iter()
            .map(|list| Publication {
                authors: list
                    .iter()
                    .map(|(given, particle, family)| Name {
                        given: given.to_string(),
                        particle: particle.to_string(),
                        family: family.to_string(),
                        ..Name::default()
                    })
                    .collect(),
                ..Publication::default()
            })
            .collect()
    }

    fn found(index: &AuthorIndex, name: &str) -> Vec<u32> {
        index
            .lookup(&WrittenName::parse(name))
            .into_iter()
            .map(|h| h.publication)
            .collect()
    }

    #[test]
    fn particles_initials_and_accents_meet() {
        let p = pubs(&[
            &[("J. A. W. M.", "van der", "Laak")],
            &[("Jeroen", "", "van der Laak")],
            &[("Jan", "van der", "Laak")],
            &[("Clara I.", "", "Sánchez")],
        ]);
        let index = AuthorIndex::build(&p);
        assert_eq!(found(&index, "Jeroen van der Laak"), [0, 1]);
        assert_eq!(found(&index, "Laak, Jeroen van der"), [0, 1]);
        assert_eq!(found(&index, "Clarisa Sanchez"), Vec::<u32>::new());
        assert_eq!(found(&index, "Clara Sánchez"), [3]);
    }

    #[test]
    fn double_family_names_and_reversed_order() {
        let p = pubs(&[
            &[("Laura", "", "Jiménez-Gálvez")],
            &[("Weiyi", "", "Xie")],
            &[("Cornelia", "", "Schaefer-Prokop")],
        ]);
        let index = AuthorIndex::build(&p);
        assert_eq!(found(&index, "Laura Jimenez Galvez"), [0]);
        assert_eq!(found(&index, "Xie Weiyi"), [1]);
        assert_eq!(found(&index, "Cornelia Schaefer-Prokop"), [2]);
    }

    #[test]
    fn typos_in_family_names_need_full_first_names() {
        let p = pubs(&[&[("Keelin", "", "Murphy")], &[("K.", "", "Murphy")]]);
        let index = AuthorIndex::build(&p);
        assert_eq!(found(&index, "m Keelin Muprphy"), [0]);
        assert_eq!(found(&index, "Keelin Murphy"), [0, 1]);
    }

    #[test]
    fn different_first_names_do_not_match() {
        let p = pubs(&[&[("Anand", "", "Patel")], &[("A.", "", "Patel")]]);
        let index = AuthorIndex::build(&p);
        let hits = index.lookup(&WrittenName::parse("Ajay Patel"));
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].publication, 1);
        assert_eq!(hits[0].confidence, INITIAL_ONLY);
    }
}
