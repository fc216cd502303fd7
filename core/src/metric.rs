//! The `Metric` trait and the registry scenarios pick metrics from.
//!
//! A metric is a pure function of ground truth and model output: it gets
//! everything through [`MetricInput`] and keeps no state, so the runner can
//! compute it in any order and a user can recompute it from saved outputs.
//! A metric says which model output it needs ([`MetricNeeds`]) so the runner
//! skips it, with a recorded reason, for a model that cannot produce it.

use crate::data::{Dataset, GroundTruth, Matrix, Perturbation};
use crate::metrics;
use crate::model::LatentEstimate;
use thiserror::Error;

/// The model output a metric scores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricNeeds {
    /// Latents estimated for the rows in [`MetricInput::encoded_rows`].
    Latents,
    /// Cells generated for held-out conditions.
    Predictions,
}

/// Cells a model generated for one held-out condition.
#[derive(Clone, Debug, PartialEq)]
pub struct Prediction {
    pub perturbation: Perturbation,
    pub time_point: u32,
    pub cells: Matrix,
}

/// Everything a metric may look at.
pub struct MetricInput<'a> {
    pub dataset: &'a Dataset,
    pub truth: &'a GroundTruth,
    /// Rows of the dataset that were encoded, in the order of the estimate's rows.
    pub encoded_rows: &'a [usize],
    pub latents: Option<&'a LatentEstimate>,
    pub predictions: Option<&'a [Prediction]>,
}

/// One value of a metric: overall (`time_point` `None`) or at one time point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MetricValue {
    pub time_point: Option<u32>,
    pub value: f64,
}

#[derive(Debug, Error, PartialEq)]
pub enum MetricError {
    #[error("{metric} needs {what}, which the model did not produce")]
    MissingInput { metric: &'static str, what: &'static str },
    #[error("{metric}: {reason}")]
    Undefined { metric: &'static str, reason: String },
}

pub trait Metric: Send + Sync {
    /// The name scenarios and results files use.
    fn name(&self) -> &'static str;
    fn needs(&self) -> MetricNeeds;
    /// The overall value first, then one value per time point.
    fn compute(&self, input: &MetricInput<'_>) -> Result<Vec<MetricValue>, MetricError>;
}

/// The metrics a scenario can name.
pub struct MetricRegistry {
    metrics: Vec<Box<dyn Metric>>,
}

impl Default for MetricRegistry {
    /// Every metric citebench ships: adding one is one line here.
    fn default() -> Self {
        use metrics::correlation::Correlation::{Pearson, Spearman};
        use metrics::latents::LatentScope::{All, Dynamic, Invariant};
        use metrics::mcc::Mcc;
        use metrics::r2::{R2, Regressor::Kernel, Regressor::Linear};
        Self {
            metrics: vec![
                Box::new(Mcc { correlation: Pearson, scope: All }),
                Box::new(Mcc { correlation: Spearman, scope: All }),
                Box::new(Mcc { correlation: Pearson, scope: Invariant }),
                Box::new(Mcc { correlation: Pearson, scope: Dynamic }),
                Box::new(R2 { regressor: Linear, scope: All }),
                Box::new(R2 { regressor: Linear, scope: Invariant }),
                Box::new(R2 { regressor: Linear, scope: Dynamic }),
                Box::new(R2 { regressor: Kernel, scope: All }),
                Box::new(R2 { regressor: Kernel, scope: Invariant }),
                Box::new(R2 { regressor: Kernel, scope: Dynamic }),
                Box::new(metrics::ood::OodMse),
                Box::new(metrics::ood::OodMae),
                Box::new(metrics::ood::PearsonDelta),
                Box::new(metrics::de::PearsonDeltaTop20),
                Box::new(metrics::de::MseTop20),
                Box::new(metrics::distribution::EnergyDistance),
                Box::new(metrics::distribution::Mmd),
            ],
        }
    }
}

impl MetricRegistry {
    pub fn get(&self, name: &str) -> Option<&dyn Metric> {
        self.metrics.iter().find(|m| m.name() == name).map(|m| m.as_ref())
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.metrics.iter().map(|m| m.name()).collect()
    }

    /// Every metric, in registration order.
    pub fn iter(&self) -> impl Iterator<Item = &dyn Metric> {
        self.metrics.iter().map(|m| m.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_resolve() {
        let registry = MetricRegistry::default();
        let names = registry.names();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        assert!(names.iter().all(|n| registry.get(n).is_some_and(|m| m.name() == *n)));
    }
}
