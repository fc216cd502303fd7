//! Perturbations as sets of intervention targets.
//!
//! A perturbation is what an experimenter did to a unit: which targets
//! (genes knocked out, or simulated "genes") were hit. The empty set is the
//! control; two or more targets are a combination. Which *latents* a target
//! moves is ground truth and lives in [`super::GroundTruth`], never here.

use std::fmt;
use thiserror::Error;

/// A sorted set of target ids; the empty set is the control.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Perturbation(Vec<u32>);

/// The label written for the control in files and messages.
pub const CONTROL_LABEL: &str = "control";

#[derive(Debug, Error, PartialEq)]
pub enum PerturbationParseError {
    #[error("unknown perturbation target `{name}` in `{label}`; known targets: {known}")]
    UnknownTarget { label: String, name: String, known: String },
    #[error("empty target name in `{0}` (targets of a combination are joined by `+`)")]
    EmptyName(String),
}

impl Perturbation {
    pub fn control() -> Self {
        Self(Vec::new())
    }

    /// A perturbation hitting `targets`; order and repeats do not matter.
    pub fn new(targets: impl IntoIterator<Item = u32>) -> Self {
        let mut t: Vec<u32> = targets.into_iter().collect();
        t.sort_unstable();
        t.dedup();
        Self(t)
    }

    pub fn targets(&self) -> &[u32] {
        &self.0
    }

    pub fn is_control(&self) -> bool {
        self.0.is_empty()
    }

    pub fn is_combination(&self) -> bool {
        self.0.len() >= 2
    }

    /// Parses a label such as `control`, `P3` or `P1+P2` against target names.
    pub fn parse(label: &str, target_names: &[String]) -> Result<Self, PerturbationParseError> {
        let label = label.trim();
        if label == CONTROL_LABEL {
            return Ok(Self::control());
        }
        let mut ids = Vec::new();
        for name in label.split('+').map(str::trim) {
            if name.is_empty() {
                return Err(PerturbationParseError::EmptyName(label.to_string()));
            }
            match target_names.iter().position(|t| t == name) {
                Some(i) => ids.push(i as u32),
                None => {
                    return Err(PerturbationParseError::UnknownTarget {
                        label: label.to_string(),
                        name: name.to_string(),
                        known: target_names.join(", "),
                    });
                }
            }
        }
        Ok(Self::new(ids))
    }

    /// The label of this perturbation given target names: `control` or `A+B`.
    pub fn label(&self, target_names: &[String]) -> String {
        if self.is_control() {
            return CONTROL_LABEL.to_string();
        }
        self.0
            .iter()
            .map(|&t| target_names.get(t as usize).cloned().unwrap_or_else(|| format!("#{t}")))
            .collect::<Vec<_>>()
            .join("+")
    }
}

impl fmt::Display for Perturbation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_control() {
            return f.write_str(CONTROL_LABEL);
        }
        let ids: Vec<String> = self.0.iter().map(|t| format!("#{t}")).collect();
        f.write_str(&ids.join("+"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["P0", "P1", "P2"].iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parse_round_trips_and_sorts() {
        let p = Perturbation::parse("P2+P0", &names()).unwrap();
        assert_eq!(p.targets(), &[0, 2]);
        assert!(p.is_combination());
        assert_eq!(p.label(&names()), "P0+P2");
        assert!(Perturbation::parse("control", &names()).unwrap().is_control());
    }

    #[test]
    fn parse_names_the_unknown_target() {
        let err = Perturbation::parse("P1+P9", &names()).unwrap_err();
        assert!(err.to_string().contains("`P9`"), "{err}");
        assert!(err.to_string().contains("P0, P1, P2"), "{err}");
    }
}
