//! Exact evaluation on integers, as described in the [`network`](crate::net::network)
//! module docs: a [`Plan`] holds each layer's parameters as integers over their common
//! denominator (built once per network), [`Plan::run`] carries the values between layers
//! as integer numerators over one denominator ([`intvec`]), and [`plain_layer`]
//! evaluates a layer in `Q`, value by value: the reference the tests compare with, and the
//! evaluation of the rare layer whose integer form would be too large.

use crate::exact::intvec::{self, Den, Digits, Ints, axpy, combine, log2_ceil};
use crate::exact::rational::{Q, dot};
use crate::net::layer::{
    Activation, Layer, LayerTrace, Shape, chain_shapes, for_each_window_tap, prelu_alpha,
    prelu_index,
};
use num_bigint::BigInt;
use num_traits::{One, Signed, ToPrimitive, Zero};

/// The most 32-bit digits a layer's integer weights may need; beyond, the layer is
/// evaluated in [`Q`] (its weights have denominators whose least common multiple is huge).
const MAX_WEIGHT_PLANES: usize = 8;

/// The most input digits (values times digits per value) an integer product may hold
/// before the layer is evaluated in [`Q`] instead, so memory stays bounded.
const MAX_INPUT_DIGITS: usize = 1 << 26;

/// The integer form of every layer of a network.
#[derive(Debug)]
pub(crate) struct Plan {
    steps: Vec<Step>,
}

#[derive(Debug)]
enum Step {
    /// Dense or convolution: an integer product.
    Mac(Mac),
    /// Average pooling: sums over windows, the denominator times the window size.
    AvgPool(BigInt),
    /// Max pooling.
    MaxPool,
    /// A piecewise-linear activation.
    Act(Act),
    /// Flatten and identity: the values do not change.
    Same,
    /// A residual block: the steps of its branch and of its skip path, each run on
    /// integers from the block's input; the two results are added in `Q`.
    Residual(Vec<Step>, Vec<Step>),
    /// Evaluated in `Q` (curved layers, which `trace` refuses, and oversized integer
    /// forms).
    Plain,
}

/// An integer constant, with its `i128` value when it has one.
#[derive(Debug, Clone)]
struct Const {
    big: BigInt,
    small: Option<i128>,
}

impl Const {
    fn new(big: BigInt) -> Const {
        Const {
            small: big.to_i128(),
            big,
        }
    }
}

impl Plan {
    /// The plan of `layers`, where `shapes[i]` is the input shape of layer `i`.
    pub(crate) fn new(layers: &[Layer], shapes: &[Shape]) -> Plan {
        let steps = layers
            .iter()
            .zip(shapes)
            .map(|(layer, &shape)| Step::new(layer, shape))
            .collect();
        Plan { steps }
    }

    /// The trace at `x` (validated by the caller: right length, no curved layer); with
    /// `all == false` only the last layer's output is filled in (inputs and the other
    /// outputs are left empty, and never converted to `Q`).
    pub(crate) fn run(
        &self,
        layers: &[Layer],
        shapes: &[Shape],
        x: &[Q],
        all: bool,
    ) -> Vec<LayerTrace> {
        let last = self.steps.len() - 1;
        let (mut n, mut den) = intvec::from_qs(x);
        // The current values in `Q` when known: every one when recording all, and a plain
        // layer's output.
        let mut q: Option<Vec<Q>> = all.then(|| x.to_vec());
        let mut out = Vec::with_capacity(self.steps.len());
        let layers = layers.iter().zip(shapes);
        for (i, (step, (layer, &shape))) in self.steps.iter().zip(layers).enumerate() {
            let input_q = q.take();
            let record_input = if all { input_q.clone() } else { None };
            let (output_q, pattern) = match step.eval(layer, shape, &mut n, &mut den) {
                Some(pattern) if matches!(step, Step::Same) => (input_q, pattern),
                Some(pattern) => (None, pattern),
                None => {
                    let input_q = input_q.unwrap_or_else(|| intvec::to_qs(&n, &den));
                    let (o, pattern) = plain_layer(layer, shape, &input_q);
                    (n, den) = intvec::from_qs(&o);
                    (Some(o), pattern)
                }
            };
            let keep = all || i == last;
            let output_q = match output_q {
                None if keep => Some(intvec::to_qs(&n, &den)),
                o => o,
            };
            out.push(LayerTrace {
                input: record_input.unwrap_or_default(),
                output: if keep {
                    output_q.clone().expect("kept")
                } else {
                    vec![]
                },
                pattern,
            });
            q = output_q;
        }
        out
    }
}

impl Step {
    fn new(layer: &Layer, shape: Shape) -> Step {
        match layer {
            Layer::Dense { weights, bias } => {
                let values = (0..weights.rows()).flat_map(|r| weights.row(r)).chain(bias);
                Mac::new(values, weights.rows(), weights.cols(), None)
                    .map_or(Step::Plain, Step::Mac)
            }
            Layer::Conv2d {
                weights,
                out_channels,
                bias,
                ..
            } => {
                let geom = ConvGeom::new(layer, shape);
                let taps = weights.len() / out_channels;
                let values = weights.iter().chain(bias);
                Mac::new(values, *out_channels, taps, Some(geom)).map_or(Step::Plain, Step::Mac)
            }
            Layer::AvgPool2d { kernel, .. } => Step::AvgPool(BigInt::from(kernel.0 * kernel.1)),
            Layer::MaxPool2d { .. } => Step::MaxPool,
            Layer::Flatten | Layer::Activation(Activation::Identity) => Step::Same,
            Layer::Activation(a) => Act::new(a).map_or(Step::Plain, Step::Act),
            Layer::Residual { layers, skip } => {
                let steps = |chain: &[Layer]| -> Vec<Step> {
                    chain
                        .iter()
                        .zip(chain_shapes(chain, shape))
                        .map(|(l, s)| Step::new(l, s))
                        .collect()
                };
                Step::Residual(steps(layers), steps(skip))
            }
        }
    }

