//! Negative-binomial draws: NB(mean mu, size theta), whose variance is
//! mu + mu^2 / theta (theta is the inverse dispersion, as in scVI).
//!
//! Single-cell means are small (most genes average well under ten counts
//! per cell), so draws are by inversion: one uniform u, then the smallest k
//! with P(X <= k) > u, walking the probability mass function by its
//! recurrence p(k+1) = p(k) * q * (k + theta) / (k + 1), q = mu / (theta + mu).
//! That costs one logarithm, one exponential (module `approx`) and about
//! mu + 1 steps of two multiplications, several times less than the
//! gamma-Poisson mixture that NumPy uses. Above
//! [`INVERSION_LIMIT`] the walk gets long and p(0) underflows, so large
//! means draw from the mixture instead: lambda ~ Gamma(theta, mu / theta),
//! X ~ Poisson(lambda). Both are exact samplers of the same law.

use rand::{Rng, RngExt};

use crate::approx;
use rand_distr::{Distribution, Gamma, Poisson};

/// Means above this are drawn from the gamma-Poisson mixture.
pub const INVERSION_LIMIT: f32 = 64.0;

/// Rounding can leave the cumulative sum a hair below 1, so a u that close
/// to 1 must not loop for ever: the walk stops here, far in the tail (more
/// than 30 standard deviations for any mean up to the limit).
const CAP: usize = 16 * (INVERSION_LIMIT as usize + 16);

/// NB(mu, theta) for a fixed size theta and any mean.
#[derive(Clone, Debug, PartialEq)]
pub struct NegativeBinomial {
    theta: f32,
    /// (k + theta) / (k + 1) for k < CAP: the walk's ratios, so that a step
    /// is two multiplications instead of a division.
    ratios: Vec<f64>,
}

impl NegativeBinomial {
    /// `theta` must be positive and finite.
    pub fn new(theta: f32) -> Self {
        let t = f64::from(theta);
        Self { theta, ratios: (0..CAP).map(|k| (k as f64 + t) / (k as f64 + 1.0)).collect() }
    }

    /// One draw with mean `mu >= 0`.
    pub fn sample<R: Rng + ?Sized>(&self, mu: f32, rng: &mut R) -> f32 {
        self.sample_given_zero(mu, self.zero_probability(mu), rng)
    }

    /// P(X = 0) = (theta / (theta + mu))^theta. Separate from the draw so
    /// that callers can compute it for a whole row in one loop, which the
    /// compiler vectorises: it is most of the cost of a draw.
    #[inline]
    pub fn zero_probability(&self, mu: f32) -> f32 {
        approx::exp(-self.theta * approx::ln(1.0 + mu / self.theta))
    }

    /// [`Self::zero_probability`] of every mean of a row, into `p0`.
    pub fn zero_probabilities(&self, mu: &[f32], p0: &mut Vec<f32>) {
        p0.clear();
        p0.extend(mu.iter().map(|&mu| self.zero_probability(mu)));
    }

    /// One draw with mean `mu`, given `p0 = self.zero_probability(mu)`.
    pub fn sample_given_zero<R: Rng + ?Sized>(&self, mu: f32, p0: f32, rng: &mut R) -> f32 {
        if mu <= INVERSION_LIMIT { self.by_inversion(mu, p0, rng.random::<f64>()) } else { by_mixture(mu, self.theta, rng) }
    }

    /// The smallest k with P(X <= k) > u.
    fn by_inversion(&self, mu: f32, p0: f32, u: f64) -> f32 {
        // The walk accumulates in f64 so that the cumulative sum can reach u.
        let p0 = f64::from(p0);
        let q = f64::from(mu) / (f64::from(self.theta) + f64::from(mu));
        let (mut k, mut p, mut cdf) = (0usize, p0, p0);
        while u >= cdf && k < CAP {
            p *= q * self.ratios[k];
            k += 1;
            cdf += p;
        }
        k as f32
    }
}

fn by_mixture<R: Rng + ?Sized>(mu: f32, theta: f32, rng: &mut R) -> f32 {
    let (mu, theta) = (f64::from(mu), f64::from(theta));
    // Both parameters are positive and finite here (checked by the caller's
    // configuration), so the constructors cannot fail; a NaN mean would.
    let Ok(gamma) = Gamma::new(theta, mu / theta) else { return f32::NAN };
    let lambda: f64 = gamma.sample(rng);
    if lambda <= 0.0 {
        return 0.0;
    }
    match Poisson::new(lambda) {
        Ok(poisson) => poisson.sample(rng) as f32,
        Err(_) => f32::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn moments(mu: f32, theta: f32, n: usize) -> (f64, f64) {
        let mut rng = ChaCha8Rng::seed_from_u64(u64::from(mu.to_bits()));
        let nb = NegativeBinomial::new(theta);
        let draws: Vec<f64> = (0..n).map(|_| f64::from(nb.sample(mu, &mut rng))).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        (mean, var)
    }

    #[test]
    fn mean_and_variance_match_the_law_on_both_sides_of_the_limit() {
        for (mu, theta) in [(0.05f32, 2.0f32), (1.0, 0.5), (7.5, 5.0), (60.0, 3.0), (200.0, 4.0), (3000.0, 10.0)] {
            let (mean, var) = moments(mu, theta, 40_000);
            let (m, v) = (f64::from(mu), f64::from(mu) + f64::from(mu).powi(2) / f64::from(theta));
            // Standard errors: sqrt(v / n) for the mean, about v * sqrt(2 / n)
            // (plus excess kurtosis) for the variance.
            assert!((mean - m).abs() < 5.0 * (v / 40_000.0).sqrt() + 1e-3, "mu {mu}: mean {mean}");
            assert!((var - v).abs() < 0.1 * v + 1e-3, "mu {mu}: var {var} vs {v}");
        }
    }

    #[test]
    fn inversion_is_monotone_in_u_and_zero_for_zero_mean() {
        let nb = NegativeBinomial::new(2.0);
        let p0 = nb.zero_probability(3.0);
        let draws: Vec<f32> = (0..100).map(|i| nb.by_inversion(3.0, p0, f64::from(i) / 100.0)).collect();
        assert!(draws.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(nb.by_inversion(0.0, nb.zero_probability(0.0), 0.999_999), 0.0);
        // P(X = 0) for mu 3, theta 2 is (2/5)^2 = 0.16.
        assert!((p0 - 0.16).abs() < 1e-6);
        assert_eq!(nb.by_inversion(3.0, p0, 0.159), 0.0);
        assert_eq!(nb.by_inversion(3.0, p0, 0.161), 1.0);
    }
}
