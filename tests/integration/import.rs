//! Import of ONNX and NNet models: agreement with onnxruntime on the committed fixtures,
//! exact weights, hand-computed NNet outputs, every dtype and operator form, and clear
//! errors (never a panic) on unsupported, damaged or random input.
//!
//! Tolerance against onnxruntime: relucheck's output is exact; onnxruntime computes in
//! float32, rounding every product and sum (and, for BatchNormalization, the fused scale
//! and shift), so its outputs carry accumulated float32 rounding: a few units of 2^-24
//! relative to the magnitudes of the values summed. An output near 0 obtained by
//! cancellation has a large relative error although its absolute error is tiny, so the
//! deviation is measured against the largest output of the same input:
//! |exact - ort| <= 1e-5 · max(max_j |ort_j|, 1e-3), about 170 float32 ULPs of that
//! scale. The largest deviation seen (printed by `onnx_fixtures_match_onnxruntime` with
//! `--nocapture`) is 2.5e-6, in `leaky_prelu` on an input whose outputs come from large
//! cancelling terms; a float64 evaluation of the same models (onnx.reference) shows the
//! same deviations from onnxruntime, so the gap is float32 rounding, not semantics.

use crate::cli::{relucheck, stdout};
use crate::repo;
use proptest::prelude::*;
use prost::Message;
use relucheck::net::import::onnx_proto::*;
use relucheck::net::import::{ImportOptions, NnetOptions, from_nnet_str, from_onnx_bytes};
use relucheck::{Activation, Error, Layer, Network, Q};
use serde_json::Value;

const VALID: &[&str] = &[
    "mlp",
    "cnn",
    "batchnorm",
    "leaky_prelu",
    "clip_abs_avg",
    "rank3",
    "left_matmul",
    "gemm_trans",
    "nhwc",
    "external",
    "residual_identity",
    "residual_projection",
];

