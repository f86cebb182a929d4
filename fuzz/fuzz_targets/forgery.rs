//! The forgery differential (issue 16): any bytes, read as a certificate for each of a few
//! small, degenerate nets; whenever `verify` accepts one, the property must hold on the
//! domain it names by an independent exact check, the region-based `Checker` (computed
//! once per net, property and domain). The seed corpus (`corpus/forgery`) holds valid
//! certificates of these nets, which libFuzzer mutates into forgeries; each input is tried
//! on every net, its `network` field rewritten to name that net.
#![no_main]
use libfuzzer_sys::fuzz_target;
use relucheck::analysis::certificate::{fingerprint, verify};
use relucheck::{Checker, Domain, DomainKind, Network, Property};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

/// The nets: issue 16's forged homogeneity (three ReLU layers on one input), a net with an
/// all-zero unit, coincident units, and a dead unit beside an odd one.
const NETS: [&str; 4] = [
    r#"{"relucheck": 1, "input_shape": [1], "layers": [
        {"type": "dense", "weights": [[1], [-1]], "bias": [0, 0]}, {"type": "relu"},
        {"type": "dense", "weights": [[1, 0], [0, 1]], "bias": [0, 0]}, {"type": "relu"},
        {"type": "dense", "weights": [[1, 0], [0, 1]], "bias": [-1, 0]}, {"type": "relu"},
        {"type": "dense", "weights": [[1, 1]], "bias": [0]}]}"#,
    r#"{"relucheck": 1, "input_shape": [2], "layers": [
        {"type": "dense", "weights": [[0, 0], [1, -1]], "bias": [0, 0]}, {"type": "relu"},
        {"type": "dense", "weights": [[1, 1]], "bias": [0]}]}"#,
    r#"{"relucheck": 1, "input_shape": [2], "layers": [
        {"type": "dense", "weights": [[1, 1], [2, 2], [1, -1]], "bias": [0, 0, 0]}, {"type": "relu"},
        {"type": "dense", "weights": [[1, -1, 2]], "bias": [0]}]}"#,
    r#"{"relucheck": 1, "input_shape": [1], "layers": [
        {"type": "dense", "weights": [[1], [-1], [1]], "bias": [0, 0, -9]}, {"type": "relu"},
        {"type": "dense", "weights": [[1, -1, 5]], "bias": [0]}]}"#,
];

static NETWORKS: LazyLock<Vec<Network>> = LazyLock::new(|| {
    NETS.iter()
        .map(|t| Network::from_json_str(t).expect("the fuzz nets load"))
        .collect()
});

/// (net, property, orthant?) -> does the property hold there, by the Checker.
static TRUTH: LazyLock<Mutex<HashMap<(usize, Property, bool), bool>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn holds(i: usize, p: Property, dom: &Domain) -> bool {
    let orthant = *dom.kind() == DomainKind::Orthant;
    *TRUTH
        .lock()
        .unwrap()
        .entry((i, p, orthant))
        .or_insert_with(|| {
            let net = &NETWORKS[i];
            Checker::new(net, dom.clone()).check(p).unwrap().holds() == Some(true)
        })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(cert) = relucheck::analysis::certificate::parse_json(text) else {
        return;
    };
    for (i, net) in NETWORKS.iter().enumerate() {
        // Each input also as a certificate naming net i, so that every seed is a forgery
        // candidate for every net (the fingerprint is not what is being fuzzed).
        let mut own = cert.clone();
        if let Some(o) = own.as_object_mut()
            && o.contains_key("network")
        {
            o.insert(
                "network".into(),
                serde_json::json!({"name": net.name, "fingerprint": fingerprint(net)}),
            );
        }
        if let Ok(r) = verify(&own, net) {
            assert!(
                holds(i, r.property, &r.domain),
                "SOUNDNESS: verify accepts {} on {} for net {i}: {text}",
                r.property,
                r.domain.describe()
            );
        }
    }
});
