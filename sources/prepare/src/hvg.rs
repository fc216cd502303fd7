//! Highly variable genes, Seurat flavour, exactly as scanpy 1.11's
//! `highly_variable_genes(adata, flavor="seurat", n_top_genes=N, n_bins=20)`
//! computes them on log1p data.
//!
//! Why this flavour: it is scanpy's default, works on log-normalised data
//! (what citebench prepares) rather than raw counts (`seurat_v3`), and
//! needs only each gene's mean and variance, which [`GeneMoments`] gathers
//! one cell at a time, so a file can be streamed through it.
//!
//! The steps (scanpy's `_highly_variable_genes_single_batch`):
//! 1. per gene, the mean and the variance (ddof 1) of the normalised values
//!    before log1p (scanpy undoes its log1p with expm1); a zero mean
//!    becomes 1e-12;
//! 2. dispersion = ln(variance / mean), missing (NaN) where the variance
//!    is 0; the mean becomes ln(1 + mean);
//! 3. genes are binned by that mean into `n_bins` equal-width bins (pandas
//!    `cut`: edges from min to max, the lowest lowered by 0.1% of the range,
//!    bins closed on the right);
//! 4. each dispersion is normalised by its bin's mean and standard
//!    deviation (ddof 1, missing dispersions ignored); a bin with a single
//!    gene gives that gene a normalised dispersion of 1;
//! 5. the `n_top_genes` largest normalised dispersions are kept, ties at
//!    the cut-off included (so a few more may be kept), missing ones never.

use crate::PrepareError;

/// Per-gene sums of values and of squared values, over cells.
#[derive(Clone, Debug, PartialEq)]
pub struct GeneMoments {
    cells: usize,
    sum: Vec<f64>,
    sum_sq: Vec<f64>,
}

impl GeneMoments {
    pub fn new(genes: usize) -> Self {
        Self { cells: 0, sum: vec![0.0; genes], sum_sq: vec![0.0; genes] }
    }

    /// Adds one cell: `values[k]` in gene `genes[k]`, each gene at most
    /// once; genes not listed are zero.
    pub fn add(&mut self, genes: &[u32], values: impl Iterator<Item = f64>) {
        for (&g, v) in genes.iter().zip(values) {
            self.sum[g as usize] += v;
            self.sum_sq[g as usize] += v * v;
        }
        self.cells += 1;
    }

    pub fn cells(&self) -> usize {
        self.cells
    }

    /// Each gene's mean and variance (ddof 1, R's and scanpy's convention).
    pub fn mean_var(&self) -> Result<(Vec<f64>, Vec<f64>), PrepareError> {
        let n = self.cells;
        if n < 2 {
            return Err(PrepareError::TooFewCells(n));
        }
        let nf = n as f64;
        let mean: Vec<f64> = self.sum.iter().map(|s| s / nf).collect();
        let var = self.sum_sq.iter().zip(&mean).map(|(q, m)| ((q / nf - m * m) * nf / (nf - 1.0)).max(0.0)).collect();
        Ok((mean, var))
    }
}

/// The outcome of the selection, per gene in column order.
#[derive(Clone, Debug, PartialEq)]
pub struct HighlyVariable {
    /// ln(1 + mean), scanpy's `means`.
    pub means: Vec<f64>,
    /// ln(variance / mean), NaN where missing: scanpy's `dispersions`.
    pub dispersions: Vec<f64>,
    /// Dispersions normalised within mean bins: scanpy's `dispersions_norm`.
    pub dispersions_norm: Vec<f64>,
    /// The kept genes, in column order.
    pub selected: Vec<usize>,
}

/// Selects the `n_top_genes` most variable genes from their moments.
pub fn highly_variable_genes(moments: &GeneMoments, n_top_genes: usize, n_bins: usize) -> Result<HighlyVariable, PrepareError> {
    if n_top_genes == 0 {
        return Err(PrepareError::NoGenes);
    }
    if n_bins == 0 {
        return Err(PrepareError::NoBins);
    }
    let (mean, var) = moments.mean_var()?;
    let mut means = Vec::with_capacity(mean.len());
    let mut dispersions = Vec::with_capacity(mean.len());
    for (&m, &v) in mean.iter().zip(&var) {
        let m = if m == 0.0 { 1e-12 } else { m };
        let d = v / m;
        dispersions.push(if d == 0.0 { f64::NAN } else { d.ln() });
        means.push(m.ln_1p());
    }
    let bins = mean_bins(&means, n_bins);
    let dispersions_norm = normalise_in_bins(&dispersions, &bins, n_bins);
    let mut finite: Vec<f64> = dispersions_norm.iter().copied().filter(|d| !d.is_nan()).collect();
    finite.sort_by(|a, b| b.total_cmp(a));
    let selected = match finite.get(n_top_genes.min(finite.len()).saturating_sub(1)) {
        Some(&cut) => (0..dispersions_norm.len()).filter(|&g| dispersions_norm[g] >= cut).collect(),
        None => Vec::new(),
    };
    Ok(HighlyVariable { means, dispersions, dispersions_norm, selected })
}

