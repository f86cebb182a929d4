//! Layer 3, linear regions: the budget of a command ([`budget`]: one deadline and region
//! cap for all its enumerations), the domains ([`domain`]: whole space, orthant, box, slice,
//! segment), the exact enumeration of activation regions with their details ([`enumerate`]:
//! minimal inequalities, vertices, neighbours, linear pieces), and the formula writer
//! ([`formula`]) that the decisions above quote and the printers print; [`views`] gives
//! regions for plotting (iteration, polygons clipped to a window, in `f64`).
//!
//! Uses [`geometry`](crate::geometry) and [`net`](crate::net), and what they use.

pub mod budget;
pub mod domain;
pub mod enumerate;
pub mod formula;
pub mod views;