/// The fixture input in the layout relucheck's network takes: `nhwc` begins with a
/// Transpose to NCHW, which becomes the network's input layout (its notes say so).
fn network_layout(name: &str, x: Vec<f32>) -> Vec<f32> {
    if name != "nhwc" {
        return x;
    }
    let (h, w, c) = (4, 4, 2);
    let mut out = Vec::with_capacity(x.len());
    for k in 0..c {
        for i in 0..h {
            for j in 0..w {
                out.push(x[(i * w + j) * c + k]);
            }
        }
    }
    out
}

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(repo(&format!("fixtures/onnx/{name}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn from_bits(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|b| f32::from_bits(b.as_u64().unwrap() as u32))
        .collect()
}

fn exact(v: &[f32]) -> Vec<Q> {
    v.iter().map(|&x| Q::from_f32(x).unwrap()).collect()
}

/// (largest |exact - ort| / max(max_j |ort_j|, 1e-3), largest |exact - ort| / |ort|).
fn deviation(name: &str) -> (f64, f64) {
    let net = Network::load(repo(&format!("fixtures/onnx/{name}.onnx"))).unwrap();
    let doc = fixture(name);
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 3, "{name}: too few cases");
    let (mut worst, mut worst_elem) = (0f64, 0f64);
    for case in cases {
        let x = network_layout(name, from_bits(&case["input_bits"]));
        let want = from_bits(&case["output_bits"]);
        let got = net.eval(&exact(&x)).unwrap();
        assert_eq!(got.len(), want.len(), "{name}: output size");
        let scale = want.iter().fold(1e-3f64, |m, w| m.max(w.abs() as f64));
        for (g, w) in got.iter().zip(&want) {
            let diff = (g.to_f64() - *w as f64).abs();
            let rel = diff / scale;
            assert!(
                rel <= 1e-5,
                "{name}: exact {g} vs onnxruntime {w}: deviation {rel:e} of the output scale {scale}"
            );
            worst = worst.max(rel);
            worst_elem = worst_elem.max(diff / (w.abs() as f64).max(1e-30));
        }
    }
    (worst, worst_elem)
}

#[test]
fn onnx_fixtures_match_onnxruntime() {
    let mut all = 0f64;
    for name in VALID {
        let (rel, elem) = deviation(name);
        println!(
            "{name}: max deviation {rel:e} of the output scale ({elem:e} of the output itself)"
        );
        all = all.max(rel);
    }
    println!("all fixtures: max relative deviation {all:e}");
}

#[test]
fn onnx_weights_are_the_exact_dyadics_of_the_file() {
    for name in VALID {
        let net = Network::load(repo(&format!("fixtures/onnx/{name}.onnx"))).unwrap();
        let doc = fixture(name);
        for s in doc["spot"].as_array().unwrap() {
            let layer = &net.layers()[s["layer"].as_u64().unwrap() as usize];
            let index = s["index"].as_u64().unwrap() as usize;
            let mut want = Q::from_f32(f32::from_bits(s["bits"].as_u64().unwrap() as u32)).unwrap();
            if let Some(t) = s["times"].as_str() {
                want *= Q::parse(t).unwrap();
            }
            let got = match layer {
                Layer::Dense { weights, .. } => {
                    weights.row(index / weights.cols())[index % weights.cols()].clone()
                }
                Layer::Conv2d { weights, .. } => weights[index].clone(),
                other => panic!("{name}: spot check on a {} layer", other.kind()),
            };
            assert_eq!(got, want, "{name}: layer {} weight {index}", s["layer"]);
            // A float32 is a dyadic: its denominator is a power of two.
            let d = got.denom();
            assert_eq!(&d & (&d - 1u32), 0u32.into(), "{name}: {got} is not dyadic");
        }
    }
}

#[test]
fn onnx_fixtures_have_the_expected_layers_and_notes() {
    let kinds = |name: &str| -> Vec<&'static str> {
        Network::load(repo(&format!("fixtures/onnx/{name}.onnx")))
            .unwrap()
            .layers()
            .iter()
            .map(Layer::kind)
            .collect()
    };
    assert_eq!(kinds("mlp"), ["dense", "relu", "dense", "relu", "dense"]);
    assert_eq!(
        kinds("cnn"),
        ["conv2d", "relu", "max_pool2d", "flatten", "dense"]
    );
    // All three BatchNormalizations fold: into the following conv, the preceding conv and
    // the preceding Gemm.
    assert_eq!(
        kinds("batchnorm"),
        ["conv2d", "relu", "flatten", "dense", "relu", "dense"]
    );
    assert_eq!(
        kinds("leaky_prelu"),
        [
            "conv2d",
            "prelu",
            "flatten",
            "dense",
            "leaky_relu",
            "dense",
            "prelu",
            "dense"
        ]
    );
    // Add, Sub and Mul fold into the MatMul; Dropout and Identity vanish.
    assert_eq!(
        kinds("clip_abs_avg"),
        [
            "conv2d",
            "hard_tanh",
            "avg_pool2d",
            "abs",
            "flatten",
            "dense",
            "relu",
            "dense"
        ]
    );
    // Residual blocks: the branch as `layers`, a projection as `skip`.
    assert_eq!(kinds("residual_identity"), ["residual", "relu", "dense"]);
    assert_eq!(
        kinds("residual_projection"),
        ["residual", "relu", "flatten", "dense"]
    );
    let proj = Network::load(repo("fixtures/onnx/residual_projection.onnx")).unwrap();
    let Layer::Residual { layers, skip } = &proj.layers()[0] else {
        panic!("{proj}")
    };
    let kinds_of = |v: &[Layer]| v.iter().map(Layer::kind).collect::<Vec<_>>();
    assert_eq!(kinds_of(layers), ["conv2d", "relu", "conv2d"]);
    assert_eq!(kinds_of(skip), ["conv2d"]);
    let bn = Network::load(repo("fixtures/onnx/batchnorm.onnx")).unwrap();
    assert_eq!(bn.notes.len(), 3);
    assert!(
        bn.notes
            .iter()
            .all(|n| n.contains("float32") && !n.contains("exactly"))
    );
    assert!(bn.notes[0].contains("\"bn0\""));
    assert!(
        Network::load(repo("fixtures/onnx/mlp.onnx"))
            .unwrap()
            .notes
            .is_empty()
    );
    // The round trip through the native format keeps everything, notes included.
    let back = Network::from_json_str(&bn.to_json()).unwrap();
    assert_eq!(back, bn);
    let leaky = Network::load(repo("fixtures/onnx/leaky_prelu.onnx")).unwrap();
    assert_eq!(
        leaky.layers()[4],
        Layer::Activation(Activation::LeakyRelu {
            alpha: Q::from_f32(0.2).unwrap()
        })
    );
    assert_eq!(
        leaky.layers()[1],
        Layer::Activation(Activation::PRelu {
            alpha: vec![Q::new(1, 4), Q::new(-1, 2)]
        })
    );
}

fn load_err(path: &str) -> String {
    Network::load(repo(path)).unwrap_err().to_string()
}

