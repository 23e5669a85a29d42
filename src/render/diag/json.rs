//! A tiny ordered JSON value, so the files keep a fixed, readable field order
//! (serde_json's map sorts keys unless `preserve_order` is on for the whole crate graph).

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

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
            Json::Str(s) => serializer.serialize_str(s),
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
                    map.serialize_entry(k, v)?;
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
}
