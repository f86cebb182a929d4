//! Inputs found by the fuzz targets in `fuzz/` (`cargo fuzz run -s none TARGET`), kept
//! here so they stay fixed.

use relucheck::{Network, ParseError, Q};

/// `number` target, input `9970e9997`: the text was within the input limits (4 digits,
/// exponent 9997), but the value printed as a 10,001-digit integer, which `Q::parse`
/// rejected — so a network holding such a weight wrote JSON it could not read back. Now
/// every accepted number prints within `MAX_DIGITS`, and such values are refused when read.
#[test]
fn numbers_that_would_print_too_long_are_refused_and_accepted_ones_round_trip() {
    for text in ["9970e9997", "1e10000", "1e-10000"] {
        assert!(
            matches!(Q::parse(text), Err(ParseError::TooLarge { .. })),
            "{text}"
        );
    }
    for text in ["997e9990", "1e9990", "-3e-9990", "12345/678e0"] {
        if let Ok(q) = Q::parse(text) {
            assert_eq!(Q::parse(&q.to_string()), Ok(q.clone()), "{text}");
        }
    }
    let json = r#"{"relucheck": 1, "input_shape": [1], "layers": [
        {"type": "dense", "weights": [[1e9990]], "bias": [0]}]}"#;
    let net = Network::from_json_str(json).unwrap();
    assert_eq!(Network::from_json_str(&net.to_json()).unwrap(), net);
    let json = r#"{"relucheck": 1, "input_shape": [1], "layers": [
        {"type": "dense", "weights": [[1e10000]], "bias": [0]}]}"#;
    let e = Network::from_json_str(json).unwrap_err().to_string();
    assert!(
        e.contains("layers[0].weights[0][0]") && e.contains("too large"),
        "{e}"
    );
}
