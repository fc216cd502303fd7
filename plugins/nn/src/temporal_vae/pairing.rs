//! Which row precedes which: the pairs the temporal loss learns the
//! transition from.
//!
//! Trajectories pair a unit's consecutive time points. Snapshot data
//! (destructive sampling: each cell is sequenced once) and pseudo-bulk
//! profiles have no such pairs, so the transition prior would get nothing
//! to learn from. There, cells of adjacent time points are paired by
//! optimal transport ([`super::transport`]) within each cohort: the cells
//! of one perturbation and one replicate, so that a pair never crosses a
//! perturbation (whose effect the transition carries) or a batch. The cost
//! is the squared distance between posterior means of `z`, re-computed as
//! training goes ([`Pairing::every`]), after a warm-up on the
//! standardised features ([`Pairing::warmup_epochs`]) while the encoder
//! is still arbitrary. A pseudo-bulk row is paired the same way: its
//! cohort has one row per time point.

use super::transport::{balanced_assignment, squared_distances};
use crate::NnError;
use citebench_core::data::Observations;
use serde::Deserialize;
use std::collections::BTreeMap;

/// How rows are paired with a predecessor one time point earlier.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum PairingMode {
    /// `units` when some unit is observed at two consecutive time points,
    /// else `transport` when some cohort has rows at two adjacent time
    /// points, else `units` (nothing to pair: data without time).
    Auto,
    /// Only rows of the same unit (trajectories); on snapshots nothing is paired.
    Units,
    /// Optimal transport between cohorts' adjacent time points; unit ids
    /// are ignored and each row is its own unit.
    Transport,
}

/// The `pairing` table of a temporal model's hyperparameters.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Pairing {
    pub mode: PairingMode,
    /// Epochs (of each restart) paired on the standardised features; 0
    /// pairs in the initial network's latent space from the start.
    pub warmup_epochs: usize,
    /// After the warm-up, re-pair in latent space every this many epochs.
    pub every: usize,
}

impl Default for Pairing {
    fn default() -> Self {
        Self { mode: PairingMode::Auto, warmup_epochs: 0, every: 10 }
    }
}

impl Pairing {
    /// Units only: the pairing of trajectories, whatever the data.
    pub fn units() -> Self {
        Self { mode: PairingMode::Units, ..Self::default() }
    }

    pub fn validate(&self) -> Result<(), NnError> {
        if self.every == 0 {
            return Err(NnError::Config("`pairing.every` must be at least 1".into()));
        }
        Ok(())
    }

    /// Whether to learn from units' own consecutive time points (else from
    /// transport pairs), given whether the data have any such unit pair
    /// and any cohort with rows at adjacent time points.
    pub fn by_units(&self, unit_pairs: bool, cohort_pairs: bool) -> bool {
        match self.mode {
            PairingMode::Units => true,
            PairingMode::Transport => false,
            PairingMode::Auto => unit_pairs || !cohort_pairs,
        }
    }

    /// What to pair on before `epoch`, if the pairing is renewed then.
    pub fn space_at(&self, epoch: usize) -> Option<PairingSpace> {
        if epoch < self.warmup_epochs {
            (epoch == 0).then_some(PairingSpace::Features)
        } else {
            ((epoch - self.warmup_epochs).is_multiple_of(self.every)).then_some(PairingSpace::Latent)
        }
    }
}

/// Where pairing distances are measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PairingSpace {
    Features,
    Latent,
}

/// One cohort's cells at two adjacent time points: `current` (time t)
/// will be paired with `previous` (time t - 1). Row indices.
#[derive(Clone, Debug, PartialEq)]
struct Step {
    previous: Vec<usize>,
    current: Vec<usize>,
}

/// Rows grouped by cohort (perturbation, replicate) and time point, as the
/// steps between adjacent time points that both have rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Cohorts {
    rows: usize,
    steps: Vec<Step>,
}

impl Cohorts {
    pub fn new(obs: &Observations) -> Self {
        let mut by_cohort: BTreeMap<(u32, u32), BTreeMap<u32, Vec<usize>>> = BTreeMap::new();
        for row in 0..obs.len() {
            let cohort = (obs.perturbation_index()[row], obs.replicate()[row]);
            by_cohort.entry(cohort).or_default().entry(obs.time_point()[row]).or_default().push(row);
        }
        let mut steps = Vec::new();
        for times in by_cohort.values() {
            for (t, current) in times {
                if let Some(previous) = t.checked_sub(1).and_then(|p| times.get(&p)) {
                    steps.push(Step { previous: previous.clone(), current: current.clone() });
                }
            }
        }
        Self { rows: obs.len(), steps }
    }

