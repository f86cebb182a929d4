//! Network files as an attacker writes them: sizes capped before reading, constant folding
//! bounded, byte-order marks, duplicate JSON keys, truncated NNet numbers, redefined ONNX
//! values. Each test failed before its fix.

use super::import::{build, f32s, ints, node};
use crate::repo;
use prost::Message;
use relucheck::net::import::onnx_proto::*;
use relucheck::net::import::{MAX_FILE_BYTES, from_onnx_bytes};
use relucheck::{Network, Q};

/// A fresh folder for one test, removed when the returned value is dropped.
pub(crate) fn scratch(test: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("relucheck-{test}-"))
        .tempdir()
        .unwrap()
}

#[cfg(unix)]
#[test]
fn dev_zero_as_a_network_fails_at_the_limit_naming_the_file() {
    // A symlink with each extension, so every reader meets an endless file.
    let tmp = scratch("devzero");
    let dir = tmp.path();
    for ext in ["json", "onnx", "nnet"] {
        let path = dir.join(format!("zero.{ext}"));
        std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
        let e = Network::load(&path).unwrap_err().to_string();
        assert!(
            e.contains(&path.display().to_string()) && e.contains(&MAX_FILE_BYTES.to_string()),
            "{ext}: {e}"
        );
    }
}

#[test]
fn a_file_over_the_limit_is_refused_from_its_size_before_reading() {
    // A sparse file one byte over the limit: refused by its metadata.
    let tmp = scratch("bigfile");
    let dir = tmp.path();
    for ext in ["json", "onnx", "nnet"] {
        let path = dir.join(format!("big.{ext}"));
        let f = std::fs::File::create(&path).unwrap();
        f.set_len(MAX_FILE_BYTES + 1).unwrap();
        let e = Network::load(&path).unwrap_err().to_string();
        assert!(e.contains("larger than the limit"), "{ext}: {e}");
    }
}

#[test]
fn a_byte_order_mark_is_skipped_in_json_and_nnet() {
    let tmp = scratch("bom");
    let dir = tmp.path();
    let json = std::fs::read_to_string(repo("examples/tent-3.json")).unwrap();
    let path = dir.join("bom.json");
    std::fs::write(&path, format!("\u{feff}{json}")).unwrap();
    assert_eq!(
        Network::load(&path).unwrap().layers(),
        Network::from_json_str(&json).unwrap().layers()
    );
    let nnet = std::fs::read_to_string(repo("fixtures/nnet/tiny.nnet")).unwrap();
    let path = dir.join("bom.nnet");
    std::fs::write(&path, format!("\u{feff}{nnet}")).unwrap();
    assert_eq!(
        Network::load(&path).unwrap().layers(),
        Network::load(repo("fixtures/nnet/tiny.nnet"))
            .unwrap()
            .layers()
    );
}

