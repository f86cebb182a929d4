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
//! Depth-first, layer by layer and unit by unit. A cell is a polyhedron, a rational point
//! strictly inside it, and the affine map from domain coordinates to the current layer. A
//! unit splits a cell into one child per piece whose conditions leave a full-dimensional
//! part. When a unit's condition is identically zero on the whole cell (a dead-on-the-nose
//! unit, coincident max-pool inputs), the pieces coincide and only the lowest-numbered one is
//! kept, matching the tie rule of [`Network::trace`](crate::Network::trace). Degenerate
//! arrangements (coincident and parallel hyperplanes, many through one point, zero rows)
//! need no special case: every decision is an exact sign or an exact LP.
//!
//! - **Bounded domains** (box, segment, bounded slice) keep each cell's exact vertices (an
//!   interval in 1-D, a counter-clockwise polygon in 2-D, vertices with their tight
//!   constraints up to 6-D). A hyperplane `h` splits a full-dimensional cell iff some vertex
//!   has `h > 0` and some `h < 0`; the new vertices are the exact intersections of `h = 0`
//!   with the edges between them (adjacency by the double-description test). No LP is
//!   solved. While the vertices fit, each is kept as integers over a common denominator
//!   and a cut needs integer arithmetic only (exact rationals take over when a number does
//!   not fit `i128`). The interior point is a positive combination of all vertices.
//! - **Unbounded domains** (the whole space, the orthant, an unbounded slice) and boxes above
//!   6-D use exact LPs: the parent's interior point is tested first (a child that contains it
//!   strictly needs no LP); a child that misses the cell is usually shown empty by an exact
//!   identity whose multipliers a float LP guessed (`float_filter`); otherwise an LP finds
//!   an interior point or proves there is none.
//!
//! A condition is only added to a child when the cell really splits.
//!
//! The top levels of the tree are expanded first, then the subtrees below are shared among
//! threads ([`Enumerator::with_threads`]); their leaves are joined in depth-first order, so
//! the regions, their order and their ids are the same for any number of threads.
//!
//! Afterwards each region gets (on every thread) its minimal H-representation, boundedness,
//! vertices (1-D and 2-D), and its neighbours: a region `N` is adjacent to `R` across the
//! facet `F` of `R` iff `N` has the opposite facet `F'` on the same hyperplane `H` and
//! `F ∩ F'` has dimension `d - 1`. The candidates (regions with a facet on `H`, opposite)
//! are decided exactly, cheapest test first:
//! - regions with vertices: in 1-D and 2-D the facets' extents along `H` overlap in more than
//!   a point; in general dimension the facets' vertex boxes, then a point inside one facet
//!   strictly inside every other constraint of the other region (neighbours), then one
//!   facet outside a constraint of the other (not neighbours);
//! - regions without vertices: `N`'s pattern may differ from `R`'s only at units whose
//!   piece boundary contains `H` (see `units_by_hyperplane`);
//! - what remains: an exact LP for a point of `R ∩ N` in the relative interior of `F`.

use crate::error::Result;
use crate::exact::intvec::{self, Den, Ints};
use crate::exact::linalg::{Affine, HalfSpace, Matrix};
use crate::exact::rational::Q;
use crate::geometry::float_filter::{self, Floats};
use crate::geometry::lazy;
use crate::geometry::lp::TimeUp;
use crate::geometry::polytope::Polytope;
use crate::geometry::vrep::{Side, VCell};
use crate::net::network::{Network, Pattern, Piece};
use crate::net::residual::{Op, Step};
use crate::regions::budget::Budget;
use crate::regions::domain::Domain;
use num_bigint::BigInt;
use num_traits::Zero;
use std::collections::HashMap;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex, OnceLock};
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
    /// The affine map the network computes here, from domain coordinates to outputs. Only
    /// meaningful when [`Region::map_exact`]; otherwise it is empty (no rows).
    pub map: Affine,
    /// Some ELU/SELU unit is on its curved part (`z <= 0`) here: the network is not
    /// (known to be) affine on this region, no map is given, and later layers are not split
    /// (their pattern entries are `?`: their boundaries are curved surfaces, not hyperplanes).
    pub curved: bool,
    /// Is [`Region::map`] the exact map? False on curved regions, and on regions where a SELU
    /// unit is on its linear part (`lambda·z`, with lambda irrational: affine, but not
    /// with rational coefficients).
    pub map_exact: bool,
    /// Is the region bounded? (`None` without details.)
    pub bounded: Option<bool>,
    /// The exact vertices in 1-D and 2-D (counter-clockwise in 2-D) when bounded.
    pub vertices: Option<Vec<Vec<Q>>>,
    /// Facets and neighbours (empty without details).
    pub facets: Vec<Facet>,
    /// The linear piece this region belongs to (`None` without details).
    pub piece: Option<usize>,
}

/// The pattern entry of a unit that was not split (after a curved layer); shows as `?`.
pub const UNDETERMINED: u8 = u8::MAX;

impl Region {
    /// The exact affine map, when there is one ([`Region::map_exact`]).
    pub fn exact_map(&self) -> Option<&Affine> {
        self.map_exact.then_some(&self.map)
    }

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
    /// The number of linear pieces (`None` without details, when incomplete, or when some
    /// region has no exact map: ELU/SELU).
    pub piece_count: Option<usize>,
    /// Why enumeration stopped.
    pub stop: StopReason,
    /// Exact LPs solved.
    pub lp_count: usize,
    /// Signs of vertex cells that a float enclosure could not decide, computed exactly.
    pub exact_fallbacks: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// Pattern to id, built on first use.
    by_pattern: OnceLock<HashMap<Pattern, usize>>,
}

/// The counts of an enumeration ([`Enumerator::count`], [`Regions::counts`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Counts {
    /// The domain.
    pub domain: Domain,
    /// The number of regions found.
    pub regions: usize,
    /// The number of linear pieces (`None` when incomplete, or when some region has no
    /// exact map: ELU/SELU).
    pub piece_count: Option<usize>,
    /// Why enumeration stopped.
    pub stop: StopReason,
    /// Exact LPs solved.
    pub lp_count: usize,
    /// Signs of vertex cells that a float enclosure could not decide, computed exactly.
    pub exact_fallbacks: u64,
    /// Wall time.
    pub elapsed: Duration,
}

impl Counts {
    /// Did enumeration finish?
    pub fn is_complete(&self) -> bool {
        self.stop.is_complete()
    }
}

impl Regions {
    /// The counts alone.
    pub fn counts(&self) -> Counts {
        Counts {
            domain: self.domain.clone(),
            regions: self.regions.len(),
            piece_count: self.piece_count,
            stop: self.stop.clone(),
            lp_count: self.lp_count,
            exact_fallbacks: self.exact_fallbacks,
            elapsed: self.elapsed,
        }
    }

    /// Did enumeration finish?
    pub fn is_complete(&self) -> bool {
        self.stop.is_complete()
    }

    /// The region whose closure contains the domain point `y` and whose pattern is the one
    /// [`Network::trace`] records there. For a point inside a region this is that region.
    pub fn locate(&self, net: &Network, y: &[Q]) -> Option<usize> {
        let x = self.domain.to_input(y);
        let pattern = net.trace(&x).ok()?.pattern();
        let id = *self.pattern_index().get(&pattern)?;
        self.regions[id].polytope.contains(y).then_some(id)
    }

    /// The region with this pattern.
    pub fn by_pattern(&self, p: &Pattern) -> Option<&Region> {
        self.pattern_index().get(p).map(|&i| &self.regions[i])
    }

    fn pattern_index(&self) -> &HashMap<Pattern, usize> {
        self.by_pattern.get_or_init(|| {
            self.regions
                .iter()
                .enumerate()
                .map(|(i, r)| (r.pattern.clone(), i))
                .collect()
        })
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
    budget: Budget,
    details: bool,
    /// Skip the details when the enumeration is incomplete (their only use would be lost).
    details_when_complete: bool,
    /// Of the details, only the linear pieces (see [`Enumerator::with_pieces_only`]).
    pieces_only: bool,
    /// Compute interior points (off only for [`Enumerator::count`], which returns no region).
    points: bool,
    progress: Option<Box<dyn FnMut(Progress) + 'a>>,
    /// Use the LP path even on bounded domains (to test one path against the other).
    force_lp: bool,
    /// The pure exact path (to test one path against the other): every filtered sign
    /// computed exactly, and no float LP (no float-proposed points or multipliers: every
    /// interior point and emptiness on an unbounded domain from an exact LP).
    exact_only: bool,
    threads: usize,
}

/// The default number of threads is the number of cores, at most this.
const MAX_THREADS: usize = 8;

/// The number of cores (at most [`MAX_THREADS`]), read once: finding it reads system files.
fn default_threads() -> usize {
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *THREADS.get_or_init(|| {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS))
    })
}

/// A step of the network over its state (a layer, or a part of a residual block).
type Stage = Step;

/// The constraints of a cell: a persistent list shared with its ancestors (a child adds its
/// cutting hyperplanes without copying the parent's).
#[derive(Clone, Default)]
struct Cons {
    head: Option<Arc<ConsNode>>,
    len: u32,
}

/// A constraint as centre-radius enclosures ([`lazy::enclosed_row`]).
type EnclosedRow = [(f64, f64)];

struct ConsNode {
    h: HalfSpace,
    /// `h` in floats, for the float LPs ([`Floats::row_of`]), made on first use.
    f: OnceLock<Box<[f64]>>,
    /// `h` as enclosures for filtered signs ([`lazy::enclosed_row`]), made on first use.
    e: OnceLock<Box<[(f64, f64)]>>,
    prev: Option<Arc<ConsNode>>,
}

impl Cons {
    fn from_vec(v: Vec<HalfSpace>) -> Cons {
        let mut c = Cons::default();
        for h in v {
            c.push(h);
        }
        c
    }

    fn push(&mut self, h: HalfSpace) {
        self.head = Some(Arc::new(ConsNode {
            f: OnceLock::new(),
            e: OnceLock::new(),
            h,
            prev: self.head.take(),
        }));
        self.len += 1;
    }

    /// The nodes, first constraint first.
    fn nodes(&self) -> Vec<&ConsNode> {
        let mut out = Vec::with_capacity(self.len as usize);
        let mut cur = self.head.as_deref();
        while let Some(n) = cur {
            out.push(n);
            cur = n.prev.as_deref();
        }
        out.reverse();
        out
    }

    /// The constraints and their enclosed rows (made once per constraint, shared by every
    /// cell below the one that added it).
    fn with_enclosures(&self) -> (Vec<HalfSpace>, Vec<&EnclosedRow>) {
        let nodes = self.nodes();
        let rows = (nodes.iter())
            .map(|n| &**n.e.get_or_init(|| lazy::enclosed_row(&n.h)))
            .collect();
        (nodes.into_iter().map(|n| n.h.clone()).collect(), rows)
    }

    /// The constraints (borrowed from the shared list) and their float rows.
    fn with_floats(&self, k: usize) -> (Vec<&HalfSpace>, Floats) {
        let nodes = self.nodes();
        let mut floats = Floats::of(k, []);
        for n in &nodes {
            floats.push_row(n.f.get_or_init(|| Floats::row_of(&n.h)));
        }
        (nodes.into_iter().map(|n| &n.h).collect(), floats)
    }
}

/// The geometry of a cell: vertices on bounded domains, a strictly interior point otherwise.
enum Geom {
    V(VCell),
    H(Vec<Q>),
}

