//! Convolutional blocks for image observations: a strided-convolution
//! trunk in front of an encoder's MLP and a transposed-convolution head
//! behind a decoder's, so the same VAEs read and draw images.
//!
//! [`Encoder`] and [`Decoder`] are what models hold: for feature data they
//! are the plain MLP (same parameters, drawn in the same order, so results
//! on cells are unchanged); for images ([`Input::Image`]) the MLP reads the
//! trunk's feature maps, flattened, and the decoder's MLP writes the head's
//! first feature maps. Rows stay row-major `[n, C * H * W]` outside, as
//! observations hold them. Every convolution has a 4 x 4 kernel, stride 2
//! and padding 1, so each halves the image side (DCGAN's blocks); weights
//! come from the seeded [`Initialiser`], like [`crate::Dense`]'s.

use crate::init::Initialiser;
use crate::mlp::{Activation, Mlp};
use burn::module::{Module, Param};
use burn::tensor::Tensor;
use burn::tensor::module::{conv_transpose2d, conv2d};
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};
use citebench_core::data::ImageShape;
use serde::Deserialize;

const KERNEL: usize = 4;

/// The convolutional blocks' sizes, a hyperparameter of image models.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct ConvConfig {
    /// Feature maps of every convolution.
    pub channels: usize,
    /// Convolutions in the trunk (and transposed ones in the head); each
    /// halves the side, so the side must be divisible by 2^layers.
    pub layers: usize,
}

impl Default for ConvConfig {
    fn default() -> Self {
        Self { channels: 32, layers: 3 }
    }
}

/// What a network reads (or writes): feature vectors, or images.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    Features(usize),
    Image(ImageShape, ConvConfig),
}

impl From<usize> for Input {
    fn from(features: usize) -> Self {
        Self::Features(features)
    }
}

impl Input {
    /// Feature data, or images when the observations hold them.
    pub fn of(features: usize, image: Option<ImageShape>, conv: ConvConfig) -> Result<Self, String> {
        let Some(shape) = image else { return Ok(Self::Features(features)) };
        let side = 1usize << conv.layers;
        if conv.channels == 0 || conv.layers == 0 {
            return Err("`conv.channels` and `conv.layers` must be at least 1".into());
        }
        if !(shape.height as usize).is_multiple_of(side) || !(shape.width as usize).is_multiple_of(side) {
            return Err(format!(
                "images of {shape}: `conv.layers` = {} halves each side that often, so height and width must be \
                 multiples of {side}",
                conv.layers
            ));
        }
        Ok(Self::Image(shape, conv))
    }

    /// Values per row.
    pub fn features(self) -> usize {
        match self {
            Self::Features(n) => n,
            Self::Image(shape, _) => shape.len(),
        }
    }

    /// The smallest feature maps (`[channels, h, w]`), for images.
    fn bottleneck(self) -> Option<[usize; 3]> {
        match self {
            Self::Features(_) => None,
            Self::Image(shape, conv) => {
                let side = 1usize << conv.layers;
                Some([conv.channels, shape.height as usize / side, shape.width as usize / side])
            }
        }
    }
}

/// A 4 x 4, stride-2 convolution (`transposed`: its transpose, doubling the side).
#[derive(Module, Debug)]
pub struct Conv {
    /// `[out, in, 4, 4]`, or `[in, out, 4, 4]` when transposed.
    weight: Param<Tensor<4>>,
    bias: Param<Tensor<1>>,
    #[module(skip)]
    transposed: bool,
}

impl Conv {
    pub fn new(c_in: usize, c_out: usize, transposed: bool, init: &mut Initialiser) -> Self {
        // burn's and PyTorch's fan-in: the input maps a weight sees.
        let fan_in = if transposed { c_out } else { c_in } * KERNEL * KERNEL;
        let shape = if transposed { [c_in, c_out, KERNEL, KERNEL] } else { [c_out, c_in, KERNEL, KERNEL] };
        Self { weight: init.fan_in_uniform(shape, fan_in), bias: init.fan_in_uniform([c_out], fan_in), transposed }
    }

    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let (weight, bias) = (self.weight.val(), Some(self.bias.val()));
        if self.transposed {
            conv_transpose2d(x, weight, bias, ConvTransposeOptions::new([2, 2], [1, 1], [0, 0], [1, 1], 1))
        } else {
            conv2d(x, weight, bias, ConvOptions::new([2, 2], [1, 1], [1, 1], 1))
        }
    }
}

/// An MLP, behind a convolutional trunk for images.
#[derive(Module, Debug)]
pub struct Encoder {
    trunk: Vec<Conv>,
    mlp: Mlp,
    #[module(skip)]
    activation: Activation,
    #[module(skip)]
    image: Option<[usize; 3]>,
}

impl Encoder {
    /// From `input` through `hidden_layers` layers of `width` to `d_out`.
    pub fn new(input: Input, width: usize, hidden_layers: usize, d_out: usize, activation: Activation, init: &mut Initialiser) -> Self {
        let (trunk, d_in, image) = match input {
            Input::Features(n) => (Vec::new(), n, None),
            Input::Image(shape, conv) => {
                let channels = |l: usize| if l == 0 { shape.channels as usize } else { conv.channels };
                let trunk = (0..conv.layers).map(|l| Conv::new(channels(l), conv.channels, false, init)).collect();
                let [c, h, w] = input.bottleneck().expect("an image input");
                (trunk, c * h * w, Some([shape.channels as usize, shape.height as usize, shape.width as usize]))
            }
        };
        Self { trunk, mlp: Mlp::new(&Mlp::widths(d_in, width, hidden_layers, d_out), activation, init), activation, image }
    }

    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let Some([c, h, w]) = self.image else { return self.mlp.forward(x) };
        let n = x.dims()[0];
        let maps = self.trunk.iter().fold(x.reshape([n, c, h, w]), |m, conv| self.activation.apply(conv.forward(m)));
        self.mlp.forward(maps.reshape([n as i32, -1]))
    }
}

