//! The summary printed at the end of a run: each model's overall value of
//! each metric at each sweep point, averaged over seeds, with its spread.

use super::results::{ResultRow, RowStatus};
use crate::scenario::short_names;
use std::collections::BTreeMap;

/// Mean and spread of one (model, metric) over seeds.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryCell {
    pub mean: f64,
    /// Sample standard deviation over seeds; 0 for a single seed.
    pub std: f64,
    pub n: usize,
}

/// Overall values by model, sweep point and metric, plus the failures to report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    pub models: Vec<String>,
    /// (model, sweep point) pairs in the order they first appear; the point
    /// is a label such as `time_points=8`, empty without a sweep.
    pub rows: Vec<(String, String)>,
    pub metrics: Vec<String>,
    /// Keyed by (model, point, metric).
    pub cells: BTreeMap<(String, String, String), SummaryCell>,
    /// Every error and skip, deduplicated, in the order they happened.
    pub problems: Vec<Problem>,
}

/// A model or metric that produced no value, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub model: String,
    /// `-` when the failure came before any metric (fit, simulation).
    pub metric: String,
    pub status: RowStatus,
    pub message: String,
}

impl Summary {
    /// Summarises rows; models, points and metrics keep the order they
    /// first appear in.
    pub fn from_rows(rows: &[ResultRow]) -> Self {
        let mut summary = Summary::default();
        let mut values: BTreeMap<(String, String, String), Vec<f64>> = BTreeMap::new();
        let mut columns: Vec<String> = Vec::new();
        for (column, _) in rows.iter().flat_map(|r| &r.point) {
            if !columns.contains(column) {
                columns.push(column.clone());
            }
        }
        let names = short_names(&columns);
        for row in rows {
            if !summary.models.contains(&row.model) {
                summary.models.push(row.model.clone());
            }
            let point: Vec<String> = (row.point.iter())
                .map(|(c, v)| format!("{}={v}", columns.iter().position(|x| x == c).map_or(c, |i| &names[i])))
                .collect();
            let key = (row.model.clone(), point.join(" "));
            if !summary.rows.contains(&key) {
                summary.rows.push(key.clone());
            }
            if row.metric != "-" && !summary.metrics.contains(&row.metric) {
                summary.metrics.push(row.metric.clone());
            }
            match (row.status, row.time_point, row.value) {
                (RowStatus::Ok, None, Some(v)) => {
                    values.entry((key.0, key.1, row.metric.clone())).or_default().push(v);
                }
                (RowStatus::Ok, _, _) => {}
                (status, _, _) => {
                    let problem =
                        Problem { model: row.model.clone(), metric: row.metric.clone(), status, message: row.message.clone() };
                    if !summary.problems.contains(&problem) {
                        summary.problems.push(problem);
                    }
                }
            }
        }
        for (key, v) in values {
            let n = v.len();
            let mean = v.iter().sum::<f64>() / n as f64;
            let std = if n > 1 { (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0)).sqrt() } else { 0.0 };
            summary.cells.insert(key, SummaryCell { mean, std, n });
        }
        summary
    }

    pub fn get(&self, model: &str, point: &str, metric: &str) -> Option<&SummaryCell> {
        self.cells.get(&(model.to_string(), point.to_string(), metric.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(model: &str, metric: &str, t: Option<f32>, value: Option<f64>, status: RowStatus) -> ResultRow {
        ResultRow {
            scenario: "s".into(),
            seed: 0,
            model: model.into(),
            metric: metric.into(),
            time_point: t,
            value,
            seconds: 0.0,
            status,
            message: if status == RowStatus::Ok { String::new() } else { "boom".into() },
            point: Vec::new(),
            job: None,
        }
    }

    #[test]
    fn averages_overall_values_over_seeds_and_lists_problems() {
        let rows = vec![
            row("a", "mcc", None, Some(0.5), RowStatus::Ok),
            row("a", "mcc", Some(1.0), Some(0.0), RowStatus::Ok),
            row("a", "mcc", None, Some(0.7), RowStatus::Ok),
            row("b", "-", None, None, RowStatus::Error),
        ];
        let s = Summary::from_rows(&rows);
        let cell = s.get("a", "", "mcc").unwrap();
        assert!((cell.mean - 0.6).abs() < 1e-12);
        assert!((cell.std - 0.02f64.sqrt()).abs() < 1e-12);
        assert_eq!(s.models, vec!["a", "b"]);
        assert_eq!(s.metrics, vec!["mcc"]);
        let problem = Problem { model: "b".into(), metric: "-".into(), status: RowStatus::Error, message: "boom".into() };
        assert_eq!(s.problems, vec![problem]);
    }

    #[test]
    fn sweep_points_are_summarised_apart() {
        let at = |points: usize, value: f64| ResultRow {
            point: vec![("simulator.config.time_points".into(), points.to_string())],
            ..row("a", "mcc", None, Some(value), RowStatus::Ok)
        };
        let s = Summary::from_rows(&[at(2, 0.2), at(8, 0.8), at(2, 0.4)]);
        assert_eq!(s.rows, vec![("a".to_string(), "time_points=2".to_string()), ("a".to_string(), "time_points=8".to_string())]);
        assert!((s.get("a", "time_points=2", "mcc").unwrap().mean - 0.3).abs() < 1e-12);
        assert_eq!(s.get("a", "time_points=8", "mcc").unwrap().n, 1);
    }
}
