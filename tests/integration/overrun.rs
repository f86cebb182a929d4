//! One budget for the whole command, measured (issue 16): `regions --count` and `check`
//! (with and without `--certificate`) stop within 10% + 100 ms of `--time-limit`, on 1, 2
//! and 3 threads, on boxes from 2-D to 7-D and on the whole space. The nets have float32
//! weights (seeded), which make every exact step expensive, and each run must really be cut
//! by the limit (the output says so), or the test would measure nothing.
//!
//! Not covered: printing every region found (`regions` without `--count`, `report`) comes
//! after the limit and takes time in proportion to the output (7,730 regions of a float32
//! 5-16-16-1 net are 62 MB of JSON, about 1 s to write).

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

#[test]
fn every_command_stops_within_ten_percent_and_100_ms_of_its_time_limit() {
    let dir = std::env::temp_dir().join(format!("relucheck-overrun-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
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
        (2, 48, 1),
        (3, 24, 2),
        (4, 16, 3),
        (5, 16, 1),
        (6, 12, 2),
        (7, 12, 3),
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
        vec!["regions".into(), net(3, 24, false), "--count".into()],
        2,
    ));
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
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
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
