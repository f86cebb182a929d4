//! Printers for `relucheck eval`: human text and JSON.
//!
//! JSON (one object per input point, one per line):
//! `{"input": ["1", "2"], "output": ["3/2"], "pattern": "10|1", "trace": [...]}` where every
//! number is an exact string, `pattern` is the compact [`Pattern`](crate::Pattern) and `trace`
//! (only with `--trace`) lists each layer's `type`, `input`, `output` and, for piecewise-linear
//! layers, `pattern` (the active piece of each unit); a residual block's entry also has
//! `block`, its inner layers' `path` (`layers[1]`, `skip[0]`), `type`, `output` and `pattern`.

use crate::exact::decimal::readable_arguments;
use crate::exact::interval::Interval;
use crate::exact::points::format_point;
use crate::exact::rational::Q;
use crate::net::network::{Network, Trace};
use crate::output::qs_to_strings;
use serde_json::{Map, Value, json};
use std::fmt::Write;

/// The text `eval` prints for one point.
pub fn eval_text(net: &Network, trace: &Trace, show_trace: bool) -> String {
    let mut s = String::new();
    let input = &trace.layers[0].input;
    if show_trace {
        writeln!(s, "input  {}", format_point(input)).unwrap();
        for (i, (layer, t)) in net.layers().iter().zip(&trace.layers).enumerate() {
            write!(
                s,
                "layer {i} {:<11} -> {}",
                layer.kind(),
                format_point(&t.output)
            )
            .unwrap();
            if !t.pattern.is_empty() {
                write!(s, "   pattern {}", digits(&t.pattern)).unwrap();
            }
            s.push('\n');
            for b in net.trace_block(i, &t.input) {
                write!(
                    s,
                    "  {} {} -> {}",
                    b.path,
                    b.kind,
                    format_point(&b.trace.output)
                )
                .unwrap();
                if !b.trace.pattern.is_empty() {
                    write!(s, "   pattern {}", digits(&b.trace.pattern)).unwrap();
                }
                s.push('\n');
            }
        }
        writeln!(s, "output {}", format_point(trace.output())).unwrap();
    } else {
        writeln!(
            s,
            "f({}) = {}",
            readable_arguments(input),
            format_point(trace.output())
        )
        .unwrap();
    }
    s
}

/// The JSON `eval` prints for one point.
pub fn eval_json(net: &Network, trace: &Trace, show_trace: bool) -> Value {
    let mut m = Map::new();
    m.insert("input".into(), qs_to_strings(&trace.layers[0].input));
    m.insert("output".into(), qs_to_strings(trace.output()));
    m.insert("pattern".into(), json!(trace.pattern().to_string()));
    if !net.notes.is_empty() {
        m.insert("notes".into(), json!(net.notes));
    }
    if show_trace {
        let layers: Vec<Value> = net
            .layers()
            .iter()
            .zip(&trace.layers)
            .enumerate()
            .map(|(i, (l, t))| {
                let mut e = Map::new();
                e.insert("type".into(), json!(l.kind()));
                e.insert("input".into(), qs_to_strings(&t.input));
                e.insert("output".into(), qs_to_strings(&t.output));
                if !t.pattern.is_empty() {
                    e.insert("pattern".into(), json!(t.pattern));
                }
                let inner: Vec<Value> = net
                    .trace_block(i, &t.input)
                    .into_iter()
                    .map(|b| {
                        let mut m = Map::new();
                        m.insert("path".into(), json!(b.path));
                        m.insert("type".into(), json!(b.kind));
                        m.insert("output".into(), qs_to_strings(&b.trace.output));
                        if !b.trace.pattern.is_empty() {
                            m.insert("pattern".into(), json!(b.trace.pattern));
                        }
                        Value::Object(m)
                    })
                    .collect();
                if !inner.is_empty() {
                    e.insert("block".into(), Value::Array(inner));
                }
                Value::Object(e)
            })
            .collect();
        m.insert("trace".into(), Value::Array(layers));
    }
    Value::Object(m)
}

/// A pattern's digits, one base-36 character per unit.
fn digits(p: &[u8]) -> String {
    p.iter()
        .map(|&p| std::char::from_digit(p as u32, 36).unwrap_or('?'))
        .collect()
}

fn enclosures_text(v: &[Interval]) -> String {
    let parts: Vec<String> = v
        .iter()
        .map(|i| {
            if i.is_point() {
                i.lo().to_string()
            } else {
                i.to_decimal(i.display_digits())
            }
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

/// The text `eval` prints for one point of a network with ELU/SELU: certified enclosures
/// (decimals rounded outward, so still enclosures) and their widths; `layers` is
/// [`Network::trace_enclosure`]'s result.
pub fn enclosure_text(
    net: &Network,
    x: &[Q],
    layers: &[Vec<Interval>],
    bits: u32,
    show_trace: bool,
) -> String {
    let mut s = String::new();
    let out = layers.last().expect("a network has layers");
    if show_trace {
        writeln!(s, "input  {}", format_point(x)).unwrap();
        for (i, (layer, v)) in net.layers().iter().zip(layers).enumerate() {
            writeln!(
                s,
                "layer {i} {:<11} -> {}",
                layer.kind(),
                enclosures_text(v)
            )
            .unwrap();
        }
    }
    writeln!(s, "f({}) ∈ {}", readable_arguments(x), enclosures_text(out)).unwrap();
    let widths: Vec<String> = out.iter().map(Interval::width_text).collect();
    writeln!(
        s,
        "  width {}; certified enclosure ({bits} bits): the network has ELU/SELU units, whose values are irrational",
        widths.join(", ")
    )
    .unwrap();
    s
}

/// The JSON `eval` prints for one point of a network with ELU/SELU:
/// `{"input": [...], "enclosure": [{"lo": "...", "hi": "..."}], "precision": 64}` with exact
/// endpoints (`trace` lists each layer's `type` and `enclosure` with `--trace`).
pub fn enclosure_json(
    net: &Network,
    x: &[Q],
    layers: &[Vec<Interval>],
    bits: u32,
    show_trace: bool,
) -> Value {
    let ivs = |v: &[Interval]| -> Value {
        Value::Array(
            v.iter()
                .map(|i| json!({"lo": i.lo().to_string(), "hi": i.hi().to_string()}))
                .collect(),
        )
    };
    let mut m = Map::new();
    m.insert("input".into(), qs_to_strings(x));
    m.insert("enclosure".into(), ivs(layers.last().expect("layers")));
    m.insert("precision".into(), json!(bits));
    if show_trace {
        let t: Vec<Value> = net
            .layers()
            .iter()
            .zip(layers)
            .map(|(l, v)| json!({"type": l.kind(), "enclosure": ivs(v)}))
            .collect();
        m.insert("trace".into(), Value::Array(t));
    }
    Value::Object(m)
}
