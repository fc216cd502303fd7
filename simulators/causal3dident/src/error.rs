//! The crate's errors.

use thiserror::Error;

#[derive(Debug, Error, PartialEq)]
pub enum Causal3dError {
    #[error("image size {size} is out of range: images are square, {min} to {max} pixels a side",
        min = crate::render::MIN_SIZE, max = crate::render::MAX_SIZE)]
    ImageSize { size: u32 },
}
