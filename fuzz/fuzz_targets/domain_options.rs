//! Domain options (`--box`, `--slice`, `--segment`, `--orthant`): any strings, for 1 to 4
//! inputs, give a domain or an error, never a panic; a domain given has the asked input
//! dimension and prints (`describe`, `to_json`).
//!
//! Input: the first byte picks the input dimension (1-4), the kind of domain and whether a
//! box is given; the rest is split at the first two `\n` into the strings.
#![no_main]
use libfuzzer_sys::fuzz_target;
use relucheck::Domain;

fuzz_target!(|data: &[u8]| {
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let mut parts = text.splitn(2, '\n');
    let (first, second) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let dim = 1 + (head & 3) as usize;
    let box_spec = (head & 4 != 0).then_some(second);
    let (slice, segment, orthant) = match (head >> 3) & 3 {
        0 => (Some(first), None, false),
        1 => (None, Some(first), false),
        2 => (None, None, true),
        _ => (None, None, false),
    };
    let box_spec = if slice.is_none() && segment.is_none() && !orthant {
        Some(first)
    } else {
        box_spec
    };
    if let Ok(d) = Domain::from_options(dim, box_spec, slice, segment, orthant) {
        let _ = d.describe();
        let _ = d.to_json();
        assert_eq!(d.input_dim(), dim);
    }
});
