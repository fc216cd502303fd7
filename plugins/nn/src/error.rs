//! The one error type of the crate: every failure names what it was given
//! and what was expected.

use citebench_core::model::ModelError;
use thiserror::Error;

#[derive(Debug, Error, PartialEq)]
pub enum NnError {
    /// The scenario's `device` names nothing this build can compute on.
    #[error("device `{device}` is not available: {reason}")]
    Device { device: String, reason: String },
    /// The thread pool for the plugin's thread budget could not be built.
    #[error("cannot build a pool of {threads} worker threads: {reason}")]
    ThreadPool { threads: usize, reason: String },
    /// A hyperparameter is out of range.
    #[error("{0}")]
    Config(String),
    /// The data cannot be used as given (too few rows, wrong shape).
    #[error("{0}")]
    Data(String),
    /// Training diverged: a loss became NaN or infinite.
    #[error(
        "training diverged: the {phase} loss is {value} at epoch {epoch}, step {step}; \
         lower the learning rate or the regulariser weights"
    )]
    NonFinite { phase: &'static str, epoch: usize, step: usize, value: f32 },
    /// A tensor could not be read back from the device.
    #[error("reading a tensor back from the device failed: {0}")]
    Readback(String),
}

impl From<NnError> for ModelError {
    fn from(e: NnError) -> Self {
        match e {
            NnError::Device { .. } | NnError::Config(_) => ModelError::Config(e.to_string()),
            other => ModelError::Failed(other.to_string()),
        }
    }
}
