//! `control-mean`: predicts every perturbation as the mean of the training
//! control cells at the same time point.
//!
//! On real Perturb-seq data no deep model beat this baseline for unseen
//! single perturbations (Ahlmann-Eltze et al., Nature Methods 2025), so
//! every comparison citebench reports includes it. At a time point with no
//! training controls (a held-out time point) it uses the nearest time point
//! that has them.

use citebench_core::data::{ControlMeans, Matrix, Observations};
use citebench_core::model::{Capabilities, Model, ModelEnv, ModelError, Progress, Query, cells_from_profiles};
use serde::Deserialize;

/// control-mean has no hyperparameters; any key is an error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hyperparameters {}

pub struct ControlMean {
    controls: Option<ControlMeans>,
}

impl Model for ControlMean {
    const NAME: &'static str = "control-mean";
    const CAPABILITIES: Capabilities = Capabilities::PREDICT;
    type Hyperparameters = Hyperparameters;

    fn create(_: Hyperparameters, _: ModelEnv) -> Result<Self, ModelError> {
        Ok(Self { controls: None })
    }

    fn fit(&mut self, train: &Observations, progress: &mut dyn Progress) -> Result<(), ModelError> {
        let controls = ControlMeans::new(&train.condition_means());
        if controls.is_empty() {
            return Err(ModelError::Failed("the training data hold no control cells".into()));
        }
        self.controls = Some(controls);
        progress.report(1.0);
        Ok(())
    }

    fn predict(&self, queries: &[Query]) -> Result<Matrix, ModelError> {
        let controls = self.controls.as_ref().ok_or_else(|| ModelError::Failed("predict called before fit".into()))?;
        let profiles = queries
            .iter()
            .map(|q| controls.nearest(q.time_point).map(|(_, mean)| mean.to_vec()))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| ModelError::Failed("no control means".into()))?;
        cells_from_profiles(queries, &profiles)
    }
}

citebench_core::export_model!(ControlMean);
