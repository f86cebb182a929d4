//! Residual blocks (issue 18): the format, exact evaluation, regions, properties and
//! certificates through `y = P(x) + F(x)`, each compared with a plain network written by
//! hand or with a count known from the mathematics.

use proptest::prelude::*;
use relucheck::analysis::certificate::{Certificate, verify};
use relucheck::{
    Affine, Checker, Domain, Enumerator, Layer, Matrix, Network, Outcome, Property, Q,
};
use serde_json::{Value, json};

fn q(n: i64) -> Q {
    Q::from_int(n)
}

fn net(input: usize, layers: Value) -> Network {
    let doc = json!({"relucheck": 1, "input_shape": [input], "layers": layers});
    Network::from_json_str(&doc.to_string()).unwrap()
}

fn parse_err(input: Value, layers: Value) -> String {
    let doc = json!({"relucheck": 1, "input_shape": input, "layers": layers});
    Network::from_json_str(&doc.to_string())
        .unwrap_err()
        .to_string()
}

fn unit_box(d: usize) -> Domain {
    Domain::boxed(vec![Q::ZERO; d], vec![Q::ONE; d]).unwrap()
}

/// The tent map t(x) = 2x - 4·relu(x - 1/2) on [0, 1] as a block with a projection skip
/// P(x) = 2x, composed `k` times.
fn tent_projection(k: usize) -> Network {
    let block = json!({"type": "residual",
        "layers": [
            {"type": "dense", "weights": [[1]], "bias": ["-1/2"]},
            {"type": "relu"},
            {"type": "dense", "weights": [[-4]], "bias": [0]}],
        "skip": [{"type": "dense", "weights": [[2]], "bias": [0]}]});
    net(1, Value::Array(vec![block; k]))
}

/// The tent map 2·relu(x) - 4·relu(x - 1/2) as x + F(x) with an identity skip:
/// F(x) = relu(x) + relu(-x) - 4·relu(x - 1/2) (since x = relu(x) - relu(-x)), composed
/// `k` times.
fn tent_identity(k: usize) -> Network {
    let block = json!({"type": "residual", "layers": [
        {"type": "dense", "weights": [[1], [1], [-1]], "bias": [0, "-1/2", 0]},
        {"type": "relu"},
        {"type": "dense", "weights": [[1, -4, 1]], "bias": [0]}]});
    net(1, Value::Array(vec![block; k]))
}

/// The tent map written directly, `k` times (an independent reference).
fn tent(x: &Q, k: usize) -> Q {
    let mut v = x.clone();
    for _ in 0..k {
        let half = Q::new(1, 2);
        v = if v <= half {
            q(2) * &v
        } else {
            q(2) - q(2) * &v
        };
    }
    v
}

#[test]
fn tent_map_as_residual_blocks_has_two_to_the_k_pieces() {
    for k in 1..=5 {
        for n in [tent_projection(k), tent_identity(k)] {
            let r = Enumerator::new(&n, unit_box(1)).run().unwrap();
            assert!(r.is_complete());
            assert_eq!(r.regions.len(), 1 << k, "k = {k}: {n}");
            assert_eq!(r.piece_count, Some(1 << k), "k = {k}");
            for region in &r.regions {
                let x = &region.interior_point;
                assert_eq!(region.map.apply(x), vec![tent(&x[0], k)]);
            }
        }
    }
    // At the kinks and the ends, evaluation agrees with the tent map itself.
    let n = tent_identity(3);
    for t in 0..=16 {
        let x = Q::new(t, 16);
        assert_eq!(n.eval(std::slice::from_ref(&x)).unwrap(), vec![tent(&x, 3)]);
    }
}

#[test]
fn residual_tent_matches_the_plain_tent_example() {
    let plain = Network::load(crate::repo("examples/tent-3.json")).unwrap();
    let res = tent_projection(3);
    let a = Enumerator::new(&plain, unit_box(1)).run().unwrap();
    let b = Enumerator::new(&res, unit_box(1)).run().unwrap();
    let maps = |r: &relucheck::Regions| -> Vec<(Vec<Q>, Affine)> {
        r.regions
            .iter()
            .map(|x| (x.interior_point.clone(), x.map.clone()))
            .collect()
    };
    assert_eq!(a.regions.len(), b.regions.len());
    for ((_, ma), (pb, mb)) in maps(&a).iter().zip(maps(&b)) {
        assert_eq!(ma.apply(&pb), mb.apply(&pb));
        assert_eq!(ma, &mb);
    }
}

/// x + relu(x) - relu(x) = x.
fn cancelling() -> Network {
    net(
        2,
        json!([{"type": "residual", "layers": [
            {"type": "dense", "weights": [[1, 0], [1, 0], [0, 1]], "bias": [0, 0, "-1/3"]},
            {"type": "relu"},
            {"type": "dense", "weights": [[1, -1, 0], [0, 0, 0]], "bias": [0, 0]}]}]),
    )
}