    /// A residual block on integers: each chain from the block's input (a step that
    /// needs `Q` runs in `Q`), the sum of the two in `Q`, the pattern the branch's units
    /// then the skip's.
    fn residual(
        (body, skip): (&[Step], &[Step]),
        layer: &Layer,
        shape: Shape,
        n: &mut Ints,
        den: &mut Den,
    ) -> Vec<u8> {
        let Layer::Residual {
            layers,
            skip: skip_layers,
        } = layer
        else {
            unreachable!("a residual step is built from a residual block")
        };
        let mut pattern = Vec::new();
        let mut run = |steps: &[Step], chain: &[Layer]| -> Vec<Q> {
            let (mut v, mut d) = (n.clone(), den.clone());
            for ((step, l), s) in steps.iter().zip(chain).zip(chain_shapes(chain, shape)) {
                match step.eval(l, s, &mut v, &mut d) {
                    Some(p) => pattern.extend(p),
                    None => {
                        let (o, p) = plain_layer(l, s, &intvec::to_qs(&v, &d));
                        (v, d) = intvec::from_qs(&o);
                        pattern.extend(p);
                    }
                }
            }
            intvec::to_qs(&v, &d)
        };
        let f = run(body, layers);
        let p = run(skip, skip_layers);
        let sum: Vec<Q> = f.iter().zip(&p).map(|(a, b)| a + b).collect();
        (*n, *den) = intvec::from_qs(&sum);
        pattern
    }

    /// The layer on integers, in place, giving its pattern; `None` (and nothing changed)
    /// when the layer is to be evaluated in `Q`.
    fn eval(&self, layer: &Layer, shape: Shape, n: &mut Ints, den: &mut Den) -> Option<Vec<u8>> {
        match self {
            Step::Mac(m) => (*n, *den) = m.eval(n, den)?,
            Step::AvgPool(size) => {
                *n = avg_pool(layer, shape, n, size);
                *den = den.mul(&Den::from_positive(size));
            }
            Step::MaxPool => {
                let (v, pattern) = max_pool(layer, shape, n);
                *n = v;
                return Some(pattern);
            }
            Step::Act(a) => return Some(a.eval(n, den, shape)),
            Step::Residual(body, skip) => {
                return Some(Step::residual((body, skip), layer, shape, n, den));
            }
            Step::Same => {}
            Step::Plain => return None,
        }
        Some(vec![])
    }
}

/// The geometry of a convolution.
#[derive(Debug, Clone, Copy)]
struct ConvGeom {
    cin: usize,
    h: usize,
    w: usize,
    kernel: (usize, usize),
    stride: (usize, usize),
    pad: (usize, usize),
    out: (usize, usize),
}

impl ConvGeom {
    fn new(layer: &Layer, shape: Shape) -> ConvGeom {
        let (
            Layer::Conv2d {
                kernel,
                stride,
                padding,
                ..
            },
            Shape::Chw(cin, h, w),
        ) = (layer, shape)
        else {
            unreachable!("validated: a convolution on [C, H, W]")
        };
        let oh = (h + 2 * padding.0 - kernel.0) / stride.0 + 1;
        let ow = (w + 2 * padding.1 - kernel.1) / stride.1 + 1;
        ConvGeom {
            cin,
            h,
            w,
            kernel: *kernel,
            stride: *stride,
            pad: *padding,
            out: (oh, ow),
        }
    }

    /// Calls `f(tap, input index)` for the taps of output position `(oy, ox)` that fall
    /// inside the input, tap `t = (ic·kh + ky)·kw + kx` in increasing order.
    fn taps(&self, oy: usize, ox: usize, mut f: impl FnMut(usize, usize)) {
        let (kh, kw) = self.kernel;
        let x0 = (ox * self.stride.1) as isize - self.pad.1 as isize;
        let kx_lo = (-x0).max(0) as usize;
        let kx_hi = (self.w as isize - x0).clamp(0, kw as isize) as usize;
        for ic in 0..self.cin {
            for ky in 0..kh {
                let Some(y) = (oy * self.stride.0 + ky).checked_sub(self.pad.0) else {
                    continue;
                };
                if y >= self.h {
                    continue;
                }
                let row = (ic * self.h + y) * self.w;
                for kx in kx_lo..kx_hi {
                    let x = (x0 + kx as isize) as usize;
                    f((ic * kh + ky) * kw + kx, row + x);
                }
            }
        }
    }
}

/// A dense or convolution layer as integers: `y_r = Σ_t a[t][r]·x_t + a[taps][r]·D` over
/// the denominator `W·D`, where `W` is the common denominator of weights and bias.
#[derive(Debug)]
struct Mac {
    /// Outputs per position (a dense layer's outputs; a convolution's channels).
    rows: usize,
    /// Inputs per output, not counting the bias.
    taps: usize,
    /// Bits per weight digit.
    width: u32,
    /// The bit length of the largest integer weight.
    bits: u64,
    /// `planes[m][t·rows + r]`: digit `m` of the integer weight of tap `t` (the bias is
    /// tap `taps`) in output `r`.
    planes: Vec<Vec<i64>>,
    /// `W`.
    den: Den,
    conv: Option<ConvGeom>,
}