struct Cell {
    geom: Geom,
    cons: Cons,
    /// The map from domain coordinates to the current layer's input.
    map: Arc<Affine>,
    pattern: Vec<Vec<u8>>,
    layer: usize,
    unit: usize,
    curved: bool,
    map_exact: bool,
}

/// The bounding box of a facet's vertices, `(min, max)` per coordinate.
type FacetBox = Vec<(Q, Q)>;

/// One child of a split: the piece, the hyperplanes to add, and its geometry (`None` when
/// it is the parent's).
type Child = (usize, Vec<HalfSpace>, Option<Geom>);

impl<'a> Enumerator<'a> {
    /// An enumerator with no budget that computes every detail.
    pub fn new(net: &'a Network, domain: Domain) -> Enumerator<'a> {
        Enumerator {
            net,
            domain,
            budget: Budget::unlimited(),
            details: true,
            details_when_complete: false,
            pieces_only: false,
            points: true,
            progress: None,
            force_lp: false,
            exact_only: false,
            threads: default_threads(),
        }
    }

    /// Stop after `n` regions.
    pub fn with_max_regions(mut self, n: usize) -> Self {
        self.budget = self.budget.with_max_regions(n);
        self
    }

    /// Stop after this much time from now (a budget of its own; a command that runs several
    /// enumerations passes its one [`Budget`] with [`Enumerator::with_budget`] instead).
    pub fn with_time_limit(mut self, d: Duration) -> Self {
        self.budget = self.budget.with_time_limit(d);
        self
    }

    /// Work within `budget` (its deadline and region cap), shared with the rest of the
    /// command: the time is checked in every loop of the walk, of the conversion of leaves to
    /// regions and of the details.
    pub fn with_budget(mut self, budget: Budget) -> Self {
        self.budget = budget;
        self
    }

    /// Compute minimal H-representations, vertices, neighbours and linear pieces (default
    /// `true`). Without details only patterns, interior points, maps and the accumulated
    /// (possibly redundant) constraints are returned.
    pub fn with_details(mut self, details: bool) -> Self {
        self.details = details;
        self
    }

    /// Compute the details only when every region was found (default `false`): for callers
    /// that would throw them away otherwise, such as a count (linear pieces are counted
    /// only on complete regions).
    pub fn with_details_when_complete(mut self, only: bool) -> Self {
        self.details_when_complete = only;
        self
    }

    /// Of the details, compute only the linear pieces (default `false`): for a count.
    /// A piece is a component of "adjacent with an equal map", so only regions whose map
    /// another region shares need their facets and neighbours, and only neighbours with an
    /// equal map are tested; [`Region::piece`] and [`Regions::piece_count`] are what full
    /// details give, while polytopes stay as accumulated and facets, boundedness and
    /// vertices are not computed.
    pub fn with_pieces_only(mut self, only: bool) -> Self {
        self.pieces_only = only;
        self
    }

    /// Share the work among `n` threads (at least 1; default: the number of cores, at most
    /// 8). The regions, their order and their ids do not depend on it.
    pub fn with_threads(mut self, n: usize) -> Self {
        self.threads = n.clamp(1, 256);
        self
    }

    /// Report progress (called every few hundred regions).
    pub fn with_progress(mut self, f: impl FnMut(Progress) + 'a) -> Self {
        self.progress = Some(Box::new(f));
        self
    }

    /// Runs the enumeration and returns only the counts: of regions and, when every region
    /// was found, of linear pieces ([`Regions::counts`] of a run with
    /// [`with_details_when_complete`](Self::with_details_when_complete) and
    /// [`with_pieces_only`](Self::with_pieces_only), without the regions). No region is
    /// returned, so a region needs neither an interior point nor its own list of
    /// constraints (its leaf keeps the constraints it shares with its siblings), except a
    /// region whose map another region has: it gets both (the point from an exact LP) for
    /// the pieces (on a 6-24-1 net with float32 weights a count holds 2.4 KB per region).
    ///
    /// ```
    /// use relucheck::{Domain, Enumerator, Network, Q};
    /// let net = Network::load("examples/xor.json")?;
    /// let dom = Domain::boxed(vec![-Q::ONE; 2], vec![Q::from_int(2); 2])?;
    /// let counts = Enumerator::new(&net, dom.clone()).count()?;
    /// let regions = Enumerator::new(&net, dom).run()?;
    /// assert_eq!(counts.regions, regions.regions.len());
    /// assert_eq!(counts.piece_count, regions.piece_count);
    /// # Ok::<(), relucheck::Error>(())
    /// ```
    pub fn count(mut self) -> Result<Counts> {
        self.details = true;
        self.details_when_complete = true;
        self.pieces_only = true;
        self.points = false;
        Ok(self.run()?.counts())
    }

    /// Runs the enumeration.
    pub fn run(mut self) -> Result<Regions> {
        let start = Instant::now();
        self.check_input()?;
        let stages = stages_of(self.net);
        let int_rows = int_rows_of(&stages);
        let big_layers: Vec<Option<BigLayer>> = stages.iter().map(BigLayer::new).collect();
        let dom_cons = self.domain.polytope().constraints().to_vec();
        let (root, lps) = self.root_geometry(&dom_cons);
        let walk = Walk {
            stages: &stages,
            int_rows: &int_rows,
            big_layers: &big_layers,
            k: self.domain.dim(),
            deadline: self.budget.deadline(),
            cap: self.budget.max_regions().map(|m| m.saturating_add(1)),
            found: AtomicUsize::new(0),
            lps: AtomicUsize::new(lps),
            fallbacks: AtomicU64::new(0),
            exact_only: self.exact_only,
            keep_cells: self.details && !self.pieces_only,
            // The 1-D regions are put in order by their points.
            points: self.points || self.domain.dim() == 1,
            timed_out: AtomicBool::new(false),
        };
        let leaves = match root {
            Some(geom) => self.walk_from(&walk, geom, dom_cons),
            None => Vec::new(),
        };
        let (stop, leaves) = self.join(&walk, leaves);
        let (mut regions, mut cells, mut conses) = (vec![], vec![], vec![]);
        for (r, v, c) in leaves {
            regions.push(r);
            cells.push(v);
            conses.push(c);
        }
        let mut out = Regions {
            domain: self.domain.clone(),
            regions,
            piece_count: None,
            stop,
            lp_count: walk.lps.load(Relaxed),
            exact_fallbacks: walk.fallbacks.load(Relaxed),
            elapsed: start.elapsed(),
            by_pattern: OnceLock::new(),
        };
        if self.details && (out.stop.is_complete() || !self.details_when_complete) {
            self.add_details(&mut out, &cells, &conses, &stages);
        }
        out.elapsed = start.elapsed();
        Ok(out)
    }

    /// The domain fits the network, and the network can be unrolled into affine layers.
    fn check_input(&self) -> Result<()> {
        if self.domain.input_dim() != self.net.input_dim() {
            return Err(crate::Error::Invalid(format!(
                "the domain has {} coordinates but the network takes {} inputs",
                self.domain.input_dim(),
                self.net.input_dim()
            )));
        }
        self.net.check_unrollable()
    }

    /// The root cell's geometry (`None` when the domain has no interior) and the LPs it took:
    /// the domain's vertices when it is bounded, else a strictly interior point.
    fn root_geometry(&self, dom_cons: &[HalfSpace]) -> (Option<Geom>, usize) {
        let bounded = self.domain.is_bounded() && !self.force_lp;
        let vcell = bounded.then(|| VCell::from_polytope(self.domain.polytope()));
        match vcell.flatten() {
            Some(v) => (Some(Geom::V(v)), 0),
            None => {
                let p = crate::geometry::lp::interior_point(self.domain.dim(), dom_cons);
                (p.map(Geom::H), 1)
            }
        }
    }

    /// Every leaf of the tree below the domain, reporting progress.
    fn walk_from(&mut self, walk: &Walk<'_>, geom: Geom, dom_cons: Vec<HalfSpace>) -> Vec<Found> {
        let root = Cell {
            geom,
            cons: Cons::from_vec(dom_cons),
            map: Arc::new(self.domain.embedding().clone()),
            pattern: Vec::new(),
            layer: 0,
            unit: 0,
            curved: false,
            map_exact: true,
        };
        let progress = &mut self.progress;
        walk.run(root, self.threads, &mut |found, lps| {
            if let Some(f) = progress.as_mut() {
                f(Progress {
                    regions: found,
                    lps,
                    details: false,
                });
            }
        })
    }

    /// Why the walk stopped, and the leaves within the region budget in their final order
    /// (left to right on a line), with their ids.
    fn join(&self, walk: &Walk<'_>, mut leaves: Vec<Found>) -> (StopReason, Vec<Found>) {
        let mut stop = StopReason::Complete;
        if walk.timed_out.load(Relaxed) {
            stop = self.time_stop();
        } else if let Some(m) = self.budget.max_regions()
            && leaves.len() > m
        {
            leaves.truncate(m);
            stop = StopReason::MaxRegions(m);
        }
        if self.domain.dim() == 1 {
            leaves.sort_by(|a, b| a.0.interior_point[0].cmp(&b.0.interior_point[0]));
        }
        for (i, (r, _, _)) in leaves.iter_mut().enumerate() {
            r.id = i;
        }
        (stop, leaves)
    }

    fn time_stop(&self) -> StopReason {
        StopReason::TimeLimit(self.budget.time_limit().unwrap_or_default())
    }

    /// Minimal inequalities, boundedness, vertices (1-D and 2-D), facets with their
    /// neighbours, and the linear pieces (only the pieces with
    /// [`Enumerator::with_pieces_only`]). When the time runs out the regions keep what the
    /// walk gave them and the stop says so.
    fn add_details(
        &mut self,
        out: &mut Regions,
        cells: &[Option<VCell>],
        conses: &[Option<Cons>],
        stages: &[Stage],
    ) {
        if self.pieces_only {
            self.add_pieces(out, cells, conses, stages);
            return;
        }
        let mut lp_count = out.lp_count;
        let k = out.domain.dim();
        let facets = self.facets_of(&mut out.regions, cells, (stages, k), &mut lp_count, false);
        out.lp_count = lp_count;
        let Some(facets) = facets else {
            out.stop = self.time_stop();
            return;
        };
        for (r, f) in out.regions.iter_mut().zip(facets) {
            r.facets = f;
        }
        if out.stop.is_complete() && out.regions.iter().all(|r| r.map_exact) {
            let edges = out.regions.iter().flat_map(|r| {
                let regions = &out.regions;
                r.neighbour_ids()
                    .into_iter()
                    .filter(move |&nb| regions[nb].map == r.map)
                    .map(move |nb| (r.id, nb))
            });
            let (pieces, count) = linear_pieces(out.regions.len(), edges);
            for (r, p) in out.regions.iter_mut().zip(pieces) {
                r.piece = Some(p);
            }
            out.piece_count = Some(count);
        }
    }

    /// The linear pieces alone: a region whose map no other region has is a piece by
    /// itself; the others (copied, numbered among themselves) get their facets, with
    /// neighbours tested only across equal maps, and the pieces are the components.
    fn add_pieces(
        &mut self,
        out: &mut Regions,
        cells: &[Option<VCell>],
        conses: &[Option<Cons>],
        stages: &[Stage],
    ) {
        if !out.stop.is_complete() || !out.regions.iter().all(|r| r.map_exact) {
            return;
        }
        // Regions by a cheap key of their map (equal maps have equal keys), then by the map.
        let key = |m: &Affine| -> Vec<u64> {
            (0..m.output_dim())
                .flat_map(|t| {
                    let (r, c) = m.component(t);
                    r.iter().chain([c]).map(|v| v.approx_f64().to_bits())
                })
                .collect()
        };
        let mut by_key: HashMap<Vec<u64>, Vec<usize>> = HashMap::new();
        for r in &out.regions {
            by_key.entry(key(&r.map)).or_default().push(r.id);
        }
        let regions = &out.regions;
        let mut shared: Vec<usize> = (by_key.into_values())
            .filter(|ids| ids.len() > 1)
            .flat_map(|ids| {
                ids.iter()
                    .copied()
                    .filter(|&i| {
                        ids.iter()
                            .any(|&j| j != i && regions[j].map == regions[i].map)
                    })
                    .collect::<Vec<usize>>()
            })
            .collect();
        shared.sort_unstable();
        let k = out.domain.dim();
        let mut lp_count = out.lp_count;
        let mut sub = Vec::with_capacity(shared.len());
        let deadline = self.budget.deadline();
        for (j, &i) in shared.iter().enumerate() {
            match with_polytope(&out.regions[i], conses[i].as_ref(), &mut lp_count, deadline) {
                Ok(Some(r)) => sub.push(Region { id: j, ..r }),
                Ok(None) => return, // no interior point: the pieces stay unknown
                Err(TimeUp) => {
                    out.stop = self.time_stop();
                    return;
                }
            }
        }
        let sub_cells: Vec<Option<VCell>> = shared.iter().map(|&i| cells[i].clone()).collect();
        let facets = self.facets_of(&mut sub, &sub_cells, (stages, k), &mut lp_count, true);
        out.lp_count = lp_count;
        let Some(facets) = facets else {
            out.stop = self.time_stop();
            return;
        };
        let edges = facets.iter().enumerate().flat_map(|(j, f)| {
            let shared = &shared;
            f.iter()
                .flat_map(|f| f.neighbours.iter())
                .map(move |&nb| (shared[j], shared[nb]))
        });
        let (pieces, count) = linear_pieces(out.regions.len(), edges);
        for (r, p) in out.regions.iter_mut().zip(pieces) {
            r.piece = Some(p);
        }
        out.piece_count = Some(count);
    }

    /// Each region's facets with the regions across (only those with an equal map when
    /// `same_map`); the regions get their minimal inequalities, boundedness and vertices.
    /// `None` when the time runs out.
    fn facets_of(
        &mut self,
        regions: &mut [Region],
        cells: &[Option<VCell>],
        (stages, k): (&[Stage], usize),
        lp_count: &mut usize,
        same_map: bool,
    ) -> Option<Vec<Vec<Facet>>> {
        let (budget, threads) = (self.budget, self.threads);
        let n = regions.len();
        let done = AtomicUsize::new(0);
        let lps = AtomicUsize::new(*lp_count);
        let progress = &mut self.progress;
        let mut tick = || {
            if let Some(f) = progress.as_mut() {
                f(Progress {
                    regions: done.load(Relaxed),
                    lps: lps.load(Relaxed),
                    details: true,
                });
            }
        };
        let embedding = self.domain.embedding();
        let shapes = {
            let regions = &*regions;
            par_map(n, threads, &mut tick, |i| {
                if budget.expired() {
                    return None;
                }
                let shape = region_shape(&regions[i], cells[i].as_ref(), (stages, embedding), &lps);
                done.fetch_add(1, Relaxed);
                Some(shape)
            })
        };
        let shapes = shapes.into_iter().collect::<Option<Vec<RegionShape>>>();
        let facets = shapes.and_then(|shapes| {
            let mut across = Across::new(regions, shapes, cells, k, &lps);
            across.same_map = same_map;
            done.store(0, Relaxed);
            let facets = par_map(n, threads, &mut tick, |i| {
                let f = across.facets(i, &budget)?;
                done.fetch_add(1, Relaxed);
                Some(f)
            });
            facets.into_iter().collect::<Option<Vec<Vec<Facet>>>>()
        });
        *lp_count = lps.load(Relaxed);
        facets
    }
}

/// The region with its polytope and an interior point: itself, or for a leaf of a count
/// ([`Enumerator::count`]) its constraints from `cons` and, when it has none, an interior
/// point from an exact LP within `deadline` (counted in `lps`). `Ok(None)` when the LP
/// finds none (not for a region, which has interior).
fn with_polytope(
    r: &Region,
    cons: Option<&Cons>,
    lps: &mut usize,
    deadline: Option<Instant>,
) -> Result<Option<Region>, TimeUp> {
    let mut r = r.clone();
    if let Some(c) = cons {
        let hs = c.nodes().into_iter().map(|n| n.h.clone()).collect();
        r.polytope = Polytope::new(r.polytope.dim(), hs);
    }
    if r.interior_point.is_empty() {
        *lps += 1;
        let k = r.polytope.dim();
        match crate::geometry::lp::interior_point_within(k, r.polytope.constraints(), deadline)? {
            Some(p) => r.interior_point = p,
            None => return Ok(None),
        }
    }
    Ok(Some(r))
}

/// What the network's layers do, step by step ([`crate::net::residual::steps`]).
fn stages_of(net: &Network) -> Vec<Stage> {
    net.steps()
}

/// The affine layers' rows `[a_i.., c_i]` over common denominators, when they fit.
fn int_rows_of(stages: &[Stage]) -> Vec<Option<Vec<Vec<i128>>>> {
    stages
        .iter()
        .map(|s| match &s.op {
            Op::Affine(a) => (0..a.output_dim())
                .map(|i| {
                    let mut r = a.a.row(i).to_vec();
                    r.push(a.c[i].clone());
                    crate::geometry::vrep::int_form(&r)
                })
                .collect(),
            Op::Pieces { .. } | Op::Curved { .. } => None,
        })
        .collect()
}

/// A region's minimal H-representation, boundedness and vertices; for regions with vertices
/// the local id of every facet (to find its extent) and, in general dimension, the bounding
/// box of its vertices (a filter before the LP), the integer forms of its constraints and a
/// point inside each facet; for regions without vertices, its units by hyperplane.
fn region_shape(
    r: &Region,
    cell: Option<&VCell>,
    (stages, embedding): (&[Stage], &Affine),
    lps: &AtomicUsize,
) -> RegionShape {
    let k = r.polytope.dim();
    let mut shape = RegionShape {
        polytope: Polytope::new(k, Vec::new()),
        facet_ids: Vec::new(),
        boxes: Vec::new(),
        forms: Vec::new(),
        centers: Vec::new(),
        units: None,
        bounded: true,
        vertices: None,
    };
    if let Some(v) = cell {
        let cons = r.polytope.constraints();
        let ids = v.facet_ids(cons);
        let minimal = ids
            .iter()
            .map(|&id| cons[id as usize].normalized())
            .collect();
        shape.polytope = Polytope::new(k, minimal);
        if k <= 2 {
            shape.vertices = Some(v.vertices());
        } else {
            shape.boxes = ids.iter().map(|&id| v.facet_box(id)).collect();
            shape.forms = (shape.polytope.constraints().iter())
                .map(crate::geometry::vrep::constraint_form)
                .collect();
            shape.centers = ids.iter().map(|&id| v.facet_center(id)).collect();
        }
        shape.facet_ids = ids;
    } else {
        let minimal = r.polytope.minimal_with_interior(&r.interior_point);
        shape.polytope = Polytope::new(
            k,
            minimal
                .constraints()
                .iter()
                .map(HalfSpace::normalized)
                .collect(),
        );
        lps.fetch_add(shape.polytope.constraints().len() + 1, Relaxed);
        shape.units = units_by_hyperplane(stages, &r.pattern, embedding, k);
        shape.bounded = shape.polytope.is_bounded();
        if shape.bounded && k <= 2 {
            shape.vertices = Some(if k == 2 {
                shape.polytope.vertices_2d().unwrap_or_default()
            } else {
                let mut v = shape.polytope.vertices();
                v.sort();
                v
            });
        }
    }
    shape
}

/// Linear pieces: connected components of the graph on `0..n` with these edges ("adjacent
/// with an equal map"), numbered in the order of their first region; with their number.
fn linear_pieces(n: usize, edges: impl Iterator<Item = (usize, usize)>) -> (Vec<usize>, usize) {
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let mut parent: Vec<usize> = (0..n).collect();
    for (x, y) in edges {
        let (a, b) = (find(&mut parent, x), find(&mut parent, y));
        if a != b {
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut ids: HashMap<usize, usize> = HashMap::new();
    let pieces = (0..n)
        .map(|i| {
            let root = find(&mut parent, i);
            let next = ids.len();
            *ids.entry(root).or_insert(next)
        })
        .collect();
    (pieces, ids.len())
}

/// What the neighbour tests need: the regions with their minimal inequalities, their cells,
/// the first part of their details, and the facets of all of them by oriented hyperplane.
struct Across<'x> {
    regions: &'x [Region],
    cells: &'x [Option<VCell>],
    k: usize,
    facet_ids: Vec<Vec<u32>>,
    boxes: Vec<Vec<Option<FacetBox>>>,
    forms: Vec<Vec<Option<Vec<i128>>>>,
    centers: Vec<Vec<Option<Vec<i128>>>>,
    units: Vec<Option<UnitsByPlane>>,
    by_plane: HashMap<HalfSpace, Vec<(usize, usize)>>,
    lps: &'x AtomicUsize,
    /// Test only neighbours with an equal map (all a count of pieces needs).
    same_map: bool,
}

impl<'x> Across<'x> {
    /// Stores each region's shape (its minimal inequalities, boundedness and vertices go into
    /// the region) and indexes the facets by their hyperplane, oriented.
    fn new(
        regions: &'x mut [Region],
        shapes: Vec<RegionShape>,
        cells: &'x [Option<VCell>],
        k: usize,
        lps: &'x AtomicUsize,
    ) -> Across<'x> {
        let n = regions.len();
        let mut across = Across {
            regions: &[],
            cells,
            k,
            facet_ids: Vec::with_capacity(n),
            boxes: Vec::with_capacity(n),
            forms: Vec::with_capacity(n),
            centers: Vec::with_capacity(n),
            units: Vec::with_capacity(n),
            by_plane: HashMap::new(),
            lps,
            same_map: false,
        };
        for (r, s) in regions.iter_mut().zip(shapes) {
            across.units.push(s.units);
            r.polytope = s.polytope;
            r.bounded = Some(s.bounded);
            r.vertices = s.vertices;
            across.facet_ids.push(s.facet_ids);
            across.boxes.push(s.boxes);
            across.forms.push(s.forms);
            across.centers.push(s.centers);
        }
        for r in regions.iter() {
            for (fi, h) in r.polytope.constraints().iter().enumerate() {
                let key = h.normalized();
                across.by_plane.entry(key).or_default().push((r.id, fi));
            }
        }
        across.regions = regions;
        across
    }

    /// The facets of region `i` with the regions across each; `None` when the time runs out.
    fn facets(&self, i: usize, budget: &Budget) -> Option<Vec<Facet>> {
        if budget.expired() {
            return None;
        }
        let (r, k) = (&self.regions[i], self.k);
        let mut facets = Vec::with_capacity(r.polytope.constraints().len());
        let mut tried = 0u32;
        for (fi, h) in r.polytope.constraints().iter().enumerate() {
            let flipped = h.flipped().normalized();
            let mut neighbours = Vec::new();
            let on_h: Option<Vec<(usize, usize)>> = self.units[i].as_ref().map(|u| {
                let zero = HalfSpace::new(vec![Q::ZERO; k], Q::ZERO);
                [line_key(h), zero]
                    .iter()
                    .flat_map(|key| u.get(key).into_iter().flatten().copied())
                    .collect()
            });
            for &(nid, nfi) in self.by_plane.get(&flipped).into_iter().flatten() {
                if self.same_map && self.regions[nid].map != r.map {
                    continue;
                }
                tried += 1;
                if tried.is_multiple_of(32) && budget.expired() {
                    return None;
                }
                if let Some(on_h) = &on_h
                    && differs_off(&r.pattern, &self.regions[nid].pattern, on_h)
                {
                    // Across a facet on H only units whose boundary contains H change
                    // their piece (see `units_by_hyperplane`): not a neighbour.
                    continue;
                }
                if self.neighbours((i, fi), (nid, nfi), h) {
                    neighbours.push(nid);
                }
            }
            neighbours.sort_unstable();
            facets.push(Facet {
                constraint: h.clone(),
                neighbours,
            });
        }
        Some(facets)
    }

    /// Does the facet `nfi` of region `nid`, on the hyperplane of the facet `fi` of region
    /// `i` (`h`) and facing it, meet that facet in dimension `d - 1`? The tests on vertices
    /// first, then an exact LP.
    fn neighbours(
        &self,
        (i, fi): (usize, usize),
        (nid, nfi): (usize, usize),
        h: &HalfSpace,
    ) -> bool {
        if let Some(known) = self.by_vertices((i, fi), (nid, nfi), h) {
            return known;
        }
        let k = self.k;
        let other = &self.regions[nid].polytope;
        let mut cons = self.regions[i].polytope.constraints().to_vec();
        cons.extend(
            other
                .constraints()
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != nfi)
                .map(|(_, c)| c.clone()),
        );
        self.lps.fetch_add(1, Relaxed);
        Polytope::new(k, cons).facet_point(fi).is_some()
    }