#[test]
fn a_block_that_cancels_is_linear_and_certified() {
    let n = cancelling();
    let dom = Domain::boxed(vec![q(-1); 2], vec![q(1); 2]).unwrap();
    let checker = Checker::new(&n, dom.clone());
    for p in [Property::Linear, Property::Affine] {
        let v = checker.check(p).unwrap();
        assert!(matches!(v.outcome, Outcome::Holds), "{p:?}: {v:?}");
    }
    let regions = checker.regions().unwrap();
    // relu(x1) splits at x1 = 0, the unused relu(x2 - 1/3) at x2 = 1/3: 4 regions, one map.
    assert_eq!(regions.regions.len(), 4);
    assert_eq!(regions.piece_count, Some(1));
    for r in &regions.regions {
        assert_eq!(r.map, Affine::identity(2), "y = x on every region");
    }
    let c = Certificate::build(&n, Property::Linear, &dom, &regions)
        .unwrap()
        .to_json();
    assert_eq!(verify(&c, &n).unwrap().regions, 4);
    // The same certificate does not pass for the block with a projection skip [[1, 0], [0, 2]]
    // (still linear, but another network: the fingerprint covers the skip path).
    let Layer::Residual { layers, .. } = n.layers()[0].clone() else {
        unreachable!()
    };
    let skip = vec![Layer::Dense {
        weights: Matrix::from_rows(vec![vec![q(1), q(0)], vec![q(0), q(2)]]).unwrap(),
        bias: vec![Q::ZERO; 2],
    }];
    let other = Network::new(
        relucheck::Shape::Flat(2),
        vec![Layer::Residual { layers, skip }],
    )
    .unwrap();
    let e = verify(&c, &other).unwrap_err().to_string();
    assert!(e.contains("made for a different network"), "{e}");
    // On the whole space too (LP path), and oddness through the doubled network.
    let whole = Checker::new(&n, Domain::whole(2));
    for p in [Property::Additivity, Property::Odd, Property::Linear] {
        let v = whole.check(p).unwrap();
        assert!(matches!(v.outcome, Outcome::Holds), "{p:?}: {v:?}");
    }
}

#[test]
fn a_block_that_bends_fails_with_an_exact_counterexample() {
    // x + relu(x): 2x for x > 0, x for x < 0; not linear, but positively homogeneous.
    let n = net(
        1,
        json!([{"type": "residual", "layers": [{"type": "relu"}]}]),
    );
    let c = Checker::new(&n, Domain::whole(1));
    let v = c.check(Property::Linear).unwrap();
    let Outcome::Fails(cx) = &v.outcome else {
        panic!("{v:?}")
    };
    // Re-checked with x + relu(x) written out.
    let f = |v: &Q| v + v.clone().max(Q::ZERO);
    match cx {
        relucheck::Counterexample::Homogeneity { a, x, .. } => {
            assert_ne!(a * &f(&x[0]), f(&(a * &x[0])));
        }
        relucheck::Counterexample::Affine { x, y, .. } => {
            let mid = (&x[0] + &y[0]) / q(2);
            assert_ne!((f(&x[0]) + f(&y[0])) / q(2), f(&mid));
        }
        other => panic!("unexpected kind: {other:?}"),
    }
    assert!(matches!(
        c.check(Property::PositiveHomogeneity).unwrap().outcome,
        Outcome::Holds
    ));
    assert_eq!(n.eval(&[q(3)]).unwrap(), vec![q(6)]);
    assert_eq!(n.eval(&[q(-3)]).unwrap(), vec![q(-3)]);
}

#[test]
fn trace_and_pattern_number_the_units_of_the_branch_then_the_skip() {
    // Branch: relu(x - 1) (1 unit); skip: relu(-x) via dense then relu (1 unit).
    let n = net(
        1,
        json!([
            {"type": "residual",
             "layers": [{"type": "dense", "weights": [[1]], "bias": [-1]}, {"type": "relu"}],
             "skip": [{"type": "dense", "weights": [[-1]], "bias": [0]}, {"type": "relu"}]},
            {"type": "relu"}]),
    );
    let t = n.trace(&[q(2)]).unwrap();
    assert_eq!(t.pattern().to_string(), "10|1");
    assert_eq!(t.output(), &[q(1)]);
    let t = n.trace(&[q(-2)]).unwrap();
    assert_eq!(t.pattern().to_string(), "01|1");
    assert_eq!(t.output(), &[q(2)]);
    assert_eq!(n.nonlinear_units(), 3);
    // The block's inner layers, traced: their patterns make up the block's, and the
    // branch plus the skip is its output.
    let t = n.trace(&[q(2)]).unwrap();
    let inner = n.trace_block(0, &t.layers[0].input);
    let paths: Vec<&str> = inner.iter().map(|b| b.path.as_str()).collect();
    assert_eq!(paths, ["layers[0]", "layers[1]", "skip[0]", "skip[1]"]);
    let digits: Vec<u8> = inner.iter().flat_map(|b| b.trace.pattern.clone()).collect();
    assert_eq!(digits, t.layers[0].pattern);
    assert_eq!(
        vec![&inner[1].trace.output[0] + &inner[3].trace.output[0]],
        t.layers[0].output
    );
    assert!(n.trace_block(1, &t.layers[1].input).is_empty());
    // Regions carry the same patterns as the trace at their interior points.
    let r = Enumerator::new(&n, Domain::whole(1)).run().unwrap();
    assert_eq!(r.regions.len(), 3);
    for region in &r.regions {
        let t = n.trace(&region.interior_point).unwrap();
        assert_eq!(t.pattern(), region.pattern);
        assert_eq!(region.map.apply(&region.interior_point), t.output());
        assert_eq!(r.locate(&n, &region.interior_point), Some(region.id));
    }
}

