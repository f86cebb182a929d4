//! ONNX constant folding sizes: graphs of constant nodes (Concat, Transpose, Unsqueeze,
//! Squeeze, Gather, Identity, Cast) chosen by the fuzzer, folded by the importer. It must
//! refuse what exceeds its bounds with an error, never panic, and never allocate past
//! libFuzzer's memory limit (`-rss_limit_mb`, 2048 MB by default), however the nodes
//! multiply sizes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use prost::Message;
use relucheck::net::import::onnx_proto::*;

fn attr_i(name: &str, i: i64) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        i,
        r#type: 2,
        ..Default::default()
    }
}

fn attr_is(name: &str, v: &[i64]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        ints: v.to_vec(),
        r#type: 7,
        ..Default::default()
    }
}

fn node(op: &str, inputs: &[String], output: &str, attribute: Vec<AttributeProto>) -> NodeProto {
    NodeProto {
        input: inputs.to_vec(),
        output: vec![output.into()],
        name: format!("n_{output}"),
        op_type: op.into(),
        attribute,
        ..Default::default()
    }
}

fn value_info(name: &str, dims: &[i64]) -> ValueInfoProto {
    ValueInfoProto {
        name: name.into(),
        r#type: Some(TypeProto {
            tensor_type: Some(TypeProtoTensor {
                elem_type: 1,
                shape: Some(TensorShapeProto {
                    dim: dims
                        .iter()
                        .map(|&d| Dimension {
                            value: Some(DimensionValue::DimValue(d)),
                        })
                        .collect(),
                }),
            }),
        }),
    }
}

/// The graph the bytes describe: a constant `c0`, then per 3 bytes one folding node on
/// earlier values, then `y = Relu(x)`.
fn graph(data: &[u8]) -> Vec<u8> {
    let n0 = 1 + (data.first().copied().unwrap_or(0) % 8) as usize;
    let c0 = TensorProto {
        name: "c0".into(),
        dims: vec![n0 as i64],
        data_type: 7,
        int64_data: (0..n0 as i64).collect(),
        ..Default::default()
    };
    let mut nodes = Vec::new();
    let mut init = vec![c0];
    for (k, op) in data.get(1..).unwrap_or(&[]).chunks(3).take(64).enumerate() {
        let pick = |b: u8| format!("c{}", b as usize % (k + 1));
        let (a, b) = (pick(op[0]), pick(*op.get(1).unwrap_or(&0)));
        let arg = *op.get(2).unwrap_or(&0) as i64;
        let out = format!("c{}", k + 1);
        let n = match op[0] % 7 {
            0 => node("Concat", &[a, b], &out, vec![attr_i("axis", arg % 3 - 1)]),
            1 => node(
                "Transpose",
                &[a],
                &out,
                vec![attr_is("perm", &[0, arg % 2][..1 + (arg as usize % 2)])],
            ),
            2 => node("Unsqueeze", &[a], &out, vec![attr_is("axes", &[arg % 3])]),
            3 => node("Squeeze", &[a], &out, vec![attr_is("axes", &[arg % 2])]),
            4 => {
                let idx = format!("i{k}");
                init.push(TensorProto {
                    name: idx.clone(),
                    dims: vec![(arg % 4 + 1)],
                    data_type: 7,
                    int64_data: (0..arg % 4 + 1).map(|v| v % 2).collect(),
                    ..Default::default()
                });
                node("Gather", &[a, idx], &out, vec![attr_i("axis", 0)])
            }
            5 => node("Identity", &[a], &out, vec![]),
            _ => node("Cast", &[a], &out, vec![attr_i("to", 1 + arg % 11)]),
        };
        nodes.push(n);
    }
    nodes.push(node("Relu", &["x".into()], "y", vec![]));
    ModelProto {
        ir_version: 8,
        opset_import: vec![OperatorSetIdProto {
            domain: String::new(),
            version: 11,
        }],
        graph: Some(GraphProto {
            node: nodes,
            name: "folding".into(),
            initializer: init,
            input: vec![value_info("x", &[1, 2])],
            output: vec![value_info("y", &[1, 2])],
        }),
        ..Default::default()
    }
    .encode_to_vec()
}

fuzz_target!(|data: &[u8]| {
    let bytes = graph(data);
    if let Ok(net) = relucheck::net::import::from_onnx_bytes(&bytes, "folding.onnx") {
        assert_eq!(net.input_dim(), 2, "the chain is y = Relu(x)");
    }
});
