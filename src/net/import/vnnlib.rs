//! The input box of a VNN-LIB property (`.vnnlib`, the VNN-COMP format), read exactly.
//!
//! A VNN-LIB file is SMT-LIB: `(declare-const X_0 Real)` for each input, `(declare-const
//! Y_0 Real)` for each output, and `(assert ...)` constraints. Only the input box is read,
//! and only in this form:
//!
//! ```text
//! (declare-const X_0 Real)
//! (assert (<= X_0 0.6))
//! (assert (>= X_0 -0.3))
//! ```
//!
//! Each input `X_0 ... X_{n-1}` must be declared once and get exactly one upper bound
//! (`<=`) and one lower bound (`>=`), by a number ([`Q::parse`]: exact decimals, `3/8`,
//! `1e-3`) with lower <= upper. Anything else that mentions an input (a disjunction, a
//! bound between two inputs, a reversed comparison, a second bound) is an error naming the
//! line; assertions on the outputs `Y_j` alone are skipped and counted (the output
//! property is not checked). Comments start with `;`.
//!
//! ```
//! use relucheck::net::import::vnnlib::input_box;
//! let b = input_box("(declare-const X_0 Real)\n(assert (<= X_0 1))\n(assert (>= X_0 -0.5))\n", "p.vnnlib").unwrap();
//! assert_eq!(b.lo[0], relucheck::Q::parse("-1/2").unwrap());
//! assert_eq!(b.skipped_output_assertions, 0);
//! ```

use crate::error::{Error, Result};
use crate::exact::rational::Q;

/// The deepest nesting of parentheses read.
const MAX_DEPTH: usize = 64;
/// The most inputs read.
const MAX_INPUTS: usize = 1_000_000;

/// The box a VNN-LIB file gives its inputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VnnlibBox {
    /// Lower bounds, `X_0` first.
    pub lo: Vec<Q>,
    /// Upper bounds.
    pub hi: Vec<Q>,
    /// Assertions on the outputs alone, which were skipped.
    pub skipped_output_assertions: usize,
}

/// An S-expression with the line it starts on.
enum Sexp<'a> {
    Atom(&'a str, usize),
    List(Vec<Sexp<'a>>, usize),
}

impl Sexp<'_> {
    fn line(&self) -> usize {
        match self {
            Sexp::Atom(_, l) | Sexp::List(_, l) => *l,
        }
    }
}

fn err(source: &str, line: usize, message: impl Into<String>) -> Error {
    Error::Format {
        source_name: source.to_string(),
        path: format!("line {line}"),
        message: message.into(),
    }
}

/// The top-level S-expressions of `text`.
fn parse<'t>(text: &'t str, source: &str) -> Result<Vec<Sexp<'t>>> {
    let mut stack: Vec<(Vec<Sexp>, usize)> = vec![(Vec::new(), 1)];
    let mut line = 1;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        match c {
            '\n' => line += 1,
            ';' => {
                let end = rest.find('\n').unwrap_or(rest.len());
                rest = &rest[end..];
                continue;
            }
            '(' => {
                if stack.len() > MAX_DEPTH {
                    return Err(err(
                        source,
                        line,
                        format!("parentheses nested deeper than {MAX_DEPTH} levels"),
                    ));
                }
                stack.push((Vec::new(), line));
            }
            ')' => {
                let Some((items, start)) = stack.pop().filter(|_| !stack.is_empty()) else {
                    return Err(err(source, line, "a `)` without its `(`"));
                };
                stack
                    .last_mut()
                    .expect("the top level stays")
                    .0
                    .push(Sexp::List(items, start));
            }
            c if c.is_whitespace() => {}
            _ => {
                let end = rest
                    .find(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ';')
                    .unwrap_or(rest.len());
                stack
                    .last_mut()
                    .expect("the top level stays")
                    .0
                    .push(Sexp::Atom(&rest[..end], line));
                rest = &rest[end..];
                continue;
            }
        }
        rest = &rest[c.len_utf8()..];
    }
    match stack.pop() {
        Some((items, _)) if stack.is_empty() => Ok(items),
        Some((_, start)) => Err(err(
            source,
            start,
            "this `(` is never closed; the file is truncated",
        )),
        None => unreachable!("the top level stays"),
    }
}

/// `X_7` -> `Some(('X', 7))`, `Y_0` -> `Some(('Y', 0))`.
fn variable(name: &str) -> Option<(char, usize)> {
    let (kind, index) = name.split_at_checked(2)?;
    let kind = match kind {
        "X_" => 'X',
        "Y_" => 'Y',
        _ => return None,
    };
    let plain = !index.is_empty()
        && index.bytes().all(|b| b.is_ascii_digit())
        && (index == "0" || !index.starts_with('0'));
    let i: usize = index.parse().ok().filter(|_| plain)?;
    (i < MAX_INPUTS).then_some((kind, i))
}

/// Does the expression mention an atom that names an input?
fn mentions_input(e: &Sexp) -> bool {
    match e {
        Sexp::Atom(a, _) => a.starts_with("X_"),
        Sexp::List(items, _) => items.iter().any(mentions_input),
    }
}

