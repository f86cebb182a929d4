//! The pattern tree, walked by the builder and the checker alike: units in order (layer by
//! layer, unit by unit), each node holding the constraints of the pieces chosen so far and
//! the affine map from the domain to the current layer. Everything here is re-derived from
//! the network and the domain; nothing comes from a certificate but the piece digits.

use crate::exact::linalg::{Affine, HalfSpace, Matrix};
use crate::exact::rational::Q;
use crate::net::network::{Network, Piece};
use crate::net::residual::Op;
use crate::regions::domain::Domain;

/// A step of the subject network: affine, or a layer of piecewise-linear units with the
/// number of trailing values it passes through (inside residual blocks,
/// [`crate::net::residual`]).
pub(super) enum Stage {
    Affine(Affine),
    Pieces(Vec<Vec<Piece>>, usize),
}

/// The stages of `net`, which must not be curved (no ELU/SELU): its
/// [`steps`](crate::net::residual::steps), one per layer outside residual blocks.
pub(super) fn stages(net: &Network) -> Vec<Stage> {
    net.steps()
        .into_iter()
        .map(|s| match s.op {
            Op::Affine(a) => Stage::Affine(a),
            Op::Pieces { units, carry } => Stage::Pieces(units, carry),
            Op::Curved { .. } => unreachable!("certificates are for networks without ELU/SELU"),
        })
        .collect()
}

/// The number of units of every piecewise stage, in order (one digit each in a pattern).
pub(super) fn layout(stages: &[Stage]) -> Vec<usize> {
    stages
        .iter()
        .filter_map(|s| match s {
            Stage::Pieces(u, _) => Some(u.len()),
            Stage::Affine(_) => None,
        })
        .collect()
}

/// One node of the pattern walk: the constraints so far and the map to the current layer.
#[derive(Clone)]
pub(super) struct Walk<'n> {
    stages: &'n [Stage],
    k: usize,
    /// The domain's constraints and the conditions of every piece chosen so far, in
    /// domain coordinates.
    pub(super) cons: Vec<HalfSpace>,
    /// The map from domain coordinates to the current layer (the network's output once
    /// every unit is chosen).
    pub(super) map: Affine,
    layer: usize,
    unit: usize,
    rows: Vec<Vec<Q>>,
    offsets: Vec<Q>,
}

impl<'n> Walk<'n> {
    /// The root: no unit chosen.
    pub(super) fn new(stages: &'n [Stage], dom: &Domain) -> Walk<'n> {
        let mut w = Walk {
            stages,
            k: dom.dim(),
            cons: dom.polytope().constraints().to_vec(),
            map: dom.embedding().clone(),
            layer: 0,
            unit: 0,
            rows: vec![],
            offsets: vec![],
        };
        w.settle();
        w
    }

    /// Applies affine stages and finished piecewise stages until a unit is next (or the end).
    fn settle(&mut self) {
        while self.layer < self.stages.len() {
            match &self.stages[self.layer] {
                Stage::Affine(a) => {
                    self.map = self.map.then(a);
                    self.layer += 1;
                }
                Stage::Pieces(units, carry) => {
                    if self.unit < units.len() {
                        return;
                    }
                    let mut rows = std::mem::take(&mut self.rows);
                    let mut offsets = std::mem::take(&mut self.offsets);
                    let from = self.map.output_dim() - carry;
                    for i in from..self.map.output_dim() {
                        let (row, off) = self.map.component(i);
                        rows.push(row.to_vec());
                        offsets.push(off.clone());
                    }
                    let n = rows.len();
                    self.map = Affine {
                        a: if n == 0 {
                            Matrix::zeros(0, self.k)
                        } else {
                            Matrix::from_rows(rows).expect("equal rows")
                        },
                        c: offsets,
                    };
                    self.layer += 1;
                    self.unit = 0;
                }
            }
        }
    }

    /// The pieces of the next unit (call only before every unit is chosen).
    pub(super) fn pieces(&self) -> &'n [Piece] {
        match &self.stages[self.layer] {
            Stage::Pieces(u, _) => &u[self.unit],
            Stage::Affine(_) => unreachable!("settled on a unit"),
        }
    }

    /// The conditions of `piece` of the next unit, as half-spaces in domain coordinates.
    pub(super) fn conditions(&self, piece: usize) -> Vec<HalfSpace> {
        self.pieces()[piece]
            .conditions
            .iter()
            .map(|f| {
                let (row, off) = f.compose(&self.map);
                HalfSpace::new(row.iter().map(|v| -v).collect(), off)
            })
            .collect()
    }

    /// The child node: `piece` chosen for the next unit.
    pub(super) fn advance(&self, piece: usize) -> Walk<'n> {
        let mut next = self.clone();
        next.cons.extend(self.conditions(piece));
        let (row, off) = self.pieces()[piece].output.compose(&self.map);
        next.rows.push(row);
        next.offsets.push(off);
        next.unit += 1;
        next.settle();
        next
    }
}

/// The normalised non-trivial conditions, and whether every trivial one holds.
pub(super) fn condition_set(conds: &[HalfSpace]) -> (Vec<HalfSpace>, bool) {
    let mut set = vec![];
    let mut ok = true;
    for h in conds {
        if h.is_trivial() {
            ok &= !h.b.is_negative();
        } else {
            let n = h.normalized();
            if !set.contains(&n) {
                set.push(n);
            }
        }
    }
    (set, ok)
}

/// Do two piece condition sets, both with every trivial condition holding, define the same
/// set? (Normalised half-spaces with non-zero normals are equal as sets iff equal.)
pub(super) fn same_branch(a: &(Vec<HalfSpace>, bool), b: &(Vec<HalfSpace>, bool)) -> bool {
    a.1 && b.1 && a.0.iter().all(|h| b.0.contains(h)) && b.0.iter().all(|h| a.0.contains(h))
}

/// A pattern or path as written: one base-36 digit per unit, no separator.
pub(super) fn digits(p: &[u8]) -> String {
    p.iter()
        .map(|&d| std::char::from_digit(d as u32, 36).unwrap_or('?'))
        .collect()
}

/// [`digits`], with `(root)` for the empty path (for messages).
pub(super) fn path_name(p: &[u8]) -> String {
    if p.is_empty() {
        "(root)".into()
    } else {
        digits(p)
    }
}
