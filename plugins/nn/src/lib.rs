//! citebench-nn: the burn building blocks shared by citebench's neural
//! model plugins (CITE-VAE, and the beta-VAE, iVAE, TDRL, SAMS-VAE and CPA
//! baselines).
//!
//! - [`backend`]: the one place a scenario's `device` becomes a burn device,
//!   and the thread pool sized to the host's budget;
//! - [`init`]: seeded parameter initialisation;
//! - [`mlp`], [`componentwise`]: encoders/decoders, and per-latent networks
//!   with a forward-mode derivative;
//! - [`gaussian`], [`likelihood`]: reparameterisation, KL terms, Gaussian and
//!   negative-binomial likelihoods;
//! - [`temporal`]: TDRL's learned transition prior;
//! - [`alignment`]: moment matching across groups of rows;
//! - [`train`]: the AdamW training loop with early stopping and a NaN guard.
//!
//! Everything computes in `f32` on burn 0.22 tensors, which carry no backend
//! type: the device chosen in [`backend`] decides where they live.

pub mod alignment;
pub mod backend;
pub mod componentwise;
mod error;
pub mod gaussian;
pub mod init;
pub mod likelihood;
pub mod mlp;
pub mod temporal;
pub mod train;

pub use alignment::Groups;
pub use backend::Compute;
pub use componentwise::ComponentwiseMlp;
pub use error::NnError;
pub use init::Initialiser;
pub use mlp::{Activation, Dense, Mlp};
pub use temporal::{Bracket, TransitionPrior, TransitionShape};
pub use train::{NonFiniteLoss, Objective, Optimiser, TrainConfig, TrainOverrides, TrainReport, train};

/// burn, re-exported so plugins use the very version these blocks were built on.
pub use burn;
