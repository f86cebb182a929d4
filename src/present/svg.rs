//! Hand-written SVG pictures for reports: the graph of `f` on a 1-D domain, the regions and
//! the output on a 2-D domain. Geometry is exact (windows, clipped polygons, values at
//! vertices are rationals); floats appear only as drawing coordinates. The output is
//! deterministic: the same regions give the same bytes.

use crate::exact::decimal::{decimal, is_long};
use crate::exact::filtered::{self, Iv};
use crate::exact::linalg::HalfSpace;
use crate::exact::rational::Q;
use crate::net::network::Network;
use crate::present::picture::{Picture, suggested_slice};
use crate::regions::domain::DomainKind;
use crate::regions::enumerate::{Region, Regions};
use crate::regions::formula::{affine_formula, approx_formula};
use itertools::Itertools;
use std::fmt::Write;

/// Fill colours of regions (a greedy colouring of the neighbour graph picks among them).
const PALETTE: [&str; 8] = [
    "#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5",
];

/// Colour map for output values, low to high (viridis).
const RAMP: [&str; 5] = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"];

/// The most outputs drawn without `--output`.
const MAX_OUTPUTS: usize = 8;

/// The pictures for a report, or why there are none.
pub(crate) fn pictures(
    net: &Network,
    regions: &Regions,
    output: Option<usize>,
) -> Result<Vec<Picture>, String> {
    let dom = &regions.domain;
    let k = dom.dim();
    if k >= 3 {
        return Err(format!(
            "No pictures: the domain has {k} dimensions, and only 1-D and 2-D domains are drawn. Look at a 2-D slice, e.g. `relucheck report NET {}`, or a segment (`--segment \"FROM;TO\"`).",
            suggested_slice(dom.input_dim())
        ));
    }
    if regions.regions.is_empty() {
        return Err("No pictures: no region was found.".into());
    }
    let m = net.output_dim();
    let outputs: Vec<usize> = match output {
        Some(o) => vec![o],
        None => (0..m.min(MAX_OUTPUTS)).collect(),
    };
    let suffix = |o: usize| {
        if m == 1 {
            String::new()
        } else {
            format!("-f{}", o + 1)
        }
    };
    let mut out = Vec::new();
    let name = &net.shown_name("the network");
    if k == 1 {
        for &o in &outputs {
            out.push(graph_1d(
                name,
                regions,
                o,
                m,
                format!("graph{}.svg", suffix(o)),
            ));
        }
    } else {
        let plane = Plane::new(regions);
        out.push(regions_2d(name, regions, &plane));
        for &o in &outputs {
            out.push(output_2d(
                name,
                regions,
                &plane,
                o,
                m,
                format!("output{}.svg", suffix(o)),
            ));
        }
    }
    if output.is_none() && m > MAX_OUTPUTS {
        let last = out.last_mut().expect("at least one picture");
        last.caption.push_str(&format!(
            " Only the first {MAX_OUTPUTS} of {m} outputs are drawn; `--output K` draws output K."
        ));
    }
    Ok(out)
}

// ---------- helpers ----------

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A drawing coordinate with two decimals (never `-0.00`).
fn fx(x: f64) -> String {
    let s = format!("{x:.2}");
    if s == "-0.00" { "0.00".into() } else { s }
}

fn pow10(e: i32) -> Q {
    let p = Q::from_int(10i64.pow(e.unsigned_abs().min(18)));
    if e >= 0 { p } else { Q::ONE / p }
}

/// A step of 1, 2 or 5 times a power of ten with at most `target` steps in `span > 0`.
fn nice_step(span: &Q, target: usize) -> Q {
    let raw = span.to_f64() / target as f64;
    if !(1e-15..1e15).contains(&raw) {
        return span / Q::from_int(target as i64);
    }
    let e = raw.log10().floor() as i32;
    for m in [1, 2, 5, 10, 20] {
        let step = Q::from_int(m) * pow10(e);
        if span / &step <= Q::from_int(target as i64) {
            return step;
        }
    }
    span / Q::from_int(target as i64)
}

/// The multiples of `step` in `[lo, hi]`.
fn ticks(lo: &Q, hi: &Q, step: &Q) -> Vec<Q> {
    let mut t = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while &t <= hi && out.len() < 100 {
        out.push(t.clone());
        t += step;
    }
    out
}

/// An exact number as a person writes it: a decimal when it has a short finite one, else a
/// fraction; a long one (an imported float32 value, a long fraction) as a 4-digit decimal
/// marked `≈`, so that no label runs off the canvas.
fn num(q: &Q) -> String {
    if is_long(q) && !q.is_integer() {
        return format!("≈{}", decimal(q, 4)).replace('-', "−");
    }
    let mut d = q.denom();
    let two = num_bigint::BigInt::from(2);
    let five = num_bigint::BigInt::from(5);
    let zero = num_bigint::BigInt::from(0);
    let mut places = 0u32;
    while &d % &two == zero {
        d /= &two;
        places += 1;
    }
    let mut fives = 0u32;
    while &d % &five == zero {
        d /= &five;
        fives += 1;
    }
    let places = places.max(fives);
    let s = if d == num_bigint::BigInt::from(1) && places > 0 && places <= 12 {
        let scaled = q * &Q::from_int(10i64.pow(places));
        let n = scaled.numer();
        let neg = n < zero;
        let digits = n.magnitude().to_string();
        let digits = format!("{digits:0>width$}", width = places as usize + 1);
        let (int, frac) = digits.split_at(digits.len() - places as usize);
        format!("{}{int}.{frac}", if neg { "-" } else { "" })
    } else {
        q.to_string()
    };
    s.replace('-', "−")
}

/// A formula for a picture: exact when every coefficient is short; else its decimals
/// (marked `≈`), with the exact formula beside for a tooltip.
fn picture_formula(row: &[Q], c: &Q, names: &[String]) -> (String, Option<String>) {
    let exact = affine_formula(row, c, names);
    if row.iter().any(is_long) || is_long(c) {
        (format!("≈ {}", approx_formula(row, c, names)), Some(exact))
    } else {
        (exact, None)
    }
}

/// `<title>EXACT</title>` inside a label whose text is rounded: a viewer shows the exact
/// form on hover.
fn tooltip(full: Option<&str>) -> String {
    full.map(|f| format!("<title>{}</title>", esc(f)))
        .unwrap_or_default()
}

/// A line of text with an optional tooltip (see [`tooltip`]).
fn text_titled(s: &mut String, x: f64, y: f64, size: u32, body: &str, full: Option<&str>) {
    writeln!(
        s,
        "<text x=\"{}\" y=\"{}\" font-size=\"{size}\" text-anchor=\"start\">{}{}</text>",
        fx(x),
        fx(y),
        tooltip(full),
        esc(body)
    )
    .unwrap();
}

