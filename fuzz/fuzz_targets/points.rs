//! `--input` points: a point typed on the command line (`"1/2,-3"`) and a file of points
//! (`--input @FILE`) are read without panicking, and a point read prints as text that reads
//! back to the same point.
#![no_main]
use libfuzzer_sys::fuzz_target;
use relucheck::{format_point, parse_point, parse_points};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(p) = parse_point(&text) {
        let printed = format_point(&p);
        let back = parse_point(&printed)
            .unwrap_or_else(|e| panic!("`{printed}` (from {text:?}) does not read back: {e}"));
        assert_eq!(p, back, "round trip of {text:?} via `{printed}`");
    }
    if let Ok(points) = parse_points(&text, "fuzz.txt") {
        for p in points {
            let printed = format_point(&p);
            assert_eq!(parse_point(&printed).ok(), Some(p), "via `{printed}`");
        }
    }
});
