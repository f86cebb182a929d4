//! The native JSON network format: any bytes are read without panicking, and a network
//! that loads writes JSON that loads again to the same network.
#![no_main]
use libfuzzer_sys::fuzz_target;
use relucheck::Network;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(net) = Network::from_json_str(&text) {
        let json = net.to_json();
        let again = Network::from_json_str(&json)
            .unwrap_or_else(|e| panic!("to_json output does not re-parse: {e}\n{json}"));
        assert_eq!(json, again.to_json(), "JSON round trip changed the network");
    }
});
