//! Domains on which regions are enumerated and properties decided.
//!
//! A [`Domain`] is a polyhedron `P` in `k` *domain coordinates* `y` together with an affine
//! embedding `x = E(y)` into the network's input space. The kinds:
//!
//! | kind | k | P | E |
//! | --- | --- | --- | --- |
//! | whole input space `R^d` | d | everything | identity |
//! | non-negative orthant | d | `x >= 0` | identity |
//! | box | d | `lo_j <= x_j <= hi_j` | identity |
//! | 2-D slice | 2 | a box on `(s, t)` (or everything) | `x = origin + s·u + t·v` |
//! | segment | 1 | `0 <= s <= 1` | `x = from + s·(to - from)` |
//!
//! Everything is exact. The command-line syntax ([`Domain::from_options`]):
//! `--box -1:1` (every coordinate), `--box -1:1,0:2` (per coordinate),
//! `--slice "ORIGIN;U;V"` with each vector comma-separated (and `--box` on the slice
//! coordinates `s, t`), `--segment "FROM;TO"`, `--orthant`.

use crate::error::{Error, Result};
use crate::exact::linalg::{Affine, HalfSpace, Matrix};
use crate::exact::points::{format_point, parse_point};
use crate::exact::rational::Q;
use crate::geometry::polytope::Polytope;

/// The most input coordinates a whole-space, orthant or box domain may have (their
/// embedding is a dense identity matrix); use a slice or a segment for larger inputs.
pub const MAX_DOMAIN_DIM: usize = 1024;

/// What kind of domain, with its defining data (input coordinates).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DomainKind {
    /// All of `R^d`.
    Whole,
    /// `x >= 0`.
    Orthant,
    /// `lo <= x <= hi`.
    Box {
        /// Lower bounds.
        lo: Vec<Q>,
        /// Upper bounds.
        hi: Vec<Q>,
    },
    /// `x = origin + s·u + t·v`, `(s, t)` in a box or in all of `R^2`.
    Slice {
        /// A point of the plane.
        origin: Vec<Q>,
        /// First direction.
        u: Vec<Q>,
        /// Second direction.
        v: Vec<Q>,
        /// Bounds `(lo, hi)` on `(s, t)`, or `None` for the whole plane.
        bounds: Option<(Vec<Q>, Vec<Q>)>,
    },
    /// `x = from + s·(to - from)`, `0 <= s <= 1`.
    Segment {
        /// Start.
        from: Vec<Q>,
        /// End.
        to: Vec<Q>,
    },
}

/// A polyhedral domain in domain coordinates, embedded affinely in the input space.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Domain {
    kind: DomainKind,
    input_dim: usize,
    polytope: Polytope,
    embed: Affine,
}

impl Domain {
    /// All of `R^d`.
    pub fn whole(d: usize) -> Domain {
        Domain {
            kind: DomainKind::Whole,
            input_dim: d,
            polytope: Polytope::whole_space(d),
            embed: Affine::identity(d),
        }
    }

    /// The non-negative orthant `x >= 0` of `R^d`.
    pub fn orthant(d: usize) -> Domain {
        let cons = (0..d)
            .map(|j| {
                let mut a = vec![Q::ZERO; d];
                a[j] = -Q::ONE;
                HalfSpace::new(a, Q::ZERO)
            })
            .collect();
        Domain {
            kind: DomainKind::Orthant,
            input_dim: d,
            polytope: Polytope::new(d, cons),
            embed: Affine::identity(d),
        }
    }

    /// The box `lo <= x <= hi`; errors unless `lo_j < hi_j` for every `j`.
    pub fn boxed(lo: Vec<Q>, hi: Vec<Q>) -> Result<Domain> {
        check_box(&lo, &hi)?;
        let d = lo.len();
        Ok(Domain {
            polytope: Polytope::from_box(&lo, &hi),
            kind: DomainKind::Box { lo, hi },
            input_dim: d,
            embed: Affine::identity(d),
        })
    }