fn svg_open(w: u32, h: u32, title: &str) -> String {
    let mut s = String::new();
    writeln!(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>").unwrap();
    writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">"
    )
    .unwrap();
    writeln!(s, "<title>{}</title>", esc(title)).unwrap();
    writeln!(s, "<rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>").unwrap();
    s
}

fn text(s: &mut String, x: f64, y: f64, size: u32, anchor: &str, body: &str) {
    writeln!(
        s,
        "<text x=\"{}\" y=\"{}\" font-size=\"{size}\" text-anchor=\"{anchor}\">{}</text>",
        fx(x),
        fx(y),
        esc(body)
    )
    .unwrap();
}

/// A plot rectangle mapping a window `[lo, hi]` (per axis) to pixels.
struct Frame {
    lo: Vec<Q>,
    hi: Vec<Q>,
    left: f64,
    top: f64,
    w: f64,
    h: f64,
}

impl Frame {
    fn x(&self, v: &Q) -> f64 {
        self.left + ((v - &self.lo[0]) / (&self.hi[0] - &self.lo[0])).to_f64() * self.w
    }

    fn y(&self, v: &Q) -> f64 {
        self.top + self.h - ((v - &self.lo[1]) / (&self.hi[1] - &self.lo[1])).to_f64() * self.h
    }

    /// The pixel of a point of the window.
    fn px(&self, p: &[Q]) -> (f64, f64) {
        (self.x(&p[0]), self.y(&p[1]))
    }

    /// Axes with ticks and labels, and the frame.
    fn axes(&self, s: &mut String, names: [&str; 2]) {
        let (l, t, w, h) = (self.left, self.top, self.w, self.h);
        for axis in 0..2 {
            let span = &self.hi[axis] - &self.lo[axis];
            let step = nice_step(&span, 8);
            for v in ticks(&self.lo[axis], &self.hi[axis], &step) {
                if axis == 0 {
                    let x = self.x(&v);
                    writeln!(
                        s,
                        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\"/>",
                        fx(x),
                        fx(t + h),
                        fx(x),
                        fx(t + h + 5.0)
                    )
                    .unwrap();
                    text(s, x, t + h + 18.0, 11, "middle", &num(&v));
                } else {
                    let y = self.y(&v);
                    writeln!(
                        s,
                        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\"/>",
                        fx(l - 5.0),
                        fx(y),
                        fx(l),
                        fx(y)
                    )
                    .unwrap();
                    text(s, l - 8.0, y + 4.0, 11, "end", &num(&v));
                }
            }
        }
        writeln!(
            s,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#333\"/>",
            fx(l),
            fx(t),
            fx(w),
            fx(h)
        )
        .unwrap();
        text(s, l + w / 2.0, t + h + 38.0, 13, "middle", names[0]);
        writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"middle\" transform=\"rotate(-90 {} {})\">{}</text>",
            fx(l - 48.0),
            fx(t + h / 2.0),
            fx(l - 48.0),
            fx(t + h / 2.0),
            esc(names[1])
        )
        .unwrap();
    }
}

/// `[lo, hi]` of a 1-D polyhedron from its constraints (`None`: unbounded that way).
fn interval(r: &crate::geometry::polytope::Polytope) -> (Option<Q>, Option<Q>) {
    let (mut lo, mut hi): (Option<Q>, Option<Q>) = (None, None);
    for h in r.constraints() {
        let a = &h.a[0];
        if a.is_zero() {
            continue;
        }
        let v = &h.b / a;
        if a.is_positive() {
            hi = Some(hi.map_or(v.clone(), |x| x.min(v.clone())));
        } else {
            lo = Some(lo.map_or(v.clone(), |x| x.max(v.clone())));
        }
    }
    (lo, hi)
}

/// A window `[lo - margin, hi + margin]` rounded out to a nice step.
fn padded(lo: &Q, hi: &Q) -> (Q, Q) {
    padded_by(lo, hi, &(hi - lo))
}

/// A window `[lo - margin, hi + margin]` with the margin taken from `span`, rounded out to
/// a nice step.
fn padded_by(lo: &Q, hi: &Q, span: &Q) -> (Q, Q) {
    let span = span.clone();
    let margin = if span.is_zero() {
        Q::ONE
    } else {
        (&span / Q::from_int(4)).max(Q::new(1, 2).min(span.clone()))
    };
    let (a, b) = (lo - &margin, hi + &margin);
    let step = nice_step(&(&b - &a), 10);
    ((&a / &step).floor() * &step, (&b / &step).ceil() * &step)
}

fn caption_tail(regions: &Regions) -> String {
    if regions.is_complete() {
        String::new()
    } else {
        format!(
            " INCOMPLETE: the enumeration {}; only the {} regions found are drawn, the rest is left white.",
            regions.stop.describe(),
            regions.regions.len()
        )
    }
}

// ---------- 1-D ----------

fn graph_1d(name: &str, regions: &Regions, o: usize, m: usize, file: String) -> Picture {
    let dom = &regions.domain;
    let names = dom.coordinate_names();
    let fname = if m == 1 {
        "f".to_string()
    } else {
        format!("f{}", o + 1)
    };
    let ivs: Vec<(Option<Q>, Option<Q>)> = regions
        .regions
        .iter()
        .map(|r| interval(&r.polytope))
        .collect();
    let (wlo, whi, window_note) = window_1d(regions, &ivs);
    // The graph: one segment per region, clipped to the window.
    let mut segs: Vec<(usize, Q, Q)> = Vec::new();
    for (r, (a, b)) in regions.regions.iter().zip(&ivs) {
        let a = a.clone().map_or(wlo.clone(), |a| a.max(wlo.clone()));
        let b = b.clone().map_or(whi.clone(), |b| b.min(whi.clone()));
        if a < b {
            segs.push((r.id, a, b));
        }
    }
    let mut g = Graph {
        regions,
        o,
        fname,
        names,
        frame: Frame {
            lo: Vec::new(),
            hi: Vec::new(),
            left: 80.0,
            top: 64.0,
            w: 560.0,
            h: 380.0,
        },
        segs,
        pieces: Vec::new(),
    };
    let (ylo, yhi) = g.value_range();
    g.frame.lo = vec![wlo, ylo];
    g.frame.hi = vec![whi, yhi];
    g.pieces = g.pieces_of_output();
    let (width, height) = (1000, 510);
    let title = format!("{name}: the graph of {}", g.fname);
    let mut s = svg_open(width, height, &title);
    title_block(&mut s, &title, &format!("on {}", dom.describe()));
    g.frame.axes(&mut s, [&g.names[0], &g.fname]);
    g.polyline(&mut s);
    let n_break = g.breakpoints(&mut s);
    let legend = g.piece_labels(&mut s);
    g.legend(&mut s, &legend);
    s.push_str("</svg>\n");
    let caption = format!(
        "The graph of {} on {} with its {n_break} breakpoints marked (filled where the formula changes, hollow where only a unit's piece does); each of its {} linear pieces is labelled with its formula (or a number listed on the right).{window_note}{}",
        g.fname,
        dom.describe(),
        g.pieces.len(),
        caption_tail(regions)
    );
    Picture {
        file,
        caption,
        output: Some(o),
        svg: s,
    }
}

