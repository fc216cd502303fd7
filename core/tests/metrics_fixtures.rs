//! Every metric against reference values computed independently with
//! numpy, scipy and scikit-learn by
//! `tests/fixtures/metrics/make_metric_fixtures.py` (its docstring describes
//! the file format and the conventions it mirrors). Inputs are f32 values,
//! so Rust and Python see the same numbers and must agree to accumulation
//! error. A metric a fixture has no expected value for is undefined there
//! and must say so with an error, never a number.

use citebench_core::data::{Dataset, GroundTruth, LatentBlock, LatentGraph, Matrix, Observations, Perturbation};
use citebench_core::metric::{Metric, MetricInput, MetricNeeds, MetricRegistry, MetricValue, Prediction};
use citebench_core::metrics::ceiling::ceiling;
use citebench_core::model::LatentEstimate;
use std::collections::HashMap;
use std::path::PathBuf;

/// Closed forms (correlations, means, distances) agree to rounding.
const TOLERANCE: f64 = 1e-6;
/// Fitted regressors (the R² metrics) solve the same systems as sklearn
/// with another factorisation (nalgebra's Cholesky against LAPACK) and sum
/// in another order. On these fixtures they agree to better than 1e-12;
/// 1e-8 leaves room for other BLAS builds on the Python side while still
/// catching any difference of split, scaling, bandwidth or penalty.
const FITTED_TOLERANCE: f64 = 1e-8;
const LATENT_CASES: [&str; 11] = [
    "mcc_permuted_scaled",
    "mcc_noisy_square",
    "mcc_more_estimated",
    "mcc_fewer_estimated",
    "mcc_constant_column",
    "mcc_encoded_subset",
    "latents_blocks_labelled",
    "latents_blocks_swapped",
    "latents_blocks_unlabelled",
    "latents_fewer_rows_than_latents",
    "latents_kernel_subsample",
];
const OOD_CASES: [&str; 5] = ["additive_model", "control_mean_model", "three_time_points", "many_genes", "one_cell"];

/// One fixture file: lists by name, matrices by name, and predictions in order.
struct Fixture {
    name: String,
    lists: HashMap<String, Vec<String>>,
    matrices: HashMap<String, Matrix>,
    predictions: Vec<(String, u32, Matrix)>,
}

impl Fixture {
    fn read(name: &str) -> Self {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/metrics").join(format!("{name}.txt"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut lines = text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty());
        let mut fixture =
            Fixture { name: name.into(), lists: HashMap::new(), matrices: HashMap::new(), predictions: vec![] };
        while let Some(line) = lines.next() {
            let words: Vec<&str> = line.split_whitespace().collect();
            let mut read_matrix = |rows: &str, cols: &str| {
                let (rows, cols) = (rows.parse().unwrap(), cols.parse().unwrap());
                let data: Vec<f32> = (0..rows)
                    .flat_map(|_| lines.next().unwrap().split_whitespace().map(|v| v.parse::<f32>().unwrap()))
                    .collect();
                Matrix::new(rows, cols, data).unwrap()
            };
            match words[..] {
                ["matrix", name, rows, cols] => {
                    let m = read_matrix(rows, cols);
                    fixture.matrices.insert(name.into(), m);
                }
                ["prediction", label, t, rows, cols] => {
                    let m = read_matrix(rows, cols);
                    fixture.predictions.push((label.into(), t.parse().unwrap(), m));
                }
                [key, ref values @ ..] => {
                    fixture.lists.insert(key.into(), values.iter().map(|v| v.to_string()).collect());
                }
                [] => unreachable!("blank lines are skipped"),
            }
        }
        fixture
    }

    fn list<T: std::str::FromStr>(&self, key: &str) -> Vec<T> {
        let values = self.lists.get(key).unwrap_or_else(|| panic!("{}: no `{key}`", self.name));
        values.iter().map(|v| v.parse().unwrap_or_else(|_| panic!("{}: bad `{key}` value {v}", self.name))).collect()
    }

    fn matrix(&self, key: &str) -> &Matrix {
        self.matrices.get(key).unwrap_or_else(|| panic!("{}: no matrix `{key}`", self.name))
    }

    /// The expected values of `metric`, overall then per time point, or
    /// `None` when the metric is undefined on this fixture.
    fn expected(&self, metric: &str) -> Option<Vec<MetricValue>> {
        self.lists.get(&format!("expected_{metric}"))?;
        let times = self.list::<u32>("expected_time_points").into_iter().map(Some);
        let values = std::iter::once(None)
            .chain(times)
            .zip(self.list::<f64>(&format!("expected_{metric}")))
            .map(|(time_point, value)| MetricValue { time_point, value })
            .collect();
        Some(values)
    }

