//! `additive`: control mean plus the sum of the seen single-perturbation
//! shifts, the baseline that predicts combinations.
//!
//! For targets S at time point t it predicts
//! `control(t) + sum over g in S of (mean(single g, t) - control(t))`. No
//! deep model beat it on unseen double perturbations in Ahlmann-Eltze et
//! al. (Nature Methods 2025). Documented fallbacks: a target never seen
//! alone at t contributes no shift (its effect is unknown, so the model
//! falls back towards the control mean); a time point with no training
//! controls uses the nearest one that has them, for controls and shifts.

use citebench_core::data::{ControlMeans, Matrix, Observations};
use citebench_core::model::{Capabilities, Model, ModelEnv, ModelError, Progress, Query, cells_from_profiles};
use serde::Deserialize;
use std::collections::BTreeMap;

/// additive has no hyperparameters; any key is an error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hyperparameters {}

struct Fitted {
    controls: ControlMeans,
    /// (target, time point) -> mean(single target) - control at that time point.
    shifts: BTreeMap<(u32, u32), Vec<f64>>,
}

pub struct Additive {
    fitted: Option<Fitted>,
}

impl Model for Additive {
    const NAME: &'static str = "additive";
    const CAPABILITIES: Capabilities = Capabilities::PREDICT;
    type Hyperparameters = Hyperparameters;

    fn create(_: Hyperparameters, _: ModelEnv) -> Result<Self, ModelError> {
        Ok(Self { fitted: None })
    }

    fn fit(&mut self, train: &Observations, progress: &mut dyn Progress) -> Result<(), ModelError> {
        let means = train.condition_means();
        let controls = ControlMeans::new(&means);
        if controls.is_empty() {
            return Err(ModelError::Failed("the training data hold no control cells".into()));
        }
        let mut shifts = BTreeMap::new();
        for ((p, t), c) in &means {
            if let ([target], Some(control)) = (p.targets(), controls.at(*t)) {
                shifts.insert((*target, *t), c.mean.iter().zip(control).map(|(m, c)| m - c).collect());
            }
        }
        self.fitted = Some(Fitted { controls, shifts });
        progress.report(1.0);
        Ok(())
    }

    fn predict(&self, queries: &[Query]) -> Result<Matrix, ModelError> {
        let fitted = self.fitted.as_ref().ok_or_else(|| ModelError::Failed("predict called before fit".into()))?;
        let mut profiles = Vec::with_capacity(queries.len());
        for q in queries {
            let (t, control) =
                fitted.controls.nearest(q.time_point).ok_or_else(|| ModelError::Failed("no control means".into()))?;
            let mut profile = control.to_vec();
            for target in q.perturbation.targets() {
                if let Some(shift) = fitted.shifts.get(&(*target, t)) {
                    profile.iter_mut().zip(shift).for_each(|(p, s)| *p += s);
                }
            }
            profiles.push(profile);
        }
        cells_from_profiles(queries, &profiles)
    }
}

citebench_core::export_model!(Additive);