impl Mac {
    /// From the weights row by row (`rows × taps`) followed by one bias per row; `None`
    /// when the integer weights would need more than [`MAX_WEIGHT_PLANES`] digits.
    fn new<'a>(
        values: impl Iterator<Item = &'a Q> + Clone,
        rows: usize,
        taps: usize,
        conv: Option<ConvGeom>,
    ) -> Option<Mac> {
        let (ints, den) = intvec::from_qs(values);
        let bits = ints.max_bits();
        let width = if bits <= 63 { bits.max(1) as u32 } else { 32 };
        let digits = Digits::new(&ints, None, width, bits);
        if digits.planes.len() > MAX_WEIGHT_PLANES {
            return None;
        }
        let planes = digits
            .planes
            .iter()
            .map(|p| {
                let mut t = vec![0i64; (taps + 1) * rows];
                for r in 0..rows {
                    for k in 0..taps {
                        t[k * rows + r] = p[r * taps + k];
                    }
                    t[taps * rows + r] = p[rows * taps + r];
                }
                t
            })
            .collect();
        Some(Mac {
            rows,
            taps,
            width,
            bits,
            planes,
            den,
            conv,
        })
    }

    /// The integer product; `None` when the input digits would exceed [`MAX_INPUT_DIGITS`].
    fn eval(&self, x: &Ints, den: &Den) -> Option<(Ints, Den)> {
        let d = den.value();
        let x_bits = x.max_bits().max(d.bits());
        let terms = self.taps + 1;
        // |y| <= terms · max|a| · max|x| < 2^bound.
        let bound = self.bits + x_bits + log2_ceil(terms);
        let width = intvec::input_width(self.width, terms);
        let count = x_bits.div_ceil(width as u64) as usize;
        if count.saturating_mul(x.len() + 1) > MAX_INPUT_DIGITS {
            return None;
        }
        let digits = Digits::new(x, Some(&d), width, x_bits);
        let mut cols = Vec::with_capacity(count * self.planes.len());
        for (l, xp) in digits.planes.iter().enumerate() {
            let sums = match &self.conv {
                None => self.dense_sums(xp),
                Some(g) => self.conv_sums(g, xp),
            };
            for (m, s) in sums.into_iter().enumerate() {
                cols.push((width as u64 * l as u64 + self.width as u64 * m as u64, s));
            }
        }
        let len = self.rows * self.conv.map_or(1, |g| g.out.0 * g.out.1);
        // No columns when every weight is zero.
        Some((combine(len, cols, bound), den.mul(&self.den)))
    }

    /// For each weight digit: `Σ_t a[t][r] · xp[t]` over all taps and the bias (`xp` holds
    /// one input digit per tap, the denominator's last).
    fn dense_sums(&self, xp: &[i64]) -> Vec<Vec<i128>> {
        let rows = self.rows;
        self.planes
            .iter()
            .map(|wp| {
                let mut acc = vec![0i128; rows];
                for (t, &v) in xp.iter().enumerate() {
                    if v != 0 {
                        axpy(&mut acc, &wp[t * rows..(t + 1) * rows], v);
                    }
                }
                acc
            })
            .collect()
    }

    /// The same for a convolution: each output position gathers its window (the nonzero
    /// digits only), then every output channel is one pass over it.
    fn conv_sums(&self, g: &ConvGeom, xp: &[i64]) -> Vec<Vec<i128>> {
        let rows = self.rows;
        let (oh, ow) = g.out;
        let mut out = vec![vec![0i128; rows * oh * ow]; self.planes.len()];
        let bias = xp[xp.len() - 1];
        let mut patch: Vec<(usize, i64)> = Vec::with_capacity(self.taps + 1);
        let mut acc = vec![0i128; rows];
        for oy in 0..oh {
            for ox in 0..ow {
                patch.clear();
                g.taps(oy, ox, |t, i| {
                    if xp[i] != 0 {
                        patch.push((t, xp[i]));
                    }
                });
                if bias != 0 {
                    patch.push((self.taps, bias));
                }
                for (wp, o) in self.planes.iter().zip(&mut out) {
                    acc.fill(0);
                    for &(t, v) in &patch {
                        axpy(&mut acc, &wp[t * rows..(t + 1) * rows], v);
                    }
                    for (r, &a) in acc.iter().enumerate() {
                        o[(r * oh + oy) * ow + ox] = a;
                    }
                }
            }
        }
        out
    }
}

/// Window sums (padding adds zero; the window size divides in the denominator).
fn avg_pool(layer: &Layer, shape: Shape, n: &Ints, size: &BigInt) -> Ints {
    fn sums<T: Clone + for<'a> std::ops::AddAssign<&'a T>>(
        layer: &Layer,
        shape: Shape,
        v: &[T],
        zero: T,
    ) -> Vec<T> {
        let out = layer.output_shape(0, shape).expect("validated").size();
        let mut acc = vec![zero; out];
        for_each_window_tap(layer, shape, |o, i, _| {
            if let Some(i) = i {
                acc[o] += &v[i];
            }
        });
        acc
    }
    let size = size.to_usize().expect("a kernel size fits usize");
    match n {
        // A window sum is below 2^(bits + log2(window size)).
        Ints::Small(v) if n.max_bits() + log2_ceil(size) <= 127 => {
            Ints::Small(sums(layer, shape, v, 0))
        }
        _ => Ints::Big(sums(
            layer,
            shape,
            &n.clone().into_big(),
            <BigInt as Zero>::zero(),
        )),
    }
}

