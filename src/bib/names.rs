//! Name lists → structured [`Name`]s, by BibTeX's rules.
//!
//! A list splits on ` and ` at brace depth 0, in any case (` AND `); empty names (`and and`)
//! are skipped. Each name is "First von Last", "von Last, First" or "von Last, Jr, First";
//! the *von* part is the run of words starting with a lowercase letter. Braced groups are
//! never split (`{World Health Organization}` is one family name). A capitalised Dutch or
//! German particle before the last word ("L. J. Van Erning") is also taken as a particle.
//! Parts are decoded from LaTeX to Unicode after splitting, so `{\"O}zt{\"u}rk` stays whole.

use super::latex::to_unicode;
use crate::model::Name;

/// Parses a name list (`A and B AND C`), LaTeX or Unicode; empty names are skipped.
pub fn parse_names(list: &str) -> Vec<Name> {
    split_list(list)
        .into_iter()
        .filter(|n| !n.trim().is_empty())
        .map(parse_name)
        .filter(|n| !(n.family.is_empty() && n.given.is_empty()))
        .collect()
}

/// Number of empty names in a list (`A and and B` and `A and ~ and B` have one).
pub fn count_empty(list: &str) -> usize {
    let parts = split_list(list);
    if parts.len() == 1 {
        return 0;
    }
    parts.iter().filter(|p| is_blank(p)).count()
}

/// True for a name that is only spaces and ties (`~`).
fn is_blank(name: &str) -> bool {
    name.chars().all(|c| c.is_whitespace() || c == '~')
}

