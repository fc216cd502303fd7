//! Each violation: strength 0 is the assumption holding (bit-identical
//! data), and a positive strength does what its module promises.

use proptest::prelude::*;

use super::{KINDS, history, observation_mode, one_step, simulate, small_config, with};
use crate::config::LatentScmConfig;
use crate::scm::Scm;
use crate::violation::ViolationKind;

fn counted(config: LatentScmConfig, counts: bool) -> LatentScmConfig {
    LatentScmConfig { counts: counts.then(Default::default), ..config }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn strength_zero_gives_the_data_of_the_violation_off(
        config in small_config(),
        kind in proptest::sample::select(KINDS.to_vec()),
        mode in observation_mode(),
        counts in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let config = counted(LatentScmConfig { observation_mode: mode, ..config }, counts);
        let off = simulate(&config, seed).simulation;
        prop_assert_eq!(&off, &simulate(&with(&config, kind, 0.0), seed).simulation, "{:?}", kind);
    }

    /// A latent with a same-step parent moves when only that parent's
    /// noise moves; without the violation it does not. The edges are in
    /// the graph with lag 0 and follow the causal order.
    #[test]
    fn instantaneous_effects_make_a_latent_depend_on_a_same_step_parent(
        config in small_config(),
        s in 0.1f64..2.0,
        seed in any::<u64>(),
    ) {
        let on = with(&config, ViolationKind::InstantaneousEffects, s);
        let scm = Scm::new(&on, seed).unwrap();
        let contemporaneous = &scm.mechanisms.contemporaneous;
        let graph = simulate(&on, seed).simulation.truth.graph;
        let m = config.invariant_latents;
        let lag0: Vec<(usize, usize)> = graph.edges.iter().filter(|e| e.lag == 0).map(|e| (e.from - m, e.to - m)).collect();
        let listed: Vec<(usize, usize)> =
            contemporaneous.parents.iter().enumerate().flat_map(|(i, p)| p.iter().map(move |&(j, _)| (j, i))).collect();
        prop_assert_eq!(&lag0, &listed);
        let position = |i: usize| contemporaneous.order.iter().position(|&k| k == i).unwrap();
        prop_assert!(lag0.iter().all(|&(j, i)| position(j) < position(i)));
        let plain = Scm::new(&config, seed).unwrap();
        for &(j, i) in &lag0 {
            let mut drive = crate::unit::Drive { noise: vec![0.3; config.dynamic_latents], input: vec![0.7; config.dynamic_latents] };
            let mut nudged = drive.clone();
            nudged.noise[j] += 1.0;
            let (mut plain_drive, mut plain_nudged) = (drive.clone(), nudged.clone());
            scm.assignment().solve(0, &mut drive);
            scm.assignment().solve(0, &mut nudged);
            prop_assert_ne!(drive.input[i], nudged.input[i], "edge {} -> {}", j, i);
            plain.assignment().solve(0, &mut plain_drive);
            plain.assignment().solve(0, &mut plain_nudged);
            prop_assert_eq!(plain_drive.input[i], plain_nudged.input[i]);
        }
    }

    /// The confounder drives at least two latents (when there are two),
    /// and in one step from the same history it moves exactly those.
    #[test]
    fn a_latent_confounder_drives_several_latents_and_only_those(
        config in small_config(),
        s in 0.1f64..2.0,
        seed in any::<u64>(),
    ) {
        let on = with(&config, ViolationKind::LatentConfounder, s);
        let scm = Scm::new(&on, seed).unwrap();
        let n = config.dynamic_latents;
        let confounded: Vec<usize> = scm.mechanisms.confounder.iter().map(|(i, _)| *i).collect();
        prop_assert_eq!(confounded.len(), n.clamp(1, 2).max(n / 2));
        let plugins = scm.plugins();
        let confounder = plugins.last().unwrap();
        let h = history(seed, config.lags, n);
        let z = one_step(&scm, std::slice::from_ref(confounder), &h, &[0]);
        let z_plain = one_step(&scm, &[], &h, &[0]);
        let moved: Vec<usize> = (0..n).filter(|&i| z[0][i] != z_plain[0][i]).collect();
        prop_assert_eq!(moved, confounded);
        let notes = simulate(&on, seed).notes;
        prop_assert_eq!(notes.confounded_latents, scm.mechanisms.confounder.iter().map(|(i, _)| config.invariant_latents + i).collect::<Vec<_>>());
    }

    /// Latents that differ only along a collapsed direction give the same
    /// features: the mixing is no longer injective.
    #[test]
    fn a_non_invertible_mixing_confuses_latents(config in small_config(), s in 0.05f64..1.0, seed in any::<u64>(), t in -3.0f32..3.0) {
        let latents = config.invariant_latents + config.dynamic_latents;
        prop_assume!(latents >= 2);
        let scm = Scm::new(&with(&config, ViolationKind::NonInvertibleMixing, s), seed).unwrap();
        let removed = &scm.mechanisms.collapsed;
        prop_assert_eq!(removed.len(), (s * (latents - 1) as f64).ceil() as usize);
        let v = history(seed, 1, latents);
        let moved: Vec<f32> = v.iter().zip(&removed[0]).map(|(v, u)| v + t * u).collect();
        let (a, b) = (scm.mechanisms.mixing.apply(&v), scm.mechanisms.mixing.apply(&moved));
        let scale = a.iter().map(|x| x.abs()).fold(1.0f32, f32::max);
        prop_assert!(a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-4 * scale), "{:?} vs {:?}", a, b);
    }

    /// The extra noise is Gaussian with standard deviation `strength`.
    #[test]
    fn observation_noise_adds_noise_of_the_given_scale(config in small_config(), s in 0.1f64..3.0, seed in any::<u64>()) {
        let config = LatentScmConfig { units_per_condition: 40, observed: config.observed + 10, ..config };
        let off = simulate(&config, seed).simulation.dataset.observations;
        let on = simulate(&with(&config, ViolationKind::ObservationNoise, s), seed).simulation.dataset.observations;
        let d: Vec<f64> = on.x().as_slice().iter().zip(off.x().as_slice()).map(|(a, b)| f64::from(a - b)).collect();
        let mean = d.iter().sum::<f64>() / d.len() as f64;
        let sd = (d.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / d.len() as f64).sqrt();
        prop_assert!(d.len() >= 400 && (sd / s - 1.0).abs() < 0.15 && mean.abs() < 0.25 * s, "sd {} for {}", sd, s);
    }

    /// Few conditions: the last targets lose their single-target rows and
    /// every other row is unchanged.
    #[test]
    fn few_conditions_drop_single_targets_and_keep_the_rest(config in small_config(), s in 0.0f64..1.0, seed in any::<u64>()) {
        let full = simulate(&config, seed).simulation;
        let few = simulate(&with(&config, ViolationKind::FewConditions, s), seed).simulation;
        let dropped = (s * f64::from(config.targets - 1)).round() as usize;
        let (all, kept) = (&full.dataset.observations, &few.dataset.observations);
        prop_assert_eq!(kept.perturbations().len(), all.perturbations().len() - dropped);
        let singles = kept.perturbations().iter().filter(|p| p.targets().len() == 1).count();
        prop_assert_eq!(singles, config.targets as usize - dropped);
        let mut r = 0;
        for row in 0..all.len() {
            if r < kept.len() && kept.unit()[r] == all.unit()[row] && kept.time_point()[r] == all.time_point()[row] {
                prop_assert_eq!(kept.x().row(r), all.x().row(row));
                prop_assert_eq!(kept.perturbation_of(r), all.perturbation_of(row));
                r += 1;
            }
        }
        prop_assert_eq!(r, kept.len());
    }

    /// Dense targets: each target acts on its sparse latents and a fraction
    /// of the others, and the truth lists them all.
    #[test]
    fn dense_targets_touch_more_latents(config in small_config(), s in 0.0f64..1.0, seed in any::<u64>()) {
        let (n, k) = (config.dynamic_latents, config.latents_per_target);
        let sparse = simulate(&config, seed).simulation.truth.target_latents;
        let dense = simulate(&with(&config, ViolationKind::DenseTargets, s), seed).simulation.truth.target_latents;
        for (sparse, dense) in sparse.iter().zip(&dense) {
            prop_assert_eq!(dense.len(), k + (s * (n - k) as f64).round() as usize);
            prop_assert!(sparse.iter().all(|i| dense.contains(i)));
            prop_assert!(dense.windows(2).all(|w| w[0] < w[1]));
        }
    }

    /// Leaky invariance: the invariant block moves with time by the same
    /// amount for every control unit, and perturbed units move further.
    #[test]
    fn leaky_invariance_moves_the_invariant_block(config in small_config(), s in 0.1f64..2.0, seed in any::<u64>()) {
        prop_assume!(config.invariant_latents > 0 && config.time_points > 1);
        let sim = simulate(&with(&config, ViolationKind::LeakyInvariance, s), seed).simulation;
        let (obs, latents, m, t) = (&sim.dataset.observations, &sim.truth.latents, config.invariant_latents, config.time_points as usize);
        let moves: Vec<(bool, Vec<f32>)> = (0..obs.len()).step_by(t).map(|first| {
            let moved = (0..m).map(|i| latents.row(first + 1)[i] - latents.row(first)[i]).collect();
            (obs.perturbation_of(first).is_control(), moved)
        }).collect();
        let control: Vec<&Vec<f32>> = moves.iter().filter(|(c, _)| *c).map(|(_, d)| d).collect();
        prop_assert!(control.iter().all(|d| d.iter().zip(control[0]).all(|(a, b)| (a - b).abs() < 1e-5)));
        prop_assert!(control[0].iter().any(|d| *d != 0.0));
        let perturbed_differs = moves.iter().filter(|(c, _)| !*c).any(|(_, d)| d.iter().zip(control[0]).any(|(a, b)| (a - b).abs() > 1e-3));
        prop_assert!(perturbed_differs);
    }

    /// Irregular time points are observed at the steps reported, and their
    /// latents are exactly those of a regular run at those steps.
    #[test]
    fn irregular_time_points_observe_the_dynamics_at_their_steps(config in small_config(), s in 0.1f64..3.0, seed in any::<u64>()) {
        let irregular = simulate(&with(&config, ViolationKind::IrregularTimePoints, s), seed);
        let steps = irregular.notes.time_steps.clone();
        let obs = &irregular.simulation.dataset.observations;
        prop_assert_eq!(obs.time_values(), &steps.iter().map(|&s| s as f32).collect::<Vec<_>>()[..]);
        prop_assert!(steps[0] == 0 && steps.windows(2).all(|w| w[1] > w[0]));
        let long = LatentScmConfig { time_points: steps.last().unwrap() + 1, ..config.clone() };
        let regular = simulate(&long, seed).simulation;
        let per_unit = long.time_points as usize;
        for row in 0..obs.len() {
            let unit_rows = (row / config.time_points as usize) * per_unit;
            let step = steps[obs.time_point()[row] as usize] as usize;
            prop_assert_eq!(irregular.simulation.truth.latents.row(row), regular.truth.latents.row(unit_rows + step));
        }
    }

    /// Sparse time points thin each unit's rows (never to none) without
    /// changing the latents of the rows kept.
    #[test]
    fn sparse_time_points_thin_trajectories(config in small_config(), s in 0.0f64..1.0, seed in any::<u64>()) {
        let full = simulate(&config, seed).simulation;
        let sparse = simulate(&with(&config, ViolationKind::SparseTimePoints, s), seed).simulation;
        let (all, kept) = (&full.dataset.observations, &sparse.dataset.observations);
        let t = config.time_points as usize;
        let mut units: Vec<u64> = kept.unit().to_vec();
        units.dedup();
        prop_assert_eq!(units.len(), all.len() / t);
        for row in 0..kept.len() {
            let full_row = units.iter().position(|u| *u == kept.unit()[row]).unwrap() * t + kept.time_point()[row] as usize;
            prop_assert_eq!(sparse.truth.latents.row(row), full.truth.latents.row(full_row));
        }
        if s == 1.0 { prop_assert_eq!(kept.len(), units.len()); }
    }

    /// Drift leaves time point 0 alone and changes the mechanism after it,
    /// proportionally to the strength.
    #[test]
    fn non_stationary_transitions_drift_with_time(config in small_config(), s in 0.1f64..2.0, seed in any::<u64>()) {
        prop_assume!(config.time_points > 1);
        let h = history(seed, config.lags, config.dynamic_latents);
        let z = |strength: f64| {
            let scm = Scm::new(&with(&config, ViolationKind::NonStationary, strength), seed).unwrap();
            let drift = scm.plugins().pop().unwrap();
            one_step(&scm, &[drift], &h, &[0]).remove(0)
        };
        let (z0, z1) = (z(0.0), z(s));
        prop_assert_ne!(&z0, &z1);
        let stationary = simulate(&config, seed).simulation;
        let drifting = simulate(&with(&config, ViolationKind::NonStationary, s), seed).simulation;
        let obs = &stationary.dataset.observations;
        for row in (0..obs.len()).filter(|&r| obs.time_point()[r] == 0) {
            prop_assert_eq!(stationary.truth.latents.row(row), drifting.truth.latents.row(row));
        }
    }

    /// Batch effects add one offset per replicate to every row of it.
    #[test]
    fn batch_effects_offset_each_replicate(config in small_config(), s in 0.1f64..2.0, seed in any::<u64>()) {
        let config = LatentScmConfig { replicates: 2, units_per_condition: config.units_per_condition.max(2), ..config };
        let off = simulate(&config, seed).simulation.dataset.observations;
        let on = simulate(&with(&config, ViolationKind::BatchEffects, s), seed).simulation.dataset.observations;
        let offset = |row: usize| -> Vec<f32> { on.x().row(row).iter().zip(off.x().row(row)).map(|(a, b)| a - b).collect() };
        let first: Vec<usize> = (0..2).map(|r| off.replicate().iter().position(|&x| x == r).unwrap()).collect();
        for row in 0..off.len() {
            let reference = offset(first[off.replicate()[row] as usize]);
            prop_assert!(offset(row).iter().zip(&reference).all(|(a, b)| (a - b).abs() < 1e-4 * (1.0 + b.abs())));
        }
        prop_assert!(offset(first[0]).iter().zip(offset(first[1])).any(|(a, b)| (a - b).abs() > 1e-3));
    }
}