/// The window `[lo, hi]` of a 1-D domain: the domain itself when bounded, else every
/// breakpoint with a margin (and a note that says so).
fn window_1d(regions: &Regions, ivs: &[(Option<Q>, Option<Q>)]) -> (Q, Q, String) {
    let (dlo, dhi) = interval(regions.domain.polytope());
    if let (Some(a), Some(b)) = (&dlo, &dhi) {
        return (a.clone(), b.clone(), String::new());
    }
    let mut ends: Vec<Q> = ivs
        .iter()
        .flat_map(|(a, b)| [a.clone(), b.clone()])
        .flatten()
        .collect();
    ends.sort();
    ends.dedup();
    let pts: Vec<Q> = if ends.is_empty() {
        regions
            .regions
            .iter()
            .map(|r| r.interior_point[0].clone())
            .collect()
    } else {
        ends
    };
    let (mut a, mut b) = padded(
        pts.iter().min().expect("regions"),
        pts.iter().max().expect("regions"),
    );
    if let Some(l) = &dlo {
        a = l.clone();
    }
    if let Some(h) = &dhi {
        b = h.clone();
    }
    let note = format!(
        " The domain is unbounded: the picture shows [{}, {}], which contains every breakpoint with a margin.",
        num(&a),
        num(&b)
    );
    (a, b, note)
}

/// The graph of output `o` on a 1-D domain, being drawn.
struct Graph<'a> {
    regions: &'a Regions,
    o: usize,
    /// `f`, or `f2` for output 2 of several.
    fname: String,
    names: Vec<String>,
    frame: Frame,
    /// `(region, from, to)`: each region's part of the window, left to right.
    segs: Vec<(usize, Q, Q)>,
    /// `(first region, from, to)`: runs of consecutive segments with equal formulas.
    pieces: Vec<(usize, Q, Q)>,
}

impl Graph<'_> {
    /// `f_o` at `s` on region `r`.
    fn value(&self, r: &Region, s: &Q) -> Q {
        let (row, c) = r.map.component(self.o);
        &row[0] * s + c
    }

    /// The formula of output `o` on region `id`.
    fn formula(&self, id: usize) -> (Vec<Q>, Q) {
        let (row, c) = self.regions.regions[id].map.component(self.o);
        (row.to_vec(), c.clone())
    }

    /// `f = ...` on region `id`, and the exact form when the label is rounded.
    fn label(&self, id: usize) -> (String, Option<String>) {
        let (row, c) = self.regions.regions[id].map.component(self.o);
        let (f, full) = picture_formula(row, c, &self.names);
        let name = &self.fname;
        (
            format!("{name} = {f}"),
            full.map(|e| format!("{name} = {e}")),
        )
    }

    /// The vertical window: the values at the segments' ends, with a margin.
    fn value_range(&self) -> (Q, Q) {
        let vals: Vec<Q> = self
            .segs
            .iter()
            .flat_map(|(id, a, b)| {
                let r = &self.regions.regions[*id];
                [self.value(r, a), self.value(r, b)]
            })
            .collect();
        let vmin = vals.iter().min().cloned().unwrap_or(Q::ZERO);
        let vmax = vals.iter().max().cloned().unwrap_or(Q::ONE);
        if vmin == vmax {
            (&vmin - Q::ONE, &vmax + Q::ONE)
        } else {
            let pad = (&vmax - &vmin) / Q::from_int(12);
            (&vmin - &pad, &vmax + &pad)
        }
    }

    fn pieces_of_output(&self) -> Vec<(usize, Q, Q)> {
        let mut pieces: Vec<(usize, Q, Q)> = Vec::new();
        for (id, a, b) in &self.segs {
            match pieces.last_mut() {
                Some((pid, _, to)) if self.formula(*pid) == self.formula(*id) && to == a => {
                    *to = b.clone()
                }
                _ => pieces.push((*id, a.clone(), b.clone())),
            }
        }
        pieces
    }

    /// The number a run of the graph is labelled with: the report's linear piece (or
    /// pieces, when outputs other than this one change formula inside the run), counted
    /// from 0 as everywhere; region ids (`r4`) when the linear pieces are not known.
    fn run_number(&self, from: &Q, to: &Q) -> String {
        let inside = || {
            self.segs
                .iter()
                .filter(move |(_, a, b)| a >= from && b <= to)
                .map(|(id, _, _)| &self.regions.regions[*id])
        };
        let pieces: Option<Vec<usize>> = inside().map(|r| r.piece).collect();
        match pieces {
            Some(p) => p.into_iter().dedup().join(","),
            None => inside().map(|r| format!("r{}", r.id)).dedup().join(","),
        }
    }

    /// The graph itself, one path.
    fn polyline(&self, s: &mut String) {
        let frame = &self.frame;
        let mut d = String::new();
        for (i, (id, a, b)) in self.segs.iter().enumerate() {
            let r = &self.regions.regions[*id];
            let cmd = if i == 0 || self.segs[i - 1].2 != *a {
                "M"
            } else {
                "L"
            };
            write!(
                d,
                "{cmd}{},{} L{},{} ",
                fx(frame.x(a)),
                fx(frame.y(&self.value(r, a))),
                fx(frame.x(b)),
                fx(frame.y(&self.value(r, b)))
            )
            .unwrap();
        }
        writeln!(
            s,
            "<path class=\"graph\" d=\"{}\" fill=\"none\" stroke=\"#1f5fa8\" stroke-width=\"2.2\" stroke-linejoin=\"round\"/>",
            d.trim_end()
        )
        .unwrap();
    }

    /// Breakpoints, where consecutive segments meet; returns how many.
    fn breakpoints(&self, s: &mut String) -> usize {
        let mut n_break = 0;
        for w in self.segs.windows(2) {
            let (ia, _, ea) = &w[0];
            let (ib, sb, _) = &w[1];
            if ea != sb {
                continue;
            }
            n_break += 1;
            let changes = self.formula(*ia) != self.formula(*ib);
            let y = self.value(&self.regions.regions[*ib], sb);
            writeln!(
                s,
                "<circle class=\"breakpoint\" cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"{}\" stroke=\"#1f5fa8\" stroke-width=\"1.5\"/>",
                fx(self.frame.x(sb)),
                fx(self.frame.y(&y)),
                if changes { "#1f5fa8" } else { "#ffffff" }
            )
            .unwrap();
        }
        n_break
    }

    /// Labels: the formula over its piece when every one fits, else a number; returns the
    /// legend lines of the numbered pieces.
    fn piece_labels(&self, s: &mut String) -> Vec<(String, Option<String>)> {
        let frame = &self.frame;
        let pieces = &self.pieces;
        let mut legend: Vec<(String, Option<String>)> = Vec::new();
        // Formulas on the graph only when every one fits over its piece.
        let all_fit = pieces.len() <= 12
            && pieces.iter().all(|(id, a, b)| {
                self.label(*id).0.chars().count() as f64 * 6.4 < frame.x(b) - frame.x(a)
            });
        for (id, a, b) in pieces {
            let r = &self.regions.regions[*id];
            let (f, full) = self.label(*id);
            let number = self.run_number(a, b);
            let mid = (a + b) / Q::from_int(2);
            let (x, y) = (frame.x(&mid), frame.y(&self.value(r, &mid)));
            let above = if y - 14.0 < frame.top {
                y + 20.0
            } else {
                y - 10.0
            };
            if all_fit {
                writeln!(
                    s,
                    "<text class=\"piece-label\" x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#0b3d75\">{}{}</text>",
                    fx(x),
                    fx(above),
                    tooltip(full.as_deref()),
                    esc(&f)
                )
                .unwrap();
            } else if pieces.len() <= 40 {
                writeln!(
                    s,
                    "<text class=\"piece-label\" x=\"{}\" y=\"{}\" font-size=\"11\" font-weight=\"bold\" text-anchor=\"start\" fill=\"#0b3d75\">{}</text>",
                    fx(x + 7.0),
                    fx(y + 4.0),
                    esc(&number)
                )
                .unwrap();
                let on = format!("{number}: on [{}, {}], ", num(a), num(b));
                legend.push((format!("{on}{f}"), full.map(|e| format!("{on}{e}"))));
            }
        }
        legend
    }

    /// The key to the breakpoint marks, and the numbered pieces' formulas.
    fn legend(&self, s: &mut String, legend: &[(String, Option<String>)]) {
        let lx = self.frame.left + self.frame.w + 30.0;
        let mut y = self.frame.top + 8.0;
        writeln!(
            s,
            "<circle cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"#1f5fa8\" stroke=\"#1f5fa8\"/>",
            fx(lx + 4.0),
            fx(y - 4.0)
        )
        .unwrap();
        text(
            s,
            lx + 16.0,
            y,
            11,
            "start",
            "breakpoint: the formula changes",
        );
        y += 20.0;
        writeln!(
            s,
            "<circle cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"#ffffff\" stroke=\"#1f5fa8\" stroke-width=\"1.5\"/>",
            fx(lx + 4.0),
            fx(y - 4.0)
        )
        .unwrap();
        text(
            s,
            lx + 16.0,
            y,
            11,
            "start",
            "a unit changes piece, the formula does not",
        );
        y += 28.0;
        if !legend.is_empty() {
            text(
                s,
                lx,
                y,
                11,
                "start",
                "numbers: linear pieces, from 0 as in report.md",
            );
            y += 17.0;
        }
        for (line, full) in legend.iter().take(18) {
            text_titled(s, lx, y, 11, line, full.as_deref());
            y += 17.0;
        }
        if legend.len() > 18 {
            text(
                s,
                lx,
                y,
                11,
                "start",
                &format!("… {} more: see report.md", legend.len() - 18),
            );
        }
        if self.pieces.len() > 40 {
            text(
                s,
                lx,
                y,
                11,
                "start",
                &format!("{} pieces: formulas in report.md", self.pieces.len()),
            );
        }
    }
}

