//! Building certificates from complete regions (the checker is in [`super::check`]; this
//! side may use the enumerator and the LP solver, since nothing it writes is trusted).

use super::tree::{Walk, condition_set, layout, same_branch, stages};
use super::{Certificate, Claim, Exclusion, Part, fingerprint};
use crate::analysis::properties::{Property, odd_sum_network};
use crate::error::{Error, Result};
use crate::exact::linalg::{Affine, HalfSpace};
use crate::exact::rational::Q;
use crate::net::format::qs_to_strings;
use crate::net::network::Network;
use crate::regions::budget::Budget;
use crate::regions::domain::Domain;
use crate::regions::enumerate::Regions;
use serde_json::{Value, json};
use std::collections::HashSet;

/// Motzkin multipliers showing that `{x : a_i·x <= b_i}` has no interior point (see
/// `check::check_motzkin` for the rule), or `None` when it has one.
///
/// A trivial row with `b < 0` gives them at once. Otherwise trivial rows are dropped and
/// the strict system `a_i·x < b_i` over the genuine rows is tested: it has a solution iff
/// `a_i·x - b_i·s <= -1` (all i), `s >= 0` has one: a strict solution scaled by its
/// smallest gap gives one with `s > 0`; conversely divide by `s > 0`, and with `s = 0` the
/// direction `x` lowers every `a_i·x`, so far enough along it every constraint holds
/// strictly. That system lives in `k + 1` variables (small), and a Farkas certificate of its
/// infeasibility, `(y, w) >= 0` with `Σ y_i a_i = 0`, `-Σ y_i b_i - w = 0` and
/// `-Σ y_i < 0`, is exactly a set of Motzkin multipliers on genuine rows: `y >= 0`,
/// `y != 0`, `Σ y_i a_i = 0`, `Σ y_i b_i = -w <= 0`.
fn motzkin(k: usize, cons: &[HalfSpace]) -> Option<Vec<Q>> {
    // A trivial row `0·x <= b` with `b < 0` alone makes the set empty; with `b >= 0` it
    // holds everywhere and must carry no weight (the checker does not count it).
    let mut y = vec![Q::ZERO; cons.len()];
    if let Some(i) = cons
        .iter()
        .position(|h| h.is_trivial() && h.b.is_negative())
    {
        y[i] = Q::ONE;
        return Some(y);
    }
    let genuine: Vec<usize> = (0..cons.len()).filter(|&i| !cons[i].is_trivial()).collect();
    if genuine.is_empty() {
        return None;
    }
    let mut sys: Vec<HalfSpace> = genuine
        .iter()
        .map(|&i| {
            let h = &cons[i];
            let mut a = h.a.clone();
            a.push(-&h.b);
            HalfSpace::new(a, -Q::ONE)
        })
        .collect();
    let mut s = vec![Q::ZERO; k + 1];
    s[k] = -Q::ONE;
    sys.push(HalfSpace::new(s, Q::ZERO));
    match crate::geometry::lp::feasible(k + 1, &sys) {
        crate::geometry::lp::Feasibility::Feasible(_) => None,
        crate::geometry::lp::Feasibility::Infeasible(f) => {
            for (&i, w) in genuine.iter().zip(f.y) {
                y[i] = w;
            }
            Some(y)
        }
    }
}

impl Certificate {
    /// Builds the certificate that `property` holds for `net` on `domain`, from the
    /// complete regions of `f` there (the regions of `f(x) + f(-x)` are enumerated here
    /// when the property needs them). Errors if the regions are incomplete or the claim
    /// does not hold.
    pub fn build(
        net: &Network,
        property: Property,
        domain: &Domain,
        regions: &Regions,
    ) -> Result<Certificate> {
        Certificate::build_within(net, property, domain, regions, &Budget::unlimited())
    }

