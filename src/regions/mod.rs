//! Layer 3, linear regions: the domains (whole space, orthant, box, slice, segment) and the
//! exact enumeration of activation regions with their details (minimal inequalities,
//! vertices, neighbours, linear pieces).
//!
//! Uses [`geometry`](crate::geometry) and [`net`](crate::net), and what they use.

pub mod domain;
pub mod enumerate;
pub mod formula;
