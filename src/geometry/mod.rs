//! Layer 2, exact geometry: linear programming, H-polytopes, V-representation cells, and
//! the float hints whose every guess is confirmed exactly.
//!
//! Uses only [`exact`](crate::exact).

pub(crate) mod float_filter;
pub(crate) mod lazy;
pub mod lp;
pub mod polytope;
pub mod simple;
pub(crate) mod vrep;
