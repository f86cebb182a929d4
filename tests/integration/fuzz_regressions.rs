//! Inputs found by the fuzz targets in `fuzz/` (`cargo fuzz run -s none TARGET`), kept
//! here so they stay reproduced.

use relucheck::{MAX_DIGITS, Network, ParseError, Q};

/// `number` target, input `9970e9997` (fuzz/artifacts crash-f0a125dd…): the text is within
/// the limits (4 digits, exponent 9997 ≤ `MAX_EXPONENT`), but the value prints as a
/// 10001-digit integer, which `Q::parse` then rejects as too large — so `to_string` does
/// not round trip, and a network holding such a weight writes JSON it cannot read back.
/// Reported, not fixed (the fix is a choice about the limits or the printed form); the
/// test is ignored until then. Run it with `cargo test --test integration -- --ignored`.
#[test]
#[ignore = "known: values within the input limits can print beyond MAX_DIGITS (fuzz finding)"]
fn large_exponent_numbers_round_trip_through_text() {
    for text in ["9970e9997", "1e10000", "1e-10000"] {
        let q = Q::parse(text).unwrap();
        let printed = q.to_string();
        assert_eq!(
            Q::parse(&printed),
            Ok(q),
            "{text} printed as {} digits",
            printed.len()
        );
    }
    let json = r#"{"relucheck": 1, "input_shape": [1], "layers": [
        {"type": "dense", "weights": [[1e10000]], "bias": [0]}]}"#;
    let net = Network::from_json_str(json).unwrap();
    assert!(Network::from_json_str(&net.to_json()).is_ok());
}

/// What the ignored test above pins down today: the failure is a clean `TooLarge`
/// rejection of the printed text (no panic, no wrong value), and only past `MAX_DIGITS`.
#[test]
fn large_exponent_numbers_print_beyond_the_digit_limit_and_are_rejected_cleanly() {
    let q = Q::parse("9970e9997").unwrap();
    let printed = q.to_string();
    assert_eq!(printed.len(), MAX_DIGITS + 1);
    assert!(matches!(
        Q::parse(&printed),
        Err(ParseError::TooLarge { .. })
    ));
    let just_inside = Q::parse("997e9997").unwrap();
    assert_eq!(Q::parse(&just_inside.to_string()), Ok(just_inside));
}
