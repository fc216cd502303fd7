//! The experimental design a configuration implies: the targets (which
//! latents each intervention replaces), the conditions (control, each
//! target alone, then the combinations) and the latent columns of the
//! ground truth.

use citebench_core::config::ConfigError;
use citebench_core::data::Perturbation;

use crate::config::{Causal3dIdentConfig, TruthAngles, invalid};
use std::ops::Range;
use crate::latents::Latent;
use crate::mechanism::HueGoal;

/// Target names that stand for groups of latents, CITRIS's coarse variables.
const GROUPS: [(&str, &[Latent]); 2] = [
    ("position", &[Latent::PosX, Latent::PosY, Latent::PosZ]),
    ("rotation", &[Latent::RotAlpha, Latent::RotBeta, Latent::RotGamma]),
];

/// The targets, conditions and truth columns of a configuration.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Design {
    pub(crate) target_names: Vec<String>,
    /// Per target, the latents its intervention replaces.
    pub(crate) target_latents: Vec<Vec<Latent>>,
    /// Control first, then each target alone, then the combinations.
    pub(crate) conditions: Vec<Perturbation>,
    /// The continuous latents that move (and so are truth columns), in index order.
    pub(crate) dynamic: Vec<Latent>,
    /// Whether the truth has an `object_class` column (more than one shape).
    pub(crate) class_latent: bool,
    /// Whether each angle is two truth columns (sine, cosine) instead of one.
    pub(crate) angles_as_sin_cos: bool,
}

impl Design {
    /// Per condition, which latents are intervened on.
    pub(crate) fn intervened(&self, condition: usize) -> [bool; Latent::COUNT] {
        let mut mask = [false; Latent::COUNT];
        for &t in self.conditions[condition].targets() {
            for &l in &self.target_latents[t as usize] {
                mask[l as usize] = true;
            }
        }
        mask
    }

    /// How many truth columns `latent` takes when it moves.
    pub(crate) fn width(&self, latent: Latent) -> usize {
        if self.angles_as_sin_cos && latent.is_angle() { 2 } else { 1 }
    }

    /// The truth's columns of `latent`: empty when it is not in the truth.
    pub(crate) fn columns(&self, latent: Latent) -> Range<usize> {
        let mut start = usize::from(self.class_latent);
        for &l in &self.dynamic {
            if l == latent {
                return start..start + self.width(l);
            }
            start += self.width(l);
        }
        0..0
    }

    pub(crate) fn n_columns(&self) -> usize {
        usize::from(self.class_latent) + self.dynamic.iter().map(|&l| self.width(l)).sum::<usize>()
    }
}

impl Causal3dIdentConfig {
    /// The latents a target name stands for.
    fn target(&self, name: &str) -> Result<Vec<Latent>, ConfigError> {
        let moving = |l: &Latent| self.rotation_gamma || *l != Latent::RotGamma;
        if let Some((_, group)) = GROUPS.iter().find(|(g, _)| *g == name) {
            return Ok(group.iter().copied().filter(moving).collect());
        }
        match Latent::ALL.into_iter().find(|l| l.name() == name) {
            Some(Latent::RotGamma) if !self.rotation_gamma => Err(invalid(
                "`targets`: `rot_gamma` is held at 0 unless `rotation_gamma` = true; an intervention on it would \
                 be visible as a latent that never moves otherwise"
                    .into(),
            )),
            Some(l) => Ok(vec![l]),
            None => {
                let names: Vec<&str> =
                    GROUPS.iter().map(|(g, _)| *g).chain(Latent::ALL.iter().map(|l| l.name())).collect();
                Err(invalid(format!("`targets`: unknown target `{name}`; expected one of {}", names.join(", "))))
            }
        }
    }

