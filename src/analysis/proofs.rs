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
//! runs the relucheck binary itself, with [`run_claim`]) and reports each with the
//! difference when it fails. A proof can therefore never drift from the code: `cargo test`
//! checks every proof in `proofs/`.
//!
//! A proof is untrusted input: anyone can hand you a Markdown file. Before a claim runs, a
//! [`Sandbox`] checks it: only the subcommands of [`ALLOWED_SUBCOMMANDS`] (never `prove`),
//! only options it knows ([`claim_options`]), every file read below the proof's folder
//! (after `..` and symbolic links), every write rewritten into a temporary folder removed
//! after the run. [`run_claim`] stops a claim at its time limit. The matcher of expected
//! output is a dynamic program, O(expected lines · actual lines).

use crate::output::escape_control as escape;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

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

/// Does `actual` match `expected`, where a `...` line matches any number of lines (and
/// trailing spaces of actual lines are ignored)? A dynamic program over suffixes: time
/// O(|expected| · |actual|), memory O(|actual|).
pub fn lines_match(expected: &[String], actual: &[&str]) -> bool {
    let n = actual.len();
    // next[j]: does expected[i + 1..] match actual[j..]? Starts as the empty pattern.
    let mut next: Vec<bool> = (0..=n).map(|j| j == n).collect();
    let mut cur = vec![false; n + 1];
    for e in expected.iter().rev() {
        if e == "..." {
            cur[n] = next[n];
            for j in (0..n).rev() {
                cur[j] = next[j] || cur[j + 1];
            }
        } else {
            cur[n] = false;
            for j in (0..n).rev() {
                cur[j] = next[j + 1] && actual[j].trim_end() == e;
            }
        }
        std::mem::swap(&mut cur, &mut next);
    }
    next[0]
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
    /// Why the claim was not run or did not finish (refused by the [`Sandbox`], stopped at
    /// its time limit), if so.
    pub refused: Option<String>,
}

impl ClaimResult {
    /// The difference, in unified style (`-` expected, `+` actual), empty when it matched.
    pub fn difference(&self) -> String {
        if self.ok {
            return String::new();
        }
        let mut s = String::new();
        if let Some(reason) = &self.refused {
            writeln!(s, "  not run: {reason}").unwrap();
            return s;
        }
        if self.actual_code != self.claim.exit_code {
            writeln!(
                s,
                "  exit code: expected {}, got {}",
                self.claim.exit_code, self.actual_code
            )
            .unwrap();
        }
        let actual: Vec<&str> = self.actual.lines().collect();
        if !lines_match(&self.claim.expected, &actual) {
            for e in &self.claim.expected {
                writeln!(s, "  - {}", escape(e)).unwrap();
            }
            for a in &actual {
                writeln!(s, "  + {}", escape(a)).unwrap();
            }
        }
        s
    }
}

/// Runs `relucheck args` in a folder; returns standard output and exit code, or why the
/// command could not run to its end (see [`run_claim`]).
pub type Runner<'a> = dyn FnMut(&[String], &Path) -> Result<(String, i32), String> + 'a;

/// Runs every claim of a proof in `sandbox`. Each claim is first admitted by
/// [`Sandbox::admit`] (a refused claim fails with the reason); then `run(args, folder)` runs
/// `relucheck args` in the proof's folder.
pub fn check_proof(
    markdown: &str,
    sandbox: &Sandbox,
    run: &mut Runner<'_>,
) -> Result<Vec<ClaimResult>, String> {
    let claims = parse_proof(markdown)?;
    if claims.is_empty() {
        return Err("the proof has no claims (console blocks with `$ relucheck ...`)".into());
    }
    Ok(claims
        .into_iter()
        .map(|claim| {
            let outcome = sandbox
                .admit(&claim.args)
                .and_then(|args| run(&args, sandbox.folder()));
            match outcome {
                Ok((actual, code)) => {
                    let actual = sandbox.clean(&actual);
                    let lines: Vec<&str> = actual.lines().collect();
                    let ok = code == claim.exit_code && lines_match(&claim.expected, &lines);
                    ClaimResult {
                        claim,
                        ok,
                        actual,
                        actual_code: code,
                        refused: None,
                    }
                }
                Err(reason) => ClaimResult {
                    claim,
                    ok: false,
                    actual: String::new(),
                    actual_code: -1,
                    refused: Some(reason),
                },
            }
        })
        .collect())
}

