//! Seeded parameter initialisation.
//!
//! burn's own initialisers draw from the backend's random generator, which
//! some backends seed globally: two models created at once in one plugin
//! would then race for it. Every parameter here is drawn on the host from
//! the model's own ChaCha stream instead, so the same seed gives the same
//! weights whatever else runs in the process.

use burn::module::Param;
use burn::tensor::{Device, Tensor, TensorData};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// A model's random streams of one seed, kept apart so that changing one
/// use of randomness (say, the number of epochs) leaves the others alone.
pub mod streams {
    /// The stream that initialises a fit's weights; restart `r > 0` uses
    /// [`restart`]`(r)`, so a single restart is the plain fit.
    pub const INIT: u64 = 0;
    /// Minibatch order and every noise draw in training.
    pub const TRAINING: u64 = 1;
    /// Streams from here on are the plugin's own (prediction, ...).
    pub const FIRST_FREE: u64 = 2;

    /// The initialisation stream of restart `r`.
    pub fn restart(r: usize) -> u64 {
        if r == 0 { INIT } else { (1 << 32) | r as u64 }
    }
}

/// A ChaCha8 generator on stream `stream` of `seed`.
pub fn seeded(seed: u64, stream: u64) -> ChaCha8Rng {
    use rand::SeedableRng;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// Draws parameters from one seeded stream, in call order.
pub struct Initialiser<'a> {
    rng: &'a mut ChaCha8Rng,
    device: &'a Device,
}

impl<'a> Initialiser<'a> {
    pub fn new(rng: &'a mut ChaCha8Rng, device: &'a Device) -> Self {
        Self { rng, device }
    }

    pub fn device(&self) -> &Device {
        self.device
    }

    /// A tensor of `shape` with entries `U(-bound, bound)`.
    pub fn uniform<const D: usize>(&mut self, shape: [usize; D], bound: f32) -> Param<Tensor<D>> {
        let n = shape.iter().product();
        let values: Vec<f32> = (0..n).map(|_| self.rng.random_range(-bound..=bound)).collect();
        self.param(values, shape)
    }

    /// A tensor of `shape` filled with `value`.
    pub fn constant<const D: usize>(&mut self, shape: [usize; D], value: f32) -> Param<Tensor<D>> {
        let n = shape.iter().product();
        self.param(vec![value; n], shape)
    }

    /// PyTorch's default for a linear layer: `U(-1/sqrt(fan_in), 1/sqrt(fan_in))`,
    /// which keeps activations at unit scale through LeakyReLU/tanh stacks.
    pub fn fan_in_uniform<const D: usize>(&mut self, shape: [usize; D], fan_in: usize) -> Param<Tensor<D>> {
        self.uniform(shape, 1.0 / (fan_in.max(1) as f32).sqrt())
    }

    fn param<const D: usize>(&mut self, values: Vec<f32>, shape: [usize; D]) -> Param<Tensor<D>> {
        Param::from_data(TensorData::new(values, shape), self.device)
    }
}