#[test]
fn onnx_unsupported_operators_name_the_node_and_the_fix() {
    let e = load_err("fixtures/onnx/sigmoid.onnx");
    assert!(e.contains("sigmoid.onnx"), "{e}");
    assert!(e.contains("node 1 \"act\" (Sigmoid)"), "{e}");
    assert!(e.contains("not piecewise linear"), "{e}");
    let e = load_err("fixtures/onnx/softmax.onnx");
    assert!(e.contains("node 3 \"softmax\" (Softmax)"), "{e}");
    assert!(
        e.contains("analyse the logits: export the model without the Softmax"),
        "{e}"
    );
}

// ---------------------------------------------------------------------------------------
// Models built here, to cover every dtype and operator form.

pub(crate) fn tensor(name: &str, dims: &[i64]) -> TensorProto {
    TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        ..Default::default()
    }
}

pub(crate) fn f32s(name: &str, dims: &[i64], v: &[f32]) -> TensorProto {
    TensorProto {
        data_type: 1,
        float_data: v.to_vec(),
        ..tensor(name, dims)
    }
}

pub(crate) fn f32s_raw(name: &str, dims: &[i64], v: &[f32]) -> TensorProto {
    TensorProto {
        data_type: 1,
        raw_data: v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        ..tensor(name, dims)
    }
}

pub(crate) fn ints(name: &str, dims: &[i64], v: &[i64]) -> TensorProto {
    TensorProto {
        data_type: 7,
        int64_data: v.to_vec(),
        ..tensor(name, dims)
    }
}

pub(crate) fn node(
    op: &str,
    inputs: &[&str],
    output: &str,
    attrs: Vec<AttributeProto>,
) -> NodeProto {
    NodeProto {
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![output.into()],
        name: format!("my_{}", op.to_lowercase()),
        op_type: op.into(),
        attribute: attrs,
        ..Default::default()
    }
}

pub(crate) fn attr_f(name: &str, f: f32) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        f,
        r#type: 1,
        ..Default::default()
    }
}

pub(crate) fn attr_i(name: &str, i: i64) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        i,
        r#type: 2,
        ..Default::default()
    }
}

pub(crate) fn attr_is(name: &str, v: &[i64]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        ints: v.to_vec(),
        r#type: 7,
        ..Default::default()
    }
}

pub(crate) fn value_info(name: &str, dims: &[Option<i64>]) -> ValueInfoProto {
    ValueInfoProto {
        name: name.into(),
        r#type: Some(TypeProto {
            tensor_type: Some(TypeProtoTensor {
                elem_type: 1,
                shape: Some(TensorShapeProto {
                    dim: dims
                        .iter()
                        .map(|d| Dimension {
                            value: Some(match d {
                                Some(v) => DimensionValue::DimValue(*v),
                                None => DimensionValue::DimParam("N".into()),
                            }),
                        })
                        .collect(),
                }),
            }),
        }),
    }
}

pub(crate) fn build(
    opset: i64,
    input: &[Option<i64>],
    nodes: Vec<NodeProto>,
    init: Vec<TensorProto>,
    output: &str,
) -> Vec<u8> {
    ModelProto {
        ir_version: 8,
        opset_import: vec![OperatorSetIdProto {
            domain: String::new(),
            version: opset,
        }],
        graph: Some(GraphProto {
            node: nodes,
            name: "built".into(),
            initializer: init,
            input: vec![value_info("x", input)],
            output: vec![value_info(output, &[])],
        }),
        ..Default::default()
    }
    .encode_to_vec()
}

pub(crate) fn q(s: &str) -> Q {
    Q::parse(s).unwrap()
}

pub(crate) fn qs(v: &[&str]) -> Vec<Q> {
    v.iter().map(|s| q(s)).collect()
}