    /// The answer of [`Across::neighbours`] when the regions' vertices decide it.
    fn by_vertices(
        &self,
        (i, fi): (usize, usize),
        (nid, nfi): (usize, usize),
        h: &HalfSpace,
    ) -> Option<bool> {
        let k = self.k;
        let cells = (&self.cells[i], &self.cells[nid]);
        if let (Some(a), Some(b)) = cells
            && k <= 2
        {
            // Facets on one line (or point) meet in more than a point.
            let ea = a.facet_extent(self.facet_ids[i][fi]);
            let eb = b.facet_extent(self.facet_ids[nid][nfi]);
            if let (Some((_, lo1, hi1)), Some((_, lo2, hi2))) = (ea, eb) {
                return Some(k == 1 || lo1.max(lo2) < hi1.min(hi2));
            }
        }
        if let (Some(Some(a)), Some(Some(b))) = (self.boxes[i].get(fi), self.boxes[nid].get(nfi)) {
            // Facets whose vertex boxes meet in a slab x_c = const (for a coordinate not
            // constant on the hyperplane) meet in less than a facet: not neighbours.
            // Otherwise the LP decides.
            let apart = (0..k).any(|c| {
                h.a.iter().enumerate().any(|(j, v)| j != c && !v.is_zero())
                    && a[c].0.clone().max(b[c].0.clone()) >= a[c].1.clone().min(b[c].1.clone())
            });
            if apart {
                return Some(false);
            }
        }
        let (Some(a), Some(b)) = cells else {
            return None;
        };
        if k <= 2 {
            return None;
        }
        let others = |id: usize, skip: usize| {
            let f = &self.forms[id];
            (0..f.len())
                .filter(move |&j| j != skip)
                .map(|j| f[j].as_deref())
        };
        // A point inside one facet strictly inside every other constraint of the other
        // region lies inside both facets: neighbours.
        let meet = |c: &Option<Vec<i128>>, id, skip| {
            c.as_deref()
                .is_some_and(|p| crate::geometry::vrep::strictly_inside(p, others(id, skip)))
        };
        if meet(&self.centers[nid][nfi], i, fi) || meet(&self.centers[i][fi], nid, nfi) {
            return Some(true);
        }
        // One facet outside (or on) a constraint of the other region: they meet in less
        // than a facet.
        let (fa, fb) = (self.facet_ids[i][fi], self.facet_ids[nid][nfi]);
        let outside = |v: &VCell, f: u32, id: usize, skip: usize| {
            let cons = self.regions[id].polytope.constraints();
            (0..cons.len())
                .any(|j| j != skip && v.facet_outside(f, &cons[j], self.forms[id][j].as_deref()))
        };
        if outside(b, fb, i, fi) || outside(a, fa, nid, nfi) {
            return Some(false);
        }
        None
    }
}

