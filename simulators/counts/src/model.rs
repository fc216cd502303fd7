//! The count model: from a cell's continuous expression x (one value per
//! gene, such as a latent simulator's mixing output) to counts.
//!
//! mu_g = l * exp(x_g + b_g) / sum_h exp(x_h + b_h)   (scVI's generative model)
//! c_g ~ NB(mu_g, theta), then zeroed with probability
//! pi_g = 1 / (1 + exp(-shape * (ln mu_g - midpoint)))  (Splatter's dropout)
//!
//! with a library size l ~ LogNormal(ln library_size, library_size_sd) per
//! cell and a baseline b_g ~ N(0, gene_baseline_sd^2) per gene. The
//! softmax makes x a log-expression up to a per-cell constant: only
//! differences between genes matter, and the library size sets the depth.

use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

use crate::approx;
use crate::config::CountConfig;
use crate::nb::NegativeBinomial;

/// A count model with its per-gene parameters drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct CountModel {
    baseline: Vec<f32>,
    log_library_size: f32,
    library_size_sd: f32,
    counts: NegativeBinomial,
    dropout: Option<(f32, f32)>,
}

impl CountModel {
    /// Draws the baselines of `genes` genes from `rng`; `config` must be valid.
    pub fn new<R: Rng + ?Sized>(config: &CountConfig, genes: usize, rng: &mut R) -> Self {
        let sd = config.gene_baseline_sd as f32;
        let baseline = (0..genes).map(|_| sd * rng.sample::<f32, _>(StandardNormal)).collect();
        Self {
            baseline,
            log_library_size: (config.library_size as f32).ln(),
            library_size_sd: config.library_size_sd as f32,
            counts: NegativeBinomial::new(config.inverse_dispersion as f32),
            dropout: config.dropout_midpoint.map(|m| (m as f32, config.dropout_shape as f32)),
        }
    }

    pub fn genes(&self) -> usize {
        self.baseline.len()
    }

    /// The per-gene means of one cell with library size `library`, written
    /// over its expression `x`.
    pub fn means(&self, x: &mut [f32], library: f32) {
        debug_assert_eq!(x.len(), self.baseline.len());
        x.iter_mut().zip(&self.baseline).for_each(|(x, b)| *x += b);
        // Subtracting the maximum keeps exp finite whatever the scale of x.
        let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut total = 0.0f32;
        for x in x.iter_mut() {
            *x = approx::exp(*x - max);
            total += *x;
        }
        let scale = library / total;
        x.iter_mut().for_each(|x| *x *= scale);
    }

    /// Turns one cell's expression into counts in place; every draw comes
    /// from `rng`, which should be that cell's own stream.
    pub fn sample_cell<R: Rng + ?Sized>(&self, x: &mut [f32], rng: &mut R) {
        let z: f32 = rng.sample(StandardNormal);
        let library = (self.log_library_size + self.library_size_sd * z).exp();
        self.means(x, library);
        let mut p0 = Vec::with_capacity(x.len());
        self.counts.zero_probabilities(x, &mut p0);
        let draw = |mu: f32, p0: f32, rng: &mut R| self.counts.sample_given_zero(mu, p0, rng);
        match self.dropout {
            None => x.iter_mut().zip(&p0).for_each(|(x, &p0)| *x = draw(*x, p0, rng)),
            Some((midpoint, shape)) => {
                for (x, &p0) in x.iter_mut().zip(&p0) {
                    let dropout = 1.0 / (1.0 + (-shape * (x.ln() - midpoint)).exp());
                    let dropped = rng.random::<f32>() < dropout;
                    *x = if dropped { 0.0 } else { draw(*x, p0, rng) };
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::CountConfig;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn means_sum_to_the_library_size_and_follow_expression() {
        let model = CountModel::new(&CountConfig { gene_baseline_sd: 0.0, ..CountConfig::default() }, 3, &mut ChaCha8Rng::seed_from_u64(1));
        let mut x = vec![0.0, 1.0, 10.0];
        model.means(&mut x, 100.0);
        assert!((x.iter().sum::<f32>() - 100.0).abs() < 1e-3);
        assert!(x[0] < x[1] && x[1] < x[2] && x.iter().all(|m| m.is_finite()));
    }

    #[test]
    fn counts_are_whole_numbers_with_the_configured_depth() {
        let model = CountModel::new(&CountConfig::default(), 500, &mut ChaCha8Rng::seed_from_u64(2));
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut totals = Vec::new();
        for _ in 0..200 {
            let mut x = vec![0.0f32; 500];
            model.sample_cell(&mut x, &mut rng);
            assert!(x.iter().all(|c| *c >= 0.0 && c.fract() == 0.0));
            totals.push(x.iter().sum::<f32>());
        }
        totals.sort_by(f32::total_cmp);
        let median = totals[100];
        assert!((4000.0..6000.0).contains(&median), "median library {median}");
    }

    #[test]
    fn dropout_removes_more_weakly_expressed_counts() {
        let config = CountConfig { dropout_midpoint: Some(1.0), dropout_shape: -2.0, ..CountConfig::default() };
        let plain = CountModel::new(&CountConfig::default(), 200, &mut ChaCha8Rng::seed_from_u64(4));
        let dropped = CountModel::new(&config, 200, &mut ChaCha8Rng::seed_from_u64(4));
        let zeros = |model: &CountModel| {
            let mut rng = ChaCha8Rng::seed_from_u64(5);
            (0..100)
                .map(|_| {
                    let mut x = vec![0.0f32; 200];
                    model.sample_cell(&mut x, &mut rng);
                    x.iter().filter(|c| **c == 0.0).count()
                })
                .sum::<usize>()
        };
        assert!(zeros(&dropped) > zeros(&plain) + 1000);
    }
}
