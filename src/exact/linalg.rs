//! Small dense linear algebra over [`Q`]: matrices, affine maps and half-spaces.
//!
//! An affine map `x ↦ A x + c` ([`Affine`]) and a half-space `a·x <= b` ([`HalfSpace`]) hold
//! the same kind of data but are distinct types, so one is never mistaken for the other.

use crate::exact::rational::{DotSum, Q, dot};
use std::fmt;

/// Rows of different lengths given to [`Matrix::try_from_rows`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("row {row} has {len} values, expected {expected} (the length of row 0)")]
pub struct RaggedRow {
    /// The first row whose length differs from row 0's.
    pub row: usize,
    /// Its length.
    pub len: usize,
    /// The length of row 0.
    pub expected: usize,
}

impl From<RaggedRow> for crate::error::Error {
    fn from(e: RaggedRow) -> crate::error::Error {
        crate::error::Error::Invalid(format!("matrix {e}"))
    }
}

/// A dense `rows × cols` matrix of exact rationals, stored row-major.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Vec<Q>,
}

impl Matrix {
    /// The zero matrix.
    pub fn zeros(rows: usize, cols: usize) -> Matrix {
        Matrix {
            rows,
            cols,
            data: vec![Q::ZERO; rows * cols],
        }
    }

    /// The identity matrix.
    pub fn identity(n: usize) -> Matrix {
        let mut m = Matrix::zeros(n, n);
        for i in 0..n {
            m[(i, i)] = Q::ONE;
        }
        m
    }

    /// Builds a matrix from its rows; `None` when the rows differ in length
    /// ([`Matrix::try_from_rows`] says which row).
    pub fn from_rows(rows: Vec<Vec<Q>>) -> Option<Matrix> {
        Matrix::try_from_rows(rows).ok()
    }

    /// Builds a matrix from its rows, or says which row differs in length from row 0.
    ///
    /// ```
    /// use relucheck::{Matrix, Q};
    /// let m = Matrix::try_from_rows(vec![vec![Q::ONE, Q::ZERO], vec![Q::ZERO, Q::ONE]]);
    /// assert_eq!(m.unwrap(), Matrix::identity(2));
    /// let err = Matrix::try_from_rows(vec![vec![Q::ONE, Q::ZERO], vec![Q::ONE]]).unwrap_err();
    /// assert_eq!(err.to_string(), "row 1 has 1 values, expected 2 (the length of row 0)");
    /// ```
    pub fn try_from_rows(rows: Vec<Vec<Q>>) -> Result<Matrix, RaggedRow> {
        let cols = rows.first().map_or(0, Vec::len);
        if let Some(row) = rows.iter().position(|r| r.len() != cols) {
            return Err(RaggedRow {
                row,
                len: rows[row].len(),
                expected: cols,
            });
        }
        let n = rows.len();
        Ok(Matrix {
            rows: n,
            cols,
            data: rows.into_iter().flatten().collect(),
        })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Row `i` as a slice.
    pub fn row(&self, i: usize) -> &[Q] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Row `i` as a mutable slice.
    pub fn row_mut(&mut self, i: usize) -> &mut [Q] {
        &mut self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Iterates over the rows.
    pub fn iter_rows(&self) -> impl Iterator<Item = &[Q]> {
        (0..self.rows).map(move |i| self.row(i))
    }

    /// The rows as owned vectors.
    pub fn to_rows(&self) -> Vec<Vec<Q>> {
        self.iter_rows().map(<[Q]>::to_vec).collect()
    }

    /// `self · x`.
    pub fn mul_vec(&self, x: &[Q]) -> Vec<Q> {
        assert_eq!(x.len(), self.cols, "matrix-vector dimension mismatch");
        self.iter_rows().map(|r| dot(r, x)).collect()
    }

    /// `self · other`.
    pub fn mul_mat(&self, other: &Matrix) -> Matrix {
        assert_eq!(self.cols, other.rows, "matrix product dimension mismatch");
        let mut out = Matrix::zeros(self.rows, other.cols);
        for i in 0..self.rows {
            let row = self.row(i);
            for j in 0..other.cols {
                let mut acc = DotSum::default();
                for (k, a) in row.iter().enumerate() {
                    acc.add_product(a, &other.data[k * other.cols + j]);
                }
                out.data[i * other.cols + j] = acc.value();
            }
        }
        out
    }

    /// The transpose.
    pub fn transpose(&self) -> Matrix {
        let mut t = Matrix::zeros(self.cols, self.rows);
        for i in 0..self.rows {
            for j in 0..self.cols {
                t[(j, i)] = self[(i, j)].clone();
            }
        }
        t
    }

    /// Solves `self · x = b` for square `self` by exact Gaussian elimination;
    /// `None` when `self` is singular.
    pub fn solve(&self, b: &[Q]) -> Option<Vec<Q>> {
        assert_eq!(self.rows, self.cols, "solve needs a square matrix");
        assert_eq!(b.len(), self.rows, "solve: right-hand side length");
        let n = self.rows;
        let mut m: Vec<Vec<Q>> = (0..n)
            .map(|i| {
                let mut r = self.row(i).to_vec();
                r.push(b[i].clone());
                r
            })
            .collect();
        for col in 0..n {
            let piv = (col..n).find(|&r| !m[r][col].is_zero())?;
            m.swap(col, piv);
            let inv = m[col][col].recip()?;
            for v in m[col][col..=n].iter_mut() {
                *v *= &inv;
            }
            for r in 0..n {
                if r != col && !m[r][col].is_zero() {
                    let f = m[r][col].clone();
                    let (pivot_row, other) = if r < col {
                        let (a, b) = m.split_at_mut(col);
                        (&b[0], &mut a[r])
                    } else {
                        let (a, b) = m.split_at_mut(r);
                        (&a[col], &mut b[0])
                    };
                    for j in col..=n {
                        if !pivot_row[j].is_zero() {
                            other[j] -= &f * &pivot_row[j];
                        }
                    }
                }
            }
        }
        Some(m.into_iter().map(|mut r| r.pop().unwrap()).collect())
    }

    /// The rank, by exact elimination.
    pub fn rank(&self) -> usize {
        let mut m = self.to_rows();
        let mut rank = 0;
        for col in 0..self.cols {
            let Some(piv) = (rank..self.rows).find(|&r| !m[r][col].is_zero()) else {
                continue;
            };
            m.swap(rank, piv);
            let inv = m[rank][col].recip().expect("pivot is non-zero");
            for r in rank + 1..self.rows {
                if !m[r][col].is_zero() {
                    let f = &m[r][col] * &inv;
                    for j in col..self.cols {
                        let d = &f * &m[rank][j];
                        m[r][j] -= d;
                    }
                }
            }
            rank += 1;
        }
        rank
    }
}

impl std::ops::Index<(usize, usize)> for Matrix {
    type Output = Q;
    fn index(&self, (i, j): (usize, usize)) -> &Q {
        &self.data[i * self.cols + j]
    }
}

impl std::ops::IndexMut<(usize, usize)> for Matrix {
    fn index_mut(&mut self, (i, j): (usize, usize)) -> &mut Q {
        &mut self.data[i * self.cols + j]
    }
}

impl fmt::Debug for Matrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter_rows()).finish()
    }
}