#[test]
fn every_dtype_and_encoding_is_exact() {
    let third32 = 1.0f32 / 3.0;
    let third64 = 1.0f64 / 3.0;
    let half_bits: u16 = 0x3555; // the float16 nearest 1/3: 1365/4096
    let init = vec![
        // float64, typed field and raw_data
        TensorProto {
            data_type: 11,
            double_data: vec![third64, 0.1],
            ..tensor("w1", &[1, 2])
        },
        TensorProto {
            data_type: 11,
            raw_data: [0.1f64, third64]
                .iter()
                .flat_map(|x| x.to_le_bytes())
                .collect(),
            ..tensor("w1r", &[1, 2])
        },
        // float16, raw_data and int32_data
        TensorProto {
            data_type: 10,
            raw_data: half_bits.to_le_bytes().to_vec(),
            ..tensor("b1", &[1])
        },
        TensorProto {
            data_type: 10,
            int32_data: vec![half_bits as i32],
            ..tensor("b1t", &[1])
        },
        // int32, typed and raw; int64 raw
        TensorProto {
            data_type: 6,
            int32_data: vec![-3],
            ..tensor("w2", &[1, 1])
        },
        TensorProto {
            data_type: 6,
            raw_data: 5i32.to_le_bytes().to_vec(),
            ..tensor("w3", &[1, 1])
        },
        TensorProto {
            data_type: 7,
            raw_data: 7i64.to_le_bytes().to_vec(),
            ..tensor("a", &[1])
        },
        // float32, typed and raw
        f32s("m", &[], &[third32]),
        f32s_raw("m2", &[1, 1], &[0.1]),
    ];
    let nodes = vec![
        node("Gemm", &["x", "w1", "b1"], "h1", vec![attr_i("transB", 1)]),
        node("MatMul", &["h1", "w2"], "h2", vec![]),
        node("MatMul", &["h2", "w3"], "h3", vec![]),
        node("Add", &["a", "h3"], "h4", vec![]),
        node("Mul", &["h4", "m"], "h5", vec![]),
        node("Mul", &["h5", "m2"], "h6", vec![]),
        node(
            "Gemm",
            &["h6", "w1r", "b1t"],
            "y",
            vec![attr_f("alpha", 0.5)],
        ),
    ];
    let net = from_onnx_bytes(
        &build(13, &[None, Some(2)], nodes, init, "y"),
        "dtypes.onnx",
    )
    .unwrap();
    let third_d = Q::from_f64(third64).unwrap();
    let tenth_d = Q::from_f64(0.1).unwrap();
    let t32 = Q::from_f32(third32).unwrap();
    let tenth32 = Q::from_f32(0.1).unwrap();
    let half = Q::from_f16_bits(half_bits).unwrap();
    assert_eq!(half, Q::new(1365, 4096));
    assert_ne!(tenth_d, Q::new(1, 10));
    assert_ne!(tenth_d, tenth32);
    let Layer::Dense { weights, bias } = &net.layers()[0] else {
        panic!("{:?}", net.layers()[0])
    };
    assert_eq!(weights.row(0), [third_d.clone(), tenth_d.clone()]);
    assert_eq!(bias, std::slice::from_ref(&half));
    let x = [q("3"), q("-1/2")];
    let h1 = &third_d * &x[0] + &tenth_d * &x[1] + &half;
    let h6 = ((&h1 * q("-3") * q("5")) + q("7")) * &t32 * &tenth32;
    // The last Gemm: B = w1r is [in = 1, out = 2] (transB = 0), alpha = 1/2, and the bias
    // C = b1t is broadcast from one value (beta = 1).
    let y = vec![
        q("1/2") * &tenth_d * &h6 + &half,
        q("1/2") * &third_d * &h6 + &half,
    ];
    assert_eq!(net.eval(&x).unwrap(), y);
    // A chain that does not fit names the node.
    let e = from_onnx_bytes(
        &build(
            13,
            &[None, Some(2)],
            vec![node("MatMul", &["x", "w2"], "y", vec![])],
            vec![TensorProto {
                data_type: 6,
                int32_data: vec![-3],
                ..tensor("w2", &[1, 1])
            }],
            "y",
        ),
        "bad.onnx",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("node 0 \"my_matmul\" (MatMul)"), "{e}");
    assert!(
        e.contains("takes rows of 1 values, but the value [1, 2] has rows of 2"),
        "{e}"
    );
}

pub(crate) fn one_op(
    opset: i64,
    nodes: Vec<NodeProto>,
    init: Vec<TensorProto>,
) -> Result<Network, Error> {
    let out = nodes.last().unwrap().output[0].clone();
    from_onnx_bytes(
        &build(opset, &[Some(1), Some(3)], nodes, init, &out),
        "t.onnx",
    )
}

pub(crate) fn eval(net: &Network, x: &[&str]) -> Vec<Q> {
    net.eval(&qs(x)).unwrap()
}

