//! Region enumeration speed on the suite. Run with `cargo bench --bench regions`.
//! Each benchmark prints nothing; the region counts are asserted in `main` once.

use divan::{Bencher, black_box};
use relucheck::{Activation, Domain, Enumerator, Layer, Matrix, Network, Q, Shape};

fn main() {
    // One timed run of each case first (a quick look: `cargo bench --bench regions -- none`
    // skips the divan runs).
    // REGIONS_CASE=3 times one case only, REGIONS_DETAILS=0 skips details, REGIONS_REPEAT=N
    // runs each N times (for a profiler), REGIONS_THREADS=N sets the threads (default: cores),
    // REGIONS_LIMIT=S stops each run after S seconds (regions/s then of the part found).
    let only: Option<usize> = std::env::var("REGIONS_CASE")
        .ok()
        .and_then(|v| v.parse().ok());
    let repeat: usize = std::env::var("REGIONS_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let threads: Option<usize> = std::env::var("REGIONS_THREADS")
        .ok()
        .and_then(|v| v.parse().ok());
    let with_details = std::env::var("REGIONS_DETAILS").map_or(true, |v| v != "0");
    let limit: Option<f64> = std::env::var("REGIONS_LIMIT")
        .ok()
        .and_then(|v| v.parse().ok());
    // REGIONS_NET=FILE times `Enumerator::count` on a network file over [-1, 1]^d
    // (REGIONS_WHOLE=1: the whole space) in this process, best of REGIONS_REPEAT runs, and
    // skips the suite: the in-process time, beside a float tool's in-process time.
    if let Ok(file) = std::env::var("REGIONS_NET") {
        let net = Network::load(&file).unwrap();
        let d = net.input_dim();
        let dom = if std::env::var("REGIONS_WHOLE").is_ok() {
            Domain::whole(d)
        } else {
            cube(d)
        };
        let mut best = f64::INFINITY;
        let mut counts = None;
        for _ in 0..repeat {
            let mut e = Enumerator::new(&net, dom.clone());
            if let Some(t) = threads {
                e = e.with_threads(t);
            }
            let t = std::time::Instant::now();
            counts = Some(e.count().unwrap());
            best = best.min(t.elapsed().as_secs_f64());
        }
        let c = counts.expect("repeat >= 1");
        println!(
            "{file}: {} regions, {:?} pieces in {:.2} ms (best of {repeat})",
            c.regions,
            c.piece_count,
            best * 1e3
        );
        return;
    }
    for (i, (name, net, dom)) in suite().into_iter().enumerate() {
        if only.is_some_and(|c| c != i) {
            continue;
        }
        for details in [false, true] {
            if details && (!with_details || HEAVY.contains(&i)) {
                continue;
            }
            let t = std::time::Instant::now();
            let mut r = None;
            for _ in 0..repeat {
                let mut e = Enumerator::new(&net, dom.clone()).with_details(details);
                if let Some(t) = threads {
                    e = e.with_threads(t);
                }
                if let Some(s) = limit {
                    e = e.with_time_limit(std::time::Duration::from_secs_f64(s));
                }
                r = Some(e.run().unwrap());
            }
            let r = r.expect("repeat >= 1");
            let s = t.elapsed().as_secs_f64() / repeat.max(1) as f64;
            println!(
                "{name}{}{}: {} regions in {:.3} s ({:.0} regions/s, {} LPs)",
                if details { " with details" } else { "" },
                if r.is_complete() { "" } else { " (stopped)" },
                r.regions.len(),
                s,
                r.regions.len() as f64 / s,
                r.lp_count
            );
        }
        // A count (`regions --count`): no interior points, pieces only.
        let t = std::time::Instant::now();
        let mut c = None;
        for _ in 0..repeat {
            let mut e = Enumerator::new(&net, dom.clone());
            if let Some(t) = threads {
                e = e.with_threads(t);
            }
            c = Some(e.count().unwrap());
        }
        let c = c.expect("repeat >= 1");
        let s = t.elapsed().as_secs_f64() / repeat.max(1) as f64;
        println!(
            "{name} count: {} regions, {:?} pieces in {s:.3} s ({:.0} regions/s)",
            c.regions,
            c.piece_count,
            c.regions as f64 / s
        );
    }
    if std::env::var("REGIONS_SCALING").is_ok() {
        // Regions per second as the count grows (one run each, counting only).
        for (widths, d) in SCALING {
            let (net, dom) = (mlp(widths, 5), cube(*d));
            let t = std::time::Instant::now();
            let r = Enumerator::new(&net, dom)
                .with_details(false)
                .run()
                .unwrap();
            let s = t.elapsed().as_secs_f64();
            println!(
                "{widths:?} on [-1,1]^{d}: {} regions in {s:.3} s ({:.0} regions/s)",
                r.regions.len(),
                r.regions.len() as f64 / s
            );
        }
    }
    divan::main();
}

/// Growing nets for the per-region cost.
const SCALING: &[(&[usize], usize)] = &[
    (&[2, 32, 1], 2),
    (&[2, 128, 1], 2),
    (&[2, 512, 1], 2),
    (&[4, 8, 1], 4),
    (&[4, 16, 1], 4),
    (&[4, 32, 1], 4),
    (&[4, 48, 1], 4),
];

/// Deterministic weights in [-1, 1] with three decimals, like rounded trained weights.
fn weights(n: usize, seed: u64) -> Vec<Q> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            Q::new(((s >> 33) % 2001) as i64 - 1000, 1000)
        })
        .collect()
}

