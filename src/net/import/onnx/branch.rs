//! Residual blocks in the graph: a value read by two nodes starts two branches (one may be
//! empty: the identity skip), each a chain of nodes, and an `Add` of their ends closes the
//! block, which becomes one `residual` layer. The shorter branch (often one Conv or Gemm:
//! a projection) is the block's `skip`, the other its `layers`; the sum does not depend on
//! which is which. Branches inside a branch, a value used by both branches, and any other
//! join (`Concat`, `Mul`, ...) are refused with the reason.

use super::chain::Chain;
use super::tensor::Tensor;
use super::{Step, split_inputs};
use crate::error::Result;
use crate::net::import::onnx_proto::{GraphProto, NodeProto};
use crate::net::network::{Activation, Layer};
use std::collections::HashMap;

/// How many nodes read each value (a `Shape` node, which reads only the value's dims, does
/// not count).
pub(super) fn readers(graph: &GraphProto) -> HashMap<&str, usize> {
    let mut n: HashMap<&str, usize> = HashMap::new();
    for node in graph.node.iter().filter(|n| n.op_type != "Shape") {
        let mut names: Vec<&str> = node.input.iter().map(String::as_str).collect();
        names.sort_unstable();
        names.dedup();
        for name in names.into_iter().filter(|s| !s.is_empty()) {
            *n.entry(name).or_default() += 1;
        }
    }
    n
}

/// One branch: its chain and the name of its end.
struct Branch<'a> {
    chain: Chain<'a>,
    cur: String,
}

/// An open residual block: the value it starts from and its branches so far.
pub(super) struct Fork<'a> {
    value: String,
    branches: Vec<Branch<'a>>,
}

impl<'a> Fork<'a> {
    /// Opens a block at `cur` when two nodes read it (the pending maps of `chain` placed
    /// first, so both branches start from the same value); more readers are refused.
    pub(super) fn open(
        cur: &str,
        readers: &HashMap<&str, usize>,
        chain: &mut Chain<'a>,
    ) -> Result<Option<Fork<'a>>> {
        let n = readers.get(cur).copied().unwrap_or(0);
        if n < 2 {
            return Ok(None);
        }
        if n > 2 {
            return Err(chain.cx.err(
                format!("value `{cur}`"),
                format!(
                    "is read by {n} nodes; relucheck imports branches as residual blocks, where a value is read by two (the branch and the skip, joined by an Add)"
                ),
            ));
        }
        chain.flush()?;
        chain.place_perm(&format!("value `{cur}`"))?;
        Ok(Some(Fork {
            value: cur.to_string(),
            branches: Vec::new(),
        }))
    }

    /// Reads one node inside the block; returns the block's output once an `Add` joins the
    /// branches (the block is then placed in `main`).
    pub(super) fn step(
        &mut self,
        step: &Step,
        main: &mut Chain<'a>,
        consts: &mut HashMap<String, Tensor>,
    ) -> Result<Option<String>> {
        let node = step.node;
        let (dynamic, _) = split_inputs(node, consts);
        let names: Vec<String> = dynamic.iter().map(|(_, n)| n.to_string()).collect();
        let at = super::attrs::label(step.index, node);
        let on_main = Step {
            cur: &self.value,
            ..*step
        };
        match &names[..] {
            [] => on_main.run(main, consts).map(|_| None),
            [name] if *name == self.value && node.op_type == "Shape" => {
                on_main.run(main, consts).map(|_| None)
            }
            [name] if *name == self.value => {
                if self.branches.len() == 2 {
                    return Err(self.nested(main, &at, name));
                }
                self.branches.push(Branch {
                    chain: main.branch(),
                    cur: self.value.clone(),
                });
                self.extend(self.branches.len() - 1, step, consts)
            }
            [name] => match self.branches.iter().position(|b| b.cur == *name) {
                Some(b) => self.extend(b, step, consts),
                None => Err(self.nested(main, &at, name)),
            },
            [a, b] if a != b => self.join(node, &at, (a, b), main),
            _ => Err(main.cx.err(
                &at,
                format!(
                    "joins {} values inside the residual block from `{}`; relucheck imports blocks whose two branches are joined by one Add",
                    names.len(),
                    self.value
                ),
            )),
        }
    }

    /// Converts `step` on branch `b`, which it continues.
    fn extend(
        &mut self,
        b: usize,
        step: &Step,
        consts: &mut HashMap<String, Tensor>,
    ) -> Result<Option<String>> {
        let branch = &mut self.branches[b];
        let s = Step {
            cur: &branch.cur,
            ..*step
        };
        if let Some(next) = s.run(&mut branch.chain, consts)? {
            branch.cur = next;
        }
        Ok(None)
    }

    fn nested(&self, main: &Chain, at: &str, name: &str) -> crate::error::Error {
        main.cx.err(
            at,
            format!(
                "reads `{name}`, which is not the end of a branch of the residual block from `{}`; relucheck imports residual blocks whose two branches are chains of nodes (no branch inside a branch, no value used by both)",
                self.value
            ),
        )
    }

    /// The node reading the ends `a` and `b`: an `Add` closes the block.
    fn join(
        &mut self,
        node: &NodeProto,
        at: &str,
        (a, b): (&str, &str),
        main: &mut Chain<'a>,
    ) -> Result<Option<String>> {
        let cx = main.cx;
        match node.op_type.as_str() {
            "Add" => {}
            "Concat" => {
                return Err(cx.err(
                    at,
                    format!(
                        "Concat of two branches (from `{}`) is not supported: relucheck imports residual blocks, whose branches are added (Add); a concatenation would need a layer that stacks two chains' values",
                        self.value
                    ),
                ));
            }
            op => {
                return Err(cx.err(
                    at,
                    format!(
                        "{op} of two branches (from `{}`) is not supported; relucheck joins branches only by Add (a residual block y = x + F(x)){}",
                        self.value,
                        if matches!(op, "Mul" | "Div") {
                            ", and a product of two values is not piecewise linear"
                        } else {
                            ""
                        }
                    ),
                ));
            }
        }
        let mut ends = Vec::new();
        for name in [a, b] {
            if name == self.value {
                ends.push(None);
            } else {
                let i = self.branches.iter().position(|br| br.cur == name);
                ends.push(Some(i.ok_or_else(|| self.nested(main, at, name))?));
            }
        }
        if ends.iter().flatten().count() != self.branches.len() {
            return Err(cx.err(
                at,
                format!(
                    "adds `{a}` and `{b}`, but another branch from `{}` does not reach this Add; relucheck imports residual blocks whose two branches meet in one Add",
                    self.value
                ),
            ));
        }
        let mut chains = Vec::new();
        for mut br in std::mem::take(&mut self.branches) {
            br.chain.flush()?;
            br.chain.place_perm(at)?;
            main.notes.append(&mut br.chain.notes);
            chains.push(br.chain.layers);
        }
        chains.sort_by_key(|c| std::cmp::Reverse(c.len()));
        let mut chains = chains.into_iter();
        let mut layers = chains.next().unwrap_or_default();
        let skip = chains.next().unwrap_or_default();
        if layers.is_empty() {
            // x + x, or a branch of element-wise maps that cancel: F is the identity.
            layers.push(Layer::Activation(Activation::Identity));
        }
        main.push(Layer::Residual { layers, skip }, at)?;
        let out = node.output.first().cloned().unwrap_or_default();
        Ok(Some(out))
    }
}
