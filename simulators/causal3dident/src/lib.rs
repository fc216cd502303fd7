//! `causal3dident`: temporal Causal3DIdent.
pub mod color;
mod error;
pub mod latents;
pub mod mesh;
pub mod render;

pub use error::Causal3dError;
