//! The prepared matrix: X streamed through the preparation steps, in at
//! most two passes over the file.
//!
//! Order of the steps (each in `citebench-prepare`): library size of each
//! kept cell over every gene of the file; total-count normalisation; log1p;
//! highly variable genes from the moments of all kept cells (a first pass,
//! only when asked for); then either each cell's prepared values of the
//! kept genes, or their mean per (perturbation, time point, replicate)
//! (pseudo-bulk). Memory is the output plus one block of X, and the output
//! is checked against `max_memory_gib` before any of X is read.

use crate::{Design, H5adConfig, SourceError};
use citebench_anndata::AnnData;
use citebench_prepare::{GeneMoments, Normalisation, Pseudobulk, highly_variable_genes};
use std::collections::BTreeMap;

/// Prepared rows (cells, or pseudo-bulk profiles) and their conditions.
#[derive(Clone, Debug, PartialEq)]
pub struct Prepared {
    pub rows: usize,
    pub values: Vec<f32>,
    pub genes: Vec<usize>,
    /// Per row: (perturbation, time point, replicate) as in [`Design`].
    pub conditions: Vec<(u32, u32, u32)>,
    /// Per row: the file row of a cell, or the pseudo-bulk group's index.
    pub units: Vec<u64>,
}

pub fn prepare(data: &AnnData, design: &Design, config: &H5adConfig) -> Result<Prepared, SourceError> {
    let max_bytes = config.max_bytes();
    let normalisation = Normalisation { target_sum: config.normalise_total.then_some(config.target_sum), log1p: config.log1p };
    let mut slot = vec![u32::MAX; data.n_obs()];
    for (i, cell) in design.cells.iter().enumerate() {
        slot[cell.row] = i as u32;
    }
    let n_genes_out = config.highly_variable_genes.map_or(data.n_vars(), |n| n.min(data.n_vars()));
    let groups: BTreeMap<(u32, u32, u32), usize> = if config.pseudobulk {
        let keys: std::collections::BTreeSet<_> = design.cells.iter().map(|c| (c.perturbation, c.time_point, c.replicate)).collect();
        keys.into_iter().enumerate().map(|(i, k)| (k, i)).collect()
    } else {
        BTreeMap::new()
    };
    let out_bytes = if config.pseudobulk { groups.len() * n_genes_out * 8 } else { design.cells.len() * n_genes_out * 4 };
    if out_bytes > max_bytes {
        let what = if config.pseudobulk { format!("{} pseudo-bulk profiles", groups.len()) } else { format!("{} cells", design.cells.len()) };
        return Err(SourceError::data(data, format!(
            "{what} x {n_genes_out} genes would take {:.2} GiB, above max_memory_gib = {}; keep fewer genes (`highly_variable_genes`), fewer cells, or set `pseudobulk = true`",
            out_bytes as f64 / (1u64 << 30) as f64,
            config.max_memory_gib
        )));
    }

    let genes: Vec<usize> = match config.highly_variable_genes {
        Some(n_top) => {
            let mut moments = GeneMoments::new(data.n_vars());
            data.x_rows(max_bytes, |block| {
                for r in 0..block.rows() {
                    if slot[block.first_row + r] != u32::MAX {
                        let (columns, values) = block.row(r);
                        let scale = normalisation.scale(Normalisation::total(values));
                        moments.add(columns, values.iter().map(|&v| normalisation.scaled(v, scale)));
                    }
                }
            })?;
            highly_variable_genes(&moments, n_top, config.hvg_bins).map_err(|e| SourceError::data(data, format!("highly variable genes: {e}")))?.selected
        }
        None => (0..data.n_vars()).collect(),
    };
    let mut column = vec![u32::MAX; data.n_vars()];
    for (new, &old) in genes.iter().enumerate() {
        column[old] = new as u32;
    }
    let n = genes.len();

    let mut kept_columns = Vec::new();
    let mut kept_values = Vec::new();
    let mut cells = vec![0f32; if config.pseudobulk { 0 } else { design.cells.len() * n }];
    let mut bulk = Pseudobulk::new(groups.len(), n);
    data.x_rows(max_bytes, |block| {
        for r in 0..block.rows() {
            let cell = slot[block.first_row + r];
            if cell == u32::MAX {
                continue;
            }
            let (columns, values) = block.row(r);
            let scale = normalisation.scale(Normalisation::total(values));
            kept_columns.clear();
            kept_values.clear();
            for (&c, &v) in columns.iter().zip(values) {
                if column[c as usize] != u32::MAX {
                    kept_columns.push(column[c as usize]);
                    kept_values.push(normalisation.apply(v, scale));
                }
            }
            let c = design.cells[cell as usize];
            if config.pseudobulk {
                bulk.add(groups[&(c.perturbation, c.time_point, c.replicate)], &kept_columns, &kept_values);
            } else {
                let row = &mut cells[cell as usize * n..(cell as usize + 1) * n];
                for (&g, &v) in kept_columns.iter().zip(&kept_values) {
                    row[g as usize] = v;
                }
            }
        }
    })?;
    Ok(if config.pseudobulk {
        Prepared {
            rows: groups.len(),
            values: bulk.means(),
            genes,
            conditions: groups.keys().copied().collect(),
            units: (0..groups.len() as u64).collect(),
        }
    } else {
        Prepared {
            rows: design.cells.len(),
            values: cells,
            genes,
            conditions: design.cells.iter().map(|c| (c.perturbation, c.time_point, c.replicate)).collect(),
            units: design.cells.iter().map(|c| c.row as u64).collect(),
        }
    })
}
