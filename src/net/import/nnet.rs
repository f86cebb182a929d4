//! The NNet text format (the ACAS Xu networks), read exactly.
//!
//! ```text
//! // any number of header comment lines
//! numLayers, inputSize, outputSize, maxLayerSize,
//! layerSize_0 (= inputSize), layerSize_1, ..., layerSize_numLayers (= outputSize),
//! 0,                       (a legacy flag, ignored)
//! input mins (inputSize values),
//! input maxes (inputSize values),
//! means (inputSize values, then the output's),
//! ranges (inputSize values, then the output's),
//! then for each layer: layerSize_{k+1} weight rows of layerSize_k values, one per line,
//! then layerSize_{k+1} biases, one per line.
//! ```
//!
//! Every number is parsed exactly as the decimal it is written as ([`Q::parse`], never
//! through `f64`). Every hidden layer has a ReLU; the output layer has none.
//!
//! With [`NnetOptions::normalize`] (the default) the file's normalisation becomes two exact
//! affine layers, so the network takes raw inputs and gives raw outputs:
//! - in front, `x_norm_i = (x_i - mean_i) / range_i`;
//! - at the end, `y_i = y_norm_i · range_out + mean_out`.
//!
//! Without it the network is the bare ReLU network on normalised values.
//!
//! With [`NnetOptions::clamp`] (the default) every input is first clamped to
//! `[min_i, max_i]`, as the NNet reference reader does: two exact layers in front,
//! `u_i = (x_i - min_i)/(max_i - min_i)` and `hard_tanh` to `[0, 1]`, and the next layer
//! maps `u` back to `min_i + (max_i - min_i)·u_i` (merged with the normalisation). Without
//! it, inputs outside the box are taken as they are.
//!
//! Either way the network's [`Network::input_box`] is the file's box `[min, max]`, so
//! region commands look at that box when no domain is given.

use crate::error::{Error, Result};
use crate::exact::linalg::Matrix;
use crate::exact::rational::Q;
use crate::net::network::{Activation, Layer, MAX_VALUES, Network, Shape};

/// The largest layer size accepted, so a typo cannot exhaust memory.
const MAX_UNITS: usize = 100_000;

/// How to import an NNet file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NnetOptions {
    /// Add the file's input normalisation in front and its output de-normalisation at the
    /// end as exact affine layers (default `true`).
    pub normalize: bool,
    /// Clamp each input to the file's `[min, max]` first, as the NNet reference reader
    /// does (default `true`).
    pub clamp: bool,
}

impl Default for NnetOptions {
    fn default() -> NnetOptions {
        NnetOptions {
            normalize: true,
            clamp: true,
        }
    }
}

struct Lines<'a> {
    source: &'a str,
    /// `(1-based line number, values)` of every non-empty, non-comment line.
    lines: Vec<(usize, Vec<&'a str>)>,
    next: usize,
}

impl<'a> Lines<'a> {
    fn err(&self, line: Option<usize>, message: impl Into<String>) -> Error {
        Error::Format {
            source_name: self.source.to_string(),
            path: match line {
                Some(l) => format!("line {l}"),
                None => "end of file".into(),
            },
            message: message.into(),
        }
    }

    /// The next line's values; `what` says what was expected, for errors.
    fn line(&mut self, what: &str) -> Result<(usize, Vec<&'a str>)> {
        match self.lines.get(self.next) {
            Some(l) => {
                self.next += 1;
                Ok(l.clone())
            }
            None => Err(self.err(
                None,
                format!("the file ends where {what} was expected; the file is truncated"),
            )),
        }
    }

