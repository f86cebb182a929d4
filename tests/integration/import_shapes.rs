//! The layouts published models use (issue 18), on models built here with small integer
//! weights, each compared with a reference written in the test: matrix products in `Q`
//! by their definition, transposes by index.

use super::import::{attr_i, attr_is, build, f32s, ints, node};
use proptest::prelude::*;
use relucheck::net::import::from_onnx_bytes;
use relucheck::{Network, Q, Shape};

/// `a [r, k] @ b [k, c]`, row-major, by the definition.
fn mm(a: &[Q], (r, k): (usize, usize), b: &[Q], c: usize) -> Vec<Q> {
    let mut out = vec![Q::ZERO; r * c];
    for i in 0..r {
        for j in 0..c {
            for l in 0..k {
                out[i * c + j] += &a[i * k + l] * &b[l * c + j];
            }
        }
    }
    out
}

/// The transpose of `a [r, c]`.
fn tr(a: &[Q], (r, c): (usize, usize)) -> Vec<Q> {
    (0..c * r).map(|e| a[(e % r) * c + e / r].clone()).collect()
}

fn qv(v: &[f32]) -> Vec<Q> {
    v.iter().map(|&x| Q::from_f32(x).unwrap()).collect()
}

/// Small integer weights from a seed, as f32 (exact).
fn weights(seed: u64, n: usize) -> Vec<f32> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 33) % 7) as f32 - 3.0
        })
        .collect()
}

fn load(bytes: &[u8]) -> Network {
    from_onnx_bytes(bytes, "t.onnx").unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn gemm_in_every_transposition_is_the_matrix_product(
        seed in any::<u64>(),
        (k, out) in (1usize..4, 1usize..4),
        trans_a in any::<bool>(),
        trans_b in any::<bool>(),
        x in proptest::collection::vec(-5i64..5, 3),
    ) {
        // A is the value: [1, k], or [k, 1] read transposed. B' is [k, out].
        let b = weights(seed, k * out);
        let c = weights(seed ^ 1, out);
        let b_dims = if trans_b { [out as i64, k as i64] } else { [k as i64, out as i64] };
        let input = if trans_a { [Some(k as i64), Some(1)] } else { [Some(1), Some(k as i64)] };
        let bytes = build(
            13,
            &input,
            vec![node(
                "Gemm",
                &["x", "b", "c"],
                "y",
                vec![attr_i("transA", trans_a.into()), attr_i("transB", trans_b.into())],
            )],
            vec![f32s("b", &b_dims, &b), f32s("c", &[out as i64], &c)],
            "y",
        );
        let net = load(&bytes);
        let x: Vec<Q> = x[..k].iter().map(|&v| Q::from_int(v)).collect();
        let bq = qv(&b);
        let bp = if trans_b { tr(&bq, (out, k)) } else { bq };
        let want: Vec<Q> = mm(&x, (1, k), &bp, out)
            .into_iter()
            .zip(qv(&c))
            .map(|(v, c)| v + c)
            .collect();
        prop_assert_eq!(net.eval(&x).unwrap(), want);
    }

    #[test]
    fn matmul_with_the_weight_on_either_side_is_the_matrix_product(
        seed in any::<u64>(),
        (m, k, cols) in (1usize..4, 1usize..4, 1usize..3),
        left in any::<bool>(),
        x in proptest::collection::vec(-5i64..5, 9),
    ) {
        let w = weights(seed, m * k);
        let wq = qv(&w);
        let xs: Vec<Q> = x[..k * cols].iter().map(|&v| Q::from_int(v)).collect();
        let (bytes, want) = if left {
            // W [m, k] @ x [1, k, cols] (a rank-3 input, as VNN-COMP's mnist nets).
            let bytes = build(
                13,
                &[Some(1), Some(k as i64), Some(cols as i64)],
                vec![node("MatMul", &["w", "x"], "y", vec![])],
                vec![f32s("w", &[m as i64, k as i64], &w)],
                "y",
            );
            (bytes, mm(&wq, (m, k), &xs, cols))
        } else {
            // x [1, cols, k] @ Wᵀ [k, m]: every row times the weight.
            let wt = tr(&wq, (m, k));
            let wt_f: Vec<f32> = wt.iter().map(|q| q.to_f64() as f32).collect();
            let bytes = build(
                13,
                &[Some(1), Some(cols as i64), Some(k as i64)],
                vec![node("MatMul", &["x", "w"], "y", vec![])],
                vec![f32s("w", &[k as i64, m as i64], &wt_f)],
                "y",
            );
            (bytes, mm(&xs, (cols, k), &wt, m))
        };
        let net = load(&bytes);
        prop_assert_eq!(net.eval(&xs).unwrap(), want);
    }
}

