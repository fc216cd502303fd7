//! What the plots show, as data: each metric against a swept key, as the
//! mean and spread over seeds, one series per model.
//!
//! For each swept column and each metric there is one chart of the overall
//! values (`time_point` = `all`). A model's rows that also differ in other
//! swept keys make one series per combination of those, labelled with
//! them; a model the key does not apply to (another model's
//! hyperparameter) is left out of that chart. A results file without a
//! sweep gets one chart per metric against the time point instead. Keeping
//! this apart from the drawing lets tests check the numbers a plot shows.

use super::results::{ResultRow, ResultsTable, RowStatus};
use crate::scenario::short_names;
use std::collections::BTreeMap;

/// One plot: a metric against one axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    pub metric: String,
    /// The axis's short name (`time_points`, or `time_point` without a sweep).
    pub axis: String,
    /// The axis's values as results.csv writes them, in the order they
    /// first appear (the sweep's order).
    pub x: Vec<String>,
    pub series: Vec<Series>,
}

/// One line of a chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The model, with the other swept values that set it apart if any.
    pub label: String,
    pub points: Vec<SeriesPoint>,
}

/// A metric's values over seeds at one x.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesPoint {
    /// Index into [`Chart::x`].
    pub x: usize,
    pub mean: f64,
    /// Sample standard deviation over seeds; 0 for a single seed.
    pub std: f64,
    pub n: usize,
}

/// The charts of a results file.
pub fn charts(table: &ResultsTable) -> Vec<Chart> {
    let rows: Vec<&ResultRow> =
        table.jobs.iter().flat_map(|j| &j.rows).filter(|r| r.status == RowStatus::Ok && r.value.is_some()).collect();
    let mut metrics: Vec<&str> = Vec::new();
    for row in &rows {
        if !metrics.contains(&row.metric.as_str()) {
            metrics.push(&row.metric);
        }
    }
    let names = short_names(&table.swept);
    let mut charts = Vec::new();
    for metric in metrics {
        let of_metric = rows.iter().filter(|r| r.metric == metric);
        if table.swept.is_empty() {
            let per_time = of_metric.filter_map(|r| r.time_point.map(|t| (t.to_string(), r.model.clone(), *r)));
            charts.extend(chart(metric, "time_point", per_time));
            continue;
        }
        for (column, name) in table.swept.iter().zip(&names) {
            let along = of_metric.clone().filter(|r| r.time_point.is_none()).filter_map(|r| {
                let x = r.point.iter().find(|(c, _)| c == column)?.1.clone();
                let others: Vec<String> = (r.point.iter())
                    .filter(|(c, _)| c != column)
                    .map(|(c, v)| format!("{}={v}", table.swept.iter().position(|s| s == c).map_or(c, |i| &names[i])))
                    .collect();
                let label = if others.is_empty() { r.model.clone() } else { format!("{} ({})", r.model, others.join(", ")) };
                Some((x, label, *r))
            });
            charts.extend(chart(metric, name, along));
        }
    }
    charts
}

/// A chart from (x, series label, row) triples; `None` when there are none.
fn chart<'r>(metric: &str, axis: &str, points: impl Iterator<Item = (String, String, &'r ResultRow)>) -> Option<Chart> {
    let mut x: Vec<String> = Vec::new();
    let mut labels: Vec<String> = Vec::new();
    let mut values: BTreeMap<(usize, usize), Vec<f64>> = BTreeMap::new();
    for (at, label, row) in points {
        let xi = x.iter().position(|v| *v == at).unwrap_or_else(|| {
            x.push(at);
            x.len() - 1
        });
        let si = labels.iter().position(|l| *l == label).unwrap_or_else(|| {
            labels.push(label);
            labels.len() - 1
        });
        values.entry((si, xi)).or_default().extend(row.value);
    }
    if labels.is_empty() {
        return None;
    }
    let mut series: Vec<Series> = labels.into_iter().map(|label| Series { label, points: Vec::new() }).collect();
    for ((si, xi), v) in values {
        let n = v.len();
        let mean = v.iter().sum::<f64>() / n as f64;
        let std = if n > 1 { (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0)).sqrt() } else { 0.0 };
        series[si].points.push(SeriesPoint { x: xi, mean, std, n });
    }
    Some(Chart { metric: metric.to_string(), axis: axis.to_string(), x, series })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::results::JobRows;
    use crate::scenario::JobId;

    fn job(model: &str, points: &str, seed: u64, value: f64) -> JobRows {
        let row = ResultRow {
            scenario: "s".into(),
            point: vec![("simulator.config.time_points".into(), points.into())],
            seed,
            model: model.into(),
            metric: "mcc".into(),
            time_point: None,
            value: Some(value),
            seconds: 0.0,
            status: RowStatus::Ok,
            message: String::new(),
            job: Some(JobId(seed)),
        };
        let per_time = ResultRow { time_point: Some(0.0), value: Some(-1.0), ..row.clone() };
        JobRows { id: JobId(seed), rows: vec![row, per_time] }
    }

    #[test]
    fn one_series_per_model_with_mean_and_spread_over_seeds() {
        let table = ResultsTable {
            path: "results.csv".into(),
            swept: vec!["simulator.config.time_points".into()],
            jobs: vec![job("pca", "2", 1, 0.2), job("pca", "2", 2, 0.4), job("pca", "8", 1, 0.9), job("vae", "8", 1, 0.5)],
            incomplete: Vec::new(),
            unfinished_line: false,
        };
        let charts = charts(&table);
        assert_eq!(charts.len(), 1, "per-time-point rows are not plotted against the sweep");
        let chart = &charts[0];
        assert_eq!((chart.metric.as_str(), chart.axis.as_str()), ("mcc", "time_points"));
        assert_eq!(chart.x, vec!["2", "8"]);
        assert_eq!(chart.series.iter().map(|s| s.label.as_str()).collect::<Vec<_>>(), vec!["pca", "vae"]);
        let first = &chart.series[0].points[0];
        assert_eq!((first.x, first.n), (0, 2));
        assert!((first.mean - 0.3).abs() < 1e-12 && (first.std - 0.02f64.sqrt()).abs() < 1e-12);
        assert_eq!(chart.series[1].points, vec![SeriesPoint { x: 1, mean: 0.5, std: 0.0, n: 1 }]);
    }
}
