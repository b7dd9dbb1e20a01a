//! liclog's canonical JSONL read back: one object per line, keys in any
//! order; a key the schema does not have is ignored with one warning per
//! input, a missing optional key is null, a record without `kind` is an
//! error that names the line.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::canonical::{self, Extra, Fields};
use super::{Reader, Sink};
use crate::error::{Error, Result};
use crate::event::{Event, Kind};
use crate::format::Format;
use crate::lines::Line;

pub struct JsonlReader {
    source: String,
    /// Keys outside the schema, each warned about once.
    ignored: BTreeSet<String>,
}

impl JsonlReader {
    pub fn new(source: &str) -> Self {
        JsonlReader {
            source: source.to_string(),
            ignored: BTreeSet::new(),
        }
    }
}

impl Reader for JsonlReader {
    fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) -> Result<()> {
        if line.cut.is_some() {
            return super::cut_line(&self.source, Format::Jsonl, None, line, sink);
        }
        let parsed = parse(line.text);
        let fields = match parsed {
            Ok(Record {
                fields,
                ignored,
                has_kind,
            }) => {
                if !has_kind {
                    return Err(Error::MissingColumn {
                        path: self.source.clone().into(),
                        line: line.number,
                        column: "kind",
                    });
                }
                for key in ignored {
                    if self.ignored.insert(key.to_string()) {
                        sink.warn(
                            line.number,
                            &format!("key {key:?} is not in the canonical schema; ignored"),
                        );
                    }
                }
                fields
            }
            Err(e) => return unknown(&self.source, Format::Jsonl, line, &e, sink),
        };
        match canonical::event(&fields, &self.source, line.number, Format::Jsonl, "") {
            Ok(mut ev) => {
                ev.ending = line.ending;
                sink.event(&ev)
            }
            Err(e) => unknown(&self.source, Format::Jsonl, line, &e, sink),
        }
    }

    fn finish(&mut self, _sink: &mut dyn Sink) -> Result<()> {
        Ok(())
    }
}

/// A line that is no canonical record: `unknown`, its text kept.
pub(super) fn unknown(
    source: &str,
    format: Format,
    line: &Line<'_>,
    why: &str,
    sink: &mut dyn Sink,
) -> Result<()> {
    let mut ev = Event::new(source, line.number, format, Kind::Unknown, line.text);
    ev.ending = line.ending;
    ev.extra_str("text", line.text);
    sink.warn(line.number, &format!("not a canonical record: {why}"));
    sink.event(&ev)
}

struct Record<'a> {
    fields: Fields<'a>,
    ignored: Vec<Cow<'a, str>>,
    has_kind: bool,
}

fn parse(text: &str) -> Result<Record<'_>, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    let record = de
        .deserialize_map(RecordVisitor)
        .map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(record)
}

struct RecordVisitor;

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = Record<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Record<'de>, A::Error> {
        let mut f = Fields::default();
        let mut ignored = Vec::new();
        let mut has_kind = false;
        while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
            let text = |map: &mut A| {
                map.next_value::<Option<Text<'de>>>()
                    .map(|t| t.map(|t| t.0))
            };
            match key.as_ref() {
                "source" => f.source = text(&mut map)?,
                "line" => f.line = map.next_value()?,
                "format" => f.format = text(&mut map)?,
                "kind" => {
                    has_kind = true;
                    f.kind = text(&mut map)?;
                }
                // Derived from `kind`; an edited value cannot change it.
                "xslm" => {
                    map.next_value::<IgnoredAny>()?;
                }
                "time" => f.time = text(&mut map)?,
                "time_of_day" => f.time_of_day = text(&mut map)?,
                "time_source" => f.time_source = text(&mut map)?,
                "server" => f.server = text(&mut map)?,
                "daemon" => f.daemon = text(&mut map)?,
                "feature" => f.feature = text(&mut map)?,
                "version" => f.version = text(&mut map)?,
                "user" => f.user = text(&mut map)?,
                "host" => f.host = text(&mut map)?,
                "count" => f.count = map.next_value()?,
                "handle" => f.handle = text(&mut map)?,
                "reason" => f.reason = text(&mut map)?,
                "code" => f.code = text(&mut map)?,
                "extra" => {
                    f.extra = map
                        .next_value::<Option<ExtraMap<'de>>>()?
                        .map_or_else(Vec::new, |m| m.0)
                }
                "raw" => f.raw = text(&mut map)?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    ignored.push(key);
                }
            }
        }
        Ok(Record {
            fields: f,
            ignored,
            has_kind,
        })
    }
}

/// A JSON string, borrowed from the line when it has no escapes.
pub(super) struct Text<'a>(pub Cow<'a, str>);

impl<'de> de::Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// `extra`, in the order written.
pub(super) struct ExtraMap<'a>(pub Vec<(Cow<'a, str>, Extra<'a>)>);

impl<'de> de::Deserialize<'de> for ExtraMap<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ExtraMap<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ExtraMap<'de>, A::Error> {
                let mut out = Vec::new();
                while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
                    let value = match map.next_value::<serde_json::Value>()? {
                        serde_json::Value::String(s) => Extra::Text(Cow::Owned(s)),
                        serde_json::Value::Number(n) if n.as_i64().is_some() => {
                            Extra::Int(n.as_i64().expect("checked"))
                        }
                        serde_json::Value::Null => continue,
                        other => Extra::Json(other.to_string()),
                    };
                    out.push((key, value));
                }
                Ok(ExtraMap(out))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_keep_their_fields_and_key_order() {
        let r = parse(
            r#"{"kind":"checkout","user":"jd\"oe","extra":{"b":"1","a":2,"z":null},"new":[1]}"#,
        )
        .unwrap();
        assert!(r.has_kind);
        assert_eq!(r.fields.user.as_deref(), Some("jd\"oe"));
        let keys: Vec<&str> = r.fields.extra.iter().map(|(k, _)| k.as_ref()).collect();
        assert_eq!(keys, ["b", "a"]);
        assert_eq!(r.ignored, ["new"]);
        assert!(parse("[1]").is_err());
        assert!(parse(r#"{"kind":"x"} 3"#).is_err());
        assert!(!parse(r#"{"user":null}"#).unwrap().has_kind);
    }
}
