//! Certificates: a "holds" verdict written so that someone else can re-derive it, and the
//! checker that does.
//!
//! # What a certificate proves
//! A property holds iff a *claim* holds on every full-dimensional activation region of the
//! subject network (`f`, or `g(x) = f(x) + f(-x)` for oddness) on the domain — see
//! [`crate::analysis::properties`]. A certificate lists:
//! - every region: its activation pattern, a rational interior point and its affine map;
//! - the *pattern tree* that shows the list is complete. Walk the units in order (layer by
//!   layer, unit by unit). At a prefix of a pattern, each piece of the next unit either leads
//!   to a listed region, or is *excluded* with a reason that is checked without any solver:
//!   - `empty`: Motzkin multipliers `y >= 0` with `Σ y_i a_i = 0` over the constraints
//!     `a_i·x <= b_i` of the domain, of every piece along the prefix, and of the excluded
//!     piece, and either `Σ y_i b_i < 0` (the branch is empty), or `Σ y_i b_i = 0` with
//!     `y_i > 0` on a row with `a_i != 0`. Interior points satisfy such rows strictly, so
//!     summing with the weights `y` gives `0 < 0`: the branch has no interior. Rows
//!     `0·x <= b` with `b >= 0` hold everywhere, with equality when `b = 0`, and weight on
//!     them proves nothing;
//!   - `coincides`: the excluded piece's conditions are the same set as those of a
//!     lower-numbered piece (e.g. a unit that is identically zero), whose branch is checked.
//!
//! Since every unit's pieces cover its input space, the checked tree covers the domain, so
//! the listed regions are all the regions, and the claim checked on their maps (each
//! re-derived from its pattern) gives the property on the whole domain.
//!
//! [`verify`] (in `check.rs`, apart from the builder in `build.rs`; both walk the tree of
//! `tree.rs`) checks all of that with exact arithmetic only: it never calls the enumerator
//! or an LP solver, and it names the first fact that fails. Its module docs state exactly
//! what it verifies and why each check suffices. [`verify_on`] also requires the domain.
//!
//! # Format (JSON, version 1)
//! ```text
//! {"relucheck_certificate": 1, "property": "positive-homogeneity", "statement": "...",
//!  "network": {"name": "...", "fingerprint": "fnv1a64:0123456789abcdef"},
//!  "parts": [{
//!    "subject": "f",                       // or "f(x)+f(-x)"
//!    "domain": {"kind": "whole", "dim": 2},
//!    "claim": "zero-offsets",              // or "one-map", "one-linear-map", "zero-map"
//!    "regions": [{"pattern": "10|011", "interior_point": ["1/2", "-1"],
//!                 "map": {"A": [["1", "0"]], "c": ["0"]}}],
//!    "exclusions": [{"path": "1", "piece": 0, "empty": ["1", "0", "2"]},
//!                   {"path": "10", "piece": 1, "coincides_with": 0}]
//!  }]}
//! ```
//! Patterns and paths list one lower-case base-36 digit per unit, with `|` nowhere (as
//! written) or exactly between layers. Unknown fields and duplicate keys
//! ([`parse_json`]) are refused.

mod build;
mod check;
mod tree;

pub use check::{Rejected, VerifyReport, parse_json, verify, verify_on};

use crate::analysis::properties::Property;
use crate::exact::linalg::Affine;
use crate::exact::rational::Q;
use crate::net::network::Network;
use crate::regions::domain::Domain;

/// What must hold on every region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// Every offset is zero.
    ZeroOffsets,
    /// Every region has the same map.
    OneMap,
    /// Every region has the same map, with zero offset.
    OneLinearMap,
    /// Every map is zero.
    ZeroMap,
}

impl Claim {
    fn name(self) -> &'static str {
        match self {
            Claim::ZeroOffsets => "zero-offsets",
            Claim::OneMap => "one-map",
            Claim::OneLinearMap => "one-linear-map",
            Claim::ZeroMap => "zero-map",
        }
    }

    fn parse(s: &str) -> Option<Claim> {
        [
            Claim::ZeroOffsets,
            Claim::OneMap,
            Claim::OneLinearMap,
            Claim::ZeroMap,
        ]
        .into_iter()
        .find(|c| c.name() == s)
    }

    /// The parts (subject, domain override, claim) a property needs.
    fn for_property(p: Property) -> Vec<(bool, Claim)> {
        // (odd-sum subject?, claim)
        match p {
            Property::Additivity | Property::Linear => vec![(false, Claim::OneLinearMap)],
            Property::PositiveHomogeneity => vec![(false, Claim::ZeroOffsets)],
            Property::Homogeneity => vec![(false, Claim::ZeroOffsets), (true, Claim::ZeroMap)],
            Property::Odd => vec![(true, Claim::ZeroMap)],
            Property::Affine => vec![(false, Claim::OneMap)],
        }
    }

    fn holds(self, maps: &[&Affine]) -> std::result::Result<(), String> {
        let zero = |m: &Affine| m.c.iter().all(Q::is_zero);
        for (i, m) in maps.iter().enumerate() {
            let bad = match self {
                Claim::ZeroOffsets => !zero(m),
                Claim::OneMap => **m != *maps[0],
                Claim::OneLinearMap => **m != *maps[0] || !zero(m),
                Claim::ZeroMap => !zero(m) || m.a.iter_rows().flatten().any(|v| !v.is_zero()),
            };
            if bad {
                return Err(format!(
                    "region {i}: its map does not satisfy the claim `{}`",
                    self.name()
                ));
            }
        }
        Ok(())
    }
}

/// Why a branch of the pattern tree has no region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exclusion {
    /// Motzkin multipliers proving the branch has no interior.
    Empty(Vec<Q>),
    /// The branch is the same set as that of this lower-numbered piece.
    CoincidesWith(u8),
}

/// One part of a certificate: a claim on all regions of a subject network on a domain.
#[derive(Clone, Debug)]
pub struct Part {
    /// `false`: the network `f`; `true`: `g(x) = f(x) + f(-x)`.
    pub odd_sum: bool,
    /// The domain.
    pub domain: Domain,
    /// What holds on every region.
    pub claim: Claim,
    /// `(pattern, interior point, map)` for every region.
    pub regions: Vec<(Vec<u8>, Vec<Q>, Affine)>,
    /// `(path, piece) -> reason` for every branch without regions.
    pub exclusions: Vec<(Vec<u8>, u8, Exclusion)>,
}

/// A certificate that a property holds.
#[derive(Clone, Debug)]
pub struct Certificate {
    /// The property.
    pub property: Property,
    /// The network's name.
    pub network_name: Option<String>,
    /// [`fingerprint`] of the network.
    pub fingerprint: String,
    /// The parts, all of which must hold.
    pub parts: Vec<Part>,
}

/// A short fingerprint of a network (FNV-1a, 64 bits, of its canonical JSON): detects a
/// certificate checked against the wrong network. It is not a cryptographic hash.
pub fn fingerprint(net: &Network) -> String {
    let h = net.to_json().bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    });
    format!("fnv1a64:{h:016x}")
}
