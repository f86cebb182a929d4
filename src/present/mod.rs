//! Layer 5, presentation: text, Markdown, JSON and SVG for people, and the reports that
//! gather them.
//!
//! Uses everything below; nothing below uses it.

pub mod eval_text;
pub mod picture;
pub mod regions_text;
pub mod report;
pub(crate) mod svg;