    /// Rows that will get a predecessor.
    pub fn paired_rows(&self) -> usize {
        self.steps.iter().map(|s| s.current.len()).sum()
    }

    /// Each row's predecessor: the optimal transport pairing, per step, of
    /// `points` (row-major, `width` columns, one row per observation).
    pub fn pair(&self, points: &[f32], width: usize) -> Result<Vec<Option<usize>>, NnError> {
        if points.len() != self.rows * width {
            return Err(NnError::Data(format!("pairing needs {} x {width} points, got {} values", self.rows, points.len())));
        }
        let mut predecessor = vec![None; self.rows];
        for step in &self.steps {
            let cost = squared_distances(points, width, &step.current, &step.previous);
            let chosen = balanced_assignment(&cost, step.current.len(), step.previous.len())?;
            for (&row, j) in step.current.iter().zip(chosen) {
                predecessor[row] = Some(step.previous[j]);
            }
        }
        Ok(predecessor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use citebench_core::data::{Matrix, Perturbation};

    #[test]
    fn cells_are_paired_within_cohorts_at_adjacent_time_points() {
        // Rows: (perturbation, replicate, time, feature). Control replicate
        // 0 has 2 cells at t0 and 3 at t1; control replicate 1 has one cell
        // at t1 only; P0 has t0 and t2 (a gap).
        let rows = [(0, 0, 0, 0.0), (0, 0, 0, 5.0), (0, 0, 1, 5.2), (0, 0, 1, 0.1), (0, 0, 1, 4.9), (0, 1, 1, 0.0), (1, 0, 0, 1.0), (1, 0, 2, 1.0)];
        let obs = Observations::new(
            Matrix::new(rows.len(), 1, rows.iter().map(|r| r.3).collect()).unwrap(),
            rows.iter().map(|r| r.2).collect(),
            rows.iter().map(|r| r.0).collect(),
            rows.iter().map(|r| r.1).collect(),
            (0..rows.len() as u64).collect(),
            vec![Perturbation::control(), Perturbation::new([0])],
            vec![0.0, 1.0, 2.0],
            1,
        )
        .unwrap();
        let cohorts = Cohorts::new(&obs);
        assert_eq!(cohorts.paired_rows(), 3, "only control replicate 0 has adjacent time points");
        let predecessor = cohorts.pair(obs.x().as_slice(), 1).unwrap();
        // Three cells at t1 onto two at t0: each t0 cell is used once or
        // twice, and the two near 5 share the cell at 5.
        assert_eq!(predecessor, vec![None, None, Some(1), Some(0), Some(1), None, None, None]);
        assert!(cohorts.pair(&[0.0; 3], 1).unwrap_err().to_string().contains("8 x 1"));
    }

    #[test]
    fn the_schedule_warms_up_on_features_then_repairs_in_latent_space() {
        let p = Pairing { mode: PairingMode::Transport, warmup_epochs: 3, every: 2 };
        let spaces: Vec<Option<PairingSpace>> = (0..7).map(|e| p.space_at(e)).collect();
        use PairingSpace::{Features, Latent};
        assert_eq!(spaces, vec![Some(Features), None, None, Some(Latent), None, Some(Latent), None]);
        assert_eq!(Pairing { warmup_epochs: 0, ..p }.space_at(0), Some(Latent));
        assert!(Pairing { every: 0, ..p }.validate().unwrap_err().to_string().contains("`pairing.every`"));
    }

    #[test]
    fn auto_pairs_by_transport_only_snapshots_with_time() {
        let auto = Pairing::default();
        // (unit pairs, cohort pairs): trajectories, snapshots, no time at all.
        assert!(auto.by_units(true, true), "trajectories keep their own pairs");
        assert!(!auto.by_units(false, true), "snapshots are paired by transport");
        assert!(auto.by_units(false, false), "nothing to pair: the plain loss, as before");
        assert!(!Pairing { mode: PairingMode::Transport, ..auto }.by_units(true, true));
        assert!(Pairing::units().by_units(false, true));
    }
}
