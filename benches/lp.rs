//! Benchmarks of the exact simplex on problems shaped like region analysis: a box in
//! `R^d` cut by random hyperplanes with small rational coefficients.

use relucheck::{HalfSpace, Polytope, Q, interior_point, maximize};

fn main() {
    divan::main();
}

/// A deterministic pseudo-random box `[-1, 1]^d` cut by `cuts` half-spaces through points
/// near the origin, so the region is non-empty.
fn region(d: usize, cuts: usize, seed: u64) -> Vec<HalfSpace> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = |m: i64| {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 33) as i64 % (2 * m + 1)) - m
    };
    let mut out = Polytope::from_box(&vec![-Q::ONE; d], &vec![Q::ONE; d]).into_constraints();
    for _ in 0..cuts {
        let a: Vec<Q> = (0..d).map(|_| Q::new(next(20), 8)).collect();
        let b = Q::new(next(10).abs() + 1, 16);
        out.push(HalfSpace::new(a, b));
    }
    out
}

const SHAPES: &[(usize, usize)] = &[(2, 10), (4, 20), (8, 30), (16, 40)];

#[divan::bench(args = SHAPES)]
fn lp_maximize(bencher: divan::Bencher, &(d, cuts): &(usize, usize)) {
    let problems: Vec<_> = (0..8).map(|k| region(d, cuts, k)).collect();
    let obj: Vec<Q> = (0..d).map(|j| Q::from_int(j as i64 % 3 - 1)).collect();
    bencher.bench(|| {
        for c in &problems {
            divan::black_box(maximize(d, &obj, c));
        }
    });
}

#[divan::bench(args = SHAPES)]
fn lp_interior_point(bencher: divan::Bencher, &(d, cuts): &(usize, usize)) {
    let problems: Vec<_> = (0..8).map(|k| region(d, cuts, k)).collect();
    bencher.bench(|| {
        for c in &problems {
            divan::black_box(interior_point(d, c));
        }
    });
}

#[divan::bench(args = SHAPES)]
fn polytope_minimal(bencher: divan::Bencher, &(d, cuts): &(usize, usize)) {
    let p = Polytope::new(d, region(d, cuts, 1));
    bencher.bench(|| divan::black_box(p.minimal()));
}