    /// The plane `origin + s·u + t·v`, with `(s, t)` in the box `bounds` or unbounded.
    /// Errors unless `u` and `v` are linearly independent and of the origin's length.
    pub fn slice(
        origin: Vec<Q>,
        u: Vec<Q>,
        v: Vec<Q>,
        bounds: Option<(Vec<Q>, Vec<Q>)>,
    ) -> Result<Domain> {
        let d = origin.len();
        if u.len() != d || v.len() != d {
            return Err(Error::Invalid(format!(
                "--slice: the origin has {d} coordinates but the directions have {} and {}; all three need the network's input size",
                u.len(),
                v.len()
            )));
        }
        let a = Matrix::from_rows((0..d).map(|i| vec![u[i].clone(), v[i].clone()]).collect())
            .expect("rows of length 2");
        if a.rank() < 2 {
            return Err(Error::Invalid(
                "--slice: the two directions are parallel (or zero); give two independent directions"
                    .into(),
            ));
        }
        let polytope = match &bounds {
            Some((lo, hi)) => {
                check_box(lo, hi)?;
                if lo.len() != 2 {
                    return Err(Error::Invalid(format!(
                        "--box with --slice bounds the 2 slice coordinates (s, t); found {} intervals",
                        lo.len()
                    )));
                }
                Polytope::from_box(lo, hi)
            }
            None => Polytope::whole_space(2),
        };
        Ok(Domain {
            embed: Affine {
                a,
                c: origin.clone(),
            },
            kind: DomainKind::Slice {
                origin,
                u,
                v,
                bounds,
            },
            input_dim: d,
            polytope,
        })
    }

    /// The segment from `from` to `to` (distinct points of equal length).
    pub fn segment(from: Vec<Q>, to: Vec<Q>) -> Result<Domain> {
        let d = from.len();
        if to.len() != d {
            return Err(Error::Invalid(format!(
                "--segment: the end points have {} and {} coordinates",
                d,
                to.len()
            )));
        }
        if from == to {
            return Err(Error::Invalid(
                "--segment: the two end points are equal; give two different points".into(),
            ));
        }
        let dir: Vec<Q> = to.iter().zip(&from).map(|(b, a)| b - a).collect();
        Ok(Domain {
            embed: Affine {
                a: Matrix::from_rows(dir.into_iter().map(|x| vec![x]).collect())
                    .expect("rows of length 1"),
                c: from.clone(),
            },
            kind: DomainKind::Segment { from, to },
            input_dim: d,
            polytope: Polytope::from_box(&[Q::ZERO], &[Q::ONE]),
        })
    }

    /// Builds a domain from the command-line options (see the module docs), for a network
    /// with `input_dim` inputs. At most one of `slice`, `segment`, `orthant` may be given;
    /// `box_spec` bounds the input (or, with `slice`, the slice coordinates).
    pub fn from_options(
        input_dim: usize,
        box_spec: Option<&str>,
        slice: Option<&str>,
        segment: Option<&str>,
        orthant: bool,
    ) -> Result<Domain> {
        let given = [slice.is_some(), segment.is_some(), orthant]
            .iter()
            .filter(|&&b| b)
            .count();
        if given > 1 {
            return Err(Error::Invalid(
                "give at most one of --slice, --segment and --orthant".into(),
            ));
        }
        if let Some(s) = segment {
            if box_spec.is_some() {
                return Err(Error::Invalid(
                    "--box does not combine with --segment (a segment is already bounded)".into(),
                ));
            }
            let pts = split_points(s, 2, "--segment", "\"FROM;TO\", e.g. \"0,0;1,1\"")?;
            let dom = Domain::segment(pts[0].clone(), pts[1].clone())?;
            dom.check_input_dim(input_dim)?;
            return Ok(dom);
        }
        if let Some(s) = slice {
            let pts = split_points(
                s,
                3,
                "--slice",
                "\"ORIGIN;U;V\", e.g. \"0,0,0;1,0,0;0,1,0\"",
            )?;
            let bounds = box_spec.map(|b| parse_box(b, 2)).transpose()?;
            let dom = Domain::slice(pts[0].clone(), pts[1].clone(), pts[2].clone(), bounds)?;
            dom.check_input_dim(input_dim)?;
            return Ok(dom);
        }
        if orthant && input_dim > MAX_DOMAIN_DIM {
            return Err(Error::Invalid(format!(
                "the network has {input_dim} inputs; the orthant is out of reach (at most {MAX_DOMAIN_DIM}); use --slice"
            )));
        }
        if orthant {
            if box_spec.is_some() {
                return Err(Error::Invalid(
                    "--box does not combine with --orthant; for a bounded part of the orthant use --box 0:N".into(),
                ));
            }
            return Ok(Domain::orthant(input_dim));
        }
        if input_dim > MAX_DOMAIN_DIM {
            return Err(Error::Invalid(format!(
                "the network has {input_dim} inputs; region analysis on all of them is out of reach (at most {MAX_DOMAIN_DIM}); look at a 2-D slice (--slice) or a segment (--segment)"
            )));
        }
        match box_spec {
            Some(b) => {
                let (lo, hi) = parse_box(b, input_dim)?;
                Domain::boxed(lo, hi)
            }
            None => Ok(Domain::whole(input_dim)),
        }
    }

