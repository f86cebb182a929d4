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

/// `s` made safe to print on a terminal: control characters (newlines, tabs, the escape
/// character that starts ANSI sequences, DEL, C1 controls) and the Unicode bidirectional
/// controls become visible escapes (`\n`, `\t`, `\r`, `\u{1b}`), so a network name or a
/// path cannot start a new line, move the cursor, or reorder what is printed after it.
/// Everything else is unchanged (a string without such characters is returned as it is).
///
/// ```
/// use relucheck::output::escape_control;
/// assert_eq!(escape_control("x\n  ok\u{1b}[2J"), "x\\n  ok\\u{1b}[2J");
/// assert_eq!(escape_control("median(x1, x2, 0)"), "median(x1, x2, 0)");
/// ```
pub fn escape_control(s: &str) -> String {
    let bidi = |c: char| matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !s.chars().any(|c| c.is_control() || bidi(c)) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || bidi(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}
