//! Row-major f64 buffers: the layout the correlation and regression metrics
//! standardise latents in, and multiply through nalgebra without copying.
//!
//! Latents arrive as row-major f32 [`Matrix`] values. Widening the selected
//! rows in one sequential pass, standardising in place, and handing nalgebra
//! strided views (so `Aᵀ B` goes straight to its blocked GEMM,
//! `matrixmultiply`) avoids the column-by-column reads and the transposed
//! copies that dominated the time on 100,000 x 50 latents.
//!
//! A strided view is only ever the right operand of a product. nalgebra
//! 0.35 multiplies small matrices (a side of 5 or less) with its own loop,
//! which walks a column of the left operand for as many elements as the
//! strided slice spans rather than the column's length: with a strided left
//! operand it reads and writes out of bounds. Left operands are therefore
//! column-contiguous (owned, or [`RowMajor::transposed`]).

use crate::data::Matrix;
use nalgebra::{DMatrix, DMatrixView, Dyn, MatrixView};

/// A view of a row-major buffer: row stride `cols`, column stride 1.
pub(crate) type RowMajorView<'a> = MatrixView<'a, f64, Dyn, Dyn, Dyn, Dyn>;

/// A dense row-major f64 matrix.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RowMajor {
    pub data: Vec<f64>,
    pub rows: usize,
    pub cols: usize,
}

impl RowMajor {
    /// The given rows of `m`, in order, widened to f64.
    pub fn from_rows(m: &Matrix, rows: &[usize]) -> Self {
        let all: Vec<usize> = (0..m.cols()).collect();
        Self::gather(m, rows, &all)
    }

    /// The given rows and columns of `m`, in order, widened to f64.
    pub fn gather(m: &Matrix, rows: &[usize], cols: &[usize]) -> Self {
        let mut data = Vec::with_capacity(rows.len() * cols.len());
        let every_column = cols.len() == m.cols() && cols.iter().enumerate().all(|(i, &j)| i == j);
        for &r in rows {
            let row = m.row(r);
            if every_column {
                data.extend(row.iter().map(|&v| f64::from(v)));
            } else {
                data.extend(cols.iter().map(|&j| f64::from(row[j])));
            }
        }
        Self { data, rows: rows.len(), cols: cols.len() }
    }

    /// Column `j`, narrowed back to the f32 the data came as (exact for
    /// values widened from f32).
    pub fn column_f32(&self, j: usize) -> Vec<f32> {
        self.rows_iter().map(|row| row[j] as f32).collect()
    }

    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    pub fn rows_iter(&self) -> impl Iterator<Item = &[f64]> {
        self.data.chunks_exact(self.cols.max(1))
    }

    /// The mean of each column; zeros for a matrix without rows.
    pub fn column_means(&self) -> Vec<f64> {
        let mut sums = vec![0.0; self.cols];
        for row in self.rows_iter() {
            sums.iter_mut().zip(row).for_each(|(s, v)| *s += v);
        }
        let n = self.rows.max(1) as f64;
        sums.into_iter().map(|s| s / n).collect()
    }

    /// Whether each column holds a single value (exactly; tested before any
    /// centring, whose rounding would make a constant look variable).
    pub fn constant_columns(&self) -> Vec<bool> {
        let Some(first) = self.rows_iter().next() else {
            return vec![true; self.cols];
        };
        let mut constant = vec![true; self.cols];
        for row in self.rows_iter() {
            constant.iter_mut().zip(row.iter().zip(first)).for_each(|(c, (v, f))| *c &= v == f);
        }
        constant
    }

    /// The sum of squared deviations of each column from `means`.
    pub fn column_sums_of_squares(&self, means: &[f64]) -> Vec<f64> {
        let mut sums = vec![0.0; self.cols];
        for row in self.rows_iter() {
            for ((s, v), m) in sums.iter_mut().zip(row).zip(means) {
                *s += (v - m) * (v - m);
            }
        }
        sums
    }

    /// Replaces each value `v` of column `j` by `(v - shift[j]) / scale[j]`;
    /// an infinite scale zeroes the column.
    pub fn standardise(&mut self, shift: &[f64], scale: &[f64]) {
        let cols = self.cols.max(1);
        for row in self.data.chunks_exact_mut(cols) {
            for ((v, s), c) in row.iter_mut().zip(shift).zip(scale) {
                *v = if c.is_infinite() { 0.0 } else { (*v - s) / c };
            }
        }
    }

    /// A view of this matrix for nalgebra; strided, so only for the right
    /// operand of a product (see the module doc).
    pub fn view(&self) -> RowMajorView<'_> {
        RowMajorView::from_slice_with_strides_generic(&self.data, Dyn(self.rows), Dyn(self.cols), Dyn(self.cols), Dyn(1))
    }

    /// A view of the transpose: the same buffer read column-major.
    pub fn transposed(&self) -> DMatrixView<'_, f64> {
        DMatrixView::from_slice(&self.data, self.cols, self.rows)
    }
}

/// The given rows and columns of `m`, column by column, read in one
/// sequential pass (a pass per column would stride through all of `m`).
pub(crate) fn gather_columns(m: &Matrix, rows: &[usize], cols: &[usize]) -> Vec<Vec<f32>> {
    let mut columns = vec![Vec::with_capacity(rows.len()); cols.len()];
    for &r in rows {
        let row = m.row(r);
        for (column, &j) in columns.iter_mut().zip(cols) {
            column.push(row[j]);
        }
    }
    columns
}

/// `aᵀ b`, the two matrices having the same rows.
pub(crate) fn transpose_product(a: &RowMajor, b: &RowMajor) -> DMatrix<f64> {
    a.transposed() * b.view()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_and_products_of_a_row_major_matrix() {
        let m = Matrix::new(3, 2, vec![1.0, 5.0, 2.0, 5.0, 6.0, 5.0]).unwrap();
        let mut a = RowMajor::from_rows(&m, &[2, 0, 1]);
        assert_eq!(a.row(0), &[6.0, 5.0]);
        assert_eq!(RowMajor::gather(&m, &[1], &[1, 0]).data, vec![5.0, 2.0]);
        assert_eq!(a.column_f32(0), vec![6.0, 1.0, 2.0]);
        assert_eq!(a.column_means(), vec![3.0, 5.0]);
        assert_eq!(a.constant_columns(), vec![false, true]);
        assert_eq!(a.column_sums_of_squares(&[3.0, 5.0]), vec![14.0, 0.0]);
        let product = transpose_product(&a, &a);
        assert_eq!(product, DMatrix::from_row_slice(2, 2, &[41.0, 45.0, 45.0, 75.0]));
        a.standardise(&[3.0, 5.0], &[2.0, f64::INFINITY]);
        assert_eq!(a.data, vec![1.5, 0.0, -1.0, 0.0, -0.5, 0.0]);
        assert_eq!(gather_columns(&m, &[2, 1], &[1, 0]), vec![vec![5.0, 5.0], vec![6.0, 2.0]]);
    }
}
