//! The experimental design a configuration implies: the targets, the
//! conditions (control, each target alone, then the combinations), and
//! which of them are simulated.
//!
//! Unit ids are laid out by the full table of conditions,
//! `condition * units_per_condition + k`, even when a violation leaves a
//! condition out: the units of the other conditions keep their ids, hence
//! their random streams, so leaving a condition out changes nothing else.

use citebench_core::config::ConfigError;
use citebench_core::data::Perturbation;

use crate::config::{LatentScmConfig, invalid};

/// The targets and the conditions a configuration simulates.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Design {
    pub(crate) target_names: Vec<String>,
    /// Control first, then each target alone, then the combinations in
    /// configuration order; a unit's condition indexes this table.
    pub(crate) conditions: Vec<Perturbation>,
    /// Per condition, whether its units are simulated (all are, unless the
    /// `few_conditions` violation leaves some out).
    pub(crate) simulated: Vec<bool>,
}

impl LatentScmConfig {
    /// Validates the configuration and lays out its conditions.
    pub(crate) fn design(&self) -> Result<Design, ConfigError> {
        self.check_sizes()?;
        self.check_magnitudes()?;
        let target_names: Vec<String> = (0..self.targets).map(|t| format!("P{t}")).collect();
        let mut conditions = vec![Perturbation::control()];
        conditions.extend((0..self.targets).map(|t| Perturbation::new([t])));
        for label in &self.combinations {
            let combination = Perturbation::parse(label, &target_names)
                .map_err(|e| ConfigError::invalid(format!("`combinations`: {e}")))?;
            if !combination.is_combination() {
                return Err(invalid(format!(
                    "`combinations`: `{label}` names fewer than two distinct targets; \
                     single targets and the control are always simulated"
                )));
            }
            if conditions.contains(&combination) {
                return Err(invalid(format!("`combinations`: `{label}` is listed twice")));
            }
            conditions.push(combination);
        }
        let units = conditions.len().checked_mul(self.units_per_condition);
        let cells = units.and_then(|u| u.checked_mul(self.time_points as usize));
        if cells.and_then(|c| c.checked_mul(self.observed.max(self.invariant_latents + self.dynamic_latents))).is_none()
        {
            return Err(invalid(format!(
                "{} conditions x `units_per_condition` = {} x `time_points` = {} x `observed` = {} \
                 values overflow the address space",
                conditions.len(),
                self.units_per_condition,
                self.time_points,
                self.observed
            )));
        }
        let simulated = vec![true; conditions.len()];
        Ok(Design { target_names, conditions, simulated })
    }
}

impl Design {
    /// The single-target conditions, in target order: condition `1 + t` is target `t` alone.
    pub(crate) fn single(&self, target: u32) -> usize {
        1 + target as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LatentScmConfig;

    #[test]
    fn combinations_follow_the_singles_in_config_order() {
        let config = LatentScmConfig {
            targets: 3,
            combinations: vec!["P2+P0".into(), "P1+P2".into()],
            ..LatentScmConfig::default()
        };
        let design = config.design().unwrap();
        assert_eq!(design.conditions[0], Perturbation::control());
        assert_eq!(design.conditions[design.single(2)], Perturbation::new([2]));
        assert_eq!(design.conditions[4], Perturbation::new([0, 2]));
        assert_eq!(design.conditions[5], Perturbation::new([1, 2]));
        assert_eq!(design.simulated, vec![true; 6]);
        assert_eq!(LatentScmConfig::default().design().unwrap().target_names[8], "P8");
    }
}
