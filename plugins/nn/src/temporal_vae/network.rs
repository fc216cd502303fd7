//! The temporal VAE's network: encoder `q(s, z_t | x_t)`, decoder `g(s, z_t)`,
//! the target-to-latent perturbation embedding, and the learned transition
//! prior `p(z_t | z_{t-1}, perturbation)`.

use super::{PerturbationEffect, Shape};
use crate::{Bracket, Decoder, Encoder, Initialiser, TransitionPrior, TransitionShape};
use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor, TensorData};

/// Keeps the group-lasso norm differentiable at zero.
const NORM_FLOOR: f32 = 1e-12;

/// A perturbation's effect on each row's transition, ready to use.
#[derive(Clone)]
pub enum Effect {
    /// `rows x dynamic`: added to `z_t` after the unperturbed transition.
    Shift(Tensor<2>),
    /// `dynamic x rows x embedding`: extra inputs of each inverse transition network.
    Context(Tensor<3>),
}

/// Posterior parameters per row. `s` is `None` without an invariant block.
pub struct Posterior {
    pub s: Option<(Tensor<2>, Tensor<2>)>,
    pub z_mean: Tensor<2>,
    pub z_log_var: Tensor<2>,
}

#[derive(Module, Debug)]
pub struct TemporalVae {
    encoder: Encoder,
    decoder: Decoder,
    prior: TransitionPrior,
    /// `targets x dynamic x embedding`: target k's effect on latent i (a
    /// shift, or context features of latent i's transition); a
    /// perturbation's effect is the sum over its targets, so unseen
    /// combinations of seen targets have one.
    embedding: Param<Tensor<3>>,
    #[module(skip)]
    shape: Shape,
}

impl TemporalVae {
    pub fn new(sizes: Shape, init: &mut Initialiser) -> Self {
        let latents = sizes.invariant + sizes.dynamic;
        // Checked by `FittedTemporalVae::fit` before any network is built.
        let input = sizes.input().expect("a conv configuration that fits the images");
        let encoder = Encoder::new(input, sizes.hidden_width, sizes.hidden_layers, 2 * latents, sizes.activation, init);
        let decoder = Decoder::new(latents, sizes.hidden_width, sizes.hidden_layers, input, sizes.activation, init);
        let context = match sizes.effect {
            PerturbationEffect::Shift => 0,
            PerturbationEffect::Context => sizes.embedding,
        };
        let shape = TransitionShape {
            latents: sizes.dynamic,
            context,
            history: sizes.dynamic * sizes.lags.max(1),
            width: sizes.transition_width,
            hidden_layers: sizes.transition_layers,
        };
        let prior = TransitionPrior::new(shape, sizes.activation, init);
        // Small, so that targets the data say nothing about stay near zero
        // (no effect) under the sparsity penalty.
        let embedding = init.uniform([sizes.targets.max(1), sizes.dynamic, sizes.embedding], 0.01);
        Self { encoder, decoder, prior, embedding, shape: sizes }
    }

    pub fn shape(&self) -> Shape {
        self.shape
    }

    pub fn encode(&self, x: Tensor<2>) -> Posterior {
        let Shape { invariant: ns, dynamic: nz, .. } = self.shape;
        let out = self.encoder.forward(x);
        let s = (ns > 0).then(|| (out.clone().narrow(1, 0, ns), out.clone().narrow(1, ns, ns)));
        let z = out.narrow(1, 2 * ns, 2 * nz);
        Posterior { s, z_mean: z.clone().narrow(1, 0, nz), z_log_var: z.narrow(1, nz, nz) }
    }

    /// Decoder means for latents `[s, z]` (`s` absent without an invariant block).
    pub fn decode(&self, s: Option<Tensor<2>>, z: Tensor<2>) -> Tensor<2> {
        let latents = match s {
            Some(s) => Tensor::cat(vec![s, z], 1),
            None => z,
        };
        self.decoder.forward(latents)
    }

    /// The effect of each row's perturbation, from `targets[r]`, the target
    /// ids of row r: the sum of its targets' embeddings.
    pub fn effect(&self, targets: &[&[u32]], device: &Device) -> Effect {
        let Shape { targets: k, dynamic: nz, embedding: e, .. } = self.shape;
        let k = k.max(1);
        let rows = targets.len();
        let mut multi_hot = vec![0f32; rows * k];
        for (r, ids) in targets.iter().enumerate() {
            for &t in ids.iter() {
                multi_hot[r * k + t as usize] = 1.0;
            }
        }
        let multi_hot = Tensor::<2>::from_data(TensorData::new(multi_hot, [rows, k]), device);
        let summed = multi_hot.matmul(self.embedding.val().reshape([k, nz * e]));
        match self.shape.effect {
            PerturbationEffect::Shift => Effect::Shift(summed),
            PerturbationEffect::Context => Effect::Context(summed.reshape([rows, nz, e]).swap_dims(0, 1)),
        }
    }

    /// `log p(z_t | z_{t-1}, perturbation)` per row. A shift moves the
    /// unperturbed conditional, so its log density is that of `z_t - shift`
    /// (the Jacobian of a translation is 1).
    pub fn log_transition(&self, effect: &Effect, previous: Tensor<2>, current: Tensor<2>) -> Tensor<1> {
        match effect {
            Effect::Shift(shift) => self.prior.log_prob(None, previous, current - shift.clone()),
            Effect::Context(context) => self.prior.log_prob(Some(context.clone()), previous, current),
        }
    }

    /// Draws `z_t` given `z_{t-1}` and standard normal `noise` (see
    /// [`TransitionPrior::sample`] for `bracket`; under a shift it bounds
    /// the unshifted value).
    pub fn sample_transition(&self, effect: &Effect, previous: Tensor<2>, noise: Tensor<2>, bracket: &Bracket) -> Tensor<2> {
        match effect {
            Effect::Shift(shift) => self.prior.sample(None, previous, noise, bracket) + shift.clone(),
            Effect::Context(context) => self.prior.sample(Some(context.clone()), previous, noise, bracket),
        }
    }

    /// Group lasso over (target, latent) embeddings: `sum_{k,i} |E[k, i, :]|`,
    /// the L1 norm when embeddings are scalars. It drives whole target-to-
    /// latent links to zero, so each target reaches few latents.
    pub fn sparsity_penalty(&self) -> Tensor<1> {
        self.embedding.val().powi_scalar(2).sum_dim(2).add_scalar(NORM_FLOOR).sqrt().sum()
    }
}
