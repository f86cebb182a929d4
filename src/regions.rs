//! Exact enumeration of the linear regions of a piecewise-linear network on a domain.
//!
//! # Theory
//! Fix an activation pattern `π` (the active piece of every unit). The inputs where every
//! unit's piece conditions hold form a convex polyhedron: each condition is an affine
//! inequality in the layer's input, and with the pattern fixed every layer's input is an
//! affine function of the network input. On that polyhedron the network is one affine map
//! `f(y) = A y + c`. The *activation regions* are the full-dimensional such polyhedra;
//! they cover the domain, and two of them meet only in their boundaries.
//!
//! Two activation regions can carry the same affine map; maximal connected unions of
//! adjacent regions with equal maps are the *linear pieces* (max(x1, x2) written with three
//! ReLUs has 4 activation regions but 2 pieces).
//!
//! # Algorithm
//! Depth-first, layer by layer and unit by unit. A cell is a polyhedron (its constraints),
//! a rational point strictly inside it, and the affine map from domain coordinates to the
//! current layer. A unit splits a cell into one child per piece whose conditions leave a
//! full-dimensional part; the parent's point is tested first (a child that contains it
//! strictly needs no LP), otherwise an exact LP finds an interior point or proves there is
//! none. A condition is only added to a child when the cell really splits. When a unit's
//! condition is identically zero on the whole domain (a dead-on-the-nose unit, coincident
//! max-pool inputs), the pieces coincide and only the lowest-numbered one is kept, matching
//! the tie rule of [`Network::trace`](crate::Network::trace). Degenerate arrangements
//! (coincident and parallel hyperplanes, many through one point, zero rows) need no special
//! case: every decision is an exact sign or an exact LP.
//!
//! Afterwards each region gets its minimal H-representation, boundedness, vertices (1-D and
//! 2-D), and its neighbours: a region `N` is adjacent to `R` across the facet `F` of `R` iff
//! `N` has the opposite facet on the same hyperplane and `R ∩ N` has a point in the relative
//! interior of that hyperplane (an exact LP).

use crate::arith::Q;
use crate::domain::Domain;
use crate::error::Result;
use crate::linalg::{Affine, HalfSpace, Matrix};
use crate::network::{Network, Pattern, Piece};
use crate::polytope::Polytope;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Why enumeration stopped.
#[derive(Clone, Debug, PartialEq)]
pub enum StopReason {
    /// Every region was found.
    Complete,
    /// The region budget (`--max-regions`) was reached.
    MaxRegions(usize),
    /// The time budget (`--time-limit`) ran out.
    TimeLimit(Duration),
}

impl StopReason {
    /// Did enumeration finish?
    pub fn is_complete(&self) -> bool {
        matches!(self, StopReason::Complete)
    }

    /// A sentence for humans.
    pub fn describe(&self) -> String {
        match self {
            StopReason::Complete => "complete".into(),
            StopReason::MaxRegions(n) => {
                format!("incomplete: stopped at the region budget of {n} (raise --max-regions)")
            }
            StopReason::TimeLimit(d) => format!(
                "incomplete: stopped at the time limit of {:.1} s (raise --time-limit)",
                d.as_secs_f64()
            ),
        }
    }
}

/// One facet of a region and the regions across it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Facet {
    /// The facet's inequality (a constraint of the region's minimal H-representation).
    pub constraint: HalfSpace,
    /// The regions across the facet (several when the other side is cut further), empty on
    /// the domain's boundary.
    pub neighbours: Vec<usize>,
}

/// One activation region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    /// Index in [`Regions::regions`].
    pub id: usize,
    /// The activation pattern.
    pub pattern: Pattern,
    /// The region in domain coordinates (minimal H-representation when details were
    /// computed).
    pub polytope: Polytope,
    /// A rational point strictly inside, in domain coordinates.
    pub interior_point: Vec<Q>,
    /// The affine map the network computes here, from domain coordinates to outputs.
    pub map: Affine,
    /// Is the region bounded? (`None` without details.)
    pub bounded: Option<bool>,
    /// The exact vertices in 1-D and 2-D (counter-clockwise in 2-D) when bounded.
    pub vertices: Option<Vec<Vec<Q>>>,
    /// Facets and neighbours (empty without details).
    pub facets: Vec<Facet>,
    /// The linear piece this region belongs to (`None` without details).
    pub piece: Option<usize>,
}

