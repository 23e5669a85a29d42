//! Clean, normalized BibTeX out.
//!
//! One entry per [`Publication`]: macros expanded, names as "von Last, Jr, First", the title
//! with its case protection, every other field kept, in a fixed order (the usual fields first,
//! then the rest alphabetically), two-space indent, `{…}` values. Output loads back with the
//! same keys, titles and names.

use std::fmt::Write as _;

use super::normalize::VERBATIM_FIELDS;
use crate::model::{Kind, Name, Publication};

/// The usual fields, in the order they are written.
const ORDER: &[&str] = &[
    "author",
    "editor",
    "title",
    "journal",
    "booktitle",
    "school",
    "institution",
    "publisher",
    "address",
    "edition",
    "series",
    "year",
    "month",
    "volume",
    "number",
    "issue",
    "pages",
    "doi",
    "url",
    "eprint",
    "archiveprefix",
    "pmid",
    "pmcid",
    "abstract",
    "keywords",
    "promotor",
    "copromotor",
];

/// Writes a whole bibliography, entries separated by blank lines.
pub fn to_bibtex<'a>(publications: impl IntoIterator<Item = &'a Publication>) -> String {
    let mut out = String::new();
    for (i, p) in publications.into_iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&entry_to_bibtex(p));
    }
    out
}

/// Writes one entry as clean BibTeX, ending with a newline.
pub fn entry_to_bibtex(p: &Publication) -> String {
    let entry_type = match p.entry_type.as_str() {
        "" => p.kind.map_or("misc", |k| match k {
            Kind::InProceedings => "inproceedings",
            Kind::Chapter => "incollection",
            Kind::Preprint => "article",
            other => other.as_str(),
        }),
        "conference" => "inproceedings",
        t => t,
    };
    let mut fields: Vec<(&str, String)> = Vec::new();
    for (role, names) in [
        ("author", &p.authors),
        ("editor", &p.editors),
        ("promotor", &p.promotors),
        ("copromotor", &p.copromotors),
    ] {
        if !names.is_empty() {
            fields.push((
                role,
                names
                    .iter()
                    .map(name_to_bibtex)
                    .collect::<Vec<_>>()
                    .join(" and "),
            ));
        }
    }
    if !p.title.is_empty() || !p.title_markup.is_empty() {
        let title = if balanced(&p.title_markup) && !p.title_markup.is_empty() {
            escape(&p.title_markup, true)
        } else {
            escape(&p.title, false)
        };
        fields.push(("title", title));
    }
    for (name, value) in &p.fields {
        let name = name.as_str();
        if matches!(
            name,
            "author" | "editor" | "promotor" | "copromotor" | "title"
        ) || value.is_empty()
        {
            continue;
        }
        let value = if name == "doi" {
            p.ids
                .doi
                .as_ref()
                .map_or_else(|| value.clone(), |d| d.as_str().to_string())
        } else if VERBATIM_FIELDS.contains(&name) {
            if balanced(value) {
                value.clone()
            } else {
                value.replace(['{', '}'], "")
            }
        } else if name == "pages" {
            escape(&value.replace('–', "--"), false)
        } else {
            escape(value, false)
        };
        fields.push((name, value));
    }
    fields.sort_by_key(|(name, _)| {
        (
            ORDER.iter().position(|o| o == name).unwrap_or(ORDER.len()),
            *name,
        )
    });
    let mut out = format!("@{entry_type}{{{},\n", p.key);
    for (name, value) in fields {
        let _ = writeln!(out, "  {name} = {{{value}}},");
    }
    out.push_str("}\n");
    out
}

/// "von Last, Jr, First", with braces where BibTeX would otherwise split wrongly.
pub fn name_to_bibtex(n: &Name) -> String {
    let mut family = escape(&n.family, false);
    // Several words, a comma or a lowercase start would be split or read as a particle.
    if family.contains([' ', ',']) || family.starts_with(|c: char| c.is_lowercase()) {
        family = format!("{{{family}}}");
    }
    let mut s = String::new();
    if !n.particle.is_empty() {
        s.push_str(&escape(&n.particle, false));
        s.push(' ');
    }
    s.push_str(&family);
    if !n.suffix.is_empty() {
        s.push_str(", ");
        s.push_str(&escape(&n.suffix, false));
    }
    if !n.given.is_empty() {
        s.push_str(", ");
        s.push_str(&escape(&n.given, false));
    }
    s
}

/// True when braces nest properly.
fn balanced(s: &str) -> bool {
    let mut depth = 0i64;
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// Escapes plain Unicode for a BibTeX value. With `markup`, braces and backslash commands
/// are kept as they are (they are the markup).
fn escape(s: &str, markup: bool) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' | '%' | '$' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '{' | '}' if !markup => {
                out.push('\\');
                out.push(c);
            }
            '\\' if !markup => out.push_str("\\textbackslash{}"),
            '~' => out.push_str("\\textasciitilde{}"),
            '\u{a0}' => out.push('~'),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_bibtex_form() {
        use crate::bib::names::parse_name;
        for text in [
            "van der Laak, Jeroen",
            "Abásolo, Daniel",
            "King, Jr, Martin",
            "{World Health Organization}",
            "Van Erning, L. J.",
            "Christina {Hulsbergen-van de Kaa}",
            "Cruz Garcia, Marie",
            "de la Cruz Garcia, Marie",
        ] {
            let n = parse_name(text);
            assert_eq!(parse_name(&name_to_bibtex(&n)), n, "{text}");
        }
    }

    #[test]
    fn escapes_specials_and_keeps_markup() {
        assert_eq!(escape("50% & $5 #1 a_b", false), r"50\% \& \$5 \#1 a\_b");
        assert_eq!(escape(r"{EEG} \emph{x} & y", true), r"{EEG} \emph{x} \& y");
        assert!(!balanced("a}b{"));
    }
}
