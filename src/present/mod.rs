//! Layer 5, presentation: text, Markdown and JSON for `regions` ([`regions_text`]) and
//! `eval` ([`eval_text`]), the reports that gather them ([`report`]), their pictures
//! ([`picture`], drawn by the SVG writer), and printing under the command's time limit
//! ([`printed`]).
//!
//! Uses everything below; nothing below uses it. Within it, `picture` is below both
//! `report` and the SVG writer, so neither imports the other.

pub mod eval_text;
pub mod picture;
pub mod printed;
pub mod regions_text;
pub mod report;
pub(crate) mod svg;
