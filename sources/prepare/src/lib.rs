//! Preparing real single-cell counts for models, the way scanpy users do,
//! one documented step per module:
//!
//! - [`normalise`]: total-count normalisation to a target sum per cell, then
//!   ln(1 + x) (scanpy's `normalize_total` and `log1p`);
//! - [`hvg`]: highly variable genes, Seurat flavour (scanpy's
//!   `highly_variable_genes(flavor="seurat", n_top_genes=N)`), from gene
//!   moments gathered one cell at a time;
//! - [`pseudobulk`]: the mean profile of each group of cells.
//!
//! Every step takes cells as sparse rows (columns and values), one at a
//! time, so a data source can stream a file through them block by block
//! and never hold the raw matrix. Nothing here knows about files or about
//! perturbations: the data source decides which cells form a group.

pub mod hvg;
pub mod normalise;
pub mod pseudobulk;

pub use hvg::{GeneMoments, HighlyVariable, highly_variable_genes};
pub use normalise::Normalisation;
pub use pseudobulk::Pseudobulk;

use thiserror::Error;

#[derive(Debug, Error, PartialEq)]
pub enum PrepareError {
    #[error("highly variable genes need at least 2 cells, got {0}")]
    TooFewCells(usize),
    #[error("n_top_genes must be at least 1")]
    NoGenes,
    #[error("n_bins must be at least 1")]
    NoBins,
}