    /// Validates the configuration and lays out its design.
    pub(crate) fn design(&self) -> Result<Design, ConfigError> {
        self.check_values()?;
        let mut target_latents: Vec<Vec<Latent>> = Vec::new();
        for name in &self.targets {
            let latents = self.target(name)?;
            if let Some(j) = target_latents.iter().position(|other| other.iter().any(|l| latents.contains(l))) {
                return Err(invalid(format!(
                    "`targets`: `{name}` and `{}` both act on a latent; a latent is targeted at most once, \
                     combinations intervene on several (`combinations`)",
                    self.targets[j]
                )));
            }
            target_latents.push(latents);
        }
        let mut conditions = vec![Perturbation::control()];
        conditions.extend((0..self.targets.len() as u32).map(|t| Perturbation::new([t])));
        for label in &self.combinations {
            let combination = Perturbation::parse(label, &self.targets)
                .map_err(|e| invalid(format!("`combinations`: {e}")))?;
            if !combination.is_combination() {
                return Err(invalid(format!(
                    "`combinations`: `{label}` names fewer than two distinct targets; single targets and the \
                     control are always simulated"
                )));
            }
            if conditions.contains(&combination) {
                return Err(invalid(format!("`combinations`: `{label}` is listed twice")));
            }
            conditions.push(combination);
        }
        let values = conditions.len() as u128
            * self.scenes_per_condition as u128
            * u128::from(self.time_points)
            * 3
            * u128::from(self.image_size).pow(2);
        // A Vec<f32> of the images must fit in memory and the address space.
        if values > (1u128 << 34) {
            return Err(invalid(format!(
                "{} conditions x `scenes_per_condition` = {} x `time_points` = {} images of 3 x {} x {} are \
                 {values} values (64 GiB or more)",
                conditions.len(),
                self.scenes_per_condition,
                self.time_points,
                self.image_size,
                self.image_size
            )));
        }
        let dynamic = Latent::ALL.into_iter().filter(|&l| self.rotation_gamma || l != Latent::RotGamma).collect();
        Ok(Design {
            target_names: self.targets.clone(),
            target_latents,
            conditions,
            dynamic,
            class_latent: self.shapes.len() > 1,
            angles_as_sin_cos: self.truth_angles == TruthAngles::SinCos,
        })
    }

    /// Per class, how it sets the object's hue goal.
    pub(crate) fn hue_goals(&self) -> Vec<HueGoal> {
        self.shapes.iter().map(|&s| HueGoal::of(s)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_expand_and_conditions_follow_the_targets() {
        let config = Causal3dIdentConfig {
            targets: vec!["position".into(), "object_hue".into(), "rot_beta".into()],
            combinations: vec!["object_hue+position".into()],
            shapes: vec![crate::mesh::Shape::Teapot, crate::mesh::Shape::Knot],
            ..Causal3dIdentConfig::default()
        };
        let design = config.design().unwrap();
        assert_eq!(design.target_latents[0], vec![Latent::PosX, Latent::PosY, Latent::PosZ]);
        assert_eq!(design.conditions.len(), 5);
        let mask = design.intervened(4);
        let on: Vec<Latent> = Latent::ALL.into_iter().filter(|&l| mask[l as usize]).collect();
        assert_eq!(on, vec![Latent::PosX, Latent::PosY, Latent::PosZ, Latent::ObjectHue]);
        // Class first (invariant), then the nine moving latents; gamma is not one.
        assert_eq!(design.n_columns(), 10);
        assert_eq!(design.columns(Latent::PosX), 1..2);
        assert_eq!(design.columns(Latent::BackgroundHue), 9..10);
        assert!(design.columns(Latent::RotGamma).is_empty());
        // As sines and cosines, the six angles and hues take two columns each.
        let circular = Causal3dIdentConfig { truth_angles: TruthAngles::SinCos, ..config }.design().unwrap();
        assert_eq!(circular.n_columns(), 16);
        assert_eq!(circular.columns(Latent::PosZ), 3..4);
        assert_eq!(circular.columns(Latent::RotAlpha), 4..6);
        assert_eq!(circular.columns(Latent::BackgroundHue), 14..16);
        // The default rotation group leaves gamma out.
        let rotation = Causal3dIdentConfig::default().design().unwrap().target_latents[1].clone();
        assert_eq!(rotation, vec![Latent::RotAlpha, Latent::RotBeta]);
    }
}
