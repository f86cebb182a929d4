//! Printing under the budget: the printers of `regions` and `report` write the regions found
//! one by one while the command's time lasts, and say exactly how many they wrote.
//!
//! Printing a region exactly (every coefficient of its map and inequalities as a fraction,
//! with decimals beside the long ones) takes time of its own: 7,730 regions of a float32
//! 5-16-16-1 net are 62 MB of JSON. A command that prints every region therefore stops its
//! enumeration when [`OUTPUT_SHARE`] of the time limit is left ([`Budget::leaving`]), and
//! the printer writes regions in their order until [`WRITE_SHARE`] of it is left, which is
//! kept for writing the text out. When the time runs out
//! first, the output names how many regions were found, how many printed and why the rest
//! were not ([`Printed`]); nothing is guessed and the output stays well formed (the JSON is
//! valid and says `"complete": false`).

use crate::regions::budget::Budget;
use crate::regions::enumerate::Region;
use serde_json::{Value, json};

/// The share of `--time-limit` kept for printing when a command prints every region found
/// (`regions` without `--count`, `report`): the enumeration stops when a fifth of the time
/// is left.
pub const OUTPUT_SHARE: f64 = 0.2;

/// The share of `--time-limit` kept for writing the printed text out (and for the process
/// to end): the printers stop when a twentieth of the time is left. Pass
/// [`for_printing`]`(budget)` to the printers.
pub const WRITE_SHARE: f64 = 0.05;

/// The part of a command's budget for the printers: it ends when [`WRITE_SHARE`] of the
/// time limit is left, for the text to be written out.
pub fn for_printing(budget: &Budget) -> Budget {
    budget.leaving(WRITE_SHARE)
}

/// How many of the regions found a printer wrote before the time ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Printed {
    /// The regions found.
    pub found: usize,
    /// The regions printed: the first ones, in order.
    pub printed: usize,
    /// The time limit that cut the printing (as given), when it did.
    pub cut_at: Option<std::time::Duration>,
}

impl Printed {
    /// Every region found was printed.
    pub fn all(found: usize) -> Printed {
        Printed {
            found,
            printed: found,
            cut_at: None,
        }
    }

    /// Were all regions found printed?
    pub fn is_complete(&self) -> bool {
        self.printed == self.found
    }

    /// The regions found and not printed.
    pub fn not_printed(&self) -> usize {
        self.found - self.printed
    }

    /// `complete`, or why and where the printing stopped, for people.
    pub fn describe(&self) -> String {
        if self.is_complete() {
            return "complete".into();
        }
        let limit = self
            .cut_at
            .map_or(String::new(), |d| format!(" of {:.1} s", d.as_secs_f64()));
        format!(
            "incomplete: the time limit{limit} ran out while printing: {} of {} regions found were printed, {} not (raise --time-limit, or use --count)",
            self.printed,
            self.found,
            self.not_printed()
        )
    }

    /// `{"complete": bool, "regions_printed": n, "regions_not_printed": m, "stop": "..."}`.
    pub fn to_json(&self) -> Value {
        json!({
            "complete": self.is_complete(),
            "regions_printed": self.printed,
            "regions_not_printed": self.not_printed(),
            "stop": self.describe(),
        })
    }
}

/// `write` applied to the regions in order while `budget`'s time lasts (the deadline is read
/// before each region); the results and how many there were.
pub fn within<T>(
    regions: &[Region],
    budget: &Budget,
    mut write: impl FnMut(&Region) -> T,
) -> (Vec<T>, Printed) {
    let mut out = Vec::with_capacity(regions.len());
    for r in regions {
        if budget.expired() {
            let printed = Printed {
                found: regions.len(),
                printed: out.len(),
                cut_at: budget.time_limit(),
            };
            return (out, printed);
        }
        out.push(write(r));
    }
    (out, Printed::all(regions.len()))
}

/// The pretty JSON text of the object `head` (as `serde_json::to_string_pretty` writes it,
/// with a final newline) with the array `key` holding `items`, each already written by
/// [`nested_item`]: byte for byte what the whole document would print, but each item was
/// written (and timed) on its own. `head[key]` must be a placeholder string.
pub fn pretty_with_array(head: &Value, key: &str, items: &[String]) -> String {
    const HOLE: &str = "\u{1}items\u{1}";
    let mut v = head.clone();
    v[key] = json!(HOLE);
    let text = serde_json::to_string_pretty(&v).expect("JSON values serialise");
    // Top-level keys are the only lines that start with exactly two spaces and a quote.
    let marker = format!(
        "\n  {}: {}",
        serde_json::to_string(key).expect("a key serialises"),
        serde_json::to_string(HOLE).expect("a string serialises")
    );
    let at = text
        .find(&marker)
        .expect("the placeholder is in the document");
    let array = if items.is_empty() {
        "[]".to_string()
    } else {
        format!("[\n    {}\n  ]", items.join(",\n    "))
    };
    let open = at + marker.len() - serde_json::to_string(HOLE).unwrap().len();
    let mut out = String::with_capacity(text.len() + items.iter().map(String::len).sum::<usize>());
    out.push_str(&text[..open]);
    out.push_str(&array);
    out.push_str(&text[at + marker.len()..]);
    out.push('\n');
    out
}

/// `item` written as an element of a top-level array of [`pretty_with_array`] (indented by
/// four spaces after each line break).
pub fn nested_item(item: &Value) -> String {
    serde_json::to_string_pretty(item)
        .expect("JSON values serialise")
        .replace('\n', "\n    ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::network::Network;
    use crate::regions::domain::Domain;
    use crate::regions::enumerate::Enumerator;
    use std::time::Duration;

    #[test]
    fn a_spent_budget_prints_nothing_and_says_so() {
        let net = Network::load("examples/xor.json").unwrap();
        let regions = Enumerator::new(&net, Domain::whole(2)).run().unwrap();
        let n = regions.regions.len();
        let (all, p) = within(&regions.regions, &Budget::unlimited(), |r| r.id);
        assert_eq!((all.len(), p), (n, Printed::all(n)));
        assert_eq!(p.describe(), "complete");
        let spent = Budget::unlimited().with_time_limit(Duration::ZERO);
        let (none, p) = within(&regions.regions, &spent, |r| r.id);
        assert!(none.is_empty() && !p.is_complete());
        assert_eq!((p.printed, p.not_printed()), (0, n));
        assert!(p.describe().contains(&format!("0 of {n} regions")));
        assert_eq!(p.to_json()["complete"], false);
        assert_eq!(p.to_json()["regions_not_printed"], n);
    }

    #[test]
    fn a_spliced_document_is_the_whole_document() {
        let net = Network::load("examples/xor.json").unwrap();
        let regions = Enumerator::new(&net, Domain::whole(2)).run().unwrap();
        let whole = crate::present::regions_text::regions_json(&net, &regions, true);
        let mut want = serde_json::to_string_pretty(&whole).unwrap();
        want.push('\n');
        let items: Vec<String> = whole["regions"]
            .as_array()
            .unwrap()
            .iter()
            .map(nested_item)
            .collect();
        assert_eq!(pretty_with_array(&whole, "regions", &items), want);
        let mut empty = whole.clone();
        empty["regions"] = json!([]);
        let mut want = serde_json::to_string_pretty(&empty).unwrap();
        want.push('\n');
        assert_eq!(pretty_with_array(&whole, "regions", &[]), want);
    }
}
