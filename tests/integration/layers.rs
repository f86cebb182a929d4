//! The layer rule of DESIGN.md, checked on the source: a module uses only its own folder and
//! the layers below it, and no two library files import each other in a circle.
//!
//! Every `crate::` path in every file under `src/` is read (`use` lines and paths written
//! inline, in code and in test modules; comments and string literals are skipped). A path
//! through a name that `lib.rs` re-exports (`crate::Domain`) counts as a path to the module
//! it comes from. `super::` paths that climb out of a folder are resolved too.

use crate::repo;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layers of the library, bottom to top: each top-level module of `src/` (a folder, or a
/// file beside `lib.rs`) and its rank. A module may use modules of a lower rank; modules of
/// the same rank (`geometry` and `net`) may not use each other. `error` is shared by all
/// (below).
const LAYERS: &[(&str, u32)] = &[
    ("exact", 10),
    ("output", 15),
    ("geometry", 20),
    ("net", 20),
    ("regions", 30),
    ("analysis", 40),
    ("present", 50),
];

/// Modules every layer may use. `error.rs` is the one error type: every layer returns it,
/// and it names the parse errors of `exact` in its variants, so it may use `exact` too.
const SHARED: &[&str] = &["error"];

/// What a shared module may use.
const SHARED_USES: &[(&str, &str)] = &[("error", "exact")];

/// Known crossings the wrong way, in files whose owners are changing them now. Each entry is
/// `(file, the module it must not use)`; remove an entry when the crossing is gone (the test
/// fails on an entry that no longer occurs, so this list only shrinks).
const ALLOWED: &[(&str, &str)] = &[];

/// Files that import each other in a circle, allowed for now (none).
const ALLOWED_CIRCLES: &[&[&str]] = &[];

/// `src/` relative path -> module path (`src/net/import/onnx.rs` -> `net::import::onnx`).
fn module_path(rel: &str) -> Vec<String> {
    let rel = rel.strip_prefix("src/").expect("under src/");
    let rel = rel.strip_suffix(".rs").expect("a Rust file");
    let mut parts: Vec<String> = rel.split('/').map(str::to_string).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    if parts == ["lib"] {
        parts.clear();
    }
    parts
}

/// The text with comments and the contents of string and character literals blanked
/// (newlines kept, so line numbers stay right).
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let keep_newlines = |s: &[u8], out: &mut String| {
        for &c in s {
            out.push(if c == b'\n' { '\n' } else { ' ' });
        }
    };
    while i < b.len() {
        let rest = &b[i..];
        if rest.starts_with(b"//") {
            let end = rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
            i += end;
        } else if rest.starts_with(b"/*") {
            let (mut depth, mut j) = (0usize, 0usize);
            while j < rest.len() {
                if rest[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else if rest[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            keep_newlines(&rest[..j], &mut out);
            i += j;
        } else if let Some(len) = raw_string_len(rest, i == 0 || !is_ident(b[i - 1])) {
            keep_newlines(&rest[..len], &mut out);
            i += len;
        } else if rest[0] == b'"' {
            let mut j = 1;
            while j < rest.len() && rest[j] != b'"' {
                j += if rest[j] == b'\\' { 2 } else { 1 };
            }
            keep_newlines(&rest[..(j + 1).min(rest.len())], &mut out);
            i += j + 1;
        } else if rest[0] == b'\'' {
            // A character literal ('x', '\n', '\u{2212}'), or a lifetime ('a).
            let len = if rest.get(1) == Some(&b'\\') {
                rest[2..].iter().position(|&c| c == b'\'').map(|p| p + 3)
            } else {
                let ch = src[i + 1..].chars().next().map_or(0, char::len_utf8);
                (rest.get(1 + ch) == Some(&b'\'')).then_some(ch + 2)
            };
            let len = len.unwrap_or(1);
            keep_newlines(&rest[..len], &mut out);
            i += len;
        } else {
            let ch = src[i..].chars().next().expect("in bounds");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The length of a raw string literal (`r"..."`, `r#"..."#`, `br"..."`) starting here.
fn raw_string_len(s: &[u8], at_word_start: bool) -> Option<usize> {
    if !at_word_start {
        return None;
    }
    let start = if s.starts_with(b"br") {
        2
    } else if s.starts_with(b"r") {
        1
    } else {
        return None;
    };
    let hashes = s[start..].iter().take_while(|&&c| c == b'#').count();
    if s.get(start + hashes) != Some(&b'"') {
        return None;
    }
    let close: Vec<u8> = std::iter::once(b'"')
        .chain(std::iter::repeat_n(b'#', hashes))
        .collect();
    let body = start + hashes + 1;
    let end = s[body..]
        .windows(close.len())
        .position(|w| w == close.as_slice())?;
    Some(body + end + close.len())
}

/// Every path the code names from the crate root, as segments, with its line:
/// `crate::net::network::Network` -> `[net, network, Network]`; `use crate::{a::b, c}` gives
/// two (also when the group spans lines); `super::` chains that leave the file's top-level
/// module are resolved against `module`.
fn crate_paths(code: &str, module: &[String]) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(p) = find_word(&code[at..], &["crate", "super"]) {
        let start = at + p;
        let word = &code[start..start + 5];
        let mut tail = &code[start + 5..];
        at = start + 5;
        let line = code[..start].matches('\n').count() + 1;
        if word == "super" {
            // Climb: `super::super::x` from a file module.
            let mut ups = 1;
            while let Some(t) = tail.trim_start().strip_prefix("::")
                && let Some(t2) = t.trim_start().strip_prefix("super")
                && !t2.starts_with(|c: char| c.is_alphanumeric() || c == '_')
            {
                ups += 1;
                tail = t2;
            }
            if ups != module.len() {
                // Still inside its top-level module (always allowed), or past the root.
                continue;
            }
        }
        let Some(t) = tail.trim_start().strip_prefix("::") else {
            continue;
        };
        let t = t.trim_start();
        match t.strip_prefix('{') {
            Some(group) => {
                for item in top_level_items(group) {
                    out.extend(segments(item).map(|s| (line, s)));
                }
            }
            None => out.extend(segments(t).map(|s| (line, s))),
        }
    }
    out
}

/// The items of a `use` group up to its closing brace, split at its top-level commas.
fn top_level_items(group: &str) -> Vec<&str> {
    let (mut depth, mut from, mut items) = (0usize, 0usize, Vec::new());
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(&group[from..i]);
                return items;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&group[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    items
}

/// The leading `a::b::c` of a path, as segments (`None` when it does not start with a name).
fn segments(path: &str) -> Option<Vec<String>> {
    let segs: Vec<String> = path
        .split("::")
        .map(|s| {
            s.trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .take_while(|s| !s.is_empty())
        .collect();
    (!segs.is_empty()).then_some(segs)
}

/// The byte offset of the first of `words` standing alone (not part of a longer name).
fn find_word(s: &str, words: &[&str]) -> Option<usize> {
    let b = s.as_bytes();
    (0..b.len()).find(|&i| {
        words.iter().any(|w| {
            s[i..].starts_with(w)
                && (i == 0 || !is_ident(b[i - 1]))
                && b.get(i + w.len()).is_none_or(|&c| !is_ident(c))
        })
    })
}

/// Names `lib.rs` re-exports at the crate root -> the module path they come from.
fn root_reexports(lib: &str) -> BTreeMap<String, Vec<String>> {
    let code = code_only(lib);
    let mut map = BTreeMap::new();
    for stmt in code.split(';') {
        let Some(p) = stmt.find("pub use ") else {
            continue;
        };
        let stmt: String = stmt[p + "pub use ".len()..].split_whitespace().collect();
        let (prefix, names) = match stmt.split_once("::{") {
            Some((prefix, names)) => (prefix.to_string(), names.trim_end_matches('}').to_string()),
            None => {
                let (prefix, name) = stmt.rsplit_once("::").expect("a path");
                (prefix.to_string(), name.to_string())
            }
        };
        let module: Vec<String> = prefix.split("::").map(str::to_string).collect();
        for name in names.split(',').filter(|n| !n.is_empty()) {
            map.insert(name.to_string(), module.clone());
        }
    }
    map
}

struct Source {
    rel: String,
    module: Vec<String>,
    code: String,
}

fn library_sources() -> Vec<Source> {
    let mut out = Vec::new();
    let mut stack = vec![repo("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/ is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = relative(&path);
                // The binary (main.rs and cli/) is the top layer: it may use everything.
                if rel == "src/main.rs" || rel.starts_with("src/cli/") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("a readable source file");
                out.push(Source {
                    module: module_path(&rel),
                    code: code_only(&text),
                    rel,
                });
            }
        }
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    out
}

fn relative(path: &Path) -> String {
    path.strip_prefix(repo(""))
        .expect("inside the repository")
        .to_string_lossy()
        .replace('\\', "/")
}

/// The path with a root re-export replaced by the module it comes from.
fn resolve(segs: &[String], reexports: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    match reexports.get(&segs[0]) {
        Some(module) => module.iter().chain(&segs[1..]).cloned().collect(),
        None => segs.to_vec(),
    }
}

fn rank(top: &str) -> Option<u32> {
    LAYERS.iter().find(|(m, _)| *m == top).map(|&(_, r)| r)
}

/// May top-level module `from` use top-level module `to`?
fn may_use(from: &str, to: &str) -> bool {
    if from == to || SHARED.contains(&to) {
        return true;
    }
    if SHARED.contains(&from) {
        return SHARED_USES.contains(&(from, to));
    }
    match (rank(from), rank(to)) {
        (Some(a), Some(b)) => b < a,
        _ => false,
    }
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    let lib = std::fs::read_to_string(repo("src/lib.rs")).expect("lib.rs");
    let reexports = root_reexports(&lib);
    assert!(
        reexports.get("Network").is_some_and(|m| m[0] == "net"),
        "the re-exports of lib.rs are read: {reexports:?}"
    );
    let sources = library_sources();
    for s in &sources {
        let top = s.module.first().map(String::as_str);
        if let Some(top) = top {
            assert!(
                rank(top).is_some() || SHARED.contains(&top),
                "{}: the top-level module `{top}` is not in the layer table of this test (and of DESIGN.md); add it",
                s.rel
            );
        }
    }
    let mut found: BTreeSet<(String, String)> = BTreeSet::new();
    let mut wrong = Vec::new();
    for s in &sources {
        let Some(from) = s.module.first() else {
            continue; // lib.rs: the facade, re-exports every layer
        };
        for (line, segs) in crate_paths(&s.code, &s.module) {
            let to = resolve(&segs, &reexports)[0].clone();
            if rank(&to).is_none() && !SHARED.contains(&to.as_str()) {
                continue; // an item defined in lib.rs itself
            }
            if !may_use(from, &to) {
                found.insert((s.rel.clone(), to.clone()));
                if !ALLOWED.contains(&(s.rel.as_str(), to.as_str())) {
                    wrong.push(format!(
                        "{}:{line}: `{from}` uses `crate::{}`, a layer above or beside it",
                        s.rel,
                        segs.join("::")
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layers of DESIGN.md:\n{}",
        wrong.join("\n")
    );
    let stale: Vec<_> = ALLOWED
        .iter()
        .filter(|(f, m)| !found.contains(&(f.to_string(), m.to_string())))
        .collect();
    assert!(
        stale.is_empty(),
        "allowed crossings that no longer occur (remove them from ALLOWED): {stale:?}"
    );
}

/// The file a module path lands in: the longest prefix of `segs` that is a file module.
fn file_of(segs: &[String], files: &BTreeMap<Vec<String>, String>) -> Option<String> {
    (1..=segs.len())
        .rev()
        .find_map(|n| files.get(&segs[..n].to_vec()).cloned())
}

#[test]
fn no_two_files_import_each_other_in_a_circle() {
    let lib = std::fs::read_to_string(repo("src/lib.rs")).expect("lib.rs");
    let reexports = root_reexports(&lib);
    let sources = library_sources();
    let files: BTreeMap<Vec<String>, String> = sources
        .iter()
        .map(|s| (s.module.clone(), s.rel.clone()))
        .collect();
    // Edges between files, from code outside test modules (a test may use a sibling that
    // uses the module under test).
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in &sources {
        if s.module.is_empty() {
            continue;
        }
        let code = &without_test_modules(&s.code);
        for (_, segs) in crate_paths(code, &s.module) {
            if let Some(f) = file_of(&resolve(&segs, &reexports), &files)
                && f != s.rel
                && !f.ends_with("mod.rs")
            {
                edges.entry(s.rel.clone()).or_default().insert(f);
            }
        }
        // `super::x` inside one folder: a sibling file.
        let parent = &s.module[..s.module.len() - 1];
        let is_mod = s.rel.ends_with("mod.rs");
        for line in code.lines() {
            for (p, _) in line.match_indices("super::") {
                if line[..p].ends_with("super::") || p > 0 && is_ident(line.as_bytes()[p - 1]) {
                    continue;
                }
                let name: String = line[p + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let mut target = if is_mod {
                    s.module.clone()
                } else {
                    parent.to_vec()
                };
                if is_mod {
                    target.pop();
                }
                target.push(name);
                if let Some(f) = files.get(&target)
                    && *f != s.rel
                {
                    edges.entry(s.rel.clone()).or_default().insert(f.clone());
                }
            }
        }
    }
    let circles = cycles(&edges);
    let unexpected: Vec<_> = circles
        .iter()
        .filter(|c| {
            !ALLOWED_CIRCLES
                .iter()
                .any(|a| a.len() == c.len() && a.iter().all(|f| c.contains(&f.to_string())))
        })
        .collect();
    assert!(
        unexpected.is_empty(),
        "files that import each other in a circle: {unexpected:?}"
    );
}

/// The code with every `#[cfg(test)] mod ... { ... }` blanked.
fn without_test_modules(code: &str) -> String {
    let mut out = code.to_string();
    let mut from = 0;
    while let Some(p) = out[from..].find("#[cfg(test)]") {
        let start = from + p;
        let Some(open) = out[start..].find('{').map(|o| start + o) else {
            break;
        };
        let is_mod = out[start + "#[cfg(test)]".len()..open]
            .split_whitespace()
            .any(|w| w == "mod");
        let mut end = open;
        if is_mod {
            let mut depth = 0;
            for (i, c) in out[open..].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = open + i + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let blank: String = out[start..end]
                .chars()
                .map(|c| if c == '\n' { '\n' } else { ' ' })
                .collect();
            out.replace_range(start..end, &blank);
        }
        from = end.max(start + 1);
    }
    out
}

/// The strongly connected components with more than one file (Tarjan).
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(v: &'a str, st: &mut State<'a>) {
        let i = st.index.len();
        st.index.insert(v, i);
        st.low.insert(v, i);
        st.stack.push(v);
        st.on_stack.insert(v);
        for w in st.edges.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !st.index.contains_key(w) {
                visit(w, st);
                let lw = st.low[w];
                let lv = st.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if st.on_stack.contains(w) {
                let iw = st.index[w];
                let lv = st.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if st.low[v] == st.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = st.stack.pop() {
                st.on_stack.remove(w);
                comp.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                st.out.push(comp);
            }
        }
    }
    let mut st = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !st.index.contains_key(v.as_str()) {
            visit(v, &mut st);
        }
    }
    st.out
}

/// The checker itself: it sees what it must and nothing it must not.
#[test]
fn the_checker_reads_paths_but_not_comments_or_strings() {
    let src = r##"
use crate::net::network::Network; // crate::present in a comment
/* crate::present::report */
fn f<'a>(x: &'a str) -> char {
    let _ = "crate::present::svg";
    let _ = r#"crate::cli"#;
    let _ = crate::Domain::whole(2);
    let _ = '\'';
    use crate::{exact::rational::Q, regions::domain};
    'x'
}
"##;
    let module = vec!["geometry".to_string(), "lp".to_string()];
    let paths = crate_paths(&code_only(src), &module);
    let firsts: Vec<&str> = paths.iter().map(|(_, s)| s[0].as_str()).collect();
    assert_eq!(firsts, ["net", "Domain", "exact", "regions"]);
    assert_eq!(paths[0].0, 2, "line numbers survive the blanking");
    let mut reexports = BTreeMap::new();
    reexports.insert(
        "Domain".to_string(),
        vec!["regions".into(), "domain".into()],
    );
    assert_eq!(resolve(&paths[1].1, &reexports)[0], "regions");
    assert!(!may_use("geometry", "net") && !may_use("net", "geometry"));
    assert!(!may_use("geometry", "regions") && may_use("regions", "geometry"));
    assert!(may_use("exact", "error") && may_use("error", "exact"));
    assert!(!may_use("exact", "output") && may_use("net", "output"));
    let up = crate_paths(
        "use super::super::present::x;\nuse super::float_filter;",
        &module,
    );
    assert_eq!(
        up.len(),
        1,
        "a super:: chain out of the folder is read: {up:?}"
    );
    assert_eq!(up[0].1[0], "present");
    let group = crate_paths("use crate::{\n    exact::Q,\n    net::{a, b},\n};", &module);
    let firsts: Vec<&str> = group.iter().map(|(_, s)| s[0].as_str()).collect();
    assert_eq!(
        firsts,
        ["exact", "net"],
        "a group over several lines is read"
    );
    let tests = without_test_modules(
        "use crate::a;\n#[cfg(test)]\nmod tests {\n    use crate::b;\n}\nuse crate::c;",
    );
    let kept: Vec<String> = crate_paths(&tests, &module)
        .into_iter()
        .map(|(_, s)| s[0].clone())
        .collect();
    assert_eq!(
        kept,
        ["a", "c"],
        "test modules are left out of the circle check"
    );
}
