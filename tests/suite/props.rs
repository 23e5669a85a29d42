//! Property tests: the LaTeX decoder and the name parsers never panic, whatever the input,
//! and `enrich --write`'s patcher leaves every entry it does not enrich byte-identical.
//! (The page round trip in all three front-matter formats is in `page_edit`.)

use std::path::PathBuf;

use proptest::prelude::*;
use publist::bib::{self, edit, latex, names};
use publist::merge::enrich::{self, FieldChange};
use publist::merge::provenance::Source;
use publist::model::Service;

/// Text that looks like what bib fields hold: LaTeX commands, accents, braces (balanced or
/// not), math, `and`, commas, non-ASCII.
fn latexish() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "\\'",
        "\\\"",
        "\\^",
        "\\`",
        "\\~",
        "\\=",
        "\\.",
        "\\c",
        "\\v",
        "\\H",
        "\\u",
        "\\k",
        "\\r",
        "\\d",
        "\\b",
        "\\t",
        "\\ss",
        "\\o",
        "\\O",
        "\\l",
        "\\L",
        "\\i",
        "\\j",
        "\\aa",
        "\\AE",
        "\\textbf",
        "\\emph",
        "\\url",
        "\\&",
        "\\%",
        "\\$",
        "\\_",
        "\\\\",
        "\\",
        "{",
        "}",
        "{}",
        "$",
        "$x^2$",
        "~",
        "--",
        "---",
        "``",
        "''",
        " and ",
        ",",
        ", ",
        "a",
        "e",
        "Z",
        "ü",
        "é",
        "😀",
        "\u{0}",
        "\u{301}",
        " ",
        "\n",
        "\r\n",
        "\t",
        "van",
        "de la",
        "Jr.",
        "{\\",
        "\\{",
        "\\}",
        "\\mathrm{",
        "\\ensuremath",
        "%",
        "#",
        "@",
        "=",
        "\"",
    ]);
    prop::collection::vec(atoms, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn latex_decoding_never_panics_on_any_text(s in any::<String>()) {
        let _ = latex::to_unicode(&s);
        let _ = latex::to_markup(&s);
        let _ = latex::verbatim(&s);
        let _ = latex::find_mojibake(&s);
    }

    #[test]
    fn latex_decoding_never_panics_on_latex_like_text(s in latexish()) {
        let plain = latex::to_unicode(&s);
        let _ = latex::to_markup(&s);
        let _ = latex::verbatim(&s);
        let _ = latex::find_mojibake(&plain);
        // Decoding what was decoded is still fine (no command left half-read).
        let _ = latex::to_unicode(&plain);
    }

    #[test]
    fn name_parsing_never_panics_on_any_text(s in any::<String>()) {
        let _ = names::parse_names(&s);
        let _ = names::parse_name(&s);
        let _ = names::count_empty(&s);
        let _ = publist::attribute::names::split_plain_name(&s);
        let _ = publist::attribute::names::split_name_list(&s);
        let _ = publist::attribute::names::fold(&s);
    }

    #[test]
    fn name_parsing_never_panics_on_name_like_text(s in latexish()) {
        for n in names::parse_names(&s) {
            let _ = publist::attribute::names::fold(&n.family);
        }
        let _ = names::parse_name(&s);
        let _ = names::count_empty(&s);
        let _ = publist::attribute::names::split_plain_name(&s);
        let _ = publist::attribute::names::split_name_list(&s);
    }
}

/// One generated entry, written in one of many hand-made styles.
#[derive(Debug, Clone)]
struct GenEntry {
    key: String,
    fields: Vec<(String, String)>,
    /// 0: `{value}`, 1: `"value"`, 2: aligned `=`, 3: one line.
    style: u8,
    trailing_comma: bool,
    /// Text between this entry and the next (comments, blank lines).
    gap: String,
}

fn gen_entry() -> impl Strategy<Value = GenEntry> {
    (
        "[A-Z][a-z]{3}[0-9]{2}",
        prop::collection::vec(
            (
                prop::sample::select(vec![
                    "author", "title", "journal", "year", "volume", "pages", "note",
                ]),
                "[A-Za-z0-9 .,:{}\\\\'é-]{0,30}",
            ),
            1..6,
        ),
        0u8..4,
        any::<bool>(),
        prop::sample::select(vec![
            "\n",
            "\n\n",
            "\n% a comment\n\n",
            "\n\n\n",
            "\nstray text\n",
        ]),
    )
        .prop_map(|(key, fields, style, trailing_comma, gap)| {
            // Unbalanced braces would make the entry unreadable; keep values balanced.
            let fields = fields
                .into_iter()
                .map(|(n, v)| (n.to_string(), v.replace(['{', '}'], "")))
                .collect();
            GenEntry {
                key,
                fields,
                style,
                trailing_comma,
                gap: gap.to_string(),
            }
        })
}

