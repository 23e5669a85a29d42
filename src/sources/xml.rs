//! A small, safe XML reader for the Atom (arXiv) and PubMed answers, on quick-xml.
//!
//! The document becomes a tree of [`Element`]s. Nothing external is ever fetched or expanded:
//! the DOCTYPE is skipped, only the five predefined entities and character references are
//! resolved, and any other entity reference stays in the text as written (`&name;`).

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::http::HttpError;

/// A node: an element or a piece of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A child element.
    Element(Element),
    /// Text (entities resolved as described above).
    Text(String),
}

/// An element with its local name, attributes and children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// Local name (namespace prefix dropped): `entry`, `doi`, `ArticleTitle`.
    pub name: String,
    /// Attributes by local name.
    pub attrs: Vec<(String, String)>,
    /// Children in document order.
    pub children: Vec<Node>,
}

impl Element {
    /// Child elements with this local name.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter_map(move |n| match n {
            Node::Element(e) if e.name == name => Some(e),
            _ => None,
        })
    }

    /// The first child element with this local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find_map(|n| match n {
            Node::Element(e) if e.name == name => Some(e),
            _ => None,
        })
    }

    /// Follows a path of child names.
    pub fn path(&self, names: &[&str]) -> Option<&Element> {
        let mut e = self;
        for n in names {
            e = e.child(n)?;
        }
        Some(e)
    }

    /// An attribute's value.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// All text inside, in order, whitespace folded.
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.collect_text(&mut out);
        out.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn collect_text(&self, out: &mut String) {
        for n in &self.children {
            match n {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => {
                    e.collect_text(out);
                }
            }
        }
    }

    /// The text of a child, when present and not empty.
    pub fn child_text(&self, name: &str) -> Option<String> {
        self.child(name)
            .map(Element::text)
            .filter(|t| !t.is_empty())
    }
}

fn local(name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    match name.rsplit_once(':') {
        Some((_, l)) => l.to_string(),
        None => name.into_owned(),
    }
}

/// How deep elements may nest; real answers nest fewer than ten levels.
pub const MAX_DEPTH: usize = 256;

/// Parses a document; the result is a synthetic root whose children are the top elements.
pub fn parse(body: &[u8], url: &str) -> Result<Element, HttpError> {
    let perr = |message: String| HttpError::Parse {
        url: url.to_string(),
        message,
    };
    let mut reader = Reader::from_reader(body);
    let mut stack: Vec<Element> = vec![Element::default()];
    let mut buf = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            perr(format!(
                "invalid XML at byte {}: {e}",
                reader.buffer_position()
            ))
        })?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let mut el = Element {
                    name: local(e.name().as_ref()),
                    ..Element::default()
                };
                for a in e.attributes().flatten() {
                    let value = a
                        .unescape_value()
                        .map(|v| v.into_owned())
                        .unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned());
                    el.attrs.push((local(a.key.as_ref()), value));
                }
                if empty {
                    if let Some(top) = stack.last_mut() {
                        top.children.push(Node::Element(el));
                    }
                } else if stack.len() > MAX_DEPTH {
                    // The tree is dropped (and later walked) recursively: a hostile answer
                    // nested 100,000 deep would overflow the stack.
                    return Err(perr(format!(
                        "XML nested deeper than {MAX_DEPTH} elements at byte {}",
                        reader.buffer_position()
                    )));
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                if stack.len() < 2 {
                    return Err(perr("unbalanced end tag".into()));
                }
                if let Some(done) = stack.pop() {
                    if let Some(top) = stack.last_mut() {
                        top.children.push(Node::Element(done));
                    }
                }
            }
            Event::Text(t) => {
                let text = t
                    .xml_content()
                    .map_err(|e| perr(format!("bad text encoding: {e}")))?;
                push_text(&mut stack, &text);
            }
            Event::CData(t) => {
                push_text(&mut stack, &String::from_utf8_lossy(&t.into_inner()));
            }
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| perr(format!("bad entity: {e}")))?;
                let text = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => match quick_xml::escape::resolve_predefined_entity(&name) {
                        Some(s) => s.to_string(),
                        // Never expanded: kept as written.
                        None => format!("&{name};"),
                    },
                };
                push_text(&mut stack, &text);
            }
            Event::Eof => break,
            // DOCTYPE, comments, processing instructions, declarations: ignored.
            _ => {}
        }
        buf.clear();
    }
    if stack.len() != 1 {
        return Err(perr("document ends inside an element".into()));
    }
    let root = stack.pop().unwrap_or_default();
    if root.all_elements().next().is_none() {
        return Err(perr("no XML element in the answer".into()));
    }
    Ok(root)
}

impl Element {
    fn all_elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }
}

fn push_text(stack: &mut [Element], text: &str) {
    if let Some(top) = stack.last_mut() {
        match top.children.last_mut() {
            Some(Node::Text(t)) => t.push_str(text),
            _ => top.children.push(Node::Text(text.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_entities_are_never_expanded() {
        let doc = br#"<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<r><t>a &amp; b &#233; &xxe;</t></r>"#;
        let root = parse(doc, "u").unwrap();
        let t = root.path(&["r", "t"]).unwrap().text();
        assert_eq!(t, "a & b é &xxe;");
    }

    #[test]
    fn malformed_xml_is_an_error() {
        assert!(parse(b"<a><b></a>", "u").is_err());
        assert!(parse(b"<a>", "u").is_err());
        assert!(parse(b"{\"json\": true}", "u").is_err());
    }

    #[test]
    fn namespaces_are_dropped_and_inline_markup_kept_as_text() {
        let root = parse(
            br#"<feed xmlns:arxiv="x"><arxiv:doi>10.1/x</arxiv:doi><t>A <i>b</i> c</t></feed>"#,
            "u",
        )
        .unwrap();
        let feed = root.child("feed").unwrap();
        assert_eq!(feed.child_text("doi").as_deref(), Some("10.1/x"));
        assert_eq!(feed.child_text("t").as_deref(), Some("A b c"));
    }
}
