//! Writing results out, shared by every layer above [`exact`](crate::exact): exact numbers
//! as JSON strings (the convention of every JSON output) and files written atomically.
//!
//! Uses only [`exact`](crate::exact) and the error type; nothing in `exact` uses it. It sits
//! here, below the file format, the domains, the decisions and the printers, because all
//! of them write numbers the same way and none of them should reach into another for it.

use crate::error::{Error, Result};
use crate::exact::rational::Q;
use serde_json::Value;
use std::path::Path;

/// A list of numbers as exact strings (the convention of every JSON output).
pub fn qs_to_strings(v: &[Q]) -> Value {
    Value::Array(v.iter().map(|q| Value::String(q.to_string())).collect())
}

/// Writes a file atomically: to a temporary file beside it, then renamed over it, so an
/// interrupted run leaves the old file or none, never a truncated one.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let io = |error| Error::Io {
        path: path.display().to_string(),
        error,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, contents).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(e)
    })
}

/// A JSON value serialized through any serde format: integers as integers, other numbers
/// (exact decimals kept as text by `arbitrary_precision`) as their text, so no
/// serde_json-private token reaches a non-JSON serializer.
#[cfg(feature = "serde")]
pub struct PlainJson<'a>(pub &'a Value);

#[cfg(feature = "serde")]
impl serde::Serialize for PlainJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self.0 {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => s.serialize_i64(i),
                (None, Some(u)) => s.serialize_u64(u),
                _ => s.serialize_str(&n.to_string()),
            },
            Value::String(t) => s.serialize_str(t),
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&PlainJson(item))?;
                }
                seq.end()
            }
            Value::Object(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in m {
                    map.serialize_entry(k, &PlainJson(v))?;
                }
                map.end()
            }
        }
    }
}