/// The subcommands a claim may run. `prove` is not among them: a proof cannot start proofs.
pub const ALLOWED_SUBCOMMANDS: &[&str] =
    &["eval", "regions", "check", "verify", "report", "import"];

/// Set in the environment of every claim's process; `relucheck prove` refuses to run when
/// it is set, so a claim cannot start a proof even through another program.
pub const IN_PROOF_ENV: &str = "RELUCHECK_IN_PROOF";

/// The time a claim may run before it is stopped and fails (`prove --claim-time-limit`).
pub const DEFAULT_CLAIM_TIME_LIMIT: Duration = Duration::from_secs(60);

/// The most standard output a claim may print (16 MiB); more fails the claim.
pub const MAX_CLAIM_OUTPUT: u64 = 16 << 20;

/// What the value of a claim's argument is, for the policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    /// An option without a value (`--count`).
    Flag,
    /// A value that is not a path (`--box -1:1`).
    Value,
    /// A file the command reads: it must lie below the proof's folder.
    Read,
    /// A file or folder the command writes: put into the run's temporary folder.
    Write,
    /// `--input`: exact numbers, or `@FILE` read like [`ArgKind::Read`].
    InputOrFile,
}

/// One option of a subcommand: long name, short name, the kind of its value.
pub type OptionSpec = (&'static str, Option<char>, ArgKind);

const DOMAIN: [OptionSpec; 4] = [
    ("box", None, ArgKind::Value),
    ("box-from", None, ArgKind::Read),
    ("slice", None, ArgKind::Value),
    ("segment", None, ArgKind::Value),
];
const BUDGET: [OptionSpec; 3] = [
    ("max-regions", None, ArgKind::Value),
    ("time-limit", None, ArgKind::Value),
    ("threads", None, ArgKind::Value),
];

/// The options a claim may give each allowed subcommand (besides `--help`), and what
/// their values are. Every positional argument of these subcommands is a file read
/// (NET, MODEL, CERT). The CLI's tests check this table against its argument definitions.
pub fn claim_options(subcommand: &str) -> Option<Vec<OptionSpec>> {
    use ArgKind::{Flag, InputOrFile, Read, Value, Write};
    let format = ("format", None, Value);
    let precision = ("precision", None, Value);
    let mut options = match subcommand {
        "eval" => vec![
            ("input", Some('i'), InputOrFile),
            ("trace", None, Flag),
            format,
            precision,
        ],
        "import" => vec![
            ("output", Some('o'), Write),
            ("no-normalize", None, Flag),
            ("no-clamp", None, Flag),
        ],
        "regions" => [&DOMAIN[..], &BUDGET[..], &[("count", None, Flag), format]].concat(),
        "check" => {
            let own = [
                ("property", Some('p'), Value),
                ("orthant", None, Flag),
                ("search", None, Flag),
                ("cases", None, Value),
                ("seed", None, Value),
                format,
                precision,
                ("certificate", None, Write),
            ];
            [&DOMAIN[..], &BUDGET[..], &own[..]].concat()
        }
        "report" => {
            let own = [
                ("orthant", None, Flag),
                ("out", None, Write),
                ("aux-time-limit", None, Value),
                ("output", None, Value),
            ];
            [&DOMAIN[..], &BUDGET[..], &own[..]].concat()
        }
        "verify" => vec![("network", None, Read), ("domain", None, Value)],
        _ => return None,
    };
    // The global option of every subcommand: how numbers are shown.
    options.push(("numbers", None, Value));
    Some(options)
}

/// Where a proof's claims run: they read only below a root folder (canonical paths, after
/// `..` and symbolic links), and write only into a temporary folder made for the run and
/// removed when the sandbox is dropped.
///
/// A relative write path (`--certificate cert.json`, `-o net.json`, `--out report`) is
/// rewritten into the temporary folder; an absolute one or one with `..` is refused. A
/// later claim reading the same relative path reads the file written there.
#[derive(Debug)]
pub struct Sandbox {
    folder: PathBuf,
    read_root: PathBuf,
    scratch: tempfile::TempDir,
}

impl Sandbox {
    /// A sandbox whose claims run in `folder` (the proof's folder) and may read below
    /// `read_root` (which must contain `folder`; usually `folder` itself).
    pub fn new(folder: &Path, read_root: &Path) -> Result<Self, String> {
        let canon = |p: &Path| {
            std::fs::canonicalize(p)
                .map_err(|e| format!("{}: {e}", escape(&p.display().to_string())))
        };
        let (folder, read_root) = (canon(folder)?, canon(read_root)?);
        if !folder.starts_with(&read_root) {
            return Err(format!(
                "the proof's folder {} is not below the read root {}",
                escape(&folder.display().to_string()),
                escape(&read_root.display().to_string())
            ));
        }
        let scratch = tempfile::Builder::new()
            .prefix("relucheck-proof-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary folder: {e}"))?;
        Ok(Sandbox {
            folder,
            read_root,
            scratch,
        })
    }

    /// The folder claims run in (canonical).
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// The temporary folder that receives every write.
    pub fn scratch(&self) -> &Path {
        self.scratch.path()
    }

    /// The arguments a claim runs with, its paths checked and rewritten, or why it is
    /// refused.
    pub fn admit(&self, args: &[String]) -> Result<Vec<String>, String> {
        let Some(sub) = args.first() else {
            return Err("a claim needs a subcommand".into());
        };
        if sub == "prove" {
            return Err("a proof may not run `prove` (no proofs inside proofs)".into());
        }
        let Some(options) = claim_options(sub) else {
            return Err(format!(
                "a claim may run only {} (not `{}`)",
                ALLOWED_SUBCOMMANDS.join(", "),
                escape(sub)
            ));
        };
        let mut out = vec![sub.clone()];
        let mut rest = args[1..].iter();
        let mut positional_only = false;
        while let Some(arg) = rest.next() {
            if positional_only || arg == "-" || !arg.starts_with('-') {
                out.push(self.read_path(arg)?);
            } else if arg == "--" {
                positional_only = true;
                out.push(arg.clone());
            } else {
                out.extend(self.option(arg, &options, &mut rest)?);
            }
        }
        Ok(out)
    }

    /// One option (`--long`, `--long=V`, `-s`, `-sV`) and its value, rewritten.
    fn option<'a>(
        &self,
        arg: &str,
        options: &[OptionSpec],
        rest: &mut impl Iterator<Item = &'a String>,
    ) -> Result<Vec<String>, String> {
        let (name, inline) = match arg.strip_prefix("--") {
            Some(long) => match long.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (long.to_string(), None),
            },
            None => {
                let mut chars = arg[1..].chars();
                let c = chars.next().unwrap_or('-');
                let v: String = chars.collect();
                let v = v.strip_prefix('=').map(str::to_string).unwrap_or(v);
                let long = options
                    .iter()
                    .find(|o| o.1 == Some(c))
                    .map(|o| o.0.to_string())
                    .unwrap_or_else(|| {
                        if c == 'h' {
                            "help".into()
                        } else {
                            format!("-{c}")
                        }
                    });
                (long, (!v.is_empty()).then_some(v))
            }
        };
        let kind = match options.iter().find(|o| o.0 == name) {
            Some(o) => o.2,
            None if name == "help" => ArgKind::Flag,
            None => {
                return Err(format!(
                    "`{}` is not an option a claim may use here",
                    escape(arg)
                ));
            }
        };
        if kind == ArgKind::Flag {
            return match inline {
                None => Ok(vec![arg.to_string()]),
                Some(_) => Err(format!("`{}` takes no value", escape(arg))),
            };
        }
        let value = match &inline {
            Some(v) => v.clone(),
            None => rest
                .next()
                .cloned()
                .ok_or_else(|| format!("`{}` needs a value", escape(arg)))?,
        };
        let value = match kind {
            ArgKind::Read => self.read_path(&value)?,
            ArgKind::Write => self.write_path(&value)?,
            ArgKind::InputOrFile => match value.strip_prefix('@') {
                Some(file) => format!("@{}", self.read_path(file)?),
                None => value,
            },
            ArgKind::Value | ArgKind::Flag => value,
        };
        Ok(match inline {
            Some(_) => vec![format!("--{name}={value}")],
            None => vec![arg.to_string(), value],
        })
    }

    /// A file a claim reads: written by an earlier claim (in the temporary folder), or
    /// below the read root after resolving `..` and symbolic links.
    fn read_path(&self, p: &str) -> Result<String, String> {
        let path = Path::new(p);
        if p.is_empty() {
            return Err("an empty path".into());
        }
        if let Some(rel) = plain_relative(path) {
            let written = self.scratch().join(rel);
            if written.exists() {
                return to_arg(&written);
            }
        }
        let full = self.folder.join(path);
        let resolved = match std::fs::canonicalize(&full) {
            Ok(c) => c,
            // A file that does not exist: its folder must still lie inside (the command
            // then reports the missing file itself).
            Err(_) => {
                let (Some(parent), Some(name)) = (full.parent(), full.file_name()) else {
                    return Err(format!("cannot read {}", escape(p)));
                };
                std::fs::canonicalize(parent)
                    .map_err(|e| format!("cannot read {}: {e}", escape(p)))?
                    .join(name)
            }
        };
        if !resolved.starts_with(&self.read_root) {
            return Err(format!(
                "{} lies outside the proof's folder (claims read only below {})",
                escape(p),
                escape(&self.read_root.display().to_string())
            ));
        }
        to_arg(&resolved)
    }

    /// A file or folder a claim writes: a relative path without `..`, put into the
    /// temporary folder.
    fn write_path(&self, p: &str) -> Result<String, String> {
        let rel = plain_relative(Path::new(p)).ok_or_else(|| {
            format!(
                "{} : a claim writes only relative paths without `..` (into a temporary folder)",
                escape(p)
            )
        })?;
        let target = self.scratch().join(rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", escape(p)))?;
        }
        to_arg(&target)
    }

    /// A claim's output with the sandbox's folders taken out of the paths it prints, so
    /// that it reads as the proof wrote it.
    fn clean(&self, output: &str) -> String {
        let mut s = output.to_string();
        for dir in [self.scratch(), self.folder.as_path()] {
            if let Some(d) = dir.to_str() {
                s = s.replace(&format!("{d}{}", std::path::MAIN_SEPARATOR), "");
            }
        }
        s
    }
}

