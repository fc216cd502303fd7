//! Total-count normalisation and log1p, as scanpy's `normalize_total`
//! (with a fixed `target_sum`) followed by `log1p`.
//!
//! Each cell is scaled so its counts add up to `target_sum` (10,000 is
//! "counts per 10k"), which removes differences in sequencing depth; ln(1 + x)
//! then tames the long right tail of expression. A cell with no counts
//! stays all zero, as in scanpy. Scaling is computed in f64 and stored as
//! f32, the precision of data in citebench.

/// What to do to each cell's counts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Normalisation {
    /// Scale each cell to this total; `None` keeps counts as they are.
    pub target_sum: Option<f64>,
    /// Then apply ln(1 + x).
    pub log1p: bool,
}

impl Normalisation {
    /// The total of a cell's counts, in f64.
    pub fn total(values: &[f32]) -> f64 {
        values.iter().map(|&v| f64::from(v)).sum()
    }

    /// The factor a cell with `total` counts is multiplied by.
    pub fn scale(&self, total: f64) -> f64 {
        match self.target_sum {
            Some(target) if total > 0.0 => target / total,
            Some(_) => 0.0,
            None => 1.0,
        }
    }

    /// The scaled value of one count, before log1p: what Seurat-flavour
    /// gene dispersions are computed on.
    pub fn scaled(&self, value: f32, scale: f64) -> f64 {
        f64::from(value) * scale
    }

    /// The prepared value of one count of a cell whose factor is `scale`.
    pub fn apply(&self, value: f32, scale: f64) -> f32 {
        let scaled = self.scaled(value, scale);
        (if self.log1p { scaled.ln_1p() } else { scaled }) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_to_the_target_then_logs() {
        let n = Normalisation { target_sum: Some(1e4), log1p: true };
        let values = [1.0, 3.0];
        let scale = n.scale(Normalisation::total(&values));
        assert_eq!(scale, 2500.0);
        assert_eq!(n.apply(1.0, scale), 2501f64.ln() as f32);
        assert_eq!(n.scale(0.0), 0.0, "an empty cell stays zero");
        let raw = Normalisation { target_sum: None, log1p: false };
        assert_eq!(raw.apply(7.0, raw.scale(10.0)), 7.0);
    }
}
