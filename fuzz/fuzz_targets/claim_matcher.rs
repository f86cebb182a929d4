//! The claim matcher (`...` lines match any run of output lines): never panics, and agrees
//! with the direct recursive definition wherever that one is cheap enough to run.
#![no_main]
use libfuzzer_sys::fuzz_target;
use relucheck::analysis::proofs::lines_match;

/// The definition, exponential in the number of `...` lines.
fn reference(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((e, rest)) if e == "..." => (0..=actual.len()).any(|k| reference(rest, &actual[k..])),
        Some((e, rest)) => actual
            .split_first()
            .is_some_and(|(a, arest)| a.trim_end() == e && reference(rest, arest)),
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Expected lines, a NUL byte, then the actual output.
    let (expected, actual) = text.split_once('\0').unwrap_or((&text, ""));
    let expected: Vec<String> = expected.lines().map(str::to_string).collect();
    let actual: Vec<&str> = actual.lines().collect();
    let got = lines_match(&expected, &actual);
    let ellipses = expected.iter().filter(|e| *e == "...").count();
    if ellipses <= 3 && actual.len() <= 40 {
        assert_eq!(got, reference(&expected, &actual));
    }
});
