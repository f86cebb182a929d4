//! The command line: outputs, exit codes, and every error path ending in a message, never a
//! panic.

use crate::repo;
use std::process::{Command, Output};

pub fn relucheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_relucheck"))
        .args(args)
        .current_dir(repo(""))
        .output()
        .expect("the binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// Runs with a network given as text; returns (exit code, stdout, stderr).
fn with_net(json: &str, args: &[&str]) -> (i32, String, String) {
    let tmp = tempfile::Builder::new()
        .prefix("relucheck-cli-")
        .tempdir()
        .unwrap();
    let dir = tmp.path().to_path_buf();
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("net-{:x}.json", fxhash(json)));
    std::fs::write(&path, json).unwrap();
    let mut all = vec!["eval", path.to_str().unwrap()];
    all.extend(args);
    let o = relucheck(&all);
    (o.status.code().unwrap(), stdout(&o), stderr(&o))
}

fn fxhash(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

fn assert_clean_error(code: i32, err: &str, needle: &str) {
    assert_eq!(code, 1, "stderr: {err}");
    assert!(err.contains(needle), "expected `{needle}` in: {err}");
    assert!(!err.contains("panicked"), "panic: {err}");
    assert!(!err.contains("RUST_BACKTRACE"), "panic: {err}");
}

#[test]
fn eval_prints_the_exact_output() {
    let o = relucheck(&["eval", "examples/sign-flip.json", "--input", "1/2,-3"]);
    assert!(o.status.success());
    assert_eq!(stdout(&o), "f(1/2, -3) = [3/2]\n");
}

#[test]
fn eval_trace_shows_every_layer_and_pattern() {
    let o = relucheck(&[
        "eval",
        "examples/forum-question.json",
        "--input",
        "1,2",
        "--trace",
    ]);
    assert!(o.status.success());
    assert_eq!(
        stdout(&o),
        "input  [1, 2]\n\
         layer 0 dense       -> [6, 5, 7/2]\n\
         layer 1 relu        -> [6, 5, 7/2]   pattern 111\n\
         layer 2 dense       -> [11, 29/2]\n\
         layer 3 relu        -> [11, 29/2]   pattern 11\n\
         layer 4 dense       -> [26]\n\
         output [26]\n"
    );
}

#[test]
fn eval_json_uses_exact_strings() {
    let o = relucheck(&[
        "eval",
        "examples/leaky.json",
        "--input",
        "-1,0.5",
        "--format",
        "json",
    ]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    // h = [-1/2, -3/2] -> leaky -> [-1/20, -3/20] -> sum -1/5
    assert_eq!(v["output"], serde_json::json!(["-1/5"]));
    assert_eq!(v["input"], serde_json::json!(["-1", "1/2"]));
    assert_eq!(v["pattern"], "00");
}

#[test]
fn eval_reads_points_from_a_file() {
    let tmp = tempfile::Builder::new()
        .prefix("relucheck-points-")
        .tempdir()
        .unwrap();
    let dir = tmp.path().to_path_buf();
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("points.txt");
    std::fs::write(&file, "# the four corners\n0,0\n1,0\n\n0,1\n1,1\n").unwrap();
    let arg = format!("@{}", file.display());
    let o = relucheck(&["eval", "examples/xor.json", "--input", &arg]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "f(0, 0) = [0]\nf(1, 0) = [1]\nf(0, 1) = [1]\nf(1, 1) = [0]\n"
    );
    std::fs::write(&file, "0,0\n1,x\n").unwrap();
    let o = relucheck(&["eval", "examples/xor.json", "--input", &arg]);
    assert_clean_error(o.status.code().unwrap(), &stderr(&o), "points.txt:2");
}

#[test]
fn malformed_json_reports_line_and_column() {
    let (code, _, err) = with_net(
        "{\n  \"relucheck\": 1,\n  \"input_shape\": [1]\n  \"layers\": []\n}",
        &["--input", "1"],
    );
    assert_clean_error(code, &err, ":4:3: invalid JSON");
}

#[test]
fn unknown_layer_type_lists_the_valid_ones() {
    let (code, _, err) = with_net(
        r#"{"relucheck": 1, "input_shape": [1], "layers": [{"type": "sigmoid"}]}"#,
        &["--input", "1"],
    );
    assert_clean_error(
        code,
        &err,
        "at layers[0].type: unknown layer type `sigmoid`; valid types: dense, conv2d",
    );
}

#[test]
fn unknown_field_lists_the_valid_ones() {
    let (code, _, err) = with_net(
        r#"{"relucheck": 1, "input_shape": [1], "layers": [{"type": "dense", "weights": [[1]], "bais": [0]}]}"#,
        &["--input", "1"],
    );
    assert_clean_error(
        code,
        &err,
        "layers[0].bais: unknown field `bais`; valid fields here: type, weights, bias",
    );
}

#[test]
fn shape_mismatch_names_layer_expected_and_found() {
    let (code, _, err) = with_net(
        r#"{"relucheck": 1, "input_shape": [2], "layers": [
            {"type": "dense", "weights": [[1, 1], [1, 0]], "bias": [0, 0]},
            {"type": "relu"},
            {"type": "dense", "weights": [[1, 1, 1]], "bias": [0]}]}"#,
        &["--input", "1,1"],
    );
    assert_clean_error(
        code,
        &err,
        "layers[2]: layer 2 (dense): expected weights with 2 columns",
    );
    assert!(err.contains("found 3 columns"), "{err}");
}