// ---------- 2-D ----------

/// The drawing window of a 2-D domain and every region's polygon in it.
struct Plane {
    frame: Frame,
    /// `Some(note)` when the domain is unbounded and the window was chosen.
    window_note: Option<String>,
    /// Each region's polygon, `None` when not drawn.
    polys: Vec<Option<Poly>>,
}

/// A drawn region's polygon: its exact vertices, counter-clockwise, and what drawing needs
/// of them, computed once for all pictures.
struct Poly {
    /// The exact vertices.
    exact: Vec<Vec<Q>>,
    /// Their pixel coordinates (for drawing).
    pix: Vec<(f64, f64)>,
    /// Enclosures of their coordinates (the filter of the output's exact extremes).
    iv: Vec<[Iv; 2]>,
}

impl Plane {
    fn new(regions: &Regions) -> Plane {
        let dom = &regions.domain;
        let bounded = dom.is_bounded();
        let (lo, hi, note) = if bounded {
            let box_of = |c: usize| interval_2d(dom.polytope(), c);
            let (a0, b0) = box_of(0);
            let (a1, b1) = box_of(1);
            (vec![a0, a1], vec![b0, b1], None)
        } else {
            let (lo, hi, note) = unbounded_window(regions);
            (lo, hi, Some(note))
        };
        // Equal scales unless the window is very elongated.
        let size = 460.0;
        let (sx, sy) = ((&hi[0] - &lo[0]).to_f64(), (&hi[1] - &lo[1]).to_f64());
        let (w, h) = if sx / sy <= 3.0 && sy / sx <= 3.0 {
            if sx >= sy {
                (size, size * sy / sx)
            } else {
                (size * sx / sy, size)
            }
        } else {
            (size, size)
        };
        let frame = Frame {
            lo,
            hi,
            left: 80.0,
            top: 70.0 + (size - h) / 2.0,
            w,
            h,
        };
        let polys = polygons(regions, &frame.lo, &frame.hi)
            .into_iter()
            .map(|v| v.map(|exact| Poly::new(exact, &frame)))
            .collect();
        Plane {
            frame,
            window_note: note,
            polys,
        }
    }