    fn check_input_dim(&self, d: usize) -> Result<()> {
        if self.input_dim != d {
            return Err(Error::Invalid(format!(
                "the domain's points have {} coordinates but the network takes {d} inputs",
                self.input_dim
            )));
        }
        Ok(())
    }

    /// The kind and its data.
    pub fn kind(&self) -> &DomainKind {
        &self.kind
    }

    /// The number of domain coordinates `k`.
    pub fn dim(&self) -> usize {
        self.polytope.dim()
    }

    /// The network input size `d`.
    pub fn input_dim(&self) -> usize {
        self.input_dim
    }

    /// The polyhedron in domain coordinates.
    pub fn polytope(&self) -> &Polytope {
        &self.polytope
    }

    /// Is `y` (in domain coordinates) in the domain? The same answer as
    /// [`Polytope::contains`] on [`Domain::polytope`], read from the coordinate bounds on a
    /// whole space, an orthant or a box (on `R^784` the polytope's dense rows would cost
    /// 784 x 784 steps per point).
    pub fn contains(&self, y: &[Q]) -> bool {
        let fits = y.len() == self.dim();
        match &self.kind {
            DomainKind::Whole => fits,
            DomainKind::Orthant => fits && y.iter().all(|v| !v.is_negative()),
            DomainKind::Box { lo, hi } => {
                fits && (y.iter().zip(lo).zip(hi)).all(|((v, l), h)| l <= v && v <= h)
            }
            _ => self.polytope.contains(y),
        }
    }

    /// The embedding `x = E(y)` from domain coordinates into the input space.
    pub fn embedding(&self) -> &Affine {
        &self.embed
    }

    /// The input point of domain coordinates `y`. On a whole space, an orthant or a box the
    /// embedding is the identity, and `y` is returned as it is (without a `d x d` product).
    pub fn to_input(&self, y: &[Q]) -> Vec<Q> {
        match &self.kind {
            DomainKind::Whole | DomainKind::Orthant | DomainKind::Box { .. }
                if y.len() == self.input_dim =>
            {
                y.to_vec()
            }
            _ => self.embed.apply(y),
        }
    }

    /// Is the domain bounded?
    pub fn is_bounded(&self) -> bool {
        match &self.kind {
            DomainKind::Whole | DomainKind::Orthant => false,
            DomainKind::Box { .. } | DomainKind::Segment { .. } => true,
            DomainKind::Slice { bounds, .. } => bounds.is_some(),
        }
    }

    /// Are domain coordinates the input coordinates themselves?
    pub fn is_input_space(&self) -> bool {
        matches!(
            self.kind,
            DomainKind::Whole | DomainKind::Orthant | DomainKind::Box { .. }
        )
    }