#[test]
fn division_by_zero_in_a_weight_is_named() {
    let (code, _, err) = with_net(
        r#"{"relucheck": 1, "input_shape": [1], "layers": [{"type": "dense", "weights": [["1/0"]]}]}"#,
        &["--input", "1"],
    );
    assert_clean_error(
        code,
        &err,
        "at layers[0].weights[0][0]: `1/0` divides by zero",
    );
}

#[test]
fn wrong_input_length_and_bad_numbers_are_errors() {
    let o = relucheck(&["eval", "examples/xor.json", "--input", "1"]);
    assert_clean_error(
        o.status.code().unwrap(),
        &stderr(&o),
        "input has 1 values, the network takes 2",
    );
    let o = relucheck(&["eval", "examples/xor.json", "--input", "1,1/0"]);
    assert_clean_error(
        o.status.code().unwrap(),
        &stderr(&o),
        "coordinate 2 of \"1,1/0\": `1/0` divides by zero",
    );
    let o = relucheck(&["eval", "examples/xor.json", "--input", "1,nan"]);
    assert_clean_error(
        o.status.code().unwrap(),
        &stderr(&o),
        "`nan` is not a finite number",
    );
}

#[test]
fn missing_file_and_usage_errors_exit_1() {
    let o = relucheck(&["eval", "no/such/net.json", "--input", "1"]);
    assert_clean_error(o.status.code().unwrap(), &stderr(&o), "no/such/net.json");
    let o = relucheck(&["eval"]);
    assert_eq!(o.status.code(), Some(1));
    let o = relucheck(&["frobnicate"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn help_has_examples() {
    let o = relucheck(&["--help"]);
    assert!(stdout(&o).contains("Example"));
    let o = relucheck(&["eval", "--help"]);
    assert!(stdout(&o).contains("relucheck eval examples/"));
}

#[test]
fn regions_text_json_md_and_count() {
    let o = relucheck(&["regions", "examples/tent-3.json", "--box", "0:1", "--count"]);
    assert!(o.status.success());
    assert!(
        stdout(&o).contains("regions: 8   linear pieces: 8   (complete)"),
        "{}",
        stdout(&o)
    );
    let o = relucheck(&[
        "regions",
        "examples/xor.json",
        "--box",
        "-1:2",
        "--format",
        "json",
    ]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["relucheck_regions"], 1);
    assert_eq!(v["complete"], true);
    assert_eq!(v["counts"]["regions"], 3);
    assert_eq!(
        v["regions"][2]["map"]["A"],
        serde_json::json!([["-1", "-1"]])
    );
    assert_eq!(v["regions"][2]["map"]["c"], serde_json::json!(["2"]));
    let o = relucheck(&["regions", "examples/xor.json", "--format", "md"]);
    assert!(
        stdout(&o).contains("| 2 | `11` | f(x1, x2) = -x1 - x2 + 2 |"),
        "{}",
        stdout(&o)
    );
    let o = relucheck(&["regions", "examples/xor.json", "--segment", "0,0;1,1"]);
    assert!(stdout(&o).contains("the segment from [0, 0] to [1, 1]"));
    assert!(stdout(&o).contains("f(s) = -2*s + 2"), "{}", stdout(&o));
}

#[test]
fn regions_budget_marks_the_result_incomplete() {
    let o = relucheck(&[
        "regions",
        "examples/tent-3.json",
        "--max-regions",
        "3",
        "--format",
        "json",
    ]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["complete"], false);
    assert_eq!(v["counts"]["regions"], 3);
    assert_eq!(v["counts"]["pieces"], serde_json::Value::Null);
    assert!(v["stop"].as_str().unwrap().contains("--max-regions"));
}

#[test]
fn regions_domain_errors_are_clear() {
    let o = relucheck(&["regions", "examples/xor.json", "--box", "1:-1"]);
    assert_clean_error(
        o.status.code().unwrap(),
        &stderr(&o),
        "lower end must be smaller",
    );
    let o = relucheck(&["regions", "examples/xor.json", "--slice", "0,0;1,0"]);
    assert_clean_error(
        o.status.code().unwrap(),
        &stderr(&o),
        "--slice takes 3 points",
    );
    let o = relucheck(&["regions", "examples/xor.json", "--segment", "0,0,0;1,1,1"]);
    assert_clean_error(
        o.status.code().unwrap(),
        &stderr(&o),
        "network takes 2 inputs",
    );
    let o = relucheck(&["regions", "examples/xor.json", "--time-limit=-1"]);
    assert_clean_error(o.status.code().unwrap(), &stderr(&o), "--time-limit");
}

/// Every `console` block of README.md: the command runs as written and prints exactly
/// what README shows.
#[test]
fn readme_console_examples_are_true() {
    // README's console blocks have the claim syntax of the teaching proofs.
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let claims = relucheck::analysis::proofs::parse_proof(&readme).unwrap();
    for claim in &claims {
        let args: Vec<&str> = claim.args.iter().map(String::as_str).collect();
        let expected: String = claim.expected.iter().map(|l| format!("{l}\n")).collect();
        let o = relucheck(&args);
        assert_eq!(stdout(&o), expected, "README line {}", claim.line);
    }
    assert!(claims.len() >= 3);
}

#[test]
fn check_exit_codes_and_json() {
    let o = relucheck(&["check", "examples/xor.json", "--property", "additivity"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("additivity: FAILS (exact)"));
    let o = relucheck(&[
        "check",
        "examples/forum-question.json",
        "-p",
        "affine",
        "--orthant",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let o = relucheck(&[
        "check",
        "examples/leaky.json",
        "-p",
        "additivity",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["relucheck_check"], 1);
    assert_eq!(v["holds"], false);
    assert_eq!(v["method"], "exact");
    assert!(v["counterexample"]["x"].is_array() && v["counterexample"]["f(x+y)"].is_array());
    let o = relucheck(&["check", "examples/xor.json", "-p", "frobenity"]);
    assert_clean_error(
        o.status.code().unwrap(),
        &stderr(&o),
        "unknown property `frobenity`; valid:",
    );
    let o = relucheck(&["check", "examples/xor.json", "-p", "odd", "--orthant"]);
    assert_clean_error(o.status.code().unwrap(), &stderr(&o), "whole input space");
    // A budget that cuts the enumeration short gives no verdict: exit 1, "unknown".
    let o = relucheck(&[
        "check",
        "proofs/nets/median.json",
        "-p",
        "positive-homogeneity",
        "--max-regions",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("unknown"), "{}", stdout(&o));
}

#[test]
fn check_search_reports_seed_and_agrees() {
    let o = relucheck(&[
        "check",
        "examples/leaky.json",
        "-p",
        "additivity",
        "--search",
        "--cases",
        "300",
        "--seed",
        "5",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let verdicts = v["verdicts"].as_array().unwrap();
    assert_eq!(verdicts[0]["method"], "exact");
    assert_eq!(verdicts[1]["method"], "search");
    assert_eq!(verdicts[1]["search"]["seed"], 5);
    assert_eq!(verdicts[1]["holds"], false);
}

#[test]
fn certificate_round_trip_through_the_cli() {
    let tmp = tempfile::Builder::new()
        .prefix("relucheck-cert-")
        .tempdir()
        .unwrap();
    let dir = tmp.path().to_path_buf();
    std::fs::create_dir_all(&dir).unwrap();
    let cert = dir.join("cert.json");
    let c = cert.to_str().unwrap();
    let o = relucheck(&[
        "check",
        "proofs/nets/median.json",
        "-p",
        "odd",
        "--certificate",
        c,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = relucheck(&["verify", c, "--network", "proofs/nets/median.json"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).starts_with("certificate valid: odd holds for median(x1, x2, 0)"));
    let o = relucheck(&["verify", c, "--network", "examples/xor.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("different network"));
    std::fs::write(&cert, "{ not json").unwrap();
    let o = relucheck(&["verify", c, "--network", "examples/xor.json"]);
    assert_clean_error(o.status.code().unwrap(), &stderr(&o), "invalid JSON");
}

/// The verdict names the domain, and `--domain` requires one: a certificate for the
/// orthant is not one for the whole space.
#[test]
fn verify_names_and_requires_the_domain() {
    let tmp = tempfile::Builder::new()
        .prefix("relucheck-certdom-")
        .tempdir()
        .unwrap();
    let dir = tmp.path().to_path_buf();
    std::fs::create_dir_all(&dir).unwrap();
    let cert = dir.join("cert.json");
    let c = cert.to_str().unwrap();
    let net = "examples/forum-question.json";
    let o = relucheck(&[
        "check",
        net,
        "-p",
        "affine",
        "--orthant",
        "--certificate",
        c,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = relucheck(&["verify", c, "--network", net]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains("holds for forum question on the non-negative orthant x >= 0 of R^2"),
        "{}",
        stdout(&o)
    );
    let o = relucheck(&["verify", c, "--network", net, "--domain", "orthant"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    for other in [
        "whole",
        "box:0:1",
        "segment:0,0;1,1",
        "slice:0,0;1,0;0,1@0:1,0:1",
    ] {
        let o = relucheck(&["verify", c, "--network", net, "--domain", other]);
        assert_eq!(o.status.code(), Some(2), "{other}: {}", stdout(&o));
        assert!(
            stdout(&o).contains("holds on the non-negative orthant x >= 0 of R^2, not on"),
            "{other}: {}",
            stdout(&o)
        );
    }
    for bad in ["everywhere", "whole:1", "box:1:0", "box:0:1,0:1,0:1"] {
        let o = relucheck(&["verify", c, "--network", net, "--domain", bad]);
        assert_clean_error(o.status.code().unwrap(), &stderr(&o), "--");
    }
    // A box certificate: the box is named with its bounds and required exactly.
    let o = relucheck(&[
        "check",
        net,
        "-p",
        "affine",
        "--box",
        "0:1/2,1:2",
        "--certificate",
        c,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = relucheck(&["verify", c, "--network", net, "--domain", "box:0:0.5,1:2"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("on the box [0, 1/2] x [1, 2]"),
        "{}",
        stdout(&o)
    );
    let o = relucheck(&["verify", c, "--network", net, "--domain", "box:0:1,1:2"]);
    assert_eq!(o.status.code(), Some(2));
    // Duplicate keys are refused, naming the place.
    let text = std::fs::read_to_string(&cert).unwrap();
    std::fs::write(
        &cert,
        text.replacen("\"property\"", "\"property\": \"linear\", \"property\"", 1),
    )
    .unwrap();
    let o = relucheck(&["verify", c, "--network", net]);
    assert_clean_error(o.status.code().unwrap(), &stderr(&o), "given twice");
    assert!(stderr(&o).contains("cert.json:3:"), "{}", stderr(&o));
}

#[test]
fn a_simple_point_refutes_before_any_enumeration() {
    // conv-relu has 9 ReLU units on 16 inputs: with a budget of one region the enumeration
    // cannot finish, so a verdict under that budget comes from the simple points tried first.
    let o = relucheck(&[
        "check",
        "examples/conv-relu.json",
        "--property",
        "linear",
        "--max-regions",
        "1",
    ]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(2), "{out}{}", stderr(&o));
    assert!(out.contains("linear: FAILS (exact)"), "{out}");
    // The counterexample printed is one: recompute both sides with `eval`.
    let line = out.lines().find(|l| l.contains("counterexample")).unwrap();
    let (a, x) = parse_scale_counterexample(line);
    let fx = eval_point(&x);
    let ax: Vec<String> = x.iter().map(|v| scale_text(&a, v)).collect();
    let fax = eval_point(&ax);
    assert_ne!(
        fax,
        fx.iter().map(|v| scale_text(&a, v)).collect::<Vec<_>>(),
        "{line}"
    );
}

#[test]
fn an_offset_is_refuted_at_zero_with_the_reason_of_zero() {
    // forum-question has f(0) = 3: every one of the properties fails at 0, and the reason
    // says so, whatever the budget.
    let o = relucheck(&[
        "check",
        "examples/forum-question.json",
        "--property",
        "all",
        "--max-regions",
        "1",
    ]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(2), "{out}{}", stderr(&o));
    for p in [
        "additivity",
        "positive-homogeneity",
        "homogeneity",
        "odd",
        "linear",
    ] {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("{p}: FAILS")))
            .unwrap_or_else(|| panic!("{p}: {out}"));
        assert!(line.contains("f(0) = [3] is not 0"), "{line}");
    }
}

/// `a = A, x = [X1, X2, ...]` from a counterexample line.
fn parse_scale_counterexample(line: &str) -> (String, Vec<String>) {
    let a = line
        .split("a = ")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap();
    let x = line
        .split("x = [")
        .nth(1)
        .unwrap()
        .split(']')
        .next()
        .unwrap();
    (
        a.trim().to_string(),
        x.split(',').map(|s| s.trim().to_string()).collect(),
    )
}

/// `a·v` for small integers and fractions written by relucheck (`-1`, `2`, `1/2`, `-3/4`).
fn scale_text(a: &str, v: &str) -> String {
    let q = |s: &str| -> (i64, i64) {
        match s.split_once('/') {
            Some((n, d)) => (n.parse().unwrap(), d.parse().unwrap()),
            None => (s.parse().unwrap(), 1),
        }
    };
    let ((an, ad), (vn, vd)) = (q(a), q(v));
    let (mut n, mut d) = (an * vn, ad * vd);
    let g = gcd(n.abs(), d);
    (n, d) = (n / g, d / g);
    if d == 1 {
        n.to_string()
    } else {
        format!("{n}/{d}")
    }
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a.max(1) } else { gcd(b, a % b) }
}

/// The output of `eval examples/conv-relu.json` at a point, as exact strings.
fn eval_point(x: &[String]) -> Vec<String> {
    let o = relucheck(&[
        "eval",
        "examples/conv-relu.json",
        "--input",
        &x.join(","),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    v["output"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// `--numbers exact|both|decimal` on a net with a float32 weight: exact only prints no
/// decimal, both prints the exact formula and its decimals, decimal prints the decimals
/// marked `≈` and not the long exact form; JSON is exact in every style (issue 14).
#[test]
fn numbers_style_exact_both_decimal() {
    let tmp = tempfile::Builder::new()
        .prefix("relucheck-numbers-")
        .tempdir()
        .unwrap();
    let dir = tmp.path().to_path_buf();
    std::fs::create_dir_all(&dir).unwrap();
    let net = dir.join("f32.json");
    let long = "57165107173407/562949953421312";
    std::fs::write(
        &net,
        format!(
            r#"{{"relucheck": 1, "input_shape": [1], "layers": [
            {{"type": "dense", "weights": [["{long}"]], "bias": ["1/4"]}}]}}"#
        ),
    )
    .unwrap();
    let n = net.to_str().unwrap();
    let run = |style: &str, format: &str| {
        let o = relucheck(&["--numbers", style, "regions", n, "--format", format]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        stdout(&o)
    };
    let exact = run("exact", "text");
    assert!(
        exact.contains(&format!("{long}*x1 + 1/4")) && !exact.contains('≈'),
        "{exact}"
    );
    let both = run("both", "text");
    assert!(
        both.contains(&format!("{long}*x1 + 1/4 ≈ 0.10155*x1 + 0.25")),
        "{both}"
    );
    let dec = run("decimal", "text");
    assert!(
        dec.contains("≈ 0.10155*x1 + 0.25") && !dec.contains(long),
        "{dec}"
    );
    for style in ["exact", "both", "decimal"] {
        let json = run(style, "json");
        assert!(
            json.contains(long) && !json.contains('≈'),
            "{style}: {json}"
        );
    }
}

/// The README's 64-input conv model shape (conv 1→4 3x3, ReLU, max pool, dense 64→16, ReLU,
/// dense 16→3) with seeded short-decimal weights and non-zero biases, as JSON.
fn conv64_json() -> String {
    let mut state = 0x9e3779b97f4a7c15u64;
    let mut w = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        format!("\"{}/1000\"", (state >> 33) as i64 % 1001 - 500)
    };
    let mut list = |n: usize| (0..n).map(|_| w()).collect::<Vec<_>>().join(",");
    let kernels: Vec<String> = (0..4)
        .map(|_| {
            let rows: Vec<String> = (0..3).map(|_| format!("[{}]", list(3))).collect();
            format!("[[{}]]", rows.join(","))
        })
        .collect();
    let conv_bias = list(4);
    let dense = |list: &mut dyn FnMut(usize) -> String, out: usize, inp: usize| {
        let rows: Vec<String> = (0..out).map(|_| format!("[{}]", list(inp))).collect();
        format!(
            "{{\"type\":\"dense\",\"weights\":[{}],\"bias\":[{}]}}",
            rows.join(","),
            list(out)
        )
    };
    let d1 = dense(&mut list, 16, 64);
    let d2 = dense(&mut list, 3, 16);
    format!(
        "{{\"relucheck\":1,\"name\":\"conv64\",\"input_shape\":[1,8,8],\"layers\":[\
         {{\"type\":\"conv2d\",\"weights\":[{}],\"bias\":[{conv_bias}],\"padding\":1}},\
         {{\"type\":\"relu\"}},{{\"type\":\"max_pool2d\",\"kernel_size\":2}},\
         {{\"type\":\"flatten\"}},{d1},{{\"type\":\"relu\"}},{d2}]}}",
        kernels.join(",")
    )
}

#[test]
fn linear_on_a_64_input_conv_net_is_refuted_at_zero_before_any_enumeration() {
    // 528 piecewise-linear units on R^64: an enumeration could not finish in the 1 s given;
    // the answer must come from f(0) != 0, checked here against `eval` at 0.
    let dir = tempfile::tempdir().unwrap();
    let net = dir.path().join("conv64.json");
    std::fs::write(&net, conv64_json()).unwrap();
    let net = net.to_str().unwrap();
    let args = [
        "check",
        net,
        "-p",
        "linear",
        "--time-limit",
        "1",
        "--numbers",
        "exact",
    ];
    let o = relucheck(&args);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(2), "{out}{}", stderr(&o));
    let line = out
        .lines()
        .find(|l| l.starts_with("linear: FAILS"))
        .unwrap();
    let zeros = vec!["0"; 64].join(",");
    let e = relucheck(&["eval", net, "--input", &zeros, "--numbers", "exact"]);
    let f0 = stdout(&e);
    let f0 = f0.trim().rsplit_once(" = ").unwrap().1;
    assert!(
        line.contains(&format!("f(0) = {f0} is not 0")),
        "{line} / {f0}"
    );
    assert!(out.contains("x = [0 (all 64 coordinates)]"), "{out}");
    // In the default style the reason gives f(0) in decimals and stays short; the exact
    // value is in the counterexample right below it.
    let o = relucheck(&["check", net, "-p", "linear", "--time-limit", "1"]);
    let out = stdout(&o);
    let mut lines = out.lines().skip_while(|l| !l.starts_with("linear: FAILS"));
    let (reason, example) = (lines.next().unwrap(), lines.next().unwrap());
    assert!(reason.contains("f(0) ≈ ["), "{reason}");
    assert!(reason.chars().count() < 120, "{reason}");
    assert!(
        example.contains(&format!("f(a·x) = {f0}")),
        "{example} / {f0}"
    );
}