#[test]
fn blocks_round_trip_through_json() {
    let n = net(
        2,
        json!([
            {"type": "residual",
             "layers": [{"type": "dense", "weights": [[1, 2], [3, 4]]}, {"type": "relu"},
                        {"type": "residual", "layers": [{"type": "abs"}]}],
             "skip": [{"type": "dense", "weights": [["1/2", 0], [0, 1]], "bias": [1, 2]}]},
            {"type": "residual", "layers": [{"type": "leaky_relu"}]}]),
    );
    let back = Network::from_json_str(&n.to_json()).unwrap();
    assert_eq!(back, n);
    let v: Value = serde_json::from_str(&n.to_json()).unwrap();
    assert!(
        v["layers"][1].get("skip").is_none(),
        "an identity skip is not written"
    );
    assert_eq!(n.to_string(), "residual 2->2, residual 2->2");
}

#[test]
fn bad_blocks_are_errors_naming_the_place() {
    let e = parse_err(json!([2]), json!([{"type": "residual", "layers": []}]));
    assert!(
        e.contains("at layers[0].layers: ") && e.contains("empty"),
        "{e}"
    );
    let e = parse_err(json!([2]), json!([{"type": "residual"}]));
    assert!(
        e.contains("at layers[0]: a `residual` layer needs the field `layers`"),
        "{e}"
    );
    let e = parse_err(
        json!([2]),
        json!([{"type": "residual", "layers": [{"type": "dense", "weights": [[1, 1]]}]}]),
    );
    assert!(
        e.contains("at layers[0].layers: ") && e.contains("[1]") && e.contains("[2]"),
        "the branch's and the skip's shapes: {e}"
    );
    let e = parse_err(
        json!([2]),
        json!([{"type": "relu"}, {"type": "residual", "layers": [
            {"type": "relu"}, {"type": "dense", "weights": [[1, 1, 1]]}]}]),
    );
    assert!(
        e.contains("at layers[1].layers[1]: dense: expected weights with 2 columns"),
        "{e}"
    );
    let e = parse_err(
        json!([2]),
        json!([{"type": "residual", "layers": [{"type": "relu"}],
                "skip": [{"type": "dense", "weights": [[1, 1]]}]}]),
    );
    assert!(e.contains("the skip path gives [1]"), "{e}");
    let e = parse_err(
        json!([1]),
        json!([{"type": "residual", "layers": [{"type": "residual", "layers": [{"type": "elu"}]}]}]),
    );
    assert!(
        e.contains("at layers[0].layers[0].layers[0]: elu: not piecewise linear"),
        "{e}"
    );
    let e = parse_err(
        json!([1]),
        json!([{"type": "residual", "layers": [{"type": "relu"}], "skp": []}]),
    );
    assert!(e.contains("skp"), "{e}");
    // Nesting beyond the limit.
    let mut layer = json!({"type": "relu"});
    for _ in 0..=relucheck::net::residual::MAX_RESIDUAL_DEPTH {
        layer = json!({"type": "residual", "layers": [layer]});
    }
    let e = parse_err(json!([1]), json!([layer]));
    assert!(e.contains("nested 17 deep; at most 16"), "{e}");
}

