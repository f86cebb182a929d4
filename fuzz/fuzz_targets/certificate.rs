//! The certificate checker: any JSON is accepted or rejected without panicking, against
//! a fixed network (the median of three, `proofs/nets/median.json`).
#![no_main]
use libfuzzer_sys::fuzz_target;
use relucheck::Network;
use std::sync::LazyLock;

static NET: LazyLock<Network> = LazyLock::new(|| {
    Network::from_json_str(include_str!("../../proofs/nets/median.json"))
        .expect("median.json loads")
});

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = relucheck::analysis::certificate::verify(&value, &NET);
    }
});
