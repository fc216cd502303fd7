//! Assembling the output: pooling snapshots into pseudo-bulk profiles,
//! normalising counts, and building the [`Simulation`] and its [`Notes`].

use citebench_core::data::{Dataset, Edge, GroundTruth, LatentBlock, LatentGraph, Matrix, Observations, Simulation};
use citebench_core::simulator::SimulatorError;
use citebench_counts::normalise_rows;

use crate::config::ObservationMode;
use crate::output::Notes;
use crate::pseudobulk;
use crate::readout::Rows;
use crate::scm::Scm;

/// The simulation and notes for the recorded `rows` and their features `x`.
pub(crate) fn output(scm: &Scm, rows: Rows, x: Vec<f32>) -> Result<(Simulation, Notes), SimulatorError> {
    let c = &scm.config;
    let m = &scm.mechanisms;
    let (rows, mut x) = match c.observation_mode {
        // Counts pool by summing, as pseudo-bulk RNA-seq does; continuous
        // features by averaging, which keeps them on the scale of a cell.
        ObservationMode::Pseudobulk => pseudobulk::pool(&rows, &x, c.observed, c.counts.is_some()),
        _ => (rows, x),
    };
    if let Some(counts) = &c.counts {
        normalise_rows(&mut x, c.observed, counts.normalise);
    }
    // Only conditions that have rows are listed, in design order.
    let mut present = vec![false; m.design.conditions.len()];
    rows.condition.iter().for_each(|&condition| present[condition as usize] = true);
    let mut index = vec![u32::MAX; present.len()];
    let mut table = Vec::new();
    for (condition, _) in present.iter().enumerate().filter(|(_, present)| **present) {
        index[condition] = table.len() as u32;
        table.push(m.design.conditions[condition].clone());
    }
    let failed = |e: &dyn std::fmt::Display| SimulatorError::Failed(e.to_string());
    let n_rows = rows.keys.len();
    let latents = c.invariant_latents + c.dynamic_latents;
    let observations = Observations::new(
        Matrix::new(n_rows, c.observed, x).map_err(|e| failed(&e))?,
        rows.keys.iter().map(|k| k.time_point).collect(),
        rows.condition.iter().map(|&condition| index[condition as usize]).collect(),
        rows.keys.iter().map(|k| k.replicate).collect(),
        rows.keys.iter().map(|k| k.unit).collect(),
        table,
        m.timeline.steps.iter().map(|&step| step as f32).collect(),
        c.targets,
    )
    .map_err(|e| failed(&e))?;
    let features = (0..c.observed).map(|j| format!("g{j}")).collect();
    let dataset = Dataset::new(observations, m.design.target_names.clone(), features).map_err(|e| failed(&e))?;
    let offset = c.invariant_latents;
    let truth = GroundTruth {
        latents: Matrix::new(n_rows, latents, rows.latents).map_err(|e| failed(&e))?,
        blocks: blocks(c.invariant_latents, c.dynamic_latents),
        graph: LatentGraph { n_latents: latents, edges: edges(scm, offset) },
        target_latents: m
            .interventions
            .target_latents()
            .iter()
            .map(|dynamic| dynamic.iter().map(|i| offset + i).collect())
            .collect(),
    };
    let notes = Notes {
        confounded_latents: m.confounder.iter().map(|(i, _)| offset + i).collect(),
        collapsed_directions: m.collapsed.clone(),
        time_steps: m.timeline.steps.clone(),
    };
    Ok((Simulation { dataset, truth }, notes))
}

/// Invariant latents first, then dynamic ones.
fn blocks(invariant: usize, dynamic: usize) -> Vec<LatentBlock> {
    let invariant = std::iter::repeat_n(LatentBlock::Invariant, invariant);
    invariant.chain(std::iter::repeat_n(LatentBlock::Dynamic, dynamic)).collect()
}

/// The lagged edges of the transition, then the same-step (lag 0) edges.
fn edges(scm: &Scm, offset: usize) -> Vec<Edge> {
    let m = &scm.mechanisms;
    let mut edges = m.transition.edges(offset);
    for (i, parents) in m.contemporaneous.parents.iter().enumerate() {
        edges.extend(parents.iter().map(|&(j, _)| Edge { from: offset + j, to: offset + i, lag: 0 }));
    }
    edges
}