    /// [`Certificate::build`] within `budget` (the rest of a command's budget): the
    /// enumeration of `f(x) + f(-x)` and the walk over the pattern tree (an LP per branch
    /// left out) stop when the time runs out, and the build fails saying so.
    pub fn build_within(
        net: &Network,
        property: Property,
        domain: &Domain,
        regions: &Regions,
        budget: &Budget,
    ) -> Result<Certificate> {
        property.check_domain(domain)?;
        if net.is_curved() {
            return Err(crate::Error::Invalid(
                "the network has ELU/SELU layers: no certificate can show that a property holds for it".into(),
            ));
        }
        let mut parts = vec![];
        for (odd_sum, claim) in Claim::for_property(property) {
            let subject;
            let regs;
            let (subject_ref, regs_ref) = if odd_sum {
                subject = odd_sum_network(net);
                regs = crate::regions::enumerate::Enumerator::new(&subject, domain.clone())
                    .with_details(false)
                    .with_budget(*budget)
                    .run()?;
                (&subject, &regs)
            } else {
                (net, regions)
            };
            let part = build_part(subject_ref, (odd_sum, claim), domain, regs_ref, budget)?;
            parts.push(part);
        }
        Ok(Certificate {
            property,
            network_name: net.name.clone(),
            fingerprint: fingerprint(net),
            parts,
        })
    }