/// The first part of a region's details.
struct RegionShape {
    polytope: Polytope,
    facet_ids: Vec<u32>,
    /// Per facet, the bounding box of its vertices (general dimension with vertices only).
    boxes: Vec<Option<FacetBox>>,
    /// Per constraint, its integer form (general dimension with vertices only).
    forms: Vec<Option<Vec<i128>>>,
    /// Per facet, a point inside it (general dimension with vertices only).
    centers: Vec<Option<Vec<i128>>>,
    /// Regions without vertices: the units by the hyperplanes of their piece boundaries.
    units: Option<UnitsByPlane>,
    bounded: bool,
    vertices: Option<Vec<Vec<Q>>>,
}

/// Units `(layer, unit)` by a hyperplane of their piece boundaries ([`line_key`]); units
/// with an identically zero condition under the key `0·y <= 0`.
type UnitsByPlane = HashMap<HalfSpace, Vec<(usize, usize)>>;

/// A hyperplane as a key independent of orientation: normalised, first non-zero
/// coefficient `+1`.
fn line_key(h: &HalfSpace) -> HalfSpace {
    let n = h.normalized();
    if n.a
        .iter()
        .find(|v| !v.is_zero())
        .is_some_and(Q::is_negative)
    {
        n.flipped()
    } else {
        n
    }
}

/// For a region's pattern: every unit by the hyperplanes (in domain coordinates, through the
/// region's maps) on which its piece conditions change sign. `None` with ELU/SELU layers.
///
/// This filters neighbour candidates exactly. If regions `R` and `N` meet in a set `S` of
/// dimension `d - 1` on the hyperplane `H`, take the first unit whose piece differs: every
/// unit before it has the same piece, so its pre-activation is the same affine function on
/// both, and its conditions hold on the closures of both, so one of them vanishes on `S`,
/// hence on all of `H`. After it the maps differ, but every layer's value is continuous, so
/// the same argument holds for each later unit whose piece differs (with `R`'s map). So
/// `N`'s pattern differs from `R`'s only at units listed under `H`.
fn units_by_hyperplane(
    stages: &[Stage],
    pattern: &Pattern,
    embedding: &Affine,
    k: usize,
) -> Option<UnitsByPlane> {
    let mut map = embedding.clone();
    let mut out = UnitsByPlane::new();
    // The pattern entry of the current layer, and where the step's units start in it.
    let (mut l, mut first) = (0, 0);
    for st in stages {
        if st.starts_layer {
            (l, first) = (st.layer, 0);
        }
        match &st.op {
            Op::Affine(a) => map = map.then(a),
            Op::Curved { .. } => return None,
            Op::Pieces { units, carry } => {
                for (u, pieces) in units.iter().enumerate() {
                    let u = first + u;
                    for f in pieces.iter().flat_map(|p| &p.conditions) {
                        let (row, off) = f.compose(&map);
                        let zero = row.iter().all(Q::is_zero);
                        if zero && !off.is_zero() {
                            continue; // never zero
                        }
                        // Identically zero forms vanish on every hyperplane: key `0·y <= 0`.
                        let h = cond_half_space(&row, &off);
                        let key = if zero { h } else { line_key(&h) };
                        let list = out.entry(key).or_default();
                        if list.last() != Some(&(l, u)) {
                            list.push((l, u));
                        }
                    }
                }
                let chosen = pattern.0.get(l)?.get(first..)?;
                map = layer_output(units, chosen, &map, *carry, k)?;
                first += units.len();
            }
        }
    }
    Some(out)
}

/// The map into the next step when unit `u` of a piecewise-linear step takes the piece
/// `chosen[u]` and `map` leads into the step: the units' outputs, then the last `carry`
/// values of `map` (inside residual blocks); `None` when a piece is missing.
fn layer_output(
    units: &[Vec<Piece>],
    chosen: &[u8],
    map: &Affine,
    carry: usize,
    k: usize,
) -> Option<Affine> {
    let n = units.len();
    let mut a = Matrix::zeros(n + carry, k);
    let mut c = Vec::with_capacity(n + carry);
    for (u, pieces) in units.iter().enumerate() {
        let piece = pieces.get(usize::from(*chosen.get(u)?))?;
        c.push(piece.output.compose_into(map, a.row_mut(u)));
    }
    let from = map.output_dim().checked_sub(carry)?;
    for i in 0..carry {
        let (row, off) = map.component(from + i);
        a.row_mut(n + i).clone_from_slice(row);
        c.push(off.clone());
    }
    Some(Affine { a, c })
}

/// Do the patterns differ at some unit not in `allowed`?
fn differs_off(p: &Pattern, q: &Pattern, allowed: &[(usize, usize)]) -> bool {
    p.0.iter().zip(&q.0).enumerate().any(|(l, (a, b))| {
        a.iter()
            .zip(b)
            .enumerate()
            .any(|(u, (x, y))| x != y && !allowed.contains(&(l, u)))
    })
}

/// `f(0), .., f(n - 1)` in order, computed on up to `threads` threads. With one thread
/// everything runs here and `tick` is called every 256 items; otherwise helper threads do
/// the work while this one calls `tick` every 100 ms until they finish (when the system
/// refuses every helper thread, this one does the work).
fn par_map<T: Send>(
    n: usize,
    threads: usize,
    tick: &mut dyn FnMut(),
    f: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    let threads = threads.min(n);
    if threads <= 1 {
        return (0..n)
            .map(|i| {
                let r = f(i);
                if i % 256 == 255 {
                    tick();
                }
                r
            })
            .collect();
    }
    let slots: Vec<Mutex<Option<T>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let running = AtomicUsize::new(threads);
    let work = || {
        loop {
            let i = next.fetch_add(1, Relaxed);
            if i >= n {
                break;
            }
            *slots[i].lock().expect("unpoisoned") = Some(f(i));
        }
    };
    std::thread::scope(|scope| {
        let main = std::thread::current();
        let mut started = 0;
        for _ in 0..threads {
            let (main, running, work) = (main.clone(), &running, &work);
            let spawned = std::thread::Builder::new().spawn_scoped(scope, move || {
                work();
                running.fetch_sub(1, Relaxed);
                main.unpark();
            });
            match spawned {
                Ok(_) => started += 1,
                // The system refused a thread: the others (or this one) do its share.
                Err(_) => _ = running.fetch_sub(1, Relaxed),
            }
        }
        if started == 0 {
            work();
        }
        while running.load(Relaxed) > 0 {
            std::thread::park_timeout(Duration::from_millis(100));
            tick();
        }
    });
    slots
        .into_iter()
        .map(|s| s.into_inner().expect("unpoisoned").expect("every item ran"))
        .collect()
}