#[test]
fn clip_in_every_form() {
    // Opset 11+: bounds as inputs; opset < 11: attributes.
    let both = one_op(
        13,
        vec![node("Clip", &["x", "lo", "hi"], "y", vec![])],
        vec![f32s("lo", &[], &[-0.5]), f32s("hi", &[], &[2.0])],
    )
    .unwrap();
    assert_eq!(
        both.layers(),
        [Layer::Activation(Activation::HardTanh {
            min: q("-1/2"),
            max: q("2")
        })]
    );
    let attrs = one_op(
        10,
        vec![node(
            "Clip",
            &["x"],
            "y",
            vec![attr_f("min", -0.5), attr_f("max", 2.0)],
        )],
        vec![],
    )
    .unwrap();
    assert_eq!(attrs.layers(), both.layers());
    // Only a minimum: relu(x - lo) + lo; only a maximum: hi - relu(hi - x).
    let lo = one_op(
        13,
        vec![node("Clip", &["x", "lo"], "y", vec![])],
        vec![f32s("lo", &[], &[-0.5])],
    )
    .unwrap();
    assert_eq!(eval(&lo, &["-3", "0", "7"]), qs(&["-1/2", "0", "7"]));
    let hi = one_op(
        13,
        vec![node("Clip", &["x", "", "hi"], "y", vec![])],
        vec![f32s("hi", &[], &[0.25])],
    )
    .unwrap();
    assert_eq!(eval(&hi, &["-3", "0", "7"]), qs(&["-3", "0", "1/4"]));
    let relu6 = one_op(
        13,
        vec![node("Clip", &["x", "lo"], "y", vec![])],
        vec![f32s("lo", &[], &[0.0])],
    )
    .unwrap();
    assert_eq!(relu6.layers(), [Layer::Activation(Activation::Relu)]);
    let bad = one_op(
        13,
        vec![node("Clip", &["x", "lo", "hi"], "y", vec![])],
        vec![f32s("lo", &[], &[1.0]), f32s("hi", &[], &[1.0])],
    )
    .unwrap_err()
    .to_string();
    assert!(bad.contains("min 1 >= max 1"), "{bad}");
}

#[test]
fn elementwise_constants_fold_or_become_layers() {
    // Sub with the constant first: c - x; Div by a constant; BatchNormalization without an
    // affine neighbour becomes a diagonal dense layer.
    let net = one_op(
        13,
        vec![
            node("Sub", &["c", "x"], "a", vec![]),
            node("Div", &["a", "d"], "y", vec![]),
        ],
        vec![f32s("c", &[3], &[1.0, 2.0, 3.0]), f32s("d", &[], &[4.0])],
    )
    .unwrap();
    assert_eq!(net.layers().len(), 1);
    assert_eq!(eval(&net, &["1", "1", "1"]), qs(&["0", "1/4", "1/2"]));
    // A BatchNormalization whose var + eps is a perfect square is exact: no note.
    let bn = one_op(
        15,
        vec![
            node(
                "BatchNormalization",
                &["x", "g", "b", "m", "v"],
                "h",
                vec![attr_f("epsilon", 0.0)],
            ),
            node("Relu", &["h"], "y", vec![]),
        ],
        vec![
            f32s("g", &[3], &[1.0, 2.0, 0.5]),
            f32s("b", &[3], &[0.0, 1.0, -1.0]),
            f32s("m", &[3], &[1.0, 0.0, 0.0]),
            f32s("v", &[3], &[4.0, 1.0, 0.25]),
        ],
    )
    .unwrap();
    assert!(bn.notes.is_empty(), "{:?}", bn.notes);
    // (x - m)·g/sqrt(v) + b: (3-1)/2 = 1; 3·2 + 1 = 7; 3·0.5/0.5 - 1 = 2.
    assert_eq!(eval(&bn, &["3", "3", "3"]), qs(&["1", "7", "2"]));
    let kinds: Vec<_> = bn.layers().iter().map(Layer::kind).collect();
    assert_eq!(kinds, ["dense", "relu"]);
}

