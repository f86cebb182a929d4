//! With the `serde` feature: networks, regions, verdicts and certificates serialize as the
//! documented JSON documents, and networks read back exactly.

use relucheck::analysis::certificate::{Certificate, verify};
use relucheck::present::regions_text::regions_json;
use relucheck::{Checker, Domain, Enumerator, Network, Property};
use serde_json::Value;

fn load(name: &str) -> Network {
    Network::load(format!("{}/examples/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn networks_serialize_as_the_file_format_and_read_back_exactly() {
    for name in [
        "forum-question.json",
        "conv-relu.json",
        "leaky.json",
        "tent-3.json",
    ] {
        let net = load(name);
        let text = serde_json::to_string(&net).unwrap();
        let file: Value = serde_json::from_str(&net.to_json()).unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap(),
            file,
            "{name}"
        );
        let back: Network = serde_json::from_str(&text).unwrap();
        assert_eq!(back, net, "{name}");
        assert_eq!(back.name, net.name);
    }
}

#[test]
fn deserializing_validates_like_the_file_reader() {
    // A decimal is the decimal written, not the nearest float.
    let net: Network = serde_json::from_str(
        r#"{"relucheck": 1, "input_shape": [1], "layers": [{"type": "dense", "weights": [[0.1]]}]}"#,
    )
    .unwrap();
    assert_eq!(
        net.eval(&[relucheck::Q::ONE]).unwrap()[0],
        "1/10".parse().unwrap()
    );
    let err = serde_json::from_str::<Network>(
        r#"{"relucheck": 1, "input_shape": [2], "layers": [{"type": "dense", "weights": [[1, 2], [3]]}]}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("<serde>: at layers[0].weights"), "{err}");
    let err = serde_json::from_str::<Network>(
        r#"{"relucheck": 1, "input_shape": [2], "layers": [{"type": "relu", "x": 1}]}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("unknown field `x`"), "{err}");
}

#[test]
fn verdicts_regions_and_certificates_serialize_as_the_cli_documents() {
    let net = load("forum-question.json");
    let dom = Domain::orthant(2);
    let checker = Checker::new(&net, dom.clone());
    for p in [Property::Affine, Property::Linear] {
        let v = checker.check(p).unwrap();
        assert_eq!(serde_json::to_value(&v).unwrap(), v.to_json());
    }
    let linear = serde_json::to_value(checker.check(Property::Linear).unwrap()).unwrap();
    assert_eq!(linear["holds"], Value::Bool(false));
    assert_eq!(linear["counterexample"]["x"], serde_json::json!(["0", "0"]));

    let regions = Enumerator::new(&net, Domain::whole(2)).run().unwrap();
    let mut expected = regions_json(&net, &regions, true);
    expected["network"] = Value::Null;
    expected["notes"] = serde_json::json!([]);
    let got = serde_json::to_value(&regions).unwrap();
    assert_eq!(got, expected);
    assert_eq!(
        got["regions"].as_array().unwrap().len(),
        regions.regions.len()
    );

    let regions = checker.regions().unwrap();
    let cert = Certificate::build(&net, Property::Affine, &dom, &regions).unwrap();
    let value = serde_json::to_value(&cert).unwrap();
    assert_eq!(value, cert.to_json());
    // What serde wrote is a certificate `verify` accepts.
    verify(&value, &net).unwrap();
}