/// `p` as a relative path of plain names (`.` allowed), or `None` (absolute, `..`, empty).
fn plain_relative(p: &Path) -> Option<PathBuf> {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

fn to_arg(p: &Path) -> Result<String, String> {
    p.to_str()
        .map(str::to_string)
        .ok_or_else(|| format!("{} is not valid UTF-8", escape(&p.display().to_string())))
}

/// Runs one claim's command with a time limit: `program args` in `dir`, with
/// [`IN_PROOF_ENV`] set, standard input empty and standard error discarded. Returns its
/// standard output and exit code, or why it failed (not started, stopped at the time
/// limit, more than [`MAX_CLAIM_OUTPUT`] bytes of output).
pub fn run_claim(
    program: &Path,
    args: &[String],
    dir: &Path,
    time_limit: Duration,
) -> Result<(String, i32), String> {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let start = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env(IN_PROOF_ENV, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", escape(&program.display().to_string())))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut buf = vec![];
        let _ = stdout.take(MAX_CLAIM_OUTPUT + 1).read_to_end(&mut buf);
        buf
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() >= time_limit => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = reader.join();
                return Err(format!(
                    "stopped at the claim time limit of {} s",
                    time_limit.as_secs_f64()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("cannot wait for the claim: {e}")),
        }
    };
    let out = reader.join().unwrap_or_default();
    if out.len() as u64 > MAX_CLAIM_OUTPUT {
        return Err(format!(
            "the claim printed more than {MAX_CLAIM_OUTPUT} bytes"
        ));
    }
    Ok((
        String::from_utf8_lossy(&out).into_owned(),
        status.code().unwrap_or(-1),
    ))
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
                    format!("\"{}\"", escape(a))
                } else {
                    escape(a)
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

    /// The former recursive matcher, exponential in the number of `...` lines: the
    /// reference the dynamic program is checked against.
    fn reference(expected: &[String], actual: &[&str]) -> bool {
        match expected.split_first() {
            None => actual.is_empty(),
            Some((e, rest)) if e == "..." => {
                (0..=actual.len()).any(|k| reference(rest, &actual[k..]))
            }
            Some((e, rest)) => actual
                .split_first()
                .is_some_and(|(a, arest)| a.trim_end() == e && reference(rest, arest)),
        }
    }

    fn e(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn ellipsis_matches_any_lines() {
        assert!(lines_match(&e(&["a", "...", "z"]), &["a", "b", "c", "z"]));
        assert!(lines_match(&e(&["a", "...", "z"]), &["a", "z"]));
        assert!(!lines_match(&e(&["a", "...", "z"]), &["a", "b"]));
        assert!(!lines_match(&e(&["a"]), &["a", "b"]));
        assert!(lines_match(&e(&["..."]), &[]));
        assert!(lines_match(&e(&[]), &[]));
        assert!(!lines_match(&e(&[]), &["a"]));
        assert!(lines_match(&e(&["a"]), &["a  "]));
        assert!(!lines_match(&e(&["a  "]), &["a"]));
    }

    #[test]
    fn the_dynamic_program_agrees_with_the_recursive_matcher() {
        // xorshift: thousands of small random cases over a three-line alphabet, so that
        // both outcomes occur often.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |m: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % m
        };
        let alphabet = ["a", "b", "...", "a "];
        let (mut yes, mut no) = (0, 0);
        for _ in 0..20_000 {
            let expected: Vec<String> = (0..next(8))
                .map(|_| alphabet[next(3) as usize].to_string())
                .collect();
            let actual: Vec<&str> = (0..next(10)).map(|_| alphabet[next(4) as usize]).collect();
            let want = reference(&expected, &actual);
            assert_eq!(
                lines_match(&expected, &actual),
                want,
                "{expected:?} {actual:?}"
            );
            if want { yes += 1 } else { no += 1 }
        }
        assert!(yes > 1000 && no > 1000, "{yes} {no}");
    }

    #[test]
    fn many_ellipses_against_a_long_output_take_no_time() {
        // 8 `...` against 59 lines took 107 s with the recursive matcher; here 40 against
        // 2,000 lines, failing at the last line so that every split is explored.
        let mut expected = vec![];
        for _ in 0..40 {
            expected.push("...".to_string());
            expected.push("x".to_string());
        }
        expected.push("never".to_string());
        let actual: Vec<&str> = (0..2000)
            .map(|i| if i % 3 == 0 { "x" } else { "y" })
            .collect();
        let start = std::time::Instant::now();
        assert!(!lines_match(&expected, &actual));
        expected.pop();
        expected.push("...".to_string());
        assert!(lines_match(&expected, &actual));
        assert!(
            start.elapsed() < Duration::from_millis(500),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn a_wrong_claim_fails_with_its_difference() {
        let md = "```console\n$ relucheck eval n --input 1\nf(1) = [2]\n```\n";
        let sandbox = Sandbox::new(Path::new("."), Path::new(".")).unwrap();
        let mut run = |_: &[String], _: &Path| Ok(("f(1) = [1]\n".to_string(), 0));
        let r = check_proof(md, &sandbox, &mut run).unwrap();
        assert!(!r[0].ok);
        assert_eq!(r[0].difference(), "  - f(1) = [2]\n  + f(1) = [1]\n");
        assert!(render(&r).contains("✗ line 2: relucheck eval n --input 1"));
        let mut run = |_: &[String], _: &Path| Ok(("f(1) = [2]\n".to_string(), 2));
        let r = check_proof(md, &sandbox, &mut run).unwrap();
        assert_eq!(r[0].difference(), "  exit code: expected 0, got 2\n");
    }
}
