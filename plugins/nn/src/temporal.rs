//! TDRL's learned transition prior `p(z_t | z_{t-1}, context)`.
//!
//! Each latent `i` has an inverse transition network
//! `r_i([context_i, history, z_{t,i}]) -> eps_hat_{t,i}` that recovers the
//! independent noise of its transition. By the change of variables,
//! `log p(z_t | history, context) = sum_i log N(eps_hat_{t,i}; 0, 1) + log |d r_i / d z_{t,i}|`.
//! The derivative comes from [`ComponentwiseMlp::forward_with_tangent`]
//! (burn has no double backward). Unlike TDRL, whose domain embedding is
//! shared by all latents, the context here is per latent, so a caller can
//! mask which latents a perturbation reaches.
//!
//! Sampling inverts each `r_i` in its last input by bisection: `r_i` is a
//! scalar function of `z_{t,i}` once the history and context are fixed, and
//! the trained prior makes it monotone wherever data lie (its log-derivative
//! is rewarded), so a bracket search is exact to float precision without
//! needing `r_i` to be invertible in closed form.

use crate::componentwise::ComponentwiseMlp;
use crate::gaussian::LN_2PI;
use crate::init::Initialiser;
use crate::mlp::{Activation, Mlp};
use burn::module::Module;
use burn::tensor::Tensor;

/// Bisection halvings when sampling: a bracket's width / 2^40 is below f32 resolution.
const BISECTION_STEPS: usize = 40;
/// Keeps `log |d r / d z|` finite where a network is flat.
const MIN_ABS_DERIVATIVE: f32 = 1e-12;

/// The shapes of a [`TransitionPrior`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TransitionShape {
    /// Latents whose transition is modelled (`z_t` has this many columns).
    pub latents: usize,
    /// Context features per latent (0 for a stationary prior).
    pub context: usize,
    /// History features shared by all latents (`lags x latents` for TDRL).
    pub history: usize,
    /// Hidden width and depth of each inverse network.
    pub width: usize,
    pub hidden_layers: usize,
}

#[derive(Module, Debug)]
pub struct TransitionPrior {
    inverse: ComponentwiseMlp,
    #[module(skip)]
    latents: usize,
    #[module(skip)]
    context: usize,
}

impl TransitionPrior {
    pub fn new(shape: TransitionShape, activation: Activation, init: &mut Initialiser) -> Self {
        let d_in = shape.context + shape.history + 1;
        let widths = Mlp::widths(d_in, shape.width, shape.hidden_layers, 1);
        Self {
            inverse: ComponentwiseMlp::new(shape.latents, &widths, activation, init),
            latents: shape.latents,
            context: shape.context,
        }
    }

    /// Per-latent network inputs `latents x rows x (context + history + 1)`;
    /// `current` is `latents x rows x 1`, the column the tangent is taken for.
    fn inputs(&self, context: Option<Tensor<3>>, history: Tensor<2>, current: Tensor<3>) -> Tensor<3> {
        let [rows, h] = history.dims();
        let history = history.unsqueeze_dim::<3>(0).expand([self.latents, rows, h]);
        let parts = match context {
            Some(c) if self.context > 0 => vec![c, history, current],
            _ => vec![history, current],
        };
        Tensor::cat(parts, 2)
    }

    /// The recovered noise `eps_hat` and `log |d r_i / d z_{t,i}|`, both
    /// `rows x latents`. `context` is `latents x rows x context` (ignored
    /// when the prior has no context), `history` is `rows x history`,
    /// `current` (`z_t`) is `rows x latents`.
    pub fn residuals(&self, context: Option<Tensor<3>>, history: Tensor<2>, current: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let current = current.transpose().unsqueeze_dim::<3>(2);
        let input = self.inputs(context, history, current);
        let wrt = input.dims()[2] - 1;
        let (eps, derivative) = self.inverse.forward_with_tangent(input, wrt);
        let to_rows = |t: Tensor<3>| t.squeeze_dim::<2>(2).transpose();
        (to_rows(eps), to_rows(derivative.abs().clamp_min(MIN_ABS_DERIVATIVE).log()))
    }

