//! Name folding for matching: accents, LaTeX and case folded, particles set aside, given
//! names split into words and initials.
//!
//! A name becomes a [`NameKey`]: the *core* family tokens (particles stripped, hyphens split:
//! "Van der Laak" → `laak`, "Schaefer-Prokop" → `schaefer prokop`) and the given tokens,
//! each a full word or an initial ("HJ." → `h`, `j`; "Clara I" → `clara`, `i`).

use crate::model::Name;

/// Particles that precede family names ("van der", "de la", "von", "ten"). They are folded
/// away on both sides, so "van der Laak", "Van der Laak" and "Laak, J. van der" agree.
const PARTICLES: [&str; 24] = [
    "van", "von", "der", "den", "de", "del", "della", "dela", "di", "da", "dos", "das", "du", "la",
    "le", "les", "ten", "ter", "te", "het", "t", "op", "zu", "vom",
];

/// True for a particle word (compared folded).
pub fn is_particle(word: &str) -> bool {
    PARTICLES.contains(&word)
}

/// Folds text for comparison: LaTeX accent commands and braces removed, Unicode transliterated
/// to ASCII (deunicode), lowercased, apostrophes dropped, everything else that is not a
/// letter or digit turned into a space.
pub fn fold(text: &str) -> String {
    let mut cleaned = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                // `\'e`, `\"o`, `\v{c}`, `\ss`: drop the command, keep the letter.
                if let Some(&n) = chars.peek() {
                    if "'\"`^~=.uvHckbdr".contains(n) && !n.is_alphanumeric() {
                        chars.next();
                    } else if n.is_ascii_alphabetic() {
                        let mut cmd = String::new();
                        while let Some(&m) = chars.peek() {
                            if m.is_ascii_alphabetic() {
                                cmd.push(m);
                                chars.next();
                            } else {
                                break;
                            }
                        }
                        match cmd.as_str() {
                            "ss" => cleaned.push_str("ss"),
                            "o" | "O" => cleaned.push('o'),
                            "ae" | "AE" => cleaned.push_str("ae"),
                            "oe" | "OE" => cleaned.push_str("oe"),
                            "aa" | "AA" => cleaned.push('a'),
                            "l" | "L" => cleaned.push('l'),
                            "i" => cleaned.push('i'),
                            _ => {}
                        }
                    }
                }
            }
            '{' | '}' | '\'' | '\u{2019}' | '`' => {}
            _ => cleaned.push(c),
        }
    }
    let ascii = deunicode::deunicode(&cleaned).to_lowercase();
    let mut out = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out.trim().to_string()
}

/// One given-name token.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Given {
    /// Folded text: a word (`clara`) or one letter.
    pub text: String,
    /// True for a written-out name, false for an initial.
    pub full: bool,
}

impl Given {
    /// The first letter.
    pub fn initial(&self) -> char {
        self.text.chars().next().unwrap_or(' ')
    }
}

/// A name prepared for matching.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NameKey {
    /// Given tokens in order.
    pub given: Vec<Given>,
    /// Core family tokens (particles stripped, hyphenated parts split).
    pub surname: Vec<String>,
}

impl NameKey {
    /// Prepares a structured name. Trailing lowercase particles in the given part
    /// ("Laak, J. van der") move to the family part.
    pub fn from_name(name: &Name) -> NameKey {
        let (given, trailing) = given_tokens(&name.given);
        let family = format!("{} {} {}", trailing.join(" "), name.particle, name.family);
        NameKey {
            given,
            surname: core_surname(&fold(&family)),
        }
    }

    /// Parses a name as written on a page or in the config: "Family, Given" or
    /// "Given [particles] Family" ("Clara I Sánchez", "J. A. W. M. van der Laak").
    pub fn parse(text: &str) -> NameKey {
        NameKey::from_name(&split_plain_name(text))
    }

    /// The core family name, tokens joined by one space (`schaefer prokop`).
    pub fn surname_key(&self) -> String {
        self.surname.join(" ")
    }

