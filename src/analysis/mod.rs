//! Layer 4, analysis: properties decided exactly from the regions, counterexamples,
//! certificates and their checker, assertions and strategies for users' tests, and the
//! checker of the teaching proofs' claims.
//!
//! Uses [`regions`](crate::regions) and everything below it.

pub mod certificate;
pub mod proofs;
pub mod properties;
pub mod testing;
