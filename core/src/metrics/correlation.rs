//! Correlation matrices between the columns of two matrices, Pearson or
//! Spearman, for a whole set of rows and for groups of it (time points).
//!
//! A group's correlations come from its [`Moments`]: column means, sums of
//! squared deviations and the d x k matrix of cross-products of deviations,
//! the last one `Aᵀ B` of the centred columns in a single GEMM
//! ([`super::dense`]), tens of times faster on 100,000 rows and 50 latents
//! a side than correlating column pairs one by one. For Pearson the
//! moments of the whole are [`Moments::combine`]d from those of its groups
//! (the parallel-axis identities), so the overall value costs no second
//! pass over the rows. Spearman is Pearson on average ranks
//! ([`stats::ranks_in_groups`]), ranked among the rows being correlated,
//! so the whole and each group have their own ranks.
//!
//! A constant column (tested exactly, before centring, as
//! [`stats::pearson`] does) correlates 0 with everything instead of NaN.

use super::dense::{RowMajor, transpose_product};
use super::stats;
use crate::data::Matrix;
use nalgebra::DMatrix;

/// Which correlation a metric uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Correlation {
    Pearson,
    /// Pearson correlation of the ranks (ties get their mean rank).
    Spearman,
}

/// What the correlations between the columns of two matrices with the same
/// rows need, for one set of rows.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Moments {
    rows: usize,
    a: ColumnMoments,
    b: ColumnMoments,
    /// Sums over rows of (a_i - mean a_i)(b_j - mean b_j).
    cross: DMatrix<f64>,
}

#[derive(Clone, Debug, PartialEq)]
struct ColumnMoments {
    means: Vec<f64>,
    /// Sums of squared deviations from the means.
    squares: Vec<f64>,
    /// The value of each column on the first row, and whether every row
    /// has it: constancy is decided on the data, not on rounded squares.
    first: Vec<f64>,
    constant: Vec<bool>,
}

impl ColumnMoments {
    /// The moments of the columns of a column-major matrix, left centred.
    fn centre_columns(x: &mut DMatrix<f64>) -> Self {
        let n = x.nrows() as f64;
        let mut moments = Self { means: vec![], squares: vec![], first: vec![], constant: vec![] };
        for mut column in x.column_iter_mut() {
            let values = column.as_mut_slice();
            let mean = values.iter().sum::<f64>() / n;
            moments.means.push(mean);
            moments.squares.push(values.iter().map(|v| (v - mean) * (v - mean)).sum());
            moments.first.push(values.first().copied().unwrap_or(0.0));
            moments.constant.push(stats::is_constant(values));
            values.iter_mut().for_each(|v| *v -= mean);
        }
        moments
    }

    /// The moments of `x`, which is left centred.
    fn centre(x: &mut RowMajor) -> Self {
        let means = x.column_means();
        let squares = x.column_sums_of_squares(&means);
        let first = x.rows_iter().next().map_or_else(|| vec![0.0; x.cols], <[f64]>::to_vec);
        let constant = x.constant_columns();
        x.standardise(&means, &vec![1.0; x.cols]);
        Self { means, squares, first, constant }
    }
}

impl Moments {
    /// The moments of `a` and `b` (same rows); both are consumed.
    pub fn of(mut a: RowMajor, mut b: RowMajor) -> Self {
        let rows = a.rows;
        let (ma, mb) = (ColumnMoments::centre(&mut a), ColumnMoments::centre(&mut b));
        Self { rows, a: ma, b: mb, cross: transpose_product(&a, &b) }
    }

    /// The moments of two column-major matrices with the same rows (both
    /// consumed): Spearman's ranks come column by column.
    pub fn of_columns(mut a: DMatrix<f64>, mut b: DMatrix<f64>) -> Self {
        let rows = a.nrows();
        let (ma, mb) = (ColumnMoments::centre_columns(&mut a), ColumnMoments::centre_columns(&mut b));
        // An owned transpose, not a strided view: see `super::dense` on why
        // left operands are kept column-contiguous. The product still goes
        // through the blocked GEMM (nalgebra's `tr_mul` takes dot products).
        Self { rows, a: ma, b: mb, cross: a.transpose() * b }
    }

    /// The moments of the union of disjoint groups of rows.
    ///
    /// # Panics
    /// On an empty slice.
    pub fn combine(groups: &[Moments]) -> Self {
        let rows: usize = groups.iter().map(|g| g.rows).sum();
        let pooled_means = |side: fn(&Moments) -> &ColumnMoments| -> Vec<f64> {
            let cols = side(&groups[0]).means.len();
            (0..cols).map(|j| groups.iter().map(|g| g.rows as f64 * side(g).means[j]).sum::<f64>() / rows as f64).collect()
        };
        let combine_side = |side: fn(&Moments) -> &ColumnMoments, means: Vec<f64>| {
            let first = side(&groups[0]).first.clone();
            let squares = (0..means.len())
                .map(|j| {
                    groups.iter().map(|g| side(g).squares[j] + g.rows as f64 * (side(g).means[j] - means[j]).powi(2)).sum()
                })
                .collect();
            let constant = (0..means.len())
                .map(|j| groups.iter().all(|g| side(g).constant[j] && side(g).first[j] == first[j]))
                .collect();
            ColumnMoments { means, squares, first, constant }
        };
        let a = combine_side(|m| &m.a, pooled_means(|m| &m.a));
        let b = combine_side(|m| &m.b, pooled_means(|m| &m.b));
        let mut cross = DMatrix::zeros(a.means.len(), b.means.len());
        for g in groups {
            cross += &g.cross;
            let shift_a: Vec<f64> = g.a.means.iter().zip(&a.means).map(|(m, pooled)| m - pooled).collect();
            let shift_b: Vec<f64> = g.b.means.iter().zip(&b.means).map(|(m, pooled)| m - pooled).collect();
            let n = g.rows as f64;
            for (j, sb) in shift_b.iter().enumerate() {
                for (i, sa) in shift_a.iter().enumerate() {
                    cross[(i, j)] += n * sa * sb;
                }
            }
        }
        Self { rows, a, b, cross }
    }

