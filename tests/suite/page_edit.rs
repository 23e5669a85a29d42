//! Byte-preserving `bibkeys` edits: generated pages in all three formats survive a round
//! trip byte for byte, and setting keys changes exactly one line.

use proptest::prelude::*;
use publist::site::{edit, page};

/// A generated page: format, line ending, header lines, bibkeys state, body.
#[derive(Debug, Clone)]
struct Gen {
    format: u8,
    crlf: bool,
    fields: Vec<(String, String)>,
    /// `None`: no field; `Some(keys)`: a field with these keys (possibly none).
    bibkeys: Option<Vec<String>>,
    /// Separator written between existing keys.
    sep: &'static str,
    body: String,
    final_newline: bool,
}

fn key() -> impl Strategy<Value = String> {
    "[A-Za-z][a-z]{2,3}[0-9]{2}[a-c]?".prop_map(|s| s)
}

fn value() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9 ,.éü-]{0,30}".prop_map(|s| s.trim_end().to_string())
}

fn gen() -> impl Strategy<Value = Gen> {
    (
        0u8..3,
        any::<bool>(),
        prop::collection::vec(("[a-z][a-z_]{1,8}", value()), 1..6),
        prop::option::of(prop::collection::vec(key(), 0..5)),
        prop::sample::select(vec![", ", ",", " , "]),
        "[A-Za-z0-9 .:#*-]{0,40}",
        any::<bool>(),
    )
        .prop_map(
            |(format, crlf, fields, bibkeys, sep, body, final_newline)| Gen {
                format,
                crlf,
                fields: fields
                    .into_iter()
                    .filter(|(k, _)| !k.eq_ignore_ascii_case("bibkeys"))
                    .collect(),
                bibkeys,
                sep,
                body,
                final_newline,
            },
        )
}

impl Gen {
    fn render(&self) -> String {
        let eol = if self.crlf { "\r\n" } else { "\n" };
        let mut lines: Vec<String> = Vec::new();
        let field = |k: &str, v: &str| match self.format {
            0 => format!("{k}: {v}"),
            1 => format!("{k}: \"{v}\""),
            _ => format!("{k} = \"{v}\""),
        };
        match self.format {
            1 => lines.push("---".into()),
            2 => lines.push("+++".into()),
            _ => {}
        }
        lines.push(field("title", "A page"));
        for (i, (k, v)) in self.fields.iter().enumerate() {
            lines.push(field(k, v));
            if i == 0 {
                if let Some(keys) = &self.bibkeys {
                    let joined = keys.join(self.sep);
                    lines.push(match self.format {
                        0 => format!("bibkeys: {joined}"),
                        1 => format!("bibkeys: [{joined}]"),
                        _ => format!("bibkeys = \"{joined}\""),
                    });
                }
            }
        }
        match self.format {
            1 => lines.push("---".into()),
            2 => lines.push("+++".into()),
            _ => {}
        }
        lines.push(String::new());
        lines.push(self.body.clone());
        let mut text = lines.join(eol);
        if self.final_newline {
            text.push_str(eol);
        }
        text
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn unchanged_page_round_trips_byte_for_byte(g in gen()) {
        let text = g.render();
        let keys = edit::read_bibkeys(&text).unwrap();
        let expected: Option<Vec<String>> = g.bibkeys.clone();
        prop_assert_eq!(&keys, &expected);
        let out = edit::set_bibkeys(&text, &keys.unwrap_or_default()).unwrap();
        prop_assert_eq!(out, text);
    }

    #[test]
    fn setting_keys_changes_exactly_one_line(g in gen(), new in prop::collection::vec(key(), 1..4)) {
        let text = g.render();
        let out = edit::set_bibkeys(&text, &new).unwrap();
        prop_assert_eq!(edit::read_bibkeys(&out).unwrap(), Some(new.clone()));
        let before: Vec<&str> = text.split_inclusive('\n').collect();
        let after: Vec<&str> = out.split_inclusive('\n').collect();
        let added = if g.bibkeys.is_some() { 0 } else { 1 };
        prop_assert_eq!(after.len(), before.len() + added);
        let differing = after.iter().filter(|l| !before.contains(l)).count();
        prop_assert!(differing <= 1);
        // The header reader sees the same fields plus bibkeys.
        let old_fields: Vec<String> = page::split(&text).fields.iter().map(|f| f.name.clone()).collect();
        let mut new_fields: Vec<String> = page::split(&out).fields.iter().map(|f| f.name.clone()).collect();
        new_fields.retain(|f| f != "bibkeys");
        let mut old_fields = old_fields;
        old_fields.retain(|f| f != "bibkeys");
        prop_assert_eq!(new_fields, old_fields);
        // Line endings of the page are kept.
        if g.crlf {
            prop_assert_eq!(out.matches("\r\n").count(), out.matches('\n').count());
        }
    }
}
