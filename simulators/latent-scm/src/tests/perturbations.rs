//! Perturbations: controls are never touched, each kind moves exactly its
//! target latents, a hard intervention fixes them whatever their parents,
//! and the dose scales the effect.

use proptest::prelude::*;

use super::{history, intervention_kind, one_step, simulate, small_config, with};
use crate::assignment::{self, Mechanism};
use crate::config::InterventionKind;
use crate::scm::Scm;
use crate::violation::ViolationKind;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// With every mechanism observational, no control row and no row at
    /// time point 0 changes, bit for bit; perturbed rows change later.
    #[test]
    fn controls_and_time_point_zero_are_never_touched(
        config in small_config(),
        kind in prop_oneof![Just(InterventionKind::Shift), Just(InterventionKind::Do)],
        seed in any::<u64>(),
    ) {
        let config = crate::config::LatentScmConfig { intervention: kind, ..config };
        let scm = Scm::new(&config, seed).unwrap();
        let with_perturbations = scm.simulate().unwrap().simulation;
        let mut observational = scm.assignment();
        observational.mechanisms.iter_mut().for_each(|m| m.fill(Mechanism::Observational));
        let mut plugins = scm.plugins();
        // Trajectories: population, transition, then the assignment.
        plugins[2] = Box::new(assignment::plugin(observational));
        let without = scm.run(&plugins).unwrap().simulation;
        let (obs, obs_without) = (&with_perturbations.dataset.observations, &without.dataset.observations);
        prop_assert_eq!(obs.unit(), obs_without.unit());
        let mut perturbed_changed = false;
        for row in 0..obs.len() {
            let same = obs.x().row(row) == obs_without.x().row(row)
                && with_perturbations.truth.latents.row(row) == without.truth.latents.row(row);
            if obs.perturbation_of(row).is_control() || obs.time_point()[row] == 0 {
                prop_assert!(same, "row {} changed without the intervention", row);
            } else {
                perturbed_changed |= !same;
            }
        }
        prop_assert_eq!(perturbed_changed, config.time_points > 1, "the intervention had no effect");
    }

    /// For one history and one noise draw, a perturbed unit's step differs
    /// from the control's exactly at its targets' latents, for every kind.
    #[test]
    fn a_perturbation_moves_exactly_its_target_latents(
        config in small_config(),
        kind in intervention_kind(),
        seed in any::<u64>(),
        history_seed in any::<u64>(),
    ) {
        let config = crate::config::LatentScmConfig { intervention: kind, ..config };
        let scm = Scm::new(&config, seed).unwrap();
        let n = config.dynamic_latents;
        let conditions: Vec<u32> = (0..scm.mechanisms.design.conditions.len() as u32).collect();
        let z = one_step(&scm, &[], &history(history_seed, config.lags, n), &conditions);
        for (c, condition) in scm.mechanisms.design.conditions.iter().enumerate().skip(1) {
            let moved: Vec<usize> = (0..n).filter(|&i| z[0][i] != z[c][i]).collect();
            let mut expected: Vec<usize> = condition
                .targets()
                .iter()
                .flat_map(|&t| scm.mechanisms.interventions.effects[t as usize].iter().map(|e| e.latent))
                .collect();
            expected.sort_unstable();
            expected.dedup();
            prop_assert_eq!(moved, expected, "condition {}", c);
        }
    }

    /// do(z_i = dose * delta): every perturbed row after time point 0 holds
    /// the same value at each target latent, whatever the history, the
    /// noise, and same-step parents (instantaneous effects are on).
    #[test]
    fn a_hard_intervention_fixes_its_targets_whatever_their_parents(
        config in small_config(),
        dose in 0.0f64..2.0,
        seed in any::<u64>(),
    ) {
        let config = crate::config::LatentScmConfig { intervention: InterventionKind::Do, dose, ..config };
        let config = with(&config, ViolationKind::InstantaneousEffects, 1.0);
        let scm = Scm::new(&config, seed).unwrap();
        let sim = simulate(&config, seed).simulation;
        let obs = &sim.dataset.observations;
        let m = config.invariant_latents;
        let mechanisms = &scm.assignment().mechanisms;
        for row in (0..obs.len()).filter(|&r| obs.time_point()[r] > 0) {
            let condition = scm.mechanisms.design.conditions.iter().position(|c| c == obs.perturbation_of(row)).unwrap();
            for (i, mechanism) in mechanisms[condition].iter().enumerate() {
                if let Mechanism::Do(value) = mechanism {
                    prop_assert_eq!(sim.truth.latents.row(row)[m + i], *value);
                    let delta: f32 = obs.perturbation_of(row).targets().iter()
                        .flat_map(|&t| scm.mechanisms.interventions.effects[t as usize].iter())
                        .filter(|e| e.latent == i).map(|e| e.delta).sum();
                    prop_assert!((value - dose as f32 * delta).abs() <= 1e-6 * (1.0 + delta.abs()));
                }
            }
        }
    }

    /// A shift's effect on its target, from one history and noise, is
    /// dose * delta; at dose 0 shifts and soft interventions change nothing.
    #[test]
    fn the_dose_scales_the_effect(config in small_config(), dose in 0.1f64..3.0, seed in any::<u64>()) {
        let n = config.dynamic_latents;
        let h = history(seed, config.lags, n);
        let shifted = Scm::new(&crate::config::LatentScmConfig { dose, ..config.clone() }, seed).unwrap();
        let z = one_step(&shifted, &[], &h, &[0, 1]);
        for effect in &shifted.mechanisms.interventions.effects[0] {
            let moved = z[1][effect.latent] - z[0][effect.latent];
            prop_assert!((moved - dose as f32 * effect.delta).abs() < 1e-4 * (1.0 + moved.abs()), "{} vs {}", moved, effect.delta);
        }
        for kind in [InterventionKind::Shift, InterventionKind::Soft, InterventionKind::ShiftScale] {
            let config = crate::config::LatentScmConfig { intervention: kind, dose: 0.0, ..config.clone() };
            let z0 = one_step(&Scm::new(&config, seed).unwrap(), &[], &h, &[0, 1]);
            prop_assert_eq!(&z0[0], &z0[1], "{:?} at dose 0", kind);
        }
    }

    /// Under `transition = "independent"` the past has no effect: from two
    /// histories, with the same noise, one step gives the same state in
    /// every condition, so given the condition the latents are independent
    /// (iVAE's assumption); and the graph has no lagged edge.
    #[test]
    fn independent_latents_forget_their_history(
        config in small_config(),
        kind in intervention_kind(),
        seed in any::<u64>(),
        histories in (any::<u64>(), any::<u64>()),
    ) {
        let config = crate::config::LatentScmConfig {
            intervention: kind,
            transition: crate::config::TransitionKind::Independent,
            ..config
        };
        let scm = Scm::new(&config, seed).unwrap();
        let (n, lags) = (config.dynamic_latents, config.lags);
        let conditions: Vec<u32> = (0..scm.mechanisms.design.conditions.len() as u32).collect();
        let z = one_step(&scm, &[], &history(histories.0, lags, n), &conditions);
        prop_assert_eq!(&z, &one_step(&scm, &[], &history(histories.1, lags, n), &conditions));
        prop_assert!(simulate(&config, seed).simulation.truth.graph.edges.iter().all(|e| e.lag == 0));
    }

    /// Shift-and-scale with the independent transition: from one noise
    /// draw, a target latent is scale * eps + delta where the control's is
    /// eps, so given its condition a latent is N(delta, (scale sigma)^2).
    #[test]
    fn shift_and_scale_moves_location_and_spread(config in small_config(), seed in any::<u64>()) {
        let config = crate::config::LatentScmConfig {
            intervention: InterventionKind::ShiftScale,
            transition: crate::config::TransitionKind::Independent,
            ..config
        };
        let scm = Scm::new(&config, seed).unwrap();
        let n = config.dynamic_latents;
        let z = one_step(&scm, &[], &history(seed, config.lags, n), &[0, 1]);
        for effect in &scm.mechanisms.interventions.effects[0] {
            let expected = effect.scale * z[0][effect.latent] + effect.delta;
            let got = z[1][effect.latent];
            prop_assert!((got - expected).abs() < 1e-4 * (1.0 + expected.abs()), "{} vs {}", got, expected);
        }
    }
}
