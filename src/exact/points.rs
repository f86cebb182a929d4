//! Points typed by a user: `"1/2,-3"` and files of them.

use crate::error::{Error, Result};
use crate::exact::rational::Q;

/// Parses a comma-separated list of exact numbers, e.g. `"1/2, -3, 1e-3"`.
///
/// ```
/// use relucheck::{Q, parse_point};
/// assert_eq!(parse_point("1/2,-3").unwrap(), vec![Q::new(1, 2), Q::from_int(-3)]);
/// assert!(parse_point("1,,2").is_err());
/// // Spaces or semicolons between numbers: the error shows the point with commas.
/// assert!(parse_point("1 2").unwrap_err().to_string().contains("write \"1,2\""));
/// ```
pub fn parse_point(text: &str) -> Result<Vec<Q>> {
    if text.trim().is_empty() {
        return Err(Error::Invalid(
            "empty point; write the coordinates separated by commas, e.g. \"1/2,-3\"".into(),
        ));
    }
    if let Some(fixed) = comma_separated(text) {
        return Err(Error::Invalid(format!(
            "\"{}\": coordinates are separated by commas; write \"{fixed}\"",
            text.trim()
        )));
    }
    text.split(',')
        .enumerate()
        .map(|(i, part)| {
            Q::parse(part).map_err(|source| Error::Number {
                context: format!("coordinate {} of \"{}\"", i + 1, text.trim()),
                source,
            })
        })
        .collect()
}

/// `"1 2"` or `"1; 2"` (numbers separated otherwise than by commas) written with commas,
/// when every piece is a number and some piece is not; `None` otherwise.
fn comma_separated(text: &str) -> Option<String> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    if parts.iter().all(|p| Q::parse(p).is_ok()) {
        return None;
    }
    let pieces: Vec<&str> = text
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    (pieces.len() > 1 && pieces.iter().all(|p| Q::parse(p).is_ok())).then(|| pieces.join(","))
}

/// Reads one point per line (`#` starts a comment; blank lines are skipped). Errors name
/// the file and line.
pub fn parse_points(text: &str, source: &str) -> Result<Vec<Vec<Q>>> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        out.push(
            parse_point(line).map_err(|e| Error::Invalid(format!("{source}:{}: {e}", n + 1)))?,
        );
    }
    if out.is_empty() {
        return Err(Error::Invalid(format!(
            "{source}: no points found (one point per line, e.g. 1/2,-3)"
        )));
    }
    Ok(out)
}

/// A point written back as `[1/2, -3]`; with decimals beside it when a coordinate is long
/// (see [`decimal::readable_point`](crate::exact::decimal::readable_point)).
pub fn format_point(x: &[Q]) -> String {
    crate::exact::decimal::readable_point(x)
}
