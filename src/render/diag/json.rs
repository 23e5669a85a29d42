//! A tiny ordered JSON value, so the files keep a fixed, readable field order
//! (serde_json's map sorts keys unless `preserve_order` is on for the whole crate graph).
//! Every string is made [`inert`] on the way out: the DIAG templates print values unescaped.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::inert::inert;

/// A JSON value whose objects keep insertion order.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// An array.
    List(Vec<Json>),
    /// An object, in insertion order.
    Obj(Vec<(String, Json)>),
}

impl Json {
    /// A string value.
    pub fn str(s: impl Into<String>) -> Json {
        Json::Str(s.into())
    }

    /// A list of strings.
    pub fn strs<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Json {
        Json::List(items.into_iter().map(|s| Json::str(s.as_ref())).collect())
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Str(s) => serializer.serialize_str(&inert(s)),
            Json::Int(n) => serializer.serialize_i64(*n),
            Json::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Obj(fields) => {
                let mut map = serializer.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(&inert(k), v)?;
                }
                map.end()
            }
        }
    }
}

/// Serializes `value` the way the DIAG example files are laid out: one-space indent,
/// non-ASCII kept as UTF-8, a final newline.
pub fn to_bytes<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 << 16);
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b" ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    // Serializing our own tree into a Vec cannot fail: no I/O, no non-string keys.
    if value.serialize(&mut ser).is_err() {
        out.clear();
        out.extend_from_slice(b"null");
    }
    out.push(b'\n');
    out
}

/// `value` serialized as a member of a top-level object: like [`to_bytes`], one level
/// deeper, without the final newline. JSON strings hold no raw line breaks, so indenting
/// every line after the first is exact.
pub fn fragment<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let flat = to_bytes(value);
    let flat = flat.strip_suffix(b"\n").unwrap_or(&flat);
    let mut out = Vec::with_capacity(flat.len() + flat.len() / 16);
    for (n, line) in flat.split(|&b| b == b'\n').enumerate() {
        if n > 0 {
            out.extend_from_slice(b"\n ");
        }
        out.extend_from_slice(line);
    }
    out
}

/// A top-level object from keys and [`fragment`]s: the same bytes [`to_bytes`] writes for
/// the object itself.
pub fn object_of_fragments(members: &[(&str, &[u8])]) -> Vec<u8> {
    if members.is_empty() {
        return b"{}\n".to_vec();
    }
    let size: usize = members.iter().map(|(k, v)| k.len() + v.len() + 8).sum();
    let mut out = Vec::with_capacity(size + 4);
    out.extend_from_slice(b"{\n");
    for (n, (key, value)) in members.iter().enumerate() {
        if n > 0 {
            out.extend_from_slice(b",\n");
        }
        out.push(b' ');
        out.extend_from_slice(serde_json::to_string(key).unwrap_or_default().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
    }
    out.extend_from_slice(b"\n}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_keep_insertion_order_and_utf8() {
        let v = Json::Obj(vec![
            ("z".into(), Json::str("Abásolo")),
            ("a".into(), Json::Int(-1)),
            ("m".into(), Json::strs(["x"])),
        ]);
        let text = String::from_utf8(to_bytes(&v)).unwrap();
        assert_eq!(
            text,
            "{\n \"z\": \"Abásolo\",\n \"a\": -1,\n \"m\": [\n  \"x\"\n ]\n}\n"
        );
    }

    #[test]
    fn fragments_assemble_to_the_same_bytes_as_the_whole() {
        let a = Json::Obj(vec![
            (
                "author".into(),
                Json::List(vec![Json::strs(["C. I.", "", "Sánchez", ""])]),
            ),
            ("abstract".into(), Json::str("line\nbreak \"quoted\"")),
            ("empty".into(), Json::List(vec![])),
            ("year".into(), Json::Int(2005)),
        ]);
        let b = Json::Obj(vec![]);
        let whole = Json::Obj(vec![
            ("abas05".into(), a.clone()),
            ("x\"y".into(), b.clone()),
        ]);
        let (fa, fb) = (fragment(&a), fragment(&b));
        let parts: Vec<(&str, &[u8])> = vec![("abas05", &fa), ("x\"y", &fb)];
        assert_eq!(
            String::from_utf8(object_of_fragments(&parts)).unwrap(),
            String::from_utf8(to_bytes(&whole)).unwrap()
        );
        assert_eq!(object_of_fragments(&[]), to_bytes(&Json::Obj(vec![])));
    }
}
