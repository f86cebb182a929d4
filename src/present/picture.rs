//! One SVG picture of a report, and the slice suggested when a domain has too many
//! dimensions to draw.
//!
//! Both [`report`](crate::present::report) (which lists the pictures) and the SVG writer
//! (which draws them) use these; they live here, below both, so that neither imports the
//! other's internals.

/// One SVG picture of a report.
#[derive(Clone, Debug)]
pub struct Picture {
    /// The file name inside the report directory, e.g. `regions.svg`.
    pub file: String,
    /// What it shows, one or two sentences.
    pub caption: String,
    /// The output drawn (0-based), `None` for the regions picture.
    pub output: Option<usize>,
    /// The SVG document.
    pub svg: String,
}

/// A suggested `--slice` for a network with `d >= 3` inputs: the plane of the first two.
pub fn suggested_slice(d: usize) -> String {
    let v = |i: Option<usize>| {
        (0..d)
            .map(|j| if Some(j) == i { "1" } else { "0" })
            .collect::<Vec<_>>()
            .join(",")
    };
    format!(
        "--slice \"{};{};{}\" --box -1:1",
        v(None),
        v(Some(0)),
        v(Some(1))
    )
}