#[test]
fn duplicate_json_keys_are_refused_where_they_occur() {
    let e = Network::from_json_str(
        "{\"relucheck\": 1, \"input_shape\": [1], \"layers\": [\n  {\"type\": \"dense\", \"weights\": [[1]], \"weights\": [[2]]}]}",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("<input>:2:39") && e.contains("\"weights\" occurs twice"),
        "{e}"
    );
    // The same key spelled with an escape is the same key.
    let e = Network::from_json_str(
        r#"{"relucheck": 1, "input_shape": [1], "layers": [], "\u006cayers": [{"type": "relu"}]}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("\"layers\" occurs twice"), "{e}");
    // Equal keys in different objects, and keys inside strings, are fine.
    let net = Network::from_json_str(
        r#"{"relucheck": 1, "name": "{\"a\": 1, \"a\": 2}", "input_shape": [1], "layers": [{"type": "relu"}, {"type": "relu"}]}"#,
    )
    .unwrap();
    assert_eq!(net.layers().len(), 2);
}

#[test]
fn an_nnet_file_cut_in_a_number_does_not_load() {
    let text = std::fs::read_to_string(repo("fixtures/nnet/tiny.nnet")).unwrap();
    assert!(text.ends_with("0.25,\n"));
    let stem = &text[..text.len() - "0.25,\n".len()];
    for cut in ["0.", "0.2", "0.25"] {
        let e = relucheck::net::import::from_nnet_str(
            &format!("{stem}{cut}"),
            "cut.nnet",
            Default::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("cut.nnet") && e.contains("truncated"),
            "{cut}: {e}"
        );
    }
    let e = relucheck::net::import::from_nnet_str(
        &format!("{stem}0.\n"),
        "cut.nnet",
        Default::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("ends in a decimal point"), "{e}");
    // The complete file, with or without its final comma, loads.
    for end in ["0.25,\n", "0.25\n"] {
        relucheck::net::import::from_nnet_str(
            &format!("{stem}{end}"),
            "ok.nnet",
            Default::default(),
        )
        .unwrap();
    }
}

#[test]
fn an_onnx_graph_that_redefines_a_value_is_refused() {
    // `r` is defined twice: which one a later node reads would be a guess.
    let bytes = build(
        13,
        &[Some(1), Some(2)],
        vec![
            node("Relu", &["x"], "r", vec![]),
            node("Abs", &["x"], "r", vec![]),
            node("Relu", &["r"], "y", vec![]),
        ],
        vec![],
        "y",
    );
    let e = from_onnx_bytes(&bytes, "t.onnx").unwrap_err().to_string();
    assert!(
        e.contains("node 1 \"my_abs\"") && e.contains("already defines"),
        "{e}"
    );
    // A node output that shadows an initializer, and two initializers of one name.
    let bytes = build(
        13,
        &[Some(1), Some(2)],
        vec![node("Relu", &["x"], "c", vec![])],
        vec![f32s("c", &[2], &[1.0, 2.0])],
        "c",
    );
    let e = from_onnx_bytes(&bytes, "t.onnx").unwrap_err().to_string();
    assert!(e.contains("already defines"), "{e}");
    let bytes = build(
        13,
        &[Some(1), Some(2)],
        vec![node("Add", &["x", "c"], "y", vec![])],
        vec![f32s("c", &[2], &[1.0, 2.0]), f32s("c", &[2], &[5.0, 6.0])],
        "y",
    );
    let e = from_onnx_bytes(&bytes, "t.onnx").unwrap_err().to_string();
    assert!(
        e.contains("initializer 1") && e.contains("second initializer"),
        "{e}"
    );
}

/// A 40-node chain of `Concat(c, c)` on constants, doubling a list each time (2^40 values
/// at the end), then one Relu.
pub(crate) fn concat_bomb() -> Vec<u8> {
    let mut nodes = Vec::new();
    for k in 1..=40 {
        let prev = format!("c{}", k - 1);
        let mut n = node("Concat", &[&prev, &prev], &format!("c{k}"), vec![]);
        n.attribute.push(super::import::attr_i("axis", 0));
        n.name = format!("double{k}");
        nodes.push(n);
    }
    nodes.push(node("Relu", &["x"], "y", vec![]));
    build(
        13,
        &[Some(1), Some(2)],
        nodes,
        vec![ints("c0", &[1], &[7])],
        "y",
    )
}

#[test]
fn constant_folding_is_bounded_in_each_tensor_and_in_all() {
    let bytes = concat_bomb();
    assert!(bytes.len() < 10_000);
    let e = from_onnx_bytes(&bytes, "bomb.onnx")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("bomb.onnx") && e.contains("(Concat)") && e.contains("exceed 10000000 values"),
        "{e}"
    );
    // Twenty doublings (2^20 values, 2 million in all) still fold.
    let mut short = ModelProto::decode(&bytes[..]).unwrap();
    let g = short.graph.as_mut().unwrap();
    g.node.drain(20..40);
    let net = from_onnx_bytes(&short.encode_to_vec(), "short.onnx").unwrap();
    assert_eq!(
        net.eval(&[Q::from_int(-1), Q::ONE]).unwrap(),
        [Q::ZERO, Q::ONE]
    );
}

/// Certificates, proofs and files of input points are read through a cap too: `/dev/zero`
/// given as any of them fails at the limit with a message naming the file and its kind
/// (each read the whole endless file before, or 4 GB and more).
#[cfg(unix)]
#[test]
fn dev_zero_as_a_certificate_proof_or_points_file_fails_at_the_limit() {
    let tmp = scratch("devzero-text");
    let dir = tmp.path();
    let zero = dir.join("zero.txt");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let z = zero.to_str().unwrap();
    let net = repo("examples/xor.json");
    let net = net.to_str().unwrap();
    let input = format!("@{z}");
    let cases: [(&[&str], &str, u64); 3] = [
        (
            &["verify", z, "--network", net],
            "certificate",
            relucheck::output::MAX_CERTIFICATE_BYTES,
        ),
        (&["prove", z], "proof", relucheck::output::MAX_PROOF_BYTES),
        (
            &["eval", net, "--input", &input],
            "file of input points",
            relucheck::output::MAX_POINTS_BYTES,
        ),
    ];
    for (args, kind, limit) in cases {
        let o = super::cli::relucheck(args);
        let e = String::from_utf8_lossy(&o.stderr).to_string();
        assert_eq!(o.status.code(), Some(1), "{args:?}: {e}");
        assert!(
            e.contains(z) && e.contains(kind) && e.contains(&limit.to_string()),
            "{args:?}: {e}"
        );
    }
}

/// A certificate that is not UTF-8 is refused by name, at the byte where it stops.
#[test]
fn a_binary_certificate_is_refused_by_name() {
    let tmp = scratch("binary-cert");
    let dir = tmp.path();
    let cert = dir.join("cert.json");
    std::fs::write(&cert, b"{\"a\": \xff}").unwrap();
    let o = super::cli::relucheck(&[
        "verify",
        cert.to_str().unwrap(),
        "--network",
        repo("examples/xor.json").to_str().unwrap(),
    ]);
    let e = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        e.contains("cert.json") && e.contains("not UTF-8") && e.contains("byte 6"),
        "{e}"
    );
}
