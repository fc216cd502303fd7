//! citebench-nn: the burn building blocks shared by citebench's neural
//! model plugins (CITE-VAE, and the beta-VAE, iVAE, TDRL, SAMS-VAE and CPA
//! baselines).
//!
//! - [`backend`]: the one place a scenario's `device` becomes a burn device,
//!   and the thread pool sized to the host's budget;
//! - [`init`]: seeded parameter initialisation;
//! - [`mlp`], [`componentwise`]: encoders/decoders, and per-latent networks
//!   with a forward-mode derivative;
//! - [`conv`]: convolutional trunks and heads, so encoders and decoders
//!   read and draw images;
//! - [`gaussian`], [`likelihood`]: reparameterisation, KL terms, Gaussian and
//!   negative-binomial likelihoods;
//! - [`temporal`]: TDRL's learned transition prior;
//! - [`temporal_vae`]: the invariant-plus-dynamic temporal VAE that
//!   CITE-VAE and TDRL are configurations of;
//! - [`alignment`]: moment matching across groups of rows;
//! - [`scaling`]: per-feature standardisation fitted on training data, and
//!   [`values`] to read a tensor back to the host;
//! - [`train`]: the AdamW training loop with early stopping, restarts and a NaN guard;
//! - [`vae`]: the Gaussian encoder and cell minibatches of the cell-level VAEs;
//! - [`latent_shift`]: predicting a perturbation as a latent shift of
//!   encoded control cells (SAMS-VAE, CPA).
//!
//! Everything computes in `f32` on burn 0.22 tensors, which carry no backend
//! type: the device chosen in [`backend`] decides where they live.

pub mod alignment;
pub mod backend;
pub mod componentwise;
pub mod conv;
mod error;
pub mod gaussian;
pub mod init;
pub mod latent_shift;
pub mod likelihood;
pub mod mlp;
pub mod scaling;
pub mod temporal;
pub mod temporal_vae;
pub mod train;
pub mod vae;

pub use alignment::Groups;
pub use backend::Compute;
pub use componentwise::ComponentwiseMlp;
pub use conv::{ConvConfig, Decoder, Encoder, Input};
pub use error::NnError;
pub use init::{Initialiser, seeded, streams};
pub use mlp::{Activation, Dense, Mlp};
pub use scaling::Standardiser;
pub use vae::{CellVae, GaussianEncoder, gather_rows};
pub use temporal::{Bracket, TransitionPrior, TransitionShape};
pub use train::{NonFiniteLoss, Objective, Optimiser, TrainConfig, TrainOverrides, TrainReport, train};

/// burn, re-exported so plugins use the very version these blocks were built on.
pub use burn;

/// A 2-d tensor's values, row-major, read back to the host.
pub fn values(t: burn::tensor::Tensor<2>) -> Result<Vec<f32>, NnError> {
    t.into_data().try_to_vec::<f32>().map_err(|e| NnError::Readback(format!("{e:?}")))
}
