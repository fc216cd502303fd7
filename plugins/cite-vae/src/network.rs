//! The CITE-VAE network: encoder `q(s, z_t | x_t)`, decoder `g(s, z_t)`,
//! the target-to-latent perturbation embedding, and the learned transition
//! prior `p(z_t | z_{t-1}, perturbation)`.

use crate::hyperparameters::Hyperparameters;
use citebench_nn::burn::module::{Module, Param};
use citebench_nn::burn::tensor::{Device, Tensor, TensorData};
use citebench_nn::{Initialiser, Mlp, TransitionPrior, TransitionShape};

/// Keeps the group-lasso norm differentiable at zero.
const NORM_FLOOR: f32 = 1e-12;

/// The sizes a network is built with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sizes {
    pub features: usize,
    pub targets: usize,
    pub invariant: usize,
    pub dynamic: usize,
    pub embedding: usize,
}

/// Posterior parameters per row. `s` is `None` without an invariant block.
pub struct Posterior {
    pub s: Option<(Tensor<2>, Tensor<2>)>,
    pub z_mean: Tensor<2>,
    pub z_log_var: Tensor<2>,
}

#[derive(Module, Debug)]
pub struct CiteVae {
    encoder: Mlp,
    decoder: Mlp,
    prior: TransitionPrior,
    /// `targets x dynamic x embedding`: target k's embedding for latent i is
    /// the transition context of latent i; a perturbation's context is the
    /// sum over its targets, so unseen combinations of seen targets have one.
    embedding: Param<Tensor<3>>,
    #[module(skip)]
    sizes: Sizes,
}

impl CiteVae {
    pub fn new(h: &Hyperparameters, sizes: Sizes, init: &mut Initialiser) -> Self {
        let latents = sizes.invariant + sizes.dynamic;
        let encoder = Mlp::new(&Mlp::widths(sizes.features, h.hidden_width, h.hidden_layers, 2 * latents), h.activation, init);
        let decoder = Mlp::new(&Mlp::widths(latents, h.hidden_width, h.hidden_layers, sizes.features), h.activation, init);
        let shape = TransitionShape {
            latents: sizes.dynamic,
            context: sizes.embedding,
            history: sizes.dynamic,
            width: h.transition_width,
            hidden_layers: h.transition_layers,
        };
        let prior = TransitionPrior::new(shape, h.activation, init);
        // Small, so that targets the data say nothing about stay near zero
        // (no effect) under the sparsity penalty.
        let embedding = init.uniform([sizes.targets.max(1), sizes.dynamic, sizes.embedding], 0.01);
        Self { encoder, decoder, prior, embedding, sizes }
    }

    pub fn sizes(&self) -> Sizes {
        self.sizes
    }

    pub fn prior(&self) -> &TransitionPrior {
        &self.prior
    }

    pub fn encode(&self, x: Tensor<2>) -> Posterior {
        let Sizes { invariant: ns, dynamic: nz, .. } = self.sizes;
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

    /// Transition context of each row's perturbation, `dynamic x rows x embedding`,
    /// from `targets[r]`, the target ids of row r.
    pub fn context(&self, targets: &[&[u32]], device: &Device) -> Tensor<3> {
        let Sizes { targets: k, dynamic: nz, embedding: e, .. } = self.sizes;
        let k = k.max(1);
        let rows = targets.len();
        let mut multi_hot = vec![0f32; rows * k];
        for (r, ids) in targets.iter().enumerate() {
            for &t in ids.iter() {
                multi_hot[r * k + t as usize] = 1.0;
            }
        }
        let multi_hot = Tensor::<2>::from_data(TensorData::new(multi_hot, [rows, k]), device);
        multi_hot.matmul(self.embedding.val().reshape([k, nz * e])).reshape([rows, nz, e]).swap_dims(0, 1)
    }

    /// Group lasso over (target, latent) embeddings: `sum_{k,i} |E[k, i, :]|`,
    /// the L1 norm when embeddings are scalars. It drives whole target-to-
    /// latent links to zero, so each target reaches few latents.
    pub fn sparsity_penalty(&self) -> Tensor<1> {
        self.embedding.val().powi_scalar(2).sum_dim(2).add_scalar(NORM_FLOOR).sqrt().sum()
    }
}
