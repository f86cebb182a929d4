//! Layer 4, analysis: properties decided exactly from the regions, with counterexamples
//! ([`properties`]), certificates and their checker ([`certificate`]), assertions for users'
//! tests ([`testing`], which re-exports the strategies of [`crate::net::strategies`]), and
//! the checker of the teaching proofs' claims ([`proofs`]).
//!
//! Uses [`regions`](crate::regions) and everything below it; never a printer of
//! [`present`](crate::present).

pub mod certificate;
pub mod counterexample;
pub mod proofs;
pub mod properties;
pub mod property;
pub mod quick;
pub mod reasons;
#[cfg(feature = "serde")]
mod serde_impls;
pub mod testing;