    fn points_attr(&self, poly: &Poly) -> String {
        poly.pix
            .iter()
            .map(|&(x, y)| format!("{},{}", fx(x), fx(y)))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn centroid(&self, poly: &Poly) -> (f64, f64) {
        let n = poly.pix.len() as f64;
        let (sx, sy) = poly
            .pix
            .iter()
            .fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
        (sx / n, sy / n)
    }

    fn area(&self, poly: &Poly) -> f64 {
        let pts = &poly.pix;
        let mut a = 0.0;
        for i in 0..pts.len() {
            let (x1, y1) = pts[i];
            let (x2, y2) = pts[(i + 1) % pts.len()];
            a += x1 * y2 - x2 * y1;
        }
        a.abs() / 2.0
    }
}

impl Poly {
    fn new(exact: Vec<Vec<Q>>, frame: &Frame) -> Poly {
        let pix = exact.iter().map(|p| frame.px(p)).collect();
        let iv = exact
            .iter()
            .map(|p| [Iv::from_q(&p[0]), Iv::from_q(&p[1])])
            .collect();
        Poly { exact, pix, iv }
    }
}

/// The window of an unbounded 2-D domain: every vertex of every drawn region (a point of
/// each region without one) and the origin, with one margin for both axes; and the note
/// that says so.
fn unbounded_window(regions: &Regions) -> (Vec<Q>, Vec<Q>, String) {
    let mut pts: Vec<Vec<Q>> = Vec::new();
    // Regions without details (a budget cut the details phase) are not drawn.
    let drawn = |r: &&Region| regions.is_complete() || !r.facets.is_empty();
    for r in regions.regions.iter().filter(drawn) {
        let v = match &r.vertices {
            Some(v) => v.clone(),
            None => r.polytope.vertices(),
        };
        if v.is_empty() {
            pts.push(r.interior_point.clone());
        }
        pts.extend(v);
    }
    // The origin too: the corner of the orthant, the point the learner asks about.
    pts.push(vec![Q::ZERO, Q::ZERO]);
    let lo0: Vec<Q> = (0..2)
        .map(|c| pts.iter().map(|p| p[c].clone()).min().expect("a point"))
        .collect();
    let hi0: Vec<Q> = (0..2)
        .map(|c| pts.iter().map(|p| p[c].clone()).max().expect("a point"))
        .collect();
    // One margin for both axes, from the larger span.
    let span = (&hi0[0] - &lo0[0]).max(&hi0[1] - &lo0[1]);
    let mut lo = Vec::new();
    let mut hi = Vec::new();
    for c in 0..2 {
        let (mut a, b) = padded_by(&lo0[c], &hi0[c], &span);
        if matches!(regions.domain.kind(), DomainKind::Orthant) {
            a = Q::ZERO;
        }
        lo.push(a);
        hi.push(b);
    }
    let note = format!(
        "The domain is unbounded: the picture shows the window [{}, {}] × [{}, {}], which contains every vertex of the arrangement in the domain with a margin; regions are clipped to it exactly.",
        num(&lo[0]),
        num(&hi[0]),
        num(&lo[1]),
        num(&hi[1])
    );
    (lo, hi, note)
}

/// Each region's polygon (exact vertices, counter-clockwise) in the window `[lo, hi]`,
/// `None` when it is not drawn.
fn polygons(regions: &Regions, lo: &[Q], hi: &[Q]) -> Vec<Option<Vec<Vec<Q>>>> {
    let bounded = regions.domain.is_bounded();
    let window: Vec<HalfSpace> = if bounded {
        Vec::new()
    } else {
        crate::geometry::polytope::Polytope::from_box(lo, hi).into_constraints()
    };
    regions
        .regions
        .iter()
        .map(|r| {
            if bounded {
                match &r.vertices {
                    Some(v) => Some(v.clone()),
                    None if regions.is_complete() => r.polytope.vertices_2d(),
                    None => None,
                }
            } else if r.facets.is_empty() && !regions.is_complete() {
                None
            } else {
                let mut p = r.polytope.clone();
                for h in &window {
                    p.push(h.clone());
                }
                p.vertices_2d()
            }
            .filter(|v| v.len() >= 3)
        })
        .collect()
}

/// The range of coordinate `c` over a bounded 2-D polytope given by box constraints.
fn interval_2d(p: &crate::geometry::polytope::Polytope, c: usize) -> (Q, Q) {
    let mut obj = vec![Q::ZERO; 2];
    obj[c] = Q::ONE;
    let hi = match p.maximize(&obj) {
        crate::geometry::lp::LpResult::Optimal { value, .. } => value,
        _ => Q::ONE,
    };
    obj[c] = -Q::ONE;
    let lo = match p.maximize(&obj) {
        crate::geometry::lp::LpResult::Optimal { value, .. } => -value,
        _ => Q::ZERO,
    };
    (lo, hi)
}

fn colouring(regions: &Regions) -> Vec<usize> {
    let mut colour = vec![0usize; regions.regions.len()];
    for r in &regions.regions {
        let used: Vec<usize> = r
            .neighbour_ids()
            .into_iter()
            .filter(|&n| n < r.id)
            .map(|n| colour[n])
            .collect();
        colour[r.id] = (0..PALETTE.len())
            .find(|c| !used.contains(c))
            .unwrap_or(r.id % PALETTE.len());
    }
    colour
}

fn title_block(s: &mut String, title: &str, sub: &str) {
    text(s, 20.0, 26.0, 16, "start", title);
    text(s, 20.0, 46.0, 12, "start", &shorten(sub, 150));
}

/// At most `n` characters, with `…` when cut.
fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).collect::<String>() + "…"
    }
}

fn regions_2d(name: &str, regions: &Regions, plane: &Plane) -> Picture {
    let dom = &regions.domain;
    let names = dom.coordinate_names();
    let (width, height) = (1000, 620);
    let pieces = regions
        .piece_count
        .map_or("? linear pieces".to_string(), |p| {
            format!("{p} linear pieces")
        });
    let title = format!(
        "{name}: {} activation regions, {pieces}",
        regions.regions.len()
    );
    let mut s = svg_open(width, height, &title);
    title_block(&mut s, &title, &format!("on {}", dom.describe()));
    let f = &plane.frame;
    clip_path(&mut s, f);
    writeln!(s, "<g clip-path=\"url(#plot)\">").unwrap();
    region_fills(&mut s, regions, plane);
    piece_boundaries(&mut s, regions, plane);
    region_ids(&mut s, regions, plane);
    writeln!(s, "</g>").unwrap();
    f.axes(&mut s, [&names[0], &names[1]]);
    regions_legend(&mut s, regions, f, &names);
    if plane.window_note.is_some() {
        text(
            &mut s,
            f.left,
            f.top + f.h + 58.0,
            11,
            "start",
            &format!(
                "window [{}, {}] × [{}, {}] of an unbounded domain",
                num(&f.lo[0]),
                num(&f.hi[0]),
                num(&f.lo[1]),
                num(&f.hi[1])
            ),
        );
    }
    s.push_str("</svg>\n");
    let caption = format!(
        "The {} activation regions of {name} on {}: each filled in a colour different from its neighbours' and numbered by id; thick lines outline the {}.{}{}",
        regions.regions.len(),
        dom.describe(),
        pieces,
        plane
            .window_note
            .as_ref()
            .map(|n| format!(" {n}"))
            .unwrap_or_default(),
        caption_tail(regions)
    );
    Picture {
        file: "regions.svg".into(),
        caption,
        output: None,
        svg: s,
    }
}

