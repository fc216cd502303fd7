//! A dense row-major `f32` matrix: the one numeric container that crosses
//! the plugin boundary (as a pointer, rows and columns).

use thiserror::Error;

/// A dense matrix stored row by row: observations are rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Vec<f32>,
}

#[derive(Debug, Error, PartialEq)]
#[error("a {rows} x {cols} matrix needs {expected} values, got {found}")]
pub struct MatrixError {
    pub rows: usize,
    pub cols: usize,
    pub expected: usize,
    pub found: usize,
}

impl Matrix {
    /// Wraps `data` (row-major) as a `rows x cols` matrix.
    pub fn new(rows: usize, cols: usize, data: Vec<f32>) -> Result<Self, MatrixError> {
        let expected = rows * cols;
        if data.len() != expected {
            return Err(MatrixError { rows, cols, expected, found: data.len() });
        }
        Ok(Self { rows, cols, data })
    }

    pub fn zeros(rows: usize, cols: usize) -> Self {
        Self { rows, cols, data: vec![0.0; rows * cols] }
    }

    /// Builds a matrix from equally long rows; `cols` is used when there are none.
    pub fn from_rows<R: AsRef<[f32]>>(rows: &[R], cols: usize) -> Result<Self, MatrixError> {
        let mut data = Vec::with_capacity(rows.len() * cols);
        for row in rows {
            data.extend_from_slice(row.as_ref());
        }
        Self::new(rows.len(), cols, data)
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    pub fn as_slice(&self) -> &[f32] {
        &self.data
    }

    pub fn into_vec(self) -> Vec<f32> {
        self.data
    }

    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    pub fn row_mut(&mut self, i: usize) -> &mut [f32] {
        &mut self.data[i * self.cols..(i + 1) * self.cols]
    }

    pub fn get(&self, i: usize, j: usize) -> f32 {
        self.data[i * self.cols + j]
    }

    /// Column `j` widened to f64, the precision metrics accumulate in.
    pub fn column_f64(&self, j: usize) -> Vec<f64> {
        (0..self.rows).map(|i| f64::from(self.get(i, j))).collect()
    }

    /// A new matrix holding the given rows, in the given order.
    pub fn select_rows(&self, rows: &[usize]) -> Self {
        let mut data = Vec::with_capacity(rows.len() * self.cols);
        for &i in rows {
            data.extend_from_slice(self.row(i));
        }
        Self { rows: rows.len(), cols: self.cols, data }
    }

    /// Mean of the given rows, accumulated in f64; `None` when `rows` is empty.
    pub fn mean_of_rows(&self, rows: &[usize]) -> Option<Vec<f64>> {
        if rows.is_empty() {
            return None;
        }
        let mut sum = vec![0.0f64; self.cols];
        for &i in rows {
            for (s, &v) in sum.iter_mut().zip(self.row(i)) {
                *s += f64::from(v);
            }
        }
        let n = rows.len() as f64;
        Some(sum.into_iter().map(|s| s / n).collect())
    }

    /// True when every entry is finite; models' outputs are checked with it.
    pub fn all_finite(&self) -> bool {
        self.data.iter().all(|v| v.is_finite())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_rejects_wrong_length_and_names_shape() {
        let err = Matrix::new(2, 3, vec![0.0; 5]).unwrap_err();
        assert_eq!(err.to_string(), "a 2 x 3 matrix needs 6 values, got 5");
    }

    #[test]
    fn select_and_mean_rows() {
        let m = Matrix::new(3, 2, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
        assert_eq!(m.select_rows(&[2, 0]).as_slice(), &[5.0, 6.0, 1.0, 2.0]);
        assert_eq!(m.mean_of_rows(&[0, 2]).unwrap(), vec![3.0, 4.0]);
        assert_eq!(m.mean_of_rows(&[]), None);
        assert_eq!(m.column_f64(1), vec![2.0, 4.0, 6.0]);
    }
}