    /// A one-line human description, e.g. `the box [-1, 1] x [0, 2]`.
    pub fn describe(&self) -> String {
        match &self.kind {
            DomainKind::Whole => format!("all of R^{}", self.input_dim),
            DomainKind::Orthant => {
                format!("the non-negative orthant x >= 0 of R^{}", self.input_dim)
            }
            DomainKind::Box { lo, hi } => format!("the box {}", box_text(lo, hi)),
            DomainKind::Slice {
                origin,
                u,
                v,
                bounds,
            } => format!(
                "the 2-D slice x = {} + s·{} + t·{}{}",
                format_point(origin),
                format_point(u),
                format_point(v),
                match bounds {
                    Some((lo, hi)) => format!(" with (s, t) in {}", box_text(lo, hi)),
                    None => " with (s, t) in R^2".into(),
                }
            ),
            DomainKind::Segment { from, to } => format!(
                "the segment from {} to {} (x = from + s·(to - from), 0 <= s <= 1)",
                format_point(from),
                format_point(to)
            ),
        }
    }

    /// The domain as JSON (exact numbers as strings); used by every JSON output.
    pub fn to_json(&self) -> serde_json::Value {
        use crate::output::qs_to_strings as s;
        use serde_json::json;
        match &self.kind {
            DomainKind::Whole => json!({"kind": "whole", "dim": self.input_dim}),
            DomainKind::Orthant => json!({"kind": "orthant", "dim": self.input_dim}),
            DomainKind::Box { lo, hi } => json!({"kind": "box", "lo": s(lo), "hi": s(hi)}),
            DomainKind::Slice {
                origin,
                u,
                v,
                bounds,
            } => json!({
                "kind": "slice", "origin": s(origin), "u": s(u), "v": s(v),
                "bounds": bounds.as_ref().map(|(lo, hi)| json!({"lo": s(lo), "hi": s(hi)})),
            }),
            DomainKind::Segment { from, to } => {
                json!({"kind": "segment", "from": s(from), "to": s(to)})
            }
        }
    }

    /// Reads a domain back from [`Domain::to_json`] (for a network with `input_dim`
    /// inputs); every error says what is wrong.
    pub fn from_json(v: &serde_json::Value, input_dim: usize) -> Result<Domain> {
        let bad = |s: &str| Error::Invalid(format!("domain: {s}"));
        let qs = |key: &str| -> Result<Vec<Q>> {
            v.get(key)
                .and_then(|x| x.as_array())
                .ok_or_else(|| bad(&format!("`{key}` must be a list of numbers")))?
                .iter()
                .map(|x| {
                    let t = match x {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Number(n) => n.to_string(),
                        _ => return Err(bad(&format!("`{key}` has a non-number"))),
                    };
                    Q::parse(&t).map_err(|e| bad(&e.to_string()))
                })
                .collect()
        };
        let dim = || -> Result<usize> {
            let d = v
                .get("dim")
                .and_then(|d| d.as_u64())
                .ok_or_else(|| bad("missing `dim`"))?;
            if d as usize != input_dim {
                return Err(bad(&format!(
                    "dim {d} but the network takes {input_dim} inputs"
                )));
            }
            Ok(input_dim)
        };
        let dom = match v.get("kind").and_then(|k| k.as_str()) {
            Some("whole") => Domain::whole(dim()?),
            Some("orthant") => Domain::orthant(dim()?),
            Some("box") => Domain::boxed(qs("lo")?, qs("hi")?)?,
            Some("segment") => Domain::segment(qs("from")?, qs("to")?)?,
            Some("slice") => {
                let bounds = match v.get("bounds") {
                    None | Some(serde_json::Value::Null) => None,
                    Some(b) => {
                        let inner = Domain::from_json(
                            &serde_json::json!({"kind": "box", "lo": b.get("lo"), "hi": b.get("hi")}),
                            2,
                        )?;
                        match inner.kind {
                            DomainKind::Box { lo, hi } => Some((lo, hi)),
                            _ => return Err(bad("slice bounds must be a box")),
                        }
                    }
                };
                Domain::slice(qs("origin")?, qs("u")?, qs("v")?, bounds)?
            }
            _ => return Err(bad("`kind` must be whole, orthant, box, slice or segment")),
        };
        dom.check_input_dim(input_dim)?;
        Ok(dom)
    }

