//! Violations of the experimental design.
//!
//! `few_conditions`: identifiability from interventions needs enough
//! distinct perturbations (2n + 1 for Gaussian priors, iVAE). With
//! strength s, the last round(s * (targets - 1)) targets are never applied
//! alone: their single-target conditions are not simulated (at least one
//! target keeps its condition; combinations stay). Unit ids of the other
//! conditions do not move, so their data are unchanged.
//!
//! `dense_targets`: sparse-mechanism-shift results need each perturbation
//! to touch few latents. With strength s, each target also acts on
//! round(s * (n - latents_per_target)) further dynamic latents, chosen from
//! those it left untouched, with effects drawn like the others but from
//! their own stream. The ground truth's target latents include them.

use rand::seq::index;

use crate::config::LatentScmConfig;
use crate::intervention::{EffectStreams, draw_effect};
use crate::scm::Mechanisms;
use crate::stream::{Draw, Streams};

pub(super) fn few_conditions(strength: f64, config: &LatentScmConfig, m: &mut Mechanisms) {
    let targets = config.targets;
    let dropped = (strength * f64::from(targets - 1)).round() as u32;
    for target in targets - dropped..targets {
        let condition = m.design.single(target);
        m.design.simulated[condition] = false;
    }
}

pub(super) fn dense_targets(strength: f64, config: &LatentScmConfig, streams: &Streams, m: &mut Mechanisms) {
    let n = config.dynamic_latents;
    let extra = (strength * (n - config.latents_per_target) as f64).round() as usize;
    let mut draws = EffectStreams {
        shifts: streams.mechanism(Draw::DenseTargets),
        gains: streams.mechanism_part(Draw::DenseTargets, 1),
        scales: streams.mechanism_part(Draw::DenseTargets, 2),
    };
    for effects in &mut m.interventions.effects {
        let untouched: Vec<usize> = (0..n).filter(|i| !effects.iter().any(|e| e.latent == *i)).collect();
        let chosen = index::sample(&mut draws.shifts, untouched.len(), extra.min(untouched.len()));
        let mut added: Vec<_> =
            chosen.into_iter().map(|k| draw_effect(untouched[k], config.effect_size as f32, &mut draws)).collect();
        effects.append(&mut added);
        effects.sort_by_key(|e| e.latent);
    }
}
