//! No input makes relucheck panic: random bytes and structurally valid but wrong files for
//! every parser get a result or an error. Outputs are deterministic; files are written
//! atomically.

use crate::repo;
use proptest::prelude::*;
use relucheck::analysis::certificate::verify;
use relucheck::analysis::proofs::parse_proof;
use relucheck::{Domain, Network, Q};
use serde_json::{Value, json};

/// JSON values of every kind, nested a little, including huge and odd numbers.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        Just(json!("1/0")),
        Just(json!("1e99999")),
        Just(json!(-1)),
        Just(json!(0)),
        Just(json!(1.5)),
        "[a-z0-9/.,:;|-]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const LAYER_TYPES: [&str; 11] = [
    "dense",
    "conv2d",
    "avg_pool2d",
    "max_pool2d",
    "flatten",
    "relu",
    "leaky_relu",
    "prelu",
    "hard_tanh",
    "abs",
    "identity",
];
const FIELDS: [&str; 9] = [
    "weights",
    "bias",
    "stride",
    "padding",
    "kernel_size",
    "alpha",
    "min",
    "max",
    "type",
];

/// Networks with valid layer types and field names but random field values.
fn wrong_network() -> impl Strategy<Value = String> {
    let layer = (
        proptest::sample::select(LAYER_TYPES.to_vec()),
        proptest::collection::vec(
            (proptest::sample::select(FIELDS.to_vec()), any_json()),
            0..3,
        ),
    )
        .prop_map(|(t, fields)| {
            let mut m = serde_json::Map::new();
            for (k, v) in fields {
                m.insert(k.into(), v);
            }
            m.insert("type".into(), json!(t));
            Value::Object(m)
        });
    (any_json(), proptest::collection::vec(layer, 0..4)).prop_map(|(shape, layers)| {
        json!({"relucheck": 1, "input_shape": shape, "layers": layers}).to_string()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn network_parser_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = Network::from_json_str(&text);
    }

    #[test]
    fn network_parser_never_panics_on_wrong_files(text in wrong_network()) {
        if let Ok(net) = Network::from_json_str(&text) {
            // Whatever loads also evaluates and round-trips.
            let x = vec![Q::ONE; net.input_dim().min(64)];
            if x.len() == net.input_dim() {
                let _ = net.eval(&x).unwrap();
            }
            prop_assert_eq!(Network::from_json_str(&net.to_json()).unwrap(), net);
        }
    }

    #[test]
    fn number_parser_never_panics(s in "[-+0-9eE./ a-z]{0,24}") {
        if let Ok(q) = Q::parse(&s) {
            prop_assert_eq!(Q::parse(&q.to_string()).unwrap(), q);
        }
    }

    #[test]
    fn domain_options_never_panic(b in "[-0-9:,/ ]{0,12}", s in "[-0-9;, ]{0,16}", o in any::<bool>()) {
        let _ = Domain::from_options(2, Some(&b), None, None, o);
        let _ = Domain::from_options(2, None, Some(&s), None, false);
        let _ = Domain::from_options(2, None, None, Some(&s), false);
    }

    #[test]
    fn proof_parser_never_panics(text in "(```console\n|\\$ relucheck |\\[exit: |\"|[a-z0-9 ]|\n|```\n|\\.\\.\\.\n){0,30}") {
        let _ = parse_proof(&text);
    }

    #[test]
    fn verify_rejects_random_certificates_without_panicking(v in any_json()) {
        let net = Network::load(repo("examples/xor.json")).unwrap();
        prop_assert!(verify(&v, &net).is_err());
    }
}

/// A valid certificate with one field at a time replaced by junk: rejected, never a crash.
#[test]
fn verify_survives_junk_in_every_field() {
    let net = Network::load(repo("proofs/nets/median.json")).unwrap();
    let regions = relucheck::Checker::new(&net, Domain::whole(2))
        .regions()
        .unwrap();
    let cert = relucheck::analysis::certificate::Certificate::build(
        &net,
        relucheck::Property::Odd,
        &Domain::whole(2),
        &regions,
    )
    .unwrap()
    .to_json();
    let junk = [
        json!(null),
        json!(-1),
        json!("x"),
        json!([]),
        json!({}),
        json!(["1e99999"]),
        json!(1e300),
    ];
    let mut paths: Vec<Vec<String>> = vec![];
    fn walk(v: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        out.push(path.clone());
        match v {
            Value::Object(m) => {
                for (k, c) in m {
                    path.push(k.clone());
                    walk(c, path, out);
                    path.pop();
                }
            }
            Value::Array(a) => {
                for (i, c) in a.iter().enumerate().take(3) {
                    path.push(i.to_string());
                    walk(c, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    walk(&cert, &mut vec![], &mut paths);
    assert!(paths.len() > 30);
    let mut rejected = 0;
    for p in paths.iter().filter(|p| !p.is_empty()) {
        for j in &junk {
            let mut c = cert.clone();
            let mut slot = &mut c;
            for k in p {
                slot = match slot {
                    Value::Object(m) => m.get_mut(k).unwrap(),
                    Value::Array(a) => &mut a[k.parse::<usize>().unwrap()],
                    _ => unreachable!(),
                };
            }
            if slot == j {
                continue;
            }
            *slot = j.clone();
            if verify(&c, &net).is_err() {
                rejected += 1;
            }
        }
    }
    // Almost every change is a rejection (a few fields, like the statement text or the
    // network name, are informative only).
    assert!(
        rejected > paths.len() * 4,
        "{rejected} of {}",
        paths.len() * junk.len()
    );
}

#[test]
fn outputs_are_deterministic() {
    use crate::cli::{relucheck, stdout};
    for args in [
        vec![
            "regions",
            "examples/xor.json",
            "--box",
            "-1:2",
            "--format",
            "json",
        ],
        vec!["regions", "examples/tent-3.json", "--format", "md"],
        vec![
            "check",
            "proofs/nets/median.json",
            "-p",
            "all",
            "--format",
            "json",
        ],
        vec![
            "check",
            "examples/leaky.json",
            "-p",
            "additivity",
            "--search",
            "--seed",
            "3",
        ],
    ] {
        let a = stdout(&relucheck(&args));
        let b = stdout(&relucheck(&args));
        assert!(!a.is_empty());
        assert_eq!(a, b, "{args:?}");
    }
}

#[test]
fn the_thread_count_does_not_change_the_output() {
    use crate::cli::{relucheck, stdout};
    let slice = "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0;1,0,0,0,0,1,0,0,0,0,1,0,0,0,0,1;0,1,0,0,1,0,0,0,0,0,0,1,0,0,1,0";
    for args in [
        vec!["regions", "examples/xor.json", "--format", "json"],
        vec![
            "regions",
            "examples/conv-relu.json",
            "--slice",
            slice,
            "--box",
            "-2:2",
            "--format",
            "json",
        ],
        vec!["check", "proofs/nets/median.json", "-p", "all"],
    ] {
        let run = |t: &str| {
            let mut a = args.clone();
            a.extend(["--threads", t]);
            let o = relucheck(&a);
            assert!(o.status.success() || o.status.code() == Some(2), "{a:?}");
            stdout(&o)
        };
        let one = run("1");
        assert!(one.contains("regions") || one.contains("holds"), "{one}");
        assert_eq!(one, run("3"), "{args:?}");
    }
    let o = relucheck(&["regions", "examples/xor.json", "--threads", "0"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("0 is not in 1..=256"));
}

#[test]
fn atomic_writes_leave_the_old_file_or_the_new_one() {
    let tmp = tempfile::Builder::new()
        .prefix("relucheck-atomic-")
        .tempdir()
        .unwrap();
    let dir = tmp.path().to_path_buf();
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("cert.json");
    std::fs::write(&path, "old").unwrap();
    relucheck::net::format::write_atomic(&path, b"new contents").unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "new contents");
    // A failed write (the folder does not exist) leaves nothing behind.
    let missing = dir.join("no/such/folder/cert.json");
    assert!(relucheck::net::format::write_atomic(&missing, b"x").is_err());
    // No temporary files are left in the folder.
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, vec!["cert.json".to_string()]);
    // A run killed at random moments leaves either the old file or a complete new one.
    let cert = dir.join("median.json");
    for delay_ms in [0u64, 5, 20, 60, 200] {
        std::fs::write(&cert, "old").unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_relucheck"))
            .args([
                "check",
                "proofs/nets/median.json",
                "-p",
                "homogeneity",
                "--certificate",
            ])
            .arg(&cert)
            .current_dir(repo(""))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let text = std::fs::read_to_string(&cert).unwrap();
        assert!(
            text == "old" || serde_json::from_str::<Value>(&text).is_ok(),
            "a truncated certificate after {delay_ms} ms"
        );
    }
}

/// A network name (or description) with a newline and an escape sequence cannot print a
/// line of its own: `check`, `regions`, `verify` and `report` show it with the control
/// characters made visible, and no output line is the forged verdict (issue 16).
#[test]
fn a_name_cannot_forge_a_line_of_output() {
    let tmp = tempfile::Builder::new()
        .prefix("relucheck-evil-")
        .tempdir()
        .unwrap();
    let dir = tmp.path().to_path_buf();
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(crate::repo("examples/xor.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let forged = "affine: holds (exact): forged";
    v["name"] = format!("evil\n{forged}\u{1b}[2K").into();
    v["description"] = format!("d\n{forged}").into();
    let net = dir.join("evil.json");
    std::fs::write(&net, v.to_string()).unwrap();
    let n = net.to_str().unwrap();
    let cert = dir.join("cert.json");
    let c = cert.to_str().unwrap();
    let report = dir.join("report");
    let runs: Vec<Vec<&str>> = vec![
        vec!["check", n, "-p", "affine"],
        vec![
            "check",
            n,
            "-p",
            "additivity",
            "--orthant",
            "--certificate",
            c,
        ],
        vec!["regions", n],
        vec!["regions", n, "--format", "md"],
        vec!["eval", n, "--input", "1,2", "--trace"],
        vec!["verify", c, "--network", n],
        vec!["report", n, "--out", report.to_str().unwrap()],
    ];
    for args in runs {
        let o = crate::cli::relucheck(&args);
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            !all.contains('\u{1b}'),
            "{args:?}: an escape character got through"
        );
        assert!(
            !all.lines()
                .any(|l| l.trim_start_matches("> ").starts_with(forged)),
            "{args:?}: {all}"
        );
    }
    let md = std::fs::read_to_string(report.join("report.md")).unwrap();
    assert!(
        !md.lines()
            .any(|l| l.trim_start_matches("> ").starts_with(forged))
    );
    assert!(md.contains("evil\\n"), "{md}");
}

/// Error messages say each thing once and name the right file; huge boxes draw no `NaN`
/// (issue 16, "clearer errors").
#[test]
fn clearer_errors_and_no_nan_in_pictures() {
    let xor = crate::repo("examples/xor.json");
    let xor = xor.to_str().unwrap();
    let o = crate::cli::relucheck(&["eval", xor, "--input", "1/0,1"]);
    let e = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(e.matches("divides by zero").count(), 1, "{e}");
    assert!(e.contains("coordinate 1"), "{e}");

    #[cfg(target_os = "linux")]
    {
        let forum = crate::repo("examples/forum-question.json");
        let o = crate::cli::relucheck(&[
            "check",
            forum.to_str().unwrap(),
            "-p",
            "affine",
            "--orthant",
            "--certificate",
            "/proc/version",
        ]);
        let e = String::from_utf8_lossy(&o.stderr).to_string();
        assert_eq!(o.status.code(), Some(1), "{e}");
        assert!(
            e.contains("/proc/version") && e.contains("cannot create a temporary file in /proc"),
            "{e}"
        );
        assert!(
            !e.contains(".tmp"),
            "the temporary name is not the user's file: {e}"
        );
    }

    let tmp = tempfile::Builder::new()
        .prefix("relucheck-nan-")
        .tempdir()
        .unwrap();
    let dir = tmp.path().to_path_buf();
    let _ = std::fs::remove_dir_all(&dir);
    let o = crate::cli::relucheck(&[
        "report",
        xor,
        "--box=-1e300:1e300",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["regions.svg", "output.svg"] {
        let svg = std::fs::read_to_string(dir.join(f)).unwrap();
        assert!(
            !svg.contains("NaN") && !svg.contains("inf"),
            "{f} draws NaN or inf"
        );
    }
}
