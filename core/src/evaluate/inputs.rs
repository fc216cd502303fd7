//! The two table layouts `evaluate` reads (see the module doc of
//! [`super`]), turned into what the metrics take: a dataset, its truth, and
//! the model's latents or predicted cells.

use super::EvaluateError;
use super::table::Table;
use crate::data::{Dataset, GroundTruth, LatentBlock, LatentGraph, Matrix, Observations, Perturbation};
use crate::metric::Prediction;
use crate::model::LatentEstimate;

pub const TIME_POINT: &str = "time_point";
pub const PERTURBATION: &str = "perturbation";
pub const CELL: &str = "cell";
/// The columns with a meaning besides data: every other column is a gene or a latent.
pub const OBS_COLUMNS: [&str; 3] = [PERTURBATION, TIME_POINT, CELL];
pub(super) const INVARIANT_PREFIX: &str = "invariant_";
pub(super) const DYNAMIC_PREFIX: &str = "dynamic_";

/// True and estimated latents of the same rows.
pub(super) struct LatentInputs {
    pub dataset: Dataset,
    pub truth: GroundTruth,
    pub estimate: LatentEstimate,
}

/// Observed cells, and the cells a model predicted for perturbed conditions.
pub(super) struct ExpressionInputs {
    pub dataset: Dataset,
    pub predictions: Vec<Prediction>,
}

/// The block a latent column's name puts it in.
fn block_of(name: &str) -> LatentBlock {
    if name.starts_with(INVARIANT_PREFIX) {
        LatentBlock::Invariant
    } else if name.starts_with(DYNAMIC_PREFIX) {
        LatentBlock::Dynamic
    } else {
        LatentBlock::Unlabelled
    }
}

/// The columns of `table` other than `reserved`, with their names.
fn data_columns(table: &Table, reserved: &[&str], what: &str) -> Result<(Vec<usize>, Vec<String>), EvaluateError> {
    let (columns, names): (Vec<usize>, Vec<String>) =
        table.header().iter().enumerate().filter(|(_, h)| !reserved.contains(&h.as_str())).map(|(j, h)| (j, h.clone())).unzip();
    if columns.is_empty() {
        return Err(table.error(format!("has no {what} columns (every column but {} is one)", reserved.join(", "))));
    }
    Ok((columns, names))
}

/// Each row's time point index and the sorted distinct time values; every
/// row is at time point 0 (value 0) without a `time_point` column.
fn time_points(table: &Table) -> Result<(Vec<u32>, Vec<f32>), EvaluateError> {
    let Some(times) = table.numbers(TIME_POINT)? else {
        return Ok((vec![0; table.len()], vec![0.0]));
    };
    let mut values = times.clone();
    values.sort_by(f32::total_cmp);
    values.dedup();
    let index = times.iter().map(|t| values.partition_point(|v| v < t) as u32).collect();
    Ok((index, values))
}

/// The latents layout: the truth's and the estimate's rows are paired in order.
pub(super) fn latents(truth: &Table, estimate: &Table) -> Result<LatentInputs, EvaluateError> {
    if estimate.column(PERTURBATION).is_some() {
        return Err(estimate.error(format!(
            "has a `{PERTURBATION}` column, so it holds expression, but the truth {} holds latents (it has none)",
            truth.path().display()
        )));
    }
    if estimate.len() != truth.len() {
        return Err(estimate.error(format!(
            "has {} rows but the truth {} has {}; rows are paired in order",
            estimate.len(),
            truth.path().display(),
            truth.len()
        )));
    }
    if let (Some(ours), Some(theirs)) = (estimate.text(CELL), truth.text(CELL))
        && let Some(i) = (0..ours.len()).find(|&i| ours[i] != theirs[i])
    {
        let message = format!("`{CELL}` is `{}` but the truth's row {} is `{}`; rows are paired in order", ours[i], i + 1, theirs[i]);
        return Err(estimate.row_error(i, message));
    }
    let (time_point, time_values) = time_points(truth)?;
    if let (Some(ours), Some(theirs)) = (estimate.numbers(TIME_POINT)?, truth.numbers(TIME_POINT)?)
        && let Some(i) = (0..ours.len()).find(|&i| ours[i] != theirs[i])
    {
        return Err(estimate.row_error(i, format!("`{TIME_POINT}` is {} but the truth's row says {}", ours[i], theirs[i])));
    }
    let reserved = [TIME_POINT, CELL];
    let (truth_columns, truth_names) = data_columns(truth, &reserved, "latent")?;
    let (estimate_columns, estimate_names) = data_columns(estimate, &reserved, "latent")?;
    let n = truth.len();
    let observations = Observations::new(
        Matrix::zeros(n, 0),
        time_point,
        vec![0; n],
        vec![0; n],
        (0..n as u64).collect(),
        vec![Perturbation::control()],
        time_values,
        0,
    )
    .map_err(|e| truth.error(e.to_string()))?;
    let dataset = Dataset::new(observations, vec![], vec![]).map_err(|e| truth.error(e.to_string()))?;
    let latents = truth.matrix(&truth_columns)?;
    Ok(LatentInputs {
        dataset,
        truth: GroundTruth {
            graph: LatentGraph { n_latents: latents.cols(), edges: vec![] },
            latents,
            blocks: truth_names.iter().map(|n| block_of(n)).collect(),
            target_latents: vec![],
        },
        estimate: LatentEstimate {
            latents: estimate.matrix(&estimate_columns)?,
            blocks: estimate_names.iter().map(|n| block_of(n)).collect(),
        },
    })
}