    /// Readings in which trailing written-out given words belong to the family name:
    /// "Bejnordi, Babak Ehteshami" is also (Babak, Ehteshami Bejnordi).
    pub fn alternates(&self) -> Vec<NameKey> {
        let mut out = Vec::new();
        let mut given = self.given.clone();
        let mut surname = self.surname.clone();
        while given.len() > 1 && given.last().is_some_and(|g| g.full) {
            if let Some(g) = given.pop() {
                surname.insert(0, g.text);
            }
            out.push(NameKey {
                given: given.clone(),
                surname: surname.clone(),
            });
        }
        out
    }

    /// The folded full name, "clara i sanchez", for equality between people.
    pub fn full_key(&self) -> String {
        let mut parts: Vec<&str> = self.given.iter().map(|g| g.text.as_str()).collect();
        parts.extend(self.surname.iter().map(String::as_str));
        parts.join(" ")
    }

    /// The first written-out given name, when there is one.
    pub fn first_name(&self) -> Option<&str> {
        self.given
            .first()
            .filter(|g| g.full)
            .map(|g| g.text.as_str())
    }
}

/// Strips leading particles from folded family tokens, keeping at least one token.
fn core_surname(folded: &str) -> Vec<String> {
    // A stray `and` ("and and" in author lists) is never part of a name.
    let mut tokens: Vec<&str> = folded
        .split(' ')
        .filter(|t| !t.is_empty() && *t != "and")
        .collect();
    while tokens.len() > 1 && is_particle(tokens[0]) {
        tokens.remove(0);
    }
    tokens.into_iter().map(String::from).collect()
}

/// Given tokens, and the lowercase particles that ended the given part.
fn given_tokens(given: &str) -> (Vec<Given>, Vec<String>) {
    let no_lowercase = !given.chars().any(char::is_lowercase);
    let mut words: Vec<&str> = given
        .split([' ', '.', '~', '-', '\u{a0}'])
        .filter(|w| !w.is_empty())
        .collect();
    let mut trailing = Vec::new();
    while let Some(last) = words.last() {
        let starts_lower = last.chars().next().is_some_and(char::is_lowercase);
        if words.len() > 1 && starts_lower && is_particle(&fold(last)) {
            trailing.insert(0, fold(last));
            words.pop();
        } else {
            break;
        }
    }
    let mut out = Vec::new();
    for word in words {
        if word.eq_ignore_ascii_case("and") {
            continue;
        }
        let letters: Vec<char> = word.chars().filter(|c| c.is_alphanumeric()).collect();
        let upper = letters.iter().all(|c| c.is_uppercase());
        // "HJ", "CM", "JAWM": run-together initials, when the given part has no lowercase.
        // "Cm", "Hj": too short and without a vowel to be a name, so initials too.
        let no_vowel = letters.iter().all(|c| !"aeiouyAEIOUY".contains(*c));
        let run_together = upper && no_lowercase && (2..=4).contains(&letters.len());
        if run_together || (no_vowel && (2..=3).contains(&letters.len())) {
            for c in letters {
                let f = fold(&c.to_string());
                if !f.is_empty() {
                    out.push(Given {
                        text: f,
                        full: false,
                    });
                }
            }
            continue;
        }
        for part in fold(word).split(' ').filter(|p| !p.is_empty()) {
            out.push(Given {
                full: part.len() > 1,
                text: part.to_string(),
            });
        }
    }
    (out, trailing)
}

/// Splits "Family, Given", "Family, Jr, Given" or "Given [particles] Family" into a [`Name`].
pub fn split_plain_name(text: &str) -> Name {
    let text = text.trim();
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    match parts.as_slice() {
        [family, given] => Name {
            given: given.to_string(),
            family: family.to_string(),
            ..Name::default()
        },
        [family, suffix, given, ..] => Name {
            given: given.to_string(),
            family: family.to_string(),
            suffix: suffix.to_string(),
            ..Name::default()
        },
        _ => {
            let words: Vec<&str> = text.split_whitespace().collect();
            if words.len() < 2 {
                return Name {
                    family: text.to_string(),
                    ..Name::default()
                };
            }
            // The family name is the last word plus the particles right before it.
            let mut start = words.len() - 1;
            while start > 1 && is_particle(&fold(words[start - 1])) {
                start -= 1;
            }
            Name {
                given: words[..start].join(" "),
                family: words[start..].join(" "),
                ..Name::default()
            }
        }
    }
}

