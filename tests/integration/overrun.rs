//! One budget for the whole command, measured (issue 16): `regions --count` and `check`
//! (with and without `--certificate`) stop within 10% + 100 ms of `--time-limit`, on 1, 2
//! and 3 threads, on boxes from 2-D to 7-D and on the whole space. The nets have float32
//! weights (seeded), which make every exact step expensive, and each run must really be cut
//! by the limit (the output says so), or the test would measure nothing.
//!
//!
//! Printing is under the same budget: `regions` with every region (text, JSON, Markdown)
//! and `report` stop within the same bound, and say how many regions they printed of those
//! found (the JSON stays valid and counts them).

use crate::cli::relucheck;
use std::time::Instant;

/// A seeded `d-w-w-1` ReLU net with float32 weights ~ N(0, 1/fan_in) (Box-Muller on a
/// 64-bit LCG) and, unless `bias_free`, biases ~ N(0, 0.3^2); as a native JSON file.
fn float32_net(d: usize, w: usize, seed: u64, bias_free: bool) -> String {
    let mut s = seed;
    let mut uniform = move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut gauss = move |sd: f64| {
        let (u, v) = (uniform(), uniform());
        let z = (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos();
        let x = (z * sd) as f32;
        format!("\"{}\"", relucheck::Q::from_f32(x).unwrap())
    };
    let mut dense = |n_in: usize, n_out: usize| {
        let rows: Vec<String> = (0..n_out)
            .map(|_| {
                let r: Vec<String> = (0..n_in)
                    .map(|_| gauss(1.0 / (n_in as f64).sqrt()))
                    .collect();
                format!("[{}]", r.join(", "))
            })
            .collect();
        let bias: Vec<String> = (0..n_out)
            .map(|_| {
                let b = gauss(0.3);
                if bias_free { "0".to_string() } else { b }
            })
            .collect();
        format!(
            r#"{{"type": "dense", "weights": [{}], "bias": [{}]}}"#,
            rows.join(", "),
            bias.join(", ")
        )
    };
    let layers = [dense(d, w), dense(w, w), dense(w, 1)];
    format!(
        r#"{{"relucheck": 1, "input_shape": [{d}], "layers": [{}, {{"type": "relu"}}, {}, {{"type": "relu"}}, {}]}}"#,
        layers[0], layers[1], layers[2]
    )
}

/// The JSON parses, lists exactly `output.regions_printed` regions of the
/// `counts.regions` found, and is incomplete when some were not printed; returns its
/// `stop` and `output.stop`.
fn honest_json(text: &str, what: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("{what}: the JSON does not parse: {e}"));
    let listed = v["regions"].as_array().unwrap().len() as u64;
    let output = &v["output"];
    assert_eq!(output["regions_printed"], listed, "{what}");
    let found = v["counts"]["regions"].as_u64().unwrap();
    assert_eq!(
        output["regions_not_printed"].as_u64().unwrap(),
        found - listed
    );
    assert_eq!(output["complete"], listed == found, "{what}");
    if listed < found {
        assert_eq!(v["complete"], false, "{what}");
    }
    format!("{} {}", v["stop"], output["stop"])
}

#[test]
fn every_command_stops_within_ten_percent_and_100_ms_of_its_time_limit() {
    let tmp = tempfile::Builder::new()
        .prefix("relucheck-overrun-")
        .tempdir()
        .unwrap();
    let dir = tmp.path().to_path_buf();
    let net = |d: usize, w: usize, bias_free: bool| {
        let p = dir.join(format!("net-{d}-{w}-{bias_free}.json"));
        std::fs::write(&p, float32_net(d, w, 17 + d as u64, bias_free)).unwrap();
        p.to_str().unwrap().to_string()
    };
    let limit = 0.5f64;
    let t = limit.to_string();
    let cert = dir.join("cert.json");
    // (arguments, threads): boxes 2-D to 7-D, the whole space, every command.
    let mut runs: Vec<(Vec<String>, usize)> = Vec::new();
    let box_ = "--box=-1:1".to_string();
    for (d, w, threads) in [
        (2, 128, 1),
        (3, 64, 2),
        (4, 40, 3),
        (5, 24, 1),
        (6, 20, 2),
        (7, 16, 3),
    ] {
        runs.push((
            vec![
                "regions".into(),
                net(d, w, false),
                box_.clone(),
                "--count".into(),
            ],
            threads,
        ));
    }
    runs.push((
        vec!["regions".into(), net(3, 48, false), "--count".into()],
        2,
    ));
    // Every region printed: the enumeration leaves the printer a share, the printer stops
    // at the deadline and says how many it printed.
    for (d, w, format, threads) in [
        (5, 16, "text", 2),
        (5, 16, "json", 3),
        (2, 48, "json", 1),
        (4, 16, "md", 2),
    ] {
        runs.push((
            vec![
                "regions".into(),
                net(d, w, false),
                box_.clone(),
                "--format".into(),
                format.into(),
            ],
            threads,
        ));
    }
    for (d, w, threads) in [(5, 16, 2), (2, 48, 1), (3, 24, 3)] {
        let out = dir.join(format!("report-{d}"));
        runs.push((
            vec![
                "report".into(),
                net(d, w, false),
                box_.clone(),
                "--out".into(),
                out.to_str().unwrap().into(),
            ],
            threads,
        ));
    }
    let homog = net(4, 16, true);
    let p = "positive-homogeneity".to_string();
    runs.push((
        vec!["check".into(), homog.clone(), "-p".into(), p.clone()],
        1,
    ));
    runs.push((
        vec![
            "check".into(),
            homog,
            "-p".into(),
            p,
            "--certificate".into(),
            cert.to_str().unwrap().into(),
        ],
        3,
    ));
    let mut worst = 0.0f64;
    for (args, threads) in runs {
        let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
        let th = threads.to_string();
        a.extend(["--time-limit", &t, "--threads", &th]);
        let start = Instant::now();
        let o = relucheck(&a);
        let took = start.elapsed().as_secs_f64();
        // `check` cut by the limit says unknown (exit 1); the printers succeed.
        assert!(a[0] == "check" || o.status.success(), "{a:?}: {o:?}");
        let mut all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        if a[0] == "report" {
            let json = std::fs::read_to_string(std::path::Path::new(a[4]).join("report.json"));
            all.push_str(&honest_json(&json.unwrap(), "report"));
        } else if a.contains(&"json") {
            all.push_str(&honest_json(&String::from_utf8_lossy(&o.stdout), "regions"));
        }
        assert!(
            all.contains("time limit"),
            "{a:?} was not cut by the limit (took {took:.2} s): {all}"
        );
        assert!(
            took <= limit * 1.1 + 0.1,
            "{a:?}: {took:.3} s for a limit of {limit} s"
        );
        println!("{took:.3} s  {a:?}");
        worst = worst.max(took);
    }
    assert!(worst > limit, "no run reached the limit: {worst}");
}
