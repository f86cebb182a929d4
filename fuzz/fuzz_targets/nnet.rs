//! The NNet importer: any text is read without panicking, with and without normalisation.
#![no_main]
use libfuzzer_sys::fuzz_target;
use relucheck::net::import::{NnetOptions, from_nnet_str};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for (normalize, clamp) in [(true, true), (false, false), (true, false)] {
        let opts = NnetOptions { normalize, clamp };
        if let Ok(net) = from_nnet_str(&text, "fuzz.nnet", opts) {
            let _ = net.to_json();
            let x = vec![relucheck::Q::ONE; net.input_dim()];
            let _ = net.eval(&x);
        }
    }
});
