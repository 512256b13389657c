//! A borrowed JSON tree for the crate's rendering of one record.
//!
//! `serde_json::Value` (with the `preserve_order` feature the evtx crate turns on) allocates
//! every key and string and hashes every key into an `IndexMap`; reading a record back
//! through it cost more than rendering it. [`Json`] borrows strings from the rendered bytes
//! when they hold no escapes and keeps objects as vectors, with the same meaning for
//! repeated keys (the later value, at the first key's place), so the fields read from it are
//! the ones `Value` gave.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Number;
use std::borrow::Cow;
use std::fmt;

/// Objects with more keys than this find repeated keys through a hash map instead of a scan.
const SCAN_KEYS: usize = 32;

/// One JSON value; strings borrow from the input when they can.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json<'a> {
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

impl<'a> Json<'a> {
    /// The value of `key` in an object.
    pub(crate) fn get(&self, key: &str) -> Option<&Json<'a>> {
        match self {
            Json::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// A string that borrows from the input when it holds no escapes.
struct Str<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Str<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
        Ok(Json::Bool(b))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
        Ok(Json::Number(n.into()))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
        Ok(Json::Number(n.into()))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Self::Value, E> {
        Ok(Number::from_f64(n).map_or(Json::Null, Json::Number))
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Json::String(Cow::Borrowed(s)))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Json::String(Cow::Owned(s.to_owned())))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Self::Value, E> {
        Ok(Json::String(Cow::Owned(s)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Json::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Json::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Deserialize::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element()? {
            items.push(v);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries: Vec<(Cow<'de, str>, Json<'de>)> = Vec::new();
        let mut index: Option<std::collections::HashMap<String, usize>> = None;
        while let Some(Str(key)) = map.next_key::<Str<'de>>()? {
            let value: Json<'de> = map.next_value()?;
            if entries.len() == SCAN_KEYS && index.is_none() {
                index = Some(
                    entries.iter().enumerate().map(|(i, (k, _))| (k.to_string(), i)).collect(),
                );
            }
            let at = if let Some(ix) = &mut index {
                let at = ix.get(key.as_ref()).copied();
                if at.is_none() {
                    ix.insert(key.to_string(), entries.len());
                }
                at
            } else {
                entries.iter().position(|(k, _)| *k == key)
            };
            match at.and_then(|i| entries.get_mut(i)) {
                // As `IndexMap::insert`: a repeated key keeps its place, takes the new value.
                Some(slot) => slot.1 = value,
                None => entries.push((key, value)),
            }
        }
        Ok(Json::Object(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_keep_place_and_take_the_later_value() {
        let j: Json<'_> = serde_json::from_str(r#"{"a":1,"b":2,"a":"x"}"#).unwrap();
        let Json::Object(e) = j else { panic!("object") };
        assert_eq!(e.len(), 2);
        assert_eq!(e[0], (Cow::Borrowed("a"), Json::String(Cow::Borrowed("x"))));
        let mut text = String::from("{");
        for i in 0..100 {
            text.push_str("\"k");
            text.push_str(&(i % 50).to_string());
            text.push_str("\":");
            text.push_str(&i.to_string());
            text.push(',');
        }
        text.push_str("\"z\":0}");
        let j: Json<'_> = serde_json::from_str(&text).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let (Json::Object(e), serde_json::Value::Object(m)) = (j, v) else { panic!("objects") };
        let ours: Vec<String> = e.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
        let theirs: Vec<String> = m
            .iter()
            .map(|(k, v)| format!("{k}={:?}", Json::Number(v.as_u64().unwrap().into())))
            .collect();
        assert_eq!(ours, theirs);
    }
}
