//! Independent MLPs, one per component (latent), evaluated together as
//! batched matrix products, with an exact forward-mode derivative.
//!
//! TDRL's learned transition prior needs, for each latent `i`, the
//! derivative of its network's output with respect to one of its inputs
//! (`d r_i / d z_{t,i}`), and then gradients *of that derivative* for
//! training. burn has no double backward, so the derivative is computed in
//! the forward pass instead: a tangent for the chosen input is pushed
//! through the network alongside the values (the first layer's tangent is
//! that input's weight row, each activation multiplies it by its derivative
//! at the pre-activation, each later layer multiplies it by its weight
//! matrix). The result is exact, and ordinary backprop trains through it.

use crate::init::Initialiser;
use crate::mlp::Activation;
use burn::module::{Module, Param};
use burn::tensor::Tensor;

/// One layer of every component's MLP: `weight` is `components x d_in x d_out`.
#[derive(Module, Debug)]
struct ComponentwiseLayer {
    weight: Param<Tensor<3>>,
    /// `components x 1 x d_out`, so it broadcasts over rows.
    bias: Param<Tensor<3>>,
}

/// `components` MLPs of identical shape and separate weights. Inputs are
/// `components x rows x d_in`: each component sees its own input rows.
#[derive(Module, Debug)]
pub struct ComponentwiseMlp {
    layers: Vec<ComponentwiseLayer>,
    #[module(skip)]
    activation: Activation,
}

impl ComponentwiseMlp {
    /// `widths` as for [`crate::Mlp::new`]; panics on fewer than two.
    pub fn new(components: usize, widths: &[usize], activation: Activation, init: &mut Initialiser) -> Self {
        assert!(widths.len() >= 2, "an MLP needs an input and an output width, got {widths:?}");
        let layers = widths
            .windows(2)
            .map(|w| ComponentwiseLayer {
                weight: init.fan_in_uniform([components, w[0], w[1]], w[0]),
                bias: init.fan_in_uniform([components, 1, w[1]], w[0]),
            })
            .collect();
        Self { layers, activation }
    }

    /// Outputs, `components x rows x d_out`.
    pub fn forward(&self, input: Tensor<3>) -> Tensor<3> {
        let last = self.layers.len() - 1;
        self.layers.iter().enumerate().fold(input, |h, (i, layer)| {
            let pre = h.matmul(layer.weight.val()) + layer.bias.val();
            if i < last { self.activation.apply(pre) } else { pre }
        })
    }

    /// Outputs and their derivatives with respect to input column `wrt`,
    /// both `components x rows x d_out`.
    pub fn forward_with_tangent(&self, input: Tensor<3>, wrt: usize) -> (Tensor<3>, Tensor<3>) {
        let (output, hidden) = self.layers.split_last().expect("an MLP has at least one layer");
        let mut h = input;
        // The tangent of the first pre-activation is the weight row of the
        // input `wrt`: `components x 1 x d_out`, the same for every row.
        let mut tangent: Option<Tensor<3>> = None;
        let step = |layer: &ComponentwiseLayer, h: Tensor<3>, tangent: Option<Tensor<3>>| {
            let weight = layer.weight.val();
            let pre = h.matmul(weight.clone()) + layer.bias.val();
            let pre_tangent = match tangent {
                None => weight.narrow(1, wrt, 1),
                Some(t) => t.matmul(weight),
            };
            (pre, pre_tangent)
        };
        for layer in hidden {
            let (pre, pre_tangent) = step(layer, h, tangent);
            tangent = Some(pre_tangent * self.activation.derivative(pre.clone()));
            h = self.activation.apply(pre);
        }
        let (out, out_tangent) = step(output, h, tangent);
        // A one-layer network's tangent has not met any row yet: broadcast it.
        let shape = out.dims();
        (out, out_tangent.expand(shape))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn values(t: Tensor<3>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    /// The tangent-propagated derivative equals a central finite difference,
    /// for both activations and several depths.
    #[test]
    fn tangent_matches_finite_difference() {
        let device = Device::flex();
        let (components, rows, d_in) = (3, 5, 4);
        for (activation, hidden) in [(Activation::Tanh, 2), (Activation::LeakyRelu, 2), (Activation::Tanh, 0)] {
            let mut rng = ChaCha8Rng::seed_from_u64(11);
            let widths = crate::Mlp::widths(d_in, 16, hidden, 1);
            let net = ComponentwiseMlp::new(components, &widths, activation, &mut Initialiser::new(&mut rng, &device));
            let x: Vec<f32> = (0..components * rows * d_in).map(|_| rng.random_range(-1.5..1.5)).collect();
            let wrt = d_in - 1;
            let at = |shift: f32| {
                let mut v = x.clone();
                for k in (wrt..v.len()).step_by(d_in) {
                    v[k] += shift;
                }
                Tensor::<3>::from_data(TensorData::new(v, [components, rows, d_in]), &device)
            };
            let (out, tangent) = net.forward_with_tangent(at(0.0), wrt);
            assert_eq!(values(out), values(net.forward(at(0.0))), "{activation:?}: values unchanged by the tangent pass");
            let h = 1e-3;
            let up = values(net.forward(at(h)));
            let down = values(net.forward(at(-h)));
            for (k, exact) in values(tangent).into_iter().enumerate() {
                let numeric = (up[k] - down[k]) / (2.0 * h);
                // LeakyReLU's kink can fall inside [x-h, x+h]; a tolerance of
                // 2e-2 still catches a wrong weight row or a missing factor.
                assert!((numeric - exact).abs() < 2e-2, "{activation:?}/{hidden}: entry {k}: {numeric} vs {exact}");
            }
        }
    }
}
