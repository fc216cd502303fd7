//! OOD metrics on the top differentially expressed (DE) genes of each
//! held-out condition: a perturbation moves few genes, and metrics over
//! all genes are dominated by the many it leaves alone.
//!
//! - `pearson_delta_top20`: `pearson_delta` over the condition's top-20 DE
//!   genes only.
//! - `mse_top20`: `ood_mse` over the condition's top-20 DE genes only.
//!
//! The DE rule, exactly: for each held-out condition, features are ranked
//! by |mean true - control mean| (the true cells of the condition against
//! the control cells at the same time point), largest first, ties by
//! feature index; the first 20 (all, when there are fewer) are kept. It
//! is computed from the true data only, so every model is scored on the
//! same genes. GEARS and cell-eval rank DE genes with a statistical test
//! (scanpy's `rank_genes_groups`, a t-test or Wilcoxon) against control;
//! on the log-scale expression they score, ranking by absolute mean
//! difference (the log fold change) picks nearly the same genes, needs no
//! test and no minimum cell count, and is exactly reproducible. A time
//! point without control cells is [`crate::metric::MetricError::Undefined`].

use super::ood::{mean_squared_error, pearson_delta, score_predictions};
use crate::metric::{Metric, MetricError, MetricInput, MetricNeeds, MetricValue};

/// How many DE genes the `_top20` metrics keep.
pub const TOP_DE_GENES: usize = 20;

/// The `pearson_delta_top20` metric (see the module doc).
pub struct PearsonDeltaTop20;

/// The `mse_top20` metric (see the module doc).
pub struct MseTop20;

/// The `k` features with the largest |observed - control|, largest first,
/// ties by feature index; every feature when there are at most `k`.
pub fn top_de_genes(observed: &[f64], control: &[f64], k: usize) -> Vec<usize> {
    let change: Vec<f64> = observed.iter().zip(control).map(|(o, c)| (o - c).abs()).collect();
    let mut genes: Vec<usize> = (0..change.len()).collect();
    // A stable sort keeps equal changes in feature order.
    genes.sort_by(|&a, &b| change[b].total_cmp(&change[a]));
    genes.truncate(k);
    genes
}

fn pick(values: &[f64], genes: &[usize]) -> Vec<f64> {
    genes.iter().map(|&g| values[g]).collect()
}

impl Metric for PearsonDeltaTop20 {
    fn name(&self) -> &'static str {
        "pearson_delta_top20"
    }

    fn needs(&self) -> MetricNeeds {
        MetricNeeds::Predictions
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Vec<MetricValue>, MetricError> {
        score_predictions(self.name(), input, |c| {
            let control = c.control()?;
            let genes = top_de_genes(c.observed, control, TOP_DE_GENES);
            Ok(pearson_delta(&pick(&c.predicted, &genes), &pick(c.observed, &genes), &pick(control, &genes)))
        })
    }
}

impl Metric for MseTop20 {
    fn name(&self) -> &'static str {
        "mse_top20"
    }

    fn needs(&self) -> MetricNeeds {
        MetricNeeds::Predictions
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Vec<MetricValue>, MetricError> {
        score_predictions(self.name(), input, |c| {
            let genes = top_de_genes(c.observed, c.control()?, TOP_DE_GENES);
            Ok(mean_squared_error(&pick(&c.predicted, &genes), &pick(c.observed, &genes)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_de_genes_rank_by_absolute_change_then_index() {
        let control = [1.0, 1.0, 1.0, 1.0, 1.0];
        let observed = [1.5, -2.0, 1.0, 4.0, 0.5];
        assert_eq!(top_de_genes(&observed, &control, 3), vec![1, 3, 0]);
        // Genes 0 and 4 change by 0.5 each: the lower index comes first.
        assert_eq!(top_de_genes(&observed, &control, 4), vec![1, 3, 0, 4]);
        assert_eq!(top_de_genes(&observed, &control, 20).len(), 5);
    }
}