    /// The d x k correlation matrix; 0 where either column is constant.
    pub fn correlations(&self) -> DMatrix<f64> {
        DMatrix::from_fn(self.cross.nrows(), self.cross.ncols(), |i, j| {
            if self.a.constant[i] || self.b.constant[j] {
                return 0.0;
            }
            // Rounding can push |r| a hair past 1 for perfectly collinear columns.
            (self.cross[(i, j)] / (self.a.squares[i] * self.b.squares[j]).sqrt()).clamp(-1.0, 1.0)
        })
    }
}

/// The correlation of every column of `a` with every column of `b`, as a
/// `a.cols() x b.cols()` matrix. The rows of `a` and `b` are the same
/// observations; callers check the row counts and finiteness.
pub fn correlation_matrix(a: &Matrix, b: &Matrix, correlation: Correlation) -> DMatrix<f64> {
    let all: Vec<usize> = (0..a.rows()).collect();
    let (a, b) = (RowMajor::from_rows(a, &all), RowMajor::from_rows(b, &all));
    let moments = match correlation {
        Correlation::Pearson => Moments::of(a, b),
        Correlation::Spearman => Moments::of_columns(rank_columns(&a), rank_columns(&b)),
    };
    moments.correlations()
}

/// The ranks of each column of `x`, column-major (latents are widened from
/// f32, so narrowing back is exact).
fn rank_columns(x: &RowMajor) -> DMatrix<f64> {
    let ranks: Vec<f64> = (0..x.cols).flat_map(|j| stats::ranks(&x.column_f32(j))).collect();
    DMatrix::from_vec(x.rows, x.cols, ranks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pearson_matches_pairwise_pearson() {
        let a = Matrix::new(4, 2, vec![1.0, 0.5, 2.0, 0.1, 3.0, 2.0, 4.5, 1.0]).unwrap();
        let b = Matrix::new(4, 3, vec![2.0, 1.0, 7.0, 1.0, 3.0, 7.0, 5.0, 2.0, 7.0, 0.0, 9.0, 7.0]).unwrap();
        let c = correlation_matrix(&a, &b, Correlation::Pearson);
        for i in 0..2 {
            for j in 0..3 {
                let expected = stats::pearson(&a.column_f64(i), &b.column_f64(j));
                assert!((c[(i, j)] - expected).abs() < 1e-12, "({i}, {j}): {} vs {expected}", c[(i, j)]);
            }
        }
        assert_eq!(c[(0, 2)], 0.0, "a constant column correlates 0");
    }

    #[test]
    fn spearman_sees_only_the_order() {
        let a = Matrix::new(5, 1, vec![1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        let b = Matrix::new(5, 2, vec![1.0, 5.0, 8.0, 4.0, 27.0, 3.0, 1000.0, 2.0, 1001.0, 1.0]).unwrap();
        let c = correlation_matrix(&a, &b, Correlation::Spearman);
        assert!((c[(0, 0)] - 1.0).abs() < 1e-12 && (c[(0, 1)] + 1.0).abs() < 1e-12, "{c}");
        assert!(correlation_matrix(&a, &b, Correlation::Pearson)[(0, 0)] < 0.9);
    }

    #[test]
    fn combined_moments_equal_the_moments_of_the_union() {
        let a = Matrix::new(5, 2, vec![1.0, 0.3, 2.0, 0.3, 3.5, 0.3, 4.0, 0.3, 2.5, 0.3]).unwrap();
        let b = Matrix::new(5, 1, vec![2.0, 1.5, 7.0, 3.0, 0.5]).unwrap();
        let rows = |r: &[usize]| Moments::of(RowMajor::from_rows(&a, r), RowMajor::from_rows(&b, r));
        let whole = rows(&[0, 1, 2, 3, 4]);
        let combined = Moments::combine(&[rows(&[0, 3]), rows(&[1, 2, 4])]);
        let (w, c) = (whole.correlations(), combined.correlations());
        assert!((w[(0, 0)] - c[(0, 0)]).abs() < 1e-12, "{w} vs {c}");
        assert_eq!((w[(1, 0)], c[(1, 0)]), (0.0, 0.0), "column 1 is constant in every group and overall");
        // Constant in each group but not overall: not constant when combined.
        let a = Matrix::new(4, 1, vec![1.0, 1.0, 2.0, 2.0]).unwrap();
        let b = Matrix::new(4, 1, vec![0.0, 1.0, 5.0, 6.0]).unwrap();
        let rows = |r: &[usize]| Moments::of(RowMajor::from_rows(&a, r), RowMajor::from_rows(&b, r));
        let combined = Moments::combine(&[rows(&[0, 1]), rows(&[2, 3])]);
        assert!((combined.correlations()[(0, 0)] - correlation_matrix(&a, &b, Correlation::Pearson)[(0, 0)]).abs() < 1e-12);
        assert!(combined.correlations()[(0, 0)] > 0.9);
    }
}