#[test]
fn conv_blocks_with_a_1x1_projection_evaluate_like_the_sum_of_their_branches() {
    // A 1x3x3 image, branch conv 3x3 (2 channels, padding 1) + relu; skip 1x1 conv to 2
    // channels. Reference: the two branches as separate networks, summed.
    let conv = json!({"type": "conv2d",
        "weights": [[[[1, 0, -1], [2, 0, -2], [1, 0, -1]]], [[[0, 1, 0], [1, -4, 1], [0, 1, 0]]]],
        "bias": [0, "1/2"], "padding": 1});
    let proj = json!({"type": "conv2d", "weights": [[[[2]]], [[["-1/3"]]]], "bias": [1, 0]});
    let block = json!({"type": "residual", "layers": [conv.clone(), {"type": "relu"}], "skip": [proj.clone()]});
    let doc = |layers: Value| {
        Network::from_json_str(
            &json!({"relucheck": 1, "input_shape": [1, 3, 3], "layers": layers}).to_string(),
        )
        .unwrap()
    };
    let n = doc(json!([block, {"type": "flatten"}]));
    let f = doc(json!([conv, {"type": "relu"}, {"type": "flatten"}]));
    let p = doc(json!([proj, {"type": "flatten"}]));
    let x: Vec<Q> = (0..9).map(|i| Q::new(i * 7 % 5 - 2, 3)).collect();
    let sum: Vec<Q> = f
        .eval(&x)
        .unwrap()
        .iter()
        .zip(p.eval(&x).unwrap())
        .map(|(a, b)| a + b)
        .collect();
    assert_eq!(n.eval(&x).unwrap(), sum);
    // Through a 2-D slice of the 9-D input, every region's map is the network there.
    let slice = Domain::slice(
        vec![Q::ZERO; 9],
        (0..9).map(|i| q(i % 2)).collect(),
        (0..9).map(|i| q(1 - i % 3)).collect(),
        Some((vec![q(-1), q(-1)], vec![q(1), q(1)])),
    )
    .unwrap();
    let r = Enumerator::new(&n, slice).run().unwrap();
    assert!(r.regions.len() > 1);
    for region in &r.regions {
        let y = &region.interior_point;
        let x = r.domain.to_input(y);
        assert_eq!(region.map.apply(y), n.eval(&x).unwrap());
    }
}

/// A random small block on `n` inputs with `h` hidden ReLUs and an optional projection,
/// and the same function as a plain network written by hand: the block's input passes the
/// ReLU layer as relu(x) - relu(-x), so on inputs > 0 the plain network has the same
/// regions (its extra units never change piece there).
fn block_and_plain(
    n: usize,
    w1: &[i64],
    b1: &[i64],
    w2: &[i64],
    proj: Option<&[i64]>,
) -> (Network, Network) {
    let h = b1.len();
    let m = |rows: usize, cols: usize, v: &[i64]| -> Vec<Vec<Q>> {
        (0..rows)
            .map(|i| (0..cols).map(|j| q(v[i * cols + j])).collect())
            .collect()
    };
    let (w1m, w2m) = (m(h, n, w1), m(n, h, w2));
    let pm = proj.map_or_else(
        || {
            (0..n)
                .map(|i| (0..n).map(|j| q(i64::from(i == j))).collect())
                .collect()
        },
        |p| m(n, n, p),
    );
    let dense = |rows: Vec<Vec<Q>>, bias: Vec<Q>| Layer::Dense {
        weights: Matrix::from_rows(rows).unwrap(),
        bias,
    };
    let skip = proj.map_or_else(Vec::new, |_| vec![dense(pm.clone(), vec![Q::ZERO; n])]);
    let block = Layer::Residual {
        layers: vec![
            dense(w1m.clone(), b1.iter().map(|&b| q(b)).collect()),
            Layer::Activation(relucheck::Activation::Relu),
            dense(w2m.clone(), vec![Q::ZERO; n]),
        ],
        skip,
    };
    let res = Network::new(relucheck::Shape::Flat(n), vec![block]).unwrap();
    // Plain: [W1; I; -I] -> relu -> [W2, P, -P].
    let mut first = w1m;
    let mut bias = b1.iter().map(|&b| q(b)).collect::<Vec<_>>();
    for s in [1, -1] {
        for i in 0..n {
            first.push((0..n).map(|j| q(s * i64::from(i == j))).collect());
            bias.push(Q::ZERO);
        }
    }
    let second: Vec<Vec<Q>> = (0..n)
        .map(|i| {
            let mut row = w2m[i].clone();
            row.extend(pm[i].iter().cloned());
            row.extend(pm[i].iter().map(|v| -v));
            row
        })
        .collect();
    let plain = Network::new(
        relucheck::Shape::Flat(n),
        vec![
            dense(first, bias),
            Layer::Activation(relucheck::Activation::Relu),
            dense(second, vec![Q::ZERO; n]),
        ],
    )
    .unwrap();
    (res, plain)
}

/// Inputs, W1, b1, W2 and an optional projection, as integers.
type Case = (usize, Vec<i64>, Vec<i64>, Vec<i64>, Option<Vec<i64>>);