    /// The certificate as JSON (see the module docs).
    pub fn to_json(&self) -> Value {
        let digits = |p: &[u8]| -> String {
            p.iter()
                .map(|&d| std::char::from_digit(d as u32, 36).unwrap_or('?'))
                .collect()
        };
        json!({
            "relucheck_certificate": 1,
            "property": self.property.name(),
            "statement": self.property.statement(),
            "network": {"name": self.network_name, "fingerprint": self.fingerprint},
            "parts": self.parts.iter().map(|p| json!({
                "subject": if p.odd_sum { "f(x)+f(-x)" } else { "f" },
                "domain": p.domain.to_json(),
                "claim": p.claim.name(),
                "regions": p.regions.iter().map(|(pat, x, m)| json!({
                    "pattern": digits(pat),
                    "interior_point": qs_to_strings(x),
                    "map": {"A": m.a.iter_rows().map(qs_to_strings).collect::<Vec<_>>(), "c": qs_to_strings(&m.c)},
                })).collect::<Vec<_>>(),
                "exclusions": p.exclusions.iter().map(|(path, piece, why)| match why {
                    Exclusion::Empty(y) => json!({"path": digits(path), "piece": piece, "empty": qs_to_strings(y)}),
                    Exclusion::CoincidesWith(i) => json!({"path": digits(path), "piece": piece, "coincides_with": i}),
                }).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }
}

fn build_part(
    net: &Network,
    (odd_sum, claim): (bool, Claim),
    domain: &Domain,
    regions: &Regions,
    budget: &Budget,
) -> Result<Part> {
    if !regions.is_complete() {
        return Err(Error::Invalid(format!(
            "no certificate: region enumeration {}",
            regions.stop.describe()
        )));
    }
    let st = stages(net);
    let u: usize = layout(&st).iter().sum();
    let flat: Vec<Vec<u8>> = regions
        .regions
        .iter()
        .map(|r| r.pattern.0.iter().flatten().copied().collect())
        .collect();
    let maps: Vec<&Affine> = regions.regions.iter().map(|r| &r.map).collect();
    claim
        .holds(&maps)
        .map_err(|e| Error::Invalid(format!("no certificate: the claim does not hold ({e})")))?;
    let prefixes: HashSet<&[u8]> = flat
        .iter()
        .flat_map(|p| (0..=p.len()).map(move |m| &p[..m]))
        .collect();
    let mut exclusions = vec![];
    let mut stack = vec![(Vec::<u8>::new(), Walk::new(&st, domain))];
    while let Some((path, walk)) = stack.pop() {
        if budget.expired() {
            return Err(Error::Invalid(format!(
                "no certificate: the time limit{} ran out while it was built (raise --time-limit)",
                budget
                    .time_limit()
                    .map_or(String::new(), |t| format!(" of {:.1} s", t.as_secs_f64()))
            )));
        }
        if path.len() == u {
            continue;
        }
        let n = walk.pieces().len();
        let mut sets = vec![];
        for j in 0..n {
            let conds = walk.conditions(j);
            sets.push(condition_set(&conds));
            let mut child = path.clone();
            child.push(j as u8);
            if prefixes.contains(child.as_slice()) {
                stack.push((child, walk.advance(j)));
                continue;
            }
            if let Some(i) = (0..j).find(|&i| same_branch(&sets[i], &sets[j])) {
                exclusions.push((path.clone(), j as u8, Exclusion::CoincidesWith(i as u8)));
                continue;
            }
            let mut cons = walk.cons.clone();
            cons.extend(conds);
            match motzkin(domain.dim(), &cons) {
                Some(y) => exclusions.push((path.clone(), j as u8, Exclusion::Empty(y))),
                None => {
                    return Err(Error::Invalid(format!(
                        "internal error: the branch {path:?} + piece {j} has interior points but no listed region; please report this network"
                    )));
                }
            }
        }
    }
    exclusions.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    Ok(Part {
        odd_sum,
        domain: domain.clone(),
        claim,
        regions: regions
            .regions
            .iter()
            .zip(flat)
            .map(|(r, p)| (p, r.interior_point.clone(), r.map.clone()))
            .collect(),
        exclusions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::certificate::check::check_motzkin;

    fn h(a: &[i64], b: i64) -> HalfSpace {
        HalfSpace::new(a.iter().map(|&v| Q::from_int(v)).collect(), Q::from_int(b))
    }

    #[test]
    fn motzkin_multipliers_exactly_when_there_is_no_interior() {
        // A segment (no interior), a point, disjoint half-planes, and systems with an
        // interior, bounded or not (strictly feasible only far away: x <= -1, x <= -2).
        let cases: Vec<(Vec<HalfSpace>, bool)> = vec![
            (vec![h(&[1, 0], 0), h(&[-1, 0], 0), h(&[0, 1], 1)], true),
            (
                vec![h(&[1, 0], 0), h(&[-1, 0], 0), h(&[0, 1], 0), h(&[0, -1], 0)],
                true,
            ),
            (vec![h(&[1, 1], -1), h(&[-1, -1], -1)], true),
            (vec![h(&[1, 0], -1), h(&[1, 0], -2)], false),
            // Rows 0·x <= 0 hold everywhere: no weight on them proves emptiness.
            (vec![h(&[0, 0], 0), h(&[1, 0], 0)], false),
            (vec![h(&[0, 0], 0), h(&[0, 0], 3)], false),
            (vec![h(&[0, 0], 0), h(&[0, 0], -1)], true),
            (
                vec![h(&[1, 0], 1), h(&[-1, 0], 1), h(&[0, 1], 1), h(&[0, -1], 1)],
                false,
            ),
        ];
        for (cons, empty) in &cases {
            let y = motzkin(2, cons);
            assert_eq!(y.is_some(), *empty, "{cons:?}");
            if let Some(y) = y {
                check_motzkin(2, cons, &y).unwrap();
            }
        }
        // Weight on a row 0·x <= 0 (or 0·x <= 3) alone is refused; on a row 0·x <= -1 it
        // shows emptiness.
        let cons = [h(&[0, 0], 0), h(&[1, 0], 0), h(&[0, 0], 3), h(&[0, 0], -1)];
        let q = |v: &[i64]| v.iter().map(|&x| Q::from_int(x)).collect::<Vec<_>>();
        let e = check_motzkin(2, &cons, &q(&[1, 0, 0, 0])).unwrap_err();
        assert!(e.contains("prove nothing"), "{e}");
        assert!(check_motzkin(2, &cons, &q(&[5, 0, 0, 0])).is_err());
        assert!(check_motzkin(2, &cons, &q(&[0, 0, 1, 0])).is_err());
        assert!(check_motzkin(2, &cons, &q(&[0, 0, 0, 0])).is_err());
        check_motzkin(2, &cons, &q(&[1, 0, 0, 1])).unwrap();
        // Random systems (with trivial rows mixed in): multipliers iff no interior point (an independent LP), and they
        // always check.
        let mut s = 3u64;
        let mut next = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 33) % 11) as i64 - 5
        };
        for _ in 0..200 {
            let m = 2 + (next() + 5) as usize % 5;
            let cons: Vec<HalfSpace> = (0..m)
                .map(|_| {
                    let b = next();
                    if next() > 2 {
                        h(&[0, 0], b.abs() % 2)
                    } else {
                        h(&[next(), next()], b)
                    }
                })
                .collect();
            let y = motzkin(2, &cons);
            // The interior: genuine rows strictly, trivial rows as they are.
            let genuine: Vec<HalfSpace> =
                cons.iter().filter(|c| !c.is_trivial()).cloned().collect();
            let inside = cons.iter().all(|c| !c.is_trivial() || !c.b.is_negative())
                && (genuine.is_empty()
                    || crate::geometry::lp::interior_point(2, &genuine)
                        .is_some_and(|p| genuine.iter().all(|c| c.contains_strictly(&p))));
            assert_eq!(y.is_none(), inside, "{cons:?}");
            if let Some(y) = y {
                check_motzkin(2, &cons, &y).unwrap();
            }
        }
    }
}
