//! Text the DIAG Pelican templates print unescaped (JSON values, stub headers, stub bodies
//! that Markdown passes through as HTML) made inert: markup from the data becomes text and
//! script URLs are dropped, so a bib entry can never put a script on the website.

use std::borrow::Cow;
use std::sync::LazyLock;

/// Crossref's JATS tags (`<jats:italic>`): presentational, dropped rather than shown.
static JATS: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"</?jats:[^<>]*>").expect("static regex"));

/// URL schemes that run code when a template makes a link of the value.
const SCRIPT_SCHEMES: &[&str] = &["javascript:", "data:", "vbscript:"];

/// True when `value`, read the way a browser reads an `href`, starts with a script scheme.
pub fn is_script_url(value: &str) -> bool {
    let folded: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .take(16)
        .collect::<String>()
        .to_ascii_lowercase();
    SCRIPT_SCHEMES.iter().any(|s| folded.starts_with(s))
}

/// `text` with JATS tags dropped and every `<` that could open a tag, comment or
/// declaration written as `&lt;`; a whole value that is a script URL becomes empty.
/// A lone `<` as in "P < 0.01" is kept.
pub fn inert(text: &str) -> Cow<'_, str> {
    if is_script_url(text) {
        return Cow::Borrowed("");
    }
    if !text.contains('<') {
        return Cow::Borrowed(text);
    }
    let text = JATS.replace_all(text, "");
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '<'
            && chars
                .peek()
                .is_some_and(|n| n.is_alphabetic() || "/!?".contains(*n))
        {
            out.push_str("&lt;");
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A stub header line `name: value` with its value made inert (the name is ours).
pub fn header_line(line: &str) -> Cow<'_, str> {
    match line.split_once(": ") {
        Some((name, value)) => match inert(value) {
            Cow::Borrowed(v) if v.len() == value.len() => Cow::Borrowed(line),
            v => Cow::Owned(format!("{name}: {v}")),
        },
        None => Cow::Borrowed(line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_becomes_text_and_comparisons_stay() {
        assert_eq!(
            inert("a <script>x</script> P < 0.01 <img src=x>"),
            "a &lt;script>x&lt;/script> P < 0.01 &lt;img src=x>"
        );
        assert_eq!(inert("<!-- c -->"), "&lt;!-- c -->");
        assert_eq!(inert("T<jats:sub>2</jats:sub>W"), "T2W");
        assert_eq!(inert("plain"), "plain");
    }

    #[test]
    fn script_urls_are_dropped() {
        for bad in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "java\tscript:x",
            "data:text/html,x",
            "vbscript:x",
        ] {
            assert_eq!(inert(bad), "", "{bad:?}");
        }
        assert_eq!(inert("https://example.org/x"), "https://example.org/x");
    }

    #[test]
    fn header_values_only() {
        assert_eq!(header_line("urlweb: javascript:x"), "urlweb: ");
        assert_eq!(header_line("title: <b>x"), "title: &lt;b>x");
        assert_eq!(
            header_line("template: publication"),
            "template: publication"
        );
    }
}