/// A region found, with its vertex cell on bounded domains when the details need it, and
/// its constraints when the region was left without them (a count).
type Found = (Region, Option<VCell>, Option<Cons>);

/// The shared state of one enumeration: the tree of cells is walked depth first, its top
/// levels expanded once and the subtrees below shared among threads.
struct Walk<'s> {
    stages: &'s [Stage],
    int_rows: &'s [Option<Vec<Vec<i128>>>],
    /// The affine layers over one common denominator, for maps that leave `i128`.
    big_layers: &'s [Option<BigLayer>],
    k: usize,
    deadline: Option<Instant>,
    /// At most this many leaves per subtree (the region budget plus one, to notice it).
    cap: Option<usize>,
    found: AtomicUsize,
    lps: AtomicUsize,
    /// Exact fallbacks of the filtered signs, summed over threads.
    fallbacks: AtomicU64,
    /// The float filter off (see [`Enumerator::exact_only`]).
    exact_only: bool,
    /// Keep the leaves' vertex cells (full details use them; the pieces alone do not).
    keep_cells: bool,
    /// Give the leaves of vertex cells interior points (see [`Enumerator::count`]).
    points: bool,
    timed_out: AtomicBool,
}

impl Walk<'_> {
    /// Runs `f` on this thread with the float filter set as asked, and counts its exact
    /// fallbacks.
    fn filtered<T>(&self, f: impl FnOnce() -> T) -> T {
        let on = crate::exact::filtered::set_enabled(!self.exact_only);
        let before = crate::exact::filtered::fallbacks();
        let out = f();
        let n = crate::exact::filtered::fallbacks() - before;
        self.fallbacks.fetch_add(n, Relaxed);
        crate::exact::filtered::set_enabled(on);
        out
    }

    fn is_leaf(&self, c: &Cell) -> bool {
        c.layer == self.stages.len()
    }

    /// [`split_h`] within the deadline; `None` (the walk marked out of time) when an exact LP
    /// stopped at it: the cell is left out, and the enumeration ends incomplete.
    fn split_h(
        &self,
        cell: &Cell,
        p: &[Q],
        pieces: &[Piece],
        lps: &mut usize,
    ) -> Option<Vec<Child>> {
        let split = split_h(&cell.cons, p, pieces, &cell.map, self.k, lps, self.deadline);
        if split.is_err() {
            self.timed_out.store(true, Relaxed);
        }
        split.ok()
    }

    fn out_of_time(&self) -> bool {
        if self.timed_out.load(Relaxed) {
            return true;
        }
        if self.deadline.is_some_and(|d| Instant::now() > d) {
            self.timed_out.store(true, Relaxed);
            return true;
        }
        false
    }

    /// Every leaf below `root`, in depth-first order (the order of a sequential walk, so the
    /// result does not depend on `threads`), at most `cap` per subtree. `tick(found, lps)`
    /// is called on this thread as leaves are found.
    fn run(&self, root: Cell, threads: usize, tick: &mut dyn FnMut(usize, usize)) -> Vec<Found> {
        // Expand the top of the tree level by level (keeping depth-first order) until there
        // are enough unfinished subtrees to share.
        let target = if threads > 1 { 32 * threads } else { 1 };
        let mut front = vec![root];
        let mut lps = 0;
        loop {
            let open = front.iter().filter(|c| !self.is_leaf(c)).count();
            if open == 0 || open >= target {
                break;
            }
            if self.out_of_time() {
                break;
            }
            let mut next = Vec::with_capacity(2 * front.len());
            for c in front {
                // Cells left unexpanded at the deadline stay open: the walk below stops at
                // once and the result says it is incomplete.
                if self.is_leaf(&c) || self.out_of_time() {
                    next.push(c);
                } else {
                    self.filtered(|| self.expand(c, &mut next, &mut lps));
                }
            }
            front = next;
        }
        self.lps.fetch_add(lps, Relaxed);
        if threads <= 1 {
            return front
                .into_iter()
                .flat_map(|c| self.filtered(|| self.subtree(c, &[], tick)))
                .collect();
        }
        let items: Vec<Mutex<Option<Cell>>> =
            front.into_iter().map(|c| Mutex::new(Some(c))).collect();
        // Leaves held per subtree so far: a lower bound on how many regions come before a
        // subtree, so that under a region budget no subtree goes past the first `cap`
        // leaves in depth-first order (the result stays that of a sequential walk, and at
        // most about `threads * cap` leaves are held at once).
        let held: Vec<AtomicUsize> = (0..items.len()).map(|_| AtomicUsize::new(0)).collect();
        let mut tick = || tick(self.found.load(Relaxed), self.lps.load(Relaxed));
        par_map(items.len(), threads, &mut tick, |i| {
            let cell = items[i].lock().expect("unpoisoned").take();
            let cell = cell.expect("taken once");
            self.filtered(|| self.subtree(cell, &held[..=i], &mut |_, _| {}))
        })
        .into_iter()
        .flatten()
        .collect()
    }

    /// The regions below `root`, depth first (ids not yet set). `held` is empty, or the
    /// leaf counts of the subtrees before this one and, last, this one's own (kept current
    /// here): the walk stops once they reach the budget.
    fn subtree(
        &self,
        root: Cell,
        held: &[AtomicUsize],
        tick: &mut dyn FnMut(usize, usize),
    ) -> Vec<Found> {
        let mut leaves = Vec::new();
        let before = |held: &[AtomicUsize]| -> usize {
            held.split_last()
                .map_or(0, |(_, b)| b.iter().map(|h| h.load(Relaxed)).sum())
        };
        if self.cap.is_some_and(|c| before(held) >= c) {
            return Vec::new(); // past the budget in depth-first order
        }
        let mut stack = vec![root];
        let mut lps = 0;
        while let Some(cell) = stack.pop() {
            // The clock at every step (a step on float32 weights can take milliseconds, and
            // reading the clock costs nanoseconds); another thread's finding at once.
            if self.out_of_time() {
                break;
            }
            if self.is_leaf(&cell) {
                if let Some(c) = self.cap
                    && (leaves.len() >= c
                        || (leaves.len().is_multiple_of(16) && before(held) + leaves.len() >= c))
                {
                    break;
                }
                // Converted at once: its vertices (and the lazy vertices they were made
                // from) are freed as the walk goes on when the details do not need them.
                leaves.push(self.region(cell));
                if let Some(mine) = held.last() {
                    mine.store(leaves.len(), Relaxed);
                }
                let found = self.found.fetch_add(1, Relaxed) + 1;
                if leaves.len().is_multiple_of(256) {
                    tick(found, self.lps.load(Relaxed) + lps);
                }
                continue;
            }
            let from = stack.len();
            self.expand(cell, &mut stack, &mut lps);
            stack[from..].reverse();
        }
        self.lps.fetch_add(lps, Relaxed);
        leaves
    }

    /// A leaf as a region (id 0 until the regions are joined) and its vertex cell (when the
    /// details need it).
    fn region(&self, c: Cell) -> Found {
        let map = Arc::try_unwrap(c.map).unwrap_or_else(|m| (*m).clone());
        let region = |polytope, interior_point| Region {
            id: 0,
            pattern: Pattern(c.pattern),
            polytope,
            interior_point,
            map,
            curved: c.curved,
            map_exact: c.map_exact,
            bounded: None,
            vertices: None,
            facets: Vec::new(),
            piece: None,
        };
        if !self.points {
            // A count: the constraints stay shared with the other leaves (see [`with_polytope`]).
            let point = match c.geom {
                Geom::H(p) => p,
                Geom::V(_) => Vec::new(),
            };
            return (
                region(Polytope::new(self.k, Vec::new()), point),
                None,
                Some(c.cons),
            );
        }
        let (cons, rows) = c.cons.with_enclosures();
        let (point, v) = match c.geom {
            Geom::V(v) => (v.interior_point(&cons, &rows), Some(v)),
            Geom::H(p) => (p, None),
        };
        // People read and paste interior points: a long one is moved to a simple one.
        let point = if point.iter().any(crate::exact::decimal::is_long) {
            crate::geometry::simple::simplify_interior(&point, &cons)
        } else {
            point
        };
        let v = v.filter(|_| self.keep_cells);
        (region(Polytope::new(self.k, cons), point), v, None)
    }

    /// Replaces a cell that is not a leaf by its children, appended to `out` in order.
    fn expand(&self, mut cell: Cell, out: &mut Vec<Cell>, lps: &mut usize) {
        let (stages, k) = (self.stages, self.k);
        let starts = stages[cell.layer].starts_layer;
        match &stages[cell.layer].op {
            Op::Affine(a) => {
                let (rows, big) = (&self.int_rows[cell.layer], &self.big_layers[cell.layer]);
                cell.map = Arc::new(compose(&cell.map, a, rows, big.as_ref()));
                if starts {
                    cell.pattern.push(Vec::new());
                }
                cell.layer += 1;
                out.push(cell);
            }
            Op::Curved { units, selu } if cell.unit == units.len() => {
                let chosen = cell.pattern.last().expect("pushed");
                if chosen.contains(&0) || *selu {
                    // Curved (some unit on z <= 0), or SELU's irrational lambda·z:
                    // no exact map from here on, and later boundaries are not
                    // hyperplanes with rational coefficients. Stop splitting.
                    cell.curved = chosen.contains(&0);
                    cell.map_exact = false;
                    cell.map = Arc::new(Affine {
                        a: Matrix::zeros(0, k),
                        c: Vec::new(),
                    });
                    for st in &stages[cell.layer + 1..] {
                        if st.starts_layer {
                            cell.pattern.push(Vec::new());
                        }
                        if let Op::Pieces { units: u, .. } | Op::Curved { units: u, .. } = &st.op {
                            let last = cell.pattern.last_mut().expect("pushed");
                            last.extend(std::iter::repeat_n(UNDETERMINED, u.len()));
                        }
                    }
                    cell.layer = stages.len();
                } else {
                    // Every ELU unit on z >= 0: the identity, the map is unchanged.
                    cell.layer += 1;
                }
                cell.unit = 0;
                out.push(cell);
            }
            Op::Pieces { units, .. } | Op::Curved { units, .. } => {
                let carry = match &stages[cell.layer].op {
                    Op::Pieces { carry, .. } => *carry,
                    _ => 0,
                };
                if cell.unit == units.len() {
                    let chosen = cell.pattern.last().expect("pushed");
                    let chosen = &chosen[chosen.len() - units.len()..];
                    let map = layer_output(units, chosen, &cell.map, carry, k);
                    cell.map = Arc::new(map.expect("a piece for every unit"));
                    cell.layer += 1;
                    cell.unit = 0;
                    out.push(cell);
                    return;
                }
                if cell.unit == 0 && starts {
                    cell.pattern.push(Vec::with_capacity(units.len()));
                }
                let pieces = &units[cell.unit];
                let children = match &cell.geom {
                    Geom::V(v) => split_v(v, pieces, &cell.map, cell.cons.len),
                    Geom::H(p) => match self.split_h(&cell, p, pieces, lps) {
                        Some(children) => children,
                        None => return,
                    },
                };
                let last = children.len().saturating_sub(1);
                let mut parent = Some(cell);
                for (idx, (piece, conds, geom)) in children.into_iter().enumerate() {
                    let mut child = if idx == last {
                        // Reuse the parent for the last child.
                        parent.take().expect("parent")
                    } else {
                        let p = parent.as_ref().expect("parent");
                        Cell {
                            geom: match (&geom, &p.geom) {
                                (Some(_), _) => Geom::H(Vec::new()),
                                (None, Geom::V(v)) => Geom::V(v.clone()),
                                (None, Geom::H(x)) => Geom::H(x.clone()),
                            },
                            cons: p.cons.clone(),
                            map: Arc::clone(&p.map),
                            pattern: p.pattern.clone(),
                            layer: p.layer,
                            unit: p.unit,
                            curved: p.curved,
                            map_exact: p.map_exact,
                        }
                    };
                    for h in conds {
                        child.cons.push(h);
                    }
                    if let Some(g) = geom {
                        child.geom = g;
                    }
                    child.pattern.last_mut().expect("pushed").push(piece as u8);
                    child.unit += 1;
                    out.push(child);
                }
            }
        }
    }
}