    /// The next line, parsed as exactly `n` numbers.
    fn numbers(&mut self, n: usize, what: &str) -> Result<(usize, Vec<Q>)> {
        let (no, items) = self.line(what)?;
        if items.len() != n {
            return Err(self.err(
                Some(no),
                format!(
                    "expected {what}: {n} comma-separated numbers, found {}",
                    items.len()
                ),
            ));
        }
        let values = items
            .iter()
            .enumerate()
            .map(|(i, t)| {
                if t.ends_with('.') {
                    return Err(self.err(
                        Some(no),
                        format!(
                            "{what}, value {}: `{t}` ends in a decimal point, as a number cut short does; write the digits after it (e.g. `{t}0`)",
                            i + 1
                        ),
                    ));
                }
                Q::parse(t).map_err(|e| self.err(Some(no), format!("{what}, value {}: {e}", i + 1)))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((no, values))
    }

    fn counts(&mut self, n: Option<usize>, what: &str) -> Result<(usize, Vec<usize>)> {
        let (no, items) = self.line(what)?;
        if let Some(n) = n
            && items.len() != n
        {
            return Err(self.err(
                Some(no),
                format!(
                    "expected {what}: {n} integers, found {} values",
                    items.len()
                ),
            ));
        }
        let values = items
            .iter()
            .map(|t| match t.parse::<usize>() {
                Ok(v) if (1..=MAX_UNITS).contains(&v) => Ok(v),
                Ok(v) if v > MAX_UNITS => Err(self.err(
                    Some(no),
                    format!("{what}: {v} is larger than the {MAX_UNITS} units accepted"),
                )),
                _ => Err(self.err(
                    Some(no),
                    format!("{what}: expected a positive integer, found `{t}`"),
                )),
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((no, values))
    }
}

/// Reads an NNet file's text; `source` names the file in errors (which give the line).
pub fn from_nnet_str(text: &str, source: &str, options: NnetOptions) -> Result<Network> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut r = Lines {
        source,
        lines: data_lines(text, source)?,
        next: 0,
    };
    if r.lines.is_empty() {
        return Err(r.err(
            None,
            "no data: an NNet file starts with `numLayers,inputSize,outputSize,maxLayerSize,` after its // comments",
        ));
    }
    let sizes = read_sizes(&mut r, options)?;
    let norm = read_normalisation(&mut r, sizes[0], options)?;
    let bounds = norm.bounds(options);
    let mut layers = Vec::new();
    if options.clamp {
        let Some((lo, hi)) = &bounds else {
            return Err(r.err(
                None,
                "a range is 0, so the clamp to [min, max] cannot be written on normalised inputs; import with --no-clamp",
            ));
        };
        layers.extend(clamp_layers(lo, hi, &norm, options, &mut r)?);
    } else if options.normalize {
        layers.push(norm.input_layer());
    }
    read_layers(&mut r, &sizes, &mut layers)?;
    if let Some((no, _)) = r.lines.get(r.next) {
        return Err(r.err(
            Some(*no),
            "extra data after the last layer's biases; check the layer sizes on the second line",
        ));
    }
    if options.normalize {
        layers.push(norm.output_layer(sizes[sizes.len() - 1]));
    }
    let mut net = Network::new(Shape::Flat(sizes[0]), layers).map_err(|e| Error::Format {
        source_name: source.into(),
        path: "layers".into(),
        message: e.to_string(),
    })?;
    net.notes = norm.notes(options, bounds.as_ref());
    net.input_box = bounds;
    net.name = std::path::Path::new(source)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned());
    net.description = Some(format!("imported from the NNet file {source}"));
    Ok(net)
}

/// `(1-based line number, values)` of every line after the header comments that is not
/// empty; a `//` comment after the header is an error.
fn data_lines<'a>(text: &'a str, source: &str) -> Result<Vec<(usize, Vec<&'a str>)>> {
    let mut lines = Vec::new();
    let mut in_header = true;
    for (i, raw) in text.lines().enumerate() {
        let t = raw.trim();
        if t.is_empty() {
            continue;
        }
        if t.starts_with("//") {
            if in_header {
                continue;
            }
            return Err(Error::Format {
                source_name: source.into(),
                path: format!("line {}", i + 1),
                message: "a `//` comment after the header; comments are allowed only at the top"
                    .into(),
            });
        }
        in_header = false;
        let items: Vec<&str> = t.split(',').map(str::trim).collect();
        // A trailing comma (the usual NNet style) leaves one empty item at the end.
        let items = match items.split_last() {
            Some((&"", rest)) => rest.to_vec(),
            _ => items,
        };
        lines.push((i + 1, items));
    }
    let last = text.trim_end_matches([' ', '\t', '\r']);
    if !lines.is_empty() && !last.ends_with(['\n', ',']) {
        return Err(Error::Format {
            source_name: source.into(),
            path: format!("line {}", text.lines().count()),
            message: "the last value is followed by neither a comma nor a line end, so the file may be truncated in the middle of a number; if it is complete, end it with a newline".into(),
        });
    }
    Ok(lines)
}

/// The header and the layer sizes (input, hidden..., output), checked against each other
/// and against the limits.
fn read_sizes(r: &mut Lines, options: NnetOptions) -> Result<Vec<usize>> {
    let (hno, head) = r.counts(
        Some(4),
        "the header numLayers,inputSize,outputSize,maxLayerSize",
    )?;
    let (num_layers, input_size, output_size) = (head[0], head[1], head[2]);
    if num_layers > 1000 {
        return Err(r.err(
            Some(hno),
            format!("{num_layers} layers is more than the 1000 accepted"),
        ));
    }
    let (sno, sizes) = r.counts(
        Some(num_layers + 1),
        &format!("{} layer sizes (input, hidden..., output)", num_layers + 1),
    )?;
    if sizes[0] != input_size || sizes[num_layers] != output_size {
        return Err(r.err(
            Some(sno),
            format!(
                "the layer sizes start with {} and end with {}, but the header says inputSize {input_size} and outputSize {output_size}",
                sizes[0], sizes[num_layers]
            ),
        ));
    }
    let weights = sizes
        .windows(2)
        .try_fold(0usize, |acc, w| acc.checked_add(w[0].checked_mul(w[1])?));
    let square = |n: usize| n.checked_mul(n).filter(|&nn| nn <= MAX_VALUES);
    if weights.is_none_or(|w| w > MAX_VALUES) {
        return Err(r.err(
            Some(sno),
            format!("these layer sizes need more than {MAX_VALUES} weights"),
        ));
    }
    if (options.normalize && square(output_size).is_none())
        || ((options.normalize || options.clamp) && square(input_size).is_none())
    {
        return Err(r.err(
            Some(sno),
            format!(
                "the normalisation and clamp layers for {input_size} inputs and {output_size} outputs would need more than {MAX_VALUES} weights; import with --no-normalize --no-clamp"
            ),
        ));
    }
    Ok(sizes)
}

/// The file's input region and normalisation: per input, then (for means and ranges) the
/// output's.
struct Normalisation {
    mins: Vec<Q>,
    maxes: Vec<Q>,
    means: Vec<Q>,
    ranges: Vec<Q>,
}

/// The legacy flag line, then the minimums, maximums, means and ranges.
fn read_normalisation(
    r: &mut Lines,
    input_size: usize,
    options: NnetOptions,
) -> Result<Normalisation> {
    r.line("the legacy flag line (`0,`)")?;
    let (_, mins) = r.numbers(input_size, "the input minimums")?;
    let (_, maxes) = r.numbers(input_size, "the input maximums")?;
    let (_, means) = r.numbers(
        input_size + 1,
        "the means (one per input, then the output's)",
    )?;
    let (rno, ranges) = r.numbers(
        input_size + 1,
        "the ranges (one per input, then the output's)",
    )?;
    if options.normalize
        && let Some(i) = ranges.iter().position(Q::is_zero)
    {
        return Err(r.err(
            Some(rno),
            format!(
                "range {} is 0, so (x - mean)/range is undefined; import with --no-normalize (NnetOptions {{ normalize: false }})",
                i + 1
            ),
        ));
    }
    Ok(Normalisation {
        mins,
        maxes,
        means,
        ranges,
    })
}

impl Normalisation {
    fn inputs(&self) -> usize {
        self.mins.len()
    }

