//! Teaching proofs whose every computational claim is checked.
//!
//! A proof is a Markdown file: prose and mathematics for the reader, and *claims* in
//! `console` blocks, each a relucheck command with the exact output it must print:
//!
//! ````markdown
//! ```console
//! $ relucheck eval nets/relu.json --input -1
//! f(-1) = [0]
//! ```
//! ````
//!
//! - A block may hold several commands, each starting with `$ relucheck `.
//! - Paths are relative to the proof file's folder.
//! - A line `...` matches any number of output lines (to skip a long listing).
//! - A last line `[exit: N]` states the exit code (default 0): `check` exits 2 when a
//!   property fails, so a claim that something *fails* says `[exit: 2]`.
//!
//! [`check_proof`] runs every claim through a caller-supplied runner (the `prove` command
//! runs the relucheck binary itself) and reports each with the difference when it fails. A
//! proof can therefore never drift from the code: `cargo test` checks every proof in
//! `proofs/`.

use std::fmt::Write;
use std::path::Path;

/// One checked claim: a command and the output it must print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    /// 1-based line of the `$ relucheck` line in the proof file.
    pub line: usize,
    /// The arguments after `relucheck`.
    pub args: Vec<String>,
    /// The expected standard output, one entry per line (`...` matches any lines).
    pub expected: Vec<String>,
    /// The expected exit code.
    pub exit_code: i32,
}