/// An MLP, followed by a transposed-convolutional head for images.
#[derive(Module, Debug)]
pub struct Decoder {
    mlp: Mlp,
    head: Vec<Conv>,
    #[module(skip)]
    activation: Activation,
    #[module(skip)]
    bottleneck: Option<[usize; 3]>,
}

impl Decoder {
    /// From `d_in` through `hidden_layers` layers of `width` to `output`.
    pub fn new(d_in: usize, width: usize, hidden_layers: usize, output: Input, activation: Activation, init: &mut Initialiser) -> Self {
        let bottleneck = output.bottleneck();
        let d_out = bottleneck.map_or(output.features(), |[c, h, w]| c * h * w);
        let mlp = Mlp::new(&Mlp::widths(d_in, width, hidden_layers, d_out), activation, init);
        let head = match output {
            Input::Features(_) => Vec::new(),
            Input::Image(shape, conv) => (0..conv.layers)
                .map(|l| {
                    let last = l + 1 == conv.layers;
                    Conv::new(conv.channels, if last { shape.channels as usize } else { conv.channels }, true, init)
                })
                .collect(),
        };
        Self { mlp, head, activation, bottleneck }
    }

    pub fn forward(&self, z: Tensor<2>) -> Tensor<2> {
        let out = self.mlp.forward(z);
        let Some([c, h, w]) = self.bottleneck else { return out };
        let n = out.dims()[0];
        // The MLP's output is unconstrained, as a last layer; the maps it
        // becomes are activated before the first transposed convolution.
        let mut maps = self.activation.apply(out.reshape([n, c, h, w]));
        let last = self.head.len() - 1;
        for (l, conv) in self.head.iter().enumerate() {
            maps = conv.forward(maps);
            if l < last {
                maps = self.activation.apply(maps);
            }
        }
        maps.reshape([n as i32, -1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn image() -> ImageShape {
        ImageShape { channels: 3, height: 16, width: 8 }
    }

    #[test]
    fn images_go_through_the_trunk_and_come_back_at_their_size() {
        let device = Device::flex();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut init = Initialiser::new(&mut rng, &device);
        let input = Input::of(384, Some(image()), ConvConfig { channels: 4, layers: 2 }).unwrap();
        let encoder = Encoder::new(input, 16, 1, 6, Activation::LeakyRelu, &mut init);
        let decoder = Decoder::new(3, 16, 1, input, Activation::LeakyRelu, &mut init);
        let x = Tensor::<2>::from_data(TensorData::new(vec![0.5f32; 2 * 384], [2, 384]), &device);
        assert_eq!(encoder.forward(x).dims(), [2, 6]);
        let z = Tensor::<2>::from_data(TensorData::new(vec![0.1f32; 6], [2, 3]), &device);
        assert_eq!(decoder.forward(z).dims(), [2, 384]);
    }

    #[test]
    fn feature_data_get_the_plain_mlp_with_the_same_weights() {
        let device = Device::flex();
        let x = Tensor::<2>::from_data(TensorData::new(vec![0.3f32; 8], [2, 4]), &device);
        let plain = Mlp::new(&Mlp::widths(4, 8, 1, 5), Activation::LeakyRelu, &mut Initialiser::new(&mut ChaCha8Rng::seed_from_u64(1), &device));
        let input = Input::of(4, None, ConvConfig::default()).unwrap();
        let encoder = Encoder::new(input, 8, 1, 5, Activation::LeakyRelu, &mut Initialiser::new(&mut ChaCha8Rng::seed_from_u64(1), &device));
        let (a, b) = (crate::values(plain.forward(x.clone())).unwrap(), crate::values(encoder.forward(x)).unwrap());
        assert_eq!(a, b);
    }

    /// One strided convolution of a single-channel image, against the
    /// definition: out[i, j] = sum over the 4 x 4 window at (2i - 1, 2j - 1),
    /// zero-padded, plus the bias.
    #[test]
    fn the_convolution_is_strided_and_padded_as_documented() {
        let device = Device::flex();
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let conv = Conv::new(1, 1, false, &mut Initialiser::new(&mut rng, &device));
        let pixels: Vec<f32> = (0..16).map(|v| v as f32 / 16.0).collect();
        let x = Tensor::<4>::from_data(TensorData::new(pixels.clone(), [1, 1, 4, 4]), &device);
        let out = conv.forward(x).into_data().try_to_vec::<f32>().unwrap();
        let w = conv.weight.val().into_data().try_to_vec::<f32>().unwrap();
        let b = conv.bias.val().into_data().try_to_vec::<f32>().unwrap()[0];
        assert_eq!(out.len(), 4);
        for (k, &got) in out.iter().enumerate() {
            let (i, j) = (k / 2, k % 2);
            let mut want = b;
            for (u, v) in (0..4).flat_map(|u| (0..4).map(move |v| (u, v))) {
                let (y, x) = (2 * i + u, 2 * j + v);
                if (1..=4).contains(&y) && (1..=4).contains(&x) {
                    want += w[u * 4 + v] * pixels[(y - 1) * 4 + (x - 1)];
                }
            }
            assert!((got - want).abs() < 1e-5, "output {k}: {got} vs {want}");
        }
    }
}