/// Splits a list at ` and ` (any case) outside braces.
fn split_list(list: &str) -> Vec<&str> {
    let bytes = list.as_bytes();
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => depth -= 1,
            b if depth == 0 && b.is_ascii_whitespace() => {
                // whitespace "and" whitespace
                let mut j = i + 1;
                if bytes.len() >= j + 3
                    && bytes[j..j + 3].eq_ignore_ascii_case(b"and")
                    && bytes.get(j + 3).is_some_and(|c| c.is_ascii_whitespace())
                {
                    parts.push(&list[start..i]);
                    j += 3;
                    start = j;
                    i = j;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(&list[start..]);
    // "and" at the very start or end of the list is an empty name too.
    parts
        .into_iter()
        .map(|p| {
            let t = p.trim();
            if t.eq_ignore_ascii_case("and") {
                ""
            } else {
                t
            }
        })
        .collect()
}

/// Parses one name ("Given von Family", "von Family, Given" or "von Family, Jr, Given").
pub fn parse_name(name: &str) -> Name {
    let mut commas = split_top(name, |b| b == b',');
    // A trailing comma ("Pastorino, E,") adds no part.
    while commas.len() > 1 && commas.last().is_some_and(|c| c.is_empty()) {
        commas.pop();
    }
    let words_of = |s: &str| -> Vec<String> {
        split_top(s, |b| b.is_ascii_whitespace() || b == b'~')
            .into_iter()
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (first, von_last, jr) = match commas.len() {
        1 => {
            let words = words_of(commas[0]);
            if words.is_empty() {
                // An empty or blank name ("", " ", "~"): nothing to split.
                return Name::default();
            }
            if words.len() == 1 {
                return Name {
                    family: decode_word(&words[0]),
                    ..Name::default()
                };
            }
            // von starts at the first lowercase word that is not the last word.
            let n = words.len();
            let von_start = words[..n - 1].iter().position(|w| is_lower(w));
            let split = match von_start {
                Some(v) => v,
                None => {
                    // Capitalised particles before the last word ("Van Erning", "De Vries").
                    let mut s = n - 1;
                    while s > 1 && is_particle(&words[s - 1]) {
                        s -= 1;
                    }
                    s
                }
            };
            (words[..split].to_vec(), words[split..].to_vec(), Vec::new())
        }
        2 => (words_of(commas[1]), words_of(commas[0]), Vec::new()),
        _ => (
            words_of(&commas[2..].join(",")),
            words_of(commas[0]),
            words_of(commas[1]),
        ),
    };
    let (particle, family) = split_von_last(&von_last, commas.len() == 1);
    if particle.is_empty() && family.len() == 1 {
        if let Some((p, f)) = braced_particle(&family[0]) {
            return Name {
                given: join_decoded(&first),
                particle: p,
                family: f,
                suffix: join_decoded(&jr),
            };
        }
    }
    Name {
        given: join_decoded(&first),
        particle: join_decoded(particle),
        family: join_decoded(family),
        suffix: join_decoded(&jr),
    }
}

/// Splits "von Last" words: von is everything up to the last lowercase (or particle) word,
/// but the last word is always the family name.
fn split_von_last(words: &[String], capital_particles: bool) -> (&[String], &[String]) {
    if words.len() <= 1 {
        return (&[], words);
    }
    let n = words.len();
    let last_von = words[..n - 1]
        .iter()
        .rposition(|w| is_lower(w) || (capital_particles && is_particle(w)));
    match last_von {
        Some(v) => (&words[..=v], &words[v + 1..]),
        None => {
            // "Van Erning, L." — capitalised particles at the front of the family name.
            let lead = words[..n - 1].iter().take_while(|w| is_particle(w)).count();
            if lead > 0 && !capital_particles {
                (&words[..lead], &words[lead..])
            } else {
                (&[], words)
            }
        }
    }
}

/// `{van der Laak}`: a braced family name that starts with lowercase particles gives them up,
/// so the same person reads the same with and without the braces.
fn braced_particle(word: &str) -> Option<(String, String)> {
    let inner = word.strip_prefix('{')?.strip_suffix('}')?;
    if inner.contains(['{', '}']) {
        return None;
    }
    let words: Vec<&str> = inner.split_whitespace().collect();
    let lead = words.iter().take_while(|w| is_lower(w)).count();
    if lead == 0 || lead == words.len() {
        return None;
    }
    Some((
        decode_word(&words[..lead].join(" ")),
        decode_word(&words[lead..].join(" ")),
    ))
}

fn join_decoded(words: &[String]) -> String {
    let joined = words.join(" ");
    decode_word(&joined)
}

fn decode_word(w: &str) -> String {
    to_unicode(w).replace('\u{a0}', " ")
}

/// Splits at depth-0 bytes matching `sep`.
fn split_top(s: &str, sep: impl Fn(u8) -> bool) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        match b {
            b'{' => depth += 1,
            b'}' => depth -= 1,
            _ if depth == 0 && sep(b) => {
                parts.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(s[start..].trim());
    parts
}

/// BibTeX's case of a word: the first letter at depth 0, or inside a special character
/// (`{\"u}ber` is lowercase); a word starting with a plain brace group has no case.
fn is_lower(word: &str) -> bool {
    let bytes = word.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'{' {
            // A special character: `{\` …
            if bytes.get(i + 1) == Some(&b'\\') {
                let decoded = to_unicode(&word[i..]);
                return decoded
                    .chars()
                    .find(|c| c.is_alphabetic())
                    .is_some_and(char::is_lowercase);
            }
            return false;
        }
        if b == b'\\' {
            let decoded = to_unicode(&word[i..]);
            return decoded
                .chars()
                .find(|c| c.is_alphabetic())
                .is_some_and(char::is_lowercase);
        }
        if b.is_ascii_alphabetic() {
            return b.is_ascii_lowercase();
        }
        if b >= 0x80 {
            return word[i..].chars().next().is_some_and(char::is_lowercase);
        }
        i += 1;
    }
    false
}

/// Capitalised particles that BibTeX would file under the given names.
fn is_particle(word: &str) -> bool {
    matches!(
        word.to_ascii_lowercase().as_str(),
        "van"
            | "von"
            | "der"
            | "den"
            | "de"
            | "ter"
            | "ten"
            | "te"
            | "het"
            | "'t"
            | "la"
            | "le"
            | "du"
            | "da"
            | "dos"
            | "das"
            | "di"
            | "del"
            | "della"
            | "des"
            | "zu"
            | "vom"
            | "op"
            | "in"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_names_are_empty_not_a_panic() {
        // Found by the property test `props::name_parsing_never_panics_on_any_text`.
        for blank in ["", " ", "~", "\t", ",", " , "] {
            assert_eq!(parse_name(blank).family, "", "{blank:?}");
        }
    }

    fn n(given: &str, particle: &str, family: &str) -> Name {
        Name {
            given: given.into(),
            particle: particle.into(),
            family: family.into(),
            suffix: String::new(),
        }
    }

    #[test]
    fn both_orders() {
        assert_eq!(parse_name("Abásolo, Daniel"), n("Daniel", "", "Abásolo"));
        assert_eq!(
            parse_name(r"Daniel Ab{\'a}solo"),
            n("Daniel", "", "Abásolo")
        );
        assert_eq!(
            parse_name("van der Laak, Jeroen A. W. M."),
            n("Jeroen A. W. M.", "van der", "Laak")
        );
        assert_eq!(
            parse_name("Jeroen van der Laak"),
            n("Jeroen", "van der", "Laak")
        );
        assert_eq!(parse_name("L. J. Van Erning"), n("L. J.", "Van", "Erning"));
        assert_eq!(parse_name("Van Erning, L. J."), n("L. J.", "Van", "Erning"));
    }

    #[test]
    fn suffix_and_corporate() {
        let name = parse_name("King, Jr, Martin L.");
        assert_eq!(name.suffix, "Jr");
        assert_eq!(name.family, "King");
        assert_eq!(name.given, "Martin L.");
        let corp = parse_name("{World Health Organization}");
        assert_eq!(corp.family, "World Health Organization");
        assert_eq!(corp.given, "");
        assert_eq!(parse_name("Pastorino, E,"), n("E", "", "Pastorino"));
        assert_eq!(
            parse_name("Jeroen {van der Laak}"),
            n("Jeroen", "van der", "Laak")
        );
        assert_eq!(
            parse_name("Christina {Hulsbergen-van de Kaa}"),
            n("Christina", "", "Hulsbergen-van de Kaa")
        );
    }

    #[test]
    fn lists_with_dirt() {
        let names = parse_names("Smith, J. AND Doe, A. and and  {\\\"O}zt{\\\"u}rk, B.");
        let families: Vec<&str> = names.iter().map(|n| n.family.as_str()).collect();
        assert_eq!(families, ["Smith", "Doe", "Öztürk"]);
        assert_eq!(count_empty("A and and B"), 1);
        assert_eq!(count_empty("A and B"), 0);
        assert_eq!(parse_names("{Barnes and Noble} and X, Y").len(), 2);
    }

    #[test]
    fn special_character_case() {
        assert_eq!(parse_name(r"Jean {\'e}t{\'e} Dupont").particle, "été");
        assert_eq!(parse_name(r"{\'E}mile Zola").family, "Zola");
    }
}
