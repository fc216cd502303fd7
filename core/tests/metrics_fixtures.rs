//! The metrics against reference values computed independently with numpy
//! and scipy by `tests/fixtures/metrics/make_metric_fixtures.py` (its
//! docstring describes the file format). Inputs are f32 values, so Rust and
//! Python see the same numbers and must agree to accumulation error.

use citebench_core::data::{Dataset, GroundTruth, LatentBlock, LatentGraph, Matrix, Observations, Perturbation};
use citebench_core::metric::{Metric, MetricInput, MetricRegistry, MetricValue, Prediction};
use citebench_core::model::LatentEstimate;
use std::collections::HashMap;
use std::path::PathBuf;

const TOLERANCE: f64 = 1e-6;
const MCC_CASES: [&str; 6] =
    ["permuted_scaled", "noisy_square", "more_estimated", "fewer_estimated", "constant_column", "encoded_subset"];
const OOD_CASES: [&str; 3] = ["additive_model", "control_mean_model", "three_time_points"];

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

    /// The expected values of `metric`: overall, then per time point.
    fn expected(&self, metric: &str) -> Vec<MetricValue> {
        let times = self.list::<u32>("expected_time_points").into_iter().map(Some);
        std::iter::once(None)
            .chain(times)
            .zip(self.list::<f64>(&format!("expected_{metric}")))
            .map(|(time_point, value)| MetricValue { time_point, value })
            .collect()
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

fn truth(latents: Matrix) -> GroundTruth {
    let d = latents.cols();
    GroundTruth {
        latents,
        blocks: vec![LatentBlock::Unlabelled; d],
        graph: LatentGraph { n_latents: d, edges: vec![] },
        target_latents: vec![],
    }
}

/// Computes the metric called `name` through the registry, as the runner does.
fn compute(name: &str, input: &MetricInput<'_>) -> Vec<MetricValue> {
    let registry = MetricRegistry::default();
    let metric: &dyn Metric = registry.get(name).unwrap_or_else(|| panic!("no metric `{name}`"));
    metric.compute(input).unwrap_or_else(|e| panic!("{e}"))
}

/// `Ok` when `computed` has the expected time points and values within [`TOLERANCE`].
fn agree(computed: &[MetricValue], expected: &[MetricValue]) -> Result<(), String> {
    let times = |v: &[MetricValue]| v.iter().map(|m| m.time_point).collect::<Vec<_>>();
    if times(computed) != times(expected) {
        return Err(format!("time points {:?}, expected {:?}", times(computed), times(expected)));
    }
    for (c, e) in computed.iter().zip(expected) {
        if (c.value - e.value).abs() > TOLERANCE {
            return Err(format!("at {:?}: {} but scipy says {}", c.time_point, c.value, e.value));
        }
    }
    Ok(())
}

/// MCC of a fixture, with the estimate's rows optionally reordered.
fn mcc_of(fixture: &Fixture, reorder: impl Fn(&Matrix) -> Matrix) -> Vec<MetricValue> {
    let time_point: Vec<u32> = fixture.list("time_point");
    let n = time_point.len();
    let data = dataset(Matrix::zeros(n, 1), time_point, vec![0; n], vec![Perturbation::control()], vec![]);
    let truth = truth(fixture.matrix("truth").clone());
    let latents = reorder(fixture.matrix("estimate"));
    let estimate = LatentEstimate { blocks: vec![LatentBlock::Unlabelled; latents.cols()], latents };
    let encoded_rows: Vec<usize> = fixture.list("encoded_rows");
    compute(
        "mcc",
        &MetricInput {
            dataset: &data,
            truth: &truth,
            encoded_rows: &encoded_rows,
            latents: Some(&estimate),
            predictions: None,
        },
    )
}

/// An OOD metric of a fixture, with every predicted cell scaled by `scale`.
fn ood_of(fixture: &Fixture, name: &str, scale: f32) -> Vec<MetricValue> {
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
    let truth = truth(Matrix::zeros(data.observations.len(), 1));
    compute(
        name,
        &MetricInput {
            dataset: &data,
            truth: &truth,
            encoded_rows: &[],
            latents: None,
            predictions: Some(&predictions),
        },
    )
}

// In a module so that `cargo test -p citebench-core metrics` selects them.
mod metrics {
    use super::*;

    #[test]
    fn mcc_agrees_with_scipy() {
        for case in MCC_CASES {
            let fixture = Fixture::read(&format!("mcc_{case}"));
            agree(&mcc_of(&fixture, Matrix::clone), &fixture.expected("mcc"))
                .unwrap_or_else(|e| panic!("mcc {case}: {e}"));
        }
    }

    #[test]
    fn ood_metrics_agree_with_scipy() {
        for case in OOD_CASES {
            let fixture = Fixture::read(&format!("ood_{case}"));
            for name in ["ood_mse", "pearson_delta"] {
                agree(&ood_of(&fixture, name, 1.0), &fixture.expected(name))
                    .unwrap_or_else(|e| panic!("{name} {case}: {e}"));
            }
        }
    }

    /// The comparisons above can fail: slightly wrong inputs are caught.
    #[test]
    fn wrong_inputs_disagree_with_the_fixtures() {
        let fixture = Fixture::read("mcc_noisy_square");
        let reversed = |m: &Matrix| m.select_rows(&(0..m.rows()).rev().collect::<Vec<_>>());
        assert!(agree(&mcc_of(&fixture, reversed), &fixture.expected("mcc")).is_err());

        let fixture = Fixture::read("ood_additive_model");
        for name in ["ood_mse", "pearson_delta"] {
            // Scaling the predicted cells by 1.001 moves every mean and delta a little.
            assert!(agree(&ood_of(&fixture, name, 1.001), &fixture.expected(name)).is_err(), "{name}");
        }
    }
}
