//! Pseudo-bulk profiles: the mean expression of each condition.
//!
//! Mean-based baselines (control mean, additive shifts) and the OOD metrics
//! all start from the mean of each (perturbation, time point) condition;
//! computing them here keeps one definition for models and metrics alike.

use super::{Observations, Perturbation};
use std::collections::BTreeMap;

/// The mean of the rows of one (perturbation, time point) condition.
#[derive(Clone, Debug, PartialEq)]
pub struct ConditionMean {
    /// Per-feature mean, accumulated in f64.
    pub mean: Vec<f64>,
    /// How many rows it averages.
    pub n: usize,
}

impl Observations {
    /// The mean of every (perturbation, time point) condition present.
    pub fn condition_means(&self) -> BTreeMap<(Perturbation, u32), ConditionMean> {
        let cols = self.x().cols();
        let mut sums: BTreeMap<(u32, u32), ConditionMean> = BTreeMap::new();
        for i in 0..self.len() {
            let entry = sums
                .entry((self.perturbation_index()[i], self.time_point()[i]))
                .or_insert_with(|| ConditionMean { mean: vec![0.0; cols], n: 0 });
            for (s, &v) in entry.mean.iter_mut().zip(self.x().row(i)) {
                *s += f64::from(v);
            }
            entry.n += 1;
        }
        sums.into_iter()
            .map(|((p, t), mut c)| {
                let n = c.n as f64;
                c.mean.iter_mut().for_each(|s| *s /= n);
                ((self.perturbations()[p as usize].clone(), t), c)
            })
            .collect()
    }
}

/// The control mean at each time point that has control rows.
#[derive(Clone, Debug, PartialEq)]
pub struct ControlMeans {
    by_time: BTreeMap<u32, Vec<f64>>,
}

impl ControlMeans {
    pub fn new(means: &BTreeMap<(Perturbation, u32), ConditionMean>) -> Self {
        let by_time =
            means.iter().filter(|((p, _), _)| p.is_control()).map(|((_, t), c)| (*t, c.mean.clone())).collect();
        Self { by_time }
    }

    pub fn is_empty(&self) -> bool {
        self.by_time.is_empty()
    }

    /// The control mean at exactly time point `t`.
    pub fn at(&self, t: u32) -> Option<&[f64]> {
        self.by_time.get(&t).map(Vec::as_slice)
    }

    /// The control mean at the time point nearest `t` that has controls
    /// (the earlier one on a tie), for a model asked about a time point it
    /// never saw controls at.
    pub fn nearest(&self, t: u32) -> Option<(u32, &[f64])> {
        self.by_time
            .iter()
            .min_by_key(|(s, _)| (s.abs_diff(t), **s))
            .map(|(s, m)| (*s, m.as_slice()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::observations::tests::tiny;

    #[test]
    fn condition_means_average_each_condition() {
        let obs = tiny();
        let means = obs.condition_means();
        assert_eq!(means.len(), 4);
        let c = &means[&(Perturbation::new([0]), 1)];
        assert_eq!((c.mean.clone(), c.n), (vec![6.0, 7.0], 1));
        let controls = ControlMeans::new(&means);
        assert_eq!(controls.at(1), Some(&[2.0, 3.0][..]));
    }

    #[test]
    fn nearest_control_prefers_the_earlier_time_point_on_ties() {
        let obs = tiny().subset(&[0, 1]);
        let controls = ControlMeans::new(&obs.condition_means());
        assert_eq!(controls.nearest(5).map(|(t, _)| t), Some(1));
        let only_0_and_2 = ControlMeans { by_time: [(0, vec![0.0]), (2, vec![2.0])].into_iter().collect() };
        assert_eq!(only_0_and_2.nearest(1).map(|(t, _)| t), Some(0));
        assert_eq!(only_0_and_2.at(1), None);
    }
}
