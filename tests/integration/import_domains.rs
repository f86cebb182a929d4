//! NNet inputs clamped to the file's [min, max] as the reference reader does, the file's
//! box as the default domain of region commands, and VNN-LIB input boxes (`--box-from`),
//! read by a parser tested on malicious input.

use super::import::qs;
use crate::cli::{relucheck, stdout};
use crate::repo;
use proptest::prelude::*;
use relucheck::net::import::vnnlib::input_box;
use relucheck::net::import::{NnetOptions, from_nnet_str};
use relucheck::{Network, Q};
use serde_json::Value;

fn tiny(options: NnetOptions) -> Network {
    let text = std::fs::read_to_string(repo("fixtures/nnet/tiny.nnet")).unwrap();
    from_nnet_str(&text, "tiny.nnet", options).unwrap()
}

fn unclamped() -> NnetOptions {
    NnetOptions {
        clamp: false,
        ..NnetOptions::default()
    }
}

#[test]
fn nnet_inputs_outside_the_box_give_the_reference_readers_outputs() {
    // fixtures/nnet/tiny-outside.json: the outputs of the reference evaluation (clamp,
    // normalise, ReLU layers, de-normalise) in exact fractions, by make_fixtures.py.
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(repo("fixtures/nnet/tiny-outside.json")).unwrap(),
    )
    .unwrap();
    let net = Network::load(repo("fixtures/nnet/tiny.nnet")).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 5);
    for case in cases {
        let strs = |v: &Value| -> Vec<Q> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|s| Q::parse(s.as_str().unwrap()).unwrap())
                .collect()
        };
        let x = strs(&case["input"]);
        assert_eq!(net.eval(&x).unwrap(), strs(&case["output"]), "{x:?}");
    }
    assert_eq!(
        net.input_box,
        Some((qs(&["-1", "0"]), qs(&["1", "2"]))),
        "the file's box"
    );
    // The box survives the native format.
    assert_eq!(Network::from_json_str(&net.to_json()).unwrap(), net);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_clamped_network_is_the_unclamped_one_on_clamped_inputs(
        a in -400i64..400, b in -400i64..400, d in 1i64..7,
        normalize in any::<bool>(),
    ) {
        let clamped = tiny(NnetOptions { normalize, clamp: true });
        let plain = tiny(NnetOptions { normalize, clamp: false });
        let (lo, hi) = clamped.input_box.clone().unwrap();
        let x = vec![Q::new(a, d), Q::new(b, d)];
        let x_clamped: Vec<Q> = (0..2)
            .map(|i| x[i].clone().max(lo[i].clone()).min(hi[i].clone()))
            .collect();
        prop_assert_eq!(clamped.eval(&x).unwrap(), plain.eval(&x_clamped).unwrap());
    }
}

#[test]
fn nnet_clamp_errors_name_the_cause() {
    let text = std::fs::read_to_string(repo("fixtures/nnet/tiny.nnet")).unwrap();
    // min above max for input 2.
    let bad = text.replace("-1.0,0.0,\n1.0,2.0,", "-1.0,3.0,\n1.0,2.0,");
    let e = from_nnet_str(&bad, "bad.nnet", NnetOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("input 2") && e.contains("--no-clamp"), "{e}");
    // A fixed input (min = max) is the constant min.
    let fixed = text.replace("-1.0,0.0,\n1.0,2.0,", "-1.0,1.0,\n1.0,1.0,");
    let net = from_nnet_str(&fixed, "fixed.nnet", NnetOptions::default()).unwrap();
    let plain = tiny(unclamped());
    assert_eq!(
        net.eval(&qs(&["1/2", "7"])).unwrap(),
        plain.eval(&qs(&["1/2", "1"])).unwrap()
    );
}

