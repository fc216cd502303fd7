//! What the cell-level VAE plugins (beta-VAE, iVAE, SAMS-VAE, CPA) share:
//! a Gaussian encoder, the encoder-decoder pair, and minibatches of cells
//! gathered from the host.

use crate::init::Initialiser;
use crate::mlp::{Activation, Mlp};
use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};

/// An MLP from features to the mean and log-variance of a diagonal
/// Gaussian posterior over `latents` latents.
#[derive(Module, Debug)]
pub struct GaussianEncoder {
    mlp: Mlp,
    #[module(skip)]
    latents: usize,
}

impl GaussianEncoder {
    pub fn new(features: usize, width: usize, hidden_layers: usize, latents: usize, activation: Activation, init: &mut Initialiser) -> Self {
        Self { mlp: Mlp::new(&Mlp::widths(features, width, hidden_layers, 2 * latents), activation, init), latents }
    }

    /// `(mean, log_var)`, each `rows x latents`.
    pub fn forward(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let out = self.mlp.forward(x);
        (out.clone().narrow(1, 0, self.latents), out.narrow(1, self.latents, self.latents))
    }
}

/// An encoder `q(z | x)` and a decoder `g(z)`, MLPs of one shape.
#[derive(Module, Debug)]
pub struct CellVae {
    pub encoder: GaussianEncoder,
    pub decoder: Mlp,
}

impl CellVae {
    pub fn new(features: usize, width: usize, hidden_layers: usize, latents: usize, activation: Activation, init: &mut Initialiser) -> Self {
        Self {
            encoder: GaussianEncoder::new(features, width, hidden_layers, latents, activation, init),
            decoder: Mlp::new(&Mlp::widths(latents, width, hidden_layers, features), activation, init),
        }
    }

    /// Posterior means of the row-major `x` (`features` columns), row-major.
    pub fn posterior_means(&self, x: &[f32], features: usize, device: &Device) -> Result<Vec<f32>, crate::NnError> {
        let rows: Vec<usize> = (0..x.len() / features.max(1)).collect();
        crate::values(self.encoder.forward(gather_rows(x, features, &rows, device)).0)
    }
}

/// Rows `rows` of the row-major `x` (`features` columns) as a tensor.
pub fn gather_rows(x: &[f32], features: usize, rows: &[usize], device: &Device) -> Tensor<2> {
    let mut values = Vec::with_capacity(rows.len() * features);
    for &r in rows {
        values.extend_from_slice(&x[r * features..(r + 1) * features]);
    }
    Tensor::from_data(TensorData::new(values, [rows.len(), features]), device)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn gathers_rows_and_splits_the_posterior() {
        let device = Device::flex();
        let x = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
        let t = gather_rows(&x, 2, &[2, 0], &device);
        assert_eq!(crate::values(t.clone()).unwrap(), vec![5.0, 6.0, 1.0, 2.0]);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let encoder = GaussianEncoder::new(2, 8, 1, 3, Activation::LeakyRelu, &mut Initialiser::new(&mut rng, &device));
        let (mean, log_var) = encoder.forward(t);
        assert_eq!((mean.dims(), log_var.dims()), ([2, 3], [2, 3]));
    }
}