/// Window maxima; the first maximal input wins, as in the plain evaluation, and the
/// pattern is its place in the window (padding left out).
fn max_pool(layer: &Layer, shape: Shape, n: &Ints) -> (Ints, Vec<u8>) {
    fn pool<T: Ord + Clone>(layer: &Layer, shape: Shape, v: &[T]) -> (Vec<T>, Vec<u8>) {
        let out = layer.output_shape(0, shape).expect("validated").size();
        // Per window: inputs seen, and the place and index of the first maximum.
        let mut best: Vec<(usize, usize, usize)> = vec![(0, 0, usize::MAX); out];
        for_each_window_tap(layer, shape, |o, i, _| {
            if let Some(i) = i {
                let (seen, place, b) = &mut best[o];
                if *b == usize::MAX || v[i] > v[*b] {
                    (*place, *b) = (*seen, i);
                }
                *seen += 1;
            }
        });
        best.into_iter()
            .map(|(_, place, b)| (v[b].clone(), place as u8))
            .unzip()
    }
    match n {
        Ints::Small(v) => {
            let (v, p) = pool(layer, shape, v);
            (Ints::Small(v), p)
        }
        Ints::Big(v) => {
            let (v, p) = pool(layer, shape, v);
            (Ints::Big(v), p)
        }
    }
}

/// A piecewise-linear activation on numerators over a denominator `D`.
#[derive(Debug)]
enum Act {
    Relu,
    Abs,
    /// `x >= 0`: `x·pos`, else `x·neg[alpha index]`, over `D·den` (`neg/pos` is alpha).
    Slopes {
        pos: Const,
        neg: Vec<Const>,
        den: Den,
    },
    /// `x <= min`: `lo·D`; `x <= max`: `x·scale`; else `hi·D`; over `D·den` (`min =
    /// lo/scale`, `max = hi/scale`, `den = scale`).
    HardTanh {
        scale: Const,
        lo: BigInt,
        hi: BigInt,
        den: Den,
    },
}

impl Act {
    fn new(a: &Activation) -> Option<Act> {
        let slopes = |alpha: &[Q]| {
            let (ints, den) = intvec::from_qs(alpha);
            Act::Slopes {
                pos: Const::new(den.value()),
                neg: ints.into_big().into_iter().map(Const::new).collect(),
                den,
            }
        };
        Some(match a {
            Activation::Relu => Act::Relu,
            Activation::Abs => Act::Abs,
            Activation::LeakyRelu { alpha } => slopes(std::slice::from_ref(alpha)),
            Activation::PRelu { alpha } => slopes(alpha),
            Activation::HardTanh { min, max } => {
                let (ints, den) = intvec::from_qs([min, max]);
                let mut v = ints.into_big().into_iter();
                Act::HardTanh {
                    scale: Const::new(den.value()),
                    lo: v.next().expect("two values"),
                    hi: v.next().expect("two values"),
                    den,
                }
            }
            Activation::Identity | Activation::Elu { .. } | Activation::Selu => return None,
        })
    }

    /// The activation in place: numerators and denominator become the output's.
    fn eval(&self, n: &mut Ints, den: &mut Den, shape: Shape) -> Vec<u8> {
        // ReLU only zeroes values: it cannot leave i128.
        if let Ints::Small(_) = n
            && !matches!(self, Act::Relu)
            && !self.fits_i128(n.max_bits(), den)
        {
            *n = Ints::Big(std::mem::replace(n, Ints::Small(vec![])).into_big());
        }
        let pattern = match n {
            Ints::Small(v) => self.apply(v, den, shape),
            Ints::Big(v) => self.apply(v, den, shape),
        };
        if let Act::Slopes { den: d, .. } | Act::HardTanh { den: d, .. } = self {
            *den = den.mul(d);
        }
        pattern
    }

    /// Do the results fit `i128` for numerators of at most `bits` bits? A product of a
    /// `b`-bit and a `c`-bit integer is below `2^(b + c)`, and 127 bits fit (negation
    /// included).
    fn fits_i128(&self, bits: u64, den: &Den) -> bool {
        match self {
            Act::Relu | Act::Abs => bits <= 127,
            Act::Slopes { pos, neg, .. } => {
                neg.iter().chain([pos]).all(|c| bits + c.big.bits() <= 127)
            }
            Act::HardTanh { scale, lo, hi, .. } => {
                let d = den.value().bits();
                bits + scale.big.bits() <= 127 && lo.bits().max(hi.bits()) + d <= 127
            }
        }
    }

    /// In place, over the denominator `den` (before the activation); the caller has made
    /// sure every result fits `T`.
    fn apply<T: Num>(&self, v: &mut [T], den: &Den, shape: Shape) -> Vec<u8> {
        match self {
            Act::Relu => v
                .iter_mut()
                .map(|x| {
                    if x.positive() {
                        1
                    } else {
                        *x = T::zero();
                        0
                    }
                })
                .collect(),
            Act::Abs => v
                .iter_mut()
                .map(|x| {
                    if x.positive() {
                        1
                    } else {
                        x.negate();
                        0
                    }
                })
                .collect(),
            Act::Slopes { pos, neg, .. } => v
                .iter_mut()
                .enumerate()
                .map(|(i, x)| {
                    if x.positive() {
                        x.scale(pos);
                        1
                    } else {
                        x.scale(&neg[prelu_index(neg.len(), shape, i)]);
                        0
                    }
                })
                .collect(),
            Act::HardTanh { scale, lo, hi, .. } => {
                let d = den.value();
                let (lo, hi) = (T::from_big(&(lo * &d)), T::from_big(&(hi * &d)));
                v.iter_mut()
                    .map(|x| {
                        x.scale(scale);
                        if *x <= lo {
                            *x = lo.clone();
                            0
                        } else if *x <= hi {
                            1
                        } else {
                            *x = hi.clone();
                            2
                        }
                    })
                    .collect()
            }
        }
    }
}