    /// `log p(z_t | history, context)` per row.
    pub fn log_prob(&self, context: Option<Tensor<3>>, history: Tensor<2>, current: Tensor<2>) -> Tensor<1> {
        let (eps, log_derivative) = self.residuals(context, history, current);
        let d = eps.dims()[1] as f32;
        (eps.powi_scalar(2).mul_scalar(-0.5) + log_derivative).sum_dim(1).squeeze_dim::<1>(1).sub_scalar(0.5 * d * LN_2PI)
    }

    /// Draws `z_t` given standard normal `noise` (`rows x latents`): solves
    /// `r_i(..., z_{t,i}) = noise_i` for each latent by bisection in
    /// `[bracket.lo[i], bracket.hi[i]]`. Where no root lies in the bracket
    /// the nearer end is returned: a trained `r_i` is monotone only where
    /// data lie, so the bracket should be the range the data showed, and
    /// then even a poorly trained prior's samples stay in it.
    pub fn sample(&self, context: Option<Tensor<3>>, history: Tensor<2>, noise: Tensor<2>, bracket: &Bracket) -> Tensor<2> {
        let [rows, latents] = noise.dims();
        assert!(bracket.lo.len() == latents && bracket.hi.len() == latents, "one bracket per latent");
        let target = noise.transpose().unsqueeze_dim::<3>(2);
        let r = |z: Tensor<3>| self.inverse.forward(self.inputs(context.clone(), history.clone(), z));
        let device = target.device();
        let ends = |v: &[f32]| Tensor::<1>::from_floats(v, &device).reshape([latents, 1, 1]).expand([latents, rows, 1]);
        let (mut lo, mut hi) = (ends(&bracket.lo), ends(&bracket.hi));
        // +1 where r_i increases across the bracket, -1 where it decreases.
        let direction = (r(hi.clone()) - r(lo.clone())).sign();
        for _ in 0..BISECTION_STEPS {
            let mid = (lo.clone() + hi.clone()).mul_scalar(0.5);
            let above = ((r(mid.clone()) - target.clone()) * direction.clone()).greater_elem(0.0);
            hi = hi.mask_where(above.clone(), mid.clone());
            lo = mid.mask_where(above, lo);
        }
        (lo + hi).mul_scalar(0.5).squeeze_dim::<2>(2).transpose()
    }
}

/// Per-latent intervals that [`TransitionPrior::sample`] searches.
#[derive(Clone, Debug, PartialEq)]
pub struct Bracket {
    pub lo: Vec<f32>,
    pub hi: Vec<f32>,
}

impl Bracket {
    /// The range of each column of the row-major `rows x latents` values,
    /// widened on each side by `margin` times its width, and by at least
    /// `margin` (so a constant column gets an interval too); `[-1, 1]`
    /// widened so for a column without values.
    pub fn around(values: &[f32], latents: usize, margin: f32) -> Self {
        if latents == 0 {
            return Self { lo: Vec::new(), hi: Vec::new() };
        }
        let mut lo = vec![f32::INFINITY; latents];
        let mut hi = vec![f32::NEG_INFINITY; latents];
        for row in values.chunks_exact(latents) {
            for (i, &v) in row.iter().enumerate() {
                lo[i] = lo[i].min(v);
                hi[i] = hi[i].max(v);
            }
        }
        for (l, h) in lo.iter_mut().zip(&mut hi) {
            if !(l.is_finite() && h.is_finite()) {
                (*l, *h) = (-1.0, 1.0);
            }
            let pad = ((*h - *l) * margin).max(margin);
            (*l, *h) = (*l - pad, *h + pad);
        }
        Self { lo, hi }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gaussian::standard_normal;
    use burn::tensor::Device;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn shape() -> TransitionShape {
        TransitionShape { latents: 3, context: 2, history: 3, width: 16, hidden_layers: 2 }
    }

    fn inputs(rng: &mut ChaCha8Rng, rows: usize) -> (Tensor<3>, Tensor<2>) {
        let device = Device::flex();
        let context = standard_normal(rng, 3 * rows, 2, &device).reshape([3, rows, 2]);
        (context, standard_normal(rng, rows, 3, &device))
    }

    /// Sampling inverts the residual map: the noise recovered from a sample
    /// is the noise it was drawn with. An affine inverse network is monotone
    /// in `z_{t,i}` by construction, as a trained prior is where data lie;
    /// a randomly initialised deep one need not be.
    #[test]
    fn sample_inverts_residuals() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let shape = TransitionShape { hidden_layers: 0, ..shape() };
        let prior = TransitionPrior::new(shape, Activation::Tanh, &mut Initialiser::new(&mut rng, &Device::flex()));
        let rows = 64;
        let (context, history) = inputs(&mut rng, rows);
        let noise = standard_normal(&mut rng, rows, 3, &Device::flex());
        let bracket = Bracket { lo: vec![-50.0; 3], hi: vec![50.0; 3] };
        let sample = prior.sample(Some(context.clone()), history.clone(), noise.clone(), &bracket);
        let (recovered, _) = prior.residuals(Some(context), history, sample);
        let err = (recovered - noise).abs().max().into_scalar::<f32>();
        assert!(err < 1e-3, "largest residual mismatch {err}");
    }

