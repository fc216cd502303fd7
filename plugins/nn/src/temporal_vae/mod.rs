//! The temporal VAE that CITE-VAE and TDRL are made of: an optional
//! invariant latent `s` (one per unit) and a dynamic latent `z_t` whose
//! transition prior is TDRL's learned one ([`crate::TransitionPrior`]),
//! driven by per-target perturbation embeddings.
//!
//! - [`trajectories`]: observations regrouped as units' time series;
//! - [`pairing`], [`transport`]: on snapshots, cells of adjacent time
//!   points paired by optimal transport instead, and [`paired_elbo`], the
//!   loss that learns the transition from those pairs;
//! - [`network`]: the encoder, decoder, embeddings and transition prior;
//! - [`objective`]: the ELBO with the temporal KL, the alignment penalty
//!   on `s` and the sparsity penalty on the embeddings;
//! - [`inference`]: posterior means for `encode`, rollouts for `predict`;
//! - [`fitted`]: a trained network with `fit`, `encode` and `predict` as
//!   plugins call them.
//!
//! A plugin chooses the sizes and weights: CITE-VAE keeps the invariant
//! block, alignment and sparsity; TDRL has no invariant block and neither
//! penalty.

pub mod fitted;
pub mod inference;
pub mod network;
pub mod objective;
pub mod paired_elbo;
pub mod pairing;
pub mod trajectories;
pub mod transport;

pub use fitted::{FitSettings, FittedTemporalVae};
pub use pairing::{Pairing, PairingMode};

use crate::conv::{ConvConfig, Input};
use crate::mlp::Activation;
use citebench_core::data::ImageShape;
use serde::Deserialize;

/// How a target's embedding enters latent i's transition.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum PerturbationEffect {
    /// A sparse mechanism shift: `z_{t,i} = f_i(z_{t-1}, eps_{t,i}) + u_{p,i}`,
    /// `u_p` the sum of the targets' embeddings (as in SAMS-VAE, sVAE+).
    Shift,
    /// A general conditioning: the embedding is an input of the inverse
    /// transition network `r_i`, as TDRL's domain embedding is.
    Context,
}

/// Everything a [`network::TemporalVae`] is built with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shape {
    pub features: usize,
    /// Set when the observations are images: the encoder and decoder then
    /// get convolutional blocks of `conv`'s sizes.
    pub image: Option<ImageShape>,
    pub conv: ConvConfig,
    pub targets: usize,
    /// Size of `s` (0: no invariant block).
    pub invariant: usize,
    /// Size of `z_t`.
    pub dynamic: usize,
    /// Features per (target, latent) embedding; 1 under [`PerturbationEffect::Shift`].
    pub embedding: usize,
    pub effect: PerturbationEffect,
    /// Width and depth of the encoder and decoder MLPs.
    pub hidden_width: usize,
    pub hidden_layers: usize,
    /// Width and depth of each latent's inverse transition network.
    pub transition_width: usize,
    pub transition_layers: usize,
    pub activation: Activation,
    /// Past states the transition reads: `z_t` given `z_{t-1}, ..., z_{t-lags}`
    /// (TDRL uses 2). A row with fewer observed predecessors gets `N(0, I)`.
    pub lags: usize,
}

impl Shape {
    /// What the encoder reads and the decoder writes; an error names a
    /// `conv` that does not fit the images.
    pub fn input(&self) -> Result<Input, String> {
        Input::of(self.features, self.image, self.conv)
    }
}