/// The integer operations activations need, in place; the caller makes sure the results
/// fit (for `i128`, overflow would be a bug: debug builds check it).
trait Num: Clone + Ord {
    fn zero() -> Self;
    fn positive(&self) -> bool;
    fn negate(&mut self);
    fn scale(&mut self, c: &Const);
    fn from_big(b: &BigInt) -> Self;
}

impl Num for i128 {
    fn zero() -> i128 {
        0
    }
    fn positive(&self) -> bool {
        *self > 0
    }
    fn negate(&mut self) {
        *self = -*self;
    }
    fn scale(&mut self, c: &Const) {
        *self *= c.small.expect("a constant within the bound fits i128");
    }
    fn from_big(b: &BigInt) -> i128 {
        b.to_i128().expect("within the bound")
    }
}

impl Num for BigInt {
    fn zero() -> BigInt {
        <BigInt as Zero>::zero()
    }
    fn positive(&self) -> bool {
        self.is_positive()
    }
    fn negate(&mut self) {
        *self = -std::mem::take(self);
    }
    fn scale(&mut self, c: &Const) {
        if !c.big.is_one() {
            *self *= &c.big;
        }
    }
    fn from_big(b: &BigInt) -> BigInt {
        b.clone()
    }
}

/// One layer in plain `Q` arithmetic, directly (not through `affine`/`pieces`, which
/// tests compare against): the reference for the integer evaluation, and the evaluation of
/// a layer whose integer form would be too large.
pub(crate) fn plain_layer(layer: &Layer, shape: Shape, z: &[Q]) -> (Vec<Q>, Vec<u8>) {
    match layer {
        Layer::Dense { weights, bias } => (
            weights
                .iter_rows()
                .zip(bias)
                .map(|(r, b)| dot(r, z) + b)
                .collect(),
            vec![],
        ),
        Layer::Conv2d { .. } => (plain_conv(layer, shape, z), vec![]),
        Layer::AvgPool2d { .. } => {
            let out_size = layer.output_shape(0, shape).expect("validated").size();
            let mut out = vec![Q::ZERO; out_size];
            for_each_window_tap(layer, shape, |o, i, w| {
                if let Some(i) = i {
                    out[o] += w * &z[i];
                }
            });
            (out, vec![])
        }
        Layer::MaxPool2d { .. } => plain_max_pool(layer, shape, z),
        Layer::Flatten | Layer::Activation(Activation::Identity) => (z.to_vec(), vec![]),
        Layer::Activation(a) => plain_activation(a, shape, z),
        Layer::Residual { .. } => crate::net::residual::eval_block(layer, shape, z, plain_layer),
    }
}

/// A convolution in plain `Q`, tap by tap.
fn plain_conv(layer: &Layer, shape: Shape, z: &[Q]) -> Vec<Q> {
    let Layer::Conv2d {
        weights,
        out_channels,
        in_channels,
        kernel,
        bias,
        stride,
        padding,
    } = layer
    else {
        unreachable!("called on a convolution")
    };
    let Shape::Chw(_, h, w) = shape else {
        unreachable!("validated")
    };
    let oh = (h + 2 * padding.0 - kernel.0) / stride.0 + 1;
    let ow = (w + 2 * padding.1 - kernel.1) / stride.1 + 1;
    let mut out = Vec::with_capacity(out_channels * oh * ow);
    for oc in 0..*out_channels {
        for oy in 0..oh {
            for ox in 0..ow {
                let mut acc = bias[oc].clone();
                for ic in 0..*in_channels {
                    for ky in 0..kernel.0 {
                        let Some(y) = (oy * stride.0 + ky).checked_sub(padding.0) else {
                            continue;
                        };
                        if y >= h {
                            continue;
                        }
                        for kx in 0..kernel.1 {
                            let Some(x) = (ox * stride.1 + kx).checked_sub(padding.1) else {
                                continue;
                            };
                            if x >= w {
                                continue;
                            }
                            let wv =
                                &weights[((oc * in_channels + ic) * kernel.0 + ky) * kernel.1 + kx];
                            acc += wv * &z[(ic * h + y) * w + x];
                        }
                    }
                }
                out.push(acc);
            }
        }
    }
    out
}

/// A max-pooling layer in plain `Q`: the first maximal input of each window wins.
fn plain_max_pool(layer: &Layer, shape: Shape, z: &[Q]) -> (Vec<Q>, Vec<u8>) {
    let pieces = layer.pieces(shape).unwrap();
    pieces
        .iter()
        .map(|unit| {
            // Inputs of the window in order; the first maximal one wins.
            let mut best: Option<(usize, Q)> = None;
            for (j, p) in unit.iter().enumerate() {
                let v = p.output.eval(z);
                if best.as_ref().is_none_or(|(_, b)| v > *b) {
                    best = Some((j, v));
                }
            }
            let (j, v) = best.expect("a window has at least one input");
            (v, j as u8)
        })
        .unzip()
}

