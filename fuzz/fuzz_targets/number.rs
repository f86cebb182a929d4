//! The exact number parser: any text is read without panicking, and a parsed number
//! prints as text that parses back to the same number.
//!
//! Known limitation (reported, not fixed): a number within the input limits can print with
//! more than `MAX_DIGITS` digits (`9970e9997` is a 10001-digit integer), and that text is
//! then rejected as too large. Such values must be rejected *as too large*, nothing else;
//! `tests/integration/fuzz_regressions.rs` reproduces it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use relucheck::{MAX_DIGITS, ParseError, Q};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(q) = Q::parse(&text) {
        let printed = q.to_string();
        let digits = printed.bytes().filter(u8::is_ascii_digit).count();
        match Q::parse(&printed) {
            Ok(back) => assert_eq!(q, back, "round trip of {text:?} via `{printed}`"),
            Err(ParseError::TooLarge { .. }) if digits > MAX_DIGITS => {}
            Err(e) => panic!("`{printed}` (printed from {text:?}) does not parse: {e}"),
        }
    }
});