    fn blocks(&self, key: &str) -> Vec<LatentBlock> {
        let block = |name: &String| match name.as_str() {
            "invariant" => LatentBlock::Invariant,
            "dynamic" => LatentBlock::Dynamic,
            _ => LatentBlock::Unlabelled,
        };
        self.list::<String>(key).iter().map(block).collect()
    }
}

fn dataset(
    x: Matrix,
    time_point: Vec<u32>,
    perturbation: Vec<u32>,
    table: Vec<Perturbation>,
    targets: Vec<String>,
) -> Dataset {
    let rows = x.rows();
    let n_time_points = time_point.iter().max().map_or(1, |&t| t + 1);
    let features = (0..x.cols()).map(|j| format!("g{j}")).collect();
    let observations = Observations::new(
        x,
        time_point,
        perturbation,
        vec![0; rows],
        (0..rows as u64).collect(),
        table,
        (0..n_time_points).map(|t| t as f32).collect(),
        targets.len() as u32,
    )
    .unwrap();
    Dataset::new(observations, targets, features).unwrap()
}

fn truth(latents: Matrix, blocks: Vec<LatentBlock>) -> GroundTruth {
    let d = latents.cols();
    GroundTruth {
        latents,
        blocks,
        graph: LatentGraph { n_latents: d, edges: vec![] },
        target_latents: vec![],
    }
}

fn tolerance(metric: &str) -> f64 {
    if metric.starts_with("r2_") { FITTED_TOLERANCE } else { TOLERANCE }
}

/// `Ok` when `computed` matches the fixture's expectation for `metric`:
/// values within tolerance, or an error where none is expected.
fn check(fixture: &Fixture, metric: &str, computed: Result<Vec<MetricValue>, String>) -> Result<(), String> {
    match (fixture.expected(metric), computed) {
        (Some(expected), Ok(computed)) => agree(&computed, &expected, tolerance(metric)),
        (Some(_), Err(e)) => Err(format!("expected a value, got the error {e}")),
        (None, Ok(values)) => Err(format!("undefined on this fixture, but got {values:?}")),
        (None, Err(_)) => Ok(()),
    }
}

/// `Ok` when `computed` has the expected time points and values within `tolerance`.
fn agree(computed: &[MetricValue], expected: &[MetricValue], tolerance: f64) -> Result<(), String> {
    let times = |v: &[MetricValue]| v.iter().map(|m| m.time_point).collect::<Vec<_>>();
    if times(computed) != times(expected) {
        return Err(format!("time points {:?}, expected {:?}", times(computed), times(expected)));
    }
    for (c, e) in computed.iter().zip(expected) {
        if (c.value - e.value).abs() > tolerance {
            return Err(format!("at {:?}: {} but the reference says {}", c.time_point, c.value, e.value));
        }
    }
    Ok(())
}

/// A latent metric of a fixture, with the estimate's rows optionally reordered.
fn latent_metric_of(fixture: &Fixture, metric: &dyn Metric, reorder: impl Fn(&Matrix) -> Matrix) -> Result<Vec<MetricValue>, String> {
    let time_point: Vec<u32> = fixture.list("time_point");
    let n = time_point.len();
    let data = dataset(Matrix::zeros(n, 1), time_point, vec![0; n], vec![Perturbation::control()], vec![]);
    let truth = truth(fixture.matrix("truth").clone(), fixture.blocks("truth_blocks"));
    let estimate = LatentEstimate { latents: reorder(fixture.matrix("estimate")), blocks: fixture.blocks("estimate_blocks") };
    let encoded_rows: Vec<usize> = fixture.list("encoded_rows");
    let input =
        MetricInput { dataset: &data, truth: &truth, encoded_rows: &encoded_rows, latents: Some(&estimate), predictions: None };
    metric.compute(&input).map_err(|e| e.to_string())
}

/// The dataset and predictions of an OOD fixture, every predicted cell
/// scaled by `scale`.
fn ood_input(fixture: &Fixture, scale: f32) -> (Dataset, Vec<Prediction>) {
    let targets: Vec<String> = fixture.list("target_names");
    let parse = |label: &str| Perturbation::parse(label, &targets).unwrap();
    let table = fixture.list::<String>("perturbations").iter().map(|l| parse(l)).collect();
    let x = fixture.matrix("x").clone();
    let data = dataset(x, fixture.list("time_point"), fixture.list("perturbation"), table, targets.clone());
    let predictions: Vec<Prediction> = fixture
        .predictions
        .iter()
        .map(|(label, t, cells)| {
            let scaled = cells.as_slice().iter().map(|v| v * scale).collect();
            Prediction {
                perturbation: parse(label),
                time_point: *t,
                cells: Matrix::new(cells.rows(), cells.cols(), scaled).unwrap(),
            }
        })
        .collect();
    (data, predictions)
}

