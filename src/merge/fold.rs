//! Text folding for comparisons: titles and family names become plain lowercase ASCII words,
//! so that accents, LaTeX leftovers, punctuation and case never decide whether two works match.
//! Folding is for *comparing* only; nothing folded is ever written back.

use std::collections::BTreeSet;

use crate::model::Name;

/// Particles dropped from the front of a family name before comparing
/// ("van Ginneken" and "Ginneken" are the same family name on a paper).
const PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "ten", "ter",
    "t", "dos", "das", "el", "al", "zu", "vom", "het",
];

/// Words too common in titles to say anything about identity.
const STOPWORDS: &[&str] = &[
    "a", "an", "and", "the", "of", "in", "on", "for", "with", "to", "by", "from", "at", "as", "is",
    "are", "using", "via", "its", "or",
];

/// A title folded for comparison: Unicode folded to ASCII, lowercase, every run of
/// non-alphanumerics one space, trimmed.
pub fn title(text: &str) -> String {
    let ascii = deunicode::deunicode(text).to_lowercase();
    let mut out = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with(' ') && !out.is_empty() {
            out.push(' ');
        }
    }
    // PubMed titles end in "." and some carry a trailing bracketed note; both fold away here.
    out.trim_end().to_string()
}

/// The content words of a folded title (stopwords dropped), for fast candidate search.
pub fn title_words(folded: &str) -> BTreeSet<String> {
    folded
        .split(' ')
        .filter(|w| !w.is_empty() && !STOPWORDS.contains(w))
        .map(str::to_string)
        .collect()
}

/// Similarity of two folded titles in 0..=1 (normalized Levenshtein on the folded text).
pub fn title_similarity(a: &str, b: &str) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    strsim::normalized_levenshtein(a, b)
}

/// Dice coefficient of two word sets: a cheap prefilter before [`title_similarity`].
pub fn word_overlap(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let common = a.intersection(b).count();
    2.0 * common as f64 / (a.len() + b.len()) as f64
}

/// A family name folded for comparison: particle and family joined, folded to ASCII letters,
/// leading particles dropped ("van der Laak" → "laak", "Sánchez" → "sanchez",
/// "Schaefer-Prokop" → "schaeferprokop").
pub fn family(name: &Name) -> String {
    let full = if name.particle.is_empty() {
        name.family.clone()
    } else {
        format!("{} {}", name.particle, name.family)
    };
    family_text(&full)
}

/// [`family`] for a bare family-name string.
pub fn family_text(text: &str) -> String {
    let ascii = deunicode::deunicode(text).to_lowercase();
    let words: Vec<String> = ascii
        .split(|c: char| c.is_whitespace() || c == '\'' || c == '~')
        .map(|w| {
            w.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let mut start = 0;
    while start + 1 < words.len() && PARTICLES.contains(&words[start].as_str()) {
        start += 1;
    }
    words[start..].concat()
}

/// True when two folded family names belong to the same person on a paper: equal, or one is
/// the first part of the other's double name ("schaefer" / "schaeferprokop" from a hyphen).
pub fn same_family(a: &str, b: &str) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    a == b || (a.len() >= 4 && b.len() >= 4 && (a.starts_with(b) || b.starts_with(a)))
}

/// The first letter of the given names, folded, when there is one.
pub fn first_initial(name: &Name) -> Option<char> {
    deunicode::deunicode(&name.given)
        .chars()
        .find(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(given: &str, particle: &str, family: &str) -> Name {
        Name {
            given: given.into(),
            particle: particle.into(),
            family: family.into(),
            suffix: String::new(),
        }
    }

    #[test]
    fn titles_fold_case_accents_and_punctuation() {
        assert_eq!(
            title("Computer-aided detection: {CAD4TB} v6 in Ümeå."),
            "computer aided detection cad4tb v6 in umea"
        );
        let a = title("Deep learning for chest radiographs.");
        let b = title("Deep Learning for Chest Radiographs");
        assert_eq!(title_similarity(&a, &b), 1.0);
        assert!(title_similarity(&a, &title("Lung nodules in CT")) < 0.5);
    }

    #[test]
    fn family_names_fold_particles_and_accents() {
        assert_eq!(family(&name("Bram", "van", "Ginneken")), "ginneken");
        assert_eq!(family(&name("Bram", "", "van Ginneken")), "ginneken");
        assert_eq!(family(&name("Clara I.", "", "Sánchez")), "sanchez");
        assert_eq!(family(&name("C.", "", "Schaefer-Prokop")), "schaeferprokop");
        assert!(same_family("schaeferprokop", "schaefer"));
        assert!(!same_family("sanchez", "murphy"));
        assert_eq!(first_initial(&name("Élodie", "", "X")), Some('e'));
    }

    #[test]
    fn word_overlap_ignores_stopwords() {
        let a = title_words(&title("The detection of nodules"));
        let b = title_words(&title("Detection of the nodules"));
        assert_eq!(word_overlap(&a, &b), 1.0);
    }
}
