//! A test plugin that claims a future ABI version, to check that the host
//! refuses it by name, before reading anything but the version fields.

use citebench_core::abi::{ABI_VERSION, PluginDescriptor, guest};
use citebench_core::data::Observations;
use citebench_core::model::{Capabilities, Model, ModelEnv, ModelError, Progress};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct Hyperparameters {}

pub struct FromTheFuture;

impl Model for FromTheFuture {
    const NAME: &'static str = "test-abi-mismatch";
    const CAPABILITIES: Capabilities = Capabilities::ENCODE;
    type Hyperparameters = Hyperparameters;

    fn create(_: Hyperparameters, _: ModelEnv) -> Result<Self, ModelError> {
        Ok(Self)
    }

    fn fit(&mut self, _: &Observations, _: &mut dyn Progress) -> Result<(), ModelError> {
        Ok(())
    }
}

static DESCRIPTOR: PluginDescriptor = PluginDescriptor { abi_version: ABI_VERSION + 1, ..guest::descriptor::<FromTheFuture>() };

#[unsafe(no_mangle)]
pub extern "C" fn citebench_model_descriptor() -> *const PluginDescriptor {
    &DESCRIPTOR
}