#[test]
fn a_one_dimensional_input_times_a_left_weight_is_nnet2onnx() {
    // y = W2 relu(W1 x + b1) + b2 on x of shape [2], as nnet2onnx writes it.
    let bytes = build(
        13,
        &[Some(2)],
        vec![
            node("MatMul", &["w1", "x"], "m1", vec![]),
            node("Add", &["m1", "b1"], "h1", vec![]),
            node("Relu", &["h1"], "r1", vec![]),
            node("MatMul", &["w2", "r1"], "m2", vec![]),
            node("Add", &["m2", "b2"], "y", vec![]),
        ],
        vec![
            f32s("w1", &[2, 2], &[1.0, -1.0, 2.0, 0.5]),
            f32s("b1", &[2], &[0.0, -1.0]),
            f32s("w2", &[1, 2], &[1.0, 1.0]),
            f32s("b2", &[1], &[0.25]),
        ],
        "y",
    );
    let net = load(&bytes);
    assert_eq!(net.input_shape(), Shape::Flat(2));
    let eval = |a: i64, b: i64| net.eval(&[Q::from_int(a), Q::from_int(b)]).unwrap();
    // x = (3, 1): h = (2, 5.5) -> 7.75; x = (-1, 2): h = (-3, -1) -> 0.25.
    assert_eq!(eval(3, 1), [Q::parse("31/4").unwrap()]);
    assert_eq!(eval(-1, 2), [Q::parse("1/4").unwrap()]);
}

#[test]
fn a_transpose_in_the_middle_is_absorbed_by_the_next_dense_layer() {
    // x [1, 2, 3] -> relu -> Transpose [0, 2, 1] -> [1, 3, 2] -> Flatten -> Gemm.
    let w: Vec<f32> = (0..6).map(|v| v as f32).collect();
    let bytes = build(
        13,
        &[Some(1), Some(2), Some(3)],
        vec![
            node("Relu", &["x"], "r", vec![]),
            node("Transpose", &["r"], "t", vec![attr_is("perm", &[0, 2, 1])]),
            node("Flatten", &["t"], "f", vec![]),
            node("Gemm", &["f", "w"], "y", vec![attr_i("transB", 1)]),
        ],
        vec![f32s("w", &[1, 6], &w)],
        "y",
    );
    let net = load(&bytes);
    let x: Vec<Q> = [1, -2, 3, 4, 5, -6]
        .iter()
        .map(|&v| Q::from_int(v))
        .collect();
    // relu: [[1, 0, 3], [4, 5, 0]]; transposed and flattened: 1, 4, 0, 5, 3, 0.
    let t = [1, 4, 0, 5, 3, 0];
    let want: i64 = t.iter().zip(0..).map(|(a, b)| a * b).sum();
    assert_eq!(net.eval(&x).unwrap(), [Q::from_int(want)]);
    assert_eq!(net.layers().len(), 2, "{:?}", net.layers());
    // A Transpose before a non-dense layer becomes a permutation layer.
    let bytes = build(
        13,
        &[Some(1), Some(2), Some(3)],
        vec![
            node("Relu", &["x"], "r", vec![]),
            node("Transpose", &["r"], "t", vec![attr_is("perm", &[0, 2, 1])]),
            node("Abs", &["t"], "y", vec![]),
        ],
        vec![],
        "y",
    );
    let got = load(&bytes).eval(&x).unwrap();
    assert_eq!(got, t.map(Q::from_int));
}