#[test]
fn reshape_flatten_and_pooling_forms() {
    let conv_w = f32s("w", &[1, 1, 1, 1], &[2.0]);
    let in4 = [Some(1), Some(1), Some(4), Some(4)];
    let build4 = |nodes: Vec<NodeProto>, init: Vec<TensorProto>| {
        let out = nodes.last().unwrap().output[0].clone();
        from_onnx_bytes(&build(17, &in4, nodes, init, &out), "p.onnx")
    };
    let net = build4(
        vec![
            node(
                "Conv",
                &["x", "w"],
                "c",
                vec![attr_is("kernel_shape", &[1, 1])],
            ),
            node("GlobalAveragePool", &["c"], "g", vec![]),
            node("Reshape", &["g", "s"], "y", vec![]),
        ],
        vec![conv_w.clone(), ints("s", &[2], &[1, -1])],
    )
    .unwrap();
    let kinds: Vec<_> = net.layers().iter().map(Layer::kind).collect();
    assert_eq!(kinds, ["conv2d", "avg_pool2d", "flatten"]);
    let x: Vec<Q> = (0..16).map(Q::from_int).collect();
    assert_eq!(net.eval(&x).unwrap(), vec![q("15")]);
    // PyTorch's x.view(x.size(0), -1) without constant folding: Shape, Gather, Unsqueeze,
    // Concat and Cast of the shape, then Reshape.
    let view = build4(
        vec![
            node("Conv", &["x", "w"], "c", vec![]),
            node("Shape", &["c"], "s", vec![]),
            node("Gather", &["s", "zero"], "n", vec![]),
            node("Unsqueeze", &["n", "axes"], "n1", vec![]),
            node("Cast", &["minus1"], "m1", vec![attr_i("to", 7)]),
            node("Concat", &["n1", "m1"], "shape", vec![attr_i("axis", 0)]),
            node("Reshape", &["c", "shape"], "y", vec![]),
        ],
        vec![
            conv_w.clone(),
            ints("zero", &[], &[0]),
            ints("axes", &[1], &[0]),
            ints("minus1", &[1], &[-1]),
        ],
    )
    .unwrap();
    let kinds: Vec<_> = view.layers().iter().map(Layer::kind).collect();
    assert_eq!(kinds, ["conv2d", "flatten"]);
    assert_eq!(view.output_dim(), 16);
    // SAME padding that is symmetric.
    let same = build4(
        vec![node(
            "MaxPool",
            &["x"],
            "y",
            vec![
                attr_is("kernel_shape", &[3, 3]),
                AttributeProto {
                    name: "auto_pad".into(),
                    s: b"SAME_UPPER".to_vec(),
                    r#type: 3,
                    ..Default::default()
                },
            ],
        )],
        vec![],
    )
    .unwrap();
    assert_eq!(
        same.layers(),
        [Layer::MaxPool2d {
            kernel: (3, 3),
            stride: (1, 1),
            padding: (1, 1)
        }]
    );
    // AveragePool with padding that does not count it.
    let e = build4(
        vec![node(
            "AveragePool",
            &["x"],
            "y",
            vec![
                attr_is("kernel_shape", &[2, 2]),
                attr_is("pads", &[1, 1, 1, 1]),
            ],
        )],
        vec![],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("count_include_pad"), "{e}");
    let e = build4(
        vec![node(
            "Conv",
            &["x", "w"],
            "y",
            vec![attr_is("pads", &[0, 0, 1, 1])],
        )],
        vec![conv_w.clone()],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("not symmetric"), "{e}");
    let e = build4(
        vec![node("Conv", &["x", "w"], "y", vec![attr_i("group", 2)])],
        vec![conv_w.clone()],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("group"), "{e}");
    // A reshape of the input to any dims of the same size keeps the values' order: the
    // network takes them flat.
    let net = build4(
        vec![node("Reshape", &["x", "s"], "y", vec![])],
        vec![ints("s", &[3], &[1, 4, 4])],
    )
    .unwrap();
    assert_eq!(net.input_shape(), relucheck::Shape::Flat(16));
}

#[test]
fn branches_and_other_unsupported_graphs_are_clear_errors() {
    // A branch inside the branch of a residual block.
    let e = one_op(
        13,
        vec![
            node("Relu", &["x"], "r", vec![]),
            node("Abs", &["r"], "a", vec![]),
            node("Relu", &["r"], "b", vec![]),
            node("Add", &["b", "x"], "y", vec![]),
        ],
        vec![],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("\"my_relu\" (Relu)"), "{e}");
    assert!(
        e.contains("is not the end of a branch of the residual block from `x`"),
        "{e}"
    );
    let e = one_op(13, vec![node("Tanh", &["x"], "y", vec![])], vec![])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("Tanh") && e.contains("not piecewise linear"),
        "{e}"
    );
    let e = one_op(13, vec![node("Concat", &["x"], "y", vec![])], vec![])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("operator Concat is not supported; supported operators: Gemm"),
        "{e}"
    );
    let e = one_op(
        13,
        vec![node("LeakyRelu", &["x"], "y", vec![attr_i("bogus", 1)])],
        vec![],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("attribute `bogus`"), "{e}");
    let e = one_op(22, vec![node("Relu", &["x"], "y", vec![])], vec![])
        .unwrap_err()
        .to_string();
    assert!(e.contains("opset 22") && e.contains("opset_version"), "{e}");
    let mut ext = f32s("lo", &[], &[]);
    ext.data_location = 1;
    let e = one_op(13, vec![node("Clip", &["x", "lo"], "y", vec![])], vec![ext])
        .unwrap_err()
        .to_string();
    assert!(e.contains("save_as_external_data=False"), "{e}");
    let e = one_op(
        13,
        vec![node("Add", &["x", "c"], "y", vec![])],
        vec![TensorProto {
            data_type: 9,
            ..tensor("c", &[1])
        }],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("BOOL") && e.contains("float32"), "{e}");
    let e = one_op(
        13,
        vec![node("Add", &["x", "c"], "y", vec![])],
        vec![f32s_raw("c", &[100_000, 100_000], &[1.0])],
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("initializer 0 \"c\"") && e.contains("more than"),
        "{e}"
    );
    let e = one_op(
        13,
        vec![node("Add", &["x", "c"], "y", vec![])],
        vec![f32s("c", &[2], &[1.0, 2.0])],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("does not broadcast"), "{e}");
    let e = one_op(
        13,
        vec![node("Add", &["x", "c"], "y", vec![])],
        vec![f32s("c", &[3], &[1.0, f32::NAN, 2.0])],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("NaN"), "{e}");
}