fn mlp(widths: &[usize], seed: u64) -> Network {
    let mut layers = vec![];
    for (i, w) in widths.windows(2).enumerate() {
        let p = weights(w[0] * w[1] + w[1], seed + i as u64);
        let rows = p[..w[0] * w[1]].chunks(w[0]).map(<[Q]>::to_vec).collect();
        layers.push(Layer::Dense {
            weights: Matrix::from_rows(rows).unwrap(),
            bias: p[w[0] * w[1]..].to_vec(),
        });
        if i + 2 < widths.len() {
            layers.push(Layer::Activation(Activation::Relu));
        }
    }
    Network::new(Shape::Flat(widths[0]), layers).unwrap()
}

fn tent(k: usize) -> Network {
    let q = Q::from_int;
    let half = Q::new(1, 2);
    let dense = |rows: Vec<Vec<Q>>, bias: Vec<Q>| Layer::Dense {
        weights: Matrix::from_rows(rows).unwrap(),
        bias,
    };
    let mut layers = vec![
        dense(vec![vec![q(1)], vec![q(1)]], vec![Q::ZERO, -&half]),
        Layer::Activation(Activation::Relu),
    ];
    for _ in 1..k {
        layers.push(dense(
            vec![vec![q(2), q(-4)], vec![q(2), q(-4)]],
            vec![Q::ZERO, -&half],
        ));
        layers.push(Layer::Activation(Activation::Relu));
    }
    layers.push(dense(vec![vec![q(2), q(-4)]], vec![Q::ZERO]));
    Network::new(Shape::Flat(1), layers).unwrap()
}

/// A net as trained nets come, seeded ([`relucheck::analysis::testing::float32_mlp`]).
fn f32_mlp(widths: &[usize], seed: u64) -> Network {
    relucheck::analysis::testing::float32_mlp(widths, seed)
}

fn cube(d: usize) -> Domain {
    Domain::boxed(vec![-Q::ONE; d], vec![Q::ONE; d]).unwrap()
}