/// The expression layout: observed cells, and predicted cells grouped by
/// (perturbation, time point) into one prediction per condition.
pub(super) fn expression(truth: &Table, estimate: &Table) -> Result<ExpressionInputs, EvaluateError> {
    let Some(labels) = estimate.text(PERTURBATION) else {
        return Err(estimate.error(format!(
            "has no `{PERTURBATION}` column; the truth {} holds expression, so the estimate must be predicted cells \
             labelled by perturbation",
            truth.path().display()
        )));
    };
    let reserved = [PERTURBATION, TIME_POINT, CELL];
    let (truth_columns, genes) = data_columns(truth, &reserved, "gene")?;
    let (estimate_columns, estimate_genes) = data_columns(estimate, &reserved, "gene")?;
    if estimate_genes != genes {
        let j = (0..genes.len().max(estimate_genes.len())).find(|&j| genes.get(j) != estimate_genes.get(j)).unwrap_or(0);
        let name = |names: &[String]| names.get(j).map_or("nothing".to_string(), |g| format!("`{g}`"));
        return Err(estimate.error(format!(
            "gene column {} is {} but the truth's is {}; expected the truth's {} gene columns in the same order",
            j + 1,
            name(&estimate_genes),
            name(&genes),
            genes.len()
        )));
    }
    if truth.column(TIME_POINT).is_some() != estimate.column(TIME_POINT).is_some() {
        let (with, without) = if truth.column(TIME_POINT).is_some() { (truth, estimate) } else { (estimate, truth) };
        return Err(without.error(format!("has no `{TIME_POINT}` column but {} has one", with.path().display())));
    }

    // Targets and perturbations, in order of first appearance in the truth.
    let truth_labels = truth.text(PERTURBATION).unwrap_or_default();
    let mut targets: Vec<String> = Vec::new();
    for label in &truth_labels {
        for name in label.split('+').map(str::trim).filter(|n| !n.is_empty() && *n != "control") {
            if !targets.iter().any(|t| t == name) {
                targets.push(name.to_string());
            }
        }
    }
    let mut table: Vec<Perturbation> = Vec::new();
    let mut perturbation = Vec::with_capacity(truth.len());
    for (i, label) in truth_labels.iter().enumerate() {
        let p = Perturbation::parse(label, &targets).map_err(|e| truth.row_error(i, e.to_string()))?;
        let index = table.iter().position(|q| *q == p).unwrap_or_else(|| {
            table.push(p);
            table.len() - 1
        });
        perturbation.push(index as u32);
    }
    let (time_point, time_values) = time_points(truth)?;
    let n = truth.len();
    let observations = Observations::new(
        truth.matrix(&truth_columns)?,
        time_point,
        perturbation,
        vec![0; n],
        (0..n as u64).collect(),
        table,
        time_values.clone(),
        targets.len() as u32,
    )
    .map_err(|e| truth.error(e.to_string()))?;
    let dataset = Dataset::new(observations, targets, genes).map_err(|e| truth.error(e.to_string()))?;

    let cells = estimate.matrix(&estimate_columns)?;
    let estimate_times = estimate.numbers(TIME_POINT)?.unwrap_or_else(|| vec![0.0; estimate.len()]);
    // (perturbation, time point, rows), in order of first appearance.
    let mut conditions: Vec<(Perturbation, u32, Vec<usize>)> = Vec::new();
    for (i, label) in labels.iter().enumerate() {
        let p = Perturbation::parse(label, &dataset.target_names).map_err(|e| estimate.row_error(i, e.to_string()))?;
        let Some(t) = time_values.iter().position(|&v| v == estimate_times[i]) else {
            return Err(estimate.row_error(i, format!("time point {} is not among the truth's", estimate_times[i])));
        };
        // Control rows are not scored: the control is not held out.
        if p.is_control() {
            continue;
        }
        let t = t as u32;
        match conditions.iter_mut().find(|(q, s, _)| *q == p && *s == t) {
            Some((_, _, rows)) => rows.push(i),
            None => {
                if dataset.observations.rows_where(&p, t).is_empty() {
                    return Err(estimate.row_error(
                        i,
                        format!("the truth {} has no cells of `{label}` at time point {}", truth.path().display(), time_values[t as usize]),
                    ));
                }
                conditions.push((p, t, vec![i]));
            }
        }
    }
    if conditions.is_empty() {
        return Err(estimate.error("predicts no perturbed condition (only control rows): nothing to score".into()));
    }
    let predictions = conditions
        .into_iter()
        .map(|(perturbation, time_point, rows)| Prediction { perturbation, time_point, cells: cells.select_rows(&rows) })
        .collect();
    Ok(ExpressionInputs { dataset, predictions })
}