    /// `x_norm_i = (x_i - mean_i) / range_i` (every range checked non-zero).
    fn input_layer(&self) -> Layer {
        let n = self.inputs();
        let mut w = Matrix::zeros(n, n);
        let mut b = Vec::with_capacity(n);
        for i in 0..n {
            let inv = self.ranges[i].recip().expect("checked non-zero");
            b.push(-(&self.means[i] * &inv));
            w[(i, i)] = inv;
        }
        Layer::Dense {
            weights: w,
            bias: b,
        }
    }

    /// `y_i = y_norm_i · range_out + mean_out` for `outputs` outputs.
    fn output_layer(&self, outputs: usize) -> Layer {
        let n = self.inputs();
        let (m, s) = (&self.means[n], &self.ranges[n]);
        let mut w = Matrix::zeros(outputs, outputs);
        for i in 0..outputs {
            w[(i, i)] = s.clone();
        }
        Layer::Dense {
            weights: w,
            bias: vec![m.clone(); outputs],
        }
    }

    /// The file's box `[min, max]` in the network's input coordinates (normalised ones
    /// without normalisation; `None` when a range is 0 there).
    fn bounds(&self, options: NnetOptions) -> Option<(Vec<Q>, Vec<Q>)> {
        if options.normalize {
            return Some((self.mins.clone(), self.maxes.clone()));
        }
        let norm = |v: &[Q]| -> Option<Vec<Q>> {
            (0..self.inputs())
                .map(|i| (&v[i] - &self.means[i]).checked_div(&self.ranges[i]))
                .collect()
        };
        Some((norm(&self.mins)?, norm(&self.maxes)?))
    }