/// The clip path `plot`: the frame's rectangle.
fn clip_path(s: &mut String, f: &Frame) {
    writeln!(
        s,
        "<clipPath id=\"plot\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/></clipPath>",
        fx(f.left),
        fx(f.top),
        fx(f.w),
        fx(f.h)
    )
    .unwrap();
}

/// Each region filled in a colour different from its neighbours'.
fn region_fills(s: &mut String, regions: &Regions, plane: &Plane) {
    let colour = colouring(regions);
    for (r, poly) in regions.regions.iter().zip(&plane.polys) {
        if let Some(poly) = poly {
            writeln!(
                s,
                "<polygon class=\"region\" data-region=\"{}\" points=\"{}\" fill=\"{}\" stroke=\"#666\" stroke-width=\"0.6\"/>",
                r.id,
                plane.points_attr(poly),
                PALETTE[colour[r.id]]
            )
            .unwrap();
        }
    }
}

/// Linear-piece outlines: polygon edges on a facet whose other side is another piece.
fn piece_boundaries(s: &mut String, regions: &Regions, plane: &Plane) {
    let mut d = String::new();
    for (r, poly) in regions.regions.iter().zip(&plane.polys) {
        let (Some(poly), Some(piece)) = (poly, r.piece) else {
            continue;
        };
        let cons = r.polytope.constraints();
        let n = poly.exact.len();
        for i in 0..n {
            let j = (i + 1) % n;
            let on = |h: &HalfSpace, k: usize| on_boundary(h, &poly.exact[k], &poly.iv[k]);
            let Some(fi) = cons.iter().position(|h| on(h, i) && on(h, j)) else {
                continue;
            };
            let other_piece = r.facets.get(fi).is_some_and(|fa| {
                fa.neighbours
                    .iter()
                    .any(|&n| regions.regions[n].piece != Some(piece))
            });
            if other_piece {
                let (x1, y1) = poly.pix[i];
                let (x2, y2) = poly.pix[(i + 1) % n];
                write!(d, "M{},{} L{},{} ", fx(x1), fx(y1), fx(x2), fx(y2)).unwrap();
            }
        }
    }
    if !d.is_empty() {
        writeln!(
            s,
            "<path class=\"piece-boundary\" d=\"{}\" fill=\"none\" stroke=\"#111\" stroke-width=\"2.4\" stroke-linecap=\"round\"/>",
            d.trim_end()
        )
        .unwrap();
    }
}

/// Is `p` (enclosed by `iv`) on the boundary `a·x = b` of `h`? Decided exactly, by the
/// enclosure of the slack when it excludes zero.
fn on_boundary(h: &HalfSpace, p: &[Q], iv: &[Iv; 2]) -> bool {
    let approx = || {
        let a = [Iv::from_q(&h.a[0]), Iv::from_q(&h.a[1])];
        Iv::from_q(&h.b) - filtered::affine(&a, &Iv::ZERO, iv)
    };
    filtered::sign(approx, || h.slack(p).signum()) == 0
}

/// Region ids, where there is room.
fn region_ids(s: &mut String, regions: &Regions, plane: &Plane) {
    if regions.regions.len() > 400 {
        return;
    }
    for (r, poly) in regions.regions.iter().zip(&plane.polys) {
        if let Some(poly) = poly
            && plane.area(poly) >= 180.0
        {
            let (x, y) = plane.centroid(poly);
            writeln!(
                s,
                "<text class=\"region-id\" x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#222\">{}</text>",
                fx(x),
                fx(y + 4.0),
                r.id
            )
            .unwrap();
        }
    }
}

/// The key to fills and lines, and the first regions' formulas (or patterns).
fn regions_legend(s: &mut String, regions: &Regions, f: &Frame, names: &[String]) {
    let lx = f.left + f.w + 40.0;
    let mut y = 84.0;
    writeln!(
        s,
        "<rect x=\"{}\" y=\"{}\" width=\"22\" height=\"14\" fill=\"{}\" stroke=\"#666\" stroke-width=\"0.6\"/>",
        fx(lx),
        fx(y - 11.0),
        PALETTE[0]
    )
    .unwrap();
    text(
        s,
        lx + 30.0,
        y,
        12,
        "start",
        "an activation region (its id); neighbours differ in colour",
    );
    y += 22.0;
    for (stroke, width, what) in [
        ("#666", "0.6", "thin: a unit changes piece"),
        ("#111", "2.4", "thick: the formula changes (linear pieces)"),
    ] {
        writeln!(
            s,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{stroke}\" stroke-width=\"{width}\"/>",
            fx(lx),
            fx(y - 4.0),
            fx(lx + 22.0),
            fx(y - 4.0)
        )
        .unwrap();
        text(s, lx + 30.0, y, 12, "start", what);
        y += 22.0;
    }
    y += 10.0;
    let m = regions.regions[0].map.output_dim();
    let shown = regions.regions.len().min(20);
    text(
        s,
        lx,
        y,
        12,
        "start",
        if m == 1 {
            "region: formula"
        } else {
            "region: pattern"
        },
    );
    y += 18.0;
    for r in regions.regions.iter().take(shown) {
        let (line, full) = if m == 1 {
            let (row, c) = r.map.component(0);
            let (f, full) = picture_formula(row, c, names);
            let id = r.id;
            (
                format!("{id}: f = {f}"),
                full.map(|e| format!("{id}: f = {e}")),
            )
        } else {
            (format!("{}: {}", r.id, r.pattern), None)
        };
        text_titled(s, lx, y, 11, &line, full.as_deref());
        y += 16.0;
    }
    if regions.regions.len() > shown {
        text(
            s,
            lx,
            y,
            11,
            "start",
            &format!("… {} more: see report.md", regions.regions.len() - shown),
        );
    }
}

fn ramp_stops(s: &mut String) {
    for (i, c) in RAMP.iter().enumerate() {
        writeln!(
            s,
            "<stop offset=\"{}\" stop-color=\"{c}\"/>",
            fx(i as f64 / (RAMP.len() - 1) as f64)
        )
        .unwrap();
    }
}

