//! `cite-vae`: CITE-VAE (arXiv 2605.25581) as a citebench plugin.
//!
//! An invariant latent `s` and a dynamic latent `z_t` explain each cell
//! through a decoder `x_t = g(s, z_t) + noise`. `z_t` evolves under a
//! learned transition prior in the style of TDRL, driven by a perturbation
//! embedding (the sum of the perturbation's targets' embeddings). Training
//! adds an alignment penalty, so `s` carries no perturbation or time
//! information, and a sparsity penalty, so each target reaches few dynamic
//! latents. `encode` returns `[s, z_t]` with its blocks labelled; `predict`
//! rolls the learned dynamics forward from encoded control cells. The
//! network, loss and inference are `citebench_nn::temporal_vae`, which
//! TDRL shares; choices the paper leaves open are hyperparameters,
//! explained in README.md.

pub mod hyperparameters;

use citebench_core::data::{Matrix, Observations};
use citebench_core::model::{Capabilities, LatentEstimate, Model, ModelEnv, ModelError, Progress, Query};
use citebench_nn::Compute;
use citebench_nn::temporal_vae::{FitSettings, FittedTemporalVae};
pub use hyperparameters::Hyperparameters;

pub struct CiteVaeModel {
    h: Hyperparameters,
    compute: Compute,
    seed: u64,
    fitted: Option<FittedTemporalVae>,
}

impl CiteVaeModel {
    fn fitted(&self) -> Result<&FittedTemporalVae, ModelError> {
        self.fitted.as_ref().ok_or_else(|| ModelError::Failed(format!("{} was asked to infer before fit", Self::NAME)))
    }
}

impl Model for CiteVaeModel {
    const NAME: &'static str = "cite-vae";
    const CAPABILITIES: Capabilities =
        Capabilities::ENCODE.union(Capabilities::PREDICT).union(Capabilities::TEMPORAL).union(Capabilities::IMAGES);
    type Hyperparameters = Hyperparameters;

    fn create(h: Hyperparameters, env: ModelEnv) -> Result<Self, ModelError> {
        h.validate().map_err(ModelError::Config)?;
        let compute = Compute::new(&env)?;
        Ok(Self { h, compute, seed: env.seed, fitted: None })
    }

    fn fit(&mut self, train: &Observations, progress: &mut dyn Progress) -> Result<(), ModelError> {
        let settings = FitSettings {
            name: Self::NAME,
            weights: self.h.weights(),
            training: self.h.training(),
            standardise: self.h.standardise,
            seed: self.seed,
        };
        let shape = self.h.shape(train.x().cols(), train.n_targets() as usize);
        self.fitted = Some(FittedTemporalVae::fit_paired(shape, &settings, self.h.pairing, train, &self.compute, progress)?);
        Ok(())
    }

    fn encode(&self, data: &Observations) -> Result<LatentEstimate, ModelError> {
        self.fitted()?.encode(data, &self.compute)
    }

    fn predict(&self, queries: &[Query]) -> Result<Matrix, ModelError> {
        self.fitted()?.predict(queries, self.h.predict_noise, &self.compute)
    }
}

citebench_core::export_model!(CiteVaeModel);
