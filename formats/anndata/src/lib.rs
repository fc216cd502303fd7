//! AnnData `.h5ad` files, the format scanpy users hold single-cell data in:
//! [`read`] opens one and reads its obs columns, names and `X` (dense or
//! CSR/CSC, integer or float, gzip-compressed or not), whole or a block of
//! rows at a time ([`AnnData::x_rows`]); [`write`] holds the
//! element encodings that anndata expects when it opens a file citebench
//! wrote.
//!
//! Every use of the HDF5 library (`hdf5-pure`, pure Rust) is behind this
//! crate, so that choice can change without touching the rest.
//!
//! Only the on-disk format anndata has written since 0.8 (every element
//! carries `encoding-type` and `encoding-version` attributes) is read;
//! older files get an error saying so.

pub mod read;
pub mod write;

pub use read::{AnnData, Column, DenseMatrix, RowBlock};
use std::path::PathBuf;
use thiserror::Error;

/// What went wrong, always naming the file, and the element when there is one.
#[derive(Debug, Error)]
pub enum AnnDataError {
    #[error("{}: {message}", file.display())]
    File { file: PathBuf, message: String },
    #[error("{}: `{element}`: {message}", file.display())]
    Element { file: PathBuf, element: String, message: String },
}