impl Region {
    /// The ids of all neighbouring regions, sorted, without repeats.
    pub fn neighbour_ids(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .facets
            .iter()
            .flat_map(|f| f.neighbours.iter().copied())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// The result of an enumeration.
#[derive(Clone, Debug)]
pub struct Regions {
    /// The domain.
    pub domain: Domain,
    /// The regions found, in a deterministic order.
    pub regions: Vec<Region>,
    /// The number of linear pieces (`None` without details or when incomplete).
    pub piece_count: Option<usize>,
    /// Why enumeration stopped.
    pub stop: StopReason,
    /// Exact LPs solved.
    pub lp_count: usize,
    /// Wall time.
    pub elapsed: Duration,
    by_pattern: HashMap<Pattern, usize>,
}

impl Regions {
    /// Did enumeration finish?
    pub fn is_complete(&self) -> bool {
        self.stop.is_complete()
    }

    /// The region whose closure contains the domain point `y` and whose pattern is the one
    /// [`Network::trace`] records there. For a point inside a region this is that region.
    pub fn locate(&self, net: &Network, y: &[Q]) -> Option<usize> {
        let x = self.domain.to_input(y);
        let pattern = net.trace(&x).ok()?.pattern();
        let id = *self.by_pattern.get(&pattern)?;
        self.regions[id].polytope.contains(y).then_some(id)
    }

    /// The region with this pattern.
    pub fn by_pattern(&self, p: &Pattern) -> Option<&Region> {
        self.by_pattern.get(p).map(|&i| &self.regions[i])
    }
}

/// Progress reported during enumeration.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// Regions found so far.
    pub regions: usize,
    /// LPs solved so far.
    pub lps: usize,
    /// `true` in the details phase (facets and neighbours).
    pub details: bool,
}

/// Enumerates the activation regions of a network on a domain.
///
/// ```
/// use relucheck::{Domain, Enumerator, Network};
/// let net = Network::load("examples/tent-3.json").unwrap();
/// let dom = Domain::boxed(vec![0.into()], vec![1.into()]).unwrap();
/// let regions = Enumerator::new(&net, dom).run().unwrap();
/// assert!(regions.is_complete());
/// assert_eq!(regions.regions.len(), 8);
/// assert_eq!(regions.piece_count, Some(8));
/// ```
pub struct Enumerator<'a> {
    net: &'a Network,
    domain: Domain,
    max_regions: Option<usize>,
    time_limit: Option<Duration>,
    details: bool,
    progress: Option<Box<dyn FnMut(Progress) + 'a>>,
}

enum Stage {
    Affine(Affine),
    Pieces(Vec<Vec<Piece>>),
}

struct Cell {
    cons: Vec<HalfSpace>,
    point: Vec<Q>,
    map: Affine,
    pattern: Vec<Vec<u8>>,
    layer: usize,
    unit: usize,
    rows: Vec<Vec<Q>>,
    offsets: Vec<Q>,
}

