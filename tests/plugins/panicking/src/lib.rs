//! A test plugin whose `fit` panics, to check that the host turns a panic
//! into an error row and goes on with the other models.

use citebench_core::data::Observations;
use citebench_core::model::{Capabilities, Model, ModelEnv, ModelError, Progress};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hyperparameters {}

pub struct Panicking;

impl Model for Panicking {
    const NAME: &'static str = "test-panicking";
    const CAPABILITIES: Capabilities = Capabilities::ENCODE.union(Capabilities::PREDICT);
    type Hyperparameters = Hyperparameters;

    fn create(_: Hyperparameters, _: ModelEnv) -> Result<Self, ModelError> {
        Ok(Self)
    }

    fn fit(&mut self, _: &Observations, _: &mut dyn Progress) -> Result<(), ModelError> {
        panic!("deliberate panic in fit")
    }
}

citebench_core::export_model!(Panicking);
