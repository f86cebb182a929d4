//! Printers for `relucheck eval`: human text and JSON.
//!
//! JSON (one object per input point, one per line):
//! `{"input": ["1", "2"], "output": ["3/2"], "pattern": "10|1", "trace": [...]}` where every
//! number is an exact string, `pattern` is the compact [`Pattern`](crate::Pattern) and `trace`
//! (only with `--trace`) lists each layer's `type`, `input`, `output` and, for piecewise-linear
//! layers, `pattern` (the active piece of each unit).

use crate::format::qs_to_strings;
use crate::network::{Network, Trace};
use crate::points::format_point;
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
                let p: String = t
                    .pattern
                    .iter()
                    .map(|&p| std::char::from_digit(p as u32, 36).unwrap_or('?'))
                    .collect();
                write!(s, "   pattern {p}").unwrap();
            }
            s.push('\n');
        }
        writeln!(s, "output {}", format_point(trace.output())).unwrap();
    } else {
        writeln!(
            s,
            "f({}) = {}",
            format_point(input).trim_matches(['[', ']']),
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
            .map(|(l, t)| {
                let mut e = Map::new();
                e.insert("type".into(), json!(l.kind()));
                e.insert("input".into(), qs_to_strings(&t.input));
                e.insert("output".into(), qs_to_strings(&t.output));
                if !t.pattern.is_empty() {
                    e.insert("pattern".into(), json!(t.pattern));
                }
                Value::Object(e)
            })
            .collect();
        m.insert("trace".into(), Value::Array(layers));
    }
    Value::Object(m)
}