impl<'a> Enumerator<'a> {
    /// An enumerator with no budget that computes every detail.
    pub fn new(net: &'a Network, domain: Domain) -> Enumerator<'a> {
        Enumerator {
            net,
            domain,
            max_regions: None,
            time_limit: None,
            details: true,
            progress: None,
        }
    }

    /// Stop after `n` regions.
    pub fn with_max_regions(mut self, n: usize) -> Self {
        self.max_regions = Some(n);
        self
    }

    /// Stop after this much time.
    pub fn with_time_limit(mut self, d: Duration) -> Self {
        self.time_limit = Some(d);
        self
    }

    /// Compute minimal H-representations, vertices, neighbours and linear pieces (default
    /// `true`). Without details only patterns, interior points, maps and the accumulated
    /// (possibly redundant) constraints are returned.
    pub fn with_details(mut self, details: bool) -> Self {
        self.details = details;
        self
    }

    /// Report progress (called every few hundred regions).
    pub fn with_progress(mut self, f: impl FnMut(Progress) + 'a) -> Self {
        self.progress = Some(Box::new(f));
        self
    }

    /// Runs the enumeration.
    pub fn run(mut self) -> Result<Regions> {
        let start = Instant::now();
        let net = self.net;
        if self.domain.input_dim() != net.input_dim() {
            return Err(crate::Error::Invalid(format!(
                "the domain has {} coordinates but the network takes {} inputs",
                self.domain.input_dim(),
                net.input_dim()
            )));
        }
        let stages: Vec<Stage> = net
            .layers()
            .iter()
            .zip(net.shapes())
            .map(|(l, &s)| match l.pieces(s) {
                Some(p) => Stage::Pieces(p),
                None => Stage::Affine(l.affine(s).expect("affine layer")),
            })
            .collect();
        let k = self.domain.dim();
        let mut lps = 0usize;
        let dom_cons = self.domain.polytope().constraints().to_vec();
        let mut stop = StopReason::Complete;
        let mut leaves: Vec<Cell> = Vec::new();
        lps += 1;
        if let Some(p0) = crate::lp::interior_point(k, &dom_cons) {
            let mut stack = vec![Cell {
                cons: dom_cons,
                point: p0,
                map: self.domain.embedding().clone(),
                pattern: Vec::new(),
                layer: 0,
                unit: 0,
                rows: Vec::new(),
                offsets: Vec::new(),
            }];
            let mut steps = 0u64;
            while let Some(mut cell) = stack.pop() {
                steps += 1;
                if steps.is_multiple_of(64)
                    && let Some(t) = self.time_limit
                    && start.elapsed() > t
                {
                    stop = StopReason::TimeLimit(t);
                    break;
                }
                if cell.layer == stages.len() {
                    if let Some(m) = self.max_regions
                        && leaves.len() >= m
                    {
                        stop = StopReason::MaxRegions(m);
                        break;
                    }
                    leaves.push(cell);
                    if leaves.len().is_multiple_of(256)
                        && let Some(f) = self.progress.as_mut()
                    {
                        f(Progress {
                            regions: leaves.len(),
                            lps,
                            details: false,
                        });
                    }
                    continue;
                }
                match &stages[cell.layer] {
                    Stage::Affine(a) => {
                        cell.map = cell.map.then(a);
                        cell.pattern.push(Vec::new());
                        cell.layer += 1;
                        stack.push(cell);
                    }
                    Stage::Pieces(units) => {
                        if cell.unit == units.len() {
                            let rows = std::mem::take(&mut cell.rows);
                            cell.map = Affine {
                                a: Matrix::from_rows(rows).unwrap_or_else(|| Matrix::zeros(0, k)),
                                c: std::mem::take(&mut cell.offsets),
                            };
                            if cell.map.a.rows() == 0 {
                                cell.map.a = Matrix::zeros(cell.map.c.len(), k);
                            }
                            cell.layer += 1;
                            cell.unit = 0;
                            stack.push(cell);
                            continue;
                        }
                        if cell.unit == 0 {
                            cell.pattern.push(Vec::with_capacity(units.len()));
                        }
                        let children = split(&cell, &units[cell.unit], k, &mut lps);
                        let n = children.len();
                        for (idx, (piece, cond, point)) in children.into_iter().enumerate().rev() {
                            let last = idx == 0;
                            let mut child = if last {
                                // Reuse the parent for the first child (pushed last).
                                std::mem::replace(
                                    &mut cell,
                                    Cell {
                                        cons: Vec::new(),
                                        point: Vec::new(),
                                        map: Affine::identity(0),
                                        pattern: Vec::new(),
                                        layer: 0,
                                        unit: 0,
                                        rows: Vec::new(),
                                        offsets: Vec::new(),
                                    },
                                )
                            } else {
                                Cell {
                                    cons: cell.cons.clone(),
                                    point: Vec::new(),
                                    map: cell.map.clone(),
                                    pattern: cell.pattern.clone(),
                                    layer: cell.layer,
                                    unit: cell.unit,
                                    rows: cell.rows.clone(),
                                    offsets: cell.offsets.clone(),
                                }
                            };
                            if n > 1 {
                                child.cons.extend(cond);
                            }
                            child.point = point;
                            let out = &units[child.unit][piece].output;
                            let (row, off) = compose_form(out, &child.map, k);
                            child.rows.push(row);
                            child.offsets.push(off);
                            child.pattern.last_mut().expect("pushed").push(piece as u8);
                            child.unit += 1;
                            stack.push(child);
                        }
                    }
                }
            }
        }
        let mut regions: Vec<Region> = leaves
            .into_iter()
            .enumerate()
            .map(|(id, c)| Region {
                id,
                pattern: Pattern(c.pattern),
                polytope: Polytope::new(k, c.cons),
                interior_point: c.point,
                map: c.map,
                bounded: None,
                vertices: None,
                facets: Vec::new(),
                piece: None,
            })
            .collect();
        if k == 1 {
            // Left to right on a line.
            regions.sort_by(|a, b| a.interior_point[0].cmp(&b.interior_point[0]));
            for (i, r) in regions.iter_mut().enumerate() {
                r.id = i;
            }
        }
        let by_pattern: HashMap<Pattern, usize> =
            regions.iter().map(|r| (r.pattern.clone(), r.id)).collect();
        let mut out = Regions {
            domain: self.domain.clone(),
            regions,
            piece_count: None,
            stop,
            lp_count: lps,
            elapsed: start.elapsed(),
            by_pattern,
        };
        if self.details {
            let deadline = self.time_limit.map(|t| start + t);
            self.add_details(&mut out, deadline);
        }
        out.elapsed = start.elapsed();
        Ok(out)
    }

    fn add_details(&mut self, out: &mut Regions, deadline: Option<Instant>) {
        let k = out.domain.dim();
        let n = out.regions.len();
        for (i, r) in out.regions.iter_mut().enumerate() {
            if deadline.is_some_and(|d| Instant::now() > d) {
                out.stop = StopReason::TimeLimit(self.time_limit.unwrap_or_default());
                return;
            }
            let minimal = r.polytope.minimal();
            r.polytope = Polytope::new(
                k,
                minimal
                    .constraints()
                    .iter()
                    .map(HalfSpace::normalized)
                    .collect(),
            );
            out.lp_count += r.polytope.constraints().len() + 1;
            let bounded = r.polytope.is_bounded();
            r.bounded = Some(bounded);
            if bounded && k <= 2 {
                r.vertices = Some(if k == 2 {
                    r.polytope.vertices_2d().unwrap_or_default()
                } else {
                    let mut v = r.polytope.vertices();
                    v.sort();
                    v
                });
            }
            if i % 256 == 255
                && let Some(f) = self.progress.as_mut()
            {
                f(Progress {
                    regions: i + 1,
                    lps: out.lp_count,
                    details: true,
                });
            }
        }
        // Index facets by their hyperplane, oriented.
        let mut by_plane: HashMap<HalfSpace, Vec<(usize, usize)>> = HashMap::new();
        for r in &out.regions {
            for (fi, h) in r.polytope.constraints().iter().enumerate() {
                by_plane.entry(h.normalized()).or_default().push((r.id, fi));
            }
        }
        let mut facets: Vec<Vec<Facet>> = vec![Vec::new(); n];
        for r in &out.regions {
            if deadline.is_some_and(|d| Instant::now() > d) {
                out.stop = StopReason::TimeLimit(self.time_limit.unwrap_or_default());
                return;
            }
            for (fi, h) in r.polytope.constraints().iter().enumerate() {
                let flipped = h.flipped().normalized();
                let mut neighbours = Vec::new();
                if let Some(cands) = by_plane.get(&flipped) {
                    for &(nid, nfi) in cands {
                        let other = &out.regions[nid].polytope;
                        let mut cons = r.polytope.constraints().to_vec();
                        cons.extend(
                            other
                                .constraints()
                                .iter()
                                .enumerate()
                                .filter(|&(j, _)| j != nfi)
                                .map(|(_, c)| c.clone()),
                        );
                        out.lp_count += 1;
                        if Polytope::new(k, cons).facet_point(fi).is_some() {
                            neighbours.push(nid);
                        }
                    }
                }
                neighbours.sort_unstable();
                facets[r.id].push(Facet {
                    constraint: h.clone(),
                    neighbours,
                });
            }
        }
        for (r, f) in out.regions.iter_mut().zip(facets) {
            r.facets = f;
        }
        if out.stop.is_complete() {
            // Linear pieces: connected components of "adjacent with an equal map".
            let mut parent: Vec<usize> = (0..n).collect();
            fn find(p: &mut [usize], mut i: usize) -> usize {
                while p[i] != i {
                    p[i] = p[p[i]];
                    i = p[i];
                }
                i
            }
            for r in &out.regions {
                for nb in r.neighbour_ids() {
                    if out.regions[nb].map == r.map {
                        let (a, b) = (find(&mut parent, r.id), find(&mut parent, nb));
                        if a != b {
                            parent[a.max(b)] = a.min(b);
                        }
                    }
                }
            }
            let mut ids: HashMap<usize, usize> = HashMap::new();
            for i in 0..n {
                let root = find(&mut parent, i);
                let next = ids.len();
                let pid = *ids.entry(root).or_insert(next);
                out.regions[i].piece = Some(pid);
            }
            out.piece_count = Some(ids.len());
        }
    }
}

/// `form ∘ map` as `(row, offset)` in domain coordinates.
fn compose_form(form: &crate::network::Form, map: &Affine, k: usize) -> (Vec<Q>, Q) {
    let mut row = vec![Q::ZERO; k];
    let mut off = form.constant.clone();
    for (i, c) in &form.terms {
        let (r, m) = map.component(*i);
        for (acc, v) in row.iter_mut().zip(r) {
            if !v.is_zero() {
                *acc += c * v;
            }
        }
        off += c * m;
    }
    (row, off)
}

/// Splits a cell by one unit: `(piece, conditions as half-spaces, interior point)` for every
/// piece with a full-dimensional part, lowest piece first.
fn split(
    cell: &Cell,
    pieces: &[Piece],
    k: usize,
    lps: &mut usize,
) -> Vec<(usize, Vec<HalfSpace>, Vec<Q>)> {
    let mut seen: Vec<Vec<HalfSpace>> = Vec::new();
    let mut out = Vec::new();
    'pieces: for (j, piece) in pieces.iter().enumerate() {
        // form >= 0  <=>  -row·y <= off
        let mut conds = Vec::new();
        for f in &piece.conditions {
            let (row, off) = compose_form(f, &cell.map, k);
            let h = HalfSpace::new(row.iter().map(|v| -v).collect(), off);
            if h.is_trivial() {
                if h.b.is_negative() {
                    continue 'pieces; // never holds
                }
                continue; // always holds
            }
            conds.push(h);
        }
        let key: Vec<HalfSpace> = conds.iter().map(HalfSpace::normalized).collect();
        let same = |s: &Vec<HalfSpace>| {
            s.iter().all(|h| key.contains(h)) && key.iter().all(|h| s.contains(h))
        };
        if seen.iter().any(same) {
            continue; // coincides with a lower piece everywhere
        }
        seen.push(key);
        if conds.iter().all(|h| h.contains_strictly(&cell.point)) {
            out.push((j, conds, cell.point.clone()));
            continue;
        }
        let mut all = cell.cons.clone();
        all.extend(conds.iter().cloned());
        *lps += 1;
        if let Some(p) = crate::lp::interior_point(k, &all) {
            out.push((j, conds, p));
        }
    }
    out
}