/// Splits a command line like a shell would for our purposes: double quotes group.
fn split_args(s: &str) -> Result<Vec<String>, String> {
    let mut args = vec![];
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for ch in s.chars() {
        match ch {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any || !cur.is_empty() {
                    args.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => cur.push(c),
        }
    }
    if quoted {
        return Err("unbalanced double quote".into());
    }
    if any || !cur.is_empty() {
        args.push(cur);
    }
    Ok(args)
}

/// The claims of a proof file, in order. Errors name the line.
pub fn parse_proof(markdown: &str) -> Result<Vec<Claim>, String> {
    let mut claims = vec![];
    let mut in_block = false;
    let mut current: Option<Claim> = None;
    for (i, line) in markdown.lines().enumerate() {
        let n = i + 1;
        let trimmed = line.trim_end();
        if !in_block {
            if trimmed == "```console" {
                in_block = true;
            }
            continue;
        }
        if trimmed == "```" {
            in_block = false;
            claims.extend(current.take());
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix("$ ") {
            claims.extend(current.take());
            let Some(cmd) = rest.strip_prefix("relucheck ") else {
                return Err(format!("line {n}: a claim must run `relucheck ...`"));
            };
            current = Some(Claim {
                line: n,
                args: split_args(cmd).map_err(|e| format!("line {n}: {e}"))?,
                expected: vec![],
                exit_code: 0,
            });
            continue;
        }
        let Some(c) = current.as_mut() else {
            return Err(format!(
                "line {n}: output before any `$ relucheck` command in a console block"
            ));
        };
        if let Some(code) = trimmed
            .strip_prefix("[exit: ")
            .and_then(|r| r.strip_suffix(']'))
        {
            c.exit_code = code
                .trim()
                .parse()
                .map_err(|_| format!("line {n}: `[exit: N]` needs a number"))?;
        } else {
            c.expected.push(trimmed.to_string());
        }
    }
    if in_block {
        return Err("a console block is not closed".into());
    }
    Ok(claims)
}

/// Does `actual` match `expected`, where a `...` line matches any number of lines?
fn matches(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((e, rest)) if e == "..." => (0..=actual.len()).any(|k| matches(rest, &actual[k..])),
        Some((e, rest)) => actual
            .split_first()
            .is_some_and(|(a, arest)| a.trim_end() == e && matches(rest, arest)),
    }
}

/// The outcome of one claim.
#[derive(Clone, Debug)]
pub struct ClaimResult {
    /// The claim.
    pub claim: Claim,
    /// Did the output and exit code match?
    pub ok: bool,
    /// The output the command printed.
    pub actual: String,
    /// The exit code it returned.
    pub actual_code: i32,
}

impl ClaimResult {
    /// The difference, in unified style (`-` expected, `+` actual), empty when it matched.
    pub fn difference(&self) -> String {
        if self.ok {
            return String::new();
        }
        let mut s = String::new();
        if self.actual_code != self.claim.exit_code {
            writeln!(
                s,
                "  exit code: expected {}, got {}",
                self.claim.exit_code, self.actual_code
            )
            .unwrap();
        }
        let actual: Vec<&str> = self.actual.lines().collect();
        if !matches(&self.claim.expected, &actual) {
            for e in &self.claim.expected {
                writeln!(s, "  - {e}").unwrap();
            }
            for a in &actual {
                writeln!(s, "  + {a}").unwrap();
            }
        }
        s
    }
}

/// Runs `relucheck args` in a folder; returns standard output and exit code.
pub type Runner<'a> = dyn FnMut(&[String], &Path) -> (String, i32) + 'a;

/// Runs every claim of a proof. `run(args, folder)` runs `relucheck args` in `folder` and
/// returns its standard output and exit code.
pub fn check_proof(
    markdown: &str,
    folder: &Path,
    run: &mut Runner<'_>,
) -> Result<Vec<ClaimResult>, String> {
    let claims = parse_proof(markdown)?;
    if claims.is_empty() {
        return Err("the proof has no claims (console blocks with `$ relucheck ...`)".into());
    }
    Ok(claims
        .into_iter()
        .map(|claim| {
            let (actual, code) = run(&claim.args, folder);
            let lines: Vec<&str> = actual.lines().collect();
            let ok = code == claim.exit_code && matches(&claim.expected, &lines);
            ClaimResult {
                claim,
                ok,
                actual,
                actual_code: code,
            }
        })
        .collect())
}

/// One line per claim with a check mark or a cross, and the difference under each cross.
pub fn render(results: &[ClaimResult]) -> String {
    let mut s = String::new();
    for r in results {
        let mark = if r.ok { "✓" } else { "✗" };
        writeln!(
            s,
            "{mark} line {}: relucheck {}",
            r.claim.line,
            r.claim
                .args
                .iter()
                .map(|a| if a.contains(' ') || a.contains(';') {
                    format!("\"{a}\"")
                } else {
                    a.clone()
                })
                .collect::<Vec<_>>()
                .join(" ")
        )
        .unwrap();
        s.push_str(&r.difference());
    }
    let failed = results.iter().filter(|r| !r.ok).count();
    writeln!(
        s,
        "{} claims, {} hold, {} fail",
        results.len(),
        results.len() - failed,
        failed
    )
    .unwrap();
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_blocks_exit_codes_and_quotes() {
        let md = "text\n```console\n$ relucheck eval a.json --input \"1, 2\"\nf(1, 2) = [3]\n$ relucheck check a.json -p odd\n...\n[exit: 2]\n```\n```json\n$ not a claim\n```\n";
        let c = parse_proof(md).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].args, vec!["eval", "a.json", "--input", "1, 2"]);
        assert_eq!(c[0].expected, vec!["f(1, 2) = [3]"]);
        assert_eq!((c[0].line, c[0].exit_code), (3, 0));
        assert_eq!((c[1].line, c[1].exit_code), (5, 2));
        assert!(parse_proof("```console\nf = 1\n```\n").is_err());
        assert!(parse_proof("```console\n$ ls\n```\n").is_err());
        assert!(parse_proof("```console\n$ relucheck x \"a\n```\n").is_err());
    }

    #[test]
    fn ellipsis_matches_any_lines() {
        let e = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(matches(&e(&["a", "...", "z"]), &["a", "b", "c", "z"]));
        assert!(matches(&e(&["a", "...", "z"]), &["a", "z"]));
        assert!(!matches(&e(&["a", "...", "z"]), &["a", "b"]));
        assert!(!matches(&e(&["a"]), &["a", "b"]));
        assert!(matches(&e(&["..."]), &[]));
    }

    #[test]
    fn a_wrong_claim_fails_with_its_difference() {
        let md = "```console\n$ relucheck eval n --input 1\nf(1) = [2]\n```\n";
        let mut run = |_: &[String], _: &Path| ("f(1) = [1]\n".to_string(), 0);
        let r = check_proof(md, Path::new("."), &mut run).unwrap();
        assert!(!r[0].ok);
        assert_eq!(r[0].difference(), "  - f(1) = [2]\n  + f(1) = [1]\n");
        assert!(render(&r).contains("✗ line 2: relucheck eval n --input 1"));
        let mut run = |_: &[String], _: &Path| ("f(1) = [2]\n".to_string(), 2);
        let r = check_proof(md, Path::new("."), &mut run).unwrap();
        assert_eq!(r[0].difference(), "  exit code: expected 0, got 2\n");
    }
}