// ---------------------------------------------------------------------------------------
// NNet

#[test]
fn nnet_outputs_match_the_hand_computation() {
    let text = std::fs::read_to_string(repo("fixtures/nnet/tiny.nnet")).unwrap();
    let unclamped = NnetOptions {
        clamp: false,
        ..NnetOptions::default()
    };
    let net = from_nnet_str(&text, "tiny.nnet", unclamped).unwrap();
    // Layers: normalisation, dense, relu, dense, de-normalisation.
    let kinds: Vec<_> = net.layers().iter().map(Layer::kind).collect();
    assert_eq!(kinds, ["dense", "dense", "relu", "dense", "dense"]);
    // x_norm = ((x0 - 0.5)/2, (x1 - 1)/4); h = relu([[0.1, -0.2], [0.3, 0.4]] x_norm +
    // [0.5, -0.6]); y = (1.5 h0 - 2 h1 + 0.25) · 10 + 0.
    for (x, y) in [
        (["3/2", "3"], "37/4"),  // x_norm (1/2, 1/2): h (0.45, 0) -> 0.925
        (["1/2", "1"], "10"),    // x_norm (0, 0): h (0.5, 0) -> 1
        (["-3/2", "5"], "11/2"), // (-1, 1): h (0.2, 0) -> 0.55
        (["5/2", "-3"], "29/2"), // (1, -1): h (0.8, 0) -> 1.45
        (["9/2", "9"], "-9"),    // (2, 2): h (0.3, 0.8) -> -0.9
    ] {
        assert_eq!(eval(&net, &x), vec![q(y)], "f({x:?})");
    }
    // The decimals are exact: 0.1 is 1/10, not the nearest double.
    let Layer::Dense { weights, .. } = &net.layers()[1] else {
        panic!()
    };
    assert_eq!(weights.row(0)[0], Q::new(1, 10));
    assert!(
        net.notes[0].contains("without the clamp") && net.notes[0].contains("--box -1:1,0:2"),
        "{:?}",
        net.notes
    );
    let bare_options = NnetOptions {
        normalize: false,
        clamp: false,
    };
    let bare = from_nnet_str(&text, "tiny.nnet", bare_options).unwrap();
    assert_eq!(bare.layers().len(), 3);
    assert_eq!(eval(&bare, &["2", "2"]), qs(&["-9/10"]));
    assert_eq!(eval(&bare, &["1/2", "1/2"]), qs(&["37/40"]));
    // The box for the normalised inputs: ((-1 - 0.5)/2 : (1 - 0.5)/2, (0-1)/4 : (2-1)/4).
    assert!(
        bare.notes[0].contains("--box -3/4:1/4,-1/4:1/4"),
        "{:?}",
        bare.notes
    );
    let opts = ImportOptions { nnet: bare_options };
    assert_eq!(
        relucheck::net::import::load(repo("fixtures/nnet/tiny.nnet"), opts)
            .unwrap()
            .layers(),
        bare.layers()
    );
    assert_eq!(Network::from_json_str(&net.to_json()).unwrap(), net);
}

#[test]
fn nnet_errors_name_the_line() {
    let text = std::fs::read_to_string(repo("fixtures/nnet/tiny.nnet")).unwrap();
    let err = |t: &str| {
        from_nnet_str(t, "bad.nnet", NnetOptions::default())
            .unwrap_err()
            .to_string()
    };
    let cut: String = text.lines().take(14).collect::<Vec<_>>().join("\n");
    let e = err(&cut);
    assert!(
        e.contains("bad.nnet: at end of file") && e.contains("truncated"),
        "{e}"
    );
    let e = err(&text.replace("0.3,0.4,", "0.3,zero,"));
    assert!(
        e.contains("at line 12") && e.contains("layer 1 weight row 2"),
        "{e}"
    );
    let e = err(&text.replace("0.3,0.4,", "0.3,"));
    assert!(
        e.contains("at line 12") && e.contains("2 comma-separated numbers, found 1"),
        "{e}"
    );
    let e = err(&format!("{text}1,\n"));
    assert!(e.contains("extra data"), "{e}");
    let e = err(&text.replace("2.0,4.0,10.0,", "0,4.0,10.0,"));
    assert!(e.contains("--no-normalize"), "{e}");
    let e = err(&text.replace("2,2,1,\n", "3,2,1,\n"));
    assert!(e.contains("inputSize 2"), "{e}");
    let e = err("2,5000,1,5000,\n5000,5000,1,\n0,\n");
    assert!(e.contains("at line 2") && e.contains("more than"), "{e}");
    let e = err("1,5000,1,5000,\n5000,1,\n0,\n");
    assert!(e.contains("--no-normalize"), "{e}");
    let e = err("// only comments\n");
    assert!(e.contains("no data"), "{e}");
}