    /// Names of the domain coordinates: `x1, x2, ...` for input-space domains, `s, t` on a
    /// slice, `s` on a segment.
    pub fn coordinate_names(&self) -> Vec<String> {
        match self.kind {
            DomainKind::Slice { .. } => vec!["s".into(), "t".into()],
            DomainKind::Segment { .. } => vec!["s".into()],
            _ => (1..=self.input_dim).map(|i| format!("x{i}")).collect(),
        }
    }
}

/// `[lo_1, hi_1] x [lo_2, hi_2] ...`; more than four equal intervals as one power,
/// `[-1, 1]^784`.
fn box_text(lo: &[Q], hi: &[Q]) -> String {
    if lo.len() > 4 && lo.iter().zip(hi).all(|(a, b)| *a == lo[0] && *b == hi[0]) {
        return format!("[{}, {}]^{}", lo[0], hi[0], lo.len());
    }
    lo.iter()
        .zip(hi)
        .map(|(a, b)| format!("[{a}, {b}]"))
        .collect::<Vec<_>>()
        .join(" x ")
}

fn check_box(lo: &[Q], hi: &[Q]) -> Result<()> {
    for (j, (a, b)) in lo.iter().zip(hi).enumerate() {
        if a >= b {
            return Err(Error::Invalid(format!(
                "--box: interval {} is {a}:{b}; the lower end must be smaller than the upper",
                j + 1
            )));
        }
    }
    Ok(())
}

fn split_points(text: &str, n: usize, flag: &str, syntax: &str) -> Result<Vec<Vec<Q>>> {
    let parts: Vec<&str> = text.split(';').collect();
    if parts.len() != n {
        return Err(Error::Invalid(format!(
            "{flag} takes {n} points separated by ';', as {syntax}; found {}",
            parts.len()
        )));
    }
    parts
        .iter()
        .map(|p| parse_point(p).map_err(|e| Error::Invalid(format!("{flag}: {e}"))))
        .collect()
}

