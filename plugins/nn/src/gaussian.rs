//! Diagonal Gaussians: the reparameterisation trick, log densities and the
//! closed-form KL divergence to a standard normal. Every function reduces
//! over the last (latent) dimension and returns one value per row.

use burn::tensor::{Device, Tensor, TensorData};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// `log(2 pi)`, the constant of every Gaussian log density.
pub const LN_2PI: f32 = 1.837_877_1;

/// A `rows x cols` tensor of standard normal draws from `rng`: noise is drawn
/// on the host so that the same seed gives the same samples on any device.
pub fn standard_normal(rng: &mut ChaCha8Rng, rows: usize, cols: usize, device: &Device) -> Tensor<2> {
    let values: Vec<f32> = (0..rows * cols).map(|_| StandardNormal.sample(rng)).collect();
    Tensor::from_data(TensorData::new(values, [rows, cols]), device)
}

/// `mu + exp(log_var / 2) * noise`: a sample that gradients flow through.
/// `noise` is standard normal, drawn by the caller from its seeded stream.
pub fn reparameterise(mu: Tensor<2>, log_var: Tensor<2>, noise: Tensor<2>) -> Tensor<2> {
    mu + log_var.mul_scalar(0.5).exp() * noise
}

/// `KL(N(mu, exp(log_var)) || N(0, I))` per row:
/// `1/2 sum(mu^2 + exp(log_var) - log_var - 1)`.
pub fn kl_to_standard_normal(mu: Tensor<2>, log_var: Tensor<2>) -> Tensor<1> {
    (mu.powi_scalar(2) + log_var.clone().exp() - log_var).sub_scalar(1.0).sum_dim(1).mul_scalar(0.5).squeeze_dim(1)
}

/// `KL(N(mu_q, exp(log_var_q)) || N(mu_p, exp(log_var_p)))` per row:
/// `1/2 sum(log_var_p - log_var_q + (exp(log_var_q) + (mu_q - mu_p)^2) / exp(log_var_p) - 1)`,
/// for a prior that depends on the row (iVAE's `p(z | u)`).
pub fn kl_between(mu_q: Tensor<2>, log_var_q: Tensor<2>, mu_p: Tensor<2>, log_var_p: Tensor<2>) -> Tensor<1> {
    let ratio = (log_var_q.clone().exp() + (mu_q - mu_p).powi_scalar(2)) * log_var_p.clone().neg().exp();
    (log_var_p - log_var_q + ratio).sub_scalar(1.0).sum_dim(1).mul_scalar(0.5).squeeze_dim(1)
}

/// `log N(x; mu, exp(log_var))` per row.
pub fn log_density(x: Tensor<2>, mu: Tensor<2>, log_var: Tensor<2>) -> Tensor<1> {
    let d = x.dims()[1] as f32;
    let z2 = (x - mu).powi_scalar(2) * log_var.clone().neg().exp();
    (z2 + log_var).sum_dim(1).mul_scalar(-0.5).sub_scalar(0.5 * d * LN_2PI).squeeze_dim(1)
}

/// `log N(x; 0, I)` per row.
pub fn log_standard_normal(x: Tensor<2>) -> Tensor<1> {
    let d = x.dims()[1] as f32;
    x.powi_scalar(2).sum_dim(1).mul_scalar(-0.5).sub_scalar(0.5 * d * LN_2PI).squeeze_dim(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    fn t(v: &[f32], rows: usize) -> Tensor<2> {
        Tensor::from_data(TensorData::new(v.to_vec(), [rows, v.len() / rows]), &Device::flex())
    }

    fn vals(x: Tensor<1>) -> Vec<f32> {
        x.into_data().try_to_vec::<f32>().unwrap()
    }

    /// Against the closed form written out by hand, and zero at the prior.
    #[test]
    fn kl_matches_closed_form() {
        let (mu, log_var) = ([0.5f32, -1.0, 0.0, 0.0], [0.2f32, -0.7, 0.0, 0.0]);
        let kl = vals(kl_to_standard_normal(t(&mu, 2), t(&log_var, 2)));
        let expected: f32 = (0..2).map(|j| 0.5 * (mu[j] * mu[j] + log_var[j].exp() - log_var[j] - 1.0)).sum();
        assert!((kl[0] - expected).abs() < 1e-6, "{} vs {expected}", kl[0]);
        assert!(kl[1].abs() < 1e-7, "KL of the prior to itself is {}", kl[1]);
    }

    /// Between two Gaussians: the hand-written closed form, zero between
    /// equal ones, and the standard-normal case when the prior is N(0, I).
    #[test]
    fn kl_between_matches_closed_form() {
        let (mq, lq, mp, lp) = ([0.5f32, -1.0], [0.2f32, -0.7], [1.5f32, 0.3], [-0.4f32, 0.9]);
        let kl = vals(kl_between(t(&mq, 1), t(&lq, 1), t(&mp, 1), t(&lp, 1)))[0];
        let expected: f32 = (0..2).map(|j| 0.5 * (lp[j] - lq[j] + (lq[j].exp() + (mq[j] - mp[j]).powi(2)) / lp[j].exp() - 1.0)).sum();
        assert!((kl - expected).abs() < 1e-6, "{kl} vs {expected}");
        assert!(vals(kl_between(t(&mq, 1), t(&lq, 1), t(&mq, 1), t(&lq, 1)))[0].abs() < 1e-7);
        let standard = vals(kl_between(t(&mq, 1), t(&lq, 1), t(&[0.0, 0.0], 1), t(&[0.0, 0.0], 1)))[0];
        assert!((standard - vals(kl_to_standard_normal(t(&mq, 1), t(&lq, 1)))[0]).abs() < 1e-6);
    }

    /// The Monte-Carlo KL, mean of log q - log p over samples, converges to
    /// the closed form: checks the log densities and the sampling together.
    #[test]
    fn monte_carlo_kl_converges_to_closed_form() {
        use rand::SeedableRng;
        let n = 20_000;
        let noise = standard_normal(&mut ChaCha8Rng::seed_from_u64(3), n, 1, &Device::flex());
        let (mu, log_var) = (t(&vec![0.7; n], n), t(&vec![-0.4; n], n));
        let z = reparameterise(mu.clone(), log_var.clone(), noise);
        let mc = (log_density(z.clone(), mu.clone(), log_var.clone()) - log_standard_normal(z)).mean().into_scalar::<f32>();
        let exact = vals(kl_to_standard_normal(mu.narrow(0, 0, 1), log_var.narrow(0, 0, 1)))[0];
        assert!((mc - exact).abs() < 0.02, "Monte-Carlo {mc} vs closed form {exact}");
    }
}