/// `outer ∘ map` (first `map`, then `outer`), with the products summed in integers over
/// common denominators when everything fits (`rows`: `outer`'s rows `[a_i.., c_i, L_i]`,
/// `L_i` their denominator), else in [`Q`].
fn compose(
    map: &Affine,
    outer: &Affine,
    rows: &Option<Vec<Vec<i128>>>,
    big: Option<&BigLayer>,
) -> Affine {
    // Bringing `map` to integers costs about as much as a few rows of products in `Q`
    // (measured: the integer path wins from about four rows of `outer`).
    // With long numbers in `map` (float32 weights after a layer or two) every product in
    // `Q` pays a gcd, and the common-denominator path wins at any size.
    let short = || {
        (0..map.output_dim()).all(|t| {
            let (r, c) = map.component(t);
            let small = |(n, d): (i64, i64)| n.unsigned_abs() < 1 << 31 && d < 1 << 31;
            r.iter()
                .chain([c])
                .all(|v| v.to_i64_pair().is_some_and(small))
        })
    };
    if outer.output_dim() < 4 && (big.is_none() || short()) {
        return map.then(outer);
    }
    rows.as_ref()
        .and_then(|rows| compose_int(map, outer, rows))
        .or_else(|| big.map(|b| b.compose(map)))
        .unwrap_or_else(|| map.then(outer))
}

/// An affine layer `x -> W x + b` as integers over one common denominator `E`.
struct BigLayer {
    /// `W·E`, row by row (`rows × cols`).
    w: Vec<BigInt>,
    /// `b·E`.
    b: Vec<BigInt>,
    cols: usize,
    den: Den,
}

impl BigLayer {
    fn new(stage: &Stage) -> Option<BigLayer> {
        Self::of(&stage.op)
    }

    fn of(op: &Op) -> Option<BigLayer> {
        let Op::Affine(a) = op else {
            return None;
        };
        let (rows, cols) = (a.output_dim(), a.input_dim());
        let entries = (0..rows).flat_map(|i| a.a.row(i).iter()).chain(&a.c);
        let (ints, den) = intvec::from_qs(entries);
        let mut w = ints.into_big();
        let b = w.split_off(rows * cols);
        Some(BigLayer { w, b, cols, den })
    }

    /// `self ∘ map` in integers: with `map = [A c] / D`, the composition is
    /// `[W_int A_int, W_int c_int + b_int D] / (E D)`; no gcd until the values become `Q`
    /// (by trailing zeros when the denominators are powers of two).
    fn compose(&self, map: &Affine) -> Affine {
        let (n, k) = (map.output_dim(), map.input_dim());
        debug_assert_eq!(n, self.cols);
        let entries = (0..n).flat_map(|t| map.a.row(t).iter().chain([&map.c[t]]));
        let (ints, den) = intvec::from_qs(entries);
        let m = ints.into_big();
        let d = den.value();
        // Rows of the map that are zero (units off) add nothing.
        let live: Vec<usize> = (0..n)
            .filter(|&t| {
                m[t * (k + 1)..(t + 1) * (k + 1)]
                    .iter()
                    .any(|x| !x.is_zero())
            })
            .collect();
        let rows = self.b.len();
        let mut out = Vec::with_capacity(rows * (k + 1));
        for i in 0..rows {
            let w = &self.w[i * n..(i + 1) * n];
            let mut acc = vec![BigInt::zero(); k + 1];
            for &t in &live {
                if w[t].is_zero() {
                    continue;
                }
                for (a, x) in acc.iter_mut().zip(&m[t * (k + 1)..(t + 1) * (k + 1)]) {
                    if !x.is_zero() {
                        *a += &w[t] * x;
                    }
                }
            }
            acc[k] += &self.b[i] * &d;
            out.extend(acc);
        }
        let qs = intvec::to_qs(&Ints::Big(out), &self.den.mul(&den));
        let mut a = Matrix::zeros(rows, k);
        let mut c = Vec::with_capacity(rows);
        for (i, row) in qs.chunks(k + 1).enumerate() {
            a.row_mut(i).clone_from_slice(&row[..k]);
            c.push(row[k].clone());
        }
        Affine { a, c }
    }
}

fn compose_int(map: &Affine, outer: &Affine, rows: &[Vec<i128>]) -> Option<Affine> {
    let (n, k) = (map.output_dim(), map.input_dim());
    // Columns of the augmented map [[A, c], [0, 1]] over common denominators.
    let mut cols: Vec<Vec<i128>> = Vec::with_capacity(k + 1);
    for col in 0..=k {
        let mut v: Vec<Q> = (0..n)
            .map(|j| {
                if col < k {
                    map.a[(j, col)].clone()
                } else {
                    map.c[j].clone()
                }
            })
            .collect();
        v.push(if col < k { Q::ZERO } else { Q::ONE });
        cols.push(crate::geometry::vrep::int_form(&v)?);
    }
    let m = outer.output_dim();
    let mut a = Matrix::zeros(m, k);
    let mut c = Vec::with_capacity(m);
    for (i, r) in rows.iter().enumerate() {
        let l = r[n + 1];
        for (col, v) in cols.iter().enumerate() {
            let mut acc: i128 = 0;
            for (x, y) in r[..=n].iter().zip(&v[..=n]) {
                if *x != 0 && *y != 0 {
                    acc = acc.checked_add(x.checked_mul(*y)?)?;
                }
            }
            let q = Q::from_i128_parts(acc, l.checked_mul(v[n + 1])?);
            if col < k {
                a[(i, col)] = q;
            } else {
                c.push(q);
            }
        }
    }
    Some(Affine { a, c })
}

/// The conditions of a piece as `form ∘ map >= 0`, `(row, offset)` in domain coordinates,
/// without the ones that hold everywhere; `None` when one holds nowhere.
fn piece_forms(piece: &Piece, map: &Affine) -> Option<Vec<(Vec<Q>, Q)>> {
    let mut forms = Vec::with_capacity(piece.conditions.len());
    for f in &piece.conditions {
        let (row, off) = f.compose(map);
        if row.iter().all(Q::is_zero) {
            if off.is_negative() {
                return None; // never holds
            }
            continue; // always holds
        }
        forms.push((row, off));
    }
    Some(forms)
}

/// `form >= 0` as the half-space `-row·y <= off`.
fn cond_half_space(row: &[Q], off: &Q) -> HalfSpace {
    HalfSpace::new(row.iter().map(|v| -v).collect(), off.clone())
}

/// Skips pieces whose conditions coincide with a lower piece's everywhere (identically
/// zero units, coincident max-pool inputs): the tie rule of [`Network::trace`].
struct Seen {
    /// Two pieces with one condition each (ReLU, leaky ReLU, abs): the conditions are each
    /// other's negation, so they coincide only when both are always true (no forms left).
    simple: bool,
    empty_seen: bool,
    keys: Vec<Vec<HalfSpace>>,
}

impl Seen {
    fn new(pieces: &[Piece]) -> Seen {
        Seen {
            simple: pieces.len() == 2 && pieces.iter().all(|p| p.conditions.len() == 1),
            empty_seen: false,
            keys: Vec::new(),
        }
    }

    /// Is this the first piece with these conditions?
    fn first(&mut self, forms: &[(Vec<Q>, Q)]) -> bool {
        if self.simple {
            if forms.is_empty() {
                return !std::mem::replace(&mut self.empty_seen, true);
            }
            return true;
        }
        let key: Vec<HalfSpace> = forms
            .iter()
            .map(|(r, o)| cond_half_space(r, o).normalized())
            .collect();
        let same = |s: &Vec<HalfSpace>| {
            s.iter().all(|h| key.contains(h)) && key.iter().all(|h| s.contains(h))
        };
        if self.keys.iter().any(same) {
            return false;
        }
        self.keys.push(key);
        true
    }
}

/// A cut of a cell by `row·y + off`: the sides `>= 0` and `<= 0`, each taken once.
type CachedCut = (Vec<Q>, Q, Option<Side>, Option<Side>);

/// Splits a cell with vertices by one unit: one child per piece with a full-dimensional
/// part, lowest piece first; only hyperplanes that really cut are added (local ids from
/// `base`).
fn split_v(cell: &VCell, pieces: &[Piece], map: &Affine, base: u32) -> Vec<Child> {
    let mut seen = Seen::new(pieces);
    // Cuts of the cell itself: (row, offset, side >= 0, side <= 0), each side taken once.
    let mut cache: Vec<CachedCut> = Vec::new();
    let mut out = Vec::with_capacity(pieces.len());
    'pieces: for (j, piece) in pieces.iter().enumerate() {
        let Some(forms) = piece_forms(piece, map) else {
            continue;
        };
        if !seen.first(&forms) {
            continue;
        }
        let mut cur: Option<VCell> = None;
        let mut conds = Vec::new();
        for (row, off) in forms {
            let id = base + conds.len() as u32;
            let side = match &cur {
                Some(c) => c.split(&row, &off, id).0,
                None => {
                    let hit = cache.iter_mut().find_map(|e| {
                        if e.0 == row && e.1 == off {
                            e.2.take()
                        } else if e.1 == -&off && e.0.iter().zip(&row).all(|(a, b)| *a == -b) {
                            e.3.take()
                        } else {
                            None
                        }
                    });
                    match hit {
                        Some(s) => s,
                        None => {
                            let (pos, neg) = cell.split(&row, &off, id);
                            cache.push((row.clone(), off.clone(), None, Some(neg)));
                            pos
                        }
                    }
                }
            };
            match side {
                Side::Whole => {}
                Side::Empty => continue 'pieces,
                Side::Part(c) => {
                    conds.push(cond_half_space(&row, &off));
                    cur = Some(c);
                }
            }
        }
        out.push((j, conds, cur.map(Geom::V)));
    }
    out
}

/// The largest input dimension in which [`split_h`] asks the float filter first.
const MISSES_MAX_DIM: usize = 64;