/// The state of the reading: declared variables and bounds found.
struct Reader<'a> {
    source: &'a str,
    inputs: Vec<bool>,
    outputs: std::collections::HashSet<usize>,
    /// Per input: (lower, upper), with the line each came from.
    bounds: Vec<[Option<(Q, usize)>; 2]>,
    skipped: usize,
}

impl Reader<'_> {
    fn err(&self, line: usize, message: impl Into<String>) -> Error {
        err(self.source, line, message)
    }

    fn declare(&mut self, items: &[Sexp], line: usize) -> Result<()> {
        let [_, Sexp::Atom(name, _), Sexp::Atom("Real", _)] = items else {
            return Err(self.err(
                line,
                "expected (declare-const X_i Real) or (declare-const Y_j Real)",
            ));
        };
        match variable(name) {
            Some(('X', i)) => {
                if i >= self.inputs.len() {
                    self.inputs.resize(i + 1, false);
                    self.bounds.resize(i + 1, [None, None]);
                }
                if std::mem::replace(&mut self.inputs[i], true) {
                    return Err(self.err(line, format!("{name} is declared twice")));
                }
            }
            Some((_, j)) => {
                if !self.outputs.insert(j) {
                    return Err(self.err(line, format!("{name} is declared twice")));
                }
            }
            None => {
                return Err(self.err(
                    line,
                    format!(
                        "unknown variable `{name}`: VNN-LIB names inputs X_0, X_1, ... and outputs Y_0, Y_1, ..."
                    ),
                ));
            }
        }
        Ok(())
    }

    fn assert(&mut self, items: &[Sexp], line: usize) -> Result<()> {
        let [_, body] = items else {
            return Err(self.err(line, "expected (assert CONSTRAINT)"));
        };
        if !mentions_input(body) {
            self.skipped += 1;
            return Ok(());
        }
        let form =
            "an input may only be bounded as (assert (<= X_i NUMBER)) or (assert (>= X_i NUMBER))";
        let Sexp::List(parts, _) = body else {
            return Err(self.err(line, form));
        };
        let [Sexp::Atom(op, _), Sexp::Atom(var, _), Sexp::Atom(num, nl)] = &parts[..] else {
            return Err(self.err(line, format!("{form}; found another form")));
        };
        let side = match *op {
            ">=" => 0,
            "<=" => 1,
            _ => return Err(self.err(line, format!("{form}; found `{op}`"))),
        };
        let Some(('X', i)) = variable(var) else {
            return Err(self.err(line, format!("{form}; `{var}` is not an input X_i")));
        };
        if !self.inputs.get(i).copied().unwrap_or(false) {
            return Err(self.err(line, format!("{var} is used before its declare-const")));
        }
        let value = Q::parse(num).map_err(|e| self.err(*nl, format!("the bound `{num}`: {e}")))?;
        if let Some((_, first)) = &self.bounds[i][side] {
            return Err(self.err(
                line,
                format!(
                    "a second {} bound for {var} (the first is on line {first}); give each input one lower and one upper bound",
                    if side == 0 { "lower" } else { "upper" }
                ),
            ));
        }
        self.bounds[i][side] = Some((value, line));
        Ok(())
    }
}

/// Reads the input box of a VNN-LIB file's text; `source` names the file in errors.
pub fn input_box(text: &str, source: &str) -> Result<VnnlibBox> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut r = Reader {
        source,
        inputs: Vec::new(),
        outputs: std::collections::HashSet::new(),
        bounds: Vec::new(),
        skipped: 0,
    };
    for form in parse(text, source)? {
        let line = form.line();
        let Sexp::List(items, _) = &form else {
            return Err(r.err(line, "expected (declare-const ...) or (assert ...)"));
        };
        match items.first() {
            Some(Sexp::Atom("declare-const", _)) => r.declare(&items[..], line)?,
            Some(Sexp::Atom("assert", _)) => r.assert(&items[..], line)?,
            _ => {
                return Err(r.err(
                    line,
                    "only (declare-const ...) and (assert ...) are read in a VNN-LIB file",
                ));
            }
        }
    }
    if r.inputs.is_empty() {
        return Err(err(
            source,
            1,
            "no input declared: expected (declare-const X_0 Real)",
        ));
    }
    let (mut lo, mut hi) = (Vec::new(), Vec::new());
    for (i, b) in r.bounds.iter().enumerate() {
        if !r.inputs[i] {
            return Err(err(
                source,
                1,
                format!(
                    "X_{i} is not declared, though X_{} is; inputs are numbered from 0 without gaps",
                    r.inputs.len() - 1
                ),
            ));
        }
        let [Some((l, _)), Some((h, line))] = b else {
            let missing = if b[0].is_none() {
                "lower (>=)"
            } else {
                "upper (<=)"
            };
            return Err(err(
                source,
                1,
                format!(
                    "X_{i} has no {missing} bound; give each input (assert (>= X_i LO)) and (assert (<= X_i HI))"
                ),
            ));
        };
        if l > h {
            return Err(err(
                source,
                *line,
                format!("X_{i} has lower bound {l} above its upper bound {h}; the box is empty"),
            ));
        }
        lo.push(l.clone());
        hi.push(h.clone());
    }
    Ok(VnnlibBox {
        lo,
        hi,
        skipped_output_assertions: r.skipped,
    })
}