    #[test]
    fn brackets_cover_each_columns_range_with_a_margin() {
        let b = Bracket::around(&[0.0, 5.0, 2.0, 5.0, 1.0, 5.0], 2, 0.5);
        assert_eq!(b, Bracket { lo: vec![-1.0, 4.5], hi: vec![3.0, 5.5] });
        assert_eq!(Bracket::around(&[], 1, 0.5), Bracket { lo: vec![-2.0], hi: vec![2.0] });
    }

    /// Noise no value in the bracket maps to gives the nearer end, never
    /// a value outside it.
    #[test]
    fn samples_stay_in_the_bracket() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let prior = TransitionPrior::new(shape(), Activation::LeakyRelu, &mut Initialiser::new(&mut rng, &Device::flex()));
        let (context, history) = inputs(&mut rng, 32);
        let noise = standard_normal(&mut rng, 32, 3, &Device::flex()).mul_scalar(100.0);
        let bracket = Bracket { lo: vec![-1.0, 0.0, 2.0], hi: vec![1.0, 0.5, 3.0] };
        let sample = prior.sample(Some(context), history, noise, &bracket).into_data().try_to_vec::<f32>().unwrap();
        for (k, v) in sample.iter().enumerate() {
            let i = k % 3;
            assert!((bracket.lo[i]..=bracket.hi[i]).contains(v), "latent {i}: {v} outside {bracket:?}");
        }
    }

    /// With a one-layer (affine) inverse network the prior is an exact
    /// Gaussian: log p must integrate the change of variables correctly.
    #[test]
    fn log_prob_of_an_affine_prior_is_gaussian() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let shape = TransitionShape { hidden_layers: 0, ..shape() };
        let prior = TransitionPrior::new(shape, Activation::LeakyRelu, &mut Initialiser::new(&mut rng, &Device::flex()));
        let rows = 8;
        let (context, history) = inputs(&mut rng, rows);
        let z = standard_normal(&mut rng, rows, 3, &Device::flex());
        let (eps, log_derivative) = prior.residuals(Some(context.clone()), history.clone(), z.clone());
        // d r_i / d z_i is the constant weight of the last input.
        let ld = log_derivative.clone().into_data().try_to_vec::<f32>().unwrap();
        for i in 0..3 {
            assert!(ld.iter().skip(i).step_by(3).all(|&v| (v - ld[i]).abs() < 1e-6), "{ld:?}");
        }
        let expected = crate::gaussian::log_standard_normal(eps) + log_derivative.sum_dim(1).squeeze_dim::<1>(1);
        let got = prior.log_prob(Some(context), history, z);
        let err = (got - expected).abs().max().into_scalar::<f32>();
        assert!(err < 1e-5, "{err}");
    }
}
