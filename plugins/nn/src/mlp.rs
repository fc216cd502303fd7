//! Multilayer perceptrons: the encoders and decoders of every neural plugin.

use crate::init::Initialiser;
use burn::module::{Module, Param};
use burn::tensor::Tensor;
use burn::tensor::activation;
use serde::Deserialize;

/// The nonlinearity between layers. Its derivative is needed too, by the
/// tangent pass of [`crate::ComponentwiseMlp`].
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// LeakyReLU with slope [`LEAKY_SLOPE`], as in TDRL's networks: injective
    /// (so a decoder made of it can be invertible) and cheap.
    #[default]
    LeakyRelu,
    /// Smooth, for when a piecewise-constant Jacobian is unwanted.
    Tanh,
}

/// TDRL's slope for LeakyReLU (also the simulator's).
pub const LEAKY_SLOPE: f64 = 0.2;

impl Activation {
    pub fn apply<const D: usize>(self, pre: Tensor<D>) -> Tensor<D> {
        match self {
            // `slope x + (1 - slope) relu(x)`, not `activation::leaky_relu`:
            // burn's autodiff has no LeakyReLU op, so that one becomes a
            // comparison and a `mask_where` forward and backward, which took
            // 30% of a CITE-VAE training step on flex; ReLU has its own fast
            // forward and backward kernels.
            Self::LeakyRelu => pre.clone().mul_scalar(LEAKY_SLOPE) + activation::relu(pre).mul_scalar(1.0 - LEAKY_SLOPE),
            Self::Tanh => pre.tanh(),
        }
    }

    /// The derivative at the pre-activation `pre`, elementwise.
    pub fn derivative<const D: usize>(self, pre: Tensor<D>) -> Tensor<D> {
        match self {
            Self::LeakyRelu => pre.greater_elem(0.0).float().mul_scalar(1.0 - LEAKY_SLOPE).add_scalar(LEAKY_SLOPE),
            Self::Tanh => pre.tanh().powi_scalar(2).neg().add_scalar(1.0),
        }
    }
}

/// An affine layer `x W + b` whose weights come from a seeded [`Initialiser`].
#[derive(Module, Debug)]
pub struct Dense {
    /// `d_in x d_out`.
    pub weight: Param<Tensor<2>>,
    pub bias: Param<Tensor<1>>,
}

impl Dense {
    pub fn new(d_in: usize, d_out: usize, init: &mut Initialiser) -> Self {
        Self { weight: init.fan_in_uniform([d_in, d_out], d_in), bias: init.fan_in_uniform([d_out], d_in) }
    }

    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        x.matmul(self.weight.val()) + self.bias.val().unsqueeze_dim(0)
    }
}

/// `widths[0] -> widths[1] -> ... -> widths[last]`, with the activation
/// between layers and none after the last (outputs are unconstrained means
/// or log-variances).
#[derive(Module, Debug)]
pub struct Mlp {
    layers: Vec<Dense>,
    #[module(skip)]
    activation: Activation,
}

impl Mlp {
    /// Panics if fewer than two widths are given: that is a programming
    /// error, not a data error.
    pub fn new(widths: &[usize], activation: Activation, init: &mut Initialiser) -> Self {
        assert!(widths.len() >= 2, "an MLP needs an input and an output width, got {widths:?}");
        let layers = widths.windows(2).map(|w| Dense::new(w[0], w[1], init)).collect();
        Self { layers, activation }
    }

    /// The widths an MLP from `d_in` through `hidden` layers of `width` to `d_out` has.
    pub fn widths(d_in: usize, width: usize, hidden: usize, d_out: usize) -> Vec<usize> {
        std::iter::once(d_in).chain(std::iter::repeat_n(width, hidden)).chain(std::iter::once(d_out)).collect()
    }

    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        self.layers.iter().enumerate().fold(x, |h, (i, layer)| {
            let pre = layer.forward(h);
            if i < last { self.activation.apply(pre) } else { pre }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn shapes_and_seeded_weights() {
        let device = Device::flex();
        let build = || Mlp::new(&Mlp::widths(3, 8, 2, 5), Activation::LeakyRelu, &mut Initialiser::new(&mut ChaCha8Rng::seed_from_u64(7), &device));
        let x = Tensor::<2>::from_data(TensorData::new(vec![0.5f32; 12], [4, 3]), &device);
        let a = build().forward(x.clone()).into_data().try_to_vec::<f32>().unwrap();
        let b = build().forward(x).into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(a.len(), 4 * 5);
        assert_eq!(a, b, "same seed, same weights");
    }

    #[test]
    fn activation_derivatives_match_finite_differences() {
        let device = Device::flex();
        let points = [-1.3f32, -0.2, 0.4, 2.0];
        let t = |v: Vec<f32>| Tensor::<1>::from_data(TensorData::new(v, [points.len()]), &device);
        let h = 1e-3f32;
        for act in [Activation::LeakyRelu, Activation::Tanh] {
            let up = act.apply(t(points.iter().map(|p| p + h).collect())).into_data().try_to_vec::<f32>().unwrap();
            let down = act.apply(t(points.iter().map(|p| p - h).collect())).into_data().try_to_vec::<f32>().unwrap();
            let exact = act.derivative(t(points.to_vec())).into_data().try_to_vec::<f32>().unwrap();
            for i in 0..points.len() {
                let numeric = (up[i] - down[i]) / (2.0 * h);
                assert!((numeric - exact[i]).abs() < 1e-3, "{act:?} at {}: {numeric} vs {}", points[i], exact[i]);
            }
        }
    }
}