impl GenEntry {
    fn render(&self, eol: &str) -> String {
        let mut seen = std::collections::BTreeSet::new();
        let fields: Vec<&(String, String)> = self
            .fields
            .iter()
            .filter(|(n, _)| seen.insert(n.clone()))
            .collect();
        let mut parts: Vec<String> = Vec::new();
        for (n, v) in &fields {
            parts.push(match self.style {
                1 => format!("{n} = \"{v}\""),
                2 => format!("{n:<8} = {{{v}}}"),
                _ => format!("{n} = {{{v}}}"),
            });
        }
        let mut out = format!("@article{{{},", self.key);
        if self.style == 3 {
            out.push(' ');
            out.push_str(&parts.join(", "));
        } else {
            for (i, p) in parts.iter().enumerate() {
                out.push_str(eol);
                out.push_str("  ");
                out.push_str(p);
                if i + 1 < parts.len() || self.trailing_comma {
                    out.push(',');
                }
            }
            out.push_str(eol);
        }
        out.push('}');
        out.push_str(&self.gap.replace('\n', eol));
        out
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn enrich_write_keeps_untouched_entries_byte_identical(
        entries in prop::collection::vec(gen_entry(), 1..8),
        crlf in any::<bool>(),
        enrich_mask in prop::collection::vec(any::<bool>(), 8),
        head in prop::sample::select(vec!["", "% header\n\n", "@string{J = {Journal}}\n\n"]),
    ) {
        let eol = if crlf { "\r\n" } else { "\n" };
        // Unique keys.
        let mut entries = entries;
        for (i, e) in entries.iter_mut().enumerate() {
            e.key = format!("{}{i}", e.key);
        }
        let text = format!("{}{}", head.replace('\n', eol), entries.iter().map(|e| e.render(eol)).collect::<String>());
        let dir = tempfile::tempdir().unwrap();
        let path: PathBuf = dir.path().join("refs.bib");
        std::fs::write(&path, &text).unwrap();
        let bibliography = bib::load(std::slice::from_ref(&path));
        let mut changes = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            if !enrich_mask[i] {
                continue;
            }
            let Some(index) = bibliography.publications.iter().position(|p| p.key == e.key) else {
                continue;
            };
            changes.push(FieldChange {
                key: e.key.clone(),
                file: path.clone(),
                line: bibliography.publications[index].span.line,
                index,
                field: "doi".into(),
                old: None,
                new: format!("10.5555/prop.{i}"),
                source: Source::Service { service: Service::Crossref, retrieved: "2026-01-01T00:00:00Z".into() },
            });
        }
        let (patches, diags) = enrich::patch_files(&bibliography, &changes);
        prop_assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
        let after = patches.first().map_or(text.clone(), |p| p.after.clone());
        let touched: std::collections::BTreeSet<&str> = changes.iter().map(|c| c.key.as_str()).collect();
        let before_layout = edit::scan_entries(&text);
        let after_layout = edit::scan_entries(&after);
        prop_assert_eq!(before_layout.len(), after_layout.len());
        // Text outside entries, and every entry not enriched, is the same bytes.
        let mut prev_b = 0;
        let mut prev_a = 0;
        for (b, a) in before_layout.iter().zip(&after_layout) {
            prop_assert_eq!(&text[prev_b..b.range.start], &after[prev_a..a.range.start]);
            prop_assert_eq!(&b.key, &a.key);
            let (eb, ea) = (&text[b.range.clone()], &after[a.range.clone()]);
            if touched.contains(b.key.as_str()) {
                // Only a doi line was added: removing it gives the entry back.
                prop_assert!(ea.contains("10.5555/prop."), "{ea}");
                prop_assert_eq!(ea.len() > eb.len(), true);
            } else {
                prop_assert_eq!(eb, ea);
            }
            prev_b = b.range.end;
            prev_a = a.range.end;
        }
        prop_assert_eq!(&text[prev_b..], &after[prev_a..]);
        // The line endings of the file are kept.
        if crlf {
            prop_assert_eq!(after.matches("\r\n").count(), after.matches('\n').count());
        }
    }
}
