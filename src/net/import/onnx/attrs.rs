//! Where an error is (the file, the node) and a node's attributes, read with their types
//! checked.

use super::super::onnx_proto::{AttributeProto, NodeProto, attribute_type};
use crate::error::{Error, Result};
use crate::exact::rational::Q;

/// The model being read: its name for errors, the folder its external data files are
/// read from, and what is left of the budgets of external bytes and of folded values.
pub(super) struct Cx<'a> {
    pub(super) source: &'a str,
    /// The model's folder (`None` when the bytes came without a file: external data is
    /// then refused).
    pub(super) folder: Option<&'a std::path::Path>,
    /// Bytes of external data that may still be read.
    pub(super) external_left: std::cell::Cell<u64>,
    /// Values that constant folding may still produce.
    pub(super) folded_left: std::cell::Cell<usize>,
}

impl Cx<'_> {
    pub(super) fn err(&self, path: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Format {
            source_name: self.source.to_string(),
            path: path.into(),
            message: message.into(),
        }
    }
}

/// `node 3 "/fc1/Gemm" (Gemm)`.
pub(super) fn label(i: usize, node: &NodeProto) -> String {
    if node.name.is_empty() {
        format!("node {i} ({})", node.op_type)
    } else {
        format!("node {i} \"{}\" ({})", node.name, node.op_type)
    }
}

pub(super) struct Attrs<'a> {
    pub(super) node: &'a NodeProto,
    pub(super) at: &'a str,
    pub(super) cx: &'a Cx<'a>,
}

impl Attrs<'_> {
    pub(super) fn check_known(&self, known: &[&str]) -> Result<()> {
        for a in &self.node.attribute {
            if !known.contains(&a.name.as_str()) {
                return Err(self.cx.err(
                    self.at,
                    format!(
                        "attribute `{}` of {} is not supported (supported here: {}); export without it",
                        a.name,
                        self.node.op_type,
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                ));
            }
        }
        Ok(())
    }

    fn get(&self, name: &str, ty: i32) -> Result<Option<&AttributeProto>> {
        match self.node.attribute.iter().find(|a| a.name == name) {
            None => Ok(None),
            Some(a) if a.r#type == ty || a.r#type == 0 => Ok(Some(a)),
            Some(a) => Err(self.cx.err(
                self.at,
                format!(
                    "attribute `{name}` has type {} where type {ty} was expected; the file is damaged",
                    a.r#type
                ),
            )),
        }
    }

    pub(super) fn int(&self, name: &str, default: i64) -> Result<i64> {
        Ok(self
            .get(name, attribute_type::INT)?
            .map_or(default, |a| a.i))
    }

    pub(super) fn float(&self, name: &str) -> Result<Option<f32>> {
        Ok(self.get(name, attribute_type::FLOAT)?.map(|a| a.f))
    }

    pub(super) fn ints(&self, name: &str) -> Result<Option<Vec<i64>>> {
        Ok(self
            .get(name, attribute_type::INTS)?
            .map(|a| a.ints.clone()))
    }

    pub(super) fn string(&self, name: &str) -> Result<Option<String>> {
        Ok(self
            .get(name, attribute_type::STRING)?
            .map(|a| String::from_utf8_lossy(&a.s).into_owned()))
    }

    pub(super) fn exact(&self, name: &str, x: f32) -> Result<Q> {
        Q::from_f32(x).map_err(|e| {
            self.cx.err(
                self.at,
                format!("attribute `{name}` is {e}; it must be finite"),
            )
        })
    }

    /// A window attribute with two entries (height, width).
    pub(super) fn pair(&self, name: &str, default: i64) -> Result<(usize, usize)> {
        match self.ints(name)? {
            None => Ok((default as usize, default as usize)),
            Some(v) if v.len() == 2 && v.iter().all(|&x| (1..=1_000_000).contains(&x)) => {
                Ok((v[0] as usize, v[1] as usize))
            }
            Some(v) => Err(self.cx.err(
                self.at,
                format!(
                    "attribute `{name}` is {v:?}; only 2-D windows (two positive entries) are supported"
                ),
            )),
        }
    }
}
