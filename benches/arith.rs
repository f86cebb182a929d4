//! Q against f64 (and plain BigRational) on dot products, matrix-vector products and a
//! 20x20 solve. Run with `cargo bench --bench arith`.
#![allow(clippy::needless_range_loop)]

use divan::{Bencher, black_box};
use num_bigint::BigInt;
use num_rational::BigRational;
use relucheck::{Matrix, Q, dot};

fn main() {
    divan::main();
}

/// Deterministic small-denominator values (like trained weights written as short decimals).
fn values(n: usize, seed: u64) -> Vec<(i64, i64)> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let num = ((s >> 33) % 41) as i64 - 20;
            let den = [1, 2, 4, 8, 10, 16][((s >> 20) % 6) as usize];
            (num, den)
        })
        .collect()
}

fn qs(v: &[(i64, i64)]) -> Vec<Q> {
    v.iter().map(|&(n, d)| Q::new(n, d)).collect()
}

fn fs(v: &[(i64, i64)]) -> Vec<f64> {
    v.iter().map(|&(n, d)| n as f64 / d as f64).collect()
}

fn bigs(v: &[(i64, i64)]) -> Vec<BigRational> {
    v.iter()
        .map(|&(n, d)| BigRational::new(BigInt::from(n), BigInt::from(d)))
        .collect()
}

const LENS: [usize; 2] = [16, 256];

#[divan::bench(args = LENS)]
fn dot_q(b: Bencher, n: usize) {
    let (x, y) = (qs(&values(n, 1)), qs(&values(n, 2)));
    b.bench(|| dot(black_box(&x), black_box(&y)));
}

#[divan::bench(args = LENS)]
fn dot_bigrational(b: Bencher, n: usize) {
    let (x, y) = (bigs(&values(n, 1)), bigs(&values(n, 2)));
    b.bench(|| {
        black_box(&x)
            .iter()
            .zip(black_box(&y))
            .fold(BigRational::from_integer(BigInt::from(0)), |acc, (a, b)| {
                acc + a * b
            })
    });
}

#[divan::bench(args = LENS)]
fn dot_f64(b: Bencher, n: usize) {
    let (x, y) = (fs(&values(n, 1)), fs(&values(n, 2)));
    b.bench(|| {
        black_box(&x)
            .iter()
            .zip(black_box(&y))
            .map(|(a, b)| a * b)
            .sum::<f64>()
    });
}

#[divan::bench]
fn matvec_32_q(b: Bencher) {
    let m = Matrix::from_rows(values(32 * 32, 3).chunks(32).map(qs).collect()).unwrap();
    let x = qs(&values(32, 4));
    b.bench(|| black_box(&m).mul_vec(black_box(&x)));
}

#[divan::bench]
fn matvec_32_f64(b: Bencher) {
    let m: Vec<Vec<f64>> = values(32 * 32, 3).chunks(32).map(fs).collect();
    let x = fs(&values(32, 4));
    b.bench(|| {
        black_box(&m)
            .iter()
            .map(|r| r.iter().zip(black_box(&x)).map(|(a, b)| a * b).sum::<f64>())
            .collect::<Vec<_>>()
    });
}

fn system(n: usize) -> Vec<Vec<(i64, i64)>> {
    let mut rows: Vec<Vec<(i64, i64)>> = values(n * n, 5).chunks(n).map(<[_]>::to_vec).collect();
    for (i, r) in rows.iter_mut().enumerate() {
        r[i] = (50, 1); // diagonally dominant: non-singular
    }
    rows
}

#[divan::bench]
fn solve_20_q(b: Bencher) {
    let m = Matrix::from_rows(system(20).iter().map(|r| qs(r)).collect()).unwrap();
    let rhs = qs(&values(20, 6));
    b.bench(|| black_box(&m).solve(black_box(&rhs)).unwrap());
}

#[divan::bench]
fn solve_20_f64(b: Bencher) {
    let m: Vec<Vec<f64>> = system(20).iter().map(|r| fs(r)).collect();
    let rhs = fs(&values(20, 6));
    b.bench(|| {
        let n = 20;
        let mut a: Vec<Vec<f64>> = black_box(&m).clone();
        let mut x = black_box(&rhs).clone();
        for c in 0..n {
            let p = (c..n)
                .max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))
                .unwrap();
            a.swap(c, p);
            x.swap(c, p);
            for r in c + 1..n {
                let f = a[r][c] / a[c][c];
                for k in c..n {
                    a[r][k] -= f * a[c][k];
                }
                x[r] -= f * x[c];
            }
        }
        for c in (0..n).rev() {
            let s: f64 = (c + 1..n).map(|k| a[c][k] * x[k]).sum();
            x[c] = (x[c] - s) / a[c][c];
        }
        x
    });
}
