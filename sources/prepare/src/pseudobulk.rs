//! Pseudo-bulk: the mean prepared profile of each group of cells.
//!
//! Perturbation studies average cells of one (perturbation, time point,
//! replicate) into one profile to remove single-cell noise and to compare
//! conditions at the level replicates are independent (the experimental
//! unit is the replicate, not the cell). The mean is taken over the
//! prepared (normalised, log1p) values, as scanpy's
//! `sc.get.aggregate(..., func="mean")` on log-normalised data; sums are
//! accumulated in f64.

/// Running sums of the cells of each group.
#[derive(Clone, Debug, PartialEq)]
pub struct Pseudobulk {
    genes: usize,
    sums: Vec<f64>,
    counts: Vec<usize>,
}

impl Pseudobulk {
    pub fn new(groups: usize, genes: usize) -> Self {
        Self { genes, sums: vec![0.0; groups * genes], counts: vec![0; groups] }
    }

    /// Adds a cell to `group`: `values[k]` in gene `genes[k]`; genes not
    /// listed are zero.
    pub fn add(&mut self, group: usize, genes: &[u32], values: &[f32]) {
        let row = &mut self.sums[group * self.genes..(group + 1) * self.genes];
        for (&g, &v) in genes.iter().zip(values) {
            row[g as usize] += f64::from(v);
        }
        self.counts[group] += 1;
    }

    /// How many cells each group holds.
    pub fn counts(&self) -> &[usize] {
        &self.counts
    }

    /// The mean profile of each group, row-major (`groups x genes`); a
    /// group with no cells is all zero (callers drop such groups).
    pub fn means(&self) -> Vec<f32> {
        self.sums
            .chunks_exact(self.genes.max(1))
            .zip(&self.counts)
            .flat_map(|(row, &n)| row.iter().map(move |&s| if n == 0 { 0.0 } else { (s / n as f64) as f32 }))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn averages_sparse_cells_per_group() {
        let mut p = Pseudobulk::new(2, 3);
        p.add(0, &[0, 2], &[1.0, 4.0]);
        p.add(0, &[1], &[2.0]);
        p.add(1, &[2], &[6.0]);
        assert_eq!(p.counts(), &[2, 1]);
        assert_eq!(p.means(), vec![0.5, 1.0, 2.0, 0.0, 0.0, 6.0]);
    }

    proptest! {
        /// The mean of a group lies between its cells' smallest and largest
        /// value in every gene (zeros included), whatever the order of cells.
        #[test]
        fn means_lie_within_the_cells(cells in prop::collection::vec(prop::collection::vec(0f32..100.0, 4), 1..20)) {
            let mut p = Pseudobulk::new(1, 4);
            for cell in &cells {
                p.add(0, &[0, 1, 2, 3], cell);
            }
            let means = p.means();
            for g in 0..4 {
                let lo = cells.iter().map(|c| c[g]).fold(f32::INFINITY, f32::min);
                let hi = cells.iter().map(|c| c[g]).fold(f32::NEG_INFINITY, f32::max);
                prop_assert!(means[g] >= lo - 1e-3 && means[g] <= hi + 1e-3);
            }
        }
    }
}
