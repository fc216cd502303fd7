//! Normalisation of count rows, as single-cell pipelines do before
//! modelling: total-count scaling to 10,000 per row, then optionally
//! ln(1 + x). Models that want raw counts get them with `normalise = "none"`.

use crate::config::Normalisation;

/// The total every row is scaled to ("counts per 10k").
pub const TARGET_SUM: f32 = 1e4;

/// Normalises each row of a row-major matrix with `cols` columns in place.
/// A row whose total is zero stays zero.
pub fn normalise_rows(x: &mut [f32], cols: usize, normalisation: Normalisation) {
    if normalisation == Normalisation::None || cols == 0 {
        return;
    }
    for row in x.chunks_exact_mut(cols) {
        let total: f64 = row.iter().map(|&c| f64::from(c)).sum();
        let scale = if total > 0.0 { (f64::from(TARGET_SUM) / total) as f32 } else { 0.0 };
        match normalisation {
            Normalisation::Log1pCp10k => row.iter_mut().for_each(|c| *c = (*c * scale).ln_1p()),
            _ => row.iter_mut().for_each(|c| *c *= scale),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_scaled_to_ten_thousand_then_logged() {
        let mut x = vec![1.0, 3.0, 0.0, 0.0];
        normalise_rows(&mut x, 2, Normalisation::TotalCount);
        assert_eq!(x, vec![2500.0, 7500.0, 0.0, 0.0]);
        let mut y = vec![1.0, 3.0];
        normalise_rows(&mut y, 2, Normalisation::Log1pCp10k);
        assert!((y[0] - 2501f32.ln()).abs() < 1e-4 && (y[1] - 7501f32.ln()).abs() < 1e-4);
        let mut z = vec![5.0];
        normalise_rows(&mut z, 1, Normalisation::None);
        assert_eq!(z, vec![5.0]);
    }
}