/// Splits a list of names as written in a field: on ` and ` (any case, repeated `and and`
/// too), and on commas when the comma-separated parts are whole names in "Initials Family"
/// order ("R. Mann, A. Gubern Mérida, J. Teuwen"), as thesis promotor fields often are.
/// "van der Laak, Jeroen A." and "López, Marga I." stay one name.
pub fn split_name_list(text: &str) -> Vec<Name> {
    use std::sync::LazyLock;
    static AND: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"(?i)(?:^|\s+)and(?:\s+and)*\s+").expect("static regex")
    });
    let mut out = Vec::new();
    for chunk in AND.split(text.trim()) {
        let chunk = chunk.trim();
        if chunk.is_empty() {
            continue;
        }
        let parts: Vec<&str> = chunk.split(',').map(str::trim).collect();
        let whole = |p: &&str| is_whole_name(p);
        let initial_first = |p: &&str| p.split_whitespace().next().is_some_and(is_initials);
        let list = parts.iter().all(whole)
            && (parts.len() > 2 || (parts.len() == 2 && parts.iter().all(initial_first)));
        if list {
            out.extend(parts.iter().map(|p| split_plain_name(p)));
        } else {
            out.push(split_plain_name(chunk));
        }
    }
    out
}

/// "C.", "J.A.W.M.", "CM": a word of initials.
fn is_initials(word: &str) -> bool {
    let letters: Vec<char> = word.chars().filter(|c| *c != '.' && *c != '-').collect();
    !letters.is_empty()
        && letters.len() <= 4
        && letters.iter().all(|c| c.is_uppercase())
        && (word.contains('.') || letters.len() == 1)
}

/// A name in "Given Family" order: two words or more, not starting with a particle, not
/// ending with initials.
fn is_whole_name(part: &str) -> bool {
    let words: Vec<&str> = part.split_whitespace().collect();
    words.len() >= 2
        && !words[0].chars().next().is_some_and(char::is_lowercase)
        && !words.last().is_some_and(|w| is_initials(w))
}

/// How well two given-name lists agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum GivenMatch {
    /// Only initials agree (one side gives an initial).
    Initials,
    /// The first names are written out on both sides and equal.
    Full,
}

/// Compares the given names of a paper's name with a person's. The first tokens must agree
/// (equal words, or an initial against a word or initial); later tokens present on both sides
/// must agree too ("Clara I" never matches "C. M."). Extra tokens on one side are fine: pages
/// rarely list middle names. `None` when they disagree or either side is empty.
pub fn given_match(paper: &[Given], person: &[Given]) -> Option<GivenMatch> {
    let (p0, q0) = (paper.first()?, person.first()?);
    let (level, skip_paper, skip_person) = if p0.full && q0.full {
        if p0.text == q0.text {
            (GivenMatch::Full, 1, 1)
        } else if joined(paper, 2) == q0.text {
            (GivenMatch::Full, 2, 1)
        } else if joined(person, 2) == p0.text {
            (GivenMatch::Full, 1, 2)
        } else {
            return None;
        }
    } else if p0.initial() == q0.initial() {
        (GivenMatch::Initials, 1, 1)
    } else {
        return None;
    };
    for (a, b) in paper[skip_paper..].iter().zip(&person[skip_person..]) {
        let agree = if a.full && b.full {
            a.text == b.text
        } else {
            a.initial() == b.initial()
        };
        if !agree {
            return None;
        }
    }
    Some(level)
}