/// Parses `--box`: `LO:HI` for every coordinate, or `LO:HI,LO:HI,...` one per coordinate.
pub fn parse_box(text: &str, dim: usize) -> Result<(Vec<Q>, Vec<Q>)> {
    let syntax =
        "write --box -1:1 for every coordinate, or --box -1:1,0:2 one interval per coordinate";
    let parts: Vec<&str> = text.split(',').collect();
    let mut lo = Vec::new();
    let mut hi = Vec::new();
    for p in &parts {
        let Some((a, b)) = p.split_once(':') else {
            return Err(Error::Invalid(format!(
                "--box: `{p}` is not LO:HI; {syntax}"
            )));
        };
        let num = |t: &str| {
            Q::parse(t).map_err(|source| Error::Number {
                context: format!("--box `{p}`"),
                source,
            })
        };
        lo.push(num(a)?);
        hi.push(num(b)?);
    }
    if parts.len() == 1 {
        lo = vec![lo[0].clone(); dim];
        hi = vec![hi[0].clone(); dim];
    } else if parts.len() != dim {
        return Err(Error::Invalid(format!(
            "--box has {} intervals but the domain has {dim} coordinates; {syntax}",
            parts.len()
        )));
    }
    check_box(&lo, &hi)?;
    Ok((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind() {
        let d = Domain::from_options(2, Some("-1:1"), None, None, false).unwrap();
        assert_eq!(d.describe(), "the box [-1, 1] x [-1, 1]");
        let d = Domain::from_options(2, Some("-1:1,0:1/2"), None, None, false).unwrap();
        assert_eq!(d.describe(), "the box [-1, 1] x [0, 1/2]");
        let cube = |n: usize| Domain::boxed(vec![-Q::ONE; n], vec![Q::ONE; n]).unwrap();
        assert_eq!(
            cube(4).describe(),
            "the box [-1, 1] x [-1, 1] x [-1, 1] x [-1, 1]"
        );
        assert_eq!(cube(784).describe(), "the box [-1, 1]^784");
        let mut hi = vec![Q::ONE; 6];
        hi[5] = Q::from_int(2);
        let uneven = Domain::boxed(vec![-Q::ONE; 6], hi).unwrap();
        assert_eq!(uneven.describe().matches(" x ").count(), 5);
        let d =
            Domain::from_options(3, Some("0:1"), Some("0,0,0;1,0,0;0,1,1"), None, false).unwrap();
        assert_eq!(d.dim(), 2);
        assert_eq!(
            d.to_input(&[Q::new(1, 2), Q::ONE]),
            vec![Q::new(1, 2), Q::ONE, Q::ONE]
        );
        let d = Domain::from_options(2, None, None, Some("0,0;2,4"), false).unwrap();
        assert_eq!(d.to_input(&[Q::new(1, 2)]), vec![Q::ONE, Q::from_int(2)]);
        let d = Domain::from_options(2, None, None, None, true).unwrap();
        assert!(d.polytope().contains(&[Q::ZERO, Q::ONE]));
        assert!(!d.polytope().contains(&[-Q::ONE, Q::ONE]));
    }

    proptest::proptest! {
        /// Membership from the coordinate bounds is the polytope's, on points on, inside
        /// and outside the bounds of a whole space, an orthant and boxes.
        #[test]
        fn membership_by_bounds_is_the_polytopes(
            pts in proptest::collection::vec(proptest::collection::vec(-3i64..=3, 3), 1..20),
            lo in proptest::collection::vec(-2i64..=0, 3),
            width in proptest::collection::vec(1i64..=3, 3),
        ) {
            let hi: Vec<Q> = lo.iter().zip(&width).map(|(l, w)| Q::from_int(l + w)).collect();
            let lo: Vec<Q> = lo.iter().map(|&l| Q::from_int(l)).collect();
            for d in [Domain::whole(3), Domain::orthant(3), Domain::boxed(lo, hi).unwrap()] {
                for p in &pts {
                    let y: Vec<Q> = p.iter().map(|&v| Q::new(v, 2)).collect();
                    proptest::prop_assert_eq!(d.contains(&y), d.polytope().contains(&y));
                    proptest::prop_assert_eq!(d.to_input(&y), d.embedding().apply(&y));
                }
            }
        }
    }

    #[test]
    fn bad_domains_are_clear_errors() {
        let e = |r: Result<Domain>| r.unwrap_err().to_string();
        assert!(e(Domain::from_options(2, Some("1:0"), None, None, false)).contains("lower end"));
        assert!(
            e(Domain::from_options(
                2,
                Some("0:1,0:1,0:1"),
                None,
                None,
                false
            ))
            .contains("3 intervals")
        );
        assert!(e(Domain::from_options(2, Some("0-1"), None, None, false)).contains("not LO:HI"));
        assert!(
            e(Domain::from_options(
                2,
                None,
                Some("0,0;1,1;2,2"),
                None,
                false
            ))
            .contains("parallel")
        );
        assert!(e(Domain::from_options(2, None, None, Some("1,1;1,1"), false)).contains("equal"));
        assert!(
            e(Domain::from_options(3, None, None, Some("1,1;1,2"), false))
                .contains("takes 3 inputs")
        );
        assert!(e(Domain::from_options(2, None, None, Some("1,1"), false)).contains("2 points"));
        assert!(
            e(Domain::from_options(
                2,
                None,
                Some("0,0;1,0;0,1"),
                Some("0,0;1,1"),
                false
            ))
            .contains("at most one")
        );
        assert!(
            e(Domain::from_options(2, Some("0:1/0"), None, None, false))
                .contains("divides by zero")
        );
    }
}