#[test]
fn regions_on_an_nnet_file_look_at_its_box_by_default() {
    let o = relucheck(&["regions", "fixtures/nnet/tiny.nnet", "--format", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--box -1:1,0:2"), "{err}");
    let explicit = relucheck(&[
        "regions",
        "fixtures/nnet/tiny.nnet",
        "--format",
        "json",
        "--box",
        "-1:1,0:2",
    ]);
    assert_eq!(stdout(&o), stdout(&explicit));
    // Another domain overrides the file's box.
    let wide = relucheck(&[
        "regions",
        "fixtures/nnet/tiny.nnet",
        "--box",
        "-9:9",
        "--count",
    ]);
    assert!(
        stdout(&wide).contains("[-9, 9] x [-9, 9]"),
        "{}",
        stdout(&wide)
    );
}

#[test]
fn box_from_a_vnnlib_file_is_the_same_as_the_box() {
    let tmp = super::import_limits::scratch("boxfrom");
    let dir = tmp.path();
    let (ra, rb) = (dir.join("a"), dir.join("b"));
    for cmd in ["regions", "check", "report"] {
        let mut args = vec![cmd, "fixtures/nnet/tiny.nnet"];
        if cmd == "check" {
            args.extend(["--property", "affine"]);
        }
        let mut from = args.clone();
        from.extend(["--box-from", "fixtures/vnnlib/tiny.vnnlib"]);
        let mut boxed = args.clone();
        boxed.extend(["--box", "-1/2:1,1/2:2"]);
        if cmd == "report" {
            from.extend(["--out", ra.to_str().unwrap()]);
            boxed.extend(["--out", rb.to_str().unwrap()]);
        }
        let (a, b) = (relucheck(&from), relucheck(&boxed));
        if cmd != "report" {
            assert_eq!(stdout(&a), stdout(&b), "{cmd}");
        }
        assert_eq!(a.status.code(), b.status.code(), "{cmd}");
        let err = String::from_utf8_lossy(&a.stderr);
        assert!(
            err.contains("1 assertion(s) on the outputs were skipped"),
            "{err}"
        );
    }
    let md = |d: &std::path::Path| std::fs::read_to_string(d.join("report.md")).unwrap();
    assert!(md(&ra).contains("[-1/2, 1] x [1/2, 2]"), "{}", md(&ra));
    assert_eq!(md(&ra), md(&rb));
    let o = relucheck(&[
        "regions",
        "fixtures/nnet/tiny.nnet",
        "--box-from",
        "fixtures/vnnlib/tiny.vnnlib",
        "--box",
        "0:1",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("cannot be used with"), "{err}");
    let o = relucheck(&[
        "regions",
        "examples/tent-3.json",
        "--box-from",
        "fixtures/vnnlib/tiny.vnnlib",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("declares 2 inputs, the network takes 1"),
        "{err}"
    );
}

fn vnn_err(text: &str) -> String {
    input_box(text, "p.vnnlib").unwrap_err().to_string()
}

const DECL: &str = "(declare-const X_0 Real)\n(declare-const X_1 Real)\n";

#[test]
fn vnnlib_boxes_are_read_exactly() {
    let b = input_box(
        &format!(
            "{DECL}(assert (<= X_0 0.1))\n(assert (>= X_0 -1e-3)) ; comment\n(assert (>= X_1 3/8))\n(assert (<= X_1 1))\n(assert (<= Y_0 X_0))"
        ),
        "p.vnnlib",
    );
    // Y_0 is not declared, but the assertion mentions an input: refused.
    assert!(b.is_err());
    let b = input_box(
        &format!("{DECL}(declare-const Y_0 Real)\n(assert (<= X_0 0.1))\n(assert (>= X_0 -1e-3))\n(assert (>= X_1 3/8))\n(assert (<= X_1 1))\n(assert (<= Y_0 0))"),
        "p.vnnlib",
    )
    .unwrap();
    assert_eq!(b.lo, qs(&["-1/1000", "3/8"]));
    assert_eq!(b.hi, qs(&["1/10", "1"]));
    assert_eq!(b.skipped_output_assertions, 1);
}

#[test]
fn vnnlib_input_that_is_not_a_plain_box_is_refused_with_the_line() {
    let bounds =
        "(assert (<= X_0 1))\n(assert (>= X_0 0))\n(assert (<= X_1 1))\n(assert (>= X_1 0))\n";
    // Missing bounds.
    let e = vnn_err(&format!(
        "{DECL}(assert (<= X_0 1))\n(assert (>= X_0 0))\n(assert (<= X_1 1))\n"
    ));
    assert!(e.contains("X_1 has no lower (>=) bound"), "{e}");
    // Duplicate bounds, even equal ones.
    let e = vnn_err(&format!("{DECL}{bounds}(assert (<= X_1 1))\n"));
    assert!(
        e.contains("line 7") && e.contains("second upper bound for X_1") && e.contains("line 5"),
        "{e}"
    );
    // Lower above upper.
    let e = vnn_err(&format!(
        "{DECL}(assert (<= X_0 1))\n(assert (>= X_0 2))\n(assert (<= X_1 1))\n(assert (>= X_1 0))\n"
    ));
    assert!(e.contains("lower bound 2 above its upper bound 1"), "{e}");
    // Huge numbers: the exact parser's limits.
    let e = vnn_err(&format!("{DECL}(assert (<= X_0 1e100000))\n"));
    assert!(e.contains("line 3") && e.contains("too large"), "{e}");
    let e = vnn_err(&format!("{DECL}(assert (<= X_0 {}))\n", "9".repeat(50_000)));
    assert!(e.contains("too large"), "{e}");
    // Unknown variables.
    let e = vnn_err(&format!("{DECL}(assert (<= X_2 1))\n"));
    assert!(e.contains("X_2 is used before its declare-const"), "{e}");
    let e = vnn_err("(declare-const Z Real)\n");
    assert!(e.contains("unknown variable `Z`"), "{e}");
    let e = vnn_err("(declare-const X_01 Real)\n");
    assert!(e.contains("unknown variable"), "{e}");
    let e = vnn_err("(declare-const X_1 Real)\n(assert (<= X_1 1))\n(assert (>= X_1 0))\n");
    assert!(e.contains("X_0 is not declared"), "{e}");
    let e = vnn_err(&format!("{DECL}{DECL}"));
    assert!(e.contains("declared twice"), "{e}");
    // Other forms on inputs.
    for form in [
        "(assert (<= 1 X_0))",
        "(assert (< X_0 1))",
        "(assert (<= X_0 X_1))",
        "(assert (or (<= X_0 1) (>= X_0 2)))",
        "(assert (<= (+ X_0 X_1) 1))",
        "(assert (<= X_0 (- 1)))",
    ] {
        let e = vnn_err(&format!("{DECL}{form}\n"));
        assert!(
            e.contains("line 3") && e.contains("(assert (<= X_i NUMBER))")
                || e.contains("the bound"),
            "{form}: {e}"
        );
    }
    let e = vnn_err(&format!("{DECL}(define-fun f () Real 1)\n"));
    assert!(
        e.contains("only (declare-const ...) and (assert ...)"),
        "{e}"
    );
    // Structure.
    let e = vnn_err(&format!("{DECL}(assert (<= X_0 1)"));
    assert!(e.contains("line 3") && e.contains("never closed"), "{e}");
    let e = vnn_err(&format!("{DECL})"));
    assert!(e.contains("without its `(`"), "{e}");
    let e = vnn_err(&"(".repeat(100_000));
    assert!(e.contains("nested deeper"), "{e}");
    assert!(vnn_err("").contains("no input declared"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn vnnlib_parsing_never_panics(text in "[()XY_0-9 <=>.;\\-\\n a-z]{0,200}") {
        let _ = input_box(&text, "fuzz.vnnlib");
    }

    #[test]
    fn a_parsed_box_holds_exactly_the_asserted_bounds(
        bounds in proptest::collection::vec((-1000i64..1000, 0i64..1000, 1i64..50), 1..6),
        shuffle in any::<u64>(),
    ) {
        let mut lines: Vec<String> = Vec::new();
        for i in 0..bounds.len() {
            lines.push(format!("(declare-const X_{i} Real)"));
        }
        let mut asserts = Vec::new();
        for (i, (lo, w, d)) in bounds.iter().enumerate() {
            asserts.push(format!("(assert (>= X_{i} {lo}/{d}))"));
            asserts.push(format!("(assert (<= X_{i} {}/{d}))", lo + w));
        }
        // Any order of the assertions gives the same box.
        let k = (shuffle as usize) % asserts.len();
        asserts.rotate_left(k);
        lines.extend(asserts);
        let b = input_box(&lines.join("\n"), "p.vnnlib").unwrap();
        for (i, (lo, w, d)) in bounds.iter().enumerate() {
            prop_assert_eq!(&b.lo[i], &Q::new(*lo, *d));
            prop_assert_eq!(&b.hi[i], &Q::new(lo + w, *d));
        }
    }
}
