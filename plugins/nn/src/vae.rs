//! What the cell-level VAE plugins (beta-VAE, iVAE, SAMS-VAE, CPA) share:
//! a Gaussian encoder, the encoder-decoder pair, and minibatches of cells
//! gathered from the host.

use crate::conv::{Decoder, Encoder, Input};
use crate::init::Initialiser;
use crate::mlp::Activation;
use crate::{Compute, Objective, Standardiser, TrainConfig, seeded, streams};
use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use citebench_core::data::{LatentBlock, Matrix, Observations};
use citebench_core::model::{LatentEstimate, ModelError, Progress};
use rand::Rng;

/// An encoder (an MLP, behind a convolutional trunk for images) from
/// observations to the mean and log-variance of a diagonal Gaussian
/// posterior over `latents` latents.
#[derive(Module, Debug)]
pub struct GaussianEncoder {
    mlp: Encoder,
    #[module(skip)]
    latents: usize,
}

impl GaussianEncoder {
    pub fn new(input: impl Into<Input>, width: usize, hidden_layers: usize, latents: usize, activation: Activation, init: &mut Initialiser) -> Self {
        Self { mlp: Encoder::new(input.into(), width, hidden_layers, 2 * latents, activation, init), latents }
    }

    /// `(mean, log_var)`, each `rows x latents`.
    pub fn forward(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let out = self.mlp.forward(x);
        (out.clone().narrow(1, 0, self.latents), out.narrow(1, self.latents, self.latents))
    }
}

/// An encoder `q(z | x)` and a decoder `g(z)`, MLPs of one shape (with
/// convolutional blocks for images, [`crate::conv`]).
#[derive(Module, Debug)]
pub struct CellVae {
    pub encoder: GaussianEncoder,
    pub decoder: Decoder,
}

impl CellVae {
    pub fn new(input: impl Into<Input>, width: usize, hidden_layers: usize, latents: usize, activation: Activation, init: &mut Initialiser) -> Self {
        let input = input.into();
        Self {
            encoder: GaussianEncoder::new(input, width, hidden_layers, latents, activation, init),
            decoder: Decoder::new(latents, width, hidden_layers, input, activation, init),
        }
    }

    /// Posterior means of the row-major `x` (`features` columns), row-major.
    pub fn posterior_means(&self, x: &[f32], features: usize, device: &Device) -> Result<Vec<f32>, crate::NnError> {
        let rows: Vec<usize> = (0..x.len() / features.max(1)).collect();
        crate::values(self.encoder.forward(gather_rows(x, features, &rows, device)).0)
    }
}

/// The sizes of a cell-level VAE's encoder and decoder.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CellShape {
    pub latents: usize,
    pub hidden_width: usize,
    pub hidden_layers: usize,
    pub activation: Activation,
}

/// Trains a cell-level model on items (cells) `0..n_cells`: restart `r`'s
/// network is `build(vae, init)`, `vae` a fresh [`CellVae`] of `shape` for
/// `input` (a feature count, or images) and `init` the rest of its initialisation stream,
/// with the seeds of [`streams`], so every cell-level plugin draws the
/// same way.
#[allow(clippy::too_many_arguments)]
pub fn fit_cells<O: Objective>(
    objective: &O,
    n_cells: usize,
    input: impl Into<Input>,
    shape: CellShape,
    build: impl Fn(CellVae, &mut Initialiser) -> O::Model,
    training: &TrainConfig,
    seed: u64,
    compute: &Compute,
    progress: &mut dyn Progress,
) -> Result<O::Model, crate::NnError> {
    let input = input.into();
    let init = |restart: usize| {
        let mut rng = seeded(seed, streams::restart(restart));
        let mut init = Initialiser::new(&mut rng, compute.device());
        let vae = CellVae::new(input, shape.hidden_width, shape.hidden_layers, shape.latents, shape.activation, &mut init);
        build(vae, &mut init)
    };
    let training_seed = seeded(seed, streams::TRAINING).next_u64();
    Ok(crate::train(init, objective, n_cells, training, compute, training_seed, progress)?.0)
}

/// The optimiser settings a cell-level VAE starts from: an item is a
/// cell, and cells are many, so minibatches are large and epochs few.
pub fn cell_training_defaults() -> TrainConfig {
    TrainConfig {
        learning_rate: 1e-3,
        weight_decay: 1e-4,
        batch_size: 128,
        max_epochs: 1000,
        validation_fraction: 0.1,
        patience: 50,
        max_gradient_norm: 10.0,
        restarts: 1,
    }
}

/// Checks a cell-level VAE's sizes and KL weight, naming the key at fault.
pub fn check_sizes(latents: usize, hidden_width: usize, beta: f32) -> Result<(), String> {
    if latents == 0 || hidden_width == 0 {
        return Err("`latents` and `hidden_width` must be at least 1".into());
    }
    if !(beta >= 0.0 && beta.is_finite()) {
        return Err(format!("`beta` must be a finite number >= 0, got {beta}"));
    }
    Ok(())
}

/// `encode` of a cell-level VAE: the posterior means of `data`'s cells,
/// standardised as in training, every latent unlabelled. `name` is the
/// plugin's, for errors.
pub fn encode_cells(name: &str, fitted: Option<(&CellVae, &Standardiser)>, data: &Observations, compute: &Compute) -> Result<LatentEstimate, ModelError> {
    let (vae, standardiser) = fitted.ok_or_else(|| ModelError::Failed(format!("{name} was asked to encode before fit")))?;
    let x = data.x();
    if x.cols() != standardiser.features() {
        return Err(ModelError::Failed(format!("trained on {} features, asked to encode {}", standardiser.features(), x.cols())));
    }
    let mean = compute.run(|| vae.posterior_means(&standardiser.forward(x), x.cols(), compute.device()))?;
    let latents = mean.len() / x.rows().max(1);
    let latents_matrix = Matrix::new(x.rows(), latents, mean).map_err(|e| ModelError::Failed(e.to_string()))?;
    Ok(LatentEstimate { latents: latents_matrix, blocks: vec![LatentBlock::Unlabelled; latents] })
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
