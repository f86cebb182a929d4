//! The exact number parser: any text is read without panicking, and a parsed number
//! prints as text that parses back to the same number. (This target found `9970e9997`,
//! which used to parse but print beyond `MAX_DIGITS`; `Q::parse` now refuses such values.)
#![no_main]
use libfuzzer_sys::fuzz_target;
use relucheck::Q;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(q) = Q::parse(&text) {
        let printed = q.to_string();
        match Q::parse(&printed) {
            Ok(back) => assert_eq!(q, back, "round trip of {text:?} via `{printed}`"),
            Err(e) => panic!("`{printed}` (printed from {text:?}) does not parse: {e}"),
        }
    }
});