/// An activation layer in plain `Q`, unit by unit, with the piece each unit is on.
fn plain_activation(a: &Activation, shape: Shape, z: &[Q]) -> (Vec<Q>, Vec<u8>) {
    let act = |f: &dyn Fn(usize, &Q) -> (Q, u8)| -> (Vec<Q>, Vec<u8>) {
        z.iter().enumerate().map(|(i, v)| f(i, v)).unzip()
    };
    match a {
        Activation::Relu => act(&|_, v| {
            if v.is_positive() {
                (v.clone(), 1)
            } else {
                (Q::ZERO, 0)
            }
        }),
        Activation::LeakyRelu { alpha } => act(&|_, v| {
            if v.is_positive() {
                (v.clone(), 1)
            } else {
                (alpha * v, 0)
            }
        }),
        Activation::PRelu { alpha } => act(&|i, v| {
            if v.is_positive() {
                (v.clone(), 1)
            } else {
                (prelu_alpha(alpha, shape, i) * v, 0)
            }
        }),
        Activation::Abs => act(&|_, v| {
            if v.is_positive() {
                (v.clone(), 1)
            } else {
                (-v, 0)
            }
        }),
        Activation::HardTanh { min, max } => act(&|_, v| {
            if v <= min {
                (min.clone(), 0)
            } else if v <= max {
                (v.clone(), 1)
            } else {
                (max.clone(), 2)
            }
        }),
        Activation::Identity => unreachable!("handled above"),
        Activation::Elu { .. } | Activation::Selu => {
            unreachable!("curved layers are refused by Network::trace")
        }
    }
}

#[cfg(test)]
mod tests {
    //! The integer evaluation against the plain one in `Q` ([`Network::trace_plain`]),
    //! which computes each layer value by value and reduces every operation.
    use super::*;
    use crate::exact::linalg::Matrix;
    use crate::net::network::Network;
    use proptest::prelude::*;

    /// Exact float32 values: `m·2^e` with a 24-bit mantissa, exponents of trained weights.
    fn f32_value() -> impl Strategy<Value = Q> {
        (-(1i64 << 24)..(1 << 24), -40i64..3).prop_map(|(m, e)| Q::from_int(m) * Q::pow2(e))
    }

    /// Float32 values at the ends of the range (subnormal to near the largest), which
    /// bring the integer weights of a layer past 63 bits, and past the 8 digits of 32 bits
    /// beyond which the layer is evaluated in `Q`.
    fn extreme_value() -> impl Strategy<Value = Q> {
        prop_oneof![
            Just(Q::from_f32(f32::from_bits(1)).unwrap()),
            Just(Q::from_f32(-f32::MIN_POSITIVE).unwrap()),
            Just(Q::from_f32(1e-30).unwrap()),
            Just(Q::from_f32(3.0e20).unwrap()),
            Just(Q::from_f32(-f32::MAX).unwrap()),
        ]
    }

    /// Weights: float32 mostly, small fractions like 1/3, zeros, and rare extremes.
    fn weight() -> impl Strategy<Value = Q> {
        prop_oneof![
            6 => f32_value(),
            3 => (-9i64..10, 1i64..10).prop_map(|(n, d)| Q::new(n, d)),
            1 => Just(Q::ZERO),
            1 => extreme_value(),
        ]
    }

    /// Inputs: dyadic (float32) or not (`n/d`, as `1/3`), small integers that make ties,
    /// the float32 extremes, and fractions over large primes whose common denominator
    /// leaves 64 bits (two or three of them).
    fn input() -> impl Strategy<Value = Q> {
        const PRIMES: [i64; 3] = [2_147_483_647, 2_147_483_629, 2_147_483_587];
        prop_oneof![
            4 => f32_value(),
            4 => (-30i64..30, 1i64..12).prop_map(|(n, d)| Q::new(n, d)),
            2 => (-2i64..3).prop_map(Q::from_int),
            1 => extreme_value(),
            1 => (-5i64..6, 0usize..3, 0i64..80)
                .prop_map(|(n, p, e)| Q::new(n, PRIMES[p]) * Q::pow2(-e)),
        ]
    }

    /// Every piecewise-linear activation (and identity) for a layer of `n` units in `c`
    /// channels.
    fn activation(n: usize, c: usize) -> impl Strategy<Value = Activation> {
        let per = if c > 1 { c } else { n };
        prop_oneof![
            Just(Activation::Relu),
            Just(Activation::Abs),
            Just(Activation::Identity),
            weight().prop_map(|alpha| Activation::LeakyRelu { alpha }),
            prop_oneof![Just(1), Just(per)]
                .prop_flat_map(|k| proptest::collection::vec(weight(), k))
                .prop_map(|alpha| Activation::PRelu { alpha }),
            (weight(), weight()).prop_map(|(a, b)| {
                let (min, max) = if a < b {
                    (a, b)
                } else {
                    (b.clone(), b + Q::new(1, 3))
                };
                Activation::HardTanh { min, max }
            }),
        ]
    }

    fn dense(n_in: usize, n_out: usize) -> impl Strategy<Value = Layer> {
        (
            proptest::collection::vec(weight(), n_in * n_out),
            proptest::collection::vec(weight(), n_out),
        )
            .prop_map(move |(w, bias)| Layer::Dense {
                weights: Matrix::from_rows(w.chunks(n_in).map(<[Q]>::to_vec).collect()).unwrap(),
                bias,
            })
    }

    /// Dense nets `n0 - n1 - ... ` with a random activation after each hidden layer.
    fn mlp() -> impl Strategy<Value = Network> {
        proptest::collection::vec(1usize..5, 2..5).prop_flat_map(|widths| {
            let layers: Vec<_> = widths
                .windows(2)
                .enumerate()
                .map(|(k, w)| {
                    let last = k + 2 == widths.len();
                    (dense(w[0], w[1]), activation(w[1], 1), Just(last))
                })
                .collect();
            let n0 = widths[0];
            layers.prop_map(move |ls| {
                let mut out = vec![];
                for (d, a, last) in ls {
                    out.push(d);
                    if !last {
                        out.push(Layer::Activation(a));
                    }
                }
                Network::new(Shape::Flat(n0), out).unwrap()
            })
        })
    }