    /// The notes of the imported network: the clamp (applied or not, with the box) and
    /// how the normalisation was taken.
    fn notes(&self, options: NnetOptions, bounds: Option<&(Vec<Q>, Vec<Q>)>) -> Vec<String> {
        let region = bounds.map(|(lo, hi)| {
            lo.iter()
                .zip(hi)
                .map(|(l, h)| format!("{l}:{h}"))
                .collect::<Vec<_>>()
                .join(",")
        });
        let clamp = match (options.clamp, region) {
            (true, Some(r)) => format!(
                "inputs are clamped to the file's [min, max] before normalising, as the NNet reference reader does (layers 0 and 1: (x - min)/(max - min), then hard_tanh to [0, 1]); region commands look at the box --box {r} unless given another domain"
            ),
            (false, Some(r)) => format!(
                "imported without the clamp to [min, max] that the NNet reference reader applies: inputs outside the box are taken as they are; region commands look at the file's box --box {r} unless given another domain"
            ),
            (_, None) => {
                "imported without the clamp to [min, max] that the NNet reference reader applies"
                    .into()
            }
        };
        let normalisation = match (options.normalize, options.clamp) {
            (true, true) => {
                "the NNet normalisation is included exactly: layer 2 computes (x - mean)/range of the clamped inputs, the last layer y·range_out + mean_out"
            }
            (true, false) => {
                "the NNet normalisation is included exactly: layer 0 computes (x - mean)/range, the last layer y·range_out + mean_out"
            }
            (false, _) => {
                "imported without normalisation: inputs and outputs are the normalised values (x - mean)/range and (y - mean_out)/range_out"
            }
        };
        vec![clamp, normalisation.into()]
    }
}

/// The clamp to `[lo, hi]` in front (`lo`, `hi` in the network's input coordinates):
/// `u = (x - lo)/(hi - lo)`, `hard_tanh` to `[0, 1]`, then `lo + (hi - lo)·u`, normalised when
/// `options.normalize`. An input with `lo = hi` is the constant `lo`.
fn clamp_layers(
    lo: &[Q],
    hi: &[Q],
    norm: &Normalisation,
    options: NnetOptions,
    r: &mut Lines,
) -> Result<[Layer; 3]> {
    let n = lo.len();
    if let Some(i) = (0..n).find(|&i| lo[i] > hi[i]) {
        return Err(r.err(
            None,
            format!(
                "input {}: the minimum {} is larger than the maximum {}; fix the file or import with --no-clamp",
                i + 1,
                norm.mins[i],
                norm.maxes[i]
            ),
        ));
    }
    let (mut w0, mut b0) = (Matrix::zeros(n, n), Vec::with_capacity(n));
    let (mut w2, mut b2) = (Matrix::zeros(n, n), Vec::with_capacity(n));
    for i in 0..n {
        let width = &hi[i] - &lo[i];
        match width.recip() {
            Some(inv) => {
                b0.push(-(&lo[i] * &inv));
                w0[(i, i)] = inv;
            }
            None => b0.push(Q::ZERO),
        }
        // x = lo + width·u, then (x - mean)/range when normalising.
        let (scale, shift) = if options.normalize {
            let inv = norm.ranges[i].recip().expect("checked non-zero");
            (&width * &inv, (&lo[i] - &norm.means[i]) * &inv)
        } else {
            (width, lo[i].clone())
        };
        w2[(i, i)] = scale;
        b2.push(shift);
    }
    Ok([
        Layer::Dense {
            weights: w0,
            bias: b0,
        },
        Layer::Activation(Activation::HardTanh {
            min: Q::ZERO,
            max: Q::ONE,
        }),
        Layer::Dense {
            weights: w2,
            bias: b2,
        },
    ])
}

/// Each layer's weight rows and biases, as dense layers with a ReLU after every hidden one.
fn read_layers(r: &mut Lines, sizes: &[usize], layers: &mut Vec<Layer>) -> Result<()> {
    let num_layers = sizes.len() - 1;
    for k in 0..num_layers {
        let (n_in, n_out) = (sizes[k], sizes[k + 1]);
        let mut rows = Vec::with_capacity(n_out);
        for j in 0..n_out {
            let (_, row) = r.numbers(
                n_in,
                &format!("layer {} weight row {} ({n_in} weights)", k + 1, j + 1),
            )?;
            rows.push(row);
        }
        let mut bias = Vec::with_capacity(n_out);
        for j in 0..n_out {
            let (_, b) = r.numbers(1, &format!("layer {} bias {}", k + 1, j + 1))?;
            bias.extend(b);
        }
        layers.push(Layer::Dense {
            weights: Matrix::from_rows(rows).expect("rows have n_in values"),
            bias,
        });
        if k + 1 < num_layers {
            layers.push(Layer::Activation(Activation::Relu));
        }
    }
    Ok(())
}
