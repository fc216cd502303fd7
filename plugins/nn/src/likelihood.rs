//! Observation likelihoods, as negative log-likelihoods per row (summed
//! over features): Gaussian for continuous or log-normalised expression,
//! negative binomial for raw counts.

use crate::gaussian::LN_2PI;
use burn::tensor::Tensor;

/// `-log N(x; mean, exp(log_var))` per row, with one log-variance per
/// feature (`log_var` has one entry per column and broadcasts over rows).
pub fn gaussian_nll(x: Tensor<2>, mean: Tensor<2>, log_var: Tensor<1>) -> Tensor<1> {
    let d = x.dims()[1] as f32;
    let log_var = log_var.unsqueeze_dim::<2>(0);
    let precision = log_var.clone().neg().exp();
    ((x - mean).powi_scalar(2) * precision).sum_dim(1).mul_scalar(0.5).squeeze_dim::<1>(1)
        + log_var.sum().mul_scalar(0.5).add_scalar(0.5 * d * LN_2PI)
}

/// `-log NB(x; mean, inverse_dispersion)` per row, in the mean /
/// inverse-dispersion (`theta`) form scVI uses:
/// `log NB = lgamma(x + theta) - lgamma(theta) - lgamma(x + 1)
///          + theta log(theta / (theta + mean)) + x log(mean / (theta + mean))`.
/// `mean` and `inverse_dispersion` must be positive (pass them through
/// `exp` or `softplus`); `inverse_dispersion` broadcasts as `1 x features`.
pub fn negative_binomial_nll(x: Tensor<2>, mean: Tensor<2>, inverse_dispersion: Tensor<2>) -> Tensor<1> {
    // Keeps the logs finite when a mean or theta underflows to zero.
    const FLOOR: f32 = 1e-8;
    let theta = inverse_dispersion.clamp_min(FLOOR);
    let mean = mean.clamp_min(FLOOR);
    let log_total = (theta.clone() + mean.clone()).log();
    let log_likelihood = ln_gamma(x.clone() + theta.clone()) - ln_gamma(theta.clone()) - ln_gamma(x.clone().add_scalar(1.0))
        + theta.clone() * (theta.log() - log_total.clone())
        + x * (mean.log() - log_total);
    log_likelihood.sum_dim(1).neg().squeeze_dim(1)
}

/// `ln Gamma(z)` for `z > 0`, as tensor operations so gradients flow (burn
/// has no lgamma): the recurrence `ln Gamma(z) = ln Gamma(z + 6) - ln(z (z+1) ... (z+5))`
/// moves the argument to where Stirling's series with three correction
/// terms is accurate to about 1e-7 relative.
pub fn ln_gamma<const D: usize>(z: Tensor<D>) -> Tensor<D> {
    let shift = (0..6).fold(z.ones_like(), |acc, k| acc * z.clone().add_scalar(k as f32));
    let w = z.add_scalar(6.0);
    let inv = w.clone().recip();
    let inv2 = inv.clone().powi_scalar(2);
    // 1/(12 w) - 1/(360 w^3) + 1/(1260 w^5)
    let series = inv * (inv2.clone() * (inv2.mul_scalar(1.0 / 1260.0).sub_scalar(1.0 / 360.0))).add_scalar(1.0 / 12.0);
    (w.clone().sub_scalar(0.5) * w.clone().log() - w).add_scalar(0.5 * LN_2PI) + series - shift.log()
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    fn t(v: &[f32], rows: usize) -> Tensor<2> {
        Tensor::from_data(TensorData::new(v.to_vec(), [rows, v.len() / rows]), &Device::flex())
    }

    fn first(x: Tensor<1>) -> f32 {
        x.into_data().try_to_vec::<f32>().unwrap()[0]
    }

    #[test]
    fn ln_gamma_matches_known_values() {
        // Gamma(1) = Gamma(2) = 1, Gamma(0.5) = sqrt(pi), Gamma(10) = 9!.
        let z = Tensor::<1>::from_data(TensorData::new(vec![1.0f32, 2.0, 0.5, 10.0, 0.01], [5]), &Device::flex());
        let got = ln_gamma(z).into_data().try_to_vec::<f32>().unwrap();
        let expected = [0.0, 0.0, std::f32::consts::PI.sqrt().ln(), 362_880f32.ln(), 4.599_479_5];
        for (g, e) in got.iter().zip(expected) {
            assert!((g - e).abs() < 1e-4, "{got:?} vs {expected:?}");
        }
    }

    #[test]
    fn gaussian_nll_is_the_negative_log_density() {
        let (x, mean) = (t(&[1.0, -2.0], 1), t(&[0.5, 0.0], 1));
        let log_var = Tensor::<1>::from_data(TensorData::new(vec![0.3f32, -0.5], [2]), &Device::flex());
        let nll = first(gaussian_nll(x.clone(), mean.clone(), log_var.clone()));
        let expected = -first(crate::gaussian::log_density(x, mean, log_var.unsqueeze_dim(0)));
        assert!((nll - expected).abs() < 1e-5, "{nll} vs {expected}");
    }

    /// Against the probability mass written out with factorials, for
    /// x = 3, mean = 2, theta = 1.5: C(x + theta - 1, x) p^theta (1-p)^x with
    /// p = theta / (theta + mean).
    #[test]
    fn negative_binomial_matches_its_mass_function() {
        let (x, mu, theta) = (3.0f64, 2.0f64, 1.5f64);
        let p = theta / (theta + mu);
        let binom = (theta + 2.0) * (theta + 1.0) * theta / 6.0;
        let expected = -(binom * p.powf(theta) * (1.0 - p).powf(x)).ln() as f32;
        let nll = first(negative_binomial_nll(t(&[3.0], 1), t(&[2.0], 1), t(&[1.5], 1)));
        assert!((nll - expected).abs() < 1e-4, "{nll} vs {expected}");
    }
}
