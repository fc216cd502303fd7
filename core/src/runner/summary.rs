//! The summary printed at the end of a run: each model's overall value of
//! each metric, averaged over seeds, with its spread.

use super::results::{ResultRow, RowStatus};
use std::collections::BTreeMap;

/// Mean and spread of one (model, metric) over seeds.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryCell {
    pub mean: f64,
    /// Sample standard deviation over seeds; 0 for a single seed.
    pub std: f64,
    pub n: usize,
}

/// Overall values by model and metric, plus the failures to report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    pub models: Vec<String>,
    pub metrics: Vec<String>,
    pub cells: BTreeMap<(String, String), SummaryCell>,
    /// (model, metric, message) of every error and skip, deduplicated.
    pub problems: Vec<(String, String, String)>,
}

impl Summary {
    /// Summarises rows; models and metrics keep the order they first appear in.
    pub fn from_rows(rows: &[ResultRow]) -> Self {
        let mut summary = Summary::default();
        let mut values: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
        for row in rows {
            if !summary.models.contains(&row.model) {
                summary.models.push(row.model.clone());
            }
            match (row.status, row.time_point, row.value) {
                (RowStatus::Ok, None, Some(v)) => {
                    if !summary.metrics.contains(&row.metric) {
                        summary.metrics.push(row.metric.clone());
                    }
                    values.entry((row.model.clone(), row.metric.clone())).or_default().push(v);
                }
                (RowStatus::Ok, _, _) => {}
                _ => {
                    let problem = (row.model.clone(), row.metric.clone(), row.message.clone());
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

    pub fn get(&self, model: &str, metric: &str) -> Option<&SummaryCell> {
        self.cells.get(&(model.to_string(), metric.to_string()))
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
        let cell = s.get("a", "mcc").unwrap();
        assert!((cell.mean - 0.6).abs() < 1e-12);
        assert!((cell.std - 0.02f64.sqrt()).abs() < 1e-12);
        assert_eq!(s.models, vec!["a", "b"]);
        assert_eq!(s.problems, vec![("b".to_string(), "-".to_string(), "boom".to_string())]);
    }
}