/// An affine map `x ↦ A x + c` from `R^in` to `R^out`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Affine {
    /// The linear part `A` (`out × in`).
    pub a: Matrix,
    /// The offset `c` (length `out`).
    pub c: Vec<Q>,
}

impl Affine {
    /// The identity map on `R^n`.
    pub fn identity(n: usize) -> Affine {
        Affine {
            a: Matrix::identity(n),
            c: vec![Q::ZERO; n],
        }
    }

    /// Input dimension.
    pub fn input_dim(&self) -> usize {
        self.a.cols()
    }

    /// Output dimension.
    pub fn output_dim(&self) -> usize {
        self.a.rows()
    }

    /// `A x + c`.
    pub fn apply(&self, x: &[Q]) -> Vec<Q> {
        assert_eq!(x.len(), self.a.cols, "matrix-vector dimension mismatch");
        (self.a.iter_rows().zip(&self.c))
            .map(|(r, c)| {
                let mut acc = DotSum::default();
                for (a, v) in r.iter().zip(x) {
                    acc.add_product(a, v);
                }
                acc.add(c);
                acc.value()
            })
            .collect()
    }

    /// `outer ∘ self`: first `self`, then `outer`.
    pub fn then(&self, outer: &Affine) -> Affine {
        Affine {
            a: outer.a.mul_mat(&self.a),
            c: outer.apply(&self.c),
        }
    }

    /// Output `i` as an affine function `(row of A, c_i)`.
    pub fn component(&self, i: usize) -> (&[Q], &Q) {
        (self.a.row(i), &self.c[i])
    }

    /// Is the offset zero (the map is linear)?
    pub fn is_linear(&self) -> bool {
        self.c.iter().all(Q::is_zero)
    }

    /// The map in `f64`, for plotting and analysis only (each entry the nearest `f64`,
    /// see [`Q::to_f64`]); nothing is decided with it.
    ///
    /// ```
    /// use relucheck::{Affine, Matrix, Q};
    /// let map = Affine {
    ///     a: Matrix::try_from_rows(vec![vec![Q::new(1, 2), Q::from_int(-3)]]).unwrap(),
    ///     c: vec![Q::new(1, 4)],
    /// };
    /// let f = map.to_f64();
    /// assert_eq!((f.a, f.c.clone()), (vec![vec![0.5, -3.0]], vec![0.25]));
    /// assert_eq!(map.to_f64().apply(&[2.0, 1.0]), vec![-1.75]);
    /// ```
    pub fn to_f64(&self) -> AffineF64 {
        AffineF64 {
            a: self
                .a
                .iter_rows()
                .map(|r| r.iter().map(Q::to_f64).collect())
                .collect(),
            c: self.c.iter().map(Q::to_f64).collect(),
        }
    }
}

