//! Counts on top of the latent simulator: the count model of
//! `citebench-counts` as the last readout stage, turning each cell's
//! continuous expression (mixing output plus any noise and batch effect)
//! into counts drawn from that cell's own stream.

use bevy_ecs::prelude::*;
use citebench_counts::{CountConfig, CountModel};

use crate::readout::{FeatureStage, Readout, RowKey, Stage};
use crate::stream::{Draw, Streams};
use crate::world::SimPlugin;

struct Counting(CountModel);

impl FeatureStage for Counting {
    fn apply(&self, key: RowKey, x: &mut [f32], streams: &Streams) {
        self.0.sample_cell(x, &mut streams.bulk(Draw::Counts, key.unit, key.time_point));
    }
}

/// Adds the count stage; the gene baselines come from their own stream.
pub(crate) fn plugin(config: CountConfig, genes: usize) -> impl SimPlugin {
    move |world: &mut World, _: &mut Schedule| {
        let model = CountModel::new(&config, genes, &mut world.resource::<Streams>().mechanism(Draw::CountGenes));
        world.resource_mut::<Readout>().add(Stage::Counts, Box::new(Counting(model)));
    }
}