fn case() -> impl Strategy<Value = Case> {
    (1usize..=2, 1usize..=3).prop_flat_map(|(n, h)| {
        (
            Just(n),
            proptest::collection::vec(-3i64..=3, h * n),
            proptest::collection::vec(-4i64..=4, h),
            proptest::collection::vec(-3i64..=3, n * h),
            proptest::option::of(proptest::collection::vec(-2i64..=2, n * n)),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// On the box [1, 2]^n (where the plain network's extra units never switch), the
    /// residual network and the hand-flattened plain one have the same regions: the same
    /// number, each region of one inside a region of the other with the same map, and the
    /// same pieces of the branch's units.
    #[test]
    fn regions_through_a_block_equal_those_of_the_flattened_network(
        (n, w1, b1, w2, proj) in case()
    ) {
        let (res, plain) = block_and_plain(n, &w1, &b1, &w2, proj.as_deref());
        let dom = Domain::boxed(vec![q(1); n], vec![q(2); n]).unwrap();
        let a = Enumerator::new(&res, dom.clone()).run().unwrap();
        let b = Enumerator::new(&plain, dom.clone()).run().unwrap();
        prop_assert_eq!(a.regions.len(), b.regions.len());
        prop_assert_eq!(a.piece_count, b.piece_count);
        let h = b1.len();
        for r in &a.regions {
            let id = b.locate(&plain, &r.interior_point).expect("a region of the plain net");
            let other = &b.regions[id];
            prop_assert_eq!(&r.map, &other.map);
            prop_assert_eq!(&r.pattern.0[0][..], &other.pattern.0[1][..h]);
        }
        // The LP path (as on unbounded domains) finds the same regions.
        let orth = Domain::orthant(n);
        let a = Enumerator::new(&res, orth).run().unwrap();
        for r in &a.regions {
            let x = &r.interior_point;
            prop_assert_eq!(r.map.apply(x), plain.eval(x).unwrap());
            prop_assert_eq!(res.trace(x).unwrap().pattern(), r.pattern.clone());
        }
    }

    /// Evaluation through a block equals the plain network everywhere (also at x < 0,
    /// where relu(x) - relu(-x) is still x).
    #[test]
    fn evaluation_through_a_block_equals_the_flattened_network(
        (n, w1, b1, w2, proj) in case(),
        x in proptest::collection::vec(-20i64..=20, 2),
        d in 1i64..=7,
    ) {
        let (res, plain) = block_and_plain(n, &w1, &b1, &w2, proj.as_deref());
        let x: Vec<Q> = x[..n].iter().map(|&v| Q::new(v, d)).collect();
        prop_assert_eq!(res.eval(&x).unwrap(), plain.eval(&x).unwrap());
        prop_assert_eq!(res.trace_plain(&x).unwrap(), res.trace(&x).unwrap());
        let enc = res.eval_enclosure(&x, 64).unwrap();
        prop_assert!(enc.iter().zip(res.eval(&x).unwrap()).all(|(i, v)| i.is_point() && i.contains(&v)));
    }
}

// ---------------------------------------------------------------------------------------
// ONNX

use crate::import::{attr_i, attr_is, build, f32s, node};
use relucheck::net::import::from_onnx_bytes;

/// A graph on an input [1, n] (or the dims given), read back.
fn onnx(
    input: &[Option<i64>],
    nodes: Vec<relucheck::net::import::onnx_proto::NodeProto>,
    init: Vec<relucheck::net::import::onnx_proto::TensorProto>,
) -> relucheck::Result<Network> {
    let out = nodes.last().unwrap().output[0].clone();
    from_onnx_bytes(&build(13, input, nodes, init, &out), "r.onnx")
}

#[test]
fn onnx_identity_skip_becomes_a_residual_layer() {
    // y = relu(W x + b) + x, the Add's operands in either order, then a Relu.
    for swap in [false, true] {
        let add = if swap { ["x", "r"] } else { ["r", "x"] };
        let n = onnx(
            &[Some(1), Some(2)],
            vec![
                node("Gemm", &["x", "w", "b"], "h", vec![attr_i("transB", 1)]),
                node("Relu", &["h"], "r", vec![]),
                node("Add", &add, "s", vec![]),
                node("Relu", &["s"], "y", vec![]),
            ],
            vec![
                f32s("w", &[2, 2], &[1.0, -2.0, 0.5, 1.0]),
                f32s("b", &[2], &[0.25, -1.0]),
            ],
        )
        .unwrap();
        assert_eq!(n.to_string(), "built: residual 2->2, relu");
        // By hand: x = (1, 1/2): W x + b = (1/4, 0) -> relu (1/4, 0); + x = (5/4, 1/2).
        assert_eq!(
            n.eval(&[q(1), Q::new(1, 2)]).unwrap(),
            vec![Q::new(5, 4), Q::new(1, 2)]
        );
        // x = (-1, 2): W x + b = (-19/4, 0.5) -> (0, 1/2); + x = (-1, 5/2) -> relu (0, 5/2).
        assert_eq!(n.eval(&[q(-1), q(2)]).unwrap(), vec![Q::ZERO, Q::new(5, 2)]);
    }
}

#[test]
fn onnx_projection_skip_is_the_shorter_branch() {
    // Conv 3x3 + Relu + Conv 3x3 (1 -> 2 channels) on the branch, a 1x1 Conv (1 -> 2
    // channels) on the skip, declared between the branch's nodes.
    let n = onnx(
        &[Some(1), Some(1), Some(3), Some(3)],
        vec![
            node(
                "Conv",
                &["x", "c1"],
                "h1",
                vec![attr_is("pads", &[1, 1, 1, 1])],
            ),
            node("Conv", &["x", "p"], "sk", vec![]),
            node("Relu", &["h1"], "r1", vec![]),
            node(
                "Conv",
                &["r1", "c2"],
                "h2",
                vec![attr_is("pads", &[1, 1, 1, 1])],
            ),
            node("Add", &["sk", "h2"], "y", vec![]),
        ],
        vec![
            f32s(
                "c1",
                &[1, 1, 3, 3],
                &[0.0, 1.0, 0.0, 1.0, -4.0, 1.0, 0.0, 1.0, 0.0],
            ),
            f32s("c2", &[2, 1, 3, 3], &[1.0; 18]),
            f32s("p", &[2, 1, 1, 1], &[2.0, -0.5]),
        ],
    )
    .unwrap();
    let Layer::Residual { layers, skip } = &n.layers()[0] else {
        panic!("{n}")
    };
    assert_eq!(layers.len(), 3);
    assert_eq!(skip.len(), 1);
    // By hand at the image with a single 1 in the centre: conv1 gives -4 at the centre and
    // 1 at its 4 neighbours, relu keeps the 4 ones; conv2 (all ones, padding 1) sums each
    // 3x3 neighbourhood of that, in both channels; the skip adds 2 and -1/2 at the centre.
    let mut x = vec![Q::ZERO; 9];
    x[4] = q(1);
    let r1 = [0, 1, 0, 1, 0, 1, 0, 1, 0];
    let mut h2 = [0i64; 9];
    for i in 0..3i64 {
        for j in 0..3i64 {
            for di in -1..=1 {
                for dj in -1..=1 {
                    let (a, b) = (i + di, j + dj);
                    if (0..3).contains(&a) && (0..3).contains(&b) {
                        h2[(i * 3 + j) as usize] += r1[(a * 3 + b) as usize];
                    }
                }
            }
        }
    }
    let mut want = vec![];
    for s in [q(2), Q::new(-1, 2)] {
        for (k, v) in h2.iter().enumerate() {
            let skip = if k == 4 { s.clone() } else { Q::ZERO };
            want.push(q(*v) + skip);
        }
    }
    assert_eq!(n.eval(&x).unwrap(), want);
}

#[test]
fn onnx_branches_that_are_not_residual_blocks_are_refused_with_the_reason() {
    let gemm = || vec![f32s("w", &[2, 2], &[1.0, 0.0, 0.0, 1.0])];
    let err = |nodes| {
        onnx(&[Some(1), Some(2)], nodes, gemm())
            .unwrap_err()
            .to_string()
    };
    let e = err(vec![
        node("Relu", &["x"], "r", vec![]),
        node("Concat", &["r", "x"], "y", vec![attr_i("axis", 1)]),
    ]);
    assert!(
        e.contains("\"my_concat\" (Concat)")
            && e.contains("Concat of two branches (from `x`) is not supported"),
        "{e}"
    );
    let e = err(vec![
        node("Relu", &["x"], "r", vec![]),
        node("Mul", &["r", "x"], "y", vec![]),
    ]);
    assert!(
        e.contains("Mul of two branches") && e.contains("not piecewise linear"),
        "{e}"
    );
    let e = err(vec![
        node("Relu", &["x"], "a", vec![]),
        node("Abs", &["x"], "b", vec![]),
        node("Add", &["a", "b"], "c", vec![]),
        node("Add", &["c", "x"], "y", vec![]),
    ]);
    assert!(
        e.contains("value `x`") && e.contains("is read by 3 nodes"),
        "{e}"
    );
    let e = err(vec![
        node("Relu", &["x"], "a", vec![]),
        node("Abs", &["x"], "y", vec![]),
    ]);
    assert!(e.contains("is not closed"), "{e}");
    // Branch shapes that do not add up: a Gemm to 1 value beside the identity.
    let e = onnx(
        &[Some(1), Some(2)],
        vec![
            node("Gemm", &["x", "w"], "h", vec![attr_i("transB", 1)]),
            node("Add", &["h", "x"], "y", vec![]),
        ],
        vec![f32s("w", &[1, 2], &[1.0, 1.0])],
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("\"my_add\" (Add)") && e.contains("the branch gives [1]"),
        "{e}"
    );
}

#[test]
fn onnx_residual_fixtures_match_the_float64_reference_of_the_generator() {
    for name in ["residual_identity", "residual_projection"] {
        let net = Network::load(crate::repo(&format!("fixtures/onnx/{name}.onnx"))).unwrap();
        assert!(
            net.layers()
                .iter()
                .any(|l| matches!(l, Layer::Residual { .. })),
            "{name}: {net}"
        );
        let text =
            std::fs::read_to_string(crate::repo(&format!("fixtures/onnx/{name}.json"))).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        let cases = doc["cases"].as_array().unwrap();
        assert!(cases.len() >= 3);
        for case in cases {
            let bits = |v: &Value| -> Vec<f32> {
                v.as_array()
                    .unwrap()
                    .iter()
                    .map(|b| f32::from_bits(b.as_u64().unwrap() as u32))
                    .collect()
            };
            let x: Vec<Q> = bits(&case["input_bits"])
                .iter()
                .map(|&v| Q::from_f32(v).unwrap())
                .collect();
            let got = net.eval(&x).unwrap();
            let reference: Vec<f64> = case["reference_float64"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            assert_eq!(got.len(), reference.len());
            let scale = reference.iter().fold(1e-3f64, |m, r| m.max(r.abs()));
            for (g, r) in got.iter().zip(&reference) {
                // float64 rounding of a few dozen products: far below 1e-12 of the scale.
                assert!(
                    (g.to_f64() - r).abs() <= 1e-12 * scale,
                    "{name}: exact {g} vs float64 {r}"
                );
            }
        }
    }
}

#[test]
fn the_residual_tent_example_is_the_tent_example_on_the_unit_interval() {
    let res = Network::load(crate::repo("examples/tent-residual.json")).unwrap();
    assert_eq!(res.layers(), tent_projection(3).layers());
    let plain = Network::load(crate::repo("examples/tent-3.json")).unwrap();
    for t in 0..=64 {
        let x = [Q::new(t, 64)];
        assert_eq!(res.eval(&x).unwrap(), plain.eval(&x).unwrap());
    }
    let r = Enumerator::new(&res, unit_box(1)).run().unwrap();
    assert_eq!((r.regions.len(), r.piece_count), (8, Some(8)));
    assert_eq!(res.nonlinear_units(), 3);
}

/// Random layers for files: small dense layers of any size, activations, and residual
/// blocks of them (nested), most of which do not fit together.
fn random_layer() -> impl Strategy<Value = Value> {
    let dense = (
        1usize..=3,
        1usize..=3,
        proptest::collection::vec(-3i64..=3, 9),
    )
        .prop_map(|(r, c, v)| {
            let rows: Vec<Vec<i64>> = (0..r)
                .map(|i| (0..c).map(|j| v[i * 3 + j]).collect())
                .collect();
            json!({"type": "dense", "weights": rows, "bias": v[..r].to_vec()})
        });
    let leaf = prop_oneof![
        3 => dense,
        2 => Just(json!({"type": "relu"})),
        1 => Just(json!({"type": "abs"})),
        1 => Just(json!({"type": "hard_tanh", "min": -1, "max": "1/2"})),
        1 => Just(json!({"type": "leaky_relu"})),
        1 => Just(json!({"type": "flatten"})),
        1 => Just(json!({"type": "elu"})),
    ];
    leaf.prop_recursive(3, 16, 3, |inner| {
        (
            proptest::collection::vec(inner.clone(), 0..3),
            proptest::collection::vec(inner, 0..2),
            any::<bool>(),
        )
            .prop_map(|(layers, skip, with_skip)| {
                let mut m = json!({"type": "residual", "layers": layers});
                if with_skip {
                    m["skip"] = Value::Array(skip);
                }
                m
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    /// Random files with residual blocks (about one in ten fits together and loads): an error or a network, never a panic; what loads
    /// round-trips, evaluates like the plain evaluation in Q, and its regions on a box
    /// carry the map and the pattern of the network at their interior points.
    #[test]
    fn random_blocks_load_or_fail_cleanly_and_what_loads_is_consistent(
        n in 1usize..=2,
        layers in proptest::collection::vec(random_layer(), 1..3),
    ) {
        let doc = json!({"relucheck": 1, "input_shape": [n], "layers": layers});
        let Ok(net) = Network::from_json_str(&doc.to_string()) else {
            return Ok(());
        };
        prop_assert_eq!(&Network::from_json_str(&net.to_json()).unwrap(), &net);
        let x: Vec<Q> = (0..n).map(|i| Q::new(i as i64 * 3 - 1, 4)).collect();
        if net.is_curved() {
            prop_assert!(net.eval(&x).is_err());
            return Ok(());
        }
        prop_assert_eq!(net.trace(&x).unwrap(), net.trace_plain(&x).unwrap());
        let dom = Domain::boxed(vec![q(-1); n], vec![q(1); n]).unwrap();
        let r = Enumerator::new(&net, dom).with_max_regions(2000).run().unwrap();
        for region in &r.regions {
            let t = net.trace(&region.interior_point).unwrap();
            prop_assert_eq!(region.map.apply(&region.interior_point), t.output().to_vec());
            prop_assert_eq!(&region.pattern, &t.pattern());
        }
    }
}

#[test]
fn cli_traces_checks_and_verifies_through_blocks() {
    use crate::cli::{relucheck, stdout};
    let o = relucheck(&[
        "eval",
        "examples/tent-residual.json",
        "--input",
        "1/3",
        "--trace",
    ]);
    assert_eq!(
        stdout(&o),
        [
            "input  [1/3]",
            "layer 0 residual    -> [2/3]   pattern 0",
            "  layers[0] dense -> [-1/6]",
            "  layers[1] relu -> [0]   pattern 0",
            "  layers[2] dense -> [0]",
            "  skip[0] dense -> [2/3]",
            "layer 1 residual    -> [2/3]   pattern 1",
            "  layers[0] dense -> [1/6]",
            "  layers[1] relu -> [1/6]   pattern 1",
            "  layers[2] dense -> [-2/3]",
            "  skip[0] dense -> [4/3]",
            "layer 2 residual    -> [2/3]   pattern 1",
            "  layers[0] dense -> [1/6]",
            "  layers[1] relu -> [1/6]   pattern 1",
            "  layers[2] dense -> [-2/3]",
            "  skip[0] dense -> [4/3]",
            "output [2/3]\n",
        ]
        .join("\n")
    );
    let dir = std::env::temp_dir().join(format!("relucheck-residual-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (net, cert) = (dir.join("c.json"), dir.join("cert.json"));
    std::fs::write(&net, cancelling().to_json()).unwrap();
    let (net, cert) = (net.to_str().unwrap(), cert.to_str().unwrap());
    let o = relucheck(&["check", net, "--property", "linear", "--certificate", cert]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("f1(x1, x2) = x1; f2(x1, x2) = x2"),
        "{}",
        stdout(&o)
    );
    let o = relucheck(&["verify", cert, "--network", net]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).starts_with("certificate valid: linear holds"),
        "{}",
        stdout(&o)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_block_too_large_to_unroll_is_refused_for_regions_but_evaluates() {
    // A 1x60x60 image through a 3x3 conv block: unrolled with the carried input, one step
    // needs (3600 + 3600)^2 > 50,000,000 matrix entries.
    let doc = json!({"relucheck": 1, "input_shape": [1, 60, 60], "layers": [
        {"type": "residual", "layers": [
            {"type": "conv2d", "weights": [[[[0, 1, 0], [1, -4, 1], [0, 1, 0]]]], "padding": 1},
            {"type": "relu"}]}]});
    let n = Network::from_json_str(&doc.to_string()).unwrap();
    let x = vec![Q::ONE; 3600];
    // On all ones the Laplacian is 0 inside and negative on the border: relu gives 0, y = x.
    assert!(n.eval(&x).unwrap().iter().all(|v| *v == Q::ONE));
    let mut u = vec![Q::ZERO; 3600];
    u[0] = Q::ONE;
    let mut v = vec![Q::ZERO; 3600];
    v[1] = Q::ONE;
    let slice = Domain::slice(vec![Q::ZERO; 3600], u, v, None).unwrap();
    let e = Enumerator::new(&n, slice).run().unwrap_err().to_string();
    assert!(
        e.starts_with("layer 0 (residual): unrolled for region analysis") && e.contains("50000000"),
        "{e}"
    );
}

#[test]
fn the_builder_makes_the_same_blocks_as_the_file() {
    let built = Network::builder(1)
        .residual_with_skip(
            |f| f.dense([["1"]], ["-1/2"]).relu().dense([[-4]], [0]),
            |p| p.dense([[2]], [0]),
        )
        .residual(|f| f.abs())
        .build()
        .unwrap();
    let file = net(
        1,
        json!([
            {"type": "residual",
             "layers": [{"type": "dense", "weights": [[1]], "bias": ["-1/2"]}, {"type": "relu"},
                        {"type": "dense", "weights": [[-4]], "bias": [0]}],
             "skip": [{"type": "dense", "weights": [[2]], "bias": [0]}]},
            {"type": "residual", "layers": [{"type": "abs"}]}]),
    );
    assert_eq!(built, file);
    let e = Network::builder(2)
        .relu()
        .residual(|f| f.residual(|g| g.dense(vec![vec![1, 2], vec![3]], [0, 0])))
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("layer 1 (residual): at layers[0].layers[0]: dense: weights "),
        "{e}"
    );
    let e = Network::builder(2)
        .residual(|f| f.dense([[1, 2]], [0]))
        .build()
        .unwrap_err()
        .to_string();
    assert!(e.contains("the branch gives [1]"), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// A bias-free block (with or without a projection) is positively homogeneous; the
    /// decision holds on the whole space and its certificate, walked through the block's
    /// carried input, verifies.
    #[test]
    fn bias_free_blocks_are_positively_homogeneous_with_a_certificate(
        (n, w1, b1, w2, proj) in case()
    ) {
        let zeros = vec![0; b1.len()];
        let (res, _) = block_and_plain(n, &w1, &zeros, &w2, proj.as_deref());
        let dom = Domain::whole(n);
        let checker = Checker::new(&res, dom.clone());
        let v = checker.check(Property::PositiveHomogeneity).unwrap();
        prop_assert!(matches!(v.outcome, Outcome::Holds), "{:?}", v);
        let regions = checker.regions().unwrap();
        let c = Certificate::build(&res, Property::PositiveHomogeneity, &dom, &regions)
            .unwrap()
            .to_json();
        prop_assert_eq!(verify(&c, &res).unwrap().regions, regions.regions.len());
    }
}