    /// `[C, H, W]` -> conv -> activation -> optional pooling -> flatten -> dense.
    fn conv_net() -> impl Strategy<Value = Option<Network>> {
        (
            1usize..3,
            2usize..6,
            2usize..6,
            1usize..4,
            1usize..4,
            1usize..3,
            0usize..2,
        )
            .prop_flat_map(|(cin, h, w, cout, k, s, p)| {
                let conv = (
                    proptest::collection::vec(weight(), cout * cin * k * k),
                    proptest::collection::vec(weight(), cout),
                )
                    .prop_map(move |(weights, bias)| Layer::Conv2d {
                        weights,
                        out_channels: cout,
                        in_channels: cin,
                        kernel: (k, k),
                        bias,
                        stride: (s, s),
                        padding: (p, p),
                    });
                let pool = prop_oneof![
                    Just(None),
                    (1usize..3, 1usize..3, any::<bool>()).prop_map(|(k, s, max)| {
                        let (kernel, stride, padding) = ((k, k), (s, s), (k / 2, k / 2));
                        Some(if max {
                            Layer::MaxPool2d {
                                kernel,
                                stride,
                                padding,
                            }
                        } else {
                            Layer::AvgPool2d {
                                kernel,
                                stride,
                                padding,
                            }
                        })
                    }),
                ];
                (conv, activation(cout * h * w, cout), pool, 1usize..3).prop_flat_map(
                    move |(conv, act, pool, n_out)| {
                        let mut layers = vec![conv, Layer::Activation(act)];
                        layers.extend(pool);
                        layers.push(Layer::Flatten);
                        let shape = Shape::Chw(cin, h, w);
                        // Geometry or a PReLU length may not fit: such nets are skipped.
                        let n = Network::new(shape, layers.clone())
                            .ok()
                            .map(|net| net.output_dim());
                        let tail = dense(n.unwrap_or(1), n_out);
                        tail.prop_map(move |d| {
                            let mut ls = layers.clone();
                            ls.push(d);
                            n.and_then(|_| Network::new(shape, ls).ok())
                        })
                    },
                )
            })
    }

    /// Moves biases so that chosen units sit exactly on a kink: a pre-activation of 0, or
    /// of hard-tanh's `min` or `max` (`picks[i]` chooses for dense unit / conv channel `i`).
    fn with_kinks(net: &Network, x: &[Q], picks: &[u8]) -> Network {
        let mut layers = net.layers().to_vec();
        for i in 0..layers.len().saturating_sub(1) {
            let kink = |unit: usize| match &layers[i + 1] {
                Layer::Activation(Activation::HardTanh { min, max }) => Some(
                    if picks.get(unit).is_some_and(|p| p % 2 == 0) {
                        min
                    } else {
                        max
                    }
                    .clone(),
                ),
                Layer::Activation(Activation::Identity) => None,
                Layer::Activation(_) => Some(Q::ZERO),
                _ => None,
            };
            let at = Network::new(net.input_shape(), layers.clone()).unwrap();
            let pre = at.trace_plain(x).unwrap().layers[i].output.clone();
            let kinks: Vec<Option<Q>> = (0..pre.len()).map(kink).collect();
            match &mut layers[i] {
                Layer::Dense { bias, .. } => {
                    for (u, b) in bias.iter_mut().enumerate() {
                        if let Some(k) = &kinks[u]
                            && picks.get(u).is_some_and(|p| p % 3 != 0)
                        {
                            *b += k - &pre[u];
                        }
                    }
                }
                Layer::Conv2d { bias, .. } => {
                    // Channel c's first output position lands on the kink.
                    let per = pre.len() / bias.len();
                    for (c, b) in bias.iter_mut().enumerate() {
                        if let Some(k) = &kinks[c * per]
                            && picks.get(c).is_some_and(|p| p % 3 != 0)
                        {
                            *b += k - &pre[c * per];
                        }
                    }
                }
                _ => {}
            }
        }
        Network::new(net.input_shape(), layers).unwrap()
    }

    /// `net` as the branch of one residual block whose skip path flattens and projects the
    /// input to the output size; the plain evaluation of the block is the reference.
    fn as_block(net: &Network) -> Network {
        let (d, m) = (net.input_dim(), net.output_dim());
        let mut w = crate::exact::linalg::Matrix::zeros(m, d);
        for i in 0..m {
            for j in 0..d {
                w[(i, j)] = Q::new((i * 7 + j * 3) as i64 % 5 - 2, 3);
            }
        }
        let mut skip = vec![];
        if matches!(net.input_shape(), Shape::Chw(..)) {
            skip.push(Layer::Flatten);
        }
        skip.push(Layer::Dense {
            weights: w,
            bias: vec![Q::new(1, 7); m],
        });
        let block = Layer::Residual {
            layers: net.layers().to_vec(),
            skip,
        };
        Network::new(
            net.input_shape(),
            vec![block, Layer::Activation(Activation::Relu)],
        )
        .expect("the skip fits")
    }

    fn same_as_plain(net: &Network, x: &[Q]) -> std::result::Result<(), TestCaseError> {
        let plain = net.trace_plain(x).unwrap();
        prop_assert_eq!(&net.trace(x).unwrap(), &plain);
        prop_assert_eq!(net.eval(x).unwrap(), plain.output().to_vec());
        Ok(())
    }

