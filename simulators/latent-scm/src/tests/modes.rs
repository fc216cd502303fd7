//! Observation modes and counts sample the same dynamics; every mechanism,
//! violations included, is deterministic at any thread count.

use proptest::prelude::*;

use super::{KINDS, intervention_kind, observation_mode, simulate, small_config, strength};
use crate::config::{LatentScmConfig, ObservationMode};
use crate::violation::ViolationConfig;
use citebench_counts::{CountConfig, Normalisation};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Snapshots observe each unit once, at its snapshot time, with the
    /// latents its trajectory has then.
    #[test]
    fn snapshots_see_each_unit_once_on_its_trajectory(config in small_config(), seed in any::<u64>()) {
        let trajectories = simulate(&config, seed).simulation;
        let snapshot_config = LatentScmConfig { observation_mode: ObservationMode::Snapshots, ..config.clone() };
        let snapshots = simulate(&snapshot_config, seed).simulation;
        let obs = &snapshots.dataset.observations;
        let t = config.time_points as usize;
        prop_assert_eq!(obs.len(), trajectories.dataset.observations.len() / t);
        prop_assert!(obs.unit().windows(2).all(|w| w[0] < w[1]), "unit ids are unique per row");
        for row in 0..obs.len() {
            let full_row = row * t + obs.time_point()[row] as usize;
            prop_assert_eq!(snapshots.truth.latents.row(row), trajectories.truth.latents.row(full_row));
            prop_assert_eq!(obs.replicate()[row], trajectories.dataset.observations.replicate()[full_row]);
        }
    }

    /// Pseudo-bulk rows are the (perturbation, time point, replicate)
    /// groups of the snapshots: sums of counts, means of latents.
    #[test]
    fn pseudobulk_pools_snapshots_by_group(config in small_config(), seed in any::<u64>()) {
        let counts = LatentScmConfig { counts: Some(CountConfig::default()), observation_mode: ObservationMode::Snapshots, ..config };
        let cells = simulate(&counts, seed).simulation;
        let pooled = simulate(&LatentScmConfig { observation_mode: ObservationMode::Pseudobulk, ..counts.clone() }, seed).simulation;
        let (cells_obs, pooled_obs) = (&cells.dataset.observations, &pooled.dataset.observations);
        for row in 0..pooled_obs.len() {
            let members: Vec<usize> = (0..cells_obs.len())
                .filter(|&r| cells_obs.perturbation_of(r) == pooled_obs.perturbation_of(row)
                    && cells_obs.time_point()[r] == pooled_obs.time_point()[row]
                    && cells_obs.replicate()[r] == pooled_obs.replicate()[row])
                .collect();
            prop_assert!(!members.is_empty());
            let sum: Vec<f32> = (0..counts.observed).map(|j| members.iter().map(|&r| cells_obs.x().get(r, j)).sum()).collect();
            prop_assert_eq!(pooled_obs.x().row(row), &sum[..]);
            let mean0 = members.iter().map(|&r| f64::from(cells.truth.latents.get(r, 0))).sum::<f64>() / members.len() as f64;
            prop_assert!((f64::from(pooled.truth.latents.get(row, 0)) - mean0).abs() < 1e-5);
            prop_assert_eq!(pooled_obs.unit()[row], row as u64);
        }
        let groups: usize = pooled_obs.len();
        prop_assert!(groups <= cells_obs.len());
    }

    /// Counts are whole and non-negative; normalised rows sum to 10^4
    /// before the log.
    #[test]
    fn counts_are_counts_and_normalise_as_documented(config in small_config(), seed in any::<u64>()) {
        let raw = LatentScmConfig { counts: Some(CountConfig::default()), ..config };
        let x = simulate(&raw, seed).simulation.dataset.observations.x().clone();
        prop_assert!(x.as_slice().iter().all(|c| *c >= 0.0 && c.fract() == 0.0));
        let log = LatentScmConfig { counts: Some(CountConfig { normalise: Normalisation::Log1pCp10k, ..CountConfig::default() }), ..raw };
        let y = simulate(&log, seed).simulation.dataset.observations.x().clone();
        for row in 0..y.rows() {
            let total: f64 = y.row(row).iter().map(|v| f64::from(v.exp_m1())).sum();
            let raw_total: f32 = x.row(row).iter().sum();
            prop_assert!(if raw_total > 0.0 { (total - 1e4).abs() < 1.0 } else { total == 0.0 }, "row {} sums to {}", row, total);
        }
    }

    /// Every mechanism at once, in any mode, with or without counts: the
    /// same seed gives the same data with 1, 3 or all threads.
    #[test]
    fn every_mechanism_is_deterministic_at_any_thread_count(
        config in small_config(),
        mode in observation_mode(),
        kind in intervention_kind(),
        counts in any::<bool>(),
        strengths in proptest::collection::vec(proptest::option::of(0.0f64..1.0), KINDS.len()),
        seed in any::<u64>(),
    ) {
        let violations = KINDS.iter().zip(&strengths)
            .filter_map(|(&kind, s)| s.map(|s| ViolationConfig { kind, strength: strength(kind, s) }))
            .collect();
        let config = LatentScmConfig {
            observation_mode: mode,
            intervention: kind,
            counts: counts.then(CountConfig::default),
            violations,
            ..config
        };
        let run = |threads| simulate(&LatentScmConfig { threads, ..config.clone() }, seed);
        let sequential = run(1);
        for threads in [1, 3, 0] {
            let again = run(threads);
            prop_assert_eq!(&sequential.simulation, &again.simulation, "threads = {}", threads);
            prop_assert_eq!(&sequential.notes, &again.notes);
        }
        prop_assert!(sequential.simulation.dataset.observations.x().all_finite());
    }
}
