//! Files in and out, shared by every layer above [`exact`](crate::exact): exact numbers as
//! JSON strings (the convention of every JSON output), files written atomically, and files
//! read through a size cap.
//!
//! Uses only [`exact`](crate::exact) and the error type; nothing in `exact` uses it. It sits
//! here, below the file format, the domains, the decisions and the printers, because all
//! of them write numbers the same way and none of them should reach into another for it.

use crate::error::{Error, Result};
use crate::exact::rational::Q;
use serde_json::Value;
use std::io::{Read, Write};
use std::path::Path;

/// The largest certificate file read (256 MiB, as for networks).
pub const MAX_CERTIFICATE_BYTES: u64 = 256 << 20;
/// The largest proof file read (16 MiB).
pub const MAX_PROOF_BYTES: u64 = 16 << 20;
/// The largest file of input points read (`eval --input @FILE`, 64 MiB).
pub const MAX_POINTS_BYTES: u64 = 64 << 20;

/// Reads at most `limit` bytes of `path`, a `kind` of file ("network file", "certificate",
/// ...): a larger file is an error naming the file, its kind and the limit, found from its
/// metadata before reading when it is a regular file, else after `limit + 1` bytes (so
/// `/dev/zero` fails at once). A folder is refused by name.
pub fn read_capped_as(path: &Path, limit: u64, kind: &str) -> Result<Vec<u8>> {
    let name = escape_control(&path.display().to_string());
    let io = |error| Error::Io {
        path: name.clone(),
        error,
    };
    let too_large = || {
        Error::Invalid(format!(
            "{name}: the file is larger than the limit of {limit} bytes ({} MiB) for a {kind}",
            limit >> 20
        ))
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_dir() {
        return Err(Error::Invalid(format!("{name}: is a folder, not a {kind}")));
    }
    if meta.is_file() && meta.len() > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// [`read_capped_as`] for a text file: UTF-8 required (the error names the file and the
/// byte where it stops being UTF-8), a leading byte-order mark skipped.
pub fn read_text_capped(path: &Path, limit: u64, kind: &str) -> Result<String> {
    let bytes = read_capped_as(path, limit, kind)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        Error::Invalid(format!(
            "{}: the {kind} is not UTF-8 text (invalid byte {}, counted from 0); save it as UTF-8",
            escape_control(&path.display().to_string()),
            e.utf8_error().valid_up_to()
        ))
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// A list of numbers as exact strings (the convention of every JSON output).
pub fn qs_to_strings(v: &[Q]) -> Value {
    Value::Array(v.iter().map(|q| Value::String(q.to_string())).collect())
}

/// Writes a file atomically: to a fresh temporary file beside it (created exclusively under
/// a random name, so a file or symbolic link planted there is never followed or
/// overwritten), synced to disk, then renamed over `path`. An interrupted run leaves the old
/// file or the new one, never a truncated one.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let io = |error| Error::Io {
        path: escape_control(&path.display().to_string()),
        error,
    };
    let dir = parent_folder(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| {
            io(std::io::Error::new(
                e.kind(),
                format!(
                    "cannot create a temporary file in {} to write it ({}); choose a folder you can write to",
                    escape_control(&dir.display().to_string()),
                    e.kind()
                ),
            ))
        })?;
    tmp.write_all(contents).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    // The temporary file is private (0600); the result gets the usual permissions.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o777);
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(io)?;
    }
    tmp.persist(path).map_err(|e| io(e.error))?;
    sync_folder(dir);
    Ok(())
}

/// [`write_atomic`] for a command's output file: refused when it would overwrite one of the
/// command's `inputs` ([`refuse_overwriting_inputs`]); returns whether an existing file was
/// replaced, for the command to say so.
pub fn write_output(path: &Path, contents: &[u8], inputs: &[&Path]) -> Result<bool> {
    refuse_overwriting_inputs(path, inputs)?;
    let existed = std::fs::symlink_metadata(path).is_ok();
    write_atomic(path, contents)?;
    Ok(existed)
}