    proptest! {
        #[test]
        fn dense_nets_evaluate_as_in_plain_q(
            (net, x) in mlp().prop_flat_map(|n| {
                let d = n.input_dim();
                (Just(n), proptest::collection::vec(input(), d))
            }),
            picks in proptest::collection::vec(any::<u8>(), 4),
        ) {
            same_as_plain(&net, &x)?;
            same_as_plain(&with_kinks(&net, &x, &picks), &x)?;
            same_as_plain(&as_block(&net), &x)?;
        }

        #[test]
        fn conv_nets_evaluate_as_in_plain_q(
            (net, x) in conv_net().prop_filter_map("the geometry fits", |n| n).prop_flat_map(|n| {
                let d = n.input_dim();
                (Just(n), proptest::collection::vec(input(), d))
            }),
            picks in proptest::collection::vec(any::<u8>(), 3),
        ) {
            same_as_plain(&net, &x)?;
            same_as_plain(&with_kinks(&net, &x, &picks), &x)?;
            same_as_plain(&as_block(&net), &x)?;
        }
    }

    fn dense_layer(rows: Vec<Vec<Q>>, bias: Vec<Q>) -> Layer {
        Layer::Dense {
            weights: Matrix::from_rows(rows).unwrap(),
            bias,
        }
    }

    #[test]
    fn wide_weights_take_digits_of_32_bits_and_huge_ones_plain_q() {
        let p = Q::pow2;
        // 2^-80 and 1 over the common denominator 2^80: 81-bit integers, three digits.
        let wide = dense_layer(
            vec![vec![p(-80), Q::ONE], vec![Q::ONE, Q::new(1, 3)]],
            vec![Q::new(1, 3), Q::ZERO],
        );
        // f32's extremes: 2^-149 beside 2^127 is a 277-bit integer, past eight digits.
        let huge = dense_layer(vec![vec![p(-149), p(127)]], vec![Q::ZERO]);
        let net = Network::new(
            Shape::Flat(2),
            vec![wide, Layer::Activation(Activation::Relu), huge],
        )
        .unwrap();
        let plan = Plan::new(net.layers(), net.shapes());
        assert!(matches!(&plan.steps[0], Step::Mac(m) if m.width == 32 && m.planes.len() == 3));
        assert!(matches!(plan.steps[2], Step::Plain));
        for x in [
            [Q::new(1, 3), -Q::ONE],
            [p(-100), Q::new(5, 7)],
            [Q::ZERO, Q::ZERO],
        ] {
            assert_eq!(net.trace(&x).unwrap(), net.trace_plain(&x).unwrap());
        }
        // 1/3 + 1/3 + 2^-80·(1/3): the first layer's value is exact.
        let y = net.trace(&[Q::new(1, 3), Q::new(1, 3)]).unwrap();
        assert_eq!(
            y.layers[0].output,
            vec![Q::new(2, 3) + p(-80) * Q::new(1, 3), Q::new(4, 9)]
        );
    }

    #[test]
    fn ties_pick_the_lowest_piece() {
        // Pre-activations exactly at every kink: 0 for ReLU-like units, min and max for
        // hard-tanh; a max-pool window whose inputs are all equal.
        let x = [Q::new(1, 3), Q::from_f32(0.1).unwrap()];
        let third = Q::new(1, 3);
        let tenth = Q::from_f32(0.1).unwrap();
        let pre = dense_layer(
            vec![vec![Q::ONE, Q::ZERO], vec![Q::ZERO, Q::ONE]],
            vec![-&third, -&tenth],
        ); // both pre-activations exactly 0
        for act in [
            Activation::Relu,
            Activation::Abs,
            Activation::LeakyRelu {
                alpha: Q::new(1, 10),
            },
            Activation::PRelu {
                alpha: vec![Q::new(-1, 3), Q::from_f32(0.25).unwrap()],
            },
        ] {
            let net =
                Network::new(Shape::Flat(2), vec![pre.clone(), Layer::Activation(act)]).unwrap();
            let t = net.trace(&x).unwrap();
            assert_eq!(t.pattern().to_string(), "00");
            assert_eq!(t.output(), &[Q::ZERO, Q::ZERO]);
            assert_eq!(t, net.trace_plain(&x).unwrap());
        }
        let ht = Activation::HardTanh {
            min: third.clone(),
            max: tenth.clone() * Q::from_int(4),
        };
        let at_ends = dense_layer(
            vec![vec![Q::ONE, Q::ZERO], vec![Q::ZERO, Q::from_int(4)]],
            vec![Q::ZERO, Q::ZERO],
        );
        let net = Network::new(Shape::Flat(2), vec![at_ends, Layer::Activation(ht)]).unwrap();
        let t = net.trace(&x).unwrap();
        assert_eq!(t.pattern().to_string(), "01");
        assert_eq!(t, net.trace_plain(&x).unwrap());
        let pool = Layer::MaxPool2d {
            kernel: (2, 2),
            stride: (2, 2),
            padding: (0, 0),
        };
        let net = Network::new(Shape::Chw(1, 2, 2), vec![pool]).unwrap();
        let t = net
            .trace(&[third.clone(), third.clone(), Q::ZERO, third.clone()])
            .unwrap();
        assert_eq!(t.pattern().to_string(), "0");
    }

    #[test]
    fn the_cached_plan_is_no_part_of_equality() {
        let net = Network::new(Shape::Flat(1), vec![Layer::Activation(Activation::Relu)]).unwrap();
        let fresh = net.clone();
        net.eval(&[Q::ONE]).unwrap();
        assert_eq!(net, fresh);
        assert_eq!(net.clone().eval(&[-Q::ONE]).unwrap(), vec![Q::ZERO]);
    }
}