/// An OOD metric of a fixture, with every predicted cell scaled by `scale`.
fn ood_of(fixture: &Fixture, metric: &dyn Metric, scale: f32) -> Result<Vec<MetricValue>, String> {
    let (data, predictions) = ood_input(fixture, scale);
    let truth = truth(Matrix::zeros(data.observations.len(), 1), vec![LatentBlock::Unlabelled]);
    let input =
        MetricInput { dataset: &data, truth: &truth, encoded_rows: &[], latents: None, predictions: Some(&predictions) };
    metric.compute(&input).map_err(|e| e.to_string())
}

/// The bootstrap ceiling of an OOD metric on a fixture.
fn ceiling_of(fixture: &Fixture, metric: &dyn Metric) -> Result<Vec<MetricValue>, String> {
    let (data, predictions) = ood_input(fixture, 1.0);
    let conditions: Vec<(Perturbation, u32)> =
        predictions.iter().map(|p| (p.perturbation.clone(), p.time_point)).collect();
    let seed = fixture.list::<u64>("ceiling_seed")[0];
    ceiling(metric, &data, &conditions, seed).map_err(|e| e.to_string())
}

fn metrics_needing(needs: MetricNeeds) -> Vec<&'static str> {
    MetricRegistry::default().iter().filter(|m| m.needs() == needs).map(|m| m.name()).collect()
}

// In a module so that `cargo test -p citebench-core metrics` selects them.
mod metrics {
    use super::*;

    #[test]
    fn latent_metrics_agree_with_scipy_and_sklearn() {
        let registry = MetricRegistry::default();
        let mut checked = 0;
        for case in LATENT_CASES {
            let fixture = Fixture::read(case);
            for name in metrics_needing(MetricNeeds::Latents) {
                let metric = registry.get(name).unwrap();
                check(&fixture, name, latent_metric_of(&fixture, metric, Matrix::clone))
                    .unwrap_or_else(|e| panic!("{name} on {case}: {e}"));
                checked += fixture.expected(name).is_some() as usize;
            }
        }
        assert!(checked >= 60, "only {checked} expected values were checked");
    }

    #[test]
    fn ood_metrics_and_their_ceilings_agree_with_scipy() {
        let registry = MetricRegistry::default();
        for case in OOD_CASES {
            let fixture = Fixture::read(&format!("ood_{case}"));
            for name in metrics_needing(MetricNeeds::Predictions) {
                let metric = registry.get(name).unwrap();
                check(&fixture, name, ood_of(&fixture, metric, 1.0)).unwrap_or_else(|e| panic!("{name} on {case}: {e}"));
                check(&fixture, &format!("ceiling_{name}"), ceiling_of(&fixture, metric))
                    .unwrap_or_else(|e| panic!("ceiling of {name} on {case}: {e}"));
            }
        }
    }

    #[test]
    fn every_metric_has_a_reference() {
        let covered = |name: &str| {
            LATENT_CASES.iter().map(|c| c.to_string()).chain(OOD_CASES.iter().map(|c| format!("ood_{c}")))
                .any(|case| Fixture::read(&case).expected(name).is_some())
        };
        for name in MetricRegistry::default().names() {
            assert!(covered(name), "no fixture checks {name}");
        }
    }

    /// The comparisons above can fail: slightly wrong inputs are caught.
    #[test]
    fn wrong_inputs_disagree_with_the_fixtures() {
        let registry = MetricRegistry::default();
        let fixture = Fixture::read("mcc_noisy_square");
        let reversed = |m: &Matrix| m.select_rows(&(0..m.rows()).rev().collect::<Vec<_>>());
        for name in metrics_needing(MetricNeeds::Latents).into_iter().filter(|n| fixture.expected(n).is_some()) {
            let computed = latent_metric_of(&fixture, registry.get(name).unwrap(), reversed);
            assert!(check(&fixture, name, computed).is_err(), "{name}");
        }

        let fixture = Fixture::read("ood_additive_model");
        for name in metrics_needing(MetricNeeds::Predictions) {
            // Scaling the predicted cells by 1.001 moves every mean, delta and distance a little.
            let computed = ood_of(&fixture, registry.get(name).unwrap(), 1.001);
            assert!(check(&fixture, name, computed).is_err(), "{name}");
        }
    }
}