fn suite() -> Vec<(&'static str, Network, Domain)> {
    vec![
        ("2-64-1 on [-1,1]^2", mlp(&[2, 64, 1], 1), cube(2)),
        ("2-32-32-1 on [-1,1]^2", mlp(&[2, 32, 32, 1], 2), cube(2)),
        (
            "tent^12 on [0,1]",
            tent(12),
            Domain::boxed(vec![Q::ZERO], vec![Q::ONE]).unwrap(),
        ),
        ("4-12-1 on [-1,1]^4", mlp(&[4, 12, 1], 3), cube(4)),
        // Float32 weights, as imported from ONNX (issue 13's table).
        (
            "f32 2-16-16-16-1 on [-1,1]^2",
            f32_mlp(&[2, 16, 16, 16, 1], 11),
            cube(2),
        ),
        (
            "f32 2-32-32-1 on [-1,1]^2",
            f32_mlp(&[2, 32, 32, 1], 12),
            cube(2),
        ),
        ("f32 4-12-1 on [-1,1]^4", f32_mlp(&[4, 12, 1], 13), cube(4)),
        (
            "f32 3-16-16-1 on [-1,1]^3",
            f32_mlp(&[3, 16, 16, 1], 14),
            cube(3),
        ),
        (
            "f32 5-16-16-1 on [-1,1]^5",
            f32_mlp(&[5, 16, 16, 1], 15),
            cube(5),
        ),
        (
            "f32 2-16-16-1 on R^2",
            f32_mlp(&[2, 16, 16, 1], 16),
            Domain::whole(2),
        ),
        (
            "f32 2-64-64-1 on [-1,1]^2",
            f32_mlp(&[2, 64, 64, 1], 17),
            cube(2),
        ),
        (
            "f32 4-12-12-1 on [-1,1]^4",
            f32_mlp(&[4, 12, 12, 1], 18),
            cube(4),
        ),
        ("f32 6-24-1 on [-1,1]^6", f32_mlp(&[6, 24, 1], 19), cube(6)),
        (
            "f32 2-32-32-1 on R^2",
            f32_mlp(&[2, 32, 32, 1], 20),
            Domain::whole(2),
        ),
        (
            "f32 3-12-12-1 on R^3",
            f32_mlp(&[3, 12, 12, 1], 21),
            Domain::whole(3),
        ),
    ]
}

/// Cases whose details (neighbours of tens of thousands of regions) `main` skips.
const HEAVY: [usize; 2] = [8, 12];

const CASES: [usize; 4] = [0, 1, 2, 3];

/// The float32 nets of [`suite`].
const F32_CASES: [usize; 11] = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];

/// Enumeration only: patterns, interior points, maps; on 1 thread and on 2.
#[divan::bench(consts = [1, 2], args = CASES, sample_count = 10, sample_size = 1)]
fn count<const THREADS: usize>(b: Bencher, case: usize) {
    let (_, net, dom) = suite().swap_remove(case);
    b.bench(|| {
        Enumerator::new(black_box(&net), dom.clone())
            .with_threads(THREADS)
            .with_details(false)
            .run()
            .unwrap()
            .regions
            .len()
    });
}

/// Float32-weight nets, enumeration only, on 1 thread and on 2.
#[divan::bench(consts = [1, 2], args = F32_CASES, sample_count = 3, sample_size = 1)]
fn count_f32<const THREADS: usize>(b: Bencher, case: usize) {
    let (_, net, dom) = suite().swap_remove(case);
    b.bench(|| {
        Enumerator::new(black_box(&net), dom.clone())
            .with_threads(THREADS)
            .with_details(false)
            .run()
            .unwrap()
            .regions
            .len()
    });
}

/// Everything: minimal inequalities, vertices, neighbours and linear pieces.
#[divan::bench(consts = [1, 2], args = CASES, sample_count = 3, sample_size = 1)]
fn details<const THREADS: usize>(b: Bencher, case: usize) {
    let (_, net, dom) = suite().swap_remove(case);
    b.bench(|| {
        Enumerator::new(black_box(&net), dom.clone())
            .with_threads(THREADS)
            .run()
            .unwrap()
            .regions
            .len()
    });
}
