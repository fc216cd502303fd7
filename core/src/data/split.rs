//! Train/test splits: held-out perturbations and held-out time points.

use super::{Observations, Perturbation};

/// Which conditions a model never sees during training.
///
/// Holding out a combination of seen singles (say `P1+P2` while `P1` and
/// `P2` stay in training) is the standard test of compositional
/// generalisation; holding out a time point tests temporal interpolation or
/// extrapolation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SplitSpec {
    pub held_out_perturbations: Vec<Perturbation>,
    pub held_out_time_points: Vec<u32>,
}

/// Row indices of the training and test parts of some observations.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    pub train: Vec<usize>,
    pub test: Vec<usize>,
}

impl SplitSpec {
    pub fn is_held_out(&self, p: &Perturbation, t: u32) -> bool {
        self.held_out_perturbations.contains(p) || self.held_out_time_points.contains(&t)
    }

    /// Partitions rows: a row is a test row when its perturbation or its
    /// time point is held out, and a training row otherwise.
    pub fn apply(&self, obs: &Observations) -> Split {
        let (test, train) = (0..obs.len()).partition(|&i| self.is_held_out(obs.perturbation_of(i), obs.time_point()[i]));
        Split { train, test }
    }

    /// The (perturbation, time point) groups a model is asked to predict:
    /// every non-control condition among the test rows, sorted.
    pub fn prediction_targets(&self, obs: &Observations, test_rows: &[usize]) -> Vec<(Perturbation, u32)> {
        let mut groups: Vec<(Perturbation, u32)> = test_rows
            .iter()
            .map(|&i| (obs.perturbation_of(i).clone(), obs.time_point()[i]))
            .filter(|(p, _)| !p.is_control())
            .collect();
        groups.sort();
        groups.dedup();
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::observations::tests::tiny;

    #[test]
    fn held_out_perturbation_goes_to_test() {
        let obs = tiny();
        let spec = SplitSpec { held_out_perturbations: vec![Perturbation::new([0])], held_out_time_points: vec![] };
        let split = spec.apply(&obs);
        assert_eq!(split.train, vec![0, 1]);
        assert_eq!(split.test, vec![2, 3]);
        assert_eq!(
            spec.prediction_targets(&obs, &split.test),
            vec![(Perturbation::new([0]), 0), (Perturbation::new([0]), 1)]
        );
    }

    #[test]
    fn held_out_time_point_takes_every_condition_at_that_time() {
        let obs = tiny();
        let spec = SplitSpec { held_out_perturbations: vec![], held_out_time_points: vec![1] };
        let split = spec.apply(&obs);
        assert_eq!(split.train, vec![0, 2]);
        assert_eq!(split.test, vec![1, 3]);
        assert_eq!(spec.prediction_targets(&obs, &split.test), vec![(Perturbation::new([0]), 1)]);
    }
}