/// The folder a path lies in (`.` for a bare file name).
fn parent_folder(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Best effort: the rename itself made durable (a folder cannot be synced everywhere).
fn sync_folder(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Refuses to write `out` when it is one of `inputs` of the same command (the same file
/// after `..` and symbolic links), or, for a folder, when an input lies inside it: the
/// command would destroy what it reads. Paths that do not exist yet are never an input.
pub fn refuse_overwriting_inputs(out: &Path, inputs: &[&Path]) -> Result<()> {
    let Ok(out_c) = std::fs::canonicalize(out) else {
        return Ok(());
    };
    for input in inputs {
        if let Ok(c) = std::fs::canonicalize(input)
            && c.starts_with(&out_c)
        {
            return Err(Error::Invalid(format!(
                "refusing to write {}: it would overwrite {}, an input of this command; write to another path",
                escape_control(&out.display().to_string()),
                escape_control(&input.display().to_string())
            )));
        }
    }
    Ok(())
}

/// The file names a report folder may hold: one level, `.md`, `.json` or `.svg` files.
fn is_report_file(entry: &std::fs::DirEntry) -> bool {
    let name = entry.file_name();
    let name = name.to_string_lossy();
    entry.file_type().is_ok_and(|t| t.is_file())
        && (name.ends_with(".md") || name.ends_with(".json") || name.ends_with(".svg"))
}

/// Writes a folder of files as one unit: into a fresh sibling folder, then swapped in (the
/// old folder renamed away, the new one renamed into place, the old one removed). An
/// interrupted run leaves the old folder or the new one complete (for the instant between
/// the two renames, the old one under a `.NAME.old-*` name beside it), and no file of an
/// earlier run survives in the new one.
///
/// An existing `dir` is replaced only when it holds nothing but a previous report
/// (`report.json` and `.md`, `.json`, `.svg` files); anything else is refused, so a
/// mistyped `--out` cannot delete a folder of other files.
pub fn write_folder_atomic(dir: &Path, files: &[(&str, &[u8])]) -> Result<()> {
    let shown = escape_control(&dir.display().to_string());
    let io = |error| Error::Io {
        path: shown.clone(),
        error,
    };
    let name = match dir.file_name() {
        Some(n) if !dir.ends_with("..") => n.to_string_lossy().into_owned(),
        _ => {
            return Err(Error::Invalid(format!(
                "{shown}: give the report folder a name (not `.`, `..` or a root)"
            )));
        }
    };
    let parent = parent_folder(dir);
    let old = match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(io(e)),
        Ok(m) if m.is_dir() => {
            let entries: Vec<_> = std::fs::read_dir(dir)
                .map_err(io)?
                .collect::<std::io::Result<_>>()
                .map_err(io)?;
            let report = entries.is_empty()
                || (entries.iter().all(is_report_file)
                    && entries.iter().any(|e| e.file_name() == "report.json"));
            if !report {
                return Err(Error::Invalid(format!(
                    "{shown} exists and is not a relucheck report (it holds other files); choose another folder"
                )));
            }
            true
        }
        Ok(_) => {
            return Err(Error::Invalid(format!(
                "{shown} exists and is not a folder (or is a symbolic link); choose another folder"
            )));
        }
    };
    let fresh = tempfile::Builder::new()
        .prefix(&format!(".{name}.new-"))
        .tempdir_in(parent)
        .map_err(io)?;
    for (file, bytes) in files {
        let path = fresh.path().join(file);
        let mut f = std::fs::File::create_new(&path).map_err(io)?;
        f.write_all(bytes).map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(fresh.path(), std::fs::Permissions::from_mode(0o755))
            .map_err(io)?;
    }
    swap_in(
        fresh,
        dir,
        old.then(|| {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            parent.join(format!(".{name}.old-{}-{nanos}", std::process::id()))
        }),
    )
    .map_err(io)
}

/// Renames `fresh` to `dir`, moving the old `dir` to `old` first and removing it after.
fn swap_in(
    fresh: tempfile::TempDir,
    dir: &Path,
    old: Option<std::path::PathBuf>,
) -> std::io::Result<()> {
    if let Some(old) = &old {
        std::fs::rename(dir, old)?;
    }
    if let Err(e) = std::fs::rename(fresh.path(), dir) {
        if let Some(old) = &old {
            let _ = std::fs::rename(old, dir);
        }
        return Err(e);
    }
    let _ = fresh.keep();
    sync_folder(parent_folder(dir));
    if let Some(old) = old {
        std::fs::remove_dir_all(old)?;
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_planted_at_a_temporary_name_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        // The former temporary name, and names like the ones used now.
        let out = dir.path().join("out.json");
        for planted in [
            format!(".out.json.{}.tmp", std::process::id()),
            ".out.json..tmp".into(),
            ".out.json.tmp".into(),
        ] {
            std::os::unix::fs::symlink(&victim, dir.path().join(planted)).unwrap();
        }
        write_atomic(&out, b"new").unwrap();
        write_atomic(&out, b"newer").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "newer");
        // Nothing left behind but the planted links, the victim and the output.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 5);
    }

    #[test]
    fn a_failed_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("missing-folder").join("out.json");
        assert!(write_atomic(&out, b"x").is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn an_input_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let net = dir.path().join("net.json");
        std::fs::write(&net, "{}").unwrap();
        let same = dir.path().join(".").join("sub").join("..").join("net.json");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let e = write_output(&same, b"x", &[&net]).unwrap_err().to_string();
        assert!(e.contains("an input of this command"), "{e}");
        assert!(refuse_overwriting_inputs(dir.path(), &[&net]).is_err());
        assert_eq!(std::fs::read_to_string(&net).unwrap(), "{}");
        let other = dir.path().join("other.json");
        assert!(!write_output(&other, b"1", &[&net]).unwrap());
        assert!(write_output(&other, b"2", &[&net]).unwrap());
        assert_eq!(std::fs::read_to_string(&other).unwrap(), "2");
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_folder_is_replaced_whole() {
        let top = tempfile::tempdir().unwrap();
        let dir = top.path().join("rep");
        let with: [(&str, &[u8]); 3] = [
            ("report.md", b"a"),
            ("report.json", b"{}"),
            ("regions.svg", b"<svg/>"),
        ];
        write_folder_atomic(&dir, &with).unwrap();
        assert_eq!(names(&dir), ["regions.svg", "report.json", "report.md"]);
        write_folder_atomic(&dir, &with[..2]).unwrap();
        assert_eq!(names(&dir), ["report.json", "report.md"]);
        assert_eq!(names(top.path()), ["rep"]);
        // A folder that is not a report is never replaced.
        std::fs::write(dir.join("thesis.tex"), "years of work").unwrap();
        let e = write_folder_atomic(&dir, &with).unwrap_err().to_string();
        assert!(e.contains("not a relucheck report"), "{e}");
        assert_eq!(
            std::fs::read_to_string(dir.join("thesis.tex")).unwrap(),
            "years of work"
        );
        assert!(write_folder_atomic(Path::new("."), &with).is_err());
        assert!(write_folder_atomic(&dir.join(".."), &with).is_err());
    }
}