#[test]
fn a_leading_transpose_and_reshape_set_the_input_layout_and_say_so() {
    // NHWC [1, 2, 2, 1] -> NCHW is a reshape (the moved axis has size 1): no note.
    let bytes = build(
        13,
        &[Some(1), Some(2), Some(2), Some(1)],
        vec![
            node(
                "Transpose",
                &["x"],
                "t",
                vec![attr_is("perm", &[0, 3, 1, 2])],
            ),
            node("Relu", &["t"], "y", vec![]),
        ],
        vec![],
        "y",
    );
    let net = load(&bytes);
    assert_eq!(net.input_shape(), Shape::Chw(1, 2, 2));
    assert!(net.notes.is_empty(), "{:?}", net.notes);
    // [1, 2, 2, 3] -> [1, 3, 2, 2] permutes: the network takes the NCHW layout.
    let bytes = build(
        13,
        &[Some(1), Some(2), Some(2), Some(3)],
        vec![
            node(
                "Transpose",
                &["x"],
                "t",
                vec![attr_is("perm", &[0, 3, 1, 2])],
            ),
            node("Relu", &["t"], "y", vec![]),
        ],
        vec![],
        "y",
    );
    let net = load(&bytes);
    assert_eq!(net.input_shape(), Shape::Chw(3, 2, 2));
    assert!(
        net.notes[0].contains("[1, 2, 2, 3] to [1, 3, 2, 2]")
            && net.notes[0].contains("transposed layout"),
        "{:?}",
        net.notes
    );
    // A flat input reshaped to an image feeds a Conv.
    let bytes = build(
        13,
        &[None, Some(4)],
        vec![
            node("Reshape", &["x", "s"], "r", vec![]),
            node("Conv", &["r", "k"], "y", vec![]),
        ],
        vec![
            ints("s", &[4], &[-1, 1, 2, 2]),
            f32s("k", &[1, 1, 2, 2], &[1.0, 2.0, 3.0, 4.0]),
        ],
        "y",
    );
    let net = load(&bytes);
    assert_eq!(net.input_shape(), Shape::Chw(1, 2, 2));
    let x: Vec<Q> = (1..=4).map(Q::from_int).collect();
    assert_eq!(net.eval(&x).unwrap(), [Q::from_int(30)]);
}

#[test]
fn what_stays_out_is_refused_with_the_reason() {
    // A batch of 2 samples mixed with their values after a layer.
    let e = from_onnx_bytes(
        &build(
            13,
            &[Some(2), Some(3)],
            vec![
                node("Relu", &["x"], "r", vec![]),
                node("Gemm", &["r", "w"], "y", vec![attr_i("transA", 1)]),
            ],
            vec![f32s("w", &[2, 1], &[1.0, 1.0])],
            "y",
        ),
        "t.onnx",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("batch of 2 samples"), "{e}");
    // A weight whose size does not match.
    let e = from_onnx_bytes(
        &build(
            13,
            &[Some(3)],
            vec![node("MatMul", &["w", "x"], "y", vec![])],
            vec![f32s("w", &[1, 2], &[1.0, 1.0])],
            "y",
        ),
        "t.onnx",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("takes columns of 2 values"), "{e}");
    let e = from_onnx_bytes(
        &build(
            13,
            &[Some(1), Some(3)],
            vec![node(
                "Transpose",
                &["x"],
                "y",
                vec![attr_is("perm", &[0, 0])],
            )],
            vec![],
            "y",
        ),
        "t.onnx",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("not a permutation"), "{e}");
}
