//! Exact evaluation speed on nets with float32 weights, beside an f64 forward pass of the
//! same nets. Run with `cargo bench --bench eval`.
//!
//! The nets are drawn as trained ones look once imported from ONNX: weights ~ N(0, 1/fan_in)
//! and biases ~ N(0, 0.3^2), rounded to f32 and taken exactly ([`Q::from_f32`]). Inputs are
//! either dyadic (`k/255` rounded to f32, as a normalised image is stored) or the exact
//! short fractions `k/255`. A small net with short-decimal weights `k/1000` (the kind the
//! other benches use) shows the cost on nets the plain evaluation already did well.
//!
//! `main` first prints one table: the plain evaluation in `Q` (the one before the integer
//! evaluation, checked equal to it), the exact evaluation, the f64 forward pass, and the
//! ratio of the last two (each the fastest of 7 batches);
//! `cargo bench --bench eval -- none` prints only that. EVAL_CASE=N times one case only,
//! EVAL_REPEAT=N runs the exact evaluation N times (for a profiler) and skips the rest.

use divan::{Bencher, black_box};
use relucheck::{Activation, Layer, Matrix, Network, Q, Shape};
use std::time::Instant;

fn main() {
    let only: Option<usize> = env("EVAL_CASE");
    if let Some(repeat) = env::<usize>("EVAL_REPEAT") {
        for (i, case) in cases().into_iter().enumerate() {
            if only.is_none_or(|c| c == i) {
                for _ in 0..repeat {
                    black_box(case.net.eval(&case.input).unwrap());
                }
            }
        }
        return;
    }
    println!(
        "| net | input | plain Q per eval | exact: first eval | exact per eval | exact trace | f64 per forward pass | exact / f64 |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (i, case) in cases().into_iter().enumerate() {
        if only.is_some_and(|c| c != i) {
            continue;
        }
        // The plain evaluation in Q (what `eval` computed before the integer one), timed
        // once when slow, and checked against the integer evaluation.
        let start = Instant::now();
        let plain = case.net.trace_plain(&case.input).unwrap();
        let mut old = start.elapsed().as_secs_f64();
        if old < 0.05 {
            old = per_call(|| case.net.trace_plain(&case.input).unwrap().layers.len());
        }
        assert_eq!(
            case.net.trace(&case.input).unwrap(),
            plain,
            "{}",
            case.net_name
        );
        assert_eq!(case.net.eval(&case.input).unwrap(), plain.output());
        // The first evaluation of a network also brings its layers to integers.
        let fresh = Network::new(case.net.input_shape(), case.net.layers().to_vec()).unwrap();
        let start = Instant::now();
        black_box(fresh.eval(&case.input).unwrap());
        let first = start.elapsed().as_secs_f64();
        let exact = per_call(|| case.net.eval(&case.input).unwrap().len());
        let trace = per_call(|| case.net.trace(&case.input).unwrap().layers.len());
        let float = FloatNet::new(&case.net);
        let x: Vec<f64> = case.input.iter().map(Q::to_f64).collect();
        let f = per_call(|| float.forward(&x).len());
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {:.1}x |",
            case.net_name,
            case.input_name,
            show(old),
            show(first),
            show(exact),
            show(trace),
            show(f),
            exact / f
        );
    }
    divan::main();
}

fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// Seconds per call: the fastest of 7 batches of at least 40 ms each (the machine is
/// shared, and the fastest batch is the one least disturbed).
fn per_call<T>(mut f: impl FnMut() -> T) -> f64 {
    (0..7)
        .map(|_| {
            let start = Instant::now();
            let mut n = 0u32;
            while n < 2 || start.elapsed().as_secs_f64() < 0.04 {
                black_box(f());
                n += 1;
            }
            start.elapsed().as_secs_f64() / n as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn show(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

/// A seeded generator (SplitMix64) with normal samples by Box-Muller.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self, sd: f64) -> f64 {
        let (u, v) = (self.unit(), self.unit());
        sd * (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// `n` values ~ N(0, sd^2) rounded to f32, taken exactly.
    fn f32s(&mut self, n: usize, sd: f64) -> Vec<Q> {
        (0..n)
            .map(|_| Q::from_f32(self.normal(sd) as f32).expect("finite"))
            .collect()
    }
}

fn dense(rng: &mut Rng, n_in: usize, n_out: usize) -> Layer {
    let w = rng.f32s(n_in * n_out, (1.0 / n_in as f64).sqrt());
    Layer::Dense {
        weights: Matrix::from_rows(w.chunks(n_in).map(<[Q]>::to_vec).collect()).unwrap(),
        bias: rng.f32s(n_out, 0.3),
    }
}

/// Weights and biases `k/1000` in [-1, 1], like the short-decimal nets of the regions bench.
fn dense_decimal(rng: &mut Rng, n_in: usize, n_out: usize) -> Layer {
    let mut k = |n: usize| -> Vec<Q> {
        (0..n)
            .map(|_| Q::new((rng.next_u64() % 2001) as i64 - 1000, 1000))
            .collect()
    };
    let w = k(n_in * n_out);
    Layer::Dense {
        weights: Matrix::from_rows(w.chunks(n_in).map(<[Q]>::to_vec).collect()).unwrap(),
        bias: k(n_out),
    }
}

fn conv(rng: &mut Rng, cin: usize, cout: usize, stride: usize, pad: usize) -> Layer {
    Layer::Conv2d {
        weights: rng.f32s(cout * cin * 9, (1.0 / (cin * 9) as f64).sqrt()),
        out_channels: cout,
        in_channels: cin,
        kernel: (3, 3),
        bias: rng.f32s(cout, 0.3),
        stride: (stride, stride),
        padding: (pad, pad),
    }
}

/// An MLP with ReLU after every hidden layer; float32 weights, or `k/1000` when `decimal`.
fn mlp(widths: &[usize], seed: u64, decimal: bool) -> Network {
    let mut rng = Rng(seed);
    let mut layers = vec![];
    for (i, w) in widths.windows(2).enumerate() {
        layers.push(if decimal {
            dense_decimal(&mut rng, w[0], w[1])
        } else {
            dense(&mut rng, w[0], w[1])
        });
        if i + 2 < widths.len() {
            layers.push(Layer::Activation(Activation::Relu));
        }
    }
    Network::new(Shape::Flat(widths[0]), layers).unwrap()
}

/// 3x32x32 -> conv 16 3x3 pad 1 -> relu -> conv 32 3x3 stride 2 -> relu -> flatten -> dense 10.
fn cifar(seed: u64) -> Network {
    let mut rng = Rng(seed);
    let layers = vec![
        conv(&mut rng, 3, 16, 1, 1),
        Layer::Activation(Activation::Relu),
        conv(&mut rng, 16, 32, 2, 0),
        Layer::Activation(Activation::Relu),
        Layer::Flatten,
        dense(&mut rng, 32 * 15 * 15, 10),
    ];
    Network::new(Shape::Chw(3, 32, 32), layers).unwrap()
}

/// Pixels `k/255`, exactly or rounded to f32.
fn pixels(n: usize, seed: u64, dyadic: bool) -> Vec<Q> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|_| {
            let k = (rng.next_u64() % 256) as i64;
            if dyadic {
                Q::from_f32(k as f32 / 255.0).expect("finite")
            } else {
                Q::new(k, 255)
            }
        })
        .collect()
}

/// Inputs in [-1, 1] for the small nets, rounded to f32 or short decimals `k/1000`.
fn small_inputs(n: usize, seed: u64, dyadic: bool) -> Vec<Q> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|_| {
            let k = (rng.next_u64() % 2001) as i64 - 1000;
            if dyadic {
                Q::from_f32(k as f32 / 1000.0).expect("finite")
            } else {
                Q::new(k, 1000)
            }
        })
        .collect()
}

struct Case {
    net_name: &'static str,
    input_name: &'static str,
    net: Network,
    input: Vec<Q>,
}

fn cases() -> Vec<Case> {
    let mnist = mlp(&[784, 256, 256, 10], 1, false);
    let cifar = cifar(2);
    let small = mlp(&[2, 16, 16, 16, 1], 3, false);
    let mut out = vec![];
    for (dyadic, input_name) in [(true, "f32"), (false, "k/255")] {
        out.push(Case {
            net_name: "784-256-256-10",
            input_name,
            net: mnist.clone(),
            input: pixels(784, 10, dyadic),
        });
        out.push(Case {
            net_name: "conv 3x32x32",
            input_name,
            net: cifar.clone(),
            input: pixels(3 * 32 * 32, 11, dyadic),
        });
    }
    for (dyadic, input_name) in [(true, "f32"), (false, "k/1000")] {
        out.push(Case {
            net_name: "2-16-16-16-1",
            input_name,
            net: small.clone(),
            input: small_inputs(2, 12, dyadic),
        });
    }
    out.push(Case {
        net_name: "2-16-16-16-1 k/1000 weights",
        input_name: "k/1000",
        net: mlp(&[2, 16, 16, 16, 1], 4, true),
        input: small_inputs(2, 13, false),
    });
    out
}

const CASES: [usize; 7] = [0, 1, 2, 3, 4, 5, 6];

/// One exact evaluation.
#[divan::bench(args = CASES, sample_count = 10)]
fn exact(b: Bencher, case: usize) {
    let c = cases().swap_remove(case);
    b.bench(|| c.net.eval(black_box(&c.input)).unwrap());
}

/// One exact trace (every layer's input, output and pattern).
#[divan::bench(args = CASES, sample_count = 10)]
fn trace(b: Bencher, case: usize) {
    let c = cases().swap_remove(case);
    b.bench(|| c.net.trace(black_box(&c.input)).unwrap());
}

