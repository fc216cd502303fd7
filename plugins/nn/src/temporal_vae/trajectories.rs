//! Observations regrouped as trajectories: a unit's rows ordered by time
//! point, with each row's predecessor (the same unit one time point
//! earlier), which the temporal loss pairs up.

use citebench_core::data::Observations;
use std::collections::HashMap;

/// One unit's rows, in time order.
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    /// Row indices into the observations.
    pub rows: Vec<usize>,
}

/// Rows grouped by unit, with what the loss needs per row.
#[derive(Clone, Debug)]
pub struct Trajectories {
    pub units: Vec<Trajectory>,
    /// Per row: the row of the same unit at the previous time point, if observed.
    pub predecessor: Vec<Option<usize>>,
    /// Per row: the perturbation's target ids.
    pub targets: Vec<Vec<u32>>,
    /// Per row: a key for its condition (perturbation and time point), for alignment.
    pub condition: Vec<u64>,
}

impl Trajectories {
    pub fn new(obs: &Observations) -> Self {
        let mut order: Vec<u64> = Vec::new();
        let mut by_unit: HashMap<u64, Vec<usize>> = HashMap::new();
        for (row, &unit) in obs.unit().iter().enumerate() {
            by_unit
                .entry(unit)
                .or_insert_with(|| {
                    order.push(unit);
                    Vec::new()
                })
                .push(row);
        }
        let time = obs.time_point();
        let mut predecessor = vec![None; obs.len()];
        let units = order
            .iter()
            .map(|unit| {
                let mut rows = by_unit.remove(unit).unwrap_or_default();
                rows.sort_by_key(|&r| time[r]);
                for pair in rows.windows(2) {
                    if time[pair[1]] == time[pair[0]] + 1 {
                        predecessor[pair[1]] = Some(pair[0]);
                    }
                }
                Trajectory { rows }
            })
            .collect();
        let n_times = obs.n_time_points() as u64;
        Self {
            units,
            predecessor,
            targets: (0..obs.len()).map(|i| obs.perturbation_of(i).targets().to_vec()).collect(),
            condition: (0..obs.len()).map(|i| u64::from(obs.perturbation_index()[i]) * n_times + u64::from(time[i])).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use citebench_core::data::{Matrix, Perturbation};

    #[test]
    fn rows_are_ordered_and_paired_with_their_predecessor() {
        // Unit 7 seen at times 2, 0, 1 (shuffled); unit 3 at times 0 and 2 (a gap).
        let obs = Observations::new(
            Matrix::zeros(5, 1),
            vec![2, 0, 0, 1, 2],
            vec![1, 1, 0, 1, 0],
            vec![0; 5],
            vec![7, 7, 3, 7, 3],
            vec![Perturbation::control(), Perturbation::new([0, 1])],
            vec![0.0, 1.0, 2.0],
            2,
        )
        .unwrap();
        let t = Trajectories::new(&obs);
        assert_eq!(t.units, vec![Trajectory { rows: vec![1, 3, 0] }, Trajectory { rows: vec![2, 4] }]);
        assert_eq!(t.predecessor, vec![Some(3), None, None, Some(1), None], "no pairing across a gap");
        assert_eq!(t.targets[0], vec![0, 1]);
        assert_ne!(t.condition[0], t.condition[3], "different time points, different conditions");
    }
}
