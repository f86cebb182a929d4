//! The proof-file parser: any text is read without panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = relucheck::analysis::proofs::parse_proof(&text);
});