/// The f64 forward pass of the same net.
#[divan::bench(args = CASES, sample_count = 10)]
fn float(b: Bencher, case: usize) {
    let c = cases().swap_remove(case);
    let f = FloatNet::new(&c.net);
    let x: Vec<f64> = c.input.iter().map(Q::to_f64).collect();
    b.bench(|| f.forward(black_box(&x)));
}

/// The reference: the same layers in f64, in the loop order that vectorises (each input
/// scales a contiguous column of weights into the outputs), as a good plain forward pass is
/// written; no BLAS and no zero skipping.
struct FloatNet {
    layers: Vec<FloatLayer>,
}

enum FloatLayer {
    /// Weights column by column: `w[j * rows + i]`.
    Dense {
        w: Vec<f64>,
        b: Vec<f64>,
    },
    /// Weights tap by tap: `w[t * cout + oc]` with `t = (ic * 3 + ky) * 3 + kx`.
    Conv {
        w: Vec<f64>,
        b: Vec<f64>,
        cin: usize,
        hw: (usize, usize),
        stride: usize,
        pad: usize,
    },
    Relu,
    Flatten,
}

/// `m[r * cols + c]` to `t[c * rows + r]`.
fn transpose(m: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    let mut t = vec![0.0; m.len()];
    for r in 0..rows {
        for c in 0..cols {
            t[c * rows + r] = m[r * cols + c];
        }
    }
    t
}

impl FloatNet {
    fn new(net: &Network) -> FloatNet {
        let f = |v: &[Q]| v.iter().map(Q::to_f64).collect::<Vec<f64>>();
        let layers = net
            .layers()
            .iter()
            .zip(net.shapes())
            .map(|(layer, shape)| match layer {
                Layer::Dense { weights, bias } => {
                    let w: Vec<f64> = weights.iter_rows().flat_map(f).collect();
                    FloatLayer::Dense {
                        w: transpose(&w, weights.rows(), weights.cols()),
                        b: f(bias),
                    }
                }
                Layer::Conv2d {
                    weights,
                    out_channels,
                    in_channels,
                    bias,
                    stride,
                    padding,
                    ..
                } => {
                    let Shape::Chw(_, h, w) = *shape else {
                        unreachable!()
                    };
                    FloatLayer::Conv {
                        w: transpose(&f(weights), *out_channels, in_channels * 9),
                        b: f(bias),
                        cin: *in_channels,
                        hw: (h, w),
                        stride: stride.0,
                        pad: padding.0,
                    }
                }
                Layer::Activation(Activation::Relu) => FloatLayer::Relu,
                Layer::Flatten => FloatLayer::Flatten,
                other => unimplemented!("{}", other.kind()),
            })
            .collect();
        FloatNet { layers }
    }

    fn forward(&self, x: &[f64]) -> Vec<f64> {
        let mut cur = x.to_vec();
        for layer in &self.layers {
            cur = match layer {
                FloatLayer::Dense { w, b } => {
                    let mut acc = b.clone();
                    for (col, v) in w.chunks(b.len()).zip(&cur) {
                        for (a, wi) in acc.iter_mut().zip(col) {
                            *a += wi * v;
                        }
                    }
                    acc
                }
                FloatLayer::Conv {
                    w,
                    b,
                    cin,
                    hw,
                    stride,
                    pad,
                } => conv_f64(&cur, w, b, *cin, *hw, *stride, *pad),
                FloatLayer::Relu => cur.iter().map(|v| v.max(0.0)).collect(),
                FloatLayer::Flatten => cur,
            };
        }
        cur
    }
}

/// A 3x3 convolution in f64: each output position gathers its window, then every tap
/// scales a contiguous column of weights into the output channels.
fn conv_f64(
    x: &[f64],
    w: &[f64],
    b: &[f64],
    cin: usize,
    (h, wd): (usize, usize),
    s: usize,
    p: usize,
) -> Vec<f64> {
    let cout = b.len();
    let oh = (h + 2 * p - 3) / s + 1;
    let ow = (wd + 2 * p - 3) / s + 1;
    let mut out = vec![0.0; cout * oh * ow];
    let mut patch = vec![0.0; cin * 9];
    let mut acc = vec![0.0; cout];
    for oy in 0..oh {
        for ox in 0..ow {
            for ic in 0..cin {
                for ky in 0..3 {
                    for kx in 0..3 {
                        let (y, xx) =
                            ((oy * s + ky).wrapping_sub(p), (ox * s + kx).wrapping_sub(p));
                        patch[(ic * 3 + ky) * 3 + kx] = if y < h && xx < wd {
                            x[(ic * h + y) * wd + xx]
                        } else {
                            0.0
                        };
                    }
                }
            }
            acc.copy_from_slice(b);
            for (col, v) in w.chunks(cout).zip(&patch) {
                for (a, wi) in acc.iter_mut().zip(col) {
                    *a += wi * v;
                }
            }
            for (oc, a) in acc.iter().enumerate() {
                out[(oc * oh + oy) * ow + ox] = *a;
            }
        }
    }
    out
}
