//! Bib keys for new entries in the house style: `Abcd19`, then `Abcd19a`, `Abcd19b`…
//!
//! The template is configurable (`[discover] key_template`): `{Auth4}` is the first four
//! letters of the first author's family name (accents folded, particles dropped, capitalised),
//! `{auth4}`/`{AUTH4}` the same in lower/upper case, `{Author}` the whole folded family name,
//! `{yy}` the 2-digit year and `{yyyy}` the 4-digit year. A suffix `a`, `b`, … is appended
//! when the key is taken in any bib file (case-insensitively).

use std::collections::HashSet;

use crate::merge::fold;
use crate::model::Name;

/// The DIAG house style.
pub const DEFAULT_TEMPLATE: &str = "{Auth4}{yy}";

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The key the template gives, before any suffix.
pub fn base_key(template: &str, first_author: Option<&Name>, year: Option<i32>) -> String {
    let family = first_author.map(fold::family).unwrap_or_default();
    let family = if family.is_empty() {
        "anon".to_string()
    } else {
        family
    };
    let four: String = family.chars().take(4).collect();
    let year = year.unwrap_or(0).rem_euclid(10000);
    template
        .replace("{Auth4}", &capitalise(&four))
        .replace("{auth4}", &four)
        .replace("{AUTH4}", &four.to_uppercase())
        .replace("{Author}", &capitalise(&family))
        .replace("{yyyy}", &format!("{year:04}"))
        .replace("{yy}", &format!("{:02}", year % 100))
}

/// Keys already in use, compared case-insensitively, plus the ones handed out.
#[derive(Debug, Clone, Default)]
pub struct KeyAllocator {
    taken: HashSet<String>,
}

impl KeyAllocator {
    /// Starts from the keys of every bib file.
    pub fn new<'a>(existing: impl IntoIterator<Item = &'a str>) -> Self {
        KeyAllocator {
            taken: existing.into_iter().map(str::to_lowercase).collect(),
        }
    }

    /// A fresh key: the base key, else with the first free suffix `a`…`z`, `aa`….
    pub fn allocate(&mut self, base: &str) -> String {
        let mut n = 0usize;
        loop {
            let key = if n == 0 {
                base.to_string()
            } else {
                format!("{base}{}", suffix(n))
            };
            if self.taken.insert(key.to_lowercase()) {
                return key;
            }
            n += 1;
        }
    }
}

/// 1 → `a`, 26 → `z`, 27 → `aa`.
fn suffix(mut n: usize) -> String {
    let mut s = Vec::new();
    while n > 0 {
        n -= 1;
        s.push(b'a' + (n % 26) as u8);
        n /= 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn house_style_keys_with_suffixes() {
        let n = Name {
            given: "Clara".into(),
            family: "Sánchez".into(),
            ..Name::default()
        };
        assert_eq!(base_key(DEFAULT_TEMPLATE, Some(&n), Some(2006)), "Sanc06");
        let vg = Name {
            given: "Bram".into(),
            particle: "van".into(),
            family: "Ginneken".into(),
            ..Name::default()
        };
        assert_eq!(base_key(DEFAULT_TEMPLATE, Some(&vg), Some(2000)), "Ginn00");
        assert_eq!(base_key("{auth4}{yyyy}", Some(&vg), Some(2000)), "ginn2000");
        let mut keys = KeyAllocator::new(["Sanc06", "sanc06a"]);
        assert_eq!(keys.allocate("Sanc06"), "Sanc06b");
        assert_eq!(keys.allocate("Sanc06"), "Sanc06c");
        assert_eq!(keys.allocate("Sanc07"), "Sanc07");
        assert_eq!(suffix(27), "aa");
    }
}