// ---------------------------------------------------------------------------------------
// Robustness: damaged and random bytes give errors, never panics.

fn fixture_bytes() -> Vec<Vec<u8>> {
    VALID
        .iter()
        .map(|n| std::fs::read(repo(&format!("fixtures/onnx/{n}.onnx"))).unwrap())
        .collect()
}

#[test]
fn every_truncation_of_every_fixture_is_handled() {
    for bytes in fixture_bytes() {
        for cut in 0..bytes.len() {
            if let Err(e) = from_onnx_bytes(&bytes[..cut], "cut.onnx") {
                assert!(e.to_string().starts_with("cut.onnx: at "), "{e}");
            }
        }
    }
    let text = std::fs::read_to_string(repo("fixtures/nnet/tiny.nnet")).unwrap();
    for cut in 0..text.len() {
        let _ = from_nnet_str(&text[..cut], "cut.nnet", NnetOptions::default());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = from_onnx_bytes(&bytes, "random.onnx");
        let _ = from_nnet_str(&String::from_utf8_lossy(&bytes), "random.nnet", NnetOptions::default());
    }

    #[test]
    fn damaged_fixtures_never_panic(which in 0usize..5, edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut bytes = fixture_bytes().swap_remove(which);
        for (i, b) in edits {
            let k = i.index(bytes.len());
            bytes[k] = b;
        }
        if let Err(e) = from_onnx_bytes(&bytes, "damaged.onnx") {
            prop_assert!(e.to_string().starts_with("damaged.onnx: at "));
        }
    }

    #[test]
    fn random_nnet_lines_never_panic(lines in proptest::collection::vec("[-0-9.,e/ ]{0,12}", 0..30)) {
        let text = format!("2,2,1,2,\n2,2,1,\n{}", lines.join("\n"));
        let _ = from_nnet_str(&text, "random.nnet", NnetOptions::default());
    }
}

// ---------------------------------------------------------------------------------------
// The command line.

#[test]
fn cli_import_and_direct_use() {
    let tmp = tempfile::Builder::new()
        .prefix("relucheck-import-")
        .tempdir()
        .unwrap();
    let dir = tmp.path().to_path_buf();
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("mlp.json");
    let o = relucheck(&[
        "import",
        "fixtures/onnx/mlp.onnx",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let via_json = relucheck(&["eval", out.to_str().unwrap(), "--input", "1,2,3,4"]);
    let direct = relucheck(&["eval", "fixtures/onnx/mlp.onnx", "--input", "1,2,3,4"]);
    assert!(direct.status.success());
    assert_eq!(stdout(&via_json), stdout(&direct));
    let o = relucheck(&[
        "import",
        "fixtures/nnet/tiny.nnet",
        "--no-normalize",
        "--no-clamp",
    ]);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("note:") && err.contains("without the clamp"),
        "{err}"
    );
    let net = Network::from_json_str(&stdout(&o)).unwrap();
    assert_eq!(net.layers().len(), 3);
    // By default the input (3/2, 3) is clamped to (1, 2), as the NNet reference reader
    // does: x_norm (1/4, 1/4), h (0.475, 0), y = (1.5·0.475 + 0.25)·10 = 77/8.
    let o = relucheck(&["eval", "fixtures/nnet/tiny.nnet", "--input", "3/2,3"]);
    assert!(stdout(&o).contains("[77/8]"), "{}", stdout(&o));
    let o = relucheck(&["import", "fixtures/nnet/tiny.nnet", "--no-clamp"]);
    let net = Network::from_json_str(&stdout(&o)).unwrap();
    assert_eq!(eval(&net, &["3/2", "3"]), qs(&["37/4"]));
    let o = relucheck(&["import", "fixtures/onnx/softmax.onnx"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("analyse the logits") && !err.contains("panicked"),
        "{err}"
    );
}
