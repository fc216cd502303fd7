//! `pca`: encodes observations by their top principal components, whitened.
//!
//! The linear floor for identifiability: with an invertible but nonlinear
//! mixing, PCA recovers the latents only up to a linear mixture, so a
//! nonlinear model that does not beat its MCC has learned nothing beyond
//! second-order statistics. Components are ordered by explained variance
//! and scaled to unit variance on the training data; the sign of each is
//! fixed so that its largest loading is positive, which makes the output
//! deterministic. All latents are labelled unlabelled (PCA knows no blocks).

use citebench_core::data::{LatentBlock, Matrix, Observations};
use citebench_core::model::{Capabilities, LatentEstimate, Model, ModelEnv, ModelError, Progress};
use nalgebra::{DMatrix, SymmetricEigen};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hyperparameters {
    /// How many components to keep; usually the number of true latents.
    pub n_components: usize,
}

struct Fitted {
    mean: Vec<f64>,
    /// features x components, each column divided by sqrt(its eigenvalue).
    whitened_loadings: DMatrix<f64>,
}

pub struct Pca {
    n_components: usize,
    fitted: Option<Fitted>,
}

/// Eigenvalues below this are numerically zero: whitening them would blow
/// noise up to unit variance.
const MIN_EIGENVALUE: f64 = 1e-10;

impl Model for Pca {
    const NAME: &'static str = "pca";
    // Pixels are features like any other: PCA is the linear floor on images too.
    const CAPABILITIES: Capabilities = Capabilities::ENCODE.union(Capabilities::IMAGES);
    type Hyperparameters = Hyperparameters;

    fn create(h: Hyperparameters, _: ModelEnv) -> Result<Self, ModelError> {
        if h.n_components == 0 {
            return Err(ModelError::Config("`n_components` must be set to at least 1".into()));
        }
        Ok(Self { n_components: h.n_components, fitted: None })
    }

    fn fit(&mut self, train: &Observations, progress: &mut dyn Progress) -> Result<(), ModelError> {
        let x = train.x();
        let (n, p) = (x.rows(), x.cols());
        if self.n_components > p {
            return Err(ModelError::Config(format!("`n_components` = {} exceeds the {p} observed features", self.n_components)));
        }
        if n < 2 {
            return Err(ModelError::Failed(format!("PCA needs at least 2 training rows, got {n}")));
        }
        let data = DMatrix::from_row_iterator(n, p, x.as_slice().iter().map(|&v| f64::from(v)));
        let mean: Vec<f64> = data.column_iter().map(|c| c.mean()).collect();
        let mut centred = data;
        for (j, mut column) in centred.column_iter_mut().enumerate() {
            column.add_scalar_mut(-mean[j]);
        }
        let covariance = centred.transpose() * &centred / (n as f64 - 1.0);
        progress.report(0.5);
        let eigen = SymmetricEigen::new(covariance);
        let mut order: Vec<usize> = (0..p).collect();
        order.sort_by(|&a, &b| eigen.eigenvalues[b].total_cmp(&eigen.eigenvalues[a]));
        let mut loadings = DMatrix::zeros(p, self.n_components);
        for (k, &j) in order.iter().take(self.n_components).enumerate() {
            let value = eigen.eigenvalues[j];
            if value < MIN_EIGENVALUE {
                return Err(ModelError::Failed(format!(
                    "component {} has variance {value:.3e}: the data span fewer than {} dimensions",
                    k + 1,
                    self.n_components
                )));
            }
            let vector = eigen.eigenvectors.column(j);
            let largest = vector.iter().copied().max_by(|a, b| a.abs().total_cmp(&b.abs())).unwrap_or(1.0);
            let sign = if largest < 0.0 { -1.0 } else { 1.0 };
            loadings.set_column(k, &(vector * (sign / value.sqrt())));
        }
        self.fitted = Some(Fitted { mean, whitened_loadings: loadings });
        progress.report(1.0);
        Ok(())
    }

    fn encode(&self, data: &Observations) -> Result<LatentEstimate, ModelError> {
        let fitted = self.fitted.as_ref().ok_or_else(|| ModelError::Failed("encode called before fit".into()))?;
        let x = data.x();
        if x.cols() != fitted.mean.len() {
            return Err(ModelError::Failed(format!("trained on {} features, asked to encode {}", fitted.mean.len(), x.cols())));
        }
        let centred = DMatrix::from_row_iterator(
            x.rows(),
            x.cols(),
            (0..x.rows()).flat_map(|i| x.row(i).iter().zip(&fitted.mean).map(|(&v, m)| f64::from(v) - m)),
        );
        let scores = centred * &fitted.whitened_loadings;
        let k = scores.ncols();
        let values = (0..scores.nrows()).flat_map(|i| (0..k).map(move |j| (i, j))).map(|(i, j)| scores[(i, j)] as f32).collect();
        let latents = Matrix::new(scores.nrows(), k, values).map_err(|e| ModelError::Failed(e.to_string()))?;
        Ok(LatentEstimate { latents, blocks: vec![LatentBlock::Unlabelled; k] })
    }
}

citebench_core::export_model!(Pca);
