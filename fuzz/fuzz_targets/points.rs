//! `--input` points: a point typed on the command line (`"1/2,-3"`) and a file of points
//! (`--input @FILE`) are read without panicking, a point read, written back as its exact
//! coordinates separated by commas, reads back to the same point, and it prints
//! (`format_point`, the `[1/2, -3]` people read).
#![no_main]
use libfuzzer_sys::fuzz_target;
use relucheck::{Q, format_point, parse_point, parse_points};

fn typed(p: &[Q]) -> String {
    p.iter().map(Q::to_string).collect::<Vec<_>>().join(",")
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(p) = parse_point(&text) {
        let _ = format_point(&p);
        let printed = typed(&p);
        let back = parse_point(&printed)
            .unwrap_or_else(|e| panic!("`{printed}` (from {text:?}) does not read back: {e}"));
        assert_eq!(p, back, "round trip of {text:?} via `{printed}`");
    }
    if let Ok(points) = parse_points(&text, "fuzz.txt") {
        for p in points {
            let printed = typed(&p);
            assert_eq!(parse_point(&printed).ok(), Some(p), "via `{printed}`");
        }
    }
});