/// The first `n` tokens concatenated when they are all written out ("henk" + "jan").
fn joined(tokens: &[Given], n: usize) -> String {
    if tokens.len() < n || !tokens[..n].iter().all(|g| g.full) {
        return String::new();
    }
    tokens[..n].iter().map(|g| g.text.as_str()).collect()
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
    fn folding_handles_accents_latex_and_case() {
        assert_eq!(fold("Sánchez"), "sanchez");
        assert_eq!(fold("S{\\'a}nchez"), "sanchez");
        assert_eq!(fold("S\\'anchez"), "sanchez");
        assert_eq!(fold("Schaefer-Prokop"), "schaefer prokop");
        assert_eq!(fold("Pocevičiūtė"), "poceviciute");
        assert_eq!(fold("O'Brien"), "obrien");
    }

    #[test]
    fn particles_agree_in_every_spelling() {
        let a = NameKey::from_name(&name("J. A. W. M.", "van der", "Laak"));
        let b = NameKey::from_name(&name("J.", "", "Van der Laak"));
        let c = NameKey::from_name(&name("J. van der", "", "Laak"));
        let d = NameKey::parse("Jeroen van der Laak");
        for k in [&a, &b, &c, &d] {
            assert_eq!(k.surname_key(), "laak", "{k:?}");
        }
        assert_eq!(c.given.len(), 1);
        let stray = NameKey::from_name(&name("Cornelia M and", "", "and Schaefer-Prokop"));
        assert_eq!(stray.surname_key(), "schaefer prokop");
        assert_eq!(stray.given.len(), 2);
        assert_eq!(d.first_name(), Some("jeroen"));
    }

    #[test]
    fn run_together_initials_split() {
        let k = NameKey::from_name(&name("HJ.", "", "Huisman"));
        assert_eq!(k.given.len(), 2);
        let typo = NameKey::from_name(&name("Cm", "", "Schaefer-Prokop"));
        assert_eq!(typo.given.len(), 2);
        assert!(!typo.given[0].full);
        assert!(!k.given[0].full);
        let p = NameKey::parse("Henkjan Huisman");
        assert_eq!(given_match(&k.given, &p.given), Some(GivenMatch::Initials));
    }

    #[test]
    fn given_names_must_agree() {
        let person = NameKey::parse("Clara I Sánchez");
        let ok = NameKey::from_name(&name("C. I.", "", "Sánchez"));
        let bad = NameKey::from_name(&name("C. M.", "", "Sánchez"));
        let full = NameKey::from_name(&name("Clara I.", "", "S\\'anchez"));
        assert_eq!(
            given_match(&ok.given, &person.given),
            Some(GivenMatch::Initials)
        );
        assert_eq!(given_match(&bad.given, &person.given), None);
        assert_eq!(
            given_match(&full.given, &person.given),
            Some(GivenMatch::Full)
        );
        let anil = NameKey::parse("Anil Patel");
        let ajay = NameKey::parse("Ajay Patel");
        assert_eq!(given_match(&anil.given, &ajay.given), None);
        let henk_jan = NameKey::parse("Henk Jan Huisman");
        let henkjan = NameKey::parse("Henkjan Huisman");
        assert_eq!(
            given_match(&henk_jan.given, &henkjan.given),
            Some(GivenMatch::Full)
        );
    }

    #[test]
    fn double_family_names_have_alternates() {
        let k = NameKey::from_name(&name("Babak Ehteshami", "", "Bejnordi"));
        let alts = k.alternates();
        assert_eq!(alts[0].surname_key(), "ehteshami bejnordi");
        assert_eq!(
            NameKey::parse("Babak Ehteshami-Bejnordi").surname_key(),
            "ehteshami bejnordi"
        );
    }

    #[test]
    fn comma_lists_of_promotors_split() {
        let names = split_name_list("R. Mann, A. Gubern M\u{e9}rida, J. Teuwen");
        assert_eq!(names.len(), 3);
        assert_eq!(names[1].family, "M\u{e9}rida");
        let names = split_name_list("van Ginneken, Bram and N. Karssemeijer");
        assert_eq!(names.len(), 2);
        assert_eq!(names[0].given, "Bram");
        let names = split_name_list("R. Mann, J. Teuwen");
        assert_eq!(names.len(), 2);
        for one in [
            "van der Laak, Jeroen A.",
            "L\u{f3}pez, Marga I.",
            "Ehteshami Bejnordi, Babak",
        ] {
            assert_eq!(split_name_list(one).len(), 1, "{one}");
        }
        let names = split_name_list("de Wit, Koen and Zwart, Fenna and and L\u{f3}pez, Marga I.");
        assert_eq!(names.len(), 3);
        assert_eq!(names[2].family, "L\u{f3}pez");
    }

    #[test]
    fn plain_names_split() {
        let n = split_plain_name("J. A. W. M. van der Laak");
        assert_eq!(n.family, "van der Laak");
        assert_eq!(n.given, "J. A. W. M.");
        let n = split_plain_name("Laak, J. van der");
        assert_eq!(n.family, "Laak");
    }
}