/// The bin of each value, as pandas `cut(values, bins=n_bins)`: equal
/// width from min to max (numpy `linspace` edges), the first edge lowered
/// by 0.1% of the range, intervals (a, b].
fn mean_bins(values: &[f64], n_bins: usize) -> Vec<usize> {
    let (mut lo, mut hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let constant = lo == hi;
    if constant {
        // pandas widens a zero range by 0.1% on each side.
        let pad = |x: f64| if x != 0.0 { 0.001 * x.abs() } else { 0.001 };
        (lo, hi) = (lo - pad(lo), hi + pad(hi));
    }
    let step = (hi - lo) / n_bins as f64;
    let mut edges: Vec<f64> = (0..=n_bins).map(|i| i as f64 * step + lo).collect();
    edges[n_bins] = hi;
    if !constant {
        edges[0] -= (hi - lo) * 0.001;
    }
    values
        .iter()
        .map(|&v| {
            // The first edge not below v closes v's bin: searchsorted(side="left") - 1.
            let right = edges.partition_point(|&e| e < v);
            right.saturating_sub(1).min(n_bins - 1)
        })
        .collect()
}

/// (dispersion - bin mean) / bin standard deviation, with Seurat's rule for
/// a bin holding a single (non-missing) dispersion.
fn normalise_in_bins(dispersions: &[f64], bins: &[usize], n_bins: usize) -> Vec<f64> {
    let mut stats = vec![(0usize, 0.0f64, 0.0f64); n_bins];
    for (&d, &b) in dispersions.iter().zip(bins) {
        if !d.is_nan() {
            stats[b].0 += 1;
            stats[b].1 += d;
        }
    }
    let avg: Vec<f64> = stats.iter().map(|&(n, s, _)| if n == 0 { f64::NAN } else { s / n as f64 }).collect();
    for (&d, &b) in dispersions.iter().zip(bins) {
        if !d.is_nan() {
            stats[b].2 += (d - avg[b]).powi(2);
        }
    }
    let (mut center, mut scale) = (avg.clone(), vec![f64::NAN; n_bins]);
    for b in 0..n_bins {
        let (n, _, ss) = stats[b];
        if n >= 2 {
            scale[b] = (ss / (n - 1) as f64).sqrt();
        } else {
            // scanpy: a bin whose deviation is missing takes its mean as the
            // deviation and 0 as the mean, so a lone gene scores exactly 1.
            scale[b] = avg[b];
            center[b] = 0.0;
        }
    }
    dispersions.iter().zip(bins).map(|(&d, &b)| (d - center[b]) / scale[b]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(cells: &[&[f64]]) -> GeneMoments {
        let genes = cells[0].len();
        let mut m = GeneMoments::new(genes);
        let columns: Vec<u32> = (0..genes as u32).collect();
        for cell in cells {
            m.add(&columns, cell.iter().copied());
        }
        m
    }

    #[test]
    fn moments_use_ddof_1() {
        let m = moments(&[&[1.0, 0.0], &[3.0, 0.0]]);
        let (mean, var) = m.mean_var().unwrap();
        assert_eq!(mean, vec![2.0, 0.0]);
        assert_eq!(var, vec![2.0, 0.0]);
        assert_eq!(moments(&[&[1.0]]).mean_var(), Err(PrepareError::TooFewCells(1)));
    }

    #[test]
    fn constant_genes_have_no_dispersion_and_are_never_selected() {
        // Gene 2 never varies: missing dispersion, never kept even when
        // more genes are asked for than have a dispersion.
        let m = moments(&[&[1.0, 5.0, 2.0], &[3.0, 0.0, 2.0], &[0.0, 1.0, 2.0]]);
        let hvg = highly_variable_genes(&m, 3, 20).unwrap();
        assert!(hvg.dispersions[2].is_nan() && hvg.dispersions_norm[2].is_nan());
        assert_eq!(hvg.selected, vec![0, 1]);
    }

    #[test]
    fn bins_follow_pandas_cut() {
        // Edges 0 - 0.003, 1, 2, 3: 0 falls in the first bin, 1 closes it.
        assert_eq!(mean_bins(&[0.0, 1.0, 1.5, 3.0], 3), vec![0, 0, 1, 2]);
    }
}