/// The ramp colour at `t` in `[0, 1]` (for solid fills), interpolated.
fn ramp_at(t: f64) -> String {
    let t = t.clamp(0.0, 1.0) * (RAMP.len() - 1) as f64;
    let i = (t.floor() as usize).min(RAMP.len() - 2);
    let f = t - i as f64;
    let rgb = |h: &str| {
        (0..3)
            .map(|k| u8::from_str_radix(&h[1 + 2 * k..3 + 2 * k], 16).unwrap_or(0) as f64)
            .collect::<Vec<_>>()
    };
    let (a, b) = (rgb(RAMP[i]), rgb(RAMP[i + 1]));
    let c: Vec<u8> = (0..3)
        .map(|k| (a[k] + (b[k] - a[k]) * f).round() as u8)
        .collect();
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

fn output_2d(
    name: &str,
    regions: &Regions,
    plane: &Plane,
    o: usize,
    m: usize,
    file: String,
) -> Picture {
    let dom = &regions.domain;
    let names = dom.coordinate_names();
    let fname = if m == 1 {
        "f".to_string()
    } else {
        format!("f{}", o + 1)
    };
    let shade = Shading::new(regions, plane, o);
    let (width, height) = (1000, 620);
    let title = format!("{name}: the output {fname}");
    let mut s = svg_open(width, height, &title);
    title_block(&mut s, &title, &format!("on {}", dom.describe()));
    let f = &plane.frame;
    writeln!(s, "<defs>").unwrap();
    shade.gradients(&mut s);
    writeln!(
        s,
        "<linearGradient id=\"bar\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">"
    )
    .unwrap();
    ramp_stops(&mut s);
    writeln!(s, "</linearGradient>").unwrap();
    clip_path(&mut s, f);
    writeln!(s, "</defs>").unwrap();
    writeln!(s, "<g clip-path=\"url(#plot)\">").unwrap();
    shade.fills(&mut s);
    let levels = shade.levels();
    shade.level_lines(&mut s, &levels);
    writeln!(s, "</g>").unwrap();
    f.axes(&mut s, [&names[0], &names[1]]);
    shade.colour_bar(&mut s, &fname, &levels);
    s.push_str("</svg>\n");
    let caption = format!(
        "The output {fname} on {}, shaded by value from {} (dark) to {} (light) over the drawn area{}.{}{}",
        dom.describe(),
        shade.vmin,
        shade.vmax,
        if levels.is_empty() {
            String::new()
        } else {
            format!(
                ", with level lines at {}",
                levels.iter().map(num).collect::<Vec<_>>().join(", ")
            )
        },
        plane
            .window_note
            .as_ref()
            .map(|n| format!(" {n}"))
            .unwrap_or_default(),
        caption_tail(regions)
    );
    Picture {
        file,
        caption,
        output: Some(o),
        svg: s,
    }
}

/// Output `o` over the drawn regions of a plane, shaded by value.
struct Shading<'a> {
    regions: &'a Regions,
    plane: &'a Plane,
    o: usize,
    /// Enclosures of the output at each drawn polygon's vertices (for drawing, and the
    /// filter of the extremes).
    vals: Vec<Option<Vec<Iv>>>,
    /// The exact extremes over the drawn window (an affine map is extreme at a vertex).
    vmin: Q,
    vmax: Q,
    /// Is the output constant on the drawn area?
    flat: bool,
    /// `vmax - vmin`, or 1 when flat.
    span: Q,
}

