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
//!
//! Exact assignment costs `O(k^3)` time and `O(k^2)` memory in the cells of
//! a step, which a real time course (thousands of cells per sample) would
//! turn into hours and gigabytes. A step with more than
//! [`Pairing::block_cells`] cells is therefore split into blocks, each cell
//! dealt to a block in a fixed pseudo-random order, and paired within each
//! block: minibatch optimal transport (Fatras et al., AISTATS 2020), a
//! coarser coupling whose cost grows linearly with the cells.

use super::transport::{balanced_assignment, squared_distances};
use crate::NnError;
use citebench_core::data::Observations;
use citebench_core::metrics::sampling::shuffled;
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
    /// The most cells (both time points together) one exact assignment
    /// pairs; larger steps are paired in blocks of about this size.
    pub block_cells: usize,
}

impl Default for Pairing {
    fn default() -> Self {
        Self { mode: PairingMode::Auto, warmup_epochs: 0, every: 10, block_cells: 1000 }
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
        if self.block_cells < 2 {
            return Err(NnError::Config(format!("`pairing.block_cells` must be at least 2 (a cell and its predecessor), got {}", self.block_cells)));
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

impl Step {
    /// This step as blocks of at most about `block_cells` cells, each with
    /// at least one previous cell; itself, unchanged, when it fits.
    fn blocks(self, block_cells: usize) -> Vec<Step> {
        let (n, m) = (self.previous.len(), self.current.len());
        let count = (n + m).div_ceil(block_cells).min(n);
        if count <= 1 {
            return vec![self];
        }
        // Dealing shuffled cells round-robin gives every block a share of
        // each time point's whole population, not a slice of file order.
        let deal = |rows: &[usize]| {
            let mut blocks = vec![Vec::new(); count];
            for (k, row) in shuffled(rows, rows.len() as u64).into_iter().enumerate() {
                blocks[k % count].push(row);
            }
            blocks
        };
        deal(&self.previous).into_iter().zip(deal(&self.current)).map(|(previous, current)| Step { previous, current }).collect()
    }
}

/// Rows grouped by cohort (perturbation, replicate) and time point, as the
/// steps between adjacent time points that both have rows (each split into
/// blocks of at most about `block_cells` cells).
#[derive(Clone, Debug, PartialEq)]
pub struct Cohorts {
    rows: usize,
    steps: Vec<Step>,
}

impl Cohorts {
    pub fn new(obs: &Observations, block_cells: usize) -> Self {
        let mut by_cohort: BTreeMap<(u32, u32), BTreeMap<u32, Vec<usize>>> = BTreeMap::new();
        for row in 0..obs.len() {
            let cohort = (obs.perturbation_index()[row], obs.replicate()[row]);
            by_cohort.entry(cohort).or_default().entry(obs.time_point()[row]).or_default().push(row);
        }
        let mut steps = Vec::new();
        for times in by_cohort.values() {
            for (t, current) in times {
                if let Some(previous) = t.checked_sub(1).and_then(|p| times.get(&p)) {
                    steps.extend(Step { previous: previous.clone(), current: current.clone() }.blocks(block_cells));
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
        let cohorts = Cohorts::new(&obs, 1000);
        assert_eq!(cohorts.paired_rows(), 3, "only control replicate 0 has adjacent time points");
        let predecessor = cohorts.pair(obs.x().as_slice(), 1).unwrap();
        // Three cells at t1 onto two at t0: each t0 cell is used once or
        // twice, and the two near 5 share the cell at 5.
        assert_eq!(predecessor, vec![None, None, Some(1), Some(0), Some(1), None, None, None]);
        assert!(cohorts.pair(&[0.0; 3], 1).unwrap_err().to_string().contains("8 x 1"));
    }

    #[test]
    fn large_steps_are_dealt_into_blocks_that_partition_them() {
        let step = |n: usize, m: usize| Step { previous: (0..n).collect(), current: (n..n + m).collect() };
        for (n, m, block_cells, count) in [(300, 700, 250, 4), (700, 300, 250, 4), (2, 5000, 100, 2), (40, 60, 100, 1), (1, 1, 2, 1)] {
            let blocks = step(n, m).blocks(block_cells);
            assert_eq!(blocks.len(), count, "{n} + {m} cells in blocks of {block_cells}");
            if count == 1 {
                assert_eq!(blocks, vec![step(n, m)], "a step that fits stays as it is");
                continue;
            }
            for b in &blocks {
                assert!(!b.previous.is_empty(), "every block has a predecessor to offer");
                if count < n {
                    assert!(b.previous.len() + b.current.len() <= block_cells + 1);
                }
            }
            let mut previous: Vec<usize> = blocks.iter().flat_map(|b| b.previous.clone()).collect();
            let mut current: Vec<usize> = blocks.iter().flat_map(|b| b.current.clone()).collect();
            previous.sort_unstable();
            current.sort_unstable();
            assert_eq!((previous, current), (step(n, m).previous, step(n, m).current), "each cell in exactly one block");
            assert_ne!(blocks[0].current, (n..n + blocks[0].current.len()).collect::<Vec<_>>(), "dealt shuffled, not in file order");
        }
    }

    #[test]
    fn blocked_pairing_keeps_pairs_within_the_step_and_balanced_per_block() {
        // One cohort, 30 cells at t0 and 45 at t1, in blocks of 20 cells.
        let n = 75;
        let obs = Observations::new(
            Matrix::new(n, 1, (0..n).map(|i| (i % 30) as f32).collect()).unwrap(),
            (0..n).map(|i| u32::from(i >= 30)).collect(),
            vec![0; n],
            vec![0; n],
            (0..n as u64).collect(),
            vec![Perturbation::control()],
            vec![0.0, 1.0],
            0,
        )
        .unwrap();
        let cohorts = Cohorts::new(&obs, 20);
        assert_eq!(cohorts.steps.len(), 4);
        let predecessor = cohorts.pair(obs.x().as_slice(), 1).unwrap();
        assert!(predecessor[..30].iter().all(Option::is_none));
        for step in &cohorts.steps {
            let mut uses = vec![0; n];
            for &row in &step.current {
                let p = predecessor[row].unwrap();
                assert!(step.previous.contains(&p), "row {row}'s predecessor {p} is from its own block");
                uses[p] += 1;
            }
            let (least, most) = (step.current.len() / step.previous.len(), step.current.len().div_ceil(step.previous.len()));
            assert!(step.previous.iter().all(|&p| (least..=most).contains(&uses[p])), "balanced within the block");
        }
    }

    #[test]
    fn the_schedule_warms_up_on_features_then_repairs_in_latent_space() {
        let p = Pairing { mode: PairingMode::Transport, warmup_epochs: 3, every: 2, block_cells: 1000 };
        let spaces: Vec<Option<PairingSpace>> = (0..7).map(|e| p.space_at(e)).collect();
        use PairingSpace::{Features, Latent};
        assert_eq!(spaces, vec![Some(Features), None, None, Some(Latent), None, Some(Latent), None]);
        assert_eq!(Pairing { warmup_epochs: 0, ..p }.space_at(0), Some(Latent));
        assert!(Pairing { every: 0, ..p }.validate().unwrap_err().to_string().contains("`pairing.every`"));
        assert!(Pairing { block_cells: 1, ..p }.validate().unwrap_err().to_string().contains("`pairing.block_cells`"));
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
