//! Single-cell counts for any latent simulator.
//!
//! A latent simulator produces a continuous expression per cell and gene
//! (for `latent-scm`, the mixing output g([s, z_t])). This crate turns it
//! into what sequencing gives: counts with a per-cell library size,
//! negative-binomial noise and optional dropout (module `model`), drawn by
//! a fast exact sampler (module `nb`); and it offers the usual
//! normalisation (module `normalise`) so that models can receive counts
//! per 10k, log1p-transformed, instead of raw counts.
//!
//! The crate draws nothing by itself: callers pass the generator for the
//! per-gene parameters and, per cell, that cell's own stream, which keeps
//! their data independent of thread count and cell order.

mod approx;
mod config;
mod model;
mod nb;
mod normalise;

pub use config::{CountConfig, Normalisation};
pub use model::CountModel;
pub use nb::{INVERSION_LIMIT, NegativeBinomial};
pub use normalise::{TARGET_SUM, normalise_rows};
