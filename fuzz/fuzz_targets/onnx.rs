//! The ONNX importer, from bytes in memory: any bytes are read without panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(net) = relucheck::net::import::from_onnx_bytes(data, "fuzz.onnx") {
        // What loads must also write and evaluate without panicking.
        let _ = net.to_json();
        let x = vec![relucheck::Q::ONE; net.input_dim()];
        let _ = net.eval(&x);
    }
});