/// Splits a cell without vertices by one unit: `(piece, conditions, interior point)` for
/// every piece with a full-dimensional part, lowest piece first. The parent's point is
/// tested first; otherwise an exact LP finds an interior point or proves there is none.
/// The conditions are added only when the cell really splits. An LP still running at
/// `deadline` gives up with [`TimeUp`].
fn split_h(
    cons: &Cons,
    point: &[Q],
    pieces: &[Piece],
    map: &Affine,
    k: usize,
    lps: &mut usize,
    deadline: Option<Instant>,
) -> Result<Vec<Child>, TimeUp> {
    let mut seen = Seen::new(pieces);
    let mut out: Vec<Child> = Vec::new();
    let mut all: Option<(Vec<&HalfSpace>, Floats)> = None;
    for (j, piece) in pieces.iter().enumerate() {
        let Some(forms) = piece_forms(piece, map) else {
            continue;
        };
        if !seen.first(&forms) {
            continue;
        }
        let conds: Vec<HalfSpace> = forms.iter().map(|(r, o)| cond_half_space(r, o)).collect();
        if crate::geometry::lazy::strictly_inside(point, &conds) {
            out.push((j, conds, Some(Geom::H(point.to_vec()))));
            continue;
        }
        if deadline.is_some_and(|t| Instant::now() >= t) {
            return Err(TimeUp);
        }
        let (base, floats) = all.get_or_insert_with(|| cons.with_floats(k));
        // The float filter's exact check solves a k x k system without reading the clock:
        // above MISSES_MAX_DIM inputs the LP (which reads it) decides alone.
        if let [cond] = &conds[..]
            && k <= MISSES_MAX_DIM
            && float_filter::misses(base, floats, point, cond)
        {
            continue; // shown empty without an LP (an exact identity, found by a float guess)
        }
        let n = base.len();
        let mut with: Vec<&HalfSpace> = base.clone();
        with.extend(&conds);
        // A float LP proposes a simple point, checked strictly inside with filtered signs.
        if k <= MISSES_MAX_DIM {
            conds.iter().for_each(|c| floats.push(c));
            let guess = float_filter::interior_guess(&with, floats, point);
            floats.truncate(n);
            if let Some(p) = guess {
                out.push((j, conds, Some(Geom::H(p))));
                continue;
            }
        }
        *lps += 1;
        // The LP's point, moved to a simple one when one near it is inside (every later
        // test of this point, and its output, is then cheap).
        let with: Vec<HalfSpace> = with.into_iter().cloned().collect();
        let p = crate::geometry::lp::interior_point_within(k, &with, deadline)?.map(|p| {
            let simple = |v: &Q| v.to_i64_pair().is_some_and(|(_, d)| d < 1 << 16);
            if !p.iter().all(simple) {
                crate::geometry::lazy::simple_near(&p, &with).unwrap_or(p)
            } else {
                p
            }
        });
        if let Some(p) = p {
            out.push((j, conds, Some(Geom::H(p))));
        }
    }
    if out.len() == 1 {
        out[0].1.clear();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::network::{Activation, Layer, Shape};

    fn q(n: i64) -> Q {
        Q::from_int(n)
    }

    /// Deterministic small weights.
    fn weights(n: usize, seed: u64) -> Vec<Q> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                Q::new(((s >> 33) % 21) as i64 - 10, 8)
            })
            .collect()
    }

    fn mlp(widths: &[usize], seed: u64, act: Activation) -> Network {
        let mut layers = vec![];
        for (i, w) in widths.windows(2).enumerate() {
            let p = weights(w[0] * w[1] + w[1], seed + i as u64);
            let rows = p[..w[0] * w[1]].chunks(w[0]).map(<[Q]>::to_vec).collect();
            layers.push(Layer::Dense {
                weights: Matrix::from_rows(rows).unwrap(),
                bias: p[w[0] * w[1]..].to_vec(),
            });
            if i + 2 < widths.len() {
                layers.push(Layer::Activation(act.clone()));
            }
        }
        Network::new(Shape::Flat(widths[0]), layers).unwrap()
    }

    fn cube(d: usize) -> Domain {
        Domain::boxed(vec![q(-1); d], vec![q(1); d]).unwrap()
    }

    /// Everything but the interior points (which the two paths choose differently).
    fn same(net: &Network, dom: Domain, details: bool) {
        let run = |lp: bool| {
            let mut e = Enumerator::new(net, dom.clone()).with_details(details);
            e.force_lp = lp;
            e.run().unwrap()
        };
        let (v, h) = (run(false), run(true));
        assert_eq!(v.regions.len(), h.regions.len());
        assert_eq!(v.piece_count, h.piece_count);
        for (a, b) in v.regions.iter().zip(&h.regions) {
            assert_eq!(a.pattern, b.pattern);
            assert_eq!(a.map, b.map);
            assert!(b.polytope.contains_strictly(&a.interior_point));
            assert!(a.polytope.contains_strictly(&b.interior_point));
            if details {
                assert_eq!(a.polytope, b.polytope, "region {}", a.id);
                assert_eq!(
                    (&a.bounded, &a.vertices, &a.facets, a.piece),
                    (&b.bounded, &b.vertices, &b.facets, b.piece),
                    "region {}",
                    a.id
                );
            }
        }
    }

    /// The filtered path against the pure exact one (`exact_only`): identical regions,
    /// patterns, maps, minimal inequalities, vertices, neighbours and pieces; each path's
    /// interior points strictly inside the other's regions. Returns the filtered run.
    fn same_filtered(net: &Network, dom: Domain) -> Regions {
        let run = |exact: bool| {
            let mut e = Enumerator::new(net, dom.clone()).with_threads(1);
            e.exact_only = exact;
            e.run().unwrap()
        };
        let (f, x) = (run(false), run(true));
        assert_eq!(f.regions.len(), x.regions.len());
        assert_eq!(f.piece_count, x.piece_count);
        for (a, b) in f.regions.iter().zip(&x.regions) {
            assert_eq!(
                (&a.pattern, &a.map, &a.polytope, &a.bounded, &a.vertices),
                (&b.pattern, &b.map, &b.polytope, &b.bounded, &b.vertices),
                "region {}",
                a.id
            );
            assert_eq!(
                (&a.facets, a.piece),
                (&b.facets, b.piece),
                "region {}",
                a.id
            );
            assert!(b.polytope.contains_strictly(&a.interior_point));
            assert!(a.polytope.contains_strictly(&b.interior_point));
        }
        f
    }

    /// A seeded net with float32 weights (uniform, scaled by the fan-in) or small integers.
    fn random_net(widths: &[usize], seed: u64, float32: bool) -> Network {
        let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let mut next = |fan_in: usize| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let u = (s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
            if float32 {
                Q::from_f32((u * 1.7 / (fan_in as f64).sqrt()) as f32).unwrap()
            } else {
                q((u * 4.0).round() as i64)
            }
        };
        let mut layers = vec![];
        for (i, w) in widths.windows(2).enumerate() {
            let rows = (0..w[1])
                .map(|_| (0..w[0]).map(|_| next(w[0])).collect())
                .collect();
            let bias = (0..w[1]).map(|_| next(1)).collect();
            layers.push(Layer::Dense {
                weights: Matrix::from_rows(rows).unwrap(),
                bias,
            });
            if i + 2 < widths.len() {
                layers.push(Layer::Activation(Activation::Relu));
            }
        }
        Network::new(Shape::Flat(widths[0]), layers).unwrap()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
        /// Random nets, 1-D to 5-D, float32 and small-integer weights, on a box and on the
        /// whole space: the filtered and the pure exact path agree.
        #[test]
        fn filtered_and_exact_paths_agree(
            d in 1usize..=5,
            hidden in proptest::collection::vec(2usize..=5, 1..=2),
            seed in proptest::prelude::any::<u64>(),
            float32 in proptest::prelude::any::<bool>(),
            whole in proptest::prelude::any::<bool>(),
        ) {
            let mut widths = vec![d];
            widths.extend(hidden.iter().map(|&h| if d >= 4 { h.min(3) } else { h }));
            widths.push(1);
            let net = random_net(&widths, seed, float32);
            let dom = if whole && d <= 3 { Domain::whole(d) } else { cube(d) };
            same_filtered(&net, dom);
        }
    }

    /// The linear pieces alone and a count (no interior points, polytopes only for the
    /// regions that share a map) against the full details: the same piece of every region, the same counts.
    /// Returns the count.
    fn same_pieces(net: &Network, dom: Domain) -> Option<usize> {
        let full = Enumerator::new(net, dom.clone()).run().unwrap();
        let only = Enumerator::new(net, dom.clone())
            .with_pieces_only(true)
            .run()
            .unwrap();
        let counts = Enumerator::new(net, dom).count().unwrap();
        assert_eq!(counts.regions, full.regions.len());
        assert_eq!(counts.piece_count, full.piece_count);
        assert!(counts.is_complete());
        assert_eq!(full.piece_count, only.piece_count);
        let pieces = |r: &Regions| r.regions.iter().map(|r| r.piece).collect::<Vec<_>>();
        assert_eq!(pieces(&full), pieces(&only));
        assert!(only.regions.iter().all(|r| r.facets.is_empty()));
        only.piece_count
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
        /// Random nets, 1-D to 4-D, small-integer weights (zeros among them, so that regions
        /// share maps) and float32 ones, box and whole space: pieces alone as with details.
        #[test]
        fn pieces_alone_are_the_pieces_of_the_details(
            d in 1usize..=4,
            hidden in proptest::collection::vec(2usize..=4, 1..=2),
            seed in proptest::prelude::any::<u64>(),
            float32 in proptest::prelude::any::<bool>(),
            whole in proptest::prelude::any::<bool>(),
        ) {
            let mut widths = vec![d];
            widths.extend(hidden);
            widths.push(1);
            let net = random_net(&widths, seed, float32);
            let dom = if whole && d <= 3 { Domain::whole(d) } else { cube(d) };
            same_pieces(&net, dom);
        }
    }

    #[test]
    fn pieces_alone_join_regions_with_one_map() {
        // max(x1, x2) = x2 + relu(x1 - x2), with x2 = relu(x2) - relu(-x2): 4 regions, 2
        // pieces; and a net whose second unit never reaches the output (every region's map
        // shared with the region across that unit's line).
        let max = Network::new(
            Shape::Flat(2),
            vec![
                Layer::Dense {
                    weights: Matrix::from_rows(vec![
                        vec![q(1), q(-1)],
                        vec![q(0), q(1)],
                        vec![q(0), q(-1)],
                    ])
                    .unwrap(),
                    bias: vec![q(0); 3],
                },
                Layer::Activation(Activation::Relu),
                Layer::Dense {
                    weights: Matrix::from_rows(vec![vec![q(1), q(1), q(-1)]]).unwrap(),
                    bias: vec![q(0)],
                },
            ],
        )
        .unwrap();
        assert_eq!(same_pieces(&max, cube(2)), Some(2));
        assert_eq!(same_pieces(&max, Domain::whole(2)), Some(2));
        let mut layers = random_net(&[3, 4, 1], 5, true).layers().to_vec();
        if let Layer::Dense { weights, .. } = &mut layers[2] {
            weights.row_mut(0)[1] = q(0);
        }
        let dead = Network::new(Shape::Flat(3), layers).unwrap();
        let n = Enumerator::new(&dead, cube(3)).run().unwrap().regions.len();
        assert!(same_pieces(&dead, cube(3)).unwrap() < n);
    }

    #[test]
    fn a_count_within_a_region_budget_stops_without_pieces() {
        // The first n regions in the order of a full run, and no piece count (the pieces of
        // a part are not the pieces of the whole).
        let net = random_net(&[2, 6, 6, 1], 7, true);
        let all = Enumerator::new(&net, cube(2)).count().unwrap();
        assert!(all.is_complete() && all.regions > 10, "{all:?}");
        let part = Enumerator::new(&net, cube(2))
            .with_max_regions(10)
            .count()
            .unwrap();
        assert_eq!(part.stop, StopReason::MaxRegions(10));
        assert_eq!((part.regions, part.piece_count), (10, None));
        // Equal to the counts of the regions a run returns, on the whole space too.
        for dom in [cube(2), Domain::whole(2)] {
            let run = Enumerator::new(&net, dom.clone()).run().unwrap();
            let mut counted = Enumerator::new(&net, dom).count().unwrap();
            counted.elapsed = run.elapsed;
            counted.lp_count = run.lp_count;
            counted.exact_fallbacks = run.exact_fallbacks;
            assert_eq!(counted, run.counts());
        }
    }

    #[test]
    fn big_integer_composition_is_the_rational_one() {
        // Float32 layers after a map with odd denominators and a zero row.
        let net = random_net(&[3, 6, 5, 1], 9, true);
        let mut map = Affine {
            a: Matrix::from_rows(vec![
                vec![Q::new(1, 3), Q::from_f32(0.1).unwrap()],
                vec![q(0), q(0)],
                vec![Q::new(-7, 5), Q::from_f32(-3.5e-6).unwrap()],
            ])
            .unwrap(),
            c: vec![Q::new(2, 9), q(0), Q::from_f32(1e-20).unwrap()],
        };
        let mut checked = 0;
        for l in net.layers() {
            let Layer::Dense { weights, bias } = l else {
                continue;
            };
            let outer = Affine {
                a: weights.clone(),
                c: bias.clone(),
            };
            let big = BigLayer::of(&Op::Affine(outer.clone())).unwrap();
            let want = map.then(&outer);
            assert_eq!(big.compose(&map), want);
            map = want;
            checked += 1;
        }
        assert_eq!(checked, 3);
    }

    #[test]
    fn near_degenerate_float32_nets_defer_to_exact_signs() {
        // One hidden layer of lines in the square, with float32 weights (2^-70, 2^-100 and
        // 2^-40 are float32 numbers): x - y and x + y meet at the origin; x + 2^-70·y passes
        // exactly through that vertex; x + 2^-100 misses it by 2^-100 (three lines through a
        // point up to far below one ulp of f64); x + 2^-70·y + 2^-40 is 2^-40 from the
        // third; then two lines that cut them all.
        let e = |k: i64| Q::pow2(-k);
        let rows = vec![
            vec![q(1), q(-1)],
            vec![q(1), q(1)],
            vec![q(1), e(70)],
            vec![q(1), q(0)],
            vec![q(1), e(70)],
            vec![Q::new(3, 8), q(1)],
            vec![q(-1), Q::new(5, 16)],
        ];
        let bias = vec![q(0), q(0), q(0), e(100), e(40), Q::new(-1, 4), e(90)];
        let n = rows.len();
        let net = Network::new(
            Shape::Flat(2),
            vec![
                Layer::Dense {
                    weights: Matrix::from_rows(rows).unwrap(),
                    bias,
                },
                Layer::Activation(Activation::Relu),
                Layer::Dense {
                    weights: Matrix::from_rows(vec![(1..=n as i64).map(q).collect()]).unwrap(),
                    bias: vec![q(0)],
                },
            ],
        )
        .unwrap();
        let f = same_filtered(&net, cube(2));
        assert!(
            f.exact_fallbacks > 0,
            "the filter cannot decide these signs"
        );
        // An independent count: the LP path, which uses no vertices.
        let mut lp = Enumerator::new(&net, cube(2));
        lp.force_lp = true;
        let lp = lp.run().unwrap();
        assert_eq!(f.regions.len(), lp.regions.len());
        for (a, b) in f.regions.iter().zip(&lp.regions) {
            assert_eq!((&a.pattern, &a.polytope), (&b.pattern, &b.polytope));
        }
        // The strip of width 2^-40 between the third and fifth lines is a region.
        assert!(f.regions.len() >= 12, "{} regions", f.regions.len());
        // The same lines in 3-D (a prism over the square): general-dimension cells.
        let lift = |net: &Network| {
            let Layer::Dense { weights, bias } = &net.layers()[0] else {
                unreachable!()
            };
            let rows = (0..weights.rows())
                .map(|r| {
                    vec![
                        weights[(r, 0)].clone(),
                        weights[(r, 1)].clone(),
                        Q::new(1, 64),
                    ]
                })
                .collect();
            let mut layers = net.layers().to_vec();
            layers[0] = Layer::Dense {
                weights: Matrix::from_rows(rows).unwrap(),
                bias: bias.clone(),
            };
            Network::new(Shape::Flat(3), layers).unwrap()
        };
        let f3 = same_filtered(&lift(&net), cube(3));
        assert!(f3.exact_fallbacks > 0);
        // On the whole plane: float LPs propose points and multipliers, against exact LPs
        // alone (the filter off); the 2^-40 strip and the lines through the origin stay.
        let w = same_filtered(&net, Domain::whole(2));
        assert!(w.exact_fallbacks > 0);
        assert!(
            w.regions.len() >= f.regions.len(),
            "{} regions",
            w.regions.len()
        );
    }

    #[test]
    fn vertex_and_lp_paths_agree_on_bounded_domains() {
        for details in [false, true] {
            for (i, act) in [
                Activation::Relu,
                Activation::LeakyRelu {
                    alpha: Q::new(1, 4),
                },
                Activation::Abs,
                Activation::HardTanh {
                    min: q(-1),
                    max: Q::new(1, 2),
                },
            ]
            .into_iter()
            .enumerate()
            {
                let seed = 10 * i as u64;
                same(&mlp(&[1, 4, 3, 1], seed, act.clone()), cube(1), details);
                let seg = Domain::segment(vec![q(-1), q(0)], vec![q(1), q(1)]).unwrap();
                same(&mlp(&[2, 3, 3, 1], seed + 1, act.clone()), seg, details);
                same(&mlp(&[2, 6, 4, 1], seed + 2, act.clone()), cube(2), details);
                let slice = Domain::slice(
                    vec![q(0), q(0), q(1)],
                    vec![q(1), q(0), q(1)],
                    vec![q(0), q(1), q(-1)],
                    Some((vec![q(-1), q(0)], vec![q(2), q(1)])),
                )
                .unwrap();
                same(&mlp(&[3, 5, 1], seed + 3, act.clone()), slice, details);
                same(&mlp(&[3, 5, 3, 1], seed + 4, act.clone()), cube(3), details);
                same(&mlp(&[4, 6, 1], seed + 5, act), cube(4), details);
            }
        }
    }

    #[test]
    fn vertex_path_in_exact_rationals_agrees_when_integers_overflow() {
        // Denominators near 2^63: the cells' integer forms overflow i128, so the vertex path
        // computes in exact rationals.
        let mut net = mlp(&[3, 4, 1], 7, Activation::Relu);
        let Layer::Dense { weights, bias } = &net.layers()[0] else {
            unreachable!()
        };
        let big = |i: i64| Q::new(1, i64::MAX - 2 * i);
        let rows = (0..4)
            .map(|r| {
                (0..3)
                    .map(|c| &weights[(r, c)] + &big(3 * r as i64 + c as i64))
                    .collect()
            })
            .collect();
        let bias = bias
            .iter()
            .enumerate()
            .map(|(i, b)| b + &big(20 + i as i64))
            .collect();
        let mut layers = net.layers().to_vec();
        layers[0] = Layer::Dense {
            weights: Matrix::from_rows(rows).unwrap(),
            bias,
        };
        net = Network::new(Shape::Flat(3), layers).unwrap();
        for details in [false, true] {
            same(&net, cube(3), details);
        }
    }

    #[test]
    fn vertex_and_lp_paths_agree_on_degenerate_and_max_pool_nets() {
        // Coincident, opposite, concurrent and zero rows, lines through box corners.
        let rows = vec![
            vec![q(1), q(1)],
            vec![q(2), q(2)],
            vec![q(-1), q(-1)],
            vec![q(0), q(0)],
            vec![q(1), q(-1)],
            vec![q(1), q(0)],
            vec![q(0), q(1)],
            vec![q(1), q(2)],
        ];
        let bias = vec![q(0), q(0), q(0), q(0), q(0), q(1), q(0), q(-3)];
        let n = rows.len();
        let net = Network::new(
            Shape::Flat(2),
            vec![
                Layer::Dense {
                    weights: Matrix::from_rows(rows).unwrap(),
                    bias,
                },
                Layer::Activation(Activation::Relu),
                Layer::Dense {
                    weights: Matrix::from_rows(vec![(1..=n as i64).map(q).collect()]).unwrap(),
                    bias: vec![q(0)],
                },
            ],
        )
        .unwrap();
        same(&net, cube(2), true);
        let text = r#"{"relucheck": 1, "input_shape": [1, 2, 2], "layers": [
            {"type": "max_pool2d", "kernel_size": 2}, {"type": "flatten"}]}"#;
        let net = Network::from_json_str(text).unwrap();
        same(&net, cube(4), true);
        let text = r#"{"relucheck": 1, "input_shape": [1, 1, 3], "layers": [
            {"type": "conv2d", "weights": [[[[1]]], [[[2]]]], "bias": [0, "-1/2"]},
            {"type": "max_pool2d", "kernel_size": [1, 3]},
            {"type": "flatten"}]}"#;
        let net = Network::from_json_str(text).unwrap();
        same(&net, cube(3), true);
    }

    #[test]
    fn neighbours_across_units_that_are_zero_on_one_side() {
        // relu(relu(x1)) and relu(relu(x1) + relu(x2) - 1): on x1 < 0 the second layer's
        // first pre-activation is identically zero, on x1 > 0 it is x1.
        let text = r#"{"relucheck": 1, "input_shape": [2], "layers": [
            {"type": "dense", "weights": [[1, 0], [0, 1]], "bias": [0, 0]}, {"type": "relu"},
            {"type": "dense", "weights": [[1, 0], [1, 1]], "bias": [0, -1]}, {"type": "relu"},
            {"type": "dense", "weights": [[1, 2]], "bias": [0]}]}"#;
        let net = Network::from_json_str(text).unwrap();
        same(&net, cube(2), true);
        let r = Enumerator::new(&net, Domain::whole(2)).run().unwrap();
        let a = r
            .regions
            .iter()
            .map(|g| g.neighbour_ids().len())
            .sum::<usize>();
        let b = Enumerator::new(&net, cube(2)).run().unwrap();
        assert!(a > 0 && b.regions.iter().all(|g| !g.neighbour_ids().is_empty()));
    }

    #[test]
    fn vertex_and_lp_paths_agree_on_degenerate_3d_arrangements() {
        // Planes through the origin (many through one line and one point), coincident and
        // opposite planes, planes through cube edges and corners, a zero row, a plane
        // touching the cube at a corner only.
        let rows = [
            [1, 0, 0],
            [0, 1, 0],
            [0, 0, 1],
            [1, 1, 0],
            [2, 2, 0],
            [-1, -1, 0],
            [1, -1, 0],
            [1, 1, 1],
            [1, 1, -1],
            [0, 0, 0],
            [1, 0, 1],
            [1, 1, 1],
        ];
        let bias = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, -1, -3];
        let n = rows.len();
        let net = Network::new(
            Shape::Flat(3),
            vec![
                Layer::Dense {
                    weights: Matrix::from_rows(
                        rows.iter()
                            .map(|r| r.iter().map(|&v| q(v)).collect())
                            .collect(),
                    )
                    .unwrap(),
                    bias: bias.iter().map(|&v| q(v)).collect(),
                },
                Layer::Activation(Activation::Relu),
                Layer::Dense {
                    weights: Matrix::from_rows(vec![(1..=n as i64).map(q).collect()]).unwrap(),
                    bias: vec![q(0)],
                },
            ],
        )
        .unwrap();
        same(&net, cube(3), true);
    }
}