impl<'a> Shading<'a> {
    fn new(regions: &'a Regions, plane: &'a Plane, o: usize) -> Shading<'a> {
        let vals: Vec<Option<Vec<Iv>>> = regions
            .regions
            .iter()
            .zip(&plane.polys)
            .map(|(r, poly)| poly.as_ref().map(|p| value_enclosures(r, o, p)))
            .collect();
        let (vmin, vmax) = exact_extremes(regions, plane, o, &vals);
        let flat = vmin == vmax;
        let span = if flat { Q::ONE } else { &vmax - &vmin };
        Shading {
            regions,
            plane,
            o,
            vals,
            vmin,
            vmax,
            flat,
            span,
        }
    }

    /// Where `v` lies between the extremes, from 0 to 1 (for drawing).
    fn t_of(&self, v: &Q) -> f64 {
        ((v - &self.vmin) / &self.span).to_f64()
    }

    /// The drawn regions with their polygons.
    fn drawn(&self) -> impl Iterator<Item = (&'a Region, &'a Poly)> {
        self.regions
            .regions
            .iter()
            .zip(&self.plane.polys)
            .filter_map(|(r, poly)| poly.as_ref().map(|p| (r, p)))
    }

    /// One linear gradient per region along the output's gradient, in pixel space.
    fn gradients(&self, s: &mut String) {
        let f = &self.plane.frame;
        let (vminf, vmaxf) = (self.vmin.to_f64(), self.vmax.to_f64());
        // Pixel-space gradients: f as a function of (px, py) has gradient g.
        let sx = (&f.hi[0] - &f.lo[0]).to_f64() / f.w;
        let sy = (&f.hi[1] - &f.lo[1]).to_f64() / f.h;
        for (r, poly) in self.drawn() {
            let (row, _) = r.map.component(self.o);
            let (a0, a1) = (row[0].to_f64(), row[1].to_f64());
            let g = (a0 * sx, -a1 * sy);
            // Scaled to a largest entry of 1 so that huge windows do not overflow to NaN.
            let big = g.0.abs().max(g.1.abs());
            if self.flat || big == 0.0 || !big.is_finite() {
                continue;
            }
            let g = (g.0 / big, g.1 / big);
            let n2 = (g.0 * g.0 + g.1 * g.1) * big;
            let (cx, cy) = self.plane.centroid(poly);
            // f at the centroid (pixel -> domain coordinates, for drawing only).
            let y0 = f.lo[0].to_f64() + (cx - f.left) * sx;
            let y1 = f.lo[1].to_f64() + (f.top + f.h - cy) * sy;
            let fc = a0 * y0 + a1 * y1 + r.map.c[self.o].to_f64();
            let at = |v: f64| (cx + g.0 * (v - fc) / n2, cy + g.1 * (v - fc) / n2);
            let (x1, y1p) = at(vminf);
            let (x2, y2p) = at(vmaxf);
            writeln!(
                s,
                "<linearGradient id=\"g{}\" gradientUnits=\"userSpaceOnUse\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\">",
                r.id,
                fx(x1),
                fx(y1p),
                fx(x2),
                fx(y2p)
            )
            .unwrap();
            ramp_stops(s);
            writeln!(s, "</linearGradient>").unwrap();
        }
    }

    /// Each region filled with its gradient (a solid colour where the output is constant).
    fn fills(&self, s: &mut String) {
        for (r, poly) in self.drawn() {
            let (row, c) = r.map.component(self.o);
            let fill = if self.flat {
                ramp_at(0.5)
            } else if row.iter().all(Q::is_zero) {
                ramp_at(self.t_of(c))
            } else {
                format!("url(#g{})", r.id)
            };
            writeln!(
                s,
                "<polygon class=\"region\" data-region=\"{}\" points=\"{}\" fill=\"{fill}\" stroke=\"{fill}\" stroke-width=\"0.5\"/>",
                r.id,
                self.plane.points_attr(poly),
            )
            .unwrap();
        }
    }

    /// The values of the level lines: nice steps strictly between the extremes.
    fn levels(&self) -> Vec<Q> {
        if self.flat {
            return Vec::new();
        }
        ticks(&self.vmin, &self.vmax, &nice_step(&self.span, 10))
            .into_iter()
            .filter(|l| *l != self.vmin && *l != self.vmax)
            .collect()
    }

    /// Level lines: in each region, the segment where the output takes each level.
    fn level_lines(&self, s: &mut String, levels: &[Q]) {
        let mut d = String::new();
        let levels: Vec<f64> = levels.iter().map(Q::to_f64).collect();
        for (poly, vals) in self.plane.polys.iter().zip(&self.vals) {
            let (Some(poly), Some(vals)) = (poly, vals) else {
                continue;
            };
            // Drawing only: the values' float midpoints place the lines.
            let pts: Vec<((f64, f64), f64)> = poly
                .pix
                .iter()
                .zip(vals)
                .map(|(&p, v)| (p, v.mid()))
                .collect();
            for &l in &levels {
                let mut cross = Vec::new();
                for i in 0..pts.len() {
                    let (pa, va) = pts[i];
                    let (pb, vb) = pts[(i + 1) % pts.len()];
                    if (va >= l) != (vb >= l) {
                        let t = (l - va) / (vb - va);
                        cross.push((pa.0 + t * (pb.0 - pa.0), pa.1 + t * (pb.1 - pa.1)));
                    }
                }
                if let [a, b] = cross.as_slice() {
                    write!(d, "M{},{} L{},{} ", fx(a.0), fx(a.1), fx(b.0), fx(b.1)).unwrap();
                }
            }
        }
        if !d.is_empty() {
            writeln!(
                s,
                "<path class=\"level\" d=\"{}\" fill=\"none\" stroke=\"#ffffff\" stroke-opacity=\"0.85\" stroke-width=\"1\"/>",
                d.trim_end()
            )
            .unwrap();
        }
    }

    /// The colour bar with exact labels at the ends and the levels marked.
    fn colour_bar(&self, s: &mut String, fname: &str, levels: &[Q]) {
        let f = &self.plane.frame;
        let (bx, by, bh) = (f.left + f.w + 50.0, 90.0, 360.0);
        writeln!(
            s,
            "<rect x=\"{}\" y=\"{}\" width=\"24\" height=\"{}\" fill=\"{}\" stroke=\"#333\"/>",
            fx(bx),
            fx(by),
            fx(bh),
            if self.flat {
                ramp_at(0.5)
            } else {
                "url(#bar)".into()
            }
        )
        .unwrap();
        text(
            s,
            bx,
            by - 12.0,
            12,
            "start",
            &format!("{fname} (exact at the ends)"),
        );
        let (vmin, vmax) = (&self.vmin, &self.vmax);
        if self.flat {
            text(
                s,
                bx + 32.0,
                by + bh / 2.0 + 4.0,
                11,
                "start",
                &format!("{fname} = {} everywhere", vmin),
            );
        } else {
            text(
                s,
                bx + 32.0,
                by + 4.0,
                11,
                "start",
                &format!("{vmax} (max)"),
            );
            text(
                s,
                bx + 32.0,
                by + bh + 4.0,
                11,
                "start",
                &format!("{vmin} (min)"),
            );
            for l in levels {
                let y = by + bh - self.t_of(l) * bh;
                writeln!(
                    s,
                    "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#ffffff\"/>",
                    fx(bx),
                    fx(y),
                    fx(bx + 24.0),
                    fx(y)
                )
                .unwrap();
                if (y - by).abs() > 12.0 && (by + bh - y).abs() > 12.0 {
                    text(s, bx + 32.0, y + 4.0, 10, "start", &num(l));
                }
            }
        }
        text(
            s,
            bx,
            by + bh + 30.0,
            11,
            "start",
            "white lines: level lines at the marked values",
        );
    }
}

/// Output `o` of region `r`'s map at `p`.
fn value_2d(r: &Region, o: usize, p: &[Q]) -> Q {
    let (row, c) = r.map.component(o);
    crate::exact::rational::dot(row, p) + c
}

/// Enclosures of output `o` of region `r`'s map at the vertices of its polygon.
fn value_enclosures(r: &Region, o: usize, poly: &Poly) -> Vec<Iv> {
    let (row, c) = r.map.component(o);
    let row = [Iv::from_q(&row[0]), Iv::from_q(&row[1])];
    let c = Iv::from_q(c);
    poly.iv
        .iter()
        .map(|p| filtered::affine(&row, &c, p))
        .collect()
}

/// The exact least and greatest value of output `o` at the drawn vertices (0 and 0 when
/// nothing is drawn): only vertices whose enclosure `vals` may hold an extreme are
/// evaluated exactly.
fn exact_extremes(regions: &Regions, plane: &Plane, o: usize, vals: &[Option<Vec<Iv>>]) -> (Q, Q) {
    let mut at: Vec<(usize, usize)> = Vec::new();
    let mut ivs: Vec<Iv> = Vec::new();
    for (id, v) in vals.iter().enumerate() {
        for (k, iv) in v.iter().flatten().enumerate() {
            at.push((id, k));
            ivs.push(*iv);
        }
    }
    let exact = |i: usize| {
        let (id, k) = at[i];
        let poly = plane.polys[id].as_ref().expect("a drawn polygon");
        value_2d(&regions.regions[id], o, &poly.exact[k])
    };
    filtered::extremes(&ivs, exact).unwrap_or((Q::ZERO, Q::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_steps() {
        assert_eq!(num(&Q::new(1, 5)), "0.2");
        assert_eq!(num(&Q::new(-3, 4)), "−0.75");
        assert_eq!(num(&Q::new(1, 3)), "1/3");
        assert_eq!(num(&Q::from_int(12)), "12");
        assert_eq!(nice_step(&Q::from_int(10), 8), Q::from_int(2));
        assert_eq!(nice_step(&Q::ONE, 10), Q::new(1, 10));
        assert_eq!(
            ticks(&Q::new(-1, 3), &Q::ONE, &Q::new(1, 2)),
            vec![Q::ZERO, Q::new(1, 2), Q::ONE]
        );
        assert_eq!(fx(-0.001), "0.00");
    }
}