/// An [`Affine`] map in `f64` ([`Affine::to_f64`]): for plotting, never for decisions.
#[derive(Clone, Debug, PartialEq)]
pub struct AffineF64 {
    /// The rows of the linear part `A`.
    pub a: Vec<Vec<f64>>,
    /// The offset `c`.
    pub c: Vec<f64>,
}

impl AffineF64 {
    /// `A x + c` in `f64` (missing coordinates of `x` count as 0).
    pub fn apply(&self, x: &[f64]) -> Vec<f64> {
        self.a
            .iter()
            .zip(&self.c)
            .map(|(row, c)| row.iter().zip(x).map(|(a, x)| a * x).sum::<f64>() + c)
            .collect()
    }
}

/// A closed half-space `{x : a·x <= b}`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct HalfSpace {
    /// The normal `a`.
    pub a: Vec<Q>,
    /// The bound `b`.
    pub b: Q,
}

impl HalfSpace {
    /// `{x : a·x <= b}`.
    pub fn new(a: Vec<Q>, b: Q) -> HalfSpace {
        HalfSpace { a, b }
    }

    /// `b - a·x`: non-negative inside, zero on the boundary, negative outside.
    pub fn slack(&self, x: &[Q]) -> Q {
        &self.b - dot(&self.a, x)
    }

    /// Does `x` satisfy `a·x <= b`?
    pub fn contains(&self, x: &[Q]) -> bool {
        !self.slack(x).is_negative()
    }

    /// Does `x` satisfy `a·x < b`?
    pub fn contains_strictly(&self, x: &[Q]) -> bool {
        self.slack(x).is_positive()
    }

    /// The complementary closed half-space `{x : a·x >= b}`.
    pub fn flipped(&self) -> HalfSpace {
        HalfSpace {
            a: self.a.iter().map(|v| -v).collect(),
            b: -&self.b,
        }
    }

    /// Is the normal zero (the half-space is everything or nothing)?
    pub fn is_trivial(&self) -> bool {
        self.a.iter().all(Q::is_zero)
    }

    /// The same half-space scaled so that its first non-zero coefficient (of `a`, else `b`)
    /// is `±1`; two half-spaces are equal as sets iff their normalised forms are equal
    /// (for non-trivial normals).
    pub fn normalized(&self) -> HalfSpace {
        let lead = self
            .a
            .iter()
            .find(|v| !v.is_zero())
            .unwrap_or(&self.b)
            .abs();
        match lead.recip() {
            Some(s) => HalfSpace {
                a: self.a.iter().map(|v| v * &s).collect(),
                b: &self.b * &s,
            },
            None => self.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(rows: &[&[i64]]) -> Matrix {
        Matrix::from_rows(
            rows.iter()
                .map(|r| r.iter().map(|&v| Q::from_int(v)).collect())
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn solve_and_rank() {
        let a = m(&[&[2, 1], &[1, 3]]);
        let x = a.solve(&[Q::from_int(3), Q::from_int(5)]).unwrap();
        assert_eq!(x, vec![Q::new(4, 5), Q::new(7, 5)]);
        assert_eq!(a.mul_vec(&x), vec![Q::from_int(3), Q::from_int(5)]);
        let s = m(&[&[1, 2], &[2, 4]]);
        assert_eq!(s.solve(&[Q::ONE, Q::ONE]), None);
        assert_eq!(s.rank(), 1);
        assert_eq!(a.rank(), 2);
        assert_eq!(m(&[&[0, 0], &[0, 0]]).rank(), 0);
    }

    #[test]
    fn composition_is_application_in_order() {
        let f = Affine {
            a: m(&[&[1, -1]]),
            c: vec![Q::from_int(2)],
        };
        let g = Affine {
            a: m(&[&[3], &[-1]]),
            c: vec![Q::ZERO, Q::ONE],
        };
        let x = [Q::from_int(5), Q::from_int(1)];
        assert_eq!(f.then(&g).apply(&x), g.apply(&f.apply(&x)));
        assert_eq!(m(&[&[1, 2], &[3, 4]]).transpose(), m(&[&[1, 3], &[2, 4]]));
    }

    #[test]
    fn half_space_sides() {
        let h = HalfSpace::new(vec![Q::ONE, Q::ONE], Q::ONE);
        assert!(h.contains(&[Q::ZERO, Q::ONE]));
        assert!(!h.contains_strictly(&[Q::ZERO, Q::ONE]));
        assert!(h.flipped().contains(&[Q::ONE, Q::ONE]));
        let h2 = HalfSpace::new(vec![Q::from_int(3), Q::from_int(3)], Q::from_int(3));
        assert_eq!(h.normalized(), h2.normalized());
    }
}
