//! Per-feature centring and scaling, fitted on the training data, so that
//! the loss weights mean the same whatever the features' units.

use citebench_core::data::Matrix;

/// Features below this standard deviation are constant: only centred.
const MIN_SCALE: f64 = 1e-8;

#[derive(Clone, Debug, PartialEq)]
pub struct Standardiser {
    mean: Vec<f32>,
    scale: Vec<f32>,
}

impl Standardiser {
    /// Fits on `x`; with `enabled = false`, the identity.
    pub fn fit(x: &Matrix, enabled: bool) -> Self {
        let (n, p) = (x.rows(), x.cols());
        if !enabled || n < 2 {
            return Self { mean: vec![0.0; p], scale: vec![1.0; p] };
        }
        let all: Vec<usize> = (0..n).collect();
        let mean = x.mean_of_rows(&all).unwrap_or_else(|| vec![0.0; p]);
        let mut var = vec![0f64; p];
        for i in 0..n {
            for (j, &v) in x.row(i).iter().enumerate() {
                var[j] += (f64::from(v) - mean[j]).powi(2);
            }
        }
        let scale = var.iter().map(|v| (v / (n as f64 - 1.0)).sqrt()).map(|s| if s < MIN_SCALE { 1.0 } else { s as f32 }).collect();
        Self { mean: mean.into_iter().map(|m| m as f32).collect(), scale }
    }

    pub fn features(&self) -> usize {
        self.mean.len()
    }

    /// `x`, row-major, in standard units.
    pub fn forward(&self, x: &Matrix) -> Vec<f32> {
        let p = self.features();
        x.as_slice().iter().enumerate().map(|(k, &v)| (v - self.mean[k % p]) / self.scale[k % p]).collect()
    }

    /// Standard units back to the data's, in place.
    pub fn inverse(&self, values: &mut [f32]) {
        let p = self.features();
        for (k, v) in values.iter_mut().enumerate() {
            *v = *v * self.scale[k % p] + self.mean[k % p];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_unit_scale() {
        let x = Matrix::new(3, 2, vec![1.0, 5.0, 2.0, 5.0, 3.0, 5.0]).unwrap();
        let s = Standardiser::fit(&x, true);
        let mut z = s.forward(&x);
        assert_eq!(z, vec![-1.0, 0.0, 0.0, 0.0, 1.0, 0.0], "constant feature only centred");
        s.inverse(&mut z);
        assert_eq!(z, x.as_slice());
    }
}
